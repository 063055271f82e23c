/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ICE agent's insides, shared by its sources and nobody else:
 *
 *   ice-agent.c            the facade: life cycle, credentials, queues, timers,
 *                          the W3C states
 *   ice-agent-candidate.c  candidates: priorities, foundations, addresses
 *   ice-agent-checklist.c  pairing, pruning, ordering, pair states, scheduling
 *   ice-agent-check.c      connectivity checks: requests out, answers in,
 *                          incoming requests, peer-reflexive candidates,
 *                          role conflicts
 *   ice-agent-nominate.c   nomination and the selected pair
 *   ice-agent-consent.c    consent freshness on the selected pair (RFC 7675)
 *   ice-agent-gather.c     server-reflexive candidates from STUN servers
 *   ice-agent-stats.c      W3C stats
 *
 * Candidates and pairs live in arrays and refer to each other by index;
 * nothing is removed from them except at an ICE restart, which compacts
 * them in one place (ice_checklist_restart).
 */
#pragma once

#include "engine/ice/ice-agent.h"
#include "engine/stun/stun.h"
#include "engine/stun/stun-transaction.h"

#include <netinet/in.h>

/* Bounds on what a peer can make us hold. RFC 8445 6.1.2.5 suggests 100
 * pairs; a browser sends a handful of candidates per interface. */
#define ICE_MAX_LOCAL 32
#define ICE_MAX_REMOTE 64
#define ICE_MAX_PAIRS 100
#define ICE_MAX_SERVERS 8
#define ICE_MAX_GATHERS 32
#define ICE_MAX_TRANSMITS 256
#define ICE_MAX_EVENTS 256

/* RFC 8445 5.1.2.1: one component, and rtcp-mux makes it 1. */
#define ICE_COMPONENT 1

/* A transport address: IPv4 or IPv6 and a port (AF_UNSPEC: none), in the
 * 28 bytes they need rather than a sockaddr_storage's 128; a candidate
 * holds three. The agent's callers speak sockaddr; it converts at its
 * edges (ice_addr_copy, ice_addr_to_storage). */
union ice_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct ice_candidate {
	enum rtc_sdp_candidate_type type;
	union ice_addr addr;
	/* Local: the base (host address for srflx/prflx; the candidate itself
	 * for host and relay). Unused for remote candidates. */
	union ice_addr base;
	/* raddr/rport: the base of a srflx, what the TURN server saw for a
	 * relay, the peer's raddr for a remote one; AF_UNSPEC when none. */
	union ice_addr related;
	uint32_t priority;
	uint32_t socket;           /* local only */
	char foundation[33];
	int server;                /* local srflx: the STUN server's index, else -1 */
	unsigned stats_id;         /* stable number for the stats ids */
	bool announced;            /* local: trickled to the caller */
};

struct ice_pair {
	int local, remote;         /* indexes into agent->local / agent->remote */
	uint64_t priority;
	enum rtc_ice_pair_state state;
	bool valid;                /* a check succeeded (RFC 8445 7.2.5.3.2) */
	bool nominated;
	/* Controlling: the next check on this pair carries USE-CANDIDATE. */
	bool nominating;
	/* Controlled: the peer nominated the pair before our own check on it
	 * succeeded; it is nominated when it does (RFC 8445 7.3.1.5). */
	bool nominate_on_success;
	/* In the triggered-check queue (FIFO by triggered_seq). */
	bool triggered;
	uint64_t triggered_seq;

	/* The check in flight. */
	struct rtc_stun_transaction check;
	bool check_use_candidate;
	enum rtc_ice_role check_role;
	uint64_t check_first_sent_ns;

	/* stats */
	uint64_t requests_sent, requests_received, responses_sent, responses_received;
	uint64_t consent_requests_sent;
	uint64_t bytes_sent, bytes_received;
	uint64_t rtt_total_ns, rtt_last_ns;
	bool rtt_measured;
	uint64_t last_request_ns, last_response_ns;
};

