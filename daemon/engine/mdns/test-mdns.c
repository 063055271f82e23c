/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mDNS codec, querier and responder, with hand-built packets (RFC 1035
 * 4.1 layout) and a fake clock.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "engine/mdns/mdns.h"

#define S 1000000000ull
#define NAME "0f4e8c1a-2b3d-4c5e-8f70-a1b2c3d4e5f6.local"
#define T0 (1000 * S)

static const uint8_t peer_name_wire[] = {
	36, '0', 'f', '4', 'e', '8', 'c', '1', 'a', '-', '2', 'b', '3', 'd', '-', '4', 'c', '5',
	'e', '-', '8', 'f', '7', '0', '-', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'f',
	'6', 5, 'l', 'o', 'c', 'a', 'l', 0,
};

/* ---- helpers ---------------------------------------------------------------- */

static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, ip, &a->sin_addr);
	}
	return ss;
}

static const char *ip_of(const struct sockaddr_storage *ss)
{
	static char buf[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, sizeof(buf));
	return buf;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

static struct rtc_mdns *agent(bool ipv4, bool ipv6)
{
	struct rtc_mdns_config c = { .ipv4 = ipv4, .ipv6 = ipv6 };

	return rtc_mdns_new(&c);
}

static int drain(struct rtc_mdns *m)
{
	struct rtc_mdns_transmit tx;
	int n = 0;

	while (rtc_mdns_poll_transmit(m, &tx))
		n++;
	return n;
}

/* Builds a message from parts: a 12-byte header then raw bytes. */
struct packet {
	uint8_t b[1024];
	size_t len;
};

static void put(struct packet *p, const void *data, size_t n)
{
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static void put16(struct packet *p, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(p, b, 2);
}

static void put32(struct packet *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void header(struct packet *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		   uint16_t ns, uint16_t ar)
{
	p->len = 0;
	put16(p, id);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

/* A response of one A record for the peer's name. */
static struct packet a_response(const char *ip, uint32_t ttl, bool cache_flush)
{
	struct packet p;
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	header(&p, 0, 0x8400, 0, 1, 0, 0);
	put(&p, peer_name_wire, sizeof(peer_name_wire));
	put16(&p, RTC_DNS_TYPE_A);
	put16(&p, cache_flush ? 0x8001 : 0x0001);
	put32(&p, ttl);
	put16(&p, 4);
	put(&p, &a, 4);
	return p;
}

static int receive(struct rtc_mdns *m, uint64_t now, const struct packet *p, const char *ip,
		   uint16_t port)
{
	struct sockaddr_storage from = addr(ip, port);
	struct rtc_error err = { 0 };

	return rtc_mdns_handle_receive(m, now, p->b, p->len, (struct sockaddr *)&from, &err);
}

static int parse_error(const struct packet *p, struct rtc_error *err)
{
	static struct rtc_dns_message msg;

	memset(err, 0, sizeof(*err));
	return rtc_dns_message_parse(p->b, p->len, &msg, err);
}

/* ---- codec ------------------------------------------------------------------ */

static void test_parse_compressed_response(void)
{
	static struct rtc_dns_message msg;
	struct rtc_error err = { 0 };
	struct rtc_dns_name want;
	struct packet p;
	char text[RTC_DNS_NAME_TEXT_MAX + 1];
	const uint8_t v6[16] = { 0xfe, 0x80, [15] = 1 };

	/* Answer: A for the name at offset 12; additional: AAAA whose name is
	 * a pointer to it, and an NSEC whose owner and next name point too. */
	header(&p, 0, 0x8400, 0, 1, 0, 2);
	put(&p, peer_name_wire, sizeof(peer_name_wire));
	put16(&p, 1); put16(&p, 0x8001); put32(&p, 120); put16(&p, 4);
	put(&p, "\xc6\x12\x00\x07", 4);
	put16(&p, 0xc00c); put16(&p, 28); put16(&p, 0x8001); put32(&p, 120); put16(&p, 16);
	put(&p, v6, 16);
	put16(&p, 0xc00c); put16(&p, 47); put16(&p, 0x8001); put32(&p, 120); put16(&p, 2 + 2 + 4);
	put16(&p, 0xc00c); put(&p, "\x00\x04\x40\x00\x00\x08", 6);

	CHECK_INTEQ(rtc_dns_message_parse(p.b, p.len, &msg, &err), 0);
	CHECK_INTEQ(msg.flags, 0x8400);
	CHECK_INTEQ(msg.n_questions, 0);
	CHECK_INTEQ(msg.n_records, 3);
	CHECK(rtc_dns_name_from_text(NAME, &want, &err) == 0);
	for (int i = 0; i < 3; i++)
		CHECK(rtc_dns_name_equal(&msg.records[i].name, &want));
	CHECK(msg.records[0].section == RTC_DNS_SECTION_ANSWER);
	CHECK(msg.records[0].cache_flush);
	CHECK_INTEQ(msg.records[0].rclass, 1);
	CHECK_INTEQ(msg.records[0].ttl, 120);
	CHECK(memcmp(msg.records[0].data.a, "\xc6\x12\x00\x07", 4) == 0);
	CHECK(msg.records[1].section == RTC_DNS_SECTION_ADDITIONAL);
	CHECK(memcmp(msg.records[1].data.aaaa, v6, 16) == 0);
	CHECK(rtc_dns_nsec_has(&msg.records[2], RTC_DNS_TYPE_A));
	CHECK(rtc_dns_nsec_has(&msg.records[2], RTC_DNS_TYPE_AAAA));
	CHECK(!rtc_dns_nsec_has(&msg.records[2], 16));
	CHECK_INTEQ(rtc_dns_name_to_text(&msg.records[1].name, text, sizeof(text)), 0);
	CHECK_STREQ(text, NAME);
}

static void test_parse_rejects(void)
{
	struct rtc_error err;
	struct packet p;

	header(&p, 0, 0, 1, 0, 0, 0);
	p.len = 11;
	CHECK(parse_error(&p, &err) < 0 && err.kind == RTC_ERROR_SYNTAX);

	/* A pointer to itself, and one pointing forwards. */
	header(&p, 0, 0, 1, 0, 0, 0);
	put16(&p, 0xc00c); put16(&p, 1); put16(&p, 1);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "backwards"));
	header(&p, 0, 0, 1, 0, 0, 0);
	put16(&p, 0xc00e); put(&p, "\x01x\x00", 3); put16(&p, 1); put16(&p, 1);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "backwards"));

	/* Two names pointing at each other: the second points back to the
	 * first, the first's tail points forward to the second. */
	header(&p, 0, 0, 2, 0, 0, 0);
	put(&p, "\x01" "a", 2); put16(&p, 0xc014); put16(&p, 1); put16(&p, 1);
	put(&p, "\x01" "b", 2); put16(&p, 0xc00c); put16(&p, 1); put16(&p, 1);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "backwards"));

	/* A label running past the end, a pointer cut in half, a reserved
	 * label type. */
	header(&p, 0, 0, 1, 0, 0, 0);
	put(&p, "\x3fxyz", 4);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "past the end"));
	header(&p, 0, 0, 1, 0, 0, 0);
	put(&p, "\xc0", 1);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "cut short"));
	header(&p, 0, 0, 1, 0, 0, 0);
	put(&p, "\x41", 1);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "label type"));

	/* Five labels of 63 bytes: over 255. */
	header(&p, 0, 0, 1, 0, 0, 0);
	for (int i = 0; i < 5; i++) {
		uint8_t label[64];

		label[0] = 63;
		memset(label + 1, 'a', 63);
		put(&p, label, 64);
	}
	put(&p, "", 1); put16(&p, 1); put16(&p, 1);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "255"));

	/* An A record of 5 bytes; rdata past the end; a byte after it all. */
	header(&p, 0, 0x8400, 0, 1, 0, 0);
	put(&p, "\x01x\x00", 3); put16(&p, 1); put16(&p, 1); put32(&p, 1); put16(&p, 5);
	put(&p, "12345", 5);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "A record of 5 bytes"));
	header(&p, 0, 0x8400, 0, 1, 0, 0);
	put(&p, "\x01x\x00", 3); put16(&p, 99); put16(&p, 1); put32(&p, 1); put16(&p, 500);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "past the end"));
	header(&p, 0, 0x8400, 0, 0, 0, 0);
	put(&p, "", 1);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "after the last record"));

	/* 65535 questions announced, none there. */
	header(&p, 0, 0, 0xffff, 0, 0, 0);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "past the end"));

	/* An NSEC bitmap block claiming more than it has. */
	header(&p, 0, 0x8400, 0, 1, 0, 0);
	put(&p, "\x01x\x00", 3); put16(&p, 47); put16(&p, 1); put32(&p, 1); put16(&p, 2 + 3);
	put16(&p, 0xc00c); put(&p, "\x00\x05\x40", 3);
	CHECK(parse_error(&p, &err) < 0 && strstr(err.message, "NSEC"));
}

