/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake camera through rtcd's own encoders and decoders
 * (daemon/media/codec) at 300 kbit/s, VP8 and H.264, ten seconds of
 * 640x480 at 30 fps: every decoded frame, full size and scaled down by 2,
 * must read with exactly the counter and capture time it was sent with
 * (the encoder carries capture_ns along: it must match too), and frames
 * must read from the first second on. Also at 100 kbit/s, with the
 * bitrate dropped mid-stream as a congestion controller would, and at
 * 320x240 and 80 kbit/s (16-pixel cells, 8 once halved).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/codec/decoder.h"
#include "media/codec/encoder.h"
#include "media/fake/camera.h"
#include "media/fake/pattern.h"
#include "media/raw/convert.h"

#define FRAMES 300
#define SETTLE 30
#define T0 2000000000000ull

struct result {
	unsigned encoded, skipped, read_full, read_half, wrong, missed_after_settle;
	uint64_t bytes;
};

static void check_frame(const struct rtc_video_frame *f, uint32_t counter, uint64_t capture_ns,
			unsigned index, struct result *r)
{
	struct rtc_video_frame *half = rtc_video_frame_new(f->width / 2, f->height / 2);
	uint32_t c;
	uint64_t t;
	bool full = false, halved = false;

	if (rtc_fake_pattern_read(f, &c, &t)) {
		full = c == counter && t == capture_ns;
		r->wrong += !full;
	}
	rtc_raw_scale(f, half);
	if (rtc_fake_pattern_read(half, &c, &t)) {
		halved = c == counter && t == capture_ns;
		r->wrong += !halved;
	}
	r->read_full += full;
	r->read_half += halved;
	if (index >= SETTLE && !(full && halved))
		r->missed_after_settle++;
	rtc_video_frame_free(half);
}

/* Runs the camera into the encoder, each encoded frame into the decoder;
 * at frame `drop_at` the bitrate falls to `dropped_bps`. */
static void round_trip(enum rtc_codec codec, uint32_t width, uint32_t height, uint32_t bps,
		       unsigned drop_at, uint32_t dropped_bps, struct result *r)
{
	struct rtc_fake_camera_config config;
	struct rtc_error err = { 0 };
	struct rtc_encoded out = { 0 };

	memset(r, 0, sizeof(*r));
	rtc_fake_camera_config_default(&config);
	config.width = width;
	config.height = height;
	struct rtc_fake_camera *cam = rtc_fake_camera_new(&config, T0, &err);
	struct rtc_encoder *enc = rtc_encoder_new(&(struct rtc_encoder_config){
		.codec = codec, .bitrate = bps, .width = width, .height = height, .framerate = 30,
	}, &err);
	struct rtc_decoder *dec = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = codec },
						  &err);
	CHECK(cam && enc && dec);
	if (!cam || !enc || !dec) {
		printf("# %s\n", err.message);
		goto out;
	}
	for (unsigned i = 0; i < FRAMES; i++) {
		struct rtc_video_frame *f = rtc_fake_camera_poll(cam, rtc_fake_camera_deadline(cam));
		uint32_t counter;
		uint64_t capture_ns;

		if (i == drop_at)
			CHECK(rtc_encoder_set_bitrate(enc, dropped_bps, &err) == 0);
		CHECK(rtc_fake_pattern_read(f, &counter, &capture_ns));
		int n = rtc_encoder_encode_video(enc, f, &out, &err);
		CHECK(n >= 0);
		if (n == 1) {
			struct rtc_video_frame *d = NULL;

			r->encoded++;
			r->bytes += out.len;
			CHECK(out.capture_ns == capture_ns);
			if (rtc_decoder_decode_video(dec, out.data, out.len, &d, &err) == 1) {
				check_frame(d, counter, capture_ns, i, r);
				rtc_video_frame_free(d);
			} else {
				printf("# frame %u does not decode: %s\n", i, err.message);
				r->wrong++;
			}
		} else if (n == 0) {
			r->skipped++;
		}
		rtc_video_frame_free(f);
	}
out:
	rtc_encoded_release(&out);
	rtc_decoder_free(dec);
	rtc_encoder_free(enc);
	rtc_fake_camera_free(cam);
}

static void check_result(const char *what, const struct result *r)
{
	printf("# %s: %u encoded (%u skipped), %.0f kbit/s, read %u full size and %u halved, "
	       "%u wrong, %u missed after the first second\n", what, r->encoded, r->skipped,
	       (double)r->bytes * 8 / 1000 / (FRAMES / 30.0), r->read_full, r->read_half,
	       r->wrong, r->missed_after_settle);
	CHECK_INTEQ(r->encoded + r->skipped, FRAMES);
	CHECK(r->encoded >= FRAMES * 9 / 10);
	CHECK_INTEQ(r->wrong, 0);
	CHECK_INTEQ(r->missed_after_settle, 0);
}

static void test_vp8(void)
{
	struct result r;

	round_trip(RTC_CODEC_VP8, 640, 480, 300000, FRAMES, 0, &r);
	check_result("VP8 300 kbit/s", &r);
	CHECK(r.bytes * 8 / (FRAMES / 30) < 2 * 300000);
	round_trip(RTC_CODEC_VP8, 640, 480, 100000, FRAMES, 0, &r);
	check_result("VP8 100 kbit/s", &r);
	round_trip(RTC_CODEC_VP8, 640, 480, 1000000, 150, 150000, &r);
	check_result("VP8 1 Mbit/s, then 150 kbit/s", &r);
	/* 16-pixel cells, 8 when halved. */
	round_trip(RTC_CODEC_VP8, 320, 240, 80000, FRAMES, 0, &r);
	check_result("VP8 320x240 80 kbit/s", &r);
}

static void test_h264(void)
{
	struct result r;

	round_trip(RTC_CODEC_H264, 640, 480, 300000, FRAMES, 0, &r);
	check_result("H.264 300 kbit/s", &r);
	CHECK(r.bytes * 8 / (FRAMES / 30) < 2 * 300000);
	round_trip(RTC_CODEC_H264, 640, 480, 100000, FRAMES, 0, &r);
	check_result("H.264 100 kbit/s", &r);
	round_trip(RTC_CODEC_H264, 640, 480, 1000000, 150, 150000, &r);
	check_result("H.264 1 Mbit/s, then 150 kbit/s", &r);
	round_trip(RTC_CODEC_H264, 320, 240, 80000, FRAMES, 0, &r);
	check_result("H.264 320x240 80 kbit/s", &r);
}

int main(void)
{
	RUN(test_vp8);
	RUN(test_h264);
	return rtc_test_done();
}
