/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ICE agent's facade: life cycle, credentials and restarts, the
 * caller's candidates, the queues of packets and events, the timer loop,
 * and the W3C states derived from everything else.
 */
#include "engine/ice/ice-agent-private.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include "engine/base/rng.h"

#include "common/log.h"

static const char *const transport_state_names[] = {
	[RTC_ICE_TRANSPORT_NEW] = "new",
	[RTC_ICE_TRANSPORT_CHECKING] = "checking",
	[RTC_ICE_TRANSPORT_CONNECTED] = "connected",
	[RTC_ICE_TRANSPORT_COMPLETED] = "completed",
	[RTC_ICE_TRANSPORT_DISCONNECTED] = "disconnected",
	[RTC_ICE_TRANSPORT_FAILED] = "failed",
	[RTC_ICE_TRANSPORT_CLOSED] = "closed",
};

static const char *const gathering_state_names[] = {
	[RTC_ICE_GATHERING_NEW] = "new",
	[RTC_ICE_GATHERING_GATHERING] = "gathering",
	[RTC_ICE_GATHERING_COMPLETE] = "complete",
};

static const char *const pair_state_names[] = {
	[RTC_ICE_PAIR_FROZEN] = "frozen",
	[RTC_ICE_PAIR_WAITING] = "waiting",
	[RTC_ICE_PAIR_IN_PROGRESS] = "in-progress",
	[RTC_ICE_PAIR_SUCCEEDED] = "succeeded",
	[RTC_ICE_PAIR_FAILED] = "failed",
};

#define NAME(table, i) ((size_t)(i) < sizeof(table) / sizeof(table[0]) ? table[i] : "unknown")

const char *rtc_ice_transport_state_name(enum rtc_ice_transport_state state)
{
	return NAME(transport_state_names, state);
}

const char *rtc_ice_gathering_state_name(enum rtc_ice_gathering_state state)
{
	return NAME(gathering_state_names, state);
}

const char *rtc_ice_pair_state_name(enum rtc_ice_pair_state state)
{
	return NAME(pair_state_names, state);
}

const char *rtc_ice_role_name(enum rtc_ice_role role)
{
	return role == RTC_ICE_ROLE_CONTROLLING ? "controlling" : "controlled";
}

uint64_t ice_agent_timer(const struct rtc_ice_agent *agent, uint64_t value, uint64_t fallback)
{
	return value ? value : fallback;
}

/* xorshift64*: consent jitter needs spread, not secrecy. */
uint64_t ice_agent_random(struct rtc_ice_agent *agent)
{
	agent->rng ^= agent->rng >> 12;
	agent->rng ^= agent->rng << 25;
	agent->rng ^= agent->rng >> 27;
	return agent->rng * 0x2545F4914F6CDD1Dull;
}

static bool random_u64(uint64_t *out)
{
	if (rtc_rng_bytes(out, sizeof(*out)) < 0) {
		ERR_clear_error();
		return false;
	}
	return true;
}

static int check_credentials(const struct rtc_ice_credentials *c, struct rtc_error *err)
{
	if (rtc_ice_credentials_check_ufrag(c->ufrag, err) < 0 ||
	    rtc_ice_credentials_check_pwd(c->pwd, err) < 0)
		return -1;
	return 0;
}

struct rtc_ice_agent *rtc_ice_agent_new(const struct rtc_ice_agent_config *config,
					const struct rtc_ice_credentials *local,
					struct rtc_error *err)
{
	struct rtc_ice_agent *agent;

	if (check_credentials(local, err) < 0)
		return NULL;
	agent = calloc(1, sizeof(*agent));
	if (!agent) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "ICE agent: out of memory");
		return NULL;
	}
	agent->config = *config;
	agent->role = config->role;
	agent->tie_breaker = config->tie_breaker;
	agent->rng = config->random_seed;
	if ((agent->tie_breaker == 0 && !random_u64(&agent->tie_breaker)) ||
	    (agent->rng == 0 && !random_u64(&agent->rng))) {
		free(agent);
		rtc_error_set(err, RTC_ERROR_OPERATION, "ICE agent: the random generator failed");
		return NULL;
	}
	if (agent->rng == 0)
		agent->rng = 1;   /* xorshift's one fixed point */
	agent->local_creds = *local;
	agent->selected = -1;
	return agent;
}

