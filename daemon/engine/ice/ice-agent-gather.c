/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Server-reflexive candidates (RFC 8445 5.1.1.2): a Binding request from
 * every host socket to every STUN server of its family, paced by Ta like
 * the checks. The mapped address in the answer is the candidate; its base
 * is the host candidate it was sent from.
 *
 * The requests give up sooner than RFC 8489's 39.5 s (sends at 0, 0.5, 1.5
 * and 3.5 s, given up at 5.5 s): gathering "complete" waits for them, and a
 * server that does not answer within seconds is not going to help a call.
 */
#include "engine/ice/ice-agent-private.h"

#include <stdio.h>
#include <string.h>

static const struct rtc_stun_rto_params gather_rto = {
	.rto_ns = 500 * RTC_ICE_NS_PER_MS,
	.rc = 4,
	.rm = 4,
};

void ice_gather_start(struct rtc_ice_agent *agent)
{
	/* Relay-only: the server-reflexive candidates would not be used. */
	if (agent->config.policy == RTC_ICE_TRANSPORT_POLICY_RELAY)
		return;
	for (size_t l = 0; l < agent->n_local; l++) {
		if (agent->local[l].type != RTC_SDP_CANDIDATE_HOST)
			continue;
		for (size_t s = 0; s < agent->n_servers; s++) {
			bool exists = false;

			if (agent->servers[s].sa.sa_family != agent->local[l].addr.sa.sa_family)
				continue;
			for (size_t g = 0; g < agent->n_gathers && !exists; g++)
				exists = agent->gathers[g].local == (int)l &&
					 agent->gathers[g].server == (int)s;
			/* Full (or out of memory): this pair goes without. */
			if (exists || !ice_array_reserve((void **)&agent->gathers, agent->n_gathers,
							 &agent->cap_gathers,
							 sizeof(*agent->gathers),
							 ICE_MAX_GATHERS))
				continue;
			agent->gathers[agent->n_gathers++] = (struct ice_gather){
				.local = (int)l, .server = (int)s,
				.t = {.state = RTC_STUN_TRANSACTION_IDLE},
			};
		}
	}
}

static void transmit_request(struct rtc_ice_agent *agent, const struct ice_gather *g)
{
	uint8_t buf[RTC_ICE_MAX_PACKET];
	struct rtc_stun_builder b;
	size_t len;

	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING, RTC_STUN_REQUEST, g->t.tid);
	rtc_stun_builder_add_fingerprint(&b);
	if (rtc_stun_builder_finish(&b, &len) == RTC_STUN_OK)
		ice_agent_transmit(agent, agent->local[g->local].socket,
				   &agent->servers[g->server], buf, len);
}

bool ice_gather_has_unsent(const struct rtc_ice_agent *agent)
{
	for (size_t g = 0; g < agent->n_gathers; g++)
		if (agent->gathers[g].t.state == RTC_STUN_TRANSACTION_IDLE)
			return true;
	return false;
}

bool ice_gather_send_next(struct rtc_ice_agent *agent, uint64_t now)
{
	for (size_t i = 0; i < agent->n_gathers; i++) {
		struct ice_gather *g = &agent->gathers[i];
		uint8_t tid[RTC_STUN_TID_LEN];

		if (g->t.state != RTC_STUN_TRANSACTION_IDLE)
			continue;
		if (rtc_stun_tid_generate(tid) != RTC_STUN_OK)
			return false;
		rtc_stun_transaction_start(&g->t, tid, now, &gather_rto);
		transmit_request(agent, g);
		return true;
	}
	return false;
}

static void candidate_error(struct rtc_ice_agent *agent, const struct ice_gather *g,
			    uint16_t code, const char *text)
{
	struct rtc_ice_event ev = {.type = RTC_ICE_EVENT_CANDIDATE_ERROR};

	ice_addr_to_storage(&agent->servers[g->server], &ev.candidate_error.server);
	ev.candidate_error.code = code;
	snprintf(ev.candidate_error.text, sizeof(ev.candidate_error.text), "%s", text);
	ice_agent_emit(agent, &ev);
}

