/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The compound packet (RFC 3550 6.1, RFC 5506 3): RTCP packets back to
 * back, each with the common header
 *
 *    0                   1                   2                   3
 *   |V=2|P| count/FMT |      PT       |  length (32-bit words - 1)  |
 *
 * The datagram is walked twice: once over the headers alone, so that no
 * item is built from a datagram whose lengths do not add up, then packet
 * by packet into items.
 */
#include "engine/rtcp/rtcp-private.h"

#include "engine/base/bytes.h"

#include <string.h>

int rtc_rtcp_alloc(struct rtc_arena *arena, size_t n, size_t size, void *out,
		   struct rtc_error *err)
{
	void *p = NULL;

	if (n) {
		p = rtc_arena_alloc(arena, n * size);
		if (!p)
			return rtc_error_set(err, RTC_ERROR_OPERATION,
					     "out of memory for %zu RTCP entries", n);
	}
	memcpy(out, &p, sizeof(p));
	return 0;
}

bool rtc_rtcp_is_rtcp(const uint8_t *buf, size_t len)
{
	return len >= 4 && (buf[0] >> 6) == 2 && buf[1] >= 192 && buf[1] <= 223;
}

/* Checks every header's version and length; returns the packet count. */
static long count_packets(const uint8_t *buf, size_t len, struct rtc_error *err)
{
	size_t off = 0, n = 0;

	if (len == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty RTCP datagram");
	while (off < len) {
		size_t plen;

		if (len - off < 4)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "RTCP packet %zu: %zu bytes are shorter than a header",
					     n, len - off);
		if (buf[off] >> 6 != 2)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "RTCP packet %zu: version %u, not 2", n, buf[off] >> 6);
		plen = ((size_t)rtc_get_be16(buf + off + 2) + 1) * 4;
		if (plen > len - off)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "RTCP packet %zu: length says %zu bytes, %zu remain",
					     n, plen, len - off);
		off += plen;
		n++;
	}
	return (long)n;
}

static int parse_one(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		     struct rtc_rtcp_item *item, struct rtc_error *err)
{
	switch (v->type) {
	case RTC_RTCP_PT_SR:
		return rtc_rtcp_parse_sr(v, arena, item, err);
	case RTC_RTCP_PT_RR:
		return rtc_rtcp_parse_rr(v, arena, item, err);
	case RTC_RTCP_PT_SDES:
		return rtc_rtcp_parse_sdes(v, arena, item, err);
	case RTC_RTCP_PT_BYE:
		return rtc_rtcp_parse_bye(v, arena, item, err);
	case RTC_RTCP_PT_RTPFB:
		if (v->count == RTC_RTCP_FMT_TWCC)
			return rtc_rtcp_parse_twcc(v, arena, item, err);
		return rtc_rtcp_parse_feedback(v, arena, item, err);
	case RTC_RTCP_PT_PSFB:
		return rtc_rtcp_parse_feedback(v, arena, item, err);
	default:
		return 1;   /* APP, XR, ...: not ours to understand */
	}
}

int rtc_rtcp_parse(const uint8_t *buf, size_t len, struct rtc_arena *arena,
		   struct rtc_rtcp_compound *out, struct rtc_error *err)
{
	long n = count_packets(buf, len, err);
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (n < 0)
		return -1;
	if (rtc_rtcp_alloc(arena, (size_t)n, sizeof(*out->items), &out->items, err) < 0)
		return -1;
	out->reduced_size = buf[1] != RTC_RTCP_PT_SR && buf[1] != RTC_RTCP_PT_RR;
	for (long i = 0; i < n; i++) {
		size_t plen = ((size_t)rtc_get_be16(buf + off + 2) + 1) * 4;
		struct rtc_rtcp_view v = {
			.count = buf[off] & 0x1f, .type = buf[off + 1],
			.body = buf + off + 4, .len = plen - 4,
		};
		int r;

		/* RFC 3550 6.4.1: the last octet counts the padding, itself too. */
		if (buf[off] & 0x20) {
			uint8_t pad = v.len ? v.body[v.len - 1] : 0;

			if (pad == 0 || pad > v.len)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "RTCP packet %ld: padding of %u in a body of %zu bytes",
						     i, pad, v.len);
			v.len -= pad;
		}
		r = parse_one(&v, arena, &out->items[out->count], err);
		if (r < 0) {
			/* Say which packet, keeping the type's own words. */
			if (err) {
				char why[sizeof(err->message)];

				memcpy(why, err->message, sizeof(why));
				rtc_error_set(err, err->kind, "RTCP packet %ld (type %u): %s",
					      i, v.type, why);
			}
			return -1;
		}
		if (r == 0)
			out->count++;
		else
			out->skipped++;
		off += plen;
	}
	return 0;
}