void rtc_ice_agent_free(struct rtc_ice_agent *agent)
{
	if (!agent)
		return;
	free(agent->transmits.items);
	free(agent->events);
	free(agent->local);
	free(agent->remote);
	free(agent->pairs);
	free(agent->servers);
	free(agent->gathers);
	free(agent->remote_ufrag);
	free(agent->remote_pwd);
	free(agent->prev_remote_pwd);
	free(agent);
}

/* ---- queues ----------------------------------------------------------------- */

bool ice_array_reserve(void **array, size_t count, size_t *cap, size_t size, size_t max)
{
	size_t new_cap;
	void *grown;

	if (count < *cap)
		return true;
	if (*cap >= max)
		return false;
	/* From one: an idle connection typically holds one candidate of each
	 * side and one pair, and they are a few hundred bytes each. The
	 * doublings after that happen while connecting, not per packet. */
	new_cap = *cap ? *cap * 2 : 1;
	if (new_cap > max)
		new_cap = max;
	grown = realloc(*array, new_cap * size);
	if (!grown)
		return false;
	*array = grown;
	*cap = new_cap;
	return true;
}

/* Grows a ring buffer of `size`-byte items to hold one more, up to max. */
static bool ring_reserve(void **items, size_t *head, size_t count, size_t *cap, size_t size,
			 size_t max)
{
	size_t new_cap;
	char *grown;

	if (count < *cap)
		return true;
	if (*cap >= max)
		return false;
	new_cap = *cap ? *cap * 2 : 8;
	if (new_cap > max)
		new_cap = max;
	grown = malloc(new_cap * size);
	if (!grown)
		return false;
	for (size_t i = 0; i < count; i++)
		memcpy(grown + i * size, (char *)*items + ((*head + i) % *cap) * size, size);
	free(*items);
	*items = grown;
	*head = 0;
	*cap = new_cap;
	return true;
}

void ice_agent_transmit(struct rtc_ice_agent *agent, uint32_t socket,
			const union ice_addr *to, const uint8_t *data, size_t len)
{
	struct ice_transmit_queue *q = &agent->transmits;
	struct rtc_ice_transmit *t;

	if (agent->closed || len > RTC_ICE_MAX_PACKET)
		return;
	if (!ring_reserve((void **)&q->items, &q->head, q->count, &q->cap, sizeof(*q->items),
			  ICE_MAX_TRANSMITS)) {
		rtc_warn("ice: transmit queue full, a STUN packet is dropped");
		return;
	}
	t = &q->items[(q->head + q->count++) % q->cap];
	t->socket = socket;
	ice_addr_to_storage(to, &t->to);
	t->len = len;
	memcpy(t->data, data, len);
}

bool rtc_ice_agent_poll_transmit(struct rtc_ice_agent *agent, struct rtc_ice_transmit *out)
{
	struct ice_transmit_queue *q = &agent->transmits;

	if (q->count == 0)
		return false;
	*out = q->items[q->head];
	q->head = (q->head + 1) % q->cap;
	if (--q->count == 0) {
		/* Drained, as it is between a few checks and a consent request
		 * every 5 s: an idle connection keeps none of its 848-byte slots. */
		free(q->items);
		q->items = NULL;
		q->head = q->cap = 0;
	}
	return true;
}

void ice_agent_emit(struct rtc_ice_agent *agent, const struct rtc_ice_event *event)
{
	if (!ring_reserve((void **)&agent->events, &agent->events_head, agent->events_count,
			  &agent->events_cap, sizeof(*agent->events), ICE_MAX_EVENTS)) {
		rtc_warn("ice: event queue full, an event is dropped");
		return;
	}
	agent->events[(agent->events_head + agent->events_count++) % agent->events_cap] = *event;
}

