/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICE candidates in SDP (RFC 8839 section 5.1), inside a=candidate lines and
 * on their own as trickled through addIceCandidate():
 *
 *   candidate:<foundation> <component> <transport> <priority> <address>
 *             <port> typ <type> [raddr <address>] [rport <port>]
 *             *(<extension name> <extension value>)
 *
 * Read as libwebrtc and Firefox read it: fields separated by runs of white
 * space, keywords in any case, any foundation of up to 32 visible
 * characters, unknown extensions kept and a last name without a value
 * skipped.
 */
#include "engine/sdp/sdp-private.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SYNTAX(err, ...) rtc_error_set(err, RTC_ERROR_SYNTAX, __VA_ARGS__)

static const char *const candidate_types[] = {
	[RTC_SDP_CANDIDATE_HOST] = "host",
	[RTC_SDP_CANDIDATE_SRFLX] = "srflx",
	[RTC_SDP_CANDIDATE_PRFLX] = "prflx",
	[RTC_SDP_CANDIDATE_RELAY] = "relay",
};

const char *rtc_sdp_candidate_type_name(enum rtc_sdp_candidate_type type)
{
	if ((size_t)type < sizeof(candidate_types) / sizeof(candidate_types[0]))
		return candidate_types[type];
	return "host";
}

/* A DNS name as RFC 1123 allows it: labels of letters, digits and hyphens
 * (underscores tolerated), 1-63 long, 253 in all, an optional final dot.
 * This includes the mDNS names ("<uuid>.local") that browsers hide host
 * addresses behind. */
static bool is_fqdn(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 254 || (len == 254 && s[253] != '.'))
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((rtc_sdp_is_ice_char(*s) && *s != '+' && *s != '/') ||
			   *s == '-' || *s == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static int classify_address(const char *s, enum rtc_sdp_address_kind *kind)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		*kind = RTC_SDP_ADDRESS_IPV4;
	else if (inet_pton(AF_INET6, s, buf) == 1)
		*kind = RTC_SDP_ADDRESS_IPV6;
	else if (is_fqdn(s) && strspn(s, "0123456789.") != strlen(s))
		/* All digits and dots would be a broken IPv4 address. */
		*kind = RTC_SDP_ADDRESS_FQDN;
	else
		return -1;
	return 0;
}

/* RFC 8839 has 1 to 32 ice-chars; libwebrtc and Firefox take any word, and
 * the ICE agent only compares foundations: 1 to 32 visible ASCII characters
 * (it keeps 32, and shows them in statistics, where text must be UTF-8). */
