/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the reactor's modules share: the objects behind the public handles and
 * the vtable a backend (io_uring or epoll) implements.
 *
 * Lifetime rule: removing a watch or closing a socket never frees it on the
 * spot. It is marked dead, moved to a graveyard list and freed at the end of
 * an iteration once its backend reports that the kernel holds no reference to
 * it any more (io_uring: no operation in flight). An event that was already
 * collected for a dead object is dropped, never delivered.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "common/list.h"
#include "io/reactor.h"

/* Packets one socket may have queued plus in flight; rtc_udp_send says -ENOBUFS
 * beyond that rather than letting a stalled socket eat memory. */
#define RTC_UDP_SEND_QUEUE_MAX 1024u
/* Queued packets that trigger a flush without waiting for the end of the iteration. */
#define RTC_UDP_SEND_BATCH 64u
/* Spare packet buffers (2 KiB each) the reactor keeps for reuse once they
 * come back from the kernel: one batch, shared by all sockets. A socket
 * sending in bulk reuses the same few; an idle connection holds none (a
 * pool per socket pinned at least one on every socket that ever sent). */
#define RTC_UDP_SPARE_MAX RTC_UDP_SEND_BATCH

/* UDP GSO (UDP_SEGMENT): a run of queued datagrams to one destination, all
 * of one size but the last (which may be shorter), leaves in one sendmsg and
 * the kernel cuts it into datagrams. Per datagram, the send path is about 4x
 * cheaper (/work/shared/recipes/io-uring-facts.md). At most the kernel's
 * UDP_MAX_SEGMENTS datagrams in one send, and the payload must fit one IP
 * packet of 64 KiB with its headers. */
#define RTC_UDP_GSO_MAX_SEGMENTS 64u
#define RTC_UDP_GSO_MAX_BYTES 65000u
/* Spare GSO sends kept for reuse: a socket's whole queue in runs of the
 * largest size. */
#define RTC_UDP_GSO_SPARE_MAX (RTC_UDP_SEND_QUEUE_MAX / RTC_UDP_GSO_MAX_SEGMENTS)

enum rtc_udp_gso_state {
	RTC_UDP_GSO_UNTRIED,  /* the kernel knows UDP_SEGMENT; no GSO send completed yet */
	RTC_UDP_GSO_PROBING,  /* io_uring: the first GSO send is in flight, nothing
	                       * goes out behind it until the kernel has taken it */
	RTC_UDP_GSO_ON,       /* a GSO send went out: runs leave as GSO sends */
	RTC_UDP_GSO_OFF,      /* refused, unknown to the kernel or disabled */
};

/* Room for the UDP_SEGMENT cmsg: CMSG_SPACE(sizeof(uint16_t)), the header
 * and the data each aligned to size_t. Spelled out, aligned like a cmsghdr
 * (its largest member is a size_t): clang does not take glibc's
 * CMSG_SPACE as a constant, nor a cmsghdr (a flexible array) in a union. */
union rtc_udp_gso_control {
	uint8_t buf[sizeof(struct cmsghdr) + sizeof(size_t)];
	size_t align;
};

/* The message of one GSO send and what it points at: an iovec per packet (no
 * copy) and the UDP_SEGMENT cmsg. On io_uring it must live until the send
 * completes (the kernel may read it after the submit, when a full socket
 * buffer makes it retry). */
struct rtc_udp_gso_send {
	struct msghdr msg;
	union rtc_udp_gso_control control;
	struct rtc_list packets;       /* the run, in order; the first holds `gso` */
	unsigned n_packets;
	struct rtc_udp_gso_send *next_spare; /* in reactor->spare_gso_sends */
	struct iovec iov[RTC_UDP_GSO_MAX_SEGMENTS];
};

struct rtc_reactor_backend_ops {
	const char *name;
	/* Cancels everything in flight, waits for the kernel to let go of our
	 * memory and releases the backend; objects are freed by the caller. */
	void (*destroy)(struct rtc_reactor *r);

	int  (*watch_add)(struct rtc_watch *w);
	int  (*watch_update)(struct rtc_watch *w);     /* w->events holds the new mask */
	void (*watch_remove)(struct rtc_watch *w);
	bool (*watch_busy)(const struct rtc_watch *w); /* kernel still refers to it */

	/* Blocks until an event arrives or the deadline (CLOCK_MONOTONIC ns) passes;
	 * UINT64_MAX waits without deadline, a past deadline only polls. */
	int  (*wait)(struct rtc_reactor *r, uint64_t deadline_ns);
	void (*dispatch)(struct rtc_reactor *r);

