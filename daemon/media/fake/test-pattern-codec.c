/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake camera's frames through real codecs at a low bitrate, the way
 * a receiver gets them: ten seconds of 640x480 at 30 fps encoded by libvpx
 * (VP8, realtime, CBR 300 kbit/s) and by openh264 (constrained baseline,
 * 300 kbit/s), decoded, and read — at full size and scaled down by 2. A
 * read frame must carry exactly the counter and capture time it was sent
 * with (a misread that passes the check fails this test), and nearly all
 * frames must read once rate control has settled. (Measured: every
 * frame also reads at 100 kbit/s with both codecs.)
 *
 * The codec libraries directly, not daemon/media/codec: this checks the
 * pattern, not rtcd's encoders.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>
#include <wels/codec_api.h>

#include "check.h"
#include "media/fake/camera.h"
#include "media/fake/pattern.h"
#include "media/raw/convert.h"

#define FRAMES 300
#define SETTLE 30              /* the first second: rate control finds its level */
#define KBPS 300
#define T0 1000000000000ull

struct sent {
	uint32_t counter;
	uint64_t capture_ns;
};

struct tally {
	unsigned decoded, skipped, read_full, read_half, wrong, late_missed;
	uint64_t bytes;
};

/* Reads a decoded frame, full size and halved, against what was sent. */
static void check_decoded(const struct rtc_video_frame *f, const struct sent *want,
			  unsigned index, struct tally *t)
{
	struct rtc_video_frame *half = rtc_video_frame_new(f->width / 2, f->height / 2);
	uint32_t c;
	uint64_t ns;
	bool full_ok = false, half_ok = false;

	t->decoded++;
	if (rtc_fake_pattern_read(f, &c, &ns)) {
		full_ok = c == want->counter && ns == want->capture_ns;
		t->wrong += !full_ok;
		t->read_full += full_ok;
	}
	rtc_raw_scale(f, half);
	if (rtc_fake_pattern_read(half, &c, &ns)) {
		half_ok = c == want->counter && ns == want->capture_ns;
		t->wrong += !half_ok;
		t->read_half += half_ok;
	}
	if (index >= SETTLE && (!full_ok || !half_ok))
		t->late_missed++;
	rtc_video_frame_free(half);
}

static void report(const char *codec, const struct tally *t)
{
	printf("# %s: %u frames decoded (%u skipped by the encoder), %.0f kbit/s, read %u full "
	       "size and %u halved, %u wrong, %u missed after the first second\n", codec,
	       t->decoded, t->skipped,
	       (double)t->bytes * 8 / 1000 / (FRAMES / 30.0), t->read_full, t->read_half,
	       t->wrong, t->late_missed);
	CHECK_INTEQ(t->decoded + t->skipped, FRAMES);
	/* openh264 may skip a frame to hold the rate (none to read then), but
	 * the pattern is made cheap enough that it hardly needs to. */
	CHECK(t->decoded >= FRAMES * 9 / 10);
	CHECK_INTEQ(t->wrong, 0);
	/* Not one frame may go unread once the rate has settled. */
	CHECK_INTEQ(t->late_missed, 0);
	/* The whole run stayed near the target (frames were really coded
	 * that small, the band was not read from a lossless stream). */
	CHECK(t->bytes * 8 / 1000 / (FRAMES / 30) < 2 * KBPS);
}

static struct rtc_fake_camera *camera(void)
{
	struct rtc_fake_camera_config config;
	struct rtc_error err = { 0 };

	rtc_fake_camera_config_default(&config);
	return rtc_fake_camera_new(&config, T0, &err);
}

/* Wraps a frame's planes as a vpx image (no copy). */
static void wrap_vpx(vpx_image_t *img, struct rtc_video_frame *f)
{
	vpx_img_wrap(img, VPX_IMG_FMT_I420, f->width, f->height, 1, f->plane[0]);
	for (int i = 0; i < 3; i++) {
		img->planes[i] = f->plane[i];
		img->stride[i] = (int)f->stride[i];
	}
}

