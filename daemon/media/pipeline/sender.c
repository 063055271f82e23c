/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sender: what to encode (encodings' parameters, enabled, the audio
 * framer and queue) on the reactor, the encoding on the pool, and the
 * results matched back to their frames by the job's sequence number.
 *
 * Encode time: the pool does not time its jobs, so the reactor measures
 * each job from when it could start (its submission, or the stream's
 * previous result if that came later: one stream's jobs run one at a
 * time) to its result, on CLOCK_MONOTONIC. That includes the hand-back
 * through the eventfd and any wait for a free worker.
 */
#include "media/pipeline/sender.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "media/codec/audio-framer.h"
#include "media/pipeline/audio-level.h"
#include "media/pipeline/rate-meter.h"
#include "media/pipeline/result-sink.h"
#include "media/pipeline/video-prep.h"

#define AUDIO_FRAME_SAMPLES 960u        /* 20 ms at 48 kHz */
#define AUDIO_QUEUE 10u                 /* 200 ms */
#define JOB_RING 64u
#define SECOND_NS 1000000000ull

/* What the reactor knows of a job until its result comes. */
struct job_info {
	uint64_t seq;
	bool used;
	uint64_t capture_ns;
	int audio_level;
	uint64_t submitted_real_ns;
};

struct rtc_media_sender {
	struct rtc_media_result_sink sink;      /* the pool's user pointer */
	struct rtc_media_sender_config config;
	struct rtc_media_sender_callbacks cb;
	void *user;
	struct rtc_worker_pool *pool;
	struct rtc_worker_stream *stream;
	struct rtc_media_sender_parameters params;
	bool enabled;
	uint32_t target_bitrate;                /* 0: none yet */
	uint32_t applied_bitrate;

	uint64_t next_seq;                      /* the pool's numbering of our jobs */
	struct job_info jobs[JOB_RING];
	uint64_t last_result_real_ns;

	struct rtc_video_rate_limit limit;      /* max-framerate */
	bool black_sent;
	uint64_t last_black_ns;

	struct rtc_audio_framer *framer;
	struct rtc_audio_frame *audio_queue[AUDIO_QUEUE];
	int audio_levels[AUDIO_QUEUE];
	unsigned aq_head, aq_len;

	struct rtc_rate_meter source_rate, encode_rate;
	struct rtc_media_sender_stats stats;
};

static uint64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SECOND_NS + (uint64_t)ts.tv_nsec;
}

static bool is_audio(const struct rtc_media_sender *s)
{
	return s->config.codec == RTC_CODEC_OPUS;
}

void rtc_media_sender_parameters_default(struct rtc_media_sender_parameters *p)
{
	*p = (struct rtc_media_sender_parameters){ .active = true, .scale_resolution_down_by = 1 };
}

/* The target, capped by max-bitrate, within what encoders take. */
static uint32_t effective_bitrate(const struct rtc_media_sender *s)
{
	uint32_t b = s->target_bitrate ? s->target_bitrate : s->config.bitrate;

	if (s->params.max_bitrate && b > s->params.max_bitrate)
		b = s->params.max_bitrate;
	if (b < RTC_ENCODER_MIN_BITRATE)
		b = RTC_ENCODER_MIN_BITRATE;
	if (b > RTC_ENCODER_MAX_BITRATE)
		b = RTC_ENCODER_MAX_BITRATE;
	return b;
}

static void apply_bitrate(struct rtc_media_sender *s)
{
	uint32_t b = effective_bitrate(s);
	struct rtc_error err;

	if (b == s->applied_bitrate)
		return;
	s->applied_bitrate = b;
	if (rtc_worker_stream_set_bitrate(s->stream, b, &err) < 0)
		rtc_warn("media sender: bitrate %u: %s", b, err.message);
}

static void handle_result(struct rtc_media_result_sink *sink, struct rtc_worker_result *res);

static int open_stream(struct rtc_media_sender *s, uint32_t width, uint32_t height,
		       struct rtc_error *err)
{
	struct rtc_encoder_config ec = {
		.codec = s->config.codec, .bitrate = effective_bitrate(s),
		.width = width, .height = height, .framerate = s->config.framerate,
		.channels = s->config.channels,
	};
	struct rtc_encoder *e = rtc_encoder_new(&ec, err);

	if (!e)
		return -1;
	s->stream = rtc_worker_stream_encoder(s->pool, e, &s->sink, err);
	if (!s->stream) {
		rtc_encoder_free(e);
		return -1;
	}
	s->applied_bitrate = ec.bitrate;
	return 0;
}

