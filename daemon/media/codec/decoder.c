/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decoder interface: argument checks common to all codecs and the
 * "wait for a key frame" rule of video decoders; the codec files decode.
 */
#include "media/codec/codec-impl.h"

#include <string.h>

struct rtc_decoder *rtc_decoder_new(const struct rtc_decoder_config *config, struct rtc_error *err)
{
	struct rtc_decoder_config cfg = *config;
	struct rtc_decoder *d = NULL;

	if (!cfg.channels)
		cfg.channels = 1;
	switch (cfg.codec) {
	case RTC_CODEC_OPUS:
		if (cfg.channels > 2) {
			rtc_error_set(err, RTC_ERROR_TYPE, "Opus decodes to 1 or 2 channels, not %u",
				      cfg.channels);
			return NULL;
		}
		d = rtc_opus_decoder_new(&cfg, err);
		break;
	case RTC_CODEC_VP8:
		d = rtc_vp8_decoder_new(&cfg, err);
		break;
	case RTC_CODEC_H264:
		d = rtc_h264_decoder_new(&cfg, err);
		break;
	case RTC_CODEC_NONE:
	default:
		rtc_error_set(err, RTC_ERROR_TYPE, "no decoder for codec %d", (int)cfg.codec);
		return NULL;
	}
	if (d)
		d->needs_key_frame = d->ops->decode_video != NULL;
	return d;
}

void rtc_decoder_free(struct rtc_decoder *d)
{
	if (d)
		d->ops->free(d);
}

enum rtc_codec rtc_decoder_codec(const struct rtc_decoder *d)
{
	return d->cfg.codec;
}

bool rtc_decoder_needs_key_frame(const struct rtc_decoder *d)
{
	return d->needs_key_frame;
}

int rtc_decoder_decode_video(struct rtc_decoder *d, const uint8_t *data, size_t len,
			     struct rtc_video_frame **out, struct rtc_error *err)
{
	bool key_frame = false;

	*out = NULL;
	if (!d->ops->decode_video)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%s does not decode video",
				     rtc_codec_label(d->cfg.codec));
	if (!data || len == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty %s frame",
				     rtc_codec_label(d->cfg.codec));
	int r = d->ops->decode_video(d, data, len, &key_frame, out, err);
	if (r < 0) {
		d->needs_key_frame = true;
		return -1;
	}
	if (key_frame && r == 1)
		d->needs_key_frame = false;
	return r;
}

int rtc_decoder_decode_audio(struct rtc_decoder *d, const uint8_t *data, size_t len,
			     struct rtc_audio_frame **out, struct rtc_error *err)
{
	*out = NULL;
	if (!d->ops->decode_audio)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%s does not decode audio",
				     rtc_codec_label(d->cfg.codec));
	if (!data || len == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty Opus packet");
	return d->ops->decode_audio(d, data, len, out, err);
}

int rtc_decoder_conceal_audio(struct rtc_decoder *d, unsigned samples, const uint8_t *fec,
			      size_t fec_len, struct rtc_audio_frame **out, struct rtc_error *err)
{
	*out = NULL;
	if (!d->ops->conceal_audio)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%s does not decode audio",
				     rtc_codec_label(d->cfg.codec));
	if (samples % 120 || samples > RTC_DECODER_MAX_AUDIO_SAMPLES)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "a gap of %u samples is not a multiple of 2.5 ms up to 120 ms",
				     samples);
	return d->ops->conceal_audio(d, samples, fec_len ? fec : NULL, fec ? fec_len : 0, out, err);
}

struct rtc_video_frame *rtc_video_frame_copy_i420(const uint8_t *const plane[3],
						  const int stride[3], uint32_t width,
						  uint32_t height, struct rtc_error *err)
{
	width &= ~1u;
	height &= ~1u;
	struct rtc_video_frame *f = rtc_video_frame_new(width, height);
	if (!f) {
		rtc_error_set(err, RTC_ERROR_SYNTAX, "decoded picture of %ux%u is empty or too large",
			      width, height);
		return NULL;
	}
	for (unsigned p = 0; p < 3; p++) {
		uint32_t w = p ? width / 2 : width, h = p ? height / 2 : height;
		for (uint32_t y = 0; y < h; y++)
			memcpy(f->plane[p] + (size_t)y * f->stride[p],
			       plane[p] + (ptrdiff_t)y * stride[p], w);
	}
	return f;
}
