/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * STUN codec: the RFC 5769 and RFC 8489 B.1 test vectors, the builder
 * reproducing them byte for byte, malformed input, and the client
 * transaction retransmission schedule on a fake clock.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "engine/stun/stun.h"
#include "engine/stun/stun-transaction.h"

/* Bytes from hex text; spaces and newlines are ignored, as in the RFCs. */
static size_t unhex(const char *text, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int high = -1;
	for (const char *p = text; *p; p++) {
		int v;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else
			continue;
		if (high < 0) {
			high = v;
		} else if (n < cap) {
			out[n++] = (uint8_t)(high << 4 | v);
			high = -1;
		}
	}
	return n;
}

/* RFC 5769 2.1: username "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt";
 * the username's padding is three spaces, which receivers ignore. */
static const char rfc5769_request[] =
	"00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
	"00 24 00 04 6e 00 01 ff"
	"80 29 00 08 93 2f f9 b1 51 26 3b 36"
	"00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
	"00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
	"80 28 00 04 e5 7a 3b cf";

/* RFC 5769 2.2: XOR-MAPPED-ADDRESS 192.0.2.1 port 32853. */
static const char rfc5769_ipv4_response[] =
	"01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 08 00 01 a1 47 e1 12 a6 43"
	"00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
	"80 28 00 04 c0 7d 4c 96";

/* RFC 5769 2.3: 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
static const char rfc5769_ipv6_response[] =
	"01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
	"00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
	"80 28 00 04 c8 fb 0b 4c";

/* RFC 5769 2.4: long-term credentials, username "マトリックス", realm
 * "example.org", password "TheMatrIX" after SASLprep, nonce
 * "f//499k954d6OL34oL9FSTvy64sA". */
static const char rfc5769_long_term[] =
	"00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
	"00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"
	"00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46"
	"53 54 76 79 36 34 73 41"
	"00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
	"00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

/* RFC 8489 B.1 as corrected by erratum 6268 (the published MAC was
 * computed without PASSWORD-ALGORITHM): USERHASH, nonce
 * "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA", PASSWORD-ALGORITHM SHA-256,
 * MESSAGE-INTEGRITY-SHA256 with the SHA-256 long-term key. */
static const char rfc8489_b1[] =
	"00 01 00 90 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
	"00 1e 00 20 4a 3c f3 8f ef 69 92 bd a9 52 c6 78 04 17 da 0f"
	"24 81 94 15 56 9e 60 b2 05 c4 6e 41 40 7f 17 04"
	"00 15 00 29 6f 62 4d 61 74 4a 6f 73 32 41 41 41 43 66 2f 2f 34 39 39 6b"
	"39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41 00 00 00"
	"00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
	"00 1d 00 04 00 02 00 00"
	"00 1c 00 20 b5 c7 bf 00 5b 6c 52 a2 1c 51 c5 e8 92 f8 19 24"
	"13 62 96 cb 92 7c 43 14 93 09 27 8c c6 51 8e 65";

