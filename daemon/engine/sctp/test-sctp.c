/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two SCTP associations wired back to back in memory (no DTLS: the bytes
 * one emits are the bytes the other takes), on one fake clock. usrsctp's
 * timers are process-wide, so the clock only ever moves forward, across
 * all the cases here.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* Under AddressSanitizer malloc is ASan's: heap figures come from it. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_FROM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_FROM_ASAN 1
#endif
#endif
#ifdef HEAP_FROM_ASAN
#include <sanitizer/allocator_interface.h>
#endif

#include "check.h"
#include "engine/sctp/sctp.h"
#include "engine/sctp/sctp-private.h"   /* rtc_sctp_send_raw: a peer that misbehaves */
#include "fake-wallclock.h"

#define MS 1000000ull
#define KIB 1024u

static uint64_t now = 1000 * MS;

RTC_TEST_FAKE_WALLCLOCK(now)

struct message {
	uint16_t stream;
	bool binary;
	size_t len;
	uint8_t *data;
};

struct peer {
	struct rtc_sctp *sctp;
	unsigned count[RTC_SCTP_EVENT_ERROR + 1];
	uint16_t last_stream[RTC_SCTP_EVENT_ERROR + 1];
	struct rtc_sctp_channel_params opened;  /* the last CHANNEL_OPENED */
	char opened_label[64], opened_protocol[64];
	struct message *messages;
	size_t n_messages;
	unsigned closed_on[RTC_SCTP_MAX_STREAMS];
	char last_error[256];
};

struct wire {
	struct peer a, b;           /* a is the DTLS client */
	unsigned loss_percent;
	uint32_t rng;
	unsigned delivered, dropped;
};

static uint32_t next_random(struct wire *w)
{
	/* xorshift32: the same losses on every run. */
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

static void drain_events(struct peer *p)
{
	struct rtc_sctp_event ev;

	while (rtc_sctp_poll_event(p->sctp, &ev)) {
		p->count[ev.type]++;
		p->last_stream[ev.type] = ev.stream;
		switch (ev.type) {
		case RTC_SCTP_EVENT_CHANNEL_OPENED:
			p->opened = ev.params;
			snprintf(p->opened_label, sizeof(p->opened_label), "%s", ev.params.label);
			snprintf(p->opened_protocol, sizeof(p->opened_protocol), "%s",
				 ev.params.protocol);
			break;
		case RTC_SCTP_EVENT_MESSAGE: {
			struct message *m;

			p->messages = realloc(p->messages, (p->n_messages + 1) * sizeof(*m));
			m = &p->messages[p->n_messages++];
			m->stream = ev.stream;
			m->binary = ev.binary;
			m->len = ev.len;
			m->data = malloc(ev.len ? ev.len : 1);
			if (ev.len)
				memcpy(m->data, ev.data, ev.len);
			break;
		}
		case RTC_SCTP_EVENT_CHANNEL_CLOSED:
			p->closed_on[ev.stream]++;
			break;
		case RTC_SCTP_EVENT_ERROR:
			snprintf(p->last_error, sizeof(p->last_error), "%s", ev.error.message);
			printf("# event error on stream %u: %s\n", ev.stream, ev.error.message);
			break;
		default:
			break;
		}
	}
}

static void forget_messages(struct peer *p)
{
	for (size_t i = 0; i < p->n_messages; i++)
		free(p->messages[i].data);
	free(p->messages);
	p->messages = NULL;
	p->n_messages = 0;
}

/* Moves every packet across until both sides are quiet. */
static void pump(struct wire *w)
{
	bool moved;

	do {
		moved = false;
		for (int side = 0; side < 2; side++) {
			struct peer *from = side ? &w->b : &w->a, *to = side ? &w->a : &w->b;
			const uint8_t *data;
			size_t len;

			drain_events(from);
			while (rtc_sctp_poll_transmit(from->sctp, &data, &len)) {
				uint8_t copy[2048];

				moved = true;
				if (w->loss_percent && next_random(w) % 100 < w->loss_percent) {
					w->dropped++;
					continue;
				}
				CHECK(len <= sizeof(copy));
				if (len > sizeof(copy))
					continue;
				memcpy(copy, data, len);
				w->delivered++;
				rtc_sctp_handle_receive(to->sctp, now, copy, len);
			}
			drain_events(to);
		}
	} while (moved);
}

/* Runs the clock forward by ms, firing timers on the way. */
static void run_for(struct wire *w, uint64_t ms)
{
	uint64_t end = now + ms * MS;

	pump(w);
	while (now < end) {
		uint64_t da = rtc_sctp_deadline(w->a.sctp), db = rtc_sctp_deadline(w->b.sctp);
		uint64_t next = da < db ? da : db;

		CHECK(next > now);
		now = next < end ? next : end;
		rtc_sctp_handle_timeout(w->a.sctp, now);
		rtc_sctp_handle_timeout(w->b.sctp, now);
		pump(w);
	}
}

static void wire_up(struct wire *w, uint64_t remote_max)
{
	struct rtc_sctp_config ca = { .dtls_client = true, .remote_max_message_size = remote_max };
	struct rtc_sctp_config cb = { .dtls_client = false, .remote_max_message_size = remote_max };
	struct rtc_error err = { 0 };

	memset(w, 0, sizeof(*w));
	w->rng = 0x5eed1234;
	w->a.sctp = rtc_sctp_new(&ca, now, &err);
	w->b.sctp = rtc_sctp_new(&cb, now, &err);
	CHECK(w->a.sctp && w->b.sctp);
	run_for(w, 100);
	CHECK_INTEQ(w->a.count[RTC_SCTP_EVENT_ASSOCIATION_UP], 1);
	CHECK_INTEQ(w->b.count[RTC_SCTP_EVENT_ASSOCIATION_UP], 1);
	CHECK(rtc_sctp_is_up(w->a.sctp) && rtc_sctp_is_up(w->b.sctp));
}

static void wire_down(struct wire *w)
{
	rtc_sctp_free(w->a.sctp);
	rtc_sctp_free(w->b.sctp);
	forget_messages(&w->a);
	forget_messages(&w->b);
}

static const struct rtc_sctp_channel_params reliable = { .label = "chat", .ordered = true };

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + seed);
}

