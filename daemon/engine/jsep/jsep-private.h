/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the jsep*.c files share: the peer connection's signalling state and
 * the helpers that build and read descriptions. Not for use outside them.
 *
 *   jsep.c            the public calls: apply descriptions, state, events
 *   jsep-signaling.c  the W3C transition table and the enum strings
 *   jsep-offer.c      createOffer
 *   jsep-answer.c     createAnswer
 *   jsep-sdp.c        reading and writing the parts of SDP both use
 *   jsep-validate.c   checks of a remote description
 */
#pragma once

#include "engine/dtls/cert.h"
#include "engine/ice/ice-credentials.h"
#include "engine/jsep/jsep.h"
#include "engine/sdp/sdp.h"

/* Ours: the SCTP port we listen on inside DTLS (RFC 8841's default). */
#define JSEP_SCTP_PORT 5000
/* A peer that sends no a=max-message-size can take this much (RFC 8841). */
#define JSEP_DEFAULT_REMOTE_MAX_MESSAGE_SIZE 65536
/* Longest mid we accept: struct rtc_jsep_sctp_session carries it. */
#define JSEP_MID_MAX 32
/* The o= sess-version of our first description. */
#define JSEP_FIRST_SESSION_VERSION 1

/* One of the four W3C descriptions; text == NULL when there is none. */
struct jsep_description {
	enum rtc_sdp_type type;
	char *text;
	struct rtc_sdp_session *sdp;    /* text, parsed */
};

struct rtc_jsep {
	struct rtc_jsep_config config;
	struct rtc_cert *cert;
	/* The credentials of our first description; later ones take theirs
	 * from the last local description, so rollback restores them. */
	struct rtc_ice_credentials initial_ice;
	char session_id[21];            /* o= sess-id: 63 random bits in decimal */
	enum rtc_signaling_state state;

	struct jsep_description current_local, pending_local;
	struct jsep_description current_remote, pending_remote;

	/* W3C [[LastCreatedOffer]] / [[LastCreatedAnswer]], and the value of
	 * `generation` when each was made: a description created before the
	 * last change of state no longer represents it. */
	char *last_offer, *last_answer;
	uint64_t generation, last_offer_generation, last_answer_generation;

	bool data_channel_wanted;
	/* W3C [[LocalIceCredentialsToReplace]]: restartIce() was called and no
	 * local offer with new credentials has been applied since. */
	bool ice_restart_requested;
	/* W3C [[NegotiationNeeded]], and whether an event is queued. */
	bool negotiation_needed, negotiation_event_due;

	bool has_sctp_session;
	struct rtc_jsep_sctp_session sctp_session;
};

/* ---- jsep-signaling.c ---- */

enum jsep_side { JSEP_LOCAL, JSEP_REMOTE };

/* The state that applying a description of this type on this side leads
 * to (W3C set the session description, RFC 9429 section 4.1.8), or -1 with
 * InvalidStateError. A remote offer in have-local-offer is not handled here:
 * the caller rolls back first (W3C implicit rollback). */
int jsep_next_state(enum rtc_signaling_state state, enum jsep_side side,
		    enum rtc_sdp_type type, enum rtc_signaling_state *next,
		    struct rtc_error *err);

/* ---- jsep-offer.c, jsep-answer.c: new SDP text to free() ---- */

int jsep_create_offer(const struct rtc_jsep *jsep, bool ice_restart, char **out,
		      struct rtc_error *err);
int jsep_create_answer(const struct rtc_jsep *jsep, char **out, struct rtc_error *err);

/* ---- jsep-sdp.c ---- */

/* The local description new ones build on: pending if any, else current. */
const struct rtc_sdp_session *jsep_latest_local(const struct rtc_jsep *jsep);

/* Port 0 means rejected, unless a=bundle-only says the section shares the
 * transport of its BUNDLE group (RFC 8843 section 6). */
bool jsep_media_is_active(const struct rtc_sdp_media *m);

/* Whether m is a data-channel section we can take: UDP/DTLS/SCTP or
 * TCP/DTLS/SCTP with webrtc-datachannel (RFC 8841), or the legacy
 * DTLS/SCTP <port> with a=sctpmap:<port> webrtc-datachannel. */
bool jsep_media_is_data(const struct rtc_sdp_media *m);
bool jsep_media_is_legacy_data(const struct rtc_sdp_media *m);

/* The section whose ICE and DTLS parameters apply to m: m itself, or for a
 * bundle-only section without its own, the first of its BUNDLE group. */
const struct rtc_sdp_media *jsep_transport_media(const struct rtc_sdp_session *s,
						 const struct rtc_sdp_media *m);

/* The SCTP port a data section names (a=sctp-port, legacy a=sctpmap, or
 * RFC 8841's default 5000). */
uint16_t jsep_media_sctp_port(const struct rtc_sdp_media *m);

/* Our ICE credentials as the latest local description has them; the
 * initial ones before there is any. */
void jsep_local_ice(const struct rtc_jsep *jsep, struct rtc_ice_credentials *out);

/* Fills the negotiated data-channel session from an offer and its answer;
 * false when the answer rejects the data section or has none. */
bool jsep_read_sctp_session(const struct rtc_sdp_session *offer,
			    const struct rtc_sdp_session *answer, bool we_offered,
			    struct rtc_jsep_sctp_session *out);

/* What a new offer or answer holds, section by section. */
struct jsep_section {
	/* Non-NULL: a rejected copy of this section. Else our data section. */
	const struct rtc_sdp_media *rejected;
	const char *mid;
	/* Answer a legacy DTLS/SCTP offer in its own form (NULL: RFC 8841's). */
	const struct rtc_sdp_media *legacy_from;
};

struct jsep_plan {
	struct jsep_section *sections;
	size_t n_sections;
	struct rtc_ice_credentials ice;
	enum rtc_sdp_setup setup;       /* of our data section */
	bool bundle;                    /* a=group:BUNDLE over the active sections */
};

/* Writes the description: our o= (sess-version that of the latest local
 * description, plus one if the text changed), s=, t=, session attributes
 * and the sections. Returns 0 and the text to free(), or -1 with *err. */
int jsep_plan_write(const struct rtc_jsep *jsep, const struct jsep_plan *plan, char **out,
		    struct rtc_error *err);

/* ---- jsep-validate.c ---- */

/* Everything a remote description must satisfy before we apply it: see
 * the checks in jsep-validate.c. InvalidAccessError on failure. */
int jsep_validate_remote(const struct rtc_jsep *jsep, enum rtc_sdp_type type,
			 const struct rtc_sdp_session *sdp, struct rtc_error *err);

/* The answer lists the offer's sections in the offer's order, with the
 * same mids and media types, and accepts none that the offer rejected.
 * InvalidAccessError otherwise. */
int jsep_check_answer_fits_offer(const struct rtc_sdp_session *offer,
				 const struct rtc_sdp_session *answer, struct rtc_error *err);
