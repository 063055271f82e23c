/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TURN client (RFC 8656): one allocation, its permissions and channel
 * bindings. Each of those objects has at most one request outstanding, so
 * the request lives in the object; a request "queued" for sending is
 * picked up by poll_transmit. Peer data from rtc_turn_client_send waits in
 * one FIFO until its peer has a permission the server confirmed.
 */
#include "engine/turn/turn.h"
#include "engine/stun/stun-private.h"
#include "engine/stun/stun-transaction.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000ull
/* Permissions last 300 s, channel bindings 600 s (RFC 8656 9, 12):
 * refresh a minute early. */
#define PERMISSION_REFRESH_NS (240 * NS_PER_S)
#define CHANNEL_REFRESH_NS (540 * NS_PER_S)
#define TEXT_MAX 764   /* REALM and NONCE: at most 763 bytes */

struct turn_request {
	bool pending;
	bool queued;              /* waiting for poll_transmit */
	bool authenticated;       /* carried our credentials */
	bool stale_retried;       /* one 438 retry per request */
	struct rtc_stun_transaction transaction;
	uint8_t msg[RTC_STUN_MAX_MESSAGE];
	size_t len;
};

struct turn_permission {
	struct sockaddr_storage peer;   /* the port is ignored */
	bool confirmed;
	bool failed;
	uint64_t refresh_at;
	struct turn_request request;
};

struct turn_channel {
	struct sockaddr_storage peer;
	uint16_t number;
	bool confirmed;
	bool failed;
	uint64_t refresh_at;
	struct turn_request request;
};

/* A datagram from rtc_turn_client_send, unwrapped: whether it becomes a
 * Send indication or ChannelData is decided when it leaves. */
struct turn_datagram {
	struct turn_datagram *next;
	struct sockaddr_storage peer;
	bool held;                /* waited for a permission (stats.released) */
	size_t len;
	uint8_t data[];
};

struct rtc_turn_client {
	char *username;
	char *password;
	char *software;
	enum rtc_turn_transport transport;
	uint32_t requested_lifetime_s;
	int address_family;

	enum rtc_turn_state state;
	/* Credentials learnt from the 401 challenge. */
	bool challenged;
	char realm[TEXT_MAX];
	char nonce[TEXT_MAX];
	struct rtc_stun_key key;
	uint16_t password_algorithm;     /* 0 when the server offered no list */
	struct rtc_stun_password_algorithms offered;

	/* The allocation: Allocate, then Refresh, requests. */
	struct turn_request alloc_request;
	uint32_t refresh_lifetime_s;     /* of the Refresh in flight */
	struct sockaddr_storage relayed;
	uint64_t refresh_at;

	struct turn_permission *permissions;
	size_t permission_count;
	struct turn_channel *channels;
	size_t channel_count;

	struct rtc_turn_event *events;
	size_t event_head, event_count, event_cap;

	/* Peer data for poll_transmit, oldest first. */
	struct turn_datagram *data_head, *data_tail;
	uint8_t *tx;                     /* the wrapped datagram poll_transmit gave */
	size_t tx_cap;
	struct rtc_turn_client_stats stats;
};

const char *rtc_turn_state_name(enum rtc_turn_state state)
{
	switch (state) {
	case RTC_TURN_IDLE: return "idle";
	case RTC_TURN_ALLOCATING: return "allocating";
	case RTC_TURN_ALLOCATED: return "allocated";
	case RTC_TURN_RELEASING: return "releasing";
	case RTC_TURN_RELEASED: return "released";
	case RTC_TURN_FAILED: return "failed";
	}
	return "unknown";
}

/* ---- small helpers ----------------------------------------------------- */

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static uint16_t port_of(const struct sockaddr *a)
{
	return a->sa_family == AF_INET ? ((const struct sockaddr_in *)a)->sin_port
				       : ((const struct sockaddr_in6 *)a)->sin6_port;
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	return same_ip(a, b) && port_of((const struct sockaddr *)a) == port_of(b);
}

static int check_peer(const struct sockaddr *peer, struct rtc_error *err)
{
	if (!peer || (peer->sa_family != AF_INET && peer->sa_family != AF_INET6))
		return rtc_error_set(err, RTC_ERROR_TYPE, "TURN peer is not an IPv4 or IPv6 address");
	return 0;
}

static void copy_address(struct sockaddr_storage *out, const struct sockaddr *in)
{
	memset(out, 0, sizeof(*out));
	memcpy(out, in, in->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6));
}

static uint64_t add_ns(uint64_t now, uint64_t d)
{
	return d > UINT64_MAX - 1 - now ? UINT64_MAX - 1 : now + d;
}

static void push_event(struct rtc_turn_client *c, const struct rtc_turn_event *ev)
{
	if (c->event_count == c->event_cap) {
		size_t cap = c->event_cap ? c->event_cap * 2 : 8;
		struct rtc_turn_event *events = calloc(cap, sizeof(*events));
		if (!events)
			return;   /* out of memory: the event is lost, state stays right */
		for (size_t i = 0; i < c->event_count; i++)
			events[i] = c->events[(c->event_head + i) % c->event_cap];
		free(c->events);
		c->events = events;
		c->event_cap = cap;
		c->event_head = 0;
	}
	c->events[(c->event_head + c->event_count) % c->event_cap] = *ev;
	c->event_count++;
}

static void settle_data(struct rtc_turn_client *c);

