/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GCC's parts on their own (send-time groups and the trendline detector,
 * the AIMD controller and its acked-rate bound, the acked bitrate, a probe
 * cluster's rate), then the whole: initial probes (a slow result
 * ignored), REMB, loss from receiver reports and from feedback, the
 * target's bounds and events, ALR and its probes.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "engine/base/sansio.h"
#include "engine/cc/gcc-parts.h"
#include "engine/cc/gcc.h"

#define MS 1000000ull
#define S 1000000000ull

/* ---- the delay detector ---------------------------------------------- */

/* A packet every 10 ms (each its own group), arriving with a one-way
 * delay that grows by `growth` ns a packet; the usage after n. */
static enum rtc_cc_usage run_delay(int64_t growth, unsigned n, unsigned *first_change)
{
	struct rtc_cc_delay d;
	int64_t delay = 50 * MS;

	rtc_cc_delay_init(&d);
	*first_change = 0;
	for (unsigned i = 0; i < n; i++) {
		int64_t send = (int64_t)(i * 10 * MS);

		rtc_cc_delay_update(&d, send, send + delay);
		delay += growth;
		if (delay < 0)
			delay = 0;
		if (!*first_change && d.usage != RTC_CC_NORMAL)
			*first_change = i;
	}
	return d.usage;
}

static void test_delay_detector(void)
{
	unsigned at;

	CHECK_INTEQ(run_delay(0, 500, &at), RTC_CC_NORMAL);
	CHECK_INTEQ(at, 0);
	/* A queue growing by 1 ms every 10 ms: overuse, within half a second. */
	CHECK_INTEQ(run_delay(1 * MS, 200, &at), RTC_CC_OVERUSING);
	printf("# overuse after %u packets\n", at);
	CHECK(at > 0 && at < 50);
	/* Draining by 1 ms every 10 ms: underuse. */
	CHECK_INTEQ(run_delay(-(int64_t)MS, 45, &at), RTC_CC_UNDERUSING);
	/* Jitter of +-2 ms with no trend: normal. */
	{
		struct rtc_cc_delay d;
		unsigned changes = 0;

		rtc_cc_delay_init(&d);
		for (unsigned i = 0; i < 1000; i++) {
			int64_t send = (int64_t)(i * 10 * MS);

			rtc_cc_delay_update(&d, send, send + 50 * MS + (i % 2 ? 2 : -2) * (int64_t)MS);
			changes += d.usage == RTC_CC_OVERUSING;
		}
		CHECK_INTEQ(changes, 0);
	}
}

/* Packets sent within 5 ms are one group; a delta comes when the group
 * after the next one starts. */
static void test_groups(void)
{
	struct rtc_cc_delay d;

	rtc_cc_delay_init(&d);
	for (unsigned i = 0; i <= 5; i++)   /* 0..5 ms: one group */
		CHECK(!rtc_cc_delay_update(&d, (int64_t)(i * MS), (int64_t)(i * MS + 20 * MS)));
	CHECK(!rtc_cc_delay_update(&d, 7 * MS, 27 * MS));   /* closes the first: no prev */
	CHECK(!rtc_cc_delay_update(&d, 9 * MS, 29 * MS));
	CHECK(rtc_cc_delay_update(&d, 14 * MS, 34 * MS));   /* closes the second: a delta */
	CHECK_INTEQ(d.deltas, 1);
	/* A burst: sent 6 ms after the group began but arriving within
	 * 5 ms of its last packet, sooner than sent: joins the group. */
	CHECK(!rtc_cc_delay_update(&d, 20 * MS, 35 * MS));
	CHECK(!rtc_cc_delay_update(&d, 21 * MS, 35 * MS + 500000));
	CHECK_INTEQ(d.deltas, 1);
	/* Sent before the current group: ignored. */
	CHECK(!rtc_cc_delay_update(&d, 1 * MS, 37 * MS));
	/* Spaced as sent: a group of its own. */
	CHECK(rtc_cc_delay_update(&d, 30 * MS, 45 * MS));
	CHECK_INTEQ(d.deltas, 2);
}

/* ---- AIMD -------------------------------------------------------------- */

