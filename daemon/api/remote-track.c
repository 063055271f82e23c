/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote tracks: MediaStreamTrack with Remote true (track-common.c serves
 * the interface), one per receiving transceiver (W3C RTCRtpReceiver.track).
 * What the peer sends is decoded here with an rtc_media_receiver on the
 * daemon's codec worker pool; the decoder's figures feed GetStats'
 * inbound-rtp, and a decoder that lost its references asks the peer for a
 * key frame (PLI).
 *
 * Decoded frames go to a PipeWire node of the track's own (Video/Source
 * I420, Audio/Source S16 48 kHz; daemon/media/pipewire/output-*.h), named
 * "rtcd.track.<n>" in PipeWireNode once PipeWire has made it, and, after
 * Play(), to a playback stream. Both live on the daemon's own PipeWire
 * connection: made when it is up (now or later), destroyed before a lost
 * connection is torn down (PipeWireNode "" meanwhile), made again when
 * PipeWire returns. Without PipeWire, decoding and stats go on alone.
 *
 * Sandboxed owners too: a Camera-portal connection is restricted to the
 * core and what WirePlumber grants (camera nodes), not the client-node
 * factory a stream needs, so it cannot host nodes; it belongs to one
 * GetUserMedia call besides, and an app that only receives has none. And
 * WirePlumber 0.4's access-portal.lua grants an app with camera permission
 * every node with media.role=Camera and media.class=Video/Source, which the
 * video node is (test-pw-output checks this); the audio node is not shown
 * to it (a Flatpak reaches audio through its PulseAudio or PipeWire socket,
 * not the Camera portal).
 *
 * Muted (W3C) until frames come, after a second without one, and at once
 * when a description applied takes "recv" from the transceiver's
 * CurrentDirection (transceiver.c says so): frames still decoding then do
 * not unmute it, the first once it receives again does.
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
#include "media/pipewire/output-audio.h"
#include "media/pipewire/output-video.h"
#include "media/pipewire/play.h"

#include <spa/utils/defs.h>

/* The node is named in PipeWireNode once PipeWire made it: looked at this
 * often until then. */
#define NODE_CHECK_NS (50 * 1000000ull)
/* The video node's first size when nothing was decoded yet. */
#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 480

struct rtc_api_remote_track {
	RTC_API_TRACK_BASE;
	struct rtc_api_transceiver *t;
	/* Made with the first frame (its codec); NULL once stopped. */
	struct rtc_media_receiver *receiver;
	bool receive_failed;
	/* The transceiver's CurrentDirection has "recv": else muted, and
	 * frames still in the decoder do not unmute it. */
	bool receiving;
	uint64_t delivered;             /* frames decoded and delivered */
	uint32_t width, height, channels;

	/* PipeWire: the daemon's connection, while it is up. */
	struct rtc_media_pipewire_watch *pipewire;
	struct rtc_pw_video_output *video_node;
	/* The newest decoded frame, held while the node's consumers are
	 * still on the last one (the decoder hands frames over in bursts when
	 * it fell behind); pushed when they took it. */
	struct rtc_video_frame *held;
	struct rtc_idle *push_held;
	struct rtc_pw_audio_output *audio_node;
	char node_name[64];             /* PipeWireNode: "" until PipeWire made it */
	struct rtc_timer *node_check;
	/* Play(): wanted (to play_target, "" the default output) and, while
	 * PipeWire is up, playing. */
	bool play_wanted;
	char play_target[RTC_MEDIA_MAX_ID];
	struct rtc_pw_play *play;
};

static struct rtc_api_remote_track *remote_of(const struct rtc_api_track_base *base)
{
	return rtc_container_of(base, struct rtc_api_remote_track, base);
}

/* ---- PipeWire: the track's node and Play ------------------------------ */

static void node_name_of(const struct rtc_api_remote_track *rt, const char *what,
			 char *out, size_t size)
{
	snprintf(out, size, "rtcd.%s.%" PRIu64, what, rt->number);
}

static const char *label_of(const struct rtc_api_remote_track *rt)
{
	/* W3C: "remote audio" / "remote video" for a receiver's track. */
	return rt->kind == RTC_MEDIA_AUDIO ? "remote audio" : "remote video";
}

static void set_node_name(struct rtc_api_remote_track *rt, const char *name)
{
	if (strcmp(rt->node_name, name) == 0)
		return;
	snprintf(rt->node_name, sizeof(rt->node_name), "%s", name);
	rtc_api_track_base_node_changed(&rt->base);
}

static uint32_t node_id(const struct rtc_api_remote_track *rt)
{
	if (rt->video_node)
		return rtc_pw_video_output_node_id(rt->video_node);
	if (rt->audio_node)
		return rtc_pw_audio_output_node_id(rt->audio_node);
	return SPA_ID_INVALID;
}

