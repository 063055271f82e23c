/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipewire/output-video.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pipewire/pipewire.h>
#include <spa/param/video/format-utils.h>

#include "common/log.h"
#include "media/pipewire/output-node.h"

/* Enough for a consumer holding one or two while one is being filled. */
#define BUFFERS_DEFAULT 4
#define BUFFERS_MIN     2
#define BUFFERS_MAX     8

struct rtc_pw_video_output {
	struct pw_stream *stream;       /* NULL once PipeWire destroyed it */
	struct spa_hook listener;
	uint32_t offered_width, offered_height;     /* in our EnumFormat */
	uint32_t format_width, format_height;       /* negotiated; 0: none */
	bool streaming;
	/* Driving: a cycle runs until every consumer took the frame. The next
	 * frame waits for it, else the graph would overwrite a frame not yet
	 * taken (PipeWire's tee does), losing it without a trace. */
	bool cycle_pending;
	uint64_t cycle_started_ns;
	struct rtc_pw_video_stats stats;
	void (*ready)(void *user);
	void *ready_user;
};

/* A cycle that never completes (its consumer vanished mid-cycle) must not
 * stop the node for good. */
#define CYCLE_GIVE_UP_NS 500000000ull

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t round_up_4(uint32_t v)
{
	return (v + 3) & ~3u;
}

void rtc_pw_i420_layout(uint32_t width, uint32_t height, struct rtc_pw_i420_layout *layout)
{
	uint32_t luma_stride = round_up_4(width), chroma_stride = round_up_4(width / 2);
	layout->stride[0] = luma_stride;
	layout->stride[1] = layout->stride[2] = chroma_stride;
	layout->offset[0] = 0;
	layout->offset[1] = luma_stride * height;
	layout->offset[2] = layout->offset[1] + chroma_stride * (height / 2);
	layout->size = layout->offset[2] + chroma_stride * (height / 2);
}

/* I420 at exactly this size; the rate is the remote side's, so any. */
static const struct spa_pod *enum_format(struct spa_pod_builder *b, uint32_t width, uint32_t height)
{
	return spa_pod_builder_add_object(b,
		SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
		SPA_FORMAT_mediaType,       SPA_POD_Id(SPA_MEDIA_TYPE_video),
		SPA_FORMAT_mediaSubtype,    SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
		SPA_FORMAT_VIDEO_format,    SPA_POD_Id(SPA_VIDEO_FORMAT_I420),
		SPA_FORMAT_VIDEO_size,      SPA_POD_Rectangle(&SPA_RECTANGLE(width, height)),
		SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(
			&SPA_FRACTION(30, 1), &SPA_FRACTION(0, 1), &SPA_FRACTION(1000, 1)));
}

static void offer_size(struct rtc_pw_video_output *out, uint32_t width, uint32_t height)
{
	uint8_t pod_buffer[512];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(pod_buffer, sizeof(pod_buffer));
	const struct spa_pod *params[1] = { enum_format(&b, width, height) };
	out->offered_width = width;
	out->offered_height = height;
	/* A changed EnumFormat makes PipeWire renegotiate linked ports. */
	pw_stream_update_params(out->stream, params, 1);
}

static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct rtc_pw_video_output *out = data;
	if (id != SPA_PARAM_Format)
		return;
	struct spa_video_info_raw info = { 0 };
	if (!param || spa_format_video_raw_parse(param, &info) < 0 ||
	    info.format != SPA_VIDEO_FORMAT_I420) {
		out->format_width = out->format_height = 0;
		return;
	}
	out->format_width = info.size.width;
	out->format_height = info.size.height;
	out->cycle_pending = false;

	struct rtc_pw_i420_layout layout;
	rtc_pw_i420_layout(info.size.width, info.size.height, &layout);
	uint8_t pod_buffer[512];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(pod_buffer, sizeof(pod_buffer));
	const struct spa_pod *params[2] = {
		spa_pod_builder_add_object(&b,
			SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
			SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(
				BUFFERS_DEFAULT, BUFFERS_MIN, BUFFERS_MAX),
			SPA_PARAM_BUFFERS_blocks,  SPA_POD_Int(1),
			SPA_PARAM_BUFFERS_size,    SPA_POD_Int((int32_t)layout.size),
			SPA_PARAM_BUFFERS_stride,  SPA_POD_Int((int32_t)layout.stride[0])),
		spa_pod_builder_add_object(&b,
			SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
			SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
			SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_header))),
	};
	pw_stream_update_params(out->stream, params, 2);
}

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
			     const char *error)
{
	struct rtc_pw_video_output *out = data;
	out->streaming = state == PW_STREAM_STATE_STREAMING;
	out->cycle_pending = false;
	if (state == PW_STREAM_STATE_ERROR)
		rtc_warn("pipewire: video output %s: %s",
			 pw_stream_get_name(out->stream), error ? error : "error");
	if (out->streaming && out->ready)
		out->ready(out->ready_user);
}

