/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 6184 payload structures (section 5.7.1, 5.8):
 *
 *   NAL header   |F|NRI(2)|Type(5)|
 *   STAP-A       |F|NRI|24| then units: | size (16 bits) | NAL unit |...
 *   FU-A         |F|NRI|28| |S|E|R|Type| fragment...
 *
 * An STAP-A's F is the OR of its NALs' F bits and its NRI their highest;
 * an FU indicator keeps the fragmented NAL's F and NRI, the FU header its
 * type, so the receiver rebuilds the NAL header from the two.
 */
#include "engine/packetize/h264.h"

#include "engine/base/bytes.h"

#include <string.h>

#define FU_S 0x80
#define FU_E 0x40

static const uint8_t start_code[4] = { 0, 0, 0, 1 };

/* Where the next 00 00 01 from `from` begins, or len. */
static size_t find_start_code(const uint8_t *b, size_t len, size_t from)
{
	for (size_t i = from; i + 2 < len; i++) {
		if (b[i + 2] > 1) {
			i += 2;   /* no start code can begin at i, i+1 or i+2 */
			continue;
		}
		if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1)
			return i;
	}
	return len;
}

bool rtc_h264_next_nal(const uint8_t *buf, size_t len, size_t *pos,
		       const uint8_t **nal, size_t *nal_len)
{
	if (*pos == 0) {
		size_t sc = find_start_code(buf, len, 0);

		*pos = sc < len ? sc + 3 : len;
	}
	while (*pos < len) {
		size_t begin = *pos, end = find_start_code(buf, len, begin), next;

		next = end < len ? end + 3 : len;
		/* The zero before 00 00 01 belongs to a 4-byte start code. */
		if (end < len && end > begin && buf[end - 1] == 0)
			end--;
		*pos = next;
		if (end > begin) {
			*nal = buf + begin;
			*nal_len = end - begin;
			return true;
		}
	}
	return false;
}

void rtc_h264_packetizer_init(struct rtc_h264_packetizer *p, unsigned mode)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode ? 1 : 0;
}

/* The frame's NALs, with the kept SPS/PPS slipped in before the first IDR. */
struct nal_cursor {
	const uint8_t *frame;
	size_t len;
	size_t pos;
	const uint8_t *idr;             /* the first IDR NAL, if any */
	const uint8_t *inject[2];
	size_t inject_len[2];
	unsigned ninject, injected;
};

static bool cursor_next(struct nal_cursor *c, const uint8_t **nal, size_t *nal_len)
{
	size_t pos = c->pos;

	if (!rtc_h264_next_nal(c->frame, c->len, &pos, nal, nal_len))
		return false;
	if (*nal == c->idr && c->injected < c->ninject) {
		*nal = c->inject[c->injected];
		*nal_len = c->inject_len[c->injected++];
		return true;
	}
	c->pos = pos;
	return true;
}

/* Checks the frame's NALs, keeps its SPS/PPS and decides what to insert:
 * a frame with an SPS or PPS of its own, wherever, gets none of that kind
 * (the encoder knows its order; we only fill in what is missing). */
static int scan_frame(struct rtc_h264_packetizer *p, const uint8_t *frame, size_t len,
		      struct nal_cursor *c, struct rtc_error *err)
{
	size_t first = find_start_code(frame, len, 0), pos = 0, nal_len;
	bool has_sps = false, has_pps = false, any = false;
	const uint8_t *nal;

	if (first == len)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "H.264 frame has no Annex-B start code");
	for (size_t i = 0; i < first; i++)
		if (frame[i] != 0)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "H.264 frame has data before its first start code");
	memset(c, 0, sizeof(*c));
	c->frame = frame;
	c->len = len;
	while (rtc_h264_next_nal(frame, len, &pos, &nal, &nal_len)) {
		unsigned type = nal[0] & 0x1f;

		any = true;
		if (type == 0 || type >= 24)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "H.264 NAL type %u is reserved for RTP payload structures",
					     type);
		if (type == RTC_H264_NAL_IDR && !c->idr)
			c->idr = nal;
		if (type == RTC_H264_NAL_SPS && nal_len <= RTC_H264_PARAM_SET_MAX) {
			memcpy(p->sps, nal, nal_len);
			p->sps_len = nal_len;
		}
		if (type == RTC_H264_NAL_PPS && nal_len <= RTC_H264_PARAM_SET_MAX) {
			memcpy(p->pps, nal, nal_len);
			p->pps_len = nal_len;
		}
		has_sps |= type == RTC_H264_NAL_SPS;
		has_pps |= type == RTC_H264_NAL_PPS;
	}
	if (!any)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "H.264 frame holds no NAL unit");
	if (c->idr && !has_sps && p->sps_len) {
		c->inject[c->ninject] = p->sps;
		c->inject_len[c->ninject++] = p->sps_len;
	}
	if (c->idr && !has_pps && p->pps_len) {
		c->inject[c->ninject] = p->pps;
		c->inject_len[c->ninject++] = p->pps_len;
	}
	return 0;
}

