/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What one client may cost everybody: the size of what it sends us, and the
 * bytes we have sent it that it has not read yet.
 *
 * Size: libdbus takes a message over its limit for a corrupt stream and drops
 * the connection (our only one: every client would lose rtcd), so libdbus is
 * given the protocol's own maximum, which no bus exceeds, and our limit is
 * applied here, per message: a method call over it is answered LimitsExceeded.
 *
 * Backlog: the bus daemon queues what we send to a client that does not read,
 * and stops reading from us once that queue is full: everyone's replies wait
 * behind it. So we count the bytes sent to each unique name and learn what it
 * has read by pinging it (org.freedesktop.DBus.Peer.Ping, which every D-Bus
 * library answers): the answer comes after everything sent before the Ping.
 * Past RTC_BUS_CLIENT_BACKLOG_BYTES outstanding the API layer is told to hold
 * what produces that client's messages (its channels' SCTP reading), until the
 * client has read down to half of it. Past RTC_BUS_CLIENT_BACKLOG_MAX the
 * client gets no more signals and its calls are refused with a short
 * LimitsExceeded: its own penalty, nobody else's.
 *
 * Silence: a client whose bus connection is stuck, or whose proxy or library
 * does not answer Ping, would be held forever, and its peers with it. A
 * client that is held and has left a Ping unanswered for the unread timeout
 * (60 s by default: a client that reads late, but reads, is never judged)
 * is taken for not reading at all: the API layer closes its held channels
 * with an Error, and it gets the penalty of one far behind until it answers
 * a Ping again (we keep asking).
 */
#include "bus/bus-private.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "io/reactor.h"

/* A Ping after this many bytes sent since the last one was answered. */
#define PING_EVERY_BYTES (512u << 10)
/* How long a Ping may go unanswered before we ask again (the client is
 * still counted as not reading meanwhile), at most. */
#define PING_TIMEOUT_MS 10000u
/* After a Ping the bus refused (not the client's answer), ask again later. */
#define PING_RETRY_NS (1000ull * 1000 * 1000)

/* ---- message size ----------------------------------------------------- */

static uint64_t fixed_size(int type)
{
	switch (type) {
	case DBUS_TYPE_BYTE:
		return 1;
	case DBUS_TYPE_INT16:
	case DBUS_TYPE_UINT16:
		return 2;
	case DBUS_TYPE_BOOLEAN:
	case DBUS_TYPE_INT32:
	case DBUS_TYPE_UINT32:
	case DBUS_TYPE_UNIX_FD:
		return 4;
	default:
		return 8;
	}
}

static uint64_t iter_size(DBusMessageIter *it, uint64_t stop_above)
{
	uint64_t n = 0;
	int type;

	while ((type = dbus_message_iter_get_arg_type(it)) != DBUS_TYPE_INVALID) {
		if (type == DBUS_TYPE_STRING || type == DBUS_TYPE_OBJECT_PATH ||
		    type == DBUS_TYPE_SIGNATURE) {
			const char *s;

			dbus_message_iter_get_basic(it, &s);
			n += strlen(s) + 5;
		} else if (type == DBUS_TYPE_ARRAY &&
			   dbus_type_is_fixed(dbus_message_iter_get_element_type(it)) &&
			   dbus_message_iter_get_element_type(it) != DBUS_TYPE_UNIX_FD) {
			DBusMessageIter sub;
			const void *p;
			int len = 0;

			dbus_message_iter_recurse(it, &sub);
			dbus_message_iter_get_fixed_array(&sub, &p, &len);
			n += 8 + (uint64_t)len * fixed_size(dbus_message_iter_get_element_type(it));
		} else if (dbus_type_is_container(type)) {
			DBusMessageIter sub;

			dbus_message_iter_recurse(it, &sub);
			n += 8 + iter_size(&sub, stop_above - (n < stop_above ? n : stop_above));
		} else {
			n += fixed_size(type);
		}
		if (n > stop_above || !dbus_message_iter_next(it))
			break;
	}
	return n;
}

uint64_t rtc_bus_message_size(DBusMessage *msg, uint64_t stop_above)
{
	DBusMessageIter it;
	uint64_t n = 128;   /* the header, roughly */

	if (dbus_message_iter_init(msg, &it))
		n += iter_size(&it, stop_above);
	return n;
}

