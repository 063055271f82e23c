/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audio and video sections (RFC 9429 sections 5.2.1 and 5.3.1): ours, for
 * an offer or as the answer to an offered one, and what the peer's say
 * about its streams and SSRCs (RFC 8830 msid, RFC 5576 ssrc and FID).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsep/jsep-private.h"

struct media_plan {
	struct rtc_jsep_codec codecs[RTC_JSEP_MAX_CODECS];
	size_t n_codecs;
	struct jsep_extension extensions[JSEP_MAX_EXTENSIONS];
	size_t n_extensions;
	enum rtc_jsep_direction direction;
	bool rtcp_rsize;
	const char *proto;
};

/* W3C/JSEP 5.3.1: what we may do of what the offer lets us. */
static enum rtc_jsep_direction answer_direction(enum rtc_jsep_direction ours,
						enum rtc_jsep_direction offered)
{
	return jsep_direction_make(jsep_direction_sends(ours) && jsep_direction_receives(offered),
				   jsep_direction_receives(ours) && jsep_direction_sends(offered));
}

static void plan_media(const struct rtc_jsep *jsep, const struct jsep_section *section,
		       struct media_plan *p)
{
	const struct rtc_jsep_transceiver *t = &section->transceiver->pub;
	const struct rtc_sdp_media *o = section->offered;

	if (o) {
		const struct rtc_sdp_session *offer = jsep->pending_remote.sdp;

		p->n_codecs = jsep_codecs_answer(&jsep->config, t->kind, o, p->codecs);
		p->n_extensions = jsep_extensions_answer(t->kind, offer, o, p->extensions);
		p->direction = answer_direction(t->direction,
						jsep_direction_from_sdp(rtc_sdp_direction(offer, o)));
		p->rtcp_rsize = rtc_sdp_media_has(o, "rtcp-rsize");
		p->proto = o->proto;
	} else {
		p->n_codecs = jsep_codecs_ours(&jsep->config, t->kind, p->codecs);
		p->n_extensions = jsep_extensions_ours(t->kind, p->extensions);
		p->direction = t->direction;
		p->rtcp_rsize = true;
		p->proto = "UDP/TLS/RTP/SAVPF";
	}
}

/* Whether we can answer an offered section with this transceiver: a
 * DTLS-SRTP profile, rtcp-mux (rtcd requires it) and a codec in common. */
bool jsep_can_answer_media(const struct rtc_jsep *jsep, const struct jsep_transceiver *t,
			   const struct rtc_sdp_media *offered)
{
	struct rtc_jsep_codec codecs[RTC_JSEP_MAX_CODECS];

	return jsep_media_is_rtp(offered) && rtc_sdp_media_has(offered, "rtcp-mux") &&
	       jsep_codecs_answer(&jsep->config, t->pub.kind, offered, codecs) > 0;
}

static int add_codec_lines(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
			   const struct rtc_jsep_codec *c, struct rtc_error *err)
{
	static const struct {
		size_t offset;
		const char *value;
	} feedback[] = {
		{ offsetof(struct rtc_jsep_codec, remb), "goog-remb" },
		{ offsetof(struct rtc_jsep_codec, transport_cc), "transport-cc" },
		{ offsetof(struct rtc_jsep_codec, fir), "ccm fir" },
		{ offsetof(struct rtc_jsep_codec, nack), "nack" },
		{ offsetof(struct rtc_jsep_codec, pli), "nack pli" },
	};

	if ((c->channels ? rtc_sdp_add_attrf(s, m, "rtpmap", err, "%u %s/%" PRIu32 "/%" PRIu32,
					     c->payload_type, c->name, c->clock_rate, c->channels)
			 : rtc_sdp_add_attrf(s, m, "rtpmap", err, "%u %s/%" PRIu32,
					     c->payload_type, c->name, c->clock_rate)) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(feedback) / sizeof(feedback[0]); i++)
		if (*(const bool *)((const char *)c + feedback[i].offset) &&
		    rtc_sdp_add_attrf(s, m, "rtcp-fb", err, "%u %s", c->payload_type,
				      feedback[i].value) < 0)
			return -1;
	if (c->fmtp[0] &&
	    rtc_sdp_add_attrf(s, m, "fmtp", err, "%u %s", c->payload_type, c->fmtp) < 0)
		return -1;
	if (c->rtx_payload_type >= 0 &&
	    (rtc_sdp_add_attrf(s, m, "rtpmap", err, "%d rtx/%" PRIu32, c->rtx_payload_type,
			       c->clock_rate) < 0 ||
	     rtc_sdp_add_attrf(s, m, "fmtp", err, "%d apt=%u", c->rtx_payload_type,
			       c->payload_type) < 0))
		return -1;
	return 0;
}