static struct rtc_video_frame *from_planes(unsigned char *const planes[3], const int strides[3],
					   uint32_t w, uint32_t h)
{
	struct rtc_video_frame *f = rtc_video_frame_new(w, h);

	for (int i = 0; i < 3; i++) {
		uint32_t pw = i ? w / 2 : w, ph = i ? h / 2 : h;

		for (uint32_t y = 0; y < ph; y++)
			memcpy(f->plane[i] + (size_t)y * f->stride[i],
			       planes[i] + (size_t)y * (size_t)strides[i], pw);
	}
	return f;
}

static void test_vp8_at_300_kbits(void)
{
	vpx_codec_ctx_t enc, dec;
	vpx_codec_enc_cfg_t cfg;
	struct rtc_fake_camera *cam = camera();
	struct sent sent[FRAMES];
	struct tally t = { 0 };

	vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0);
	cfg.g_w = 640;
	cfg.g_h = 480;
	cfg.g_timebase = (struct vpx_rational){ 1, 30 };
	cfg.rc_target_bitrate = KBPS;
	cfg.rc_end_usage = VPX_CBR;
	cfg.g_lag_in_frames = 0;
	cfg.g_threads = 1;
	cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	cfg.kf_max_dist = 3000;
	cfg.rc_min_quantizer = 2;
	cfg.rc_max_quantizer = 56;       /* as libwebrtc */
	cfg.rc_undershoot_pct = 100;
	cfg.rc_overshoot_pct = 15;
	cfg.rc_buf_initial_sz = 500;
	cfg.rc_buf_optimal_sz = 600;
	cfg.rc_buf_sz = 1000;
	CHECK(vpx_codec_enc_init(&enc, vpx_codec_vp8_cx(), &cfg, 0) == VPX_CODEC_OK);
	vpx_codec_control(&enc, VP8E_SET_CPUUSED, -6);
	vpx_codec_control(&enc, VP8E_SET_STATIC_THRESHOLD, 1);   /* as libwebrtc */
	CHECK(vpx_codec_dec_init(&dec, vpx_codec_vp8_dx(), NULL, 0) == VPX_CODEC_OK);

	for (unsigned i = 0; i < FRAMES; i++) {
		struct rtc_video_frame *f = rtc_fake_camera_poll(cam, rtc_fake_camera_deadline(cam));
		vpx_image_t img;
		const vpx_codec_cx_pkt_t *pkt;
		vpx_codec_iter_t it = NULL;

		CHECK(rtc_fake_pattern_read(f, &sent[i].counter, &sent[i].capture_ns));
		wrap_vpx(&img, f);
		CHECK(vpx_codec_encode(&enc, &img, i, 1, 0, VPX_DL_REALTIME) == VPX_CODEC_OK);
		while ((pkt = vpx_codec_get_cx_data(&enc, &it))) {
			if (pkt->kind != VPX_CODEC_CX_FRAME_PKT)
				continue;
			t.bytes += pkt->data.frame.sz;
			CHECK(vpx_codec_decode(&dec, pkt->data.frame.buf,
					       (unsigned)pkt->data.frame.sz, NULL, 0) == VPX_CODEC_OK);
			vpx_codec_iter_t dit = NULL;
			vpx_image_t *out;
			while ((out = vpx_codec_get_frame(&dec, &dit))) {
				struct rtc_video_frame *d = from_planes(out->planes, out->stride,
									out->d_w, out->d_h);
				check_decoded(d, &sent[pkt->data.frame.pts], (unsigned)pkt->data.frame.pts, &t);
				rtc_video_frame_free(d);
			}
		}
		rtc_video_frame_free(f);
	}
	report("VP8", &t);
	vpx_codec_destroy(&enc);
	vpx_codec_destroy(&dec);
	rtc_fake_camera_free(cam);
}

