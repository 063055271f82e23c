/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decoders against what a hostile or broken peer sends: random bytes,
 * truncated and bit-flipped real frames, delta frames without their key
 * frame, absurd sizes. Each gives an error (or, for a flipped bit the
 * bitstream cannot detect, a picture), never a crash, and the decoder
 * decodes the next good key frame afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/codec/decoder.h"
#include "media/codec/encoder.h"
#include "media/codec/test-pattern.h"

struct clip {
	uint8_t *frame[4];              /* a key frame, then three deltas */
	size_t len[4];
};

static uint32_t rng = 12345;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static bool make_clip(enum rtc_codec codec, struct clip *c)
{
	struct rtc_error err = { 0 };
	struct rtc_encoder *e = rtc_encoder_new(&(struct rtc_encoder_config){
		.codec = codec, .width = 160, .height = 120, .bitrate = 300000,
		.channels = 1 }, &err);
	struct rtc_video_frame *v = rtc_video_frame_new(160, 120);
	struct rtc_audio_frame *a = rtc_audio_frame_new(48000, 1, 960);
	struct rtc_encoded enc = { 0 };
	bool ok = e && v && a;

	for (unsigned n = 0; ok && n < 4; n++) {
		int r;
		if (codec == RTC_CODEC_OPUS) {
			pattern_tone(a, 440, n * 960ull);
			r = rtc_encoder_encode_audio(e, a, &enc, &err);
		} else {
			pattern_fill(v, n);
			r = rtc_encoder_encode_video(e, v, &enc, &err);
		}
		ok = r == 1 && (c->frame[n] = malloc(enc.len));
		if (ok) {
			memcpy(c->frame[n], enc.data, enc.len);
			c->len[n] = enc.len;
		}
	}
	rtc_encoded_release(&enc);
	rtc_video_frame_free(v);
	rtc_audio_frame_free(a);
	rtc_encoder_free(e);
	return ok;
}

static void free_clip(struct clip *c)
{
	for (unsigned n = 0; n < 4; n++)
		free(c->frame[n]);
}

/* -1 (with an error message), 0 or 1 (with a frame), nothing else. */
static int decode(struct rtc_decoder *d, const uint8_t *data, size_t len)
{
	struct rtc_error err = { 0 };
	struct rtc_video_frame *v = NULL;
	struct rtc_audio_frame *a = NULL;
	int r;

	if (rtc_decoder_codec(d) == RTC_CODEC_OPUS)
		r = rtc_decoder_decode_audio(d, data, len, &a, &err);
	else
		r = rtc_decoder_decode_video(d, data, len, &v, &err);
	CHECK(r == -1 || r == 0 || r == 1);
	CHECK(r != -1 || (err.message[0] && !v && !a));
	CHECK(r != 1 || v || a);
	rtc_video_frame_free(v);
	rtc_audio_frame_free(a);
	return r;
}

/* The decoder is still usable: the clip decodes from its key frame. */
static void check_recovers(struct rtc_decoder *d, const struct clip *c)
{
	for (unsigned n = 0; n < 4; n++)
		CHECK(decode(d, c->frame[n], c->len[n]) == 1);
	CHECK(!rtc_decoder_needs_key_frame(d));
}

static void hostile(enum rtc_codec codec)
{
	struct rtc_error err = { 0 };
	struct rtc_decoder *d = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = codec }, &err);
	struct clip c = { 0 };
	static uint8_t buf[70000];
	unsigned errors = 0, tries = 0;

	CHECK(d && make_clip(codec, &c));
	if (!d || !c.frame[3])
		goto out;
	CHECK(decode(d, buf, 0) == -1);
	/* Random bytes, sometimes behind a plausible first byte or start code. */
	for (unsigned i = 0; i < 300; i++) {
		size_t len = 1 + next_random() % (i < 200 ? 64 : sizeof(buf) - 1);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)next_random();
		if (codec == RTC_CODEC_H264 && i % 2 && len > 5)
			memcpy(buf, (const uint8_t[]){ 0, 0, 0, 1, 0x65 }, 5);
		if (codec == RTC_CODEC_VP8 && i % 2 && len > 10)
			memcpy(buf, (const uint8_t[]){ 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0xa0, 0, 0x78, 0 }, 10);
		errors += decode(d, buf, len) == -1;
		tries++;
	}
	printf("# %s: %u of %u random inputs refused\n", codec == RTC_CODEC_OPUS ? "Opus" :
	       codec == RTC_CODEC_VP8 ? "VP8" : "H.264", errors, tries);
	check_recovers(d, &c);
	/* Every truncation of the key frame; then the clip again. */
	for (size_t len = 0; len < c.len[0]; len += 1 + len / 16)
		decode(d, c.frame[0], len);
	check_recovers(d, &c);
	/* Flipped bits in each frame. */
	for (unsigned i = 0; i < 200; i++) {
		unsigned n = i % 4;
		memcpy(buf, c.frame[n], c.len[n]);
		for (unsigned k = 0; k < 3; k++)
			buf[next_random() % c.len[n]] ^= (uint8_t)(1u << (next_random() % 8));
		decode(d, buf, c.len[n]);
	}
	check_recovers(d, &c);
	if (codec != RTC_CODEC_OPUS) {
		/* A fresh decoder refuses delta frames until a key frame. */
		struct rtc_decoder *fresh = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = codec }, &err);
		struct rtc_video_frame *v = NULL;
		CHECK(fresh && rtc_decoder_needs_key_frame(fresh));
		CHECK(rtc_decoder_decode_video(fresh, c.frame[1], c.len[1], &v, &err) == -1 &&
		      err.kind == RTC_ERROR_INVALID_STATE);
		check_recovers(fresh, &c);
		/* A truncated key frame is an error, and then deltas wait for a key. */
		CHECK(decode(fresh, c.frame[0], c.len[0] / 3) == -1);
		CHECK(rtc_decoder_needs_key_frame(fresh));
		CHECK(decode(fresh, c.frame[1], c.len[1]) == -1);
		check_recovers(fresh, &c);
		rtc_decoder_free(fresh);
	}
