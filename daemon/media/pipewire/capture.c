/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capture: a pw_stream reading one camera or microphone node, its formats
 * negotiated from the constraints, its buffers turned into I420 / S16
 * frames for the reactor. What PipeWire tells inside its callbacks
 * (format chosen, stream failed, node gone) is acted on at the reactor's
 * next idle, where the owner's callbacks may free the capture.
 */
#include "media/pipewire/capture.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spa/param/audio/format-utils.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>
#include <spa/utils/result.h>

#include "common/log.h"
#include "media/pipewire/capture-buffer.h"
#include "media/pipewire/context-private.h"
#include "media/raw/convert.h"

#define NS_PER_S 1000000000ull
/* A device that has not produced a format by then is not going to. */
#define START_TIMEOUT_NS (5 * NS_PER_S)
/* A reconnection waits at least 10 × 20 ms (the device's state as we last
 * heard it may predate our disconnect), then until the device idles, at
 * most 50 × 20 ms in all. */
#define IDLE_WAIT_STEP_NS (20 * 1000000ull)
#define IDLE_WAIT_MIN_TRIES 10
#define IDLE_WAIT_TRIES 50

enum phase {
	PHASE_STARTING,          /* connected, no format yet */
	PHASE_RUNNING,
	PHASE_APPLYING,          /* reconnected with new constraints */
	PHASE_REVERTING,         /* back to the old ones after a failed apply */
	PHASE_ENDED,
};

struct rtc_pw_capture {
	struct spa_list link;            /* in ctx->captures */
	struct rtc_pw_context *ctx;
	enum rtc_pw_kind kind;
	struct rtc_pw_capture_callbacks cb;
	void *userdata;

	char device_id[256];
	struct rtc_pw_constraints want;  /* in force (or being applied) */
	struct rtc_pw_constraints before_apply;
	enum phase phase;

	struct pw_stream *stream;
	struct spa_hook stream_listener;
	bool disconnecting;              /* our own disconnect: not an end */

	struct rtc_pw_settings settings;
	uint32_t device_width, device_height;   /* negotiated; settings has what is delivered */
	enum rtc_raw_format raw_format;
	uint32_t audio_format;           /* SPA_AUDIO_FORMAT_S16 / F32 */
	struct rtc_raw_converter *converter;

	/* Work for the reactor's next idle. */
	struct rtc_idle *idle;
	struct rtc_timer *start_timer;
	struct rtc_timer *idle_wait_timer;
	unsigned idle_waits;
	bool pending_format, pending_reconnect, pending_ready, pending_applied;
	bool pending_end, end_reported;
	struct rtc_error applied_error, end_reason;
	bool applied_failed;
	uint64_t dropped;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* The capture ends (once); its stream goes at the next idle. */
__attribute__((format(printf, 3, 4)))
static void end_capture(struct rtc_pw_capture *cap, enum rtc_error_kind kind, const char *fmt, ...)
{
	char why[sizeof(cap->end_reason.message)];
	va_list ap;

	if (cap->phase == PHASE_ENDED)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (cap->phase == PHASE_APPLYING) {
		/* The apply's promise is answered too, before the end. */
		cap->pending_applied = true;
		cap->applied_failed = true;
		rtc_error_set(&cap->applied_error, RTC_ERROR_NOT_READABLE, "%s", why);
	} else if (cap->phase == PHASE_REVERTING) {
		/* Its failure (applied_error) was waiting for the old settings. */
		cap->pending_applied = true;
	}
	cap->phase = PHASE_ENDED;
	cap->pending_end = true;
	rtc_timer_disarm(cap->idle_wait_timer);
	rtc_error_set(&cap->end_reason, kind, "%s", why);
	rtc_timer_disarm(cap->start_timer);
	rtc_idle_schedule(cap->idle);
}

/* ---- formats ---------------------------------------------------------- */

/* exact: the constrained size and rate only; else ranges around them.
 * (A range meeting the device's range keeps the larger default, so only
 * exact entries make a device give less than its preferred size.) */
static const struct spa_pod *video_format(struct spa_pod_builder *b, uint32_t subtype,
					  uint32_t raw_format, const struct rtc_pw_constraints *c,
					  bool exact)
{
	struct spa_rectangle size = SPA_RECTANGLE(c->width, c->height);
	struct spa_rectangle min = SPA_RECTANGLE(1, 1);
	struct spa_rectangle max = SPA_RECTANGLE(RTC_VIDEO_MAX_DIMENSION, RTC_VIDEO_MAX_DIMENSION);
	struct spa_fraction rate = SPA_FRACTION((uint32_t)(c->frame_rate * 1000 + 0.5), 1000);
	struct spa_fraction rmin = SPA_FRACTION(0, 1), rmax = SPA_FRACTION(240, 1);
	struct spa_pod_frame f;

	/* Whole rates as n/1, as cameras list them. */
	if (rate.num % 1000 == 0)
		rate = SPA_FRACTION(rate.num / 1000, 1);
	spa_pod_builder_push_object(b, &f, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
	spa_pod_builder_add(b,
		SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
		SPA_FORMAT_mediaSubtype, SPA_POD_Id(subtype), 0);
	if (subtype == SPA_MEDIA_SUBTYPE_raw)
		spa_pod_builder_add(b, SPA_FORMAT_VIDEO_format, SPA_POD_Id(raw_format), 0);
	if (exact)
		spa_pod_builder_add(b,
			SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size),
			SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&rate), 0);
	else
		spa_pod_builder_add(b,
			SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(&size, &min, &max),
			SPA_FORMAT_VIDEO_framerate,
			SPA_POD_CHOICE_RANGE_Fraction(&rate, &rmin, &rmax), 0);
	return spa_pod_builder_pop(b, &f);
}