static void test_connect_both_sides(void)
{
	struct wire w;

	wire_up(&w, 0);
	CHECK(rtc_sctp_deadline(w.a.sctp) > now);
	wire_down(&w);
}

static void test_inband_open_and_sizes(void)
{
	static const size_t sizes[] = { 0, 1, 2, 1199, 1200, 4096, 65535, 65536, 100000,
					256 * KIB };
	struct rtc_sctp_channel_params params = { .label = "chat", .protocol = "x-chat",
						  .ordered = true };
	struct rtc_error err = { 0 };
	struct wire w;
	uint8_t *buf = malloc(256 * KIB);
	int id;

	wire_up(&w, 0);
	id = rtc_sctp_open_channel(w.a.sctp, now, RTC_SCTP_AUTO_STREAM, &params, &err);
	CHECK_INTEQ(id, 0);   /* the DTLS client takes even ids */
	run_for(&w, 50);
	CHECK_INTEQ(w.b.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 1);
	CHECK_INTEQ(w.b.last_stream[RTC_SCTP_EVENT_CHANNEL_OPENED], 0);
	CHECK_STREQ(w.b.opened_label, "chat");
	CHECK_STREQ(w.b.opened_protocol, "x-chat");
	CHECK(w.b.opened.ordered);
	CHECK_INTEQ(w.b.opened.reliability, RTC_DCEP_RELIABLE);
	CHECK_INTEQ(w.b.opened.priority, RTC_DCEP_PRIORITY_NORMAL);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_ACKED], 1);

	/* Every size, text then binary, each way. */
	for (int dir = 0; dir < 2; dir++) {
		struct peer *from = dir ? &w.b : &w.a, *to = dir ? &w.a : &w.b;

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (int binary = 0; binary < 2; binary++) {
				fill(buf, sizes[i], (unsigned)(i * 2 + binary));
				CHECK_INTEQ(rtc_sctp_send(from->sctp, now, 0, binary, buf, sizes[i],
							  &err), 0);
			}
		run_for(&w, 500);
		CHECK_INTEQ(to->n_messages, 2 * sizeof(sizes) / sizeof(sizes[0]));
		for (size_t k = 0; k < to->n_messages; k++) {
			size_t i = k / 2;
			struct message *m = &to->messages[k];

			fill(buf, sizes[i], (unsigned)k);
			CHECK_INTEQ(m->stream, 0);
			CHECK_INTEQ(m->binary, (int)(k % 2));
			CHECK_INTEQ(m->len, sizes[i]);
			CHECK(m->len == sizes[i] && memcmp(m->data, buf, m->len) == 0);
		}
		CHECK_INTEQ(rtc_sctp_buffered_amount(from->sctp, 0), 0);
	}
	free(buf);
	wire_down(&w);
}