static uint8_t item_pt(const struct rtc_rtcp_item *item)
{
	switch (item->type) {
	case RTC_RTCP_SR: return RTC_RTCP_PT_SR;
	case RTC_RTCP_RR: return RTC_RTCP_PT_RR;
	case RTC_RTCP_SDES: return RTC_RTCP_PT_SDES;
	case RTC_RTCP_BYE: return RTC_RTCP_PT_BYE;
	case RTC_RTCP_NACK:
	case RTC_RTCP_TWCC: return RTC_RTCP_PT_RTPFB;
	default: return RTC_RTCP_PT_PSFB;
	}
}

static uint8_t item_count(const struct rtc_rtcp_item *item)
{
	switch (item->type) {
	case RTC_RTCP_SR: return (uint8_t)item->sr.report_count;
	case RTC_RTCP_RR: return (uint8_t)item->rr.report_count;
	case RTC_RTCP_SDES: return (uint8_t)item->sdes.chunk_count;
	case RTC_RTCP_BYE: return (uint8_t)item->bye.ssrc_count;
	case RTC_RTCP_NACK: return RTC_RTCP_FMT_NACK;
	case RTC_RTCP_TWCC: return RTC_RTCP_FMT_TWCC;
	case RTC_RTCP_PLI: return RTC_RTCP_FMT_PLI;
	case RTC_RTCP_FIR: return RTC_RTCP_FMT_FIR;
	default: return RTC_RTCP_FMT_AFB;
	}
}

long rtc_rtcp_item_size(const struct rtc_rtcp_item *item, struct rtc_error *err)
{
	long body;

	switch (item->type) {
	case RTC_RTCP_SR:
	case RTC_RTCP_RR:
		body = rtc_rtcp_report_body_size(item, err);
		break;
	case RTC_RTCP_SDES:
		body = rtc_rtcp_sdes_body_size(item, err);
		break;
	case RTC_RTCP_BYE:
		body = rtc_rtcp_bye_body_size(item, err);
		break;
	case RTC_RTCP_NACK:
	case RTC_RTCP_PLI:
	case RTC_RTCP_FIR:
	case RTC_RTCP_REMB:
		body = rtc_rtcp_feedback_body_size(item, err);
		break;
	case RTC_RTCP_TWCC:
		body = rtc_rtcp_twcc_body_size(item, err);
		break;
	default:
		return rtc_error_set(err, RTC_ERROR_TYPE, "unknown RTCP item type %d",
				     (int)item->type);
	}
	if (body < 0)
		return -1;
	/* The 16-bit length field counts words less one. */
	if (body % 4 || (size_t)body + 4 > 65536u * 4)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "RTCP packet body of %ld bytes cannot be written", body);
	return body + 4;
}

long rtc_rtcp_write(const struct rtc_rtcp_item *items, size_t count, uint8_t *buf, size_t cap,
		    struct rtc_error *err)
{
	size_t off = 0;

	for (size_t i = 0; i < count; i++) {
		const struct rtc_rtcp_item *item = &items[i];
		long size = rtc_rtcp_item_size(item, err);
		uint8_t *p = buf + off;

		if (size < 0)
			return -1;
		if ((size_t)size > cap - off)
			return rtc_error_set(err, RTC_ERROR_RANGE,
					     "RTCP item %zu needs %ld bytes, %zu remain", i, size,
					     cap - off);
		p[0] = (uint8_t)(0x80 | item_count(item));
		p[1] = item_pt(item);
		rtc_put_be16(p + 2, (uint16_t)(size / 4 - 1));
		switch (item->type) {
		case RTC_RTCP_SR:
		case RTC_RTCP_RR:
			rtc_rtcp_report_write_body(item, p + 4);
			break;
		case RTC_RTCP_SDES:
			rtc_rtcp_sdes_write_body(item, p + 4);
			break;
		case RTC_RTCP_BYE:
			rtc_rtcp_bye_write_body(item, p + 4);
			break;
		case RTC_RTCP_TWCC:
			rtc_rtcp_twcc_write_body(item, p + 4, (size_t)size - 4);
			break;
		default:
			rtc_rtcp_feedback_write_body(item, p + 4);
			break;
		}
		off += (size_t)size;
	}
	return (long)off;
}
