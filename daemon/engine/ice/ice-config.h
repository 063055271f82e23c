/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTCConfiguration's ICE part: STUN and TURN server URIs (RFC 7064, RFC 7065)
 * parsed and validated as W3C "validate an ICE server" does.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

enum rtc_ice_url_scheme {
	RTC_ICE_URL_STUN,
	RTC_ICE_URL_STUNS,
	RTC_ICE_URL_TURN,
	RTC_ICE_URL_TURNS,
};

enum rtc_ice_url_transport {
	RTC_ICE_URL_TRANSPORT_DEFAULT, /* udp for turn:, tcp (TLS) for turns: */
	RTC_ICE_URL_TRANSPORT_UDP,
	RTC_ICE_URL_TRANSPORT_TCP,
};

struct rtc_ice_url {
	enum rtc_ice_url_scheme scheme;
	enum rtc_ice_url_transport transport;
	char host[256];     /* a name, an IPv4 address, or an IPv6 address without brackets */
	uint16_t port;      /* the scheme's default when the URI has none */
};

/* Parses one stun:/stuns:/turn:/turns: URI. SyntaxError on anything else. */
int rtc_ice_url_parse(const char *uri, struct rtc_ice_url *out, struct rtc_error *err);

#define RTC_ICE_MAX_SERVERS 32
#define RTC_ICE_MAX_URLS 8

struct rtc_ice_server {
	struct rtc_ice_url urls[RTC_ICE_MAX_URLS];
	unsigned n_urls;
	char *username;   /* NULL if not given */
	char *credential; /* NULL if not given */
};

enum rtc_ice_transport_policy {
	RTC_ICE_TRANSPORT_POLICY_ALL,
	RTC_ICE_TRANSPORT_POLICY_RELAY,
};

struct rtc_ice_config {
	/* Allocated by rtc_ice_config_add_server (most connections have none
	 * or one: a fixed array of RTC_ICE_MAX_SERVERS would be 68 KiB each). */
	struct rtc_ice_server *servers;
	unsigned n_servers;
	enum rtc_ice_transport_policy transport_policy;
	uint8_t candidate_pool_size;
};

/* Adds one server; username and credential may be NULL. Every URI is
 * parsed (SyntaxError), and a turn:/turns: URI without both username and
 * credential is InvalidAccessError, as W3C says. On error nothing is added. */
int rtc_ice_config_add_server(struct rtc_ice_config *config, const char *const *urls,
			      unsigned n_urls, const char *username,
			      const char *credential, struct rtc_error *err);
/* Frees the strings the servers own and resets the config to its defaults. */
void rtc_ice_config_clear(struct rtc_ice_config *config);

int rtc_ice_transport_policy_from_string(const char *s, enum rtc_ice_transport_policy *out);
