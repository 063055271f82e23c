/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for a whole peer connection (engine/pc) as the network
 * sees it: datagrams into rtc_pc_handle_receive, from the address ICE
 * validated and from others, interleaved with rtc_pc_handle_timeout and
 * the owner draining rtc_pc_poll_output. What the bytes reach is what the
 * pc lets through: the demultiplexer (RFC 7983), the ICE agent's STUN, the
 * holding of DTLS from unvalidated sources, DTLS, and inside it SCTP and
 * DCEP. No wiring of those is copied here: the pc composes them.
 *
 * Two pcs run in memory, the victim and an honest peer, on one fake clock
 * and a network without loss that delivers every datagram 1 ms after it
 * left (candidates and a late answer go the same way, in order). The
 * harness is the owner of both, as daemon/session is of one: host socket 1
 * at 10.0.0.1 port 5000 for the victim, 10.0.0.2 port 6000 for the peer.
 * The victim is driven through pc.h alone. The peer's insides are reached
 * for what an honest stack would never send: an SCTP packet of the
 * fuzzer's, or a DCEP message, encrypted by its DTLS (pc-private.h,
 * sctp-private.h). Strangers are other addresses: 10.0.0.66:7777,
 * 10.0.0.2:6001, [fd00::66]:7777, or the peer's address on a socket the
 * victim did not validate it on.
 *
 * Each input gets two new pcs, negotiated with SDP. The first byte sets
 * the scene:
 *
 *   bit 0  the victim offers (DTLS server), else it answers (DTLS client)
 *   bit 1  the script starts right after the descriptions are applied, so
 *          that what it sends meets ICE checks and the DTLS handshake
 *          (op 6 moves the network on); else once both associations are up
 *   bit 2  the answer reaches the offerer through signalling, 20 ms late
 *          (the answerer's checks and DTLS can arrive before it)
 *   bit 3  the peer opens a data channel "setup" once its SCTP is up
 *   bit 4  strangers only: every datagram of the script comes from a
 *          stranger, STUN without credentials (and no replay of the
 *          peer's), and ops of the peer and of signalling are skipped; at
 *          the end the victim must be (still) connected, DTLS and SCTP,
 *          having never failed (RFC 8445 11: only a validated address
 *          reaches DTLS)
 *
 * Then ops, one byte each (op % 12), then their arguments (chunk: a 16-bit
 * length and that many bytes; from: a byte, bits 0-1 the source: 0 the
 * peer's address, 1-3 strangers; bits 2-3 the victim's socket it arrives
 * on: 1, 1, 2 or 100, none but 1 being a socket the victim has):
 *
 *   0 from chunk          a datagram into the victim
 *   1 flags chunk         the peer's DTLS sends the chunk as application
 *                         data, so that it reaches the victim's SCTP stack
 *                         as a packet; flags bit 0: ports, verification tag
 *                         and checksum set as the victim expects, bit 1:
 *                         DATA chunks numbered with the TSNs it expects
 *   2 stream ppid chunk   the peer's SCTP sends the chunk as one message
 *                         (DCEP with PPID 50) on a stream the victim does
 *                         not know about
 *   3 stream flags        the victim opens a channel
 *   4 stream len16        the victim sends a message
 *   5 arg                 channel calls on stream arg & 7, at the peer if
 *                         bit 7: bits 5-6 close, hold receiving (toggle),
 *                         a buffered-amount-low threshold, read the
 *                         buffered amount
 *   6 n                   n % 64 + 1 steps of the network: the next
 *                         datagram delivered or deadline handled
 *   7 how                 the peer goes: bit 0 rtc_pc_close (SCTP ABORT,
 *                         close_notify), else its DTLS alone closes
 *   8 from flags chunk    a STUN Binding message into the victim: flags
 *                         bits 0-1 its class, 2 the transaction ID of the
 *                         victim's last request to that source, 3
 *                         USERNAME as the peer would send it, 4
 *                         MESSAGE-INTEGRITY with the key the peer would
 *                         use, 5 FINGERPRINT, 6 PRIORITY and the peer's
 *                         role (request) or XOR-MAPPED-ADDRESS (response),
 *                         7 USE-CANDIDATE; the chunk's bytes are attributes
 *                         (type, length, value) in between
 *   9 chunk               a remote candidate line for the victim
 *                         (addIceCandidate; empty: end of candidates)
 *  10 n                   time passes, n x 100 ms, the network running
 *  11 from idx off16 xor  one of the last 8 datagrams the peer sent the
 *                         victim again, byte off % len xor'ed with xor,
 *                         from `from`
 *
 * After every op the victim's output is drained; after ops of the peer
 * and channel calls, the network runs until nothing is in flight.
 *
 * Beyond memory safety (ASan, UBSan, LeakSanitizer) it checks what must
 * hold for any input: the victim sends nothing but STUN to an address ICE
 * did not validate; no message is larger than we accept; every channel
 * the victim announces was opened by a DCEP message of the peer, with the
 * label, protocol and reliability it carried; every error says why; the
 * network settles (no pc asks for its timer over and over without time
 * moving); and in the strangers-only scene, the connection survives.
 *
 * The seeds (corpus/transport) are written by transport_seeds.py beside
 * this file. FUZZ_TRANSPORT_TRACE=1 in the environment prints where each
 * input left the victim, 2 also every datagram, signal and event.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <usrsctp.h>

#include "engine/pc/pc-private.h"
#include "engine/pc/pc.h"
#include "engine/sctp/dcep.h"
#include "engine/sctp/sctp-private.h"
#include "engine/sctp/sctp.h"
#include "engine/stun/stun.h"
#include "fuzz/fuzz_input.h"
#include "fake-wallclock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS 1000000ull
#define LATENCY (1 * MS)
#define ANSWER_DELAY (20 * MS)
#define STREAMS 8u            /* a few streams, so that ops meet on the same ones */
#define STEPS_PER_OP 4096     /* more means the two ends talk forever: stop them */
#define STEPS_PER_INPUT 40000
#define SETUP_TIME (30000 * MS)
#define FINAL_TIME (60000 * MS)  /* strangers only: time to (re)connect at the end */
#define STUCK_STEPS 2000      /* steps in a row without time moving or a delivery */
#define INPUT_GAP (61000 * MS)   /* usrsctp's vtag time-wait is 60 s */
#define REPLAYS 8u

/* usrsctp's timers are process-wide: one clock, forward only, across inputs. */
static uint64_t now = 1000000 * MS;

RTC_TEST_FAKE_WALLCLOCK(now)

enum { VICTIM, PEER };

static const struct rtc_ice_config no_servers;

struct end {
	struct rtc_pc *pc;
	struct sockaddr_storage addr;
	bool woken;                     /* usrsctp left work for it (config.wake) */
	uint64_t deadline;
	enum rtc_dtls_state dtls;
	bool dtls_failed;               /* ever */
	bool dtls_closed;               /* ever */
	bool sctp_ready;
	bool closed;                    /* rtc_pc_close called */
};

/* A datagram or a signalling message on its way. */
struct flight {
	uint64_t deliver_at;
	uint64_t seq;
	enum { DATAGRAM, CANDIDATE, ANSWER } kind;
	int to;
	struct sockaddr_storage from;
	char mid[33];
	int mline_index;
	size_t len;
	uint8_t *data;                  /* datagram, or NUL-terminated text */
};

static struct {
	struct end ends[2];
	struct flight *flights;
	size_t n_flights, cap_flights;
	uint64_t seq;
	uint64_t last_signal[2];        /* signalling is in order: nothing overtakes */
	unsigned steps;                 /* this input's, against STEPS_PER_INPUT */
	unsigned stuck;                 /* steps in a row without progress */
	bool strangers_only;
	bool open_setup_channel;        /* scene bit 3 */
	bool setup_channel_pending;     /* the victim has yet to announce it */
	uint16_t setup_stream;
	bool receiving_held[2];

	/* The victim's last STUN request to each source, for responses. */
	uint8_t request_tid[4][RTC_STUN_TID_LEN];
	bool have_request_tid[4];
	uint32_t tid_counter;

	/* The last datagrams the peer sent the victim. */
	struct {
		size_t len;
		uint8_t *data;
	} replays[REPLAYS];
	unsigned n_replays;

	/* From the last SCTP packet the peer's association sent: its ports
	 * and the victim's verification tag, and the TSN its next DATA chunk
	 * will carry. */
	uint8_t sctp_header[8];
	bool have_sctp_header;
	uint32_t next_tsn;
} net;

static struct sockaddr_storage sources[4];

/* DCEP messages the peer's SCTP sent (op 2) that the victim has not
 * announced a channel for: every channel it announces must be one of them,
 * opened with what the message says. Raw SCTP packets (op 1) can open
 * channels too: after one, the rest of the input goes unchecked. */
#define OPENS_MAX 64u
static struct {
	bool checking;
	size_t count;
	struct sent_open {
		uint16_t stream;
		size_t len;
		uint8_t *message;
	} sent[OPENS_MAX];
} opens;

/* FUZZ_TRANSPORT_TRACE=1: where each input left the victim, to see how
 * deep a seed goes; 2: every datagram, signal and event on the way (0 is
 * the victim, 1 the peer), in ms since the input started. */
static int trace_level = -1;
static uint64_t input_start;
#define TRACE(level, fmt, ...)                                                          \
	do {                                                                            \
		if (trace_level >= (level))                                             \
			fprintf(stderr, "fuzz_transport: %6.3f " fmt "\n",             \
				(double)(now - input_start) / 1e6, __VA_ARGS__);         \
	} while (0)

/* ---- addresses ------------------------------------------------------------- */

static struct sockaddr_storage ipv4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	return ss;
}

static struct sockaddr_storage ipv6(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &in6->sin6_addr);
	return ss;
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

static int source_index(const struct sockaddr_storage *a)
{
	for (int i = 0; i < 4; i++)
		if (same_address(a, &sources[i]))
			return i;
	return -1;
}

/* A `from` byte: the source, and the socket of the victim it arrives on. */
static void read_from(uint8_t from, int *source, uint32_t *socket)
{
	static const uint32_t sockets[] = { 1, 1, 2, RTC_PC_RELAY_SOCKET_BASE };

	*source = from & 3;
	*socket = sockets[(from >> 2) & 3];
	if (net.strangers_only && *source == 0 && *socket == 1)
		*source = 1;
}

/* ---- the channels the peer opened ---------------------------------------- */

static void opens_forget(size_t i)
{
	free(opens.sent[i].message);
	opens.sent[i] = opens.sent[--opens.count];
}

static void opens_reset(bool checking)
{
	while (opens.count)
		opens_forget(opens.count - 1);
	opens.checking = checking;
}

static void remember_open(uint16_t stream, const uint8_t *message, size_t len)
{
	struct sent_open *o;

	if (!opens.checking)
		return;
	if (opens.count == OPENS_MAX) {
		opens_reset(false);   /* more than we follow: stop checking */
		return;
	}
	o = &opens.sent[opens.count];
	o->message = malloc(len);
	if (!o->message) {
		opens_reset(false);
		return;
	}
	memcpy(o->message, message, len);
	o->stream = stream;
	o->len = len;
	opens.count++;
}

static bool same_string(const char *s, const char *bytes, size_t len)
{
	return strlen(s) == len && memcmp(s, bytes, len) == 0;
}

static bool opened_as_sent(const struct rtc_pc_event *ev, const struct sent_open *sent)
{
	const struct rtc_sctp_channel_params *p = &ev->channel.params;
	struct rtc_dcep_message msg;
	const struct rtc_dcep_open *o = &msg.open;

	return sent->stream == ev->channel.stream &&
	       rtc_dcep_decode(sent->message, sent->len, &msg, NULL) == 0 &&
	       msg.type == RTC_DCEP_OPEN &&
	       same_string(p->label, o->label, o->label_len) &&
	       same_string(p->protocol, o->protocol, o->protocol_len) &&
	       p->ordered == o->ordered && p->reliability == o->reliability &&
	       p->reliability_param == o->reliability_param && p->priority == o->priority &&
	       !p->negotiated;
}

/* The victim announced a channel the peer opened: one of the peer's DCEP
 * messages on that stream must say exactly that. (Not necessarily the
 * oldest: an OPEN for a stream in use is refused, and a later one may
 * succeed once the stream is free.) */
static void check_opened(const struct rtc_pc_event *ev)
{
	if (net.setup_channel_pending && ev->channel.stream == net.setup_stream &&
	    strcmp(ev->channel.params.label, "setup") == 0) {
		net.setup_channel_pending = false;
		return;
	}
	if (!opens.checking)
		return;
	for (size_t i = 0; i < opens.count; i++) {
		if (opened_as_sent(ev, &opens.sent[i])) {
			opens_forget(i);
			return;
		}
	}
	abort();   /* a channel the peer did not open, or not like that */
}

/* ---- SCTP packet headers (RFC 9260 section 3) ----------------------------- */

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Calls fn on every DATA chunk's TSN field of a packet, as far as the
 * chunk lengths are sane. */
static void for_each_data_tsn(uint8_t *pkt, size_t len, void (*fn)(uint8_t *))
{
	size_t off = 12;

	while (off + 4 <= len) {
		size_t chunk_len = (size_t)pkt[off + 2] << 8 | pkt[off + 3];

		if (chunk_len < 4 || off + chunk_len > len)
			return;
		if (pkt[off] == 0 /* DATA */ && chunk_len >= 16)
			fn(pkt + off + 4);
		off += (chunk_len + 3) & ~(size_t)3;
	}
}

static void note_tsn(uint8_t *tsn)
{
	uint32_t next = get_be32(tsn) + 1;

	/* Serial number arithmetic: a retransmission does not move it back. */
	if ((int32_t)(next - net.next_tsn) > 0)
		net.next_tsn = next;
}

static void assign_tsn(uint8_t *tsn)
{
	put_be32(tsn, net.next_tsn++);
}

/* What the peer's association is about to hand its DTLS: learn its header
 * and TSNs (the packets wait in its queue until the peer's poll_output). */
static void note_peer_sctp_packets(void)
{
	struct rtc_pc *pc = net.ends[PEER].pc;
	struct rtc_list *l;

	if (!pc || !pc->sctp)
		return;
	for (l = pc->sctp->packets.next; l != &pc->sctp->packets; l = l->next) {
		struct out_packet *p = rtc_container_of(l, struct out_packet, link);

		if (p->len < 12)
			continue;
		memcpy(net.sctp_header, p->data, 8);
		net.have_sctp_header = true;
		/* INIT and INIT ACK carry the Initial TSN, the first DATA's. */
		if (p->len >= 32 && (p->data[12] == 1 || p->data[12] == 2))
			net.next_tsn = get_be32(p->data + 28);
		for_each_data_tsn(p->data, p->len, note_tsn);
	}
}

/* ---- the network ------------------------------------------------------------- */

static struct flight *new_flight(int to, uint64_t deliver_at)
{
	struct flight *f;

	if (net.n_flights == net.cap_flights) {
		size_t cap = net.cap_flights ? 2 * net.cap_flights : 64;
		f = realloc(net.flights, cap * sizeof(*f));
		if (!f)
			abort();
		net.flights = f;
		net.cap_flights = cap;
	}
	f = &net.flights[net.n_flights++];
	memset(f, 0, sizeof(*f));
	f->deliver_at = deliver_at;
	f->seq = net.seq++;
	f->to = to;
	return f;
}

static void *copy_of(const void *data, size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		abort();
	memcpy(p, data, len);
	return p;
}

static void signal_text(int to, int kind, uint64_t delay, const char *text, const char *mid,
			int mline_index)
{
	uint64_t at = now + delay;
	struct flight *f;

	/* The answerer's candidates come after its answer, as an app sends
	 * them. */
	if (at < net.last_signal[to])
		at = net.last_signal[to];
	net.last_signal[to] = at;
	f = new_flight(to, at);
	f->kind = kind;
	f->len = strlen(text);
	f->data = copy_of(text, f->len + 1);
	snprintf(f->mid, sizeof(f->mid), "%s", mid ? mid : "");
	f->mline_index = mline_index;
}

static void remember_replay(const uint8_t *data, size_t len)
{
	unsigned slot = net.n_replays++ % REPLAYS;

	free(net.replays[slot].data);
	net.replays[slot].data = copy_of(data, len);
	net.replays[slot].len = len;
}

static bool is_stun_request(const uint8_t *data, size_t len)
{
	return len >= RTC_STUN_HEADER_LEN && (data[0] & 0xc0) == 0 &&
	       (((data[0] & 0x01) << 1 | (data[1] & 0x10) >> 4) == RTC_STUN_REQUEST);
}

static void touch(const uint8_t *data, size_t len)
{
	/* Read what an output hands out, so that ASan sees bad lifetimes. */
	if (len) {
		volatile uint8_t sink = data[0] ^ data[len - 1];
		(void)sink;
	}
}

static void transmit(int i, const struct rtc_pc_transmit *tx)
{
	struct end *e = &net.ends[i];
	int other = !i, src;

	touch(tx->data, tx->len);
	TRACE(2, "%d sends %zu bytes (first %u) to source %d", i, tx->len, tx->data[0],
	      source_index(&tx->to));
	if (i == VICTIM) {
		const struct rtc_ice_agent *agent = rtc_pc_ice_agent(e->pc);

		/* Only hosts: no socket but the one it was given. */
		if (tx->socket != 1 || tx->len == 0)
			abort();
		/* RFC 8445 11: nothing but STUN (first byte 0..3) to an address
		 * no check validated. (What close leaves is not checked: the
		 * agent is gone.) */
		if (tx->data[0] > 3 && !e->closed &&
		    (!agent || !rtc_ice_agent_validated(agent, tx->socket,
							(const struct sockaddr *)&tx->to)))
			abort();
		if ((src = source_index(&tx->to)) >= 0 && is_stun_request(tx->data, tx->len)) {
			memcpy(net.request_tid[src], tx->data + 8, RTC_STUN_TID_LEN);
			net.have_request_tid[src] = true;
		}
	}
	if (!same_address(&tx->to, &net.ends[other].addr))
		return;   /* to a stranger, or nowhere: lost */
	if (i == PEER)
		remember_replay(tx->data, tx->len);
	struct flight *f = new_flight(other, now + LATENCY);
	f->kind = DATAGRAM;
	f->from = e->addr;
	f->len = tx->len;
	f->data = copy_of(tx->data, tx->len);
}

static void on_wake(void *user)
{
	((struct end *)user)->woken = true;
}

static void check_event(int i, const struct rtc_pc_event *ev)
{
	struct end *e = &net.ends[i];

	switch (ev->type) {
	case RTC_PC_EVENT_DTLS_STATE:
		if (ev->dtls > RTC_DTLS_FAILED)
			abort();
		e->dtls = ev->dtls;
		e->dtls_failed |= ev->dtls == RTC_DTLS_FAILED;
		e->dtls_closed |= ev->dtls == RTC_DTLS_CLOSED;
		break;
	case RTC_PC_EVENT_SCTP_READY:
		if (e->dtls != RTC_DTLS_CONNECTED || e->sctp_ready)
			abort();
		e->sctp_ready = true;
		break;
	case RTC_PC_EVENT_CHANNEL_OPENED:
		if (ev->channel.stream >= RTC_SCTP_MAX_STREAMS || !ev->channel.params.label ||
		    !ev->channel.params.protocol ||
		    !rtc_dcep_string_is_valid(ev->channel.params.label,
					      strlen(ev->channel.params.label)) ||
		    !rtc_dcep_string_is_valid(ev->channel.params.protocol,
					      strlen(ev->channel.params.protocol)))
			abort();
		/* The peer hears of the victim's own channels (op 3). */
		if (i == VICTIM)
			check_opened(ev);
		break;
	case RTC_PC_EVENT_CHANNEL_MESSAGE:
		if (ev->channel.stream >= RTC_SCTP_MAX_STREAMS ||
		    ev->channel.len > RTC_SCTP_MAX_MESSAGE_SIZE || !e->sctp_ready)
			abort();
		touch(ev->channel.data, ev->channel.len);
		break;
	case RTC_PC_EVENT_CANDIDATE_ERROR:
		if (!ev->candidate_error.text[0])
			abort();
		break;
	default:
		break;
	}
}

static void handle_event(int i, const struct rtc_pc_event *ev)
{
	struct end *e = &net.ends[i];
	struct rtc_error err = { 0 };

	check_event(i, ev);
	TRACE(2, "%d event %d (%d)", i, ev->type,
	      ev->type == RTC_PC_EVENT_DTLS_STATE  ? (int)ev->dtls
	      : ev->type == RTC_PC_EVENT_ICE_STATE ? (int)ev->ice : -1);
	switch (ev->type) {
	case RTC_PC_EVENT_GATHER:
		if (rtc_pc_add_host_socket(e->pc, 1, &e->addr, 0, NULL, &err) < 0)
			abort();
		rtc_pc_gathering_sources_done(e->pc);
		break;
	case RTC_PC_EVENT_RESOLVE_NAME:
		/* Only the fuzzer's candidates have names: odd lengths resolve
		 * to a stranger, even ones to nothing. */
		rtc_pc_name_resolved(e->pc, now, ev->name, &sources[1], strlen(ev->name) & 1);
		break;
	case RTC_PC_EVENT_LOCAL_CANDIDATE:
		signal_text(!i, CANDIDATE, LATENCY, ev->candidate.line, ev->candidate.mid,
			    ev->candidate.mline_index);
		break;
	case RTC_PC_EVENT_SCTP_READY:
		if (i == PEER && net.open_setup_channel) {
			struct rtc_sctp_channel_params p = { .label = "setup", .protocol = "" };
			int stream = rtc_pc_channel_open(e->pc, now, RTC_SCTP_AUTO_STREAM, &p, &err);

			if (stream < 0)
				abort();
			net.setup_channel_pending = true;
			net.setup_stream = (uint16_t)stream;
		}
		break;
	default:
		break;
	}
}

/* The owner's loop after any call into pc i: everything out. */
static void pump(int i)
{
	struct end *e = &net.ends[i];
	struct rtc_pc_output out;

	e->woken = false;
	if (!e->pc)
		return;
	for (;;) {
		if (i == PEER)
			note_peer_sctp_packets();
		if (rtc_pc_poll_output(e->pc, now, &out) == RTC_PC_OUTPUT_TIMEOUT)
			break;
		if (out.type == RTC_PC_OUTPUT_TRANSMIT)
			transmit(i, &out.transmit);
		else
			handle_event(i, &out.event);
	}
	e->deadline = out.deadline;
}

static void pump_both(void)
{
	pump(VICTIM);
	pump(PEER);
}

/* Work usrsctp left on one pc during a call on the other. */
static void pump_woken(void)
{
	while (net.ends[VICTIM].woken || net.ends[PEER].woken)
		for (int i = 0; i < 2; i++)
			if (net.ends[i].woken)
				pump(i);
}

static long earliest_flight(void)
{
	long best = -1;

	for (size_t k = 0; k < net.n_flights; k++) {
		const struct flight *f = &net.flights[k];

		if (best < 0 || f->deliver_at < net.flights[best].deliver_at ||
		    (f->deliver_at == net.flights[best].deliver_at &&
		     f->seq < net.flights[best].seq))
			best = (long)k;
	}
	return best;
}

static void deliver(struct flight *f)
{
	struct end *e = &net.ends[f->to];
	struct rtc_error err = { 0 };

	if (!e->pc)
		return;
	TRACE(2, "%d receives %s of %zu bytes", f->to,
	      f->kind == DATAGRAM ? "a datagram" : f->kind == CANDIDATE ? "a candidate" : "the answer",
	      f->len);
	switch (f->kind) {
	case DATAGRAM:
		rtc_pc_handle_receive(e->pc, now, 1, (const struct sockaddr *)&f->from, f->data,
				      f->len);
		break;
	case CANDIDATE:
		rtc_pc_add_ice_candidate(e->pc, now, (const char *)f->data, f->mid, f->mline_index,
					 &err);
		break;
	case ANSWER:
		/* Only a peer closed before (op 7) may refuse it. */
		if (rtc_pc_set_remote_description(e->pc, now, RTC_SDP_TYPE_ANSWER,
						  (const char *)f->data, &err) < 0 && !e->closed) {
			fprintf(stderr, "fuzz_transport: the answer: %s\n", err.message);
			abort();
		}
		break;
	}
	pump(f->to);
}

/* Moves time to the next delivery or deadline, no further than `until`,
 * and handles what is due. False when nothing is left to happen by then
 * (time is at `until`), or the input used its steps. */
static bool step(uint64_t until)
{
	uint64_t next = RTC_NEVER, before = now;
	bool delivered = false;
	long k;

	if (net.steps >= STEPS_PER_INPUT)
		return false;
	net.steps++;
	pump_woken();
	for (int i = 0; i < 2; i++)
		if (net.ends[i].pc && net.ends[i].deadline < next)
			next = net.ends[i].deadline;
	if ((k = earliest_flight()) >= 0 && net.flights[k].deliver_at < next)
		next = net.flights[k].deliver_at;
	if (next == RTC_NEVER || next > until) {
		if (until != RTC_NEVER && until > now)
			now = until;
		return false;
	}
	if (next > now)
		now = next;
	while ((k = earliest_flight()) >= 0 && net.flights[k].deliver_at <= now) {
		struct flight f = net.flights[k];

		net.flights[k] = net.flights[--net.n_flights];
		deliver(&f);
		free(f.data);
		delivered = true;
	}
	for (int i = 0; i < 2; i++) {
		struct end *e = &net.ends[i];

		if (!e->pc || e->deadline > now)
			continue;
		rtc_pc_handle_timeout(e->pc, now);
		pump(i);
	}
	/* A pc that wants its timer again and again at the same instant,
	 * with nothing arriving, spins its owner. */
	net.stuck = now == before && !delivered ? net.stuck + 1 : 0;
	if (net.stuck > STUCK_STEPS) {
		fprintf(stderr, "fuzz_transport: the pcs spin at one instant\n");
		abort();
	}
	return true;
}

static void run_steps(unsigned n)
{
	while (n-- && step(RTC_NEVER))
		;
}

static void run_for(uint64_t duration)
{
	uint64_t until = now + duration;

	for (unsigned i = 0; i < STEPS_PER_OP && step(until); i++)
		;
}

/* Until nothing is in flight: what an op started arrives. */
static void settle(void)
{
	for (unsigned i = 0; i < STEPS_PER_OP && net.n_flights && step(RTC_NEVER); i++)
		;
}

static bool victim_up(void)
{
	return net.ends[VICTIM].sctp_ready && !net.setup_channel_pending;
}

static bool both_up(void)
{
	return net.ends[VICTIM].sctp_ready && net.ends[PEER].sctp_ready &&
	       !net.setup_channel_pending;
}

static bool run_until(bool (*cond)(void), uint64_t limit)
{
	uint64_t until = now + limit;
	unsigned budget = STEPS_PER_INPUT;

	/* Its own budget: this is the harness, not the input. */
	net.steps = 0;
	while (!cond() && budget-- && step(until))
		;
	net.steps = 0;
	return cond();
}

/* ---- the two pcs ----------------------------------------------------------------- */

static void create(void)
{
	for (int i = 0; i < 2; i++) {
		struct end *e = &net.ends[i];
		struct rtc_pc_config config = {
			.ice = &no_servers,
			.bundle_policy = RTC_BUNDLE_POLICY_BALANCED,
			/* The victim resolves the fuzzer's .local candidates. */
			.can_resolve_names = i == VICTIM,
			.wake = on_wake,
			.user = e,
		};
		struct rtc_error err = { 0 };

		e->addr = i == VICTIM ? ipv4("10.0.0.1", 5000) : ipv4("10.0.0.2", 6000);
		e->deadline = RTC_NEVER;
		e->dtls = RTC_DTLS_NEW;
		if (rtc_pc_new(&config, &e->pc, &err) < 0)
			abort();
	}
}

/* Offer, answer, both applied (the offerer's answer maybe later). */
static void negotiate(int offerer, bool late_answer)
{
	struct rtc_pc *a = net.ends[offerer].pc, *b = net.ends[!offerer].pc;
	struct rtc_offer_options options = { 0 };
	struct rtc_error err = { 0 };
	char *offer = NULL, *answer = NULL;

	rtc_jsep_add_data_channel(rtc_pc_jsep_mut(a));
	if (rtc_jsep_create_offer(rtc_pc_jsep_mut(a), &options, &offer, &err) < 0 ||
	    rtc_pc_set_local_description(a, now, RTC_SDP_TYPE_OFFER, offer, &err) < 0 ||
	    rtc_pc_set_remote_description(b, now, RTC_SDP_TYPE_OFFER, offer, &err) < 0 ||
	    rtc_jsep_create_answer(rtc_pc_jsep_mut(b), &answer, &err) < 0 ||
	    rtc_pc_set_local_description(b, now, RTC_SDP_TYPE_ANSWER, answer, &err) < 0)
		abort();
	if (late_answer)
		signal_text(offerer, ANSWER, ANSWER_DELAY, answer, NULL, 0);
	else if (rtc_pc_set_remote_description(a, now, RTC_SDP_TYPE_ANSWER, answer, &err) < 0)
		abort();
	free(offer);
	free(answer);
	pump_both();
}

/* Where the input left the victim. */
static void trace_end(void)
{
	struct end *v = &net.ends[VICTIM];
	struct rtc_pc_stats st;

	if (trace_level < 1)
		return;
	rtc_pc_stats(v->pc, &st);
	TRACE(1, "ice %s, dtls %s%s%s, sctp %s, peer dtls %s; "
		"discarded unvalidated %llu, unknown %llu; %u steps",
		rtc_ice_transport_state_name(rtc_pc_ice_state(v->pc)),
		rtc_dtls_state_name(v->dtls), v->dtls_failed ? " (failed once)" : "",
		v->dtls_closed ? " (closed once)" : "", v->sctp_ready ? "up" : "down",
		rtc_dtls_state_name(net.ends[PEER].dtls),
		(unsigned long long)st.dropped_unvalidated,
		(unsigned long long)st.dropped_unknown, net.steps);
}

static void free_all(void)
{
	struct end *v = &net.ends[VICTIM];

	/* W3C close() on the victim: what it leaves goes nowhere. */
	if (v->pc) {
		v->closed = true;
		rtc_pc_close(v->pc, now);
		pump(VICTIM);
	}
	for (int i = 0; i < 2; i++) {
		rtc_pc_free(net.ends[i].pc);
		net.ends[i].pc = NULL;
	}
	for (size_t k = 0; k < net.n_flights; k++)
		free(net.flights[k].data);
	free(net.flights);
	for (unsigned k = 0; k < REPLAYS; k++)
		free(net.replays[k].data);
	memset(&net, 0, sizeof(net));
}

/* ---- the script's ops ----------------------------------------------------- */

static void op_datagram(struct fuzz_input *in)
{
	const uint8_t *chunk;
	uint8_t from = 0;
	uint32_t socket;
	size_t len;
	int src;

	fuzz_input_byte(in, &from);
	if (!fuzz_input_chunk(in, &chunk, &len))
		return;
	read_from(from, &src, &socket);
	rtc_pc_handle_receive(net.ends[VICTIM].pc, now, socket,
			      (const struct sockaddr *)&sources[src], chunk, len);
	pump(VICTIM);
}

static struct rtc_sctp *peer_sctp(void)
{
	struct rtc_pc *pc = net.ends[PEER].pc;

	return pc && !net.strangers_only ? pc->sctp : NULL;
}

static void op_sctp_packet(struct fuzz_input *in)
{
	struct rtc_pc *pc = net.ends[PEER].pc;
	uint8_t flags = 0, pkt[RTC_DTLS_MAX_RECORD_PAYLOAD];
	struct rtc_error err = { 0 };
	const uint8_t *chunk;
	size_t len;

	fuzz_input_byte(in, &flags);
	if (!fuzz_input_chunk(in, &chunk, &len) || len == 0 || len > sizeof(pkt) ||
	    net.strangers_only || !pc || !pc->dtls || net.ends[PEER].dtls != RTC_DTLS_CONNECTED)
		return;
	memcpy(pkt, chunk, len);
	if (len >= 12 && net.have_sctp_header) {
		if (flags & 2)
			for_each_data_tsn(pkt, len, assign_tsn);
		if (flags & 1) {
			uint32_t crc;

			memcpy(pkt, net.sctp_header, 8);
			memset(pkt + 8, 0, 4);
			crc = usrsctp_crc32c(pkt, len);
			memcpy(pkt + 8, &crc, 4);
		}
	}
	opens_reset(false);   /* this may open channels too */
	if (rtc_dtls_send(pc->dtls, pkt, len, &err) < 0 && !err.message[0])
		abort();
	pump(PEER);
	settle();
}

static void op_peer_message(struct fuzz_input *in)
{
	static const uint32_t ppids[] = {
		RTC_SCTP_PPID_DCEP, RTC_SCTP_PPID_STRING, RTC_SCTP_PPID_BINARY,
		RTC_SCTP_PPID_STRING_EMPTY, RTC_SCTP_PPID_BINARY_EMPTY,
		52, 54, 0,   /* deprecated partial string and binary, and none */
	};
	struct rtc_sctp_channel_params negotiated = { .ordered = true, .negotiated = true };
	struct rtc_error err;
	struct rtc_sctp *sctp = peer_sctp();
	uint8_t stream = 0, which = 0;
	const uint8_t *chunk;
	size_t len;

	fuzz_input_byte(in, &stream);
	fuzz_input_byte(in, &which);
	if (!fuzz_input_chunk(in, &chunk, &len) || len == 0 || !sctp ||
	    !rtc_pc_sctp_ready(net.ends[PEER].pc))
		return;
	/* The peer needs a channel on the stream to send on; the victim is
	 * not told, so that what it learns comes from the bytes alone. */
	stream %= STREAMS;
	rtc_pc_channel_open(net.ends[PEER].pc, now, stream, &negotiated, &err);
	if (rtc_sctp_send_raw(sctp, now, stream, ppids[which % 8], chunk, len, &err) == 0 &&
	    ppids[which % 8] == RTC_SCTP_PPID_DCEP)
		remember_open(stream, chunk, len);
	pump(PEER);
	settle();
}

static void op_victim_opens(struct fuzz_input *in)
{
	struct rtc_sctp_channel_params p = { .label = "fuzz", .protocol = "" };
	struct rtc_error err;
	uint8_t stream = 0, flags = 0;

	fuzz_input_byte(in, &stream);
	fuzz_input_byte(in, &flags);
	p.ordered = flags & 1;
	p.negotiated = flags & 2;
	p.reliability = (enum rtc_dcep_reliability)((flags >> 2) % 3);
	p.reliability_param = p.reliability == RTC_DCEP_RELIABLE ? 0 : flags >> 4;
	if (rtc_pc_channel_open(net.ends[VICTIM].pc, now,
				flags & 0x80 ? RTC_SCTP_AUTO_STREAM : stream % STREAMS, &p,
				&err) < 0 && !err.message[0])
		abort();
	pump(VICTIM);
	settle();
}

static void op_victim_sends(struct fuzz_input *in)
{
	static const uint8_t payload[64 * 1024];
	struct rtc_error err;
	uint8_t stream = 0;
	uint16_t len;

	fuzz_input_byte(in, &stream);
	len = fuzz_input_u16(in);
	if (rtc_pc_channel_send(net.ends[VICTIM].pc, now, stream % STREAMS, len & 1, payload, len,
				&err) < 0 && !err.message[0])
		abort();
	pump(VICTIM);
	settle();
}

static void op_channel_call(struct fuzz_input *in)
{
	struct rtc_error err;
	uint8_t arg = 0;
	int i;
	struct rtc_pc *pc;
	uint16_t stream;

	fuzz_input_byte(in, &arg);
	i = arg & 0x80 && !net.strangers_only ? PEER : VICTIM;
	pc = net.ends[i].pc;
	stream = arg & 7;
	switch ((arg >> 5) & 3) {
	case 0:
		rtc_pc_channel_close(pc, now, stream, &err);
		break;
	case 1:
		net.receiving_held[i] = !net.receiving_held[i];
		rtc_pc_channel_hold_receiving(pc, now, net.receiving_held[i]);
		break;
	case 2:
		rtc_pc_channel_set_low_threshold(pc, stream, 1024u * (stream + 1u));
		break;
	case 3:
		if (rtc_pc_channel_buffered_amount(pc, stream) > 1024u * 1024u * 1024u)
			abort();
		break;
	}
	pump(i);
	settle();
}

static void op_peer_goes(struct fuzz_input *in)
{
	struct end *e = &net.ends[PEER];
	uint8_t how = 0;

	fuzz_input_byte(in, &how);
	if (net.strangers_only || !e->pc)
		return;
	if (how & 1) {
		e->closed = true;
		rtc_pc_close(e->pc, now);
	} else if (e->pc->dtls) {
		rtc_dtls_close(e->pc->dtls);
	}
	pump(PEER);
	settle();
}

/* The chunk's bytes as attributes: type, length, value (padded by the
 * builder), as far as they go. */
static void add_raw_attributes(struct rtc_stun_builder *b, const uint8_t *p, size_t len)
{
	while (len >= 4) {
		uint16_t type = (uint16_t)(p[0] << 8 | p[1]);
		size_t alen = (size_t)p[2] << 8 | p[3];

		p += 4;
		len -= 4;
		if (alen > len)
			alen = len;
		rtc_stun_builder_add_raw(b, type, p, alen);
		p += alen;
		len -= alen;
	}
}

static void op_stun(struct fuzz_input *in)
{
	struct rtc_jsep_ice_section victim_ice, peer_ice;
	uint8_t from = 0, flags = 0, tid[RTC_STUN_TID_LEN], buf[RTC_STUN_MAX_MESSAGE];
	struct rtc_stun_builder b;
	struct rtc_stun_key key;
	enum rtc_stun_class cls;
	const uint8_t *chunk;
	uint32_t socket;
	size_t len;
	int src;

	fuzz_input_byte(in, &from);
	fuzz_input_byte(in, &flags);
	if (!fuzz_input_chunk(in, &chunk, &len))
		return;
	read_from(from, &src, &socket);
	if (net.strangers_only)
		flags &= (uint8_t)~0x10;   /* no credentials */
	if (!rtc_jsep_local_ice(rtc_pc_jsep(net.ends[VICTIM].pc), &victim_ice) ||
	    !rtc_jsep_local_ice(rtc_pc_jsep(net.ends[PEER].pc), &peer_ice))
		return;
	cls = (enum rtc_stun_class)(flags & 3);
	if (flags & 4 && net.have_request_tid[src]) {
		memcpy(tid, net.request_tid[src], sizeof(tid));
	} else {
		/* The same on every run: no randomness in a replay. */
		memset(tid, 0, sizeof(tid));
		put_be32(tid, ++net.tid_counter);
	}
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING, cls, tid);
	if (cls == RTC_STUN_REQUEST || cls == RTC_STUN_INDICATION) {
		if (flags & 8) {
			char username[2 * sizeof(victim_ice.ufrag)];

			snprintf(username, sizeof(username), "%s:%s", victim_ice.ufrag,
				 peer_ice.ufrag);
			rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_USERNAME, username);
		}
		if (flags & 0x40) {
			bool victim_controls = rtc_jsep_we_offered(rtc_pc_jsep(net.ends[VICTIM].pc));

			rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_PRIORITY, 0x6e0001ffu);
			rtc_stun_builder_add_u64(&b, victim_controls ? RTC_STUN_ATTR_ICE_CONTROLLED
								     : RTC_STUN_ATTR_ICE_CONTROLLING,
						 0x0123456789abcdefull);
		}
		if (flags & 0x80)
			rtc_stun_builder_add_flag(&b, RTC_STUN_ATTR_USE_CANDIDATE);
	} else if (flags & 0x40) {
		rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS,
					     (const struct sockaddr *)&net.ends[VICTIM].addr);
	}
	add_raw_attributes(&b, chunk, len);
	if (flags & 0x10) {
		/* Requests to the victim are keyed with its password, responses
		 * to its checks with the peer's. */
		const char *pwd = cls == RTC_STUN_REQUEST || cls == RTC_STUN_INDICATION
					  ? victim_ice.pwd : peer_ice.pwd;

		if (rtc_stun_key_short_term(&key, pwd, NULL) == RTC_STUN_OK)
			rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA1);
	}
	if (flags & 0x20)
		rtc_stun_builder_add_fingerprint(&b);
	if (rtc_stun_builder_finish(&b, &len) != RTC_STUN_OK)
		return;
	rtc_pc_handle_receive(net.ends[VICTIM].pc, now, socket,
			      (const struct sockaddr *)&sources[src], buf, len);
	pump(VICTIM);
}

