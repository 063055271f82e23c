/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connectivity checks (RFC 8445 7): Binding requests on pairs, their
 * answers, and the peer's requests with what they teach us: peer-reflexive
 * candidates, triggered checks, nominations and role conflicts.
 */
#include "engine/ice/ice-agent-private.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"

/* 14.3: RTO = MAX(500 ms, Ta * (pairs Waiting or In-Progress)), so a long
 * list does not flood the path with retransmissions. */
static struct rtc_stun_rto_params check_rto(const struct rtc_ice_agent *agent)
{
	struct rtc_stun_rto_params params = rtc_stun_rto_default;
	uint64_t busy = 0, ta = ice_agent_timer(agent, agent->config.timers.ta_ns,
						50 * RTC_ICE_NS_PER_MS);

	for (size_t i = 0; i < agent->n_pairs; i++)
		if (agent->pairs[i].state == RTC_ICE_PAIR_WAITING ||
		    agent->pairs[i].state == RTC_ICE_PAIR_IN_PROGRESS)
			busy++;
	if (busy * ta > params.rto_ns)
		params.rto_ns = busy * ta;
	return params;
}

/* False without a password: the peer's may not have come yet. */
static bool short_term_key(struct rtc_stun_key *key, const char *pwd)
{
	return pwd && rtc_stun_key_short_term(key, pwd, NULL) == RTC_STUN_OK;
}

void ice_check_transmit_request(struct rtc_ice_agent *agent, int pair,
				const uint8_t tid[RTC_STUN_TID_LEN], bool use_candidate)
{
	const struct ice_pair *p = &agent->pairs[pair];
	const struct ice_candidate *local = &agent->local[p->local];
	const struct ice_candidate *remote = &agent->remote[p->remote];
	char username[2 * RTC_ICE_CREDENTIAL_MAX + 2];
	uint8_t buf[RTC_ICE_MAX_PACKET];
	struct rtc_stun_builder b;
	struct rtc_stun_key key;
	size_t len;
	/* 7.1.1: the priority a peer-reflexive candidate learnt from this
	 * check would have: same local preference, prflx type preference. */
	uint32_t prflx = rtc_ice_candidate_priority(RTC_SDP_CANDIDATE_PRFLX,
						    (uint16_t)(local->priority >> 8), ICE_COMPONENT);

	if (!short_term_key(&key, agent->remote_pwd))
		return;
	snprintf(username, sizeof(username), "%s:%s", agent->remote_ufrag,
		 agent->local_creds.ufrag);
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING, RTC_STUN_REQUEST, tid);
	rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_USERNAME, username);
	rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_PRIORITY, prflx);
	rtc_stun_builder_add_u64(&b, agent->role == RTC_ICE_ROLE_CONTROLLING
					     ? RTC_STUN_ATTR_ICE_CONTROLLING
					     : RTC_STUN_ATTR_ICE_CONTROLLED,
				 agent->tie_breaker);
	if (use_candidate)
		rtc_stun_builder_add_flag(&b, RTC_STUN_ATTR_USE_CANDIDATE);
	rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA1);
	rtc_stun_builder_add_fingerprint(&b);
	if (rtc_stun_builder_finish(&b, &len) != RTC_STUN_OK) {
		rtc_warn("ice: cannot build a Binding request: %s",
			 rtc_stun_status_text(b.status));
		return;
	}
	ice_agent_transmit(agent, local->socket, &remote->addr, buf, len);
}

void ice_check_send(struct rtc_ice_agent *agent, uint64_t now, int pair)
{
	struct ice_pair *p = &agent->pairs[pair];
	struct rtc_stun_rto_params params = check_rto(agent);
	uint8_t tid[RTC_STUN_TID_LEN];

	if (rtc_stun_tid_generate(tid) != RTC_STUN_OK)
		return;   /* the CSPRNG failed; the next slot tries again */
	p->state = RTC_ICE_PAIR_IN_PROGRESS;
	p->check_use_candidate = p->nominating && agent->role == RTC_ICE_ROLE_CONTROLLING;
	p->check_role = agent->role;
	p->check_first_sent_ns = now;
	rtc_stun_transaction_start(&p->check, tid, now, &params);
	p->requests_sent++;
	p->last_request_ns = now;
	ice_check_transmit_request(agent, pair, tid, p->check_use_candidate);
}

