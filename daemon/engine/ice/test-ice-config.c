/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "check.h"
#include "engine/ice/ice-config.h"

static void test_rfc7064_examples(void)
{
	struct rtc_ice_url u;
	struct rtc_error err = { 0 };

	/* RFC 7064 section 3.1 example URIs. */
	CHECK(rtc_ice_url_parse("stun:example.org", &u, &err) == 0);
	CHECK_STREQ(u.host, "example.org");
	CHECK_INTEQ(u.port, 3478);
	CHECK_INTEQ(u.scheme, RTC_ICE_URL_STUN);
	CHECK(rtc_ice_url_parse("stuns:example.org", &u, &err) == 0);
	CHECK_INTEQ(u.port, 5349);
	CHECK(rtc_ice_url_parse("stun:example.org:8000", &u, &err) == 0);
	CHECK_INTEQ(u.port, 8000);
}

static void test_rfc7065_examples(void)
{
	struct rtc_ice_url u;
	struct rtc_error err = { 0 };

	/* RFC 7065 section 3 examples. */
	CHECK(rtc_ice_url_parse("turn:example.org", &u, &err) == 0);
	CHECK_INTEQ(u.transport, RTC_ICE_URL_TRANSPORT_DEFAULT);
	CHECK_INTEQ(u.port, 3478);
	CHECK(rtc_ice_url_parse("turns:example.org", &u, &err) == 0);
	CHECK_INTEQ(u.port, 5349);
	CHECK(rtc_ice_url_parse("turn:example.org:8000", &u, &err) == 0);
	CHECK_INTEQ(u.port, 8000);
	CHECK(rtc_ice_url_parse("turn:example.org?transport=udp", &u, &err) == 0);
	CHECK_INTEQ(u.transport, RTC_ICE_URL_TRANSPORT_UDP);
	CHECK(rtc_ice_url_parse("turn:example.org?transport=tcp", &u, &err) == 0);
	CHECK_INTEQ(u.transport, RTC_ICE_URL_TRANSPORT_TCP);
	CHECK(rtc_ice_url_parse("turns:example.org?transport=tcp", &u, &err) == 0);
	CHECK_INTEQ(u.transport, RTC_ICE_URL_TRANSPORT_TCP);
}

static void test_ipv6_and_case(void)
{
	struct rtc_ice_url u;
	struct rtc_error err = { 0 };

	CHECK(rtc_ice_url_parse("stun:[2001:db8::1]:19302", &u, &err) == 0);
	CHECK_STREQ(u.host, "2001:db8::1");
	CHECK_INTEQ(u.port, 19302);
	CHECK(rtc_ice_url_parse("TURN:127.0.0.1:3478?Transport=UDP", &u, &err) == 0);
	CHECK_STREQ(u.host, "127.0.0.1");
}

static void test_bad_urls(void)
{
	static const char *const bad[] = {
		"", "http://example.org", "stun://example.org", "stun:", "stun::3478",
		"stun:example.org:0", "stun:example.org:65536", "stun:example.org:12a",
		"stun:example.org?transport=udp", "turn:example.org?transport=sctp",
		"turns:example.org?transport=udp", "stun:exa mple.org", "stun:[::1",
		"stun:example.org/path",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rtc_ice_url u;
		struct rtc_error err = { 0 };
		int r = rtc_ice_url_parse(bad[i], &u, &err);
		if (r == 0)
			printf("# accepted bad URL \"%s\"\n", bad[i]);
		CHECK(r < 0);
		CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	}
}

static void test_server_credentials(void)
{
	struct rtc_ice_config config = { 0 };
	struct rtc_error err = { 0 };
	const char *turn[] = { "stun:a.example", "turn:b.example" };

	/* W3C: a TURN URL without username and credential is InvalidAccessError,
	 * and a failing server adds nothing. */
	CHECK(rtc_ice_config_add_server(&config, turn, 2, "u", NULL, &err) < 0);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK_INTEQ(config.n_servers, 0);
	CHECK(rtc_ice_config_add_server(&config, turn, 2, "u", "p", &err) == 0);
	CHECK_INTEQ(config.n_servers, 1);
	CHECK_STREQ(config.servers[0].username, "u");
	CHECK(rtc_ice_config_add_server(&config, turn, 1, NULL, NULL, &err) == 0);
	CHECK(rtc_ice_config_add_server(&config, turn, 0, NULL, NULL, &err) < 0);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	CHECK_INTEQ(config.n_servers, 2);
	rtc_ice_config_clear(&config);
	CHECK_INTEQ(config.n_servers, 0);
}

int main(void)
{
	RUN(test_rfc7064_examples);
	RUN(test_rfc7065_examples);
	RUN(test_ipv6_and_case);
	RUN(test_bad_urls);
	RUN(test_server_credentials);
	return rtc_test_done();
}
