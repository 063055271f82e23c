// SPDX-License-Identifier: LGPL-2.1-or-later
#include "engine/jitter/nack.h"

#include <string.h>

#include "engine/base/sansio.h"

#define MS 1000000ull

void rtc_nack_config_default(struct rtc_nack_config *cfg)
{
	*cfg = (struct rtc_nack_config){
		.reorder_wait = 5 * MS,
		.min_interval = 5 * MS,
		.max_interval = 1000 * MS,
		.default_rtt = 100 * MS,
		.max_age = 1000 * MS,
		.max_seq_age = 10000,
		.max_retries = 10,
		.max_list = RTC_NACK_MAX_LIST,
	};
}

void rtc_nack_init(struct rtc_nack *n, const struct rtc_nack_config *cfg)
{
	memset(n, 0, sizeof(*n));
	if (cfg)
		n->cfg = *cfg;
	else
		rtc_nack_config_default(&n->cfg);
	if (n->cfg.min_interval == 0)
		n->cfg.min_interval = 1 * MS;
	if (n->cfg.max_interval < n->cfg.min_interval)
		n->cfg.max_interval = n->cfg.min_interval;
	if (n->cfg.max_retries == 0)
		n->cfg.max_retries = 1;
	if (n->cfg.max_list == 0 || n->cfg.max_list > RTC_NACK_MAX_LIST)
		n->cfg.max_list = RTC_NACK_MAX_LIST;
	if (n->cfg.max_seq_age == 0 || n->cfg.max_seq_age > 32768)
		n->cfg.max_seq_age = 32768;
}

static struct rtc_nack_hole *hole_at(struct rtc_nack *n, unsigned i)
{
	return &n->holes[(n->head + i) % RTC_NACK_MAX_LIST];
}

static const struct rtc_nack_hole *hole_at_const(const struct rtc_nack *n, unsigned i)
{
	return &n->holes[(n->head + i) % RTC_NACK_MAX_LIST];
}

static void clear(struct rtc_nack *n)
{
	n->head = 0;
	n->count = 0;
}

/* Holes are appended in increasing order, so the ring is sorted. */
static bool find(struct rtc_nack *n, uint64_t seq, unsigned *pos)
{
	unsigned lo = 0, hi = n->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		uint64_t s = hole_at(n, mid)->seq;

		if (s == seq) {
			*pos = mid;
			return true;
		}
		if (s < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void remove_at(struct rtc_nack *n, unsigned pos)
{
	for (unsigned i = pos; i + 1 < n->count; i++)
		*hole_at(n, i) = *hole_at(n, i + 1);
	n->count--;
	if (n->count == 0)
		n->head = 0;
}

static void overflow(struct rtc_nack *n)
{
	clear(n);
	n->key_frame_needed = true;
	n->stats.list_overflows++;
}

void rtc_nack_handle_packet(struct rtc_nack *n, uint64_t now, uint64_t ext_seq, bool recovered)
{
	unsigned pos;

	if (!n->started) {
		n->started = true;
		n->highest = ext_seq;
		return;
	}
	if (ext_seq < n->highest) {
		if (find(n, ext_seq, &pos)) {
			remove_at(n, pos);
			if (recovered)
				n->stats.packets_recovered++;
			else
				n->stats.packets_late++;
		}
		return;
	}
	if (ext_seq == n->highest)
		return;   /* a duplicate */

	uint64_t gap = ext_seq - n->highest - 1;

	if (gap > n->cfg.max_seq_age || n->count + gap > n->cfg.max_list) {
		/* Too much lost to ask for packet by packet. */
		n->stats.packets_given_up += n->count;
		overflow(n);
	} else {
		for (uint64_t s = n->highest + 1; s < ext_seq; s++) {
			*hole_at(n, n->count) = (struct rtc_nack_hole){ .seq = s, .detected = now };
			n->count++;
		}
		n->stats.packets_missing += gap;
	}
	n->highest = ext_seq;
}

static uint64_t retry_interval(const struct rtc_nack *n, uint64_t rtt)
{
	uint64_t iv = rtt ? rtt : n->cfg.default_rtt;

	if (iv < n->cfg.min_interval)
		iv = n->cfg.min_interval;
	if (iv > n->cfg.max_interval)
		iv = n->cfg.max_interval;
	return iv;
}

static uint64_t due_time(const struct rtc_nack *n, const struct rtc_nack_hole *h, uint64_t iv)
{
	if (h->retries == 0)
		return h->detected + n->cfg.reorder_wait;
	return h->last_sent + iv;
}

/* Drops holes that are too old or asked for often enough already. */
static void expire(struct rtc_nack *n, uint64_t now, uint64_t iv)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < n->count; i++) {
		struct rtc_nack_hole h = *hole_at(n, i);
		bool too_old = n->highest - h.seq > n->cfg.max_seq_age ||
			       now - h.detected > n->cfg.max_age;
		bool exhausted = h.retries >= n->cfg.max_retries && now >= due_time(n, &h, iv);

		if (too_old || exhausted) {
			n->stats.packets_given_up++;
			continue;
		}
		*hole_at(n, kept++) = h;
	}
	n->count = kept;
	if (kept == 0)
		n->head = 0;
}

size_t rtc_nack_poll(struct rtc_nack *n, uint64_t now, uint64_t rtt, uint16_t *seqs, size_t max)
{
	uint64_t iv = retry_interval(n, rtt);
	size_t k = 0;

	expire(n, now, iv);
	for (unsigned i = 0; i < n->count && k < max; i++) {
		struct rtc_nack_hole *h = hole_at(n, i);

		if (now < due_time(n, h, iv))
			continue;
		seqs[k++] = (uint16_t)h->seq;
		h->last_sent = now;
		h->retries++;
	}
	if (k) {
		n->stats.nack_count++;
		n->stats.packets_requested += k;
	}
	return k;
}

uint64_t rtc_nack_deadline(const struct rtc_nack *n, uint64_t rtt)
{
	uint64_t iv = retry_interval(n, rtt), next = RTC_NEVER;

	for (unsigned i = 0; i < n->count; i++) {
		const struct rtc_nack_hole *h = hole_at_const(n, i);
		uint64_t due;

		if (h->retries >= n->cfg.max_retries)
			continue;   /* dropped, not asked for, when it comes due */
		due = due_time(n, h, iv);
		if (due < next)
			next = due;
	}
	return next;
}

bool rtc_nack_poll_key_frame_request(struct rtc_nack *n)
{
	bool r = n->key_frame_needed;

	n->key_frame_needed = false;
	return r;
}

void rtc_nack_forget_before(struct rtc_nack *n, uint64_t ext_seq)
{
	while (n->count && hole_at(n, 0)->seq < ext_seq) {
		n->head = (n->head + 1) % RTC_NACK_MAX_LIST;
		n->count--;
	}
	if (n->count == 0)
		n->head = 0;
}
