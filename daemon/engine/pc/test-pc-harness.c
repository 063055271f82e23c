/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/pc/test-pc-harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <usrsctp.h>

#include "engine/sctp/sctp.h"
#include "fake-wallclock.h"

uint64_t pcn_now = 1000 * PCN_S;

RTC_TEST_FAKE_WALLCLOCK(pcn_now)

/* usrsctp's vtag time-wait is 60 s: a new run starts past what the last
 * one left, on a whole second so that every run sees the same phase of
 * usrsctp's millisecond ticks. */
#define RUN_GAP (61 * PCN_S)

static const struct rtc_ice_config no_servers;

/* ---- small helpers ---------------------------------------------------------- */

static uint64_t next_random(struct pcn *net)
{
	/* xorshift64*: the same draws on every run of a seed. */
	net->rng ^= net->rng >> 12;
	net->rng ^= net->rng << 25;
	net->rng ^= net->rng >> 27;
	return net->rng * 0x2545F4914F6CDD1Dull;
}

static void mix(struct pcn *net, uint64_t v)
{
	/* FNV-1a over the value's bytes. */
	for (int i = 0; i < 8; i++) {
		net->digest ^= (v >> (8 * i)) & 0xff;
		net->digest *= 0x100000001b3ull;
	}
}

/* One record of what happened: when (from the run's start), where, what. */
static void note(struct pcn *net, int peer, char what, uint64_t detail)
{
	static int trace = -1;

	if (trace < 0)
		trace = getenv("PCN_TRACE") != NULL;
	if (trace)
		fprintf(stderr, "pcn %llu %d %c %llx\n",
			(unsigned long long)(pcn_now - net->start), peer, what,
			(unsigned long long)detail);
	mix(net, pcn_now - net->start);
	mix(net, (uint64_t)peer << 8 | (uint8_t)what);
	mix(net, detail);
}

struct sockaddr_storage pcn_addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	return ss;
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

	return a->ss_family == AF_INET && b->ss_family == AF_INET &&
	       x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

	return a->ss_family == AF_INET && b->ss_family == AF_INET &&
	       x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static bool is_dtls(const uint8_t *data, size_t len)
{
	return len > 0 && data[0] >= 20 && data[0] <= 63;
}

static bool is_stun_success(const uint8_t *data, size_t len)
{
	return len >= 20 && data[0] == 0x01 && data[1] == 0x01;
}

/* A handshake record carrying a ClientHello (RFC 6347 4.1, 4.2.2): record
 * header of 13 bytes, then the handshake type. */
static bool is_client_hello(const uint8_t *data, size_t len)
{
	return len > 13 && data[0] == 22 && data[13] == 1;
}

/* ---- the network --------------------------------------------------------------- */

static struct pcn_packet *new_packet(struct pcn *net, uint64_t deliver_at)
{
	struct pcn_packet *p;

	if (net->n_packets == net->cap_packets) {
		size_t cap = net->cap_packets ? 2 * net->cap_packets : 256;
		p = realloc(net->packets, cap * sizeof(*p));
		if (!p)
			abort();
		net->packets = p;
		net->cap_packets = cap;
	}
	p = &net->packets[net->n_packets++];
	memset(p, 0, sizeof(*p));
	p->deliver_at = deliver_at;
	p->seq = net->seq++;
	return p;
}

static uint64_t delay(struct pcn *net)
{
	uint64_t spread = net->delay_max > net->delay_min ? net->delay_max - net->delay_min : 0;
	uint64_t d = net->delay_min;

	if (spread)
		d += next_random(net) % (spread + 1);
	/* Whole microseconds, and never the same instant: a reply must not
	 * arrive before its request has left. */
	d -= d % 1000;
	return d ? d : 1000;
}