static void test_parse_keeps_what_fits(void)
{
	static struct rtc_dns_message msg;
	struct rtc_error err = { 0 };
	struct packet p;

	/* 40 PTR-like records of another type: checked, 32 kept. */
	header(&p, 0, 0x8400, 0, 40, 0, 0);
	for (int i = 0; i < 40; i++) {
		put(&p, "\x01y\x00", 3); put16(&p, 16); put16(&p, 1); put32(&p, 1); put16(&p, 2);
		put(&p, "\x01z", 2);
	}
	CHECK_INTEQ(rtc_dns_message_parse(p.b, p.len, &msg, &err), 0);
	CHECK_INTEQ(msg.n_records, RTC_DNS_MAX_RECORDS);
	CHECK_INTEQ(msg.records_dropped, 40 - RTC_DNS_MAX_RECORDS);
}

static void test_names(void)
{
	struct rtc_dns_name a, b;
	struct rtc_error err = { 0 };
	char text[RTC_DNS_NAME_TEXT_MAX + 1], longname[300];

	CHECK(rtc_dns_name_from_text("Host-1.LOCAL.", &a, &err) == 0);
	CHECK(rtc_dns_name_from_text("host-1.local", &b, &err) == 0);
	CHECK(rtc_dns_name_equal(&a, &b));
	CHECK_INTEQ(a.len, 14);
	CHECK(rtc_dns_name_to_text(&a, text, sizeof(text)) == 0);
	CHECK_STREQ(text, "Host-1.LOCAL");
	CHECK(rtc_dns_name_to_text(&a, text, 12) < 0);
	CHECK(rtc_dns_name_from_text("other.local", &b, &err) == 0 && !rtc_dns_name_equal(&a, &b));
	CHECK(rtc_dns_name_from_text(".", &a, &err) == 0 && a.len == 1);
	CHECK(rtc_dns_name_to_text(&a, text, sizeof(text)) == 0);
	CHECK_STREQ(text, ".");

	CHECK(rtc_dns_name_from_text("a..local", &a, &err) < 0 && strstr(err.message, "empty"));
	CHECK(rtc_dns_name_from_text("", &a, &err) < 0);
	CHECK(rtc_dns_name_from_text("a b.local", &a, &err) < 0 && strstr(err.message, "0x20"));
	memset(longname, 'a', 64);
	strcpy(longname + 64, ".local");
	CHECK(rtc_dns_name_from_text(longname, &a, &err) < 0 && strstr(err.message, "63"));
	for (int i = 0; i < 300; i++)
		longname[i] = i % 2 ? '.' : 'a';
	longname[299] = '\0';
	CHECK(rtc_dns_name_from_text(longname, &a, &err) < 0 && strstr(err.message, "255"));
}

