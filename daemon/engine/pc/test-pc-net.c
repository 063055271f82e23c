/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two peer connections talking to each other over an in-memory network
 * (test-pc-harness.c): offer and answer, trickled candidates, ICE, DTLS,
 * SCTP and data channels, on a clean network and on one that loses 5 % and
 * delays 20-60 ms (so reorders). Every byte of every message is checked;
 * a run is replayed with the same seed and must come out the same.
 *
 * And who may reach DTLS (RFC 8445 section 11): an attacker's DTLS records
 * (a fatal alert, a ClientHello) sent to both sockets during the handshake
 * are dropped and counted, never heard; the peer's first flight, arriving
 * before the check that validates its address, is held and replayed, with
 * no retransmission needed.
 */
#include <string.h>

#include "check.h"
#include "engine/pc/test-pc-harness.h"

#define RELIABLE_MESSAGES 200u
#define LOSSY_MESSAGES 300u
/* The handshake's first retransmission (engine/dtls: 100 ms by default). */
#define DTLS_FIRST_RETRANSMIT (100 * PCN_MS)

struct xfer {
	int reliable, lossy;            /* stream ids (-1: not open) */
	unsigned reliable_messages;     /* to send each way */
	unsigned received[2];           /* reliable, in order, at peer i */
	unsigned bad[2];                /* reliable: not the message expected next */
	unsigned lossy_received, lossy_bad;
	uint8_t lossy_seen[LOSSY_MESSAGES];
	unsigned other_stream;          /* a message on a stream nobody opened */
	unsigned send_errors;
};

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

/* ---- the messages: each one's size, type and bytes follow from who sends
 * it and its number, so the receiver knows what must arrive ------------ */

static size_t reliable_size(int from, unsigned k)
{
	uint32_t h = hash32((uint32_t)from << 16 | k);

	if (k == 0)
		return 0;               /* an empty message (PPID 56/57) */
	if (k == 1)
		return 1;
	if (k % 25 == 2)
		return 64 * 1024;
	/* Half fit one packet, half are split over up to 55. */
	return h & 1 ? h % 1200 + 1 : h % (64 * 1024) + 1;
}

static bool reliable_binary(unsigned k)
{
	return k % 3 != 0;
}

static uint8_t message_byte(uint32_t seed, bool binary, size_t j)
{
	uint32_t v = seed + (uint32_t)j * 131u + (uint32_t)(j >> 8);

	/* Text is ASCII, so it is valid UTF-8 whatever checks it. */
	return binary ? (uint8_t)v : (uint8_t)('a' + v % 26);
}

static uint8_t *reliable_message(int from, unsigned k, size_t *len)
{
	uint32_t seed = hash32((uint32_t)from << 20 | k | 0x80000000u);
	uint8_t *m;

	*len = reliable_size(from, k);
	m = malloc(*len ? *len : 1);
	if (!m)
		abort();
	for (size_t j = 0; j < *len; j++)
		m[j] = message_byte(seed, reliable_binary(k), j);
	return m;
}

/* Lossy: numbered (the first 4 bytes), one packet each. */
static size_t lossy_size(unsigned k)
{
	return 4 + hash32(k) % 900;
}

static uint8_t *lossy_message(unsigned k, size_t *len)
{
	uint8_t *m;

	*len = lossy_size(k);
	m = malloc(*len);
	if (!m)
		abort();
	memcpy(m, &k, 4);
	for (size_t j = 4; j < *len; j++)
		m[j] = message_byte(hash32(k ^ 0x5a5a5a5au), true, j);
	return m;
}

/* ---- the receiving app ----------------------------------------------------- */

