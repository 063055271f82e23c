/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The video receiver's frame assembler and jitter buffer.
 *
 * In: the depacketizer's output for each RTP packet of one video SSRC (the
 * codec bytes, not the RTP packet), with its extended sequence number, RTP
 * timestamp, marker, whether it starts a frame and whether that frame is a
 * key frame. Out: whole frames, their packets' bytes concatenated, in
 * decode order.
 *
 * A frame is complete when every sequence number from its first packet
 * (frame_start) to its last (marker) is there, all with its timestamp. It
 * is released when it is complete and decodable: a key frame, or the frame
 * right after the last one released (with no codec reference information,
 * a delta frame is taken to depend on the one before it). A complete key
 * frame further on is jumped to, dropping what lies before it, once the
 * frame before it has waited in vain (at once while a key frame is
 * awaited): until then a retransmission may still complete that frame.
 *
 * What cannot complete in time is given up: the packets held wait at most
 * max((rounds + 0.5) RTT + 3 jitter + the time between frames, min_wait),
 * at most max_wait, which leaves room for `rounds` NACKs and their
 * retransmissions (by default 2: a retransmission is lost as often as
 * the original) even when the lost packet was a frame's last (missed
 * only when the next frame begins). Then what cannot be decoded without
 * the lost packets is dropped and, unless a key frame is already on its
 * way, a key frame is asked for (rtc_video_jitter_need_key_frame, which the
 * owner turns into a PLI or FIR; at most once per max(RTT, 300 ms), and
 * again at that pace until a key frame begins to arrive). A
 * window of sequence numbers and a byte budget bound the memory: a packet
 * beyond either does the same at once.
 *
 *     rtc_video_jitter_handle_packet(vj, now, &pkt);
 *     while (rtc_video_jitter_poll_frame(vj, now, &frame)) decode(frame);
 *     if (rtc_video_jitter_need_key_frame(vj, now)) send PLI;
 *     timer at rtc_video_jitter_deadline(vj) -> rtc_video_jitter_handle_timeout
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct rtc_video_jitter_config {
	size_t max_packets;       /* sequence numbers the window spans (2048) */
	size_t max_bytes;         /* payload bytes held (8 MiB) */
	uint64_t min_wait;        /* ns a frame may wait for its packets, at least (50 ms) */
	uint64_t max_wait;        /* ... and at most (1 s) */
	unsigned nack_rounds;     /* RTTs to wait for retransmissions (2) */
	uint64_t default_rtt;     /* ns, while no RTT is known (100 ms) */
	uint64_t key_request_interval;   /* ns between key frame requests, at least (300 ms) */
	uint32_t clock_rate;      /* RTP clock for the jitter estimate (90000) */
};

void rtc_video_jitter_config_default(struct rtc_video_jitter_config *cfg);

struct rtc_video_packet {
	uint64_t seq;             /* extended sequence number */
	uint32_t timestamp;
	bool marker;              /* the frame's last packet */
	bool frame_start;         /* the frame's first packet */
	bool key_frame;           /* of a key frame (the depacketizer says, on any packet) */
	bool retransmitted;       /* came by RTX or plain retransmission */
	const uint8_t *payload;   /* the depacketized bytes, copied in */
	size_t len;
};

enum rtc_video_jitter_insert {
	RTC_VIDEO_JITTER_INSERTED,
	RTC_VIDEO_JITTER_DUPLICATE,   /* that sequence number is held already */
	RTC_VIDEO_JITTER_LATE,        /* behind what was released or given up */
	RTC_VIDEO_JITTER_TOO_BIG,     /* larger than the byte budget, or out of memory */
};

