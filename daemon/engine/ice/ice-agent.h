/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A full ICE agent (RFC 8445, not lite) for one BUNDLE transport with
 * rtcp-mux, so one component; trickle (RFC 8838) both ways; consent
 * freshness (RFC 7675). Sans-I/O: it owns no socket and reads no clock.
 *
 * The caller owns the sockets and names each one with a number of its
 * choosing (a "socket id"): a UDP socket bound to a host address, or a TURN
 * allocation that carries the agent's packets through a relay. It feeds the
 * agent STUN datagrams (RFC 7983 demultiplexing is the caller's, application
 * data never comes here) and the time, and drains what the agent wants done:
 *
 *     agent = rtc_ice_agent_new(&config, &local_credentials, &err);
 *     rtc_ice_agent_add_stun_server(agent, &stun_server_address);
 *     rtc_ice_agent_add_local_candidate(agent, &host, &err);   per socket
 *     rtc_ice_agent_local_candidates_done(agent);
 *     rtc_ice_agent_set_remote_credentials(agent, ufrag, pwd, &err);
 *     rtc_ice_agent_add_remote_candidate(agent, sdp_candidate, &err);
 *
 *     loop:
 *         rtc_ice_agent_handle_receive(agent, now, socket, from, data, len);
 *         if (now >= rtc_ice_agent_deadline(agent))
 *                 rtc_ice_agent_handle_timeout(agent, now);
 *         while (rtc_ice_agent_poll_transmit(agent, &tx)) send tx
 *         while (rtc_ice_agent_poll_event(agent, &ev)) act on ev
 *
 * Every call that changes the agent may make work due: after any of them
 * read rtc_ice_agent_deadline() again.
 *
 * Relayed candidates: the TURN client (engine/turn.h) gives the caller a
 * relayed address; the caller adds it as a relay candidate with a socket id
 * of its own and carries that socket's packets through the allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/error.h"
#include "engine/ice/ice-config.h"
#include "engine/ice/ice-credentials.h"
#include "engine/sdp/sdp.h"

#define RTC_ICE_NS_PER_MS 1000000ull

enum rtc_ice_role {
	RTC_ICE_ROLE_CONTROLLING,
	RTC_ICE_ROLE_CONTROLLED,
};

/* W3C RTCIceTransportState (and RTCIceConnectionState for one transport). */
enum rtc_ice_transport_state {
	RTC_ICE_TRANSPORT_NEW,
	RTC_ICE_TRANSPORT_CHECKING,
	RTC_ICE_TRANSPORT_CONNECTED,
	RTC_ICE_TRANSPORT_COMPLETED,
	RTC_ICE_TRANSPORT_DISCONNECTED,
	RTC_ICE_TRANSPORT_FAILED,
	RTC_ICE_TRANSPORT_CLOSED,
};

/* W3C RTCIceGathererState. */
enum rtc_ice_gathering_state {
	RTC_ICE_GATHERING_NEW,
	RTC_ICE_GATHERING_GATHERING,
	RTC_ICE_GATHERING_COMPLETE,
};

/* RFC 8445 6.1.2.6, as W3C RTCStatsIceCandidatePairState names them. */
enum rtc_ice_pair_state {
	RTC_ICE_PAIR_FROZEN,
	RTC_ICE_PAIR_WAITING,
	RTC_ICE_PAIR_IN_PROGRESS,
	RTC_ICE_PAIR_SUCCEEDED,
	RTC_ICE_PAIR_FAILED,
};

const char *rtc_ice_transport_state_name(enum rtc_ice_transport_state state); /* "connected" */
const char *rtc_ice_gathering_state_name(enum rtc_ice_gathering_state state); /* "complete" */
const char *rtc_ice_pair_state_name(enum rtc_ice_pair_state state);           /* "in-progress" */
const char *rtc_ice_role_name(enum rtc_ice_role role);                       /* "controlling" */