static void transmit(struct pcn *net, int i, const struct rtc_pc_transmit *tx)
{
	struct pcn_peer *peer = &net->peers[i];
	struct pcn_packet *p;

	if (is_dtls(tx->data, tx->len)) {
		if (peer->dtls_first_sent == RTC_NEVER)
			peer->dtls_first_sent = pcn_now;
		peer->dtls_sent++;
		peer->client_hellos += is_client_hello(tx->data, tx->len);
	}
	note(net, i, 'T', tx->len ? tx->data[0] : 0);
	net->sent++;
	if (tx->socket != peer->socket)
		peer->wrong_socket++;
	if (same_ip(&tx->to, &net->attacker))
		net->to_attacker++;     /* any of its ports */
	if (next_random(net) % 1000 < net->loss_permille) {
		net->lost++;
		return;
	}
	if (pcn_now >= net->blackout_from && pcn_now < net->blackout_until) {
		net->lost++;
		net->blacked_out++;
		return;
	}
	{
		struct pcn_link *link = &net->links[i];
		uint64_t start = link->free_at > pcn_now ? link->free_at : pcn_now;

		if (link->bps) {
			if (start - pcn_now > link->max_queue) {
				link->dropped++;
				net->lost++;
				return;
			}
			link->free_at = start + (uint64_t)tx->len * 8 * PCN_S / link->bps;
			p = new_packet(net, link->free_at + delay(net));
		} else {
			p = new_packet(net, pcn_now + delay(net));
		}
	}
	p->from = peer->addr;
	p->to = tx->to;
	p->len = tx->len;
	p->data = malloc(tx->len ? tx->len : 1);
	if (!p->data)
		abort();
	memcpy(p->data, tx->data, tx->len);
	p->gated = net->gate && !net->gate_open && i == net->gate_from &&
		   is_stun_success(tx->data, tx->len);
}

static struct pcn_packet *signalling(struct pcn *net, int to, uint64_t delay, const char *text)
{
	uint64_t at = pcn_now + delay;
	struct pcn_packet *p;

	if (at < net->last_signal[to])
		at = net->last_signal[to];
	net->last_signal[to] = at;
	p = new_packet(net, at);
	p->to_peer = to;
	p->len = strlen(text);
	p->data = (uint8_t *)strdup(text);
	if (!p->data)
		abort();
	return p;
}

static void signal_candidate(struct pcn *net, int from, const struct rtc_pc_event *ev)
{
	struct pcn_packet *p = signalling(net, !from, net->signal_delay, ev->candidate.line);

	p->kind = PCN_CANDIDATE;
	snprintf(p->mid, sizeof(p->mid), "%s", ev->candidate.mid);
	p->mline_index = ev->candidate.mline_index;
}

/* The earliest packet due by `until`, or -1. */
static long earliest(const struct pcn *net, uint64_t until)
{
	long best = -1;

	for (size_t k = 0; k < net->n_packets; k++) {
		const struct pcn_packet *p = &net->packets[k];

		if (p->gated && !net->gate_open)
			continue;
		if (p->deliver_at > until)
			continue;
		if (best < 0 || p->deliver_at < net->packets[best].deliver_at ||
		    (p->deliver_at == net->packets[best].deliver_at &&
		     p->seq < net->packets[best].seq))
			best = (long)k;
	}
	return best;
}

static void open_gate(struct pcn *net)
{
	net->gate_open = true;
	net->gate_opened_at = pcn_now;
	/* What waited arrives a moment after the datagram that opened it. */
	for (size_t k = 0; k < net->n_packets; k++)
		if (net->packets[k].gated && net->packets[k].deliver_at <= pcn_now + PCN_MS)
			net->packets[k].deliver_at = pcn_now + PCN_MS;
}

