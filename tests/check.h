/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tiny TAP producer for rtcd's C tests. Each test case is a function; a
 * failed CHECK reports file:line and the expression, marks the case failed
 * and goes on, so one run shows every broken expectation.
 *
 *     static void test_parse(void) { CHECK(x == 1); CHECK_STREQ(s, "a"); }
 *     int main(void) { RUN(test_parse); return rtc_test_done(); }
 *
 * A test that cannot run here says so rather than passing:
 *
 *     RTC_TEST_SKIP_ALL("needs root for a network namespace");  (before any RUN)
 *     RTC_TEST_SKIP("no IPv6 loopback");                         (inside a case)
 *
 * The first prints the TAP plan `1..0 # SKIP why` and ends the program; the
 * second ends the case, reported `ok N - case # SKIP why`. meson counts a
 * test whose cases all skipped as SKIP, and tools/test.sh lists every
 * skipped case with its reason. The skip status of a TAP test is 0
 * (RTC_TEST_SKIP_STATUS): meson (1.0, Debian 12) reads the skip from the TAP
 * plan and counts any other exit status, 77 included, as an ERROR of a
 * protocol 'tap' test. 77 is the skip status of tests meson judges by exit
 * status alone (tests/interop).
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTC_TEST_SKIP_STATUS 0

static int rtc_test_number;
static int rtc_test_failed_cases;
static int rtc_test_case_failed;
static const char *rtc_test_case_skipped;   /* why the running case skipped */

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		rtc_test_case_failed = 1; \
	} \
} while (0)

#define CHECK_STREQ(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) { \
		printf("# %s:%d: CHECK_STREQ(%s, %s) failed: \"%s\" != \"%s\"\n", \
		       __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)", \
		       check_b_ ? check_b_ : "(null)"); \
		rtc_test_case_failed = 1; \
	} \
} while (0)

#define CHECK_INTEQ(a, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	if (check_a_ != check_b_) { \
		printf("# %s:%d: CHECK_INTEQ(%s, %s) failed: %lld != %lld\n", \
		       __FILE__, __LINE__, #a, #b, check_a_, check_b_); \
		rtc_test_case_failed = 1; \
	} \
} while (0)

/* Ends the running case (a void function) as skipped. Checks that failed
 * before it still fail the case. */
#define RTC_TEST_SKIP(why) do { \
	rtc_test_case_skipped = (why); \
	return; \
} while (0)

/* Ends the whole program as skipped; only before the first case ran (TAP
 * has no way to skip the rest of a plan that has begun). */
#define RTC_TEST_SKIP_ALL(why) rtc_test_skip_all(why)

static inline void rtc_test_skip_all(const char *why)
{
	if (rtc_test_number > 0) {
		printf("Bail out! skipping everything after %d cases ran: %s\n",
		       rtc_test_number, why);
		exit(1);
	}
	printf("1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(RTC_TEST_SKIP_STATUS);
}

#define RUN(fn) do { \
	rtc_test_case_failed = 0; \
	rtc_test_case_skipped = NULL; \
	fn(); \
	rtc_test_number++; \
	if (rtc_test_case_failed) \
		rtc_test_failed_cases++; \
	if (rtc_test_case_skipped && !rtc_test_case_failed) \
		printf("ok %d - %s # SKIP %s\n", rtc_test_number, #fn, rtc_test_case_skipped); \
	else \
		printf("%s %d - %s\n", rtc_test_case_failed ? "not ok" : "ok", \
		       rtc_test_number, #fn); \
	fflush(stdout); \
} while (0)

static inline int rtc_test_done(void)
{
	printf("1..%d\n", rtc_test_number);
	return rtc_test_failed_cases ? 1 : 0;
}
