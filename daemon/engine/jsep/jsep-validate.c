/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a remote description must satisfy before it is applied. The parser
 * has checked the syntax of every line; these are the rules of JSEP
 * (RFC 9429 section 5.8), BUNDLE (RFC 8843), ICE (RFC 8839) and DTLS
 * (RFC 8842) across lines. Each failure is an InvalidAccessError that names
 * the section and what is wrong, since the message reaches an app developer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsep/jsep-private.h"

/* "m-section 2 (mid "1")" or "m-section 2": how messages name a section. */
static const char *describe(const struct rtc_sdp_media *m, size_t index, char *buf, size_t size)
{
	const char *mid = rtc_sdp_media_mid(m);

	if (mid)
		snprintf(buf, size, "m-section %zu (mid \"%.32s\")", index + 1, mid);
	else
		snprintf(buf, size, "m-section %zu", index + 1);
	return buf;
}

static int check_mids(const struct rtc_sdp_session *s, struct rtc_error *err)
{
	for (size_t i = 0; i < s->n_media; i++) {
		const char *mid = rtc_sdp_media_mid(s->media[i]);

		/* A section rejected without a mid stays rejected, so an old
		 * peer may leave it out there; everywhere else JSEP needs it. */
		if (!mid) {
			if (jsep_media_is_active(s->media[i]))
				return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
						     "m-section %zu has no a=mid", i + 1);
			continue;
		}
		if (strlen(mid) > JSEP_MID_MAX)
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "m-section %zu: a=mid is longer than %d characters",
					     i + 1, JSEP_MID_MAX);
		for (size_t j = 0; j < i; j++) {
			const char *other = rtc_sdp_media_mid(s->media[j]);

			if (other && strcmp(other, mid) == 0)
				return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
						     "m-sections %zu and %zu have the same mid "
						     "\"%s\"", j + 1, i + 1, mid);
		}
	}
	return 0;
}

static size_t media_index(const struct rtc_sdp_session *s, const char *mid)
{
	for (size_t i = 0; i < s->n_media; i++) {
		const char *m = rtc_sdp_media_mid(s->media[i]);

		if (m && strcmp(m, mid) == 0)
			return i;
	}
	return SIZE_MAX;
}

/* Every mid a BUNDLE group names exists, and no mid is named twice, in one
 * group or two. Linear in the group members times the sections, so a
 * hostile description of many groups costs no more than its size allows. */
static int check_bundle_groups(const struct rtc_sdp_session *s, struct rtc_error *err)
{
	bool *grouped = calloc(s->n_media ? s->n_media : 1, sizeof(*grouped));
	const struct rtc_sdp_attr *a;
	int ret = 0;

	if (!grouped)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	for (a = rtc_sdp_session_attr(s, "group", NULL); a && ret == 0;
	     a = rtc_sdp_session_attr(s, "group", a)) {
		if (a->kind != RTC_SDP_ATTR_GROUP || strcmp(a->group->semantics, "BUNDLE") != 0)
			continue;
		for (size_t i = 0; i < a->group->n_mids && ret == 0; i++) {
			const char *mid = a->group->mids[i];
			size_t index = media_index(s, mid);

			if (index == SIZE_MAX)
				ret = rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
						    "line %u: a=group:BUNDLE names mid \"%s\", "
						    "which no m-section has", a->line, mid);
			else if (grouped[index])
				ret = rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
						    "line %u: mid \"%s\" is named twice in "
						    "BUNDLE groups", a->line, mid);
			else
				grouped[index] = true;
		}
	}
	free(grouped);
	return ret;
}

/* ICE credentials, a fingerprint we can check, and a DTLS role that fits
 * the type, for one active section. */