static void deliver(struct pcn *net, struct pcn_packet *p)
{
	struct rtc_error err = { 0 };
	const struct rtc_ice_agent *agent;
	int to = -1;

	net->delivered++;
	if (p->kind == PCN_CANDIDATE) {
		note(net, p->to_peer, 'S', p->len);
		if (rtc_pc_add_ice_candidate(net->peers[p->to_peer].pc, pcn_now, (char *)p->data,
					     p->mid, p->mline_index, &err) < 0) {
			printf("# peer %d: addIceCandidate(%s): %s\n", p->to_peer,
			       (char *)p->data, err.message);
			net->peers[p->to_peer].signal_errors++;
		}
		pcn_pump(net, p->to_peer);
		return;
	}
	if (p->kind == PCN_ANSWER) {
		note(net, p->to_peer, 'a', 0);
		if (rtc_pc_set_remote_description(net->peers[p->to_peer].pc, pcn_now,
						  RTC_SDP_TYPE_ANSWER, (char *)p->data, &err) < 0) {
			printf("# peer %d: the answer: %s\n", p->to_peer, err.message);
			net->peers[p->to_peer].signal_errors++;
		}
		pcn_pump(net, p->to_peer);
		return;
	}
	for (int i = 0; i < 2; i++)
		if (same_address(&p->to, &net->peers[i].addr))
			to = i;
	if (to < 0) {
		net->to_nowhere++;
		return;
	}
	note(net, to, 'R', p->len ? p->data[0] : 0);
	agent = rtc_pc_ice_agent(net->peers[to].pc);
	if (is_dtls(p->data, p->len)) {
		if (!agent || !rtc_ice_agent_validated(agent, net->peers[to].socket,
						       (const struct sockaddr *)&p->from))
			net->peers[to].dtls_in_unvalidated++;
		if (net->gate && !net->gate_open && to == !net->gate_from &&
		    same_address(&p->from, &net->peers[net->gate_from].addr))
			open_gate(net);
	}
	rtc_pc_handle_receive(net->peers[to].pc, pcn_now, net->peers[to].socket,
			      (const struct sockaddr *)&p->from, p->data, p->len);
	pcn_pump(net, to);
}

/* ---- the attacker --------------------------------------------------------------- */

static const uint8_t fatal_alert[] = {
	21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	2, 40,                          /* fatal, handshake_failure */
};

static void attack(struct pcn *net)
{
	uint8_t hello[13 + 12 + 2 + 32 + 1 + 1 + 4 + 2];
	struct sockaddr_storage from;
	size_t n = 0, body;

	/* A ClientHello of epoch 0, sequence numbers that move on. */
	hello[n++] = 22;
	hello[n++] = 0xfe;
	hello[n++] = 0xfd;
	memset(hello + n, 0, 8);
	hello[n + 7] = (uint8_t)net->attacks;
	n += 8;
	body = sizeof(hello) - 13;
	hello[n++] = (uint8_t)(body >> 8);
	hello[n++] = (uint8_t)body;
	hello[n++] = 1;                                 /* client_hello */
	body -= 12;
	hello[n++] = 0;
	hello[n++] = (uint8_t)(body >> 8);
	hello[n++] = (uint8_t)body;
	hello[n++] = 0;                                 /* message_seq */
	hello[n++] = 0;
	memset(hello + n, 0, 3);                        /* fragment_offset */
	n += 3;
	hello[n++] = 0;                                 /* fragment_length */
	hello[n++] = (uint8_t)(body >> 8);
	hello[n++] = (uint8_t)body;
	hello[n++] = 0xfe;                              /* client_version */
	hello[n++] = 0xfd;
	for (int i = 0; i < 32; i++)                    /* random */
		hello[n++] = (uint8_t)next_random(net);
	hello[n++] = 0;                                 /* session_id */
	hello[n++] = 0;                                 /* cookie */
	hello[n++] = 0;                                 /* cipher_suites */
	hello[n++] = 2;
	hello[n++] = 0xc0;                              /* ECDHE_ECDSA_AES128_GCM */
	hello[n++] = 0x2b;
	hello[n++] = 1;                                 /* compression_methods */
	hello[n++] = 0;
	if (n != sizeof(hello))
		abort();

	from = net->attacker;
	if (net->attacker_ports > 1)
		((struct sockaddr_in *)&from)->sin_port =
			htons((uint16_t)(ntohs(((struct sockaddr_in *)&from)->sin_port) +
					 net->attacks % net->attacker_ports));
	net->attacks++;
	for (int i = 0; i < 2; i++) {
		struct pcn_peer *peer = &net->peers[i];

		note(net, i, 'A', net->attacks);
		rtc_pc_handle_receive(peer->pc, pcn_now, peer->socket,
				      (const struct sockaddr *)&from, fatal_alert,
				      sizeof(fatal_alert));
		pcn_pump(net, i);
		rtc_pc_handle_receive(peer->pc, pcn_now, peer->socket,
				      (const struct sockaddr *)&from, hello, sizeof(hello));
		pcn_pump(net, i);
	}
}

/* ---- the owner of each pc ------------------------------------------------------- */

static void on_wake(void *user)
{
	((struct pcn_peer *)user)->woken = true;
}