static const char username_matrix[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";

static void test_crc32(void)
{
	CHECK_INTEQ(rtc_stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
	CHECK_INTEQ(rtc_stun_crc32(NULL, 0), 0);
}

static void test_rfc5769_request(void)
{
	uint8_t buf[256];
	size_t len = unhex(rfc5769_request, buf, sizeof(buf));
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(len, 108);
	CHECK(rtc_stun_is_stun(buf, len));
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(msg.method, RTC_STUN_BINDING);
	CHECK_INTEQ(msg.cls, RTC_STUN_REQUEST);
	CHECK_INTEQ(msg.unknown_count, 0);
	CHECK(msg.fingerprint >= 0);

	char text[128];
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_SOFTWARE, text, sizeof(text), &err),
		    RTC_STUN_OK);
	CHECK_STREQ(text, "STUN test client");
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_USERNAME, text, sizeof(text), &err),
		    RTC_STUN_OK);
	CHECK_STREQ(text, "evtj:h6vY");
	uint32_t priority = 0;
	CHECK_INTEQ(rtc_stun_msg_get_u32(&msg, RTC_STUN_ATTR_PRIORITY, &priority, &err), RTC_STUN_OK);
	CHECK_INTEQ(priority, 0x6e0001ffu);
	uint64_t tiebreaker = 0;
	CHECK_INTEQ(rtc_stun_msg_get_u64(&msg, RTC_STUN_ATTR_ICE_CONTROLLED, &tiebreaker, &err),
		    RTC_STUN_OK);
	CHECK(tiebreaker == 0x932ff9b151263b36ull);
	CHECK(!rtc_stun_msg_has(&msg, RTC_STUN_ATTR_ICE_CONTROLLING));
	CHECK_INTEQ(rtc_stun_msg_get_u64(&msg, RTC_STUN_ATTR_ICE_CONTROLLING, &tiebreaker, &err),
		    RTC_STUN_E_MISSING_ATTR);

	struct rtc_stun_key key;
	CHECK_INTEQ(rtc_stun_key_short_term(&key, "VOkJxbRl1RmTxUk/WvJxBt", &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_key_short_term(&key, "VOkJxbRl1RmTxUk/WvJxBT", &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_E_INTEGRITY_MISMATCH);
}

static void check_response(const char *hex, const char *want_ip, int family)
{
	uint8_t buf[256];
	size_t len = unhex(hex, buf, sizeof(buf));
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(msg.cls, RTC_STUN_SUCCESS);
	CHECK_INTEQ(msg.method, RTC_STUN_BINDING);
	char text[128];
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_SOFTWARE, text, sizeof(text), &err),
		    RTC_STUN_OK);
	CHECK_STREQ(text, "test vector");

	struct sockaddr_storage ss;
	CHECK_INTEQ(rtc_stun_msg_get_address(&msg, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, &ss, &err),
		    RTC_STUN_OK);
	CHECK_INTEQ(ss.ss_family, family);
	char ip[INET6_ADDRSTRLEN] = "";
	uint16_t port = 0;
	if (family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		port = ntohs(sin6->sin6_port);
	}
	CHECK_STREQ(ip, want_ip);
	CHECK_INTEQ(port, 32853);

	struct rtc_stun_key key;
	CHECK_INTEQ(rtc_stun_key_short_term(&key, "VOkJxbRl1RmTxUk/WvJxBt", &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_OK);

	/* The builder writes the same XOR-MAPPED-ADDRESS bytes. */
	uint8_t out[64];
	struct rtc_stun_builder b;
	size_t out_len = 0;
	rtc_stun_builder_init(&b, out, sizeof(out), RTC_STUN_BINDING, RTC_STUN_SUCCESS, msg.tid);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&ss);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &out_len), RTC_STUN_OK);
	const struct rtc_stun_attr *a = rtc_stun_msg_find(&msg, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS);
	CHECK(a && out_len == RTC_STUN_HEADER_LEN + 4u + a->len &&
	      memcmp(out + RTC_STUN_HEADER_LEN, buf + a->offset, 4u + a->len) == 0);
}

static void test_rfc5769_ipv4_response(void)
{
	check_response(rfc5769_ipv4_response, "192.0.2.1", AF_INET);
}

static void test_rfc5769_ipv6_response(void)
{
	check_response(rfc5769_ipv6_response, "2001:db8:1234:5678:11:2233:4455:6677", AF_INET6);
}

static void test_rfc5769_long_term(void)
{
	uint8_t buf[256];
	size_t len = unhex(rfc5769_long_term, buf, sizeof(buf));
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK(msg.fingerprint < 0);
	char text[128];
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_USERNAME, text, sizeof(text), &err),
		    RTC_STUN_OK);
	CHECK_STREQ(text, username_matrix);
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_NONCE, text, sizeof(text), &err),
		    RTC_STUN_OK);
	CHECK_STREQ(text, "f//499k954d6OL34oL9FSTvy64sA");
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_REALM, text, sizeof(text), &err),
		    RTC_STUN_OK);
	CHECK_STREQ(text, "example.org");

	struct rtc_stun_key key;
	CHECK_INTEQ(rtc_stun_key_long_term(&key, RTC_STUN_PASSWORD_MD5, username_matrix,
					   "example.org", "TheMatrIX", &err), RTC_STUN_OK);
	CHECK_INTEQ(key.len, 16);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_OK);

	/* The password before SASLprep is not ASCII: a clear refusal. */
	struct rtc_stun_key other;
	err = (struct rtc_error){ 0 };
	CHECK_INTEQ(rtc_stun_key_long_term(&other, RTC_STUN_PASSWORD_MD5, username_matrix,
					   "example.org", "The\xc2\xadM\xc2\xaatr\xe2\x85\xa8", &err),
		    RTC_STUN_E_UNSUPPORTED);
	CHECK(strstr(err.message, "not ASCII") != NULL);

	/* Rebuilt from its parts, byte for byte. */
	uint8_t out[256];
	struct rtc_stun_builder b;
	size_t out_len = 0;
	rtc_stun_builder_init(&b, out, sizeof(out), RTC_STUN_BINDING, RTC_STUN_REQUEST, msg.tid);
	rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_USERNAME, username_matrix);
	rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_NONCE, "f//499k954d6OL34oL9FSTvy64sA");
	rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_REALM, "example.org");
	rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA1);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &out_len), RTC_STUN_OK);
	CHECK(out_len == len && memcmp(out, buf, len) == 0);
}

