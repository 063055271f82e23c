/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Transport-wide congestion control feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1), RTPFB
 * FMT 15. After the two SSRCs:
 *
 *   base sequence number (16) | packet status count (16)
 *   reference time (24, signed, 64 ms) | feedback packet count (8)
 *   packet chunks (16 bits each) ... | receive deltas ... | zero padding
 *
 * A chunk is either a run (0 | symbol (2) | run length (13)) or a status
 * vector (1 | 0 | fourteen 1-bit symbols, or 1 | 1 | seven 2-bit ones).
 * Symbols: 0 not received, 1 received with a small delta (one byte,
 * 0..63.75 ms), 2 received with a large or negative delta (two bytes,
 * signed), 3 reserved. Deltas are in 250 µs, one per received packet, in
 * order, each from the previous received packet (the first from the
 * reference time).
 */
#include "engine/rtcp/rtcp-private.h"

#include "engine/base/bytes.h"

#include <string.h>

#define TWCC_HEADER 16u   /* the two SSRCs and the 8 bytes above */
#define RUN_MAX 0x1fffu

/* One pass over the chunks; the second pass, with out set, also reads
 * the deltas (checked to be there by the first). */
struct twcc_walk {
	uint16_t base;
	size_t index;             /* statuses seen */
	size_t received;
	size_t delta_bytes;
	struct rtc_rtcp_twcc_packet *out;
	const uint8_t *deltas;
};

static void walk_symbol(struct twcc_walk *w, unsigned sym)
{
	if (sym) {
		if (w->out) {
			struct rtc_rtcp_twcc_packet *p = &w->out[w->received];
			const uint8_t *d = w->deltas + w->delta_bytes;

			p->seq = (uint16_t)(w->base + w->index);
			if (sym == 1) {
				p->delta = d[0];
			} else {
				uint16_t raw = rtc_get_be16(d);

				p->delta = (int32_t)raw - (raw & 0x8000 ? 0x10000 : 0);
			}
		}
		w->received++;
		w->delta_bytes += sym;   /* symbol 1 takes one byte, 2 two */
	}
	w->index++;
}

/* Returns the offset after the chunks, or -1. */
static long walk_chunks(const struct rtc_rtcp_view *v, uint16_t count, struct twcc_walk *w,
			struct rtc_error *err)
{
	size_t off = TWCC_HEADER;

	while (w->index < count) {
		uint16_t c;

		if (v->len - off < 2)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "TWCC chunks end after %zu of %u statuses", w->index,
					     count);
		c = rtc_get_be16(v->body + off);
		off += 2;
		if (!(c & 0x8000)) {
			unsigned sym = c >> 13 & 3;
			size_t run = c & RUN_MAX;

			if (sym == 3)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "TWCC run of the reserved symbol");
			if (run > count - w->index)
				run = count - w->index;
			for (size_t k = 0; k < run; k++)
				walk_symbol(w, sym);
		} else if (!(c & 0x4000)) {
			for (unsigned k = 0; k < 14 && w->index < count; k++)
				walk_symbol(w, c >> (13 - k) & 1);
		} else {
			for (unsigned k = 0; k < 7 && w->index < count; k++) {
				unsigned sym = c >> (12 - 2 * k) & 3;

				if (sym == 3)
					return rtc_error_set(err, RTC_ERROR_SYNTAX,
							     "TWCC status vector with the reserved symbol");
				walk_symbol(w, sym);
			}
		}
	}
	return (long)off;
}

int rtc_rtcp_parse_twcc(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
			struct rtc_rtcp_item *item, struct rtc_error *err)
{
	struct rtc_rtcp_twcc *fb = &item->twcc;
	struct twcc_walk w = { 0 };
	uint32_t ref;
	long off;

	item->type = RTC_RTCP_TWCC;
	if (v->len < TWCC_HEADER)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "TWCC feedback of %zu bytes, shorter than its 16-byte header",
				     v->len);
	fb->sender_ssrc = rtc_get_be32(v->body);
	fb->media_ssrc = rtc_get_be32(v->body + 4);
	fb->base_seq = rtc_get_be16(v->body + 8);
	fb->status_count = rtc_get_be16(v->body + 10);
	ref = rtc_get_be24(v->body + 12);
	fb->reference_time = (int32_t)(ref ^ 0x800000u) - 0x800000;
	fb->fb_count = v->body[15];
	w.base = fb->base_seq;
	off = walk_chunks(v, fb->status_count, &w, err);
	if (off < 0)
		return -1;
	if (v->len - (size_t)off < w.delta_bytes)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "TWCC receive deltas need %zu bytes, %zu remain", w.delta_bytes,
				     v->len - (size_t)off);
	if (v->len - (size_t)off - w.delta_bytes > 3)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "TWCC feedback has %zu bytes after its deltas",
				     v->len - (size_t)off - w.delta_bytes);
	if (rtc_rtcp_alloc(arena, w.received, sizeof(*fb->received), &fb->received, err) < 0)
		return -1;
	fb->received_count = w.received;
	memset(&w, 0, sizeof(w));
	w.base = fb->base_seq;
	w.out = fb->received;
	w.deltas = v->body + off;
	return walk_chunks(v, fb->status_count, &w, err) < 0 ? -1 : 0;
}

