/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The association: its usrsctp socket, the packets it sends, what usrsctp
 * delivers (messages and notifications) and the events we make of them.
 * Channels and the send queue are in sctp-channel.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <usrsctp.h>

#include "common/log.h"
#include "engine/sctp/crc32c.h"
#include "engine/sctp/sctp-private.h"

#define NS_PER_MS 1000000ull
/* usrsctp's own timer thread ticks every 10 ms; we do the same while busy. */
#define TICK_BUSY_NS (10 * NS_PER_MS)
#define TICK_IDLE_NS (1000 * NS_PER_MS)
/* Busy for this long after the last packet: covers the delayed SACK (20 ms)
 * and the RTO of anything in flight that we cannot see from here. */
#define BUSY_AFTER_ACTIVITY_NS (1000 * NS_PER_MS)
/* Caps, not allocations: usrsctp takes memory as data is queued. The send
 * buffer holds our largest message several times over, for throughput. */
#define SEND_BUFFER_SIZE (1024 * 1024)
#define RECEIVE_BUFFER_SIZE (1024 * 1024)
/* One read from usrsctp: a 16 or 64 KiB message in one piece; larger ones
 * come in pieces and are put together (on_data). Under malloc's mmap
 * threshold, so a read costs no system call. */
#define RECEIVE_CHUNK (64 * 1024)
/* DTLS over UDP over IPv6 in a 1280-byte path, as libwebrtc assumes. */
#define SCTP_PATH_MTU 1200

void rtc_sctp_queue_packet(struct rtc_sctp *sctp, const void *data, size_t len)
{
	struct out_packet *p;

	if (sctp->state == ASSOC_DOWN)
		return;
	p = malloc(sizeof(*p) + len);
	if (!p)
		return;   /* as if lost on the wire: SCTP retransmits */
	p->len = len;
	memcpy(p->data, data, len);
	/* usrsctp left the checksum to us (sctp-stack.c). */
	rtc_crc32c_sctp_fill(p->data, len);
	rtc_list_append(&sctp->packets, &p->link);
	sctp->last_activity = rtc_sctp_stack_clock();
	rtc_sctp_stack_mark_dirty(sctp);
}

int rtc_sctp_queue_inbound(struct rtc_sctp *sctp, void *data, size_t len, uint16_t stream,
		       uint32_t ppid, int flags)
{
	struct inbound_item *in = calloc(1, sizeof(*in));

	if (!in) {
		free(data);
		return -1;
	}
	in->notification = flags & MSG_NOTIFICATION;
	in->end_of_record = flags & MSG_EOR;
	in->stream = stream;
	in->ppid = ppid;
	in->len = len;
	in->data = data;
	rtc_list_append(&sctp->inbound, &in->link);
	rtc_sctp_stack_mark_dirty(sctp);
	return 0;
}

struct queued_event *rtc_sctp_push_event(struct rtc_sctp *sctp, enum rtc_sctp_event_type type,
				   uint16_t stream)
{
	struct queued_event *e = calloc(1, sizeof(*e));

	if (!e) {
		rtc_err("sctp: out of memory, event %d on stream %u lost", type, stream);
		return NULL;
	}
	e->event.type = type;
	e->event.stream = stream;
	rtc_list_append(&sctp->events, &e->link);
	return e;
}

void rtc_sctp_push_error(struct rtc_sctp *sctp, uint16_t stream, enum rtc_error_kind kind,
		     const char *fmt, ...)
{
	struct queued_event *e = rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_ERROR, stream);
	va_list ap;

	if (!e)
		return;
	e->event.error.kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->event.error.message, sizeof(e->event.error.message), fmt, ap);
	va_end(ap);
}

/* usrsctp says the socket changed (readable, writable, error); from inside
 * usrsctp, so the reading waits for rtc_sctp_process. */
static void on_upcall(struct socket *sock, void *arg, int flags)
{
	struct rtc_sctp *sctp = rtc_sctp_stack_lookup((uintptr_t)arg);

	(void)sock;
	(void)flags;
	if (sctp)
		rtc_sctp_stack_mark_dirty(sctp);
}