static void test_rfc8489_b1(void)
{
	uint8_t buf[256];
	size_t len = unhex(rfc8489_b1, buf, sizeof(buf));
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK(msg.integrity < 0 && msg.integrity_sha256 >= 0);

	uint8_t userhash[32];
	CHECK_INTEQ(rtc_stun_userhash(userhash, username_matrix, "example.org", &err), RTC_STUN_OK);
	const struct rtc_stun_attr *a = rtc_stun_msg_find(&msg, RTC_STUN_ATTR_USERHASH);
	CHECK(a && a->len == 32 && memcmp(a->value, userhash, 32) == 0);

	struct rtc_stun_password_algorithms algs;
	CHECK_INTEQ(rtc_stun_msg_get_password_algorithms(&msg, RTC_STUN_ATTR_PASSWORD_ALGORITHM,
							 &algs, &err), RTC_STUN_OK);
	CHECK(algs.count == 1 && algs.ids[0] == RTC_STUN_PASSWORD_SHA256);

	struct rtc_stun_key key;
	CHECK_INTEQ(rtc_stun_key_long_term(&key, RTC_STUN_PASSWORD_SHA256, username_matrix,
					   "example.org", "TheMatrIX", &err), RTC_STUN_OK);
	CHECK_INTEQ(key.len, 32);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_OK);
	/* The MD5 key is the wrong one for this message. */
	CHECK_INTEQ(rtc_stun_key_long_term(&key, RTC_STUN_PASSWORD_MD5, username_matrix,
					   "example.org", "TheMatrIX", &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_E_INTEGRITY_MISMATCH);

	uint8_t out[256];
	struct rtc_stun_builder b;
	size_t out_len = 0;
	CHECK_INTEQ(rtc_stun_key_long_term(&key, RTC_STUN_PASSWORD_SHA256, username_matrix,
					   "example.org", "TheMatrIX", &err), RTC_STUN_OK);
	rtc_stun_builder_init(&b, out, sizeof(out), RTC_STUN_BINDING, RTC_STUN_REQUEST, msg.tid);
	rtc_stun_builder_add_raw(&b, RTC_STUN_ATTR_USERHASH, userhash, sizeof(userhash));
	rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_NONCE,
				    "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
	rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_REALM, "example.org");
	rtc_stun_builder_add_password_algorithm(&b, RTC_STUN_PASSWORD_SHA256);
	rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA256);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &out_len), RTC_STUN_OK);
	CHECK(out_len == len && memcmp(out, buf, len) == 0);
}

