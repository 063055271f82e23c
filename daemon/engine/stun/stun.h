/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * STUN messages (RFC 8489): a parser that validates a datagram and indexes
 * its attributes without copying, typed getters for the attributes WebRTC
 * uses, and a builder that appends attributes into a caller's buffer.
 *
 * Parsing never trusts the input: every length is checked against the
 * buffer, and a FINGERPRINT that is present is verified. MESSAGE-INTEGRITY
 * needs a key, so it is checked separately (rtc_stun_msg_check_integrity),
 * once the caller knows which credentials apply.
 *
 *     struct rtc_stun_msg msg;
 *     if (rtc_stun_parse(&msg, buf, len, &err) != RTC_STUN_OK) drop;
 *     if (msg.unknown_count) answer 420 with UNKNOWN-ATTRIBUTES;
 *     if (rtc_stun_msg_check_integrity(&msg, &key) != RTC_STUN_OK) answer 401;
 *
 *     struct rtc_stun_builder b;
 *     rtc_stun_builder_init(&b, out, sizeof(out), RTC_STUN_BINDING,
 *                           RTC_STUN_REQUEST, tid);
 *     rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_USERNAME, "rufrag:lufrag");
 *     rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_PRIORITY, prio);
 *     rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA1);
 *     rtc_stun_builder_add_fingerprint(&b);
 *     if (rtc_stun_builder_finish(&b, &len) != RTC_STUN_OK) ...;
 *
 * Builder errors are sticky: the first failure (buffer too small, value too
 * long) is kept and returned by finish, so a run of add calls needs no
 * checks in between.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/error.h"

#define RTC_STUN_HEADER_LEN 20
#define RTC_STUN_MAGIC_COOKIE 0x2112A442u
#define RTC_STUN_TID_LEN 12
/* The FINGERPRINT xor value: "STUN" in ASCII. */
#define RTC_STUN_FINGERPRINT_XOR 0x5354554eu
/* Large enough for any STUN message this engine builds or accepts over UDP
 * (RFC 8489 section 6.1: at most the path MTU; TURN adds 36 bytes). */
#define RTC_STUN_MAX_MESSAGE 1500
/* More attributes than this in one message is an attack, not STUN. */
#define RTC_STUN_MAX_ATTRS 64
#define RTC_STUN_MAX_UNKNOWN 16

enum rtc_stun_class {
	RTC_STUN_REQUEST = 0,
	RTC_STUN_INDICATION = 1,
	RTC_STUN_SUCCESS = 2,
	RTC_STUN_ERROR = 3,
};

enum rtc_stun_method {
	RTC_STUN_BINDING = 0x001,
	/* RFC 8656 (TURN) */
	RTC_STUN_ALLOCATE = 0x003,
	RTC_STUN_REFRESH = 0x004,
	RTC_STUN_SEND = 0x006,
	RTC_STUN_DATA = 0x007,
	RTC_STUN_CREATE_PERMISSION = 0x008,
	RTC_STUN_CHANNEL_BIND = 0x009,
};

enum rtc_stun_attr_type {
	/* comprehension-required (0x0000-0x7FFF) */
	RTC_STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	RTC_STUN_ATTR_USERNAME = 0x0006,
	RTC_STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	RTC_STUN_ATTR_ERROR_CODE = 0x0009,
	RTC_STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	RTC_STUN_ATTR_CHANNEL_NUMBER = 0x000C,         /* RFC 8656 */
	RTC_STUN_ATTR_LIFETIME = 0x000D,               /* RFC 8656 */
	RTC_STUN_ATTR_XOR_PEER_ADDRESS = 0x0012,       /* RFC 8656 */
	RTC_STUN_ATTR_DATA = 0x0013,                   /* RFC 8656 */
	RTC_STUN_ATTR_REALM = 0x0014,
	RTC_STUN_ATTR_NONCE = 0x0015,
	RTC_STUN_ATTR_XOR_RELAYED_ADDRESS = 0x0016,    /* RFC 8656 */
	RTC_STUN_ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017, /* RFC 8656 */
	RTC_STUN_ATTR_EVEN_PORT = 0x0018,              /* RFC 8656 */
	RTC_STUN_ATTR_REQUESTED_TRANSPORT = 0x0019,    /* RFC 8656 */
	RTC_STUN_ATTR_DONT_FRAGMENT = 0x001A,          /* RFC 8656 */
	RTC_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
	RTC_STUN_ATTR_PASSWORD_ALGORITHM = 0x001D,
	RTC_STUN_ATTR_USERHASH = 0x001E,
	RTC_STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	RTC_STUN_ATTR_RESERVATION_TOKEN = 0x0022,      /* RFC 8656 */
	RTC_STUN_ATTR_PRIORITY = 0x0024,               /* RFC 8445 */
	RTC_STUN_ATTR_USE_CANDIDATE = 0x0025,          /* RFC 8445 */
	/* comprehension-optional (0x8000-0xFFFF) */
	RTC_STUN_ATTR_PASSWORD_ALGORITHMS = 0x8002,
	RTC_STUN_ATTR_ALTERNATE_DOMAIN = 0x8003,
	RTC_STUN_ATTR_SOFTWARE = 0x8022,
	RTC_STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	RTC_STUN_ATTR_FINGERPRINT = 0x8028,
	RTC_STUN_ATTR_ICE_CONTROLLED = 0x8029,         /* RFC 8445 */
	RTC_STUN_ATTR_ICE_CONTROLLING = 0x802A,        /* RFC 8445 */
};

