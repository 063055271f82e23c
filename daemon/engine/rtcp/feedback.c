/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Feedback messages (RFC 4585 6.1): sender SSRC, media SSRC, then the
 * feedback control information (FCI) of the FMT:
 *
 *   generic NACK (RTPFB 1, 4585 6.2.1)  FCI words of PID (16) | BLP (16):
 *                                       PID lost, and PID+i+1 for BLP bit i
 *   PLI (PSFB 1, 4585 6.3.1)            no FCI
 *   FIR (PSFB 4, 5104 4.3.1)            SSRC | seq nr (8) | reserved (24)
 *                                       per entry; media SSRC is 0
 *   REMB (PSFB 15, draft-alvestrand-rmcat-remb-03)
 *                                       'R' 'E' 'M' 'B' | num SSRC (8) |
 *                                       exp (6) mantissa (18) | SSRCs
 *
 * Other FMTs (TMMBR, SLI, RPSI, other application feedback) are skipped.
 */
#include "engine/rtcp/rtcp-private.h"

#include "engine/base/bytes.h"

#include <string.h>

#define FB_COMMON 8u
#define REMB_ID 0x52454d42u   /* "REMB" */

size_t rtc_rtcp_nack_expand(uint16_t pid, uint16_t blp, uint16_t out[17])
{
	size_t n = 0;

	out[n++] = pid;
	for (unsigned i = 0; i < 16; i++)
		if (blp & (1u << i))
			out[n++] = (uint16_t)(pid + i + 1);
	return n;
}

/* Packs seqs into FCI words, keeping their order: a number joins the open
 * word when it lies within 16 after its PID and after the last one added,
 * so that expanding the words gives the list back as it was. Writes the
 * words to out when it is not NULL; returns how many there are. */
static size_t nack_pack(const uint16_t *seqs, size_t count, uint8_t *out)
{
	size_t words = 0;
	uint16_t pid = 0, blp = 0, last = 0;

	for (size_t i = 0; i < count; i++) {
		uint16_t d = (uint16_t)(seqs[i] - pid);

		if (words && d >= 1 && d <= 16 && d > last) {
			blp |= (uint16_t)(1u << (d - 1));
			last = d;
		} else {
			if (words && out) {
				rtc_put_be16(out + 4 * (words - 1), pid);
				rtc_put_be16(out + 4 * (words - 1) + 2, blp);
			}
			words++;
			pid = seqs[i], blp = 0, last = 0;
		}
	}
	if (words && out) {
		rtc_put_be16(out + 4 * (words - 1), pid);
		rtc_put_be16(out + 4 * (words - 1) + 2, blp);
	}
	return words;
}

size_t rtc_rtcp_nack_fci_count(const uint16_t *seqs, size_t count)
{
	return nack_pack(seqs, count, NULL);
}

static int parse_nack(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		      struct rtc_rtcp_nack *nack, struct rtc_error *err)
{
	const uint8_t *fci = v->body + FB_COMMON;
	size_t words = (v->len - FB_COMMON) / 4, n = 0;

	if (v->len == FB_COMMON || (v->len - FB_COMMON) % 4)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "generic NACK with %zu bytes of FCI, not whole words of at least one",
				     v->len - FB_COMMON);
	for (size_t w = 0; w < words; w++)
		n += 1 + (size_t)__builtin_popcount(rtc_get_be16(fci + 4 * w + 2));
	if (rtc_rtcp_alloc(arena, n, sizeof(*nack->seqs), &nack->seqs, err) < 0)
		return -1;
	for (size_t w = 0; w < words; w++)
		nack->seq_count += rtc_rtcp_nack_expand(rtc_get_be16(fci + 4 * w),
							rtc_get_be16(fci + 4 * w + 2),
							nack->seqs + nack->seq_count);
	return 0;
}

static int parse_fir(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		     struct rtc_rtcp_fir *fir, struct rtc_error *err)
{
	const uint8_t *fci = v->body + FB_COMMON;
	size_t n = (v->len - FB_COMMON) / 8;

	if (n == 0 || (v->len - FB_COMMON) % 8)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "FIR with %zu bytes of FCI, not whole 8-byte entries of at least one",
				     v->len - FB_COMMON);
	if (rtc_rtcp_alloc(arena, n, sizeof(*fir->entries), &fir->entries, err) < 0)
		return -1;
	fir->entry_count = n;
	for (size_t i = 0; i < n; i++) {
		fir->entries[i].ssrc = rtc_get_be32(fci + 8 * i);
		fir->entries[i].seq_nr = fci[8 * i + 4];
	}
	return 0;
}

/* Returns 1 for application feedback that is not REMB. */
static int parse_remb(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		      struct rtc_rtcp_remb *remb, struct rtc_error *err)
{
	const uint8_t *fci = v->body + FB_COMMON;
	uint8_t n;

	if (v->len < FB_COMMON + 4 || rtc_get_be32(fci) != REMB_ID)
		return 1;
	if (v->len < FB_COMMON + 8)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "REMB of %zu bytes has no bitrate",
				     v->len);
	n = fci[4];
	if ((v->len - FB_COMMON - 8) / 4 < n)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "REMB of %u SSRCs in %zu bytes", n,
				     v->len);
	remb->exp = fci[5] >> 2;
	remb->mantissa = (uint32_t)(fci[5] & 3) << 16 | rtc_get_be16(fci + 6);
	if (rtc_rtcp_alloc(arena, n, sizeof(*remb->ssrcs), &remb->ssrcs, err) < 0)
		return -1;
	remb->ssrc_count = n;
	for (unsigned i = 0; i < n; i++)
		remb->ssrcs[i] = rtc_get_be32(fci + 8 + 4 * i);
	return 0;
}