static void test_build_round_trip(void)
{
	uint8_t out[512];
	struct rtc_stun_builder b;
	struct rtc_error err = { 0 };
	struct rtc_stun_key key;
	CHECK_INTEQ(rtc_stun_key_short_term(&key, "abcdefghijklmnopqrstuv", &err), RTC_STUN_OK);

	struct sockaddr_in6 peer = { .sin6_family = AF_INET6, .sin6_port = htons(5004) };
	inet_pton(AF_INET6, "2001:db8::42", &peer.sin6_addr);
	struct sockaddr_in alt = { .sin_family = AF_INET, .sin_port = htons(3478) };
	inet_pton(AF_INET, "198.51.100.7", &alt.sin_addr);
	const uint16_t unknown[] = { 0x7777, 0x0042 };
	const uint16_t algorithms[] = { RTC_STUN_PASSWORD_SHA256, RTC_STUN_PASSWORD_MD5 };

	rtc_stun_builder_init(&b, out, sizeof(out), RTC_STUN_ALLOCATE, RTC_STUN_ERROR, NULL);
	rtc_stun_builder_add_error_code(&b, 420, "Unknown Attribute");
	rtc_stun_builder_add_unknown_attributes(&b, unknown, 2);
	rtc_stun_builder_add_password_algorithms(&b, algorithms, 2);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_PEER_ADDRESS, (struct sockaddr *)&peer);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_ALTERNATE_SERVER, (struct sockaddr *)&alt);
	rtc_stun_builder_add_flag(&b, RTC_STUN_ATTR_USE_CANDIDATE);
	rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA1);
	rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA256);
	rtc_stun_builder_add_fingerprint(&b);
	size_t len = 0;
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);
	CHECK(rtc_stun_is_stun(out, len));

	struct rtc_stun_msg msg;
	CHECK_INTEQ(rtc_stun_parse(&msg, out, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(msg.method, RTC_STUN_ALLOCATE);
	CHECK_INTEQ(msg.cls, RTC_STUN_ERROR);
	CHECK(memcmp(msg.tid, out + 8, RTC_STUN_TID_LEN) == 0);
	uint16_t code = 0;
	char reason[128];
	CHECK_INTEQ(rtc_stun_msg_get_error_code(&msg, &code, reason, sizeof(reason), &err),
		    RTC_STUN_OK);
	CHECK_INTEQ(code, 420);
	CHECK_STREQ(reason, "Unknown Attribute");
	uint16_t types[4];
	size_t count = 0;
	CHECK_INTEQ(rtc_stun_msg_get_unknown_attributes(&msg, types, 4, &count, &err), RTC_STUN_OK);
	CHECK(count == 2 && types[0] == 0x7777 && types[1] == 0x0042);
	struct rtc_stun_password_algorithms algs;
	CHECK_INTEQ(rtc_stun_msg_get_password_algorithms(&msg, RTC_STUN_ATTR_PASSWORD_ALGORITHMS,
							 &algs, &err), RTC_STUN_OK);
	CHECK(algs.count == 2 && algs.ids[0] == RTC_STUN_PASSWORD_SHA256 &&
	      algs.ids[1] == RTC_STUN_PASSWORD_MD5);

	struct sockaddr_storage ss;
	CHECK_INTEQ(rtc_stun_msg_get_address(&msg, RTC_STUN_ATTR_XOR_PEER_ADDRESS, &ss, &err),
		    RTC_STUN_OK);
	CHECK(ss.ss_family == AF_INET6 &&
	      memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, &peer.sin6_addr, 16) == 0 &&
	      ((struct sockaddr_in6 *)&ss)->sin6_port == peer.sin6_port);
	CHECK_INTEQ(rtc_stun_msg_get_address(&msg, RTC_STUN_ATTR_ALTERNATE_SERVER, &ss, &err),
		    RTC_STUN_OK);
	CHECK(ss.ss_family == AF_INET &&
	      ((struct sockaddr_in *)&ss)->sin_addr.s_addr == alt.sin_addr.s_addr &&
	      ((struct sockaddr_in *)&ss)->sin_port == alt.sin_port);
	/* Plain MAPPED-ADDRESS bytes are the address itself. */
	const struct rtc_stun_attr *a = rtc_stun_msg_find(&msg, RTC_STUN_ATTR_ALTERNATE_SERVER);
	CHECK(a && a->len == 8 && memcmp(a->value + 4, &alt.sin_addr, 4) == 0);

	const struct rtc_stun_attr *flag = rtc_stun_msg_find(&msg, RTC_STUN_ATTR_USE_CANDIDATE);
	CHECK(flag && flag->len == 0);
	CHECK(msg.integrity >= 0 && msg.integrity_sha256 > msg.integrity && msg.fingerprint >= 0);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_OK);

	/* MESSAGE-INTEGRITY alone (the SHA-256 one hidden) verifies too:
	 * its HMAC covers only what precedes it. */
	struct rtc_stun_msg sha1_only = msg;
	sha1_only.integrity_sha256 = -1;
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&sha1_only, &key), RTC_STUN_OK);
}

/* Parses hex and checks the status and that *err names the problem. */
static void check_malformed(const char *hex, enum rtc_stun_status want, const char *words)
{
	uint8_t buf[256];
	size_t len = unhex(hex, buf, sizeof(buf));
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };
	enum rtc_stun_status got = rtc_stun_parse(&msg, buf, len, &err);
	CHECK_INTEQ(got, want);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	if (!strstr(err.message, words))
		printf("# error message \"%s\" lacks \"%s\"\n", err.message, words);
	CHECK(strstr(err.message, words) != NULL);
}

#define HDR(len) "00 01 " len " 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b "