/* A Binding request to a STUN server from one host socket (RFC 8445 5.1.1.2). */
struct ice_gather {
	int local;                 /* the host candidate, the base */
	int server;
	/* IDLE until the next Ta slot sends it; DONE or TIMED_OUT at the end. */
	struct rtc_stun_transaction t;
};

struct ice_transmit_queue {
	struct rtc_ice_transmit *items;
	size_t head, count, cap;
};

struct rtc_ice_agent {
	struct rtc_ice_agent_config config;
	enum rtc_ice_role role;
	uint64_t tie_breaker;
	uint64_t rng;              /* xorshift64* state */
	uint64_t now;              /* the latest time we were given */
	bool closed;

	struct rtc_ice_credentials local_creds;
	/* After our restart, until the peer's new credentials arrive, the
	 * peer may still check with the old ones. */
	struct rtc_ice_credentials prev_local_creds;
	bool prev_local_valid;
	/* The peer's, on the heap (NULL until given): they may be 256
	 * characters long, and are a few dozen. */
	char *remote_ufrag;
	char *remote_pwd;
	bool have_remote_creds;
	/* The peer's password before its restart, for answers still in flight
	 * on the pair kept across the restart. */
	char *prev_remote_pwd;
	bool prev_remote_valid;

	/* Grown on demand (ice_array_reserve) up to the ICE_MAX_* bounds: most
	 * sessions need a handful of each. Adding may move them, so nobody
	 * keeps a pointer into these across an add. */
	struct ice_candidate *local;
	size_t n_local, cap_local;
	struct ice_candidate *remote;
	size_t n_remote, cap_remote;
	unsigned next_stats_id;
	unsigned next_prflx_foundation;
	bool local_done;           /* the caller added all its candidates */
	bool remote_done;          /* end-of-candidates from the peer */

	struct ice_pair *pairs;
	size_t n_pairs, cap_pairs;
	uint64_t next_triggered_seq;
	uint64_t next_check_ns;    /* Ta pacing: no new check before this */
	/* A pair was selected: Frozen and Waiting pairs are no longer checked,
	 * only triggered checks go out (RFC 8445 8.1.2), until a restart. */
	bool concluded;

	/* Grown on demand too: most connections have no STUN server, and
	 * so nothing to gather. */
	union ice_addr *servers;
	size_t n_servers, cap_servers;
	struct ice_gather *gathers;
	size_t n_gathers, cap_gathers;

	/* Nomination and the selected pair. */
	int selected;              /* pair index, -1 when none */
	bool nominated_once;       /* controlling: a pair was nominated this generation */
	uint64_t first_valid_ns;   /* 0 while no pair is valid this generation */

	/* Consent freshness on the selected pair (RFC 7675). */
	struct rtc_stun_transaction consent;
	uint64_t consent_next_ns;
	uint64_t consent_last_ok_ns;
	bool consent_lost;         /* a consent check went unanswered: disconnected */
	bool consent_expired;      /* 30 s without consent: failed, no more sending */

	enum rtc_ice_transport_state transport_state;
	enum rtc_ice_gathering_state gathering_state;

	struct ice_transmit_queue transmits;
	struct rtc_ice_event *events;
	size_t events_head, events_count, events_cap;
};

/* ---- ice-agent.c ---------------------------------------------------------- */

/* Queues a datagram; dropped (with a warning) when the caller stopped
 * draining the queue. */
void ice_agent_transmit(struct rtc_ice_agent *agent, uint32_t socket,
			const union ice_addr *to, const uint8_t *data, size_t len);
void ice_agent_emit(struct rtc_ice_agent *agent, const struct rtc_ice_event *event);
/* Re-derives the gathering and transport states and emits their changes. */
void ice_agent_update_states(struct rtc_ice_agent *agent);
uint64_t ice_agent_random(struct rtc_ice_agent *agent);
uint64_t ice_agent_timer(const struct rtc_ice_agent *agent, uint64_t value, uint64_t fallback);

/* ---- ice-agent-candidate.c ----------------------------------------------- */

