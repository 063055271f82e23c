/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.RtpTransceiver at <pc>/transceiver/<k>. Transceivers
 * themselves are JSEP's (engine/jsep): this file puts each on the bus,
 * answers its methods and follows what negotiation settled, announcing
 * what changed and making or freeing its sender (transceiver-send.c) to
 * match. The PeerConnection calls that make them are in
 * peer-connection-media.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-private.h"
#include "common/log.h"

static const char *const direction_names[] = {
	"sendrecv", "sendonly", "recvonly", "inactive", NULL,
};

int rtc_api_parse_direction(const char *s, enum rtc_jsep_direction *out, struct rtc_error *err)
{
	for (int i = 0; direction_names[i]; i++)
		if (strcmp(s, direction_names[i]) == 0) {
			*out = (enum rtc_jsep_direction)i;
			return 0;
		}
	return rtc_error_set(err, RTC_ERROR_TYPE,
			     "direction must be \"sendrecv\", \"sendonly\", \"recvonly\" or \"inactive\", not \"%.32s\"",
			     s);
}

enum rtc_jsep_media_kind rtc_api_track_jsep_kind(const struct rtc_api_track *track)
{
	return track->kind == RTC_MEDIA_AUDIO ? RTC_JSEP_MEDIA_AUDIO : RTC_JSEP_MEDIA_VIDEO;
}

bool rtc_api_transceiver_info(const struct rtc_api_transceiver *t,
			      struct rtc_jsep_transceiver *info)
{
	return rtc_jsep_transceiver_info(t->pc->jsep, t->index, info);
}

struct rtc_api_transceiver *rtc_api_transceiver_by_index(struct rtc_api_pc *pc, size_t index)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (t->index == index)
			return t;
	}
	return NULL;
}

/* A published track of the owner's; others' tracks are as absent as
 * tracks that never were (isolation). */
struct rtc_api_track *rtc_api_find_own_track(struct rtc_api_pc *pc, const char *path,
					     struct rtc_error *err)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &pc->api->tracks) {
		struct rtc_api_track *track = rtc_container_of(pos, struct rtc_api_track, link);
		if (track->object && strcmp(track->path, path) == 0 &&
		    strcmp(track->owner, pc->owner) == 0)
			return track;
	}
	rtc_error_set(err, RTC_ERROR_TYPE, "%.100s is not a track of the caller's", path);
	return NULL;
}

/* ---- properties ------------------------------------------------------- */

static bool append_string(DBusMessageIter *iter, const char *s)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool append_path(DBusMessageIter *iter, const char *s)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_OBJECT_PATH, &s);
}

static bool get_mid(void *data, DBusMessageIter *iter)
{
	struct rtc_jsep_transceiver info;

	return append_string(iter, rtc_api_transceiver_info(data, &info) ? info.mid : "");
}

static bool get_kind(void *data, DBusMessageIter *iter)
{
	struct rtc_jsep_transceiver info;

	rtc_api_transceiver_info(data, &info);
	return append_string(iter, rtc_jsep_media_kind_name(info.kind));
}

static bool get_direction(void *data, DBusMessageIter *iter)
{
	struct rtc_jsep_transceiver info;

	rtc_api_transceiver_info(data, &info);
	return append_string(iter, rtc_jsep_direction_name(info.direction));
}

/* W3C currentDirection: null (here "") until negotiated. */
static bool get_current_direction(void *data, DBusMessageIter *iter)
{
	struct rtc_jsep_transceiver info;

	rtc_api_transceiver_info(data, &info);
	if (info.stopped)
		return append_string(iter, "stopped");
	return append_string(iter, info.has_current_direction
					   ? rtc_jsep_direction_name(info.current_direction) : "");
}

static bool get_sender_track(void *data, DBusMessageIter *iter)
{
	struct rtc_api_transceiver *t = data;

	return append_path(iter, t->track ? t->track->path : "/");
}

static bool get_receiver_track(void *data, DBusMessageIter *iter)
{
	struct rtc_api_transceiver *t = data;

	return append_path(iter, t->remote ? rtc_api_remote_track_path(t->remote) : "/");
}

