/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.MediaStreamTrack at /org/rtcd/WebRTC1/track/<t>: a
 * track of the caller's camera or microphone (daemon/media/devices does
 * the capturing). The object appears once its device delivered a first
 * frame; Stop() ends it and removes it, as dropping the last reference
 * to a stopped track does in a page.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-private.h"
#include "common/log.h"
#include "engine/base/rng.h"
#include "io/reactor.h"

/* W3C `muted`: the source delivers nothing for a while (a camera whose
 * stream stalled); checked this often, muted after MUTE_AFTER without. */
#define MUTE_CHECK_NS  (250 * 1000000ull)
#define MUTE_AFTER_NS  (1000 * 1000000ull)

static const char *kind_name(enum rtc_media_kind kind)
{
	return kind == RTC_MEDIA_AUDIO ? "audio" : "video";
}

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
	return append_string(iter, ((struct rtc_api_track *)data)->id);
}

static bool get_kind(void *data, DBusMessageIter *iter)
{
	return append_string(iter, kind_name(((struct rtc_api_track *)data)->kind));
}

static bool get_label(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_track *)data)->settings.label);
}

static bool get_enabled(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, ((struct rtc_api_track *)data)->enabled);
}

static int set_enabled(void *data, DBusMessageIter *value, struct rtc_error *err)
{
	struct rtc_api_track *track = data;
	dbus_bool_t v;

	dbus_message_iter_get_basic(value, &v);
	track->enabled = v;
	/* W3C: the senders send black frames or silence meanwhile. */
	rtc_api_track_enabled_changed(track);
	return 0;
}

static bool get_muted(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, ((struct rtc_api_track *)data)->muted);
}

static bool get_ready_state(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_track *)data)->ended ? "ended" : "live");
}

static bool get_remote(void *data, DBusMessageIter *iter)
{
	return append_bool(iter, false);
}

static bool get_pipewire_node(void *data, DBusMessageIter *iter)
{
	return append_string(iter, ((struct rtc_api_track *)data)->settings.node);
}

/* ---- state changes ---------------------------------------------------- */

static void emit(struct rtc_api_track *track, const char *signal)
{
	rtc_bus_signal_send(track->object,
			    rtc_bus_signal_new(track->object, RTC_API_IFACE_TRACK, signal));
}

static void set_muted(struct rtc_api_track *track, bool muted)
{
	static const char *const names[] = { "Muted", NULL };

	if (track->muted == muted || track->ended)
		return;
	track->muted = muted;
	rtc_bus_emit_properties_changed(track->object, RTC_API_IFACE_TRACK, names);
	emit(track, muted ? "Mute" : "Unmute");
}

static void mute_check(void *data)
{
	struct rtc_api_track *track = data;
	uint64_t now = rtc_reactor_now(track->api->reactor);

	if (now - track->last_frame_ns >= MUTE_AFTER_NS)
		set_muted(track, true);
	rtc_timer_arm(track->mute_timer, now + MUTE_CHECK_NS);
}

/* Ends the track: no more frames, the capture is released. */
static void end(struct rtc_api_track *track)
{
	static const char *const names[] = { "ReadyState", NULL };

	if (track->ended)
		return;
	track->ended = true;
	rtc_timer_disarm(track->mute_timer);
	rtc_media_capture_close(track->capture);
	track->capture = NULL;
	rtc_bus_emit_properties_changed(track->object, RTC_API_IFACE_TRACK, names);
}

/* ---- capture events (daemon/media/devices) ------------------------------ */

static void frame_arrived(struct rtc_api_track *track)
{
	track->frames++;
	track->last_frame_ns = rtc_reactor_now(track->api->reactor);
	if (track->muted)
		set_muted(track, false);
}

static void on_video(void *user, const struct rtc_video_frame *frame)
{
	struct rtc_api_track *track = user;

	if (track->settings.width != frame->width || track->settings.height != frame->height)
		rtc_media_capture_settings(track->capture, &track->settings);
	frame_arrived(track);
	rtc_api_track_feed_video(track, frame);
}