static void test_server_opens_unordered(void)
{
	struct rtc_sctp_channel_params params = {
		.label = "game", .ordered = false,
		.reliability = RTC_DCEP_PARTIAL_RELIABLE_REXMIT, .reliability_param = 0,
	};
	struct rtc_error err = { 0 };
	struct wire w;
	int id;

	wire_up(&w, 0);
	id = rtc_sctp_open_channel(w.b.sctp, now, RTC_SCTP_AUTO_STREAM, &params, &err);
	CHECK_INTEQ(id, 1);   /* the DTLS server takes odd ids */
	/* Data may follow the OPEN at once; it goes ordered until the ACK. */
	CHECK_INTEQ(rtc_sctp_send(w.b.sctp, now, 1, false, (const uint8_t *)"early", 5, &err), 0);
	run_for(&w, 50);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 1);
	CHECK(!w.a.opened.ordered);
	CHECK_INTEQ(w.a.opened.reliability, RTC_DCEP_PARTIAL_RELIABLE_REXMIT);
	CHECK_INTEQ(w.a.n_messages, 1);
	CHECK(w.a.n_messages == 1 && memcmp(w.a.messages[0].data, "early", 5) == 0);
	CHECK_INTEQ(w.b.count[RTC_SCTP_EVENT_CHANNEL_ACKED], 1);
	for (unsigned i = 0; i < 20; i++) {
		uint8_t b[100];

		fill(b, sizeof(b), i);
		CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 1, true, b, sizeof(b), &err), 0);
	}
	run_for(&w, 100);
	CHECK_INTEQ(w.b.n_messages, 20);
	wire_down(&w);
}

static void test_negotiated(void)
{
	struct rtc_sctp_channel_params params = { .label = "n", .ordered = true, .negotiated = true };
	struct rtc_error err = { 0 };
	struct wire w;

	wire_up(&w, 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, 7, &params, &err), 7);
	CHECK_INTEQ(rtc_sctp_open_channel(w.b.sctp, now, 7, &params, &err), 7);
	CHECK_INTEQ(rtc_sctp_open_channel(w.b.sctp, now, 7, &params, &err), -1);
	CHECK(strstr(err.message, "in use") != NULL);
	CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 7, false, (const uint8_t *)"hi", 2, &err), 0);
	CHECK_INTEQ(rtc_sctp_send(w.b.sctp, now, 7, true, (const uint8_t *)"yo", 2, &err), 0);
	run_for(&w, 50);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 0);
	CHECK_INTEQ(w.b.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 0);
	CHECK_INTEQ(w.b.n_messages, 1);
	CHECK_INTEQ(w.a.n_messages, 1);
	CHECK(w.a.n_messages == 1 && w.a.messages[0].binary && w.a.messages[0].stream == 7);
	/* An id past the association's streams is refused. */
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, RTC_SCTP_MAX_STREAMS, &params, &err), -1);
	CHECK(strstr(err.message, "beyond") != NULL);
	wire_down(&w);
}