static void check_failed(struct rtc_ice_agent *agent, int pair)
{
	struct ice_pair *p = &agent->pairs[pair];

	p->state = RTC_ICE_PAIR_FAILED;
	if (p->check_use_candidate) {
		/* The nomination did not get through: another pair may. */
		p->nominating = false;
		agent->nominated_once = false;
	}
}

void ice_check_timers(struct rtc_ice_agent *agent, uint64_t now)
{
	for (size_t i = 0; i < agent->n_pairs; i++) {
		struct ice_pair *p = &agent->pairs[i];

		if (p->state != RTC_ICE_PAIR_IN_PROGRESS)
			continue;
		switch (rtc_stun_transaction_poll(&p->check, now)) {
		case RTC_STUN_TRANSACTION_WAIT:
			break;
		case RTC_STUN_TRANSACTION_RETRANSMIT:
			p->requests_sent++;
			p->last_request_ns = now;
			ice_check_transmit_request(agent, (int)i, p->check.tid,
						   p->check_use_candidate);
			break;
		case RTC_STUN_TRANSACTION_TIMEOUT:
			check_failed(agent, (int)i);
			break;
		}
	}
}

uint64_t ice_check_deadline(const struct rtc_ice_agent *agent)
{
	uint64_t deadline = UINT64_MAX;

	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];
		uint64_t d;

		if (p->state != RTC_ICE_PAIR_IN_PROGRESS)
			continue;
		d = rtc_stun_transaction_deadline(&p->check);
		if (d < deadline)
			deadline = d;
	}
	return deadline;
}

void ice_agent_switch_role(struct rtc_ice_agent *agent, enum rtc_ice_role role)
{
	struct rtc_ice_event ev = {.type = RTC_ICE_EVENT_ROLE_CHANGED, .role = role};

	if (agent->role == role)
		return;
	agent->role = role;
	agent->nominated_once = false;
	for (size_t i = 0; i < agent->n_pairs; i++)
		agent->pairs[i].nominating = false;
	ice_checklist_recompute(agent);
	ice_agent_emit(agent, &ev);
}

bool ice_check_response_authentic(const struct rtc_ice_agent *agent,
				  const struct rtc_stun_msg *msg)
{
	struct rtc_stun_key key;

	if (short_term_key(&key, agent->remote_pwd) &&
	    rtc_stun_msg_check_integrity(msg, &key) == RTC_STUN_OK)
		return true;
	return agent->prev_remote_valid && short_term_key(&key, agent->prev_remote_pwd) &&
	       rtc_stun_msg_check_integrity(msg, &key) == RTC_STUN_OK;
}

/* 7.2.5.3.1: a mapped address we do not know is a peer-reflexive candidate
 * of ours. It is not signalled and not paired: checks keep going from its
 * base, which is all that sending needs, and the pair that was checked is
 * the one that becomes valid (as libwebrtc and Pion do). */
static void learn_local_prflx(struct rtc_ice_agent *agent, const struct ice_pair *p,
			      const struct rtc_stun_msg *msg)
{
	const struct ice_candidate *base = &agent->local[p->local];
	struct sockaddr_storage xor_mapped;
	union ice_addr mapped;

	if (rtc_stun_msg_get_address(msg, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, &xor_mapped, NULL) !=
		    RTC_STUN_OK ||
	    !ice_addr_copy(&mapped, (const struct sockaddr *)&xor_mapped))
		return;
	if (mapped.sa.sa_family != base->addr.sa.sa_family || ice_local_find(agent, &mapped) >= 0)
		return;
	ice_local_add(agent, RTC_SDP_CANDIDATE_PRFLX, base->socket, &mapped, &base->addr, NULL,
		      (uint16_t)(base->priority >> 8), -1);
}

static void check_succeeded(struct rtc_ice_agent *agent, uint64_t now, int pair,
			    const struct rtc_stun_msg *msg)
{
	struct ice_pair *p = &agent->pairs[pair];

	learn_local_prflx(agent, p, msg);
	p = &agent->pairs[pair];
	p->responses_received++;
	p->last_response_ns = now;
	/* With retransmissions the answer may be to any copy; the time since
	 * the latest send is the honest lower bound. */
	p->rtt_last_ns = now - (p->check.sent > 1 ? p->check.deadline_ns - p->check.interval_ns
						   : p->check_first_sent_ns);
	p->rtt_total_ns += p->rtt_last_ns;
	p->rtt_measured = true;
	p->state = RTC_ICE_PAIR_SUCCEEDED;
	p->valid = true;
	ice_checklist_unfreeze_foundation(agent, pair);
	ice_nominate_on_valid(agent, now, pair);
}

