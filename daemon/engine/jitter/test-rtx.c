/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTX: the cache (ring slots, age, sizes), the NACK responder paced by the
 * RTT, and RFC 4588 section 4's packet layout written byte by byte, its
 * unwrapping (also in place) back to the original, and what unwrapping
 * refuses.
 */
#include <string.h>

#include "check.h"
#include "engine/base/bytes.h"
#include "engine/jitter/rtx.h"
#include "engine/rtp/rtp.h"

#define MS 1000000ull

/* V=2 X=1 CC=1, M=1 PT=96, seq 0x1234, ts 0x01020304, SSRC 0xaabbccdd,
 * CSRC 0x11223344, one-byte extension (ID 3, 2 bytes, then padding),
 * payload "VP8!". */
static const uint8_t original[] = {
	0x91, 0xe0, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb, 0xcc, 0xdd,
	0x11, 0x22, 0x33, 0x44,
	0xbe, 0xde, 0x00, 0x01, 0x31, 0xab, 0xcd, 0x00,
	'V', 'P', '8', '!',
};

/* RFC 4588 section 4: the same header but for SSRC, PT and sequence
 * number, then the OSN, then the original payload. */
static const uint8_t wrapped[] = {
	0x91, 0xe1, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04, 0x55, 0x66, 0x77, 0x88,
	0x11, 0x22, 0x33, 0x44,
	0xbe, 0xde, 0x00, 0x01, 0x31, 0xab, 0xcd, 0x00,
	0x12, 0x34,
	'V', 'P', '8', '!',
};

static void make_packet(uint8_t *buf, uint16_t seq, size_t len)
{
	memset(buf, (uint8_t)seq, len);
	buf[0] = 0x80;
	buf[1] = 96;
	rtc_put_be16(buf + 2, seq);
}

