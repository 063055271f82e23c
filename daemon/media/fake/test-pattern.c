/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The test pattern's band: read back exactly from raw frames of any size,
 * still read after the frame is degraded the way coding and scaling do
 * (noise, coarse quantisation, halving and doubling, blur), and refused —
 * not misread — when a bit is flipped or the picture is something else.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/fake/pattern.h"
#include "media/raw/convert.h"

static uint32_t lcg_state = 1;

static uint32_t lcg(void)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return lcg_state >> 8;
}

static struct rtc_video_frame *drawn(uint32_t w, uint32_t h, uint64_t motion, uint32_t counter,
				     uint64_t ns)
{
	struct rtc_video_frame *f = rtc_video_frame_new(w, h);

	rtc_fake_pattern_draw(f, motion, counter, ns);
	return f;
}

static bool reads_as(const struct rtc_video_frame *f, uint32_t counter, uint64_t ns)
{
	uint32_t c = ~counter;
	uint64_t t = ~ns;

	return rtc_fake_pattern_read(f, &c, &t) && c == counter && t == ns;
}

static void test_reads_back_exactly(void)
{
	static const uint32_t sizes[][2] = {
		{ 640, 480 }, { 320, 240 }, { 1280, 720 }, { 1920, 1080 }, { 160, 120 }, { 160, 48 },
		{ 642, 482 }, { 4096, 2160 },
	};
	static const struct { uint32_t counter; uint64_t ns; } values[] = {
		{ 0, 0 }, { 1, 1 }, { 0xffffffffu, UINT64_MAX }, { 1800, 123456789012345ull },
		{ 0x80000001u, 0x8000000000000001ull },
	};

	CHECK(rtc_fake_pattern_fits(640, 480));
	CHECK(rtc_fake_pattern_fits(160, 48));
	CHECK(!rtc_fake_pattern_fits(160, 46));
	CHECK(!rtc_fake_pattern_fits(158, 480));
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			struct rtc_video_frame *f = drawn(sizes[s][0], sizes[s][1], v, values[v].counter,
							  values[v].ns);

			CHECK(reads_as(f, values[v].counter, values[v].ns));
			CHECK(f->capture_ns == values[v].ns);
			rtc_video_frame_free(f);
		}
}

static void test_cells_are_macroblock_aligned_at_common_widths(void)
{
	/* 640 wide: 32-pixel cells, black or white over whole 16x16 blocks. */
	struct rtc_video_frame *f = drawn(640, 480, 0, 0x5a5a5a5a, 0x0123456789abcdefull);

	for (uint32_t by = 0; by < 6 * 32; by += 16)
		for (uint32_t bx = 0; bx < 640; bx += 16) {
			uint8_t first = f->plane[0][(size_t)by * 640 + bx];
			bool flat = first == RTC_FAKE_PATTERN_BLACK || first == RTC_FAKE_PATTERN_WHITE;

			for (uint32_t y = by; y < by + 16; y++)
				for (uint32_t x = bx; x < bx + 16; x++)
					flat = flat && f->plane[0][(size_t)y * 640 + x] == first;
			CHECK(flat);
		}
	rtc_video_frame_free(f);
}

static void test_pattern_moves(void)
{
	struct rtc_video_frame *a = drawn(640, 480, 10, 7, 1000), *b = drawn(640, 480, 11, 7, 1000);
	size_t below = (size_t)640 * 6 * 32;

	/* Same band, different picture below it. */
	CHECK(memcmp(a->plane[0], b->plane[0], below) == 0);
	CHECK(memcmp(a->plane[0] + below, b->plane[0] + below, (size_t)640 * 480 - below) != 0);
	CHECK(memcmp(a->plane[1], b->plane[1], (size_t)320 * 240) != 0);
	rtc_video_frame_free(a);
	rtc_video_frame_free(b);
}

/* ---- degraded frames -------------------------------------------------- */

