/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.RtpTransceiver at <pc>/transceiver/<k>, and the
 * PeerConnection methods that make them (AddTrack, RemoveTrack,
 * AddTransceiver). Transceivers themselves are JSEP's (engine/jsep): this
 * file puts each on the bus, follows what negotiation settled, and runs
 * its sender's media half: once a transceiver sends, the frames of its
 * track go through an rtc_media_sender (encoded on the daemon's worker
 * pool) into the session.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-private.h"
#include "common/log.h"
#include "engine/sdp/sdp.h"
#include "io/reactor.h"
#include "media/pipeline/result-sink.h"

/* What audio takes of the congestion controller's target, per sender; the
 * rest is shared by the video senders (Opus is good at 32-64 kbit/s). */
#define AUDIO_SHARE_BPS 48000u
/* A video sender gets at least this, whatever the target says. */
#define VIDEO_FLOOR_BPS 50000u

static const char *const direction_names[] = {
	"sendrecv", "sendonly", "recvonly", "inactive", NULL,
};

static int parse_direction(const char *s, enum rtc_jsep_direction *out, struct rtc_error *err)
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

static enum rtc_jsep_media_kind track_kind(const struct rtc_api_track *track)
{
	return track->kind == RTC_MEDIA_AUDIO ? RTC_JSEP_MEDIA_AUDIO : RTC_JSEP_MEDIA_VIDEO;
}

static bool append_path(DBusMessageIter *iter, const char *s);

static bool info_of(const struct rtc_api_transceiver *t, struct rtc_jsep_transceiver *info)
{
	return rtc_jsep_transceiver_info(t->pc->jsep, t->index, info);
}

static struct rtc_api_transceiver *by_index(struct rtc_api_pc *pc, size_t index)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (t->index == index)
			return t;
	}
	return NULL;
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

/* A published track of the owner's; others' tracks are as absent as
 * tracks that never were (isolation). */
