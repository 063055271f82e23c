/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * H.264 payloads (RFC 6184): Annex-B splitting, the STAP-A and FU-A
 * layouts of sections 5.7.1 and 5.8, modes 0 and 1, SPS/PPS before IDR,
 * round trips of random access units at MTU 1200, and malformed payloads.
 */
#include "check.h"
#include "engine/packetize/h264.h"
#include "test-util.h"

static uint8_t annexb[1 << 17];

/* SPS (NRI 3), PPS (NRI 3), a small IDR slice with first_mb_in_slice 0. */
static const uint8_t sps[] = { 0x67, 0x42, 0xe0, 0x1f, 0x8d, 0x68, 0x14 };
static const uint8_t pps[] = { 0x68, 0xce, 0x3c, 0x80 };
static const uint8_t idr[] = { 0x65, 0x88, 0x84, 0x21 };
static const uint8_t slice[] = { 0x41, 0x9a, 0x02 };   /* non-IDR, NRI 2 */

/* Appends NALs to an Annex-B buffer with 4-byte start codes. */
static size_t build(uint8_t *buf, size_t len, const uint8_t *nal, size_t nal_len)
{
	memcpy(buf + len, "\0\0\0\1", 4);
	memcpy(buf + len + 4, nal, nal_len);
	return len + 4 + nal_len;
}

static void test_next_nal(void)
{
	static const uint8_t b[] = { 0, 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 1, 2,
				     0, 0, 0, 1, 0, 0, 1, 0x68, 0, 0, 2, 0 };
	const uint8_t *nal;
	size_t pos = 0, len;

	CHECK(rtc_h264_next_nal(b, sizeof(b), &pos, &nal, &len));
	CHECK(nal == b + 5 && len == 2);             /* AUD after a leading zero */
	CHECK(rtc_h264_next_nal(b, sizeof(b), &pos, &nal, &len));
	CHECK(nal == b + 10 && len == 3);            /* 3-byte start code before */
	CHECK(rtc_h264_next_nal(b, sizeof(b), &pos, &nal, &len));
	CHECK(nal == b + 20 && len == 5);            /* the empty NAL is skipped */
	CHECK(!rtc_h264_next_nal(b, sizeof(b), &pos, &nal, &len));
}

static struct rtc_frame_payloads *packetize_ok(struct rtc_h264_packetizer *p, struct test_out *o,
					       size_t mtu, const uint8_t *frame, size_t len)
{
	struct rtc_frame_payloads *out = test_out_init(o, mtu);
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_h264_packetize(p, frame, len, out, &err), 0);
	if (err.message[0])
		printf("# %s\n", err.message);
	return out;
}

/* RFC 6184 section 5.7.1, figure 7: an STAP-A of SPS, PPS and a slice. */
static void test_stap_a_layout(void)
{
	static struct test_out o;
	struct rtc_h264_packetizer p;
	struct rtc_frame_payloads *out;
	size_t len = 0;
	const uint8_t *b;

	len = build(annexb, len, sps, sizeof(sps));
	len = build(annexb, len, pps, sizeof(pps));
	len = build(annexb, len, idr, sizeof(idr));
	rtc_h264_packetizer_init(&p, 1);
	out = packetize_ok(&p, &o, TEST_MTU, annexb, len);
	CHECK_INTEQ(out->count, 1);
	CHECK(out->slots[0].marker);
	CHECK_INTEQ(out->slots[0].len, 1 + 2 + 7 + 2 + 4 + 2 + 4);
	b = rtc_frame_payloads_data(out, 0);
	CHECK_INTEQ(b[0], 0x78);                     /* F=0, NRI=3, type 24 */
	CHECK(b[1] == 0 && b[2] == 7 && memcmp(b + 3, sps, 7) == 0);
	CHECK(b[10] == 0 && b[11] == 4 && memcmp(b + 12, pps, 4) == 0);
	CHECK(b[16] == 0 && b[17] == 4 && memcmp(b + 18, idr, 4) == 0);
}

