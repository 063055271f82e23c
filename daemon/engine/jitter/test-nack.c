/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The NACK generator on a fake clock: the reorder wait, RTT-paced retries
 * and their limit, holes filled by reordering and by retransmission,
 * sequence numbers across the 16-bit wrap, duplicates, giving up on old
 * holes, and the overflow that asks for a key frame.
 */
#include "check.h"
#include "engine/base/sansio.h"
#include "engine/jitter/nack.h"

#define MS 1000000ull

static struct rtc_nack n;

static void test_reorder_wait_then_request(void)
{
	uint16_t seqs[16];

	rtc_nack_init(&n, NULL);
	rtc_nack_handle_packet(&n, 0, 100, false);
	CHECK_INTEQ(rtc_nack_deadline(&n, 0), RTC_NEVER);
	rtc_nack_handle_packet(&n, 10 * MS, 103, false);   /* 101, 102 missing */
	CHECK_INTEQ(rtc_nack_pending(&n), 2);
	CHECK_INTEQ(rtc_nack_deadline(&n, 0), 15 * MS);
	CHECK_INTEQ(rtc_nack_poll(&n, 14 * MS, 0, seqs, 16), 0);
	/* 102 shows up reordered within the wait: never asked for. */
	rtc_nack_handle_packet(&n, 14 * MS, 102, false);
	CHECK_INTEQ(rtc_nack_poll(&n, 15 * MS, 0, seqs, 16), 1);
	CHECK_INTEQ(seqs[0], 101);
	CHECK_INTEQ(n.stats.nack_count, 1);
	CHECK_INTEQ(n.stats.packets_requested, 1);
	CHECK_INTEQ(n.stats.packets_late, 1);
	/* Nothing again before the retry interval (default RTT 100 ms). */
	CHECK_INTEQ(rtc_nack_poll(&n, 20 * MS, 0, seqs, 16), 0);
	CHECK_INTEQ(rtc_nack_deadline(&n, 0), 115 * MS);
	rtc_nack_handle_packet(&n, 30 * MS, 101, true);
	CHECK_INTEQ(rtc_nack_pending(&n), 0);
	CHECK_INTEQ(n.stats.packets_recovered, 1);
	CHECK_INTEQ(rtc_nack_deadline(&n, 0), RTC_NEVER);
}

static void test_rtt_paced_retries_and_limit(void)
{
	struct rtc_nack_config cfg;
	uint16_t seqs[4];
	uint64_t now = 0, rtt = 40 * MS;
	int sent = 0;

	rtc_nack_config_default(&cfg);
	cfg.max_retries = 3;
	rtc_nack_init(&n, &cfg);
	rtc_nack_handle_packet(&n, 0, 1, false);
	rtc_nack_handle_packet(&n, 0, 3, false);
	/* Walk the clock millisecond by millisecond: requests at 5, 45, 85. */
	for (now = 0; now <= 400 * MS; now += MS) {
		if (rtc_nack_poll(&n, now, rtt, seqs, 4)) {
			CHECK_INTEQ(seqs[0], 2);
			CHECK(now == 5 * MS || now == 45 * MS || now == 85 * MS);
			sent++;
		}
	}
	CHECK_INTEQ(sent, 3);
	CHECK_INTEQ(rtc_nack_pending(&n), 0);
	CHECK_INTEQ(n.stats.packets_given_up, 1);
	/* The RTT is floored at min_interval. */
	rtc_nack_init(&n, NULL);
	rtc_nack_handle_packet(&n, 0, 1, false);
	rtc_nack_handle_packet(&n, 0, 3, false);
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 1 * MS, seqs, 4), 1);
	CHECK_INTEQ(rtc_nack_deadline(&n, 1 * MS), 10 * MS);
}

static void test_wraparound(void)
{
	uint16_t seqs[8];

	rtc_nack_init(&n, NULL);
	/* Extended numbers as rtp-seq gives them: 65534, 65535, [0, 1 lost], 2. */
	rtc_nack_handle_packet(&n, 0, 65534, false);
	rtc_nack_handle_packet(&n, 0, 65535, false);
	rtc_nack_handle_packet(&n, 0, 65536 + 2, false);
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 0, seqs, 8), 2);
	CHECK_INTEQ(seqs[0], 0);
	CHECK_INTEQ(seqs[1], 1);
	rtc_nack_handle_packet(&n, 6 * MS, 65536 + 1, true);
	CHECK_INTEQ(rtc_nack_pending(&n), 1);
	/* A duplicate of the highest and of an old packet changes nothing. */
	rtc_nack_handle_packet(&n, 6 * MS, 65536 + 2, false);
	rtc_nack_handle_packet(&n, 6 * MS, 65535, false);
	CHECK_INTEQ(rtc_nack_pending(&n), 1);
	CHECK_INTEQ(rtc_nack_poll(&n, 105 * MS, 0, seqs, 8), 1);
	CHECK_INTEQ(seqs[0], 0);
}

