/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opus through the codec wrappers: a tone keeps its frequency (measured
 * by zero crossings and by Goertzel, independently of the codec), a lost
 * frame is concealed or recovered from the next packet's FEC with the
 * right length, DTX sends nothing in silence and marks the next
 * talkspurt, and the packets are what the engine's packetizer takes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/packetize/opus.h"
#include "media/codec/decoder.h"
#include "media/codec/encoder.h"
#include "media/codec/test-pattern.h"

#define FRAME 960               /* 20 ms at 48 kHz */

/* The signal's frequency from its rising zero crossings (interpolated). */
static double zero_crossing_hz(const int16_t *pcm, size_t n)
{
	double first = -1, last = -1;
	unsigned crossings = 0;

	for (size_t i = 1; i < n; i++)
		if (pcm[i - 1] < 0 && pcm[i] >= 0) {
			double t = i - 1 + (double)-pcm[i - 1] / (pcm[i] - pcm[i - 1]);
			if (first < 0)
				first = t;
			else
				crossings++;
			last = t;
		}
	return crossings ? crossings * 48000.0 / (last - first) : 0;
}

/* Power of the signal at hz (Goertzel), normalised by its length. */
static double goertzel(const int16_t *pcm, size_t n, double hz)
{
	double k = 2 * cos(2 * M_PI * hz / 48000), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s = pcm[i] + k * s1 - s2;
		s2 = s1;
		s1 = s;
	}
	return (s1 * s1 + s2 * s2 - k * s1 * s2) / ((double)n * n);
}

static struct rtc_encoder *opus_encoder(uint32_t bitrate, unsigned loss)
{
	struct rtc_error err = { 0 };
	struct rtc_encoder *e = rtc_encoder_new(&(struct rtc_encoder_config){
		.codec = RTC_CODEC_OPUS, .bitrate = bitrate, .channels = 1,
		.expected_loss_percent = loss }, &err);

	if (!e)
		printf("# %s\n", err.message);
	return e;
}

static struct rtc_decoder *opus_decoder(void)
{
	struct rtc_error err = { 0 };
	return rtc_decoder_new(&(struct rtc_decoder_config){ .codec = RTC_CODEC_OPUS }, &err);
}

/* The codec delay (in samples, searched over 20 ms) that best aligns a
 * decoded frame starting at sample `start` with the 440 Hz tone sent. */
static unsigned best_lag(const int16_t *pcm, unsigned start)
{
	unsigned best = 0;
	double best_err = INFINITY;

	for (unsigned lag = 0; lag < 960; lag++) {
		double e = 0;
		for (unsigned i = 0; i < FRAME; i++) {
			double ref = 8000 * sin(2 * M_PI * 440 * ((double)start + i - lag) / 48000);
			e += (pcm[i] - ref) * (pcm[i] - ref);
		}
		if (e < best_err) {
			best_err = e;
			best = lag;
		}
	}
	return best;
}

/* One second of a tone through encoder, packetizer and decoder: the last
 * half second (past the codec's delay) has the tone's frequency. */