static int check_transport(enum rtc_sdp_type type, const struct rtc_sdp_session *s,
			   size_t index, struct rtc_error *err)
{
	const struct rtc_sdp_media *m = jsep_transport_media(s, s->media[index]);
	const char *ufrag = rtc_sdp_ice_ufrag(s, m), *pwd = rtc_sdp_ice_pwd(s, m);
	const struct rtc_sdp_fingerprint *fingerprint = rtc_sdp_fingerprint(s, m);
	enum rtc_sdp_setup setup = rtc_sdp_setup(s, m);
	struct rtc_error detail;
	char name[80];

	describe(s->media[index], index, name, sizeof(name));
	if (!ufrag || !pwd)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "%s has no a=%s (at media or session level)", name,
				     ufrag ? "ice-pwd" : "ice-ufrag");
	if (rtc_ice_credentials_check_ufrag(ufrag, &detail) < 0 ||
	    rtc_ice_credentials_check_pwd(pwd, &detail) < 0)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS, "%s: %s", name, detail.message);
	if (!fingerprint)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "%s has no a=fingerprint (at media or session level)", name);
	if (!rtc_cert_fingerprint_algorithm_supported(fingerprint->algorithm))
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "%s: a=fingerprint uses the hash function \"%s\", which "
				     "rtcd cannot check", name, fingerprint->algorithm);
	if (setup == RTC_SDP_SETUP_HOLDCONN)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "%s: a=setup:holdconn is not allowed (RFC 8842)", name);
	if (setup == RTC_SDP_SETUP_ACTPASS && type != RTC_SDP_TYPE_OFFER)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "%s: an answer must choose a=setup:active or passive, not "
				     "actpass", name);
	return 0;
}

int jsep_check_answer_fits_offer(const struct rtc_sdp_session *offer,
				 const struct rtc_sdp_session *answer, struct rtc_error *err)
{
	char name[80];

	if (answer->n_media != offer->n_media)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "the answer has %zu m-sections, the offer has %zu",
				     answer->n_media, offer->n_media);
	for (size_t i = 0; i < answer->n_media; i++) {
		const struct rtc_sdp_media *o = offer->media[i], *a = answer->media[i];
		const char *omid = rtc_sdp_media_mid(o), *amid = rtc_sdp_media_mid(a);

		describe(a, i, name, sizeof(name));
		if ((omid || amid) && (!omid || !amid || strcmp(omid, amid) != 0))
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "%s of the answer does not have the offer's mid "
					     "\"%s\"", name, omid ? omid : "");
		if (strcmp(o->type, a->type) != 0)
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "%s is %s in the answer but %s in the offer", name,
					     a->type, o->type);
		if (a->port != 0 && !jsep_media_is_active(o))
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "%s was rejected in the offer and cannot be "
					     "accepted in the answer", name);
		if (a->port != 0 && jsep_media_is_data(o) && !jsep_media_is_data(a))
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "%s: the answer accepts the data section with "
					     "\"%s\", which is not a data-channel transport", name,
					     a->proto);
	}
	return 0;
}

/* RFC 9429 section 5.8: a re-offer keeps every negotiated section in its
 * place with its mid; only a rejected one may be reused for something new. */
static int check_reoffer_keeps_sections(const struct rtc_jsep *jsep,
					const struct rtc_sdp_session *offer,
					struct rtc_error *err)
{
	const struct rtc_sdp_session *negotiated = jsep->current_remote.sdp;
	const struct rtc_sdp_session *ours = jsep->current_local.sdp;

	if (!negotiated || !ours)
		return 0;
	if (offer->n_media < negotiated->n_media)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "the offer has %zu m-sections, fewer than the %zu already "
				     "negotiated", offer->n_media, negotiated->n_media);
	for (size_t i = 0; i < negotiated->n_media; i++) {
		const char *was = rtc_sdp_media_mid(negotiated->media[i]);
		const char *now = rtc_sdp_media_mid(offer->media[i]);
		bool in_use = jsep_media_is_active(negotiated->media[i]) &&
			      i < ours->n_media && jsep_media_is_active(ours->media[i]);

		if (in_use && was && (!now || strcmp(was, now) != 0))
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "m-section %zu had mid \"%s\" and must keep it in a "
					     "new offer", i + 1, was);
	}
	return 0;
}

/* rtcd runs every section on one transport and RTCP on the RTP flow: an
 * answer that accepts two sections must bundle them, and accepted RTP
 * sections must take rtcp-mux (RFC 8843, RFC 8035). */
