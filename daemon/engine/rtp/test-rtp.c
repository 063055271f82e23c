/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTP headers and extensions: RFC 8285's own layouts, packets as Chromium
 * sends them, round trips through the writer, and every way a packet can
 * be cut short or lie about its lengths. Then RFC 3550 A.1's sequence
 * numbers at the wrap, reordered and after a jump, RFC 3711's index guess,
 * and timestamps.
 */
#include <string.h>

#include "check.h"
#include "engine/rtp/rtp.h"
#include "engine/rtp/rtp-ext.h"
#include "engine/rtp/rtp-seq.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 8285 section 4.2's figure: IDs 1 (1 byte), 2 (2 bytes), two padding
 * bytes, 3 (4 bytes), in 3 words. */
static const uint8_t rfc8285_one_byte[] = {
	0x90, 0x60, 0x12, 0x34, 0x00, 0x00, 0x10, 0x00, 0xca, 0xfe, 0xba, 0xbe,
	0xbe, 0xde, 0x00, 0x03,
	0x10, 0xaa, 0x21, 0xbb, 0xbb, 0x00, 0x00, 0x33, 0xcc, 0xcc, 0xcc, 0xcc,
	0x01, 0x02, 0x03,   /* payload */
};

/* RFC 8285 section 4.3's figure: ID 1 empty, ID 2 (1 byte), a padding
 * byte, ID 3 (4 bytes). */
static const uint8_t rfc8285_two_byte[] = {
	0x90, 0x60, 0x12, 0x34, 0x00, 0x00, 0x10, 0x00, 0xca, 0xfe, 0xba, 0xbe,
	0x10, 0x00, 0x00, 0x03,
	0x01, 0x00, 0x02, 0x01, 0xdd, 0x00, 0x03, 0x04, 0xee, 0xee, 0xee, 0xee,
	0x01, 0x02, 0x03,
};

/* Chromium's Opus: PT 111, audio level (1) voice at -30 dBov,
 * abs-send-time (2), transport-wide-cc (3) 0x0102, mid (4) "0", one byte
 * of padding to the word. */
static const uint8_t chromium_opus[] = {
	0x90, 0x6f, 0x5a, 0x01, 0x7c, 0x3e, 0x8a, 0x40, 0x5e, 0x61, 0x3b, 0x7d,
	0xbe, 0xde, 0x00, 0x03,
	0x10, 0x9e, 0x22, 0x06, 0x00, 0x00, 0x31, 0x01, 0x02, 0x40, '0', 0x00,
	0x78, 0x0b, 0xe4, 0xc1, 0x36, 0xec, 0xc5, 0x8d,
};

static void expect_error(const uint8_t *buf, size_t len, const char *words)
{
	struct rtc_rtp_packet p;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_rtp_parse(buf, len, &p, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	if (!strstr(err.message, words)) {
		printf("# error \"%s\" lacks \"%s\"\n", err.message, words);
		CHECK(0);
	}
}

static void test_parse_fixed_header(void)
{
	static const uint8_t pkt[] = {
		0xa2, 0xe0, 0xff, 0xff, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x02, 0x03, 0x04,
		0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,   /* CSRCs */
		0xaa, 0xbb, 0x00, 0x00, 0x03,   /* payload, 3 bytes of padding */
	};
	struct rtc_rtp_packet p;
	struct rtc_rtp_ext e;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_rtp_parse(pkt, sizeof(pkt), &p, &err), 0);
	CHECK(p.h.marker);
	CHECK_INTEQ(p.h.payload_type, 96);
	CHECK_INTEQ(p.h.seq, 65535);
	CHECK_INTEQ(p.h.timestamp, 0x89abcdef);
	CHECK_INTEQ(p.h.ssrc, 0x01020304);
	CHECK_INTEQ(p.h.csrc_count, 2);
	CHECK_INTEQ(p.h.csrc[0], 0x11111111);
	CHECK_INTEQ(p.h.csrc[1], 0x22222222);
	CHECK_INTEQ(p.ext_form, RTC_RTP_EXT_NONE);
	CHECK_INTEQ(p.header_len, 20);
	CHECK(p.payload == pkt + 20);
	CHECK_INTEQ(p.payload_len, 2);
	CHECK_INTEQ(p.padding_len, 3);
	CHECK(!rtc_rtp_ext_find(&p, 1, &e));
}