bool rtc_ice_agent_poll_event(struct rtc_ice_agent *agent, struct rtc_ice_event *out)
{
	if (agent->events_count == 0)
		return false;
	*out = agent->events[agent->events_head];
	agent->events_head = (agent->events_head + 1) % agent->events_cap;
	if (--agent->events_count == 0) {
		free(agent->events);
		agent->events = NULL;
		agent->events_head = agent->events_cap = 0;
	}
	return true;
}

/* ---- states ----------------------------------------------------------------- */

static enum rtc_ice_gathering_state derive_gathering(const struct rtc_ice_agent *agent)
{
	if (agent->gathering_state == RTC_ICE_GATHERING_NEW && agent->n_local == 0 &&
	    agent->n_gathers == 0 && !agent->local_done)
		return RTC_ICE_GATHERING_NEW;
	if (agent->local_done && !ice_gather_pending(agent))
		return RTC_ICE_GATHERING_COMPLETE;
	return RTC_ICE_GATHERING_GATHERING;
}

/* A valid pair stays usable while a check repeats on it (the nomination
 * does exactly that), until a check on it fails. */
static int best_usable(const struct rtc_ice_agent *agent)
{
	int best = -1;

	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];

		if (p->valid && p->state != RTC_ICE_PAIR_FAILED &&
		    (best < 0 || p->priority > agent->pairs[best].priority))
			best = (int)i;
	}
	return best;
}

static enum rtc_ice_transport_state derive_transport(const struct rtc_ice_agent *agent)
{
	bool checks_done;

	if (agent->closed)
		return RTC_ICE_TRANSPORT_CLOSED;
	if (agent->selected >= 0 && agent->consent_expired)
		return RTC_ICE_TRANSPORT_FAILED;
	checks_done = agent->remote_done && agent->gathering_state == RTC_ICE_GATHERING_COMPLETE &&
		      !ice_checklist_running(agent) && !ice_gather_has_unsent(agent);
	if (agent->selected >= 0) {
		if (agent->consent_lost)
			return RTC_ICE_TRANSPORT_DISCONNECTED;
		return checks_done ? RTC_ICE_TRANSPORT_COMPLETED : RTC_ICE_TRANSPORT_CONNECTED;
	}
	if (!agent->have_remote_creds)
		return RTC_ICE_TRANSPORT_NEW;
	/* W3C "connected": a usable connection, still checking for a better
	 * one; data may use it before nomination (RFC 8445 12.1). */
	if (best_usable(agent) >= 0)
		return RTC_ICE_TRANSPORT_CONNECTED;
	/* W3C: failed once every pair failed and the peer said no more
	 * candidates come (RFC 8838 8: not before end-of-candidates). A check
	 * that succeeded, its valid pair not yet confirmed, is not a failure. */
	if (checks_done) {
		for (size_t i = 0; i < agent->n_pairs; i++)
			if (agent->pairs[i].state == RTC_ICE_PAIR_SUCCEEDED)
				return RTC_ICE_TRANSPORT_CHECKING;
		return RTC_ICE_TRANSPORT_FAILED;
	}
	if (agent->n_pairs > 0 || agent->n_remote > 0)
		return RTC_ICE_TRANSPORT_CHECKING;
	return RTC_ICE_TRANSPORT_NEW;
}

void ice_agent_update_states(struct rtc_ice_agent *agent)
{
	enum rtc_ice_gathering_state g = derive_gathering(agent);
	enum rtc_ice_transport_state t;

	/* W3C: "gathering" comes before "complete", even with nothing to do. */
	if (g == RTC_ICE_GATHERING_COMPLETE && agent->gathering_state == RTC_ICE_GATHERING_NEW) {
		agent->gathering_state = RTC_ICE_GATHERING_GATHERING;
		ice_agent_emit(agent, &(struct rtc_ice_event){
			.type = RTC_ICE_EVENT_GATHERING_STATE,
			.gathering = RTC_ICE_GATHERING_GATHERING});
	}
	if (g != agent->gathering_state) {
		agent->gathering_state = g;
		ice_agent_emit(agent, &(struct rtc_ice_event){
			.type = RTC_ICE_EVENT_GATHERING_STATE, .gathering = g});
	}
	t = derive_transport(agent);
	if (t != agent->transport_state) {
		rtc_debug("ice: %s -> %s", rtc_ice_transport_state_name(agent->transport_state),
			  rtc_ice_transport_state_name(t));
		agent->transport_state = t;
		ice_agent_emit(agent, &(struct rtc_ice_event){
			.type = RTC_ICE_EVENT_TRANSPORT_STATE, .transport = t});
	}
}

