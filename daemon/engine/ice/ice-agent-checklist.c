/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The check list (RFC 8445 6.1.2): which pairs exist, in which state, and
 * which one the next Ta slot checks. One component and one data stream, so
 * one check list; trickle (RFC 8838) adds pairs while it runs.
 *
 * The pairs are kept unsorted: the list is at most ICE_MAX_PAIRS long and
 * every question asked of it ("highest Waiting pair", "any pair of this
 * foundation in flight") is one linear scan, cheaper than keeping an order
 * through role changes and trickled candidates.
 */
#include "engine/ice/ice-agent-private.h"

#include <string.h>

static uint64_t pair_priority(const struct rtc_ice_agent *agent, const struct ice_pair *p)
{
	uint32_t l = agent->local[p->local].priority, r = agent->remote[p->remote].priority;

	return agent->role == RTC_ICE_ROLE_CONTROLLING ? rtc_ice_pair_priority(l, r)
						       : rtc_ice_pair_priority(r, l);
}

/* Pairs share a foundation when both their candidates do (6.1.2.6). */
static bool same_foundation(const struct rtc_ice_agent *agent, const struct ice_pair *a,
			    const struct ice_pair *b)
{
	return strcmp(agent->local[a->local].foundation, agent->local[b->local].foundation) == 0 &&
	       strcmp(agent->remote[a->remote].foundation,
		      agent->remote[b->remote].foundation) == 0;
}

static bool foundation_busy(const struct rtc_ice_agent *agent, const struct ice_pair *p)
{
	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *o = &agent->pairs[i];

		if (o != p && (o->state == RTC_ICE_PAIR_WAITING ||
			       o->state == RTC_ICE_PAIR_IN_PROGRESS) && same_foundation(agent, o, p))
			return true;
	}
	return false;
}

/* 6.1.2.2: same family, and IPv6 link-local only with link-local. */
static bool can_pair(const struct rtc_ice_agent *agent, int local, int remote)
{
	const struct ice_candidate *l = &agent->local[local], *r = &agent->remote[remote];

	if (l->addr.sa.sa_family != r->addr.sa.sa_family)
		return false;
	if (l->addr.sa.sa_family == AF_INET6 &&
	    ice_addr_is_link_local(&l->addr) != ice_addr_is_link_local(&r->addr))
		return false;
	return ice_local_allowed(agent, l);
}

int ice_checklist_find(const struct rtc_ice_agent *agent, int local_base, int remote)
{
	for (size_t i = 0; i < agent->n_pairs; i++)
		if (agent->pairs[i].local == local_base && agent->pairs[i].remote == remote)
			return (int)i;
	return -1;
}

/* 6.1.2.5: keep at most ICE_MAX_PAIRS by dropping the lowest-priority pair
 * nobody depends on yet. Returns a free slot or -1. */
static int make_room(struct rtc_ice_agent *agent, uint64_t priority)
{
	int victim = -1;

	if (ice_array_reserve((void **)&agent->pairs, agent->n_pairs, &agent->cap_pairs,
			      sizeof(*agent->pairs), ICE_MAX_PAIRS))
		return (int)agent->n_pairs++;
	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];

		if (p->state != RTC_ICE_PAIR_FROZEN && p->state != RTC_ICE_PAIR_WAITING &&
		    p->state != RTC_ICE_PAIR_FAILED)
			continue;
		if ((int)i == agent->selected)
			continue;
		if (victim < 0 || p->priority < agent->pairs[victim].priority)
			victim = (int)i;
	}
	if (victim < 0 || agent->pairs[victim].priority >= priority)
		return -1;
	return victim;
}

static int add_pair(struct rtc_ice_agent *agent, int local_base, int remote)
{
	struct ice_pair fresh = {.local = local_base, .remote = remote};
	int slot;

	fresh.priority = pair_priority(agent, &fresh);
	slot = make_room(agent, fresh.priority);
	if (slot < 0)
		return -1;
	/* Frozen while the others are looked at: the slot may be new memory. */
	fresh.state = RTC_ICE_PAIR_FROZEN;
	agent->pairs[slot] = fresh;
	/* RFC 8838 10: a new pair waits unless a pair of its foundation is
	 * already being checked, in which case that one's result decides. */
	if (!foundation_busy(agent, &agent->pairs[slot]))
		agent->pairs[slot].state = RTC_ICE_PAIR_WAITING;
	return slot;
}

int ice_checklist_find_or_add(struct rtc_ice_agent *agent, int local_base, int remote)
{
	int pair = ice_checklist_find(agent, local_base, remote);

	if (pair >= 0)
		return pair;
	if (!can_pair(agent, local_base, remote))
		return -1;
	return add_pair(agent, local_base, remote);
}

/* 6.1.2.4: a server-reflexive candidate is checked from its base, so its
 * pairs are the host candidate's; peer-reflexive candidates of ours are
 * never paired. */
