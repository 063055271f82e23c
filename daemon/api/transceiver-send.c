/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The media half of a transceiver's sender: once the transceiver sends
 * (negotiated, DTLS up) and has a track, the track's frames go through an
 * rtc_media_sender (encoded on the daemon's worker pool) into the session.
 * Also what the session says back about sending: key frame requests, the
 * congestion controller's target (shared out by media/pipeline's
 * bitrate-split) and the loss the peer reports.
 */
#include <poll.h>
#include <stdlib.h>

#include "api/api-private.h"
#include "common/log.h"
#include "io/reactor.h"
#include "media/pipeline/bitrate-split.h"
#include "media/pipeline/result-sink.h"

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
/* Splits the target between the senders: audio a fixed share, video the rest. */
static void share_bitrate(struct rtc_api_pc *pc)
{
	struct rtc_bitrate_split split;
	struct rtc_list *pos;
	unsigned n_audio = 0, n_video = 0;

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
	split = rtc_bitrate_split(pc->target_bitrate, n_audio, n_video);
	rtc_list_for_each(pos, &pc->transceivers) {
		struct rtc_api_transceiver *t = rtc_container_of(pos, struct rtc_api_transceiver, link);
		if (!t->sender)
			continue;
		rtc_media_sender_set_target_bitrate(
			t->sender, rtc_codec_is_audio(rtc_media_sender_codec(t->sender))
					   ? split.audio_bps : split.video_bps);
	}
}

void rtc_api_transceiver_free_sender(struct rtc_api_transceiver *t)
{
	rtc_media_sender_free(t->sender);
	t->sender = NULL;
}

/* Whether the negotiated transceiver sends now, and with which codec. */
static enum rtc_codec send_codec(struct rtc_api_transceiver *t)
{
	struct rtc_jsep_transceiver info;

	if (!t->track || t->track->ended || !rtc_api_transceiver_info(t, &info) || !info.negotiated ||
	    info.stopping || info.stopped || !info.has_current_direction || !info.n_codecs ||
	    (info.current_direction != RTC_JSEP_SENDRECV &&
	     info.current_direction != RTC_JSEP_SENDONLY) ||
	    rtc_session_dtls_state(t->pc->session) != RTC_DTLS_CONNECTED)
		return RTC_CODEC_NONE;
	return rtc_codec_from_name(info.codecs[0].name);
}

/* Makes or frees the sender to match what is negotiated. */
void rtc_api_transceiver_update_sender(struct rtc_api_transceiver *t)
{
	enum rtc_codec codec = send_codec(t);
	struct rtc_media_sender_config config = { .codec = codec };
	const struct rtc_media_settings *s;
	struct rtc_error err = { 0 };

	if (t->sender && rtc_media_sender_codec(t->sender) != codec)
		rtc_api_transceiver_free_sender(t);
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
void rtc_api_transceiver_set_track(struct rtc_api_transceiver *t, struct rtc_api_track *track)
{
	static const char *const names[] = { "SenderTrack", NULL };

	if (t->track == track)
		return;
	if (t->track)
		rtc_list_unlink(&t->track_link);
	t->track = track;
	if (track)
		rtc_list_append(&track->senders, &t->track_link);
	rtc_api_transceiver_free_sender(t);
	t->send_failed = false;
	rtc_api_transceiver_update_sender(t);
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
		rtc_api_transceiver_set_track(t, NULL);
	}
}

void rtc_api_pc_key_frame_request(struct rtc_api_pc *pc, size_t index)
{
	struct rtc_api_transceiver *t = rtc_api_transceiver_by_index(pc, index);

	if (t && t->sender)
		rtc_media_sender_request_key_frame(t->sender);
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
	struct rtc_api_transceiver *t = rtc_api_transceiver_by_index(pc, index);

	return t ? t->sender : NULL;
}