static void push_failure(struct rtc_turn_client *c, enum rtc_turn_event_type type,
			 const struct sockaddr_storage *peer, uint16_t channel,
			 uint16_t code, const char *reason)
{
	struct rtc_turn_event ev = { .type = type, .channel = channel, .error_code = code };
	if (peer)
		ev.peer = *peer;
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	push_event(c, &ev);
}

/* ---- lifecycle --------------------------------------------------------- */

struct rtc_turn_client *rtc_turn_client_new(const struct rtc_turn_client_config *config,
					    struct rtc_error *err)
{
	struct rtc_stun_key probe;
	if (!config->username || !config->password)
		return rtc_error_set(err, RTC_ERROR_TYPE, "TURN needs a username and a password"),
		       NULL;
	if (strlen(config->username) > 512)
		return rtc_error_set(err, RTC_ERROR_TYPE, "TURN username longer than 512 bytes"),
		       NULL;
	/* The password goes through SASLprep: refuse what it cannot take now
	 * rather than at the first 401. */
	if (rtc_stun_key_short_term(&probe, config->password, err) != RTC_STUN_OK) {
		if (err)
			err->kind = RTC_ERROR_TYPE;
		return NULL;
	}
	if (config->address_family && config->address_family != AF_INET &&
	    config->address_family != AF_INET6)
		return rtc_error_set(err, RTC_ERROR_TYPE, "TURN address family %d",
				     config->address_family), NULL;

	struct rtc_turn_client *c = calloc(1, sizeof(*c));
	if (!c)
		goto oom;
	c->username = strdup(config->username);
	c->password = strdup(config->password);
	c->software = config->software ? strdup(config->software) : NULL;
	if (!c->username || !c->password || (config->software && !c->software))
		goto oom;
	c->transport = config->transport;
	c->requested_lifetime_s = config->lifetime_s;
	c->address_family = config->address_family ? config->address_family : AF_INET;
	c->state = RTC_TURN_IDLE;
	return c;
oom:
	rtc_turn_client_free(c);
	rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	return NULL;
}

void rtc_turn_client_free(struct rtc_turn_client *c)
{
	if (!c)
		return;
	free(c->username);
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->password);
	free(c->software);
	free(c->permissions);
	free(c->channels);
	free(c->events);
	while (c->data_head) {
		struct turn_datagram *d = c->data_head;
		c->data_head = d->next;
		free(d);
	}
	free(c->tx);
	memset(&c->key, 0, sizeof(c->key));
	free(c);
}

enum rtc_turn_state rtc_turn_client_state(const struct rtc_turn_client *c)
{
	return c->state;
}

bool rtc_turn_client_relayed_address(const struct rtc_turn_client *c,
				     struct sockaddr_storage *out)
{
	if (c->state != RTC_TURN_ALLOCATED)
		return false;
	*out = c->relayed;
	return true;
}

/* ---- building requests ------------------------------------------------- */

/* Everything after the method's own attributes: SOFTWARE, and once the
 * server challenged us, USERNAME, REALM, NONCE, the password algorithm
 * echo (RFC 8489 9.2.4) and MESSAGE-INTEGRITY; FINGERPRINT last. */
static void add_trailer(struct rtc_turn_client *c, struct rtc_stun_builder *b,
			struct turn_request *r)
{
	if (c->software)
		rtc_stun_builder_add_string(b, RTC_STUN_ATTR_SOFTWARE, c->software);
	r->authenticated = c->challenged;
	if (c->challenged) {
		rtc_stun_builder_add_string(b, RTC_STUN_ATTR_USERNAME, c->username);
		rtc_stun_builder_add_string(b, RTC_STUN_ATTR_REALM, c->realm);
		rtc_stun_builder_add_string(b, RTC_STUN_ATTR_NONCE, c->nonce);
		if (c->password_algorithm) {
			rtc_stun_builder_add_password_algorithms(b, c->offered.ids, c->offered.count);
			rtc_stun_builder_add_password_algorithm(b, c->password_algorithm);
		}
		rtc_stun_builder_add_integrity(b, &c->key, RTC_STUN_INTEGRITY_SHA1);
	}
	rtc_stun_builder_add_fingerprint(b);
}

static const struct rtc_stun_rto_params *rto_params(const struct rtc_turn_client *c)
{
	static const struct rtc_stun_rto_params reliable = {
		.rto_ns = 500 * RTC_STUN_NS_PER_MS, .rc = 1, .rm = 1,
		.reliable = true, .ti_ns = 39500 * RTC_STUN_NS_PER_MS,
	};
	return c->transport == RTC_TURN_OVER_UDP ? &rtc_stun_rto_default : &reliable;
}

/* Starts the transaction for a request built in r->msg, or fails it. */
static bool launch(struct rtc_turn_client *c, struct turn_request *r,
		   struct rtc_stun_builder *b, uint64_t now)
{
	add_trailer(c, b, r);
	r->stale_retried = false;
	if (rtc_stun_builder_finish(b, &r->len) != RTC_STUN_OK) {
		r->pending = r->queued = false;
		return false;
	}
	rtc_stun_transaction_start(&r->transaction, r->msg + 8, now, rto_params(c));
	r->pending = r->queued = true;
	return true;
}

