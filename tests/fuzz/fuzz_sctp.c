/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Arbitrary bytes into the association, as DTLS would hand them over.
 * usrsctp's packet parser is fuzzed upstream; this target is about our glue
 * around it: what a live peer can make usrsctp deliver (DCEP messages of
 * any shape, any PPID, partial and oversized messages, stream resets) and
 * what we do with it, interleaved with our own API calls and time.
 *
 * So each input is a script run against a real, connected pair: the victim
 * (DTLS client) and a peer we steer. Ops, one byte each, then arguments:
 *   0 len16 bytes     raw packet into the victim; ports, verification tag and
 *                     checksum are patched from the peer's last packet so
 *                     that usrsctp looks past them
 *   1 stream ppid len16 bytes   the peer sends those bytes with that PPID
 *   2 stream flags    the victim opens a channel
 *   3 stream len16    the victim sends a message
 *   4 stream          the victim closes a channel; 5 stream: the peer does
 *   6 ticks           time passes (ticks x 10 ms)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <usrsctp.h>

#include "engine/sctp/sctp.h"
#include "engine/sctp/sctp-private.h"
#include "fake-wallclock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS 1000000ull
#define STREAMS 8u   /* a few streams, so that ops meet on the same ones */

/* usrsctp's timers are process-wide: one clock, forward only, across inputs. */
static uint64_t now = 1000 * MS;

RTC_TEST_FAKE_WALLCLOCK(now)

struct script {
	const uint8_t *p;
	size_t left;
};

static bool take(struct script *s, void *out, size_t n)
{
	if (s->left < n)
		return false;
	memcpy(out, s->p, n);
	s->p += n;
	s->left -= n;
	return true;
}

