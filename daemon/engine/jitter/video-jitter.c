// SPDX-License-Identifier: LGPL-2.1-or-later
#include "engine/jitter/video-jitter.h"

#include <stdlib.h>
#include <string.h>

#include "engine/base/sansio.h"

#define MS 1000000ull
#define NONE UINT64_MAX

struct slot {
	uint8_t *data;
	size_t len;
	uint64_t seq;
	uint64_t arrival;
	uint32_t timestamp;
	bool used;
	bool filler;              /* padding: part of no frame */
	bool marker, frame_start, key_frame, retransmitted;
};

struct rtc_video_jitter {
	struct rtc_video_jitter_config cfg;
	struct slot *slots;
	bool started;
	bool waiting_key;         /* only a key frame can be decoded next */
	uint64_t base;            /* lowest sequence number accepted */
	uint64_t end;             /* above every one held */
	size_t held, held_bytes;
	uint64_t rtt;
	/* RFC 3550 6.4.1 jitter, over packets that were not retransmitted. */
	bool have_prev;
	uint64_t prev_arrival;
	uint32_t prev_timestamp;
	int64_t jitter;
	/* The time between frames (ns), smoothed: a frame's last packet lost
	 * shows only when the next frame begins. */
	bool have_frame_ts;
	uint32_t last_frame_ts;
	int64_t frame_interval;
	/* Key frame requests: one is wanted, and when the last went out. */
	bool key_pending, key_requested;
	uint64_t key_last_request;
	unsigned dropped_since_release;
	uint8_t *frame_buf;
	size_t frame_cap;
	struct rtc_video_jitter_stats stats;
};

void rtc_video_jitter_config_default(struct rtc_video_jitter_config *cfg)
{
	*cfg = (struct rtc_video_jitter_config){
		.max_packets = 2048,
		.max_bytes = 8u << 20,
		.min_wait = 50 * MS,
		.max_wait = 1000 * MS,
		.nack_rounds = 2,
		.default_rtt = 100 * MS,
		.key_request_interval = 300 * MS,
		.clock_rate = 90000,
	};
}

struct rtc_video_jitter *rtc_video_jitter_new(const struct rtc_video_jitter_config *cfg,
					      struct rtc_error *err)
{
	struct rtc_video_jitter *vj = calloc(1, sizeof(*vj));

	if (!vj) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory for a video jitter buffer");
		return NULL;
	}
	if (cfg)
		vj->cfg = *cfg;
	else
		rtc_video_jitter_config_default(&vj->cfg);
	if (vj->cfg.max_packets == 0 || vj->cfg.max_packets > 32768 || vj->cfg.max_bytes == 0 ||
	    vj->cfg.clock_rate == 0) {
		rtc_error_set(err, RTC_ERROR_RANGE,
			      "video jitter buffer limits: 1..32768 packets, bytes and clock rate > 0");
		free(vj);
		return NULL;
	}
	if (vj->cfg.key_request_interval < MS)
		vj->cfg.key_request_interval = MS;
	if (vj->cfg.nack_rounds > 10)
		vj->cfg.nack_rounds = 10;
	if (vj->cfg.max_wait < vj->cfg.min_wait)
		vj->cfg.max_wait = vj->cfg.min_wait;
	vj->frame_interval = 33 * (int64_t)MS;   /* 30 fps until frames say otherwise */
	vj->slots = calloc(vj->cfg.max_packets, sizeof(*vj->slots));
	if (!vj->slots) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory for a video jitter buffer");
		free(vj);
		return NULL;
	}
	return vj;
}

static struct slot *slot_of(const struct rtc_video_jitter *vj, uint64_t seq)
{
	return &vj->slots[seq % vj->cfg.max_packets];
}

/* The slot holding seq, or NULL. */
static struct slot *held(const struct rtc_video_jitter *vj, uint64_t seq)
{
	struct slot *s = slot_of(vj, seq);

	return s->used && s->seq == seq ? s : NULL;
}

static void release_slot(struct rtc_video_jitter *vj, struct slot *s)
{
	free(s->data);
	vj->held--;
	vj->held_bytes -= s->len;
	*s = (struct slot){ 0 };
}

