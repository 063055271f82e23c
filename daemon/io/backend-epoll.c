/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The epoll backend, for kernels or sandboxes without io_uring. Watches are
 * level-triggered epoll registrations; UDP sockets are drained with recvmmsg
 * in batches and queued packets leave with sendmmsg, runs of them as GSO sends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/log.h"
#include "io/reactor-private.h"

#define EPOLL_BATCH 64
#define RECV_BATCH 32
/* recvmmsg calls per readiness report: bounded so that one flooded socket
 * cannot starve the others; level triggering brings us back to it. */
#define RECV_ROUNDS 8
#define SEND_BATCH 64

/* epoll_event.data carries a pointer tagged in its lowest bit (both objects
 * come from malloc, so that bit is free). */
#define TAG_SOCKET 1u

struct recv_batch {
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	struct sockaddr_storage from[RECV_BATCH];
	union {                               /* aligned for struct cmsghdr */
		struct cmsghdr align;
		uint8_t buf[RTC_UDP_RECV_CONTROL_SIZE];
	} control[RECV_BATCH];
	uint8_t data[RECV_BATCH][RTC_UDP_MAX_DATAGRAM];
};

struct epoll_backend {
	int epfd;
	bool have_pwait2;
	int n_events;
	struct epoll_event events[EPOLL_BATCH];
	struct recv_batch *rx;         /* allocated with the first socket */
};

static struct epoll_backend *backend_of(const struct rtc_reactor *r)
{
	return r->backend;
}

static uint32_t to_epoll(uint32_t events)
{
	return (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0);
}

static uint32_t from_epoll(uint32_t events)
{
	return (events & EPOLLIN ? POLLIN : 0) | (events & EPOLLOUT ? POLLOUT : 0) |
	       (events & EPOLLERR ? POLLERR : 0) | (events & EPOLLHUP ? POLLHUP : 0);
}

static int watch_control(struct rtc_watch *w, int op)
{
	struct epoll_event ev = {
		.events = to_epoll(w->events),
		.data.u64 = (uint64_t)(uintptr_t)w,
	};

	if (epoll_ctl(backend_of(w->reactor)->epfd, op, w->fd, &ev) < 0)
		return -errno;
	return 0;
}

/* A paused watch leaves the epoll set entirely: epoll reports EPOLLHUP and
 * EPOLLERR whatever the mask, and level triggered that would spin. */
static int epoll_watch_update(struct rtc_watch *w)
{
	int ret;

	if (w->events == 0) {
		if (!w->epoll.registered)
			return 0;
		ret = watch_control(w, EPOLL_CTL_DEL);
		w->epoll.registered = false;
		return ret == -EBADF || ret == -ENOENT ? 0 : ret;
	}
	ret = watch_control(w, w->epoll.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD);
	if (ret == 0)
		w->epoll.registered = true;
	return ret;
}

static int epoll_watch_add(struct rtc_watch *w)
{
	w->epoll.registered = false;
	return epoll_watch_update(w);
}

static void epoll_watch_remove(struct rtc_watch *w)
{
	/* The caller may already have closed the fd, which removed it. */
	if (w->epoll.registered)
		(void)watch_control(w, EPOLL_CTL_DEL);
	w->epoll.registered = false;
}

static bool epoll_watch_busy(const struct rtc_watch *w)
{
	return false;
}

