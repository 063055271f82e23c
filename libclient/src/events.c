/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signals from the daemon turned into rtc_event callbacks.
 *
 * Only signals from the daemon's unique name are accepted: anyone on the bus
 * can send us a unicast signal, and an application must not be told that
 * its channel opened by a stranger. Signals that do not match the contract's
 * signatures are dropped, never half-decoded.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void emit(rtc_client *client, struct rtc_event *event)
{
	if (client->event_fn)
		client->event_fn(client, event, client->event_userdata);
}

/* Puts the handle in the event's field of its kind. */
static void set_handle(struct rtc_event *event, struct rtc_proxy *proxy)
{
	switch (proxy->kind) {
	case RTC_PROXY_PEER_CONNECTION:
		event->peer_connection = (rtc_peer_connection *)proxy;
		break;
	case RTC_PROXY_DATA_CHANNEL:
		event->data_channel = (rtc_data_channel *)proxy;
		break;
	case RTC_PROXY_TRANSCEIVER:
		event->transceiver = (rtc_transceiver *)proxy;
		break;
	case RTC_PROXY_TRACK:
		event->track = (rtc_track *)proxy;
		break;
	}
}

/* Fills in the handle for the event's object and emits; the handle is the
 * application's if it holds one, else a temporary it may ref. */
static void emit_for(rtc_client *client, struct rtc_event *event, enum rtc_proxy_kind kind)
{
	struct rtc_proxy *proxy = rtc_proxy_get(client, kind, event->path, NULL);

	if (!proxy)
		return;
	set_handle(event, proxy);
	emit(client, event);
	rtc_proxy_unref(proxy);
}

static bool has_signature(DBusMessage *msg, const char *signature)
{
	return dbus_message_has_signature(msg, signature);
}

static void on_properties_changed(rtc_client *client, DBusMessage *msg)
{
	DBusMessageIter iter, array, entry, variant;
	struct rtc_event event = { .type = RTC_EVENT_PROPERTY_CHANGED,
				   .path = dbus_message_get_path(msg) };
	enum rtc_proxy_kind kind;
	const char *interface;
	struct rtc_proxy *proxy;

	if (!has_signature(msg, "sa{sv}as"))
		return;
	dbus_message_iter_init(msg, &iter);
	dbus_message_iter_get_basic(&iter, &interface);
	if (strcmp(interface, RTCD_IFACE_PC) == 0 && rtc_path_is_peer_connection(event.path))
		kind = RTC_PROXY_PEER_CONNECTION;
	else if (strcmp(interface, RTCD_IFACE_DC) == 0 && rtc_path_is_data_channel(event.path))
		kind = RTC_PROXY_DATA_CHANNEL;
	else if (strcmp(interface, RTCD_IFACE_TRANSCEIVER) == 0 &&
		 rtc_path_is_transceiver(event.path))
		kind = RTC_PROXY_TRANSCEIVER;
	else if (strcmp(interface, RTCD_IFACE_TRACK) == 0 && rtc_path_is_track(event.path))
		kind = RTC_PROXY_TRACK;
	else
		return;

	/* One handle for all the properties of this signal. */
	proxy = rtc_proxy_get(client, kind, event.path, NULL);
	if (!proxy)
		return;
	set_handle(&event, proxy);

	dbus_message_iter_next(&iter);
	for (dbus_message_iter_recurse(&iter, &array);
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&array)) {
		char *signature, *text = NULL;

		dbus_message_iter_recurse(&array, &entry);
		dbus_message_iter_get_basic(&entry, &event.property);
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &variant);
		signature = dbus_message_iter_get_signature(&variant);
		if (!signature)
			continue;
		if (dbus_message_iter_get_arg_type(&variant) == DBUS_TYPE_STRING)
			dbus_message_iter_get_basic(&variant, &event.value);
		else
			event.value = text = rtc_value_to_text(&variant);
		event.signature = signature;
		if (event.value)
			emit(client, &event);
		free(text);
		dbus_free(signature);
	}

	dbus_message_iter_next(&iter);
	event.signature = NULL;
	event.value = NULL;
	for (dbus_message_iter_recurse(&iter, &array);
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING;
	     dbus_message_iter_next(&array)) {
		dbus_message_iter_get_basic(&array, &event.property);
		emit(client, &event);
	}
	rtc_proxy_unref(proxy);
}

/* A NULL-terminated array pointing into the message's strings at iter (as). */
static const char **borrow_strv(DBusMessageIter *iter)
{
	DBusMessageIter array;
	size_t n = 0, count = (size_t)dbus_message_iter_get_element_count(iter);
	const char **strv = calloc(count + 1, sizeof(*strv));

	if (!strv)
		return NULL;
	for (dbus_message_iter_recurse(iter, &array);
	     n < count && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING;
	     dbus_message_iter_next(&array))
		dbus_message_iter_get_basic(&array, &strv[n++]);
	return strv;
}