void rtc_video_jitter_free(struct rtc_video_jitter *vj)
{
	if (!vj)
		return;
	for (size_t i = 0; i < vj->cfg.max_packets; i++)
		free(vj->slots[i].data);
	free(vj->slots);
	free(vj->frame_buf);
	free(vj);
}

void rtc_video_jitter_set_rtt(struct rtc_video_jitter *vj, uint64_t rtt)
{
	vj->rtt = rtt;
}

static uint64_t max_wait(const struct rtc_video_jitter *vj)
{
	uint64_t rtt = vj->rtt ? vj->rtt : vj->cfg.default_rtt;
	uint64_t w = vj->cfg.nack_rounds * rtt + rtt / 2 + 3 * (uint64_t)vj->jitter +
		     (uint64_t)vj->frame_interval;

	if (w < vj->cfg.min_wait)
		w = vj->cfg.min_wait;
	if (w > vj->cfg.max_wait)
		w = vj->cfg.max_wait;
	return w;
}

static uint64_t key_request_interval(const struct rtc_video_jitter *vj)
{
	return vj->rtt > vj->cfg.key_request_interval ? vj->rtt : vj->cfg.key_request_interval;
}

static void request_key_frame(struct rtc_video_jitter *vj)
{
	vj->waiting_key = true;
	vj->key_pending = true;
}

/* Throws away what is held in [from, to) and moves the window past it;
 * frames are counted by their timestamps. */
static void discard(struct rtc_video_jitter *vj, uint64_t to)
{
	uint64_t stop = to < vj->end ? to : vj->end;
	bool have_ts = false;
	uint32_t ts = 0;

	for (uint64_t q = vj->base; q < stop && vj->held; q++) {
		struct slot *s = held(vj, q);

		if (!s)
			continue;
		if (!s->filler && (!have_ts || s->timestamp != ts)) {
			vj->stats.frames_dropped++;
			vj->dropped_since_release++;
			have_ts = true;
			ts = s->timestamp;
		}
		if (!s->filler)
			vj->stats.packets_discarded++;
		release_slot(vj, s);
	}
	if (to > vj->base)
		vj->base = to;
	if (vj->end < vj->base)
		vj->end = vj->base;
}

/* Walks the frame starting at first: true with its last packet, or false
 * with the sequence number where it broke off. */
static bool frame_walk(const struct rtc_video_jitter *vj, uint64_t first, uint64_t *last,
		       uint64_t *stop)
{
	const struct slot *s = held(vj, first);
	uint32_t ts;

	*stop = first + 1;
	if (!s || s->filler || !s->frame_start)
		return false;
	ts = s->timestamp;
	for (uint64_t q = first; q < vj->end; q++) {
		s = held(vj, q);
		*stop = q;
		if (!s || s->filler)
			return false;
		if (s->timestamp != ts)
			return false;
		if (s->marker) {
			*last = q;
			return true;
		}
	}
	*stop = vj->end;
	return false;
}

/* Whether the frame starting at first is complete: every packet up to its
 * marker there, none of them padding or of another timestamp. A packet of
 * the same timestamp that says it starts a frame is still this frame's:
 * an H.264 access unit may begin with SPS and PPS in one packet and its
 * IDR slice, which starts too, in the next. */
static bool frame_complete(const struct rtc_video_jitter *vj, uint64_t first, uint64_t *last)
{
	uint64_t stop;

	return frame_walk(vj, first, last, &stop);
}

static bool is_key_start(const struct slot *s)
{
	return s && !s->filler && s->frame_start && s->key_frame;
}

/* The first key frame from `from` on that is complete. A walk that broke
 * off at some packet would break off there from any start before it too,
 * so the search goes on from there: linear in the window. */
static bool find_complete_key_frame(const struct rtc_video_jitter *vj, uint64_t from,
				    uint64_t *first, uint64_t *last)
{
	uint64_t q = from, stop;

	while (q < vj->end) {
		if (!is_key_start(held(vj, q))) {
			q++;
			continue;
		}
		if (frame_walk(vj, q, last, &stop)) {
			*first = q;
			return true;
		}
		q = stop > q ? stop : q + 1;
	}
	return false;
}

