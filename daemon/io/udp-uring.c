/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UDP on io_uring. The sockets share one ring of provided buffers
 * (registered by hand: liburing 2.3 has no io_uring_setup_buf_ring), and
 * each keeps one multishot recvmsg in flight that takes buffers from it. A
 * buffer goes back to the ring as soon as the receive callback returns.
 *
 * A multishot receive ends when the ring runs dry (-ENOBUFS) or the CQ
 * overflows; the datagrams wait in the socket meanwhile. Every buffer is
 * back by the time a final completion is handled, so re-arming right away
 * is safe; it is counted in receive_rearms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "io/reactor-uring.h"

/* Multishot recvmsg lays out a header, the source address, the control
 * messages (the receive timestamp), then the payload. */
#define RECV_NAME_SIZE sizeof(struct sockaddr_storage)
#define RECV_CONTROL_SIZE RTC_UDP_RECV_CONTROL_SIZE
#define RECV_BUFFER_SIZE (sizeof(struct io_uring_recvmsg_out) + RECV_NAME_SIZE + \
			  RECV_CONTROL_SIZE + RTC_UDP_MAX_DATAGRAM)

struct rtc_uring_buffer_ring {
	struct io_uring_buf_ring *ring;   /* page aligned, shared with the kernel */
	uint8_t *memory;                  /* `entries` buffers of RECV_BUFFER_SIZE */
	unsigned entries;                 /* a power of two, as the kernel wants */
	uint16_t bgid;
	bool registered;
};

static uint8_t *buffer_address(struct rtc_uring_buffer_ring *br, uint16_t bid)
{
	return br->memory + (size_t)bid * RECV_BUFFER_SIZE;
}

static void buffer_give_back(struct rtc_uring_buffer_ring *br, uint16_t bid)
{
	io_uring_buf_ring_add(br->ring, buffer_address(br, bid), RECV_BUFFER_SIZE, bid,
	                      io_uring_buf_ring_mask(br->entries), 0);
	io_uring_buf_ring_advance(br->ring, 1);
}

static void buffer_ring_free(struct rtc_uring_backend *b, struct rtc_uring_buffer_ring *br)
{
	if (!br)
		return;
	if (br->registered && b) {
		io_uring_unregister_buf_ring(&b->ring, br->bgid);
		rtc_uring_bgid_give_back(b, br->bgid);
	}
	free(br->ring);
	free(br->memory);
	free(br);
}

static int buffer_ring_new(struct rtc_uring_backend *b, unsigned entries,
                           struct rtc_uring_buffer_ring **out)
{
	struct rtc_uring_buffer_ring *br = calloc(1, sizeof(*br));
	struct io_uring_buf_reg reg = { .ring_entries = entries };
	void *ring = NULL;
	int ret;

	if (!br)
		return -ENOMEM;
	br->entries = entries;
	ret = -posix_memalign(&ring, (size_t)sysconf(_SC_PAGESIZE),
	                      entries * sizeof(struct io_uring_buf));
	br->ring = ring;
	br->memory = malloc(entries * RECV_BUFFER_SIZE);
	if (ret < 0 || !br->memory) {
		buffer_ring_free(b, br);
		return -ENOMEM;
	}
	ret = rtc_uring_bgid_take(b, &br->bgid);
	if (ret < 0) {
		buffer_ring_free(b, br);
		return ret;
	}
	io_uring_buf_ring_init(br->ring);
	reg.ring_addr = (uint64_t)(uintptr_t)br->ring;
	reg.bgid = br->bgid;
	ret = io_uring_register_buf_ring(&b->ring, &reg, 0);
	if (ret < 0) {
		rtc_uring_bgid_give_back(b, br->bgid);
		buffer_ring_free(b, br);
		return ret;
	}
	br->registered = true;
	for (unsigned bid = 0; bid < entries; bid++)
		io_uring_buf_ring_add(br->ring, buffer_address(br, (uint16_t)bid), RECV_BUFFER_SIZE,
		                      (uint16_t)bid, io_uring_buf_ring_mask(entries), (int)bid);
	io_uring_buf_ring_advance(br->ring, (int)entries);
	*out = br;
	return 0;
}

