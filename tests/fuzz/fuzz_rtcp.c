/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for RTCP compound packets. Whatever parses is written
 * back (the writer must accept every item the parser makes), parsed again
 * to the same items, and written again to the same bytes. The report
 * blocks and sender reports also go through the RTT and NTP <-> RTP
 * arithmetic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rtcp/rtcp.h"
#include "engine/rtcp/rtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SAME(a, b, n) ((n) == 0 || memcmp((a), (b), (n) * sizeof(*(a))) == 0)

static void check_blocks(const struct rtc_rtcp_report_block *a,
			 const struct rtc_rtcp_report_block *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].ssrc != b[i].ssrc || a[i].fraction_lost != b[i].fraction_lost ||
		    a[i].cumulative_lost != b[i].cumulative_lost ||
		    a[i].highest_seq != b[i].highest_seq || a[i].jitter != b[i].jitter ||
		    a[i].lsr != b[i].lsr || a[i].dlsr != b[i].dlsr)
			abort();
}

static void check_same(const struct rtc_rtcp_item *a, const struct rtc_rtcp_item *b)
{
	if (a->type != b->type)
		abort();
	switch (a->type) {
	case RTC_RTCP_SR:
		if (a->sr.ssrc != b->sr.ssrc || a->sr.ntp != b->sr.ntp ||
		    a->sr.rtp_ts != b->sr.rtp_ts || a->sr.packet_count != b->sr.packet_count ||
		    a->sr.octet_count != b->sr.octet_count ||
		    a->sr.report_count != b->sr.report_count)
			abort();
		check_blocks(a->sr.reports, b->sr.reports, a->sr.report_count);
		break;
	case RTC_RTCP_RR:
		if (a->rr.ssrc != b->rr.ssrc || a->rr.report_count != b->rr.report_count)
			abort();
		check_blocks(a->rr.reports, b->rr.reports, a->rr.report_count);
		break;
	case RTC_RTCP_SDES:
		if (a->sdes.chunk_count != b->sdes.chunk_count)
			abort();
		for (size_t i = 0; i < a->sdes.chunk_count; i++) {
			const struct rtc_rtcp_sdes_chunk *x = &a->sdes.chunks[i], *y = &b->sdes.chunks[i];

			if (x->ssrc != y->ssrc || !x->cname != !y->cname ||
			    x->cname_len != y->cname_len || !SAME(x->cname, y->cname, x->cname_len))
				abort();
		}
		break;
	case RTC_RTCP_BYE:
		if (a->bye.ssrc_count != b->bye.ssrc_count ||
		    !SAME(a->bye.ssrcs, b->bye.ssrcs, a->bye.ssrc_count) ||
		    !a->bye.reason != !b->bye.reason || a->bye.reason_len != b->bye.reason_len ||
		    !SAME(a->bye.reason, b->bye.reason, a->bye.reason_len))
			abort();
		break;
	case RTC_RTCP_NACK:
		if (a->nack.sender_ssrc != b->nack.sender_ssrc ||
		    a->nack.media_ssrc != b->nack.media_ssrc ||
		    a->nack.seq_count != b->nack.seq_count ||
		    !SAME(a->nack.seqs, b->nack.seqs, a->nack.seq_count))
			abort();
		break;
	case RTC_RTCP_PLI:
		if (a->pli.sender_ssrc != b->pli.sender_ssrc || a->pli.media_ssrc != b->pli.media_ssrc)
			abort();
		break;
	case RTC_RTCP_FIR:
		if (a->fir.sender_ssrc != b->fir.sender_ssrc || a->fir.entry_count != b->fir.entry_count)
			abort();
		for (size_t i = 0; i < a->fir.entry_count; i++)
			if (a->fir.entries[i].ssrc != b->fir.entries[i].ssrc ||
			    a->fir.entries[i].seq_nr != b->fir.entries[i].seq_nr)
				abort();
		break;
	case RTC_RTCP_REMB:
		if (a->remb.sender_ssrc != b->remb.sender_ssrc || a->remb.exp != b->remb.exp ||
		    a->remb.mantissa != b->remb.mantissa || a->remb.ssrc_count != b->remb.ssrc_count ||
		    !SAME(a->remb.ssrcs, b->remb.ssrcs, a->remb.ssrc_count))
			abort();
		break;
	case RTC_RTCP_TWCC:
		if (a->twcc.sender_ssrc != b->twcc.sender_ssrc ||
		    a->twcc.media_ssrc != b->twcc.media_ssrc || a->twcc.base_seq != b->twcc.base_seq ||
		    a->twcc.status_count != b->twcc.status_count ||
		    a->twcc.reference_time != b->twcc.reference_time ||
		    a->twcc.fb_count != b->twcc.fb_count ||
		    a->twcc.received_count != b->twcc.received_count)
			abort();
		for (size_t i = 0; i < a->twcc.received_count; i++)
			if (a->twcc.received[i].seq != b->twcc.received[i].seq ||
			    a->twcc.received[i].delta != b->twcc.received[i].delta)
				abort();
		break;
	default:
		abort();
	}
}

