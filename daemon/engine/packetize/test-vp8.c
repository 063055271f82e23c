/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VP8 payloads (RFC 7741): the descriptors of section 4.6's examples, the
 * packetizer's layout at MTU 1200, round trips of frames of many sizes,
 * and truncated descriptors.
 */
#include "check.h"
#include "engine/packetize/vp8.h"
#include "test-util.h"

/* VP8 payload header of a key frame (P=0, show_frame) then its start code. */
#define KEY_HEADER 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a
/* An interframe (P=1). */
#define INTER_HEADER 0x11, 0x02, 0x00

static void depacketize(const uint8_t *p, size_t len, bool marker,
			struct rtc_vp8_depacketized *out)
{
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_vp8_depacketize(p, len, marker, out, &err), 0);
}

/* The descriptor re-encodes to the bytes it came from. */
static void check_reencodes(const uint8_t *p, size_t hdr)
{
	struct rtc_vp8_depacketized d;
	struct rtc_error err = { 0 };
	uint8_t buf[RTC_VP8_DESCRIPTOR_MAX];

	depacketize(p, hdr + 1, false, &d);
	CHECK_INTEQ(rtc_vp8_descriptor_size(&d.desc), hdr);
	CHECK_INTEQ(rtc_vp8_descriptor_encode(&d.desc, buf, sizeof(buf), &err), (long)hdr);
	CHECK(memcmp(buf, p, hdr) == 0);
}

/* 4.6.1: a key frame in one packet, X=1 S=1 PID=0, I=1, 7-bit PictureID 17. */
static void test_rfc_key_frame_single_packet(void)
{
	static const uint8_t p[] = { 0x90, 0x80, 0x11, KEY_HEADER };
	struct rtc_vp8_depacketized d;

	depacketize(p, sizeof(p), true, &d);
	CHECK(d.frame_start && d.frame_end && d.key_frame);
	CHECK(d.desc.has_picture_id);
	CHECK_INTEQ(d.desc.picture_id_bits, 7);
	CHECK_INTEQ(d.desc.picture_id, 17);
	CHECK(d.data == p + 3 && d.len == 6);
	CHECK(!d.desc.has_tl0picidx && !d.desc.has_tid && !d.desc.has_keyidx);
	check_reencodes(p, 3);
}

/* 4.6.2: a non-discardable interframe, no extensions (X=0, S=1, PID=0). */
static void test_rfc_interframe_no_picture_id(void)
{
	static const uint8_t p[] = { 0x10, INTER_HEADER };
	struct rtc_vp8_depacketized d;

	depacketize(p, sizeof(p), true, &d);
	CHECK(d.frame_start && !d.key_frame && !d.desc.non_reference);
	CHECK(!d.desc.has_picture_id);
	CHECK(d.data == p + 1 && d.len == 3);
	check_reencodes(p, 1);
}

/* 4.6.3: partitions in separate packets; the second (S=1, PID=1) starts a
 * partition but not the frame, and its first byte says nothing of key frames. */
static void test_rfc_partitions(void)
{
	static const uint8_t first[] = { 0x90, 0x80, 0x11, KEY_HEADER };
	static const uint8_t second[] = { 0x91, 0x80, 0x11, 0x00, 0x42 };
	struct rtc_vp8_depacketized d;

	depacketize(first, sizeof(first), false, &d);
	CHECK(d.frame_start && d.key_frame && !d.frame_end);
	depacketize(second, sizeof(second), true, &d);
	CHECK(d.desc.start && d.desc.partition == 1);
	CHECK(!d.frame_start && !d.key_frame && d.frame_end);
	CHECK_INTEQ(d.desc.picture_id, 17);
	check_reencodes(second, 3);
}

/* 4.6.4: a partition fragmented across packets: the continuation has S=0. */
static void test_rfc_fragmented(void)
{
	static const uint8_t cont[] = { 0x80, 0x80, 0x11, 0x00, 0x01 };
	struct rtc_vp8_depacketized d;

	depacketize(cont, sizeof(cont), false, &d);
	CHECK(!d.desc.start && !d.frame_start && !d.key_frame);
	CHECK_INTEQ(d.desc.partition, 0);
	check_reencodes(cont, 3);
}

