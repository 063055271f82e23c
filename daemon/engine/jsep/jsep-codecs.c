/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The codecs and RTP header extensions rtcd speaks, and how offers and
 * answers intersect them (RFC 9429 sections 5.2.1 and 5.3.1): answers use
 * the offerer's payload types and extension ids, and keep only what both
 * sides support. H.264 matches by profile (profile_idc and the constraint
 * flags; the level may differ, RFC 6184 level-asymmetry-allowed) and
 * packetization-mode, each mode its own payload type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/jsep/jsep-private.h"

/* ---- directions ---- */

enum rtc_jsep_direction jsep_direction_from_sdp(enum rtc_sdp_direction d)
{
	switch (d) {
	case RTC_SDP_DIRECTION_SENDONLY: return RTC_JSEP_SENDONLY;
	case RTC_SDP_DIRECTION_RECVONLY: return RTC_JSEP_RECVONLY;
	case RTC_SDP_DIRECTION_INACTIVE: return RTC_JSEP_INACTIVE;
	case RTC_SDP_DIRECTION_SENDRECV: break;
	}
	return RTC_JSEP_SENDRECV;
}

enum rtc_sdp_direction jsep_direction_to_sdp(enum rtc_jsep_direction d)
{
	switch (d) {
	case RTC_JSEP_SENDRECV: return RTC_SDP_DIRECTION_SENDRECV;
	case RTC_JSEP_SENDONLY: return RTC_SDP_DIRECTION_SENDONLY;
	case RTC_JSEP_RECVONLY: return RTC_SDP_DIRECTION_RECVONLY;
	case RTC_JSEP_INACTIVE:
	case RTC_JSEP_STOPPED: break;
	}
	return RTC_SDP_DIRECTION_INACTIVE;
}

bool jsep_direction_sends(enum rtc_jsep_direction d)
{
	return d == RTC_JSEP_SENDRECV || d == RTC_JSEP_SENDONLY;
}

bool jsep_direction_receives(enum rtc_jsep_direction d)
{
	return d == RTC_JSEP_SENDRECV || d == RTC_JSEP_RECVONLY;
}

enum rtc_jsep_direction jsep_direction_make(bool send, bool recv)
{
	if (send)
		return recv ? RTC_JSEP_SENDRECV : RTC_JSEP_SENDONLY;
	return recv ? RTC_JSEP_RECVONLY : RTC_JSEP_INACTIVE;
}

enum rtc_jsep_direction jsep_direction_reverse(enum rtc_jsep_direction d)
{
	if (d == RTC_JSEP_STOPPED)
		return d;
	return jsep_direction_make(jsep_direction_receives(d), jsep_direction_sends(d));
}

const char *rtc_jsep_direction_name(enum rtc_jsep_direction dir)
{
	static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive",
					     "stopped" };

	return (unsigned)dir < 5 ? names[dir] : "?";
}

const char *rtc_jsep_media_kind_name(enum rtc_jsep_media_kind kind)
{
	return kind == RTC_JSEP_MEDIA_VIDEO ? "video" : "audio";
}

/* ---- sections ---- */

bool jsep_media_is_rtp(const struct rtc_sdp_media *m)
{
	/* DTLS-SRTP only (RFC 8827): no plain RTP/AVP. */
	return (m->kind == RTC_SDP_MEDIA_AUDIO || m->kind == RTC_SDP_MEDIA_VIDEO) &&
	       (!strcmp(m->proto, "UDP/TLS/RTP/SAVPF") || !strcmp(m->proto, "TCP/TLS/RTP/SAVPF") ||
		!strcmp(m->proto, "UDP/TLS/RTP/SAVP") || !strcmp(m->proto, "RTP/SAVPF"));
}