/* Takes what usrsctp has for us, unless receiving is held (a reader
 * downstream is behind): then it stays in usrsctp's receive buffer, the
 * window we advertise closes, and the peer waits instead of us dropping
 * or buffering without end. Until the association is up, notifications
 * are always read. */
static void read_available(struct rtc_sctp *sctp)
{
	while (sctp->sock && !(sctp->receive_held && sctp->state == ASSOC_UP)) {
		struct sctp_rcvinfo rcv = { 0 };
		struct sockaddr_conn from;
		socklen_t from_len = sizeof(from), info_len = sizeof(rcv);
		unsigned int info_type = 0;
		int flags = 0;
		uint8_t *buf = malloc(RECEIVE_CHUNK), *fit;
		ssize_t n;

		if (!buf)
			return;   /* read on the next call */
		n = usrsctp_recvv(sctp->sock, buf, RECEIVE_CHUNK, (struct sockaddr *)&from,
				  &from_len, &rcv, &info_len, &info_type, &flags);
		if (n <= 0) {
			/* Nothing more (EWOULDBLOCK), or the socket's end:
			 * the notifications before it said why. */
			free(buf);
			return;
		}
		fit = realloc(buf, (size_t)n);
		if (fit)
			buf = fit;
		if (info_type != SCTP_RECVV_RCVINFO)
			memset(&rcv, 0, sizeof(rcv));
		rtc_sctp_queue_inbound(sctp, buf, (size_t)n, rcv.rcv_sid, ntohl(rcv.rcv_ppid),
				       flags);
	}
}

static void go_down(struct rtc_sctp *sctp, const char *why)
{
	if (sctp->state == ASSOC_DOWN)
		return;
	rtc_debug("sctp: association down: %s", why);
	rtc_sctp_channel_close_all(sctp);
	sctp->state = ASSOC_DOWN;
	rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_ASSOCIATION_DOWN, RTC_SCTP_AUTO_STREAM);
}

static void on_assoc_change(struct rtc_sctp *sctp, const struct sctp_assoc_change *sac)
{
	switch (sac->sac_state) {
	case SCTP_COMM_UP:
		if (sctp->state != ASSOC_CONNECTING)
			break;
		sctp->state = ASSOC_UP;
		sctp->streams_out = sac->sac_outbound_streams;
		sctp->streams_in = sac->sac_inbound_streams;
		rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_ASSOCIATION_UP, RTC_SCTP_AUTO_STREAM);
		break;
	case SCTP_COMM_LOST:
		go_down(sctp, "lost");
		break;
	case SCTP_SHUTDOWN_COMP:
		go_down(sctp, "shut down");
		break;
	case SCTP_CANT_STR_ASSOC:
		go_down(sctp, "cannot start");
		break;
	case SCTP_RESTART:
		/* The peer restarted: its streams start over and ours with
		 * them, which data channels cannot survive. */
		rtc_sctp_push_error(sctp, RTC_SCTP_AUTO_STREAM, RTC_ERROR_OPERATION,
				"the peer restarted the SCTP association");
		break;
	default:
		break;
	}
}

static void on_stream_reset(struct rtc_sctp *sctp, const struct sctp_stream_reset_event *ev,
			    size_t len)
{
	size_t count = (len - sizeof(*ev)) / sizeof(uint16_t);
	bool failed = ev->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED);

	for (size_t i = 0; i < count; i++) {
		uint16_t stream = ev->strreset_stream_list[i];

		if (ev->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN)
			rtc_sctp_channel_stream_reset(sctp, stream, true, failed);
		if (ev->strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN)
			rtc_sctp_channel_stream_reset(sctp, stream, false, failed);
	}
}

