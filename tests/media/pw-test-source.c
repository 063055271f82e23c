/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A camera or microphone for tests: a PipeWire node of its own that rtcd
 * captures from (recipes/pipewire-headless.md: PipeWire's built-in test
 * sources misbehave when consumers reconnect; this one does not).
 *
 *   pw-test-source [FORMAT] [--corrupt-every N] [--rate HZ] [--channels N]
 *                  [--remote-track] NODE_NAME [DESCRIPTION]
 *   FORMAT: --nv12 | --yuy2 | --mjpg | --mjpg422 | --mjpg-yuy2 | --audio
 *
 * Video: a Video/Source offering I420 (or NV12 / YUY2) of any size from
 * 16x16 to 1920x1080, 640x480 preferred, at 30 fps, driving the graph
 * itself (a timer and pw_stream_trigger_process). Each frame's first eight
 * luma samples of row 0 are its counter (little endian) and the counter's
 * complement, exact through any lossless path; the rest is a gradient that
 * moves with the counter. --mjpg / --mjpg422 offer MJPG only, the same
 * picture JPEG-encoded with libturbojpeg at 4:2:0 / 4:2:2 chroma (what
 * webcams send); --mjpg-yuy2 offers what a typical USB webcam does: YUY2
 * up to 640x480 and MJPG (4:2:2) up to 1920x1080. --corrupt-every N makes
 * every Nth MJPG frame undecodable (truncated or with its header wiped, in
 * turns), as a camera's USB hiccup does.
 * Audio: an Audio/Source of S16LE, 48 kHz mono unless --rate / --channels
 * say otherwise, a 440 Hz tone of amplitude 8000 on every channel, as many
 * samples per cycle as the graph asks, cycles as far apart as those
 * samples last.
 * --remote-track marks the node as rtcd marks the nodes of remote tracks
 * (rtcd.remote-track = true), which rtcd must not list as devices.
 * On stderr: "pw-test-source: WxH FORMAT" for each negotiated video format,
 * "pw-test-source: corrupt frame N" for each corrupt one.
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
#include <turbojpeg.h>

enum mode { MODE_I420, MODE_NV12, MODE_YUY2, MODE_MJPG, MODE_MJPG422, MODE_MJPG_YUY2,
	    MODE_AUDIO };

struct source {
	struct pw_main_loop *main_loop;
	struct pw_stream *stream;
	struct spa_hook listener;
	struct spa_source *timer;
	enum mode mode;
	uint32_t width, height;
	bool mjpg;                /* negotiated MJPG (else the raw format of mode) */
	int subsamp;              /* MJPG: TJSAMP_420 or TJSAMP_422 */
	uint32_t counter;
	uint32_t corrupt_every;   /* 0: never */
	uint32_t corrupted;
	double phase;
	uint32_t rate, channels;
	uint32_t audio_samples;   /* in the last buffer */
	tjhandle jpeg;
	uint8_t *planes;          /* MJPG: the picture before encoding */
	uint8_t *encoded;
	unsigned long encoded_max;
};

/* Raw YUY2 in --yuy2 and --mjpg-yuy2 before MJPG is negotiated. */
static bool raw_yuy2(const struct source *s)
{
	return !s->mjpg && (s->mode == MODE_YUY2 || s->mode == MODE_MJPG_YUY2);
}

static uint32_t frame_bytes(const struct source *s)
{
	if (s->mjpg)
		return (uint32_t)s->encoded_max;
	if (raw_yuy2(s))
		return s->width * 2 * s->height;
	return s->width * s->height * 3 / 2;
}

static uint32_t luma_stride(const struct source *s)
{
	return s->mjpg ? 0 : raw_yuy2(s) ? s->width * 2 : s->width;
}

