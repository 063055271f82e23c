/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SDP text to struct rtc_sdp_session (RFC 8866 section 5 and 9).
 *
 * The input is untrusted: it is bounded in size before anything is
 * allocated, read line by line without ever looking past its end, and every
 * rejection names the line it happened on.
 *
 * It is read as liberally as libwebrtc and Firefox read it, because stacks
 * write what the grammar does not allow and still connect to browsers:
 * blank lines, a last line without its line break, runs of white space
 * between fields, the lines of a part in any order. What cannot be
 * understood (a media line without a port, a session line inside a media
 * section, a second o=) is still rejected.
 */
#include "engine/sdp/sdp-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Parsed, a description takes about four times its text (measured on the
 * captured browser descriptions: 3.6 to 4.2 for data-only ones, 3.6 for
 * audio and video); the rest is for what is added to it later (two
 * trickled candidates take 700 bytes). */
#define PARSED_PER_TEXT_BYTE 4
#define PARSED_EXTRA 896
/* Trickled candidates and end-of-candidates, before the array doubles. */
#define MEDIA_SPARE_ATTRIBUTES 4

struct parser {
	const char *next, *end;         /* the text not yet read */
	unsigned line_no;
	char type;                      /* of the current line */
	char *value;                    /* a NUL-terminated copy, after "x=" */
	struct rtc_sdp_session *s;
	struct rtc_arena *arena;
	struct rtc_error *err;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	char message[sizeof(p->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return rtc_error_set(p->err, RTC_ERROR_SYNTAX, "line %u: %s", p->line_no, message);
}

/* Prefixes an error a helper already put in *err with the line number. */
static int fail_here(struct parser *p)
{
	char message[sizeof(p->err->message)];

	if (p->err->kind != RTC_ERROR_SYNTAX)
		return -1;
	snprintf(message, sizeof(message), "%s", p->err->message);
	return fail(p, "%s", message);
}

static int out_of_memory(struct parser *p)
{
	return rtc_error_set(p->err, RTC_ERROR_OPERATION, "out of memory parsing SDP");
}

/* Reads the next line that is not blank into p->type and p->value. Blank
 * lines (empty, or SP and HTAB alone) are skipped as Firefox skips them
 * (descriptions joined or pasted by applications carry them) but counted,
 * so that line numbers are those of the text. The last line may lack its
 * line break: signalling code that trims the text drops it. Returns 1, 0
 * at the end of the text, or -1. */
static int read_line(struct parser *p)
{
	const char *start, *nl;
	size_t len, blank;

	do {
		start = p->next;
		if (start == p->end)
			return 0;
		p->line_no++;
		nl = memchr(start, '\n', (size_t)(p->end - start));
		len = (size_t)((nl ? nl : p->end) - start);
		p->next = nl ? nl + 1 : p->end;
		if (len && start[len - 1] == '\r')
			len--;          /* CRLF, or LF alone (RFC 8866 section 5) */
		if (len > RTC_SDP_MAX_LINE)
			return fail(p, "longer than %d bytes", RTC_SDP_MAX_LINE);
		for (blank = 0; blank < len && rtc_sdp_is_space(start[blank]); blank++)
			;
	} while (blank == len);
	if (memchr(start, '\0', len))
		return fail(p, "contains a NUL byte");
	if (memchr(start, '\r', len))
		return fail(p, "contains a carriage return inside the line");
	/* No white space around the '=' (libwebrtc rejects it too). */
	if (len < 2 || start[1] != '=' || start[0] < 'a' || start[0] > 'z')
		return fail(p, "expected '<letter>=' at the start of the line");
	p->type = start[0];
	p->value = rtc_arena_strndup(p->arena, start + 2, len - 2);
	if (!p->value)
		return out_of_memory(p);
	return 1;
}

static int reserve(struct parser *p, void *items, size_t *cap, size_t n, size_t size)
{
	if (rtc_arena_reserve(p->arena, items, cap, n, size) < 0)
		return out_of_memory(p);
	return 0;
}

/* The a= lines from the current one to the end of its part (the next m=
 * line or the end of the text). Only a capacity: the lines are checked
 * when they are read. */
static size_t count_attribute_lines(const struct parser *p)
{
	const char *line = p->next, *nl;
	size_t n = 1;

	while (line < p->end && *line != 'm') {
		n += *line == 'a';
		nl = memchr(line, '\n', (size_t)(p->end - line));
		if (!nl)
			break;
		line = nl + 1;
	}
	return n;
}

/* Sizes a part's attribute array once, at its first a= line: doubling it
 * line by line would leave each smaller copy behind in the arena, a fifth
 * of a small description's memory. A media section gets room for a few
 * more: JSEP adds the trickled candidates to the description it keeps. */
static int reserve_attributes(struct parser *p, struct rtc_sdp_attr **items, size_t *cap,
			      size_t spare)
{
	size_t count = count_attribute_lines(p) + spare;

	*items = rtc_arena_alloc(p->arena, count * sizeof(**items));
	if (!*items)
		return out_of_memory(p);
	*cap = count;
	return 0;
}

static int parse_origin(struct parser *p)
{
	struct rtc_sdp_origin *o = &p->s->origin;
	char *cursor = p->value, *id, *version, *nettype;

	o->username = rtc_sdp_next_word(&cursor);
	id = rtc_sdp_next_word(&cursor);
	version = rtc_sdp_next_word(&cursor);
	nettype = rtc_sdp_next_word(&cursor);
	o->addrtype = rtc_sdp_next_word(&cursor);
	o->address = rtc_sdp_next_word(&cursor);
	if (!o->address || cursor)
		return fail(p, "o= needs 6 fields: <username> <sess-id> <sess-version> IN <addrtype> <address>");
	if (!rtc_sdp_is_word(o->username))
		return fail(p, "o= has an empty username");
	if (strlen(id) > 20 || strspn(id, "0123456789") != strlen(id) || !*id)
		return fail(p, "o= sess-id '%.40s' is not 1 to 20 digits", id);
	o->session_id = id;
	if (rtc_sdp_parse_uint(version, UINT64_MAX, &o->session_version) < 0)
		return fail(p, "o= sess-version '%.40s' is not a 64-bit number", version);
	if (strcmp(nettype, "IN") != 0)
		return fail(p, "o= nettype '%.40s' is not supported (only IN)", nettype);
	if (strcmp(o->addrtype, "IP4") != 0 && strcmp(o->addrtype, "IP6") != 0)
		return fail(p, "o= addrtype '%.40s' is not IP4 or IP6", o->addrtype);
	if (!rtc_sdp_is_word(o->address))
		return fail(p, "o= has an empty address");
	return 0;
}

static int parse_connection(struct parser *p, struct rtc_sdp_connection *c)
{
	char *cursor = p->value, *nettype;

	nettype = rtc_sdp_next_word(&cursor);
	c->addrtype = rtc_sdp_next_word(&cursor);
	c->address = rtc_sdp_next_word(&cursor);
	if (!c->address || cursor)
		return fail(p, "c= needs 3 fields: IN <addrtype> <address>");
	if (strcmp(nettype, "IN") != 0)
		return fail(p, "c= nettype '%.40s' is not supported (only IN)", nettype);
	if (strcmp(c->addrtype, "IP4") != 0 && strcmp(c->addrtype, "IP6") != 0)
		return fail(p, "c= addrtype '%.40s' is not IP4 or IP6", c->addrtype);
	if (!rtc_sdp_is_word(c->address))
		return fail(p, "c= has an empty address");
	return 0;
}

static int parse_bandwidth(struct parser *p, struct rtc_sdp_bandwidth **items,
			   size_t *n, size_t *cap)
{
	char *colon = strchr(p->value, ':'), *type, *value;
	struct rtc_sdp_bandwidth *b;
	uint64_t v;

	if (!colon)
		return fail(p, "b= needs '<bwtype>:<bandwidth>'");
	*colon = '\0';
	type = rtc_sdp_trim(p->value);
	value = rtc_sdp_trim(colon + 1);
	if (!rtc_sdp_is_token(type))
		return fail(p, "b= bwtype '%.40s' is not a token", type);
	/* Applications write "b=AS:-1" for "no limit"; libwebrtc takes it so
	 * and leaves the line out, and so does rtcd. */
	if (strcmp(value, "-1") == 0)
		return 0;
	if (rtc_sdp_parse_uint(value, UINT64_MAX, &v) < 0)
		return fail(p, "b= bandwidth '%.40s' is not a number", value);
	if (reserve(p, items, cap, *n, sizeof(**items)) < 0)
		return -1;
	b = &(*items)[*n];
	b->type = type;
	b->value = v;
	(*n)++;
	return 0;
}

static int parse_timing(struct parser *p)
{
	struct rtc_sdp_session *s = p->s;
	struct rtc_sdp_timing *t;
	char *cursor = p->value, *start, *stop;

	if (reserve(p, &s->timings, &s->cap_timings, s->n_timings, sizeof(*s->timings)) < 0)
		return -1;
	t = &s->timings[s->n_timings];
	memset(t, 0, sizeof(*t));
	start = rtc_sdp_next_word(&cursor);
	stop = rtc_sdp_next_word(&cursor);
	if (!stop || cursor || rtc_sdp_parse_uint(start, UINT64_MAX, &t->start) < 0 ||
	    rtc_sdp_parse_uint(stop, UINT64_MAX, &t->stop) < 0)
		return fail(p, "t= needs '<start time> <stop time>' in decimal");
	s->n_timings++;
	return 0;
}

static int parse_media_line(struct parser *p)
{
	struct rtc_sdp_session *s = p->s;
	struct rtc_sdp_media *m;
	char *cursor = p->value, *port, *count, *fmt;
	uint64_t v;

	if (s->n_media == RTC_SDP_MAX_MEDIA)
		return fail(p, "more than %d media sections", RTC_SDP_MAX_MEDIA);
	m = rtc_arena_alloc(p->arena, sizeof(*m));
	if (!m || reserve(p, &s->media, &s->cap_media, s->n_media, sizeof(*s->media)) < 0)
		return out_of_memory(p);
	m->line = p->line_no;

	m->type = rtc_sdp_next_word(&cursor);
	if (!m->type)
		return fail(p, "m= needs '<media> <port> <proto> <fmt> ...'");
	if (!rtc_sdp_is_token(m->type))
		return fail(p, "m= media type '%.40s' is not a token", m->type);
	if (strcmp(m->type, "audio") == 0)
		m->kind = RTC_SDP_MEDIA_AUDIO;
	else if (strcmp(m->type, "video") == 0)
		m->kind = RTC_SDP_MEDIA_VIDEO;
	else if (strcmp(m->type, "application") == 0)
		m->kind = RTC_SDP_MEDIA_APPLICATION;
	else
		m->kind = RTC_SDP_MEDIA_OTHER;

	port = rtc_sdp_next_word(&cursor);
	if (!port)
		return fail(p, "m= needs '<media> <port> <proto> <fmt> ...'");
	count = strchr(port, '/');
	if (count)
		*count++ = '\0';
	if (rtc_sdp_parse_uint(port, UINT16_MAX, &v) < 0)
		return fail(p, "m= port '%.40s' is not 0 to 65535", port);
	m->port = (uint16_t)v;
	if (count) {
		if (rtc_sdp_parse_uint(count, UINT16_MAX, &v) < 0 || v == 0)
			return fail(p, "m= number of ports '%.40s' is not 1 to 65535", count);
		m->port_count = (uint32_t)v;
	}

	m->proto = rtc_sdp_next_word(&cursor);
	if (!m->proto || !cursor)
		return fail(p, "m= needs '<media> <port> <proto> <fmt> ...'");
	if (!rtc_sdp_is_proto(m->proto))
		return fail(p, "m= proto '%.40s' is not a protocol name", m->proto);

	while ((fmt = rtc_sdp_next_word(&cursor))) {
		if (!rtc_sdp_is_token(fmt))
			return fail(p, "m= format '%.40s' is not a token", fmt);
		if (reserve(p, &m->fmts, &m->cap_fmts, m->n_fmts, sizeof(*m->fmts)) < 0)
			return -1;
		m->fmts[m->n_fmts++] = fmt;
	}
	s->media[s->n_media++] = m;
	return 0;
}

static int parse_attribute(struct parser *p, struct rtc_sdp_attr **items, size_t *n,
			   size_t *cap, size_t spare)
{
	struct rtc_sdp_attr *a;
	char *colon = strchr(p->value, ':');

	if (*cap == 0 ? reserve_attributes(p, items, cap, spare) < 0
		      : reserve(p, items, cap, *n, sizeof(**items)) < 0)
		return -1;
	a = &(*items)[*n];
	memset(a, 0, sizeof(*a));
	if (colon) {
		*colon = '\0';
		a->value = colon + 1;
	}
	/* "a=rtcp-mux " is the flag (libwebrtc and Firefox read it so). */
	a->name = rtc_sdp_trim(p->value);
	a->line = p->line_no;
	if (rtc_sdp_attr_classify(p->arena, a, p->err) < 0)
		return fail_here(p);
	(*n)++;
	return 0;
}

/* The line types of each part (RFC 8866 section 9) and those that may come
 * more than once. The section orders them; libwebrtc and Firefox take a
 * media section's lines in any order (SDP munging puts b=AS after a=mid)
 * and Firefox the session part's too, so rtcd keeps only what changes the
 * meaning: v=, o= and s= first, one line of a single type per part, r=
 * right after the t= it repeats. */
static const char session_types[] = "vosiuepcbtrzka";
static const char session_repeatable[] = "epbtra";
static const char media_types[] = "icbka";
static const char media_repeatable[] = "cba";

/* Checks that a line of this type may come in this part, after a line of
 * type prev and those in *seen (a bit per letter), and adds it there. */
static int check_line_type(struct parser *p, const char *types, const char *repeatable,
			   uint32_t *seen, char prev, const char *part)
{
	uint32_t bit = 1u << (p->type - 'a');

	if (!strchr(types, p->type)) {
		if (!strchr("vosiuepcbtrzkam", p->type))
			return fail(p, "unknown line type '%c='", p->type);
		return fail(p, "'%c=' is not allowed in %s", p->type, part);
	}
	if ((*seen & bit) && !strchr(repeatable, p->type))
		return fail(p, "second '%c=' line in %s", p->type, part);
	if (p->type == 'r' && prev != 't' && prev != 'r')
		return fail(p, "'r=' must follow a 't=' line");
	*seen |= bit;
	return 0;
}

static int parse_session_line(struct parser *p)
{
	struct rtc_sdp_session *s = p->s;
	struct rtc_sdp_timing *t;

	switch (p->type) {
	case 'o':
		return parse_origin(p);
	case 's':
		s->name = p->value;
		return 0;
	case 'i':
		s->information = p->value;
		return 0;
	case 'u':
		s->uri = p->value;
		return 0;
	case 'e':
		if (reserve(p, &s->emails, &s->cap_emails, s->n_emails, sizeof(*s->emails)) < 0)
			return -1;
		s->emails[s->n_emails++] = p->value;
		return 0;
	case 'p':
		if (reserve(p, &s->phones, &s->cap_phones, s->n_phones, sizeof(*s->phones)) < 0)
			return -1;
		s->phones[s->n_phones++] = p->value;
		return 0;
	case 'c':
		s->connection = rtc_arena_alloc(p->arena, sizeof(*s->connection));
		if (!s->connection)
			return out_of_memory(p);
		return parse_connection(p, s->connection);
	case 'b':
		return parse_bandwidth(p, &s->bandwidths, &s->n_bandwidths, &s->cap_bandwidths);
	case 't':
		return parse_timing(p);
	case 'r':
		t = &s->timings[s->n_timings - 1];
		if (reserve(p, &t->repeats, &t->cap_repeats, t->n_repeats, sizeof(*t->repeats)) < 0)
			return -1;
		t->repeats[t->n_repeats++] = p->value;
		return 0;
	case 'z':
		s->zone = p->value;
		return 0;
	case 'k':
		s->key = p->value;
		return 0;
	case 'a':
		return parse_attribute(p, &s->attrs, &s->n_attrs, &s->cap_attrs, 0);
	}
	return fail(p, "unexpected '%c='", p->type);
}

static int parse_media_part_line(struct parser *p, struct rtc_sdp_media *m)
{
	switch (p->type) {
	case 'i':
		m->information = p->value;
		return 0;
	case 'c':
		if (reserve(p, &m->connections, &m->cap_connections, m->n_connections,
			    sizeof(*m->connections)) < 0)
			return -1;
		if (parse_connection(p, &m->connections[m->n_connections]) < 0)
			return -1;
		m->n_connections++;
		return 0;
	case 'b':
		return parse_bandwidth(p, &m->bandwidths, &m->n_bandwidths, &m->cap_bandwidths);
	case 'k':
		m->key = p->value;
		return 0;
	case 'a':
		return parse_attribute(p, &m->attrs, &m->n_attrs, &m->cap_attrs,
				       MEDIA_SPARE_ATTRIBUTES);
	}
	return fail(p, "unexpected '%c='", p->type);
}

static int parse_lines(struct parser *p)
{
	uint32_t session_seen = 1u << ('v' - 'a'), media_seen = 0;
	char prev = 0, *cursor, *version;
	int r;

	r = read_line(p);
	if (r < 0)
		return -1;
	if (r == 0 || p->type != 'v') {
		if (r == 0)
			p->line_no = 1;
		return fail(p, "an SDP description starts with 'v=0'");
	}
	cursor = p->value;
	version = rtc_sdp_next_word(&cursor);
	if (!version || cursor || strcmp(version, "0") != 0)
		return fail(p, "SDP version '%.40s' is not supported (only 0)", p->value);
	p->s->version = 0;
	prev = 'v';

	while ((r = read_line(p)) > 0) {
		if (p->type == 'm') {
			if (!p->s->n_timings)
				return fail(p, "'m=' before the 't=' line");
			if (parse_media_line(p) < 0)
				return -1;
			prev = 'm';
			media_seen = 0;
			continue;
		}
		if (p->s->n_media) {
			if (check_line_type(p, media_types, media_repeatable, &media_seen, prev,
					    "a media section") < 0 ||
			    parse_media_part_line(p, p->s->media[p->s->n_media - 1]) < 0)
				return -1;
		} else {
			/* o= and s= are mandatory and come right after v=. */
			if ((prev == 'v' && p->type != 'o') || (prev == 'o' && p->type != 's'))
				return fail(p, "expected '%c=' after '%c='",
					    prev == 'v' ? 'o' : 's', prev);
			if (check_line_type(p, session_types, session_repeatable, &session_seen,
					    prev, "the session part") < 0 ||
			    parse_session_line(p) < 0)
				return -1;
		}
		prev = p->type;
	}
	if (r < 0)
		return -1;
	if (!p->s->n_timings) {
		p->line_no++;
		return fail(p, "the description ends without %s",
			    prev == 'v' ? "'o='" : prev == 'o' ? "'s='" : "a 't=' line");
	}
	return 0;
}

int rtc_sdp_parse(const char *text, size_t len, struct rtc_sdp_session **out,
		  struct rtc_error *err)
{
	struct parser p = { .next = text, .end = text + len, .err = err };
	struct rtc_error local_err;

	if (!p.err)
		p.err = &local_err;
	if (len > RTC_SDP_MAX_SIZE)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "the description has %zu bytes, more than the %d allowed",
				     len, RTC_SDP_MAX_SIZE);
	p.arena = rtc_arena_new_sized(len * PARSED_PER_TEXT_BYTE + PARSED_EXTRA);
	p.s = p.arena ? rtc_arena_alloc(p.arena, sizeof(*p.s)) : NULL;
	if (!p.s) {
		rtc_arena_free(p.arena);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory parsing SDP");
	}
	p.s->arena = p.arena;
	if (parse_lines(&p) < 0) {
		rtc_arena_free(p.arena);
		return -1;
	}
	*out = p.s;
	return 0;
}

void rtc_sdp_free(struct rtc_sdp_session *session)
{
	if (session)
		rtc_arena_free(session->arena);
}