static void test_writer_compresses(void)
{
	static struct rtc_dns_message msg;
	struct rtc_error err = { 0 };
	struct rtc_dns_writer w;
	struct rtc_dns_question q = { .type = RTC_DNS_TYPE_A, .qclass = 1, .unicast_response = true };
	struct rtc_dns_record rec = { .section = RTC_DNS_SECTION_ANSWER, .type = RTC_DNS_TYPE_AAAA,
				      .rclass = 1, .cache_flush = true, .ttl = 120 };
	uint8_t buf[512];
	int len;

	rtc_dns_name_from_text("a.example.local", &q.name, &err);
	rtc_dns_name_from_text("B.example.LOCAL", &rec.name, &err);
	rec.data.aaaa[15] = 1;
	rtc_dns_writer_init(&w, buf, sizeof(buf), 7, 0);
	CHECK(rtc_dns_writer_add_question(&w, &q) == 0);
	CHECK(rtc_dns_writer_add_record(&w, &rec) == 0);
	rec.type = RTC_DNS_TYPE_NSEC;
	rec.section = RTC_DNS_SECTION_ADDITIONAL;
	memset(&rec.data, 0, sizeof(rec.data));
	rtc_dns_nsec_set(&rec, RTC_DNS_TYPE_AAAA);
	CHECK(rtc_dns_writer_add_record(&w, &rec) == 0);
	len = rtc_dns_writer_finish(&w);
	/* Question: 17 + 4. AAAA: "\x01B" + pointer to "example.local" (4),
	 * 10, 16. NSEC: pointer (2), 10, pointer (2) + block 0 of 4 bytes. */
	CHECK_INTEQ(len, 12 + 21 + 4 + 10 + 16 + 2 + 10 + 2 + 2 + 4);
	CHECK(buf[12 + 21 + 2] == 0xc0 && buf[12 + 21 + 3] == 12 + 2);

	CHECK_INTEQ(rtc_dns_message_parse(buf, (size_t)len, &msg, &err), 0);
	CHECK_INTEQ(msg.id, 7);
	CHECK(msg.n_questions == 1 && msg.questions[0].unicast_response);
	CHECK(rtc_dns_name_equal(&msg.questions[0].name, &q.name));
	CHECK_INTEQ(msg.n_records, 2);
	CHECK(rtc_dns_name_equal(&msg.records[0].name, &rec.name));
	CHECK(msg.records[0].data.aaaa[15] == 1 && msg.records[0].cache_flush);
	CHECK(msg.records[1].section == RTC_DNS_SECTION_ADDITIONAL);
	CHECK(rtc_dns_nsec_has(&msg.records[1], RTC_DNS_TYPE_AAAA));
	CHECK(!rtc_dns_nsec_has(&msg.records[1], RTC_DNS_TYPE_A));

	/* Out of order, out of room. */
	rtc_dns_writer_init(&w, buf, sizeof(buf), 0, 0);
	rtc_dns_writer_add_record(&w, &rec);
	CHECK(rtc_dns_writer_add_question(&w, &q) < 0 || rtc_dns_writer_finish(&w) < 0);
	CHECK(rtc_dns_writer_finish(&w) < 0);
	rtc_dns_writer_init(&w, buf, 20, 0, 0);
	rtc_dns_writer_add_question(&w, &q);
	CHECK(rtc_dns_writer_finish(&w) < 0);
}

/* ---- querier ---------------------------------------------------------------- */

