/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTCP: the layouts of RFC 3550, RFC 4585, RFC 5104, the REMB and
 * transport-wide-cc drafts written out byte for byte from their figures;
 * a compound SR+SDES as Chromium sends it; NACK expansion and packing;
 * TWCC round trips across the sequence wrap and with large deltas; the
 * round trip of RFC 3550 figure 2; and every malformed packet refused.
 */
#include <string.h>

#include "check.h"
#include "engine/rtcp/rtcp.h"
#include "engine/rtcp/rtt.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct rtc_arena *arena;

static int parse(const uint8_t *buf, size_t len, struct rtc_rtcp_compound *c)
{
	struct rtc_error err = { 0 };
	int r = rtc_rtcp_parse(buf, len, arena, c, &err);

	if (r < 0)
		printf("# parse: %s\n", err.message);
	return r;
}

/* Writes the items and checks the bytes are exactly want. */
static void check_writes(const struct rtc_rtcp_item *items, size_t n, const uint8_t *want,
			 size_t want_len)
{
	uint8_t out[2048];
	struct rtc_error err = { 0 };
	long len = rtc_rtcp_write(items, n, out, sizeof(out), &err);

	CHECK_INTEQ(len, want_len);
	if (len == (long)want_len && memcmp(out, want, want_len) != 0) {
		for (size_t i = 0; i < want_len; i++)
			if (out[i] != want[i])
				printf("# byte %zu: 0x%02x, want 0x%02x\n", i, out[i], want[i]);
		CHECK(0);
	}
	if (len < 0)
		printf("# write: %s\n", err.message);
}

/* As Chromium sends it while only sending: an SR without report blocks
 * and an SDES with the 16-character CNAME it draws per peer connection
 * (constructed from RFC 3550 6.4.1 and 6.5 with values of that shape). */
static const uint8_t chromium_sr_sdes[] = {
	0x80, 0xc8, 0x00, 0x06,                         /* SR, RC 0, 7 words */
	0x5a, 0x3b, 0x9c, 0x41,                         /* SSRC */
	0xe8, 0x2e, 0x5f, 0x2a, 0x4c, 0x6a, 0x7e, 0xf9, /* NTP */
	0x3c, 0x1a, 0x8b, 0x00,                         /* RTP timestamp */
	0x00, 0x00, 0x01, 0x31,                         /* 305 packets */
	0x00, 0x02, 0xf8, 0xa0,                         /* 194720 octets */
	0x81, 0xca, 0x00, 0x06,                         /* SDES, SC 1, 7 words */
	0x5a, 0x3b, 0x9c, 0x41,
	0x01, 0x10, 'm', '7', 'X', '2', 'o', 'F', '8', 'l', 'K', 'q', 'Y', 'd', '0', 'W',
	'c', '3', 0x00, 0x00,                           /* end, pad to the word */
};

static void test_chromium_sr_sdes(void)
{
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(chromium_sr_sdes, sizeof(chromium_sr_sdes), &c), 0);
	CHECK_INTEQ(c.count, 2);
	CHECK(!c.reduced_size);
	CHECK_INTEQ(c.skipped, 0);
	if (c.count != 2)
		return;
	CHECK_INTEQ(c.items[0].type, RTC_RTCP_SR);
	CHECK_INTEQ(c.items[0].sr.ssrc, 0x5a3b9c41);
	CHECK(c.items[0].sr.ntp == 0xe82e5f2a4c6a7ef9ull);
	CHECK_INTEQ(c.items[0].sr.rtp_ts, 0x3c1a8b00);
	CHECK_INTEQ(c.items[0].sr.packet_count, 305);
	CHECK_INTEQ(c.items[0].sr.octet_count, 194720);
	CHECK_INTEQ(c.items[0].sr.report_count, 0);
	CHECK_INTEQ(c.items[1].type, RTC_RTCP_SDES);
	CHECK_INTEQ(c.items[1].sdes.chunk_count, 1);
	CHECK_INTEQ(c.items[1].sdes.chunks[0].ssrc, 0x5a3b9c41);
	CHECK_INTEQ(c.items[1].sdes.chunks[0].cname_len, 16);
	CHECK_STREQ(c.items[1].sdes.chunks[0].cname, "m7X2oF8lKqYd0Wc3");
	check_writes(c.items, c.count, chromium_sr_sdes, sizeof(chromium_sr_sdes));
}

/* RFC 3550 6.4.1/6.4.2: an SR with one block, then an RR with two. */
static const uint8_t sr_rr[] = {
	0x81, 0xc8, 0x00, 0x0c,
	0x00, 0x00, 0x00, 0x01,
	0xb4, 0x4d, 0xb7, 0x05, 0x20, 0x00, 0x00, 0x00, /* figure 2's SR time */
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x03, 0xe8,
	0x00, 0x00, 0x00, 0x02, 0x40, 0xff, 0xff, 0xff, /* 1/4 lost, cumulative -1 */
	0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x20,
	0xb7, 0x05, 0x20, 0x00, 0x00, 0x05, 0x40, 0x00,
	0x82, 0xc9, 0x00, 0x0d,
	0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x7f, 0xff, 0xff, /* cumulative 2^23 - 1 */
	0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0xff, 0x80, 0x00, 0x00, /* cumulative -2^23 */
	0x00, 0x00, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78,
	0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9,
};

