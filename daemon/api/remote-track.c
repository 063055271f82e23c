/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote tracks: org.rtcd.WebRTC1.MediaStreamTrack with Remote true, at
 * /org/rtcd/WebRTC1/track/<t>, one per receiving transceiver (W3C
 * RTCRtpReceiver.track). What the peer sends is decoded here with an
 * rtc_media_receiver on the daemon's codec worker pool; the decoder's
 * figures feed GetStats' inbound-rtp, and a decoder that lost its
 * references asks the peer for a key frame (PLI).
 *
 * The object belongs to the peer connection's owner and lives as long as
 * its transceiver: a transceiver that stops or a connection that closes
 * ends the track (Ended) and removes the object.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-private.h"
#include "common/log.h"
#include "io/reactor.h"
#include "media/pipeline/receiver.h"

/* W3C `muted`: muted until media arrives, and again when it stops. */
#define MUTE_CHECK_NS  (250 * 1000000ull)
#define MUTE_AFTER_NS  (1000 * 1000000ull)

struct rtc_api_remote_track {
	struct rtc_api_transceiver *t;
	struct rtc_bus_object *object;
	char path[64];
	char id[RTC_JSEP_ID_MAX + 1];
	enum rtc_media_kind kind;
	bool enabled, muted, ended;
	/* Made with the first frame (its codec); NULL once stopped. */
	struct rtc_media_receiver *receiver;
	bool receive_failed;
	uint64_t delivered;             /* frames decoded and delivered */
	uint32_t width, height, channels;
	uint64_t last_frame_ns;
	struct rtc_timer *mute_timer;
};

static bool append_string(DBusMessageIter *iter, const char *s)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool append_bool(DBusMessageIter *iter, bool b)
{
	dbus_bool_t v = b;

	return dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &v);
}

/* ---- properties ------------------------------------------------------- */

static bool get_id(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_remote_track *)data)->id);
}

static bool get_kind(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_remote_track *)data)->kind == RTC_MEDIA_AUDIO
					   ? "audio" : "video");
}

static bool get_label(void *data, DBusMessageIter *iter)
{
	/* W3C: "remote audio" / "remote video" for a receiver's track. */
	return append_string(iter, ((struct rtc_api_remote_track *)data)->kind == RTC_MEDIA_AUDIO
					   ? "remote audio" : "remote video");
}

static bool get_enabled(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, ((struct rtc_api_remote_track *)data)->enabled);
}

static int set_enabled(void *data, DBusMessageIter *value, struct rtc_error *err)
{
	dbus_bool_t v;

	/* Decoding goes on (stats, references); consumers would get black
	 * frames or silence. */
	dbus_message_iter_get_basic(value, &v);
	((struct rtc_api_remote_track *)data)->enabled = v;
	return 0;
}

static bool get_muted(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, ((struct rtc_api_remote_track *)data)->muted);
}

static bool get_ready_state(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_remote_track *)data)->ended ? "ended" : "live");
}

static bool get_remote(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, true);
}

static bool get_pipewire_node(void *data, DBusMessageIter *iter)
{
	/* No node is published yet: decoded frames go to no consumer. */
	return append_string(iter, "");
}

/* ---- state ------------------------------------------------------------ */

static void emit(struct rtc_api_remote_track *rt, const char *signal)
{
	rtc_bus_signal_send(rt->object, rtc_bus_signal_new(rt->object, RTC_API_IFACE_TRACK, signal));
}

static void set_muted(struct rtc_api_remote_track *rt, bool muted)
{
	static const char *const names[] = { "Muted", NULL };

	if (rt->muted == muted || rt->ended)
		return;
	rt->muted = muted;
	rtc_bus_emit_properties_changed(rt->object, RTC_API_IFACE_TRACK, names);
	emit(rt, muted ? "Mute" : "Unmute");
}

static void mute_check(void *data)
{
	struct rtc_api_remote_track *rt = data;
	uint64_t now = rtc_reactor_now(rt->t->pc->api->reactor);

	if (now - rt->last_frame_ns >= MUTE_AFTER_NS)
		set_muted(rt, true);
	rtc_timer_arm(rt->mute_timer, now + MUTE_CHECK_NS);
}

/* No more decoding: readyState "ended". */
static void end(struct rtc_api_remote_track *rt)
{
	static const char *const names[] = { "ReadyState", NULL };

	if (rt->ended)
		return;
	rt->ended = true;
	rtc_timer_disarm(rt->mute_timer);
	rtc_media_receiver_free(rt->receiver);
	rt->receiver = NULL;
	rtc_bus_emit_properties_changed(rt->object, RTC_API_IFACE_TRACK, names);
}

/* ---- the receiver ----------------------------------------------------- */