static void test_query_retransmits_then_fails(void)
{
	struct rtc_mdns *m = agent(true, true);
	static struct rtc_dns_message msg;
	struct rtc_mdns_transmit tx;
	struct rtc_mdns_event ev;
	struct rtc_error err = { 0 };
	uint64_t sent[8];
	int n = 0;

	CHECK(rtc_mdns_deadline(m) == UINT64_MAX);
	CHECK_INTEQ(rtc_mdns_resolve(m, T0, NAME, &err), 0);
	/* The first query goes at once, to both groups, asking A and AAAA. */
	CHECK(rtc_mdns_poll_transmit(m, &tx));
	CHECK_STREQ(ip_of(&tx.to), "224.0.0.251");
	CHECK_INTEQ(port_of(&tx.to), 5353);
	CHECK_INTEQ(rtc_dns_message_parse(tx.data, tx.len, &msg, &err), 0);
	CHECK(msg.flags == 0 && msg.n_questions == 2 && msg.n_records == 0);
	CHECK(msg.questions[0].type == RTC_DNS_TYPE_A && msg.questions[1].type == RTC_DNS_TYPE_AAAA);
	CHECK(!msg.questions[0].unicast_response);
	CHECK(rtc_mdns_poll_transmit(m, &tx));
	CHECK_STREQ(ip_of(&tx.to), "ff02::fb");
	CHECK(!rtc_mdns_poll_transmit(m, &tx));
	/* Asking again while pending sends nothing more. */
	CHECK_INTEQ(rtc_mdns_resolve(m, T0, "0F4E8C1A-2b3d-4c5e-8f70-a1b2c3d4e5f6.local", &err), 0);
	CHECK_INTEQ(drain(m), 0);

	/* Then at 1 s, 3 s (intervals double), and give up at 5 s. */
	for (uint64_t now = T0; rtc_mdns_deadline(m) != UINT64_MAX && n < 8;) {
		now = rtc_mdns_deadline(m);
		rtc_mdns_handle_timeout(m, now);
		if (drain(m) == 2)
			sent[n++] = now - T0;
		CHECK(!rtc_mdns_poll_event(m, &ev) || now - T0 == 5 * S);
	}
	CHECK_INTEQ(n, 2);
	CHECK(sent[0] == 1 * S && sent[1] == 3 * S);
	rtc_mdns_free(m);

	/* Only the families configured. */
	m = agent(false, true);
	rtc_mdns_resolve(m, T0, NAME, &err);
	CHECK(rtc_mdns_poll_transmit(m, &tx) && tx.to.ss_family == AF_INET6);
	CHECK(!rtc_mdns_poll_transmit(m, &tx));
	rtc_mdns_free(m);
}

static void test_query_gives_up(void)
{
	struct rtc_mdns *m = agent(true, false);
	struct rtc_mdns_event ev;
	struct rtc_error err = { 0 };

	rtc_mdns_resolve(m, T0, NAME, &err);
	rtc_mdns_handle_timeout(m, T0 + 5 * S - 1);
	CHECK(!rtc_mdns_poll_event(m, &ev));
	rtc_mdns_handle_timeout(m, T0 + 5 * S);
	CHECK(rtc_mdns_poll_event(m, &ev));
	CHECK(ev.type == RTC_MDNS_RESOLVE_FAILED && ev.n_addresses == 0);
	CHECK_STREQ(ev.name, NAME);
	CHECK(!rtc_mdns_poll_event(m, &ev));
	CHECK(rtc_mdns_deadline(m) == UINT64_MAX);
	rtc_mdns_free(m);
}

static void test_query_resolves_and_caches(void)
{
	struct rtc_mdns *m = agent(true, false);
	struct rtc_mdns_event ev;
	struct rtc_error err = { 0 };
	struct packet p = a_response("198.18.0.7", 120, true);

	/* An answer for a name nobody asked for is not kept. */
	CHECK_INTEQ(receive(m, T0, &p, "198.18.0.7", 5353), 0);
	CHECK_INTEQ(rtc_mdns_resolve(m, T0, NAME, &err), 0);
	CHECK_INTEQ(drain(m), 1);
	CHECK(!rtc_mdns_poll_event(m, &ev));

	/* Responses from another port than 5353, or with an error code,
	 * are ignored (RFC 6762 11, 18.11). */
	CHECK_INTEQ(receive(m, T0 + 1, &p, "198.18.0.7", 5354), 0);
	p.b[3] = 0x03;
	CHECK_INTEQ(receive(m, T0 + 1, &p, "198.18.0.7", 5353), 0);
	CHECK(!rtc_mdns_poll_event(m, &ev));
	p.b[3] = 0x00;

	CHECK_INTEQ(receive(m, T0 + 2, &p, "198.18.0.7", 5353), 0);
	CHECK(rtc_mdns_poll_event(m, &ev));
	CHECK(ev.type == RTC_MDNS_RESOLVED);
	CHECK_STREQ(ev.name, NAME);
	CHECK_INTEQ(ev.n_addresses, 1);
	CHECK_STREQ(ip_of(&ev.addresses[0]), "198.18.0.7");
	CHECK_INTEQ(port_of(&ev.addresses[0]), 0);
	CHECK(!rtc_mdns_poll_event(m, &ev));
	CHECK(rtc_mdns_deadline(m) == UINT64_MAX);

	/* Within the TTL, from the cache: no query. */
	CHECK_INTEQ(rtc_mdns_resolve(m, T0 + 100 * S, NAME, &err), 0);
	CHECK_INTEQ(drain(m), 0);
	CHECK(rtc_mdns_poll_event(m, &ev) && ev.type == RTC_MDNS_RESOLVED);
	CHECK_STREQ(ip_of(&ev.addresses[0]), "198.18.0.7");

	/* After it, a query again. */
	CHECK_INTEQ(rtc_mdns_resolve(m, T0 + 2 + 120 * S, NAME, &err), 0);
	CHECK_INTEQ(drain(m), 1);
	CHECK(!rtc_mdns_poll_event(m, &ev));
	rtc_mdns_free(m);
}

