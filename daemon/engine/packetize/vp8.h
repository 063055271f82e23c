/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VP8 over RTP (RFC 7741). Each payload starts with a payload descriptor:
 *
 *        0 1 2 3 4 5 6 7
 *       |X|R|N|S|R| PID |   X: extensions follow, N: non-reference frame,
 *   X:  |I|L|T|K| RSV   |   S: start of a partition, PID: partition index
 *   I:  |M| PictureID   |   M: 15-bit picture id (a second byte follows)
 *       |   PictureID   |
 *   L:  |   TL0PICIDX   |
 *   T/K:|TID|Y| KEYIDX  |
 *
 * A frame starts in the payload with S=1 and PID=0; it ends with the RTP
 * marker bit. There the VP8 payload header's first byte tells a key frame
 * (its P bit, the lowest, is 0).
 *
 * The packetizer does not split on partition boundaries (PID is always 0,
 * as libwebrtc sends): it fills payloads to the MTU, each with a 15-bit
 * picture id that grows by one per frame, so every payload of a frame but
 * the last has the same size.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/packetize/frame.h"

#define RTC_VP8_CLOCK_RATE 90000u
/* The longest descriptor: 1 + X + 2 picture id + TL0PICIDX + T/K. */
#define RTC_VP8_DESCRIPTOR_MAX 6u

struct rtc_vp8_descriptor {
	bool non_reference;     /* N */
	bool start;             /* S: the payload starts a partition */
	uint8_t partition;      /* PID, 0..7 */
	bool has_picture_id;    /* I */
	uint8_t picture_id_bits;/* 7 or 15 */
	uint16_t picture_id;
	bool has_tl0picidx;     /* L */
	uint8_t tl0picidx;
	bool has_tid;           /* T */
	uint8_t tid;            /* 0..3 */
	bool layer_sync;        /* Y */
	bool has_keyidx;        /* K */
	uint8_t keyidx;         /* 0..31 */
};

/* Reads a descriptor; returns its length in bytes, or -1 with a
 * SyntaxError when the payload is shorter than its flags say. */
long rtc_vp8_descriptor_decode(const uint8_t *payload, size_t len,
			       struct rtc_vp8_descriptor *d, struct rtc_error *err);

/* Bytes rtc_vp8_descriptor_encode writes for d. */
size_t rtc_vp8_descriptor_size(const struct rtc_vp8_descriptor *d);

/* Writes d; returns its length, or -1 with a RangeError if cap is too
 * small or a field does not fit its bits. */
long rtc_vp8_descriptor_encode(const struct rtc_vp8_descriptor *d, uint8_t *buf, size_t cap,
			       struct rtc_error *err);

struct rtc_vp8_depacketized {
	struct rtc_vp8_descriptor desc;
	const uint8_t *data;    /* VP8 bytes after the descriptor, in the payload */
	size_t len;             /* at least 1 */
	bool frame_start;       /* S=1 and PID=0 */
	bool frame_end;         /* the marker bit */
	bool key_frame;         /* on the frame's first payload only */
};

/* Reads one RTP payload. Returns 0, or -1 with a SyntaxError (truncated
 * descriptor, no VP8 data). */
int rtc_vp8_depacketize(const uint8_t *payload, size_t len, bool marker,
			struct rtc_vp8_depacketized *out, struct rtc_error *err);

struct rtc_vp8_packetizer {
	uint16_t picture_id;    /* the next frame's, 15 bits */
};

/* first_picture_id should be random (RFC 7741 section 4.2), 15 bits are kept. */
void rtc_vp8_packetizer_init(struct rtc_vp8_packetizer *p, uint16_t first_picture_id);

/* Splits one encoded frame into payloads of at most out->mtu bytes, the
 * marker on the last. Returns 0, or -1 with a TypeError (empty frame) or a
 * RangeError (MTU too small for a descriptor and a byte, or out full); the
 * picture id advances only on success. */
int rtc_vp8_packetize(struct rtc_vp8_packetizer *p, const uint8_t *frame, size_t len,
		      struct rtc_frame_payloads *out, struct rtc_error *err);

/* True if a frame (its first bytes, the VP8 payload header) is a key frame. */
static inline bool rtc_vp8_is_key_frame(const uint8_t *frame, size_t len)
{
	return len > 0 && !(frame[0] & 0x01);
}