static bool send_allocate(struct rtc_turn_client *c, uint64_t now)
{
	struct turn_request *r = &c->alloc_request;
	struct rtc_stun_builder b;
	rtc_stun_builder_init(&b, r->msg, sizeof(r->msg), RTC_STUN_ALLOCATE, RTC_STUN_REQUEST, NULL);
	rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_REQUESTED_TRANSPORT,
				 (uint32_t)RTC_TURN_TRANSPORT_UDP << 24);
	if (c->requested_lifetime_s)
		rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_LIFETIME, c->requested_lifetime_s);
	if (c->address_family == AF_INET6)
		rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 0x02u << 24);
	rtc_stun_builder_add_flag(&b, RTC_STUN_ATTR_DONT_FRAGMENT);
	return launch(c, r, &b, now);
}

static bool send_refresh(struct rtc_turn_client *c, uint64_t now, uint32_t lifetime_s)
{
	struct turn_request *r = &c->alloc_request;
	struct rtc_stun_builder b;
	rtc_stun_builder_init(&b, r->msg, sizeof(r->msg), RTC_STUN_REFRESH, RTC_STUN_REQUEST, NULL);
	/* Without LIFETIME the server picks its default, which is what a
	 * client that asked for none wants. */
	if (lifetime_s == 0 || c->requested_lifetime_s)
		rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_LIFETIME, lifetime_s);
	c->refresh_lifetime_s = lifetime_s;
	return launch(c, r, &b, now);
}

static bool send_permission(struct rtc_turn_client *c, struct turn_permission *p, uint64_t now)
{
	struct rtc_stun_builder b;
	rtc_stun_builder_init(&b, p->request.msg, sizeof(p->request.msg),
			      RTC_STUN_CREATE_PERMISSION, RTC_STUN_REQUEST, NULL);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_PEER_ADDRESS,
				     (const struct sockaddr *)&p->peer);
	return launch(c, &p->request, &b, now);
}

static bool send_channel_bind(struct rtc_turn_client *c, struct turn_channel *ch, uint64_t now)
{
	struct rtc_stun_builder b;
	rtc_stun_builder_init(&b, ch->request.msg, sizeof(ch->request.msg),
			      RTC_STUN_CHANNEL_BIND, RTC_STUN_REQUEST, NULL);
	rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_CHANNEL_NUMBER, (uint32_t)ch->number << 16);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_PEER_ADDRESS,
				     (const struct sockaddr *)&ch->peer);
	return launch(c, &ch->request, &b, now);
}

/* ---- the public requests ----------------------------------------------- */

int rtc_turn_client_allocate(struct rtc_turn_client *c, uint64_t now, struct rtc_error *err)
{
	if (c->state != RTC_TURN_IDLE)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "TURN client is %s, not idle",
				     rtc_turn_state_name(c->state));
	if (!send_allocate(c, now))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "Allocate request does not fit");
	c->state = RTC_TURN_ALLOCATING;
	return 0;
}

int rtc_turn_client_release(struct rtc_turn_client *c, uint64_t now, struct rtc_error *err)
{
	if (c->state != RTC_TURN_ALLOCATED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "TURN client is %s, not allocated",
				     rtc_turn_state_name(c->state));
	/* Nothing else goes out once the allocation is being freed. */
	for (size_t i = 0; i < c->permission_count; i++)
		c->permissions[i].request.pending = c->permissions[i].request.queued = false;
	for (size_t i = 0; i < c->channel_count; i++)
		c->channels[i].request.pending = c->channels[i].request.queued = false;
	c->state = RTC_TURN_RELEASING;
	settle_data(c);
	if (!send_refresh(c, now, 0)) {
		c->state = RTC_TURN_RELEASED;
		push_failure(c, RTC_TURN_EVENT_RELEASED, NULL, 0, 0, "");
	}
	return 0;
}

static struct turn_permission *find_permission(struct rtc_turn_client *c,
					       const struct sockaddr *peer)
{
	for (size_t i = 0; i < c->permission_count; i++)
		if (same_ip(&c->permissions[i].peer, peer))
			return &c->permissions[i];
	return NULL;
}

static struct turn_channel *find_channel(struct rtc_turn_client *c, const struct sockaddr *peer)
{
	for (size_t i = 0; i < c->channel_count; i++)
		if (same_address(&c->channels[i].peer, peer))
			return &c->channels[i];
	return NULL;
}

int rtc_turn_client_create_permission(struct rtc_turn_client *c, uint64_t now,
				      const struct sockaddr *peer, struct rtc_error *err)
{
	if (check_peer(peer, err) < 0)
		return -1;
	if (c->state != RTC_TURN_ALLOCATED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "TURN client is %s, not allocated",
				     rtc_turn_state_name(c->state));
	struct turn_permission *p = find_permission(c, peer);
	if (p) {
		/* A failed one is tried again on request. */
		if (p->failed && !p->request.pending) {
			p->failed = false;
			send_permission(c, p, now);
		}
		return 0;
	}
	p = realloc(c->permissions, (c->permission_count + 1) * sizeof(*p));
	if (!p)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	c->permissions = p;
	p = &c->permissions[c->permission_count++];
	memset(p, 0, sizeof(*p));
	copy_address(&p->peer, peer);
	if (p->peer.ss_family == AF_INET)
		((struct sockaddr_in *)&p->peer)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&p->peer)->sin6_port = 0;
	if (!send_permission(c, p, now)) {
		c->permission_count--;
		return rtc_error_set(err, RTC_ERROR_OPERATION, "CreatePermission does not fit");
	}
	return 0;
}