enum rtc_ice_transport_state rtc_ice_agent_transport_state(const struct rtc_ice_agent *agent)
{
	return agent->transport_state;
}

enum rtc_ice_gathering_state rtc_ice_agent_gathering_state(const struct rtc_ice_agent *agent)
{
	return agent->gathering_state;
}

void rtc_ice_agent_close(struct rtc_ice_agent *agent)
{
	if (agent->closed)
		return;
	agent->closed = true;
	agent->transmits.count = 0;
	ice_agent_update_states(agent);
}

/* ---- role and credentials --------------------------------------------------- */

void rtc_ice_agent_set_role(struct rtc_ice_agent *agent, enum rtc_ice_role role)
{
	if (agent->role == role)
		return;
	agent->role = role;
	agent->nominated_once = false;
	for (size_t i = 0; i < agent->n_pairs; i++)
		agent->pairs[i].nominating = false;
	ice_checklist_recompute(agent);
}

enum rtc_ice_role rtc_ice_agent_role(const struct rtc_ice_agent *agent)
{
	return agent->role;
}

const char *rtc_ice_agent_remote_ufrag(const struct rtc_ice_agent *agent)
{
	return agent->have_remote_creds ? agent->remote_ufrag : NULL;
}

int rtc_ice_agent_set_remote_credentials(struct rtc_ice_agent *agent, const char *ufrag,
					 const char *pwd, struct rtc_error *err)
{
	char *new_ufrag, *new_pwd;

	if (rtc_ice_credentials_check_ufrag(ufrag, err) < 0 ||
	    rtc_ice_credentials_check_pwd(pwd, err) < 0)
		return -1;
	if (agent->have_remote_creds && strcmp(agent->remote_ufrag, ufrag) == 0 &&
	    strcmp(agent->remote_pwd, pwd) == 0)
		return 0;
	new_ufrag = strdup(ufrag);
	new_pwd = strdup(pwd);
	if (!new_ufrag || !new_pwd) {
		free(new_ufrag);
		free(new_pwd);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "ICE: out of memory");
	}
	if (agent->have_remote_creds) {
		/* The peer restarted: a new generation of candidates and checks. */
		free(agent->prev_remote_pwd);
		agent->prev_remote_pwd = agent->remote_pwd;
		agent->remote_pwd = NULL;
		agent->prev_remote_valid = agent->selected >= 0;
		ice_checklist_restart(agent);
	}
	free(agent->remote_ufrag);
	free(agent->remote_pwd);
	agent->remote_ufrag = new_ufrag;
	agent->remote_pwd = new_pwd;
	agent->have_remote_creds = true;
	ice_agent_update_states(agent);
	return 0;
}

int rtc_ice_agent_restart(struct rtc_ice_agent *agent, const struct rtc_ice_credentials *local,
			  struct rtc_error *err)
{
	if (check_credentials(local, err) < 0)
		return -1;
	if (strcmp(local->ufrag, agent->local_creds.ufrag) == 0)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "ICE restart needs a new ufrag (RFC 8445 9)");
	agent->prev_local_creds = agent->local_creds;
	agent->prev_local_valid = true;
	agent->local_creds = *local;
	/* Gathering starts over: the candidates, still good, are announced
	 * again for the new generation. */
	agent->gathering_state = RTC_ICE_GATHERING_GATHERING;
	ice_agent_emit(agent, &(struct rtc_ice_event){
		.type = RTC_ICE_EVENT_GATHERING_STATE, .gathering = RTC_ICE_GATHERING_GATHERING});
	for (size_t i = 0; i < agent->n_local; i++) {
		agent->local[i].announced = false;
		ice_local_announce(agent, (int)i);
	}
	ice_agent_update_states(agent);
	return 0;
}