static uint16_t take_u16(struct script *s)
{
	uint8_t b[2] = { 0, 0 };

	take(s, b, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}

struct pair {
	struct rtc_sctp *victim, *peer;
	uint8_t peer_header[8];   /* ports and verification tag the victim expects */
	bool have_header;
};

static void drain_events(struct rtc_sctp *sctp)
{
	struct rtc_sctp_event ev;

	while (rtc_sctp_poll_event(sctp, &ev)) {
		/* Touch what an event hands out, so ASan sees bad lifetimes. */
		if (ev.type == RTC_SCTP_EVENT_MESSAGE && ev.len) {
			volatile uint8_t sink = ev.data[0] ^ ev.data[ev.len - 1];
			(void)sink;
		}
		if (ev.type == RTC_SCTP_EVENT_CHANNEL_OPENED &&
		    (strlen(ev.params.label) > UINT16_MAX || strlen(ev.params.protocol) > UINT16_MAX))
			abort();
	}
}

static void pump(struct pair *pr)
{
	bool moved;
	int rounds = 0;

	do {
		const uint8_t *d;
		size_t len;

		moved = false;
		while (rtc_sctp_poll_transmit(pr->peer, &d, &len)) {
			uint8_t copy[2048];

			if (len > sizeof(copy))
				abort();   /* larger than the path MTU we set */
			memcpy(copy, d, len);
			if (len >= 8) {
				memcpy(pr->peer_header, copy, 8);
				pr->have_header = true;
			}
			rtc_sctp_handle_receive(pr->victim, now, copy, len);
			moved = true;
		}
		while (rtc_sctp_poll_transmit(pr->victim, &d, &len)) {
			uint8_t copy[2048];

			if (len > sizeof(copy))
				abort();
			memcpy(copy, d, len);
			rtc_sctp_handle_receive(pr->peer, now, copy, len);
			moved = true;
		}
		drain_events(pr->victim);
		drain_events(pr->peer);
	} while (moved && ++rounds < 1000);
}

static void tick(struct pair *pr, unsigned ticks)
{
	for (unsigned i = 0; i < ticks; i++) {
		now += 10 * MS;
		rtc_sctp_handle_timeout(pr->victim, now);
		rtc_sctp_handle_timeout(pr->peer, now);
		pump(pr);
	}
}

static void raw_packet(struct pair *pr, struct script *s)
{
	uint16_t len = take_u16(s);
	uint8_t pkt[2048];
	uint32_t crc;

	if (len > sizeof(pkt) || len > s->left)
		len = (uint16_t)(s->left < sizeof(pkt) ? s->left : sizeof(pkt));
	take(s, pkt, len);
	if (len >= 12 && pr->have_header) {
		memcpy(pkt, pr->peer_header, 8);
		memset(pkt + 8, 0, 4);
		crc = usrsctp_crc32c(pkt, len);
		memcpy(pkt + 8, &crc, 4);
	}
	rtc_sctp_handle_receive(pr->victim, now, pkt, len);
	pump(pr);
}

static void peer_sends(struct pair *pr, struct script *s)
{
	static const uint32_t ppids[] = { 50, 51, 53, 56, 57, 52, 54, 0 };
	struct rtc_sctp_channel_params negotiated = { .ordered = true, .negotiated = true };
	uint8_t stream = 0, which = 0;
	uint16_t len;
	struct rtc_error err;
	uint8_t *buf;

	take(s, &stream, 1);
	take(s, &which, 1);
	len = take_u16(s);
	if (len > s->left)
		len = (uint16_t)s->left;
	stream %= STREAMS;
	/* The peer needs a channel on the stream; the victim is not told. */
	rtc_sctp_open_channel(pr->peer, now, stream, &negotiated, &err);
	buf = malloc(len ? len : 1);
	if (!buf)
		return;
	take(s, buf, len);
	rtc_sctp_send_raw(pr->peer, now, stream, ppids[which % 8], buf, len ? len : 1, &err);
	free(buf);
	pump(pr);
}

static void victim_opens(struct pair *pr, struct script *s)
{
	uint8_t stream = 0, flags = 0;
	struct rtc_sctp_channel_params p = { .label = "fuzz", .protocol = "" };
	struct rtc_error err;

	take(s, &stream, 1);
	take(s, &flags, 1);
	p.ordered = flags & 1;
	p.negotiated = flags & 2;
	p.reliability = (enum rtc_dcep_reliability)((flags >> 2) % 3);
	p.reliability_param = p.reliability == RTC_DCEP_RELIABLE ? 0 : flags >> 4;
	rtc_sctp_open_channel(pr->victim, now, flags & 0x80 ? RTC_SCTP_AUTO_STREAM : stream % STREAMS,
			      &p, &err);
	pump(pr);
}

static void victim_sends(struct pair *pr, struct script *s)
{
	static uint8_t payload[64 * 1024];
	uint8_t stream = 0;
	uint16_t len;
	struct rtc_error err;

	take(s, &stream, 1);
	len = take_u16(s);
	rtc_sctp_send(pr->victim, now, stream % STREAMS, len & 1, payload, len, &err);
	pump(pr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_sctp_config client = { .dtls_client = true, .remote_max_message_size = 65536 };
	struct rtc_sctp_config server = { .dtls_client = false };
	struct script s = { data, size };
	struct pair pr = { 0 };
	struct rtc_error err;
	uint8_t op, arg;

	pr.victim = rtc_sctp_new(&client, now, &err);
	pr.peer = rtc_sctp_new(&server, now, &err);
	if (!pr.victim || !pr.peer)
		abort();
	pump(&pr);
	while (take(&s, &op, 1)) {
		switch (op % 7) {
		case 0: raw_packet(&pr, &s); break;
		case 1: peer_sends(&pr, &s); break;
		case 2: victim_opens(&pr, &s); break;
		case 3: victim_sends(&pr, &s); break;
		case 4:
			if (take(&s, &arg, 1))
				rtc_sctp_close_channel(pr.victim, now, arg % STREAMS, &err);
			pump(&pr);
			break;
		case 5:
			if (take(&s, &arg, 1))
				rtc_sctp_close_channel(pr.peer, now, arg % STREAMS, &err);
			pump(&pr);
			break;
		case 6:
			if (take(&s, &arg, 1))
				tick(&pr, arg % 32);
			break;
		}
	}
	rtc_sctp_free(pr.victim);
	rtc_sctp_free(pr.peer);
	return 0;
}
