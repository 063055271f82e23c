/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One-shot timers on absolute CLOCK_MONOTONIC deadlines, kept in a binary
 * min-heap so that finding the next deadline is O(1) and arming, moving and
 * disarming are O(log n) however many peer connections keep timers.
 *
 * Expiry happens in two steps: every timer due now leaves the heap for the
 * due list (in deadline order), then the list fires. A callback that re-arms
 * a timer for "now" therefore lands in the heap again and fires at the next
 * iteration instead of spinning here forever.
 */
#include <errno.h>
#include <stdlib.h>

#include "io/reactor-private.h"

static bool fires_before(const struct rtc_timer *a, const struct rtc_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void heap_place(struct rtc_reactor *r, size_t index, struct rtc_timer *t)
{
	r->heap[index] = t;
	t->heap_index = index;
}

static void heap_sift_up(struct rtc_reactor *r, size_t index)
{
	struct rtc_timer *t = r->heap[index];

	while (index > 0) {
		size_t parent = (index - 1) / 2;

		if (!fires_before(t, r->heap[parent]))
			break;
		heap_place(r, index, r->heap[parent]);
		index = parent;
	}
	heap_place(r, index, t);
}

static void heap_sift_down(struct rtc_reactor *r, size_t index)
{
	struct rtc_timer *t = r->heap[index];

	for (;;) {
		size_t child = 2 * index + 1;

		if (child >= r->heap_len)
			break;
		if (child + 1 < r->heap_len && fires_before(r->heap[child + 1], r->heap[child]))
			child++;
		if (!fires_before(r->heap[child], t))
			break;
		heap_place(r, index, r->heap[child]);
		index = child;
	}
	heap_place(r, index, t);
}

static void heap_remove(struct rtc_reactor *r, struct rtc_timer *t)
{
	size_t index = t->heap_index;
	struct rtc_timer *last = r->heap[--r->heap_len];

	t->heap_index = RTC_TIMER_NOT_QUEUED;
	if (last == t)
		return;
	heap_place(r, index, last);
	if (index > 0 && fires_before(last, r->heap[(index - 1) / 2]))
		heap_sift_up(r, index);
	else
		heap_sift_down(r, index);
}

/* Grows the heap when a timer is created, so arming never needs memory and
 * never fails: the heap holds at most one slot per existing timer. */
static int heap_reserve(struct rtc_reactor *r, size_t timers)
{
	struct rtc_timer **heap;
	size_t cap;

	if (timers <= r->heap_cap)
		return 0;
	cap = r->heap_cap ? r->heap_cap * 2 : 16;
	heap = realloc(r->heap, cap * sizeof(*heap));
	if (!heap)
		return -ENOMEM;
	r->heap = heap;
	r->heap_cap = cap;
	return 0;
}

struct rtc_timer *rtc_timer_new(struct rtc_reactor *r, rtc_timer_fn fn, void *userdata)
{
	struct rtc_timer *t;

	if (heap_reserve(r, r->n_timers + 1) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->reactor = r;
	t->fn = fn;
	t->userdata = userdata;
	t->heap_index = RTC_TIMER_NOT_QUEUED;
	rtc_list_init(&t->due_link);
	rtc_list_append(&r->timers, &t->link);
	r->n_timers++;
	return t;
}

void rtc_timer_disarm(struct rtc_timer *t)
{
	if (t->heap_index != RTC_TIMER_NOT_QUEUED)
		heap_remove(t->reactor, t);
	rtc_list_unlink(&t->due_link);
}

void rtc_timer_arm(struct rtc_timer *t, uint64_t deadline_ns)
{
	struct rtc_reactor *r = t->reactor;

	rtc_timer_disarm(t);
	t->deadline = deadline_ns;
	t->seq = r->timer_seq++;
	r->heap[r->heap_len] = t;
	t->heap_index = r->heap_len++;
	heap_sift_up(r, t->heap_index);
}

bool rtc_timer_is_armed(const struct rtc_timer *t)
{
	return t->heap_index != RTC_TIMER_NOT_QUEUED || rtc_list_is_linked(&t->due_link);
}

void rtc_timer_free(struct rtc_timer *t)
{
	if (!t)
		return;
	rtc_timer_disarm(t);
	rtc_list_unlink(&t->link);
	t->reactor->n_timers--;
	free(t);
}

uint64_t rtc_timers_next_deadline(const struct rtc_reactor *r)
{
	if (!rtc_list_is_empty(&r->due_timers))
		return 0;
	return r->heap_len ? r->heap[0]->deadline : UINT64_MAX;
}

void rtc_timers_fire_due(struct rtc_reactor *r)
{
	struct rtc_list *e;

	while (r->heap_len && r->heap[0]->deadline <= r->now) {
		struct rtc_timer *t = r->heap[0];

		heap_remove(r, t);
		rtc_list_append(&r->due_timers, &t->due_link);
	}
	/* Pop one at a time: a callback may disarm, re-arm or free any timer
	 * still waiting here, which simply unlinks it. */
	while ((e = rtc_list_pop(&r->due_timers))) {
		struct rtc_timer *t = rtc_container_of(e, struct rtc_timer, due_link);

		t->fn(t->userdata);
	}
}

void rtc_timers_free_all(struct rtc_reactor *r)
{
	struct rtc_list *e;

	while ((e = rtc_list_pop(&r->timers))) {
		struct rtc_timer *t = rtc_container_of(e, struct rtc_timer, link);

		free(t);
	}
	free(r->heap);
	r->heap = NULL;
	r->heap_len = r->heap_cap = r->n_timers = 0;
	rtc_list_init(&r->due_timers);
}