int rtc_turn_client_bind_channel(struct rtc_turn_client *c, uint64_t now,
				 const struct sockaddr *peer, uint16_t *channel,
				 struct rtc_error *err)
{
	if (rtc_turn_client_create_permission(c, now, peer, err) < 0)
		return -1;
	struct turn_channel *ch = find_channel(c, peer);
	if (ch) {
		if (ch->failed && !ch->request.pending) {
			ch->failed = false;
			send_channel_bind(c, ch, now);
		}
		if (channel)
			*channel = ch->number;
		return 0;
	}
	if (c->channel_count > RTC_TURN_CHANNEL_MAX - RTC_TURN_CHANNEL_MIN)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "all TURN channel numbers are taken");
	ch = realloc(c->channels, (c->channel_count + 1) * sizeof(*ch));
	if (!ch)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	c->channels = ch;
	ch = &c->channels[c->channel_count];
	memset(ch, 0, sizeof(*ch));
	copy_address(&ch->peer, peer);
	/* Numbers are never reused within an allocation: a binding cannot be
	 * undone before it expires (RFC 8656 12). */
	ch->number = (uint16_t)(RTC_TURN_CHANNEL_MIN + c->channel_count);
	if (!send_channel_bind(c, ch, now))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "ChannelBind does not fit");
	c->channel_count++;
	if (channel)
		*channel = ch->number;
	return 0;
}

/* ---- the data path ----------------------------------------------------- */

/* Whether the server has installed a permission for the peer: confirmed
 * by CreatePermission or by a ChannelBind to this very address (RFC 8656
 * 12: a channel installs the permission too). A refresh or retransmission
 * in flight keeps it so: it was confirmed before. */
static bool installed(struct rtc_turn_client *c, const struct sockaddr *peer)
{
	const struct turn_permission *p = find_permission(c, peer);
	const struct turn_channel *ch = find_channel(c, peer);
	return (p && p->confirmed) || (ch && ch->confirmed);
}

/* Whether a request that would install it is still in flight. */
static bool awaited(struct rtc_turn_client *c, const struct sockaddr *peer)
{
	const struct turn_permission *p = find_permission(c, peer);
	const struct turn_channel *ch = find_channel(c, peer);
	return (p && p->request.pending) || (ch && ch->request.pending);
}

/* Writes the message for the peer into out: ChannelData on a bound
 * channel, else a Send indication. */
static int frame(struct rtc_turn_client *c, const struct sockaddr *peer, const uint8_t *data,
		 size_t len, uint8_t *out, size_t out_cap, size_t *out_len, struct rtc_error *err)
{
	struct turn_channel *ch = find_channel(c, peer);
	if (ch && ch->confirmed) {
		size_t n = rtc_turn_channel_data_write(ch->number, data, len,
						       c->transport != RTC_TURN_OVER_UDP, out, out_cap);
		if (!n)
			return rtc_error_set(err, RTC_ERROR_RANGE, "ChannelData needs %zu bytes",
					     len + RTC_TURN_CHANNEL_HEADER_LEN + 3);
		*out_len = n;
		return 0;
	}
	struct rtc_stun_builder b;
	rtc_stun_builder_init(&b, out, out_cap, RTC_STUN_SEND, RTC_STUN_INDICATION, NULL);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_PEER_ADDRESS, peer);
	rtc_stun_builder_add_raw(&b, RTC_STUN_ATTR_DATA, data, len);
	enum rtc_stun_status st = rtc_stun_builder_finish(&b, out_len);
	if (st != RTC_STUN_OK)
		return rtc_error_set(err, RTC_ERROR_RANGE, "Send indication: %s",
				     rtc_stun_status_text(st));
	return 0;
}

int rtc_turn_client_wrap(struct rtc_turn_client *c, const struct sockaddr *peer,
			 const uint8_t *data, size_t len, uint8_t *out, size_t out_cap,
			 size_t *out_len, struct rtc_error *err)
{
	if (check_peer(peer, err) < 0)
		return -1;
	if (c->state != RTC_TURN_ALLOCATED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "TURN client is %s, not allocated",
				     rtc_turn_state_name(c->state));
	if (!installed(c, peer))
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "no confirmed TURN permission for this peer");
	if (len > 0xFFFF)
		return rtc_error_set(err, RTC_ERROR_RANGE, "%zu bytes is more than TURN carries", len);
	return frame(c, peer, data, len, out, out_cap, out_len, err);
}

static void unlink_datagram(struct rtc_turn_client *c, struct turn_datagram *prev,
			    struct turn_datagram *d)
{
	if (prev)
		prev->next = d->next;
	else
		c->data_head = d->next;
	if (c->data_tail == d)
		c->data_tail = prev;
	free(d);
}

/* Drops what can no longer leave: everything once the allocation is
 * gone, and a peer's held data once nothing that would install its
 * permission is in flight any more (both requests failed). */
static void settle_data(struct rtc_turn_client *c)
{
	struct turn_datagram *prev = NULL, *d = c->data_head;
	while (d) {
		struct turn_datagram *next = d->next;
		const struct sockaddr *peer = (const struct sockaddr *)&d->peer;
		if (c->state != RTC_TURN_ALLOCATED ||
		    (!installed(c, peer) && !awaited(c, peer))) {
			c->stats.dropped_failed++;
			unlink_datagram(c, prev, d);
		} else {
			prev = d;
		}
		d = next;
	}
}