static void test_sr_rr_layout(void)
{
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(sr_rr, sizeof(sr_rr), &c), 0);
	if (c.count != 2) {
		CHECK(0);
		return;
	}
	const struct rtc_rtcp_sr *sr = &c.items[0].sr;
	const struct rtc_rtcp_rr *rr = &c.items[1].rr;

	CHECK(sr->ntp == 0xb44db70520000000ull);
	CHECK_INTEQ(sr->rtp_ts, 0x1000);
	CHECK_INTEQ(sr->packet_count, 10);
	CHECK_INTEQ(sr->octet_count, 1000);
	CHECK_INTEQ(sr->report_count, 1);
	CHECK_INTEQ(sr->reports[0].ssrc, 2);
	CHECK_INTEQ(sr->reports[0].fraction_lost, 0x40);
	CHECK_INTEQ(sr->reports[0].cumulative_lost, -1);
	CHECK_INTEQ(sr->reports[0].highest_seq, 0x10005);
	CHECK_INTEQ(sr->reports[0].jitter, 32);
	CHECK_INTEQ(sr->reports[0].lsr, 0xb7052000);
	CHECK_INTEQ(sr->reports[0].dlsr, 0x00054000);
	CHECK_INTEQ(c.items[1].type, RTC_RTCP_RR);
	CHECK_INTEQ(rr->ssrc, 3);
	CHECK_INTEQ(rr->report_count, 2);
	CHECK_INTEQ(rr->reports[0].cumulative_lost, 0x7fffff);
	CHECK_INTEQ(rr->reports[0].highest_seq, 0xffff);
	CHECK_INTEQ(rr->reports[1].fraction_lost, 0xff);
	CHECK_INTEQ(rr->reports[1].cumulative_lost, -0x800000);
	CHECK_INTEQ(rr->reports[1].lsr, 0x9abcdef0);
	check_writes(c.items, c.count, sr_rr, sizeof(sr_rr));
}

/* An RR followed by a profile extension (RFC 3550 6.4.3): ignored. */
static void test_report_extension_ignored(void)
{
	static const uint8_t rr[] = { 0x80, 0xc9, 0x00, 0x02, 0, 0, 0, 9, 0xde, 0xad, 0xbe, 0xef };
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(rr, sizeof(rr), &c), 0);
	CHECK_INTEQ(c.count, 1);
	CHECK_INTEQ(c.items[0].rr.ssrc, 9);
	CHECK_INTEQ(c.items[0].rr.report_count, 0);
}

/* RFC 3550 6.5: two chunks; the first has NAME before CNAME (stepped
 * over), the second no items at all. Written back, CNAME alone stays. */
static void test_sdes(void)
{
	static const uint8_t in[] = {
		0x82, 0xca, 0x00, 0x06,
		0x00, 0x00, 0x00, 0x11,
		0x02, 0x02, 'h', 'i', 0x01, 0x03, 'a', '@', 'b', 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x22, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t out[] = {
		0x82, 0xca, 0x00, 0x05,
		0x00, 0x00, 0x00, 0x11, 0x01, 0x03, 'a', '@', 'b', 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x22, 0x00, 0x00, 0x00, 0x00,
	};
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(in, sizeof(in), &c), 0);
	CHECK(c.reduced_size);
	CHECK_INTEQ(c.items[0].sdes.chunk_count, 2);
	CHECK_STREQ(c.items[0].sdes.chunks[0].cname, "a@b");
	CHECK(c.items[0].sdes.chunks[1].cname == NULL);
	CHECK_INTEQ(c.items[0].sdes.chunks[1].ssrc, 0x22);
	check_writes(c.items, 1, out, sizeof(out));
}

/* RFC 3550 6.6: with and without a reason. */
static void test_bye(void)
{
	static const uint8_t bye[] = {
		0x82, 0xcb, 0x00, 0x04,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
		0x05, 'c', 'l', 'o', 's', 'e', 0x00, 0x00,
		0x80, 0xcb, 0x00, 0x00,                 /* BYE of nobody: legal */
	};
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(bye, sizeof(bye), &c), 0);
	CHECK_INTEQ(c.count, 2);
	CHECK_INTEQ(c.items[0].bye.ssrc_count, 2);
	CHECK_INTEQ(c.items[0].bye.ssrcs[1], 2);
	CHECK_INTEQ(c.items[0].bye.reason_len, 5);
	CHECK_STREQ(c.items[0].bye.reason, "close");
	CHECK_INTEQ(c.items[1].bye.ssrc_count, 0);
	CHECK(c.items[1].bye.reason == NULL);
	check_writes(c.items, c.count, bye, sizeof(bye));
}

/* RFC 4585 6.2.1: PID 100 with BLP bits 0 and 15: 100, 101 and 116; a
 * second word across the wrap. */