static int pairing_base(const struct rtc_ice_agent *agent, int local)
{
	const struct ice_candidate *c = &agent->local[local];

	switch (c->type) {
	case RTC_SDP_CANDIDATE_HOST:
	case RTC_SDP_CANDIDATE_RELAY:
		return local;
	case RTC_SDP_CANDIDATE_SRFLX:
		return ice_local_find(agent, &c->base);
	case RTC_SDP_CANDIDATE_PRFLX:
		break;
	}
	return -1;
}

void ice_checklist_pair_local(struct rtc_ice_agent *agent, int local)
{
	int base = pairing_base(agent, local);

	if (base < 0)
		return;
	for (size_t r = 0; r < agent->n_remote; r++)
		ice_checklist_find_or_add(agent, base, (int)r);
}

void ice_checklist_pair_remote(struct rtc_ice_agent *agent, int remote)
{
	for (size_t l = 0; l < agent->n_local; l++) {
		int base = pairing_base(agent, (int)l);

		if (base == (int)l)
			ice_checklist_find_or_add(agent, base, remote);
	}
}

void ice_checklist_recompute(struct rtc_ice_agent *agent)
{
	for (size_t i = 0; i < agent->n_pairs; i++)
		agent->pairs[i].priority = pair_priority(agent, &agent->pairs[i]);
}

void ice_checklist_trigger(struct rtc_ice_agent *agent, int pair)
{
	struct ice_pair *p = &agent->pairs[pair];

	if (p->triggered)
		return;
	p->triggered = true;
	p->triggered_seq = agent->next_triggered_seq++;
	if (p->state == RTC_ICE_PAIR_FROZEN || p->state == RTC_ICE_PAIR_FAILED)
		p->state = RTC_ICE_PAIR_WAITING;
}

void ice_checklist_unfreeze_foundation(struct rtc_ice_agent *agent, int pair)
{
	for (size_t i = 0; i < agent->n_pairs; i++) {
		struct ice_pair *o = &agent->pairs[i];

		if (o->state == RTC_ICE_PAIR_FROZEN &&
		    same_foundation(agent, o, &agent->pairs[pair]))
			o->state = RTC_ICE_PAIR_WAITING;
	}
}

static int next_triggered(const struct rtc_ice_agent *agent)
{
	int best = -1;

	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];

		if (p->triggered && (best < 0 || p->triggered_seq < agent->pairs[best].triggered_seq))
			best = (int)i;
	}
	return best;
}

static int highest_in_state(const struct rtc_ice_agent *agent, enum rtc_ice_pair_state state,
			    bool skip_busy_foundations)
{
	int best = -1;

	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];

		if (p->state != state || (skip_busy_foundations && foundation_busy(agent, p)))
			continue;
		if (best < 0 || p->priority > agent->pairs[best].priority)
			best = (int)i;
	}
	return best;
}

int ice_checklist_peek(const struct rtc_ice_agent *agent)
{
	int pair;

	/* Without the peer's password no check can be authenticated. */
	if (!agent->have_remote_creds)
		return -1;
	pair = next_triggered(agent);
	if (pair >= 0 || agent->concluded)
		return pair;
	/* 6.1.4.2: the highest Waiting pair, else unfreeze the highest Frozen
	 * one whose foundation has nothing Waiting or in flight. */
	pair = highest_in_state(agent, RTC_ICE_PAIR_WAITING, false);
	if (pair < 0)
		pair = highest_in_state(agent, RTC_ICE_PAIR_FROZEN, true);
	return pair;
}

int ice_checklist_next(struct rtc_ice_agent *agent)
{
	int pair = ice_checklist_peek(agent);

	if (pair >= 0)
		agent->pairs[pair].triggered = false;
	return pair;
}

bool ice_checklist_running(const struct rtc_ice_agent *agent)
{
	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];

		if (p->state == RTC_ICE_PAIR_IN_PROGRESS || p->triggered)
			return true;
		if (!agent->concluded &&
		    (p->state == RTC_ICE_PAIR_WAITING || p->state == RTC_ICE_PAIR_FROZEN))
			return true;
	}
	return false;
}

void ice_checklist_restart(struct rtc_ice_agent *agent)
{
	struct ice_pair kept;
	struct ice_candidate remote;

	agent->n_pairs = 0;
	agent->n_remote = 0;
	agent->concluded = false;
	agent->nominated_once = false;
	agent->first_valid_ns = 0;
	agent->remote_done = false;
	if (agent->selected < 0)
		return;
	/* The selected pair carries the media until a new one is selected; it
	 * is no longer checked, only kept alive by consent. */
	kept = agent->pairs[agent->selected];
	remote = agent->remote[kept.remote];
	agent->remote[0] = remote;
	agent->n_remote = 1;
	kept.remote = 0;
	/* It is checked again with the new credentials, which also lets the
	 * controlling agent nominate it anew if it is still the best. */
	kept.state = RTC_ICE_PAIR_WAITING;
	kept.valid = false;
	kept.nominated = false;
	kept.triggered = false;
	kept.nominating = false;
	kept.nominate_on_success = false;
	rtc_stun_transaction_cancel(&kept.check);
	agent->pairs[0] = kept;
	agent->n_pairs = 1;
	agent->selected = 0;
}
