/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging to stderr with syslog priority prefixes ("<3>" ... "<7>"), which
 * journald turns into real priorities when rtcd runs under systemd.
 */
#pragma once

#include <stdbool.h>
#include <syslog.h>

void rtc_log_set_verbose(bool verbose);
bool rtc_log_is_verbose(void);

__attribute__((format(printf, 2, 3)))
void rtc_log(int priority, const char *fmt, ...);

#define rtc_err(...)   rtc_log(LOG_ERR, __VA_ARGS__)
#define rtc_warn(...)  rtc_log(LOG_WARNING, __VA_ARGS__)
#define rtc_notice(...) rtc_log(LOG_NOTICE, __VA_ARGS__)
#define rtc_info(...)  rtc_log(LOG_INFO, __VA_ARGS__)
#define rtc_debug(...) rtc_log(LOG_DEBUG, __VA_ARGS__)
