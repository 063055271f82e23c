/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lookups on a description, and the builders that make one from scratch.
 * Parsing is in sdp-parse.c, serializing in sdp-write.c.
 */
#include "engine/sdp/sdp-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNTAX(err, ...) rtc_error_set(err, RTC_ERROR_SYNTAX, __VA_ARGS__)

/* ---- lookups ---------------------------------------------------------- */

static const struct rtc_sdp_attr *find_attr(const struct rtc_sdp_attr *attrs, size_t n,
					    const char *name,
					    const struct rtc_sdp_attr *after)
{
	size_t i = after ? (size_t)(after - attrs) + 1 : 0;

	for (; i < n; i++)
		if (strcmp(attrs[i].name, name) == 0)
			return &attrs[i];
	return NULL;
}

static const struct rtc_sdp_attr *find_kind(const struct rtc_sdp_attr *attrs, size_t n,
					    enum rtc_sdp_attr_kind kind)
{
	for (size_t i = 0; i < n; i++)
		if (attrs[i].kind == kind)
			return &attrs[i];
	return NULL;
}

const struct rtc_sdp_attr *rtc_sdp_session_attr(const struct rtc_sdp_session *s,
						const char *name,
						const struct rtc_sdp_attr *after)
{
	return find_attr(s->attrs, s->n_attrs, name, after);
}

const struct rtc_sdp_attr *rtc_sdp_media_attr(const struct rtc_sdp_media *m,
					      const char *name,
					      const struct rtc_sdp_attr *after)
{
	return find_attr(m->attrs, m->n_attrs, name, after);
}

/* The attribute of this kind in m, else at session level. */
static const struct rtc_sdp_attr *find_inherited(const struct rtc_sdp_session *s,
						 const struct rtc_sdp_media *m,
						 enum rtc_sdp_attr_kind kind)
{
	const struct rtc_sdp_attr *a = m ? find_kind(m->attrs, m->n_attrs, kind) : NULL;

	return a ? a : find_kind(s->attrs, s->n_attrs, kind);
}

const char *rtc_sdp_media_mid(const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_attr *a = find_kind(m->attrs, m->n_attrs, RTC_SDP_ATTR_MID);

	return a ? a->value : NULL;
}

struct rtc_sdp_media *rtc_sdp_media_by_mid(const struct rtc_sdp_session *s, const char *mid)
{
	for (size_t i = 0; i < s->n_media; i++) {
		const char *m_mid = rtc_sdp_media_mid(s->media[i]);

		if (m_mid && strcmp(m_mid, mid) == 0)
			return s->media[i];
	}
	return NULL;
}

const struct rtc_sdp_group *rtc_sdp_group(const struct rtc_sdp_session *s,
					  const char *semantics)
{
	for (size_t i = 0; i < s->n_attrs; i++)
		if (s->attrs[i].kind == RTC_SDP_ATTR_GROUP &&
		    strcmp(s->attrs[i].group->semantics, semantics) == 0)
			return s->attrs[i].group;
	return NULL;
}

const char *rtc_sdp_ice_ufrag(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_attr *a = find_inherited(s, m, RTC_SDP_ATTR_ICE_UFRAG);

	return a ? a->value : NULL;
}

const char *rtc_sdp_ice_pwd(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_attr *a = find_inherited(s, m, RTC_SDP_ATTR_ICE_PWD);

	return a ? a->value : NULL;
}

bool rtc_sdp_has_ice_option(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m,
			    const char *option)
{
	const struct rtc_sdp_attr *a = find_inherited(s, m, RTC_SDP_ATTR_ICE_OPTIONS);
	size_t len = strlen(option);

	for (const char *p = a ? a->value : NULL; p && *p;) {
		size_t field;

		p += strspn(p, RTC_SDP_ICE_OPTION_SEPARATORS);
		field = strcspn(p, RTC_SDP_ICE_OPTION_SEPARATORS);
		if (field && field == len && memcmp(p, option, len) == 0)
			return true;
		p += field;
	}
	return false;
}

const struct rtc_sdp_fingerprint *rtc_sdp_fingerprint(const struct rtc_sdp_session *s,
						      const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_attr *a = find_inherited(s, m, RTC_SDP_ATTR_FINGERPRINT);

	return a ? a->fingerprint : NULL;
}

enum rtc_sdp_setup rtc_sdp_setup(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_attr *a = find_inherited(s, m, RTC_SDP_ATTR_SETUP);

	return a ? a->setup : RTC_SDP_SETUP_NONE;
}

enum rtc_sdp_direction rtc_sdp_direction(const struct rtc_sdp_session *s,
					 const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_attr *a = find_inherited(s, m, RTC_SDP_ATTR_DIRECTION);

	return a ? a->direction : RTC_SDP_DIRECTION_SENDRECV;
}

bool rtc_sdp_ice_lite(const struct rtc_sdp_session *s)
{
	return find_kind(s->attrs, s->n_attrs, RTC_SDP_ATTR_ICE_LITE) != NULL;
}

