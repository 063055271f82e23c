/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the congestion-control modules hand each other: the fate of one
 * sent packet as transport-wide feedback told it (twcc-sender -> gcc), and
 * a probe cluster (gcc -> pacer). Each module has its own header; this one
 * only holds the types they share.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* A packet that belongs to no probe cluster. */
#define RTC_CC_NO_CLUSTER (-1)

/* One sent packet, matched to what the feedback said of it. Send times are
 * ours (ns); arrival times are the receiver's clock (ns, from an arbitrary
 * origin): only their differences mean anything. */
struct rtc_cc_packet_result {
	uint64_t seq;              /* extended transport-wide sequence number */
	uint64_t send_time;
	int64_t arrival;           /* valid when received */
	uint32_t size;             /* bytes on the wire, as the caller counted them */
	int32_t probe_cluster;     /* RTC_CC_NO_CLUSTER, or the cluster it probed for */
	bool received;
	bool retransmission;
};

/* A probe: send `bytes` (at least `min_packets` packets) at `bitrate`,
 * media or padding, all tagged with `id`. */
struct rtc_cc_probe {
	int32_t id;
	uint64_t bitrate;          /* bits per second */
	uint32_t bytes;
	uint32_t min_packets;
};