int rtc_uring_udp_probe(struct rtc_uring_backend *b)
{
	struct rtc_uring_buffer_ring *br;
	int ret = buffer_ring_new(b, 1, &br);

	if (ret < 0)
		return ret == -ENOMEM ? ret : -EOPNOTSUPP;
	buffer_ring_free(b, br);
	return 0;
}

static struct rtc_uring_buffer_ring *buffers_of(const struct rtc_udp_socket *s)
{
	return rtc_uring_backend_of(s->reactor)->udp_buffers;
}

static void recv_arm(struct rtc_udp_socket *s)
{
	struct rtc_uring_backend *b = rtc_uring_backend_of(s->reactor);
	struct io_uring_sqe *sqe = rtc_uring_get_sqe(b);

	if (!sqe) {
		rtc_err("udp: cannot arm the receive of fd %d: submission queue stuck", s->fd);
		return;
	}
	s->uring.recv_msg = (struct msghdr){ .msg_namelen = RECV_NAME_SIZE,
					     .msg_controllen = RECV_CONTROL_SIZE };
	io_uring_prep_recvmsg_multishot(sqe, s->fd, &s->uring.recv_msg, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = b->udp_buffers->bgid;
	io_uring_sqe_set_data64(sqe, rtc_uring_user_data(s, RTC_URING_RECV));
	s->uring.recv_in_flight = true;
}

int rtc_uring_udp_open(struct rtc_udp_socket *s)
{
	struct rtc_uring_backend *b = rtc_uring_backend_of(s->reactor);

	if (!b->udp_buffers) {
		int ret = buffer_ring_new(b, s->reactor->udp_receive_buffers, &b->udp_buffers);

		if (ret < 0)
			return ret;
	}
	recv_arm(s);
	return 0;
}

/* The receive timestamp among the control messages the kernel wrote
 * (out->controllen of them, never more than the room we gave). */
static const struct timespec *kernel_time(struct io_uring_recvmsg_out *out, struct msghdr *msg)
{
	for (struct cmsghdr *cm = io_uring_recvmsg_cmsg_firsthdr(out, msg); cm;
	     cm = io_uring_recvmsg_cmsg_nexthdr(out, msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec)))
			return (const struct timespec *)(const void *)CMSG_DATA(cm);
	return NULL;
}

/* The kernel wrote this buffer, but its layout is still checked: a header
 * that claims more than the completion reported is dropped, not trusted. */
static void deliver(struct rtc_udp_socket *s, uint16_t bid, int res)
{
	struct msghdr *msg = &s->uring.recv_msg;
	struct io_uring_recvmsg_out *out;
	socklen_t namelen;

	if (res <= 0 || (size_t)res > RECV_BUFFER_SIZE)
		return;
	out = io_uring_recvmsg_validate(buffer_address(buffers_of(s), bid), res, msg);
	if (!out || (out->flags & MSG_TRUNC))
		return;
	namelen = out->namelen < RECV_NAME_SIZE ? out->namelen : RECV_NAME_SIZE;
	rtc_udp_deliver(s, io_uring_recvmsg_payload(out, msg),
	                io_uring_recvmsg_payload_length(out, res, msg),
	                io_uring_recvmsg_name(out), namelen, kernel_time(out, msg));
}

void rtc_uring_udp_recv_done(struct rtc_udp_socket *s, int res, uint32_t flags)
{
	bool final = !(flags & IORING_CQE_F_MORE);

	if (final)
		s->uring.recv_in_flight = false;
	if (flags & IORING_CQE_F_BUFFER) {
		uint32_t bid = flags >> IORING_CQE_BUFFER_SHIFT;

		if (bid < buffers_of(s)->entries) {
			deliver(s, (uint16_t)bid, res);
			/* The socket may have been closed by the callback; it stays
			 * allocated (and its ring registered) until the final CQE. */
			buffer_give_back(buffers_of(s), (uint16_t)bid);
		}
	}
	if (!final || s->closed)
		return;
	switch (res) {
	case -ENOBUFS:                 /* the ring ran dry; every buffer is back now */
	case -EINTR:
	case -EAGAIN:
	case -ECANCELED:               /* not ours: only close cancels, and it sets closed */
		break;
	default:
		if (res < 0) {
			rtc_err("udp: receiving on fd %d failed: %s; the socket stays deaf",
			        s->fd, strerror(-res));
			return;
		}
		break;                 /* a completion with data but no F_MORE: CQ overflow */
	}
	s->stats.receive_rearms++;
	recv_arm(s);
}

