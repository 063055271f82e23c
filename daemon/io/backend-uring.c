/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The io_uring backend: ring setup, waiting, reaping completions, the wake-up
 * timeout and fd watches as multishot polls. UDP lives in udp-uring.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "io/reactor-uring.h"

#define SQ_ENTRIES 256
/* Multishot receives post many CQEs per SQE; a CQ much larger than the SQ
 * keeps them from overflowing (which ends a multishot operation). */
#define CQ_ENTRIES 4096
#define REAP_BATCH 64
#define RECHECK_BATCH 32
/* How long teardown waits for cancelled operations to complete. */
#define DESTROY_TIMEOUT_NS 1000000000ull

static struct rtc_uring_backend *backend_of(const struct rtc_reactor *r)
{
	return rtc_uring_backend_of(r);
}

struct io_uring_sqe *rtc_uring_get_sqe(struct rtc_uring_backend *b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);

	if (!sqe) {
		int ret = io_uring_submit(&b->ring);

		if (ret < 0)
			rtc_warn("io_uring: submitting a full queue failed: %s", strerror(-ret));
		sqe = io_uring_get_sqe(&b->ring);
		if (!sqe)
			return NULL;
	}
	b->in_flight++;
	return sqe;
}

int rtc_uring_bgid_take(struct rtc_uring_backend *b, uint16_t *bgid)
{
	if (b->n_free_bgids > 0) {
		*bgid = b->free_bgids[--b->n_free_bgids];
		return 0;
	}
	if (b->next_bgid == UINT16_MAX)
		return -EMFILE;
	*bgid = b->next_bgid++;
	return 0;
}

void rtc_uring_bgid_give_back(struct rtc_uring_backend *b, uint16_t bgid)
{
	if (b->n_free_bgids == b->cap_free_bgids) {
		size_t cap = b->cap_free_bgids ? b->cap_free_bgids * 2 : 16;
		uint16_t *ids = realloc(b->free_bgids, cap * sizeof(*ids));

		/* Out of memory: the id is simply never reused. */
		if (!ids)
			return;
		b->free_bgids = ids;
		b->cap_free_bgids = cap;
	}
	b->free_bgids[b->n_free_bgids++] = bgid;
}

/* ---- watches ---------------------------------------------------------- */

static void watch_make_ready(struct rtc_uring_backend *b, struct rtc_watch *w, uint32_t revents)
{
	w->uring.pending |= revents;
	rtc_list_unlink(&w->uring.ready_link);
	rtc_list_append(&b->ready, &w->uring.ready_link);
}

static void watch_arm(struct rtc_watch *w)
{
	struct rtc_uring_backend *b = backend_of(w->reactor);
	struct io_uring_sqe *sqe = rtc_uring_get_sqe(b);

	if (!sqe) {
		w->uring.failed = true;
		watch_make_ready(b, w, POLLERR);
		return;
	}
	io_uring_prep_poll_multishot(sqe, w->fd, w->events);
	io_uring_sqe_set_data64(sqe, rtc_uring_user_data(w, RTC_URING_WATCH));
	w->uring.polls++;
	w->uring.armed_events = w->events;
	w->uring.failed = false;
}

static void watch_cancel(struct rtc_watch *w)
{
	struct rtc_uring_backend *b = backend_of(w->reactor);
	struct io_uring_sqe *sqe;

	if (!w->uring.polls || w->uring.cancelling)
		return;
	sqe = rtc_uring_get_sqe(b);
	if (!sqe)
		return;  /* stays armed; its events are filtered by w->events */
	/* Every poll of this watch: one left behind would hold the file for
	 * ever (and, for a socket, keep its peer from seeing end-of-file). */
	io_uring_prep_cancel64(sqe, rtc_uring_user_data(w, RTC_URING_WATCH),
			       IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, rtc_uring_user_data(w, RTC_URING_WATCH_CANCEL));
	w->uring.cancelling = true;
	w->uring.cancels_in_flight++;
}

static int uring_watch_add(struct rtc_watch *w)
{
	rtc_list_init(&w->uring.ready_link);
	if (w->events)
		watch_arm(w);
	return 0;
}