static void test_aimd(void)
{
	struct rtc_cc_aimd a;
	uint64_t t = 10 * S;

	/* Far from any known capacity: 8 % a second. */
	rtc_cc_aimd_init(&a, 1000000, 30000, 1e8);
	rtc_cc_aimd_update(&a, t, RTC_CC_NORMAL, 1000000);
	CHECK_INTEQ(a.state, RTC_CC_INCREASE);
	for (unsigned i = 1; i <= 10; i++)
		rtc_cc_aimd_update(&a, t + i * 100 * MS, RTC_CC_NORMAL, 1000000);
	printf("# after 1 s of increase: %.0f\n", a.bitrate);
	CHECK(fabs(a.bitrate - 1080000) < 2000);

	/* Overuse: 0.85 x the acked rate, then hold. */
	rtc_cc_aimd_update(&a, t + 2 * S, RTC_CC_OVERUSING, 900000);
	CHECK(fabs(a.bitrate - 765000) < 1);
	CHECK_INTEQ(a.state, RTC_CC_HOLD);
	CHECK(a.have_capacity);
	/* Underuse holds; normal then increases, additively near capacity:
	 * a few kbit/s a second, not 8 %. */
	rtc_cc_aimd_update(&a, t + 2100 * MS, RTC_CC_UNDERUSING, 760000);
	CHECK(fabs(a.bitrate - 765000) < 1);
	rtc_cc_aimd_update(&a, t + 2200 * MS, RTC_CC_NORMAL, 760000);
	rtc_cc_aimd_update(&a, t + 3200 * MS, RTC_CC_NORMAL, 760000);
	printf("# 1 s of additive increase: +%.0f\n", a.bitrate - 765000);
	CHECK(a.bitrate > 765000 + 4000);
	CHECK(a.bitrate < 765000 + 30000);

	/* Cut again only after an RTT (here 200 ms), or when the acked rate
	 * fell below half the estimate. */
	CHECK(!rtc_cc_aimd_time_to_reduce(&a, t + 3300 * MS, 700000));
	CHECK(rtc_cc_aimd_time_to_reduce(&a, t + 3300 * MS, 300000));
	CHECK(rtc_cc_aimd_time_to_reduce(&a, t + 3400 * MS, 700000));

	/* A probe is believed, within the bounds. */
	rtc_cc_aimd_set_estimate(&a, t + 4 * S, 3000000, true);
	CHECK(fabs(a.bitrate - 3000000) < 1);
	rtc_cc_aimd_set_estimate(&a, t + 4 * S, 1e12, true);
	CHECK(fabs(a.bitrate - 1e8) < 1);
	rtc_cc_aimd_set_estimate(&a, t + 4 * S, 1, false);
	CHECK(fabs(a.bitrate - 30000) < 1);
}

/* An application sending 100 kbit/s: the estimate grows to 1.5 x that
 * + 10 kbit/s and stops there. */
static void test_aimd_acked_bound(void)
{
	struct rtc_cc_aimd a;

	rtc_cc_aimd_init(&a, 100000, 30000, 1e8);
	for (unsigned i = 0; i < 600; i++)
		rtc_cc_aimd_update(&a, i * 100 * MS, RTC_CC_NORMAL, 100000);
	CHECK(fabs(a.bitrate - 160000) < 1);
	/* Already above the bound (a probe showed more): held, not cut. */
	rtc_cc_aimd_set_estimate(&a, 61 * S, 2000000, true);
	rtc_cc_aimd_update(&a, 62 * S, RTC_CC_NORMAL, 100000);
	CHECK(fabs(a.bitrate - 2000000) < 1);
}

/* ---- the acked bitrate ------------------------------------------------- */

static void test_acked_bitrate(void)
{
	struct rtc_cc_acked e;

	rtc_cc_acked_init(&e);
	CHECK(rtc_cc_acked_bitrate(&e) < 0);
	for (unsigned i = 0; i < 300; i++)   /* 1250 bytes every 10 ms: 1 Mbit/s */
		rtc_cc_acked_update(&e, (int64_t)(i * 10 * MS), 1250);
	printf("# acked %.0f\n", rtc_cc_acked_bitrate(&e));
	CHECK(fabs(rtc_cc_acked_bitrate(&e) - 1000000) < 50000);
	for (unsigned i = 0; i < 300; i++)   /* then 500 kbit/s */
		rtc_cc_acked_update(&e, (int64_t)(3 * S + i * 20 * MS), 1250);
	printf("# acked %.0f\n", rtc_cc_acked_bitrate(&e));
	CHECK(fabs(rtc_cc_acked_bitrate(&e) - 500000) < 50000);
}

/* ---- probe clusters ---------------------------------------------------- */

