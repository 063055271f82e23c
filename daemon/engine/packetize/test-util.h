/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the packetizer tests share: a seeded generator, and an output list
 * with room for a large frame at MTU 1200. */
#pragma once

#include <stdint.h>
#include <string.h>

#include "engine/packetize/frame.h"

#define TEST_MTU 1200u
#define TEST_SLOTS 256u
#define TEST_HEADROOM 12u

struct test_out {
	uint8_t buf[TEST_SLOTS * (TEST_MTU + TEST_HEADROOM)];
	struct rtc_frame_payload slots[TEST_SLOTS];
	struct rtc_frame_payloads list;
};

static inline struct rtc_frame_payloads *test_out_init(struct test_out *o, size_t mtu)
{
	o->list = (struct rtc_frame_payloads){
		.buf = o->buf, .cap = sizeof(o->buf), .slots = o->slots,
		.max_slots = TEST_SLOTS, .headroom = TEST_HEADROOM, .mtu = mtu,
	};
	return &o->list;
}

/* xorshift64*: the same frames on every run. */
static inline uint32_t test_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545f4914f6cdd1dull) >> 32);
}
