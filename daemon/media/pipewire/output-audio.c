/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipewire/output-audio.h"

#include <stdlib.h>

#include <pipewire/pipewire.h>

#include "media/pipewire/output-node.h"

struct rtc_pw_audio_output {
	struct rtc_pw_pcm_output *pcm;
};

struct rtc_pw_audio_output *rtc_pw_audio_output_new(struct pw_core *core,
						    const struct rtc_pw_audio_output_config *config,
						    struct rtc_error *err)
{
	if (!config->node_name || !*config->node_name) {
		rtc_error_set(err, RTC_ERROR_TYPE, "audio output: no node name");
		return NULL;
	}
	struct pw_properties *props = pw_properties_new(
		PW_KEY_MEDIA_TYPE, "Audio",
		PW_KEY_MEDIA_CLASS, "Audio/Source",
		PW_KEY_NODE_NAME, config->node_name,
		PW_KEY_NODE_DESCRIPTION,
		config->description && *config->description ? config->description : config->node_name,
		RTC_PW_REMOTE_TRACK_KEY, "true",
		NULL);
	struct rtc_pw_audio_output *out = calloc(1, sizeof(*out));
	if (!out) {
		pw_properties_free(props);
		rtc_error_set(err, RTC_ERROR_OPERATION, "audio output: no memory");
		return NULL;
	}
	/* No autoconnect: a source node waits for whoever wants it. */
	out->pcm = rtc_pw_pcm_output_new(core, props, config->channels, false, err);
	if (!out->pcm) {
		free(out);
		return NULL;
	}
	return out;
}

void rtc_pw_audio_output_destroy(struct rtc_pw_audio_output *out)
{
	if (!out)
		return;
	rtc_pw_pcm_output_destroy(out->pcm);
	free(out);
}

int rtc_pw_audio_output_push(struct rtc_pw_audio_output *out, const struct rtc_audio_frame *frame,
			     struct rtc_error *err)
{
	return rtc_pw_pcm_output_push(out->pcm, frame, err);
}

bool rtc_pw_audio_output_is_linked(const struct rtc_pw_audio_output *out)
{
	return rtc_pw_pcm_output_is_linked(out->pcm);
}

uint32_t rtc_pw_audio_output_node_id(const struct rtc_pw_audio_output *out)
{
	return rtc_pw_pcm_output_node_id(out->pcm);
}

void rtc_pw_audio_output_get_stats(struct rtc_pw_audio_output *out,
				   struct rtc_pw_audio_stats *stats)
{
	rtc_pw_pcm_output_get_stats(out->pcm, stats);
}
