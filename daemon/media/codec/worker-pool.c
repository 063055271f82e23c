/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The worker pool: one mutex guards all shared state (streams' job lists,
 * the ready list, the result queue); codec work happens outside it. A
 * stream is on the ready list while it has a waiting job and no worker on
 * it, so one stream's jobs never run in parallel and stay in order.
 */
#include "media/codec/worker-pool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"

struct job {
	struct job *next;
	uint64_t seq, tag;
	struct rtc_video_frame *video;  /* encode */
	struct rtc_audio_frame *audio;  /* encode */
	uint8_t *data;                  /* decode input, or the FEC packet of a gap */
	size_t len;
	bool conceal;
	unsigned samples;
};

struct result {
	struct result *next;
	struct rtc_worker_stream *stream;
	struct rtc_worker_result r;
};

struct rtc_worker_stream {
	struct rtc_worker_pool *pool;
	struct rtc_worker_stream *prev, *next;  /* all streams */
	struct rtc_worker_stream *ready_next;
	void *user;
	struct rtc_encoder *encoder;
	struct rtc_decoder *decoder;
	struct job *head, *tail;
	unsigned waiting;
	bool queued, running, closed;
	uint64_t next_seq;
	/* Encoder settings waiting for the worker: 0 / -1 / false for none. */
	uint32_t new_bitrate;
	int new_loss;
	bool key_frame;
	struct rtc_worker_stream_stats stats;
};

struct rtc_worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t threads[RTC_WORKER_POOL_MAX_THREADS];
	unsigned n_threads;
	bool stopping;
	int efd;
	struct rtc_worker_stream *streams;
	struct rtc_worker_stream *ready_head, *ready_tail;
	struct result *res_head, *res_tail;
};

static void job_free(struct job *j)
{
	rtc_video_frame_free(j->video);
	rtc_audio_frame_free(j->audio);
	free(j->data);
	free(j);
}

void rtc_worker_result_release(struct rtc_worker_result *res)
{
	rtc_encoded_release(&res->encoded);
	rtc_video_frame_free(res->video);
	rtc_audio_frame_free(res->audio);
	res->video = NULL;
	res->audio = NULL;
}

static void make_ready_locked(struct rtc_worker_pool *pool, struct rtc_worker_stream *s)
{
	if (s->queued || s->running || !s->head)
		return;
	s->queued = true;
	s->ready_next = NULL;
	if (pool->ready_tail)
		pool->ready_tail->ready_next = s;
	else
		pool->ready_head = s;
	pool->ready_tail = s;
	pthread_cond_signal(&pool->wake);
}

static void unready_locked(struct rtc_worker_pool *pool, struct rtc_worker_stream *s)
{
	struct rtc_worker_stream **pp = &pool->ready_head, *prev = NULL;

	if (!s->queued)
		return;
	while (*pp && *pp != s) {
		prev = *pp;
		pp = &(*pp)->ready_next;
	}
	if (*pp) {
		*pp = s->ready_next;
		if (pool->ready_tail == s)
			pool->ready_tail = prev;
	}
	s->queued = false;
}

