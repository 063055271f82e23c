/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Manager.GetUserMedia and EnumerateDevices: the calls that hand out
 * tracks and say what can be captured.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

RTC_EXPORT void rtc_track_array_free(rtc_track **tracks)
{
	if (!tracks)
		return;
	for (rtc_track **t = tracks; *t; t++)
		rtc_track_unref(*t);
	free(tracks);
}

/* The "ao" reply as handles; NULL with error set on a bad reply. */
static rtc_track **read_tracks(rtc_client *client, DBusMessage *reply, rtc_error *error)
{
	DBusMessageIter iter, array;
	rtc_track **tracks;
	size_t n = 0;

	if (!dbus_message_has_signature(reply, "ao")) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
			       "GetUserMedia answered \"%s\", not \"ao\"",
			       dbus_message_get_signature(reply));
		return NULL;
	}
	dbus_message_iter_init(reply, &iter);
	tracks = calloc((size_t)dbus_message_iter_get_element_count(&iter) + 1, sizeof(*tracks));
	if (!tracks) {
		rtc_error_set_oom(error);
		return NULL;
	}
	for (dbus_message_iter_recurse(&iter, &array);
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_OBJECT_PATH;
	     dbus_message_iter_next(&array)) {
		const char *path;

		dbus_message_iter_get_basic(&array, &path);
		if (!rtc_path_is_track(path)) {
			rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
				       "GetUserMedia answered \"%s\", which is no track", path);
			rtc_track_array_free(tracks);
			return NULL;
		}
		tracks[n] = (rtc_track *)rtc_proxy_get(client, RTC_PROXY_TRACK, path, error);
		if (!tracks[n]) {
			rtc_track_array_free(tracks);
			return NULL;
		}
		n++;
	}
	return tracks;
}

RTC_EXPORT rtc_track **rtc_client_get_user_media(rtc_client *client,
						 const struct rtc_media_constraints *constraints,
						 rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;
	rtc_track **tracks;

	call = rtc_client_new_call(RTCD_ROOT_PATH, RTCD_IFACE_MANAGER, "GetUserMedia", error);
	if (!call)
		return NULL;
	dbus_message_iter_init_append(call, &iter);
	if (!rtc_encode_media_constraints(&iter, constraints, error)) {
		dbus_message_unref(call);
		return NULL;
	}
	rtc_client_watch_devices(client);
	reply = rtc_client_call(client, call, error);
	if (!reply)
		return NULL;
	tracks = read_tracks(client, reply, error);
	dbus_message_unref(reply);
	return tracks;
}

RTC_EXPORT void rtc_media_devices_free(struct rtc_media_device *devices, size_t n_devices)
{
	if (!devices)
		return;
	for (size_t i = 0; i < n_devices; i++) {
		free(devices[i].device_id);
		free(devices[i].kind);
		free(devices[i].label);
		free(devices[i].group_id);
	}
	free(devices);
}

RTC_EXPORT struct rtc_media_device *rtc_client_enumerate_devices(rtc_client *client,
								 size_t *n_devices,
								 rtc_error *error)
{
	DBusMessageIter iter, array, fields;
	struct rtc_media_device *devices;
	DBusMessage *reply;
	size_t n = 0;

	*n_devices = 0;
	rtc_client_watch_devices(client);
	reply = rtc_client_call(client,
				rtc_client_new_call(RTCD_ROOT_PATH, RTCD_IFACE_MANAGER,
						    "EnumerateDevices", error),
				error);
	if (!reply)
		return NULL;
	if (!dbus_message_has_signature(reply, "a(ssss)")) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
			       "EnumerateDevices answered \"%s\", not \"a(ssss)\"",
			       dbus_message_get_signature(reply));
		dbus_message_unref(reply);
		return NULL;
	}
	dbus_message_iter_init(reply, &iter);
	/* One more than needed, so that no devices is not a NULL result. */
	devices = calloc((size_t)dbus_message_iter_get_element_count(&iter) + 1,
			 sizeof(*devices));
	if (!devices)
		goto oom;
	for (dbus_message_iter_recurse(&iter, &array);
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
	     dbus_message_iter_next(&array)) {
		char **field[4] = { &devices[n].device_id, &devices[n].kind, &devices[n].label,
				    &devices[n].group_id };

		n++;
		dbus_message_iter_recurse(&array, &fields);
		for (size_t f = 0; f < 4; f++, dbus_message_iter_next(&fields)) {
			const char *s;

			dbus_message_iter_get_basic(&fields, &s);
			if (!(*field[f] = strdup(s)))
				goto oom;
		}
	}
	dbus_message_unref(reply);
	*n_devices = n;
	return devices;
oom:
	rtc_media_devices_free(devices, n);
	dbus_message_unref(reply);
	rtc_error_set_oom(error);
	return NULL;
}