static void handle_event(struct pcn *net, int i, const struct rtc_pc_event *ev)
{
	struct pcn_peer *peer = &net->peers[i];
	struct rtc_error err = { 0 };

	switch (ev->type) {
	case RTC_PC_EVENT_GATHER:
		note(net, i, 'g', 0);
		if (rtc_pc_add_host_socket(peer->pc, peer->socket, &peer->addr, 0, NULL, &err) < 0)
			printf("# peer %d: host socket refused: %s\n", i, err.message);
		rtc_pc_gathering_sources_done(peer->pc);
		break;
	case RTC_PC_EVENT_RESOLVE_NAME:
		rtc_pc_name_resolved(peer->pc, pcn_now, ev->name, NULL, 0);
		break;
	case RTC_PC_EVENT_LOCAL_CANDIDATE:
		note(net, i, 'c', strlen(ev->candidate.line));
		peer->candidates++;
		signal_candidate(net, i, ev);
		break;
	case RTC_PC_EVENT_GATHERING_STATE:
		note(net, i, 'G', ev->gathering);
		peer->gathering_complete = ev->gathering == RTC_ICE_GATHERING_COMPLETE;
		break;
	case RTC_PC_EVENT_ICE_STATE:
		note(net, i, 'I', ev->ice);
		peer->ice = ev->ice;
		break;
	case RTC_PC_EVENT_CANDIDATE_ERROR:
		peer->candidate_errors++;
		break;
	case RTC_PC_EVENT_DTLS_STATE:
		note(net, i, 'D', ev->dtls);
		peer->dtls = ev->dtls;
		if (ev->dtls == RTC_DTLS_FAILED)
			peer->dtls_failed = true;
		if (ev->dtls == RTC_DTLS_CONNECTED && peer->dtls_connected_at == RTC_NEVER)
			peer->dtls_connected_at = pcn_now;
		break;
	case RTC_PC_EVENT_SCTP_READY:
		note(net, i, 'Y', 0);
		peer->sctp_ready = true;
		break;
	case RTC_PC_EVENT_CHANNEL_OPENED:
		note(net, i, 'O', ev->channel.stream);
		if (peer->n_opened < PCN_MAX_CHANNELS) {
			unsigned k = peer->n_opened++;

			peer->opened[k] = ev->channel.stream;
			peer->opened_params[k] = ev->channel.params;
			snprintf(peer->opened_label[k], sizeof(peer->opened_label[k]), "%s",
				 ev->channel.params.label ? ev->channel.params.label : "");
			/* The strings lived as long as the event. */
			peer->opened_params[k].label = NULL;
			peer->opened_params[k].protocol = NULL;
		}
		break;
	case RTC_PC_EVENT_CHANNEL_MESSAGE:
		note(net, i, 'M', (uint64_t)ev->channel.stream << 32 | ev->channel.len);
		if (net->on_message)
			net->on_message(net, i, ev->channel.stream, ev->channel.binary,
					ev->channel.data, ev->channel.len);
		break;
	case RTC_PC_EVENT_CHANNEL_CLOSING:
		note(net, i, 'x', ev->channel.stream);
		break;
	case RTC_PC_EVENT_CHANNEL_CLOSED:
		note(net, i, 'X', ev->channel.stream);
		peer->channels_closed++;
		break;
	case RTC_PC_EVENT_CHANNEL_BUFFERED_LOW:
		note(net, i, 'L', ev->channel.stream);
		break;
	case RTC_PC_EVENT_TRACK:
		note(net, i, 'k', ev->media.transceiver);
		peer->tracks++;
		break;
	case RTC_PC_EVENT_MEDIA_FRAME:
		note(net, i, 'f', ev->media.frame.rtp_timestamp);
		if (net->on_frame)
			net->on_frame(net, i, ev->media.transceiver, &ev->media.frame);
		break;
	case RTC_PC_EVENT_KEY_FRAME_REQUEST:
		note(net, i, 'K', ev->media.transceiver);
		peer->key_frame_requests++;
		peer->key_frame_due = true;
		break;
	case RTC_PC_EVENT_TARGET_BITRATE:
		note(net, i, 'B', ev->media.bitrate);
		peer->target_bps = ev->media.bitrate;
		peer->target_events++;
		break;
	}
}

