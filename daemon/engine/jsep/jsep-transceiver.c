/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The W3C RTCRtpTransceiver calls (addTransceiver, addTrack, direction,
 * removeTrack, stop) and the part of "check if negotiation is needed"
 * (W3C section 4.7.3) that is about them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include "engine/base/rng.h"

#include "engine/jsep/jsep-private.h"

void jsep_media_free(struct jsep_media_state *media)
{
	free(media->v);
	free(media->track_events);
	*media = (struct jsep_media_state){ 0 };
}

int jsep_media_copy(const struct jsep_media_state *from, size_t extra,
		    struct jsep_media_state *to, struct rtc_error *err)
{
	*to = (struct jsep_media_state){ 0 };
	to->v = calloc(from->n + extra ? from->n + extra : 1, sizeof(*to->v));
	/* Room for one event per transceiver on top of those still queued. */
	to->track_events = calloc(from->n_track_events + from->n + extra + 1,
				  sizeof(*to->track_events));
	if (!to->v || !to->track_events) {
		jsep_media_free(to);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	if (from->n)
		memcpy(to->v, from->v, from->n * sizeof(*to->v));
	if (from->n_track_events)
		memcpy(to->track_events, from->track_events,
		       from->n_track_events * sizeof(*to->track_events));
	to->n = from->n;
	to->n_track_events = from->n_track_events;
	return 0;
}

struct jsep_transceiver *jsep_transceiver_by_mid(const struct jsep_media_state *media,
						 const char *mid)
{
	for (size_t i = 0; mid && *mid && i < media->n; i++)
		if (!strcmp(media->v[i].pub.mid, mid))
			return &media->v[i];
	return NULL;
}

static bool mid_taken(const struct rtc_jsep *jsep, const char *mid, const struct jsep_transceiver *self)
{
	const struct rtc_sdp_session *sessions[] = {
		jsep->current_local.sdp, jsep->pending_local.sdp,
		jsep->current_remote.sdp, jsep->pending_remote.sdp,
	};

	for (size_t i = 0; i < 4; i++)
		if (sessions[i] && rtc_sdp_media_by_mid(sessions[i], mid))
			return true;
	for (size_t i = 0; i < jsep->media.n; i++) {
		const struct jsep_transceiver *t = &jsep->media.v[i];

		if (t != self && (!strcmp(t->pub.mid, mid) || !strcmp(t->proposed_mid, mid)))
			return true;
	}
	return false;
}

void jsep_propose_mids(struct rtc_jsep *jsep)
{
	for (size_t i = 0; i < jsep->media.n; i++) {
		struct jsep_transceiver *t = &jsep->media.v[i];

		if (t->pub.mid[0] || t->pub.stopping || t->pub.stopped ||
		    (t->proposed_mid[0] && !mid_taken(jsep, t->proposed_mid, t)))
			continue;
		/* The smallest number nobody uses: "0", "1", ... */
		for (unsigned n = 0;; n++) {
			char mid[12];

			snprintf(mid, sizeof(mid), "%u", n);
			if (!mid_taken(jsep, mid, t)) {
				snprintf(t->proposed_mid, sizeof(t->proposed_mid), "%s", mid);
				break;
			}
		}
	}
}

int jsep_new_ssrcs(const struct jsep_media_state *media, uint32_t *ssrc, uint32_t *rtx,
		   struct rtc_error *err)
{
	for (;;) {
		uint32_t v[2];
		bool clash = false;

		if (rtc_rng_bytes(v, sizeof(v)) < 0) {
			ERR_clear_error();
			return rtc_error_set(err, RTC_ERROR_OPERATION, "the random generator failed");
		}
		clash = v[0] == 0 || v[1] == 0 || v[0] == v[1];
		for (size_t i = 0; i < media->n && !clash; i++) {
			const struct rtc_jsep_transceiver *t = &media->v[i].pub;

			clash = t->ssrc == v[0] || t->ssrc == v[1] || t->rtx_ssrc == v[0] ||
				t->rtx_ssrc == v[1];
		}
		if (!clash) {
			*ssrc = v[0];
			*rtx = v[1];
			return 0;
		}
	}
}

/* ---- negotiation-needed ---- */

static const struct rtc_sdp_media *section_of(const struct rtc_sdp_session *s,
					      const struct jsep_transceiver *t)
{
	return s && t->pub.mid[0] ? rtc_sdp_media_by_mid(s, t->pub.mid) : NULL;
}

/* The a=msid lines of m are the sender's streams (W3C compares the set). */
static bool msid_matches(const struct rtc_sdp_media *m, const struct rtc_jsep_transceiver *t)
{
	size_t n = 0;

	for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, "msid", NULL); a;
	     a = rtc_sdp_media_attr(m, "msid", a)) {
		bool found = false;

		if (a->kind != RTC_SDP_ATTR_MSID)
			continue;
		n++;
		if (t->n_stream_ids == 0)
			found = !strcmp(a->msid->stream_id, "-");
		for (size_t i = 0; i < t->n_stream_ids && !found; i++)
			found = !strcmp(a->msid->stream_id, t->stream_ids[i]);
		if (!found)
			return false;
	}
	return n == (t->n_stream_ids ? t->n_stream_ids : 1);
}

