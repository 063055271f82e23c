/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 3550 reception statistics: the interarrival jitter of appendix A.8,
 * loss per interval and cumulative (A.3), the extended highest sequence
 * number across a wrap, LSR and DLSR from the last SR.
 */
#include "check.h"
#include "engine/rtcp/rtt.h"
#include "engine/stream/reception.h"

#define MS 1000000ull
#define S 1000000000ull

/* 30 fps video: 3000 ticks of 90 kHz per frame, one packet each. */
static void feed(struct rtc_reception *r, uint16_t first, unsigned n, uint64_t t0,
		 uint64_t spread, unsigned skip_every)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t ext;
		/* Alternately early and late by `spread`: |D| = spread each time. */
		uint64_t at = t0 + i * (S / 30) + (i % 2 ? spread : 0);

		if (skip_every && i % skip_every == skip_every - 1)
			continue;
		rtc_reception_packet(r, at, (uint16_t)(first + i), 90000 + i * 3000, false, 12,
				     1000, &ext);
	}
}

static void test_no_loss_no_jitter(void)
{
	struct rtc_reception r;
	struct rtc_rtcp_report_block b;

	rtc_reception_init(&r, 42, 90000);
	CHECK(!rtc_reception_report(&r, 0, &b));
	feed(&r, 100, 300, S, 0, 0);
	CHECK(rtc_reception_report(&r, 11 * S, &b));
	CHECK_INTEQ(b.ssrc, 42);
	CHECK_INTEQ(b.fraction_lost, 0);
	CHECK_INTEQ(b.cumulative_lost, 0);
	CHECK_INTEQ(b.highest_seq, 399);
	/* One tick of rounding at most (a frame is 33.33 ms). */
	CHECK(b.jitter <= 1);
	CHECK_INTEQ(b.lsr, 0);
	CHECK_INTEQ(r.packets_received, 300);
	CHECK_INTEQ(r.bytes_received, 300000);
}

static void test_jitter_converges(void)
{
	struct rtc_reception r;
	struct rtc_rtcp_report_block b;

	/* |D| is 10 ms = 900 ticks on every packet: J -> 900 (A.8). */
	rtc_reception_init(&r, 1, 90000);
	feed(&r, 0, 600, S, 10 * MS, 0);
	CHECK(rtc_reception_report(&r, 30 * S, &b));
	CHECK(b.jitter >= 890 && b.jitter <= 901);
	CHECK(rtc_reception_jitter_seconds(&r) > 0.0098 &&
	      rtc_reception_jitter_seconds(&r) < 0.0101);
}

static void test_loss_intervals_and_wrap(void)
{
	struct rtc_reception r;
	struct rtc_rtcp_report_block b;

	/* From 65500 over the wrap; every 10th lost: 10 of 100. */
	rtc_reception_init(&r, 7, 90000);
	feed(&r, 65500, 100, S, 0, 10);
	CHECK(rtc_reception_report(&r, 5 * S, &b));
	/* The last one (65599 = 63 after the wrap) is lost too, so the
	 * highest received is 65598: 62 in the second cycle. */
	CHECK_INTEQ(b.highest_seq, 65536 + 62);
	CHECK_INTEQ(b.cumulative_lost, 9);
	CHECK_INTEQ(b.fraction_lost, 9 * 256 / 99);
	/* The next 50 all arrive: the interval (65599..65649, 51 expected)
	 * holds only the hole at 65599, seen now that 65600 came. */
	feed(&r, (uint16_t)(65500 + 100), 50, 5 * S, 0, 0);
	CHECK(rtc_reception_report(&r, 8 * S, &b));
	CHECK_INTEQ(b.fraction_lost, 256 / 51);
	CHECK_INTEQ(b.cumulative_lost, 10);
	/* And an interval with nothing lost says 0. */
	feed(&r, (uint16_t)(65500 + 150), 10, 8 * S, 0, 0);
	CHECK(rtc_reception_report(&r, 9 * S, &b));
	CHECK_INTEQ(b.fraction_lost, 0);
	CHECK_INTEQ(rtc_reception_lost(&r), 10);
}

static void test_all_lost_interval(void)
{
	struct rtc_reception r;
	struct rtc_rtcp_report_block b;
	uint64_t ext;

	rtc_reception_init(&r, 7, 90000);
	rtc_reception_packet(&r, 0, 1, 0, false, 12, 10, &ext);
	CHECK(rtc_reception_report(&r, S, &b));
	/* 1 then 300: 298 lost of 299 expected in the interval. */
	rtc_reception_packet(&r, S, 300, 0, false, 12, 10, &ext);
	CHECK(rtc_reception_report(&r, 2 * S, &b));
	CHECK_INTEQ(b.fraction_lost, 298 * 256 / 299);
	CHECK_INTEQ(b.cumulative_lost, 298);
}

static void test_sender_report(void)
{
	struct rtc_reception r;
	struct rtc_rtcp_report_block b;
	struct rtc_rtcp_sr sr = { .ssrc = 9, .ntp = 0x0001000280000000ull, .rtp_ts = 5,
				  .packet_count = 10, .octet_count = 1000 };

	rtc_reception_init(&r, 9, 48000);
	feed(&r, 1, 10, S, 0, 0);
	rtc_reception_sender_report(&r, 2 * S, &sr);
	CHECK(rtc_reception_report(&r, 2 * S + 500 * MS, &b));
	CHECK_INTEQ(b.lsr, 0x00028000);
	CHECK_INTEQ(b.dlsr, 0x8000);          /* half a second in 16.16 */
	CHECK_INTEQ(r.sr_packets_sent, 10);
}

static void test_retransmission_no_jitter(void)
{
	struct rtc_reception r;
	uint64_t ext;

	/* A retransmission 200 ms late must not move the jitter. */
	rtc_reception_init(&r, 1, 90000);
	feed(&r, 0, 10, S, 0, 0);
	rtc_reception_packet(&r, S + 500 * MS, 3, 90000 + 3 * 3000, true, 12, 1000, &ext);
	CHECK(r.jitter_q4 >> 4 <= 1);
	CHECK_INTEQ(r.packets_received, 11);
	CHECK_INTEQ(ext, 3);
}

int main(void)
{
	RUN(test_no_loss_no_jitter);
	RUN(test_jitter_converges);
	RUN(test_loss_intervals_and_wrap);
	RUN(test_all_lost_interval);
	RUN(test_sender_report);
	RUN(test_retransmission_no_jitter);
	return rtc_test_done();
}