static bool is_foundation(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len < 1 || len > 32)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (!s || rtc_sdp_parse_uint(s, UINT16_MAX, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int rtc_sdp_candidate_parse_value(struct rtc_arena *arena, const char *value,
				  struct rtc_sdp_candidate *c, struct rtc_error *err)
{
	char *cursor = rtc_arena_strdup(arena, value);
	char *field, *name;
	uint64_t v;
	size_t cap = 0;
	bool known = false;

	if (!cursor)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");

	c->foundation = rtc_sdp_next_word(&cursor);
	if (!is_foundation(c->foundation))
		return SYNTAX(err, "candidate: foundation '%.40s' is not 1 to 32 characters",
			      c->foundation ? c->foundation : "");

	field = rtc_sdp_next_word(&cursor);
	if (!field || rtc_sdp_parse_uint(field, 256, &v) < 0 || v == 0)
		return SYNTAX(err, "candidate: component '%.40s' is not 1 to 256",
			      field ? field : "");
	c->component = (uint16_t)v;

	c->transport = rtc_sdp_next_word(&cursor);
	if (!c->transport || !rtc_sdp_is_token(c->transport))
		return SYNTAX(err, "candidate: missing transport");
	if (strcasecmp(c->transport, "udp") == 0)
		c->transport_kind = RTC_SDP_TRANSPORT_UDP;
	else if (strcasecmp(c->transport, "tcp") == 0)
		c->transport_kind = RTC_SDP_TRANSPORT_TCP;
	else
		c->transport_kind = RTC_SDP_TRANSPORT_OTHER;

	/* RFC 8445 wants 1 to 2^31-1; anything a STUN PRIORITY can carry is
	 * kept, the ICE agent decides what it pairs. */
	field = rtc_sdp_next_word(&cursor);
	if (!field || rtc_sdp_parse_uint(field, UINT32_MAX, &v) < 0)
		return SYNTAX(err, "candidate: priority '%.40s' is not a 32-bit number",
			      field ? field : "");
	c->priority = (uint32_t)v;

	c->address = rtc_sdp_next_word(&cursor);
	if (!c->address || classify_address(c->address, &c->address_kind) < 0)
		return SYNTAX(err, "candidate: '%.60s' is not an IP address or host name",
			      c->address ? c->address : "");

	field = rtc_sdp_next_word(&cursor);
	if (parse_port(field, &c->port) < 0)
		return SYNTAX(err, "candidate: port '%.40s' is not 0 to 65535",
			      field ? field : "");

	/* Keywords in any case, as Firefox reads them ("typ HOST"). */
	field = rtc_sdp_next_word(&cursor);
	if (!field || strcasecmp(field, "typ") != 0)
		return SYNTAX(err, "candidate: expected 'typ' after the port");
	field = rtc_sdp_next_word(&cursor);
	for (size_t i = 0; field && i < sizeof(candidate_types) / sizeof(candidate_types[0]); i++) {
		if (strcasecmp(field, candidate_types[i]) == 0) {
			c->type = (enum rtc_sdp_candidate_type)i;
			known = true;
		}
	}
	if (!known)
		return SYNTAX(err, "candidate: type '%.40s' is not host, srflx, prflx or relay",
			      field ? field : "");

	/* Then "name value" pairs: raddr and rport first when present, then
	 * extensions. tcptype is an extension with a typed meaning. */
	while ((name = rtc_sdp_next_word(&cursor))) {
		char *val = rtc_sdp_next_word(&cursor);

		if (!rtc_sdp_is_word(name))
			return SYNTAX(err, "candidate: bad extension name");
		/* A last name without a value: libwebrtc skips it, and so does
		 * rtcd. raddr and rport without theirs are broken. */
		if (!val && strcasecmp(name, "raddr") != 0 && strcasecmp(name, "rport") != 0)
			break;
		if (!val || !rtc_sdp_is_word(val))
			return SYNTAX(err, "candidate: '%.40s' has no value", name);

		if (strcasecmp(name, "raddr") == 0 && !c->related_address &&
		    !c->has_related_port && c->n_extensions == 0) {
			enum rtc_sdp_address_kind kind;

			if (classify_address(val, &kind) < 0)
				return SYNTAX(err, "candidate: raddr '%.60s' is not an address", val);
			c->related_address = val;
			continue;
		}
		if (strcasecmp(name, "rport") == 0 && !c->has_related_port &&
		    c->n_extensions == 0) {
			if (parse_port(val, &c->related_port) < 0)
				return SYNTAX(err, "candidate: rport '%.40s' is not 0 to 65535", val);
			c->has_related_port = true;
			continue;
		}
		if (strcasecmp(name, "tcptype") == 0) {
			if (c->tcptype != RTC_SDP_TCPTYPE_NONE)
				return SYNTAX(err, "candidate: tcptype given twice");
			if (strcasecmp(val, "active") == 0)
				c->tcptype = RTC_SDP_TCPTYPE_ACTIVE;
			else if (strcasecmp(val, "passive") == 0)
				c->tcptype = RTC_SDP_TCPTYPE_PASSIVE;
			else if (strcasecmp(val, "so") == 0)
				c->tcptype = RTC_SDP_TCPTYPE_SO;
			else
				return SYNTAX(err, "candidate: tcptype '%.40s' is not active, passive or so",
					      val);
		}
		if (rtc_arena_reserve(arena, &c->extensions, &cap, c->n_extensions,
					  sizeof(*c->extensions)) < 0)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		c->extensions[c->n_extensions].name = name;
		c->extensions[c->n_extensions].value = val;
		c->n_extensions++;
	}
	return 0;
}

int rtc_sdp_candidate_parse(const char *text, size_t len, struct rtc_sdp_candidate **out,
			    struct rtc_error *err)
{
	static const char prefix[] = "candidate:";
	struct rtc_arena *arena;
	struct rtc_sdp_candidate *c;
	char *value;

	/* Be liberal with what surrounds the candidate, not with the candidate. */
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len >= 2 && memcmp(text, "a=", 2) == 0) {
		text += 2;
		len -= 2;
	}
	if (len < sizeof(prefix) - 1 || memcmp(text, prefix, sizeof(prefix) - 1) != 0)
		return SYNTAX(err, "candidate: must start with 'candidate:'");
	text += sizeof(prefix) - 1;
	len -= sizeof(prefix) - 1;
	if (len > RTC_SDP_MAX_LINE)
		return SYNTAX(err, "candidate: longer than %d bytes", RTC_SDP_MAX_LINE);
	if (memchr(text, '\0', len) || memchr(text, '\r', len) || memchr(text, '\n', len))
		return SYNTAX(err, "candidate: control character in the candidate");

	arena = rtc_arena_new();
	if (!arena)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	c = rtc_arena_alloc(arena, sizeof(*c));
	value = c ? rtc_arena_strndup(arena, text, len) : NULL;
	if (!value) {
		rtc_arena_free(arena);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	if (rtc_sdp_candidate_parse_value(arena, value, c, err) < 0) {
		rtc_arena_free(arena);
		return -1;
	}
	c->owner = arena;
	*out = c;
	return 0;
}

void rtc_sdp_candidate_free(struct rtc_sdp_candidate *candidate)
{
	if (candidate)
		rtc_arena_free(candidate->owner);
}

static const char *tcptype_name(enum rtc_sdp_tcptype t)
{
	switch (t) {
	case RTC_SDP_TCPTYPE_ACTIVE: return "active";
	case RTC_SDP_TCPTYPE_PASSIVE: return "passive";
	case RTC_SDP_TCPTYPE_SO: return "so";
	case RTC_SDP_TCPTYPE_NONE: break;
	}
	return NULL;
}

char *rtc_sdp_candidate_to_string(const struct rtc_sdp_candidate *c)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	bool tcptype_written = false;

	if (!f)
		return NULL;
	fprintf(f, "candidate:%s %u %s %u %s %u typ %s", c->foundation,
		(unsigned)c->component, c->transport, (unsigned)c->priority, c->address,
		(unsigned)c->port, rtc_sdp_candidate_type_name(c->type));
	if (c->related_address)
		fprintf(f, " raddr %s", c->related_address);
	if (c->has_related_port)
		fprintf(f, " rport %u", (unsigned)c->related_port);
	for (size_t i = 0; i < c->n_extensions; i++)
		tcptype_written |= strcasecmp(c->extensions[i].name, "tcptype") == 0;
	/* A candidate built by the ICE agent may set tcptype alone. */
	if (!tcptype_written && tcptype_name(c->tcptype))
		fprintf(f, " tcptype %s", tcptype_name(c->tcptype));
	for (size_t i = 0; i < c->n_extensions; i++)
		fprintf(f, " %s %s", c->extensions[i].name, c->extensions[i].value);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
