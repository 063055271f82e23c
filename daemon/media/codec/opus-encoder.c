/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opus encoder (libopus) as WebRTC uses it: 48 kHz, VOIP application,
 * in-band FEC sized by the loss the peer reports, DTX (silence sends
 * nothing; the first packet after it starts a talkspurt, RFC 7587 4.1).
 */
#include "media/codec/codec-impl.h"

#include <opus.h>
#include <stdlib.h>

/* RFC 7587 recommends at most 1275 bytes per frame; 20 ms at 510 kbit/s
 * is 1275, so this holds every packet libopus makes for us. */
#define OPUS_MAX_PACKET 1500

struct opus_encoder {
	struct rtc_encoder base;
	OpusEncoder *enc;
	bool in_dtx;                    /* the last frame sent nothing */
};

static int opus_encode_audio(struct rtc_encoder *base, const struct rtc_audio_frame *frame,
			     struct rtc_encoded *out, struct rtc_error *err)
{
	struct opus_encoder *e = (struct opus_encoder *)base;
	unsigned n = frame->samples;

	if (frame->sample_rate != 48000 || frame->channels != base->cfg.channels)
		return rtc_error_set(err, RTC_ERROR_TYPE, "Opus encoder takes 48000 Hz x %u, not %u x %u",
				     base->cfg.channels, frame->sample_rate, frame->channels);
	if (n != 120 && n != 240 && n != 480 && n != 960 && n != 1920 && n != 2880)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%u samples is no Opus frame duration", n);
	if (rtc_encoded_reserve(out, OPUS_MAX_PACKET, err) < 0)
		return -1;
	opus_int32 len = opus_encode(e->enc, frame->pcm, (int)n, out->data, OPUS_MAX_PACKET);
	if (len < 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "opus_encode: %s", opus_strerror(len));
	/* libopus marks DTX frames with packets of at most 2 bytes: not sent
	 * (libwebrtc does the same). */
	if (len <= 2) {
		e->in_dtx = true;
		return 0;
	}
	out->len = (size_t)len;
	out->samples = n;
	out->talkspurt_start = e->in_dtx;
	e->in_dtx = false;
	return 1;
}

static int opus_set_bitrate(struct rtc_encoder *base, uint32_t bitrate, struct rtc_error *err)
{
	struct opus_encoder *e = (struct opus_encoder *)base;
	int r = opus_encoder_ctl(e->enc, OPUS_SET_BITRATE((opus_int32)bitrate));

	if (r != OPUS_OK)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "Opus bitrate %u: %s", bitrate,
				     opus_strerror(r));
	return 0;
}

static void opus_set_packet_loss(struct rtc_encoder *base, unsigned percent)
{
	struct opus_encoder *e = (struct opus_encoder *)base;

	/* FEC costs bits only when the encoder expects loss; keep a little
	 * even on a clean path so one lost packet is still recovered. */
	opus_encoder_ctl(e->enc, OPUS_SET_PACKET_LOSS_PERC((int)(percent ? percent : 1)));
}

static void opus_encoder_free(struct rtc_encoder *base)
{
	struct opus_encoder *e = (struct opus_encoder *)base;

	opus_encoder_destroy(e->enc);
	free(e);
}

static const struct rtc_encoder_ops opus_encoder_ops = {
	.encode_audio = opus_encode_audio,
	.set_bitrate = opus_set_bitrate,
	.set_packet_loss = opus_set_packet_loss,
	.free = opus_encoder_free,
};

struct rtc_encoder *rtc_opus_encoder_new(const struct rtc_encoder_config *cfg, struct rtc_error *err)
{
	struct opus_encoder *e = calloc(1, sizeof(*e));
	int r;

	if (!e) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for an Opus encoder");
		return NULL;
	}
	e->base.ops = &opus_encoder_ops;
	e->base.cfg = *cfg;
	e->in_dtx = true;               /* the first packet starts a talkspurt */
	e->enc = opus_encoder_create(48000, (int)cfg->channels, OPUS_APPLICATION_VOIP, &r);
	if (!e->enc) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "opus_encoder_create: %s", opus_strerror(r));
		free(e);
		return NULL;
	}
	if (opus_encoder_ctl(e->enc, OPUS_SET_BITRATE((opus_int32)cfg->bitrate)) != OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_SET_INBAND_FEC(1)) != OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_SET_DTX(1)) != OPUS_OK ||
	    /* libwebrtc's desktop default: nearly the best quality, ~2/3 the cost. */
	    opus_encoder_ctl(e->enc, OPUS_SET_COMPLEXITY(9)) != OPUS_OK) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "Opus refused its settings (bitrate %u)",
			      cfg->bitrate);
		opus_encoder_free(&e->base);
		return NULL;
	}
	opus_set_packet_loss(&e->base, cfg->expected_loss_percent);
	return &e->base;
}
