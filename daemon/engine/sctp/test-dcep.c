/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DCEP (RFC 8832) vectors: built from the RFC's figures, and the bytes Pion
 * (pion/datachannel's own tests) and libwebrtc put on the wire. Then the
 * ways a peer's message can be wrong.
 */
#include <string.h>

#include "check.h"
#include "engine/sctp/dcep.h"

/* pion/datachannel message_test.go: reliable, priority 0, "foo", "bar". */
static const uint8_t pion_open[] = {
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x03, 0x66, 0x6f, 0x6f, 0x62, 0x61, 0x72,
};
/* Pion's ACK is four bytes: the type and three zeros. */
static const uint8_t pion_ack[] = { 0x02, 0x00, 0x00, 0x00 };

/* libwebrtc's WriteDataChannelOpenMessage for createDataChannel("chat",
 * {ordered: false, maxRetransmits: 0}) with the default "low" priority
 * (256): PARTIAL_RELIABLE_REXMIT_UNORDERED, parameter 0, no protocol. */
static const uint8_t chromium_open_unordered[] = {
	0x03, 0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x04, 0x00, 0x00, 'c', 'h', 'a', 't',
};

static void test_decode_pion_open(void)
{
	struct rtc_dcep_message msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_dcep_decode(pion_open, sizeof(pion_open), &msg, &err), 0);
	CHECK_INTEQ(msg.type, RTC_DCEP_OPEN);
	CHECK(msg.open.ordered);
	CHECK_INTEQ(msg.open.reliability, RTC_DCEP_RELIABLE);
	CHECK_INTEQ(msg.open.priority, 0);
	CHECK_INTEQ(msg.open.label_len, 3);
	CHECK(memcmp(msg.open.label, "foo", 3) == 0);
	CHECK_INTEQ(msg.open.protocol_len, 3);
	CHECK(memcmp(msg.open.protocol, "bar", 3) == 0);
}

static void test_decode_acks(void)
{
	static const uint8_t rfc_ack[] = { 0x02 };
	struct rtc_dcep_message msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_dcep_decode(rfc_ack, sizeof(rfc_ack), &msg, &err), 0);
	CHECK_INTEQ(msg.type, RTC_DCEP_ACK);
	CHECK_INTEQ(rtc_dcep_decode(pion_ack, sizeof(pion_ack), &msg, &err), 0);
	CHECK_INTEQ(msg.type, RTC_DCEP_ACK);
}

static void test_decode_chromium_unordered(void)
{
	struct rtc_dcep_message msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_dcep_decode(chromium_open_unordered, sizeof(chromium_open_unordered),
				    &msg, &err), 0);
	CHECK(!msg.open.ordered);
	CHECK_INTEQ(msg.open.reliability, RTC_DCEP_PARTIAL_RELIABLE_REXMIT);
	CHECK_INTEQ(msg.open.reliability_param, 0);
	CHECK_INTEQ(msg.open.priority, RTC_DCEP_PRIORITY_NORMAL);
	CHECK_INTEQ(msg.open.label_len, 4);
	CHECK_INTEQ(msg.open.protocol_len, 0);
}

static void test_encode_matches_vectors(void)
{
	struct rtc_dcep_open pion = { .ordered = true, .reliability = RTC_DCEP_RELIABLE,
				      .label = "foo", .label_len = 3,
				      .protocol = "bar", .protocol_len = 3 };
	struct rtc_dcep_open chrome = { .ordered = false,
					.reliability = RTC_DCEP_PARTIAL_RELIABLE_REXMIT,
					.priority = RTC_DCEP_PRIORITY_NORMAL,
					.label = "chat", .label_len = 4 };
	uint8_t buf[64];
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_dcep_open_size(&pion), sizeof(pion_open));
	CHECK_INTEQ(rtc_dcep_encode_open(&pion, buf, sizeof(buf), &err), sizeof(pion_open));
	CHECK(memcmp(buf, pion_open, sizeof(pion_open)) == 0);
	CHECK_INTEQ(rtc_dcep_encode_open(&chrome, buf, sizeof(buf), &err),
		    sizeof(chromium_open_unordered));
	CHECK(memcmp(buf, chromium_open_unordered, sizeof(chromium_open_unordered)) == 0);
	CHECK_INTEQ(rtc_dcep_encode_ack(buf, sizeof(buf)), 1);
	CHECK_INTEQ(buf[0], 0x02);
	CHECK_INTEQ(rtc_dcep_encode_ack(buf, 0), -1);
}