/* Timers; a zero field takes the default shown. */
struct rtc_ice_timers {
	uint64_t ta_ns;                /* 50 ms: pacing of new checks (RFC 8445 14.2) */
	uint64_t nomination_delay_ns;  /* 500 ms: how long the controlling agent waits
				        * for better pairs after the first valid one */
	uint64_t consent_interval_ns;  /* 5 s, randomized 0.8-1.2 (RFC 7675 5.1) */
	uint64_t consent_expiry_ns;    /* 30 s without consent: failed (RFC 7675 5.1) */
};

struct rtc_ice_agent_config {
	enum rtc_ice_role role;
	/* 0 draws a random one; tests pin it to provoke role conflicts. */
	uint64_t tie_breaker;
	/* RELAY: only relay candidates are announced and paired (W3C
	 * iceTransportPolicy "relay"). */
	enum rtc_ice_transport_policy policy;
	/* Seeds the agent's own generator (consent intervals, foundations of
	 * peer-reflexive candidates). 0 seeds it from OpenSSL; tests pin it. */
	uint64_t random_seed;
	struct rtc_ice_timers timers;
};

struct rtc_ice_agent;

/* NULL with *err (OperationError) when out of memory or the random
 * generator fails, InvalidAccessError for malformed credentials. */
struct rtc_ice_agent *rtc_ice_agent_new(const struct rtc_ice_agent_config *config,
					const struct rtc_ice_credentials *local,
					struct rtc_error *err);
void rtc_ice_agent_free(struct rtc_ice_agent *agent);

/* Stops everything: no more packets, state "closed". */
void rtc_ice_agent_close(struct rtc_ice_agent *agent);

/* JSEP fixes the role when the remote description arrives (the offerer
 * controls unless the peer is ice-lite). Pair priorities follow. */
void rtc_ice_agent_set_role(struct rtc_ice_agent *agent, enum rtc_ice_role role);
enum rtc_ice_role rtc_ice_agent_role(const struct rtc_ice_agent *agent);

/* The peer's ufrag, as last accepted by rtc_ice_agent_set_remote_credentials;
 * NULL before. */
const char *rtc_ice_agent_remote_ufrag(const struct rtc_ice_agent *agent);

/* The peer's a=ice-ufrag/a=ice-pwd. Different ones than before mean the
 * peer restarted ICE: its old candidates are forgotten and checking starts
 * over, while the selected pair carries on until a new one is selected. */
int rtc_ice_agent_set_remote_credentials(struct rtc_ice_agent *agent, const char *ufrag,
					 const char *pwd, struct rtc_error *err);

/* ICE restart from our side (W3C restartIce, createOffer iceRestart): new
 * local credentials; the candidates are announced again. Requests with the
 * old credentials are still answered until the peer's new credentials are
 * set, so the connection lives on through the renegotiation. */
int rtc_ice_agent_restart(struct rtc_ice_agent *agent, const struct rtc_ice_credentials *local,
			  struct rtc_error *err);

/* ---- candidates ---------------------------------------------------------- */

/* A candidate of ours that the caller found: host (a bound UDP socket) or
 * relay (a TURN allocation). Server-reflexive candidates come from the
 * agent's own Binding requests to the STUN servers, peer-reflexive ones from
 * the checks. */
struct rtc_ice_local_candidate {
	enum rtc_sdp_candidate_type type;   /* HOST or RELAY */
	uint32_t socket;
	struct sockaddr_storage address;    /* AF_INET or AF_INET6, with the port */
	/* relay: the server-reflexive address the TURN server saw (raddr);
	 * family AF_UNSPEC when unknown. Ignored for host. */
	struct sockaddr_storage related;
	/* 0 for the preferred network interface, 1 for the next... Turns into
	 * the local preference (RFC 8445 5.1.2.1, with IPv6 first as RFC 8421). */
	uint8_t interface_rank;
};

/* InvalidAccessError for a bad family or type, a socket id already used by
 * another candidate of the same address, or too many candidates. A
 * duplicate (same type and address) is accepted and ignored. */
int rtc_ice_agent_add_local_candidate(struct rtc_ice_agent *agent,
				      const struct rtc_ice_local_candidate *candidate,
				      struct rtc_error *err);

