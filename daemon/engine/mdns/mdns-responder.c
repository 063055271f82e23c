/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The responder: answers for the "<uuid>.local" names that hide our host
 * addresses (draft-ietf-mmusic-mdns-ice-candidates 3.1), with what RFC 6762
 * asks of a responder of unique records: immediate answers (section 6, no
 * delay since no other host shares the record), known-answer suppression
 * (7.1), at most one multicast of a record per second (6), NSEC for the
 * address type the name does not have (6.1), unicast replies for QU and
 * legacy queries (5.4, 6.7), announcements (8.3) and goodbyes (10.1).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/rng.h"

#include "common/log.h"
#include "engine/mdns/mdns-private.h"

static struct mdns_host *find_host(struct rtc_mdns *m, const struct rtc_dns_name *name)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &m->hosts) {
		struct mdns_host *h = rtc_container_of(pos, struct mdns_host, link);

		if (rtc_dns_name_equal(&h->wire, name))
			return h;
	}
	return NULL;
}

static size_t address_len(uint16_t type)
{
	return type == RTC_DNS_TYPE_A ? 4 : 16;
}

static struct mdns_host *find_host_by_address(struct rtc_mdns *m, uint16_t type,
					      const uint8_t *address)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &m->hosts) {
		struct mdns_host *h = rtc_container_of(pos, struct mdns_host, link);

		if (h->type == type && memcmp(h->address, address, address_len(type)) == 0)
			return h;
	}
	return NULL;
}

static void address_record(const struct mdns_host *h, enum rtc_dns_section section,
			   uint32_t ttl, bool cache_flush, struct rtc_dns_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->section = section;
	rec->name = h->wire;
	rec->type = h->type;
	rec->rclass = RTC_DNS_CLASS_IN;
	rec->cache_flush = cache_flush;
	rec->ttl = ttl;
	memcpy(rec->data.aaaa, h->address, address_len(h->type));
}

/* RFC 6762 6.1: "this name has only this address type". */
static void nsec_record(const struct mdns_host *h, enum rtc_dns_section section,
			uint32_t ttl, bool cache_flush, struct rtc_dns_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->section = section;
	rec->name = h->wire;
	rec->type = RTC_DNS_TYPE_NSEC;
	rec->rclass = RTC_DNS_CLASS_IN;
	rec->cache_flush = cache_flush;
	rec->ttl = ttl;
	rtc_dns_nsec_set(rec, h->type);
}

static bool family_enabled(const struct rtc_mdns *m, int family)
{
	return family == AF_INET ? m->config.ipv4 : m->config.ipv6;
}

static void multicast(struct rtc_mdns *m, uint64_t now, struct mdns_host *h, int family,
		      const uint8_t *buf, int len)
{
	struct sockaddr_storage to;
	int i = mdns_family_index(family);

	mdns_group(family, &to);
	mdns_send(m, (const struct sockaddr *)&to, buf, len);
	h->multicast_sent[i] = true;
	h->last_multicast[i] = now;
}

/* An unsolicited response: the name's address (TTL 0 for a goodbye) to
 * every group we have. */
static void announce(struct rtc_mdns *m, uint64_t now, struct mdns_host *h, bool goodbye)
{
	uint8_t buf[RTC_MDNS_PACKET_MAX];
	struct rtc_dns_writer w;
	struct rtc_dns_record rec;
	int len;

	rtc_dns_writer_init(&w, buf, sizeof(buf), 0, RTC_DNS_FLAG_QR | RTC_DNS_FLAG_AA);
	address_record(h, RTC_DNS_SECTION_ANSWER, goodbye ? 0 : RTC_MDNS_HOST_TTL, true, &rec);
	rtc_dns_writer_add_record(&w, &rec);
	if (!goodbye) {
		nsec_record(h, RTC_DNS_SECTION_ADDITIONAL, RTC_MDNS_HOST_TTL, true, &rec);
		rtc_dns_writer_add_record(&w, &rec);
	}
	len = rtc_dns_writer_finish(&w);
	for (int family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET)
		if (family_enabled(m, family))
			multicast(m, now, h, family, buf, len);
}