/* The first key frame's start after base, NONE without one; expired_before:
 * only one that arrived after it (it may still complete). */
static uint64_t next_key_start(const struct rtc_video_jitter *vj, uint64_t expired_before)
{
	for (uint64_t q = vj->base + 1; q < vj->end; q++) {
		const struct slot *s = held(vj, q);

		if (is_key_start(s) && s->arrival >= expired_before)
			return q;
	}
	return NONE;
}

/* The window or the byte budget cannot take a packet: jump to a key
 * frame's start that makes room, or start over with seq. */
static void make_room(struct rtc_video_jitter *vj, uint64_t seq, size_t len)
{
	vj->stats.overflows++;
	for (;;) {
		bool fits = seq < vj->base + vj->cfg.max_packets &&
			    vj->held_bytes + len <= vj->cfg.max_bytes;
		uint64_t k;

		if (fits)
			return;
		k = next_key_start(vj, 0);
		if (k == NONE || k > seq)
			break;
		discard(vj, k);
		vj->waiting_key = true;
	}
	discard(vj, vj->end);
	if (seq >= vj->base + vj->cfg.max_packets)
		discard(vj, seq - vj->cfg.max_packets / 8);
	request_key_frame(vj);
}

static void update_jitter(struct rtc_video_jitter *vj, uint64_t now, uint32_t timestamp)
{
	if (vj->have_prev) {
		int64_t arrival = (int64_t)(now - vj->prev_arrival);
		int64_t ticks = (int32_t)(timestamp - vj->prev_timestamp);
		int64_t d = arrival - ticks * 1000000000 / (int64_t)vj->cfg.clock_rate;

		if (d < 0)
			d = -d;
		if (d > 10000 * (int64_t)MS)
			d = 10000 * (int64_t)MS;   /* a jump, not jitter */
		vj->jitter += (d - vj->jitter) / 16;
		vj->stats.jitter = (uint64_t)vj->jitter;
	}
	vj->have_prev = true;
	vj->prev_arrival = now;
	vj->prev_timestamp = timestamp;
}

static void update_frame_interval(struct rtc_video_jitter *vj, uint32_t timestamp)
{
	int64_t ticks = (int32_t)(timestamp - vj->last_frame_ts);

	if (vj->have_frame_ts && ticks <= 0)
		return;   /* an older frame, or the same one */
	if (vj->have_frame_ts && ticks <= (int64_t)vj->cfg.clock_rate) {
		int64_t d = ticks * 1000000000 / (int64_t)vj->cfg.clock_rate;

		vj->frame_interval += (d - vj->frame_interval) / 8;
	}
	vj->have_frame_ts = true;
	vj->last_frame_ts = timestamp;
}

static enum rtc_video_jitter_insert insert(struct rtc_video_jitter *vj, uint64_t now,
					   const struct rtc_video_packet *p, bool filler)
{
	struct slot *s;
	uint8_t *copy = NULL;

	vj->stats.packets_received++;
	if (!vj->started) {
		uint64_t margin = vj->cfg.max_packets / 8;

		/* Nothing decodes before a key frame; room for packets that
		 * were overtaken by this first one. */
		vj->started = true;
		vj->waiting_key = true;
		vj->base = p->seq > margin ? p->seq - margin : 0;
		vj->end = vj->base;
	}
	if (p->seq < vj->base) {
		vj->stats.packets_late++;
		return RTC_VIDEO_JITTER_LATE;
	}
	if (p->seq < vj->base + vj->cfg.max_packets && held(vj, p->seq)) {
		vj->stats.packets_duplicate++;
		return RTC_VIDEO_JITTER_DUPLICATE;
	}
	if (p->len > vj->cfg.max_bytes) {
		vj->stats.packets_too_big++;
		return RTC_VIDEO_JITTER_TOO_BIG;
	}
	if (p->seq >= vj->base + vj->cfg.max_packets || vj->held_bytes + p->len > vj->cfg.max_bytes)
		make_room(vj, p->seq, p->len);
	if (p->seq < vj->base) {
		/* Room was made by dropping everything, this packet's frame too. */
		vj->stats.packets_discarded++;
		return RTC_VIDEO_JITTER_LATE;
	}
	if (p->len) {
		copy = malloc(p->len);
		if (!copy) {
			vj->stats.packets_too_big++;
			return RTC_VIDEO_JITTER_TOO_BIG;
		}
		memcpy(copy, p->payload, p->len);
	}
	s = slot_of(vj, p->seq);
	*s = (struct slot){
		.data = copy, .len = p->len, .seq = p->seq, .arrival = now,
		.timestamp = p->timestamp, .used = true, .filler = filler,
		.marker = p->marker, .frame_start = p->frame_start, .key_frame = p->key_frame,
		.retransmitted = p->retransmitted,
	};
	vj->held++;
	vj->held_bytes += p->len;
	if (p->seq >= vj->end)
		vj->end = p->seq + 1;
	if (!filler && !p->retransmitted) {
		update_jitter(vj, now, p->timestamp);
		update_frame_interval(vj, p->timestamp);
	}
	return RTC_VIDEO_JITTER_INSERTED;
}