static const uint8_t nack[] = {
	0x81, 0xcd, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x64, 0x80, 0x01,
	0xff, 0xfe, 0x00, 0x06,
};

static void test_nack(void)
{
	static const uint16_t want[] = { 100, 101, 116, 65534, 0, 1 };
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(nack, sizeof(nack), &c), 0);
	CHECK_INTEQ(c.items[0].type, RTC_RTCP_NACK);
	CHECK_INTEQ(c.items[0].nack.sender_ssrc, 1);
	CHECK_INTEQ(c.items[0].nack.media_ssrc, 2);
	CHECK_INTEQ(c.items[0].nack.seq_count, LEN(want));
	for (size_t i = 0; i < LEN(want) && i < c.items[0].nack.seq_count; i++)
		CHECK_INTEQ(c.items[0].nack.seqs[i], want[i]);
	check_writes(c.items, 1, nack, sizeof(nack));
}

static void nack_round_trip(const uint16_t *seqs, size_t n, size_t words)
{
	struct rtc_rtcp_item item = { .type = RTC_RTCP_NACK,
				      .nack = { .seq_count = n, .seqs = (uint16_t *)seqs } };
	struct rtc_rtcp_compound c;
	uint8_t buf[512];
	long len = rtc_rtcp_write(&item, 1, buf, sizeof(buf), NULL);

	CHECK_INTEQ(rtc_rtcp_nack_fci_count(seqs, n), words);
	CHECK_INTEQ(len, 12 + 4 * (long)words);
	CHECK_INTEQ(parse(buf, (size_t)len, &c), 0);
	CHECK_INTEQ(c.items[0].nack.seq_count, n);
	for (size_t i = 0; i < n && i < c.items[0].nack.seq_count; i++)
		CHECK_INTEQ(c.items[0].nack.seqs[i], seqs[i]);
}

static void test_nack_packing(void)
{
	uint16_t run[40], out[17];

	for (unsigned i = 0; i < 40; i++)
		run[i] = (uint16_t)(65530 + i);   /* across the wrap */
	nack_round_trip(run, 17, 1);             /* PID and all 16 bits */
	nack_round_trip(run, 18, 2);
	nack_round_trip(run, 40, 3);
	static const uint16_t apart[] = { 5, 22, 23 };       /* 22 is 17 after 5 */
	nack_round_trip(apart, LEN(apart), 2);
	static const uint16_t unordered[] = { 5, 7, 6, 6 };  /* order and repeats kept */
	nack_round_trip(unordered, LEN(unordered), 3);
	static const uint16_t one[] = { 0 };
	nack_round_trip(one, 1, 1);
	CHECK_INTEQ(rtc_rtcp_nack_expand(7, 0, out), 1);
	CHECK_INTEQ(rtc_rtcp_nack_expand(65535, 0xffff, out), 17);
	CHECK_INTEQ(out[1], 0);
	CHECK_INTEQ(out[16], 15);
}

/* RFC 4585 6.3.1 PLI, RFC 5104 4.3.1 FIR with two entries. */
static void test_pli_fir(void)
{
	static const uint8_t in[] = {
		0x81, 0xce, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
		0x84, 0xce, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x02, 0x07, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x03, 0xff, 0x00, 0x00, 0x00,
	};
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(in, sizeof(in), &c), 0);
	CHECK(c.reduced_size);
	CHECK_INTEQ(c.count, 2);
	CHECK_INTEQ(c.items[0].type, RTC_RTCP_PLI);
	CHECK_INTEQ(c.items[0].pli.media_ssrc, 2);
	CHECK_INTEQ(c.items[1].type, RTC_RTCP_FIR);
	CHECK_INTEQ(c.items[1].fir.entry_count, 2);
	CHECK_INTEQ(c.items[1].fir.entries[0].ssrc, 2);
	CHECK_INTEQ(c.items[1].fir.entries[0].seq_nr, 7);
	CHECK_INTEQ(c.items[1].fir.entries[1].seq_nr, 255);
	check_writes(c.items, c.count, in, sizeof(in));
}

/* draft-alvestrand-rmcat-remb-03 2.2: 'REMB', one SSRC, exp 2 and
 * mantissa 0x3d090 (250000): 1 Mbit/s. */
static void test_remb(void)
{
	static const uint8_t in[] = {
		0x8f, 0xce, 0x00, 0x05,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		'R', 'E', 'M', 'B', 0x01, 0x0b, 0xd0, 0x90,
		0x12, 0x34, 0x56, 0x78,
	};
	struct rtc_rtcp_compound c;
	struct rtc_rtcp_remb r = { 0 };

	CHECK_INTEQ(parse(in, sizeof(in), &c), 0);
	CHECK_INTEQ(c.items[0].type, RTC_RTCP_REMB);
	CHECK_INTEQ(c.items[0].remb.exp, 2);
	CHECK_INTEQ(c.items[0].remb.mantissa, 0x3d090);
	CHECK_INTEQ(rtc_rtcp_remb_bitrate(&c.items[0].remb), 1000000);
	CHECK_INTEQ(c.items[0].remb.ssrc_count, 1);
	CHECK_INTEQ(c.items[0].remb.ssrcs[0], 0x12345678);
	check_writes(c.items, 1, in, sizeof(in));
	rtc_rtcp_remb_set_bitrate(&r, 1000000);
	CHECK_INTEQ(r.exp, 2);
	CHECK_INTEQ(r.mantissa, 250000);
	rtc_rtcp_remb_set_bitrate(&r, 0x3ffff);
	CHECK_INTEQ(r.exp, 0);
	r.exp = 63, r.mantissa = 0x3ffff;
	CHECK(rtc_rtcp_remb_bitrate(&r) == UINT64_MAX);
}

