/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scaling an I420 frame (see convert.h), each axis on its own: an axis
 * that shrinks averages the source pixels each destination pixel covers,
 * weighted by how much of them it covers (no aliasing of fine patterns);
 * an axis that grows interpolates linearly between the two nearest source
 * pixels. All in integers, so results are the same on every machine.
 *
 * Weights are products of the two axes' weights, so one destination pixel
 * is one weighted sum, rounded once; no intermediate plane, no allocation
 * (one row of sums on the stack). Halving, the usual case, has a loop of
 * its own.
 */
#include "media/raw/convert.h"

#include <string.h>

/* One axis of from → to pixels, in integer units: for shrinking a source
 * pixel k spans [k*to, (k+1)*to) and destination pixel i spans
 * [i*from, (i+1)*from); for growing, positions are in 1/(2*to) source
 * pixels so that pixel centres land on integers. */
struct axis {
	uint32_t from, to;
};

struct taps {
	uint32_t first, count;
	uint32_t weight[2];        /* growing: the two neighbours' weights */
	uint64_t total;            /* sum of the weights */
};

static void axis_taps(const struct axis *a, uint32_t i, struct taps *t)
{
	if (a->to <= a->from) {
		uint64_t begin = (uint64_t)i * a->from, end = begin + a->from;

		t->first = (uint32_t)(begin / a->to);
		t->count = (uint32_t)((end + a->to - 1) / a->to) - t->first;
		t->total = a->from;
		return;
	}
	/* Centre of destination pixel i in source pixels, minus the half
	 * pixel to source centres: ((2i+1)*from - to) / (2*to). */
	int64_t pos = (int64_t)(2 * i + 1) * a->from - a->to;
	uint32_t unit = 2 * a->to;

	if (pos < 0)
		pos = 0;
	t->first = (uint32_t)(pos / unit);
	uint32_t frac = (uint32_t)(pos % unit);
	if (t->first + 1 >= a->from) {
		t->first = a->from - 1;
		frac = 0;
	}
	t->count = frac ? 2 : 1;
	t->weight[0] = unit - frac;
	t->weight[1] = frac;
	t->total = unit;
}

static uint32_t tap_weight(const struct axis *a, const struct taps *t, uint32_t i, uint32_t n)
{
	if (a->to > a->from)
		return t->weight[n];
	/* Overlap of source pixel first+n with destination pixel i. */
	uint64_t k = t->first + n;
	uint64_t lo = k * a->to, hi = lo + a->to;
	uint64_t begin = (uint64_t)i * a->from, end = begin + a->from;

	if (lo < begin)
		lo = begin;
	if (hi > end)
		hi = end;
	return (uint32_t)(hi - lo);
}

/* Division by the same total for a whole row, as a multiplication: with
 * n * d < 2^62, floor(n * ceil(2^62 / d) / 2^62) is exactly n / d (totals
 * are below 2^27, numerators below 2^35). */
struct divisor {
	uint64_t value;
#ifdef __SIZEOF_INT128__
	uint64_t inverse;
#endif
};

static struct divisor divisor_of(uint64_t d)
{
#ifdef __SIZEOF_INT128__
	return (struct divisor){ d, (uint64_t)((((unsigned __int128)1 << 62) + d - 1) / d) };
#else
	return (struct divisor){ d };
#endif
}

static uint64_t divide(uint64_t n, const struct divisor *d)
{
#ifdef __SIZEOF_INT128__
	return (uint64_t)(((unsigned __int128)n * d->inverse) >> 62);
#else
	return n / d->value;
#endif
}

/* The horizontal taps of every destination column, worked out once per
 * plane: first source column, how many, and the first and last weights
 * (those between are all `to` when shrinking). */
struct column {
	uint16_t first, count;
	uint16_t weight_first, weight_last;
};

