/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline's small parts on their own: RFC 6464 levels of known
 * signals, the frames-per-second meter, W3C freezes, the max-framerate gate, scaled
 * sizes, black frames, and what the sender and receiver refuse.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "media/pipeline/audio-level.h"
#include "media/pipeline/freeze-meter.h"
#include "media/pipeline/rate-meter.h"
#include "media/pipeline/receiver.h"
#include "media/pipeline/sender.h"
#include "media/pipeline/video-prep.h"

#define MS 1000000ull

static int level_of_sine(double peak)
{
	static int16_t pcm[960];

	for (int i = 0; i < 960; i++)
		pcm[i] = (int16_t)lround(peak * sin(2 * M_PI * 1000 * i / 48000.0));
	return rtc_audio_level_from_rms(rtc_audio_rms(pcm, 960));
}

static void test_audio_level(void)
{
	static int16_t pcm[960];

	/* RFC 6465 appendix A: RMS against full scale. */
	CHECK_INTEQ(rtc_audio_level_from_rms(rtc_audio_rms(pcm, 960)), 127);
	CHECK_INTEQ(level_of_sine(32767), 3);
	CHECK_INTEQ(level_of_sine(8192), 15);       /* -12 dBFS peak */
	CHECK_INTEQ(level_of_sine(32767 / 1000.0), 63);
	for (int i = 0; i < 960; i++)
		pcm[i] = i & 1 ? 32767 : -32768;    /* full-scale square: 0 dBov */
	CHECK_INTEQ(rtc_audio_level_from_rms(rtc_audio_rms(pcm, 960)), 0);
	pcm[0] = 1;
	for (int i = 1; i < 960; i++)
		pcm[i] = 0;
	/* One LSB in 20 ms: -120 dBov, still not silence. */
	CHECK_INTEQ(rtc_audio_level_from_rms(rtc_audio_rms(pcm, 960)), 120);
	CHECK_INTEQ(rtc_audio_level_from_rms(1e-7), 127);    /* below -127 */
	CHECK_INTEQ(rtc_audio_level_from_rms(0), 127);
	CHECK_INTEQ(rtc_audio_level_from_rms(0.5), 6);
}

static void test_rate_meter(void)
{
	struct rtc_rate_meter m = { 0 };

	CHECK(rtc_rate_meter_fps(&m) == 0);
	for (int i = 0; i < 90; i++)
		rtc_rate_meter_add(&m, 5000 * MS + (uint64_t)i * 1000 * MS / 30);
	CHECK(rtc_rate_meter_fps(&m) == 30);
	/* 200 frames at 120 fps: the last second holds 120. */
	for (int i = 0; i < 200; i++)
		rtc_rate_meter_add(&m, 9000 * MS + (uint64_t)i * 1000 * MS / 120);
	CHECK(rtc_rate_meter_fps(&m) == 120);
	/* A pause: only the newest frame is within the second. */
	rtc_rate_meter_add(&m, 20000 * MS);
	CHECK(rtc_rate_meter_fps(&m) == 1);
}

static unsigned admitted(double source_fps, double max_fps, unsigned frames)
{
	struct rtc_video_rate_limit l = { 0 };
	unsigned n = 0;

	for (unsigned i = 0; i < frames; i++)
		n += rtc_video_rate_limit_admit(&l, max_fps,
						1000 * MS + (uint64_t)(i * 1e9 / source_fps));
	return n;
}

/* W3C: a freeze is a delay of at least max(3 x avg, avg + 150 ms) after
 * the previous frame, avg over the 30 delays before it. */
