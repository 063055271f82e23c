/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the picture is in a buffer a camera node filled: the planes of a
 * raw format (in one memory block or one block per plane) or the JPEG bytes
 * of MJPG, checked against the negotiated size. The node is another
 * process, so every offset, size and stride is untrusted.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "media/raw/convert.h"

/* One memory block of a buffer as the node describes it: the mapped bytes
 * (maxsize of them) and the chunk it says it filled. */
struct rtc_pw_block {
	const uint8_t *data;
	uint32_t maxsize;
	uint32_t offset, size;
	int32_t stride;          /* 0: unknown, the tight stride is assumed */
};

/* Fills pic for a width × height picture of that format from n blocks (1,
 * or 2 for NV12 / 3 for I420 when the node gives one block per plane).
 * 0, or -1 when the blocks cannot hold such a picture (the frame is then
 * dropped, not read). */
int rtc_pw_picture_locate(enum rtc_raw_format format, uint32_t width, uint32_t height,
			  const struct rtc_pw_block *blocks, unsigned n,
			  struct rtc_raw_picture *pic);
