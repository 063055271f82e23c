/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * createOffer (RFC 9429 sections 5.2.1 and 5.2.2): a section per
 * transceiver that is not stopped and one for data channels, in one BUNDLE
 * group. Sections keep their place and mid across re-offers; a stopped
 * transceiver's is rejected (port 0) and, once the peer agreed, recycled by
 * the next new transceiver under a new mid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsep/jsep-private.h"

/* Rejected by us (our description has port 0) or by the peer (its current
 * description, which lists the sections in the same order, has port 0). */
static bool was_rejected(const struct rtc_jsep *jsep, const struct rtc_sdp_session *layout,
			 size_t i)
{
	const struct rtc_sdp_session *remote = jsep->current_remote.sdp;

	if (!jsep_media_is_active(layout->media[i]))
		return true;
	return remote && i < remote->n_media && !jsep_media_is_active(remote->media[i]);
}

/* The smallest number that no section uses as its mid yet. */
static void new_mid(const struct rtc_jsep *jsep, const struct rtc_sdp_session *layout,
		    char mid[12])
{
	for (unsigned n = 0;; n++) {
		snprintf(mid, 12, "%u", n);
		if ((!layout || !rtc_sdp_media_by_mid(layout, mid)) &&
		    !jsep_transceiver_by_mid(&jsep->media, mid)) {
			bool proposed = false;

			for (size_t i = 0; i < jsep->media.n && !proposed; i++)
				proposed = !jsep->media.v[i].pub.mid[0] &&
					   !strcmp(jsep->media.v[i].proposed_mid, mid);
			if (!proposed)
				return;
		}
	}
}

/* The transceiver that owns an audio/video section of our layout, while
 * it is not stopped. */
static const struct jsep_transceiver *live_owner(const struct rtc_jsep *jsep,
						 const struct rtc_sdp_media *m)
{
	const struct jsep_transceiver *t =
		jsep_transceiver_by_mid(&jsep->media, rtc_sdp_media_mid(m));
	enum rtc_jsep_media_kind kind;

	if (!t || t->pub.stopped || !jsep_media_kind(m, &kind) || kind != t->pub.kind)
		return NULL;
	return t;
}

/* Active in the current local description under the same mid: settled,
 * so no bundle-only even under max-bundle (RFC 9429 section 5.2.2). */
static bool negotiated(const struct rtc_jsep *jsep, const char *mid)
{
	const struct rtc_sdp_session *s = jsep->current_local.sdp;
	const struct rtc_sdp_media *m = s && mid ? rtc_sdp_media_by_mid(s, mid) : NULL;

	return m && jsep_media_is_active(m);
}

int jsep_create_offer(const struct rtc_jsep *jsep, bool ice_restart, char **out,
		      struct rtc_error *err)
{
	const struct rtc_sdp_session *layout = jsep_latest_local(jsep);
	size_t n_layout = layout ? layout->n_media : 0;
	struct jsep_plan plan = { .setup = RTC_SDP_SETUP_ACTPASS, .bundle = true };
	bool have_data = false, *recyclable;
	int tag = -1;
	char mid[12];
	int ret;

	if (jsep->state != RTC_SIGNALING_STABLE && jsep->state != RTC_SIGNALING_HAVE_LOCAL_OFFER)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "cannot create an offer in state %s",
				     rtc_signaling_state_name(jsep->state));

	plan.sections = calloc(n_layout + jsep->media.n + 1, sizeof(*plan.sections));
	recyclable = calloc(n_layout + 1, sizeof(*recyclable));
	if (!plan.sections || !recyclable) {
		free(plan.sections);
		free(recyclable);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	for (size_t i = 0; i < n_layout; i++) {
		const struct rtc_sdp_media *m = layout->media[i];
		struct jsep_section *section = &plan.sections[plan.n_sections++];
		const struct jsep_transceiver *t = live_owner(jsep, m);

		/* A negotiated data section stays; a rejected one comes back
		 * when the app has data channels again. */
		if (!have_data && jsep_media_is_data(m) &&
		    (jsep->data_channel_wanted || !was_rejected(jsep, layout, i))) {
			section->mid = rtc_sdp_media_mid(m);
			section->legacy_from = jsep_media_is_legacy_data(m) ? m : NULL;
			have_data = true;
		} else if (t && !t->pub.stopping) {
			section->transceiver = t;
			section->mid = t->pub.mid;
		} else {
			/* A stopped transceiver's or a refused section: port 0;
			 * once both sides have it so, a new transceiver may
			 * take its place (RFC 9429 section 5.2.2). */
			section->rejected = m;
			recyclable[i] = !t && was_rejected(jsep, layout, i);
		}
	}
	/* New transceivers, in the order the app made them: into a free
	 * place, else at the end. */
	for (size_t k = 0; k < jsep->media.n; k++) {
		const struct jsep_transceiver *t = &jsep->media.v[k];
		struct jsep_section *section = NULL;

		if (t->pub.mid[0] || t->pub.stopping || t->pub.stopped)
			continue;
		for (size_t i = 0; i < n_layout && !section; i++) {
			if (recyclable[i]) {
				recyclable[i] = false;
				section = &plan.sections[i];
			}
		}
		if (!section)
			section = &plan.sections[plan.n_sections++];
		*section = (struct jsep_section){ .transceiver = t, .mid = t->proposed_mid };
	}
	free(recyclable);
	if (jsep->data_channel_wanted && !have_data) {
		new_mid(jsep, layout, mid);
		plan.sections[plan.n_sections++].mid = mid;
	}
	/* max-bundle: every new section but the first rides on the first's
	 * transport (RFC 9429 section 5.2.1, RFC 8843 bundle-only). rtcd has
	 * one transport whatever the policy, so the others only differ in
	 * giving each section a port. */
	for (size_t i = 0; i < plan.n_sections; i++) {
		struct jsep_section *section = &plan.sections[i];

		if (section->rejected)
			continue;
		if (tag < 0)
			tag = (int)i;
		else if (jsep->config.bundle_policy == RTC_BUNDLE_POLICY_MAX_BUNDLE &&
			 section->transceiver && !negotiated(jsep, section->mid))
			section->bundle_only = true;
	}

	if (ice_restart) {
		if (rtc_ice_credentials_generate(&plan.ice, err) < 0) {
			free(plan.sections);
			return -1;
		}
	} else {
		jsep_local_ice(jsep, &plan.ice);
	}
	ret = jsep_plan_write(jsep, &plan, out, err);
	free(plan.sections);
	return ret;
}
