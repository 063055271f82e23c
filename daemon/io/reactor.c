/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The loop itself and what both backends share: choosing a backend, the
 * cached clock, deferred idles, quitting and tearing everything down.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "io/reactor-private.h"

uint64_t rtc_reactor_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reads the monotonic clock into r->now and, between two reads of it, the
 * realtime clock: the offset between them moves with NTP adjustments and
 * steps, so it is taken afresh each time, as cheap as the clock (vDSO). */
static void read_clocks(struct rtc_reactor *r)
{
	struct timespec mono1, real, mono2;
	int64_t m1, m2, rt;

	clock_gettime(CLOCK_MONOTONIC, &mono1);
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono2);
	m1 = (int64_t)mono1.tv_sec * 1000000000 + mono1.tv_nsec;
	m2 = (int64_t)mono2.tv_sec * 1000000000 + mono2.tv_nsec;
	rt = (int64_t)real.tv_sec * 1000000000 + real.tv_nsec;
	r->realtime_offset = rt - (m1 + (m2 - m1) / 2);
	r->now = (uint64_t)m2;
}

/* RTCD_IO=uring|epoll turns AUTO into a forced choice; anything else is a
 * configuration mistake worth refusing loudly rather than guessing. */
static int backend_from_environment(enum rtc_reactor_backend *backend)
{
	const char *value = getenv("RTCD_IO");

	if (!value || !*value)
		return 0;
	if (strcmp(value, "uring") == 0 || strcmp(value, "io_uring") == 0)
		*backend = RTC_REACTOR_URING;
	else if (strcmp(value, "epoll") == 0)
		*backend = RTC_REACTOR_EPOLL;
	else {
		rtc_err("RTCD_IO=%s: expected \"uring\" or \"epoll\"", value);
		return -EINVAL;
	}
	return 0;
}

static int init_backend(struct rtc_reactor *r, enum rtc_reactor_backend backend)
{
	int ret;

	switch (backend) {
	case RTC_REACTOR_URING:
		return rtc_reactor_uring_init(r);
	case RTC_REACTOR_EPOLL:
		return rtc_reactor_epoll_init(r);
	case RTC_REACTOR_AUTO:
		ret = rtc_reactor_uring_init(r);
		if (ret == 0)
			return 0;
		rtc_info("io_uring unavailable (%s), using epoll", strerror(-ret));
		return rtc_reactor_epoll_init(r);
	}
	return -EINVAL;
}

int rtc_reactor_new(enum rtc_reactor_backend backend, struct rtc_reactor **out)
{
	struct rtc_reactor *r;
	int ret;

	*out = NULL;
	if (backend == RTC_REACTOR_AUTO) {
		ret = backend_from_environment(&backend);
		if (ret < 0)
			return ret;
	}

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rtc_list_init(&r->watches);
	rtc_list_init(&r->dead_watches);
	rtc_list_init(&r->sockets);
	rtc_list_init(&r->dead_sockets);
	rtc_list_init(&r->sockets_to_flush);
	rtc_list_init(&r->timers);
	rtc_list_init(&r->due_timers);
	rtc_list_init(&r->idles);
	rtc_list_init(&r->pending_idles);
	read_clocks(r);
	r->udp_receive_buffers = RTC_UDP_RECEIVE_BUFFERS_DEFAULT;

	ret = init_backend(r, backend);
	if (ret < 0) {
		free(r);
		return ret;
	}
	rtc_debug("reactor: %s backend", r->ops->name);
	*out = r;
	return 0;
}