/* 4.6.5: a long (15-bit) PictureID, 4711. */
static void test_rfc_long_picture_id(void)
{
	static const uint8_t p[] = { 0x90, 0x80, 0x92, 0x67, INTER_HEADER };
	struct rtc_vp8_depacketized d;

	depacketize(p, sizeof(p), true, &d);
	CHECK_INTEQ(d.desc.picture_id_bits, 15);
	CHECK_INTEQ(d.desc.picture_id, 4711);
	CHECK(d.frame_start && !d.key_frame);
	check_reencodes(p, 4);
}

/* Every extension: N, I (15-bit), L, T with Y, K. */
static void test_all_extensions(void)
{
	static const uint8_t p[] = { 0xb0, 0xf0, 0x92, 0x67, 0x05, 0xb1, KEY_HEADER };
	static const uint8_t tk_only_k[] = { 0x90, 0x10, 0x1f, 0x00 };
	struct rtc_vp8_depacketized d;

	depacketize(p, sizeof(p), false, &d);
	CHECK(d.desc.non_reference && d.desc.start);
	CHECK_INTEQ(d.desc.picture_id, 4711);
	CHECK(d.desc.has_tl0picidx && d.desc.tl0picidx == 5);
	CHECK(d.desc.has_tid && d.desc.tid == 2 && d.desc.layer_sync);
	CHECK(d.desc.has_keyidx && d.desc.keyidx == 17);
	CHECK(d.key_frame);
	CHECK_INTEQ(d.len, 6);
	check_reencodes(p, 6);
	depacketize(tk_only_k, sizeof(tk_only_k), false, &d);
	CHECK(!d.desc.has_tid && d.desc.has_keyidx && d.desc.keyidx == 31);
	check_reencodes(tk_only_k, 3);
}

static void expect_error(const uint8_t *p, size_t len, const char *words)
{
	struct rtc_vp8_depacketized d;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_vp8_depacketize(p, len, false, &d, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	if (!strstr(err.message, words)) {
		printf("# error \"%s\" lacks \"%s\"\n", err.message, words);
		CHECK(0);
	}
}

static void test_malformed(void)
{
	static const uint8_t full[] = { 0xb0, 0xf0, 0x92, 0x67, 0x05, 0xb1, 0x00 };
	static const char *const why[] = {
		"empty", "lacks its X byte", "picture id is truncated",
		"15-bit picture id is truncated", "TL0PICIDX is truncated",
		"TID/KEYIDX byte is truncated", "no data after its descriptor",
	};
	static const uint8_t no_data[] = { 0x10 };
	static const uint8_t l_trunc[] = { 0x80, 0x40 };
	static const uint8_t k_trunc[] = { 0x80, 0x10 };

	/* Each truncation of a full descriptor fails at the field it cuts. */
	for (size_t n = 0; n < sizeof(full); n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, full, n);
		expect_error(copy, n, why[n]);
		free(copy);
	}
	expect_error(no_data, sizeof(no_data), "no data");
	expect_error(l_trunc, sizeof(l_trunc), "TL0PICIDX");
	expect_error(k_trunc, sizeof(k_trunc), "TID/KEYIDX");
}

static void test_packetizer_layout(void)
{
	struct rtc_vp8_packetizer pk;
	struct test_out o;
	struct rtc_frame_payloads *out = test_out_init(&o, TEST_MTU);
	struct rtc_error err = { 0 };
	uint8_t frame[3000];

	memset(frame, 0xab, sizeof(frame));
	frame[0] = 0x10;   /* a key frame */
	rtc_vp8_packetizer_init(&pk, 0xfffe);   /* only 15 bits are kept: 0x7ffe */
	CHECK_INTEQ(rtc_vp8_packetize(&pk, frame, sizeof(frame), out, &err), 0);
	/* 1196 bytes of frame per payload: 1196 + 1196 + 608. */
	CHECK_INTEQ(out->count, 3);
	CHECK_INTEQ(out->slots[0].len, 1200);
	CHECK_INTEQ(out->slots[1].len, 1200);
	CHECK_INTEQ(out->slots[2].len, 4 + 608);
	CHECK(!out->slots[0].marker && !out->slots[1].marker && out->slots[2].marker);
	CHECK_INTEQ(out->slots[1].offset, out->slots[0].offset + 1200 + TEST_HEADROOM);
	{
		const uint8_t *p0 = rtc_frame_payloads_data(out, 0);
		const uint8_t *p1 = rtc_frame_payloads_data(out, 1);

		CHECK(p0[0] == 0x90 && p0[1] == 0x80 && p0[2] == 0xff && p0[3] == 0xfe);
		CHECK(p1[0] == 0x80 && p1[1] == 0x80 && p1[2] == 0xff && p1[3] == 0xfe);
		CHECK_INTEQ(p0[4], 0x10);
	}
	/* The picture id grows per frame and wraps at 15 bits. */
	CHECK_INTEQ(rtc_vp8_packetize(&pk, frame, 10, out, &err), 0);
	CHECK_INTEQ(out->count, 1);
	CHECK(rtc_frame_payloads_data(out, 0)[2] == 0xff && rtc_frame_payloads_data(out, 0)[3] == 0xff);
	CHECK_INTEQ(rtc_vp8_packetize(&pk, frame, 10, out, &err), 0);
	CHECK(rtc_frame_payloads_data(out, 0)[2] == 0x80 && rtc_frame_payloads_data(out, 0)[3] == 0x00);
	CHECK_INTEQ(pk.picture_id, 1);
}

