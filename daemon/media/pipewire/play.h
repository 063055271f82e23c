/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Play(): a remote audio track played out, as a PipeWire playback stream
 * (Stream/Output/Audio) that the session manager links to the default
 * sink, or to the sink named as target. The caller pushes the same decoded
 * frames it pushes to the track's Audio/Source node; destroying the player
 * stops playing and frees everything. The player follows the drift between
 * the sender's clock and the sink's (rate matching, output-pcm-ring.h).
 *
 * The caller runs the pw_core's loop; destroy the player before the core.
 */
#pragma once

#include "media/pipewire/output-pcm.h"

struct rtc_pw_play;

struct rtc_pw_play_config {
	const char *node_name;          /* unique, e.g. "rtcd.play.<track id>" */
	const char *description;        /* shown in volume controls: the track's label */
	const char *target;             /* a sink's node.name or object.serial; NULL or "": default sink */
	uint32_t channels;              /* 1 or 2 */
};

struct rtc_pw_play *rtc_pw_play_new(struct pw_core *core, const struct rtc_pw_play_config *config,
				    struct rtc_error *err);
void rtc_pw_play_destroy(struct rtc_pw_play *play);

/* 1 queued, 0 dropped (not linked to a sink yet; counted), -1 unusable frame. */
int rtc_pw_play_push(struct rtc_pw_play *play, const struct rtc_audio_frame *frame,
		     struct rtc_error *err);
bool rtc_pw_play_is_linked(const struct rtc_pw_play *play);
uint32_t rtc_pw_play_node_id(const struct rtc_pw_play *play);
void rtc_pw_play_get_stats(struct rtc_pw_play *play, struct rtc_pw_audio_stats *stats);
