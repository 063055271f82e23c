/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target shared among senders: audio its fixed share each, video the
 * rest in equal parts, the video floor when the target is short, and the
 * edges (no senders, a target past 32 bits).
 */
#include "check.h"
#include "media/pipeline/bitrate-split.h"

static void test_audio_then_video(void)
{
	struct rtc_bitrate_split s = rtc_bitrate_split(1000000, 1, 1);

	CHECK_INTEQ(s.audio_bps, 48000);
	CHECK_INTEQ(s.video_bps, 952000);
	/* Two of each: audio takes 96000, the video senders halve the rest. */
	s = rtc_bitrate_split(1000000, 2, 2);
	CHECK_INTEQ(s.audio_bps, 48000);
	CHECK_INTEQ(s.video_bps, 452000);
	/* Three video senders share evenly, rounding down. */
	s = rtc_bitrate_split(1000000, 0, 3);
	CHECK_INTEQ(s.video_bps, 333333);
}

static void test_video_floor(void)
{
	/* Audio alone eats the target: video still gets its floor. */
	struct rtc_bitrate_split s = rtc_bitrate_split(60000, 1, 1);

	CHECK_INTEQ(s.audio_bps, RTC_BITRATE_AUDIO_SHARE_BPS);
	CHECK_INTEQ(s.video_bps, RTC_BITRATE_VIDEO_FLOOR_BPS);
	s = rtc_bitrate_split(30000, 2, 1);
	CHECK_INTEQ(s.video_bps, RTC_BITRATE_VIDEO_FLOOR_BPS);
	/* Just above the floor per sender stays as it is. */
	s = rtc_bitrate_split(48000 + 2 * 50001, 1, 2);
	CHECK_INTEQ(s.video_bps, 50001);
}

static void test_edges(void)
{
	/* Audio only: its share, whatever the target. */
	struct rtc_bitrate_split s = rtc_bitrate_split(20000, 3, 0);

	CHECK_INTEQ(s.audio_bps, 48000);
	s = rtc_bitrate_split(0, 0, 0);
	CHECK_INTEQ(s.audio_bps, 48000);
	CHECK_INTEQ(s.video_bps, RTC_BITRATE_VIDEO_FLOOR_BPS);
	/* A target past 32 bits for one sender is clamped, not wrapped. */
	s = rtc_bitrate_split(UINT64_C(10000000000), 0, 1);
	CHECK_INTEQ(s.video_bps, UINT32_MAX);
	s = rtc_bitrate_split(UINT64_C(10000000000), 0, 4);
	CHECK_INTEQ(s.video_bps, 2500000000u);
}

int main(void)
{
	RUN(test_audio_then_video);
	RUN(test_video_floor);
	RUN(test_edges);
	return rtc_test_done();
}
