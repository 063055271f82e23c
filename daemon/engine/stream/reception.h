/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a receiver counts about one source (RFC 3550 section 6.4 and
 * appendix A): packets expected and lost, the interarrival jitter, and the
 * last sender report — everything a reception report block carries, and
 * W3C inbound-rtp's packetsReceived, packetsLost and jitter.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/rtcp/rtcp.h"
#include "engine/rtp/rtp-seq.h"

struct rtc_reception {
	uint32_t ssrc;
	uint32_t clock_rate;
	struct rtc_rtp_seq seq;
	uint64_t packets_received;      /* all accepted, duplicates included */
	uint64_t bytes_received;        /* payload bytes */
	uint64_t header_bytes_received;
	/* RFC 3550 A.8: jitter in RTP units, scaled by 16 as the appendix does. */
	bool have_transit;
	int64_t last_transit;
	uint32_t jitter_q4;
	/* RFC 3550 A.3: the interval since the last report block. */
	uint64_t expected_prior, received_prior;
	/* The last SR: its middle NTP bits and when it arrived. */
	bool have_sr;
	uint32_t last_sr;
	uint64_t last_sr_at;
	uint64_t last_sr_ntp;           /* its whole NTP time and RTP time */
	uint32_t last_sr_rtp;
	uint64_t sr_packets_sent;       /* what the peer says it sent (W3C remote-outbound-rtp) */
	uint64_t sr_bytes_sent;
	uint64_t reports_received;
};

void rtc_reception_init(struct rtc_reception *r, uint32_t ssrc, uint32_t clock_rate);

/* A packet of the source arrived at now. A retransmission counts toward
 * loss but not jitter (its timing says nothing of the network's). Returns
 * the RFC 3550 A.1 verdict; only NEW, LATE and RESTART are to be used, with
 * *ext the extended sequence number. */
enum rtc_rtp_seq_result rtc_reception_packet(struct rtc_reception *r, uint64_t now,
					     uint16_t seq, uint32_t timestamp,
					     bool retransmission, size_t header_len,
					     size_t payload_len, uint64_t *ext);

/* The source's SR arrived at now. */
void rtc_reception_sender_report(struct rtc_reception *r, uint64_t now,
				 const struct rtc_rtcp_sr *sr);

/* A report block for now; starts the next interval. False before the
 * first packet. */
bool rtc_reception_report(struct rtc_reception *r, uint64_t now,
			  struct rtc_rtcp_report_block *out);

/* W3C inbound-rtp: cumulative loss (negative with duplicates) and the
 * jitter in seconds. */
int64_t rtc_reception_lost(const struct rtc_reception *r);
double rtc_reception_jitter_seconds(const struct rtc_reception *r);