static void on_message(struct pcn *net, int to, uint16_t stream, bool binary,
		       const uint8_t *data, size_t len)
{
	struct xfer *x = net->user;
	size_t want_len;
	uint8_t *want;
	unsigned k;

	if (stream == x->reliable) {
		k = x->received[to]++;
		if (k >= x->reliable_messages) {
			x->bad[to]++;
			return;
		}
		want = reliable_message(!to, k, &want_len);
		if (len != want_len || binary != reliable_binary(k) ||
		    (len && memcmp(data, want, len) != 0)) {
			if (!x->bad[to])
				printf("# peer %d: reliable message %u: %zu bytes, %zu expected\n",
				       to, k, len, want_len);
			x->bad[to]++;
		}
		free(want);
	} else if (stream == x->lossy && to == 1) {
		if (len < 4 || !binary) {
			x->lossy_bad++;
			return;
		}
		memcpy(&k, data, 4);
		if (k >= LOSSY_MESSAGES || x->lossy_seen[k]) {
			x->lossy_bad++;
			return;
		}
		x->lossy_seen[k] = 1;
		x->lossy_received++;
		want = lossy_message(k, &want_len);
		if (len != want_len || memcmp(data, want, len) != 0)
			x->lossy_bad++;
		free(want);
	} else {
		x->other_stream++;
	}
}

/* ---- the sending app ---------------------------------------------------------- */

static int open_channel(struct pcn *net, const char *label, bool ordered, bool lossy)
{
	struct rtc_sctp_channel_params params = {
		.label = label,
		.ordered = ordered,
		.reliability = lossy ? RTC_DCEP_PARTIAL_RELIABLE_REXMIT : RTC_DCEP_RELIABLE,
		.reliability_param = 0,
	};
	struct rtc_error err = { 0 };
	/* data-channel.c's choice when the app gives no id: a free stream of
	 * the parity of our DTLS role (RFC 8832 6). */
	int stream = rtc_pc_channel_open(net->peers[0].pc, pcn_now, RTC_SCTP_AUTO_STREAM,
					 &params, &err);

	if (stream < 0)
		printf("# open %s: %s\n", label, err.message);
	pcn_pump(net, 0);
	return stream;
}

static void send_reliable(struct pcn *net, int from)
{
	struct xfer *x = net->user;

	for (unsigned k = 0; k < x->reliable_messages; k++) {
		struct rtc_error err = { 0 };
		size_t len;
		uint8_t *m = reliable_message(from, k, &len);

		if (rtc_pc_channel_send(net->peers[from].pc, pcn_now, (uint16_t)x->reliable,
					reliable_binary(k), m, len, &err) < 0) {
			printf("# peer %d: send %u: %s\n", from, k, err.message);
			x->send_errors++;
		}
		free(m);
		pcn_pump(net, from);
	}
}

static void send_lossy(struct pcn *net)
{
	struct xfer *x = net->user;

	for (unsigned k = 0; k < LOSSY_MESSAGES; k++) {
		struct rtc_error err = { 0 };
		size_t len;
		uint8_t *m = lossy_message(k, &len);

		if (rtc_pc_channel_send(net->peers[0].pc, pcn_now, (uint16_t)x->lossy, true, m, len,
					&err) < 0) {
			printf("# send lossy %u: %s\n", k, err.message);
			x->send_errors++;
		}
		free(m);
		pcn_pump(net, 0);
	}
}

static bool peer1_has_channels(struct pcn *net)
{
	struct xfer *x = net->user;

	return net->peers[1].n_opened >= (x->lossy >= 0 ? 2u : 1u);
}

static bool reliable_done(struct pcn *net)
{
	struct xfer *x = net->user;

	return x->received[0] >= x->reliable_messages && x->received[1] >= x->reliable_messages;
}

/* Connects, opens the channels (peer 0), sends the reliable messages both
 * ways and the lossy ones from peer 0, and runs until the reliable ones
 * are all in (or `limit`), then a little more for the lossy stragglers. */
