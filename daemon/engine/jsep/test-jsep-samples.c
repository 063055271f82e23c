/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSEP against descriptions real peers made (tests/data/sdp/: Chromium,
 * Firefox, aiortc, Pion, libdatachannel): our answers to their offers, their
 * answers to our offer, and our re-offer after a remote offer with media
 * sections.
 */
#include <ctype.h>
#include <strings.h>

#include "engine/jsep/test-jsep.h"

/* ---- the real samples ---- */

static const char *attr_value(const struct rtc_sdp_media *m, const char *name)
{
	const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, name, NULL);

	return a ? (a->value ? a->value : "") : NULL;
}

/* Some a=ice-options line of the text names "trickle". */
static bool offers_trickle(const char *text)
{
	for (const char *line = strstr(text, "a=ice-options:"); line;
	     line = strstr(line + 1, "a=ice-options:")) {
		const char *trickle = strstr(line, "trickle"), *end = strchr(line, '\n');

		if (trickle && (!end || trickle < end))
			return true;
	}
	return false;
}

static const struct rtc_sdp_rtpmap *rtpmap_of(const struct rtc_sdp_media *m, const char *fmt)
{
	return rtc_sdp_media_rtpmap(m, (uint8_t)atoi(fmt));
}

static const char *fmtp_of(const struct rtc_sdp_media *m, const char *fmt)
{
	for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, "fmtp", NULL); a;
	     a = rtc_sdp_media_attr(m, "fmtp", a))
		if (!strcmp(a->fmtp->format, fmt))
			return a->fmtp->parameters;
	return NULL;
}

