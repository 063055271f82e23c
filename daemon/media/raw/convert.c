/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Camera formats to I420 (see convert.h). The planar formats are plain
 * loops; MJPG goes through libjpeg-turbo, straight into the frame's planes
 * when the JPEG is 4:2:0, through scratch planes otherwise (webcams mostly
 * send 4:2:2).
 *
 * Odd sizes: a frame is always even, so an odd last column or row of the
 * picture is dropped; dst has src's size rounded down to even.
 */
#include "media/raw/convert.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

struct rtc_raw_converter {
	tjhandle jpeg;
	uint8_t *scratch;          /* decoded planes of a JPEG that is not 4:2:0 */
	size_t scratch_size;
};

struct rtc_raw_converter *rtc_raw_converter_new(void)
{
	struct rtc_raw_converter *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->jpeg = tjInitDecompress();
	if (!c->jpeg) {
		free(c);
		return NULL;
	}
	return c;
}

void rtc_raw_converter_free(struct rtc_raw_converter *c)
{
	if (!c)
		return;
	if (c->jpeg)
		tjDestroy(c->jpeg);
	free(c->scratch);
	free(c);
}

const char *rtc_raw_format_name(enum rtc_raw_format format)
{
	switch (format) {
	case RTC_RAW_I420: return "I420";
	case RTC_RAW_NV12: return "NV12";
	case RTC_RAW_YUY2: return "YUY2";
	case RTC_RAW_MJPG: return "MJPG";
	}
	return "unknown";
}

static void copy_plane(const uint8_t *src, uint32_t src_stride, uint8_t *dst,
		       uint32_t dst_stride, uint32_t width, uint32_t height)
{
	for (uint32_t y = 0; y < height; y++)
		memcpy(dst + (size_t)y * dst_stride, src + (size_t)y * src_stride, width);
}

static void from_i420(const struct rtc_raw_picture *src, struct rtc_video_frame *dst)
{
	copy_plane(src->plane[0], src->stride[0], dst->plane[0], dst->stride[0],
		   dst->width, dst->height);
	for (int i = 1; i < 3; i++)
		copy_plane(src->plane[i], src->stride[i], dst->plane[i], dst->stride[i],
			   dst->width / 2, dst->height / 2);
}

static void from_nv12(const struct rtc_raw_picture *src, struct rtc_video_frame *dst)
{
	copy_plane(src->plane[0], src->stride[0], dst->plane[0], dst->stride[0],
		   dst->width, dst->height);
	for (uint32_t y = 0; y < dst->height / 2; y++) {
		const uint8_t *uv = src->plane[1] + (size_t)y * src->stride[1];
		uint8_t *u = dst->plane[1] + (size_t)y * dst->stride[1];
		uint8_t *v = dst->plane[2] + (size_t)y * dst->stride[2];

		for (uint32_t x = 0; x < dst->width / 2; x++) {
			u[x] = uv[2 * x];
			v[x] = uv[2 * x + 1];
		}
	}
}

/* YUY2 is 4:2:2 (Y0 U Y1 V per pixel pair): the chroma of two rows is
 * averaged into one. */
static void from_yuy2(const struct rtc_raw_picture *src, struct rtc_video_frame *dst)
{
	for (uint32_t y = 0; y < dst->height; y += 2) {
		const uint8_t *top = src->plane[0] + (size_t)y * src->stride[0];
		const uint8_t *bottom = top + src->stride[0];
		uint8_t *y0 = dst->plane[0] + (size_t)y * dst->stride[0];
		uint8_t *y1 = y0 + dst->stride[0];
		uint8_t *u = dst->plane[1] + (size_t)(y / 2) * dst->stride[1];
		uint8_t *v = dst->plane[2] + (size_t)(y / 2) * dst->stride[2];

		for (uint32_t x = 0; x < dst->width / 2; x++) {
			const uint8_t *t = top + 4 * x, *b = bottom + 4 * x;

			y0[2 * x] = t[0];
			y0[2 * x + 1] = t[2];
			y1[2 * x] = b[0];
			y1[2 * x + 1] = b[2];
			u[x] = (uint8_t)((t[1] + b[1] + 1) / 2);
			v[x] = (uint8_t)((t[3] + b[3] + 1) / 2);
		}
	}
}

static uint8_t *scratch(struct rtc_raw_converter *c, size_t size)
{
	if (size > c->scratch_size) {
		uint8_t *p = realloc(c->scratch, size);

		if (!p)
			return NULL;
		c->scratch = p;
		c->scratch_size = size;
	}
	return c->scratch;
}

