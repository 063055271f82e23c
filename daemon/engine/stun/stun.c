/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * STUN parsing and typed attribute getters (RFC 8489, with the TURN and ICE
 * attributes). The builder is in stun-build.c, credentials and integrity in
 * stun-auth.c.
 */
#include "engine/stun/stun.h"
#include "engine/stun/stun-private.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

const char *rtc_stun_status_text(enum rtc_stun_status status)
{
	switch (status) {
	case RTC_STUN_OK: return "no error";
	case RTC_STUN_E_TRUNCATED: return "message truncated";
	case RTC_STUN_E_NOT_STUN: return "not a STUN message";
	case RTC_STUN_E_BAD_LENGTH: return "bad message length";
	case RTC_STUN_E_ATTR_OVERRUN: return "attribute runs past the end of the message";
	case RTC_STUN_E_TOO_MANY_ATTRS: return "too many attributes";
	case RTC_STUN_E_AFTER_FINGERPRINT: return "attribute after FINGERPRINT";
	case RTC_STUN_E_BAD_FINGERPRINT: return "FINGERPRINT mismatch";
	case RTC_STUN_E_BAD_ATTR: return "malformed attribute";
	case RTC_STUN_E_MISSING_ATTR: return "attribute missing";
	case RTC_STUN_E_NO_INTEGRITY: return "no MESSAGE-INTEGRITY";
	case RTC_STUN_E_INTEGRITY_MISMATCH: return "MESSAGE-INTEGRITY mismatch";
	case RTC_STUN_E_NO_SPACE: return "buffer too small for the message";
	case RTC_STUN_E_TOO_LONG: return "value too long for STUN";
	case RTC_STUN_E_UNSUPPORTED: return "unsupported value";
	case RTC_STUN_E_CRYPTO: return "cryptographic operation failed";
	}
	return "unknown STUN error";
}

const char *rtc_stun_method_name(uint16_t method)
{
	switch (method) {
	case RTC_STUN_BINDING: return "Binding";
	case RTC_STUN_ALLOCATE: return "Allocate";
	case RTC_STUN_REFRESH: return "Refresh";
	case RTC_STUN_SEND: return "Send";
	case RTC_STUN_DATA: return "Data";
	case RTC_STUN_CREATE_PERMISSION: return "CreatePermission";
	case RTC_STUN_CHANNEL_BIND: return "ChannelBind";
	}
	return "unknown method";
}

enum rtc_stun_status rtc_stun_fail(struct rtc_error *err, enum rtc_stun_status status,
				   const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	if (!err)
		return status;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	rtc_error_set(err, status == RTC_STUN_E_CRYPTO ? RTC_ERROR_OPERATION : RTC_ERROR_SYNTAX,
		      "STUN: %s: %s", rtc_stun_status_text(status), detail);
	return status;
}

/* The comprehension-required attributes this engine understands; any other
 * type below 0x8000 in a request earns a 420. */
static bool is_known_required(uint16_t type)
{
	switch (type) {
	case RTC_STUN_ATTR_MAPPED_ADDRESS:
	case RTC_STUN_ATTR_USERNAME:
	case RTC_STUN_ATTR_MESSAGE_INTEGRITY:
	case RTC_STUN_ATTR_ERROR_CODE:
	case RTC_STUN_ATTR_UNKNOWN_ATTRIBUTES:
	case RTC_STUN_ATTR_CHANNEL_NUMBER:
	case RTC_STUN_ATTR_LIFETIME:
	case RTC_STUN_ATTR_XOR_PEER_ADDRESS:
	case RTC_STUN_ATTR_DATA:
	case RTC_STUN_ATTR_REALM:
	case RTC_STUN_ATTR_NONCE:
	case RTC_STUN_ATTR_XOR_RELAYED_ADDRESS:
	case RTC_STUN_ATTR_REQUESTED_ADDRESS_FAMILY:
	case RTC_STUN_ATTR_EVEN_PORT:
	case RTC_STUN_ATTR_REQUESTED_TRANSPORT:
	case RTC_STUN_ATTR_DONT_FRAGMENT:
	case RTC_STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
	case RTC_STUN_ATTR_PASSWORD_ALGORITHM:
	case RTC_STUN_ATTR_USERHASH:
	case RTC_STUN_ATTR_XOR_MAPPED_ADDRESS:
	case RTC_STUN_ATTR_RESERVATION_TOKEN:
	case RTC_STUN_ATTR_PRIORITY:
	case RTC_STUN_ATTR_USE_CANDIDATE:
		return true;
	}
	return false;
}