static const struct spa_pod *audio_format(struct spa_pod_builder *b, uint32_t format,
					  const struct rtc_pw_constraints *c)
{
	return spa_pod_builder_add_object(b, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
		SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_audio),
		SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
		SPA_FORMAT_AUDIO_format, SPA_POD_Id(format),
		SPA_FORMAT_AUDIO_rate, SPA_POD_Int(c->sample_rate),
		SPA_FORMAT_AUDIO_channels, SPA_POD_Int(c->channels));
}

/* 0, or -1 with err naming the first impossible constraint. */
static int check_constraints(enum rtc_pw_kind kind, const struct rtc_pw_constraints *c,
			     struct rtc_error *err)
{
	if (kind == RTC_PW_VIDEOINPUT) {
		if (c->width % 2 || c->width > RTC_VIDEO_MAX_DIMENSION)
			return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
					     "width: %u is not an even size up to %u", c->width,
					     RTC_VIDEO_MAX_DIMENSION);
		if (c->height % 2 || c->height > RTC_VIDEO_MAX_DIMENSION)
			return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
					     "height: %u is not an even size up to %u", c->height,
					     RTC_VIDEO_MAX_DIMENSION);
		if (c->frame_rate != 0 && !(c->frame_rate >= 1 && c->frame_rate <= 240))
			return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
					     "frame-rate: %g is not within 1..240", c->frame_rate);
	} else {
		if (c->sample_rate && (c->sample_rate < 8000 || c->sample_rate > 192000))
			return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
					     "sample-rate: %u is not within 8000..192000",
					     c->sample_rate);
		if (c->channels > 8)
			return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
					     "channels: %u is not within 1..8", c->channels);
	}
	return 0;
}

/* Unconstrained values become the preferred defaults. */
static void fill_defaults(enum rtc_pw_kind kind, struct rtc_pw_constraints *c)
{
	if (kind == RTC_PW_VIDEOINPUT) {
		if (!c->width && !c->height) {
			c->width = 640;
			c->height = 480;
		} else if (!c->width) {
			c->width = (c->height * 4 / 3 + 1) & ~1u;
		} else if (!c->height) {
			c->height = (c->width * 3 / 4 + 1) & ~1u;
		}
		if (c->frame_rate == 0)
			c->frame_rate = 30;
	} else {
		if (!c->sample_rate)
			c->sample_rate = 48000;
		if (!c->channels)
			c->channels = 1;
	}
}

static int connect_stream(struct rtc_pw_capture *cap)
{
	static const struct { uint32_t subtype, format; } video[] = {
		/* Raw first: no decoding; MJPG for cameras that give large
		 * sizes only compressed. */
		{ SPA_MEDIA_SUBTYPE_raw, SPA_VIDEO_FORMAT_I420 },
		{ SPA_MEDIA_SUBTYPE_raw, SPA_VIDEO_FORMAT_NV12 },
		{ SPA_MEDIA_SUBTYPE_raw, SPA_VIDEO_FORMAT_YUY2 },
		{ SPA_MEDIA_SUBTYPE_mjpg, 0 },
	};
	uint8_t buffer[4096];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[8];
	uint32_t n = 0;

	if (cap->kind == RTC_PW_VIDEOINPUT) {
		/* The exact size and rate in any format before any other size:
		 * PipeWire takes the first of ours the device can do. */
		for (int exact = 1; exact >= 0; exact--)
			for (size_t i = 0; i < SPA_N_ELEMENTS(video); i++)
				params[n++] = video_format(&b, video[i].subtype, video[i].format,
							   &cap->want, exact);
	} else {
		params[n++] = audio_format(&b, SPA_AUDIO_FORMAT_S16, &cap->want);
		params[n++] = audio_format(&b, SPA_AUDIO_FORMAT_F32, &cap->want);
	}
	int res = pw_stream_connect(cap->stream, PW_DIRECTION_INPUT, PW_ID_ANY,
				    PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
				    PW_STREAM_FLAG_DONT_RECONNECT,
				    params, n);
	if (res < 0)
		return res;
	rtc_timer_arm(cap->start_timer, rtc_reactor_now(cap->ctx->reactor) + START_TIMEOUT_NS);
	return 0;
}

