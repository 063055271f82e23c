/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cutting a TURN-over-TCP (or TLS) byte stream into messages. RFC 8656
 * uses no extra framing on streams: STUN messages carry their length in
 * the header and ChannelData messages too, padded to 4 bytes on streams
 * (section 12.5). The first two bits tell them apart: 00 STUN, 01
 * ChannelData; anything else means the stream is broken and the
 * connection must go.
 *
 *     rtc_turn_stream_init(&s);
 *     on bytes: rtc_turn_stream_push(&s, data, len, &err);
 *               while ((r = rtc_turn_stream_next(&s, &frame, &len, &err)) ==
 *                      RTC_TURN_STREAM_FRAME)
 *                       rtc_turn_client_handle_receive(c, now, frame, len, ...);
 *               if (r == RTC_TURN_STREAM_ERROR) close the connection
 *     rtc_turn_stream_free(&s);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* The largest frame: a STUN header and 65532 bytes of attributes, or a
 * ChannelData header with 65535 bytes and padding. */
#define RTC_TURN_STREAM_MAX_FRAME (4 + 65535 + 3)

enum rtc_turn_stream_result {
	RTC_TURN_STREAM_FRAME,      /* *frame, *len: one whole message */
	RTC_TURN_STREAM_NEED_MORE,  /* everything buffered is an incomplete message */
	RTC_TURN_STREAM_ERROR,      /* not STUN or ChannelData: drop the connection */
};

/* The length of the frame at the start of buf (which holds len bytes):
 * 0 when more bytes are needed to know, -1 when the bytes cannot start a
 * frame. Pure: for callers that buffer on their own. */
long rtc_turn_stream_frame_length(const uint8_t *buf, size_t len);

struct rtc_turn_stream {
	uint8_t *buf;
	size_t len;        /* bytes held */
	size_t start;      /* first byte not yet returned as a frame */
	size_t cap;
	bool broken;
};

void rtc_turn_stream_init(struct rtc_turn_stream *s);
void rtc_turn_stream_free(struct rtc_turn_stream *s);

/* Appends bytes from the connection. Frames returned earlier by next() are
 * invalid afterwards. -1 with *err (OperationError) when out of memory or
 * the stream is broken. */
int rtc_turn_stream_push(struct rtc_turn_stream *s, const uint8_t *data, size_t len,
			 struct rtc_error *err);

/* The next whole frame, including a ChannelData's padding. */
enum rtc_turn_stream_result rtc_turn_stream_next(struct rtc_turn_stream *s,
						 const uint8_t **frame, size_t *len,
						 struct rtc_error *err);
