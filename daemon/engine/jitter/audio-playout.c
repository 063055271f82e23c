// SPDX-License-Identifier: LGPL-2.1-or-later
#include "engine/jitter/audio-playout.h"

#include <stdlib.h>
#include <string.h>

#include "engine/base/sansio.h"
#include "engine/rtp/rtp-seq.h"

#define MS 1000000ll
#define NS_PER_S 1000000000ll
/* A transit this far from the fastest is a new timeline, not jitter. */
#define RESYNC_BEYOND (1000 * MS)

struct slot {
	bool used;
	uint64_t seq;
	int64_t ts;               /* unwrapped RTP time */
	unsigned samples;         /* 0: not known */
	uint64_t arrival;
	size_t len;
	uint8_t data[RTC_AUDIO_PLAYOUT_MAX_PAYLOAD];
};

struct rtc_audio_playout {
	struct rtc_audio_playout_config cfg;
	struct slot *slots;
	size_t held;
	uint64_t end;             /* above every sequence number held */
	struct rtc_rtp_ts_unwrap unwrap;
	bool started;
	int64_t ts0;              /* RTP time of the timeline's origin */
	/* The playout cursor: the next packet, its RTP time and when it is due. */
	uint64_t next_seq;
	int64_t next_ts;
	uint64_t next_play;
	bool played_any, concealing;
	bool idle;                /* went idle: what came before stays late */
	/* Transits (arrival - RTP time, ns) of the last `window` packets. */
	int64_t *transits, *sorted;
	unsigned transit_count, transit_pos;
	int64_t min_transit;
	uint64_t target, target_updated;
	unsigned frame_samples;
	bool have_last;
	uint64_t last_seq;
	int64_t last_ts;
	uint64_t last_arrival;
	/* RFC 3550 jitter. */
	bool have_prev;
	uint64_t prev_arrival;
	int64_t prev_ts, jitter;
	uint8_t out[RTC_AUDIO_PLAYOUT_MAX_PAYLOAD];
	struct rtc_audio_playout_stats stats;
};

void rtc_audio_playout_config_default(struct rtc_audio_playout_config *cfg)
{
	*cfg = (struct rtc_audio_playout_config){
		.clock_rate = 48000,
		.frame_samples = 960,
		.min_delay = 20 * MS,
		.max_delay = 500 * MS,
		.initial_delay = 60 * MS,
		.shrink_rate = 20 * MS,
		.window = 100,
		.capacity = 256,
		.idle_after = 1000 * MS,
	};
}

struct rtc_audio_playout *rtc_audio_playout_new(const struct rtc_audio_playout_config *cfg,
						struct rtc_error *err)
{
	struct rtc_audio_playout *ap = calloc(1, sizeof(*ap));

	if (!ap)
		goto nomem;
	if (cfg)
		ap->cfg = *cfg;
	else
		rtc_audio_playout_config_default(&ap->cfg);
	cfg = &ap->cfg;
	if (cfg->clock_rate < 1000 || cfg->window == 0 || cfg->window > 10000 ||
	    cfg->capacity < 2 || cfg->capacity > 4096 || cfg->min_delay > cfg->max_delay) {
		rtc_error_set(err, RTC_ERROR_RANGE,
			      "audio playout: clock >= 1000, window 1..10000, capacity 2..4096, min <= max delay");
		free(ap);
		return NULL;
	}
	if (cfg->frame_samples == 0)
		ap->cfg.frame_samples = cfg->clock_rate / 50;
	ap->frame_samples = ap->cfg.frame_samples;
	ap->slots = calloc(cfg->capacity, sizeof(*ap->slots));
	ap->transits = calloc(cfg->window, sizeof(*ap->transits));
	ap->sorted = calloc(cfg->window, sizeof(*ap->sorted));
	if (!ap->slots || !ap->transits || !ap->sorted) {
		rtc_audio_playout_free(ap);
		goto nomem;
	}
	ap->target = cfg->initial_delay;
	if (ap->target < cfg->min_delay)
		ap->target = cfg->min_delay;
	if (ap->target > cfg->max_delay)
		ap->target = cfg->max_delay;
	ap->stats.target_delay = ap->target;
	rtc_rtp_ts_unwrap_init(&ap->unwrap);
	return ap;
nomem:
	rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory for an audio playout buffer");
	return NULL;
}