/* APP, XR, TMMBR and application feedback other than REMB are skipped. */
static void test_unknown_skipped(void)
{
	static const uint8_t in[] = {
		0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,           /* RR */
		0x80, 0xcc, 0x00, 0x02, 0, 0, 0, 1, 'n', 'a', 'm', 'e',   /* APP */
		0x80, 0xcf, 0x00, 0x01, 0, 0, 0, 1,                       /* XR */
		0x83, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2,           /* TMMBR */
		0x8f, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 'A', 'B', 'C', 'D',
		0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2,           /* PLI */
	};
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(in, sizeof(in), &c), 0);
	CHECK_INTEQ(c.count, 2);
	CHECK_INTEQ(c.skipped, 4);
	CHECK_INTEQ(c.items[0].type, RTC_RTCP_RR);
	CHECK_INTEQ(c.items[1].type, RTC_RTCP_PLI);
}

/* Padding (P bit) on the last packet, its count in its last octet. */
static void test_padding(void)
{
	static const uint8_t in[] = {
		0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
		0xa1, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4,
	};
	struct rtc_rtcp_compound c;

	CHECK_INTEQ(parse(in, sizeof(in), &c), 0);
	CHECK_INTEQ(c.count, 2);
	CHECK_INTEQ(c.items[1].type, RTC_RTCP_PLI);
}

/* Transport-wide feedback with a 2-bit vector, across the wrap: 0xfffd
 * small (16 = 4 ms), 0xfffe lost, 0xffff large (-200 = -50 ms), 0x0000
 * small (0), 0x0001 small (255); reference time -1 (x 64 ms), count 7. */
static const uint8_t twcc_vector[] = {
	0x8f, 0xcd, 0x00, 0x06,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0xff, 0xfd, 0x00, 0x05, 0xff, 0xff, 0xff, 0x07,
	0xd2, 0x50,                                  /* 11 01 00 10 01 01 00 00 */
	0x10, 0xff, 0x38, 0x00, 0xff, 0x00,          /* deltas, zero padding */
};

static void test_twcc_vector(void)
{
	static const struct { uint16_t seq; int32_t delta; int64_t at; } want[] = {
		{ 0xfffd, 16, -60000 }, { 0xffff, -200, -110000 },
		{ 0x0000, 0, -110000 }, { 0x0001, 255, -46250 },
	};
	struct rtc_rtcp_compound c;
	int64_t at[4];

	CHECK_INTEQ(parse(twcc_vector, sizeof(twcc_vector), &c), 0);
	const struct rtc_rtcp_twcc *fb = &c.items[0].twcc;
	CHECK_INTEQ(c.items[0].type, RTC_RTCP_TWCC);
	CHECK_INTEQ(fb->base_seq, 0xfffd);
	CHECK_INTEQ(fb->status_count, 5);
	CHECK_INTEQ(fb->reference_time, -1);
	CHECK_INTEQ(fb->fb_count, 7);
	CHECK_INTEQ(fb->received_count, 4);
	if (fb->received_count != 4)
		return;
	rtc_rtcp_twcc_arrivals_us(fb, at);
	for (size_t i = 0; i < 4; i++) {
		CHECK_INTEQ(fb->received[i].seq, want[i].seq);
		CHECK_INTEQ(fb->received[i].delta, want[i].delta);
		CHECK_INTEQ(at[i], want[i].at);
	}
	check_writes(c.items, 1, twcc_vector, sizeof(twcc_vector));
}

/* The draft's run chunk example, 0x20dd: 221 packets received with small
 * deltas; then a 1-bit vector 0x8e38 (00111000111000) of 14 more. */
