/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Send-side history for transport-wide feedback: see twcc-sender.h.
 */
#include "engine/cc/twcc-sender.h"

#include <string.h>

#define REF_BITS 24
#define REF_SPAN (INT64_C(1) << REF_BITS)
#define REF_UNIT_NS INT64_C(64000000)
#define DELTA_UNIT_NS INT64_C(250000)
/* 139 years of 64 ms: only a peer that makes its reference time leap
 * forward message after message gets here, and arrival times in ns must
 * stay far from overflowing. */
#define REF_LIMIT (INT64_C(1) << 36)

void rtc_twcc_sender_init(struct rtc_twcc_sender *s)
{
	memset(s, 0, sizeof(*s));
}

static struct rtc_twcc_sent *slot(struct rtc_twcc_sender *s, uint64_t seq)
{
	return &s->history[seq & (RTC_TWCC_SENDER_HISTORY - 1)];
}

uint16_t rtc_twcc_sender_on_send(struct rtc_twcc_sender *s, uint64_t now, uint32_t size,
				 int32_t probe_cluster, bool retransmission)
{
	uint64_t seq = s->next_seq++;
	struct rtc_twcc_sent *p = slot(s, seq);

	*p = (struct rtc_twcc_sent){
		.seq = seq,
		.send_time = now,
		.size = size,
		.probe_cluster = probe_cluster,
		.live = true,
		.retransmission = retransmission,
	};
	return (uint16_t)seq;
}

/* The 24-bit reference time, unwrapped to the value nearest the last;
 * false when that is past REF_LIMIT. */
static bool unwrap_reference(struct rtc_twcc_sender *s, int32_t ref, int64_t *out)
{
	int64_t raw = (int64_t)((uint32_t)ref & (REF_SPAN - 1)), v;

	if (!s->have_reference) {
		s->have_reference = true;
		s->last_reference = raw;
		*out = raw;
		return true;
	}
	v = s->last_reference + ((raw - s->last_reference) & (REF_SPAN - 1));
	if (v - s->last_reference >= REF_SPAN / 2)
		v -= REF_SPAN;
	if (v > REF_LIMIT)
		return false;
	/* Only move forward: a reordered older feedback must not pull the
	 * base back for the next one. */
	if (v > s->last_reference)
		s->last_reference = v;
	*out = v;
	return true;
}

int rtc_twcc_sender_handle_feedback(struct rtc_twcc_sender *s, const struct rtc_rtcp_twcc *fb,
				    struct rtc_cc_packet_result *out, size_t cap, size_t *n,
				    struct rtc_error *err)
{
	/* The base is a packet we sent: the nearest number at or before the
	 * newest sent. */
	uint16_t behind = (uint16_t)((uint16_t)(s->next_seq - 1) - fb->base_seq);
	int64_t base = (int64_t)s->next_seq - 1 - behind;
	int64_t arrival;
	size_t r = 0;

	*n = 0;
	if (cap < fb->status_count)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "TWCC feedback of %u statuses, room for %zu results",
				     fb->status_count, cap);
	if (!unwrap_reference(s, fb->reference_time, &arrival))
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "TWCC reference time %d leaps past 2^36 x 64 ms",
				     fb->reference_time);
	arrival *= REF_UNIT_NS;
	s->feedbacks++;
	for (size_t i = 0; i < fb->status_count; i++) {
		int64_t seq = base + (int64_t)i;
		bool received = r < fb->received_count &&
				(uint16_t)(fb->received[r].seq - fb->base_seq) == i;
		struct rtc_twcc_sent *p;

		if (received)
			arrival += (int64_t)fb->received[r++].delta * DELTA_UNIT_NS;
		p = seq >= 0 ? slot(s, (uint64_t)seq) : NULL;
		if (!p || !p->live || p->seq != (uint64_t)seq || (uint64_t)seq >= s->next_seq) {
			s->unknown++;
			continue;
		}
		if (p->acked) {
			s->duplicates += received;
			continue;
		}
		if (!received && p->lost_reported)
			continue;
		p->acked = received;
		p->lost_reported |= !received;
		out[(*n)++] = (struct rtc_cc_packet_result){
			.seq = p->seq,
			.send_time = p->send_time,
			.arrival = received ? arrival : 0,
			.size = p->size,
			.probe_cluster = p->probe_cluster,
			.received = received,
			.retransmission = p->retransmission,
		};
	}
	return 0;
}
