/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The test pattern (see pattern.h): drawing it and reading its band back.
 */
#include "media/fake/pattern.h"

#include <math.h>
#include <string.h>

#define CELLS (RTC_FAKE_PATTERN_COLUMNS * RTC_FAKE_PATTERN_ROWS)
#define SYNC 0xb2u
#define SYNC_BITS 8

/* At least this far apart must the sync cells' black and white be; a
 * grey or washed-out picture is no band. */
#define MIN_CONTRAST 96

bool rtc_fake_pattern_fits(uint32_t width, uint32_t height)
{
	return width >= 160 && width <= RTC_VIDEO_MAX_DIMENSION &&
	       height <= RTC_VIDEO_MAX_DIMENSION &&
	       (uint64_t)height * RTC_FAKE_PATTERN_COLUMNS >= (uint64_t)width * RTC_FAKE_PATTERN_ROWS;
}

/* Edges of cell i along an axis, in pixels of a frame `width` wide: the
 * same rule for columns and rows, cells being square. */
static uint32_t cell_edge(uint32_t width, uint32_t i)
{
	return (uint32_t)((uint64_t)i * width / RTC_FAKE_PATTERN_COLUMNS);
}

static uint16_t crc16_ccitt(const uint8_t *p, size_t len)
{
	uint16_t crc = 0xffff;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
	}
	return crc;
}

