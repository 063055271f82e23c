/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tiny TAP producer for rtcd's C tests. Each test case is a function; a
 * failed CHECK reports file:line and the expression, marks the case failed
 * and goes on, so one run shows every broken expectation.
 *
 *     static void test_parse(void) { CHECK(x == 1); CHECK_STREQ(s, "a"); }
 *     int main(void) { RUN(test_parse); return rtc_test_done(); }
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rtc_test_number;
static int rtc_test_failed_cases;
static int rtc_test_case_failed;

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

#define RUN(fn) do { \
	rtc_test_case_failed = 0; \
	fn(); \
	rtc_test_number++; \
	if (rtc_test_case_failed) \
		rtc_test_failed_cases++; \
	printf("%s %d - %s\n", rtc_test_case_failed ? "not ok" : "ok", rtc_test_number, #fn); \
	fflush(stdout); \
} while (0)

static inline int rtc_test_done(void)
{
	printf("1..%d\n", rtc_test_number);
	return rtc_test_failed_cases ? 1 : 0;
}
