/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two ICE agents on a simulated network, in memory, on a fake clock.
 *
 * Each peer has UDP sockets with addresses; a peer may sit behind a NAT
 * (endpoint-independent mapping to a public address, address-dependent
 * filtering), which gives peer-reflexive and server-reflexive candidates.
 * The network delays every datagram by 10 ms plus a seeded random jitter
 * (which reorders them) and can drop a share of them. A STUN server on the
 * "public" side answers Binding requests. Candidates and credentials travel
 * between the peers as real SDP candidate lines (rtc_sdp_candidate_parse),
 * the way the signalling channel would carry them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/ice/ice-agent.h"

#define NET_MAX_SOCKETS 4
#define NET_MAX_PACKETS 4096
#define NET_MAX_LOG 128
#define NET_MS 1000000ull
#define NET_S 1000000000ull

struct net_peer {
	struct rtc_ice_agent *agent;
	struct rtc_ice_credentials creds;
	unsigned n_sockets;
	struct {
		uint32_t id;
		struct sockaddr_storage addr;    /* private when behind the NAT */
		/* A TURN-like socket: reachable at addr from anywhere. */
		bool public_relay;
	} sockets[NET_MAX_SOCKETS];
	bool behind_nat;
	struct sockaddr_storage nat_ip;      /* the NAT's public address (port ignored) */
	/* Address-dependent filtering: IPs this peer's NAT has sent to. */
	struct sockaddr_storage nat_sent_to[64];
	unsigned n_nat_sent_to;

	/* What the agent said, in order. */
	enum rtc_ice_transport_state states[NET_MAX_LOG];
	uint64_t state_times[NET_MAX_LOG];
	unsigned n_states;
	unsigned role_changes;
	unsigned selected_changes;
	unsigned candidates_announced;
	bool gathering_complete;
	/* Trickle: forward this peer's candidates to the other one. */
	bool trickle_paused;
	char pending[32][RTC_ICE_CANDIDATE_LINE_MAX];
	unsigned n_pending;
};

struct net_packet {
	uint64_t deliver_at;
	struct sockaddr_storage from, to;    /* as on the wire */
	size_t len;
	uint8_t data[RTC_ICE_MAX_PACKET];
};

struct net {
	uint64_t now;
	uint64_t rng;
	unsigned loss_percent;
	uint64_t jitter_ns;
	bool blackhole;                      /* drop everything */
	struct sockaddr_storage stun_server;
	struct net_peer peers[2];
	struct net_packet *packets;
	unsigned n_packets;
	uint64_t delivered, dropped;
};

void net_init(struct net *net, uint64_t seed);
void net_free(struct net *net);
struct sockaddr_storage net_addr(const char *ip, uint16_t port);
/* Creates peer i's agent. */
void net_peer_create(struct net *net, int i, enum rtc_ice_role role, uint64_t tie_breaker,
		     enum rtc_ice_transport_policy policy);
/* Adds a socket (host candidate, or relay when relay is true). */
void net_peer_socket(struct net *net, int i, uint32_t id, const char *ip, uint16_t port,
		     bool relay);
/* Gives each peer the other's credentials. */
void net_exchange_credentials(struct net *net);
/* Runs until cond(net) holds or the clock passes now + limit. */
bool net_run(struct net *net, uint64_t limit, bool (*cond)(struct net *net));
/* Runs for exactly `duration` of simulated time. */
void net_run_for(struct net *net, uint64_t duration);
/* Forwards candidates held back by trickle_paused. */
void net_flush_candidates(struct net *net, int from);
enum rtc_ice_transport_state net_state(const struct net *net, int i);
/* "connected": a usable (valid) pair, nominated or not (RFC 8445 12.1). */
bool net_both_connected(struct net *net);
/* Connected and nomination concluded: both agents have a selected pair. */
bool net_both_selected(struct net *net);
/* Whether peer i ever reported state s. */
bool net_saw_state(const struct net *net, int i, enum rtc_ice_transport_state s);