struct rtc_media_sender *rtc_media_sender_new(const struct rtc_media_sender_config *config,
					      struct rtc_worker_pool *pool,
					      const struct rtc_media_sender_callbacks *callbacks,
					      void *user, struct rtc_error *err)
{
	struct rtc_media_sender *s;

	if (config->codec != RTC_CODEC_OPUS && config->codec != RTC_CODEC_VP8 &&
	    config->codec != RTC_CODEC_H264) {
		rtc_error_set(err, RTC_ERROR_TYPE, "media sender: no encoder for codec %d",
			      (int)config->codec);
		return NULL;
	}
	if (config->bitrate && (config->bitrate < RTC_ENCODER_MIN_BITRATE ||
				config->bitrate > RTC_ENCODER_MAX_BITRATE)) {
		rtc_error_set(err, RTC_ERROR_RANGE, "media sender: bitrate %u", config->bitrate);
		return NULL;
	}
	if (config->channels > 2) {
		rtc_error_set(err, RTC_ERROR_TYPE, "media sender: %u channels", config->channels);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "media sender: out of memory");
		return NULL;
	}
	s->sink.handle = handle_result;
	s->config = *config;
	if (!s->config.channels)
		s->config.channels = 1;
	if (!s->config.framerate)
		s->config.framerate = 30;
	if (!s->config.width || !s->config.height) {
		s->config.width = 640;
		s->config.height = 480;
	}
	if (!s->config.bitrate)
		s->config.bitrate = is_audio(s) ? 32000 : 1000000;
	if (callbacks)
		s->cb = *callbacks;
	s->user = user;
	s->pool = pool;
	s->enabled = true;
	rtc_media_sender_parameters_default(&s->params);
	if (is_audio(s)) {
		s->framer = rtc_audio_framer_new(s->config.channels, AUDIO_FRAME_SAMPLES);
		if (!s->framer) {
			rtc_error_set(err, RTC_ERROR_OPERATION, "media sender: out of memory");
			goto fail;
		}
	}
	/* Made here, at setup: making a VP8 encoder takes tens of ms (30 at
	 * 640x480, 60-80 at 1280x720 measured), too long for the reactor in
	 * the middle of a call. Frames of another size re-make it on the
	 * worker. */
	if (open_stream(s, s->config.width, s->config.height, err) < 0)
		goto fail;
	return s;
fail:
	rtc_media_sender_free(s);
	return NULL;
}

void rtc_media_sender_free(struct rtc_media_sender *s)
{
	if (!s)
		return;
	rtc_worker_stream_close(s->stream);
	rtc_audio_framer_free(s->framer);
	while (s->aq_len) {
		rtc_audio_frame_free(s->audio_queue[s->aq_head]);
		s->aq_head = (s->aq_head + 1) % AUDIO_QUEUE;
		s->aq_len--;
	}
	free(s);
}

enum rtc_codec rtc_media_sender_codec(const struct rtc_media_sender *s)
{
	return s->config.codec;
}

/* Notes what the result will need; the pool numbers jobs from 0 in the
 * order they are submitted, replaced ones included. */
static void note_job(struct rtc_media_sender *s, uint64_t capture_ns, int audio_level)
{
	struct job_info *j = &s->jobs[s->next_seq % JOB_RING];

	*j = (struct job_info){ .seq = s->next_seq, .used = true, .capture_ns = capture_ns,
				.audio_level = audio_level, .submitted_real_ns = real_now() };
	s->next_seq++;
}

/* ---- video --------------------------------------------------------------- */

static int submit_video(struct rtc_media_sender *s, struct rtc_video_frame *f,
			struct rtc_error *err)
{
	int r;

	note_job(s, f->capture_ns, -1);
	r = rtc_worker_encode_video(s->stream, f, err);
	if (r < 0) {
		s->next_seq--;
		return -1;
	}
	if (r == 1)
		s->stats.frames_dropped_busy++;
	return 0;
}

/* A lent frame (owned NULL) or a given one (owned == frame, freed here
 * whatever happens): what the encoder gets is a frame of its own, the
 * given one itself when nothing has to change. */
static int push_video(struct rtc_media_sender *s, const struct rtc_video_frame *frame,
		      struct rtc_video_frame *owned, struct rtc_error *err)
{
	uint32_t w, h;
	struct rtc_video_frame *f;

