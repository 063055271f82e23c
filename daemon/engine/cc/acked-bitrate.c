/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The acknowledged bitrate (see gcc-parts.h): bytes received per window of
 * arrival time, each window's rate a noisy sample of the true one, merged
 * by a Bayesian filter whose sample variance grows with its distance from
 * the estimate (libwebrtc's bitrate_estimator.cc).
 */
#include "engine/cc/gcc-parts.h"

#include <math.h>
#include <string.h>

#define INITIAL_WINDOW 500000000
#define WINDOW 150000000
#define UNCERTAINTY_SCALE 10.0
#define INITIAL_VARIANCE 50.0
#define PROCESS_VARIANCE 5.0          /* kbps^2 the true rate drifts per sample */
/* Arrival going back further than this is the receiver's clock, not reordering. */
#define CLOCK_RESET 1000000000

void rtc_cc_acked_init(struct rtc_cc_acked *e)
{
	memset(e, 0, sizeof(*e));
	e->estimate = -1;
	e->variance = INITIAL_VARIANCE;
}

/* A closed window's rate in kbps, or < 0 while it is open. */
static double window_sample(struct rtc_cc_acked *e, int64_t arrival, uint32_t size)
{
	int64_t window = e->first_window_done ? WINDOW : INITIAL_WINDOW;
	double sample = -1;

	if (e->have_prev && arrival < e->prev_arrival - CLOCK_RESET) {
		/* The receiver's clock went back (a reset): start over. */
		e->have_prev = false;
		e->window_bytes = 0;
		e->window_time = 0;
	}
	if (e->have_prev && arrival < e->prev_arrival) {
		/* Reordered on the way: its bytes count, time did not move. */
		e->window_bytes += size;
		return -1;
	}
	if (e->have_prev) {
		e->window_time += arrival - e->prev_arrival;
		if (arrival - e->prev_arrival > window) {
			/* A silence longer than a window: its bytes are stale. */
			e->window_bytes = 0;
			e->window_time %= window;
		}
	}
	e->prev_arrival = arrival;
	e->have_prev = true;
	if (e->window_time >= window) {
		sample = 8 * e->window_bytes / ((double)window / 1e6);   /* bits per ms: kbps */
		e->window_time -= window;
		e->window_bytes = 0;
		e->first_window_done = true;
	}
	e->window_bytes += size;
	return sample;
}

void rtc_cc_acked_update(struct rtc_cc_acked *e, int64_t arrival, uint32_t size)
{
	double sample = window_sample(e, arrival, size), estimate, uncertainty, sample_var, pred_var;

	if (sample < 0)
		return;
	if (e->estimate < 0) {
		e->estimate = sample;
		return;
	}
	estimate = e->estimate;
	uncertainty = UNCERTAINTY_SCALE * fabs(estimate - sample) /
		      (estimate + (sample < 150 ? sample : 150) + 1e-9);
	sample_var = uncertainty * uncertainty;
	pred_var = e->variance + PROCESS_VARIANCE;
	if (sample_var + pred_var <= 0) {
		e->estimate = sample;
		return;
	}
	e->estimate = (sample_var * estimate + pred_var * sample) / (sample_var + pred_var);
	if (e->estimate < 0)
		e->estimate = 0;
	e->variance = sample_var * pred_var / (sample_var + pred_var);
}

double rtc_cc_acked_bitrate(const struct rtc_cc_acked *e)
{
	return e->estimate < 0 ? -1 : e->estimate * 1000;
}
