/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A leaky-bucket pacer. The caller enqueues packets (an opaque handle, a
 * size and a priority) and polls them back out no faster than the pacing
 * rate (gcc.h's, typically 2.5 times the target), at most RTC_PACER_BURST
 * of budget at a time, highest priority first: audio, then
 * retransmissions, then video, then padding. Audio is not paced unless the
 * config says so (its bytes still count).
 *
 * When the queue would take longer than max_queue_time to drain at the
 * pacing rate, the pacer drains it faster: at the rate that empties it
 * before its packets have waited that long on average. Retransmissions
 * are refused beyond a share of the pacing rate (the target rate, as
 * libwebrtc's retransmission rate limiter): on a congested link they
 * would otherwise feed the loss they answer. A probe cluster (from gcc) is sent at its own bitrate, with
 * queued media first and then padding the pacer asks the caller for
 * (RTC_PACER_PADDING items), all tagged with the cluster id, until its
 * bytes and packets are out. Its packets keep their spacing: one polled
 * late moves the rest of the cluster's schedule on, and one polled more
 * than RTC_CC_PROBE_MAX_DELAY late starts the cluster over, as its next
 * attempt (cc.h: RTC_CC_PROBE_ATTEMPT).
 *
 * Sans-I/O: poll at or after deadline(); nothing happens in between.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/cc/cc.h"

#define RTC_PACER_BURST 5000000ull            /* ns of budget that may go at once */
#define RTC_PACER_MAX_QUEUE_TIME 2000000000ull
#define RTC_PACER_MAX_PACKETS 16384u
#define RTC_PACER_MAX_SIZE 65536u            /* bytes of one packet */
#define RTC_PACER_MAX_PADDING 1200u          /* bytes of one padding packet */
#define RTC_PACER_PROBE_TIMEOUT 1000000000ull /* a cluster not out by then is dropped */
/* Retransmissions may take this share of the pacing rate, over a second:
 * with gcc's pacing factor of 2.5, the target rate. */
#define RTC_PACER_RETRANSMISSION_SHARE 0.4

enum rtc_pacer_priority {
	RTC_PACER_AUDIO,
	RTC_PACER_RETRANSMISSION,
	RTC_PACER_VIDEO,
	RTC_PACER_PADDING_PRIORITY,   /* padding the caller queued itself */
	RTC_PACER_PRIORITIES,
};

enum rtc_pacer_item_kind {
	RTC_PACER_PACKET,    /* send the queued packet `handle` */
	RTC_PACER_PADDING,   /* make up and send `size` bytes of padding */
};

struct rtc_pacer_item {
	enum rtc_pacer_item_kind kind;
	uint64_t handle;
	uint32_t size;
	enum rtc_pacer_priority priority;
	int32_t probe_cluster;   /* RTC_CC_NO_CLUSTER, or pass it to twcc-sender
				  * (the cluster's id and attempt) */
};

struct rtc_pacer_config {
	uint64_t pacing_bps;        /* the start rate; 0: 1 Mbit/s */
	uint64_t burst;             /* 0: RTC_PACER_BURST */
	uint64_t max_queue_time;    /* 0: RTC_PACER_MAX_QUEUE_TIME */
	bool pace_audio;
	double retransmission_share; /* 0: RTC_PACER_RETRANSMISSION_SHARE */
};

struct rtc_pacer;

/* config may be NULL for the defaults. NULL when out of memory. */
struct rtc_pacer *rtc_pacer_new(const struct rtc_pacer_config *config);
void rtc_pacer_free(struct rtc_pacer *p);

void rtc_pacer_set_rate(struct rtc_pacer *p, uint64_t now, uint64_t pacing_bps);

/* The padding item last polled left as `sent` bytes: its probe cluster
 * counts those, not the size asked (0, none could be sent: counted as
 * asked, so that a cluster nothing can pad still ends). A padding-only
 * RTP packet carries at most 255 bytes of padding: counted as asked (1200),
 * the 283-byte packets of a 1.8 Mbit/s cluster ended it with 40 % of its
 * bytes, too few to measure, every time. */
void rtc_pacer_padding_sent(struct rtc_pacer *p, uint32_t asked, uint32_t sent);

/* Queues a packet. -1 with an OperationError when the queue is full,
 * memory is out or a retransmission would exceed the retransmission rate
 * (the caller drops the packet), a TypeError for a bad priority, size 0
 * or above RTC_PACER_MAX_SIZE. */
int rtc_pacer_enqueue(struct rtc_pacer *p, uint64_t now, uint64_t handle, uint32_t size,
		      enum rtc_pacer_priority priority, struct rtc_error *err);

/* Starts a probe cluster after those already asked for (at most 4 wait;
 * more are dropped, false). */
bool rtc_pacer_probe(struct rtc_pacer *p, uint64_t now, const struct rtc_cc_probe *probe);

/* What to send now, if anything: poll until false. The caller sends a
 * PACKET item's packet, or makes up padding of the item's size (RTX or
 * padding-only packets), numbers it with rtc_twcc_sender_on_send with
 * the item's probe_cluster, and tells rtc_gcc_on_packet_sent. */
bool rtc_pacer_poll(struct rtc_pacer *p, uint64_t now, struct rtc_pacer_item *item);
/* When the next item may go (a time already past: now), RTC_NEVER when
 * nothing waits. */
uint64_t rtc_pacer_deadline(const struct rtc_pacer *p);

size_t rtc_pacer_queued_packets(const struct rtc_pacer *p);
uint64_t rtc_pacer_queued_bytes(const struct rtc_pacer *p);
/* The age of the oldest queued packet (0 when empty). */
uint64_t rtc_pacer_oldest(const struct rtc_pacer *p, uint64_t now);
