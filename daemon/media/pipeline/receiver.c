/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The receiver: frames to the decoder stream on the pool, each job tagged
 * with its slot in a ring of what the result will need (RTP time, arrival,
 * key frame, gap), results back to the callbacks, and the counters.
 * Decode time is measured like the sender's encode time (sender.c), and
 * video's jitter buffer delay up to where it starts.
 */
#include "media/pipeline/receiver.h"

#include <stdlib.h>
#include <time.h>

#include "common/log.h"
#include "media/pipeline/freeze-meter.h"
#include "media/pipeline/rate-meter.h"
#include "media/pipeline/result-sink.h"

/* More than a decoder stream holds (RTC_WORKER_DECODE_QUEUE waiting, one
 * running) plus results not yet drained. */
#define JOB_RING 128u
#define SECOND_NS 1000000000ull

struct job_info {
	uint64_t tag;
	bool used;
	struct rtc_media_frame_info info;
	unsigned gap_samples;
	uint64_t submitted_real_ns;
	uint64_t first_arrival;         /* video: its first packet's, 0 unknown */
};

struct rtc_media_receiver {
	struct rtc_media_result_sink sink;      /* the pool's user pointer */
	struct rtc_media_receiver_config config;
	struct rtc_media_receiver_callbacks cb;
	void *user;
	struct rtc_worker_pool *pool;
	struct rtc_worker_stream *stream;
	enum rtc_codec codec;                   /* the decoder's */

	uint64_t next_tag;
	struct job_info jobs[JOB_RING];
	uint64_t last_result_real_ns;

	uint64_t last_now;                      /* the latest push's */
	bool asked_key_frame;
	uint64_t asked_key_frame_at;
	bool concealing;

	struct rtc_rate_meter decode_rate;
	struct rtc_freeze_meter freezes;
	struct rtc_media_receiver_stats stats;
};

static uint64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SECOND_NS + (uint64_t)ts.tv_nsec;
}

static bool is_audio(const struct rtc_media_receiver *r)
{
	return r->config.codec == RTC_CODEC_OPUS;
}

static void handle_result(struct rtc_media_result_sink *sink, struct rtc_worker_result *res);

static int open_stream(struct rtc_media_receiver *r, enum rtc_codec codec, struct rtc_error *err)
{
	struct rtc_decoder *d = rtc_decoder_new(
		&(struct rtc_decoder_config){ .codec = codec, .channels = r->config.channels }, err);
	struct rtc_worker_stream *s;

	if (!d)
		return -1;
	s = rtc_worker_stream_decoder(r->pool, d, &r->sink, err);
	if (!s) {
		rtc_decoder_free(d);
		return -1;
	}
	rtc_worker_stream_close(r->stream);
	r->stream = s;
	r->codec = codec;
	return 0;
}

