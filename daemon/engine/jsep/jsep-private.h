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
 *   jsep-transceiver.c the W3C transceiver calls and negotiation-needed
 *   jsep-codecs.c     our codecs and extensions, and intersecting them
 *   jsep-media-sdp.c  writing and reading audio/video sections
 *   jsep-media-apply.c what an applied description does to transceivers
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

/* A transceiver and what only jsep needs of it. Plain data: copied whole
 * when a description is prepared, so a failing call changes nothing. */
struct jsep_transceiver {
	struct rtc_jsep_transceiver pub;
	/* The mid our offers give it until a local offer associates it. */
	char proposed_mid[33];
	bool added_by_track;    /* W3C: addTrack made it; a remote offer may take it */
	bool ever_sent;         /* [[CurrentDirection]] had send at some point */
	bool created_by_remote; /* by the pending remote offer (rollback removes it) */
	bool fired_recv;        /* W3C [[FiredDirection]] has recv */
};

/* Transceivers and the track events an applied description queues. */
struct jsep_media_state {
	struct jsep_transceiver *v;
	size_t n;
	size_t *track_events;
	size_t n_track_events;
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
	bool has_transport;
	struct rtc_jsep_transport transport;

	struct jsep_media_state media;
	/* The transceivers as they were in "stable", for rollback. */
	struct jsep_transceiver *stable;
	size_t n_stable;
	char cname[17];                 /* RTCP CNAME of every sending section */
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

/* ---- jsep.c ---- */

/* W3C "update the negotiation-needed flag". */
void jsep_update_negotiation_needed(struct rtc_jsep *jsep);

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
	/* Non-NULL: a rejected copy of this section. Else our data section,
	 * or with transceiver set an audio/video one. */
	const struct rtc_sdp_media *rejected;
	const struct jsep_transceiver *transceiver;
	/* Answers: the offered section this one answers. */
	const struct rtc_sdp_media *offered;
	/* Offers under max-bundle: port 0 and a=bundle-only (RFC 8843). */
	bool bundle_only;
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

/* ICE credentials, certificate fingerprint and DTLS role of a section. */
int jsep_add_transport_lines(const struct rtc_jsep *jsep, struct rtc_sdp_session *s,
			     struct rtc_sdp_media *m, const struct jsep_plan *plan,
			     struct rtc_error *err);

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

/* ---- jsep-codecs.c ---- */

enum rtc_jsep_direction jsep_direction_from_sdp(enum rtc_sdp_direction d);
enum rtc_sdp_direction jsep_direction_to_sdp(enum rtc_jsep_direction d);
bool jsep_direction_sends(enum rtc_jsep_direction d);
bool jsep_direction_receives(enum rtc_jsep_direction d);
enum rtc_jsep_direction jsep_direction_make(bool send, bool recv);
/* The other side's view: sendonly <-> recvonly. */
enum rtc_jsep_direction jsep_direction_reverse(enum rtc_jsep_direction d);

/* audio/video section of an RTP profile with DTLS-SRTP we can take. */
bool jsep_media_is_rtp(const struct rtc_sdp_media *m);
bool jsep_media_kind(const struct rtc_sdp_media *m, enum rtc_jsep_media_kind *kind);

/* Our codecs for an offer, in preference order. */
size_t jsep_codecs_ours(const struct rtc_jsep_config *config, enum rtc_jsep_media_kind kind,
			struct rtc_jsep_codec out[RTC_JSEP_MAX_CODECS]);
/* The offered codecs we take, in the offer's order with its payload
 * types, its feedback intersected with ours, our fmtp. */
size_t jsep_codecs_answer(const struct rtc_jsep_config *config, enum rtc_jsep_media_kind kind,
			  const struct rtc_sdp_media *offer,
			  struct rtc_jsep_codec out[RTC_JSEP_MAX_CODECS]);
/* What an offer and its answer settled for one section. */
size_t jsep_codecs_negotiated(enum rtc_jsep_media_kind kind, const struct rtc_sdp_media *offer,
			      const struct rtc_sdp_media *answer, const struct rtc_sdp_media *remote,
			      struct rtc_jsep_codec out[RTC_JSEP_MAX_CODECS]);

struct jsep_extension {
	uint16_t id;
	const char *uri;
};
#define JSEP_MAX_EXTENSIONS 8
/* Ours (offer) or the offered ones we know (answer, the offer's ids). */
size_t jsep_extensions_ours(enum rtc_jsep_media_kind kind,
			    struct jsep_extension out[JSEP_MAX_EXTENSIONS]);
/* An id the offer gives two URIs in two sections is left out. */
size_t jsep_extensions_answer(enum rtc_jsep_media_kind kind, const struct rtc_sdp_session *session,
			      const struct rtc_sdp_media *offer,
			      struct jsep_extension out[JSEP_MAX_EXTENSIONS]);
void jsep_extensions_negotiated(enum rtc_jsep_media_kind kind, const struct rtc_sdp_media *offer,
				const struct rtc_sdp_media *answer,
				struct rtc_jsep_extension_ids *out);

/* ---- jsep-media-sdp.c ---- */

int jsep_add_media_section(const struct rtc_jsep *jsep, struct rtc_sdp_session *s,
			   const struct jsep_plan *plan, const struct jsep_section *section,
			   struct rtc_error *err);
/* We can answer the offered section with t: a DTLS-SRTP profile,
 * rtcp-mux (required) and a codec in common. */
bool jsep_can_answer_media(const struct rtc_jsep *jsep, const struct jsep_transceiver *t,
			   const struct rtc_sdp_media *offered);
/* The peer's msid, SSRCs and CNAME as section m signals them. */
void jsep_read_remote_media(const struct rtc_sdp_media *m, struct rtc_jsep_transceiver *t);

/* ---- jsep-transceiver.c ---- */

/* W3C "check if negotiation is needed", for the transceivers. */
bool jsep_transceivers_need_negotiation(const struct rtc_jsep *jsep);
/* The transceiver with this mid, or NULL. */
struct jsep_transceiver *jsep_transceiver_by_mid(const struct jsep_media_state *media,
						 const char *mid);
/* Gives every transceiver that has no mid one to offer under. */
void jsep_propose_mids(struct rtc_jsep *jsep);
/* Random SSRCs that no transceiver of ours uses yet. */
int jsep_new_ssrcs(const struct jsep_media_state *media, uint32_t *ssrc, uint32_t *rtx,
		   struct rtc_error *err);
int jsep_media_copy(const struct jsep_media_state *from, size_t extra,
		    struct jsep_media_state *to, struct rtc_error *err);
void jsep_media_free(struct jsep_media_state *media);

/* ---- jsep-media-apply.c ---- */

/* What applying sdp (of this side and type) does to the transceivers:
 * into *next, a copy the caller commits or frees. Creates transceivers for
 * a remote offer's new sections, associates mids, settles an answer. */
int jsep_media_apply(const struct rtc_jsep *jsep, const struct jsep_media_state *from,
		     enum jsep_side side, enum rtc_sdp_type type,
		     const struct rtc_sdp_session *sdp, struct jsep_media_state *next,
		     struct rtc_error *err);
/* W3C rollback: mids and transceivers a pending offer brought go back
 * to what jsep->stable has. */
void jsep_media_rollback(const struct rtc_jsep *jsep, struct jsep_media_state *media);
/* The transport of an offer and its answer; false when nothing is accepted. */
bool jsep_read_transport(const struct rtc_sdp_session *offer, const struct rtc_sdp_session *answer,
			 bool we_offered, struct rtc_jsep_transport *out);
/* The section that carries the transport of description s: the first
 * active one of its BUNDLE group, else its first active data section, else
 * its first active section; -1 when none is. */
int jsep_transport_index(const struct rtc_sdp_session *s);
