/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The codec worker pool: results in order per stream, frames dropped (and
 * counted) when the producer outruns the encoder, encoder settings reach
 * the worker, and closing a stream mid-job or freeing the pool with work
 * pending leaks nothing and touches nothing freed (run under ASan).
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "media/codec/worker-pool.h"
#include "media/codec/test-pattern.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits for the pool's fd (at most 20 s: a hang is a failure, not a
 * timing): true when readable. */
static bool wait_fd(struct rtc_worker_pool *pool)
{
	struct pollfd p = { .fd = rtc_worker_pool_fd(pool), .events = POLLIN };

	return poll(&p, 1, 20000) == 1;
}

/* Until the stream has nothing waiting or running. */
static void wait_idle(struct rtc_worker_stream *s)
{
	struct rtc_worker_stream_stats st;
	uint64_t deadline = now_ms() + 20000;

	do {
		rtc_worker_stream_stats(s, &st);
		if (!st.waiting && !st.running)
			return;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	} while (now_ms() < deadline);
	CHECK(!"stream did not go idle");
}

static struct rtc_encoder *encoder(enum rtc_codec codec, uint32_t w, uint32_t h)
{
	struct rtc_error err = { 0 };
	return rtc_encoder_new(&(struct rtc_encoder_config){ .codec = codec, .width = w, .height = h,
			       .bitrate = codec == RTC_CODEC_OPUS ? 32000 : 800000 }, &err);
}

static struct rtc_decoder *decoder(enum rtc_codec codec)
{
	struct rtc_error err = { 0 };
	return rtc_decoder_new(&(struct rtc_decoder_config){ .codec = codec }, &err);
}

/* Three Opus decoder streams fed 40 packets each: all 120 results come
 * back, each stream's in the order submitted. */
static void test_results_in_order(void)
{
	struct rtc_error err = { 0 };
	struct rtc_worker_pool *pool = rtc_worker_pool_new(0, &err);
	struct rtc_encoder *e = encoder(RTC_CODEC_OPUS, 0, 0);
	struct rtc_audio_frame *a = rtc_audio_frame_new(48000, 1, 960);
	struct rtc_encoded enc = { 0 };
	struct rtc_worker_stream *s[3] = { NULL };
	int ids[3] = { 0, 1, 2 };
	uint64_t next[3] = { 0 }, got = 0;

	CHECK(pool && e && a);
	if (!pool || !e || !a)
		goto out;
	CHECK(rtc_worker_pool_threads(pool) >= 1 && rtc_worker_pool_threads(pool) <= 2);
	for (int i = 0; i < 3; i++)
		CHECK((s[i] = rtc_worker_stream_decoder(pool, decoder(RTC_CODEC_OPUS), &ids[i], &err)));
	for (unsigned n = 0; n < 40; n++) {
		pattern_tone(a, 440, n * 960ull);
		CHECK(rtc_encoder_encode_audio(e, a, &enc, &err) == 1);
		for (int i = 0; i < 3; i++)
			CHECK(rtc_worker_decode(s[i], enc.data, enc.len, 1000 + n, &err) == 0);
	}
	while (got < 120 && wait_fd(pool)) {
		struct rtc_worker_result res;
		while (rtc_worker_pool_poll(pool, &res)) {
			int i = *(int *)res.user;
			CHECK(res.status == 1 && res.audio && res.audio->samples == 960);
			CHECK(res.seq == next[i] && res.tag == 1000 + next[i]);
			next[i]++;
			got++;
			rtc_worker_result_release(&res);
		}
	}
	CHECK(got == 120);
	/* Drained: the fd is quiet again. */
	struct pollfd p = { .fd = rtc_worker_pool_fd(pool), .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0);
	for (int i = 0; i < 3; i++) {
		struct rtc_worker_stream_stats st;
		rtc_worker_stream_stats(s[i], &st);
		CHECK(st.submitted == 40 && st.completed == 40 && st.dropped == 0 && st.failed == 0);
		rtc_worker_stream_close(s[i]);
	}
out:
	rtc_encoded_release(&enc);
	rtc_audio_frame_free(a);
	rtc_encoder_free(e);
	rtc_worker_pool_free(pool);
}

/* 30 frames of 640x480 handed to a VP8 stream at once: the encoder cannot
 * keep up, so waiting frames are replaced (dropped and counted); every
 * frame is accounted for and the results are in capture order. */
