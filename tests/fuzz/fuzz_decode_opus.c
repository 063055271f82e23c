/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opus packets straight from a peer into the decoder wrapper: the input is
 * a run of length-prefixed packets (fuzz_input.h) decoded in order by one
 * decoder; an empty chunk is a lost packet, concealed with the chunk after
 * it as the FEC source. Errors must say why; audio must be 48 kHz mono of
 * at most 120 ms, and a concealed gap exactly as long as asked.
 */
#include <stdlib.h>

#include "fuzz_input.h"
#include "media/codec/decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct rtc_error err = { 0 };
	struct rtc_decoder *d = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = RTC_CODEC_OPUS }, &err);
	const uint8_t *packet, *next = NULL;
	size_t len, next_len = 0;
	bool have_next = false;

	if (!d)
		abort();
	for (unsigned n = 0; n < 32; n++) {
		if (have_next) {
			packet = next;
			len = next_len;
			have_next = false;
		} else if (!fuzz_input_chunk(&in, &packet, &len)) {
			break;
		}
		struct rtc_audio_frame *a = NULL;
		int r;
		unsigned want = 0;
		if (len == 0) {
			have_next = fuzz_input_chunk(&in, &next, &next_len);
			/* The gap's length from the input: 0 (the last packet's) or k x 2.5 ms. */
			want = 120u * fuzz_input_u8(&in) % (RTC_DECODER_MAX_AUDIO_SAMPLES + 120);
			r = rtc_decoder_conceal_audio(d, want, have_next ? next : NULL, next_len, &a, &err);
		} else {
			r = rtc_decoder_decode_audio(d, packet, len, &a, &err);
		}
		if ((r == -1 && (!err.message[0] || a)) || (r == 1 && !a) || r < -1 || r > 1)
			abort();
		if (a && (a->sample_rate != 48000 || a->channels != 1 || !a->samples ||
			  a->samples > RTC_DECODER_MAX_AUDIO_SAMPLES || (want && a->samples != want)))
			abort();
		rtc_audio_frame_free(a);
		err.message[0] = '\0';
	}
	rtc_decoder_free(d);
	return 0;
}