/* The profile (first four hex digits) and packetization-mode of H.264. */
static void h264_of(const char *fmtp, char profile[5], char *mode)
{
	const char *p = fmtp ? strstr(fmtp, "profile-level-id=") : NULL;
	const char *m = fmtp ? strstr(fmtp, "packetization-mode=") : NULL;

	snprintf(profile, 5, "%s", p ? p + 17 : "4200");
	for (char *c = profile; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	*mode = m ? m[19] : '0';
}

/* An accepted audio/video section: the offer's payload types with their
 * rtpmaps, H.264 of the same profile and mode, RTX pointing at the right
 * codec, the offer's extension ids, rtcp-mux, recvonly to a sendrecv or
 * sendonly offer. */
static void check_media_answer(const struct rtc_sdp_session *offer, const struct rtc_sdp_media *o,
			       const struct rtc_sdp_session *answer, const struct rtc_sdp_media *a)
{
	CHECK(rtc_sdp_media_has(a, "rtcp-mux"));
	CHECK(a->n_fmts > 0);
	CHECK_INTEQ(rtc_sdp_direction(answer, a),
		    rtc_sdp_direction(offer, o) == RTC_SDP_DIRECTION_RECVONLY
			    ? RTC_SDP_DIRECTION_INACTIVE : RTC_SDP_DIRECTION_RECVONLY);
	for (size_t f = 0; f < a->n_fmts; f++) {
		const struct rtc_sdp_rtpmap *am = rtpmap_of(a, a->fmts[f]);
		const struct rtc_sdp_rtpmap *om = rtpmap_of(o, a->fmts[f]);
		bool offered = false;

		for (size_t g = 0; g < o->n_fmts; g++)
			offered |= !strcmp(o->fmts[g], a->fmts[f]);
		CHECK(offered && am && om);
		if (!am || !om)
			continue;
		CHECK(!strcasecmp(am->encoding, om->encoding));
		CHECK_INTEQ(am->clock_rate, om->clock_rate);
		CHECK(!strcasecmp(am->encoding, "opus") || !strcasecmp(am->encoding, "VP8") ||
		      !strcasecmp(am->encoding, "H264") || !strcasecmp(am->encoding, "rtx"));
		if (!strcasecmp(am->encoding, "H264")) {
			char ap[5], op[5], amode, omode;

			h264_of(fmtp_of(a, a->fmts[f]), ap, &amode);
			h264_of(fmtp_of(o, a->fmts[f]), op, &omode);
			CHECK_STREQ(ap, op);
			CHECK_INTEQ(amode, omode);
			CHECK(!strcmp(ap, "42e0") || !strcmp(ap, "4200"));
		}
		if (!strcasecmp(am->encoding, "rtx")) {
			const char *aapt = fmtp_of(a, a->fmts[f]), *oapt = fmtp_of(o, a->fmts[f]);
			bool apt_answered = false;

			CHECK(aapt && oapt && !strcmp(aapt, oapt));
			for (size_t g = 0; aapt && g < a->n_fmts; g++)
				apt_answered |= !strcmp(a->fmts[g], aapt + 4);
			CHECK(apt_answered);
		}
	}
	for (const struct rtc_sdp_attr *x = rtc_sdp_media_attr(a, "extmap", NULL); x;
	     x = rtc_sdp_media_attr(a, "extmap", x)) {
		bool same = false;

		for (const struct rtc_sdp_attr *y = rtc_sdp_media_attr(o, "extmap", NULL); y;
		     y = rtc_sdp_media_attr(o, "extmap", y))
			same |= y->extmap->id == x->extmap->id && !strcmp(y->extmap->uri, x->extmap->uri);
		CHECK(same);
	}
}

/* Our answer to a browser's or library's offer: the data section and the
 * audio/video sections accepted with their mids, everything else rejected,
 * the session as the offer says. */
static void answer_sample(const char *name)
{
	struct rtc_jsep *jsep = new_jsep(false);
	struct rtc_sdp_session *offer = NULL, *answer = NULL;
	const struct rtc_sdp_media *odata = NULL;
	struct rtc_jsep_sctp_session session;
	const struct rtc_sdp_group *bundle;
	char *text = read_sample(name), *ours = NULL;
	size_t n_media = 0;
	uint64_t size;

	if (!text || !(offer = parse(text))) {
		CHECK(false);
		goto out;
	}
	OK(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, text, ERR));
	/* Whoever writes "trickle" among its ICE options, with spaces or
	 * with commas as libdatachannel does, is known to trickle. */
	CHECK_INTEQ(rtc_jsep_can_trickle_ice_candidates(jsep), offers_trickle(text));
	ours = create_answer(jsep);
	OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_ANSWER, ours, ERR));
	answer = parse(ours);
	if (!answer) {
		CHECK(false);
		goto out;
	}
	CHECK_INTEQ(answer->n_media, offer->n_media);
	for (size_t i = 0; i < offer->n_media && i < answer->n_media; i++) {
		const struct rtc_sdp_media *o = offer->media[i], *a = answer->media[i];

		CHECK_STREQ(rtc_sdp_media_mid(a), rtc_sdp_media_mid(o));
		CHECK_STREQ(a->type, o->type);
		CHECK_STREQ(a->proto, o->proto);
		if (o->kind == RTC_SDP_MEDIA_APPLICATION && !odata) {
			odata = o;
			CHECK_INTEQ(a->port, 9);
			CHECK_INTEQ(rtc_sdp_setup(answer, a), RTC_SDP_SETUP_ACTIVE);
			CHECK(rtc_sdp_media_max_message_size(a, &size) && size == 262144);
			CHECK_STREQ(rtc_sdp_fingerprint(answer, a)->hex, rtc_jsep_fingerprint(jsep));
			if (strcmp(o->proto, "DTLS/SCTP") == 0) {
				CHECK(rtc_sdp_media_sctpmap(a) &&
				      rtc_sdp_media_sctpmap(a)->number == 5000);
				CHECK(a->n_fmts == 1 && !strcmp(a->fmts[0], "5000"));
			} else {
				CHECK_STREQ(attr_value(a, "sctp-port"), "5000");
			}
			continue;
		}
		if (a->port != 0) {
			CHECK(o->kind == RTC_SDP_MEDIA_AUDIO || o->kind == RTC_SDP_MEDIA_VIDEO);
			check_media_answer(offer, o, answer, a);
			n_media++;
			continue;
		}
		/* Rejected: port 0, formats echoed with their rtpmaps, the mid,
		 * our transport lines, and nothing about media. */
		CHECK_INTEQ(a->port, 0);
		CHECK_INTEQ(a->n_fmts, o->n_fmts);
		for (size_t f = 0; f < a->n_fmts && f < o->n_fmts; f++)
			CHECK_STREQ(a->fmts[f], o->fmts[f]);
		CHECK_STREQ(rtc_sdp_media_mid(a), rtc_sdp_media_mid(o));
		CHECK(attr_value(a, "ice-ufrag") && attr_value(a, "ice-pwd"));
		CHECK(rtc_sdp_fingerprint(answer, a) != NULL);
		for (size_t k = 0; k < a->n_attrs; k++) {
			const char *n = a->attrs[k].name;
			bool allowed = !strcmp(n, "mid") || !strcmp(n, "ice-ufrag") ||
				       !strcmp(n, "ice-pwd") || !strcmp(n, "fingerprint") ||
				       !strcmp(n, "setup") || !strcmp(n, "rtpmap") ||
				       !strcmp(n, "rtcp-mux");
			if (!allowed)
				printf("# unexpected a=%s in a rejected section\n", n);
			CHECK(allowed);
		}
		{
			size_t n_rtpmap_o = 0, n_rtpmap_a = 0;
			for (size_t k = 0; k < o->n_attrs; k++)
				n_rtpmap_o += !strcmp(o->attrs[k].name, "rtpmap");
			for (size_t k = 0; k < a->n_attrs; k++)
				n_rtpmap_a += !strcmp(a->attrs[k].name, "rtpmap");
			CHECK_INTEQ(n_rtpmap_a, n_rtpmap_o);
		}
	}
	CHECK(odata != NULL);
	/* Every accepted section is in the one BUNDLE group, in order. */
	bundle = rtc_sdp_group(answer, "BUNDLE");
	CHECK(bundle && bundle->n_mids == n_media + 1);
	for (size_t i = 0, k = 0; bundle && i < answer->n_media; i++)
		if (answer->media[i]->port != 0)
			CHECK(k < bundle->n_mids &&
			      !strcmp(bundle->mids[k++], rtc_sdp_media_mid(answer->media[i])));
	/* A recvonly transceiver per offered audio/video section, each a
	 * track event when the offer sends. */
	CHECK_INTEQ(rtc_jsep_transceiver_count(jsep), n_media);
	for (size_t i = 0; i < rtc_jsep_transceiver_count(jsep); i++) {
		struct rtc_jsep_transceiver t;
		size_t index;

		CHECK(rtc_jsep_transceiver_info(jsep, i, &t));
		CHECK_INTEQ(t.direction, RTC_JSEP_RECVONLY);
		CHECK(t.negotiated && t.has_current_direction);
		CHECK_INTEQ(t.current_direction, RTC_JSEP_RECVONLY);
		CHECK(t.n_codecs > 0);
		CHECK(t.remote_ssrc != 0);
		CHECK(rtc_jsep_take_track_event(jsep, &index) && index == i);
	}

	CHECK(rtc_jsep_sctp_session(jsep, &session));
	if (odata) {
		const struct rtc_sdp_media *t = odata;

		CHECK_STREQ(session.mid, rtc_sdp_media_mid(odata));
		CHECK(session.dtls_client);
		CHECK_INTEQ(session.local_port, 5000);
		CHECK_INTEQ(session.remote_port, 5000);
		if (!rtc_sdp_media_max_message_size(odata, &size))
			size = 65536;
		CHECK_INTEQ(session.remote_max_message_size, size);
		CHECK_STREQ(session.remote_ice_ufrag, rtc_sdp_ice_ufrag(offer, t));
		CHECK_STREQ(session.remote_ice_pwd, rtc_sdp_ice_pwd(offer, t));
		CHECK_STREQ(session.remote_fingerprint, rtc_sdp_fingerprint(offer, t)->hex);
	}
