/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw video on one core (thread CPU time), per frame: camera formats to
 * I420 at 1280x720 (YUY2, NV12, MJPG 4:2:2 as webcams send and 4:2:0),
 * MJPG against a bare libjpeg-turbo loop decoding the same JPEG into
 * planes (the ratio is the converter's own cost: 4:2:2 chroma averaging);
 * scaling (halving, 3/4, doubling); the fake camera's pattern drawn and
 * read. Prints figures; fails only if a conversion fails.
 *
 * BENCH_RAW_SECONDS (default 0.3) is the timed length of one measurement;
 * each is taken three times and the best kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "media/fake/pattern.h"
#include "media/raw/convert.h"

#define W 1280
#define H 720

static double seconds_per_run = 0.3;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static _Noreturn void fail(const char *what)
{
	fprintf(stderr, "bench-raw-media: %s failed\n", what);
	exit(1);
}

/* Best of three: microseconds per call of fn(arg). */
static double measure(void (*fn)(void *), void *arg)
{
	double best = 1e30;

	for (int round = 0; round < 3; round++) {
		unsigned calls = 0;
		double start = now(), elapsed;

		do {
			fn(arg);
			calls++;
			elapsed = now() - start;
		} while (elapsed < seconds_per_run);
		if (elapsed / calls < best)
			best = elapsed / calls;
	}
	return best * 1e6;
}

struct convert_job {
	struct rtc_raw_converter *c;
	struct rtc_raw_picture pic;
	struct rtc_video_frame *dst;
};

static void run_convert(void *arg)
{
	struct convert_job *j = arg;
	struct rtc_error err = { 0 };

	if (rtc_raw_convert(j->c, &j->pic, j->dst, &err) < 0)
		fail(err.message);
}

struct bare_job {
	tjhandle tj;
	const uint8_t *jpeg;
	size_t len;
	uint8_t *planes[3];
	int strides[3];
};

static void run_bare(void *arg)
{
	struct bare_job *j = arg;

	if (tjDecompressToYUVPlanes(j->tj, j->jpeg, (unsigned long)j->len, j->planes, W,
				    j->strides, H, 0) < 0)
		fail("tjDecompressToYUVPlanes");
}

struct scale_job {
	const struct rtc_video_frame *src;
	struct rtc_video_frame *dst;
};

static void run_scale(void *arg)
{
	struct scale_job *j = arg;

	rtc_raw_scale(j->src, j->dst);
}

static void run_draw(void *arg)
{
	static uint32_t counter;

	rtc_fake_pattern_draw(arg, counter, counter, 1000000000ull * counter);
	counter++;
}

static void run_read(void *arg)
{
	uint32_t c;
	uint64_t t;

	if (!rtc_fake_pattern_read(arg, &c, &t))
		fail("rtc_fake_pattern_read");
}

/* A webcam-like JPEG of the fake pattern at the given subsampling. */
static uint8_t *jpeg_of(const struct rtc_video_frame *f, int subsamp, size_t *len)
{
	tjhandle tj = tjInitCompress();
	uint8_t *rgb = malloc((size_t)W * H * 3), *jpeg = NULL;
	unsigned long size = 0;

	/* Through RGB, so the compressor subsamples as the camera's would. */
	tjhandle dec = tjInitDecompress();
	unsigned char *tmp = NULL;
	unsigned long tmp_len = 0;
	const unsigned char *planes[3] = { f->plane[0], f->plane[1], f->plane[2] };
	int strides[3] = { (int)f->stride[0], (int)f->stride[1], (int)f->stride[2] };
	if (tjCompressFromYUVPlanes(tj, planes, W, strides, H, TJSAMP_420, &tmp, &tmp_len, 95, 0) < 0 ||
	    tjDecompress2(dec, tmp, tmp_len, rgb, W, 0, H, TJPF_RGB, 0) < 0 ||
	    tjCompress2(tj, rgb, W, 0, H, TJPF_RGB, &jpeg, &size, subsamp, 85, 0) < 0)
		fail("making a JPEG");
	tjFree(tmp);
	tjDestroy(dec);
	tjDestroy(tj);
	free(rgb);
	*len = size;
	return jpeg;
}

static void bench_mjpg(const char *name, const struct rtc_video_frame *pattern, int subsamp,
		       struct rtc_raw_converter *c, struct rtc_video_frame *dst)
{
	size_t len;
	uint8_t *jpeg = jpeg_of(pattern, subsamp, &len);
	struct convert_job job = {
		.c = c, .dst = dst,
		.pic = { .format = RTC_RAW_MJPG, .width = W, .height = H, .plane = { jpeg },
			 .len = len },
	};
	struct bare_job bare = { .tj = tjInitDecompress(), .jpeg = jpeg, .len = len };
	for (int i = 0; i < 3; i++) {
		bare.strides[i] = tjPlaneWidth(i, W, subsamp);
		bare.planes[i] = malloc((size_t)tjPlaneSizeYUV(i, W, 0, H, subsamp));
	}
	double ours = measure(run_convert, &job), theirs = measure(run_bare, &bare);

	printf("MJPG %s 1280x720 (%zu bytes) -> I420: %.0f us/frame; bare libjpeg-turbo into its "
	       "own planes: %.0f us; ratio %.2f\n", name, len, ours, theirs, ours / theirs);
	for (int i = 0; i < 3; i++)
		free(bare.planes[i]);
	tjDestroy(bare.tj);
	tjFree(jpeg);
}

int main(void)
{
	const char *env = getenv("BENCH_RAW_SECONDS");
	struct rtc_video_frame *pattern = rtc_video_frame_new(W, H), *dst = rtc_video_frame_new(W, H);
	struct rtc_raw_converter *c = rtc_raw_converter_new();

	if (env && atof(env) > 0)
		seconds_per_run = atof(env);
	if (!pattern || !dst || !c)
		fail("allocation");
	rtc_fake_pattern_draw(pattern, 0, 1, 2);

	/* Planar and packed formats, from buffers of the right size. */
	uint8_t *yuy2 = malloc((size_t)W * H * 2), *nv12 = malloc((size_t)W * H * 3 / 2);
	for (size_t i = 0; i < (size_t)W * H * 2; i++)
		yuy2[i] = (uint8_t)(i * 7);
	memcpy(nv12, pattern->plane[0], (size_t)W * H);
	memset(nv12 + (size_t)W * H, 128, (size_t)W * H / 2);
	struct convert_job yuy2_job = {
		.c = c, .dst = dst,
		.pic = { .format = RTC_RAW_YUY2, .width = W, .height = H, .plane = { yuy2 },
			 .stride = { 2 * W } },
	};
	struct convert_job nv12_job = {
		.c = c, .dst = dst,
		.pic = { .format = RTC_RAW_NV12, .width = W, .height = H,
			 .plane = { nv12, nv12 + (size_t)W * H }, .stride = { W, W } },
	};
	printf("YUY2 1280x720 -> I420: %.0f us/frame\n", measure(run_convert, &yuy2_job));
	printf("NV12 1280x720 -> I420: %.0f us/frame\n", measure(run_convert, &nv12_job));
	bench_mjpg("4:2:2", pattern, TJSAMP_422, c, dst);
	bench_mjpg("4:2:0", pattern, TJSAMP_420, c, dst);

	static const uint32_t sizes[][2] = { { 640, 360 }, { 960, 540 }, { 2560, 1440 } };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct scale_job job = { pattern, rtc_video_frame_new(sizes[i][0], sizes[i][1]) };

		printf("scale 1280x720 -> %ux%u: %.0f us/frame\n", sizes[i][0], sizes[i][1],
		       measure(run_scale, &job));
		rtc_video_frame_free(job.dst);
	}

	struct rtc_video_frame *vga = rtc_video_frame_new(640, 480);
	printf("fake pattern drawn, 640x480: %.0f us/frame; 1280x720: %.0f us/frame\n",
	       measure(run_draw, vga), measure(run_draw, pattern));
	printf("fake pattern read, 640x480: %.1f us/frame; 1280x720: %.1f us/frame\n",
	       measure(run_read, vga), measure(run_read, pattern));

	rtc_video_frame_free(vga);
	free(yuy2);
	free(nv12);
	rtc_raw_converter_free(c);
	rtc_video_frame_free(pattern);
	rtc_video_frame_free(dst);
	return 0;
}
