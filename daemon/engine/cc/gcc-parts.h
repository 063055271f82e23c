/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts gcc.c is built from, each in its own file and tested on its
 * own (draft-ietf-rmcat-gcc-02 as libwebrtc's goog_cc grew it):
 *
 *   delay-detector.c   send-time groups of 5 ms, their inter-arrival delay
 *                      variation, the trendline slope over 20 groups and
 *                      the adaptive threshold: normal, overusing, underusing
 *   aimd.c             the rate controller: a decrease to 0.85 x the acked
 *                      rate on overuse, multiplicative increase (8 %/s) far
 *                      from the last known capacity, additive near it, and
 *                      never above 1.5 x the acked rate + 10 kbit/s
 *   acked-bitrate.c    the acknowledged (received) bitrate: 150 ms windows
 *                      (500 ms for the first) under a Bayesian filter
 *   probe-estimator.c  a probe cluster's rate: min(sent, received) rate
 *
 * Rates are in bits per second as doubles; times in ns.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/cc/cc.h"

/* ---- delay-detector.c ---------------------------------------------- */

enum rtc_cc_usage {
	RTC_CC_NORMAL,
	RTC_CC_UNDERUSING,
	RTC_CC_OVERUSING,
};

#define RTC_CC_GROUP_LENGTH 5000000          /* ns of send time per group */
#define RTC_CC_TRENDLINE_WINDOW 20u
#define RTC_CC_TRENDLINE_SMOOTHING 0.9
#define RTC_CC_TRENDLINE_GAIN 4.0

struct rtc_cc_group {
	int64_t first_send, last_send;       /* ns */
	int64_t first_arrival, last_arrival; /* ns, the receiver's clock */
	bool started;
};

struct rtc_cc_delay {
	struct rtc_cc_group cur, prev;
	unsigned reordered;                  /* consecutive negative arrival deltas */
	/* trendline */
	unsigned deltas;                     /* delay samples, up to 1000 */
	double accumulated;                  /* ms */
	double smoothed;                     /* ms */
	int64_t first_arrival;               /* ns, origin of the x axis */
	double x[RTC_CC_TRENDLINE_WINDOW], y[RTC_CC_TRENDLINE_WINDOW];
	size_t points, head;
	double trend, prev_trend;
	double modified_trend;
	/* overuse detector */
	double threshold;                    /* ms */
	int64_t threshold_updated;           /* ns; -1: never */
	double time_over_using;              /* ms; < 0: not over */
	unsigned overuse_count;
	enum rtc_cc_usage usage;
};

void rtc_cc_delay_init(struct rtc_cc_delay *d);
/* One received packet, in send order. Returns true when it closed a
 * group and the detector's usage was brought up to date. */
bool rtc_cc_delay_update(struct rtc_cc_delay *d, int64_t send_time, int64_t arrival);

/* ---- aimd.c -------------------------------------------------------- */

enum rtc_cc_aimd_state {
	RTC_CC_HOLD,
	RTC_CC_INCREASE,
	RTC_CC_DECREASE,
};

struct rtc_cc_aimd {
	double bitrate;
	double min_bitrate, max_bitrate;
	double throughput;                   /* the last acked rate given */
	bool have_capacity;                  /* link capacity: set by decreases and probes */
	double capacity, capacity_deviation; /* kbps and its normalised variance, as libwebrtc */
	enum rtc_cc_aimd_state state;
	uint64_t last_change, last_decrease;
	bool changed_once;
	uint64_t rtt;
};

void rtc_cc_aimd_init(struct rtc_cc_aimd *a, double start, double min, double max);
/* A detector verdict with the acked rate (< 0: none measured yet). */
void rtc_cc_aimd_update(struct rtc_cc_aimd *a, uint64_t now, enum rtc_cc_usage usage,
			double acked);
/* A probe measured this rate: believe it. */
void rtc_cc_aimd_set_estimate(struct rtc_cc_aimd *a, uint64_t now, double bitrate, bool probe);
/* When overusing, whether to cut again yet (once per RTT, clamped to
 * 10..200 ms, or at once if the acked rate fell below half the estimate). */
bool rtc_cc_aimd_time_to_reduce(const struct rtc_cc_aimd *a, uint64_t now, double acked);

/* ---- acked-bitrate.c ----------------------------------------------- */

struct rtc_cc_acked {
	double estimate;                     /* bps; < 0: none yet */
	double variance;
	int64_t prev_arrival;                /* ns; the receiver's clock */
	bool have_prev;
	int64_t window_time;                 /* ns accumulated in the current window */
	double window_bytes;
	bool first_window_done;
};

void rtc_cc_acked_init(struct rtc_cc_acked *e);
void rtc_cc_acked_update(struct rtc_cc_acked *e, int64_t arrival, uint32_t size);
/* bps, or < 0 before the first window closed. */
double rtc_cc_acked_bitrate(const struct rtc_cc_acked *e);

/* ---- probe-estimator.c --------------------------------------------- */

#define RTC_CC_PROBE_CLUSTERS 8u

struct rtc_cc_probe_cluster {
	struct rtc_cc_probe probe;
	bool used;
	int64_t first_send, last_send, first_arrival, last_arrival;
	uint32_t last_send_size, first_arrival_size;
	uint64_t bytes;
	uint32_t packets;
	int32_t attempt;                 /* the pacer's, of the packets counted */
};

struct rtc_cc_probe_estimator {
	struct rtc_cc_probe_cluster clusters[RTC_CC_PROBE_CLUSTERS];
	size_t next;                         /* the slot a new cluster takes */
};

void rtc_cc_probe_estimator_init(struct rtc_cc_probe_estimator *e);
/* Remembers a cluster that was asked of the pacer. */
void rtc_cc_probe_estimator_start(struct rtc_cc_probe_estimator *e, const struct rtc_cc_probe *p);
/* A received packet of a cluster: returns the cluster's rate (bps) from
 * all of it received so far once enough arrived to tell (80 % of its
 * packets and bytes); < 0 otherwise. */
double rtc_cc_probe_estimator_update(struct rtc_cc_probe_estimator *e,
				     const struct rtc_cc_packet_result *r);
