/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Streams to TURN servers: a TCP connection (turn:...?transport=tcp), with
 * TLS on it for turns: (engine/turn/tls-client, checked against the URL's
 * host). A stream carries bytes; the TURN protocol on it — framing,
 * allocations, what goes to which peer — is the pc's, under the relay's
 * socket id.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/turn/tls-client.h"
#include "io/reactor.h"
#include "io/tcp.h"
#include "session/session-private.h"

/* A turns: server that takes the TCP connection but never finishes TLS
 * would hold gathering forever: neither TCP nor TLS time out by themselves. */
#define TLS_HANDSHAKE_TIMEOUT_NS (10ull * 1000000000ull)

struct rtc_session_stream {
	struct rtc_session_stream *next;
	struct rtc_session *session;
	uint32_t id;                          /* the pc's relay socket */
	struct rtc_tcp_stream *tcp;
	struct rtc_tls_client *tls;           /* turns: only */
	struct rtc_timer *tls_timer;
	bool up;
};

static struct rtc_session_stream *find(struct rtc_session *s, uint32_t id)
{
	for (struct rtc_session_stream *st = s->streams; st; st = st->next)
		if (st->id == id)
			return st;
	return NULL;
}

/* Ciphertext the TLS client has for the server goes on the TCP stream. */
static void tls_flush(struct rtc_session_stream *st)
{
	uint8_t buf[16384];
	size_t n;

	while (st->tls && st->tcp && (n = rtc_tls_client_poll_transmit(st->tls, buf, sizeof(buf))))
		if (rtc_tcp_send(st->tcp, buf, n) < 0)
			rtc_debug("session: stream %u: send queue full, dropped %zu bytes", st->id, n);
}

static void disconnect(struct rtc_session_stream *st)
{
	rtc_tls_client_free(st->tls);
	st->tls = NULL;
	rtc_tcp_close(st->tcp);
	st->tcp = NULL;
	rtc_timer_free(st->tls_timer);
	st->tls_timer = NULL;
	st->up = false;
}

static void fail(struct rtc_session_stream *st, const char *why)
{
	struct rtc_session *s = st->session;
	char reason[256];

	/* why may live in the TLS client that goes now. */
	snprintf(reason, sizeof(reason), "%s", why);
	rtc_warn("session: stream to a TURN server (relay %u): %s; closing", st->id, reason);
	disconnect(st);
	rtc_pc_stream_failed(s->pc, rtc_reactor_now(s->reactor), st->id, reason);
	rtc_session_pump(s);
}

static void set_up(struct rtc_session_stream *st)
{
	struct rtc_session *s = st->session;

	st->up = true;
	rtc_timer_free(st->tls_timer);
	st->tls_timer = NULL;
	rtc_pc_stream_connected(s->pc, rtc_reactor_now(s->reactor), st->id);
	rtc_session_pump(s);
}

static void on_tls_timeout(void *userdata)
{
	fail(userdata, "the TLS handshake did not finish in time");
}

static void on_tcp_connected(void *userdata, struct rtc_tcp_stream *tcp, int error)
{
	struct rtc_session_stream *st = userdata;

	if (error) {
		fail(st, strerror(-error));
		return;
	}
	if (!st->tls) {
		set_up(st);
		return;
	}
	/* TURN starts once TLS is up (tls_events). */
	rtc_tls_client_start(st->tls);
	tls_flush(st);
}

/* TLS events: the handshake done, or failed. False when the stream is gone. */
static bool tls_events(struct rtc_session_stream *st)
{
	struct rtc_tls_client_event ev;

	while (st->tls && rtc_tls_client_poll_event(st->tls, &ev)) {
		switch (ev.type) {
		case RTC_TLS_CLIENT_EVENT_CONNECTED:
			rtc_info("session: relay %u: TLS %s, %s", st->id,
				 rtc_tls_client_version(st->tls), rtc_tls_client_cipher_name(st->tls));
			set_up(st);
			break;
		case RTC_TLS_CLIENT_EVENT_CLOSED:
			fail(st, "the server closed TLS");
			return false;
		case RTC_TLS_CLIENT_EVENT_FAILED:
			fail(st, ev.reason);
			return false;
		}
	}
	return true;
}

