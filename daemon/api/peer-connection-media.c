/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PeerConnection's media surface: AddTrack, RemoveTrack and
 * AddTransceiver, the Transceivers property, and what arrives from the
 * peer: the Track signal (W3C "track") and its frames, handed to each
 * transceiver's remote track to decode.
 */
#include <string.h>

#include "api/api-private.h"
#include "common/log.h"
#include "engine/sdp/sdp.h"

static bool append_path(DBusMessageIter *iter, const char *s)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_OBJECT_PATH, &s);
}

static struct rtc_api_transceiver *by_path(struct rtc_api_pc *pc, const char *path)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (strcmp(t->path, path) == 0)
			return t;
	}
	return NULL;
}

static int parse_kind(const char *s, enum rtc_jsep_media_kind *out, struct rtc_error *err)
{
	if (strcmp(s, "audio") == 0)
		*out = RTC_JSEP_MEDIA_AUDIO;
	else if (strcmp(s, "video") == 0)
		*out = RTC_JSEP_MEDIA_VIDEO;
	else
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "kind must be \"audio\" or \"video\", not \"%.32s\"", s);
	return 0;
}

/* ---- the receiving side ------------------------------------------------ */

void rtc_api_pc_track(struct rtc_api_pc *pc, size_t index)
{
	static const char *const names[] = { "ReceiverTrack", NULL };
	struct rtc_api_transceiver *t;
	struct rtc_jsep_transceiver info;
	const char *ids[RTC_JSEP_MAX_STREAM_IDS], *track_path;
	DBusMessage *m;
	DBusMessageIter args, array;

	/* A remote offer may have made the transceiver. */
	rtc_api_pc_sync_transceivers(pc);
	if (!(t = rtc_api_transceiver_by_index(pc, index)) || !rtc_api_transceiver_info(t, &info))
		return;
	if (!t->remote) {
		t->remote = rtc_api_remote_track_new(
			t, info.kind == RTC_JSEP_MEDIA_AUDIO ? RTC_MEDIA_AUDIO : RTC_MEDIA_VIDEO,
			info.remote_track_id);
		if (!t->remote) {
			rtc_warn("%s: no object for the remote track", t->path);
			return;
		}
		rtc_bus_emit_properties_changed(t->object, RTC_API_IFACE_TRANSCEIVER, names);
	}
	/* W3C "track" event: transceiver, track, the sender's stream ids. */
	for (size_t i = 0; i < info.n_remote_stream_ids; i++)
		ids[i] = info.remote_stream_ids[i];
	m = rtc_bus_signal_new(pc->object, RTC_API_IFACE_PEER_CONNECTION, "Track");
	track_path = rtc_api_remote_track_path(t->remote);
	dbus_message_iter_init_append(m, &args);
	append_path(&args, t->path);
	append_path(&args, track_path);
	dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "s", &array);
	for (size_t i = 0; i < info.n_remote_stream_ids; i++)
		dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &ids[i]);
	dbus_message_iter_close_container(&args, &array);
	rtc_bus_signal_send(pc->object, m);
}

void rtc_api_pc_media_frame(struct rtc_api_pc *pc, size_t index, const struct rtc_recv_frame *frame)
{
	struct rtc_api_transceiver *t = rtc_api_transceiver_by_index(pc, index);

	if (t && t->remote)
		rtc_api_remote_track_frame(t->remote, frame);
}

const struct rtc_media_receiver *rtc_api_pc_receiver(struct rtc_api_pc *pc, size_t index)
{
	struct rtc_api_transceiver *t = rtc_api_transceiver_by_index(pc, index);

	return t ? rtc_api_remote_track_receiver(t->remote) : NULL;
}

bool rtc_api_pc_get_transceivers(void *data, DBusMessageIter *iter)
{
	struct rtc_api_pc *pc = data;
	DBusMessageIter array;
	struct rtc_list *pos;

	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "o", &array))
		return false;
	rtc_list_for_each(pos, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (!append_path(&array, t->path))
			return false;
	}
	return dbus_message_iter_close_container(iter, &array);
}

/* ---- PeerConnection methods -------------------------------------------- */

/* A description has at most RTC_SDP_MAX_MEDIA sections, so more
 * transceivers could never be offered; JSEP keeps stopped ones too, so
 * the bound also caps what add-and-stop loops cost. */
static bool refuse_too_many(struct rtc_bus_call *call, struct rtc_api_pc *pc)
{
	struct rtc_error err = { 0 };

	if (rtc_jsep_transceiver_count(pc->jsep) < RTC_SDP_MAX_MEDIA)
		return false;
	rtc_error_set(&err, RTC_ERROR_NONE, "a peer connection has at most %d transceivers",
		      RTC_SDP_MAX_MEDIA);
	rtc_bus_reply_limits_exceeded(call, &err);
	return true;
}

/* At most RTC_JSEP_MAX_STREAM_IDS stream ids, from an `as`; they live in
 * the message. */