static void on_notification(struct rtc_sctp *sctp, const void *data, size_t len)
{
	const union sctp_notification *n = data;

	/* usrsctp builds these, but check the lengths we rely on. */
	if (len < sizeof(n->sn_header) || n->sn_header.sn_length > len)
		return;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		if (len >= sizeof(n->sn_assoc_change))
			on_assoc_change(sctp, &n->sn_assoc_change);
		break;
	case SCTP_STREAM_RESET_EVENT:
		if (n->sn_header.sn_length >= sizeof(n->sn_strreset_event))
			on_stream_reset(sctp, &n->sn_strreset_event, n->sn_header.sn_length);
		break;
	default:
		break;
	}
}

static void rx_reset(struct rtc_sctp *sctp)
{
	free(sctp->rx.buf);
	memset(&sctp->rx, 0, sizeof(sctp->rx));
}

/* Partial deliveries: usrsctp hands a large message over in pieces, the last
 * with MSG_EOR, and one message at a time per association (no I-DATA). */
static void on_data(struct rtc_sctp *sctp, struct inbound_item *in)
{
	uint8_t *whole;
	size_t whole_len;

	if (sctp->rx.active && (sctp->rx.stream != in->stream || sctp->rx.ppid != in->ppid)) {
		rtc_sctp_push_error(sctp, sctp->rx.stream, RTC_ERROR_OPERATION,
				"incomplete message on stream %u dropped", sctp->rx.stream);
		rx_reset(sctp);
	}
	if (!sctp->rx.active && in->end_of_record) {
		/* The usual case: the whole message in one piece, no copy. */
		whole = in->data;
		whole_len = in->len;
		in->data = NULL;
	} else {
		sctp->rx.active = true;
		sctp->rx.stream = in->stream;
		sctp->rx.ppid = in->ppid;
		if (!sctp->rx.too_big && sctp->rx.len + in->len > RTC_SCTP_MAX_MESSAGE_SIZE) {
			sctp->rx.too_big = true;
			rtc_sctp_push_error(sctp, in->stream, RTC_ERROR_OPERATION,
					"message on stream %u larger than %u bytes dropped",
					in->stream, RTC_SCTP_MAX_MESSAGE_SIZE);
		}
		if (!sctp->rx.too_big) {
			if (sctp->rx.len + in->len > sctp->rx.cap) {
				size_t cap = sctp->rx.cap ? sctp->rx.cap : 16384;
				uint8_t *buf;

				while (cap < sctp->rx.len + in->len)
					cap *= 2;
				buf = realloc(sctp->rx.buf, cap);
				if (!buf) {
					sctp->rx.too_big = true;
					rtc_sctp_push_error(sctp, in->stream, RTC_ERROR_OPERATION,
							"out of memory: message on stream %u dropped",
							in->stream);
				} else {
					sctp->rx.buf = buf;
					sctp->rx.cap = cap;
				}
			}
			if (!sctp->rx.too_big) {
				memcpy(sctp->rx.buf + sctp->rx.len, in->data, in->len);
				sctp->rx.len += in->len;
			}
		}
		if (!in->end_of_record)
			return;
		if (sctp->rx.too_big) {
			rx_reset(sctp);
			return;
		}
		whole = sctp->rx.buf;
		whole_len = sctp->rx.len;
		sctp->rx.buf = NULL;
		rx_reset(sctp);
	}
	if (whole_len > RTC_SCTP_MAX_MESSAGE_SIZE) {
		rtc_sctp_push_error(sctp, in->stream, RTC_ERROR_OPERATION,
				"message on stream %u larger than %u bytes dropped",
				in->stream, RTC_SCTP_MAX_MESSAGE_SIZE);
		free(whole);
		return;
	}
	/* Takes ownership of whole. */
	rtc_sctp_channel_message(sctp, in->stream, in->ppid, whole, whole_len);
}

