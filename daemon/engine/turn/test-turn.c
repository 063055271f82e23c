/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TURN client against a small in-test TURN server that answers
 * Allocate, Refresh, CreatePermission and ChannelBind as RFC 8656 says,
 * with long-term credentials, nonce rotation and injected failures; all on
 * a fake clock. The server keeps the order of what it received, so the
 * tests of rtc_turn_client_send can tell whether data to a peer left
 * before its permission existed. Also ChannelData framing and the TCP
 * stream reassembler.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/stun/stun.h"
#include "engine/turn/turn.h"
#include "engine/turn/turn-stream.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)

/* ---- the fake server --------------------------------------------------- */

#define MAX_PEERS 8
#define MAX_TRACE 64
/* In the trace, beside STUN methods: data that came as ChannelData. */
#define TRACE_CHANNEL_DATA 0x4000

/* One message from the client, as the server saw it. */
struct trace_entry {
	uint16_t what;             /* STUN method (RTC_STUN_SEND for a Send
				    * indication) or TRACE_CHANNEL_DATA */
	struct sockaddr_storage peer;   /* XOR-PEER-ADDRESS, or the channel's */
	bool relayed;              /* data the server passed on to the peer */
	char data[16];             /* data, as text */
};

struct fake_server {
	const char *realm;
	const char *password;      /* for the one user "alice" */
	char nonce[32];
	unsigned nonce_serial;
	struct rtc_stun_key key;
	bool stream;               /* TCP: ChannelData padded */

	bool allocated;
	uint64_t expires;
	struct sockaddr_in relayed, mapped;
	struct sockaddr_storage permissions[MAX_PEERS];
	uint64_t permission_expires[MAX_PEERS];
	size_t permission_count;
	struct sockaddr_storage channel_peers[MAX_PEERS];
	uint16_t channel_numbers[MAX_PEERS];
	size_t channel_count;

	/* Failure injection: the next request of that method gets this code. */
	uint16_t fail_method, fail_code;
	bool silent;               /* answers nothing at all */
	/* Peers on this IP are refused (403), as coturn's denied-peer-ip. */
	struct sockaddr_in forbidden;

	/* What happened. */
	unsigned requests[16];     /* by method */
	unsigned unauthenticated;  /* requests that got a 401 or 438 */
	struct sockaddr_storage last_peer;   /* where relayed data went */
	uint8_t last_data[256];
	size_t last_len;
	bool last_was_channel;
	struct trace_entry trace[MAX_TRACE];
	size_t trace_count;
};

static void trace(struct fake_server *s, uint16_t what, const struct sockaddr_storage *peer,
		  bool relayed, const uint8_t *data, size_t len)
{
	if (s->trace_count == MAX_TRACE)
		return;
	struct trace_entry *t = &s->trace[s->trace_count++];
	memset(t, 0, sizeof(*t));
	t->what = what;
	if (peer)
		t->peer = *peer;
	t->relayed = relayed;
	if (data && len)
		memcpy(t->data, data, len < sizeof(t->data) - 1 ? len : sizeof(t->data) - 1);
}

static void fake_init(struct fake_server *s, const char *password)
{
	memset(s, 0, sizeof(*s));
	s->realm = "example.org";
	s->password = password;
	snprintf(s->nonce, sizeof(s->nonce), "nonce-%u", s->nonce_serial);
	rtc_stun_key_long_term(&s->key, RTC_STUN_PASSWORD_MD5, "alice", s->realm, "secret", NULL);
	s->relayed.sin_family = AF_INET;
	s->relayed.sin_port = htons(50000);
	inet_pton(AF_INET, "198.51.100.1", &s->relayed.sin_addr);
	s->mapped.sin_family = AF_INET;
	s->mapped.sin_port = htons(40000);
	inet_pton(AF_INET, "203.0.113.5", &s->mapped.sin_addr);
}

/* A new nonce: the client's next request meets a 438. */
static void fake_rotate_nonce(struct fake_server *s)
{
	snprintf(s->nonce, sizeof(s->nonce), "nonce-%u", ++s->nonce_serial);
}

/* The peers in these tests are IPv4: a and b point to sockaddr_in or
 * to a sockaddr_storage holding one. */
static bool same_peer_ip(const void *a, const void *b)
{
	const struct sockaddr_in *x = a, *y = b;
	return x->sin_family == AF_INET && y->sin_family == AF_INET &&
	       x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static bool same_peer(const void *a, const void *b)
{
	const struct sockaddr_in *x = a, *y = b;
	return same_peer_ip(a, b) && x->sin_port == y->sin_port;
}

static size_t error_response(struct fake_server *s, const struct rtc_stun_msg *req,
			     uint16_t code, const char *reason, bool challenge, bool sign,
			     uint8_t *out, size_t cap)
{
	struct rtc_stun_builder b;
	size_t len = 0;
	rtc_stun_builder_init(&b, out, cap, req->method, RTC_STUN_ERROR, req->tid);
	rtc_stun_builder_add_error_code(&b, code, reason);
	if (challenge) {
		rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_REALM, s->realm);
		rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_NONCE, s->nonce);
	}
	if (sign)
		rtc_stun_builder_add_integrity(&b, &s->key, RTC_STUN_INTEGRITY_SHA1);
	rtc_stun_builder_add_fingerprint(&b);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);
	return len;
}

/* RFC 8489 9.2.4 on the server side: credentials, then nonce. Returns 0
 * when the request is authenticated, else the length of the error. */
static size_t authenticate(struct fake_server *s, const struct rtc_stun_msg *req,
			   uint8_t *out, size_t cap)
{
	char username[64], realm[64], nonce[64];
	if (req->integrity < 0 ||
	    rtc_stun_msg_get_string(req, RTC_STUN_ATTR_USERNAME, username, sizeof(username), NULL) ||
	    rtc_stun_msg_get_string(req, RTC_STUN_ATTR_REALM, realm, sizeof(realm), NULL) ||
	    rtc_stun_msg_get_string(req, RTC_STUN_ATTR_NONCE, nonce, sizeof(nonce), NULL)) {
		s->unauthenticated++;
		return error_response(s, req, 401, "Unauthorized", true, false, out, cap);
	}
	if (strcmp(nonce, s->nonce) != 0) {
		s->unauthenticated++;
		return error_response(s, req, 438, "Stale Nonce", true, false, out, cap);
	}
	struct rtc_stun_key key;
	rtc_stun_key_long_term(&key, RTC_STUN_PASSWORD_MD5, username, realm, s->password, NULL);
	if (strcmp(username, "alice") != 0 || rtc_stun_msg_check_integrity(req, &key) != RTC_STUN_OK) {
		s->unauthenticated++;
		return error_response(s, req, 401, "Unauthorized", true, false, out, cap);
	}
	return 0;
}