static void on_track(rtc_client *client, DBusMessage *msg, struct rtc_event *event)
{
	struct rtc_proxy *transceiver, *track;
	DBusMessageIter iter;
	const char **stream_ids;

	if (!has_signature(msg, "ooas"))
		return;
	dbus_message_iter_init(msg, &iter);
	dbus_message_iter_get_basic(&iter, &event->transceiver_path);
	dbus_message_iter_next(&iter);
	dbus_message_iter_get_basic(&iter, &event->track_path);
	dbus_message_iter_next(&iter);
	if (!rtc_path_is_transceiver(event->transceiver_path) ||
	    !rtc_path_is_track(event->track_path))
		return;
	stream_ids = borrow_strv(&iter);
	transceiver = rtc_proxy_get(client, RTC_PROXY_TRANSCEIVER, event->transceiver_path,
				    NULL);
	track = rtc_proxy_get(client, RTC_PROXY_TRACK, event->track_path, NULL);
	if (stream_ids && transceiver && track) {
		event->type = RTC_EVENT_TRACK;
		event->stream_ids = stream_ids;
		event->transceiver = (rtc_transceiver *)transceiver;
		event->track = (rtc_track *)track;
		emit_for(client, event, RTC_PROXY_PEER_CONNECTION);
	}
	if (track)
		rtc_proxy_unref(track);
	if (transceiver)
		rtc_proxy_unref(transceiver);
	free(stream_ids);
}

static void on_data_channel(rtc_client *client, DBusMessage *msg, struct rtc_event *event)
{
	const char *channel_path;
	struct rtc_proxy *channel;

	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_OBJECT_PATH, &channel_path,
				   DBUS_TYPE_INVALID) ||
	    !rtc_path_is_data_channel(channel_path))
		return;
	channel = rtc_proxy_get(client, RTC_PROXY_DATA_CHANNEL, channel_path, NULL);
	if (!channel)
		return;
	event->type = RTC_EVENT_DATA_CHANNEL;
	event->data_channel = (rtc_data_channel *)channel;
	emit_for(client, event, RTC_PROXY_PEER_CONNECTION);
	rtc_proxy_unref(channel);
}

static void on_peer_connection_signal(rtc_client *client, DBusMessage *msg)
{
	struct rtc_event event = { .path = dbus_message_get_path(msg) };
	const char *member = dbus_message_get_member(msg);

	if (strcmp(member, "NegotiationNeeded") == 0) {
		if (!has_signature(msg, ""))
			return;
		event.type = RTC_EVENT_NEGOTIATION_NEEDED;
	} else if (strcmp(member, "IceCandidate") == 0) {
		if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &event.candidate,
					   DBUS_TYPE_STRING, &event.sdp_mid, DBUS_TYPE_INT32,
					   &event.sdp_mline_index, DBUS_TYPE_INVALID))
			return;
		event.type = RTC_EVENT_ICE_CANDIDATE;
	} else if (strcmp(member, "IceCandidateError") == 0) {
		if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &event.address,
					   DBUS_TYPE_UINT16, &event.port, DBUS_TYPE_STRING,
					   &event.url, DBUS_TYPE_UINT16, &event.error_code,
					   DBUS_TYPE_STRING, &event.error_message,
					   DBUS_TYPE_INVALID))
			return;
		event.type = RTC_EVENT_ICE_CANDIDATE_ERROR;
	} else if (strcmp(member, "DataChannel") == 0) {
		on_data_channel(client, msg, &event);
		return;
	} else if (strcmp(member, "Track") == 0) {
		on_track(client, msg, &event);
		return;
	} else {
		return;   /* a signal added after this library was built */
	}
	emit_for(client, &event, RTC_PROXY_PEER_CONNECTION);
}

static bool read_message(DBusMessage *msg, struct rtc_event *event)
{
	DBusMessageIter iter, variant, array;
	int length;

	if (!has_signature(msg, "v"))
		return false;
	dbus_message_iter_init(msg, &iter);
	dbus_message_iter_recurse(&iter, &variant);
	switch (dbus_message_iter_get_arg_type(&variant)) {
	case DBUS_TYPE_STRING: {
		const char *text;

		dbus_message_iter_get_basic(&variant, &text);
		event->data = text;
		event->size = strlen(text);
		event->binary = false;
		return true;
	}
	case DBUS_TYPE_ARRAY:
		if (dbus_message_iter_get_element_type(&variant) != DBUS_TYPE_BYTE)
			return false;
		dbus_message_iter_recurse(&variant, &array);
		dbus_message_iter_get_fixed_array(&array, &event->data, &length);
		event->size = (size_t)length;
		event->binary = true;
		return true;
	default:
		return false;
	}
}

