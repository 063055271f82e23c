/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/mdns/mdns-message.h"

#include "engine/base/bytes.h"

#include <string.h>

#define DNS_HEADER_LEN 12

/* A bounded reader over one message: every read checks the bytes left. */
struct reader {
	const uint8_t *data;
	size_t len, pos;
};

static int take(struct reader *r, size_t n, const uint8_t **out)
{
	if (r->len - r->pos < n)
		return -1;
	*out = r->data + r->pos;
	r->pos += n;
	return 0;
}

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/*
 * Reads a possibly compressed name at r->pos and leaves r->pos after it
 * (after the first pointer, if there is one). RFC 1035 4.1.4 lets a pointer
 * refer to a "prior occurrence" of a name: each pointer must therefore
 * point before the start of the run of labels that holds it, so targets
 * strictly decrease and a loop cannot be written at all.
 */
static int read_name(struct reader *r, struct rtc_dns_name *name, struct rtc_error *err)
{
	size_t p = r->pos, run_start = r->pos;
	bool jumped = false;

	name->len = 0;
	for (;;) {
		uint8_t c;

		if (p >= r->len)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "name at %zu runs past the end",
					     r->pos);
		c = r->data[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= r->len)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "compression pointer at %zu is cut short", p);
			target = (size_t)(c & 0x3f) << 8 | r->data[p + 1];
			if (target >= run_start)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "compression pointer at %zu does not point backwards",
						     p);
			if (!jumped)
				r->pos = p + 2;
			jumped = true;
			p = run_start = target;
			continue;
		}
		if (c & 0xc0)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "label type 0x%02x at %zu is not supported", c & 0xc0, p);
		if ((size_t)name->len + 1 + c > RTC_DNS_NAME_WIRE_MAX)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "name at %zu is longer than 255 bytes", r->pos);
		if (r->len - p - 1 < c)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "label at %zu runs past the end",
					     p);
		memcpy(name->wire + name->len, r->data + p, (size_t)c + 1);
		name->len = (uint8_t)(name->len + 1 + c);
		p += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	if (!jumped)
		r->pos = p;
	return 0;
}

static int read_question(struct reader *r, struct rtc_dns_question *q, struct rtc_error *err)
{
	const uint8_t *p;
	uint16_t qclass;

	if (read_name(r, &q->name, err) < 0)
		return -1;
	if (take(r, 4, &p) < 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "question is cut short");
	q->type = rtc_get_be16(p);
	qclass = rtc_get_be16(p + 2);
	q->unicast_response = qclass & RTC_DNS_CLASS_TOP_BIT;
	q->qclass = qclass & ~RTC_DNS_CLASS_TOP_BIT;
	return 0;
}

/* NSEC rdata (RFC 4034 4.1): the next name, then window blocks. Only block
 * 0 is kept; the others are checked and skipped. */
static int read_nsec(struct reader *r, size_t end, struct rtc_dns_record *rec,
		     struct rtc_error *err)
{
	struct rtc_dns_name next;
	struct reader sub = { r->data, end, r->pos };

	if (read_name(&sub, &next, err) < 0)
		return -1;
	memset(rec->data.nsec_bitmap, 0, sizeof(rec->data.nsec_bitmap));
	while (sub.pos < end) {
		const uint8_t *p, *bits;

		if (take(&sub, 2, &p) < 0 || p[1] == 0 || p[1] > 32 || take(&sub, p[1], &bits) < 0)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "NSEC type bitmap is malformed");
		if (p[0] == 0)
			memcpy(rec->data.nsec_bitmap, bits, p[1]);
	}
	r->pos = end;
	return 0;
}

