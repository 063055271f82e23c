/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session: one peer connection's engine (engine/pc) on the reactor. It
 * opens the sockets the pc asks for, resolves names, carries what the pc
 * sends and what the sockets bring, arms one timer at the pc's deadline,
 * and hands the pc's events to the API layer's callbacks.
 */
#include "session/session-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "io/reactor.h"
#include "io/resolver.h"

static uint64_t now_of(const struct rtc_session *s)
{
	return rtc_reactor_now(s->reactor);
}

/* ---- the engine pump ------------------------------------------------------ */

static void gather(struct rtc_session *s);

void rtc_session_schedule(struct rtc_session *s)
{
	if (!s->closed)
		rtc_timer_arm(s->timer, now_of(s));
}

static struct rtc_session_socket *socket_by_id(struct rtc_session *s, uint32_t id)
{
	for (size_t i = 0; i < s->n_sockets; i++)
		if (s->sockets[i].id == id)
			return &s->sockets[i];
	return NULL;
}

static void transmit(struct rtc_session *s, const struct rtc_pc_transmit *tx)
{
	struct rtc_session_socket *sock;
	socklen_t len;
	int r;

	if (tx->to.ss_family == AF_UNSPEC) {
		rtc_session_stream_send(s, tx->socket, tx->data, tx->len);
		return;
	}
	if (!(sock = socket_by_id(s, tx->socket)) || !sock->udp)
		return;
	len = tx->to.ss_family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6);
	r = rtc_udp_send(sock->udp, tx->data, tx->len, (const struct sockaddr *)&tx->to, len);
	if (r < 0)
		rtc_debug("session: send on socket %u failed: %s", sock->id, strerror(-r));
}

static void handle_event(struct rtc_session *s, const struct rtc_pc_event *ev)
{
	const struct rtc_session_callbacks *cb = s->cb;

	switch (ev->type) {
	case RTC_PC_EVENT_GATHER:
		gather(s);
		break;
	case RTC_PC_EVENT_RESOLVE_NAME:
		rtc_session_resolve_name(s, ev->name);
		break;
	case RTC_PC_EVENT_LOCAL_CANDIDATE:
		cb->local_candidate(s->userdata, ev->candidate.line, ev->candidate.mid,
				    ev->candidate.mline_index);
		break;
	case RTC_PC_EVENT_GATHERING_STATE:
		cb->gathering_state(s->userdata, ev->gathering);
		break;
	case RTC_PC_EVENT_ICE_STATE:
		cb->ice_state(s->userdata, ev->ice);
		break;
	case RTC_PC_EVENT_CANDIDATE_ERROR:
		cb->candidate_error(s->userdata, ev->candidate_error.address,
				    ev->candidate_error.port, ev->candidate_error.url,
				    ev->candidate_error.code, ev->candidate_error.text);
		break;
	case RTC_PC_EVENT_DTLS_STATE:
		if (cb->dtls_state)
			cb->dtls_state(s->userdata, ev->dtls);
		break;
	case RTC_PC_EVENT_SCTP_READY:
		cb->sctp_ready(s->userdata);
		break;
	case RTC_PC_EVENT_CHANNEL_OPENED:
		cb->channel_opened(s->userdata, ev->channel.stream, &ev->channel.params);
		break;
	case RTC_PC_EVENT_CHANNEL_MESSAGE:
		cb->channel_message(s->userdata, ev->channel.stream, ev->channel.binary,
				    ev->channel.data, ev->channel.len);
		break;
	case RTC_PC_EVENT_CHANNEL_CLOSING:
		cb->channel_closing(s->userdata, ev->channel.stream);
		break;
	case RTC_PC_EVENT_CHANNEL_CLOSED:
		cb->channel_closed(s->userdata, ev->channel.stream);
		break;
	case RTC_PC_EVENT_CHANNEL_BUFFERED_LOW:
		cb->channel_buffered_low(s->userdata, ev->channel.stream);
		break;
	case RTC_PC_EVENT_TRACK:
		if (cb->track)
			cb->track(s->userdata, ev->media.transceiver);
		break;
	case RTC_PC_EVENT_MEDIA_FRAME:
		if (cb->media_frame)
			cb->media_frame(s->userdata, ev->media.transceiver, &ev->media.frame);
		break;
	case RTC_PC_EVENT_KEY_FRAME_REQUEST:
		if (cb->key_frame_request)
			cb->key_frame_request(s->userdata, ev->media.transceiver);
		break;
	case RTC_PC_EVENT_TARGET_BITRATE:
		if (cb->target_bitrate)
			cb->target_bitrate(s->userdata, ev->media.bitrate);
		break;
	}
}

