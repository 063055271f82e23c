/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/stream/codec.h"

#include <strings.h>

enum rtc_codec rtc_codec_from_name(const char *name)
{
	if (!strcasecmp(name, "opus"))
		return RTC_CODEC_OPUS;
	if (!strcasecmp(name, "VP8"))
		return RTC_CODEC_VP8;
	if (!strcasecmp(name, "H264"))
		return RTC_CODEC_H264;
	return RTC_CODEC_NONE;
}

const char *rtc_codec_name(enum rtc_codec codec)
{
	switch (codec) {
	case RTC_CODEC_OPUS: return "opus";
	case RTC_CODEC_VP8: return "VP8";
	case RTC_CODEC_H264: return "H264";
	case RTC_CODEC_NONE: break;
	}
	return "";
}

const char *rtc_codec_mime_type(enum rtc_codec codec)
{
	switch (codec) {
	case RTC_CODEC_OPUS: return "audio/opus";
	case RTC_CODEC_VP8: return "video/VP8";
	case RTC_CODEC_H264: return "video/H264";
	case RTC_CODEC_NONE: break;
	}
	return "";
}

uint32_t rtc_codec_clock_rate(enum rtc_codec codec)
{
	return codec == RTC_CODEC_OPUS ? 48000u : 90000u;
}

bool rtc_codec_is_audio(enum rtc_codec codec)
{
	return codec == RTC_CODEC_OPUS;
}
