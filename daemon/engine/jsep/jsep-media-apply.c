/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What applying a description does to the transceivers (W3C section
 * 4.4.1.5, "set the RTCSessionDescription", and RFC 9429 section 5.10):
 * a local offer gives new transceivers their mids; a remote offer finds
 * each section's transceiver (by mid, else one addTrack made, else a new
 * recvonly one); an answer settles directions, codecs and extensions, and
 * stops the transceivers whose sections it rejects. Rollback undoes what
 * the offer did.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/jsep/jsep-private.h"

static void stop(struct jsep_transceiver *t)
{
	t->pub.stopping = t->pub.stopped = true;
	t->pub.direction = RTC_JSEP_STOPPED;
	t->pub.has_current_direction = true;
	t->pub.current_direction = RTC_JSEP_STOPPED;
	t->pub.negotiated = false;
	t->pub.n_codecs = 0;
}

static void associate(struct jsep_transceiver *t, const char *mid, size_t index)
{
	snprintf(t->pub.mid, sizeof(t->pub.mid), "%s", mid);
	t->pub.mline_index = (int)index;
	t->proposed_mid[0] = '\0';
}

/* W3C "process remote tracks": a track event when the peer starts
 * sending to us. */
static void remote_sends(struct jsep_media_state *next, struct jsep_transceiver *t,
			 enum rtc_jsep_direction remote_dir)
{
	bool receiving = jsep_direction_sends(remote_dir);

	if (receiving && !t->fired_recv)
		next->track_events[next->n_track_events++] = (size_t)(t - next->v);
	t->fired_recv = receiving;
}

static void apply_local_offer(const struct rtc_sdp_session *sdp, struct jsep_media_state *next)
{
	for (size_t i = 0; i < sdp->n_media; i++) {
		const char *mid = rtc_sdp_media_mid(sdp->media[i]);
		struct jsep_transceiver *t = jsep_transceiver_by_mid(next, mid);

		if (!mid || (sdp->media[i]->kind != RTC_SDP_MEDIA_AUDIO &&
			     sdp->media[i]->kind != RTC_SDP_MEDIA_VIDEO))
			continue;
		for (size_t k = 0; !t && k < next->n; k++)
			if (!next->v[k].pub.mid[0] && !strcmp(next->v[k].proposed_mid, mid))
				t = &next->v[k];
		if (t)
			associate(t, mid, i);
	}
}

/* W3C: a transceiver for a remote section that none has: one addTrack
 * made of the kind, not yet in a description, or a new recvonly one. */
static struct jsep_transceiver *take_for_remote(struct jsep_media_state *next,
						enum rtc_jsep_media_kind kind,
						struct rtc_error *err, int *ret)
{
	struct jsep_transceiver *t;

	for (size_t k = 0; k < next->n; k++) {
		t = &next->v[k];
		if (t->pub.kind == kind && !t->pub.mid[0] && t->added_by_track &&
		    !t->pub.stopping && !t->pub.stopped)
			return t;
	}
	t = &next->v[next->n];
	memset(t, 0, sizeof(*t));
	t->pub.kind = kind;
	t->pub.direction = RTC_JSEP_RECVONLY;
	t->pub.mline_index = -1;
	t->created_by_remote = true;
	if (jsep_new_ssrcs(next, &t->pub.ssrc, &t->pub.rtx_ssrc, err) < 0) {
		*ret = -1;
		return NULL;
	}
	next->n++;
	return t;
}

static int apply_remote_offer(const struct rtc_jsep *jsep, const struct rtc_sdp_session *sdp,
			      struct jsep_media_state *next, struct rtc_error *err)
{
	for (size_t i = 0; i < sdp->n_media; i++) {
		const struct rtc_sdp_media *m = sdp->media[i];
		const char *mid = rtc_sdp_media_mid(m);
		struct jsep_transceiver *t = jsep_transceiver_by_mid(next, mid);
		enum rtc_jsep_media_kind kind;
		int ret = 0;

		/* Without media (the owner has no use for it), a remote media
		 * section gets no transceiver: the answer rejects it. */
		if (!mid || jsep->config.reject_media || !jsep_media_kind(m, &kind))
			continue;
		if (!jsep_media_is_active(m)) {
			if (t && !t->pub.stopped)
				stop(t);
			continue;
		}
		if (t && t->pub.kind != kind)
			continue;       /* validation refuses a kind change of a mid */
		if (!t && !(t = take_for_remote(next, kind, err, &ret)))
			return ret;
		associate(t, mid, i);
		jsep_read_remote_media(m, &t->pub);
		if (!t->pub.stopped)
			remote_sends(next, t, jsep_direction_from_sdp(rtc_sdp_direction(sdp, m)));
	}
	return 0;
}