static struct rtc_api_track *find_track(struct rtc_api_pc *pc, const char *path,
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

/* ---- the worker pool -------------------------------------------------- */

static void on_pool_ready(void *userdata, int fd, uint32_t revents)
{
	struct rtc_api *api = userdata;
	struct rtc_worker_result res;

	while (rtc_worker_pool_poll(api->pool, &res))
		rtc_media_result_dispatch(&res);
}

struct rtc_worker_pool *rtc_api_media_pool(struct rtc_api *api, struct rtc_error *err)
{
	if (api->pool)
		return api->pool;
	api->pool = rtc_worker_pool_new(0, err);
	if (!api->pool)
		return NULL;
	api->pool_watch = rtc_watch_add(api->reactor, rtc_worker_pool_fd(api->pool), POLLIN,
					on_pool_ready, api);
	if (!api->pool_watch) {
		rtc_worker_pool_free(api->pool);
		api->pool = NULL;
		rtc_error_set(err, RTC_ERROR_OPERATION, "cannot watch the codec worker pool");
		return NULL;
	}
	return api->pool;
}

void rtc_api_media_pool_free(struct rtc_api *api)
{
	if (api->pool_watch)
		rtc_watch_remove(api->pool_watch);
	rtc_worker_pool_free(api->pool);
	api->pool_watch = NULL;
	api->pool = NULL;
}

/* ---- the sender ------------------------------------------------------- */

static void on_encoded(void *user, const uint8_t *data, size_t len, uint64_t capture_ns,
		       bool key_frame, int audio_level)
{
	struct rtc_api_transceiver *t = user;
	struct rtc_error err = { 0 };

	if (rtc_session_send_frame(t->pc->session, t->index, capture_ns, data, len, audio_level,
				   &err) < 0)
		rtc_debug("%s: frame not sent: %s", t->path, err.message);
}

static const struct rtc_media_sender_callbacks sender_callbacks = {
	.encoded = on_encoded,
};

/* Splits the target between the senders: audio a fixed share, video the rest. */
static void share_bitrate(struct rtc_api_pc *pc)
{
	struct rtc_list *pos;
	unsigned n_audio = 0, n_video = 0;
	uint64_t video;

	if (!pc->target_bitrate)
		return;
	rtc_list_for_each(pos, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (!t->sender)
			continue;
		if (rtc_codec_is_audio(rtc_media_sender_codec(t->sender)))
			n_audio++;
		else
			n_video++;
	}
	video = pc->target_bitrate > (uint64_t)n_audio * AUDIO_SHARE_BPS
			? pc->target_bitrate - (uint64_t)n_audio * AUDIO_SHARE_BPS : 0;
	if (n_video)
		video /= n_video;
	if (video < VIDEO_FLOOR_BPS)
		video = VIDEO_FLOOR_BPS;
	if (video > UINT32_MAX)
		video = UINT32_MAX;
	rtc_list_for_each(pos, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (!t->sender)
			continue;
		rtc_media_sender_set_target_bitrate(
			t->sender, rtc_codec_is_audio(rtc_media_sender_codec(t->sender))
					   ? AUDIO_SHARE_BPS : (uint32_t)video);
	}
}

static void free_sender(struct rtc_api_transceiver *t)
{
	rtc_media_sender_free(t->sender);
	t->sender = NULL;
}

/* Whether the negotiated transceiver sends now, and with which codec. */
static enum rtc_codec send_codec(struct rtc_api_transceiver *t)
{
	struct rtc_jsep_transceiver info;

	if (!t->track || t->track->ended || !info_of(t, &info) || !info.negotiated ||
	    info.stopping || info.stopped || !info.has_current_direction || !info.n_codecs ||
	    (info.current_direction != RTC_JSEP_SENDRECV &&
	     info.current_direction != RTC_JSEP_SENDONLY) ||
	    rtc_session_dtls_state(t->pc->session) != RTC_DTLS_CONNECTED)
		return RTC_CODEC_NONE;
	return rtc_codec_from_name(info.codecs[0].name);
}

/* Makes or frees the sender to match what is negotiated. */
static void update_sender(struct rtc_api_transceiver *t)
{
	enum rtc_codec codec = send_codec(t);
	struct rtc_media_sender_config config = { .codec = codec };
	const struct rtc_media_settings *s;
	struct rtc_error err = { 0 };

	if (t->sender && rtc_media_sender_codec(t->sender) != codec)
		free_sender(t);
	if (codec == RTC_CODEC_NONE || t->sender || t->send_failed)
		return;
	s = &t->track->settings;
	if (rtc_codec_is_audio(codec)) {
		config.channels = s->channels >= 2 ? 2 : 1;
	} else {
		config.width = s->width;
		config.height = s->height;
		config.framerate = s->frame_rate > 0 ? (uint32_t)(s->frame_rate + 0.5) : 0;
	}
	if (!rtc_api_media_pool(t->pc->api, &err) ||
	    !(t->sender = rtc_media_sender_new(&config, t->pc->api->pool, &sender_callbacks, t,
					       &err))) {
		/* Not retried on every event: the owner sees no packets sent. */
		t->send_failed = true;
		rtc_warn("%s: cannot send %s: %s", t->path, rtc_codec_name(codec), err.message);
		return;
	}
	if (rtc_media_sender_set_parameters(t->sender, &t->params, &err) < 0)
		rtc_warn("%s: parameters not applied: %s", t->path, err.message);
	rtc_media_sender_set_enabled(t->sender, t->track->enabled);
	rtc_info("%s sends %s of %s", t->path, rtc_codec_name(codec), t->track->path);
	share_bitrate(t->pc);
}

/* The sender's track becomes `track` (NULL: none). */
static void set_track(struct rtc_api_transceiver *t, struct rtc_api_track *track)
{
	static const char *const names[] = { "SenderTrack", NULL };

	if (t->track == track)
		return;
	if (t->track)
		rtc_list_unlink(&t->track_link);
	t->track = track;
	if (track)
		rtc_list_append(&track->senders, &t->track_link);
	free_sender(t);
	t->send_failed = false;
	update_sender(t);
	rtc_bus_emit_properties_changed(t->object, RTC_API_IFACE_TRANSCEIVER, names);
}

void rtc_api_track_feed_video(struct rtc_api_track *track, const struct rtc_video_frame *frame)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &track->senders) {
		struct rtc_api_transceiver *t =
			rtc_container_of(pos, struct rtc_api_transceiver, track_link);
		struct rtc_error err = { 0 };

		if (t->sender && rtc_media_sender_push_video(t->sender, frame, &err) < 0)
			rtc_debug("%s: frame dropped: %s", t->path, err.message);
	}
}

void rtc_api_track_feed_audio(struct rtc_api_track *track, const struct rtc_audio_frame *frame)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &track->senders) {
		struct rtc_api_transceiver *t =
			rtc_container_of(pos, struct rtc_api_transceiver, track_link);
		struct rtc_error err = { 0 };

		if (t->sender && rtc_media_sender_push_audio(t->sender, frame, &err) < 0)
			rtc_debug("%s: audio dropped: %s", t->path, err.message);
	}
}

void rtc_api_track_enabled_changed(struct rtc_api_track *track)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &track->senders) {
		struct rtc_api_transceiver *t =
			rtc_container_of(pos, struct rtc_api_transceiver, track_link);
		if (t->sender)
			rtc_media_sender_set_enabled(t->sender, track->enabled);
	}
}

