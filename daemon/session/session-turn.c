/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Relay candidates: one TURN allocation (engine/turn) per TURN URL and
 * address family, carried over the host socket of that family (UDP), a
 * TCP connection of its own (turn:...?transport=tcp) or TLS on one (turns:). The allocation is a
 * socket of the ICE agent's like any other: what the agent sends on it is
 * wrapped for the server, and peer data the server relays comes back
 * unwrapped under the allocation's socket id.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/turn/tls-client.h"
#include "engine/turn/turn-stream.h"
#include "engine/turn/turn.h"
#include "io/reactor.h"
#include "io/tcp.h"
#include "session/session-private.h"

/* Relay sockets are numbered apart from host sockets (1..16). */
#define RELAY_SOCKET_BASE 100
/* A turns: server that takes the TCP connection but never finishes TLS
 * would hold gathering forever: neither TCP nor TLS time out by themselves. */
#define TLS_HANDSHAKE_TIMEOUT_NS (10ull * 1000000000ull)

struct rtc_session_turn {
	struct rtc_session *session;
	struct rtc_turn_client *client;
	uint32_t id;                          /* the relay candidate's socket id */
	char url[300];
	struct sockaddr_storage server;
	enum rtc_turn_transport transport;
	struct rtc_session_socket *via;       /* UDP: the host socket it uses */
	struct rtc_tcp_stream *tcp;           /* TCP and TLS */
	struct rtc_tls_client *tls;           /* TLS (turns:) */
	char host[256];                       /* the name the certificate must carry */
	uint64_t tls_deadline;
	struct rtc_turn_stream stream;
	bool connected;
	bool started;
	bool settled;                         /* allocated or failed: gathering may end */
};

static socklen_t addr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

/* Ciphertext the TLS client has for the server goes on the TCP stream. */
static void tls_flush(struct rtc_session_turn *t)
{
	uint8_t buf[16384];
	size_t n;

	while (t->tls && t->tcp && (n = rtc_tls_client_poll_transmit(t->tls, buf, sizeof(buf))))
		if (rtc_tcp_send(t->tcp, buf, n) < 0)
			rtc_debug("turn: %s: send queue full, dropped %zu bytes", t->url, n);
}

static void report_error(struct rtc_session_turn *t, uint16_t code, const char *reason)
{
	char address[INET6_ADDRSTRLEN];
	uint16_t port;

	rtc_session_address_string(&t->server, address, sizeof(address), &port);
	/* W3C: 701 when the server could not be reached at all. */
	t->session->cb->candidate_error(t->session->userdata, address, port, t->url,
					code ? code : 701, reason);
}

static void settle(struct rtc_session_turn *t)
{
	if (t->settled)
		return;
	t->settled = true;
	rtc_session_local_candidates_maybe_done(t->session);
}

static void to_server(struct rtc_session_turn *t, const uint8_t *data, size_t len)
{
	if (t->transport == RTC_TURN_OVER_UDP) {
		if (t->via)
			rtc_session_send_host(t->session, t->via, &t->server, data, len);
	} else if (t->tls && t->connected) {
		struct rtc_error err = { 0 };
		if (rtc_tls_client_write(t->tls, data, len, &err) < 0)
			rtc_debug("turn: %s: %s", t->url, err.message);
		tls_flush(t);
	} else if (t->tcp && t->connected) {
		if (rtc_tcp_send(t->tcp, data, len) < 0)
			rtc_debug("turn: %s: send queue full, dropped %zu bytes", t->url, len);
	}
}

static void handle_events(struct rtc_session_turn *t)
{
	struct rtc_session *s = t->session;
	struct rtc_turn_event ev;
	struct rtc_error err = { 0 };

	while (rtc_turn_client_poll_event(t->client, &ev)) {
		switch (ev.type) {
		case RTC_TURN_EVENT_ALLOCATED: {
			struct rtc_ice_local_candidate c = {
				.type = RTC_SDP_CANDIDATE_RELAY,
				.socket = t->id,
				.address = ev.relayed,
				.related = ev.mapped,
			};
			if (rtc_ice_agent_add_local_candidate(s->agent, &c, &err) < 0)
				rtc_warn("turn: %s: relay candidate refused: %s", t->url, err.message);
			settle(t);
			break;
		}
		case RTC_TURN_EVENT_ALLOCATION_FAILED:
		case RTC_TURN_EVENT_REFRESH_FAILED:
			rtc_info("turn: %s: %s (%u %s)", t->url,
				 ev.type == RTC_TURN_EVENT_ALLOCATION_FAILED ? "allocation failed"
									    : "allocation lost",
				 ev.error_code, ev.reason);
			report_error(t, ev.error_code, ev.reason);
			settle(t);
			break;
		case RTC_TURN_EVENT_PERMISSION_FAILED:
		case RTC_TURN_EVENT_CHANNEL_FAILED:
			rtc_debug("turn: %s: %s failed (%u %s)", t->url,
				  ev.type == RTC_TURN_EVENT_PERMISSION_FAILED ? "permission" : "channel",
				  ev.error_code, ev.reason);
			break;
		default:
			break;
		}
	}
}

