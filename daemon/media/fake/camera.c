/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake camera's clock (see camera.h): frame slot k is due at
 * start + k/frame_rate seconds, each slot's time worked out from k so
 * that rounding never adds up to drift.
 */
#include "media/fake/camera.h"

#include <math.h>
#include <stdlib.h>

#include "media/fake/pattern.h"

#define NS_PER_S 1000000000.0

struct rtc_fake_camera {
	struct rtc_fake_camera_config config;
	uint64_t start;          /* slot 0 of the current configuration */
	uint64_t next_slot;      /* the first slot not given out */
	uint64_t motion;         /* slots since the camera started, for the pattern */
	uint32_t counter;        /* frames given out */
};

void rtc_fake_camera_config_default(struct rtc_fake_camera_config *config)
{
	*config = (struct rtc_fake_camera_config){
		.width = RTC_FAKE_CAMERA_DEFAULT_WIDTH,
		.height = RTC_FAKE_CAMERA_DEFAULT_HEIGHT,
		.frame_rate = RTC_FAKE_CAMERA_DEFAULT_FRAME_RATE,
	};
}

static int check_config(const struct rtc_fake_camera_config *c, struct rtc_error *err)
{
	if (c->width % 2 || c->width < 160 || c->width > RTC_VIDEO_MAX_DIMENSION)
		return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
				     "width: the fake camera gives even widths from 160 to %u, not %u",
				     RTC_VIDEO_MAX_DIMENSION, c->width);
	if (c->height % 2 || !rtc_fake_pattern_fits(c->width, c->height))
		return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
				     "height: %u is odd, too large, or too small for the pattern at width %u",
				     c->height, c->width);
	if (!(c->frame_rate > 0 && c->frame_rate <= RTC_FAKE_CAMERA_MAX_FRAME_RATE))
		return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
				     "frame-rate: the fake camera runs at up to %g frames per second, not %g",
				     RTC_FAKE_CAMERA_MAX_FRAME_RATE, c->frame_rate);
	return 0;
}

static uint64_t slot_time(const struct rtc_fake_camera *cam, uint64_t slot)
{
	return cam->start + (uint64_t)floor((double)slot * NS_PER_S / cam->config.frame_rate);
}

struct rtc_fake_camera *rtc_fake_camera_new(const struct rtc_fake_camera_config *config,
					    uint64_t now, struct rtc_error *err)
{
	struct rtc_fake_camera *cam;

	if (check_config(config, err) < 0)
		return NULL;
	cam = calloc(1, sizeof(*cam));
	if (!cam) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for a fake camera");
		return NULL;
	}
	cam->config = *config;
	cam->start = now;
	return cam;
}

void rtc_fake_camera_free(struct rtc_fake_camera *camera)
{
	free(camera);
}

int rtc_fake_camera_configure(struct rtc_fake_camera *camera,
			      const struct rtc_fake_camera_config *config, struct rtc_error *err)
{
	if (check_config(config, err) < 0)
		return -1;
	camera->start = rtc_fake_camera_deadline(camera);
	camera->next_slot = 0;
	camera->config = *config;
	return 0;
}

void rtc_fake_camera_get_config(const struct rtc_fake_camera *camera,
				struct rtc_fake_camera_config *config)
{
	*config = camera->config;
}

uint64_t rtc_fake_camera_deadline(const struct rtc_fake_camera *camera)
{
	return slot_time(camera, camera->next_slot);
}

struct rtc_video_frame *rtc_fake_camera_poll(struct rtc_fake_camera *camera, uint64_t now)
{
	if (now < slot_time(camera, camera->next_slot))
		return NULL;

	/* The latest slot due: estimated, then made exact. */
	uint64_t slot = camera->next_slot;
	double behind = (double)(now - camera->start) * camera->config.frame_rate / NS_PER_S;
	if (behind > (double)slot)
		slot = (uint64_t)behind;
	while (slot > camera->next_slot && slot_time(camera, slot) > now)
		slot--;
	while (slot_time(camera, slot + 1) <= now)
		slot++;

	camera->motion += slot - camera->next_slot + 1;
	camera->next_slot = slot + 1;
	struct rtc_video_frame *frame =
		rtc_video_frame_new(camera->config.width, camera->config.height);
	if (!frame)
		return NULL;
	rtc_fake_pattern_draw(frame, camera->motion, camera->counter++, slot_time(camera, slot));
	return frame;
}
