/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The receive side of transport-wide feedback: when messages are due,
 * their reference time (64 ms) and deltas (250 µs, rounding carried so a
 * long run does not drift), the feedback count, reordered, duplicate and
 * late packets, the 16-bit wrap, a gap too long for one delta, a message
 * split at its size limits, and arrival times recovered by twcc-sender
 * from the written and parsed bytes.
 */
#include <string.h>

#include "check.h"
#include "engine/base/sansio.h"
#include "engine/cc/twcc-receiver.h"
#include "engine/cc/twcc-sender.h"

#define MS 1000000ull
#define US 1000ull

static struct rtc_twcc_receiver rx;
static struct rtc_twcc_sender tx;
static struct rtc_cc_packet_result results[RTC_TWCC_MAX_STATUSES];

static void test_when_due(void)
{
	struct rtc_rtcp_item item;
	uint64_t t0 = 1000 * MS;

	rtc_twcc_receiver_init(&rx, 1, 2);
	CHECK_INTEQ(rtc_twcc_receiver_deadline(&rx), RTC_NEVER);
	CHECK(!rtc_twcc_receiver_poll_feedback(&rx, t0, &item));
	rtc_twcc_receiver_handle_packet(&rx, t0, 7);
	CHECK_INTEQ(rtc_twcc_receiver_deadline(&rx), t0 + RTC_TWCC_FEEDBACK_INTERVAL);
	rtc_twcc_receiver_handle_timeout(&rx, t0 + RTC_TWCC_FEEDBACK_INTERVAL - 1);
	CHECK(!rtc_twcc_receiver_poll_feedback(&rx, t0 + RTC_TWCC_FEEDBACK_INTERVAL - 1, &item));
	rtc_twcc_receiver_handle_timeout(&rx, t0 + RTC_TWCC_FEEDBACK_INTERVAL);
	CHECK(rtc_twcc_receiver_poll_feedback(&rx, t0 + RTC_TWCC_FEEDBACK_INTERVAL, &item));
	CHECK_INTEQ(item.type, RTC_RTCP_TWCC);
	CHECK_INTEQ(item.twcc.sender_ssrc, 1);
	CHECK_INTEQ(item.twcc.media_ssrc, 2);
	CHECK_INTEQ(item.twcc.base_seq, 7);
	CHECK_INTEQ(item.twcc.status_count, 1);
	CHECK_INTEQ(item.twcc.fb_count, 0);
	CHECK_INTEQ(item.twcc.reference_time, 1000 / 64);
	CHECK_INTEQ(item.twcc.received[0].delta, (1000 % 64) * 4);
	CHECK(!rtc_twcc_receiver_poll_feedback(&rx, t0 + RTC_TWCC_FEEDBACK_INTERVAL, &item));
	CHECK_INTEQ(rtc_twcc_receiver_deadline(&rx), RTC_NEVER);

	/* Many pending: due at once. */
	for (unsigned i = 0; i < RTC_TWCC_FEEDBACK_PENDING; i++) {
		uint64_t at = t0 + 60 * MS + i * US;

		CHECK(rtc_twcc_receiver_deadline(&rx) > at || i == 0);
		rtc_twcc_receiver_handle_packet(&rx, at, (uint16_t)(8 + i));
	}
	CHECK(rtc_twcc_receiver_deadline(&rx) <= t0 + 60 * MS);
	CHECK(rtc_twcc_receiver_poll_feedback(&rx, t0 + 61 * MS, &item));
	CHECK_INTEQ(item.twcc.fb_count, 1);
	CHECK_INTEQ(item.twcc.status_count, RTC_TWCC_FEEDBACK_PENDING);
	CHECK_INTEQ(item.twcc.base_seq, 8);
}

/* Packets every 1.01 ms for 10 s, fed back every interval through the
 * RTCP bytes: the sender sees each arrival within 125 µs of the truth,
 * relative to the first (no drift), and no packet lost. */
