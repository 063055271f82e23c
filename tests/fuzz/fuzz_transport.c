/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for a peer connection's whole data-channel transport,
 * wired as the daemon wires it (session/session-transport.c and
 * rtc_session_deliver): datagram -> RFC 7983 demultiplexer -> DTLS ->
 * SCTP -> DCEP and the channels. Per-module targets (fuzz_dtls, fuzz_sctp,
 * fuzz_dcep) each feed one layer; this one makes every layer's output the
 * next one's input, so that what reaches SCTP is only what got through
 * DTLS, as for a real peer.
 *
 * Two endpoints run that wiring in memory, the victim and the peer, with
 * fixed certificates, a fake clock and no loss. Each input gets a fresh
 * SCTP association between them, then runs a script against them. The
 * DTLS handshake under it costs most of the setup (two SSL_CTXs, the
 * certificates parsed, four signatures), so a DTLS pair still connected
 * at the end of an input is kept for the next one. Nothing an input does
 * leaves a trace in it but record sequence numbers: once connected,
 * OpenSSL drops records of any other epoch, and forged ones of the current
 * epoch fail authentication. So an input replays alike on a fresh pair.
 * A pair that went through a handshake with the script running may hold
 * records buffered for a later epoch: the next input gets a new one, as
 * after a close or a failure. The first byte sets the scene:
 *
 *   bit 0  the victim is the DTLS client (else the server)
 *   bit 1  the script starts on a new pair before the first handshake
 *          flight moved (what the network sends first meets a handshake)
 *
 * Then ops, one byte each, then their arguments (chunk: a 16-bit length
 * and that many bytes):
 *
 *   0 chunk               a datagram from the network into the victim
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
 *   5 stream              a channel closes (bit 7: at the peer)
 *   6 ticks               time passes, ticks x 10 ms
 *   7                     the peer closes its DTLS (close_notify)
 *
 * Beyond memory safety (ASan, UBSan, LeakSanitizer) it checks what must
 * hold for any input: DTLS delivers only records the other end sent, in
 * order; SCTP packets always fit a DTLS record; no message is larger than
 * we accept; every channel the victim announces was opened by a DCEP
 * message of the peer, with the label, protocol and reliability it
 * carried; every failure and error says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <usrsctp.h>

#include "engine/dtls/cert.h"
#include "engine/sctp/dcep.h"
#include "engine/pc/demux.h"
#include "engine/dtls/dtls.h"
#include "engine/sctp/sctp.h"
#include "engine/sctp/sctp-private.h"
#include "fuzz/fuzz_input.h"
#include "fake-wallclock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS 1000000ull
#define STREAMS 8u          /* a few streams, so that ops meet on the same ones */
#define SETTLE_ROUNDS 1000  /* more means the two ends talk forever: stop them */
#define SENT_MAX 1024u      /* records in flight between the ends, at most */
#define INPUT_GAP (61000 * MS)  /* usrsctp's vtag time-wait is 60 s */

/* usrsctp's timers are process-wide: one clock, forward only, across inputs. */
static uint64_t now = 1000 * MS;

RTC_TEST_FAKE_WALLCLOCK(now)

/* One side of the transport: what a session holds in its transport state. */
struct endpoint {
	bool is_peer;
	bool dtls_client;
	struct rtc_dtls *dtls;
	struct rtc_sctp *sctp;
	struct endpoint *peer;

	/* Application records this end's DTLS encrypted that the peer has not
	 * delivered yet, oldest first: all the peer may ever deliver. */
	struct {
		uint64_t hash;
		size_t len;
	} sent[SENT_MAX];
	size_t sent_first, sent_count;

	/* From the last SCTP packet this end sent: its ports and the peer's
	 * verification tag, and the TSN its next DATA chunk will carry. */
	uint8_t sctp_header[8];
	bool have_sctp_header;
	uint32_t next_tsn;
};

/* One peer connection's transport as both ends see it. */
struct pair {
	struct endpoint victim, peer;
	bool live;       /* DTLS endpoints exist */
	bool reusable;   /* the handshake ran before the script did */
};

static struct rtc_cert *certs[2];
/* Kept between inputs, one per DTLS role of the victim. */
static struct pair pairs[2];

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

