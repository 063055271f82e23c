// SPDX-License-Identifier: GPL-2.0
#include <linux/bitmap.h>
#include <linux/string.h>

#include "replay.h"

#define SEQ_MEDIAN (1 << 15)
#define SEQ_SPAN   (1 << 16)

void rtcd_replay_init(struct rtcd_replay *r, u64 highest, u16 window)
{
	r->highest = highest;
	r->window = window;
	bitmap_zero(r->seen, RTCD_SRTP_REPLAY_WINDOW_MAX);
}

u64 rtcd_replay_estimate(const struct rtcd_replay *r, u16 seq, s64 *delta)
{
	u32 roc = r->highest >> 16;
	u16 last = r->highest & 0xffff;
	u64 guess;

	/*
	 * Below the median the ROC cannot be behind: libsrtp2 takes ROC 0
	 * there rather than guessing 0xffffffff.
	 */
	if (r->highest <= SEQ_MEDIAN) {
		*delta = (s64)seq - (s64)r->highest;
		return seq;
	}
	if (last < SEQ_MEDIAN) {
		if ((s32)seq - last > SEQ_MEDIAN) {
			guess = ((u64)(u32)(roc - 1) << 16) | seq;
			*delta = (s64)seq - last - SEQ_SPAN;
		} else {
			guess = ((u64)roc << 16) | seq;
			*delta = (s64)seq - last;
		}
	} else {
		if (last - SEQ_MEDIAN > seq) {
			guess = ((u64)(u32)(roc + 1) << 16) | seq;
			*delta = (s64)seq - last + SEQ_SPAN;
		} else {
			guess = ((u64)roc << 16) | seq;
			*delta = (s64)seq - last;
		}
	}
	return guess;
}

enum rtcd_replay_verdict rtcd_replay_check(const struct rtcd_replay *r, s64 delta)
{
	if (delta > 0)
		return RTCD_REPLAY_OK;
	if (-delta >= r->window)
		return RTCD_REPLAY_TOO_OLD;
	return test_bit(-delta, r->seen) ? RTCD_REPLAY_SEEN : RTCD_REPLAY_OK;
}

void rtcd_replay_accept(struct rtcd_replay *r, s64 delta)
{
	if (delta > 0) {
		if (delta >= RTCD_SRTP_REPLAY_WINDOW_MAX)
			bitmap_zero(r->seen, RTCD_SRTP_REPLAY_WINDOW_MAX);
		else
			bitmap_shift_left(r->seen, r->seen, delta,
					  RTCD_SRTP_REPLAY_WINDOW_MAX);
		r->highest += delta;
		__set_bit(0, r->seen);
	} else {
		__set_bit(-delta, r->seen);
	}
}
