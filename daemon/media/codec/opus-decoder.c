/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opus decoder (libopus): one packet to PCM, and a lost frame filled from
 * the next packet's in-band FEC or, without it, by packet loss concealment.
 */
#include "media/codec/codec-impl.h"

#include <opus.h>
#include <stdlib.h>
#include <string.h>

struct opus_decoder {
	struct rtc_decoder base;
	OpusDecoder *dec;
	int16_t pcm[RTC_DECODER_MAX_AUDIO_SAMPLES * 2];
};

/* The decoded samples into a new frame of their own. */
static int emit(struct opus_decoder *d, int samples, struct rtc_audio_frame **out,
		struct rtc_error *err)
{
	uint32_t channels = d->base.cfg.channels;
	struct rtc_audio_frame *f = rtc_audio_frame_new(48000, channels, (uint32_t)samples);

	if (!f)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for %d samples", samples);
	memcpy(f->pcm, d->pcm, (size_t)samples * channels * sizeof(int16_t));
	*out = f;
	return 1;
}

static int opus_decode_audio(struct rtc_decoder *base, const uint8_t *data, size_t len,
			     struct rtc_audio_frame **out, struct rtc_error *err)
{
	struct opus_decoder *d = (struct opus_decoder *)base;

	if (len > 1500)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus packet of %zu bytes is too long", len);
	int n = opus_decode(d->dec, data, (opus_int32)len, d->pcm, RTC_DECODER_MAX_AUDIO_SAMPLES, 0);
	if (n < 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus packet does not decode: %s",
				     opus_strerror(n));
	if (n == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus packet holds no samples");
	return emit(d, n, out, err);
}

static int opus_conceal_audio(struct rtc_decoder *base, unsigned samples, const uint8_t *fec,
			      size_t fec_len, struct rtc_audio_frame **out, struct rtc_error *err)
{
	struct opus_decoder *d = (struct opus_decoder *)base;
	opus_int32 last = 0;
	int n = -1;

	if (!samples) {
		opus_decoder_ctl(d->dec, OPUS_GET_LAST_PACKET_DURATION(&last));
		samples = last > 0 && last <= (opus_int32)RTC_DECODER_MAX_AUDIO_SAMPLES ?
			  (unsigned)last : 960;
	}
	/* With decode_fec the packet's FEC for the frame before it is decoded
	 * (PLC if it has none); an invalid next packet falls back to PLC. */
	if (fec && fec_len <= 1500)
		n = opus_decode(d->dec, fec, (opus_int32)fec_len, d->pcm, (int)samples, 1);
	if (n < 0)
		n = opus_decode(d->dec, NULL, 0, d->pcm, (int)samples, 0);
	if (n < 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "Opus concealment: %s",
				     opus_strerror(n));
	return emit(d, n, out, err);
}

static void opus_decoder_free(struct rtc_decoder *base)
{
	struct opus_decoder *d = (struct opus_decoder *)base;

	opus_decoder_destroy(d->dec);
	free(d);
}

static const struct rtc_decoder_ops opus_decoder_ops = {
	.decode_audio = opus_decode_audio,
	.conceal_audio = opus_conceal_audio,
	.free = opus_decoder_free,
};

struct rtc_decoder *rtc_opus_decoder_new(const struct rtc_decoder_config *cfg, struct rtc_error *err)
{
	struct opus_decoder *d = calloc(1, sizeof(*d));
	int r;

	if (!d) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for an Opus decoder");
		return NULL;
	}
	d->base.ops = &opus_decoder_ops;
	d->base.cfg = *cfg;
	d->dec = opus_decoder_create(48000, (int)cfg->channels, &r);
	if (!d->dec) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "opus_decoder_create: %s", opus_strerror(r));
		free(d);
		return NULL;
	}
	return &d->base;
}