static bool has_stun_header(const uint8_t *buf, size_t len)
{
	return len >= RTC_STUN_HEADER_LEN && (buf[0] & 0xC0) == 0 &&
	       rtc_get_be32(buf + 4) == RTC_STUN_MAGIC_COOKIE;
}

bool rtc_stun_is_stun(const uint8_t *buf, size_t len)
{
	if (!buf || !has_stun_header(buf, len))
		return false;
	size_t body = rtc_get_be16(buf + 2);
	return body % 4 == 0 && RTC_STUN_HEADER_LEN + body == len;
}

static void note_unknown(struct rtc_stun_msg *msg, uint16_t type)
{
	for (unsigned i = 0; i < msg->unknown_count; i++)
		if (msg->unknown[i] == type)
			return;
	/* Past the cap the 420 lists the first ones only: enough for the
	 * peer to see what it sent wrong. */
	if (msg->unknown_count < RTC_STUN_MAX_UNKNOWN)
		msg->unknown[msg->unknown_count++] = type;
}

static enum rtc_stun_status check_integrity_shape(const struct rtc_stun_attr *a,
						  struct rtc_error *err)
{
	if (a->type == RTC_STUN_ATTR_MESSAGE_INTEGRITY && a->len != 20)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "MESSAGE-INTEGRITY of %u bytes, not 20", a->len);
	/* RFC 8489 14.6: truncation to no less than 16 bytes, in 4s. */
	if (a->type == RTC_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 &&
	    (a->len < 16 || a->len > 32 || a->len % 4 != 0))
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "MESSAGE-INTEGRITY-SHA256 of %u bytes", a->len);
	return RTC_STUN_OK;
}

static enum rtc_stun_status verify_fingerprint(const struct rtc_stun_msg *msg,
					       const struct rtc_stun_attr *a,
					       struct rtc_error *err)
{
	if (a->len != 4)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR, "FINGERPRINT of %u bytes, not 4",
				     a->len);
	uint32_t want = rtc_stun_crc32(msg->data, a->offset) ^ RTC_STUN_FINGERPRINT_XOR;
	uint32_t got = rtc_get_be32(a->value);
	if (want != got)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_FINGERPRINT,
				     "carries 0x%08x, the message gives 0x%08x", got, want);
	return RTC_STUN_OK;
}

enum rtc_stun_status rtc_stun_parse(struct rtc_stun_msg *msg, const uint8_t *buf, size_t len,
				    struct rtc_error *err)
{
	memset(msg, 0, sizeof(*msg));
	msg->integrity = msg->integrity_sha256 = msg->fingerprint = -1;