/* What went wrong. Each value has a sentence (rtc_stun_status_text); the
 * functions taking a struct rtc_error also fill it with the details
 * (which attribute, at which offset). */
enum rtc_stun_status {
	RTC_STUN_OK = 0,
	RTC_STUN_E_TRUNCATED,         /* shorter than the header or its length field */
	RTC_STUN_E_NOT_STUN,          /* top bits set or no magic cookie */
	RTC_STUN_E_BAD_LENGTH,        /* length != datagram, or not a multiple of 4
	                               * (an attribute without its padding) */
	RTC_STUN_E_ATTR_OVERRUN,      /* an attribute runs past the end */
	RTC_STUN_E_TOO_MANY_ATTRS,
	RTC_STUN_E_AFTER_FINGERPRINT, /* anything after FINGERPRINT */
	RTC_STUN_E_BAD_FINGERPRINT,
	RTC_STUN_E_BAD_ATTR,          /* a known attribute with a malformed value */
	RTC_STUN_E_MISSING_ATTR,      /* a getter's attribute is absent */
	RTC_STUN_E_NO_INTEGRITY,      /* no MESSAGE-INTEGRITY(-SHA256) to check */
	RTC_STUN_E_INTEGRITY_MISMATCH,
	RTC_STUN_E_NO_SPACE,          /* builder: caller's buffer too small */
	RTC_STUN_E_TOO_LONG,          /* builder/key: value longer than STUN allows */
	RTC_STUN_E_UNSUPPORTED,       /* e.g. a non-ASCII password (no full SASLprep) */
	RTC_STUN_E_CRYPTO,            /* OpenSSL failed */
};

const char *rtc_stun_status_text(enum rtc_stun_status status);
const char *rtc_stun_method_name(uint16_t method);

/* One attribute, pointing into the parsed buffer. */
struct rtc_stun_attr {
	uint16_t type;
	uint16_t len;           /* value length, without padding */
	const uint8_t *value;
	uint16_t offset;        /* of the attribute header from the message start */
};

struct rtc_stun_msg {
	const uint8_t *data;    /* the whole message, as passed to parse */
	size_t len;             /* 20 + the header's length field */
	uint16_t method;
	enum rtc_stun_class cls;
	uint8_t tid[RTC_STUN_TID_LEN];
	struct rtc_stun_attr attrs[RTC_STUN_MAX_ATTRS];
	unsigned attr_count;
	/* Comprehension-required attribute types this parser does not know:
	 * a request with any must get a 420 listing them (RFC 8489 6.3.1). */
	uint16_t unknown[RTC_STUN_MAX_UNKNOWN];
	unsigned unknown_count;
	/* Indexes into attrs, -1 when absent. */
	int integrity;          /* MESSAGE-INTEGRITY */
	int integrity_sha256;   /* MESSAGE-INTEGRITY-SHA256 */
	int fingerprint;        /* verified by parse when present */
};

/* RFC 7983 demultiplexing, tighter than the first byte: a STUN header with
 * the magic cookie and a length that matches the datagram. */
bool rtc_stun_is_stun(const uint8_t *buf, size_t len);

/* Validates and indexes one whole STUN message (a UDP datagram, or one
 * frame cut from a TCP stream by the TURN stream reassembler). `len` must
 * be exactly the message length. The message keeps pointing into buf.
 * Attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256
 * and FINGERPRINT are checked for shape but not indexed, as RFC 8489 14.5
 * says to ignore them; anything after FINGERPRINT is an error, and a
 * FINGERPRINT is verified. */