static void test_malformed(void)
{
	check_malformed("00 01 00 00 21 12 a4 42 00 01", RTC_STUN_E_TRUNCATED, "header needs 20");
	check_malformed(HDR("00 08") "00 24 00 04", RTC_STUN_E_TRUNCATED, "says 28 bytes, 24");
	check_malformed(HDR("00 06") "00 24 00 02 00 00", RTC_STUN_E_BAD_LENGTH, "multiple of 4");
	check_malformed(HDR("00 00") "00 00 00 00", RTC_STUN_E_BAD_LENGTH, "4 bytes after");
	check_malformed("00 01 00 00 21 12 a4 43 00 01 02 03 04 05 06 07 08 09 0a 0b",
			RTC_STUN_E_NOT_STUN, "magic cookie");
	check_malformed("c0 01 00 00 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b",
			RTC_STUN_E_NOT_STUN, "0xc0");
	check_malformed(HDR("00 08") "00 24 00 08 00 00 00 01", RTC_STUN_E_ATTR_OVERRUN,
			"0x0024 at offset 20: 8 bytes, 4 left");
	/* SOFTWARE "abcde" without its padding: the length gives it away. */
	check_malformed(HDR("00 09") "80 22 00 05 61 62 63 64 65", RTC_STUN_E_BAD_LENGTH,
			"unpadded");
	check_malformed(HDR("00 08") "80 22 00 05 61 62 63 64", RTC_STUN_E_ATTR_OVERRUN,
			"0x8022 at offset 20: 5 bytes, 4 left");
	check_malformed(HDR("00 04") "00 24 00 04", RTC_STUN_E_ATTR_OVERRUN, "4 bytes, 0 left");
	/* MESSAGE-INTEGRITY of 16 bytes. */
	check_malformed(HDR("00 14") "00 08 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
			RTC_STUN_E_BAD_ATTR, "MESSAGE-INTEGRITY of 16 bytes");
	/* Something after FINGERPRINT (found before its value is checked). */
	check_malformed(HDR("00 0c") "80 28 00 04 00 00 00 00 80 22 00 00",
			RTC_STUN_E_AFTER_FINGERPRINT, "offset 28");

	/* A good message with its FINGERPRINT value altered, then with a
	 * payload byte altered: both caught by the CRC. */
	uint8_t buf[256];
	size_t len = unhex(rfc5769_request, buf, sizeof(buf));
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };
	buf[len - 1] ^= 1;
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_E_BAD_FINGERPRINT);
	CHECK(strstr(err.message, "FINGERPRINT mismatch") != NULL);
	buf[len - 1] ^= 1;
	buf[30] ^= 1;
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_E_BAD_FINGERPRINT);
}

static void test_after_fingerprint(void)
{
	uint8_t out[128];
	struct rtc_stun_builder b;
	size_t len = 0;
	rtc_stun_builder_init(&b, out, sizeof(out), RTC_STUN_BINDING, RTC_STUN_REQUEST, NULL);
	rtc_stun_builder_add_fingerprint(&b);
	rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_PRIORITY, 1);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);

	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };
	CHECK_INTEQ(rtc_stun_parse(&msg, out, len, &err), RTC_STUN_E_AFTER_FINGERPRINT);
	CHECK(strstr(err.message, "offset 28") != NULL);
}

static void test_integrity_mismatch_and_absence(void)
{
	uint8_t buf[256];
	size_t len = unhex(rfc5769_long_term, buf, sizeof(buf));
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };
	struct rtc_stun_key key;
	CHECK_INTEQ(rtc_stun_key_long_term(&key, RTC_STUN_PASSWORD_MD5, username_matrix,
					   "example.org", "TheMatrIX", &err), RTC_STUN_OK);

	buf[50] ^= 0x01;   /* a nonce byte: no FINGERPRINT protects it */
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_E_INTEGRITY_MISMATCH);
	buf[50] ^= 0x01;
	buf[len - 1] ^= 0x80;   /* the MAC itself */
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_E_INTEGRITY_MISMATCH);

	len = unhex(HDR("00 00"), buf, sizeof(buf));
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_check_integrity(&msg, &key), RTC_STUN_E_NO_INTEGRITY);
}