static size_t success(struct fake_server *s, const struct rtc_stun_msg *req,
		      uint32_t lifetime, bool addresses, uint8_t *out, size_t cap)
{
	struct rtc_stun_builder b;
	size_t len = 0;
	rtc_stun_builder_init(&b, out, cap, req->method, RTC_STUN_SUCCESS, req->tid);
	if (addresses) {
		rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_RELAYED_ADDRESS,
					     (struct sockaddr *)&s->relayed);
		rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS,
					     (struct sockaddr *)&s->mapped);
	}
	if (lifetime != UINT32_MAX)
		rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_LIFETIME, lifetime);
	rtc_stun_builder_add_integrity(&b, &s->key, RTC_STUN_INTEGRITY_SHA1);
	rtc_stun_builder_add_fingerprint(&b);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);
	return len;
}

static uint32_t requested_lifetime(const struct rtc_stun_msg *req)
{
	uint32_t lifetime = 600;
	rtc_stun_msg_get_u32(req, RTC_STUN_ATTR_LIFETIME, &lifetime, NULL);
	return lifetime > 3600 ? 3600 : lifetime;
}

static size_t fake_request(struct fake_server *s, uint64_t now, const struct rtc_stun_msg *req,
			   uint8_t *out, size_t cap)
{
	s->requests[req->method & 15]++;
	size_t n = authenticate(s, req, out, cap);
	if (n)
		return n;
	if (s->fail_method == req->method && s->fail_code) {
		uint16_t code = s->fail_code;
		s->fail_code = 0;
		const char *reason = code == 486 ? "Allocation Quota Reached" :
				     code == 508 ? "Insufficient Capacity" :
				     code == 437 ? "Allocation Mismatch" : "Forbidden";
		return error_response(s, req, code, reason, false, true, out, cap);
	}
	if (s->allocated && now >= s->expires)
		s->allocated = false;

	switch (req->method) {
	case RTC_STUN_ALLOCATE: {
		uint32_t transport = 0;
		if (s->allocated)
			return error_response(s, req, 437, "Allocation Mismatch", false, true, out, cap);
		if (rtc_stun_msg_get_u32(req, RTC_STUN_ATTR_REQUESTED_TRANSPORT, &transport, NULL) ||
		    transport >> 24 != 17)
			return error_response(s, req, 442, "Unsupported Transport Protocol", false,
					      true, out, cap);
		uint32_t lifetime = requested_lifetime(req);
		s->allocated = true;
		s->expires = now + S(lifetime);
		return success(s, req, lifetime, true, out, cap);
	}
	case RTC_STUN_REFRESH: {
		if (!s->allocated)
			return error_response(s, req, 437, "Allocation Mismatch", false, true, out, cap);
		uint32_t lifetime = requested_lifetime(req);
		if (lifetime == 0)
			s->allocated = false;
		else
			s->expires = now + S(lifetime);
		return success(s, req, lifetime, false, out, cap);
	}
	case RTC_STUN_CREATE_PERMISSION: {
		struct sockaddr_storage peer;
		if (!s->allocated)
			return error_response(s, req, 437, "Allocation Mismatch", false, true, out, cap);
		if (rtc_stun_msg_get_address(req, RTC_STUN_ATTR_XOR_PEER_ADDRESS, &peer, NULL))
			return error_response(s, req, 400, "Bad Request", false, true, out, cap);
		if (same_peer_ip(&peer, &s->forbidden))
			return error_response(s, req, 403, "Forbidden", false, true, out, cap);
		size_t i = 0;
		while (i < s->permission_count && !same_peer_ip(&s->permissions[i], &peer))
			i++;
		if (i == s->permission_count && s->permission_count < MAX_PEERS)
			s->permissions[s->permission_count++] = peer;
		s->permission_expires[i] = now + S(300);
		return success(s, req, UINT32_MAX, false, out, cap);
	}
	case RTC_STUN_CHANNEL_BIND: {
		struct sockaddr_storage peer;
		uint32_t number = 0;
		if (!s->allocated)
			return error_response(s, req, 437, "Allocation Mismatch", false, true, out, cap);
		if (rtc_stun_msg_get_address(req, RTC_STUN_ATTR_XOR_PEER_ADDRESS, &peer, NULL) ||
		    rtc_stun_msg_get_u32(req, RTC_STUN_ATTR_CHANNEL_NUMBER, &number, NULL) ||
		    (number >> 16) < 0x4000 || (number >> 16) > 0x4FFF)
			return error_response(s, req, 400, "Bad Request", false, true, out, cap);
		if (same_peer_ip(&peer, &s->forbidden))
			return error_response(s, req, 403, "Forbidden", false, true, out, cap);
		size_t i = 0;
		while (i < s->channel_count && s->channel_numbers[i] != number >> 16)
			i++;
		if (i < s->channel_count && !same_peer(&s->channel_peers[i], &peer))
			return error_response(s, req, 400, "Bad Request", false, true, out, cap);
		if (i == s->channel_count && s->channel_count < MAX_PEERS) {
			s->channel_peers[i] = peer;
			s->channel_numbers[i] = (uint16_t)(number >> 16);
			s->channel_count++;
		}
		return success(s, req, UINT32_MAX, false, out, cap);
	}
	}
	return error_response(s, req, 400, "Bad Request", false, true, out, cap);
}

/* One message from the client; the answer (if any) in out. */
static size_t fake_handle(struct fake_server *s, uint64_t now, const uint8_t *in, size_t len,
			  uint8_t *out, size_t cap)
{
	uint16_t number;
	const uint8_t *data;
	size_t data_len;
	if (rtc_turn_channel_data_parse(in, len, &number, &data, &data_len)) {
		CHECK(!s->stream || len % 4 == 0);
		bool relayed = false;
		for (size_t i = 0; !s->silent && i < s->channel_count; i++)
			if (s->channel_numbers[i] == number) {
				s->last_peer = s->channel_peers[i];
				memcpy(s->last_data, data, data_len < 256 ? data_len : 256);
				s->last_len = data_len;
				s->last_was_channel = true;
				relayed = true;
				trace(s, TRACE_CHANNEL_DATA, &s->channel_peers[i], true, data, data_len);
			}
		if (!relayed)
			trace(s, TRACE_CHANNEL_DATA, NULL, false, data, data_len);
		return 0;
	}
	struct rtc_stun_msg msg;
	CHECK_INTEQ(rtc_stun_parse(&msg, in, len, NULL), RTC_STUN_OK);
	if (msg.cls == RTC_STUN_INDICATION && msg.method == RTC_STUN_SEND) {
		struct sockaddr_storage peer;
		const struct rtc_stun_attr *a = rtc_stun_msg_find(&msg, RTC_STUN_ATTR_DATA);
		CHECK_INTEQ(rtc_stun_msg_get_address(&msg, RTC_STUN_ATTR_XOR_PEER_ADDRESS, &peer, NULL),
			    RTC_STUN_OK);
		bool relayed = false;
		for (size_t i = 0; a && !s->silent && i < s->permission_count; i++)
			if (same_peer_ip(&s->permissions[i], &peer)) {
				s->last_peer = peer;
				memcpy(s->last_data, a->value, a->len < 256 ? a->len : 256);
				s->last_len = a->len;
				s->last_was_channel = false;
				relayed = true;
			}
		/* Without a permission the server drops it (RFC 8656 10.2). */
		trace(s, RTC_STUN_SEND, &peer, relayed, a ? a->value : NULL, a ? a->len : 0);
		return 0;
	}
	if (msg.cls != RTC_STUN_REQUEST)
		return 0;
	struct sockaddr_storage peer;
	bool has_peer = rtc_stun_msg_get_address(&msg, RTC_STUN_ATTR_XOR_PEER_ADDRESS, &peer,
						 NULL) == RTC_STUN_OK;
	trace(s, msg.method, has_peer ? &peer : NULL, false, NULL, 0);
	if (s->silent)
		return 0;
	return fake_request(s, now, &msg, out, cap);
}