static int put_single(const uint8_t *nal, size_t len, struct rtc_frame_payloads *out,
		      struct rtc_error *err)
{
	uint8_t *dst = rtc_frame_payloads_add(out, len, err);

	if (!dst)
		return -1;
	memcpy(dst, nal, len);
	return 0;
}

static int put_fu_a(const uint8_t *nal, size_t len, struct rtc_frame_payloads *out,
		    struct rtc_error *err)
{
	size_t room = out->mtu - 2, pos = 1;

	while (pos < len) {
		size_t chunk = len - pos < room ? len - pos : room;
		uint8_t *dst = rtc_frame_payloads_add(out, 2 + chunk, err);

		if (!dst)
			return -1;
		dst[0] = (uint8_t)((nal[0] & 0xe0) | RTC_H264_NAL_FU_A);
		dst[1] = (uint8_t)((pos == 1 ? FU_S : 0) | (pos + chunk == len ? FU_E : 0) |
				   (nal[0] & 0x1f));
		memcpy(dst + 2, nal + pos, chunk);
		pos += chunk;
	}
	return 0;
}

/* Mode 1: NALs that fit together go in one STAP-A, a lone one as it is. */
static int packetize_mode1(struct nal_cursor *c, struct rtc_frame_payloads *out,
			   struct rtc_error *err)
{
	const uint8_t *nal;
	size_t nal_len;

	for (;;) {
		struct nal_cursor start = *c, look;
		size_t total, count = 1, next_len;
		const uint8_t *next;
		uint8_t *dst, f_nri = 0;

		if (!cursor_next(c, &nal, &nal_len))
			return 0;
		if (nal_len > out->mtu) {
			if (put_fu_a(nal, nal_len, out, err) < 0)
				return -1;
			continue;
		}
		total = 1 + 2 + nal_len;
		look = *c;
		/* A unit's size has 16 bits, which matters only for MTUs above 64 KiB. */
		while (nal_len <= 0xffff && cursor_next(&look, &next, &next_len) &&
		       next_len <= 0xffff && total + 2 + next_len <= out->mtu) {
			total += 2 + next_len;
			count++;
			*c = look;
		}
		if (count == 1) {
			if (put_single(nal, nal_len, out, err) < 0)
				return -1;
			continue;
		}
		dst = rtc_frame_payloads_add(out, total, err);
		if (!dst)
			return -1;
		total = 1;
		for (size_t i = 0; i < count; i++) {
			cursor_next(&start, &nal, &nal_len);
			if ((nal[0] & 0x60) > (f_nri & 0x60))
				f_nri = (uint8_t)((f_nri & 0x80) | (nal[0] & 0x60));
			f_nri |= nal[0] & 0x80;
			rtc_put_be16(dst + total, (uint16_t)nal_len);
			memcpy(dst + total + 2, nal, nal_len);
			total += 2 + nal_len;
		}
		dst[0] = (uint8_t)(f_nri | RTC_H264_NAL_STAP_A);
	}
}

int rtc_h264_packetize(struct rtc_h264_packetizer *p, const uint8_t *frame, size_t len,
		       struct rtc_frame_payloads *out, struct rtc_error *err)
{
	struct nal_cursor c;
	const uint8_t *nal;
	size_t nal_len;

	rtc_frame_payloads_reset(out);
	if (p->mode == 1 && out->mtu < 3)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "an MTU of %zu leaves no room for an FU-A fragment", out->mtu);
	if (scan_frame(p, frame, len, &c, err) < 0)
		return -1;
	if (p->mode == 1) {
		if (packetize_mode1(&c, out, err) < 0)
			return -1;
	} else {
		while (cursor_next(&c, &nal, &nal_len)) {
			if (nal_len > out->mtu)
				return rtc_error_set(err, RTC_ERROR_RANGE,
						     "H.264 NAL unit of %zu bytes exceeds the MTU of %zu, "
						     "and packetization-mode 0 cannot fragment it",
						     nal_len, out->mtu);
			if (put_single(nal, nal_len, out, err) < 0)
				return -1;
		}
	}
	out->slots[out->count - 1].marker = true;
	return 0;
}

void rtc_h264_depacketizer_reset(struct rtc_h264_depacketizer *d)
{
	d->fu_open = false;
	d->fu_type = 0;
}

static int emit(uint8_t *buf, size_t cap, size_t *used, const uint8_t *src, size_t n,
		struct rtc_error *err)
{
	if (cap - *used < n)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "H.264 output buffer of %zu bytes is too small", cap);
	memcpy(buf + *used, src, n);
	*used += n;
	return 0;
}