/* Named once PipeWire has the node: a consumer that targets the name
 * then finds it, rather than being linked to some default. */
static void node_check(void *data)
{
	struct rtc_api_remote_track *rt = data;
	char name[64];

	if (!rt->video_node && !rt->audio_node)
		return;
	if (node_id(rt) == SPA_ID_INVALID) {
		rtc_timer_arm(rt->node_check, rtc_reactor_now(rt->api->reactor) + NODE_CHECK_NS);
		return;
	}
	node_name_of(rt, "track", name, sizeof(name));
	rtc_info("%s: published as PipeWire node %s", rt->path, name);
	set_node_name(rt, name);
}

static void stop_playing(struct rtc_api_remote_track *rt)
{
	rtc_pw_play_destroy(rt->play);
	rt->play = NULL;
}

static int start_playing(struct rtc_api_remote_track *rt, struct pw_core *core,
			 struct rtc_error *err)
{
	struct rtc_pw_play_config config = {
		.description = label_of(rt), .target = rt->play_target, .channels = 2,
	};
	char name[64];

	node_name_of(rt, "play", name, sizeof(name));
	config.node_name = name;
	stop_playing(rt);
	rt->play = rtc_pw_play_new(core, &config, err);
	return rt->play ? 0 : -1;
}

static void push_video(struct rtc_api_remote_track *rt, const struct rtc_video_frame *frame)
{
	struct rtc_error err = { 0 };

	if (rtc_pw_video_output_push(rt->video_node, frame, &err) < 0)
		rtc_debug("%s: frame not published: %s", rt->path, err.message);
}

static void drop_held(struct rtc_api_remote_track *rt)
{
	rtc_video_frame_free(rt->held);
	rt->held = NULL;
}

/* The node's consumers took the last frame: the held one goes now. */
static void push_held(void *data)
{
	struct rtc_api_remote_track *rt = data;

	if (!rt->held || !rt->video_node || rtc_pw_video_output_busy(rt->video_node))
		return;
	push_video(rt, rt->held);
	drop_held(rt);
}

static void node_ready(void *data)
{
	struct rtc_api_remote_track *rt = data;

	/* From PipeWire's event: pushed from the reactor's next turn. */
	if (rt->held)
		rtc_idle_schedule(rt->push_held);
}

static void unpublish(struct rtc_api_remote_track *rt)
{
	stop_playing(rt);
	drop_held(rt);
	rtc_pw_video_output_destroy(rt->video_node);
	rt->video_node = NULL;
	rtc_pw_audio_output_destroy(rt->audio_node);
	rt->audio_node = NULL;
	rtc_timer_disarm(rt->node_check);
	set_node_name(rt, "");
}

static void publish(struct rtc_api_remote_track *rt, struct pw_core *core)
{
	struct rtc_error err = { 0 };
	char name[64];

	if (rt->ended || rt->video_node || rt->audio_node)
		return;
	node_name_of(rt, "track", name, sizeof(name));
	if (rt->kind == RTC_MEDIA_VIDEO) {
		struct rtc_pw_video_output_config config = {
			.node_name = name, .description = label_of(rt),
			.width = rt->width ? rt->width : DEFAULT_WIDTH,
			.height = rt->height ? rt->height : DEFAULT_HEIGHT,
		};
		rt->video_node = rtc_pw_video_output_new(core, &config, &err);
		if (rt->video_node)
			rtc_pw_video_output_on_ready(rt->video_node, node_ready, rt);
	} else {
		struct rtc_pw_audio_output_config config = {
			.node_name = name, .description = label_of(rt), .channels = 2,
		};
		rt->audio_node = rtc_pw_audio_output_new(core, &config, &err);
	}
	if (!rt->video_node && !rt->audio_node) {
		rtc_warn("%s: no PipeWire node: %s", rt->path, err.message);
		return;
	}
	rtc_timer_arm(rt->node_check, rtc_reactor_now(rt->api->reactor) + NODE_CHECK_NS);
	if (rt->play_wanted && start_playing(rt, core, &err) < 0)
		rtc_warn("%s: cannot play again: %s", rt->path, err.message);
}

/* The daemon's PipeWire came up (core) or is going (NULL: before the
 * core is torn down, everything on it goes). */
static void pipewire_changed(void *user, struct pw_core *core)
{
	struct rtc_api_remote_track *rt = user;

	if (core)
		publish(rt, core);
	else
		unpublish(rt);
}

/* ---- state ------------------------------------------------------------ */