void pcn_pump(struct pcn *net, int i)
{
	struct pcn_peer *peer = &net->peers[i];
	struct rtc_pc_output out;

	peer->woken = false;
	while (rtc_pc_poll_output(peer->pc, pcn_now, &out) != RTC_PC_OUTPUT_TIMEOUT) {
		if (out.type == RTC_PC_OUTPUT_TRANSMIT)
			transmit(net, i, &out.transmit);
		else
			handle_event(net, i, &out.event);
	}
	peer->deadline = out.deadline;
}

/* ---- lifetime and signalling -------------------------------------------------- */

void pcn_init(struct pcn *net, uint64_t seed)
{
	memset(net, 0, sizeof(*net));
	net->rng = seed ? seed : 1;
	net->delay_min = net->delay_max = 5 * PCN_MS;
	net->signal_delay = 10 * PCN_MS;
	pcn_now = (pcn_now + RUN_GAP) / PCN_S * PCN_S;
	net->start = pcn_now;
	net->digest = 0xcbf29ce484222325ull;
	net->attacker = pcn_addr("10.0.0.66", 7777);
	net->attacker.ss_family = AF_UNSPEC;    /* no attack unless a test sets one */
	for (int i = 0; i < 2; i++) {
		net->peers[i].socket = 1;
		net->peers[i].addr = pcn_addr(i ? "10.0.0.2" : "10.0.0.1", i ? 6000 : 5000);
		net->peers[i].deadline = RTC_NEVER;
		net->peers[i].dtls_first_sent = RTC_NEVER;
		net->peers[i].dtls_connected_at = RTC_NEVER;
	}
}

/* usrsctp jitters each heartbeat by a draw from its own generator, which
 * reads getrandom() and cannot be seeded: a heartbeat 30 s into one run
 * and not the other, and the runs part. Heartbeats are off here (an hour
 * apart); ICE consent checks the path all the same. The stack reads its
 * settings once, when the first association starts: one starts first. */
static void quiet_sctp_heartbeats(void)
{
	static bool done;
	struct rtc_sctp_config config = { .dtls_client = true };
	struct rtc_error err = { 0 };

	if (done)
		return;
	done = true;
	rtc_sctp_free(rtc_sctp_new(&config, pcn_now, &err));
	usrsctp_sysctl_set_sctp_heartbeat_interval_default(3600 * 1000);
}

int pcn_create(struct pcn *net)
{
	quiet_sctp_heartbeats();
	for (int i = 0; i < 2; i++) {
		struct pcn_peer *peer = &net->peers[i];
		struct rtc_pc_config config = {
			.ice = &no_servers,
			.bundle_policy = RTC_BUNDLE_POLICY_BALANCED,
			.wake = on_wake,
			.user = peer,
			/* Consent checks at the same times on every run. */
			.ice_random_seed = 0x1ce0 + (uint64_t)i,
			.video_codec = net->video_codec,
		};
		struct rtc_error err = { 0 };

		if (rtc_pc_new(&config, &peer->pc, &err) < 0) {
			printf("# peer %d: %s\n", i, err.message);
			return -1;
		}
	}
	return 0;
}

void pcn_free(struct pcn *net)
{
	for (int i = 0; i < 2; i++) {
		rtc_pc_free(net->peers[i].pc);
		net->peers[i].pc = NULL;
	}
	for (size_t k = 0; k < net->n_packets; k++)
		free(net->packets[k].data);
	free(net->packets);
	net->packets = NULL;
	net->n_packets = net->cap_packets = 0;
}