static void test_twcc_run_and_one_bit(void)
{
	uint8_t in[20 + 4 + 227 + 1] = {
		0x8f, 0xcd, 0x00, 0x00, 0, 0, 0, 1, 0, 0, 0, 2,
		0x03, 0xe8, 0x00, 0xeb, 0x00, 0x10, 0x00, 0x00,
		0x20, 0xdd, 0x8e, 0x38,
	};
	struct rtc_rtcp_compound c;

	in[3] = (uint8_t)(sizeof(in) / 4 - 1);
	for (size_t i = 0; i < 227; i++)
		in[24 + i] = (uint8_t)i;
	CHECK_INTEQ(sizeof(in) % 4, 0);
	CHECK_INTEQ(parse(in, sizeof(in), &c), 0);
	const struct rtc_rtcp_twcc *fb = &c.items[0].twcc;
	CHECK_INTEQ(fb->base_seq, 1000);
	CHECK_INTEQ(fb->status_count, 235);
	CHECK_INTEQ(fb->reference_time, 0x1000);
	CHECK_INTEQ(fb->received_count, 227);
	if (fb->received_count != 227)
		return;
	CHECK_INTEQ(fb->received[220].seq, 1220);
	CHECK_INTEQ(fb->received[221].seq, 1223);   /* statuses 221, 222 lost */
	CHECK_INTEQ(fb->received[226].seq, 1231);
	CHECK_INTEQ(fb->received[226].delta, 226);
	check_writes(c.items, 1, in, sizeof(in));
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void twcc_round_trip(const struct rtc_rtcp_twcc *fb, long max_len)
{
	struct rtc_rtcp_item item = { .type = RTC_RTCP_TWCC, .twcc = *fb };
	struct rtc_rtcp_compound c;
	struct rtc_error err = { 0 };
	static uint8_t buf[140000];
	long len = rtc_rtcp_write(&item, 1, buf, sizeof(buf), &err);

	if (len < 0) {
		printf("# %s\n", err.message);
		CHECK(0);
		return;
	}
	if (max_len)
		CHECK(len <= max_len);
	CHECK_INTEQ(parse(buf, (size_t)len, &c), 0);
	const struct rtc_rtcp_twcc *got = &c.items[0].twcc;
	CHECK_INTEQ(got->base_seq, fb->base_seq);
	CHECK_INTEQ(got->status_count, fb->status_count);
	CHECK_INTEQ(got->reference_time, fb->reference_time);
	CHECK_INTEQ(got->fb_count, fb->fb_count);
	CHECK_INTEQ(got->received_count, fb->received_count);
	for (size_t i = 0; i < fb->received_count && i < got->received_count; i++) {
		CHECK_INTEQ(got->received[i].seq, fb->received[i].seq);
		CHECK_INTEQ(got->received[i].delta, fb->received[i].delta);
	}
}

static void test_twcc_round_trips(void)
{
	static struct rtc_rtcp_twcc_packet pk[65535];
	struct rtc_rtcp_twcc fb = { .sender_ssrc = 1, .base_seq = 65500, .status_count = 100,
				    .reference_time = -0x800000, .fb_count = 255,
				    .received = pk };
	static const int32_t deltas[] = { 0, 255, 256, -1, 32767, -32768, 1000, 4 };
	uint32_t seed = 1;

	/* Across the wrap, every delta size at its limits, a few lost. */
	for (unsigned i = 0; i < 100; i++)
		if (i % 9 != 4)
			pk[fb.received_count++] = (struct rtc_rtcp_twcc_packet){
				(uint16_t)(65500 + i), deltas[i % LEN(deltas)] };
	twcc_round_trip(&fb, 0);
	/* Only the first and the last of 65535: runs of at most 8191 lost. */
	fb.base_seq = 3, fb.status_count = 65535, fb.reference_time = 0x7fffff;
	pk[0] = (struct rtc_rtcp_twcc_packet){ 3, 1 };
	pk[1] = (struct rtc_rtcp_twcc_packet){ 1, 300 };   /* 3 + 65534 */
	fb.received_count = 2;
	twcc_round_trip(&fb, 20 + 2 * 10 + 3 + 1);
	/* All received with small deltas: runs, two bytes per 8191. */
	fb.base_seq = 65535, fb.status_count = 20000, fb.received_count = 20000;
	for (unsigned i = 0; i < 20000; i++)
		pk[i] = (struct rtc_rtcp_twcc_packet){ (uint16_t)(65535 + i), 1 };
	twcc_round_trip(&fb, 20 + 2 * 3 + 20000 + 2);
	/* Nothing to report. */
	fb.status_count = 0, fb.received_count = 0;
	twcc_round_trip(&fb, 20);
	/* Random patterns: loss in bursts and alone, deltas of every size. */
	for (int round = 0; round < 300; round++) {
		fb.base_seq = (uint16_t)lcg(&seed);
		fb.status_count = (uint16_t)(1 + lcg(&seed) % 700);
		fb.reference_time = (int32_t)(lcg(&seed) % 0x1000000) - 0x800000;
		fb.received_count = 0;
		unsigned loss = lcg(&seed) % 4;
		for (unsigned i = 0; i < fb.status_count; i++) {
			if (lcg(&seed) % 8 < loss)
				continue;
			unsigned kind = lcg(&seed) % 10;
			int32_t d = kind < 7 ? (int32_t)(lcg(&seed) % 256) :
				    (int32_t)(lcg(&seed) % 65536) - 32768;
			pk[fb.received_count++] = (struct rtc_rtcp_twcc_packet){
				(uint16_t)(fb.base_seq + i), d };
		}
		twcc_round_trip(&fb, 0);
	}
}

static void expect_write_error(const struct rtc_rtcp_item *item, enum rtc_error_kind kind,
			       size_t cap, const char *words)
{
	uint8_t buf[4096];
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_rtcp_write(item, 1, buf, cap, &err), -1);
	CHECK_INTEQ(err.kind, kind);
	if (!strstr(err.message, words)) {
		printf("# error \"%s\" lacks \"%s\"\n", err.message, words);
		CHECK(0);
	}
}

