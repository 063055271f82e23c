/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtc_error: a D-Bus error name and message the caller owns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Used when there is no memory left to describe the error itself. */
static char oom_name[] = DBUS_ERROR_NO_MEMORY;
static char oom_message[] = "Out of memory";

static void error_free_strings(rtc_error *error)
{
	if (error->name != oom_name)
		free(error->name);
	if (error->message != oom_message)
		free(error->message);
	error->name = NULL;
	error->message = NULL;
}

RTC_EXPORT void rtc_error_clear(rtc_error *error)
{
	if (error)
		error_free_strings(error);
}

RTC_EXPORT bool rtc_error_is_set(const rtc_error *error)
{
	return error && error->name;
}

RTC_EXPORT bool rtc_error_has_name(const rtc_error *error, const char *name)
{
	return error && error->name && name && strcmp(error->name, name) == 0;
}

RTC_EXPORT void rtc_strv_free(char **strv)
{
	if (!strv)
		return;
	for (char **s = strv; *s; s++)
		free(*s);
	free(strv);
}

void rtc_error_set_oom(rtc_error *error)
{
	if (!error)
		return;
	error_free_strings(error);
	error->name = oom_name;
	error->message = oom_message;
}

static void error_set(rtc_error *error, const char *name, char *message)
{
	error_free_strings(error);
	error->name = strdup(name);
	error->message = message;
	if (!error->name || !error->message) {
		free(error->name);
		free(error->message);
		error->name = NULL;
		error->message = NULL;
		rtc_error_set_oom(error);
	}
}

void rtc_error_setf(rtc_error *error, const char *name, const char *fmt, ...)
{
	char *message;
	va_list ap;

	if (!error)
		return;
	va_start(ap, fmt);
	if (vasprintf(&message, fmt, ap) < 0)
		message = NULL;
	va_end(ap);
	error_set(error, name, message);
}

void rtc_error_take_dbus(rtc_error *error, DBusError *dbus_error)
{
	if (error && dbus_error_is_set(dbus_error))
		error_set(error, dbus_error->name,
			  strdup(dbus_error->message ? dbus_error->message : ""));
	dbus_error_free(dbus_error);
}