bool rtc_sdp_media_has(const struct rtc_sdp_media *m, const char *flag)
{
	return find_attr(m->attrs, m->n_attrs, flag, NULL) != NULL;
}

bool rtc_sdp_media_sctp_port(const struct rtc_sdp_media *m, uint16_t *port)
{
	const struct rtc_sdp_attr *a = find_kind(m->attrs, m->n_attrs, RTC_SDP_ATTR_SCTP_PORT);

	if (a)
		*port = a->sctp_port;
	return a != NULL;
}

bool rtc_sdp_media_max_message_size(const struct rtc_sdp_media *m, uint64_t *size)
{
	const struct rtc_sdp_attr *a =
		find_kind(m->attrs, m->n_attrs, RTC_SDP_ATTR_MAX_MESSAGE_SIZE);

	if (a)
		*size = a->max_message_size;
	return a != NULL;
}

const struct rtc_sdp_sctpmap *rtc_sdp_media_sctpmap(const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_attr *a = find_kind(m->attrs, m->n_attrs, RTC_SDP_ATTR_SCTPMAP);

	return a ? a->sctpmap : NULL;
}

const struct rtc_sdp_rtpmap *rtc_sdp_media_rtpmap(const struct rtc_sdp_media *m,
						  uint8_t payload_type)
{
	for (size_t i = 0; i < m->n_attrs; i++)
		if (m->attrs[i].kind == RTC_SDP_ATTR_RTPMAP &&
		    m->attrs[i].rtpmap->payload_type == payload_type)
			return m->attrs[i].rtpmap;
	return NULL;
}

const char *rtc_sdp_setup_name(enum rtc_sdp_setup setup)
{
	switch (setup) {
	case RTC_SDP_SETUP_ACTPASS: return "actpass";
	case RTC_SDP_SETUP_ACTIVE: return "active";
	case RTC_SDP_SETUP_PASSIVE: return "passive";
	case RTC_SDP_SETUP_HOLDCONN: return "holdconn";
	case RTC_SDP_SETUP_NONE: break;
	}
	return "";
}

const char *rtc_sdp_direction_name(enum rtc_sdp_direction direction)
{
	switch (direction) {
	case RTC_SDP_DIRECTION_SENDRECV: return "sendrecv";
	case RTC_SDP_DIRECTION_SENDONLY: return "sendonly";
	case RTC_SDP_DIRECTION_RECVONLY: return "recvonly";
	case RTC_SDP_DIRECTION_INACTIVE: return "inactive";
	}
	return "sendrecv";
}

/* ---- builders ----------------------------------------------------------- */

static int out_of_memory(struct rtc_error *err)
{
	return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory building SDP");
}

/* An arena copy of s, or NULL (with *err) when out of memory. */
static char *copy(struct rtc_sdp_session *s, const char *str, struct rtc_error *err)
{
	char *c = rtc_arena_strdup(s->arena, str);

	if (!c)
		out_of_memory(err);
	return c;
}

static int reserve(struct rtc_sdp_session *s, void *items, size_t *cap, size_t n,
		   size_t size, struct rtc_error *err)
{
	if (rtc_arena_reserve(s->arena, items, cap, n, size) < 0)
		return out_of_memory(err);
	return 0;
}

static bool is_addrtype(const char *s)
{
	return strcmp(s, "IP4") == 0 || strcmp(s, "IP6") == 0;
}

struct rtc_sdp_session *rtc_sdp_new(void)
{
	static const char text[] = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
	struct rtc_sdp_session *s;

	if (rtc_sdp_parse(text, sizeof(text) - 1, &s, NULL) < 0)
		return NULL;
	return s;
}

int rtc_sdp_set_origin(struct rtc_sdp_session *s, const char *username,
		       const char *session_id, uint64_t session_version,
		       const char *addrtype, const char *address, struct rtc_error *err)
{
	struct rtc_sdp_origin o = { .session_version = session_version };
	size_t id_len = strlen(session_id);

	if (!rtc_sdp_is_word(username))
		return SYNTAX(err, "o= username must be visible characters");
	if (id_len == 0 || id_len > 20 || strspn(session_id, "0123456789") != id_len)
		return SYNTAX(err, "o= sess-id must be 1 to 20 digits");
	if (!is_addrtype(addrtype) || !rtc_sdp_is_word(address))
		return SYNTAX(err, "o= needs an IP4 or IP6 address");
	if (!(o.username = copy(s, username, err)) ||
	    !(o.session_id = copy(s, session_id, err)) ||
	    !(o.addrtype = copy(s, addrtype, err)) || !(o.address = copy(s, address, err)))
		return -1;
	s->origin = o;
	return 0;
}

int rtc_sdp_set_name(struct rtc_sdp_session *s, const char *name, struct rtc_error *err)
{
	const char *c;

	if (!rtc_sdp_is_text(name))
		return SYNTAX(err, "s= must not contain a line break");
	if (!(c = copy(s, name, err)))
		return -1;
	s->name = c;
	return 0;
}

