/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipewire/output-pcm-ring.h"

#include <stdlib.h>
#include <string.h>

/* Before the first write or read, assume PipeWire's default quantum and
 * Opus's 20 ms at 48 kHz. */
#define DEFAULT_QUANTUM 1024u
#define DEFAULT_CHUNK   960u

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

/* Enough to serve one quantum even when a push comes a little late. */
static uint32_t start_level(const struct rtc_pcm_ring *ring)
{
	return min_u32(ring->read_quantum + 2 * ring->write_chunk, ring->capacity / 2);
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
	}
	pthread_mutex_unlock(&ring->lock);
}

void rtc_pcm_ring_read(struct rtc_pcm_ring *ring, int16_t *out, uint32_t frames)
{
	if (frames == 0)
		return;
	pthread_mutex_lock(&ring->lock);
	ring->read_quantum = min_u32(frames, ring->capacity / 2);
	uint32_t level = level_locked(ring);
	if (!ring->started && level >= start_level(ring))
		ring->started = ring->ever_started = true;

	uint32_t take = 0;
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