static void test_write_refuses(void)
{
	struct rtc_rtcp_report_block blocks[32] = { 0 };
	uint32_t ssrcs[32] = { 0 };
	struct rtc_rtcp_twcc_packet pk[2] = { { 10, 1 }, { 12, 1 } };
	struct rtc_rtcp_item item = { .type = RTC_RTCP_RR,
				      .rr = { .report_count = 32, .reports = blocks } };

	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "at most 31");
	item.rr.report_count = 1;
	blocks[0].cumulative_lost = 0x800000;
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "24 bits");
	blocks[0].cumulative_lost = 0;
	expect_write_error(&item, RTC_ERROR_RANGE, 31, "needs 32 bytes");
	item = (struct rtc_rtcp_item){ .type = RTC_RTCP_BYE,
				       .bye = { .ssrc_count = 32, .ssrcs = ssrcs } };
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "at most 31");
	item = (struct rtc_rtcp_item){ .type = RTC_RTCP_NACK };
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "without sequence numbers");
	item = (struct rtc_rtcp_item){ .type = RTC_RTCP_FIR };
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "without entries");
	item = (struct rtc_rtcp_item){ .type = RTC_RTCP_REMB, .remb = { .mantissa = 0x40000 } };
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "too large");
	item = (struct rtc_rtcp_item){ .type = RTC_RTCP_TWCC,
				       .twcc = { .base_seq = 10, .status_count = 2,
						 .received_count = 2, .received = pk } };
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "within 2 statuses");
	item.twcc.status_count = 3;
	pk[1].seq = 10;
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "not after");
	pk[1] = (struct rtc_rtcp_twcc_packet){ 11, 32768 };
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "does not fit 16 bits");
	pk[1].delta = 0;
	item.twcc.reference_time = 0x800000;
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "reference time");
	item = (struct rtc_rtcp_item){ .type = (enum rtc_rtcp_item_type)99 };
	expect_write_error(&item, RTC_ERROR_TYPE, 4096, "unknown RTCP item");
}