/* RFC 6184 section 5.8, figures 14 and 15: FU indicator and FU header. */
static void test_fu_a_layout(void)
{
	static struct test_out o;
	static uint8_t nal[3000];
	struct rtc_h264_packetizer p;
	struct rtc_frame_payloads *out;
	size_t len;

	memset(nal, 0x5a, sizeof(nal));
	nal[0] = 0x65;   /* IDR, NRI 3 */
	len = build(annexb, 0, nal, sizeof(nal));
	rtc_h264_packetizer_init(&p, 1);
	out = packetize_ok(&p, &o, TEST_MTU, annexb, len);
	/* 2999 bytes after the NAL header, 1198 a fragment. */
	CHECK_INTEQ(out->count, 3);
	CHECK(out->slots[0].len == 1200 && out->slots[1].len == 1200 && out->slots[2].len == 2 + 603);
	CHECK(rtc_frame_payloads_data(out, 0)[0] == 0x7c && rtc_frame_payloads_data(out, 0)[1] == 0x85);
	CHECK(rtc_frame_payloads_data(out, 1)[0] == 0x7c && rtc_frame_payloads_data(out, 1)[1] == 0x05);
	CHECK(rtc_frame_payloads_data(out, 2)[0] == 0x7c && rtc_frame_payloads_data(out, 2)[1] == 0x45);
	CHECK(!out->slots[0].marker && !out->slots[1].marker && out->slots[2].marker);
}