/* Prepares the send of the run of `n` packets at the head of the queue: one
 * SENDMSG of the packet's own msghdr, or of a GSO send's. The completion
 * names the first packet either way (rtc_udp_packet_sent). */
static bool prepare_send(struct rtc_udp_socket *s, struct io_uring_sqe *sqe, unsigned n)
{
	struct rtc_udp_packet *p = rtc_container_of(s->queued.next, struct rtc_udp_packet, link);
	struct rtc_udp_gso_send *g = n > 1 ? rtc_udp_gso_send_new(p, n) : NULL;

	if (g) {
		io_uring_prep_sendmsg(sqe, s->fd, &g->msg, 0);
	} else {
		/* One packet, or no memory for the GSO send: it goes alone. */
		io_uring_prep_sendmsg(sqe, s->fd, &p->msg, 0);
		rtc_list_unlink(&p->link);
		s->n_queued--;
		s->n_in_flight++;
	}
	io_uring_sqe_set_data64(sqe, rtc_uring_user_data(p, RTC_URING_SEND));
	return g != NULL;
}

/* SQEs without links may complete out of order, but the kernel issues them
 * in order and a UDP send is done when issued unless the socket buffer is
 * full, so packets keep their order on the wire. A GSO send refused by the
 * kernel is the exception: its packets are sent again behind what followed
 * it. The first GSO send of a socket is therefore sent alone, and the rest
 * of the queue waits for its completion (one loop iteration, once per
 * socket); a refusal after GSO worked (the route changed) may reorder one run. */
void rtc_uring_udp_flush(struct rtc_udp_socket *s, bool submit_now)
{
	struct rtc_uring_backend *b = rtc_uring_backend_of(s->reactor);

	while (s->n_queued > 0 && s->gso != RTC_UDP_GSO_PROBING) {
		const struct rtc_udp_packet *p =
			rtc_container_of(s->queued.next, struct rtc_udp_packet, link);
		unsigned n = rtc_udp_gso_run_length(p, RTC_UDP_GSO_MAX_SEGMENTS);
		struct io_uring_sqe *sqe = rtc_uring_get_sqe(b);

		if (!sqe)
			break;         /* stays queued for the next flush */
		if (prepare_send(s, sqe, n) && s->gso == RTC_UDP_GSO_UNTRIED)
			s->gso = RTC_UDP_GSO_PROBING;
	}
	if (submit_now)
		io_uring_submit(&b->ring);
}

/* Cancels everything on the fd: the receive and any send still waiting for
 * buffer space. Sends prepared before (a last flush) are issued first. */
void rtc_uring_udp_close(struct rtc_udp_socket *s)
{
	struct rtc_uring_backend *b = rtc_uring_backend_of(s->reactor);
	struct io_uring_sqe *sqe = rtc_uring_get_sqe(b);

	if (!sqe)
		return;
	io_uring_prep_cancel_fd(sqe, s->fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, rtc_uring_user_data(NULL, RTC_URING_INTERNAL));
}

bool rtc_uring_udp_busy(const struct rtc_udp_socket *s)
{
	return s->uring.recv_in_flight || s->n_in_flight > 0;
}

void rtc_uring_udp_release(struct rtc_udp_socket *s)
{
	/* Nothing of its own: the buffers are the reactor's. */
}

void rtc_uring_udp_forget_buffers(struct rtc_uring_backend *b)
{
	buffer_ring_free(NULL, b->udp_buffers);
	b->udp_buffers = NULL;
}