static void add_noise(struct rtc_video_frame *f, int amount)
{
	for (size_t i = 0; i < (size_t)f->width * f->height; i++) {
		int v = f->plane[0][i] + (int)(lcg() % (2 * amount + 1)) - amount;

		f->plane[0][i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

static void quantize(struct rtc_video_frame *f, unsigned levels)
{
	unsigned step = 256 / levels;

	for (size_t i = 0; i < (size_t)f->width * f->height; i++)
		f->plane[0][i] = (uint8_t)(f->plane[0][i] / step * step + step / 2);
}

/* A box blur of the given radius, twice (close to a Gaussian). */
static void blur(struct rtc_video_frame *f, int radius)
{
	int w = (int)f->width, h = (int)f->height;
	uint8_t *tmp = malloc((size_t)w * h);

	for (int pass = 0; pass < 2; pass++) {
		memcpy(tmp, f->plane[0], (size_t)w * h);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int sum = 0, n = 0;

				for (int dy = -radius; dy <= radius; dy++)
					for (int dx = -radius; dx <= radius; dx++) {
						int sx = x + dx, sy = y + dy;

						if (sx >= 0 && sx < w && sy >= 0 && sy < h) {
							sum += tmp[sy * w + sx];
							n++;
						}
					}
				f->plane[0][y * w + x] = (uint8_t)(sum / n);
			}
	}
	free(tmp);
}

static struct rtc_video_frame *scaled(const struct rtc_video_frame *f, uint32_t w, uint32_t h)
{
	struct rtc_video_frame *out = rtc_video_frame_new(w, h);

	rtc_raw_scale(f, out);
	return out;
}

static void test_survives_degradation(void)
{
	const uint32_t counter = 0x12345678;
	const uint64_t ns = 987654321012345678ull;
	struct rtc_video_frame *f;

	f = drawn(640, 480, 3, counter, ns);
	add_noise(f, 24);
	CHECK(reads_as(f, counter, ns));
	rtc_video_frame_free(f);

	f = drawn(640, 480, 3, counter, ns);
	quantize(f, 16);
	CHECK(reads_as(f, counter, ns));
	rtc_video_frame_free(f);

	f = drawn(640, 480, 3, counter, ns);
	blur(f, 3);
	CHECK(reads_as(f, counter, ns));
	rtc_video_frame_free(f);

	/* Halved, read at half size, and doubled back. */
	f = drawn(640, 480, 3, counter, ns);
	struct rtc_video_frame *half = scaled(f, 320, 240), *back = scaled(half, 640, 480);
	CHECK(reads_as(half, counter, ns));
	CHECK(reads_as(back, counter, ns));
	rtc_video_frame_free(back);

	/* All of it at once, the way a real path stacks them, and 1280x720
	 * scaled to a size that does not divide evenly. */
	blur(half, 1);
	add_noise(half, 24);
	quantize(half, 16);
	back = scaled(half, 640, 480);
	CHECK(reads_as(back, counter, ns));
	rtc_video_frame_free(back);
	rtc_video_frame_free(half);
	rtc_video_frame_free(f);

	f = drawn(1280, 720, 3, counter, ns);
	struct rtc_video_frame *odd = scaled(f, 854, 480);
	add_noise(odd, 24);
	CHECK(reads_as(odd, counter, ns));
	rtc_video_frame_free(odd);
	rtc_video_frame_free(f);
}

/* ---- what must be refused ---------------------------------------------- */

/* Paints band cell i the other colour. */
static void flip_cell(struct rtc_video_frame *f, unsigned i)
{
	uint32_t cell = f->width / RTC_FAKE_PATTERN_COLUMNS;
	uint32_t x0 = i % RTC_FAKE_PATTERN_COLUMNS * cell, y0 = i / RTC_FAKE_PATTERN_COLUMNS * cell;
	uint8_t *p = f->plane[0] + (size_t)y0 * f->stride[0] + x0;
	uint8_t other = p[0] == RTC_FAKE_PATTERN_WHITE ? RTC_FAKE_PATTERN_BLACK :
							 RTC_FAKE_PATTERN_WHITE;

	for (uint32_t y = 0; y < cell; y++)
		memset(p + (size_t)y * f->stride[0], other, cell);
}

static void test_a_flipped_bit_is_refused(void)
{
	const unsigned cells = RTC_FAKE_PATTERN_COLUMNS * RTC_FAKE_PATTERN_ROWS;
	unsigned refused = 0;

	for (unsigned i = 0; i < cells; i++) {
		struct rtc_video_frame *f = drawn(640, 480, 0, 4242, 77777777777ull);
		uint32_t c;
		uint64_t t;

		flip_cell(f, i);
		if (!rtc_fake_pattern_read(f, &c, &t))
			refused++;
		rtc_video_frame_free(f);
	}
	CHECK_INTEQ(refused, cells);

	/* Two flipped bits too (CRC-16 catches every double error this short). */
	refused = 0;
	for (unsigned i = 8; i < cells; i += 3) {
		struct rtc_video_frame *f = drawn(640, 480, 0, 4242, 77777777777ull);
		uint32_t c;
		uint64_t t;

		unsigned j = 8 + (i * 7 + 13) % (cells - 8);

		flip_cell(f, i);
		flip_cell(f, j != i ? j : 8 + (j - 7) % (cells - 8));
		if (!rtc_fake_pattern_read(f, &c, &t))
			refused++;
		rtc_video_frame_free(f);
	}
	CHECK_INTEQ(refused, (cells - 8 + 2) / 3);
}

static void test_other_pictures_are_refused(void)
{
	struct rtc_video_frame *f = rtc_video_frame_new(640, 480);
	uint32_t c;
	uint64_t t;

	memset(f->plane[0], 128, rtc_video_frame_size(640, 480));
	CHECK(!rtc_fake_pattern_read(f, &c, &t));
	memset(f->plane[0], 0, rtc_video_frame_size(640, 480));
	CHECK(!rtc_fake_pattern_read(f, &c, &t));
	for (size_t i = 0; i < rtc_video_frame_size(640, 480); i++)
		f->plane[0][i] = (uint8_t)lcg();
	CHECK(!rtc_fake_pattern_read(f, &c, &t));

	/* Bands of random bits behind a correct sync: the CRC refuses them. */
	unsigned refused = 0, trials = 2000;
	for (unsigned n = 0; n < trials; n++) {
		rtc_fake_pattern_draw(f, 0, lcg(), lcg());   /* a valid band ... */
		for (unsigned i = 8; i < RTC_FAKE_PATTERN_COLUMNS * RTC_FAKE_PATTERN_ROWS; i++)
			if (lcg() & 1)
				flip_cell(f, i);                     /* ... made random */
		if (!rtc_fake_pattern_read(f, &c, &t))
			refused++;
	}
	printf("# %u of %u random bands refused\n", refused, trials);
	CHECK(refused >= trials - 1);   /* 2^-16 each: none expected, one tolerated */

	/* A cell painted mid-grey is neither bit: refused, not guessed. */
	rtc_fake_pattern_draw(f, 0, 1, 2);
	uint8_t *cell = f->plane[0] + 64 * 640 + 5 * 32;
	for (int y = 0; y < 32; y++)
		memset(cell + y * 640, 125, 32);
	CHECK(!rtc_fake_pattern_read(f, &c, &t));
	rtc_video_frame_free(f);

	/* Too small for a band. */
	f = drawn(640, 480, 0, 1, 2);
	struct rtc_video_frame *tiny = scaled(f, 38, 28), *flat = scaled(f, 640, 96);
	CHECK(!rtc_fake_pattern_read(tiny, &c, &t));
	CHECK(!rtc_fake_pattern_read(flat, &c, &t));
	rtc_video_frame_free(tiny);
	rtc_video_frame_free(flat);
	rtc_video_frame_free(f);
}

int main(void)
{
	RUN(test_reads_back_exactly);
	RUN(test_cells_are_macroblock_aligned_at_common_widths);
	RUN(test_pattern_moves);
	RUN(test_survives_degradation);
	RUN(test_a_flipped_bit_is_refused);
	RUN(test_other_pictures_are_refused);
	return rtc_test_done();
}