static void fill_video(struct source *s, uint8_t *p)
{
	uint32_t w = s->width, h = s->height, c = s->counter;
	uint8_t mark[8];

	for (int i = 0; i < 4; i++) {
		mark[i] = (uint8_t)(c >> (8 * i));
		mark[4 + i] = (uint8_t)~mark[i];
	}
	if (raw_yuy2(s)) {
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

/* The picture as I420 or I422 planes (the luma as fill_video's), then a
 * JPEG of it into p; the JPEG's size, 0 if it does not fit in max. Every
 * corrupt_every-th frame is spoilt after encoding. */
static uint32_t fill_mjpg(struct source *s, uint8_t *p, uint32_t max)
{
	uint32_t w = s->width, h = s->height, c = s->counter;
	uint32_t cw = (w + 1) / 2, ch = s->subsamp == TJSAMP_420 ? (h + 1) / 2 : h;
	uint8_t *y = s->planes, *u = y + (size_t)w * h, *v = u + (size_t)cw * ch;
	const unsigned char *planes[3] = { y, u, v };
	int strides[3] = { (int)w, (int)cw, (int)cw };
	unsigned char *out = s->encoded;
	unsigned long size = s->encoded_max;

	for (uint32_t row = 0; row < h; row++)
		for (uint32_t x = 0; x < w; x++)
			y[(size_t)row * w + x] = (uint8_t)(x + row + c);
	for (uint32_t row = 0; row < ch; row++)
		for (uint32_t x = 0; x < cw; x++) {
			u[(size_t)row * cw + x] = (uint8_t)(96 + x % 32);
			v[(size_t)row * cw + x] = (uint8_t)(160 - row % 32);
		}
	if (tjCompressFromYUVPlanes(s->jpeg, planes, (int)w, strides, (int)h, s->subsamp, &out,
				    &size, 85, TJFLAG_NOREALLOC) < 0) {
		fprintf(stderr, "pw-test-source: %s\n", tjGetErrorStr2(s->jpeg));
		return 0;
	}
	if (size > max)
		return 0;
	memcpy(p, out, size);
	if (s->corrupt_every && (c + 1) % s->corrupt_every == 0) {
		/* In turns: cut short, or the markers before the scan wiped. */
		if (s->corrupted++ % 2 == 0)
			size = size / 3;
		else
			memset(p, 0, size > 600 ? 600 : size);
		fprintf(stderr, "pw-test-source: corrupt frame %u\n", c);
	}
	return (uint32_t)size;
}

static void fill_audio(struct source *s, struct spa_buffer *buf, uint64_t requested)
{
	struct spa_data *d = &buf->datas[0];
	uint32_t frame = 2 * s->channels;
	/* What the graph asks for per cycle; the timer then waits that long. */
	uint32_t samples = requested && requested <= s->rate ? (uint32_t)requested : s->rate / 100;

	if (samples * frame > d->maxsize)
		samples = d->maxsize / frame;
	int16_t *pcm = d->data;
	for (uint32_t i = 0; i < samples; i++) {
		int16_t v = (int16_t)(sin(s->phase) * 8000);
		for (uint32_t ch = 0; ch < s->channels; ch++)
			pcm[i * s->channels + ch] = v;
		s->phase += 2 * M_PI * 440 / s->rate;
		if (s->phase > 2 * M_PI)
			s->phase -= 2 * M_PI;
	}
	d->chunk->offset = 0;
	d->chunk->stride = (int32_t)frame;
	d->chunk->size = samples * frame;
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
		} else if (s->width && s->mjpg) {
			uint32_t size = fill_mjpg(s, d->data, d->maxsize);
			d->chunk->offset = 0;
			d->chunk->stride = 0;
			d->chunk->size = size;
			s->counter++;
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
	uint32_t media_type, media_subtype;
	const char *name;

	if (id != SPA_PARAM_Format || !param || s->mode == MODE_AUDIO)
		return;
	if (spa_format_parse(param, &media_type, &media_subtype) < 0)
		return;
	s->mjpg = media_subtype == SPA_MEDIA_SUBTYPE_mjpg;
	if (s->mjpg) {
		struct spa_video_info_mjpg info = { 0 };
		if (spa_format_video_mjpg_parse(param, &info) < 0)
			return;
		s->width = info.size.width;
		s->height = info.size.height;
		s->subsamp = s->mode == MODE_MJPG ? TJSAMP_420 : TJSAMP_422;
		free(s->planes);
		tjFree(s->encoded);
		s->planes = malloc((size_t)s->width * s->height * 3);
		s->encoded_max = tjBufSize((int)s->width, (int)s->height, s->subsamp);
		s->encoded = tjAlloc((int)s->encoded_max);
		if (!s->planes || !s->encoded) {
			fprintf(stderr, "pw-test-source: out of memory\n");
			s->width = 0;
			return;
		}
		name = s->subsamp == TJSAMP_420 ? "MJPG 4:2:0" : "MJPG 4:2:2";
	} else {
		struct spa_video_info_raw info = { 0 };
		if (spa_format_video_raw_parse(param, &info) < 0)
			return;
		s->width = info.size.width;
		s->height = info.size.height;
		name = info.format == SPA_VIDEO_FORMAT_YUY2 ? "YUY2" :
		       info.format == SPA_VIDEO_FORMAT_NV12 ? "NV12" : "I420";
	}
	fprintf(stderr, "pw-test-source: %ux%u %s\n", s->width, s->height, name);
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
	uint64_t ns = s->mode == MODE_AUDIO ? (uint64_t)s->audio_samples * 1000000000 / s->rate
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
	struct source s = { .mode = MODE_I420, .rate = 48000, .channels = 1 };
	int arg = 1;

	bool remote_track = false;
	for (; arg < argc && strncmp(argv[arg], "--", 2) == 0; arg++) {
		const char *value = arg + 1 < argc ? argv[arg + 1] : "";
		if (strcmp(argv[arg], "--nv12") == 0)
			s.mode = MODE_NV12;
		else if (strcmp(argv[arg], "--yuy2") == 0)
			s.mode = MODE_YUY2;
		else if (strcmp(argv[arg], "--mjpg") == 0)
			s.mode = MODE_MJPG;
		else if (strcmp(argv[arg], "--mjpg422") == 0)
			s.mode = MODE_MJPG422;
		else if (strcmp(argv[arg], "--mjpg-yuy2") == 0)
			s.mode = MODE_MJPG_YUY2;
		else if (strcmp(argv[arg], "--audio") == 0)
			s.mode = MODE_AUDIO;
		else if (strcmp(argv[arg], "--corrupt-every") == 0 && ++arg)
			s.corrupt_every = (uint32_t)strtoul(value, NULL, 10);
		else if (strcmp(argv[arg], "--rate") == 0 && ++arg)
			s.rate = (uint32_t)strtoul(value, NULL, 10);
		else if (strcmp(argv[arg], "--channels") == 0 && ++arg)
			s.channels = (uint32_t)strtoul(value, NULL, 10);
		else if (strcmp(argv[arg], "--remote-track") == 0)
			remote_track = true;   /* as rtcd's own output nodes are marked */
		else
			arg = argc;
	}
	if (arg >= argc || s.rate < 8000 || s.rate > 192000 || s.channels < 1 ||
	    s.channels > 8) {
		fprintf(stderr, "usage: %s [--nv12 | --yuy2 | --mjpg | --mjpg422 | --mjpg-yuy2 | "
			"--audio] [--corrupt-every N] [--rate HZ] [--channels N] [--remote-track] "
			"NODE_NAME [DESCRIPTION]\n",
			argv[0]);
		return 2;
	}
	s.jpeg = tjInitCompress();
	if (!s.jpeg) {
		fprintf(stderr, "pw-test-source: %s\n", tjGetErrorStr2(NULL));
		return 1;
	}
	const char *name = argv[arg], *description = arg + 1 < argc ? argv[arg + 1] : name;

	pw_init(&argc, &argv);
	s.main_loop = pw_main_loop_new(NULL);
	struct pw_loop *loop = pw_main_loop_get_loop(s.main_loop);
	pw_loop_add_signal(loop, SIGINT, on_signal, &s);
	pw_loop_add_signal(loop, SIGTERM, on_signal, &s);

	bool audio = s.mode == MODE_AUDIO;
	char latency[32];
	snprintf(latency, sizeof(latency), "%u/%u", s.rate / 100, s.rate);
	s.stream = pw_stream_new_simple(loop, name,
		pw_properties_new(
			PW_KEY_MEDIA_TYPE, audio ? "Audio" : "Video",
			PW_KEY_MEDIA_CATEGORY, "Capture",
			PW_KEY_MEDIA_CLASS, audio ? "Audio/Source" : "Video/Source",
			PW_KEY_NODE_NAME, name,
			PW_KEY_NODE_DESCRIPTION, description,
			PW_KEY_NODE_LATENCY, audio ? latency : NULL,
			"rtcd.remote-track", remote_track ? "true" : NULL,
			NULL),
		&stream_events, &s);

	uint8_t buffer[2048];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[2];
	uint32_t n_params = 0;
	if (audio) {
		params[n_params++] = spa_pod_builder_add_object(&b,
			SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
			SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_audio),
			SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
			SPA_FORMAT_AUDIO_format, SPA_POD_Id(SPA_AUDIO_FORMAT_S16),
			SPA_FORMAT_AUDIO_rate, SPA_POD_Int((int32_t)s.rate),
			SPA_FORMAT_AUDIO_channels, SPA_POD_Int((int32_t)s.channels));
	} else {
		/* A webcam's usual order: raw first, then MJPG to larger sizes. */
		bool raw = s.mode != MODE_MJPG && s.mode != MODE_MJPG422;
		bool mjpg = s.mode == MODE_MJPG || s.mode == MODE_MJPG422 ||
			    s.mode == MODE_MJPG_YUY2;
		uint32_t format = s.mode == MODE_NV12 ? SPA_VIDEO_FORMAT_NV12 :
				  s.mode == MODE_YUY2 || s.mode == MODE_MJPG_YUY2 ?
				  SPA_VIDEO_FORMAT_YUY2 : SPA_VIDEO_FORMAT_I420;
		struct spa_rectangle raw_max = s.mode == MODE_MJPG_YUY2 ? SPA_RECTANGLE(640, 480) :
					       SPA_RECTANGLE(1920, 1080);
		if (raw)
			params[n_params++] = spa_pod_builder_add_object(&b,
				SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
				SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
				SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
				SPA_FORMAT_VIDEO_format, SPA_POD_Id(format),
				SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(
					&SPA_RECTANGLE(640, 480), &SPA_RECTANGLE(16, 16), &raw_max),
				SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&SPA_FRACTION(30, 1)));
		if (mjpg)
			params[n_params++] = spa_pod_builder_add_object(&b,
				SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
				SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
				SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_mjpg),
				SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(
					&SPA_RECTANGLE(640, 480), &SPA_RECTANGLE(16, 16),
					&SPA_RECTANGLE(1920, 1080)),
				SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&SPA_FRACTION(30, 1)));
	}
	pw_stream_connect(s.stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
			  PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_MAP_BUFFERS, params, n_params);

	/* The graph runs at this source's pace: 30 fps, or as many samples
	 * as the last buffer held. */
	s.audio_samples = 480;
	s.timer = pw_loop_add_timer(loop, on_timer, &s);
	arm_timer(&s);

	pw_main_loop_run(s.main_loop);

	pw_stream_destroy(s.stream);
	pw_main_loop_destroy(s.main_loop);
	tjDestroy(s.jpeg);
	free(s.planes);
	tjFree(s.encoded);
	pw_deinit();
	return 0;
}
