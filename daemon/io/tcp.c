/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/reactor.h"

struct rtc_tcp_stream {
	struct rtc_reactor *reactor;
	struct rtc_watch *watch;
	int fd;
	bool connecting;
	/* Closing from inside our own callback is deferred until it returns. */
	bool in_callback, close_requested;
	const struct rtc_tcp_callbacks *cb;
	void *userdata;
	uint8_t *queue;          /* bytes not yet written: queue[head, tail) */
	size_t head, tail, cap;
};

static void destroy(struct rtc_tcp_stream *s)
{
	rtc_watch_remove(s->watch);
	close(s->fd);
	free(s->queue);
	free(s);
}

static void update_events(struct rtc_tcp_stream *s)
{
	uint32_t events = POLLIN;

	if (s->connecting || s->tail > s->head)
		events |= POLLOUT;
	rtc_watch_update(s->watch, events);
}

/* Writes what the socket takes. 0, or -errno on a broken connection. */
static int flush(struct rtc_tcp_stream *s)
{
	while (s->tail > s->head) {
		ssize_t n = send(s->fd, s->queue + s->head, s->tail - s->head,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -errno;
		}
		s->head += (size_t)n;
	}
	if (s->head == s->tail)
		s->head = s->tail = 0;
	return 0;
}

/* Runs one callback; returns false when the stream is gone afterwards. */
#define CALL(s, fn, ...) \
	({ (s)->in_callback = true; (s)->cb->fn((s)->userdata, (s), __VA_ARGS__); \
	   (s)->in_callback = false; \
	   (s)->close_requested ? (destroy(s), false) : true; })

static void on_ready(void *userdata, int fd, uint32_t revents)
{
	struct rtc_tcp_stream *s = userdata;
	uint8_t buf[16384];
	int error = 0;
	socklen_t len = sizeof(error);

	if (s->connecting) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
			error = errno;
		s->connecting = false;
		if (error) {
			rtc_watch_update(s->watch, 0);
			CALL(s, connected, -error);
			return;
		}
		if (!CALL(s, connected, 0))
			return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		for (int i = 0; i < 16; i++) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0) {
				if (!CALL(s, data, buf, (size_t)n))
					return;
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			/* 0: an orderly close; < 0: a broken connection. */
			error = n == 0 ? 0 : -errno;
			rtc_watch_update(s->watch, 0);
			CALL(s, closed, error);
			return;
		}
	}
	error = flush(s);
	if (error < 0) {
		rtc_watch_update(s->watch, 0);
		CALL(s, closed, error);
		return;
	}
	update_events(s);
}

int rtc_tcp_connect(struct rtc_reactor *r, const struct sockaddr *to, socklen_t to_len,
		    const struct sockaddr *bind_addr, socklen_t bind_len,
		    const struct rtc_tcp_callbacks *callbacks, void *userdata,
		    struct rtc_tcp_stream **out)
{
	struct rtc_tcp_stream *s;
	int one = 1, ret;

	*out = NULL;
	if (!to || (to->sa_family != AF_INET && to->sa_family != AF_INET6) || !callbacks ||
	    !callbacks->connected || !callbacks->data || !callbacks->closed)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->reactor = r;
	s->cb = callbacks;
	s->userdata = userdata;
	s->fd = socket(to->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		ret = -errno;
		free(s);
		return ret;
	}
	/* STUN transactions are small and latency-bound. */
	(void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((bind_addr && bind(s->fd, bind_addr, bind_len) < 0) ||
	    (connect(s->fd, to, to_len) < 0 && errno != EINPROGRESS)) {
		ret = -errno;
		close(s->fd);
		free(s);
		return ret;
	}
	s->connecting = true;
	s->watch = rtc_watch_add(r, s->fd, POLLIN | POLLOUT, on_ready, s);
	if (!s->watch) {
		ret = -errno;
		close(s->fd);
		free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int rtc_tcp_send(struct rtc_tcp_stream *s, const void *data, size_t len)
{
	size_t pending = s->tail - s->head;

	if (pending + len > RTC_TCP_SEND_QUEUE_MAX)
		return -ENOBUFS;
	if (s->tail + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		uint8_t *q;

		/* Compact first; grow only if that is not enough. */
		if (pending)
			memmove(s->queue, s->queue + s->head, pending);
		s->head = 0;
		s->tail = pending;
		while (cap < pending + len)
			cap *= 2;
		if (cap != s->cap) {
			q = realloc(s->queue, cap);
			if (!q)
				return -ENOMEM;
			s->queue = q;
			s->cap = cap;
		}
	}
	memcpy(s->queue + s->tail, data, len);
	s->tail += len;
	if (!s->connecting) {
		int ret = flush(s);
		if (ret < 0)
			return ret;
	}
	update_events(s);
	return 0;
}

size_t rtc_tcp_queued(const struct rtc_tcp_stream *s)
{
	return s->tail - s->head;
}

int rtc_tcp_local_address(const struct rtc_tcp_stream *s, struct sockaddr_storage *addr,
			  socklen_t *len)
{
	*len = sizeof(*addr);
	return getsockname(s->fd, (struct sockaddr *)addr, len) < 0 ? -errno : 0;
}

void rtc_tcp_close(struct rtc_tcp_stream *s)
{
	if (!s)
		return;
	if (s->in_callback) {
		s->close_requested = true;
		return;
	}
	destroy(s);
}