static void test_packetizer_refuses(void)
{
	struct rtc_vp8_packetizer pk;
	struct test_out o;
	struct rtc_frame_payloads *out = test_out_init(&o, 4);
	struct rtc_error err = { 0 };
	uint8_t frame[5000] = { 0 };

	rtc_vp8_packetizer_init(&pk, 100);
	CHECK_INTEQ(rtc_vp8_packetize(&pk, frame, 10, out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	out = test_out_init(&o, TEST_MTU);
	CHECK_INTEQ(rtc_vp8_packetize(&pk, frame, 0, out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	out->max_slots = 4;   /* 5000 bytes need 5 payloads */
	CHECK_INTEQ(rtc_vp8_packetize(&pk, frame, sizeof(frame), out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(pk.picture_id, 100);   /* no frame went out */
}

static void test_round_trip(void)
{
	static uint8_t frame[60000], again[60000];
	uint64_t seed = 7741;
	struct rtc_vp8_packetizer pk;
	struct test_out o;
	uint16_t want_pid = 1234;

	rtc_vp8_packetizer_init(&pk, want_pid);
	for (size_t len = 1; len <= sizeof(frame); len += 1 + len / 4) {
		struct rtc_frame_payloads *out = test_out_init(&o, TEST_MTU);
		struct rtc_error err = { 0 };
		bool key = test_rand(&seed) & 1;
		size_t got = 0;

		for (size_t i = 0; i < len; i++)
			frame[i] = (uint8_t)test_rand(&seed);
		frame[0] = (uint8_t)((frame[0] & ~1u) | !key);
		CHECK_INTEQ(rtc_vp8_packetize(&pk, frame, len, out, &err), 0);
		CHECK_INTEQ(out->count, (len + TEST_MTU - 5) / (TEST_MTU - 4));
		for (size_t i = 0; i < out->count; i++) {
			struct rtc_vp8_depacketized d;

			CHECK(out->slots[i].len <= TEST_MTU);
			depacketize(rtc_frame_payloads_data(out, i), out->slots[i].len,
				    out->slots[i].marker, &d);
			CHECK_INTEQ(d.frame_start, i == 0);
			CHECK_INTEQ(d.frame_end, i + 1 == out->count);
			CHECK_INTEQ(d.key_frame, i == 0 && key);
			CHECK_INTEQ(d.desc.picture_id, want_pid);
			CHECK(got + d.len <= sizeof(again));
			memcpy(again + got, d.data, d.len);
			got += d.len;
		}
		CHECK(got == len && memcmp(again, frame, len) == 0);
		want_pid = (want_pid + 1) & 0x7fff;
	}
}

int main(void)
{
	RUN(test_rfc_key_frame_single_packet);
	RUN(test_rfc_interframe_no_picture_id);
	RUN(test_rfc_partitions);
	RUN(test_rfc_fragmented);
	RUN(test_rfc_long_picture_id);
	RUN(test_all_extensions);
	RUN(test_malformed);
	RUN(test_packetizer_layout);
	RUN(test_packetizer_refuses);
	RUN(test_round_trip);
	return rtc_test_done();
}