static void on_audio(void *user, const struct rtc_audio_frame *frame)
{
	struct rtc_api_track *track = user;

	/* ApplyConstraints renegotiates after its reply: the settings follow. */
	if (track->settings.sample_rate != frame->sample_rate ||
	    track->settings.channels != frame->channels)
		rtc_media_capture_settings(track->capture, &track->settings);
	frame_arrived(user);
	rtc_api_track_feed_audio(user, frame);
}

static void on_ended(void *user, const char *reason)
{
	struct rtc_api_track *track = user;

	rtc_info("%s (%s) ended: %s", track->path, track->settings.label, reason);
	end(track);
	emit(track, "Ended");
}

static void on_opened(void *user, const struct rtc_error *err)
{
	struct rtc_api_track *track = user;

	if (!err)
		rtc_media_capture_settings(track->capture, &track->settings);
	rtc_api_user_media_opened(track, err);
}

static const struct rtc_media_capture_events capture_events = {
	.opened = on_opened,
	.video = on_video,
	.audio = on_audio,
	.ended = on_ended,
};

/* ---- methods ---------------------------------------------------------- */

static void stop(struct rtc_bus_call *call, void *data)
{
	/* W3C stop(): ended without an `ended` event. Nothing can be done with
	 * a stopped track, so the object goes too, and its quota with it. */
	rtc_api_track_free(data);
	rtc_bus_reply_empty(call);
}

static void add_int(DBusMessageIter *dict, const char *key, uint32_t value)
{
	int32_t v = (int32_t)value;

	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_INT32, &v);
}

static void get_settings(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_track *track = data;
	const struct rtc_media_settings *s = &track->settings;
	DBusMessage *reply = rtc_bus_reply_new(call);
	DBusMessageIter args, dict;

	/* W3C MediaTrackSettings, by their names. */
	dbus_message_iter_init_append(reply, &args);
	rtc_bus_dict_open(&args, &dict);
	rtc_bus_dict_add_string(&dict, "deviceId", s->device_id);
	rtc_bus_dict_add_string(&dict, "groupId", s->group_id);
	if (track->kind == RTC_MEDIA_VIDEO) {
		double aspect = s->height ? (double)s->width / s->height : 0;

		add_int(&dict, "width", s->width);
		add_int(&dict, "height", s->height);
		rtc_bus_dict_add_basic(&dict, "frameRate", DBUS_TYPE_DOUBLE, &s->frame_rate);
		rtc_bus_dict_add_basic(&dict, "aspectRatio", DBUS_TYPE_DOUBLE, &aspect);
		rtc_bus_dict_add_string(&dict, "resizeMode", s->scaled ? "crop-and-scale" : "none");
	} else {
		add_int(&dict, "sampleRate", s->sample_rate);
		add_int(&dict, "sampleSize", 16);
		add_int(&dict, "channelCount", s->channels);
	}
	rtc_bus_dict_close(&args, &dict);
	rtc_bus_reply(call, reply);
}