bool jsep_media_kind(const struct rtc_sdp_media *m, enum rtc_jsep_media_kind *kind)
{
	if (m->kind == RTC_SDP_MEDIA_AUDIO)
		*kind = RTC_JSEP_MEDIA_AUDIO;
	else if (m->kind == RTC_SDP_MEDIA_VIDEO)
		*kind = RTC_JSEP_MEDIA_VIDEO;
	else
		return false;
	return true;
}

/* ---- our codecs ---- */

struct codec_spec {
	enum rtc_jsep_media_kind kind;
	const char *name;
	uint32_t clock_rate, channels;
	uint8_t payload_type, rtx_payload_type;  /* rtx 0: none */
	unsigned h264_profile;                   /* profile_idc << 8 | constraints */
	int packetization_mode;
};

static const struct codec_spec codecs[] = {
	{ RTC_JSEP_MEDIA_AUDIO, "opus", 48000, 2, 111, 0, 0, 0 },
	{ RTC_JSEP_MEDIA_VIDEO, "VP8", 90000, 0, 96, 97, 0, 0 },
	{ RTC_JSEP_MEDIA_VIDEO, "H264", 90000, 0, 98, 99, 0x42e0, 1 },
	{ RTC_JSEP_MEDIA_VIDEO, "H264", 90000, 0, 100, 101, 0x4200, 1 },
	{ RTC_JSEP_MEDIA_VIDEO, "H264", 90000, 0, 102, 103, 0x42e0, 0 },
	{ RTC_JSEP_MEDIA_VIDEO, "H264", 90000, 0, 104, 105, 0x4200, 0 },
};
#define N_CODECS (sizeof(codecs) / sizeof(codecs[0]))
/* H.264 level 3.1 (0x1f): what rtcd decodes and offers. */
#define H264_LEVEL 0x1f

/* The value of key in "a=b;c=d" into out; false when absent. */
static bool fmtp_param(const char *params, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = params; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t len = strcspn(p, ";");
		if (len > klen && !strncasecmp(p, key, klen) && p[klen] == '=') {
			snprintf(out, size, "%.*s", (int)(len - klen - 1), p + klen + 1);
			return true;
		}
		p += len;
	}
	return false;
}

static const char *fmtp_of(const struct rtc_sdp_media *m, unsigned pt)
{
	char format[4];

	snprintf(format, sizeof(format), "%u", pt);
	for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, "fmtp", NULL); a;
	     a = rtc_sdp_media_attr(m, "fmtp", a))
		if (a->kind == RTC_SDP_ATTR_FMTP && !strcmp(a->fmtp->format, format))
			return a->fmtp->parameters;
	return NULL;
}

/* libwebrtc's classes: Baseline with constraint_set1 is Constrained
 * Baseline, whatever the other flags say. */
static unsigned h264_profile_class(unsigned profile)
{
	if (profile >> 8 == 0x42)
		return profile & 0x40 ? 0x42e0 : 0x4200;
	return profile;
}

/* profile_idc << 8 | constraints, and the level, of an H.264 fmtp; RFC 6184
 * says 420010 when absent. False for a malformed one. */
static bool h264_profile(const char *params, unsigned *profile, unsigned *level)
{
	char value[16];
	unsigned long v;
	char *end;

	if (!fmtp_param(params, "profile-level-id", value, sizeof(value)))
		snprintf(value, sizeof(value), "420010");
	if (strlen(value) != 6)
		return false;
	v = strtoul(value, &end, 16);
	if (*end)
		return false;
	*profile = (unsigned)(v >> 8);
	*level = (unsigned)(v & 0xff);
	return true;
}

static int h264_mode(const char *params)
{
	char value[8];

	return fmtp_param(params, "packetization-mode", value, sizeof(value)) ? atoi(value) : 0;
}