static void unlink_stream_locked(struct rtc_worker_pool *pool, struct rtc_worker_stream *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		pool->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

/* A closed or orphaned stream's memory, outside the lock. */
static void stream_destroy(struct rtc_worker_stream *s)
{
	while (s->head) {
		struct job *j = s->head;
		s->head = j->next;
		job_free(j);
	}
	rtc_encoder_free(s->encoder);
	rtc_decoder_free(s->decoder);
	free(s);
}

/* Runs one job on a worker thread; the codec is the stream's alone while
 * `running` is set. Returns a result to hand out, or NULL (nothing made). */
static struct result *run_job(struct rtc_worker_stream *s, struct job *j, uint32_t bitrate,
			      int loss, bool key_frame)
{
	struct result *res = calloc(1, sizeof(*res));
	struct rtc_worker_result *r;
	int status;

	if (!res)
		return NULL;
	r = &res->r;
	r->user = s->user;
	r->seq = j->seq;
	r->tag = j->tag;
	if (s->encoder) {
		if (bitrate && rtc_encoder_set_bitrate(s->encoder, bitrate, &r->err) < 0)
			rtc_warn("codec worker: %s", r->err.message);
		if (loss >= 0)
			rtc_encoder_set_packet_loss(s->encoder, (unsigned)loss);
		if (key_frame)
			rtc_encoder_request_key_frame(s->encoder);
		if (j->video)
			status = rtc_encoder_encode_video(s->encoder, j->video, &r->encoded, &r->err);
		else
			status = rtc_encoder_encode_audio(s->encoder, j->audio, &r->encoded, &r->err);
	} else if (j->conceal) {
		status = rtc_decoder_conceal_audio(s->decoder, j->samples, j->data, j->len, &r->audio,
						   &r->err);
	} else if (rtc_decoder_codec(s->decoder) == RTC_CODEC_OPUS) {
		status = rtc_decoder_decode_audio(s->decoder, j->data, j->len, &r->audio, &r->err);
	} else {
		status = rtc_decoder_decode_video(s->decoder, j->data, j->len, &r->video, &r->err);
		r->needs_key_frame = rtc_decoder_needs_key_frame(s->decoder);
	}
	r->status = status;
	return res;
}

static void *worker_main(void *arg)
{
	struct rtc_worker_pool *pool = arg;

	pthread_mutex_lock(&pool->lock);
	while (!pool->stopping) {
		struct rtc_worker_stream *s = pool->ready_head;
		if (!s) {
			pthread_cond_wait(&pool->wake, &pool->lock);
			continue;
		}
		pool->ready_head = s->ready_next;
		if (!pool->ready_head)
			pool->ready_tail = NULL;
		s->queued = false;
		struct job *j = s->head;
		s->head = j->next;
		if (!s->head)
			s->tail = NULL;
		s->waiting--;
		s->running = true;
		uint32_t bitrate = s->new_bitrate;
		int loss = s->new_loss;
		bool key_frame = s->key_frame;
		s->new_bitrate = 0;
		s->new_loss = -1;
		s->key_frame = false;
		pthread_mutex_unlock(&pool->lock);

		struct result *res = run_job(s, j, bitrate, loss, key_frame);
		job_free(j);

		pthread_mutex_lock(&pool->lock);
		s->running = false;
		if (s->closed) {
			unlink_stream_locked(pool, s);
			pthread_mutex_unlock(&pool->lock);
			if (res)
				rtc_worker_result_release(&res->r);
			free(res);
			stream_destroy(s);
			pthread_mutex_lock(&pool->lock);
			continue;
		}
		if (!res || res->r.status == 0) {
			s->stats.skipped++;
			if (res)
				rtc_worker_result_release(&res->r);
			free(res);
		} else {
			if (res->r.status > 0)
				s->stats.completed++;
			else
				s->stats.failed++;
			res->stream = s;
			if (pool->res_tail)
				pool->res_tail->next = res;
			else
				pool->res_head = res;
			pool->res_tail = res;
			uint64_t one = 1;
			/* Cannot fail short of a counter near 2^64. */
			if (write(pool->efd, &one, sizeof(one)) < 0)
				rtc_warn("codec worker: eventfd: %s", strerror(errno));
		}
		make_ready_locked(pool, s);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

static unsigned usable_cores(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

struct rtc_worker_pool *rtc_worker_pool_new(unsigned threads, struct rtc_error *err)
{
	struct rtc_worker_pool *pool = calloc(1, sizeof(*pool));
	unsigned cores = usable_cores();

	if (!pool) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for the codec worker pool");
		return NULL;
	}
	if (!threads)
		threads = RTC_WORKER_POOL_DEFAULT_THREADS;
	if (threads > cores)
		threads = cores;
	if (threads > RTC_WORKER_POOL_MAX_THREADS)
		threads = RTC_WORKER_POOL_MAX_THREADS;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	pool->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pool->efd < 0) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "codec worker pool: eventfd: %s",
			      strerror(errno));
		rtc_worker_pool_free(pool);
		return NULL;
	}
	for (unsigned i = 0; i < threads; i++) {
		int r = pthread_create(&pool->threads[i], NULL, worker_main, pool);
		if (r) {
			rtc_error_set(err, RTC_ERROR_OPERATION, "codec worker pool: thread %u: %s", i,
				      strerror(r));
			rtc_worker_pool_free(pool);
			return NULL;
		}
		pool->n_threads++;
	}
	return pool;
}