out:
	if (rtc_test_case_failed)
		printf("# ... in %s\n", name);
	rtc_sdp_free(offer);
	rtc_sdp_free(answer);
	free(text);
	free(ours);
	rtc_jsep_free(jsep);
}

/* With tracks of our own added first, the offer's sections take them
 * (W3C addTrack transceivers), and the answer sends on them: sendrecv,
 * a=msid, our SSRC, and a FID group where RTX was agreed. */
static void answer_sample_sending(const char *name)
{
	struct rtc_jsep *jsep = new_jsep(false);
	const char *streams[] = { "st" };
	struct rtc_sdp_session *answer = NULL;
	char *text = read_sample(name), *ours = NULL;
	size_t index;

	OK(rtc_jsep_add_track(jsep, RTC_JSEP_MEDIA_AUDIO, streams, 1, "mic", &index, ERR));
	OK(rtc_jsep_add_track(jsep, RTC_JSEP_MEDIA_VIDEO, streams, 1, "cam", &index, ERR));
	OK(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, text, ERR));
	CHECK_INTEQ(rtc_jsep_transceiver_count(jsep), 2);
	ours = create_answer(jsep);
	OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_ANSWER, ours, ERR));
	answer = parse(ours);
	for (size_t i = 0; answer && i < 2; i++) {
		struct rtc_jsep_transceiver t;
		const struct rtc_sdp_media *m;
		char msid[80], ssrc[40];

		CHECK(rtc_jsep_transceiver_info(jsep, i, &t));
		CHECK_INTEQ(t.mline_index, (int)i);
		if (t.mline_index != (int)i || (size_t)t.mline_index >= answer->n_media)
			continue;
		m = answer->media[i];
		CHECK_INTEQ(rtc_sdp_direction(answer, m), RTC_SDP_DIRECTION_SENDRECV);
		CHECK_INTEQ(t.current_direction, RTC_JSEP_SENDRECV);
		snprintf(msid, sizeof(msid), "st %s", i ? "cam" : "mic");
		CHECK_STREQ(attr_value(m, "msid"), msid);
		snprintf(ssrc, sizeof(ssrc), "%u cname:%s", t.ssrc, t.cname);
		CHECK_STREQ(attr_value(m, "ssrc"), ssrc);
		if (t.n_codecs && t.codecs[0].rtx_payload_type >= 0) {
			snprintf(ssrc, sizeof(ssrc), "FID %u %u", t.ssrc, t.rtx_ssrc);
			CHECK_STREQ(attr_value(m, "ssrc-group"), ssrc);
		} else {
			CHECK(!attr_value(m, "ssrc-group"));
		}
	}
	if (rtc_test_case_failed)
		printf("# ... in %s, sending\n", name);
	rtc_sdp_free(answer);
	free(text);
	free(ours);
	rtc_jsep_free(jsep);
}