static void delivered(struct rtc_api_remote_track *rt)
{
	rt->delivered++;
	rt->last_frame_ns = rtc_reactor_now(rt->t->pc->api->reactor);
	set_muted(rt, false);
}

static void on_video(void *user, struct rtc_video_frame *frame,
		     const struct rtc_media_frame_info *info)
{
	struct rtc_api_remote_track *rt = user;

	rt->width = frame->width;
	rt->height = frame->height;
	delivered(rt);
	rtc_video_frame_free(frame);
}

static void on_audio(void *user, struct rtc_audio_frame *frame,
		     const struct rtc_media_frame_info *info)
{
	struct rtc_api_remote_track *rt = user;

	rt->channels = frame->channels;
	delivered(rt);
	rtc_audio_frame_free(frame);
}

static void on_key_frame_needed(void *user)
{
	struct rtc_api_remote_track *rt = user;

	rtc_session_request_key_frame(rt->t->pc->session, rt->t->index);
}

static const struct rtc_media_receiver_callbacks receiver_callbacks = {
	.video = on_video,
	.audio = on_audio,
	.key_frame_needed = on_key_frame_needed,
};

void rtc_api_remote_track_frame(struct rtc_api_remote_track *rt, const struct rtc_recv_frame *frame)
{
	struct rtc_media_receiver_config config = { .codec = frame->codec, .channels = 2 };
	struct rtc_api *api = rt->t->pc->api;
	struct rtc_error err = { 0 };

	if (rt->ended || rt->receive_failed || frame->codec == RTC_CODEC_NONE)
		return;
	if (!rt->receiver &&
	    (!rtc_api_media_pool(api, &err) ||
	     !(rt->receiver = rtc_media_receiver_new(&config, api->pool, &receiver_callbacks, rt,
						     &err)))) {
		/* Not retried on every frame: the owner sees nothing decoded. */
		rt->receive_failed = true;
		rtc_warn("%s: cannot decode %s: %s", rt->path, rtc_codec_name(frame->codec),
			 err.message);
		return;
	}
	if (rtc_media_receiver_push(rt->receiver, rtc_reactor_now(api->reactor), frame, &err) < 0)
		rtc_debug("%s: frame not decoded: %s", rt->path, err.message);
}

const struct rtc_media_receiver *rtc_api_remote_track_receiver(const struct rtc_api_remote_track *rt)
{
	return rt ? rt->receiver : NULL;
}

const char *rtc_api_remote_track_path(const struct rtc_api_remote_track *rt)
{
	return rt->path;
}

/* ---- methods ---------------------------------------------------------- */

static void stop(struct rtc_bus_call *call, void *data)
{
	/* W3C stop() of a receiver's track: it ends (no Ended signal) and
	 * nothing is decoded for it; the object stays with its transceiver. */
	end(data);
	rtc_bus_reply_empty(call);
}

static void add_int(DBusMessageIter *dict, const char *key, uint32_t value)
{
	int32_t v = (int32_t)value;

	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_INT32, &v);
}

static void get_settings(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_remote_track *rt = data;
	struct rtc_media_receiver_stats st = { 0 };
	DBusMessage *reply = rtc_bus_reply_new(call);
	DBusMessageIter args, dict;

	if (rt->receiver)
		rtc_media_receiver_stats(rt->receiver, &st);
	/* W3C MediaTrackSettings of what is decoded. */
	dbus_message_iter_init_append(reply, &args);
	rtc_bus_dict_open(&args, &dict);
	if (rt->kind == RTC_MEDIA_VIDEO) {
		add_int(&dict, "width", rt->width);
		add_int(&dict, "height", rt->height);
		rtc_bus_dict_add_basic(&dict, "frameRate", DBUS_TYPE_DOUBLE, &st.frames_per_second);
	} else {
		add_int(&dict, "sampleRate", 48000);
		add_int(&dict, "sampleSize", 16);
		add_int(&dict, "channelCount", rt->channels ? rt->channels : 2);
	}
	rtc_bus_dict_close(&args, &dict);
	rtc_bus_reply(call, reply);
}

