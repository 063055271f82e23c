/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Time in RTCP: NTP timestamps, the round-trip time a report block gives
 * (RFC 3550 6.4.1), and the NTP <-> RTP mapping a sender report gives,
 * which puts audio and video of one sender on one clock (lip sync).
 *
 * NTP time is 32.32 fixed point seconds; LSR and DLSR are its middle 32
 * bits, 16.16. The engine's clock is nanoseconds of CLOCK_MONOTONIC: the
 * caller chooses the epoch (it need not be 1900, as long as both ends of a
 * subtraction share it), which is why these helpers only convert units.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
#define RTC_RTCP_NTP_UNIX_OFFSET 2208988800u

/* ns <-> NTP 32.32 (the fraction rounded to nearest; exact both ways for
 * whole microseconds well within the 136-year range). */
uint64_t rtc_rtcp_ntp_from_ns(uint64_t ns);
uint64_t rtc_rtcp_ntp_to_ns(uint64_t ntp);

/* The middle 32 bits of an NTP time: an SR's LSR, a report's arrival. */
static inline uint32_t rtc_rtcp_ntp_short(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/* 16.16 seconds (DLSR, a round trip) <-> ns. */
uint64_t rtc_rtcp_short_to_ns(uint32_t v);
uint32_t rtc_rtcp_short_from_ns(uint64_t ns);

/* RFC 3550 6.4.1: the round trip from a report block that arrived at
 * `arrival` (NTP short of the local clock the SR's NTP time came from):
 * A - LSR - DLSR. False when the block carries no LSR (no SR received
 * yet). A negative result (clock steps, a lying peer) gives 0. */
bool rtc_rtcp_rtt(uint32_t arrival, uint32_t lsr, uint32_t dlsr, uint64_t *rtt_ns);

/* One sender's RTP clock against its NTP clock, from its latest SR. The
 * nominal clock rate is used between SRs: the drift of a sender's clock
 * over one report interval is far below a frame. */
struct rtc_rtcp_sync {
	uint32_t clock_rate;          /* Hz: 48000 for Opus, 90000 for video */
	bool valid;
	uint64_t ntp;
	uint32_t rtp_ts;
};

void rtc_rtcp_sync_init(struct rtc_rtcp_sync *s, uint32_t clock_rate);
/* An SR's NTP and RTP timestamps. One older than the last is ignored
 * (reordered), so the mapping moves only forward. */
void rtc_rtcp_sync_update(struct rtc_rtcp_sync *s, uint64_t ntp, uint32_t rtp_ts);
/* The sender's NTP time of an RTP timestamp (within 2^31 ticks of the SR's,
 * either side), or false before the first SR. */
bool rtc_rtcp_sync_rtp_to_ntp(const struct rtc_rtcp_sync *s, uint32_t rtp_ts, uint64_t *ntp);
/* The RTP timestamp of a sender's NTP time. */
bool rtc_rtcp_sync_ntp_to_rtp(const struct rtc_rtcp_sync *s, uint64_t ntp, uint32_t *rtp_ts);
