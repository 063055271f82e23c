/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opus RTP payloads come straight from the peer. The first byte is the
 * marker bit, the rest the payload. What the depacketizer accepts must be
 * the whole payload with a sane duration, and must survive the packetizer
 * unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/packetize/opus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[2048];
	struct rtc_frame_payload slot;
	struct rtc_frame_payloads out = { .buf = buf, .cap = sizeof(buf), .slots = &slot,
					  .max_slots = 1, .headroom = 12, .mtu = 1500 };
	struct rtc_opus_packet pkt;
	struct rtc_error err = { 0 };
	bool marker;

	if (size < 1)
		return 0;
	marker = data[0] & 1;
	data++, size--;
	if (rtc_opus_depacketize(data, size, marker, &pkt, &err) < 0) {
		if (err.message[0] == '\0')
			abort();   /* every refusal says why */
		return 0;
	}
	if (pkt.data != data || pkt.len != size || pkt.talkspurt_start != marker ||
	    pkt.frames < 1 || pkt.frames > 48 || pkt.samples < 120 || pkt.samples > 5760)
		abort();
	if (rtc_opus_packetize(data, size, marker, &out, &err) < 0) {
		if (size <= out.mtu)
			abort();
		return 0;
	}
	if (out.count != 1 || out.slots[0].len != size || out.slots[0].marker != marker ||
	    memcmp(rtc_frame_payloads_data(&out, 0), data, size) != 0)
		abort();
	return 0;
}
