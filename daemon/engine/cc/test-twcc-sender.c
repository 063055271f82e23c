/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The send-side history of transport-wide feedback: numbering across the
 * 16-bit wrap, feedback matched to what was sent (arrival times from the
 * reference time and deltas, through the RTCP writer and parser), the
 * reference time's wrap, repeated and reordered feedback, a loss later
 * reported received, numbers never sent or forgotten; and a peer whose
 * feedback is noise (reference times leaping, deltas at their extremes)
 * fed through to gcc, for the sanitizers.
 */
#include <string.h>

#include "check.h"
#include "engine/cc/gcc.h"
#include "engine/cc/twcc-sender.h"

#define MS 1000000ull
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct rtc_twcc_sender tx;
static struct rtc_cc_packet_result results[4096];

static struct rtc_rtcp_twcc feedback(uint16_t base, uint16_t count, int32_t ref, uint8_t fb_count,
				     struct rtc_rtcp_twcc_packet *received, size_t n)
{
	return (struct rtc_rtcp_twcc){
		.sender_ssrc = 1,
		.media_ssrc = 2,
		.base_seq = base,
		.status_count = count,
		.reference_time = ref,
		.fb_count = fb_count,
		.received_count = n,
		.received = received,
	};
}

static size_t handle(const struct rtc_rtcp_twcc *fb)
{
	struct rtc_error err = { 0 };
	size_t n = 99;

	CHECK_INTEQ(rtc_twcc_sender_handle_feedback(&tx, fb, results, LEN(results), &n, &err), 0);
	return n;
}

static void test_numbers_wrap(void)
{
	rtc_twcc_sender_init(&tx);
	for (uint32_t i = 0; i < 70000; i++)
		CHECK_INTEQ(rtc_twcc_sender_on_send(&tx, i * MS, 100, RTC_CC_NO_CLUSTER, false),
			    (uint16_t)i);
	CHECK_INTEQ(tx.next_seq, 70000);
}

static void test_match(void)
{
	/* Sent 0..5 every 10 ms; 0, 1, 3, 5 arrive 40 ms later, 2 and 4 lost. */
	struct rtc_rtcp_twcc_packet rx[] = {
		{ .seq = 0, .delta = 40 * 4 },   /* 40 ms after the reference time */
		{ .seq = 1, .delta = 10 * 4 },
		{ .seq = 3, .delta = 20 * 4 },
		{ .seq = 5, .delta = 20 * 4 },
	};
	struct rtc_rtcp_twcc fb = feedback(0, 6, 100, 0, rx, LEN(rx));
	size_t n;

	rtc_twcc_sender_init(&tx);
	for (unsigned i = 0; i < 6; i++)
		rtc_twcc_sender_on_send(&tx, 1000 * MS + i * 10 * MS, 1000 + i,
					i == 3 ? 7 : RTC_CC_NO_CLUSTER, i == 5);
	n = handle(&fb);
	CHECK_INTEQ(n, 6);
	for (unsigned i = 0; i < 6; i++) {
		CHECK_INTEQ(results[i].seq, i);
		CHECK_INTEQ(results[i].send_time, 1000 * MS + i * 10 * MS);
		CHECK_INTEQ(results[i].size, 1000 + i);
		CHECK_INTEQ(results[i].received, i != 2 && i != 4);
	}
	CHECK_INTEQ(results[0].arrival, (int64_t)(100 * 64 * MS + 40 * MS));
	CHECK_INTEQ(results[1].arrival - results[0].arrival, 10 * MS);
	CHECK_INTEQ(results[3].arrival - results[0].arrival, 30 * MS);
	CHECK_INTEQ(results[5].arrival - results[0].arrival, 50 * MS);
	CHECK_INTEQ(results[3].probe_cluster, 7);
	CHECK_INTEQ(results[0].probe_cluster, RTC_CC_NO_CLUSTER);
	CHECK(results[5].retransmission);
	CHECK(!results[0].retransmission);
}

/* Through the RTCP writer and parser, with negative and large deltas. */
static void test_match_from_the_wire(void)
{
	struct rtc_rtcp_twcc_packet rx[] = {
		{ .seq = 1, .delta = 3 },
		{ .seq = 2, .delta = -8 },      /* reordered: arrived before 1 */
		{ .seq = 3, .delta = 1000 },    /* 250 ms later */
	};
	struct rtc_rtcp_item item = { .type = RTC_RTCP_TWCC, .twcc = feedback(1, 3, -5, 9, rx, 3) };
	struct rtc_rtcp_compound c;
	struct rtc_arena *arena = rtc_arena_new();
	uint8_t buf[256];
	long len;
	size_t n;

	rtc_twcc_sender_init(&tx);
	for (unsigned i = 0; i < 4; i++)
		rtc_twcc_sender_on_send(&tx, i * MS, 500, RTC_CC_NO_CLUSTER, false);
	len = rtc_rtcp_write(&item, 1, buf, sizeof(buf), NULL);
	CHECK(len > 0);
	CHECK_INTEQ(rtc_rtcp_parse(buf, (size_t)len, arena, &c, NULL), 0);
	CHECK_INTEQ(c.items[0].type, RTC_RTCP_TWCC);
	n = handle(&c.items[0].twcc);
	CHECK_INTEQ(n, 3);
	CHECK_INTEQ(results[0].seq, 1);
	CHECK_INTEQ(results[1].arrival - results[0].arrival, -2 * MS);
	CHECK_INTEQ(results[2].arrival - results[1].arrival, 250 * MS);
	rtc_arena_free(arena);
}