static void flush(struct rtc_session_turn *t)
{
	struct rtc_turn_transmit tx;

	while (rtc_turn_client_poll_transmit(t->client, &tx))
		to_server(t, tx.data, tx.len);
	handle_events(t);
}

/* A frame from the server: a response, or data a peer sent to our relay.
 * Returns false for what the TURN client did not take (a STUN Binding
 * response to the ICE agent when the server is also its STUN server). */
static bool from_server(struct rtc_session_turn *t, const uint8_t *data, size_t len)
{
	struct rtc_session *s = t->session;
	struct rtc_turn_data in;
	enum rtc_turn_input r;

	r = rtc_turn_client_handle_receive(t->client, rtc_reactor_now(s->reactor), data, len, &in);
	if (r == RTC_TURN_INPUT_PEER_DATA)
		rtc_session_deliver(s, t->id, in.data, in.len, (struct sockaddr *)&in.peer);
	flush(t);
	return r == RTC_TURN_INPUT_HANDLED || r == RTC_TURN_INPUT_PEER_DATA;
}

/* ---- TCP ---------------------------------------------------------------- */

static void on_tcp_connected(void *userdata, struct rtc_tcp_stream *tcp, int error)
{
	struct rtc_session_turn *t = userdata;
	struct rtc_error err = { 0 };

	if (error) {
		report_error(t, 0, strerror(-error));
		rtc_tcp_close(tcp);
		t->tcp = NULL;
		settle(t);
		rtc_session_pump(t->session);
		return;
	}
	if (t->tls) {
		/* TURN starts once TLS is up (tls_events). */
		rtc_tls_client_start(t->tls);
		tls_flush(t);
		rtc_session_pump(t->session);
		return;
	}
	t->connected = true;
	if (rtc_turn_client_allocate(t->client, rtc_reactor_now(t->session->reactor), &err) < 0)
		rtc_warn("turn: %s: %s", t->url, err.message);
	flush(t);
	rtc_session_pump(t->session);
}

/* Plaintext of the stream to the server (TCP, or TLS decrypted): TURN
 * frames. False when the stream is broken (the connection is dropped). */
static bool stream_data(struct rtc_session_turn *t, const uint8_t *data, size_t len)
{
	struct rtc_error err = { 0 };
	const uint8_t *frame;
	size_t frame_len;
	enum rtc_turn_stream_result r;

	if (rtc_turn_stream_push(&t->stream, data, len, &err) < 0)
		return false;
	while ((r = rtc_turn_stream_next(&t->stream, &frame, &frame_len, &err)) ==
	       RTC_TURN_STREAM_FRAME)
		from_server(t, frame, frame_len);
	return r != RTC_TURN_STREAM_ERROR;
}

static void drop_connection(struct rtc_session_turn *t, const char *why)
{
	rtc_warn("turn: %s: %s; closing", t->url, why);
	if (!t->settled)
		report_error(t, 0, why);
	rtc_tls_client_free(t->tls);
	t->tls = NULL;
	rtc_tcp_close(t->tcp);
	t->tcp = NULL;
	t->connected = false;
	settle(t);
	rtc_session_pump(t->session);
}

/* TLS events: the handshake done (the allocation starts) or failed. */
static bool tls_events(struct rtc_session_turn *t)
{
	struct rtc_tls_client_event ev;
	struct rtc_error err = { 0 };

	while (t->tls && rtc_tls_client_poll_event(t->tls, &ev)) {
		switch (ev.type) {
		case RTC_TLS_CLIENT_EVENT_CONNECTED:
			rtc_info("turn: %s: TLS %s, %s", t->url, rtc_tls_client_version(t->tls),
				 rtc_tls_client_cipher_name(t->tls));
			t->connected = true;
			t->tls_deadline = UINT64_MAX;
			if (rtc_turn_client_allocate(t->client, rtc_reactor_now(t->session->reactor),
						     &err) < 0)
				rtc_warn("turn: %s: %s", t->url, err.message);
			flush(t);
			break;
		case RTC_TLS_CLIENT_EVENT_CLOSED:
			drop_connection(t, "the server closed TLS");
			return false;
		case RTC_TLS_CLIENT_EVENT_FAILED:
			drop_connection(t, ev.reason);
			return false;
		}
	}
	return true;
}

