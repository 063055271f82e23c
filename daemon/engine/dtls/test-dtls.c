/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two DTLS endpoints wired together in memory, on a fake clock, through a
 * network that can lose, reorder, truncate, replay and inject datagrams
 * (seeded, so every run is the same).
 *
 * OpenSSL 3.0 times DTLS retransmissions with gettimeofday(); this program
 * defines gettimeofday() so that OpenSSL reads the same fake clock the
 * endpoints are given as `now` (the executable's definition interposes the
 * C library's for libssl). Nothing here depends on real time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "check.h"
#include "engine/dtls/cert.h"
#include "engine/dtls/dtls-queue.h"
#include "engine/dtls/dtls.h"
#include "fake-wallclock.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

/* ---- the fake clock ------------------------------------------------------ */

static uint64_t fake_now = 1700000000ull * NS_PER_S;

RTC_TEST_FAKE_WALLCLOCK(fake_now)

/* ---- identities ---------------------------------------------------------- */

struct identity {
	X509 *x509;
	EVP_PKEY *key;
	char fingerprint[RTC_CERT_FINGERPRINT_MAX]; /* sha-256 */
};

static struct rtc_cert *ecdsa_certs[2];
static struct identity ecdsa[2];
static struct identity rsa;

static void fingerprint_of(X509 *x509, const char *algorithm, char *out)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x509, &der);

	if (len <= 0 || rtc_cert_fingerprint_der(algorithm, der, (size_t)len, out, NULL) < 0)
		abort();
	OPENSSL_free(der);
}

static struct identity identity_from_cert(const struct rtc_cert *cert)
{
	struct identity id = {
		.x509 = rtc_cert_x509(cert),
		.key = rtc_cert_private_key(cert),
	};

	snprintf(id.fingerprint, sizeof(id.fingerprint), "%s", rtc_cert_fingerprint(cert));
	return id;
}

/* A self-signed RSA-2048 certificate such as older WebRTC stacks use. */
static struct identity make_rsa_identity(void)
{
	struct identity id = { 0 };
	X509_NAME *name;

	id.key = EVP_RSA_gen(2048);
	id.x509 = X509_new();
	if (!id.key || !id.x509)
		abort();
	X509_set_version(id.x509, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(id.x509), 1);
	X509_gmtime_adj(X509_getm_notBefore(id.x509), 0);
	X509_gmtime_adj(X509_getm_notAfter(id.x509), 86400);
	name = X509_get_subject_name(id.x509);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"rsa-peer",
				   -1, -1, 0);
	X509_set_issuer_name(id.x509, name);
	X509_set_pubkey(id.x509, id.key);
	if (!X509_sign(id.x509, id.key, EVP_sha256()))
		abort();
	fingerprint_of(id.x509, "sha-256", id.fingerprint);
	return id;
}

/* ---- the in-memory network ------------------------------------------------- */

struct peer {
	struct rtc_dtls *dtls;
	bool connected, closed, failed;
	unsigned connected_events;
	char reason[256];
	uint8_t received[64 * 1024];
	size_t received_len;
	unsigned data_events;
	size_t max_datagram;
	unsigned datagrams_sent;
};

struct packet {
	int to;
	size_t len;
	uint8_t *data;
};

#define MAX_HISTORY 256

struct net {
	struct peer peer[2];
	struct packet inflight[512];
	size_t n_inflight;
	uint32_t rng;
	unsigned loss_percent;
	bool reorder;
	/* Every datagram delivered, for replays. */
	struct packet history[MAX_HISTORY];
	size_t n_history;
	/* Per delivery, also inject garbage, a truncated copy and a replay. */
	bool hostile;
	unsigned hostile_injected;
};

struct endpoint_options {
	const struct identity *id;
	enum rtc_dtls_role role;
	const char *expect_algorithm; /* of the peer's fingerprint; default sha-256 */
	const char *expect_fingerprint;
	const enum rtc_srtp_profile *profiles;
	size_t n_profiles;
};

static uint32_t next_random(struct net *net)
{
	/* xorshift32: deterministic and good enough to pick losses. */
	net->rng ^= net->rng << 13;
	net->rng ^= net->rng >> 17;
	net->rng ^= net->rng << 5;
	return net->rng;
}

static struct rtc_dtls *make_endpoint(const struct endpoint_options *o)
{
	struct rtc_dtls_config config = {
		.role = o->role,
		.certificate = o->id->x509,
		.private_key = o->id->key,
		.remote_fingerprint_algorithm = o->expect_algorithm ? o->expect_algorithm : "sha-256",
		.remote_fingerprint = o->expect_fingerprint,
		.srtp_profiles = o->profiles,
		.n_srtp_profiles = o->n_profiles,
	};
	struct rtc_dtls *d = NULL;
	struct rtc_error err;

	if (rtc_dtls_new(&config, &d, &err) < 0) {
		printf("# rtc_dtls_new: %s\n", err.message);
		return NULL;
	}
	return d;
}

static void net_init(struct net *net, uint32_t seed)
{
	memset(net, 0, sizeof(*net));
	net->rng = seed ? seed : 1;
}

static void net_free(struct net *net)
{
	for (size_t i = 0; i < net->n_inflight; i++)
		free(net->inflight[i].data);
	for (size_t i = 0; i < net->n_history; i++)
		free(net->history[i].data);
	for (int i = 0; i < 2; i++)
		rtc_dtls_free(net->peer[i].dtls);
}

