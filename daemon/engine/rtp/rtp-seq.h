/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTP's 16-bit sequence numbers and 32-bit timestamps wrap; what lies above
 * (jitter buffer, NACK, RTCP reports, SRTP) wants them as 64-bit counters.
 *
 * rtc_rtp_seq follows RFC 3550 appendix A.1: a step forward of less than
 * 3000 is the new highest, a step back of up to 100 a late (reordered or
 * duplicate) packet, anything else a jump that is believed only when the
 * next packet follows it (the sender restarted). A source may be held on
 * probation until a few packets arrive in sequence; over SRTP, where
 * packets are authenticated, that is rarely worth the lost first packet.
 *
 * The SRTP index (RFC 3711 section 3.3.1) is guessed from the rollover
 * counter and the highest sequence number, as a pure function: SRTP
 * authenticates with the guess before anything is updated.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RTC_RTP_SEQ_MAX_DROPOUT 3000u
#define RTC_RTP_SEQ_MAX_MISORDER 100u
#define RTC_RTP_SEQ_MIN_SEQUENTIAL 2u

enum rtc_rtp_seq_result {
	RTC_RTP_SEQ_NEW,        /* ahead of the highest by less than the dropout: the new highest */
	RTC_RTP_SEQ_LATE,       /* not ahead, at most 100 behind: reordered or a duplicate */
	RTC_RTP_SEQ_PROBATION,  /* the source is not valid yet: drop */
	RTC_RTP_SEQ_JUMP,       /* a very large jump: drop, unless the next packet follows it */
	RTC_RTP_SEQ_RESTART,    /* the packet after a jump followed it: resynchronised here */
	RTC_RTP_SEQ_TOO_OLD,    /* behind the first packet, across a wrap: drop */
};

struct rtc_rtp_seq {
	uint64_t max_ext;       /* extended highest sequence number */
	uint64_t base_ext;      /* the first packet since the start or the last restart */
	uint64_t received;      /* packets counted since then (late ones included) */
	uint32_t bad_seq;       /* the number that would confirm a jump; 65536: none */
	unsigned probation;     /* packets in sequence still needed */
	unsigned min_sequential;
	bool started;           /* a packet was accepted */
	bool seen;              /* a packet arrived (on probation, max_ext holds it) */
};

/* min_sequential: packets in sequence before the source is valid; 0 or 1
 * accepts the first packet (A.1 uses 2). */
void rtc_rtp_seq_init(struct rtc_rtp_seq *s, unsigned min_sequential);

/* Classifies seq and, for NEW, LATE and RESTART, gives its extended
 * (64-bit, wrap-counting) number. A RESTART keeps extended numbers
 * increasing (the next cycle up); the caller resets what it counts. */
enum rtc_rtp_seq_result rtc_rtp_seq_update(struct rtc_rtp_seq *s, uint16_t seq, uint64_t *ext);

/* RFC 3550 A.3: packets expected since the base, and the 32-bit extended
 * highest sequence number of a reception report. */
uint64_t rtc_rtp_seq_expected(const struct rtc_rtp_seq *s);
uint32_t rtc_rtp_seq_report_highest(const struct rtc_rtp_seq *s);

const char *rtc_rtp_seq_result_name(enum rtc_rtp_seq_result r);

/* RFC 3711 section 3.3.1: the rollover counter v a packet with seq belongs
 * to, given the current roc and the highest sequence number s_l. False if
 * the guess falls outside 0..2^32-1 (before the stream's first rollover
 * period, or after its last). */
bool rtc_rtp_roc_guess(uint32_t roc, uint16_t s_l, uint16_t seq, uint32_t *v);

/* The 48-bit SRTP packet index i = 2^16 * v + seq, guessed as above. */
bool rtc_rtp_srtp_index_guess(uint32_t roc, uint16_t s_l, uint16_t seq, uint64_t *index);

/* After the packet with this index is authenticated: roc and s_l move up
 * to it if it is the newest (RFC 3711 section 3.3.1). */
void rtc_rtp_srtp_index_update(uint32_t *roc, uint16_t *s_l, uint64_t index);

/* 32-bit RTP timestamps to 64 bits: a step of less than 2^31 either way
 * from the highest seen. Negative for a timestamp from before the first one
 * across a wrap. */
struct rtc_rtp_ts_unwrap {
	int64_t max;
	bool started;
};

void rtc_rtp_ts_unwrap_init(struct rtc_rtp_ts_unwrap *u);
int64_t rtc_rtp_ts_unwrap(struct rtc_rtp_ts_unwrap *u, uint32_t ts);