void rtc_api_track_detach_senders(struct rtc_api_track *track)
{
	while (!rtc_list_is_empty(&track->senders)) {
		struct rtc_api_transceiver *t = rtc_container_of(
			track->senders.next, struct rtc_api_transceiver, track_link);
		set_track(t, NULL);
	}
}

void rtc_api_pc_key_frame_request(struct rtc_api_pc *pc, size_t index)
{
	struct rtc_api_transceiver *t = by_index(pc, index);

	if (t && t->sender)
		rtc_media_sender_request_key_frame(t->sender);
}

/* ---- the receiver ------------------------------------------------------ */

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
	if (!(t = by_index(pc, index)) || !info_of(t, &info))
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
	struct rtc_api_transceiver *t = by_index(pc, index);

	if (t && t->remote)
		rtc_api_remote_track_frame(t->remote, frame);
}

const struct rtc_media_receiver *rtc_api_pc_receiver(struct rtc_api_pc *pc, size_t index)
{
	struct rtc_api_transceiver *t = by_index(pc, index);

	return t ? rtc_api_remote_track_receiver(t->remote) : NULL;
}

/* The loss the peer's receiver reports for each sender: Opus spends that
 * much on in-band FEC (video encoders ignore it). Looked at whenever the
 * congestion controller moves, which follows those same reports. */
static void follow_packet_loss(struct rtc_api_pc *pc)
{
	struct rtc_pc_media_stats st;
	struct rtc_list *pos;

	rtc_list_for_each(pos, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (t->sender && rtc_session_media_stats(pc->session, t->index, &st) &&
		    st.outbound.has_remote_report)
			rtc_media_sender_set_packet_loss(
				t->sender, (unsigned)(st.outbound.remote_fraction_lost * 100 + 0.5));
	}
}

void rtc_api_pc_target_bitrate(struct rtc_api_pc *pc, uint64_t bps)
{
	pc->target_bitrate = bps;
	share_bitrate(pc);
	follow_packet_loss(pc);
}

struct rtc_media_sender *rtc_api_pc_sender(struct rtc_api_pc *pc, size_t index)
{
	struct rtc_api_transceiver *t = by_index(pc, index);

	return t ? t->sender : NULL;
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

	return append_string(iter, info_of(data, &info) ? info.mid : "");
}

static bool get_kind(void *data, DBusMessageIter *iter)
{
	struct rtc_jsep_transceiver info;

	info_of(data, &info);
	return append_string(iter, rtc_jsep_media_kind_name(info.kind));
}

static bool get_direction(void *data, DBusMessageIter *iter)
{
	struct rtc_jsep_transceiver info;

	info_of(data, &info);
	return append_string(iter, rtc_jsep_direction_name(info.direction));
}

/* W3C currentDirection: null (here "") until negotiated. */
static bool get_current_direction(void *data, DBusMessageIter *iter)
{
	struct rtc_jsep_transceiver info;

	info_of(data, &info);
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
	if (info_of(data, &info) && info.negotiated) {
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

/* ---- RtpTransceiver methods ------------------------------------------- */

/* Stopping or stopped: W3C's InvalidStateError for most calls. */
static bool refuse_stopped(struct rtc_bus_call *call, struct rtc_api_transceiver *t)
{
	struct rtc_jsep_transceiver info;
	struct rtc_error err = { 0 };

	if (info_of(t, &info) && !info.stopping && !info.stopped)
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
	if (parse_direction(s, &dir, &err) < 0) {
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
	if (strcmp(path, "/") != 0 && !(track = find_track(t->pc, path, &err))) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	info_of(t, &info);
	if (track && track_kind(track) != info.kind) {
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
	set_track(t, track);
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
	info_of(t, &info);
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
	free_sender(t);
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
	free_sender(t);
	rtc_api_remote_track_free(t->remote);
	rtc_bus_object_remove(t->object);
	rtc_list_unlink(&t->link);
	free(t);
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
		if (!info_of(t, &info) || info.stopped) {
			transceiver_free(t);
			changed = true;
			continue;
		}
		announce_changes(t, &info);
		update_sender(t);
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
	t = by_index(pc, index);
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
	if (!(track = find_track(pc, path, &err)) ||
	    read_stream_ids(&args, ids, &n_ids, &err) < 0 ||
	    rtc_jsep_add_track(pc->jsep, track_kind(track), ids, n_ids, track->id, &index,
			       &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_api_pc_sync_transceivers(pc);
	if (by_index(pc, index))
		set_track(by_index(pc, index), track);
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
		set_track(t, NULL);
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
		return parse_direction(s, &init->direction, err);
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
