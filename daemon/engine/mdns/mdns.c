/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/mdns/mdns-private.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

struct rtc_mdns *rtc_mdns_new(const struct rtc_mdns_config *config)
{
	struct rtc_mdns *m;

	if (!config || (!config->ipv4 && !config->ipv6))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->config = *config;
	if (!m->config.resolve_timeout)
		m->config.resolve_timeout = 5 * MDNS_NS_PER_S;
	if (!m->config.max_lookups)
		m->config.max_lookups = 64;
	if (!m->config.max_cache)
		m->config.max_cache = 128;
	if (!m->config.max_hosts)
		m->config.max_hosts = 64;
	m->cache = calloc(m->config.max_cache, sizeof(*m->cache));
	if (!m->cache) {
		free(m);
		return NULL;
	}
	rtc_list_init(&m->lookups);
	rtc_list_init(&m->hosts);
	return m;
}

void rtc_mdns_free(struct rtc_mdns *m)
{
	if (!m)
		return;
	mdns_querier_free(m);
	mdns_responder_free(m);
	free(m->cache);
	free(m);
}

int mdns_family_index(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

uint16_t mdns_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

void mdns_group(int family, struct sockaddr_storage *to)
{
	memset(to, 0, sizeof(*to));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)to;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(RTC_MDNS_PORT);
		sin->sin_addr.s_addr = htonl(0xe00000fb);           /* 224.0.0.251 */
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)to;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(RTC_MDNS_PORT);
		sin6->sin6_addr.s6_addr[0] = 0xff;                  /* ff02::fb */
		sin6->sin6_addr.s6_addr[1] = 0x02;
		sin6->sin6_addr.s6_addr[15] = 0xfb;
	}
}

void mdns_send(struct rtc_mdns *m, const struct sockaddr *to, const uint8_t *data, int len)
{
	struct rtc_mdns_transmit *tx;

	if (len <= 0 || (size_t)len > sizeof(tx->data)) {
		rtc_warn("mdns: message of %d bytes not sent", len);
		return;
	}
	if (m->tx_count == MDNS_TX_QUEUE) {
		/* Only a storm of queries fills it; the peers will ask again. */
		rtc_debug("mdns: send queue full, datagram dropped");
		return;
	}
	tx = &m->tx[(m->tx_head + m->tx_count) % MDNS_TX_QUEUE];
	m->tx_count++;
	memset(&tx->to, 0, sizeof(tx->to));
	memcpy(&tx->to, to, to->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						     : sizeof(struct sockaddr_in6));
	tx->len = (size_t)len;
	memcpy(tx->data, data, (size_t)len);
}

bool rtc_mdns_poll_transmit(struct rtc_mdns *m, struct rtc_mdns_transmit *out)
{
	if (m->tx_count == 0)
		return false;
	*out = m->tx[m->tx_head];
	m->tx_head = (m->tx_head + 1) % MDNS_TX_QUEUE;
	m->tx_count--;
	return true;
}

bool rtc_mdns_is_local_name(const char *name)
{
	size_t n = strlen(name);

	/* A single trailing dot is the same name (fully qualified). */
	if (n > 0 && name[n - 1] == '.')
		n--;
	return n > 6 && strncasecmp(name + n - 6, ".local", 6) == 0;
}

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

int mdns_parse_host_name(const char *name, struct rtc_dns_name *wire, struct rtc_error *err)
{
	size_t len = strnlen(name, RTC_MDNS_NAME_MAX + 1);

	if (len > RTC_MDNS_NAME_MAX)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "mDNS name is longer than %d bytes",
				     RTC_MDNS_NAME_MAX);
	if (!rtc_mdns_is_local_name(name))
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "\"%.64s\" is not a .local name", name);
	for (size_t i = 0; i < len; i++) {
		if (name[i] != '.' && !host_char_ok(name[i]))
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "mDNS name \"%.64s\": character 0x%02x not allowed in a host name",
					     name, (unsigned char)name[i]);
	}
	return rtc_dns_name_from_text(name, wire, err);
}

int rtc_mdns_handle_receive(struct rtc_mdns *m, uint64_t now, const uint8_t *data, size_t len,
		     const struct sockaddr *from, struct rtc_error *err)
{
	struct rtc_dns_message *msg = &m->scratch;

	if (!from || (from->sa_family != AF_INET && from->sa_family != AF_INET6))
		return rtc_error_set(err, RTC_ERROR_TYPE, "mDNS datagram without an IP source");
	if (rtc_dns_message_parse(data, len, msg, err) < 0)
		return -1;
	/* RFC 6762 18.3 and 18.11: other opcodes and non-zero response codes
	 * are silently ignored. */
	if (RTC_DNS_OPCODE(msg->flags) != 0 || RTC_DNS_RCODE(msg->flags) != 0)
		return 0;
	if (!(msg->flags & RTC_DNS_FLAG_QR)) {
		mdns_responder_on_query(m, now, msg, from);
		return 0;
	}
	/* RFC 6762 11: responses not from port 5353 are silently ignored. */
	if (mdns_port(from) != RTC_MDNS_PORT)
		return 0;
	mdns_responder_on_response(m, msg);
	mdns_querier_on_response(m, now, msg);
	return 0;
}

void rtc_mdns_handle_timeout(struct rtc_mdns *m, uint64_t now)
{
	mdns_querier_timeout(m, now);
	mdns_responder_timeout(m, now);
}

uint64_t rtc_mdns_deadline(const struct rtc_mdns *m)
{
	uint64_t q = mdns_querier_deadline(m), r = mdns_responder_deadline(m);

	return q < r ? q : r;
}