static void test_freeze_meter(void)
{
	struct rtc_freeze_meter m = { 0 };
	uint64_t t = 7000 * MS;

	/* A slow start is no freeze: too few delays are known. */
	rtc_freeze_meter_frame(&m, t);
	rtc_freeze_meter_frame(&m, t += 900 * MS);
	CHECK_INTEQ(m.freeze_count, 0);
	/* 30 fps: 33 ms apart; 249 ms later is 3x but not avg + 150 ms... */
	for (int i = 0; i < 40; i++)
		rtc_freeze_meter_frame(&m, t += 33 * MS);
	CHECK_INTEQ(m.freeze_count, 0);
	rtc_freeze_meter_frame(&m, t += 33 * MS + 149 * MS);
	CHECK_INTEQ(m.freeze_count, 0);
	for (int i = 0; i < 30; i++)
		rtc_freeze_meter_frame(&m, t += 33 * MS);
	/* ...and avg + 150 ms is one, counted with its whole delay. */
	rtc_freeze_meter_frame(&m, t += 183 * MS);
	CHECK_INTEQ(m.freeze_count, 1);
	CHECK(fabs(m.total_freezes_duration - 0.183) < 1e-9);
	/* A 1.2 s hole: a second freeze. */
	for (int i = 0; i < 30; i++)
		rtc_freeze_meter_frame(&m, t += 33 * MS);
	rtc_freeze_meter_frame(&m, t += 1200 * MS);
	CHECK_INTEQ(m.freeze_count, 2);
	CHECK(fabs(m.total_freezes_duration - 1.383) < 1e-9);
	/* 5 fps: 200 ms apart is smooth once the window holds 5 fps; the
	 * switch itself (600 ms after 33 ms frames) freezes once. */
	for (int i = 0; i < 30; i++)
		rtc_freeze_meter_frame(&m, t += 33 * MS);
	rtc_freeze_meter_frame(&m, t += 600 * MS);
	CHECK_INTEQ(m.freeze_count, 3);
	for (int i = 0; i < 60; i++)
		rtc_freeze_meter_frame(&m, t += 200 * MS);
	CHECK_INTEQ(m.freeze_count, 3);
	/* At 5 fps, avg + 150 ms is no freeze; 3 x avg is. */
	rtc_freeze_meter_frame(&m, t += 350 * MS);
	CHECK_INTEQ(m.freeze_count, 3);
	rtc_freeze_meter_frame(&m, t += 650 * MS);
	CHECK_INTEQ(m.freeze_count, 4);
	/* Every delay counts to the totals: 1 + 40 + 1 + 30 + 1 + 30 + 1 + 30 + 1 + 60 + 2. */
	{
		double sum = 0.9 + 40 * 0.033 + 0.182 + 30 * 0.033 + 0.183 + 30 * 0.033 + 1.2 +
			     30 * 0.033 + 0.6 + 60 * 0.2 + 0.35 + 0.65;

		CHECK(fabs(m.total_inter_frame_delay - sum) < 1e-6);
		CHECK(m.total_squared_inter_frame_delay > 1.2 * 1.2);
	}
	/* A clock that goes back starts anew: no freeze until 5 delays are known. */
	rtc_freeze_meter_frame(&m, 1 * MS);
	rtc_freeze_meter_frame(&m, 2000 * MS);
	CHECK_INTEQ(m.freeze_count, 4);
}

static void test_rate_limit(void)
{
	struct rtc_video_rate_limit l = { 0 };

	CHECK_INTEQ(admitted(30, 10, 300), 100);    /* every third */
	CHECK_INTEQ(admitted(30, 0, 300), 300);     /* no cap */
	CHECK_INTEQ(admitted(30, 30, 300), 300);
	CHECK_INTEQ(admitted(30, 15, 300), 150);
	{
		unsigned n = admitted(12, 10, 120);   /* 10 s */

		CHECK(n >= 90 && n <= 101);
	}
	/* After a pause, no burst: one frame, then the interval again. */
	CHECK(rtc_video_rate_limit_admit(&l, 10, 1000 * MS));
	CHECK(!rtc_video_rate_limit_admit(&l, 10, 1050 * MS));
	CHECK(rtc_video_rate_limit_admit(&l, 10, 5000 * MS));
	CHECK(!rtc_video_rate_limit_admit(&l, 10, 5033 * MS));
	CHECK(!rtc_video_rate_limit_admit(&l, 10, 5066 * MS));
	CHECK(rtc_video_rate_limit_admit(&l, 10, 5100 * MS));
}

static void test_scaled_size(void)
{
	uint32_t w, h;

	rtc_video_prep_scaled_size(640, 480, 1, &w, &h);
	CHECK(w == 640 && h == 480);
	rtc_video_prep_scaled_size(640, 480, 2, &w, &h);
	CHECK(w == 320 && h == 240);
	rtc_video_prep_scaled_size(640, 480, 3, &w, &h);
	CHECK(w == 212 && h == 160);
	rtc_video_prep_scaled_size(1280, 720, 1.5, &w, &h);
	CHECK(w == 852 && h == 480);
	rtc_video_prep_scaled_size(16, 16, 1000, &w, &h);
	CHECK(w == 2 && h == 2);
}

