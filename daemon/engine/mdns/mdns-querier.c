/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The querier: one-shot resolution of peers' .local names (RFC 6762 5.2
 * timing) and a cache of the address records heard for them (RFC 6762 10).
 *
 * Only names we are resolving, or resolved, are cached: a desktop's link carries plenty
 * of other mDNS traffic, none of it our business, and a table that anyone
 * on the link could fill would be a way to push out the entries we need.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/mdns/mdns-private.h"

static struct mdns_lookup *find_lookup(struct rtc_mdns *m, const struct rtc_dns_name *name)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &m->lookups) {
		struct mdns_lookup *l = rtc_container_of(pos, struct mdns_lookup, link);

		if (rtc_dns_name_equal(&l->wire, name))
			return l;
	}
	return NULL;
}

static void to_sockaddr(uint16_t type, const uint8_t *address, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (type == RTC_DNS_TYPE_A) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, address, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, address, 16);
	}
}

/* Fills the lookup's addresses from what the cache holds now. */
static size_t collect_addresses(struct rtc_mdns *m, uint64_t now, struct mdns_lookup *l)
{
	l->n_addresses = 0;
	for (unsigned i = 0; i < m->config.max_cache; i++) {
		const struct mdns_cache_entry *e = &m->cache[i];

		if (!e->used || e->goodbye || e->expires <= now ||
		    !rtc_dns_name_equal(&e->name, &l->wire))
			continue;
		if (l->n_addresses == RTC_MDNS_MAX_ADDRESSES)
			break;
		to_sockaddr(e->type, e->address, &l->addresses[l->n_addresses++]);
	}
	return l->n_addresses;
}

static struct mdns_cache_entry *cache_slot(struct rtc_mdns *m, uint64_t now)
{
	struct mdns_cache_entry *victim = &m->cache[0];

	for (unsigned i = 0; i < m->config.max_cache; i++) {
		struct mdns_cache_entry *e = &m->cache[i];

		if (!e->used || e->expires <= now)
			return e;
		if (e->expires < victim->expires)
			victim = e;
	}
	/* Full of live entries: the one closest to expiry goes. */
	return victim;
}

static void cache_store(struct rtc_mdns *m, uint64_t now, const struct rtc_dns_record *rec)
{
	size_t len = rec->type == RTC_DNS_TYPE_A ? 4 : 16;
	struct mdns_cache_entry *same = NULL;

	for (unsigned i = 0; i < m->config.max_cache; i++) {
		struct mdns_cache_entry *e = &m->cache[i];

		if (!e->used || e->expires <= now || e->type != rec->type ||
		    !rtc_dns_name_equal(&e->name, &rec->name))
			continue;
		if (memcmp(e->address, rec->data.aaaa, len) == 0) {
			same = e;
		} else if (rec->cache_flush && e->received + MDNS_NS_PER_S <= now &&
			   e->expires > now + MDNS_NS_PER_S) {
			/* RFC 6762 10.2: a unique record replaces what was heard
			 * more than a second ago; those go in one second, not
			 * at once, in case they were right after all. */
			e->expires = now + MDNS_NS_PER_S;
		}
	}
	if (!same) {
		same = cache_slot(m, now);
		memset(same, 0, sizeof(*same));
		same->used = true;
		same->name = rec->name;
		same->type = rec->type;
		memcpy(same->address, rec->data.aaaa, len);
	}
	same->received = now;
	/* RFC 6762 10.1: a goodbye (TTL 0) is kept for one second. */
	same->goodbye = rec->ttl == 0;
	same->expires = now + (rec->ttl ? (uint64_t)rec->ttl : 1) * MDNS_NS_PER_S;
}

/* Whether the cache holds live records of the name: a name once resolved
 * keeps getting its updates (a new address, a goodbye). */
static bool cache_has_name(const struct rtc_mdns *m, uint64_t now, const struct rtc_dns_name *name)
{
	for (unsigned i = 0; i < m->config.max_cache; i++) {
		const struct mdns_cache_entry *e = &m->cache[i];

		if (e->used && e->expires > now && rtc_dns_name_equal(&e->name, name))
			return true;
	}
	return false;
}

/* Chromium announces names with 0.0.0.0 or :: when it has no address to
 * give (seen on a host without a default route): not a place to send
 * connectivity checks to. */
static bool unspecified(const struct rtc_dns_record *rec)
{
	size_t len = rec->type == RTC_DNS_TYPE_A ? 4 : 16;

	for (size_t i = 0; i < len; i++)
		if (rec->data.aaaa[i])
			return false;
	return true;
}

void mdns_querier_on_response(struct rtc_mdns *m, uint64_t now, const struct rtc_dns_message *msg)
{
	bool heard = false;
	struct rtc_list *pos;

	for (size_t i = 0; i < msg->n_records; i++) {
		const struct rtc_dns_record *rec = &msg->records[i];

		/* Authority records in a response are not answers (RFC 6762
		 * uses that section only in probes). */
		if (rec->section == RTC_DNS_SECTION_AUTHORITY || rec->rclass != RTC_DNS_CLASS_IN ||
		    (rec->type != RTC_DNS_TYPE_A && rec->type != RTC_DNS_TYPE_AAAA) ||
		    unspecified(rec) || (!find_lookup(m, &rec->name) && !cache_has_name(m, now, &rec->name)))
			continue;
		cache_store(m, now, rec);
		heard = true;
	}
	if (!heard)
		return;
	rtc_list_for_each(pos, &m->lookups) {
		struct mdns_lookup *l = rtc_container_of(pos, struct mdns_lookup, link);

		if (!l->done && collect_addresses(m, now, l) > 0) {
			l->done = true;
			l->resolved = true;
		}
	}
}

