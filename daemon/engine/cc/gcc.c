/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Google Congestion Control, the whole send side: see gcc.h. The parts
 * (gcc-parts.h) do the estimating; this file feeds them, adds the
 * loss-based limit, REMB, ALR detection and the probe controller, and
 * reports what changed.
 */
#include "engine/cc/gcc.h"

#include "engine/base/sansio.h"
#include "engine/cc/gcc-parts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000ull
#define MS 1000000ull
#define EVENTS 16u

/* loss-based, as libwebrtc's send_side_bandwidth_estimation.cc */
#define LOSS_MIN_PACKETS 20u
#define LOSS_HIGH 0.10
#define LOSS_LOW 0.02
#define LOSS_DECREASE_INTERVAL (300 * MS)   /* + RTT */
/* Loss from transport-wide feedback is judged over a second at a time
 * (goog_cc's kLossUpdateInterval), not per feedback message: a burst
 * counts once. */
#define LOSS_UPDATE_INTERVAL (1 * NS)
/* A cut never goes below this share of the acked rate (libwebrtc's
 * LossBasedBweV2 lower bound by the acked rate): when a drop-tail queue
 * overflows, what arrives is the link's rate, and the loss says nothing
 * more than the delay-based controller's 0.85 x acked already did. Under
 * random loss the acked rate falls with the target, and so does this. */
#define LOSS_ACKED_FLOOR 0.85
/* The increase under low loss: 8 % over the least target of the last
 * second, + 1 kbit/s (libwebrtc's min_bitrate_history_). */
#define LOSS_INCREASE 1.08
#define LOSS_INCREASE_OFFSET 1000.0
#define HISTORY_WINDOW (1 * NS)
#define HISTORY 64u

/* probing, as libwebrtc's probe_controller.cc */
#define PROBE_DURATION (15 * MS)
#define PROBE_MIN_PACKETS 5u
#define PROBE_FURTHER_RATIO 0.7
#define PROBE_WAIT (1 * NS)

/* ALR, as libwebrtc's alr_detector.cc */
#define ALR_USAGE 0.65
#define ALR_WINDOW (500 * MS)
#define ALR_START 0.80
#define ALR_STOP 0.50

struct rtc_gcc {
	struct rtc_gcc_config config;
	struct rtc_cc_delay delay;
	struct rtc_cc_aimd aimd;
	struct rtc_cc_acked acked;
	struct rtc_cc_probe_estimator probes;

	bool twcc_seen;
	bool have_remb;
	double remb;

	/* loss-based limit */
	bool loss_limited;
	double loss_limit;
	uint64_t loss_lost, loss_total;
	uint64_t loss_decreased;
	bool loss_decreased_once;
	uint64_t loss_next_update;          /* feedback loss is judged from then on */
	/* the target's minimum over the last second: a deque of (time, bps),
	 * increasing in both */
	struct {
		uint64_t at;
		double bps;
	} history[HISTORY];
	size_t history_head, history_count;

	uint64_t rtt;
	bool rtt_from_rtcp;

	/* ALR */
	double alr_budget;           /* bytes */
	uint64_t alr_last;
	bool alr_clock;
	bool in_alr;
	uint64_t next_alr_probe;

	/* probe controller */
	int32_t next_cluster;
	bool probe_waiting;
	uint64_t probe_wait_until;
	double probe_further_min;
	bool probe_at_max;

	double target;
	double reported;
	bool reported_once;

	struct rtc_gcc_event events[EVENTS];
	size_t event_head, event_count;
};

void rtc_gcc_config_default(struct rtc_gcc_config *config)
{
	*config = (struct rtc_gcc_config){
		.min_bps = 30000,
		.max_bps = 100000000,
		.start_bps = 300000,
		.pacing_factor = 2.5,
		.initial_probe = true,
		.probe_on_alr_exit = true,
	};
}

/* ---- events ----------------------------------------------------------- */

static void push_event(struct rtc_gcc *g, const struct rtc_gcc_event *ev)
{
	if (ev->type == RTC_GCC_TARGET) {
		/* One target event is enough: the newest. */
		for (size_t i = 0; i < g->event_count; i++) {
			struct rtc_gcc_event *e = &g->events[(g->event_head + i) % EVENTS];

			if (e->type == RTC_GCC_TARGET) {
				*e = *ev;
				return;
			}
		}
	}
	if (g->event_count == EVENTS) {
		g->event_head = (g->event_head + 1) % EVENTS;   /* the oldest goes */
		g->event_count--;
	}
	g->events[(g->event_head + g->event_count++) % EVENTS] = *ev;
}