static void close_and_check(struct wire *w, struct peer *closer, struct peer *other,
			    uint16_t stream)
{
	struct rtc_error err = { 0 };
	unsigned closer_closing = closer->count[RTC_SCTP_EVENT_CHANNEL_CLOSING];
	unsigned other_closing = other->count[RTC_SCTP_EVENT_CHANNEL_CLOSING];

	CHECK_INTEQ(rtc_sctp_close_channel(closer->sctp, now, stream, &err), 0);
	CHECK_INTEQ(rtc_sctp_send(closer->sctp, now, stream, false, (const uint8_t *)"x", 1, &err),
		    -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	run_for(w, 100);
	/* The other side sees the reset (closing), then both see closed. */
	CHECK_INTEQ(other->count[RTC_SCTP_EVENT_CHANNEL_CLOSING], other_closing + 1);
	CHECK_INTEQ(other->last_stream[RTC_SCTP_EVENT_CHANNEL_CLOSING], stream);
	CHECK_INTEQ(other->closed_on[stream], 1);
	CHECK_INTEQ(closer->closed_on[stream], 1);
	CHECK_INTEQ(closer->count[RTC_SCTP_EVENT_CHANNEL_CLOSING], closer_closing);
}

static void test_close_from_either_side(void)
{
	struct rtc_error err = { 0 };
	struct wire w;

	wire_up(&w, 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, RTC_SCTP_AUTO_STREAM, &reliable, &err), 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w.b.sctp, now, RTC_SCTP_AUTO_STREAM, &reliable, &err), 1);
	/* Queued data goes out before the reset. */
	CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 0, false, (const uint8_t *)"bye", 3, &err), 0);
	close_and_check(&w, &w.a, &w.b, 0);
	CHECK_INTEQ(w.b.n_messages, 1);
	close_and_check(&w, &w.b, &w.a, 1);
	/* Both ids are free again, and the streams work after the reset. */
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, RTC_SCTP_AUTO_STREAM, &reliable, &err), 0);
	CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 0, false, (const uint8_t *)"again", 5, &err), 0);
	run_for(&w, 50);
	CHECK_INTEQ(w.b.n_messages, 2);
	CHECK(w.b.n_messages == 2 && w.b.messages[1].len == 5);
	wire_down(&w);
}

static void test_hundred_channels(void)
{
	struct rtc_error err = { 0 };
	struct wire w;

	wire_up(&w, 0);
	for (int i = 0; i < 50; i++) {
		CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, RTC_SCTP_AUTO_STREAM, &reliable,
						  &err), 2 * i);
		CHECK_INTEQ(rtc_sctp_open_channel(w.b.sctp, now, RTC_SCTP_AUTO_STREAM, &reliable,
						  &err), 2 * i + 1);
	}
	run_for(&w, 50);
	for (uint16_t s = 0; s < 100; s++) {
		CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, s, false, (const uint8_t *)&s, 2, &err), 0);
		CHECK_INTEQ(rtc_sctp_send(w.b.sctp, now, s, true, (const uint8_t *)&s, 2, &err), 0);
	}
	run_for(&w, 200);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_ACKED], 50);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 50);
	CHECK_INTEQ(w.b.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 50);
	CHECK_INTEQ(w.a.n_messages, 100);
	CHECK_INTEQ(w.b.n_messages, 100);
	/* Every message arrived on the stream it names. */
	for (size_t i = 0; i < w.b.n_messages; i++) {
		uint16_t s;

		memcpy(&s, w.b.messages[i].data, 2);
		CHECK_INTEQ(s, w.b.messages[i].stream);
	}
	/* Close them all at once, half from each side. */
	for (uint16_t s = 0; s < 100; s++)
		CHECK_INTEQ(rtc_sctp_close_channel(s % 4 < 2 ? w.a.sctp : w.b.sctp, now, s, &err), 0);
	run_for(&w, 1000);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_CLOSED], 100);
	CHECK_INTEQ(w.b.count[RTC_SCTP_EVENT_CHANNEL_CLOSED], 100);
	wire_down(&w);
}

static void test_loss(void)
{
	struct rtc_sctp_channel_params lossy = {
		.label = "lossy", .ordered = false,
		.reliability = RTC_DCEP_PARTIAL_RELIABLE_REXMIT, .reliability_param = 0,
	};
	enum { N = 300, SIZE = 1000 };
	struct rtc_error err = { 0 };
	unsigned reliable_got = 0, lossy_got = 0;
	bool in_order = true;
	struct wire w;

	wire_up(&w, 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, 0, &reliable, &err), 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, 2, &lossy, &err), 2);
	run_for(&w, 50);
	w.loss_percent = 10;
	for (unsigned i = 0; i < N; i++) {
		uint8_t b[SIZE];

		memset(b, 0, sizeof(b));
		memcpy(b, &i, sizeof(i));
		CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 0, true, b, sizeof(b), &err), 0);
		CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 2, true, b, sizeof(b), &err), 0);
		/* Spread over time, as an application would send. */
		run_for(&w, 5);
	}
	run_for(&w, 30000);
	for (size_t k = 0; k < w.b.n_messages; k++) {
		struct message *m = &w.b.messages[k];
		unsigned seq;

		memcpy(&seq, m->data, sizeof(seq));
		if (m->stream == 0) {
			if (seq != reliable_got)
				in_order = false;
			reliable_got++;
		} else {
			lossy_got++;
		}
	}
	printf("# 10%% loss: %u packets dropped of %u; reliable %u/%u, max-retransmits 0 %u/%u\n",
	       w.dropped, w.dropped + w.delivered, reliable_got, N, lossy_got, N);
	CHECK(w.dropped > 0);
	CHECK_INTEQ(reliable_got, N);
	CHECK(in_order);
	CHECK(lossy_got > 0);
	CHECK(lossy_got < N);
	wire_down(&w);
}