static void send_query(struct rtc_mdns *m, const struct mdns_lookup *l)
{
	uint8_t buf[RTC_MDNS_PACKET_MAX];
	struct rtc_dns_writer w;
	struct rtc_dns_question q = { .name = l->wire, .qclass = RTC_DNS_CLASS_IN };
	int len;

	/* Both address types in one query (RFC 6762 5.3 allows several
	 * questions): the name may stand for either. Multicast replies (QM):
	 * every querier of the name on the link learns from one answer. */
	rtc_dns_writer_init(&w, buf, sizeof(buf), 0, 0);
	q.type = RTC_DNS_TYPE_A;
	rtc_dns_writer_add_question(&w, &q);
	q.type = RTC_DNS_TYPE_AAAA;
	rtc_dns_writer_add_question(&w, &q);
	len = rtc_dns_writer_finish(&w);
	for (int family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET) {
		struct sockaddr_storage to;

		if ((family == AF_INET && !m->config.ipv4) || (family == AF_INET6 && !m->config.ipv6))
			continue;
		mdns_group(family, &to);
		mdns_send(m, (const struct sockaddr *)&to, buf, len);
	}
}

int rtc_mdns_resolve(struct rtc_mdns *m, uint64_t now, const char *name, struct rtc_error *err)
{
	struct rtc_dns_name wire;
	struct mdns_lookup *l;

	if (mdns_parse_host_name(name, &wire, err) < 0)
		return -1;
	if (find_lookup(m, &wire))
		return 0;
	if (m->n_lookups >= m->config.max_lookups)
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "too many mDNS names being resolved (%u)", m->n_lookups);
	l = calloc(1, sizeof(*l));
	if (!l)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	l->wire = wire;
	snprintf(l->name, sizeof(l->name), "%s", name);
	rtc_list_append(&m->lookups, &l->link);
	m->n_lookups++;

	/* Two peer connections of this daemon talking to each other: the
	 * answer is ours, whether or not multicast loops back to us. */
	if (mdns_responder_address(m, &wire, &l->addresses[0])) {
		l->n_addresses = 1;
		l->done = l->resolved = true;
		return 0;
	}
	if (collect_addresses(m, now, l) > 0) {
		l->done = l->resolved = true;
		return 0;
	}
	/* No delay before the first query: it is asked for by the caller,
	 * not sent by every host on the link at once at start-up, which is
	 * what RFC 6762 5.2's 20-120 ms delay spreads out. */
	send_query(m, l);
	l->interval = MDNS_NS_PER_S;
	l->next_query = now + l->interval;
	l->give_up = now + m->config.resolve_timeout;
	return 0;
}

void mdns_querier_timeout(struct rtc_mdns *m, uint64_t now)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &m->lookups) {
		struct mdns_lookup *l = rtc_container_of(pos, struct mdns_lookup, link);

		if (l->done)
			continue;
		if (now >= l->give_up) {
			l->done = true;
			rtc_debug("mdns: no answer for %s", l->name);
		} else if (now >= l->next_query) {
			send_query(m, l);
			/* RFC 6762 5.2: intervals at least double. */
			l->interval *= 2;
			l->next_query = now + l->interval;
		}
	}
}

uint64_t mdns_querier_deadline(const struct rtc_mdns *m)
{
	uint64_t next = UINT64_MAX;
	const struct rtc_list *pos;

	rtc_list_for_each(pos, &m->lookups) {
		const struct mdns_lookup *l = rtc_container_of(pos, const struct mdns_lookup, link);

		if (l->done)
			continue;
		if (l->next_query < next)
			next = l->next_query;
		if (l->give_up < next)
			next = l->give_up;
	}
	return next;
}

bool rtc_mdns_poll_event(struct rtc_mdns *m, struct rtc_mdns_event *out)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &m->lookups) {
		struct mdns_lookup *l = rtc_container_of(pos, struct mdns_lookup, link);

		if (!l->done)
			continue;
		memset(out, 0, sizeof(*out));
		out->type = l->resolved ? RTC_MDNS_RESOLVED : RTC_MDNS_RESOLVE_FAILED;
		memcpy(out->name, l->name, sizeof(out->name));
		out->n_addresses = l->n_addresses;
		memcpy(out->addresses, l->addresses, sizeof(out->addresses));
		rtc_list_unlink(&l->link);
		m->n_lookups--;
		free(l);
		return true;
	}
	return false;
}

void mdns_querier_free(struct rtc_mdns *m)
{
	struct rtc_list *e;

	while ((e = rtc_list_pop(&m->lookups)))
		free(rtc_container_of(e, struct mdns_lookup, link));
}
