/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audio through the whole media path: the fake microphone's tone → sender
 * (framer, level, Opus on the pool) → the engine's send stream → RTP →
 * receive stream and its playout buffer → receiver → PCM. Checked: the
 * tone keeps its frequency, its level rides along as RFC 6464 says, lost
 * packets are concealed (from the next packet's FEC when it came), and a
 * disabled track sends silence.
 */
#include <math.h>
#include <stdlib.h>

#include "media/fake/microphone.h"
#include "test-link.h"

#define TONE_HZ 440

struct heard {
	unsigned frames, concealed, with_fec;
	unsigned crossings;             /* sign changes over the played frames */
	uint64_t samples;               /* of those frames */
	int16_t last_sample;
	double worst_fec_hz_error;      /* of the FEC-recovered frames */
	double max_rms;                 /* of any frame after the first 200 ms */
	unsigned heard_after;           /* frames before the tone is counted */
};

static unsigned zero_crossings(const int16_t *pcm, uint32_t n, int16_t *prev)
{
	unsigned c = 0;

	for (uint32_t i = 0; i < n; i++) {
		if ((pcm[i] >= 0) != (*prev >= 0))
			c++;
		*prev = pcm[i];
	}
	return c;
}

static double rms(const int16_t *pcm, uint32_t n)
{
	double sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];
	return n ? sqrt(sum / n) : 0;
}

static void on_audio(struct link *l, struct rtc_audio_frame *f,
		     const struct rtc_media_frame_info *info)
{
	struct heard *h = l->test;
	int16_t prev = f->pcm[0];

	CHECK_INTEQ(f->sample_rate, 48000);
	CHECK_INTEQ(f->channels, 1);
	h->frames++;
	if (info->concealed)
		h->concealed++;
	if (info->fec) {
		/* FEC brings the lost frame back: the tone goes on in it. */
		double hz = zero_crossings(f->pcm, f->samples, &prev) * 48000.0 / 2 / f->samples;
		double e = fabs(hz - TONE_HZ);

		h->with_fec++;
		if (e > h->worst_fec_hz_error)
			h->worst_fec_hz_error = e;
	}
	if (h->frames <= h->heard_after)
		return;
	if (rms(f->pcm, f->samples) > h->max_rms)
		h->max_rms = rms(f->pcm, f->samples);
	if (!info->concealed) {
		h->crossings += zero_crossings(f->pcm, f->samples, &h->last_sample);
		h->samples += f->samples;
	}
}

/* Takes `frames` 20 ms frames from the microphone, each at its time on
 * the simulated clock; between them the playout buffer is polled every
 * 5 ms. */
static void run(struct link *l, struct rtc_fake_microphone *mic, unsigned frames)
{
	struct rtc_error err;

	for (unsigned n = 0; n < frames; n++) {
		uint64_t due = rtc_fake_microphone_deadline(mic);
		struct rtc_audio_frame *f;

		for (; l->now < due; l->now += 5 * MS) {
			link_poll_frames(l);
			link_settle(l);
		}
		l->now = due;
		f = rtc_fake_microphone_poll(mic, l->now);
		CHECK(f != NULL);
		if (!f)
			break;
		CHECK_INTEQ(rtc_media_sender_push_audio(l->tx, f, &err), 0);
		rtc_audio_frame_free(f);
		link_settle(l);
	}
}

static struct rtc_fake_microphone *microphone(struct link *l)
{
	struct rtc_fake_microphone_config c;
	struct rtc_error err;
	struct rtc_fake_microphone *mic;

	rtc_fake_microphone_config_default(&c);
	CHECK_INTEQ(c.frequency, TONE_HZ);
	mic = rtc_fake_microphone_new(&c, l->now, &err);
	CHECK(mic != NULL);
	return mic;
}

