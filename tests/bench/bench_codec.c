/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec cost, on one core (thread CPU time; every codec runs one thread):
 *   - VP8 and H.264 encode frames/s at 640x480 and 1280x720 (the moving
 *     test pattern, 30 fps, 1 and 2.5 Mbit/s), through rtcd's wrapper
 *     (media/codec/encoder.h) and through a bare loop on the same library
 *     with the same settings, in the same run, and the ratio;
 *   - their decode frames/s, wrapper and bare, on the stream just encoded;
 *   - a VP8 cpu-used sweep and openh264 complexity modes at 720p: frames/s
 *     and PSNR, what the chosen speed is based on;
 *   - Opus encode and decode µs per 20 ms frame, wrapper and bare;
 *   - the worker pool: submit -> result latency of 640x480 VP8 frames
 *     paced at 30 fps (what capture -> encoded adds beyond capture).
 * Prints figures; fails only when a codec fails.
 *
 * BENCH_CODEC_FRAMES (default 90) frames per video measurement; arguments
 * (video, sweep, opus, pool) run only those parts.
 */
#include <math.h>
#include <opus.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>
#include <wels/codec_api.h>

#include "media/codec/decoder.h"
#include "media/codec/encoder.h"
#include "media/codec/test-pattern.h"
#include "media/codec/worker-pool.h"

#define PATTERN_FRAMES 30

static unsigned frames_per_run = 90;
static struct rtc_video_frame *pattern[PATTERN_FRAMES];
/* The encoded stream of the last wrapper run, for the decode figures. */
static uint8_t *stream_data[1000];
static size_t stream_len[1000];
static unsigned stream_count;

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static _Noreturn void fail(const char *what)
{
	fprintf(stderr, "bench-codec: %s\n", what);
	exit(1);
}

static void make_pattern(uint32_t w, uint32_t h)
{
	for (unsigned i = 0; i < PATTERN_FRAMES; i++) {
		rtc_video_frame_free(pattern[i]);
		if (!(pattern[i] = rtc_video_frame_new(w, h)))
			fail("no memory");
		pattern_fill(pattern[i], i);
	}
}

/* Frame n of the run: the pattern back and forth, so motion never jumps. */
static struct rtc_video_frame *frame_at(unsigned n)
{
	unsigned k = n % (2 * PATTERN_FRAMES - 2);
	struct rtc_video_frame *f = pattern[k < PATTERN_FRAMES ? k : 2 * PATTERN_FRAMES - 2 - k];
	f->capture_ns = (uint64_t)n * 1000000000ull / 30;
	return f;
}

static void keep_stream(unsigned n, const uint8_t *data, size_t len)
{
	if (n >= 1000)
		return;
	free(stream_data[n]);
	stream_data[n] = malloc(len);
	memcpy(stream_data[n], data, len);
	stream_len[n] = len;
	stream_count = n + 1;
}

static void forget_stream(void)
{
	for (unsigned i = 0; i < stream_count; i++) {
		free(stream_data[i]);
		stream_data[i] = NULL;
	}
	stream_count = 0;
}

/* ---- through the wrapper ------------------------------------------------ */

static double wrapper_encode(enum rtc_codec codec, uint32_t w, uint32_t h, uint32_t bps,
			     uint64_t *bytes)
{
	struct rtc_error err = { 0 };
	struct rtc_encoder *e = rtc_encoder_new(&(struct rtc_encoder_config){
		.codec = codec, .width = w, .height = h, .bitrate = bps, .framerate = 30 }, &err);
	struct rtc_encoded out = { 0 };
	unsigned kept = 0;

	if (!e)
		fail(err.message);
	*bytes = 0;
	forget_stream();
	double t0 = cpu_now();
	for (unsigned n = 0; n < frames_per_run; n++) {
		int r = rtc_encoder_encode_video(e, frame_at(n), &out, &err);
		if (r < 0)
			fail(err.message);
		if (r == 1) {
			*bytes += out.len;
			keep_stream(kept++, out.data, out.len);
		}
	}
	double t = cpu_now() - t0;
	rtc_encoded_release(&out);
	rtc_encoder_free(e);
	return frames_per_run / t;
}

