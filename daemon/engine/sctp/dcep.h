/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Data Channel Establishment Protocol (RFC 8832): the two messages that
 * open an in-band data channel on an SCTP stream, DATA_CHANNEL_OPEN and
 * DATA_CHANNEL_ACK, carried with PPID 50.
 *
 * The decoder reads untrusted bytes from the peer: every length is checked
 * against the message, and label and protocol must be UTF-8 without NUL
 * (they end up in D-Bus strings). Decoded strings point into the input.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define RTC_DCEP_PPID 50u

enum rtc_dcep_message_type {
	RTC_DCEP_ACK = 0x02,
	RTC_DCEP_OPEN = 0x03,
};

/* Bit 7 of the channel type means unordered; the low bits the reliability. */
#define RTC_DCEP_UNORDERED_BIT 0x80u

enum rtc_dcep_reliability {
	RTC_DCEP_RELIABLE = 0x00,
	RTC_DCEP_PARTIAL_RELIABLE_REXMIT = 0x01, /* parameter: max retransmissions */
	RTC_DCEP_PARTIAL_RELIABLE_TIMED = 0x02,  /* parameter: lifetime in ms */
};

/* RFC 8831 section 6.4 priorities; W3C "low" (the default) is 256. */
#define RTC_DCEP_PRIORITY_BELOW_NORMAL 128u
#define RTC_DCEP_PRIORITY_NORMAL 256u
#define RTC_DCEP_PRIORITY_HIGH 512u
#define RTC_DCEP_PRIORITY_EXTRA_HIGH 1024u

/* DATA_CHANNEL_OPEN without its strings: 12 bytes. */
#define RTC_DCEP_OPEN_HEADER_SIZE 12u

struct rtc_dcep_open {
	bool ordered;
	enum rtc_dcep_reliability reliability;
	uint32_t reliability_param;  /* 0 for reliable channels */
	uint16_t priority;
	const char *label;           /* not NUL-terminated when decoded */
	uint16_t label_len;
	const char *protocol;
	uint16_t protocol_len;
};

struct rtc_dcep_message {
	enum rtc_dcep_message_type type;
	struct rtc_dcep_open open;   /* for RTC_DCEP_OPEN */
};

/* Decodes one DCEP message (the whole payload of a PPID 50 SCTP message).
 * On success the strings of msg->open point into buf. Returns 0, or -1 with
 * a SyntaxError saying what is wrong. */
int rtc_dcep_decode(const uint8_t *buf, size_t len, struct rtc_dcep_message *msg,
		    struct rtc_error *err);

/* Bytes rtc_dcep_encode_open writes for this open message. */
size_t rtc_dcep_open_size(const struct rtc_dcep_open *open);

/* Writes DATA_CHANNEL_OPEN into buf. Returns the length, or -1 with an error
 * if buf is too small or the parameters cannot be encoded (an unknown
 * reliability, a parameter on a reliable channel). */
long rtc_dcep_encode_open(const struct rtc_dcep_open *open, uint8_t *buf, size_t cap,
			  struct rtc_error *err);

/* Writes the one-byte DATA_CHANNEL_ACK. Returns 1, or -1 if cap is 0. */
long rtc_dcep_encode_ack(uint8_t *buf, size_t cap);

/* The channel type byte for an open message, e.g. 0x81 for unordered
 * PARTIAL_RELIABLE_REXMIT. */
uint8_t rtc_dcep_channel_type(bool ordered, enum rtc_dcep_reliability reliability);

/* True if buf[0..len) is UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF) with no NUL. */
bool rtc_dcep_string_is_valid(const char *buf, size_t len);