static void exchange(struct pcn *net, struct xfer *x, bool with_lossy, uint64_t limit)
{
	int client;

	x->reliable = x->lossy = -1;
	net->user = x;
	net->on_message = on_message;
	CHECK(pcn_create(net) == 0);
	CHECK(pcn_negotiate(net) == 0);
	client = pcn_dtls_client(net);
	CHECK(client == 0 || client == 1);
	CHECK(pcn_run_until(net, 30 * PCN_S, pcn_both_sctp_ready));
	for (int i = 0; i < 2; i++) {
		CHECK(net->peers[i].gathering_complete);
		CHECK_INTEQ(net->peers[i].candidates, 2);       /* host, then "" */
		CHECK_INTEQ(net->peers[i].signal_errors, 0);
		CHECK_INTEQ(net->peers[i].dtls, RTC_DTLS_CONNECTED);
		CHECK(!net->peers[i].dtls_failed);
		CHECK_INTEQ(rtc_pc_dtls_state(net->peers[i].pc), RTC_DTLS_CONNECTED);
		CHECK(net->peers[i].ice == RTC_ICE_TRANSPORT_CONNECTED ||
		      net->peers[i].ice == RTC_ICE_TRANSPORT_COMPLETED);
	}
	if (!pcn_both_sctp_ready(net))
		return;

	x->reliable = open_channel(net, "reliable", true, false);
	if (with_lossy)
		x->lossy = open_channel(net, "lossy", false, true);
	CHECK(x->reliable >= 0);
	/* The DTLS client takes even streams, the server odd ones. */
	CHECK_INTEQ(x->reliable % 2, client == 0 ? 0 : 1);
	CHECK(pcn_run_until(net, 30 * PCN_S, peer1_has_channels));
	CHECK_INTEQ(net->peers[1].n_opened, with_lossy ? 2 : 1);
	for (unsigned c = 0; c < net->peers[1].n_opened; c++) {
		const struct rtc_sctp_channel_params *p = &net->peers[1].opened_params[c];

		if (strcmp(net->peers[1].opened_label[c], "reliable") == 0) {
			CHECK_INTEQ(net->peers[1].opened[c], x->reliable);
			CHECK(p->ordered);
			CHECK_INTEQ(p->reliability, RTC_DCEP_RELIABLE);
		} else {
			CHECK_STREQ(net->peers[1].opened_label[c], "lossy");
			CHECK_INTEQ(net->peers[1].opened[c], x->lossy);
			CHECK(!p->ordered);
			CHECK_INTEQ(p->reliability, RTC_DCEP_PARTIAL_RELIABLE_REXMIT);
			CHECK_INTEQ(p->reliability_param, 0);
		}
	}
	if (!peer1_has_channels(net) || x->reliable < 0)
		return;

	send_reliable(net, 0);
	if (with_lossy)
		send_lossy(net);
	send_reliable(net, 1);
	CHECK(pcn_run_until(net, limit, reliable_done));
	pcn_run_for(net, 3 * PCN_S);
}

static void check_reliable(const struct pcn *net, const struct xfer *x)
{
	for (int i = 0; i < 2; i++) {
		CHECK_INTEQ(x->received[i], x->reliable_messages);
		CHECK_INTEQ(x->bad[i], 0);
		CHECK_INTEQ(rtc_pc_channel_buffered_amount(net->peers[i].pc, (uint16_t)x->reliable),
			    0);
		CHECK_INTEQ(net->peers[i].wrong_socket, 0);
		CHECK_INTEQ(net->peers[i].channels_closed, 0);
	}
	CHECK_INTEQ(x->other_stream, 0);
	CHECK_INTEQ(x->send_errors, 0);
	CHECK_INTEQ(x->lossy_bad, 0);
	CHECK_INTEQ(net->to_nowhere, 0);
}

/* ---- cases ------------------------------------------------------------------------ */