static void test_drops_when_behind(void)
{
	struct rtc_error err = { 0 };
	struct rtc_worker_pool *pool = rtc_worker_pool_new(2, &err);
	struct rtc_worker_stream *s = pool ? rtc_worker_stream_encoder(pool,
		encoder(RTC_CODEC_VP8, 640, 480), NULL, &err) : NULL;
	unsigned replaced = 0, results = 0;
	uint64_t last_capture = 0, last_seq = 0;

	CHECK(pool && s);
	if (!s)
		goto out;
	struct rtc_video_frame *frames[30];
	for (unsigned n = 0; n < 30; n++) {
		frames[n] = rtc_video_frame_new(640, 480);
		pattern_fill(frames[n], n);
		frames[n]->capture_ns = 1000 + n;
	}
	for (unsigned n = 0; n < 30; n++) {
		int r = rtc_worker_encode_video(s, frames[n], &err);
		CHECK(r == 0 || r == 1);
		replaced += r == 1;
	}
	wait_idle(s);
	struct rtc_worker_result res;
	while (rtc_worker_pool_poll(pool, &res)) {
		CHECK(res.status == 1 && res.encoded.len > 0);
		CHECK(res.encoded.capture_ns > last_capture && (!results || res.seq > last_seq));
		CHECK(results || res.encoded.key_frame);
		last_capture = res.encoded.capture_ns;
		last_seq = res.seq;
		results++;
		rtc_worker_result_release(&res);
	}
	struct rtc_worker_stream_stats st;
	rtc_worker_stream_stats(s, &st);
	printf("# 30 frames at once: %u encoded, %" PRIu64 " dropped, %" PRIu64 " skipped by rate control\n",
	       results, st.dropped, st.skipped);
	CHECK(st.dropped > 0 && st.dropped == replaced);
	CHECK(st.submitted == 30 && st.completed == results);
	CHECK(st.completed + st.skipped + st.failed + st.dropped == 30);
	/* The newest frame is never the one dropped. */
	CHECK(last_capture == 1029 || st.skipped > 0);
	rtc_worker_stream_close(s);
out:
	rtc_worker_pool_free(pool);
}

/* Bitrate and key frame requests reach the encoder on its worker. */
static void test_settings_reach_worker(void)
{
	struct rtc_error err = { 0 };
	struct rtc_worker_pool *pool = rtc_worker_pool_new(1, &err);
	struct rtc_worker_stream *s = pool ? rtc_worker_stream_encoder(pool,
		encoder(RTC_CODEC_H264, 320, 240), NULL, &err) : NULL;
	unsigned keys = 0;

	CHECK(s);
	if (!s)
		goto out;
	CHECK(rtc_worker_stream_set_bitrate(s, 1, &err) == -1 && err.kind == RTC_ERROR_RANGE);
	CHECK(rtc_worker_stream_set_bitrate(s, 400000, &err) == 0);
	CHECK(rtc_worker_decode(s, (const uint8_t *)"x", 1, 0, &err) == -1 && err.kind == RTC_ERROR_TYPE);
	struct rtc_audio_frame *a = rtc_audio_frame_new(48000, 1, 960);
	CHECK(rtc_worker_encode_audio(s, a, &err) == -1 && err.kind == RTC_ERROR_TYPE);
	for (unsigned n = 0; n < 6; n++) {
		struct rtc_video_frame *f = rtc_video_frame_new(320, 240);
		pattern_fill(f, n);
		if (n == 3)
			rtc_worker_stream_request_key_frame(s);
		CHECK(rtc_worker_encode_video(s, f, &err) == 0);
		wait_idle(s);   /* one at a time: nothing dropped */
		struct rtc_worker_result res;
		CHECK(rtc_worker_pool_poll(pool, &res));
		CHECK(res.status == 1 && res.seq == n);
		CHECK(res.encoded.key_frame == (n == 0 || n == 3));
		keys += res.encoded.key_frame;
		rtc_worker_result_release(&res);
	}
	CHECK(keys == 2);
	rtc_worker_stream_close(s);
out:
	rtc_worker_pool_free(pool);
}

/* Closing a stream while its job runs: the worker frees it after; its
 * results never come out. Closing with results queued drops them. */
