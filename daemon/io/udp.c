/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UDP sockets, the backend-independent half: opening and binding, the send
 * queue and the reactor's pool of send packets, which runs of it leave as one
 * GSO send, statistics and the graveyard of closed sockets.
 * Receiving and the actual send syscalls are the backends' job.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/udp.h>
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

/* Kernels before 4.18 know no UDP_SEGMENT, and they would not refuse the
 * cmsg either: IPv4 and IPv6 skip control messages of other levels, so a
 * run would leave as one oversized datagram. The socket option came with the
 * cmsg; asking for it tells them apart. */
static bool kernel_knows_gso(int fd)
{
	int size = 0;
	socklen_t len = sizeof(size);

	return getsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, &len) == 0;
}

/* RTCD_UDP_GSO=off: the reference path, one datagram per send. */
static bool gso_switched_off(void)
{
	const char *value = getenv("RTCD_UDP_GSO");

	return value && strcmp(value, "off") == 0;
}

/* The kernel stamps each datagram when it comes off the wire (loopback: when
 * it is handed to the receive path), so its arrival time does not depend on
 * when the reactor gets round to reading it: transport-wide congestion
 * control measures delay variation with it. Without it, the read time. */
static bool enable_kernel_timestamps(int fd)
{
	int on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) == 0)
		return true;
	rtc_debug("udp: fd %d: no receive timestamps (%m); arrival is the read time", fd);
	return false;
}

const struct timespec *rtc_udp_kernel_time(const struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR((struct msghdr *)msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec)))
			return (const struct timespec *)(const void *)CMSG_DATA(cm);
	return NULL;
}

/* A stamp converted to the monotonic clock lies before now; one that does
 * not, or lies implausibly far back (the realtime clock was stepped between
 * the stamp and the offset's reading), gives way to now. */
#define ARRIVAL_MAX_AGE_NS 2000000000ll

static uint64_t arrival_time(const struct rtc_reactor *r, const struct timespec *kernel_time)
{
	struct timespec t;
	int64_t real, mono;

	if (!kernel_time)
		return r->now;
	memcpy(&t, kernel_time, sizeof(t));   /* control data need not be aligned */
	real = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
	mono = real - r->realtime_offset;
	if (mono > (int64_t)r->now || mono < (int64_t)r->now - ARRIVAL_MAX_AGE_NS)
		return r->now;
	return (uint64_t)mono;
}