/* Feedback for packets numbered across 65535 -> 0. */
static void test_feedback_across_wrap(void)
{
	struct rtc_rtcp_twcc_packet rx[] = {
		{ .seq = 65534, .delta = 4 }, { .seq = 65535, .delta = 4 },
		{ .seq = 0, .delta = 4 }, { .seq = 1, .delta = 4 },
	};
	struct rtc_rtcp_twcc fb = feedback(65534, 4, 0, 0, rx, LEN(rx));
	size_t n;

	rtc_twcc_sender_init(&tx);
	for (uint32_t i = 0; i < 65538; i++)
		rtc_twcc_sender_on_send(&tx, i * MS, 100, RTC_CC_NO_CLUSTER, false);
	n = handle(&fb);
	CHECK_INTEQ(n, 4);
	CHECK_INTEQ(results[0].seq, 65534);
	CHECK_INTEQ(results[3].seq, 65537);
	CHECK_INTEQ(results[3].send_time, 65537 * MS);
}

/* The same feedback twice yields nothing the second time; a loss
 * reported again is not a second loss; a loss then received is. */
static void test_duplicates_and_late_arrivals(void)
{
	struct rtc_rtcp_twcc_packet rx1[] = { { .seq = 0, .delta = 4 }, { .seq = 2, .delta = 8 } };
	struct rtc_rtcp_twcc_packet rx2[] = { { .seq = 1, .delta = 4 }, { .seq = 3, .delta = 4 } };
	struct rtc_rtcp_twcc fb1 = feedback(0, 3, 10, 0, rx1, LEN(rx1));
	struct rtc_rtcp_twcc fb2 = feedback(1, 3, 11, 1, rx2, LEN(rx2));
	size_t n;

	rtc_twcc_sender_init(&tx);
	for (unsigned i = 0; i < 4; i++)
		rtc_twcc_sender_on_send(&tx, i * MS, 100, RTC_CC_NO_CLUSTER, false);
	CHECK_INTEQ(handle(&fb1), 3);
	CHECK(!results[1].received);
	CHECK_INTEQ(handle(&fb1), 0);
	CHECK_INTEQ(tx.duplicates, 2);
	n = handle(&fb2);   /* 1 received after all, 2 now "lost" (ignored), 3 new */
	CHECK_INTEQ(n, 2);
	CHECK_INTEQ(results[0].seq, 1);
	CHECK(results[0].received);
	CHECK_INTEQ(results[1].seq, 3);
	CHECK_INTEQ(tx.duplicates, 2);
}

/* A newer message handled before an older one: both count, and the
 * older one's reference time does not pull the newer ones back. */
static void test_reordered_feedback(void)
{
	struct rtc_rtcp_twcc_packet rx1[] = { { .seq = 0, .delta = 4 } };
	struct rtc_rtcp_twcc_packet rx2[] = { { .seq = 1, .delta = 4 } };
	struct rtc_rtcp_twcc_packet rx3[] = { { .seq = 2, .delta = 4 } };
	struct rtc_rtcp_twcc fb1 = feedback(0, 1, 0xfffffe - 0x1000000, 0, rx1, 1);
	struct rtc_rtcp_twcc fb2 = feedback(1, 1, 0xffffff - 0x1000000, 1, rx2, 1);
	struct rtc_rtcp_twcc fb3 = feedback(2, 1, 0, 2, rx3, 1);   /* the 24 bits wrapped */
	int64_t a1, a2, a3;

	rtc_twcc_sender_init(&tx);
	for (unsigned i = 0; i < 3; i++)
		rtc_twcc_sender_on_send(&tx, i * MS, 100, RTC_CC_NO_CLUSTER, false);
	CHECK_INTEQ(handle(&fb2), 1);
	a2 = results[0].arrival;
	CHECK_INTEQ(handle(&fb1), 1);
	a1 = results[0].arrival;
	CHECK_INTEQ(handle(&fb3), 1);
	a3 = results[0].arrival;
	CHECK_INTEQ(a2 - a1, 64 * MS);
	CHECK_INTEQ(a3 - a2, 64 * MS);
}

