/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ring between 20 ms pushes and PipeWire's quantum: starts only with
 * enough in hand, keeps order, never loses a sample in steady state
 * whatever the quantum, bounds latency by dropping the oldest, goes quiet
 * (and counts it) when it runs dry; with rate matching, follows a
 * producer 0.5 % off the consumer's clock for ten minutes without a cut or
 * a gap, and leaves samples exact when the clocks agree.
 */
#include "media/pipewire/output-pcm-ring.h"

#include <math.h>

#include "check.h"

#define CAPACITY 16384u
#define SLACK 4800u

/* Sample n of a numbered stream: every sample says where it belongs. */
static int16_t sample(uint64_t n)
{
	return (int16_t)(n % 30000 + 1);
}

static void fill(int16_t *pcm, uint64_t first, uint32_t frames, uint32_t channels)
{
	for (uint32_t i = 0; i < frames; i++)
		for (uint32_t c = 0; c < channels; c++)
			pcm[i * channels + c] = (int16_t)(c ? -sample(first + i) : sample(first + i));
}

static void test_silence_until_started(void)
{
	struct rtc_pcm_ring ring;
	CHECK(rtc_pcm_ring_init(&ring, 1, CAPACITY, SLACK) == 0);
	int16_t in[960], out[1024];
	fill(in, 0, 960, 1);
	rtc_pcm_ring_write(&ring, in, 960);
	rtc_pcm_ring_read(&ring, out, 1024);
	bool silent = true;
	for (int i = 0; i < 1024; i++)
		silent &= out[i] == 0;
	CHECK(silent);
	/* 1024 + 2 × 960 = 2944 needed: three pushes are 2880, four start it. */
	fill(in, 960, 960, 1);
	rtc_pcm_ring_write(&ring, in, 960);
	fill(in, 1920, 960, 1);
	rtc_pcm_ring_write(&ring, in, 960);
	rtc_pcm_ring_read(&ring, out, 1024);
	CHECK_INTEQ(out[0], 0);
	fill(in, 2880, 960, 1);
	rtc_pcm_ring_write(&ring, in, 960);
	rtc_pcm_ring_read(&ring, out, 1024);
	CHECK_INTEQ(out[0], sample(0));
	CHECK_INTEQ(out[1023], sample(1023));
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	CHECK_INTEQ(st.frames_silence, 2048);
	CHECK_INTEQ(st.frames_read, 1024);
	CHECK_INTEQ(st.underruns, 0);
	CHECK_INTEQ(rtc_pcm_ring_level(&ring), 3840 - 1024);
	rtc_pcm_ring_fini(&ring);
}

/* Pushes of `chunk` every chunk/48 ms against reads of `quantum` every
 * quantum/48 ms, for ten simulated seconds, events in time order. */
static void steady_rm(uint32_t chunk, uint32_t quantum, uint32_t channels, bool rate_matching)
{
	struct rtc_pcm_ring ring;
	CHECK(rtc_pcm_ring_init(&ring, channels, CAPACITY, SLACK) == 0);
	rtc_pcm_ring_set_rate_matching(&ring, rate_matching);
	int16_t in[4096 * 2], out[8192 * 2];
	uint64_t written = 0, next_expected = 0, bad = 0;
	bool seen = false;
	/* Time in samples at 48 kHz: push k at k·chunk, read j at j·quantum
	 * (a read at the same instant as a push comes first: worst case). */
	uint64_t next_push = 0, next_read = 0;
	while (next_read < 48000 * 10) {
		if (next_push < next_read) {
			fill(in, written, chunk, channels);
			rtc_pcm_ring_write(&ring, in, chunk);
			written += chunk;
			next_push += chunk;
			continue;
		}
		rtc_pcm_ring_read(&ring, out, quantum);
		for (uint32_t i = 0; i < quantum; i++) {
			int16_t v = out[i * channels];
			if (!seen && v == 0)
				continue;
			seen = true;
			if (v != sample(next_expected) ||
			    (channels == 2 && out[i * channels + 1] != -v))
				bad++;
			next_expected++;
		}
		next_read += quantum;
	}
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	printf("# chunk %u quantum %u: read %llu, level %u, underruns %llu, dropped %llu\n",
	       chunk, quantum, (unsigned long long)st.frames_read, rtc_pcm_ring_level(&ring),
	       (unsigned long long)st.underruns, (unsigned long long)st.frames_dropped);
	CHECK(seen);
	CHECK_INTEQ(bad, 0);
	CHECK_INTEQ(st.underruns, 0);
	CHECK_INTEQ(st.frames_dropped, 0);
	CHECK(st.frames_read > 48000 * 9);
	/* Latency stays around a quantum and two pushes. */
	CHECK(rtc_pcm_ring_level(&ring) <= quantum + 3 * chunk + (rate_matching ? chunk / 2 : 0));
	/* Clocks in step: rate matching never touched a sample. */
	CHECK_INTEQ(st.frames_resampled, 0);
	rtc_pcm_ring_fini(&ring);
}

