/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * W3C framesPerSecond: how many frames fell in the last second. The meter
 * keeps the times of the latest frames (enough for 120 frames per second)
 * and counts those within a second of the newest, so it reads the times it
 * is given (capture or arrival, real or simulated) and nothing else.
 */
#pragma once

#include <stdint.h>

#define RTC_RATE_METER_SLOTS 128

struct rtc_rate_meter {
	uint64_t times[RTC_RATE_METER_SLOTS];
	unsigned next, count;
};

void rtc_rate_meter_add(struct rtc_rate_meter *m, uint64_t time_ns);

/* Frames in the second up to the newest one's time; 0 before the first. */
double rtc_rate_meter_fps(const struct rtc_rate_meter *m);
