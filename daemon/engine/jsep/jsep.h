/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSEP (RFC 9429) for one peer connection: offers and answers, the
 * signalling state machine of W3C RTCPeerConnection, the local certificate
 * and ICE credentials that go into every description.
 *
 * Sans-I/O: no sockets, no clock, no D-Bus. The caller (the API layer) asks
 * for descriptions and applies them; every failing call leaves the state
 * exactly as it was and fills *err with the W3C exception kind and a message.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/jsep/jsep-media.h"

enum rtc_sdp_type {
	RTC_SDP_TYPE_OFFER,
	RTC_SDP_TYPE_PRANSWER,
	RTC_SDP_TYPE_ANSWER,
	RTC_SDP_TYPE_ROLLBACK,
};

/* "offer" | "pranswer" | "answer" | "rollback"; returns -1 for anything else. */
int rtc_sdp_type_from_string(const char *s, enum rtc_sdp_type *out);
const char *rtc_sdp_type_name(enum rtc_sdp_type type);

enum rtc_signaling_state {
	RTC_SIGNALING_STABLE,
	RTC_SIGNALING_HAVE_LOCAL_OFFER,
	RTC_SIGNALING_HAVE_REMOTE_OFFER,
	RTC_SIGNALING_HAVE_LOCAL_PRANSWER,
	RTC_SIGNALING_HAVE_REMOTE_PRANSWER,
	RTC_SIGNALING_CLOSED,
};

/* The W3C enum strings: "stable", "have-local-offer", ... "closed". */
const char *rtc_signaling_state_name(enum rtc_signaling_state state);

enum rtc_bundle_policy {
	RTC_BUNDLE_POLICY_BALANCED,
	RTC_BUNDLE_POLICY_MAX_COMPAT,
	RTC_BUNDLE_POLICY_MAX_BUNDLE,
};

struct rtc_jsep_config {
	enum rtc_bundle_policy bundle_policy;
	/* Opus: ask the peer for stereo (stereo=1;sprop-stereo=1) and say we
	 * send DTX (usedtx=1). */
	bool opus_stereo, opus_dtx;
	/* For an owner that has nowhere to take media from or to: the peer's
	 * audio and video sections are rejected (port 0) and
	 * rtc_jsep_add_transceiver/add_track are NotSupportedError. */
	bool reject_media;
	/* The video codec our offers list first ("VP8", "H264"; NULL: the
	 * table's order, VP8 first): what both sides then send. */
	const char *video_codec;
};

struct rtc_jsep;
struct rtc_cert;

/* Creates the signalling state of a new peer connection, with a fresh ECDSA
 * P-256 certificate and random ICE credentials (RFC 8445: ufrag of at least
 * 4, password of at least 22 ice-chars). Returns 0, or -1 with *err. */
int rtc_jsep_new(const struct rtc_jsep_config *config, struct rtc_jsep **out,
		 struct rtc_error *err);
void rtc_jsep_free(struct rtc_jsep *jsep);

/* The app created a data channel: from now on offers carry an
 * m=application section. Sets the negotiation-needed flag if no such section
 * has been negotiated yet. */
void rtc_jsep_add_data_channel(struct rtc_jsep *jsep);

/* W3C "negotiation-needed": returns true once each time a NegotiationNeeded
 * event is due (the flag became set while the state is stable, or the state
 * returned to stable with the flag still set). The caller emits the signal. */
bool rtc_jsep_take_negotiation_needed(struct rtc_jsep *jsep);

/* W3C restartIce(): the next offer carries new ICE credentials, and
 * negotiation becomes needed. */
void rtc_jsep_restart_ice(struct rtc_jsep *jsep);

struct rtc_offer_options {
	bool ice_restart;
};

/* Return a newly allocated SDP (free() it). Offers are valid in "stable" and
 * "have-local-offer"; answers in "have-remote-offer" and
 * "have-local-pranswer". */
int rtc_jsep_create_offer(struct rtc_jsep *jsep, const struct rtc_offer_options *options,
			  char **sdp, struct rtc_error *err);
int rtc_jsep_create_answer(struct rtc_jsep *jsep, char **sdp, struct rtc_error *err);

/* sdp NULL or "" = the implicit description (W3C setLocalDescription()
 * without a description: an offer or answer is created as needed; type
 * rollback needs no sdp). A modified SDP that is not the one last created is
 * InvalidModificationError; SDP that does not parse is SyntaxError naming the
 * line; a transition the state machine forbids is InvalidStateError. */
int rtc_jsep_set_local_description(struct rtc_jsep *jsep, enum rtc_sdp_type type,
				   const char *sdp, struct rtc_error *err);
int rtc_jsep_set_remote_description(struct rtc_jsep *jsep, enum rtc_sdp_type type,
				    const char *sdp, struct rtc_error *err);

enum rtc_signaling_state rtc_jsep_signaling_state(const struct rtc_jsep *jsep);

/* W3C localDescription / remoteDescription (pending if any, else current).
 * Return false when there is none. *sdp stays valid until the next call that
 * changes the descriptions. */
bool rtc_jsep_local_description(const struct rtc_jsep *jsep, enum rtc_sdp_type *type,
				const char **sdp);
bool rtc_jsep_remote_description(const struct rtc_jsep *jsep, enum rtc_sdp_type *type,
				 const char **sdp);

