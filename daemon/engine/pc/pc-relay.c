/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Relay candidates: one TURN allocation (engine/turn) per TURN URL and
 * address family, carried over the host socket of that family (UDP) or a
 * stream the owner connects to the server (TCP, or TLS for turns:). The
 * allocation is a socket of the ICE agent's like any other: what the agent
 * sends on it is wrapped for the server, and peer data the server relays
 * comes back unwrapped under the allocation's socket id.
 */
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/pc/pc-private.h"

struct pc_relay *pc_relay_by_id(struct rtc_pc *pc, uint32_t id)
{
	for (size_t i = 0; i < pc->n_relays; i++)
		if (pc->relays[i]->id == id)
			return pc->relays[i];
	return NULL;
}

static void report_error(struct rtc_pc *pc, const struct pc_relay *r, uint16_t code,
			 const char *reason)
{
	struct rtc_pc_event *ev = pc_event_push(pc, RTC_PC_EVENT_CANDIDATE_ERROR);

	if (!ev)
		return;
	pc_address_string(&r->server, ev->candidate_error.address,
			  sizeof(ev->candidate_error.address), &ev->candidate_error.port);
	snprintf(ev->candidate_error.url, sizeof(ev->candidate_error.url), "%s", r->url);
	/* W3C: 701 when the server could not be reached at all. */
	ev->candidate_error.code = code ? code : 701;
	snprintf(ev->candidate_error.text, sizeof(ev->candidate_error.text), "%s", reason);
}

static void settle(struct rtc_pc *pc, struct pc_relay *r)
{
	if (r->settled)
		return;
	r->settled = true;
	pc_ice_local_candidates_maybe_done(pc);
}

/* A message for the server, on the host socket or the stream. */
static bool to_server(const struct pc_relay *r, const uint8_t *data, size_t len,
		      struct rtc_pc_transmit *out)
{
	if (r->transport == RTC_TURN_OVER_UDP) {
		out->socket = r->via;
		out->to = r->server;
	} else {
		if (!r->connected)
			return false;
		out->socket = r->id;
		out->to.ss_family = AF_UNSPEC;
	}
	out->data = data;
	out->len = len;
	return true;
}

uint32_t rtc_pc_add_turn_server(struct rtc_pc *pc, uint64_t now,
				const struct rtc_ice_server *server,
				const struct rtc_ice_url *url,
				const struct sockaddr_storage *address)
{
	struct rtc_turn_client_config config = {
		.username = server->username,
		.password = server->credential,
		.software = "rtcd",
		.address_family = address->ss_family,
	};
	struct rtc_error err = { 0 };
	uint32_t via = 0;
	struct pc_relay *r;

	if (!pc->agent || pc->closed || pc->n_relays == PC_MAX_RELAYS)
		return 0;
	/* The relayed address is of the server's family, reached from a host
	 * socket of that family (libwebrtc allocates per network likewise). */
	for (size_t i = 0; i < pc->n_hosts && !via; i++)
		if (pc->hosts[i].address.ss_family == address->ss_family)
			via = pc->hosts[i].id;
	if (!via || !(r = calloc(1, sizeof(*r))))
		return 0;
	r->id = RTC_PC_RELAY_SOCKET_BASE + (uint32_t)pc->n_relays;
	r->via = via;
	r->server = *address;
	snprintf(r->url, sizeof(r->url), "%s:%s%s%s:%u%s",
		 url->scheme == RTC_ICE_URL_TURNS ? "turns" : "turn",
		 strchr(url->host, ':') ? "[" : "", url->host,
		 strchr(url->host, ':') ? "]" : "", url->port,
		 url->transport == RTC_ICE_URL_TRANSPORT_TCP ? "?transport=tcp" :
		 url->transport == RTC_ICE_URL_TRANSPORT_UDP ? "?transport=udp" : "");
	if (url->scheme == RTC_ICE_URL_TURNS)
		r->transport = RTC_TURN_OVER_TLS;
	else if (url->transport == RTC_ICE_URL_TRANSPORT_TCP)
		r->transport = RTC_TURN_OVER_TCP;
	else
		r->transport = RTC_TURN_OVER_UDP;
	config.transport = r->transport;
	r->client = rtc_turn_client_new(&config, &err);
	if (!r->client) {
		report_error(pc, r, 701, err.message);
		free(r);
		return 0;
	}
	rtc_turn_stream_init(&r->stream);
	pc->relays[pc->n_relays++] = r;
	if (r->transport == RTC_TURN_OVER_UDP &&
	    rtc_turn_client_allocate(r->client, now, &err) < 0)
		rtc_warn("pc: %s: %s", r->url, err.message);
	return r->id;
}