/* A STUN server (resolved) to learn server-reflexive candidates from: the
 * agent sends a Binding request from every host socket of the same family. */
int rtc_ice_agent_add_stun_server(struct rtc_ice_agent *agent, const struct sockaddr *server,
				  struct rtc_error *err);

/* The caller has added every host and relay candidate it will add; gathering
 * completes when the agent's own STUN transactions are done too. */
void rtc_ice_agent_local_candidates_done(struct rtc_ice_agent *agent);

/* A candidate from the peer (SDP or trickled). UDP only (TCP candidates
 * are ignored, returning 0); an FQDN address (mDNS) must be resolved by the
 * caller first (NotSupportedError otherwise); a multicast, broadcast,
 * unspecified or reserved address is an OperationError (no check goes
 * there); component other than 1 is
 * ignored (rtcp-mux). A candidate carrying a "ufrag" extension of an older
 * generation is ignored. OperationError when the agent holds too many. */
int rtc_ice_agent_add_remote_candidate(struct rtc_ice_agent *agent,
				       const struct rtc_sdp_candidate *candidate,
				       struct rtc_error *err);
/* The peer sent end-of-candidates (or a complete non-trickle description). */
void rtc_ice_agent_remote_candidates_done(struct rtc_ice_agent *agent);

/* ---- driving ------------------------------------------------------------- */

/* A STUN datagram that arrived on `socket` from `from`. Anything malformed
 * or unauthenticated is dropped (or answered with an error response, as
 * RFC 8489 says for requests). */
void rtc_ice_agent_handle_receive(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
				 const struct sockaddr *from, const uint8_t *data, size_t len);
void rtc_ice_agent_handle_timeout(struct rtc_ice_agent *agent, uint64_t now);
/* When handle_timeout must run next: UINT64_MAX for never, 0 for as soon as
 * possible. */
uint64_t rtc_ice_agent_deadline(const struct rtc_ice_agent *agent);

/* Largest datagram the agent produces: a Binding request with the longest
 * USERNAME (513 bytes) and every other attribute fits. */
#define RTC_ICE_MAX_PACKET 704

struct rtc_ice_transmit {
	uint32_t socket;
	struct sockaddr_storage to;
	size_t len;
	uint8_t data[RTC_ICE_MAX_PACKET];
};
bool rtc_ice_agent_poll_transmit(struct rtc_ice_agent *agent, struct rtc_ice_transmit *out);

enum rtc_ice_event_type {
	RTC_ICE_EVENT_LOCAL_CANDIDATE,   /* candidate: to trickle (W3C icecandidate) */
	RTC_ICE_EVENT_GATHERING_STATE,   /* gathering */
	RTC_ICE_EVENT_TRANSPORT_STATE,   /* transport */
	RTC_ICE_EVENT_SELECTED_PAIR,     /* selected: where application data goes now */
	RTC_ICE_EVENT_ROLE_CHANGED,      /* role: after a role conflict */
	RTC_ICE_EVENT_CANDIDATE_ERROR,   /* candidate_error: a STUN server failed */
};

/* "candidate:..." as rtc_sdp_candidate_to_string writes it; ours are short. */
#define RTC_ICE_CANDIDATE_LINE_MAX 256

struct rtc_ice_event {
	enum rtc_ice_event_type type;
	union {
		char candidate[RTC_ICE_CANDIDATE_LINE_MAX];
		enum rtc_ice_gathering_state gathering;
		enum rtc_ice_transport_state transport;
		struct {
			uint32_t socket;
			struct sockaddr_storage remote;
		} selected;
		enum rtc_ice_role role;
		struct {
			struct sockaddr_storage server;
			uint16_t code;          /* STUN error code; 701 for a timeout (W3C) */
			char text[128];
		} candidate_error;
	};
};
bool rtc_ice_agent_poll_event(struct rtc_ice_agent *agent, struct rtc_ice_event *out);

enum rtc_ice_transport_state rtc_ice_agent_transport_state(const struct rtc_ice_agent *agent);
enum rtc_ice_gathering_state rtc_ice_agent_gathering_state(const struct rtc_ice_agent *agent);