	if (!buf || len < RTC_STUN_HEADER_LEN)
		return rtc_stun_fail(err, RTC_STUN_E_TRUNCATED, "%zu bytes, a header needs %d",
				     buf ? len : 0, RTC_STUN_HEADER_LEN);
	if (!has_stun_header(buf, len))
		return rtc_stun_fail(err, RTC_STUN_E_NOT_STUN,
				     "first byte 0x%02x, no magic cookie or top bits set", buf[0]);
	size_t body = rtc_get_be16(buf + 2);
	if (body % 4 != 0)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_LENGTH,
				     "length %zu is not a multiple of 4 (unpadded attribute)", body);
	if (RTC_STUN_HEADER_LEN + body > len)
		return rtc_stun_fail(err, RTC_STUN_E_TRUNCATED,
				     "length field says %zu bytes, %zu arrived",
				     RTC_STUN_HEADER_LEN + body, len);
	if (RTC_STUN_HEADER_LEN + body < len)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_LENGTH,
				     "%zu bytes after the message's %zu",
				     len - RTC_STUN_HEADER_LEN - body, RTC_STUN_HEADER_LEN + body);

	uint16_t type = rtc_get_be16(buf);
	msg->data = buf;
	msg->len = len;
	/* The class bits C1 C0 sit at 0x0100 and 0x0010, the method is the
	 * remaining 12 bits around them (RFC 8489 figure 3). */
	msg->cls = (enum rtc_stun_class)(((type >> 7) & 0x2) | ((type >> 4) & 0x1));
	msg->method = (uint16_t)((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
	memcpy(msg->tid, buf + 8, RTC_STUN_TID_LEN);

	bool after_integrity = false, after_sha256 = false;
	size_t off = RTC_STUN_HEADER_LEN;
	while (off < len) {
		if (len - off < 4)
			return rtc_stun_fail(err, RTC_STUN_E_ATTR_OVERRUN,
					     "attribute header at offset %zu", off);
		struct rtc_stun_attr a = {
			.type = rtc_get_be16(buf + off),
			.len = rtc_get_be16(buf + off + 2),
			.value = buf + off + 4,
			.offset = (uint16_t)off,
		};
		size_t room = len - off - 4;
		if (a.len > room)
			return rtc_stun_fail(err, RTC_STUN_E_ATTR_OVERRUN,
					     "attribute 0x%04x at offset %zu: %u bytes, %zu left",
					     a.type, off, a.len, room);
		/* Both off and len are multiples of 4, so the padding fits
		 * whenever the value does. */
		off += 4 + rtc_stun_pad4(a.len);

		/* After MESSAGE-INTEGRITY only the SHA-256 one and FINGERPRINT
		 * count; after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT. */
		bool counts = a.type == RTC_STUN_ATTR_FINGERPRINT ||
			      (!after_sha256 && (!after_integrity ||
				a.type == RTC_STUN_ATTR_MESSAGE_INTEGRITY_SHA256));
		if (!counts)
			continue;
		if (msg->attr_count == RTC_STUN_MAX_ATTRS)
			return rtc_stun_fail(err, RTC_STUN_E_TOO_MANY_ATTRS, "more than %d",
					     RTC_STUN_MAX_ATTRS);
		int index = (int)msg->attr_count;
		msg->attrs[msg->attr_count++] = a;

		switch (a.type) {
		case RTC_STUN_ATTR_MESSAGE_INTEGRITY:
		case RTC_STUN_ATTR_MESSAGE_INTEGRITY_SHA256: {
			enum rtc_stun_status st = check_integrity_shape(&a, err);
			if (st != RTC_STUN_OK)
				return st;
			if (a.type == RTC_STUN_ATTR_MESSAGE_INTEGRITY) {
				msg->integrity = index;
				after_integrity = true;
			} else {
				msg->integrity_sha256 = index;
				after_sha256 = true;
			}
			break;
		}
		case RTC_STUN_ATTR_FINGERPRINT: {
			if (off != len)
				return rtc_stun_fail(err, RTC_STUN_E_AFTER_FINGERPRINT,
						     "attribute at offset %zu", off);
			enum rtc_stun_status st = verify_fingerprint(msg, &a, err);
			if (st != RTC_STUN_OK)
				return st;
			msg->fingerprint = index;
			break;
		}
		default:
			if (a.type < 0x8000 && !is_known_required(a.type))
				note_unknown(msg, a.type);
		}
	}
	return RTC_STUN_OK;
}

const struct rtc_stun_attr *rtc_stun_msg_find(const struct rtc_stun_msg *msg, uint16_t type)
{
	for (unsigned i = 0; i < msg->attr_count; i++)
		if (msg->attrs[i].type == type)
			return &msg->attrs[i];
	return NULL;
}

static enum rtc_stun_status find_or_fail(const struct rtc_stun_msg *msg, uint16_t type,
					 const struct rtc_stun_attr **out, struct rtc_error *err)
{
	*out = rtc_stun_msg_find(msg, type);
	if (!*out)
		return rtc_stun_fail(err, RTC_STUN_E_MISSING_ATTR, "no attribute 0x%04x", type);
	return RTC_STUN_OK;
}

enum rtc_stun_status rtc_stun_msg_get_u32(const struct rtc_stun_msg *msg, uint16_t type,
					  uint32_t *out, struct rtc_error *err)
{
	const struct rtc_stun_attr *a;
	enum rtc_stun_status st = find_or_fail(msg, type, &a, err);
	if (st != RTC_STUN_OK)
		return st;
	if (a->len != 4)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "attribute 0x%04x of %u bytes, not 4", type, a->len);
	*out = rtc_get_be32(a->value);
	return RTC_STUN_OK;
}