static void steady(uint32_t chunk, uint32_t quantum, uint32_t channels)
{
	steady_rm(chunk, quantum, channels, false);
}

static void test_steady_quantum_1024(void) { steady(960, 1024, 1); }
static void test_steady_quantum_256(void) { steady(960, 256, 2); }
static void test_steady_quantum_2048(void) { steady(960, 2048, 1); }
static void test_steady_quantum_960(void) { steady(960, 960, 2); }
static void test_steady_10ms_pushes(void) { steady(480, 1024, 1); }

/* Clocks in step, but every push late by 0..10 ms (a busy reactor, the
 * decoder's pool): a minute without an interpolated sample. */
static void test_rate_matching_ignores_jitter(void)
{
	struct rtc_pcm_ring ring;
	int16_t in[960], out[1024];
	uint64_t written = 0, k = 0, next_read = 0, rng = 12345;
	uint64_t next_push = 0;

	CHECK(rtc_pcm_ring_init(&ring, 1, CAPACITY, SLACK) == 0);
	rtc_pcm_ring_set_rate_matching(&ring, true);
	while (next_read < 48000 * 60) {
		if (next_push < next_read) {
			fill(in, written, 960, 1);
			rtc_pcm_ring_write(&ring, in, 960);
			written += 960;
			k++;
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			next_push = k * 960 + (rng >> 33) % 480;
			continue;
		}
		rtc_pcm_ring_read(&ring, out, 1024);
		next_read += 1024;
	}
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	printf("# jitter 0..10 ms: underruns %llu, cuts %llu, interpolated %llu\n",
	       (unsigned long long)st.underruns, (unsigned long long)st.cuts,
	       (unsigned long long)st.frames_resampled);
	CHECK_INTEQ(st.underruns, 0);
	CHECK_INTEQ(st.cuts, 0);
	CHECK_INTEQ(st.frames_resampled, 0);
	rtc_pcm_ring_fini(&ring);
}

static void test_rate_matching_in_step_is_exact(void)
{
	steady_rm(960, 1024, 1, true);
	steady_rm(960, 256, 2, true);
	steady_rm(960, 2048, 1, true);
	steady_rm(480, 1024, 1, true);
}

struct drift_result {
	uint64_t cuts, underruns, gaps;
	uint32_t min_level, max_level;  /* at reads, once started */
	int64_t correction_ppm;
	double resampled;               /* share of frames read */
};

/* A numbered stream without a jump (1..30000 up, then down), so that
 * interpolation between neighbours never makes one. */
static int16_t triangle(uint64_t n)
{
	uint32_t p = (uint32_t)(n % 60000);

	return (int16_t)(p < 30000 ? p + 1 : 60000 - p);
}

/* A producer pushing 20 ms of its clock, which runs `ppm` faster (+) or
 * slower (−) than the consumer's, reading `quantum` frames per cycle, for
 * `seconds` of the consumer's time. Every output sample is checked to
 * differ from the one before by at most 2 (the triangle moves 1 per
 * sample, interpolated 1 ± 1 %; a cut or a gap jumps). */