/* Data from a peer to the client: ChannelData when bound, else Data. */
static size_t fake_from_peer(struct fake_server *s, const struct sockaddr_in *peer,
			     const char *text, uint8_t *out, size_t cap)
{
	size_t len = strlen(text);
	for (size_t i = 0; i < s->channel_count; i++)
		if (same_peer(&s->channel_peers[i], peer))
			return rtc_turn_channel_data_write(s->channel_numbers[i],
							   (const uint8_t *)text, len, s->stream,
							   out, cap);
	struct rtc_stun_builder b;
	size_t n = 0;
	rtc_stun_builder_init(&b, out, cap, RTC_STUN_DATA, RTC_STUN_INDICATION, NULL);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_PEER_ADDRESS, (const struct sockaddr *)peer);
	rtc_stun_builder_add_raw(&b, RTC_STUN_ATTR_DATA, text, len);
	rtc_stun_builder_finish(&b, &n);
	return n;
}

/* ---- driving ----------------------------------------------------------- */

struct harness {
	struct rtc_turn_client *client;
	struct fake_server server;
	uint64_t now;
	unsigned sent;             /* messages the client sent */
	struct rtc_turn_event events[32];
	size_t event_count;
};

/* Delivers everything the client queued to the server and the answers
 * back, until both are quiet; collects the events. */
static void pump(struct harness *h)
{
	struct rtc_turn_transmit tx;
	while (rtc_turn_client_poll_transmit(h->client, &tx)) {
		uint8_t in[1500], answer[1500];
		memcpy(in, tx.data, tx.len);
		h->sent++;
		size_t n = fake_handle(&h->server, h->now, in, tx.len, answer, sizeof(answer));
		if (n)
			CHECK_INTEQ(rtc_turn_client_handle_receive(h->client, h->now, answer, n, NULL),
				    RTC_TURN_INPUT_HANDLED);
	}
	struct rtc_turn_event ev;
	while (rtc_turn_client_poll_event(h->client, &ev))
		if (h->event_count < 32)
			h->events[h->event_count++] = ev;
}

/* Runs the client's timers up to `until`, pumping at each deadline. */
static void run_until(struct harness *h, uint64_t until)
{
	for (;;) {
		pump(h);
		uint64_t d = rtc_turn_client_deadline(h->client);
		if (d > until)
			break;
		h->now = d > h->now ? d : h->now;
		rtc_turn_client_handle_timeout(h->client, h->now);
	}
	h->now = until;
	pump(h);
}

static const struct rtc_turn_event *last_event(const struct harness *h)
{
	return h->event_count ? &h->events[h->event_count - 1] : NULL;
}

static void harness_init(struct harness *h, const char *password, enum rtc_turn_transport t)
{
	memset(h, 0, sizeof(*h));
	fake_init(&h->server, "secret");
	h->server.stream = t != RTC_TURN_OVER_UDP;
	h->now = S(100);
	struct rtc_turn_client_config config = {
		.username = "alice", .password = password, .transport = t,
		.software = "rtcd test",
	};
	struct rtc_error err = { 0 };
	h->client = rtc_turn_client_new(&config, &err);
	CHECK(h->client != NULL);
}

static bool allocate(struct harness *h)
{
	struct rtc_error err = { 0 };
	if (rtc_turn_client_allocate(h->client, h->now, &err) < 0)
		return false;
	pump(h);
	return rtc_turn_client_state(h->client) == RTC_TURN_ALLOCATED;
}