static void our_fmtp(const struct rtc_jsep_config *config, const struct codec_spec *c,
		     unsigned h264_profile, unsigned h264_level, char *out, size_t size)
{
	if (!strcmp(c->name, "opus"))
		snprintf(out, size, "minptime=10;useinbandfec=1%s%s",
			 config->opus_stereo ? ";stereo=1;sprop-stereo=1" : "",
			 config->opus_dtx ? ";usedtx=1" : "");
	else if (!strcmp(c->name, "H264"))
		snprintf(out, size,
			 "level-asymmetry-allowed=1;packetization-mode=%d;profile-level-id=%04x%02x",
			 c->packetization_mode, h264_profile, h264_level);
	else
		out[0] = '\0';
}

static void our_feedback(const struct codec_spec *c, struct rtc_jsep_codec *out)
{
	bool video = c->kind == RTC_JSEP_MEDIA_VIDEO;

	out->transport_cc = true;
	out->nack = out->pli = out->fir = out->remb = video;
}

static void fill(const struct codec_spec *c, uint8_t pt, struct rtc_jsep_codec *out)
{
	memset(out, 0, sizeof(*out));
	out->payload_type = pt;
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	out->clock_rate = c->clock_rate;
	out->channels = c->channels;
	out->rtx_payload_type = -1;
}

/* The preferred video codec's entries first (config->video_codec), then
 * the others, each group in the table's order. */
static bool in_pass(const struct rtc_jsep_config *config, const struct codec_spec *c, int pass)
{
	bool preferred = config->video_codec && c->kind == RTC_JSEP_MEDIA_VIDEO &&
			 !strcasecmp(config->video_codec, c->name);

	return pass == 0 ? preferred : !preferred;
}

size_t jsep_codecs_ours(const struct rtc_jsep_config *config, enum rtc_jsep_media_kind kind,
			struct rtc_jsep_codec out[RTC_JSEP_MAX_CODECS])
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < N_CODECS; i++) {
			if (codecs[i].kind != kind || !in_pass(config, &codecs[i], pass))
				continue;
			fill(&codecs[i], codecs[i].payload_type, &out[n]);
			our_fmtp(config, &codecs[i], codecs[i].h264_profile, H264_LEVEL, out[n].fmtp,
				 sizeof(out[n].fmtp));
			our_feedback(&codecs[i], &out[n]);
			out[n].rtx_payload_type = codecs[i].rtx_payload_type
							  ? codecs[i].rtx_payload_type : -1;
			n++;
		}
	}
	return n;
}

/* Which of ours an offered payload type is, or NULL. */
static const struct codec_spec *match(enum rtc_jsep_media_kind kind,
				      const struct rtc_sdp_rtpmap *map, const char *fmtp)
{
	unsigned profile, level;

	for (size_t i = 0; i < N_CODECS; i++) {
		const struct codec_spec *c = &codecs[i];
		uint32_t channels = map->channels ? map->channels : 1;

		if (c->kind != kind || strcasecmp(map->encoding, c->name) != 0 ||
		    map->clock_rate != c->clock_rate)
			continue;
		if (c->channels && channels != c->channels)
			continue;
		if (!strcmp(c->name, "H264") &&
		    (!h264_profile(fmtp, &profile, &level) ||
		     h264_profile_class(profile) != c->h264_profile ||
		     h264_mode(fmtp) != c->packetization_mode))
			continue;
		return c;
	}
	return NULL;
}

static bool listed(const struct rtc_sdp_media *m, unsigned pt)
{
	char format[4];

	snprintf(format, sizeof(format), "%u", pt);
	for (size_t i = 0; i < m->n_fmts; i++)
		if (!strcmp(m->fmts[i], format))
			return true;
	return false;
}