/* Makes room for one more of the peer's held datagrams: the oldest goes. */
static void limit_held(struct rtc_turn_client *c, const struct sockaddr *peer)
{
	struct turn_datagram *prev = NULL, *oldest = NULL, *oldest_prev = NULL;
	size_t count = 0;
	for (struct turn_datagram *d = c->data_head; d; prev = d, d = d->next) {
		if (!same_address(&d->peer, peer))
			continue;
		if (!count++) {
			oldest = d;
			oldest_prev = prev;
		}
	}
	if (count >= RTC_TURN_HELD_PER_PEER) {
		c->stats.dropped_overflow++;
		unlink_datagram(c, oldest_prev, oldest);
	}
}

int rtc_turn_client_send(struct rtc_turn_client *c, uint64_t now, const struct sockaddr *peer,
			 const uint8_t *data, size_t len, struct rtc_error *err)
{
	if (check_peer(peer, err) < 0)
		return -1;
	if (c->state != RTC_TURN_ALLOCATED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "TURN client is %s, not allocated",
				     rtc_turn_state_name(c->state));
	if (len > 0xFFFF)
		return rtc_error_set(err, RTC_ERROR_RANGE, "%zu bytes is more than TURN carries", len);
	/* Both at once, the first time: whichever the server confirms first
	 * releases the data. The channel saves 32 bytes a datagram after; a
	 * peer without one (all 4096 numbers taken) gets Send indications.
	 * Both are idempotent and ask again after a failure. */
	if (rtc_turn_client_create_permission(c, now, peer, err) < 0)
		return -1;
	rtc_turn_client_bind_channel(c, now, peer, NULL, NULL);

	bool hold = !installed(c, peer);
	if (hold)
		limit_held(c, peer);
	struct turn_datagram *d = malloc(sizeof(*d) + len);
	if (!d)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	d->next = NULL;
	copy_address(&d->peer, peer);
	d->held = hold;
	d->len = len;
	if (len)
		memcpy(d->data, data, len);
	if (c->data_tail)
		c->data_tail->next = d;
	else
		c->data_head = d;
	c->data_tail = d;
	if (hold)
		c->stats.held++;
	return 0;
}

void rtc_turn_client_stats(const struct rtc_turn_client *c, struct rtc_turn_client_stats *out)
{
	*out = c->stats;
}

/* ---- responses --------------------------------------------------------- */

/* Takes REALM, NONCE and PASSWORD-ALGORITHMS from a 401 or 438 and
 * derives the key. False when the response lacks them. */
static bool learn_challenge(struct rtc_turn_client *c, const struct rtc_stun_msg *msg,
			    bool need_realm)
{
	char realm[TEXT_MAX], nonce[TEXT_MAX];
	if (rtc_stun_msg_get_string(msg, RTC_STUN_ATTR_NONCE, nonce, sizeof(nonce), NULL))
		return false;
	enum rtc_stun_status realm_st =
		rtc_stun_msg_get_string(msg, RTC_STUN_ATTR_REALM, realm, sizeof(realm), NULL);
	if (realm_st != RTC_STUN_OK && (need_realm || !c->challenged))
		return false;
	if (realm_st != RTC_STUN_OK)
		snprintf(realm, sizeof(realm), "%s", c->realm);

	/* RFC 8489 9.2.4: pick the first algorithm we know from the server's
	 * list; with no list, MD5 and no echo. */
	struct rtc_stun_password_algorithms offered = { 0 };
	uint16_t chosen = 0;
	if (rtc_stun_msg_get_password_algorithms(msg, RTC_STUN_ATTR_PASSWORD_ALGORITHMS,
						 &offered, NULL) == RTC_STUN_OK) {
		for (size_t i = 0; i < offered.count && !chosen; i++)
			if (offered.ids[i] == RTC_STUN_PASSWORD_MD5 ||
			    offered.ids[i] == RTC_STUN_PASSWORD_SHA256)
				chosen = offered.ids[i];
		if (!chosen)
			return false;
	}
	struct rtc_stun_key key;
	if (rtc_stun_key_long_term(&key, chosen ? chosen : RTC_STUN_PASSWORD_MD5, c->username,
				   realm, c->password, NULL) != RTC_STUN_OK)
		return false;
	snprintf(c->realm, sizeof(c->realm), "%s", realm);
	snprintf(c->nonce, sizeof(c->nonce), "%s", nonce);
	c->key = key;
	c->password_algorithm = chosen;
	c->offered = offered;
	c->challenged = true;
	return true;
}

/* What a response means for its request, once 401/438 have been handled. */
struct outcome {
	bool success;
	uint16_t code;
	char reason[128];
};

/* Common handling: authentication of the response and the credential
 * dance. Returns true with *out filled when the request is finished
 * (success or failure), false when it was sent again or the response is
 * ignored (a forgery, as far as we can tell: the request stays pending). */
static bool settle(struct rtc_turn_client *c, struct turn_request *r,
		   const struct rtc_stun_msg *msg, uint64_t now, struct outcome *out,
		   bool (*resend)(struct rtc_turn_client *, void *, uint64_t), void *target)
{
	memset(out, 0, sizeof(*out));
	if (msg->cls == RTC_STUN_SUCCESS) {
		/* A success to an authenticated request must prove it knows
		 * the key (RFC 8489 9.2.5); otherwise it may be forged. */
		if (r->authenticated && rtc_stun_msg_check_integrity(msg, &c->key) != RTC_STUN_OK)
			return false;
		r->pending = false;
		out->success = true;
		return true;
	}

	uint16_t code = 0;
	char reason[128] = "";
	if (rtc_stun_msg_get_error_code(msg, &code, reason, sizeof(reason), NULL) != RTC_STUN_OK) {
		code = 0;
		snprintf(reason, sizeof(reason), "malformed error response");
	}
	/* 401 and 438 cannot carry integrity we could check; others can. */
	if (code != 401 && code != 438 && r->authenticated && msg->integrity >= 0 &&
	    rtc_stun_msg_check_integrity(msg, &c->key) != RTC_STUN_OK)
		return false;
	r->pending = false;
	bool retry = false;
	if (code == 401 && !r->authenticated)
		retry = learn_challenge(c, msg, true);
	else if (code == 438 && !r->stale_retried)
		retry = learn_challenge(c, msg, false);
	/* The resent request starts afresh but remembers a 438 retry, so a
	 * server that keeps saying "stale" cannot loop us. */
	bool stale = code == 438 || r->stale_retried;
	if (retry && resend(c, target, now)) {
		r->stale_retried = stale;
		return false;
	}
	out->code = code;
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
	return true;
}