/* ---- what PipeWire tells ----------------------------------------------- */

static void on_state_changed(void *userdata, enum pw_stream_state old,
			     enum pw_stream_state state, const char *error)
{
	struct rtc_pw_capture *cap = userdata;

	if (cap->disconnecting)
		return;
	if (state == PW_STREAM_STATE_ERROR)
		end_capture(cap, RTC_ERROR_NOT_READABLE, "%s: %s", cap->device_id,
			    error ? error : "stream failed");
	else if (state == PW_STREAM_STATE_UNCONNECTED && old != PW_STREAM_STATE_UNCONNECTED &&
		 cap->phase == PHASE_STARTING)
		/* The session manager would not link us (WirePlumber refuses
		 * a node another stream links with node.exclusive, and then
		 * destroys ours, as we do not let it reconnect elsewhere). */
		end_capture(cap, RTC_ERROR_NOT_READABLE, "%s is busy: the session manager "
			    "refused the link (another program may hold it exclusively)",
			    cap->device_id);
	else if (state == PW_STREAM_STATE_UNCONNECTED && old != PW_STREAM_STATE_UNCONNECTED)
		end_capture(cap, RTC_ERROR_NOT_READABLE, "%s: disconnected", cap->device_id);
}

/* Reads the negotiated format into settings; false when rtcd cannot take it. */
static bool read_format(struct rtc_pw_capture *cap, const struct spa_pod *param)
{
	uint32_t media_type, media_subtype;

	if (spa_format_parse(param, &media_type, &media_subtype) < 0)
		return false;
	if (cap->kind == RTC_PW_VIDEOINPUT) {
		struct spa_rectangle size;
		struct spa_fraction rate;
		if (media_type != SPA_MEDIA_TYPE_video)
			return false;
		if (media_subtype == SPA_MEDIA_SUBTYPE_raw) {
			struct spa_video_info_raw raw = { 0 };
			if (spa_format_video_raw_parse(param, &raw) < 0)
				return false;
			switch (raw.format) {
			case SPA_VIDEO_FORMAT_I420: cap->raw_format = RTC_RAW_I420; break;
			case SPA_VIDEO_FORMAT_NV12: cap->raw_format = RTC_RAW_NV12; break;
			case SPA_VIDEO_FORMAT_YUY2: cap->raw_format = RTC_RAW_YUY2; break;
			default: return false;
			}
			size = raw.size;
			rate = raw.framerate;
		} else if (media_subtype == SPA_MEDIA_SUBTYPE_mjpg) {
			struct spa_video_info_mjpg mjpg = { 0 };
			if (spa_format_video_mjpg_parse(param, &mjpg) < 0)
				return false;
			cap->raw_format = RTC_RAW_MJPG;
			size = mjpg.size;
			rate = mjpg.framerate;
		} else {
			return false;
		}
		if (size.width == 0 || size.height == 0 || size.width > RTC_VIDEO_MAX_DIMENSION ||
		    size.height > RTC_VIDEO_MAX_DIMENSION)
			return false;
		cap->device_width = size.width;
		cap->device_height = size.height;
		cap->settings.frame_rate = rate.denom ? (double)rate.num / rate.denom : 0;
		cap->settings.format = rtc_raw_format_name(cap->raw_format);
		return true;
	}
	struct spa_audio_info_raw raw = { 0 };
	if (media_type != SPA_MEDIA_TYPE_audio || media_subtype != SPA_MEDIA_SUBTYPE_raw ||
	    spa_format_audio_raw_parse(param, &raw) < 0)
		return false;
	if ((raw.format != SPA_AUDIO_FORMAT_S16 && raw.format != SPA_AUDIO_FORMAT_F32) ||
	    raw.channels == 0 || raw.channels > 8 || raw.rate < 8000 || raw.rate > 192000)
		return false;
	cap->audio_format = raw.format;
	cap->settings.sample_rate = raw.rate;
	cap->settings.channels = raw.channels;
	cap->settings.format = raw.format == SPA_AUDIO_FORMAT_S16 ? "S16LE" : "F32LE";
	return true;
}