static void tone_round_trip(double hz)
{
	struct rtc_encoder *e = opus_encoder(32000, 0);
	struct rtc_decoder *d = opus_decoder();
	struct rtc_audio_frame *src = rtc_audio_frame_new(48000, 1, FRAME);
	static int16_t out[50 * FRAME];
	struct rtc_encoded enc = { 0 };
	struct rtc_error err = { 0 };
	size_t got = 0;

	CHECK(e && d && src);
	if (!e || !d || !src)
		goto done;
	for (unsigned n = 0; n < 50; n++) {
		pattern_tone(src, hz, (uint64_t)n * FRAME);
		CHECK(rtc_encoder_encode_audio(e, src, &enc, &err) == 1);
		CHECK(enc.samples == FRAME && enc.talkspurt_start == (n == 0));
		/* What the packetizer and depacketizer make of it. */
		static uint8_t buf[2000];
		struct rtc_frame_payload slot;
		struct rtc_frame_payloads pl = { .buf = buf, .cap = sizeof(buf), .slots = &slot,
						 .max_slots = 1, .mtu = 1200 };
		struct rtc_opus_packet pkt;
		CHECK(rtc_opus_packetize(enc.data, enc.len, enc.talkspurt_start, &pl, &err) == 0);
		CHECK(rtc_opus_depacketize(rtc_frame_payloads_data(&pl, 0), slot.len, slot.marker,
					   &pkt, &err) == 0);
		CHECK(pkt.samples == FRAME);
		struct rtc_audio_frame *dec = NULL;
		CHECK(rtc_decoder_decode_audio(d, pkt.data, pkt.len, &dec, &err) == 1);
		if (dec) {
			CHECK(dec->samples == FRAME && dec->channels == 1 && dec->sample_rate == 48000);
			memcpy(out + got, dec->pcm, FRAME * sizeof(int16_t));
			got += FRAME;
		}
		rtc_audio_frame_free(dec);
	}
	CHECK(got == 50 * FRAME);
	if (got == 50 * FRAME) {
		double zc = zero_crossing_hz(out + 25 * FRAME, 25 * FRAME);
		double at = goertzel(out + 25 * FRAME, 25 * FRAME, hz);
		double below = goertzel(out + 25 * FRAME, 25 * FRAME, hz * 0.8);
		double above = goertzel(out + 25 * FRAME, 25 * FRAME, hz * 1.25);
		printf("# %.0f Hz tone: %.1f Hz by zero crossings; Goertzel power %.0f at it, "
		       "%.0f / %.0f at 0.8x / 1.25x\n", hz, zc, at, below, above);
		CHECK(fabs(zc - hz) < hz * 0.01);
		CHECK(at > 100 * below && at > 100 * above);
	}
done:
	rtc_encoded_release(&enc);
	rtc_audio_frame_free(src);
	rtc_decoder_free(d);
	rtc_encoder_free(e);
}

static void test_tone_440(void) { tone_round_trip(440); }
static void test_tone_1000(void) { tone_round_trip(1000); }

/* Packet 10 of 20 is lost: concealed without its successor (PLC), and
 * recovered with it (FEC). Both give 20 ms; the FEC frame carries the
 * tone, and after either the stream goes on decoding. */