struct rtc_media_receiver *rtc_media_receiver_new(const struct rtc_media_receiver_config *config,
						  struct rtc_worker_pool *pool,
						  const struct rtc_media_receiver_callbacks *callbacks,
						  void *user, struct rtc_error *err)
{
	struct rtc_media_receiver *r;

	if (config->codec != RTC_CODEC_OPUS && config->codec != RTC_CODEC_VP8 &&
	    config->codec != RTC_CODEC_H264) {
		rtc_error_set(err, RTC_ERROR_TYPE, "media receiver: no decoder for codec %d",
			      (int)config->codec);
		return NULL;
	}
	if (config->channels > 2) {
		rtc_error_set(err, RTC_ERROR_TYPE, "media receiver: %u channels", config->channels);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "media receiver: out of memory");
		return NULL;
	}
	r->sink.handle = handle_result;
	r->config = *config;
	if (!r->config.channels)
		r->config.channels = 1;
	if (callbacks)
		r->cb = *callbacks;
	r->user = user;
	r->pool = pool;
	if (open_stream(r, config->codec, err) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

void rtc_media_receiver_free(struct rtc_media_receiver *r)
{
	if (!r)
		return;
	rtc_worker_stream_close(r->stream);
	free(r);
}

static void ask_key_frame(struct rtc_media_receiver *r)
{
	/* Once per interval: frames keep coming while the PLI travels. */
	if (r->asked_key_frame &&
	    r->last_now < r->asked_key_frame_at + RTC_MEDIA_RECEIVER_KEY_FRAME_INTERVAL)
		return;
	r->asked_key_frame = true;
	r->asked_key_frame_at = r->last_now;
	r->stats.key_frame_requests++;
	if (r->cb.key_frame_needed)
		r->cb.key_frame_needed(r->user);
}

int rtc_media_receiver_push(struct rtc_media_receiver *r, uint64_t now,
			    const struct rtc_recv_frame *f, struct rtc_error *err)
{
	uint64_t tag = r->next_tag;
	struct job_info *j = &r->jobs[tag % JOB_RING];
	bool audio = f->codec == RTC_CODEC_OPUS;
	struct rtc_error e;
	int rc;

	if (audio != is_audio(r))
		return rtc_error_set(err, RTC_ERROR_TYPE, "media receiver: %s frame to a %s receiver",
				     audio ? "an audio" : "a video", is_audio(r) ? "audio" : "video");
	r->last_now = now;
	if (f->codec != r->codec && open_stream(r, f->codec, err) < 0)
		return -1;
	*j = (struct job_info){
		.tag = tag, .used = true, .submitted_real_ns = real_now(),
		.first_arrival = audio ? 0 : f->first_arrival,
		.info = { .rtp_timestamp = f->rtp_timestamp, .has_capture_ntp = f->has_capture_ntp,
			  .capture_ntp = f->capture_ntp, .received_ns = now,
			  .key_frame = f->key_frame },
	};
	if (audio && !f->data) {
		j->info.concealed = true;
		j->info.fec = f->fec != NULL;
		j->gap_samples = f->samples;
		rc = rtc_worker_conceal(r->stream, f->samples, f->fec, f->fec_len, tag, &e);
		if (rc == 0 && f->fec)
			r->stats.gaps_with_fec++;
	} else {
		rc = rtc_worker_decode(r->stream, f->data, f->len, tag, &e);
	}
	if (rc < 0) {
		j->used = false;
		r->stats.frames_dropped++;
		/* A video frame lost before the decoder breaks the next ones. */
		if (!audio && e.kind == RTC_ERROR_RANGE)
			ask_key_frame(r);
		if (err)
			*err = e;
		return -1;
	}
	r->next_tag++;
	return 0;
}

static void video_result(struct rtc_media_receiver *r, struct rtc_worker_result *res,
			 const struct rtc_media_frame_info *info)
{
	struct rtc_video_frame *v = res->video;

	r->stats.frames_decoded++;
	if (info->key_frame) {
		r->stats.key_frames_decoded++;
		r->asked_key_frame = false;
	}
	r->stats.frame_width = v->width;
	r->stats.frame_height = v->height;
	rtc_rate_meter_add(&r->decode_rate, info->received_ns);
	/* Handed on when decoded: by the engine's clock at its release, as
	 * the frame rate is, so a test's simulated clock measures it too. */
	rtc_freeze_meter_frame(&r->freezes, info->received_ns);
	res->video = NULL;
	if (r->cb.video)
		r->cb.video(r->user, v, info);
	else
		rtc_video_frame_free(v);
}

static void audio_result(struct rtc_media_receiver *r, struct rtc_worker_result *res,
			 const struct rtc_media_frame_info *info)
{
	struct rtc_audio_frame *a = res->audio;

	r->stats.total_samples_received += a->samples;
	if (info->concealed) {
		r->stats.concealed_samples += a->samples;
		if (!r->concealing)
			r->stats.concealment_events++;
		r->concealing = true;
	} else {
		r->stats.frames_decoded++;
		r->concealing = false;
	}
	res->audio = NULL;
	if (r->cb.audio)
		r->cb.audio(r->user, a, info);
	else
		rtc_audio_frame_free(a);
}

static void handle_result(struct rtc_media_result_sink *sink, struct rtc_worker_result *res)
{
	struct rtc_media_receiver *r = (struct rtc_media_receiver *)sink;
	struct job_info *j = &r->jobs[res->tag % JOB_RING];
	struct rtc_media_frame_info info = { 0 };
	uint64_t now = real_now(), from;

	if (j->used && j->tag == res->tag) {
		info = j->info;
		from = j->submitted_real_ns > r->last_result_real_ns ? j->submitted_real_ns
								     : r->last_result_real_ns;
		if (now > from)
			r->stats.total_decode_time += (double)(now - from) / SECOND_NS;
		/* Its packets waited in the jitter buffer, then in the decoder's
		 * queue, until the decoder took it up. */
		if (j->first_arrival) {
			r->stats.jitter_buffer_emitted_count++;
			if (from > j->first_arrival)
				r->stats.jitter_buffer_delay +=
					(double)(from - j->first_arrival) / SECOND_NS;
		}
		j->used = false;
	}
	r->last_result_real_ns = now;
	if (res->status < 0) {
		/* Corrupt, or a delta frame the decoder refuses until a key frame. */
		r->stats.frames_dropped++;
		rtc_debug("media receiver: frame not decoded: %s", res->err.message);
	} else if (res->video) {
		video_result(r, res, &info);
	} else if (res->audio) {
		audio_result(r, res, &info);
	}
	if (res->needs_key_frame)
		ask_key_frame(r);
	rtc_worker_result_release(res);
}

unsigned rtc_media_receiver_pending(struct rtc_media_receiver *r)
{
	struct rtc_worker_stream_stats st;

	rtc_worker_stream_stats(r->stream, &st);
	return st.waiting + (st.running ? 1 : 0);
}

void rtc_media_receiver_stats(const struct rtc_media_receiver *r,
			      struct rtc_media_receiver_stats *out)
{
	*out = r->stats;
	out->frames_per_second = rtc_rate_meter_fps(&r->decode_rate);
	out->freeze_count = r->freezes.freeze_count;
	out->total_freezes_duration = r->freezes.total_freezes_duration;
	out->total_inter_frame_delay = r->freezes.total_inter_frame_delay;
	out->total_squared_inter_frame_delay = r->freezes.total_squared_inter_frame_delay;
}