static void check_error(struct rtc_ice_agent *agent, int pair, const struct rtc_stun_msg *msg)
{
	struct ice_pair *p = &agent->pairs[pair];
	uint16_t code = 0;

	rtc_stun_msg_get_error_code(msg, &code, NULL, 0, NULL);
	if (code != 487) {
		rtc_debug("ice: check answered with error %u", code);
		check_failed(agent, pair);
		return;
	}
	/* 7.2.5.1: role conflict. Switch unless we already did since sending,
	 * and check the pair again in the new role. */
	if (p->check_role == agent->role)
		ice_agent_switch_role(agent, agent->role == RTC_ICE_ROLE_CONTROLLING
						     ? RTC_ICE_ROLE_CONTROLLED
						     : RTC_ICE_ROLE_CONTROLLING);
	p->state = RTC_ICE_PAIR_WAITING;
	ice_checklist_trigger(agent, pair);
}

bool ice_check_handle_response(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
			       const union ice_addr *from, const struct rtc_stun_msg *msg)
{
	for (size_t i = 0; i < agent->n_pairs; i++) {
		struct ice_pair *p = &agent->pairs[i];

		if (p->state != RTC_ICE_PAIR_IN_PROGRESS ||
		    memcmp(p->check.tid, msg->tid, RTC_STUN_TID_LEN) != 0)
			continue;
		/* An answer that fails integrity is someone else's forgery: it
		 * must not end the transaction (7.2.5.2). */
		if (!ice_check_response_authentic(agent, msg))
			return true;
		rtc_stun_transaction_matches(&p->check, msg);
		/* 7.2.5.2.1: the answer must come back on the path it went out. */
		if (!ice_addr_equal(from, &agent->remote[p->remote].addr) ||
		    socket != agent->local[p->local].socket) {
			check_failed(agent, (int)i);
			return true;
		}
		if (msg->cls == RTC_STUN_ERROR)
			check_error(agent, (int)i, msg);
		else
			check_succeeded(agent, now, (int)i, msg);
		return true;
	}
	return false;
}

/* ---- the peer's checks (7.3) ------------------------------------------------ */

static void respond(struct rtc_ice_agent *agent, uint32_t socket,
		    const union ice_addr *to, const struct rtc_stun_msg *req,
		    const struct rtc_stun_key *key, uint16_t error, const char *reason)
{
	uint8_t buf[RTC_ICE_MAX_PACKET];
	struct rtc_stun_builder b;
	size_t len;

	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING,
			      error ? RTC_STUN_ERROR : RTC_STUN_SUCCESS, req->tid);
	if (error) {
		rtc_stun_builder_add_error_code(&b, error, reason);
		if (error == 420)
			rtc_stun_builder_add_unknown_attributes(&b, req->unknown,
								req->unknown_count);
	} else {
		rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, &to->sa);
	}
	if (key)
		rtc_stun_builder_add_integrity(&b, key, RTC_STUN_INTEGRITY_SHA1);
	rtc_stun_builder_add_fingerprint(&b);
	if (rtc_stun_builder_finish(&b, &len) == RTC_STUN_OK)
		ice_agent_transmit(agent, socket, to, buf, len);
}

/* Which of our passwords the request's USERNAME ("ours:theirs") names:
 * the current one, the one before our restart, or none. */
static const char *request_password(const struct rtc_ice_agent *agent, const char *username,
				    bool *current)
{
	const char *colon = strchr(username, ':');
	size_t len = colon ? (size_t)(colon - username) : 0;

	*current = false;
	if (!colon)
		return NULL;
	if (strlen(agent->local_creds.ufrag) == len &&
	    memcmp(agent->local_creds.ufrag, username, len) == 0) {
		*current = true;
		return agent->local_creds.pwd;
	}
	if (agent->prev_local_valid && strlen(agent->prev_local_creds.ufrag) == len &&
	    memcmp(agent->prev_local_creds.ufrag, username, len) == 0)
		return agent->prev_local_creds.pwd;
	return NULL;
}