static void test_rfc8285_one_byte(void)
{
	struct rtc_rtp_packet p;
	struct rtc_rtp_ext e, all[4];
	struct rtc_rtp_ext_iter it;
	struct rtc_error err = { 0 };
	size_t n = 0;

	CHECK_INTEQ(rtc_rtp_parse(rfc8285_one_byte, sizeof(rfc8285_one_byte), &p, &err), 0);
	CHECK_INTEQ(p.ext_form, RTC_RTP_EXT_ONE_BYTE);
	CHECK_INTEQ(p.ext_profile, 0xbede);
	CHECK_INTEQ(p.ext_len, 12);
	CHECK_INTEQ(p.header_len, 28);
	CHECK_INTEQ(p.payload_len, 3);
	CHECK(p.ext == rfc8285_one_byte + 16);   /* no copy */
	rtc_rtp_ext_iter_init(&it, &p);
	while (n < LEN(all) && rtc_rtp_ext_iter_next(&it, &all[n]))
		n++;
	CHECK_INTEQ(n, 3);
	CHECK(all[0].id == 1 && all[0].len == 1 && all[0].data[0] == 0xaa);
	CHECK(all[1].id == 2 && all[1].len == 2 && all[1].data == rfc8285_one_byte + 19);
	CHECK(all[2].id == 3 && all[2].len == 4 && all[2].data == rfc8285_one_byte + 24);
	CHECK(rtc_rtp_ext_find(&p, 3, &e) && e.len == 4 && e.data[3] == 0xcc);
	CHECK(!rtc_rtp_ext_find(&p, 4, &e));
	CHECK(!rtc_rtp_ext_find(&p, 0, &e));
}

static void test_rfc8285_two_byte(void)
{
	struct rtc_rtp_packet p;
	struct rtc_rtp_ext e;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_rtp_parse(rfc8285_two_byte, sizeof(rfc8285_two_byte), &p, &err), 0);
	CHECK_INTEQ(p.ext_form, RTC_RTP_EXT_TWO_BYTE);
	CHECK(rtc_rtp_ext_find(&p, 1, &e) && e.len == 0);
	CHECK(rtc_rtp_ext_find(&p, 2, &e) && e.len == 1 && e.data[0] == 0xdd);
	CHECK(rtc_rtp_ext_find(&p, 3, &e) && e.len == 4 && e.data == rfc8285_two_byte + 24);
	CHECK(!rtc_rtp_ext_find(&p, 0, &e));
	CHECK_INTEQ(p.payload_len, 3);
}

/* The writer packs the RFC's elements without the padding between them. */
static void test_write_rfc8285_layouts(void)
{
	static const uint8_t bb[] = { 0xbb, 0xbb }, cc[] = { 0xcc, 0xcc, 0xcc, 0xcc };
	static const uint8_t aa[] = { 0xaa }, dd[] = { 0xdd }, ee[] = { 0xee, 0xee, 0xee, 0xee };
	static const uint8_t one_ext[] = { 0xbe, 0xde, 0x00, 0x03, 0x10, 0xaa, 0x21, 0xbb,
					   0xbb, 0x33, 0xcc, 0xcc, 0xcc, 0xcc, 0x00, 0x00 };
	static const uint8_t two_ext[] = { 0x10, 0x00, 0x00, 0x03, 0x01, 0x00, 0x02, 0x01,
					   0xdd, 0x03, 0x04, 0xee, 0xee, 0xee, 0xee, 0x00 };
	struct rtc_rtp_ext one[] = { { 1, 1, aa }, { 2, 2, bb }, { 3, 4, cc } };
	struct rtc_rtp_ext two[] = { { 1, 0, NULL }, { 2, 1, dd }, { 3, 4, ee } };
	struct rtc_rtp_header h = { .payload_type = 96, .seq = 0x1234, .timestamp = 0x1000,
				    .ssrc = 0xcafebabe };
	struct rtc_rtp_ext_block b1 = { .form = RTC_RTP_EXT_AUTO, .elems = one, .count = 3 };
	struct rtc_rtp_ext_block b2 = { .form = RTC_RTP_EXT_AUTO, .elems = two, .count = 3 };
	struct rtc_error err = { 0 };
	uint8_t buf[64];

	CHECK_INTEQ(rtc_rtp_ext_choose_form(one, 3), RTC_RTP_EXT_ONE_BYTE);
	CHECK_INTEQ(rtc_rtp_ext_choose_form(two, 3), RTC_RTP_EXT_TWO_BYTE);
	CHECK_INTEQ(rtc_rtp_header_size(&h, &b1, &err), 28);
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b1, buf, sizeof(buf), &err), 28);
	CHECK(memcmp(buf, rfc8285_one_byte, 12) == 0);
	CHECK(memcmp(buf + 12, one_ext, sizeof(one_ext)) == 0);
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b2, buf, sizeof(buf), &err), 28);
	CHECK(memcmp(buf, rfc8285_two_byte, 12) == 0);
	CHECK(memcmp(buf + 12, two_ext, sizeof(two_ext)) == 0);
	b2.appbits = 0x5;
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b2, buf, sizeof(buf), &err), 28);
	CHECK_INTEQ(buf[13], 0x05);
	/* No elements under AUTO: no extension at all. */
	b1.count = 0;
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b1, buf, sizeof(buf), &err), 12);
	CHECK_INTEQ(buf[0], 0x80);
	CHECK_INTEQ(rtc_rtp_write_header(&h, NULL, buf, sizeof(buf), &err), 12);
}