static void test_cache_flush_and_goodbye(void)
{
	struct rtc_mdns *m = agent(true, false);
	struct rtc_mdns_event ev;
	struct rtc_error err = { 0 };
	struct packet old = a_response("198.18.0.7", 120, true);
	struct packet fresh = a_response("198.18.0.8", 120, true);
	struct packet bye = a_response("198.18.0.8", 0, true);

	rtc_mdns_resolve(m, T0, NAME, &err);
	CHECK_INTEQ(drain(m), 1);
	receive(m, T0, &old, "198.18.0.7", 5353);
	CHECK(rtc_mdns_poll_event(m, &ev) && ev.n_addresses == 1);

	/* A unique record heard 10 s later replaces the old one within 1 s. */
	receive(m, T0 + 10 * S, &fresh, "198.18.0.8", 5353);
	rtc_mdns_resolve(m, T0 + 10 * S, NAME, &err);
	CHECK(rtc_mdns_poll_event(m, &ev) && ev.n_addresses == 2);
	rtc_mdns_resolve(m, T0 + 11 * S, NAME, &err);
	CHECK(rtc_mdns_poll_event(m, &ev) && ev.n_addresses == 1);
	CHECK_STREQ(ip_of(&ev.addresses[0]), "198.18.0.8");

	/* A goodbye: the address is no longer an answer. */
	receive(m, T0 + 12 * S, &bye, "198.18.0.8", 5353);
	rtc_mdns_resolve(m, T0 + 12 * S, NAME, &err);
	CHECK_INTEQ(drain(m), 1);
	CHECK(!rtc_mdns_poll_event(m, &ev));
	rtc_mdns_free(m);
}

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;

		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* What Debian's Chromium sent (captured in a network namespace): its
 * announcement, which is also its answer to our query. The NSEC owner is
 * written out again, its next name compressed. Announcements of 0.0.0.0
 * (Chromium on a host without a default route) are no answer. */
static void test_chromium_answer(void)
{
	static const char announce[] =
		"0000840000000001000000012434336663376566382d626437632d343564372d3961"
		"31622d646266373264313537333131056c6f63616c0000018001000000780004c612"
		"09012434336663376566382d626437632d343564372d396131622d64626637326431"
		"3537333131056c6f63616c00002f8001000000780005c046000140";
	static const char unspecified[] =
		"0000840000000001000000012466366265373832322d643763362d346236632d3962"
		"61362d633639316236353432363036056c6f63616c0000018001000000780004000000"
		"002466366265373832322d643763362d346236632d396261362d6336393162363534"
		"32363036056c6f63616c00002f8001000000780005c046000140";
	struct rtc_mdns *m = agent(true, false);
	struct sockaddr_storage from = addr("198.18.9.1", 5353);
	struct rtc_mdns_event ev;
	struct rtc_error err = { 0 };
	uint8_t buf[256];
	size_t len;

	CHECK_INTEQ(rtc_mdns_resolve(m, T0, "43fc7ef8-bd7c-45d7-9a1b-dbf72d157311.local", &err), 0);
	CHECK_INTEQ(rtc_mdns_resolve(m, T0, "f6be7822-d7c6-4b6c-9ba6-c691b6542606.local", &err), 0);
	len = unhex(unspecified, buf);
	CHECK_INTEQ(rtc_mdns_handle_receive(m, T0, buf, len, (struct sockaddr *)&from, &err), 0);
	CHECK(!rtc_mdns_poll_event(m, &ev));
	len = unhex(announce, buf);
	CHECK_INTEQ(len, 129);
	CHECK_INTEQ(rtc_mdns_handle_receive(m, T0, buf, len, (struct sockaddr *)&from, &err), 0);
	CHECK(rtc_mdns_poll_event(m, &ev));
	CHECK(ev.type == RTC_MDNS_RESOLVED && ev.n_addresses == 1);
	CHECK_STREQ(ev.name, "43fc7ef8-bd7c-45d7-9a1b-dbf72d157311.local");
	CHECK_STREQ(ip_of(&ev.addresses[0]), "198.18.9.1");
	CHECK(!rtc_mdns_poll_event(m, &ev));
	rtc_mdns_free(m);
}

