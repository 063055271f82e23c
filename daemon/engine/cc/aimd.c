/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The AIMD rate controller (see gcc-parts.h); libwebrtc's
 * aimd_rate_control.cc and link_capacity_estimator.cc in substance.
 */
#include "engine/cc/gcc-parts.h"

#include <math.h>
#include <string.h>

#define NS 1e9
#define BETA 0.85
#define DEFAULT_RTT 200000000ull
#define MIN_INCREASE 1000.0          /* bps */
#define MIN_ADDITIVE 4000.0          /* bps per second */
#define PACKET_BITS (1200.0 * 8)
#define FPS 30.0
#define THROUGHPUT_FACTOR 1.5
#define THROUGHPUT_MARGIN 10000.0
#define DEVIATION_MIN 0.4
#define DEVIATION_MAX 2.5

void rtc_cc_aimd_init(struct rtc_cc_aimd *a, double start, double min, double max)
{
	memset(a, 0, sizeof(*a));
	a->bitrate = start;
	a->min_bitrate = min;
	a->max_bitrate = max;
	a->throughput = -1;
	a->capacity_deviation = DEVIATION_MIN;
	a->state = RTC_CC_HOLD;
	a->rtt = DEFAULT_RTT;
}

/* ---- the link capacity, in kbps, as libwebrtc keeps it ------------- */

static double capacity_spread(const struct rtc_cc_aimd *a)
{
	return 3 * sqrt(a->capacity_deviation * a->capacity);
}

static double capacity_upper(const struct rtc_cc_aimd *a)
{
	return a->have_capacity ? (a->capacity + capacity_spread(a)) * 1000 : INFINITY;
}

static double capacity_lower(const struct rtc_cc_aimd *a)
{
	double v = a->capacity - capacity_spread(a);

	return a->have_capacity && v > 0 ? v * 1000 : 0;
}

static void capacity_update(struct rtc_cc_aimd *a, double bps, double alpha)
{
	double sample = bps / 1000, norm, error;

	if (!a->have_capacity) {
		a->capacity = sample;
		a->have_capacity = true;
	} else {
		a->capacity = (1 - alpha) * a->capacity + alpha * sample;
	}
	norm = a->capacity > 1 ? a->capacity : 1;
	error = a->capacity - sample;
	a->capacity_deviation = (1 - alpha) * a->capacity_deviation + alpha * error * error / norm;
	if (a->capacity_deviation < DEVIATION_MIN)
		a->capacity_deviation = DEVIATION_MIN;
	if (a->capacity_deviation > DEVIATION_MAX)
		a->capacity_deviation = DEVIATION_MAX;
}

/* ---- increases ----------------------------------------------------- */

static double multiplicative_increase(const struct rtc_cc_aimd *a, uint64_t now)
{
	double alpha = 1.08, inc;

	if (a->changed_once) {
		double dt = (double)(now - a->last_change) / NS;

		alpha = pow(1.08, dt < 1 ? dt : 1);
	}
	inc = a->bitrate * (alpha - 1);
	return inc > MIN_INCREASE ? inc : MIN_INCREASE;
}

/* Near capacity: about one packet per response time (RTT + 100 ms). */
static double additive_increase(const struct rtc_cc_aimd *a, uint64_t now)
{
	double frame_bits = a->bitrate / FPS;
	double packets = ceil(frame_bits / PACKET_BITS);
	double packet_bits = frame_bits / (packets > 1 ? packets : 1);
	double response = ((double)a->rtt + 100e6) / NS;
	double per_second = packet_bits / response;

	if (per_second < MIN_ADDITIVE)
		per_second = MIN_ADDITIVE;
	return per_second * (double)(now - a->last_change) / NS;
}

static double clamp(const struct rtc_cc_aimd *a, double bps)
{
	if (bps > a->max_bitrate)
		bps = a->max_bitrate;
	return bps < a->min_bitrate ? a->min_bitrate : bps;
}

void rtc_cc_aimd_update(struct rtc_cc_aimd *a, uint64_t now, enum rtc_cc_usage usage,
			double acked)
{
	double throughput, next = a->bitrate;

	if (acked >= 0)
		a->throughput = acked;
	throughput = a->throughput >= 0 ? a->throughput : a->bitrate;
	if (!a->changed_once) {
		a->changed_once = true;
		a->last_change = now;
	}
	switch (usage) {
	case RTC_CC_OVERUSING:
		a->state = RTC_CC_DECREASE;
		break;
	case RTC_CC_UNDERUSING:
		a->state = RTC_CC_HOLD;
		break;
	case RTC_CC_NORMAL:
		if (a->state == RTC_CC_HOLD) {
			a->state = RTC_CC_INCREASE;
			a->last_change = now;
		}
		break;
	}
	switch (a->state) {
	case RTC_CC_HOLD:
		break;
	case RTC_CC_INCREASE: {
		/* What the receiver sees bounds the growth: an application
		 * that sends little never earns a high target by waiting. */
		double limit = THROUGHPUT_FACTOR * throughput + THROUGHPUT_MARGIN;

		if (throughput > capacity_upper(a))
			a->have_capacity = false;   /* well above it: capacity unknown again */
		if (a->bitrate < limit) {
			double up = a->have_capacity ? additive_increase(a, now)
						     : multiplicative_increase(a, now);

			next = a->bitrate + up < limit ? a->bitrate + up : limit;
		}
		a->last_change = now;
		break;
	}
	case RTC_CC_DECREASE: {
		double down = BETA * throughput;

		if (down > a->bitrate && a->have_capacity)
			down = BETA * a->capacity * 1000;
		if (down < a->bitrate)
			next = down;
		if (throughput < capacity_lower(a))
			a->have_capacity = false;   /* far below: the link changed */
		capacity_update(a, throughput, 0.05);
		a->state = RTC_CC_HOLD;
		a->last_change = now;
		a->last_decrease = now;
		break;
	}
	}
	a->bitrate = clamp(a, next);
}

void rtc_cc_aimd_set_estimate(struct rtc_cc_aimd *a, uint64_t now, double bitrate, bool probe)
{
	double prev = a->bitrate;

	a->bitrate = clamp(a, bitrate);
	a->changed_once = true;
	a->last_change = now;
	if (a->bitrate < prev)
		a->last_decrease = now;
	if (probe)
		capacity_update(a, bitrate, 0.5);
}

bool rtc_cc_aimd_time_to_reduce(const struct rtc_cc_aimd *a, uint64_t now, double acked)
{
	uint64_t interval = a->rtt < 10000000 ? 10000000 : a->rtt > 200000000 ? 200000000 : a->rtt;

	if (!a->changed_once || now - a->last_change >= interval)
		return true;
	return acked >= 0 && acked < 0.5 * a->bitrate;
}