static void test_auto_form(void)
{
	static const uint8_t d[17] = { 1 };
	struct rtc_rtp_ext fits[] = { { 14, 16, d }, { 1, 1, d } };
	struct rtc_rtp_ext id15[] = { { 1, 1, d }, { 15, 1, d } };
	struct rtc_rtp_ext long17[] = { { 1, 17, d } };
	struct rtc_rtp_ext empty[] = { { 1, 0, NULL } };
	struct rtc_rtp_header h = { .payload_type = 96 };
	struct rtc_rtp_ext_block b = { .form = RTC_RTP_EXT_ONE_BYTE, .elems = id15, .count = 2 };
	struct rtc_error err = { 0 };
	uint8_t buf[64];

	CHECK_INTEQ(rtc_rtp_ext_choose_form(fits, 2), RTC_RTP_EXT_ONE_BYTE);
	CHECK_INTEQ(rtc_rtp_ext_choose_form(id15, 2), RTC_RTP_EXT_TWO_BYTE);
	CHECK_INTEQ(rtc_rtp_ext_choose_form(long17, 1), RTC_RTP_EXT_TWO_BYTE);
	CHECK_INTEQ(rtc_rtp_ext_choose_form(empty, 1), RTC_RTP_EXT_TWO_BYTE);
	/* Forced one-byte refuses what it cannot carry. */
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b, buf, sizeof(buf), &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK(strstr(err.message, "does not fit the one-byte form") != NULL);
	b.elems = long17, b.count = 1;
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b, buf, sizeof(buf), &err), -1);
	b.elems = empty;
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b, buf, sizeof(buf), &err), -1);
	/* Forced two-byte takes anything. */
	b.form = RTC_RTP_EXT_TWO_BYTE, b.elems = fits, b.count = 2;
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b, buf, sizeof(buf), &err), 12 + 4 + 24);
	CHECK_INTEQ(buf[12], 0x10);
}