void ice_gather_timers(struct rtc_ice_agent *agent, uint64_t now)
{
	for (size_t i = 0; i < agent->n_gathers; i++) {
		struct ice_gather *g = &agent->gathers[i];

		switch (rtc_stun_transaction_poll(&g->t, now)) {
		case RTC_STUN_TRANSACTION_WAIT:
			break;
		case RTC_STUN_TRANSACTION_RETRANSMIT:
			transmit_request(agent, g);
			break;
		case RTC_STUN_TRANSACTION_TIMEOUT:
			/* W3C: 701 when the server could not be reached. */
			candidate_error(agent, g, 701, "STUN server did not answer");
			break;
		}
	}
}

uint64_t ice_gather_deadline(const struct rtc_ice_agent *agent)
{
	uint64_t deadline = UINT64_MAX;

	for (size_t i = 0; i < agent->n_gathers; i++) {
		uint64_t d = rtc_stun_transaction_deadline(&agent->gathers[i].t);

		if (d < deadline)
			deadline = d;
	}
	return deadline;
}

bool ice_gather_pending(const struct rtc_ice_agent *agent)
{
	for (size_t i = 0; i < agent->n_gathers; i++) {
		enum rtc_stun_transaction_state s = agent->gathers[i].t.state;

		if (s == RTC_STUN_TRANSACTION_IDLE || s == RTC_STUN_TRANSACTION_PENDING)
			return true;
	}
	return false;
}

static void learn_srflx(struct rtc_ice_agent *agent, const struct ice_gather *g,
			const struct rtc_stun_msg *msg)
{
	const struct ice_candidate *base = &agent->local[g->local];
	union ice_addr mapped, base_addr = base->addr;
	struct sockaddr_storage answer;
	uint16_t local_pref = (uint16_t)(base->priority >> 8);
	int index;

	if (rtc_stun_msg_get_address(msg, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, &answer, NULL) !=
		    RTC_STUN_OK &&
	    rtc_stun_msg_get_address(msg, RTC_STUN_ATTR_MAPPED_ADDRESS, &answer, NULL) !=
		    RTC_STUN_OK)
		return;
	if (!ice_addr_copy(&mapped, (const struct sockaddr *)&answer) ||
	    mapped.sa.sa_family != base_addr.sa.sa_family)
		return;
	index = ice_local_find(agent, &mapped);
	if (index >= 0 && agent->local[index].type == RTC_SDP_CANDIDATE_PRFLX) {
		/* A check found the mapping first: the candidate is the same,
		 * but as server-reflexive it is worth announcing. */
		struct ice_candidate *c = &agent->local[index];

		c->type = RTC_SDP_CANDIDATE_SRFLX;
		c->server = g->server;
		c->related = base_addr;
		c->priority = rtc_ice_candidate_priority(RTC_SDP_CANDIDATE_SRFLX, local_pref,
							 ICE_COMPONENT);
		ice_local_refoundation(agent, index);
	} else if (index >= 0) {
		/* 5.1.3: the same address as a candidate we have (no NAT in the
		 * way, or a second server saying the same) is redundant. */
		return;
	} else {
		index = ice_local_add(agent, RTC_SDP_CANDIDATE_SRFLX, base->socket, &mapped,
				      &base_addr, &base_addr, local_pref, g->server);
		if (index < 0)
			return;
	}
	ice_local_announce(agent, index);
	ice_checklist_pair_local(agent, index);
}

bool ice_gather_handle_response(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
				const union ice_addr *from,
				const struct rtc_stun_msg *msg)
{
	for (size_t i = 0; i < agent->n_gathers; i++) {
		struct ice_gather *g = &agent->gathers[i];
		uint16_t code = 0;
		char reason[96] = "";

		if (g->t.state != RTC_STUN_TRANSACTION_PENDING ||
		    memcmp(g->t.tid, msg->tid, RTC_STUN_TID_LEN) != 0)
			continue;
		/* The answer must come from the server to the socket we asked
		 * on; anything else is spoofed and left for the real one. */
		if (!ice_addr_equal(from, &agent->servers[g->server]) ||
		    socket != agent->local[g->local].socket)
			return true;
		rtc_stun_transaction_matches(&g->t, msg);
		if (msg->cls == RTC_STUN_SUCCESS) {
			learn_srflx(agent, g, msg);
		} else {
			rtc_stun_msg_get_error_code(msg, &code, reason, sizeof(reason), NULL);
			candidate_error(agent, g, code, reason[0] ? reason : "STUN error");
		}
		return true;
	}
	return false;
}