static int read_record(struct reader *r, struct rtc_dns_record *rec, struct rtc_error *err)
{
	const uint8_t *p;
	uint16_t rclass, rdlength;
	size_t end;

	if (read_name(r, &rec->name, err) < 0)
		return -1;
	if (take(r, 10, &p) < 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "record header is cut short");
	rec->type = rtc_get_be16(p);
	rclass = rtc_get_be16(p + 2);
	rec->cache_flush = rclass & RTC_DNS_CLASS_TOP_BIT;
	rec->rclass = rclass & ~RTC_DNS_CLASS_TOP_BIT;
	rec->ttl = rtc_get_be32(p + 4);
	rdlength = rtc_get_be16(p + 8);
	if (r->len - r->pos < rdlength)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "record data runs past the end");
	end = r->pos + rdlength;

	switch (rec->type) {
	case RTC_DNS_TYPE_A:
	case RTC_DNS_TYPE_AAAA: {
		size_t want = rec->type == RTC_DNS_TYPE_A ? 4 : 16;

		if (rdlength != want)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "%s record of %u bytes",
					     rec->type == RTC_DNS_TYPE_A ? "A" : "AAAA", rdlength);
		memcpy(rec->data.aaaa, r->data + r->pos, want);
		r->pos = end;
		return 0;
	}
	case RTC_DNS_TYPE_NSEC:
		return read_nsec(r, end, rec, err);
	default:
		/* Framing checked above; the content is not ours to judge. */
		memset(&rec->data, 0, sizeof(rec->data));
		r->pos = end;
		return 0;
	}
}

int rtc_dns_message_parse(const uint8_t *data, size_t len, struct rtc_dns_message *msg,
			  struct rtc_error *err)
{
	struct reader r = { data, len, 0 };
	uint16_t counts[4];
	const uint8_t *h;

	memset(msg, 0, offsetof(struct rtc_dns_message, questions));
	if (len > RTC_MDNS_MESSAGE_MAX)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "message of %zu bytes is too long", len);
	if (take(&r, DNS_HEADER_LEN, &h) < 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "message of %zu bytes has no header",
				     len);
	msg->id = rtc_get_be16(h);
	msg->flags = rtc_get_be16(h + 2);
	for (int i = 0; i < 4; i++)
		counts[i] = rtc_get_be16(h + 4 + 2 * i);

	for (unsigned i = 0; i < counts[0]; i++) {
		struct rtc_dns_question scratch;
		struct rtc_dns_question *q = msg->n_questions < RTC_DNS_MAX_QUESTIONS ?
			&msg->questions[msg->n_questions] : &scratch;

		if (read_question(&r, q, err) < 0)
			return -1;
		if (q == &scratch)
			msg->questions_dropped++;
		else
			msg->n_questions++;
	}
	for (int s = 1; s < 4; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			struct rtc_dns_record scratch;
			struct rtc_dns_record *rec = msg->n_records < RTC_DNS_MAX_RECORDS ?
				&msg->records[msg->n_records] : &scratch;

			if (read_record(&r, rec, err) < 0)
				return -1;
			rec->section = (enum rtc_dns_section)(s - 1);
			if (rec == &scratch)
				msg->records_dropped++;
			else
				msg->n_records++;
		}
	}
	if (r.pos != len)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "%zu bytes after the last record",
				     len - r.pos);
	return 0;
}

static bool label_char_ok(char c)
{
	return c > 0x20 && c < 0x7f && c != '.' && c != '\\';
}

int rtc_dns_name_from_text(const char *text, struct rtc_dns_name *name, struct rtc_error *err)
{
	const char *s = text;

	name->len = 0;
	if (strcmp(text, ".") == 0) {
		name->wire[name->len++] = 0;
		return 0;
	}
	while (*s) {
		size_t n = 0;

		while (s[n] && s[n] != '.') {
			if (!label_char_ok(s[n]))
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "name \"%.64s\": character 0x%02x not allowed",
						     text, (unsigned char)s[n]);
			n++;
		}
		if (n == 0)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "name \"%.64s\": empty label",
					     text);
		if (n > RTC_DNS_LABEL_MAX)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "name \"%.64s\": label longer than 63 bytes", text);
		/* This label, and the root label still to come. */
		if ((size_t)name->len + 1 + n + 1 > RTC_DNS_NAME_WIRE_MAX)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "name \"%.64s...\" is longer than 255 bytes", text);
		name->wire[name->len] = (uint8_t)n;
		memcpy(name->wire + name->len + 1, s, n);
		name->len = (uint8_t)(name->len + 1 + n);
		s += n;
		if (*s == '.')
			s++;
	}
	if (name->len == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty name");
	name->wire[name->len++] = 0;
	return 0;
}