/* Every consumer took the frame of the cycle we started. */
static void on_trigger_done(void *data)
{
	struct rtc_pw_video_output *out = data;
	out->cycle_pending = false;
	if (out->ready)
		out->ready(out->ready_user);
}

/* PipeWire destroys streams with their core: forget ours. */
static void on_destroy(void *data)
{
	struct rtc_pw_video_output *out = data;
	spa_hook_remove(&out->listener);
	out->stream = NULL;
	out->streaming = false;
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.destroy = on_destroy,
	.state_changed = on_state_changed,
	.param_changed = on_param_changed,
	.trigger_done = on_trigger_done,
};

static bool size_ok(uint32_t width, uint32_t height)
{
	return width >= 2 && height >= 2 && width % 2 == 0 && height % 2 == 0 &&
	       width <= RTC_VIDEO_MAX_DIMENSION && height <= RTC_VIDEO_MAX_DIMENSION;
}

struct rtc_pw_video_output *rtc_pw_video_output_new(struct pw_core *core,
						    const struct rtc_pw_video_output_config *config,
						    struct rtc_error *err)
{
	if (!config->node_name || !*config->node_name) {
		rtc_error_set(err, RTC_ERROR_TYPE, "video output: no node name");
		return NULL;
	}
	if (!size_ok(config->width, config->height)) {
		rtc_error_set(err, RTC_ERROR_RANGE, "video output: size %ux%u (even, 2..%u)",
			      config->width, config->height, RTC_VIDEO_MAX_DIMENSION);
		return NULL;
	}
	const char *label = config->description && *config->description ?
			    config->description : config->node_name;
	struct pw_properties *props = pw_properties_new(
		PW_KEY_MEDIA_TYPE, "Video",
		PW_KEY_MEDIA_CATEGORY, "Capture",
		PW_KEY_MEDIA_ROLE, "Camera",
		PW_KEY_MEDIA_CLASS, "Video/Source",
		PW_KEY_NODE_NAME, config->node_name,
		PW_KEY_NODE_DESCRIPTION, label,
		RTC_PW_REMOTE_TRACK_KEY, "true",
		NULL);
	struct rtc_pw_video_output *out = calloc(1, sizeof(*out));
	if (!props || !out) {
		pw_properties_free(props);
		free(out);
		rtc_error_set(err, RTC_ERROR_OPERATION, "video output: no memory");
		return NULL;
	}
	out->stream = pw_stream_new(core, config->node_name, props);
	if (!out->stream) {
		rtc_error_set(err, RTC_ERROR_NOT_READABLE, "video output: pw_stream_new: %s",
			      strerror(errno));
		free(out);
		return NULL;
	}
	pw_stream_add_listener(out->stream, &out->listener, &stream_events, out);

	uint8_t pod_buffer[512];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(pod_buffer, sizeof(pod_buffer));
	const struct spa_pod *params[1] = { enum_format(&b, config->width, config->height) };
	out->offered_width = config->width;
	out->offered_height = config->height;
	/* A driver (it runs a graph cycle per pushed frame), waiting for
	 * consumers rather than linking itself anywhere. */
	int res = pw_stream_connect(out->stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
				    PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_MAP_BUFFERS, params, 1);
	if (res < 0) {
		rtc_error_set(err, RTC_ERROR_NOT_READABLE, "video output: pw_stream_connect: %s",
			      strerror(-res));
		rtc_pw_video_output_destroy(out);
		return NULL;
	}
	return out;
}

void rtc_pw_video_output_destroy(struct rtc_pw_video_output *out)
{
	if (!out)
		return;
	if (out->stream) {
		spa_hook_remove(&out->listener);
		pw_stream_destroy(out->stream);
	}
	free(out);
}

static void copy_plane(uint8_t *dst, uint32_t dst_stride, const uint8_t *src, uint32_t src_stride,
		       uint32_t row_bytes, uint32_t rows)
{
	if (dst_stride == row_bytes && src_stride == row_bytes) {
		memcpy(dst, src, (size_t)row_bytes * rows);
		return;
	}
	for (uint32_t y = 0; y < rows; y++)
		memcpy(dst + (size_t)y * dst_stride, src + (size_t)y * src_stride, row_bytes);
}

/* Queues the buffer and runs the cycle that hands it over. */
static void send_buffer(struct rtc_pw_video_output *out, struct pw_buffer *b)
{
	pw_stream_queue_buffer(out->stream, b);
	/* Driving: run a cycle now; following another driver: ask it to. */
	if (pw_stream_is_driving(out->stream)) {
		out->cycle_pending = true;
		out->cycle_started_ns = monotonic_ns();
	}
	pw_stream_trigger_process(out->stream);
}

