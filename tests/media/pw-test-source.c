/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A camera or microphone for tests: a PipeWire node of its own that rtcd
 * captures from (recipes/pipewire-headless.md: PipeWire's built-in test
 * sources misbehave when consumers reconnect; this one does not).
 *
 *   pw-test-source [--nv12 | --yuy2 | --audio] [--remote-track] NODE_NAME [DESCRIPTION]
 *
 * Video: a Video/Source offering I420 (or NV12 / YUY2) of any size from
 * 16x16 to 1920x1080, 640x480 preferred, at 30 fps, driving the graph
 * itself (a timer and pw_stream_trigger_process). Each frame's first eight
 * luma samples of row 0 are its counter (little endian) and the counter's
 * complement, exact through any lossless path; the rest is a gradient that
 * moves with the counter. Audio: an Audio/Source of S16LE 48 kHz mono, a
 * 440 Hz tone of amplitude 8000, as many samples per cycle as the graph
 * asks, cycles as far apart as those samples last.
 * --remote-track marks the node as rtcd marks the nodes of remote tracks
 * (rtcd.remote-track = true), which rtcd must not list as devices.
 * Runs until SIGTERM or SIGINT.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>

enum mode { MODE_I420, MODE_NV12, MODE_YUY2, MODE_AUDIO };

struct source {
	struct pw_main_loop *main_loop;
	struct pw_stream *stream;
	struct spa_hook listener;
	struct spa_source *timer;
	enum mode mode;
	uint32_t width, height;
	uint32_t counter;
	double phase;
	uint32_t audio_samples;   /* in the last buffer */
};

static uint32_t frame_bytes(const struct source *s)
{
	if (s->mode == MODE_YUY2)
		return s->width * 2 * s->height;
	return s->width * s->height * 3 / 2;
}

static uint32_t luma_stride(const struct source *s)
{
	return s->mode == MODE_YUY2 ? s->width * 2 : s->width;
}

static void fill_video(struct source *s, uint8_t *p)
{
	uint32_t w = s->width, h = s->height, c = s->counter;
	uint8_t mark[8];

	for (int i = 0; i < 4; i++) {
		mark[i] = (uint8_t)(c >> (8 * i));
		mark[4 + i] = (uint8_t)~mark[i];
	}
	if (s->mode == MODE_YUY2) {
		for (uint32_t y = 0; y < h; y++) {
			uint8_t *row = p + (size_t)y * w * 2;
			for (uint32_t x = 0; x < w; x++) {
				row[2 * x] = (uint8_t)(x + y + c);
				row[2 * x + 1] = x % 2 ? 160 : 96;   /* V, U */
			}
		}
		for (int i = 0; i < 8 && (uint32_t)i < w; i++)
			p[2 * i] = mark[i];
		return;
	}
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			p[(size_t)y * w + x] = (uint8_t)(x + y + c);
	memcpy(p, mark, w < 8 ? w : 8);
	/* Chroma: I420 U then V planes, NV12 one interleaved plane; both flat. */
	uint8_t *chroma = p + (size_t)w * h;
	size_t chroma_bytes = (size_t)w * h / 2;
	if (s->mode == MODE_I420) {
		memset(chroma, 96, chroma_bytes / 2);
		memset(chroma + chroma_bytes / 2, 160, chroma_bytes / 2);
	} else {
		for (size_t i = 0; i < chroma_bytes; i++)
			chroma[i] = i % 2 ? 160 : 96;
	}
}

static void fill_audio(struct source *s, struct spa_buffer *buf, uint64_t requested)
{
	struct spa_data *d = &buf->datas[0];
	/* What the graph asks for per cycle; the timer then waits that long. */
	uint32_t samples = requested && requested <= 48000 ? (uint32_t)requested : 480;

	if (samples * 2 > d->maxsize)
		samples = d->maxsize / 2;
	int16_t *pcm = d->data;
	for (uint32_t i = 0; i < samples; i++) {
		pcm[i] = (int16_t)(sin(s->phase) * 8000);
		s->phase += 2 * M_PI * 440 / 48000;
		if (s->phase > 2 * M_PI)
			s->phase -= 2 * M_PI;
	}
	d->chunk->offset = 0;
	d->chunk->stride = 2;
	d->chunk->size = samples * 2;
	s->audio_samples = samples;
}

static void on_process(void *userdata)
{
	struct source *s = userdata;
	struct pw_buffer *b = pw_stream_dequeue_buffer(s->stream);

	if (!b)
		return;
	struct spa_data *d = &b->buffer->datas[0];
	if (d->data) {
		if (s->mode == MODE_AUDIO) {
			fill_audio(s, b->buffer, b->requested);
		} else if (s->width && frame_bytes(s) <= d->maxsize) {
			fill_video(s, d->data);
			d->chunk->offset = 0;
			d->chunk->stride = (int32_t)luma_stride(s);
			d->chunk->size = frame_bytes(s);
			s->counter++;
		}
	}
	pw_stream_queue_buffer(s->stream, b);
}

