/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One decoder interface over Opus, VP8 and H.264, for what the receive
 * side hands out: a whole encoded frame (a VP8 frame, an H.264 access unit
 * in Annex-B, an Opus packet), or for audio a gap to conceal.
 *
 * Its input comes from the network: corrupt or truncated frames give an
 * error, never a crash, and the decoder goes on. A video decoder that saw
 * an error (or has seen no key frame yet) refuses delta frames until the
 * next key frame decodes, rather than showing a picture built on a broken
 * reference: rtc_decoder_needs_key_frame() then says to ask for one (PLI).
 *
 * Used from one thread at a time. Decoded frames are new allocations the
 * caller owns (raw-frame.h); they move to the reactor by pointer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/stream/codec.h"
#include "media/raw/raw-frame.h"

/* Opus: samples per channel of the longest packet (120 ms at 48 kHz). */
#define RTC_DECODER_MAX_AUDIO_SAMPLES 5760u

struct rtc_decoder_config {
	enum rtc_codec codec;
	uint32_t channels;              /* audio output channels, 1 or 2 (0: 1) */
};

struct rtc_decoder;

/* NULL with a TypeError (unknown codec, bad channels) or an
 * OperationError (the library would not start). */
struct rtc_decoder *rtc_decoder_new(const struct rtc_decoder_config *cfg, struct rtc_error *err);
void rtc_decoder_free(struct rtc_decoder *d);

enum rtc_codec rtc_decoder_codec(const struct rtc_decoder *d);

/* Decodes one video frame. 1 with *out a new I420 frame (odd sizes are
 * cropped to even ones); 0 when the frame held no picture to show (H.264
 * parameter sets alone); -1 with a SyntaxError (corrupt, truncated, larger
 * than RTC_VIDEO_MAX_DIMENSION), an InvalidStateError (a delta frame while
 * a key frame is needed) or a TypeError (not a video decoder). */
int rtc_decoder_decode_video(struct rtc_decoder *d, const uint8_t *data, size_t len,
			     struct rtc_video_frame **out, struct rtc_error *err);

/* True from the start and after an error, until a key frame decodes. */
bool rtc_decoder_needs_key_frame(const struct rtc_decoder *d);

/* Decodes one Opus packet into *out (48 kHz, the configured channels).
 * 1, or -1 with a SyntaxError (not a valid Opus packet) or a TypeError. */
int rtc_decoder_decode_audio(struct rtc_decoder *d, const uint8_t *data, size_t len,
			     struct rtc_audio_frame **out, struct rtc_error *err);

/* A lost audio frame of `samples` (per channel at 48 kHz; 0: as long as
 * the last packet): recovered from the in-band FEC of the next packet when
 * fec/fec_len give it (and it has FEC), else concealed (PLC). The next
 * packet itself is then still to be decoded normally. 1 with *out, or -1
 * with a RangeError (samples not a multiple of 2.5 ms, or above 120 ms) or
 * a TypeError. */
int rtc_decoder_conceal_audio(struct rtc_decoder *d, unsigned samples, const uint8_t *fec,
			      size_t fec_len, struct rtc_audio_frame **out, struct rtc_error *err);
