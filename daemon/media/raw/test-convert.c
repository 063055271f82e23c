/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Camera formats to I420: tiny hand-made pictures whose I420 result is
 * written out literally, real JPEGs made with libjpeg-turbo's compressor
 * from a known pattern (4:2:0, 4:2:2 as webcams send, 4:4:4, grey, without
 * Huffman tables as MJPEG streams send), and JPEGs that must be refused.
 */
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "check.h"
#include "media/raw/convert.h"

#define CANARY 0xA5

/* A frame whose rows are `pad` bytes longer than its width, padding filled
 * with CANARY, so a conversion that ignores strides shows. */
struct padded {
	struct rtc_video_frame f;
	uint8_t *buf;
	size_t size;
};

static void padded_init(struct padded *p, uint32_t w, uint32_t h, uint32_t pad)
{
	size_t y = (size_t)(w + pad) * h, c = (size_t)(w / 2 + pad) * (h / 2);

	p->size = y + 2 * c;
	p->buf = malloc(p->size);
	memset(p->buf, CANARY, p->size);
	p->f = (struct rtc_video_frame){
		.width = w, .height = h,
		.plane = { p->buf, p->buf + y, p->buf + y + c },
		.stride = { w + pad, w / 2 + pad, w / 2 + pad },
	};
}

static bool padding_intact(const struct padded *p)
{
	for (int i = 0; i < 3; i++) {
		uint32_t w = i ? p->f.width / 2 : p->f.width, h = i ? p->f.height / 2 : p->f.height;

		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = w; x < p->f.stride[i]; x++)
				if (p->f.plane[i][(size_t)y * p->f.stride[i] + x] != CANARY)
					return false;
	}
	return true;
}

static bool plane_is(const struct rtc_video_frame *f, int i, const uint8_t *want)
{
	uint32_t w = i ? f->width / 2 : f->width, h = i ? f->height / 2 : f->height;

	for (uint32_t y = 0; y < h; y++)
		if (memcmp(f->plane[i] + (size_t)y * f->stride[i], want + (size_t)y * w, w) != 0)
			return false;
	return true;
}

static void test_i420_honours_strides(void)
{
	/* 4x2, source rows 6 bytes apart (Y) and 3 apart (U, V). */
	static const uint8_t y[] = { 1, 2, 3, 4, 99, 99, 5, 6, 7, 8, 99, 99 };
	static const uint8_t u[] = { 10, 11, 99 }, v[] = { 20, 21, 99 };
	struct rtc_raw_picture pic = {
		.format = RTC_RAW_I420, .width = 4, .height = 2,
		.plane = { y, u, v }, .stride = { 6, 3, 3 },
	};
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_error err = { 0 };
	struct padded p;

	padded_init(&p, 4, 2, 5);
	CHECK(rtc_raw_convert(c, &pic, &p.f, &err) == 0);
	CHECK(plane_is(&p.f, 0, (const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8 }));
	CHECK(plane_is(&p.f, 1, (const uint8_t[]){ 10, 11 }));
	CHECK(plane_is(&p.f, 2, (const uint8_t[]){ 20, 21 }));
	CHECK(padding_intact(&p));
	free(p.buf);
	rtc_raw_converter_free(c);
}

