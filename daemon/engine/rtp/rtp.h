/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTP fixed headers (RFC 3550 section 5.1) and their header extensions in
 * RFC 8285's one-byte (0xBEDE) and two-byte (0x100X) forms.
 *
 * The parser reads untrusted bytes (after SRTP has authenticated them, but
 * from whoever holds the key): every length is checked against the
 * datagram, and a parsed packet points into the caller's buffer, nothing is
 * copied. RTP and RTCP on one transport are told apart by engine/pc/demux.c
 * (RFC 5761) before a packet gets here.
 *
 *     struct rtc_rtp_packet p;
 *     struct rtc_rtp_ext mid;
 *     if (rtc_rtp_parse(buf, len, &p, &err) < 0) drop;
 *     if (rtc_rtp_ext_find(&p, mid_id, &mid)) ...;
 *
 * The writer puts a header with a set of extension elements straight into
 * the caller's (send) buffer; the payload goes after it:
 *
 *     struct rtc_rtp_ext_block ext = { .form = RTC_RTP_EXT_AUTO,
 *                                      .elems = elems, .count = n };
 *     long hlen = rtc_rtp_write_header(&h, &ext, buf, cap, &err);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define RTC_RTP_VERSION 2u
#define RTC_RTP_HEADER_SIZE 12u
#define RTC_RTP_MAX_CSRC 15u
#define RTC_RTP_EXT_PROFILE_ONE_BYTE 0xBEDEu
/* The two-byte form's profile is 0x100 followed by 4 application bits. */
#define RTC_RTP_EXT_PROFILE_TWO_BYTE 0x1000u
#define RTC_RTP_EXT_PROFILE_TWO_BYTE_MASK 0xFFF0u
/* RFC 8285 section 4.2: one-byte IDs are 1..14, data 1..16 bytes. */
#define RTC_RTP_EXT_ONE_BYTE_MAX_ID 14u
#define RTC_RTP_EXT_ONE_BYTE_MAX_LEN 16u

struct rtc_rtp_header {
	bool marker;
	uint8_t payload_type;         /* 0..127 */
	uint16_t seq;
	uint32_t timestamp;
	uint32_t ssrc;
	uint8_t csrc_count;           /* 0..15 */
	uint32_t csrc[RTC_RTP_MAX_CSRC];
};

/* One header extension element: its local ID and its data. */
struct rtc_rtp_ext {
	uint8_t id;
	uint8_t len;
	const uint8_t *data;
};

enum rtc_rtp_ext_form {
	RTC_RTP_EXT_NONE,             /* no X bit */
	RTC_RTP_EXT_ONE_BYTE,         /* RFC 8285 section 4.2 */
	RTC_RTP_EXT_TWO_BYTE,         /* RFC 8285 section 4.3 */
	RTC_RTP_EXT_RAW,              /* another profile: the body is opaque */
	RTC_RTP_EXT_AUTO,             /* writing only: one-byte if every element fits */
};

struct rtc_rtp_packet {
	struct rtc_rtp_header h;
	enum rtc_rtp_ext_form ext_form;
	uint16_t ext_profile;         /* the 16 bits before the extension's length */
	const uint8_t *ext;           /* the extension's body, ext_len bytes */
	size_t ext_len;               /* a multiple of 4 */
	const uint8_t *payload;
	size_t payload_len;
	uint8_t padding_len;          /* 0 when P is clear, else 1..255 */
	size_t header_len;            /* fixed header, CSRCs and extension */
};

/* Parses one RTP packet. On success the pointers of *p point into buf and
 * the extension elements (in the RFC 8285 forms) have been checked to lie
 * within the extension. Returns 0, or -1 with a SyntaxError saying what is
 * wrong. */
int rtc_rtp_parse(const uint8_t *buf, size_t len, struct rtc_rtp_packet *p,
		  struct rtc_error *err);

/* Walks the elements of a parsed packet's extension, skipping padding and
 * stopping at the one-byte form's reserved ID 15 (RFC 8285 section 4.2). */
struct rtc_rtp_ext_iter {
	const uint8_t *block;
	size_t len;
	size_t pos;
	bool two_byte;
};

void rtc_rtp_ext_iter_init(struct rtc_rtp_ext_iter *it, const struct rtc_rtp_packet *p);
bool rtc_rtp_ext_iter_next(struct rtc_rtp_ext_iter *it, struct rtc_rtp_ext *e);

/* The first element with this ID; false if the packet has none. */
bool rtc_rtp_ext_find(const struct rtc_rtp_packet *p, uint8_t id, struct rtc_rtp_ext *e);

/* What to write after the fixed header. A NULL block, or RTC_RTP_EXT_AUTO
 * with no elements, writes no extension. */
struct rtc_rtp_ext_block {
	enum rtc_rtp_ext_form form;
	const struct rtc_rtp_ext *elems;   /* ONE_BYTE, TWO_BYTE, AUTO */
	size_t count;
	uint8_t appbits;                   /* TWO_BYTE: the low 4 bits of 0x100X */
	uint16_t profile;                  /* RAW: the profile and its body, */
	const uint8_t *raw;                /* a multiple of 4 bytes */
	size_t raw_len;
};

/* The form AUTO resolves to: one-byte if every element fits it (ID 1..14,
 * 1..16 bytes), else two-byte. */
enum rtc_rtp_ext_form rtc_rtp_ext_choose_form(const struct rtc_rtp_ext *elems, size_t count);

/* Bytes rtc_rtp_write_header writes, or -1 with an error (a TypeError) for
 * an element its form cannot carry, a duplicate ID, too many CSRCs, or an
 * extension longer than its 16-bit length in words. */
long rtc_rtp_header_size(const struct rtc_rtp_header *h, const struct rtc_rtp_ext_block *ext,
			 struct rtc_error *err);

/* Writes the fixed header, CSRCs and extension (elements in the order
 * given, zero-padded to 32 bits) into buf. Returns the length, or -1 with
 * an error; a RangeError if cap is too small. The P bit is left clear. */
long rtc_rtp_write_header(const struct rtc_rtp_header *h, const struct rtc_rtp_ext_block *ext,
			  uint8_t *buf, size_t cap, struct rtc_error *err);

/* Appends pad (1..255) padding bytes to the packet of len bytes in buf and
 * sets its P bit: zeros, the last one the count. Returns the new length. */
long rtc_rtp_write_padding(uint8_t *buf, size_t len, size_t cap, unsigned pad,
			   struct rtc_error *err);

/* A whole packet: header, payload (which may already be in buf, after the
 * header: it is moved, not assumed), and pad bytes of padding (0: none). */
long rtc_rtp_write(const struct rtc_rtp_header *h, const struct rtc_rtp_ext_block *ext,
		   const uint8_t *payload, size_t payload_len, unsigned pad,
		   uint8_t *buf, size_t cap, struct rtc_error *err);
