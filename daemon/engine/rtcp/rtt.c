/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/rtcp/rtt.h"

#define NS 1000000000u

uint64_t rtc_rtcp_ntp_from_ns(uint64_t ns)
{
	uint64_t sec = ns / NS, rem = ns % NS;

	/* rem < 1e9 < 2^30, so rem << 32 fits in 64 bits. */
	return sec << 32 | ((rem << 32) + NS / 2) / NS;
}

uint64_t rtc_rtcp_ntp_to_ns(uint64_t ntp)
{
	uint64_t frac = ntp & 0xffffffffu;

	return (ntp >> 32) * NS + ((frac * NS + (1ull << 31)) >> 32);
}

uint64_t rtc_rtcp_short_to_ns(uint32_t v)
{
	return ((uint64_t)v * NS + (1u << 15)) >> 16;
}

uint32_t rtc_rtcp_short_from_ns(uint64_t ns)
{
	/* Above 65536 s the 16.16 field saturates rather than wraps. */
	if (ns >= (uint64_t)65536 * NS)
		return UINT32_MAX;
	return (uint32_t)(((ns << 16) + NS / 2) / NS);
}

bool rtc_rtcp_rtt(uint32_t arrival, uint32_t lsr, uint32_t dlsr, uint64_t *rtt_ns)
{
	int32_t rtt;

	if (lsr == 0)
		return false;
	/* Modulo 2^32: the 16.16 clock wraps every 18 hours. */
	rtt = (int32_t)(arrival - lsr - dlsr);
	*rtt_ns = rtt > 0 ? rtc_rtcp_short_to_ns((uint32_t)rtt) : 0;
	return true;
}

void rtc_rtcp_sync_init(struct rtc_rtcp_sync *s, uint32_t clock_rate)
{
	*s = (struct rtc_rtcp_sync){ .clock_rate = clock_rate };
}

void rtc_rtcp_sync_update(struct rtc_rtcp_sync *s, uint64_t ntp, uint32_t rtp_ts)
{
	if (s->valid && ntp < s->ntp)
		return;
	s->valid = true;
	s->ntp = ntp;
	s->rtp_ts = rtp_ts;
}

bool rtc_rtcp_sync_rtp_to_ntp(const struct rtc_rtcp_sync *s, uint32_t rtp_ts, uint64_t *ntp)
{
	int64_t ticks, whole, part;

	if (!s->valid || s->clock_rate == 0)
		return false;
	ticks = (int32_t)(rtp_ts - s->rtp_ts);
	whole = ticks / (int64_t)s->clock_rate;
	part = ticks % (int64_t)s->clock_rate;
	if (part < 0) {
		whole--;
		part += s->clock_rate;
	}
	/* Unsigned from here: a negative whole wraps to the right time. */
	*ntp = s->ntp + ((uint64_t)whole << 32) +
	       (((uint64_t)part << 32) + s->clock_rate / 2) / s->clock_rate;
	return true;
}

bool rtc_rtcp_sync_ntp_to_rtp(const struct rtc_rtcp_sync *s, uint64_t ntp, uint32_t *rtp_ts)
{
	int64_t d, whole;
	uint64_t frac;

	if (!s->valid || s->clock_rate == 0)
		return false;
	d = (int64_t)(ntp - s->ntp);
	frac = (uint64_t)d & 0xffffffffu;
	whole = (d - (int64_t)frac) / ((int64_t)1 << 32);   /* floor */
	*rtp_ts = s->rtp_ts + (uint32_t)((uint64_t)whole * s->clock_rate) +
		  (uint32_t)((frac * s->clock_rate + (1ull << 31)) >> 32);
	return true;
}