static int read_stream_ids(DBusMessageIter *array, const char **ids, size_t *n,
			   struct rtc_error *err)
{
	DBusMessageIter it;

	*n = 0;
	dbus_message_iter_recurse(array, &it);
	while (dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_STRING) {
		if (*n == RTC_JSEP_MAX_STREAM_IDS)
			return rtc_error_set(err, RTC_ERROR_TYPE, "at most %d stream ids",
					     RTC_JSEP_MAX_STREAM_IDS);
		dbus_message_iter_get_basic(&it, &ids[(*n)++]);
		dbus_message_iter_next(&it);
	}
	return 0;
}

static void reply_transceiver(struct rtc_bus_call *call, struct rtc_api_pc *pc, size_t index)
{
	struct rtc_api_transceiver *t;
	struct rtc_error err = { 0 };
	DBusMessage *reply;
	const char *path;

	rtc_api_pc_sync_transceivers(pc);
	t = rtc_api_transceiver_by_index(pc, index);
	if (!t) {
		rtc_error_set(&err, RTC_ERROR_OPERATION, "no object for the transceiver");
		rtc_bus_reply_error(call, &err);
		return;
	}
	reply = rtc_bus_reply_new(call);
	path = t->path;
	dbus_message_append_args(reply, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID);
	rtc_bus_reply(call, reply);
	rtc_api_pc_negotiation_needed(pc);
}

void rtc_api_pc_add_track(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_pc *pc = data;
	const char *ids[RTC_JSEP_MAX_STREAM_IDS], *path;
	struct rtc_api_track *track;
	struct rtc_error err = { 0 };
	DBusMessageIter args;
	size_t n_ids, index;

	if (refuse_too_many(call, pc))
		return;
	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	dbus_message_iter_get_basic(&args, &path);
	dbus_message_iter_next(&args);
	if (!(track = rtc_api_find_own_track(pc, path, &err)) ||
	    read_stream_ids(&args, ids, &n_ids, &err) < 0 ||
	    rtc_jsep_add_track(pc->jsep, rtc_api_track_jsep_kind(track), ids, n_ids, track->id, &index,
			       &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_api_pc_sync_transceivers(pc);
	if (rtc_api_transceiver_by_index(pc, index))
		rtc_api_transceiver_set_track(rtc_api_transceiver_by_index(pc, index), track);
	reply_transceiver(call, pc, index);
}

void rtc_api_pc_remove_track(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_pc *pc = data;
	struct rtc_api_transceiver *t;
	struct rtc_error err = { 0 };
	const char *path = "/";

	dbus_message_get_args(rtc_bus_call_message(call), NULL, DBUS_TYPE_OBJECT_PATH, &path,
			      DBUS_TYPE_INVALID);
	if (!(t = by_path(pc, path))) {
		/* W3C: a sender this connection did not make. */
		rtc_error_set(&err, RTC_ERROR_INVALID_ACCESS,
			      "%.100s is not a transceiver of this peer connection", path);
		rtc_bus_reply_error(call, &err);
		return;
	}
	/* W3C removeTrack: nothing to do without a track, or once stopping. */
	if (t->track) {
		if (rtc_jsep_remove_track(pc->jsep, t->index, &err) < 0) {
			rtc_bus_reply_error(call, &err);
			return;
		}
		rtc_api_transceiver_set_track(t, NULL);
	}
	rtc_bus_reply_empty(call);
	rtc_api_pc_sync_transceivers(pc);
	rtc_api_pc_negotiation_needed(pc);
}

struct transceiver_init {
	enum rtc_jsep_direction direction;
	const char *ids[RTC_JSEP_MAX_STREAM_IDS];
	size_t n_ids;
};

static int init_key(void *user, const char *key, DBusMessageIter *value, struct rtc_error *err)
{
	struct transceiver_init *init = user;
	const char *s;

	if (strcmp(key, "direction") == 0) {
		dbus_message_iter_get_basic(value, &s);
		return rtc_api_parse_direction(s, &init->direction, err);
	}
	return read_stream_ids(value, init->ids, &init->n_ids, err);
}

void rtc_api_pc_add_transceiver(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = { "direction:s", "stream-ids:as", NULL };
	struct rtc_api_pc *pc = data;
	struct transceiver_init init = { .direction = RTC_JSEP_SENDRECV };
	enum rtc_jsep_media_kind kind = RTC_JSEP_MEDIA_AUDIO;
	struct rtc_error err = { 0 };
	DBusMessageIter args;
	const char *kind_str;
	size_t index;

	if (refuse_too_many(call, pc))
		return;
	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	dbus_message_iter_get_basic(&args, &kind_str);
	dbus_message_iter_next(&args);
	if (parse_kind(kind_str, &kind, &err) < 0 ||
	    rtc_bus_dict_parse(&args, keys, init_key, &init, &err) < 0 ||
	    rtc_jsep_add_transceiver(pc->jsep, kind, init.direction, init.ids, init.n_ids, NULL,
				     &index, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	reply_transceiver(call, pc, index);
}