/* RFC 8832 section 5.1, every channel type and a timed parameter. */
static void test_round_trip_all_types(void)
{
	static const struct { bool ordered; enum rtc_dcep_reliability r; uint8_t type; } types[] = {
		{ true, RTC_DCEP_RELIABLE, 0x00 },
		{ false, RTC_DCEP_RELIABLE, 0x80 },
		{ true, RTC_DCEP_PARTIAL_RELIABLE_REXMIT, 0x01 },
		{ false, RTC_DCEP_PARTIAL_RELIABLE_REXMIT, 0x81 },
		{ true, RTC_DCEP_PARTIAL_RELIABLE_TIMED, 0x02 },
		{ false, RTC_DCEP_PARTIAL_RELIABLE_TIMED, 0x82 },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct rtc_dcep_open open = {
			.ordered = types[i].ordered, .reliability = types[i].r,
			.reliability_param = types[i].r == RTC_DCEP_RELIABLE ? 0 : 0x01020304,
			.priority = RTC_DCEP_PRIORITY_EXTRA_HIGH,
			.label = "\xc3\xa9t\xc3\xa9", .label_len = 5,   /* "été" */
			.protocol = "", .protocol_len = 0,
		};
		struct rtc_dcep_message msg;
		struct rtc_error err = { 0 };
		uint8_t buf[32];
		long len = rtc_dcep_encode_open(&open, buf, sizeof(buf), &err);

		CHECK_INTEQ(len, 17);
		CHECK_INTEQ(buf[1], types[i].type);
		CHECK_INTEQ(rtc_dcep_channel_type(types[i].ordered, types[i].r), types[i].type);
		CHECK_INTEQ(rtc_dcep_decode(buf, (size_t)len, &msg, &err), 0);
		CHECK_INTEQ(msg.open.ordered, types[i].ordered);
		CHECK_INTEQ(msg.open.reliability, types[i].r);
		CHECK_INTEQ(msg.open.reliability_param, open.reliability_param);
		CHECK_INTEQ(msg.open.priority, 1024);
		CHECK(msg.open.label_len == 5 && memcmp(msg.open.label, open.label, 5) == 0);
	}
}

static void test_reliable_parameter_ignored(void)
{
	/* RFC 8832: the receiver ignores the parameter of a reliable channel. */
	static const uint8_t open[] = { 0x03, 0x00, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef,
					0x00, 0x00, 0x00, 0x00 };
	struct rtc_dcep_message msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_dcep_decode(open, sizeof(open), &msg, &err), 0);
	CHECK_INTEQ(msg.open.reliability_param, 0);
	CHECK_INTEQ(msg.open.label_len, 0);
}