static void test_close_during_job(void)
{
	struct rtc_error err = { 0 };
	struct rtc_worker_pool *pool = rtc_worker_pool_new(2, &err);
	int user = 7;

	CHECK(pool);
	if (!pool)
		return;
	for (unsigned round = 0; round < 3; round++) {
		struct rtc_worker_stream *s = rtc_worker_stream_encoder(pool,
			encoder(RTC_CODEC_VP8, 1280, 720), &user, &err);
		struct rtc_worker_stream_stats st;
		struct rtc_video_frame *f = rtc_video_frame_new(1280, 720), *g = rtc_video_frame_new(1280, 720);
		pattern_fill(f, 0);
		pattern_fill(g, 1);
		CHECK(rtc_worker_encode_video(s, f, &err) == 0);
		uint64_t deadline = now_ms() + 20000;
		do
			rtc_worker_stream_stats(s, &st);
		while (!st.running && !st.completed && now_ms() < deadline);
		CHECK(rtc_worker_encode_video(s, g, &err) == 0);   /* waits behind it */
		rtc_worker_stream_close(s);
	}
	/* A stream with results waiting, closed before they are read. */
	struct rtc_worker_stream *d = rtc_worker_stream_decoder(pool, decoder(RTC_CODEC_OPUS), &user, &err);
	const uint8_t silence[] = { 0xf8, 0xff, 0xfe };    /* a CELT 20 ms frame */
	for (unsigned n = 0; n < 5; n++)
		CHECK(rtc_worker_decode(d, silence, sizeof(silence), n, &err) == 0);
	wait_idle(d);
	rtc_worker_stream_close(d);
	struct rtc_worker_result res;
	CHECK(!rtc_worker_pool_poll(pool, &res));
	rtc_worker_pool_free(pool);
}

/* Freeing the pool with streams open, jobs waiting and results unread. */
static void test_shutdown_with_work(void)
{
	struct rtc_error err = { 0 };
	struct rtc_worker_pool *pool = rtc_worker_pool_new(2, &err);

	CHECK(pool);
	if (!pool)
		return;
	for (unsigned i = 0; i < 4; i++) {
		struct rtc_worker_stream *s = rtc_worker_stream_encoder(pool,
			encoder(i % 2 ? RTC_CODEC_VP8 : RTC_CODEC_H264, 320, 240), NULL, &err);
		struct rtc_worker_stream *d = rtc_worker_stream_decoder(pool, decoder(RTC_CODEC_VP8), NULL, &err);
		CHECK(s && d);
		for (unsigned n = 0; n < 3; n++) {
			struct rtc_video_frame *f = rtc_video_frame_new(320, 240);
			pattern_fill(f, n);
			rtc_worker_encode_video(s, f, &err);
			CHECK(rtc_worker_decode(d, (const uint8_t *)"garbage", 7, n, &err) == 0);
		}
	}
	rtc_worker_pool_free(pool);
	/* More threads than cores are not made. */
	pool = rtc_worker_pool_new(64, &err);
	CHECK(pool && rtc_worker_pool_threads(pool) <= RTC_WORKER_POOL_MAX_THREADS);
	printf("# asked for 64 threads, got %u\n", pool ? rtc_worker_pool_threads(pool) : 0);
	rtc_worker_pool_free(pool);
}

/* A decoder stream reports errors and the need for a key frame; its
 * queue has a bound. */
static void test_decode_errors(void)
{
	struct rtc_error err = { 0 };
	struct rtc_worker_pool *pool = rtc_worker_pool_new(1, &err);
	struct rtc_worker_stream *d = pool ? rtc_worker_stream_decoder(pool, decoder(RTC_CODEC_VP8), NULL, &err) : NULL;
	unsigned refused = 0;

	CHECK(d);
	if (!d)
		goto out;
	CHECK(rtc_worker_decode(d, (const uint8_t *)"abc", 3, 42, &err) == 0);
	CHECK(wait_fd(pool));
	struct rtc_worker_result res;
	CHECK(rtc_worker_pool_poll(pool, &res));
	CHECK(res.status == -1 && res.err.message[0] && res.needs_key_frame && res.tag == 42 && !res.video);
	rtc_worker_result_release(&res);
	CHECK(rtc_worker_conceal(d, 960, NULL, 0, 0, &err) == -1 && err.kind == RTC_ERROR_TYPE);
	for (unsigned n = 0; n < 200; n++)
		refused += rtc_worker_decode(d, (const uint8_t *)"abc", 3, n, &err) == -1;
	CHECK(refused > 0 && err.kind == RTC_ERROR_RANGE);
	rtc_worker_stream_close(d);
out:
	rtc_worker_pool_free(pool);
}

int main(void)
{
	RUN(test_results_in_order);
	RUN(test_drops_when_behind);
	RUN(test_settings_reach_worker);
	RUN(test_close_during_job);
	RUN(test_shutdown_with_work);
	RUN(test_decode_errors);
	return rtc_test_done();
}
