/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager's media calls: GetUserMedia, EnumerateDevices and the
 * DeviceChange signal. GetUserMedia answers once every device asked for
 * delivered its first frame, or with the first reason one could not —
 * then none of the tracks is kept, as in W3C.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api-private.h"
#include "common/log.h"

struct rtc_api_user_media {
	struct rtc_list link;           /* in rtc_api.user_media */
	struct rtc_api *api;
	struct rtc_bus_call *call;
	char *owner;
	struct rtc_api_track *tracks[2]; /* audio first, as W3C lists them */
	size_t n_tracks;
	size_t pending;                 /* captures not opened yet */
	struct rtc_error err;           /* the first failure */
};

/* ---- constraints ------------------------------------------------------ */

int rtc_api_constraint_key(void *user, const char *key, DBusMessageIter *value,
			   struct rtc_error *err)
{
	struct rtc_media_constraints *c = user;

	if (strcmp(key, "device-id") == 0) {
		dbus_message_iter_get_basic(value, &c->device_id);
		if (!c->device_id[0] || strlen(c->device_id) >= RTC_MEDIA_MAX_ID)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "device-id must be 1 to %d bytes",
					     RTC_MEDIA_MAX_ID - 1);
		return 0;
	}
	if (strcmp(key, "frame-rate") == 0) {
		dbus_message_iter_get_basic(value, &c->frame_rate);
		if (!(c->frame_rate > 0 && c->frame_rate <= 1000))
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "frame-rate must be above 0 and at most 1000");
		return 0;
	}

	uint32_t *field = strcmp(key, "width") == 0 ? &c->width :
			  strcmp(key, "height") == 0 ? &c->height :
			  strcmp(key, "sample-rate") == 0 ? &c->sample_rate :
			  strcmp(key, "channels") == 0 ? &c->channels : NULL;
	if (field) {
		dbus_message_iter_get_basic(value, field);
		if (*field == 0)
			return rtc_error_set(err, RTC_ERROR_TYPE, "%s must be above 0", key);
	}
	return 0;
}

struct gum_request {
	bool want[2];                   /* by enum rtc_media_kind */
	struct rtc_media_constraints c[2];
	int pipewire_fd;
};

static int kind_constraints(struct gum_request *r, enum rtc_media_kind kind,
			    DBusMessageIter *value, struct rtc_error *err)
{
	static const char *const video_keys[] = {
		"device-id:s", "width:u", "height:u", "frame-rate:d", NULL,
	};
	static const char *const audio_keys[] = {
		"device-id:s", "sample-rate:u", "channels:u", NULL,
	};

	if (dbus_message_iter_get_arg_type(value) == DBUS_TYPE_BOOLEAN) {
		dbus_bool_t b;

		dbus_message_iter_get_basic(value, &b);
		r->want[kind] = b;
		return 0;
	}
	r->want[kind] = true;
	return rtc_bus_dict_parse(value, kind == RTC_MEDIA_VIDEO ? video_keys : audio_keys,
				  rtc_api_constraint_key, &r->c[kind], err);
}

static int gum_key(void *user, const char *key, DBusMessageIter *value, struct rtc_error *err)
{
	struct gum_request *r = user;

	if (strcmp(key, "audio") == 0)
		return kind_constraints(r, RTC_MEDIA_AUDIO, value, err);
	if (strcmp(key, "video") == 0)
		return kind_constraints(r, RTC_MEDIA_VIDEO, value, err);
	if (strcmp(key, "pipewire-fd") == 0)
		dbus_message_iter_get_basic(value, &r->pipewire_fd);  /* ours to close */
	return 0;
}

/* ---- GetUserMedia ----------------------------------------------------- */

static void request_free(struct rtc_api_user_media *um)
{
	rtc_list_unlink(&um->link);
	free(um->owner);
	free(um);
}

static void finish(struct rtc_api_user_media *um)
{
	struct rtc_error err = um->err;

	for (size_t i = 0; err.kind == RTC_ERROR_NONE && i < um->n_tracks; i++)
		rtc_api_track_publish(um->tracks[i], &err);
	if (err.kind != RTC_ERROR_NONE) {
		for (size_t i = 0; i < um->n_tracks; i++)
			rtc_api_track_free(um->tracks[i]);
		rtc_bus_reply_error(um->call, &err);
		request_free(um);
		return;
	}

	DBusMessage *reply = rtc_bus_reply_new(um->call);
	DBusMessageIter args, paths;

	dbus_message_iter_init_append(reply, &args);
	dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "o", &paths);
	for (size_t i = 0; i < um->n_tracks; i++) {
		const char *path = rtc_api_track_path(um->tracks[i]);

		um->tracks[i]->request = NULL;
		dbus_message_iter_append_basic(&paths, DBUS_TYPE_OBJECT_PATH, &path);
	}
	dbus_message_iter_close_container(&args, &paths);
	rtc_bus_reply(um->call, reply);
	request_free(um);
}

void rtc_api_user_media_opened(struct rtc_api_track *track, const struct rtc_error *err)
{
	struct rtc_api_user_media *um = track->request;

	if (err && um->err.kind == RTC_ERROR_NONE)
		um->err = *err;
	if (--um->pending == 0)
		finish(um);
}

