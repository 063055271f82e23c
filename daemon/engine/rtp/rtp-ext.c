/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Header extension payloads. Lengths are exact: a peer that sends a
 * 4-byte audio level has not understood the extension, and guessing which
 * byte it meant would be worse than ignoring it.
 */
#include "engine/rtp/rtp-ext.h"

#include "engine/base/bytes.h"

#include <string.h>

#define NS_PER_S 1000000000ull

static int want_len(const struct rtc_rtp_ext *e, unsigned len, const char *what,
		    struct rtc_error *err)
{
	if (e->len != len)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "%s element %u of %u bytes, not %u",
				     what, e->id, e->len, len);
	return 0;
}

uint32_t rtc_rtp_abs_send_time_from_ns(uint64_t ns)
{
	/* Seconds and fraction apart, so ns << 18 cannot overflow; rounded. */
	uint64_t frac = ((ns % NS_PER_S << 18) + NS_PER_S / 2) / NS_PER_S;

	return (uint32_t)((ns / NS_PER_S << 18) + frac) & 0xffffffu;
}

uint64_t rtc_rtp_abs_send_time_to_ns(uint32_t v)
{
	v &= 0xffffffu;
	return ((uint64_t)v * NS_PER_S + (1u << 17)) >> 18;
}

int rtc_rtp_ext_get_abs_send_time(const struct rtc_rtp_ext *e, uint32_t *v,
				  struct rtc_error *err)
{
	if (want_len(e, 3, "abs-send-time", err) < 0)
		return -1;
	*v = rtc_get_be24(e->data);
	return 0;
}

struct rtc_rtp_ext rtc_rtp_ext_abs_send_time(uint8_t id, uint32_t v, uint8_t buf[3])
{
	rtc_put_be24(buf, v & 0xffffffu);
	return (struct rtc_rtp_ext){ .id = id, .len = 3, .data = buf };
}

int rtc_rtp_ext_get_transport_cc(const struct rtc_rtp_ext *e, uint16_t *seq,
				 struct rtc_error *err)
{
	if (want_len(e, 2, "transport-wide-cc", err) < 0)
		return -1;
	*seq = rtc_get_be16(e->data);
	return 0;
}

struct rtc_rtp_ext rtc_rtp_ext_transport_cc(uint8_t id, uint16_t seq, uint8_t buf[2])
{
	rtc_put_be16(buf, seq);
	return (struct rtc_rtp_ext){ .id = id, .len = 2, .data = buf };
}

int rtc_rtp_ext_get_audio_level(const struct rtc_rtp_ext *e, bool *voice, uint8_t *level,
				struct rtc_error *err)
{
	if (want_len(e, 1, "ssrc-audio-level", err) < 0)
		return -1;
	*voice = e->data[0] & 0x80;
	*level = e->data[0] & 0x7f;
	return 0;
}

struct rtc_rtp_ext rtc_rtp_ext_audio_level(uint8_t id, bool voice, uint8_t level,
					   uint8_t buf[1])
{
	buf[0] = (uint8_t)(voice << 7 | (level > 127 ? 127 : level));
	return (struct rtc_rtp_ext){ .id = id, .len = 1, .data = buf };
}

/* RFC 8866 token-char: printable ASCII but the separators ("{}|~" are in). */
static bool is_token_char(uint8_t c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]", c);
}

/* RFC 8851 rid-id: ALPHA / DIGIT / "-" / "_". */
static bool is_rid_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static int check_string(const char *what, const uint8_t *s, size_t len,
			bool (*ok)(uint8_t), struct rtc_error *err)
{
	if (len == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty %s", what);
	for (size_t i = 0; i < len; i++)
		if (!ok(s[i]))
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "%s has byte 0x%02x at %zu", what, s[i], i);
	return 0;
}

static int get_string(const struct rtc_rtp_ext *e, const char *what, bool (*ok)(uint8_t),
		      const char **s, size_t *len, struct rtc_error *err)
{
	size_t n = e->len;

	while (n && e->data[n - 1] == 0)
		n--;
	if (check_string(what, e->data, n, ok, err) < 0)
		return -1;
	*s = (const char *)e->data;
	*len = n;
	return 0;
}

int rtc_rtp_ext_get_mid(const struct rtc_rtp_ext *e, const char **s, size_t *len,
			struct rtc_error *err)
{
	return get_string(e, "mid", is_token_char, s, len, err);
}

int rtc_rtp_ext_get_rid(const struct rtc_rtp_ext *e, const char **s, size_t *len,
			struct rtc_error *err)
{
	return get_string(e, "rtp-stream-id", is_rid_char, s, len, err);
}

static int make_string(uint8_t id, const char *what, bool (*ok)(uint8_t), const char *s,
		       size_t len, struct rtc_rtp_ext *e, struct rtc_error *err)
{
	if (len > 255)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%s of %zu bytes, at most 255", what, len);
	if (check_string(what, (const uint8_t *)s, len, ok, err) < 0) {
		if (err)
			err->kind = RTC_ERROR_TYPE;
		return -1;
	}
	*e = (struct rtc_rtp_ext){ .id = id, .len = (uint8_t)len, .data = (const uint8_t *)s };
	return 0;
}

int rtc_rtp_ext_mid(uint8_t id, const char *s, size_t len, struct rtc_rtp_ext *e,
		    struct rtc_error *err)
{
	return make_string(id, "mid", is_token_char, s, len, e, err);
}

int rtc_rtp_ext_rid(uint8_t id, const char *s, size_t len, struct rtc_rtp_ext *e,
		    struct rtc_error *err)
{
	return make_string(id, "rtp-stream-id", is_rid_char, s, len, e, err);
}