static void test_resolve_rejects(void)
{
	struct rtc_mdns *m = agent(true, false);
	struct rtc_mdns_config c = { .ipv4 = true, .max_lookups = 2 };
	struct rtc_error err = { 0 };
	struct packet p;
	struct sockaddr_storage from = addr("198.18.0.7", 5353);

	CHECK(rtc_mdns_resolve(m, T0, "198.18.0.7", &err) < 0 && err.kind == RTC_ERROR_SYNTAX);
	CHECK(rtc_mdns_resolve(m, T0, ".local", &err) < 0);
	CHECK(rtc_mdns_resolve(m, T0, "a_b.local", &err) < 0 && strstr(err.message, "0x5f"));
	CHECK(rtc_mdns_resolve(m, T0, "a..local", &err) < 0);
	CHECK(rtc_mdns_is_local_name("x.LOCAL.") && !rtc_mdns_is_local_name("x.localhost"));
	CHECK_INTEQ(drain(m), 0);

	header(&p, 0, 0x8400, 0, 1, 0, 0);
	CHECK(rtc_mdns_handle_receive(m, T0, p.b, p.len, (struct sockaddr *)&from, &err) < 0);
	CHECK(err.kind == RTC_ERROR_SYNTAX);
	CHECK(rtc_mdns_handle_receive(m, T0, p.b, p.len, NULL, &err) < 0);
	rtc_mdns_free(m);

	m = rtc_mdns_new(&c);
	CHECK(rtc_mdns_resolve(m, T0, "a.local", &err) == 0);
	CHECK(rtc_mdns_resolve(m, T0, "b.local", &err) == 0);
	CHECK(rtc_mdns_resolve(m, T0, "c.local", &err) < 0 && err.kind == RTC_ERROR_OPERATION);
	rtc_mdns_free(m);
	c.ipv4 = false;
	CHECK(rtc_mdns_new(&c) == NULL);
}

/* ---- responder -------------------------------------------------------------- */

static struct packet query(uint16_t id, uint16_t type, bool qu)
{
	struct packet p;

	header(&p, id, 0, 1, 0, 0, 0);
	put(&p, peer_name_wire, sizeof(peer_name_wire));
	put16(&p, type);
	put16(&p, qu ? 0x8001 : 0x0001);
	return p;
}

static struct rtc_mdns *responder(void)
{
	struct rtc_mdns *m = agent(true, true);
	struct sockaddr_storage a = addr("198.18.0.1", 9);
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_mdns_register_name(m, T0, NAME, (struct sockaddr *)&a, &err), 0);
	return m;
}

static void test_responder_announces(void)
{
	struct rtc_mdns *m = responder();
	static struct rtc_dns_message msg;
	struct rtc_mdns_transmit tx;
	struct rtc_error err = { 0 };

	CHECK(rtc_mdns_poll_transmit(m, &tx));
	CHECK_STREQ(ip_of(&tx.to), "224.0.0.251");
	CHECK_INTEQ(rtc_dns_message_parse(tx.data, tx.len, &msg, &err), 0);
	CHECK(msg.flags == 0x8400 && msg.n_questions == 0 && msg.n_records == 2);
	CHECK(msg.records[0].type == RTC_DNS_TYPE_A && msg.records[0].cache_flush);
	CHECK(msg.records[0].ttl == 120 && memcmp(msg.records[0].data.a, "\xc6\x12\x00\x01", 4) == 0);
	CHECK(msg.records[1].type == RTC_DNS_TYPE_NSEC &&
	      msg.records[1].section == RTC_DNS_SECTION_ADDITIONAL);
	CHECK(rtc_dns_nsec_has(&msg.records[1], RTC_DNS_TYPE_A));
	CHECK(!rtc_dns_nsec_has(&msg.records[1], RTC_DNS_TYPE_AAAA));
	CHECK(rtc_mdns_poll_transmit(m, &tx) && tx.to.ss_family == AF_INET6);
	CHECK(!rtc_mdns_poll_transmit(m, &tx));

	/* The second announcement one second later, then no more. */
	CHECK(rtc_mdns_deadline(m) == T0 + S);
	rtc_mdns_handle_timeout(m, T0 + S);
	CHECK_INTEQ(drain(m), 2);
	CHECK(rtc_mdns_deadline(m) == UINT64_MAX);

	/* A goodbye on the way out. */
	CHECK_INTEQ(rtc_mdns_unregister(m, T0 + 2 * S, NAME), 0);
	CHECK(rtc_mdns_poll_transmit(m, &tx));
	CHECK_INTEQ(rtc_dns_message_parse(tx.data, tx.len, &msg, &err), 0);
	CHECK(msg.n_records == 1 && msg.records[0].ttl == 0);
	CHECK_INTEQ(drain(m), 1);
	CHECK(rtc_mdns_unregister(m, T0 + 2 * S, NAME) < 0);
	rtc_mdns_free(m);
}

