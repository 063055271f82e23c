/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sender and receiver reports (RFC 3550 6.4.1, 6.4.2):
 *
 *   SR: SSRC | NTP (64) | RTP timestamp | packets | octets | RC blocks
 *   RR: SSRC | RC blocks
 *
 *   block: SSRC | fraction lost (8) cumulative lost (24, signed) |
 *          extended highest seq | jitter | LSR | DLSR
 *
 * Bytes after the blocks are a profile-specific extension (6.4.3): allowed
 * and ignored.
 */
#include "engine/rtcp/rtcp-private.h"

#include "engine/base/bytes.h"

static int parse_blocks(const uint8_t *p, size_t avail, uint8_t rc, struct rtc_arena *arena,
			struct rtc_rtcp_report_block **out, size_t *count,
			struct rtc_error *err)
{
	struct rtc_rtcp_report_block *b;

	if (avail / RTC_RTCP_REPORT_BLOCK_SIZE < rc)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "%u report blocks need %u bytes, %zu are there", rc,
				     rc * RTC_RTCP_REPORT_BLOCK_SIZE, avail);
	if (rtc_rtcp_alloc(arena, rc, sizeof(*b), &b, err) < 0)
		return -1;
	for (unsigned i = 0; i < rc; i++, p += RTC_RTCP_REPORT_BLOCK_SIZE) {
		uint32_t lost = rtc_get_be24(p + 5);

		b[i].ssrc = rtc_get_be32(p);
		b[i].fraction_lost = p[4];
		/* Sign-extend the 24-bit two's complement count. */
		b[i].cumulative_lost = (int32_t)(lost ^ 0x800000u) - 0x800000;
		b[i].highest_seq = rtc_get_be32(p + 8);
		b[i].jitter = rtc_get_be32(p + 12);
		b[i].lsr = rtc_get_be32(p + 16);
		b[i].dlsr = rtc_get_be32(p + 20);
	}
	*out = b;
	*count = rc;
	return 0;
}

int rtc_rtcp_parse_sr(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		      struct rtc_rtcp_item *item, struct rtc_error *err)
{
	struct rtc_rtcp_sr *sr = &item->sr;

	item->type = RTC_RTCP_SR;
	if (v->len < 24)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "sender report of %zu bytes, shorter than its 24-byte sender info",
				     v->len);
	sr->ssrc = rtc_get_be32(v->body);
	sr->ntp = rtc_get_be64(v->body + 4);
	sr->rtp_ts = rtc_get_be32(v->body + 12);
	sr->packet_count = rtc_get_be32(v->body + 16);
	sr->octet_count = rtc_get_be32(v->body + 20);
	return parse_blocks(v->body + 24, v->len - 24, v->count, arena, &sr->reports,
			    &sr->report_count, err);
}

int rtc_rtcp_parse_rr(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		      struct rtc_rtcp_item *item, struct rtc_error *err)
{
	struct rtc_rtcp_rr *rr = &item->rr;

	item->type = RTC_RTCP_RR;
	if (v->len < 4)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "receiver report without its SSRC");
	rr->ssrc = rtc_get_be32(v->body);
	return parse_blocks(v->body + 4, v->len - 4, v->count, arena, &rr->reports,
			    &rr->report_count, err);
}

static long blocks_size(size_t count, const struct rtc_rtcp_report_block *blocks,
			struct rtc_error *err)
{
	if (count > RTC_RTCP_MAX_COUNT)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "%zu report blocks, a report holds at most 31", count);
	if (count && !blocks)
		return rtc_error_set(err, RTC_ERROR_TYPE, "report block count without blocks");
	for (size_t i = 0; i < count; i++)
		if (blocks[i].cumulative_lost < -0x800000 || blocks[i].cumulative_lost > 0x7fffff)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "cumulative lost %d does not fit 24 bits",
					     blocks[i].cumulative_lost);
	return (long)(count * RTC_RTCP_REPORT_BLOCK_SIZE);
}

long rtc_rtcp_report_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err)
{
	long blocks;

	if (item->type == RTC_RTCP_SR) {
		blocks = blocks_size(item->sr.report_count, item->sr.reports, err);
		return blocks < 0 ? -1 : 24 + blocks;
	}
	blocks = blocks_size(item->rr.report_count, item->rr.reports, err);
	return blocks < 0 ? -1 : 4 + blocks;
}

static void write_blocks(uint8_t *p, const struct rtc_rtcp_report_block *b, size_t count)
{
	for (size_t i = 0; i < count; i++, p += RTC_RTCP_REPORT_BLOCK_SIZE) {
		rtc_put_be32(p, b[i].ssrc);
		p[4] = b[i].fraction_lost;
		rtc_put_be24(p + 5, (uint32_t)b[i].cumulative_lost & 0xffffffu);
		rtc_put_be32(p + 8, b[i].highest_seq);
		rtc_put_be32(p + 12, b[i].jitter);
		rtc_put_be32(p + 16, b[i].lsr);
		rtc_put_be32(p + 20, b[i].dlsr);
	}
}

void rtc_rtcp_report_write_body(const struct rtc_rtcp_item *item, uint8_t *p)
{
	if (item->type == RTC_RTCP_SR) {
		const struct rtc_rtcp_sr *sr = &item->sr;

		rtc_put_be32(p, sr->ssrc);
		rtc_put_be64(p + 4, sr->ntp);
		rtc_put_be32(p + 12, sr->rtp_ts);
		rtc_put_be32(p + 16, sr->packet_count);
		rtc_put_be32(p + 20, sr->octet_count);
		write_blocks(p + 24, sr->reports, sr->report_count);
		return;
	}
	rtc_put_be32(p, item->rr.ssrc);
	write_blocks(p + 4, item->rr.reports, item->rr.report_count);
}