/* Changes the mask of the poll in flight in place (IORING_POLL_UPDATE_EVENTS),
 * which re-checks readiness at once. Should the poll have ended meanwhile,
 * the update fails with ENOENT and the final completion re-arms instead.
 * The update keeps the poll's user_data: its new_user_data must be 0, the
 * kernel refuses anything else without IORING_POLL_UPDATE_USER_DATA. */
static void watch_change_mask(struct rtc_watch *w)
{
	struct rtc_uring_backend *b = backend_of(w->reactor);
	struct io_uring_sqe *sqe = rtc_uring_get_sqe(b);

	if (!sqe) {
		watch_cancel(w);   /* re-armed with the new mask when it completes */
		return;
	}
	io_uring_prep_poll_update(sqe, rtc_uring_user_data(w, RTC_URING_WATCH), 0, w->events,
	                          IORING_POLL_UPDATE_EVENTS | IORING_POLL_ADD_MULTI);
	io_uring_sqe_set_data64(sqe, rtc_uring_user_data(w, RTC_URING_WATCH_UPDATE));
	w->uring.armed_events = w->events;
	w->uring.updates_in_flight++;
}

/* A mask change the kernel did not apply leaves the poll waiting for the old
 * events, and a POLLOUT that libdbus waits for would never be reported.
 * ENOENT: the poll ended and its final completion re-arms. EALREADY: the
 * poll was firing (its task work still pending), so try again. Anything
 * else: replace the poll, whose final completion arms the current mask. */
static void watch_update_completion(struct rtc_watch *w, int res)
{
	w->uring.updates_in_flight--;
	if (res >= 0 || res == -ENOENT || w->dead || !w->uring.polls ||
	    w->uring.cancelling || w->events == 0)
		return;
	if (res == -EALREADY) {
		watch_change_mask(w);
		return;
	}
	rtc_warn("io_uring: changing the poll mask of fd %d failed: %s; re-arming",
	         w->fd, strerror(-res));
	watch_cancel(w);
}

/* A paused watch has no poll at all: even a mask of 0 would still report
 * POLLERR and POLLHUP. While a cancellation is on its way, the final
 * completion arms a poll with whatever mask is current by then. */
static int uring_watch_update(struct rtc_watch *w)
{
	if (w->events == 0) {
		rtc_list_unlink(&w->uring.ready_link);
		watch_cancel(w);
	} else if (!w->uring.polls) {
		watch_arm(w);
	} else if (!w->uring.cancelling && w->events != w->uring.armed_events) {
		watch_change_mask(w);
	}
	/* Level-triggered, whatever the kernel makes of the new mask: the fd
	 * may be ready for the new events already (a socket that became
	 * writable between the owner's EAGAIN and this update), and a
	 * multishot poll only reports changes. poll(2) it before blocking. */
	if (w->events && !w->uring.failed && !rtc_list_is_linked(&w->uring.ready_link))
		rtc_list_append(&backend_of(w->reactor)->recheck, &w->uring.ready_link);
	return 0;
}

/* A cancellation that found no poll while one of ours lives: the poll was
 * out of the kernel's table for a moment, being given a new mask. Without a
 * second try it would live on, and `cancelling` would hold back every later
 * change of this watch. */
static void watch_cancel_completion(struct rtc_watch *w, int res)
{
	w->uring.cancels_in_flight--;
	if (res != -ENOENT || w->uring.polls == 0)
		return;     /* cancelled: the polls' final completions follow */
	w->uring.cancelling = false;
	if (w->dead || w->events == 0)
		watch_cancel(w);
	else if (w->events != w->uring.armed_events)
		watch_change_mask(w);
}

static void uring_watch_remove(struct rtc_watch *w)
{
	rtc_list_unlink(&w->uring.ready_link);
	watch_cancel(w);
}

static bool uring_watch_busy(const struct rtc_watch *w)
{
	return w->uring.polls > 0 || w->uring.updates_in_flight > 0 ||
	       w->uring.cancels_in_flight > 0;
}

