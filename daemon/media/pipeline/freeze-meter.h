/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * W3C webrtc-stats' smoothness figures of a received video track: the
 * delay between consecutive frames (totalInterFrameDelay and its squares)
 * and freezes. A frame is a freeze when its delay after the previous one
 * is at least max(3 × avg, avg + 150 ms), avg being the mean delay of the
 * 30 frames before it; its delay then counts to totalFreezesDuration.
 * Like libwebrtc, nothing is called a freeze before 5 delays are known,
 * so a stream's start is not one. The meter reads only the times it is
 * given (when a frame was decoded and handed on), real or simulated.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RTC_FREEZE_METER_WINDOW 30
#define RTC_FREEZE_METER_MIN_SAMPLES 5

struct rtc_freeze_meter {
	uint64_t last_ns;
	bool started;
	uint64_t delays[RTC_FREEZE_METER_WINDOW];   /* ns, a ring */
	unsigned next, count;

	/* The W3C figures. */
	uint32_t freeze_count;
	double total_freezes_duration;              /* seconds */
	double total_inter_frame_delay;             /* seconds */
	double total_squared_inter_frame_delay;     /* seconds² */
};

/* A frame was rendered (for rtcd: decoded and handed on) at time_ns. */
void rtc_freeze_meter_frame(struct rtc_freeze_meter *m, uint64_t time_ns);
