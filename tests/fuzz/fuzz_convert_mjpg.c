/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MJPG frames come from a camera, which may be broken or hostile (a USB
 * device, a PipeWire node of another app). Whatever the bytes, the
 * converter decodes them into the frame or refuses them as
 * NotReadableError with a reason; a JPEG announced at another size than
 * its own is always refused.
 */
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <turbojpeg.h>

#include "media/raw/convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bigger frames decode too, only slower than a fuzzer likes. */
#define MAX_PIXELS (1024 * 1024)

static void convert_as(struct rtc_raw_converter *c, const uint8_t *data, size_t size,
		       uint32_t w, uint32_t h, bool must_fail)
{
	struct rtc_video_frame *f = rtc_video_frame_new(w & ~1u, h & ~1u);
	struct rtc_raw_picture pic = {
		.format = RTC_RAW_MJPG, .width = w, .height = h, .plane = { data }, .len = size,
	};
	struct rtc_error err = { 0 };

	if (!f)
		return;
	if (rtc_raw_convert(c, &pic, f, &err) < 0) {
		if (err.kind != RTC_ERROR_NOT_READABLE || err.message[0] == '\0')
			abort();
	} else if (must_fail) {
		abort();
	}
	rtc_video_frame_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rtc_raw_converter *c;
	static tjhandle peek;
	int w, h, subsamp, colorspace;

	/* One converter for the whole run, as a capture stream keeps one:
	 * an error must not leave it unusable. */
	if (!c && !(c = rtc_raw_converter_new()))
		abort();
	if (!peek && !(peek = tjInitDecompress()))
		abort();
	if (size == 0 || tjDecompressHeader3(peek, data, (unsigned long)size, &w, &h, &subsamp,
					     &colorspace) < 0) {
		/* A decoder that failed on a header fails on every later one
		 * (libjpeg-turbo 2.1, see convert.c): a fresh one next time. */
		tjDestroy(peek);
		peek = NULL;
		convert_as(c, data, size, 64, 48, true);
		return 0;
	}
	if (w < 2 || h < 2 || (uint64_t)w * (uint64_t)h > MAX_PIXELS)
		return 0;
	convert_as(c, data, size, (uint32_t)w, (uint32_t)h, false);
	convert_as(c, data, size, (uint32_t)w + 2, (uint32_t)h, true);
	return 0;
}
