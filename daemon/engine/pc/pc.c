/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/pc/pc-private.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/pc/demux.h"
#include "engine/pc/pc-media.h"

/* Outputs in a row before poll_output yields to the owner's other work. */
#define BURST_LIMIT 1024

/* ---- small helpers ---------------------------------------------------------- */

void pc_address_string(const struct sockaddr_storage *a, char *buf, size_t size,
		       uint16_t *port)
{
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)a;
		inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)size);
		*port = ntohs(in->sin_port);
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, (socklen_t)size);
		*port = ntohs(in6->sin6_port);
	} else {
		snprintf(buf, size, "?");
		*port = 0;
	}
}

bool pc_same_address(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family != AF_INET6)
		return false;
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

struct rtc_pc_event *pc_event_push(struct rtc_pc *pc, enum rtc_pc_event_type type)
{
	struct pc_event_node *n;

	if (pc->closed)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n) {
		rtc_warn("pc: out of memory for an event");
		return NULL;
	}
	n->event.type = type;
	*pc->events_tail = n;
	pc->events_tail = &n->next;
	return &n->event;
}

static bool event_pop(struct rtc_pc *pc, struct rtc_pc_event *out)
{
	struct pc_event_node *n = pc->events;

	if (!n)
		return false;
	pc->events = n->next;
	if (!pc->events)
		pc->events_tail = &pc->events;
	*out = n->event;
	free(n);
	return true;
}

struct pc_scratch *pc_scratch(struct rtc_pc *pc)
{
	if (!pc->scratch)
		pc->scratch = malloc(sizeof(*pc->scratch));
	return pc->scratch;
}

void pc_farewell(struct rtc_pc *pc, const struct rtc_pc_transmit *tx)
{
	struct pc_held *h = malloc(sizeof(*h) + tx->len);

	if (!h)
		return;
	h->next = NULL;
	h->socket = tx->socket;
	h->from = tx->to;
	h->len = tx->len;
	memcpy(h->data, tx->data, tx->len);
	*pc->farewells_tail = h;
	pc->farewells_tail = &h->next;
}

static bool farewell_pop(struct rtc_pc *pc, struct rtc_pc_transmit *out)
{
	struct pc_held *h = pc->farewells;

	free(pc->farewell_out);
	pc->farewell_out = NULL;
	if (!h)
		return false;
	pc->farewells = h->next;
	if (!pc->farewells)
		pc->farewells_tail = &pc->farewells;
	pc->farewell_out = h;
	out->socket = h->socket;
	out->to = h->from;
	out->data = h->data;
	out->len = h->len;
	return true;
}

bool pc_route(struct rtc_pc *pc, uint64_t now, uint32_t socket,
	      const struct sockaddr_storage *to, const uint8_t *data, size_t len,
	      struct rtc_pc_transmit *out)
{
	struct pc_relay *r;

	if (socket < RTC_PC_RELAY_SOCKET_BASE) {
		out->socket = socket;
		out->to = *to;
		out->data = data;
		out->len = len;
		return true;
	}
	if ((r = pc_relay_by_id(pc, socket)))
		pc_relay_send(pc, now, r, to, data, len);
	return false;
}

/* ---- lifetime ------------------------------------------------------------- */

int rtc_pc_new(const struct rtc_pc_config *config, struct rtc_pc **out, struct rtc_error *err)
{
	struct rtc_jsep_config jsep_config = { .bundle_policy = config->bundle_policy,
					       .reject_media = config->reject_media,
					       .video_codec = config->video_codec };
	struct rtc_pc *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	pc->config = *config;
	pc->gathering = RTC_ICE_GATHERING_NEW;
	pc->ice_state = RTC_ICE_TRANSPORT_NEW;
	pc->dtls_state = RTC_DTLS_NEW;
	pc->events_tail = &pc->events;
	pc->farewells_tail = &pc->farewells;
	if (rtc_jsep_new(&jsep_config, &pc->jsep, err) < 0) {
		free(pc);
		return -1;
	}
	*out = pc;
	return 0;
}

void rtc_pc_close(struct rtc_pc *pc, uint64_t now)
{
	struct rtc_pc_event ev;

	if (pc->closed)
		return;
	/* The peer learns first (SCTP ABORT, close_notify), then the servers
	 * free our allocations; both still leave through poll_output. */
	pc_transport_close(pc, now);
	pc_relay_close(pc, now);
	pc->closed = true;
	while (event_pop(pc, &ev))
		;
	rtc_jsep_close(pc->jsep);
	pc_media_free(pc);
	if (pc->agent)
		rtc_ice_agent_close(pc->agent);
	pc_ice_free(pc);
	pc->ice_state = RTC_ICE_TRANSPORT_CLOSED;
}

