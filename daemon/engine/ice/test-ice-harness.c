/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/ice/test-ice-harness.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stun/stun.h"

static uint64_t net_random(struct net *net)
{
	net->rng ^= net->rng >> 12;
	net->rng ^= net->rng << 25;
	net->rng ^= net->rng >> 27;
	return net->rng * 0x2545F4914F6CDD1Dull;
}

struct sockaddr_storage net_addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &in6->sin6_addr);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, ip, &in->sin_addr);
	}
	return ss;
}

static uint16_t port_of(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)a)->sin6_port)
					: ntohs(((const struct sockaddr_in *)a)->sin_port);
}

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)a)->sin_port = htons(port);
}

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return same_ip(a, b) && port_of(a) == port_of(b);
}

void net_init(struct net *net, uint64_t seed)
{
	memset(net, 0, sizeof(*net));
	net->rng = seed ? seed : 1;
	net->jitter_ns = 0;
	net->stun_server = net_addr("198.51.100.1", 3478);
	net->packets = calloc(NET_MAX_PACKETS, sizeof(*net->packets));
}

void net_free(struct net *net)
{
	for (int i = 0; i < 2; i++)
		rtc_ice_agent_free(net->peers[i].agent);
	free(net->packets);
}

void net_peer_create(struct net *net, int i, enum rtc_ice_role role, uint64_t tie_breaker,
		     enum rtc_ice_transport_policy policy)
{
	struct net_peer *p = &net->peers[i];
	struct rtc_ice_agent_config config = {
		.role = role,
		.tie_breaker = tie_breaker,
		.policy = policy,
		.random_seed = 1000 + (uint64_t)i,
	};

	snprintf(p->creds.ufrag, sizeof(p->creds.ufrag), "ufrag%c%02u", 'A' + i, 0);
	snprintf(p->creds.pwd, sizeof(p->creds.pwd), "passwordpasswordpass%c%02u", 'A' + i, 0);
	p->agent = rtc_ice_agent_new(&config, &p->creds, NULL);
}

void net_peer_socket(struct net *net, int i, uint32_t id, const char *ip, uint16_t port,
		     bool relay)
{
	struct net_peer *p = &net->peers[i];
	struct rtc_ice_local_candidate c = {
		.type = relay ? RTC_SDP_CANDIDATE_RELAY : RTC_SDP_CANDIDATE_HOST,
		.socket = id,
		.address = net_addr(ip, port),
	};

	p->sockets[p->n_sockets].id = id;
	p->sockets[p->n_sockets].addr = c.address;
	p->sockets[p->n_sockets].public_relay = relay;
	p->n_sockets++;
	rtc_ice_agent_add_local_candidate(p->agent, &c, NULL);
}

void net_exchange_credentials(struct net *net)
{
	for (int i = 0; i < 2; i++)
		rtc_ice_agent_set_remote_credentials(net->peers[i].agent,
						     net->peers[!i].creds.ufrag,
						     net->peers[!i].creds.pwd, NULL);
}

/* The address a datagram from this socket carries on the public side. */
static struct sockaddr_storage public_source(const struct net_peer *p, unsigned s)
{
	struct sockaddr_storage a;

	if (!p->behind_nat || p->sockets[s].public_relay)
		return p->sockets[s].addr;
	/* Endpoint-independent mapping: the same public port for a socket
	 * whatever the destination. */
	a = p->nat_ip;
	set_port(&a, (uint16_t)(port_of(&p->sockets[s].addr) + 10000));
	return a;
}

static void note_nat_sent(struct net_peer *p, const struct sockaddr_storage *to)
{
	for (unsigned k = 0; k < p->n_nat_sent_to; k++)
		if (same_ip(&p->nat_sent_to[k], to))
			return;
	if (p->n_nat_sent_to < 64)
		p->nat_sent_to[p->n_nat_sent_to++] = *to;
}

