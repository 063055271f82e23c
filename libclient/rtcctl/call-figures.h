/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `rtcctl call` shows once a second, computed from two GetStats
 * reports (rates are differences over the time between them), and the
 * glass-to-glass latency summary.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rtc/client.h>

/* The counters of one report that rates are made of. */
struct call_counters {
	bool valid;
	uint64_t at_ns;             /* when the report was taken */
	uint64_t bytes_in, bytes_out;
	/* jitterBufferDelay (s) and jitterBufferEmittedCount, video [0] and
	 * audio [1]: rtcd reports them for audio only so far. */
	double jitter_buffer_delay[2];
	uint64_t jitter_buffer_emitted[2];
};

/* A value below 0 is "not known yet". */
struct call_figures {
	uint32_t width, height;     /* received video; 0 = none */
	double fps;
	double kbps_in, kbps_out;
	int64_t packets_lost;       /* over every inbound stream */
	double rtt_ms;
	double jitter_buffer_ms;    /* average since the last report: video's, else audio's */
};

/* Reads `report` taken at now_ns; rates against *last, which it then
 * replaces. */
void call_figures_read(const rtc_stats_report *report, uint64_t now_ns,
		       struct call_counters *last, struct call_figures *figures);
/* "640x480 30.0 fps | in 1234 kbit/s | out 1200 kbit/s | lost 0 | rtt 0.3 ms |
 * jitter buffer 25 ms", "-" for what is not known. */
void call_figures_format(const struct call_figures *figures, char *buf, size_t size);

/* Glass-to-glass samples in ms. */
struct latency {
	double *ms;
	size_t count, capacity;
};

bool latency_add(struct latency *l, double ms);
/* Median and 95th percentile (nearest rank); false without samples. */
bool latency_summary(struct latency *l, double *median, double *p95);
void latency_clear(struct latency *l);
