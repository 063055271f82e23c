/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Delay-based overuse detection: send-time groups, the trendline filter
 * and the adaptive threshold (see gcc-parts.h). Constants are libwebrtc's
 * (inter_arrival_delta.cc, trendline_estimator.cc).
 */
#include "engine/cc/gcc-parts.h"

#include <math.h>
#include <string.h>

#define MS 1000000.0
#define BURST_DELTA 5000000          /* ns: arrivals this close may be one burst */
#define MAX_BURST_DURATION 100000000 /* ns */
#define REORDER_RESET 3u
#define MAX_DELTAS 1000u
#define MIN_DELTAS 60u               /* the trend's weight saturates here */
#define OVERUSE_TIME 10.0            /* ms above the threshold before overuse */
#define THRESHOLD_INIT 12.5
#define THRESHOLD_MIN 6.0
#define THRESHOLD_MAX 600.0
#define K_UP 0.0087
#define K_DOWN 0.039
#define MAX_ADAPT_OFFSET 15.0        /* ms: outliers do not move the threshold */

void rtc_cc_delay_init(struct rtc_cc_delay *d)
{
	memset(d, 0, sizeof(*d));
	d->threshold = THRESHOLD_INIT;
	d->threshold_updated = -1;
	d->time_over_using = -1;
	d->usage = RTC_CC_NORMAL;
}

/* A packet sent at the same time as the group, or arriving in a tight
 * burst after it (sooner than it was sent: queued behind it), joins it. */
static bool in_burst(const struct rtc_cc_group *g, int64_t send, int64_t arrival)
{
	int64_t arrival_delta = arrival - g->last_arrival;
	int64_t send_delta = send - g->last_send;

	if (send_delta == 0)
		return true;
	return arrival_delta - send_delta < 0 && arrival_delta <= BURST_DELTA &&
	       arrival - g->first_arrival < MAX_BURST_DURATION;
}

static void start_group(struct rtc_cc_group *g, int64_t send, int64_t arrival)
{
	*g = (struct rtc_cc_group){
		.first_send = send,
		.last_send = send,
		.first_arrival = arrival,
		.last_arrival = arrival,
		.started = true,
	};
}

static double linear_fit_slope(const struct rtc_cc_delay *d, bool *ok)
{
	double sx = 0, sy = 0, num = 0, den = 0, xa, ya;
	size_t n = d->points;

	for (size_t i = 0; i < n; i++) {
		sx += d->x[i];
		sy += d->y[i];
	}
	xa = sx / (double)n;
	ya = sy / (double)n;
	for (size_t i = 0; i < n; i++) {
		num += (d->x[i] - xa) * (d->y[i] - ya);
		den += (d->x[i] - xa) * (d->x[i] - xa);
	}
	*ok = den != 0;
	return *ok ? num / den : 0;
}

static void update_threshold(struct rtc_cc_delay *d, double modified, int64_t now)
{
	double k, dt;

	if (d->threshold_updated < 0)
		d->threshold_updated = now;
	if (fabs(modified) > d->threshold + MAX_ADAPT_OFFSET) {
		d->threshold_updated = now;
		return;
	}
	k = fabs(modified) < d->threshold ? K_DOWN : K_UP;
	dt = (double)(now - d->threshold_updated) / MS;
	if (dt > 100)
		dt = 100;
	if (dt < 0)
		dt = 0;
	d->threshold += k * (fabs(modified) - d->threshold) * dt;
	if (d->threshold < THRESHOLD_MIN)
		d->threshold = THRESHOLD_MIN;
	if (d->threshold > THRESHOLD_MAX)
		d->threshold = THRESHOLD_MAX;
	d->threshold_updated = now;
}

static void detect(struct rtc_cc_delay *d, double trend, double send_delta_ms, int64_t now)
{
	double modified;

	if (d->deltas < 2) {
		d->usage = RTC_CC_NORMAL;
		return;
	}
	modified = (d->deltas < MIN_DELTAS ? d->deltas : MIN_DELTAS) * trend * RTC_CC_TRENDLINE_GAIN;
	d->modified_trend = modified;
	if (modified > d->threshold) {
		if (d->time_over_using < 0)
			d->time_over_using = send_delta_ms / 2;
		else
			d->time_over_using += send_delta_ms;
		d->overuse_count++;
		if (d->time_over_using > OVERUSE_TIME && d->overuse_count > 1 &&
		    trend >= d->prev_trend) {
			d->time_over_using = 0;
			d->overuse_count = 0;
			d->usage = RTC_CC_OVERUSING;
		}
	} else if (modified < -d->threshold) {
		d->time_over_using = -1;
		d->overuse_count = 0;
		d->usage = RTC_CC_UNDERUSING;
	} else {
		d->time_over_using = -1;
		d->overuse_count = 0;
		d->usage = RTC_CC_NORMAL;
	}
	d->prev_trend = trend;
	update_threshold(d, modified, now);
}

static void trendline(struct rtc_cc_delay *d, double arrival_delta_ms, double send_delta_ms,
		      int64_t arrival)
{
	double trend = d->prev_trend;
	bool ok;

	if (d->deltas < MAX_DELTAS)
		d->deltas++;
	if (d->deltas == 1)
		d->first_arrival = arrival;
	d->accumulated += arrival_delta_ms - send_delta_ms;
	d->smoothed = RTC_CC_TRENDLINE_SMOOTHING * d->smoothed +
		      (1 - RTC_CC_TRENDLINE_SMOOTHING) * d->accumulated;
	d->x[d->head] = (double)(arrival - d->first_arrival) / MS;
	d->y[d->head] = d->smoothed;
	d->head = (d->head + 1) % RTC_CC_TRENDLINE_WINDOW;
	if (d->points < RTC_CC_TRENDLINE_WINDOW)
		d->points++;
	if (d->points == RTC_CC_TRENDLINE_WINDOW) {
		double slope = linear_fit_slope(d, &ok);

		if (ok)
			trend = slope;
	}
	d->trend = trend;
	detect(d, trend, send_delta_ms, arrival);
}

bool rtc_cc_delay_update(struct rtc_cc_delay *d, int64_t send, int64_t arrival)
{
	struct rtc_cc_group *g = &d->cur;
	int64_t send_delta, arrival_delta;

	if (!g->started) {
		start_group(g, send, arrival);
		return false;
	}
	if (send < g->first_send)
		return false;   /* reordered before the group: ignored */
	if (send - g->first_send <= RTC_CC_GROUP_LENGTH || in_burst(g, send, arrival)) {
		if (send > g->last_send)
			g->last_send = send;
		if (arrival > g->last_arrival)
			g->last_arrival = arrival;
		return false;
	}
	/* The packet starts a new group: compare the one it closes with the
	 * one before. */
	if (d->prev.started) {
		send_delta = g->last_send - d->prev.last_send;
		arrival_delta = g->last_arrival - d->prev.last_arrival;
		if (arrival_delta < 0) {
			if (++d->reordered >= REORDER_RESET) {
				d->prev.started = false;
				d->reordered = 0;
			}
			start_group(g, send, arrival);
			return false;
		}
		d->reordered = 0;
		d->prev = *g;
		start_group(g, send, arrival);
		trendline(d, (double)arrival_delta / MS, (double)send_delta / MS, d->prev.last_arrival);
		return true;
	}
	d->prev = *g;
	start_group(g, send, arrival);
	return false;
}
