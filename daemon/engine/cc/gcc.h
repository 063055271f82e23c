/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Send-side Google Congestion Control (draft-ietf-rmcat-gcc-02, as
 * libwebrtc's goog_cc has grown it): the target bitrate for the encoders
 * and the pacing rate and probes for the pacer, from transport-wide
 * feedback (twcc-sender.h's packet results), REMB and receiver reports.
 *
 * The target is the least of:
 *   - the delay-based estimate (gcc-parts.h: trendline overuse detection
 *     driving an AIMD controller, with probe results believed outright),
 *     bounded by 1.5 x the acked bitrate + 10 kbit/s so an application
 *     that sends little (application-limited) never earns a high target
 *     by waiting; only probes can show more capacity;
 *   - the loss-based limit: more than 10 % loss (from feedback, judged
 *     once a second) cuts the target by half the loss rate, at most once
 *     per 300 ms + RTT and not below 0.85 x the acked rate; under 2 % it
 *     recovers to 8 % above the least target of the last second +
 *     1 kbit/s, until it no longer limits;
 *   - the last REMB from the peer. Without transport-wide feedback, REMB
 *     is the estimate (REMB-only peers), under the loss-based limit fed by
 *     receiver reports;
 * and stays within [min, max].
 *
 * Probing: two clusters at 3 and 6 x the start rate at the start, another
 * at 2 x the result while results come back at 70 % of the probed rate or
 * more; one at 2 x the target when the application leaves ALR (it starts
 * sending at its target), and optionally every alr_probe_interval while in
 * ALR. ALR (application-limited region): the sent rate over ~500 ms stays
 * under 65 % of the target.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/cc/cc.h"

struct rtc_gcc_config {
	uint64_t min_bps;
	uint64_t max_bps;
	uint64_t start_bps;
	double pacing_factor;        /* pacing rate / target */
	bool initial_probe;
	bool probe_on_alr_exit;
	uint64_t alr_probe_interval; /* ns; 0: no periodic probes in ALR */
};

/* 30 kbit/s .. 100 Mbit/s, start 300 kbit/s, pacing 2.5 x, initial probes
 * and the probe on ALR exit on, no periodic ALR probes (libwebrtc's). */
void rtc_gcc_config_default(struct rtc_gcc_config *config);

enum rtc_gcc_event_type {
	RTC_GCC_TARGET = 1,   /* the target moved by more than RTC_GCC_REPORT_CHANGE */
	RTC_GCC_PROBE,        /* hand `probe` to the pacer (rtc_pacer_probe) */
};

#define RTC_GCC_REPORT_CHANGE 0.03

struct rtc_gcc_event {
	enum rtc_gcc_event_type type;
	uint64_t target_bps;
	uint64_t pacing_bps;
	struct rtc_cc_probe probe;
};

struct rtc_gcc;

/* config NULL: the defaults. The first target event and the initial
 * probes are waiting to be polled. NULL when out of memory. */
struct rtc_gcc *rtc_gcc_new(const struct rtc_gcc_config *config, uint64_t now);
void rtc_gcc_free(struct rtc_gcc *g);

/* Each packet as it leaves (media, retransmission, padding): for ALR. */
void rtc_gcc_on_packet_sent(struct rtc_gcc *g, uint64_t now, uint32_t size);

/* The results of one transport-wide feedback message. */
void rtc_gcc_handle_feedback(struct rtc_gcc *g, uint64_t now,
			     const struct rtc_cc_packet_result *results, size_t count);

/* A REMB's bitrate (rtc_rtcp_remb_bitrate). */
void rtc_gcc_handle_remb(struct rtc_gcc *g, uint64_t now, uint64_t bps);

/* A receiver report's fraction lost (/256) over `packets` expected since
 * the last; used only while no transport-wide feedback comes. */
void rtc_gcc_handle_loss_report(struct rtc_gcc *g, uint64_t now, uint8_t fraction_lost,
				uint32_t packets);

/* An RTT from RTCP (rtt.h); otherwise feedback's round trip stands in. */
void rtc_gcc_handle_rtt(struct rtc_gcc *g, uint64_t now, uint64_t rtt);

void rtc_gcc_handle_timeout(struct rtc_gcc *g, uint64_t now);
uint64_t rtc_gcc_deadline(const struct rtc_gcc *g);
bool rtc_gcc_poll_event(struct rtc_gcc *g, struct rtc_gcc_event *ev);

uint64_t rtc_gcc_target_bps(const struct rtc_gcc *g);
uint64_t rtc_gcc_pacing_bps(const struct rtc_gcc *g);
bool rtc_gcc_in_alr(const struct rtc_gcc *g);
/* The acked bitrate, 0 before it is measured. */
uint64_t rtc_gcc_acked_bps(const struct rtc_gcc *g);