/* ---- candidates ------------------------------------------------------------- */

int rtc_ice_agent_add_local_candidate(struct rtc_ice_agent *agent,
				      const struct rtc_ice_local_candidate *candidate,
				      struct rtc_error *err)
{
	union ice_addr addr, related;
	int index;

	if (candidate->type != RTC_SDP_CANDIDATE_HOST && candidate->type != RTC_SDP_CANDIDATE_RELAY)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "ICE: only host and relay candidates are added by the caller");
	if (!ice_addr_copy(&addr, (const struct sockaddr *)&candidate->address) ||
	    ice_addr_port(&addr) == 0)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "ICE: a candidate needs an IPv4 or IPv6 address and a port");
	index = ice_local_find(agent, &addr);
	if (index >= 0) {
		if (agent->local[index].type == candidate->type &&
		    agent->local[index].socket == candidate->socket)
			return 0;
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "ICE: that address is already a candidate");
	}
	if (ice_local_find_base(agent, candidate->socket) >= 0)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "ICE: socket %u already has a candidate", candidate->socket);
	/* A relay's related address is what the TURN server saw; none (or
	 * anything but IPv4 and IPv6) leaves it AF_UNSPEC. */
	ice_addr_copy(&related, (const struct sockaddr *)&candidate->related);
	index = ice_local_add(agent, candidate->type, candidate->socket, &addr, &addr,
			      candidate->type == RTC_SDP_CANDIDATE_RELAY ? &related : NULL,
			      ice_local_preference(&addr, candidate->interface_rank), -1);
	if (index < 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "ICE: too many local candidates");
	ice_local_announce(agent, index);
	ice_checklist_pair_local(agent, index);
	ice_gather_start(agent);
	ice_agent_update_states(agent);
	return 0;
}

int rtc_ice_agent_add_stun_server(struct rtc_ice_agent *agent, const struct sockaddr *server,
				  struct rtc_error *err)
{
	union ice_addr addr;

	if (!ice_addr_copy(&addr, server) || ice_addr_port(&addr) == 0)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "ICE: a STUN server needs an IPv4 or IPv6 address and a port");
	for (size_t i = 0; i < agent->n_servers; i++)
		if (ice_addr_equal(&agent->servers[i], &addr))
			return 0;
	if (!ice_array_reserve((void **)&agent->servers, agent->n_servers, &agent->cap_servers,
			       sizeof(*agent->servers), ICE_MAX_SERVERS))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "ICE: too many STUN servers");
	agent->servers[agent->n_servers++] = addr;
	ice_gather_start(agent);
	ice_agent_update_states(agent);
	return 0;
}

void rtc_ice_agent_local_candidates_done(struct rtc_ice_agent *agent)
{
	agent->local_done = true;
	ice_agent_update_states(agent);
}

/* The "ufrag" extension (RFC 8840 and libwebrtc) names the generation. */
static bool from_other_generation(const struct rtc_ice_agent *agent,
				  const struct rtc_sdp_candidate *c)
{
	for (size_t i = 0; i < c->n_extensions; i++)
		if (strcmp(c->extensions[i].name, "ufrag") == 0)
			return agent->have_remote_creds &&
			       strcmp(c->extensions[i].value, agent->remote_ufrag) != 0;
	return false;
}

static int remote_address(const struct rtc_sdp_candidate *c, union ice_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (c->address_kind == RTC_SDP_ADDRESS_IPV4) {
		out->in.sin_family = AF_INET;
		out->in.sin_port = htons(c->port);
		return inet_pton(AF_INET, c->address, &out->in.sin_addr) == 1 ? 0 : -1;
	}
	if (c->address_kind == RTC_SDP_ADDRESS_IPV6) {
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_port = htons(c->port);
		return inet_pton(AF_INET6, c->address, &out->in6.sin6_addr) == 1 ? 0 : -1;
	}
	return -1;
}