/* a=msid per stream, "-" for none (RFC 8830). */
static int add_msid_lines(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
			  const struct rtc_jsep_transceiver *t, struct rtc_error *err)
{
	if (t->n_stream_ids == 0)
		return rtc_sdp_add_attrf(s, m, "msid", err, "- %s", t->track_id);
	for (size_t i = 0; i < t->n_stream_ids; i++)
		if (rtc_sdp_add_attrf(s, m, "msid", err, "%s %s", t->stream_ids[i],
				      t->track_id) < 0)
			return -1;
	return 0;
}

/* The sender's SSRC, and its RTX SSRC in a FID group (RFC 5576). */
static int add_ssrc_lines(const struct rtc_jsep *jsep, struct rtc_sdp_session *s,
			  struct rtc_sdp_media *m, const struct rtc_jsep_transceiver *t,
			  bool rtx, struct rtc_error *err)
{
	if (rtx && rtc_sdp_add_attrf(s, m, "ssrc-group", err, "FID %" PRIu32 " %" PRIu32,
				     t->ssrc, t->rtx_ssrc) < 0)
		return -1;
	if (rtc_sdp_add_attrf(s, m, "ssrc", err, "%" PRIu32 " cname:%s", t->ssrc, jsep->cname) < 0)
		return -1;
	if (rtx && rtc_sdp_add_attrf(s, m, "ssrc", err, "%" PRIu32 " cname:%s", t->rtx_ssrc,
				     jsep->cname) < 0)
		return -1;
	return 0;
}

int jsep_add_media_section(const struct rtc_jsep *jsep, struct rtc_sdp_session *s,
			   const struct jsep_plan *plan, const struct jsep_section *section,
			   struct rtc_error *err)
{
	const struct rtc_jsep_transceiver *t = &section->transceiver->pub;
	struct media_plan p = { 0 };
	char fmts[RTC_JSEP_MAX_CODECS * 16] = "";       /* " 127 127" a codec */
	size_t len = 0;
	struct rtc_sdp_media *m;
	bool rtx = false;

	plan_media(jsep, section, &p);
	for (size_t i = 0; i < p.n_codecs; i++) {
		len += (size_t)snprintf(fmts + len, sizeof(fmts) - len, "%s%u", len ? " " : "",
					p.codecs[i].payload_type);
		if (p.codecs[i].rtx_payload_type >= 0) {
			len += (size_t)snprintf(fmts + len, sizeof(fmts) - len, " %d",
						p.codecs[i].rtx_payload_type);
			rtx = true;
		}
	}
	/* Port 9 (discard) until ICE supplies candidates (RFC 9429 5.2.1). */
	m = rtc_sdp_add_media(s, rtc_jsep_media_kind_name(t->kind), section->bundle_only ? 0 : 9,
			      p.proto, fmts, err);
	if (!m)
		return -1;
	if (rtc_sdp_set_connection(s, m, "IP4", "0.0.0.0", err) < 0 ||
	    jsep_add_transport_lines(jsep, s, m, plan, err) < 0 ||
	    (section->bundle_only && rtc_sdp_add_attr(s, m, "bundle-only", NULL, err) < 0) ||
	    rtc_sdp_add_attr(s, m, "mid", section->mid, err) < 0)
		return -1;
	for (size_t i = 0; i < p.n_extensions; i++)
		if (rtc_sdp_add_attrf(s, m, "extmap", err, "%u %s", p.extensions[i].id,
				      p.extensions[i].uri) < 0)
			return -1;
	if (rtc_sdp_add_attr(s, m, rtc_sdp_direction_name(jsep_direction_to_sdp(p.direction)),
			     NULL, err) < 0)
		return -1;
	if (jsep_direction_sends(p.direction) && t->track_id[0] &&
	    add_msid_lines(s, m, t, err) < 0)
		return -1;
	if (rtc_sdp_add_attr(s, m, "rtcp-mux", NULL, err) < 0 ||
	    (p.rtcp_rsize && rtc_sdp_add_attr(s, m, "rtcp-rsize", NULL, err) < 0))
		return -1;
	for (size_t i = 0; i < p.n_codecs; i++)
		if (add_codec_lines(s, m, &p.codecs[i], err) < 0)
			return -1;
	/* RFC 5576 after the codecs, as browsers write them. */
	if (jsep_direction_sends(p.direction) && add_ssrc_lines(jsep, s, m, t, rtx, err) < 0)
		return -1;
	return 0;
}