static double wrapper_decode(enum rtc_codec codec)
{
	struct rtc_error err = { 0 };
	struct rtc_decoder *d = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = codec }, &err);

	if (!d)
		fail(err.message);
	double t0 = cpu_now();
	for (unsigned i = 0; i < stream_count; i++) {
		struct rtc_video_frame *f = NULL;
		if (rtc_decoder_decode_video(d, stream_data[i], stream_len[i], &f, &err) != 1)
			fail(err.message);
		rtc_video_frame_free(f);
	}
	double t = cpu_now() - t0;
	rtc_decoder_free(d);
	return stream_count / t;
}

/* ---- bare libvpx, the wrapper's settings -------------------------------- */

static double bare_vp8_encode(uint32_t w, uint32_t h, uint32_t bps, int cpu_used, double *psnr)
{
	vpx_codec_enc_cfg_t c;
	vpx_codec_ctx_t ctx, dec;
	vpx_image_t img;
	double psnr_sum = 0;
	unsigned decoded = 0;

	vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &c, 0);
	c.g_w = w;
	c.g_h = h;
	c.g_threads = 1;
	c.g_timebase = (struct vpx_rational){ 1, 90000 };
	c.g_lag_in_frames = 0;
	c.g_pass = VPX_RC_ONE_PASS;
	c.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	c.rc_end_usage = VPX_CBR;
	c.rc_target_bitrate = bps / 1000;
	c.rc_min_quantizer = 2;
	c.rc_max_quantizer = 56;
	c.rc_undershoot_pct = 100;
	c.rc_overshoot_pct = 15;
	c.rc_buf_initial_sz = 500;
	c.rc_buf_optimal_sz = 600;
	c.rc_buf_sz = 1000;
	c.rc_dropframe_thresh = 30;
	c.kf_mode = VPX_KF_DISABLED;
	if (vpx_codec_enc_init(&ctx, vpx_codec_vp8_cx(), &c, 0) != VPX_CODEC_OK)
		fail("vpx_codec_enc_init");
	vpx_codec_control(&ctx, VP8E_SET_CPUUSED, cpu_used);
	vpx_codec_control(&ctx, VP8E_SET_STATIC_THRESHOLD, 1);
	vpx_codec_control(&ctx, VP8E_SET_NOISE_SENSITIVITY, 0);
	vpx_codec_control(&ctx, VP8E_SET_TOKEN_PARTITIONS, VP8_ONE_TOKENPARTITION);
	vpx_codec_control(&ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, 900);
	if (psnr && vpx_codec_dec_init(&dec, vpx_codec_vp8_dx(), NULL, 0) != VPX_CODEC_OK)
		fail("vpx_codec_dec_init");
	double t = 0;
	for (unsigned n = 0; n < frames_per_run; n++) {
		struct rtc_video_frame *f = frame_at(n);
		vpx_img_wrap(&img, VPX_IMG_FMT_I420, w, h, 1, f->plane[0]);
		for (unsigned p = 0; p < 3; p++) {
			img.planes[p] = f->plane[p];
			img.stride[p] = (int)f->stride[p];
		}
		double t0 = cpu_now();
		if (vpx_codec_encode(&ctx, &img, n * 3000, 3000, 0, VPX_DL_REALTIME) != VPX_CODEC_OK)
			fail("vpx_codec_encode");
		vpx_codec_iter_t iter = NULL;
		const vpx_codec_cx_pkt_t *pkt;
		while ((pkt = vpx_codec_get_cx_data(&ctx, &iter))) {
			t += cpu_now() - t0;
			if (psnr && pkt->kind == VPX_CODEC_CX_FRAME_PKT) {
				vpx_codec_iter_t di = NULL;
				vpx_image_t *out;
				vpx_codec_decode(&dec, pkt->data.frame.buf, (unsigned)pkt->data.frame.sz, NULL, 0);
				while ((out = vpx_codec_get_frame(&dec, &di))) {
					struct rtc_video_frame o = { .width = w, .height = h,
						.plane = { out->planes[0], out->planes[1], out->planes[2] },
						.stride = { (uint32_t)out->stride[0], (uint32_t)out->stride[1],
							    (uint32_t)out->stride[2] } };
					psnr_sum += pattern_psnr(f, &o);
					decoded++;
				}
			}
			t0 = cpu_now();
		}
		t += cpu_now() - t0;
	}
	vpx_codec_destroy(&ctx);
	if (psnr) {
		vpx_codec_destroy(&dec);
		*psnr = decoded ? psnr_sum / decoded : 0;
	}
	return frames_per_run / t;
}