static void expect_error(const uint8_t *buf, size_t len, const char *words)
{
	struct rtc_dcep_message msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_dcep_decode(buf, len, &msg, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	if (!strstr(err.message, words)) {
		printf("# error \"%s\" lacks \"%s\"\n", err.message, words);
		CHECK(0);
	}
}

static void test_malformed(void)
{
	uint8_t b[64];

	expect_error(b, 0, "empty");
	b[0] = 0x04;
	expect_error(b, 1, "unknown DCEP message type 0x04");
	b[0] = 0x00;
	expect_error(b, 1, "unknown DCEP message type 0x00");
	/* Every truncation of an OPEN is refused, none reads past the end. */
	for (size_t n = 1; n < sizeof(pion_open); n++) {
		uint8_t *copy = malloc(n);

		memcpy(copy, pion_open, n);
		expect_error(copy, n, n < 12 ? "shorter than its 12-byte header" : "make 18");
		free(copy);
	}
	memcpy(b, pion_open, sizeof(pion_open));
	b[sizeof(pion_open)] = 'x';
	expect_error(b, sizeof(pion_open) + 1, "is 19 bytes but");
	/* Lengths that point far past the message. */
	memcpy(b, pion_open, sizeof(pion_open));
	b[8] = 0xff, b[9] = 0xff;
	expect_error(b, sizeof(pion_open), "label (65535)");
	memcpy(b, pion_open, sizeof(pion_open));
	b[10] = 0xff, b[11] = 0xff;
	expect_error(b, sizeof(pion_open), "protocol (65535)");
	/* Channel types the RFC does not define. */
	static const uint8_t bad_types[] = { 0x03, 0x7f, 0x83, 0x40, 0xff };
	for (size_t i = 0; i < sizeof(bad_types); i++) {
		memcpy(b, pion_open, sizeof(pion_open));
		b[1] = bad_types[i];
		expect_error(b, sizeof(pion_open), "unknown channel type");
	}
	/* Strings that cannot become D-Bus strings. */
	memcpy(b, pion_open, sizeof(pion_open));
	b[13] = 0x00;
	expect_error(b, sizeof(pion_open), "label is not UTF-8");
	memcpy(b, pion_open, sizeof(pion_open));
	b[16] = 0xc0;   /* overlong lead byte in the protocol */
	expect_error(b, sizeof(pion_open), "protocol is not UTF-8");
}

static void test_utf8(void)
{
	CHECK(rtc_dcep_string_is_valid("", 0));
	CHECK(rtc_dcep_string_is_valid("abc", 3));
	CHECK(rtc_dcep_string_is_valid("\xe2\x82\xac", 3));          /* U+20AC */
	CHECK(rtc_dcep_string_is_valid("\xf0\x9f\x98\x80", 4));      /* U+1F600 */
	CHECK(rtc_dcep_string_is_valid("\xf4\x8f\xbf\xbf", 4));      /* U+10FFFF */
	CHECK(!rtc_dcep_string_is_valid("a\0b", 3));
	CHECK(!rtc_dcep_string_is_valid("\xc0\xaf", 2));             /* overlong '/' */
	CHECK(!rtc_dcep_string_is_valid("\xe0\x80\xaf", 3));         /* overlong */
	CHECK(!rtc_dcep_string_is_valid("\xed\xa0\x80", 3));         /* surrogate */
	CHECK(!rtc_dcep_string_is_valid("\xf4\x90\x80\x80", 4));     /* > U+10FFFF */
	CHECK(!rtc_dcep_string_is_valid("\xe2\x82", 2));             /* truncated */
	CHECK(!rtc_dcep_string_is_valid("\x80", 1));                 /* lone continuation */
	CHECK(!rtc_dcep_string_is_valid("\xf8\x88\x80\x80\x80", 5));
}

static void test_encode_refuses(void)
{
	struct rtc_dcep_open open = { .ordered = true, .reliability = RTC_DCEP_RELIABLE,
				      .reliability_param = 5, .label = "x", .label_len = 1 };
	struct rtc_error err = { 0 };
	uint8_t buf[16];

	CHECK_INTEQ(rtc_dcep_encode_open(&open, buf, sizeof(buf), &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	open.reliability_param = 0;
	CHECK_INTEQ(rtc_dcep_encode_open(&open, buf, 12, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	open.reliability = (enum rtc_dcep_reliability)3;
	CHECK_INTEQ(rtc_dcep_encode_open(&open, buf, sizeof(buf), &err), -1);
}

int main(void)
{
	RUN(test_decode_pion_open);
	RUN(test_decode_acks);
	RUN(test_decode_chromium_unordered);
	RUN(test_encode_matches_vectors);
	RUN(test_round_trip_all_types);
	RUN(test_reliable_parameter_ignored);
	RUN(test_malformed);
	RUN(test_utf8);
	RUN(test_encode_refuses);
	return rtc_test_done();
}