void rtc_reactor_free(struct rtc_reactor *r)
{
	struct rtc_list *e;

	if (!r)
		return;
	rtc_signals_free(r);
	/* Ask the backend first: after this the kernel no longer touches any
	 * buffer, socket or watch, so everything can go unconditionally. */
	r->ops->destroy(r);
	r->backend = NULL;

	while ((e = rtc_list_pop(&r->watches)))
		rtc_list_append(&r->dead_watches, e);
	rtc_watches_sweep(r, true);
	rtc_udp_sweep(r, true);
	rtc_udp_log_totals(r);
	rtc_timers_free_all(r);
	while ((e = rtc_list_pop(&r->idles))) {
		struct rtc_idle *i = rtc_container_of(e, struct rtc_idle, link);

		free(i);
	}
	free(r);
}

int rtc_reactor_set_udp_receive_buffers(struct rtc_reactor *r, unsigned count)
{
	if (count == 0 || count > 32768 || (count & (count - 1)) != 0)
		return -EINVAL;
	r->udp_receive_buffers = count;
	return 0;
}

const char *rtc_reactor_backend_name(const struct rtc_reactor *r)
{
	return r->ops->name;
}

uint64_t rtc_reactor_now(const struct rtc_reactor *r)
{
	return r->now;
}

/* Runs the idles scheduled so far. One scheduled by a callback lands on the
 * emptied pending list and waits for the next iteration, so an idle that
 * reschedules itself cannot starve the loop. */
static void run_idles(struct rtc_reactor *r)
{
	struct rtc_list running;
	struct rtc_list *e;

	rtc_list_init(&running);
	rtc_list_splice(&running, &r->pending_idles);
	/* Popping one at a time keeps this safe when a callback frees an idle
	 * that is still waiting on `running`: freeing unlinks it. */
	while ((e = rtc_list_pop(&running))) {
		struct rtc_idle *i = rtc_container_of(e, struct rtc_idle, pending_link);

		i->fn(i->userdata);
	}
}

int rtc_reactor_iterate(struct rtc_reactor *r, int timeout_ms)
{
	uint64_t deadline;
	int ret;

	r->now = rtc_reactor_clock_ns();
	run_idles(r);
	rtc_udp_flush_all(r);

	deadline = rtc_timers_next_deadline(r);
	if (!rtc_list_is_empty(&r->pending_idles) || r->quit_requested)
		deadline = 0;
	else if (timeout_ms >= 0) {
		uint64_t limit = r->now + (uint64_t)timeout_ms * 1000000u;

		if (limit < deadline)
			deadline = limit;
	}

	ret = r->ops->wait(r, deadline);
	read_clocks(r);
	if (ret < 0 && ret != -EINTR)
		return ret;

	r->ops->dispatch(r);
	rtc_timers_fire_due(r);
	rtc_watches_sweep(r, false);
	rtc_udp_sweep(r, false);
	return 0;
}

int rtc_reactor_run(struct rtc_reactor *r)
{
	int ret;

	while (!r->quit_requested) {
		ret = rtc_reactor_iterate(r, -1);
		if (ret < 0) {
			rtc_err("reactor: waiting for events failed: %s", strerror(-ret));
			return ret;
		}
	}
	r->quit_requested = false;
	return r->quit_code;
}

void rtc_reactor_quit(struct rtc_reactor *r, int code)
{
	r->quit_requested = true;
	r->quit_code = code;
}

struct rtc_idle *rtc_idle_new(struct rtc_reactor *r, rtc_idle_fn fn, void *userdata)
{
	struct rtc_idle *i = calloc(1, sizeof(*i));

	if (!i) {
		errno = ENOMEM;
		return NULL;
	}
	i->reactor = r;
	i->fn = fn;
	i->userdata = userdata;
	rtc_list_init(&i->pending_link);
	rtc_list_append(&r->idles, &i->link);
	return i;
}

void rtc_idle_schedule(struct rtc_idle *i)
{
	if (!rtc_list_is_linked(&i->pending_link))
		rtc_list_append(&i->reactor->pending_idles, &i->pending_link);
}

void rtc_idle_free(struct rtc_idle *i)
{
	if (!i)
		return;
	rtc_list_unlink(&i->pending_link);
	rtc_list_unlink(&i->link);
	free(i);
}
