/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A PipeWire stream that reads I420 frames from one video node (see
 * node-reader.h). PipeWire gives a frame's planes as one block (planes one
 * after another, chroma strides half the luma's) or as one block per
 * plane; both are taken, anything too small for the negotiated size is
 * dropped rather than read past its end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipewire/pipewire.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>

#include "node-reader.h"

struct node_reader {
	struct pw_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct pw_stream *stream;
	struct spa_hook stream_listener, core_listener;
	uint32_t width, height;
	bool streaming;     /* reached PW_STREAM_STATE_STREAMING once */
	char error[256];    /* "" while all is well */
	node_reader_frame_fn on_frame;
	void *userdata;
};

static void fail(struct node_reader *r, const char *what, const char *detail)
{
	if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "%s%s", what, detail);
}

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
			     const char *error)
{
	struct node_reader *r = data;

	(void)old;
	if (state == PW_STREAM_STATE_STREAMING)
		r->streaming = true;
	else if (state == PW_STREAM_STATE_ERROR)
		fail(r, "the PipeWire stream failed: ", error ? error : "no reason given");
	else if (state == PW_STREAM_STATE_UNCONNECTED && r->streaming)
		fail(r, "the node went away", "");
}

static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct node_reader *r = data;
	struct spa_video_info_raw raw = { 0 };
	uint32_t media_type, media_subtype;

	if (id != SPA_PARAM_Format || !param ||
	    spa_format_parse(param, &media_type, &media_subtype) < 0 ||
	    media_type != SPA_MEDIA_TYPE_video || media_subtype != SPA_MEDIA_SUBTYPE_raw ||
	    spa_format_video_raw_parse(param, &raw) < 0)
		return;
	if (raw.format != SPA_VIDEO_FORMAT_I420) {
		fail(r, "the node does not give I420", "");
		return;
	}
	r->width = raw.size.width;
	r->height = raw.size.height;
}

/* Whether [offset, offset + size) lies inside a block of maxsize bytes. */
static bool fits(uint32_t maxsize, uint64_t offset, uint64_t size)
{
	return offset <= maxsize && size <= maxsize - offset;
}

/* The planes of one buffer; false if they are not all there. */
static bool locate(const struct node_reader *r, const struct spa_buffer *buf,
		   struct node_reader_frame *f)
{
	uint32_t w = r->width, h = r->height, cw = (w + 1) / 2, ch = (h + 1) / 2;

	*f = (struct node_reader_frame){ .width = w, .height = h };
	if (w == 0 || h == 0 || buf->n_datas == 0)
		return false;
	if (buf->n_datas >= 3) {
		for (unsigned i = 0; i < 3; i++) {
			const struct spa_data *d = &buf->datas[i];
			uint32_t offset = d->chunk ? d->chunk->offset : 0;
			int32_t stride = d->chunk ? d->chunk->stride : 0;
			uint32_t min_stride = i == 0 ? w : cw, rows = i == 0 ? h : ch;

			if (!d->data)
				return false;
			f->stride[i] = stride >= (int32_t)min_stride ? (uint32_t)stride : min_stride;
			if (!fits(d->maxsize, offset, (uint64_t)f->stride[i] * rows))
				return false;
			f->plane[i] = (const uint8_t *)d->data + offset;
		}
		return true;
	}
	const struct spa_data *d = &buf->datas[0];
	uint32_t offset = d->chunk ? d->chunk->offset : 0;
	int32_t stride = d->chunk ? d->chunk->stride : 0;
	uint32_t ys = stride >= (int32_t)w ? (uint32_t)stride : w, cs = (ys + 1) / 2;
	uint64_t luma = (uint64_t)ys * h, chroma = (uint64_t)cs * ch;

	if (!d->data || !fits(d->maxsize, offset, luma + 2 * chroma))
		return false;
	f->plane[0] = (const uint8_t *)d->data + offset;
	f->plane[1] = f->plane[0] + luma;
	f->plane[2] = f->plane[1] + chroma;
	f->stride[0] = ys;
	f->stride[1] = f->stride[2] = cs;
	return true;
}