static void test_unknown_and_forgotten(void)
{
	struct rtc_rtcp_twcc_packet rx[] = { { .seq = 0, .delta = 4 }, { .seq = 5, .delta = 4 } };
	struct rtc_rtcp_twcc fb = feedback(0, 6, 0, 0, rx, LEN(rx));
	struct rtc_error err = { 0 };
	size_t n;

	rtc_twcc_sender_init(&tx);
	CHECK_INTEQ(handle(&fb), 0);   /* nothing sent yet */
	CHECK_INTEQ(tx.unknown, 6);
	for (unsigned i = 0; i < 3; i++)
		rtc_twcc_sender_on_send(&tx, i * MS, 100, RTC_CC_NO_CLUSTER, false);
	CHECK_INTEQ(handle(&fb), 3);   /* 3..5 were never sent */
	/* Send past the history: packet 0's record is overwritten. */
	for (unsigned i = 0; i < RTC_TWCC_SENDER_HISTORY; i++)
		rtc_twcc_sender_on_send(&tx, i * MS, 100, RTC_CC_NO_CLUSTER, false);
	fb = feedback(0, 1, 0, 1, rx, 1);
	CHECK_INTEQ(handle(&fb), 0);
	CHECK_INTEQ(tx.unknown, 10);
	/* Too little room: an error, nothing consumed. */
	rx[0].seq = 10;
	fb = feedback(10, 1, 0, 2, rx, 1);
	CHECK_INTEQ(rtc_twcc_sender_handle_feedback(&tx, &fb, results, 0, &n, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(n, 0);
	CHECK_INTEQ(handle(&fb), 1);
}

/* A deterministic generator for the hostile peer. */
static uint32_t lcg(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

static void test_hostile_feedback(void)
{
	static struct rtc_rtcp_twcc_packet rx[1000];
	struct rtc_gcc *g = rtc_gcc_new(NULL, 0);
	struct rtc_gcc_event ev;
	uint32_t state = 12345;
	uint64_t now = 1000 * MS;
	unsigned refused = 0;
	uint32_t leap = 0;

	rtc_twcc_sender_init(&tx);
	for (unsigned round = 0; round < 40000; round++) {
		struct rtc_rtcp_twcc fb;
		struct rtc_error err = { 0 };
		uint16_t base, count;
		size_t n = 0, k = 0;
		int32_t ref;

		for (unsigned i = lcg(&state) % 20; i; i--)
			rtc_twcc_sender_on_send(&tx, now += lcg(&state) % (20 * MS), lcg(&state) % 1500,
						(int32_t)(lcg(&state) % 4) - 1, false);
		base = (uint16_t)(tx.next_seq - lcg(&state) % 64);
		count = (uint16_t)(lcg(&state) % LEN(rx));
		for (uint16_t i = 0; i < count; i++) {
			if (lcg(&state) % 3 == 0)
				continue;
			rx[k].seq = (uint16_t)(base + i);
			switch (lcg(&state) % 4) {
			case 0: rx[k].delta = 32767; break;
			case 1: rx[k].delta = -32768; break;
			default: rx[k].delta = (int32_t)(lcg(&state) % 300); break;
			}
			k++;
		}
		/* Mostly a leap of nearly half the 24-bit range forward. */
		leap += round % 8 ? 0x7fffff : lcg(&state) % 0xffffff;
		ref = (int32_t)(leap & 0xffffff) - 0x800000;
		fb = feedback(base, count, ref, (uint8_t)round, rx, k);
		if (rtc_twcc_sender_handle_feedback(&tx, &fb, results, LEN(results), &n, &err) < 0) {
			CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
			refused++;
		}
		rtc_gcc_handle_feedback(g, now, results, n);
		rtc_gcc_handle_remb(g, now, (uint64_t)lcg(&state) << (lcg(&state) % 40));
		rtc_gcc_on_packet_sent(g, now, lcg(&state) % 1500);
		rtc_gcc_handle_timeout(g, now);
		while (rtc_gcc_poll_event(g, &ev))
			CHECK(ev.type != RTC_GCC_TARGET || ev.target_bps >= 30000);
	}
	printf("# %u feedback messages refused, target %llu\n", refused,
	       (unsigned long long)rtc_gcc_target_bps(g));
	CHECK(refused > 0);
	CHECK(rtc_gcc_target_bps(g) >= 30000 && rtc_gcc_target_bps(g) <= 100000000);
	rtc_gcc_free(g);
}

int main(void)
{
	RUN(test_numbers_wrap);
	RUN(test_match);
	RUN(test_match_from_the_wire);
	RUN(test_feedback_across_wrap);
	RUN(test_duplicates_and_late_arrivals);
	RUN(test_reordered_feedback);
	RUN(test_unknown_and_forgotten);
	RUN(test_hostile_feedback);
	return rtc_test_done();
}
