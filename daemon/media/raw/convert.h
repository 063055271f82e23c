/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a camera gives, made into I420: the raw formats real webcams offer
 * through PipeWire (I420, NV12, YUY2) and MJPG, decoded with libjpeg-turbo.
 * And scaling, for constraints and scale-resolution-down-by.
 *
 * A converter keeps the JPEG decoder between frames; one per capture
 * stream, used from one thread at a time.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "media/raw/raw-frame.h"

enum rtc_raw_format {
	RTC_RAW_I420,
	RTC_RAW_NV12,
	RTC_RAW_YUY2,
	RTC_RAW_MJPG,
};

/* One picture as the device delivered it. Planar formats use plane[] and
 * stride[] (NV12: plane[0] Y, plane[1] interleaved UV; YUY2: plane[0]
 * only); MJPG: the JPEG's len bytes at plane[0]. */
struct rtc_raw_picture {
	enum rtc_raw_format format;
	uint32_t width, height;
	const uint8_t *plane[3];
	uint32_t stride[3];
	size_t len;
};

struct rtc_raw_converter;

struct rtc_raw_converter *rtc_raw_converter_new(void);
void rtc_raw_converter_free(struct rtc_raw_converter *c);

/* Converts src into dst, which has src's width and height (an odd one
 * rounded down to even: frames are even, the last column or row is
 * dropped). -1 with err (TypeError for a size mismatch, NotReadableError
 * for a JPEG that does not decode, even with only a warning such as a
 * truncated one, or is not of the announced size); dst is then
 * unspecified. MJPG without Huffman tables (as cameras send) decodes. */
int rtc_raw_convert(struct rtc_raw_converter *c, const struct rtc_raw_picture *src,
		    struct rtc_video_frame *dst, struct rtc_error *err);

/* Scales src to dst's size (either direction), area-averaged when
 * shrinking; capture_ns carried over. */
void rtc_raw_scale(const struct rtc_video_frame *src, struct rtc_video_frame *dst);

/* "I420", "NV12", "YUY2", "MJPG". */
const char *rtc_raw_format_name(enum rtc_raw_format format);
