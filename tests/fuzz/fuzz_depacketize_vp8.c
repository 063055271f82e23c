/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VP8 RTP payloads come straight from the peer. The first byte is the
 * marker bit (and the MTU of the round trip), the rest the payload. What
 * the depacketizer accepts must lie within the payload; its data, as a
 * frame, must come back unchanged through packetizer and depacketizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/packetize/vp8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1 << 17], again[4096];
	static struct rtc_frame_payload slots[4096];
	struct rtc_frame_payloads out = { .buf = buf, .cap = sizeof(buf), .slots = slots,
					  .max_slots = 4096, .headroom = 12 };
	struct rtc_vp8_packetizer pk;
	struct rtc_vp8_depacketized d;
	struct rtc_error err = { 0 };
	size_t got = 0;
	bool marker;

	if (size < 1)
		return 0;
	marker = data[0] & 1;
	out.mtu = 5 + (data[0] >> 1) * 10;   /* 5..1275: every payload size matters */
	data++, size--;
	if (rtc_vp8_depacketize(data, size, marker, &d, &err) < 0) {
		if (err.message[0] == '\0')
			abort();
		return 0;
	}
	if (d.data < data || d.len < 1 || d.data + d.len != data + size || d.frame_end != marker ||
	    (d.key_frame && !d.frame_start))
		abort();
	/* At the smallest MTU each byte is a payload: 4096 slots suffice. */
	if (d.len > sizeof(again))
		return 0;
	rtc_vp8_packetizer_init(&pk, d.desc.picture_id);
	if (rtc_vp8_packetize(&pk, d.data, d.len, &out, &err) < 0)
		abort();
	for (size_t i = 0; i < out.count; i++) {
		struct rtc_vp8_depacketized r;

		if (out.slots[i].len > out.mtu ||
		    rtc_vp8_depacketize(rtc_frame_payloads_data(&out, i), out.slots[i].len,
					out.slots[i].marker, &r, &err) < 0 ||
		    r.frame_start != (i == 0) || r.frame_end != (i + 1 == out.count) ||
		    r.desc.picture_id != (d.desc.picture_id & 0x7fff) ||
		    (i == 0 && r.key_frame != rtc_vp8_is_key_frame(d.data, d.len)))
			abort();
		memcpy(again + got, r.data, r.len);
		got += r.len;
	}
	if (got != d.len || memcmp(again, d.data, got) != 0)
		abort();
	return 0;
}
