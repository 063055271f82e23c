/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Locating a picture in a PipeWire buffer, with every length checked in
 * 64-bit arithmetic before a plane pointer is formed.
 */
#include "media/pipewire/capture-buffer.h"

#include <string.h>

/* The bytes a block really holds: its chunk clipped to the mapping. */
static int block_bytes(const struct rtc_pw_block *b, const uint8_t **start, uint64_t *len)
{
	if (!b->data || b->offset > b->maxsize)
		return -1;
	uint64_t size = b->size;
	if (size > (uint64_t)b->maxsize - b->offset)
		return -1;
	*start = b->data + b->offset;
	*len = size;
	return 0;
}

/* A plane of `rows` rows of at least `row_bytes`, stride from the block or
 * tight; its stride returned, -1 when it does not fit. */
static int64_t plane_fits(int32_t stride, uint64_t row_bytes, uint64_t rows, uint64_t len)
{
	uint64_t s = stride > 0 ? (uint64_t)stride : row_bytes;

	if (stride < 0 || s < row_bytes || s > UINT32_MAX)
		return -1;
	if (rows && s * (rows - 1) + row_bytes > len)
		return -1;
	return (int64_t)s;
}

int rtc_pw_picture_locate(enum rtc_raw_format format, uint32_t width, uint32_t height,
			  const struct rtc_pw_block *blocks, unsigned n,
			  struct rtc_raw_picture *pic)
{
	const uint8_t *p[3];
	uint64_t len[3];
	uint64_t w = width, h = height, cw = (w + 1) / 2, ch = (h + 1) / 2;
	int64_t s0, s1, s2;

	if (!width || !height || n == 0 || n > 3)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (block_bytes(&blocks[i], &p[i], &len[i]) < 0)
			return -1;
	memset(pic, 0, sizeof(*pic));
	pic->format = format;
	pic->width = width;
	pic->height = height;

	switch (format) {
	case RTC_RAW_MJPG:
		if (n != 1 || len[0] == 0)
			return -1;
		pic->plane[0] = p[0];
		pic->len = len[0];
		return 0;
	case RTC_RAW_YUY2:
		if (n != 1 || (s0 = plane_fits(blocks[0].stride, 2 * cw * 2, h, len[0])) < 0)
			return -1;
		pic->plane[0] = p[0];
		pic->stride[0] = (uint32_t)s0;
		return 0;
	case RTC_RAW_NV12:
		if (n == 1) {
			/* Y rows, then the UV rows at the same stride. */
			if ((s0 = plane_fits(blocks[0].stride, w, h, len[0])) < 0)
				return -1;
			uint64_t y_bytes = (uint64_t)s0 * h;
			if (y_bytes > len[0] || plane_fits((int32_t)s0, 2 * cw, ch, len[0] - y_bytes) < 0)
				return -1;
			pic->plane[0] = p[0];
			pic->plane[1] = p[0] + y_bytes;
			pic->stride[0] = pic->stride[1] = (uint32_t)s0;
			return 0;
		}
		if (n != 2 || (s0 = plane_fits(blocks[0].stride, w, h, len[0])) < 0 ||
		    (s1 = plane_fits(blocks[1].stride, 2 * cw, ch, len[1])) < 0)
			return -1;
		pic->plane[0] = p[0];
		pic->plane[1] = p[1];
		pic->stride[0] = (uint32_t)s0;
		pic->stride[1] = (uint32_t)s1;
		return 0;
	case RTC_RAW_I420:
		if (n == 1) {
			/* Y, U, V one after another; chroma strides half the luma's. */
			if ((s0 = plane_fits(blocks[0].stride, w, h, len[0])) < 0)
				return -1;
			uint64_t cs = ((uint64_t)s0 + 1) / 2;
			uint64_t y_bytes = (uint64_t)s0 * h, c_bytes = cs * ch;
			if (y_bytes + 2 * c_bytes > len[0] || cs < cw)
				return -1;
			pic->plane[0] = p[0];
			pic->plane[1] = p[0] + y_bytes;
			pic->plane[2] = p[0] + y_bytes + c_bytes;
			pic->stride[0] = (uint32_t)s0;
			pic->stride[1] = pic->stride[2] = (uint32_t)cs;
			return 0;
		}
		if (n != 3 || (s0 = plane_fits(blocks[0].stride, w, h, len[0])) < 0 ||
		    (s1 = plane_fits(blocks[1].stride, cw, ch, len[1])) < 0 ||
		    (s2 = plane_fits(blocks[2].stride, cw, ch, len[2])) < 0)
			return -1;
		for (int i = 0; i < 3; i++)
			pic->plane[i] = p[i];
		pic->stride[0] = (uint32_t)s0;
		pic->stride[1] = (uint32_t)s1;
		pic->stride[2] = (uint32_t)s2;
		return 0;
	}
	return -1;
}