enum rtc_stun_status rtc_stun_msg_get_u64(const struct rtc_stun_msg *msg, uint16_t type,
					  uint64_t *out, struct rtc_error *err)
{
	const struct rtc_stun_attr *a;
	enum rtc_stun_status st = find_or_fail(msg, type, &a, err);
	if (st != RTC_STUN_OK)
		return st;
	if (a->len != 8)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "attribute 0x%04x of %u bytes, not 8", type, a->len);
	*out = (uint64_t)rtc_get_be32(a->value) << 32 | rtc_get_be32(a->value + 4);
	return RTC_STUN_OK;
}

bool rtc_stun_attr_is_xor_address(uint16_t type)
{
	return type == RTC_STUN_ATTR_XOR_MAPPED_ADDRESS ||
	       type == RTC_STUN_ATTR_XOR_PEER_ADDRESS ||
	       type == RTC_STUN_ATTR_XOR_RELAYED_ADDRESS;
}

static bool is_plain_address(uint16_t type)
{
	return type == RTC_STUN_ATTR_MAPPED_ADDRESS || type == RTC_STUN_ATTR_ALTERNATE_SERVER;
}

enum rtc_stun_status rtc_stun_msg_get_address(const struct rtc_stun_msg *msg, uint16_t type,
					      struct sockaddr_storage *out, struct rtc_error *err)
{
	bool xored = rtc_stun_attr_is_xor_address(type);
	if (!xored && !is_plain_address(type))
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "0x%04x is not an address attribute", type);
	const struct rtc_stun_attr *a;
	enum rtc_stun_status st = find_or_fail(msg, type, &a, err);
	if (st != RTC_STUN_OK)
		return st;
	if (a->len < 4)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR, "address 0x%04x of %u bytes",
				     type, a->len);

	/* The xor pad: the magic cookie, then the transaction id for IPv6. */
	uint8_t pad[16];
	rtc_put_be32(pad, RTC_STUN_MAGIC_COOKIE);
	memcpy(pad + 4, msg->tid, RTC_STUN_TID_LEN);
	if (!xored)
		memset(pad, 0, sizeof(pad));

	uint8_t family = a->value[1];
	uint16_t port = rtc_get_be16(a->value + 2) ^ rtc_get_be16(pad);
	memset(out, 0, sizeof(*out));
	if (family == 0x01 && a->len == 8) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		uint8_t ip[4];
		for (int i = 0; i < 4; i++)
			ip[i] = a->value[4 + i] ^ pad[i];
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, ip, 4);
		return RTC_STUN_OK;
	}
	if (family == 0x02 && a->len == 20) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
		uint8_t ip[16];
		for (int i = 0; i < 16; i++)
			ip[i] = a->value[4 + i] ^ pad[i];
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, ip, 16);
		return RTC_STUN_OK;
	}
	return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
			     "address 0x%04x: family 0x%02x with %u bytes", type, family, a->len);
}

enum rtc_stun_status rtc_stun_check_text(uint16_t type, const uint8_t *value, size_t len,
					 struct rtc_error *err)
{
	size_t max_bytes, max_chars;
	switch (type) {
	case RTC_STUN_ATTR_USERNAME:
		max_bytes = 512, max_chars = 512;
		break;
	case RTC_STUN_ATTR_ALTERNATE_DOMAIN:
		max_bytes = 255, max_chars = 255;
		break;
	default: /* REALM, NONCE, SOFTWARE, ERROR-CODE reason */
		max_bytes = 763, max_chars = 127;
	}
	if (len > max_bytes)
		return rtc_stun_fail(err, RTC_STUN_E_TOO_LONG, "0x%04x of %zu bytes, at most %zu",
				     type, len, max_bytes);
	size_t chars = 0;
	for (size_t i = 0; i < len; i++) {
		if (value[i] == 0)
			return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
					     "0x%04x has a NUL byte at %zu", type, i);
		if ((value[i] & 0xC0) != 0x80)   /* not a UTF-8 continuation byte */
			chars++;
	}
	if (chars > max_chars)
		return rtc_stun_fail(err, RTC_STUN_E_TOO_LONG,
				     "0x%04x of %zu characters, at most %zu", type, chars, max_chars);
	return RTC_STUN_OK;
}