enum rtc_stun_status rtc_stun_parse(struct rtc_stun_msg *msg, const uint8_t *buf,
				    size_t len, struct rtc_error *err);

/* The first attribute of that type (RFC 8489 14: later duplicates are
 * ignored), or NULL. */
const struct rtc_stun_attr *rtc_stun_msg_find(const struct rtc_stun_msg *msg, uint16_t type);
static inline bool rtc_stun_msg_has(const struct rtc_stun_msg *msg, uint16_t type)
{
	return rtc_stun_msg_find(msg, type) != NULL;
}

/* ---- typed getters: RTC_STUN_E_MISSING_ATTR when absent, RTC_STUN_E_BAD_ATTR
 * when malformed, with *err saying which --------------------------------- */

/* 32-bit values: PRIORITY, LIFETIME, and CHANNEL-NUMBER (number in the top
 * 16 bits: use rtc_turn helpers), REQUESTED-TRANSPORT (protocol in the top 8). */
enum rtc_stun_status rtc_stun_msg_get_u32(const struct rtc_stun_msg *msg, uint16_t type,
					  uint32_t *out, struct rtc_error *err);
/* ICE-CONTROLLING / ICE-CONTROLLED tie-breaker. */
enum rtc_stun_status rtc_stun_msg_get_u64(const struct rtc_stun_msg *msg, uint16_t type,
					  uint64_t *out, struct rtc_error *err);
/* MAPPED-ADDRESS, ALTERNATE-SERVER (plain) or the XOR-*-ADDRESS attributes
 * (XOR-MAPPED, XOR-PEER, XOR-RELAYED): the getter applies the xor for the
 * types that need it. Fills a sockaddr_in or sockaddr_in6. */
enum rtc_stun_status rtc_stun_msg_get_address(const struct rtc_stun_msg *msg, uint16_t type,
					      struct sockaddr_storage *out, struct rtc_error *err);
/* USERNAME (< 513 bytes), REALM, NONCE, SOFTWARE (< 128 characters, 763
 * bytes), ALTERNATE-DOMAIN: copied NUL-terminated into out; a value with a
 * NUL byte or longer than its limit or than out_size - 1 is BAD_ATTR. */
enum rtc_stun_status rtc_stun_msg_get_string(const struct rtc_stun_msg *msg, uint16_t type,
					     char *out, size_t out_size, struct rtc_error *err);
/* ERROR-CODE: code 300..699, reason copied NUL-terminated (may be NULL). */
enum rtc_stun_status rtc_stun_msg_get_error_code(const struct rtc_stun_msg *msg, uint16_t *code,
						 char *reason, size_t reason_size,
						 struct rtc_error *err);
/* UNKNOWN-ATTRIBUTES: up to max types; *count is how many were stored. */
enum rtc_stun_status rtc_stun_msg_get_unknown_attributes(const struct rtc_stun_msg *msg,
							 uint16_t *types, size_t max,
							 size_t *count, struct rtc_error *err);

/* ---- password algorithms and credentials (RFC 8489 9.2, 14.11-14.12) ---- */

enum rtc_stun_password_algorithm {
	RTC_STUN_PASSWORD_MD5 = 0x0001,
	RTC_STUN_PASSWORD_SHA256 = 0x0002,
};

#define RTC_STUN_MAX_PASSWORD_ALGORITHMS 8
struct rtc_stun_password_algorithms {
	uint16_t ids[RTC_STUN_MAX_PASSWORD_ALGORITHMS]; /* in the server's order */
	size_t count;
};
/* PASSWORD-ALGORITHMS (a list; parameters are skipped, both known
 * algorithms take none) and PASSWORD-ALGORITHM (a single one in ids[0]). */
enum rtc_stun_status rtc_stun_msg_get_password_algorithms(const struct rtc_stun_msg *msg,
							  uint16_t type,
							  struct rtc_stun_password_algorithms *out,
							  struct rtc_error *err);

/* The HMAC key. Short-term: the password itself. Long-term:
 * MD5 or SHA-256 of "username:realm:password". */
#define RTC_STUN_KEY_MAX 256
struct rtc_stun_key {
	uint8_t bytes[RTC_STUN_KEY_MAX];
	size_t len;
};

/* Passwords go through SASLprep (RFC 4013). Only ASCII is supported: for
 * printable ASCII SASLprep is the identity; control characters and
 * non-ASCII give RTC_STUN_E_UNSUPPORTED. */
enum rtc_stun_status rtc_stun_key_short_term(struct rtc_stun_key *key, const char *password,
					     struct rtc_error *err);