static void test_probe_estimator(void)
{
	struct rtc_cc_probe_estimator e;
	struct rtc_cc_probe probe = { .id = 4, .bitrate = 4000000, .bytes = 7500, .min_packets = 5 };
	struct rtc_cc_packet_result r = { .probe_cluster = 4, .size = 1250, .received = true };
	double rate = -1;

	rtc_cc_probe_estimator_init(&e);
	rtc_cc_probe_estimator_start(&e, &probe);
	/* Sent at 4 Mbit/s (every 2.5 ms), arriving at 2 (every 5 ms). */
	for (unsigned i = 0; i < 6; i++) {
		r.send_time = 1 * S + i * 2500000;
		r.arrival = (int64_t)(2 * S + i * 5 * MS);
		rate = rtc_cc_probe_estimator_update(&e, &r);
		if (i < 4)
			CHECK(rate < 0);   /* under 80 % of its bytes */
	}
	printf("# probe of 4 Mbit/s through 2: %.0f\n", rate);
	CHECK(fabs(rate - 0.95 * 2000000) < 1);
	/* Other clusters and lost packets do not count. */
	r.probe_cluster = 5;
	CHECK(rtc_cc_probe_estimator_update(&e, &r) < 0);
	r.probe_cluster = RTC_CC_NO_CLUSTER;
	CHECK(rtc_cc_probe_estimator_update(&e, &r) < 0);

	/* Unsaturated: arriving as fast as sent gives the send rate. */
	probe.id = 6;
	rtc_cc_probe_estimator_start(&e, &probe);
	r.probe_cluster = 6;
	for (unsigned i = 0; i < 6; i++) {
		r.send_time = 5 * S + i * 2500000;
		r.arrival = (int64_t)(6 * S + i * 2500000);
		rate = rtc_cc_probe_estimator_update(&e, &r);
	}
	CHECK(fabs(rate - 4000000) < 1);

	/* The pacer started cluster 8 over (it was polled late): its first
	 * packet, 200 ms before the rest, is not measured with them, nor is
	 * a straggler of the first attempt; the new attempt alone gives its
	 * rate. Mixed, 1 packet sent 200 ms early made it 0.2 Mbit/s. */
	probe.id = 8;
	rtc_cc_probe_estimator_start(&e, &probe);
	r.probe_cluster = 8;
	r.send_time = 9 * S;
	r.arrival = (int64_t)(10 * S);
	CHECK(rtc_cc_probe_estimator_update(&e, &r) < 0);
	r.probe_cluster = 8 + RTC_CC_PROBE_ATTEMPT;
	for (unsigned i = 0; i < 6; i++) {
		r.send_time = 9 * S + 200 * MS + i * 2500000;
		r.arrival = (int64_t)(10 * S + 200 * MS + i * 2500000);
		rate = rtc_cc_probe_estimator_update(&e, &r);
		if (i < 4)
			CHECK(rate < 0);
	}
	CHECK(fabs(rate - 4000000) < 1);
	r.probe_cluster = 8;
	CHECK(rtc_cc_probe_estimator_update(&e, &r) < 0);
}

/* ---- the whole --------------------------------------------------------- */

static void test_start(void)
{
	struct rtc_gcc *g = rtc_gcc_new(NULL, 5 * S);
	struct rtc_gcc_event ev;
	struct rtc_gcc_config config;

	CHECK(rtc_gcc_poll_event(g, &ev));
	CHECK_INTEQ(ev.type, RTC_GCC_TARGET);
	CHECK_INTEQ(ev.target_bps, 300000);
	CHECK_INTEQ(ev.pacing_bps, 750000);
	CHECK(rtc_gcc_poll_event(g, &ev));
	CHECK_INTEQ(ev.type, RTC_GCC_PROBE);
	CHECK_INTEQ(ev.probe.bitrate, 900000);
	CHECK_INTEQ(ev.probe.bytes, 900000 * 15 / 1000 / 8);
	CHECK_INTEQ(ev.probe.min_packets, 5);
	CHECK(rtc_gcc_poll_event(g, &ev));
	CHECK_INTEQ(ev.type, RTC_GCC_PROBE);
	CHECK_INTEQ(ev.probe.bitrate, 1800000);
	CHECK(!rtc_gcc_poll_event(g, &ev));
	/* Waiting for the probes' results for a second. */
	CHECK_INTEQ(rtc_gcc_deadline(g), 6 * S);
	rtc_gcc_handle_timeout(g, 6 * S);
	CHECK_INTEQ(rtc_gcc_deadline(g), RTC_NEVER);
	rtc_gcc_free(g);

	rtc_gcc_config_default(&config);
	config.initial_probe = false;
	config.start_bps = 5;   /* below the minimum */
	g = rtc_gcc_new(&config, 0);
	CHECK(rtc_gcc_poll_event(g, &ev));
	CHECK_INTEQ(ev.target_bps, config.min_bps);
	CHECK(!rtc_gcc_poll_event(g, &ev));
	rtc_gcc_free(g);
}