static void on_tcp_data(void *userdata, struct rtc_tcp_stream *tcp, const uint8_t *data,
			size_t len)
{
	struct rtc_session_stream *st = userdata;
	struct rtc_session *s = st->session;
	struct rtc_error err = { 0 };
	uint8_t plain[16384];
	size_t n;

	if (!st->tls) {
		rtc_pc_handle_receive(s->pc, rtc_reactor_now(s->reactor), st->id, NULL, data, len);
		rtc_session_pump(s);
		return;
	}
	if (rtc_tls_client_handle_receive(st->tls, data, len, &err) < 0) {
		fail(st, err.message);
		return;
	}
	if (!tls_events(st))
		return;
	while (st->tls && (n = rtc_tls_client_read(st->tls, plain, sizeof(plain))))
		rtc_pc_handle_receive(s->pc, rtc_reactor_now(s->reactor), st->id, NULL, plain, n);
	tls_flush(st);
	rtc_session_pump(s);
}

static void on_tcp_closed(void *userdata, struct rtc_tcp_stream *tcp, int error)
{
	struct rtc_session_stream *st = userdata;

	fail(st, error ? strerror(-error) : "connection to the server closed");
}

static const struct rtc_tcp_callbacks tcp_callbacks = {
	on_tcp_connected, on_tcp_data, on_tcp_closed,
};

void rtc_session_stream_open(struct rtc_session *s, uint32_t id, const struct rtc_ice_url *url,
			     const struct sockaddr_storage *server)
{
	struct rtc_session_stream *st = calloc(1, sizeof(*st));
	struct rtc_error err = { 0 };
	socklen_t len = server->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						     : sizeof(struct sockaddr_in6);

	if (!st) {
		rtc_pc_stream_failed(s->pc, rtc_reactor_now(s->reactor), id, "out of memory");
		return;
	}
	st->session = s;
	st->id = id;
	st->next = s->streams;
	s->streams = st;
	if (url->scheme == RTC_ICE_URL_TURNS) {
		struct rtc_tls_client_config tls = { .context = s->net->tls, .host = url->host };

		if (!s->net->tls || rtc_tls_client_new(&tls, &st->tls, &err) < 0) {
			rtc_pc_stream_failed(s->pc, rtc_reactor_now(s->reactor), id,
					     s->net->tls ? err.message : "no TLS context");
			return;
		}
		st->tls_timer = rtc_timer_new(s->reactor, on_tls_timeout, st);
		if (st->tls_timer)
			rtc_timer_arm(st->tls_timer,
				      rtc_reactor_now(s->reactor) + TLS_HANDSHAKE_TIMEOUT_NS);
	}
	if (rtc_tcp_connect(s->reactor, (const struct sockaddr *)server, len, NULL, 0,
			    &tcp_callbacks, st, &st->tcp) < 0) {
		disconnect(st);
		rtc_pc_stream_failed(s->pc, rtc_reactor_now(s->reactor), id, "cannot connect");
	}
}

void rtc_session_stream_send(struct rtc_session *s, uint32_t id, const uint8_t *data,
			     size_t len)
{
	struct rtc_session_stream *st = find(s, id);
	struct rtc_error err = { 0 };

	if (!st || !st->up || !st->tcp)
		return;
	if (st->tls) {
		if (rtc_tls_client_write(st->tls, data, len, &err) < 0)
			rtc_debug("session: relay %u: %s", id, err.message);
		tls_flush(st);
	} else if (rtc_tcp_send(st->tcp, data, len) < 0) {
		rtc_debug("session: relay %u: send queue full, dropped %zu bytes", id, len);
	}
}

void rtc_session_stream_close_all(struct rtc_session *s)
{
	while (s->streams) {
		struct rtc_session_stream *st = s->streams;

		s->streams = st->next;
		if (st->tls && st->tcp) {
			rtc_tls_client_close(st->tls);
			tls_flush(st);
		}
		disconnect(st);
		free(st);
	}
}