static void test_arrivals_round_trip(void)
{
	uint64_t t0 = 5000 * MS + 3 * US, now = t0, next_fb = t0;
	struct rtc_arena *arena = rtc_arena_new();
	int64_t first = 0;
	bool have_first = false;
	size_t total = 0, lost = 0;
	uint8_t prev_count = 255;
	double worst = 0;

	rtc_twcc_receiver_init(&rx, 1, 2);
	rtc_twcc_sender_init(&tx);
	for (unsigned i = 0; i < 10000; i++) {
		uint16_t seq = rtc_twcc_sender_on_send(&tx, now - 20 * MS, 1000, RTC_CC_NO_CLUSTER,
						       false);
		struct rtc_rtcp_item item;

		rtc_twcc_receiver_handle_packet(&rx, now, seq);
		if (now >= next_fb) {
			rtc_twcc_receiver_handle_timeout(&rx, now);
			next_fb = rtc_twcc_receiver_deadline(&rx);
		}
		while (rtc_twcc_receiver_poll_feedback(&rx, now, &item)) {
			struct rtc_rtcp_compound c;
			uint8_t buf[1500];
			long len = rtc_rtcp_write(&item, 1, buf, sizeof(buf), NULL);
			size_t n = 0;

			CHECK(len > 0 && len <= 1200);
			CHECK_INTEQ(item.twcc.fb_count, (uint8_t)(prev_count + 1));
			prev_count = item.twcc.fb_count;
			CHECK_INTEQ(rtc_rtcp_parse(buf, (size_t)len, arena, &c, NULL), 0);
			CHECK_INTEQ(rtc_twcc_sender_handle_feedback(&tx, &c.items[0].twcc, results,
								    RTC_TWCC_MAX_STATUSES, &n,
								    NULL),
				    0);
			for (size_t k = 0; k < n; k++) {
				int64_t want = (int64_t)(results[k].send_time + 20 * MS);
				double err;

				if (!results[k].received) {
					lost++;
					continue;
				}
				if (!have_first) {
					have_first = true;
					first = results[k].arrival - want;
				}
				err = (double)(results[k].arrival - want - first);
				err = err < 0 ? -err : err;
				worst = err > worst ? err : worst;
				total++;
			}
			next_fb = rtc_twcc_receiver_deadline(&rx);
		}
		now += 1010 * US;
	}
	printf("# %zu arrivals, worst error %.0f ns\n", total, worst);
	CHECK(total > 9900);
	CHECK_INTEQ(lost, 0);
	CHECK(worst <= 250 * US);
	rtc_arena_free(arena);
}

static void test_reordered_duplicate_late(void)
{
	struct rtc_rtcp_item item;
	uint64_t t = 100 * MS;

	rtc_twcc_receiver_init(&rx, 1, 2);
	rtc_twcc_receiver_handle_packet(&rx, t, 65534);
	rtc_twcc_receiver_handle_packet(&rx, t + 2 * MS, 0);          /* across the wrap */
	rtc_twcc_receiver_handle_packet(&rx, t + 3 * MS, 65535);      /* reordered */
	rtc_twcc_receiver_handle_packet(&rx, t + 4 * MS, 65535);      /* duplicate */
	rtc_twcc_receiver_handle_packet(&rx, t + 5 * MS, 2);          /* 1 missing */
	CHECK_INTEQ(rx.duplicates, 1);
	rtc_twcc_receiver_handle_timeout(&rx, t + 60 * MS);
	CHECK(rtc_twcc_receiver_poll_feedback(&rx, t + 60 * MS, &item));
	CHECK_INTEQ(item.twcc.base_seq, 65534);
	CHECK_INTEQ(item.twcc.status_count, 5);
	CHECK_INTEQ(item.twcc.received_count, 4);
	CHECK_INTEQ(item.twcc.received[0].seq, 65534);
	CHECK_INTEQ(item.twcc.received[1].seq, 65535);
	CHECK_INTEQ(item.twcc.received[1].delta, 3 * 4);    /* 65535 arrived 3 ms after 65534 */
	CHECK_INTEQ(item.twcc.received[2].seq, 0);
	CHECK_INTEQ(item.twcc.received[2].delta, -1 * 4);   /* and 0 before it */
	CHECK_INTEQ(item.twcc.received[3].seq, 2);
	/* 1 arrives after it was reported lost: too late. */
	rtc_twcc_receiver_handle_packet(&rx, t + 70 * MS, 1);
	CHECK_INTEQ(rx.late, 1);
	CHECK_INTEQ(rtc_twcc_receiver_deadline(&rx), RTC_NEVER);
}

/* A delta past 16 bits of 250 µs (8.19 s) ends the message; the next one
 * starts with the late packet and its own reference time. */