enum rtc_video_jitter_insert rtc_video_jitter_handle_packet(struct rtc_video_jitter *vj,
							    uint64_t now,
							    const struct rtc_video_packet *p)
{
	return insert(vj, now, p, false);
}

enum rtc_video_jitter_insert rtc_video_jitter_handle_padding(struct rtc_video_jitter *vj,
							     uint64_t now, uint64_t seq)
{
	struct rtc_video_packet p = { .seq = seq };

	return insert(vj, now, &p, true);
}

static bool assemble(struct rtc_video_jitter *vj, uint64_t first, uint64_t last,
		     struct rtc_video_frame *f)
{
	size_t total = 0, off = 0;

	for (uint64_t q = first; q <= last; q++)
		total += held(vj, q)->len;
	if (total > vj->frame_cap) {
		uint8_t *buf = realloc(vj->frame_buf, total);

		if (!buf)
			return false;
		vj->frame_buf = buf;
		vj->frame_cap = total;
	}
	*f = (struct rtc_video_frame){
		.first_seq = first, .last_seq = last, .timestamp = held(vj, first)->timestamp,
		.key_frame = held(vj, first)->key_frame, .packets = (unsigned)(last - first + 1),
		.first_arrival = UINT64_MAX, .data = vj->frame_buf, .len = total,
	};
	for (uint64_t q = first; q <= last; q++) {
		struct slot *s = held(vj, q);

		if (s->len)
			memcpy(vj->frame_buf + off, s->data, s->len);
		off += s->len;
		f->retransmitted |= s->retransmitted;
		if (s->arrival < f->first_arrival)
			f->first_arrival = s->arrival;
		if (s->arrival > f->complete_time)
			f->complete_time = s->arrival;
		release_slot(vj, s);
	}
	return true;
}

/* When the oldest packet held has waited long enough; RTC_NEVER if none. */
static uint64_t stall_deadline(const struct rtc_video_jitter *vj)
{
	uint64_t oldest = UINT64_MAX;

	if (!vj->held)
		return RTC_NEVER;
	for (uint64_t q = vj->base; q < vj->end; q++) {
		const struct slot *s = held(vj, q);

		if (s && s->arrival < oldest)
			oldest = s->arrival;
	}
	return oldest + max_wait(vj);
}