static struct sockaddr_in peer_address(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

/* ---- tests ------------------------------------------------------------- */

static void test_allocate_after_challenge(void)
{
	struct harness h;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	/* First Allocate without credentials got a 401, the second worked. */
	CHECK_INTEQ(h.server.requests[RTC_STUN_ALLOCATE], 2);
	CHECK_INTEQ(h.server.unauthenticated, 1);
	CHECK_INTEQ(h.event_count, 1);
	const struct rtc_turn_event *ev = last_event(&h);
	CHECK(ev && ev->type == RTC_TURN_EVENT_ALLOCATED);
	CHECK_INTEQ(ev->lifetime_s, 600);
	const struct sockaddr_in *relayed = (const struct sockaddr_in *)&ev->relayed;
	const struct sockaddr_in *mapped = (const struct sockaddr_in *)&ev->mapped;
	CHECK(relayed->sin_family == AF_INET && relayed->sin_port == htons(50000) &&
	      relayed->sin_addr.s_addr == h.server.relayed.sin_addr.s_addr);
	CHECK(mapped->sin_family == AF_INET && mapped->sin_port == htons(40000));
	struct sockaddr_storage ss;
	CHECK(rtc_turn_client_relayed_address(h.client, &ss));

	struct rtc_error err = { 0 };
	CHECK_INTEQ(rtc_turn_client_allocate(h.client, h.now, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	rtc_turn_client_free(h.client);
}

static void test_permission_channel_and_data(void)
{
	struct harness h;
	struct rtc_error err = { 0 };
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.77", 6000);
	uint8_t out[512];
	size_t out_len = 0;

	/* No permission yet: nothing may go to the peer. */
	CHECK_INTEQ(rtc_turn_client_wrap(h.client, (struct sockaddr *)&peer,
					 (const uint8_t *)"x", 1, out, sizeof(out), &out_len, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);

	CHECK_INTEQ(rtc_turn_client_create_permission(h.client, h.now, (struct sockaddr *)&peer, &err), 0);
	pump(&h);
	CHECK(last_event(&h)->type == RTC_TURN_EVENT_PERMISSION_CREATED);
	CHECK_INTEQ(h.server.permission_count, 1);

	/* Before a channel: a Send indication. */
	CHECK_INTEQ(rtc_turn_client_wrap(h.client, (struct sockaddr *)&peer,
					 (const uint8_t *)"hello", 5, out, sizeof(out), &out_len, &err), 0);
	CHECK(rtc_stun_is_stun(out, out_len));
	CHECK_INTEQ(fake_handle(&h.server, h.now, out, out_len, NULL, 0), 0);
	CHECK(h.server.last_len == 5 && memcmp(h.server.last_data, "hello", 5) == 0 &&
	      !h.server.last_was_channel &&
	      same_peer(&h.server.last_peer, &peer));

	/* A Data indication from the peer. */
	uint8_t in[512];
	struct rtc_turn_data data;
	size_t n = fake_from_peer(&h.server, &peer, "world", in, sizeof(in));
	CHECK_INTEQ(rtc_turn_client_handle_receive(h.client, h.now, in, n, &data),
		    RTC_TURN_INPUT_PEER_DATA);
	CHECK(data.len == 5 && memcmp(data.data, "world", 5) == 0 &&
	      same_peer(&data.peer, &peer));

	uint16_t channel = 0;
	CHECK_INTEQ(rtc_turn_client_bind_channel(h.client, h.now, (struct sockaddr *)&peer,
						 &channel, &err), 0);
	CHECK_INTEQ(channel, 0x4000);
	pump(&h);
	CHECK(last_event(&h)->type == RTC_TURN_EVENT_CHANNEL_BOUND);
	CHECK_INTEQ(last_event(&h)->channel, 0x4000);
	CHECK_INTEQ(h.server.channel_count, 1);
	/* The permission existed: no second CreatePermission. */
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 1);

	/* Now ChannelData both ways, unpadded over UDP. */
	CHECK_INTEQ(rtc_turn_client_wrap(h.client, (struct sockaddr *)&peer,
					 (const uint8_t *)"abcde", 5, out, sizeof(out), &out_len, &err), 0);
	CHECK_INTEQ(out_len, 9);
	CHECK(out[0] == 0x40 && out[1] == 0x00);
	fake_handle(&h.server, h.now, out, out_len, NULL, 0);
	CHECK(h.server.last_was_channel && h.server.last_len == 5 &&
	      memcmp(h.server.last_data, "abcde", 5) == 0);
	n = fake_from_peer(&h.server, &peer, "fghij", in, sizeof(in));
	CHECK_INTEQ(n, 9);
	CHECK_INTEQ(rtc_turn_client_handle_receive(h.client, h.now, in, n, &data),
		    RTC_TURN_INPUT_PEER_DATA);
	CHECK(data.len == 5 && memcmp(data.data, "fghij", 5) == 0 &&
	      same_peer(&data.peer, &peer));

	/* ChannelData on a channel nobody bound is dropped. */
	n = rtc_turn_channel_data_write(0x4123, (const uint8_t *)"zz", 2, false, in, sizeof(in));
	CHECK_INTEQ(rtc_turn_client_handle_receive(h.client, h.now, in, n, &data),
		    RTC_TURN_INPUT_IGNORED);

	/* A second peer on the same IP shares the permission, gets a channel of its own. */
	struct sockaddr_in peer2 = peer_address("192.0.2.77", 6001);
	CHECK_INTEQ(rtc_turn_client_bind_channel(h.client, h.now, (struct sockaddr *)&peer2,
						 &channel, &err), 0);
	CHECK_INTEQ(channel, 0x4001);
	pump(&h);
	CHECK_INTEQ(h.server.channel_count, 2);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 1);
	rtc_turn_client_free(h.client);
}

static void test_refresh_timing(void)
{
	struct harness h;
	struct rtc_error err = { 0 };
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	uint64_t t0 = h.now;
	struct sockaddr_in peer = peer_address("192.0.2.9", 7000);
	CHECK_INTEQ(rtc_turn_client_bind_channel(h.client, h.now, (struct sockaddr *)&peer, NULL,
						 &err), 0);
	pump(&h);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 1);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CHANNEL_BIND], 1);

	/* Permission refresh at 240 s, allocation and channel at 540 s. */
	CHECK_INTEQ(rtc_turn_client_deadline(h.client), t0 + S(240));
	run_until(&h, t0 + S(240) - 1);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 1);
	run_until(&h, t0 + S(240));
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 2);
	CHECK_INTEQ(h.server.requests[RTC_STUN_REFRESH], 0);
	run_until(&h, t0 + S(540));
	CHECK_INTEQ(h.server.requests[RTC_STUN_REFRESH], 1);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CHANNEL_BIND], 2);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 3);   /* 480 s */

	/* An hour later everything is still alive on the server. */
	run_until(&h, t0 + S(3600));
	CHECK_INTEQ(rtc_turn_client_state(h.client), RTC_TURN_ALLOCATED);
	CHECK(h.server.allocated && h.server.expires > h.now);
	CHECK(h.server.permission_expires[0] > h.now);
	CHECK_INTEQ(h.server.requests[RTC_STUN_REFRESH], 6);        /* every 540 s */
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 16); /* 1 + every 240 s */
	CHECK_INTEQ(h.server.unauthenticated, 1);   /* only the first Allocate */
	for (size_t i = 0; i < h.event_count; i++)
		CHECK(h.events[i].type == RTC_TURN_EVENT_ALLOCATED ||
		      h.events[i].type == RTC_TURN_EVENT_PERMISSION_CREATED ||
		      h.events[i].type == RTC_TURN_EVENT_CHANNEL_BOUND);
	CHECK_INTEQ(h.event_count, 3);
	rtc_turn_client_free(h.client);
}

static void test_stale_nonce(void)
{
	struct harness h;
	struct rtc_error err = { 0 };
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	fake_rotate_nonce(&h.server);
	struct sockaddr_in peer = peer_address("192.0.2.10", 7000);
	CHECK_INTEQ(rtc_turn_client_create_permission(h.client, h.now, (struct sockaddr *)&peer, &err), 0);
	pump(&h);
	/* 438, then the same request with the new nonce. */
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 2);
	CHECK(last_event(&h)->type == RTC_TURN_EVENT_PERMISSION_CREATED);

	/* The refresh after another rotation gets through the same way. */
	fake_rotate_nonce(&h.server);
	uint64_t refresh = rtc_turn_client_deadline(h.client);
	run_until(&h, refresh);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 4);
	CHECK_INTEQ(h.server.unauthenticated, 3);
	CHECK_INTEQ(rtc_turn_client_state(h.client), RTC_TURN_ALLOCATED);
	rtc_turn_client_free(h.client);
}

static void check_allocation_error(uint16_t code, const char *reason)
{
	struct harness h;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	h.server.fail_method = RTC_STUN_ALLOCATE;
	h.server.fail_code = code;
	CHECK(!allocate(&h));
	CHECK_INTEQ(rtc_turn_client_state(h.client), RTC_TURN_FAILED);
	const struct rtc_turn_event *ev = last_event(&h);
	CHECK(ev && ev->type == RTC_TURN_EVENT_ALLOCATION_FAILED);
	CHECK_INTEQ(ev ? ev->error_code : 0, code);
	CHECK_STREQ(ev ? ev->reason : NULL, reason);
	CHECK_INTEQ(rtc_turn_client_deadline(h.client), UINT64_MAX);
	rtc_turn_client_free(h.client);
}

static void test_allocation_errors(void)
{
	check_allocation_error(486, "Allocation Quota Reached");
	check_allocation_error(508, "Insufficient Capacity");
	check_allocation_error(437, "Allocation Mismatch");
}

static void test_wrong_password(void)
{
	struct harness h;
	harness_init(&h, "not-the-secret", RTC_TURN_OVER_UDP);
	CHECK(!allocate(&h));
	/* The challenge was answered once; the second 401 is final. */
	CHECK_INTEQ(h.server.requests[RTC_STUN_ALLOCATE], 2);
	const struct rtc_turn_event *ev = last_event(&h);
	CHECK(ev && ev->type == RTC_TURN_EVENT_ALLOCATION_FAILED && ev->error_code == 401);
	CHECK_STREQ(ev ? ev->reason : NULL, "Unauthorized");
	rtc_turn_client_free(h.client);
}

