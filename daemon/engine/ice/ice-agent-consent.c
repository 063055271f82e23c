/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Consent freshness (RFC 7675) on the selected pair: a Binding request
 * every 5 s, randomized to 0.8-1.2 of that so that calls started together
 * do not keep sending together.
 *
 * Each consent request is retransmitted at 0, 0.5 and 1.5 s and given up at
 * 3.5 s, before the earliest next one (4 s). One unanswered consent request
 * makes the transport "disconnected", which is what libwebrtc reports after
 * its 5 s without an answer: here between 3.5 s (the request went out just
 * after the last answer) and 9.5 s after the last answer. Any answer makes
 * it "connected" again. 30 s without an answer and consent has expired
 * (RFC 7675 5.1): "failed", and nothing more is sent on the pair.
 */
#include "engine/ice/ice-agent-private.h"

#include <string.h>

static const struct rtc_stun_rto_params consent_rto = {
	.rto_ns = 500 * RTC_ICE_NS_PER_MS,
	.rc = 3,
	.rm = 4,
};

static uint64_t randomized_interval(struct rtc_ice_agent *agent)
{
	uint64_t interval = ice_agent_timer(agent, agent->config.timers.consent_interval_ns,
					    5000 * RTC_ICE_NS_PER_MS);

	/* 0.8 + 0.4 * u, u uniform in [0, 1] at 1/1000 steps. */
	return interval / 1000 * (800 + ice_agent_random(agent) % 401);
}

static uint64_t expiry(const struct rtc_ice_agent *agent)
{
	return agent->consent_last_ok_ns +
	       ice_agent_timer(agent, agent->config.timers.consent_expiry_ns,
			       30000 * RTC_ICE_NS_PER_MS);
}

void ice_consent_start(struct rtc_ice_agent *agent, uint64_t now)
{
	rtc_stun_transaction_cancel(&agent->consent);
	agent->consent_last_ok_ns = now;
	agent->consent_lost = false;
	agent->consent_expired = false;
	agent->consent_next_ns = now + randomized_interval(agent);
}

static void send_consent_request(struct rtc_ice_agent *agent, uint64_t now)
{
	struct ice_pair *p = &agent->pairs[agent->selected];
	uint8_t tid[RTC_STUN_TID_LEN];

	if (rtc_stun_tid_generate(tid) != RTC_STUN_OK)
		return;
	rtc_stun_transaction_start(&agent->consent, tid, now, &consent_rto);
	p->consent_requests_sent++;
	p->requests_sent++;
	p->last_request_ns = now;
	ice_check_transmit_request(agent, agent->selected, tid, false);
}

void ice_consent_timers(struct rtc_ice_agent *agent, uint64_t now)
{
	struct ice_pair *p;

	if (agent->selected < 0 || agent->consent_expired)
		return;
	p = &agent->pairs[agent->selected];
	if (now >= expiry(agent)) {
		agent->consent_expired = true;
		rtc_stun_transaction_cancel(&agent->consent);
		return;
	}
	switch (rtc_stun_transaction_poll(&agent->consent, now)) {
	case RTC_STUN_TRANSACTION_WAIT:
		break;
	case RTC_STUN_TRANSACTION_RETRANSMIT:
		p->requests_sent++;
		p->last_request_ns = now;
		ice_check_transmit_request(agent, agent->selected, agent->consent.tid, false);
		break;
	case RTC_STUN_TRANSACTION_TIMEOUT:
		agent->consent_lost = true;
		break;
	}
	if (now >= agent->consent_next_ns) {
		send_consent_request(agent, now);
		agent->consent_next_ns = now + randomized_interval(agent);
	}
}

uint64_t ice_consent_deadline(const struct rtc_ice_agent *agent)
{
	uint64_t deadline, t;

	if (agent->selected < 0 || agent->consent_expired)
		return UINT64_MAX;
	deadline = agent->consent_next_ns;
	t = rtc_stun_transaction_deadline(&agent->consent);
	if (t < deadline)
		deadline = t;
	t = expiry(agent);
	return t < deadline ? t : deadline;
}

bool ice_consent_handle_response(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
				 const union ice_addr *from,
				 const struct rtc_stun_msg *msg)
{
	struct ice_pair *p;

	if (agent->selected < 0 || agent->consent.state != RTC_STUN_TRANSACTION_PENDING ||
	    memcmp(agent->consent.tid, msg->tid, RTC_STUN_TID_LEN) != 0)
		return false;
	if (!ice_check_response_authentic(agent, msg))
		return true;
	rtc_stun_transaction_matches(&agent->consent, msg);
	p = &agent->pairs[agent->selected];
	/* Consent comes only from the address we asked, on the path we asked
	 * on, and only as a success (RFC 7675 5.1). */
	if (msg->cls != RTC_STUN_SUCCESS || socket != agent->local[p->local].socket ||
	    !ice_addr_equal(from, &agent->remote[p->remote].addr))
		return true;
	p->responses_received++;
	p->last_response_ns = now;
	p->rtt_last_ns = now - (agent->consent.deadline_ns - agent->consent.interval_ns);
	p->rtt_total_ns += p->rtt_last_ns;
	p->rtt_measured = true;
	agent->consent_last_ok_ns = now;
	agent->consent_lost = false;
	return true;
}
