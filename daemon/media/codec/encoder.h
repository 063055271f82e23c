/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One encoder interface over Opus (libopus), VP8 (libvpx) and H.264
 * (openh264), tuned for real-time calls: what a send stream's packetizer
 * takes comes out (Opus packets, VP8 frames, H.264 access units in
 * Annex-B with 4-byte start codes, SPS and PPS before every IDR).
 *
 * An encoder is used from one thread at a time (the worker pool runs it
 * on a worker; tests and benchmarks call it directly). It never queues:
 * one raw frame in, at most one encoded frame out. Frames the caller
 * cannot keep up with are dropped before they get here (worker-pool.h).
 *
 *     e = rtc_encoder_new(&(struct rtc_encoder_config){ .codec = RTC_CODEC_VP8,
 *                         .width = 640, .height = 480, .bitrate = 1000000 }, &err);
 *     rtc_encoder_request_key_frame(e);            (PLI / FIR from the peer)
 *     rtc_encoder_set_bitrate(e, bps, &err);       (the congestion controller)
 *     if (rtc_encoder_encode_video(e, frame, &out, &err) == 1) packetize(out.data, out.len);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/stream/codec.h"
#include "media/raw/raw-frame.h"

#define RTC_ENCODER_MIN_BITRATE 6000u        /* Opus' floor */
#define RTC_ENCODER_MAX_BITRATE 50000000u

struct rtc_encoder_config {
	enum rtc_codec codec;
	uint32_t bitrate;               /* bits per second */
	/* Video: the first frames' size (a frame of another size re-creates
	 * the codec, with a key frame) and the rate it is captured at. */
	uint32_t width, height;
	uint32_t framerate;             /* frames per second; 0: 30 */
	unsigned threads;               /* the codec's own threads; 0: 1 */
	/* Audio: 48 kHz always; 1 or 2 channels (0: 1). */
	uint32_t channels;
	unsigned expected_loss_percent; /* how much Opus in-band FEC to spend; 0: 10 */
};

/* An encoded frame. The encoder writes into data, growing it as needed;
 * the caller owns the buffer and frees it with rtc_encoded_release. */
struct rtc_encoded {
	uint8_t *data;
	size_t len, cap;
	bool key_frame;                 /* video: checked in the bitstream, not trusted */
	uint32_t width, height;         /* video */
	unsigned samples;               /* audio: duration in 48 kHz samples */
	bool talkspurt_start;           /* audio: first packet after a DTX silence (RTP marker) */
	uint64_t capture_ns;            /* the raw frame's */
};

void rtc_encoded_release(struct rtc_encoded *out);

struct rtc_encoder;

/* NULL with a TypeError (unknown codec, bad size or channel count), a
 * RangeError (bitrate out of range) or an OperationError (the library
 * refused its settings). */
struct rtc_encoder *rtc_encoder_new(const struct rtc_encoder_config *cfg, struct rtc_error *err);
void rtc_encoder_free(struct rtc_encoder *e);

enum rtc_codec rtc_encoder_codec(const struct rtc_encoder *e);

/* Encodes one picture. 1: out holds a frame; 0: rate control skipped this
 * picture (nothing to send, a pending key frame request stays pending);
 * -1 with err: a TypeError (not a video encoder, odd or oversized frame)
 * or an OperationError from the library. */
int rtc_encoder_encode_video(struct rtc_encoder *e, const struct rtc_video_frame *frame,
			     struct rtc_encoded *out, struct rtc_error *err);

/* Encodes one audio frame of 48 kHz, the configured channels and an Opus
 * frame duration (2.5, 5, 10, 20, 40 or 60 ms; 960 samples for 20 ms).
 * 1: out holds an Opus packet; 0: DTX silence, nothing to send; -1 with
 * a TypeError or an OperationError. */
int rtc_encoder_encode_audio(struct rtc_encoder *e, const struct rtc_audio_frame *frame,
			     struct rtc_encoded *out, struct rtc_error *err);

/* Applies to the next frame. -1 with a RangeError outside
 * RTC_ENCODER_MIN_BITRATE..RTC_ENCODER_MAX_BITRATE (nothing changed), or an
 * OperationError. */
int rtc_encoder_set_bitrate(struct rtc_encoder *e, uint32_t bitrate, struct rtc_error *err);
uint32_t rtc_encoder_bitrate(const struct rtc_encoder *e);

/* The packet loss the peer reports, in percent (Opus spends that much on
 * in-band FEC); ignored by video encoders. */
void rtc_encoder_set_packet_loss(struct rtc_encoder *e, unsigned percent);

/* The next frame encoded is a key frame (VP8 key frame, H.264 IDR with
 * SPS and PPS). Stays requested until one is produced; no-op for audio. */
void rtc_encoder_request_key_frame(struct rtc_encoder *e);