static void schedule_allocation_refresh(struct rtc_turn_client *c, uint64_t now, uint32_t lifetime_s)
{
	/* A minute before expiry, or half-way for short lifetimes. */
	uint64_t lifetime = (uint64_t)lifetime_s * NS_PER_S;
	uint64_t lead = lifetime > 120 * NS_PER_S ? 60 * NS_PER_S : lifetime / 2;
	c->refresh_at = add_ns(now, lifetime - lead);
}

static bool resend_allocation(struct rtc_turn_client *c, void *target, uint64_t now)
{
	(void)target;
	if (c->state == RTC_TURN_ALLOCATING)
		return send_allocate(c, now);
	return send_refresh(c, now, c->refresh_lifetime_s);
}

static bool resend_permission(struct rtc_turn_client *c, void *target, uint64_t now)
{
	return send_permission(c, target, now);
}

static bool resend_channel(struct rtc_turn_client *c, void *target, uint64_t now)
{
	return send_channel_bind(c, target, now);
}

static void allocation_response(struct rtc_turn_client *c, const struct rtc_stun_msg *msg,
				uint64_t now)
{
	struct turn_request *r = &c->alloc_request;
	struct outcome o;
	if (!settle(c, r, msg, now, &o, resend_allocation, NULL))
		return;

	if (c->state == RTC_TURN_ALLOCATING) {
		struct rtc_turn_event ev = { .type = RTC_TURN_EVENT_ALLOCATED };
		uint32_t lifetime = 0;
		if (o.success &&
		    (rtc_stun_msg_get_address(msg, RTC_STUN_ATTR_XOR_RELAYED_ADDRESS, &ev.relayed,
					      NULL) != RTC_STUN_OK ||
		     rtc_stun_msg_get_u32(msg, RTC_STUN_ATTR_LIFETIME, &lifetime, NULL) !=
			     RTC_STUN_OK || lifetime == 0)) {
			o.success = false;
			snprintf(o.reason, sizeof(o.reason),
				 "Allocate success without XOR-RELAYED-ADDRESS or LIFETIME");
		}
		if (!o.success) {
			c->state = RTC_TURN_FAILED;
			push_failure(c, RTC_TURN_EVENT_ALLOCATION_FAILED, NULL, 0, o.code, o.reason);
			return;
		}
		if (rtc_stun_msg_get_address(msg, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, &ev.mapped,
					     NULL) != RTC_STUN_OK)
			ev.mapped.ss_family = AF_UNSPEC;
		ev.lifetime_s = lifetime;
		c->relayed = ev.relayed;
		c->state = RTC_TURN_ALLOCATED;
		schedule_allocation_refresh(c, now, lifetime);
		push_event(c, &ev);
		return;
	}

	if (c->state == RTC_TURN_RELEASING) {
		/* Success or not, the allocation is gone for us. */
		c->state = RTC_TURN_RELEASED;
		push_failure(c, RTC_TURN_EVENT_RELEASED, NULL, 0, o.success ? 0 : o.code, o.reason);
		return;
	}

	uint32_t lifetime = 0;
	if (o.success && rtc_stun_msg_get_u32(msg, RTC_STUN_ATTR_LIFETIME, &lifetime, NULL) ==
			 RTC_STUN_OK && lifetime > 0) {
		schedule_allocation_refresh(c, now, lifetime);
		return;
	}
	if (o.success)
		snprintf(o.reason, sizeof(o.reason), "Refresh success without a LIFETIME");
	c->state = RTC_TURN_FAILED;
	push_failure(c, RTC_TURN_EVENT_REFRESH_FAILED, NULL, 0, o.code, o.reason);
}

static void permission_response(struct rtc_turn_client *c, struct turn_permission *p,
				const struct rtc_stun_msg *msg, uint64_t now)
{
	struct outcome o;
	if (!settle(c, &p->request, msg, now, &o, resend_permission, p))
		return;
	if (o.success) {
		p->refresh_at = add_ns(now, PERMISSION_REFRESH_NS);
		if (!p->confirmed) {
			p->confirmed = true;
			struct rtc_turn_event ev = { .type = RTC_TURN_EVENT_PERMISSION_CREATED,
						     .peer = p->peer };
			push_event(c, &ev);
		}
		return;
	}
	p->failed = true;
	p->confirmed = false;
	push_failure(c, RTC_TURN_EVENT_PERMISSION_FAILED, &p->peer, 0, o.code, o.reason);
}

