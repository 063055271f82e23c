/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The leaky-bucket pacer: see pacer.h.
 *
 * The budget is kept in bit-nanoseconds (bits x 1e9), so rate x elapsed
 * adds without rounding and a packet costs size x 8e9: a packet may go
 * when the budget is not negative, and deadline() is exactly when it will
 * not be.
 */
#include "engine/cc/pacer.h"

#include "engine/base/sansio.h"

#include <stdlib.h>
#include <string.h>

#define NS 1000000000ull
#define MS 1000000ull
#define MIN_RATE 10000ull        /* bps: a queue always drains */
#define MAX_RATE 100000000000ull   /* bps: keeps rate x burst in 64 bits */
#define MAX_BURST 50000000ull      /* ns */
#define MAX_CLUSTERS 4u
#define MAX_PROBE_BYTES (1u << 20)

struct queued {
	uint64_t handle;
	uint64_t enqueued;
	uint32_t size;
};

/* A ring that doubles when full. */
struct queue {
	struct queued *items;
	size_t head, count, cap;
};

struct cluster {
	struct rtc_cc_probe probe;
	uint64_t started;         /* when its first packet went; 0: not yet */
	uint64_t asked;           /* when rtc_pacer_probe asked for it */
	uint64_t bytes_sent;
	uint32_t packets_sent;
	int32_t attempt;          /* started over this many times (late) */
};

struct rtc_pacer {
	struct rtc_pacer_config config;
	struct queue queues[RTC_PACER_PRIORITIES];
	size_t packets;
	uint64_t bytes;
	/* The queued packets' enqueue times, summed relative to base (reset
	 * whenever the queue empties), for their average wait. */
	uint64_t enqueued_base, enqueued_sum;
	int64_t budget;           /* bit-ns */
	/* retransmissions: a bucket of bits, at most a second's worth */
	double rtx_bits;
	uint64_t rtx_last;
	bool rtx_started;
	uint64_t last;            /* when the budget was last brought up to date */
	bool started;
	struct cluster clusters[MAX_CLUSTERS];
	size_t cluster_count;
};

struct rtc_pacer *rtc_pacer_new(const struct rtc_pacer_config *config)
{
	struct rtc_pacer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (config)
		p->config = *config;
	if (!p->config.pacing_bps)
		p->config.pacing_bps = 1000000;
	if (p->config.pacing_bps < MIN_RATE)
		p->config.pacing_bps = MIN_RATE;
	if (p->config.pacing_bps > MAX_RATE)
		p->config.pacing_bps = MAX_RATE;
	if (!p->config.burst)
		p->config.burst = RTC_PACER_BURST;
	if (p->config.burst > MAX_BURST)
		p->config.burst = MAX_BURST;
	if (!p->config.max_queue_time)
		p->config.max_queue_time = RTC_PACER_MAX_QUEUE_TIME;
	if (!(p->config.retransmission_share > 0 && p->config.retransmission_share <= 1))
		p->config.retransmission_share = RTC_PACER_RETRANSMISSION_SHARE;
	return p;
}

void rtc_pacer_free(struct rtc_pacer *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < RTC_PACER_PRIORITIES; i++)
		free(p->queues[i].items);
	free(p);
}

/* How long the queued packets have waited, on average. */
static uint64_t average_wait(const struct rtc_pacer *p, uint64_t now)
{
	uint64_t mean;

	if (!p->packets)
		return 0;
	mean = p->enqueued_base + p->enqueued_sum / p->packets;
	return now > mean ? now - mean : 0;
}

static uint64_t oldest_enqueued(const struct rtc_pacer *p, uint64_t now)
{
	uint64_t oldest = now;

	for (size_t i = 0; i < RTC_PACER_PRIORITIES; i++) {
		const struct queue *q = &p->queues[i];

		if (q->count && q->items[q->head].enqueued < oldest)
			oldest = q->items[q->head].enqueued;
	}
	return oldest;
}

