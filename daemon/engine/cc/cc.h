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

/* A cluster's packet that cannot leave within this of its time (the
 * daemon was busy: a first keyframe's encode, say) would go out in a burst
 * with those after it, all at one send time, and the cluster would measure
 * the stall instead of the path: the pacer sends the cluster anew from
 * that packet on (libwebrtc's max probe delay), as a new attempt.
 * Cluster ids (gcc's) are below RTC_CC_PROBE_ATTEMPT; the packets of a
 * cluster's n-th attempt are tagged id + n * RTC_CC_PROBE_ATTEMPT, and
 * the estimator measures the latest attempt alone. */
#define RTC_CC_PROBE_MAX_DELAY 10000000ull   /* ns */
#define RTC_CC_PROBE_ATTEMPT 0x10000
#define RTC_CC_PROBE_MAX_ATTEMPTS 0x7fff