bool rtc_pc_closed(const struct rtc_pc *pc)
{
	return pc->closed;
}

void rtc_pc_free(struct rtc_pc *pc)
{
	struct rtc_pc_event ev;

	if (!pc)
		return;
	pc_media_free(pc);
	pc_transport_free(pc);
	pc_relay_free(pc);
	pc_ice_free(pc);
	while (event_pop(pc, &ev))
		;
	while (farewell_pop(pc, &(struct rtc_pc_transmit){ 0 }))
		;
	rtc_ice_agent_free(pc->agent);
	rtc_jsep_free(pc->jsep);
	free(pc->hosts);
	free(pc->scratch);
	free(pc);
}

/* ---- signalling ------------------------------------------------------------- */

const struct rtc_jsep *rtc_pc_jsep(const struct rtc_pc *pc)
{
	return pc->jsep;
}

struct rtc_jsep *rtc_pc_jsep_mut(struct rtc_pc *pc)
{
	return pc->jsep;
}

int rtc_pc_set_local_description(struct rtc_pc *pc, uint64_t now, enum rtc_sdp_type type,
				 const char *sdp, struct rtc_error *err)
{
	if (rtc_jsep_set_local_description(pc->jsep, type, sdp, err) < 0)
		return -1;
	if (type != RTC_SDP_TYPE_ROLLBACK) {
		/* W3C: gathering starts with the local description; its failure
		 * is the engine's, not the description's. */
		struct rtc_error ice_err = { 0 };
		if (pc_ice_start(pc, &ice_err) < 0)
			rtc_warn("pc: ICE did not start: %s", ice_err.message);
		else if (pc->agent && type != RTC_SDP_TYPE_OFFER &&
			 pc_ice_follow_remote(pc, now, &ice_err) < 0)
			rtc_warn("pc: remote ICE refused: %s", ice_err.message);
	}
	pc_media_update(pc, now);
	return 0;
}

int rtc_pc_set_remote_description(struct rtc_pc *pc, uint64_t now, enum rtc_sdp_type type,
				  const char *sdp, struct rtc_error *err)
{
	struct rtc_error ice_err = { 0 };

	if (rtc_jsep_set_remote_description(pc->jsep, type, sdp, err) < 0)
		return -1;
	if (type != RTC_SDP_TYPE_ROLLBACK && pc_ice_follow_remote(pc, now, &ice_err) < 0)
		rtc_warn("pc: remote ICE refused: %s", ice_err.message);
	pc_media_update(pc, now);
	return 0;
}

int rtc_pc_add_ice_candidate(struct rtc_pc *pc, uint64_t now, const char *candidate,
			     const char *mid, int mline_index, struct rtc_error *err)
{
	struct rtc_sdp_candidate *c;
	bool ignored;
	int r;

	/* The agent first: a candidate it refuses is an error, not a line of
	 * the description (which stays bounded by what ICE takes). */
	if (rtc_jsep_check_remote_candidate(pc->jsep, candidate, mid, mline_index, &ignored,
					    err) < 0)
		return -1;
	if (ignored)
		return 0;
	if (pc->agent && candidate && *candidate) {
		if (rtc_sdp_candidate_parse(candidate, strlen(candidate), &c, err) < 0)
			return -1;
		r = pc_ice_add_remote(pc, c, err);
		rtc_sdp_candidate_free(c);
		if (r < 0)
			return -1;
	}
	if (rtc_jsep_add_remote_candidate(pc->jsep, candidate, mid, mline_index, &ignored,
					  err) < 0)
		return -1;
	if (pc->agent && (!candidate || !*candidate))
		pc_ice_remote_candidates_done(pc);
	/* Without an agent, it reads the description when it starts. */
	return 0;
}

/* ---- driving ----------------------------------------------------------------- */

void rtc_pc_handle_receive(struct rtc_pc *pc, uint64_t now, uint32_t socket,
			   const struct sockaddr *from, const uint8_t *data, size_t len)
{
	struct pc_relay *r;

	if (pc->closed || !pc->agent)
		return;
	if (socket >= RTC_PC_RELAY_SOCKET_BASE) {
		/* Only a stream to a TURN server is read under a relay's id. */
		if ((r = pc_relay_by_id(pc, socket)) && r->transport != RTC_TURN_OVER_UDP)
			pc_relay_receive_stream(pc, now, r, data, len);
		return;
	}
	/* Replies of our TURN servers arrive on the host socket that asked. */
	if (from && !pc_relay_receive_udp(pc, now, socket, from, data, len))
		pc_transport_deliver(pc, now, socket, from, data, len);
}