static void test_permission_and_refresh_errors(void)
{
	struct harness h;
	struct rtc_error err = { 0 };
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	h.server.fail_method = RTC_STUN_CREATE_PERMISSION;
	h.server.fail_code = 403;
	struct sockaddr_in peer = peer_address("192.0.2.11", 7000);
	CHECK_INTEQ(rtc_turn_client_create_permission(h.client, h.now, (struct sockaddr *)&peer, &err), 0);
	pump(&h);
	const struct rtc_turn_event *ev = last_event(&h);
	CHECK(ev->type == RTC_TURN_EVENT_PERMISSION_FAILED && ev->error_code == 403);
	CHECK(same_peer_ip(&ev->peer, &peer));
	uint8_t out[64];
	size_t out_len;
	CHECK_INTEQ(rtc_turn_client_wrap(h.client, (struct sockaddr *)&peer, (const uint8_t *)"x", 1,
					 out, sizeof(out), &out_len, &err), -1);
	/* Asking again retries. */
	CHECK_INTEQ(rtc_turn_client_create_permission(h.client, h.now, (struct sockaddr *)&peer, &err), 0);
	pump(&h);
	CHECK(last_event(&h)->type == RTC_TURN_EVENT_PERMISSION_CREATED);

	/* The server lost the allocation: the next Refresh gets 437. */
	h.server.allocated = false;
	run_until(&h, h.now + S(600));
	ev = last_event(&h);
	CHECK(ev->type == RTC_TURN_EVENT_REFRESH_FAILED && ev->error_code == 437);
	CHECK_STREQ(ev->reason, "Allocation Mismatch");
	CHECK_INTEQ(rtc_turn_client_state(h.client), RTC_TURN_FAILED);
	rtc_turn_client_free(h.client);
}

static void test_timeout(void)
{
	struct harness h;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	h.server.silent = true;
	uint64_t t0 = h.now;
	CHECK(!allocate(&h));
	run_until(&h, t0 + MS(39499));
	CHECK_INTEQ(h.sent, 7);   /* Rc */
	CHECK_INTEQ(h.event_count, 0);
	run_until(&h, t0 + MS(39500));
	const struct rtc_turn_event *ev = last_event(&h);
	CHECK(ev && ev->type == RTC_TURN_EVENT_ALLOCATION_FAILED && ev->error_code == 0);
	CHECK_STREQ(ev ? ev->reason : NULL, "timeout");
	rtc_turn_client_free(h.client);

	/* Over TCP: one send, and the failure after Ti. */
	harness_init(&h, "secret", RTC_TURN_OVER_TCP);
	h.server.silent = true;
	t0 = h.now;
	CHECK(!allocate(&h));
	run_until(&h, t0 + MS(39500));
	CHECK_INTEQ(h.sent, 1);
	CHECK(last_event(&h) && last_event(&h)->type == RTC_TURN_EVENT_ALLOCATION_FAILED);
	rtc_turn_client_free(h.client);
}

static void test_release(void)
{
	struct harness h;
	struct rtc_error err = { 0 };
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.12", 7000);
	rtc_turn_client_bind_channel(h.client, h.now, (struct sockaddr *)&peer, NULL, &err);
	pump(&h);
	CHECK_INTEQ(rtc_turn_client_release(h.client, h.now, &err), 0);
	CHECK_INTEQ(rtc_turn_client_state(h.client), RTC_TURN_RELEASING);
	pump(&h);
	CHECK_INTEQ(rtc_turn_client_state(h.client), RTC_TURN_RELEASED);
	CHECK(last_event(&h)->type == RTC_TURN_EVENT_RELEASED);
	CHECK(!h.server.allocated);
	/* Nothing more: no refreshes of permissions or channels. */
	unsigned sent = h.sent;
	run_until(&h, h.now + S(3600));
	CHECK_INTEQ(h.sent, sent);
	CHECK_INTEQ(rtc_turn_client_deadline(h.client), UINT64_MAX);
	CHECK_INTEQ(rtc_turn_client_release(h.client, h.now, &err), -1);
	rtc_turn_client_free(h.client);
}

static void test_forged_success_ignored(void)
{
	struct harness h;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	struct rtc_error err = { 0 };
	CHECK_INTEQ(rtc_turn_client_allocate(h.client, h.now, &err), 0);
	/* Answer the 401 dance by hand, then forge a success with a wrong key. */
	struct rtc_turn_transmit tx;
	uint8_t answer[512];
	CHECK(rtc_turn_client_poll_transmit(h.client, &tx));
	size_t n = fake_handle(&h.server, h.now, tx.data, tx.len, answer, sizeof(answer));
	CHECK_INTEQ(rtc_turn_client_handle_receive(h.client, h.now, answer, n, NULL),
		    RTC_TURN_INPUT_HANDLED);
	CHECK(rtc_turn_client_poll_transmit(h.client, &tx));
	struct rtc_stun_msg req;
	uint8_t copy[512];
	memcpy(copy, tx.data, tx.len);
	CHECK_INTEQ(rtc_stun_parse(&req, copy, tx.len, NULL), RTC_STUN_OK);
	struct rtc_stun_key real = h.server.key;
	rtc_stun_key_short_term(&h.server.key, "mallory", NULL);
	n = success(&h.server, &req, 600, true, answer, sizeof(answer));
	h.server.key = real;
	rtc_turn_client_handle_receive(h.client, h.now, answer, n, NULL);
	CHECK_INTEQ(rtc_turn_client_state(h.client), RTC_TURN_ALLOCATING);
	/* The genuine answer still counts. */
	n = fake_handle(&h.server, h.now, copy, tx.len, answer, sizeof(answer));
	CHECK_INTEQ(rtc_turn_client_handle_receive(h.client, h.now, answer, n, NULL),
		    RTC_TURN_INPUT_HANDLED);
	CHECK_INTEQ(rtc_turn_client_state(h.client), RTC_TURN_ALLOCATED);
	/* A response to no request of ours, and garbage. */
	CHECK_INTEQ(rtc_turn_client_handle_receive(h.client, h.now, answer, n, NULL),
		    RTC_TURN_INPUT_IGNORED);
	CHECK_INTEQ(rtc_turn_client_handle_receive(h.client, h.now, (const uint8_t *)"\xff\xff\xff\xff",
						  4, NULL), RTC_TURN_INPUT_MALFORMED);
	rtc_turn_client_free(h.client);
}