static void test_poll_in_pieces(void)
{
	uint16_t seqs[3];

	rtc_nack_init(&n, NULL);
	rtc_nack_handle_packet(&n, 0, 10, false);
	rtc_nack_handle_packet(&n, 0, 18, false);   /* 11..17 */
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 0, seqs, 3), 3);
	CHECK_INTEQ(seqs[0], 11);
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 0, seqs, 3), 3);
	CHECK_INTEQ(seqs[0], 14);
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 0, seqs, 3), 1);
	CHECK_INTEQ(seqs[0], 17);
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 0, seqs, 3), 0);
	CHECK_INTEQ(n.stats.nack_count, 3);
	CHECK_INTEQ(n.stats.packets_requested, 7);
	rtc_nack_forget_before(&n, 15);
	CHECK_INTEQ(rtc_nack_pending(&n), 3);
}

static void test_give_up_old(void)
{
	uint16_t seqs[8];

	rtc_nack_init(&n, NULL);
	rtc_nack_handle_packet(&n, 0, 1, false);
	rtc_nack_handle_packet(&n, 0, 3, false);
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 0, seqs, 8), 1);
	/* After a second the hole is too old to be worth a request. */
	CHECK_INTEQ(rtc_nack_poll(&n, 1001 * MS, 0, seqs, 8), 0);
	CHECK_INTEQ(rtc_nack_pending(&n), 0);
	/* And one left 10000 packets behind by a burst of arrivals. */
	rtc_nack_init(&n, NULL);
	rtc_nack_handle_packet(&n, 0, 1, false);
	rtc_nack_handle_packet(&n, 0, 3, false);
	for (uint64_t s = 4; s <= 10002; s++)
		rtc_nack_handle_packet(&n, 0, s, false);
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 0, seqs, 8), 1);
	rtc_nack_handle_packet(&n, 0, 10003, false);
	CHECK_INTEQ(rtc_nack_poll(&n, 500 * MS, 0, seqs, 8), 0);
	CHECK_INTEQ(n.stats.packets_given_up, 1);
}

static void test_overflow_asks_key_frame(void)
{
	struct rtc_nack_config cfg;
	uint16_t seqs[8];

	rtc_nack_config_default(&cfg);
	cfg.max_list = 10;
	rtc_nack_init(&n, &cfg);
	rtc_nack_handle_packet(&n, 0, 0, false);
	rtc_nack_handle_packet(&n, 0, 6, false);   /* 5 holes */
	CHECK(!rtc_nack_poll_key_frame_request(&n));
	rtc_nack_handle_packet(&n, 0, 12, false);  /* 5 more: 10, at the limit */
	CHECK_INTEQ(rtc_nack_pending(&n), 10);
	CHECK(!rtc_nack_poll_key_frame_request(&n));
	rtc_nack_handle_packet(&n, 0, 14, false);  /* one more: too many */
	CHECK_INTEQ(rtc_nack_pending(&n), 0);
	CHECK(rtc_nack_poll_key_frame_request(&n));
	CHECK(!rtc_nack_poll_key_frame_request(&n));
	CHECK_INTEQ(n.stats.list_overflows, 1);
	/* Tracking goes on from the new highest. */
	rtc_nack_handle_packet(&n, 0, 16, false);
	CHECK_INTEQ(rtc_nack_poll(&n, 5 * MS, 0, seqs, 8), 1);
	CHECK_INTEQ(seqs[0], 15);
	/* A jump past max_seq_age also asks for a key frame. */
	rtc_nack_handle_packet(&n, 0, 16 + 20000, false);
	CHECK(rtc_nack_poll_key_frame_request(&n));
}

int main(void)
{
	RUN(test_reorder_wait_then_request);
	RUN(test_rtt_paced_retries_and_limit);
	RUN(test_wraparound);
	RUN(test_poll_in_pieces);
	RUN(test_give_up_old);
	RUN(test_overflow_asks_key_frame);
	return rtc_test_done();
}