static void test_wrap_layout(void)
{
	struct rtc_rtx_stream s = { .ssrc = 0x55667788, .payload_type = 97, .next_seq = 0xffff };
	uint8_t out[64];
	struct rtc_error err = { 0 };
	long len;

	len = rtc_rtx_wrap(&s, original, sizeof(original), NULL, out, sizeof(out), &err);
	CHECK_INTEQ(len, sizeof(wrapped));
	CHECK(len == sizeof(wrapped) && memcmp(out, wrapped, sizeof(wrapped)) == 0);
	CHECK_INTEQ(s.next_seq, 0);   /* RTX's own counter wraps */
	/* The caller's choice of extensions: none at all. */
	struct rtc_rtp_ext_block none = { .form = RTC_RTP_EXT_NONE };
	len = rtc_rtx_wrap(&s, original, sizeof(original), &none, out, sizeof(out), &err);
	CHECK_INTEQ(len, 16 + 2 + 4);
	CHECK_INTEQ(out[0], 0x81);   /* X clear, the CSRC kept */
	CHECK_INTEQ(rtc_get_be16(out + 2), 0);
	CHECK_INTEQ(rtc_get_be16(out + 16), 0x1234);
	CHECK(memcmp(out + 18, "VP8!", 4) == 0);
	/* Too small a buffer is a RangeError, and the counter stays. */
	len = rtc_rtx_wrap(&s, original, sizeof(original), NULL, out, sizeof(wrapped) - 1, &err);
	CHECK_INTEQ(len, -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(s.next_seq, 1);
}

static void test_unwrap_round_trip(void)
{
	struct rtc_rtx_apt_map map;
	struct rtc_error err = { 0 };
	uint8_t out[64], inplace[sizeof(wrapped)];
	long len;

	rtc_rtx_apt_map_init(&map);
	CHECK_INTEQ(rtc_rtx_apt_map_add(&map, 97, 96, &err), 0);
	len = rtc_rtx_unwrap(&map, 0xaabbccdd, wrapped, sizeof(wrapped), out, sizeof(out), &err);
	CHECK_INTEQ(len, sizeof(original));
	CHECK(len == sizeof(original) && memcmp(out, original, sizeof(original)) == 0);
	memcpy(inplace, wrapped, sizeof(wrapped));
	len = rtc_rtx_unwrap(&map, 0xaabbccdd, inplace, sizeof(inplace), inplace, sizeof(inplace),
			     &err);
	CHECK_INTEQ(len, sizeof(original));
	CHECK(memcmp(inplace, original, sizeof(original)) == 0);
}

static void test_unwrap_padding_and_refusals(void)
{
	struct rtc_rtx_apt_map map;
	struct rtc_error err = { 0 };
	uint8_t pkt[sizeof(wrapped) + 4], out[64];
	long len;

	rtc_rtx_apt_map_init(&map);
	rtc_rtx_apt_map_add(&map, 97, 96, &err);
	/* The RTX packet padded: the original comes out without it. */
	memcpy(pkt, wrapped, sizeof(wrapped));
	pkt[0] |= 0x20;
	memcpy(pkt + sizeof(wrapped), "\0\0\0\4", 4);
	len = rtc_rtx_unwrap(&map, 0xaabbccdd, pkt, sizeof(pkt), out, sizeof(out), &err);
	CHECK_INTEQ(len, sizeof(original));
	CHECK(memcmp(out, original, sizeof(original)) == 0);
	/* Unknown payload type. */
	CHECK_INTEQ(rtc_rtx_unwrap(&map, 1, original, sizeof(original), out, sizeof(out), &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	/* Padding only: no OSN. */
	static const uint8_t probe[] = {
		0xa0, 97, 0, 1, 0, 0, 0, 0, 0x55, 0x66, 0x77, 0x88, 0, 0, 0, 4,
	};
	CHECK_INTEQ(rtc_rtx_unwrap(&map, 1, probe, sizeof(probe), out, sizeof(out), &err), -1);
	CHECK(strstr(err.message, "padding") != NULL);
	/* Not RTP; too small an output. */
	CHECK_INTEQ(rtc_rtx_unwrap(&map, 1, wrapped, 5, out, sizeof(out), &err), -1);
	CHECK_INTEQ(rtc_rtx_unwrap(&map, 1, wrapped, sizeof(wrapped), out, 10, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(rtc_rtx_apt_map_add(&map, 96, 96, &err), -1);
	CHECK_INTEQ(rtc_rtx_apt_map_add(&map, 128, 96, &err), -1);
}

static void test_cache_ring_and_age(void)
{
	struct rtc_error err = { 0 };
	struct rtc_rtx_cache *c = rtc_rtx_cache_new(4, 1000 * MS, &err);
	uint8_t pkt[RTC_RTX_MAX_PACKET + 1];
	const uint8_t *got;
	size_t len;

	CHECK(c != NULL);
	if (!c)
		return;
	for (uint16_t seq = 65533; seq != 3; seq++) {   /* across the wrap: 65533..2 */
		make_packet(pkt, seq, 100 + seq % 7);
		CHECK_INTEQ(rtc_rtx_cache_put(c, seq < 100 ? 10 * MS : 0, pkt, 100 + seq % 7, &err), 0);
	}
	/* Only the last 4 remain: 65535, 0, 1, 2. */
	CHECK(rtc_rtx_cache_get(c, 20 * MS, 65533, &len) == NULL);
	CHECK(rtc_rtx_cache_get(c, 20 * MS, 65534, &len) == NULL);
	got = rtc_rtx_cache_get(c, 20 * MS, 1, &len);
	CHECK(got != NULL);
	CHECK_INTEQ(len, 100 + 1 % 7);
	CHECK(got && rtc_get_be16(got + 2) == 1 && got[len - 1] == 1);
	CHECK(rtc_rtx_cache_get(c, 20 * MS, 65535, &len) != NULL);
	/* Older than max_age: gone. 65535 was sent at 0, 0..2 at 10 ms. */
	CHECK(rtc_rtx_cache_get(c, 1001 * MS, 65535, &len) == NULL);
	CHECK(rtc_rtx_cache_get(c, 1001 * MS, 0, &len) != NULL);
	/* Too big and not RTP. */
	make_packet(pkt, 9, sizeof(pkt));
	CHECK_INTEQ(rtc_rtx_cache_put(c, 0, pkt, sizeof(pkt), &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(c->stats.packets_too_big, 1);
	CHECK_INTEQ(rtc_rtx_cache_put(c, 0, pkt, 11, &err), -1);
	CHECK(rtc_rtx_cache_new(0, 1, &err) == NULL);
	rtc_rtx_cache_free(c);
}

static void test_respond_paced_by_rtt(void)
{
	struct rtc_error err = { 0 };
	struct rtc_rtx_cache *c = rtc_rtx_cache_new(600, 1000 * MS, &err);
	struct rtc_rtx_resend out[8];
	uint8_t pkt[200];
	const uint16_t nack[] = { 12, 10, 99, 11 };

	if (!c)
		return;
	for (uint16_t seq = 10; seq < 20; seq++) {
		make_packet(pkt, seq, sizeof(pkt));
		rtc_rtx_cache_put(c, 0, pkt, sizeof(pkt), &err);
	}
	CHECK_INTEQ(rtc_rtx_respond(c, 50 * MS, 30 * MS, nack, 4, out, 8), 3);
	CHECK_INTEQ(out[0].seq, 12);
	CHECK_INTEQ(out[1].seq, 10);
	CHECK_INTEQ(out[2].seq, 11);
	CHECK(out[0].len == sizeof(pkt) && rtc_get_be16(out[0].pkt + 2) == 12);
	CHECK_INTEQ(c->stats.nacked_missing, 1);
	/* The same NACK again within the RTT: nothing; after it: all three. */
	CHECK_INTEQ(rtc_rtx_respond(c, 79 * MS, 30 * MS, nack, 4, out, 8), 0);
	CHECK_INTEQ(c->stats.nacked_too_soon, 3);
	CHECK_INTEQ(rtc_rtx_respond(c, 80 * MS, 30 * MS, nack, 4, out, 2), 2);
	CHECK_INTEQ(rtc_rtx_respond(c, 80 * MS, 30 * MS, nack + 3, 1, out, 2), 1);
	CHECK_INTEQ(c->stats.packets_resent, 6);
	CHECK_INTEQ(c->stats.bytes_resent, 6 * sizeof(pkt));
	/* A tiny RTT is floored at 5 ms. */
	CHECK_INTEQ(rtc_rtx_respond(c, 84 * MS, 1 * MS, nack, 1, out, 8), 0);
	CHECK_INTEQ(rtc_rtx_respond(c, 85 * MS, 1 * MS, nack, 1, out, 8), 1);
	/* Resent, then wrapped for the RTX stream, it unwraps to the same bytes. */
	struct rtc_rtx_stream s = { .ssrc = 7, .payload_type = 97, .next_seq = 100 };
	struct rtc_rtx_apt_map map;
	uint8_t rtx[300], back[300];
	long len;

	len = rtc_rtx_wrap(&s, out[0].pkt, out[0].len, NULL, rtx, sizeof(rtx), &err);
	CHECK_INTEQ(len, sizeof(pkt) + 2);
	rtc_rtx_apt_map_init(&map);
	rtc_rtx_apt_map_add(&map, 97, 96, &err);
	len = rtc_rtx_unwrap(&map, rtc_get_be32(out[0].pkt + 8), rtx, (size_t)len, back,
			     sizeof(back), &err);
	CHECK_INTEQ(len, sizeof(pkt));
	CHECK(memcmp(back, out[0].pkt, sizeof(pkt)) == 0);
	rtc_rtx_cache_free(c);
}

int main(void)
{
	RUN(test_wrap_layout);
	RUN(test_unwrap_round_trip);
	RUN(test_unwrap_padding_and_refusals);
	RUN(test_cache_ring_and_age);
	RUN(test_respond_paced_by_rtt);
	return rtc_test_done();
}