struct rtc_sdp_media *rtc_sdp_add_media(struct rtc_sdp_session *s, const char *type,
					uint16_t port, const char *proto,
					const char *fmts, struct rtc_error *err)
{
	struct rtc_sdp_media *m;
	char *cursor, *fmt;

	if (!rtc_sdp_is_token(type)) {
		SYNTAX(err, "m= media type must be a token");
		return NULL;
	}
	if (!rtc_sdp_is_proto(proto)) {
		SYNTAX(err, "m= proto must be token/token...");
		return NULL;
	}
	if (s->n_media == RTC_SDP_MAX_MEDIA) {
		SYNTAX(err, "more than %d media sections", RTC_SDP_MAX_MEDIA);
		return NULL;
	}
	m = rtc_arena_alloc(s->arena, sizeof(*m));
	if (!m || reserve(s, &s->media, &s->cap_media, s->n_media, sizeof(*s->media), err) < 0 ||
	    !(m->type = copy(s, type, err)) || !(m->proto = copy(s, proto, err)) ||
	    !(cursor = copy(s, fmts, err))) {
		out_of_memory(err);
		return NULL;
	}
	while ((fmt = rtc_sdp_next_field(&cursor))) {
		if (!rtc_sdp_is_token(fmt)) {
			SYNTAX(err, "m= formats must be tokens separated by single spaces");
			return NULL;
		}
		if (reserve(s, &m->fmts, &m->cap_fmts, m->n_fmts, sizeof(*m->fmts), err) < 0)
			return NULL;
		m->fmts[m->n_fmts++] = fmt;
	}
	if (strcmp(type, "audio") == 0)
		m->kind = RTC_SDP_MEDIA_AUDIO;
	else if (strcmp(type, "video") == 0)
		m->kind = RTC_SDP_MEDIA_VIDEO;
	else if (strcmp(type, "application") == 0)
		m->kind = RTC_SDP_MEDIA_APPLICATION;
	else
		m->kind = RTC_SDP_MEDIA_OTHER;
	m->port = port;
	s->media[s->n_media++] = m;
	return m;
}

int rtc_sdp_set_connection(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
			   const char *addrtype, const char *address, struct rtc_error *err)
{
	struct rtc_sdp_connection *c;

	if (!is_addrtype(addrtype) || !rtc_sdp_is_word(address))
		return SYNTAX(err, "c= needs an IP4 or IP6 address");
	c = rtc_arena_alloc(s->arena, sizeof(*c));
	if (!c || !(c->addrtype = copy(s, addrtype, err)) || !(c->address = copy(s, address, err)))
		return out_of_memory(err);
	if (!m) {
		s->connection = c;
	} else {
		m->connections = c;
		m->n_connections = m->cap_connections = 1;
	}
	return 0;
}

int rtc_sdp_add_bandwidth(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
			  const char *type, uint64_t value, struct rtc_error *err)
{
	struct rtc_sdp_bandwidth **items = m ? &m->bandwidths : &s->bandwidths;
	size_t *n = m ? &m->n_bandwidths : &s->n_bandwidths;
	size_t *cap = m ? &m->cap_bandwidths : &s->cap_bandwidths;
	const char *t;

	if (!rtc_sdp_is_token(type))
		return SYNTAX(err, "b= bwtype must be a token");
	if (!(t = copy(s, type, err)) || reserve(s, items, cap, *n, sizeof(**items), err) < 0)
		return -1;
	(*items)[*n].type = t;
	(*items)[*n].value = value;
	(*n)++;
	return 0;
}

int rtc_sdp_add_attr(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
		     const char *name, const char *value, struct rtc_error *err)
{
	struct rtc_sdp_attr **items = m ? &m->attrs : &s->attrs;
	size_t *n = m ? &m->n_attrs : &s->n_attrs;
	size_t *cap = m ? &m->cap_attrs : &s->cap_attrs;
	struct rtc_sdp_attr attr = { 0 };

	/* The parser keeps names that are no token; rtcd writes none. */
	if (!rtc_sdp_is_token(name))
		return SYNTAX(err, "'a=%.40s' has no valid attribute name", name);
	if (!(attr.name = copy(s, name, err)) || (value && !(attr.value = copy(s, value, err))))
		return -1;
	if (rtc_sdp_attr_classify(s->arena, &attr, err) < 0 ||
	    reserve(s, items, cap, *n, sizeof(**items), err) < 0)
		return -1;
	(*items)[(*n)++] = attr;
	return 0;
}

int rtc_sdp_add_attrf(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
		      const char *name, struct rtc_error *err, const char *fmt, ...)
{
	char *value;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (r < 0)
		return out_of_memory(err);
	r = rtc_sdp_add_attr(s, m, name, value, err);
	free(value);
	return r;
}
