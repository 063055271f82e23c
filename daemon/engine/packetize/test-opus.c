/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opus payloads (RFC 7587): TOC bytes of every frame count code checked
 * against RFC 6716 section 3.4, the marker as talkspurt start, and round
 * trips through the packetizer.
 */
#include "check.h"
#include "engine/packetize/opus.h"
#include "test-util.h"

static void expect_samples(const uint8_t *p, size_t len, unsigned frames, unsigned samples)
{
	struct rtc_opus_packet pkt;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_opus_depacketize(p, len, false, &pkt, &err), 0);
	CHECK_INTEQ(pkt.frames, frames);
	CHECK_INTEQ(pkt.samples, samples);
	CHECK(pkt.data == p && pkt.len == len);
}

static void expect_error(const uint8_t *p, size_t len, const char *words)
{
	struct rtc_opus_packet pkt;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_opus_depacketize(p, len, true, &pkt, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	if (!strstr(err.message, words)) {
		printf("# error \"%s\" lacks \"%s\"\n", err.message, words);
		CHECK(0);
	}
}

static void test_toc_durations(void)
{
	/* config 31: CELT FB 20 ms; 15: hybrid FB 20 ms; 3: SILK NB 60 ms;
	 * 16: CELT NB 2.5 ms; 12: hybrid SWB 10 ms. */
	static const uint8_t celt20[] = { 0xf8, 1, 2, 3 };
	static const uint8_t hybrid20[] = { 0x78, 9 };
	static const uint8_t silk60[] = { 0x18, 9 };
	static const uint8_t celt2_5[] = { 0x80 };
	static const uint8_t hybrid10[] = { 0x60, 7, 7 };
	static const uint8_t stereo[] = { 0xfc, 7 };   /* s=1 changes nothing here */

	expect_samples(celt20, sizeof(celt20), 1, 960);
	expect_samples(hybrid20, sizeof(hybrid20), 1, 960);
	expect_samples(silk60, sizeof(silk60), 1, 2880);
	expect_samples(celt2_5, sizeof(celt2_5), 1, 120);
	expect_samples(hybrid10, sizeof(hybrid10), 1, 480);
	expect_samples(stereo, sizeof(stereo), 1, 960);
}

static void test_frame_count_codes(void)
{
	static const uint8_t code1[] = { 0xf9, 1, 2, 3, 4 };
	static const uint8_t code1_odd[] = { 0xf9, 1, 2, 3 };
	static const uint8_t code2[] = { 0xfa, 2, 'a', 'b', 'c' };
	static const uint8_t code2_long[] = { 0xfa, 252, 0 };       /* first frame 252 bytes */
	static const uint8_t code2_short[] = { 0xfa, 4, 'a', 'b' };
	static const uint8_t code2_nolen[] = { 0xfa };
	static const uint8_t code3_cbr[] = { 0xfb, 0x03, 1, 2, 3, 4, 5, 6 };
	static const uint8_t code3_cbr_bad[] = { 0xfb, 0x03, 1, 2, 3, 4, 5 };
	static const uint8_t code3_vbr[] = { 0xfb, 0x83, 1, 2, 'a', 'b', 'c', 'd' };
	static const uint8_t code3_zero[] = { 0xfb, 0x00 };
	static const uint8_t code3_long[] = { 0x1b, 0x03 };          /* 3 x 60 ms */
	static const uint8_t code3_nocount[] = { 0xfb };
	static const uint8_t code3_vbr_trunc[] = { 0xfb, 0x83, 1 };
	uint8_t big[600] = { 0xfa, 252, 0 };
	uint8_t padded[300] = { 0xfb, 0x41, 255, 10 };   /* CBR, padding 254+10 */

	expect_samples(code1, sizeof(code1), 2, 1920);
	expect_error(code1_odd, sizeof(code1_odd), "odd 3 bytes");
	expect_samples(code2, sizeof(code2), 2, 1920);
	expect_error(code2_long, sizeof(code2_long), "frame of 252 bytes, only 0 left");
	expect_samples(big, 3 + 252 + 10, 2, 1920);
	expect_error(code2_short, sizeof(code2_short), "frame of 4 bytes, only 2 left");
	expect_error(code2_nolen, sizeof(code2_nolen), "lacks its frame length");
	expect_samples(code3_cbr, sizeof(code3_cbr), 3, 2880);
	expect_error(code3_cbr_bad, sizeof(code3_cbr_bad), "do not make 3 frames");
	expect_samples(code3_vbr, sizeof(code3_vbr), 3, 2880);
	expect_error(code3_zero, sizeof(code3_zero), "0 frames");
	expect_error(code3_long, sizeof(code3_long), "more than 120 ms");
	expect_error(code3_nocount, sizeof(code3_nocount), "frame count byte");
	expect_error(code3_vbr_trunc, sizeof(code3_vbr_trunc), "does not fit");
	expect_samples(padded, 4 + 264 + 5, 1, 960);
	expect_error(padded, 4 + 263, "padding of 264 bytes");
	padded[2] = 255, padded[3] = 255;
	expect_error(padded, 4, "padding length is truncated");
}

static void test_limits(void)
{
	uint8_t p[2 + 5760] = { 0x83, 48 };   /* 48 x 2.5 ms = 120 ms, CBR of 0-byte frames */
	uint8_t frame[1 + 1276] = { 0xf8 };

	expect_samples(p, 2, 48, 5760);
	p[1] = 49;
	expect_error(p, 2, "more than 120 ms");
	expect_error(p, 0, "empty");
	expect_samples(frame, 1 + 1275, 1, 960);
	expect_error(frame, sizeof(frame), "exceeds 1275");
}

static void test_packetize_marker(void)
{
	static const uint8_t pkt[] = { 0xf8, 0xde, 0xad };
	struct test_out o;
	struct rtc_frame_payloads *out = test_out_init(&o, TEST_MTU);
	struct rtc_opus_packet got;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_opus_packetize(pkt, sizeof(pkt), true, out, &err), 0);
	CHECK_INTEQ(out->count, 1);
	CHECK(out->slots[0].marker);
	CHECK_INTEQ(out->slots[0].offset, TEST_HEADROOM);
	CHECK_INTEQ(out->slots[0].len, 3);
	CHECK(memcmp(rtc_frame_payloads_data(out, 0), pkt, 3) == 0);
	CHECK_INTEQ(rtc_opus_depacketize(rtc_frame_payloads_data(out, 0), 3, true, &got, &err), 0);
	CHECK(got.talkspurt_start);
	CHECK_INTEQ(rtc_opus_packetize(pkt, sizeof(pkt), false, out, &err), 0);
	CHECK_INTEQ(out->count, 1);
	CHECK(!out->slots[0].marker);
}