	if (is_audio(s)) {
		rtc_video_frame_free(owned);
		return rtc_error_set(err, RTC_ERROR_TYPE, "media sender: video to an audio sender");
	}
	s->stats.source_frames++;
	s->stats.source_width = frame->width;
	s->stats.source_height = frame->height;
	rtc_rate_meter_add(&s->source_rate, frame->capture_ns);
	rtc_video_prep_scaled_size(frame->width, frame->height, s->params.scale_resolution_down_by,
			      &w, &h);
	if (!s->params.active) {
		f = NULL;
	} else if (!s->enabled) {
		/* W3C lets a disabled track's black go at one frame a second. */
		if (s->black_sent && frame->capture_ns < s->last_black_ns + SECOND_NS) {
			rtc_video_frame_free(owned);
			return 0;
		}
		f = rtc_video_prep_black(w, h, frame->capture_ns);
		if (!f)
			goto no_memory;
		s->black_sent = true;
		s->last_black_ns = frame->capture_ns;
	} else if (!rtc_video_rate_limit_admit(&s->limit, s->params.max_framerate,
					       frame->capture_ns)) {
		s->stats.frames_dropped_framerate++;
		f = NULL;
	} else if (owned && w == frame->width && h == frame->height) {
		f = owned;
		owned = NULL;
	} else if (!(f = rtc_video_prep_resized(frame, w, h))) {
		goto no_memory;
	}
	if (s->enabled)
		s->black_sent = false;
	rtc_video_frame_free(owned);
	return f ? submit_video(s, f, err) : 0;
no_memory:
	rtc_video_frame_free(owned);
	return rtc_error_set(err, RTC_ERROR_OPERATION, "media sender: out of memory");
}

int rtc_media_sender_push_video(struct rtc_media_sender *s, const struct rtc_video_frame *frame,
				struct rtc_error *err)
{
	return push_video(s, frame, NULL, err);
}

int rtc_media_sender_give_video(struct rtc_media_sender *s, struct rtc_video_frame *frame,
				struct rtc_error *err)
{
	return push_video(s, frame, frame, err);
}

/* ---- audio --------------------------------------------------------------- */

/* Hands queued frames to the pool while its stream has none waiting (a
 * waiting audio frame would be replaced, and lost, by the next). */
static void pump_audio(struct rtc_media_sender *s)
{
	struct rtc_worker_stream_stats st;
	struct rtc_error err;

	while (s->aq_len) {
		struct rtc_audio_frame *f = s->audio_queue[s->aq_head];
		int level = s->audio_levels[s->aq_head];

		rtc_worker_stream_stats(s->stream, &st);
		if (st.waiting)
			return;
		s->aq_head = (s->aq_head + 1) % AUDIO_QUEUE;
		s->aq_len--;
		note_job(s, f->capture_ns, level);
		if (rtc_worker_encode_audio(s->stream, f, &err) < 0) {
			s->next_seq--;
			s->stats.encode_errors++;
			rtc_warn("media sender: %s", err.message);
		}
	}
}

static void queue_audio(struct rtc_media_sender *s, struct rtc_audio_frame *f)
{
	size_t n = (size_t)f->samples * f->channels;
	double rms, seconds = (double)f->samples / 48000;

	if (!s->enabled)
		memset(f->pcm, 0, n * sizeof(*f->pcm));
	rms = rtc_audio_rms(f->pcm, n);
	s->stats.source_audio_level = rms;
	s->stats.total_audio_energy += rms * rms * seconds;
	s->stats.total_samples_duration += seconds;
	if (!s->params.active) {
		rtc_audio_frame_free(f);
		return;
	}
	if (s->aq_len == AUDIO_QUEUE) {
		rtc_audio_frame_free(s->audio_queue[s->aq_head]);
		s->aq_head = (s->aq_head + 1) % AUDIO_QUEUE;
		s->aq_len--;
		s->stats.frames_dropped_busy++;
	}
	unsigned at = (s->aq_head + s->aq_len) % AUDIO_QUEUE;
	s->audio_queue[at] = f;
	s->audio_levels[at] = rtc_audio_level_from_rms(rms);
	s->aq_len++;
}

int rtc_media_sender_push_audio(struct rtc_media_sender *s, const struct rtc_audio_frame *chunk,
				struct rtc_error *err)
{
	struct rtc_audio_frame *f;