static void test_nv12(void)
{
	static const uint8_t y[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t uv[] = { 10, 20, 30, 40, 0, 0 };
	struct rtc_raw_picture pic = {
		.format = RTC_RAW_NV12, .width = 4, .height = 2,
		.plane = { y, uv }, .stride = { 4, 6 },
	};
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_video_frame *f = rtc_video_frame_new(4, 2);
	struct rtc_error err = { 0 };

	CHECK(rtc_raw_convert(c, &pic, f, &err) == 0);
	CHECK(plane_is(f, 0, y));
	CHECK(plane_is(f, 1, (const uint8_t[]){ 10, 30 }));
	CHECK(plane_is(f, 2, (const uint8_t[]){ 20, 40 }));
	rtc_video_frame_free(f);
	rtc_raw_converter_free(c);
}

static void test_yuy2_averages_chroma_of_two_rows(void)
{
	/* Y0 U Y1 V; rows 10 bytes apart. */
	static const uint8_t yuy2[] = {
		16, 100, 17, 200, 18, 110, 19, 210, 0, 0,
		20, 102, 21, 203, 22, 111, 23, 212, 0, 0,
	};
	struct rtc_raw_picture pic = {
		.format = RTC_RAW_YUY2, .width = 4, .height = 2,
		.plane = { yuy2 }, .stride = { 10 },
	};
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_error err = { 0 };
	struct padded p;

	padded_init(&p, 4, 2, 3);
	CHECK(rtc_raw_convert(c, &pic, &p.f, &err) == 0);
	CHECK(plane_is(&p.f, 0, (const uint8_t[]){ 16, 17, 18, 19, 20, 21, 22, 23 }));
	CHECK(plane_is(&p.f, 1, (const uint8_t[]){ 101, 111 }));   /* (100+102+1)/2, (110+111+1)/2 */
	CHECK(plane_is(&p.f, 2, (const uint8_t[]){ 202, 211 }));   /* (200+203+1)/2, (210+212+1)/2 */
	CHECK(padding_intact(&p));
	free(p.buf);
	rtc_raw_converter_free(c);
}

static void test_odd_sizes_drop_the_last_column_and_row(void)
{
	/* 5x3 I420 (chroma 3x2) into a 4x2 frame. */
	static const uint8_t y[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	static const uint8_t u[] = { 30, 31, 32, 33, 34, 35 }, v[] = { 40, 41, 42, 43, 44, 45 };
	struct rtc_raw_picture pic = {
		.format = RTC_RAW_I420, .width = 5, .height = 3,
		.plane = { y, u, v }, .stride = { 5, 3, 3 },
	};
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_video_frame *f = rtc_video_frame_new(4, 2), *wrong = rtc_video_frame_new(6, 4);
	struct rtc_error err = { 0 };

	CHECK(rtc_raw_convert(c, &pic, f, &err) == 0);
	CHECK(plane_is(f, 0, (const uint8_t[]){ 1, 2, 3, 4, 6, 7, 8, 9 }));
	CHECK(plane_is(f, 1, (const uint8_t[]){ 30, 31 }));
	CHECK(plane_is(f, 2, (const uint8_t[]){ 40, 41 }));
	CHECK(rtc_raw_convert(c, &pic, wrong, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	rtc_video_frame_free(f);
	rtc_video_frame_free(wrong);
	rtc_raw_converter_free(c);
}

static void test_refuses_bad_pictures(void)
{
	static const uint8_t y[16];
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_video_frame *f = rtc_video_frame_new(4, 4);
	struct rtc_error err = { 0 };
	struct rtc_raw_picture narrow = {
		.format = RTC_RAW_YUY2, .width = 4, .height = 4, .plane = { y }, .stride = { 4 },
	};
	struct rtc_raw_picture no_planes = { .format = RTC_RAW_I420, .width = 4, .height = 4 };
	struct rtc_raw_picture empty_jpeg = { .format = RTC_RAW_MJPG, .width = 4, .height = 4 };

	CHECK(rtc_raw_convert(c, &narrow, f, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK(rtc_raw_convert(c, &no_planes, f, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK(rtc_raw_convert(c, &empty_jpeg, f, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	CHECK_STREQ(rtc_raw_format_name(RTC_RAW_MJPG), "MJPG");
	CHECK_STREQ(rtc_raw_format_name(RTC_RAW_YUY2), "YUY2");
	rtc_video_frame_free(f);
	rtc_raw_converter_free(c);
}

/* ---- MJPG ---------------------------------------------------------------- */

/* The known pattern, smooth so that JPEG at high quality keeps it within a
 * few levels: luma and the 4:2:0 chroma sample at (x, y). */
static uint8_t pattern_y(uint32_t x, uint32_t y) { return (uint8_t)(30 + 2 * x + y); }
static uint8_t pattern_u(uint32_t x, uint32_t y) { return (uint8_t)(80 + x + (y & 1)); }
static uint8_t pattern_v(uint32_t x, uint32_t y) { return (uint8_t)(170 - 2 * y); }

/* A JPEG of the pattern at w x h, with the chroma planes at the JPEG's own
 * subsampling holding the 4:2:0 values their pixels cover. */
static uint8_t *make_jpeg(uint32_t w, uint32_t h, int subsamp, int flags, size_t *len)
{
	tjhandle tj = tjInitCompress();
	uint8_t *planes[3] = { NULL };
	int strides[3];
	unsigned char *jpeg = NULL;
	unsigned long size = 0;

	for (int i = 0; i < 3; i++) {
		uint32_t pw = (uint32_t)tjPlaneWidth(i, (int)w, subsamp);
		uint32_t ph = (uint32_t)tjPlaneHeight(i, (int)h, subsamp);
		uint32_t hf = (uint32_t)tjMCUWidth[subsamp] / 8, vf = (uint32_t)tjMCUHeight[subsamp] / 8;

		if (i > 0 && subsamp == TJSAMP_GRAY)
			break;
		strides[i] = (int)pw;
		planes[i] = malloc((size_t)pw * ph);
		for (uint32_t y = 0; y < ph; y++)
			for (uint32_t x = 0; x < pw; x++) {
				/* The 4:2:0 sample this one's top-left pixel falls in. */
				uint32_t cx = x * hf / 2, cy = y * vf / 2;

				planes[i][(size_t)y * pw + x] = i == 0 ? pattern_y(x, y) :
					i == 1 ? pattern_u(cx, cy) : pattern_v(cx, cy);
			}
	}
	if (tjCompressFromYUVPlanes(tj, (const unsigned char **)planes, (int)w, strides, (int)h,
				    subsamp, &jpeg, &size, 95, flags) < 0) {
		printf("# tjCompressFromYUVPlanes: %s\n", tjGetErrorStr2(tj));
		size = 0;
	}
	for (int i = 0; i < 3; i++)
		free(planes[i]);
	tjDestroy(tj);
	*len = size;
	return jpeg;
}

static struct rtc_raw_picture mjpg(const uint8_t *jpeg, size_t len, uint32_t w, uint32_t h)
{
	return (struct rtc_raw_picture){
		.format = RTC_RAW_MJPG, .width = w, .height = h, .plane = { jpeg }, .len = len,
	};
}

/* Largest difference from the pattern over the frame's planes. */
static int pattern_error(const struct rtc_video_frame *f, bool gray)
{
	int worst = 0;

	for (int i = 0; i < 3; i++) {
		uint32_t w = i ? f->width / 2 : f->width, h = i ? f->height / 2 : f->height;

		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++) {
				int want = i == 0 ? pattern_y(x, y) : gray ? 128 :
					i == 1 ? pattern_u(x, y) : pattern_v(x, y);
				int d = abs(f->plane[i][(size_t)y * f->stride[i] + x] - want);

				if (d > worst)
					worst = d;
			}
	}
	return worst;
}

static void check_jpeg_decodes(uint32_t w, uint32_t h, int subsamp, int flags)
{
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_error err = { 0 };
	struct padded p;
	size_t len;
	uint8_t *jpeg = make_jpeg(w, h, subsamp, flags, &len);
	struct rtc_raw_picture pic = mjpg(jpeg, len, w, h);

	padded_init(&p, w & ~1u, h & ~1u, 7);
	CHECK(jpeg && len > 0);
	CHECK(rtc_raw_convert(c, &pic, &p.f, &err) == 0);
	int worst = pattern_error(&p.f, subsamp == TJSAMP_GRAY);
	printf("# %ux%u subsampling %d flags %d: %zu bytes, largest error %d\n", w, h, subsamp,
	       flags, len, worst);
	CHECK(worst <= 3);
	CHECK(padding_intact(&p));
	tjFree(jpeg);
	free(p.buf);
	rtc_raw_converter_free(c);
}

static void test_mjpg_subsamplings(void)
{
	check_jpeg_decodes(64, 48, TJSAMP_420, 0);
	check_jpeg_decodes(64, 48, TJSAMP_422, 0);
	check_jpeg_decodes(64, 48, TJSAMP_444, 0);
	check_jpeg_decodes(64, 48, TJSAMP_440, 0);
	check_jpeg_decodes(64, 48, TJSAMP_411, 0);
	check_jpeg_decodes(64, 48, TJSAMP_GRAY, 0);
	check_jpeg_decodes(64, 48, TJSAMP_420, TJFLAG_PROGRESSIVE);
	/* Sizes that are no multiple of the MCU, and odd ones. */
	check_jpeg_decodes(38, 22, TJSAMP_420, 0);
	check_jpeg_decodes(38, 22, TJSAMP_422, 0);
	check_jpeg_decodes(37, 23, TJSAMP_420, 0);
	check_jpeg_decodes(37, 23, TJSAMP_422, 0);
}

/* MJPEG streams (AVI1) leave the Huffman tables out and mean the standard
 * ones, which is what libjpeg-turbo's compressor writes: without its DHT
 * segments the JPEG must decode to the same frame. */
static size_t strip_dht(uint8_t *jpeg, size_t len)
{
	size_t i = 2, out = 2;

	while (i + 4 <= len && jpeg[i] == 0xff && jpeg[i + 1] != 0xda) {
		size_t seg = 2 + ((size_t)jpeg[i + 2] << 8 | jpeg[i + 3]);

		if (jpeg[i + 1] != 0xc4) {
			memmove(jpeg + out, jpeg + i, seg);
			out += seg;
		}
		i += seg;
	}
	memmove(jpeg + out, jpeg + i, len - i);
	return out + len - i;
}

static void test_mjpg_without_huffman_tables(void)
{
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_video_frame *with = rtc_video_frame_new(64, 48);
	struct rtc_video_frame *without = rtc_video_frame_new(64, 48);
	struct rtc_error err = { 0 };
	size_t len, stripped;
	uint8_t *jpeg = make_jpeg(64, 48, TJSAMP_422, 0, &len);
	struct rtc_raw_picture pic = mjpg(jpeg, len, 64, 48);

	CHECK(rtc_raw_convert(c, &pic, with, &err) == 0);
	stripped = strip_dht(jpeg, len);
	printf("# %zu bytes, %zu without DHT\n", len, stripped);
	CHECK(stripped < len);
	pic.len = stripped;
	CHECK(rtc_raw_convert(c, &pic, without, &err) == 0);
	CHECK(memcmp(with->plane[0], without->plane[0], rtc_video_frame_size(64, 48)) == 0);
	tjFree(jpeg);
	rtc_video_frame_free(with);
	rtc_video_frame_free(without);
	rtc_raw_converter_free(c);
}

static void test_mjpg_of_another_size_is_refused(void)
{
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_video_frame *f = rtc_video_frame_new(64, 48);
	struct rtc_error err = { 0 };
	size_t len;
	uint8_t *jpeg = make_jpeg(32, 24, TJSAMP_420, 0, &len);
	struct rtc_raw_picture pic = mjpg(jpeg, len, 64, 48);

	CHECK(rtc_raw_convert(c, &pic, f, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	CHECK(strstr(err.message, "32x24") != NULL);
	tjFree(jpeg);
	rtc_video_frame_free(f);
	rtc_raw_converter_free(c);
}

static void test_mjpg_not_ycbcr_is_refused(void)
{
	tjhandle tj = tjInitCompress();
	uint8_t cmyk[16 * 16 * 4];
	unsigned char *jpeg = NULL;
	unsigned long len = 0;
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_video_frame *f = rtc_video_frame_new(16, 16);
	struct rtc_error err = { 0 };

	memset(cmyk, 0x40, sizeof(cmyk));
	CHECK(tjCompress2(tj, cmyk, 16, 0, 16, TJPF_CMYK, &jpeg, &len, TJSAMP_420, 90, 0) == 0);
	struct rtc_raw_picture pic = mjpg(jpeg, len, 16, 16);
	CHECK(rtc_raw_convert(c, &pic, f, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	tjFree(jpeg);
	tjDestroy(tj);
	rtc_video_frame_free(f);
	rtc_raw_converter_free(c);
}

static void test_truncated_mjpg_is_refused(void)
{
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_video_frame *f = rtc_video_frame_new(64, 48);
	struct rtc_error err = { 0 };
	size_t len;
	uint8_t *jpeg = make_jpeg(64, 48, TJSAMP_422, 0, &len);

	for (size_t cut = 0; cut < len; cut += cut < 16 || cut + 16 > len ? 1 : 7) {
		/* An exact-size copy: ASan sees a read past the end. */
		uint8_t *part = malloc(cut ? cut : 1);
		memcpy(part, jpeg, cut);
		struct rtc_raw_picture pic = mjpg(part, cut, 64, 48);
		err = (struct rtc_error){ 0 };
		int r = rtc_raw_convert(c, &pic, f, &err);
		if (r != -1 || err.kind != RTC_ERROR_NOT_READABLE)
			printf("# cut at %zu of %zu: %d %s\n", cut, len, r, err.message);
		CHECK(r == -1 && err.kind == RTC_ERROR_NOT_READABLE);
		free(part);
	}
	/* The converter still works after all those errors (libjpeg-turbo's
	 * decoder does not, after a header cut inside a marker). */
	struct rtc_raw_picture whole = mjpg(jpeg, len, 64, 48);
	CHECK(rtc_raw_convert(c, &whole, f, &err) == 0);
	CHECK(pattern_error(f, false) <= 3);
	tjFree(jpeg);
	rtc_video_frame_free(f);
	rtc_raw_converter_free(c);
}

static void test_corrupt_mjpg_does_no_harm(void)
{
	struct rtc_raw_converter *c = rtc_raw_converter_new();
	struct rtc_video_frame *f = rtc_video_frame_new(64, 48);
	struct rtc_error err = { 0 };
	size_t len;
	uint8_t *jpeg = make_jpeg(64, 48, TJSAMP_420, 0, &len);
	uint8_t *bad = malloc(len);
	unsigned refused = 0, tried = 0;

	/* Every byte changed in turn: decoded or refused with a reason,
	 * never a crash or a read outside the buffer. */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, jpeg, len);
		bad[i] ^= 0x5a;
		struct rtc_raw_picture pic = mjpg(bad, len, 64, 48);
		err = (struct rtc_error){ 0 };
		if (rtc_raw_convert(c, &pic, f, &err) < 0) {
			CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
			CHECK(err.message[0] != '\0');
			refused++;
		}
		tried++;
	}
	printf("# %u of %u one-byte corruptions refused\n", refused, tried);
	CHECK(refused > 0);
	struct rtc_raw_picture whole = mjpg(jpeg, len, 64, 48);
	CHECK(rtc_raw_convert(c, &whole, f, &err) == 0);
	CHECK(pattern_error(f, false) <= 3);

	/* Not a JPEG at all. */
	memset(bad, 0xff, len);
	struct rtc_raw_picture junk = mjpg(bad, len, 64, 48);
	CHECK(rtc_raw_convert(c, &junk, f, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	memset(bad, 0, len);
	CHECK(rtc_raw_convert(c, &junk, f, &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	free(bad);
	tjFree(jpeg);
	rtc_video_frame_free(f);
	rtc_raw_converter_free(c);
}

int main(void)
{
	RUN(test_i420_honours_strides);
	RUN(test_nv12);
	RUN(test_yuy2_averages_chroma_of_two_rows);
	RUN(test_odd_sizes_drop_the_last_column_and_row);
	RUN(test_refuses_bad_pictures);
	RUN(test_mjpg_subsamplings);
	RUN(test_mjpg_without_huffman_tables);
	RUN(test_mjpg_of_another_size_is_refused);
	RUN(test_mjpg_not_ycbcr_is_refused);
	RUN(test_truncated_mjpg_is_refused);
	RUN(test_corrupt_mjpg_does_no_harm);
	return rtc_test_done();
}