static void test_unknown_and_ignored(void)
{
	/* 0x7777 is comprehension-required and unknown (reported, once),
	 * 0xC001 is optional (ignored); PRIORITY after MESSAGE-INTEGRITY is
	 * not indexed (RFC 8489 14.5). */
	uint8_t buf[256];
	size_t len = unhex(HDR("00 30")
			   "77 77 00 00 c0 01 00 01 ff 00 00 00 77 77 00 00"
			   "00 08 00 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
			   "00 24 00 04 00 00 00 07", buf, sizeof(buf));
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(msg.unknown_count, 1);
	CHECK_INTEQ(msg.unknown[0], 0x7777);
	CHECK(!rtc_stun_msg_has(&msg, RTC_STUN_ATTR_PRIORITY));
	CHECK(msg.integrity >= 0);
}

static void test_bad_attribute_values(void)
{
	uint8_t buf[256];
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };
	struct sockaddr_storage ss;
	uint16_t code;
	uint32_t u32;
	char text[64];

	/* XOR-MAPPED-ADDRESS with family 3; ERROR-CODE class 7; PRIORITY of
	 * 2 bytes; a USERNAME with a NUL byte. */
	size_t len = unhex(HDR("00 24")
			   "00 20 00 08 00 03 00 00 00 00 00 00"
			   "00 09 00 04 00 00 07 01"
			   "00 24 00 02 00 00 00 00"
			   "00 06 00 03 61 00 62 00", buf, sizeof(buf));
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_get_address(&msg, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, &ss, &err),
		    RTC_STUN_E_BAD_ATTR);
	CHECK(strstr(err.message, "family 0x03") != NULL);
	CHECK_INTEQ(rtc_stun_msg_get_error_code(&msg, &code, NULL, 0, &err), RTC_STUN_E_BAD_ATTR);
	CHECK(strstr(err.message, "class 7") != NULL);
	CHECK_INTEQ(rtc_stun_msg_get_u32(&msg, RTC_STUN_ATTR_PRIORITY, &u32, &err),
		    RTC_STUN_E_BAD_ATTR);
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_USERNAME, text, sizeof(text), &err),
		    RTC_STUN_E_BAD_ATTR);
	CHECK(strstr(err.message, "NUL") != NULL);
	CHECK_INTEQ(rtc_stun_msg_get_address(&msg, RTC_STUN_ATTR_USERNAME, &ss, &err),
		    RTC_STUN_E_BAD_ATTR);
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_REALM, text, sizeof(text), &err),
		    RTC_STUN_E_MISSING_ATTR);

	/* A value that does not fit the caller's buffer. */
	len = unhex(HDR("00 0c") "00 14 00 08 61 62 63 64 65 66 67 68", buf, sizeof(buf));
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_REALM, text, 8, &err),
		    RTC_STUN_E_BAD_ATTR);
	CHECK_INTEQ(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_REALM, text, 9, &err), RTC_STUN_OK);
	CHECK_STREQ(text, "abcdefgh");
}

static void test_too_many_attributes(void)
{
	uint8_t buf[20 + 4 * 70];
	struct rtc_stun_builder b;
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING, RTC_STUN_REQUEST, NULL);
	for (int i = 0; i < 70; i++)
		rtc_stun_builder_add_flag(&b, RTC_STUN_ATTR_USE_CANDIDATE);
	size_t len = 0;
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);
	struct rtc_stun_msg msg;
	struct rtc_error err = { 0 };
	CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, &err), RTC_STUN_E_TOO_MANY_ATTRS);
}

static void test_builder_errors(void)
{
	uint8_t buf[32];
	struct rtc_stun_builder b;
	size_t len = 0;

	rtc_stun_builder_init(&b, buf, 10, RTC_STUN_BINDING, RTC_STUN_REQUEST, NULL);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_E_NO_SPACE);

	/* Sticky: the first failure wins, later adds do nothing. */
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING, RTC_STUN_REQUEST, NULL);
	rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_PRIORITY, 1);
	rtc_stun_builder_add_u64(&b, RTC_STUN_ATTR_ICE_CONTROLLING, 2);
	CHECK_INTEQ(b.status, RTC_STUN_E_NO_SPACE);
	rtc_stun_builder_add_flag(&b, RTC_STUN_ATTR_USE_CANDIDATE);
	CHECK_INTEQ(b.len, 28);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_E_NO_SPACE);

	char realm[200];
	memset(realm, 'r', sizeof(realm) - 1);
	realm[sizeof(realm) - 1] = '\0';
	uint8_t big[1024];
	rtc_stun_builder_init(&b, big, sizeof(big), RTC_STUN_BINDING, RTC_STUN_REQUEST, NULL);
	rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_REALM, realm);   /* > 127 characters */
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_E_TOO_LONG);

	rtc_stun_builder_init(&b, big, sizeof(big), RTC_STUN_BINDING, RTC_STUN_ERROR, NULL);
	rtc_stun_builder_add_error_code(&b, 200, "no");
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_E_UNSUPPORTED);

	struct rtc_stun_key key;
	struct rtc_error err = { 0 };
	CHECK_INTEQ(rtc_stun_key_short_term(&key, "tab\there", &err), RTC_STUN_E_UNSUPPORTED);
	CHECK(strstr(err.message, "control character") != NULL);
}