/* The constraint the negotiated format does not meet, or NULL; on success
 * the settings say what will be delivered. A larger picture than asked is
 * cropped to the asked aspect ratio and scaled down (a camera running for
 * another consumer keeps its size: PipeWire cannot renegotiate it); a
 * smaller one is not scaled up. A camera faster than asked is fine (the
 * encoder can drop); slower is not. */
static const char *unmet_constraint(struct rtc_pw_capture *cap)
{
	struct rtc_pw_settings *s = &cap->settings;
	const struct rtc_pw_constraints *c = &cap->want;

	if (cap->kind == RTC_PW_VIDEOINPUT) {
		if (cap->device_width < c->width)
			return "width";
		if (cap->device_height < c->height)
			return "height";
		if (s->frame_rate > 0 && s->frame_rate + 0.5 < c->frame_rate)
			return "frame-rate";
		s->width = c->width;
		s->height = c->height;
		return NULL;
	}
	if (s->sample_rate != c->sample_rate)
		return "sample-rate";
	if (s->channels != c->channels)
		return "channels";
	return NULL;
}

static void on_param_changed(void *userdata, uint32_t id, const struct spa_pod *param)
{
	struct rtc_pw_capture *cap = userdata;

	if (id != SPA_PARAM_Format || !param || cap->phase == PHASE_ENDED)
		return;
	if (!read_format(cap, param)) {
		end_capture(cap, RTC_ERROR_NOT_READABLE, "%s offers no format rtcd can read",
			    cap->device_id);
		return;
	}
	cap->pending_format = true;
	rtc_idle_schedule(cap->idle);
}

/* The middle of src at the aspect ratio of width × height, scaled to it. */
static struct rtc_video_frame *crop_and_scale(const struct rtc_video_frame *src, uint32_t width,
					      uint32_t height)
{
	struct rtc_video_frame *dst = rtc_video_frame_new(width, height);
	struct rtc_video_frame view = *src;

	if (!dst)
		return NULL;
	/* Even crop offsets and sizes keep the chroma planes aligned. */
	if ((uint64_t)src->width * height > (uint64_t)src->height * width)
		view.width = (uint32_t)((uint64_t)src->height * width / height) & ~1u;
	else
		view.height = (uint32_t)((uint64_t)src->width * height / width) & ~1u;
	if (view.width < 2 || view.height < 2) {
		view.width = src->width;
		view.height = src->height;
	}
	uint32_t x = ((src->width - view.width) / 2) & ~1u, y = ((src->height - view.height) / 2) & ~1u;
	view.plane[0] = src->plane[0] + (size_t)y * src->stride[0] + x;
	view.plane[1] = src->plane[1] + (size_t)(y / 2) * src->stride[1] + x / 2;
	view.plane[2] = src->plane[2] + (size_t)(y / 2) * src->stride[2] + x / 2;
	rtc_raw_scale(&view, dst);
	return dst;
}

static void deliver_video(struct rtc_pw_capture *cap, struct spa_buffer *buf, uint64_t now)
{
	struct rtc_pw_block blocks[3] = { 0 };
	struct rtc_raw_picture pic;
	struct rtc_error err;
	unsigned n = buf->n_datas > 3 ? 3 : buf->n_datas;

	for (unsigned i = 0; i < n; i++) {
		const struct spa_data *d = &buf->datas[i];
		blocks[i] = (struct rtc_pw_block){
			.data = d->data, .maxsize = d->maxsize,
			.offset = d->chunk ? d->chunk->offset : 0,
			.size = d->chunk ? d->chunk->size : 0,
			.stride = d->chunk ? d->chunk->stride : 0,
		};
	}
	/* Cameras that give one block per plane fill several datas; the
	 * others one: try the planes as given. */
	if (rtc_pw_picture_locate(cap->raw_format, cap->device_width, cap->device_height,
				  blocks, n, &pic) < 0 &&
	    (n == 1 || rtc_pw_picture_locate(cap->raw_format, cap->device_width,
					     cap->device_height, blocks, 1, &pic) < 0)) {
		if (cap->dropped++ == 0)
			rtc_warn("pipewire: %s: a %s buffer too small for %ux%u, dropped",
				 cap->device_id, cap->settings.format, cap->device_width,
				 cap->device_height);
		return;
	}
	/* I420 wants even sizes; a camera's odd edge row or column is cut. */
	struct rtc_video_frame *frame = rtc_video_frame_new(cap->device_width & ~1u,
							    cap->device_height & ~1u);
	if (!frame)
		return;
	if (rtc_raw_convert(cap->converter, &pic, frame, &err) < 0) {
		if (cap->dropped++ == 0)
			rtc_warn("pipewire: %s: frame dropped: %s", cap->device_id, err.message);
		rtc_video_frame_free(frame);
		return;
	}
	frame->capture_ns = now;
	if (frame->width != cap->settings.width || frame->height != cap->settings.height) {
		struct rtc_video_frame *scaled = crop_and_scale(frame, cap->settings.width,
								cap->settings.height);
		rtc_video_frame_free(frame);
		if (!scaled)
			return;
		frame = scaled;
	}
	cap->cb.video_frame(cap->userdata, frame);
}