static void test_loss_concealed(void)
{
	struct rtc_encoder *e = opus_encoder(32000, 20);
	struct rtc_audio_frame *src = rtc_audio_frame_new(48000, 1, FRAME);
	struct rtc_encoded enc = { 0 };
	struct rtc_error err = { 0 };
	static uint8_t packets[20][1500];
	size_t lens[20] = { 0 };
	double snr[2] = { 0 };
	unsigned lag = 0;

	CHECK(e && src);
	if (!e || !src)
		goto done;
	for (unsigned n = 0; n < 20; n++) {
		pattern_tone(src, 440, (uint64_t)n * FRAME);
		CHECK(rtc_encoder_encode_audio(e, src, &enc, &err) == 1);
		memcpy(packets[n], enc.data, enc.len);
		lens[n] = enc.len;
	}
	for (int fec = 0; fec < 2; fec++) {
		struct rtc_decoder *d = opus_decoder();
		struct rtc_audio_frame *out = NULL;
		for (unsigned n = 0; n < 20 && d; n++) {
			if (n == 10) {
				CHECK(rtc_decoder_conceal_audio(d, 0, fec ? packets[11] : NULL,
								fec ? lens[11] : 0, &out, &err) == 1);
				CHECK(out && out->samples == FRAME);
				if (out) {
					/* Against the tone as sent, the codec's delay
					 * (measured on the frame before) aside. */
					double sig = 0, noise = 0;
					for (unsigned i = 0; i < FRAME; i++) {
						double ref = 8000 * sin(2 * M_PI * 440 * (10.0 * FRAME + i - lag) / 48000);
						sig += ref * ref;
						noise += (out->pcm[i] - ref) * (out->pcm[i] - ref);
					}
					snr[fec] = 10 * log10(sig / noise);
					CHECK(fabs(zero_crossing_hz(out->pcm, FRAME) - 440) < 440 * 0.05 || !fec);
				}
			} else {
				CHECK(rtc_decoder_decode_audio(d, packets[n], lens[n], &out, &err) == 1);
				CHECK(out && out->samples == FRAME);
				if (out && n == 9)
					lag = best_lag(out->pcm, 9 * FRAME);
			}
			rtc_audio_frame_free(out);
			out = NULL;
		}
		/* Other gap lengths: 10 and 60 ms; 7 samples is no Opus duration. */
		CHECK(d && rtc_decoder_conceal_audio(d, 480, NULL, 0, &out, &err) == 1 &&
		      out->samples == 480);
		rtc_audio_frame_free(out);
		CHECK(rtc_decoder_conceal_audio(d, 2880, packets[0], lens[0], &out, &err) == 1 &&
		      out->samples == 2880);
		rtc_audio_frame_free(out);
		CHECK(rtc_decoder_conceal_audio(d, 7, NULL, 0, &out, &err) == -1 &&
		      err.kind == RTC_ERROR_RANGE && !out);
		rtc_decoder_free(d);
	}
	printf("# lost frame: SNR %.1f dB concealed (PLC), %.1f dB recovered (FEC); delay %u\n",
	       snr[0], snr[1], lag);
	/* FEC carries the real frame, PLC only extrapolates. */
	CHECK(snr[1] > snr[0] + 10);
done:
	rtc_encoded_release(&enc);
	rtc_audio_frame_free(src);
	rtc_encoder_free(e);
}

/* Silence: after a few packets nothing is sent; the tone that follows
 * starts a talkspurt (the RTP marker). */
static void test_dtx(void)
{
	struct rtc_encoder *e = opus_encoder(32000, 0);
	struct rtc_audio_frame *src = rtc_audio_frame_new(48000, 1, FRAME);
	struct rtc_encoded enc = { 0 };
	struct rtc_error err = { 0 };
	unsigned sent = 0;

	CHECK(e && src);
	if (!e || !src)
		goto done;
	/* libopus enters DTX after ~200 ms, then refreshes the comfort
	 * noise every 400 ms: count over the 2 s after the first. */
	for (unsigned n = 0; n < 150; n++) {    /* src is zeroed: silence */
		int r = rtc_encoder_encode_audio(e, src, &enc, &err);
		CHECK(r >= 0);
		sent += r == 1 && n >= 50;
	}
	printf("# 2 s of silence: %u of 100 packets sent\n", sent);
	CHECK(sent <= 10);
	pattern_tone(src, 440, 0);
	CHECK(rtc_encoder_encode_audio(e, src, &enc, &err) == 1 && enc.talkspurt_start);
	pattern_tone(src, 440, FRAME);
	CHECK(rtc_encoder_encode_audio(e, src, &enc, &err) == 1 && !enc.talkspurt_start);
done:
	rtc_encoded_release(&enc);
	rtc_audio_frame_free(src);
	rtc_encoder_free(e);
}

/* The bitrate changes at run time: a second of a two-tone signal costs
 * clearly more at 64 kbit/s than at 16. */