/* Where application data goes: false while no pair is selected (or after
 * consent expired, or once closed). */
bool rtc_ice_agent_selected_pair(const struct rtc_ice_agent *agent, uint32_t *socket,
				 struct sockaddr_storage *remote);

/* Where application data goes now: the selected pair, or before one is
 * selected the best valid pair (RFC 8445 12.1); false while none is valid,
 * after consent expired, or once closed. */
bool rtc_ice_agent_data_pair(const struct rtc_ice_agent *agent, uint32_t *socket,
			     struct sockaddr_storage *remote);

/* A check on a pair from our `socket` to `from` succeeded: the peer there
 * proved it holds the ICE credentials, so what it sends besides STUN may be
 * taken (RFC 8445 11: data only from validated addresses). */
bool rtc_ice_agent_validated(const struct rtc_ice_agent *agent, uint32_t socket,
			     const struct sockaddr *from);

/* The caller counts application data on the data pair for the stats. */
void rtc_ice_agent_count_data(struct rtc_ice_agent *agent, uint64_t now, size_t sent,
			      size_t received);

/* ---- stats (W3C RTCIceCandidateStats, RTCIceCandidatePairStats) ---------- */

#define RTC_ICE_STATS_ID_MAX 24

struct rtc_ice_candidate_stats {
	char id[RTC_ICE_STATS_ID_MAX];        /* "IL3", "IR1": stable for the agent's life */
	bool remote;
	char address[64];                     /* numeric */
	uint16_t port;
	const char *protocol;                 /* "udp" */
	enum rtc_sdp_candidate_type type;
	uint32_t priority;
	char foundation[33];
	char related_address[64];             /* "" when none */
	uint16_t related_port;
};

struct rtc_ice_pair_stats {
	char id[RTC_ICE_STATS_ID_MAX];        /* "CP3_1": local and remote numbers */
	char local_id[RTC_ICE_STATS_ID_MAX];
	char remote_id[RTC_ICE_STATS_ID_MAX];
	enum rtc_ice_pair_state state;
	bool nominated;
	bool selected;
	uint64_t priority;
	uint64_t requests_sent;               /* checks and consent requests, retransmissions too */
	uint64_t requests_received;
	uint64_t responses_sent;
	uint64_t responses_received;
	uint64_t consent_requests_sent;
	uint64_t bytes_sent, bytes_received;  /* application data, from count_data */
	double total_round_trip_time;         /* seconds, over responses_received */
	double current_round_trip_time;       /* seconds; negative when none measured */
	uint64_t last_request_ns, last_response_ns; /* 0 when none */
};

size_t rtc_ice_agent_local_candidate_count(const struct rtc_ice_agent *agent);
size_t rtc_ice_agent_remote_candidate_count(const struct rtc_ice_agent *agent);
size_t rtc_ice_agent_pair_count(const struct rtc_ice_agent *agent);
/* -1 when index is out of range. */
int rtc_ice_agent_local_candidate_stats(const struct rtc_ice_agent *agent, size_t index,
					struct rtc_ice_candidate_stats *out);
int rtc_ice_agent_remote_candidate_stats(const struct rtc_ice_agent *agent, size_t index,
					 struct rtc_ice_candidate_stats *out);
int rtc_ice_agent_pair_stats(const struct rtc_ice_agent *agent, size_t index,
			     struct rtc_ice_pair_stats *out);

/* ---- RFC 8445 arithmetic, public for the tests and the stats ------------- */

/* 5.1.2.1: (2^24) type preference + (2^8) local preference + (256 - component). */
uint32_t rtc_ice_candidate_priority(enum rtc_sdp_candidate_type type, uint16_t local_preference,
				    uint16_t component);
/* 5.1.2.2 type preferences: host 126, prflx 110, srflx 100, relay 0. */
uint8_t rtc_ice_type_preference(enum rtc_sdp_candidate_type type);
/* 6.1.2.3: G is the controlling agent's candidate priority, D the controlled's. */
uint64_t rtc_ice_pair_priority(uint32_t controlling, uint32_t controlled);
