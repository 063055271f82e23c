/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The codecs rtcd sends and receives, as the streams know them: which
 * packetizer, which RTP clock, audio or video.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum rtc_codec {
	RTC_CODEC_NONE = 0,
	RTC_CODEC_OPUS,
	RTC_CODEC_VP8,
	RTC_CODEC_H264,
};

/* From an a=rtpmap encoding name ("opus", "VP8", "H264"; any case). */
enum rtc_codec rtc_codec_from_name(const char *name);
/* "opus", "VP8", "H264"; "" for NONE. */
const char *rtc_codec_name(enum rtc_codec codec);
/* The RTP clock rate: 48000 for Opus, 90000 for video. */
uint32_t rtc_codec_clock_rate(enum rtc_codec codec);
bool rtc_codec_is_audio(enum rtc_codec codec);
/* W3C mimeType: "audio/opus", "video/VP8", "video/H264". */
const char *rtc_codec_mime_type(enum rtc_codec codec);