static void test_write_errors(void)
{
	static const uint8_t d[4] = { 0 };
	struct rtc_rtp_ext dup[] = { { 3, 1, d }, { 4, 1, d }, { 3, 2, d } };
	struct rtc_rtp_ext zero[] = { { 0, 1, d } };
	struct rtc_rtp_ext nodata[] = { { 2, 3, NULL } };
	struct rtc_rtp_header h = { .payload_type = 96 };
	struct rtc_rtp_ext_block b = { .form = RTC_RTP_EXT_AUTO, .elems = dup, .count = 3 };
	struct rtc_error err = { 0 };
	uint8_t buf[64];

	CHECK_INTEQ(rtc_rtp_write_header(&h, &b, buf, sizeof(buf), &err), -1);
	CHECK(strstr(err.message, "ID 3 given twice") != NULL);
	b.elems = zero, b.count = 1;
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b, buf, sizeof(buf), &err), -1);
	CHECK(strstr(err.message, "reserved for padding") != NULL);
	b.elems = nodata;
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b, buf, sizeof(buf), &err), -1);
	b = (struct rtc_rtp_ext_block){ .form = RTC_RTP_EXT_RAW, .profile = 0x1234,
					.raw = d, .raw_len = 3 };
	CHECK_INTEQ(rtc_rtp_write_header(&h, &b, buf, sizeof(buf), &err), -1);
	CHECK(strstr(err.message, "not whole 32-bit words") != NULL);
	h.payload_type = 128;
	CHECK_INTEQ(rtc_rtp_write_header(&h, NULL, buf, sizeof(buf), &err), -1);
	h.payload_type = 0;
	h.csrc_count = 16;
	CHECK_INTEQ(rtc_rtp_write_header(&h, NULL, buf, sizeof(buf), &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	h.csrc_count = 0;
	CHECK_INTEQ(rtc_rtp_write_header(&h, NULL, buf, 11, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(rtc_rtp_write(&h, NULL, d, 4, 0, buf, 15, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(rtc_rtp_write(&h, NULL, d, 4, 4, buf, 19, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(rtc_rtp_write_padding(buf, 12, sizeof(buf), 0, &err), -1);
	CHECK_INTEQ(rtc_rtp_write_padding(buf, 12, sizeof(buf), 256, &err), -1);
}

static bool same_header(const struct rtc_rtp_header *a, const struct rtc_rtp_header *b)
{
	if (a->marker != b->marker || a->payload_type != b->payload_type || a->seq != b->seq ||
	    a->timestamp != b->timestamp || a->ssrc != b->ssrc || a->csrc_count != b->csrc_count)
		return false;
	for (unsigned i = 0; i < a->csrc_count; i++)
		if (a->csrc[i] != b->csrc[i])
			return false;
	return true;
}

static void test_round_trip(void)
{
	static const uint8_t payload[] = { 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a };
	static const uint8_t raw[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	uint8_t ast[3], tcc[2];
	struct rtc_rtp_ext elems[3];
	struct rtc_rtp_header h = { .marker = true, .payload_type = 96, .seq = 65535,
				    .timestamp = 0xfffffff0, .ssrc = 0x12345678, .csrc_count = 3,
				    .csrc = { 1, 2, 0xffffffff } };
	const enum rtc_rtp_ext_form forms[] = { RTC_RTP_EXT_NONE, RTC_RTP_EXT_ONE_BYTE,
						RTC_RTP_EXT_TWO_BYTE, RTC_RTP_EXT_RAW };
	struct rtc_error err = { 0 };

	elems[0] = rtc_rtp_ext_abs_send_time(2, 0xabcdef, ast);
	elems[1] = rtc_rtp_ext_transport_cc(3, 0x0102, tcc);
	CHECK_INTEQ(rtc_rtp_ext_mid(4, "video", 5, &elems[2], &err), 0);
	for (size_t f = 0; f < LEN(forms); f++) {
		for (unsigned pad = 0; pad < 6; pad += 5) {
			struct rtc_rtp_ext_block b = { .form = forms[f], .elems = elems, .count = 3,
						       .appbits = 9, .profile = 0xabcd,
						       .raw = raw, .raw_len = sizeof(raw) };
			struct rtc_rtp_packet p;
			struct rtc_rtp_ext e;
			uint8_t buf[128];
			long len = rtc_rtp_write(&h, &b, payload, sizeof(payload), pad, buf,
						 sizeof(buf), &err);
			uint32_t v;
			uint16_t seq;

			CHECK(len > 0);
			CHECK_INTEQ(rtc_rtp_parse(buf, (size_t)len, &p, &err), 0);
			CHECK_INTEQ(p.ext_form, forms[f]);
			CHECK(same_header(&p.h, &h));
			CHECK_INTEQ(p.padding_len, pad);
			CHECK_INTEQ(p.payload_len, sizeof(payload));
			CHECK(memcmp(p.payload, payload, sizeof(payload)) == 0);
			if (forms[f] == RTC_RTP_EXT_ONE_BYTE || forms[f] == RTC_RTP_EXT_TWO_BYTE) {
				CHECK(rtc_rtp_ext_find(&p, 2, &e));
				CHECK(rtc_rtp_ext_get_abs_send_time(&e, &v, &err) == 0 && v == 0xabcdef);
				CHECK(rtc_rtp_ext_find(&p, 3, &e));
				CHECK(rtc_rtp_ext_get_transport_cc(&e, &seq, &err) == 0 && seq == 0x0102);
				CHECK(rtc_rtp_ext_find(&p, 4, &e) && e.len == 5);
			}
			if (forms[f] == RTC_RTP_EXT_TWO_BYTE)
				CHECK_INTEQ(p.ext_profile, 0x1009);
			if (forms[f] == RTC_RTP_EXT_RAW) {
				CHECK_INTEQ(p.ext_profile, 0xabcd);
				CHECK(p.ext_len == 8 && memcmp(p.ext, raw, 8) == 0);
				CHECK(!rtc_rtp_ext_find(&p, 2, &e));
			}
		}
	}
}

/* A packetizer writes its payload into the send buffer first, after room
 * for the header: the writer must not trust where it is. */
static void test_payload_in_place(void)
{
	struct rtc_rtp_header h = { .payload_type = 111, .seq = 7, .ssrc = 9 };
	struct rtc_rtp_packet p;
	struct rtc_error err = { 0 };
	uint8_t buf[64];

	for (unsigned i = 0; i < 20; i++)
		buf[12 + i] = (uint8_t)i;
	CHECK_INTEQ(rtc_rtp_write(&h, NULL, buf + 12, 20, 3, buf, sizeof(buf), &err), 35);
	CHECK_INTEQ(rtc_rtp_parse(buf, 35, &p, &err), 0);
	CHECK(p.payload_len == 20 && p.payload[19] == 19 && p.padding_len == 3);
	/* And when it sits where the header goes. */
	for (unsigned i = 0; i < 20; i++)
		buf[i] = (uint8_t)(100 + i);
	CHECK_INTEQ(rtc_rtp_write(&h, NULL, buf, 20, 0, buf, sizeof(buf), &err), 32);
	CHECK_INTEQ(rtc_rtp_parse(buf, 32, &p, &err), 0);
	CHECK(p.payload_len == 20 && p.payload[0] == 100 && p.payload[19] == 119);
}

static void test_chromium_opus(void)
{
	struct rtc_rtp_packet p;
	struct rtc_rtp_ext e;
	struct rtc_error err = { 0 };
	const char *s;
	size_t len;
	bool voice;
	uint8_t level;
	uint32_t ast;
	uint16_t seq;

	CHECK_INTEQ(rtc_rtp_parse(chromium_opus, sizeof(chromium_opus), &p, &err), 0);
	CHECK_INTEQ(p.h.payload_type, 111);
	CHECK_INTEQ(p.payload_len, 8);
	CHECK(rtc_rtp_ext_find(&p, 1, &e));
	CHECK_INTEQ(rtc_rtp_ext_get_audio_level(&e, &voice, &level, &err), 0);
	CHECK(voice);
	CHECK_INTEQ(level, 30);
	CHECK(rtc_rtp_ext_find(&p, 2, &e));
	CHECK_INTEQ(rtc_rtp_ext_get_abs_send_time(&e, &ast, &err), 0);
	CHECK_INTEQ(ast, 0x060000);
	CHECK_INTEQ(rtc_rtp_abs_send_time_to_ns(ast), 1500000000);
	CHECK(rtc_rtp_ext_find(&p, 3, &e));
	CHECK_INTEQ(rtc_rtp_ext_get_transport_cc(&e, &seq, &err), 0);
	CHECK_INTEQ(seq, 0x0102);
	CHECK(rtc_rtp_ext_find(&p, 4, &e));
	CHECK_INTEQ(rtc_rtp_ext_get_mid(&e, &s, &len, &err), 0);
	CHECK(len == 1 && s[0] == '0');
	/* The wrong extension's reader refuses the element by its length. */
	CHECK_INTEQ(rtc_rtp_ext_get_transport_cc(&e, &seq, &err), -1);
	CHECK(strstr(err.message, "transport-wide-cc element 4 of 1 bytes, not 2") != NULL);
}

static void test_id15_stops(void)
{
	/* RFC 8285 4.2: after ID 15, whatever its length says, nothing counts. */
	static const uint8_t pkt[] = {
		0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
		0xbe, 0xde, 0x00, 0x02, 0x10, 0x01, 0xff, 0x20, 0x02, 0x00, 0x00, 0x00,
	};
	struct rtc_rtp_packet p;
	struct rtc_rtp_ext e;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_rtp_parse(pkt, sizeof(pkt), &p, &err), 0);
	CHECK(rtc_rtp_ext_find(&p, 1, &e));
	CHECK(!rtc_rtp_ext_find(&p, 2, &e));
	CHECK(!rtc_rtp_ext_find(&p, 15, &e));
}

static void test_malformed(void)
{
	uint8_t b[64];

	expect_error(b, 0, "0 bytes is shorter than its 12-byte header");
	/* Every cut of a packet with CSRCs, extension and payload fails cleanly
	 * (the payload-only cuts are valid packets, shorter). */
	for (size_t n = 0; n < 28; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, rfc8285_one_byte, n);
		expect_error(copy, n, n < 12 ? "shorter than its 12-byte header" :
				      n < 16 ? "ends inside its extension header" :
					       "extension of 3 words runs past");
		free(copy);
	}
	for (unsigned v = 0; v < 4; v++) {
		char words[32];

		if (v == 2)
			continue;
		memcpy(b, chromium_opus, sizeof(chromium_opus));
		b[0] = (uint8_t)(v << 6 | (b[0] & 0x3f));
		snprintf(words, sizeof(words), "RTP version %u, not 2", v);
		expect_error(b, sizeof(chromium_opus), words);
	}
	memcpy(b, chromium_opus, sizeof(chromium_opus));
	b[0] = 0x8f;   /* 15 CSRCs: 72 bytes */
	expect_error(b, sizeof(chromium_opus), "shorter than its 15 CSRCs");
	/* An extension length far past the end. */
	memcpy(b, chromium_opus, sizeof(chromium_opus));
	b[14] = 0xff, b[15] = 0xff;
	expect_error(b, sizeof(chromium_opus), "65535 words runs past");
	/* A one-byte element longer than what is left of the extension. */
	memcpy(b, chromium_opus, sizeof(chromium_opus));
	b[25] = 0x42;   /* mid says 3 bytes; 2 are left */
	expect_error(b, sizeof(chromium_opus), "one-byte extension element 4 of 3 bytes runs past");
	memcpy(b, chromium_opus, sizeof(chromium_opus));
	b[27] = 0x05;   /* ID 0 with a length */
	expect_error(b, sizeof(chromium_opus), "padding ID 0 and length 6");
	/* Two-byte: an ID with no length byte, then a length past the end. */
	memcpy(b, rfc8285_two_byte, sizeof(rfc8285_two_byte));
	memset(b + 22, 0, 5);   /* padding, then an ID in the last byte */
	b[27] = 0x07;
	expect_error(b, sizeof(rfc8285_two_byte), "two-byte extension element 7 has no length byte");
	memcpy(b, rfc8285_two_byte, sizeof(rfc8285_two_byte));
	b[23] = 0x05;
	expect_error(b, sizeof(rfc8285_two_byte), "two-byte extension element 3 of 5 bytes runs past");
	/* Padding: a zero count, one longer than the payload, none to count. */
	memcpy(b, chromium_opus, sizeof(chromium_opus));
	b[0] |= 0x20;
	b[sizeof(chromium_opus) - 1] = 0;
	expect_error(b, sizeof(chromium_opus), "padding count of 0");
	b[sizeof(chromium_opus) - 1] = 9;
	expect_error(b, sizeof(chromium_opus), "padding of 9 bytes runs into the 28-byte header");
	b[sizeof(chromium_opus) - 1] = 8;   /* the whole payload is padding: a probe */
	{
		struct rtc_rtp_packet p;

		CHECK_INTEQ(rtc_rtp_parse(b, sizeof(chromium_opus), &p, NULL), 0);
		CHECK_INTEQ(p.payload_len, 0);
	}
	expect_error(b, 28, "padding bit set but no byte after the header");
}

static void test_ext_payloads(void)
{
	static const uint8_t level_bytes[] = { 0x7f, 0x80 };
	struct rtc_rtp_ext e = { .id = 1, .len = 1, .data = level_bytes };
	struct rtc_error err = { 0 };
	uint8_t buf[3];
	bool voice;
	uint8_t level;
	uint32_t v;
	const char *s;
	size_t len;

	/* 6.18 fixed point: 1.5 s is 0x060000; 64 s wraps to 0. */
	CHECK_INTEQ(rtc_rtp_abs_send_time_from_ns(1500000000), 0x060000);
	CHECK_INTEQ(rtc_rtp_abs_send_time_from_ns(64000000000ull), 0);
	CHECK_INTEQ(rtc_rtp_abs_send_time_from_ns(65000000000ull), 0x040000);
	CHECK_INTEQ(rtc_rtp_abs_send_time_from_ns(3815), 1);   /* 2^-18 s is 3814.7 ns */
	CHECK_INTEQ(rtc_rtp_abs_send_time_from_ns(1907), 0);   /* rounded to nearest */
	CHECK_INTEQ(rtc_rtp_abs_send_time_from_ns(1908), 1);
	CHECK_INTEQ(rtc_rtp_abs_send_time_from_ns(UINT64_MAX / 2) >> 24, 0);
	CHECK_INTEQ(rtc_rtp_abs_send_time_to_ns(0x040000), 1000000000);
	e = rtc_rtp_ext_abs_send_time(2, 0x1abcdef, buf);
	CHECK(e.id == 2 && e.len == 3 && buf[0] == 0xab);
	CHECK(rtc_rtp_ext_get_abs_send_time(&e, &v, &err) == 0 && v == 0xabcdef);
	/* RFC 6464: V in the top bit, -dBov below; 127 is silence. */
	e = (struct rtc_rtp_ext){ .id = 1, .len = 1, .data = level_bytes };
	CHECK(rtc_rtp_ext_get_audio_level(&e, &voice, &level, &err) == 0 && !voice && level == 127);
	e.data = level_bytes + 1;
	CHECK(rtc_rtp_ext_get_audio_level(&e, &voice, &level, &err) == 0 && voice && level == 0);
	e = rtc_rtp_ext_audio_level(1, true, 200, buf);
	CHECK_INTEQ(buf[0], 0xff);
	e.len = 4;
	CHECK_INTEQ(rtc_rtp_ext_get_audio_level(&e, &voice, &level, &err), -1);
	/* mid and rid: trailing zeros dropped, syntax checked. */
	e = (struct rtc_rtp_ext){ .id = 4, .len = 4, .data = (const uint8_t *)"ab\0\0" };
	CHECK(rtc_rtp_ext_get_mid(&e, &s, &len, &err) == 0 && len == 2);
	e.data = (const uint8_t *)"\0\0\0\0";
	CHECK_INTEQ(rtc_rtp_ext_get_mid(&e, &s, &len, &err), -1);
	CHECK(strstr(err.message, "empty mid") != NULL);
	e.data = (const uint8_t *)"a\0b\0";
	CHECK_INTEQ(rtc_rtp_ext_get_mid(&e, &s, &len, &err), -1);
	e.data = (const uint8_t *)"a b ";
	CHECK_INTEQ(rtc_rtp_ext_get_mid(&e, &s, &len, &err), -1);
	e.data = (const uint8_t *)"hi-_";
	CHECK(rtc_rtp_ext_get_rid(&e, &s, &len, &err) == 0 && len == 4);
	e.data = (const uint8_t *)"h.i!";
	CHECK_INTEQ(rtc_rtp_ext_get_rid(&e, &s, &len, &err), -1);
	CHECK(rtc_rtp_ext_get_mid(&e, &s, &len, &err) == 0);   /* a token, though */
	CHECK_INTEQ(rtc_rtp_ext_rid(5, "q", 1, &e, &err), 0);
	CHECK_INTEQ(rtc_rtp_ext_rid(5, "", 0, &e, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK_INTEQ(rtc_rtp_ext_mid(5, "a:b", 3, &e, &err), -1);
	{
		char longest[257];

		memset(longest, 'a', sizeof(longest));
		CHECK_INTEQ(rtc_rtp_ext_rid(5, longest, 255, &e, &err), 0);
		CHECK_INTEQ(rtc_rtp_ext_rid(5, longest, 256, &e, &err), -1);
	}
}

static enum rtc_rtp_seq_result upd(struct rtc_rtp_seq *s, uint16_t seq, uint64_t *ext)
{
	*ext = UINT64_MAX;
	return rtc_rtp_seq_update(s, seq, ext);
}

static void test_seq_wrap_and_misorder(void)
{
	struct rtc_rtp_seq s;
	uint64_t ext;

	rtc_rtp_seq_init(&s, 0);
	CHECK_INTEQ(upd(&s, 65534, &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(ext, 65534);
	CHECK_INTEQ(upd(&s, 65535, &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(upd(&s, 1, &ext), RTC_RTP_SEQ_NEW);   /* 0 is late */
	CHECK_INTEQ(ext, 65537);
	CHECK_INTEQ(upd(&s, 0, &ext), RTC_RTP_SEQ_LATE);
	CHECK_INTEQ(ext, 65536);
	CHECK_INTEQ(upd(&s, 65535, &ext), RTC_RTP_SEQ_LATE);   /* back across the wrap */
	CHECK_INTEQ(ext, 65535);
	CHECK_INTEQ(upd(&s, 1, &ext), RTC_RTP_SEQ_LATE);        /* a duplicate of the highest */
	CHECK_INTEQ(ext, 65537);
	CHECK_INTEQ(s.max_ext, 65537);
	CHECK_INTEQ(rtc_rtp_seq_expected(&s), 4);
	CHECK_INTEQ(s.received, 6);
	CHECK_INTEQ(rtc_rtp_seq_report_highest(&s), 0x10001);
	/* Edges, as A.1 compares: 99 back is late, 100 back a jump (udelta
	 * 65436 is not above 65536 - MAX_MISORDER); 2999 ahead is new, 3000 a
	 * jump. */
	CHECK_INTEQ(upd(&s, (uint16_t)(1 - 99), &ext), RTC_RTP_SEQ_LATE);
	CHECK_INTEQ(ext, 65537 - 99);
	CHECK_INTEQ(upd(&s, (uint16_t)(1 - 100), &ext), RTC_RTP_SEQ_JUMP);
	CHECK_INTEQ(upd(&s, 1 + 3000, &ext), RTC_RTP_SEQ_JUMP);
	CHECK_INTEQ(upd(&s, 1 + 2999, &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(ext, 65537 + 2999);
	/* Many cycles: the extended number keeps counting. */
	for (unsigned i = 0; i < 5 * 65536 / 1000; i++)
		CHECK_INTEQ(upd(&s, (uint16_t)(s.max_ext + 1000), &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(ext, 65537 + 2999 + 327 * 1000);
}

static void test_seq_jump(void)
{
	struct rtc_rtp_seq s;
	uint64_t ext;

	rtc_rtp_seq_init(&s, 0);
	CHECK_INTEQ(upd(&s, 10, &ext), RTC_RTP_SEQ_NEW);
	/* One stray packet far away is dropped and changes nothing. */
	CHECK_INTEQ(upd(&s, 40000, &ext), RTC_RTP_SEQ_JUMP);
	CHECK_INTEQ(ext, UINT64_MAX);
	CHECK_INTEQ(upd(&s, 11, &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(ext, 11);
	/* Two in sequence: the sender restarted; numbers go on upwards. */
	CHECK_INTEQ(upd(&s, 40000, &ext), RTC_RTP_SEQ_JUMP);
	CHECK_INTEQ(upd(&s, 40001, &ext), RTC_RTP_SEQ_RESTART);
	CHECK_INTEQ(ext, 40001);
	CHECK_INTEQ(rtc_rtp_seq_expected(&s), 1);
	CHECK_INTEQ(s.received, 1);
	CHECK_INTEQ(upd(&s, 40002, &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(ext, 40002);
	/* A restart to a lower number moves to the next cycle. */
	CHECK_INTEQ(upd(&s, 5, &ext), RTC_RTP_SEQ_JUMP);
	CHECK_INTEQ(upd(&s, 6, &ext), RTC_RTP_SEQ_RESTART);
	CHECK_INTEQ(ext, 65536 + 6);
	/* The jump candidate is only the packet right after the stray one. */
	CHECK_INTEQ(upd(&s, 30000, &ext), RTC_RTP_SEQ_JUMP);
	CHECK_INTEQ(upd(&s, 30002, &ext), RTC_RTP_SEQ_JUMP);
	CHECK_INTEQ(upd(&s, 30001, &ext), RTC_RTP_SEQ_JUMP);
	CHECK_INTEQ(upd(&s, 30002, &ext), RTC_RTP_SEQ_RESTART);
}

static void test_seq_probation_and_too_old(void)
{
	struct rtc_rtp_seq s;
	uint64_t ext;

	rtc_rtp_seq_init(&s, RTC_RTP_SEQ_MIN_SEQUENTIAL);
	CHECK_INTEQ(upd(&s, 100, &ext), RTC_RTP_SEQ_PROBATION);
	CHECK_INTEQ(upd(&s, 200, &ext), RTC_RTP_SEQ_PROBATION);   /* not in sequence */
	CHECK_INTEQ(upd(&s, 201, &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(ext, 201);
	CHECK_INTEQ(s.received, 1);
	rtc_rtp_seq_init(&s, 3);
	CHECK_INTEQ(upd(&s, 65535, &ext), RTC_RTP_SEQ_PROBATION);
	CHECK_INTEQ(upd(&s, 0, &ext), RTC_RTP_SEQ_PROBATION);
	CHECK_INTEQ(upd(&s, 1, &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(ext, 1);
	/* A packet from before the first, across the wrap: no extended number. */
	rtc_rtp_seq_init(&s, 1);
	CHECK_INTEQ(upd(&s, 1, &ext), RTC_RTP_SEQ_NEW);
	CHECK_INTEQ(upd(&s, 65535, &ext), RTC_RTP_SEQ_TOO_OLD);
	CHECK_INTEQ(upd(&s, 0, &ext), RTC_RTP_SEQ_LATE);
	CHECK_INTEQ(ext, 0);
	CHECK_STREQ(rtc_rtp_seq_result_name(RTC_RTP_SEQ_TOO_OLD), "too-old");
}

static void test_srtp_index(void)
{
	uint32_t v, roc;
	uint16_t s_l;
	uint64_t i;

	/* RFC 3711 3.3.1, each branch. */
	CHECK(rtc_rtp_roc_guess(5, 100, 200, &v) && v == 5);
	CHECK(rtc_rtp_roc_guess(5, 100, 65000, &v) && v == 4);      /* late, from before the wrap */
	CHECK(rtc_rtp_roc_guess(5, 100, 32868, &v) && v == 5);      /* exactly 2^15 ahead */
	CHECK(rtc_rtp_roc_guess(5, 100, 32869, &v) && v == 4);
	CHECK(rtc_rtp_roc_guess(5, 65000, 10, &v) && v == 6);       /* after the wrap */
	CHECK(rtc_rtp_roc_guess(5, 65000, 40000, &v) && v == 5);
	CHECK(rtc_rtp_roc_guess(5, 40000, 7232, &v) && v == 5);     /* s_l - 2^15 == seq */
	CHECK(rtc_rtp_roc_guess(5, 40000, 7231, &v) && v == 6);
	CHECK(!rtc_rtp_roc_guess(0, 100, 65000, &v));               /* before the stream */
	CHECK(!rtc_rtp_roc_guess(UINT32_MAX, 65000, 10, &v));
	CHECK(rtc_rtp_srtp_index_guess(1, 65535, 0, &i) && i == 0x20000);
	roc = 1, s_l = 65535;
	rtc_rtp_srtp_index_update(&roc, &s_l, i);
	CHECK(roc == 2 && s_l == 0);
	rtc_rtp_srtp_index_update(&roc, &s_l, 0x1ffff);   /* a late one moves nothing */
	CHECK(roc == 2 && s_l == 0);
	CHECK(rtc_rtp_srtp_index_guess(roc, s_l, 65535, &i) && i == 0x1ffff);
}

static void test_ts_unwrap(void)
{
	struct rtc_rtp_ts_unwrap u;

	rtc_rtp_ts_unwrap_init(&u);
	CHECK_INTEQ(rtc_rtp_ts_unwrap(&u, 0xffffff00), 0xffffff00);
	CHECK_INTEQ(rtc_rtp_ts_unwrap(&u, 0x100), 0x100000100);
	CHECK_INTEQ(rtc_rtp_ts_unwrap(&u, 0xfffffff0), 0xfffffff0);   /* late */
	CHECK_INTEQ(rtc_rtp_ts_unwrap(&u, 0x7fffffff), 0x17fffffff);
	CHECK_INTEQ(rtc_rtp_ts_unwrap(&u, 0x100), 0x100000100);
	rtc_rtp_ts_unwrap_init(&u);
	CHECK_INTEQ(rtc_rtp_ts_unwrap(&u, 5), 5);
	CHECK_INTEQ(rtc_rtp_ts_unwrap(&u, 0xffffffff), -1);
	CHECK_INTEQ(rtc_rtp_ts_unwrap(&u, 6), 6);
}

int main(void)
{
	RUN(test_parse_fixed_header);
	RUN(test_rfc8285_one_byte);
	RUN(test_rfc8285_two_byte);
	RUN(test_write_rfc8285_layouts);
	RUN(test_auto_form);
	RUN(test_write_errors);
	RUN(test_round_trip);
	RUN(test_payload_in_place);
	RUN(test_chromium_opus);
	RUN(test_id15_stops);
	RUN(test_malformed);
	RUN(test_ext_payloads);
	RUN(test_seq_wrap_and_misorder);
	RUN(test_seq_jump);
	RUN(test_seq_probation_and_too_old);
	RUN(test_srtp_index);
	RUN(test_ts_unwrap);
	return rtc_test_done();
}
