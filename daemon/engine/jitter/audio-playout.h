/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The adaptive audio playout buffer of one audio SSRC (what NetEq is to
 * libwebrtc, at frame granularity).
 *
 * In: each audio packet (extended sequence number, RTP timestamp, the
 * codec payload, its duration if the caller knows it) at its arrival.
 * Out, at playout time: the frame due now, or a gap to conceal (a lost or
 * late packet, or nothing sent: the caller runs Opus PLC, or FEC from the
 * next packet, which is handed along when it is there).
 *
 * Timing. Each packet's transit (arrival minus its RTP time) is recorded
 * over a window; the target delay is the spread between the fastest
 * transit and the 95th percentile, bounded to min_delay..max_delay. It
 * grows at once when the spread grows and shrinks slowly (shrink_rate)
 * when it narrows. A packet is due at its RTP time + the fastest transit +
 * the buffer's delay; the buffer moves its delay toward the target a frame
 * at a time: an inserted concealment frame to deepen it, a skipped frame
 * to make it shallower. A packet that arrives after its playout time is
 * discarded and counted late. After a second of nothing the buffer goes
 * idle (no deadline) until the next packet, which starts it over.
 *
 *     rtc_audio_playout_handle_packet(ap, now, &pkt);
 *     while (rtc_audio_playout_poll(ap, now, &frame))
 *             frame.lost ? conceal(frame.samples, frame.fec_payload) : decode(frame.payload);
 *     timer at rtc_audio_playout_deadline(ap);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define RTC_AUDIO_PLAYOUT_MAX_PAYLOAD 1500u

struct rtc_audio_playout_config {
	uint32_t clock_rate;          /* 48000 */
	unsigned frame_samples;       /* a frame's duration until packets tell (960: 20 ms) */
	uint64_t min_delay;           /* ns: 20 ms */
	uint64_t max_delay;           /* ns: 500 ms */
	uint64_t initial_delay;       /* ns: 60 ms */
	uint64_t shrink_rate;         /* ns of target delay given up per second: 20 ms */
	unsigned window;              /* packets the delay estimate looks back over: 100 (2 s) */
	unsigned capacity;            /* packets held at most: 256 */
	uint64_t idle_after;          /* ns without packets before going idle: 1 s */
};

void rtc_audio_playout_config_default(struct rtc_audio_playout_config *cfg);

struct rtc_audio_packet {
	uint64_t seq;                 /* extended sequence number */
	uint32_t timestamp;
	unsigned samples;             /* its duration in RTP ticks; 0: from timestamps */
	bool retransmitted;           /* late by design: not in the delay estimate */
	const uint8_t *payload;       /* copied in */
	size_t len;
};

enum rtc_audio_playout_insert {
	RTC_AUDIO_PLAYOUT_INSERTED,
	RTC_AUDIO_PLAYOUT_DUPLICATE,
	RTC_AUDIO_PLAYOUT_LATE,       /* its playout time has passed */
	RTC_AUDIO_PLAYOUT_TOO_BIG,
};

struct rtc_audio_frame {
	uint32_t timestamp;           /* RTP time of the frame (or of the gap) */
	unsigned samples;             /* its duration in RTP ticks */
	bool lost;                    /* conceal: no payload */
	bool expand;                  /* lost only to deepen the buffer (nothing is missing) */
	uint64_t seq;                 /* !lost: the packet's */
	const uint8_t *payload;       /* !lost; valid until the next call */
	size_t len;
	const uint8_t *fec_payload;   /* lost: the next packet, if held (Opus in-band FEC) */
	size_t fec_len;
};

struct rtc_audio_playout_stats {
	uint64_t packets_received;
	uint64_t packets_duplicate;
	uint64_t packets_late;        /* arrived after their playout time */
	uint64_t packets_discarded;   /* W3C packetsDiscarded: late, too big, flushed */
	uint64_t samples_received;    /* totalSamplesReceived: played from packets */
	uint64_t concealed_samples;   /* concealedSamples: lost or late */
	uint64_t concealment_events;  /* runs of concealment */
	uint64_t inserted_samples_for_deceleration;
	uint64_t removed_samples_for_acceleration;
	double jitter_buffer_delay;   /* s, arrival to playout, summed over emitted samples */
	double jitter_buffer_target_delay;   /* s, the target, summed likewise */
	uint64_t emitted_count;       /* jitterBufferEmittedCount: samples played from packets */
	uint64_t target_delay;        /* ns, now */
	uint64_t jitter;              /* ns, RFC 3550's estimate over original packets */
	uint64_t resyncs;             /* started over: a jump in time, overflow, idle */
};

struct rtc_audio_playout;

/* cfg NULL: the defaults. */
struct rtc_audio_playout *rtc_audio_playout_new(const struct rtc_audio_playout_config *cfg,
						struct rtc_error *err);
void rtc_audio_playout_free(struct rtc_audio_playout *ap);

enum rtc_audio_playout_insert rtc_audio_playout_handle_packet(struct rtc_audio_playout *ap,
							      uint64_t now,
							      const struct rtc_audio_packet *p);

/* The frame (or gap) due at or before now; one per call, drain until
 * false. */
bool rtc_audio_playout_poll(struct rtc_audio_playout *ap, uint64_t now,
			    struct rtc_audio_frame *frame);

/* When the next frame is due; RTC_NEVER while idle. */
uint64_t rtc_audio_playout_deadline(const struct rtc_audio_playout *ap);

const struct rtc_audio_playout_stats *rtc_audio_playout_stats(const struct rtc_audio_playout *ap);

/* Packets held now. */
size_t rtc_audio_playout_held(const struct rtc_audio_playout *ap);
