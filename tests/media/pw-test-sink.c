/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A separate PipeWire client that consumes what rtcd publishes and says,
 * one line at a time on stdout, what it got — the other end for
 * test-pw-output. It checks the patterns of pw-test-pattern.h.
 *
 *   pw-test-sink video TARGET             I420 from the node TARGET
 *   pw-test-sink pattern TARGET           I420 from the node TARGET, frames
 *                                         of rtcd's fake camera (a remote
 *                                         track's node): the counter of
 *                                         daemon/media/fake/pattern.h
 *   pw-test-sink capture TARGET CHANNELS  S16 48 kHz from the node TARGET,
 *                                         asking for a 1024-sample quantum
 *   pw-test-sink sink NAME CHANNELS       an Audio/Sink node NAME that
 *                                         players link to
 *   pw-test-sink portal APP_ID            no stream: a client the way the
 *                                         Camera portal makes one for a
 *                                         sandboxed app; prints
 *                                         "connected PID", and once told
 *                                         (SIGUSR1) the nodes it may see
 *
 * Lines:
 *   "node NAME ID", "node-removed NAME"   the registry's view of TARGET (in
 *                                         portal mode, of every node)
 *   "state S"                             the stream's state
 *   "format video W H", "format audio RATE CHANNELS"
 *   "frame COUNTER W H SEQ PTS ok|bad"    SEQ, PTS: -1 without a header meta
 *   "audio ok=N silence_runs=N jumps=N missing=N bad=N last=INDEX rms=R samples=N"
 *                                         INDEX: the last ramp position, -1
 *                                         before any; R: the RMS of the left
 *                                         channel since the last line (any
 *                                         audio: a tone has energy)
 * Runs until SIGTERM or SIGINT; exits 0 unless PipeWire could not be
 * reached.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/video/format-utils.h>

#include <math.h>

#include "media/fake/pattern.h"
#include "pw-test-pattern.h"

enum mode { MODE_VIDEO, MODE_PATTERN, MODE_CAPTURE, MODE_SINK, MODE_PORTAL };

struct sink {
	enum mode mode;
	const char *target;
	uint32_t channels;
	struct pw_main_loop *main_loop;
	struct pw_core *core;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	uint32_t target_id;
	struct pw_stream *stream;
	struct spa_hook stream_listener;
	uint32_t width, height;
	/* audio continuity: checked on PipeWire's data thread (RT process, so
	 * a busy main loop here never shows up as lost audio), reported from
	 * the main loop */
	pthread_mutex_t lock;
	bool started, in_silence;
	uint32_t expected;
	uint64_t ok, silence_runs, jumps, missing, bad, reported;
	uint64_t samples;               /* all of them, ramp or not */
	double energy;                  /* sum of squares since the last line */
	uint64_t energy_samples;
	struct spa_source *report_timer;
};

static uint32_t round_up_4(uint32_t v)
{
	return (v + 3) & ~3u;
}

static void on_global(void *data, uint32_t id, uint32_t permissions, const char *type,
		      uint32_t version, const struct spa_dict *props)
{
	struct sink *s = data;
	if (strcmp(type, PW_TYPE_INTERFACE_Node) != 0 || !props)
		return;
	const char *name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
	if (name && s->mode == MODE_PORTAL) {
		printf("node %s %u\n", name, id);
	} else if (name && strcmp(name, s->target) == 0) {
		s->target_id = id;
		printf("node %s %u\n", name, id);
	}
}

static void on_global_remove(void *data, uint32_t id)
{
	struct sink *s = data;
	if (id == s->target_id) {
		printf("node-removed %s\n", s->target);
		s->target_id = SPA_ID_INVALID;
	}
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = on_global,
	.global_remove = on_global_remove,
};

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
			     const char *error)
{
	printf("state %s%s%s\n", pw_stream_state_as_string(state), error ? " " : "",
	       error ? error : "");
}

static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct sink *s = data;
	if (id != SPA_PARAM_Format || !param)
		return;
	if (s->mode == MODE_VIDEO || s->mode == MODE_PATTERN) {
		struct spa_video_info_raw info = { 0 };
		if (spa_format_video_raw_parse(param, &info) < 0)
			return;
		s->width = info.size.width;
		s->height = info.size.height;
		printf("format video %u %u\n", s->width, s->height);
		/* Metas are negotiated: both ends must ask for the header. */
		uint8_t pod_buffer[256];
		struct spa_pod_builder b = SPA_POD_BUILDER_INIT(pod_buffer, sizeof(pod_buffer));
		const struct spa_pod *params[1] = {
			spa_pod_builder_add_object(&b,
				SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
				SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
				SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_header))),
		};
		pw_stream_update_params(s->stream, params, 1);
	} else {
		struct spa_audio_info_raw info = { 0 };
		if (spa_format_audio_raw_parse(param, &info) < 0)
			return;
		printf("format audio %u %u\n", info.rate, info.channels);
	}
}