static void on_process(void *data)
{
	struct node_reader *r = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(r->stream);
	struct node_reader_frame frame;

	if (!b)
		return;
	if (locate(r, b->buffer, &frame))
		r->on_frame(r->userdata, &frame);
	pw_stream_queue_buffer(r->stream, b);
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.param_changed = on_param_changed,
	.process = on_process,
};

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct node_reader *r = data;

	(void)seq;
	(void)res;
	if (id == PW_ID_CORE)
		fail(r, "PipeWire: ", message);
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.error = on_core_error,
};

static int connect_stream(struct node_reader *r)
{
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[1];

	params[0] = spa_pod_builder_add_object(&b,
		SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
		SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
		SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
		SPA_FORMAT_VIDEO_format, SPA_POD_Id(SPA_VIDEO_FORMAT_I420),
		SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(
			&SPA_RECTANGLE(640, 480), &SPA_RECTANGLE(2, 2), &SPA_RECTANGLE(4096, 4096)),
		SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(
			&SPA_FRACTION(30, 1), &SPA_FRACTION(0, 1), &SPA_FRACTION(1000, 1)));
	return pw_stream_connect(r->stream, PW_DIRECTION_INPUT, PW_ID_ANY,
				 PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
				 PW_STREAM_FLAG_DONT_RECONNECT,
				 params, 1);
}

struct node_reader *node_reader_new(const char *node_name, node_reader_frame_fn on_frame,
				    void *userdata, char *why, size_t why_size)
{
	struct node_reader *r = calloc(1, sizeof(*r));
	struct pw_properties *props;

	if (!r) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	r->on_frame = on_frame;
	r->userdata = userdata;
	pw_init(NULL, NULL);
	r->loop = pw_loop_new(NULL);
	if (!r->loop) {
		snprintf(why, why_size, "cannot make a PipeWire loop");
		goto fail;
	}
	/* Entered for good: everything runs in this thread, in dispatch. */
	pw_loop_enter(r->loop);
	r->context = pw_context_new(r->loop, NULL, 0);
	if (r->context)
		r->core = pw_context_connect(r->context, NULL, 0);
	if (!r->core) {
		snprintf(why, why_size, "cannot connect to PipeWire: %m");
		goto fail;
	}
	pw_core_add_listener(r->core, &r->core_listener, &core_events, r);
	props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Video", PW_KEY_MEDIA_CATEGORY, "Capture",
				  PW_KEY_NODE_NAME, "rtcctl", PW_KEY_TARGET_OBJECT, node_name,
				  NULL);
	r->stream = props ? pw_stream_new(r->core, "rtcctl", props) : NULL;
	if (!r->stream) {
		snprintf(why, why_size, "cannot make a PipeWire stream: %m");
		goto fail;
	}
	pw_stream_add_listener(r->stream, &r->stream_listener, &stream_events, r);
	if (connect_stream(r) < 0) {
		snprintf(why, why_size, "cannot connect a PipeWire stream to %s", node_name);
		goto fail;
	}
	return r;
fail:
	node_reader_free(r);
	return NULL;
}

int node_reader_fd(const struct node_reader *r)
{
	return pw_loop_get_fd(r->loop);
}

bool node_reader_dispatch(struct node_reader *r)
{
	pw_loop_iterate(r->loop, 0);
	return !r->error[0];
}

const char *node_reader_error(const struct node_reader *r)
{
	return r->error;
}

void node_reader_free(struct node_reader *r)
{
	if (!r)
		return;
	if (r->stream)
		pw_stream_destroy(r->stream);
	if (r->core)
		pw_core_disconnect(r->core);
	if (r->context)
		pw_context_destroy(r->context);
	if (r->loop) {
		pw_loop_leave(r->loop);
		pw_loop_destroy(r->loop);
	}
	free(r);
	pw_deinit();
}
