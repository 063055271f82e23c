/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/stream/reception.h"

#include <string.h>

#include "engine/rtcp/rtt.h"

void rtc_reception_init(struct rtc_reception *r, uint32_t ssrc, uint32_t clock_rate)
{
	memset(r, 0, sizeof(*r));
	r->ssrc = ssrc;
	r->clock_rate = clock_rate;
	/* SRTP has authenticated every packet: no probation. */
	rtc_rtp_seq_init(&r->seq, 1);
}

/* now in RTP units, modulo 2^32 like the timestamps it is compared to. */
static uint32_t arrival_units(const struct rtc_reception *r, uint64_t now)
{
	return (uint32_t)(now / 1000000000ull * r->clock_rate +
			  now % 1000000000ull * r->clock_rate / 1000000000ull);
}

enum rtc_rtp_seq_result rtc_reception_packet(struct rtc_reception *r, uint64_t now,
					     uint16_t seq, uint32_t timestamp,
					     bool retransmission, size_t header_len,
					     size_t payload_len, uint64_t *ext)
{
	enum rtc_rtp_seq_result res = rtc_rtp_seq_update(&r->seq, seq, ext);

	if (res == RTC_RTP_SEQ_RESTART) {
		r->expected_prior = 0;
		r->received_prior = 0;
		r->have_transit = false;
	}
	if (res != RTC_RTP_SEQ_NEW && res != RTC_RTP_SEQ_LATE && res != RTC_RTP_SEQ_RESTART)
		return res;
	r->packets_received++;
	r->bytes_received += payload_len;
	r->header_bytes_received += header_len;
	if (!retransmission && res != RTC_RTP_SEQ_LATE) {
		/* RFC 3550 A.8: D(i-1,i) from the relative transit times. */
		int64_t transit = (int32_t)(arrival_units(r, now) - timestamp);

		if (r->have_transit) {
			int64_t d = transit - r->last_transit;

			if (d < 0)
				d = -d;
			/* J += (|D| - J) / 16, in units of 1/16. */
			r->jitter_q4 += (uint32_t)(d - (int64_t)((r->jitter_q4 + 8) >> 4));
		}
		r->last_transit = transit;
		r->have_transit = true;
	}
	return res;
}

void rtc_reception_sender_report(struct rtc_reception *r, uint64_t now,
				 const struct rtc_rtcp_sr *sr)
{
	r->have_sr = true;
	r->last_sr = rtc_rtcp_ntp_short(sr->ntp);
	r->last_sr_at = now;
	r->last_sr_ntp = sr->ntp;
	r->last_sr_rtp = sr->rtp_ts;
	r->sr_packets_sent = sr->packet_count;
	r->sr_bytes_sent = sr->octet_count;
	r->reports_received++;
}

int64_t rtc_reception_lost(const struct rtc_reception *r)
{
	if (!r->seq.started)
		return 0;
	return (int64_t)rtc_rtp_seq_expected(&r->seq) - (int64_t)r->seq.received;
}

double rtc_reception_jitter_seconds(const struct rtc_reception *r)
{
	return (double)(r->jitter_q4 >> 4) / r->clock_rate;
}

bool rtc_reception_report(struct rtc_reception *r, uint64_t now,
			  struct rtc_rtcp_report_block *out)
{
	uint64_t expected, expected_interval, received_interval;
	int64_t lost = rtc_reception_lost(r), lost_interval, fraction = 0;

	if (!r->seq.started)
		return false;
	expected = rtc_rtp_seq_expected(&r->seq);
	expected_interval = expected - r->expected_prior;
	received_interval = r->seq.received - r->received_prior;
	r->expected_prior = expected;
	r->received_prior = r->seq.received;
	lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
	/* The 24-bit signed field saturates (RFC 3550 6.4.1). */
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	if (expected_interval && lost_interval > 0)
		fraction = (lost_interval << 8) / (int64_t)expected_interval;
	*out = (struct rtc_rtcp_report_block){
		.ssrc = r->ssrc,
		/* All lost is 256/256: the 8-bit field says 255. */
		.fraction_lost = (uint8_t)(fraction > 255 ? 255 : fraction),
		.cumulative_lost = (int32_t)lost,
		.highest_seq = rtc_rtp_seq_report_highest(&r->seq),
		.jitter = r->jitter_q4 >> 4,
	};
	if (r->have_sr) {
		out->lsr = r->last_sr;
		out->dlsr = rtc_rtcp_short_from_ns(now - r->last_sr_at);
	}
	return true;
}
