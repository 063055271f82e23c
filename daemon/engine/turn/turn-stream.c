/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TURN stream reassembly (RFC 8656 12.5): see turn-stream.h.
 */
#include "engine/turn/turn-stream.h"
#include "engine/stun/stun.h"
#include "engine/stun/stun-private.h"

#include <stdlib.h>
#include <string.h>

long rtc_turn_stream_frame_length(const uint8_t *buf, size_t len)
{
	if (len < 1)
		return 0;
	switch (buf[0] & 0xC0) {
	case 0x00:
		if (len < RTC_STUN_HEADER_LEN)
			return 0;
		if (rtc_get_be32(buf + 4) != RTC_STUN_MAGIC_COOKIE ||
		    rtc_get_be16(buf + 2) % 4 != 0)
			return -1;
		return RTC_STUN_HEADER_LEN + (long)rtc_get_be16(buf + 2);
	case 0x40:
		if (len < 4)
			return 0;
		return 4 + (long)rtc_stun_pad4(rtc_get_be16(buf + 2));
	default:
		return -1;
	}
}

void rtc_turn_stream_init(struct rtc_turn_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void rtc_turn_stream_free(struct rtc_turn_stream *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

int rtc_turn_stream_push(struct rtc_turn_stream *s, const uint8_t *data, size_t len,
			 struct rtc_error *err)
{
	if (s->broken)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "TURN stream is broken");
	/* Drop what was handed out already, then make room. */
	if (s->start) {
		memmove(s->buf, s->buf + s->start, s->len - s->start);
		s->len -= s->start;
		s->start = 0;
	}
	if (len > SIZE_MAX / 2 - s->len)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "TURN stream push too large");
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + len)
			cap *= 2;
		uint8_t *buf = realloc(s->buf, cap);
		if (!buf)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		s->buf = buf;
		s->cap = cap;
	}
	if (len)
		memcpy(s->buf + s->len, data, len);
	s->len += len;
	return 0;
}

enum rtc_turn_stream_result rtc_turn_stream_next(struct rtc_turn_stream *s,
						 const uint8_t **frame, size_t *len,
						 struct rtc_error *err)
{
	if (s->broken) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "TURN stream is broken");
		return RTC_TURN_STREAM_ERROR;
	}
	size_t held = s->len - s->start;
	if (held == 0)
		return RTC_TURN_STREAM_NEED_MORE;
	long n = rtc_turn_stream_frame_length(s->buf + s->start, held);
	if (n < 0) {
		s->broken = true;
		rtc_error_set(err, RTC_ERROR_OPERATION,
			      "TURN stream: byte 0x%02x at a message boundary is neither STUN "
			      "nor ChannelData", s->buf[s->start]);
		return RTC_TURN_STREAM_ERROR;
	}
	if (n == 0 || (size_t)n > held)
		return RTC_TURN_STREAM_NEED_MORE;
	*frame = s->buf + s->start;
	*len = (size_t)n;
	s->start += (size_t)n;
	return RTC_TURN_STREAM_FRAME;
}