bool rtc_gcc_poll_event(struct rtc_gcc *g, struct rtc_gcc_event *ev)
{
	if (!g->event_count)
		return false;
	*ev = g->events[g->event_head];
	g->event_head = (g->event_head + 1) % EVENTS;
	g->event_count--;
	return true;
}

/* ---- probes ----------------------------------------------------------- */

static void send_probe(struct rtc_gcc *g, uint64_t now, double bitrate)
{
	struct rtc_gcc_event ev = { .type = RTC_GCC_PROBE };

	if (bitrate > (double)g->config.max_bps)
		bitrate = (double)g->config.max_bps;
	if (bitrate <= g->target)
		return;
	ev.probe = (struct rtc_cc_probe){
		.id = g->next_cluster++,
		.bitrate = (uint64_t)bitrate,
		.bytes = (uint32_t)(bitrate * (double)PROBE_DURATION / 8e9),
		.min_packets = PROBE_MIN_PACKETS,
	};
	if (g->next_cluster >= RTC_CC_PROBE_ATTEMPT)
		g->next_cluster = 0;
	rtc_cc_probe_estimator_start(&g->probes, &ev.probe);
	push_event(g, &ev);
	g->probe_waiting = true;
	g->probe_wait_until = now + PROBE_WAIT;
	g->probe_further_min = PROBE_FURTHER_RATIO * bitrate;
	g->probe_at_max = bitrate >= (double)g->config.max_bps;
}

/* Exponential probing: while results come back near the probed rate,
 * the link may take twice as much. */
static void probe_on_estimate(struct rtc_gcc *g, uint64_t now)
{
	if (!g->probe_waiting)
		return;
	if (now >= g->probe_wait_until || g->probe_at_max) {
		g->probe_waiting = false;
		return;
	}
	if (g->target > g->probe_further_min)
		send_probe(g, now, 2 * g->target);
}

/* ---- the target ------------------------------------------------------- */

static void history_push(struct rtc_gcc *g, uint64_t now, double bps)
{
	while (g->history_count &&
	       g->history[(g->history_head + g->history_count - 1) % HISTORY].bps >= bps)
		g->history_count--;
	if (g->history_count == HISTORY) {
		g->history_head = (g->history_head + 1) % HISTORY;
		g->history_count--;
	}
	g->history[(g->history_head + g->history_count++) % HISTORY].at = now;
	g->history[(g->history_head + g->history_count - 1) % HISTORY].bps = bps;
}

/* The least target of the last second. */
static double history_min(struct rtc_gcc *g, uint64_t now)
{
	while (g->history_count > 1 && now - g->history[g->history_head].at >= HISTORY_WINDOW) {
		g->history_head = (g->history_head + 1) % HISTORY;
		g->history_count--;
	}
	return g->history_count ? g->history[g->history_head].bps : g->target;
}

static void update_target(struct rtc_gcc *g, uint64_t now)
{
	double t;

	if (g->twcc_seen)
		t = g->aimd.bitrate;
	else if (g->have_remb)
		t = g->remb;
	else
		t = g->target;
	if (g->twcc_seen && g->have_remb && g->remb < t)
		t = g->remb;
	if (g->loss_limited) {
		if (g->loss_limit >= t)
			g->loss_limited = false;   /* recovered: no longer the limit */
		else
			t = g->loss_limit;
	}
	if (t > (double)g->config.max_bps)
		t = (double)g->config.max_bps;
	if (t < (double)g->config.min_bps)
		t = (double)g->config.min_bps;
	g->target = t;
	history_push(g, now, t);
	if (!g->reported_once || fabs(t - g->reported) > RTC_GCC_REPORT_CHANGE * g->reported) {
		struct rtc_gcc_event ev = {
			.type = RTC_GCC_TARGET,
			.target_bps = rtc_gcc_target_bps(g),
			.pacing_bps = rtc_gcc_pacing_bps(g),
		};

		g->reported_once = true;
		g->reported = t;
		push_event(g, &ev);
	}
	probe_on_estimate(g, now);
}

/* ---- loss ------------------------------------------------------------- */