static void test_tone(void)
{
	struct link l = { 0 };
	struct heard h = { .heard_after = 10 };
	struct rtc_fake_microphone *mic;
	struct rtc_media_sender_stats ts;
	struct rtc_media_receiver_stats rs;
	double hz;
	int expected_level;

	l.test = &h;
	l.on_audio = on_audio;
	if (!link_open(&l, RTC_CODEC_OPUS, 32000))
		goto out;
	mic = microphone(&l);
	run(&l, mic, 100);
	rtc_media_sender_stats(l.tx, &ts);
	rtc_media_receiver_stats(l.rx, &rs);
	hz = h.samples ? h.crossings * 48000.0 / 2 / (double)h.samples : 0;
	/* -12 dBFS peak: RMS 8192/sqrt(2) of 32768, -15.1 dBov (RFC 6465 A). */
	expected_level = (int)lround(-20 * log10(8192 / sqrt(2) / 32768));
	printf("# tone: %u packets, %u frames heard, %.1f Hz, level %d (expected %d), "
	       "encode %.0f us/frame\n", l.encoded, h.frames, hz, l.last_level, expected_level,
	       ts.total_encode_time * 1e6 / (ts.frames_encoded ? ts.frames_encoded : 1));
	CHECK_INTEQ(l.encoded, 100);
	CHECK(fabs(hz - TONE_HZ) < TONE_HZ * 0.02);
	CHECK(abs(l.last_level - expected_level) <= 1);
	CHECK(fabs(ts.source_audio_level - 8192 / sqrt(2) / 32768) < 0.01);
	CHECK(fabs(ts.total_samples_duration - 2.0) < 0.001);
	CHECK_INTEQ(ts.total_samples_sent, 100 * 960);
	CHECK_INTEQ(ts.frames_encoded, 100);
	CHECK_INTEQ(rs.frames_decoded, h.frames - h.concealed);
	CHECK(rs.frames_decoded >= 90);
	CHECK_INTEQ(rs.total_samples_received, (uint64_t)h.frames * 960);
	CHECK_INTEQ(h.with_fec, 0);
	rtc_fake_microphone_free(mic);
out:
	link_close(&l);
}

/* Packet 30 is lost alone: its gap is recovered from packet 31's FEC.
 * Packets 60 and 61 are lost together: 60's gap has no next packet (PLC),
 * 61's has 62 (FEC). */
static void test_loss_concealed(void)
{
	struct link l = { 0 };
	struct heard h = { .heard_after = 10 };
	struct rtc_fake_microphone *mic;
	struct rtc_media_receiver_stats rs, before;
	double hz;

	l.test = &h;
	l.on_audio = on_audio;
	if (!link_open(&l, RTC_CODEC_OPUS, 32000))
		goto out;
	mic = microphone(&l);
	run(&l, mic, 25);
	rtc_media_receiver_stats(l.rx, &before);
	l.losses[l.n_losses++] = 30;
	l.losses[l.n_losses++] = 60;
	l.losses[l.n_losses++] = 61;
	run(&l, mic, 100);
	rtc_media_receiver_stats(l.rx, &rs);
	hz = h.samples ? h.crossings * 48000.0 / 2 / (double)h.samples : 0;
	printf("# loss: %u frames, %u concealed, %u from FEC (worst %.0f Hz off), "
	       "%llu concealed samples in %llu events\n", h.frames, h.concealed, h.with_fec,
	       h.worst_fec_hz_error, (unsigned long long)(rs.concealed_samples -
							   before.concealed_samples),
	       (unsigned long long)(rs.concealment_events - before.concealment_events));
	CHECK_INTEQ(l.packets_sent, 125);
	CHECK_INTEQ(h.with_fec, 2);
	CHECK_INTEQ(rs.gaps_with_fec, 2);
	CHECK(h.worst_fec_hz_error < TONE_HZ * 0.1);
	/* The three lost frames, in two runs. */
	CHECK_INTEQ(rs.concealed_samples - before.concealed_samples, 3 * 960);
	CHECK_INTEQ(rs.concealment_events - before.concealment_events, 2);
	CHECK(fabs(hz - TONE_HZ) < TONE_HZ * 0.02);
	rtc_fake_microphone_free(mic);
out:
	link_close(&l);
}

/* A disabled track sends silence: level 127, and the receiver hears none
 * of the tone. */
static void test_disabled_silence(void)
{
	struct link l = { 0 };
	struct heard h = { .heard_after = 0 };
	struct rtc_fake_microphone *mic;
	struct rtc_media_sender_stats ts;
	unsigned packets;

	l.test = &h;
	l.on_audio = on_audio;
	if (!link_open(&l, RTC_CODEC_OPUS, 32000))
		goto out;
	mic = microphone(&l);
	run(&l, mic, 25);
	CHECK(abs(l.last_level - 15) <= 1);
	rtc_media_sender_set_enabled(l.tx, false);
	run(&l, mic, 25);              /* the tone fades out of the decoder */
	packets = l.encoded;
	h.max_rms = 0;
	h.heard_after = h.frames;
	run(&l, mic, 100);
	rtc_media_sender_stats(l.tx, &ts);
	printf("# disabled: %u packets in 2 s (DTX), loudest frame RMS %.1f\n",
	       l.encoded - packets, h.max_rms);
	CHECK_INTEQ(l.last_level, 127);
	CHECK(h.max_rms < 50);
	CHECK(h.frames > h.heard_after);
	CHECK(ts.source_audio_level == 0);
	/* DTX: far fewer than 100 packets. */
	CHECK(l.encoded - packets < 50);
	rtc_fake_microphone_free(mic);
out:
	link_close(&l);
}

int main(void)
{
	RUN(test_tone);
	RUN(test_loss_concealed);
	RUN(test_disabled_silence);
	return rtc_test_done();
}