/* No more decoding: readyState "ended", the nodes and playback go. */
static void end(struct rtc_api_remote_track *rt)
{
	if (!rtc_api_track_base_end(&rt->base))
		return;
	rtc_media_receiver_free(rt->receiver);
	rt->receiver = NULL;
	rt->play_wanted = false;
	unpublish(rt);
	rtc_media_pipewire_watch_free(rt->pipewire);
	rt->pipewire = NULL;
}

/* ---- the receiver ----------------------------------------------------- */

static void delivered(struct rtc_api_remote_track *rt)
{
	rt->delivered++;
	if (rt->receiving)
		rtc_api_track_base_frame(&rt->base);
}

void rtc_api_remote_track_set_receiving(struct rtc_api_remote_track *rt, bool receiving)
{
	if (!rt || rt->receiving == receiving)
		return;
	rt->receiving = receiving;
	if (!receiving)
		rtc_api_track_base_set_muted(&rt->base, true);
}

static void on_video(void *user, struct rtc_video_frame *frame,
		     const struct rtc_media_frame_info *info)
{
	struct rtc_api_remote_track *rt = user;

	rt->width = frame->width;
	rt->height = frame->height;
	delivered(rt);
	/* Disabled: consumers get nothing (W3C would show black). */
	if (rt->video_node && rt->enabled) {
		/* A newer frame replaces one still held: only the newest waits. */
		drop_held(rt);
		if (rtc_pw_video_output_busy(rt->video_node)) {
			rt->held = frame;
			return;
		}
		push_video(rt, frame);
	}
	rtc_video_frame_free(frame);
}

static void on_audio(void *user, struct rtc_audio_frame *frame,
		     const struct rtc_media_frame_info *info)
{
	struct rtc_api_remote_track *rt = user;
	struct rtc_error err = { 0 };

	rt->channels = frame->channels;
	delivered(rt);
	if (rt->enabled) {
		if (rt->audio_node && rtc_pw_audio_output_push(rt->audio_node, frame, &err) < 0)
			rtc_debug("%s: audio not published: %s", rt->path, err.message);
		if (rt->play && rtc_pw_play_push(rt->play, frame, &err) < 0)
			rtc_debug("%s: audio not played: %s", rt->path, err.message);
	}
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
	struct rtc_api *api = rt->api;
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

/* ---- the interface's operations (track-common.c) -------------------- */

static const char *label(const struct rtc_api_track_base *base)
{
	return label_of(remote_of(base));
}

static const char *pipewire_node(const struct rtc_api_track_base *base)
{
	return remote_of(base)->node_name;
}

static void enabled_changed(struct rtc_api_track_base *base)
{
	/* Decoding goes on (stats, references); the node and playback get
	 * nothing meanwhile, not even a frame held back before. */
	if (!base->enabled)
		drop_held(remote_of(base));
}

static void stop(struct rtc_api_track_base *base)
{
	/* W3C stop() of a receiver's track: it ends (no Ended signal) and
	 * nothing is decoded for it; the object stays with its transceiver. */
	end(remote_of(base));
}

static void add_int(DBusMessageIter *dict, const char *key, uint32_t value)
{
	int32_t v = (int32_t)value;

	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_INT32, &v);
}

static void settings(struct rtc_api_track_base *base, DBusMessageIter *dict)
{
	struct rtc_api_remote_track *rt = remote_of(base);
	struct rtc_media_receiver_stats st = { 0 };

	if (rt->receiver)
		rtc_media_receiver_stats(rt->receiver, &st);
	/* W3C MediaTrackSettings of what is decoded. */
	if (rt->kind == RTC_MEDIA_VIDEO) {
		add_int(dict, "width", rt->width);
		add_int(dict, "height", rt->height);
		rtc_bus_dict_add_basic(dict, "frameRate", DBUS_TYPE_DOUBLE, &st.frames_per_second);
	} else {
		add_int(dict, "sampleRate", 48000);
		add_int(dict, "sampleSize", 16);
		add_int(dict, "channelCount", rt->channels ? rt->channels : 2);
	}
}

static int apply_constraints(struct rtc_api_track_base *base, DBusMessageIter *args,
			     struct rtc_error *err)
{
	DBusMessageIter array, entry;
	const char *key;

	/* W3C: a remote source has no capabilities, so any constraint is
	 * one it cannot satisfy (OverconstrainedError naming it); none at
	 * all always succeeds. */
	dbus_message_iter_recurse(args, &array);
	if (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY) {
		dbus_message_iter_recurse(&array, &entry);
		dbus_message_iter_get_basic(&entry, &key);
		return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
				     "%.64s: a remote track takes no constraints", key);
	}
	return 0;
}

