/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the session's files; not used outside daemon/session. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "session/session.h"

#define RTC_SESSION_MAX_SOCKETS 16
#define RTC_SESSION_MAX_TURN 8

struct rtc_udp_socket;
struct rtc_timer;
struct rtc_session_turn;
struct rtc_session_lookup;
struct rtc_session_server_lookup;
struct rtc_session_transport;

/* A UDP socket on one local address: a host candidate, and the way to
 * the STUN and UDP TURN servers. */
struct rtc_session_socket {
	struct rtc_session *session;
	uint32_t id;                    /* the agent's socket id */
	struct rtc_udp_socket *udp;
	struct sockaddr_storage address;
};

struct rtc_session {
	struct rtc_reactor *reactor;
	const struct rtc_net_options *net;
	const struct rtc_ice_config *ice;
	const struct rtc_session_callbacks *cb;
	void *userdata;

	struct rtc_jsep *jsep;
	struct rtc_ice_agent *agent;    /* from the first local description on */
	struct rtc_timer *timer;

	/* One per local address, allocated once when gathering starts: each
	 * is its UDP socket's callback data, so they never move. */
	struct rtc_session_socket *sockets;
	size_t n_sockets;
	uint32_t port_cursor;

	struct rtc_session_turn *turn[RTC_SESSION_MAX_TURN];
	size_t n_turn;

	struct rtc_session_lookup *lookups;     /* remote .local names being resolved */
	struct rtc_session_server_lookup *server_lookups; /* STUN/TURN names */
	/* mDNS names we registered for our host candidates, to unregister. */
	char (*mdns_names)[64];
	size_t n_mdns_names;
	bool local_candidates_done;

	/* Ours, to see a restart; the peer's is the agent's to know. */
	char local_ufrag[RTC_ICE_UFRAG_LEN + 1];
	char local_mid[33];
	int local_mline;
	bool gather_pending;
	bool remote_done_pending;        /* end-of-candidates waits for mDNS lookups */             /* gathering starts at the next iteration */
	bool closed;

	enum rtc_ice_gathering_state gathering;
	enum rtc_ice_transport_state transport;
	enum rtc_dtls_state dtls;
	struct rtc_session_transport *transport_state;  /* DTLS and SCTP, once started */
	uint64_t dropped_packets;
};

/* session.c */
void rtc_session_pump(struct rtc_session *s);
struct rtc_session_socket *rtc_session_socket_by_id(struct rtc_session *s, uint32_t id);
void rtc_session_send_host(struct rtc_session *s, struct rtc_session_socket *sock,
			   const struct sockaddr_storage *to, const uint8_t *data, size_t len);
/* Demultiplexes a datagram that arrived for agent socket `socket_id`. */
void rtc_session_deliver(struct rtc_session *s, uint32_t socket_id, const uint8_t *data,
			 size_t len, const struct sockaddr *from);
void rtc_session_address_string(const struct sockaddr_storage *a, char *buf, size_t size,
				uint16_t *port);
int rtc_session_server_address(const struct rtc_ice_url *url, int family,
			       struct sockaddr_storage *out);

/* Tells the agent our candidates are all there, once every server name is
 * resolved and every allocation has an outcome. */
void rtc_session_local_candidates_maybe_done(struct rtc_session *s);

/* Sends on agent socket `socket`: a host socket, or a TURN relay. */
void rtc_session_transmit(struct rtc_session *s, uint32_t socket,
			  const struct sockaddr_storage *to, const uint8_t *data, size_t len);

/* session-transport.c: DTLS and SCTP above ICE. */
void rtc_session_transport_maybe_start(struct rtc_session *s);
void rtc_session_transport_receive(struct rtc_session *s, const uint8_t *data, size_t len);
void rtc_session_transport_pump(struct rtc_session *s);
void rtc_session_transport_timeouts(struct rtc_session *s);
uint64_t rtc_session_transport_deadline(const struct rtc_session *s);
void rtc_session_transport_free(struct rtc_session *s);

/* session-remote.c: a remote candidate to the agent, via mDNS for names. */
void rtc_session_add_remote(struct rtc_session *s, const struct rtc_sdp_candidate *c);
void rtc_session_mdns_cancel(struct rtc_session *s);
/* The peer's end-of-candidates, held back while names are being resolved. */
void rtc_session_remote_candidates_done(struct rtc_session *s);
/* Our candidate line as announced: with mdns_host_candidates, a host
 * address becomes its .local name and raddr of others 0.0.0.0 (the draft's
 * section 3.1.2). Writes into out; false keeps the line as it is. */
bool rtc_session_mdns_hide(struct rtc_session *s, const char *line, char *out, size_t size);
void rtc_session_mdns_unregister_all(struct rtc_session *s);

/* session-turn.c: relay candidates through TURN allocations. */
/* One allocation on the server at `address` (of the family it relays);
 * started by rtc_session_turn_start. */
void rtc_session_turn_add_server(struct rtc_session *s, const struct rtc_ice_server *server,
				 const struct rtc_ice_url *url,
				 const struct sockaddr_storage *address);
void rtc_session_turn_start(struct rtc_session *s);
bool rtc_session_turn_pending(const struct rtc_session *s);
/* True when the datagram came from one of our TURN servers (and was taken). */
bool rtc_session_turn_receive(struct rtc_session *s, struct rtc_session_socket *sock,
			      const uint8_t *data, size_t len, const struct sockaddr *from);
void rtc_session_turn_send(struct rtc_session *s, uint32_t socket_id,
			   const struct sockaddr_storage *to, const uint8_t *data, size_t len);
void rtc_session_turn_timeouts(struct rtc_session *s);
void rtc_session_turn_pump(struct rtc_session *s);
uint64_t rtc_session_turn_deadline(const struct rtc_session *s);
void rtc_session_turn_close(struct rtc_session *s);
void rtc_session_turn_free(struct rtc_session *s);