uint64_t rtc_udp_arrival_time(const struct rtc_udp_socket *s)
{
	return s->arrival;
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
	s->gso = kernel_knows_gso(fd) && !gso_switched_off() ? RTC_UDP_GSO_UNTRIED
							      : RTC_UDP_GSO_OFF;
	s->kernel_timestamps = enable_kernel_timestamps(fd);
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
	while (r->spare_gso_sends) {
		struct rtc_udp_gso_send *g = r->spare_gso_sends;

		r->spare_gso_sends = g->next_spare;
		free(g);
	}
	r->n_spare_gso_sends = 0;
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
	p->gso = NULL;
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

static void count_sent(struct rtc_udp_packet *p, int result)
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

static void give_back_gso_send(struct rtc_reactor *r, struct rtc_udp_gso_send *g)
{
	if (r->n_spare_gso_sends >= RTC_UDP_GSO_SPARE_MAX) {
		free(g);
		return;
	}
	g->next_spare = r->spare_gso_sends;
	r->spare_gso_sends = g;
	r->n_spare_gso_sends++;
}

/* The run goes back to the head of the queue, in order, to leave one by
 * one. A closed socket's flush already ran: it is flushed again here, its
 * fd stays open while anything is in flight. */
static void requeue_refused(struct rtc_udp_socket *s, struct rtc_udp_gso_send *g)
{
	struct rtc_udp_packet *first = rtc_container_of(g->packets.next, struct rtc_udp_packet, link);

	first->gso = NULL;
	rtc_list_splice(&g->packets, &s->queued);
	rtc_list_splice(&s->queued, &g->packets);
	s->n_in_flight -= g->n_packets;
	s->n_queued += g->n_packets;
	if (s->closed)
		s->reactor->ops->udp_flush(s, false);
	else if (!rtc_list_is_linked(&s->flush_link))
		rtc_list_append(&s->reactor->sockets_to_flush, &s->flush_link);
}

static void gso_send_done(struct rtc_udp_socket *s, struct rtc_udp_gso_send *g, int result)
{
	struct rtc_list *e;

	if (result < 0 && rtc_udp_gso_refused(-result)) {
		rtc_udp_gso_give_up(s, -result);
		requeue_refused(s, g);
	} else {
		/* An error that is not GSO's (a full buffer, a firewall)
		 * proves nothing: the next run tries again. */
		if (s->gso == RTC_UDP_GSO_PROBING)
			s->gso = result >= 0 ? RTC_UDP_GSO_ON : RTC_UDP_GSO_UNTRIED;
		if (result >= 0)
			s->stats.gso_sends++;
		/* UDP sends all of it or nothing: each datagram counts its own
		 * length, or the error. */
		while ((e = rtc_list_pop(&g->packets))) {
			struct rtc_udp_packet *p = rtc_container_of(e, struct rtc_udp_packet, link);

			p->gso = NULL;
			count_sent(p, result >= 0 ? (int)p->iov.iov_len : result);
		}
	}
	give_back_gso_send(s->reactor, g);
}

void rtc_udp_packet_sent(struct rtc_udp_packet *p, int result)
{
	if (p->gso)
		gso_send_done(p->socket, p->gso, result);
	else
		count_sent(p, result);
}

/* ---- GSO ---------------------------------------------------------------- */

static bool same_destination(const struct rtc_udp_packet *a, const struct rtc_udp_packet *b)
{
	if (a->to.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->to, *y = (const void *)&b->to;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	} else {
		const struct sockaddr_in6 *x = (const void *)&a->to, *y = (const void *)&b->to;

		return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
		       x->sin6_flowinfo == y->sin6_flowinfo &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
}

unsigned rtc_udp_gso_run_length(const struct rtc_udp_packet *first, unsigned max)
{
	const struct rtc_udp_socket *s = first->socket;
	size_t segment = first->iov.iov_len, total = segment;
	unsigned n = 1;

	if (max > RTC_UDP_GSO_MAX_SEGMENTS)
		max = RTC_UDP_GSO_MAX_SEGMENTS;
	if (s->gso != RTC_UDP_GSO_UNTRIED && s->gso != RTC_UDP_GSO_ON)
		return 1;
	/* The kernel cuts the payload every `segment` bytes: an empty datagram
	 * would vanish from the run, so it never starts or joins one. */
	if (segment == 0)
		return 1;
	for (const struct rtc_list *e = first->link.next; e != &s->queued && n < max; e = e->next) {
		const struct rtc_udp_packet *p = rtc_container_of(e, struct rtc_udp_packet, link);
		size_t len = p->iov.iov_len;

		if (len == 0 || len > segment || total + len > RTC_UDP_GSO_MAX_BYTES ||
		    !same_destination(first, p))
			break;
		total += len;
		n++;
		if (len < segment)
			break;         /* a shorter one ends the run */
	}
	return n;
}

void rtc_udp_gso_prepare(struct msghdr *msg, struct iovec *iov, union rtc_udp_gso_control *control,
                         const struct rtc_udp_packet *first, unsigned n)
{
	const struct rtc_list *e = &first->link;
	struct cmsghdr *cm;

	for (unsigned i = 0; i < n; i++, e = e->next)
		iov[i] = rtc_container_of(e, struct rtc_udp_packet, link)->iov;
	*msg = first->msg;
	msg->msg_iov = iov;
	msg->msg_iovlen = n;
	memset(control, 0, sizeof(*control));
	msg->msg_control = control->buf;
	msg->msg_controllen = sizeof(control->buf);
	cm = CMSG_FIRSTHDR(msg);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	*(uint16_t *)(void *)CMSG_DATA(cm) = (uint16_t)first->iov.iov_len;
}

/* A GSO send that failed for another reason with one of these errors (an
 * EINVAL about the address) costs the socket GSO for nothing worse than
 * sending one by one, as it did before GSO. */
bool rtc_udp_gso_refused(int error)
{
	switch (error) {
	case EMSGSIZE:
		/* The segment and its headers are larger than the route's MTU
		 * (a tunnel, a VPN): one by one the kernel fragments them, a
		 * GSO send it refuses (this one on Linux 6.1, measured). */
	case EINVAL:
		/* The same, where the UDP layer checks it rather than IP; or a
		 * socket without UDP checksums (SO_NO_CHECK, possible on an
		 * adopted fd): the segments need them. */
	case EIO:
		/* The route's device does not offload UDP checksums (GSO
		 * leaves them to it) or the route goes through IPsec (xfrm),
		 * which cannot take a GSO packet. */
	case ENOPROTOOPT:
	case EOPNOTSUPP:
		/* Not from Linux's own UDP, which knows UDP_SEGMENT since 4.18
		 * (checked when the socket opens), but from what emulates its
		 * socket API (gVisor-like sandboxes, seccomp policies) and
		 * does not implement the cmsg. */
		return true;
	default:
		return false;
	}
}

void rtc_udp_gso_give_up(struct rtc_udp_socket *s, int error)
{
	if (s->gso == RTC_UDP_GSO_OFF)
		return;
	rtc_info("udp: fd %d: the kernel refused a GSO send (%s); one datagram per send from now on",
	         s->fd, strerror(error));
	s->gso = RTC_UDP_GSO_OFF;
	s->stats.gso_refusals++;
}

struct rtc_udp_gso_send *rtc_udp_gso_send_new(struct rtc_udp_packet *first, unsigned n)
{
	struct rtc_udp_socket *s = first->socket;
	struct rtc_reactor *r = s->reactor;
	struct rtc_udp_gso_send *g = r->spare_gso_sends;

	if (g) {
		r->spare_gso_sends = g->next_spare;
		r->n_spare_gso_sends--;
	} else if (!(g = malloc(sizeof(*g)))) {
		return NULL;
	}
	rtc_udp_gso_prepare(&g->msg, g->iov, &g->control, first, n);
	rtc_list_init(&g->packets);
	g->n_packets = n;
	for (unsigned i = 0; i < n; i++) {
		struct rtc_list *e = s->queued.next;

		rtc_list_unlink(e);
		rtc_list_append(&g->packets, e);
	}
	s->n_queued -= n;
	s->n_in_flight += n;
	first->gso = g;
	return g;
}

void rtc_udp_disable_gso(struct rtc_udp_socket *s)
{
	s->gso = RTC_UDP_GSO_OFF;
}

void rtc_udp_deliver(struct rtc_udp_socket *s, const uint8_t *data, size_t len,
                     const struct sockaddr *from, socklen_t fromlen,
                     const struct timespec *kernel_time)
{
	if (s->closed)
		return;
	s->arrival = arrival_time(s->reactor, kernel_time);
	s->stats.packets_received++;
	s->stats.bytes_received += len;
	s->fn(s->userdata, s, data, len, from, fromlen);
}

void rtc_udp_get_stats(const struct rtc_udp_socket *s, struct rtc_udp_stats *out)
{
	*out = s->stats;
}

static void add_stats(struct rtc_udp_stats *to, const struct rtc_udp_stats *from)
{
	to->packets_received += from->packets_received;
	to->bytes_received += from->bytes_received;
	to->packets_sent += from->packets_sent;
	to->bytes_sent += from->bytes_sent;
	to->send_errors += from->send_errors;
	to->receive_rearms += from->receive_rearms;
	to->gso_sends += from->gso_sends;
	to->gso_refusals += from->gso_refusals;
	to->sends += from->sends;
}

void rtc_reactor_udp_stats(const struct rtc_reactor *r, struct rtc_udp_stats *out)
{
	const struct rtc_list *lists[] = { &r->sockets, &r->dead_sockets };

	*out = r->udp_freed;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (const struct rtc_list *e = lists[i]->next; e != lists[i]; e = e->next)
			add_stats(out, &rtc_container_of(e, struct rtc_udp_socket, link)->stats);
}

void rtc_udp_log_totals(const struct rtc_reactor *r)
{
	struct rtc_udp_stats t;
	const char *asked = getenv("RTCD_UDP_STATS");

	rtc_reactor_udp_stats(r, &t);
	rtc_log(asked && strcmp(asked, "1") == 0 ? LOG_NOTICE : LOG_INFO,
	        "udp totals: %" PRIu64 " datagrams sent in %" PRIu64 " sends (%" PRIu64
	        " GSO sends, %" PRIu64 " refusals, %" PRIu64 " errors), %" PRIu64 " received",
	        t.packets_sent, t.sends, t.gso_sends, t.gso_refusals, t.send_errors,
	        t.packets_received);
}

void rtc_udp_close(struct rtc_udp_socket *s)
{
	struct rtc_reactor *r;
	struct rtc_list *e;

	if (!s || s->closed)
		return;
	r = s->reactor;
	/* Whatever is queued goes out first: a caller that sends a last
	 * packet (a DTLS close_notify, an RTCP BYE) and closes means it. It
	 * does not wait behind a first GSO send whose fate is unknown: a
	 * closed socket has no later sends that GSO would speed up. */
	if (s->gso != RTC_UDP_GSO_ON)
		s->gso = RTC_UDP_GSO_OFF;
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
	add_stats(&s->reactor->udp_freed, &s->stats);
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