void rtc_sctp_process(struct rtc_sctp *sctp)
{
	read_available(sctp);
	while (!rtc_list_is_empty(&sctp->inbound)) {
		struct inbound_item *in = rtc_container_of(sctp->inbound.next,
							   struct inbound_item, link);

		rtc_list_unlink(&in->link);
		if (in->notification)
			on_notification(sctp, in->data, in->len);
		else if (sctp->state != ASSOC_DOWN)
			on_data(sctp, in);
		free(in->data);
		free(in);
	}
	if (sctp->state == ASSOC_UP)
		rtc_sctp_channel_flush(sctp);
}

static int set_option(struct rtc_sctp *sctp, int level, int name, const void *value,
		      socklen_t len, const char *what, struct rtc_error *err)
{
	if (usrsctp_setsockopt(sctp->sock, level, name, value, len) < 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "SCTP option %s: %s", what,
				     strerror(errno));
	return 0;
}

static int configure_socket(struct rtc_sctp *sctp, struct rtc_error *err)
{
	static const uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT };
	/* Closing aborts at once: the peer connection is going away. */
	struct linger linger = { .l_onoff = 1, .l_linger = 0 };
	struct sctp_assoc_value reset = { .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ };
	/* Streams share the wire by bytes, not by messages: round robin gives
	 * a channel of 1 KiB messages one message per 64 KiB message of a bulk
	 * channel beside it, so its queue, and its latency, grow without end
	 * (seen in the network lab: minutes). Fair bandwidth serves the stream
	 * that has had the fewest bytes, so small messages pass large ones. */
	struct sctp_assoc_value scheduler = { .assoc_value = SCTP_SS_FAIR_BANDWITH };
	struct sctp_initmsg init = {
		.sinit_num_ostreams = RTC_SCTP_MAX_STREAMS,
		.sinit_max_instreams = RTC_SCTP_MAX_STREAMS,
	};
	struct sctp_paddrparams paddr = {
		.spp_pathmtu = SCTP_PATH_MTU,
		.spp_flags = SPP_PMTUD_DISABLE,
	};
	int on = 1, sndbuf = SEND_BUFFER_SIZE, rcvbuf = RECEIVE_BUFFER_SIZE;

	if (usrsctp_set_non_blocking(sctp->sock, 1) < 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "SCTP non-blocking: %s",
				     strerror(errno));
	if (set_option(sctp, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger), "SO_LINGER", err) ||
	    set_option(sctp, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf), "SO_SNDBUF", err) ||
	    set_option(sctp, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf), "SO_RCVBUF", err) ||
	    set_option(sctp, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof(reset),
		       "SCTP_ENABLE_STREAM_RESET", err) ||
	    /* Messages go out at once, not batched for a fuller packet. */
	    set_option(sctp, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on), "SCTP_NODELAY", err) ||
	    /* Each read says which stream and PPID it is. */
	    set_option(sctp, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on),
		       "SCTP_RECVRCVINFO", err) ||
	    /* Large messages are handed over in pieces as the buffer frees. */
	    set_option(sctp, IPPROTO_SCTP, SCTP_EXPLICIT_EOR, &on, sizeof(on),
		       "SCTP_EXPLICIT_EOR", err) ||
	    set_option(sctp, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, &scheduler, sizeof(scheduler),
		       "SCTP_PLUGGABLE_SS", err) ||
	    set_option(sctp, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init), "SCTP_INITMSG", err) ||
	    set_option(sctp, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &paddr, sizeof(paddr),
		       "SCTP_PEER_ADDR_PARAMS", err))
		return -1;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct sctp_event ev = { .se_assoc_id = SCTP_ALL_ASSOC, .se_type = events[i],
					 .se_on = 1 };

		if (set_option(sctp, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev), "SCTP_EVENT", err))
			return -1;
	}
	return 0;
}

void rtc_sctp_enter(struct rtc_sctp *sctp, uint64_t now)
{
	sctp->in_call = true;
	rtc_sctp_stack_advance(now);
}

void rtc_sctp_leave(struct rtc_sctp *sctp)
{
	rtc_sctp_stack_mark_dirty(sctp);
	rtc_sctp_stack_settle();
	sctp->in_call = false;
}