bool jsep_transceivers_need_negotiation(const struct rtc_jsep *jsep)
{
	const struct rtc_sdp_session *local = jsep->current_local.sdp;
	const struct rtc_sdp_session *remote = jsep->current_remote.sdp;

	for (size_t i = 0; i < jsep->media.n; i++) {
		const struct jsep_transceiver *t = &jsep->media.v[i];
		const struct rtc_sdp_media *lm = section_of(local, t), *rm = section_of(remote, t);
		enum rtc_jsep_direction ldir, rdir;

		if (t->pub.stopped)
			continue;
		if (t->pub.stopping)
			return true;
		if (!lm)
			return true;    /* not yet in a negotiated description */
		if (lm->port == 0 && !jsep_media_is_active(lm))
			continue;       /* rejected: it will be stopped */
		if (jsep_direction_sends(t->pub.direction) && t->pub.track_id[0] &&
		    !msid_matches(lm, &t->pub))
			return true;
		ldir = jsep_direction_from_sdp(rtc_sdp_direction(local, lm));
		if (jsep->current_local.type == RTC_SDP_TYPE_OFFER) {
			rdir = rm ? jsep_direction_reverse(
					    jsep_direction_from_sdp(rtc_sdp_direction(remote, rm)))
				  : ldir;
			if (ldir != t->pub.direction && rdir != t->pub.direction)
				return true;
		} else if (rm) {
			enum rtc_jsep_direction offered =
				jsep_direction_from_sdp(rtc_sdp_direction(remote, rm));
			enum rtc_jsep_direction want = jsep_direction_make(
				jsep_direction_sends(t->pub.direction) &&
					jsep_direction_receives(offered),
				jsep_direction_receives(t->pub.direction) &&
					jsep_direction_sends(offered));

			if (ldir != want)
				return true;
		}
	}
	return false;
}

/* ---- the W3C calls ---- */

static int check_id(const char *id, const char *what, struct rtc_error *err)
{
	size_t len = id ? strlen(id) : 0;

	/* RFC 8830 msid-id: 1*64 token-char (RFC 4566). */
	if (len == 0 || len > RTC_JSEP_ID_MAX ||
	    strspn(id, "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`"
		       "abcdefghijklmnopqrstuvwxyz{|}~") != len)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "the %s must be 1 to %d token characters (RFC 8830)", what,
				     RTC_JSEP_ID_MAX);
	if (!strcmp(id, "-") && !strcmp(what, "stream id"))
		return rtc_error_set(err, RTC_ERROR_TYPE, "\"-\" is not a stream id");
	return 0;
}

static int check_streams(const char *const *stream_ids, size_t n, const char *track_id,
			 struct rtc_error *err)
{
	if (n > RTC_JSEP_MAX_STREAM_IDS)
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "a sender has at most %d streams", RTC_JSEP_MAX_STREAM_IDS);
	for (size_t i = 0; i < n; i++)
		if (check_id(stream_ids[i], "stream id", err) < 0)
			return -1;
	return track_id ? check_id(track_id, "track id", err) : 0;
}

