/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICE as the peer connection runs it: the agent follows the descriptions,
 * takes the sockets and servers the owner found, and the peer's candidates
 * — browsers hide their host addresses behind "<uuid>.local" names
 * (draft-ietf-mmusic-mdns-ice-candidates), which wait here until the owner
 * resolved them. Our own host candidates are announced under the names the
 * owner registered, when it did.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/mdns/mdns.h"
#include "engine/pc/pc-private.h"

/* ---- following the descriptions ------------------------------------------- */

int pc_ice_start(struct rtc_pc *pc, struct rtc_error *err)
{
	struct rtc_ice_agent_config config = {
		.role = rtc_jsep_we_offered(pc->jsep) ? RTC_ICE_ROLE_CONTROLLING
						       : RTC_ICE_ROLE_CONTROLLED,
		.policy = pc->config.ice->transport_policy,
		.random_seed = pc->config.ice_random_seed,
	};
	struct rtc_jsep_ice_section local;
	struct rtc_ice_credentials creds;

	if (!rtc_jsep_local_ice(pc->jsep, &local))
		return 0;       /* no data section yet: nothing to connect */
	/* Ours: JSEP made them, of the lengths rtc_ice_credentials holds. */
	if (strlen(local.ufrag) >= sizeof(creds.ufrag) || strlen(local.pwd) >= sizeof(creds.pwd))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "local ICE credentials too long");
	memcpy(creds.ufrag, local.ufrag, strlen(local.ufrag) + 1);
	memcpy(creds.pwd, local.pwd, strlen(local.pwd) + 1);
	snprintf(pc->local_mid, sizeof(pc->local_mid), "%s", local.mid);
	pc->local_mline = local.mline_index;

	if (pc->agent) {
		if (strcmp(creds.ufrag, pc->local_ufrag) != 0) {
			snprintf(pc->local_ufrag, sizeof(pc->local_ufrag), "%s", creds.ufrag);
			return rtc_ice_agent_restart(pc->agent, &creds, err);
		}
		return 0;
	}
	pc->agent = rtc_ice_agent_new(&config, &creds, err);
	if (!pc->agent)
		return -1;
	snprintf(pc->local_ufrag, sizeof(pc->local_ufrag), "%s", creds.ufrag);
	/* The owner opens the sockets at its next iteration: W3C fires
	 * icecandidate after the method that caused it has returned. */
	pc_event_push(pc, RTC_PC_EVENT_GATHER);
	return 0;
}

/* The remote description's ICE: credentials (new ones: the peer
 * restarted), role, and the candidates it carries. */
int pc_ice_follow_remote(struct rtc_pc *pc, uint64_t now, struct rtc_error *err)
{
	struct rtc_jsep_ice_section remote;
	const struct rtc_sdp_candidate *c;
	const char *known_ufrag;

	if (!pc->agent || !rtc_jsep_remote_ice(pc->jsep, &remote))
		return 0;
	/* RFC 8445 6.1.1: the offerer controls, and a full agent always
	 * controls a lite one. Fixed by the first negotiation (and repaired by
	 * role conflicts after), chosen again only when the peer restarts. */
	known_ufrag = rtc_ice_agent_remote_ufrag(pc->agent);
	if (!known_ufrag || strcmp(remote.ufrag, known_ufrag) != 0) {
		bool controlling = rtc_jsep_we_offered(pc->jsep) || remote.ice_lite;
		rtc_ice_agent_set_role(pc->agent, controlling ? RTC_ICE_ROLE_CONTROLLING
							      : RTC_ICE_ROLE_CONTROLLED);
	}
	if (rtc_ice_agent_set_remote_credentials(pc->agent, remote.ufrag, remote.pwd, err) < 0)
		return -1;
	for (size_t i = 0; (c = rtc_jsep_remote_candidate(pc->jsep, i)); i++)
		pc_ice_add_remote(pc, c, NULL);
	if (remote.end_of_candidates)
		pc_ice_remote_candidates_done(pc);
	return 0;
}

/* ---- the peer's candidates ---------------------------------------------------- */

static int to_agent(struct rtc_pc *pc, const struct rtc_sdp_candidate *c,
		    struct rtc_error *err)
{
	struct rtc_error local = { 0 };

