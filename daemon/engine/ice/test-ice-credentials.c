/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Local ICE credentials: length, alphabet, randomness; and the checks that
 * a peer's credentials go through. */
#include <string.h>

#include "check.h"
#include "engine/ice/ice-credentials.h"

static bool all_ice_chars(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") ==
	       strlen(s);
}

static void test_length_and_charset(void)
{
	struct rtc_ice_credentials c;
	struct rtc_error err = { 0 };

	for (int i = 0; i < 100; i++) {
		CHECK_INTEQ(rtc_ice_credentials_generate(&c, &err), 0);
		CHECK_INTEQ(strlen(c.ufrag), 8);
		CHECK_INTEQ(strlen(c.pwd), 24);
		CHECK(all_ice_chars(c.ufrag));
		CHECK(all_ice_chars(c.pwd));
		/* What we generate passes our own checks of a peer's values. */
		CHECK_INTEQ(rtc_ice_credentials_check_ufrag(c.ufrag, &err), 0);
		CHECK_INTEQ(rtc_ice_credentials_check_pwd(c.pwd, &err), 0);
	}
}

/* 200 passwords of 144 bits never collide unless the generator is broken;
 * and over 200 * 24 characters every one of the 64 ice-chars shows up
 * (the chance that one is missing by bad luck is about 64 * e^-75). */
static void test_randomness(void)
{
	enum { N = 200 };
	static struct rtc_ice_credentials c[N];
	bool seen[256] = { false };
	int distinct = 0;

	for (int i = 0; i < N; i++) {
		CHECK_INTEQ(rtc_ice_credentials_generate(&c[i], NULL), 0);
		for (const char *p = c[i].pwd; *p; p++)
			seen[(unsigned char)*p] = true;
		for (int j = 0; j < i; j++) {
			CHECK(strcmp(c[i].pwd, c[j].pwd) != 0);
			CHECK(strcmp(c[i].ufrag, c[j].ufrag) != 0);
		}
	}
	for (int ch = 0; ch < 256; ch++)
		distinct += seen[ch];
	CHECK_INTEQ(distinct, 64);
}

static void test_peer_value_checks(void)
{
	struct rtc_error err = { 0 };
	char long_value[300];

	CHECK_INTEQ(rtc_ice_credentials_check_ufrag("abcd", &err), 0);
	CHECK_INTEQ(rtc_ice_credentials_check_ufrag("a+/9", &err), 0);
	CHECK_INTEQ(rtc_ice_credentials_check_ufrag("abc", &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK(strstr(err.message, "ice-ufrag") && strstr(err.message, "3 characters"));
	CHECK_INTEQ(rtc_ice_credentials_check_ufrag("ab-cd", &err), -1);
	CHECK(strstr(err.message, "position 3") != NULL);
	CHECK_INTEQ(rtc_ice_credentials_check_ufrag("", &err), -1);

	CHECK_INTEQ(rtc_ice_credentials_check_pwd("0123456789012345678901", &err), 0);
	CHECK_INTEQ(rtc_ice_credentials_check_pwd("012345678901234567890", &err), -1);
	CHECK(strstr(err.message, "ice-pwd") && strstr(err.message, "21 characters"));
	CHECK_INTEQ(rtc_ice_credentials_check_pwd("0123456789012345678901 ", &err), -1);

	memset(long_value, 'x', 256);
	long_value[256] = '\0';
	CHECK_INTEQ(rtc_ice_credentials_check_pwd(long_value, &err), 0);
	long_value[256] = 'x';
	long_value[257] = '\0';
	CHECK_INTEQ(rtc_ice_credentials_check_pwd(long_value, &err), -1);
	CHECK(strstr(err.message, "longer than 256") != NULL);
}

int main(void)
{
	RUN(test_length_and_charset);
	RUN(test_randomness);
	RUN(test_peer_value_checks);
	return rtc_test_done();
}
