/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>

int rtc_error_set(struct rtc_error *err, enum rtc_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

const char *rtc_error_kind_name(enum rtc_error_kind kind)
{
	switch (kind) {
	case RTC_ERROR_NONE: return "NoError";
	case RTC_ERROR_INVALID_STATE: return "InvalidStateError";
	case RTC_ERROR_INVALID_ACCESS: return "InvalidAccessError";
	case RTC_ERROR_INVALID_MODIFICATION: return "InvalidModificationError";
	case RTC_ERROR_OPERATION: return "OperationError";
	case RTC_ERROR_SYNTAX: return "SyntaxError";
	case RTC_ERROR_TYPE: return "TypeError";
	case RTC_ERROR_NOT_FOUND: return "NotFoundError";
	case RTC_ERROR_NOT_ALLOWED: return "NotAllowedError";
	case RTC_ERROR_NOT_READABLE: return "NotReadableError";
	case RTC_ERROR_OVERCONSTRAINED: return "OverconstrainedError";
	case RTC_ERROR_NOT_SUPPORTED: return "NotSupportedError";
	case RTC_ERROR_RANGE: return "RangeError";
	}
	return "OperationError";
}
