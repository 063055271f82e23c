/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/resolver.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/list.h"
#include "io/reactor.h"

struct rtc_resolve {
	struct rtc_list link;            /* in the resolver's pending list */
	struct rtc_resolver *resolver;
	struct gaicb gai;
	struct addrinfo hints;
	char host[256], service[8];
	rtc_resolve_fn fn;
	void *userdata;
	bool cancelled;
};

/* What glibc's notification thread touches. It can still be running after
 * the request looks done (gai_error() no longer EAI_INPROGRESS) and so
 * after rtc_resolver_free(): the eventfd lives until the last notification
 * that may come has let go of it. */
struct wakeup {
	atomic_int refs;
	int eventfd;
};

static void wakeup_unref(struct wakeup *w)
{
	if (atomic_fetch_sub(&w->refs, 1) == 1) {
		close(w->eventfd);
		free(w);
	}
}

struct rtc_resolver {
	struct rtc_reactor *reactor;
	struct rtc_watch *watch;
	struct wakeup *wakeup;
	int eventfd;
	struct rtc_list pending;
};

/* Runs on glibc's resolver thread: only wake the reactor. */
static void on_done_thread(union sigval value)
{
	struct wakeup *w = value.sival_ptr;
	uint64_t one = 1;

	(void)!write(w->eventfd, &one, sizeof(one));
	wakeup_unref(w);
}

static void finish(struct rtc_resolve *q)
{
	struct sockaddr_storage addresses[RTC_RESOLVE_MAX_ADDRESSES];
	struct addrinfo *ai;
	size_t n = 0;
	int status = gai_error(&q->gai);

	rtc_list_unlink(&q->link);
	if (status == 0) {
		for (ai = q->gai.ar_result; ai && n < RTC_RESOLVE_MAX_ADDRESSES; ai = ai->ai_next) {
			if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
				continue;
			memset(&addresses[n], 0, sizeof(addresses[n]));
			memcpy(&addresses[n++], ai->ai_addr, ai->ai_addrlen);
		}
		freeaddrinfo(q->gai.ar_result);
	}
	if (!q->cancelled)
		q->fn(q->userdata, addresses, n, status == 0 ? (n ? NULL : "no address") :
								gai_strerror(status));
	free(q);
}

static void on_wake(void *userdata, int fd, uint32_t revents)
{
	struct rtc_resolver *r = userdata;
	struct rtc_list *pos, *tmp;
	uint64_t count;

	(void)!read(fd, &count, sizeof(count));
	rtc_list_for_each_safe(pos, tmp, &r->pending) {
		struct rtc_resolve *q = rtc_container_of(pos, struct rtc_resolve, link);
		if (gai_error(&q->gai) != EAI_INPROGRESS)
			finish(q);
	}
}

int rtc_resolver_new(struct rtc_reactor *reactor, struct rtc_resolver **out)
{
	struct rtc_resolver *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->reactor = reactor;
	rtc_list_init(&r->pending);
	r->wakeup = calloc(1, sizeof(*r->wakeup));
	if (!r->wakeup) {
		free(r);
		return -ENOMEM;
	}
	r->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->eventfd < 0) {
		ret = -errno;
		free(r->wakeup);
		free(r);
		return ret;
	}
	r->wakeup->eventfd = r->eventfd;
	atomic_init(&r->wakeup->refs, 1);      /* the resolver's own reference */
	r->watch = rtc_watch_add(reactor, r->eventfd, POLLIN, on_wake, r);
	if (!r->watch) {
		ret = -errno;
		wakeup_unref(r->wakeup);
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void rtc_resolver_free(struct rtc_resolver *r)
{
	struct rtc_list *pos, *tmp;

	if (!r)
		return;
	rtc_list_for_each_safe(pos, tmp, &r->pending) {
		struct rtc_resolve *q = rtc_container_of(pos, struct rtc_resolve, link);
		/* A request glibc is still working on must be waited for: its
		 * thread writes into q. One it cancelled will never notify. */
		int c = gai_cancel(&q->gai);
		if (c == EAI_CANCELED) {
			wakeup_unref(r->wakeup);
		} else if (c == EAI_NOTCANCELED) {
			const struct gaicb *list[] = { &q->gai };
			while (gai_error(&q->gai) == EAI_INPROGRESS)
				gai_suspend(list, 1, NULL);
		}
		q->cancelled = true;
		if (gai_error(&q->gai) == 0)
			freeaddrinfo(q->gai.ar_result);
		rtc_list_unlink(&q->link);
		free(q);
	}
	rtc_watch_remove(r->watch);
	wakeup_unref(r->wakeup);
	free(r);
}

struct rtc_resolve *rtc_resolve_start(struct rtc_resolver *r, const char *host, uint16_t port,
				      int family, rtc_resolve_fn fn, void *userdata)
{
	struct rtc_resolve *q;
	struct gaicb *list[1];
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD };
	int status;

	if (strlen(host) >= sizeof(q->host)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->resolver = r;
	q->fn = fn;
	q->userdata = userdata;
	snprintf(q->host, sizeof(q->host), "%s", host);
	snprintf(q->service, sizeof(q->service), "%u", port);
	q->hints = (struct addrinfo){ .ai_family = family, .ai_socktype = SOCK_DGRAM,
				      .ai_flags = AI_NUMERICSERV };
	q->gai = (struct gaicb){ .ar_name = q->host, .ar_service = q->service,
				 .ar_request = &q->hints };
	sev.sigev_value.sival_ptr = r->wakeup;
	sev.sigev_notify_function = on_done_thread;
	list[0] = &q->gai;
	/* The notification's reference, dropped by on_done_thread. */
	atomic_fetch_add(&r->wakeup->refs, 1);
	status = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev);
	if (status != 0) {
		wakeup_unref(r->wakeup);
		free(q);
		errno = status == EAI_AGAIN ? EAGAIN : ENOMEM;
		return NULL;
	}
	rtc_list_append(&r->pending, &q->link);
	return q;
}

void rtc_resolve_cancel(struct rtc_resolve *q)
{
	if (!q)
		return;
	/* Freed when glibc is done with it (on_wake), without a callback. */
	q->cancelled = true;
	if (gai_cancel(&q->gai) == EAI_CANCELED) {
		/* It will not notify: its reference goes now. */
		wakeup_unref(q->resolver->wakeup);
		rtc_list_unlink(&q->link);
		free(q);
	}
}
