/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer connection: one sans-I/O object that owns everything a W3C
 * RTCPeerConnection runs on — JSEP, the ICE agent, the TURN allocations,
 * DTLS, SCTP and its data channels — and the order in which they run: the
 * demultiplexer of what arrives (RFC 7983), which datagrams reach DTLS (only
 * from addresses ICE validated), what is wrapped for a TURN server, and the
 * one deadline of them all.
 *
 * Its owner (daemon/session) does the I/O: UDP sockets, TCP and TLS to TURN
 * servers, name resolution, the daemon's mDNS service, one timer. The
 * contract is the engine's (engine/base/sansio.h), one level up:
 *
 *     rtc_pc_handle_receive(pc, now, socket, from, data, len);   what arrived
 *     rtc_pc_handle_timeout(pc, now);                            the timer fired
 *     rtc_pc_<method>(pc, now, ...);                             an API call
 *     then, every time:
 *     while ((out = rtc_pc_poll_output(pc, now, &o)) != RTC_PC_OUTPUT_TIMEOUT)
 *             send o.transmit, or act on o.event
 *     arm the timer at o.deadline
 *
 * Sockets are numbered by the owner (host sockets, from 1) and by the pc
 * (TURN allocations, from RTC_PC_RELAY_SOCKET_BASE); a transmit names the
 * socket to send on. A TURN server over TCP or TLS is a "stream socket":
 * its transmits have no destination (to.ss_family AF_UNSPEC) and what the
 * owner reads from it (TLS decrypted) comes back to handle_receive as is.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/error.h"
#include "engine/base/sansio.h"
#include "engine/dtls/dtls.h"
#include "engine/ice/ice-agent.h"
#include "engine/ice/ice-config.h"
#include "engine/jsep/jsep.h"
#include "engine/sctp/sctp.h"
#include "engine/stream/recv-stream.h"
#include "engine/stream/send-stream.h"

/* Host sockets are the owner's, numbered below this; relays are the pc's. */
#define RTC_PC_RELAY_SOCKET_BASE 100
/* mDNS names of our host candidates, "<uuid>.local". */
#define RTC_PC_HOST_NAME_MAX 64

struct rtc_pc;

struct rtc_pc_config {
	/* RTCConfiguration's servers and policy; must outlive the pc. */
	const struct rtc_ice_config *ice;
	enum rtc_bundle_policy bundle_policy;
	/* The owner has no media to send nor a place for what arrives: the
	 * peer's audio and video are refused in the answer (JSEP's
	 * reject_media). */
	bool reject_media;
	/* JSEP's video_codec: the one our offers prefer (NULL: VP8). */
	const char *video_codec;
	/* The owner can resolve the peer's ".local" host candidates
	 * (RTC_PC_EVENT_RESOLVE_NAME); without, they are dropped. */
	bool can_resolve_names;
	/* usrsctp is one stack for the process: work for this pc may appear
	 * during another's call. wake(user) then asks for poll_output soon. */
	void (*wake)(void *user);
	void *user;
	/* Seeds the ICE agent's own generator (consent intervals): 0 from
	 * OpenSSL; engine-to-engine tests pin it to replay a run exactly. */
	uint64_t ice_random_seed;
};

int rtc_pc_new(const struct rtc_pc_config *config, struct rtc_pc **out, struct rtc_error *err);
/* Frees without a word to the peer: rtc_pc_close first for that. */
void rtc_pc_free(struct rtc_pc *pc);

/* W3C close(): an SCTP ABORT and DTLS close_notify to the peer, TURN
 * allocations released, ICE stopped, every state "closed". What that sends
 * still comes out of poll_output; no events follow. */
void rtc_pc_close(struct rtc_pc *pc, uint64_t now);
bool rtc_pc_closed(const struct rtc_pc *pc);

/* ---- signalling ---------------------------------------------------------- */

/* createOffer, createAnswer and the descriptions' properties are JSEP's. */
const struct rtc_jsep *rtc_pc_jsep(const struct rtc_pc *pc);
struct rtc_jsep *rtc_pc_jsep_mut(struct rtc_pc *pc);