static void drain_events(struct peer *p)
{
	struct rtc_dtls_event ev;

	while (rtc_dtls_poll_event(p->dtls, &ev)) {
		switch (ev.type) {
		case RTC_DTLS_EVENT_CONNECTED:
			p->connected = true;
			p->connected_events++;
			break;
		case RTC_DTLS_EVENT_DATA:
			p->data_events++;
			if (ev.len <= sizeof(p->received) - p->received_len) {
				memcpy(p->received + p->received_len, ev.data, ev.len);
				p->received_len += ev.len;
			}
			break;
		case RTC_DTLS_EVENT_CLOSED:
			p->closed = true;
			break;
		case RTC_DTLS_EVENT_FAILED:
			p->failed = true;
			snprintf(p->reason, sizeof(p->reason), "%s", ev.reason);
			break;
		}
	}
}

static void enqueue(struct net *net, int to, const uint8_t *data, size_t len)
{
	size_t at = net->n_inflight;

	if (net->n_inflight == sizeof(net->inflight) / sizeof(net->inflight[0]))
		return;
	if (net->reorder && net->n_inflight > 0)
		at = next_random(net) % (net->n_inflight + 1);
	memmove(&net->inflight[at + 1], &net->inflight[at],
		(net->n_inflight - at) * sizeof(net->inflight[0]));
	net->inflight[at] = (struct packet){ .to = to, .len = len, .data = malloc(len) };
	memcpy(net->inflight[at].data, data, len);
	net->n_inflight++;
}

/* Moves what peer i wants to send into the network, losing some. */
static void collect(struct net *net, int i)
{
	struct peer *p = &net->peer[i];
	const uint8_t *data;
	size_t len;

	drain_events(p);
	while ((data = rtc_dtls_poll_transmit(p->dtls, &len))) {
		p->datagrams_sent++;
		if (len > p->max_datagram)
			p->max_datagram = len;
		if (net->loss_percent && next_random(net) % 100 < net->loss_percent)
			continue;
		enqueue(net, 1 - i, data, len);
	}
}

static void remember(struct net *net, const struct packet *pkt)
{
	if (net->n_history == MAX_HISTORY)
		return;
	net->history[net->n_history] = *pkt;
	net->history[net->n_history].data = malloc(pkt->len);
	memcpy(net->history[net->n_history].data, pkt->data, pkt->len);
	net->n_history++;
}

static void inject_hostile(struct net *net, const struct packet *pkt)
{
	struct rtc_dtls *to = net->peer[pkt->to].dtls;
	uint8_t garbage[256];
	size_t len = 1 + next_random(net) % sizeof(garbage);

	for (size_t i = 0; i < len; i++)
		garbage[i] = (uint8_t)next_random(net);
	garbage[0] = (uint8_t)(20 + next_random(net) % 44); /* RFC 7983 DTLS range */
	rtc_dtls_handle_receive(to, fake_now, garbage, len);

	if (pkt->len > 1)
		rtc_dtls_handle_receive(to, fake_now, pkt->data, pkt->len / 2);
	for (size_t i = net->n_history; i-- > 0;) {
		if (net->history[i].to == pkt->to) {
			rtc_dtls_handle_receive(to, fake_now, net->history[i].data,
						 net->history[i].len);
			break;
		}
	}
	net->hostile_injected += 3;
}

static void deliver_one(struct net *net)
{
	struct packet pkt = net->inflight[0];

	net->n_inflight--;
	memmove(&net->inflight[0], &net->inflight[1], net->n_inflight * sizeof(net->inflight[0]));
	if (net->hostile)
		inject_hostile(net, &pkt);
	rtc_dtls_handle_receive(net->peer[pkt.to].dtls, fake_now, pkt.data, pkt.len);
	remember(net, &pkt);
	free(pkt.data);
	collect(net, pkt.to);
}

static bool settled(const struct peer *p)
{
	return p->connected || p->failed || p->closed;
}

/* Runs the network until both sides settle, nothing moves any more, or a
 * minute of fake time passes. Returns the fake time spent. */
static uint64_t run(struct net *net)
{
	uint64_t start = fake_now;

	collect(net, 0);
	collect(net, 1);
	while (fake_now - start < 60 * NS_PER_S) {
		uint64_t next;

		if (settled(&net->peer[0]) && settled(&net->peer[1]) && net->n_inflight == 0)
			break;
		if (net->n_inflight > 0) {
			deliver_one(net);
			continue;
		}
		next = rtc_dtls_deadline(net->peer[0].dtls);
		if (rtc_dtls_deadline(net->peer[1].dtls) < next)
			next = rtc_dtls_deadline(net->peer[1].dtls);
		if (next == RTC_DTLS_NO_TIMEOUT)
			break;
		if (next > fake_now)
			fake_now = next;
		for (int i = 0; i < 2; i++) {
			rtc_dtls_handle_timeout(net->peer[i].dtls, fake_now);
			collect(net, i);
		}
	}
	return fake_now - start;
}

/* Peer 0 and peer 1 with the given identities; `client` is the index of
 * the DTLS client. */