	if (!is_audio(s))
		return rtc_error_set(err, RTC_ERROR_TYPE, "media sender: audio to a video sender");
	if (rtc_audio_framer_push(s->framer, chunk, err) < 0)
		return -1;
	while ((f = rtc_audio_framer_pop(s->framer)))
		queue_audio(s, f);
	pump_audio(s);
	return 0;
}

/* ---- results ------------------------------------------------------------- */

static void handle_result(struct rtc_media_result_sink *sink, struct rtc_worker_result *res)
{
	struct rtc_media_sender *s = (struct rtc_media_sender *)sink;
	struct job_info *j = &s->jobs[res->seq % JOB_RING];
	bool known = j->used && j->seq == res->seq;
	uint64_t now = real_now(), from;

	if (known) {
		from = j->submitted_real_ns > s->last_result_real_ns ? j->submitted_real_ns
								     : s->last_result_real_ns;
		if (now > from)
			s->stats.total_encode_time += (double)(now - from) / SECOND_NS;
		j->used = false;
	}
	s->last_result_real_ns = now;
	if (res->status < 0) {
		s->stats.encode_errors++;
		rtc_warn("media sender: encoding failed: %s", res->err.message);
	} else {
		const struct rtc_encoded *e = &res->encoded;

		s->stats.frames_encoded++;
		s->stats.bytes_encoded += e->len;
		if (e->key_frame)
			s->stats.key_frames_encoded++;
		if (is_audio(s)) {
			s->stats.total_samples_sent += e->samples;
		} else {
			s->stats.frame_width = e->width;
			s->stats.frame_height = e->height;
		}
		rtc_rate_meter_add(&s->encode_rate, e->capture_ns);
		if (s->cb.encoded)
			s->cb.encoded(s->user, e->data, e->len, e->capture_ns, e->key_frame,
				      is_audio(s) ? (known ? j->audio_level : 127) : -1);
	}
	rtc_worker_result_release(res);
	if (is_audio(s))
		pump_audio(s);
}

/* ---- controls and stats -------------------------------------------------- */

void rtc_media_sender_set_target_bitrate(struct rtc_media_sender *s, uint32_t bitrate)
{
	s->target_bitrate = bitrate;
	apply_bitrate(s);
}

void rtc_media_sender_set_packet_loss(struct rtc_media_sender *s, unsigned percent)
{
	if (is_audio(s))
		rtc_worker_stream_set_packet_loss(s->stream, percent);
}

void rtc_media_sender_request_key_frame(struct rtc_media_sender *s)
{
	if (!is_audio(s))
		rtc_worker_stream_request_key_frame(s->stream);
}

int rtc_media_sender_set_parameters(struct rtc_media_sender *s,
				    const struct rtc_media_sender_parameters *p,
				    struct rtc_error *err)
{
	struct rtc_media_sender_parameters n = *p;

	if (n.scale_resolution_down_by == 0)
		n.scale_resolution_down_by = 1;
	if (!(n.scale_resolution_down_by >= 1))
		return rtc_error_set(err, RTC_ERROR_RANGE, "scaleResolutionDownBy %g is below 1",
				     p->scale_resolution_down_by);
	if (!(n.max_framerate >= 0))
		return rtc_error_set(err, RTC_ERROR_RANGE, "maxFramerate %g is negative",
				     p->max_framerate);
	s->params = n;
	apply_bitrate(s);
	return 0;
}

void rtc_media_sender_get_parameters(const struct rtc_media_sender *s,
				     struct rtc_media_sender_parameters *p)
{
	*p = s->params;
}

void rtc_media_sender_set_enabled(struct rtc_media_sender *s, bool enabled)
{
	s->enabled = enabled;
}

unsigned rtc_media_sender_pending(struct rtc_media_sender *s)
{
	struct rtc_worker_stream_stats st;

	rtc_worker_stream_stats(s->stream, &st);
	return s->aq_len + st.waiting + (st.running ? 1 : 0);
}

void rtc_media_sender_stats(struct rtc_media_sender *s, struct rtc_media_sender_stats *out)
{
	*out = s->stats;
	out->source_frames_per_second = rtc_rate_meter_fps(&s->source_rate);
	out->frames_per_second = rtc_rate_meter_fps(&s->encode_rate);
	out->target_bitrate = effective_bitrate(s);
	{
		struct rtc_worker_stream_stats st;

		rtc_worker_stream_stats(s->stream, &st);
		out->frames_skipped = st.skipped;
	}
}