void rtc_worker_pool_free(struct rtc_worker_pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	/* No worker runs now: everything left is plain memory. */
	while (pool->res_head) {
		struct result *res = pool->res_head;
		pool->res_head = res->next;
		rtc_worker_result_release(&res->r);
		free(res);
	}
	while (pool->streams) {
		struct rtc_worker_stream *s = pool->streams;
		pool->streams = s->next;
		stream_destroy(s);
	}
	if (pool->efd >= 0)
		close(pool->efd);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

unsigned rtc_worker_pool_threads(const struct rtc_worker_pool *pool)
{
	return pool->n_threads;
}

int rtc_worker_pool_fd(const struct rtc_worker_pool *pool)
{
	return pool->efd;
}

bool rtc_worker_pool_poll(struct rtc_worker_pool *pool, struct rtc_worker_result *out)
{
	struct result *res;

	pthread_mutex_lock(&pool->lock);
	res = pool->res_head;
	if (!res) {
		/* Cleared under the lock workers signal under: no wakeup lost. */
		uint64_t count;
		if (read(pool->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
			rtc_warn("codec worker pool: eventfd: %s", strerror(errno));
		pthread_mutex_unlock(&pool->lock);
		return false;
	}
	pool->res_head = res->next;
	if (!pool->res_head)
		pool->res_tail = NULL;
	pthread_mutex_unlock(&pool->lock);
	*out = res->r;
	free(res);
	return true;
}

static struct rtc_worker_stream *stream_new(struct rtc_worker_pool *pool, void *user,
					    struct rtc_error *err)
{
	struct rtc_worker_stream *s = calloc(1, sizeof(*s));

	if (!s) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for a codec stream");
		return NULL;
	}
	s->pool = pool;
	s->user = user;
	s->new_loss = -1;
	return s;
}

static void stream_add(struct rtc_worker_stream *s)
{
	struct rtc_worker_pool *pool = s->pool;

	pthread_mutex_lock(&pool->lock);
	s->next = pool->streams;
	if (s->next)
		s->next->prev = s;
	pool->streams = s;
	pthread_mutex_unlock(&pool->lock);
}

struct rtc_worker_stream *rtc_worker_stream_encoder(struct rtc_worker_pool *pool,
						    struct rtc_encoder *encoder, void *user,
						    struct rtc_error *err)
{
	struct rtc_worker_stream *s = stream_new(pool, user, err);

	if (s) {
		s->encoder = encoder;
		stream_add(s);
	}
	return s;
}

struct rtc_worker_stream *rtc_worker_stream_decoder(struct rtc_worker_pool *pool,
						    struct rtc_decoder *decoder, void *user,
						    struct rtc_error *err)
{
	struct rtc_worker_stream *s = stream_new(pool, user, err);

	if (s) {
		s->decoder = decoder;
		stream_add(s);
	}
	return s;
}

void rtc_worker_stream_close(struct rtc_worker_stream *s)
{
	struct rtc_worker_pool *pool;
	struct result *dropped = NULL;

	if (!s)
		return;
	pool = s->pool;
	pthread_mutex_lock(&pool->lock);
	s->closed = true;
	unready_locked(pool, s);
	/* Its undelivered results go: their user pointer may die with it. */
	for (struct result **pp = &pool->res_head; *pp;) {
		struct result *res = *pp;
		if (res->stream != s) {
			pp = &res->next;
			continue;
		}
		*pp = res->next;
		res->next = dropped;
		dropped = res;
	}
	pool->res_tail = NULL;
	for (struct result *res = pool->res_head; res; res = res->next)
		pool->res_tail = res;
	bool running = s->running;
	if (!running)
		unlink_stream_locked(pool, s);
	pthread_mutex_unlock(&pool->lock);

	while (dropped) {
		struct result *res = dropped;
		dropped = res->next;
		rtc_worker_result_release(&res->r);
		free(res);
	}
	/* A running job's worker frees the stream (and its waiting jobs)
	 * when the job ends; otherwise nobody else holds it now. */
	if (!running)
		stream_destroy(s);
}

/* Queues j; an encoder stream keeps only the newest waiting frame. */
static int submit(struct rtc_worker_stream *s, struct job *j)
{
	struct rtc_worker_pool *pool = s->pool;
	struct job *old = NULL;
	int replaced = 0;

	pthread_mutex_lock(&pool->lock);
	j->seq = s->next_seq++;
	s->stats.submitted++;
	if (s->encoder && s->head) {
		old = s->head;
		s->head = s->tail = NULL;
		s->waiting = 0;
		s->stats.dropped++;
		replaced = 1;
	}
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	s->waiting++;
	make_ready_locked(pool, s);
	pthread_mutex_unlock(&pool->lock);
	if (old)
		job_free(old);
	return replaced;
}

static struct job *job_new(struct rtc_error *err)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for a codec job");
	return j;
}

int rtc_worker_encode_video(struct rtc_worker_stream *s, struct rtc_video_frame *frame,
			    struct rtc_error *err)
{
	struct job *j;

	if (!s->encoder || rtc_encoder_codec(s->encoder) == RTC_CODEC_OPUS) {
		rtc_video_frame_free(frame);
		return rtc_error_set(err, RTC_ERROR_TYPE, "not a video encoder stream");
	}
	if (!(j = job_new(err))) {
		rtc_video_frame_free(frame);
		return -1;
	}
	j->video = frame;
	return submit(s, j);
}

int rtc_worker_encode_audio(struct rtc_worker_stream *s, struct rtc_audio_frame *frame,
			    struct rtc_error *err)
{
	struct job *j;

	if (!s->encoder || rtc_encoder_codec(s->encoder) != RTC_CODEC_OPUS) {
		rtc_audio_frame_free(frame);
		return rtc_error_set(err, RTC_ERROR_TYPE, "not an audio encoder stream");
	}
	if (!(j = job_new(err))) {
		rtc_audio_frame_free(frame);
		return -1;
	}
	j->audio = frame;
	return submit(s, j);
}

int rtc_worker_stream_set_bitrate(struct rtc_worker_stream *s, uint32_t bitrate,
				  struct rtc_error *err)
{
	if (!s->encoder)
		return rtc_error_set(err, RTC_ERROR_TYPE, "not an encoder stream");
	if (bitrate < RTC_ENCODER_MIN_BITRATE || bitrate > RTC_ENCODER_MAX_BITRATE)
		return rtc_error_set(err, RTC_ERROR_RANGE, "bitrate %u outside %u..%u", bitrate,
				     RTC_ENCODER_MIN_BITRATE, RTC_ENCODER_MAX_BITRATE);
	pthread_mutex_lock(&s->pool->lock);
	s->new_bitrate = bitrate;
	pthread_mutex_unlock(&s->pool->lock);
	return 0;
}

void rtc_worker_stream_set_packet_loss(struct rtc_worker_stream *s, unsigned percent)
{
	pthread_mutex_lock(&s->pool->lock);
	s->new_loss = percent > 100 ? 100 : (int)percent;
	pthread_mutex_unlock(&s->pool->lock);
}

void rtc_worker_stream_request_key_frame(struct rtc_worker_stream *s)
{
	pthread_mutex_lock(&s->pool->lock);
	s->key_frame = true;
	pthread_mutex_unlock(&s->pool->lock);
}

static int decode_job(struct rtc_worker_stream *s, const uint8_t *data, size_t len, bool conceal,
		      unsigned samples, uint64_t tag, struct rtc_error *err)
{
	struct job *j;

	if (!s->decoder)
		return rtc_error_set(err, RTC_ERROR_TYPE, "not a decoder stream");
	pthread_mutex_lock(&s->pool->lock);
	unsigned waiting = s->waiting;
	pthread_mutex_unlock(&s->pool->lock);
	if (waiting >= RTC_WORKER_DECODE_QUEUE)
		return rtc_error_set(err, RTC_ERROR_RANGE, "%u frames wait for the decoder", waiting);
	if (!(j = job_new(err)))
		return -1;
	if (len) {
		j->data = malloc(len);
		if (!j->data) {
			free(j);
			return rtc_error_set(err, RTC_ERROR_OPERATION, "no memory for %zu bytes", len);
		}
		memcpy(j->data, data, len);
		j->len = len;
	}
	j->conceal = conceal;
	j->samples = samples;
	j->tag = tag;
	submit(s, j);
	return 0;
}

int rtc_worker_decode(struct rtc_worker_stream *s, const uint8_t *data, size_t len, uint64_t tag,
		      struct rtc_error *err)
{
	if (!data || !len)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty frame to decode");
	return decode_job(s, data, len, false, 0, tag, err);
}

int rtc_worker_conceal(struct rtc_worker_stream *s, unsigned samples, const uint8_t *fec,
		       size_t fec_len, uint64_t tag, struct rtc_error *err)
{
	if (s->decoder && rtc_decoder_codec(s->decoder) != RTC_CODEC_OPUS)
		return rtc_error_set(err, RTC_ERROR_TYPE, "not an audio decoder stream");
	return decode_job(s, fec, fec ? fec_len : 0, true, samples, tag, err);
}

void rtc_worker_stream_stats(struct rtc_worker_stream *s, struct rtc_worker_stream_stats *st)
{
	pthread_mutex_lock(&s->pool->lock);
	*st = s->stats;
	st->waiting = s->waiting;
	st->running = s->running;
	pthread_mutex_unlock(&s->pool->lock);
}
