/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake pattern's reader looks at video that came from a peer. Any
 * picture of any size: it reads within the frame, and whatever it accepts
 * is a band it would draw itself (drawn again with what was read, it
 * reads the same).
 *
 * Input: width and height (2 bytes each, made even and at most 1024), then
 * luma bytes, repeated to fill the frame; chroma is neutral.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/fake/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	uint32_t w = ((uint32_t)data[0] << 8 | data[1]) % 1024 + 2;
	uint32_t h = ((uint32_t)data[2] << 8 | data[3]) % 1024 + 2;
	struct rtc_video_frame *f = rtc_video_frame_new(w & ~1u, h & ~1u);
	uint32_t counter;
	uint64_t capture_ns;

	if (!f)
		return 0;
	data += 4;
	size -= 4;
	for (size_t i = 0, n = (size_t)f->width * f->height; i < n; i++)
		f->plane[0][i] = data[i % size];
	memset(f->plane[1], 128, (size_t)f->width * f->height / 2);
	if (rtc_fake_pattern_read(f, &counter, &capture_ns) && rtc_fake_pattern_fits(f->width, f->height)) {
		uint32_t c2;
		uint64_t t2;

		rtc_fake_pattern_draw(f, 0, counter, capture_ns);
		if (!rtc_fake_pattern_read(f, &c2, &t2) || c2 != counter || t2 != capture_ns)
			abort();
	}
	rtc_video_frame_free(f);
	return 0;
}
