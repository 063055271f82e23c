/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl: commands and the helpers they share.
 *
 * Exit codes: 0 success, 1 an operation failed (message on stderr with the
 * D-Bus error name), 2 bad usage.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <rtc/client.h>

enum { RTCCTL_OK = 0, RTCCTL_FAILED = 1, RTCCTL_USAGE = 2 };

/* Each command gets its own argv, argv[0] being the command's name. */
int rtcctl_list(rtc_client *client, int argc, char **argv);
int rtcctl_inspect(rtc_client *client, int argc, char **argv);
int rtcctl_stats(rtc_client *client, int argc, char **argv);
int rtcctl_loopback(rtc_client *client, int argc, char **argv);
int rtcctl_offer(rtc_client *client, int argc, char **argv);
int rtcctl_answer(rtc_client *client, int argc, char **argv);
int rtcctl_send(rtc_client *client, int argc, char **argv);
int rtcctl_receive(rtc_client *client, int argc, char **argv);

/* Prints "rtcctl: <what>: <message> (<error name>)" and returns RTCCTL_FAILED. */
int rtcctl_fail(const char *what, const rtc_error *error);
/* Prints "rtcctl: <message>" and a hint to --help; returns RTCCTL_USAGE. */
__attribute__((format(printf, 1, 2)))
int rtcctl_usage_error(const char *fmt, ...);

/* Parses a whole non-negative decimal number no larger than max. */
bool rtcctl_parse_uint(const char *s, unsigned long max, unsigned long *value);

/* Reads `in` to EOF as an SDP, lines ending in CRLF; NULL with a message
 * naming `source` on stderr if it is empty, too large or not UTF-8. */
char *rtcctl_read_sdp(FILE *in, const char *source);
/* Prints an SDP, each line prefixed with `indent` and ended with \n. */
void rtcctl_print_sdp(FILE *out, const char *indent, const char *sdp);
/* Waits for ICE gathering to complete (*gathered is kept by the caller's
 * event callback from IceGatheringState), then writes the local description
 * with its candidates to `out`, ended by an empty line. */
int rtcctl_write_local_description(rtc_client *client, rtc_peer_connection *pc,
				   bool *gathered, FILE *out);

/* Dispatches events until none arrives for quiet_ms (or the bus is lost). */
int rtcctl_settle(rtc_client *client, int quiet_ms);
/* Dispatches events until *done is true or timeout_ms passed; returns
 * whether *done became true. */
bool rtcctl_wait_for(rtc_client *client, const bool *done, int timeout_ms);

/* Prints one event as "[name] what: detail"; the name is the handle's user
 * data (a string) when set, else the object path. */
void rtcctl_print_event(FILE *out, const struct rtc_event *event);
/* Prints the SDP lines that describe the data channel transport. */
void rtcctl_print_data_session(const char *indent, const char *sdp);
