/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The STUN message builder: attributes appended into the caller's buffer,
 * the header's length field kept current after every append so that
 * MESSAGE-INTEGRITY and FINGERPRINT can be computed over the bytes as they
 * stand. Errors are sticky (see stun.h).
 */
#include "engine/stun/stun.h"
#include "engine/stun/stun-private.h"

#include <netinet/in.h>
#include <string.h>

#include "engine/base/rng.h"

enum rtc_stun_status rtc_stun_tid_generate(uint8_t tid[RTC_STUN_TID_LEN])
{
	return rtc_rng_bytes(tid, RTC_STUN_TID_LEN) == 0 ? RTC_STUN_OK : RTC_STUN_E_CRYPTO;
}

static void set_failed(struct rtc_stun_builder *b, enum rtc_stun_status status)
{
	if (b->status == RTC_STUN_OK)
		b->status = status;
}

void rtc_stun_builder_init(struct rtc_stun_builder *b, uint8_t *buf, size_t cap,
			   uint16_t method, enum rtc_stun_class cls,
			   const uint8_t tid[RTC_STUN_TID_LEN])
{
	*b = (struct rtc_stun_builder){ .buf = buf, .cap = cap };
	if (!buf || cap < RTC_STUN_HEADER_LEN) {
		set_failed(b, RTC_STUN_E_NO_SPACE);
		return;
	}
	if (method > 0x0FFF) {
		set_failed(b, RTC_STUN_E_TOO_LONG);
		return;
	}
	/* Interleave the class bits into the method (RFC 8489 figure 3). */
	unsigned c = (unsigned)cls & 3;
	uint16_t type = (uint16_t)((method & 0x000F) | (method & 0x0070) << 1 |
				   (method & 0x0F80) << 2 | (c & 1) << 4 | (c & 2) << 7);
	rtc_put_be16(buf, type);
	rtc_put_be16(buf + 2, 0);
	rtc_put_be32(buf + 4, RTC_STUN_MAGIC_COOKIE);
	if (tid)
		memcpy(buf + 8, tid, RTC_STUN_TID_LEN);
	else if (rtc_stun_tid_generate(buf + 8) != RTC_STUN_OK)
		set_failed(b, RTC_STUN_E_CRYPTO);
	b->len = RTC_STUN_HEADER_LEN;
}

/* Reserves an attribute of `len` value bytes (zeroed padding included) and
 * returns where the value goes, or NULL after recording the error. */
static uint8_t *append(struct rtc_stun_builder *b, uint16_t type, size_t len)
{
	if (b->status != RTC_STUN_OK)
		return NULL;
	size_t padded = rtc_stun_pad4(len);
	/* The message length field is 16 bits and counts the header-less body. */
	if (len > 0xFFFF || b->len - RTC_STUN_HEADER_LEN + 4 + padded > 0xFFFC) {
		set_failed(b, RTC_STUN_E_TOO_LONG);
		return NULL;
	}
	if (b->cap - b->len < 4 + padded) {
		set_failed(b, RTC_STUN_E_NO_SPACE);
		return NULL;
	}
	uint8_t *p = b->buf + b->len;
	rtc_put_be16(p, type);
	rtc_put_be16(p + 2, (uint16_t)len);
	memset(p + 4 + len, 0, padded - len);
	b->len += 4 + padded;
	rtc_put_be16(b->buf + 2, (uint16_t)(b->len - RTC_STUN_HEADER_LEN));
	return p + 4;
}

void rtc_stun_builder_add_raw(struct rtc_stun_builder *b, uint16_t type,
			      const void *value, size_t len)
{
	uint8_t *p = append(b, type, len);
	if (p && len)
		memcpy(p, value, len);
}

void rtc_stun_builder_add_u32(struct rtc_stun_builder *b, uint16_t type, uint32_t value)
{
	uint8_t *p = append(b, type, 4);
	if (p)
		rtc_put_be32(p, value);
}

void rtc_stun_builder_add_u64(struct rtc_stun_builder *b, uint16_t type, uint64_t value)
{
	uint8_t *p = append(b, type, 8);
	if (p) {
		rtc_put_be32(p, (uint32_t)(value >> 32));
		rtc_put_be32(p + 4, (uint32_t)value);
	}
}

void rtc_stun_builder_add_string(struct rtc_stun_builder *b, uint16_t type, const char *value)
{
	if (b->status != RTC_STUN_OK)
		return;
	size_t len = strlen(value);
	enum rtc_stun_status st = rtc_stun_check_text(type, (const uint8_t *)value, len, NULL);
	if (st != RTC_STUN_OK) {
		set_failed(b, st);
		return;
	}
	rtc_stun_builder_add_raw(b, type, value, len);
}