int rtc_dns_name_to_text(const struct rtc_dns_name *name, char *text, size_t cap)
{
	size_t p = 0, out = 0;

	if (cap == 0 || name->len == 0)
		return -1;
	if (name->wire[0] == 0) {
		if (cap < 2)
			return -1;
		memcpy(text, ".", 2);
		return 0;
	}
	while (p < name->len && name->wire[p] != 0) {
		uint8_t n = name->wire[p];

		if (p + 1 + n > name->len)
			return -1;
		/* The label, plus a dot or the final NUL. */
		if (out + n + 1 > cap)
			return -1;
		for (uint8_t i = 0; i < n; i++) {
			char c = (char)name->wire[p + 1 + i];

			if (!label_char_ok(c))
				return -1;
			text[out++] = c;
		}
		p += 1 + (size_t)n;
		text[out++] = name->wire[p] != 0 ? '.' : '\0';
	}
	return 0;
}

bool rtc_dns_name_equal(const struct rtc_dns_name *a, const struct rtc_dns_name *b)
{
	if (a->len != b->len)
		return false;
	for (size_t i = 0; i < a->len; i++)
		if (ascii_lower(a->wire[i]) != ascii_lower(b->wire[i]))
			return false;
	return true;
}

void rtc_dns_nsec_set(struct rtc_dns_record *rec, uint16_t type)
{
	if (type < 256)
		rec->data.nsec_bitmap[type / 8] |= (uint8_t)(0x80 >> (type % 8));
}

bool rtc_dns_nsec_has(const struct rtc_dns_record *rec, uint16_t type)
{
	return type < 256 && (rec->data.nsec_bitmap[type / 8] & (0x80 >> (type % 8)));
}

/* ---- writer --------------------------------------------------------------- */

void rtc_dns_writer_init(struct rtc_dns_writer *w, uint8_t *buf, size_t cap,
			 uint16_t id, uint16_t flags)
{
	*w = (struct rtc_dns_writer){ .buf = buf, .cap = cap };
	if (cap < DNS_HEADER_LEN) {
		w->failed = true;
		return;
	}
	memset(buf, 0, DNS_HEADER_LEN);
	rtc_put_be16(buf, id);
	rtc_put_be16(buf + 2, flags);
	w->len = DNS_HEADER_LEN;
}