/* The type W3C setLocalDescription() without a description picks: "offer"
 * in stable, have-local-offer and have-remote-pranswer, else "answer". */
enum rtc_sdp_type rtc_jsep_implicit_type(const struct rtc_jsep *jsep);

/* W3C canTrickleIceCandidates: the remote description says it takes
 * trickled candidates (a=ice-options:trickle). False until there is one,
 * where W3C says null: a D-Bus boolean cannot be null. */
bool rtc_jsep_can_trickle_ice_candidates(const struct rtc_jsep *jsep);

/* ---- ICE ----------------------------------------------------------- */

/* The ICE side of the transport section (the BUNDLE group's tagged
 * section: audio, video or data) of the latest local or remote
 * description. */
struct rtc_jsep_ice_section {
	char ufrag[257], pwd[257];
	char mid[33];
	int mline_index;
	bool ice_lite;                  /* remote only: a=ice-lite */
	bool end_of_candidates;         /* remote only: a=end-of-candidates seen */
	bool remote_description_offer;  /* remote only: the description is an offer */
};
/* False while there is no description, or it has no active section. */
bool rtc_jsep_local_ice(const struct rtc_jsep *jsep, struct rtc_jsep_ice_section *out);
bool rtc_jsep_remote_ice(const struct rtc_jsep *jsep, struct rtc_jsep_ice_section *out);
/* The remote transport section's candidates, in order; NULL past the end. */
const struct rtc_sdp_candidate *rtc_jsep_remote_candidate(const struct rtc_jsep *jsep,
							   size_t index);
/* We sent the offer of the current (or pending) negotiation: RFC 8445 makes
 * the offerer the controlling agent. */
bool rtc_jsep_we_offered(const struct rtc_jsep *jsep);

/* A candidate we gathered ("candidate:..."), or "" for end-of-candidates,
 * written into the latest local description. InvalidStateError without one. */
int rtc_jsep_add_local_candidate(struct rtc_jsep *jsep, const char *candidate,
				 struct rtc_error *err);
/* At most this many candidates in one section of a remote description,
 * set or trickled: as many as the ICE agent keeps (ICE_MAX_REMOTE). More
 * are refused with OperationError, so that the description, and the work
 * each call does on it, stay bounded whatever a caller sends. A trickled
 * candidate also may not take the description's text past RTC_SDP_MAX_SIZE,
 * what SetRemoteDescription accepts. */
#define RTC_JSEP_MAX_REMOTE_CANDIDATES 64

/* W3C addIceCandidate on the remote description: candidate "" is
 * end-of-candidates (for the named section, or all); mid "" and
 * mline_index -1 mean "not given". InvalidStateError without a remote
 * description, TypeError with neither mid nor index, OperationError for a
 * section that does not exist or a candidate of another ICE generation,
 * SyntaxError for one that does not parse. A candidate for a rejected
 * section is accepted and *ignored set. */
int rtc_jsep_add_remote_candidate(struct rtc_jsep *jsep, const char *candidate,
				  const char *mid, int mline_index, bool *ignored,
				  struct rtc_error *err);
/* The checks of rtc_jsep_add_remote_candidate alone, nothing recorded:
 * for a caller that hands the candidate to ICE first and records it only
 * once ICE took it. *ignored is also set for a candidate the description
 * has already (recording it again would change nothing). */
int rtc_jsep_check_remote_candidate(struct rtc_jsep *jsep, const char *candidate,
				    const char *mid, int mline_index, bool *ignored,
				    struct rtc_error *err);

/* Moves to "closed"; every later operation is InvalidStateError. */
void rtc_jsep_close(struct rtc_jsep *jsep);

/* The local certificate: "sha-256" and its upper-case colon-separated hex,
 * as in a=fingerprint. The DER form is for the W3C "certificate" stats. */
const char *rtc_jsep_fingerprint_algorithm(const struct rtc_jsep *jsep);
const char *rtc_jsep_fingerprint(const struct rtc_jsep *jsep);
/* The certificate itself (its key and X.509 for DTLS, DER for stats). */
const struct rtc_cert *rtc_jsep_certificate(const struct rtc_jsep *jsep);

/* The data-channel session both sides agreed on, once an answer (or pranswer)
 * is applied (the transport all sections share, data or not, is
 * rtc_jsep_transport() in jsep-media.h; with a data section in the BUNDLE
 * group both give the same ICE and DTLS parameters): who is DTLS client, the SCTP ports, the peer's
 * max-message-size (RFC 8841; 65536 when absent). Returns false before that,
 * or when the m=application section was rejected. A peer that said
 * a=max-message-size:0 (no limit) gives UINT64_MAX. The local ICE credentials
 * are the ones of our description, for the ICE agent. */
struct rtc_jsep_sctp_session {
	char mid[33];
	bool dtls_client;          /* we are DTLS client (a=setup:active on our side) */
	uint16_t local_port, remote_port;
	uint64_t remote_max_message_size;
	char remote_ice_ufrag[257];
	char remote_ice_pwd[257];
	char remote_fingerprint_algorithm[16];
	char remote_fingerprint[200];
	char local_ice_ufrag[257];
	char local_ice_pwd[257];
};
bool rtc_jsep_sctp_session(const struct rtc_jsep *jsep, struct rtc_jsep_sctp_session *out);

/* Our max-message-size (RFC 8841), advertised in every m=application. */
#define RTC_JSEP_MAX_MESSAGE_SIZE (256 * 1024)