static int check_open(const struct rtc_jsep *jsep, struct rtc_error *err)
{
	if (jsep->state == RTC_SIGNALING_CLOSED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the peer connection is closed");
	if (jsep->config.reject_media)
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "this peer connection takes no media");
	return 0;
}

static int track_in_use(const struct rtc_jsep *jsep, const char *track_id, struct rtc_error *err)
{
	for (size_t i = 0; track_id && i < jsep->media.n; i++)
		if (!jsep->media.v[i].pub.stopped && !strcmp(jsep->media.v[i].pub.track_id, track_id))
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "track \"%s\" already has a sender", track_id);
	return 0;
}

static void set_streams(struct rtc_jsep_transceiver *t, const char *const *stream_ids, size_t n)
{
	t->n_stream_ids = n;
	for (size_t i = 0; i < n; i++)
		snprintf(t->stream_ids[i], sizeof(t->stream_ids[i]), "%s", stream_ids[i]);
}

/* W3C: the state changed; negotiation may be needed, and offers created
 * before no longer describe it. */
static void changed(struct rtc_jsep *jsep)
{
	jsep->generation++;
	jsep_update_negotiation_needed(jsep);
}

int rtc_jsep_add_transceiver(struct rtc_jsep *jsep, enum rtc_jsep_media_kind kind,
			     enum rtc_jsep_direction direction,
			     const char *const *stream_ids, size_t n_stream_ids,
			     const char *track_id, size_t *index, struct rtc_error *err)
{
	struct jsep_transceiver *v, t = { 0 };

	if (check_open(jsep, err) < 0)
		return -1;
	if (kind != RTC_JSEP_MEDIA_AUDIO && kind != RTC_JSEP_MEDIA_VIDEO)
		return rtc_error_set(err, RTC_ERROR_TYPE, "a transceiver is audio or video");
	if ((unsigned)direction >= RTC_JSEP_STOPPED)
		return rtc_error_set(err, RTC_ERROR_TYPE, "a new transceiver cannot be %s",
				     rtc_jsep_direction_name(direction));
	if (check_streams(stream_ids, n_stream_ids, track_id, err) < 0 ||
	    track_in_use(jsep, track_id, err) < 0)
		return -1;
	t.pub.kind = kind;
	t.pub.mline_index = -1;
	t.pub.direction = direction;
	set_streams(&t.pub, stream_ids, n_stream_ids);
	if (track_id)
		snprintf(t.pub.track_id, sizeof(t.pub.track_id), "%s", track_id);
	if (jsep_new_ssrcs(&jsep->media, &t.pub.ssrc, &t.pub.rtx_ssrc, err) < 0)
		return -1;
	v = realloc(jsep->media.v, (jsep->media.n + 1) * sizeof(*v));
	if (!v)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	jsep->media.v = v;
	v[jsep->media.n] = t;
	*index = jsep->media.n++;
	changed(jsep);
	return 0;
}

int rtc_jsep_add_track(struct rtc_jsep *jsep, enum rtc_jsep_media_kind kind,
		       const char *const *stream_ids, size_t n_stream_ids,
		       const char *track_id, size_t *index, struct rtc_error *err)
{
	if (check_open(jsep, err) < 0)
		return -1;
	if (!track_id)
		return rtc_error_set(err, RTC_ERROR_TYPE, "addTrack needs a track");
	if (check_streams(stream_ids, n_stream_ids, track_id, err) < 0 ||
	    track_in_use(jsep, track_id, err) < 0)
		return -1;
	/* W3C addTrack: a transceiver of the kind that never sent and has
	 * no track, e.g. one a remote offer made. */
	for (size_t i = 0; i < jsep->media.n; i++) {
		struct jsep_transceiver *t = &jsep->media.v[i];

		if (t->pub.kind != kind || t->pub.stopping || t->pub.stopped ||
		    t->pub.track_id[0] || t->ever_sent)
			continue;
		snprintf(t->pub.track_id, sizeof(t->pub.track_id), "%s", track_id);
		set_streams(&t->pub, stream_ids, n_stream_ids);
		if (t->pub.direction == RTC_JSEP_RECVONLY)
			t->pub.direction = RTC_JSEP_SENDRECV;
		else if (t->pub.direction == RTC_JSEP_INACTIVE)
			t->pub.direction = RTC_JSEP_SENDONLY;
		t->added_by_track = true;
		*index = i;
		changed(jsep);
		return 0;
	}
	if (rtc_jsep_add_transceiver(jsep, kind, RTC_JSEP_SENDRECV, stream_ids, n_stream_ids,
				     track_id, index, err) < 0)
		return -1;
	jsep->media.v[*index].added_by_track = true;
	return 0;
}

