/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DNS messages as Multicast DNS uses them (RFC 1035 section 4, RFC 6762
 * section 18): a header, questions, and resource records with name
 * compression. Only what .local host candidates need is decoded in full
 * (A, AAAA and the NSEC negative answers of RFC 6762 section 6.1); every
 * other record is checked for framing and skipped.
 *
 * Names are kept in uncompressed wire form: a sequence of length-prefixed
 * labels ending with the root label. Length bytes are at most 63, below
 * 'A', so ASCII case-folding the whole wire form compares names without
 * having to walk their labels.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define RTC_DNS_NAME_WIRE_MAX 255
#define RTC_DNS_LABEL_MAX 63
/* A text form of a name that fits: 255 wire bytes give at most 253
 * characters of dotted text without escapes. */
#define RTC_DNS_NAME_TEXT_MAX 253

/* RFC 6762 section 17: a message can be up to 9000 bytes (jumbo frames);
 * anything larger did not come from a conforming sender. */
#define RTC_MDNS_MESSAGE_MAX 9000

/* What a parse keeps; more questions or records are checked and counted,
 * not stored. A host-name response carries a handful. */
#define RTC_DNS_MAX_QUESTIONS 16
#define RTC_DNS_MAX_RECORDS 32

enum {
	RTC_DNS_TYPE_A = 1,
	RTC_DNS_TYPE_AAAA = 28,
	RTC_DNS_TYPE_NSEC = 47,
	RTC_DNS_TYPE_ANY = 255,
	RTC_DNS_CLASS_IN = 1,
	RTC_DNS_CLASS_ANY = 255,
};

/* Header flags (RFC 1035 4.1.1). */
#define RTC_DNS_FLAG_QR 0x8000u
#define RTC_DNS_FLAG_AA 0x0400u
#define RTC_DNS_FLAG_TC 0x0200u
#define RTC_DNS_OPCODE(flags) (((flags) >> 11) & 0xfu)
#define RTC_DNS_RCODE(flags) ((flags) & 0xfu)

/* The top bit of a question's class asks for a unicast reply (QU, RFC
 * 6762 5.4); of a record's class, it marks a unique record whose older
 * copies a cache must flush (RFC 6762 10.2). */
#define RTC_DNS_CLASS_TOP_BIT 0x8000u

struct rtc_dns_name {
	uint8_t len;                          /* bytes used in wire, root label included */
	uint8_t wire[RTC_DNS_NAME_WIRE_MAX];
};

enum rtc_dns_section {
	RTC_DNS_SECTION_ANSWER,
	RTC_DNS_SECTION_AUTHORITY,
	RTC_DNS_SECTION_ADDITIONAL,
};

struct rtc_dns_question {
	struct rtc_dns_name name;
	uint16_t type;
	uint16_t qclass;                      /* without the QU bit */
	bool unicast_response;                /* the QU bit */
};

struct rtc_dns_record {
	enum rtc_dns_section section;
	struct rtc_dns_name name;
	uint16_t type;
	uint16_t rclass;                      /* without the cache-flush bit */
	bool cache_flush;
	uint32_t ttl;                         /* seconds */
	union {
		uint8_t a[4];
		uint8_t aaaa[16];
		/* The types, below 256, that an NSEC record says exist (window
		 * block 0 of RFC 4034 4.1.2, the only one RFC 6762 6.1 uses). */
		uint8_t nsec_bitmap[32];
	} data;
};

struct rtc_dns_message {
	uint16_t id;
	uint16_t flags;
	size_t n_questions, n_records;
	/* Entries beyond the arrays above: well-formed but not kept. */
	size_t questions_dropped, records_dropped;
	struct rtc_dns_question questions[RTC_DNS_MAX_QUESTIONS];
	struct rtc_dns_record records[RTC_DNS_MAX_RECORDS];
};

/* Parses a whole message. Every byte is checked: a name or record running
 * past the end, a compression pointer that does not point backwards (which
 * is what rules out loops), a reserved label type, a name over 255 bytes,
 * A/AAAA data of the wrong size or trailing bytes all fail with *err
 * (SyntaxError). Returns 0 or -1. */
int rtc_dns_message_parse(const uint8_t *data, size_t len, struct rtc_dns_message *msg,
			  struct rtc_error *err);

/* Dotted text ("host.local", no trailing dot; "." for the root) to wire
 * form. Labels are 1..63 bytes of printable ASCII other than '.' and '\';
 * a single trailing dot is allowed. Returns 0, or -1 with *err (SyntaxError). */
int rtc_dns_name_from_text(const char *text, struct rtc_dns_name *name, struct rtc_error *err);

/* Wire form to dotted text. Fails (-1) when the name has bytes that the
 * text form of from_text cannot hold, or when it does not fit in cap. */
int rtc_dns_name_to_text(const struct rtc_dns_name *name, char *text, size_t cap);

/* Case-insensitive (ASCII, RFC 6762 16) equality. */
bool rtc_dns_name_equal(const struct rtc_dns_name *a, const struct rtc_dns_name *b);

/* NSEC bitmap helpers, for types below 256. */
void rtc_dns_nsec_set(struct rtc_dns_record *rec, uint16_t type);
bool rtc_dns_nsec_has(const struct rtc_dns_record *rec, uint16_t type);

/*
 * Writes a message into a caller's buffer: questions first, then records
 * in section order (answer, authority, additional), then finish. Names are
 * compressed against the names already written. Running out of room, or a
 * section out of order, makes every later call fail and finish return -1.
 */
struct rtc_dns_writer {
	uint8_t *buf;
	size_t cap, len;
	uint16_t counts[4];                   /* question, answer, authority, additional */
	unsigned stage;                       /* highest of the four used so far */
	bool failed;
	size_t n_offsets;
	uint16_t offsets[64];                 /* label starts, for compression */
};

void rtc_dns_writer_init(struct rtc_dns_writer *w, uint8_t *buf, size_t cap,
			 uint16_t id, uint16_t flags);
int rtc_dns_writer_add_question(struct rtc_dns_writer *w, const struct rtc_dns_question *q);
/* A, AAAA and NSEC records; any other type fails. */
int rtc_dns_writer_add_record(struct rtc_dns_writer *w, const struct rtc_dns_record *rec);
/* The message length, or -1 if any call failed. */
int rtc_dns_writer_finish(struct rtc_dns_writer *w);