static void enqueue(struct net *net, const struct sockaddr_storage *from,
		    const struct sockaddr_storage *to, const uint8_t *data, size_t len)
{
	struct net_packet *pkt;

	if (net->blackhole || (net->loss_percent && net_random(net) % 100 < net->loss_percent) ||
	    net->n_packets >= NET_MAX_PACKETS) {
		net->dropped++;
		return;
	}
	pkt = &net->packets[net->n_packets++];
	pkt->deliver_at = net->now + 10 * NET_MS +
			  (net->jitter_ns ? net_random(net) % net->jitter_ns : 0);
	pkt->from = *from;
	pkt->to = *to;
	pkt->len = len;
	memcpy(pkt->data, data, len);
}

/* The STUN server: a Binding success with the source it saw. */
static void stun_server_answer(struct net *net, const struct net_packet *pkt)
{
	struct rtc_stun_msg msg;
	struct rtc_stun_builder b;
	uint8_t out[RTC_ICE_MAX_PACKET];
	size_t len;

	if (rtc_stun_parse(&msg, pkt->data, pkt->len, NULL) != RTC_STUN_OK ||
	    msg.cls != RTC_STUN_REQUEST)
		return;
	rtc_stun_builder_init(&b, out, sizeof(out), RTC_STUN_BINDING, RTC_STUN_SUCCESS, msg.tid);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS,
				     (const struct sockaddr *)&pkt->from);
	rtc_stun_builder_add_fingerprint(&b);
	if (rtc_stun_builder_finish(&b, &len) == RTC_STUN_OK)
		enqueue(net, &net->stun_server, &pkt->from, out, len);
}

static void deliver(struct net *net, const struct net_packet *pkt)
{
	if (same_addr(&pkt->to, &net->stun_server)) {
		stun_server_answer(net, pkt);
		return;
	}
	for (int i = 0; i < 2; i++) {
		struct net_peer *p = &net->peers[i];

		for (unsigned s = 0; s < p->n_sockets; s++) {
			struct sockaddr_storage pub = public_source(p, s);
			bool filtered = false;

			if (!same_addr(&pkt->to, &pub))
				continue;
			if (p->behind_nat && !p->sockets[s].public_relay) {
				filtered = true;
				for (unsigned k = 0; k < p->n_nat_sent_to; k++)
					if (same_ip(&p->nat_sent_to[k], &pkt->from))
						filtered = false;
			}
			if (filtered) {
				net->dropped++;
				return;
			}
			net->delivered++;
			rtc_ice_agent_handle_receive(p->agent, net->now, p->sockets[s].id,
						    (const struct sockaddr *)&pkt->from,
						    pkt->data, pkt->len);
			return;
		}
	}
	net->dropped++;   /* a private address, or nobody there */
}

static void send_candidate(struct net *net, int to, const char *line)
{
	struct rtc_sdp_candidate *c;

	if (rtc_sdp_candidate_parse(line, strlen(line), &c, NULL) == 0) {
		rtc_ice_agent_add_remote_candidate(net->peers[to].agent, c, NULL);
		rtc_sdp_candidate_free(c);
	}
}

void net_flush_candidates(struct net *net, int from)
{
	struct net_peer *p = &net->peers[from];

	for (unsigned k = 0; k < p->n_pending; k++)
		send_candidate(net, !from, p->pending[k]);
	p->n_pending = 0;
}

