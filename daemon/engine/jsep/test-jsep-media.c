/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Media between two rtc_jsep: transceivers made by addTrack and
 * addTransceiver and by remote offers, what each side settles (codecs,
 * payload types, extension ids, SSRCs, msid, directions), renegotiation,
 * stopping and recycling an m-line, rollback, and a browser's answer to our
 * offer.
 */
#include <strings.h>

#include "engine/jsep/test-jsep.h"

static struct rtc_jsep_transceiver tx(const struct rtc_jsep *jsep, size_t i)
{
	struct rtc_jsep_transceiver t;

	memset(&t, 0, sizeof(t));
	CHECK(rtc_jsep_transceiver_info(jsep, i, &t));
	return t;
}

static size_t add_track(struct rtc_jsep *jsep, enum rtc_jsep_media_kind kind, const char *stream,
			const char *track)
{
	const char *streams[] = { stream };
	size_t index = SIZE_MAX;

	OK(rtc_jsep_add_track(jsep, kind, streams, stream ? 1 : 0, track, &index, ERR));
	return index;
}

static size_t take_track_events(struct rtc_jsep *jsep, size_t *first)
{
	size_t n = 0, index;

	while (rtc_jsep_take_track_event(jsep, &index))
		if (n++ == 0 && first)
			*first = index;
	return n;
}

static const struct rtc_jsep_codec *codec(const struct rtc_jsep_transceiver *t, const char *name)
{
	for (size_t i = 0; i < t->n_codecs; i++)
		if (!strcmp(t->codecs[i].name, name))
			return &t->codecs[i];
	return NULL;
}

/* What one side sends the other receives: SSRCs, CNAME, msid. */
static void check_sender_receiver(const struct rtc_jsep_transceiver *s,
				  const struct rtc_jsep_transceiver *r)
{
	CHECK_STREQ(s->mid, r->mid);
	CHECK_INTEQ(s->remote_ssrc == 0 ? r->ssrc : s->remote_ssrc, r->ssrc);
	CHECK_INTEQ(r->remote_ssrc, s->ssrc);
	CHECK_STREQ(r->remote_cname, s->cname);
	CHECK_STREQ(r->remote_track_id, s->track_id);
	CHECK_INTEQ(r->n_remote_stream_ids, s->n_stream_ids);
	if (r->n_remote_stream_ids == 1 && s->n_stream_ids == 1)
		CHECK_STREQ(r->remote_stream_ids[0], s->stream_ids[0]);
}

static void check_transports(const struct rtc_jsep *a, const struct rtc_jsep *b)
{
	struct rtc_jsep_transport ta, tb;

	CHECK(rtc_jsep_transport(a, &ta));
	CHECK(rtc_jsep_transport(b, &tb));
	CHECK_STREQ(ta.mid, tb.mid);
	CHECK(ta.dtls_client != tb.dtls_client);
	CHECK_STREQ(ta.remote_ice_ufrag, tb.local_ice_ufrag);
	CHECK_STREQ(tb.remote_ice_ufrag, ta.local_ice_ufrag);
	CHECK_STREQ(ta.remote_ice_pwd, tb.local_ice_pwd);
	CHECK_STREQ(ta.remote_fingerprint, rtc_jsep_fingerprint(b));
	CHECK_STREQ(tb.remote_fingerprint, rtc_jsep_fingerprint(a));
}

/* Audio and video from A with a data channel; B answers with what a
 * remote offer made, then sends audio back on the same transceiver. */
