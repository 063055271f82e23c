/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the seed corpora of the decoder fuzz targets from real encoder
 * output (small pictures, so seeds stay a few kB): each seed is a run of
 * length-prefixed frames (tests/fuzz/fuzz_input.h) — a key frame and
 * deltas, a key frame after a size change, a truncated frame; for Opus,
 * packets with a gap (an empty chunk) before an FEC-carrying packet.
 *
 *     make-decode-seeds tests/fuzz/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/codec/encoder.h"
#include "media/codec/test-pattern.h"

struct seed {
	uint8_t buf[65536];
	size_t len;
};

static void add_chunk(struct seed *s, const uint8_t *data, size_t len)
{
	if (s->len + 2 + len > sizeof(s->buf) || len > 0xffff) {
		fprintf(stderr, "seed too large\n");
		exit(1);
	}
	s->buf[s->len++] = (uint8_t)(len >> 8);
	s->buf[s->len++] = (uint8_t)len;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
}

static void write_seed(const char *dir, const char *name, const struct seed *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static struct rtc_encoder *must_encoder(const struct rtc_encoder_config *cfg)
{
	struct rtc_error err = { 0 };
	struct rtc_encoder *e = rtc_encoder_new(cfg, &err);
	if (!e) {
		fprintf(stderr, "%s\n", err.message);
		exit(1);
	}
	return e;
}

static void video_seeds(const char *root, enum rtc_codec codec, const char *name)
{
	char dir[4096];
	struct rtc_encoder *e = must_encoder(&(struct rtc_encoder_config){
		.codec = codec, .width = 96, .height = 64, .bitrate = 200000 });
	struct rtc_video_frame *f = rtc_video_frame_new(96, 64), *g = rtc_video_frame_new(64, 48);
	struct rtc_encoded enc = { 0 };
	struct rtc_error err = { 0 };
	struct seed clip = { 0 }, resized = { 0 }, truncated = { 0 }, delta_first = { 0 };

	snprintf(dir, sizeof(dir), "%s/decode-%s", root, name);
	for (unsigned n = 0; n < 6; n++) {
		struct rtc_video_frame *src = n < 4 ? f : g;
		pattern_fill(src, n);
		if (rtc_encoder_encode_video(e, src, &enc, &err) != 1) {
			fprintf(stderr, "frame %u: %s\n", n, err.message);
			exit(1);
		}
		if (n < 4)
			add_chunk(&clip, enc.data, enc.len);
		add_chunk(&resized, enc.data, enc.len);
		if (n == 0) {
			add_chunk(&truncated, enc.data, enc.len / 2);
			add_chunk(&truncated, enc.data, enc.len);
		}
		if (n == 1)
			add_chunk(&delta_first, enc.data, enc.len);
	}
	write_seed(dir, "key-and-deltas", &clip);
	write_seed(dir, "size-change", &resized);
	write_seed(dir, "truncated-key", &truncated);
	write_seed(dir, "delta-without-key", &delta_first);
	rtc_encoded_release(&enc);
	rtc_video_frame_free(f);
	rtc_video_frame_free(g);
	rtc_encoder_free(e);
}

static void opus_seeds(const char *root)
{
	char dir[4096];
	struct rtc_encoder *e = must_encoder(&(struct rtc_encoder_config){
		.codec = RTC_CODEC_OPUS, .bitrate = 24000, .expected_loss_percent = 20 });
	struct rtc_audio_frame *a = rtc_audio_frame_new(48000, 1, 960);
	struct rtc_encoded enc = { 0 };
	struct rtc_error err = { 0 };
	struct seed clip = { 0 }, lossy = { 0 };

	snprintf(dir, sizeof(dir), "%s/decode-opus", root);
	for (unsigned n = 0; n < 6; n++) {
		pattern_tone(a, 440, n * 960ull);
		if (rtc_encoder_encode_audio(e, a, &enc, &err) != 1) {
			fprintf(stderr, "packet %u: %s\n", n, err.message);
			exit(1);
		}
		add_chunk(&clip, enc.data, enc.len);
		if (n == 3) {
			add_chunk(&lossy, NULL, 0);     /* packet 3 lost */
			continue;
		}
		add_chunk(&lossy, enc.data, enc.len);
		if (n == 4)
			lossy.buf[lossy.len++] = 8;     /* the gap: 8 x 2.5 ms */
	}
	write_seed(dir, "tone", &clip);
	write_seed(dir, "tone-with-loss", &lossy);
	rtc_encoded_release(&enc);
	rtc_audio_frame_free(a);
	rtc_encoder_free(e);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-ROOT\n", argv[0]);
		return 2;
	}
	video_seeds(argv[1], RTC_CODEC_VP8, "vp8");
	video_seeds(argv[1], RTC_CODEC_H264, "h264");
	opus_seeds(argv[1]);
	return 0;
}