static void test_tcp_stream_round_trip(void)
{
	struct harness h;
	struct rtc_error err = { 0 };
	harness_init(&h, "secret", RTC_TURN_OVER_TCP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.13", 7000);
	rtc_turn_client_bind_channel(h.client, h.now, (struct sockaddr *)&peer, NULL, &err);
	pump(&h);
	CHECK(last_event(&h)->type == RTC_TURN_EVENT_CHANNEL_BOUND);

	/* Padded ChannelData from the client. */
	uint8_t out[64];
	size_t out_len = 0;
	CHECK_INTEQ(rtc_turn_client_wrap(h.client, (struct sockaddr *)&peer, (const uint8_t *)"abcde",
					 5, out, sizeof(out), &out_len, &err), 0);
	CHECK_INTEQ(out_len, 12);
	fake_handle(&h.server, h.now, out, out_len, NULL, 0);
	CHECK(h.server.last_was_channel && h.server.last_len == 5);

	/* The server's stream: a Refresh answer between two ChannelData
	 * messages, delivered one byte at a time. */
	uint8_t stream[512];
	size_t len = fake_from_peer(&h.server, &peer, "one", stream, sizeof(stream));
	uint64_t refresh = rtc_turn_client_deadline(h.client);
	h.now = refresh;
	rtc_turn_client_handle_timeout(h.client, h.now);
	struct rtc_turn_transmit tx;
	CHECK(rtc_turn_client_poll_transmit(h.client, &tx));
	len += fake_handle(&h.server, h.now, tx.data, tx.len, stream + len, sizeof(stream) - len);
	len += fake_from_peer(&h.server, &peer, "three", stream + len, sizeof(stream) - len);

	struct rtc_turn_stream s;
	rtc_turn_stream_init(&s);
	const char *expect[] = { "one", NULL, "three" };
	size_t frames = 0;
	for (size_t i = 0; i < len; i++) {
		CHECK_INTEQ(rtc_turn_stream_push(&s, stream + i, 1, &err), 0);
		const uint8_t *frame;
		size_t frame_len;
		while (rtc_turn_stream_next(&s, &frame, &frame_len, &err) == RTC_TURN_STREAM_FRAME) {
			struct rtc_turn_data data;
			enum rtc_turn_input r = rtc_turn_client_handle_receive(h.client, h.now, frame,
									      frame_len, &data);
			if (frames < 3 && expect[frames]) {
				CHECK_INTEQ(r, RTC_TURN_INPUT_PEER_DATA);
				CHECK(data.len == strlen(expect[frames]) &&
				      memcmp(data.data, expect[frames], data.len) == 0);
			} else {
				CHECK_INTEQ(r, RTC_TURN_INPUT_HANDLED);
			}
			frames++;
		}
	}
	CHECK_INTEQ(frames, 3);
	rtc_turn_stream_free(&s);
	rtc_turn_client_free(h.client);
}

/* ---- rtc_turn_client_send: no data before the permission ------------------ */

/* Messages from the client that the test holds before the server sees
 * them, to answer them when it chooses. */
struct wire {
	uint8_t data[1500];
	size_t len;
};

/* Takes everything the client has queued for the server, unanswered. */
static size_t collect(struct harness *h, struct wire *out, size_t max)
{
	struct rtc_turn_transmit tx;
	size_t n = 0;
	while (rtc_turn_client_poll_transmit(h->client, &tx)) {
		CHECK(n < max && tx.len <= sizeof(out->data));
		if (n < max && tx.len <= sizeof(out->data)) {
			memcpy(out[n].data, tx.data, tx.len);
			out[n++].len = tx.len;
		}
		h->sent++;
	}
	return n;
}

/* The server takes the message; its answer, if any, goes to the client. */
static void deliver(struct harness *h, const struct wire *w)
{
	uint8_t answer[1500];
	size_t n = fake_handle(&h->server, h->now, w->data, w->len, answer, sizeof(answer));
	if (n)
		rtc_turn_client_handle_receive(h->client, h->now, answer, n, NULL);
}

/* A message's STUN method, or TRACE_CHANNEL_DATA. */
static uint16_t kind(const struct wire *w)
{
	struct rtc_stun_msg msg;
	if ((w->data[0] & 0xC0) == 0x40)
		return TRACE_CHANNEL_DATA;
	CHECK_INTEQ(rtc_stun_parse(&msg, w->data, w->len, NULL), RTC_STUN_OK);
	return msg.method;
}

static int send_text(struct harness *h, const struct sockaddr_in *peer, const char *text)
{
	struct rtc_error err = { 0 };
	return rtc_turn_client_send(h->client, h->now, (const struct sockaddr *)peer,
				    (const uint8_t *)text, strlen(text), &err);
}

/* Where in the server's trace the first message of that kind (0: any
 * data) for the peer's IP is; MAX_TRACE when there is none. */
static size_t first_seen(const struct fake_server *s, uint16_t what,
			 const struct sockaddr_in *peer)
{
	for (size_t i = 0; i < s->trace_count; i++) {
		const struct trace_entry *t = &s->trace[i];
		bool data = t->what == RTC_STUN_SEND || t->what == TRACE_CHANNEL_DATA;
		if ((what ? t->what == what : data) && same_peer_ip(&t->peer, peer))
			return i;
	}
	return MAX_TRACE;
}

/* Every datagram the server got for a peer: relayed, and with its text. */
static bool all_relayed(const struct fake_server *s, const char *const *texts, size_t count)
{
	size_t seen = 0;
	for (size_t i = 0; i < s->trace_count; i++) {
		const struct trace_entry *t = &s->trace[i];
		if (t->what != RTC_STUN_SEND && t->what != TRACE_CHANNEL_DATA)
			continue;
		if (!t->relayed || seen >= count || strcmp(t->data, texts[seen]) != 0)
			return false;
		seen++;
	}
	return seen == count;
}

static void test_send_holds_data_until_permission(void)
{
	struct harness h;
	struct wire w[8];
	struct rtc_turn_client_stats st;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.20", 5000);

	/* The first check to a new peer: CreatePermission and ChannelBind
	 * leave, the check waits. */
	CHECK_INTEQ(send_text(&h, &peer, "check1"), 0);
	CHECK_INTEQ(collect(&h, w, 8), 2);
	CHECK_INTEQ(kind(&w[0]), RTC_STUN_CREATE_PERMISSION);
	CHECK_INTEQ(kind(&w[1]), RTC_STUN_CHANNEL_BIND);
	/* Its retransmission waits too, and asks for nothing new. */
	CHECK_INTEQ(send_text(&h, &peer, "check2"), 0);
	CHECK_INTEQ(collect(&h, w + 2, 6), 0);

	/* The permission's success releases both at once (same now, no
	 * timer), as Send indications: the channel is not bound yet. */
	deliver(&h, &w[0]);
	CHECK_INTEQ(collect(&h, w + 2, 6), 2);
	CHECK_INTEQ(kind(&w[2]), RTC_STUN_SEND);
	CHECK_INTEQ(kind(&w[3]), RTC_STUN_SEND);
	deliver(&h, &w[2]);
	deliver(&h, &w[3]);
	/* Then the channel: ChannelData from the next datagram on. */
	deliver(&h, &w[1]);
	CHECK_INTEQ(send_text(&h, &peer, "check3"), 0);
	CHECK_INTEQ(collect(&h, w + 4, 4), 1);
	CHECK_INTEQ(kind(&w[4]), TRACE_CHANNEL_DATA);
	deliver(&h, &w[4]);

	/* The server saw the permission before any data, and relayed all. */
	CHECK(first_seen(&h.server, RTC_STUN_CREATE_PERMISSION, &peer) <
	      first_seen(&h.server, 0, &peer));
	const char *texts[] = { "check1", "check2", "check3" };
	CHECK(all_relayed(&h.server, texts, 3));
	rtc_turn_client_stats(h.client, &st);
	CHECK_INTEQ(st.held, 2);
	CHECK_INTEQ(st.released, 2);
	CHECK_INTEQ(st.dropped_overflow + st.dropped_failed, 0);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 1);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CHANNEL_BIND], 1);
	rtc_turn_client_free(h.client);
}