	if (rtc_ice_agent_add_remote_candidate(pc->agent, c, err ? err : &local) < 0) {
		rtc_debug("pc: remote candidate refused: %s", (err ? err : &local)->message);
		return -1;
	}
	return 0;
}

int pc_ice_add_remote(struct rtc_pc *pc, const struct rtc_sdp_candidate *c,
		      struct rtc_error *err)
{
	struct pc_pending_name *p;
	char *line;

	if (c->address_kind != RTC_SDP_ADDRESS_FQDN)
		return to_agent(pc, c, err);
	if (!rtc_mdns_is_local_name(c->address) || !pc->config.can_resolve_names ||
	    strlen(c->address) >= RTC_PC_HOST_NAME_MAX) {
		/* W3C leaves other names to the implementation: no DNS here. */
		rtc_debug("pc: remote candidate %s dropped: not an mDNS name we can resolve",
			  c->address);
		return 0;
	}
	p = calloc(1, sizeof(*p));
	line = rtc_sdp_candidate_to_string(c);
	if (!p || !line || rtc_sdp_candidate_parse(line, strlen(line), &p->candidate, NULL) < 0) {
		free(line);
		free(p);
		return 0;
	}
	free(line);
	p->next = pc->pending_names;
	pc->pending_names = p;
	return 0;
}

/* Asks the owner for the next name not asked yet. */
bool pc_ice_poll_name(struct rtc_pc *pc)
{
	for (struct pc_pending_name *p = pc->pending_names; p; p = p->next) {
		struct rtc_pc_event *ev;

		if (p->asked)
			continue;
		p->asked = true;
		if ((ev = pc_event_push(pc, RTC_PC_EVENT_RESOLVE_NAME)))
			snprintf(ev->name, sizeof(ev->name), "%s", p->candidate->address);
		return true;
	}
	return false;
}

void rtc_pc_name_resolved(struct rtc_pc *pc, uint64_t now, const char *name,
			  const struct sockaddr_storage *addresses, size_t n)
{
	struct pc_pending_name **pp = &pc->pending_names;

	if (pc->closed)
		return;
	while (*pp) {
		struct pc_pending_name *p = *pp;

		if (strcmp(p->candidate->address, name) != 0) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		if (n == 0)
			rtc_info("pc: could not resolve remote candidate %s", name);
		for (size_t i = 0; i < n && pc->agent; i++) {
			struct rtc_sdp_candidate c = *p->candidate;
			char text[INET6_ADDRSTRLEN];
			uint16_t port;

			pc_address_string(&addresses[i], text, sizeof(text), &port);
			c.address = text;
			c.address_kind = addresses[i].ss_family == AF_INET ? RTC_SDP_ADDRESS_IPV4
									   : RTC_SDP_ADDRESS_IPV6;
			to_agent(pc, &c, NULL);
		}
		rtc_sdp_candidate_free(p->candidate);
		free(p);
	}
	/* The peer's end-of-candidates waited for its last name. */
	if (pc->remote_done_pending && !pc->pending_names && pc->agent) {
		pc->remote_done_pending = false;
		rtc_ice_agent_remote_candidates_done(pc->agent);
	}
}

void pc_ice_remote_candidates_done(struct rtc_pc *pc)
{
	/* While .local names are being resolved, candidates are still to
	 * come: the agent must not conclude (and look "failed") before. */
	if (pc->pending_names) {
		pc->remote_done_pending = true;
		return;
	}
	rtc_ice_agent_remote_candidates_done(pc->agent);
}

/* ---- our candidates ------------------------------------------------------------ */