static void watch_completion(struct rtc_uring_backend *b, struct rtc_watch *w, int res, bool final)
{
	if (final) {
		if (w->uring.polls > 0)
			w->uring.polls--;
		if (w->uring.polls == 0)
			w->uring.cancelling = false;
	}
	if (w->dead)
		return;
	if (res > 0) {
		watch_make_ready(b, w, (uint32_t)res);
	} else if (res < 0 && res != -ECANCELED && res != -ENOENT) {
		/* The kernel refused the poll (a closed fd, say). Report it once
		 * and do not re-arm until the owner updates or removes the watch. */
		w->uring.failed = true;
		watch_make_ready(b, w, POLLERR);
	}
	/* A poll that ended without us asking (CQ overflow) or that we cancelled
	 * to change its mask is armed again with the current mask. */
	if (final && !w->uring.polls && w->events && !w->uring.failed)
		watch_arm(w);
}

static void deliver_ready_watches(struct rtc_uring_backend *b)
{
	struct rtc_list *e;

	while ((e = rtc_list_pop(&b->ready))) {
		struct rtc_watch *w = rtc_container_of(e, struct rtc_watch, uring.ready_link);
		uint32_t revents = w->uring.pending & (w->events | POLLERR | POLLHUP);

		w->uring.pending = 0;
		/* Paused or removed since the completion came in: a late report
		 * (even POLLHUP) is not delivered, as on epoll. */
		if (w->dead || w->events == 0 || !revents)
			continue;
		w->fn(w->userdata, w->fd, revents);
		/* Dead watches stay allocated until the end of the iteration. */
		if (!w->dead && w->events && !w->uring.failed &&
		    !rtc_list_is_linked(&w->uring.ready_link))
			rtc_list_append(&b->recheck, &w->uring.ready_link);
	}
}

/* poll(2) the watches delivered last time: those still ready go to the ready
 * list (and the loop must not block), the others are dropped, their
 * multishot poll will report the next change. */
static void recheck_watches(struct rtc_uring_backend *b)
{
	while (!rtc_list_is_empty(&b->recheck)) {
		struct pollfd fds[RECHECK_BATCH];
		struct rtc_watch *watches[RECHECK_BATCH];
		nfds_t n = 0;
		struct rtc_list *e;

		while (n < RECHECK_BATCH && (e = rtc_list_pop(&b->recheck))) {
			struct rtc_watch *w = rtc_container_of(e, struct rtc_watch, uring.ready_link);

			watches[n] = w;
			fds[n] = (struct pollfd){ .fd = w->fd, .events = (short)w->events };
			n++;
		}
		if (poll(fds, n, 0) < 0)
			return;  /* EINTR/ENOMEM: the multishot polls still cover us */
		for (nfds_t i = 0; i < n; i++) {
			uint32_t revents = (uint32_t)(uint16_t)fds[i].revents;

			if (revents & POLLNVAL)
				revents = (revents & ~(uint32_t)POLLNVAL) | POLLERR;
			if (revents)
				watch_make_ready(b, watches[i], revents);
		}
	}
}

/* ---- the wake-up timeout ---------------------------------------------- */

static uint64_t timeout_user_data(uint64_t generation)
{
	return generation << 3 | RTC_URING_TIMEOUT;
}

static void arm_timeout(struct rtc_uring_backend *b, uint64_t deadline_ns)
{
	struct io_uring_sqe *sqe;

	if (b->timeout_armed && b->timeout_deadline <= deadline_ns)
		return;
	if (b->timeout_armed) {
		sqe = rtc_uring_get_sqe(b);
		if (!sqe)
			return;
		io_uring_prep_timeout_remove(sqe, timeout_user_data(b->timeout_generation), 0);
		io_uring_sqe_set_data64(sqe, rtc_uring_user_data(NULL, RTC_URING_INTERNAL));
		b->timeout_armed = false;
	}
	sqe = rtc_uring_get_sqe(b);
	if (!sqe)
		return;
	/* A new generation: completions of the old timeout, which may still
	 * be on their way, no longer match and are ignored. */
	b->timeout_generation++;
	b->timeout_ts.tv_sec = (int64_t)(deadline_ns / 1000000000u);
	b->timeout_ts.tv_nsec = (long long)(deadline_ns % 1000000000u);
	io_uring_prep_timeout(sqe, &b->timeout_ts, 0, IORING_TIMEOUT_ABS);
	io_uring_sqe_set_data64(sqe, timeout_user_data(b->timeout_generation));
	b->timeout_armed = true;
	b->timeout_deadline = deadline_ns;
}