static void op_candidate(struct fuzz_input *in)
{
	struct rtc_jsep_ice_section remote;
	struct rtc_error err = { 0 };
	const uint8_t *chunk;
	char line[512];
	size_t len;

	if (!fuzz_input_chunk(in, &chunk, &len) || net.strangers_only)
		return;
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, chunk, len);
	line[len] = 0;
	if (!rtc_jsep_remote_ice(rtc_pc_jsep(net.ends[VICTIM].pc), &remote))
		snprintf(remote.mid, sizeof(remote.mid), "0");
	if (rtc_pc_add_ice_candidate(net.ends[VICTIM].pc, now, line, remote.mid, 0, &err) < 0 &&
	    !err.message[0])
		abort();
	pump(VICTIM);
}

static void op_replay(struct fuzz_input *in)
{
	uint8_t from = 0, idx = 0, x = 0, *copy;
	uint16_t off;
	uint32_t socket;
	size_t len;
	int src;

	fuzz_input_byte(in, &from);
	fuzz_input_byte(in, &idx);
	off = fuzz_input_u16(in);
	fuzz_input_byte(in, &x);
	if (net.n_replays == 0)
		return;
	idx %= net.n_replays < REPLAYS ? net.n_replays : REPLAYS;
	len = net.replays[idx].len;
	/* A stranger that replays the peer's STUN has seen it: on the path, it
	 * could beat the peer's answer to a check, which then fails as not
	 * symmetric (RFC 8445 7.2.5.2.1). That is ICE's risk, not the one the
	 * strangers-only scene is about: what reaches DTLS. */
	if (len == 0 || (net.strangers_only && net.replays[idx].data[0] < 4))
		return;
	read_from(from, &src, &socket);
	/* An exact copy, so that ASan sees a read past the datagram. */
	copy = copy_of(net.replays[idx].data, len);
	copy[off % len] ^= x;
	rtc_pc_handle_receive(net.ends[VICTIM].pc, now, socket,
			      (const struct sockaddr *)&sources[src], copy, len);
	free(copy);
	pump(VICTIM);
}

