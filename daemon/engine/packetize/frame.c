/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/packetize/frame.h"

void rtc_frame_payloads_reset(struct rtc_frame_payloads *out)
{
	out->count = 0;
	out->used = 0;
}

uint8_t *rtc_frame_payloads_add(struct rtc_frame_payloads *out, size_t len,
				struct rtc_error *err)
{
	struct rtc_frame_payload *slot;

	if (len > out->mtu) {
		rtc_error_set(err, RTC_ERROR_RANGE, "a payload of %zu bytes exceeds the MTU of %zu",
			      len, out->mtu);
		return NULL;
	}
	if (out->count >= out->max_slots) {
		rtc_error_set(err, RTC_ERROR_RANGE, "the frame needs more than %zu payloads",
			      out->max_slots);
		return NULL;
	}
	if (out->used > out->cap || out->cap - out->used < out->headroom ||
	    out->cap - out->used - out->headroom < len) {
		rtc_error_set(err, RTC_ERROR_RANGE,
			      "the payload buffer of %zu bytes is too small for the frame", out->cap);
		return NULL;
	}
	slot = &out->slots[out->count++];
	slot->offset = out->used + out->headroom;
	slot->len = len;
	slot->marker = false;
	out->used = slot->offset + len;
	return out->buf + slot->offset;
}