bool ice_addr_equal(const union ice_addr *a, const union ice_addr *b);
bool ice_addr_ip_equal(const union ice_addr *a, const union ice_addr *b);
/* Copies a sockaddr_in/in6; false (and AF_UNSPEC) for anything else. */
bool ice_addr_copy(union ice_addr *out, const struct sockaddr *in);
void ice_addr_to_storage(const union ice_addr *a, struct sockaddr_storage *out);
/* "192.0.2.1" / "2001:db8::1" and the port. */
void ice_addr_format(const union ice_addr *a, char *out, size_t size, uint16_t *port);
uint16_t ice_addr_port(const union ice_addr *a);
bool ice_addr_is_link_local(const union ice_addr *a);
/* Not multicast, broadcast (255.255.255.255), unspecified or reserved: an
 * address a check may go to. A subnet's directed broadcast cannot be told
 * without its netmask; the sockets lack SO_BROADCAST, so the kernel refuses
 * to send there. */
bool ice_addr_is_unicast(const union ice_addr *a);

uint16_t ice_local_preference(const union ice_addr *addr, uint8_t interface_rank);
/* Appends a local candidate (the foundation derived per RFC 8445 5.1.1.3)
 * and returns its index, or -1 when full. server is the STUN server index
 * for srflx, -1 otherwise. */
int ice_local_add(struct rtc_ice_agent *agent, enum rtc_sdp_candidate_type type,
		  uint32_t socket, const union ice_addr *addr,
		  const union ice_addr *base, const union ice_addr *related,
		  uint16_t local_pref, int server);
/* After a candidate changed type (prflx found to be srflx). */
void ice_local_refoundation(struct rtc_ice_agent *agent, int index);
int ice_local_find(const struct rtc_ice_agent *agent, const union ice_addr *addr);
/* The host or relay candidate that is the base on this socket. */
int ice_local_find_base(const struct rtc_ice_agent *agent, uint32_t socket);
int ice_remote_find(const struct rtc_ice_agent *agent, const union ice_addr *addr);
/* A peer-reflexive remote candidate (RFC 8445 7.3.1.3); -1 when full. */
int ice_remote_add_prflx(struct rtc_ice_agent *agent, const union ice_addr *addr,
			 uint32_t priority);
/* Whether the transport policy lets this local candidate be used at all. */
bool ice_local_allowed(const struct rtc_ice_agent *agent, const struct ice_candidate *c);
/* Emits the candidate's SDP line if it is announceable and not yet announced. */
void ice_local_announce(struct rtc_ice_agent *agent, int index);

/* ---- ice-agent-checklist.c ----------------------------------------------- */

/* Pairs a new local candidate with every remote one, or a new remote one
 * with every local one (6.1.2.2), pruning redundant pairs (6.1.2.4) and
 * keeping at most ICE_MAX_PAIRS (6.1.2.5). */
void ice_checklist_pair_local(struct rtc_ice_agent *agent, int local);
void ice_checklist_pair_remote(struct rtc_ice_agent *agent, int remote);
/* The pair of this base and remote candidate, creating it (Waiting) when
 * absent; -1 when full or not allowed. */
int ice_checklist_find_or_add(struct rtc_ice_agent *agent, int local_base, int remote);
int ice_checklist_find(const struct rtc_ice_agent *agent, int local_base, int remote);
/* Pair priorities after a role change, and the list order. */
void ice_checklist_recompute(struct rtc_ice_agent *agent);
void ice_checklist_trigger(struct rtc_ice_agent *agent, int pair);
/* 7.2.5.3.3: a success unfreezes the pairs sharing its foundation. */
void ice_checklist_unfreeze_foundation(struct rtc_ice_agent *agent, int pair);
/* The pair the next Ta slot checks (6.1.4.2), or -1; next also takes it
 * off the triggered queue. */