static void test_is_stun(void)
{
	uint8_t buf[256];
	size_t len = unhex(rfc5769_request, buf, sizeof(buf));
	CHECK(rtc_stun_is_stun(buf, len));
	CHECK(!rtc_stun_is_stun(buf, len - 4));     /* length field disagrees */
	CHECK(!rtc_stun_is_stun(buf, 19));
	CHECK(!rtc_stun_is_stun(NULL, 0));
	buf[4] = 0;
	CHECK(!rtc_stun_is_stun(buf, len));         /* no cookie */
}

static void test_method_and_class_bits(void)
{
	/* Every class with a method using all 12 bits survives the trip. */
	uint8_t buf[32];
	struct rtc_stun_builder b;
	struct rtc_stun_msg msg;
	size_t len = 0;
	for (int cls = 0; cls < 4; cls++) {
		rtc_stun_builder_init(&b, buf, sizeof(buf), 0x0FFF, (enum rtc_stun_class)cls, NULL);
		CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);
		CHECK_INTEQ(rtc_stun_parse(&msg, buf, len, NULL), RTC_STUN_OK);
		CHECK_INTEQ(msg.method, 0x0FFF);
		CHECK_INTEQ(msg.cls, cls);
	}
	/* Allocate error response is 0x0113, CreatePermission success 0x0108. */
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_ALLOCATE, RTC_STUN_ERROR, NULL);
	CHECK(buf[0] == 0x01 && buf[1] == 0x13);
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_CREATE_PERMISSION, RTC_STUN_SUCCESS,
			      NULL);
	CHECK(buf[0] == 0x01 && buf[1] == 0x08);
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_DATA, RTC_STUN_INDICATION, NULL);
	CHECK(buf[0] == 0x00 && buf[1] == 0x17);
}

#define MS(x) ((uint64_t)(x) * RTC_STUN_NS_PER_MS)

static void test_transaction_schedule(void)
{
	const uint8_t tid[RTC_STUN_TID_LEN] = { 1, 2, 3 };
	struct rtc_stun_transaction t;
	const uint64_t start = MS(1000);
	/* RFC 8489 6.2.1: sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms,
	 * failure at 39500 ms. */
	const uint64_t sends[] = { 500, 1500, 3500, 7500, 15500, 31500 };

	rtc_stun_transaction_start(&t, tid, start, NULL);
	unsigned retransmits = 0;
	for (size_t i = 0; i < sizeof(sends) / sizeof(sends[0]); i++) {
		CHECK_INTEQ(rtc_stun_transaction_deadline(&t), start + MS(sends[i]));
		CHECK_INTEQ(rtc_stun_transaction_poll(&t, start + MS(sends[i]) - 1),
			    RTC_STUN_TRANSACTION_WAIT);
		if (rtc_stun_transaction_poll(&t, start + MS(sends[i])) ==
		    RTC_STUN_TRANSACTION_RETRANSMIT)
			retransmits++;
	}
	CHECK_INTEQ(retransmits, 6);
	CHECK_INTEQ(rtc_stun_transaction_deadline(&t), start + MS(39500));
	CHECK_INTEQ(rtc_stun_transaction_poll(&t, start + MS(39499)), RTC_STUN_TRANSACTION_WAIT);
	CHECK_INTEQ(rtc_stun_transaction_poll(&t, start + MS(39500)), RTC_STUN_TRANSACTION_TIMEOUT);
	CHECK_INTEQ(t.state, RTC_STUN_TRANSACTION_TIMED_OUT);
	CHECK(rtc_stun_transaction_deadline(&t) == UINT64_MAX);
	CHECK_INTEQ(rtc_stun_transaction_poll(&t, start + MS(99999)), RTC_STUN_TRANSACTION_WAIT);
}