static void check_video(struct sink *s, struct spa_buffer *buf)
{
	struct spa_data *d = &buf->datas[0];
	if (!d->data || d->chunk->size == 0 || s->width < 8)
		return;
	/* GStreamer's I420 layout, the chunk's stride for luma. */
	uint32_t w = s->width, h = s->height;
	uint32_t ys = d->chunk->stride > 0 ? (uint32_t)d->chunk->stride : round_up_4(w);
	uint32_t cs = round_up_4(w / 2);
	size_t need = (size_t)ys * h + (size_t)cs * (h / 2) * 2;
	struct spa_meta_header *m = spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*m));
	long long seq = m ? (long long)m->seq : -1, pts = m ? (long long)m->pts : -1;
	uint32_t counter = 0;
	bool ok = false;
	if (d->chunk->size >= need && d->chunk->offset + need <= d->maxsize) {
		uint8_t *base = SPA_PTROFF(d->data, d->chunk->offset, uint8_t);
		const uint8_t *const planes[3] = {
			base, base + (size_t)ys * h, base + (size_t)ys * h + (size_t)cs * (h / 2),
		};
		const uint32_t strides[3] = { ys, cs, cs };
		ok = pwtest_video_check(planes, strides, w, h, &counter);
	}
	printf("frame %u %u %u %lld %lld %s\n", counter, w, h, seq, pts, ok ? "ok" : "bad");
}

/* rtcd's fake camera, through a codec: only the band of cells is exact
 * enough to read (pattern.h). */
static void check_pattern(struct sink *s, struct spa_buffer *buf)
{
	struct spa_data *d = &buf->datas[0];
	if (!d->data || d->chunk->size == 0 || s->width < 8)
		return;
	uint32_t w = s->width, h = s->height;
	uint32_t ys = d->chunk->stride > 0 ? (uint32_t)d->chunk->stride : round_up_4(w);
	uint32_t cs = round_up_4(w / 2);
	size_t need = (size_t)ys * h + (size_t)cs * (h / 2) * 2;
	struct spa_meta_header *m = spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*m));
	long long seq = m ? (long long)m->seq : -1, pts = m ? (long long)m->pts : -1;
	uint32_t counter = 0;
	uint64_t capture_ns = 0;
	bool ok = false;
	if (d->chunk->size >= need && d->chunk->offset + need <= d->maxsize) {
		uint8_t *base = SPA_PTROFF(d->data, d->chunk->offset, uint8_t);
		struct rtc_video_frame frame = {
			.width = w, .height = h,
			.plane = { base, base + (size_t)ys * h,
				   base + (size_t)ys * h + (size_t)cs * (h / 2) },
			.stride = { ys, cs, cs },
		};
		ok = rtc_fake_pattern_read(&frame, &counter, &capture_ns);
	}
	printf("frame %u %u %u %lld %lld %s\n", counter, w, h, seq, pts, ok ? "ok" : "bad");
}

static void check_audio(struct sink *s, struct spa_buffer *buf)
{
	struct spa_data *d = &buf->datas[0];
	if (!d->data)
		return;
	const int16_t *pcm = SPA_PTROFF(d->data, d->chunk->offset, const int16_t);
	uint32_t frames = d->chunk->size / (2 * s->channels);
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < frames; i++) {
		int16_t v = pcm[i * s->channels];
		s->samples++;
		s->energy += (double)v * v;
		s->energy_samples++;
		if (v == 0) {
			if (s->started && !s->in_silence)
				s->silence_runs++;
			s->in_silence = true;
			continue;
		}
		int32_t index = pwtest_ramp_index(v);
		if (index < 0 || (s->channels == 2 && pwtest_ramp_index(
				(int16_t)-pcm[i * s->channels + 1]) != index)) {
			s->bad++;
			continue;
		}
		if (!s->started) {
			s->started = true;
			s->expected = (uint32_t)index;
		}
		if ((uint32_t)index != s->expected) {
			s->jumps++;
			s->missing += ((uint32_t)index + PWTEST_RAMP_PERIOD - s->expected) %
				      PWTEST_RAMP_PERIOD;
		}
		s->expected = ((uint32_t)index + 1) % PWTEST_RAMP_PERIOD;
		s->in_silence = false;
		s->ok++;
	}
	pthread_mutex_unlock(&s->lock);
}

