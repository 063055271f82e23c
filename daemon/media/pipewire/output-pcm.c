/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipewire/output-pcm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>

#include "common/log.h"

/* ~340 ms at 48 kHz: room for the largest quantum PipeWire allows by
 * default (8192) plus pushes; latency is held far below by the ring. */
#define RING_FRAMES 16384u
/* The graph may stall 100 ms before the oldest audio is cut. */
#define RING_SLACK_FRAMES 4800u

struct rtc_pw_pcm_output {
	struct pw_stream *stream;       /* NULL once PipeWire destroyed it */
	/* The same, for the data thread: PipeWire announces a stream's
	 * destruction before it stops processing it. */
	struct pw_stream *rt_stream;
	struct spa_hook listener;
	uint32_t channels;
	bool linked;                    /* streaming: a consumer takes data */
	struct rtc_pcm_ring ring;       /* shared with the data thread */
	int16_t *convert;               /* scratch for channel conversion */
	uint32_t convert_frames;
	uint64_t frames_pushed, frames_unlinked;
};

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
			     const char *error)
{
	struct rtc_pw_pcm_output *out = data;
	bool linked = state == PW_STREAM_STATE_STREAMING;
	if (out->linked && !linked)
		rtc_pcm_ring_clear(&out->ring);
	out->linked = linked;
	if (state == PW_STREAM_STATE_ERROR)
		rtc_warn("pipewire: audio output %s: %s",
			 pw_stream_get_name(out->stream), error ? error : "error");
}

/* Data thread: hand the graph exactly the quantum it asks for. */
static void on_process(void *data)
{
	struct rtc_pw_pcm_output *out = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(out->rt_stream);
	if (!b)
		return;
	struct spa_data *d = &b->buffer->datas[0];
	uint32_t stride = 2 * out->channels;
	uint32_t frames = d->data ? d->maxsize / stride : 0;
	if (b->requested && b->requested < frames)
		frames = (uint32_t)b->requested;
	rtc_pcm_ring_read(&out->ring, d->data, frames);
	d->chunk->offset = 0;
	d->chunk->stride = (int32_t)stride;
	d->chunk->size = frames * stride;
	pw_stream_queue_buffer(out->rt_stream, b);
}

/* PipeWire destroys streams with their core: forget ours. */
static void on_destroy(void *data)
{
	struct rtc_pw_pcm_output *out = data;
	spa_hook_remove(&out->listener);
	out->stream = NULL;
	out->linked = false;
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.destroy = on_destroy,
	.state_changed = on_state_changed,
	.process = on_process,
};

struct rtc_pw_pcm_output *rtc_pw_pcm_output_new(struct pw_core *core, struct pw_properties *props,
						uint32_t channels, bool autoconnect,
						struct rtc_error *err)
{
	if (!props) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "audio output: no memory");
		return NULL;
	}
	if (channels < 1 || channels > 2) {
		pw_properties_free(props);
		rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
			      "audio output: %u channels (1 or 2 supported)", channels);
		return NULL;
	}
	struct rtc_pw_pcm_output *out = calloc(1, sizeof(*out));
	if (!out || rtc_pcm_ring_init(&out->ring, channels, RING_FRAMES, RING_SLACK_FRAMES) < 0) {
		free(out);
		pw_properties_free(props);
		rtc_error_set(err, RTC_ERROR_OPERATION, "audio output: no memory");
		return NULL;
	}
	out->channels = channels;

	const char *name = pw_properties_get(props, PW_KEY_NODE_NAME);
	out->stream = pw_stream_new(core, name ? name : "rtcd-audio", props);
	if (!out->stream) {
		rtc_error_set(err, RTC_ERROR_NOT_READABLE, "audio output: pw_stream_new: %s",
			      strerror(errno));
		rtc_pw_pcm_output_destroy(out);
		return NULL;
	}
	out->rt_stream = out->stream;
	pw_stream_add_listener(out->stream, &out->listener, &stream_events, out);

	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_S16_LE, .rate = RTC_PW_PCM_RATE, .channels = channels,
	};
	if (channels == 1) {
		info.position[0] = SPA_AUDIO_CHANNEL_MONO;
	} else {
		info.position[0] = SPA_AUDIO_CHANNEL_FL;
		info.position[1] = SPA_AUDIO_CHANNEL_FR;
	}
	uint8_t pod_buffer[512];
	struct spa_pod_builder builder = SPA_POD_BUILDER_INIT(pod_buffer, sizeof(pod_buffer));
	const struct spa_pod *params[1] = {
		spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat, &info),
	};
	/* RT process: the quantum is filled in the cycle that asks for it
	 * (a main-loop process would answer one cycle late and, behind
	 * PipeWire's resampler, every other cycle). */
	enum pw_stream_flags flags = PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_RT_PROCESS;
	if (autoconnect)
		flags |= PW_STREAM_FLAG_AUTOCONNECT;
	int res = pw_stream_connect(out->stream, PW_DIRECTION_OUTPUT, PW_ID_ANY, flags, params, 1);
	if (res < 0) {
		rtc_error_set(err, RTC_ERROR_NOT_READABLE, "audio output: pw_stream_connect: %s",
			      strerror(-res));
		rtc_pw_pcm_output_destroy(out);
		return NULL;
	}
	return out;
}