/* ---- per-client backlog ------------------------------------------------- */

static uint64_t outstanding(const struct rtc_bus_client *c)
{
	return c->backlog.sent - c->backlog.acked;
}

static void ping(struct rtc_bus_client *c);

static void tell(struct rtc_bus_client *c, enum rtc_bus_reader state)
{
	if (c->bus->backlog_fn)
		c->bus->backlog_fn(c->bus->backlog_data, c->name, state);
}

/* Held, and silent for the unread timeout: taken for not reading. */
static void judge_silence(struct rtc_bus_client *c)
{
	struct rtc_bus *bus = c->bus;
	uint64_t now = rtc_reactor_now(bus->reactor);

	if (c->backlog.silent || !c->backlog.over || !c->backlog.unanswered_since ||
	    now - c->backlog.unanswered_since < bus->unread_timeout_ns)
		return;
	rtc_warn("bus: %s has left Peer.Ping unanswered for %llu s with %llu bytes unread: "
		 "taken for not reading; closing the channels held for it",
		 c->name, (unsigned long long)((now - c->backlog.unanswered_since) / 1000000000u),
		 (unsigned long long)outstanding(c));
	/* Told first: the Error signals it sends still go out. */
	tell(c, RTC_BUS_READER_SILENT);
	c->backlog.silent = true;
}

static void on_silence(void *userdata)
{
	judge_silence(userdata);
}

static void update(struct rtc_bus_client *c)
{
	uint64_t out = outstanding(c);

	if (!c->backlog.over && out > RTC_BUS_CLIENT_BACKLOG_BYTES) {
		c->backlog.over = true;
		rtc_info("bus: %s is not reading its messages (%llu bytes unread): holding "
			 "what it receives", c->name, (unsigned long long)out);
		tell(c, RTC_BUS_READER_BEHIND);
		/* Silent long enough already? Judged from the timer, never from
		 * inside the send that made it behind (the API layer may be in
		 * the middle of delivering a message). */
		if (c->backlog.silence && c->backlog.unanswered_since)
			rtc_timer_arm(c->backlog.silence,
				      c->backlog.unanswered_since + c->bus->unread_timeout_ns);
	} else if (c->backlog.over && out <= RTC_BUS_CLIENT_BACKLOG_BYTES / 2) {
		c->backlog.over = false;
		rtc_info("bus: %s reads its messages again", c->name);
		tell(c, RTC_BUS_READER_KEEPING_UP);
	}
	if (!c->backlog.ping && out >= PING_EVERY_BYTES &&
	    !(c->backlog.retry && rtc_timer_is_armed(c->backlog.retry)))
		ping(c);
}

static void on_retry(void *userdata)
{
	update(userdata);
}

static void on_ping_reply(DBusPendingCall *pending, void *userdata)
{
	struct rtc_bus_client *c = userdata;
	DBusMessage *reply = dbus_pending_call_steal_reply(pending);
	bool read = false;

	/* Only the client's own answer says it read up to the Ping; an error
	 * from the bus or our own timeout (NoReply) says nothing of the kind. */
	if (reply) {
		const char *sender = dbus_message_get_sender(reply);

		read = dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_METHOD_RETURN ||
		       (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR && sender &&
			strcmp(sender, c->name) == 0);
		dbus_message_unref(reply);
	}
	dbus_pending_call_unref(c->backlog.ping);
	c->backlog.ping = NULL;
	if (read) {
		c->backlog.acked = c->backlog.ping_mark;
		c->backlog.unanswered_since = 0;
		if (c->backlog.silence)
			rtc_timer_disarm(c->backlog.silence);
		if (c->backlog.silent) {
			/* Served again; update() below holds it anew if it is
			 * still far behind. */
			c->backlog.silent = false;
			c->backlog.over = false;
			rtc_info("bus: %s answers Peer.Ping again", c->name);
			tell(c, RTC_BUS_READER_KEEPING_UP);
		}
	} else {
		if (!c->backlog.retry)
			c->backlog.retry = rtc_timer_new(c->bus->reactor, on_retry, c);
		if (c->backlog.retry) {
			rtc_timer_arm(c->backlog.retry,
				      rtc_reactor_now(c->bus->reactor) + PING_RETRY_NS);
			return;
		}
	}
	update(c);
}