/* The pacing rate, or faster when the queue would not drain before its
 * packets have waited max_queue_time on average (libwebrtc's queue time
 * limit). On average, not the oldest's wait: a queue whose oldest packet
 * is near the limit would otherwise go out all at once, a burst that
 * overflows the bottleneck's queue and is lost there. */
static uint64_t rate(const struct rtc_pacer *p, uint64_t now)
{
	uint64_t r = p->config.pacing_bps, waited, left;
	double drain;

	if (!p->bytes)
		return r;
	waited = average_wait(p, now);
	left = waited + MS < p->config.max_queue_time ? p->config.max_queue_time - waited : MS;
	drain = (double)p->bytes * 8 * NS / (double)left;
	if (drain > (double)MAX_RATE)
		return MAX_RATE;
	return drain > (double)r ? (uint64_t)drain : r;
}

static void update(struct rtc_pacer *p, uint64_t now)
{
	uint64_t r = rate(p, now), elapsed;
	int64_t cap = (int64_t)(r * p->config.burst);

	if (!p->started) {
		p->started = true;
		p->last = now;
		return;
	}
	if (now <= p->last)
		return;
	elapsed = now - p->last;
	p->last = now;
	/* Idle time earns at most one burst of budget. */
	if (p->budget >= cap)
		return;
	if (elapsed >= (uint64_t)(cap - p->budget) / r)
		p->budget = cap;
	else
		p->budget += (int64_t)(r * elapsed);
}

void rtc_pacer_set_rate(struct rtc_pacer *p, uint64_t now, uint64_t pacing_bps)
{
	update(p, now);
	p->config.pacing_bps = pacing_bps < MIN_RATE ? MIN_RATE
				: pacing_bps > MAX_RATE ? MAX_RATE : pacing_bps;
}

static int queue_push(struct queue *q, const struct queued *e)
{
	if (q->count == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		struct queued *items = malloc(cap * sizeof(*items));

		if (!items)
			return -1;
		for (size_t i = 0; i < q->count; i++)
			items[i] = q->items[(q->head + i) % q->cap];
		free(q->items);
		q->items = items;
		q->head = 0;
		q->cap = cap;
	}
	q->items[(q->head + q->count) % q->cap] = *e;
	q->count++;
	return 0;
}

static struct queued queue_pop(struct queue *q)
{
	struct queued e = q->items[q->head];

	q->head = (q->head + 1) % q->cap;
	q->count--;
	return e;
}

/* Whether a retransmission of `size` bytes fits the retransmission rate
 * (libwebrtc's retransmission rate limiter): the bucket fills at the
 * share of the pacing rate, to a second of it. */
static bool retransmission_allowed(struct rtc_pacer *p, uint64_t now, uint32_t size)
{
	double rate = p->config.retransmission_share * (double)p->config.pacing_bps;

	if (!p->rtx_started) {
		p->rtx_started = true;
		p->rtx_bits = rate;
		p->rtx_last = now;
	} else if (now > p->rtx_last) {
		p->rtx_bits += rate * (double)(now - p->rtx_last) / NS;
		p->rtx_last = now;
	}
	if (p->rtx_bits > rate)
		p->rtx_bits = rate;
	if (p->rtx_bits < 8.0 * size)
		return false;
	p->rtx_bits -= 8.0 * size;
	return true;
}

int rtc_pacer_enqueue(struct rtc_pacer *p, uint64_t now, uint64_t handle, uint32_t size,
		      enum rtc_pacer_priority priority, struct rtc_error *err)
{
	struct queued e = { .handle = handle, .enqueued = now, .size = size };