/* ---- waiting and reaping ---------------------------------------------- */

static int uring_wait(struct rtc_reactor *r, uint64_t deadline_ns)
{
	struct rtc_uring_backend *b = backend_of(r);
	bool block;
	int ret;

	recheck_watches(b);
	block = rtc_list_is_empty(&b->ready) && deadline_ns > rtc_reactor_clock_ns();
	if (block && deadline_ns != UINT64_MAX)
		arm_timeout(b, deadline_ns);

	if (block)
		ret = io_uring_submit_and_wait(&b->ring, 1);
	else
		ret = io_uring_submit_and_get_events(&b->ring);
	/* EINTR: a signal we do not handle; EBUSY/EAGAIN: the CQ is backed up
	 * and needs reaping first. All of them just mean "go and dispatch". */
	if (ret == -EINTR || ret == -EBUSY || ret == -EAGAIN)
		return 0;
	return ret < 0 ? ret : 0;
}

struct completion {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
};

static enum rtc_uring_tag tag_of(const struct completion *c)
{
	return (enum rtc_uring_tag)(c->user_data & RTC_URING_TAG_MASK);
}

static void *object_of(const struct completion *c)
{
	return (void *)(uintptr_t)(c->user_data & ~(uint64_t)RTC_URING_TAG_MASK);
}

static void handle_completion(struct rtc_uring_backend *b, const struct completion *c)
{
	bool final = !(c->flags & IORING_CQE_F_MORE);
	void *object = object_of(c);

	if (final)
		b->in_flight--;
	switch (tag_of(c)) {
	case RTC_URING_INTERNAL:
		break;
	case RTC_URING_TIMEOUT:
		if (final && c->user_data == timeout_user_data(b->timeout_generation))
			b->timeout_armed = false;
		break;
	case RTC_URING_WATCH:
		watch_completion(b, object, c->res, final);
		break;
	case RTC_URING_WATCH_UPDATE:
		watch_update_completion(object, c->res);
		break;
	case RTC_URING_WATCH_CANCEL:
		watch_cancel_completion(object, c->res);
		break;
	case RTC_URING_RECV:
		rtc_uring_udp_recv_done(object, c->res, c->flags);
		break;
	case RTC_URING_SEND: {
		struct rtc_udp_packet *p = object;

		p->socket->stats.sends++;      /* one SENDMSG: a datagram or a GSO run */
		rtc_udp_packet_sent(p, c->res);
		break;
	}
	}
}

/* Copies completions out of the CQ before handling them, so that callbacks
 * (which may submit) never run while we hold pointers into the ring. */
static unsigned reap(struct rtc_uring_backend *b, struct completion *out, unsigned max)
{
	struct io_uring_cqe *cqes[REAP_BATCH];
	unsigned n = io_uring_peek_batch_cqe(&b->ring, cqes, max < REAP_BATCH ? max : REAP_BATCH);

	for (unsigned i = 0; i < n; i++)
		out[i] = (struct completion){ cqes[i]->user_data, cqes[i]->res, cqes[i]->flags };
	io_uring_cq_advance(&b->ring, n);
	return n;
}

static void uring_dispatch(struct rtc_reactor *r)
{
	struct rtc_uring_backend *b = backend_of(r);
	struct completion batch[REAP_BATCH];
	unsigned budget = CQ_ENTRIES, n;

	/* Bounded by the CQ size so that a flood cannot keep us here: what is
	 * left is reaped at the next iteration, after timers have had a turn. */
	while (budget > 0 && (n = reap(b, batch, REAP_BATCH)) > 0) {
		budget -= n < budget ? n : budget;
		for (unsigned i = 0; i < n; i++)
			handle_completion(b, &batch[i]);
	}
	deliver_ready_watches(b);
}

