/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tone microphone on a simulated clock: 20 ms frames of 960 samples,
 * due every 20 ms; the tone's frequency measured independently (zero
 * crossings and a Goertzel filter); the phase continuous across frame
 * boundaries (each sample predicted from the two before it); a late caller
 * gets every frame up to a bound; the fake devices' descriptors.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/fake/devices.h"
#include "media/fake/microphone.h"

#define S 1000000000ull
#define T0 (777 * S + 999)

/* Runs the microphone from deadline to deadline for `frames` frames and
 * returns the first channel's samples, checking timing and channels. */
static int16_t *record(struct rtc_fake_microphone *mic, unsigned frames, uint32_t channels)
{
	int16_t *pcm = malloc((size_t)frames * RTC_FAKE_MICROPHONE_FRAME_SAMPLES * sizeof(*pcm));
	unsigned wrong = 0;

	for (unsigned k = 0; k < frames; k++) {
		uint64_t due = rtc_fake_microphone_deadline(mic);

		if (due != T0 + k * 20000000ull || rtc_fake_microphone_poll(mic, due - 1) != NULL)
			wrong++;
		struct rtc_audio_frame *f = rtc_fake_microphone_poll(mic, due);
		if (!f || f->sample_rate != 48000 || f->channels != channels || f->samples != 960 ||
		    f->capture_ns != due) {
			wrong++;
			rtc_audio_frame_free(f);
			continue;
		}
		for (uint32_t i = 0; i < 960; i++) {
			pcm[k * 960 + i] = f->pcm[i * channels];
			for (uint32_t ch = 1; ch < channels; ch++)
				if (f->pcm[i * channels + ch] != f->pcm[i * channels])
					wrong++;
		}
		rtc_audio_frame_free(f);
		if (rtc_fake_microphone_poll(mic, due) != NULL)
			wrong++;
	}
	CHECK_INTEQ(wrong, 0);
	return pcm;
}

static unsigned upward_zero_crossings(const int16_t *pcm, size_t n)
{
	unsigned count = 0;

	for (size_t i = 1; i < n; i++)
		if (pcm[i - 1] < 0 && pcm[i] >= 0)
			count++;
	return count;
}

/* Power of one frequency in the signal (Goertzel), normalised by length. */
static double goertzel(const int16_t *pcm, size_t n, double frequency)
{
	double w = 2 * M_PI * frequency / 48000, coeff = 2 * cos(w), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s = pcm[i] + coeff * s1 - s2;
		s2 = s1;
		s1 = s;
	}
	return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / ((double)n * n);
}

/* The largest error of predicting each sample from the two before it,
 * x[n] = 2cos(w) x[n-1] - x[n-2], over all samples and over only those
 * at a frame boundary. */
static void prediction_error(const int16_t *pcm, size_t n, double frequency, double *all,
			     double *boundary)
{
	double c = 2 * cos(2 * M_PI * frequency / 48000);

	*all = *boundary = 0;
	for (size_t i = 2; i < n; i++) {
		double e = fabs(pcm[i] - (c * pcm[i - 1] - pcm[i - 2]));

		if (e > *all)
			*all = e;
		if (i % 960 < 2 && e > *boundary)
			*boundary = e;
	}
}

static void check_tone(uint32_t channels, uint32_t frequency, int16_t amplitude)
{
	struct rtc_fake_microphone_config config = { channels, frequency, amplitude };
	struct rtc_error err = { 0 };
	struct rtc_fake_microphone *mic = rtc_fake_microphone_new(&config, T0, &err);
	const unsigned frames = 3000;     /* a minute */
	const size_t n = (size_t)frames * 960;
	int16_t *pcm = record(mic, frames, channels);
	int peak = 0;

	for (size_t i = 0; i < n; i++)
		peak = abs(pcm[i]) > peak ? abs(pcm[i]) : peak;
	/* Crossings in the minute: 60 per Hz, give or take the ends. */
	unsigned crossings = upward_zero_crossings(pcm, n);
	double on = goertzel(pcm, n, frequency), off_low = goertzel(pcm, n, frequency * 0.9),
	       off_high = goertzel(pcm, n, frequency * 1.1);
	double all, boundary;
	prediction_error(pcm, n, frequency, &all, &boundary);
	printf("# %u Hz x%u: peak %d, %u upward crossings in 60 s, Goertzel %.0f vs %.0f/%.0f, "
	       "prediction error %.2f (at boundaries %.2f)\n", frequency, channels, peak, crossings,
	       on, off_low, off_high, all, boundary);
	CHECK(peak >= amplitude - 1 && peak <= amplitude);
	CHECK(crossings >= 60 * frequency - 1 && crossings <= 60 * frequency + 1);
	CHECK(on > 1000 * off_low && on > 1000 * off_high);
	/* Rounding to integers: each of three samples is off by at most 1/2,
	 * so the error stays below (1 + 2cos(w) + 1) / 2 < 2. */
	CHECK(all <= 2.0);
	CHECK(boundary <= 2.0);
	free(pcm);
	rtc_fake_microphone_free(mic);
}