struct rtc_video_frame {
	uint64_t first_seq, last_seq;
	uint32_t timestamp;
	bool key_frame;
	bool retransmitted;       /* completed with a retransmitted packet */
	unsigned packets;
	unsigned frames_dropped_before;   /* dropped since the last frame released */
	uint64_t first_arrival;   /* its first packet's arrival */
	uint64_t complete_time;   /* its last packet's arrival */
	uint64_t release_time;    /* when poll_frame released it */
	const uint8_t *data;      /* valid until the next call on the buffer */
	size_t len;
};

struct rtc_video_jitter_stats {
	uint64_t packets_received;
	uint64_t packets_duplicate;
	uint64_t packets_late;
	uint64_t packets_too_big;
	uint64_t packets_discarded;   /* held, then thrown away */
	uint64_t frames_released;     /* W3C framesReceived/framesAssembled-ish */
	uint64_t key_frames_released;
	uint64_t frames_dropped;      /* W3C framesDropped: frames given up (by timestamp) */
	uint64_t frames_retransmitted;    /* released frames a retransmission completed */
	uint64_t key_frame_requests;  /* requests handed to the owner (pliCount/firCount) */
	uint64_t timeouts;            /* gave up waiting for a frame */
	uint64_t overflows;           /* the window or byte budget was full */
	uint64_t jitter;              /* ns, RFC 3550's estimate over original packets */
	/* W3C totalAssemblyTime and framesAssembledFromMultiplePackets:
	 * first to last packet's arrival (ns, summed), over released frames
	 * of more than one packet. */
	uint64_t frames_assembly_time;
	uint64_t frames_multi_packet;
	/* W3C jitterBufferDelay: from a frame's first packet's arrival to its
	 * release by poll_frame (ns, summed over released frames; their count
	 * is jitterBufferEmittedCount). The buffer aims for no delay beyond
	 * completeness and decode order: its target and minimum are 0. */
	uint64_t jitter_buffer_delay;
};

struct rtc_video_jitter;

/* cfg NULL: the defaults. NULL with an error when out of memory or a
 * limit is 0. */
struct rtc_video_jitter *rtc_video_jitter_new(const struct rtc_video_jitter_config *cfg,
					      struct rtc_error *err);
void rtc_video_jitter_free(struct rtc_video_jitter *vj);

/* The round-trip time (ns) as RTCP measures it: how long a lost packet's
 * retransmission takes. 0 for unknown. */
void rtc_video_jitter_set_rtt(struct rtc_video_jitter *vj, uint64_t rtt);

enum rtc_video_jitter_insert rtc_video_jitter_handle_packet(struct rtc_video_jitter *vj,
							    uint64_t now,
							    const struct rtc_video_packet *p);

/* A packet of this stream that belongs to no frame: padding only (sent to
 * probe bandwidth) or empty once depacketized. It fills its place in the
 * sequence so the frames around it are not taken for incomplete. */
enum rtc_video_jitter_insert rtc_video_jitter_handle_padding(struct rtc_video_jitter *vj,
							     uint64_t now, uint64_t seq);

/* The next frame to decode, if one can be released; drain until false. */
bool rtc_video_jitter_poll_frame(struct rtc_video_jitter *vj, uint64_t now,
				 struct rtc_video_frame *frame);

/* Gives up on what has waited too long. */
void rtc_video_jitter_handle_timeout(struct rtc_video_jitter *vj, uint64_t now);

/* True when a key frame should be asked for now (counted as sent). */
bool rtc_video_jitter_need_key_frame(struct rtc_video_jitter *vj, uint64_t now);

/* When handle_timeout or need_key_frame will have something to do, after
 * poll_frame was drained; RTC_NEVER if nothing waits. */
uint64_t rtc_video_jitter_deadline(const struct rtc_video_jitter *vj);

const struct rtc_video_jitter_stats *rtc_video_jitter_stats(const struct rtc_video_jitter *vj);

/* Packets and payload bytes held now. */
size_t rtc_video_jitter_held_packets(const struct rtc_video_jitter *vj);
size_t rtc_video_jitter_held_bytes(const struct rtc_video_jitter *vj);