/* The RTX payload type the section lists whose apt is pt, or -1. */
static int rtx_for(const struct rtc_sdp_media *m, unsigned pt)
{
	for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, "rtpmap", NULL); a;
	     a = rtc_sdp_media_attr(m, "rtpmap", a)) {
		char apt[8];

		if (a->kind != RTC_SDP_ATTR_RTPMAP || strcasecmp(a->rtpmap->encoding, "rtx") != 0 ||
		    a->rtpmap->clock_rate != 90000 || !listed(m, a->rtpmap->payload_type))
			continue;
		if (fmtp_param(fmtp_of(m, a->rtpmap->payload_type), "apt", apt, sizeof(apt)) &&
		    strtoul(apt, NULL, 10) == pt && strspn(apt, "0123456789") == strlen(apt))
			return a->rtpmap->payload_type;
	}
	return -1;
}

/* The rtcp-fb lines a section has for pt (or "*"), as flags. */
static void read_feedback(const struct rtc_sdp_media *m, unsigned pt, struct rtc_jsep_codec *out)
{
	char format[4];

	snprintf(format, sizeof(format), "%u", pt);
	out->nack = out->pli = out->fir = out->transport_cc = out->remb = false;
	for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, "rtcp-fb", NULL); a;
	     a = rtc_sdp_media_attr(m, "rtcp-fb", a)) {
		const struct rtc_sdp_rtcp_fb *fb = a->rtcp_fb;

		if (a->kind != RTC_SDP_ATTR_RTCP_FB ||
		    (strcmp(fb->format, format) != 0 && strcmp(fb->format, "*") != 0))
			continue;
		if (!strcmp(fb->type, "nack") && !fb->parameter)
			out->nack = true;
		else if (!strcmp(fb->type, "nack") && !strcmp(fb->parameter, "pli"))
			out->pli = true;
		else if (!strcmp(fb->type, "ccm") && fb->parameter && !strcmp(fb->parameter, "fir"))
			out->fir = true;
		else if (!strcmp(fb->type, "transport-cc"))
			out->transport_cc = true;
		else if (!strcmp(fb->type, "goog-remb"))
			out->remb = true;
	}
}

static void and_feedback(struct rtc_jsep_codec *a, const struct rtc_jsep_codec *b)
{
	a->nack &= b->nack;
	a->pli &= b->pli;
	a->fir &= b->fir;
	a->transport_cc &= b->transport_cc;
	a->remb &= b->remb;
}

static const struct rtc_jsep_codec *find_pt(const struct rtc_jsep_codec *v, size_t n, unsigned pt)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].payload_type == pt)
			return &v[i];
	return NULL;
}

size_t jsep_codecs_answer(const struct rtc_jsep_config *config, enum rtc_jsep_media_kind kind,
			  const struct rtc_sdp_media *offer,
			  struct rtc_jsep_codec out[RTC_JSEP_MAX_CODECS])
{
	size_t n = 0;

	for (size_t i = 0; i < offer->n_fmts && n < RTC_JSEP_MAX_CODECS; i++) {
		char *end;
		unsigned long pt = strtoul(offer->fmts[i], &end, 10);
		const struct rtc_sdp_rtpmap *map;
		const struct codec_spec *c;
		struct rtc_jsep_codec ours;
		const char *fmtp;
		unsigned profile = 0, level = H264_LEVEL;

		if (*end || pt > 127 || !(map = rtc_sdp_media_rtpmap(offer, (uint8_t)pt)) ||
		    find_pt(out, n, (unsigned)pt))
			continue;
		fmtp = fmtp_of(offer, (unsigned)pt);
		if (!(c = match(kind, map, fmtp)))
			continue;
		fill(c, (uint8_t)pt, &out[n]);
		/* H.264: their profile; our level when they allow asymmetry,
		 * else the lower of the two (RFC 6184 section 8.2.2). */
		if (!strcmp(c->name, "H264")) {
			char asym[4];
			bool asymmetric = fmtp_param(fmtp, "level-asymmetry-allowed", asym,
						     sizeof(asym)) && !strcmp(asym, "1");

			h264_profile(fmtp, &profile, &level);
			if (asymmetric || level > H264_LEVEL)
				level = H264_LEVEL;
		}
		our_fmtp(config, c, profile, level, out[n].fmtp, sizeof(out[n].fmtp));
		read_feedback(offer, (unsigned)pt, &out[n]);
		our_feedback(c, &ours);
		and_feedback(&out[n], &ours);
		out[n].rtx_payload_type = kind == RTC_JSEP_MEDIA_VIDEO ? rtx_for(offer, (unsigned)pt)
								       : -1;
		n++;
	}
	return n;
}