static void expect_error(const uint8_t *buf, size_t len, const char *words)
{
	struct rtc_rtcp_compound c;
	struct rtc_error err = { 0 };
	uint8_t *copy = malloc(len ? len : 1);   /* so ASan sees any overread */

	memcpy(copy, buf, len);
	CHECK_INTEQ(rtc_rtcp_parse(copy, len, arena, &c, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	if (!strstr(err.message, words)) {
		printf("# error \"%s\" lacks \"%s\"\n", err.message, words);
		CHECK(0);
	}
	free(copy);
}

#define EXPECT_ERROR(words, ...) do { \
	static const uint8_t b_[] = { __VA_ARGS__ }; \
	expect_error(b_, sizeof(b_), words); \
} while (0)

static void test_malformed(void)
{
	expect_error(chromium_sr_sdes, 0, "empty");
	/* Every cut of the Chromium packet but the one between its two. */
	for (size_t n = 1; n < sizeof(chromium_sr_sdes); n++)
		if (n != 28)
			expect_error(chromium_sr_sdes, n, n < 4 || (n > 28 && n < 32) ?
				     "shorter than a header" : "length says 28 bytes");
	EXPECT_ERROR("version 1", 0x40, 0xc9, 0x00, 0x01, 0, 0, 0, 1);
	EXPECT_ERROR("version 0", 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1, 0x00, 0xc9, 0x00, 0x00);
	EXPECT_ERROR("length says 12 bytes, 8 remain", 0x80, 0xc9, 0x00, 0x02, 0, 0, 0, 1);
	EXPECT_ERROR("2 bytes are shorter", 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1, 0x80, 0xc9);
	EXPECT_ERROR("padding of 0", 0xa0, 0xc9, 0x00, 0x01, 0, 0, 0, 0);
	EXPECT_ERROR("padding of 9", 0xa0, 0xc9, 0x00, 0x01, 0, 0, 0, 9);
	EXPECT_ERROR("padding of 0 in a body of 0", 0xa0, 0xcc, 0x00, 0x00);
	EXPECT_ERROR("shorter than its 24-byte sender info", 0x80, 0xc8, 0x00, 0x01, 0, 0, 0, 1);
	EXPECT_ERROR("2 report blocks need 48 bytes, 24 are there",
		     0x82, 0xc9, 0x00, 0x07, 0, 0, 0, 1,
		     0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	EXPECT_ERROR("without its SSRC", 0x80, 0xc9, 0x00, 0x00);
	/* RR whose block loses its last word to padding. */
	EXPECT_ERROR("1 report blocks need 24 bytes, 20",
		     0xa1, 0xc9, 0x00, 0x07, 0, 0, 0, 1,
		     0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4);
	EXPECT_ERROR("SDES chunk 1 of 2 is missing", 0x82, 0xca, 0x00, 0x02, 0, 0, 0, 1,
		     0, 0, 0, 0);
	EXPECT_ERROR("SDES chunk 0 has no end", 0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1,
		     0x01, 0x02, 'a', 'b');
	EXPECT_ERROR("SDES item 1 of chunk 0: 9 bytes, 2 remain", 0x81, 0xca, 0x00, 0x02,
		     0, 0, 0, 1, 0x01, 0x09, 'a', 'b');
	EXPECT_ERROR("has no length", 0xa1, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0, 0, 3);
	EXPECT_ERROR("runs past the packet", 0xa1, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x00, 0, 0, 3);
	EXPECT_ERROR("SDES chunk 0 of 1 is missing", 0x81, 0xca, 0x00, 0x00);
	EXPECT_ERROR("BYE of 2 sources in 4 bytes", 0x82, 0xcb, 0x00, 0x01, 0, 0, 0, 1);
	EXPECT_ERROR("BYE reason of 4 bytes, 3 remain", 0x81, 0xcb, 0x00, 0x02, 0, 0, 0, 1,
		     0x04, 'a', 'b', 'c');
	EXPECT_ERROR("lacks its two SSRCs", 0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1);
	EXPECT_ERROR("lacks its two SSRCs", 0x81, 0xcd, 0x00, 0x01, 0, 0, 0, 1);
	EXPECT_ERROR("generic NACK with 0 bytes", 0x81, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2);
	EXPECT_ERROR("generic NACK with 2 bytes", 0xa1, 0xcd, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2,
		     0, 1, 0, 2);
	EXPECT_ERROR("FIR with 0 bytes", 0x84, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0);
	EXPECT_ERROR("FIR with 4 bytes", 0x84, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0,
		     0, 0, 0, 2);
	EXPECT_ERROR("REMB of 12 bytes has no bitrate", 0x8f, 0xce, 0x00, 0x03, 0, 0, 0, 1,
		     0, 0, 0, 0, 'R', 'E', 'M', 'B');
	EXPECT_ERROR("REMB of 2 SSRCs", 0x8f, 0xce, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0,
		     'R', 'E', 'M', 'B', 0x02, 0x0b, 0xd0, 0x90, 0, 0, 0, 1);
	EXPECT_ERROR("shorter than its 16-byte header", 0x8f, 0xcd, 0x00, 0x03, 0, 0, 0, 1,
		     0, 0, 0, 2, 0, 0, 0, 1);
	EXPECT_ERROR("chunks end after 0 of 1 statuses", 0x8f, 0xcd, 0x00, 0x04,
		     0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0);
	EXPECT_ERROR("chunks end after 14 of 15 statuses", 0x8f, 0xcd, 0x00, 0x05,
		     0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 15, 0, 0, 0, 0, 0x80, 0x00, 0, 0);
	EXPECT_ERROR("TWCC run of the reserved symbol", 0x8f, 0xcd, 0x00, 0x05,
		     0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x01, 0, 0);
	EXPECT_ERROR("status vector with the reserved", 0x8f, 0xcd, 0x00, 0x05,
		     0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0xdc, 0x00, 0, 0);
	EXPECT_ERROR("deltas need 4 bytes, 2 remain", 0x8f, 0xcd, 0x00, 0x05,
		     0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0x40, 0x02, 0, 0);
	EXPECT_ERROR("has 5 bytes after its deltas", 0x8f, 0xcd, 0x00, 0x06,
		     0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x20, 0x01, 0x05, 0,
		     0, 0, 0, 0);
	/* The error names the packet it is in. */
	EXPECT_ERROR("RTCP packet 1 (type 205)", 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1,
		     0x81, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2);
}

/* RFC 3550 6.4.1 figure 2: SR at 0xb44db705:20000000 (LSR 0xb705:2000),
 * held 5.25 s (DLSR 0x0005:4000), the report back at A = 0xb710:8000:
 * delay 0x0006:2000, 6.125 s. */
static void test_rtt_rfc3550(void)
{
	uint64_t rtt = 1;

	CHECK_INTEQ(rtc_rtcp_ntp_short(0xb44db70520000000ull), 0xb7052000);
	CHECK(rtc_rtcp_rtt(0xb7108000, 0xb7052000, 0x00054000, &rtt));
	CHECK_INTEQ(rtt, 6125000000ll);
	CHECK_INTEQ(rtc_rtcp_short_to_ns(0x00054000), 5250000000ll);
	CHECK_INTEQ(rtc_rtcp_short_from_ns(5250000000ull), 0x00054000);
	CHECK_INTEQ(rtc_rtcp_short_from_ns(100000ull * 1000000000u), UINT32_MAX);
	CHECK(!rtc_rtcp_rtt(0xb7108000, 0, 0, &rtt));              /* no SR yet */
	CHECK(rtc_rtcp_rtt(0xb7108000, 0xb7108000, 0x10, &rtt));   /* skew */
	CHECK_INTEQ(rtt, 0);
	/* Across the wrap of the 16.16 clock: 2 s there, 1 s held. */
	CHECK(rtc_rtcp_rtt(0x00018000, 0xffff8000, 0x00010000, &rtt));
	CHECK_INTEQ(rtt, 1000000000ll);
	/* 50 ms each way plus 10 ms held, from engine nanoseconds. */
	uint64_t sent = 1000000000000ull, back = sent + 110000000ull;
	CHECK(rtc_rtcp_rtt(rtc_rtcp_ntp_short(rtc_rtcp_ntp_from_ns(back)),
			   rtc_rtcp_ntp_short(rtc_rtcp_ntp_from_ns(sent)),
			   rtc_rtcp_short_from_ns(10000000), &rtt));
	CHECK(rtt > 99990000 && rtt < 100010000);
}

static void test_ntp_ns(void)
{
	CHECK(rtc_rtcp_ntp_from_ns(1500000000) == 0x180000000ull);
	CHECK_INTEQ(rtc_rtcp_ntp_to_ns(0x180000000ull), 1500000000);
	CHECK_INTEQ(rtc_rtcp_ntp_to_ns(0xb44db70520000000ull),
		    3024992005125000000ll);   /* figure 2: 3024992005.125 s */
	for (uint64_t ns = 0; ns < 5000000000ull; ns += 123456789)
		CHECK_INTEQ(rtc_rtcp_ntp_to_ns(rtc_rtcp_ntp_from_ns(ns)), ns);
	CHECK_INTEQ(RTC_RTCP_NTP_UNIX_OFFSET, 2208988800u);
}

/* Audio at 48 kHz and video at 90 kHz from one sender, each with its own
 * SR: frames captured at the same instant map to the same NTP time. */
static void test_lip_sync(void)
{
	struct rtc_rtcp_sync audio, video;
	uint64_t base = 0xe82e5f2a00000000ull, a, v;
	uint32_t ts;

	rtc_rtcp_sync_init(&audio, 48000);
	rtc_rtcp_sync_init(&video, 90000);
	CHECK(!rtc_rtcp_sync_rtp_to_ntp(&audio, 0, &a));
	rtc_rtcp_sync_update(&audio, base, 4294967000u);          /* about to wrap */
	rtc_rtcp_sync_update(&video, base + (1ull << 31), 1000);  /* 0.5 s later */
	/* 1.5 s after base: audio 72000 ticks past its SR, video 90000. */
	CHECK(rtc_rtcp_sync_rtp_to_ntp(&audio, 4294967000u + 72000u, &a));
	CHECK(rtc_rtcp_sync_rtp_to_ntp(&video, 1000 + 90000, &v));
	CHECK(a == base + (3ull << 31));
	CHECK(v == a);
	/* Before the SR, and back. */
	CHECK(rtc_rtcp_sync_rtp_to_ntp(&video, 1000 - 45000, &v));
	CHECK(v == base);
	CHECK(rtc_rtcp_sync_ntp_to_rtp(&video, base, &ts));
	CHECK_INTEQ(ts, (uint32_t)(1000 - 45000));
	CHECK(rtc_rtcp_sync_ntp_to_rtp(&audio, base + (3ull << 31), &ts));
	CHECK_INTEQ(ts, (uint32_t)(4294967000u + 72000u));
	/* A reordered, older SR does not move the mapping back. */
	rtc_rtcp_sync_update(&video, base, 5);
	CHECK(video.ntp == base + (1ull << 31) && video.rtp_ts == 1000);
}

static void test_is_rtcp(void)
{
	CHECK(rtc_rtcp_is_rtcp(chromium_sr_sdes, sizeof(chromium_sr_sdes)));
	CHECK(rtc_rtcp_is_rtcp(nack, sizeof(nack)));
	static const uint8_t rtp[] = { 0x80, 0x6f, 0x00, 0x01 };        /* PT 111 */
	static const uint8_t rtp_marker[] = { 0x80, 0xe0, 0x00, 0x01 }; /* M, PT 96 */
	CHECK(!rtc_rtcp_is_rtcp(rtp, sizeof(rtp)));
	CHECK(!rtc_rtcp_is_rtcp(rtp_marker, sizeof(rtp_marker)));
	CHECK(!rtc_rtcp_is_rtcp(nack, 3));
}

int main(void)
{
	arena = rtc_arena_new();
	RUN(test_chromium_sr_sdes);
	RUN(test_sr_rr_layout);
	RUN(test_report_extension_ignored);
	RUN(test_sdes);
	RUN(test_bye);
	RUN(test_nack);
	RUN(test_nack_packing);
	RUN(test_pli_fir);
	RUN(test_remb);
	RUN(test_unknown_skipped);
	RUN(test_padding);
	RUN(test_twcc_vector);
	RUN(test_twcc_run_and_one_bit);
	RUN(test_twcc_round_trips);
	RUN(test_write_refuses);
	RUN(test_malformed);
	RUN(test_rtt_rfc3550);
	RUN(test_ntp_ns);
	RUN(test_lip_sync);
	RUN(test_is_rtcp);
	rtc_arena_free(arena);
	return rtc_test_done();
}
