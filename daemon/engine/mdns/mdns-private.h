/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside rtc_mdns: the core (mdns.c) parses datagrams, owns the queue of
 * datagrams to send and the timers; the querier (mdns-querier.c) and the
 * responder (mdns-responder.c) each keep their own tables.
 */
#pragma once

#include "common/list.h"
#include "engine/mdns/mdns.h"

#define MDNS_NS_PER_S 1000000000ull
#define MDNS_TX_QUEUE 16

/* A name from a peer's candidate that we are resolving, or resolved and
 * waiting for its event to be polled. */
struct mdns_lookup {
	struct rtc_list link;
	struct rtc_dns_name wire;
	char name[RTC_MDNS_NAME_MAX + 1];
	bool done;
	bool resolved;
	uint64_t next_query, interval, give_up;
	size_t n_addresses;
	struct sockaddr_storage addresses[RTC_MDNS_MAX_ADDRESSES];
};

/* One address record heard for a name being resolved. */
struct mdns_cache_entry {
	bool used;
	bool goodbye;                 /* TTL 0 heard: kept 1 s, never answered from */
	struct rtc_dns_name name;
	uint16_t type;
	uint8_t address[16];
	uint64_t received, expires;
};

/* A name of ours hiding one host address. */
struct mdns_host {
	struct rtc_list link;
	struct rtc_dns_name wire;
	char name[RTC_MDNS_NAME_MAX + 1];
	uint16_t type;                /* A or AAAA */
	uint8_t address[16];
	unsigned refs;
	unsigned announcements_left;
	uint64_t next_announcement;
	/* RFC 6762 6: a record is multicast at most once a second per link;
	 * index 0 for IPv4, 1 for IPv6. */
	bool multicast_sent[2];
	uint64_t last_multicast[2];
};

struct rtc_mdns {
	struct rtc_mdns_config config;
	struct rtc_list lookups, hosts;
	unsigned n_lookups, n_hosts;
	struct mdns_cache_entry *cache;
	unsigned tx_head, tx_count;
	struct rtc_mdns_transmit tx[MDNS_TX_QUEUE];
	struct rtc_dns_message scratch;   /* the message being handled */
};

/* mdns.c */
int mdns_family_index(int family);
uint16_t mdns_port(const struct sockaddr *sa);
void mdns_group(int family, struct sockaddr_storage *to);
/* Queues a datagram; drops it (logged) when the queue is full. */
void mdns_send(struct rtc_mdns *m, const struct sockaddr *to, const uint8_t *data, int len);
/* Checks that `name` is a host name under .local (letters, digits and
 * hyphens, RFC 952/1123 style labels) and gives its wire form. */
int mdns_parse_host_name(const char *name, struct rtc_dns_name *wire, struct rtc_error *err);

/* mdns-querier.c */
void mdns_querier_on_response(struct rtc_mdns *m, uint64_t now, const struct rtc_dns_message *msg);
void mdns_querier_timeout(struct rtc_mdns *m, uint64_t now);
uint64_t mdns_querier_deadline(const struct rtc_mdns *m);
void mdns_querier_free(struct rtc_mdns *m);

/* mdns-responder.c */
void mdns_responder_on_query(struct rtc_mdns *m, uint64_t now, const struct rtc_dns_message *msg,
			     const struct sockaddr *from);
/* A response from the link that names a host of ours: a reflection of
 * our own, or another host claiming the name. */
void mdns_responder_on_response(struct rtc_mdns *m, const struct rtc_dns_message *msg);
/* The address behind a name of ours, for a peer in this same daemon. */
bool mdns_responder_address(struct rtc_mdns *m, const struct rtc_dns_name *name,
			    struct sockaddr_storage *out);
void mdns_responder_timeout(struct rtc_mdns *m, uint64_t now);
uint64_t mdns_responder_deadline(const struct rtc_mdns *m);
void mdns_responder_free(struct rtc_mdns *m);
