/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/packetize/vp8.h"

#include <string.h>

#define VP8_X 0x80
#define VP8_N 0x20
#define VP8_S 0x10
#define VP8_I 0x80
#define VP8_L 0x40
#define VP8_T 0x20
#define VP8_K 0x10
#define VP8_M 0x80

long rtc_vp8_descriptor_decode(const uint8_t *payload, size_t len,
			       struct rtc_vp8_descriptor *d, struct rtc_error *err)
{
	size_t pos = 1;
	uint8_t x;

	memset(d, 0, sizeof(*d));
	if (len < 1)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty VP8 payload");
	d->non_reference = payload[0] & VP8_N;
	d->start = payload[0] & VP8_S;
	d->partition = payload[0] & 0x07;
	if (!(payload[0] & VP8_X))
		return 1;
	if (len < 2)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 descriptor lacks its X byte");
	x = payload[pos++];
	if (x & VP8_I) {
		if (pos >= len)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 picture id is truncated");
		d->has_picture_id = true;
		if (payload[pos] & VP8_M) {
			if (pos + 1 >= len)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "VP8 15-bit picture id is truncated");
			d->picture_id_bits = 15;
			d->picture_id = (uint16_t)((payload[pos] & 0x7f) << 8 | payload[pos + 1]);
			pos += 2;
		} else {
			d->picture_id_bits = 7;
			d->picture_id = payload[pos++];
		}
	}
	if (x & VP8_L) {
		if (pos >= len)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 TL0PICIDX is truncated");
		d->has_tl0picidx = true;
		d->tl0picidx = payload[pos++];
	}
	if (x & (VP8_T | VP8_K)) {
		if (pos >= len)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "VP8 TID/KEYIDX byte is truncated");
		if (x & VP8_T) {
			d->has_tid = true;
			d->tid = payload[pos] >> 6;
			d->layer_sync = payload[pos] & 0x20;
		}
		if (x & VP8_K) {
			d->has_keyidx = true;
			d->keyidx = payload[pos] & 0x1f;
		}
		pos++;
	}
	return (long)pos;
}

size_t rtc_vp8_descriptor_size(const struct rtc_vp8_descriptor *d)
{
	size_t n = 1;

	if (!d->has_picture_id && !d->has_tl0picidx && !d->has_tid && !d->has_keyidx)
		return n;
	n++;
	if (d->has_picture_id)
		n += d->picture_id_bits == 15 ? 2 : 1;
	if (d->has_tl0picidx)
		n++;
	if (d->has_tid || d->has_keyidx)
		n++;
	return n;
}

long rtc_vp8_descriptor_encode(const struct rtc_vp8_descriptor *d, uint8_t *buf, size_t cap,
			       struct rtc_error *err)
{
	size_t n = rtc_vp8_descriptor_size(d), pos = 1;

	if (cap < n)
		return rtc_error_set(err, RTC_ERROR_RANGE, "VP8 descriptor needs %zu bytes", n);
	if (d->partition > 7 || d->tid > 3 || d->keyidx > 31 ||
	    (d->has_picture_id && d->picture_id_bits != 7 && d->picture_id_bits != 15) ||
	    (d->has_picture_id && d->picture_id >> d->picture_id_bits))
		return rtc_error_set(err, RTC_ERROR_RANGE, "VP8 descriptor field out of range");
	buf[0] = (uint8_t)((d->non_reference ? VP8_N : 0) | (d->start ? VP8_S : 0) | d->partition);
	if (n == 1)
		return 1;
	buf[0] |= VP8_X;
	buf[pos++] = (uint8_t)((d->has_picture_id ? VP8_I : 0) | (d->has_tl0picidx ? VP8_L : 0) |
			       (d->has_tid ? VP8_T : 0) | (d->has_keyidx ? VP8_K : 0));
	if (d->has_picture_id) {
		if (d->picture_id_bits == 15) {
			buf[pos++] = (uint8_t)(VP8_M | d->picture_id >> 8);
			buf[pos++] = (uint8_t)d->picture_id;
		} else {
			buf[pos++] = (uint8_t)d->picture_id;
		}
	}
	if (d->has_tl0picidx)
		buf[pos++] = d->tl0picidx;
	if (d->has_tid || d->has_keyidx)
		buf[pos++] = (uint8_t)((d->has_tid ? d->tid << 6 | (d->layer_sync ? 0x20 : 0) : 0) |
				       (d->has_keyidx ? d->keyidx : 0));
	return (long)pos;
}

int rtc_vp8_depacketize(const uint8_t *payload, size_t len, bool marker,
			struct rtc_vp8_depacketized *out, struct rtc_error *err)
{
	long n;

	memset(out, 0, sizeof(*out));
	n = rtc_vp8_descriptor_decode(payload, len, &out->desc, err);
	if (n < 0)
		return -1;
	/* A descriptor alone carries nothing a decoder could use. */
	if ((size_t)n >= len)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "VP8 payload of %zu bytes has no data after its descriptor", len);
	out->data = payload + n;
	out->len = len - (size_t)n;
	out->frame_start = out->desc.start && out->desc.partition == 0;
	out->frame_end = marker;
	out->key_frame = out->frame_start && rtc_vp8_is_key_frame(out->data, out->len);
	return 0;
}

void rtc_vp8_packetizer_init(struct rtc_vp8_packetizer *p, uint16_t first_picture_id)
{
	p->picture_id = first_picture_id & 0x7fff;
}

int rtc_vp8_packetize(struct rtc_vp8_packetizer *p, const uint8_t *frame, size_t len,
		      struct rtc_frame_payloads *out, struct rtc_error *err)
{
	struct rtc_vp8_descriptor d = {
		.start = true, .has_picture_id = true, .picture_id_bits = 15,
		.picture_id = p->picture_id,
	};
	size_t hdr = rtc_vp8_descriptor_size(&d), room, pos = 0;

	rtc_frame_payloads_reset(out);
	if (len == 0)
		return rtc_error_set(err, RTC_ERROR_TYPE, "empty VP8 frame");
	if (out->mtu <= hdr)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "an MTU of %zu leaves no room after the VP8 descriptor", out->mtu);
	room = out->mtu - hdr;
	while (pos < len) {
		size_t chunk = len - pos < room ? len - pos : room;
		uint8_t *dst = rtc_frame_payloads_add(out, hdr + chunk, err);

		if (!dst)
			return -1;
		rtc_vp8_descriptor_encode(&d, dst, hdr, err);
		memcpy(dst + hdr, frame + pos, chunk);
		pos += chunk;
		d.start = false;
	}
	out->slots[out->count - 1].marker = true;
	p->picture_id = (p->picture_id + 1) & 0x7fff;
	return 0;
}
