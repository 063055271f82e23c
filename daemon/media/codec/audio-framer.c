/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audio framer: the frame being filled is an ordinary rtc_audio_frame,
 * handed out when full; the time of its first sample is remembered from
 * the chunk that brought it.
 */
#include "media/codec/audio-framer.h"

#include <stdlib.h>
#include <string.h>

/* Whole frames held unread at most (1.28 s of 20 ms frames): a push
 * beyond fails, rather than growing without bound when nobody pops. */
#define FRAMER_MAX_READY 64

struct rtc_audio_framer {
	uint32_t channels, frame_samples;
	struct rtc_audio_frame *filling;
	uint32_t filled;
	struct rtc_audio_frame *ready[FRAMER_MAX_READY];
	unsigned ready_head, ready_count;
};

struct rtc_audio_framer *rtc_audio_framer_new(uint32_t channels, uint32_t frame_samples)
{
	if (channels < 1 || channels > 2 || frame_samples < 1 || frame_samples > 48000)
		return NULL;
	struct rtc_audio_framer *f = calloc(1, sizeof(*f));
	if (f) {
		f->channels = channels;
		f->frame_samples = frame_samples;
	}
	return f;
}

void rtc_audio_framer_free(struct rtc_audio_framer *f)
{
	if (!f)
		return;
	rtc_audio_frame_free(f->filling);
	for (unsigned i = 0; i < f->ready_count; i++)
		rtc_audio_frame_free(f->ready[(f->ready_head + i) % FRAMER_MAX_READY]);
	free(f);
}

/* Sample i of a chunk in the framer's channel layout. */
static void mix(const struct rtc_audio_frame *in, uint32_t i, uint32_t out_channels, int16_t *out)
{
	const int16_t *s = in->pcm + (size_t)i * in->channels;

	if (out_channels == 1) {
		int32_t sum = 0;
		for (uint32_t c = 0; c < in->channels; c++)
			sum += s[c];
		out[0] = (int16_t)(sum / (int32_t)in->channels);
	} else {
		out[0] = s[0];
		out[1] = in->channels > 1 ? s[1] : s[0];
	}
}

int rtc_audio_framer_push(struct rtc_audio_framer *f, const struct rtc_audio_frame *chunk,
			  struct rtc_error *err)
{
	if (chunk->sample_rate != 48000 || chunk->channels == 0 || chunk->channels > 8)
		return rtc_error_set(err, RTC_ERROR_TYPE, "audio of %u Hz x %u channels: the framer takes 48000 Hz",
				     chunk->sample_rate, chunk->channels);
	for (uint32_t i = 0; i < chunk->samples; i++) {
		if (!f->filling) {
			if (f->ready_count == FRAMER_MAX_READY)
				return rtc_error_set(err, RTC_ERROR_OPERATION,
						     "%u audio frames wait unread", FRAMER_MAX_READY);
			f->filling = rtc_audio_frame_new(48000, f->channels, f->frame_samples);
			if (!f->filling)
				return rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for an audio frame");
			f->filled = 0;
			/* Its first sample is sample i of this chunk. */
			f->filling->capture_ns = chunk->capture_ns + (uint64_t)i * 1000000000ull / 48000;
		}
		mix(chunk, i, f->channels, f->filling->pcm + (size_t)f->filled * f->channels);
		if (++f->filled == f->frame_samples) {
			f->ready[(f->ready_head + f->ready_count++) % FRAMER_MAX_READY] = f->filling;
			f->filling = NULL;
		}
	}
	return 0;
}

struct rtc_audio_frame *rtc_audio_framer_pop(struct rtc_audio_framer *f)
{
	if (!f->ready_count)
		return NULL;
	struct rtc_audio_frame *frame = f->ready[f->ready_head];
	f->ready_head = (f->ready_head + 1) % FRAMER_MAX_READY;
	f->ready_count--;
	return frame;
}

uint32_t rtc_audio_framer_pending(const struct rtc_audio_framer *f)
{
	return f->filling ? f->filled : 0;
}