/* ---- the peer's streams ---- */

static void copy_id(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

void jsep_read_remote_media(const struct rtc_sdp_media *m, struct rtc_jsep_transceiver *t)
{
	const struct rtc_sdp_attr *a;

	t->n_remote_stream_ids = 0;
	t->remote_track_id[0] = '\0';
	t->remote_ssrc = t->remote_rtx_ssrc = 0;
	t->remote_cname[0] = '\0';

	for (a = rtc_sdp_media_attr(m, "msid", NULL); a; a = rtc_sdp_media_attr(m, "msid", a)) {
		if (a->kind != RTC_SDP_ATTR_MSID)
			continue;
		if (a->msid->track_id)
			copy_id(t->remote_track_id, sizeof(t->remote_track_id), a->msid->track_id);
		if (strcmp(a->msid->stream_id, "-") != 0 &&
		    t->n_remote_stream_ids < RTC_JSEP_MAX_STREAM_IDS) {
			copy_id(t->remote_stream_ids[t->n_remote_stream_ids],
				sizeof(t->remote_stream_ids[0]), a->msid->stream_id);
			t->n_remote_stream_ids++;
		}
	}
	for (a = rtc_sdp_media_attr(m, "ssrc-group", NULL); a;
	     a = rtc_sdp_media_attr(m, "ssrc-group", a)) {
		if (a->kind == RTC_SDP_ATTR_SSRC_GROUP && !strcmp(a->ssrc_group->semantics, "FID") &&
		    a->ssrc_group->n_ssrcs == 2) {
			t->remote_ssrc = a->ssrc_group->ssrcs[0];
			t->remote_rtx_ssrc = a->ssrc_group->ssrcs[1];
			break;
		}
	}
	for (a = rtc_sdp_media_attr(m, "ssrc", NULL); a; a = rtc_sdp_media_attr(m, "ssrc", a)) {
		const struct rtc_sdp_ssrc *ssrc = a->ssrc;

		if (a->kind != RTC_SDP_ATTR_SSRC)
			continue;
		if (!t->remote_ssrc)
			t->remote_ssrc = ssrc->ssrc;
		if (ssrc->ssrc != t->remote_ssrc || !ssrc->value)
			continue;
		if (!strcmp(ssrc->attribute, "cname")) {
			copy_id(t->remote_cname, sizeof(t->remote_cname), ssrc->value);
		} else if (!strcmp(ssrc->attribute, "msid") && !rtc_sdp_media_attr(m, "msid", NULL)) {
			/* The older form: a=ssrc:<ssrc> msid:<stream> <track>. */
			const char *space = strchr(ssrc->value, ' ');
			size_t slen = space ? (size_t)(space - ssrc->value) : strlen(ssrc->value);

			if (space)
				copy_id(t->remote_track_id, sizeof(t->remote_track_id), space + 1);
			if (slen && slen <= RTC_JSEP_ID_MAX && strncmp(ssrc->value, "-", slen) != 0) {
				snprintf(t->remote_stream_ids[0], sizeof(t->remote_stream_ids[0]),
					 "%.*s", (int)slen, ssrc->value);
				t->n_remote_stream_ids = 1;
			}
		}
	}
}