void rtc_pw_pcm_output_destroy(struct rtc_pw_pcm_output *out)
{
	if (!out)
		return;
	if (out->stream) {
		/* Removes the node from the data loop before returning, so the
		 * ring is no longer read when it is freed below. */
		spa_hook_remove(&out->listener);
		pw_stream_destroy(out->stream);
	}
	rtc_pcm_ring_fini(&out->ring);
	free(out->convert);
	free(out);
}

/* Mono to stereo duplicates, stereo to mono averages. */
static const int16_t *to_channels(struct rtc_pw_pcm_output *out, const struct rtc_audio_frame *f)
{
	if (f->channels == out->channels)
		return f->pcm;
	if (out->convert_frames < f->samples) {
		int16_t *grown = realloc(out->convert, (size_t)f->samples * 2 * sizeof(int16_t));
		if (!grown)
			return NULL;
		out->convert = grown;
		out->convert_frames = f->samples;
	}
	for (uint32_t i = 0; i < f->samples; i++) {
		if (out->channels == 2) {
			out->convert[2 * i] = out->convert[2 * i + 1] = f->pcm[i];
		} else {
			out->convert[i] = (int16_t)(((int32_t)f->pcm[2 * i] + f->pcm[2 * i + 1]) / 2);
		}
	}
	return out->convert;
}

int rtc_pw_pcm_output_push(struct rtc_pw_pcm_output *out, const struct rtc_audio_frame *frame,
			   struct rtc_error *err)
{
	if (!frame->pcm || frame->samples == 0)
		return rtc_error_set(err, RTC_ERROR_TYPE, "audio output: empty frame");
	if (frame->sample_rate != RTC_PW_PCM_RATE)
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "audio output: %u Hz (48000 Hz supported)", frame->sample_rate);
	if (frame->channels < 1 || frame->channels > 2)
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "audio output: %u channels (1 or 2 supported)", frame->channels);
	out->frames_pushed += frame->samples;
	if (!out->linked) {
		out->frames_unlinked += frame->samples;
		return 0;
	}
	const int16_t *pcm = to_channels(out, frame);
	if (!pcm)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "audio output: no memory");
	rtc_pcm_ring_write(&out->ring, pcm, frame->samples);
	return 1;
}

void rtc_pw_pcm_output_set_rate_matching(struct rtc_pw_pcm_output *out, bool on)
{
	rtc_pcm_ring_set_rate_matching(&out->ring, on);
}

bool rtc_pw_pcm_output_is_linked(const struct rtc_pw_pcm_output *out)
{
	return out->linked;
}

uint32_t rtc_pw_pcm_output_channels(const struct rtc_pw_pcm_output *out)
{
	return out->channels;
}

uint32_t rtc_pw_pcm_output_node_id(const struct rtc_pw_pcm_output *out)
{
	return out->stream ? pw_stream_get_node_id(out->stream) : SPA_ID_INVALID;
}

void rtc_pw_pcm_output_get_stats(struct rtc_pw_pcm_output *out, struct rtc_pw_audio_stats *stats)
{
	stats->frames_pushed = out->frames_pushed;
	stats->frames_unlinked = out->frames_unlinked;
	rtc_pcm_ring_get_stats(&out->ring, &stats->ring);
}