static void test_h264_at_300_kbits(void)
{
	ISVCEncoder *enc = NULL;
	ISVCDecoder *dec = NULL;
	SEncParamBase param = { 0 };
	SDecodingParam dparam = { 0 };
	struct rtc_fake_camera *cam = camera();
	struct sent sent[FRAMES];
	struct tally t = { 0 };
	static uint8_t bitstream[1 << 20];

	CHECK(WelsCreateSVCEncoder(&enc) == 0 && enc);
	CHECK(WelsCreateDecoder(&dec) == 0 && dec);
	if (!enc || !dec)
		return;
	param.iUsageType = CAMERA_VIDEO_REAL_TIME;
	param.fMaxFrameRate = 30;
	param.iPicWidth = 640;
	param.iPicHeight = 480;
	param.iTargetBitrate = KBPS * 1000;
	param.iRCMode = RC_BITRATE_MODE;
	CHECK((*enc)->Initialize(enc, &param) == 0);
	dparam.sVideoProperty.eVideoBsType = VIDEO_BITSTREAM_DEFAULT;
	CHECK((*dec)->Initialize(dec, &dparam) == 0);

	for (unsigned i = 0; i < FRAMES; i++) {
		struct rtc_video_frame *f = rtc_fake_camera_poll(cam, rtc_fake_camera_deadline(cam));
		SSourcePicture pic = { 0 };
		SFrameBSInfo info = { 0 };

		CHECK(rtc_fake_pattern_read(f, &sent[i].counter, &sent[i].capture_ns));
		pic.iColorFormat = videoFormatI420;
		pic.iPicWidth = 640;
		pic.iPicHeight = 480;
		for (int p = 0; p < 3; p++) {
			pic.pData[p] = f->plane[p];
			pic.iStride[p] = (int)f->stride[p];
		}
		pic.uiTimeStamp = (long long)i * 1000 / 30;
		CHECK((*enc)->EncodeFrame(enc, &pic, &info) == 0);
		if (info.eFrameType == videoFrameTypeSkip) {
			/* openh264 skips frames to hold the rate: nothing to read. */
			t.skipped++;
			rtc_video_frame_free(f);
			continue;
		}
		/* All layers (parameter sets, slices) of the frame, decoded at once. */
		size_t len = 0;
		for (int l = 0; l < info.iLayerNum; l++) {
			SLayerBSInfo *layer = &info.sLayerInfo[l];
			size_t layer_len = 0;

			for (int n = 0; n < layer->iNalCount; n++)
				layer_len += (size_t)layer->pNalLengthInByte[n];
			if (len + layer_len <= sizeof(bitstream)) {
				memcpy(bitstream + len, layer->pBsBuf, layer_len);
				len += layer_len;
			}
		}
		t.bytes += len;
		unsigned char *planes[3] = { NULL };
		SBufferInfo out = { 0 };
		CHECK((*dec)->DecodeFrameNoDelay(dec, bitstream, (int)len, planes, &out) == 0);
		if (out.iBufferStatus == 1) {
			int strides[3] = { out.UsrData.sSystemBuffer.iStride[0],
					   out.UsrData.sSystemBuffer.iStride[1],
					   out.UsrData.sSystemBuffer.iStride[1] };
			struct rtc_video_frame *d = from_planes(planes, strides,
				(uint32_t)out.UsrData.sSystemBuffer.iWidth,
				(uint32_t)out.UsrData.sSystemBuffer.iHeight);
			check_decoded(d, &sent[i], i, &t);
			rtc_video_frame_free(d);
		}
		rtc_video_frame_free(f);
	}
	report("H.264", &t);
	WelsDestroySVCEncoder(enc);
	WelsDestroyDecoder(dec);
	rtc_fake_camera_free(cam);
}

int main(void)
{
	RUN(test_vp8_at_300_kbits);
	RUN(test_h264_at_300_kbits);
	return rtc_test_done();
}
