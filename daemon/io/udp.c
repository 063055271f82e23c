/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UDP sockets, the backend-independent half: opening and binding, the send
 * queue and the reactor's pool of send packets, statistics and the graveyard
 * of closed sockets.
 * Receiving and the actual send syscalls are the backends' job.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "io/reactor-private.h"

/* Big enough for a burst of media packets arriving while the reactor is busy
 * encrypting; the kernel caps it at net.core.[rw]mem_max. */
#define UDP_SOCKET_BUFFER (4 * 1024 * 1024)

static int check_address(const struct sockaddr *addr, socklen_t len)
{
	if (!addr || len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	switch (addr->sa_family) {
	case AF_INET:
		return len >= (socklen_t)sizeof(struct sockaddr_in) ? 0 : -EINVAL;
	case AF_INET6:
		return len >= (socklen_t)sizeof(struct sockaddr_in6) ? 0 : -EINVAL;
	default:
		return -EAFNOSUPPORT;
	}
}

static socklen_t address_length(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static int open_bound_socket(const struct sockaddr *bind_addr, int *out)
{
	int fd, one = 1, size = UDP_SOCKET_BUFFER, ret;

	fd = socket(bind_addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* One socket per family: WebRTC gathers IPv4 and IPv6 candidates on
	 * separate sockets, and v4-mapped addresses would only confuse ICE. */
	if (bind_addr->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	/* Best effort: a smaller buffer still works, it only drops sooner. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(fd, bind_addr, address_length(bind_addr->sa_family)) < 0)
		goto fail;
	*out = fd;
	return 0;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

static int adopt(struct rtc_reactor *r, int fd, int family, rtc_udp_recv_fn fn,
		 void *userdata, struct rtc_udp_socket **out)
{
	struct rtc_udp_socket *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->reactor = r;
	s->fd = fd;
	s->family = family;
	s->fn = fn;
	s->userdata = userdata;
	rtc_list_init(&s->flush_link);
	rtc_list_init(&s->queued);
	ret = r->ops->udp_open(s);
	if (ret < 0) {
		free(s);
		return ret;
	}
	rtc_list_append(&r->sockets, &s->link);
	*out = s;
	return 0;
}

int rtc_udp_open(struct rtc_reactor *r, const struct sockaddr *bind_addr, socklen_t len,
                 rtc_udp_recv_fn fn, void *userdata, struct rtc_udp_socket **out)
{
	int fd = -1, ret;

	*out = NULL;
	ret = check_address(bind_addr, len);
	if (ret < 0)
		return ret;
	if (!fn)
		return -EINVAL;
	ret = open_bound_socket(bind_addr, &fd);
	if (ret < 0)
		return ret;
	ret = adopt(r, fd, bind_addr->sa_family, fn, userdata, out);
	if (ret < 0)
		close(fd);
	return ret;
}

int rtc_udp_adopt(struct rtc_reactor *r, int fd, rtc_udp_recv_fn fn, void *userdata,
                  struct rtc_udp_socket **out)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);
	int type = 0, flags;
	socklen_t type_len = sizeof(type);

	*out = NULL;
	if (!fn)
		return -EINVAL;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) < 0)
		return -errno;
	if (type != SOCK_DGRAM)
		return -ENOTSOCK;
	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		return -errno;
	if (check_address((struct sockaddr *)&addr, len) < 0)
		return -EAFNOSUPPORT;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return adopt(r, fd, addr.ss_family, fn, userdata, out);
}

int rtc_udp_local_address(const struct rtc_udp_socket *s, struct sockaddr_storage *addr,
                          socklen_t *len)
{
	*len = sizeof(*addr);
	if (getsockname(s->fd, (struct sockaddr *)addr, len) < 0)
		return -errno;
	return 0;
}

static struct rtc_udp_packet *take_packet(struct rtc_reactor *r)
{
	struct rtc_udp_packet *p = r->spare_packets;

	if (!p)
		return malloc(sizeof(struct rtc_udp_packet));
	r->spare_packets = p->next_spare;
	r->n_spare_packets--;
	return p;
}

static void give_back_packet(struct rtc_reactor *r, struct rtc_udp_packet *p)
{
	if (r->n_spare_packets >= RTC_UDP_SPARE_MAX) {
		free(p);
		return;
	}
	p->next_spare = r->spare_packets;
	r->spare_packets = p;
	r->n_spare_packets++;
}

void rtc_udp_release_spares(struct rtc_reactor *r)
{
	while (r->spare_packets) {
		struct rtc_udp_packet *p = r->spare_packets;

		r->spare_packets = p->next_spare;
		free(p);
	}
	r->n_spare_packets = 0;
}

static void flush(struct rtc_udp_socket *s, bool submit_now)
{
	if (s->n_queued > 0)
		s->reactor->ops->udp_flush(s, submit_now);
	if (s->n_queued == 0)
		rtc_list_unlink(&s->flush_link);
}

int rtc_udp_send(struct rtc_udp_socket *s, const void *data, size_t len,
                 const struct sockaddr *to, socklen_t tolen)
{
	struct rtc_udp_packet *p;
	int ret;

	if (s->closed)
		return -EBADF;
	if (len > RTC_UDP_MAX_DATAGRAM)
		return -EMSGSIZE;
	if (len > 0 && !data)
		return -EINVAL;
	ret = check_address(to, tolen);
	if (ret < 0)
		return ret;
	if (to->sa_family != s->family)
		return -EAFNOSUPPORT;

	if (s->n_queued + s->n_in_flight >= RTC_UDP_SEND_QUEUE_MAX) {
		flush(s, true);
		if (s->n_queued + s->n_in_flight >= RTC_UDP_SEND_QUEUE_MAX)
			return -ENOBUFS;
	}
	p = take_packet(s->reactor);
	if (!p)
		return -ENOMEM;

	p->socket = s;
	if (len > 0)
		memcpy(p->data, data, len);
	memcpy(&p->to, to, address_length(s->family));
	p->iov.iov_base = p->data;
	p->iov.iov_len = len;
	p->msg = (struct msghdr){
		.msg_name = &p->to,
		.msg_namelen = address_length(s->family),
		.msg_iov = &p->iov,
		.msg_iovlen = 1,
	};
	rtc_list_append(&s->queued, &p->link);
	s->n_queued++;
	if (!rtc_list_is_linked(&s->flush_link))
		rtc_list_append(&s->reactor->sockets_to_flush, &s->flush_link);
	if (s->n_queued >= RTC_UDP_SEND_BATCH)
		flush(s, false);
	return 0;
}

void rtc_udp_flush(struct rtc_udp_socket *s)
{
	flush(s, true);
}

void rtc_udp_flush_all(struct rtc_reactor *r)
{
	struct rtc_list *e = r->sockets_to_flush.next;

	while (e != &r->sockets_to_flush) {
		struct rtc_udp_socket *s = rtc_container_of(e, struct rtc_udp_socket, flush_link);

		e = e->next;
		flush(s, false);
	}
}

void rtc_udp_packet_sent(struct rtc_udp_packet *p, int result)
{
	struct rtc_udp_socket *s = p->socket;

	if (result >= 0) {
		s->stats.packets_sent++;
		s->stats.bytes_sent += (uint64_t)result;
	} else {
		s->stats.send_errors++;
	}
	s->n_in_flight--;
	give_back_packet(s->reactor, p);
}

void rtc_udp_deliver(struct rtc_udp_socket *s, const uint8_t *data, size_t len,
                     const struct sockaddr *from, socklen_t fromlen)
{
	if (s->closed)
		return;
	s->stats.packets_received++;
	s->stats.bytes_received += len;
	s->fn(s->userdata, s, data, len, from, fromlen);
}

void rtc_udp_get_stats(const struct rtc_udp_socket *s, struct rtc_udp_stats *out)
{
	*out = s->stats;
}

void rtc_udp_close(struct rtc_udp_socket *s)
{
	struct rtc_reactor *r;
	struct rtc_list *e;

	if (!s || s->closed)
		return;
	r = s->reactor;
	/* Whatever is queued goes out first: a caller that sends a last
	 * packet (a DTLS close_notify, an RTCP BYE) and closes means it. */
	flush(s, false);
	while ((e = rtc_list_pop(&s->queued))) {
		s->n_queued--;
		s->stats.send_errors++;
		give_back_packet(r, rtc_container_of(e, struct rtc_udp_packet, link));
	}
	rtc_list_unlink(&s->flush_link);
	s->closed = true;
	r->ops->udp_close(s);
	rtc_list_unlink(&s->link);
	rtc_list_append(&r->dead_sockets, &s->link);
}

static void free_socket(struct rtc_udp_socket *s)
{
	struct rtc_list *e;

	s->reactor->ops->udp_release(s);
	while ((e = rtc_list_pop(&s->queued)))
		free(rtc_container_of(e, struct rtc_udp_packet, link));
	close(s->fd);
	free(s);
}

/* Frees closed sockets the kernel has let go of. `force` is for teardown:
 * the backend has cancelled everything, open sockets go too. */
void rtc_udp_sweep(struct rtc_reactor *r, bool force)
{
	struct rtc_list *e;

	if (force) {
		while ((e = rtc_list_pop(&r->sockets))) {
			struct rtc_udp_socket *s = rtc_container_of(e, struct rtc_udp_socket, link);

			rtc_list_unlink(&s->flush_link);
			s->closed = true;
			rtc_list_append(&r->dead_sockets, &s->link);
		}
	}
	e = r->dead_sockets.next;
	while (e != &r->dead_sockets) {
		struct rtc_udp_socket *s = rtc_container_of(e, struct rtc_udp_socket, link);

		e = e->next;
		if (!force && r->ops->udp_busy(s))
			continue;
		rtc_list_unlink(&s->link);
		free_socket(s);
	}
	/* Teardown: nothing is in flight any more, the pool goes too. */
	if (force)
		rtc_udp_release_spares(r);
}