static void test_clean_network(void)
{
	struct pcn net;
	struct xfer x = { .reliable_messages = RELIABLE_MESSAGES };
	struct rtc_pc_stats stats;
	struct rtc_error err = { 0 };

	pcn_init(&net, 1);
	net.delay_min = net.delay_max = 5 * PCN_MS;
	exchange(&net, &x, true, 60 * PCN_S);
	check_reliable(&net, &x);
	/* Nothing lost, nothing to give up on. */
	CHECK_INTEQ(x.lossy_received, LOSSY_MESSAGES);
	CHECK_INTEQ(net.lost, 0);
	for (int i = 0; i < 2; i++) {
		/* One ClientHello from the client, none from the server: no
		 * retransmission on a clean network. */
		CHECK_INTEQ(net.peers[i].client_hellos, pcn_dtls_client(&net) == i ? 1 : 0);
		rtc_pc_stats(net.peers[i].pc, &stats);
		CHECK_INTEQ(stats.dropped_unvalidated, 0);
		CHECK_INTEQ(stats.dropped_unknown, 0);
	}
	printf("# clean: %u datagrams, done at %.3f s\n", net.sent,
	       (double)(pcn_now - net.start) / PCN_S);

	/* A channel closes: its stream reset both ways, both sides told. */
	CHECK(rtc_pc_channel_close(net.peers[0].pc, pcn_now, (uint16_t)x.lossy, &err) == 0);
	pcn_pump(&net, 0);
	pcn_run_for(&net, PCN_S);
	CHECK_INTEQ(net.peers[0].channels_closed, 1);
	CHECK_INTEQ(net.peers[1].channels_closed, 1);
	/* close(): the peer learns at once (an SCTP ABORT, close_notify),
	 * its last channel closes and its DTLS transport is "closed". */
	rtc_pc_close(net.peers[0].pc, pcn_now);
	CHECK(rtc_pc_closed(net.peers[0].pc));
	pcn_pump(&net, 0);
	pcn_run_for(&net, PCN_S);
	CHECK_INTEQ(net.peers[1].channels_closed, 2);
	CHECK_INTEQ(net.peers[1].dtls, RTC_DTLS_CLOSED);
	CHECK(!net.peers[1].dtls_failed);
	pcn_free(&net);
}

struct outcome {
	uint64_t digest;
	unsigned sent, lost, received[2], lossy_received;
	uint64_t connected_at[2], ended_at;
};

static struct outcome lossy_run(uint64_t seed)
{
	struct pcn net;
	struct xfer x = { .reliable_messages = RELIABLE_MESSAGES };
	struct outcome o;

	pcn_init(&net, seed);
	net.loss_permille = 50;
	net.delay_min = 20 * PCN_MS;
	net.delay_max = 60 * PCN_MS;
	exchange(&net, &x, true, 600 * PCN_S);
	check_reliable(&net, &x);
	/* maxRetransmits 0 under loss: some of them, each intact, once. */
	CHECK(x.lossy_received > 0);
	CHECK(x.lossy_received < LOSSY_MESSAGES);
	CHECK(net.lost > 0);

	o.digest = net.digest;
	o.sent = net.sent;
	o.lost = net.lost;
	o.received[0] = x.received[0];
	o.received[1] = x.received[1];
	o.lossy_received = x.lossy_received;
	for (int i = 0; i < 2; i++)
		o.connected_at[i] = net.peers[i].dtls_connected_at - net.start;
	o.ended_at = pcn_now - net.start;
	printf("# loss seed %llu: %u datagrams, %u lost, lossy %u/%u, DTLS at %.3f/%.3f s, "
	       "done at %.3f s, digest %016llx\n",
	       (unsigned long long)seed, o.sent, o.lost, o.lossy_received, LOSSY_MESSAGES,
	       (double)o.connected_at[0] / PCN_S, (double)o.connected_at[1] / PCN_S,
	       (double)o.ended_at / PCN_S, (unsigned long long)o.digest);
	pcn_free(&net);
	return o;
}

static void test_loss_delay_reordering(void)
{
	struct outcome a = lossy_run(0x10ad), b = lossy_run(0x10ad), c = lossy_run(0x5eed);

	/* Same seed, same run: every event at the same time. */
	CHECK(a.digest == b.digest);
	CHECK_INTEQ(a.sent, b.sent);
	CHECK_INTEQ(a.lost, b.lost);
	CHECK_INTEQ(a.lossy_received, b.lossy_received);
	CHECK(a.connected_at[0] == b.connected_at[0] && a.connected_at[1] == b.connected_at[1]);
	CHECK(a.ended_at == b.ended_at);
	/* And the digest does tell runs apart. */
	CHECK(a.digest != c.digest);
}