static void test_black_and_resize(void)
{
	struct rtc_video_frame *b = rtc_video_prep_black(64, 48, 77);
	struct rtc_video_frame *c, *s;

	CHECK(b != NULL);
	if (!b)
		return;
	CHECK_INTEQ(b->capture_ns, 77);
	CHECK(b->plane[0][0] == 16 && b->plane[0][64 * 48 - 1] == 16);
	CHECK(b->plane[1][0] == 128 && b->plane[2][32 * 24 - 1] == 128);
	b->plane[0][5] = 200;
	c = rtc_video_prep_resized(b, 64, 48);
	s = rtc_video_prep_resized(b, 32, 24);
	CHECK(c && s);
	if (c && s) {
		CHECK_INTEQ(c->plane[0][5], 200);
		CHECK_INTEQ(c->capture_ns, 77);
		CHECK_INTEQ(s->width, 32);
		CHECK_INTEQ(s->capture_ns, 77);
		CHECK(s->plane[1][0] == 128);
	}
	rtc_video_frame_free(c);
	rtc_video_frame_free(s);
	rtc_video_frame_free(b);
}

static void test_refused(void)
{
	struct rtc_error err;
	struct rtc_worker_pool *pool = rtc_worker_pool_new(1, &err);
	struct rtc_media_sender *v, *a;
	struct rtc_media_receiver *r;
	struct rtc_media_sender_parameters p;
	struct rtc_audio_frame *chunk = rtc_audio_frame_new(44100, 1, 441);
	struct rtc_recv_frame gap = { .codec = RTC_CODEC_OPUS, .samples = 960 };

	CHECK(pool && chunk);
	if (!pool || !chunk)
		goto out;
	CHECK(!rtc_media_sender_new(&(struct rtc_media_sender_config){ .codec = RTC_CODEC_NONE },
				    pool, NULL, NULL, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK(!rtc_media_sender_new(&(struct rtc_media_sender_config){ .codec = RTC_CODEC_VP8,
								       .bitrate = 10 },
				    pool, NULL, NULL, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK(!rtc_media_receiver_new(&(struct rtc_media_receiver_config){ .codec = 42 }, pool,
				      NULL, NULL, &err));
	v = rtc_media_sender_new(&(struct rtc_media_sender_config){ .codec = RTC_CODEC_VP8 }, pool,
				 NULL, NULL, &err);
	a = rtc_media_sender_new(&(struct rtc_media_sender_config){ .codec = RTC_CODEC_OPUS }, pool,
				 NULL, NULL, &err);
	r = rtc_media_receiver_new(&(struct rtc_media_receiver_config){ .codec = RTC_CODEC_VP8 },
				   pool, NULL, NULL, &err);
	CHECK(v && a && r);
	if (v && a && r) {
		CHECK_INTEQ(rtc_media_sender_push_audio(v, chunk, &err), -1);
		CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
		CHECK_INTEQ(rtc_media_sender_push_audio(a, chunk, &err), -1);  /* 44.1 kHz */
		CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
		rtc_media_sender_get_parameters(v, &p);
		CHECK(p.active && p.scale_resolution_down_by == 1 && !p.max_bitrate);
		p.max_framerate = -1;
		CHECK_INTEQ(rtc_media_sender_set_parameters(v, &p, &err), -1);
		CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
		CHECK_INTEQ(rtc_media_receiver_push(r, 0, &gap, &err), -1);
		CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
		CHECK_INTEQ(rtc_media_sender_pending(v), 0);
		CHECK_INTEQ(rtc_media_receiver_pending(r), 0);
	}
	rtc_media_sender_free(v);
	rtc_media_sender_free(a);
	rtc_media_receiver_free(r);
out:
	rtc_audio_frame_free(chunk);
	rtc_worker_pool_free(pool);
}

int main(void)
{
	RUN(test_audio_level);
	RUN(test_rate_meter);
	RUN(test_freeze_meter);
	RUN(test_rate_limit);
	RUN(test_scaled_size);
	RUN(test_black_and_resize);
	RUN(test_refused);
	return rtc_test_done();
}