static struct jsep_transceiver *usable(struct rtc_jsep *jsep, size_t index, struct rtc_error *err)
{
	if (check_open(jsep, err) < 0)
		return NULL;
	if (index >= jsep->media.n) {
		rtc_error_set(err, RTC_ERROR_RANGE, "no transceiver %zu", index);
		return NULL;
	}
	return &jsep->media.v[index];
}

int rtc_jsep_set_direction(struct rtc_jsep *jsep, size_t index, enum rtc_jsep_direction dir,
			   struct rtc_error *err)
{
	struct jsep_transceiver *t = usable(jsep, index, err);

	if (!t)
		return -1;
	if ((unsigned)dir >= RTC_JSEP_STOPPED)
		return rtc_error_set(err, RTC_ERROR_TYPE, "use stop() to stop a transceiver");
	if (t->pub.stopping || t->pub.stopped)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the transceiver is stopped");
	if (t->pub.direction == dir)
		return 0;
	t->pub.direction = dir;
	changed(jsep);
	return 0;
}

int rtc_jsep_remove_track(struct rtc_jsep *jsep, size_t index, struct rtc_error *err)
{
	struct jsep_transceiver *t = usable(jsep, index, err);

	if (!t)
		return -1;
	if (!t->pub.track_id[0] || t->pub.stopped)
		return 0;       /* W3C: nothing to remove */
	t->pub.track_id[0] = '\0';
	if (t->pub.direction == RTC_JSEP_SENDRECV)
		t->pub.direction = RTC_JSEP_RECVONLY;
	else if (t->pub.direction == RTC_JSEP_SENDONLY)
		t->pub.direction = RTC_JSEP_INACTIVE;
	changed(jsep);
	return 0;
}

int rtc_jsep_stop_transceiver(struct rtc_jsep *jsep, size_t index, struct rtc_error *err)
{
	struct jsep_transceiver *t = usable(jsep, index, err);

	if (!t)
		return -1;
	if (t->pub.stopping || t->pub.stopped)
		return 0;
	t->pub.stopping = true;
	t->pub.direction = RTC_JSEP_STOPPED;
	/* Never in a description: nothing to negotiate, stopped at once. */
	if (!t->pub.mid[0]) {
		t->pub.stopped = true;
		t->pub.has_current_direction = true;
		t->pub.current_direction = RTC_JSEP_STOPPED;
	}
	changed(jsep);
	return 0;
}

size_t rtc_jsep_transceiver_count(const struct rtc_jsep *jsep)
{
	return jsep->media.n;
}

bool rtc_jsep_transceiver_info(const struct rtc_jsep *jsep, size_t index,
			       struct rtc_jsep_transceiver *out)
{
	if (index >= jsep->media.n)
		return false;
	*out = jsep->media.v[index].pub;
	out->cname = jsep->cname;
	return true;
}

bool rtc_jsep_take_track_event(struct rtc_jsep *jsep, size_t *index)
{
	struct jsep_media_state *m = &jsep->media;

	if (m->n_track_events == 0)
		return false;
	*index = m->track_events[0];
	memmove(m->track_events, m->track_events + 1,
		--m->n_track_events * sizeof(*m->track_events));
	return true;
}
