/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/ice/ice-config.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *prefix;
	enum rtc_ice_url_scheme scheme;
	uint16_t default_port;
} schemes[] = {
	/* RFC 7064 section 3.1 and RFC 7065 section 3: default ports. */
	{ "stun:", RTC_ICE_URL_STUN, 3478 },
	{ "stuns:", RTC_ICE_URL_STUNS, 5349 },
	{ "turn:", RTC_ICE_URL_TURN, 3478 },
	{ "turns:", RTC_ICE_URL_TURNS, 5349 },
};

/* RFC 3986 reg-name characters we accept in a host (unreserved and the
 * sub-delims that make sense in a DNS name are a subset of these). */
static bool is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int rtc_ice_url_parse(const char *uri, struct rtc_ice_url *out, struct rtc_error *err)
{
	const char *p = NULL, *host, *host_end, *query;
	size_t host_len;
	uint16_t default_port = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].prefix);
		if (strncasecmp(uri, schemes[i].prefix, n) == 0) {
			p = uri + n;
			out->scheme = schemes[i].scheme;
			default_port = schemes[i].default_port;
			break;
		}
	}
	if (!p)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "ICE server URL \"%.64s\": scheme is not stun:, stuns:, turn: or turns:",
				     uri);
	/* stun:host, not stun://host: RFC 7064 has no authority part. */
	if (p[0] == '/')
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "ICE server URL \"%.64s\": no \"//\" after the scheme (RFC 7064)",
				     uri);

	query = strchr(p, '?');
	host = p;
	if (*host == '[') {
		host_end = strchr(host, ']');
		if (!host_end || (query && host_end > query))
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "ICE server URL \"%.64s\": unterminated IPv6 address", uri);
		host++;
		host_len = (size_t)(host_end - host);
		for (size_t i = 0; i < host_len; i++)
			if (!(is_host_char(host[i]) || host[i] == ':'))
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "ICE server URL \"%.64s\": bad IPv6 address", uri);
		host_end++;
	} else {
		host_end = host;
		while (*host_end && *host_end != ':' && *host_end != '?') {
			if (!is_host_char(*host_end))
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "ICE server URL \"%.64s\": bad character in host",
						     uri);
			host_end++;
		}
		host_len = (size_t)(host_end - host);
	}
	if (host_len == 0 || host_len >= sizeof(out->host))
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "ICE server URL \"%.64s\": missing or overlong host", uri);
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';

	out->port = default_port;
	if (*host_end == ':') {
		const char *port = host_end + 1;
		size_t len = query ? (size_t)(query - port) : strlen(port);
		if (parse_port(port, len, &out->port) < 0)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "ICE server URL \"%.64s\": bad port", uri);
	} else if (*host_end != '\0' && *host_end != '?') {
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "ICE server URL \"%.64s\": junk after the host", uri);
	}

	if (query) {
		/* RFC 7065: the only query is "transport", and only for TURN. */
		if (out->scheme != RTC_ICE_URL_TURN && out->scheme != RTC_ICE_URL_TURNS)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "ICE server URL \"%.64s\": a STUN URL has no query",
					     uri);
		if (strcasecmp(query, "?transport=udp") == 0)
			out->transport = RTC_ICE_URL_TRANSPORT_UDP;
		else if (strcasecmp(query, "?transport=tcp") == 0)
			out->transport = RTC_ICE_URL_TRANSPORT_TCP;
		else
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "ICE server URL \"%.64s\": the query must be transport=udp or transport=tcp",
					     uri);
		/* TURN over TLS over UDP (DTLS) is not a thing in RFC 7065. */
		if (out->scheme == RTC_ICE_URL_TURNS && out->transport == RTC_ICE_URL_TRANSPORT_UDP)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "ICE server URL \"%.64s\": turns: runs over TCP only",
					     uri);
	}
	return 0;
}

int rtc_ice_config_add_server(struct rtc_ice_config *config, const char *const *urls,
			      unsigned n_urls, const char *username,
			      const char *credential, struct rtc_error *err)
{
	struct rtc_ice_server server = { 0 }, *grown;

	if (config->n_servers >= RTC_ICE_MAX_SERVERS)
		return rtc_error_set(err, RTC_ERROR_TYPE, "more than %d ICE servers",
				     RTC_ICE_MAX_SERVERS);
	if (n_urls == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "an ICE server needs at least one URL");
	if (n_urls > RTC_ICE_MAX_URLS)
		return rtc_error_set(err, RTC_ERROR_TYPE, "more than %d URLs in one ICE server",
				     RTC_ICE_MAX_URLS);
	for (unsigned i = 0; i < n_urls; i++) {
		struct rtc_ice_url *url = &server.urls[i];
		if (rtc_ice_url_parse(urls[i], url, err) < 0)
			return -1;
		if ((url->scheme == RTC_ICE_URL_TURN || url->scheme == RTC_ICE_URL_TURNS) &&
		    (!username || !credential))
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "TURN server \"%.64s\" needs a username and a credential",
					     urls[i]);
	}
	server.n_urls = n_urls;
	grown = realloc(config->servers, (config->n_servers + 1) * sizeof(*config->servers));
	if (!grown)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	config->servers = grown;
	if (username && !(server.username = strdup(username)))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	if (credential && !(server.credential = strdup(credential))) {
		free(server.username);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	config->servers[config->n_servers++] = server;
	return 0;
}

void rtc_ice_config_clear(struct rtc_ice_config *config)
{
	for (unsigned i = 0; i < config->n_servers; i++) {
		free(config->servers[i].username);
		/* The credential is a secret: do not leave it in freed memory. */
		if (config->servers[i].credential)
			explicit_bzero(config->servers[i].credential,
				       strlen(config->servers[i].credential));
		free(config->servers[i].credential);
	}
	free(config->servers);
	memset(config, 0, sizeof(*config));
}

int rtc_ice_transport_policy_from_string(const char *s, enum rtc_ice_transport_policy *out)
{
	if (strcmp(s, "all") == 0)
		*out = RTC_ICE_TRANSPORT_POLICY_ALL;
	else if (strcmp(s, "relay") == 0)
		*out = RTC_ICE_TRANSPORT_POLICY_RELAY;
	else
		return -1;
	return 0;
}
