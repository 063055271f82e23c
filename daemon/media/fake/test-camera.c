/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake camera on a simulated clock: frames of the configured size at
 * the configured rate over a minute, their counters consecutive and read
 * back from the pixels with the capture time; a late caller gets the
 * latest frame, not a burst; constraints it cannot meet are refused by
 * name; a new configuration keeps the counter and the cadence.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "media/fake/camera.h"
#include "media/fake/pattern.h"

#define S 1000000000ull
#define T0 (5000 * S + 123)    /* an arbitrary monotonic time */

/* Runs the camera like a reactor would, from its deadline to its deadline,
 * for `seconds`, checking every frame; returns how many it gave. */
static unsigned run(struct rtc_fake_camera *cam, uint64_t from, double seconds, uint32_t w,
		    uint32_t h, double fps, uint32_t *counter)
{
	const uint64_t end = from + (uint64_t)(seconds * S);
	const double interval = S / fps;
	uint64_t previous = 0;
	unsigned frames = 0, wrong = 0;

	while (rtc_fake_camera_deadline(cam) < end) {
		uint64_t due = rtc_fake_camera_deadline(cam);
		uint32_t c;
		uint64_t t;

		if (due > 0 && rtc_fake_camera_poll(cam, due - 1) != NULL)
			wrong++;                      /* nothing before its time */
		struct rtc_video_frame *f = rtc_fake_camera_poll(cam, due);
		if (!f || f->width != w || f->height != h || f->capture_ns != due ||
		    !rtc_fake_pattern_read(f, &c, &t) || c != *counter || t != due ||
		    (previous && fabs((double)(due - previous) - interval) > 1.0))
			wrong++;
		if (rtc_fake_camera_poll(cam, due) != NULL)
			wrong++;                      /* one frame per slot */
		previous = due;
		(*counter)++;
		frames++;
		rtc_video_frame_free(f);
	}
	if (wrong)
		printf("# %u of %u frames wrong\n", wrong, frames);
	CHECK_INTEQ(wrong, 0);
	return frames;
}

static void test_a_minute_at_the_default_rate(void)
{
	struct rtc_fake_camera_config config;
	struct rtc_error err = { 0 };
	uint32_t counter = 0;

	rtc_fake_camera_config_default(&config);
	CHECK_INTEQ(config.width, 640);
	CHECK_INTEQ(config.height, 480);
	CHECK(config.frame_rate == 30.0);
	struct rtc_fake_camera *cam = rtc_fake_camera_new(&config, T0, &err);
	CHECK(cam != NULL);
	CHECK(rtc_fake_camera_deadline(cam) == T0);
	CHECK_INTEQ(run(cam, T0, 60, 640, 480, 30, &counter), 1800);
	CHECK(rtc_fake_camera_deadline(cam) == T0 + 60 * S);
	rtc_fake_camera_free(cam);
}

static void test_other_sizes_and_rates(void)
{
	static const struct rtc_fake_camera_config configs[] = {
		{ 320, 240, 15 }, { 1280, 720, 60 }, { 160, 120, 5 }, { 640, 360, 29.97 },
	};

	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		const struct rtc_fake_camera_config *c = &configs[i];
		struct rtc_error err = { 0 };
		struct rtc_fake_camera *cam = rtc_fake_camera_new(c, T0, &err);
		uint32_t counter = 0;

		CHECK(cam != NULL);
		unsigned frames = run(cam, T0, 10, c->width, c->height, c->frame_rate, &counter);
		CHECK_INTEQ(frames, (unsigned)ceil(10 * c->frame_rate));
		rtc_fake_camera_free(cam);
	}
}

static void test_a_late_caller_gets_the_latest_frame(void)
{
	struct rtc_fake_camera_config config;
	struct rtc_error err = { 0 };
	uint32_t c;
	uint64_t t;

	rtc_fake_camera_config_default(&config);
	struct rtc_fake_camera *cam = rtc_fake_camera_new(&config, T0, &err);
	struct rtc_video_frame *f = rtc_fake_camera_poll(cam, T0);
	CHECK(f && rtc_fake_pattern_read(f, &c, &t) && c == 0 && t == T0);
	rtc_video_frame_free(f);

	/* A second late: slot 30 (at exactly 1 s) is the latest due. */
	f = rtc_fake_camera_poll(cam, T0 + S + 5000000);
	CHECK(f && rtc_fake_pattern_read(f, &c, &t) && c == 1 && t == T0 + S);
	rtc_video_frame_free(f);
	CHECK(rtc_fake_camera_poll(cam, T0 + S + 5000000) == NULL);
	CHECK(rtc_fake_camera_deadline(cam) == T0 + S + 33333333);
	rtc_fake_camera_free(cam);
}

static void test_unmeetable_constraints_are_named(void)
{
	static const struct { struct rtc_fake_camera_config config; const char *name; } bad[] = {
		{ { 641, 480, 30 }, "width" },
		{ { 100, 480, 30 }, "width" },
		{ { 8192, 480, 30 }, "width" },
		{ { 640, 481, 30 }, "height" },
		{ { 640, 100, 30 }, "height" },
		{ { 640, 8192, 30 }, "height" },
		{ { 640, 480, 0 }, "frame-rate" },
		{ { 640, 480, -5 }, "frame-rate" },
		{ { 640, 480, 1000 }, "frame-rate" },
		{ { 640, 480, NAN }, "frame-rate" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rtc_error err = { 0 };

		CHECK(rtc_fake_camera_new(&bad[i].config, T0, &err) == NULL);
		CHECK_INTEQ(err.kind, RTC_ERROR_OVERCONSTRAINED);
		CHECK(strncmp(err.message, bad[i].name, strlen(bad[i].name)) == 0);
	}
}

static void test_reconfiguring_keeps_counter_and_cadence(void)
{
	struct rtc_fake_camera_config config, got;
	struct rtc_error err = { 0 };
	uint32_t counter = 0;

	rtc_fake_camera_config_default(&config);
	struct rtc_fake_camera *cam = rtc_fake_camera_new(&config, T0, &err);
	CHECK_INTEQ(run(cam, T0, 1, 640, 480, 30, &counter), 30);
	uint64_t next = rtc_fake_camera_deadline(cam);

	struct rtc_fake_camera_config smaller = { 320, 240, 15 };
	CHECK(rtc_fake_camera_configure(cam, &smaller, &err) == 0);
	rtc_fake_camera_get_config(cam, &got);
	CHECK(got.width == 320 && got.height == 240 && got.frame_rate == 15);
	CHECK(rtc_fake_camera_deadline(cam) == next);
	CHECK_INTEQ(run(cam, next, 2, 320, 240, 15, &counter), 30);

	/* Refused: the camera goes on as it was. */
	struct rtc_fake_camera_config odd = { 321, 240, 15 };
	next = rtc_fake_camera_deadline(cam);
	CHECK(rtc_fake_camera_configure(cam, &odd, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_OVERCONSTRAINED);
	CHECK(rtc_fake_camera_deadline(cam) == next);
	CHECK_INTEQ(run(cam, next, 1, 320, 240, 15, &counter), 15);
	CHECK_INTEQ(counter, 75);
	rtc_fake_camera_free(cam);
}

int main(void)
{
	RUN(test_a_minute_at_the_default_rate);
	RUN(test_other_sizes_and_rates);
	RUN(test_a_late_caller_gets_the_latest_frame);
	RUN(test_unmeetable_constraints_are_named);
	RUN(test_reconfiguring_keeps_counter_and_cadence);
	return rtc_test_done();
}
