/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the peer connection's files; not used outside engine/pc.
 *
 *   pc.c            lifetime, the descriptions, poll_output and the deadline
 *   pc-ice.c        ICE: host sockets, servers, candidates both ways (mDNS
 *                   names included), the agent's events
 *   pc-relay.c      TURN allocations: relay sockets of the agent
 *   pc-transport.c  what is not STUN: validation of its source, DTLS, SCTP
 *                   and the data channels
 *   pc-media.c      media streams from JSEP's transceivers, the media API
 *   pc-media-rtp.c  SRTP, RTP and RTCP both ways, pacer, congestion control
 */
#pragma once

#include "engine/pc/pc.h"
#include "engine/turn/turn-stream.h"
#include "engine/turn/turn.h"

#define PC_MAX_RELAYS 8

struct pc_host_socket {
	uint32_t id;
	struct sockaddr_storage address;
	char name[RTC_PC_HOST_NAME_MAX];     /* "" when the address is announced */
};

struct pc_relay {
	uint32_t id;                          /* the relay candidate's socket id */
	struct rtc_turn_client *client;
	char url[300];
	struct sockaddr_storage server;
	enum rtc_turn_transport transport;
	uint32_t via;                         /* UDP: the host socket it uses */
	struct rtc_turn_stream stream;        /* TCP and TLS: frames of the stream */
	bool connected;                       /* TCP/TLS: the owner's stream is up */
	bool settled;                         /* allocated or failed: gathering may end */
};

/* A remote ".local" candidate waiting for its name. */
struct pc_pending_name {
	struct pc_pending_name *next;
	struct rtc_sdp_candidate *candidate;  /* owned copy, address still the name */
	bool asked;                           /* RESOLVE_NAME given to the owner */
};

/* A datagram from a source ICE has not validated (yet). */
struct pc_held {
	struct pc_held *next;
	uint64_t at;                    /* when it arrived */
	uint32_t socket;
	struct sockaddr_storage from;
	size_t len;
	uint8_t data[];
};

struct pc_event_node {
	struct pc_event_node *next;
	struct rtc_pc_event event;
};

/* Scratch for one output: the agent's datagram. Allocated while output
 * flows, freed when the pc goes quiet (an idle connection should not carry
 * it). */
struct pc_media;

struct pc_scratch {
	struct rtc_ice_transmit ice;
};

struct rtc_pc {
	struct rtc_pc_config config;
	struct rtc_jsep *jsep;
	struct rtc_ice_agent *agent;    /* from the first local description on */
	bool closed;
	/* When the datagram being handled arrived (rtc_pc_handle_receive_at);
	 * 0: it arrived now. */
	uint64_t arrival;

	/* ICE */
	struct pc_host_socket *hosts;
	size_t n_hosts, cap_hosts;
	bool hide_host_addresses;       /* a host socket came with an mDNS name */
	struct pc_relay *relays[PC_MAX_RELAYS];
	size_t n_relays;
	bool sources_done;              /* the owner added every socket and server */
	bool local_candidates_done;
	struct pc_pending_name *pending_names;
	bool remote_done_pending;       /* end-of-candidates waits for names */
	char local_ufrag[RTC_ICE_UFRAG_LEN + 1];
	char local_mid[33];
	int local_mline;
	enum rtc_ice_gathering_state gathering;
	enum rtc_ice_transport_state ice_state;

	/* DTLS and SCTP */
	struct rtc_dtls *dtls;
	struct rtc_sctp *sctp;
	enum rtc_dtls_state dtls_state;
	bool sctp_announced;
	struct pc_held *held;
	size_t n_held;
	bool recheck_held;              /* ICE may have validated a source */

	/* output */
	struct pc_event_node *events, **events_tail;
	/* What a closing connection still sends (close_notify, releases):
	 * copies, since the modules that made them are gone. */
	struct pc_held *farewells, **farewells_tail;
	struct pc_held *farewell_out;   /* the one poll_output returned last */
	struct pc_scratch *scratch;
	unsigned burst;                 /* outputs since the last TIMEOUT */

	struct rtc_pc_stats stats;

	/* Media: NULL until a negotiated transceiver needs it. */
	struct pc_media *media;
};

