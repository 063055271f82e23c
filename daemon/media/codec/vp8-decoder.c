/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VP8 decoder (libvpx). The frame header is checked here first (RFC 6386
 * 9.1: frame tag, and for key frames the start code and the size), so a
 * hostile key frame cannot make libvpx allocate for 16383x16383; libvpx
 * then decodes, and its "corrupted" flag counts as an error too.
 */
#include "media/codec/codec-impl.h"

#include <stdlib.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

struct vp8_decoder {
	struct rtc_decoder base;
	vpx_codec_ctx_t ctx;
};

/* RFC 6386 9.1: a 3-byte frame tag; key frames add the start code
 * 9d 01 2a and two 14-bit sizes (with 2 scaling bits each). */
static int vp8_check_header(const uint8_t *data, size_t len, bool *key_frame,
			    struct rtc_error *err)
{
	if (len < 3)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 frame of %zu bytes has no frame tag", len);
	uint32_t tag = data[0] | data[1] << 8 | (uint32_t)data[2] << 16;
	uint32_t first_partition = tag >> 5;
	*key_frame = !(tag & 1);
	if ((tag >> 1 & 7) > 3)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 version %u is unknown", tag >> 1 & 7);
	if (!*key_frame) {
		if (first_partition > len - 3)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "VP8 first partition of %u bytes in a %zu-byte frame",
					     first_partition, len);
		return 0;
	}
	if (len < 10 || data[3] != 0x9d || data[4] != 0x01 || data[5] != 0x2a)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 key frame without its start code");
	if (first_partition > len - 10)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "VP8 first partition of %u bytes in a %zu-byte frame",
				     first_partition, len);
	unsigned width = (data[6] | data[7] << 8) & 0x3fff, height = (data[8] | data[9] << 8) & 0x3fff;
	if (width < 2 || height < 2 || width > RTC_VIDEO_MAX_DIMENSION ||
	    height > RTC_VIDEO_MAX_DIMENSION)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 key frame of %ux%u (2..%u)", width,
				     height, RTC_VIDEO_MAX_DIMENSION);
	return 0;
}

static int vp8_decode_video(struct rtc_decoder *base, const uint8_t *data, size_t len,
			    bool *key_frame, struct rtc_video_frame **out, struct rtc_error *err)
{
	struct vp8_decoder *d = (struct vp8_decoder *)base;

	if (vp8_check_header(data, len, key_frame, err) < 0)
		return -1;
	if (!*key_frame && base->needs_key_frame)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "VP8 delta frame while a key frame is needed");
	if (len > UINT32_MAX)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 frame too long");
	if (vpx_codec_decode(&d->ctx, data, (unsigned)len, NULL, 0) != VPX_CODEC_OK)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 frame does not decode: %s",
				     vpx_codec_error(&d->ctx));
	int corrupted = 0;
	if (vpx_codec_control(&d->ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) == VPX_CODEC_OK &&
	    corrupted)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 frame is corrupted");

	vpx_codec_iter_t iter = NULL;
	vpx_image_t *img = vpx_codec_get_frame(&d->ctx, &iter);
	if (!img)
		return 0;               /* an invisible frame (golden/altref update) */
	if (img->fmt != VPX_IMG_FMT_I420)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 decoded to format %d, not I420", img->fmt);
	const uint8_t *const planes[3] = { img->planes[0], img->planes[1], img->planes[2] };
	*out = rtc_video_frame_copy_i420(planes, img->stride, img->d_w, img->d_h, err);
	return *out ? 1 : -1;
}

static void vp8_decoder_free(struct rtc_decoder *base)
{
	struct vp8_decoder *d = (struct vp8_decoder *)base;

	vpx_codec_destroy(&d->ctx);
	free(d);
}

static const struct rtc_decoder_ops vp8_decoder_ops = {
	.decode_video = vp8_decode_video,
	.free = vp8_decoder_free,
};

struct rtc_decoder *rtc_vp8_decoder_new(const struct rtc_decoder_config *cfg, struct rtc_error *err)
{
	struct vp8_decoder *d = calloc(1, sizeof(*d));
	vpx_codec_dec_cfg_t dcfg = { .threads = 1 };

	if (!d) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for a VP8 decoder");
		return NULL;
	}
	d->base.ops = &vp8_decoder_ops;
	d->base.cfg = *cfg;
	if (vpx_codec_dec_init(&d->ctx, vpx_codec_vp8_dx(), &dcfg, 0) != VPX_CODEC_OK) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "VP8 decoder: %s", vpx_codec_error(&d->ctx));
		free(d);
		return NULL;
	}
	return &d->base;
}