static void test_packetize_refuses(void)
{
	static const uint8_t odd[] = { 0xf9, 1 };
	uint8_t big[1 + 1275] = { 0xf8 };
	struct test_out o;
	struct rtc_frame_payloads *out = test_out_init(&o, TEST_MTU);
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_opus_packetize(odd, sizeof(odd), false, out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	CHECK_INTEQ(rtc_opus_packetize(big, sizeof(big), false, out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	out->max_slots = 0;
	CHECK_INTEQ(rtc_opus_packetize(big, 10, false, out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	out = test_out_init(&o, TEST_MTU);
	out->cap = 20;   /* headroom 12 + 10 does not fit */
	CHECK_INTEQ(rtc_opus_packetize(big, 10, false, out, &err), -1);
	CHECK(strstr(err.message, "too small") != NULL);
}

static void test_round_trip(void)
{
	uint64_t seed = 7587;
	struct test_out o;
	uint8_t pkt[1200];

	for (size_t len = 1; len <= sizeof(pkt); len += 1 + len / 8) {
		struct rtc_frame_payloads *out = test_out_init(&o, TEST_MTU);
		struct rtc_opus_packet got;
		struct rtc_error err = { 0 };
		bool marker = len % 3 == 0;

		for (size_t i = 0; i < len; i++)
			pkt[i] = (uint8_t)test_rand(&seed);
		pkt[0] = (uint8_t)(pkt[0] & ~3u);   /* code 0: any length up to 1275 fits */
		CHECK_INTEQ(rtc_opus_packetize(pkt, len, marker, out, &err), 0);
		CHECK_INTEQ(out->count, 1);
		CHECK_INTEQ(rtc_opus_depacketize(rtc_frame_payloads_data(out, 0), out->slots[0].len,
						 out->slots[0].marker, &got, &err), 0);
		CHECK(got.len == len && memcmp(got.data, pkt, len) == 0);
		CHECK_INTEQ(got.talkspurt_start, marker);
	}
}

int main(void)
{
	RUN(test_toc_durations);
	RUN(test_frame_count_codes);
	RUN(test_limits);
	RUN(test_packetize_marker);
	RUN(test_packetize_refuses);
	RUN(test_round_trip);
	return rtc_test_done();
}