static void test_attacker_never_heard(void)
{
	struct pcn net;
	struct xfer x = { .reliable_messages = 20 };
	struct rtc_pc_stats stats;

	pcn_init(&net, 66);
	net.delay_min = 10 * PCN_MS;
	net.delay_max = 20 * PCN_MS;
	/* From before the first check until well after the handshake: a
	 * fatal alert and a ClientHello to each socket every 5 ms, from 8
	 * ports (more than the pc holds: the oldest held go first). */
	net.attacker = pcn_addr("10.0.0.66", 7777);
	net.attacker_ports = 8;
	net.attack_every = 5 * PCN_MS;
	net.next_attack = pcn_now;
	net.attack_until = pcn_now + 2 * PCN_S;
	exchange(&net, &x, false, 60 * PCN_S);
	check_reliable(&net, &x);
	CHECK(net.attacks > 100);
	for (int i = 0; i < 2; i++) {
		CHECK(!net.peers[i].dtls_failed);
		/* Each of its datagrams dropped and counted, but the few the pc
		 * still holds for its source (at most 16 in all). */
		rtc_pc_stats(net.peers[i].pc, &stats);
		CHECK(stats.dropped_unvalidated > 0);
		CHECK(stats.dropped_unvalidated <= 2 * net.attacks);
		CHECK(stats.dropped_unvalidated + 16 >= 2 * net.attacks);
		CHECK_INTEQ(stats.dropped_unknown, 0);
		printf("# peer %d: %llu dropped from %u attacks\n", i,
		       (unsigned long long)stats.dropped_unvalidated, net.attacks);
	}
	/* Nor answered: the attacker is no candidate. */
	CHECK_INTEQ(net.to_attacker, 0);
	pcn_free(&net);
}

/* A stranger's datagram after the handshake is held (its source might be a
 * path ICE is about to validate), but not for ever: stale ones are dropped
 * and counted, and so are those a closing pc still holds. */
static void test_stranger_after_handshake_expires(void)
{
	static const uint8_t alert[] = { 21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40 };
	struct sockaddr_storage stranger = pcn_addr("10.0.0.77", 7777);
	struct pcn net;
	struct xfer x = { .reliable_messages = 4 };
	struct rtc_pc_stats before, stats;
	struct rtc_pc *pc;

	pcn_init(&net, 77);
	net.delay_min = net.delay_max = 5 * PCN_MS;
	exchange(&net, &x, false, 60 * PCN_S);
	check_reliable(&net, &x);
	pc = net.peers[0].pc;
	rtc_pc_stats(pc, &before);
	rtc_pc_handle_receive(pc, pcn_now, net.peers[0].socket, (struct sockaddr *)&stranger,
			      alert, sizeof(alert));
	pcn_pump(&net, 0);
	rtc_pc_stats(pc, &stats);
	CHECK_INTEQ(stats.dropped_unvalidated, before.dropped_unvalidated);     /* held */
	/* Seconds later the next one finds the first stale. */
	pcn_run_for(&net, 4 * PCN_S);
	rtc_pc_handle_receive(pc, pcn_now, net.peers[0].socket, (struct sockaddr *)&stranger,
			      alert, sizeof(alert));
	pcn_pump(&net, 0);
	rtc_pc_stats(pc, &stats);
	CHECK_INTEQ(stats.dropped_unvalidated, before.dropped_unvalidated + 1);
	CHECK(!net.peers[0].dtls_failed);
	/* The one still held is counted when the pc closes. */
	rtc_pc_close(pc, pcn_now);
	rtc_pc_stats(pc, &stats);
	CHECK_INTEQ(stats.dropped_unvalidated, before.dropped_unvalidated + 2);
	CHECK_INTEQ(net.to_attacker, 0);
	pcn_free(&net);
}

