/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How one peer connection's senders share the congestion controller's
 * target: each audio sender a fixed share (Opus is good at 32-64 kbit/s),
 * the video senders the rest in equal parts, never below a floor a video
 * encoder can still work at. Pure arithmetic: the caller counts its senders
 * and applies the result.
 */
#pragma once

#include <stdint.h>

/* What each audio sender gets, whatever the target. */
#define RTC_BITRATE_AUDIO_SHARE_BPS 48000u
/* What each video sender gets at least, whatever the target says. */
#define RTC_BITRATE_VIDEO_FLOOR_BPS 50000u

struct rtc_bitrate_split {
	uint32_t audio_bps;     /* per audio sender */
	uint32_t video_bps;     /* per video sender */
};

/* Shares target_bps among n_audio audio and n_video video senders. */
struct rtc_bitrate_split rtc_bitrate_split(uint64_t target_bps, unsigned n_audio,
					   unsigned n_video);
