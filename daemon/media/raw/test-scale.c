/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scaling: small frames whose scaled pixels are worked out by hand below
 * (area averages when shrinking, linear interpolation when growing, one
 * axis each way), and properties that hold for any size: a flat frame
 * stays flat, shrinking by a whole factor keeps the mean.
 */
#include <math.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/raw/convert.h"

static struct rtc_video_frame *frame_of(uint32_t w, uint32_t h, const uint8_t *y,
					const uint8_t *u, const uint8_t *v)
{
	struct rtc_video_frame *f = rtc_video_frame_new(w, h);

	memcpy(f->plane[0], y, (size_t)w * h);
	memcpy(f->plane[1], u, (size_t)w * h / 4);
	memcpy(f->plane[2], v, (size_t)w * h / 4);
	return f;
}

static bool plane_is(const struct rtc_video_frame *f, int i, const uint8_t *want)
{
	uint32_t w = i ? f->width / 2 : f->width, h = i ? f->height / 2 : f->height;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			if (f->plane[i][(size_t)y * f->stride[i] + x] != want[(size_t)y * w + x]) {
				printf("# plane %d (%u,%u): %u, want %u\n", i, x, y,
				       f->plane[i][(size_t)y * f->stride[i] + x],
				       want[(size_t)y * w + x]);
				return false;
			}
	return true;
}

static void test_halving_averages_each_square(void)
{
	static const uint8_t y[] = { 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60 };
	static const uint8_t u[] = { 10, 20, 30, 41 }, v[] = { 100, 101, 102, 103 };
	struct rtc_video_frame *src = frame_of(4, 4, y, u, v), *dst = rtc_video_frame_new(2, 2);

	src->capture_ns = 123456789;
	rtc_raw_scale(src, dst);
	CHECK(plane_is(dst, 0, (const uint8_t[]){ 10, 18, 42, 50 }));
	CHECK(plane_is(dst, 1, (const uint8_t[]){ 25 }));    /* 101 / 4 = 25.25 */
	CHECK(plane_is(dst, 2, (const uint8_t[]){ 102 }));   /* 406 / 4 = 101.5, rounded up */
	CHECK_INTEQ(dst->capture_ns, 123456789);
	rtc_video_frame_free(src);
	rtc_video_frame_free(dst);
}

static void test_doubling_interpolates(void)
{
	/* Destination pixel centres fall at -1/4, 1/4, 3/4, 5/4 source pixels:
	 * a, (6a+2b)/8, (2a+6b)/8, b along each axis, the edges clamped. */
	static const uint8_t y[] = { 0, 100, 200, 40 };
	struct rtc_video_frame *src = frame_of(2, 2, y, (const uint8_t[]){ 77 },
					       (const uint8_t[]){ 201 });
	struct rtc_video_frame *dst = rtc_video_frame_new(4, 4);

	rtc_raw_scale(src, dst);
	CHECK(plane_is(dst, 0, (const uint8_t[]){
		0, 25, 75, 100,
		50, 59, 76, 85,        /* 58.75, 76.25 rounded */
		150, 126, 79, 55,      /* 126.25, 78.75 rounded */
		200, 160, 80, 40,
	}));
	CHECK(plane_is(dst, 1, (const uint8_t[]){ 77, 77, 77, 77 }));
	CHECK(plane_is(dst, 2, (const uint8_t[]){ 201, 201, 201, 201 }));
	rtc_video_frame_free(src);
	rtc_video_frame_free(dst);
}

static void test_uneven_shrink_weights_partial_pixels(void)
{
	/* 6 -> 4: each destination pixel covers 1.5 source pixels. */
	static const uint8_t y[] = { 0, 60, 120, 180, 240, 30, 0, 60, 120, 180, 240, 30 };
	static const uint8_t u[] = { 0, 90, 30 }, v[] = { 9, 9, 9 };
	struct rtc_video_frame *src = frame_of(6, 2, y, u, v), *dst = rtc_video_frame_new(4, 2);

	rtc_raw_scale(src, dst);
	CHECK(plane_is(dst, 0, (const uint8_t[]){
		20, 100, 200, 100,     /* (4*0+2*60)/6, (2*60+4*120)/6, ... */
		20, 100, 200, 100,
	}));
	CHECK(plane_is(dst, 1, (const uint8_t[]){ 30, 50 }));   /* (2*0+90)/3, (90+2*30)/3 */
	CHECK(plane_is(dst, 2, (const uint8_t[]){ 9, 9 }));
	rtc_video_frame_free(src);
	rtc_video_frame_free(dst);
}

