/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipewire/play.h"

#include <stdlib.h>

#include <pipewire/pipewire.h>

#include "media/pipewire/output-node.h"

struct rtc_pw_play {
	struct rtc_pw_pcm_output *pcm;
};

struct rtc_pw_play *rtc_pw_play_new(struct pw_core *core, const struct rtc_pw_play_config *config,
				    struct rtc_error *err)
{
	if (!config->node_name || !*config->node_name) {
		rtc_error_set(err, RTC_ERROR_TYPE, "play: no node name");
		return NULL;
	}
	struct pw_properties *props = pw_properties_new(
		PW_KEY_MEDIA_TYPE, "Audio",
		PW_KEY_MEDIA_CATEGORY, "Playback",
		PW_KEY_MEDIA_ROLE, "Communication",
		PW_KEY_MEDIA_CLASS, "Stream/Output/Audio",
		PW_KEY_NODE_NAME, config->node_name,
		PW_KEY_NODE_DESCRIPTION,
		config->description && *config->description ? config->description : config->node_name,
		PW_KEY_MEDIA_NAME,
		config->description && *config->description ? config->description : config->node_name,
		/* A call wants a short quantum; it also matches Opus frames. */
		PW_KEY_NODE_LATENCY, "960/48000",
		RTC_PW_REMOTE_TRACK_KEY, "true",
		NULL);
	if (props && config->target && *config->target)
		pw_properties_set(props, PW_KEY_TARGET_OBJECT, config->target);
	struct rtc_pw_play *play = calloc(1, sizeof(*play));
	if (!play) {
		pw_properties_free(props);
		rtc_error_set(err, RTC_ERROR_OPERATION, "play: no memory");
		return NULL;
	}
	/* Autoconnect: WirePlumber links it to the target or the default sink
	 * (and moves it to the default if the target goes away). */
	play->pcm = rtc_pw_pcm_output_new(core, props, config->channels, true, err);
	if (!play->pcm) {
		free(play);
		return NULL;
	}
	/* The remote sender's sound card and the local one never quite agree
	 * (±0.5 % is common): follow the drift rather than cut every half
	 * minute or run dry. */
	rtc_pw_pcm_output_set_rate_matching(play->pcm, true);
	return play;
}

void rtc_pw_play_destroy(struct rtc_pw_play *play)
{
	if (!play)
		return;
	rtc_pw_pcm_output_destroy(play->pcm);
	free(play);
}

int rtc_pw_play_push(struct rtc_pw_play *play, const struct rtc_audio_frame *frame,
		     struct rtc_error *err)
{
	return rtc_pw_pcm_output_push(play->pcm, frame, err);
}

bool rtc_pw_play_is_linked(const struct rtc_pw_play *play)
{
	return rtc_pw_pcm_output_is_linked(play->pcm);
}

uint32_t rtc_pw_play_node_id(const struct rtc_pw_play *play)
{
	return rtc_pw_pcm_output_node_id(play->pcm);
}

void rtc_pw_play_get_stats(struct rtc_pw_play *play, struct rtc_pw_audio_stats *stats)
{
	rtc_pw_pcm_output_get_stats(play->pcm, stats);
}