static void test_message_size_limits(void)
{
	struct rtc_error err = { 0 };
	uint8_t *big = calloc(1, 256 * KIB + 1);
	struct wire w;

	wire_up(&w, 65536);
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, 0, &reliable, &err), 0);
	CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 0, true, big, 65536, &err), 0);
	CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 0, true, big, 65537, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK(strstr(err.message, "max-message-size of 65536") != NULL);
	wire_down(&w);

	wire_up(&w, 0);   /* the peer takes anything: ours still holds */
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, 0, &reliable, &err), 0);
	CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 0, true, big, 256 * KIB + 1, &err), -1);
	CHECK(strstr(err.message, "max-message-size of 262144") != NULL);
	CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 5, true, big, 1, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	free(big);
	wire_down(&w);
}

static void test_buffered_amount_low(void)
{
	struct rtc_error err = { 0 };
	uint8_t *chunk = calloc(1, 256 * KIB);
	unsigned low;
	struct wire w;

	wire_up(&w, 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, 0, &reliable, &err), 0);
	run_for(&w, 50);
	CHECK_INTEQ(rtc_sctp_set_buffered_amount_low_threshold(w.a.sctp, 0, 64 * KIB), 0);
	for (int i = 0; i < 16; i++)
		CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 0, true, chunk, 256 * KIB, &err), 0);
	/* 4 MiB is more than usrsctp's send buffer: the rest waits with us. */
	CHECK(rtc_sctp_buffered_amount(w.a.sctp, 0) > 64 * KIB);
	/* The first messages went straight into usrsctp's buffer, each one
	 * down to 0 at once (W3C fires then too); count from here. */
	drain_events(&w.a);
	low = w.a.count[RTC_SCTP_EVENT_BUFFERED_AMOUNT_LOW];
	run_for(&w, 5000);
	CHECK_INTEQ(rtc_sctp_buffered_amount(w.a.sctp, 0), 0);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_BUFFERED_AMOUNT_LOW], low + 1);
	CHECK_INTEQ(w.b.n_messages, 16);
	free(chunk);
	wire_down(&w);
}

static const struct rtc_sctp_channel_params unreliable_rt = { .label = "rt", .ordered = false,
	.reliability = RTC_DCEP_PARTIAL_RELIABLE_REXMIT, .reliability_param = 0 };

/* A reliable channel on stream 0 and an unreliable one on stream 2, open,
 * with a backlog of 16 x 256 KiB queued on the reliable one (more than
 * usrsctp's send buffer: most of it waits with us). */
static void bulk_beside_unreliable(struct wire *w, const uint8_t *chunk)
{
	struct rtc_error err = { 0 };

	wire_up(w, 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w->a.sctp, now, 0, &reliable, &err), 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w->a.sctp, now, 2, &unreliable_rt, &err), 2);
	run_for(w, 50);
	forget_messages(&w->b);
	for (int i = 0; i < 16; i++)
		CHECK_INTEQ(rtc_sctp_send(w->a.sctp, now, 0, true, chunk, 256 * KIB, &err), 0);
}

/* A backlog on one channel does not hold another's messages behind it:
 * 4 MiB queued on a reliable channel (more than usrsctp's send buffer,
 * so most of it waits with us), then one message on an unreliable one.
 * Streams take turns, so it arrives long before the backlog is through
 * (first come, first served, it would be the 17th and last). */
