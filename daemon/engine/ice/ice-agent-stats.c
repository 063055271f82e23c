/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * W3C RTCIceCandidateStats and RTCIceCandidatePairStats from the agent's
 * candidates and pairs. Ids are built from numbers that never change for a
 * candidate, so a client can follow one across GetStats calls.
 */
#include "engine/ice/ice-agent-private.h"

#include <stdio.h>
#include <string.h>

size_t rtc_ice_agent_local_candidate_count(const struct rtc_ice_agent *agent)
{
	return agent->n_local;
}

size_t rtc_ice_agent_remote_candidate_count(const struct rtc_ice_agent *agent)
{
	return agent->n_remote;
}

size_t rtc_ice_agent_pair_count(const struct rtc_ice_agent *agent)
{
	return agent->n_pairs;
}

static void candidate_id(char *out, bool remote, const struct ice_candidate *c)
{
	snprintf(out, RTC_ICE_STATS_ID_MAX, "I%c%u", remote ? 'R' : 'L', c->stats_id);
}

static void fill_candidate(const struct ice_candidate *c, bool remote,
			   struct rtc_ice_candidate_stats *out)
{
	memset(out, 0, sizeof(*out));
	candidate_id(out->id, remote, c);
	out->remote = remote;
	ice_addr_format(&c->addr, out->address, sizeof(out->address), &out->port);
	out->protocol = "udp";
	out->type = c->type;
	out->priority = c->priority;
	memcpy(out->foundation, c->foundation, sizeof(out->foundation));
	if (c->related.sa.sa_family != AF_UNSPEC)
		ice_addr_format(&c->related, out->related_address, sizeof(out->related_address),
				&out->related_port);
}

int rtc_ice_agent_local_candidate_stats(const struct rtc_ice_agent *agent, size_t index,
					struct rtc_ice_candidate_stats *out)
{
	if (index >= agent->n_local)
		return -1;
	fill_candidate(&agent->local[index], false, out);
	return 0;
}

int rtc_ice_agent_remote_candidate_stats(const struct rtc_ice_agent *agent, size_t index,
					 struct rtc_ice_candidate_stats *out)
{
	if (index >= agent->n_remote)
		return -1;
	fill_candidate(&agent->remote[index], true, out);
	return 0;
}

int rtc_ice_agent_pair_stats(const struct rtc_ice_agent *agent, size_t index,
			     struct rtc_ice_pair_stats *out)
{
	const struct ice_pair *p;

	if (index >= agent->n_pairs)
		return -1;
	p = &agent->pairs[index];
	memset(out, 0, sizeof(*out));
	candidate_id(out->local_id, false, &agent->local[p->local]);
	candidate_id(out->remote_id, true, &agent->remote[p->remote]);
	snprintf(out->id, sizeof(out->id), "CP%u_%u", agent->local[p->local].stats_id,
		 agent->remote[p->remote].stats_id);
	out->state = p->state;
	out->nominated = p->nominated;
	/* W3C selectedCandidatePairId: the pair packets are sent on. */
	out->selected = (int)index == ice_agent_data_pair(agent);
	out->priority = p->priority;
	out->requests_sent = p->requests_sent;
	out->requests_received = p->requests_received;
	out->responses_sent = p->responses_sent;
	out->responses_received = p->responses_received;
	out->consent_requests_sent = p->consent_requests_sent;
	out->bytes_sent = p->bytes_sent;
	out->bytes_received = p->bytes_received;
	out->total_round_trip_time = (double)p->rtt_total_ns / 1e9;
	out->current_round_trip_time = p->rtt_measured ? (double)p->rtt_last_ns / 1e9 : -1.0;
	out->last_request_ns = p->last_request_ns;
	out->last_response_ns = p->last_response_ns;
	return 0;
}
