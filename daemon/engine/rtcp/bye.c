/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Goodbye (RFC 3550 6.6): SC sources leaving, then an optional reason
 * (length octet, text) padded with zeros to a word.
 */
#include "engine/rtcp/rtcp-private.h"

#include "engine/base/bytes.h"

#include <string.h>

int rtc_rtcp_parse_bye(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		       struct rtc_rtcp_item *item, struct rtc_error *err)
{
	struct rtc_rtcp_bye *bye = &item->bye;
	size_t off = 4 * (size_t)v->count;

	item->type = RTC_RTCP_BYE;
	if (v->len < off)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "BYE of %u sources in %zu bytes",
				     v->count, v->len);
	if (rtc_rtcp_alloc(arena, v->count, sizeof(*bye->ssrcs), &bye->ssrcs, err) < 0)
		return -1;
	bye->ssrc_count = v->count;
	for (unsigned i = 0; i < v->count; i++)
		bye->ssrcs[i] = rtc_get_be32(v->body + 4 * i);
	if (off < v->len) {
		uint8_t rlen = v->body[off];

		if (v->len - off - 1 < rlen)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "BYE reason of %u bytes, %zu remain", rlen,
					     v->len - off - 1);
		bye->reason = rtc_arena_strndup(arena, (const char *)v->body + off + 1, rlen);
		if (!bye->reason)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory for a reason");
		bye->reason_len = rlen;
	}
	return 0;
}

long rtc_rtcp_bye_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err)
{
	const struct rtc_rtcp_bye *bye = &item->bye;
	size_t size = 4 * bye->ssrc_count;

	if (bye->ssrc_count > RTC_RTCP_MAX_COUNT)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "%zu sources in a BYE, it holds at most 31", bye->ssrc_count);
	if (bye->ssrc_count && !bye->ssrcs)
		return rtc_error_set(err, RTC_ERROR_TYPE, "BYE source count without sources");
	if (bye->reason)
		size += (1 + (size_t)bye->reason_len + 3) & ~(size_t)3;
	return (long)size;
}

void rtc_rtcp_bye_write_body(const struct rtc_rtcp_item *item, uint8_t *p)
{
	const struct rtc_rtcp_bye *bye = &item->bye;

	for (size_t i = 0; i < bye->ssrc_count; i++, p += 4)
		rtc_put_be32(p, bye->ssrcs[i]);
	if (bye->reason) {
		memset(p, 0, (1 + (size_t)bye->reason_len + 3) & ~(size_t)3);
		p[0] = bye->reason_len;
		memcpy(p + 1, bye->reason, bye->reason_len);
	}
}
