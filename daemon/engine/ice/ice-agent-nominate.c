/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Nomination (RFC 8445 8.1) and the selected pair. Regular nomination: the
 * controlling agent lets checks run, then repeats the check of the best
 * valid pair with USE-CANDIDATE; the controlled agent selects a pair once
 * it is both nominated by the peer and valid by its own check.
 */
#include "engine/ice/ice-agent-private.h"

#include "common/log.h"

void ice_select_pair(struct rtc_ice_agent *agent, uint64_t now, int pair)
{
	struct ice_pair *p = &agent->pairs[pair];
	struct rtc_ice_event ev = {.type = RTC_ICE_EVENT_SELECTED_PAIR};

	agent->concluded = true;
	/* This generation has its pair: the credentials of the one before
	 * are no longer needed. */
	agent->prev_local_valid = false;
	agent->prev_remote_valid = false;
	if (agent->selected == pair) {
		ice_consent_start(agent, now);
		return;
	}
	agent->selected = pair;
	ev.selected.socket = agent->local[p->local].socket;
	ice_addr_to_storage(&agent->remote[p->remote].addr, &ev.selected.remote);
	ice_agent_emit(agent, &ev);
	ice_consent_start(agent, now);
}

/* Whether the peer's nominated pair should replace the selected one: there
 * is none yet, the selected one predates a restart (it is no longer
 * nominated), or the peer nominated a better pair, as RFC 5245's aggressive
 * nomination lets older peers do. */
static bool replaces_selected(const struct rtc_ice_agent *agent, int pair)
{
	const struct ice_pair *selected;

	if (agent->selected < 0)
		return true;
	selected = &agent->pairs[agent->selected];
	return !selected->nominated || agent->pairs[pair].priority > selected->priority ||
	       agent->selected == pair;
}

static void nominated(struct rtc_ice_agent *agent, uint64_t now, int pair)
{
	struct ice_pair *p = &agent->pairs[pair];

	p->nominating = false;
	p->nominate_on_success = false;
	if (replaces_selected(agent, pair)) {
		p->nominated = true;
		ice_select_pair(agent, now, pair);
	}
}

void ice_nominate_on_valid(struct rtc_ice_agent *agent, uint64_t now, int pair)
{
	struct ice_pair *p = &agent->pairs[pair];

	if (agent->first_valid_ns == 0)
		agent->first_valid_ns = now ? now : 1;
	if (agent->role == RTC_ICE_ROLE_CONTROLLING && p->check_use_candidate)
		nominated(agent, now, pair);
	else if (agent->role == RTC_ICE_ROLE_CONTROLLED && p->nominate_on_success)
		nominated(agent, now, pair);
}

void ice_nominate_by_peer(struct rtc_ice_agent *agent, uint64_t now, int pair)
{
	struct ice_pair *p = &agent->pairs[pair];

	if (p->valid)
		nominated(agent, now, pair);
	else
		p->nominate_on_success = true;
}

int ice_best_valid(const struct rtc_ice_agent *agent)
{
	int best = -1;

	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];

		if (p->valid && p->state == RTC_ICE_PAIR_SUCCEEDED &&
		    (best < 0 || p->priority > agent->pairs[best].priority))
			best = (int)i;
	}
	return best;
}

/* A pair better than `priority` could still become valid. */
static bool better_pending(const struct rtc_ice_agent *agent, uint64_t priority)
{
	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];

		if (p->priority > priority && (p->state == RTC_ICE_PAIR_FROZEN ||
					       p->state == RTC_ICE_PAIR_WAITING ||
					       p->state == RTC_ICE_PAIR_IN_PROGRESS))
			return true;
	}
	return false;
}

static uint64_t nomination_due(const struct rtc_ice_agent *agent)
{
	uint64_t delay = ice_agent_timer(agent, agent->config.timers.nomination_delay_ns,
					 500 * RTC_ICE_NS_PER_MS);

	return agent->first_valid_ns + delay;
}

void ice_nominate_timers(struct rtc_ice_agent *agent, uint64_t now)
{
	int best;

	if (agent->role != RTC_ICE_ROLE_CONTROLLING || agent->nominated_once ||
	    agent->first_valid_ns == 0)
		return;
	best = ice_best_valid(agent);
	if (best < 0)
		return;
	/* Wait for better pairs, but not forever: a peer behind a firewall
	 * that drops our checks would hold the connection back for 40 s. */
	if (better_pending(agent, agent->pairs[best].priority) && now < nomination_due(agent))
		return;
	agent->nominated_once = true;
	agent->pairs[best].nominating = true;
	ice_checklist_trigger(agent, best);
}

uint64_t ice_nominate_deadline(const struct rtc_ice_agent *agent)
{
	/* Nothing to nominate without a valid pair, as ice_nominate_timers
	 * finds: once the nomination's check failed (the peer went away),
	 * the valid pair it was on is Failed, and a due time in the past
	 * would have the owner call handle_timeout in a loop (found by
	 * fuzz_transport). A pair that becomes valid again brings it back. */
	if (agent->role != RTC_ICE_ROLE_CONTROLLING || agent->nominated_once ||
	    agent->first_valid_ns == 0 || ice_best_valid(agent) < 0)
		return UINT64_MAX;
	return nomination_due(agent);
}
