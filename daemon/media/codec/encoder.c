/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The encoder interface: checks and defaults common to all codecs, the
 * sticky key frame request, the output buffer; the codec files do the rest.
 */
#include "media/codec/codec-impl.h"

#include <stdlib.h>

void rtc_encoded_release(struct rtc_encoded *out)
{
	free(out->data);
	*out = (struct rtc_encoded){ 0 };
}

int rtc_encoded_reserve(struct rtc_encoded *out, size_t len, struct rtc_error *err)
{
	if (out->cap - out->len >= len)
		return 0;
	size_t cap = out->cap ? out->cap : 4096;
	while (cap - out->len < len)
		cap *= 2;
	uint8_t *data = realloc(out->data, cap);
	if (!data)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for %zu encoded bytes", cap);
	out->data = data;
	out->cap = cap;
	return 0;
}

static bool bitrate_in_range(uint32_t bitrate)
{
	return bitrate >= RTC_ENCODER_MIN_BITRATE && bitrate <= RTC_ENCODER_MAX_BITRATE;
}

struct rtc_encoder *rtc_encoder_new(const struct rtc_encoder_config *config, struct rtc_error *err)
{
	struct rtc_encoder_config cfg = *config;

	if (!bitrate_in_range(cfg.bitrate)) {
		rtc_error_set(err, RTC_ERROR_RANGE, "bitrate %u outside %u..%u", cfg.bitrate,
			      RTC_ENCODER_MIN_BITRATE, RTC_ENCODER_MAX_BITRATE);
		return NULL;
	}
	if (!cfg.framerate)
		cfg.framerate = 30;
	if (!cfg.threads)
		cfg.threads = 1;
	if (!cfg.channels)
		cfg.channels = 1;
	if (!cfg.expected_loss_percent)
		cfg.expected_loss_percent = 10;
	if (cfg.codec == RTC_CODEC_VP8 || cfg.codec == RTC_CODEC_H264) {
		if (!cfg.width || !cfg.height || cfg.width % 2 || cfg.height % 2 ||
		    cfg.width > RTC_VIDEO_MAX_DIMENSION || cfg.height > RTC_VIDEO_MAX_DIMENSION) {
			rtc_error_set(err, RTC_ERROR_TYPE, "video size %ux%u is not even or not 2..%u",
				      cfg.width, cfg.height, RTC_VIDEO_MAX_DIMENSION);
			return NULL;
		}
		if (cfg.framerate > 240 || cfg.threads > 16) {
			rtc_error_set(err, RTC_ERROR_TYPE, "frame rate %u or threads %u out of range",
				      cfg.framerate, cfg.threads);
			return NULL;
		}
	}
	switch (cfg.codec) {
	case RTC_CODEC_OPUS:
		if (cfg.channels > 2) {
			rtc_error_set(err, RTC_ERROR_TYPE, "Opus takes 1 or 2 channels, not %u",
				      cfg.channels);
			return NULL;
		}
		return rtc_opus_encoder_new(&cfg, err);
	case RTC_CODEC_VP8:
		return rtc_vp8_encoder_new(&cfg, err);
	case RTC_CODEC_H264:
		return rtc_h264_encoder_new(&cfg, err);
	case RTC_CODEC_NONE:
		break;
	}
	rtc_error_set(err, RTC_ERROR_TYPE, "no encoder for codec %d", (int)cfg.codec);
	return NULL;
}

void rtc_encoder_free(struct rtc_encoder *e)
{
	if (e)
		e->ops->free(e);
}

enum rtc_codec rtc_encoder_codec(const struct rtc_encoder *e)
{
	return e->cfg.codec;
}

static void advance_time(struct rtc_encoder *e, uint64_t capture_ns)
{
	uint64_t interval = 1000000000ull / e->cfg.framerate;

	if (!e->timed) {
		e->timed = true;
		e->time_ns = 0;
		e->duration_ns = interval;
	} else if (capture_ns >= e->last_capture_ns + 1000000 &&
		   capture_ns - e->last_capture_ns < 10 * 1000000000ull) {
		e->duration_ns = capture_ns - e->last_capture_ns;
		e->time_ns += e->duration_ns;
	} else {
		e->duration_ns = interval;
		e->time_ns += interval;
	}
	e->last_capture_ns = capture_ns;
}

int rtc_encoder_encode_video(struct rtc_encoder *e, const struct rtc_video_frame *frame,
			     struct rtc_encoded *out, struct rtc_error *err)
{
	if (!e->ops->encode_video)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%s does not encode video",
				     rtc_codec_label(e->cfg.codec));
	if (!frame->width || !frame->height || frame->width % 2 || frame->height % 2 ||
	    frame->width > RTC_VIDEO_MAX_DIMENSION || frame->height > RTC_VIDEO_MAX_DIMENSION)
		return rtc_error_set(err, RTC_ERROR_TYPE, "frame size %ux%u is not even or too large",
				     frame->width, frame->height);
	out->len = 0;
	out->key_frame = false;
	out->samples = 0;
	out->talkspurt_start = false;
	out->capture_ns = frame->capture_ns;
	out->width = frame->width;
	out->height = frame->height;
	advance_time(e, frame->capture_ns);
	int r = e->ops->encode_video(e, frame, e->key_frame_requested, out, err);
	/* A skipped frame keeps the request: the next one must be key. */
	if (r == 1 && out->key_frame)
		e->key_frame_requested = false;
	return r;
}

int rtc_encoder_encode_audio(struct rtc_encoder *e, const struct rtc_audio_frame *frame,
			     struct rtc_encoded *out, struct rtc_error *err)
{
	if (!e->ops->encode_audio)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%s does not encode audio",
				     rtc_codec_label(e->cfg.codec));
	out->len = 0;
	out->key_frame = false;
	out->width = out->height = 0;
	out->talkspurt_start = false;
	out->capture_ns = frame->capture_ns;
	return e->ops->encode_audio(e, frame, out, err);
}

int rtc_encoder_set_bitrate(struct rtc_encoder *e, uint32_t bitrate, struct rtc_error *err)
{
	if (!bitrate_in_range(bitrate))
		return rtc_error_set(err, RTC_ERROR_RANGE, "bitrate %u outside %u..%u", bitrate,
				     RTC_ENCODER_MIN_BITRATE, RTC_ENCODER_MAX_BITRATE);
	if (bitrate == e->cfg.bitrate)
		return 0;
	if (e->ops->set_bitrate(e, bitrate, err) < 0)
		return -1;
	e->cfg.bitrate = bitrate;
	return 0;
}

uint32_t rtc_encoder_bitrate(const struct rtc_encoder *e)
{
	return e->cfg.bitrate;
}

void rtc_encoder_set_packet_loss(struct rtc_encoder *e, unsigned percent)
{
	if (percent > 100)
		percent = 100;
	if (e->ops->set_packet_loss)
		e->ops->set_packet_loss(e, percent);
}

void rtc_encoder_request_key_frame(struct rtc_encoder *e)
{
	if (e->ops->encode_video)
		e->key_frame_requested = true;
}