/* 7.3.1.1. Returns true when we must answer 487 instead of going on. */
static bool role_conflict(struct rtc_ice_agent *agent, const struct rtc_stun_msg *msg)
{
	uint64_t theirs;

	if (agent->role == RTC_ICE_ROLE_CONTROLLING &&
	    rtc_stun_msg_get_u64(msg, RTC_STUN_ATTR_ICE_CONTROLLING, &theirs, NULL) ==
		    RTC_STUN_OK) {
		if (agent->tie_breaker >= theirs)
			return true;
		ice_agent_switch_role(agent, RTC_ICE_ROLE_CONTROLLED);
	} else if (agent->role == RTC_ICE_ROLE_CONTROLLED &&
		   rtc_stun_msg_get_u64(msg, RTC_STUN_ATTR_ICE_CONTROLLED, &theirs, NULL) ==
			   RTC_STUN_OK) {
		if (agent->tie_breaker < theirs)
			return true;
		ice_agent_switch_role(agent, RTC_ICE_ROLE_CONTROLLING);
	}
	return false;
}

void ice_check_handle_request(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
			      const union ice_addr *from, const struct rtc_stun_msg *msg)
{
	char username[2 * RTC_ICE_CREDENTIAL_MAX + 2];
	struct rtc_stun_key key;
	const char *pwd;
	bool current;
	uint32_t priority;
	int base, remote, pair;

	base = ice_local_find_base(agent, socket);
	if (base < 0 || !ice_local_allowed(agent, &agent->local[base]) ||
	    from->sa.sa_family != agent->local[base].addr.sa.sa_family)
		return;
	if (msg->method != RTC_STUN_BINDING)
		return respond(agent, socket, from, msg, NULL, 400, "Bad Request");
	/* RFC 8489 6.3.1: unknown comprehension-required attributes. */
	if (msg->unknown_count)
		return respond(agent, socket, from, msg, NULL, 420, "Unknown Attribute");
	if ((msg->integrity < 0 && msg->integrity_sha256 < 0) ||
	    rtc_stun_msg_get_string(msg, RTC_STUN_ATTR_USERNAME, username, sizeof(username),
				    NULL) != RTC_STUN_OK)
		return respond(agent, socket, from, msg, NULL, 400, "Bad Request");
	pwd = request_password(agent, username, &current);
	if (!pwd || !short_term_key(&key, pwd) ||
	    rtc_stun_msg_check_integrity(msg, &key) != RTC_STUN_OK)
		return respond(agent, socket, from, msg, NULL, 401, "Unauthorized");
	if (rtc_stun_msg_get_u32(msg, RTC_STUN_ATTR_PRIORITY, &priority, NULL) != RTC_STUN_OK ||
	    priority == 0)
		return respond(agent, socket, from, msg, &key, 400, "Bad Request");
	if (role_conflict(agent, msg))
		return respond(agent, socket, from, msg, &key, 487, "Role Conflict");
	respond(agent, socket, from, msg, &key, 0, NULL);
	/* A check of the peer's previous generation only needs its answer. */
	if (!current)
		return;

	/* 7.3.1.3: a source we do not know is a peer-reflexive candidate. */
	remote = ice_remote_find(agent, from);
	if (remote < 0)
		remote = ice_remote_add_prflx(agent, from, priority);
	if (remote < 0)
		return;
	pair = ice_checklist_find_or_add(agent, base, remote);
	if (pair < 0)
		return;
	agent->pairs[pair].requests_received++;
	agent->pairs[pair].responses_sent++;
	agent->pairs[pair].last_request_ns = now;

	/* 7.3.1.4: triggered check, unless the pair is already checked or
	 * being checked. */
	if (agent->pairs[pair].state != RTC_ICE_PAIR_SUCCEEDED &&
	    agent->pairs[pair].state != RTC_ICE_PAIR_IN_PROGRESS)
		ice_checklist_trigger(agent, pair);
	if (agent->role == RTC_ICE_ROLE_CONTROLLED &&
	    rtc_stun_msg_has(msg, RTC_STUN_ATTR_USE_CANDIDATE))
		ice_nominate_by_peer(agent, now, pair);
}