	int  (*udp_open)(struct rtc_udp_socket *s);
	/* Hands the queued packets to the kernel; io_uring prepares SQEs that
	 * the next wait submits in one go, unless submit_now. */
	void (*udp_flush)(struct rtc_udp_socket *s, bool submit_now);
	void (*udp_close)(struct rtc_udp_socket *s);
	bool (*udp_busy)(const struct rtc_udp_socket *s);
	void (*udp_release)(struct rtc_udp_socket *s); /* frees backend resources */
};

extern const struct rtc_reactor_backend_ops rtc_reactor_epoll_ops;
extern const struct rtc_reactor_backend_ops rtc_reactor_uring_ops;
int rtc_reactor_epoll_init(struct rtc_reactor *r);
int rtc_reactor_uring_init(struct rtc_reactor *r);

struct rtc_watch {
	struct rtc_reactor *reactor;
	struct rtc_list link;          /* reactor->watches, then ->dead_watches */
	int fd;
	uint32_t events;
	rtc_watch_fn fn;
	void *userdata;
	bool dead;
	union {
		struct {
			bool registered;       /* in the epoll set (not while paused) */
		} epoll;
		struct {
			struct rtc_list ready_link; /* backend's ready or recheck list */
			uint32_t pending;           /* revents collected this iteration */
			uint32_t armed_events;      /* mask of the poll in flight */
			unsigned updates_in_flight; /* mask changes not completed yet */
			unsigned cancels_in_flight; /* cancellations not completed yet */
			/* Polls armed whose final completion has not come: one,
			 * but a re-arm can race a mask update into two. */
			unsigned polls;
			bool cancelling;            /* a cancellation is on its way */
			bool failed;                /* the kernel refused the poll */
		} uring;
	};
};

struct rtc_timer {
	struct rtc_reactor *reactor;
	struct rtc_list link;          /* reactor->timers */
	struct rtc_list due_link;      /* reactor->due_timers while about to fire */
	rtc_timer_fn fn;
	void *userdata;
	uint64_t deadline;
	uint64_t seq;                  /* arming order: ties fire first-armed first */
	size_t heap_index;             /* RTC_TIMER_NOT_QUEUED when not in the heap */
};
#define RTC_TIMER_NOT_QUEUED SIZE_MAX

struct rtc_idle {
	struct rtc_reactor *reactor;
	struct rtc_list link;          /* reactor->idles */
	struct rtc_list pending_link;  /* reactor->pending_idles when scheduled */
	rtc_idle_fn fn;
	void *userdata;
};

struct rtc_udp_packet {
	/* The socket's queue; in flight, unlinked or in its GSO send's run. */
	struct rtc_list link;
	struct rtc_udp_packet *next_spare;  /* in reactor->spare_packets */
	struct rtc_udp_socket *socket;
	/* Set on the first packet of an io_uring GSO send, whose completion
	 * (user_data: this packet) covers the whole run; NULL otherwise. */
	struct rtc_udp_gso_send *gso;
	struct msghdr msg;
	struct iovec iov;
	struct sockaddr_storage to;
	uint8_t data[RTC_UDP_MAX_DATAGRAM];
};

struct rtc_uring_buffer_ring;

struct rtc_udp_socket {
	struct rtc_reactor *reactor;
	struct rtc_list link;          /* reactor->sockets, then ->dead_sockets */
	struct rtc_list flush_link;    /* reactor->sockets_to_flush while packets wait */
	int fd;
	int family;
	rtc_udp_recv_fn fn;
	void *userdata;
	bool closed;
	struct rtc_udp_stats stats;
	bool kernel_timestamps;        /* SO_TIMESTAMPNS is on */
	uint64_t arrival;              /* of the datagram being delivered (monotonic ns) */
	struct rtc_list queued;        /* packets waiting for the next flush */
	unsigned n_queued, n_in_flight;
	enum rtc_udp_gso_state gso;
	union {
		struct {
			bool in_epoll;
		} epoll;
		struct {
			struct msghdr recv_msg;   /* layout template of the multishot recvmsg */
			bool recv_in_flight;
		} uring;
	};
};

struct rtc_signals;