int rtc_pc_add_host_socket(struct rtc_pc *pc, uint32_t socket,
			   const struct sockaddr_storage *address, uint8_t interface_rank,
			   const char *host_name, struct rtc_error *err)
{
	struct rtc_ice_local_candidate c = {
		.type = RTC_SDP_CANDIDATE_HOST,
		.socket = socket,
		.address = *address,
		.interface_rank = interface_rank,
	};
	struct pc_host_socket *h;

	if (!pc->agent || pc->closed)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "ICE has not started");
	if (socket == 0 || socket >= RTC_PC_RELAY_SOCKET_BASE)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS, "host socket id %u out of range",
				     socket);
	if (host_name && strlen(host_name) >= RTC_PC_HOST_NAME_MAX)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS, "host name too long");
	if (pc->n_hosts == pc->cap_hosts) {
		size_t cap = pc->cap_hosts ? 2 * pc->cap_hosts : 2;
		h = realloc(pc->hosts, cap * sizeof(*h));
		if (!h)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		pc->hosts = h;
		pc->cap_hosts = cap;
	}
	/* The relay policy keeps host candidates private, but the socket
	 * still carries TURN traffic: the agent knows what to announce. */
	if (rtc_ice_agent_add_local_candidate(pc->agent, &c, err) < 0)
		return -1;
	h = &pc->hosts[pc->n_hosts++];
	h->id = socket;
	h->address = *address;
	snprintf(h->name, sizeof(h->name), "%s", host_name ? host_name : "");
	if (host_name)
		pc->hide_host_addresses = true;
	return 0;
}

void rtc_pc_add_stun_server(struct rtc_pc *pc, const struct sockaddr_storage *address)
{
	struct rtc_error err = { 0 };

	if (pc->agent && !pc->closed &&
	    rtc_ice_agent_add_stun_server(pc->agent, (const struct sockaddr *)address, &err) < 0)
		rtc_warn("pc: STUN server refused: %s", err.message);
}

void rtc_pc_report_server_error(struct rtc_pc *pc, const struct rtc_ice_url *url,
				const char *text)
{
	struct rtc_pc_event *ev = pc_event_push(pc, RTC_PC_EVENT_CANDIDATE_ERROR);

	if (!ev)
		return;
	ev->candidate_error.port = url->port;
	snprintf(ev->candidate_error.url, sizeof(ev->candidate_error.url), "%s", url->host);
	ev->candidate_error.code = 701;
	snprintf(ev->candidate_error.text, sizeof(ev->candidate_error.text), "%s", text);
}

void rtc_pc_gathering_sources_done(struct rtc_pc *pc)
{
	pc->sources_done = true;
	pc_ice_local_candidates_maybe_done(pc);
}

/* Tells the agent our candidates are all there, once every server name is
 * resolved and every allocation has an outcome. */
void pc_ice_local_candidates_maybe_done(struct rtc_pc *pc)
{
	if (!pc->agent || pc->local_candidates_done || !pc->sources_done ||
	    pc_relays_pending(pc))
		return;
	pc->local_candidates_done = true;
	rtc_ice_agent_local_candidates_done(pc->agent);
}

static const struct pc_host_socket *host_by_address(const struct rtc_pc *pc, const char *text)
{
	for (size_t i = 0; i < pc->n_hosts; i++) {
		char address[INET6_ADDRSTRLEN];
		uint16_t port;

		pc_address_string(&pc->hosts[i].address, address, sizeof(address), &port);
		if (strcmp(address, text) == 0)
			return &pc->hosts[i];
	}
	return NULL;
}

/* Our candidate line as announced: a host address becomes its .local name
 * and the raddr of others 0.0.0.0 (the draft's section 3.1.2: the base of
 * srflx and relay candidates would give the host address away). False
 * keeps the line as it is. */
static bool hide(const struct rtc_pc *pc, const char *line, char *out, size_t size)
{
	struct rtc_sdp_candidate *c, copy;
	const struct pc_host_socket *h;
	char *text;
	bool done = false;

	if (!pc->hide_host_addresses || rtc_sdp_candidate_parse(line, strlen(line), &c, NULL) < 0)
		return false;
	copy = *c;
	if (c->type == RTC_SDP_CANDIDATE_HOST) {
		if (!(h = host_by_address(pc, c->address)) || !h->name[0]) {
			rtc_sdp_candidate_free(c);
			return false;
		}
		copy.address = h->name;
		copy.address_kind = RTC_SDP_ADDRESS_FQDN;
	} else if (c->related_address) {
		copy.related_address = "0.0.0.0";
		copy.has_related_port = true;
		copy.related_port = 0;
	}
	text = rtc_sdp_candidate_to_string(&copy);
	if (text && strlen(text) < size) {
		memcpy(out, text, strlen(text) + 1);
		done = true;
	}
	free(text);
	rtc_sdp_candidate_free(c);
	return done;
}