void rtc_audio_playout_free(struct rtc_audio_playout *ap)
{
	if (!ap)
		return;
	free(ap->slots);
	free(ap->transits);
	free(ap->sorted);
	free(ap);
}

/* RTP ticks to ns, without overflow for any stream length. */
static int64_t ticks_ns(const struct rtc_audio_playout *ap, int64_t ticks)
{
	int64_t rate = ap->cfg.clock_rate;

	return ticks / rate * NS_PER_S + ticks % rate * NS_PER_S / rate;
}

static int64_t rtp_time(const struct rtc_audio_playout *ap, int64_t ts)
{
	return ticks_ns(ap, ts - ap->ts0);
}

static struct slot *held(const struct rtc_audio_playout *ap, uint64_t seq)
{
	struct slot *s = &ap->slots[seq % ap->cfg.capacity];

	return s->used && s->seq == seq ? s : NULL;
}

static void drop(struct rtc_audio_playout *ap, struct slot *s)
{
	s->used = false;
	ap->held--;
}

static void flush(struct rtc_audio_playout *ap)
{
	for (unsigned i = 0; i < ap->cfg.capacity; i++)
		if (ap->slots[i].used) {
			drop(ap, &ap->slots[i]);
			ap->stats.packets_discarded++;
		}
}

/* A new timeline from this packet: the first one, or after a jump. */
static void start(struct rtc_audio_playout *ap, uint64_t now, uint64_t seq, int64_t ts)
{
	if (ap->started)
		ap->stats.resyncs++;
	flush(ap);
	ap->started = true;
	ap->ts0 = ts;
	ap->next_seq = seq;
	ap->next_ts = ts;
	ap->next_play = now + ap->target;
	ap->end = seq;
	ap->played_any = false;
	ap->transit_count = 0;
	ap->transit_pos = 0;
	ap->min_transit = (int64_t)now;
	ap->target_updated = now;
	ap->have_last = false;
	ap->have_prev = false;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The target delay from the window's transits: the 95th percentile's
 * distance from the fastest, at once upwards, shrink_rate downwards. */
static void update_target(struct rtc_audio_playout *ap, uint64_t now, int64_t transit)
{
	unsigned n;
	int64_t spread;
	uint64_t want, step;

	ap->transits[ap->transit_pos] = transit;
	ap->transit_pos = (ap->transit_pos + 1) % ap->cfg.window;
	if (ap->transit_count < ap->cfg.window)
		ap->transit_count++;
	n = ap->transit_count;
	memcpy(ap->sorted, ap->transits, n * sizeof(*ap->sorted));
	qsort(ap->sorted, n, sizeof(*ap->sorted), cmp_i64);
	ap->min_transit = ap->sorted[0];
	spread = ap->sorted[(n - 1) * 95 / 100] - ap->sorted[0];
	want = (uint64_t)spread;
	if (want < ap->cfg.min_delay)
		want = ap->cfg.min_delay;
	if (want > ap->cfg.max_delay)
		want = ap->cfg.max_delay;
	if (want >= ap->target) {
		ap->target = want;
	} else {
		step = (now - ap->target_updated) / 1000 * (ap->cfg.shrink_rate / 1000) / 1000;
		ap->target = ap->target - want > step ? ap->target - step : want;
	}
	ap->target_updated = now;
	ap->stats.target_delay = ap->target;
}

static void raise_target(struct rtc_audio_playout *ap, uint64_t want)
{
	if (want > ap->cfg.max_delay)
		want = ap->cfg.max_delay;
	if (want > ap->target)
		ap->target = want;
	ap->stats.target_delay = ap->target;
}

static void update_jitter(struct rtc_audio_playout *ap, uint64_t now, int64_t ts)
{
	if (ap->have_prev) {
		int64_t d = (int64_t)(now - ap->prev_arrival) - ticks_ns(ap, ts - ap->prev_ts);

		if (d < 0)
			d = -d;
		ap->jitter += (d - ap->jitter) / 16;
		ap->stats.jitter = (uint64_t)ap->jitter;
	}
	ap->have_prev = true;
	ap->prev_arrival = now;
	ap->prev_ts = ts;
}

static unsigned clamp_samples(const struct rtc_audio_playout *ap, int64_t samples)
{
	int64_t lo = ap->cfg.clock_rate / 400, hi = ap->cfg.clock_rate / 1000 * 120;

	return (unsigned)(samples < lo ? lo : samples > hi ? hi : samples);
}

enum rtc_audio_playout_insert rtc_audio_playout_handle_packet(struct rtc_audio_playout *ap,
							      uint64_t now,
							      const struct rtc_audio_packet *p)
{
	int64_t ts, transit;
	struct slot *s;

	ap->stats.packets_received++;
	if (p->len > RTC_AUDIO_PLAYOUT_MAX_PAYLOAD) {
		ap->stats.packets_discarded++;
		return RTC_AUDIO_PLAYOUT_TOO_BIG;
	}
	ts = rtc_rtp_ts_unwrap(&ap->unwrap, p->timestamp);
	if (!ap->started) {
		if (ap->idle && p->seq < ap->next_seq) {
			ap->stats.packets_late++;
			ap->stats.packets_discarded++;
			return RTC_AUDIO_PLAYOUT_LATE;
		}
		start(ap, now, p->seq, ts);
	}
	transit = (int64_t)now - rtp_time(ap, ts);
	/* Far off the timeline (the sender jumped, or a stall longer than
	 * any jitter) or beyond what is held: start over from here. */
	if (p->seq >= ap->next_seq &&
	    (transit - ap->min_transit > RESYNC_BEYOND + (int64_t)ap->cfg.max_delay ||
	     ap->min_transit - transit > RESYNC_BEYOND ||
	     p->seq >= ap->next_seq + ap->cfg.capacity)) {
		start(ap, now, p->seq, ts);
		transit = (int64_t)now;
	}
	ap->last_arrival = now;
	if (!p->retransmitted) {
		update_target(ap, now, transit);
		update_jitter(ap, now, ts);
	}
	if (p->seq < ap->next_seq || ts < ap->next_ts) {
		/* The percentile needs a few of these to notice; one is enough
		 * to deepen the buffer at once (it shrinks back slowly). */
		if (!p->retransmitted)
			raise_target(ap, (uint64_t)(transit - ap->min_transit) +
					 (uint64_t)ticks_ns(ap, ap->frame_samples) / 2);
		ap->stats.packets_late++;
		ap->stats.packets_discarded++;
		return RTC_AUDIO_PLAYOUT_LATE;
	}
	if (held(ap, p->seq)) {
		ap->stats.packets_duplicate++;
		return RTC_AUDIO_PLAYOUT_DUPLICATE;
	}
	/* A frame's duration: as the caller says, or the step from the
	 * packet before (a longer step is a DTX pause, not a frame). */
	if (p->samples)
		ap->frame_samples = clamp_samples(ap, p->samples);
	else if (ap->have_last && p->seq == ap->last_seq + 1 && ts > ap->last_ts &&
		 ts - ap->last_ts <= ap->cfg.clock_rate / 1000 * 60)
		ap->frame_samples = clamp_samples(ap, ts - ap->last_ts);
	if (!ap->have_last || p->seq > ap->last_seq) {
		ap->have_last = true;
		ap->last_seq = p->seq;
		ap->last_ts = ts;
	}
	s = &ap->slots[p->seq % ap->cfg.capacity];
	if (s->used)
		drop(ap, s);   /* a stale one the cursor left behind */
	s->used = true;
	s->seq = p->seq;
	s->ts = ts;
	s->samples = p->samples ? clamp_samples(ap, p->samples) : 0;
	s->arrival = now;
	s->len = p->len;
	if (p->len)
		memcpy(s->data, p->payload, p->len);
	ap->held++;
	if (p->seq >= ap->end)
		ap->end = p->seq + 1;
	return RTC_AUDIO_PLAYOUT_INSERTED;
}

/* The first packet held at or after the cursor. */
static struct slot *first_held(const struct rtc_audio_playout *ap, uint64_t from)
{
	for (uint64_t q = from; q < ap->end && ap->held; q++) {
		struct slot *s = held(ap, q);

		if (s)
			return s;
	}
	return NULL;
}

static void advance(struct rtc_audio_playout *ap, int64_t ticks, bool play_time)
{
	ap->next_ts += ticks;
	if (play_time)
		ap->next_play += (uint64_t)ticks_ns(ap, ticks);
}

/* The cursor moves past packet s, whose time it has reached. */
static void consume(struct rtc_audio_playout *ap, struct slot *s, bool play_time)
{
	unsigned samples = s->samples ? s->samples : ap->frame_samples;
	int64_t step = s->ts + samples - ap->next_ts;

	if (step < samples / 2)
		step = samples / 2;   /* never stand still */
	ap->next_seq = s->seq + 1;
	advance(ap, step, play_time);
	drop(ap, s);
}

bool rtc_audio_playout_poll(struct rtc_audio_playout *ap, uint64_t now,
			    struct rtc_audio_frame *f)
{
	unsigned fs = ap->frame_samples;
	int64_t fs_ns = ticks_ns(ap, fs), cur;
	struct slot *s, *after;

	if (!ap->started || now < ap->next_play)
		return false;
	if (!ap->held && now - ap->last_arrival >= ap->cfg.idle_after) {
		ap->started = false;   /* the next packet starts over */
		ap->idle = true;
		ap->stats.resyncs++;
		return false;
	}
	/* How deep the buffer is: the cursor's due time against the time
	 * its packet arrives at the fastest. */
	cur = (int64_t)ap->next_play - (rtp_time(ap, ap->next_ts) + ap->min_transit);
	s = first_held(ap, ap->next_seq);
	*f = (struct rtc_audio_frame){ .timestamp = (uint32_t)ap->next_ts, .samples = fs };
	if (ap->played_any && cur < (int64_t)ap->target) {
		f->lost = f->expand = true;
		ap->next_play += (uint64_t)fs_ns;
		ap->stats.inserted_samples_for_deceleration += fs;
		return true;
	}
	if (s && s->ts <= ap->next_ts + fs / 2) {
		after = held(ap, s->seq + 1);
		if (cur > (int64_t)ap->target + fs_ns && after) {
			/* Too deep: this frame is skipped, the next one plays now. */
			ap->stats.removed_samples_for_acceleration += s->samples ? s->samples : fs;
			consume(ap, s, false);
			s = after;
		}
		f->timestamp = (uint32_t)s->ts;
		f->samples = s->samples ? s->samples : fs;
		f->seq = s->seq;
		memcpy(ap->out, s->data, s->len);
		f->payload = ap->out;
		f->len = s->len;
		ap->stats.samples_received += f->samples;
		ap->stats.emitted_count += f->samples;
		ap->stats.jitter_buffer_delay += (double)(now - s->arrival) / NS_PER_S * f->samples;
		ap->stats.jitter_buffer_target_delay += (double)ap->target / NS_PER_S * f->samples;
		ap->played_any = true;
		ap->concealing = false;
		consume(ap, s, true);
		return true;
	}
	/* Nothing for this slot: lost, late, or not sent (DTX). */
	f->lost = true;
	if (s && s->ts <= ap->next_ts + fs + fs / 2) {
		f->fec_payload = s->data;   /* still held after this call */
		f->fec_len = s->len;
	}
	if (!ap->concealing)
		ap->stats.concealment_events++;
	ap->concealing = true;
	ap->stats.concealed_samples += fs;
	advance(ap, fs, true);
	return true;
}

uint64_t rtc_audio_playout_deadline(const struct rtc_audio_playout *ap)
{
	return ap->started ? ap->next_play : RTC_NEVER;
}

const struct rtc_audio_playout_stats *rtc_audio_playout_stats(const struct rtc_audio_playout *ap)
{
	return &ap->stats;
}

size_t rtc_audio_playout_held(const struct rtc_audio_playout *ap)
{
	return ap->held;
}