static double bare_vp8_decode(void)
{
	vpx_codec_ctx_t dec;
	vpx_codec_dec_cfg_t cfg = { .threads = 1 };

	if (vpx_codec_dec_init(&dec, vpx_codec_vp8_dx(), &cfg, 0) != VPX_CODEC_OK)
		fail("vpx_codec_dec_init");
	double t0 = cpu_now();
	for (unsigned i = 0; i < stream_count; i++) {
		vpx_codec_iter_t iter = NULL;
		if (vpx_codec_decode(&dec, stream_data[i], (unsigned)stream_len[i], NULL, 0) != VPX_CODEC_OK)
			fail("vpx_codec_decode");
		while (vpx_codec_get_frame(&dec, &iter))
			;
	}
	double t = cpu_now() - t0;
	vpx_codec_destroy(&dec);
	return stream_count / t;
}

/* ---- bare openh264, the wrapper's settings ------------------------------ */

static double bare_h264_encode(uint32_t w, uint32_t h, uint32_t bps, ECOMPLEXITY_MODE mode,
			       double *psnr)
{
	ISVCEncoder *enc;
	ISVCDecoder *dec = NULL;
	SEncParamExt p;
	double psnr_sum = 0;
	unsigned decoded = 0;

	if (WelsCreateSVCEncoder(&enc) != 0)
		fail("WelsCreateSVCEncoder");
	int quiet = WELS_LOG_QUIET;
	(*enc)->SetOption(enc, ENCODER_OPTION_TRACE_LEVEL, &quiet);
	(*enc)->GetDefaultParams(enc, &p);
	p.iUsageType = CAMERA_VIDEO_REAL_TIME;
	p.iPicWidth = (int)w;
	p.iPicHeight = (int)h;
	p.iTargetBitrate = (int)bps;
	p.iMaxBitrate = UNSPECIFIED_BIT_RATE;
	p.iRCMode = RC_BITRATE_MODE;
	p.fMaxFrameRate = 30;
	p.bEnableFrameSkip = true;
	p.uiIntraPeriod = 0;
	p.iNumRefFrame = 1;
	p.eSpsPpsIdStrategy = CONSTANT_ID;
	p.bPrefixNalAddingCtrl = false;
	p.iEntropyCodingModeFlag = 0;
	p.iComplexityMode = mode;
	p.iMultipleThreadIdc = 1;
	p.bEnableDenoise = false;
	p.bEnableBackgroundDetection = true;
	p.bEnableAdaptiveQuant = true;
	p.bEnableSceneChangeDetect = true;
	p.bEnableLongTermReference = false;
	p.iTemporalLayerNum = 1;
	p.iSpatialLayerNum = 1;
	p.sSpatialLayers[0].iVideoWidth = (int)w;
	p.sSpatialLayers[0].iVideoHeight = (int)h;
	p.sSpatialLayers[0].fFrameRate = 30;
	p.sSpatialLayers[0].iSpatialBitrate = (int)bps;
	p.sSpatialLayers[0].iMaxSpatialBitrate = UNSPECIFIED_BIT_RATE;
	p.sSpatialLayers[0].uiProfileIdc = PRO_BASELINE;
	p.sSpatialLayers[0].sSliceArgument.uiSliceMode = SM_FIXEDSLCNUM_SLICE;
	p.sSpatialLayers[0].sSliceArgument.uiSliceNum = 1;
	if ((*enc)->InitializeExt(enc, &p) != cmResultSuccess)
		fail("InitializeExt");
	int format = videoFormatI420;
	(*enc)->SetOption(enc, ENCODER_OPTION_DATAFORMAT, &format);
	if (psnr) {
		SDecodingParam dp = { .sVideoProperty = { .size = sizeof(SVideoProperty),
							  .eVideoBsType = VIDEO_BITSTREAM_AVC } };
		if (WelsCreateDecoder(&dec) != 0 || (*dec)->Initialize(dec, &dp) != 0)
			fail("WelsCreateDecoder");
		(*dec)->SetOption(dec, DECODER_OPTION_TRACE_LEVEL, &quiet);
	}
	double t = 0;
	for (unsigned n = 0; n < frames_per_run; n++) {
		struct rtc_video_frame *f = frame_at(n);
		SSourcePicture pic = { .iColorFormat = videoFormatI420, .iPicWidth = (int)w,
				       .iPicHeight = (int)h, .uiTimeStamp = n * 1000 / 30 };
		SFrameBSInfo info;
		for (unsigned k = 0; k < 3; k++) {
			pic.iStride[k] = (int)f->stride[k];
			pic.pData[k] = f->plane[k];
		}
		memset(&info, 0, sizeof(info));
		double t0 = cpu_now();
		if ((*enc)->EncodeFrame(enc, &pic, &info) != cmResultSuccess)
			fail("EncodeFrame");
		/* The bytes gathered as the wrapper does, for a fair comparison. */
		static uint8_t au[1 << 22];
		size_t len = 0;
		for (int l = 0; l < info.iLayerNum; l++) {
			size_t ll = 0;
			for (int k = 0; k < info.sLayerInfo[l].iNalCount; k++)
				ll += (size_t)info.sLayerInfo[l].pNalLengthInByte[k];
			memcpy(au + len, info.sLayerInfo[l].pBsBuf, ll);
			len += ll;
		}
		t += cpu_now() - t0;
		if (psnr && len) {
			uint8_t *planes[3] = { NULL };
			SBufferInfo bi = { 0 };
			if ((*dec)->DecodeFrameNoDelay(dec, au, (int)len, planes, &bi) == dsErrorFree &&
			    bi.iBufferStatus == 1) {
				struct rtc_video_frame o = { .width = w, .height = h,
					.plane = { planes[0], planes[1], planes[2] },
					.stride = { (uint32_t)bi.UsrData.sSystemBuffer.iStride[0],
						    (uint32_t)bi.UsrData.sSystemBuffer.iStride[1],
						    (uint32_t)bi.UsrData.sSystemBuffer.iStride[1] } };
				psnr_sum += pattern_psnr(f, &o);
				decoded++;
			}
		}
	}
	(*enc)->Uninitialize(enc);
	WelsDestroySVCEncoder(enc);
	if (dec) {
		(*dec)->Uninitialize(dec);
		WelsDestroyDecoder(dec);
		*psnr = decoded ? psnr_sum / decoded : 0;
	}
	return frames_per_run / t;
}