static void test_send_released_by_channel_bind(void)
{
	struct harness h;
	struct wire w[8];
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.21", 5000);
	CHECK_INTEQ(send_text(&h, &peer, "hello"), 0);
	CHECK_INTEQ(collect(&h, w, 8), 2);
	/* The CreatePermission is lost; the ChannelBind installs the
	 * permission as well (RFC 8656 12) and its success is enough. */
	deliver(&h, &w[1]);
	CHECK_INTEQ(collect(&h, w + 2, 6), 1);
	CHECK_INTEQ(kind(&w[2]), TRACE_CHANNEL_DATA);
	deliver(&h, &w[2]);
	const char *texts[] = { "hello" };
	CHECK(all_relayed(&h.server, texts, 1));
	CHECK(first_seen(&h.server, RTC_STUN_CHANNEL_BIND, &peer) <
	      first_seen(&h.server, 0, &peer));
	rtc_turn_client_free(h.client);
}

static void test_send_not_held_once_installed(void)
{
	struct harness h;
	struct wire w[8];
	struct rtc_turn_client_stats st;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.22", 5000);
	CHECK_INTEQ(send_text(&h, &peer, "a"), 0);
	pump(&h);
	CHECK_INTEQ(h.server.channel_count, 1);

	/* The permission's refresh is in flight, then retransmitted: data
	 * does not wait for it. */
	uint64_t refresh = rtc_turn_client_deadline(h.client);
	h.now = refresh;
	rtc_turn_client_handle_timeout(h.client, h.now);
	CHECK_INTEQ(collect(&h, w, 8), 1);
	CHECK_INTEQ(kind(&w[0]), RTC_STUN_CREATE_PERMISSION);
	CHECK_INTEQ(send_text(&h, &peer, "b"), 0);
	CHECK_INTEQ(collect(&h, w + 1, 7), 1);
	CHECK_INTEQ(kind(&w[1]), TRACE_CHANNEL_DATA);
	h.now = rtc_turn_client_deadline(h.client);
	rtc_turn_client_handle_timeout(h.client, h.now);
	CHECK_INTEQ(collect(&h, w + 2, 6), 1);   /* the retransmission */
	CHECK_INTEQ(kind(&w[2]), RTC_STUN_CREATE_PERMISSION);
	CHECK_INTEQ(send_text(&h, &peer, "c"), 0);
	CHECK_INTEQ(collect(&h, w + 3, 5), 1);
	CHECK_INTEQ(kind(&w[3]), TRACE_CHANNEL_DATA);

	/* A second port on the same IP: the permission is there, its channel
	 * is not yet; data leaves at once as a Send indication meanwhile. */
	struct sockaddr_in peer2 = peer_address("192.0.2.22", 5001);
	CHECK_INTEQ(send_text(&h, &peer2, "d"), 0);
	CHECK_INTEQ(collect(&h, w + 4, 4), 2);
	CHECK_INTEQ(kind(&w[4]), RTC_STUN_CHANNEL_BIND);
	CHECK_INTEQ(kind(&w[5]), RTC_STUN_SEND);
	for (size_t i = 1; i < 6; i++)
		if (i != 2)
			deliver(&h, &w[i]);
	const char *texts[] = { "a", "b", "c", "d" };
	CHECK(all_relayed(&h.server, texts, 4));
	rtc_turn_client_stats(h.client, &st);
	CHECK_INTEQ(st.held, 1);   /* "a" only */
	rtc_turn_client_free(h.client);
}

static void test_send_failure_drops_held_data(void)
{
	struct harness h;
	struct wire w[8];
	struct rtc_turn_client_stats st;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.66", 5000);
	h.server.forbidden = peer;

	CHECK_INTEQ(send_text(&h, &peer, "one"), 0);
	CHECK_INTEQ(send_text(&h, &peer, "two"), 0);
	pump(&h);
	/* Both refused: the data is dropped, never sent. */
	CHECK_INTEQ(first_seen(&h.server, 0, &peer), MAX_TRACE);
	rtc_turn_client_stats(h.client, &st);
	CHECK_INTEQ(st.held, 2);
	CHECK_INTEQ(st.dropped_failed, 2);
	CHECK_INTEQ(st.released, 0);
	bool permission_failed = false, channel_failed = false;
	for (size_t i = 0; i < h.event_count; i++) {
		permission_failed |= h.events[i].type == RTC_TURN_EVENT_PERMISSION_FAILED &&
				     h.events[i].error_code == 403;
		channel_failed |= h.events[i].type == RTC_TURN_EVENT_CHANNEL_FAILED;
	}
	CHECK(permission_failed && channel_failed);
	/* The next datagram asks again. */
	CHECK_INTEQ(send_text(&h, &peer, "three"), 0);
	pump(&h);
	CHECK_INTEQ(h.server.requests[RTC_STUN_CREATE_PERMISSION], 2);
	CHECK_INTEQ(first_seen(&h.server, 0, &peer), MAX_TRACE);

	/* A server that stops answering: the requests time out (39.5 s)
	 * and the data goes with them. */
	struct sockaddr_in quiet = peer_address("192.0.2.67", 5000);
	h.server.silent = true;
	CHECK_INTEQ(send_text(&h, &quiet, "lost"), 0);
	uint64_t t0 = h.now;
	run_until(&h, t0 + MS(39499));
	rtc_turn_client_stats(h.client, &st);
	CHECK_INTEQ(st.dropped_failed, 3);
	run_until(&h, t0 + MS(39500));
	rtc_turn_client_stats(h.client, &st);
	CHECK_INTEQ(st.dropped_failed, 4);
	CHECK_INTEQ(first_seen(&h.server, 0, &quiet), MAX_TRACE);

	/* Releasing the allocation drops what waits. */
	h.server.silent = false;
	CHECK_INTEQ(send_text(&h, &quiet, "late"), 0);
	CHECK_INTEQ(collect(&h, w, 8), 2);
	struct rtc_error err = { 0 };
	CHECK_INTEQ(rtc_turn_client_release(h.client, h.now, &err), 0);
	rtc_turn_client_stats(h.client, &st);
	CHECK_INTEQ(st.dropped_failed, 5);
	CHECK_INTEQ(collect(&h, w, 8), 1);   /* the Refresh, nothing else */
	CHECK_INTEQ(kind(&w[0]), RTC_STUN_REFRESH);
	rtc_turn_client_free(h.client);
}