enum rtc_stun_status rtc_stun_key_long_term(struct rtc_stun_key *key,
					    enum rtc_stun_password_algorithm algorithm,
					    const char *username, const char *realm,
					    const char *password, struct rtc_error *err);
/* USERHASH = SHA-256("username:realm") (RFC 8489 14.4). */
enum rtc_stun_status rtc_stun_userhash(uint8_t out[32], const char *username, const char *realm,
				       struct rtc_error *err);

enum rtc_stun_integrity {
	RTC_STUN_INTEGRITY_SHA1,    /* MESSAGE-INTEGRITY, 20 bytes */
	RTC_STUN_INTEGRITY_SHA256,  /* MESSAGE-INTEGRITY-SHA256, 32 bytes (or truncated >= 16) */
};

/* Verifies MESSAGE-INTEGRITY-SHA256 when present, else MESSAGE-INTEGRITY
 * (RFC 8489 9.1.4: the strongest one present counts). Returns OK,
 * NO_INTEGRITY, INTEGRITY_MISMATCH or CRYPTO. Constant-time compare. */
enum rtc_stun_status rtc_stun_msg_check_integrity(const struct rtc_stun_msg *msg,
						  const struct rtc_stun_key *key);

/* ---- building ---------------------------------------------------------- */

struct rtc_stun_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	enum rtc_stun_status status;  /* first error, sticky */
};

/* Writes the header into buf (cap bytes). tid may be NULL for a fresh
 * random one (rtc_stun_tid_generate); read it back from buf + 8. */
void rtc_stun_builder_init(struct rtc_stun_builder *b, uint8_t *buf, size_t cap,
			   uint16_t method, enum rtc_stun_class cls,
			   const uint8_t tid[RTC_STUN_TID_LEN]);
void rtc_stun_builder_add_raw(struct rtc_stun_builder *b, uint16_t type,
			      const void *value, size_t len);
static inline void rtc_stun_builder_add_flag(struct rtc_stun_builder *b, uint16_t type)
{
	rtc_stun_builder_add_raw(b, type, NULL, 0);   /* USE-CANDIDATE, DONT-FRAGMENT */
}
void rtc_stun_builder_add_u32(struct rtc_stun_builder *b, uint16_t type, uint32_t value);
void rtc_stun_builder_add_u64(struct rtc_stun_builder *b, uint16_t type, uint64_t value);
/* USERNAME, REALM, NONCE, SOFTWARE: length limits as for the getter. */
void rtc_stun_builder_add_string(struct rtc_stun_builder *b, uint16_t type, const char *value);
/* MAPPED-ADDRESS style when type is MAPPED-ADDRESS or ALTERNATE-SERVER,
 * XOR'ed otherwise. addr is a sockaddr_in or sockaddr_in6. */
void rtc_stun_builder_add_address(struct rtc_stun_builder *b, uint16_t type,
				  const struct sockaddr *addr);
void rtc_stun_builder_add_error_code(struct rtc_stun_builder *b, uint16_t code,
				     const char *reason);
void rtc_stun_builder_add_unknown_attributes(struct rtc_stun_builder *b,
					     const uint16_t *types, size_t count);
void rtc_stun_builder_add_password_algorithms(struct rtc_stun_builder *b,
					      const uint16_t *ids, size_t count);
void rtc_stun_builder_add_password_algorithm(struct rtc_stun_builder *b, uint16_t id);
/* Appends MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 computed with key
 * over everything so far. Add USERNAME/REALM/NONCE before, and only
 * MESSAGE-INTEGRITY-SHA256 or FINGERPRINT after. */
void rtc_stun_builder_add_integrity(struct rtc_stun_builder *b, const struct rtc_stun_key *key,
				    enum rtc_stun_integrity kind);
/* Appends FINGERPRINT; must be last. */
void rtc_stun_builder_add_fingerprint(struct rtc_stun_builder *b);
/* The message length (header included) in *len, or the first error. */
enum rtc_stun_status rtc_stun_builder_finish(struct rtc_stun_builder *b, size_t *len);

/* 96 random bits from OpenSSL's CSPRNG (RFC 8489 requires them to be
 * uniformly random). */
enum rtc_stun_status rtc_stun_tid_generate(uint8_t tid[RTC_STUN_TID_LEN]);

/* CRC-32 (ISO-HDLC, as zlib) of data; FINGERPRINT is this xor 0x5354554e. */
uint32_t rtc_stun_crc32(const uint8_t *data, size_t len);
