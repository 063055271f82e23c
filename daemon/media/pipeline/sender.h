/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A sending transceiver's media half (W3C RTCRtpSender below the RTP
 * layer): raw frames of the track in, encoded frames for rtc_pc_send_frame
 * out. It runs on the reactor thread; the encoding itself runs on the
 * shared codec worker pool, whose results the owner drains and routes back
 * (result-sink.h), after which the `encoded` callback fires.
 *
 *     s = rtc_media_sender_new(&(struct rtc_media_sender_config){ .codec = RTC_CODEC_VP8 },
 *                              pool, &callbacks, owner, &err);
 *     each captured frame: rtc_media_sender_push_video(s, frame, &err);   (lent)
 *     pool fd readable: while (rtc_worker_pool_poll(pool, &r)) rtc_media_result_dispatch(&r);
 *             -> encoded(owner, data, len, capture_ns, key_frame, audio_level)
 *                -> rtc_pc_send_frame(pc, now, transceiver, capture_ns, data, len, level, &err)
 *     RTC_PC_EVENT_TARGET_BITRATE    -> rtc_media_sender_set_target_bitrate (this sender's share)
 *     RTC_PC_EVENT_KEY_FRAME_REQUEST -> rtc_media_sender_request_key_frame
 *     outbound-rtp's remote fraction lost -> rtc_media_sender_set_packet_loss (Opus FEC)
 *     SetParameters                  -> rtc_media_sender_set_parameters
 *     the track's Enabled            -> rtc_media_sender_set_enabled
 *
 * Video: the first frame encoded is a key frame; scale-resolution-down-by
 * scales each frame (sizes kept even; a new size restarts the encoder with
 * a key frame); max-framerate drops frames by their capture time to stay
 * under it; a frame that comes while the encoder is still busy with an
 * older one and another waits replaces the waiting one (worker-pool.h), so
 * a slow encoder costs frames, not latency. A disabled track sends black
 * frames (W3C: Y 16, U V 128) at one frame per second.
 *
 * Audio: any capture quantum of 48 kHz S16 is cut into 20 ms frames (the
 * audio framer); each frame's RFC 6464 level is measured before encoding.
 * Frames queue here while the encoder is busy (up to 200 ms, then the
 * oldest goes): audio cannot skip frames the way video can. A disabled
 * track sends silence (Opus DTX makes that next to nothing).
 *
 * An inactive encoding (active = false) encodes nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/stream/codec.h"
#include "media/codec/worker-pool.h"
#include "media/raw/raw-frame.h"

/* W3C RTCRtpEncodingParameters (one encoding: no simulcast). */
struct rtc_media_sender_parameters {
	bool active;                    /* false: nothing is encoded */
	uint32_t max_bitrate;           /* bits per second; 0: no cap */
	double max_framerate;           /* frames per second; 0: no cap */
	double scale_resolution_down_by;   /* >= 1 (0 is taken as 1) */
};

/* Active, no caps, no scaling. */
void rtc_media_sender_parameters_default(struct rtc_media_sender_parameters *p);

struct rtc_media_sender_config {
	enum rtc_codec codec;           /* OPUS: an audio sender; VP8, H264: video */
	/* bits per second until a target comes; 0: 32 kbit/s audio, 1 Mbit/s video */
	uint32_t bitrate;
	uint32_t channels;              /* audio: 1 or 2 (0: 1) */
	/* Video: the size and rate the track is expected to have (0: 640x480,
	 * 30 fps). The encoder is made for that size here; a frame of another
	 * size re-makes it on the worker, with a key frame. */
	uint32_t width, height;
	uint32_t framerate;
};

/* Called from rtc_media_result_dispatch, on the reactor thread; a
 * callback must not free the sender (free it once dispatch returned). */
struct rtc_media_sender_callbacks {
	/* An encoded frame, lent for the call. audio_level: 0..127 (-dBov,
	 * RFC 6464) for audio, -1 for video. */
	void (*encoded)(void *user, const uint8_t *data, size_t len, uint64_t capture_ns,
			bool key_frame, int audio_level);
};

/* W3C media-source and outbound-rtp, as far as the encoder side knows them. */
struct rtc_media_sender_stats {
	/* media-source: what the track gave, sent or not */
	uint64_t source_frames;         /* video frames pushed */
	uint32_t source_width, source_height;
	double source_frames_per_second;
	double source_audio_level;      /* audio: 0..1, the latest 20 ms */
	double total_audio_energy;      /* audio: sum of level^2 * seconds */
	double total_samples_duration;  /* audio: seconds pushed */
	/* outbound-rtp */
	uint64_t frames_encoded;        /* video frames or audio packets made */
	uint64_t key_frames_encoded;
	double total_encode_time;       /* seconds, measured on the reactor (see sender.c) */
	uint32_t frame_width, frame_height;   /* of the last frame encoded */
	double frames_per_second;       /* encoded in the last second of capture time */
	uint64_t bytes_encoded;
	uint64_t total_samples_sent;    /* audio: samples in packets made */
	uint32_t target_bitrate;        /* what the encoder is told now */
	/* frames that never became packets */
	uint64_t frames_dropped_busy;   /* the encoder was behind (video), or the audio queue full */
	uint64_t frames_dropped_framerate;  /* over max-framerate */
	uint64_t frames_skipped;        /* the encoder made nothing: rate control, DTX */
	uint64_t encode_errors;
};

struct rtc_media_sender;

/* NULL with a TypeError (not a codec, bad channels), a RangeError
 * (bitrate), or an OperationError (the encoder or its stream). The pool
 * is borrowed and must outlive the sender. */
struct rtc_media_sender *rtc_media_sender_new(const struct rtc_media_sender_config *config,
					      struct rtc_worker_pool *pool,
					      const struct rtc_media_sender_callbacks *callbacks,
					      void *user, struct rtc_error *err);
/* Closes its worker stream: results not yet handed out are dropped. */
void rtc_media_sender_free(struct rtc_media_sender *s);

enum rtc_codec rtc_media_sender_codec(const struct rtc_media_sender *s);

/* A raw I420 frame of the track, lent (copied or scaled here). 0, or -1
 * with a TypeError (an audio sender) or an OperationError. */
int rtc_media_sender_push_video(struct rtc_media_sender *s, const struct rtc_video_frame *frame,
				struct rtc_error *err);
/* The same for a frame the sender takes (freed here in every case): a
 * capture stream that made the frame anyway (a conversion to I420, the
 * fake camera) saves the copy. */
int rtc_media_sender_give_video(struct rtc_media_sender *s, struct rtc_video_frame *frame,
				struct rtc_error *err);
/* A chunk of 48 kHz S16 audio of any length, lent. 0, or -1 with a
 * TypeError (a video sender, another rate) or an OperationError. */
int rtc_media_sender_push_audio(struct rtc_media_sender *s, const struct rtc_audio_frame *chunk,
				struct rtc_error *err);

/* The congestion controller's target for this sender, in bits per second
 * (clamped to what the encoder takes, capped by max-bitrate). */
void rtc_media_sender_set_target_bitrate(struct rtc_media_sender *s, uint32_t bitrate);

/* The loss the peer reports (RTCP fraction lost, in percent): Opus spends
 * that much on in-band FEC. Ignored by video encoders. */
void rtc_media_sender_set_packet_loss(struct rtc_media_sender *s, unsigned percent);

/* PLI / FIR: the next frame encoded is a key frame. */
void rtc_media_sender_request_key_frame(struct rtc_media_sender *s);

/* -1 with a RangeError (scale-resolution-down-by below 1, a negative
 * max-framerate), nothing changed. */
int rtc_media_sender_set_parameters(struct rtc_media_sender *s,
				    const struct rtc_media_sender_parameters *p,
				    struct rtc_error *err);
void rtc_media_sender_get_parameters(const struct rtc_media_sender *s,
				     struct rtc_media_sender_parameters *p);

/* MediaStreamTrack.enabled: false sends black frames / silence. */
void rtc_media_sender_set_enabled(struct rtc_media_sender *s, bool enabled);

/* Jobs handed to the pool (or queued here) whose result has not come
 * back: 0 when the sender is idle. */
unsigned rtc_media_sender_pending(struct rtc_media_sender *s);

void rtc_media_sender_stats(struct rtc_media_sender *s, struct rtc_media_sender_stats *out);
