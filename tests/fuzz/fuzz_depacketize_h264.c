/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * H.264 RTP payloads come straight from the peer. The input is read twice:
 *  - as a script (fuzz_input.h) of payloads, each a chunk whose first byte
 *    is the marker bit, fed in order to one depacketizer, which must stay
 *    within its output buffer and say why it refuses;
 *  - after its first byte (the mode, and the MTU), as an Annex-B access
 *    unit: what the packetizer accepts must come back, NAL for NAL, from
 *    the depacketizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/packetize/h264.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t annexb[1 << 18];
static uint8_t payloads[1 << 19];
static struct rtc_frame_payload slots[1 << 14];

static void depacketize_script(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct rtc_h264_depacketizer d;
	const uint8_t *chunk;
	size_t len;

	rtc_h264_depacketizer_reset(&d);
	while (fuzz_input_chunk(&in, &chunk, &len)) {
		struct rtc_h264_depacketized r;
		struct rtc_error err = { 0 };
		size_t cap = len ? (size_t)chunk[0] * 8 : 0;

		if (len == 0)
			continue;
		/* A small output buffer at times, to reach the RangeError paths. */
		if (cap > sizeof(annexb))
			cap = sizeof(annexb);
		if (rtc_h264_depacketize(&d, chunk + 1, len - 1, chunk[0] & 1, annexb, cap,
					 &r, &err) < 0) {
			if (err.message[0] == '\0')
				abort();
			continue;
		}
		if (r.len > cap || r.frame_end != (chunk[0] & 1))
			abort();
	}
}

static void round_trip(const uint8_t *data, size_t size)
{
	struct rtc_frame_payloads out = { .buf = payloads, .cap = sizeof(payloads),
					  .slots = slots, .max_slots = 1 << 14, .headroom = 12 };
	struct rtc_h264_packetizer p;
	struct rtc_h264_depacketizer d;
	struct rtc_error err = { 0 };
	const uint8_t *a, *b;
	size_t got = 0, apos = 0, bpos = 0, alen, blen;

	if (size < 1)
		return;
	rtc_h264_packetizer_init(&p, data[0] & 1);
	out.mtu = 3 + (data[0] >> 1) * 10;   /* 3..1273 */
	data++, size--;
	/* A fresh packetizer has no SPS/PPS to insert: the NALs stay the same. */
	if (rtc_h264_packetize(&p, data, size, &out, &err) < 0) {
		if (err.message[0] == '\0')
			abort();
		return;
	}
	rtc_h264_depacketizer_reset(&d);
	for (size_t i = 0; i < out.count; i++) {
		struct rtc_h264_depacketized r;

		if (out.slots[i].len > out.mtu || out.slots[i].marker != (i + 1 == out.count) ||
		    rtc_h264_depacketize(&d, rtc_frame_payloads_data(&out, i), out.slots[i].len,
					 out.slots[i].marker, annexb + got, sizeof(annexb) - got,
					 &r, &err) < 0)
			abort();
		got += r.len;
	}
	for (;;) {
		bool more_a = rtc_h264_next_nal(data, size, &apos, &a, &alen);
		bool more_b = rtc_h264_next_nal(annexb, got, &bpos, &b, &blen);

		if (more_a != more_b)
			abort();
		if (!more_a)
			break;
		if (alen != blen || memcmp(a, b, alen) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	depacketize_script(data, size);
	if (size <= 16384)   /* at MTU 3 each byte is a payload */
		round_trip(data, size);
	return 0;
}