static int add_host(struct rtc_mdns *m, uint64_t now, const struct rtc_dns_name *wire,
		    const char *name, uint16_t type, const uint8_t *address,
		    struct rtc_error *err)
{
	struct mdns_host *h;

	if (find_host(m, wire))
		return rtc_error_set(err, RTC_ERROR_INVALID_MODIFICATION,
				     "mDNS name %s is already registered", name);
	if (m->n_hosts >= m->config.max_hosts)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "too many mDNS names (%u)",
				     m->n_hosts);
	h = calloc(1, sizeof(*h));
	if (!h)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	h->wire = *wire;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->type = type;
	memcpy(h->address, address, address_len(type));
	h->refs = 1;
	rtc_list_append(&m->hosts, &h->link);
	m->n_hosts++;

	/* RFC 6762 8.3: at least two announcements, one second apart. */
	announce(m, now, h, false);
	h->announcements_left = 1;
	h->next_announcement = now + MDNS_NS_PER_S;
	return 0;
}

static int address_of(const struct sockaddr *sa, uint16_t *type, const uint8_t **address,
		      struct rtc_error *err)
{
	if (sa && sa->sa_family == AF_INET) {
		*type = RTC_DNS_TYPE_A;
		*address = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6) {
		*type = RTC_DNS_TYPE_AAAA;
		*address = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		return 0;
	}
	return rtc_error_set(err, RTC_ERROR_TYPE, "an mDNS name needs an IPv4 or IPv6 address");
}

int rtc_mdns_register_name(struct rtc_mdns *m, uint64_t now, const char *name,
			   const struct sockaddr *address, struct rtc_error *err)
{
	struct rtc_dns_name wire;
	const uint8_t *bytes = NULL;
	uint16_t type = 0;

	if (address_of(address, &type, &bytes, err) < 0 ||
	    mdns_parse_host_name(name, &wire, err) < 0)
		return -1;
	return add_host(m, now, &wire, name, type, bytes, err);
}

int rtc_mdns_register(struct rtc_mdns *m, uint64_t now, const struct sockaddr *address,
		      char name_out[RTC_MDNS_NAME_MAX + 1], struct rtc_error *err)
{
	struct mdns_host *h;
	const uint8_t *bytes = NULL;
	uint16_t type = 0;
	uint8_t u[16];

	if (address_of(address, &type, &bytes, err) < 0)
		return -1;
	h = find_host_by_address(m, type, bytes);
	if (h) {
		h->refs++;
		memcpy(name_out, h->name, sizeof(h->name));
		return 0;
	}
	if (rtc_rng_bytes(u, sizeof(u)) < 0)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "no random bytes for an mDNS name");
	/* RFC 4122 4.4: a version 4 UUID, as the draft's section 3.1.1 asks. */
	u[6] = (uint8_t)(0x40 | (u[6] & 0x0f));
	u[8] = (uint8_t)(0x80 | (u[8] & 0x3f));
	snprintf(name_out, RTC_MDNS_NAME_MAX + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x.local",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
	return rtc_mdns_register_name(m, now, name_out, address, err);
}

static void remove_host(struct rtc_mdns *m, struct mdns_host *h)
{
	rtc_list_unlink(&h->link);
	m->n_hosts--;
	free(h);
}

int rtc_mdns_unregister(struct rtc_mdns *m, uint64_t now, const char *name)
{
	struct rtc_dns_name wire;
	struct mdns_host *h;

	if (rtc_dns_name_from_text(name, &wire, NULL) < 0 || !(h = find_host(m, &wire)))
		return -1;
	if (--h->refs > 0)
		return 0;
	announce(m, now, h, true);
	remove_host(m, h);
	return 0;
}

/* RFC 6762 7.1: the querier already holds our record with at least half
 * its lifetime left. */