/* A probe that comes back slower than the estimate (a busy receiver
 * spread its few packets) is no reason to go below it; one that comes
 * back at its rate raises the target to it. */
static void test_slow_probe_ignored(void)
{
	struct rtc_gcc *g = rtc_gcc_new(NULL, 1 * S);
	struct rtc_gcc_event ev;
	struct rtc_cc_probe probes[2];
	struct rtc_cc_packet_result r[6];
	unsigned n = 0;

	while (rtc_gcc_poll_event(g, &ev))
		if (ev.type == RTC_GCC_PROBE && n < 2)
			probes[n++] = ev.probe;
	CHECK_INTEQ(n, 2);
	for (unsigned p = 0; p < 2; p++) {
		/* Sent in 15 ms; the 900 kbit/s one arrives over 750 ms. */
		uint64_t spacing = p == 0 ? 150 * MS : 3 * MS;

		for (unsigned i = 0; i < 6; i++)
			r[i] = (struct rtc_cc_packet_result){
				.seq = p * 6 + i, .send_time = 1 * S + p * 20 * MS + i * 3 * MS,
				.arrival = (int64_t)(1 * S + p * 800 * MS + 20 * MS + i * spacing),
				.size = probes[p].bytes / 5 + 1, .probe_cluster = probes[p].id,
				.received = true,
			};
		rtc_gcc_handle_feedback(g, 2 * S + p * 100 * MS, r, 6);
		printf("# after the %llu bit/s probe: target %llu\n",
		       (unsigned long long)probes[p].bitrate,
		       (unsigned long long)rtc_gcc_target_bps(g));
		if (p == 0)
			CHECK(rtc_gcc_target_bps(g) >= 300000);
		else
			CHECK(rtc_gcc_target_bps(g) > 1500000);
	}
	rtc_gcc_free(g);
}

static void test_remb_and_report_loss(void)
{
	struct rtc_gcc_config config;
	struct rtc_gcc *g;
	struct rtc_gcc_event ev;
	uint64_t t = 1 * S;

	rtc_gcc_config_default(&config);
	config.initial_probe = false;
	g = rtc_gcc_new(&config, t);
	while (rtc_gcc_poll_event(g, &ev))
		;
	rtc_gcc_handle_remb(g, t, 500000);
	CHECK_INTEQ(rtc_gcc_target_bps(g), 500000);
	CHECK(rtc_gcc_poll_event(g, &ev));
	CHECK_INTEQ(ev.target_bps, 500000);
	rtc_gcc_handle_remb(g, t, 510000);   /* 2 %: no event */
	CHECK_INTEQ(rtc_gcc_target_bps(g), 510000);
	CHECK(!rtc_gcc_poll_event(g, &ev));
	rtc_gcc_handle_remb(g, t, 1000);     /* not below the minimum */
	CHECK_INTEQ(rtc_gcc_target_bps(g), 30000);
	rtc_gcc_handle_remb(g, t, 500000);

	/* 20 % lost: cut by 10 %, and not again within 300 ms + RTT. */
	rtc_gcc_handle_rtt(g, t, 100 * MS);
	rtc_gcc_handle_loss_report(g, t, 52, 100);   /* 20 of 100 */
	CHECK_INTEQ(rtc_gcc_target_bps(g), 450000);
	rtc_gcc_handle_loss_report(g, t + 200 * MS, 52, 100);
	CHECK_INTEQ(rtc_gcc_target_bps(g), 450000);
	rtc_gcc_handle_loss_report(g, t + 400 * MS, 52, 100);
	CHECK_INTEQ(rtc_gcc_target_bps(g), 405000);
	/* 5 %: held. Then none: back up at 8 %/s until REMB limits again. */
	rtc_gcc_handle_loss_report(g, t + 1400 * MS, 13, 100);
	CHECK_INTEQ(rtc_gcc_target_bps(g), 405000);
	rtc_gcc_handle_loss_report(g, t + 2400 * MS, 0, 100);
	CHECK(rtc_gcc_target_bps(g) > 405000 * 1.07);
	CHECK(rtc_gcc_target_bps(g) < 405000 * 1.09 + 2000);
	for (unsigned i = 1; i <= 20; i++)
		rtc_gcc_handle_loss_report(g, t + 2400 * MS + i * S, 0, 100);
	CHECK_INTEQ(rtc_gcc_target_bps(g), 500000);
	/* Too few packets to judge: nothing. */
	rtc_gcc_handle_loss_report(g, t + 30 * S, 255, 10);
	CHECK_INTEQ(rtc_gcc_target_bps(g), 500000);
	rtc_gcc_free(g);
}

