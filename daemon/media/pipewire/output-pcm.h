/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One S16LE 48 kHz PipeWire output stream fed with remote audio: what a
 * remote audio track's Audio/Source node (output-audio.h) and Play()
 * (play.h) both are, with different properties and linking.
 *
 * Pushes come from the reactor thread in whatever frame size the decoder
 * gives (20 ms for Opus); the graph pulls its own quantum on PipeWire's data
 * thread (RT process); a small ring (output-pcm-ring.h) sits between. With
 * nobody consuming, pushes are dropped and counted, so a consumer that
 * links later hears the present, not the past.
 *
 * The stream is made on the caller's pw_core, whose loop the caller runs.
 * Destroy the output before the core; should the core go first (PipeWire
 * died, the core was disconnected), the output notices, stays safe to push
 * to (everything is dropped) and to destroy.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "media/pipewire/output-pcm-ring.h"
#include "media/raw/raw-frame.h"

struct pw_core;
struct pw_properties;
struct rtc_pw_pcm_output;

#define RTC_PW_PCM_RATE 48000u

struct rtc_pw_audio_stats {
	uint64_t frames_pushed;         /* sample frames given to push */
	uint64_t frames_unlinked;       /* of those, dropped: nobody consuming */
	struct rtc_pcm_ring_stats ring; /* what the rest became */
};

/* props (taken, even on failure) name the node and say how it links;
 * channels 1 or 2; autoconnect lets the session manager link it (Play),
 * otherwise it waits for consumers (a source node). */
struct rtc_pw_pcm_output *rtc_pw_pcm_output_new(struct pw_core *core, struct pw_properties *props,
						uint32_t channels, bool autoconnect,
						struct rtc_error *err);
void rtc_pw_pcm_output_destroy(struct rtc_pw_pcm_output *out);

/* 1: queued for the consumer; 0: dropped (nobody consuming, counted);
 * -1: a frame this output cannot take (not 48 kHz, more than 2 channels,
 * empty). Mono and stereo frames are converted to the output's channels. */
int rtc_pw_pcm_output_push(struct rtc_pw_pcm_output *out, const struct rtc_audio_frame *frame,
			   struct rtc_error *err);

/* Follows a producer whose clock drifts from the graph's (output-pcm-ring.h);
 * off by default: a source node's consumers get the samples as they came. */
void rtc_pw_pcm_output_set_rate_matching(struct rtc_pw_pcm_output *out, bool on);

bool rtc_pw_pcm_output_is_linked(const struct rtc_pw_pcm_output *out);
uint32_t rtc_pw_pcm_output_channels(const struct rtc_pw_pcm_output *out);
/* PipeWire's id of the node, SPA_ID_INVALID until the server made it. */
uint32_t rtc_pw_pcm_output_node_id(const struct rtc_pw_pcm_output *out);
void rtc_pw_pcm_output_get_stats(struct rtc_pw_pcm_output *out, struct rtc_pw_audio_stats *stats);