static void on_param_changed(void *userdata, uint32_t id, const struct spa_pod *param)
{
	struct source *s = userdata;
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_video_info_raw info = { 0 };

	if (id != SPA_PARAM_Format || !param || s->mode == MODE_AUDIO)
		return;
	if (spa_format_video_raw_parse(param, &info) < 0)
		return;
	s->width = info.size.width;
	s->height = info.size.height;
	fprintf(stderr, "pw-test-source: %ux%u\n", s->width, s->height);
	const struct spa_pod *params[1];
	params[0] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
		SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(4, 2, 8),
		SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1),
		SPA_PARAM_BUFFERS_size, SPA_POD_Int((int32_t)frame_bytes(s)),
		SPA_PARAM_BUFFERS_stride, SPA_POD_Int((int32_t)luma_stride(s)),
		SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int((1 << SPA_DATA_MemFd) |
								     (1 << SPA_DATA_MemPtr)));
	pw_stream_update_params(s->stream, params, 1);
}

static void arm_timer(struct source *s)
{
	struct pw_loop *loop = pw_main_loop_get_loop(s->main_loop);
	uint64_t ns = s->mode == MODE_AUDIO ? (uint64_t)s->audio_samples * 1000000000 / 48000
					    : 1000000000 / 30;
	struct timespec next = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

	pw_loop_update_timer(loop, s->timer, &next, NULL, false);
}

static void on_timer(void *userdata, uint64_t expirations)
{
	struct source *s = userdata;

	if (pw_stream_get_state(s->stream, NULL) == PW_STREAM_STATE_STREAMING)
		pw_stream_trigger_process(s->stream);
	arm_timer(s);
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.process = on_process,
	.param_changed = on_param_changed,
};

static void on_signal(void *userdata, int signo)
{
	struct source *s = userdata;

	pw_main_loop_quit(s->main_loop);
}

int main(int argc, char *argv[])
{
	struct source s = { .mode = MODE_I420 };
	int arg = 1;

	bool remote_track = false;
	for (; arg < argc && strncmp(argv[arg], "--", 2) == 0; arg++) {
		if (strcmp(argv[arg], "--nv12") == 0)
			s.mode = MODE_NV12;
		else if (strcmp(argv[arg], "--yuy2") == 0)
			s.mode = MODE_YUY2;
		else if (strcmp(argv[arg], "--audio") == 0)
			s.mode = MODE_AUDIO;
		else if (strcmp(argv[arg], "--remote-track") == 0)
			remote_track = true;   /* as rtcd's own output nodes are marked */
		else
			arg = argc;
	}
	if (arg >= argc) {
		fprintf(stderr, "usage: %s [--nv12 | --yuy2 | --audio] [--remote-track] "
			"NODE_NAME [DESCRIPTION]\n",
			argv[0]);
		return 2;
	}
	const char *name = argv[arg], *description = arg + 1 < argc ? argv[arg + 1] : name;

	pw_init(&argc, &argv);
	s.main_loop = pw_main_loop_new(NULL);
	struct pw_loop *loop = pw_main_loop_get_loop(s.main_loop);
	pw_loop_add_signal(loop, SIGINT, on_signal, &s);
	pw_loop_add_signal(loop, SIGTERM, on_signal, &s);

	bool audio = s.mode == MODE_AUDIO;
	s.stream = pw_stream_new_simple(loop, name,
		pw_properties_new(
			PW_KEY_MEDIA_TYPE, audio ? "Audio" : "Video",
			PW_KEY_MEDIA_CATEGORY, "Capture",
			PW_KEY_MEDIA_CLASS, audio ? "Audio/Source" : "Video/Source",
			PW_KEY_NODE_NAME, name,
			PW_KEY_NODE_DESCRIPTION, description,
			PW_KEY_NODE_LATENCY, audio ? "480/48000" : NULL,
			"rtcd.remote-track", remote_track ? "true" : NULL,
			NULL),
		&stream_events, &s);

	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[1];
	if (audio) {
		params[0] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
			SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_audio),
			SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
			SPA_FORMAT_AUDIO_format, SPA_POD_Id(SPA_AUDIO_FORMAT_S16),
			SPA_FORMAT_AUDIO_rate, SPA_POD_Int(48000),
			SPA_FORMAT_AUDIO_channels, SPA_POD_Int(1));
	} else {
		uint32_t format = s.mode == MODE_NV12 ? SPA_VIDEO_FORMAT_NV12 :
				  s.mode == MODE_YUY2 ? SPA_VIDEO_FORMAT_YUY2 : SPA_VIDEO_FORMAT_I420;
		params[0] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
			SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
			SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
			SPA_FORMAT_VIDEO_format, SPA_POD_Id(format),
			SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(
				&SPA_RECTANGLE(640, 480), &SPA_RECTANGLE(16, 16),
				&SPA_RECTANGLE(1920, 1080)),
			SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&SPA_FRACTION(30, 1)));
	}
	pw_stream_connect(s.stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
			  PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_MAP_BUFFERS, params, 1);

	/* The graph runs at this source's pace: 30 fps, or as many samples
	 * as the last buffer held. */
	s.audio_samples = 480;
	s.timer = pw_loop_add_timer(loop, on_timer, &s);
	arm_timer(&s);

	pw_main_loop_run(s.main_loop);

	pw_stream_destroy(s.stream);
	pw_main_loop_destroy(s.main_loop);
	pw_deinit();
	return 0;
}
