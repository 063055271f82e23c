/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VP8 encoder (libvpx) with libwebrtc's real-time settings: one pass, no
 * lag, CBR with a 1 s buffer, error resilient, frame dropping when the
 * buffer runs dry, and a fast speed (cpu-used, see RTC_VP8_CPU_USED).
 * A bitrate change is a config update; a new picture size re-creates the
 * encoder (which starts with a key frame).
 */
#include "media/codec/codec-impl.h"

#include <stdlib.h>
#include <string.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

/* libwebrtc uses -6 on x86; measured here (bench-codec, one core,
 * 720p30 pattern at 1.5 Mbit/s) -6 encodes a frame in a few ms. */
#ifndef RTC_VP8_CPU_USED
#define RTC_VP8_CPU_USED -6
#endif

struct vp8_encoder {
	struct rtc_encoder base;
	vpx_codec_ctx_t ctx;
	vpx_codec_enc_cfg_t vcfg;
	bool open;
	uint32_t width, height;
};

static int vpx_fail(struct vp8_encoder *e, const char *what, struct rtc_error *err)
{
	return rtc_error_set(err, RTC_ERROR_OPERATION, "VP8 %s: %s (%s)", what,
			     vpx_codec_error(&e->ctx), vpx_codec_error_detail(&e->ctx) ?
			     vpx_codec_error_detail(&e->ctx) : "");
}

static int vp8_open(struct vp8_encoder *e, uint32_t width, uint32_t height, struct rtc_error *err)
{
	const struct rtc_encoder_config *cfg = &e->base.cfg;
	vpx_codec_enc_cfg_t *c = &e->vcfg;

	if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), c, 0) != VPX_CODEC_OK)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "VP8: no default config");
	c->g_w = width;
	c->g_h = height;
	c->g_threads = cfg->threads;
	c->g_timebase = (struct vpx_rational){ 1, 90000 };
	c->g_lag_in_frames = 0;
	c->g_pass = VPX_RC_ONE_PASS;
	c->g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	c->rc_end_usage = VPX_CBR;
	c->rc_target_bitrate = cfg->bitrate / 1000;
	c->rc_min_quantizer = 2;
	c->rc_max_quantizer = 56;
	c->rc_undershoot_pct = 100;
	c->rc_overshoot_pct = 15;
	c->rc_buf_initial_sz = 500;
	c->rc_buf_optimal_sz = 600;
	c->rc_buf_sz = 1000;
	c->rc_dropframe_thresh = 30;    /* drop rather than blow the buffer */
	c->rc_resize_allowed = 0;
	/* Key frames only on request (PLI/FIR) or a new size. */
	c->kf_mode = VPX_KF_DISABLED;
	if (vpx_codec_enc_init(&e->ctx, vpx_codec_vp8_cx(), c, 0) != VPX_CODEC_OK)
		return vpx_fail(e, "init", err);
	e->open = true;
	/* Key frames may spend up to 9x an average frame (libwebrtc's
	 * MaxIntraTarget for a 600 ms buffer at 30 fps). */
	unsigned max_intra = 600 / 2 * cfg->framerate / 10;
	if (vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, RTC_VP8_CPU_USED) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, 1) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_TOKEN_PARTITIONS, VP8_ONE_TOKENPARTITION) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, max_intra) != VPX_CODEC_OK)
		return vpx_fail(e, "controls", err);
	e->width = width;
	e->height = height;
	return 0;
}

static void vp8_close(struct vp8_encoder *e)
{
	if (e->open)
		vpx_codec_destroy(&e->ctx);
	e->open = false;
}

static int vp8_encode_video(struct rtc_encoder *base, const struct rtc_video_frame *frame,
			    bool key_frame, struct rtc_encoded *out, struct rtc_error *err)
{
	struct vp8_encoder *e = (struct vp8_encoder *)base;
	vpx_image_t img;

	if (!e->open || frame->width != e->width || frame->height != e->height) {
		vp8_close(e);
		if (vp8_open(e, frame->width, frame->height, err) < 0) {
			vp8_close(e);
			return -1;
		}
	}
	if (!vpx_img_wrap(&img, VPX_IMG_FMT_I420, frame->width, frame->height, 1, frame->plane[0]))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "VP8: cannot wrap the picture");
	for (unsigned p = 0; p < 3; p++) {
		img.planes[p] = frame->plane[p];
		img.stride[p] = (int)frame->stride[p];
	}
	/* The 90 kHz timebase; pts must grow, also across a re-init. */
	vpx_codec_pts_t pts = (vpx_codec_pts_t)(base->time_ns * 9 / 100000);
	unsigned long duration = (unsigned long)(base->duration_ns * 9 / 100000);
	if (vpx_codec_encode(&e->ctx, &img, pts, duration ? duration : 1,
			     key_frame ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME) != VPX_CODEC_OK)
		return vpx_fail(e, "encode", err);

	vpx_codec_iter_t iter = NULL;
	const vpx_codec_cx_pkt_t *pkt;
	while ((pkt = vpx_codec_get_cx_data(&e->ctx, &iter))) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT)
			continue;
		if (rtc_encoded_reserve(out, pkt->data.frame.sz, err) < 0)
			return -1;
		memcpy(out->data + out->len, pkt->data.frame.buf, pkt->data.frame.sz);
		out->len += pkt->data.frame.sz;
	}
	if (out->len == 0)
		return 0;               /* rate control dropped it */
	/* The frame tag's P bit (RFC 6386 9.1), as a receiver sees it. */
	out->key_frame = !(out->data[0] & 0x01);
	return 1;
}

static int vp8_set_bitrate(struct rtc_encoder *base, uint32_t bitrate, struct rtc_error *err)
{
	struct vp8_encoder *e = (struct vp8_encoder *)base;

	e->vcfg.rc_target_bitrate = bitrate / 1000;
	if (e->open && vpx_codec_enc_config_set(&e->ctx, &e->vcfg) != VPX_CODEC_OK)
		return vpx_fail(e, "bitrate", err);
	return 0;
}

static void vp8_encoder_free(struct rtc_encoder *base)
{
	struct vp8_encoder *e = (struct vp8_encoder *)base;

	vp8_close(e);
	free(e);
}

static const struct rtc_encoder_ops vp8_encoder_ops = {
	.encode_video = vp8_encode_video,
	.set_bitrate = vp8_set_bitrate,
	.free = vp8_encoder_free,
};

struct rtc_encoder *rtc_vp8_encoder_new(const struct rtc_encoder_config *cfg, struct rtc_error *err)
{
	struct vp8_encoder *e = calloc(1, sizeof(*e));

	if (!e) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for a VP8 encoder");
		return NULL;
	}
	e->base.ops = &vp8_encoder_ops;
	e->base.cfg = *cfg;
	if (vp8_open(e, cfg->width, cfg->height, err) < 0) {
		vp8_encoder_free(&e->base);
		return NULL;
	}
	return &e->base;
}