static double bare_h264_decode(void)
{
	ISVCDecoder *dec;
	SDecodingParam dp = { .eEcActiveIdc = ERROR_CON_DISABLE,
			      .sVideoProperty = { .size = sizeof(SVideoProperty),
						  .eVideoBsType = VIDEO_BITSTREAM_AVC } };
	int quiet = WELS_LOG_QUIET;

	if (WelsCreateDecoder(&dec) != 0)
		fail("WelsCreateDecoder");
	(*dec)->SetOption(dec, DECODER_OPTION_TRACE_LEVEL, &quiet);
	if ((*dec)->Initialize(dec, &dp) != 0)
		fail("decoder Initialize");
	double t0 = cpu_now();
	for (unsigned i = 0; i < stream_count; i++) {
		uint8_t *planes[3] = { NULL };
		SBufferInfo bi = { 0 };
		if ((*dec)->DecodeFrameNoDelay(dec, stream_data[i], (int)stream_len[i], planes, &bi) !=
		    dsErrorFree)
			fail("DecodeFrameNoDelay");
	}
	double t = cpu_now() - t0;
	(*dec)->Uninitialize(dec);
	WelsDestroyDecoder(dec);
	return stream_count / t;
}

/* ---- the figures -------------------------------------------------------- */

static void video(enum rtc_codec codec, const char *name, uint32_t w, uint32_t h, uint32_t bps)
{
	uint64_t bytes;
	double wrap = 0, bare = 0;

	make_pattern(w, h);
	/* Best of two each, alternating, so a neighbour's load hurts both alike. */
	for (int i = 0; i < 2; i++) {
		wrap = fmax(wrap, wrapper_encode(codec, w, h, bps, &bytes));
		bare = fmax(bare, codec == RTC_CODEC_VP8 ? bare_vp8_encode(w, h, bps, -6, NULL)
						   : bare_h264_encode(w, h, bps, LOW_COMPLEXITY, NULL));
	}
	printf("%-5s %4ux%-4u %4u kbit/s encode: wrapper %6.1f frames/s/core (%.2f ms/frame, "
	       "%.0f kbit/s sent), bare %6.1f, ratio %.3f\n", name, w, h, bps / 1000, wrap,
	       1000 / wrap, bytes * 8.0 * 30 / frames_per_run / 1000, bare, wrap / bare);
	double dwrap = 0, dbare = 0;
	for (int i = 0; i < 2; i++) {
		dwrap = fmax(dwrap, wrapper_decode(codec));
		dbare = fmax(dbare, codec == RTC_CODEC_VP8 ? bare_vp8_decode() : bare_h264_decode());
	}
	printf("%-5s %4ux%-4u %4u kbit/s decode: wrapper %6.1f frames/s/core (%.2f ms/frame), "
	       "bare %6.1f, ratio %.3f\n", name, w, h, bps / 1000, dwrap, 1000 / dwrap, dbare,
	       dwrap / dbare);
	fflush(stdout);
}

