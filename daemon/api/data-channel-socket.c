/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DataChannel.OpenSocket: the data plane for bulk transfer. A SOCK_SEQPACKET
 * socket pair; the app gets one end. One record is one message: a type byte
 * (0x01 text, 0x02 binary) and the payload. While the socket is open,
 * messages go there instead of the Message signal.
 *
 * Backpressure both ways is the socket's: records from the app are read only
 * while the channel's SCTP send buffer is below a high mark (reading resumes
 * on BufferedAmountLow) and while the next record fits in what the owner may
 * buffer for sending over all its channels (--max-buffered-bytes, the quota
 * Send answers LimitsExceeded past; looked at again every few milliseconds
 * while it is full, since the channels that drain may be any of the owner's,
 * each below its own low mark). Records for the app that the socket cannot
 * take wait here, and past a high mark the association stops taking data from
 * SCTP, whose window then closes: the peer waits for the app, nothing is
 * dropped. SCTP has one window for all streams, so the association's other
 * channels wait too while this reader is behind.
 * When the channel closes, the socket lingers until the app has them all,
 * then it reads end-of-file: nothing that arrived before the close is lost.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api-private.h"
#include "common/log.h"
#include "io/reactor.h"

#define RECORD_TEXT 0x01
#define RECORD_BINARY 0x02
/* Reading from the app stops above this much in the SCTP send buffer. */
#define SEND_HIGH_MARK (1024u * 1024u)
#define SEND_LOW_MARK (256u * 1024u)
/* Records waiting here for the app beyond which SCTP stops receiving, and
 * below which it starts again. The socket itself holds 1 MiB more. */
#define RECEIVE_HIGH_MARK (1024u * 1024u)
#define RECEIVE_LOW_MARK (256u * 1024u)
/* How soon sockets waiting for the owner's quota look again. */
#define QUOTA_RECHECK_NS (20ull * 1000 * 1000)

struct pending_record {
	struct pending_record *next;
	size_t len;
	uint8_t data[];
};

struct rtc_api_dc_socket {
	struct rtc_api_dc *dc;         /* NULL once lingering */
	struct rtc_api *api;
	char *owner;                   /* whose quota the records take */
	struct rtc_list link;          /* in api->lingering_sockets */
	int fd;
	struct rtc_watch *watch;
	struct pending_record *head, **tail;
	uint64_t queued;               /* bytes in the pending records */
	bool reading_paused;           /* the channel's own send buffer is high */
	bool waiting_quota;            /* the owner's channels hold its quota */
	bool holding_receive;          /* one of the pc's receive_holds */
};

/* The association receives while no socket of its connection holds it. */
static void hold_receive(struct rtc_api_dc_socket *ds, bool hold)
{
	struct rtc_api_pc *pc;

	if (!ds->dc || ds->holding_receive == hold)
		return;
	pc = ds->dc->pc;
	ds->holding_receive = hold;
	if (hold ? pc->receive_holds++ == 0 : --pc->receive_holds == 0)
		rtc_session_channel_hold_receiving(pc->session, hold);
}

static void update_events(struct rtc_api_dc_socket *ds)
{
	uint32_t events = ds->reading_paused || ds->waiting_quota ? 0 : POLLIN;

	if (ds->head)
		events |= POLLOUT;
	/* Nothing to read or write: the watch sleeps (POLLOUT, always true
	 * here, spun the loop while reading waited for SCTP). The app closing
	 * its end meanwhile is seen when reading resumes and gets 0 bytes. */
	rtc_watch_update(ds->watch, events);
}

static void socket_free(struct rtc_api_dc_socket *ds)
{
	hold_receive(ds, false);
	while (ds->head) {
		struct pending_record *r = ds->head;
		ds->head = r->next;
		free(r);
	}
	rtc_bus_quota_release(ds->api->bus, ds->owner, RTC_QUOTA_QUEUED_BYTES, ds->queued);
	rtc_list_unlink(&ds->link);
	rtc_watch_remove(ds->watch);
	/* End-of-file for the app now: close() alone waits for the last
	 * reference, and an io_uring poll being cancelled holds one. */
	shutdown(ds->fd, SHUT_RDWR);
	close(ds->fd);
	free(ds->owner);
	free(ds);
}