static void halve_plane(const uint8_t *src, uint32_t src_stride, uint8_t *dst,
			uint32_t dst_stride, uint32_t dst_w, uint32_t dst_h)
{
	for (uint32_t y = 0; y < dst_h; y++) {
		const uint8_t *a = src + (size_t)2 * y * src_stride, *b = a + src_stride;
		uint8_t *d = dst + (size_t)y * dst_stride;

		for (uint32_t x = 0; x < dst_w; x++)
			d[x] = (uint8_t)((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2) / 4);
	}
}

static void scale_plane(const uint8_t *src, uint32_t src_stride, uint32_t src_w,
			uint32_t src_h, uint8_t *dst, uint32_t dst_stride, uint32_t dst_w,
			uint32_t dst_h)
{
	const struct axis ax = { src_w, dst_w }, ay = { src_h, dst_h };
	struct column columns[RTC_VIDEO_MAX_DIMENSION];

	if (src_w == dst_w && src_h == dst_h) {
		for (uint32_t y = 0; y < dst_h; y++)
			memcpy(dst + (size_t)y * dst_stride, src + (size_t)y * src_stride, dst_w);
		return;
	}
	if (src_w == 2 * dst_w && src_h == 2 * dst_h) {
		/* The common case (scale-resolution-down-by 2), the same result. */
		halve_plane(src, src_stride, dst, dst_stride, dst_w, dst_h);
		return;
	}
	uint64_t total_x = 0;
	for (uint32_t x = 0; x < dst_w; x++) {
		struct taps t;

		axis_taps(&ax, x, &t);
		columns[x] = (struct column){
			.first = (uint16_t)t.first, .count = (uint16_t)t.count,
			.weight_first = (uint16_t)tap_weight(&ax, &t, x, 0),
			.weight_last = (uint16_t)tap_weight(&ax, &t, x, t.count - 1),
		};
		total_x = t.total;
	}
	const uint32_t middle = dst_w <= src_w ? dst_w : 0;   /* inner weights, shrinking */

	/* Per destination row: the source rows it takes, weighted, summed
	 * into acc (at most 255 * 2 * 4096 each), then each destination
	 * pixel from its columns of acc. */
	uint32_t acc[RTC_VIDEO_MAX_DIMENSION];
	for (uint32_t y = 0; y < dst_h; y++) {
		struct taps ty;

		axis_taps(&ay, y, &ty);
		struct divisor total = divisor_of(total_x * ty.total);
		memset(acc, 0, src_w * sizeof(acc[0]));
		for (uint32_t j = 0; j < ty.count; j++) {
			const uint8_t *row = src + (size_t)(ty.first + j) * src_stride;
			const uint32_t wy = tap_weight(&ay, &ty, y, j);

			for (uint32_t x = 0; x < src_w; x++)
				acc[x] += row[x] * wy;
		}

		uint8_t *d = dst + (size_t)y * dst_stride;
		for (uint32_t x = 0; x < dst_w; x++) {
			const struct column *c = &columns[x];
			const uint32_t *a = acc + c->first;
			uint64_t sum = (uint64_t)a[0] * c->weight_first;

			if (c->count > 1) {
				for (uint32_t n = 1; n + 1 < c->count; n++)
					sum += (uint64_t)a[n] * middle;
				sum += (uint64_t)a[c->count - 1] * c->weight_last;
			}
			d[x] = (uint8_t)divide(sum + total.value / 2, &total);
		}
	}
}

void rtc_raw_scale(const struct rtc_video_frame *src, struct rtc_video_frame *dst)
{
	scale_plane(src->plane[0], src->stride[0], src->width, src->height, dst->plane[0],
		    dst->stride[0], dst->width, dst->height);
	for (int i = 1; i < 3; i++)
		scale_plane(src->plane[i], src->stride[i], src->width / 2, src->height / 2,
			    dst->plane[i], dst->stride[i], dst->width / 2, dst->height / 2);
	dst->capture_ns = src->capture_ns;
}
