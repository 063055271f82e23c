/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors as the W3C WebRTC API names them. The engine reports a kind and a
 * human-readable message; the bus layer maps the kind to
 * org.rtcd.WebRTC1.Error.<Name> (or a standard D-Bus error).
 */
#pragma once

enum rtc_error_kind {
	RTC_ERROR_NONE = 0,
	RTC_ERROR_INVALID_STATE,
	RTC_ERROR_INVALID_ACCESS,
	RTC_ERROR_INVALID_MODIFICATION,
	RTC_ERROR_OPERATION,
	RTC_ERROR_SYNTAX,
	RTC_ERROR_TYPE,
	RTC_ERROR_NOT_FOUND,
	RTC_ERROR_NOT_ALLOWED,
	RTC_ERROR_NOT_READABLE,
	RTC_ERROR_OVERCONSTRAINED,
	RTC_ERROR_NOT_SUPPORTED,
	RTC_ERROR_RANGE,
};

struct rtc_error {
	enum rtc_error_kind kind;
	char message[256];
};

/* Fills *err (which may be NULL) and returns -1, so callers can write
 * `return rtc_error_set(err, RTC_ERROR_SYNTAX, "line %u: ...", n);`. */
__attribute__((format(printf, 3, 4)))
int rtc_error_set(struct rtc_error *err, enum rtc_error_kind kind, const char *fmt, ...);

/* "InvalidStateError", "SyntaxError", ... (the W3C/WebIDL exception name). */
const char *rtc_error_kind_name(enum rtc_error_kind kind);