static void test_responder_answers(void)
{
	struct rtc_mdns *m = responder();
	static struct rtc_dns_message msg;
	struct rtc_mdns_transmit tx;
	struct rtc_error err = { 0 };
	struct packet q = query(0, RTC_DNS_TYPE_A, false);
	uint64_t now = T0 + 5 * S;

	drain(m);
	/* The announcement just went out: a query within a second of it gets
	 * nothing (RFC 6762 6, one multicast per second). */
	CHECK_INTEQ(receive(m, T0 + S / 2, &q, "198.18.0.9", 5353), 0);
	CHECK_INTEQ(drain(m), 0);
	rtc_mdns_handle_timeout(m, T0 + S);
	drain(m);

	CHECK_INTEQ(receive(m, now, &q, "198.18.0.9", 5353), 0);
	CHECK(rtc_mdns_poll_transmit(m, &tx));
	CHECK_STREQ(ip_of(&tx.to), "224.0.0.251");
	CHECK_INTEQ(rtc_dns_message_parse(tx.data, tx.len, &msg, &err), 0);
	CHECK(msg.id == 0 && msg.flags == 0x8400 && msg.n_questions == 0 && msg.n_records == 2);
	CHECK(msg.records[0].type == RTC_DNS_TYPE_A && msg.records[0].ttl == 120);
	CHECK(msg.records[1].type == RTC_DNS_TYPE_NSEC);
	CHECK(!rtc_mdns_poll_transmit(m, &tx));

	/* Over IPv6, to the IPv6 group: its own once-a-second budget. */
	CHECK_INTEQ(receive(m, now, &q, "fe80::9", 5353), 0);
	CHECK(rtc_mdns_poll_transmit(m, &tx) && tx.to.ss_family == AF_INET6);

	/* Known answer with more than half the TTL left: no answer; with
	 * less: answered again. */
	now += 2 * S;
	q.b[7] = 1;  /* ANCOUNT */
	put16(&q, 0xc00c); put16(&q, 1); put16(&q, 0x8001); put32(&q, 60); put16(&q, 4);
	put(&q, "\xc6\x12\x00\x01", 4);
	CHECK_INTEQ(receive(m, now, &q, "198.18.0.9", 5353), 0);
	CHECK_INTEQ(drain(m), 0);
	q.b[q.len - 7] = 59;  /* TTL 59 < 120 / 2 */
	CHECK_INTEQ(receive(m, now, &q, "198.18.0.9", 5353), 0);
	CHECK_INTEQ(drain(m), 1);

	/* AAAA for an IPv4-only name: NSEC in answer, the A as additional. */
	now += 2 * S;
	q = query(0, RTC_DNS_TYPE_AAAA, false);
	CHECK_INTEQ(receive(m, now, &q, "198.18.0.9", 5353), 0);
	CHECK(rtc_mdns_poll_transmit(m, &tx));
	CHECK_INTEQ(rtc_dns_message_parse(tx.data, tx.len, &msg, &err), 0);
	CHECK(msg.n_records == 2 && msg.records[0].type == RTC_DNS_TYPE_NSEC &&
	      msg.records[0].section == RTC_DNS_SECTION_ANSWER);
	CHECK(msg.records[1].type == RTC_DNS_TYPE_A &&
	      msg.records[1].section == RTC_DNS_SECTION_ADDITIONAL);

	/* Another name: silence. */
	now += 2 * S;
	q.b[13] = '1';
	CHECK_INTEQ(receive(m, now, &q, "198.18.0.9", 5353), 0);
	CHECK_INTEQ(drain(m), 0);
	rtc_mdns_free(m);
}

static void test_responder_unicast(void)
{
	struct rtc_mdns *m = responder();
	static struct rtc_dns_message msg;
	struct rtc_mdns_transmit tx;
	struct rtc_error err = { 0 };
	struct packet q = query(0x1234, RTC_DNS_TYPE_A, false);

	drain(m);
	/* Legacy (RFC 6762 6.7): from port 40000, even right after an
	 * announcement: unicast back, id and question echoed, TTL 10, no
	 * cache-flush bit. */
	CHECK_INTEQ(receive(m, T0, &q, "198.18.0.9", 40000), 0);
	CHECK(rtc_mdns_poll_transmit(m, &tx));
	CHECK_STREQ(ip_of(&tx.to), "198.18.0.9");
	CHECK_INTEQ(port_of(&tx.to), 40000);
	CHECK_INTEQ(rtc_dns_message_parse(tx.data, tx.len, &msg, &err), 0);
	CHECK(msg.id == 0x1234 && msg.n_questions == 1);
	CHECK(msg.records[0].ttl == 10 && !msg.records[0].cache_flush);
	CHECK(!rtc_mdns_poll_transmit(m, &tx));

	/* QU: unicast to the querier's port 5353, full TTL. */
	q = query(0, RTC_DNS_TYPE_A, true);
	CHECK_INTEQ(receive(m, T0, &q, "198.18.0.9", 5353), 0);
	CHECK(rtc_mdns_poll_transmit(m, &tx));
	CHECK_STREQ(ip_of(&tx.to), "198.18.0.9");
	CHECK_INTEQ(rtc_dns_message_parse(tx.data, tx.len, &msg, &err), 0);
	CHECK(msg.id == 0 && msg.n_questions == 0 && msg.records[0].ttl == 120);
	rtc_mdns_free(m);
}

