/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capture gives audio in whatever quantum the graph runs (PipeWire: 1024,
 * 256, ... samples); Opus takes 20 ms frames. The framer re-cuts 48 kHz
 * S16 audio into frames of a fixed length and the encoder's channel count
 * (mono: the mean of the input channels; stereo: the first two, or mono
 * doubled), each stamped with the capture time of its first sample.
 *
 *     f = rtc_audio_framer_new(1, 960);
 *     on each captured chunk: rtc_audio_framer_push(f, chunk, &err);
 *             while ((frame = rtc_audio_framer_pop(f))) encode(frame);
 *
 * One thread at a time (the reactor); no resampling (other rates are a
 * TypeError).
 */
#pragma once

#include <stdint.h>

#include "common/error.h"
#include "media/raw/raw-frame.h"

struct rtc_audio_framer;

/* channels 1 or 2; frame_samples per channel, 1..48000 (960: 20 ms).
 * NULL for other values or no memory. */
struct rtc_audio_framer *rtc_audio_framer_new(uint32_t channels, uint32_t frame_samples);
void rtc_audio_framer_free(struct rtc_audio_framer *f);

/* Adds a chunk (not taken: the caller still owns it). -1 with a TypeError
 * for a rate other than 48 kHz or no channels, or an OperationError for
 * no memory. */
int rtc_audio_framer_push(struct rtc_audio_framer *f, const struct rtc_audio_frame *chunk,
			  struct rtc_error *err);

/* The next whole frame (the caller's to free), or NULL until enough
 * samples are in. */
struct rtc_audio_frame *rtc_audio_framer_pop(struct rtc_audio_framer *f);

/* Samples per channel held, not yet a whole frame. */
uint32_t rtc_audio_framer_pending(const struct rtc_audio_framer *f);
