/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake microphone (`rtcd --fake-media-devices`): a sine tone, 48 kHz,
 * mono or stereo, in 20 ms frames, sans-I/O like the fake camera — the
 * caller passes `now`, asks deadline() and poll(now).
 *
 * Sample n of the tone is amplitude · sin(2π · frequency · n / 48000), n
 * counted from the microphone's start, so the phase runs on across frames.
 * A late caller gets every frame due, one per poll, oldest first (audio
 * has no gaps); one that is more than RTC_FAKE_MICROPHONE_MAX_BEHIND frames
 * late loses the older ones, as a real device overruns.
 */
#pragma once

#include <stdint.h>

#include "common/error.h"
#include "media/raw/raw-frame.h"

#define RTC_FAKE_MICROPHONE_SAMPLE_RATE 48000
#define RTC_FAKE_MICROPHONE_FRAME_SAMPLES 960       /* 20 ms */
#define RTC_FAKE_MICROPHONE_FRAME_NS 20000000ull
#define RTC_FAKE_MICROPHONE_MAX_BEHIND 10

struct rtc_fake_microphone_config {
	uint32_t channels;         /* 1 or 2 (both the same tone) */
	uint32_t frequency;        /* Hz, 1 to 23999 */
	int16_t amplitude;         /* peak, 1 to 32767 */
};

#define RTC_FAKE_MICROPHONE_DEFAULT_FREQUENCY 440
#define RTC_FAKE_MICROPHONE_DEFAULT_AMPLITUDE 8192   /* -12 dBFS */

/* Mono, 440 Hz, -12 dBFS. */
void rtc_fake_microphone_config_default(struct rtc_fake_microphone_config *config);

/* A microphone whose first frame is due at now (its capture time).
 * NULL with err: OverconstrainedError naming the constraint ("channels"),
 * TypeError for a frequency or amplitude out of range, or no memory. */
struct rtc_fake_microphone *rtc_fake_microphone_new(
	const struct rtc_fake_microphone_config *config, uint64_t now, struct rtc_error *err);
void rtc_fake_microphone_free(struct rtc_fake_microphone *mic);

/* When the next frame is due (at or before now while the caller is behind). */
uint64_t rtc_fake_microphone_deadline(const struct rtc_fake_microphone *mic);

/* The oldest frame due at now (the caller owns it), its capture_ns the
 * time of its first sample; NULL if none is due (or no memory: that
 * frame is then lost). */
struct rtc_audio_frame *rtc_fake_microphone_poll(struct rtc_fake_microphone *mic, uint64_t now);
