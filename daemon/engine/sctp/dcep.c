/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DCEP wire format (RFC 8832 section 5):
 *
 *   DATA_CHANNEL_OPEN                       DATA_CHANNEL_ACK
 *    0      1       2..3      4..7           0
 *   | 0x03 | type | priority | reliability | | 0x02 |
 *    8..9          10..11           12..
 *   | label len | protocol len | label | protocol |
 *
 * All integers are big-endian. An OPEN must be exactly as long as its
 * strings say (as Pion checks too). An ACK is one byte, but Pion sends
 * four (0x02 0 0 0), so bytes after the type are ignored there.
 */
#include "engine/sctp/dcep.h"

#include "engine/base/bytes.h"

#include <string.h>

bool rtc_dcep_string_is_valid(const char *buf, size_t len)
{
	const uint8_t *s = (const uint8_t *)buf;
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp, min;
		size_t n;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;   /* a continuation byte first, or 0xf8..0xff */
		}
		if (len - i - 1 < n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static bool reliability_is_known(unsigned r)
{
	return r == RTC_DCEP_RELIABLE || r == RTC_DCEP_PARTIAL_RELIABLE_REXMIT ||
	       r == RTC_DCEP_PARTIAL_RELIABLE_TIMED;
}

uint8_t rtc_dcep_channel_type(bool ordered, enum rtc_dcep_reliability reliability)
{
	return (uint8_t)((ordered ? 0 : RTC_DCEP_UNORDERED_BIT) | reliability);
}

static int decode_open(const uint8_t *buf, size_t len, struct rtc_dcep_open *open,
		       struct rtc_error *err)
{
	uint8_t type;
	size_t want;

	if (len < RTC_DCEP_OPEN_HEADER_SIZE)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "DATA_CHANNEL_OPEN of %zu bytes is shorter than its %u-byte header",
				     len, RTC_DCEP_OPEN_HEADER_SIZE);
	type = buf[1];
	if (!reliability_is_known(type & ~RTC_DCEP_UNORDERED_BIT))
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "DATA_CHANNEL_OPEN has unknown channel type 0x%02x", type);
	open->ordered = !(type & RTC_DCEP_UNORDERED_BIT);
	open->reliability = (enum rtc_dcep_reliability)(type & ~RTC_DCEP_UNORDERED_BIT);
	open->priority = rtc_get_be16(buf + 2);
	/* RFC 8832 section 5.1: ignored by the receiver on reliable channels. */
	open->reliability_param = open->reliability == RTC_DCEP_RELIABLE ? 0 : rtc_get_be32(buf + 4);
	open->label_len = rtc_get_be16(buf + 8);
	open->protocol_len = rtc_get_be16(buf + 10);
	want = RTC_DCEP_OPEN_HEADER_SIZE + (size_t)open->label_len + open->protocol_len;
	if (len != want)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "DATA_CHANNEL_OPEN is %zu bytes but its label (%u) and protocol (%u) make %zu",
				     len, open->label_len, open->protocol_len, want);
	open->label = (const char *)buf + RTC_DCEP_OPEN_HEADER_SIZE;
	open->protocol = open->label + open->label_len;
	if (!rtc_dcep_string_is_valid(open->label, open->label_len))
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "DATA_CHANNEL_OPEN label is not UTF-8 without NUL");
	if (!rtc_dcep_string_is_valid(open->protocol, open->protocol_len))
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "DATA_CHANNEL_OPEN protocol is not UTF-8 without NUL");
	return 0;
}

int rtc_dcep_decode(const uint8_t *buf, size_t len, struct rtc_dcep_message *msg,
		    struct rtc_error *err)
{
	memset(msg, 0, sizeof(*msg));
	if (len == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty DCEP message");
	switch (buf[0]) {
	case RTC_DCEP_OPEN:
		msg->type = RTC_DCEP_OPEN;
		return decode_open(buf, len, &msg->open, err);
	case RTC_DCEP_ACK:
		msg->type = RTC_DCEP_ACK;
		return 0;
	default:
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "unknown DCEP message type 0x%02x",
				     buf[0]);
	}
}

size_t rtc_dcep_open_size(const struct rtc_dcep_open *open)
{
	return RTC_DCEP_OPEN_HEADER_SIZE + (size_t)open->label_len + open->protocol_len;
}

long rtc_dcep_encode_open(const struct rtc_dcep_open *open, uint8_t *buf, size_t cap,
			  struct rtc_error *err)
{
	size_t len = rtc_dcep_open_size(open);

	if (!reliability_is_known(open->reliability))
		return rtc_error_set(err, RTC_ERROR_TYPE, "unknown DCEP reliability %u",
				     (unsigned)open->reliability);
	if (open->reliability == RTC_DCEP_RELIABLE && open->reliability_param != 0)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "a reliable channel carries no reliability parameter");
	if ((open->label_len && !open->label) || (open->protocol_len && !open->protocol))
		return rtc_error_set(err, RTC_ERROR_TYPE, "DCEP string length without bytes");
	if (cap < len)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "DATA_CHANNEL_OPEN needs %zu bytes, the buffer has %zu", len, cap);
	buf[0] = RTC_DCEP_OPEN;
	buf[1] = rtc_dcep_channel_type(open->ordered, open->reliability);
	rtc_put_be16(buf + 2, open->priority);
	rtc_put_be32(buf + 4, open->reliability_param);
	rtc_put_be16(buf + 8, open->label_len);
	rtc_put_be16(buf + 10, open->protocol_len);
	if (open->label_len)
		memcpy(buf + RTC_DCEP_OPEN_HEADER_SIZE, open->label, open->label_len);
	if (open->protocol_len)
		memcpy(buf + RTC_DCEP_OPEN_HEADER_SIZE + open->label_len, open->protocol,
		       open->protocol_len);
	return (long)len;
}

long rtc_dcep_encode_ack(uint8_t *buf, size_t cap)
{
	if (cap < 1)
		return -1;
	buf[0] = RTC_DCEP_ACK;
	return 1;
}
