/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/raw/raw-frame.h"

#include <stdlib.h>

size_t rtc_video_frame_size(uint32_t width, uint32_t height)
{
	return (size_t)width * height + 2 * ((size_t)(width / 2) * (height / 2));
}

struct rtc_video_frame *rtc_video_frame_new(uint32_t width, uint32_t height)
{
	if (width == 0 || height == 0 || width % 2 || height % 2 ||
	    width > RTC_VIDEO_MAX_DIMENSION || height > RTC_VIDEO_MAX_DIMENSION)
		return NULL;
	/* Header and planes in one allocation: one free, no partial frames. */
	struct rtc_video_frame *f = malloc(sizeof(*f) + rtc_video_frame_size(width, height));
	if (!f)
		return NULL;
	uint8_t *pixels = (uint8_t *)(f + 1);
	size_t luma = (size_t)width * height, chroma = luma / 4;
	*f = (struct rtc_video_frame){
		.width = width, .height = height,
		.plane = { pixels, pixels + luma, pixels + luma + chroma },
		.stride = { width, width / 2, width / 2 },
	};
	return f;
}

void rtc_video_frame_free(struct rtc_video_frame *frame)
{
	free(frame);
}

struct rtc_audio_frame *rtc_audio_frame_new(uint32_t sample_rate, uint32_t channels,
					    uint32_t samples)
{
	if (sample_rate == 0 || channels == 0 || channels > 8 || samples == 0 ||
	    samples > sample_rate)
		return NULL;
	struct rtc_audio_frame *f = calloc(1, sizeof(*f) + (size_t)samples * channels * 2);
	if (!f)
		return NULL;
	*f = (struct rtc_audio_frame){
		.sample_rate = sample_rate, .channels = channels, .samples = samples,
		.pcm = (int16_t *)(f + 1),
	};
	return f;
}

void rtc_audio_frame_free(struct rtc_audio_frame *frame)
{
	free(frame);
}
