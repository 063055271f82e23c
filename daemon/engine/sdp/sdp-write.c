/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct rtc_sdp_session to text, and structural comparison of two
 * descriptions. Lines come out in RFC 8866 section 9 order, with CRLF.
 */
#include "engine/sdp/sdp-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_connection(FILE *f, const struct rtc_sdp_connection *c)
{
	fprintf(f, "c=IN %s %s\r\n", c->addrtype, c->address);
}

static void write_bandwidths(FILE *f, const struct rtc_sdp_bandwidth *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "b=%s:%" PRIu64 "\r\n", b[i].type, b[i].value);
}

static void write_attrs(FILE *f, const struct rtc_sdp_attr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].value)
			fprintf(f, "a=%s:%s\r\n", a[i].name, a[i].value);
		else
			fprintf(f, "a=%s\r\n", a[i].name);
	}
}

static void write_media(FILE *f, const struct rtc_sdp_media *m)
{
	fprintf(f, "m=%s %u", m->type, (unsigned)m->port);
	if (m->port_count)
		fprintf(f, "/%u", (unsigned)m->port_count);
	fprintf(f, " %s", m->proto);
	for (size_t i = 0; i < m->n_fmts; i++)
		fprintf(f, " %s", m->fmts[i]);
	fputs("\r\n", f);
	if (m->information)
		fprintf(f, "i=%s\r\n", m->information);
	for (size_t i = 0; i < m->n_connections; i++)
		write_connection(f, &m->connections[i]);
	write_bandwidths(f, m->bandwidths, m->n_bandwidths);
	if (m->key)
		fprintf(f, "k=%s\r\n", m->key);
	write_attrs(f, m->attrs, m->n_attrs);
}

char *rtc_sdp_to_string(const struct rtc_sdp_session *s)
{
	const struct rtc_sdp_origin *o = &s->origin;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int failed;

	if (!f)
		return NULL;
	fprintf(f, "v=%u\r\n", s->version);
	fprintf(f, "o=%s %s %" PRIu64 " IN %s %s\r\n", o->username, o->session_id,
		o->session_version, o->addrtype, o->address);
	fprintf(f, "s=%s\r\n", s->name);
	if (s->information)
		fprintf(f, "i=%s\r\n", s->information);
	if (s->uri)
		fprintf(f, "u=%s\r\n", s->uri);
	for (size_t i = 0; i < s->n_emails; i++)
		fprintf(f, "e=%s\r\n", s->emails[i]);
	for (size_t i = 0; i < s->n_phones; i++)
		fprintf(f, "p=%s\r\n", s->phones[i]);
	if (s->connection)
		write_connection(f, s->connection);
	write_bandwidths(f, s->bandwidths, s->n_bandwidths);
	for (size_t i = 0; i < s->n_timings; i++) {
		const struct rtc_sdp_timing *t = &s->timings[i];

		fprintf(f, "t=%" PRIu64 " %" PRIu64 "\r\n", t->start, t->stop);
		for (size_t j = 0; j < t->n_repeats; j++)
			fprintf(f, "r=%s\r\n", t->repeats[j]);
	}
	if (s->zone)
		fprintf(f, "z=%s\r\n", s->zone);
	if (s->key)
		fprintf(f, "k=%s\r\n", s->key);
	write_attrs(f, s->attrs, s->n_attrs);
	for (size_t i = 0; i < s->n_media; i++)
		write_media(f, s->media[i]);

	failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- comparison ------------------------------------------------------- */

static bool str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool strs_equal(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_equal(a[i], b[i]))
			return false;
	return true;
}

static bool connection_equal(const struct rtc_sdp_connection *a,
			     const struct rtc_sdp_connection *b)
{
	if (!a || !b)
		return a == b;
	return str_equal(a->addrtype, b->addrtype) && str_equal(a->address, b->address);
}

static bool bandwidths_equal(const struct rtc_sdp_bandwidth *a, size_t na,
			     const struct rtc_sdp_bandwidth *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_equal(a[i].type, b[i].type) || a[i].value != b[i].value)
			return false;
	return true;
}

/* The typed form follows from name and value, so those two decide. */
static bool attrs_equal(const struct rtc_sdp_attr *a, size_t na,
			const struct rtc_sdp_attr *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_equal(a[i].name, b[i].name) || !str_equal(a[i].value, b[i].value) ||
		    a[i].kind != b[i].kind)
			return false;
	return true;
}

static bool media_equal(const struct rtc_sdp_media *a, const struct rtc_sdp_media *b)
{
	if (!str_equal(a->type, b->type) || a->kind != b->kind || a->port != b->port ||
	    a->port_count != b->port_count || !str_equal(a->proto, b->proto) ||
	    !strs_equal(a->fmts, a->n_fmts, b->fmts, b->n_fmts) ||
	    !str_equal(a->information, b->information) || !str_equal(a->key, b->key) ||
	    a->n_connections != b->n_connections)
		return false;
	for (size_t i = 0; i < a->n_connections; i++)
		if (!connection_equal(&a->connections[i], &b->connections[i]))
			return false;
	return bandwidths_equal(a->bandwidths, a->n_bandwidths, b->bandwidths, b->n_bandwidths) &&
	       attrs_equal(a->attrs, a->n_attrs, b->attrs, b->n_attrs);
}

static bool origin_equal(const struct rtc_sdp_origin *a, const struct rtc_sdp_origin *b)
{
	return str_equal(a->username, b->username) &&
	       str_equal(a->session_id, b->session_id) &&
	       a->session_version == b->session_version &&
	       str_equal(a->addrtype, b->addrtype) && str_equal(a->address, b->address);
}

bool rtc_sdp_equal(const struct rtc_sdp_session *a, const struct rtc_sdp_session *b)
{
	if (a->version != b->version || !origin_equal(&a->origin, &b->origin) ||
	    !str_equal(a->name, b->name) || !str_equal(a->information, b->information) ||
	    !str_equal(a->uri, b->uri) ||
	    !strs_equal(a->emails, a->n_emails, b->emails, b->n_emails) ||
	    !strs_equal(a->phones, a->n_phones, b->phones, b->n_phones) ||
	    !connection_equal(a->connection, b->connection) ||
	    !bandwidths_equal(a->bandwidths, a->n_bandwidths, b->bandwidths, b->n_bandwidths) ||
	    a->n_timings != b->n_timings || !str_equal(a->zone, b->zone) ||
	    !str_equal(a->key, b->key) ||
	    !attrs_equal(a->attrs, a->n_attrs, b->attrs, b->n_attrs) ||
	    a->n_media != b->n_media)
		return false;
	for (size_t i = 0; i < a->n_timings; i++) {
		const struct rtc_sdp_timing *ta = &a->timings[i], *tb = &b->timings[i];

		if (ta->start != tb->start || ta->stop != tb->stop ||
		    !strs_equal(ta->repeats, ta->n_repeats, tb->repeats, tb->n_repeats))
			return false;
	}
	for (size_t i = 0; i < a->n_media; i++)
		if (!media_equal(a->media[i], b->media[i]))
			return false;
	return true;
}
