/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Source description (RFC 3550 6.5): SC chunks, each an SSRC and a list of
 * items (type, length, text) ended by one or more zero octets up to the
 * next 32-bit boundary. WebRTC uses CNAME alone (RFC 8834 4.9); the other
 * items are stepped over.
 */
#include "engine/rtcp/rtcp-private.h"

#include "engine/base/bytes.h"

#include <string.h>

#define SDES_END 0
#define SDES_CNAME 1

int rtc_rtcp_parse_sdes(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
			struct rtc_rtcp_item *item, struct rtc_error *err)
{
	struct rtc_rtcp_sdes *sdes = &item->sdes;
	size_t off = 0;

	item->type = RTC_RTCP_SDES;
	if (rtc_rtcp_alloc(arena, v->count, sizeof(*sdes->chunks), &sdes->chunks, err) < 0)
		return -1;
	sdes->chunk_count = v->count;
	for (unsigned c = 0; c < v->count; c++) {
		struct rtc_rtcp_sdes_chunk *chunk = &sdes->chunks[c];

		if (v->len - off < 4)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "SDES chunk %u of %u is missing", c, v->count);
		chunk->ssrc = rtc_get_be32(v->body + off);
		off += 4;
		for (;;) {
			uint8_t type, ilen;

			if (off >= v->len)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "SDES chunk %u has no end", c);
			type = v->body[off];
			if (type == SDES_END)
				break;
			if (v->len - off < 2)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "SDES item %u of chunk %u has no length", type, c);
			ilen = v->body[off + 1];
			if (v->len - off - 2 < ilen)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "SDES item %u of chunk %u: %u bytes, %zu remain",
						     type, c, ilen, v->len - off - 2);
			if (type == SDES_CNAME && !chunk->cname) {
				chunk->cname = rtc_arena_strndup(arena,
								 (const char *)v->body + off + 2, ilen);
				if (!chunk->cname)
					return rtc_error_set(err, RTC_ERROR_OPERATION,
							     "out of memory for a CNAME");
				chunk->cname_len = ilen;
			}
			off += 2 + (size_t)ilen;
		}
		/* The end octet, then zeros to the next word. */
		off = (off + 4) & ~(size_t)3;
		if (off > v->len)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "SDES chunk %u runs past the packet", c);
	}
	return 0;
}

static size_t chunk_size(const struct rtc_rtcp_sdes_chunk *chunk)
{
	size_t items = chunk->cname ? 2 + (size_t)chunk->cname_len : 0;

	return (4 + items + 4) & ~(size_t)3;
}

long rtc_rtcp_sdes_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err)
{
	const struct rtc_rtcp_sdes *sdes = &item->sdes;
	size_t size = 0;

	if (sdes->chunk_count > RTC_RTCP_MAX_COUNT)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "%zu SDES chunks, a packet holds at most 31", sdes->chunk_count);
	if (sdes->chunk_count && !sdes->chunks)
		return rtc_error_set(err, RTC_ERROR_TYPE, "SDES chunk count without chunks");
	for (size_t i = 0; i < sdes->chunk_count; i++)
		size += chunk_size(&sdes->chunks[i]);
	return (long)size;
}

void rtc_rtcp_sdes_write_body(const struct rtc_rtcp_item *item, uint8_t *p)
{
	const struct rtc_rtcp_sdes *sdes = &item->sdes;

	for (size_t i = 0; i < sdes->chunk_count; i++) {
		const struct rtc_rtcp_sdes_chunk *chunk = &sdes->chunks[i];
		size_t size = chunk_size(chunk);

		/* Zeros first: what follows the CNAME ends the item list. */
		memset(p, 0, size);
		rtc_put_be32(p, chunk->ssrc);
		if (chunk->cname) {
			p[4] = SDES_CNAME;
			p[5] = chunk->cname_len;
			memcpy(p + 6, chunk->cname, chunk->cname_len);
		}
		p += size;
	}
}