struct rtc_sctp *rtc_sctp_new(const struct rtc_sctp_config *config, uint64_t now,
			      struct rtc_error *err)
{
	struct rtc_sctp *sctp = calloc(1, sizeof(*sctp));
	struct sockaddr_conn local = { .sconn_family = AF_CONN };
	struct sockaddr_conn remote = { .sconn_family = AF_CONN };

	if (!sctp) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		return NULL;
	}
	sctp->config = *config;
	if (!sctp->config.local_port)
		sctp->config.local_port = RTC_SCTP_DEFAULT_PORT;
	if (!sctp->config.remote_port)
		sctp->config.remote_port = RTC_SCTP_DEFAULT_PORT;
	rtc_list_init(&sctp->packets);
	rtc_list_init(&sctp->inbound);
	rtc_list_init(&sctp->events);
	rtc_list_init(&sctp->send_queue);
	rtc_list_init(&sctp->dirty_link);
	if (rtc_sctp_stack_attach(sctp, err) < 0) {
		free(sctp);
		return NULL;
	}
	rtc_sctp_enter(sctp, now);
	sctp->last_activity = now;
	/* No receive callback: usrsctp's would take every message out of its
	 * buffer at once, leaving no way to make a fast peer wait for a slow
	 * reader. We read when told to (the upcall) and while not held. */
	sctp->sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!sctp->sock) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "usrsctp_socket: %s", strerror(errno));
		goto fail;
	}
	if (usrsctp_set_upcall(sctp->sock, on_upcall, (void *)sctp->id) < 0) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "usrsctp_set_upcall: %s", strerror(errno));
		goto fail;
	}
	if (configure_socket(sctp, err) < 0)
		goto fail;
	local.sconn_port = htons(sctp->config.local_port);
	local.sconn_addr = (void *)sctp->id;
	if (usrsctp_bind(sctp->sock, (struct sockaddr *)&local, sizeof(local)) < 0) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "SCTP bind to port %u: %s",
			      sctp->config.local_port, strerror(errno));
		goto fail;
	}
	remote.sconn_port = htons(sctp->config.remote_port);
	remote.sconn_addr = (void *)sctp->id;
	if (usrsctp_connect(sctp->sock, (struct sockaddr *)&remote, sizeof(remote)) < 0 &&
	    errno != EINPROGRESS) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "SCTP connect: %s", strerror(errno));
		goto fail;
	}
	rtc_sctp_leave(sctp);
	return sctp;
fail:
	sctp->in_call = false;
	rtc_sctp_free(sctp);
	return NULL;
}

static void free_list(struct rtc_list *list, size_t link_offset)
{
	while (!rtc_list_is_empty(list)) {
		struct rtc_list *l = list->next;

		rtc_list_unlink(l);
		free((char *)l - link_offset);
	}
}

static void free_event(struct queued_event *e)
{
	if (!e)
		return;
	free(e->owned);
	free(e);
}

void rtc_sctp_abort(struct rtc_sctp *sctp, const char *why)
{
	if (!sctp->sock)
		return;
	/* Still attached: the ABORT (SO_LINGER 0) lands in our outgoing
	 * packets, for the caller to send while DTLS can still carry it. */
	usrsctp_close(sctp->sock);
	sctp->sock = NULL;
	go_down(sctp, why);
}

void rtc_sctp_free(struct rtc_sctp *sctp)
{
	if (!sctp)
		return;
	/* Detached first: the ABORT usrsctp_close() emits has nowhere to go. */
	rtc_sctp_stack_detach(sctp);
	if (sctp->sock)
		usrsctp_close(sctp->sock);
	rtc_sctp_stack_forget(sctp);
	while (!rtc_list_is_empty(&sctp->inbound)) {
		struct inbound_item *in = rtc_container_of(sctp->inbound.next,
							   struct inbound_item, link);

		rtc_list_unlink(&in->link);
		free(in->data);
		free(in);
	}
	while (!rtc_list_is_empty(&sctp->events)) {
		struct queued_event *e = rtc_container_of(sctp->events.next, struct queued_event, link);

		rtc_list_unlink(&e->link);
		free_event(e);
	}
	free_list(&sctp->packets, offsetof(struct out_packet, link));
	free_list(&sctp->send_queue, offsetof(struct outgoing_message, link));
	free(sctp->last_packet);
	free_event(sctp->last_event);
	rx_reset(sctp);
	rtc_sctp_channel_free_all(sctp);
	free(sctp);
}