/* What a NAL that starts in this payload says about the access unit. */
static void note_nal_start(struct rtc_h264_depacketized *out, bool first, uint8_t header,
			   const uint8_t *rest, size_t rest_len)
{
	unsigned type = header & 0x1f;

	out->key_frame |= type == RTC_H264_NAL_IDR;
	out->has_sps |= type == RTC_H264_NAL_SPS;
	out->has_pps |= type == RTC_H264_NAL_PPS;
	if (!first)
		return;
	if (type == RTC_H264_NAL_AUD || type == RTC_H264_NAL_SPS || type == RTC_H264_NAL_PPS ||
	    type == RTC_H264_NAL_SEI)
		out->frame_start = true;
	/* first_mb_in_slice is ue(v): 0 is the single bit 1. */
	if ((type == RTC_H264_NAL_SLICE || type == RTC_H264_NAL_IDR) && rest_len > 0 &&
	    (rest[0] & 0x80))
		out->frame_start = true;
}

static int depacketize_stap_a(const uint8_t *payload, size_t len, uint8_t *buf, size_t cap,
			      struct rtc_h264_depacketized *out, struct rtc_error *err)
{
	size_t pos = 1;

	if (len < 2)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "STAP-A holds no NAL unit");
	while (pos < len) {
		size_t size;

		if (len - pos < 2)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "STAP-A unit size at byte %zu is truncated", pos);
		size = rtc_get_be16(payload + pos);
		pos += 2;
		if (size == 0)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "STAP-A unit of 0 bytes");
		if (size > len - pos)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "STAP-A unit of %zu bytes overruns the payload (%zu left)",
					     size, len - pos);
		note_nal_start(out, pos == 3, payload[pos], payload + pos + 1, size - 1);
		if (emit(buf, cap, &out->len, start_code, 4, err) < 0 ||
		    emit(buf, cap, &out->len, payload + pos, size, err) < 0)
			return -1;
		pos += size;
	}
	return 0;
}

static int depacketize_fu_a(struct rtc_h264_depacketizer *d, const uint8_t *payload, size_t len,
			    uint8_t *buf, size_t cap, struct rtc_h264_depacketized *out,
			    struct rtc_error *err)
{
	uint8_t fu, type;

	if (len < 3)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "FU-A of %zu bytes lacks its header or fragment", len);
	fu = payload[1];
	type = fu & 0x1f;
	if ((fu & FU_S) && (fu & FU_E))
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "FU-A with both start and end bits");
	if (type == 0 || type >= 24)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "FU-A carries NAL type %u", type);
	if (fu & FU_S) {
		uint8_t header = (uint8_t)((payload[0] & 0xe0) | type);

		/* A start while one is open abandons it: its end was lost, which
		 * the caller knows from sequence numbers. */
		d->fu_open = true;
		d->fu_type = type;
		note_nal_start(out, true, header, payload + 2, len - 2);
		return emit(buf, cap, &out->len, start_code, 4, err) < 0 ||
		       emit(buf, cap, &out->len, &header, 1, err) < 0 ||
		       emit(buf, cap, &out->len, payload + 2, len - 2, err) < 0 ? -1 : 0;
	}
	if (!d->fu_open)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "FU-A fragment of a NAL whose start (S) was not seen");
	if (type != d->fu_type) {
		unsigned open_type = d->fu_type;

		rtc_h264_depacketizer_reset(d);
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "FU-A fragment of NAL type %u continues one of type %u",
				     type, open_type);
	}
	if (fu & FU_E)
		rtc_h264_depacketizer_reset(d);
	return emit(buf, cap, &out->len, payload + 2, len - 2, err);
}

int rtc_h264_depacketize(struct rtc_h264_depacketizer *d, const uint8_t *payload, size_t len,
			 bool marker, uint8_t *buf, size_t cap,
			 struct rtc_h264_depacketized *out, struct rtc_error *err)
{
	unsigned type;

	memset(out, 0, sizeof(*out));
	out->frame_end = marker;
	if (len < 1)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty H.264 payload");
	type = payload[0] & 0x1f;
	if (type >= 1 && type <= 23) {
		rtc_h264_depacketizer_reset(d);   /* an open FU-A lost its end */
		note_nal_start(out, true, payload[0], payload + 1, len - 1);
		if (emit(buf, cap, &out->len, start_code, 4, err) < 0)
			return -1;
		return emit(buf, cap, &out->len, payload, len, err);
	}
	switch (type) {
	case RTC_H264_NAL_STAP_A:
		rtc_h264_depacketizer_reset(d);
		return depacketize_stap_a(payload, len, buf, cap, out, err);
	case RTC_H264_NAL_FU_A:
		return depacketize_fu_a(d, payload, len, buf, cap, out, err);
	case 25: case 26: case 27: case 29:
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "H.264 payload type %u needs packetization-mode 2", type);
	default:
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "undefined H.264 NAL type %u", type);
	}
}