static bool setup_pair(struct net *net, uint32_t seed, const struct identity *id0,
		       const struct identity *id1, int client)
{
	struct endpoint_options o0 = { .id = id0, .expect_fingerprint = id1->fingerprint,
				       .role = client == 0 ? RTC_DTLS_CLIENT : RTC_DTLS_SERVER };
	struct endpoint_options o1 = { .id = id1, .expect_fingerprint = id0->fingerprint,
				       .role = client == 1 ? RTC_DTLS_CLIENT : RTC_DTLS_SERVER };

	net_init(net, seed);
	net->peer[0].dtls = make_endpoint(&o0);
	net->peer[1].dtls = make_endpoint(&o1);
	if (!net->peer[0].dtls || !net->peer[1].dtls)
		return false;
	rtc_dtls_start(net->peer[client].dtls, fake_now);
	return true;
}

static bool send_text(struct net *net, int from, const char *text)
{
	struct rtc_error err;

	if (rtc_dtls_send(net->peer[from].dtls, (const uint8_t *)text, strlen(text), &err) < 0) {
		printf("# send: %s\n", err.message);
		return false;
	}
	collect(net, from);
	run(net);
	return true;
}

static bool received_is(const struct peer *p, const char *text)
{
	return p->received_len == strlen(text) && memcmp(p->received, text, p->received_len) == 0;
}

/* No use_srtp negotiated (the registry has no profile 0). */
#define NO_SRTP ((enum rtc_srtp_profile)0)

static bool masters_equal(const struct rtc_srtp_master *a, const struct rtc_srtp_master *b)
{
	return a->profile == b->profile && a->key_len == b->key_len &&
	       a->salt_len == b->salt_len && memcmp(a->key, b->key, a->key_len) == 0 &&
	       memcmp(a->salt, b->salt, a->salt_len) == 0;
}

/* Each side's local keys are the other's remote keys, and the two
 * directions use different keys. */
static bool keys_mirror(const struct rtc_dtls_srtp_keys *a, const struct rtc_dtls_srtp_keys *b)
{
	static const uint8_t zero[RTC_SRTP_MASTER_KEY_MAX];

	const struct rtc_srtp_profile_info *info = a ? rtc_srtp_profile_info(a->local.profile)
						     : NULL;

	return a && b && info && masters_equal(&a->local, &b->remote) &&
	       masters_equal(&a->remote, &b->local) &&
	       a->local.key_len == info->master_key_len &&
	       a->local.salt_len == info->master_salt_len &&
	       a->local.profile == a->remote.profile &&
	       memcmp(a->local.key, a->remote.key, a->local.key_len) != 0 &&
	       memcmp(a->local.key, zero, a->local.key_len) != 0;
}

/* ---- the building blocks ---------------------------------------------------- */

static void test_queue_is_bounded_fifo(void)
{
	struct rtc_dtls_queue q;
	const uint8_t *a, *b;
	size_t alen, blen;
	uint32_t tag;
	uint8_t big[3000] = { 0 };

	rtc_dtls_queue_init(&q, 4096);
	CHECK(rtc_dtls_queue_is_empty(&q));
	CHECK_INTEQ(rtc_dtls_queue_push(&q, 1, "one", 3), 0);
	CHECK_INTEQ(rtc_dtls_queue_push(&q, 2, NULL, 0), 0);
	CHECK_INTEQ(rtc_dtls_queue_push(&q, 3, big, sizeof(big)), 0);
	/* 3003 of 4096 bytes used: another 3000 would pass the bound. */
	CHECK_INTEQ(rtc_dtls_queue_push(&q, 4, big, sizeof(big)), -1);

	CHECK(rtc_dtls_queue_pop(&q, &tag, &a, &alen));
	CHECK_INTEQ(tag, 1);
	CHECK_INTEQ(alen, 3);
	CHECK(rtc_dtls_queue_pop(&q, &tag, &b, &blen));
	CHECK_INTEQ(tag, 2);
	CHECK_INTEQ(blen, 0);
	/* Popped data stays put until the next push. */
	CHECK(memcmp(a, "one", 3) == 0);
	CHECK(rtc_dtls_queue_pop(&q, &tag, &b, &blen));
	CHECK_INTEQ(blen, sizeof(big));
	CHECK(!rtc_dtls_queue_pop(&q, &tag, &b, &blen));
	CHECK(rtc_dtls_queue_is_empty(&q));

	/* Drained: the whole bound is available again. */
	CHECK_INTEQ(rtc_dtls_queue_push(&q, 5, big, sizeof(big)), 0);
	CHECK(rtc_dtls_queue_reserve(&q, 2000) == NULL);
	CHECK(rtc_dtls_queue_reserve(&q, 1000) != NULL);
	CHECK_INTEQ(rtc_dtls_queue_commit(&q, 6, 10), 0);
	CHECK(rtc_dtls_queue_pop(&q, &tag, &a, &alen));
	CHECK_INTEQ(tag, 5);
	CHECK(rtc_dtls_queue_pop(&q, &tag, &a, &alen));
	CHECK_INTEQ(tag, 6);
	CHECK_INTEQ(alen, 10);
	rtc_dtls_queue_release(&q);
}