static void on_tcp_data(void *userdata, struct rtc_tcp_stream *tcp, const uint8_t *data,
			size_t len)
{
	struct rtc_session_turn *t = userdata;
	struct rtc_error err = { 0 };
	uint8_t plain[16384];
	size_t n;

	if (!t->tls) {
		if (!stream_data(t, data, len))
			drop_connection(t, "the server sent something that is not TURN");
		else
			rtc_session_pump(t->session);
		return;
	}
	if (rtc_tls_client_handle_receive(t->tls, data, len, &err) < 0) {
		drop_connection(t, err.message);
		return;
	}
	if (!tls_events(t))
		return;
	while (t->tls && (n = rtc_tls_client_read(t->tls, plain, sizeof(plain)))) {
		if (!stream_data(t, plain, n)) {
			drop_connection(t, "the server sent something that is not TURN");
			return;
		}
	}
	tls_flush(t);
	rtc_session_pump(t->session);
}

static void on_tcp_closed(void *userdata, struct rtc_tcp_stream *tcp, int error)
{
	struct rtc_session_turn *t = userdata;

	rtc_info("turn: %s: connection closed%s%s", t->url, error ? ": " : "",
		 error ? strerror(-error) : "");
	rtc_tcp_close(tcp);
	t->tcp = NULL;
	rtc_tls_client_free(t->tls);
	t->tls = NULL;
	t->connected = false;
	if (!t->settled)
		report_error(t, 0, "connection to the server closed");
	settle(t);
	rtc_session_pump(t->session);
}

static const struct rtc_tcp_callbacks tcp_callbacks = {
	on_tcp_connected, on_tcp_data, on_tcp_closed,
};

/* ---- the session's side ------------------------------------------------- */

void rtc_session_turn_add_server(struct rtc_session *s, const struct rtc_ice_server *server,
				 const struct rtc_ice_url *url,
				 const struct sockaddr_storage *address)
{
	struct rtc_turn_client_config config = {
		.username = server->username,
		.password = server->credential,
		.software = "rtcd",
		.address_family = address->ss_family,
	};
	struct rtc_session_socket *via = NULL;
	struct rtc_session_turn *t;
	struct rtc_error err = { 0 };

	if (s->n_turn == RTC_SESSION_MAX_TURN)
		return;
	/* The relayed address is of the server's family, reached from a host
	 * socket of that family (libwebrtc allocates per network likewise). */
	for (size_t i = 0; i < s->n_sockets && !via; i++)
		if (s->sockets[i].address.ss_family == address->ss_family)
			via = &s->sockets[i];
	if (!via)
		return;
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	t->session = s;
	t->id = RELAY_SOCKET_BASE + (uint32_t)s->n_turn;
	t->via = via;
	t->server = *address;
	snprintf(t->url, sizeof(t->url), "%s:%s%s%s:%u%s",
		 url->scheme == RTC_ICE_URL_TURNS ? "turns" : "turn",
		 strchr(url->host, ':') ? "[" : "", url->host,
		 strchr(url->host, ':') ? "]" : "", url->port,
		 url->transport == RTC_ICE_URL_TRANSPORT_TCP ? "?transport=tcp" :
		 url->transport == RTC_ICE_URL_TRANSPORT_UDP ? "?transport=udp" : "");
	snprintf(t->host, sizeof(t->host), "%s", url->host);
	t->tls_deadline = UINT64_MAX;
	if (url->scheme == RTC_ICE_URL_TURNS) {
		struct rtc_tls_client_config tls = {
			.context = s->net->tls, .host = url->host,
		};
		if (!s->net->tls || rtc_tls_client_new(&tls, &t->tls, &err) < 0) {
			report_error(t, 701, s->net->tls ? err.message : "no TLS context");
			free(t);
			return;
		}
		t->transport = RTC_TURN_OVER_TLS;
	} else {
		t->transport = url->transport == RTC_ICE_URL_TRANSPORT_TCP ? RTC_TURN_OVER_TCP
									   : RTC_TURN_OVER_UDP;
	}
	config.transport = t->transport;
	t->client = rtc_turn_client_new(&config, &err);
	if (!t->client) {
		report_error(t, 701, err.message);
		rtc_tls_client_free(t->tls);
		free(t);
		return;
	}
	rtc_turn_stream_init(&t->stream);
	s->turn[s->n_turn++] = t;
}

void rtc_session_turn_start(struct rtc_session *s)
{
	uint64_t now = rtc_reactor_now(s->reactor);

	for (size_t i = 0; i < s->n_turn; i++) {
		struct rtc_session_turn *t = s->turn[i];
		struct rtc_error err = { 0 };

		if (t->started)
			continue;
		t->started = true;
		if (t->transport == RTC_TURN_OVER_UDP) {
			if (rtc_turn_client_allocate(t->client, now, &err) < 0)
				rtc_warn("turn: %s: %s", t->url, err.message);
			flush(t);
			continue;
		}
		if (rtc_tcp_connect(s->reactor, (struct sockaddr *)&t->server, addr_len(&t->server),
				    NULL, 0, &tcp_callbacks, t, &t->tcp) < 0) {
			report_error(t, 0, "cannot connect");
			t->settled = true;
		} else if (t->tls) {
			t->tls_deadline = now + TLS_HANDSHAKE_TIMEOUT_NS;
		}
	}
}