static void test_send_queue_bound(void)
{
	struct harness h;
	struct wire w[16];
	struct rtc_turn_client_stats st;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.30", 5000);
	/* Another peer, installed already: its data never waits for the
	 * first one's. */
	struct sockaddr_in other = peer_address("192.0.2.31", 5000);
	CHECK_INTEQ(send_text(&h, &other, "o1"), 0);
	pump(&h);

	const char *texts[] = { "d0", "d1", "d2", "d3", "d4", "d5" };
	for (size_t i = 0; i < 6; i++)
		CHECK_INTEQ(send_text(&h, &peer, texts[i]), 0);
	CHECK_INTEQ(send_text(&h, &other, "o2"), 0);
	CHECK_INTEQ(collect(&h, w, 16), 3);
	CHECK_INTEQ(kind(&w[0]), RTC_STUN_CREATE_PERMISSION);
	CHECK_INTEQ(kind(&w[1]), RTC_STUN_CHANNEL_BIND);
	CHECK_INTEQ(kind(&w[2]), TRACE_CHANNEL_DATA);    /* o2 */
	rtc_turn_client_stats(h.client, &st);
	CHECK_INTEQ(st.held, 7);
	CHECK_INTEQ(st.dropped_overflow, 6 - RTC_TURN_HELD_PER_PEER);

	/* The newest four leave in their order. */
	deliver(&h, &w[2]);
	deliver(&h, &w[0]);
	CHECK_INTEQ(collect(&h, w + 3, 13), RTC_TURN_HELD_PER_PEER);
	for (size_t i = 3; i < 3 + RTC_TURN_HELD_PER_PEER; i++)
		deliver(&h, &w[i]);
	const char *expect[] = { "o1", "o2", "d2", "d3", "d4", "d5" };
	CHECK(all_relayed(&h.server, expect, 6));
	rtc_turn_client_stats(h.client, &st);
	CHECK_INTEQ(st.released, 1 + RTC_TURN_HELD_PER_PEER);
	rtc_turn_client_free(h.client);
}

static void test_wrap_needs_confirmed_permission(void)
{
	struct harness h;
	struct rtc_error err = { 0 };
	struct wire w[4];
	uint8_t out[64];
	size_t out_len = 0;
	harness_init(&h, "secret", RTC_TURN_OVER_UDP);
	CHECK(allocate(&h));
	struct sockaddr_in peer = peer_address("192.0.2.40", 5000);
	CHECK_INTEQ(rtc_turn_client_create_permission(h.client, h.now, (struct sockaddr *)&peer,
						      &err), 0);
	/* Requested, not confirmed: the server would drop a Send indication. */
	CHECK_INTEQ(rtc_turn_client_wrap(h.client, (struct sockaddr *)&peer, (const uint8_t *)"x",
					 1, out, sizeof(out), &out_len, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	CHECK_INTEQ(collect(&h, w, 4), 1);
	deliver(&h, &w[0]);
	CHECK_INTEQ(rtc_turn_client_wrap(h.client, (struct sockaddr *)&peer, (const uint8_t *)"x",
					 1, out, sizeof(out), &out_len, &err), 0);
	rtc_turn_client_free(h.client);
}

static void test_stream_errors(void)
{
	struct rtc_turn_stream s;
	struct rtc_error err = { 0 };
	const uint8_t *frame;
	size_t len;

	rtc_turn_stream_init(&s);
	CHECK_INTEQ(rtc_turn_stream_next(&s, &frame, &len, &err), RTC_TURN_STREAM_NEED_MORE);
	/* A STUN header with a bad cookie, then a byte that starts nothing. */
	const uint8_t bad_cookie[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x43 };
	CHECK_INTEQ(rtc_turn_stream_push(&s, bad_cookie, sizeof(bad_cookie), &err), 0);
	CHECK_INTEQ(rtc_turn_stream_next(&s, &frame, &len, &err), RTC_TURN_STREAM_ERROR);
	CHECK(strstr(err.message, "neither STUN nor ChannelData") != NULL);
	CHECK_INTEQ(rtc_turn_stream_push(&s, bad_cookie, 1, &err), -1);
	rtc_turn_stream_free(&s);

	rtc_turn_stream_init(&s);
	const uint8_t rtp[4] = { 0x80, 0x60, 0, 1 };
	rtc_turn_stream_push(&s, rtp, sizeof(rtp), &err);
	CHECK_INTEQ(rtc_turn_stream_next(&s, &frame, &len, &err), RTC_TURN_STREAM_ERROR);
	rtc_turn_stream_free(&s);

	CHECK_INTEQ(rtc_turn_stream_frame_length((const uint8_t *)"\x40\x00\x00\x05", 4), 12);
	CHECK_INTEQ(rtc_turn_stream_frame_length((const uint8_t *)"\x40\x00", 2), 0);
	CHECK_INTEQ(rtc_turn_stream_frame_length((const uint8_t *)"\xc0", 1), -1);
}

static void test_channel_data_framing(void)
{
	uint8_t buf[16];
	uint16_t number;
	const uint8_t *data;
	size_t len;

	CHECK_INTEQ(rtc_turn_channel_data_write(0x3FFF, (const uint8_t *)"a", 1, false, buf, 16), 0);
	CHECK_INTEQ(rtc_turn_channel_data_write(0x5000, (const uint8_t *)"a", 1, false, buf, 16), 0);
	CHECK_INTEQ(rtc_turn_channel_data_write(0x4FFF, (const uint8_t *)"abcdefghijkl", 12, false,
						buf, 15), 0);
	CHECK_INTEQ(rtc_turn_channel_data_write(0x4FFF, (const uint8_t *)"a", 1, true, buf, 16), 8);
	CHECK(rtc_turn_channel_data_parse(buf, 8, &number, &data, &len));
	CHECK(number == 0x4FFF && len == 1 && data[0] == 'a');
	CHECK(rtc_turn_channel_data_parse(buf, 5, &number, &data, &len));   /* unpadded */
	CHECK(!rtc_turn_channel_data_parse(buf, 4, &number, &data, &len));  /* short */
	buf[3] = 0;
	CHECK(!rtc_turn_channel_data_parse(buf, 8, &number, &data, &len));  /* 4 extra bytes */
	CHECK(!rtc_turn_channel_data_parse(buf, 3, &number, &data, &len));
}

static void test_config_errors(void)
{
	struct rtc_error err = { 0 };
	struct rtc_turn_client_config config = { .username = "alice", .password = "p\xc3\xa4ss" };
	CHECK(rtc_turn_client_new(&config, &err) == NULL);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK(strstr(err.message, "not ASCII") != NULL);
	config.password = NULL;
	CHECK(rtc_turn_client_new(&config, &err) == NULL);
}

int main(void)
{
	RUN(test_allocate_after_challenge);
	RUN(test_permission_channel_and_data);
	RUN(test_refresh_timing);
	RUN(test_stale_nonce);
	RUN(test_allocation_errors);
	RUN(test_wrong_password);
	RUN(test_permission_and_refresh_errors);
	RUN(test_timeout);
	RUN(test_release);
	RUN(test_forged_success_ignored);
	RUN(test_send_holds_data_until_permission);
	RUN(test_send_released_by_channel_bind);
	RUN(test_send_not_held_once_installed);
	RUN(test_send_failure_drops_held_data);
	RUN(test_send_queue_bound);
	RUN(test_wrap_needs_confirmed_permission);
	RUN(test_tcp_stream_round_trip);
	RUN(test_stream_errors);
	RUN(test_channel_data_framing);
	RUN(test_config_errors);
	return rtc_test_done();
}
