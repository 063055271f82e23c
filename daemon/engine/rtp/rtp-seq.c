/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sequence number, SRTP index and timestamp unwrapping. The sequence logic
 * is RFC 3550 appendix A.1's update_seq with 64-bit extended numbers in
 * place of its cycles count.
 */
#include "engine/rtp/rtp-seq.h"

#define SEQ_MOD 65536u

void rtc_rtp_seq_init(struct rtc_rtp_seq *s, unsigned min_sequential)
{
	*s = (struct rtc_rtp_seq){ .bad_seq = SEQ_MOD + 1,
				   .min_sequential = min_sequential > 1 ? min_sequential : 1 };
	s->probation = s->min_sequential - 1;
}

static void restart_at(struct rtc_rtp_seq *s, uint64_t ext)
{
	s->max_ext = ext;
	s->base_ext = ext;
	s->received = 1;
	s->bad_seq = SEQ_MOD + 1;
	s->started = true;
}

enum rtc_rtp_seq_result rtc_rtp_seq_update(struct rtc_rtp_seq *s, uint16_t seq, uint64_t *ext)
{
	uint16_t udelta = (uint16_t)(seq - (uint16_t)s->max_ext);

	if (!s->started) {
		if (s->probation == 0) {
			restart_at(s, seq);
			*ext = seq;
			return RTC_RTP_SEQ_NEW;
		}
		if (s->seen && udelta == 1) {
			if (--s->probation == 0) {
				restart_at(s, seq);
				*ext = seq;
				return RTC_RTP_SEQ_NEW;
			}
		} else {
			s->probation = s->min_sequential - 1;
		}
		s->seen = true;
		s->max_ext = seq;
		return RTC_RTP_SEQ_PROBATION;
	}
	if (udelta == 0) {
		s->received++;
		*ext = s->max_ext;
		return RTC_RTP_SEQ_LATE;
	}
	if (udelta < RTC_RTP_SEQ_MAX_DROPOUT) {
		s->max_ext += udelta;
		s->received++;
		*ext = s->max_ext;
		return RTC_RTP_SEQ_NEW;
	}
	if (udelta <= SEQ_MOD - RTC_RTP_SEQ_MAX_MISORDER) {
		uint64_t next;

		if (seq != s->bad_seq) {
			s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
			return RTC_RTP_SEQ_JUMP;
		}
		/* Two packets in sequence after the jump: the sender restarted.
		 * Continue upwards so extended numbers never go back. */
		next = (s->max_ext & ~(uint64_t)0xffff) | seq;
		if (next <= s->max_ext)
			next += SEQ_MOD;
		restart_at(s, next);
		*ext = next;
		return RTC_RTP_SEQ_RESTART;
	}
	/* Behind the highest by SEQ_MOD - udelta (1..MAX_MISORDER). */
	if (SEQ_MOD - udelta > s->max_ext)
		return RTC_RTP_SEQ_TOO_OLD;
	s->received++;
	*ext = s->max_ext - (SEQ_MOD - udelta);
	return RTC_RTP_SEQ_LATE;
}

uint64_t rtc_rtp_seq_expected(const struct rtc_rtp_seq *s)
{
	return s->started ? s->max_ext - s->base_ext + 1 : 0;
}

uint32_t rtc_rtp_seq_report_highest(const struct rtc_rtp_seq *s)
{
	return (uint32_t)s->max_ext;
}

const char *rtc_rtp_seq_result_name(enum rtc_rtp_seq_result r)
{
	switch (r) {
	case RTC_RTP_SEQ_NEW: return "new";
	case RTC_RTP_SEQ_LATE: return "late";
	case RTC_RTP_SEQ_PROBATION: return "probation";
	case RTC_RTP_SEQ_JUMP: return "jump";
	case RTC_RTP_SEQ_RESTART: return "restart";
	case RTC_RTP_SEQ_TOO_OLD: return "too-old";
	}
	return "unknown";
}

bool rtc_rtp_roc_guess(uint32_t roc, uint16_t s_l, uint16_t seq, uint32_t *v)
{
	/* RFC 3711 section 3.3.1, in signed arithmetic as written there. */
	if (s_l < 32768) {
		if ((int32_t)seq - (int32_t)s_l > 32768) {
			if (roc == 0)
				return false;
			*v = roc - 1;
			return true;
		}
	} else if ((int32_t)s_l - 32768 > (int32_t)seq) {
		if (roc == UINT32_MAX)
			return false;
		*v = roc + 1;
		return true;
	}
	*v = roc;
	return true;
}

bool rtc_rtp_srtp_index_guess(uint32_t roc, uint16_t s_l, uint16_t seq, uint64_t *index)
{
	uint32_t v;

	if (!rtc_rtp_roc_guess(roc, s_l, seq, &v))
		return false;
	*index = (uint64_t)v << 16 | seq;
	return true;
}

void rtc_rtp_srtp_index_update(uint32_t *roc, uint16_t *s_l, uint64_t index)
{
	if (index > ((uint64_t)*roc << 16 | *s_l)) {
		*roc = (uint32_t)(index >> 16);
		*s_l = (uint16_t)index;
	}
}

void rtc_rtp_ts_unwrap_init(struct rtc_rtp_ts_unwrap *u)
{
	u->max = 0;
	u->started = false;
}

int64_t rtc_rtp_ts_unwrap(struct rtc_rtp_ts_unwrap *u, uint32_t ts)
{
	uint32_t diff;
	int64_t r;

	if (!u->started) {
		u->started = true;
		u->max = ts;
		return ts;
	}
	diff = ts - (uint32_t)u->max;
	/* Forward if less than half the range ahead, else behind. */
	r = diff < 0x80000000u ? u->max + diff : u->max - (int64_t)(0x100000000 - diff);
	if (r > u->max)
		u->max = r;
	return r;
}
