/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The codec worker pool: encoders and decoders cost milliseconds per frame,
 * so they run on a few threads of their own while the reactor thread keeps
 * all engine state. The reactor submits jobs and reads results; workers
 * never call back into it. Results wait in a queue signalled by an eventfd
 * that the reactor watches:
 *
 *     pool = rtc_worker_pool_new(0, &err);          (2 threads, capped by cores)
 *     s = rtc_worker_stream_encoder(pool, encoder, track);
 *     rtc_worker_encode_video(s, frame, &err);      (each captured frame)
 *     watch rtc_worker_pool_fd(pool); when readable:
 *             while (rtc_worker_pool_poll(pool, &res)) { packetize; rtc_worker_result_release(&res); }
 *
 * A stream is one encoder or decoder: its jobs run one at a time, in the
 * order submitted, and its results come out in that order. An encoder
 * stream never queues: one job runs, at most one raw frame waits, and a
 * newer frame replaces the waiting one (counted as dropped), so a slow
 * encoder costs frames, not latency. A decoder stream keeps every encoded
 * frame (dropping one would break the references of the next), up to
 * RTC_WORKER_DECODE_QUEUE waiting.
 *
 * Everything here is called from one thread (the reactor). Closing a
 * stream while its job runs is safe: the worker frees it when done, and
 * results of a closed stream are never handed out.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "media/codec/decoder.h"
#include "media/codec/encoder.h"

#define RTC_WORKER_POOL_DEFAULT_THREADS 2u
#define RTC_WORKER_POOL_MAX_THREADS 16u
#define RTC_WORKER_DECODE_QUEUE 32u

struct rtc_worker_pool;
struct rtc_worker_stream;

/* One finished job, owned by the caller until rtc_worker_result_release. */
struct rtc_worker_result {
	void *user;                     /* the stream's, as given at creation */
	uint64_t seq;                   /* the job's number in its stream, from 0 */
	uint64_t tag;                   /* decode jobs: the caller's (e.g. RTP timestamp) */
	int status;                     /* 1: done; -1: failed, err says why */
	struct rtc_error err;
	struct rtc_encoded encoded;     /* encoder streams */
	struct rtc_video_frame *video;  /* video decoder streams */
	struct rtc_audio_frame *audio;  /* audio decoder streams */
	bool needs_key_frame;           /* video decoder streams: ask the sender (PLI) */
};

void rtc_worker_result_release(struct rtc_worker_result *res);

/* threads 0: RTC_WORKER_POOL_DEFAULT_THREADS; at most the cores this
 * process may run on and RTC_WORKER_POOL_MAX_THREADS. NULL with an
 * OperationError when threads or the eventfd cannot be made. */
struct rtc_worker_pool *rtc_worker_pool_new(unsigned threads, struct rtc_error *err);

/* Stops the workers (each finishes the job it runs), then frees every
 * stream still open (with its encoder or decoder), job and result. */
void rtc_worker_pool_free(struct rtc_worker_pool *pool);

unsigned rtc_worker_pool_threads(const struct rtc_worker_pool *pool);

/* Readable (an eventfd, non-blocking) while results wait. */
int rtc_worker_pool_fd(const struct rtc_worker_pool *pool);

/* Takes the oldest waiting result into *res: true; false when none is
 * left (the fd is then cleared until the next result). */
bool rtc_worker_pool_poll(struct rtc_worker_pool *pool, struct rtc_worker_result *res);

/* A stream for an encoder or decoder, which the pool then owns (freed at
 * close). NULL with an OperationError for no memory (the codec is then
 * still the caller's). */
struct rtc_worker_stream *rtc_worker_stream_encoder(struct rtc_worker_pool *pool,
						    struct rtc_encoder *encoder, void *user,
						    struct rtc_error *err);
struct rtc_worker_stream *rtc_worker_stream_decoder(struct rtc_worker_pool *pool,
						    struct rtc_decoder *decoder, void *user,
						    struct rtc_error *err);

/* Ends a stream: waiting jobs and undelivered results are dropped; the
 * codec is freed now, or by the worker when its running job ends. */
void rtc_worker_stream_close(struct rtc_worker_stream *s);

/* Hands a raw frame (now the pool's) to an encoder stream. 0: it will be
 * encoded; 1: it replaced a waiting frame, which was dropped; -1 with a
 * TypeError (not an encoder stream; the frame is freed). */
int rtc_worker_encode_video(struct rtc_worker_stream *s, struct rtc_video_frame *frame,
			    struct rtc_error *err);
int rtc_worker_encode_audio(struct rtc_worker_stream *s, struct rtc_audio_frame *frame,
			    struct rtc_error *err);

/* Encoder settings, applied by the worker before the stream's next job. */
int rtc_worker_stream_set_bitrate(struct rtc_worker_stream *s, uint32_t bitrate,
				  struct rtc_error *err);
void rtc_worker_stream_set_packet_loss(struct rtc_worker_stream *s, unsigned percent);
void rtc_worker_stream_request_key_frame(struct rtc_worker_stream *s);

/* Queues an encoded frame (copied) for a decoder stream, tagged for its
 * result. 0, or -1 with a RangeError (RTC_WORKER_DECODE_QUEUE frames wait
 * already: ask for a key frame) or a TypeError (not a decoder stream). */
int rtc_worker_decode(struct rtc_worker_stream *s, const uint8_t *data, size_t len, uint64_t tag,
		      struct rtc_error *err);
/* Queues an audio gap to conceal (rtc_decoder_conceal_audio), with the
 * next packet for FEC when there is one (copied). */
int rtc_worker_conceal(struct rtc_worker_stream *s, unsigned samples, const uint8_t *fec,
		       size_t fec_len, uint64_t tag, struct rtc_error *err);

struct rtc_worker_stream_stats {
	uint64_t submitted;             /* jobs handed in */
	uint64_t dropped;               /* raw frames replaced while waiting */
	uint64_t completed;             /* results with a frame */
	uint64_t skipped;               /* jobs that made nothing (rate control, DTX) */
	uint64_t failed;                /* results with an error */
	unsigned waiting;               /* jobs not started */
	bool running;                   /* a worker is on it now */
};

void rtc_worker_stream_stats(struct rtc_worker_stream *s, struct rtc_worker_stream_stats *st);
