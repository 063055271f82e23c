/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A MediaStreamTrack of the caller's camera or microphone
 * (daemon/media/devices does the capturing); track-common.c serves the
 * interface. The object appears once its device delivered a first frame;
 * Stop() ends it and removes it, as dropping the last reference to a
 * stopped track does in a page. ApplyConstraints answers once the device
 * delivers the new settings (or could not, and went back to the old ones);
 * calls meanwhile wait their turn, as W3C queues them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-private.h"
#include "common/log.h"
#include "engine/base/rng.h"
#include "io/reactor.h"

static const char *kind_name(enum rtc_media_kind kind)
{
	return kind == RTC_MEDIA_AUDIO ? "audio" : "video";
}

/* Queued ApplyConstraints calls beyond this are refused (LimitsExceeded):
 * a page awaits each; a caller that does not only fills memory. */
#define MAX_APPLIES 16

static struct rtc_api_track *track_of(const struct rtc_api_track_base *base)
{
	return rtc_container_of(base, struct rtc_api_track, base);
}

/* ---- ApplyConstraints, one at a time ------------------------------------ */

struct apply {
	struct rtc_list link;           /* in track->applies */
	struct rtc_bus_call *call;
	struct rtc_media_constraints constraints;  /* device_id points into device_id */
	char device_id[RTC_MEDIA_MAX_ID];
};

/* Answers the first call of the queue (err NULL: applied). */
static void answer_first(struct rtc_api_track *track, const struct rtc_error *err)
{
	struct apply *a = rtc_container_of(track->applies.next, struct apply, link);

	rtc_list_unlink(&a->link);
	track->n_applies--;
	if (err)
		rtc_bus_reply_error(a->call, err);
	else
		rtc_bus_reply_empty(a->call);
	free(a);
}

/* Starts the first call of the queue on the device, answering at once
 * those it refuses. */
static void apply_next(struct rtc_api_track *track)
{
	while (!rtc_list_is_empty(&track->applies)) {
		struct apply *a = rtc_container_of(track->applies.next, struct apply, link);
		struct rtc_error err = { 0 };

		if (!track->capture)
			rtc_error_set(&err, RTC_ERROR_INVALID_STATE, "the track has ended");
		else if (rtc_media_capture_apply(track->capture, &a->constraints, &err) == 0)
			return;   /* on_applied answers */
		answer_first(track, &err);
	}
}

/* Every call still queued, answered with err: the track ends or goes. */
static void answer_all(struct rtc_api_track *track, const struct rtc_error *err)
{
	while (!rtc_list_is_empty(&track->applies))
		answer_first(track, err);
}

/* Ends the track: no more frames, the capture is released. */
static void end(struct rtc_api_track *track)
{
	if (!rtc_api_track_base_end(&track->base))
		return;
	rtc_media_capture_close(track->capture);
	track->capture = NULL;
}

static void answer_ended(struct rtc_api_track *track)
{
	struct rtc_error err;

	rtc_error_set(&err, RTC_ERROR_INVALID_STATE, "the track has ended");
	answer_all(track, &err);
}

/* ---- capture events (daemon/media/devices) ------------------------------ */

static void frame_arrived(struct rtc_api_track *track)
{
	track->frames++;
	rtc_api_track_base_frame(&track->base);
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
	answer_ended(track);
	rtc_api_track_base_emit_ended(&track->base);
}

static void on_opened(void *user, const struct rtc_error *err)
{
	struct rtc_api_track *track = user;

	if (!err)
		rtc_media_capture_settings(track->capture, &track->settings);
	rtc_api_user_media_opened(track, err);
}

static void on_applied(void *user, const struct rtc_error *err)
{
	struct rtc_api_track *track = user;

	/* W3C: the settings are the new ones when the promise resolves, and
	 * the previous ones still when it rejects. */
	rtc_media_capture_settings(track->capture, &track->settings);
	if (rtc_list_is_empty(&track->applies))
		return;
	if (err)
		rtc_info("%s: ApplyConstraints: %s", track->path, err->message);
	answer_first(track, err);
	apply_next(track);
}

static const struct rtc_media_capture_events capture_events = {
	.opened = on_opened,
	.video = on_video,
	.audio = on_audio,
	.ended = on_ended,
	.applied = on_applied,
};

/* ---- the interface's operations (track-common.c) -------------------- */

static const char *label(const struct rtc_api_track_base *base)
{
	return track_of(base)->settings.label;
}

static const char *pipewire_node(const struct rtc_api_track_base *base)
{
	return track_of(base)->settings.node;
}

static void enabled_changed(struct rtc_api_track_base *base)
{
	/* W3C: the senders send black frames or silence meanwhile. */
	rtc_api_track_enabled_changed(track_of(base));
}

static void stop(struct rtc_api_track_base *base)
{
	/* W3C stop(): ended without an `ended` event. Nothing can be done with
	 * a stopped track, so the object goes too, and its quota with it. */
	rtc_api_track_free(track_of(base));
}

