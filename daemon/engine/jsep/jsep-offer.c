/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * createOffer (RFC 9429 sections 5.2.1 and 5.2.2). Until media arrives an
 * offer has at most one active section, for data channels; the sections
 * that earlier negotiations rejected keep their place, port 0 and mid, so
 * that re-offers keep every mid and the order (RFC 9429 5.2.2).
 *
 * The data section is the first and only member of the BUNDLE group, so
 * the bundle policies (which differ in what they do with the second and
 * later sections of a group) give the same offer for now.
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
static void new_mid(const struct rtc_sdp_session *layout, char mid[12])
{
	for (unsigned n = 0;; n++) {
		snprintf(mid, 12, "%u", n);
		if (!layout || !rtc_sdp_media_by_mid(layout, mid))
			return;
	}
}

int jsep_create_offer(const struct rtc_jsep *jsep, bool ice_restart, char **out,
		      struct rtc_error *err)
{
	const struct rtc_sdp_session *layout = jsep_latest_local(jsep);
	size_t n_layout = layout ? layout->n_media : 0;
	struct jsep_plan plan = { .setup = RTC_SDP_SETUP_ACTPASS, .bundle = true };
	bool have_data = false;
	char mid[12];
	int ret;

	if (jsep->state != RTC_SIGNALING_STABLE && jsep->state != RTC_SIGNALING_HAVE_LOCAL_OFFER)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "cannot create an offer in state %s",
				     rtc_signaling_state_name(jsep->state));

	plan.sections = calloc(n_layout + 1, sizeof(*plan.sections));
	if (!plan.sections)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	for (size_t i = 0; i < n_layout; i++) {
		const struct rtc_sdp_media *m = layout->media[i];
		struct jsep_section *section = &plan.sections[plan.n_sections++];

		/* A negotiated data section stays; a rejected one comes back
		 * when the app has data channels again. */
		if (!have_data && jsep_media_is_data(m) &&
		    (jsep->data_channel_wanted || !was_rejected(jsep, layout, i))) {
			section->mid = rtc_sdp_media_mid(m);
			section->legacy_from = jsep_media_is_legacy_data(m) ? m : NULL;
			have_data = true;
		} else {
			section->rejected = m;
		}
	}
	if (jsep->data_channel_wanted && !have_data) {
		new_mid(layout, mid);
		plan.sections[plan.n_sections++].mid = mid;
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