void rtc_session_pump(struct rtc_session *s)
{
	struct rtc_pc_output out;

	if (s->pumping)
		return;
	s->pumping = true;
	while (rtc_pc_poll_output(s->pc, now_of(s), &out) != RTC_PC_OUTPUT_TIMEOUT) {
		if (out.type == RTC_PC_OUTPUT_TRANSMIT)
			transmit(s, &out.transmit);
		else
			handle_event(s, &out.event);
	}
	s->pumping = false;
	if (s->closed || out.deadline == RTC_NEVER)
		rtc_timer_disarm(s->timer);
	else
		rtc_timer_arm(s->timer, out.deadline);
}

static void on_timer(void *userdata)
{
	struct rtc_session *s = userdata;

	rtc_pc_handle_timeout(s->pc, now_of(s));
	rtc_session_pump(s);
}

/* usrsctp is one stack for the whole process: a call on another session's
 * association may leave work on ours. Pick it up at the next iteration. */
static void on_pc_wake(void *user)
{
	rtc_session_schedule(user);
}

static void on_udp(void *userdata, struct rtc_udp_socket *udp, const uint8_t *data, size_t len,
		   const struct sockaddr *from, socklen_t fromlen)
{
	struct rtc_session_socket *sock = userdata;
	struct rtc_session *s = sock->session;

	rtc_pc_handle_receive_at(s->pc, now_of(s), rtc_udp_arrival_time(udp), sock->id,
				 from, data, len);
	rtc_session_pump(s);
}

/* ---- gathering ------------------------------------------------------------ */

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
	uint32_t relay;

	if (url->scheme != RTC_ICE_URL_TURN && url->scheme != RTC_ICE_URL_TURNS) {
		rtc_pc_add_stun_server(s->pc, addr);
		return;
	}
	relay = rtc_pc_add_turn_server(s->pc, rtc_reactor_now(s->reactor), server, url, addr);
	if (relay && (url->scheme == RTC_ICE_URL_TURNS ||
		      url->transport == RTC_ICE_URL_TRANSPORT_TCP))
		rtc_session_stream_open(s, relay, url, addr);
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
		rtc_pc_report_server_error(s->pc, l->url, text);
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
	if (!s->server_lookups)
		rtc_pc_gathering_sources_done(s->pc);
	rtc_session_pump(s);
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
	rtc_pc_report_server_error(s->pc, url, "cannot resolve the server's name");
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

/* A host candidate that could not be had (no socket: the fd limit, the
 * port range, no memory) is said, as W3C's icecandidateerror: the app learns
 * why the gathering it is told is complete found nothing. 701, as browsers
 * use for failures that are not a STUN server's answer. */
__attribute__((format(printf, 3, 4)))
static void gather_error(struct rtc_session *s, const struct rtc_local_address *local,
			 const char *fmt, ...)
{
	char address[INET6_ADDRSTRLEN] = "", text[256];
	const void *in = NULL;
	va_list ap;

	if (local && local->addr.ss_family == AF_INET)
		in = &((const struct sockaddr_in *)&local->addr)->sin_addr;
	else if (local && local->addr.ss_family == AF_INET6)
		in = &((const struct sockaddr_in6 *)&local->addr)->sin6_addr;
	if (in)
		inet_ntop(local->addr.ss_family, in, address, sizeof(address));
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rtc_warn("session: %s", text);
	s->cb->candidate_error(s->userdata, address, 0, "", 701, text);
}

