/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Patterns the PipeWire output tests push and pw-test-sink checks, exact
 * on a lossless path: every video frame carries its number and size in its
 * first luma bytes and a pattern derived from the number everywhere else;
 * audio is a ramp whose every sample tells its position (mod 8192), so a
 * sink sees order, gaps and inserted silence.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Y[0..3] = counter, Y[4..5] = width, Y[6..7] = height (little endian);
 * needs width >= 8. */
static inline uint8_t pwtest_y(uint32_t x, uint32_t y, uint32_t counter)
{
	return (uint8_t)(x + 3 * y + 7 * counter);
}

static inline uint8_t pwtest_u(uint32_t x, uint32_t y, uint32_t counter)
{
	return (uint8_t)(2 * x + y + counter);
}

static inline uint8_t pwtest_v(uint32_t x, uint32_t y, uint32_t counter)
{
	return (uint8_t)(x + 2 * y + 5 * counter + 128);
}

static inline void pwtest_video_fill(uint8_t *const plane[3], const uint32_t stride[3],
				     uint32_t width, uint32_t height, uint32_t counter)
{
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++)
			plane[0][y * stride[0] + x] = pwtest_y(x, y, counter);
	for (uint32_t y = 0; y < height / 2; y++)
		for (uint32_t x = 0; x < width / 2; x++) {
			plane[1][y * stride[1] + x] = pwtest_u(x, y, counter);
			plane[2][y * stride[2] + x] = pwtest_v(x, y, counter);
		}
	const uint8_t head[8] = {
		(uint8_t)counter, (uint8_t)(counter >> 8), (uint8_t)(counter >> 16),
		(uint8_t)(counter >> 24), (uint8_t)width, (uint8_t)(width >> 8),
		(uint8_t)height, (uint8_t)(height >> 8),
	};
	for (int i = 0; i < 8; i++)
		plane[0][i] = head[i];
}

/* The frame's counter, or false if its size disagrees with the header or
 * any byte is not what the pattern says. */
static inline bool pwtest_video_check(const uint8_t *const plane[3], const uint32_t stride[3],
				      uint32_t width, uint32_t height, uint32_t *counter)
{
	const uint8_t *h = plane[0];
	uint32_t c = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
		     (uint32_t)h[3] << 24;
	*counter = c;
	if (((uint32_t)h[4] | (uint32_t)h[5] << 8) != width ||
	    ((uint32_t)h[6] | (uint32_t)h[7] << 8) != height)
		return false;
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = y ? 0 : 8; x < width; x++)
			if (plane[0][y * stride[0] + x] != pwtest_y(x, y, c))
				return false;
	for (uint32_t y = 0; y < height / 2; y++)
		for (uint32_t x = 0; x < width / 2; x++)
			if (plane[1][y * stride[1] + x] != pwtest_u(x, y, c) ||
			    plane[2][y * stride[2] + x] != pwtest_v(x, y, c))
				return false;
	return true;
}

/* Sample n of the ramp: steps of 4, always 2 mod 4, never 0, so silence
 * and one-off rounding (±1) are told apart from any ramp value. The right
 * channel is the negated left. */
#define PWTEST_RAMP_PERIOD 8192u

static inline int16_t pwtest_ramp(uint64_t n)
{
	return (int16_t)(4 * (int32_t)(n % PWTEST_RAMP_PERIOD) - 16382);
}

/* Position (mod the period) of a received sample, or -1 if it is no ramp
 * value within ±1. */
static inline int32_t pwtest_ramp_index(int16_t v)
{
	int32_t i = ((int32_t)v + 16382 + 2) / 4;
	if (i < 0 || i >= (int32_t)PWTEST_RAMP_PERIOD)
		return -1;
	int32_t d = (int32_t)v - pwtest_ramp((uint64_t)i);
	return d >= -1 && d <= 1 ? i : -1;
}