static void test_long_gap_splits(void)
{
	struct rtc_rtcp_item item;

	rtc_twcc_receiver_init(&rx, 1, 2);
	rtc_twcc_receiver_handle_packet(&rx, 64 * MS, 10);
	rtc_twcc_receiver_handle_packet(&rx, 64 * MS + 9000 * MS, 11);
	rtc_twcc_receiver_handle_timeout(&rx, 64 * MS + 9000 * MS);
	CHECK(rtc_twcc_receiver_poll_feedback(&rx, 9064 * MS, &item));
	CHECK_INTEQ(item.twcc.status_count, 1);
	CHECK_INTEQ(item.twcc.reference_time, 1);
	CHECK(rtc_twcc_receiver_poll_feedback(&rx, 9064 * MS, &item));
	CHECK_INTEQ(item.twcc.base_seq, 11);
	CHECK_INTEQ(item.twcc.status_count, 1);
	CHECK_INTEQ(item.twcc.reference_time, 9064 / 64);
	CHECK(!rtc_twcc_receiver_poll_feedback(&rx, 9064 * MS, &item));
}

/* More than a message holds: split at RTC_TWCC_MAX_RECEIVED, each part
 * written within an MTU. */
static void test_split_at_size(void)
{
	struct rtc_rtcp_item item;
	unsigned messages = 0, statuses = 0;
	uint8_t buf[1500];

	rtc_twcc_receiver_init(&rx, 1, 2);
	for (unsigned i = 0; i < 2 * RTC_TWCC_MAX_RECEIVED + 5; i++)
		rtc_twcc_receiver_handle_packet(&rx, 1000 * MS + i * 37 * US,
						(uint16_t)(2 * i));   /* every other lost */
	rtc_twcc_receiver_handle_timeout(&rx, 100000 * MS);
	while (rtc_twcc_receiver_poll_feedback(&rx, 100000 * MS, &item)) {
		long len = rtc_rtcp_write(&item, 1, buf, sizeof(buf), NULL);

		CHECK(len > 0 && len <= 1200);
		CHECK(item.twcc.received_count <= RTC_TWCC_MAX_RECEIVED);
		CHECK(item.twcc.status_count <= RTC_TWCC_MAX_STATUSES);
		CHECK_INTEQ(item.twcc.base_seq, statuses);
		statuses += item.twcc.status_count;
		messages++;
	}
	CHECK_INTEQ(messages, 3);
	CHECK_INTEQ(statuses, 2 * (2 * RTC_TWCC_MAX_RECEIVED + 5) - 1);
}

/* A jump far past the window: what fell out is forgotten, not reported;
 * the losses in between are, over as many messages as they take. */
static void test_window(void)
{
	struct rtc_rtcp_item item;
	unsigned messages = 0;
	uint32_t statuses = 0;

	rtc_twcc_receiver_init(&rx, 1, 2);
	rtc_twcc_receiver_handle_packet(&rx, 1 * MS, 0);
	rtc_twcc_receiver_handle_packet(&rx, 2 * MS, 1);
	rtc_twcc_receiver_handle_packet(&rx, 3 * MS, 2);
	rtc_twcc_receiver_handle_packet(&rx, 4 * MS, (uint16_t)(RTC_TWCC_RECEIVER_WINDOW + 1));
	CHECK_INTEQ(rx.forgotten, 2);
	CHECK_INTEQ(rx.pending, 2);
	rtc_twcc_receiver_handle_timeout(&rx, 100 * MS);
	CHECK(rtc_twcc_receiver_poll_feedback(&rx, 100 * MS, &item));
	CHECK_INTEQ(item.twcc.base_seq, 3 - 1);
	CHECK_INTEQ(item.twcc.received_count, 1);
	CHECK_INTEQ(item.twcc.received[0].seq, 2);
	do {
		messages++;
		statuses += item.twcc.status_count;
	} while (rtc_twcc_receiver_poll_feedback(&rx, 100 * MS, &item));
	CHECK_INTEQ(statuses, RTC_TWCC_RECEIVER_WINDOW);
	CHECK_INTEQ(item.twcc.received_count, 1);
	CHECK_INTEQ(item.twcc.received[item.twcc.received_count - 1].seq,
		    RTC_TWCC_RECEIVER_WINDOW + 1);
	CHECK_INTEQ(messages, (RTC_TWCC_RECEIVER_WINDOW + RTC_TWCC_MAX_STATUSES - 1) /
				      RTC_TWCC_MAX_STATUSES);
	CHECK_INTEQ(rtc_twcc_receiver_deadline(&rx), RTC_NEVER);
}

int main(void)
{
	RUN(test_when_due);
	RUN(test_arrivals_round_trip);
	RUN(test_reordered_duplicate_late);
	RUN(test_long_gap_splits);
	RUN(test_split_at_size);
	RUN(test_window);
	return rtc_test_done();
}
