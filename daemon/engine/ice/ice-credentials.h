/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICE usernames fragments and passwords (RFC 8445 section 5.3, RFC 8839
 * section 5.4): strings of ice-chars (ALPHA / DIGIT / "+" / "/"), the
 * ufrag of 4 to 256 characters, the password of 22 to 256.
 */
#pragma once

#include <stdbool.h>

#include "common/error.h"

/* What we generate: more than the minimum, as browsers do (the password
 * carries 24 * 6 = 144 random bits, RFC 8445 asks for at least 128). */
#define RTC_ICE_UFRAG_LEN 8
#define RTC_ICE_PWD_LEN 24

#define RTC_ICE_UFRAG_MIN 4
#define RTC_ICE_PWD_MIN 22
#define RTC_ICE_CREDENTIAL_MAX 256

struct rtc_ice_credentials {
	char ufrag[RTC_ICE_UFRAG_LEN + 1];
	char pwd[RTC_ICE_PWD_LEN + 1];
};

/* Fresh random credentials from OpenSSL's CSPRNG. Returns 0, or -1 with
 * *err (OperationError) if the random generator fails. */
int rtc_ice_credentials_generate(struct rtc_ice_credentials *out, struct rtc_error *err);

/* Checks a peer's a=ice-ufrag / a=ice-pwd value: its length and that every
 * character is an ice-char. Returns 0, or -1 with *err (InvalidAccessError
 * that says what is wrong). */
int rtc_ice_credentials_check_ufrag(const char *ufrag, struct rtc_error *err);
int rtc_ice_credentials_check_pwd(const char *pwd, struct rtc_error *err);
