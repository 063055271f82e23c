/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shape every packetizer shares: one encoded frame in, a list of RTP
 * payloads out, written into a buffer the caller owns (so the I/O layer can
 * hand its own send buffer and the media bytes are written once).
 *
 * Each payload may be preceded by `headroom` free bytes, where the caller
 * later writes the RTP header. Payloads follow each other in the buffer:
 * with a fixed headroom, every payload but the last of a fragmented frame
 * has the same size, which is what a GSO send of one frame needs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct rtc_frame_payload {
	size_t offset;          /* of the payload in buf; its headroom is before it */
	size_t len;             /* never more than the mtu */
	bool marker;            /* the RTP marker bit for this payload */
};

struct rtc_frame_payloads {
	/* Filled by the caller. */
	uint8_t *buf;
	size_t cap;
	struct rtc_frame_payload *slots;
	size_t max_slots;
	size_t headroom;        /* free bytes before each payload */
	size_t mtu;             /* the largest payload, without headroom */
	/* Filled by the packetizer; what is there after an error is undefined. */
	size_t count;
	size_t used;            /* bytes of buf in use, headroom included */
};

/* Forgets the payloads of the last frame (each packetizer starts so). */
void rtc_frame_payloads_reset(struct rtc_frame_payloads *out);

/* Room for one more payload of len bytes (len <= mtu): returns where to
 * write it, or NULL with a RangeError when the buffer or the slots are full. */
uint8_t *rtc_frame_payloads_add(struct rtc_frame_payloads *out, size_t len,
				struct rtc_error *err);

/* The bytes of payload i. */
static inline uint8_t *rtc_frame_payloads_data(const struct rtc_frame_payloads *out, size_t i)
{
	return out->buf + out->slots[i].offset;
}
