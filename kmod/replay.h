/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SRTP packet index estimation and the replay window (RFC 3711 section 3.3.1
 * and appendix A), computed exactly as libsrtp2 does so that a stream moved
 * between libsrtp2 and the kernel keeps the same indexes.
 */
#ifndef RTCD_REPLAY_H
#define RTCD_REPLAY_H

#include <linux/types.h>
#include "uapi/rtcd_srtp.h"

struct rtcd_replay {
	u64 highest;	/* highest index accepted so far (48 or 31 bits) */
	u16 window;	/* in packets */
	/* bit i: highest - i was accepted */
	unsigned long seen[BITS_TO_LONGS(RTCD_SRTP_REPLAY_WINDOW_MAX)];
};

enum rtcd_replay_verdict {
	RTCD_REPLAY_OK,
	RTCD_REPLAY_SEEN,	/* accepted before */
	RTCD_REPLAY_TOO_OLD,	/* behind the window */
};

void rtcd_replay_init(struct rtcd_replay *r, u64 highest, u16 window);
/* The 48-bit SRTP index of sequence number seq, and its distance from highest. */
u64 rtcd_replay_estimate(const struct rtcd_replay *r, u16 seq, s64 *delta);
enum rtcd_replay_verdict rtcd_replay_check(const struct rtcd_replay *r, s64 delta);
void rtcd_replay_accept(struct rtcd_replay *r, s64 delta);

#endif