static uint8_t *reserve(struct rtc_dns_writer *w, size_t n)
{
	uint8_t *p;

	if (w->failed || w->cap - w->len < n) {
		w->failed = true;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

/* Whether the name written at offset (compressed or not) is the suffix of
 * `name` that starts at byte `from`. The buffer holds only names this
 * writer produced, so reading it back cannot fail on good input. */
static bool written_name_matches(const struct rtc_dns_writer *w, uint16_t offset,
				 const struct rtc_dns_name *name, size_t from)
{
	struct reader r = { w->buf, w->len, offset };
	struct rtc_dns_name there, suffix;

	if (read_name(&r, &there, NULL) < 0)
		return false;
	suffix.len = (uint8_t)(name->len - from);
	memcpy(suffix.wire, name->wire + from, suffix.len);
	return rtc_dns_name_equal(&there, &suffix);
}

static void write_name(struct rtc_dns_writer *w, const struct rtc_dns_name *name)
{
	size_t p = 0;
	uint8_t *out;

	/* Longest suffix first: each label either starts a suffix already in
	 * the message (a pointer ends the name) or is written out. */
	while (p < name->len && name->wire[p] != 0) {
		uint8_t n = name->wire[p];

		for (size_t i = 0; i < w->n_offsets; i++) {
			if (written_name_matches(w, w->offsets[i], name, p)) {
				out = reserve(w, 2);
				if (out)
					rtc_put_be16(out, (uint16_t)(0xc000 | w->offsets[i]));
				return;
			}
		}
		if (w->len < 0x4000 && w->n_offsets < sizeof(w->offsets) / sizeof(w->offsets[0]))
			w->offsets[w->n_offsets++] = (uint16_t)w->len;
		out = reserve(w, 1 + (size_t)n);
		if (!out)
			return;
		memcpy(out, name->wire + p, 1 + (size_t)n);
		p += 1 + (size_t)n;
	}
	out = reserve(w, 1);
	if (out)
		*out = 0;
}

static void count(struct rtc_dns_writer *w, unsigned stage)
{
	if (stage < w->stage || w->counts[stage] == UINT16_MAX) {
		w->failed = true;
		return;
	}
	w->stage = stage;
	w->counts[stage]++;
}

int rtc_dns_writer_add_question(struct rtc_dns_writer *w, const struct rtc_dns_question *q)
{
	uint8_t *p;

	count(w, 0);
	write_name(w, &q->name);
	p = reserve(w, 4);
	if (!p)
		return -1;
	rtc_put_be16(p, q->type);
	rtc_put_be16(p + 2, (uint16_t)(q->qclass | (q->unicast_response ? RTC_DNS_CLASS_TOP_BIT : 0)));
	return 0;
}

int rtc_dns_writer_add_record(struct rtc_dns_writer *w, const struct rtc_dns_record *rec)
{
	uint8_t *p;
	size_t rdstart;

	if (rec->type != RTC_DNS_TYPE_A && rec->type != RTC_DNS_TYPE_AAAA &&
	    rec->type != RTC_DNS_TYPE_NSEC)
		w->failed = true;
	count(w, 1 + (unsigned)rec->section);
	write_name(w, &rec->name);
	p = reserve(w, 10);
	if (!p)
		return -1;
	rtc_put_be16(p, rec->type);
	rtc_put_be16(p + 2, (uint16_t)(rec->rclass | (rec->cache_flush ? RTC_DNS_CLASS_TOP_BIT : 0)));
	rtc_put_be32(p + 4, rec->ttl);
	rdstart = w->len;

	if (rec->type == RTC_DNS_TYPE_A || rec->type == RTC_DNS_TYPE_AAAA) {
		size_t n = rec->type == RTC_DNS_TYPE_A ? 4 : 16;
		uint8_t *d = reserve(w, n);

		if (d)
			memcpy(d, rec->data.aaaa, n);
	} else {
		/* RFC 6762 6.1: the next domain name is the record's own name,
		 * and the bitmap has only block 0, trailing zero bytes left out
		 * (RFC 4034 4.1.2: no block at all when no type exists). */
		size_t n = sizeof(rec->data.nsec_bitmap);
		uint8_t *d;

		while (n > 0 && rec->data.nsec_bitmap[n - 1] == 0)
			n--;
		write_name(w, &rec->name);
		d = n > 0 ? reserve(w, 2 + n) : NULL;
		if (d) {
			d[0] = 0;
			d[1] = (uint8_t)n;
			memcpy(d + 2, rec->data.nsec_bitmap, n);
		}
	}
	if (w->failed)
		return -1;
	rtc_put_be16(p + 8, (uint16_t)(w->len - rdstart));
	return 0;
}

int rtc_dns_writer_finish(struct rtc_dns_writer *w)
{
	if (w->failed)
		return -1;
	for (int i = 0; i < 4; i++)
		rtc_put_be16(w->buf + 4 + 2 * i, w->counts[i]);
	return (int)w->len;
}