static void deliver_audio(struct rtc_pw_capture *cap, struct spa_buffer *buf, uint64_t now)
{
	const struct spa_data *d = &buf->datas[0];
	struct rtc_pw_block block = {
		.data = d->data, .maxsize = d->maxsize,
		.offset = d->chunk ? d->chunk->offset : 0, .size = d->chunk ? d->chunk->size : 0,
	};
	uint32_t sample_bytes = cap->audio_format == SPA_AUDIO_FORMAT_F32 ? 4 : 2;
	uint32_t frame_bytes = sample_bytes * cap->settings.channels;

	if (buf->n_datas < 1 || !block.data || block.offset > block.maxsize ||
	    block.size > block.maxsize - block.offset)
		return;
	uint32_t samples = block.size / frame_bytes;
	if (samples == 0)
		return;
	struct rtc_audio_frame *frame = rtc_audio_frame_new(cap->settings.sample_rate,
							    cap->settings.channels, samples);
	if (!frame)
		return;
	const uint8_t *src = block.data + block.offset;
	size_t count = (size_t)samples * cap->settings.channels;
	if (sample_bytes == 2) {
		memcpy(frame->pcm, src, count * 2);
	} else {
		for (size_t i = 0; i < count; i++) {
			float f;
			memcpy(&f, src + 4 * i, 4);
			f = f != f ? 0 : f < -1 ? -1 : f > 1 ? 1 : f;
			frame->pcm[i] = (int16_t)(f * 32767.0f + (f < 0 ? -0.5f : 0.5f));
		}
	}
	frame->capture_ns = now;
	cap->cb.audio_frame(cap->userdata, frame);
}

static void deliver(struct rtc_pw_capture *cap, struct pw_buffer *b)
{
	if (cap->phase != PHASE_RUNNING || b->buffer->n_datas == 0)
		return;
	uint64_t now = monotonic_ns();
	if (cap->kind == RTC_PW_VIDEOINPUT && cap->cb.video_frame)
		deliver_video(cap, b->buffer, now);
	else if (cap->kind == RTC_PW_AUDIOINPUT && cap->cb.audio_frame)
		deliver_audio(cap, b->buffer, now);
}

static void on_process(void *userdata)
{
	struct rtc_pw_capture *cap = userdata;
	struct pw_buffer *b, *newest = NULL;

	while ((b = pw_stream_dequeue_buffer(cap->stream))) {
		if (cap->kind == RTC_PW_AUDIOINPUT) {
			/* Every sample counts. */
			deliver(cap, b);
			pw_stream_queue_buffer(cap->stream, b);
			continue;
		}
		/* A live picture: only the newest matters, older ones go back unread. */
		if (newest)
			pw_stream_queue_buffer(cap->stream, newest);
		newest = b;
	}
	if (newest) {
		deliver(cap, newest);
		pw_stream_queue_buffer(cap->stream, newest);
	}
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.param_changed = on_param_changed,
	.process = on_process,
};

/* ---- the reactor's side ------------------------------------------------ */

static void destroy_stream(struct rtc_pw_capture *cap)
{
	if (!cap->stream)
		return;
	cap->disconnecting = true;
	spa_hook_remove(&cap->stream_listener);
	pw_stream_destroy(cap->stream);
	cap->stream = NULL;
}

/* What the device gives, in the log: MJPG means decoding every frame, which
 * rtcd takes only where no raw format reaches the size asked. */
static void log_format(const struct rtc_pw_capture *cap)
{
	if (cap->kind == RTC_PW_VIDEOINPUT)
		rtc_info("pipewire: %s gives %ux%u %s at %g fps%s", cap->device_id,
			 cap->device_width, cap->device_height, cap->settings.format,
			 cap->settings.frame_rate,
			 cap->raw_format == RTC_RAW_MJPG ? " (no raw format at that size: decoding)" : "");
	else
		rtc_info("pipewire: %s gives %s %u Hz, %u channels", cap->device_id,
			 cap->settings.format, cap->settings.sample_rate, cap->settings.channels);
}

/* The constraint an apply that did not renegotiate is named by: the first
 * it changes. */
