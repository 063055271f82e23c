/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the session's files; not used outside daemon/session. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/pc/pc.h"
#include "session/session.h"

#define RTC_SESSION_MAX_SOCKETS 16

struct rtc_udp_socket;
struct rtc_timer;
struct rtc_session_stream;
struct rtc_session_lookup;
struct rtc_session_server_lookup;

/* A UDP socket on one local address: a host candidate, and the way to
 * the STUN and UDP TURN servers. */
struct rtc_session_socket {
	struct rtc_session *session;
	uint32_t id;                    /* the pc's socket id */
	struct rtc_udp_socket *udp;
	struct sockaddr_storage address;
};

struct rtc_session {
	struct rtc_reactor *reactor;
	const struct rtc_net_options *net;
	const struct rtc_ice_config *ice;
	const struct rtc_session_callbacks *cb;
	void *userdata;

	struct rtc_pc *pc;
	struct rtc_timer *timer;
	/* Inside rtc_session_pump: a callback that calls back into the
	 * session does not pump again; the loop under way takes what it
	 * made. */
	bool pumping;

	/* One per local address, allocated once when gathering starts: each
	 * is its UDP socket's callback data, so they never move. */
	struct rtc_session_socket *sockets;
	size_t n_sockets;
	uint32_t port_cursor;

	struct rtc_session_stream *streams;     /* TCP/TLS to TURN servers */
	struct rtc_session_lookup *lookups;     /* remote .local names being resolved */
	struct rtc_session_server_lookup *server_lookups; /* STUN/TURN names */
	/* mDNS names we registered for our host candidates, to unregister. */
	char (*mdns_names)[64];
	size_t n_mdns_names;
	bool closed;
};

/* session.c */
/* Does what the pc asks for until it is quiet, then arms the timer. */
void rtc_session_pump(struct rtc_session *s);
/* The pc is to be asked at the next reactor iteration (W3C fires events
 * after the method that caused them has returned). */
void rtc_session_schedule(struct rtc_session *s);
int rtc_session_server_address(const struct rtc_ice_url *url, int family,
			       struct sockaddr_storage *out);

/* session-stream.c: TCP, and TLS on it, to TURN servers (turn:?transport=tcp,
 * turns:); the TURN protocol on them is the pc's. */
void rtc_session_stream_open(struct rtc_session *s, uint32_t id, const struct rtc_ice_url *url,
			     const struct sockaddr_storage *server);
/* Plaintext from the pc for the stream `id`. */
void rtc_session_stream_send(struct rtc_session *s, uint32_t id, const uint8_t *data,
			     size_t len);
void rtc_session_stream_close_all(struct rtc_session *s);

/* session-remote.c: the daemon's mDNS service for the pc. */
void rtc_session_resolve_name(struct rtc_session *s, const char *name);
void rtc_session_mdns_cancel(struct rtc_session *s);
/* Registers `address` for mdns_host_candidates; the name in out (64 bytes),
 * or false to announce the address itself. */
bool rtc_session_mdns_register(struct rtc_session *s, const struct sockaddr_storage *address,
			       char *out);
void rtc_session_mdns_unregister_all(struct rtc_session *s);