static void speed_sweep(void)
{
	double psnr;

	make_pattern(1280, 720);
	for (int cpu_used = -4; cpu_used >= -12; cpu_used -= 2) {
		double fps = bare_vp8_encode(1280, 720, 2500000, cpu_used, &psnr);
		printf("VP8   1280x720 2500 kbit/s cpu-used %3d: %6.1f frames/s/core, PSNR %.2f dB%s\n",
		       cpu_used, fps, psnr, cpu_used == -6 ? "  (rtcd's)" : "");
	}
	const struct { ECOMPLEXITY_MODE mode; const char *name; } modes[] = {
		{ LOW_COMPLEXITY, "low" }, { MEDIUM_COMPLEXITY, "medium" }, { HIGH_COMPLEXITY, "high" },
	};
	for (unsigned i = 0; i < 3; i++) {
		double fps = bare_h264_encode(1280, 720, 2500000, modes[i].mode, &psnr);
		printf("H.264 1280x720 2500 kbit/s complexity %-6s: %6.1f frames/s/core, PSNR %.2f dB%s\n",
		       modes[i].name, fps, psnr, i == 0 ? "  (rtcd's)" : "");
	}
	fflush(stdout);
}

static void opus(void)
{
	struct rtc_error err = { 0 };
	struct rtc_encoder *e = rtc_encoder_new(&(struct rtc_encoder_config){
		.codec = RTC_CODEC_OPUS, .bitrate = 32000 }, &err);
	struct rtc_decoder *d = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = RTC_CODEC_OPUS }, &err);
	struct rtc_audio_frame *a = rtc_audio_frame_new(48000, 1, 960);
	struct rtc_encoded out = { 0 };
	enum { N = 500 };
	static uint8_t packets[N][1500];
	static size_t lens[N];
	int r;

	if (!e || !d || !a)
		fail("Opus wrapper");
	/* Speech-like: two tones with a slow amplitude wobble. */
	double t_wrap = 0, t_bare = 0, t_dwrap = 0, t_dbare = 0;
	OpusEncoder *be = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &r);
	OpusDecoder *bd = opus_decoder_create(48000, 1, &r);
	opus_encoder_ctl(be, OPUS_SET_BITRATE(32000));
	opus_encoder_ctl(be, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(be, OPUS_SET_DTX(1));
	opus_encoder_ctl(be, OPUS_SET_COMPLEXITY(9));
	opus_encoder_ctl(be, OPUS_SET_PACKET_LOSS_PERC(10));
	static int16_t pcm[5760];
	for (unsigned n = 0; n < N; n++) {
		pattern_tone(a, 220, n * 960ull);
		for (unsigned i = 0; i < 960; i++)
			a->pcm[i] = (int16_t)(a->pcm[i] * (0.6 + 0.4 * sin((n * 960 + i) * 0.0004)) +
					      2000 * sin((n * 960 + i) * 0.21));
		double t0 = cpu_now();
		if (rtc_encoder_encode_audio(e, a, &out, &err) != 1)
			fail(err.message);
		t_wrap += cpu_now() - t0;
		t0 = cpu_now();
		opus_int32 len = opus_encode(be, a->pcm, 960, packets[n], 1500);
		t_bare += cpu_now() - t0;
		if (len <= 2)
			fail("opus_encode");
		lens[n] = (size_t)len;
		/* Alternate which decodes first: the first runs with the caches
		 * the encoders left. */
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == (n % 2 == 0)) {
				struct rtc_audio_frame *o = NULL;
				t0 = cpu_now();
				if (rtc_decoder_decode_audio(d, out.data, out.len, &o, &err) != 1)
					fail(err.message);
				t_dwrap += cpu_now() - t0;
				rtc_audio_frame_free(o);
			} else {
				t0 = cpu_now();
				int samples = opus_decode(bd, packets[n], (opus_int32)lens[n], pcm, 5760, 0);
				t_dbare += cpu_now() - t0;
				if (samples != 960)
					fail("opus_decode");
			}
		}
	}
	printf("Opus  48 kHz mono 32 kbit/s 20 ms: encode wrapper %.1f us/frame, bare %.1f "
	       "(ratio %.3f; %.2f %% of a core); decode wrapper %.1f us, bare %.1f\n",
	       t_wrap / N * 1e6, t_bare / N * 1e6, t_bare / t_wrap, t_wrap / N / 0.02 * 100,
	       t_dwrap / N * 1e6, t_dbare / N * 1e6);
	opus_encoder_destroy(be);
	opus_decoder_destroy(bd);
	rtc_encoded_release(&out);
	rtc_audio_frame_free(a);
	rtc_decoder_free(d);
	rtc_encoder_free(e);
	fflush(stdout);
}

