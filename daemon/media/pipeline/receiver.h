/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A receiving transceiver's media half (W3C RTCRtpReceiver above the RTP
 * layer): encoded frames from the engine (RTC_PC_EVENT_MEDIA_FRAME) in,
 * decoded I420 video or 48 kHz S16 audio out, for the remote track's
 * PipeWire node. It runs on the reactor thread; decoding runs on the
 * shared codec worker pool, whose results the owner drains and routes back
 * (result-sink.h).
 *
 *     r = rtc_media_receiver_new(&(struct rtc_media_receiver_config){ .codec = RTC_CODEC_VP8 },
 *                                pool, &callbacks, owner, &err);
 *     RTC_PC_EVENT_MEDIA_FRAME: rtc_media_receiver_push(r, now, &ev.media.frame, &err);
 *     pool fd readable: while (rtc_worker_pool_poll(pool, &res)) rtc_media_result_dispatch(&res);
 *             -> video(owner, frame, &info) / audio(owner, frame, &info)
 *             -> key_frame_needed(owner) -> rtc_pc_request_key_frame(pc, now, transceiver)
 *
 * Audio gaps (a frame with data NULL) are concealed by the decoder: from
 * the next packet's in-band FEC when the engine hands it along, else by
 * PLC, for the gap's length. A video decoder that lost its references
 * refuses frames until a key frame; the receiver then asks for one
 * (key_frame_needed), at most every RTC_MEDIA_RECEIVER_KEY_FRAME_INTERVAL
 * of the `now` it is given, and counts the refused frames as dropped. A
 * frame of another codec (a renegotiation) starts a new decoder.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/stream/codec.h"
#include "engine/stream/recv-stream.h"
#include "media/codec/worker-pool.h"
#include "media/raw/raw-frame.h"

#define RTC_MEDIA_RECEIVER_KEY_FRAME_INTERVAL 200000000ull  /* ns */

struct rtc_media_receiver_config {
	enum rtc_codec codec;           /* the first frames' (OPUS: an audio receiver) */
	uint32_t channels;              /* audio output: 1 or 2 (0: 1) */
};

/* What is known of a decoded frame besides its pixels or samples. */
struct rtc_media_frame_info {
	uint32_t rtp_timestamp;
	bool has_capture_ntp;           /* the sender's capture time (its NTP clock) */
	uint64_t capture_ntp;
	uint64_t received_ns;           /* `now` of the push */
	bool key_frame;                 /* video */
	bool concealed;                 /* audio: made up for a gap (PLC or FEC) */
	bool fec;                       /* audio: a gap given the next packet for FEC */
};

/* Called from rtc_media_result_dispatch, on the reactor thread; a
 * callback must not free the receiver (free it once dispatch returned). */
struct rtc_media_receiver_callbacks {
	/* The frame is the callee's (rtc_video_frame_free / rtc_audio_frame_free). */
	void (*video)(void *user, struct rtc_video_frame *frame,
		      const struct rtc_media_frame_info *info);
	void (*audio)(void *user, struct rtc_audio_frame *frame,
		      const struct rtc_media_frame_info *info);
	/* Ask the peer for a key frame (PLI / FIR). */
	void (*key_frame_needed)(void *user);
};

/* W3C inbound-rtp, as far as the decoder side knows it. */
struct rtc_media_receiver_stats {
	uint64_t frames_decoded;        /* video frames / audio packets decoded */
	uint64_t key_frames_decoded;
	uint32_t frame_width, frame_height;   /* of the last frame decoded */
	double frames_per_second;       /* decoded in the last second of push times */
	double total_decode_time;       /* seconds, measured on the reactor (as the sender's) */
	uint64_t frames_dropped;        /* refused by the decoder, its queue full, or corrupt */
	uint64_t key_frame_requests;    /* key_frame_needed calls */
	/* video, W3C jitterBufferDelay: from a frame's first packet's arrival
	 * (rtc_recv_frame.first_arrival, CLOCK_MONOTONIC) to the decoder
	 * taking it up (where total_decode_time starts), seconds summed over
	 * the frames it took up (jitterBufferEmittedCount). */
	double jitter_buffer_delay;
	uint64_t jitter_buffer_emitted_count;
	/* video smoothness (freeze-meter.h), between frames decoded */
	uint32_t freeze_count;
	double total_freezes_duration;  /* seconds */
	double total_inter_frame_delay; /* seconds */
	double total_squared_inter_frame_delay;
	/* audio */
	uint64_t total_samples_received;   /* decoded and concealed, as W3C counts */
	uint64_t concealed_samples;
	uint64_t concealment_events;
	uint64_t gaps_with_fec;         /* gaps handed the next packet for FEC */
};

struct rtc_media_receiver;

/* NULL with a TypeError (not a codec, bad channels) or an OperationError.
 * The pool is borrowed and must outlive the receiver. */
struct rtc_media_receiver *rtc_media_receiver_new(const struct rtc_media_receiver_config *config,
						  struct rtc_worker_pool *pool,
						  const struct rtc_media_receiver_callbacks *callbacks,
						  void *user, struct rtc_error *err);
void rtc_media_receiver_free(struct rtc_media_receiver *r);

/* A frame (or audio gap) the engine released at now; its bytes are copied.
 * 0, or -1 with a TypeError (audio to a video receiver or the reverse), a
 * RangeError (the decoder is too far behind: the frame is dropped and a
 * key frame asked for) or an OperationError. */
int rtc_media_receiver_push(struct rtc_media_receiver *r, uint64_t now,
			    const struct rtc_recv_frame *frame, struct rtc_error *err);

/* Jobs on the pool whose result has not come back: 0 when idle. */
unsigned rtc_media_receiver_pending(struct rtc_media_receiver *r);

void rtc_media_receiver_stats(const struct rtc_media_receiver *r,
			      struct rtc_media_receiver_stats *out);