static void exercise_time(const struct rtc_rtcp_item *item, const uint8_t *data, size_t size)
{
	uint32_t arrival = size >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[size - 1] : 0;
	uint64_t rtt, ntp;
	uint32_t ts;

	if (item->type == RTC_RTCP_RR)
		for (size_t i = 0; i < item->rr.report_count; i++)
			rtc_rtcp_rtt(arrival, item->rr.reports[i].lsr, item->rr.reports[i].dlsr, &rtt);
	if (item->type == RTC_RTCP_SR) {
		struct rtc_rtcp_sync s;

		rtc_rtcp_sync_init(&s, item->sr.packet_count);
		rtc_rtcp_sync_update(&s, item->sr.ntp, item->sr.rtp_ts);
		rtc_rtcp_sync_rtp_to_ntp(&s, item->sr.octet_count, &ntp);
		rtc_rtcp_sync_ntp_to_rtp(&s, ntp ^ item->sr.ssrc, &ts);
		rtc_rtcp_ntp_to_ns(item->sr.ntp);
	}
	if (item->type == RTC_RTCP_TWCC && item->twcc.received_count) {
		int64_t *at = malloc(item->twcc.received_count * sizeof(*at));

		if (!at)
			abort();
		rtc_rtcp_twcc_arrivals_us(&item->twcc, at);
		free(at);
	}
	if (item->type == RTC_RTCP_REMB)
		rtc_rtcp_remb_bitrate(&item->remb);
}

static uint8_t *write_all(const struct rtc_rtcp_compound *c, size_t *len)
{
	size_t need = 0;
	uint8_t *buf;
	long n;

	for (size_t i = 0; i < c->count; i++) {
		long s = rtc_rtcp_item_size(&c->items[i], NULL);

		if (s < 0)
			abort();   /* the parser made an item the writer refuses */
		need += (size_t)s;
	}
	buf = malloc(need ? need : 1);
	if (!buf)
		abort();
	n = rtc_rtcp_write(c->items, c->count, buf, need, NULL);
	if (n < 0 || (size_t)n != need)
		abort();
	*len = need;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_arena *arena = rtc_arena_new();
	struct rtc_rtcp_compound c, again;
	struct rtc_error err = { 0 };
	uint8_t *out, *out2;
	size_t len, len2;

	if (!arena)
		abort();
	rtc_rtcp_is_rtcp(data, size);
	if (rtc_rtcp_parse(data, size, arena, &c, &err) < 0) {
		if (err.message[0] == '\0')
			abort();   /* every refusal says why */
		rtc_arena_free(arena);
		return 0;
	}
	for (size_t i = 0; i < c.count; i++)
		exercise_time(&c.items[i], data, size);
	out = write_all(&c, &len);
	if (c.count == 0) {
		free(out);
		rtc_arena_free(arena);
		return 0;
	}
	if (rtc_rtcp_parse(out, len, arena, &again, &err) < 0 || again.count != c.count ||
	    again.skipped != 0)
		abort();
	for (size_t i = 0; i < c.count; i++)
		check_same(&c.items[i], &again.items[i]);
	out2 = write_all(&again, &len2);
	if (len2 != len || memcmp(out, out2, len) != 0)
		abort();
	free(out);
	free(out2);
	rtc_arena_free(arena);
	return 0;
}
