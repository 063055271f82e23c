/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Multicast DNS for ICE host candidates (RFC 6762,
 * draft-ietf-mmusic-mdns-ice-candidates), sans-I/O.
 *
 * One rtc_mdns serves the whole daemon, fed by its sockets on
 * 224.0.0.251:5353 and [ff02::fb]:5353:
 *
 *  - the querier resolves the "<uuid>.local" names browsers put in their
 *    host candidates: rtc_mdns_resolve() multicasts a query for A and
 *    AAAA, repeats it after 1 s, 2 s, 4 s... (RFC 6762 5.2) and gives up
 *    after the configured timeout; answers are cached for their TTL;
 *  - the responder answers for names we registered to hide our own host
 *    addresses. Names are version 4 UUIDs, 122 random bits, so a clash is
 *    not a case worth the 750 ms that probing (RFC 6762 8.1) would add to
 *    gathering: the draft (section 3.1.1) asks to skip it, and to announce
 *    the name, which is done twice, one second apart (RFC 6762 8.3).
 *
 * The caller feeds datagrams in with rtc_mdns_handle_receive(), calls
 * rtc_mdns_handle_timeout() when rtc_mdns_deadline() is due, and after
 * either drains rtc_mdns_poll_transmit() (datagrams and where they go) and
 * rtc_mdns_poll_event() (names resolved or given up).
 *
 * Not done here, because only the socket owner can: RFC 6762 11 checks of
 * the source address (on-link, or IP TTL 255), the choice of interface for
 * ff02::fb, and leaving out answers to the interface a name is not on.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/error.h"
#include "engine/mdns/mdns-message.h"

#define RTC_MDNS_PORT 5353
/* Our packets are a question or two and a few records: far below this. */
#define RTC_MDNS_PACKET_MAX 1232
#define RTC_MDNS_MAX_ADDRESSES 4
/* "<8-4-4-4-12 hex>.local" is 42; peers' names may be longer. */
#define RTC_MDNS_NAME_MAX RTC_DNS_NAME_TEXT_MAX

/* RFC 6762 10: records carrying a host name live 120 s. */
#define RTC_MDNS_HOST_TTL 120
/* RFC 6762 6.7: at most 10 s in answers to legacy unicast queries. */
#define RTC_MDNS_LEGACY_TTL 10

struct rtc_mdns_config {
	bool ipv4, ipv6;              /* the groups the caller has sockets on */
	uint64_t resolve_timeout;     /* ns until a name is given up; 0: 5 s */
	unsigned max_lookups;         /* names being resolved at once; 0: 64 */
	unsigned max_cache;           /* cached addresses; 0: 128 */
	unsigned max_hosts;           /* names of ours; 0: 64 */
};

enum rtc_mdns_event_type {
	RTC_MDNS_RESOLVED,
	RTC_MDNS_RESOLVE_FAILED,      /* no answer before the timeout */
};

struct rtc_mdns_event {
	enum rtc_mdns_event_type type;
	char name[RTC_MDNS_NAME_MAX + 1];            /* as given to rtc_mdns_resolve */
	size_t n_addresses;
	struct sockaddr_storage addresses[RTC_MDNS_MAX_ADDRESSES]; /* port 0 */
};

struct rtc_mdns_transmit {
	/* 224.0.0.251:5353, [ff02::fb]:5353, or the sender of a query that
	 * asked for a unicast reply. */
	struct sockaddr_storage to;
	size_t len;
	uint8_t data[RTC_MDNS_PACKET_MAX];
};

struct rtc_mdns;

/* NULL on allocation failure or a config with neither family. */
struct rtc_mdns *rtc_mdns_new(const struct rtc_mdns_config *config);
void rtc_mdns_free(struct rtc_mdns *m);

/* Whether a candidate address is an mDNS name to resolve (ends in ".local",
 * RFC 6762 3) rather than an IP literal. */
bool rtc_mdns_is_local_name(const char *name);

/* Starts resolving a ".local" host name from a peer's candidate. One event
 * comes for it: at once (on the next poll) if cached, when an answer
 * arrives, or after the timeout. A name already being resolved is not
 * queried twice, and gets one event. Returns 0, or -1 with *err:
 * SyntaxError for a name that is not a host name under .local,
 * OperationError when too many names are pending. */
int rtc_mdns_resolve(struct rtc_mdns *m, uint64_t now, const char *name, struct rtc_error *err);

/* Hides a host address (sockaddr_in or sockaddr_in6, port ignored) behind
 * a fresh "<uuid>.local" name written to name_out, and announces it. An
 * address registered again gets its existing name back (as browsers do: one
 * name per address) and one more reference. Returns 0, or -1 with *err. */
int rtc_mdns_register(struct rtc_mdns *m, uint64_t now, const struct sockaddr *address,
		      char name_out[RTC_MDNS_NAME_MAX + 1], struct rtc_error *err);

/* The same with a name the caller chose (tests, or a name kept across a
 * restart). The name must be a host name under .local not in use. */
int rtc_mdns_register_name(struct rtc_mdns *m, uint64_t now, const char *name,
			   const struct sockaddr *address, struct rtc_error *err);

/* Drops one reference to a name of ours; the last one sends a goodbye
 * (TTL 0, RFC 6762 10.1). Returns 0, or -1 if the name is not ours. */
int rtc_mdns_unregister(struct rtc_mdns *m, uint64_t now, const char *name);

/* A datagram from one of the mDNS sockets. Returns 0 (also for messages
 * that are well-formed but not for us), or -1 with *err (SyntaxError) for
 * a malformed one, which changes nothing. */
int rtc_mdns_handle_receive(struct rtc_mdns *m, uint64_t now, const uint8_t *data, size_t len,
		     const struct sockaddr *from, struct rtc_error *err);

/* Runs the timers due at `now`: retransmissions, announcements, give-ups. */
void rtc_mdns_handle_timeout(struct rtc_mdns *m, uint64_t now);

/* When handle_timeout next has work, or UINT64_MAX. */
uint64_t rtc_mdns_deadline(const struct rtc_mdns *m);

/* Takes the next datagram to send; false when there is none. */
bool rtc_mdns_poll_transmit(struct rtc_mdns *m, struct rtc_mdns_transmit *out);

/* Takes the next event; false when there is none. */
bool rtc_mdns_poll_event(struct rtc_mdns *m, struct rtc_mdns_event *out);