/* setLocalDescription / setRemoteDescription: JSEP first, then ICE follows
 * (gathering starts with the first local description, RTC_PC_EVENT_GATHER;
 * new credentials mean an ICE restart). */
int rtc_pc_set_local_description(struct rtc_pc *pc, uint64_t now, enum rtc_sdp_type type,
				 const char *sdp, struct rtc_error *err);
int rtc_pc_set_remote_description(struct rtc_pc *pc, uint64_t now, enum rtc_sdp_type type,
				  const char *sdp, struct rtc_error *err);
/* W3C addIceCandidate (candidate "" = end of candidates). */
int rtc_pc_add_ice_candidate(struct rtc_pc *pc, uint64_t now, const char *candidate,
			     const char *mid, int mline_index, struct rtc_error *err);

/* ---- gathering: what the owner found for RTC_PC_EVENT_GATHER -------------- */

/* A bound UDP socket (id below RTC_PC_RELAY_SOCKET_BASE) on one local
 * address; interface_rank 0 for the preferred interface. host_name: the
 * mDNS name registered for the address, to announce instead of it
 * (draft-ietf-mmusic-mdns-ice-candidates), or NULL. */
int rtc_pc_add_host_socket(struct rtc_pc *pc, uint32_t socket,
			   const struct sockaddr_storage *address, uint8_t interface_rank,
			   const char *host_name, struct rtc_error *err);
/* A STUN server at a resolved address. */
void rtc_pc_add_stun_server(struct rtc_pc *pc, const struct sockaddr_storage *address);
/* A TURN server at a resolved address, for one of `server`'s URLs: a new
 * relay socket whose id is returned (0: refused, the reason reported as
 * RTC_PC_EVENT_CANDIDATE_ERROR). Over UDP it allocates at once through the
 * host socket of the address's family. Over TCP or TLS the owner connects
 * a stream to the server (TLS checked against url->host) and reports it
 * with rtc_pc_stream_connected or rtc_pc_stream_failed. */
uint32_t rtc_pc_add_turn_server(struct rtc_pc *pc, uint64_t now,
				const struct rtc_ice_server *server,
				const struct rtc_ice_url *url,
				const struct sockaddr_storage *address);
void rtc_pc_stream_connected(struct rtc_pc *pc, uint64_t now, uint32_t socket);
/* The stream broke or never came up; reason for the candidate error. */
void rtc_pc_stream_failed(struct rtc_pc *pc, uint64_t now, uint32_t socket, const char *reason);
/* Every host socket and server the owner will add is added (names
 * resolved or failed): gathering ends when the allocations settle. */
void rtc_pc_gathering_sources_done(struct rtc_pc *pc);
/* A STUN/TURN URL's name did not resolve (W3C icecandidateerror 701). */
void rtc_pc_report_server_error(struct rtc_pc *pc, const struct rtc_ice_url *url,
				const char *text);

/* The peer's ".local" name, resolved (n == 0: it could not be). */
void rtc_pc_name_resolved(struct rtc_pc *pc, uint64_t now, const char *name,
			  const struct sockaddr_storage *addresses, size_t n);

/* ---- data channels (engine/sctp) ----------------------------------------- */

/* Before the SCTP association is up: InvalidStateError. */
bool rtc_pc_sctp_ready(const struct rtc_pc *pc);
int rtc_pc_channel_open(struct rtc_pc *pc, uint64_t now, uint16_t stream,
			const struct rtc_sctp_channel_params *params, struct rtc_error *err);
int rtc_pc_channel_send(struct rtc_pc *pc, uint64_t now, uint16_t stream, bool binary,
			const uint8_t *data, size_t len, struct rtc_error *err);
int rtc_pc_channel_close(struct rtc_pc *pc, uint64_t now, uint16_t stream,
			 struct rtc_error *err);
