/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipeline/video-prep.h"

#include <string.h>

#include "media/raw/convert.h"

void rtc_video_prep_scaled_size(uint32_t width, uint32_t height, double scale, uint32_t *out_width,
			   uint32_t *out_height)
{
	uint32_t w = width, h = height;

	if (scale > 1) {
		w = (uint32_t)(width / scale);
		h = (uint32_t)(height / scale);
	}
	w &= ~1u;
	h &= ~1u;
	*out_width = w < 2 ? 2 : w;
	*out_height = h < 2 ? 2 : h;
}

static void copy_plane(uint8_t *dst, uint32_t dst_stride, const uint8_t *src,
		       uint32_t src_stride, uint32_t width, uint32_t rows)
{
	for (uint32_t y = 0; y < rows; y++)
		memcpy(dst + (size_t)y * dst_stride, src + (size_t)y * src_stride, width);
}

struct rtc_video_frame *rtc_video_prep_resized(const struct rtc_video_frame *src,
						uint32_t width, uint32_t height)
{
	struct rtc_video_frame *f = rtc_video_frame_new(width, height);

	if (!f)
		return NULL;
	if (width == src->width && height == src->height) {
		copy_plane(f->plane[0], f->stride[0], src->plane[0], src->stride[0], width, height);
		for (int p = 1; p < 3; p++)
			copy_plane(f->plane[p], f->stride[p], src->plane[p], src->stride[p],
				   width / 2, height / 2);
		f->capture_ns = src->capture_ns;
	} else {
		rtc_raw_scale(src, f);
	}
	return f;
}

struct rtc_video_frame *rtc_video_prep_black(uint32_t width, uint32_t height,
					      uint64_t capture_ns)
{
	struct rtc_video_frame *f = rtc_video_frame_new(width, height);

	if (!f)
		return NULL;
	for (uint32_t y = 0; y < height; y++)
		memset(f->plane[0] + (size_t)y * f->stride[0], 16, width);
	for (int p = 1; p < 3; p++)
		for (uint32_t y = 0; y < height / 2; y++)
			memset(f->plane[p] + (size_t)y * f->stride[p], 128, width / 2);
	f->capture_ns = capture_ns;
	return f;
}

bool rtc_video_rate_limit_admit(struct rtc_video_rate_limit *l, double max_fps,
				uint64_t capture_ns)
{
	uint64_t interval, slack;

	if (!(max_fps > 0)) {
		l->started = false;
		return true;
	}
	interval = (uint64_t)(1e9 / max_fps);
	slack = interval / 10;
	if (l->started && capture_ns + slack < l->next_ns)
		return false;
	/* The next slot follows this one. A slot that fell behind the frames
	 * catches up to half an interval before this frame (a source a little
	 * faster than the cap loses few frames); after a pause of more than
	 * an interval it starts over at this frame (no burst). */
	if (!l->started || capture_ns > l->next_ns + interval)
		l->next_ns = capture_ns;
	else if (capture_ns > l->next_ns + interval / 2)
		l->next_ns = capture_ns - interval / 2;
	l->next_ns += interval;
	l->started = true;
	return true;
}