static void drain(struct net *net)
{
	for (int i = 0; i < 2; i++) {
		struct net_peer *p = &net->peers[i];
		struct rtc_ice_transmit tx;
		struct rtc_ice_event ev;

		while (rtc_ice_agent_poll_transmit(p->agent, &tx)) {
			for (unsigned s = 0; s < p->n_sockets; s++) {
				if (p->sockets[s].id != tx.socket)
					continue;
				struct sockaddr_storage from = public_source(p, s);

				if (p->behind_nat)
					note_nat_sent(p, &tx.to);
				enqueue(net, &from, &tx.to, tx.data, tx.len);
			}
		}
		while (rtc_ice_agent_poll_event(p->agent, &ev)) {
			switch (ev.type) {
			case RTC_ICE_EVENT_LOCAL_CANDIDATE:
				p->candidates_announced++;
				if (p->trickle_paused && p->n_pending < 32)
					snprintf(p->pending[p->n_pending++],
						 RTC_ICE_CANDIDATE_LINE_MAX, "%s", ev.candidate);
				else
					send_candidate(net, !i, ev.candidate);
				break;
			case RTC_ICE_EVENT_GATHERING_STATE:
				p->gathering_complete = ev.gathering == RTC_ICE_GATHERING_COMPLETE;
				break;
			case RTC_ICE_EVENT_TRANSPORT_STATE:
				if (p->n_states < NET_MAX_LOG) {
					p->states[p->n_states] = ev.transport;
					p->state_times[p->n_states++] = net->now;
				}
				break;
			case RTC_ICE_EVENT_SELECTED_PAIR:
				p->selected_changes++;
				break;
			case RTC_ICE_EVENT_ROLE_CHANGED:
				p->role_changes++;
				break;
			case RTC_ICE_EVENT_CANDIDATE_ERROR:
				break;
			}
		}
	}
}

static uint64_t next_time(const struct net *net)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < 2; i++) {
		uint64_t d = rtc_ice_agent_deadline(net->peers[i].agent);

		if (d < next)
			next = d;
	}
	for (unsigned k = 0; k < net->n_packets; k++)
		if (net->packets[k].deliver_at < next)
			next = net->packets[k].deliver_at;
	return next;
}

/* Delivers the due packets in the order they arrive (jitter reorders). */
static void deliver_due(struct net *net)
{
	for (;;) {
		unsigned first = net->n_packets;
		struct net_packet pkt;

		for (unsigned k = 0; k < net->n_packets; k++)
			if (net->packets[k].deliver_at <= net->now &&
			    (first == net->n_packets ||
			     net->packets[k].deliver_at < net->packets[first].deliver_at))
				first = k;
		if (first == net->n_packets)
			return;
		pkt = net->packets[first];
		net->packets[first] = net->packets[--net->n_packets];
		deliver(net, &pkt);
	}
}

bool net_run(struct net *net, uint64_t limit, bool (*cond)(struct net *net))
{
	uint64_t end = net->now + limit;

	for (unsigned iterations = 0; iterations < 10000000; iterations++) {
		uint64_t next;

		drain(net);
		if (cond && cond(net))
			return true;
		next = next_time(net);
		if (next > end) {
			net->now = end;
			return cond ? cond(net) : true;
		}
		if (next > net->now)
			net->now = next;
		deliver_due(net);
		for (int i = 0; i < 2; i++)
			if (rtc_ice_agent_deadline(net->peers[i].agent) <= net->now)
				rtc_ice_agent_handle_timeout(net->peers[i].agent, net->now);
	}
	return false;
}

void net_run_for(struct net *net, uint64_t duration)
{
	net_run(net, duration, NULL);
}

enum rtc_ice_transport_state net_state(const struct net *net, int i)
{
	return rtc_ice_agent_transport_state(net->peers[i].agent);
}

static bool is_up(enum rtc_ice_transport_state s)
{
	return s == RTC_ICE_TRANSPORT_CONNECTED || s == RTC_ICE_TRANSPORT_COMPLETED;
}

bool net_both_connected(struct net *net)
{
	return is_up(net_state(net, 0)) && is_up(net_state(net, 1));
}

bool net_both_selected(struct net *net)
{
	return net_both_connected(net) &&
	       rtc_ice_agent_selected_pair(net->peers[0].agent, NULL, NULL) &&
	       rtc_ice_agent_selected_pair(net->peers[1].agent, NULL, NULL);
}

bool net_saw_state(const struct net *net, int i, enum rtc_ice_transport_state s)
{
	for (unsigned k = 0; k < net->peers[i].n_states; k++)
		if (net->peers[i].states[k] == s)
			return true;
	return false;
}
