/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session/session-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/pc/demux.h"
#include "io/reactor.h"
#include "io/resolver.h"

/* ---- the engine pump ------------------------------------------------------ */

static void pump(struct rtc_session *s);
static void gather(struct rtc_session *s);

/* Work for the next reactor iteration, never inside the caller's call: W3C
 * fires icecandidate and the state events after the method that caused
 * them has returned. */
static void schedule(struct rtc_session *s)
{
	if (!s->closed)
		rtc_timer_arm(s->timer, rtc_reactor_now(s->reactor));
}

static void on_timer(void *userdata)
{
	struct rtc_session *s = userdata;

	if (s->gather_pending) {
		s->gather_pending = false;
		gather(s);
	}
	if (s->agent && rtc_reactor_now(s->reactor) >= rtc_ice_agent_deadline(s->agent))
		rtc_ice_agent_handle_timeout(s->agent, rtc_reactor_now(s->reactor));
	rtc_session_turn_timeouts(s);
	rtc_session_transport_timeouts(s);
	pump(s);
}

struct rtc_session_socket *rtc_session_socket_by_id(struct rtc_session *s, uint32_t id)
{
	for (size_t i = 0; i < s->n_sockets; i++)
		if (s->sockets[i].id == id)
			return &s->sockets[i];
	return NULL;
}

static socklen_t sockaddr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

void rtc_session_send_host(struct rtc_session *s, struct rtc_session_socket *sock,
			   const struct sockaddr_storage *to, const uint8_t *data, size_t len)
{
	int r = rtc_udp_send(sock->udp, data, len, (const struct sockaddr *)to, sockaddr_len(to));

	if (r < 0)
		rtc_debug("session: send on socket %u failed: %s", sock->id, strerror(-r));
}

void rtc_session_transmit(struct rtc_session *s, uint32_t socket,
			  const struct sockaddr_storage *to, const uint8_t *data, size_t len)
{
	struct rtc_session_socket *sock = rtc_session_socket_by_id(s, socket);

	if (sock)
		rtc_session_send_host(s, sock, to, data, len);
	else
		rtc_session_turn_send(s, socket, to, data, len);
}

static void transmit(struct rtc_session *s, const struct rtc_ice_transmit *tx)
{
	rtc_session_transmit(s, tx->socket, &tx->to, tx->data, tx->len);
}

static void set_gathering(struct rtc_session *s, enum rtc_ice_gathering_state g)
{
	if (g == s->gathering)
		return;
	s->gathering = g;
	/* W3C: the null candidate comes right before "complete". */
	if (g == RTC_ICE_GATHERING_COMPLETE) {
		struct rtc_error err = { 0 };
		rtc_jsep_add_local_candidate(s->jsep, "", &err);
		s->cb->local_candidate(s->userdata, "", s->local_mid, s->local_mline);
	}
	s->cb->gathering_state(s->userdata, g);
}

static void set_transport(struct rtc_session *s, enum rtc_ice_transport_state t)
{
	if (t == s->transport)
		return;
	s->transport = t;
	s->cb->ice_state(s->userdata, t);
}

