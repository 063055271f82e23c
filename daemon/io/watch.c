/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fd readiness watches: the part both backends share (argument checks and
 * the graveyard that keeps removed watches alive until nothing refers to them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "io/reactor-private.h"

#define WATCH_EVENTS (POLLIN | POLLOUT)

struct rtc_watch *rtc_watch_add(struct rtc_reactor *r, int fd, uint32_t events,
                                rtc_watch_fn fn, void *userdata)
{
	struct rtc_watch *w;
	int ret;

	if (fd < 0 || !fn || (events & ~(uint32_t)WATCH_EVENTS)) {
		errno = EINVAL;
		return NULL;
	}
	/* io_uring would only report a bad fd later, as a completion; check
	 * now so both backends fail the same way, at the call. */
	if (fcntl(fd, F_GETFD) < 0)
		return NULL;

	w = calloc(1, sizeof(*w));
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	w->reactor = r;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->userdata = userdata;
	ret = r->ops->watch_add(w);
	if (ret < 0) {
		free(w);
		errno = -ret;
		return NULL;
	}
	rtc_list_append(&r->watches, &w->link);
	return w;
}

int rtc_watch_update(struct rtc_watch *w, uint32_t events)
{
	if (events & ~(uint32_t)WATCH_EVENTS)
		return -EINVAL;
	if (w->dead)
		return -ESTALE;
	if (events == w->events)
		return 0;
	w->events = events;
	return w->reactor->ops->watch_update(w);
}

void rtc_watch_remove(struct rtc_watch *w)
{
	struct rtc_reactor *r;

	if (!w || w->dead)
		return;
	r = w->reactor;
	w->dead = true;
	w->events = 0;
	r->ops->watch_remove(w);
	rtc_list_unlink(&w->link);
	rtc_list_append(&r->dead_watches, &w->link);
}

/* Frees removed watches the kernel has let go of; `force` is for teardown,
 * after the backend has already cancelled everything. */
void rtc_watches_sweep(struct rtc_reactor *r, bool force)
{
	struct rtc_list *e = r->dead_watches.next;

	while (e != &r->dead_watches) {
		struct rtc_watch *w = rtc_container_of(e, struct rtc_watch, link);

		e = e->next;
		if (!force && r->ops->watch_busy(w))
			continue;
		rtc_list_unlink(&w->link);
		free(w);
	}
}