/* ---- one input ----------------------------------------------------------- */

static void run_script(struct fuzz_input *in)
{
	uint8_t op, arg;

	while (fuzz_input_byte(in, &op)) {
		TRACE(2, "op %u", op % 12);
		switch (op % 12) {
		case 0: op_datagram(in); break;
		case 1: op_sctp_packet(in); break;
		case 2: op_peer_message(in); break;
		case 3: op_victim_opens(in); break;
		case 4: op_victim_sends(in); break;
		case 5: op_channel_call(in); break;
		case 6:
			if (fuzz_input_byte(in, &arg))
				run_steps(arg % 64u + 1u);
			break;
		case 7: op_peer_goes(in); break;
		case 8: op_stun(in); break;
		case 9: op_candidate(in); break;
		case 10:
			if (fuzz_input_byte(in, &arg))
				run_for(arg * 100 * MS);
			break;
		case 11: op_replay(in); break;
		}
		pump_woken();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t scene;

	if (!fuzz_input_byte(&in, &scene))
		return 0;
	if (trace_level < 0)
		trace_level = getenv("FUZZ_TRANSPORT_TRACE") ? atoi(getenv("FUZZ_TRANSPORT_TRACE")) : 0;
	sources[0] = ipv4("10.0.0.2", 6000);
	sources[1] = ipv4("10.0.0.66", 7777);
	sources[2] = ipv4("10.0.0.2", 6001);
	sources[3] = ipv6("fd00::66", 7777);
	/* Between inputs, time enough for usrsctp to forget the last
	 * input's associations: its reaper timers fire now, and their
	 * verification tags leave the 60 s time-wait table, whose slots the
	 * new ones take. So an input frees what the last one left and
	 * allocates nothing for good: else libFuzzer suspects a leak after
	 * every input and runs LeakSanitizer, which costs most of the time. */
	now += INPUT_GAP;
	input_start = now;
	net.strangers_only = scene & 16;
	net.open_setup_channel = scene & 8;
	create();
	negotiate(scene & 1 ? VICTIM : PEER, scene & 4);
	if (!(scene & 2) && !run_until(both_up, SETUP_TIME)) {
		/* In memory, without loss, both must come up: else the
		 * harness, not the input, is broken. */
		fprintf(stderr, "fuzz_transport: the pcs did not connect\n");
		abort();
	}
	opens_reset(true);
	run_script(&in);
	if (net.strangers_only) {
		/* Whatever strangers sent, the victim connects (or stays so). */
		struct end *v = &net.ends[VICTIM];

		if (!run_until(victim_up, FINAL_TIME) || v->dtls != RTC_DTLS_CONNECTED ||
		    v->dtls_failed || v->dtls_closed) {
			fprintf(stderr, "fuzz_transport: strangers broke the connection\n");
			abort();
		}
	}
	trace_end();
	free_all();
	opens_reset(false);
	return 0;
}
