/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Natural-ish moving pictures and tones for the codec tests, the fuzz seed
 * maker and the benchmark: a diagonal gradient that drifts, a soft texture
 * (sums of sines, so it compresses like a real scene, unlike noise), two
 * shapes that move across it, and a little per-frame grain. Deterministic.
 */
#pragma once

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/raw/raw-frame.h"

static inline uint8_t pattern_clamp(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Frame n of the pattern into f (any even size). The sines come from
 * tables made per frame, so the pattern costs little next to a codec. */
static inline void pattern_fill(struct rtc_video_frame *f, unsigned n)
{
	uint32_t w = f->width, h = f->height;
	/* Shapes: a disc moving right, a square bouncing down. */
	int cx = (int)((n * 7) % (w + 120)) - 60, cy = (int)h / 3;
	int sq = (int)(h / 6), sx = (int)(w / 2) + (int)(w / 5 * sin(n * 0.05));
	int sy = (int)((n * 5) % (h - (uint32_t)sq));
	uint32_t grain = 2463534242u ^ n * 2654435761u;
	float *wave_x = malloc(sizeof(float) * w), *wave_y = malloc(sizeof(float) * h);
	float *ripple = malloc(sizeof(float) * (w + 2 * h));

	if (!wave_x || !wave_y || !ripple)
		abort();
	for (uint32_t x = 0; x < w; x++)
		wave_x[x] = (float)(18 * sin(x * 0.11 + n * 0.07));
	for (uint32_t y = 0; y < h; y++)
		wave_y[y] = (float)cos(y * 0.09);
	for (uint32_t i = 0; i < w + 2 * h; i++)
		ripple[i] = (float)(10 * sin(i * 0.31));
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *row = f->plane[0] + (size_t)y * f->stride[0];
		for (uint32_t x = 0; x < w; x++) {
			int v = 40 + (int)(120 * (x + y + n * 2) / (w + h)) +
				(int)(wave_x[x] * wave_y[y] + ripple[x + 2 * y]);
			int dx = (int)x - cx, dy = (int)y - cy;
			if (dx * dx + dy * dy < 50 * 50)
				v = 220 - (dx * dx + dy * dy) / 40;
			if ((int)x >= sx && (int)x < sx + sq && (int)y >= sy && (int)y < sy + sq)
				v = 30 + (int)((x / 8 + y / 8) % 2) * 60;
			grain ^= grain << 13;
			grain ^= grain >> 17;
			grain ^= grain << 5;
			row[x] = pattern_clamp(v + (int)(grain % 5) - 2);
		}
	}
	for (uint32_t y = 0; y < h / 2; y++) {
		uint8_t *u = f->plane[1] + (size_t)y * f->stride[1];
		uint8_t *v = f->plane[2] + (size_t)y * f->stride[2];
		for (uint32_t x = 0; x < w / 2; x++) {
			/* Slow colour drifts: the tables' waves, stretched. */
			u[x] = pattern_clamp(128 + (int)(2 * wave_x[(x + n) % w]) - (int)(y * 30 / h));
			v[x] = pattern_clamp(128 + (int)(40 * wave_y[(y + n) % h]) - (int)(x * 20 / w));
		}
	}
	free(wave_x);
	free(wave_y);
	free(ripple);
	f->capture_ns = (uint64_t)n * 1000000000ull / 30;
}

/* PSNR of one plane in dB (99 for identical planes). */
static inline double pattern_psnr_plane(const uint8_t *a, uint32_t astride, const uint8_t *b,
					uint32_t bstride, uint32_t w, uint32_t h)
{
	double sse = 0;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			int d = a[(size_t)y * astride + x] - b[(size_t)y * bstride + x];
			sse += d * d;
		}
	if (sse == 0)
		return 99;
	return 10 * log10(255.0 * 255.0 * w * h / sse);
}

/* PSNR over all three planes (weighted by their samples, 4:1:1), in dB. */
static inline double pattern_psnr(const struct rtc_video_frame *a, const struct rtc_video_frame *b)
{
	double mse = 0, n = 0;

	for (unsigned p = 0; p < 3; p++) {
		uint32_t w = p ? a->width / 2 : a->width, h = p ? a->height / 2 : a->height;
		double psnr = pattern_psnr_plane(a->plane[p], a->stride[p], b->plane[p], b->stride[p], w, h);
		mse += (double)w * h * 255.0 * 255.0 / pow(10, psnr / 10);
		n += (double)w * h;
	}
	return 10 * log10(255.0 * 255.0 * n / mse);
}

/* A 20 ms tone of hz at 48 kHz, amplitude 8000, continuing from sample
 * `start` (so frames join without clicks). */
static inline void pattern_tone(struct rtc_audio_frame *f, double hz, uint64_t start)
{
	for (uint32_t i = 0; i < f->samples; i++)
		for (uint32_t c = 0; c < f->channels; c++)
			f->pcm[i * f->channels + c] =
				(int16_t)(8000 * sin(2 * M_PI * hz * (double)(start + i) / f->sample_rate));
}