int ice_checklist_peek(const struct rtc_ice_agent *agent);
int ice_checklist_next(struct rtc_ice_agent *agent);
/* Whether any pair is still to be checked or in flight. */
bool ice_checklist_running(const struct rtc_ice_agent *agent);
/* The pair a check list of this generation is down to after a restart:
 * everything but the selected pair is dropped. */
void ice_checklist_restart(struct rtc_ice_agent *agent);

/* ---- ice-agent-check.c ---------------------------------------------------- */

void ice_check_send(struct rtc_ice_agent *agent, uint64_t now, int pair);
/* Retransmissions and timeouts of checks in flight. */
void ice_check_timers(struct rtc_ice_agent *agent, uint64_t now);
uint64_t ice_check_deadline(const struct rtc_ice_agent *agent);
void ice_check_handle_request(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
			      const union ice_addr *from, const struct rtc_stun_msg *msg);
/* True if the response belonged to a check. */
bool ice_check_handle_response(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
			       const union ice_addr *from, const struct rtc_stun_msg *msg);
/* Builds an authenticated Binding request on a pair (a check or a consent
 * request) with the given tid and queues it. */
void ice_check_transmit_request(struct rtc_ice_agent *agent, int pair,
				const uint8_t tid[RTC_STUN_TID_LEN], bool use_candidate);
/* Verifies a response's integrity with the peer's password (or the one
 * before its restart). */
bool ice_check_response_authentic(const struct rtc_ice_agent *agent,
				  const struct rtc_stun_msg *msg);
void ice_agent_switch_role(struct rtc_ice_agent *agent, enum rtc_ice_role role);

/* ---- ice-agent-nominate.c ------------------------------------------------- */

/* A check on pair succeeded: nominate/select as the role says. */
void ice_nominate_on_valid(struct rtc_ice_agent *agent, uint64_t now, int pair);
/* The controlled agent saw USE-CANDIDATE on a request for this pair. */
void ice_nominate_by_peer(struct rtc_ice_agent *agent, uint64_t now, int pair);
/* The controlling agent decides when to nominate (regular nomination). */
void ice_nominate_timers(struct rtc_ice_agent *agent, uint64_t now);
uint64_t ice_nominate_deadline(const struct rtc_ice_agent *agent);
/* Makes room for one more element in a grown array of `*cap` elements of
 * `size` bytes holding `count`, up to `max`; false when full or out of
 * memory. The array may move. */
bool ice_array_reserve(void **array, size_t count, size_t *cap, size_t size, size_t max);
/* The pair data goes on (rtc_ice_agent_data_pair), or -1. */
int ice_agent_data_pair(const struct rtc_ice_agent *agent);
/* The valid, succeeded pair of highest priority, or -1. */
int ice_best_valid(const struct rtc_ice_agent *agent);
void ice_select_pair(struct rtc_ice_agent *agent, uint64_t now, int pair);

/* ---- ice-agent-consent.c -------------------------------------------------- */

void ice_consent_start(struct rtc_ice_agent *agent, uint64_t now);
void ice_consent_timers(struct rtc_ice_agent *agent, uint64_t now);
uint64_t ice_consent_deadline(const struct rtc_ice_agent *agent);
/* True if the response answered the consent request. */
bool ice_consent_handle_response(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
				 const union ice_addr *from,
				 const struct rtc_stun_msg *msg);

/* ---- ice-agent-gather.c --------------------------------------------------- */

/* Starts the Binding requests a new host candidate or a new server needs. */
void ice_gather_start(struct rtc_ice_agent *agent);
void ice_gather_timers(struct rtc_ice_agent *agent, uint64_t now);
uint64_t ice_gather_deadline(const struct rtc_ice_agent *agent);  /* retransmissions */
bool ice_gather_handle_response(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
				const union ice_addr *from,
				const struct rtc_stun_msg *msg);
bool ice_gather_pending(const struct rtc_ice_agent *agent);
/* Sends one Binding request not yet sent, for a Ta slot; false if none. */
bool ice_gather_send_next(struct rtc_ice_agent *agent, uint64_t now);
bool ice_gather_has_unsent(const struct rtc_ice_agent *agent);
