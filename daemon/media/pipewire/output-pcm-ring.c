/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ring, and its rate matching: a PI loop on the smoothed level at
 * reads, acting through the read step (ring frames per frame read).
 * Constants are in frames at 48 kHz, the only rate the outputs use.
 */
#include "media/pipewire/output-pcm-ring.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Before the first write or read, assume PipeWire's default quantum and
 * Opus's 20 ms at 48 kHz. */
#define DEFAULT_QUANTUM 1024u
#define DEFAULT_CHUNK   960u

/* Rate matching. The level it settles at is learnt over two seconds read,
 * after half a second for the graph and the pushes to settle; then the
 * level at reads is smoothed over half a second (pushes and quanta of
 * different sizes make it saw up and down by a push), and the loop acts
 * only once it has stayed out of the band, on one side, for a second: the
 * end of a talk spurt, a stall or a late push pass without a touch. The
 * level also settles elsewhere when the graph's quantum changes: it is
 * learnt anew then. The loop's time constant is two seconds, critically
 * damped: 0.5 % of drift overshoots the band by some 500 frames (10 ms),
 * the second of waiting included. The read step moves at most 1 %, far
 * more than sound cards drift. */
#define RM_SETTLE_FRAMES    24000u
#define RM_CALIBRATE_FRAMES 96000u
#define RM_SMOOTH_FRAMES    24000.0
#define RM_PERSIST_FRAMES   48000u
#define RM_LOOP_FRAMES      96000.0
#define RM_MAX_CORRECTION   0.01

int rtc_pcm_ring_init(struct rtc_pcm_ring *ring, uint32_t channels, uint32_t capacity_frames,
		      uint32_t slack_frames)
{
	*ring = (struct rtc_pcm_ring){
		.capacity = capacity_frames, .channels = channels, .slack = slack_frames,
		.read_quantum = DEFAULT_QUANTUM, .write_chunk = DEFAULT_CHUNK,
	};
	if (channels == 0 || capacity_frames < 2)
		return -1;
	ring->pcm = calloc((size_t)capacity_frames * channels, sizeof(int16_t));
	if (!ring->pcm)
		return -1;
	pthread_mutex_init(&ring->lock, NULL);
	return 0;
}

