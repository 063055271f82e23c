/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PeerConnection.AddTrack, RemoveTrack, AddTransceiver and Transceivers:
 * what puts tracks on a connection.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The reply's one "o", a transceiver, as a handle. */
static rtc_transceiver *read_transceiver(rtc_client *client, DBusMessage *reply,
					 const char *method, rtc_error *error)
{
	rtc_transceiver *transceiver = NULL;
	const char *path;

	if (!rtc_reply_read(reply, DBUS_TYPE_OBJECT_PATH, &path, error))
		return NULL;
	if (!rtc_path_is_transceiver(path))
		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
			       "%s answered \"%s\", which is no transceiver", method, path);
	else
		transceiver = (rtc_transceiver *)rtc_proxy_get(client, RTC_PROXY_TRANSCEIVER,
							       path, error);
	dbus_message_unref(reply);
	return transceiver;
}

RTC_EXPORT rtc_transceiver *rtc_peer_connection_add_track(rtc_peer_connection *pc,
							  rtc_track *track,
							  const char *const *stream_ids,
							  rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;
	const char *track_path;

	if (!track) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "AddTrack needs a track");
		return NULL;
	}
	track_path = track->proxy.path;
	call = rtc_client_new_call(pc->proxy.path, RTCD_IFACE_PC, "AddTrack", error);
	if (!call)
		return NULL;
	dbus_message_iter_init_append(call, &iter);
	if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_OBJECT_PATH, &track_path)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return NULL;
	}
	if (!rtc_encode_strv(&iter, stream_ids, error)) {
		dbus_message_unref(call);
		return NULL;
	}
	reply = rtc_client_call(pc->proxy.client, call, error);
	if (!reply)
		return NULL;
	return read_transceiver(pc->proxy.client, reply, "AddTrack", error);
}

RTC_EXPORT int rtc_peer_connection_remove_track(rtc_peer_connection *pc,
						rtc_transceiver *transceiver, rtc_error *error)
{
	DBusMessage *call, *reply;
	const char *path;

	if (!transceiver) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "RemoveTrack needs a transceiver");
		return -1;
	}
	path = transceiver->proxy.path;
	call = rtc_client_new_call(pc->proxy.path, RTCD_IFACE_PC, "RemoveTrack", error);
	if (!call)
		return -1;
	if (!dbus_message_append_args(call, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return -1;
	}
	reply = rtc_client_call(pc->proxy.client, call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

RTC_EXPORT rtc_transceiver *rtc_peer_connection_add_transceiver(
	rtc_peer_connection *pc, const char *kind, const struct rtc_transceiver_init *init,
	rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;

	if (!kind || !dbus_validate_utf8(kind, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "The kind must be a UTF-8 string");
		return NULL;
	}
	call = rtc_client_new_call(pc->proxy.path, RTCD_IFACE_PC, "AddTransceiver", error);
	if (!call)
		return NULL;
	dbus_message_iter_init_append(call, &iter);
	if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &kind)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return NULL;
	}
	if (!rtc_encode_transceiver_init(&iter, init, error)) {
		dbus_message_unref(call);
		return NULL;
	}
	reply = rtc_client_call(pc->proxy.client, call, error);
	if (!reply)
		return NULL;
	return read_transceiver(pc->proxy.client, reply, "AddTransceiver", error);
}

RTC_EXPORT char **rtc_peer_connection_get_transceiver_paths(rtc_peer_connection *pc,
							    rtc_error *error)
{
	return rtc_client_get_paths_property(pc->proxy.client, pc->proxy.path, RTCD_IFACE_PC,
					     "Transceivers", error);
}