uint64_t rtc_pc_channel_buffered_amount(const struct rtc_pc *pc, uint16_t stream);
void rtc_pc_channel_set_low_threshold(struct rtc_pc *pc, uint16_t stream, uint64_t threshold);
/* A reader downstream is behind: stop (or restart) taking data from the
 * association, so the peer waits (rtc_sctp_hold_receiving). */
void rtc_pc_channel_hold_receiving(struct rtc_pc *pc, uint64_t now, bool hold);

/* ---- media (engine/stream, engine/cc) ------------------------------------ */

/* Transceivers are JSEP's (rtc_jsep_add_track and the rest, through
 * rtc_pc_jsep_mut); once an answer negotiated one that sends, its frames
 * go in here. An encoded frame captured at capture_ns (our clock: the RTP
 * timestamp follows from it); audio_level -1 or 0..127 (-dBov).
 * InvalidStateError while the transceiver does not send (not negotiated,
 * inactive, recvonly, or SRTP not keyed yet). */
int rtc_pc_send_frame(struct rtc_pc *pc, uint64_t now, size_t transceiver,
		      uint64_t capture_ns, const uint8_t *frame, size_t len, int audio_level,
		      struct rtc_error *err);
/* The decoder of the transceiver's track cannot go on: a PLI (or FIR). */
void rtc_pc_request_key_frame(struct rtc_pc *pc, uint64_t now, size_t transceiver);

/* W3C outbound-rtp, inbound-rtp, remote-*, codec for one transceiver. */
struct rtc_pc_media_stats {
	bool sending, receiving;
	enum rtc_codec send_codec, recv_codec;
	uint8_t send_payload_type, recv_payload_type;
	uint32_t ssrc, remote_ssrc;
	struct rtc_send_stream_stats outbound;
	struct rtc_recv_stream_stats inbound;
};
/* False for an index JSEP does not have. */
bool rtc_pc_media_stats(const struct rtc_pc *pc, size_t transceiver,
			struct rtc_pc_media_stats *out);
/* The congestion controller's target (candidate-pair
 * availableOutgoingBitrate), 0 while no media is sent. */
uint64_t rtc_pc_target_bitrate(const struct rtc_pc *pc);

/* ---- driving ------------------------------------------------------------- */

/* A datagram (or stream bytes, for a stream socket: from may be NULL) that
 * arrived on `socket`. STUN goes to ICE from anyone; DTLS only from an
 * address a connectivity check validated — before that it waits, per
 * source, and is replayed once its source validates, or dropped. */
void rtc_pc_handle_receive(struct rtc_pc *pc, uint64_t now, uint32_t socket,
			   const struct sockaddr *from, const uint8_t *data, size_t len);
/* The same for a datagram that arrived at `arrival` (same clock, not after
 * now: the kernel's receive timestamp): transport-wide congestion control
 * feedback reports that time, not when the owner got round to reading it —
 * a batch read at once would look like a burst of queueing delay. */
void rtc_pc_handle_receive_at(struct rtc_pc *pc, uint64_t now, uint64_t arrival,
			      uint32_t socket, const struct sockaddr *from,
			      const uint8_t *data, size_t len);
void rtc_pc_handle_timeout(struct rtc_pc *pc, uint64_t now);

struct rtc_pc_transmit {
	uint32_t socket;
	struct sockaddr_storage to;     /* AF_UNSPEC on a stream socket */
	const uint8_t *data;            /* valid until the next call into the pc */
	size_t len;
};