static void test_transaction_reliable_and_custom(void)
{
	const uint8_t tid[RTC_STUN_TID_LEN] = { 9 };
	struct rtc_stun_transaction t;
	struct rtc_stun_rto_params tcp = rtc_stun_rto_default;
	tcp.reliable = true;
	rtc_stun_transaction_start(&t, tid, 0, &tcp);
	CHECK_INTEQ(rtc_stun_transaction_deadline(&t), MS(39500));
	CHECK_INTEQ(rtc_stun_transaction_poll(&t, MS(39500)), RTC_STUN_TRANSACTION_TIMEOUT);

	/* A late caller retransmits once and the schedule continues from now. */
	struct rtc_stun_rto_params fast = { .rto_ns = MS(100), .rc = 3, .rm = 2 };
	rtc_stun_transaction_start(&t, tid, 0, &fast);
	CHECK_INTEQ(rtc_stun_transaction_poll(&t, MS(1000)), RTC_STUN_TRANSACTION_RETRANSMIT);
	CHECK_INTEQ(rtc_stun_transaction_deadline(&t), MS(1200));
	CHECK_INTEQ(rtc_stun_transaction_poll(&t, MS(1200)), RTC_STUN_TRANSACTION_RETRANSMIT);
	CHECK_INTEQ(rtc_stun_transaction_deadline(&t), MS(1400));   /* Rm * RTO */
	CHECK_INTEQ(rtc_stun_transaction_poll(&t, MS(1400)), RTC_STUN_TRANSACTION_TIMEOUT);
}

static void test_transaction_matching(void)
{
	uint8_t req[64], resp[64];
	struct rtc_stun_builder b;
	struct rtc_stun_msg msg;
	struct rtc_stun_transaction t;
	size_t len = 0;

	rtc_stun_builder_init(&b, req, sizeof(req), RTC_STUN_BINDING, RTC_STUN_REQUEST, NULL);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);
	rtc_stun_transaction_start(&t, req + 8, 0, NULL);

	/* Another transaction's response, then a request with our id: no. */
	uint8_t other[RTC_STUN_TID_LEN];
	memcpy(other, req + 8, sizeof(other));
	other[11] ^= 0xFF;
	rtc_stun_builder_init(&b, resp, sizeof(resp), RTC_STUN_BINDING, RTC_STUN_SUCCESS, other);
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_parse(&msg, resp, len, NULL), RTC_STUN_OK);
	CHECK(!rtc_stun_transaction_matches(&t, &msg));
	CHECK_INTEQ(rtc_stun_parse(&msg, req, len, NULL), RTC_STUN_OK);
	CHECK(!rtc_stun_transaction_matches(&t, &msg));

	rtc_stun_builder_init(&b, resp, sizeof(resp), RTC_STUN_BINDING, RTC_STUN_ERROR, req + 8);
	rtc_stun_builder_add_error_code(&b, 487, "Role Conflict");
	CHECK_INTEQ(rtc_stun_builder_finish(&b, &len), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_parse(&msg, resp, len, NULL), RTC_STUN_OK);
	CHECK(rtc_stun_transaction_matches(&t, &msg));
	CHECK_INTEQ(t.state, RTC_STUN_TRANSACTION_DONE);
	CHECK(!rtc_stun_transaction_matches(&t, &msg));   /* a duplicate is not new */
	CHECK_INTEQ(rtc_stun_transaction_poll(&t, MS(100000)), RTC_STUN_TRANSACTION_WAIT);
}

static void test_tid_random(void)
{
	uint8_t a[RTC_STUN_TID_LEN], b[RTC_STUN_TID_LEN];
	CHECK_INTEQ(rtc_stun_tid_generate(a), RTC_STUN_OK);
	CHECK_INTEQ(rtc_stun_tid_generate(b), RTC_STUN_OK);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
}

int main(void)
{
	RUN(test_crc32);
	RUN(test_rfc5769_request);
	RUN(test_rfc5769_ipv4_response);
	RUN(test_rfc5769_ipv6_response);
	RUN(test_rfc5769_long_term);
	RUN(test_rfc8489_b1);
	RUN(test_build_round_trip);
	RUN(test_malformed);
	RUN(test_after_fingerprint);
	RUN(test_integrity_mismatch_and_absence);
	RUN(test_unknown_and_ignored);
	RUN(test_bad_attribute_values);
	RUN(test_too_many_attributes);
	RUN(test_builder_errors);
	RUN(test_is_stun);
	RUN(test_method_and_class_bits);
	RUN(test_transaction_schedule);
	RUN(test_transaction_reliable_and_custom);
	RUN(test_transaction_matching);
	RUN(test_tid_random);
	return rtc_test_done();
}
