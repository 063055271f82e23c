/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the sender does to a video frame before the encoder sees it, per
 * the W3C encoding parameters and track state: scale it down
 * (scaleResolutionDownBy), let through only as many as maxFramerate
 * allows, or replace it with black (a disabled track).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "media/raw/raw-frame.h"

/* width/height divided by scale (>= 1), rounded down to even, at least 2. */
void rtc_video_prep_scaled_size(uint32_t width, uint32_t height, double scale, uint32_t *out_width,
			   uint32_t *out_height);

/* A new frame of width × height from src: copied when the size is the
 * same, else scaled (media/raw's area averaging). NULL for no memory. */
struct rtc_video_frame *rtc_video_prep_resized(const struct rtc_video_frame *src,
						uint32_t width, uint32_t height);

/* A black frame (video range: Y 16, U and V 128). NULL for no memory or a
 * bad size. */
struct rtc_video_frame *rtc_video_prep_black(uint32_t width, uint32_t height,
					      uint64_t capture_ns);

/* maxFramerate by capture time: a frame passes when it is at least one
 * interval after the last slot taken (less a little, so that a 30 fps
 * source thinned to 10 keeps every third frame despite rounding). */
struct rtc_video_rate_limit {
	bool started;
	uint64_t next_ns;               /* the next slot */
};

/* True: encode this frame. max_fps 0: no limit. */
bool rtc_video_rate_limit_admit(struct rtc_video_rate_limit *l, double max_fps,
				uint64_t capture_ns);