	if ((unsigned)priority >= RTC_PACER_PRIORITIES || !size || size > RTC_PACER_MAX_SIZE)
		return rtc_error_set(err, RTC_ERROR_TYPE, "pacer: priority %d, size %u",
				     (int)priority, size);
	if (p->packets >= RTC_PACER_MAX_PACKETS)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "pacer queue full (%zu packets)",
				     p->packets);
	if (priority == RTC_PACER_RETRANSMISSION && !retransmission_allowed(p, now, size))
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "pacer: retransmissions over their rate (%u bytes)", size);
	update(p, now);
	if (queue_push(&p->queues[priority], &e) < 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "pacer: out of memory");
	if (!p->packets) {
		p->enqueued_base = now;
		p->enqueued_sum = 0;
	}
	p->enqueued_sum += now > p->enqueued_base ? now - p->enqueued_base : 0;
	p->packets++;
	p->bytes += size;
	return 0;
}

bool rtc_pacer_probe(struct rtc_pacer *p, uint64_t now, const struct rtc_cc_probe *probe)
{
	struct cluster *c;

	if (p->cluster_count == MAX_CLUSTERS || !probe->bitrate || !probe->bytes)
		return false;
	c = &p->clusters[p->cluster_count++];
	*c = (struct cluster){ .probe = *probe, .asked = now };
	if (c->probe.bitrate > MAX_RATE)
		c->probe.bitrate = MAX_RATE;
	if (c->probe.bytes > MAX_PROBE_BYTES)
		c->probe.bytes = MAX_PROBE_BYTES;
	return true;
}

static void cluster_done(struct rtc_pacer *p)
{
	memmove(&p->clusters[0], &p->clusters[1], --p->cluster_count * sizeof(p->clusters[0]));
}

/* The first queued packet at or above priority `from`, or -1. */
static int first_queue(const struct rtc_pacer *p, int from)
{
	for (int i = from; i < RTC_PACER_PRIORITIES; i++)
		if (p->queues[i].count)
			return i;
	return -1;
}

static void take(struct rtc_pacer *p, int prio, struct rtc_pacer_item *item, int32_t cluster)
{
	struct queued e = queue_pop(&p->queues[prio]);

	p->packets--;
	p->bytes -= e.size;
	if (!p->packets)
		p->enqueued_sum = 0;
	else if (e.enqueued > p->enqueued_base)
		p->enqueued_sum -= e.enqueued - p->enqueued_base;
	*item = (struct rtc_pacer_item){
		.kind = RTC_PACER_PACKET,
		.handle = e.handle,
		.size = e.size,
		.priority = (enum rtc_pacer_priority)prio,
		.probe_cluster = cluster,
	};
}

static bool cluster_complete(const struct cluster *c)
{
	return c->bytes_sent >= c->probe.bytes && c->packets_sent >= c->probe.min_packets;
}

/* When the active cluster's next packet is due. */
static uint64_t probe_due(const struct cluster *c)
{
	if (!c->started)
		return c->asked;
	return c->started + c->bytes_sent * 8 * NS / c->probe.bitrate;
}