static bool known_answer(const struct rtc_dns_message *msg, const struct rtc_dns_record *ours)
{
	for (size_t i = 0; i < msg->n_records; i++) {
		const struct rtc_dns_record *k = &msg->records[i];

		if (k->section != RTC_DNS_SECTION_ANSWER || k->type != ours->type ||
		    k->rclass != RTC_DNS_CLASS_IN || k->ttl < ours->ttl / 2 ||
		    !rtc_dns_name_equal(&k->name, &ours->name))
			continue;
		if (ours->type == RTC_DNS_TYPE_NSEC ||
		    memcmp(k->data.aaaa, ours->data.aaaa, address_len(ours->type)) == 0)
			return true;
	}
	return false;
}

/* What one query asks of one of our names. */
struct reply_item {
	struct mdns_host *host;
	bool positive;        /* the address; otherwise NSEC */
	bool unicast;
};

static bool has_item(const struct reply_item *items, size_t n, const struct mdns_host *h,
		     bool positive)
{
	for (size_t i = 0; i < n; i++)
		if (items[i].host == h && items[i].positive == positive)
			return true;
	return false;
}

/* Writes one response: the answers, then the other record of each name as
 * additional information (the NSEC beside an address tells the querier not
 * to wait for the other type; the address beside an NSEC is what it will
 * ask next). Legacy unicast replies echo the query (RFC 6762 6.7). */
static int write_reply(const struct rtc_dns_message *query, bool legacy,
		       const struct reply_item *items, size_t n, uint8_t *buf, size_t cap)
{
	uint32_t ttl = legacy ? RTC_MDNS_LEGACY_TTL : RTC_MDNS_HOST_TTL;
	struct rtc_dns_record rec;
	struct rtc_dns_writer w;

	rtc_dns_writer_init(&w, buf, cap, legacy ? query->id : 0,
			    RTC_DNS_FLAG_QR | RTC_DNS_FLAG_AA);
	if (legacy)
		for (size_t i = 0; i < query->n_questions; i++)
			rtc_dns_writer_add_question(&w, &query->questions[i]);
	for (int additional = 0; additional < 2; additional++) {
		enum rtc_dns_section section = additional ? RTC_DNS_SECTION_ADDITIONAL
							  : RTC_DNS_SECTION_ANSWER;

		for (size_t i = 0; i < n; i++) {
			/* The other record is no extra if it is an answer. */
			if (additional && has_item(items, n, items[i].host, !items[i].positive))
				continue;
			/* Legacy resolvers would read the cache-flush bit as
			 * part of the class: RFC 6762 6.7 leaves it out. */
			if (items[i].positive != (bool)additional)
				address_record(items[i].host, section, ttl, !legacy, &rec);
			else
				nsec_record(items[i].host, section, ttl, !legacy, &rec);
			rtc_dns_writer_add_record(&w, &rec);
		}
	}
	return rtc_dns_writer_finish(&w);
}