static void gather(struct rtc_session *s)
{
	struct rtc_local_address locals[RTC_SESSION_MAX_SOCKETS];
	struct rtc_error err = { 0 };
	char last_if[IF_NAMESIZE] = "";
	uint8_t rank = 0;
	int n;

	if (s->sockets)
		return;         /* once per session: the sockets never move */
	n = rtc_local_addresses(&s->net->interfaces, locals, RTC_SESSION_MAX_SOCKETS);
	if (n < 0) {
		gather_error(s, NULL, "cannot list local addresses: %s", strerror(-n));
		n = 0;
	} else if (n == 0) {
		gather_error(s, NULL, "no local address to gather candidates on");
	}
	if (n > 0) {
		s->sockets = calloc((size_t)n, sizeof(*s->sockets));
		if (!s->sockets) {
			gather_error(s, NULL, "no memory for %d host sockets", n);
			n = 0;
		}
	}
	for (int i = 0; i < n; i++) {
		struct rtc_session_socket *sock = &s->sockets[s->n_sockets];
		char name[RTC_PC_HOST_NAME_MAX];
		int r;

		sock->session = s;
		sock->id = (uint32_t)s->n_sockets + 1;
		r = open_host_socket(s, sock, &locals[i]);
		if (r < 0) {
			gather_error(s, &locals[i], "no UDP socket on %s: %s", locals[i].ifname,
				     strerror(-r));
			continue;
		}
		if (last_if[0] && strcmp(last_if, locals[i].ifname) != 0 && rank < 255)
			rank++;
		memcpy(last_if, locals[i].ifname, sizeof(last_if));
		s->n_sockets++;
		if (rtc_pc_add_host_socket(s->pc, sock->id, &sock->address, rank,
					   rtc_session_mdns_register(s, &sock->address, name)
						   ? name : NULL, &err) < 0)
			rtc_warn("session: host candidate refused: %s", err.message);
	}

	for (unsigned i = 0; i < s->ice->n_servers; i++)
		for (unsigned u = 0; u < s->ice->servers[i].n_urls; u++)
			add_server(s, &s->ice->servers[i], &s->ice->servers[i].urls[u]);
	if (!s->server_lookups)
		rtc_pc_gathering_sources_done(s->pc);
}

/* ---- the API's calls ------------------------------------------------------- */

/* What a call made goes out now; its events wait for the next iteration. */
static int after_call(struct rtc_session *s, int r)
{
	rtc_session_pump(s);
	return r;
}

int rtc_session_set_local_description(struct rtc_session *s, enum rtc_sdp_type type,
				      const char *sdp, struct rtc_error *err)
{
	int r = rtc_pc_set_local_description(s->pc, now_of(s), type, sdp, err);

	if (r == 0)
		rtc_session_schedule(s);
	return r;
}

int rtc_session_set_remote_description(struct rtc_session *s, enum rtc_sdp_type type,
				       const char *sdp, struct rtc_error *err)
{
	int r = rtc_pc_set_remote_description(s->pc, now_of(s), type, sdp, err);

	if (r == 0)
		rtc_session_schedule(s);
	return r;
}

int rtc_session_add_ice_candidate(struct rtc_session *s, const char *candidate,
				  const char *mid, int mline_index, struct rtc_error *err)
{
	int r = rtc_pc_add_ice_candidate(s->pc, now_of(s), candidate, mid, mline_index, err);

	if (r == 0)
		rtc_session_schedule(s);
	return r;
}

bool rtc_session_sctp_ready(const struct rtc_session *s)
{
	return rtc_pc_sctp_ready(s->pc);
}

int rtc_session_channel_open(struct rtc_session *s, uint16_t stream,
			     const struct rtc_sctp_channel_params *params, struct rtc_error *err)
{
	return after_call(s, rtc_pc_channel_open(s->pc, now_of(s), stream, params, err));
}

int rtc_session_channel_send(struct rtc_session *s, uint16_t stream, bool binary,
			     const uint8_t *data, size_t len, struct rtc_error *err)
{
	return after_call(s, rtc_pc_channel_send(s->pc, now_of(s), stream, binary, data, len,
						 err));
}

int rtc_session_channel_close(struct rtc_session *s, uint16_t stream, struct rtc_error *err)
{
	return after_call(s, rtc_pc_channel_close(s->pc, now_of(s), stream, err));
}

uint64_t rtc_session_channel_buffered_amount(const struct rtc_session *s, uint16_t stream)
{
	return rtc_pc_channel_buffered_amount(s->pc, stream);
}

void rtc_session_channel_set_low_threshold(struct rtc_session *s, uint16_t stream,
					   uint64_t threshold)
{
	rtc_pc_channel_set_low_threshold(s->pc, stream, threshold);
}