static void test_channels_take_turns(void)
{
	struct rtc_error err = { 0 };
	uint8_t *chunk = calloc(1, 256 * KIB);
	size_t at = SIZE_MAX;
	struct wire w;

	bulk_beside_unreliable(&w, chunk);
	CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 2, false, (const uint8_t *)"now", 3, &err), 0);
	run_for(&w, 5000);
	CHECK_INTEQ(w.b.n_messages, 17);
	for (size_t i = 0; i < w.b.n_messages; i++)
		if (w.b.messages[i].stream == 2)
			at = i;
	printf("# the unreliable message arrived as number %zu of 17\n", at + 1);
	CHECK(at < 8);
	free(chunk);
	wire_down(&w);
}

/* Streams share by bytes, not by messages: 64 small messages queued beside
 * a bulk backlog of 256 KiB messages all pass within the first few of
 * those (taking turns by message, one small message would go per bulk
 * message: the last after the whole backlog). */
static void test_channels_share_by_bytes(void)
{
	struct rtc_error err = { 0 };
	uint8_t *chunk = calloc(1, 256 * KIB);
	size_t bulk_before_last = 0, bulk = 0, small = 0;
	struct wire w;

	bulk_beside_unreliable(&w, chunk);
	for (int i = 0; i < 64; i++)
		CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 2, true, chunk, KIB, &err), 0);
	run_for(&w, 5000);
	CHECK_INTEQ(w.b.n_messages, 16 + 64);
	for (size_t i = 0; i < w.b.n_messages; i++) {
		if (w.b.messages[i].stream == 0) {
			bulk++;
		} else if (++small == 64) {
			bulk_before_last = bulk;
		}
	}
	printf("# the last of 64 small messages arrived after %zu of 16 bulk ones\n",
	       bulk_before_last);
	CHECK(bulk_before_last <= 4);
	free(chunk);
	wire_down(&w);
}

/* A held receiver: what arrives stays in usrsctp, the window closes and the
 * sender keeps the rest (its buffered amount stays up); released, every
 * message arrives, whole and in order. Nothing is dropped. */
static void test_receive_held(void)
{
	struct rtc_error err = { 0 };
	uint8_t *chunk = malloc(256 * KIB);
	size_t received = 0, held_count;
	bool intact = true;
	struct wire w;

	wire_up(&w, 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, 0, &reliable, &err), 0);
	run_for(&w, 50);
	forget_messages(&w.b);
	rtc_sctp_hold_receiving(w.b.sctp, now, true);
	CHECK(rtc_sctp_receiving_held(w.b.sctp));
	for (int i = 0; i < 16; i++) {
		memset(chunk, 'a' + i, 256 * KIB);
		CHECK_INTEQ(rtc_sctp_send(w.a.sctp, now, 0, true, chunk, 256 * KIB, &err), 0);
	}
	run_for(&w, 5000);
	held_count = w.b.n_messages;
	printf("# held: %zu of 16 messages read, %llu bytes still with the sender\n",
	       held_count, (unsigned long long)rtc_sctp_buffered_amount(w.a.sctp, 0));
	CHECK_INTEQ(held_count, 0);
	/* 4 MiB sent, usrsctp's buffers on both sides hold 2 MiB: the rest waits. */
	CHECK(rtc_sctp_buffered_amount(w.a.sctp, 0) >= 1024 * KIB);
	CHECK(rtc_sctp_is_up(w.a.sctp) && rtc_sctp_is_up(w.b.sctp));

	rtc_sctp_hold_receiving(w.b.sctp, now, false);
	run_for(&w, 5000);
	CHECK_INTEQ(w.b.n_messages, 16);
	for (size_t i = 0; i < w.b.n_messages; i++) {
		const struct message *m = &w.b.messages[i];

		received += m->len;
		for (size_t k = 0; k < m->len; k++)
			if (m->data[k] != 'a' + i)
				intact = false;
	}
	CHECK_INTEQ(received, 16 * 256 * KIB);
	CHECK(intact);
	CHECK_INTEQ(rtc_sctp_buffered_amount(w.a.sctp, 0), 0);
	free(chunk);
	wire_down(&w);
}