void rtc_pc_stream_connected(struct rtc_pc *pc, uint64_t now, uint32_t socket)
{
	struct pc_relay *r = pc_relay_by_id(pc, socket);
	struct rtc_error err = { 0 };

	if (!r || r->transport == RTC_TURN_OVER_UDP || r->connected || pc->closed)
		return;
	r->connected = true;
	if (rtc_turn_client_allocate(r->client, now, &err) < 0)
		rtc_warn("pc: %s: %s", r->url, err.message);
}

void rtc_pc_stream_failed(struct rtc_pc *pc, uint64_t now, uint32_t socket, const char *reason)
{
	struct pc_relay *r = pc_relay_by_id(pc, socket);

	if (!r || r->transport == RTC_TURN_OVER_UDP || pc->closed)
		return;
	rtc_info("pc: %s: %s", r->url, reason);
	if (!r->settled)
		report_error(pc, r, 0, reason);
	r->connected = false;
	settle(pc, r);
}

/* A frame from the server: a response, or data a peer sent to our relay.
 * False for what the TURN client did not take (a STUN Binding response to
 * the ICE agent when the server is also its STUN server). */
static bool from_server(struct rtc_pc *pc, uint64_t now, struct pc_relay *r,
			const uint8_t *data, size_t len)
{
	struct rtc_turn_data in;
	enum rtc_turn_input t = rtc_turn_client_handle_receive(r->client, now, data, len, &in);

	if (t == RTC_TURN_INPUT_PEER_DATA)
		pc_transport_deliver(pc, now, r->id, (const struct sockaddr *)&in.peer, in.data,
				     in.len);
	return t == RTC_TURN_INPUT_HANDLED || t == RTC_TURN_INPUT_PEER_DATA;
}

bool pc_relay_receive_udp(struct rtc_pc *pc, uint64_t now, uint32_t socket,
			  const struct sockaddr *from, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < pc->n_relays; i++) {
		struct pc_relay *r = pc->relays[i];
		if (r->transport == RTC_TURN_OVER_UDP && r->via == socket &&
		    pc_same_address(&r->server, from) && from_server(pc, now, r, data, len))
			return true;
	}
	return false;
}

void pc_relay_receive_stream(struct rtc_pc *pc, uint64_t now, struct pc_relay *r,
			     const uint8_t *data, size_t len)
{
	struct rtc_error err = { 0 };
	enum rtc_turn_stream_result t;
	const uint8_t *frame;
	size_t frame_len;

	if (!r->connected)
		return;
	if (rtc_turn_stream_push(&r->stream, data, len, &err) == 0) {
		while ((t = rtc_turn_stream_next(&r->stream, &frame, &frame_len, &err)) ==
		       RTC_TURN_STREAM_FRAME)
			from_server(pc, now, r, frame, frame_len);
		if (t != RTC_TURN_STREAM_ERROR)
			return;
	}
	/* Framing lost: nothing after it can be trusted. The owner drops the
	 * stream when it sees the relay fail. */
	rtc_pc_stream_failed(pc, now, r->id, "the server sent something that is not TURN");
}

void pc_relay_send(struct rtc_pc *pc, uint64_t now, struct pc_relay *r,
		   const struct sockaddr_storage *to, const uint8_t *data, size_t len)
{
	struct rtc_error err = { 0 };

	/* The client asks for the peer's permission and channel the first
	 * time and holds the data until the server confirms: what it sends
	 * comes out of pc_relay_poll_transmit. */
	if (rtc_turn_client_send(r->client, now, (const struct sockaddr *)to, data, len, &err) < 0)
		rtc_debug("pc: %s: %s", r->url, err.message);
}

