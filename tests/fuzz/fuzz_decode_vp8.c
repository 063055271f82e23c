/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VP8 frames straight from a peer into the decoder wrapper: the input is a
 * run of length-prefixed frames (fuzz_input.h) decoded in order by one
 * decoder, so state carried between frames (references, the wait for a
 * key frame) is fuzzed too. An error must say why; a picture must have
 * the size limits the wrapper promises.
 */
#include <stdlib.h>

#include "fuzz_input.h"
#include "media/codec/decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct rtc_error err = { 0 };
	struct rtc_decoder *d = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = RTC_CODEC_VP8 }, &err);
	const uint8_t *frame;
	size_t len;

	if (!d)
		abort();
	for (unsigned n = 0; n < 16 && fuzz_input_chunk(&in, &frame, &len); n++) {
		struct rtc_video_frame *v = NULL;
		int r = rtc_decoder_decode_video(d, frame, len, &v, &err);
		if ((r == -1 && (!err.message[0] || v)) || (r == 1 && !v) || r < -1 || r > 1)
			abort();
		if (v && (v->width % 2 || v->height % 2 || v->width > RTC_VIDEO_MAX_DIMENSION ||
			  v->height > RTC_VIDEO_MAX_DIMENSION || !v->width || !v->height))
			abort();
		rtc_video_frame_free(v);
		err.message[0] = '\0';
	}
	rtc_decoder_free(d);
	return 0;
}
