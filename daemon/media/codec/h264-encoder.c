/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * H.264 encoder (openh264), constrained baseline for real time: CAVLC, one
 * reference frame, one slice, bitrate rate control with frame skipping,
 * constant SPS/PPS ids (repeated before every IDR), no periodic IDR (key
 * frames on request). Its output is Annex-B with 4-byte start codes, what
 * engine/packetize/h264.h takes. A new picture size re-initialises it.
 */
#include "media/codec/codec-impl.h"

#include <stdlib.h>
#include <string.h>
#include <wels/codec_api.h>

#ifndef RTC_H264_COMPLEXITY
#define RTC_H264_COMPLEXITY LOW_COMPLEXITY
#endif

struct h264_encoder {
	struct rtc_encoder base;
	ISVCEncoder *enc;
	bool initialized;
	uint32_t width, height;
};

static int h264_init(struct h264_encoder *e, uint32_t width, uint32_t height, struct rtc_error *err)
{
	const struct rtc_encoder_config *cfg = &e->base.cfg;
	SEncParamExt p;

	if ((*e->enc)->GetDefaultParams(e->enc, &p) != cmResultSuccess)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "H.264: no default parameters");
	p.iUsageType = CAMERA_VIDEO_REAL_TIME;
	p.iPicWidth = (int)width;
	p.iPicHeight = (int)height;
	p.iTargetBitrate = (int)cfg->bitrate;
	p.iMaxBitrate = UNSPECIFIED_BIT_RATE;
	p.iRCMode = RC_BITRATE_MODE;
	p.fMaxFrameRate = (float)cfg->framerate;
	p.bEnableFrameSkip = true;
	p.uiIntraPeriod = 0;
	p.iNumRefFrame = 1;
	p.eSpsPpsIdStrategy = CONSTANT_ID;
	p.bPrefixNalAddingCtrl = false;
	p.iEntropyCodingModeFlag = 0;   /* CAVLC: baseline */
	p.iComplexityMode = RTC_H264_COMPLEXITY;
	p.iMultipleThreadIdc = (unsigned short)cfg->threads;
	p.bEnableDenoise = false;
	p.bEnableBackgroundDetection = true;
	p.bEnableAdaptiveQuant = true;
	p.bEnableSceneChangeDetect = true;
	p.bEnableLongTermReference = false;
	p.iTemporalLayerNum = 1;
	p.iSpatialLayerNum = 1;
	SSpatialLayerConfig *l = &p.sSpatialLayers[0];
	l->iVideoWidth = (int)width;
	l->iVideoHeight = (int)height;
	l->fFrameRate = p.fMaxFrameRate;
	l->iSpatialBitrate = p.iTargetBitrate;
	l->iMaxSpatialBitrate = p.iMaxBitrate;
	l->uiProfileIdc = PRO_BASELINE;
	l->sSliceArgument.uiSliceMode = SM_FIXEDSLCNUM_SLICE;
	l->sSliceArgument.uiSliceNum = cfg->threads;
	if ((*e->enc)->InitializeExt(e->enc, &p) != cmResultSuccess)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "H.264: %ux%u at %u bit/s refused",
				     width, height, cfg->bitrate);
	e->initialized = true;
	int format = videoFormatI420;
	(*e->enc)->SetOption(e->enc, ENCODER_OPTION_DATAFORMAT, &format);
	e->width = width;
	e->height = height;
	return 0;
}

static void h264_uninit(struct h264_encoder *e)
{
	if (e->initialized)
		(*e->enc)->Uninitialize(e->enc);
	e->initialized = false;
}

static int h264_encode_video(struct rtc_encoder *base, const struct rtc_video_frame *frame,
			     bool key_frame, struct rtc_encoded *out, struct rtc_error *err)
{
	struct h264_encoder *e = (struct h264_encoder *)base;
	SFrameBSInfo info;
	SSourcePicture pic = {
		.iColorFormat = videoFormatI420,
		.iPicWidth = (int)frame->width,
		.iPicHeight = (int)frame->height,
		.uiTimeStamp = (long long)(base->time_ns / 1000000),   /* ms */
	};

	if (!e->initialized || frame->width != e->width || frame->height != e->height) {
		h264_uninit(e);
		if (h264_init(e, frame->width, frame->height, err) < 0)
			return -1;
	}
	for (unsigned p = 0; p < 3; p++) {
		pic.iStride[p] = (int)frame->stride[p];
		pic.pData[p] = frame->plane[p];
	}
	if (key_frame)
		(*e->enc)->ForceIntraFrame(e->enc, true);
	memset(&info, 0, sizeof(info));
	if ((*e->enc)->EncodeFrame(e->enc, &pic, &info) != cmResultSuccess)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "H.264: EncodeFrame failed");
	if (info.eFrameType == videoFrameTypeSkip || info.eFrameType == videoFrameTypeInvalid)
		return 0;
	for (int i = 0; i < info.iLayerNum; i++) {
		const SLayerBSInfo *layer = &info.sLayerInfo[i];
		size_t len = 0;
		for (int n = 0; n < layer->iNalCount; n++)
			len += (size_t)layer->pNalLengthInByte[n];
		if (rtc_encoded_reserve(out, len, err) < 0)
			return -1;
		memcpy(out->data + out->len, layer->pBsBuf, len);
		out->len += len;
	}
	if (out->len == 0)
		return 0;
	out->key_frame = rtc_annexb_has_idr(out->data, out->len);
	return 1;
}

static int h264_set_bitrate(struct rtc_encoder *base, uint32_t bitrate, struct rtc_error *err)
{
	struct h264_encoder *e = (struct h264_encoder *)base;
	SBitrateInfo info = { .iLayer = SPATIAL_LAYER_ALL, .iBitrate = (int)bitrate };

	if (e->initialized &&
	    (*e->enc)->SetOption(e->enc, ENCODER_OPTION_BITRATE, &info) != cmResultSuccess)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "H.264: bitrate %u refused", bitrate);
	return 0;
}

static void h264_encoder_free(struct rtc_encoder *base)
{
	struct h264_encoder *e = (struct h264_encoder *)base;

	h264_uninit(e);
	WelsDestroySVCEncoder(e->enc);
	free(e);
}

static const struct rtc_encoder_ops h264_encoder_ops = {
	.encode_video = h264_encode_video,
	.set_bitrate = h264_set_bitrate,
	.free = h264_encoder_free,
};

struct rtc_encoder *rtc_h264_encoder_new(const struct rtc_encoder_config *cfg, struct rtc_error *err)
{
	struct h264_encoder *e = calloc(1, sizeof(*e));

	if (!e) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for an H.264 encoder");
		return NULL;
	}
	e->base.ops = &h264_encoder_ops;
	e->base.cfg = *cfg;
	if (WelsCreateSVCEncoder(&e->enc) != 0 || !e->enc) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "H.264: WelsCreateSVCEncoder failed");
		free(e);
		return NULL;
	}
	int quiet = WELS_LOG_QUIET;
	(*e->enc)->SetOption(e->enc, ENCODER_OPTION_TRACE_LEVEL, &quiet);
	if (h264_init(e, cfg->width, cfg->height, err) < 0) {
		h264_encoder_free(&e->base);
		return NULL;
	}
	return &e->base;
}
