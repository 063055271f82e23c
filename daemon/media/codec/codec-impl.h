/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the codec wrappers: each codec file fills in an encoder or
 * decoder struct that starts with these bases; encoder.c and decoder.c
 * check arguments and state common to all, then call through the ops.
 */
#pragma once

#include "media/codec/decoder.h"
#include "media/codec/encoder.h"

struct rtc_encoder_ops {
	int (*encode_video)(struct rtc_encoder *e, const struct rtc_video_frame *frame,
			    bool key_frame, struct rtc_encoded *out, struct rtc_error *err);
	int (*encode_audio)(struct rtc_encoder *e, const struct rtc_audio_frame *frame,
			    struct rtc_encoded *out, struct rtc_error *err);
	int (*set_bitrate)(struct rtc_encoder *e, uint32_t bitrate, struct rtc_error *err);
	void (*set_packet_loss)(struct rtc_encoder *e, unsigned percent);
	void (*free)(struct rtc_encoder *e);
};

struct rtc_encoder {
	const struct rtc_encoder_ops *ops;
	struct rtc_encoder_config cfg;  /* defaults filled in; bitrate is the current one */
	bool key_frame_requested;
	/* The picture's time for rate control, from 0 at the first frame:
	 * its capture time, or one frame interval on when capture times do
	 * not advance by 1 ms..10 s (tests, a bad clock). Frames dropped
	 * before the encoder thus still count as time passed. */
	uint64_t time_ns;
	uint64_t duration_ns;           /* since the previous picture */
	uint64_t last_capture_ns;
	bool timed;
};

struct rtc_decoder_ops {
	/* 1, 0 or -1 as rtc_decoder_decode_video; *key_frame says whether
	 * the input was one (from the bitstream). */
	int (*decode_video)(struct rtc_decoder *d, const uint8_t *data, size_t len,
			    bool *key_frame, struct rtc_video_frame **out, struct rtc_error *err);
	int (*decode_audio)(struct rtc_decoder *d, const uint8_t *data, size_t len,
			    struct rtc_audio_frame **out, struct rtc_error *err);
	int (*conceal_audio)(struct rtc_decoder *d, unsigned samples, const uint8_t *fec,
			     size_t fec_len, struct rtc_audio_frame **out, struct rtc_error *err);
	void (*free)(struct rtc_decoder *d);
};

struct rtc_decoder {
	const struct rtc_decoder_ops *ops;
	struct rtc_decoder_config cfg;
	bool needs_key_frame;
};

/* Constructors of each codec; cfg already checked and defaulted. */
struct rtc_encoder *rtc_opus_encoder_new(const struct rtc_encoder_config *cfg, struct rtc_error *err);
struct rtc_encoder *rtc_vp8_encoder_new(const struct rtc_encoder_config *cfg, struct rtc_error *err);
struct rtc_encoder *rtc_h264_encoder_new(const struct rtc_encoder_config *cfg, struct rtc_error *err);
struct rtc_decoder *rtc_opus_decoder_new(const struct rtc_decoder_config *cfg, struct rtc_error *err);
struct rtc_decoder *rtc_vp8_decoder_new(const struct rtc_decoder_config *cfg, struct rtc_error *err);
struct rtc_decoder *rtc_h264_decoder_new(const struct rtc_decoder_config *cfg, struct rtc_error *err);

/* Makes room for len more bytes after out->len. -1 with an OperationError. */
int rtc_encoded_reserve(struct rtc_encoded *out, size_t len, struct rtc_error *err);

/* Copies an I420 picture (any strides) into a new tight frame, cropping odd
 * sizes to even. NULL with a SyntaxError for an empty or oversized one. */
struct rtc_video_frame *rtc_video_frame_copy_i420(const uint8_t *const plane[3],
						  const int stride[3], uint32_t width,
						  uint32_t height, struct rtc_error *err);

/* engine/stream/codec.h's names without linking the stream library. */
static inline const char *rtc_codec_label(enum rtc_codec codec)
{
	return codec == RTC_CODEC_OPUS ? "Opus" : codec == RTC_CODEC_VP8 ? "VP8" :
	       codec == RTC_CODEC_H264 ? "H.264" : "no codec";
}

/* True if an Annex-B buffer holds an IDR slice (NAL type 5) after a start
 * code: what makes an H.264 access unit a key frame. */
static inline bool rtc_annexb_has_idr(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == 0 && buf[i + 1] == 0 && buf[i + 2] == 1 && (buf[i + 3] & 0x1f) == 5)
			return true;
	return false;
}