out:
	free_clip(&c);
	rtc_decoder_free(d);
}

static void test_opus_hostile(void) { hostile(RTC_CODEC_OPUS); }
static void test_vp8_hostile(void) { hostile(RTC_CODEC_VP8); }
static void test_h264_hostile(void) { hostile(RTC_CODEC_H264); }

/* A VP8 key frame announcing 16383x16383 is refused before libvpx
 * allocates for it; so is one without its start code. */
static void test_vp8_absurd_size(void)
{
	struct rtc_error err = { 0 };
	struct rtc_decoder *d = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = RTC_CODEC_VP8 }, &err);
	uint8_t huge[64] = { 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0xff, 0x3f, 0xff, 0x3f };
	uint8_t nocode[64] = { 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2b, 0xa0, 0x00, 0x78, 0x00 };
	struct rtc_video_frame *v = NULL;

	CHECK(d);
	if (!d)
		return;
	CHECK(rtc_decoder_decode_video(d, huge, sizeof(huge), &v, &err) == -1 &&
	      err.kind == RTC_ERROR_SYNTAX && strstr(err.message, "16383"));
	CHECK(rtc_decoder_decode_video(d, nocode, sizeof(nocode), &v, &err) == -1 &&
	      err.kind == RTC_ERROR_SYNTAX);
	rtc_decoder_free(d);
}

/* Opus packets that break RFC 6716's rules are errors, not noise. */
static void test_opus_invalid_packets(void)
{
	struct rtc_error err = { 0 };
	struct rtc_decoder *d = rtc_decoder_new(&(struct rtc_decoder_config){ .codec = RTC_CODEC_OPUS }, &err);
	struct rtc_audio_frame *a = NULL;
	/* Code 3 with 0 frames (R5); code 1 with an odd payload (R3); code 2
	 * with a frame length beyond the packet (R4). */
	const uint8_t zero_frames[] = { 0x03, 0x00 };
	const uint8_t odd_cbr[] = { 0x01, 1, 2, 3 };
	const uint8_t long_frame[] = { 0x02, 200, 1, 2 };

	CHECK(d);
	if (!d)
		return;
	CHECK(rtc_decoder_decode_audio(d, zero_frames, sizeof(zero_frames), &a, &err) == -1 &&
	      err.kind == RTC_ERROR_SYNTAX);
	CHECK(rtc_decoder_decode_audio(d, odd_cbr, sizeof(odd_cbr), &a, &err) == -1);
	CHECK(rtc_decoder_decode_audio(d, long_frame, sizeof(long_frame), &a, &err) == -1);
	CHECK(!a);
	/* An invalid "next packet" for FEC falls back to PLC. */
	CHECK(rtc_decoder_conceal_audio(d, 960, zero_frames, sizeof(zero_frames), &a, &err) == 1 &&
	      a->samples == 960);
	rtc_audio_frame_free(a);
	/* Video calls on an audio decoder are refused. */
	struct rtc_video_frame *v = NULL;
	CHECK(rtc_decoder_decode_video(d, odd_cbr, sizeof(odd_cbr), &v, &err) == -1 &&
	      err.kind == RTC_ERROR_TYPE);
	rtc_decoder_free(d);
}

int main(void)
{
	RUN(test_opus_hostile);
	RUN(test_vp8_hostile);
	RUN(test_h264_hostile);
	RUN(test_vp8_absurd_size);
	RUN(test_opus_invalid_packets);
	return rtc_test_done();
}
