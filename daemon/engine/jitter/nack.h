/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The receiver's NACK generator (RFC 4585 generic NACK; libwebrtc's
 * NackRequester in spirit). The owner feeds it the extended sequence
 * number of every media packet of one SSRC that arrives (RTX already
 * unwrapped, FEC-recovered ones flagged), and asks it what to NACK now:
 *
 *     rtc_nack_handle_packet(&n, now, ext_seq, was_retransmitted);
 *     while ((k = rtc_nack_poll(&n, now, rtt, seqs, 64)) > 0)
 *             send one RTCP NACK with seqs[0..k);
 *     if (rtc_nack_poll_key_frame_request(&n)) send PLI;
 *     timer at rtc_nack_deadline(&n, rtt);
 *
 * A hole is asked for first after a short reorder wait (reordering is
 * common and a NACK costs the sender a resend), then again no sooner than
 * one RTT after the last request, at most max_retries times. Holes that
 * are too old (by time or by sequence distance) are given up; a list that
 * would grow past its bound is cleared and a key frame asked for instead,
 * since so much loss is cheaper to repair by starting over.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTC_NACK_MAX_LIST 1000u   /* holes tracked at once (libwebrtc's kMaxNackPackets) */

struct rtc_nack_config {
	uint64_t reorder_wait;    /* ns from a hole's detection to its first request */
	uint64_t min_interval;    /* ns: retries no sooner than max(rtt, this) ... */
	uint64_t max_interval;    /* ... and no later than this */
	uint64_t default_rtt;     /* ns, while the caller knows no RTT (rtt == 0) */
	uint64_t max_age;         /* ns after detection a hole is given up */
	uint32_t max_seq_age;     /* holes further behind the highest are given up */
	unsigned max_retries;     /* requests per hole */
	unsigned max_list;        /* holes at once, at most RTC_NACK_MAX_LIST */
};

/* 5 ms reorder wait, retries every max(rtt, 5 ms) up to 1 s apart, 100 ms
 * RTT while none is known, 10 requests, give up after 1 s or 10000
 * packets, 1000 holes. */
void rtc_nack_config_default(struct rtc_nack_config *cfg);

struct rtc_nack_stats {
	uint64_t nack_count;          /* NACK messages (polls that returned numbers): W3C nackCount */
	uint64_t packets_requested;   /* sequence numbers in them, retries included */
	uint64_t packets_missing;     /* holes ever detected */
	uint64_t packets_recovered;   /* holes filled by a retransmitted/recovered packet */
	uint64_t packets_late;        /* holes filled by an ordinary (reordered) packet */
	uint64_t packets_given_up;    /* holes dropped: too old, too many retries */
	uint64_t list_overflows;      /* times the list was cleared for a key frame */
};

struct rtc_nack_hole {
	uint64_t seq;             /* extended sequence number */
	uint64_t detected;        /* when a later packet showed it missing */
	uint64_t last_sent;       /* when last requested; valid if retries > 0 */
	unsigned retries;
};

struct rtc_nack {
	struct rtc_nack_config cfg;
	/* Holes in increasing seq order: a ring of RTC_NACK_MAX_LIST. */
	struct rtc_nack_hole holes[RTC_NACK_MAX_LIST];
	unsigned head, count;
	uint64_t highest;         /* highest extended seq seen */
	bool started;
	bool key_frame_needed;
	struct rtc_nack_stats stats;
};

/* cfg NULL: the defaults. Out-of-range values are clamped to sane ones. */
void rtc_nack_init(struct rtc_nack *n, const struct rtc_nack_config *cfg);

/* One media packet arrived. recovered: it came as a retransmission (RTX or
 * plain) or from FEC, so it does not open new holes' timers any
 * differently but is counted as a recovery when it fills one. */
void rtc_nack_handle_packet(struct rtc_nack *n, uint64_t now, uint64_t ext_seq, bool recovered);

/* The (16-bit) sequence numbers to NACK now, oldest first, at most max;
 * each counts as requested. rtt in ns, 0 if unknown. Call again while it
 * returns max: what did not fit is still due. Expired holes are dropped
 * here. Returns how many were written. */
size_t rtc_nack_poll(struct rtc_nack *n, uint64_t now, uint64_t rtt, uint16_t *seqs, size_t max);

/* When rtc_nack_poll will next have something to send; RTC_NEVER if the
 * list is empty. */
uint64_t rtc_nack_deadline(const struct rtc_nack *n, uint64_t rtt);

/* True once after the list overflowed (or the caller's stream jumped too
 * far): the owner sends a PLI/FIR. */
bool rtc_nack_poll_key_frame_request(struct rtc_nack *n);

/* Forget holes before ext_seq: a key frame starts there, so what lies
 * before it is no longer worth asking for. */
void rtc_nack_forget_before(struct rtc_nack *n, uint64_t ext_seq);

/* Holes currently tracked. */
static inline unsigned rtc_nack_pending(const struct rtc_nack *n)
{
	return n->count;
}