static void on_process(void *data)
{
	struct sink *s = data;
	struct pw_buffer *b;
	while ((b = pw_stream_dequeue_buffer(s->stream))) {
		if (s->mode == MODE_VIDEO)
			check_video(s, b->buffer);
		else if (s->mode == MODE_PATTERN)
			check_pattern(s, b->buffer);
		else
			check_audio(s, b->buffer);
		pw_stream_queue_buffer(s->stream, b);
	}
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.param_changed = on_param_changed,
	.process = on_process,
};

static void report_audio(struct sink *s, bool always)
{
	pthread_mutex_lock(&s->lock);
	uint64_t sum = s->ok + s->silence_runs + s->bad + s->samples;
	if (!always && sum == s->reported) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->reported = sum;
	double rms = s->energy_samples ? sqrt(s->energy / (double)s->energy_samples) : 0;
	s->energy = 0;
	s->energy_samples = 0;
	printf("audio ok=%llu silence_runs=%llu jumps=%llu missing=%llu bad=%llu last=%d "
	       "rms=%.1f samples=%llu\n",
	       (unsigned long long)s->ok, (unsigned long long)s->silence_runs,
	       (unsigned long long)s->jumps, (unsigned long long)s->missing,
	       (unsigned long long)s->bad,
	       s->started ? (int)((s->expected + PWTEST_RAMP_PERIOD - 1) % PWTEST_RAMP_PERIOD) : -1,
	       rms, (unsigned long long)s->samples);
	pthread_mutex_unlock(&s->lock);
}

static void on_report(void *data, uint64_t expirations)
{
	report_audio(data, false);
}

static void watch_registry(struct sink *s)
{
	s->registry = pw_core_get_registry(s->core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(s->registry, &s->registry_listener, &registry_events, s);
}

static void on_restricted(void *data, int signal_number)
{
	struct sink *s = data;
	if (!s->registry)
		watch_registry(s);
}

static void on_signal(void *data, int signal_number)
{
	struct sink *s = data;
	pw_main_loop_quit(s->main_loop);
}

static const struct spa_pod *video_format(struct spa_pod_builder *b)
{
	return spa_pod_builder_add_object(b,
		SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
		SPA_FORMAT_mediaType,       SPA_POD_Id(SPA_MEDIA_TYPE_video),
		SPA_FORMAT_mediaSubtype,    SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
		SPA_FORMAT_VIDEO_format,    SPA_POD_Id(SPA_VIDEO_FORMAT_I420),
		SPA_FORMAT_VIDEO_size,      SPA_POD_CHOICE_RANGE_Rectangle(
			&SPA_RECTANGLE(640, 480), &SPA_RECTANGLE(1, 1), &SPA_RECTANGLE(4096, 4096)),
		SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(
			&SPA_FRACTION(30, 1), &SPA_FRACTION(0, 1), &SPA_FRACTION(1000, 1)));
}

static const struct spa_pod *audio_format(struct spa_pod_builder *b, uint32_t channels)
{
	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_S16_LE, .rate = 48000, .channels = channels,
	};
	if (channels == 1) {
		info.position[0] = SPA_AUDIO_CHANNEL_MONO;
	} else {
		info.position[0] = SPA_AUDIO_CHANNEL_FL;
		info.position[1] = SPA_AUDIO_CHANNEL_FR;
	}
	return spa_format_audio_raw_build(b, SPA_PARAM_EnumFormat, &info);
}

static struct pw_properties *stream_props(const struct sink *s)
{
	switch (s->mode) {
	case MODE_VIDEO:
	case MODE_PATTERN:
		return pw_properties_new(PW_KEY_MEDIA_TYPE, "Video",
					 PW_KEY_MEDIA_CATEGORY, "Capture",
					 PW_KEY_TARGET_OBJECT, s->target, NULL);
	case MODE_CAPTURE:
		return pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
					 PW_KEY_MEDIA_CATEGORY, "Capture",
					 PW_KEY_NODE_LATENCY, "1024/48000",
					 PW_KEY_TARGET_OBJECT, s->target, NULL);
	case MODE_SINK:
		return pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
					 PW_KEY_MEDIA_CLASS, "Audio/Sink",
					 PW_KEY_NODE_NAME, s->target,
					 PW_KEY_NODE_DESCRIPTION, "rtcd test sink",
					 "priority.session", "2000", NULL);
	case MODE_PORTAL:
		break;
	}
	return NULL;
}