static void test_mode0(void)
{
	static struct test_out o;
	static uint8_t big[1300];
	struct rtc_h264_packetizer p;
	struct rtc_frame_payloads *out;
	struct rtc_error err = { 0 };
	size_t len = 0;

	len = build(annexb, len, sps, sizeof(sps));
	len = build(annexb, len, pps, sizeof(pps));
	len = build(annexb, len, idr, sizeof(idr));
	rtc_h264_packetizer_init(&p, 0);
	out = packetize_ok(&p, &o, TEST_MTU, annexb, len);
	CHECK_INTEQ(out->count, 3);
	CHECK(out->slots[0].len == 7 && memcmp(rtc_frame_payloads_data(out, 0), sps, 7) == 0);
	CHECK(out->slots[1].len == 4 && memcmp(rtc_frame_payloads_data(out, 1), pps, 4) == 0);
	CHECK(out->slots[2].len == 4 && memcmp(rtc_frame_payloads_data(out, 2), idr, 4) == 0);
	CHECK(!out->slots[0].marker && !out->slots[1].marker && out->slots[2].marker);
	/* Mode 0 cannot fragment. */
	memset(big, 0x11, sizeof(big));
	big[0] = 0x41;
	len = build(annexb, 0, big, sizeof(big));
	out = test_out_init(&o, TEST_MTU);
	CHECK_INTEQ(rtc_h264_packetize(&p, annexb, len, out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK(strstr(err.message, "packetization-mode 0") != NULL);
}

/* An IDR without SPS/PPS gets the last ones seen; other frames get nothing. */
static void test_parameter_sets_before_idr(void)
{
	static struct test_out o;
	struct rtc_h264_packetizer p;
	struct rtc_frame_payloads *out;
	size_t len;
	const uint8_t *b;

	rtc_h264_packetizer_init(&p, 1);
	len = build(annexb, 0, idr, sizeof(idr));
	out = packetize_ok(&p, &o, TEST_MTU, annexb, len);   /* nothing kept yet */
	CHECK(out->count == 1 && out->slots[0].len == sizeof(idr));
	len = build(annexb, 0, sps, sizeof(sps));
	len = build(annexb, len, pps, sizeof(pps));
	len = build(annexb, len, slice, sizeof(slice));
	packetize_ok(&p, &o, TEST_MTU, annexb, len);
	len = build(annexb, 0, slice, sizeof(slice));
	out = packetize_ok(&p, &o, TEST_MTU, annexb, len);
	CHECK(out->count == 1 && out->slots[0].len == sizeof(slice));
	/* AUD, IDR: SPS and PPS go between them. */
	len = build(annexb, 0, (const uint8_t[]){ 0x09, 0xf0 }, 2);
	len = build(annexb, len, idr, sizeof(idr));
	out = packetize_ok(&p, &o, TEST_MTU, annexb, len);
	CHECK_INTEQ(out->count, 1);
	b = rtc_frame_payloads_data(out, 0);
	CHECK_INTEQ(out->slots[0].len, 1 + 4 + 9 + 6 + 6);
	CHECK(b[0] == 0x78 && b[3] == 0x09);
	CHECK(b[6] == 7 && memcmp(b + 7, sps, 7) == 0);
	CHECK(b[15] == 4 && memcmp(b + 16, pps, 4) == 0);
	CHECK(b[21] == 4 && memcmp(b + 22, idr, 4) == 0);
	/* In mode 0 too, and only the missing one: this frame has its own PPS. */
	p.mode = 0;
	len = build(annexb, 0, pps, sizeof(pps));
	len = build(annexb, len, idr, sizeof(idr));
	out = packetize_ok(&p, &o, TEST_MTU, annexb, len);
	CHECK_INTEQ(out->count, 3);
	CHECK(out->slots[0].len == 4 && rtc_frame_payloads_data(out, 0)[0] == 0x68);
	CHECK(out->slots[1].len == 7 && rtc_frame_payloads_data(out, 1)[0] == 0x67);
	CHECK(out->slots[2].len == 4 && rtc_frame_payloads_data(out, 2)[0] == 0x65);
}

static void test_packetize_refuses(void)
{
	static const uint8_t no_sc[] = { 0x65, 1, 2 };
	static const uint8_t junk[] = { 7, 0, 0, 1, 0x65 };
	static const uint8_t only_sc[] = { 0, 0, 0, 1 };
	static const uint8_t stap[] = { 0, 0, 1, 0x78, 1 };
	static const uint8_t zero_type[] = { 0, 0, 1, 0x60, 1 };
	static struct test_out o;
	struct rtc_h264_packetizer p;
	struct rtc_frame_payloads *out = test_out_init(&o, TEST_MTU);
	struct rtc_error err = { 0 };

	rtc_h264_packetizer_init(&p, 1);
	CHECK_INTEQ(rtc_h264_packetize(&p, no_sc, sizeof(no_sc), out, &err), -1);
	CHECK(strstr(err.message, "no Annex-B start code") != NULL);
	CHECK_INTEQ(rtc_h264_packetize(&p, junk, sizeof(junk), out, &err), -1);
	CHECK(strstr(err.message, "before its first start code") != NULL);
	CHECK_INTEQ(rtc_h264_packetize(&p, only_sc, sizeof(only_sc), out, &err), -1);
	CHECK(strstr(err.message, "no NAL unit") != NULL);
	CHECK_INTEQ(rtc_h264_packetize(&p, stap, sizeof(stap), out, &err), -1);
	CHECK(strstr(err.message, "type 24 is reserved") != NULL);
	CHECK_INTEQ(rtc_h264_packetize(&p, zero_type, sizeof(zero_type), out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	out = test_out_init(&o, 2);
	CHECK_INTEQ(rtc_h264_packetize(&p, stap, sizeof(stap), out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
}

static void depacketize_ok(struct rtc_h264_depacketizer *d, const uint8_t *p, size_t len,
			   bool marker, uint8_t *buf, size_t cap, struct rtc_h264_depacketized *out)
{
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_h264_depacketize(d, p, len, marker, buf, cap, out, &err), 0);
	if (err.message[0])
		printf("# %s\n", err.message);
}

static void test_depacketize(void)
{
	static const uint8_t single[] = { 0x41, 0x9a, 0x02 };
	static const uint8_t single_cont[] = { 0x41, 0x1a, 0x02 };   /* first_mb_in_slice != 0 */
	static const uint8_t stap[] = { 0x78, 0, 2, 0x67, 0x42, 0, 1, 0x68, 0, 2, 0x65, 0x88 };
	static const uint8_t fu1[] = { 0x7c, 0x85, 0x88, 1 };
	static const uint8_t fu2[] = { 0x7c, 0x05, 2, 3 };
	static const uint8_t fu3[] = { 0x7c, 0x45, 4 };
	static const uint8_t want_stap[] = { 0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68,
					     0, 0, 0, 1, 0x65, 0x88 };
	static const uint8_t want_fu[] = { 0, 0, 0, 1, 0x65, 0x88, 1, 2, 3, 4 };
	struct rtc_h264_depacketizer d;
	struct rtc_h264_depacketized r;
	uint8_t buf[64];
	size_t got = 0;

	rtc_h264_depacketizer_reset(&d);
	depacketize_ok(&d, single, sizeof(single), true, buf, sizeof(buf), &r);
	CHECK(r.len == 7 && memcmp(buf, "\0\0\0\1\x41\x9a\x02", 7) == 0);
	CHECK(r.frame_start && r.frame_end && !r.key_frame);
	depacketize_ok(&d, single_cont, sizeof(single_cont), false, buf, sizeof(buf), &r);
	CHECK(!r.frame_start && !r.frame_end);
	depacketize_ok(&d, stap, sizeof(stap), false, buf, sizeof(buf), &r);
	CHECK(r.len == sizeof(want_stap) && memcmp(buf, want_stap, r.len) == 0);
	CHECK(r.frame_start && r.key_frame && r.has_sps && r.has_pps && !r.frame_end);
	depacketize_ok(&d, fu1, sizeof(fu1), false, buf, sizeof(buf), &r);
	CHECK(r.key_frame && r.frame_start);
	got = r.len;
	depacketize_ok(&d, fu2, sizeof(fu2), false, buf + got, sizeof(buf) - got, &r);
	CHECK(!r.key_frame && !r.frame_start);
	got += r.len;
	depacketize_ok(&d, fu3, sizeof(fu3), true, buf + got, sizeof(buf) - got, &r);
	CHECK(r.frame_end);
	got += r.len;
	CHECK(got == sizeof(want_fu) && memcmp(buf, want_fu, got) == 0);
}

static void expect_error(struct rtc_h264_depacketizer *d, const uint8_t *p, size_t len,
			 enum rtc_error_kind kind, const char *words)
{
	struct rtc_h264_depacketized r;
	struct rtc_error err = { 0 };
	uint8_t buf[64];

	CHECK_INTEQ(rtc_h264_depacketize(d, p, len, false, buf, sizeof(buf), &r, &err), -1);
	CHECK_INTEQ(err.kind, kind);
	if (!strstr(err.message, words)) {
		printf("# error \"%s\" lacks \"%s\"\n", err.message, words);
		CHECK(0);
	}
}

static void test_malformed(void)
{
	static const uint8_t stap_empty[] = { 0x78 };
	static const uint8_t stap_half_size[] = { 0x78, 0, 1, 0x67, 0 };
	static const uint8_t stap_overrun[] = { 0x78, 0, 5, 0x67, 1 };
	static const uint8_t stap_zero[] = { 0x78, 0, 0 };
	static const uint8_t fu_mid[] = { 0x7c, 0x05, 1 };
	static const uint8_t fu_end[] = { 0x7c, 0x45, 1 };
	static const uint8_t fu_start[] = { 0x7c, 0x85, 1 };
	static const uint8_t fu_other[] = { 0x7c, 0x01, 1 };
	static const uint8_t fu_both[] = { 0x7c, 0xc5, 1 };
	static const uint8_t fu_short[] = { 0x7c, 0x85 };
	static const uint8_t fu_stap[] = { 0x7c, 0x98, 1 };
	static const uint8_t stap_b[] = { 0x79, 0, 0, 0, 1, 0x65 };
	static const uint8_t fu_b[] = { 0x7d, 0x85, 0, 0, 1 };
	static const uint8_t undefined[] = { 0x1e, 1 };
	static const uint8_t zero[] = { 0x00, 1 };
	static const uint8_t big[70] = { 0x41 };
	struct rtc_h264_depacketizer d;

	rtc_h264_depacketizer_reset(&d);
	expect_error(&d, stap_empty, 0, RTC_ERROR_SYNTAX, "empty");
	expect_error(&d, stap_empty, sizeof(stap_empty), RTC_ERROR_SYNTAX, "holds no NAL");
	expect_error(&d, stap_half_size, sizeof(stap_half_size), RTC_ERROR_SYNTAX,
		     "size at byte 4 is truncated");
	expect_error(&d, stap_overrun, sizeof(stap_overrun), RTC_ERROR_SYNTAX,
		     "unit of 5 bytes overruns the payload (2 left)");
	expect_error(&d, stap_zero, sizeof(stap_zero), RTC_ERROR_SYNTAX, "unit of 0 bytes");
	expect_error(&d, fu_mid, sizeof(fu_mid), RTC_ERROR_SYNTAX, "start (S) was not seen");
	expect_error(&d, fu_end, sizeof(fu_end), RTC_ERROR_SYNTAX, "start (S) was not seen");
	expect_error(&d, fu_both, sizeof(fu_both), RTC_ERROR_SYNTAX, "both start and end");
	expect_error(&d, fu_short, sizeof(fu_short), RTC_ERROR_SYNTAX, "lacks its header");
	expect_error(&d, fu_stap, sizeof(fu_stap), RTC_ERROR_SYNTAX, "carries NAL type 24");
	/* A fragment of another NAL type than the open one. */
	{
		struct rtc_h264_depacketized r;
		uint8_t buf[16];

		depacketize_ok(&d, fu_start, sizeof(fu_start), false, buf, sizeof(buf), &r);
		expect_error(&d, fu_other, sizeof(fu_other), RTC_ERROR_SYNTAX,
			     "type 1 continues one of type 5");
		expect_error(&d, fu_end, sizeof(fu_end), RTC_ERROR_SYNTAX, "was not seen");
		/* After a reset (the jitter buffer saw a gap), a continuation is refused. */
		depacketize_ok(&d, fu_start, sizeof(fu_start), false, buf, sizeof(buf), &r);
		rtc_h264_depacketizer_reset(&d);
		expect_error(&d, fu_mid, sizeof(fu_mid), RTC_ERROR_SYNTAX, "was not seen");
	}
	expect_error(&d, stap_b, sizeof(stap_b), RTC_ERROR_NOT_SUPPORTED, "packetization-mode 2");
	expect_error(&d, fu_b, sizeof(fu_b), RTC_ERROR_NOT_SUPPORTED, "packetization-mode 2");
	expect_error(&d, undefined, sizeof(undefined), RTC_ERROR_SYNTAX, "undefined H.264 NAL type 30");
	expect_error(&d, zero, sizeof(zero), RTC_ERROR_SYNTAX, "type 0");
	expect_error(&d, big, sizeof(big), RTC_ERROR_RANGE, "too small");
}

/* A random NAL: its type, then bytes with no zero, so no start code appears. */
static size_t random_nal(uint64_t *seed, uint8_t type, size_t len, uint8_t *dst)
{
	dst[0] = (uint8_t)((test_rand(seed) & 0x60) | type);
	for (size_t i = 1; i < len; i++)
		dst[i] = (uint8_t)(1 + test_rand(seed) % 255);
	return len;
}

static void round_trip(unsigned mode, size_t mtu, uint64_t seed, size_t max_nal)
{
	static uint8_t nal[20000], again[1 << 17];
	static const uint8_t types[] = { 1, 1, 1, 5, 6, 9 };
	static struct test_out o;

	for (int frame = 0; frame < 300; frame++) {
		struct rtc_h264_packetizer p;
		struct rtc_h264_depacketizer d;
		struct rtc_frame_payloads *out;
		size_t len = 0, got = 0, count = 1 + test_rand(&seed) % 6;
		bool has_idr = false;

		for (size_t i = 0; i < count; i++) {
			uint8_t type = types[test_rand(&seed) % sizeof(types)];
			size_t n = 1 + test_rand(&seed) % (test_rand(&seed) & 1 ? 40 : max_nal);

			if (type == 5 && !has_idr) {   /* SPS and PPS first, nothing inserted */
				len = build(annexb, len, sps, sizeof(sps));
				len = build(annexb, len, pps, sizeof(pps));
				has_idr = true;
			}
			len = build(annexb, len, nal, random_nal(&seed, type, n, nal));
		}
		rtc_h264_packetizer_init(&p, mode);
		out = packetize_ok(&p, &o, mtu, annexb, len);
		rtc_h264_depacketizer_reset(&d);
		for (size_t i = 0; i < out->count; i++) {
			struct rtc_h264_depacketized r;

			CHECK(out->slots[i].len <= mtu);
			CHECK_INTEQ(out->slots[i].marker, i + 1 == out->count);
			depacketize_ok(&d, rtc_frame_payloads_data(out, i), out->slots[i].len,
				       out->slots[i].marker, again + got, sizeof(again) - got, &r);
			got += r.len;
		}
		if (got != len || memcmp(again, annexb, len) != 0) {
			printf("# mode %u frame %d of %zu bytes differs\n", mode, frame, len);
			CHECK(0);
			return;
		}
	}
}

static void test_round_trip_mode1(void)
{
	round_trip(1, TEST_MTU, 6184, 6000);
}

static void test_round_trip_mode0(void)
{
	round_trip(0, TEST_MTU, 3984, TEST_MTU);
}

static void test_round_trip_small_mtu(void)
{
	round_trip(1, 3, 42, 40);   /* one byte per FU-A fragment */
}

int main(void)
{
	RUN(test_next_nal);
	RUN(test_stap_a_layout);
	RUN(test_fu_a_layout);
	RUN(test_mode0);
	RUN(test_parameter_sets_before_idr);
	RUN(test_packetize_refuses);
	RUN(test_depacketize);
	RUN(test_malformed);
	RUN(test_round_trip_mode1);
	RUN(test_round_trip_mode0);
	RUN(test_round_trip_small_mtu);
	return rtc_test_done();
}