bool rtc_session_turn_pending(const struct rtc_session *s)
{
	for (size_t i = 0; i < s->n_turn; i++)
		if (!s->turn[i]->settled)
			return true;
	return false;
}

bool rtc_session_turn_receive(struct rtc_session *s, struct rtc_session_socket *sock,
			      const uint8_t *data, size_t len, const struct sockaddr *from)
{
	for (size_t i = 0; i < s->n_turn; i++) {
		struct rtc_session_turn *t = s->turn[i];
		if (t->transport == RTC_TURN_OVER_UDP && t->via == sock &&
		    same_address(&t->server, from) && from_server(t, data, len))
			return true;
	}
	return false;
}

void rtc_session_turn_send(struct rtc_session *s, uint32_t socket_id,
			   const struct sockaddr_storage *to, const uint8_t *data, size_t len)
{
	uint64_t now = rtc_reactor_now(s->reactor);
	uint8_t wrapped[RTC_TURN_CHANNEL_HEADER_LEN + 2048 + 64];
	struct rtc_session_turn *t = NULL;
	struct rtc_error err = { 0 };
	size_t n;

	for (size_t i = 0; i < s->n_turn && !t; i++)
		if (s->turn[i]->id == socket_id)
			t = s->turn[i];
	if (!t || rtc_turn_client_state(t->client) != RTC_TURN_ALLOCATED)
		return;
	/* A channel for every peer the agent talks to: 4 bytes of overhead
	 * instead of 36, once the server confirms it (permission included). */
	if (rtc_turn_client_bind_channel(t->client, now, (const struct sockaddr *)to, NULL, &err) < 0)
		rtc_debug("turn: %s: no channel: %s", t->url, err.message);
	if (rtc_turn_client_wrap(t->client, (const struct sockaddr *)to, data, len, wrapped,
				 sizeof(wrapped), &n, &err) == 0)
		to_server(t, wrapped, n);
	flush(t);
}

void rtc_session_turn_timeouts(struct rtc_session *s)
{
	uint64_t now = rtc_reactor_now(s->reactor);

	for (size_t i = 0; i < s->n_turn; i++) {
		struct rtc_session_turn *t = s->turn[i];

		if (now >= t->tls_deadline && t->tls && !t->connected) {
			t->tls_deadline = UINT64_MAX;
			drop_connection(t, "the TLS handshake did not finish in time");
			continue;
		}
		if (now >= rtc_turn_client_deadline(t->client))
			rtc_turn_client_handle_timeout(t->client, now);
	}
}

void rtc_session_turn_pump(struct rtc_session *s)
{
	for (size_t i = 0; i < s->n_turn; i++)
		flush(s->turn[i]);
}

uint64_t rtc_session_turn_deadline(const struct rtc_session *s)
{
	uint64_t d = UINT64_MAX;

	for (size_t i = 0; i < s->n_turn; i++) {
		uint64_t t = rtc_turn_client_deadline(s->turn[i]->client);
		if (t < d)
			d = t;
		if (s->turn[i]->tls_deadline < d)
			d = s->turn[i]->tls_deadline;
	}
	return d;
}

void rtc_session_turn_close(struct rtc_session *s)
{
	uint64_t now = rtc_reactor_now(s->reactor);

	for (size_t i = 0; i < s->n_turn; i++) {
		struct rtc_session_turn *t = s->turn[i];
		/* Free the server's resources now rather than at expiry; the
		 * answer does not matter, the sockets close right after. */
		if (rtc_turn_client_state(t->client) == RTC_TURN_ALLOCATED &&
		    rtc_turn_client_release(t->client, now, NULL) == 0) {
			struct rtc_turn_transmit tx;
			while (rtc_turn_client_poll_transmit(t->client, &tx))
				to_server(t, tx.data, tx.len);
		}
		if (t->tls && t->tcp) {
			rtc_tls_client_close(t->tls);
			tls_flush(t);
		}
		if (t->tcp) {
			rtc_tcp_close(t->tcp);
			t->tcp = NULL;
		}
		t->via = NULL;
	}
}

void rtc_session_turn_free(struct rtc_session *s)
{
	for (size_t i = 0; i < s->n_turn; i++) {
		rtc_turn_client_free(s->turn[i]->client);
		rtc_tls_client_free(s->turn[i]->tls);
		rtc_turn_stream_free(&s->turn[i]->stream);
		free(s->turn[i]);
	}
	s->n_turn = 0;
}