void mdns_responder_on_query(struct rtc_mdns *m, uint64_t now, const struct rtc_dns_message *msg,
			     const struct sockaddr *from)
{
	/* RFC 6762 6.7: a query not from port 5353 comes from a plain DNS
	 * resolver, which wants a plain DNS reply to where it asked from. */
	bool legacy = mdns_port(from) != RTC_MDNS_PORT;
	int family_index = mdns_family_index(from->sa_family);
	struct reply_item multi[RTC_DNS_MAX_QUESTIONS], uni[RTC_DNS_MAX_QUESTIONS];
	size_t n_multi = 0, n_uni = 0;
	uint8_t buf[RTC_MDNS_PACKET_MAX];

	if (rtc_list_is_empty(&m->hosts))
		return;
	for (size_t i = 0; i < msg->n_questions; i++) {
		const struct rtc_dns_question *q = &msg->questions[i];
		struct mdns_host *h;
		struct rtc_dns_record ours;
		struct reply_item item;

		if ((q->qclass != RTC_DNS_CLASS_IN && q->qclass != RTC_DNS_CLASS_ANY) ||
		    !(h = find_host(m, &q->name)))
			continue;
		item = (struct reply_item){ .host = h,
			.positive = q->type == h->type || q->type == RTC_DNS_TYPE_ANY,
			.unicast = legacy || q->unicast_response };
		if (item.positive)
			address_record(h, RTC_DNS_SECTION_ANSWER, RTC_MDNS_HOST_TTL, true, &ours);
		else
			nsec_record(h, RTC_DNS_SECTION_ANSWER, RTC_MDNS_HOST_TTL, true, &ours);
		if (!legacy && known_answer(msg, &ours))
			continue;
		if (has_item(uni, n_uni, h, item.positive) ||
		    has_item(multi, n_multi, h, item.positive))
			continue;
		if (item.unicast) {
			uni[n_uni++] = item;
		} else if (!h->multicast_sent[family_index] ||
			   now >= h->last_multicast[family_index] + MDNS_NS_PER_S) {
			/* Several questions on one name in one query (A and
			 * AAAA) make one answer each; all go out together. */
			multi[n_multi++] = item;
		}
	}
	if (n_uni > 0)
		mdns_send(m, from, buf, write_reply(msg, legacy, uni, n_uni, buf, sizeof(buf)));
	if (n_multi > 0) {
		int len = write_reply(msg, false, multi, n_multi, buf, sizeof(buf));
		struct sockaddr_storage to;

		mdns_group(from->sa_family, &to);
		mdns_send(m, (const struct sockaddr *)&to, buf, len);
		for (size_t i = 0; i < n_multi; i++) {
			multi[i].host->multicast_sent[family_index] = true;
			multi[i].host->last_multicast[family_index] = now;
		}
	}
}

void mdns_responder_on_response(struct rtc_mdns *m, const struct rtc_dns_message *msg)
{
	for (size_t i = 0; i < msg->n_records; i++) {
		const struct rtc_dns_record *rec = &msg->records[i];
		struct mdns_host *h;

		if ((rec->type != RTC_DNS_TYPE_A && rec->type != RTC_DNS_TYPE_AAAA) ||
		    rec->section == RTC_DNS_SECTION_AUTHORITY || !(h = find_host(m, &rec->name)))
			continue;
		/* Our own announcements come back through multicast loopback.
		 * Anything else is another host claiming a 122-bit random
		 * name: an attack or a broken peer, not a clash to resolve
		 * by renaming (RFC 6762 9), which would break candidates
		 * already signalled. Say so, keep the name. */
		if (rec->type != h->type ||
		    memcmp(rec->data.aaaa, h->address, address_len(h->type)) != 0)
			rtc_warn("mdns: another host answers for our name %s", h->name);
	}
}

bool mdns_responder_address(struct rtc_mdns *m, const struct rtc_dns_name *name,
			    struct sockaddr_storage *out)
{
	struct mdns_host *h = find_host(m, name);

	if (!h)
		return false;
	memset(out, 0, sizeof(*out));
	if (h->type == RTC_DNS_TYPE_A) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, h->address, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, h->address, 16);
	}
	return true;
}

void mdns_responder_timeout(struct rtc_mdns *m, uint64_t now)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &m->hosts) {
		struct mdns_host *h = rtc_container_of(pos, struct mdns_host, link);

		if (h->announcements_left > 0 && now >= h->next_announcement) {
			announce(m, now, h, false);
			h->announcements_left--;
			h->next_announcement = now + MDNS_NS_PER_S;
		}
	}
}

uint64_t mdns_responder_deadline(const struct rtc_mdns *m)
{
	uint64_t next = UINT64_MAX;
	const struct rtc_list *pos;

	rtc_list_for_each(pos, &m->hosts) {
		const struct mdns_host *h = rtc_container_of(pos, const struct mdns_host, link);

		if (h->announcements_left > 0 && h->next_announcement < next)
			next = h->next_announcement;
	}
	return next;
}

void mdns_responder_free(struct rtc_mdns *m)
{
	struct rtc_list *e;

	while ((e = rtc_list_pop(&m->hosts)))
		free(rtc_container_of(e, struct mdns_host, link));
}