void rtc_session_channel_hold_receiving(struct rtc_session *s, bool hold)
{
	rtc_pc_channel_hold_receiving(s->pc, now_of(s), hold);
	/* Called while a message is being delivered, too: what the release
	 * read (and the window update) goes out at the next iteration, not
	 * from inside this one. */
	rtc_session_schedule(s);
}

/* ---- media ------------------------------------------------------------------ */

int rtc_session_send_frame(struct rtc_session *s, size_t transceiver, uint64_t capture_ns,
			   const uint8_t *frame, size_t len, int audio_level, struct rtc_error *err)
{
	if (s->closed)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the session is closed");
	int r = rtc_pc_send_frame(s->pc, now_of(s), transceiver, capture_ns, frame, len,
				  audio_level, err);

	/* The packets go out at the next iteration, not from in here: the
	 * caller is a sender's result callback, and events pumped now could
	 * free that sender under it. */
	rtc_session_schedule(s);
	return r;
}

void rtc_session_request_key_frame(struct rtc_session *s, size_t transceiver)
{
	if (s->closed)
		return;
	rtc_pc_request_key_frame(s->pc, now_of(s), transceiver);
	rtc_session_schedule(s);
}

bool rtc_session_media_stats(const struct rtc_session *s, size_t transceiver,
			     struct rtc_pc_media_stats *out)
{
	return rtc_pc_media_stats(s->pc, transceiver, out);
}

/* ---- lifetime ------------------------------------------------------------- */

int rtc_session_new(struct rtc_reactor *reactor, const struct rtc_net_options *net,
		    const struct rtc_ice_config *ice, enum rtc_bundle_policy bundle_policy,
		    const struct rtc_session_callbacks *callbacks, void *userdata,
		    struct rtc_session **out, struct rtc_error *err)
{
	struct rtc_session *s = calloc(1, sizeof(*s));
	struct rtc_pc_config config = {
		.ice = ice,
		.bundle_policy = bundle_policy,
		.can_resolve_names = net->mdns != NULL,
		.wake = on_pc_wake,
	};

	if (!s)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	s->reactor = reactor;
	s->net = net;
	s->ice = ice;
	s->cb = callbacks;
	s->userdata = userdata;
	config.user = s;
	s->timer = rtc_timer_new(reactor, on_timer, s);
	if (!s->timer || rtc_pc_new(&config, &s->pc, err) < 0) {
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
	/* close_notify and the TURN releases go out before the sockets close;
	 * no events any more: the owner is going away. */
	rtc_pc_close(s->pc, now_of(s));
	rtc_session_pump(s);
	s->closed = true;
	rtc_session_stream_close_all(s);
	for (size_t i = 0; i < s->n_sockets; i++) {
		rtc_udp_close(s->sockets[i].udp);
		s->sockets[i].udp = NULL;
	}
	s->n_sockets = 0;
	rtc_timer_disarm(s->timer);
	rtc_session_mdns_cancel(s);
	rtc_session_mdns_unregister_all(s);
	cancel_server_lookups(s);
}

void rtc_session_free(struct rtc_session *s)
{
	if (!s)
		return;
	rtc_session_close(s);
	rtc_pc_free(s->pc);
	rtc_timer_free(s->timer);
	free(s->sockets);
	free(s);
}

const struct rtc_jsep *rtc_session_jsep(const struct rtc_session *s)
{
	return rtc_pc_jsep(s->pc);
}

struct rtc_jsep *rtc_session_jsep_mut(struct rtc_session *s)
{
	return rtc_pc_jsep_mut(s->pc);
}

const struct rtc_ice_agent *rtc_session_ice_agent(const struct rtc_session *s)
{
	return rtc_pc_ice_agent(s->pc);
}

enum rtc_ice_gathering_state rtc_session_gathering_state(const struct rtc_session *s)
{
	return rtc_pc_gathering_state(s->pc);
}

enum rtc_dtls_state rtc_session_dtls_state(const struct rtc_session *s)
{
	return rtc_pc_dtls_state(s->pc);
}

enum rtc_ice_transport_state rtc_session_ice_state(const struct rtc_session *s)
{
	return rtc_pc_ice_state(s->pc);
}

void rtc_session_stats(const struct rtc_session *s, struct rtc_pc_stats *out)
{
	rtc_pc_stats(s->pc, out);
}

const struct rtc_pc *rtc_session_pc(const struct rtc_session *s)
{
	return s->pc;
}