static void stats(struct rtc_api_track_base *base, DBusMessageIter *dict)
{
	struct rtc_api_remote_track *rt = remote_of(base);
	struct rtc_media_receiver_stats st = { 0 };
	uint64_t frames = rt->delivered;

	if (rt->receiver)
		rtc_media_receiver_stats(rt->receiver, &st);
	rtc_bus_dict_add_basic(dict, "deliveredFrames", DBUS_TYPE_UINT64, &frames);
	if (rt->kind == RTC_MEDIA_VIDEO) {
		uint64_t total = frames + st.frames_dropped;

		rtc_bus_dict_add_basic(dict, "discardedFrames", DBUS_TYPE_UINT64,
				       &st.frames_dropped);
		rtc_bus_dict_add_basic(dict, "totalFrames", DBUS_TYPE_UINT64, &total);
	}
}

/* An output of the daemon's PipeWire named `target`. */
static bool output_exists(struct rtc_api *api, const char *target)
{
	const struct rtc_media_device *list;
	size_t n = rtc_media_devices_list(api->media, &list);

	for (size_t i = 0; i < n; i++)
		if (!list[i].fake && strcmp(list[i].kind, "audiooutput") == 0 &&
		    strcmp(list[i].id, target) == 0)
			return true;
	return false;
}

/* Play(): remote audio to the default output or `target`; again retargets. */
static int play(struct rtc_api_track_base *base, const char *target, struct rtc_error *err)
{
	struct rtc_api_remote_track *rt = remote_of(base);
	struct pw_core *core = rtc_media_devices_pipewire_core(rt->api->media);

	if (rt->ended)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the track has ended");
	if (!core)
		return rtc_error_set(err, RTC_ERROR_NOT_READABLE,
				     "PipeWire is not available: nothing to play to");
	if (strlen(target) >= sizeof(rt->play_target) || (*target && !output_exists(rt->api, target)))
		return rtc_error_set(err, RTC_ERROR_NOT_FOUND, "no audio output \"%.64s\"", target);
	snprintf(rt->play_target, sizeof(rt->play_target), "%s", target);
	if (start_playing(rt, core, err) < 0) {
		rt->play_wanted = false;
		return -1;
	}
	rt->play_wanted = true;
	rtc_info("%s: playing to %s", rt->path, *target ? target : "the default output");
	return 0;
}

static const struct rtc_api_track_ops remote_ops = {
	.label = label,
	.pipewire_node = pipewire_node,
	.enabled_changed = enabled_changed,
	.stop = stop,
	.settings = settings,
	.stats = stats,
	.apply_constraints = apply_constraints,
	.play = play,
};

/* ---- lifetime --------------------------------------------------------- */

struct rtc_api_remote_track *rtc_api_remote_track_new(struct rtc_api_transceiver *t,
						      enum rtc_media_kind kind, const char *id)
{
	struct rtc_api *api = t->pc->api;
	struct rtc_api_remote_track *rt = calloc(1, sizeof(*rt));
	struct rtc_error err = { 0 };
	struct pw_core *core;

	if (!rt)
		return NULL;
	rt->t = t;
	/* Made for a track the peer sends (W3C ontrack). */
	rt->receiving = true;
	if (rtc_api_track_base_init(&rt->base, api, &remote_ops, kind, true, true) < 0 ||
	    !(rt->node_check = rtc_timer_new(api->reactor, node_check, rt)) ||
	    !(rt->push_held = rtc_idle_new(api->reactor, push_held, rt)))
		goto fail;
	if (id && id[0])
		snprintf(rt->id, sizeof(rt->id), "%s", id);
	else
		rtc_api_make_uuid(rt->id);
	if (rtc_api_track_base_publish(&rt->base, t->pc->owner, &err) < 0)
		goto fail;
	/* Published on PipeWire now if it is there, else when it comes. */
	rt->pipewire = rtc_media_devices_watch_pipewire(api->media, pipewire_changed, rt);
	if (!rt->pipewire)
		goto fail;
	if ((core = rtc_media_devices_pipewire_core(api->media)))
		publish(rt, core);
	return rt;
fail:
	rtc_idle_free(rt->push_held);
	rtc_timer_free(rt->node_check);
	rtc_api_track_base_fini(&rt->base);
	free(rt);
	return NULL;
}

void rtc_api_remote_track_free(struct rtc_api_remote_track *rt)
{
	if (!rt)
		return;
	if (!rt->ended) {
		end(rt);
		rtc_api_track_base_emit_ended(&rt->base);
	}
	rtc_media_pipewire_watch_free(rt->pipewire);
	rtc_idle_free(rt->push_held);
	rtc_timer_free(rt->node_check);
	rtc_api_track_base_fini(&rt->base);
	free(rt);
}