static const char *changed_constraint(const struct rtc_pw_capture *cap)
{
	const struct rtc_pw_constraints *a = &cap->before_apply, *b = &cap->want;

	if (a->width != b->width)
		return "width";
	if (a->height != b->height)
		return "height";
	if (a->frame_rate != b->frame_rate)
		return "frame-rate";
	if (a->sample_rate != b->sample_rate)
		return "sample-rate";
	return "channels";
}

/* Did this apply change `key`? */
static bool constraint_changed(const struct rtc_pw_capture *cap, const char *key)
{
	const struct rtc_pw_constraints *a = &cap->before_apply, *b = &cap->want;

	return strcmp(key, "width") == 0 ? a->width != b->width :
	       strcmp(key, "height") == 0 ? a->height != b->height :
	       strcmp(key, "frame-rate") == 0 ? a->frame_rate != b->frame_rate :
	       strcmp(key, "sample-rate") == 0 ? a->sample_rate != b->sample_rate :
	       a->channels != b->channels;
}

/* A negotiated format arrived: does it meet the constraints? */
static void format_decided(struct rtc_pw_capture *cap)
{
	const char *unmet = unmet_constraint(cap);

	log_format(cap);

	rtc_timer_disarm(cap->start_timer);
	switch (cap->phase) {
	case PHASE_STARTING:
		if (unmet) {
			end_capture(cap, RTC_ERROR_OVERCONSTRAINED, "%s cannot be met by %s",
				    unmet, cap->device_id);
			return;
		}
		cap->phase = PHASE_RUNNING;
		cap->pending_ready = true;
		break;
	case PHASE_APPLYING:
		if (unmet) {
			/* Named by what this apply asked: a camera that has no
			 * 60 fps falls back to another size too. */
			if (!constraint_changed(cap, unmet))
				unmet = changed_constraint(cap);
			rtc_error_set(&cap->applied_error, RTC_ERROR_OVERCONSTRAINED,
				      "%s cannot be met by %s", unmet, cap->device_id);
			/* Answered once the previous settings are back (W3C: the
			 * track keeps them when the promise rejects). */
			cap->applied_failed = true;
			cap->want = cap->before_apply;
			cap->phase = PHASE_REVERTING;
			cap->pending_reconnect = true;
			return;
		}
		cap->phase = PHASE_RUNNING;
		cap->applied_failed = false;
		cap->pending_applied = true;
		break;
	case PHASE_REVERTING:
		if (unmet) {
			end_capture(cap, RTC_ERROR_NOT_READABLE,
				    "%s no longer gives its previous settings", cap->device_id);
			return;
		}
		cap->phase = PHASE_RUNNING;
		cap->pending_applied = true;
		break;
	case PHASE_RUNNING:
		/* The device changed format by itself; frames follow it. */
		break;
	case PHASE_ENDED:
		break;
	}
}

static void connect_again(struct rtc_pw_capture *cap)
{
	int res = connect_stream(cap);

	if (res < 0)
		end_capture(cap, RTC_ERROR_NOT_READABLE, "%s: cannot reconnect: %s",
			    cap->device_id, spa_strerror(res));
}

/* While the device still runs, PipeWire would link the new stream to its
 * current format rather than negotiate; so the new connection waits until
 * the device idles once the old one is gone (briefly: some other client may
 * keep it running, and then its format is the one there is). */
static void on_idle_wait(void *userdata)
{
	struct rtc_pw_capture *cap = userdata;
	const struct rtc_pw_node *node = rtc_pw_devices_node(cap->ctx, cap->kind, cap->device_id);

	if (cap->phase == PHASE_ENDED)
		return;
	bool running = node && node->state == PW_NODE_STATE_RUNNING;
	if ((cap->idle_waits < IDLE_WAIT_MIN_TRIES || running) &&
	    cap->idle_waits++ < IDLE_WAIT_TRIES) {
		rtc_timer_arm(cap->idle_wait_timer,
			      rtc_reactor_now(cap->ctx->reactor) + IDLE_WAIT_STEP_NS);
		return;
	}
	connect_again(cap);
}

static void reconnect(struct rtc_pw_capture *cap)
{
	cap->disconnecting = true;
	pw_stream_disconnect(cap->stream);
	cap->disconnecting = false;
	cap->idle_waits = 0;
	rtc_timer_arm(cap->idle_wait_timer, rtc_reactor_now(cap->ctx->reactor) + IDLE_WAIT_STEP_NS);
}