static void apply_constraints(struct rtc_bus_call *call, void *data)
{
	static const char *const video_keys[] = {
		"device-id:s", "width:u", "height:u", "frame-rate:d", NULL,
	};
	static const char *const audio_keys[] = {
		"device-id:s", "sample-rate:u", "channels:u", NULL,
	};
	struct rtc_api_track *track = data;
	struct rtc_media_constraints c = { .kind = track->kind };
	struct rtc_error err = { 0 };
	DBusMessageIter args;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (rtc_bus_dict_parse(&args, track->kind == RTC_MEDIA_VIDEO ? video_keys : audio_keys,
			       rtc_api_constraint_key, &c, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (track->ended) {
		rtc_error_set(&err, RTC_ERROR_INVALID_STATE, "the track has ended");
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (rtc_media_capture_apply(track->capture, &c, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_media_capture_settings(track->capture, &track->settings);
	rtc_bus_reply_empty(call);
}

static void get_stats(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_track *track = data;
	DBusMessage *reply = rtc_bus_reply_new(call);
	DBusMessageIter args, dict;
	uint64_t frames = track->frames;

	/* W3C MediaStreamTrack{Video,Audio}Stats (mediacapture-extensions):
	 * every frame the source delivered reaches the track's consumers. */
	dbus_message_iter_init_append(reply, &args);
	rtc_bus_dict_open(&args, &dict);
	if (track->kind == RTC_MEDIA_VIDEO) {
		/* Frames the camera sent that did not decode (a corrupt MJPG). */
		uint64_t discarded = track->capture ? rtc_media_capture_discarded(track->capture) : 0;
		uint64_t total = frames + discarded;

		rtc_bus_dict_add_basic(&dict, "deliveredFrames", DBUS_TYPE_UINT64, &frames);
		rtc_bus_dict_add_basic(&dict, "discardedFrames", DBUS_TYPE_UINT64, &discarded);
		rtc_bus_dict_add_basic(&dict, "totalFrames", DBUS_TYPE_UINT64, &total);
	} else {
		rtc_bus_dict_add_basic(&dict, "deliveredFrames", DBUS_TYPE_UINT64, &frames);
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

void rtc_api_make_uuid(char out[37])
{
	uint8_t b[16] = { 0 };

	/* A version 4 UUID, as browsers make track ids. */
	rtc_rng_bytes(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int rtc_api_track_open(struct rtc_api *api, const char *owner,
		       const struct rtc_media_constraints *constraints,
		       struct rtc_media_remote *remote, struct rtc_api_track **out,
		       struct rtc_error *err)
{
	struct rtc_api_track *track;

	if (rtc_bus_quota_take(api->bus, owner, RTC_QUOTA_TRACKS, 1, err) < 0)
		return -1;
	track = calloc(1, sizeof(*track));
	if (!track || !(track->owner = strdup(owner)) ||
	    !(track->mute_timer = rtc_timer_new(api->reactor, mute_check, track))) {
		if (track)
			free(track->owner);
		free(track);
		rtc_bus_quota_release(api->bus, owner, RTC_QUOTA_TRACKS, 1);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	track->api = api;
	track->kind = constraints->kind;
	track->enabled = true;
	rtc_list_init(&track->senders);
	rtc_api_make_uuid(track->id);
	if (rtc_media_capture_open(api->media, constraints, remote, &capture_events, track,
				   &track->capture, err) < 0) {
		rtc_timer_free(track->mute_timer);
		rtc_bus_quota_release(api->bus, owner, RTC_QUOTA_TRACKS, 1);
		free(track->owner);
		free(track);
		return -1;
	}
	rtc_list_append(&api->tracks, &track->link);
	*out = track;
	return 0;
}

int rtc_api_track_publish(struct rtc_api_track *track, struct rtc_error *err)
{
	struct rtc_api *api = track->api;

	track->number = rtc_bus_new_object_number(api->bus);
	snprintf(track->path, sizeof(track->path), RTC_API_ROOT_PATH "/track/%" PRIu64,
		 track->number);
	track->object = rtc_bus_object_add(api->bus, track->path, track->owner,
					   track_interfaces, track);
	if (!track->object)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "cannot register %s", track->path);
	track->last_frame_ns = rtc_reactor_now(api->reactor);
	rtc_timer_arm(track->mute_timer, track->last_frame_ns + MUTE_CHECK_NS);
	rtc_info("%s: %s track of %s for %s", track->path, kind_name(track->kind),
		 track->settings.label, track->owner);
	return 0;
}

void rtc_api_track_free(struct rtc_api_track *track)
{
	if (!track)
		return;
	rtc_api_track_detach_senders(track);
	rtc_media_capture_close(track->capture);
	if (track->object)
		rtc_bus_object_remove(track->object);
	rtc_timer_free(track->mute_timer);
	rtc_list_unlink(&track->link);
	rtc_bus_quota_release(track->api->bus, track->owner, RTC_QUOTA_TRACKS, 1);
	rtc_heap_trim_soon(track->api->heap_trim);
	free(track->owner);
	free(track);
}

const char *rtc_api_track_path(const struct rtc_api_track *track)
{
	return track->path;
}
