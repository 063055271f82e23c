/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A method call between dispatch and its answer. Handlers may answer later
 * (after an engine operation completes); the call keeps the message, and the
 * bus keeps a list of unanswered calls so closing the bus answers them.
 */
#include "bus/bus-private.h"

#include <stdarg.h>
#include <stdlib.h>

#include "common/log.h"

/* W3C exceptions, as the contract names them. */
#define RTC_ERROR_PREFIX "org.rtcd.WebRTC1.Error."

struct rtc_bus_call *rtc_bus_call_new(struct rtc_bus *bus, DBusMessage *msg)
{
	struct rtc_bus_call *call = calloc(1, sizeof(*call));

	if (!call)
		return NULL;
	call->bus = bus;
	call->message = dbus_message_ref(msg);
	call->next = bus->calls;
	if (bus->calls)
		bus->calls->prev = call;
	bus->calls = call;
	return call;
}

static void call_free(struct rtc_bus_call *call)
{
	if (call->prev)
		call->prev->next = call->next;
	else
		call->bus->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	dbus_message_unref(call->message);
	free(call);
}

DBusMessage *rtc_bus_call_message(struct rtc_bus_call *call)
{
	return call->message;
}

const char *rtc_bus_call_sender(struct rtc_bus_call *call)
{
	return dbus_message_get_sender(call->message);
}

struct rtc_bus *rtc_bus_call_bus(struct rtc_bus_call *call)
{
	return call->bus;
}

bool rtc_bus_call_sandboxed(struct rtc_bus_call *call)
{
	/* Calls are dispatched only once the caller's credentials are known. */
	const struct rtc_bus_client *c = rtc_bus_client_get(call->bus, rtc_bus_call_sender(call));

	return !c || !c->known || c->sandboxed;
}

DBusMessage *rtc_bus_reply_new(struct rtc_bus_call *call)
{
	return dbus_message_new_method_return(call->message);
}

/* Sends an answer unless the caller said it wants none. */
static void answer(struct rtc_bus *bus, DBusMessage *msg, DBusMessage *reply)
{
	if (!reply) {
		reply = dbus_message_new_error(msg, DBUS_ERROR_NO_MEMORY, "Out of memory");
		if (!reply) {
			rtc_err("bus: out of memory answering %s", dbus_message_get_member(msg));
			return;
		}
	}
	if (!dbus_message_get_no_reply(msg))
		rtc_bus_send(bus, reply);
	dbus_message_unref(reply);
}

void rtc_bus_reply(struct rtc_bus_call *call, DBusMessage *reply)
{
	answer(call->bus, call->message, reply);
	call_free(call);
}

void rtc_bus_reply_empty(struct rtc_bus_call *call)
{
	rtc_bus_reply(call, rtc_bus_reply_new(call));
}

__attribute__((format(printf, 3, 0)))
static DBusMessage *error_reply(DBusMessage *msg, const char *name, const char *fmt, va_list ap)
{
	char text[512];

	vsnprintf(text, sizeof(text), fmt, ap);
	return dbus_message_new_error(msg, name, text);
}

void rtc_bus_reply_error_name(struct rtc_bus_call *call, const char *name, const char *fmt, ...)
{
	va_list ap;
	DBusMessage *reply;

	va_start(ap, fmt);
	reply = error_reply(call->message, name, fmt, ap);
	va_end(ap);
	rtc_bus_reply(call, reply);
}

void rtc_bus_reply_error(struct rtc_bus_call *call, const struct rtc_error *err)
{
	char name[96];

	if (err->kind == RTC_ERROR_NONE) {
		rtc_bus_reply_error_name(call, DBUS_ERROR_FAILED, "%s", err->message);
		return;
	}
	snprintf(name, sizeof(name), RTC_ERROR_PREFIX "%s", rtc_error_kind_name(err->kind));
	rtc_bus_reply_error_name(call, name, "%s", err->message);
}

void rtc_bus_reply_limits_exceeded(struct rtc_bus_call *call, const struct rtc_error *err)
{
	rtc_bus_reply_error_name(call, DBUS_ERROR_LIMITS_EXCEEDED, "%s", err->message);
}

void rtc_bus_refuse(struct rtc_bus *bus, DBusMessage *msg, const char *error_name,
		    const char *fmt, ...)
{
	va_list ap;
	DBusMessage *reply;

	va_start(ap, fmt);
	reply = error_reply(msg, error_name, fmt, ap);
	va_end(ap);
	answer(bus, msg, reply);
}

void rtc_bus_calls_abandon(struct rtc_bus *bus)
{
	while (bus->calls)
		rtc_bus_reply_error_name(bus->calls, DBUS_ERROR_FAILED,
					 "rtcd is shutting down");
}