static void local_candidate(struct rtc_pc *pc, const char *line)
{
	struct rtc_pc_event *ev = pc_event_push(pc, RTC_PC_EVENT_LOCAL_CANDIDATE);
	struct rtc_error err = { 0 };

	if (!ev)
		return;
	if (!*line || !hide(pc, line, ev->candidate.line, sizeof(ev->candidate.line)))
		snprintf(ev->candidate.line, sizeof(ev->candidate.line), "%s", line);
	if (rtc_jsep_add_local_candidate(pc->jsep, ev->candidate.line, &err) < 0)
		rtc_debug("pc: candidate not in the description: %s", err.message);
	snprintf(ev->candidate.mid, sizeof(ev->candidate.mid), "%s", pc->local_mid);
	ev->candidate.mline_index = pc->local_mline;
}

static void set_gathering(struct rtc_pc *pc, enum rtc_ice_gathering_state g)
{
	struct rtc_pc_event *ev;

	if (g == pc->gathering)
		return;
	pc->gathering = g;
	/* W3C: the null candidate comes right before "complete". */
	if (g == RTC_ICE_GATHERING_COMPLETE)
		local_candidate(pc, "");
	if ((ev = pc_event_push(pc, RTC_PC_EVENT_GATHERING_STATE)))
		ev->gathering = g;
}

static void set_ice_state(struct rtc_pc *pc, enum rtc_ice_transport_state t)
{
	struct rtc_pc_event *ev;

	if (t == pc->ice_state)
		return;
	pc->ice_state = t;
	if ((ev = pc_event_push(pc, RTC_PC_EVENT_ICE_STATE)))
		ev->ice = t;
}

void pc_ice_handle_event(struct rtc_pc *pc, const struct rtc_ice_event *ev)
{
	struct rtc_pc_event *out;
	char address[INET6_ADDRSTRLEN] = "";
	uint16_t port = 0;

	switch (ev->type) {
	case RTC_ICE_EVENT_LOCAL_CANDIDATE:
		local_candidate(pc, ev->candidate);
		break;
	case RTC_ICE_EVENT_GATHERING_STATE:
		/* Each step is an event of its own: W3C apps see "gathering"
		 * even when "complete" follows in the same instant. */
		set_gathering(pc, ev->gathering);
		break;
	case RTC_ICE_EVENT_TRANSPORT_STATE:
		set_ice_state(pc, ev->transport);
		break;
	case RTC_ICE_EVENT_SELECTED_PAIR:
		pc_address_string(&ev->selected.remote, address, sizeof(address), &port);
		rtc_info("pc: selected pair: socket %u -> %s port %u", ev->selected.socket,
			 address, port);
		/* Held datagrams may come from the pair just proven. */
		pc->recheck_held = true;
		break;
	case RTC_ICE_EVENT_ROLE_CHANGED:
		rtc_debug("pc: ICE role is now %s", rtc_ice_role_name(ev->role));
		break;
	case RTC_ICE_EVENT_CANDIDATE_ERROR:
		if (!(out = pc_event_push(pc, RTC_PC_EVENT_CANDIDATE_ERROR)))
			break;
		pc_address_string(&ev->candidate_error.server, out->candidate_error.address,
				  sizeof(out->candidate_error.address), &out->candidate_error.port);
		snprintf(out->candidate_error.url, sizeof(out->candidate_error.url),
			 "stun:%s%s%s:%u",
			 ev->candidate_error.server.ss_family == AF_INET6 ? "[" : "",
			 out->candidate_error.address,
			 ev->candidate_error.server.ss_family == AF_INET6 ? "]" : "",
			 out->candidate_error.port);
		out->candidate_error.code = ev->candidate_error.code;
		snprintf(out->candidate_error.text, sizeof(out->candidate_error.text), "%s",
			 ev->candidate_error.text);
		break;
	}
}

void pc_ice_free(struct rtc_pc *pc)
{
	while (pc->pending_names) {
		struct pc_pending_name *p = pc->pending_names;
		pc->pending_names = p->next;
		rtc_sdp_candidate_free(p->candidate);
		free(p);
	}
}