static void ping(struct rtc_bus_client *c)
{
	DBusMessage *msg = dbus_message_new_method_call(c->name, "/", "org.freedesktop.DBus.Peer",
							"Ping");
	DBusPendingCall *pending = NULL;
	struct rtc_bus *bus = c->bus;
	/* Asked again within the unread timeout, so that an answer after a
	 * stall is seen soon. */
	uint64_t timeout_ms = bus->unread_timeout_ns / 2000000u;

	if (!msg)
		return;
	if (timeout_ms > PING_TIMEOUT_MS)
		timeout_ms = PING_TIMEOUT_MS;
	if (!dbus_connection_send_with_reply(bus->conn, msg, &pending,
					     timeout_ms ? (int)timeout_ms : 1) ||
	    !pending) {
		dbus_message_unref(msg);
		return;
	}
	dbus_message_unref(msg);
	c->backlog.sent += 64;
	c->backlog.ping_mark = c->backlog.sent;
	c->backlog.ping = pending;
	if (!dbus_pending_call_set_notify(pending, on_ping_reply, c, NULL)) {
		dbus_pending_call_cancel(pending);
		dbus_pending_call_unref(pending);
		c->backlog.ping = NULL;
		return;
	}
	/* The silence is counted from the first Ping it leaves unanswered. */
	if (!c->backlog.unanswered_since) {
		c->backlog.unanswered_since = rtc_reactor_now(bus->reactor);
		if (!c->backlog.silence)
			c->backlog.silence = rtc_timer_new(bus->reactor, on_silence, c);
		if (c->backlog.silence)
			rtc_timer_arm(c->backlog.silence,
				      c->backlog.unanswered_since + bus->unread_timeout_ns);
	}
}

bool rtc_bus_backlog_send(struct rtc_bus *bus, DBusMessage *msg)
{
	const char *dest = dbus_message_get_destination(msg);
	struct rtc_bus_client *c = dest && dest[0] == ':' ? rtc_bus_client_get(bus, dest) : NULL;

	if (!c)
		return true;
	if (dbus_message_get_type(msg) == DBUS_MESSAGE_TYPE_SIGNAL &&
	    (outstanding(c) > RTC_BUS_CLIENT_BACKLOG_MAX || c->backlog.silent)) {
		if (c->backlog.dropped++ % 1000 == 0)
			rtc_warn("bus: %s has %llu bytes unread: dropping its signals (%llu so far)",
				 c->name, (unsigned long long)outstanding(c),
				 (unsigned long long)c->backlog.dropped);
		return false;
	}
	c->backlog.sent += rtc_bus_message_size(msg, UINT64_MAX);
	update(c);
	return true;
}

const char *rtc_bus_backlog_refuses(struct rtc_bus *bus, const char *name)
{
	struct rtc_bus_client *c = rtc_bus_client_get(bus, name);

	if (c && c->backlog.silent)
		return "Not reading: rtcd's org.freedesktop.DBus.Peer.Ping went unanswered "
		       "while your messages piled up; answer it to be served again";
	if (c && outstanding(c) > RTC_BUS_CLIENT_BACKLOG_MAX)
		return "Too much unread: read your messages first";
	return NULL;
}

void rtc_bus_backlog_free(struct rtc_bus_client *c)
{
	if (c->backlog.ping) {
		dbus_pending_call_cancel(c->backlog.ping);
		dbus_pending_call_unref(c->backlog.ping);
		c->backlog.ping = NULL;
	}
	if (c->backlog.retry)
		rtc_timer_free(c->backlog.retry);
	c->backlog.retry = NULL;
	if (c->backlog.silence)
		rtc_timer_free(c->backlog.silence);
	c->backlog.silence = NULL;
}

void rtc_bus_set_backlog_fn(struct rtc_bus *bus, rtc_bus_client_backlog_fn fn, void *userdata)
{
	bus->backlog_fn = fn;
	bus->backlog_data = userdata;
}

enum rtc_bus_reader rtc_bus_client_reader(struct rtc_bus *bus, const char *unique_name)
{
	struct rtc_bus_client *c = rtc_bus_client_get(bus, unique_name);

	if (c && c->backlog.silent)
		return RTC_BUS_READER_SILENT;
	return c && c->backlog.over ? RTC_BUS_READER_BEHIND : RTC_BUS_READER_KEEPING_UP;
}