static void test_shrink_one_axis_grow_the_other(void)
{
	static const uint8_t y[] = { 0, 10, 20, 30, 100, 110, 120, 130 };
	struct rtc_video_frame *src = frame_of(4, 2, y, (const uint8_t[]){ 10, 20 },
					       (const uint8_t[]){ 50, 51 });
	struct rtc_video_frame *dst = rtc_video_frame_new(2, 4);

	rtc_raw_scale(src, dst);
	CHECK(plane_is(dst, 0, (const uint8_t[]){ 5, 25, 30, 50, 80, 100, 105, 125 }));
	CHECK(plane_is(dst, 1, (const uint8_t[]){ 15, 15 }));
	CHECK(plane_is(dst, 2, (const uint8_t[]){ 51, 51 }));   /* 50.5 rounded up */
	rtc_video_frame_free(src);
	rtc_video_frame_free(dst);
}

static bool flat(const struct rtc_video_frame *f, const uint8_t value[3])
{
	for (int i = 0; i < 3; i++) {
		uint32_t w = i ? f->width / 2 : f->width, h = i ? f->height / 2 : f->height;

		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++)
				if (f->plane[i][(size_t)y * f->stride[i] + x] != value[i])
					return false;
	}
	return true;
}

static void test_flat_stays_flat_at_any_size(void)
{
	static const uint32_t sizes[][2] = {
		{ 2, 2 }, { 6, 4 }, { 320, 180 }, { 640, 480 }, { 1280, 720 }, { 642, 362 },
		{ 4096, 2 }, { 2, 4096 },
	};
	const uint8_t value[3] = { 201, 37, 164 };
	size_t n = sizeof(sizes) / sizeof(sizes[0]);

	for (size_t a = 0; a < n; a++) {
		struct rtc_video_frame *src = rtc_video_frame_new(sizes[a][0], sizes[a][1]);

		memset(src->plane[0], value[0], (size_t)src->width * src->height);
		memset(src->plane[1], value[1], (size_t)src->width * src->height / 4);
		memset(src->plane[2], value[2], (size_t)src->width * src->height / 4);
		for (size_t b = 0; b < n; b++) {
			struct rtc_video_frame *dst = rtc_video_frame_new(sizes[b][0], sizes[b][1]);

			rtc_raw_scale(src, dst);
			if (!flat(dst, value))
				printf("# %ux%u -> %ux%u not flat\n", src->width, src->height,
				       dst->width, dst->height);
			CHECK(flat(dst, value));
			rtc_video_frame_free(dst);
		}
		rtc_video_frame_free(src);
	}
}

static double luma_mean(const struct rtc_video_frame *f)
{
	uint64_t sum = 0;

	for (uint32_t y = 0; y < f->height; y++)
		for (uint32_t x = 0; x < f->width; x++)
			sum += f->plane[0][(size_t)y * f->stride[0] + x];
	return (double)sum / ((double)f->width * f->height);
}

static void test_whole_factor_shrink_keeps_the_mean(void)
{
	struct rtc_video_frame *src = rtc_video_frame_new(640, 480);
	uint32_t seed = 12345;

	for (size_t i = 0; i < rtc_video_frame_size(640, 480); i++) {
		seed = seed * 1103515245u + 12345u;
		src->plane[0][i] = (uint8_t)(seed >> 16);
	}
	for (uint32_t factor = 2; factor <= 8; factor *= 2) {
		struct rtc_video_frame *dst = rtc_video_frame_new(640 / factor, 480 / factor);

		rtc_raw_scale(src, dst);
		/* Each destination pixel rounds its average once: at most 1/2. */
		CHECK(luma_mean(dst) > luma_mean(src) - 0.5 && luma_mean(dst) < luma_mean(src) + 0.5);
		rtc_video_frame_free(dst);
	}
	rtc_video_frame_free(src);
}