/* Feedback with 30 % of packets lost and no delay trend: the loss-based
 * limit cuts, once a second, to no less than 0.85 x the acked rate (here
 * 700 kbit/s of the 1 Mbit/s sent: the sender does not follow); receiver
 * reports are ignored once feedback comes. */
static void test_feedback_loss(void)
{
	struct rtc_gcc_config config;
	struct rtc_gcc *g;
	struct rtc_cc_packet_result r[50];
	uint64_t t = 1 * S, before;

	rtc_gcc_config_default(&config);
	config.initial_probe = false;
	config.start_bps = 1000000;
	g = rtc_gcc_new(&config, t);
	for (unsigned fb = 0; fb < 10; fb++) {
		for (unsigned i = 0; i < 50; i++) {
			uint64_t seq = fb * 50 + i, send = t + seq * 10 * MS;

			r[i] = (struct rtc_cc_packet_result){
				.seq = seq,
				.send_time = send,
				.arrival = (int64_t)(send + 30 * MS),
				.size = 1250,
				.probe_cluster = RTC_CC_NO_CLUSTER,
				.received = i % 10 >= 3,
			};
		}
		rtc_gcc_handle_feedback(g, t + (fb + 1) * 500 * MS + 40 * MS, r, 50);
	}
	printf("# after 5 s of 30 %% loss: %llu\n", (unsigned long long)rtc_gcc_target_bps(g));
	CHECK(rtc_gcc_target_bps(g) < 620000);
	CHECK(rtc_gcc_target_bps(g) > 450000);
	before = rtc_gcc_target_bps(g);
	rtc_gcc_handle_loss_report(g, t + 10 * S, 0, 1000);
	CHECK_INTEQ(rtc_gcc_target_bps(g), before);
	rtc_gcc_free(g);
}

static void test_alr(void)
{
	struct rtc_gcc_config config;
	struct rtc_gcc *g;
	struct rtc_gcc_event ev;
	uint64_t t = 1 * S;
	bool probed = false;

	rtc_gcc_config_default(&config);
	config.initial_probe = false;
	config.alr_probe_interval = 5 * S;
	config.start_bps = 1000000;
	g = rtc_gcc_new(&config, t);
	while (rtc_gcc_poll_event(g, &ev))
		;
	/* 100 kbit/s against a 1 Mbit/s target: application-limited. */
	for (unsigned i = 0; i < 100; i++)
		rtc_gcc_on_packet_sent(g, t + i * 10 * MS, 125);
	CHECK(rtc_gcc_in_alr(g));
	CHECK(rtc_gcc_deadline(g) <= t + 6 * S);
	rtc_gcc_handle_timeout(g, rtc_gcc_deadline(g));
	CHECK(rtc_gcc_poll_event(g, &ev));
	CHECK_INTEQ(ev.type, RTC_GCC_PROBE);
	CHECK_INTEQ(ev.probe.bitrate, 2000000);
	rtc_gcc_handle_timeout(g, t + 8 * S);   /* the probe's result never came */
	/* Now sending at the target: out of ALR, and a probe for more. */
	for (unsigned i = 0; i < 100 && rtc_gcc_in_alr(g); i++)
		rtc_gcc_on_packet_sent(g, t + 8 * S + i * 10 * MS, 1250);
	CHECK(!rtc_gcc_in_alr(g));
	while (rtc_gcc_poll_event(g, &ev))
		probed |= ev.type == RTC_GCC_PROBE && ev.probe.bitrate == 2000000;
	CHECK(probed);
	rtc_gcc_free(g);
}

int main(void)
{
	RUN(test_delay_detector);
	RUN(test_groups);
	RUN(test_aimd);
	RUN(test_aimd_acked_bound);
	RUN(test_acked_bitrate);
	RUN(test_probe_estimator);
	RUN(test_start);
	RUN(test_slow_probe_ignored);
	RUN(test_remb_and_report_loss);
	RUN(test_feedback_loss);
	RUN(test_alr);
	return rtc_test_done();
}