enum rtc_pc_event_type {
	/* Requests to the owner. */
	RTC_PC_EVENT_GATHER,            /* open host sockets, resolve the servers */
	RTC_PC_EVENT_RESOLVE_NAME,      /* name: resolve it, rtc_pc_name_resolved */
	/* W3C events, in the order W3C fires them. */
	RTC_PC_EVENT_LOCAL_CANDIDATE,   /* candidate ("" = complete), mid, mline_index */
	RTC_PC_EVENT_GATHERING_STATE,   /* gathering */
	RTC_PC_EVENT_ICE_STATE,         /* ice */
	RTC_PC_EVENT_CANDIDATE_ERROR,   /* candidate_error */
	RTC_PC_EVENT_DTLS_STATE,        /* dtls */
	RTC_PC_EVENT_SCTP_READY,        /* the association is up: channels can open */
	RTC_PC_EVENT_CHANNEL_OPENED,    /* stream, params: the peer opened it (DCEP) */
	RTC_PC_EVENT_CHANNEL_MESSAGE,   /* stream, binary, data, len */
	RTC_PC_EVENT_CHANNEL_CLOSING,   /* stream: the peer reset it */
	RTC_PC_EVENT_CHANNEL_CLOSED,    /* stream */
	RTC_PC_EVENT_CHANNEL_BUFFERED_LOW, /* stream */
	/* Media. */
	RTC_PC_EVENT_TRACK,             /* media.transceiver: its receiver got a track */
	RTC_PC_EVENT_MEDIA_FRAME,       /* media.transceiver, media.frame */
	RTC_PC_EVENT_KEY_FRAME_REQUEST, /* media.transceiver: the peer asks (PLI/FIR) */
	RTC_PC_EVENT_TARGET_BITRATE,    /* media.bitrate: for all encoders together */
};

struct rtc_pc_event {
	enum rtc_pc_event_type type;
	union {
		char name[RTC_PC_HOST_NAME_MAX];
		struct {
			char line[RTC_ICE_CANDIDATE_LINE_MAX + RTC_PC_HOST_NAME_MAX];
			char mid[33];
			int mline_index;
		} candidate;
		enum rtc_ice_gathering_state gathering;
		enum rtc_ice_transport_state ice;
		struct {
			char address[64];
			uint16_t port;
			char url[300];
			uint16_t code;
			char text[300];
		} candidate_error;
		enum rtc_dtls_state dtls;
		struct {
			uint16_t stream;
			struct rtc_sctp_channel_params params;  /* CHANNEL_OPENED */
			bool binary;                            /* CHANNEL_MESSAGE */
			const uint8_t *data;   /* valid until the next call into the pc */
			size_t len;
		} channel;
		struct {
			size_t transceiver;
			struct rtc_recv_frame frame;   /* data valid until the next call */
			uint64_t bitrate;              /* bits per second */
		} media;
	};
};

enum rtc_pc_output_type {
	RTC_PC_OUTPUT_TRANSMIT,
	RTC_PC_OUTPUT_EVENT,
	RTC_PC_OUTPUT_TIMEOUT,          /* nothing more now: deadline says when */
};

struct rtc_pc_output {
	enum rtc_pc_output_type type;
	struct rtc_pc_transmit transmit;
	struct rtc_pc_event event;
	uint64_t deadline;              /* TIMEOUT: RTC_NEVER, or now to yield */
};

/* The next thing to do. After a burst (a flood, a bulk transfer), it yields
 * with a TIMEOUT due at once, so one peer connection cannot starve the
 * owner's other work. */
enum rtc_pc_output_type rtc_pc_poll_output(struct rtc_pc *pc, uint64_t now,
					   struct rtc_pc_output *out);

/* ---- state, for properties and stats ------------------------------------- */

const struct rtc_ice_agent *rtc_pc_ice_agent(const struct rtc_pc *pc);
enum rtc_ice_gathering_state rtc_pc_gathering_state(const struct rtc_pc *pc);
enum rtc_ice_transport_state rtc_pc_ice_state(const struct rtc_pc *pc);
enum rtc_dtls_state rtc_pc_dtls_state(const struct rtc_pc *pc);

struct rtc_pc_stats {
	/* Datagrams that are not WebRTC (RFC 7983's unknown ranges, ZRTP). */
	uint64_t dropped_unknown;
	/* DTLS and SRTP from an address no check validated: dropped, or (DTLS)
	 * held and never validated. */
	uint64_t dropped_unvalidated;
	/* SRTP/SRTCP refused (authentication, replay, before keys) or that no
	 * negotiated stream takes. */
	uint64_t srtp_rejected;
	uint64_t rtp_unknown_stream;
};
void rtc_pc_stats(const struct rtc_pc *pc, struct rtc_pc_stats *out);