/* The codecs of ours a section lists, in its order, with its feedback,
 * fmtp and RTX. */
static size_t read_codecs(enum rtc_jsep_media_kind kind, const struct rtc_sdp_media *m,
			  struct rtc_jsep_codec out[RTC_JSEP_MAX_CODECS])
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_fmts && n < RTC_JSEP_MAX_CODECS; i++) {
		char *end;
		unsigned long pt = strtoul(m->fmts[i], &end, 10);
		const struct rtc_sdp_rtpmap *map;
		const struct codec_spec *c;
		const char *fmtp;

		if (*end || pt > 127 || !(map = rtc_sdp_media_rtpmap(m, (uint8_t)pt)) ||
		    find_pt(out, n, (unsigned)pt))
			continue;
		fmtp = fmtp_of(m, (unsigned)pt);
		if (!(c = match(kind, map, fmtp)))
			continue;
		fill(c, (uint8_t)pt, &out[n]);
		snprintf(out[n].fmtp, sizeof(out[n].fmtp), "%s", fmtp ? fmtp : "");
		read_feedback(m, (unsigned)pt, &out[n]);
		out[n].rtx_payload_type = kind == RTC_JSEP_MEDIA_VIDEO ? rtx_for(m, (unsigned)pt) : -1;
		n++;
	}
	return n;
}

size_t jsep_codecs_negotiated(enum rtc_jsep_media_kind kind, const struct rtc_sdp_media *offer,
			      const struct rtc_sdp_media *answer, const struct rtc_sdp_media *remote,
			      struct rtc_jsep_codec out[RTC_JSEP_MAX_CODECS])
{
	struct rtc_jsep_codec offered[RTC_JSEP_MAX_CODECS];
	size_t n_offered = read_codecs(kind, offer, offered), n = 0;
	size_t n_answered = read_codecs(kind, answer, out);

	/* Only what the offer had under the same payload type counts. */
	for (size_t i = 0; i < n_answered; i++) {
		const struct rtc_jsep_codec *o = find_pt(offered, n_offered, out[i].payload_type);
		const char *fmtp;

		if (!o || strcmp(o->name, out[i].name) != 0)
			continue;
		out[n] = out[i];
		and_feedback(&out[n], o);
		if (out[n].rtx_payload_type != o->rtx_payload_type)
			out[n].rtx_payload_type = -1;
		fmtp = fmtp_of(remote, out[n].payload_type);
		if (fmtp)
			snprintf(out[n].fmtp, sizeof(out[n].fmtp), "%s", fmtp);
		n++;
	}
	return n;
}

/* ---- header extensions ---- */

static const struct {
	const char *uri;
	uint16_t id;
	bool audio, video;
} extensions[] = {
	{ RTC_JSEP_URI_AUDIO_LEVEL, 1, true, false },
	{ RTC_JSEP_URI_ABS_SEND_TIME, 2, true, true },
	{ RTC_JSEP_URI_TRANSPORT_CC, 3, true, true },
	{ RTC_JSEP_URI_MID, 4, true, true },
	/* Answered when offered (simulcast); not offered by us. */
	{ RTC_JSEP_URI_RTP_STREAM_ID, 0, false, true },
	{ RTC_JSEP_URI_REPAIRED_RTP_STREAM_ID, 0, false, true },
};
#define N_EXTENSIONS (sizeof(extensions) / sizeof(extensions[0]))

