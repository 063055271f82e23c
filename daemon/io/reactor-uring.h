/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the io_uring backend's two halves: the loop (backend-uring.c)
 * and UDP (udp-uring.c).
 *
 * Every SQE carries a user_data naming what it belongs to: a pointer with a
 * tag in its low three bits (malloc alignment leaves them free), or for the
 * loop's own timeout a generation number. in_flight counts SQEs whose final
 * CQE (one without IORING_CQE_F_MORE) has not been reaped yet; objects with
 * operations in flight are only freed once those have completed.
 */
#pragma once

#include <liburing.h>

#include "io/reactor-private.h"

enum rtc_uring_tag {
	RTC_URING_INTERNAL = 0,        /* cancellations, removals: result ignored */
	RTC_URING_WATCH = 1,           /* multishot poll of a struct rtc_watch */
	RTC_URING_RECV = 2,            /* multishot recvmsg of a struct rtc_udp_socket */
	RTC_URING_SEND = 3,            /* sendmsg of a struct rtc_udp_packet */
	RTC_URING_TIMEOUT = 4,         /* the loop's wake-up timeout; upper bits: generation */
	RTC_URING_WATCH_UPDATE = 5,    /* a mask change of a struct rtc_watch's poll */
	RTC_URING_WATCH_CANCEL = 6,    /* the cancellation of a struct rtc_watch's polls */
};
#define RTC_URING_TAG_MASK 7u

struct rtc_uring_backend {
	struct io_uring ring;
	unsigned in_flight;

	/* One timeout SQE, for the earliest deadline; moved only when an
	 * earlier one is needed (a later one just costs a spurious wake-up). */
	bool timeout_armed;
	uint64_t timeout_deadline;
	uint64_t timeout_generation;
	struct __kernel_timespec timeout_ts;

	/* Multishot poll reports changes, not state. To keep watches level
	 * triggered, a watch that was delivered is polled again (with poll(2),
	 * one call for all) before the next blocking wait. */
	struct rtc_list ready, recheck;

	/* The provided-buffer ring every UDP socket's multishot receive draws
	 * from (udp-uring.c), made with the first socket. One for all: a ring
	 * per socket would cost each peer connection its own few hundred KiB
	 * as the kernel cycles through it. */
	struct rtc_uring_buffer_ring *udp_buffers;

	/* Buffer group ids for provided-buffer rings. */
	uint16_t next_bgid;
	uint16_t *free_bgids;
	size_t n_free_bgids, cap_free_bgids;
};

static inline uint64_t rtc_uring_user_data(const void *object, enum rtc_uring_tag tag)
{
	return (uint64_t)(uintptr_t)object | tag;
}

static inline struct rtc_uring_backend *rtc_uring_backend_of(const struct rtc_reactor *r)
{
	return r->backend;
}

/* An SQE ready to be prepared (submitting first when the SQ is full) and
 * counted as in flight, or NULL when even submitting failed. The caller sets
 * its user_data after the io_uring_prep_* call, which clears it. */
struct io_uring_sqe *rtc_uring_get_sqe(struct rtc_uring_backend *b);

int  rtc_uring_bgid_take(struct rtc_uring_backend *b, uint16_t *bgid);
void rtc_uring_bgid_give_back(struct rtc_uring_backend *b, uint16_t bgid);

/* udp-uring.c */
int  rtc_uring_udp_open(struct rtc_udp_socket *s);
void rtc_uring_udp_flush(struct rtc_udp_socket *s, bool submit_now);
void rtc_uring_udp_close(struct rtc_udp_socket *s);
bool rtc_uring_udp_busy(const struct rtc_udp_socket *s);
void rtc_uring_udp_release(struct rtc_udp_socket *s);
void rtc_uring_udp_recv_done(struct rtc_udp_socket *s, int res, uint32_t flags);
/* For teardown: the ring is gone, free the buffers without unregistering. */
void rtc_uring_udp_forget_buffers(struct rtc_uring_backend *b);
/* Probes whether the kernel takes provided-buffer rings (5.19+). */
int  rtc_uring_udp_probe(struct rtc_uring_backend *b);