static void handle_event(struct rtc_session *s, const struct rtc_ice_event *ev)
{
	struct rtc_error err = { 0 };
	char address[INET6_ADDRSTRLEN] = "";
	uint16_t port = 0;

	switch (ev->type) {
	case RTC_ICE_EVENT_LOCAL_CANDIDATE: {
		char hidden[RTC_ICE_CANDIDATE_LINE_MAX + 64];
		const char *line = rtc_session_mdns_hide(s, ev->candidate, hidden, sizeof(hidden))
					   ? hidden : ev->candidate;

		if (rtc_jsep_add_local_candidate(s->jsep, line, &err) < 0)
			rtc_debug("session: candidate not in the description: %s", err.message);
		s->cb->local_candidate(s->userdata, line, s->local_mid, s->local_mline);
		break;
	}
	case RTC_ICE_EVENT_GATHERING_STATE:
		/* Each step is an event of its own: W3C apps see "gathering"
		 * even when "complete" follows in the same instant. */
		set_gathering(s, ev->gathering);
		break;
	case RTC_ICE_EVENT_TRANSPORT_STATE:
		set_transport(s, ev->transport);
		break;
	case RTC_ICE_EVENT_SELECTED_PAIR:
		rtc_session_address_string(&ev->selected.remote, address, sizeof(address), &port);
		rtc_info("session: selected pair: socket %u -> %s port %u", ev->selected.socket,
			 address, port);
		break;
	case RTC_ICE_EVENT_ROLE_CHANGED:
		rtc_debug("session: ICE role is now %s", rtc_ice_role_name(ev->role));
		break;
	case RTC_ICE_EVENT_CANDIDATE_ERROR: {
		char url[300];
		rtc_session_address_string(&ev->candidate_error.server, address, sizeof(address),
					   &port);
		snprintf(url, sizeof(url), "stun:%s%s%s:%u",
			 ev->candidate_error.server.ss_family == AF_INET6 ? "[" : "", address,
			 ev->candidate_error.server.ss_family == AF_INET6 ? "]" : "", port);
		s->cb->candidate_error(s->userdata, address, port, url, ev->candidate_error.code,
				       ev->candidate_error.text);
		break;
	}
	}
}

/* Does what the engine asked for, then waits for its next deadline. */
static void pump(struct rtc_session *s)
{
	struct rtc_ice_transmit tx;
	struct rtc_ice_event ev;
	uint64_t deadline;

	if (!s->agent)
		return;
	while (rtc_ice_agent_poll_transmit(s->agent, &tx))
		transmit(s, &tx);
	while (rtc_ice_agent_poll_event(s->agent, &ev))
		handle_event(s, &ev);
	rtc_session_turn_pump(s);
	rtc_session_transport_maybe_start(s);
	rtc_session_transport_pump(s);
	/* What DTLS sent may have been wrapped for a TURN server. */
	rtc_session_turn_pump(s);

	deadline = rtc_ice_agent_deadline(s->agent);
	if (rtc_session_turn_deadline(s) < deadline)
		deadline = rtc_session_turn_deadline(s);
	if (rtc_session_transport_deadline(s) < deadline)
		deadline = rtc_session_transport_deadline(s);
	if (deadline == UINT64_MAX)
		rtc_timer_disarm(s->timer);
	else
		rtc_timer_arm(s->timer, deadline);
}

void rtc_session_pump(struct rtc_session *s)
{
	pump(s);
}

/* ---- receiving ------------------------------------------------------------ */

void rtc_session_deliver(struct rtc_session *s, uint32_t socket_id, const uint8_t *data,
			 size_t len, const struct sockaddr *from)
{
	switch (rtc_demux_classify(data, len)) {
	case RTC_PACKET_STUN:
		rtc_ice_agent_handle_receive(s->agent, rtc_reactor_now(s->reactor), socket_id, from,
					    data, len);
		break;
	case RTC_PACKET_DTLS:
		rtc_session_transport_receive(s, data, len);
		break;
	default:
		/* SRTP comes with media; anything else is not WebRTC. */
		s->dropped_packets++;
		break;
	}
}

static void on_udp(void *userdata, struct rtc_udp_socket *udp, const uint8_t *data, size_t len,
		   const struct sockaddr *from, socklen_t fromlen)
{
	struct rtc_session_socket *sock = userdata;
	struct rtc_session *s = sock->session;

	if (!s->agent)
		return;
	/* Replies of our TURN servers arrive on the host socket that asked. */
	if (!rtc_session_turn_receive(s, sock, data, len, from))
		rtc_session_deliver(s, sock->id, data, len, from);
	pump(s);
}

/* ---- gathering ------------------------------------------------------------ */