static void test_audio_video_data(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	struct rtc_jsep_transceiver ta, tb;
	struct rtc_sdp_session *s;
	size_t first = SIZE_MAX;
	char *offer;

	CHECK_INTEQ(add_track(a, RTC_JSEP_MEDIA_AUDIO, "s1", "mic"), 0);
	CHECK_INTEQ(add_track(a, RTC_JSEP_MEDIA_VIDEO, "s1", "cam"), 1);
	/* Already needed for the data channel: no second event. */
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	offer = create_offer(a, false);
	s = parse(offer);
	CHECK(s && s->n_media == 3);
	if (s && s->n_media == 3) {
		const struct rtc_sdp_group *g = rtc_sdp_group(s, "BUNDLE");

		CHECK(!strcmp(s->media[0]->type, "audio") && !strcmp(s->media[1]->type, "video") &&
		      !strcmp(s->media[2]->type, "application"));
		CHECK(g && g->n_mids == 3 && !strcmp(g->mids[0], "0") && !strcmp(g->mids[2], "2"));
		/* max-bundle: the first carries the transport, the others
		 * are bundle-only. */
		CHECK(s->media[0]->port == 9 && !rtc_sdp_media_has(s->media[0], "bundle-only"));
		CHECK(s->media[1]->port == 0 && rtc_sdp_media_has(s->media[1], "bundle-only"));
		CHECK(rtc_sdp_media_has(s->media[0], "rtcp-mux") &&
		      rtc_sdp_media_has(s->media[0], "rtcp-rsize"));
		CHECK(rtc_sdp_media_attr(s->media[1], "ssrc-group", NULL) != NULL);
		CHECK_STREQ(rtc_sdp_media_attr(s->media[0], "msid", NULL)->value, "s1 mic");
	}
	rtc_sdp_free(s);
	free(offer);
	negotiate(a, b, false);
	CHECK(!rtc_jsep_take_negotiation_needed(a));

	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 2);
	CHECK_INTEQ(take_track_events(b, &first), 2);
	CHECK_INTEQ(first, 0);
	CHECK_INTEQ(take_track_events(a, NULL), 0);
	for (size_t i = 0; i < 2; i++) {
		ta = tx(a, i);
		tb = tx(b, i);
		CHECK_INTEQ(ta.kind, tb.kind);
		CHECK_INTEQ(ta.mline_index, (int)i);
		CHECK_INTEQ(tb.direction, RTC_JSEP_RECVONLY);
		CHECK_INTEQ(ta.current_direction, RTC_JSEP_SENDONLY);
		CHECK_INTEQ(tb.current_direction, RTC_JSEP_RECVONLY);
		check_sender_receiver(&ta, &tb);
		CHECK_INTEQ(ta.n_codecs, tb.n_codecs);
		for (size_t c = 0; c < ta.n_codecs && c < tb.n_codecs; c++) {
			CHECK_INTEQ(ta.codecs[c].payload_type, tb.codecs[c].payload_type);
			CHECK_INTEQ(ta.codecs[c].rtx_payload_type, tb.codecs[c].rtx_payload_type);
			CHECK_INTEQ(ta.codecs[c].nack, tb.codecs[c].nack);
			CHECK_INTEQ(ta.codecs[c].transport_cc, tb.codecs[c].transport_cc);
		}
		CHECK(!memcmp(&ta.extensions, &tb.extensions, sizeof(ta.extensions)));
		CHECK(ta.extensions.mid && ta.extensions.transport_cc && ta.extensions.abs_send_time);
		CHECK(ta.rtcp_rsize && tb.rtcp_rsize);
	}
	ta = tx(a, 0);
	CHECK(codec(&ta, "opus") && codec(&ta, "opus")->channels == 2 &&
	      codec(&ta, "opus")->payload_type == 111 && codec(&ta, "opus")->rtx_payload_type == -1);
	CHECK(ta.extensions.audio_level != 0);
	ta = tx(a, 1);
	CHECK(codec(&ta, "VP8") && codec(&ta, "VP8")->rtx_payload_type == 97 &&
	      codec(&ta, "VP8")->pli && codec(&ta, "VP8")->fir && codec(&ta, "VP8")->remb);
	CHECK(codec(&ta, "H264") && strstr(codec(&ta, "H264")->fmtp, "profile-level-id=42e01f"));
	CHECK_INTEQ(ta.n_codecs, 5);
	CHECK_INTEQ(ta.extensions.audio_level, 0);
	check_transports(a, b);
	check_sessions_match(a, b);

	/* B's addTrack takes the transceiver the offer made (W3C). */
	CHECK_INTEQ(add_track(b, RTC_JSEP_MEDIA_AUDIO, NULL, "b-mic"), 0);
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 2);
	CHECK_INTEQ(tx(b, 0).direction, RTC_JSEP_SENDRECV);
	CHECK(rtc_jsep_take_negotiation_needed(b));
	negotiate(b, a, false);
	CHECK(!rtc_jsep_take_negotiation_needed(b));
	CHECK_INTEQ(take_track_events(a, &first), 1);
	CHECK_INTEQ(first, 0);
	CHECK_INTEQ(tx(a, 0).current_direction, RTC_JSEP_SENDRECV);
	CHECK_INTEQ(tx(b, 0).current_direction, RTC_JSEP_SENDRECV);
	CHECK_INTEQ(tx(b, 1).current_direction, RTC_JSEP_RECVONLY);
	ta = tx(a, 0);
	tb = tx(b, 0);
	check_sender_receiver(&tb, &ta);
	CHECK_INTEQ(ta.n_remote_stream_ids, 0);
	check_transports(a, b);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* Audio without data channels, from addTransceiver without a track: ICE
 * and DTLS come from the audio section; no msid without a track, but the
 * sending section names its SSRC. */
