/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live figures of `rtcctl call` from W3C webrtc-stats: inbound-rtp
 * (video size, fps, bytes, packetsLost, jitterBufferDelay), outbound-rtp
 * (bytes), and the round trip from remote-inbound-rtp (RTCP), or from the
 * selected candidate pair before RTCP measured one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call-figures.h"

static bool is_type(const rtc_dict *stats, const char *type)
{
	const char *t;

	return rtc_dict_get_string(stats, "type", &t) && strcmp(t, type) == 0;
}

static bool is_kind(const rtc_dict *stats, const char *kind)
{
	const char *k;

	return rtc_dict_get_string(stats, "kind", &k) && strcmp(k, kind) == 0;
}

static uint64_t get_u64(const rtc_dict *stats, const char *key)
{
	uint64_t v = 0;

	rtc_dict_get_uint64(stats, key, &v);
	return v;
}

static double get_double(const rtc_dict *stats, const char *key, double otherwise)
{
	double v;

	return rtc_dict_get_double(stats, key, &v) ? v : otherwise;
}

static const rtc_dict *find(const rtc_stats_report *report, const char *id)
{
	for (size_t i = 0; i < rtc_stats_report_count(report); i++)
		if (strcmp(rtc_stats_report_id(report, i), id) == 0)
			return rtc_stats_report_stats(report, i);
	return NULL;
}

/* The selected pair's currentRoundTripTime, in seconds; -1 if none. */
static double pair_rtt(const rtc_stats_report *report)
{
	for (size_t i = 0; i < rtc_stats_report_count(report); i++) {
		const rtc_dict *s = rtc_stats_report_stats(report, i);
		const char *pair_id;
		const rtc_dict *pair;

		if (is_type(s, "transport") &&
		    rtc_dict_get_string(s, "selectedCandidatePairId", &pair_id) &&
		    (pair = find(report, pair_id)))
			return get_double(pair, "currentRoundTripTime", -1);
	}
	return -1;
}

void call_figures_read(const rtc_stats_report *report, uint64_t now_ns,
		       struct call_counters *last, struct call_figures *f)
{
	struct call_counters now = { .valid = true, .at_ns = now_ns };
	double remote_rtt = -1;

	*f = (struct call_figures){ .fps = -1, .kbps_in = -1, .kbps_out = -1, .rtt_ms = -1,
				    .jitter_buffer_ms = -1 };
	for (size_t i = 0; i < rtc_stats_report_count(report); i++) {
		const rtc_dict *s = rtc_stats_report_stats(report, i);

		if (is_type(s, "inbound-rtp")) {
			int64_t lost = 0;
			double d;

			now.bytes_in += get_u64(s, "bytesReceived");
			if (rtc_dict_get_double(s, "packetsLost", &d))
				lost = (int64_t)d;
			f->packets_lost += lost;
			bool video = is_kind(s, "video");
			now.jitter_buffer_delay[!video] += get_double(s, "jitterBufferDelay", 0);
			now.jitter_buffer_emitted[!video] += get_u64(s, "jitterBufferEmittedCount");
			if (!video)
				continue;
			f->width = (uint32_t)get_u64(s, "frameWidth");
			f->height = (uint32_t)get_u64(s, "frameHeight");
			f->fps = get_double(s, "framesPerSecond", -1);
		} else if (is_type(s, "outbound-rtp")) {
			now.bytes_out += get_u64(s, "bytesSent");
		} else if (is_type(s, "remote-inbound-rtp")) {
			double rtt = get_double(s, "roundTripTime", -1);

			if (rtt >= 0 && (remote_rtt < 0 || rtt < remote_rtt))
				remote_rtt = rtt;
		}
	}
	/* RTCP's round trip is measured every report; the pair's only by
	 * consent checks, seconds apart. */
	double rtt = remote_rtt >= 0 ? remote_rtt : pair_rtt(report);
	f->rtt_ms = rtt >= 0 ? rtt * 1000 : -1;

	if (last->valid && now.at_ns > last->at_ns) {
		double seconds = (double)(now.at_ns - last->at_ns) / 1e9;

		if (now.bytes_in >= last->bytes_in)
			f->kbps_in = (double)(now.bytes_in - last->bytes_in) * 8 / 1000 / seconds;
		if (now.bytes_out >= last->bytes_out)
			f->kbps_out = (double)(now.bytes_out - last->bytes_out) * 8 / 1000 / seconds;
		for (int k = 0; k < 2 && f->jitter_buffer_ms < 0; k++) {
			uint64_t emitted = now.jitter_buffer_emitted[k] -
					   last->jitter_buffer_emitted[k];

			if (now.jitter_buffer_emitted[k] > last->jitter_buffer_emitted[k])
				f->jitter_buffer_ms = (now.jitter_buffer_delay[k] -
						       last->jitter_buffer_delay[k]) *
						      1000 / (double)emitted;
		}
	}
	*last = now;
}

/* "%.*f unit", or "-" for a value not known. */
static const char *value(char *buf, size_t size, double v, int decimals, const char *unit)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*f%s", decimals, v, unit);
	return buf;
}

void call_figures_format(const struct call_figures *f, char *buf, size_t size)
{
	char video[48], fps[16], in[24], out[24], rtt[24], jb[24];

	if (f->width && f->height)
		snprintf(video, sizeof(video), "%ux%u", f->width, f->height);
	else
		snprintf(video, sizeof(video), "no video");
	snprintf(buf, size,
		 "%s %s fps | in %s | out %s | lost %lld | rtt %s | jitter buffer %s",
		 video, value(fps, sizeof(fps), f->fps, 1, ""),
		 value(in, sizeof(in), f->kbps_in, 0, " kbit/s"),
		 value(out, sizeof(out), f->kbps_out, 0, " kbit/s"), (long long)f->packets_lost,
		 value(rtt, sizeof(rtt), f->rtt_ms, 1, " ms"),
		 value(jb, sizeof(jb), f->jitter_buffer_ms, 0, " ms"));
}

bool latency_add(struct latency *l, double ms)
{
	if (l->count == l->capacity) {
		size_t capacity = l->capacity ? l->capacity * 2 : 256;
		double *grown = realloc(l->ms, capacity * sizeof(*grown));

		if (!grown)
			return false;
		l->ms = grown;
		l->capacity = capacity;
	}
	l->ms[l->count++] = ms;
	return true;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

bool latency_summary(struct latency *l, double *median, double *p95)
{
	if (l->count == 0)
		return false;
	qsort(l->ms, l->count, sizeof(*l->ms), compare_double);
	*median = l->count % 2 ? l->ms[l->count / 2]
			       : (l->ms[l->count / 2 - 1] + l->ms[l->count / 2]) / 2;
	/* Nearest rank: the smallest sample with 95 % at or below it. */
	size_t rank = (l->count * 95 + 99) / 100;
	*p95 = l->ms[rank - 1];
	return true;
}

void latency_clear(struct latency *l)
{
	free(l->ms);
	*l = (struct latency){ 0 };
}