static void channel_response(struct rtc_turn_client *c, struct turn_channel *ch,
			     const struct rtc_stun_msg *msg, uint64_t now)
{
	struct outcome o;
	if (!settle(c, &ch->request, msg, now, &o, resend_channel, ch))
		return;
	if (o.success) {
		ch->refresh_at = add_ns(now, CHANNEL_REFRESH_NS);
		if (!ch->confirmed) {
			ch->confirmed = true;
			struct rtc_turn_event ev = { .type = RTC_TURN_EVENT_CHANNEL_BOUND,
						     .peer = ch->peer, .channel = ch->number };
			push_event(c, &ev);
		}
		return;
	}
	ch->failed = true;
	ch->confirmed = false;
	push_failure(c, RTC_TURN_EVENT_CHANNEL_FAILED, &ch->peer, ch->number, o.code, o.reason);
}

/* Whether msg answers this request. The transaction is not marked done
 * here: settle() may still ignore an unauthenticated answer. */
static bool owns(const struct turn_request *r, const struct rtc_stun_msg *msg)
{
	return r->pending && memcmp(r->transaction.tid, msg->tid, RTC_STUN_TID_LEN) == 0;
}

static enum rtc_turn_input handle_stun(struct rtc_turn_client *c, uint64_t now,
				       const struct rtc_stun_msg *msg, struct rtc_turn_data *data)
{
	if (msg->cls == RTC_STUN_INDICATION) {
		if (msg->method != RTC_STUN_DATA || c->state != RTC_TURN_ALLOCATED)
			return RTC_TURN_INPUT_IGNORED;
		const struct rtc_stun_attr *payload = rtc_stun_msg_find(msg, RTC_STUN_ATTR_DATA);
		if (!payload || rtc_stun_msg_get_address(msg, RTC_STUN_ATTR_XOR_PEER_ADDRESS,
							 &data->peer, NULL) != RTC_STUN_OK)
			return RTC_TURN_INPUT_MALFORMED;
		data->data = payload->value;
		data->len = payload->len;
		return RTC_TURN_INPUT_PEER_DATA;
	}
	if (msg->cls == RTC_STUN_REQUEST)
		return RTC_TURN_INPUT_IGNORED;   /* servers do not ask clients anything */

	if (owns(&c->alloc_request, msg)) {
		allocation_response(c, msg, now);
		return RTC_TURN_INPUT_HANDLED;
	}
	for (size_t i = 0; i < c->permission_count; i++)
		if (owns(&c->permissions[i].request, msg)) {
			permission_response(c, &c->permissions[i], msg, now);
			return RTC_TURN_INPUT_HANDLED;
		}
	for (size_t i = 0; i < c->channel_count; i++)
		if (owns(&c->channels[i].request, msg)) {
			channel_response(c, &c->channels[i], msg, now);
			return RTC_TURN_INPUT_HANDLED;
		}
	return RTC_TURN_INPUT_IGNORED;
}

enum rtc_turn_input rtc_turn_client_handle_receive(struct rtc_turn_client *c, uint64_t now,
						  const uint8_t *packet, size_t len,
						  struct rtc_turn_data *data)
{
	struct rtc_turn_data scratch;
	if (!data)
		data = &scratch;
	memset(data, 0, sizeof(*data));
	if (!packet || len < 4)
		return RTC_TURN_INPUT_MALFORMED;

	if ((packet[0] & 0xC0) == 0x40) {
		uint16_t number;
		if (!rtc_turn_channel_data_parse(packet, len, &number, &data->data, &data->len))
			return RTC_TURN_INPUT_MALFORMED;
		for (size_t i = 0; i < c->channel_count; i++) {
			if (c->channels[i].number == number && c->channels[i].confirmed &&
			    c->state == RTC_TURN_ALLOCATED) {
				data->peer = c->channels[i].peer;
				return RTC_TURN_INPUT_PEER_DATA;
			}
		}
		data->data = NULL;
		data->len = 0;
		return RTC_TURN_INPUT_IGNORED;
	}

	struct rtc_stun_msg msg;
	if (rtc_stun_parse(&msg, packet, len, NULL) != RTC_STUN_OK)
		return RTC_TURN_INPUT_MALFORMED;
	enum rtc_turn_input r = handle_stun(c, now, &msg, data);
	/* A failure answered may leave held data nowhere to go; a success
	 * releases it by itself (poll_transmit looks at the permission). */
	if (r == RTC_TURN_INPUT_HANDLED && c->data_head)
		settle_data(c);
	return r;
}

/* ---- time -------------------------------------------------------------- */

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t rtc_turn_client_deadline(const struct rtc_turn_client *c)
{
	uint64_t d = UINT64_MAX;
	if (c->alloc_request.pending)
		d = earlier(d, rtc_stun_transaction_deadline(&c->alloc_request.transaction));
	else if (c->state == RTC_TURN_ALLOCATED)
		d = earlier(d, c->refresh_at);
	if (c->state != RTC_TURN_ALLOCATED)
		return d;
	for (size_t i = 0; i < c->permission_count; i++) {
		const struct turn_permission *p = &c->permissions[i];
		if (p->request.pending)
			d = earlier(d, rtc_stun_transaction_deadline(&p->request.transaction));
		else if (p->confirmed)
			d = earlier(d, p->refresh_at);
	}
	for (size_t i = 0; i < c->channel_count; i++) {
		const struct turn_channel *ch = &c->channels[i];
		if (ch->request.pending)
			d = earlier(d, rtc_stun_transaction_deadline(&ch->request.transaction));
		else if (ch->confirmed)
			d = earlier(d, ch->refresh_at);
	}
	return d;
}