/* A chroma plane decoded at the JPEG's own subsampling (h_factor × v_factor
 * luma pixels per sample), averaged down to 4:2:0. */
static void chroma_to_420(const uint8_t *src, uint32_t src_width, uint32_t src_height,
			  uint32_t h_factor, uint32_t v_factor, uint8_t *dst,
			  uint32_t dst_stride, uint32_t width, uint32_t height)
{
	if (h_factor == 2 && v_factor == 1) {
		/* 4:2:2, what webcams send: two rows into one. */
		for (uint32_t y = 0; y < height / 2; y++) {
			const uint8_t *r0 = src + (size_t)2 * y * src_width, *r1 = r0 + src_width;
			uint8_t *d = dst + (size_t)y * dst_stride;

			for (uint32_t x = 0; x < width / 2; x++)
				d[x] = (uint8_t)((r0[x] + r1[x] + 1) / 2);
		}
		return;
	}
	for (uint32_t y = 0; y < height / 2; y++) {
		uint32_t sy0 = 2 * y / v_factor, sy1 = (2 * y + 1) / v_factor;
		const uint8_t *r0, *r1;

		if (sy1 >= src_height)
			sy1 = src_height - 1;
		r0 = src + (size_t)sy0 * src_width;
		r1 = src + (size_t)sy1 * src_width;
		for (uint32_t x = 0; x < width / 2; x++) {
			uint32_t sx0 = 2 * x / h_factor, sx1 = (2 * x + 1) / h_factor;

			if (sx1 >= src_width)
				sx1 = src_width - 1;
			dst[(size_t)y * dst_stride + x] =
				(uint8_t)((r0[sx0] + r0[sx1] + r1[sx0] + r1[sx1] + 2) / 4);
		}
	}
}

/* libjpeg-turbo 2.1 keeps a header it stopped reading half-way and fails
 * on every later JPEG ("Bogus DQT index"), so a decoder that failed is
 * replaced by a fresh one. */
static int jpeg_error(struct rtc_raw_converter *c, const char *what, struct rtc_error *err)
{
	rtc_error_set(err, RTC_ERROR_NOT_READABLE, "MJPG frame %s: %s", what,
		      tjGetErrorStr2(c->jpeg));
	tjDestroy(c->jpeg);
	c->jpeg = tjInitDecompress();
	return -1;
}

static int from_mjpg(struct rtc_raw_converter *c, const struct rtc_raw_picture *src,
		     struct rtc_video_frame *dst, struct rtc_error *err)
{
	/* Progressive JPEGs are limited in scans (a crafted one can take
	 * minutes); warnings are errors: a truncated frame is dropped, not
	 * shown half grey. */
	const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
	int width, height, subsamp, colorspace;

	if (!src->plane[0] || src->len == 0 || src->len > (size_t)1 << 30)
		return rtc_error_set(err, RTC_ERROR_NOT_READABLE, "MJPG frame is empty or over 1 GiB");
	if (!c->jpeg && !(c->jpeg = tjInitDecompress()))
		return rtc_error_set(err, RTC_ERROR_NOT_READABLE, "no JPEG decoder: %s",
				     tjGetErrorStr2(NULL));
	if (tjDecompressHeader3(c->jpeg, src->plane[0], (unsigned long)src->len, &width,
				&height, &subsamp, &colorspace) < 0)
		return jpeg_error(c, "has no readable header", err);
	if ((uint32_t)width != src->width || (uint32_t)height != src->height)
		return rtc_error_set(err, RTC_ERROR_NOT_READABLE,
				     "MJPG frame is %dx%d, the stream announced %ux%u", width,
				     height, src->width, src->height);
	if (colorspace != TJCS_YCbCr && colorspace != TJCS_GRAY)
		return rtc_error_set(err, RTC_ERROR_NOT_READABLE,
				     "MJPG frame is not YCbCr (colour space %d)", colorspace);
	if (subsamp < 0 || subsamp >= TJ_NUMSAMP)
		return rtc_error_set(err, RTC_ERROR_NOT_READABLE,
				     "MJPG frame has an unusual chroma subsampling");