static bool poll_probe(struct rtc_pacer *p, uint64_t now, struct rtc_pacer_item *item)
{
	struct cluster *c;
	int32_t tag;
	int prio;

	while (p->cluster_count && (now >= p->clusters[0].asked + RTC_PACER_PROBE_TIMEOUT ||
				    cluster_complete(&p->clusters[0])))
		cluster_done(p);
	if (!p->cluster_count)
		return false;
	c = &p->clusters[0];
	if (now < probe_due(c))
		return false;
	if (c->started && now > probe_due(c) + RTC_CC_PROBE_MAX_DELAY &&
	    c->attempt < RTC_CC_PROBE_MAX_ATTEMPTS) {
		c->started = 0;             /* late: the whole cluster again, paced */
		c->bytes_sent = 0;
		c->packets_sent = 0;
		c->attempt++;
	} else if (c->started && now > probe_due(c)) {
		/* A little late: the rest keeps its spacing from here, never
		 * catches up in a burst of packets all sent at one time. */
		c->started += now - probe_due(c);
	}
	if (!c->started)
		c->started = now;
	tag = c->probe.id + c->attempt * RTC_CC_PROBE_ATTEMPT;
	prio = first_queue(p, RTC_PACER_RETRANSMISSION);
	if (prio >= 0) {
		take(p, prio, item, tag);
	} else {
		uint64_t left = c->probe.bytes > c->bytes_sent ? c->probe.bytes - c->bytes_sent : 0;
		uint32_t packets_left = c->probe.min_packets > c->packets_sent
						? c->probe.min_packets - c->packets_sent
						: 1;
		uint64_t size = (left + packets_left - 1) / packets_left;

		if (size > RTC_PACER_MAX_PADDING)
			size = RTC_PACER_MAX_PADDING;
		if (size < 50)
			size = 50;   /* something worth a header */
		*item = (struct rtc_pacer_item){
			.kind = RTC_PACER_PADDING,
			.size = (uint32_t)size,
			.priority = RTC_PACER_PADDING_PRIORITY,
			.probe_cluster = tag,
		};
	}
	c->bytes_sent += item->size;
	c->packets_sent++;
	/* Complete, it goes at the next poll: rtc_pacer_padding_sent may
	 * still take bytes back. */
	return true;
}

void rtc_pacer_padding_sent(struct rtc_pacer *p, uint32_t asked, uint32_t sent)
{
	struct cluster *c = p->cluster_count ? &p->clusters[0] : NULL;

	/* Nothing sent counts as asked: taken back, the same padding would
	 * be due again at once, forever, with nothing able to send it. */
	if (!c || !c->started || !sent || sent >= asked || c->bytes_sent < asked)
		return;
	c->bytes_sent -= asked - sent;
}

bool rtc_pacer_poll(struct rtc_pacer *p, uint64_t now, struct rtc_pacer_item *item)
{
	int prio;

	update(p, now);
	if (!p->config.pace_audio && p->queues[RTC_PACER_AUDIO].count) {
		take(p, RTC_PACER_AUDIO, item, RTC_CC_NO_CLUSTER);
		p->budget -= (int64_t)item->size * 8 * (int64_t)NS;
		return true;
	}
	if (poll_probe(p, now, item))
		return true;
	if (p->cluster_count)
		return false;   /* media waits for the probe, which sends it */
	prio = first_queue(p, RTC_PACER_AUDIO);
	if (prio < 0 || p->budget < 0)
		return false;
	take(p, prio, item, RTC_CC_NO_CLUSTER);
	p->budget -= (int64_t)item->size * 8 * (int64_t)NS;
	return true;
}

uint64_t rtc_pacer_deadline(const struct rtc_pacer *p)
{
	uint64_t r;

	if (!p->started)
		return p->cluster_count ? p->clusters[0].asked : RTC_NEVER;
	if (!p->config.pace_audio && p->queues[RTC_PACER_AUDIO].count)
		return p->last;
	if (p->cluster_count && cluster_complete(&p->clusters[0]))
		return p->last;   /* the next poll retires it */
	if (p->cluster_count) {
		uint64_t due = probe_due(&p->clusters[0]);
		uint64_t expiry = p->clusters[0].asked + RTC_PACER_PROBE_TIMEOUT;

		return due < expiry ? due : expiry;
	}
	if (!p->packets)
		return RTC_NEVER;
	if (p->budget >= 0)
		return p->last;
	r = rate(p, p->last);
	return p->last + ((uint64_t)-p->budget + r - 1) / r;
}

size_t rtc_pacer_queued_packets(const struct rtc_pacer *p)
{
	return p->packets;
}

uint64_t rtc_pacer_queued_bytes(const struct rtc_pacer *p)
{
	return p->bytes;
}

uint64_t rtc_pacer_oldest(const struct rtc_pacer *p, uint64_t now)
{
	return now - oldest_enqueued(p, now);
}