static void test_default_tone(void)
{
	struct rtc_fake_microphone_config config;

	rtc_fake_microphone_config_default(&config);
	CHECK_INTEQ(config.channels, 1);
	CHECK_INTEQ(config.frequency, 440);
	CHECK_INTEQ(config.amplitude, 8192);
	check_tone(config.channels, config.frequency, config.amplitude);
}

static void test_other_tones(void)
{
	check_tone(2, 440, 8192);
	check_tone(1, 1000, 16000);
	check_tone(2, 7, 30000);     /* 7 Hz: 48000 is no multiple of it */
	check_tone(1, 12345, 3000);
}

static void test_a_discontinuity_would_show(void)
{
	/* The check above can fail: a tone whose phase restarts every frame. */
	struct rtc_fake_microphone_config config = { 1, 440, 8192 };
	struct rtc_error err = { 0 };
	int16_t *pcm = malloc(2 * 960 * sizeof(*pcm));
	double all, boundary;

	for (int k = 0; k < 2; k++) {
		struct rtc_fake_microphone *mic = rtc_fake_microphone_new(&config, T0, &err);
		struct rtc_audio_frame *f = rtc_fake_microphone_poll(mic, T0);

		memcpy(pcm + k * 960, f->pcm, 960 * sizeof(*pcm));
		rtc_audio_frame_free(f);
		rtc_fake_microphone_free(mic);
	}
	prediction_error(pcm, 2 * 960, 440, &all, &boundary);
	CHECK(boundary > 100);
	free(pcm);
}

static void test_a_late_caller(void)
{
	struct rtc_fake_microphone_config config;
	struct rtc_error err = { 0 };
	struct rtc_audio_frame *f;
	unsigned got = 0;

	rtc_fake_microphone_config_default(&config);
	struct rtc_fake_microphone *mic = rtc_fake_microphone_new(&config, T0, &err);

	/* 100 ms late: the six frames due (0, 20 ... 100 ms), oldest first. */
	while ((f = rtc_fake_microphone_poll(mic, T0 + 100000000))) {
		CHECK(f->capture_ns == T0 + got * 20000000ull);
		rtc_audio_frame_free(f);
		got++;
	}
	CHECK_INTEQ(got, 6);
	CHECK(rtc_fake_microphone_deadline(mic) == T0 + 120000000);

	/* A second late: only the last RTC_FAKE_MICROPHONE_MAX_BEHIND. */
	uint64_t now = T0 + 120000000 + S;
	got = 0;
	while ((f = rtc_fake_microphone_poll(mic, now))) {
		CHECK(f->capture_ns == now - (RTC_FAKE_MICROPHONE_MAX_BEHIND - 1 - got) * 20000000ull);
		rtc_audio_frame_free(f);
		got++;
	}
	CHECK_INTEQ(got, RTC_FAKE_MICROPHONE_MAX_BEHIND);
	rtc_fake_microphone_free(mic);
}

static void test_bad_configurations(void)
{
	static const struct rtc_fake_microphone_config bad[] = {
		{ 0, 440, 8192 }, { 3, 440, 8192 }, { 1, 0, 8192 }, { 1, 24000, 8192 },
		{ 1, 440, 0 }, { 1, 440, -5 },
	};
	static const enum rtc_error_kind kinds[] = {
		RTC_ERROR_OVERCONSTRAINED, RTC_ERROR_OVERCONSTRAINED, RTC_ERROR_TYPE, RTC_ERROR_TYPE,
		RTC_ERROR_TYPE, RTC_ERROR_TYPE,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rtc_error err = { 0 };

		CHECK(rtc_fake_microphone_new(&bad[i], T0, &err) == NULL);
		CHECK_INTEQ(err.kind, kinds[i]);
	}
}

static void test_device_descriptors(void)
{
	size_t count;
	const struct rtc_fake_device *d = rtc_fake_devices(&count);

	CHECK_INTEQ(count, 2);
	CHECK_STREQ(d[0].device_id, "rtcd-fake-camera");
	CHECK_STREQ(d[0].kind, "videoinput");
	CHECK_STREQ(d[0].label, "rtcd fake camera (test pattern)");
	CHECK_STREQ(d[1].device_id, "rtcd-fake-microphone");
	CHECK_STREQ(d[1].kind, "audioinput");
	CHECK_STREQ(d[0].group_id, d[1].group_id);
	CHECK(rtc_fake_device_find("rtcd-fake-microphone") == &d[1]);
	CHECK(rtc_fake_device_find("rtcd-fake") == NULL);
	CHECK(rtc_fake_device_find(NULL) == NULL);
}

int main(void)
{
	RUN(test_default_tone);
	RUN(test_other_tones);
	RUN(test_a_discontinuity_would_show);
	RUN(test_a_late_caller);
	RUN(test_bad_configurations);
	RUN(test_device_descriptors);
	return rtc_test_done();
}