static uint64_t hash_bytes(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* ---- what the ends may deliver ------------------------------------------ */

static void remember_sent(struct endpoint *ep, const uint8_t *data, size_t len)
{
	size_t slot;

	if (ep->sent_count == SENT_MAX) {
		/* The peer stopped delivering (closed, failed): forget the oldest. */
		ep->sent_first = (ep->sent_first + 1) % SENT_MAX;
		ep->sent_count--;
	}
	slot = (ep->sent_first + ep->sent_count++) % SENT_MAX;
	ep->sent[slot].hash = hash_bytes(data, len);
	ep->sent[slot].len = len;
}

/* A record the endpoint's DTLS delivered must be one its peer sent, and
 * come after the ones delivered before it; records may be lost. */
static void check_delivered(struct endpoint *ep, const uint8_t *data, size_t len)
{
	struct endpoint *from = ep->peer;
	uint64_t h = hash_bytes(data, len);

	while (from->sent_count) {
		size_t slot = from->sent_first;

		from->sent_first = (from->sent_first + 1) % SENT_MAX;
		from->sent_count--;
		if (from->sent[slot].hash == h && from->sent[slot].len == len)
			return;
	}
	abort();   /* forged, replayed, reordered or corrupted */
}

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

static bool opened_as_sent(const struct rtc_sctp_event *ev, const struct sent_open *sent)
{
	struct rtc_dcep_message msg;
	const struct rtc_dcep_open *o = &msg.open;

	return sent->stream == ev->stream &&
	       rtc_dcep_decode(sent->message, sent->len, &msg, NULL) == 0 &&
	       msg.type == RTC_DCEP_OPEN &&
	       same_string(ev->params.label, o->label, o->label_len) &&
	       same_string(ev->params.protocol, o->protocol, o->protocol_len) &&
	       ev->params.ordered == o->ordered && ev->params.reliability == o->reliability &&
	       ev->params.reliability_param == o->reliability_param &&
	       ev->params.priority == o->priority && !ev->params.negotiated;
}

/* The victim announced a channel the peer opened: one of the peer's DCEP
 * messages on that stream must say exactly that. (Not necessarily the
 * oldest: an OPEN for a stream in use is refused, and a later one may
 * succeed once the stream is free.) */
static void check_opened(const struct rtc_sctp_event *ev)
{
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
static void for_each_data_tsn(uint8_t *pkt, size_t len, void (*fn)(struct endpoint *, uint8_t *),
			      struct endpoint *ep)
{
	size_t off = 12;

	while (off + 4 <= len) {
		size_t chunk_len = (size_t)pkt[off + 2] << 8 | pkt[off + 3];

		if (chunk_len < 4 || off + chunk_len > len)
			return;
		if (pkt[off] == 0 /* DATA */ && chunk_len >= 16)
			fn(ep, pkt + off + 4);
		off += (chunk_len + 3) & ~(size_t)3;
	}
}

static void note_tsn(struct endpoint *ep, uint8_t *tsn)
{
	uint32_t next = get_be32(tsn) + 1;

	/* Serial number arithmetic: a retransmission does not move it back. */
	if ((int32_t)(next - ep->next_tsn) > 0)
		ep->next_tsn = next;
}

static void assign_tsn(struct endpoint *ep, uint8_t *tsn)
{
	put_be32(tsn, ep->next_tsn++);
}

/* What the endpoint's association sends: learn its header and TSNs. */
static void note_sctp_packet(struct endpoint *ep, const uint8_t *pkt, size_t len)
{
	if (len < 12)
		return;
	memcpy(ep->sctp_header, pkt, 8);
	ep->have_sctp_header = true;
	/* INIT and INIT ACK carry the Initial TSN, the first DATA's. */
	if (len >= 32 && (pkt[12] == 1 || pkt[12] == 2))
		ep->next_tsn = get_be32(pkt + 28);
	for_each_data_tsn((uint8_t *)pkt, len, note_tsn, ep);
}

/* ---- the daemon's wiring ------------------------------------------------- */

static void send_record(struct endpoint *ep, const uint8_t *data, size_t len)
{
	struct rtc_error err = { 0 };

	if (rtc_dtls_send(ep->dtls, data, len, &err) == 0) {
		remember_sent(ep, data, len);
		return;
	}
	/* Only an end that is no longer connected may refuse an SCTP packet. */
	if (err.kind != RTC_ERROR_INVALID_STATE || !err.message[0] ||
	    rtc_dtls_state(ep->dtls) == RTC_DTLS_CONNECTED)
		abort();
}

/* rtc_session_deliver: the first byte says what a datagram is. There is
 * no ICE agent here: STUN and everything else is dropped, as it would be
 * by a session without one. */
static void receive_datagram(struct endpoint *ep, const uint8_t *data, size_t len)
{
	if (rtc_demux_classify(data, len) == RTC_PACKET_DTLS)
		rtc_dtls_handle_receive(ep->dtls, now, data, len);
}

static void start_sctp(struct endpoint *ep)
{
	struct rtc_sctp_config config = {
		.dtls_client = ep->dtls_client,
		.remote_max_message_size = RTC_SCTP_MAX_MESSAGE_SIZE,
	};
	struct rtc_error err = { 0 };

	if (ep->sctp)
		abort();   /* DTLS said CONNECTED twice */
	ep->sctp = rtc_sctp_new(&config, now, &err);
	if (!ep->sctp)
		abort();
}

static void touch(const uint8_t *data, size_t len)
{
	/* Read what an event hands out, so that ASan sees bad lifetimes. */
	if (len) {
		volatile uint8_t sink = data[0] ^ data[len - 1];
		(void)sink;
	}
}

static void check_sctp_event(const struct endpoint *ep, const struct rtc_sctp_event *ev)
{
	switch (ev->type) {
	case RTC_SCTP_EVENT_CHANNEL_OPENED:
		if (ev->stream >= RTC_SCTP_MAX_STREAMS || !ev->params.label || !ev->params.protocol ||
		    !rtc_dcep_string_is_valid(ev->params.label, strlen(ev->params.label)) ||
		    !rtc_dcep_string_is_valid(ev->params.protocol, strlen(ev->params.protocol)))
			abort();
		/* The peer hears of the victim's own channels (op 3). */
		if (!ep->is_peer)
			check_opened(ev);
		break;
	case RTC_SCTP_EVENT_MESSAGE:
		if (ev->stream >= RTC_SCTP_MAX_STREAMS || ev->len > RTC_SCTP_MAX_MESSAGE_SIZE)
			abort();
		touch(ev->data, ev->len);
		break;
	case RTC_SCTP_EVENT_ERROR:
		if (!ev->error.message[0])
			abort();
		break;
	default:
		break;
	}
}

/* One round of rtc_session_transport_pump: SCTP's packets into DTLS,
 * DTLS's datagrams to the other end, DTLS's events (application data
 * into SCTP), SCTP's events. Returns whether anything moved. */
static bool pump_once(struct endpoint *ep)
{
	struct rtc_dtls_event dev;
	struct rtc_sctp_event sev;
	const uint8_t *data;
	size_t len;
	bool busy = false;

	while (ep->sctp && rtc_sctp_poll_transmit(ep->sctp, &data, &len)) {
		note_sctp_packet(ep, data, len);
		send_record(ep, data, len);
		busy = true;
	}
	while ((data = rtc_dtls_poll_transmit(ep->dtls, &len))) {
		receive_datagram(ep->peer, data, len);
		busy = true;
	}
	while (rtc_dtls_poll_event(ep->dtls, &dev)) {
		busy = true;
		switch (dev.type) {
		case RTC_DTLS_EVENT_CONNECTED:
			start_sctp(ep);
			break;
		case RTC_DTLS_EVENT_DATA:
			check_delivered(ep, dev.data, dev.len);
			if (ep->sctp)
				rtc_sctp_handle_receive(ep->sctp, now, dev.data, dev.len);
			break;
		case RTC_DTLS_EVENT_CLOSED:
			break;
		case RTC_DTLS_EVENT_FAILED:
			if (!dev.reason || !dev.reason[0])
				abort();
			break;
		}
	}
	while (ep->sctp && rtc_sctp_poll_event(ep->sctp, &sev)) {
		check_sctp_event(ep, &sev);
		busy = true;
	}
	return busy;
}

/* Both ends until neither has anything left to do. */
static void settle(struct endpoint *a, struct endpoint *b)
{
	for (int round = 0; round < SETTLE_ROUNDS; round++) {
		bool busy = pump_once(a);

		busy |= pump_once(b);
		if (!busy)
			return;
	}
}

/* rtc_session_transport_timeouts, for both ends. */
static void advance(struct endpoint *a, struct endpoint *b, unsigned ticks)
{
	struct endpoint *both[] = { a, b };

	for (unsigned i = 0; i < ticks; i++) {
		now += 10 * MS;
		for (size_t k = 0; k < 2; k++) {
			struct endpoint *ep = both[k];

			if (now >= rtc_dtls_deadline(ep->dtls))
				rtc_dtls_handle_timeout(ep->dtls, now);
			if (ep->sctp && now >= rtc_sctp_deadline(ep->sctp))
				rtc_sctp_handle_timeout(ep->sctp, now);
		}
		settle(a, b);
	}
}

static void endpoint_init(struct endpoint *ep, int cert, bool dtls_client, struct endpoint *peer)
{
	struct rtc_dtls_config config = {
		.role = dtls_client ? RTC_DTLS_CLIENT : RTC_DTLS_SERVER,
		.certificate = rtc_cert_x509(certs[cert]),
		.private_key = rtc_cert_private_key(certs[cert]),
		.remote_fingerprint_algorithm = rtc_cert_fingerprint_algorithm(certs[1 - cert]),
		.remote_fingerprint = rtc_cert_fingerprint(certs[1 - cert]),
	};

	memset(ep, 0, sizeof(*ep));
	ep->dtls_client = dtls_client;
	ep->peer = peer;
	if (rtc_dtls_new(&config, &ep->dtls, NULL) < 0)
		abort();
	rtc_dtls_start(ep->dtls, now);
}

/* rtc_session_transport_free: close_notify out (nobody listens any more),
 * then the association and DTLS go. */
static void endpoint_free(struct endpoint *ep)
{
	size_t len;

	rtc_dtls_close(ep->dtls);
	while (rtc_dtls_poll_transmit(ep->dtls, &len))
		;
	rtc_sctp_free(ep->sctp);
	rtc_dtls_free(ep->dtls);
	memset(ep, 0, sizeof(*ep));
}

static void pair_init(struct pair *p, bool victim_is_client)
{
	endpoint_init(&p->victim, 0, victim_is_client, &p->peer);
	endpoint_init(&p->peer, 1, !victim_is_client, &p->victim);
	p->peer.is_peer = true;
	p->live = true;
}

static void pair_free(struct pair *p)
{
	endpoint_free(&p->victim);
	endpoint_free(&p->peer);
	p->live = false;
}

static bool pair_connected(const struct pair *p)
{
	return rtc_dtls_state(p->victim.dtls) == RTC_DTLS_CONNECTED &&
	       rtc_dtls_state(p->peer.dtls) == RTC_DTLS_CONNECTED;
}

/* A connected pair with a new association, or a new pair not yet
 * started if the scene asks for the handshake. */
static void pair_prepare(struct pair *p, uint8_t scene)
{
	bool fresh_handshake = scene & 2;

	if (p->live && (fresh_handshake || !p->reusable))
		pair_free(p);
	if (!p->live) {
		pair_init(p, scene & 1);
		if (fresh_handshake)
			return;
		/* SCTP starts when DTLS says it is connected. */
	} else {
		start_sctp(&p->victim);
		start_sctp(&p->peer);
	}
	settle(&p->victim, &p->peer);
	/* In memory, without loss, both must be up: else the harness, not
	 * the input, is broken. */
	if (!pair_connected(p) || !p->victim.sctp || !p->peer.sctp ||
	    !rtc_sctp_is_up(p->victim.sctp) || !rtc_sctp_is_up(p->peer.sctp))
		abort();
}

/* The association goes with the input; DTLS stays if still connected. */
static void pair_finish(struct pair *p)
{
	rtc_sctp_free(p->victim.sctp);
	rtc_sctp_free(p->peer.sctp);
	p->victim.sctp = p->peer.sctp = NULL;
	p->victim.have_sctp_header = p->peer.have_sctp_header = false;
	if (!p->reusable || !pair_connected(p))
		pair_free(p);
}

/* ---- the script's ops ----------------------------------------------------- */

static void op_datagram(struct endpoint *victim, struct fuzz_input *in)
{
	const uint8_t *chunk;
	size_t len;

	if (fuzz_input_chunk(in, &chunk, &len))
		receive_datagram(victim, chunk, len);
}

static void op_sctp_packet(struct endpoint *peer, struct fuzz_input *in)
{
	uint8_t flags = 0, pkt[RTC_DTLS_MAX_RECORD_PAYLOAD];
	const uint8_t *chunk;
	size_t len;

	fuzz_input_byte(in, &flags);
	if (!fuzz_input_chunk(in, &chunk, &len) || len == 0 || len > sizeof(pkt))
		return;
	memcpy(pkt, chunk, len);
	if (len >= 12 && peer->have_sctp_header) {
		if (flags & 2)
			for_each_data_tsn(pkt, len, assign_tsn, peer);
		if (flags & 1) {
			uint32_t crc;

			memcpy(pkt, peer->sctp_header, 8);
			memset(pkt + 8, 0, 4);
			crc = usrsctp_crc32c(pkt, len);
			memcpy(pkt + 8, &crc, 4);
		}
	}
	/* As the peer's association would: only once DTLS is up. */
	if (rtc_dtls_state(peer->dtls) == RTC_DTLS_CONNECTED) {
		opens_reset(false);   /* this may open channels too */
		send_record(peer, pkt, len);
	}
}

static void op_peer_message(struct endpoint *peer, struct fuzz_input *in)
{
	static const uint32_t ppids[] = {
		RTC_SCTP_PPID_DCEP, RTC_SCTP_PPID_STRING, RTC_SCTP_PPID_BINARY,
		RTC_SCTP_PPID_STRING_EMPTY, RTC_SCTP_PPID_BINARY_EMPTY,
		52, 54, 0,   /* deprecated partial string and binary, and none */
	};
	struct rtc_sctp_channel_params negotiated = { .ordered = true, .negotiated = true };
	struct rtc_error err;
	uint8_t stream = 0, which = 0;
	const uint8_t *chunk;
	size_t len;

	fuzz_input_byte(in, &stream);
	fuzz_input_byte(in, &which);
	if (!fuzz_input_chunk(in, &chunk, &len) || len == 0 || !peer->sctp)
		return;
	/* The peer needs a channel on the stream to send on; the victim is
	 * not told, so that what it learns comes from the bytes alone. */
	stream %= STREAMS;
	rtc_sctp_open_channel(peer->sctp, now, stream, &negotiated, &err);
	if (rtc_sctp_send_raw(peer->sctp, now, stream, ppids[which % 8], chunk, len, &err) == 0 &&
	    ppids[which % 8] == RTC_SCTP_PPID_DCEP)
		remember_open(stream, chunk, len);
}

static void op_victim_opens(struct endpoint *victim, struct fuzz_input *in)
{
	struct rtc_sctp_channel_params p = { .label = "fuzz", .protocol = "" };
	struct rtc_error err;
	uint8_t stream = 0, flags = 0;

	fuzz_input_byte(in, &stream);
	fuzz_input_byte(in, &flags);
	if (!victim->sctp)
		return;
	p.ordered = flags & 1;
	p.negotiated = flags & 2;
	p.reliability = (enum rtc_dcep_reliability)((flags >> 2) % 3);
	p.reliability_param = p.reliability == RTC_DCEP_RELIABLE ? 0 : flags >> 4;
	rtc_sctp_open_channel(victim->sctp, now, flags & 0x80 ? RTC_SCTP_AUTO_STREAM : stream % STREAMS,
			      &p, &err);
}

static void op_victim_sends(struct endpoint *victim, struct fuzz_input *in)
{
	static const uint8_t payload[64 * 1024];
	struct rtc_error err;
	uint8_t stream = 0;
	uint16_t len;

	fuzz_input_byte(in, &stream);
	len = fuzz_input_u16(in);
	if (victim->sctp)
		rtc_sctp_send(victim->sctp, now, stream % STREAMS, len & 1, payload, len, &err);
}

static void op_close_channel(struct endpoint *victim, struct fuzz_input *in)
{
	struct endpoint *ep = victim;
	struct rtc_error err;
	uint8_t arg = 0;

	fuzz_input_byte(in, &arg);
	if (arg & 0x80)
		ep = victim->peer;
	if (ep->sctp)
		rtc_sctp_close_channel(ep->sctp, now, (arg & 0x7f) % STREAMS, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct endpoint *victim, *peer;
	uint8_t scene, op, arg;
	struct pair *p;

	if (!fuzz_input_byte(&in, &scene))
		return 0;
	if (!certs[0] && (rtc_cert_generate("fuzz-victim", &certs[0], NULL) < 0 ||
			  rtc_cert_generate("fuzz-peer", &certs[1], NULL) < 0))
		abort();
	/* Between inputs, time enough for usrsctp to forget the last
	 * input's associations: its reaper timers fire now, and their
	 * verification tags leave the 60 s time-wait table, whose slots the
	 * new ones take. So an input frees what the last one left and
	 * allocates nothing for good: else libFuzzer suspects a leak after
	 * every input and runs LeakSanitizer, which costs most of the time. */
	now += INPUT_GAP;
	p = &pairs[scene & 1];
	opens_reset(true);
	pair_prepare(p, scene);
	p->reusable = !(scene & 2);
	victim = &p->victim;
	peer = &p->peer;
	while (fuzz_input_byte(&in, &op)) {
		switch (op % 8) {
		case 0: op_datagram(victim, &in); break;
		case 1: op_sctp_packet(peer, &in); break;
		case 2: op_peer_message(peer, &in); break;
		case 3: op_victim_opens(victim, &in); break;
		case 4: op_victim_sends(victim, &in); break;
		case 5: op_close_channel(victim, &in); break;
		case 6:
			if (fuzz_input_byte(&in, &arg))
				advance(victim, peer, arg % 32);
			break;
		case 7: rtc_dtls_close(peer->dtls); break;
		}
		settle(victim, peer);
	}
	pair_finish(p);
	opens_reset(false);
	return 0;
}
