/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging to stderr, one line per message. When stderr is the journal
 * (systemd's $JOURNAL_STREAM names its device and inode) each line starts
 * with a syslog priority prefix ("<3>" ... "<7>") that journald turns into
 * the entry's priority; on a terminal or in a file the prefix would only be
 * noise, so errors and warnings say "error: " and "warning: " instead.
 */
#pragma once

#include <stdbool.h>
#include <syslog.h>

void rtc_log_set_verbose(bool verbose);
bool rtc_log_is_verbose(void);

/* Looks again at $JOURNAL_STREAM and stderr (the first message looks by
 * itself): for a process that changed its stderr, and for tests. */
void rtc_log_detect_journal(void);
/* Whether lines carry syslog priority prefixes. */
bool rtc_log_to_journal(void);

__attribute__((format(printf, 2, 3)))
void rtc_log(int priority, const char *fmt, ...);

#define rtc_err(...)   rtc_log(LOG_ERR, __VA_ARGS__)
#define rtc_warn(...)  rtc_log(LOG_WARNING, __VA_ARGS__)
#define rtc_notice(...) rtc_log(LOG_NOTICE, __VA_ARGS__)
#define rtc_info(...)  rtc_log(LOG_INFO, __VA_ARGS__)
#define rtc_debug(...) rtc_log(LOG_DEBUG, __VA_ARGS__)