static void loss_update(struct rtc_gcc *g, uint64_t now, uint64_t lost, uint64_t total,
			bool feedback)
{
	double fraction, acked;

	g->loss_lost += lost;
	g->loss_total += total;
	if (feedback && now < g->loss_next_update)
		return;
	if (g->loss_total < LOSS_MIN_PACKETS)
		return;
	fraction = (double)g->loss_lost / (double)g->loss_total;
	g->loss_lost = g->loss_total = 0;
	if (feedback)
		g->loss_next_update = now + LOSS_UPDATE_INTERVAL;
	if (fraction > LOSS_HIGH) {
		if (!g->loss_decreased_once || now - g->loss_decreased >= LOSS_DECREASE_INTERVAL + g->rtt) {
			double limit = g->target * (1 - 0.5 * fraction);

			acked = g->twcc_seen ? rtc_cc_acked_bitrate(&g->acked) : -1;
			if (acked > 0 && limit < LOSS_ACKED_FLOOR * acked)
				limit = LOSS_ACKED_FLOOR * acked < g->target ? LOSS_ACKED_FLOOR * acked
									     : g->target;
			g->loss_limit = limit;
			g->loss_limited = true;
			g->loss_decreased = now;
			g->loss_decreased_once = true;
		}
	} else if (fraction < LOSS_LOW && g->loss_limited) {
		double up = history_min(g, now) * LOSS_INCREASE + LOSS_INCREASE_OFFSET;

		if (up > g->loss_limit)
			g->loss_limit = up;
	}
	if (g->loss_limited && g->loss_limit < (double)g->config.min_bps)
		g->loss_limit = (double)g->config.min_bps;
}

/* ---- inputs ----------------------------------------------------------- */

struct rtc_gcc *rtc_gcc_new(const struct rtc_gcc_config *config, uint64_t now)
{
	struct rtc_gcc *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	if (config)
		g->config = *config;
	else
		rtc_gcc_config_default(&g->config);
	if (!g->config.max_bps)
		g->config.max_bps = 100000000;
	if (g->config.min_bps > g->config.max_bps)
		g->config.min_bps = g->config.max_bps;
	if (g->config.start_bps < g->config.min_bps)
		g->config.start_bps = g->config.min_bps;
	if (g->config.start_bps > g->config.max_bps)
		g->config.start_bps = g->config.max_bps;
	if (!(g->config.pacing_factor >= 1 && g->config.pacing_factor <= 100))
		g->config.pacing_factor = 2.5;
	rtc_cc_delay_init(&g->delay);
	rtc_cc_aimd_init(&g->aimd, (double)g->config.start_bps, (double)g->config.min_bps,
			 (double)g->config.max_bps);
	rtc_cc_acked_init(&g->acked);
	rtc_cc_probe_estimator_init(&g->probes);
	g->rtt = g->aimd.rtt;
	g->target = (double)g->config.start_bps;
	update_target(g, now);
	if (g->config.initial_probe) {
		send_probe(g, now, 3.0 * (double)g->config.start_bps);
		send_probe(g, now, 6.0 * (double)g->config.start_bps);
	}
	return g;
}

void rtc_gcc_free(struct rtc_gcc *g)
{
	free(g);
}

void rtc_gcc_on_packet_sent(struct rtc_gcc *g, uint64_t now, uint32_t size)
{
	double max = ALR_USAGE * g->target * (double)ALR_WINDOW / 8e9, ratio;

	if (g->alr_clock && now > g->alr_last) {
		uint64_t elapsed = now - g->alr_last;

		if (elapsed > ALR_WINDOW)
			elapsed = ALR_WINDOW;
		g->alr_budget += ALR_USAGE * g->target * (double)elapsed / 8e9;
	}
	g->alr_clock = true;
	g->alr_last = now > g->alr_last ? now : g->alr_last;
	g->alr_budget -= size;
	if (g->alr_budget > max)
		g->alr_budget = max;
	if (g->alr_budget < -max)
		g->alr_budget = -max;
	ratio = max > 0 ? g->alr_budget / max : 0;
	if (!g->in_alr && ratio > ALR_START) {
		g->in_alr = true;
		g->next_alr_probe = now + g->config.alr_probe_interval;
	} else if (g->in_alr && ratio < ALR_STOP) {
		g->in_alr = false;
		if (g->config.probe_on_alr_exit && !g->probe_waiting)
			send_probe(g, now, 2 * g->target);
	}
}

/* A probe shows that the path takes at least its rate. One that came back
 * slower than what is already known to pass (its few packets met a busy
 * receiver, or the first feedback knows no acked rate yet) says nothing
 * of less, and the delay detector is the one to say "overuse": below this
 * floor a result is ignored (libwebrtc's limit of probes lower than the
 * throughput estimate). Believed, a 900 kbit/s initial probe measured at
 * 19 kbit/s cut a clean path's start to the minimum. */