static void apply_constraints(struct rtc_bus_call *call, void *data)
{
	struct rtc_error err = { 0 };
	DBusMessageIter args, array, entry;
	const char *key;

	/* W3C: a remote source has no capabilities, so any constraint is
	 * one it cannot satisfy (OverconstrainedError naming it); none at
	 * all always succeeds. */
	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	dbus_message_iter_recurse(&args, &array);
	if (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY) {
		dbus_message_iter_recurse(&array, &entry);
		dbus_message_iter_get_basic(&entry, &key);
		rtc_error_set(&err, RTC_ERROR_OVERCONSTRAINED,
			      "%.64s: a remote track takes no constraints", key);
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_bus_reply_empty(call);
}

static void get_stats(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_remote_track *rt = data;
	DBusMessage *reply = rtc_bus_reply_new(call);
	DBusMessageIter args, dict;
	struct rtc_media_receiver_stats st = { 0 };
	uint64_t frames = rt->delivered;

	if (rt->receiver)
		rtc_media_receiver_stats(rt->receiver, &st);
	dbus_message_iter_init_append(reply, &args);
	rtc_bus_dict_open(&args, &dict);
	rtc_bus_dict_add_basic(&dict, "deliveredFrames", DBUS_TYPE_UINT64, &frames);
	if (rt->kind == RTC_MEDIA_VIDEO) {
		uint64_t total = frames + st.frames_dropped;

		rtc_bus_dict_add_basic(&dict, "discardedFrames", DBUS_TYPE_UINT64,
				       &st.frames_dropped);
		rtc_bus_dict_add_basic(&dict, "totalFrames", DBUS_TYPE_UINT64, &total);
	}
	rtc_bus_dict_close(&args, &dict);
	rtc_bus_reply(call, reply);
}

static const struct rtc_bus_arg dict_in[] = { { "constraints", "a{sv}" }, { NULL, NULL } };
static const struct rtc_bus_arg settings_out[] = { { "settings", "a{sv}" }, { NULL, NULL } };
static const struct rtc_bus_arg stats_out[] = { { "stats", "a{sv}" }, { NULL, NULL } };

static const struct rtc_bus_method track_methods[] = {
	{ "Stop", NULL, NULL, stop, 0 },
	{ "GetSettings", NULL, settings_out, get_settings, RTC_BUS_METHOD_INSPECT },
	{ "ApplyConstraints", dict_in, NULL, apply_constraints, 0 },
	{ "GetStats", NULL, stats_out, get_stats, RTC_BUS_METHOD_INSPECT },
	{ NULL },
};

static const struct rtc_bus_property track_properties[] = {
	{ "Id", "s", get_id, NULL, RTC_BUS_PROPERTY_CONST },
	{ "Kind", "s", get_kind, NULL, RTC_BUS_PROPERTY_CONST },
	{ "Label", "s", get_label, NULL, RTC_BUS_PROPERTY_CONST },
	{ "Enabled", "b", get_enabled, set_enabled, 0 },
	{ "Muted", "b", get_muted, NULL, 0 },
	{ "ReadyState", "s", get_ready_state, NULL, 0 },
	{ "Remote", "b", get_remote, NULL, RTC_BUS_PROPERTY_CONST },
	{ "PipeWireNode", "s", get_pipewire_node, NULL, RTC_BUS_PROPERTY_CONST },
	{ NULL },
};

static const struct rtc_bus_signal track_signals[] = {
	{ "Mute", NULL }, { "Unmute", NULL }, { "Ended", NULL }, { NULL },
};

static const struct rtc_bus_interface track_interface = {
	.name = RTC_API_IFACE_TRACK,
	.methods = track_methods,
	.properties = track_properties,
	.signals = track_signals,
};

static const struct rtc_bus_interface *const track_interfaces[] = {
	&track_interface, NULL,
};

/* ---- lifetime --------------------------------------------------------- */

struct rtc_api_remote_track *rtc_api_remote_track_new(struct rtc_api_transceiver *t,
						      enum rtc_media_kind kind, const char *id)
{
	struct rtc_api *api = t->pc->api;
	struct rtc_api_remote_track *rt = calloc(1, sizeof(*rt));

	if (!rt || !(rt->mute_timer = rtc_timer_new(api->reactor, mute_check, rt))) {
		free(rt);
		return NULL;
	}
	rt->t = t;
	rt->kind = kind;
	rt->enabled = true;
	rt->muted = true;       /* until media arrives */
	if (id && id[0])
		snprintf(rt->id, sizeof(rt->id), "%s", id);
	else
		rtc_api_make_uuid(rt->id);
	snprintf(rt->path, sizeof(rt->path), RTC_API_ROOT_PATH "/track/%" PRIu64,
		 rtc_bus_new_object_number(api->bus));
	rt->object = rtc_bus_object_add(api->bus, rt->path, t->pc->owner, track_interfaces, rt);
	if (!rt->object) {
		rtc_timer_free(rt->mute_timer);
		free(rt);
		return NULL;
	}
	rt->last_frame_ns = rtc_reactor_now(api->reactor);
	rtc_timer_arm(rt->mute_timer, rt->last_frame_ns + MUTE_CHECK_NS);
	return rt;
}

void rtc_api_remote_track_free(struct rtc_api_remote_track *rt)
{
	if (!rt)
		return;
	if (!rt->ended) {
		end(rt);
		emit(rt, "Ended");
	}
	rtc_bus_object_remove(rt->object);
	rtc_timer_free(rt->mute_timer);
	free(rt);
}