int rtc_ice_agent_add_remote_candidate(struct rtc_ice_agent *agent,
				       const struct rtc_sdp_candidate *candidate,
				       struct rtc_error *err)
{
	union ice_addr addr;
	struct ice_candidate *c;
	int index;

	if (candidate->component != ICE_COMPONENT ||
	    candidate->transport_kind != RTC_SDP_TRANSPORT_UDP ||
	    from_other_generation(agent, candidate))
		return 0;
	if (candidate->address_kind == RTC_SDP_ADDRESS_FQDN)
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "ICE: '%.64s' must be resolved before it is added",
				     candidate->address);
	if (remote_address(candidate, &addr) < 0 || candidate->port == 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "ICE: candidate address '%.64s' port %u is not usable",
				     candidate->address, candidate->port);
	/* Checks to a group or a broadcast address would reach others. */
	if (!ice_addr_is_unicast(&addr))
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "ICE: candidate address '%.64s' is not a unicast address",
				     candidate->address);
	if (candidate->priority == 0 || candidate->priority > INT32_MAX)
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "ICE: candidate priority %u is outside 1..2^31-1",
				     candidate->priority);
	index = ice_remote_find(agent, &addr);
	if (index < 0) {
		if (!ice_array_reserve((void **)&agent->remote, agent->n_remote, &agent->cap_remote,
				       sizeof(*agent->remote), ICE_MAX_REMOTE))
			return rtc_error_set(err, RTC_ERROR_OPERATION,
					     "ICE: too many remote candidates");
		index = (int)agent->n_remote++;
		c = &agent->remote[index];
		memset(c, 0, sizeof(*c));
		c->addr = addr;
		c->server = -1;
		c->stats_id = agent->next_stats_id++;
	}
	/* A candidate first met as peer-reflexive takes its signalled
	 * identity (RFC 8838 11.4); a duplicate refreshes it. */
	c = &agent->remote[index];
	c->type = candidate->type;
	c->priority = candidate->priority;
	snprintf(c->foundation, sizeof(c->foundation), "%s", candidate->foundation);
	c->related.sa.sa_family = AF_UNSPEC;
	if (candidate->related_address) {
		struct rtc_sdp_candidate related = *candidate;

		related.address = candidate->related_address;
		related.port = candidate->related_port;
		related.address_kind = strchr(candidate->related_address, ':')
					       ? RTC_SDP_ADDRESS_IPV6 : RTC_SDP_ADDRESS_IPV4;
		if (remote_address(&related, &c->related) < 0)
			c->related.sa.sa_family = AF_UNSPEC;
	}
	ice_checklist_recompute(agent);
	ice_checklist_pair_remote(agent, index);
	ice_agent_update_states(agent);
	return 0;
}

void rtc_ice_agent_remote_candidates_done(struct rtc_ice_agent *agent)
{
	agent->remote_done = true;
	ice_agent_update_states(agent);
}

/* ---- driving ---------------------------------------------------------------- */

void rtc_ice_agent_handle_receive(struct rtc_ice_agent *agent, uint64_t now, uint32_t socket,
				 const struct sockaddr *from, const uint8_t *data, size_t len)
{
	union ice_addr source;
	struct rtc_stun_msg msg;

	if (agent->closed || !ice_addr_copy(&source, from))
		return;
	agent->now = now;
	if (rtc_stun_parse(&msg, data, len, NULL) != RTC_STUN_OK)
		return;
	switch (msg.cls) {
	case RTC_STUN_REQUEST:
		ice_check_handle_request(agent, now, socket, &source, &msg);
		break;
	case RTC_STUN_SUCCESS:
	case RTC_STUN_ERROR:
		if (!ice_gather_handle_response(agent, now, socket, &source, &msg) &&
		    !ice_consent_handle_response(agent, now, socket, &source, &msg))
			ice_check_handle_response(agent, now, socket, &source, &msg);
		break;
	case RTC_STUN_INDICATION:
		break;   /* keepalives (RFC 8445 11): nothing to do */
	}
	ice_nominate_timers(agent, now);
	ice_agent_update_states(agent);
}

