/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICE candidates: priorities (RFC 8445 5.1.2), foundations (5.1.1.3),
 * transport addresses, and our candidates as SDP lines for trickling.
 */
#include "engine/ice/ice-agent-private.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t rtc_ice_type_preference(enum rtc_sdp_candidate_type type)
{
	switch (type) {
	case RTC_SDP_CANDIDATE_HOST:
		return 126;
	case RTC_SDP_CANDIDATE_PRFLX:
		return 110;
	case RTC_SDP_CANDIDATE_SRFLX:
		return 100;
	case RTC_SDP_CANDIDATE_RELAY:
		break;
	}
	return 0;
}

uint32_t rtc_ice_candidate_priority(enum rtc_sdp_candidate_type type, uint16_t local_preference,
				    uint16_t component)
{
	if (component < 1 || component > 256)
		component = 256;
	return ((uint32_t)rtc_ice_type_preference(type) << 24) |
	       ((uint32_t)local_preference << 8) | (uint32_t)(256 - component);
}

uint64_t rtc_ice_pair_priority(uint32_t controlling, uint32_t controlled)
{
	uint64_t g = controlling, d = controlled;
	uint64_t lo = g < d ? g : d, hi = g < d ? d : g;

	return (lo << 32) + 2 * hi + (g > d ? 1 : 0);
}

/* ---- transport addresses ---------------------------------------------------- */

bool ice_addr_ip_equal(const union ice_addr *a, const union ice_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(struct in6_addr)) == 0;
	return false;
}

uint16_t ice_addr_port(const union ice_addr *a)
{
	if (a->sa.sa_family == AF_INET)
		return ntohs(a->in.sin_port);
	if (a->sa.sa_family == AF_INET6)
		return ntohs(a->in6.sin6_port);
	return 0;
}

bool ice_addr_equal(const union ice_addr *a, const union ice_addr *b)
{
	return ice_addr_ip_equal(a, b) && ice_addr_port(a) == ice_addr_port(b);
}

bool ice_addr_copy(union ice_addr *out, const struct sockaddr *in)
{
	memset(out, 0, sizeof(*out));   /* AF_UNSPEC */
	if (!in)
		return false;
	if (in->sa_family == AF_INET)
		memcpy(&out->in, in, sizeof(out->in));
	else if (in->sa_family == AF_INET6)
		memcpy(&out->in6, in, sizeof(out->in6));
	else
		return false;
	return true;
}

void ice_addr_to_storage(const union ice_addr *a, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));   /* AF_UNSPEC */
	if (a->sa.sa_family == AF_INET)
		memcpy(out, &a->in, sizeof(a->in));
	else if (a->sa.sa_family == AF_INET6)
		memcpy(out, &a->in6, sizeof(a->in6));
}

void ice_addr_format(const union ice_addr *a, char *out, size_t size, uint16_t *port)
{
	const void *ip = NULL;

	if (a->sa.sa_family == AF_INET)
		ip = &a->in.sin_addr;
	else if (a->sa.sa_family == AF_INET6)
		ip = &a->in6.sin6_addr;
	if (!ip || !inet_ntop(a->sa.sa_family, ip, out, (socklen_t)size))
		snprintf(out, size, "%s", "");
	if (port)
		*port = ice_addr_port(a);
}

bool ice_addr_is_link_local(const union ice_addr *a)
{
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_LINKLOCAL(&a->in6.sin6_addr);
	if (a->sa.sa_family == AF_INET)
		return (ntohl(a->in.sin_addr.s_addr) >> 16) == 0xA9FE;
	return false;
}

static bool ipv4_unicast(uint32_t host_order)
{
	uint8_t first = (uint8_t)(host_order >> 24);

	/* 0/8 "this network", 224/4 multicast, 240/4 reserved and the
	 * limited broadcast 255.255.255.255 within it. */
	return first != 0 && first < 224;
}

bool ice_addr_is_unicast(const union ice_addr *a)
{
	const struct in6_addr *in6 = &a->in6.sin6_addr;

	if (a->sa.sa_family == AF_INET)
		return ipv4_unicast(ntohl(a->in.sin_addr.s_addr));
	if (a->sa.sa_family != AF_INET6 || IN6_IS_ADDR_MULTICAST(in6) ||
	    IN6_IS_ADDR_UNSPECIFIED(in6))
		return false;
	if (IN6_IS_ADDR_V4MAPPED(in6) || IN6_IS_ADDR_V4COMPAT(in6)) {
		uint32_t v4;

		memcpy(&v4, &in6->s6_addr[12], sizeof(v4));
		return ipv4_unicast(ntohl(v4));
	}
	return true;
}

/* RFC 8445 5.1.2.1 leaves the local preference to us for multihomed hosts;
 * RFC 8421 asks to prefer IPv6 and to interleave families. The interface
 * rank dominates, then routable over link-local, then IPv6 over IPv4, so
 * every combination gets its own value (the RFC wants them unique). */
uint16_t ice_local_preference(const union ice_addr *addr, uint8_t interface_rank)
{
	uint16_t pref = (uint16_t)(0xFFFF - ((uint16_t)interface_rank << 8));

	if (ice_addr_is_link_local(addr))
		pref -= 128;
	if (addr->sa.sa_family != AF_INET6)
		pref -= 64;
	return pref;
}

/* ---- the candidate lists -------------------------------------------------------- */

/* 5.1.1.3: the same foundation for the same type, base IP address, server
 * and transport (always UDP here). */