static void test_bad_params(void)
{
	struct rtc_sctp_channel_params p = { .label = "x", .ordered = true,
					     .reliability = RTC_DCEP_RELIABLE,
					     .reliability_param = 3 };
	struct rtc_error err = { 0 };
	struct wire w;

	wire_up(&w, 0);
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, RTC_SCTP_AUTO_STREAM, &p, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	p.reliability_param = 0;
	p.label = "\xff";
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, RTC_SCTP_AUTO_STREAM, &p, &err), -1);
	CHECK(strstr(err.message, "UTF-8") != NULL);
	CHECK_INTEQ(rtc_sctp_close_channel(w.a.sctp, now, 4, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_FOUND);
	wire_down(&w);
}

/* What a broken or hostile peer sends reaches the application as errors. */
static void test_peer_misbehaves(void)
{
	static const uint8_t truncated_open[] = { 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
						  0x00, 0x09, 0x00, 0x00, 'a' };
	static const uint8_t good_open[] = { 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
					     0x00, 0x02, 0x00, 0x00, 'o', 'k' };
	struct rtc_sctp_channel_params n = { .ordered = true, .negotiated = true };
	struct rtc_error err = { 0 };
	struct wire w;

	wire_up(&w, 0);
	/* Channels only B knows of: A has nothing on these streams. */
	CHECK_INTEQ(rtc_sctp_open_channel(w.b.sctp, now, 3, &n, &err), 3);
	CHECK_INTEQ(rtc_sctp_open_channel(w.b.sctp, now, 5, &n, &err), 5);
	CHECK_INTEQ(rtc_sctp_send_raw(w.b.sctp, now, 3, RTC_SCTP_PPID_DCEP, truncated_open,
				      sizeof(truncated_open), &err), 0);
	run_for(&w, 20);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_ERROR], 1);
	CHECK(strstr(w.a.last_error, "stream 3: DATA_CHANNEL_OPEN is 13 bytes") != NULL);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 0);
	CHECK_INTEQ(rtc_sctp_send_raw(w.b.sctp, now, 3, 52, (const uint8_t *)"old", 3, &err), 0);
	run_for(&w, 20);
	CHECK(strstr(w.a.last_error, "PPID 52") != NULL);
	CHECK_INTEQ(rtc_sctp_send(w.b.sctp, now, 5, false, (const uint8_t *)"who", 3, &err), 0);
	run_for(&w, 20);
	CHECK(strstr(w.a.last_error, "stream 5, which has no open channel") != NULL);
	CHECK_INTEQ(w.a.n_messages, 0);
	/* A well-formed OPEN on a free stream works, and is acknowledged. */
	CHECK_INTEQ(rtc_sctp_send_raw(w.b.sctp, now, 5, RTC_SCTP_PPID_DCEP, good_open,
				      sizeof(good_open), &err), 0);
	run_for(&w, 20);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 1);
	CHECK_STREQ(w.a.opened_label, "ok");
	/* A second OPEN on a stream in use is refused. */
	CHECK_INTEQ(rtc_sctp_send_raw(w.b.sctp, now, 5, RTC_SCTP_PPID_DCEP, good_open,
				      sizeof(good_open), &err), 0);
	run_for(&w, 20);
	CHECK(strstr(w.a.last_error, "stream 5, which is in use") != NULL);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 1);
	CHECK_INTEQ(w.a.count[RTC_SCTP_EVENT_ERROR], 4);
	wire_down(&w);
}

static void count_wake(void *user)
{
	(*(unsigned *)user)++;
}

/* usrsctp's timers are shared: A's retransmission fires during a call on B,
 * and A's owner hears of it through the wake callback, not by luck. */