static int epoll_wait_until(struct rtc_reactor *r, uint64_t deadline_ns)
{
	struct epoll_backend *b = backend_of(r);
	uint64_t now = rtc_reactor_clock_ns();
	int n;

	b->n_events = 0;
	if (deadline_ns == UINT64_MAX) {
		n = epoll_wait(b->epfd, b->events, EPOLL_BATCH, -1);
	} else {
		uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;

		if (b->have_pwait2) {
			struct timespec ts = {
				.tv_sec = (time_t)(delta / 1000000000u),
				.tv_nsec = (long)(delta % 1000000000u),
			};

			n = epoll_pwait2(b->epfd, b->events, EPOLL_BATCH, &ts, NULL);
			if (n < 0 && errno == ENOSYS) {
				b->have_pwait2 = false;
				return epoll_wait_until(r, deadline_ns);
			}
		} else {
			/* Round up: waking early would only spin until the deadline. */
			uint64_t ms = (delta + 999999u) / 1000000u;

			n = epoll_wait(b->epfd, b->events, EPOLL_BATCH, ms > INT32_MAX ? INT32_MAX : (int)ms);
		}
	}
	if (n < 0)
		return -errno;
	b->n_events = n;
	return 0;
}

static void udp_receive(struct rtc_udp_socket *s, struct recv_batch *rx)
{
	for (int round = 0; round < RECV_ROUNDS && !s->closed; round++) {
		int n;

		for (int i = 0; i < RECV_BATCH; i++) {
			rx->iov[i] = (struct iovec){ rx->data[i], sizeof(rx->data[i]) };
			rx->msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &rx->from[i],
				.msg_namelen = sizeof(rx->from[i]),
				.msg_iov = &rx->iov[i],
				.msg_iovlen = 1,
				.msg_control = rx->control[i].buf,
				.msg_controllen = sizeof(rx->control[i].buf),
			};
		}
		n = recvmmsg(s->fd, rx->msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				rtc_debug("udp: recvmmsg: %m");
			return;
		}
		for (int i = 0; i < n && !s->closed; i++) {
			const struct msghdr *m = &rx->msgs[i].msg_hdr;

			/* Larger than any datagram we speak: drop, never deliver a prefix. */
			if (m->msg_flags & MSG_TRUNC)
				continue;
			rtc_udp_deliver(s, rx->data[i], rx->msgs[i].msg_len,
			                (const struct sockaddr *)&rx->from[i], m->msg_namelen,
			                rtc_udp_kernel_time(m));
		}
		if (n < RECV_BATCH)
			return;
	}
}

static void epoll_dispatch(struct rtc_reactor *r)
{
	struct epoll_backend *b = backend_of(r);

	/* Objects removed by a callback stay allocated until the end of the
	 * iteration (the graveyard), so the later events of this batch can
	 * still look at their `dead`/`closed` flag safely. */
	for (int i = 0; i < b->n_events; i++) {
		uint64_t data = b->events[i].data.u64;
		uint32_t revents = from_epoll(b->events[i].events);

		if (data & TAG_SOCKET) {
			struct rtc_udp_socket *s = (void *)(uintptr_t)(data & ~(uint64_t)TAG_SOCKET);

			if (!s->closed)
				udp_receive(s, b->rx);
		} else {
			struct rtc_watch *w = (void *)(uintptr_t)data;

			if (w->dead || w->events == 0)
				continue;
			revents &= w->events | POLLERR | POLLHUP;
			if (revents)
				w->fn(w->userdata, w->fd, revents);
		}
	}
	b->n_events = 0;
}

static int epoll_udp_open(struct rtc_udp_socket *s)
{
	struct epoll_backend *b = backend_of(s->reactor);
	struct epoll_event ev = {
		.events = EPOLLIN,
		.data.u64 = (uint64_t)(uintptr_t)s | TAG_SOCKET,
	};

	if (!b->rx) {
		b->rx = malloc(sizeof(*b->rx));
		if (!b->rx)
			return -ENOMEM;
	}
	if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		return -errno;
	s->epoll.in_epoll = true;
	return 0;
}

static struct rtc_udp_packet *dequeue(struct rtc_udp_socket *s)
{
	struct rtc_list *e = rtc_list_pop(&s->queued);

	s->n_queued--;
	s->n_in_flight++;
	return rtc_container_of(e, struct rtc_udp_packet, link);
}

/* The kernel is done with a message of `n` packets at the queue's head:
 * sent (UDP sends all of it or nothing) or failed with -errno. */
