/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Uncompressed media as it travels between capture, codecs and output
 * nodes: video as planar I420 (what VP8 and H.264 encoders take and
 * their decoders give), audio as interleaved signed 16-bit PCM.
 *
 * A frame owns its pixels or samples (one allocation); frames move between
 * the reactor and the codec workers by pointer, never shared.
 * Times are CLOCK_MONOTONIC nanoseconds, like the engine's `now`.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct rtc_video_frame {
	uint32_t width, height;         /* even, at most RTC_VIDEO_MAX_DIMENSION */
	uint8_t *plane[3];              /* Y, U, V */
	uint32_t stride[3];
	uint64_t capture_ns;
};

#define RTC_VIDEO_MAX_DIMENSION 4096

/* A frame of width × height with tight strides (Y: width, U/V: width/2),
 * its planes uninitialised; NULL for odd or out-of-range sizes or no memory. */
struct rtc_video_frame *rtc_video_frame_new(uint32_t width, uint32_t height);
void rtc_video_frame_free(struct rtc_video_frame *frame);
/* Bytes of the three planes of a tight frame of that size. */
size_t rtc_video_frame_size(uint32_t width, uint32_t height);

struct rtc_audio_frame {
	uint32_t sample_rate;           /* Hz */
	uint32_t channels;
	uint32_t samples;               /* per channel */
	int16_t *pcm;                   /* samples × channels, interleaved */
	uint64_t capture_ns;
};

/* A frame of that many samples per channel, zeroed (silence); NULL for
 * zero sizes or no memory. */
struct rtc_audio_frame *rtc_audio_frame_new(uint32_t sample_rate, uint32_t channels,
					    uint32_t samples);
void rtc_audio_frame_free(struct rtc_audio_frame *frame);
