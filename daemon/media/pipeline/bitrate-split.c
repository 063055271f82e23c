/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The congestion controller's target shared among a connection's senders. */
#include "media/pipeline/bitrate-split.h"

struct rtc_bitrate_split rtc_bitrate_split(uint64_t target_bps, unsigned n_audio,
					   unsigned n_video)
{
	uint64_t audio = (uint64_t)n_audio * RTC_BITRATE_AUDIO_SHARE_BPS;
	uint64_t video = target_bps > audio ? target_bps - audio : 0;

	if (n_video)
		video /= n_video;
	/* Below the floor a video encoder only makes mush; the controller's
	 * next estimate corrects the overshoot. */
	if (video < RTC_BITRATE_VIDEO_FLOOR_BPS)
		video = RTC_BITRATE_VIDEO_FLOOR_BPS;
	if (video > UINT32_MAX)
		video = UINT32_MAX;
	return (struct rtc_bitrate_split){
		.audio_bps = RTC_BITRATE_AUDIO_SHARE_BPS, .video_bps = (uint32_t)video,
	};
}