static void add_int(DBusMessageIter *dict, const char *key, uint32_t value)
{
	int32_t v = (int32_t)value;

	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_INT32, &v);
}

static void settings(struct rtc_api_track_base *base, DBusMessageIter *dict)
{
	const struct rtc_media_settings *s = &track_of(base)->settings;

	/* W3C MediaTrackSettings, by their names. */
	rtc_bus_dict_add_string(dict, "deviceId", s->device_id);
	rtc_bus_dict_add_string(dict, "groupId", s->group_id);
	if (base->kind == RTC_MEDIA_VIDEO) {
		double aspect = s->height ? (double)s->width / s->height : 0;

		add_int(dict, "width", s->width);
		add_int(dict, "height", s->height);
		rtc_bus_dict_add_basic(dict, "frameRate", DBUS_TYPE_DOUBLE, &s->frame_rate);
		rtc_bus_dict_add_basic(dict, "aspectRatio", DBUS_TYPE_DOUBLE, &aspect);
		rtc_bus_dict_add_string(dict, "resizeMode", s->scaled ? "crop-and-scale" : "none");
	} else {
		add_int(dict, "sampleRate", s->sample_rate);
		add_int(dict, "sampleSize", 16);
		add_int(dict, "channelCount", s->channels);
	}
}

static void apply_constraints(struct rtc_api_track_base *base, struct rtc_bus_call *call)
{
	static const char *const video_keys[] = {
		"device-id:s", "width:u", "height:u", "frame-rate:d", NULL,
	};
	static const char *const audio_keys[] = {
		"device-id:s", "sample-rate:u", "channels:u", NULL,
	};
	struct rtc_api_track *track = track_of(base);
	struct rtc_media_constraints c = { .kind = track->kind };
	struct rtc_error err = { 0 };
	DBusMessageIter args;
	struct apply *a;

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
	if (track->n_applies >= MAX_APPLIES) {
		rtc_error_set(&err, RTC_ERROR_OPERATION, "%d ApplyConstraints calls wait already",
			      MAX_APPLIES);
		rtc_bus_reply_limits_exceeded(call, &err);
		return;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		rtc_error_set(&err, RTC_ERROR_OPERATION, "out of memory");
		rtc_bus_reply_error(call, &err);
		return;
	}
	a->call = call;
	a->constraints = c;
	if (c.device_id) {
		/* The message goes with the answer: keep what outlives it. */
		snprintf(a->device_id, sizeof(a->device_id), "%s", c.device_id);
		a->constraints.device_id = a->device_id;
	}
	rtc_list_append(&track->applies, &a->link);
	if (++track->n_applies == 1)
		apply_next(track);
}

static void stats(struct rtc_api_track_base *base, DBusMessageIter *dict)
{
	uint64_t frames = track_of(base)->frames;

	/* W3C MediaStreamTrack{Video,Audio}Stats (mediacapture-extensions):
	 * every frame the source delivered reaches the track's consumers. */
	rtc_bus_dict_add_basic(dict, "deliveredFrames", DBUS_TYPE_UINT64, &frames);
	if (base->kind == RTC_MEDIA_VIDEO) {
		struct rtc_api_track *track = track_of(base);
		/* Frames the camera sent that did not decode (a corrupt MJPG). */
		uint64_t discarded = track->capture ? rtc_media_capture_discarded(track->capture) : 0;
		uint64_t total = frames + discarded;

		rtc_bus_dict_add_basic(dict, "discardedFrames", DBUS_TYPE_UINT64, &discarded);
		rtc_bus_dict_add_basic(dict, "totalFrames", DBUS_TYPE_UINT64, &total);
	}
}

/* No play: W3C has no such method on a track; the contract plays remote
 * audio only (NotSupportedError here). */
static const struct rtc_api_track_ops local_ops = {
	.label = label,
	.pipewire_node = pipewire_node,
	.enabled_changed = enabled_changed,
	.stop = stop,
	.settings = settings,
	.stats = stats,
	.apply_constraints_later = apply_constraints,
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
	    rtc_api_track_base_init(&track->base, api, &local_ops, constraints->kind, false,
				    false) < 0) {
		if (track) {
			rtc_api_track_base_fini(&track->base);
			free(track->owner);
		}
		free(track);
		rtc_bus_quota_release(api->bus, owner, RTC_QUOTA_TRACKS, 1);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	rtc_list_init(&track->senders);
	rtc_list_init(&track->applies);
	rtc_api_make_uuid(track->id);
	if (rtc_media_capture_open(api->media, constraints, remote, &capture_events, track,
				   &track->capture, err) < 0) {
		rtc_api_track_base_fini(&track->base);
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
	if (rtc_api_track_base_publish(&track->base, track->owner, err) < 0)
		return -1;
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
	track->capture = NULL;
	answer_ended(track);
	rtc_api_track_base_fini(&track->base);
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
