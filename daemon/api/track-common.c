/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.MediaStreamTrack at /org/rtcd/WebRTC1/track/<t>: one
 * method and property table for every track, a capture device's
 * (track.c) or a remote peer's (remote-track.c, Remote true). What is the
 * same is here — the properties, W3C `muted` from the flow of frames,
 * `ended` — and what differs goes through struct rtc_api_track_ops.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api-private.h"
#include "common/log.h"
#include "io/reactor.h"

/* W3C `muted`: the source delivers nothing for a while (a camera whose
 * stream stalled, a peer that stopped sending); checked this often, muted
 * after MUTE_AFTER without a frame. */
#define MUTE_CHECK_NS  (250 * 1000000ull)
#define MUTE_AFTER_NS  (1000 * 1000000ull)

/* ---- properties ------------------------------------------------------- */

static bool append_string(DBusMessageIter *iter, const char *s)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool append_bool(DBusMessageIter *iter, bool b)
{
	dbus_bool_t v = b;

	return dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &v);
}

static bool get_id(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_track_base *)data)->id);
}

static bool get_kind(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_track_base *)data)->kind == RTC_MEDIA_AUDIO
					   ? "audio" : "video");
}

static bool get_label(void *data, DBusMessageIter *iter)
{
	struct rtc_api_track_base *base = data;

	return append_string(iter, base->ops->label(base));
}

static bool get_enabled(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, ((struct rtc_api_track_base *)data)->enabled);
}

static int set_enabled(void *data, DBusMessageIter *value, struct rtc_error *err)
{
	struct rtc_api_track_base *base = data;
	dbus_bool_t v;

	dbus_message_iter_get_basic(value, &v);
	base->enabled = v;
	/* W3C: consumers get black frames or silence meanwhile. */
	base->ops->enabled_changed(base);
	return 0;
}

static bool get_muted(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, ((struct rtc_api_track_base *)data)->muted);
}

static bool get_ready_state(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_track_base *)data)->ended ? "ended" : "live");
}

static bool get_remote(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, ((struct rtc_api_track_base *)data)->remote);
}

static bool get_pipewire_node(void *data, DBusMessageIter *iter)
{
	struct rtc_api_track_base *base = data;

	return append_string(iter, base->ops->pipewire_node(base));
}

/* ---- state ------------------------------------------------------------ */

static void emit(struct rtc_api_track_base *base, const char *signal)
{
	rtc_bus_signal_send(base->object,
			    rtc_bus_signal_new(base->object, RTC_API_IFACE_TRACK, signal));
}

void rtc_api_track_base_set_muted(struct rtc_api_track_base *base, bool muted)
{
	static const char *const names[] = { "Muted", NULL };

	if (base->muted == muted || base->ended || !base->object)
		return;
	base->muted = muted;
	rtc_bus_emit_properties_changed(base->object, RTC_API_IFACE_TRACK, names);
	emit(base, muted ? "Mute" : "Unmute");
}

static void mute_check(void *data)
{
	struct rtc_api_track_base *base = data;
	uint64_t now = rtc_reactor_now(base->api->reactor);

	if (now - base->last_frame_ns >= MUTE_AFTER_NS)
		rtc_api_track_base_set_muted(base, true);
	rtc_timer_arm(base->mute_timer, now + MUTE_CHECK_NS);
}

void rtc_api_track_base_frame(struct rtc_api_track_base *base)
{
	base->last_frame_ns = rtc_reactor_now(base->api->reactor);
	if (base->muted)
		rtc_api_track_base_set_muted(base, false);
}

bool rtc_api_track_base_end(struct rtc_api_track_base *base)
{
	static const char *const names[] = { "ReadyState", NULL };

	if (base->ended)
		return false;
	base->ended = true;
	rtc_timer_disarm(base->mute_timer);
	if (base->object)
		rtc_bus_emit_properties_changed(base->object, RTC_API_IFACE_TRACK, names);
	return true;
}

void rtc_api_track_base_emit_ended(struct rtc_api_track_base *base)
{
	if (base->object)
		emit(base, "Ended");
}

void rtc_api_track_base_node_changed(struct rtc_api_track_base *base)
{
	static const char *const names[] = { "PipeWireNode", NULL };

	if (base->object)
		rtc_bus_emit_properties_changed(base->object, RTC_API_IFACE_TRACK, names);
}

/* ---- methods ---------------------------------------------------------- */