int pcn_negotiate(struct pcn *net)
{
	struct rtc_pc *a = net->peers[0].pc, *b = net->peers[1].pc;
	struct rtc_offer_options options = { 0 };
	struct rtc_error err = { 0 };
	char *offer = NULL, *answer = NULL;
	int r = -1;

	if (!net->no_data_channel)
		rtc_jsep_add_data_channel(rtc_pc_jsep_mut(a));
	if (net->before_offer)
		net->before_offer(net);
	if (rtc_jsep_create_offer(rtc_pc_jsep_mut(a), &options, &offer, &err) < 0 ||
	    rtc_pc_set_local_description(a, pcn_now, RTC_SDP_TYPE_OFFER, offer, &err) < 0 ||
	    rtc_pc_set_remote_description(b, pcn_now, RTC_SDP_TYPE_OFFER, offer, &err) < 0)
		goto out;
	if (net->before_answer)
		net->before_answer(net);
	if (rtc_jsep_create_answer(rtc_pc_jsep_mut(b), &answer, &err) < 0 ||
	    rtc_pc_set_local_description(b, pcn_now, RTC_SDP_TYPE_ANSWER, answer, &err) < 0)
		goto out;
	if (net->answer_delay) {
		/* Ahead of the answerer's candidates, which follow it. */
		signalling(net, 0, net->answer_delay, answer)->kind = PCN_ANSWER;
	} else if (rtc_pc_set_remote_description(a, pcn_now, RTC_SDP_TYPE_ANSWER, answer,
						 &err) < 0) {
		goto out;
	}
	r = 0;
out:
	if (r < 0)
		printf("# negotiation: %s\n", err.message);
	free(offer);
	free(answer);
	pcn_pump(net, 0);
	pcn_pump(net, 1);
	return r;
}

int pcn_dtls_client(const struct pcn *net)
{
	struct rtc_jsep_transport sess;

	for (int i = 0; i < 2; i++)
		if (rtc_jsep_transport(rtc_pc_jsep(net->peers[i].pc), &sess) && sess.dtls_client)
			return i;
	return -1;
}

/* ---- running -------------------------------------------------------------------- */

bool pcn_step(struct pcn *net)
{
	uint64_t next = RTC_NEVER;
	long k;

	/* Work usrsctp left on one pc during a call on the other. */
	while (net->peers[0].woken || net->peers[1].woken)
		for (int i = 0; i < 2; i++)
			if (net->peers[i].woken)
				pcn_pump(net, i);

	for (int i = 0; i < 2; i++)
		if (net->peers[i].deadline < next)
			next = net->peers[i].deadline;
	if ((k = earliest(net, RTC_NEVER)) >= 0 && net->packets[k].deliver_at < next)
		next = net->packets[k].deliver_at;
	if (net->attacker.ss_family && net->next_attack < net->attack_until &&
	    net->next_attack < next)
		next = net->next_attack;
	if (next == RTC_NEVER)
		return false;
	if (next > pcn_now)
		pcn_now = next;

	while ((k = earliest(net, pcn_now)) >= 0) {
		struct pcn_packet p = net->packets[k];

		net->packets[k] = net->packets[--net->n_packets];
		deliver(net, &p);
		free(p.data);
	}
	if (net->attacker.ss_family && net->next_attack < net->attack_until &&
	    net->next_attack <= pcn_now) {
		attack(net);
		net->next_attack = pcn_now + net->attack_every;
	}
	for (int i = 0; i < 2; i++) {
		if (net->peers[i].deadline > pcn_now)
			continue;
		rtc_pc_handle_timeout(net->peers[i].pc, pcn_now);
		pcn_pump(net, i);
	}
	return true;
}

bool pcn_run_until(struct pcn *net, uint64_t limit, bool (*cond)(struct pcn *net))
{
	uint64_t end = pcn_now + limit;

	while (!cond(net)) {
		if (pcn_now >= end || !pcn_step(net))
			return cond(net);
	}
	return true;
}

void pcn_run_for(struct pcn *net, uint64_t duration)
{
	uint64_t end = pcn_now + duration;

	for (;;) {
		uint64_t next = RTC_NEVER;
		long k = earliest(net, RTC_NEVER);

		for (int i = 0; i < 2; i++)
			if (net->peers[i].deadline < next)
				next = net->peers[i].deadline;
		if (k >= 0 && net->packets[k].deliver_at < next)
			next = net->packets[k].deliver_at;
		if (net->attacker.ss_family && net->next_attack < net->attack_until &&
		    net->next_attack < next)
			next = net->next_attack;
		if (next > end || !pcn_step(net))
			break;
	}
	if (pcn_now < end)
		pcn_now = end;
}

bool pcn_both_dtls_connected(struct pcn *net)
{
	return net->peers[0].dtls == RTC_DTLS_CONNECTED && net->peers[1].dtls == RTC_DTLS_CONNECTED;
}

bool pcn_both_sctp_ready(struct pcn *net)
{
	return net->peers[0].sctp_ready && net->peers[1].sctp_ready;
}