static void on_idle(void *userdata)
{
	struct rtc_pw_capture *cap = userdata;

	if (cap->pending_format) {
		cap->pending_format = false;
		format_decided(cap);
	}
	if (cap->pending_reconnect) {
		cap->pending_reconnect = false;
		if (cap->phase != PHASE_ENDED)
			reconnect(cap);
	}
	if (cap->phase == PHASE_ENDED)
		destroy_stream(cap);

	/* The owner's callbacks last, one at a time: each may free cap. */
	if (cap->pending_ready) {
		cap->pending_ready = false;
		rtc_idle_schedule(cap->idle);
		if (cap->cb.ready)
			cap->cb.ready(cap->userdata);
		return;
	}
	if (cap->pending_applied) {
		cap->pending_applied = false;
		rtc_idle_schedule(cap->idle);
		if (cap->cb.applied)
			cap->cb.applied(cap->userdata, cap->applied_failed ? &cap->applied_error : NULL);
		return;
	}
	if (cap->pending_end && !cap->end_reported) {
		cap->end_reported = true;
		rtc_info("pipewire: capture of %s ended: %s", cap->device_id, cap->end_reason.message);
		if (cap->cb.ended)
			cap->cb.ended(cap->userdata, &cap->end_reason);
	}
}

static void on_start_timeout(void *userdata)
{
	struct rtc_pw_capture *cap = userdata;

	if (cap->phase == PHASE_APPLYING) {
		/* A device that will not renegotiate: the apply fails (W3C
		 * OverconstrainedError) and the previous settings come back. */
		rtc_error_set(&cap->applied_error, RTC_ERROR_OVERCONSTRAINED,
			      "%s: %s did not renegotiate within %llu s", changed_constraint(cap),
			      cap->device_id, (unsigned long long)(START_TIMEOUT_NS / NS_PER_S));
		cap->applied_failed = true;
		cap->want = cap->before_apply;
		cap->phase = PHASE_REVERTING;
		cap->pending_reconnect = true;
		rtc_idle_schedule(cap->idle);
		return;
	}

	end_capture(cap, RTC_ERROR_NOT_READABLE, "%s did not start within %llu s",
		    cap->device_id, (unsigned long long)(START_TIMEOUT_NS / NS_PER_S));
}

struct rtc_pw_capture *rtc_pw_capture_new(struct rtc_pw_context *ctx, enum rtc_pw_kind kind,
					  const char *device_id,
					  const struct rtc_pw_constraints *constraints,
					  const struct rtc_pw_capture_callbacks *cb, void *userdata,
					  struct rtc_error *err)
{
	struct rtc_pw_constraints want = constraints ? *constraints : (struct rtc_pw_constraints){ 0 };
	struct rtc_pw_device dev;

	if (kind != RTC_PW_AUDIOINPUT && kind != RTC_PW_VIDEOINPUT) {
		rtc_error_set(err, RTC_ERROR_TYPE, "only audioinput and videoinput capture");
		return NULL;
	}
	if (rtc_pw_context_check(ctx, err) < 0 || check_constraints(kind, &want, err) < 0)
		return NULL;
	if (device_id ? rtc_pw_devices_find(ctx, kind, device_id, &dev) < 0
		      : rtc_pw_devices_default(ctx, kind, &dev) < 0) {
		if (device_id)
			rtc_error_set(err, RTC_ERROR_NOT_FOUND, "no %s named '%s'",
				      rtc_pw_kind_name(kind), device_id);
		else
			rtc_error_set(err, RTC_ERROR_NOT_FOUND, "no %s device",
				      rtc_pw_kind_name(kind));
		return NULL;
	}
	if (strlen(dev.id) >= sizeof(((struct rtc_pw_capture *)0)->device_id)) {
		rtc_error_set(err, RTC_ERROR_NOT_READABLE, "the device's name is too long");
		return NULL;
	}
	fill_defaults(kind, &want);

	struct rtc_pw_capture *cap = calloc(1, sizeof(*cap));
	if (!cap) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		return NULL;
	}
	cap->ctx = ctx;
	cap->kind = kind;
	if (cb)
		cap->cb = *cb;
	cap->userdata = userdata;
	cap->want = want;
	snprintf(cap->device_id, sizeof(cap->device_id), "%s", dev.id);
	snprintf(cap->settings.device_id, sizeof(cap->settings.device_id), "%s", dev.id);
	spa_list_append(&ctx->captures, &cap->link);

	cap->idle = rtc_idle_new(ctx->reactor, on_idle, cap);
	cap->start_timer = rtc_timer_new(ctx->reactor, on_start_timeout, cap);
	cap->idle_wait_timer = rtc_timer_new(ctx->reactor, on_idle_wait, cap);
	if (kind == RTC_PW_VIDEOINPUT)
		cap->converter = rtc_raw_converter_new();
	struct pw_properties *props = pw_properties_new(
		PW_KEY_MEDIA_TYPE, kind == RTC_PW_VIDEOINPUT ? "Video" : "Audio",
		PW_KEY_MEDIA_CATEGORY, "Capture",
		PW_KEY_MEDIA_ROLE, kind == RTC_PW_VIDEOINPUT ? "Camera" : "Communication",
		PW_KEY_TARGET_OBJECT, dev.id,
		PW_KEY_NODE_NAME, "rtcd-capture",
		NULL);
	if (!cap->idle || !cap->start_timer || !cap->idle_wait_timer || !props ||
	    (kind == RTC_PW_VIDEOINPUT && !cap->converter)) {
		pw_properties_free(props);
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		rtc_pw_capture_free(cap);
		return NULL;
	}
	cap->stream = pw_stream_new(ctx->core, "rtcd capture", props);
	if (!cap->stream) {
		rtc_error_set(err, RTC_ERROR_NOT_READABLE, "%s: cannot create a stream: %s",
			      dev.id, strerror(errno));
		rtc_pw_capture_free(cap);
		return NULL;
	}
	pw_stream_add_listener(cap->stream, &cap->stream_listener, &stream_events, cap);
	int res = connect_stream(cap);
	if (res < 0) {
		rtc_error_set(err, RTC_ERROR_NOT_READABLE, "%s: cannot connect: %s", dev.id,
			      spa_strerror(res));
		rtc_pw_capture_free(cap);
		return NULL;
	}
	return cap;
}