void rtc_pcm_ring_fini(struct rtc_pcm_ring *ring)
{
	if (!ring->pcm)
		return;
	pthread_mutex_destroy(&ring->lock);
	free(ring->pcm);
	ring->pcm = NULL;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Half the width of the band rate matching keeps the level in: the saw of
 * one push stays inside it, so a clock in step never makes the loop act. */
static uint32_t band(const struct rtc_pcm_ring *ring)
{
	return ring->write_chunk / 2;
}

/* Enough to serve one quantum even when a push comes a little late (and,
 * rate matching, when the level sits at the bottom of its band). */
static uint32_t start_level(const struct rtc_pcm_ring *ring)
{
	uint32_t extra = ring->rate.on ? band(ring) : 0;

	return min_u32(ring->read_quantum + 2 * ring->write_chunk + extra, ring->capacity / 2);
}

/* Above this the writer is too far ahead (the graph stalled, clock drift):
 * latency would grow for good. */
static uint32_t high_level(const struct rtc_pcm_ring *ring)
{
	uint64_t high = (uint64_t)start_level(ring) + ring->read_quantum + 2 * ring->write_chunk +
			ring->slack;
	return high < ring->capacity ? (uint32_t)high : ring->capacity;
}

static uint32_t level_locked(const struct rtc_pcm_ring *ring)
{
	return (uint32_t)(ring->write_pos - ring->read_pos);
}

/* What was learnt about the producer's clock goes (a new consumer may run
 * on another one). */
static void rate_forget(struct rtc_pcm_ring *ring)
{
	bool on = ring->rate.on;

	ring->rate = (struct rtc_pcm_rate_match){ .on = on };
	ring->stats.correction_ppm = 0;
}

/* Before a read of `frames` at `level`: learn the target, or move the
 * correction towards holding the level at it. */
static void rate_update(struct rtc_pcm_ring *ring, uint32_t level, uint32_t frames)
{
	struct rtc_pcm_rate_match *r = &ring->rate;

	if (!r->calibrated) {
		r->calibrate_frames += frames;
		if (r->calibrate_frames <= RM_SETTLE_FRAMES)
			return;
		r->calibrate_sum += (double)level * frames;
		if (r->calibrate_frames >= RM_SETTLE_FRAMES + RM_CALIBRATE_FRAMES) {
			r->target = r->calibrate_sum /
				    (double)(r->calibrate_frames - RM_SETTLE_FRAMES);
			r->level = r->target;
			r->calibrated = true;
		}
		return;
	}
	double weight = fmin(1.0, frames / RM_SMOOTH_FRAMES);
	r->level += ((double)level - r->level) * weight;
	double error = r->level - r->target, b = band(ring);
	int side = error > b ? 1 : error < -b ? -1 : 0;
	/* Inside the band, or not out of it for long: the loop holds what it
	 * learnt. */
	if (side != r->side) {
		r->side = side;
		r->beyond_frames = 0;
	}
	r->beyond_frames += frames;
	if (side == 0 || r->beyond_frames < RM_PERSIST_FRAMES) {
		r->correction = r->integral;
		ring->stats.correction_ppm = (int64_t)lrint(r->correction * 1e6);
		return;
	}
	error -= side * b;
	r->integral += error * frames / (RM_LOOP_FRAMES * RM_LOOP_FRAMES);
	r->integral = fmax(-RM_MAX_CORRECTION, fmin(RM_MAX_CORRECTION, r->integral));
	r->correction = r->integral + 2 * error / RM_LOOP_FRAMES;
	r->correction = fmax(-RM_MAX_CORRECTION, fmin(RM_MAX_CORRECTION, r->correction));
	ring->stats.correction_ppm = (int64_t)lrint(r->correction * 1e6);
}

/* Ring frames a resampled read of `frames` may touch: the ones it steps
 * over and the next, which it interpolates towards (one more for rounding). */
static uint32_t resampled_need(const struct rtc_pcm_ring *ring, uint32_t frames)
{
	return (uint32_t)(ring->rate.frac + frames * (1.0 + ring->rate.correction)) + 2;
}

static const int16_t *frame_at(const struct rtc_pcm_ring *ring, uint64_t pos)
{
	return ring->pcm + (size_t)(pos % ring->capacity) * ring->channels;
}

/* Linear interpolation at steps of 1 + correction: ±1 % bends a tone by
 * ±17 cents at most, and only while the clocks disagree. */
static void read_resampled(struct rtc_pcm_ring *ring, int16_t *out, uint32_t frames)
{
	struct rtc_pcm_rate_match *r = &ring->rate;
	double step = 1.0 + r->correction, frac = r->frac;
	uint64_t pos = ring->read_pos;

	for (uint32_t i = 0; i < frames; i++) {
		const int16_t *a = frame_at(ring, pos), *b = frame_at(ring, pos + 1);
		for (uint32_t c = 0; c < ring->channels; c++)
			out[(size_t)i * ring->channels + c] =
				(int16_t)lrint(a[c] + (b[c] - a[c]) * frac);
		frac += step;
		uint32_t whole = (uint32_t)frac;
		pos += whole;
		frac -= whole;
	}
	/* frames_read counts what left the ring, as the other paths do. */
	ring->stats.frames_read += pos - ring->read_pos;
	ring->read_pos = pos;
	r->frac = frac;
	ring->stats.frames_resampled += frames;
}

/* Copies between the ring at frame position pos and a linear buffer,
 * in at most two pieces around the wrap. */
static void copy_in(struct rtc_pcm_ring *ring, uint64_t pos, const int16_t *src, uint32_t frames)
{
	uint32_t at = (uint32_t)(pos % ring->capacity);
	uint32_t first = min_u32(frames, ring->capacity - at);
	memcpy(ring->pcm + (size_t)at * ring->channels, src,
	       (size_t)first * ring->channels * sizeof(int16_t));
	memcpy(ring->pcm, src + (size_t)first * ring->channels,
	       (size_t)(frames - first) * ring->channels * sizeof(int16_t));
}

static void copy_out(struct rtc_pcm_ring *ring, uint64_t pos, int16_t *dst, uint32_t frames)
{
	uint32_t at = (uint32_t)(pos % ring->capacity);
	uint32_t first = min_u32(frames, ring->capacity - at);
	memcpy(dst, ring->pcm + (size_t)at * ring->channels,
	       (size_t)first * ring->channels * sizeof(int16_t));
	memcpy(dst + (size_t)first * ring->channels, ring->pcm,
	       (size_t)(frames - first) * ring->channels * sizeof(int16_t));
}

void rtc_pcm_ring_write(struct rtc_pcm_ring *ring, const int16_t *pcm, uint32_t frames)
{
	if (frames == 0)
		return;
	pthread_mutex_lock(&ring->lock);
	if (frames > ring->capacity) {
		/* Only the newest capacity frames can ever be kept. */
		uint32_t skip = frames - ring->capacity;
		ring->stats.frames_dropped += skip;
		pcm += (size_t)skip * ring->channels;
		frames = ring->capacity;
	}
	ring->write_chunk = frames;
	copy_in(ring, ring->write_pos, pcm, frames);
	ring->write_pos += frames;
	ring->stats.frames_written += frames;

	uint32_t level = level_locked(ring);
	if (level > high_level(ring)) {
		/* Back to the start level in one cut: one glitch now rather
		 * than a few samples lost on every push from here on. */
		uint32_t keep = start_level(ring);
		ring->stats.frames_dropped += level - keep;
		if (ring->ever_started) {
			ring->stats.frames_cut += level - keep;
			ring->stats.cuts++;
		}
		ring->read_pos = ring->write_pos - keep;
		/* The level jumped: not the clocks' doing. */
		ring->rate.level = ring->rate.target;
		ring->rate.frac = 0;
	}
	pthread_mutex_unlock(&ring->lock);
}

void rtc_pcm_ring_set_rate_matching(struct rtc_pcm_ring *ring, bool on)
{
	pthread_mutex_lock(&ring->lock);
	ring->rate.on = on;
	rate_forget(ring);
	pthread_mutex_unlock(&ring->lock);
}

void rtc_pcm_ring_read(struct rtc_pcm_ring *ring, int16_t *out, uint32_t frames)
{
	if (frames == 0)
		return;
	pthread_mutex_lock(&ring->lock);
	uint32_t quantum = min_u32(frames, ring->capacity / 2);
	if (quantum != ring->read_quantum && ring->rate.calibrated) {
		/* Another quantum, another level: learn it again (the drift
		 * learnt stays). */
		ring->rate.calibrated = false;
		ring->rate.calibrate_frames = 0;
		ring->rate.calibrate_sum = 0;
	}
	ring->read_quantum = quantum;
	uint32_t level = level_locked(ring);
	if (!ring->started && level >= start_level(ring)) {
		ring->started = ring->ever_started = true;
		/* Primed afresh (after running dry): not the clocks' doing. */
		ring->rate.level = level;
	}

	uint32_t take = 0;
	if (ring->started && ring->rate.on) {
		rate_update(ring, level, frames);
		/* In step and on a whole frame: samples pass exactly. */
		if ((ring->rate.correction != 0 || ring->rate.frac != 0) &&
		    level >= resampled_need(ring, frames)) {
			read_resampled(ring, out, frames);
			pthread_mutex_unlock(&ring->lock);
			return;
		}
		ring->rate.frac = 0;
	}
	if (ring->started) {
		take = min_u32(level, frames);
		copy_out(ring, ring->read_pos, out, take);
		ring->read_pos += take;
		ring->stats.frames_read += take;
		if (take < frames) {
			/* Dry: wait for the start level again rather than
			 * stuttering push by push. */
			ring->started = false;
			ring->stats.underruns++;
		}
	}
	memset(out + (size_t)take * ring->channels, 0,
	       (size_t)(frames - take) * ring->channels * sizeof(int16_t));
	ring->stats.frames_silence += frames - take;
	pthread_mutex_unlock(&ring->lock);
}

void rtc_pcm_ring_clear(struct rtc_pcm_ring *ring)
{
	pthread_mutex_lock(&ring->lock);
	ring->read_pos = ring->write_pos;
	ring->started = false;
	rate_forget(ring);
	pthread_mutex_unlock(&ring->lock);
}

uint32_t rtc_pcm_ring_level(struct rtc_pcm_ring *ring)
{
	pthread_mutex_lock(&ring->lock);
	uint32_t level = level_locked(ring);
	pthread_mutex_unlock(&ring->lock);
	return level;
}

void rtc_pcm_ring_get_stats(struct rtc_pcm_ring *ring, struct rtc_pcm_ring_stats *stats)
{
	pthread_mutex_lock(&ring->lock);
	*stats = ring->stats;
	pthread_mutex_unlock(&ring->lock);
}