void rtc_sctp_handle_receive(struct rtc_sctp *sctp, uint64_t now, const uint8_t *data, size_t len)
{
	rtc_sctp_enter(sctp, now);
	if (sctp->state != ASSOC_DOWN && len > 0) {
		sctp->last_activity = now;
		/* usrsctp takes a non-const pointer but only reads it. */
		usrsctp_conninput((void *)sctp->id, data, len, 0);
	}
	rtc_sctp_leave(sctp);
}

void rtc_sctp_handle_timeout(struct rtc_sctp *sctp, uint64_t now)
{
	rtc_sctp_enter(sctp, now);
	rtc_sctp_leave(sctp);
}

void rtc_sctp_hold_receiving(struct rtc_sctp *sctp, uint64_t now, bool hold)
{
	if (sctp->receive_held == hold)
		return;
	rtc_sctp_enter(sctp, now);
	sctp->receive_held = hold;
	/* Released: what waited in usrsctp is read as we leave. */
	rtc_sctp_leave(sctp);
}

bool rtc_sctp_receiving_held(const struct rtc_sctp *sctp)
{
	return sctp->receive_held;
}

static bool has_unacked_data(const struct rtc_sctp *sctp)
{
	struct sctp_status status;
	socklen_t len = sizeof(status);

	memset(&status, 0, sizeof(status));
	if (usrsctp_getsockopt(sctp->sock, IPPROTO_SCTP, SCTP_STATUS, &status, &len) < 0)
		return true;
	return status.sstat_unackdata || status.sstat_penddata;
}

uint64_t rtc_sctp_deadline(const struct rtc_sctp *sctp)
{
	uint64_t clock = rtc_sctp_stack_clock();
	bool busy;

	if (sctp->state == ASSOC_DOWN)
		return UINT64_MAX;
	/* last_activity may be a little ahead of usrsctp's clock, which moves
	 * in whole milliseconds: no subtraction, or it wraps and every call
	 * asks usrsctp for its status (a locked getsockopt, 3 % of a receiving
	 * daemon's CPU in bulk). */
	busy = sctp->state != ASSOC_UP || !rtc_list_is_empty(&sctp->send_queue) ||
	       sctp->last_activity + BUSY_AFTER_ACTIVITY_NS > clock || has_unacked_data(sctp);
	return clock + (busy ? TICK_BUSY_NS : TICK_IDLE_NS);
}

bool rtc_sctp_poll_transmit(struct rtc_sctp *sctp, const uint8_t **data, size_t *len)
{
	struct out_packet *p;

	free(sctp->last_packet);
	sctp->last_packet = NULL;
	if (rtc_list_is_empty(&sctp->packets))
		return false;
	p = rtc_container_of(sctp->packets.next, struct out_packet, link);
	rtc_list_unlink(&p->link);
	sctp->last_packet = p;
	*data = p->data;
	*len = p->len;
	return true;
}

bool rtc_sctp_poll_event(struct rtc_sctp *sctp, struct rtc_sctp_event *event)
{
	struct queued_event *e;

	free_event(sctp->last_event);
	sctp->last_event = NULL;
	if (rtc_list_is_empty(&sctp->events))
		return false;
	e = rtc_container_of(sctp->events.next, struct queued_event, link);
	rtc_list_unlink(&e->link);
	sctp->last_event = e;
	*event = e->event;
	return true;
}

bool rtc_sctp_is_up(const struct rtc_sctp *sctp)
{
	return sctp->state == ASSOC_UP;
}