void rtc_pw_capture_free(struct rtc_pw_capture *cap)
{
	if (!cap)
		return;
	destroy_stream(cap);
	spa_list_remove(&cap->link);
	rtc_idle_free(cap->idle);
	rtc_timer_free(cap->start_timer);
	rtc_timer_free(cap->idle_wait_timer);
	rtc_raw_converter_free(cap->converter);
	free(cap);
}

enum rtc_pw_kind rtc_pw_capture_kind(const struct rtc_pw_capture *cap)
{
	return cap->kind;
}

bool rtc_pw_capture_running(const struct rtc_pw_capture *cap)
{
	return cap->phase == PHASE_RUNNING || cap->phase == PHASE_APPLYING ||
	       cap->phase == PHASE_REVERTING;
}

uint64_t rtc_pw_capture_dropped(const struct rtc_pw_capture *cap)
{
	return cap->dropped;
}

void rtc_pw_capture_settings(const struct rtc_pw_capture *cap, struct rtc_pw_settings *out)
{
	*out = cap->settings;
}

int rtc_pw_capture_apply_constraints(struct rtc_pw_capture *cap,
				     const struct rtc_pw_constraints *constraints,
				     struct rtc_error *err)
{
	struct rtc_pw_constraints want = cap->want;

	if (cap->phase != PHASE_RUNNING)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, cap->phase == PHASE_ENDED ?
				     "the capture has ended" : "the capture is not running yet "
				     "or still applying constraints");
	if (check_constraints(cap->kind, constraints, err) < 0)
		return -1;
	if (constraints->width || constraints->height) {
		/* A new size; a side left out follows the current aspect ratio. */
		want.width = constraints->width;
		want.height = constraints->height;
		if (!want.width)
			want.width = (uint32_t)((uint64_t)want.height * cap->want.width /
					       cap->want.height + 1) & ~1u;
		if (!want.height)
			want.height = (uint32_t)((uint64_t)want.width * cap->want.height /
						cap->want.width + 1) & ~1u;
	}
	if (constraints->frame_rate)
		want.frame_rate = constraints->frame_rate;
	if (constraints->sample_rate)
		want.sample_rate = constraints->sample_rate;
	if (constraints->channels)
		want.channels = constraints->channels;
	cap->before_apply = cap->want;
	cap->want = want;
	cap->phase = PHASE_APPLYING;
	cap->pending_reconnect = true;
	rtc_idle_schedule(cap->idle);
	return 0;
}

/* ---- the context's side ------------------------------------------------ */

void rtc_pw_captures_end_all(struct rtc_pw_context *ctx, const char *reason)
{
	struct rtc_pw_capture *cap;

	spa_list_for_each(cap, &ctx->captures, link) {
		end_capture(cap, RTC_ERROR_NOT_READABLE, "%s", reason);
		/* Before the core goes: a stream must not outlive it. */
		destroy_stream(cap);
	}
}

void rtc_pw_captures_node_removed(struct rtc_pw_context *ctx, const char *name)
{
	struct rtc_pw_capture *cap;

	spa_list_for_each(cap, &ctx->captures, link)
		if (strcmp(cap->device_id, name) == 0)
			end_capture(cap, RTC_ERROR_NOT_READABLE, "%s went away", name);
}

void rtc_pw_captures_free_all(struct rtc_pw_context *ctx)
{
	struct rtc_pw_capture *cap, *tmp;

	spa_list_for_each_safe(cap, tmp, &ctx->captures, link)
		rtc_pw_capture_free(cap);
}