static void test_config_errors(void)
{
	struct rtc_dtls_config config = {
		.role = RTC_DTLS_CLIENT,
		.certificate = ecdsa[0].x509,
		.private_key = ecdsa[0].key,
		.remote_fingerprint_algorithm = "md5",
		.remote_fingerprint = ecdsa[1].fingerprint,
	};
	static const enum rtc_srtp_profile bogus[] = { (enum rtc_srtp_profile)0x0005 };
	struct rtc_dtls *d = NULL;
	struct rtc_error err;

	CHECK_INTEQ(rtc_dtls_new(&config, &d, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_SUPPORTED);
	config.remote_fingerprint_algorithm = "sha-256";
	config.remote_fingerprint = "";
	CHECK_INTEQ(rtc_dtls_new(&config, &d, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	config.remote_fingerprint = ecdsa[1].fingerprint;
	config.private_key = NULL;
	CHECK_INTEQ(rtc_dtls_new(&config, &d, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	config.private_key = ecdsa[1].key; /* not the certificate's key */
	CHECK_INTEQ(rtc_dtls_new(&config, &d, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_OPERATION);
	config.private_key = ecdsa[0].key;
	config.srtp_profiles = bogus;
	config.n_srtp_profiles = 1;
	CHECK_INTEQ(rtc_dtls_new(&config, &d, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_SUPPORTED);
	config.srtp_profiles = NULL;
	CHECK_INTEQ(rtc_dtls_new(&config, &d, &err), 0);
	CHECK_INTEQ(rtc_dtls_state(d), RTC_DTLS_NEW);
	CHECK_INTEQ(rtc_dtls_deadline(d), RTC_DTLS_NO_TIMEOUT);
	CHECK_INTEQ(rtc_dtls_send(d, (const uint8_t *)"x", 1, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	rtc_dtls_free(d);
}

/* ---- handshakes ---------------------------------------------------------------- */

static void check_connected_pair(struct net *net, int client)
{
	struct peer *c = &net->peer[client], *s = &net->peer[1 - client];

	CHECK(c->connected && s->connected);
	CHECK(!c->failed && !s->failed);
	CHECK_INTEQ(c->connected_events, 1);
	CHECK_INTEQ(s->connected_events, 1);
	CHECK_INTEQ(rtc_dtls_state(c->dtls), RTC_DTLS_CONNECTED);
	CHECK_INTEQ(rtc_dtls_role(c->dtls), RTC_DTLS_CLIENT);
	CHECK_INTEQ(rtc_dtls_role(s->dtls), RTC_DTLS_SERVER);
	CHECK(keys_mirror(rtc_dtls_srtp_keys(c->dtls), rtc_dtls_srtp_keys(s->dtls)));
	CHECK(c->max_datagram <= RTC_DTLS_MTU);
	CHECK(s->max_datagram <= RTC_DTLS_MTU);
}

static void handshake_and_talk(int client)
{
	struct net net;
	const struct rtc_dtls_srtp_keys *keys;

	CHECK(setup_pair(&net, 7, &ecdsa[0], &ecdsa[1], client));
	run(&net);
	check_connected_pair(&net, client);
	keys = rtc_dtls_srtp_keys(net.peer[0].dtls);
	CHECK(keys && keys->local.profile == RTC_SRTP_AEAD_AES_256_GCM);
	/* RFC 7714: a 256-bit key and a 96-bit master salt with AES-256-GCM. */
	CHECK(keys && keys->local.key_len == 32);
	CHECK(keys && keys->local.salt_len == 12);
	CHECK_STREQ(rtc_dtls_cipher_name(net.peer[0].dtls), "ECDHE-ECDSA-AES128-GCM-SHA256");
	CHECK(rtc_dtls_max_datagram_payload(net.peer[0].dtls) > 1100);
	CHECK(rtc_dtls_max_datagram_payload(net.peer[0].dtls) < RTC_DTLS_MTU);

	CHECK(send_text(&net, 0, "hello from 0"));
	CHECK(send_text(&net, 1, "hello from 1"));
	CHECK(received_is(&net.peer[1], "hello from 0"));
	CHECK(received_is(&net.peer[0], "hello from 1"));
	CHECK_INTEQ(net.peer[0].data_events, 1);
	CHECK_INTEQ(net.peer[1].data_events, 1);
	net_free(&net);
}

/* An idle connection gives OpenSSL's record buffers back, watched by the
 * idle timer; after that, traffic in both directions and close_notify
 * still work (OpenSSL 3.0's DTLS writer crashed on released buffers). */
static void test_idle_connection_releases_buffers(void)
{
	struct net net;

	CHECK(setup_pair(&net, 11, &ecdsa[0], &ecdsa[1], 0));
	run(&net);
	check_connected_pair(&net, 0);
	for (int i = 0; i < 2; i++)
		CHECK(rtc_dtls_deadline(net.peer[i].dtls) != RTC_DTLS_NO_TIMEOUT);
	/* Two idle checks: the first sees the handshake's traffic. */
	for (int round = 0; round < 3; round++) {
		fake_now += 3 * NS_PER_S;
		for (int i = 0; i < 2; i++)
			rtc_dtls_handle_timeout(net.peer[i].dtls, fake_now);
	}
	for (int i = 0; i < 2; i++)
		CHECK(rtc_dtls_deadline(net.peer[i].dtls) == RTC_DTLS_NO_TIMEOUT);
	CHECK(send_text(&net, 0, "after a rest"));
	CHECK(received_is(&net.peer[1], "after a rest"));
	CHECK(send_text(&net, 1, "and back"));
	CHECK(received_is(&net.peer[0], "and back"));
	/* Traffic armed the idle timer again. */
	CHECK(rtc_dtls_deadline(net.peer[1].dtls) != RTC_DTLS_NO_TIMEOUT);
	for (int round = 0; round < 3; round++) {
		fake_now += 3 * NS_PER_S;
		for (int i = 0; i < 2; i++)
			rtc_dtls_handle_timeout(net.peer[i].dtls, fake_now);
	}
	rtc_dtls_close(net.peer[0].dtls);
	collect(&net, 0);
	run(&net);
	CHECK(net.peer[1].closed);
	net_free(&net);
}

static void test_handshake_peer0_client(void)
{
	handshake_and_talk(0);
}

static void test_handshake_peer0_server(void)
{
	handshake_and_talk(1);
}

static void test_handshake_under_loss_and_reordering(void)
{
	unsigned retransmissions = 0, completed = 0;

	for (uint32_t seed = 1; seed <= 12; seed++) {
		int client = (int)(seed % 2);
		struct net net;

		CHECK(setup_pair(&net, seed * 7919, &ecdsa[0], &ecdsa[1], client));
		net.loss_percent = 30;
		net.reorder = true;
		run(&net);
		if (!(net.peer[0].connected && net.peer[1].connected))
			printf("# seed %u: not connected (%s / %s)\n", seed, net.peer[0].reason,
			       net.peer[1].reason);
		check_connected_pair(&net, client);
		completed += net.peer[0].connected && net.peer[1].connected;
		/* A lossless handshake takes 4 flights of a few datagrams each. */
		retransmissions += net.peer[0].datagrams_sent + net.peer[1].datagrams_sent;

		/* Application data is unreliable: check it with loss turned off. */
		net.loss_percent = 0;
		CHECK(send_text(&net, client, "after the storm"));
		CHECK(received_is(&net.peer[1 - client], "after the storm"));
		net_free(&net);
	}
	CHECK_INTEQ(completed, 12);
	/* 12 lossless handshakes send well under 12 * 12 datagrams. */
	CHECK(retransmissions > 12 * 12);
}

/* Alter one hex digit of a fingerprint. */
static void corrupt(char *fingerprint)
{
	fingerprint[1] = fingerprint[1] == '0' ? '1' : '0';
}

static void wrong_fingerprint(int client, int deceived)
{
	struct identity wrong = ecdsa[1 - deceived];
	struct endpoint_options o[2];
	struct net net;
	struct rtc_error err;

	corrupt(wrong.fingerprint);
	net_init(&net, 3);
	for (int i = 0; i < 2; i++) {
		o[i] = (struct endpoint_options){
			.id = &ecdsa[i],
			.role = i == client ? RTC_DTLS_CLIENT : RTC_DTLS_SERVER,
			.expect_fingerprint = i == deceived ? wrong.fingerprint
							    : ecdsa[1 - i].fingerprint,
		};
		net.peer[i].dtls = make_endpoint(&o[i]);
	}
	rtc_dtls_start(net.peer[client].dtls, fake_now);
	run(&net);

	for (int i = 0; i < 2; i++) {
		CHECK(net.peer[i].failed);
		CHECK(!net.peer[i].connected);
		CHECK_INTEQ(net.peer[i].data_events, 0);
		CHECK_INTEQ(rtc_dtls_state(net.peer[i].dtls), RTC_DTLS_FAILED);
		CHECK(rtc_dtls_srtp_keys(net.peer[i].dtls) == NULL);
		CHECK_INTEQ(rtc_dtls_send(net.peer[i].dtls, (const uint8_t *)"leak", 4, &err), -1);
		CHECK_INTEQ(rtc_dtls_deadline(net.peer[i].dtls), RTC_DTLS_NO_TIMEOUT);
	}
	CHECK(strstr(net.peer[deceived].reason, "does not match a=fingerprint") != NULL);
	CHECK(strstr(net.peer[1 - deceived].reason, "bad certificate") != NULL);
	net_free(&net);
}

static void test_wrong_fingerprint_at_client(void)
{
	wrong_fingerprint(0, 0);
	wrong_fingerprint(1, 1);
}

static void test_wrong_fingerprint_at_server(void)
{
	wrong_fingerprint(0, 1);
	wrong_fingerprint(1, 0);
}

static void test_any_fingerprint_hash_and_case(void)
{
	static const char *const algorithms[] = { "sha-1", "SHA-384", "sha-512", "sha-224" };

	for (size_t a = 0; a < sizeof(algorithms) / sizeof(algorithms[0]); a++) {
		char fp[2][RTC_CERT_FINGERPRINT_MAX];
		struct endpoint_options o[2];
		struct net net;

		net_init(&net, 5);
		for (int i = 0; i < 2; i++) {
			fingerprint_of(ecdsa[1 - i].x509, algorithms[a], fp[i]);
			for (char *c = fp[i]; *c; c++) /* SDP hex may come in lower case */
				if (*c >= 'A' && *c <= 'F')
					*c = (char)(*c - 'A' + 'a');
			o[i] = (struct endpoint_options){
				.id = &ecdsa[i],
				.role = i == 0 ? RTC_DTLS_CLIENT : RTC_DTLS_SERVER,
				.expect_algorithm = algorithms[a],
				.expect_fingerprint = fp[i],
			};
			net.peer[i].dtls = make_endpoint(&o[i]);
		}
		rtc_dtls_start(net.peer[0].dtls, fake_now);
		run(&net);
		CHECK(net.peer[0].connected && net.peer[1].connected);
		net_free(&net);
	}
}

static void test_rsa_peer_certificate(void)
{
	for (int client = 0; client < 2; client++) {
		struct net net;

		/* Peer 0 presents RSA, peer 1 our ECDSA certificate. */
		CHECK(setup_pair(&net, 11, &rsa, &ecdsa[1], client));
		run(&net);
		check_connected_pair(&net, client);
		/* Whoever is server picks the suite its certificate can sign. */
		CHECK_STREQ(rtc_dtls_cipher_name(net.peer[0].dtls),
			    client == 0 ? "ECDHE-ECDSA-AES128-GCM-SHA256"
					: "ECDHE-RSA-AES128-GCM-SHA256");
		CHECK(send_text(&net, 0, "rsa says hi"));
		CHECK(received_is(&net.peer[1], "rsa says hi"));
		net_free(&net);
	}
}

/* ---- DTLS-SRTP --------------------------------------------------------------- */

static enum rtc_srtp_profile negotiate(const enum rtc_srtp_profile *client,
					    size_t n_client,
					    const enum rtc_srtp_profile *server,
					    size_t n_server, bool *mirrored)
{
	struct endpoint_options oc = { .id = &ecdsa[0], .role = RTC_DTLS_CLIENT,
				       .expect_fingerprint = ecdsa[1].fingerprint,
				       .profiles = client, .n_profiles = n_client };
	struct endpoint_options os = { .id = &ecdsa[1], .role = RTC_DTLS_SERVER,
				       .expect_fingerprint = ecdsa[0].fingerprint,
				       .profiles = server, .n_profiles = n_server };
	const struct rtc_dtls_srtp_keys *kc, *ks;
	enum rtc_srtp_profile result = NO_SRTP;
	struct net net;

	net_init(&net, 13);
	net.peer[0].dtls = make_endpoint(&oc);
	net.peer[1].dtls = make_endpoint(&os);
	rtc_dtls_start(net.peer[0].dtls, fake_now);
	run(&net);
	CHECK(net.peer[0].connected && net.peer[1].connected);
	kc = rtc_dtls_srtp_keys(net.peer[0].dtls);
	ks = rtc_dtls_srtp_keys(net.peer[1].dtls);
	*mirrored = keys_mirror(kc, ks);
	CHECK((kc == NULL) == (ks == NULL));
	if (kc)
		result = kc->local.profile;
	net_free(&net);
	return result;
}

static void test_srtp_each_profile(void)
{
	static const enum rtc_srtp_profile profiles[] = {
		RTC_SRTP_AES128_CM_HMAC_SHA1_80,
		RTC_SRTP_AEAD_AES_128_GCM,
		RTC_SRTP_AES128_CM_HMAC_SHA1_32,
		RTC_SRTP_AEAD_AES_256_GCM,
	};

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		bool mirrored = false;

		/* Offered alone by the client, accepted by a default server. */
		CHECK_INTEQ(negotiate(&profiles[i], 1, NULL, 0, &mirrored), profiles[i]);
		CHECK(mirrored);
	}
}

static void test_srtp_preference(void)
{
	static const enum rtc_srtp_profile cm80_gcm[] = {
		RTC_SRTP_AES128_CM_HMAC_SHA1_80, RTC_SRTP_AEAD_AES_128_GCM };
	static const enum rtc_srtp_profile gcm_cm80[] = {
		RTC_SRTP_AEAD_AES_128_GCM, RTC_SRTP_AES128_CM_HMAC_SHA1_80 };
	static const enum rtc_srtp_profile cm32_cm80[] = {
		RTC_SRTP_AES128_CM_HMAC_SHA1_32, RTC_SRTP_AES128_CM_HMAC_SHA1_80 };
	static const enum rtc_srtp_profile cm32[] = { RTC_SRTP_AES128_CM_HMAC_SHA1_32 };
	static const enum rtc_srtp_profile gcm[] = { RTC_SRTP_AEAD_AES_128_GCM };
	static const enum rtc_srtp_profile no_256[] = { RTC_SRTP_AEAD_AES_128_GCM,
		RTC_SRTP_AES128_CM_HMAC_SHA1_80, RTC_SRTP_AES128_CM_HMAC_SHA1_32 };
	static const enum rtc_srtp_profile libwebrtc[] = { RTC_SRTP_AES128_CM_HMAC_SHA1_80,
		RTC_SRTP_AEAD_AES_256_GCM, RTC_SRTP_AEAD_AES_128_GCM };
	bool mirrored = false;

	/* Defaults on both sides: AES-256-GCM; 128-GCM with a peer lacking it. */
	CHECK_INTEQ(negotiate(NULL, 0, NULL, 0, &mirrored), RTC_SRTP_AEAD_AES_256_GCM);
	CHECK(mirrored);
	CHECK_INTEQ(negotiate(no_256, 3, NULL, 0, &mirrored), RTC_SRTP_AEAD_AES_128_GCM);
	CHECK(mirrored);
	CHECK_INTEQ(negotiate(NULL, 0, no_256, 3, &mirrored), RTC_SRTP_AEAD_AES_128_GCM);
	/* libwebrtc's order puts CM-80 first: as DTLS client it gets our
	 * 256-GCM, as server it picks CM-80. */
	CHECK_INTEQ(negotiate(libwebrtc, 3, NULL, 0, &mirrored), RTC_SRTP_AEAD_AES_256_GCM);
	CHECK(mirrored);
	CHECK_INTEQ(negotiate(NULL, 0, libwebrtc, 3, &mirrored), RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	/* The server's order decides. */
	CHECK_INTEQ(negotiate(gcm_cm80, 2, cm80_gcm, 2, &mirrored),
		    RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	CHECK_INTEQ(negotiate(cm32_cm80, 2, NULL, 0, &mirrored), RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	CHECK(mirrored);
	/* Nothing in common: connected all the same, without SRTP keys. */
	CHECK_INTEQ(negotiate(cm32, 1, gcm, 1, &mirrored), NO_SRTP);
}

/* ---- the end of a connection ----------------------------------------------- */

static void test_close_notify(void)
{
	for (int client = 0; client < 2; client++) {
		struct net net;
		struct rtc_error err;

		CHECK(setup_pair(&net, 17, &ecdsa[0], &ecdsa[1], client));
		run(&net);
		CHECK(net.peer[0].connected && net.peer[1].connected);

		rtc_dtls_close(net.peer[0].dtls);
		CHECK_INTEQ(rtc_dtls_state(net.peer[0].dtls), RTC_DTLS_CLOSED);
		collect(&net, 0);
		/* close_notify is on its way; nothing reported for our own close. */
		CHECK_INTEQ(net.n_inflight, 1);
		CHECK(!net.peer[0].closed);
		run(&net);

		CHECK(net.peer[1].closed);
		CHECK(!net.peer[1].failed && !net.peer[0].failed);
		CHECK_INTEQ(rtc_dtls_state(net.peer[1].dtls), RTC_DTLS_CLOSED);
		CHECK_INTEQ(rtc_dtls_send(net.peer[1].dtls, (const uint8_t *)"x", 1, &err), -1);
		CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
		CHECK_INTEQ(rtc_dtls_send(net.peer[0].dtls, (const uint8_t *)"x", 1, &err), -1);
		CHECK_INTEQ(rtc_dtls_deadline(net.peer[0].dtls), RTC_DTLS_NO_TIMEOUT);
		CHECK_INTEQ(rtc_dtls_deadline(net.peer[1].dtls), RTC_DTLS_NO_TIMEOUT);
		CHECK_INTEQ(net.peer[0].data_events + net.peer[1].data_events, 0);
		net_free(&net);
	}
}

static void test_handshake_gives_up(void)
{
	struct net net;
	uint64_t previous_interval = 0, start, last = 0;
	unsigned hellos = 0;
	bool doubling = true;

	CHECK(setup_pair(&net, 19, &ecdsa[0], &ecdsa[1], 0));
	start = fake_now;
	/* The server never hears anything: count the client's ClientHellos. */
	while (rtc_dtls_deadline(net.peer[0].dtls) != RTC_DTLS_NO_TIMEOUT &&
	       fake_now - start < 120 * NS_PER_S) {
		uint64_t next = rtc_dtls_deadline(net.peer[0].dtls);
		size_t len;

		while (rtc_dtls_poll_transmit(net.peer[0].dtls, &len))
			hellos++;
		if (last) {
			uint64_t interval = fake_now - last;

			if (previous_interval && interval != 2 * previous_interval &&
			    interval != 3000 * NS_PER_MS)
				doubling = false;
			previous_interval = interval;
		} else {
			/* The first deadline is the initial timeout. */
			CHECK_INTEQ(next - fake_now, 100 * NS_PER_MS);
		}
		last = fake_now;
		fake_now = next;
		rtc_dtls_handle_timeout(net.peer[0].dtls, fake_now);
	}
	drain_events(&net.peer[0]);
	CHECK(net.peer[0].failed);
	CHECK(strstr(net.peer[0].reason, "timed out") != NULL);
	CHECK(doubling);
	/* The first ClientHello and 12 retransmissions. */
	CHECK_INTEQ(hellos, 13);
	/* 0.1 + 0.2 + ... + 1.6 + 3 * 7 seconds. */
	CHECK(fake_now - start < 30 * NS_PER_S);
	net_free(&net);
}

static void test_early_timeout_call_does_nothing(void)
{
	struct net net;
	size_t len;

	CHECK(setup_pair(&net, 23, &ecdsa[0], &ecdsa[1], 0));
	while (rtc_dtls_poll_transmit(net.peer[0].dtls, &len))
		;
	rtc_dtls_handle_timeout(net.peer[0].dtls, fake_now + 50 * NS_PER_MS);
	CHECK(rtc_dtls_poll_transmit(net.peer[0].dtls, &len) == NULL);
	net_free(&net);
}

/* ---- hostile input ------------------------------------------------------------ */

static void test_garbage_during_handshake(void)
{
	for (int client = 0; client < 2; client++) {
		struct net net;

		CHECK(setup_pair(&net, 29 + (uint32_t)client, &ecdsa[0], &ecdsa[1], client));
		net.hostile = true;
		run(&net);
		check_connected_pair(&net, client);
		CHECK(net.hostile_injected > 10);
		CHECK(send_text(&net, 0, "still fine"));
		CHECK(received_is(&net.peer[1], "still fine"));
		CHECK_INTEQ(net.peer[1].data_events, 1);
		net_free(&net);
	}
}

static void test_garbage_after_handshake(void)
{
	struct net net;
	struct rtc_error err;
	const uint8_t *data;
	uint8_t record[64], garbage[300];
	size_t len;

	CHECK(setup_pair(&net, 31, &ecdsa[0], &ecdsa[1], 0));
	run(&net);
	CHECK(net.peer[0].connected && net.peer[1].connected);

	/* Capture one application data record in flight. */
	CHECK_INTEQ(rtc_dtls_send(net.peer[0].dtls, (const uint8_t *)"once", 4, &err), 0);
	data = rtc_dtls_poll_transmit(net.peer[0].dtls, &len);
	CHECK(data && len <= sizeof(record));
	if (!data || len > sizeof(record)) {
		net_free(&net);
		return;
	}
	memcpy(record, data, len);

	rtc_dtls_handle_receive(net.peer[1].dtls, fake_now, record, len);
	/* Replayed: the replay window drops it. */
	rtc_dtls_handle_receive(net.peer[1].dtls, fake_now, record, len);
	/* Truncated, bit-flipped: not authentic, dropped. */
	for (size_t cut = 0; cut < len; cut++)
		rtc_dtls_handle_receive(net.peer[1].dtls, fake_now, record, cut);
	record[len - 1] ^= 0x01;
	rtc_dtls_handle_receive(net.peer[1].dtls, fake_now, record, len);
	for (int i = 0; i < 200; i++) {
		size_t n = 1 + next_random(&net) % sizeof(garbage);

		for (size_t j = 0; j < n; j++)
			garbage[j] = (uint8_t)next_random(&net);
		garbage[0] = (uint8_t)(20 + i % 44);
		rtc_dtls_handle_receive(net.peer[1].dtls, fake_now, garbage, n);
	}
	/* An empty datagram is not a crash either. */
	rtc_dtls_handle_receive(net.peer[1].dtls, fake_now, garbage, 0);
	drain_events(&net.peer[1]);
	CHECK_INTEQ(net.peer[1].data_events, 1);
	CHECK(received_is(&net.peer[1], "once"));
	CHECK_INTEQ(rtc_dtls_state(net.peer[1].dtls), RTC_DTLS_CONNECTED);

	/* The connection still works both ways. */
	collect(&net, 1);
	run(&net);
	CHECK(send_text(&net, 0, "twice"));
	CHECK(received_is(&net.peer[1], "oncetwice"));
	CHECK(send_text(&net, 1, "back"));
	CHECK(received_is(&net.peer[0], "back"));
	net_free(&net);
}

static void test_send_limits(void)
{
	static uint8_t big[RTC_DTLS_MAX_RECORD_PAYLOAD + 1];
	struct net net;
	struct rtc_error err;

	CHECK(setup_pair(&net, 37, &ecdsa[0], &ecdsa[1], 0));
	run(&net);
	CHECK_INTEQ(rtc_dtls_send(net.peer[0].dtls, big, 0, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(rtc_dtls_send(net.peer[0].dtls, big, sizeof(big), &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31);
	/* A full record is allowed; it just makes a datagram above the MTU. */
	CHECK_INTEQ(rtc_dtls_send(net.peer[0].dtls, big, RTC_DTLS_MAX_RECORD_PAYLOAD, &err), 0);
	collect(&net, 0);
	run(&net);
	CHECK_INTEQ(net.peer[1].received_len, RTC_DTLS_MAX_RECORD_PAYLOAD);
	CHECK(memcmp(net.peer[1].received, big, RTC_DTLS_MAX_RECORD_PAYLOAD) == 0);
	net_free(&net);
}

int main(void)
{
	for (int i = 0; i < 2; i++) {
		if (rtc_cert_generate(i ? "peer-1" : "peer-0", &ecdsa_certs[i], NULL) < 0)
			return 1;
		ecdsa[i] = identity_from_cert(ecdsa_certs[i]);
	}
	rsa = make_rsa_identity();

	RUN(test_queue_is_bounded_fifo);
	RUN(test_config_errors);
	RUN(test_handshake_peer0_client);
	RUN(test_handshake_peer0_server);
	RUN(test_handshake_under_loss_and_reordering);
	RUN(test_wrong_fingerprint_at_client);
	RUN(test_wrong_fingerprint_at_server);
	RUN(test_any_fingerprint_hash_and_case);
	RUN(test_rsa_peer_certificate);
	RUN(test_srtp_each_profile);
	RUN(test_srtp_preference);
	RUN(test_close_notify);
	RUN(test_handshake_gives_up);
	RUN(test_early_timeout_call_does_nothing);
	RUN(test_garbage_during_handshake);
	RUN(test_garbage_after_handshake);
	RUN(test_send_limits);
	RUN(test_idle_connection_releases_buffers);

	X509_free(rsa.x509);
	EVP_PKEY_free(rsa.key);
	for (int i = 0; i < 2; i++)
		rtc_cert_free(ecdsa_certs[i]);
	return rtc_test_done();
}