int rtc_rtcp_parse_feedback(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
			    struct rtc_rtcp_item *item, struct rtc_error *err)
{
	bool rtpfb = v->type == RTC_RTCP_PT_RTPFB;
	uint32_t sender, media;
	int r;

	if (rtpfb ? v->count != RTC_RTCP_FMT_NACK :
		    v->count != RTC_RTCP_FMT_PLI && v->count != RTC_RTCP_FMT_FIR &&
		    v->count != RTC_RTCP_FMT_AFB)
		return 1;
	if (v->len < FB_COMMON)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "feedback of %zu bytes lacks its two SSRCs", v->len);
	sender = rtc_get_be32(v->body);
	media = rtc_get_be32(v->body + 4);
	if (rtpfb) {
		item->type = RTC_RTCP_NACK;
		item->nack.sender_ssrc = sender;
		item->nack.media_ssrc = media;
		return parse_nack(v, arena, &item->nack, err);
	}
	switch (v->count) {
	case RTC_RTCP_FMT_PLI:
		/* The length MUST be 2, but a longer one harms no one. */
		item->type = RTC_RTCP_PLI;
		item->pli.sender_ssrc = sender;
		item->pli.media_ssrc = media;
		return 0;
	case RTC_RTCP_FMT_FIR:
		item->type = RTC_RTCP_FIR;
		item->fir.sender_ssrc = sender;
		return parse_fir(v, arena, &item->fir, err);
	default:
		r = parse_remb(v, arena, &item->remb, err);
		if (r == 0) {
			item->type = RTC_RTCP_REMB;
			item->remb.sender_ssrc = sender;
		}
		return r;
	}
}

long rtc_rtcp_feedback_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err)
{
	switch (item->type) {
	case RTC_RTCP_NACK:
		if (item->nack.seq_count == 0 || !item->nack.seqs)
			return rtc_error_set(err, RTC_ERROR_TYPE, "a NACK without sequence numbers");
		return (long)(FB_COMMON + 4 * nack_pack(item->nack.seqs, item->nack.seq_count, NULL));
	case RTC_RTCP_PLI:
		return FB_COMMON;
	case RTC_RTCP_FIR:
		if (item->fir.entry_count == 0 || !item->fir.entries)
			return rtc_error_set(err, RTC_ERROR_TYPE, "a FIR without entries");
		return (long)(FB_COMMON + 8 * item->fir.entry_count);
	default:
		if (item->remb.ssrc_count > 255 || (item->remb.ssrc_count && !item->remb.ssrcs))
			return rtc_error_set(err, RTC_ERROR_TYPE, "REMB with %zu SSRCs",
					     item->remb.ssrc_count);
		if (item->remb.exp > 63 || item->remb.mantissa > 0x3ffff)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "REMB exponent %u or mantissa %u too large",
					     item->remb.exp, item->remb.mantissa);
		return (long)(FB_COMMON + 8 + 4 * item->remb.ssrc_count);
	}
}

void rtc_rtcp_feedback_write_body(const struct rtc_rtcp_item *item, uint8_t *p)
{
	switch (item->type) {
	case RTC_RTCP_NACK:
		rtc_put_be32(p, item->nack.sender_ssrc);
		rtc_put_be32(p + 4, item->nack.media_ssrc);
		nack_pack(item->nack.seqs, item->nack.seq_count, p + FB_COMMON);
		break;
	case RTC_RTCP_PLI:
		rtc_put_be32(p, item->pli.sender_ssrc);
		rtc_put_be32(p + 4, item->pli.media_ssrc);
		break;
	case RTC_RTCP_FIR:
		rtc_put_be32(p, item->fir.sender_ssrc);
		rtc_put_be32(p + 4, 0);
		for (size_t i = 0; i < item->fir.entry_count; i++) {
			uint8_t *e = p + FB_COMMON + 8 * i;

			rtc_put_be32(e, item->fir.entries[i].ssrc);
			rtc_put_be32(e + 4, (uint32_t)item->fir.entries[i].seq_nr << 24);
		}
		break;
	default:
		rtc_put_be32(p, item->remb.sender_ssrc);
		rtc_put_be32(p + 4, 0);
		rtc_put_be32(p + 8, REMB_ID);
		p[12] = (uint8_t)item->remb.ssrc_count;
		p[13] = (uint8_t)(item->remb.exp << 2 | item->remb.mantissa >> 16);
		rtc_put_be16(p + 14, (uint16_t)item->remb.mantissa);
		for (size_t i = 0; i < item->remb.ssrc_count; i++)
			rtc_put_be32(p + 16 + 4 * i, item->remb.ssrcs[i]);
		break;
	}
}

uint64_t rtc_rtcp_remb_bitrate(const struct rtc_rtcp_remb *remb)
{
	if (remb->mantissa == 0)
		return 0;
	if (remb->exp >= 64 || remb->mantissa > (UINT64_MAX >> remb->exp))
		return UINT64_MAX;
	return (uint64_t)remb->mantissa << remb->exp;
}

void rtc_rtcp_remb_set_bitrate(struct rtc_rtcp_remb *remb, uint64_t bps)
{
	uint8_t exp = 0;

	while ((bps >> exp) > 0x3ffff)
		exp++;
	remb->exp = exp;
	remb->mantissa = (uint32_t)(bps >> exp);
}