void rtc_session_address_string(const struct sockaddr_storage *a, char *buf, size_t size,
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

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

/* A UDP socket on `addr`, in the configured port range if there is one. */
static int open_host_socket(struct rtc_session *s, struct rtc_session_socket *sock,
			    const struct rtc_local_address *local)
{
	uint16_t lo = s->net->port_min, hi = s->net->port_max;
	struct sockaddr_storage bind_addr = local->addr;
	int r = -EADDRINUSE;

	if (!lo || !hi || hi < lo) {
		lo = hi = 0;
	}
	/* Spread sessions over the range instead of all probing from its start. */
	for (uint32_t k = 0, span = (uint32_t)(hi - lo) + 1; k < span; k++) {
		uint16_t port = lo ? (uint16_t)(lo + (s->port_cursor + k) % span) : 0;
		set_port(&bind_addr, port);
		r = rtc_udp_open(s->reactor, (struct sockaddr *)&bind_addr, local->len, on_udp, sock,
				 &sock->udp);
		if (r != -EADDRINUSE)
			break;
	}
	s->port_cursor++;
	if (r < 0)
		return r;
	return rtc_udp_local_address(sock->udp, &sock->address, &(socklen_t){ 0 });
}

/* A STUN/TURN server URL's host when it is an address literal; names go
 * through the resolver (add_server). */
int rtc_session_server_address(const struct rtc_ice_url *url, int family,
			       struct sockaddr_storage *out)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res;
	char port[8];

	snprintf(port, sizeof(port), "%u", url->port);
	if (getaddrinfo(url->host, port, &hints, &res) != 0)
		return -1;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* A STUN or TURN server at a known address. */
static void use_server(struct rtc_session *s, const struct rtc_ice_server *server,
		       const struct rtc_ice_url *url, const struct sockaddr_storage *addr)
{
	struct rtc_error err = { 0 };

	if (url->scheme == RTC_ICE_URL_TURN || url->scheme == RTC_ICE_URL_TURNS)
		rtc_session_turn_add_server(s, server, url, addr);
	else if (rtc_ice_agent_add_stun_server(s->agent, (const struct sockaddr *)addr, &err) < 0)
		rtc_warn("session: STUN server refused: %s", err.message);
}

/* A server name on its way through the resolver. */
struct rtc_session_server_lookup {
	struct rtc_session_server_lookup *next;
	struct rtc_session *session;
	const struct rtc_ice_server *server;
	const struct rtc_ice_url *url;
	struct rtc_resolve *request;
};

static void on_server_resolved(void *userdata, const struct sockaddr_storage *addrs, size_t n,
			       const char *error)
{
	struct rtc_session_server_lookup *l = userdata, **p;
	struct rtc_session *s = l->session;
	bool have_v4 = false, have_v6 = false;

	for (p = &s->server_lookups; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	if (n == 0) {
		char text[300];
		snprintf(text, sizeof(text), "cannot resolve %s: %s", l->url->host, error);
		s->cb->candidate_error(s->userdata, "", l->url->port, l->url->host, 701, text);
	}
	/* The first address of each family, as browsers try. */
	for (size_t i = 0; i < n; i++) {
		bool *seen = addrs[i].ss_family == AF_INET ? &have_v4 : &have_v6;
		if (*seen)
			continue;
		*seen = true;
		use_server(s, l->server, l->url, &addrs[i]);
	}
	free(l);
	rtc_session_turn_start(s);
	rtc_session_local_candidates_maybe_done(s);
	pump(s);
}

static void add_server(struct rtc_session *s, const struct rtc_ice_server *server,
		       const struct rtc_ice_url *url)
{
	struct rtc_session_server_lookup *l;
	struct sockaddr_storage addr;

	if (url->scheme == RTC_ICE_URL_STUNS)
		return;         /* STUN over TLS: no part of WebRTC's ICE */
	if (rtc_session_server_address(url, AF_UNSPEC, &addr) == 0) {
		use_server(s, server, url, &addr);
		return;
	}
	l = calloc(1, sizeof(*l));
	if (l && s->net->resolver) {
		l->session = s;
		l->server = server;
		l->url = url;
		l->request = rtc_resolve_start(s->net->resolver, url->host, url->port, AF_UNSPEC,
					       on_server_resolved, l);
		if (l->request) {
			l->next = s->server_lookups;
			s->server_lookups = l;
			return;
		}
	}
	free(l);
	s->cb->candidate_error(s->userdata, "", url->port, url->host, 701,
			       "cannot resolve the server's name");
}

static void cancel_server_lookups(struct rtc_session *s)
{
	while (s->server_lookups) {
		struct rtc_session_server_lookup *l = s->server_lookups;
		s->server_lookups = l->next;
		rtc_resolve_cancel(l->request);
		free(l);
	}
}

static void gather(struct rtc_session *s)
{
	struct rtc_local_address locals[RTC_SESSION_MAX_SOCKETS];
	struct rtc_error err = { 0 };
	char last_if[IF_NAMESIZE] = "";
	uint8_t rank = 0;
	int n = rtc_local_addresses(&s->net->interfaces, locals, RTC_SESSION_MAX_SOCKETS);

	if (n < 0) {
		rtc_warn("session: cannot list local addresses: %s", strerror(-n));
		n = 0;
	}
	/* Once per session (the agent is made once), so the sockets are
	 * counted before they are opened, and never move after. */
	if (n > 0) {
		s->sockets = calloc((size_t)n, sizeof(*s->sockets));
		if (!s->sockets) {
			rtc_warn("session: no memory for %d host sockets", n);
			n = 0;
		}
	}
	for (int i = 0; i < n; i++) {
		struct rtc_session_socket *sock = &s->sockets[s->n_sockets];
		struct rtc_ice_local_candidate c = { .type = RTC_SDP_CANDIDATE_HOST };
		int r;

		sock->session = s;
		sock->id = (uint32_t)s->n_sockets + 1;
		r = open_host_socket(s, sock, &locals[i]);
		if (r < 0) {
			rtc_warn("session: no socket on %s: %s", locals[i].ifname, strerror(-r));
			continue;
		}
		if (last_if[0] && strcmp(last_if, locals[i].ifname) != 0 && rank < 255)
			rank++;
		memcpy(last_if, locals[i].ifname, sizeof(last_if));
		c.socket = sock->id;
		c.address = sock->address;
		c.interface_rank = rank;
		s->n_sockets++;
		/* The relay policy keeps host candidates private, but the socket
		 * still carries TURN traffic. */
		if (rtc_ice_agent_add_local_candidate(s->agent, &c, &err) < 0)
			rtc_warn("session: host candidate refused: %s", err.message);
	}

	for (unsigned i = 0; i < s->ice->n_servers; i++)
		for (unsigned u = 0; u < s->ice->servers[i].n_urls; u++)
			add_server(s, &s->ice->servers[i], &s->ice->servers[i].urls[u]);
	rtc_session_turn_start(s);
	rtc_session_local_candidates_maybe_done(s);
}

void rtc_session_local_candidates_maybe_done(struct rtc_session *s)
{
	if (!s->agent || s->local_candidates_done || s->server_lookups ||
	    rtc_session_turn_pending(s))
		return;
	s->local_candidates_done = true;
	rtc_ice_agent_local_candidates_done(s->agent);
}

/* ---- following the descriptions ------------------------------------------ */

static int start_ice(struct rtc_session *s, struct rtc_error *err)
{
	struct rtc_ice_agent_config config = {
		.role = rtc_jsep_we_offered(s->jsep) ? RTC_ICE_ROLE_CONTROLLING
						      : RTC_ICE_ROLE_CONTROLLED,
		.policy = s->ice->transport_policy,
	};
	struct rtc_jsep_ice_section local;
	struct rtc_ice_credentials creds;

	if (!rtc_jsep_local_ice(s->jsep, &local))
		return 0;       /* no data section yet: nothing to connect */
	/* Ours: JSEP made them, of the lengths rtc_ice_credentials holds. */
	if (strlen(local.ufrag) >= sizeof(creds.ufrag) || strlen(local.pwd) >= sizeof(creds.pwd))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "local ICE credentials too long");
	memcpy(creds.ufrag, local.ufrag, strlen(local.ufrag) + 1);
	memcpy(creds.pwd, local.pwd, strlen(local.pwd) + 1);
	snprintf(s->local_mid, sizeof(s->local_mid), "%s", local.mid);
	s->local_mline = local.mline_index;

	if (s->agent) {
		if (strcmp(creds.ufrag, s->local_ufrag) != 0) {
			snprintf(s->local_ufrag, sizeof(s->local_ufrag), "%s", creds.ufrag);
			return rtc_ice_agent_restart(s->agent, &creds, err);
		}
		return 0;
	}
	s->agent = rtc_ice_agent_new(&config, &creds, err);
	if (!s->agent)
		return -1;
	snprintf(s->local_ufrag, sizeof(s->local_ufrag), "%s", creds.ufrag);
	s->gather_pending = true;
	return 0;
}

/* The remote description's ICE: credentials (new ones: the peer
 * restarted), role, and the candidates it carries. */
static int follow_remote(struct rtc_session *s, struct rtc_error *err)
{
	struct rtc_jsep_ice_section remote;
	const struct rtc_sdp_candidate *c;
	const char *known_ufrag;

	if (!s->agent || !rtc_jsep_remote_ice(s->jsep, &remote))
		return 0;
	/* RFC 8445 6.1.1: the offerer controls, and a full agent always
	 * controls a lite one. Fixed by the first negotiation (and repaired by
	 * role conflicts after), chosen again only when the peer restarts. */
	known_ufrag = rtc_ice_agent_remote_ufrag(s->agent);
	if (!known_ufrag || strcmp(remote.ufrag, known_ufrag) != 0) {
		bool controlling = rtc_jsep_we_offered(s->jsep) || remote.ice_lite;
		rtc_ice_agent_set_role(s->agent, controlling ? RTC_ICE_ROLE_CONTROLLING
							     : RTC_ICE_ROLE_CONTROLLED);
	}
	if (rtc_ice_agent_set_remote_credentials(s->agent, remote.ufrag, remote.pwd, err) < 0)
		return -1;
	for (size_t i = 0; (c = rtc_jsep_remote_candidate(s->jsep, i)); i++)
		rtc_session_add_remote(s, c);
	if (remote.end_of_candidates)
		rtc_session_remote_candidates_done(s);
	return 0;
}

int rtc_session_set_local_description(struct rtc_session *s, enum rtc_sdp_type type,
				      const char *sdp, struct rtc_error *err)
{
	if (rtc_jsep_set_local_description(s->jsep, type, sdp, err) < 0)
		return -1;
	if (type != RTC_SDP_TYPE_ROLLBACK) {
		/* W3C: gathering starts with the local description; its failure
		 * is the engine's, not the description's. */
		struct rtc_error ice_err = { 0 };
		if (start_ice(s, &ice_err) < 0)
			rtc_warn("session: ICE did not start: %s", ice_err.message);
		else if (s->agent && type != RTC_SDP_TYPE_OFFER && follow_remote(s, &ice_err) < 0)
			rtc_warn("session: remote ICE refused: %s", ice_err.message);
	}
	schedule(s);
	return 0;
}

int rtc_session_set_remote_description(struct rtc_session *s, enum rtc_sdp_type type,
				       const char *sdp, struct rtc_error *err)
{
	struct rtc_error ice_err = { 0 };

	if (rtc_jsep_set_remote_description(s->jsep, type, sdp, err) < 0)
		return -1;
	if (type != RTC_SDP_TYPE_ROLLBACK && follow_remote(s, &ice_err) < 0)
		rtc_warn("session: remote ICE refused: %s", ice_err.message);
	schedule(s);
	return 0;
}

int rtc_session_add_ice_candidate(struct rtc_session *s, const char *candidate,
				  const char *mid, int mline_index, struct rtc_error *err)
{
	struct rtc_sdp_candidate *c;
	bool ignored;

	if (rtc_jsep_add_remote_candidate(s->jsep, candidate, mid, mline_index, &ignored, err) < 0)
		return -1;
	if (ignored || !s->agent)
		return 0;       /* the agent reads it from the description when it starts */
	if (!*candidate) {
		rtc_session_remote_candidates_done(s);
	} else if (rtc_sdp_candidate_parse(candidate, strlen(candidate), &c, err) == 0) {
		rtc_session_add_remote(s, c);
		rtc_sdp_candidate_free(c);
	}
	schedule(s);
	return 0;
}

/* ---- lifetime ------------------------------------------------------------- */

int rtc_session_new(struct rtc_reactor *reactor, const struct rtc_net_options *net,
		    const struct rtc_ice_config *ice, enum rtc_bundle_policy bundle_policy,
		    const struct rtc_session_callbacks *callbacks, void *userdata,
		    struct rtc_session **out, struct rtc_error *err)
{
	struct rtc_jsep_config jsep_config = { .bundle_policy = bundle_policy };
	struct rtc_session *s = calloc(1, sizeof(*s));

	if (!s)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	s->reactor = reactor;
	s->net = net;
	s->ice = ice;
	s->cb = callbacks;
	s->userdata = userdata;
	s->gathering = RTC_ICE_GATHERING_NEW;
	s->dtls = RTC_DTLS_NEW;
	s->transport = RTC_ICE_TRANSPORT_NEW;
	s->timer = rtc_timer_new(reactor, on_timer, s);
	if (!s->timer || rtc_jsep_new(&jsep_config, &s->jsep, err) < 0) {
		if (s->timer)
			rtc_timer_free(s->timer);
		free(s);
		return err && err->kind ? -1 : rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	*out = s;
	return 0;
}

void rtc_session_close(struct rtc_session *s)
{
	if (s->closed)
		return;
	/* close_notify goes out before the sockets close. */
	rtc_session_transport_free(s);
	s->closed = true;
	rtc_jsep_close(s->jsep);
	rtc_session_turn_close(s);
	if (s->agent)
		rtc_ice_agent_close(s->agent);
	for (size_t i = 0; i < s->n_sockets; i++) {
		rtc_udp_close(s->sockets[i].udp);
		s->sockets[i].udp = NULL;
	}
	s->n_sockets = 0;
	rtc_timer_disarm(s->timer);
	rtc_session_mdns_cancel(s);
	rtc_session_mdns_unregister_all(s);
	cancel_server_lookups(s);
	s->transport = RTC_ICE_TRANSPORT_CLOSED;
}

void rtc_session_free(struct rtc_session *s)
{
	if (!s)
		return;
	rtc_session_close(s);
	rtc_session_turn_free(s);
	rtc_ice_agent_free(s->agent);
	rtc_timer_free(s->timer);
	rtc_jsep_free(s->jsep);
	free(s->sockets);
	free(s);
}

const struct rtc_jsep *rtc_session_jsep(const struct rtc_session *s)
{
	return s->jsep;
}

struct rtc_jsep *rtc_session_jsep_mut(struct rtc_session *s)
{
	return s->jsep;
}

const struct rtc_ice_agent *rtc_session_ice_agent(const struct rtc_session *s)
{
	return s->agent;
}

enum rtc_ice_gathering_state rtc_session_gathering_state(const struct rtc_session *s)
{
	return s->gathering;
}

enum rtc_dtls_state rtc_session_dtls_state(const struct rtc_session *s)
{
	return s->dtls;
}

enum rtc_ice_transport_state rtc_session_ice_state(const struct rtc_session *s)
{
	return s->transport;
}