struct rtc_reactor {
	const struct rtc_reactor_backend_ops *ops;
	void *backend;
	uint64_t now;
	/* CLOCK_REALTIME minus CLOCK_MONOTONIC, read with now: converts the
	 * kernel's receive timestamps (realtime) to the reactor's clock. */
	int64_t realtime_offset;
	bool quit_requested;
	int quit_code;

	struct rtc_list watches, dead_watches;
	struct rtc_list sockets, dead_sockets, sockets_to_flush;
	/* Send packets not in use, for any socket (a stack: the most recently
	 * used, likeliest still in cache, goes out first). */
	struct rtc_udp_packet *spare_packets;
	unsigned n_spare_packets;
	struct rtc_udp_gso_send *spare_gso_sends;
	unsigned n_spare_gso_sends;
	/* The statistics of the sockets already freed, for the totals. */
	struct rtc_udp_stats udp_freed;

	struct rtc_list timers, due_timers;
	struct rtc_timer **heap;       /* min-heap on (deadline, seq) */
	size_t heap_len, heap_cap;
	size_t n_timers;               /* the heap always has room for all of them */
	uint64_t timer_seq;

	struct rtc_list idles, pending_idles;

	struct rtc_signals *signals;
	unsigned udp_receive_buffers;  /* io_uring's shared ring, made with the first socket */
};

/* timer.c */
uint64_t rtc_timers_next_deadline(const struct rtc_reactor *r); /* UINT64_MAX: none */
void rtc_timers_fire_due(struct rtc_reactor *r);
void rtc_timers_free_all(struct rtc_reactor *r);

/* signal.c */
void rtc_signals_free(struct rtc_reactor *r);

/* udp.c */
void rtc_udp_flush_all(struct rtc_reactor *r);
/* Logs the UDP totals, for the reactor's end (RTCD_UDP_STATS). */
void rtc_udp_log_totals(const struct rtc_reactor *r);
void rtc_udp_sweep(struct rtc_reactor *r, bool force);
/* Counts and hands one received datagram to the socket's callback, unless closed.
 * kernel_time is its SO_TIMESTAMPNS stamp (CLOCK_REALTIME), NULL without one. */
void rtc_udp_deliver(struct rtc_udp_socket *s, const uint8_t *data, size_t len,
                     const struct sockaddr *from, socklen_t fromlen,
                     const struct timespec *kernel_time);
/* The SO_TIMESTAMPNS stamp among a received message's control messages, or NULL. */
const struct timespec *rtc_udp_kernel_time(const struct msghdr *msg);
/* Room a receive needs for that control message. */
#define RTC_UDP_RECV_CONTROL_SIZE CMSG_SPACE(sizeof(struct timespec))
/* Marks a packet as handed to the kernel / given back by it (bytes sent or
 * -errno). For the first packet of a GSO send, the whole run: each of its
 * packets counts as sent, or all go back to the head of the queue to leave
 * one by one when the kernel refused GSO (rtc_udp_gso_refused). */
void rtc_udp_packet_sent(struct rtc_udp_packet *p, int result);

/* GSO, for the backends' flush. How many packets from `first` on (queued on
 * its socket) go out as one send: 1 when GSO is off or no run starts there,
 * never more than `max`. */
unsigned rtc_udp_gso_run_length(const struct rtc_udp_packet *first, unsigned max);
/* Fills `msg` to send the run of `n` (> 1) queued packets from `first` on:
 * `iov` has room for n entries, `control` takes the cmsg. */
void rtc_udp_gso_prepare(struct msghdr *msg, struct iovec *iov, union rtc_udp_gso_control *control,
                         const struct rtc_udp_packet *first, unsigned n);
/* Whether a GSO send failed with `error` because of GSO itself. */
bool rtc_udp_gso_refused(int error);
/* The socket sends one datagram per sendmsg from now on; logged once. */
void rtc_udp_gso_give_up(struct rtc_udp_socket *s, int error);
/* io_uring: a GSO send for the run of `n` packets from `first`, the head of
 * its socket's queue, on; the packets move from the queue to it (in flight).
 * NULL without memory. */
struct rtc_udp_gso_send *rtc_udp_gso_send_new(struct rtc_udp_packet *first, unsigned n);
/* Frees the spare send packets and GSO sends, for a quiet moment (io/heap-trim.c): a
 * burst's worth would otherwise stay until the next burst. */
void rtc_udp_release_spares(struct rtc_reactor *r);

/* watch.c */
void rtc_watches_sweep(struct rtc_reactor *r, bool force);

uint64_t rtc_reactor_clock_ns(void);