static void test_wake_from_another_call(void)
{
	struct rtc_sctp_config ca = { .dtls_client = true, .wake = count_wake };
	struct rtc_sctp_config cb = { .dtls_client = false };
	struct rtc_error err = { 0 };
	unsigned wakes = 0;
	const uint8_t *data;
	size_t len;
	struct wire w;

	wire_up(&w, 0);
	rtc_sctp_free(w.a.sctp);
	rtc_sctp_free(w.b.sctp);
	ca.user = &wakes;
	w.a.sctp = rtc_sctp_new(&ca, now, &err);
	w.b.sctp = rtc_sctp_new(&cb, now, &err);
	run_for(&w, 100);
	CHECK(rtc_sctp_is_up(w.a.sctp));
	CHECK_INTEQ(rtc_sctp_open_channel(w.a.sctp, now, 0, &reliable, &err), 0);
	CHECK_INTEQ(wakes, 0);   /* never for work done in a call on A itself */
	/* The OPEN is lost; only B is driven from now on. */
	while (rtc_sctp_poll_transmit(w.a.sctp, &data, &len))
		;
	for (int i = 0; i < 300 && !wakes; i++) {
		now += 10 * MS;
		rtc_sctp_handle_timeout(w.b.sctp, now);
	}
	CHECK(wakes > 0);
	/* A's owner drains it: the retransmission reaches B. */
	if (rtc_sctp_poll_transmit(w.a.sctp, &data, &len)) {
		uint8_t copy[2048];

		CHECK(len <= sizeof(copy));
		memcpy(copy, data, len < sizeof(copy) ? len : sizeof(copy));
		rtc_sctp_handle_receive(w.b.sctp, now, copy, len < sizeof(copy) ? len : sizeof(copy));
	} else {
		CHECK(0);
	}
	run_for(&w, 50);
	CHECK_INTEQ(w.b.count[RTC_SCTP_EVENT_CHANNEL_OPENED], 1);
	wire_down(&w);
}

/* Bytes the program holds on the heap now. Under AddressSanitizer malloc is
 * ASan's, which glibc's mallinfo2 does not see: ask ASan instead. */
#ifdef HEAP_FROM_ASAN
static size_t heap_in_use(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}
#endif

/* sctp.h's budget: an idle association with one open channel holds about
 * 34 KiB of heap with RTC_SCTP_MAX_STREAMS (256) streams each way, within
 * the 128 KiB a whole peer connection may cost. Asserted with room for
 * allocator rounding, low enough that 1024 streams (112 KiB) would fail. */
#define ASSOCIATION_HEAP_BOUND (64 * KIB)

static void test_memory_per_association(void)
{
	enum { PAIRS = 50 };
	struct wire *wires = calloc(PAIRS, sizeof(*wires));
	struct rtc_error err = { 0 };
	size_t before, after, each;

	/* One pair first, so the stack's own start-up is not counted. */
	wire_up(&wires[0], 0);
	wire_down(&wires[0]);
	before = heap_in_use();
	for (int i = 0; i < PAIRS; i++) {
		wire_up(&wires[i], 0);
		CHECK_INTEQ(rtc_sctp_open_channel(wires[i].a.sctp, now, 0, &reliable, &err), 0);
		CHECK_INTEQ(rtc_sctp_send(wires[i].a.sctp, now, 0, false, (const uint8_t *)"x", 1,
					  &err), 0);
		run_for(&wires[i], 20);
		CHECK(rtc_sctp_is_up(wires[i].a.sctp) && rtc_sctp_is_up(wires[i].b.sctp));
	}
	after = heap_in_use();
	each = after > before ? (after - before) / (2 * PAIRS) : 0;
	printf("# %d idle associations with one open channel: heap +%zu KiB, %zu KiB each "
	       "(bound %u KiB)\n", 2 * PAIRS, (after - before) / KIB, each / KIB,
	       ASSOCIATION_HEAP_BOUND / KIB);
	/* Nothing measured would pass any bound: the associations must show. */
	CHECK(each > 4 * KIB);
	CHECK(each <= ASSOCIATION_HEAP_BOUND);
	for (int i = 0; i < PAIRS; i++)
		wire_down(&wires[i]);
	free(wires);
}

int main(void)
{
	/* First, while the heap is fresh: freed memory would hide the cost. */
	RUN(test_memory_per_association);
	RUN(test_connect_both_sides);
	RUN(test_inband_open_and_sizes);
	RUN(test_server_opens_unordered);
	RUN(test_negotiated);
	RUN(test_close_from_either_side);
	RUN(test_hundred_channels);
	RUN(test_loss);
	RUN(test_message_size_limits);
	RUN(test_buffered_amount_low);
	RUN(test_channels_take_turns);
	RUN(test_channels_share_by_bytes);
	RUN(test_receive_held);
	RUN(test_bad_params);
	RUN(test_peer_misbehaves);
	RUN(test_wake_from_another_call);
	return rtc_test_done();
}