static void test_answers_to_sample_offers(void)
{
	char names[32][128];
	size_t n = list_samples("-offer-", names, 32);

	/* Chromium (two), Firefox, aiortc, Pion and libdatachannel, each with
	 * and without media. */
	CHECK(n >= 10);
	for (size_t i = 0; i < n; i++) {
		answer_sample(names[i]);
		if (strstr(names[i], "-av-"))
			answer_sample_sending(names[i]);
	}
}

/* The samples' answers fit our data-only offer (one section, mid 0). */
static void test_sample_answers_as_remote(void)
{
	char names[32][128];
	size_t n = list_samples("-answer-", names, 32);

	CHECK(n >= 5);
	for (size_t i = 0; i < n; i++) {
		struct rtc_jsep *jsep = new_jsep(true);
		struct rtc_sdp_session *s;
		struct rtc_jsep_sctp_session session;
		char *text = read_sample(names[i]);
		uint64_t size;

		OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_OFFER, NULL, ERR));
		OK(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_ANSWER, text, ERR));
		s = text ? parse(text) : NULL;
		CHECK(s && rtc_jsep_sctp_session(jsep, &session));
		if (s && s->n_media == 1 && rtc_jsep_sctp_session(jsep, &session)) {
			const struct rtc_sdp_media *m = s->media[0];

			CHECK_INTEQ(session.dtls_client,
				    rtc_sdp_setup(s, m) == RTC_SDP_SETUP_PASSIVE);
			CHECK_STREQ(session.remote_ice_ufrag, rtc_sdp_ice_ufrag(s, m));
			CHECK_STREQ(session.remote_fingerprint, rtc_sdp_fingerprint(s, m)->hex);
			if (!rtc_sdp_media_max_message_size(m, &size))
				size = 65536;
			CHECK_INTEQ(session.remote_max_message_size, size);
		}
		if (rtc_test_case_failed)
			printf("# ... in %s\n", names[i]);
		rtc_sdp_free(s);
		free(text);
		rtc_jsep_free(jsep);
	}
}

/* Media sections from a remote offer stay, in place and negotiated (no
 * bundle-only), in our own re-offers, recvonly; the data section keeps its
 * mid "2". */
static void test_reoffer_after_media_offer(void)
{
	char *text = read_sample("chromium-offer-av-datachannel.sdp"), *offer;
	struct rtc_jsep *jsep = new_jsep(false);
	struct rtc_sdp_session *s;

	if (!text) {
		CHECK(false);
		rtc_jsep_free(jsep);
		return;
	}
	OK(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, text, ERR));
	OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_ANSWER, NULL, ERR));
	offer = create_offer(jsep, false);
	s = parse(offer);
	CHECK(s && s->n_media == 3);
	if (s && s->n_media == 3) {
		CHECK(s->media[0]->port == 9 && !strcmp(rtc_sdp_media_mid(s->media[0]), "0"));
		CHECK(s->media[1]->port == 9 && !strcmp(rtc_sdp_media_mid(s->media[1]), "1"));
		CHECK(s->media[2]->port == 9 && !strcmp(rtc_sdp_media_mid(s->media[2]), "2"));
		CHECK_INTEQ(rtc_sdp_direction(s, s->media[0]), RTC_SDP_DIRECTION_RECVONLY);
		CHECK_INTEQ(rtc_sdp_direction(s, s->media[1]), RTC_SDP_DIRECTION_RECVONLY);
		CHECK(rtc_sdp_group(s, "BUNDLE") && rtc_sdp_group(s, "BUNDLE")->n_mids == 3);
		CHECK_INTEQ(rtc_sdp_setup(s, s->media[2]), RTC_SDP_SETUP_ACTPASS);
	}
	rtc_sdp_free(s);
	free(offer);
	free(text);
	rtc_jsep_free(jsep);
}

int main(void)
{
	RUN(test_answers_to_sample_offers);
	RUN(test_sample_answers_as_remote);
	RUN(test_reoffer_after_media_offer);
	return rtc_test_done();
}