/* W3C RTCRtpCodecParameters of what negotiation settled. */
static bool get_codecs(void *data, DBusMessageIter *iter)
{
	struct rtc_jsep_transceiver info;
	DBusMessageIter array, dict;

	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "a{sv}", &array))
		return false;
	if (rtc_api_transceiver_info(data, &info) && info.negotiated) {
		for (size_t i = 0; i < info.n_codecs; i++) {
			const struct rtc_jsep_codec *c = &info.codecs[i];
			char mime[32];
			uint8_t channels = (uint8_t)c->channels;

			snprintf(mime, sizeof(mime), "%s/%s",
				 rtc_jsep_media_kind_name(info.kind), c->name);
			rtc_bus_dict_open(&array, &dict);
			rtc_bus_dict_add_string(&dict, "mime-type", mime);
			rtc_bus_dict_add_basic(&dict, "clock-rate", DBUS_TYPE_UINT32, &c->clock_rate);
			if (channels)
				rtc_bus_dict_add_basic(&dict, "channels", DBUS_TYPE_BYTE, &channels);
			if (c->fmtp[0])
				rtc_bus_dict_add_string(&dict, "sdp-fmtp-line", c->fmtp);
			rtc_bus_dict_add_basic(&dict, "payload-type", DBUS_TYPE_BYTE,
					       &c->payload_type);
			rtc_bus_dict_close(&array, &dict);
		}
	}
	return dbus_message_iter_close_container(iter, &array);
}

/* ---- RtpTransceiver methods ------------------------------------------- */

/* Stopping or stopped: W3C's InvalidStateError for most calls. */
static bool refuse_stopped(struct rtc_bus_call *call, struct rtc_api_transceiver *t)
{
	struct rtc_jsep_transceiver info;
	struct rtc_error err = { 0 };

	if (rtc_api_transceiver_info(t, &info) && !info.stopping && !info.stopped)
		return false;
	rtc_error_set(&err, RTC_ERROR_INVALID_STATE, "the transceiver is stopped");
	rtc_bus_reply_error(call, &err);
	return true;
}