static void stop(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_track_base *base = data;

	base->ops->stop(base);
	rtc_bus_reply_empty(call);
}

/* GetSettings and GetStats: a dictionary the track's kind fills. */
static void reply_dict(struct rtc_bus_call *call, struct rtc_api_track_base *base,
		       void (*fill)(struct rtc_api_track_base *base, DBusMessageIter *dict))
{
	DBusMessage *reply = rtc_bus_reply_new(call);
	DBusMessageIter args, dict;

	dbus_message_iter_init_append(reply, &args);
	rtc_bus_dict_open(&args, &dict);
	fill(base, &dict);
	rtc_bus_dict_close(&args, &dict);
	rtc_bus_reply(call, reply);
}

static void get_settings(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_track_base *base = data;

	reply_dict(call, base, base->ops->settings);
}

static void get_stats(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_track_base *base = data;

	reply_dict(call, base, base->ops->stats);
}

static void apply_constraints(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_track_base *base = data;
	struct rtc_error err = { 0 };
	DBusMessageIter args;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (base->ops->apply_constraints(base, &args, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_bus_reply_empty(call);
}

/* Play's options: "target" s. */
static int play_option(void *user, const char *key, DBusMessageIter *value,
		       struct rtc_error *err)
{
	const char **target = user;

	dbus_message_iter_get_basic(value, target);
	return 0;
}

static void play(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = { "target:s", NULL };
	struct rtc_api_track_base *base = data;
	struct rtc_error err = { 0 };
	const char *target = "";
	DBusMessageIter args;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (rtc_bus_dict_parse(&args, keys, play_option, &target, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	/* W3C has no play() on a track: an <audio> element plays a remote
	 * stream. Here only remote audio can be played out. */
	if (!base->ops->play || base->kind != RTC_MEDIA_AUDIO) {
		rtc_error_set(&err, RTC_ERROR_NOT_SUPPORTED, "Play() is for remote audio tracks");
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (base->ops->play(base, target, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_bus_reply_empty(call);
}

static const struct rtc_bus_arg dict_in[] = { { "constraints", "a{sv}" }, { NULL, NULL } };
static const struct rtc_bus_arg options_in[] = { { "options", "a{sv}" }, { NULL, NULL } };
static const struct rtc_bus_arg settings_out[] = { { "settings", "a{sv}" }, { NULL, NULL } };
static const struct rtc_bus_arg stats_out[] = { { "stats", "a{sv}" }, { NULL, NULL } };

static const struct rtc_bus_method track_methods[] = {
	{ "Stop", NULL, NULL, stop, 0 },
	{ "GetSettings", NULL, settings_out, get_settings, RTC_BUS_METHOD_INSPECT },
	{ "ApplyConstraints", dict_in, NULL, apply_constraints, 0 },
	{ "GetStats", NULL, stats_out, get_stats, RTC_BUS_METHOD_INSPECT },
	{ "Play", options_in, NULL, play, 0 },
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
	{ "PipeWireNode", "s", get_pipewire_node, NULL, 0 },
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

int rtc_api_track_base_init(struct rtc_api_track_base *base, struct rtc_api *api,
			    const struct rtc_api_track_ops *ops, enum rtc_media_kind kind,
			    bool remote, bool muted)
{
	base->ops = ops;
	base->api = api;
	base->kind = kind;
	base->remote = remote;
	base->enabled = true;
	base->muted = muted;
	base->mute_timer = rtc_timer_new(api->reactor, mute_check, base);
	return base->mute_timer ? 0 : -1;
}

int rtc_api_track_base_publish(struct rtc_api_track_base *base, const char *owner,
			       struct rtc_error *err)
{
	struct rtc_api *api = base->api;

	base->number = rtc_bus_new_object_number(api->bus);
	snprintf(base->path, sizeof(base->path), RTC_API_ROOT_PATH "/track/%" PRIu64,
		 base->number);
	base->object = rtc_bus_object_add(api->bus, base->path, owner, track_interfaces, base);
	if (!base->object)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "cannot register %s", base->path);
	base->last_frame_ns = rtc_reactor_now(api->reactor);
	rtc_timer_arm(base->mute_timer, base->last_frame_ns + MUTE_CHECK_NS);
	return 0;
}

void rtc_api_track_base_fini(struct rtc_api_track_base *base)
{
	if (base->object)
		rtc_bus_object_remove(base->object);
	base->object = NULL;
	rtc_timer_free(base->mute_timer);
	base->mute_timer = NULL;
}