void rtc_pc_handle_receive_at(struct rtc_pc *pc, uint64_t now, uint64_t arrival,
			      uint32_t socket, const struct sockaddr *from,
			      const uint8_t *data, size_t len)
{
	pc->arrival = arrival <= now ? arrival : now;
	rtc_pc_handle_receive(pc, now, socket, from, data, len);
	pc->arrival = 0;
}

void rtc_pc_handle_timeout(struct rtc_pc *pc, uint64_t now)
{
	if (pc->closed)
		return;
	if (pc->agent && now >= rtc_ice_agent_deadline(pc->agent))
		rtc_ice_agent_handle_timeout(pc->agent, now);
	pc_relay_timeouts(pc, now);
	pc_transport_timeouts(pc, now);
	pc_media_timeouts(pc, now);
}

static uint64_t deadline(const struct rtc_pc *pc)
{
	uint64_t d = RTC_NEVER, t;

	if (pc->closed || !pc->agent)
		return d;
	d = rtc_ice_agent_deadline(pc->agent);
	if ((t = pc_relay_deadline(pc)) < d)
		d = t;
	if ((t = pc_transport_deadline(pc)) < d)
		d = t;
	if ((t = pc_media_deadline(pc)) < d)
		d = t;
	return d;
}

static enum rtc_pc_output_type quiet(struct rtc_pc *pc, uint64_t now, struct rtc_pc_output *out,
				     uint64_t when)
{
	pc->burst = 0;
	/* An idle connection keeps no scratch. */
	free(pc->scratch);
	pc->scratch = NULL;
	out->type = RTC_PC_OUTPUT_TIMEOUT;
	out->deadline = when;
	return out->type;
}

enum rtc_pc_output_type rtc_pc_poll_output(struct rtc_pc *pc, uint64_t now,
					   struct rtc_pc_output *out)
{
	struct pc_scratch *scratch;
	struct rtc_ice_event ice_ev;

	if (++pc->burst > BURST_LIMIT)
		return quiet(pc, now, out, now);
	for (;;) {
		if (event_pop(pc, &out->event))
			return out->type = RTC_PC_OUTPUT_EVENT;
		if (farewell_pop(pc, &out->transmit))
			return out->type = RTC_PC_OUTPUT_TRANSMIT;
		if (pc->closed || !pc->agent)
			return quiet(pc, now, out, RTC_NEVER);
		if (pc_transport_poll(pc, now, out) != RTC_PC_OUTPUT_TIMEOUT)
			return out->type;
		if (pc->events)
			continue;
		if (pc_media_poll(pc, now, out) != RTC_PC_OUTPUT_TIMEOUT)
			return out->type;
		if (pc->events)
			continue;

		if (pc_relay_poll_transmit(pc, &out->transmit))
			return out->type = RTC_PC_OUTPUT_TRANSMIT;
		if ((scratch = pc_scratch(pc)) &&
		    rtc_ice_agent_poll_transmit(pc->agent, &scratch->ice)) {
			if (pc_route(pc, now, scratch->ice.socket, &scratch->ice.to,
				     scratch->ice.data, scratch->ice.len, &out->transmit))
				return out->type = RTC_PC_OUTPUT_TRANSMIT;
			continue;
		}
		if (rtc_ice_agent_poll_event(pc->agent, &ice_ev)) {
			pc_ice_handle_event(pc, &ice_ev);
			continue;
		}
		if (pc_ice_poll_name(pc))
			continue;
		/* An allocation's relay candidate makes the agent speak. */
		if (pc_relay_poll_events(pc))
			continue;
		if (!pc->dtls) {
			pc_transport_maybe_start(pc, now);
			if (pc->dtls || pc->events)
				continue;       /* its first flight, its state */
		}
		return quiet(pc, now, out, deadline(pc));
	}
}

/* ---- state ------------------------------------------------------------------- */

const struct rtc_ice_agent *rtc_pc_ice_agent(const struct rtc_pc *pc)
{
	return pc->agent;
}

enum rtc_ice_gathering_state rtc_pc_gathering_state(const struct rtc_pc *pc)
{
	return pc->gathering;
}

enum rtc_ice_transport_state rtc_pc_ice_state(const struct rtc_pc *pc)
{
	return pc->ice_state;
}

enum rtc_dtls_state rtc_pc_dtls_state(const struct rtc_pc *pc)
{
	return pc->dtls_state;
}

void rtc_pc_stats(const struct rtc_pc *pc, struct rtc_pc_stats *out)
{
	*out = pc->stats;
}