static void set_direction(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_transceiver *t = data;
	static const char *const names[] = { "Direction", NULL };
	struct rtc_error err = { 0 };
	enum rtc_jsep_direction dir = RTC_JSEP_SENDRECV;
	const char *s = "";

	dbus_message_get_args(rtc_bus_call_message(call), NULL, DBUS_TYPE_STRING, &s,
			      DBUS_TYPE_INVALID);
	if (rtc_api_parse_direction(s, &dir, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (refuse_stopped(call, t))
		return;
	if (rtc_jsep_set_direction(t->pc->jsep, t->index, dir, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	t->direction = (int)dir;
	rtc_bus_emit_properties_changed(t->object, RTC_API_IFACE_TRANSCEIVER, names);
	rtc_bus_reply_empty(call);
	rtc_api_pc_negotiation_needed(t->pc);
}

static void replace_track(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_transceiver *t = data;
	struct rtc_api_track *track = NULL;
	struct rtc_jsep_transceiver info;
	struct rtc_error err = { 0 };
	const char *path = "/";

	dbus_message_get_args(rtc_bus_call_message(call), NULL, DBUS_TYPE_OBJECT_PATH, &path,
			      DBUS_TYPE_INVALID);
	if (strcmp(path, "/") != 0 && !(track = rtc_api_find_own_track(t->pc, path, &err))) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_api_transceiver_info(t, &info);
	if (track && rtc_api_track_jsep_kind(track) != info.kind) {
		rtc_error_set(&err, RTC_ERROR_TYPE, "a %s track on a %s transceiver",
			      track->kind == RTC_MEDIA_AUDIO ? "audio" : "video",
			      rtc_jsep_media_kind_name(info.kind));
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (refuse_stopped(call, t))
		return;
	/* W3C: no renegotiation; the new track's frames go out under the
	 * same SSRC and msid. */
	rtc_api_transceiver_set_track(t, track);
	rtc_bus_reply_empty(call);
}

static int parameter_key(void *user, const char *key, DBusMessageIter *value,
			 struct rtc_error *err)
{
	struct rtc_media_sender_parameters *p = user;
	dbus_bool_t b;

	if (strcmp(key, "active") == 0) {
		dbus_message_iter_get_basic(value, &b);
		p->active = b;
	} else if (strcmp(key, "max-bitrate") == 0) {
		dbus_message_iter_get_basic(value, &p->max_bitrate);
	} else if (strcmp(key, "max-framerate") == 0) {
		dbus_message_iter_get_basic(value, &p->max_framerate);
		if (!(p->max_framerate >= 0))
			return rtc_error_set(err, RTC_ERROR_RANGE,
					     "max-framerate must not be negative");
	} else {
		dbus_message_iter_get_basic(value, &p->scale_resolution_down_by);
		if (!(p->scale_resolution_down_by >= 1))
			return rtc_error_set(err, RTC_ERROR_RANGE,
					     "scale-resolution-down-by must be at least 1");
	}
	return 0;
}

static void set_parameters(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = {
		"max-bitrate:u", "max-framerate:d", "scale-resolution-down-by:d", "active:b", NULL,
	};
	struct rtc_api_transceiver *t = data;
	struct rtc_media_sender_parameters p = t->params;
	struct rtc_jsep_transceiver info;
	struct rtc_error err = { 0 };
	DBusMessageIter args;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (rtc_bus_dict_parse(&args, keys, parameter_key, &p, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (refuse_stopped(call, t))
		return;
	rtc_api_transceiver_info(t, &info);
	if (info.kind == RTC_JSEP_MEDIA_AUDIO &&
	    (p.scale_resolution_down_by != t->params.scale_resolution_down_by ||
	     p.max_framerate != t->params.max_framerate)) {
		/* W3C: video only; an audio sender has no such encoding member. */
		rtc_error_set(&err, RTC_ERROR_INVALID_MODIFICATION,
			      "max-framerate and scale-resolution-down-by are for video");
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (t->sender && rtc_media_sender_set_parameters(t->sender, &p, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	t->params = p;
	rtc_bus_reply_empty(call);
}

static void stop(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_transceiver *t = data;
	struct rtc_api_pc *pc = t->pc;
	struct rtc_error err = { 0 };

	/* W3C stop() of a stopping transceiver does nothing. */
	if (rtc_jsep_stop_transceiver(t->pc->jsep, t->index, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_api_transceiver_free_sender(t);
	rtc_bus_reply_empty(call);
	/* A transceiver never in a description is stopped at once: the sync
	 * frees it, so t is not used after. */
	rtc_api_pc_sync_transceivers(pc);
	rtc_api_pc_negotiation_needed(pc);
}

static const struct rtc_bus_arg direction_in[] = { { "direction", "s" }, { NULL, NULL } };
static const struct rtc_bus_arg track_in[] = { { "track", "o" }, { NULL, NULL } };
static const struct rtc_bus_arg parameters_in[] = { { "parameters", "a{sv}" }, { NULL, NULL } };

static const struct rtc_bus_method transceiver_methods[] = {
	{ "SetDirection", direction_in, NULL, set_direction, 0 },
	{ "ReplaceTrack", track_in, NULL, replace_track, 0 },
	{ "SetParameters", parameters_in, NULL, set_parameters, 0 },
	{ "Stop", NULL, NULL, stop, 0 },
	{ NULL },
};

static const struct rtc_bus_property transceiver_properties[] = {
	{ "Mid", "s", get_mid, NULL, 0 },
	{ "Kind", "s", get_kind, NULL, 0 },
	{ "Direction", "s", get_direction, NULL, 0 },
	{ "CurrentDirection", "s", get_current_direction, NULL, 0 },
	{ "SenderTrack", "o", get_sender_track, NULL, 0 },
	{ "ReceiverTrack", "o", get_receiver_track, NULL, 0 },
	{ "Codecs", "aa{sv}", get_codecs, NULL, 0 },
	{ NULL },
};

static const struct rtc_bus_interface transceiver_interface = {
	.name = RTC_API_IFACE_TRANSCEIVER,
	.methods = transceiver_methods,
	.properties = transceiver_properties,
};

static const struct rtc_bus_interface *const transceiver_interfaces[] = {
	&transceiver_interface, NULL,
};

/* ---- lifetime ---------------------------------------------------------- */

static struct rtc_api_transceiver *transceiver_new(struct rtc_api_pc *pc, size_t index,
						   const struct rtc_jsep_transceiver *info)
{
	struct rtc_api_transceiver *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->pc = pc;
	t->index = index;
	rtc_list_init(&t->track_link);
	rtc_media_sender_parameters_default(&t->params);
	memcpy(t->mid, info->mid, sizeof(t->mid));
	t->direction = (int)info->direction;
	t->current_direction = info->has_current_direction ? (int)info->current_direction : -1;
	t->n_codecs = info->negotiated ? info->n_codecs : 0;
	/* Unguessable, never reused, like every object number. */
	snprintf(t->path, sizeof(t->path), "%s/transceiver/%" PRIu64, pc->path,
		 rtc_bus_new_object_number(pc->api->bus));
	t->object = rtc_bus_object_add(pc->api->bus, t->path, pc->owner, transceiver_interfaces,
				       t);
	if (!t->object) {
		free(t);
		return NULL;
	}
	rtc_list_append(&pc->transceivers, &t->link);
	return t;
}

static void transceiver_free(struct rtc_api_transceiver *t)
{
	if (t->track)
		rtc_list_unlink(&t->track_link);
	rtc_api_transceiver_free_sender(t);
	rtc_api_remote_track_free(t->remote);
	rtc_bus_object_remove(t->object);
	rtc_list_unlink(&t->link);
	free(t);
}

static bool receives(int direction)
{
	return direction == RTC_JSEP_SENDRECV || direction == RTC_JSEP_RECVONLY;
}

/* Announces what negotiation changed of one transceiver. */
static void announce_changes(struct rtc_api_transceiver *t, const struct rtc_jsep_transceiver *info)
{
	const char *names[5];
	size_t n = 0, n_codecs = info->negotiated ? info->n_codecs : 0;
	int current = info->has_current_direction ? (int)info->current_direction : -1;

	if (strcmp(t->mid, info->mid) != 0)
		names[n++] = "Mid";
	if (t->direction != (int)info->direction)
		names[n++] = "Direction";
	if (t->current_direction != current)
		names[n++] = "CurrentDirection";
	if (t->n_codecs != n_codecs)
		names[n++] = "Codecs";
	names[n] = NULL;
	memcpy(t->mid, info->mid, sizeof(t->mid));
	t->direction = (int)info->direction;
	t->current_direction = current;
	t->n_codecs = n_codecs;
	if (n)
		rtc_bus_emit_properties_changed(t->object, RTC_API_IFACE_TRANSCEIVER, names);
	/* W3C: the description that takes "recv" away mutes the remote track
	 * then, not a second later when frames are missed. */
	if (current >= 0)
		rtc_api_remote_track_set_receiving(t->remote, receives(current));
}

void rtc_api_pc_sync_transceivers(struct rtc_api_pc *pc)
{
	static const char *const names[] = { "Transceivers", NULL };
	size_t count = rtc_jsep_transceiver_count(pc->jsep);
	struct rtc_jsep_transceiver info;
	struct rtc_list *pos, *tmp;
	bool changed = false;

	/* W3C getTransceivers() leaves stopped ones out: their objects go. */
	rtc_list_for_each_safe(pos, tmp, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (!rtc_api_transceiver_info(t, &info) || info.stopped) {
			transceiver_free(t);
			changed = true;
			continue;
		}
		announce_changes(t, &info);
		rtc_api_transceiver_update_sender(t);
	}
	/* New ones: made by a call, or by a remote offer. */
	for (size_t i = pc->transceivers_seen; i < count; i++) {
		if (!rtc_jsep_transceiver_info(pc->jsep, i, &info) || info.stopped)
			continue;
		if (!transceiver_new(pc, i, &info)) {
			rtc_warn("%s: no object for transceiver %zu", pc->path, i);
			continue;
		}
		changed = true;
	}
	if (count > pc->transceivers_seen)
		pc->transceivers_seen = count;
	if (changed)
		rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION, names);
}

void rtc_api_pc_free_transceivers(struct rtc_api_pc *pc)
{
	while (!rtc_list_is_empty(&pc->transceivers))
		transceiver_free(rtc_container_of(pc->transceivers.next,
						  struct rtc_api_transceiver, link));
}
