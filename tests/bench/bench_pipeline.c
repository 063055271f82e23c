/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A track's frames through media/pipeline in real time: the fake camera's
 * pattern paced at 30 fps on the wall clock → rtc_media_sender (encoder on
 * the worker pool) → rtc_media_receiver (decoder on the pool), no network
 * in between. For VP8 and H.264 at 640x480 and 1280x720, 1.5 Mbit/s:
 *   - capture → encoded and capture → decoded latency (median, max),
 *   - the reactor thread's CPU per frame (push: the copy of a lent frame,
 *     none for a given one; results: routing), and apart from it the
 *     setup (making the encoder and decoder) and the first push,
 *   - against a bare loop in the same run: the same encoder and decoder
 *     called directly on one thread, encode + decode time per frame.
 * Prints figures; fails only when a codec fails.
 *
 * BENCH_PIPELINE_FRAMES (default 90) frames per configuration.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/codec/decoder.h"
#include "media/codec/encoder.h"
#include "media/fake/pattern.h"
#include "media/pipeline/receiver.h"
#include "media/pipeline/result-sink.h"
#include "media/pipeline/sender.h"

#define MAX_FRAMES 1000
#define BITRATE 1500000

static unsigned frames = 90;

struct run {
	struct rtc_media_receiver *rx;
	enum rtc_codec codec;
	uint64_t capture[MAX_FRAMES];
	double to_encoded[MAX_FRAMES], to_decoded[MAX_FRAMES];
	unsigned encoded, decoded;
	bool failed;
};

static const char *codec_name(enum rtc_codec codec)
{
	return codec == RTC_CODEC_VP8 ? "VP8" : "H264";
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void encoded(void *user, const uint8_t *data, size_t len, uint64_t capture_ns,
		    bool key_frame, int audio_level)
{
	struct run *r = user;
	unsigned i;
	struct rtc_error err;

	(void)audio_level;
	for (i = 0; i < frames && r->capture[i] != capture_ns; i++)
		;
	if (i == frames)
		return;
	r->to_encoded[r->encoded++] = (double)(wall_ns() - capture_ns) / 1e6;
	struct rtc_recv_frame f = {
		.codec = r->codec, .data = data, .len = len, .rtp_timestamp = i,
		.key_frame = key_frame,
	};
	if (rtc_media_receiver_push(r->rx, wall_ns(), &f, &err) < 0) {
		fprintf(stderr, "receiver: %s\n", err.message);
		r->failed = true;
	}
}

static void decoded(void *user, struct rtc_video_frame *frame,
		    const struct rtc_media_frame_info *info)
{
	struct run *r = user;

	if (info->rtp_timestamp < frames)
		r->to_decoded[r->decoded++] =
			(double)(wall_ns() - r->capture[info->rtp_timestamp]) / 1e6;
	rtc_video_frame_free(frame);
}

/* Results until `until` (wall ns), waiting on the pool's fd. */
static double drain_until(struct rtc_worker_pool *pool, uint64_t until)
{
	double cpu = 0;

	for (;;) {
		uint64_t now = wall_ns();
		struct pollfd p = { .fd = rtc_worker_pool_fd(pool), .events = POLLIN };
		struct rtc_worker_result res;
		double t0;

		if (now >= until)
			return cpu;
		if (poll(&p, 1, (int)((until - now) / 1000000) + 1) <= 0)
			continue;
		t0 = thread_cpu();
		while (rtc_worker_pool_poll(pool, &res))
			rtc_media_result_dispatch(&res);
		cpu += thread_cpu() - t0;
	}
}

static bool pipeline(enum rtc_codec codec, uint32_t w, uint32_t h,
		     struct rtc_video_frame **pics, bool give)
{
	struct rtc_error err;
	struct rtc_worker_pool *pool = rtc_worker_pool_new(2, &err);
	struct run *r = calloc(1, sizeof(*r));
	struct rtc_media_sender *tx = NULL;
	double push_cpu = 0, result_cpu = 0, first_push = 0, setup;
	uint64_t next = wall_ns();
	bool ok = false;

	if (!pool || !r)
		goto out;
	r->codec = codec;
	setup = thread_cpu();
	tx = rtc_media_sender_new(&(struct rtc_media_sender_config){ .codec = codec,
								     .bitrate = BITRATE },
				  pool, &(struct rtc_media_sender_callbacks){ .encoded = encoded },
				  r, &err);
	r->rx = rtc_media_receiver_new(&(struct rtc_media_receiver_config){ .codec = codec }, pool,
				       &(struct rtc_media_receiver_callbacks){ .video = decoded },
				       r, &err);
	setup = thread_cpu() - setup;
	if (!tx || !r->rx) {
		fprintf(stderr, "%s\n", err.message);
		goto out;
	}
	for (unsigned i = 0; i < frames; i++) {
		struct rtc_video_frame *f = pics[i % 30], *mine = NULL;
		double t0;
		int rc;

		/* A capture stream that converts makes a new frame anyway:
		 * that one is given, its making not counted. */
		if (give && !(mine = rtc_video_frame_new(w, h)))
			goto out;
		if (mine)
			memcpy(mine->plane[0], f->plane[0], rtc_video_frame_size(w, h));
		t0 = thread_cpu();
		f->capture_ns = r->capture[i] = wall_ns();
		if (mine)
			mine->capture_ns = f->capture_ns;
		rc = mine ? rtc_media_sender_give_video(tx, mine, &err)
			  : rtc_media_sender_push_video(tx, f, &err);
		if (rc < 0) {
			fprintf(stderr, "push: %s\n", err.message);
			goto out;
		}
		/* The first push makes the encoder, on this thread. */
		if (i == 0)
			first_push = thread_cpu() - t0;
		else
			push_cpu += thread_cpu() - t0;
		next += 1000000000ull / 30;
		result_cpu += drain_until(pool, next);
	}
	result_cpu += drain_until(pool, wall_ns() + 300000000ull);
	{
		struct rtc_media_sender_stats ts;
		/* Sorted first: the max is then the last. */
		double enc_med = median(r->to_encoded, r->encoded);
		double dec_med = median(r->to_decoded, r->decoded);
		double enc_max = r->encoded ? r->to_encoded[r->encoded - 1] : 0;
		double dec_max = r->decoded ? r->to_decoded[r->decoded - 1] : 0;

		rtc_media_sender_stats(tx, &ts);
		printf("%-5s %4ux%-4u pipeline (%s): %3u/%u encoded (%llu dropped busy), %3u decoded; "
		       "capture->encoded %.2f ms median, %.2f max; capture->decoded %.2f ms "
		       "median, %.2f max; reactor %.0f us/frame (push %.0f, results %.0f), "
		       "setup (makes the codecs) %.1f ms, first push %.1f ms\n",
		       codec_name(codec), w, h, give ? "given" : "lent", r->encoded, frames,
		       (unsigned long long)ts.frames_dropped_busy, r->decoded, enc_med, enc_max,
		       dec_med, dec_max, (push_cpu + result_cpu) * 1e6 / frames,
		       push_cpu * 1e6 / (frames - 1), result_cpu * 1e6 / frames, setup * 1e3,
		       first_push * 1e3);
	}
	ok = !r->failed && r->decoded > 0;
out:
	rtc_media_sender_free(tx);
	if (r)
		rtc_media_receiver_free(r->rx);
	free(r);
	rtc_worker_pool_free(pool);
	return ok;
}

/* The same encoder and decoder called directly, one thread, no pacing. */
static bool bare(enum rtc_codec codec, uint32_t w, uint32_t h, struct rtc_video_frame **pics)
{
	struct rtc_error err;
	struct rtc_encoder *e = rtc_encoder_new(&(struct rtc_encoder_config){
		.codec = codec, .width = w, .height = h, .bitrate = BITRATE }, &err);
	struct rtc_decoder *d = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = codec },
						&err);
	struct rtc_encoded out = { 0 };
	double *t = calloc(frames, sizeof(*t));
	unsigned n = 0;
	bool ok = false;

	if (!e || !d || !t)
		goto out;
	for (unsigned i = 0; i < frames; i++) {
		struct rtc_video_frame *f = pics[i % 30], *dec = NULL;
		uint64_t t0 = wall_ns();

		f->capture_ns = (uint64_t)i * 1000000000ull / 30;
		if (rtc_encoder_encode_video(e, f, &out, &err) < 0)
			goto out;
		if (out.len && rtc_decoder_decode_video(d, out.data, out.len, &dec, &err) < 0)
			goto out;
		out.len = 0;
		rtc_video_frame_free(dec);
		t[n++] = (double)(wall_ns() - t0) / 1e6;
	}
	printf("%-5s %4ux%-4u bare loop: encode + decode %.2f ms median per frame\n",
	       codec_name(codec), w, h, median(t, n));
	ok = true;