/* ---- setup and teardown ----------------------------------------------- */

static void uring_destroy(struct rtc_reactor *r)
{
	struct rtc_uring_backend *b = backend_of(r);
	struct io_uring_sqe *sqe = rtc_uring_get_sqe(b);
	uint64_t give_up = rtc_reactor_clock_ns() + DESTROY_TIMEOUT_NS;

	if (sqe) {
		io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
		io_uring_sqe_set_data64(sqe, rtc_uring_user_data(NULL, RTC_URING_INTERNAL));
	}
	/* Wait for every cancelled operation to complete: only then is the
	 * memory they point at (packets, buffer rings, msghdrs) ours again. */
	while (b->in_flight > 0 && rtc_reactor_clock_ns() < give_up) {
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 100000000 };
		struct io_uring_cqe *cqe;
		struct completion batch[REAP_BATCH];
		unsigned n;

		io_uring_submit_and_wait_timeout(&b->ring, &cqe, 1, &ts, NULL);
		while ((n = reap(b, batch, REAP_BATCH)) > 0) {
			for (unsigned i = 0; i < n; i++) {
				const struct completion *c = &batch[i];

				if (c->flags & IORING_CQE_F_MORE)
					continue;
				b->in_flight--;
				/* No callbacks now: only give packets back to their
				 * socket's pool, which frees them with the socket. */
				if (tag_of(c) == RTC_URING_SEND)
					rtc_udp_packet_sent(object_of(c), -ECANCELED);
			}
		}
	}
	if (b->in_flight > 0)
		rtc_warn("io_uring: %u operations still in flight at teardown", b->in_flight);
	io_uring_queue_exit(&b->ring);

	rtc_uring_udp_forget_buffers(b);
	free(b->free_bgids);
	free(b);
}

const struct rtc_reactor_backend_ops rtc_reactor_uring_ops = {
	.name = "io_uring",
	.destroy = uring_destroy,
	.watch_add = uring_watch_add,
	.watch_update = uring_watch_update,
	.watch_remove = uring_watch_remove,
	.watch_busy = uring_watch_busy,
	.wait = uring_wait,
	.dispatch = uring_dispatch,
	.udp_open = rtc_uring_udp_open,
	.udp_flush = rtc_uring_udp_flush,
	.udp_close = rtc_uring_udp_close,
	.udp_busy = rtc_uring_udp_busy,
	.udp_release = rtc_uring_udp_release,
};

/* The setup flags we would like, best first. SINGLE_ISSUER (6.0) and
 * DEFER_TASKRUN (6.1) cut task-work overhead for a one-thread loop; older
 * kernels refuse them with EINVAL and get the next set. */
static int setup_ring(struct io_uring *ring)
{
	static const unsigned flag_sets[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_SINGLE_ISSUER,
		0,
	};
	int ret = -EINVAL;

	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		struct io_uring_params params = {
			.flags = flag_sets[i] | IORING_SETUP_CQSIZE,
			.cq_entries = CQ_ENTRIES,
		};

		ret = io_uring_queue_init_params(SQ_ENTRIES, ring, &params);
		if (ret != -EINVAL)
			break;
		rtc_debug("io_uring: setup flags 0x%x refused, trying fewer", params.flags);
	}
	return ret;
}

int rtc_reactor_uring_init(struct rtc_reactor *r)
{
	struct rtc_uring_backend *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	ret = setup_ring(&b->ring);
	if (ret < 0) {
		free(b);
		return ret;
	}
	rtc_list_init(&b->ready);
	rtc_list_init(&b->recheck);
	/* Multishot recvmsg needs provided-buffer rings: without them (kernels
	 * before 5.19) the whole backend is useless to us. */
	ret = rtc_uring_udp_probe(b);
	if (ret < 0) {
		io_uring_queue_exit(&b->ring);
		free(b);
		return ret;
	}
	r->backend = b;
	r->ops = &rtc_reactor_uring_ops;
	return 0;
}
