/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tone (see microphone.h). The phase of sample n is worked out from
 * (frequency · n) mod 48000 in integers, exact however long the tone
 * runs: no accumulated rounding, and the same sample at a frame boundary
 * as inside a frame.
 */
#include "media/fake/microphone.h"

#include <math.h>
#include <stdlib.h>

struct rtc_fake_microphone {
	struct rtc_fake_microphone_config config;
	uint64_t start;
	uint64_t next_frame;     /* frames since start */
};

void rtc_fake_microphone_config_default(struct rtc_fake_microphone_config *config)
{
	*config = (struct rtc_fake_microphone_config){
		.channels = 1,
		.frequency = RTC_FAKE_MICROPHONE_DEFAULT_FREQUENCY,
		.amplitude = RTC_FAKE_MICROPHONE_DEFAULT_AMPLITUDE,
	};
}

struct rtc_fake_microphone *rtc_fake_microphone_new(
	const struct rtc_fake_microphone_config *config, uint64_t now, struct rtc_error *err)
{
	struct rtc_fake_microphone *mic;

	if (config->channels < 1 || config->channels > 2) {
		rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
			      "channels: the fake microphone has 1 or 2, not %u", config->channels);
		return NULL;
	}
	if (config->frequency < 1 || config->frequency >= RTC_FAKE_MICROPHONE_SAMPLE_RATE / 2 ||
	    config->amplitude < 1) {
		rtc_error_set(err, RTC_ERROR_TYPE, "a tone of %u Hz at amplitude %d cannot be made",
			      config->frequency, config->amplitude);
		return NULL;
	}
	mic = calloc(1, sizeof(*mic));
	if (!mic) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for a fake microphone");
		return NULL;
	}
	mic->config = *config;
	mic->start = now;
	return mic;
}

void rtc_fake_microphone_free(struct rtc_fake_microphone *mic)
{
	free(mic);
}

uint64_t rtc_fake_microphone_deadline(const struct rtc_fake_microphone *mic)
{
	return mic->start + mic->next_frame * RTC_FAKE_MICROPHONE_FRAME_NS;
}

struct rtc_audio_frame *rtc_fake_microphone_poll(struct rtc_fake_microphone *mic, uint64_t now)
{
	const uint32_t rate = RTC_FAKE_MICROPHONE_SAMPLE_RATE;

	if (now < rtc_fake_microphone_deadline(mic))
		return NULL;
	uint64_t due = (now - mic->start) / RTC_FAKE_MICROPHONE_FRAME_NS;   /* the latest due */
	if (due - mic->next_frame >= RTC_FAKE_MICROPHONE_MAX_BEHIND)
		mic->next_frame = due - (RTC_FAKE_MICROPHONE_MAX_BEHIND - 1);

	uint64_t frame_index = mic->next_frame++;
	struct rtc_audio_frame *frame = rtc_audio_frame_new(rate, mic->config.channels,
							    RTC_FAKE_MICROPHONE_FRAME_SAMPLES);
	if (!frame)
		return NULL;
	frame->capture_ns = mic->start + frame_index * RTC_FAKE_MICROPHONE_FRAME_NS;

	uint64_t n = frame_index * RTC_FAKE_MICROPHONE_FRAME_SAMPLES;
	uint64_t phase = (uint64_t)mic->config.frequency * (n % rate) % rate;
	for (uint32_t i = 0; i < frame->samples; i++) {
		double s = mic->config.amplitude * sin(2 * M_PI * (double)phase / rate);
		int16_t value = (int16_t)lrint(s);

		for (uint32_t ch = 0; ch < frame->channels; ch++)
			frame->pcm[i * frame->channels + ch] = value;
		phase = (phase + mic->config.frequency) % rate;
	}
	return frame;
}
