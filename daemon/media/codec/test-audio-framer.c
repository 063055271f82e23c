/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audio framer: capture quanta of any size come out as whole frames,
 * every sample once and in order, mixed to the encoder's channels, each
 * frame stamped with its first sample's capture time.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "media/codec/audio-framer.h"

/* A chunk of `samples` whose channel c of sample k (counted over the
 * stream) is (k % 20000) + c * 2, captured at the time of sample `start`. */
static struct rtc_audio_frame *chunk(uint32_t channels, uint32_t samples, uint64_t start)
{
	struct rtc_audio_frame *a = rtc_audio_frame_new(48000, channels, samples);

	for (uint32_t i = 0; i < samples; i++)
		for (uint32_t c = 0; c < channels; c++)
			a->pcm[i * channels + c] = (int16_t)((start + i) % 20000 + c * 2);
	a->capture_ns = 5000000000ull + start * 1000000000ull / 48000;
	return a;
}

static void reframe(uint32_t in_channels, uint32_t out_channels)
{
	struct rtc_audio_framer *f = rtc_audio_framer_new(out_channels, 960);
	const uint32_t sizes[] = { 1024, 256, 441, 960, 2048, 1, 3000 };
	uint64_t start = 0, next = 0;
	struct rtc_error err = { 0 };
	unsigned frames = 0;

	CHECK(f);
	if (!f)
		return;
	for (unsigned round = 0; round < 20; round++) {
		uint32_t n = sizes[round % 7];
		struct rtc_audio_frame *in = chunk(in_channels, n, start), *out;
		CHECK(rtc_audio_framer_push(f, in, &err) == 0);
		rtc_audio_frame_free(in);
		start += n;
		while ((out = rtc_audio_framer_pop(f))) {
			CHECK(out->samples == 960 && out->channels == out_channels && out->sample_rate == 48000);
			/* Within 1 ns of the first sample's time (integer rounding). */
			uint64_t want = 5000000000ull + next * 1000000000ull / 48000;
			CHECK(out->capture_ns + 1 >= want && out->capture_ns <= want + 1);
			for (uint32_t i = 0; i < 960; i++) {
				int base = (int)((next + i) % 20000);
				if (out_channels == 1)   /* mean of 0, 2 (, ...) */
					CHECK(out->pcm[i] == base + (int)in_channels - 1);
				else
					CHECK(out->pcm[2 * i] == base &&
					      out->pcm[2 * i + 1] == base + (in_channels > 1 ? 2 : 0));
			}
			next += 960;
			frames++;
			rtc_audio_frame_free(out);
		}
	}
	CHECK(next + rtc_audio_framer_pending(f) == start);
	CHECK(frames == start / 960);
	rtc_audio_framer_free(f);
}

static void test_mono_to_mono(void) { reframe(1, 1); }
static void test_stereo_to_mono(void) { reframe(2, 1); }
static void test_mono_to_stereo(void) { reframe(1, 2); }
static void test_surround_to_stereo(void) { reframe(6, 2); }

static void test_refusals(void)
{
	struct rtc_error err = { 0 };
	struct rtc_audio_framer *f = rtc_audio_framer_new(1, 960);
	struct rtc_audio_frame *cd = rtc_audio_frame_new(44100, 1, 441);
	struct rtc_audio_frame *big = rtc_audio_frame_new(48000, 1, 48000);

	CHECK(!rtc_audio_framer_new(3, 960) && !rtc_audio_framer_new(1, 0));
	CHECK(f && cd && big);
	if (!f || !cd || !big)
		goto out;
	CHECK(rtc_audio_framer_push(f, cd, &err) == -1 && err.kind == RTC_ERROR_TYPE);
	/* Nobody pops: 1.28 s are held, then pushes fail; freeing with
	 * frames held leaks nothing. */
	CHECK(rtc_audio_framer_push(f, big, &err) == 0);
	CHECK(rtc_audio_framer_push(f, big, &err) == -1 && err.kind == RTC_ERROR_OPERATION);
out:
	rtc_audio_frame_free(cd);
	rtc_audio_frame_free(big);
	rtc_audio_framer_free(f);
}

int main(void)
{
	RUN(test_mono_to_mono);
	RUN(test_stereo_to_mono);
	RUN(test_mono_to_stereo);
	RUN(test_surround_to_stereo);
	RUN(test_refusals);
	return rtc_test_done();
}