/* The definition, in floating point, one destination pixel at a time:
 * shrinking, each source pixel weighs what of it the destination pixel
 * covers; growing, the two source pixels around the destination pixel's
 * centre weigh by nearness (the edges clamped). */
static void axis_weights(uint32_t from, uint32_t to, uint32_t i, double *w)
{
	memset(w, 0, from * sizeof(*w));
	if (to <= from) {
		double begin = (double)i * from / to, end = (double)(i + 1) * from / to;

		for (uint32_t k = 0; k < from; k++) {
			double lo = k > begin ? k : begin, hi = k + 1 < end ? k + 1 : end;

			if (hi > lo)
				w[k] = hi - lo;
		}
		return;
	}
	double centre = (i + 0.5) * from / to - 0.5;
	if (centre <= 0) {
		w[0] = 1;
	} else if (centre >= from - 1) {
		w[from - 1] = 1;
	} else {
		uint32_t k = (uint32_t)centre;

		w[k] = 1 - (centre - k);
		w[k + 1] = centre - k;
	}
}

static double reference_pixel(const uint8_t *src, uint32_t stride, uint32_t sw, uint32_t sh,
			   uint32_t dw, uint32_t dh, uint32_t x, uint32_t y)
{
	static double wx[RTC_VIDEO_MAX_DIMENSION], wy[RTC_VIDEO_MAX_DIMENSION];
	double sum = 0, total = 0;

	axis_weights(sw, dw, x, wx);
	axis_weights(sh, dh, y, wy);
	for (uint32_t j = 0; j < sh; j++) {
		if (wy[j] == 0)
			continue;
		for (uint32_t k = 0; k < sw; k++) {
			sum += wx[k] * wy[j] * src[(size_t)j * stride + k];
			total += wx[k] * wy[j];
		}
	}
	return sum / total;
}

static void test_agrees_with_the_definition(void)
{
	static const uint32_t sizes[][4] = {
		{ 64, 48, 32, 24 }, { 64, 48, 48, 36 }, { 64, 48, 22, 14 }, { 30, 18, 64, 48 },
		{ 64, 48, 96, 20 }, { 18, 30, 8, 62 }, { 50, 2, 6, 6 }, { 2, 2, 30, 2 },
	};
	unsigned wrong = 0, pixels = 0;
	double worst = 0;
	uint32_t seed = 99;

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct rtc_video_frame *src = rtc_video_frame_new(sizes[s][0], sizes[s][1]);
		struct rtc_video_frame *dst = rtc_video_frame_new(sizes[s][2], sizes[s][3]);

		for (size_t i = 0; i < rtc_video_frame_size(src->width, src->height); i++) {
			seed = seed * 1103515245u + 12345u;
			src->plane[0][i] = (uint8_t)(seed >> 16);
		}
		rtc_raw_scale(src, dst);
		for (int p = 0; p < 3; p++) {
			uint32_t sw = p ? src->width / 2 : src->width, sh = p ? src->height / 2 : src->height;
			uint32_t dw = p ? dst->width / 2 : dst->width, dh = p ? dst->height / 2 : dst->height;

			for (uint32_t y = 0; y < dh; y++)
				for (uint32_t x = 0; x < dw; x++) {
					double want = reference_pixel(src->plane[p], src->stride[p], sw, sh,
								      dw, dh, x, y);
					double d = fabs(dst->plane[p][(size_t)y * dst->stride[p] + x] - want);

					worst = d > worst ? d : worst;
					wrong += d > 0.5 + 1e-9;
					pixels++;
				}
		}
		rtc_video_frame_free(src);
		rtc_video_frame_free(dst);
	}
	printf("# %u pixels, at most %.3f from the floating-point definition\n", pixels, worst);
	/* Each is the definition's value rounded to the nearest integer. */
	CHECK_INTEQ(wrong, 0);
}

int main(void)
{
	RUN(test_halving_averages_each_square);
	RUN(test_doubling_interpolates);
	RUN(test_uneven_shrink_weights_partial_pixels);
	RUN(test_shrink_one_axis_grow_the_other);
	RUN(test_flat_stays_flat_at_any_size);
	RUN(test_whole_factor_shrink_keeps_the_mean);
	RUN(test_agrees_with_the_definition);
	return rtc_test_done();
}