static uint16_t payload_crc(uint32_t counter, uint64_t capture_ns)
{
	uint8_t bytes[12];

	for (int i = 0; i < 4; i++)
		bytes[i] = (uint8_t)(counter >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		bytes[4 + i] = (uint8_t)(capture_ns >> (56 - 8 * i));
	return crc16_ccitt(bytes, sizeof(bytes));
}

/* Writes `count` bits of value, MSB first, at bits[*pos]. */
static void put_bits(bool *bits, unsigned *pos, uint64_t value, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		bits[(*pos)++] = (value >> (count - 1 - i)) & 1;
}

static uint64_t get_bits(const bool *bits, unsigned *pos, unsigned count)
{
	uint64_t value = 0;

	for (unsigned i = 0; i < count; i++)
		value = value << 1 | bits[(*pos)++];
	return value;
}

static void fill(uint8_t *plane, uint32_t stride, uint32_t x0, uint32_t x1, uint32_t y0,
		 uint32_t y1, uint8_t value)
{
	for (uint32_t y = y0; y < y1; y++)
		memset(plane + (size_t)y * stride + x0, value, x1 - x0);
}

static void draw_band(struct rtc_video_frame *f, uint32_t counter, uint64_t capture_ns)
{
	bool bits[CELLS];
	unsigned pos = 0;

	put_bits(bits, &pos, SYNC, SYNC_BITS);
	put_bits(bits, &pos, counter, 32);
	put_bits(bits, &pos, capture_ns, 64);
	put_bits(bits, &pos, payload_crc(counter, capture_ns), 16);

	for (unsigned i = 0; i < CELLS; i++) {
		uint32_t col = i % RTC_FAKE_PATTERN_COLUMNS, row = i / RTC_FAKE_PATTERN_COLUMNS;

		fill(f->plane[0], f->stride[0], cell_edge(f->width, col), cell_edge(f->width, col + 1),
		     cell_edge(f->width, row), cell_edge(f->width, row + 1),
		     bits[i] ? RTC_FAKE_PATTERN_WHITE : RTC_FAKE_PATTERN_BLACK);
	}
}

static void fill_box(struct rtc_video_frame *f, uint32_t x, uint32_t y, uint32_t size,
		     const uint8_t yuv[3])
{
	fill(f->plane[0], f->stride[0], x, x + size, y, y + size, yuv[0]);
	fill(f->plane[1], f->stride[1], x / 2, (x + size) / 2, y / 2, (y + size) / 2, yuv[1]);
	fill(f->plane[2], f->stride[2], x / 2, (x + size) / 2, y / 2, (y + size) / 2, yuv[2]);
}

/* A still background of soft gradients, and two boxes moving across it:
 * one going round, one sliding to and fro. Motion for the encoder to find,
 * cheap enough that a low bitrate leaves room for the band. */
static void draw_motion(struct rtc_video_frame *f, uint64_t motion, uint32_t top)
{
	static const uint8_t yellow[3] = { 210, 16, 146 }, blue[3] = { 41, 240, 110 };
	const uint32_t w = f->width, h = f->height, box = w / 8;
	uint8_t across[RTC_VIDEO_MAX_DIMENSION];

	for (uint32_t x = 0; x < w; x++)
		across[x] = (uint8_t)(60 + x * 100 / w);
	for (uint32_t y = top; y < h; y++) {
		uint8_t *row = f->plane[0] + (size_t)y * f->stride[0];
		const uint8_t down = (uint8_t)((y - top) * 60 / (h - top));

		for (uint32_t x = 0; x < w; x++)
			row[x] = (uint8_t)(across[x] + down);
	}
	/* Chroma rows wholly below the band; the band's are neutral. */
	const uint32_t ctop = (top + 1) / 2;
	uint8_t u_row[RTC_VIDEO_MAX_DIMENSION / 2];
	for (uint32_t x = 0; x < w / 2; x++)
		u_row[x] = (uint8_t)(100 + x * 56 / (w / 2));
	for (uint32_t y = 0; y < h / 2; y++) {
		uint8_t *u = f->plane[1] + (size_t)y * f->stride[1];
		uint8_t *v = f->plane[2] + (size_t)y * f->stride[2];

		if (y < ctop) {
			memset(u, 128, w / 2);
			memset(v, 128, w / 2);
			continue;
		}
		memcpy(u, u_row, w / 2);
		memset(v, (int)(100 + (y - ctop) * 56 / (h / 2 - ctop)), w / 2);
	}
	if (h - top < box)
		return;
	const double turn = 2 * M_PI * (double)(motion % 240) / 240;
	fill_box(f, (uint32_t)((w - box) / 2 * (1 + cos(turn))),
		 top + (uint32_t)((h - top - box) / 2 * (1 + sin(turn))), box, yellow);
	const uint32_t span = 2 * (w - box), along = (uint32_t)(motion * 4 % span);
	fill_box(f, along < w - box ? along : span - along, h - box, box, blue);
}

void rtc_fake_pattern_draw(struct rtc_video_frame *frame, uint64_t motion, uint32_t counter,
			   uint64_t capture_ns)
{
	uint32_t top = cell_edge(frame->width, RTC_FAKE_PATTERN_ROWS);

	draw_motion(frame, motion, top);
	draw_band(frame, counter, capture_ns);
	frame->capture_ns = capture_ns;
}

/* Mean luma of the middle half of a cell, edges (blurred or ringing after
 * coding) left out. */
static uint32_t cell_mean(const struct rtc_video_frame *f, unsigned i)
{
	uint32_t col = i % RTC_FAKE_PATTERN_COLUMNS, row = i / RTC_FAKE_PATTERN_COLUMNS;
	uint32_t x0 = cell_edge(f->width, col), x1 = cell_edge(f->width, col + 1);
	uint32_t y0 = cell_edge(f->width, row), y1 = cell_edge(f->width, row + 1);
	uint32_t mx = (x1 - x0) / 4, my = (y1 - y0) / 4;
	uint64_t sum = 0, n = 0;

	for (uint32_t y = y0 + my; y < y1 - my; y++)
		for (uint32_t x = x0 + mx; x < x1 - mx; x++, n++)
			sum += f->plane[0][(size_t)y * f->stride[0] + x];
	return n ? (uint32_t)(sum / n) : 0;
}

bool rtc_fake_pattern_read(const struct rtc_video_frame *frame, uint32_t *counter,
			   uint64_t *capture_ns)
{
	uint32_t mean[CELLS], black = 0, white = 0;
	unsigned ones = 0, zeros = 0;
	bool bits[CELLS];

	/* Cells of two pixels still have a middle; the band must be there. */
	if (frame->width < 2 * RTC_FAKE_PATTERN_COLUMNS ||
	    cell_edge(frame->width, RTC_FAKE_PATTERN_ROWS) > frame->height)
		return false;
	for (unsigned i = 0; i < CELLS; i++)
		mean[i] = cell_mean(frame, i);

	/* Black and white as this frame has them (a codec shifts levels). */
	for (unsigned i = 0; i < SYNC_BITS; i++) {
		if ((SYNC >> (SYNC_BITS - 1 - i)) & 1) {
			white += mean[i];
			ones++;
		} else {
			black += mean[i];
			zeros++;
		}
	}
	black /= zeros;
	white /= ones;
	if (white < black + MIN_CONTRAST)
		return false;

	/* A cell must lie in the outer quarters of the black-white range. */
	const uint32_t quarter = (white - black) / 4;
	for (unsigned i = 0; i < CELLS; i++) {
		if (mean[i] <= black + quarter)
			bits[i] = false;
		else if (mean[i] >= white - quarter)
			bits[i] = true;
		else
			return false;
	}

	unsigned pos = 0;
	if (get_bits(bits, &pos, SYNC_BITS) != SYNC)
		return false;
	uint32_t c = (uint32_t)get_bits(bits, &pos, 32);
	uint64_t t = get_bits(bits, &pos, 64);
	if (get_bits(bits, &pos, 16) != payload_crc(c, t))
		return false;
	*counter = c;
	*capture_ns = t;
	return true;
}