/* An answer (or pranswer) settles section i for its transceiver. */
static void settle(struct jsep_transceiver *t, const struct rtc_sdp_session *offer,
		   const struct rtc_sdp_session *answer, size_t i, bool we_offered)
{
	const struct rtc_sdp_media *o = offer->media[i], *a = answer->media[i];
	const struct rtc_sdp_media *remote = we_offered ? a : o;
	enum rtc_jsep_direction dir;

	t->pub.mline_index = (int)i;
	if (!jsep_media_is_active(a) || !jsep_media_is_active(o) || t->pub.stopping) {
		stop(t);
		return;
	}
	dir = jsep_direction_from_sdp(rtc_sdp_direction(answer, a));
	if (we_offered)
		dir = jsep_direction_reverse(dir);
	t->pub.has_current_direction = true;
	t->pub.current_direction = dir;
	t->ever_sent |= jsep_direction_sends(dir);
	t->pub.n_codecs = jsep_codecs_negotiated(t->pub.kind, o, a, remote, t->pub.codecs);
	jsep_extensions_negotiated(t->pub.kind, o, a, &t->pub.extensions);
	t->pub.rtcp_rsize = rtc_sdp_media_has(o, "rtcp-rsize") && rtc_sdp_media_has(a, "rtcp-rsize");
	t->pub.negotiated = true;
	t->created_by_remote = false;
}

static void apply_answer(const struct rtc_sdp_session *offer, const struct rtc_sdp_session *answer,
			 bool we_offered, struct jsep_media_state *next)
{
	for (size_t i = 0; i < answer->n_media && i < offer->n_media; i++) {
		const struct rtc_sdp_media *a = answer->media[i];
		struct jsep_transceiver *t = jsep_transceiver_by_mid(next, rtc_sdp_media_mid(a));
		enum rtc_jsep_media_kind kind;

		if (!t || !jsep_media_kind(a, &kind) || t->pub.kind != kind || t->pub.stopped)
			continue;
		if (we_offered) {
			jsep_read_remote_media(a, &t->pub);
			if (jsep_media_is_active(a) && !t->pub.stopping)
				remote_sends(next, t,
					     jsep_direction_from_sdp(rtc_sdp_direction(answer, a)));
		}
		settle(t, offer, answer, i, we_offered);
	}
}

int jsep_media_apply(const struct rtc_jsep *jsep, const struct jsep_media_state *from,
		     enum jsep_side side, enum rtc_sdp_type type,
		     const struct rtc_sdp_session *sdp, struct jsep_media_state *next,
		     struct rtc_error *err)
{
	const bool offer = type == RTC_SDP_TYPE_OFFER;

	if (jsep_media_copy(from, offer && side == JSEP_REMOTE ? sdp->n_media : 0, next,
			    err) < 0)
		return -1;
	if (offer && side == JSEP_LOCAL) {
		apply_local_offer(sdp, next);
	} else if (offer) {
		if (apply_remote_offer(jsep, sdp, next, err) < 0) {
			jsep_media_free(next);
			return -1;
		}
	} else if (side == JSEP_LOCAL) {
		apply_answer(jsep->pending_remote.sdp, sdp, false, next);
	} else {
		apply_answer(jsep->pending_local.sdp, sdp, true, next);
	}
	return 0;
}

void jsep_media_rollback(const struct rtc_jsep *jsep, struct jsep_media_state *media)
{
	for (size_t i = 0; i < media->n; i++) {
		struct jsep_transceiver *t = &media->v[i];

		if (i < jsep->n_stable) {
			const struct jsep_transceiver *was = &jsep->stable[i];

			/* Stopped by the offer's rejection, not by the app. */
			if (t->pub.stopped && !was->pub.stopped) {
				t->pub.stopping = was->pub.stopping;
				t->pub.stopped = false;
				t->pub.direction = was->pub.direction;
				t->pub.has_current_direction = was->pub.has_current_direction;
				t->pub.current_direction = was->pub.current_direction;
				t->pub.negotiated = was->pub.negotiated;
				t->pub.n_codecs = was->pub.n_codecs;
			}
			memcpy(t->pub.mid, was->pub.mid, sizeof(t->pub.mid));
			t->pub.mline_index = was->pub.mline_index;
			t->fired_recv = was->fired_recv;
			continue;
		}
		/* W3C: made by the remote offer and no track since: gone. */
		if (t->created_by_remote && !t->added_by_track && !t->pub.stopped)
			stop(t);
		t->pub.mid[0] = '\0';
		t->pub.mline_index = -1;
		t->created_by_remote = false;
		t->fired_recv = false;
	}
}