/* pc.c */
struct rtc_pc_event *pc_event_push(struct rtc_pc *pc, enum rtc_pc_event_type type);
struct pc_scratch *pc_scratch(struct rtc_pc *pc);
void pc_farewell(struct rtc_pc *pc, const struct rtc_pc_transmit *tx);
/* Same family, address and port. */
bool pc_same_address(const struct sockaddr_storage *a, const struct sockaddr *b);
void pc_address_string(const struct sockaddr_storage *a, char *buf, size_t size,
		       uint16_t *port);
/* Sends on agent socket `socket`: true when out holds a transmit for a host
 * socket; a relay's data goes to its TURN client and leaves from there. */
bool pc_route(struct rtc_pc *pc, uint64_t now, uint32_t socket,
	      const struct sockaddr_storage *to, const uint8_t *data, size_t len,
	      struct rtc_pc_transmit *out);

/* pc-ice.c */
int pc_ice_start(struct rtc_pc *pc, struct rtc_error *err);
int pc_ice_follow_remote(struct rtc_pc *pc, uint64_t now, struct rtc_error *err);
/* To the agent (or, for a .local name, to be resolved first): -1 and err
 * set (when not NULL) when the agent refuses it. */
int pc_ice_add_remote(struct rtc_pc *pc, const struct rtc_sdp_candidate *c,
		      struct rtc_error *err);
void pc_ice_remote_candidates_done(struct rtc_pc *pc);
void pc_ice_local_candidates_maybe_done(struct rtc_pc *pc);
void pc_ice_handle_event(struct rtc_pc *pc, const struct rtc_ice_event *ev);
bool pc_ice_poll_name(struct rtc_pc *pc);
void pc_ice_free(struct rtc_pc *pc);

/* pc-relay.c */
struct pc_relay *pc_relay_by_id(struct rtc_pc *pc, uint32_t id);
/* True when the datagram came from one of our TURN servers over UDP (and
 * was taken). */
bool pc_relay_receive_udp(struct rtc_pc *pc, uint64_t now, uint32_t socket,
			  const struct sockaddr *from, const uint8_t *data, size_t len);
void pc_relay_receive_stream(struct rtc_pc *pc, uint64_t now, struct pc_relay *r,
			     const uint8_t *data, size_t len);
/* Data for a peer through the relay; it leaves through poll_transmit. */
void pc_relay_send(struct rtc_pc *pc, uint64_t now, struct pc_relay *r,
		   const struct sockaddr_storage *to, const uint8_t *data, size_t len);
bool pc_relay_poll_transmit(struct rtc_pc *pc, struct rtc_pc_transmit *out);
/* The allocations' events, acted on; true when there were any. */
bool pc_relay_poll_events(struct rtc_pc *pc);
bool pc_relays_pending(const struct rtc_pc *pc);
void pc_relay_timeouts(struct rtc_pc *pc, uint64_t now);
uint64_t pc_relay_deadline(const struct rtc_pc *pc);
void pc_relay_close(struct rtc_pc *pc, uint64_t now);
void pc_relay_free(struct rtc_pc *pc);

/* pc-transport.c */
/* Sends on ICE's data pair (host socket or relay): false while there is
 * none, or when a relay took it (it leaves through the relay's poll). */
bool pc_send_selected(struct rtc_pc *pc, uint64_t now, const uint8_t *data, size_t len,
		      struct rtc_pc_transmit *out);
void pc_transport_deliver(struct rtc_pc *pc, uint64_t now, uint32_t socket,
			  const struct sockaddr *from, const uint8_t *data, size_t len);
void pc_transport_maybe_start(struct rtc_pc *pc, uint64_t now);
/* One step of DTLS and SCTP: a transmit or an event in out, or false when
 * both are quiet. */
enum rtc_pc_output_type pc_transport_poll(struct rtc_pc *pc, uint64_t now,
					  struct rtc_pc_output *out);
void pc_transport_timeouts(struct rtc_pc *pc, uint64_t now);
uint64_t pc_transport_deadline(const struct rtc_pc *pc);
void pc_transport_close(struct rtc_pc *pc, uint64_t now);
void pc_transport_free(struct rtc_pc *pc);