static void test_bitrate(void)
{
	struct rtc_encoder *e = opus_encoder(16000, 0);
	struct rtc_audio_frame *src = rtc_audio_frame_new(48000, 1, FRAME);
	struct rtc_encoded enc = { 0 };
	struct rtc_error err = { 0 };
	size_t bytes[2] = { 0 };

	CHECK(e && src);
	if (!e || !src)
		goto done;
	for (unsigned n = 0; n < 100; n++) {
		if (n == 50)
			CHECK(rtc_encoder_set_bitrate(e, 64000, &err) == 0);
		pattern_tone(src, 440, (uint64_t)n * FRAME);
		for (unsigned i = 0; i < FRAME; i++)
			src->pcm[i] = (int16_t)(src->pcm[i] / 2 + 3000 * sin(2 * M_PI * 3100 * (n * FRAME + i) / 48000.0));
		CHECK(rtc_encoder_encode_audio(e, src, &enc, &err) == 1);
		bytes[n >= 50] += enc.len;
	}
	printf("# %zu bytes/s at 16 kbit/s, %zu at 64 kbit/s\n", bytes[0], bytes[1]);
	CHECK(bytes[1] > 2 * bytes[0]);
	CHECK(bytes[0] * 8 > 16000 / 2 && bytes[0] * 8 < 16000 * 3 / 2);
	CHECK(rtc_encoder_set_bitrate(e, 1000, &err) == -1 && err.kind == RTC_ERROR_RANGE);
	/* A frame of the wrong shape is refused. */
	struct rtc_audio_frame *odd = rtc_audio_frame_new(48000, 1, 1000);
	struct rtc_audio_frame *stereo = rtc_audio_frame_new(48000, 2, FRAME);
	struct rtc_audio_frame *slow = rtc_audio_frame_new(44100, 1, FRAME);
	CHECK(rtc_encoder_encode_audio(e, odd, &enc, &err) == -1 && err.kind == RTC_ERROR_TYPE);
	CHECK(rtc_encoder_encode_audio(e, stereo, &enc, &err) == -1 && err.kind == RTC_ERROR_TYPE);
	CHECK(rtc_encoder_encode_audio(e, slow, &enc, &err) == -1 && err.kind == RTC_ERROR_TYPE);
	rtc_audio_frame_free(odd);
	rtc_audio_frame_free(stereo);
	rtc_audio_frame_free(slow);
done:
	rtc_encoded_release(&enc);
	rtc_audio_frame_free(src);
	rtc_encoder_free(e);
}

/* Stereo in, stereo out; a mono decoder takes the stereo stream too. */
static void test_stereo(void)
{
	struct rtc_error err = { 0 };
	struct rtc_encoder *e = rtc_encoder_new(&(struct rtc_encoder_config){
		.codec = RTC_CODEC_OPUS, .bitrate = 64000, .channels = 2 }, &err);
	struct rtc_decoder *d2 = rtc_decoder_new(&(struct rtc_decoder_config){
		.codec = RTC_CODEC_OPUS, .channels = 2 }, &err);
	struct rtc_decoder *d1 = opus_decoder();
	struct rtc_audio_frame *src = rtc_audio_frame_new(48000, 2, FRAME), *out = NULL;
	struct rtc_encoded enc = { 0 };

	CHECK(e && d1 && d2 && src);
	if (e && d1 && d2 && src) {
		pattern_tone(src, 440, 0);
		CHECK(rtc_encoder_encode_audio(e, src, &enc, &err) == 1);
		CHECK(rtc_decoder_decode_audio(d2, enc.data, enc.len, &out, &err) == 1 &&
		      out->channels == 2 && out->samples == FRAME);
		rtc_audio_frame_free(out);
		CHECK(rtc_decoder_decode_audio(d1, enc.data, enc.len, &out, &err) == 1 &&
		      out->channels == 1 && out->samples == FRAME);
		rtc_audio_frame_free(out);
	}
	CHECK(!rtc_decoder_new(&(struct rtc_decoder_config){ .codec = RTC_CODEC_OPUS, .channels = 3 },
			       &err) && err.kind == RTC_ERROR_TYPE);
	rtc_encoded_release(&enc);
	rtc_audio_frame_free(src);
	rtc_decoder_free(d1);
	rtc_decoder_free(d2);
	rtc_encoder_free(e);
}

int main(void)
{
	RUN(test_tone_440);
	RUN(test_tone_1000);
	RUN(test_loss_concealed);
	RUN(test_dtx);
	RUN(test_bitrate);
	RUN(test_stereo);
	return rtc_test_done();
}