void rtc_stun_builder_add_address(struct rtc_stun_builder *b, uint16_t type,
				  const struct sockaddr *addr)
{
	if (b->status != RTC_STUN_OK)
		return;
	uint8_t pad[16] = { 0 };
	if (rtc_stun_attr_is_xor_address(type)) {
		rtc_put_be32(pad, RTC_STUN_MAGIC_COOKIE);
		memcpy(pad + 4, b->buf + 8, RTC_STUN_TID_LEN);
	}

	const uint8_t *ip;
	size_t ip_len;
	uint16_t port;
	uint8_t family;
	if (addr && addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
		ip = (const uint8_t *)&sin->sin_addr;
		ip_len = 4, family = 0x01, port = ntohs(sin->sin_port);
	} else if (addr && addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
		ip = (const uint8_t *)&sin6->sin6_addr;
		ip_len = 16, family = 0x02, port = ntohs(sin6->sin6_port);
	} else {
		set_failed(b, RTC_STUN_E_UNSUPPORTED);
		return;
	}
	uint8_t *p = append(b, type, 4 + ip_len);
	if (!p)
		return;
	p[0] = 0;
	p[1] = family;
	rtc_put_be16(p + 2, port ^ rtc_get_be16(pad));
	for (size_t i = 0; i < ip_len; i++)
		p[4 + i] = ip[i] ^ pad[i];
}

void rtc_stun_builder_add_error_code(struct rtc_stun_builder *b, uint16_t code,
				     const char *reason)
{
	if (b->status != RTC_STUN_OK)
		return;
	if (code < 300 || code > 699) {
		set_failed(b, RTC_STUN_E_UNSUPPORTED);
		return;
	}
	if (!reason)
		reason = "";
	size_t len = strlen(reason);
	enum rtc_stun_status st = rtc_stun_check_text(RTC_STUN_ATTR_ERROR_CODE,
						      (const uint8_t *)reason, len, NULL);
	if (st != RTC_STUN_OK) {
		set_failed(b, st);
		return;
	}
	uint8_t *p = append(b, RTC_STUN_ATTR_ERROR_CODE, 4 + len);
	if (!p)
		return;
	p[0] = p[1] = 0;
	p[2] = (uint8_t)(code / 100);
	p[3] = (uint8_t)(code % 100);
	memcpy(p + 4, reason, len);
}

void rtc_stun_builder_add_unknown_attributes(struct rtc_stun_builder *b,
					     const uint16_t *types, size_t count)
{
	if (count > 0x7FFF) {
		set_failed(b, RTC_STUN_E_TOO_LONG);
		return;
	}
	uint8_t *p = append(b, RTC_STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * count);
	for (size_t i = 0; p && i < count; i++)
		rtc_put_be16(p + 2 * i, types[i]);
}

void rtc_stun_builder_add_password_algorithms(struct rtc_stun_builder *b,
					      const uint16_t *ids, size_t count)
{
	if (count > 0x3FFF) {
		set_failed(b, RTC_STUN_E_TOO_LONG);
		return;
	}
	/* Neither MD5 nor SHA-256 takes parameters: 4 bytes per entry. */
	uint8_t *p = append(b, RTC_STUN_ATTR_PASSWORD_ALGORITHMS, 4 * count);
	for (size_t i = 0; p && i < count; i++) {
		rtc_put_be16(p + 4 * i, ids[i]);
		rtc_put_be16(p + 4 * i + 2, 0);
	}
}

void rtc_stun_builder_add_password_algorithm(struct rtc_stun_builder *b, uint16_t id)
{
	uint8_t *p = append(b, RTC_STUN_ATTR_PASSWORD_ALGORITHM, 4);
	if (p) {
		rtc_put_be16(p, id);
		rtc_put_be16(p + 2, 0);
	}
}

void rtc_stun_builder_add_integrity(struct rtc_stun_builder *b, const struct rtc_stun_key *key,
				    enum rtc_stun_integrity kind)
{
	bool sha256 = kind == RTC_STUN_INTEGRITY_SHA256;
	size_t mac_len = sha256 ? 32 : 20;
	uint16_t type = sha256 ? RTC_STUN_ATTR_MESSAGE_INTEGRITY_SHA256
			       : RTC_STUN_ATTR_MESSAGE_INTEGRITY;
	size_t covered = b->len;
	/* append() sets the length field to include this attribute, as the
	 * HMAC input must (RFC 8489 14.5); the MAC covers what came before. */
	uint8_t *p = append(b, type, mac_len);
	if (!p)
		return;
	if (rtc_stun_hmac(key, sha256, b->buf, covered,
			  (uint16_t)(b->len - RTC_STUN_HEADER_LEN), p) != RTC_STUN_OK)
		set_failed(b, RTC_STUN_E_CRYPTO);
}

void rtc_stun_builder_add_fingerprint(struct rtc_stun_builder *b)
{
	size_t covered = b->len;
	uint8_t *p = append(b, RTC_STUN_ATTR_FINGERPRINT, 4);
	if (p)
		rtc_put_be32(p, rtc_stun_crc32(b->buf, covered) ^ RTC_STUN_FINGERPRINT_XOR);
}

enum rtc_stun_status rtc_stun_builder_finish(struct rtc_stun_builder *b, size_t *len)
{
	if (b->status == RTC_STUN_OK && len)
		*len = b->len;
	return b->status;
}
