/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small bounded ring between remote audio and a PipeWire output
 * stream. Decoded audio arrives in 20 ms frames on the reactor thread;
 * PipeWire takes whatever its graph quantum asks for (1024 samples, 256,
 * 2048, ...) on its data thread. The ring bridges the two:
 *
 *  - it starts (and restarts after running dry) only once it holds a
 *    quantum plus two pushes, so steady 20 ms pushes against a different
 *    quantum never run dry; until then reads give silence;
 *  - it keeps latency bounded: a write that would fill it beyond a quantum,
 *    two pushes and a slack above that start level drops the oldest samples
 *    down to the start level (counted), as does a write beyond its
 *    capacity. The slack is how long the graph may stall (a busy machine,
 *    a renegotiation) before audio is cut rather than delayed for good;
 *  - optionally (rtc_pcm_ring_set_rate_matching, for Play) it follows a
 *    producer whose clock runs a little faster or slower than the graph's
 *    (a remote sender's sound card against the local one, ±0.5 % and
 *    more): it learns the level it settles at once started (over its
 *    first 2.5 s), and when the
 *    smoothed level leaves a band around it, a PI loop reads the ring a
 *    little faster or slower than 1:1, interpolating between samples (at
 *    most ±1 %), so drift neither grows latency into cuts nor drains it
 *    into gaps. Within the band nothing is interpolated: samples pass
 *    exactly as they came.
 *
 * A mutex guards it: the two threads touch it for a memcpy each.
 * Positions and sizes are in frames (one sample per channel).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct rtc_pcm_ring_stats {
	uint64_t frames_written;        /* accepted by write */
	uint64_t frames_read;           /* real samples that left for PipeWire */
	uint64_t frames_dropped;        /* oldest dropped: overflow or latency cap */
	uint64_t frames_cut;            /* of those, after reading began: audible gaps */
	uint64_t cuts;                  /* times that happened */
	uint64_t frames_silence;        /* silence handed out (not started, or dry) */
	uint64_t underruns;             /* times it ran dry after having started */
	uint64_t frames_resampled;      /* frames handed out interpolated (rate matching) */
	int64_t correction_ppm;         /* rate matching now: + reads faster than 1:1 */
};

/* Rate matching's state (output-pcm-ring.c). */
struct rtc_pcm_rate_match {
	bool on;
	bool calibrated;                /* target known */
	uint64_t calibrate_frames;      /* read since the start, while learning it */
	double calibrate_sum;           /* their level × frames */
	double target;                  /* the level at reads when in step */
	double level;                   /* the level at reads, smoothed */
	int side;                       /* level above (1) or below (−1) the band, or in it */
	uint64_t beyond_frames;         /* read since it went there */
	double integral;                /* the drift as learnt (I term) */
	double correction;              /* ring frames per frame read, − 1 */
	double frac;                    /* position between read_pos and the next frame */
};

struct rtc_pcm_ring {
	pthread_mutex_t lock;
	int16_t *pcm;                   /* capacity × channels, interleaved */
	uint32_t capacity;              /* frames */
	uint32_t channels;
	uint64_t read_pos, write_pos;   /* frames ever read / written */
	uint32_t read_quantum;          /* frames the last read asked for */
	uint32_t write_chunk;           /* frames the last write brought */
	uint32_t slack;                 /* frames */
	bool started;                   /* primed: reads take samples */
	bool ever_started;              /* a consumer has heard from it */
	struct rtc_pcm_rate_match rate;
	struct rtc_pcm_ring_stats stats;
};

/* capacity_frames: the most it ever holds (e.g. 16384 ≈ 340 ms at 48 kHz);
 * slack_frames: see above (e.g. 4800, 100 ms). */
int rtc_pcm_ring_init(struct rtc_pcm_ring *ring, uint32_t channels, uint32_t capacity_frames,
		      uint32_t slack_frames);
void rtc_pcm_ring_fini(struct rtc_pcm_ring *ring);

/* Rate matching on or off (off after init). On, the ring also starts half
 * a push fuller, the room the band needs below its target. */
void rtc_pcm_ring_set_rate_matching(struct rtc_pcm_ring *ring, bool on);

/* Appends frames (interleaved, ring->channels per frame). Never blocks
 * beyond the lock, never fails: what does not fit drops the oldest. */
void rtc_pcm_ring_write(struct rtc_pcm_ring *ring, const int16_t *pcm, uint32_t frames);

/* Fills exactly `frames` frames of out: samples while started, silence
 * before and after running dry. */
void rtc_pcm_ring_read(struct rtc_pcm_ring *ring, int16_t *out, uint32_t frames);

/* Empties it (consumer gone: stale audio must not play on the next link);
 * statistics stay; rate matching learns anew (the next consumer may run on
 * another clock). */
void rtc_pcm_ring_clear(struct rtc_pcm_ring *ring);

uint32_t rtc_pcm_ring_level(struct rtc_pcm_ring *ring);
void rtc_pcm_ring_get_stats(struct rtc_pcm_ring *ring, struct rtc_pcm_ring_stats *stats);