static struct drift_result drift(int ppm, uint32_t quantum, bool rate_matching, double seconds)
{
	struct rtc_pcm_ring ring;
	struct drift_result r = { .min_level = UINT32_MAX };
	int16_t in[960], out[4096];
	const uint32_t chunk = 960;
	double push_period = chunk / (48000.0 * (1.0 + ppm / 1e6));
	double read_period = quantum / 48000.0;
	double next_push = 0, next_read = 0;
	uint64_t written = 0;
	int32_t last = 0;

	CHECK(rtc_pcm_ring_init(&ring, 1, CAPACITY, SLACK) == 0);
	rtc_pcm_ring_set_rate_matching(&ring, rate_matching);
	while (next_read < seconds) {
		if (next_push < next_read) {
			for (uint32_t i = 0; i < chunk; i++)
				in[i] = triangle(written + i);
			rtc_pcm_ring_write(&ring, in, chunk);
			written += chunk;
			next_push += push_period;
			continue;
		}
		uint32_t level = rtc_pcm_ring_level(&ring);
		bool started = ring.started;
		rtc_pcm_ring_read(&ring, out, quantum);
		if (started) {
			r.min_level = level < r.min_level ? level : r.min_level;
			r.max_level = level > r.max_level ? level : r.max_level;
		}
		for (uint32_t i = 0; i < quantum; i++) {
			if (out[i] == 0)
				continue;
			if (last && abs(out[i] - last) > 2)
				r.gaps++;
			last = out[i];
		}
		next_read += read_period;
	}
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	r.cuts = st.cuts;
	r.underruns = st.underruns;
	r.correction_ppm = st.correction_ppm;
	r.resampled = st.frames_read ? (double)st.frames_resampled / (double)st.frames_read : 0;
	printf("# %+d ppm, quantum %u, rate matching %s, %.0f s: cuts %llu, underruns %llu, "
	       "gaps %llu, level %u..%u, correction %+lld ppm, %.1f %% interpolated\n",
	       ppm, quantum, rate_matching ? "on" : "off", seconds,
	       (unsigned long long)r.cuts, (unsigned long long)r.underruns,
	       (unsigned long long)r.gaps, r.min_level, r.max_level,
	       (long long)r.correction_ppm, 100 * r.resampled);
	rtc_pcm_ring_fini(&ring);
	return r;
}

#define TEN_MINUTES 600.0

static void check_followed(const struct drift_result *r, int ppm, uint32_t quantum)
{
	CHECK_INTEQ(r->cuts, 0);
	CHECK_INTEQ(r->underruns, 0);
	CHECK_INTEQ(r->gaps, 0);
	/* Bounded: never dry enough to miss a quantum, never more than a
	 * quantum and five pushes (100 ms) held, where without rate matching
	 * it grows to the cut (a quantum, five pushes and the slack above). */
	CHECK(r->min_level >= quantum);
	CHECK(r->max_level <= quantum + 5 * 960);
	/* It learnt the drift: within 0.1 % of it. */
	CHECK(labs((long)(r->correction_ppm - ppm)) <= 1000);
}

static void test_producer_faster_no_cuts(void)
{
	struct drift_result r = drift(+5000, 1024, true, TEN_MINUTES);
	check_followed(&r, +5000, 1024);
	r = drift(+5000, 256, true, TEN_MINUTES);
	check_followed(&r, +5000, 256);
}

static void test_producer_slower_no_gaps(void)
{
	struct drift_result r = drift(-5000, 1024, true, TEN_MINUTES);
	check_followed(&r, -5000, 1024);
	r = drift(-5000, 2048, true, TEN_MINUTES);
	check_followed(&r, -5000, 2048);
}

/* What rate matching is for: without it the same drift cuts or runs dry
 * within the first minute. */