static void test_register_uuid(void)
{
	struct rtc_mdns *m = agent(true, false);
	struct sockaddr_storage a = addr("198.18.0.1", 1), b = addr("2001:db8::1", 1);
	char n1[RTC_MDNS_NAME_MAX + 1], n2[RTC_MDNS_NAME_MAX + 1], n3[RTC_MDNS_NAME_MAX + 1];
	struct rtc_mdns_event ev;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_mdns_register(m, T0, (struct sockaddr *)&a, n1, &err), 0);
	CHECK_INTEQ(strlen(n1), 42);
	CHECK(n1[8] == '-' && n1[13] == '-' && n1[14] == '4' && n1[18] == '-' && n1[23] == '-');
	CHECK(strchr("89ab", n1[19]) != NULL);
	CHECK_STREQ(n1 + 36, ".local");
	CHECK_INTEQ(drain(m), 1);
	/* Same address, same name, no new announcement. */
	CHECK_INTEQ(rtc_mdns_register(m, T0, (struct sockaddr *)&a, n2, &err), 0);
	CHECK_STREQ(n2, n1);
	CHECK_INTEQ(drain(m), 0);
	CHECK_INTEQ(rtc_mdns_register(m, T0, (struct sockaddr *)&b, n3, &err), 0);
	CHECK(strcmp(n3, n1) != 0);
	CHECK_INTEQ(drain(m), 1);
	/* Our own name resolves without a packet (two peer connections of one
	 * daemon). */
	CHECK_INTEQ(rtc_mdns_resolve(m, T0, n3, &err), 0);
	CHECK_INTEQ(drain(m), 0);
	CHECK(rtc_mdns_poll_event(m, &ev) && ev.type == RTC_MDNS_RESOLVED && ev.n_addresses == 1);
	CHECK_STREQ(ip_of(&ev.addresses[0]), "2001:db8::1");
	/* Two references: the first unregister keeps the name, the second
	 * says goodbye. */
	CHECK_INTEQ(rtc_mdns_unregister(m, T0, n1), 0);
	CHECK_INTEQ(drain(m), 0);
	CHECK_INTEQ(rtc_mdns_unregister(m, T0, n1), 0);
	CHECK_INTEQ(drain(m), 1);
	CHECK(rtc_mdns_unregister(m, T0, n1) < 0);
	CHECK(rtc_mdns_register_name(m, T0, n3, (struct sockaddr *)&a, &err) < 0);
	CHECK(err.kind == RTC_ERROR_INVALID_MODIFICATION);
	a.ss_family = AF_UNIX;
	CHECK(rtc_mdns_register(m, T0, (struct sockaddr *)&a, n2, &err) < 0);
	rtc_mdns_free(m);
}

/* Two agents wired in memory: multicast reaches both, unicast its target. */
static void test_querier_meets_responder(void)
{
	struct rtc_mdns *peer = agent(true, true), *us = agent(true, true);
	struct sockaddr_storage v6 = addr("2001:db8::7", 0);
	struct sockaddr_storage from_peer = addr("198.18.0.2", 5353);
	struct sockaddr_storage from_us = addr("198.18.0.1", 5353);
	struct rtc_mdns *agents[2] = { peer, us };
	struct sockaddr_storage *sources[2] = { &from_peer, &from_us };
	char name[RTC_MDNS_NAME_MAX + 1];
	struct rtc_mdns_transmit tx;
	struct rtc_mdns_event ev;
	struct rtc_error err = { 0 };
	int rounds = 0;

	CHECK_INTEQ(rtc_mdns_register(peer, T0, (struct sockaddr *)&v6, name, &err), 0);
	drain(peer);  /* the announcements were before we listened */
	CHECK_INTEQ(rtc_mdns_resolve(us, T0 + 5 * S, name, &err), 0);
	for (bool moved = true; moved && rounds < 10; rounds++) {
		moved = false;
		for (int i = 0; i < 2; i++) {
			while (rtc_mdns_poll_transmit(agents[i], &tx)) {
				if (tx.to.ss_family != AF_INET)
					continue;  /* one link is enough here */
				moved = true;
				CHECK_INTEQ(rtc_mdns_handle_receive(agents[1 - i], T0 + 5 * S, tx.data, tx.len,
							     (struct sockaddr *)sources[i], &err), 0);
			}
		}
	}
	CHECK(rtc_mdns_poll_event(us, &ev));
	CHECK(ev.type == RTC_MDNS_RESOLVED && ev.n_addresses == 1);
	CHECK_STREQ(ev.name, name);
	CHECK_STREQ(ip_of(&ev.addresses[0]), "2001:db8::7");
	rtc_mdns_free(peer);
	rtc_mdns_free(us);
}

int main(void)
{
	RUN(test_parse_compressed_response);
	RUN(test_parse_rejects);
	RUN(test_parse_keeps_what_fits);
	RUN(test_names);
	RUN(test_writer_compresses);
	RUN(test_query_retransmits_then_fails);
	RUN(test_query_gives_up);
	RUN(test_query_resolves_and_caches);
	RUN(test_cache_flush_and_goodbye);
	RUN(test_chromium_answer);
	RUN(test_resolve_rejects);
	RUN(test_responder_announces);
	RUN(test_responder_answers);
	RUN(test_responder_unicast);
	RUN(test_register_uuid);
	RUN(test_querier_meets_responder);
	return rtc_test_done();
}