static void local_foundation(struct rtc_ice_agent *agent, struct ice_candidate *c)
{
	for (size_t i = 0; i < agent->n_local; i++) {
		const struct ice_candidate *o = &agent->local[i];

		if (o != c && o->type == c->type && o->server == c->server &&
		    ice_addr_ip_equal(&o->base, &c->base)) {
			memcpy(c->foundation, o->foundation, sizeof(c->foundation));
			return;
		}
	}
	snprintf(c->foundation, sizeof(c->foundation), "%u", c->stats_id);
}

int ice_local_add(struct rtc_ice_agent *agent, enum rtc_sdp_candidate_type type,
		  uint32_t socket, const union ice_addr *addr,
		  const union ice_addr *base, const union ice_addr *related,
		  uint16_t local_pref, int server)
{
	/* Copied first: they may point into the array that is about to move. */
	struct ice_candidate fresh = {
		.type = type,
		.addr = *addr,
		.base = *base,
		.related = related ? *related : (union ice_addr){ .sa.sa_family = AF_UNSPEC },
	};
	struct ice_candidate *c;

	if (!ice_array_reserve((void **)&agent->local, agent->n_local, &agent->cap_local,
			       sizeof(*agent->local), ICE_MAX_LOCAL))
		return -1;
	c = &agent->local[agent->n_local];
	*c = fresh;
	c->socket = socket;
	c->server = server;
	c->priority = rtc_ice_candidate_priority(type, local_pref, ICE_COMPONENT);
	c->stats_id = agent->next_stats_id++;
	local_foundation(agent, c);
	return (int)agent->n_local++;
}

void ice_local_refoundation(struct rtc_ice_agent *agent, int index)
{
	local_foundation(agent, &agent->local[index]);
}

int ice_local_find(const struct rtc_ice_agent *agent, const union ice_addr *addr)
{
	for (size_t i = 0; i < agent->n_local; i++)
		if (ice_addr_equal(&agent->local[i].addr, addr))
			return (int)i;
	return -1;
}

int ice_local_find_base(const struct rtc_ice_agent *agent, uint32_t socket)
{
	for (size_t i = 0; i < agent->n_local; i++) {
		const struct ice_candidate *c = &agent->local[i];

		if (c->socket == socket &&
		    (c->type == RTC_SDP_CANDIDATE_HOST || c->type == RTC_SDP_CANDIDATE_RELAY))
			return (int)i;
	}
	return -1;
}

int ice_remote_find(const struct rtc_ice_agent *agent, const union ice_addr *addr)
{
	for (size_t i = 0; i < agent->n_remote; i++)
		if (ice_addr_equal(&agent->remote[i].addr, addr))
			return (int)i;
	return -1;
}

int ice_remote_add_prflx(struct rtc_ice_agent *agent, const union ice_addr *addr,
			 uint32_t priority)
{
	union ice_addr from = *addr;   /* it may point into the array */
	struct ice_candidate *c;

	if (!ice_array_reserve((void **)&agent->remote, agent->n_remote, &agent->cap_remote,
			       sizeof(*agent->remote), ICE_MAX_REMOTE))
		return -1;
	addr = &from;
	c = &agent->remote[agent->n_remote];
	memset(c, 0, sizeof(*c));
	c->type = RTC_SDP_CANDIDATE_PRFLX;
	c->addr = *addr;
	c->base.sa.sa_family = AF_UNSPEC;
	c->related.sa.sa_family = AF_UNSPEC;
	c->priority = priority;
	c->server = -1;
	c->stats_id = agent->next_stats_id++;
	/* 7.3.1.3: any value unique among the peer's foundations. Ours start
	 * with a letter the peer's numeric ones (libwebrtc, Firefox, Pion,
	 * aioice) never do; the counter keeps them apart from each other. */
	snprintf(c->foundation, sizeof(c->foundation), "prflx%u", agent->next_prflx_foundation++);
	return (int)agent->n_remote++;
}

bool ice_local_allowed(const struct rtc_ice_agent *agent, const struct ice_candidate *c)
{
	if (agent->config.policy == RTC_ICE_TRANSPORT_POLICY_RELAY)
		return c->type == RTC_SDP_CANDIDATE_RELAY;
	return true;
}

void ice_local_announce(struct rtc_ice_agent *agent, int index)
{
	struct ice_candidate *c = &agent->local[index];
	struct rtc_sdp_candidate sdp = {0};
	char address[64], related[64];
	struct rtc_ice_event ev = {.type = RTC_ICE_EVENT_LOCAL_CANDIDATE};
	char *line;

	/* Peer-reflexive candidates of ours are never signalled (7.2.5.3.1). */
	if (c->announced || c->type == RTC_SDP_CANDIDATE_PRFLX || !ice_local_allowed(agent, c))
		return;
	ice_addr_format(&c->addr, address, sizeof(address), &sdp.port);
	sdp.foundation = c->foundation;
	sdp.component = ICE_COMPONENT;
	sdp.transport = "udp";
	sdp.transport_kind = RTC_SDP_TRANSPORT_UDP;
	sdp.priority = c->priority;
	sdp.address = address;
	sdp.address_kind = c->addr.sa.sa_family == AF_INET6 ? RTC_SDP_ADDRESS_IPV6
							  : RTC_SDP_ADDRESS_IPV4;
	sdp.type = c->type;
	if (c->type != RTC_SDP_CANDIDATE_HOST && c->related.sa.sa_family != AF_UNSPEC) {
		ice_addr_format(&c->related, related, sizeof(related), &sdp.related_port);
		sdp.related_address = related;
		sdp.has_related_port = true;
	}
	line = rtc_sdp_candidate_to_string(&sdp);
	if (!line || strlen(line) >= sizeof(ev.candidate)) {
		free(line);
		return;   /* out of memory: the candidate is still used, just not trickled */
	}
	memcpy(ev.candidate, line, strlen(line) + 1);
	free(line);
	c->announced = true;
	ice_agent_emit(agent, &ev);
}