bool pc_relay_poll_transmit(struct rtc_pc *pc, struct rtc_pc_transmit *out)
{
	struct rtc_turn_transmit tx;

	for (size_t i = 0; i < pc->n_relays; i++) {
		struct pc_relay *r = pc->relays[i];
		while (rtc_turn_client_poll_transmit(r->client, &tx))
			if (to_server(r, tx.data, tx.len, out))
				return true;
	}
	return false;
}

bool pc_relay_poll_events(struct rtc_pc *pc)
{
	bool any = false;

	for (size_t i = 0; i < pc->n_relays; i++) {
		struct pc_relay *r = pc->relays[i];
		struct rtc_turn_event ev;
		struct rtc_error err = { 0 };

		while (rtc_turn_client_poll_event(r->client, &ev)) {
			any = true;
			switch (ev.type) {
			case RTC_TURN_EVENT_ALLOCATED: {
				struct rtc_ice_local_candidate c = {
					.type = RTC_SDP_CANDIDATE_RELAY,
					.socket = r->id,
					.address = ev.relayed,
					.related = ev.mapped,
				};
				if (rtc_ice_agent_add_local_candidate(pc->agent, &c, &err) < 0)
					rtc_warn("pc: %s: relay candidate refused: %s", r->url,
						 err.message);
				settle(pc, r);
				break;
			}
			case RTC_TURN_EVENT_ALLOCATION_FAILED:
			case RTC_TURN_EVENT_REFRESH_FAILED:
				rtc_info("pc: %s: %s (%u %s)", r->url,
					 ev.type == RTC_TURN_EVENT_ALLOCATION_FAILED
						 ? "allocation failed" : "allocation lost",
					 ev.error_code, ev.reason);
				report_error(pc, r, ev.error_code, ev.reason);
				settle(pc, r);
				break;
			case RTC_TURN_EVENT_PERMISSION_FAILED:
			case RTC_TURN_EVENT_CHANNEL_FAILED:
				rtc_debug("pc: %s: %s failed (%u %s)", r->url,
					  ev.type == RTC_TURN_EVENT_PERMISSION_FAILED ? "permission"
										      : "channel",
					  ev.error_code, ev.reason);
				break;
			default:
				break;
			}
		}
	}
	return any;
}

bool pc_relays_pending(const struct rtc_pc *pc)
{
	for (size_t i = 0; i < pc->n_relays; i++)
		if (!pc->relays[i]->settled)
			return true;
	return false;
}

void pc_relay_timeouts(struct rtc_pc *pc, uint64_t now)
{
	for (size_t i = 0; i < pc->n_relays; i++)
		if (now >= rtc_turn_client_deadline(pc->relays[i]->client))
			rtc_turn_client_handle_timeout(pc->relays[i]->client, now);
}

uint64_t pc_relay_deadline(const struct rtc_pc *pc)
{
	uint64_t d = RTC_NEVER;

	for (size_t i = 0; i < pc->n_relays; i++) {
		uint64_t t = rtc_turn_client_deadline(pc->relays[i]->client);
		if (t < d)
			d = t;
	}
	return d;
}

void pc_relay_close(struct rtc_pc *pc, uint64_t now)
{
	for (size_t i = 0; i < pc->n_relays; i++) {
		struct pc_relay *r = pc->relays[i];
		struct rtc_turn_transmit tx;
		struct rtc_pc_transmit out;

		/* What waits for the peer (a close_notify) first; then free the
		 * server's resources now rather than at expiry: the answer
		 * does not matter, the sockets close right after. */
		for (int pass = 0; pass < 2; pass++) {
			while (rtc_turn_client_poll_transmit(r->client, &tx))
				if (to_server(r, tx.data, tx.len, &out))
					pc_farewell(pc, &out);
			if (pass || rtc_turn_client_state(r->client) != RTC_TURN_ALLOCATED ||
			    rtc_turn_client_release(r->client, now, NULL) < 0)
				break;
		}
	}
}

void pc_relay_free(struct rtc_pc *pc)
{
	for (size_t i = 0; i < pc->n_relays; i++) {
		rtc_turn_client_free(pc->relays[i]->client);
		rtc_turn_stream_free(&pc->relays[i]->stream);
		free(pc->relays[i]);
	}
	pc->n_relays = 0;
}