void rtc_api_get_user_media(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = {
		"audio:b|a{sv}", "video:b|a{sv}", "pipewire-fd:h", NULL,
	};
	struct rtc_api *api = data;
	struct gum_request r = {
		.c = { { .kind = RTC_MEDIA_AUDIO }, { .kind = RTC_MEDIA_VIDEO } },
		.pipewire_fd = -1,
	};
	struct rtc_error err = { 0 };
	struct rtc_media_remote *remote = NULL;
	struct rtc_api_user_media *um = NULL;
	const char *owner = rtc_bus_call_sender(call);
	DBusMessageIter args;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (rtc_bus_dict_parse(&args, keys, gum_key, &r, &err) < 0)
		goto fail;
	if (!r.want[RTC_MEDIA_AUDIO] && !r.want[RTC_MEDIA_VIDEO]) {
		rtc_error_set(&err, RTC_ERROR_TYPE, "neither audio nor video asked for");
		goto fail;
	}
	if (r.pipewire_fd >= 0) {
		remote = rtc_media_remote_new(api->media, r.pipewire_fd, &err);
		r.pipewire_fd = -1;     /* taken over */
		if (!remote)
			goto fail;
	}
	/* The daemon's own PipeWire sees every camera: a sandboxed app gets
	 * only what its portal-granted connection shows it. */
	r.c[RTC_MEDIA_AUDIO].sandboxed = r.c[RTC_MEDIA_VIDEO].sandboxed =
		rtc_bus_call_sandboxed(call);

	um = calloc(1, sizeof(*um));
	if (!um || !(um->owner = strdup(owner))) {
		rtc_error_set(&err, RTC_ERROR_OPERATION, "out of memory");
		goto fail;
	}
	um->api = api;
	um->call = call;
	rtc_list_append(&api->user_media, &um->link);
	bool failed = false;
	for (int kind = RTC_MEDIA_AUDIO; kind <= RTC_MEDIA_VIDEO && !failed; kind++) {
		struct rtc_api_track *track;

		if (!r.want[kind])
			continue;
		if (rtc_api_track_open(api, owner, &r.c[kind], remote, &track, &err) < 0) {
			failed = true;
			break;
		}
		track->request = um;
		um->tracks[um->n_tracks++] = track;
		um->pending++;
	}
	rtc_media_remote_unref(remote);  /* the captures hold theirs */
	if (failed) {
		for (size_t i = 0; i < um->n_tracks; i++)
			rtc_api_track_free(um->tracks[i]);
		request_free(um);
		if (err.kind == RTC_ERROR_NONE)  /* a quota */
			rtc_bus_reply_limits_exceeded(call, &err);
		else
			rtc_bus_reply_error(call, &err);
		return;
	}
	return;  /* answered when the captures have opened */

fail:
	if (r.pipewire_fd >= 0)
		close(r.pipewire_fd);
	rtc_media_remote_unref(remote);
	if (um) {
		free(um->owner);
		free(um);
	}
	rtc_bus_reply_error(call, &err);
}

void rtc_api_media_client_gone(struct rtc_api *api, const char *owner)
{
	struct rtc_list *pos, *tmp;

	rtc_list_for_each_safe(pos, tmp, &api->user_media) {
		struct rtc_api_user_media *um = rtc_container_of(pos, struct rtc_api_user_media,
								  link);
		struct rtc_error err;

		if (owner && strcmp(um->owner, owner) != 0)
			continue;
		for (size_t i = 0; i < um->n_tracks; i++)
			rtc_api_track_free(um->tracks[i]);
		rtc_error_set(&err, RTC_ERROR_OPERATION, "the caller left or rtcd stops");
		rtc_bus_reply_error(um->call, &err);
		request_free(um);
	}
	rtc_list_for_each_safe(pos, tmp, &api->tracks) {
		struct rtc_api_track *track = rtc_container_of(pos, struct rtc_api_track, link);

		if (!owner || strcmp(track->owner, owner) == 0)
			rtc_api_track_free(track);
	}
}

/* ---- EnumerateDevices, DeviceChange -------------------------------------- */

void rtc_api_enumerate_devices(struct rtc_bus_call *call, void *data)
{
	struct rtc_api *api = data;
	const struct rtc_media_device *devices;
	size_t n = rtc_media_devices_list(api->media, &devices);
	bool sandboxed = rtc_bus_call_sandboxed(call);
	DBusMessage *reply = rtc_bus_reply_new(call);
	DBusMessageIter args, list, entry;

	dbus_message_iter_init_append(reply, &args);
	dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "(ssss)", &list);
	for (size_t i = 0; i < n; i++) {
		/* A sandboxed app sees the host's devices only through the
		 * PipeWire connection its portal gives it. */
		if (sandboxed && !devices[i].fake)
			continue;
		dbus_message_iter_open_container(&list, DBUS_TYPE_STRUCT, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &devices[i].id);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &devices[i].kind);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &devices[i].label);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &devices[i].group);
		dbus_message_iter_close_container(&list, &entry);
	}
	dbus_message_iter_close_container(&args, &list);
	rtc_bus_reply(call, reply);
}

void rtc_api_devices_changed(void *user)
{
	struct rtc_api *api = user;

	rtc_bus_signal_send(api->manager,
			    rtc_bus_signal_new(api->manager, RTC_API_IFACE_MANAGER, "DeviceChange"));
}