static void on_data_channel_signal(rtc_client *client, DBusMessage *msg)
{
	struct rtc_event event = { .path = dbus_message_get_path(msg) };
	const char *member = dbus_message_get_member(msg);
	static const struct {
		const char *member;
		enum rtc_event_type type;
	} plain[] = {
		{ "Open", RTC_EVENT_OPEN },
		{ "BufferedAmountLow", RTC_EVENT_BUFFERED_AMOUNT_LOW },
		{ "Closing", RTC_EVENT_CLOSING },
		{ "Close", RTC_EVENT_CLOSE },
	};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(member, plain[i].member) == 0 && has_signature(msg, ""))
			event.type = plain[i].type;

	if (strcmp(member, "Message") == 0) {
		if (!read_message(msg, &event))
			return;
		event.type = RTC_EVENT_MESSAGE;
	} else if (strcmp(member, "Error") == 0) {
		if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &event.error_name,
					   DBUS_TYPE_STRING, &event.error_message,
					   DBUS_TYPE_INVALID))
			return;
		event.type = RTC_EVENT_ERROR;
	}
	if (event.type)
		emit_for(client, &event, RTC_PROXY_DATA_CHANNEL);
}

static void on_track_signal(rtc_client *client, DBusMessage *msg)
{
	struct rtc_event event = { .path = dbus_message_get_path(msg) };
	const char *member = dbus_message_get_member(msg);

	if (!rtc_path_is_track(event.path) || !has_signature(msg, ""))
		return;
	if (strcmp(member, "Mute") == 0)
		event.type = RTC_EVENT_MUTE;
	else if (strcmp(member, "Unmute") == 0)
		event.type = RTC_EVENT_UNMUTE;
	else if (strcmp(member, "Ended") == 0)
		event.type = RTC_EVENT_ENDED;
	else
		return;
	emit_for(client, &event, RTC_PROXY_TRACK);
}

static void on_manager_signal(rtc_client *client, DBusMessage *msg)
{
	struct rtc_event event = { .type = RTC_EVENT_DEVICE_CHANGE,
				   .path = dbus_message_get_path(msg) };

	if (strcmp(event.path, RTCD_ROOT_PATH) == 0 &&
	    dbus_message_is_signal(msg, RTCD_IFACE_MANAGER, "DeviceChange") &&
	    has_signature(msg, ""))
		emit(client, &event);
}

static void on_interfaces_removed(rtc_client *client, DBusMessage *msg)
{
	struct rtc_event event = { .type = RTC_EVENT_OBJECT_REMOVED };
	DBusMessageIter iter;
	const char **interfaces;
	enum rtc_proxy_kind kind;

	if (!has_signature(msg, "oas"))
		return;
	dbus_message_iter_init(msg, &iter);
	dbus_message_iter_get_basic(&iter, &event.path);
	if (rtc_path_is_peer_connection(event.path))
		kind = RTC_PROXY_PEER_CONNECTION;
	else if (rtc_path_is_data_channel(event.path))
		kind = RTC_PROXY_DATA_CHANNEL;
	else if (rtc_path_is_transceiver(event.path))
		kind = RTC_PROXY_TRANSCEIVER;
	else if (rtc_path_is_track(event.path))
		kind = RTC_PROXY_TRACK;
	else
		return;
	dbus_message_iter_next(&iter);
	interfaces = borrow_strv(&iter);
	if (!interfaces)
		return;
	event.interfaces = interfaces;
	emit_for(client, &event, kind);
	free(interfaces);
}

static bool from_daemon(rtc_client *client, DBusMessage *msg)
{
	const char *sender = dbus_message_get_sender(msg);

	return sender && client->daemon_name && strcmp(sender, client->daemon_name) == 0;
}

DBusHandlerResult rtc_events_filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
	rtc_client *client = data;
	const char *interface;

	if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected")) {
		struct rtc_event event = {
			.type = RTC_EVENT_DISCONNECTED,
			.error_name = DBUS_ERROR_DISCONNECTED,
			.error_message = "The bus connection was closed",
		};

		client->disconnected = true;
		emit(client, &event);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_SIGNAL || !from_daemon(client, msg))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

	interface = dbus_message_get_interface(msg);
	if (!interface || !dbus_message_get_path(msg))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

	if (dbus_message_is_signal(msg, DBUS_INTERFACE_PROPERTIES, "PropertiesChanged"))
		on_properties_changed(client, msg);
	else if (dbus_message_is_signal(msg, "org.freedesktop.DBus.ObjectManager",
					"InterfacesRemoved"))
		on_interfaces_removed(client, msg);
	else if (strcmp(interface, RTCD_IFACE_PC) == 0)
		on_peer_connection_signal(client, msg);
	else if (strcmp(interface, RTCD_IFACE_DC) == 0)
		on_data_channel_signal(client, msg);
	else if (strcmp(interface, RTCD_IFACE_TRACK) == 0)
		on_track_signal(client, msg);
	else if (strcmp(interface, RTCD_IFACE_MANAGER) == 0)
		on_manager_signal(client, msg);
	else
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	return DBUS_HANDLER_RESULT_HANDLED;
}
