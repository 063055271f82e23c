/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The signalling state machine of W3C RTCPeerConnection (RFC 9429 section
 * 3.2 draws it). Rollback is allowed from either side in both offer states:
 * W3C only refuses it in stable and the two pranswer states.
 */
#include <string.h>

#include "engine/jsep/jsep-private.h"

int rtc_sdp_type_from_string(const char *s, enum rtc_sdp_type *out)
{
	static const enum rtc_sdp_type types[] = {
		RTC_SDP_TYPE_OFFER, RTC_SDP_TYPE_PRANSWER, RTC_SDP_TYPE_ANSWER,
		RTC_SDP_TYPE_ROLLBACK,
	};

	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(s, rtc_sdp_type_name(types[i])) == 0) {
			*out = types[i];
			return 0;
		}
	}
	return -1;
}

const char *rtc_sdp_type_name(enum rtc_sdp_type type)
{
	switch (type) {
	case RTC_SDP_TYPE_OFFER: return "offer";
	case RTC_SDP_TYPE_PRANSWER: return "pranswer";
	case RTC_SDP_TYPE_ANSWER: return "answer";
	case RTC_SDP_TYPE_ROLLBACK: return "rollback";
	}
	return "invalid";
}

const char *rtc_signaling_state_name(enum rtc_signaling_state state)
{
	switch (state) {
	case RTC_SIGNALING_STABLE: return "stable";
	case RTC_SIGNALING_HAVE_LOCAL_OFFER: return "have-local-offer";
	case RTC_SIGNALING_HAVE_REMOTE_OFFER: return "have-remote-offer";
	case RTC_SIGNALING_HAVE_LOCAL_PRANSWER: return "have-local-pranswer";
	case RTC_SIGNALING_HAVE_REMOTE_PRANSWER: return "have-remote-pranswer";
	case RTC_SIGNALING_CLOSED: return "closed";
	}
	return "invalid";
}

/* Where a description leads, by side and type; anything absent is illegal.
 * "Own" and "their" are relative to the side applying the description: a
 * local answer answers a remote offer, a remote answer a local offer. */
static bool lookup(enum rtc_signaling_state state, enum jsep_side side, enum rtc_sdp_type type,
		   enum rtc_signaling_state *next)
{
	const bool local = side == JSEP_LOCAL;
	const enum rtc_signaling_state own_offer =
		local ? RTC_SIGNALING_HAVE_LOCAL_OFFER : RTC_SIGNALING_HAVE_REMOTE_OFFER;
	const enum rtc_signaling_state their_offer =
		local ? RTC_SIGNALING_HAVE_REMOTE_OFFER : RTC_SIGNALING_HAVE_LOCAL_OFFER;
	const enum rtc_signaling_state own_pranswer =
		local ? RTC_SIGNALING_HAVE_LOCAL_PRANSWER : RTC_SIGNALING_HAVE_REMOTE_PRANSWER;

	switch (type) {
	case RTC_SDP_TYPE_OFFER:
		/* A new offer from the same side replaces the pending one. */
		*next = own_offer;
		return state == RTC_SIGNALING_STABLE || state == own_offer;
	case RTC_SDP_TYPE_PRANSWER:
		*next = own_pranswer;
		return state == their_offer || state == own_pranswer;
	case RTC_SDP_TYPE_ANSWER:
		*next = RTC_SIGNALING_STABLE;
		return state == their_offer || state == own_pranswer;
	case RTC_SDP_TYPE_ROLLBACK:
		*next = RTC_SIGNALING_STABLE;
		return state == RTC_SIGNALING_HAVE_LOCAL_OFFER ||
		       state == RTC_SIGNALING_HAVE_REMOTE_OFFER;
	}
	return false;
}

int jsep_next_state(enum rtc_signaling_state state, enum jsep_side side,
		    enum rtc_sdp_type type, enum rtc_signaling_state *next,
		    struct rtc_error *err)
{
	const char *where = side == JSEP_LOCAL ? "local" : "remote";

	if (state == RTC_SIGNALING_CLOSED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the peer connection is closed");
	if (lookup(state, side, type, next))
		return 0;
	if (type == RTC_SDP_TYPE_ROLLBACK)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "cannot roll back in state %s: only a pending offer can be "
				     "rolled back", rtc_signaling_state_name(state));
	return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "cannot set %s %s in state %s", where,
			     rtc_sdp_type_name(type), rtc_signaling_state_name(state));
}