static void early_flight(bool attacked)
{
	struct pcn net;
	struct xfer x = { .reliable_messages = 20 };
	struct rtc_pc_stats stats;
	int client, server;

	pcn_init(&net, 7);
	net.delay_min = net.delay_max = 5 * PCN_MS;
	/* The DTLS client's STUN success responses wait until its first
	 * flight has reached the server: the server meets that flight before
	 * its own check of the client's address succeeded. */
	net.gate = true;
	net.gate_from = 1;      /* the answerer: a=setup:active, the client */
	if (attacked) {
		/* Held beside the client's flight, never replayed with it. */
		net.attacker = pcn_addr("10.0.0.66", 7777);
		net.attack_every = 2 * PCN_MS;
		net.next_attack = pcn_now;
		net.attack_until = pcn_now + PCN_S;
	}
	exchange(&net, &x, false, 60 * PCN_S);
	check_reliable(&net, &x);
	client = pcn_dtls_client(&net);
	CHECK_INTEQ(client, 1);
	server = !client;
	CHECK(net.gate_open);
	CHECK(net.peers[server].dtls_in_unvalidated > 0);
	/* Held, then replayed once the client's address validated: one
	 * ClientHello, the handshake done before a retransmission was due. */
	CHECK_INTEQ(net.peers[client].client_hellos, 1);
	CHECK(net.peers[client].dtls_connected_at - net.peers[client].dtls_first_sent <
	      DTLS_FIRST_RETRANSMIT);
	CHECK(net.peers[server].dtls_connected_at - net.peers[client].dtls_first_sent <
	      DTLS_FIRST_RETRANSMIT);
	for (int i = 0; i < 2; i++)
		CHECK(!net.peers[i].dtls_failed);
	rtc_pc_stats(net.peers[server].pc, &stats);
	if (attacked) {
		CHECK(net.attacks > 100);
		CHECK(stats.dropped_unvalidated > 0);
		CHECK_INTEQ(net.to_attacker, 0);
	} else {
		/* A replayed datagram is no dropped one. */
		CHECK_INTEQ(stats.dropped_unvalidated, 0);
	}
	printf("# held for %.1f ms; DTLS connected %.1f ms after the ClientHello\n",
	       (double)(net.gate_opened_at - net.peers[client].dtls_first_sent) / PCN_MS,
	       (double)(net.peers[client].dtls_connected_at - net.peers[client].dtls_first_sent) /
		       PCN_MS);
	pcn_free(&net);
}

static void test_early_flight_replayed(void)
{
	early_flight(false);
}

static void test_early_flight_replayed_under_attack(void)
{
	early_flight(true);
}

static void test_flight_before_answer(void)
{
	struct pcn net;
	struct xfer x = { .reliable_messages = 20 };
	struct rtc_pc_stats stats;
	uint64_t answer_at;

	pcn_init(&net, 8);
	net.delay_min = net.delay_max = 5 * PCN_MS;
	/* The offerer learns the answer 60 ms late: the answerer's checks
	 * succeed and its ClientHello arrives before the offerer has the
	 * credentials to check back (or to start DTLS at all). */
	net.answer_delay = 60 * PCN_MS;
	answer_at = net.start + net.answer_delay;
	exchange(&net, &x, false, 60 * PCN_S);
	check_reliable(&net, &x);
	CHECK_INTEQ(pcn_dtls_client(&net), 1);
	CHECK(net.peers[1].dtls_first_sent < answer_at);
	CHECK(net.peers[0].dtls_in_unvalidated > 0);
	CHECK_INTEQ(net.peers[1].client_hellos, 1);
	CHECK(net.peers[1].dtls_connected_at - net.peers[1].dtls_first_sent <
	      DTLS_FIRST_RETRANSMIT);
	rtc_pc_stats(net.peers[0].pc, &stats);
	CHECK_INTEQ(stats.dropped_unvalidated, 0);
	printf("# ClientHello %.1f ms before the answer; DTLS connected %.1f ms after it\n",
	       (double)(answer_at - net.peers[1].dtls_first_sent) / PCN_MS,
	       (double)(net.peers[1].dtls_connected_at - answer_at) / PCN_MS);
	pcn_free(&net);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	RUN(test_clean_network);
	RUN(test_loss_delay_reordering);
	RUN(test_attacker_never_heard);
	RUN(test_stranger_after_handshake_expires);
	RUN(test_early_flight_replayed);
	RUN(test_early_flight_replayed_under_attack);
	RUN(test_flight_before_answer);
	return rtc_test_done();
}
