/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.MediaStreamTrack, local (GetUserMedia) and remote (a
 * transceiver's receiver): each function is one method call or one
 * property access.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define TRACK_PATH(t) ((t)->proxy.path)
#define TRACK_CLIENT(t) ((t)->proxy.client)

RTC_EXPORT rtc_track *rtc_client_get_track(rtc_client *client, const char *path,
					   rtc_error *error)
{
	if (!rtc_path_is_track(path)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "\"%s\" is not a track path",
			       path ? path : "(null)");
		return NULL;
	}
	return (rtc_track *)rtc_proxy_get(client, RTC_PROXY_TRACK, path, error);
}

RTC_EXPORT rtc_track *rtc_track_ref(rtc_track *track)
{
	if (track)
		rtc_proxy_ref(&track->proxy);
	return track;
}

RTC_EXPORT void rtc_track_unref(rtc_track *track)
{
	if (track)
		rtc_proxy_unref(&track->proxy);
}

RTC_EXPORT const char *rtc_track_get_path(const rtc_track *track)
{
	return TRACK_PATH(track);
}

RTC_EXPORT rtc_client *rtc_track_get_client(const rtc_track *track)
{
	return TRACK_CLIENT(track);
}

RTC_EXPORT void rtc_track_set_user_data(rtc_track *track, void *user_data)
{
	track->proxy.user_data = user_data;
}

RTC_EXPORT void *rtc_track_get_user_data(const rtc_track *track)
{
	return track->proxy.user_data;
}

static char *get_string(rtc_track *track, const char *name, rtc_error *error)
{
	return rtc_client_get_string_property(TRACK_CLIENT(track), TRACK_PATH(track),
					      RTCD_IFACE_TRACK, name, error);
}

RTC_EXPORT char *rtc_track_get_id(rtc_track *track, rtc_error *error)
{
	return get_string(track, "Id", error);
}

RTC_EXPORT char *rtc_track_get_kind(rtc_track *track, rtc_error *error)
{
	return get_string(track, "Kind", error);
}

RTC_EXPORT char *rtc_track_get_label(rtc_track *track, rtc_error *error)
{
	return get_string(track, "Label", error);
}

RTC_EXPORT char *rtc_track_get_ready_state(rtc_track *track, rtc_error *error)
{
	return get_string(track, "ReadyState", error);
}

RTC_EXPORT char *rtc_track_get_pipewire_node(rtc_track *track, rtc_error *error)
{
	return get_string(track, "PipeWireNode", error);
}

static int get_bool(rtc_track *track, const char *name, bool *value, rtc_error *error)
{
	return rtc_client_get_bool_property(TRACK_CLIENT(track), TRACK_PATH(track),
					    RTCD_IFACE_TRACK, name, value, error);
}

RTC_EXPORT int rtc_track_get_enabled(rtc_track *track, bool *enabled, rtc_error *error)
{
	return get_bool(track, "Enabled", enabled, error);
}

RTC_EXPORT int rtc_track_set_enabled(rtc_track *track, bool enabled, rtc_error *error)
{
	return rtc_client_set_bool_property(TRACK_CLIENT(track), TRACK_PATH(track),
					    RTCD_IFACE_TRACK, "Enabled", enabled, error);
}

RTC_EXPORT int rtc_track_get_muted(rtc_track *track, bool *muted, rtc_error *error)
{
	return get_bool(track, "Muted", muted, error);
}

RTC_EXPORT int rtc_track_get_remote(rtc_track *track, bool *remote, rtc_error *error)
{
	return get_bool(track, "Remote", remote, error);
}

RTC_EXPORT int rtc_track_stop(rtc_track *track, rtc_error *error)
{
	return rtc_client_call_simple(TRACK_CLIENT(track), TRACK_PATH(track), RTCD_IFACE_TRACK,
				      "Stop", error);
}

/* A call whose reply is one a{sv}. */
static rtc_dict *get_dict(rtc_track *track, const char *method, rtc_error *error)
{
	DBusMessage *reply;
	DBusMessageIter iter;
	rtc_dict *dict = NULL;

	reply = rtc_client_call(TRACK_CLIENT(track),
				rtc_client_new_call(TRACK_PATH(track), RTCD_IFACE_TRACK, method,
						    error),
				error);
	if (!reply)
		return NULL;
	if (dbus_message_iter_init(reply, &iter))
		dict = rtc_dict_from_iter(&iter, error);
	else
		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE, "%s answered nothing",
			       method);
	dbus_message_unref(reply);
	return dict;
}

RTC_EXPORT rtc_dict *rtc_track_get_settings(rtc_track *track, rtc_error *error)
{
	return get_dict(track, "GetSettings", error);
}

RTC_EXPORT rtc_dict *rtc_track_get_stats(rtc_track *track, rtc_error *error)
{
	return get_dict(track, "GetStats", error);
}

RTC_EXPORT int rtc_track_apply_constraints(rtc_track *track,
					   const struct rtc_track_constraints *constraints,
					   rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;

	call = rtc_client_new_call(TRACK_PATH(track), RTCD_IFACE_TRACK, "ApplyConstraints",
				   error);
	if (!call)
		return -1;
	dbus_message_iter_init_append(call, &iter);
	/* The daemon knows the track's kind and judges the keys. */
	if (!rtc_encode_track_constraints(&iter, NULL, constraints, error)) {
		dbus_message_unref(call);
		return -1;
	}
	reply = rtc_client_call(TRACK_CLIENT(track), call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

RTC_EXPORT int rtc_track_play(rtc_track *track, const char *target, rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter, dict;

	if (target && !dbus_validate_utf8(target, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "The target must be UTF-8");
		return -1;
	}
	call = rtc_client_new_call(TRACK_PATH(track), RTCD_IFACE_TRACK, "Play", error);
	if (!call)
		return -1;
	dbus_message_iter_init_append(call, &iter);
	if (!dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict) ||
	    (target && !rtc_encode_dict_entry(&dict, "target", DBUS_TYPE_STRING, &target)) ||
	    !dbus_message_iter_close_container(&iter, &dict)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return -1;
	}
	reply = rtc_client_call(TRACK_CLIENT(track), call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}