static void message_done(struct rtc_udp_socket *s, unsigned n, int error)
{
	s->stats.sends++;
	for (unsigned i = 0; i < n; i++) {
		struct rtc_udp_packet *p = dequeue(s);

		rtc_udp_packet_sent(p, error < 0 ? error : (int)p->iov.iov_len);
	}
}

/* One sendmmsg per SEND_BATCH packets: a message per packet, or per run of
 * them that leaves as one GSO send. sendmmsg is synchronous, so a refused
 * GSO send is simply built again without GSO, in its place in the queue. */
static void epoll_udp_flush(struct rtc_udp_socket *s, bool submit_now)
{
	while (s->n_queued > 0) {
		struct mmsghdr msgs[SEND_BATCH];
		unsigned run[SEND_BATCH];            /* packets in each message */
		struct iovec iov[SEND_BATCH];        /* the GSO messages' iovecs */
		union rtc_udp_gso_control control[SEND_BATCH];
		unsigned n = 0, packets = 0;
		struct rtc_list *e = s->queued.next;
		int sent;

		while (e != &s->queued && packets < SEND_BATCH) {
			struct rtc_udp_packet *p = rtc_container_of(e, struct rtc_udp_packet, link);
			unsigned k = rtc_udp_gso_run_length(p, SEND_BATCH - packets);

			if (k > 1)
				rtc_udp_gso_prepare(&msgs[n].msg_hdr, &iov[packets], &control[n], p, k);
			else
				msgs[n].msg_hdr = p->msg;
			msgs[n].msg_len = 0;
			run[n++] = k;
			packets += k;
			while (k-- > 0)
				e = e->next;
		}
		sent = sendmmsg(s->fd, msgs, n, MSG_DONTWAIT);
		if (sent < 0) {
			int error = errno;

			if (error == EINTR)
				continue;
			if (run[0] > 1 && rtc_udp_gso_refused(error)) {
				rtc_udp_gso_give_up(s, error);
				continue;
			}
			/* The first message of the batch failed (a full socket
			 * buffer, an unreachable address): count it, drop it, go on. */
			message_done(s, run[0], -error);
			continue;
		}
		for (int i = 0; i < sent; i++) {
			if (run[i] > 1) {
				s->stats.gso_sends++;
				s->gso = RTC_UDP_GSO_ON;
			}
			message_done(s, run[i], 0);
		}
	}
}

static void epoll_udp_close(struct rtc_udp_socket *s)
{
	if (s->epoll.in_epoll)
		(void)epoll_ctl(backend_of(s->reactor)->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	s->epoll.in_epoll = false;
}

static bool epoll_udp_busy(const struct rtc_udp_socket *s)
{
	return false;
}

static void epoll_udp_release(struct rtc_udp_socket *s)
{
}

static void epoll_destroy(struct rtc_reactor *r)
{
	struct epoll_backend *b = backend_of(r);

	close(b->epfd);
	free(b->rx);
	free(b);
}

const struct rtc_reactor_backend_ops rtc_reactor_epoll_ops = {
	.name = "epoll",
	.destroy = epoll_destroy,
	.watch_add = epoll_watch_add,
	.watch_update = epoll_watch_update,
	.watch_remove = epoll_watch_remove,
	.watch_busy = epoll_watch_busy,
	.wait = epoll_wait_until,
	.dispatch = epoll_dispatch,
	.udp_open = epoll_udp_open,
	.udp_flush = epoll_udp_flush,
	.udp_close = epoll_udp_close,
	.udp_busy = epoll_udp_busy,
	.udp_release = epoll_udp_release,
};

int rtc_reactor_epoll_init(struct rtc_reactor *r)
{
	struct epoll_backend *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0) {
		ret = -errno;
		free(b);
		return ret;
	}
	b->have_pwait2 = true;
	r->backend = b;
	r->ops = &rtc_reactor_epoll_ops;
	return 0;
}
