/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake camera (`rtcd --fake-media-devices`, like Chromium's
 * --use-fake-device-for-media-stream): frames of the test pattern
 * (pattern.h) at a configured size and rate, sans-I/O like the engine —
 * the caller passes `now`, asks deadline() when the next frame is due and
 * poll(now) for it.
 *
 * A caller that comes late gets the latest frame due, not a burst: frame
 * slots it missed are skipped, as a real camera drops frames nobody
 * takes. The counter in the pixels counts frames given out, so a receiver
 * sees consecutive numbers unless something between loses frames; the
 * capture time is the slot's time (CLOCK_MONOTONIC ns).
 */
#pragma once

#include <stdint.h>

#include "common/error.h"
#include "media/raw/raw-frame.h"

struct rtc_fake_camera_config {
	uint32_t width, height;   /* even; see rtc_fake_pattern_fits() */
	double frame_rate;        /* frames per second, (0, 120] */
};

#define RTC_FAKE_CAMERA_DEFAULT_WIDTH 640
#define RTC_FAKE_CAMERA_DEFAULT_HEIGHT 480
#define RTC_FAKE_CAMERA_DEFAULT_FRAME_RATE 30.0
#define RTC_FAKE_CAMERA_MAX_FRAME_RATE 120.0

/* 640×480 at 30 frames per second. */
void rtc_fake_camera_config_default(struct rtc_fake_camera_config *config);

/* A camera whose first frame is due at now. NULL with err:
 * OverconstrainedError naming the constraint ("width", "height",
 * "frame-rate") the camera cannot meet, or no memory. */
struct rtc_fake_camera *rtc_fake_camera_new(const struct rtc_fake_camera_config *config,
					    uint64_t now, struct rtc_error *err);
void rtc_fake_camera_free(struct rtc_fake_camera *camera);

/* ApplyConstraints: the new size and rate from the next frame on (due
 * when the next one was), the counter going on. -1 with err as for new,
 * the camera then unchanged. */
int rtc_fake_camera_configure(struct rtc_fake_camera *camera,
			      const struct rtc_fake_camera_config *config, struct rtc_error *err);
void rtc_fake_camera_get_config(const struct rtc_fake_camera *camera,
				struct rtc_fake_camera_config *config);

/* When the next frame is due. */
uint64_t rtc_fake_camera_deadline(const struct rtc_fake_camera *camera);

/* The frame due at now (the caller owns it), or NULL if none is due yet
 * (or, rarely, no memory: that slot is then skipped). */
struct rtc_video_frame *rtc_fake_camera_poll(struct rtc_fake_camera *camera, uint64_t now);
