/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A camera node is another process: the chunk offsets, sizes and strides
 * of its buffers are untrusted. Whatever they say, a located picture lies
 * inside the mapped blocks; every byte of every plane is read here, so
 * ASan reports any plane that reaches past them.
 * Input: format, width, height, block count, then per block offset, size,
 * stride (4 bytes each) and its length (2 bytes); the rest is the bytes of
 * the blocks, in turn.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/pipewire/capture-buffer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t take(const uint8_t **p, size_t *left, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		v = v << 8 | (*left ? **p : 0);
		if (*left) {
			(*p)++;
			(*left)--;
		}
	}
	return v;
}

static volatile uint8_t sink;

static void read_plane(const uint8_t *p, uint32_t stride, uint64_t row_bytes, uint32_t rows)
{
	for (uint32_t y = 0; y < rows; y++)
		for (uint64_t x = 0; x < row_bytes; x++)
			sink ^= p[(size_t)y * stride + x];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size;
	enum rtc_raw_format format = (enum rtc_raw_format)(take(&p, &left, 1) % 4);
	uint32_t w = take(&p, &left, 1) + 1, h = take(&p, &left, 1) + 1;
	unsigned n = take(&p, &left, 1) % 4;
	struct rtc_pw_block blocks[3] = { 0 };
	uint8_t *mem[3] = { 0 };

	for (unsigned i = 0; i < n; i++) {
		blocks[i].offset = take(&p, &left, 4);
		blocks[i].size = take(&p, &left, 4);
		blocks[i].stride = (int32_t)take(&p, &left, 4);
		uint32_t len = take(&p, &left, 2);
		if (len > left)
			len = (uint32_t)left;
		/* Each block exactly as big as its mapping. */
		mem[i] = malloc(len ? len : 1);
		if (!mem[i])
			abort();
		memcpy(mem[i], p, len);
		p += len;
		left -= len;
		blocks[i].data = mem[i];
		blocks[i].maxsize = len;
	}
	struct rtc_raw_picture pic;
	if (rtc_pw_picture_locate(format, w, h, blocks, n, &pic) == 0) {
		uint64_t cw = (w + 1) / 2, ch = (h + 1) / 2;
		switch (format) {
		case RTC_RAW_MJPG:
			read_plane(pic.plane[0], 0, pic.len, 1);
			break;
		case RTC_RAW_YUY2:
			read_plane(pic.plane[0], pic.stride[0], 4 * cw, h);
			break;
		case RTC_RAW_NV12:
			read_plane(pic.plane[0], pic.stride[0], w, h);
			read_plane(pic.plane[1], pic.stride[1], 2 * cw, (uint32_t)ch);
			break;
		case RTC_RAW_I420:
			read_plane(pic.plane[0], pic.stride[0], w, h);
			read_plane(pic.plane[1], pic.stride[1], cw, (uint32_t)ch);
			read_plane(pic.plane[2], pic.stride[2], cw, (uint32_t)ch);
			break;
		}
	}
	for (unsigned i = 0; i < n; i++)
		free(mem[i]);
	return 0;
}
