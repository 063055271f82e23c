/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opus decoder (libopus): one packet to PCM, and a lost frame filled from
 * the next packet's in-band FEC or, without it, by packet loss concealment.
 */
#include "media/codec/codec-impl.h"

#include <opus.h>
#include <stdlib.h>

struct opus_decoder {
	struct rtc_decoder base;
	OpusDecoder *dec;
};

/* A frame for `samples`, decoded straight into it. */
static int decode_into(struct opus_decoder *d, const uint8_t *data, size_t len, int samples,
		       bool fec, struct rtc_audio_frame **out, struct rtc_error *err)
{
	struct rtc_audio_frame *f = rtc_audio_frame_new(48000, d->base.cfg.channels, (uint32_t)samples);

	if (!f)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for %d samples", samples);
	int n = opus_decode(d->dec, data, (opus_int32)len, f->pcm, samples, fec);
	if (n != samples) {
		rtc_audio_frame_free(f);
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus packet does not decode: %s",
				     n < 0 ? opus_strerror(n) : "short");
	}
	*out = f;
	return 1;
}

static int opus_decode_audio(struct rtc_decoder *base, const uint8_t *data, size_t len,
			     struct rtc_audio_frame **out, struct rtc_error *err)
{
	struct opus_decoder *d = (struct opus_decoder *)base;

	if (len > 1500)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus packet of %zu bytes is too long", len);
	/* The packet's own length check (RFC 6716 3.4) and duration first. */
	int n = opus_decoder_get_nb_samples(d->dec, data, (opus_int32)len);
	if (n < 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus packet does not decode: %s",
				     opus_strerror(n));
	if (n == 0 || n > (int)RTC_DECODER_MAX_AUDIO_SAMPLES)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus packet of %d samples (1..%u)", n,
				     RTC_DECODER_MAX_AUDIO_SAMPLES);
	return decode_into(d, data, len, n, false, out, err);
}

static int opus_conceal_audio(struct rtc_decoder *base, unsigned samples, const uint8_t *fec,
			      size_t fec_len, struct rtc_audio_frame **out, struct rtc_error *err)
{
	struct opus_decoder *d = (struct opus_decoder *)base;
	opus_int32 last = 0;

	if (!samples) {
		opus_decoder_ctl(d->dec, OPUS_GET_LAST_PACKET_DURATION(&last));
		samples = last > 0 && last <= (opus_int32)RTC_DECODER_MAX_AUDIO_SAMPLES ?
			  (unsigned)last : 960;
	}
	/* With decode_fec the packet's FEC for the frame before it is decoded
	 * (PLC if it has none); an invalid next packet falls back to PLC. */
	if (fec && fec_len <= 1500 && opus_packet_get_nb_frames(fec, (opus_int32)fec_len) > 0 &&
	    decode_into(d, fec, fec_len, (int)samples, true, out, err) == 1)
		return 1;
	if (decode_into(d, NULL, 0, (int)samples, false, out, err) == 1)
		return 1;
	return rtc_error_set(err, RTC_ERROR_OPERATION, "Opus concealment of %u samples failed",
			     samples);
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