/* Releases the next frame if it can be. */
static bool release(struct rtc_video_jitter *vj, uint64_t now, struct rtc_video_frame *frame)
{
	uint64_t first, last;
	struct slot *s;

	/* Padding at the cursor is passed over. */
	while (vj->held && (s = held(vj, vj->base)) && s->filler) {
		release_slot(vj, s);
		vj->base++;
	}
	if (!vj->held)
		return false;
	/* The frame at the cursor, else nothing until it completes or times
	 * out: a complete key frame further on is not jumped to before then,
	 * as the retransmission that completes the cursor's frame is likely
	 * on its way. Waiting for a key frame, the first complete one. */
	if (!vj->waiting_key) {
		if (!frame_complete(vj, vj->base, &last))
			return false;
		first = vj->base;
	} else if (!find_complete_key_frame(vj, vj->base, &first, &last)) {
		return false;
	}
	discard(vj, first);
	if (!assemble(vj, first, last, frame)) {
		discard(vj, last + 1);
		request_key_frame(vj);
		return false;
	}
	vj->base = last + 1;
	vj->waiting_key = false;
	frame->frames_dropped_before = vj->dropped_since_release;
	vj->dropped_since_release = 0;
	frame->release_time = now;
	vj->stats.frames_released++;
	if (frame->packets > 1) {
		vj->stats.frames_multi_packet++;
		vj->stats.frames_assembly_time += frame->complete_time - frame->first_arrival;
	}
	/* A clock that went back (a caller's mistake) adds nothing. */
	if (now > frame->first_arrival)
		vj->stats.jitter_buffer_delay += now - frame->first_arrival;
	if (frame->retransmitted)
		vj->stats.frames_retransmitted++;
	if (frame->key_frame) {
		vj->stats.key_frames_released++;
		vj->key_pending = false;
	}
	return true;
}

/* If the oldest packet held has waited too long, gives up what cannot be
 * decoded without what is missing, and says whether it did. Each time
 * the window's start moves on or packets go, so the callers' loops end. */
static bool give_up(struct rtc_video_jitter *vj, uint64_t now)
{
	uint64_t wait = max_wait(vj), first, last, k;

	if (!vj->held || now < stall_deadline(vj))
		return false;
	if (find_complete_key_frame(vj, vj->base, &first, &last)) {
		if (first == vj->base)
			return false;   /* release() takes it */
		/* What lies before a complete key frame goes. */
		vj->stats.timeouts++;
		discard(vj, first);
		vj->waiting_key = true;
		return true;
	}
	vj->stats.timeouts++;
	k = next_key_start(vj, now >= wait ? now - wait + 1 : 0);
	if (k != NONE) {
		/* A key frame is on its way: what lies before it cannot be
		 * decoded before it anyway. */
		discard(vj, k);
		vj->waiting_key = true;
	} else {
		discard(vj, vj->end);
		request_key_frame(vj);
	}
	return true;
}

/* Expiry happens here too, so that once this returns false the deadline
 * lies ahead. */
bool rtc_video_jitter_poll_frame(struct rtc_video_jitter *vj, uint64_t now,
				 struct rtc_video_frame *frame)
{
	do {
		if (release(vj, now, frame))
			return true;
	} while (give_up(vj, now));
	return false;
}

void rtc_video_jitter_handle_timeout(struct rtc_video_jitter *vj, uint64_t now)
{
	while (give_up(vj, now))
		;
}

/* A key frame's first packet is held: one is on its way. */
static bool key_frame_coming(const struct rtc_video_jitter *vj)
{
	return is_key_start(held(vj, vj->base)) || next_key_start(vj, 0) != NONE;
}

/* The request stands until a key frame is released: it is sent again
 * every interval while none is on its way (a PLI can be lost too). */
bool rtc_video_jitter_need_key_frame(struct rtc_video_jitter *vj, uint64_t now)
{
	if (!vj->key_pending || key_frame_coming(vj))
		return false;
	if (vj->key_requested && now - vj->key_last_request < key_request_interval(vj))
		return false;
	vj->key_requested = true;
	vj->key_last_request = now;
	vj->stats.key_frame_requests++;
	return true;
}

uint64_t rtc_video_jitter_deadline(const struct rtc_video_jitter *vj)
{
	uint64_t next = stall_deadline(vj);

	if (vj->key_pending && !key_frame_coming(vj)) {
		uint64_t due = vj->key_requested ? vj->key_last_request + key_request_interval(vj) : 0;

		if (due < next)
			next = due;
	}
	return next;
}

const struct rtc_video_jitter_stats *rtc_video_jitter_stats(const struct rtc_video_jitter *vj)
{
	return &vj->stats;
}

size_t rtc_video_jitter_held_packets(const struct rtc_video_jitter *vj)
{
	return vj->held;
}

size_t rtc_video_jitter_held_bytes(const struct rtc_video_jitter *vj)
{
	return vj->held_bytes;
}