static unsigned delta_symbol(int32_t delta)
{
	return delta >= 0 && delta <= 255 ? 1 : 2;
}

/* The symbol of status i, with *cursor the first received packet not
 * before i; i only grows from call to call with one cursor. */
static unsigned symbol_at(const struct rtc_rtcp_twcc *fb, size_t *cursor, size_t i)
{
	while (*cursor < fb->received_count &&
	       (uint16_t)(fb->received[*cursor].seq - fb->base_seq) < i)
		(*cursor)++;
	if (*cursor < fb->received_count &&
	    (uint16_t)(fb->received[*cursor].seq - fb->base_seq) == i)
		return delta_symbol(fb->received[*cursor].delta);
	return 0;
}

/* Chooses the chunks: a run when 14 or more statuses repeat (or the rest
 * do), else a 1-bit vector of 14 when no delta is large, else a run of 7
 * or more, else a 2-bit vector of 7. Writes them when out is not NULL;
 * returns how many. */
static size_t make_chunks(const struct rtc_rtcp_twcc *fb, uint8_t *out)
{
	size_t i = 0, cur = 0, chunks = 0, count = fb->status_count;

	while (i < count) {
		size_t c = cur, run = 1, left = count - i, n;
		unsigned s0 = symbol_at(fb, &c, i);
		uint16_t chunk;
		bool large = false;

		while (run < left && run < RUN_MAX && symbol_at(fb, &c, i + run) == s0)
			run++;
		n = left < 14 ? left : 14;
		c = cur;
		for (size_t k = 0; k < n; k++)
			large |= symbol_at(fb, &c, i + k) == 2;
		if (run >= 14 || run == left || (large && run >= 7)) {
			chunk = (uint16_t)(s0 << 13 | run);
			n = run;
		} else if (!large) {
			chunk = 0x8000;
			c = cur;
			for (size_t k = 0; k < n; k++)
				chunk |= (uint16_t)(symbol_at(fb, &c, i + k) << (13 - k));
		} else {
			n = left < 7 ? left : 7;
			chunk = 0xc000;
			c = cur;
			for (size_t k = 0; k < n; k++)
				chunk |= (uint16_t)(symbol_at(fb, &c, i + k) << (12 - 2 * k));
		}
		if (out)
			rtc_put_be16(out + 2 * chunks, chunk);
		chunks++;
		i += n;
	}
	return chunks;
}

long rtc_rtcp_twcc_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err)
{
	const struct rtc_rtcp_twcc *fb = &item->twcc;
	size_t deltas = 0;

	if (fb->received_count && !fb->received)
		return rtc_error_set(err, RTC_ERROR_TYPE, "TWCC received count without packets");
	if (fb->reference_time < -0x800000 || fb->reference_time > 0x7fffff)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "TWCC reference time %d does not fit 24 bits",
				     fb->reference_time);
	for (size_t i = 0; i < fb->received_count; i++) {
		uint16_t at = (uint16_t)(fb->received[i].seq - fb->base_seq);

		if (at >= fb->status_count ||
		    (i && at <= (uint16_t)(fb->received[i - 1].seq - fb->base_seq)))
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "TWCC packet %u is not after the one before within %u statuses from %u",
					     fb->received[i].seq, fb->status_count, fb->base_seq);
		if (fb->received[i].delta < -32768 || fb->received[i].delta > 32767)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "TWCC delta %d of packet %u does not fit 16 bits",
					     fb->received[i].delta, fb->received[i].seq);
		deltas += delta_symbol(fb->received[i].delta);
	}
	return (long)((TWCC_HEADER + 2 * make_chunks(fb, NULL) + deltas + 3) & ~(size_t)3);
}

void rtc_rtcp_twcc_write_body(const struct rtc_rtcp_item *item, uint8_t *p, size_t len)
{
	const struct rtc_rtcp_twcc *fb = &item->twcc;
	size_t off;

	memset(p, 0, len);   /* the padding */
	rtc_put_be32(p, fb->sender_ssrc);
	rtc_put_be32(p + 4, fb->media_ssrc);
	rtc_put_be16(p + 8, fb->base_seq);
	rtc_put_be16(p + 10, fb->status_count);
	rtc_put_be24(p + 12, (uint32_t)fb->reference_time & 0xffffffu);
	p[15] = fb->fb_count;
	off = TWCC_HEADER + 2 * make_chunks(fb, p + TWCC_HEADER);
	for (size_t i = 0; i < fb->received_count; i++) {
		int32_t d = fb->received[i].delta;

		if (delta_symbol(d) == 1) {
			p[off++] = (uint8_t)d;
		} else {
			rtc_put_be16(p + off, (uint16_t)d);
			off += 2;
		}
	}
}

void rtc_rtcp_twcc_arrivals_us(const struct rtc_rtcp_twcc *fb, int64_t *out)
{
	int64_t t = (int64_t)fb->reference_time * 64000;

	for (size_t i = 0; i < fb->received_count; i++) {
		t += (int64_t)fb->received[i].delta * 250;
		out[i] = t;
	}
}