static void test_audio_only(void)
{
	struct rtc_jsep *a = new_jsep(false), *b = new_jsep(false);
	struct rtc_jsep_sctp_session session;
	struct rtc_jsep_ice_section ice;
	size_t index;
	char *offer;

	OK(rtc_jsep_add_transceiver(a, RTC_JSEP_MEDIA_AUDIO, RTC_JSEP_SENDRECV, NULL, 0, NULL,
				    &index, ERR));
	CHECK(rtc_jsep_take_negotiation_needed(a));
	offer = create_offer(a, false);
	CHECK(strstr(offer, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n") != NULL);
	CHECK(!strstr(offer, "a=msid:"));
	CHECK(!strstr(offer, "m=application"));
	free(offer);
	negotiate(a, b, false);
	CHECK(!rtc_jsep_sctp_session(a, &session));
	check_transports(a, b);
	CHECK(rtc_jsep_local_ice(a, &ice) && !strcmp(ice.mid, "0") && ice.mline_index == 0);
	CHECK(rtc_jsep_remote_ice(b, &ice) && !strcmp(ice.mid, "0"));
	CHECK_INTEQ(tx(a, 0).direction, RTC_JSEP_SENDRECV);
	CHECK_INTEQ(tx(a, 0).current_direction, RTC_JSEP_SENDONLY);
	CHECK_INTEQ(tx(b, 0).current_direction, RTC_JSEP_RECVONLY);
	CHECK_INTEQ(tx(b, 0).remote_ssrc, tx(a, 0).ssrc);
	CHECK_STREQ(tx(b, 0).remote_track_id, "");
	/* A sends; B's recvonly answer means A sends only. B gets a track
	 * event, A none. */
	CHECK_INTEQ(take_track_events(b, NULL), 1);
	CHECK_INTEQ(take_track_events(a, NULL), 0);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* Video both ways with RTX: B's addTrack before the offer is matched to
 * the offered section rather than given a section of its own. */
static void test_video_rtx(void)
{
	struct rtc_jsep *a = new_jsep(false), *b = new_jsep(false);
	struct rtc_jsep_transceiver ta, tb;
	char *offer, *answer;

	add_track(a, RTC_JSEP_MEDIA_VIDEO, "sa", "va");
	add_track(b, RTC_JSEP_MEDIA_VIDEO, "sb", "vb");
	offer = create_offer(a, false);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 1);
	answer = create_answer(b);
	CHECK(strstr(answer, "a=sendrecv") && strstr(answer, "a=ssrc-group:FID "));
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, answer, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, answer, ERR));
	ta = tx(a, 0);
	tb = tx(b, 0);
	CHECK_INTEQ(ta.current_direction, RTC_JSEP_SENDRECV);
	CHECK_INTEQ(tb.current_direction, RTC_JSEP_SENDRECV);
	CHECK_INTEQ(ta.remote_ssrc, tb.ssrc);
	CHECK_INTEQ(ta.remote_rtx_ssrc, tb.rtx_ssrc);
	CHECK_INTEQ(tb.remote_rtx_ssrc, ta.rtx_ssrc);
	CHECK(ta.rtx_ssrc != 0 && ta.rtx_ssrc != ta.ssrc);
	CHECK_STREQ(ta.remote_stream_ids[0], "sb");
	CHECK_STREQ(tb.remote_track_id, "va");
	for (size_t c = 0; c < ta.n_codecs; c++)
		CHECK(ta.codecs[c].rtx_payload_type == ta.codecs[c].payload_type + 1);
	CHECK_INTEQ(take_track_events(a, NULL), 1);
	CHECK_INTEQ(take_track_events(b, NULL), 1);
	free(offer);
	free(answer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* A second video track later: a new section at the end, every earlier
 * section and mid where it was; the new one bundle-only under max-bundle,
 * the settled ones not. */
static void test_renegotiation_adds_track(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	struct rtc_sdp_session *s;
	char *offer;

	add_track(a, RTC_JSEP_MEDIA_AUDIO, "s", "mic");
	negotiate(a, b, false);
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	CHECK_INTEQ(add_track(a, RTC_JSEP_MEDIA_VIDEO, "s", "cam"), 1);
	CHECK(rtc_jsep_take_negotiation_needed(a));
	offer = create_offer(a, false);
	s = parse(offer);
	CHECK(s && s->n_media == 3);
	if (s && s->n_media == 3) {
		CHECK(!strcmp(s->media[0]->type, "audio") && !strcmp(rtc_sdp_media_mid(s->media[0]), "0"));
		CHECK(!strcmp(s->media[1]->type, "application") &&
		      !strcmp(rtc_sdp_media_mid(s->media[1]), "1"));
		CHECK(!strcmp(s->media[2]->type, "video") && !strcmp(rtc_sdp_media_mid(s->media[2]), "2"));
		CHECK(s->media[0]->port == 9 && s->media[1]->port == 9);
		CHECK(rtc_sdp_media_has(s->media[2], "bundle-only") && s->media[2]->port == 0);
		CHECK(rtc_sdp_group(s, "BUNDLE") && rtc_sdp_group(s, "BUNDLE")->n_mids == 3);
	}
	rtc_sdp_free(s);
	free(offer);
	negotiate(a, b, false);
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 2);
	CHECK_STREQ(tx(b, 1).mid, "2");
	CHECK_INTEQ(tx(b, 1).mline_index, 2);
	CHECK_INTEQ(tx(a, 1).current_direction, RTC_JSEP_SENDONLY);
	CHECK_INTEQ(take_track_events(b, NULL), 2);
	check_sessions_match(a, b);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* stop(): the section goes to port 0 with its mid; both sides stop; the
 * next new transceiver takes its place under a new mid. */
static void test_stop_and_recycle(void)
{
	struct rtc_jsep *a = new_jsep(false), *b = new_jsep(false);
	struct rtc_sdp_session *s;
	char *offer;

	add_track(a, RTC_JSEP_MEDIA_AUDIO, "s", "mic");
	add_track(a, RTC_JSEP_MEDIA_VIDEO, "s", "cam");
	negotiate(a, b, false);
	OK(rtc_jsep_stop_transceiver(a, 0, ERR));
	CHECK(tx(a, 0).stopping && !tx(a, 0).stopped);
	CHECK(rtc_jsep_take_negotiation_needed(a));
	offer = create_offer(a, false);
	s = parse(offer);
	CHECK(s && s->n_media == 2 && s->media[0]->port == 0 &&
	      !strcmp(rtc_sdp_media_mid(s->media[0]), "0") && s->media[1]->port == 9);
	CHECK(s && rtc_sdp_group(s, "BUNDLE") && rtc_sdp_group(s, "BUNDLE")->n_mids == 1);
	rtc_sdp_free(s);
	free(offer);
	negotiate(a, b, false);
	CHECK(tx(a, 0).stopped && tx(b, 0).stopped);
	CHECK_INTEQ(tx(a, 0).current_direction, RTC_JSEP_STOPPED);
	CHECK_INTEQ(tx(b, 0).current_direction, RTC_JSEP_STOPPED);
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	check_transports(a, b);
	CHECK_STREQ(tx(a, 1).mid, "1");

	/* The new audio track recycles m-line 0. */
	CHECK_INTEQ(add_track(a, RTC_JSEP_MEDIA_AUDIO, "s", "mic2"), 2);
	offer = create_offer(a, false);
	s = parse(offer);
	CHECK(s && s->n_media == 2 && s->media[0]->kind == RTC_SDP_MEDIA_AUDIO &&
	      strcmp(rtc_sdp_media_mid(s->media[0]), "0") != 0 &&
	      strcmp(rtc_sdp_media_mid(s->media[0]), "1") != 0);
	rtc_sdp_free(s);
	free(offer);
	negotiate(a, b, false);
	CHECK_INTEQ(tx(a, 2).mline_index, 0);
	CHECK_INTEQ(tx(a, 2).current_direction, RTC_JSEP_SENDONLY);
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 3);
	CHECK_STREQ(tx(b, 2).mid, tx(a, 2).mid);
	CHECK(tx(b, 0).stopped);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* direction changes give currentDirection on both sides, and each one
 * needs negotiation. */
static void test_direction_changes(void)
{
	static const struct {
		enum rtc_jsep_direction a_wants, b_wants, a_current, b_current;
	} steps[] = {
		{ RTC_JSEP_SENDONLY, RTC_JSEP_RECVONLY, RTC_JSEP_SENDONLY, RTC_JSEP_RECVONLY },
		{ RTC_JSEP_SENDRECV, RTC_JSEP_SENDRECV, RTC_JSEP_SENDRECV, RTC_JSEP_SENDRECV },
		{ RTC_JSEP_RECVONLY, RTC_JSEP_SENDRECV, RTC_JSEP_RECVONLY, RTC_JSEP_SENDONLY },
		{ RTC_JSEP_INACTIVE, RTC_JSEP_SENDRECV, RTC_JSEP_INACTIVE, RTC_JSEP_INACTIVE },
		{ RTC_JSEP_SENDRECV, RTC_JSEP_INACTIVE, RTC_JSEP_INACTIVE, RTC_JSEP_INACTIVE },
	};
	struct rtc_jsep *a = new_jsep(false), *b = new_jsep(false);

	add_track(a, RTC_JSEP_MEDIA_VIDEO, "s", "cam");
	negotiate(a, b, false);
	add_track(b, RTC_JSEP_MEDIA_VIDEO, "t", "cam-b");
	rtc_jsep_take_negotiation_needed(b);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct rtc_error err = { 0 };

		OK(rtc_jsep_set_direction(b, 0, steps[i].b_wants, ERR));
		rtc_jsep_take_negotiation_needed(b);
		OK(rtc_jsep_set_direction(a, 0, steps[i].a_wants, ERR));
		negotiate(a, b, false);
		CHECK_INTEQ(tx(a, 0).current_direction, steps[i].a_current);
		CHECK_INTEQ(tx(b, 0).current_direction, steps[i].b_current);
		CHECK(!rtc_jsep_take_negotiation_needed(a));
		CHECK_INTEQ(rtc_jsep_set_direction(a, 0, RTC_JSEP_STOPPED, &err), -1);
		CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
		if (rtc_test_case_failed)
			printf("# ... in step %zu\n", i);
	}
	/* removeTrack: sendrecv loses send. */
	OK(rtc_jsep_set_direction(a, 0, RTC_JSEP_SENDRECV, ERR));
	OK(rtc_jsep_set_direction(b, 0, RTC_JSEP_SENDRECV, ERR));
	negotiate(a, b, false);
	OK(rtc_jsep_remove_track(a, 0, ERR));
	CHECK_INTEQ(tx(a, 0).direction, RTC_JSEP_RECVONLY);
	CHECK(rtc_jsep_take_negotiation_needed(a));
	negotiate(a, b, false);
	CHECK_INTEQ(tx(b, 0).current_direction, RTC_JSEP_SENDONLY);
	CHECK_STREQ(tx(b, 0).remote_track_id, "");
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* Rollback: a local offer's mids and a remote offer's transceivers go
 * back; one the app gave a track since stays, without a mid. */
static void test_rollback(void)
{
	struct rtc_jsep *a = new_jsep(false), *b = new_jsep(false);
	char *offer;

	add_track(a, RTC_JSEP_MEDIA_AUDIO, "s", "mic");
	add_track(a, RTC_JSEP_MEDIA_VIDEO, "s", "cam");
	offer = create_offer(a, false);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	CHECK_STREQ(tx(a, 0).mid, "0");
	CHECK_INTEQ(tx(a, 1).mline_index, 1);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_ROLLBACK, NULL, ERR));
	CHECK_STREQ(tx(a, 0).mid, "");
	CHECK_INTEQ(tx(a, 1).mline_index, -1);
	CHECK(!tx(a, 0).stopped);

	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 2);
	CHECK_INTEQ(add_track(b, RTC_JSEP_MEDIA_VIDEO, NULL, "b-cam"), 1);
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_ROLLBACK, NULL, ERR));
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 2);
	CHECK(tx(b, 0).stopped);                /* made by the offer: gone */
	CHECK(!tx(b, 1).stopped);               /* has a track now: stays */
	CHECK_STREQ(tx(b, 1).mid, "");
	CHECK_INTEQ(tx(b, 1).direction, RTC_JSEP_SENDRECV);

	/* And the offer again: B's video transceiver takes the section. */
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 3);
	CHECK_STREQ(tx(b, 1).mid, "1");
	CHECK_STREQ(tx(b, 2).mid, "0");
	free(offer);

	/* Glare: B's own offer rolled back by A's (perfect negotiation). */
	rtc_jsep_free(b);
	b = new_jsep(false);
	add_track(b, RTC_JSEP_MEDIA_AUDIO, NULL, "b-mic");
	offer = create_offer(b, false);
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	free(offer);
	CHECK_STREQ(tx(b, 0).mid, "0");
	offer = create_offer(a, false);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	/* B's audio (by addTrack, its mid rolled back) takes A's audio. */
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 2);
	CHECK_STREQ(tx(b, 0).mid, "0");
	CHECK_INTEQ(tx(b, 1).kind, RTC_JSEP_MEDIA_VIDEO);
	free(offer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

static void test_api_errors(void)
{
	struct rtc_jsep *a = new_jsep(false);
	const char *bad_streams[] = { "has space" };
	struct rtc_error err = { 0 };
	size_t index;

	CHECK_INTEQ(rtc_jsep_add_transceiver(a, RTC_JSEP_MEDIA_AUDIO, RTC_JSEP_STOPPED, NULL, 0,
					     NULL, &index, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK_INTEQ(rtc_jsep_add_track(a, RTC_JSEP_MEDIA_AUDIO, bad_streams, 1, "t", &index, &err),
		    -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	add_track(a, RTC_JSEP_MEDIA_AUDIO, NULL, "t");
	CHECK_INTEQ(rtc_jsep_add_track(a, RTC_JSEP_MEDIA_AUDIO, NULL, 0, "t", &index, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK_INTEQ(rtc_jsep_set_direction(a, 7, RTC_JSEP_SENDONLY, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(rtc_jsep_transceiver_count(a), 1);
	/* Never negotiated: stopped at once, nothing to negotiate. */
	OK(rtc_jsep_stop_transceiver(a, 0, ERR));
	CHECK(tx(a, 0).stopped);
	CHECK_INTEQ(rtc_jsep_set_direction(a, 0, RTC_JSEP_SENDONLY, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	rtc_jsep_take_negotiation_needed(a);
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	rtc_jsep_close(a);
	CHECK_INTEQ(rtc_jsep_add_track(a, RTC_JSEP_MEDIA_VIDEO, NULL, 0, "v", &index, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	rtc_jsep_free(a);
}

/* A browser's answer to our audio+video+data offer, written the way
 * Chromium writes answers (its own SSRCs, a subset of our codecs, rtcp-fb
 * without goog-remb, a=extmap for mid and transport-cc only). */
static void test_browser_answer(void)
{
	struct rtc_jsep *a = new_jsep(true);
	struct rtc_jsep_transceiver t;
	char *offer, answer[8192];
	struct rtc_sdp_session *s;
	const char *fp;

	add_track(a, RTC_JSEP_MEDIA_AUDIO, "s", "mic");
	add_track(a, RTC_JSEP_MEDIA_VIDEO, "s", "cam");
	offer = create_offer(a, false);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	/* What browsers check of an offer: extension ids the same across
	 * the bundle, every payload type with its rtpmap, FID SSRCs named. */
	s = parse(offer);
	for (size_t i = 0; s && i < s->n_media; i++) {
		const struct rtc_sdp_media *m = s->media[i];

		if (m->kind == RTC_SDP_MEDIA_APPLICATION)
			continue;
		for (size_t f = 0; f < m->n_fmts; f++)
			CHECK(rtc_sdp_media_rtpmap(m, (uint8_t)atoi(m->fmts[f])) != NULL);
		CHECK(strstr(offer, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid") != NULL);
		CHECK(rtc_sdp_ice_ufrag(s, m) && rtc_sdp_fingerprint(s, m));
		CHECK_INTEQ(rtc_sdp_setup(s, m), RTC_SDP_SETUP_ACTPASS);
	}
	rtc_sdp_free(s);
	fp = rtc_jsep_fingerprint(a);
	(void)fp;
	snprintf(answer, sizeof(answer),
		 "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		 "a=group:BUNDLE 0 1 2\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS st\r\n"
		 "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
		 "a=ice-ufrag:Br0w\r\na=ice-pwd:browserpasswordbrowser1\r\na=ice-options:trickle\r\n"
		 "a=fingerprint:sha-256 B1:A3:9F:8D:04:A8:E2:20:4B:58:D7:1C:41:71:EE:89:91:06:ED:E1:23:78:A8:BA:BE:EC:AB:6D:2A:E6:19:83\r\n"
		 "a=setup:active\r\na=mid:0\r\n"
		 "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
		 "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
		 "a=sendrecv\r\na=msid:st at\r\na=rtcp-mux\r\n"
		 "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
		 "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n"
		 "a=ssrc:1111 cname:browsercname\r\n"
		 "m=video 9 UDP/TLS/RTP/SAVPF 98 99\r\nc=IN IP4 0.0.0.0\r\n"
		 "a=ice-ufrag:Br0w\r\na=ice-pwd:browserpasswordbrowser1\r\na=ice-options:trickle\r\n"
		 "a=fingerprint:sha-256 B1:A3:9F:8D:04:A8:E2:20:4B:58:D7:1C:41:71:EE:89:91:06:ED:E1:23:78:A8:BA:BE:EC:AB:6D:2A:E6:19:83\r\n"
		 "a=setup:active\r\na=mid:1\r\n"
		 "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
		 "a=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
		 "a=rtpmap:98 H264/90000\r\na=rtcp-fb:98 nack\r\na=rtcp-fb:98 nack pli\r\n"
		 "a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
		 "a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n"
		 "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
		 "a=ice-ufrag:Br0w\r\na=ice-pwd:browserpasswordbrowser1\r\na=ice-options:trickle\r\n"
		 "a=fingerprint:sha-256 B1:A3:9F:8D:04:A8:E2:20:4B:58:D7:1C:41:71:EE:89:91:06:ED:E1:23:78:A8:BA:BE:EC:AB:6D:2A:E6:19:83\r\n"
		 "a=setup:active\r\na=mid:2\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n");
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, answer, ERR));
	t = tx(a, 0);
	CHECK_INTEQ(t.current_direction, RTC_JSEP_SENDRECV);
	CHECK_INTEQ(t.remote_ssrc, 1111);
	CHECK_STREQ(t.remote_cname, "browsercname");
	CHECK_STREQ(t.remote_stream_ids[0], "st");
	CHECK_INTEQ(t.n_codecs, 1);
	CHECK_STREQ(t.codecs[0].fmtp, "minptime=10;useinbandfec=1;usedtx=1");
	CHECK(t.codecs[0].transport_cc);
	CHECK_INTEQ(t.extensions.mid, 4);
	CHECK_INTEQ(t.extensions.transport_cc, 3);
	CHECK_INTEQ(t.extensions.abs_send_time, 0);
	CHECK(!t.rtcp_rsize);
	t = tx(a, 1);
	CHECK_INTEQ(t.current_direction, RTC_JSEP_SENDONLY);
	CHECK_INTEQ(t.n_codecs, 1);
	CHECK(t.codecs[0].payload_type == 98 && t.codecs[0].rtx_payload_type == 99);
	CHECK(t.codecs[0].nack && t.codecs[0].pli && !t.codecs[0].fir && !t.codecs[0].remb);
	CHECK(t.rtcp_rsize);
	CHECK_INTEQ(take_track_events(a, NULL), 1);
	{
		struct rtc_jsep_transport tr;

		CHECK(rtc_jsep_transport(a, &tr));
		CHECK(!tr.dtls_client && !strcmp(tr.mid, "0") && !strcmp(tr.remote_ice_ufrag, "Br0w"));
	}
	free(offer);
	rtc_jsep_free(a);
}

/* ---- remote offers written by hand ---- */

#define TRANSPORT \
	"c=IN IP4 0.0.0.0\r\na=ice-ufrag:Peer\r\na=ice-pwd:peerpasswordpeerpassword\r\n" \
	"a=fingerprint:sha-256 B1:A3:9F:8D:04:A8:E2:20:4B:58:D7:1C:41:71:EE:89:91:06:ED:E1:23:78:A8:BA:BE:EC:AB:6D:2A:E6:19:83\r\n" \
	"a=setup:actpass\r\n"
#define HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define AUDIO(mid, extra) \
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" TRANSPORT "a=mid:" mid "\r\na=sendrecv\r\n" \
	"a=rtpmap:111 opus/48000/2\r\n" extra
#define DATA(mid) \
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" TRANSPORT "a=mid:" mid "\r\n" \
	"a=sctp-port:5000\r\n"
#define VIDEO_H264(mid, fmtp) \
	"m=video 9 UDP/TLS/RTP/SAVPF 100\r\n" TRANSPORT "a=mid:" mid "\r\na=sendonly\r\n" \
	"a=rtcp-mux\r\na=rtpmap:100 H264/90000\r\na=fmtp:100 " fmtp "\r\n"

/* Our answer to text: its section i, parsed (free the session). */
static struct rtc_sdp_session *answer_to(struct rtc_jsep *jsep, const char *text)
{
	char *answer;
	struct rtc_sdp_session *s;

	OK(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, text, ERR));
	answer = create_answer(jsep);
	OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_ANSWER, answer, ERR));
	s = parse(answer);
	free(answer);
	return s;
}

static const char *fmtp_value(const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, "fmtp", NULL);

	return a ? a->fmtp->parameters : "";
}

static void test_remote_offer_edges(void)
{
	struct rtc_jsep *j;
	struct rtc_sdp_session *s;

	/* No BUNDLE: one transport, the data section's as before media. */
	j = new_jsep(false);
	s = answer_to(j, HEAD AUDIO("a", "a=rtcp-mux\r\n") DATA("d"));
	CHECK(s && s->n_media == 2 && s->media[0]->port == 0 && s->media[1]->port == 9);
	CHECK(s && !rtc_sdp_group(s, "BUNDLE"));
	CHECK(tx(j, 0).stopped);
	rtc_sdp_free(s);
	rtc_jsep_free(j);

	/* No BUNDLE, audio alone: taken. */
	j = new_jsep(false);
	s = answer_to(j, HEAD AUDIO("a", "a=rtcp-mux\r\n"));
	CHECK(s && s->n_media == 1 && s->media[0]->port == 9);
	CHECK(tx(j, 0).negotiated && !tx(j, 0).stopped);
	rtc_sdp_free(s);
	rtc_jsep_free(j);

	/* No rtcp-mux: refused, the rest goes on. */
	j = new_jsep(false);
	s = answer_to(j, HEAD "a=group:BUNDLE a d\r\n" AUDIO("a", "") DATA("d"));
	CHECK(s && s->n_media == 2 && s->media[0]->port == 0 && s->media[1]->port == 9);
	CHECK(tx(j, 0).stopped && !tx(j, 0).negotiated);
	rtc_sdp_free(s);
	rtc_jsep_free(j);

	/* H.264: Main profile is not ours; the level without asymmetry is
	 * the lower one, with it ours. */
	j = new_jsep(false);
	s = answer_to(j, HEAD "a=group:BUNDLE v w x\r\n"
			 VIDEO_H264("v", "profile-level-id=4d001f;packetization-mode=1")
			 VIDEO_H264("w", "profile-level-id=42e00d;packetization-mode=1")
			 VIDEO_H264("x", "profile-level-id=42C033;packetization-mode=0;level-asymmetry-allowed=1"));
	CHECK(s && s->n_media == 3);
	if (s && s->n_media == 3) {
		CHECK_INTEQ(s->media[0]->port, 0);
		CHECK_INTEQ(s->media[1]->port, 9);
		CHECK(strstr(fmtp_value(s->media[1]), "profile-level-id=42e00d") != NULL);
		CHECK(strstr(fmtp_value(s->media[2]), "profile-level-id=42c01f") != NULL);
		CHECK(strstr(fmtp_value(s->media[2]), "packetization-mode=0") != NULL);
		CHECK_INTEQ(rtc_sdp_direction(s, s->media[1]), RTC_SDP_DIRECTION_RECVONLY);
	}
	CHECK(tx(j, 0).stopped && !tx(j, 1).stopped && !tx(j, 2).stopped);
	rtc_sdp_free(s);
	rtc_jsep_free(j);

	/* aiortc 1.4: id 2 is audio-level for audio and abs-send-time for
	 * video in one BUNDLE.  Neither is answered (nor used); mid, the
	 * same everywhere, is. */
	j = new_jsep(false);
	s = answer_to(j, HEAD "a=group:BUNDLE a v\r\n"
			 AUDIO("a", "a=rtcp-mux\r\na=extmap:1 " RTC_JSEP_URI_MID "\r\n"
				    "a=extmap:2 " RTC_JSEP_URI_AUDIO_LEVEL "\r\n")
			 VIDEO_H264("v", "profile-level-id=42e01f;packetization-mode=1\r\n"
				    "a=extmap:1 " RTC_JSEP_URI_MID "\r\n"
				    "a=extmap:2 " RTC_JSEP_URI_ABS_SEND_TIME));
	CHECK(s && s->n_media == 2);
	for (size_t i = 0; s && i < s->n_media; i++) {
		size_t n = 0;

		for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(s->media[i], "extmap", NULL);
		     a; a = rtc_sdp_media_attr(s->media[i], "extmap", a), n++)
			CHECK(a->extmap->id == 1 && !strcmp(a->extmap->uri, RTC_JSEP_URI_MID));
		CHECK_INTEQ(n, 1);
	}
	CHECK_INTEQ(tx(j, 0).extensions.audio_level, 0);
	CHECK_INTEQ(tx(j, 1).extensions.abs_send_time, 0);
	CHECK_INTEQ(tx(j, 0).extensions.mid, 1);
	CHECK_INTEQ(tx(j, 1).extensions.mid, 1);
	rtc_sdp_free(s);
	rtc_jsep_free(j);
}

/* Remote descriptions rtcd cannot use: each an InvalidAccessError that
 * changes nothing. */
static void test_remote_refusals(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	struct snapshot before;
	struct rtc_error err = { 0 };
	char *offer, *answer, *bad;

	add_track(a, RTC_JSEP_MEDIA_AUDIO, "s", "mic");
	offer = create_offer(a, false);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	answer = create_answer(b);
	take_snapshot(a, &before);

	/* Two accepted sections outside one BUNDLE group. */
	bad = remove_lines(answer, "a=group:");
	CHECK_INTEQ(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, bad, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK(strstr(err.message, "BUNDLE") != NULL);
	CHECK_UNCHANGED(a, &before);
	free(bad);
	/* An accepted audio section without rtcp-mux. */
	bad = remove_lines(answer, "a=rtcp-mux");
	CHECK_INTEQ(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, bad, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK(strstr(err.message, "rtcp-mux") != NULL);
	CHECK_UNCHANGED(a, &before);
	free(bad);
	free_snapshot(&before);
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, answer, ERR));
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, answer, ERR));

	/* A re-offer that turns mid "0" from audio into video. */
	free(offer);
	offer = create_offer(a, false);
	bad = replace(offer, "m=audio", "m=video");
	take_snapshot(b, &before);
	CHECK_INTEQ(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, bad, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK_UNCHANGED(b, &before);
	CHECK_INTEQ(rtc_jsep_transceiver_count(b), 1);
	free_snapshot(&before);
	free(bad);
	free(offer);
	free(answer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* balanced and max-compat: one BUNDLE group all the same (rtcd has one
 * transport), each section with its own port, no bundle-only; Opus stereo
 * and DTX when configured. */
static void test_policies_and_opus(void)
{
	struct rtc_jsep_config config = { .bundle_policy = RTC_BUNDLE_POLICY_BALANCED,
					  .opus_stereo = true, .opus_dtx = true };
	struct rtc_jsep *a = NULL, *b = new_jsep(false);
	struct rtc_error err = { 0 };
	char *offer;

	if (rtc_jsep_new(&config, &a, &err) < 0) {
		CHECK(false);
		rtc_jsep_free(b);
		return;
	}
	add_track(a, RTC_JSEP_MEDIA_AUDIO, NULL, "mic");
	add_track(a, RTC_JSEP_MEDIA_VIDEO, NULL, "cam");
	offer = create_offer(a, false);
	CHECK(!strstr(offer, "bundle-only"));
	CHECK(strstr(offer, "m=video 9 ") != NULL);
	CHECK(strstr(offer, "a=group:BUNDLE 0 1\r\n") != NULL);
	CHECK(strstr(offer, "a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1;"
			    "usedtx=1\r\n") != NULL);
	CHECK(strstr(offer, "a=msid:- mic\r\n") != NULL);
	free(offer);
	negotiate(a, b, false);
	/* B's receivers see A's fmtp (what A wants). */
	CHECK(strstr(tx(b, 0).codecs[0].fmtp, "stereo=1") != NULL);
	CHECK_STREQ(tx(a, 0).codecs[0].fmtp, "minptime=10;useinbandfec=1");
	CHECK_INTEQ(tx(b, 0).n_remote_stream_ids, 0);
	CHECK_STREQ(tx(b, 0).remote_track_id, "mic");
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* An owner without media (rtcd's D-Bus API, for now): the browsers' audio
 * and video are rejected with port 0, the data channel still accepted, and
 * transceivers cannot be made. */
static void test_reject_media(void)
{
	struct rtc_jsep_config config = { .bundle_policy = RTC_BUNDLE_POLICY_MAX_BUNDLE,
					  .reject_media = true };
	const char *streams[] = { "s" };
	struct rtc_jsep *a = NULL;
	struct rtc_error err = { 0 };
	char *offer = read_sample("chromium-offer-av-datachannel.sdp"), *answer = NULL;
	struct rtc_sdp_session *sdp;
	size_t index, active = 0;

	CHECK(offer != NULL);
	if (!offer || rtc_jsep_new(&config, &a, &err) < 0) {
		CHECK(false);
		free(offer);
		return;
	}
	CHECK_INTEQ(rtc_jsep_add_track(a, RTC_JSEP_MEDIA_AUDIO, streams, 1, "mic", &index, &err),
		    -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_SUPPORTED);
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	CHECK_INTEQ(rtc_jsep_transceiver_count(a), 0);
	CHECK(!rtc_jsep_take_track_event(a, &index));
	answer = create_answer(a);
	sdp = answer ? parse(answer) : NULL;
	CHECK(sdp != NULL);
	for (size_t i = 0; sdp && i < sdp->n_media; i++) {
		if (sdp->media[i]->kind == RTC_SDP_MEDIA_AUDIO || sdp->media[i]->kind == RTC_SDP_MEDIA_VIDEO)
			CHECK_INTEQ(sdp->media[i]->port, 0);
		else
			active += sdp->media[i]->port != 0;
	}
	CHECK_INTEQ(active, 1);
	rtc_sdp_free(sdp);
	free(answer);
	free(offer);
	rtc_jsep_free(a);
}

/* video_codec puts H.264 first in our offers: what the answerer then
 * settles on first, and so what both send. */
static void test_video_codec_preference(void)
{
	struct rtc_jsep_config config = { .bundle_policy = RTC_BUNDLE_POLICY_MAX_BUNDLE,
					  .video_codec = "H264" };
	struct rtc_jsep *a = NULL, *b = new_jsep(false);
	struct rtc_error err = { 0 };
	char *offer;

	if (rtc_jsep_new(&config, &a, &err) < 0) {
		CHECK(false);
		rtc_jsep_free(b);
		return;
	}
	add_track(a, RTC_JSEP_MEDIA_VIDEO, NULL, "cam");
	offer = create_offer(a, false);
	CHECK(strstr(offer, "m=video 9 UDP/TLS/RTP/SAVPF 98 99 100 101 102 103 104 105 96 97\r\n") !=
	      NULL);
	free(offer);
	negotiate(a, b, false);
	CHECK_STREQ(tx(a, 0).codecs[0].name, "H264");
	CHECK_STREQ(tx(b, 0).codecs[0].name, "H264");
	CHECK(strstr(tx(a, 0).codecs[0].fmtp, "packetization-mode=1") != NULL);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

int main(void)
{
	RUN(test_audio_video_data);
	RUN(test_audio_only);
	RUN(test_video_rtx);
	RUN(test_renegotiation_adds_track);
	RUN(test_stop_and_recycle);
	RUN(test_direction_changes);
	RUN(test_rollback);
	RUN(test_api_errors);
	RUN(test_browser_answer);
	RUN(test_remote_offer_edges);
	RUN(test_remote_refusals);
	RUN(test_policies_and_opus);
	RUN(test_reject_media);
	RUN(test_video_codec_preference);
	return rtc_test_done();
}