static double probe_floor(const struct rtc_gcc *g, double acked)
{
	double floor = g->aimd.bitrate;

	if (acked > 0 && LOSS_ACKED_FLOOR * acked > floor)
		floor = LOSS_ACKED_FLOOR * acked;
	return floor;
}

void rtc_gcc_handle_feedback(struct rtc_gcc *g, uint64_t now,
			     const struct rtc_cc_packet_result *results, size_t count)
{
	uint64_t lost = 0, last_send = 0;
	double probe = -1, acked;

	if (!count)
		return;
	g->twcc_seen = true;
	for (size_t i = 0; i < count; i++) {
		const struct rtc_cc_packet_result *r = &results[i];
		double rate;

		if (!r->received) {
			lost++;
			continue;
		}
		rtc_cc_acked_update(&g->acked, r->arrival, r->size);
		rate = rtc_cc_probe_estimator_update(&g->probes, r);
		if (rate > 0)
			probe = rate;
		rtc_cc_delay_update(&g->delay, (int64_t)r->send_time, r->arrival);
		if (r->send_time > last_send)
			last_send = r->send_time;
	}
	/* The feedback's round trip (it includes the feedback interval). */
	if (!g->rtt_from_rtcp && last_send && now > last_send) {
		g->rtt = now - last_send;
		g->aimd.rtt = g->rtt;
	}
	acked = rtc_cc_acked_bitrate(&g->acked);
	if (g->delay.usage == RTC_CC_OVERUSING) {
		if (acked >= 0 && rtc_cc_aimd_time_to_reduce(&g->aimd, now, acked))
			rtc_cc_aimd_update(&g->aimd, now, RTC_CC_OVERUSING, acked);
		else if (acked < 0 && rtc_cc_aimd_time_to_reduce(&g->aimd, now, g->aimd.bitrate / 2 - 1))
			rtc_cc_aimd_set_estimate(&g->aimd, now, g->aimd.bitrate / 2, false);
	} else if (probe > 0 && probe >= probe_floor(g, acked)) {
		rtc_cc_aimd_set_estimate(&g->aimd, now, probe, true);
	} else {
		rtc_cc_aimd_update(&g->aimd, now, g->delay.usage, acked);
	}
	loss_update(g, now, lost, count, true);
	update_target(g, now);
}

void rtc_gcc_handle_remb(struct rtc_gcc *g, uint64_t now, uint64_t bps)
{
	g->have_remb = true;
	g->remb = (double)bps;
	update_target(g, now);
}

void rtc_gcc_handle_loss_report(struct rtc_gcc *g, uint64_t now, uint8_t fraction_lost,
				uint32_t packets)
{
	if (g->twcc_seen || !packets)
		return;
	loss_update(g, now, (uint64_t)fraction_lost * packets / 256, packets, false);
	update_target(g, now);
}

void rtc_gcc_handle_rtt(struct rtc_gcc *g, uint64_t now, uint64_t rtt)
{
	(void)now;
	g->rtt = rtt;
	g->rtt_from_rtcp = true;
	g->aimd.rtt = rtt;
}

void rtc_gcc_handle_timeout(struct rtc_gcc *g, uint64_t now)
{
	if (g->probe_waiting && now >= g->probe_wait_until)
		g->probe_waiting = false;
	if (g->in_alr && g->config.alr_probe_interval && now >= g->next_alr_probe) {
		g->next_alr_probe = now + g->config.alr_probe_interval;
		if (!g->probe_waiting)
			send_probe(g, now, 2 * g->target);
	}
}

uint64_t rtc_gcc_deadline(const struct rtc_gcc *g)
{
	uint64_t d = RTC_NEVER;

	if (g->probe_waiting)
		d = g->probe_wait_until;
	if (g->in_alr && g->config.alr_probe_interval && g->next_alr_probe < d)
		d = g->next_alr_probe;
	return d;
}

uint64_t rtc_gcc_target_bps(const struct rtc_gcc *g)
{
	return (uint64_t)g->target;
}

uint64_t rtc_gcc_pacing_bps(const struct rtc_gcc *g)
{
	return (uint64_t)(g->target * g->config.pacing_factor);
}

bool rtc_gcc_in_alr(const struct rtc_gcc *g)
{
	return g->in_alr;
}

uint64_t rtc_gcc_acked_bps(const struct rtc_gcc *g)
{
	double a = rtc_cc_acked_bitrate(&g->acked);

	return a > 0 ? (uint64_t)a : 0;
}
