/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the STUN and TURN sources; not part of the engine's API.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/base/bytes.h"
#include "engine/stun/stun.h"

static inline size_t rtc_stun_pad4(size_t len)
{
	return (len + 3) & ~(size_t)3;
}

/* Returns status, and fills *err (may be NULL) with "STUN: <status text>:
 * <detail>". */
__attribute__((format(printf, 3, 4)))
enum rtc_stun_status rtc_stun_fail(struct rtc_error *err, enum rtc_stun_status status,
				   const char *fmt, ...);

/* Length limits of the text attributes (RFC 8489 14): TOO_LONG or BAD_ATTR
 * (a NUL byte), else OK. */
enum rtc_stun_status rtc_stun_check_text(uint16_t type, const uint8_t *value, size_t len,
					 struct rtc_error *err);

bool rtc_stun_attr_is_xor_address(uint16_t type);

/* HMAC-SHA1 (20 bytes) or HMAC-SHA256 (32 bytes) into out, over the first
 * `covered` bytes of msg with the header's length field read as
 * length_field: the value the length has when the integrity attribute is
 * the last one counted (RFC 8489 14.5, 14.6). */
enum rtc_stun_status rtc_stun_hmac(const struct rtc_stun_key *key, bool sha256,
				   const uint8_t *msg, size_t covered, uint16_t length_field,
				   uint8_t out[32]);