static void test_without_rate_matching_drift_breaks(void)
{
	struct drift_result r = drift(+5000, 1024, false, 60);
	CHECK(r.cuts > 0);
	r = drift(-5000, 1024, false, 60);
	CHECK(r.underruns > 0);
}

static void test_runs_dry_then_restarts(void)
{
	struct rtc_pcm_ring ring;
	CHECK(rtc_pcm_ring_init(&ring, 1, CAPACITY, SLACK) == 0);
	int16_t in[960], out[3000];
	for (int k = 0; k < 4; k++) {
		fill(in, (uint64_t)k * 960, 960, 1);
		rtc_pcm_ring_write(&ring, in, 960);
	}
	rtc_pcm_ring_read(&ring, out, 3000);        /* start level 3000 + 1920: silence */
	CHECK_INTEQ(out[0], 0);
	rtc_pcm_ring_read(&ring, out, 1024);        /* 3840 ≥ 1024 + 1920: starts */
	CHECK_INTEQ(out[0], sample(0));
	rtc_pcm_ring_read(&ring, out, 1024);
	rtc_pcm_ring_read(&ring, out, 1024);
	rtc_pcm_ring_read(&ring, out, 1024);        /* only 768 left */
	CHECK_INTEQ(out[767], sample(3839));
	CHECK_INTEQ(out[768], 0);
	CHECK_INTEQ(out[1023], 0);
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	CHECK_INTEQ(st.underruns, 1);
	/* One push is not enough to start again. */
	fill(in, 3840, 960, 1);
	rtc_pcm_ring_write(&ring, in, 960);
	rtc_pcm_ring_read(&ring, out, 512);
	CHECK_INTEQ(out[0], 0);
	rtc_pcm_ring_get_stats(&ring, &st);
	CHECK_INTEQ(st.underruns, 1);
	CHECK_INTEQ(st.frames_read, 3840);
	rtc_pcm_ring_fini(&ring);
}

static void test_writer_ahead_drops_oldest(void)
{
	struct rtc_pcm_ring ring;
	CHECK(rtc_pcm_ring_init(&ring, 2, CAPACITY, SLACK) == 0);
	int16_t in[960 * 2], out[1024 * 2];
	/* Nobody reads for a second: latency must not grow with it. */
	for (int k = 0; k < 50; k++) {
		fill(in, (uint64_t)k * 960, 960, 2);
		rtc_pcm_ring_write(&ring, in, 960);
		CHECK(rtc_pcm_ring_level(&ring) <= 1024 + 2 * 960 + 1024 + 2 * 960 + SLACK);
	}
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	CHECK_INTEQ(st.frames_written, 48000);
	CHECK_INTEQ(st.frames_dropped + rtc_pcm_ring_level(&ring), 48000);
	CHECK_INTEQ(st.frames_cut, 0);          /* nobody was listening yet */
	/* What is left is the newest, in order, channels intact. */
	uint32_t level = rtc_pcm_ring_level(&ring);
	rtc_pcm_ring_read(&ring, out, 1024);
	CHECK_INTEQ(out[0], sample(48000 - level));
	CHECK_INTEQ(out[1], -sample(48000 - level));
	CHECK_INTEQ(out[2 * 1023], sample(48000 - level + 1023));
	rtc_pcm_ring_fini(&ring);
}

/* The graph stops pulling for `stall` pushes, then catches up. */
static uint64_t dropped_after_stall(uint32_t stall)
{
	struct rtc_pcm_ring ring;
	CHECK(rtc_pcm_ring_init(&ring, 1, CAPACITY, SLACK) == 0);
	int16_t in[960], out[1024];
	uint64_t written = 0, expected = 0, gaps = 0;
	bool seen = false;
	for (int k = 0; k < 20 + (int)stall; k++) {
		fill(in, written, 960, 1);
		rtc_pcm_ring_write(&ring, in, 960);
		written += 960;
		if (k >= 10 && k < 10 + (int)stall)
			continue;
		/* Read until the ring is back under two pushes' worth. */
		while (rtc_pcm_ring_level(&ring) >= 1024 + 2 * 960) {
			rtc_pcm_ring_read(&ring, out, 1024);
			for (int i = 0; i < 1024; i++) {
				if (!seen && out[i] == 0)
					continue;
				if (seen && out[i] != sample(expected))
					gaps++;
				seen = true;
				expected = (uint64_t)out[i];    /* sample(n) = n + 1: the next */
			}
		}
	}
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	CHECK_INTEQ(gaps != 0, st.frames_dropped != 0);
	CHECK_INTEQ(st.frames_cut, st.frames_dropped);  /* all after reading began */
	CHECK_INTEQ(st.cuts != 0, st.frames_cut != 0);
	rtc_pcm_ring_fini(&ring);
	return st.frames_dropped;
}

