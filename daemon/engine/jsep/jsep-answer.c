/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * createAnswer (RFC 9429 sections 5.3.1 and 5.3.2): the first data section
 * of the remote offer and every audio/video section whose transceiver can
 * take it are accepted, on one transport: the BUNDLE group of the first
 * accepted section. Every other section is rejected (port 0, same mid,
 * proto and formats), as is one outside that group, since rtcd has one
 * transport per peer connection.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/jsep/jsep-private.h"

/* The answerer chooses the DTLS roles (RFC 8842 section 5.2). To actpass
 * we are client, as browsers are, unless a DTLS association for this mid
 * exists: then we keep our role (RFC 8842 section 5.5). A missing a=setup
 * means active (RFC 4145 section 4). */
static enum rtc_sdp_setup answer_setup(const struct rtc_jsep *jsep,
				       const struct rtc_sdp_session *offer,
				       const struct rtc_sdp_media *tag)
{
	switch (rtc_sdp_setup(offer, jsep_transport_media(offer, tag))) {
	case RTC_SDP_SETUP_ACTIVE:
	case RTC_SDP_SETUP_NONE:
		return RTC_SDP_SETUP_PASSIVE;
	case RTC_SDP_SETUP_PASSIVE:
		return RTC_SDP_SETUP_ACTIVE;
	case RTC_SDP_SETUP_ACTPASS:
	case RTC_SDP_SETUP_HOLDCONN:    /* refused by jsep_validate_remote() */
		break;
	}
	if (jsep->has_transport)
		return jsep->transport.dtls_client ? RTC_SDP_SETUP_ACTIVE : RTC_SDP_SETUP_PASSIVE;
	return RTC_SDP_SETUP_ACTIVE;
}

/* RFC 8839 section 4.4.1.1.1: new credentials in the offer for a section
 * already negotiated mean an ICE restart, and the answer restarts too. */
static bool remote_restarts_ice(const struct rtc_jsep *jsep, const struct rtc_sdp_session *offer,
				const struct rtc_sdp_media *data)
{
	const struct rtc_sdp_session *current = jsep->current_remote.sdp;
	const struct rtc_sdp_media *before;
	const char *old_ufrag, *new_ufrag;

	if (!current)
		return false;
	before = rtc_sdp_media_by_mid(current, rtc_sdp_media_mid(data));
	if (!before)
		return false;
	old_ufrag = rtc_sdp_ice_ufrag(current, jsep_transport_media(current, before));
	new_ufrag = rtc_sdp_ice_ufrag(offer, jsep_transport_media(offer, data));
	return old_ufrag && new_ufrag && strcmp(old_ufrag, new_ufrag) != 0;
}

/* The BUNDLE group that names mid, or NULL. */
static const struct rtc_sdp_group *bundle_of(const struct rtc_sdp_session *s, const char *mid)
{
	const struct rtc_sdp_attr *a;

	for (a = rtc_sdp_session_attr(s, "group", NULL); a; a = rtc_sdp_session_attr(s, "group", a)) {
		if (a->kind != RTC_SDP_ATTR_GROUP || strcmp(a->group->semantics, "BUNDLE") != 0)
			continue;
		for (size_t i = 0; i < a->group->n_mids; i++)
			if (strcmp(a->group->mids[i], mid) == 0)
				return a->group;
	}
	return NULL;
}

/* The transceiver applying the offer gave this section, if it can take
 * it. */
static const struct jsep_transceiver *media_taker(const struct rtc_jsep *jsep,
						  const struct rtc_sdp_media *m)
{
	const struct jsep_transceiver *t = jsep_transceiver_by_mid(&jsep->media,
								   rtc_sdp_media_mid(m));
	enum rtc_jsep_media_kind kind;

	if (!t || t->pub.stopping || t->pub.stopped || !jsep_media_kind(m, &kind) ||
	    kind != t->pub.kind || !jsep_can_answer_media(jsep, t, m))
		return NULL;
	return t;
}

int jsep_create_answer(const struct rtc_jsep *jsep, char **out, struct rtc_error *err)
{
	const struct rtc_sdp_session *offer = jsep->pending_remote.sdp;
	const struct rtc_sdp_media *data = NULL, *tag = NULL, *only = NULL;
	const struct rtc_sdp_group *group = NULL;
	struct jsep_plan plan = { .setup = RTC_SDP_SETUP_ACTIVE };
	int ret;

	if (jsep->state != RTC_SIGNALING_HAVE_REMOTE_OFFER &&
	    jsep->state != RTC_SIGNALING_HAVE_LOCAL_PRANSWER)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "cannot create an answer in state %s",
				     rtc_signaling_state_name(jsep->state));

	plan.sections = calloc(offer->n_media ? offer->n_media : 1, sizeof(*plan.sections));
	if (!plan.sections)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	/* Without BUNDLE only one section can have the transport: the data
	 * section, as before rtcd had media. */
	for (size_t i = 0; !rtc_sdp_group(offer, "BUNDLE") && i < offer->n_media && !only; i++)
		if (jsep_media_is_active(offer->media[i]) && jsep_media_is_data(offer->media[i]))
			only = offer->media[i];
	for (size_t i = 0; i < offer->n_media; i++) {
		const struct rtc_sdp_media *m = offer->media[i];
		struct jsep_section *section = &plan.sections[plan.n_sections++];
		const struct jsep_transceiver *t = NULL;
		bool take = jsep_media_is_active(m) &&
			    ((!data && jsep_media_is_data(m)) || (t = media_taker(jsep, m)));

		/* One transport: the first accepted section's BUNDLE group,
		 * or that section alone. */
		if (take && only && m != only)
			take = false;
		else if (take && tag && (!group || bundle_of(offer, rtc_sdp_media_mid(m)) != group))
			take = false;
		if (!take) {
			section->rejected = m;
			continue;
		}
		if (!tag) {
			tag = m;
			group = bundle_of(offer, rtc_sdp_media_mid(m));
		}
		section->mid = rtc_sdp_media_mid(m);
		if (t) {
			section->transceiver = t;
			section->offered = m;
		} else {
			data = m;
			section->legacy_from = jsep_media_is_legacy_data(m) ? m : NULL;
		}
	}

	jsep_local_ice(jsep, &plan.ice);
	if (tag) {
		plan.setup = answer_setup(jsep, offer, tag);
		plan.bundle = group != NULL;
		if (remote_restarts_ice(jsep, offer, tag) &&
		    rtc_ice_credentials_generate(&plan.ice, err) < 0) {
			free(plan.sections);
			return -1;
		}
	}
	ret = jsep_plan_write(jsep, &plan, out, err);
	free(plan.sections);
	return ret;
}