static int check_answer_transport(const struct rtc_sdp_session *answer, struct rtc_error *err)
{
	const struct rtc_sdp_group *bundle = rtc_sdp_group(answer, "BUNDLE");
	size_t first = SIZE_MAX;
	char name[80];

	for (size_t i = 0; i < answer->n_media; i++) {
		const struct rtc_sdp_media *m = answer->media[i];
		const char *mid = rtc_sdp_media_mid(m);
		bool grouped = false;

		if (!jsep_media_is_active(m))
			continue;
		describe(m, i, name, sizeof(name));
		if ((m->kind == RTC_SDP_MEDIA_AUDIO || m->kind == RTC_SDP_MEDIA_VIDEO) &&
		    !rtc_sdp_media_has(m, "rtcp-mux"))
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "%s has no a=rtcp-mux, which rtcd requires", name);
		for (size_t k = 0; bundle && mid && k < bundle->n_mids; k++)
			grouped |= !strcmp(bundle->mids[k], mid);
		if (first == SIZE_MAX) {
			first = i;
			continue;
		}
		if (!grouped)
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "%s is accepted outside the first BUNDLE group; rtcd "
					     "carries every section on one transport", name);
	}
	if (first != SIZE_MAX && bundle) {
		const char *mid = rtc_sdp_media_mid(answer->media[first]);
		bool grouped = false;

		for (size_t k = 0; mid && k < bundle->n_mids; k++)
			grouped |= !strcmp(bundle->mids[k], mid);
		if (!grouped && bundle->n_mids > 0)
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "m-section %zu is accepted outside the BUNDLE group; "
					     "rtcd carries every section on one transport", first + 1);
	}
	return 0;
}

/* A mid keeps its media kind for the life of the session (RFC 9429 5.8). */
static int check_kinds_kept(const struct rtc_jsep *jsep, const struct rtc_sdp_session *offer,
			    struct rtc_error *err)
{
	for (size_t i = 0; i < offer->n_media; i++) {
		const struct rtc_sdp_media *m = offer->media[i];
		const struct jsep_transceiver *t =
			jsep_transceiver_by_mid(&jsep->media, rtc_sdp_media_mid(m));
		enum rtc_jsep_media_kind kind;
		char name[80];

		if (!t || t->pub.stopped || !jsep_media_is_active(m))
			continue;
		if (!jsep_media_kind(m, &kind) || kind != t->pub.kind)
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "%s is %s, but its mid belongs to an %s transceiver",
					     describe(m, i, name, sizeof(name)), m->type,
					     rtc_jsep_media_kind_name(t->pub.kind));
	}
	return 0;
}

/* RTC_JSEP_MAX_REMOTE_CANDIDATES per section: what ICE keeps. */
static int check_candidate_count(const struct rtc_sdp_session *sdp, struct rtc_error *err)
{
	for (size_t i = 0; i < sdp->n_media; i++) {
		const struct rtc_sdp_attr *a = NULL;
		size_t n = 0;

		while ((a = rtc_sdp_media_attr(sdp->media[i], "candidate", a)))
			if (++n > RTC_JSEP_MAX_REMOTE_CANDIDATES)
				return rtc_error_set(err, RTC_ERROR_OPERATION,
						     "line %u: more than %d candidates in media "
						     "section %zu",
						     a->line, RTC_JSEP_MAX_REMOTE_CANDIDATES, i);
	}
	return 0;
}

int jsep_validate_remote(const struct rtc_jsep *jsep, enum rtc_sdp_type type,
			 const struct rtc_sdp_session *sdp, struct rtc_error *err)
{
	if (check_mids(sdp, err) < 0 || check_bundle_groups(sdp, err) < 0 ||
	    check_candidate_count(sdp, err) < 0)
		return -1;
	for (size_t i = 0; i < sdp->n_media; i++)
		if (jsep_media_is_active(sdp->media[i]) && check_transport(type, sdp, i, err) < 0)
			return -1;
	if (type == RTC_SDP_TYPE_OFFER)
		return check_reoffer_keeps_sections(jsep, sdp, err) < 0 ||
		       check_kinds_kept(jsep, sdp, err) < 0 ? -1 : 0;
	if (jsep_check_answer_fits_offer(jsep->pending_local.sdp, sdp, err) < 0)
		return -1;
	return check_answer_transport(sdp, err);
}