static uint64_t ta(const struct rtc_ice_agent *agent)
{
	return ice_agent_timer(agent, agent->config.timers.ta_ns, 50 * RTC_ICE_NS_PER_MS);
}

/* One Ta slot: a check, or else a Binding request to a STUN server. */
static void pace(struct rtc_ice_agent *agent, uint64_t now)
{
	int pair;

	if (now < agent->next_check_ns)
		return;
	pair = ice_checklist_next(agent);
	if (pair >= 0)
		ice_check_send(agent, now, pair);
	else if (!ice_gather_send_next(agent, now))
		return;
	agent->next_check_ns = now + ta(agent);
}

void rtc_ice_agent_handle_timeout(struct rtc_ice_agent *agent, uint64_t now)
{
	if (agent->closed)
		return;
	agent->now = now;
	ice_gather_timers(agent, now);
	ice_check_timers(agent, now);
	ice_consent_timers(agent, now);
	ice_nominate_timers(agent, now);
	pace(agent, now);
	ice_agent_update_states(agent);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t rtc_ice_agent_deadline(const struct rtc_ice_agent *agent)
{
	uint64_t deadline;

	if (agent->closed)
		return UINT64_MAX;
	deadline = min_u64(ice_check_deadline(agent), ice_gather_deadline(agent));
	deadline = min_u64(deadline, ice_consent_deadline(agent));
	deadline = min_u64(deadline, ice_nominate_deadline(agent));
	if (ice_checklist_peek(agent) >= 0 || ice_gather_has_unsent(agent))
		deadline = min_u64(deadline, agent->next_check_ns);
	return deadline;
}

bool rtc_ice_agent_selected_pair(const struct rtc_ice_agent *agent, uint32_t *socket,
				 struct sockaddr_storage *remote)
{
	const struct ice_pair *p;

	if (agent->closed || agent->selected < 0 || agent->consent_expired)
		return false;
	p = &agent->pairs[agent->selected];
	if (socket)
		*socket = agent->local[p->local].socket;
	if (remote)
		ice_addr_to_storage(&agent->remote[p->remote].addr, remote);
	return true;
}

/* RFC 8445 12.1: before a pair is selected, data may flow on any valid
 * pair. Taking the best one lets DTLS start one round trip after the first
 * check, instead of a Ta slot later when the nomination goes out. */
int ice_agent_data_pair(const struct rtc_ice_agent *agent)
{
	if (agent->closed || agent->consent_expired)
		return -1;
	if (agent->selected >= 0)
		return agent->selected;
	return best_usable(agent);
}

bool rtc_ice_agent_data_pair(const struct rtc_ice_agent *agent, uint32_t *socket,
			     struct sockaddr_storage *remote)
{
	int pair = ice_agent_data_pair(agent);
	const struct ice_pair *p;

	if (pair < 0)
		return false;
	p = &agent->pairs[pair];
	if (socket)
		*socket = agent->local[p->local].socket;
	if (remote)
		ice_addr_to_storage(&agent->remote[p->remote].addr, remote);
	return true;
}

bool rtc_ice_agent_validated(const struct rtc_ice_agent *agent, uint32_t socket,
			     const struct sockaddr *from)
{
	union ice_addr addr;

	if (!ice_addr_copy(&addr, from))
		return false;
	for (size_t i = 0; i < agent->n_pairs; i++) {
		const struct ice_pair *p = &agent->pairs[i];
		if (p->valid && agent->local[p->local].socket == socket &&
		    ice_addr_equal(&agent->remote[p->remote].addr, &addr))
			return true;
	}
	return false;
}

void rtc_ice_agent_count_data(struct rtc_ice_agent *agent, uint64_t now, size_t sent,
			      size_t received)
{
	int pair = ice_agent_data_pair(agent);

	if (pair < 0)
		return;
	agent->pairs[pair].bytes_sent += sent;
	agent->pairs[pair].bytes_received += received;
}
