/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * H.264 decoder (openh264): one Annex-B access unit in, its picture out at
 * once (DecodeFrameNoDelay). openh264's error concealment is off: a broken
 * frame is an error and the caller asks for a key frame, rather than
 * showing a concealed guess.
 */
#include "media/codec/codec-impl.h"

#include <stdlib.h>
#include <wels/codec_api.h>

struct h264_decoder {
	struct rtc_decoder base;
	ISVCDecoder *dec;
};

static int h264_decode_video(struct rtc_decoder *base, const uint8_t *data, size_t len,
			     bool *key_frame, struct rtc_video_frame **out, struct rtc_error *err)
{
	struct h264_decoder *d = (struct h264_decoder *)base;
	uint8_t *planes[3] = { NULL };
	SBufferInfo info = { 0 };

	*key_frame = rtc_annexb_has_idr(data, len);
	if (!*key_frame && base->needs_key_frame)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "H.264 frame without IDR while a key frame is needed");
	if (len > INT32_MAX)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "H.264 access unit too long");
	DECODING_STATE state = (*d->dec)->DecodeFrameNoDelay(d->dec, data, (int)len, planes, &info);
	if (state != dsErrorFree)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "H.264 access unit does not decode (state 0x%x)",
				     (unsigned)state);
	if (info.iBufferStatus != 1)
		return 0;               /* parameter sets only, or no complete picture */
	const SSysMEMBuffer *b = &info.UsrData.sSystemBuffer;
	if (!planes[0] || !planes[1] || !planes[2] || b->iWidth <= 0 || b->iHeight <= 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "H.264 picture without planes");
	const uint8_t *const p[3] = { planes[0], planes[1], planes[2] };
	const int stride[3] = { b->iStride[0], b->iStride[1], b->iStride[1] };
	*out = rtc_video_frame_copy_i420(p, stride, (uint32_t)b->iWidth, (uint32_t)b->iHeight, err);
	return *out ? 1 : -1;
}

static void h264_decoder_free(struct rtc_decoder *base)
{
	struct h264_decoder *d = (struct h264_decoder *)base;

	(*d->dec)->Uninitialize(d->dec);
	WelsDestroyDecoder(d->dec);
	free(d);
}

static const struct rtc_decoder_ops h264_decoder_ops = {
	.decode_video = h264_decode_video,
	.free = h264_decoder_free,
};

struct rtc_decoder *rtc_h264_decoder_new(const struct rtc_decoder_config *cfg, struct rtc_error *err)
{
	struct h264_decoder *d = calloc(1, sizeof(*d));
	SDecodingParam param = {
		.eEcActiveIdc = ERROR_CON_DISABLE,
		.sVideoProperty = { .size = sizeof(SVideoProperty), .eVideoBsType = VIDEO_BITSTREAM_AVC },
	};

	if (!d) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for an H.264 decoder");
		return NULL;
	}
	d->base.ops = &h264_decoder_ops;
	d->base.cfg = *cfg;
	if (WelsCreateDecoder(&d->dec) != 0 || !d->dec) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "H.264: WelsCreateDecoder failed");
		free(d);
		return NULL;
	}
	int quiet = WELS_LOG_QUIET;
	(*d->dec)->SetOption(d->dec, DECODER_OPTION_TRACE_LEVEL, &quiet);
	if ((*d->dec)->Initialize(d->dec, &param) != 0) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "H.264 decoder refused its parameters");
		WelsDestroyDecoder(d->dec);
		free(d);
		return NULL;
	}
	return &d->base;
}