static enum rtc_stun_status copy_text(uint16_t type, const uint8_t *value, size_t len,
				      char *out, size_t out_size, struct rtc_error *err)
{
	enum rtc_stun_status st = rtc_stun_check_text(type, value, len, err);
	if (st == RTC_STUN_E_TOO_LONG)
		st = RTC_STUN_E_BAD_ATTR;   /* from a peer, too long is malformed */
	if (st != RTC_STUN_OK)
		return st;
	if (!out)
		return RTC_STUN_OK;
	if (len >= out_size)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "0x%04x of %zu bytes does not fit %zu", type, len, out_size);
	memcpy(out, value, len);
	out[len] = '\0';
	return RTC_STUN_OK;
}

enum rtc_stun_status rtc_stun_msg_get_string(const struct rtc_stun_msg *msg, uint16_t type,
					     char *out, size_t out_size, struct rtc_error *err)
{
	const struct rtc_stun_attr *a;
	enum rtc_stun_status st = find_or_fail(msg, type, &a, err);
	if (st != RTC_STUN_OK)
		return st;
	return copy_text(type, a->value, a->len, out, out_size, err);
}

enum rtc_stun_status rtc_stun_msg_get_error_code(const struct rtc_stun_msg *msg, uint16_t *code,
						 char *reason, size_t reason_size,
						 struct rtc_error *err)
{
	const struct rtc_stun_attr *a;
	enum rtc_stun_status st = find_or_fail(msg, RTC_STUN_ATTR_ERROR_CODE, &a, err);
	if (st != RTC_STUN_OK)
		return st;
	if (a->len < 4)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR, "ERROR-CODE of %u bytes", a->len);
	unsigned cls = a->value[2] & 0x07, number = a->value[3];
	if (cls < 3 || cls > 6 || number > 99)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "ERROR-CODE class %u number %u", cls, number);
	st = copy_text(RTC_STUN_ATTR_ERROR_CODE, a->value + 4, a->len - 4u, reason,
		       reason_size, err);
	if (st != RTC_STUN_OK)
		return st;
	*code = (uint16_t)(cls * 100 + number);
	return RTC_STUN_OK;
}

enum rtc_stun_status rtc_stun_msg_get_unknown_attributes(const struct rtc_stun_msg *msg,
							 uint16_t *types, size_t max,
							 size_t *count, struct rtc_error *err)
{
	const struct rtc_stun_attr *a;
	enum rtc_stun_status st = find_or_fail(msg, RTC_STUN_ATTR_UNKNOWN_ATTRIBUTES, &a, err);
	if (st != RTC_STUN_OK)
		return st;
	if (a->len % 2 != 0)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "UNKNOWN-ATTRIBUTES of odd length %u", a->len);
	size_t n = 0;
	for (size_t i = 0; i + 2 <= a->len && n < max; i += 2)
		types[n++] = rtc_get_be16(a->value + i);
	*count = n;
	return RTC_STUN_OK;
}

enum rtc_stun_status rtc_stun_msg_get_password_algorithms(const struct rtc_stun_msg *msg,
							  uint16_t type,
							  struct rtc_stun_password_algorithms *out,
							  struct rtc_error *err)
{
	if (type != RTC_STUN_ATTR_PASSWORD_ALGORITHMS && type != RTC_STUN_ATTR_PASSWORD_ALGORITHM)
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "0x%04x is not a password algorithm attribute", type);
	const struct rtc_stun_attr *a;
	enum rtc_stun_status st = find_or_fail(msg, type, &a, err);
	if (st != RTC_STUN_OK)
		return st;
	out->count = 0;
	size_t off = 0;
	while (off < a->len) {
		if (a->len - off < 4)
			return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
					     "password algorithm entry truncated at %zu", off);
		uint16_t id = rtc_get_be16(a->value + off);
		size_t params = rtc_stun_pad4(rtc_get_be16(a->value + off + 2));
		if (params > a->len - off - 4)
			return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
					     "password algorithm parameters past the end");
		if (out->count == RTC_STUN_MAX_PASSWORD_ALGORITHMS)
			return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
					     "more than %d password algorithms",
					     RTC_STUN_MAX_PASSWORD_ALGORITHMS);
		out->ids[out->count++] = id;
		off += 4 + params;
	}
	if (out->count == 0 ||
	    (type == RTC_STUN_ATTR_PASSWORD_ALGORITHM && out->count != 1))
		return rtc_stun_fail(err, RTC_STUN_E_BAD_ATTR,
				     "%zu password algorithms in 0x%04x", out->count, type);
	return RTC_STUN_OK;
}