/* Retransmits or fails one request; true when it timed out. */
static bool tick(struct turn_request *r, uint64_t now)
{
	if (!r->pending)
		return false;
	switch (rtc_stun_transaction_poll(&r->transaction, now)) {
	case RTC_STUN_TRANSACTION_RETRANSMIT:
		r->queued = true;
		return false;
	case RTC_STUN_TRANSACTION_TIMEOUT:
		r->pending = r->queued = false;
		return true;
	case RTC_STUN_TRANSACTION_WAIT:
		break;
	}
	return false;
}

void rtc_turn_client_handle_timeout(struct rtc_turn_client *c, uint64_t now)
{
	if (tick(&c->alloc_request, now)) {
		switch (c->state) {
		case RTC_TURN_ALLOCATING:
			c->state = RTC_TURN_FAILED;
			push_failure(c, RTC_TURN_EVENT_ALLOCATION_FAILED, NULL, 0, 0, "timeout");
			break;
		case RTC_TURN_RELEASING:
			c->state = RTC_TURN_RELEASED;
			push_failure(c, RTC_TURN_EVENT_RELEASED, NULL, 0, 0, "timeout");
			break;
		default:
			c->state = RTC_TURN_FAILED;
			push_failure(c, RTC_TURN_EVENT_REFRESH_FAILED, NULL, 0, 0, "timeout");
		}
	}
	if (c->state != RTC_TURN_ALLOCATED) {
		settle_data(c);
		return;
	}
	if (!c->alloc_request.pending && now >= c->refresh_at) {
		uint32_t lifetime = c->requested_lifetime_s ? c->requested_lifetime_s : 600;
		if (!send_refresh(c, now, lifetime)) {
			c->state = RTC_TURN_FAILED;
			push_failure(c, RTC_TURN_EVENT_REFRESH_FAILED, NULL, 0, 0,
				     "Refresh request does not fit");
			return;
		}
	}
	for (size_t i = 0; i < c->permission_count; i++) {
		struct turn_permission *p = &c->permissions[i];
		if (tick(&p->request, now)) {
			p->failed = true;
			p->confirmed = false;
			push_failure(c, RTC_TURN_EVENT_PERMISSION_FAILED, &p->peer, 0, 0, "timeout");
		} else if (!p->request.pending && p->confirmed && now >= p->refresh_at) {
			send_permission(c, p, now);
		}
	}
	for (size_t i = 0; i < c->channel_count; i++) {
		struct turn_channel *ch = &c->channels[i];
		if (tick(&ch->request, now)) {
			ch->failed = true;
			ch->confirmed = false;
			push_failure(c, RTC_TURN_EVENT_CHANNEL_FAILED, &ch->peer, ch->number, 0,
				     "timeout");
		} else if (!ch->request.pending && ch->confirmed && now >= ch->refresh_at) {
			send_channel_bind(c, ch, now);
		}
	}
	settle_data(c);
}

/* ---- outputs ----------------------------------------------------------- */

static bool take(struct turn_request *r, struct rtc_turn_transmit *tx)
{
	if (!r->queued)
		return false;
	r->queued = false;
	tx->data = r->msg;
	tx->len = r->len;
	return true;
}

/* The oldest datagram whose peer has its permission, framed in c->tx.
 * Those of a peer still waiting stay, in their order, and do not hold up
 * the others. */
static bool take_data(struct rtc_turn_client *c, struct rtc_turn_transmit *tx)
{
	if (c->state != RTC_TURN_ALLOCATED)
		return false;
	struct turn_datagram *prev = NULL, *d = c->data_head;
	while (d) {
		const struct sockaddr *peer = (const struct sockaddr *)&d->peer;
		if (!installed(c, peer)) {
			prev = d;
			d = d->next;
			continue;
		}
		/* Send indication: 20 + 24 (XOR-PEER-ADDRESS, IPv6) + 4 (DATA)
		 * + 3 of padding around the data; ChannelData needs less. */
		size_t need = d->len + 64;
		if (c->tx_cap < need) {
			uint8_t *grown = realloc(c->tx, need);
			if (!grown)
				return false;   /* out of memory: it waits for the next poll */
			c->tx = grown;
			c->tx_cap = need;
		}
		size_t n = 0;
		bool framed = frame(c, peer, d->data, d->len, c->tx, c->tx_cap, &n, NULL) == 0;
		struct turn_datagram *next = d->next;
		if (framed && d->held)
			c->stats.released++;
		else if (!framed)
			c->stats.dropped_failed++;   /* near 64 KiB: no Send indication holds it */
		unlink_datagram(c, prev, d);
		if (framed) {
			tx->data = c->tx;
			tx->len = n;
			return true;
		}
		d = next;
	}
	return false;
}

bool rtc_turn_client_poll_transmit(struct rtc_turn_client *c, struct rtc_turn_transmit *tx)
{
	if (take(&c->alloc_request, tx))
		return true;
	for (size_t i = 0; i < c->permission_count; i++)
		if (take(&c->permissions[i].request, tx))
			return true;
	for (size_t i = 0; i < c->channel_count; i++)
		if (take(&c->channels[i].request, tx))
			return true;
	return take_data(c, tx);
}

bool rtc_turn_client_poll_event(struct rtc_turn_client *c, struct rtc_turn_event *ev)
{
	if (!c->event_count)
		return false;
	*ev = c->events[c->event_head];
	c->event_head = (c->event_head + 1) % c->event_cap;
	c->event_count--;
	return true;
}