out:
	if (!ok)
		fprintf(stderr, "bare %s: %s\n", codec_name(codec), err.message);
	rtc_encoded_release(&out);
	rtc_encoder_free(e);
	rtc_decoder_free(d);
	free(t);
	return ok;
}

int main(void)
{
	static const uint32_t sizes[][2] = { { 640, 480 }, { 1280, 720 } };
	static const enum rtc_codec codecs[] = { RTC_CODEC_VP8, RTC_CODEC_H264 };
	const char *env = getenv("BENCH_PIPELINE_FRAMES");
	bool ok = true;

	if (env && atoi(env) > 0)
		frames = (unsigned)atoi(env) < MAX_FRAMES ? (unsigned)atoi(env) : MAX_FRAMES;
	for (size_t s = 0; s < 2; s++) {
		struct rtc_video_frame *pics[30];

		for (unsigned i = 0; i < 30; i++) {
			pics[i] = rtc_video_frame_new(sizes[s][0], sizes[s][1]);
			if (!pics[i])
				return 1;
			rtc_fake_pattern_draw(pics[i], i, i, 0);
		}
		for (size_t c = 0; c < 2; c++) {
			ok &= bare(codecs[c], sizes[s][0], sizes[s][1], pics);
			ok &= pipeline(codecs[c], sizes[s][0], sizes[s][1], pics, false);
			ok &= pipeline(codecs[c], sizes[s][0], sizes[s][1], pics, true);
		}
		for (unsigned i = 0; i < 30; i++)
			rtc_video_frame_free(pics[i]);
	}
	return ok ? 0 : 1;
}