static bool supported(enum rtc_jsep_media_kind kind, const char *uri)
{
	for (size_t i = 0; i < N_EXTENSIONS; i++)
		if (!strcmp(extensions[i].uri, uri))
			return kind == RTC_JSEP_MEDIA_AUDIO ? extensions[i].audio
							    : extensions[i].video;
	return false;
}

size_t jsep_extensions_ours(enum rtc_jsep_media_kind kind,
			    struct jsep_extension out[JSEP_MAX_EXTENSIONS])
{
	size_t n = 0;

	for (size_t i = 0; i < N_EXTENSIONS; i++)
		if (extensions[i].id && supported(kind, extensions[i].uri))
			out[n++] = (struct jsep_extension){ extensions[i].id, extensions[i].uri };
	return n;
}

/* Whether another section of the offer gives id another URI.  RFC 8843
 * section 9.2 forbids that within a BUNDLE group, yet aiortc 1.4 offers
 * audio-level and abs-send-time both as id 2, then reads every packet of
 * the bundle with one map: our audio-level element, parsed as
 * abs-send-time, kills its receiver.  rtcd runs every section on one
 * transport, so an id with two meanings in the offer means nothing to us. */
static bool id_ambiguous(const struct rtc_sdp_session *offer, const struct rtc_sdp_media *m,
			 uint16_t id, const char *uri)
{
	for (size_t i = 0; offer && i < offer->n_media; i++) {
		const struct rtc_sdp_media *other = offer->media[i];

		if (other == m)
			continue;
		for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(other, "extmap", NULL); a;
		     a = rtc_sdp_media_attr(other, "extmap", a))
			if (a->kind == RTC_SDP_ATTR_EXTMAP && a->extmap->id == id &&
			    strcmp(a->extmap->uri, uri) != 0)
				return true;
	}
	return false;
}

size_t jsep_extensions_answer(enum rtc_jsep_media_kind kind, const struct rtc_sdp_session *session,
			      const struct rtc_sdp_media *offer,
			      struct jsep_extension out[JSEP_MAX_EXTENSIONS])
{
	size_t n = 0;

	for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(offer, "extmap", NULL);
	     a && n < JSEP_MAX_EXTENSIONS; a = rtc_sdp_media_attr(offer, "extmap", a)) {
		bool dup = false;

		if (a->kind != RTC_SDP_ATTR_EXTMAP || !supported(kind, a->extmap->uri) ||
		    id_ambiguous(session, offer, a->extmap->id, a->extmap->uri))
			continue;
		for (size_t k = 0; k < n; k++)
			dup |= !strcmp(out[k].uri, a->extmap->uri) || out[k].id == a->extmap->id;
		if (!dup)
			out[n++] = (struct jsep_extension){ a->extmap->id, a->extmap->uri };
	}
	return n;
}

static uint16_t extmap_id(const struct rtc_sdp_media *m, const char *uri)
{
	for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, "extmap", NULL); a;
	     a = rtc_sdp_media_attr(m, "extmap", a))
		if (a->kind == RTC_SDP_ATTR_EXTMAP && !strcmp(a->extmap->uri, uri))
			return a->extmap->id;
	return 0;
}

void jsep_extensions_negotiated(enum rtc_jsep_media_kind kind, const struct rtc_sdp_media *offer,
				const struct rtc_sdp_media *answer,
				struct rtc_jsep_extension_ids *out)
{
	uint16_t *fields[] = { &out->audio_level, &out->abs_send_time, &out->transport_cc,
			       &out->mid, &out->rtp_stream_id, &out->repaired_rtp_stream_id };

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < N_EXTENSIONS; i++) {
		uint16_t id = extmap_id(answer, extensions[i].uri);

		/* The answer takes the offer's id (RFC 8285 section 6). */
		if (supported(kind, extensions[i].uri) && id &&
		    id == extmap_id(offer, extensions[i].uri))
			*fields[i] = id;
	}
}
