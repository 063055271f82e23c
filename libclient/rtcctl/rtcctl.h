/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl: commands and the helpers they share.
 *
 * Exit codes: 0 success, 1 an operation failed (message on stderr with the
 * D-Bus error name), 2 bad usage.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
int rtcctl_call(rtc_client *client, int argc, char **argv);
int rtcctl_devices(rtc_client *client, int argc, char **argv);
int rtcctl_snapshot(rtc_client *client, int argc, char **argv);

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
/* The same to the file (or FIFO) at `path`, or standard output when path
 * is NULL. A FIFO blocks in open() until the peer opens its end: that is
 * the rendezvous of two rtcctl commands. */
int rtcctl_write_local_description_to(rtc_client *client, rtc_peer_connection *pc,
				      bool *gathered, const char *path);
/* rtcctl_read_sdp from the file (or FIFO) at `path`, or standard input
 * when path is NULL; NULL with a message on stderr. */
char *rtcctl_read_sdp_from(const char *path);

/* Dispatches events until none arrives for quiet_ms (or the bus is lost). */
int rtcctl_settle(rtc_client *client, int quiet_ms);
/* Dispatches events until *done is true or timeout_ms passed; returns
 * whether *done became true. */
bool rtcctl_wait_for(rtc_client *client, const bool *done, int timeout_ms);

/* Prints one event as "[name] what: detail"; the name is the handle's user
 * data (a string) when set, else the object path. A property change prints
 * only when its text differs from the last one printed for that property
 * (events.c); rtcctl_forget_printed_events() frees that memory. */
void rtcctl_print_event(FILE *out, const struct rtc_event *event);
void rtcctl_forget_printed_events(void);
/* Prints the SDP lines that describe the data channel transport. */
void rtcctl_print_data_session(const char *indent, const char *sdp);

/* ---- Human forms (format.c) ---- */

/* The one word rtcctl prints for a number the daemon reports as not set
 * (0xffff on the bus: a channel's Id before the DTLS role is known, its
 * MaxPacketLifeTime or MaxRetransmits when not given). */
#define RTCCTL_UNSET "none"
#define RTCCTL_UNSET_NUMBER 0xffff

/* Whether the property uses RTCCTL_UNSET_NUMBER for "not set". */
bool rtcctl_is_optional_number(const char *interface, const char *property);
/* The number in decimal (in buf), or RTCCTL_UNSET. */
const char *rtcctl_optional_number_text(uint16_t value, char buf[static 8]);
/* Whether a stats member holds a time in milliseconds since 1970. */
bool rtcctl_is_timestamp_key(const char *key);
/* ISO 8601 local time with milliseconds, "2026-12-07T08:05:31.123+01:00";
 * returns buf (40 bytes are plenty). */
const char *rtcctl_format_timestamp(double ms, char *buf, size_t size);
/* "offer, 2 candidates[, end-of-candidates]", or RTCCTL_UNSET when there is
 * no description (type ""); returns buf. */
const char *rtcctl_describe_description(const char *type, const char *sdp, char *buf,
					size_t size);