void rtc_api_dc_socket_close(struct rtc_api_dc *dc)
{
	struct rtc_api_dc_socket *ds = dc->socket;

	if (!ds)
		return;
	dc->socket = NULL;
	socket_free(ds);
}

void rtc_api_sockets_free(struct rtc_api *api)
{
	while (!rtc_list_is_empty(&api->lingering_sockets))
		socket_free(rtc_container_of(api->lingering_sockets.next,
					     struct rtc_api_dc_socket, link));
	if (api->socket_quota_timer)
		rtc_timer_free(api->socket_quota_timer);
	api->socket_quota_timer = NULL;
}

/* Writes what the socket takes; false when it is gone. */
static bool flush(struct rtc_api_dc_socket *ds)
{
	while (ds->head) {
		struct pending_record *r = ds->head;
		ssize_t n = send(ds->fd, r->data, r->len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			break;
		if (n < 0)
			return false;
		ds->head = r->next;
		if (!ds->head)
			ds->tail = &ds->head;
		ds->queued -= r->len;
		rtc_bus_quota_release(ds->api->bus, ds->owner, RTC_QUOTA_QUEUED_BYTES, r->len);
		free(r);
	}
	if (ds->queued <= RECEIVE_LOW_MARK)
		hold_receive(ds, false);
	return true;
}

/* The size of the app's next record's payload, without taking it; -1 when
 * there is none (or it is not a record: reading it reports that). */
static ssize_t next_payload_size(struct rtc_api_dc_socket *ds)
{
	uint8_t type;
	ssize_t n = recv(ds->fd, &type, 1, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);

	return n < 2 || n > RTC_SCTP_MAX_MESSAGE_SIZE + 1 ? -1 : n - 1;
}

/* Whether the app's next record fits in its owner's quota, `held` bytes
 * being buffered. A record larger than the whole quota never fits: it is
 * read, and refused with an Error. */
static bool next_record_fits(struct rtc_api_dc_socket *ds, uint64_t held)
{
	uint64_t limit = rtc_bus_quota_limit(ds->api->bus, RTC_QUOTA_BUFFERED_BYTES);
	ssize_t size;

	/* Any record fits: no need to look (the usual case, one syscall less). */
	if (rtc_api_send_fits(ds->api, held, RTC_SCTP_MAX_MESSAGE_SIZE))
		return true;
	size = next_payload_size(ds);
	return size < 0 || (uint64_t)size > limit || rtc_api_send_fits(ds->api, held, (size_t)size);
}

static void on_quota_recheck(void *userdata);

static void wait_for_quota(struct rtc_api_dc_socket *ds)
{
	struct rtc_api *api = ds->api;

	ds->waiting_quota = true;
	if (!api->socket_quota_timer)
		api->socket_quota_timer = rtc_timer_new(api->reactor, on_quota_recheck, api);
	if (!api->socket_quota_timer) {
		/* No timer: read on, the channel's own high mark still holds. */
		ds->waiting_quota = false;
		return;
	}
	if (!rtc_timer_is_armed(api->socket_quota_timer))
		rtc_timer_arm(api->socket_quota_timer,
			      rtc_reactor_now(api->reactor) + QUOTA_RECHECK_NS);
}

static void on_quota_recheck(void *userdata)
{
	struct rtc_api *api = userdata;
	struct rtc_list *p, *c;
	bool waiting = false;

	rtc_list_for_each(p, &api->peer_connections) {
		struct rtc_api_pc *pc = rtc_container_of(p, struct rtc_api_pc, link);
		uint64_t held = 0;
		bool counted = false;

		rtc_list_for_each(c, &pc->data_channels) {
			struct rtc_api_dc_socket *ds =
				rtc_container_of(c, struct rtc_api_dc, link)->socket;

			if (!ds || !ds->waiting_quota)
				continue;
			if (!counted) {
				held = rtc_api_owner_buffered(api, pc->owner);
				counted = true;
			}
			if (next_record_fits(ds, held)) {
				ds->waiting_quota = false;
				update_events(ds);
			} else {
				waiting = true;
			}
		}
	}
	if (waiting)
		rtc_timer_arm(api->socket_quota_timer,
			      rtc_reactor_now(api->reactor) + QUOTA_RECHECK_NS);
}

/* False once the app closed its end (a read of 0 bytes). */
static bool read_records(struct rtc_api_dc_socket *ds)
{
	struct rtc_api_dc *dc = ds->dc;
	uint8_t *buf = malloc(RTC_SCTP_MAX_MESSAGE_SIZE + 2);
	uint64_t limit = rtc_bus_quota_limit(ds->api->bus, RTC_QUOTA_BUFFERED_BYTES);
	/* What the owner's channels hold, and what this round adds to it
	 * (an upper bound: SCTP only ever takes from it meanwhile). */
	uint64_t held = rtc_api_owner_buffered(ds->api, dc->pc->owner);
	bool alive = true;

	if (!buf)
		return true;
	for (int i = 0; i < 64 && !ds->reading_paused && !ds->waiting_quota; i++) {
		struct rtc_error err = { 0 };
		ssize_t n;

		if (!next_record_fits(ds, held)) {
			wait_for_quota(ds);
			break;
		}
		n = recv(ds->fd, buf, RTC_SCTP_MAX_MESSAGE_SIZE + 2, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			break;          /* EAGAIN, or an error the HUP will report */
		if (n == 0) {
			alive = false;
			break;
		}
		if (n > RTC_SCTP_MAX_MESSAGE_SIZE + 1 ||
		    (buf[0] != RECORD_TEXT && buf[0] != RECORD_BINARY)) {
			rtc_error_set(&err, RTC_ERROR_TYPE,
				      "a record must be 0x01 (text) or 0x02 (binary) and at most "
				      "%u bytes of payload", RTC_SCTP_MAX_MESSAGE_SIZE);
		} else if ((uint64_t)n - 1 > limit) {
			rtc_error_set(&err, RTC_ERROR_OPERATION,
				      "a %zd-byte message is more than this app may buffer for "
				      "sending (%llu bytes): not sent", n - 1,
				      (unsigned long long)limit);
		} else if (dc->state == RTC_DC_OPEN) {
			if (rtc_api_dc_send(dc, buf[0] == RECORD_BINARY, buf + 1, (size_t)n - 1,
					    &err) == 0)
				held += (uint64_t)n - 1;
		} else {
			rtc_error_set(&err, RTC_ERROR_INVALID_STATE, "the channel is not open");
		}
		if (err.kind != RTC_ERROR_NONE)
			rtc_api_dc_emit_error(dc, &err);
		if (dc->on_transport &&
		    rtc_session_channel_buffered_amount(dc->pc->session, dc->init.id) >
			    SEND_HIGH_MARK)
			ds->reading_paused = true;
	}
	free(buf);
	return alive;
}

static void on_socket(void *userdata, int fd, uint32_t revents)
{
	struct rtc_api_dc_socket *ds = userdata;
	struct rtc_api_dc *dc = ds->dc;

	if (!dc) {
		/* Lingering: done once the app has everything, or is gone. */
		if (!flush(ds) || !ds->head || (revents & (POLLHUP | POLLERR)))
			socket_free(ds);
		return;
	}
	if (((revents & POLLIN) && !read_records(ds)) || !flush(ds) ||
	    ((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN))) {
		/* The app closed its end: messages go back to the signal. */
		rtc_api_dc_socket_close(dc);
		return;
	}
	update_events(ds);
}

int rtc_api_dc_socket_open(struct rtc_api_dc *dc, int *app_fd, struct rtc_error *err)
{
	struct rtc_api_dc_socket *ds;
	int sv[2];

	if (dc->state == RTC_DC_CLOSING || dc->state == RTC_DC_CLOSED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the channel is closed");
	if (dc->socket)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the channel has a socket already");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "socketpair: %s", strerror(errno));
	/* One record holds a whole message (256 KiB): both ends need send
	 * buffers that large. The kernel caps them at net.core.wmem_max
	 * (Debian's default is 208 KiB: larger records then fail with
	 * EMSGSIZE at the writer); FORCE goes past it where we may. */
	for (int i = 0; i < 2; i++) {
		int size = 1024 * 1024;
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
			(void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	}
	ds = calloc(1, sizeof(*ds));
	if (!ds) {
		close(sv[0]);
		close(sv[1]);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	ds->dc = dc;
	ds->api = dc->pc->api;
	ds->owner = strdup(dc->pc->owner);
	rtc_list_init(&ds->link);
	ds->fd = sv[0];
	ds->tail = &ds->head;
	ds->watch = ds->owner ? rtc_watch_add(dc->pc->api->reactor, sv[0], POLLIN, on_socket, ds)
			      : NULL;
	if (!ds->watch) {
		free(ds->owner);
		free(ds);
		close(sv[0]);
		close(sv[1]);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "cannot watch the socket");
	}
	dc->socket = ds;
	/* Low-water notifications resume reading (see rtc_api_dc_socket_resume). */
	if (dc->on_transport)
		rtc_session_channel_set_low_threshold(dc->pc->session, dc->init.id, SEND_LOW_MARK);
	*app_fd = sv[1];
	return 0;
}

void rtc_api_dc_socket_linger(struct rtc_api_dc *dc)
{
	struct rtc_api_dc_socket *ds = dc->socket;

	if (!ds)
		return;
	dc->socket = NULL;
	if (!flush(ds) || !ds->head) {
		socket_free(ds);
		return;
	}
	/* The channel is closed: nothing more comes for this socket, and
	 * what it holds must not keep the connection's other channels. */
	hold_receive(ds, false);
	ds->dc = NULL;
	rtc_list_append(&ds->api->lingering_sockets, &ds->link);
	/* Only writing is left: what the app sends now has no channel. */
	rtc_watch_update(ds->watch, POLLOUT);
}

void rtc_api_dc_socket_resume(struct rtc_api_dc *dc)
{
	struct rtc_api_dc_socket *ds = dc->socket;

	if (!ds || !ds->reading_paused)
		return;
	ds->reading_paused = false;
	update_events(ds);
}

bool rtc_api_dc_socket_deliver(struct rtc_api_dc *dc, bool binary, const uint8_t *data,
			       size_t len)
{
	struct rtc_api_dc_socket *ds = dc->socket;
	struct pending_record *r;
	struct rtc_error err = { 0 };

	if (!ds)
		return false;
	/* The app's slowness is its own to pay: bounded by its quota. */
	if (rtc_bus_quota_take(dc->pc->api->bus, dc->pc->owner, RTC_QUOTA_QUEUED_BYTES, len + 1,
			       &err) < 0 || !(r = malloc(sizeof(*r) + len + 1))) {
		struct rtc_error dropped = { 0 };

		rtc_warn("%s: socket reader too slow, message dropped: %s", dc->path, err.message);
		rtc_error_set(&dropped, RTC_ERROR_OPERATION,
			      "a %zu-byte message was dropped: the socket's reader is too slow "
			      "(%s)", len, err.kind != RTC_ERROR_NONE ? err.message : "out of memory");
		rtc_api_dc_emit_error(dc, &dropped);
		return true;
	}
	r->next = NULL;
	r->len = len + 1;
	r->data[0] = binary ? RECORD_BINARY : RECORD_TEXT;
	memcpy(r->data + 1, data, len);
	*ds->tail = r;
	ds->tail = &r->next;
	ds->queued += r->len;
	if (!flush(ds)) {
		rtc_api_dc_socket_close(dc);
		return true;
	}
	if (ds->queued > RECEIVE_HIGH_MARK)
		hold_receive(ds, true);
	update_events(ds);
	return true;
}
