/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The send side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): every packet that
 * leaves gets the next transport-wide sequence number (the caller writes
 * it into the transport-cc header extension) and is remembered with its
 * send time, size and purpose; feedback from the peer is matched against
 * those records into packet results for the estimator (gcc.h).
 *
 * Sequence numbers are extended to 64 bits against the newest one sent.
 * A packet reported received twice (feedback repeated or reordered) yields
 * one result; one reported lost and then received yields both, as the loss
 * happened to the estimator's knowledge. The history is a fixed ring:
 * feedback for packets older than it is ignored and counted.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/cc/cc.h"
#include "engine/rtcp/rtcp.h"

#define RTC_TWCC_SENDER_HISTORY 8192u   /* a power of two: ~8 s at 1000 packets/s */

struct rtc_twcc_sent {
	uint64_t seq;              /* extended; matches the slot when the record is live */
	uint64_t send_time;
	uint32_t size;
	int32_t probe_cluster;
	bool live;
	bool retransmission;
	bool acked;                /* reported received */
	bool lost_reported;        /* reported lost, once */
};

/* About 256 KiB: embed it in something allocated, not on a stack. */
struct rtc_twcc_sender {
	uint64_t next_seq;         /* extended number of the next packet */
	bool have_reference;
	int64_t last_reference;    /* unwrapped reference time (64 ms units) */
	uint64_t feedbacks;        /* feedback messages handled */
	uint64_t duplicates;       /* received packets reported again */
	uint64_t unknown;          /* statuses for packets never sent or forgotten */
	struct rtc_twcc_sent history[RTC_TWCC_SENDER_HISTORY];
};

void rtc_twcc_sender_init(struct rtc_twcc_sender *s);

/* A packet leaves now: returns the 16-bit sequence number for its
 * transport-cc extension. probe_cluster is RTC_CC_NO_CLUSTER or the id the
 * pacer tagged it with. */
uint16_t rtc_twcc_sender_on_send(struct rtc_twcc_sender *s, uint64_t now, uint32_t size,
				 int32_t probe_cluster, bool retransmission);

/* Matches a feedback message to the packets sent. Writes at most cap
 * results, in sequence order, to out and their number to *n. Returns 0, or
 * -1 with a RangeError when cap is smaller than the feedback's status
 * count, or when the reference time has leapt forward, message after
 * message, past anything a real clock reaches (nothing consumed then). */
int rtc_twcc_sender_handle_feedback(struct rtc_twcc_sender *s, const struct rtc_rtcp_twcc *fb,
				    struct rtc_cc_packet_result *out, size_t cap, size_t *n,
				    struct rtc_error *err);