	bool even = width % 2 == 0 && height % 2 == 0;
	if (even && subsamp == TJSAMP_420) {
		/* The common fast case: libjpeg-turbo writes the frame's planes. */
		int strides[3] = { (int)dst->stride[0], (int)dst->stride[1], (int)dst->stride[2] };
		if (tjDecompressToYUVPlanes(c->jpeg, src->plane[0], (unsigned long)src->len,
					    dst->plane, width, strides, height, flags) < 0)
			return jpeg_error(c, "does not decode", err);
		return 0;
	}

	/* Otherwise each plane at its own size, tightly packed, in scratch
	 * (luma too when an odd column or row must be dropped). */
	bool gray = subsamp == TJSAMP_GRAY;
	uint32_t pw[3], ph[3];
	size_t off[3], total = 0;
	for (int i = 0; i < (gray ? 1 : 3); i++) {
		pw[i] = (uint32_t)tjPlaneWidth(i, width, subsamp);
		ph[i] = (uint32_t)tjPlaneHeight(i, height, subsamp);
		if ((int32_t)pw[i] <= 0 || (int32_t)ph[i] <= 0)
			return jpeg_error(c, "has no plane size", err);
		off[i] = total;
		if (i > 0 || !even)
			total += (size_t)pw[i] * ph[i];
	}
	uint8_t *buf = scratch(c, total ? total : 1);
	if (!buf)
		return rtc_error_set(err, RTC_ERROR_NOT_READABLE, "no memory for an MJPG frame");

	uint8_t *planes[3] = { even ? dst->plane[0] : buf + off[0] };
	int strides[3] = { even ? (int)dst->stride[0] : (int)pw[0] };
	for (int i = 1; i < (gray ? 1 : 3); i++) {
		planes[i] = buf + off[i];
		strides[i] = (int)pw[i];
	}
	if (tjDecompressToYUVPlanes(c->jpeg, src->plane[0], (unsigned long)src->len, planes,
				    width, strides, height, flags) < 0)
		return jpeg_error(c, "does not decode", err);

	if (!even)
		copy_plane(planes[0], pw[0], dst->plane[0], dst->stride[0], dst->width,
			   dst->height);
	for (int i = 1; i < 3; i++) {
		if (gray) {
			for (uint32_t y = 0; y < dst->height / 2; y++)
				memset(dst->plane[i] + (size_t)y * dst->stride[i], 128,
				       dst->width / 2);
			continue;
		}
		/* The MCU size says how many luma pixels one chroma sample covers. */
		chroma_to_420(planes[i], pw[i], ph[i], (uint32_t)tjMCUWidth[subsamp] / 8,
			      (uint32_t)tjMCUHeight[subsamp] / 8, dst->plane[i], dst->stride[i],
			      dst->width, dst->height);
	}
	return 0;
}

static bool planes_given(const struct rtc_raw_picture *src, int count)
{
	for (int i = 0; i < count; i++)
		if (!src->plane[i])
			return false;
	return true;
}

int rtc_raw_convert(struct rtc_raw_converter *c, const struct rtc_raw_picture *src,
		    struct rtc_video_frame *dst, struct rtc_error *err)
{
	uint32_t w = src->width, h = src->height;

	if (dst->width != (w & ~1u) || dst->height != (h & ~1u) || dst->width == 0 ||
	    dst->height == 0)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "a %s picture of %ux%u does not convert to a frame of %ux%u",
				     rtc_raw_format_name(src->format), w, h, dst->width,
				     dst->height);
	switch (src->format) {
	case RTC_RAW_I420:
		if (!planes_given(src, 3) || src->stride[0] < w || src->stride[1] < w / 2 ||
		    src->stride[2] < w / 2)
			return rtc_error_set(err, RTC_ERROR_TYPE, "I420 picture without planes");
		from_i420(src, dst);
		return 0;
	case RTC_RAW_NV12:
		if (!planes_given(src, 2) || src->stride[0] < w || src->stride[1] < (w & ~1u))
			return rtc_error_set(err, RTC_ERROR_TYPE, "NV12 picture without planes");
		from_nv12(src, dst);
		return 0;
	case RTC_RAW_YUY2:
		if (!planes_given(src, 1) || src->stride[0] < 2 * (w & ~1u))
			return rtc_error_set(err, RTC_ERROR_TYPE, "YUY2 picture without a plane");
		from_yuy2(src, dst);
		return 0;
	case RTC_RAW_MJPG:
		return from_mjpg(c, src, dst, err);
	}
	return rtc_error_set(err, RTC_ERROR_TYPE, "unknown raw format %d", (int)src->format);
}