/* Frames paced at 30 fps into the pool, one VP8 640x480 stream: the time
 * from submit to the result read on this (the "reactor") thread. */
static void pool_latency(void)
{
	struct rtc_error err = { 0 };
	struct rtc_worker_pool *pool = rtc_worker_pool_new(0, &err);
	struct rtc_encoder *e = rtc_encoder_new(&(struct rtc_encoder_config){
		.codec = RTC_CODEC_VP8, .width = 640, .height = 480, .bitrate = 1000000 }, &err);
	struct rtc_worker_stream *s = pool && e ? rtc_worker_stream_encoder(pool, e, NULL, &err) : NULL;
	double sum = 0, worst = 0, submitted[60] = { 0 };
	unsigned got = 0, n_frames = 60;

	if (!s)
		fail(err.message);
	make_pattern(640, 480);
	for (unsigned n = 0; n < n_frames; n++) {
		struct rtc_video_frame *f = rtc_video_frame_new(640, 480);
		memcpy(f->plane[0], frame_at(n)->plane[0], rtc_video_frame_size(640, 480));
		submitted[n] = wall_now();
		f->capture_ns = (uint64_t)(submitted[n] * 1e9);
		rtc_worker_encode_video(s, f, &err);
		double until = submitted[n] + 1.0 / 30;
		struct pollfd p = { .fd = rtc_worker_pool_fd(pool), .events = POLLIN };
		for (double now = wall_now(); now < until; now = wall_now()) {
			if (poll(&p, 1, (int)((until - now) * 1000) + 1) != 1)
				continue;
			struct rtc_worker_result res;
			while (rtc_worker_pool_poll(pool, &res)) {
				double lat = wall_now() - submitted[res.seq];
				sum += lat;
				worst = fmax(worst, lat);
				got++;
				rtc_worker_result_release(&res);
			}
		}
	}
	struct rtc_worker_stream_stats st;
	rtc_worker_stream_stats(s, &st);
	printf("pool  VP8 640x480 at 30 fps, %u threads: submit -> result %.2f ms mean, %.2f ms worst "
	       "over %u frames (%llu dropped, %llu skipped by rate control)\n",
	       rtc_worker_pool_threads(pool), got ? sum / got * 1000 : 0, worst * 1000, got,
	       (unsigned long long)st.dropped, (unsigned long long)st.skipped);
	rtc_worker_pool_free(pool);
}

/* No arguments: everything; else only the parts named (video, sweep, opus, pool). */
static bool part(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *env = getenv("BENCH_CODEC_FRAMES");

	if (env && atoi(env) > 0)
		frames_per_run = (unsigned)atoi(env) > 1000 ? 1000 : (unsigned)atoi(env);
	printf("# %u frames per video measurement, thread CPU time, one codec thread\n",
	       frames_per_run);
	if (part(argc, argv, "video")) {
		video(RTC_CODEC_VP8, "VP8", 640, 480, 1000000);
		video(RTC_CODEC_VP8, "VP8", 1280, 720, 2500000);
		video(RTC_CODEC_H264, "H.264", 640, 480, 1000000);
		video(RTC_CODEC_H264, "H.264", 1280, 720, 2500000);
	}
	if (part(argc, argv, "sweep"))
		speed_sweep();
	if (part(argc, argv, "opus"))
		opus();
	if (part(argc, argv, "pool"))
		pool_latency();
	forget_stream();
	for (unsigned i = 0; i < PATTERN_FRAMES; i++)
		rtc_video_frame_free(pattern[i]);
	return 0;
}