static void test_short_stall_loses_nothing(void)
{
	CHECK_INTEQ(dropped_after_stall(5), 0);         /* 100 ms */
}

static void test_long_stall_cuts_to_start_level(void)
{
	CHECK(dropped_after_stall(12) > 0);              /* 240 ms */
}

static void test_write_beyond_capacity(void)
{
	struct rtc_pcm_ring ring;
	CHECK(rtc_pcm_ring_init(&ring, 1, 1000, SLACK) == 0);
	int16_t in[2500], out[500];
	fill(in, 0, 2500, 1);
	rtc_pcm_ring_write(&ring, in, 2500);
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	CHECK(rtc_pcm_ring_level(&ring) <= 1000);
	CHECK_INTEQ(st.frames_dropped + rtc_pcm_ring_level(&ring), 2500);
	rtc_pcm_ring_read(&ring, out, 400);
	CHECK_INTEQ(out[0], sample(1500));
	CHECK_INTEQ(out[399], sample(1899));
	rtc_pcm_ring_fini(&ring);
}

static void test_clear_forgets_audio_keeps_stats(void)
{
	struct rtc_pcm_ring ring;
	CHECK(rtc_pcm_ring_init(&ring, 1, CAPACITY, SLACK) == 0);
	int16_t in[4000], out[1024];
	fill(in, 0, 4000, 1);
	rtc_pcm_ring_write(&ring, in, 4000);
	rtc_pcm_ring_clear(&ring);
	CHECK_INTEQ(rtc_pcm_ring_level(&ring), 0);
	rtc_pcm_ring_read(&ring, out, 1024);
	CHECK_INTEQ(out[0], 0);
	struct rtc_pcm_ring_stats st;
	rtc_pcm_ring_get_stats(&ring, &st);
	CHECK_INTEQ(st.frames_written, 4000);
	CHECK_INTEQ(st.underruns, 0);
	rtc_pcm_ring_fini(&ring);
}

static void test_bad_init(void)
{
	struct rtc_pcm_ring ring;
	CHECK(rtc_pcm_ring_init(&ring, 0, CAPACITY, SLACK) < 0);
	rtc_pcm_ring_fini(&ring);
	CHECK(rtc_pcm_ring_init(&ring, 1, 1, SLACK) < 0);
	rtc_pcm_ring_fini(&ring);
}

int main(void)
{
	RUN(test_silence_until_started);
	RUN(test_steady_quantum_1024);
	RUN(test_steady_quantum_256);
	RUN(test_steady_quantum_2048);
	RUN(test_steady_quantum_960);
	RUN(test_steady_10ms_pushes);
	RUN(test_rate_matching_in_step_is_exact);
	RUN(test_rate_matching_ignores_jitter);
	RUN(test_producer_faster_no_cuts);
	RUN(test_producer_slower_no_gaps);
	RUN(test_without_rate_matching_drift_breaks);
	RUN(test_runs_dry_then_restarts);
	RUN(test_writer_ahead_drops_oldest);
	RUN(test_short_stall_loses_nothing);
	RUN(test_long_stall_cuts_to_start_level);
	RUN(test_write_beyond_capacity);
	RUN(test_clear_forgets_audio_keeps_stats);
	RUN(test_bad_init);
	return rtc_test_done();
}
