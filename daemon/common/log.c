/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Log lines on stderr: syslog priority prefixes for the journal, words for
 * people (see log.h).
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static bool verbose;
/* -1 until the first message (or rtc_log_detect_journal) looked. */
static int journal = -1;

void rtc_log_set_verbose(bool v)
{
	verbose = v;
}

bool rtc_log_is_verbose(void)
{
	return verbose;
}

/* A decimal number of digits only, up to `end` (a ':' or the string's end). */
static bool parse_decimal(const char *s, char end, const char **rest, uintmax_t *value)
{
	uintmax_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINTMAX_MAX - 9) / 10)
			return false;
		v = v * 10 + (uintmax_t)(*p - '0');
	}
	if (p == s || *p != end)
		return false;
	*rest = p;
	*value = v;
	return true;
}

/* systemd sets JOURNAL_STREAM to "<device>:<inode>" of the stream it
 * connected to stdout/stderr; it is inherited by children whose stderr may
 * be anything else, so the numbers must match stderr itself (systemd.exec). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM"), *rest;
	uintmax_t dev, ino;
	struct stat st;

	if (!env || !parse_decimal(env, ':', &rest, &dev) ||
	    !parse_decimal(rest + 1, '\0', &rest, &ino))
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void rtc_log_detect_journal(void)
{
	journal = stderr_is_journal();
}

bool rtc_log_to_journal(void)
{
	if (journal < 0)
		rtc_log_detect_journal();
	return journal;
}

static const char *word_for(int priority)
{
	if (priority <= LOG_ERR)
		return "error: ";
	if (priority == LOG_WARNING)
		return "warning: ";
	return "";
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
	if (rtc_log_to_journal())
		fprintf(stderr, "<%d>%s\n", priority, line);
	else
		fprintf(stderr, "%s%s\n", word_for(priority), line);
}
