/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A session: one peer connection's engine (engine/pc) run on the reactor.
 * The pc is the whole protocol side; the session is its I/O: the UDP
 * sockets of its host candidates, TCP and TLS streams to TURN servers, name
 * resolution, the daemon's mDNS service, and the timer that drives it. It
 * speaks no D-Bus: the API layer calls it and hears back through the
 * callbacks, in the order W3C fires the matching events.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/pc/pc.h"
#include "io/interfaces.h"

struct rtc_reactor;
struct rtc_resolver;
struct rtc_tls_client_context;
struct rtc_mdns_service;
struct rtc_session;

/* The daemon's network policy, shared by every session. */
struct rtc_net_options {
	struct rtc_interface_filter interfaces;
	uint16_t port_min, port_max;      /* 0, 0: any port */
	/* Resolves remote ".local" candidates (NULL: they are dropped). */
	struct rtc_mdns_service *mdns;
	/* Announce host candidates as mDNS names, not addresses (browsers'
	 * default, draft-ietf-mmusic-mdns-ice-candidates). Needs mdns. */
	bool mdns_host_candidates;
	/* Resolves STUN/TURN server names (NULL: literal addresses only). */
	struct rtc_resolver *resolver;
	/* Trust for turns: servers (NULL: turns: is refused with error 701). */
	struct rtc_tls_client_context *tls;
};

struct rtc_session_callbacks {
	/* A gathered candidate to trickle ("candidate:..."); "" when gathering
	 * is complete (W3C: the null candidate). */
	void (*local_candidate)(void *userdata, const char *candidate, const char *mid,
				int mline_index);
	void (*gathering_state)(void *userdata, enum rtc_ice_gathering_state state);
	void (*ice_state)(void *userdata, enum rtc_ice_transport_state state);
	/* A STUN or TURN server failed (W3C icecandidateerror). */
	void (*candidate_error)(void *userdata, const char *address, uint16_t port,
				const char *url, uint16_t code, const char *text);

	/* DTLS above ICE: new -> connecting -> connected / failed / closed. */
	void (*dtls_state)(void *userdata, enum rtc_dtls_state state);
	/* SCTP is up: channels can open (W3C: the SCTP transport connected). */
	void (*sctp_ready)(void *userdata);
	/* The peer opened a channel with DCEP on `stream`. */
	void (*channel_opened)(void *userdata, uint16_t stream,
			       const struct rtc_sctp_channel_params *params);
	void (*channel_message)(void *userdata, uint16_t stream, bool binary,
				const uint8_t *data, size_t len);
	/* The peer reset its stream; then both directions are closed. */
	void (*channel_closing)(void *userdata, uint16_t stream);
	void (*channel_closed)(void *userdata, uint16_t stream);
	void (*channel_buffered_low)(void *userdata, uint16_t stream);

	/* Media (each may be NULL). The receiver of `transceiver` got a
	 * track (W3C "track" event). */
	void (*track)(void *userdata, size_t transceiver);
	/* A frame the peer sent, complete and in order; lent for the call. */
	void (*media_frame)(void *userdata, size_t transceiver, const struct rtc_recv_frame *frame);
	/* The peer asks the sender of `transceiver` for a key frame (PLI/FIR). */
	void (*key_frame_request)(void *userdata, size_t transceiver);
	/* The congestion controller's target for all encoders together. */
	void (*target_bitrate)(void *userdata, uint64_t bits_per_second);
};

int rtc_session_new(struct rtc_reactor *reactor, const struct rtc_net_options *net,
		    const struct rtc_ice_config *ice, enum rtc_bundle_policy bundle_policy,
		    const struct rtc_session_callbacks *callbacks, void *userdata,
		    struct rtc_session **out, struct rtc_error *err);
void rtc_session_free(struct rtc_session *s);

/* Read-only access for properties and stats. */
const struct rtc_jsep *rtc_session_jsep(const struct rtc_session *s);
struct rtc_jsep *rtc_session_jsep_mut(struct rtc_session *s);
const struct rtc_ice_agent *rtc_session_ice_agent(const struct rtc_session *s);
enum rtc_ice_gathering_state rtc_session_gathering_state(const struct rtc_session *s);
enum rtc_ice_transport_state rtc_session_ice_state(const struct rtc_session *s);

/* setLocalDescription / setRemoteDescription: the description goes through
 * JSEP, then ICE follows it (gathering starts with the first local
 * description; the remote credentials and candidates come from the remote
 * one; new credentials mean an ICE restart). */
int rtc_session_set_local_description(struct rtc_session *s, enum rtc_sdp_type type,
				      const char *sdp, struct rtc_error *err);
int rtc_session_set_remote_description(struct rtc_session *s, enum rtc_sdp_type type,
				       const char *sdp, struct rtc_error *err);
/* W3C addIceCandidate (candidate "" = end of candidates). */
int rtc_session_add_ice_candidate(struct rtc_session *s, const char *candidate,
				  const char *mid, int mline_index, struct rtc_error *err);

/* Data channels on the SCTP association (see engine/sctp.h). Before the
 * association is up: InvalidStateError. */
bool rtc_session_sctp_ready(const struct rtc_session *s);
int rtc_session_channel_open(struct rtc_session *s, uint16_t stream,
			     const struct rtc_sctp_channel_params *params, struct rtc_error *err);
int rtc_session_channel_send(struct rtc_session *s, uint16_t stream, bool binary,
			     const uint8_t *data, size_t len, struct rtc_error *err);
int rtc_session_channel_close(struct rtc_session *s, uint16_t stream, struct rtc_error *err);
uint64_t rtc_session_channel_buffered_amount(const struct rtc_session *s, uint16_t stream);
void rtc_session_channel_set_low_threshold(struct rtc_session *s, uint16_t stream,
					   uint64_t threshold);
/* Stops (or restarts) taking data from the SCTP association: a reader
 * downstream is behind, and the peer is to wait (rtc_sctp_hold_receiving). */
void rtc_session_channel_hold_receiving(struct rtc_session *s, bool hold);
enum rtc_dtls_state rtc_session_dtls_state(const struct rtc_session *s);
/* Datagrams the pc dropped (not WebRTC; from unvalidated sources). */
void rtc_session_stats(const struct rtc_session *s, struct rtc_pc_stats *out);
/* The peer connection itself, for its media stats. */
const struct rtc_pc *rtc_session_pc(const struct rtc_session *s);

/* An encoded frame of a sending transceiver to the peer (rtc_pc_send_frame):
 * InvalidStateError while it does not send (not negotiated, SRTP not keyed). */
int rtc_session_send_frame(struct rtc_session *s, size_t transceiver, uint64_t capture_ns,
			   const uint8_t *frame, size_t len, int audio_level, struct rtc_error *err);
/* Our decoder of the transceiver's track needs a key frame: PLI/FIR to the peer. */
void rtc_session_request_key_frame(struct rtc_session *s, size_t transceiver);
/* W3C media stats of one transceiver (false past the end). */
bool rtc_session_media_stats(const struct rtc_session *s, size_t transceiver,
			     struct rtc_pc_media_stats *out);

/* W3C close(): ICE stops, sockets close, states become "closed". */
void rtc_session_close(struct rtc_session *s);
