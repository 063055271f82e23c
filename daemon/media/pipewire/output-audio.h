/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A remote audio track published as a PipeWire Audio/Source node
 * (S16LE 48 kHz, mono or stereo as decoded), so pw-record, OBS or any app
 * can take the remote side's voice as if it were a microphone. The node
 * waits for consumers; it carries `rtcd.remote-track = "true"` so rtcd's
 * own device list leaves it out.
 *
 * The caller runs the pw_core's loop; destroy the output before the core.
 */
#pragma once

#include "media/pipewire/output-pcm.h"

struct rtc_pw_audio_output;

struct rtc_pw_audio_output_config {
	const char *node_name;          /* unique in the graph, e.g. "rtcd.track.<id>" */
	const char *description;        /* the track's label, shown by desktops */
	uint32_t channels;              /* 1 or 2 */
};

struct rtc_pw_audio_output *rtc_pw_audio_output_new(struct pw_core *core,
						    const struct rtc_pw_audio_output_config *config,
						    struct rtc_error *err);
/* Any time, consumers linked or not: the node leaves the graph. */
void rtc_pw_audio_output_destroy(struct rtc_pw_audio_output *out);

/* 1 queued, 0 dropped (nobody consuming; counted), -1 unusable frame. */
int rtc_pw_audio_output_push(struct rtc_pw_audio_output *out, const struct rtc_audio_frame *frame,
			     struct rtc_error *err);
bool rtc_pw_audio_output_is_linked(const struct rtc_pw_audio_output *out);
uint32_t rtc_pw_audio_output_node_id(const struct rtc_pw_audio_output *out);
void rtc_pw_audio_output_get_stats(struct rtc_pw_audio_output *out,
				   struct rtc_pw_audio_stats *stats);