int main(int argc, char *argv[])
{
	struct sink s = { .target_id = SPA_ID_INVALID, .channels = 2,
			  .lock = PTHREAD_MUTEX_INITIALIZER };
	if (argc >= 3 && strcmp(argv[1], "video") == 0) {
		s.mode = MODE_VIDEO;
	} else if (argc >= 3 && strcmp(argv[1], "pattern") == 0) {
		s.mode = MODE_PATTERN;
	} else if (argc >= 4 && strcmp(argv[1], "capture") == 0) {
		s.mode = MODE_CAPTURE;
	} else if (argc >= 4 && strcmp(argv[1], "sink") == 0) {
		s.mode = MODE_SINK;
	} else if (argc >= 3 && strcmp(argv[1], "portal") == 0) {
		s.mode = MODE_PORTAL;
	} else {
		fprintf(stderr, "usage: %s video TARGET | pattern TARGET | capture TARGET CHANNELS | "
			"sink NAME CHANNELS | portal APP_ID\n", argv[0]);
		return 2;
	}
	s.target = argv[2];
	if (s.mode == MODE_CAPTURE || s.mode == MODE_SINK)
		s.channels = (uint32_t)atoi(argv[3]) == 1 ? 1 : 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	pw_init(&argc, &argv);
	s.main_loop = pw_main_loop_new(NULL);
	struct pw_loop *loop = pw_main_loop_get_loop(s.main_loop);
	pw_loop_add_signal(loop, SIGTERM, on_signal, &s);
	pw_loop_add_signal(loop, SIGINT, on_signal, &s);
	/* Before any thread exists, like the others: signalfd needs them blocked. */
	if (s.mode == MODE_PORTAL)
		pw_loop_add_signal(loop, SIGUSR1, on_restricted, &s);
	struct pw_context *context = pw_context_new(loop, NULL, 0);
	/* What xdg-desktop-portal asks for a sandboxed app's connection:
	 * nothing is visible until the session manager grants it. */
	struct pw_properties *client_props = s.mode != MODE_PORTAL ? NULL : pw_properties_new(
		PW_KEY_CLIENT_ACCESS, "portal",
		"pipewire.access.portal.app_id", s.target,
		"pipewire.access.portal.media_roles", "Camera", NULL);
	s.core = pw_context_connect(context, client_props, 0);
	if (!s.core) {
		fprintf(stderr, "pw-test-sink: cannot connect to PipeWire\n");
		return 1;
	}
	if (s.mode == MODE_PORTAL) {
		/* The portal restricts the connection (core usable, all else
		 * hidden) before the app may use it: here the test does, then
		 * says so with SIGUSR1. */
		printf("connected %d\n", (int)getpid());
	} else {
		watch_registry(&s);
	}

	bool audio = s.mode == MODE_CAPTURE || s.mode == MODE_SINK;
	if (s.mode != MODE_PORTAL) {
		s.stream = pw_stream_new(s.core, "rtcd-test-sink", stream_props(&s));
		pw_stream_add_listener(s.stream, &s.stream_listener, &stream_events, &s);
		uint8_t pod_buffer[1024];
		struct spa_pod_builder b = SPA_POD_BUILDER_INIT(pod_buffer, sizeof(pod_buffer));
		const struct spa_pod *params[1] = {
			audio ? audio_format(&b, s.channels) : video_format(&b),
		};
		enum pw_stream_flags flags = PW_STREAM_FLAG_MAP_BUFFERS;
		if (audio)
			flags |= PW_STREAM_FLAG_RT_PROCESS;
		if (s.mode != MODE_SINK)
			flags |= PW_STREAM_FLAG_AUTOCONNECT;
		pw_stream_connect(s.stream, PW_DIRECTION_INPUT, PW_ID_ANY, flags, params, 1);
	}
	if (audio) {
		s.report_timer = pw_loop_add_timer(loop, on_report, &s);
		struct timespec first = { 0, 100000000 }, every = { 0, 100000000 };
		pw_loop_update_timer(loop, s.report_timer, &first, &every, false);
	}
	pw_main_loop_run(s.main_loop);
	if (audio)
		report_audio(&s, true);

	if (s.stream)
		pw_stream_destroy(s.stream);
	if (s.registry)
		pw_proxy_destroy((struct pw_proxy *)s.registry);
	pw_core_disconnect(s.core);
	pw_context_destroy(context);
	pw_main_loop_destroy(s.main_loop);
	pw_deinit();
	return 0;
}