/* The consumers are still on the last frame: one waits for them, or the
 * cycle that hands it over has not completed. */
static bool consumers_busy(const struct rtc_pw_video_output *out)
{
	if (out->cycle_pending && monotonic_ns() - out->cycle_started_ns < CYCLE_GIVE_UP_NS)
		return true;
	struct pw_time time = { 0 };
	return pw_stream_get_time_n(out->stream, &time, sizeof(time)) == 0 &&
	       time.queued_buffers > 0;
}

/* Copies the frame into a free buffer and sends it; false when none is
 * free, one is still waiting for the consumer, or the consumers have not
 * yet taken the last one. */
static bool deliver(struct rtc_pw_video_output *out, const struct rtc_video_frame *frame)
{
	if (consumers_busy(out))
		return false;
	out->cycle_pending = false;
	struct pw_buffer *b = pw_stream_dequeue_buffer(out->stream);
	if (!b)
		return false;
	struct spa_buffer *buf = b->buffer;
	struct spa_data *d = &buf->datas[0];
	struct rtc_pw_i420_layout layout;
	rtc_pw_i420_layout(frame->width, frame->height, &layout);
	if (!d->data || d->maxsize < layout.size) {
		/* Buffers too small for the negotiated size (a consumer that
		 * forced its own): an empty buffer it skips, not a torn
		 * frame — sent all the same, or it would block the queue. */
		d->chunk->offset = 0;
		d->chunk->size = 0;
		d->chunk->flags = SPA_CHUNK_FLAG_CORRUPTED;
		send_buffer(out, b);
		return false;
	}
	uint8_t *base = d->data;
	for (int p = 0; p < 3; p++) {
		uint32_t w = p ? frame->width / 2 : frame->width;
		uint32_t h = p ? frame->height / 2 : frame->height;
		copy_plane(base + layout.offset[p], layout.stride[p],
			   frame->plane[p], frame->stride[p], w, h);
	}
	d->chunk->offset = 0;
	d->chunk->size = layout.size;
	d->chunk->stride = (int32_t)layout.stride[0];
	d->chunk->flags = SPA_CHUNK_FLAG_NONE;

	struct spa_meta_header *h = spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*h));
	if (h) {
		h->flags = 0;
		h->offset = 0;
		h->pts = (int64_t)frame->capture_ns;
		h->dts_offset = 0;
		h->seq = out->stats.frames_pushed;
	}
	send_buffer(out, b);
	return true;
}

static bool frame_ok(const struct rtc_video_frame *f)
{
	if (!size_ok(f->width, f->height))
		return false;
	for (int p = 0; p < 3; p++) {
		uint32_t w = p ? f->width / 2 : f->width;
		if (!f->plane[p] || f->stride[p] < w)
			return false;
	}
	return true;
}

int rtc_pw_video_output_push(struct rtc_pw_video_output *out, const struct rtc_video_frame *frame,
			     struct rtc_error *err)
{
	if (!frame_ok(frame))
		return rtc_error_set(err, RTC_ERROR_TYPE, "video output: bad frame %ux%u",
				     frame->width, frame->height);
	out->stats.frames_pushed++;
	if (!out->stream) {
		out->stats.dropped_unlinked++;
		return 0;
	}
	if (frame->width != out->offered_width || frame->height != out->offered_height) {
		offer_size(out, frame->width, frame->height);
		out->stats.renegotiations++;
	}
	if (!out->streaming) {
		out->stats.dropped_unlinked++;
		return 0;
	}
	if (frame->width != out->format_width || frame->height != out->format_height) {
		out->stats.dropped_resizing++;
		return 0;
	}
	if (!deliver(out, frame)) {
		out->stats.dropped_busy++;
		return 0;
	}
	out->stats.frames_delivered++;
	return 1;
}

bool rtc_pw_video_output_is_linked(const struct rtc_pw_video_output *out)
{
	return out->streaming;
}

bool rtc_pw_video_output_busy(const struct rtc_pw_video_output *out)
{
	return out->stream && out->streaming && consumers_busy(out);
}

void rtc_pw_video_output_on_ready(struct rtc_pw_video_output *out, void (*ready)(void *user),
				  void *user)
{
	out->ready = ready;
	out->ready_user = user;
}

uint32_t rtc_pw_video_output_node_id(const struct rtc_pw_video_output *out)
{
	return out->stream ? pw_stream_get_node_id(out->stream) : SPA_ID_INVALID;
}

void rtc_pw_video_output_get_stats(const struct rtc_pw_video_output *out,
				   struct rtc_pw_video_stats *stats)
{
	*stats = out->stats;
}
