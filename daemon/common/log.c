/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

static bool verbose;

void rtc_log_set_verbose(bool v)
{
	verbose = v;
}

bool rtc_log_is_verbose(void)
{
	return verbose;
}

void rtc_log(int priority, const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	/* Debug and info are noise unless asked for; notices and worse always go out. */
	if (priority > LOG_NOTICE && !verbose)
		return;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so concurrent writers never interleave a line. */
	fprintf(stderr, "<%d>%s\n", priority, line);
}
