/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/pc/demux.h"

enum rtc_packet_kind rtc_demux_classify(const uint8_t *data, size_t len)
{
	uint8_t b;

	if (len == 0)
		return RTC_PACKET_UNKNOWN;
	b = data[0];
	if (b <= 3)
		return RTC_PACKET_STUN;
	if (b >= 16 && b <= 19)
		return RTC_PACKET_ZRTP;
	if (b >= 20 && b <= 63)
		return RTC_PACKET_DTLS;
	if (b >= 64 && b <= 79)
		return RTC_PACKET_TURN_CHANNEL;
	if (b >= 128 && b <= 191) {
		/* RFC 5761 4: RTCP packet types 192..223 sit where RTP's marker
		 * bit and payload types 64..95 would, which RTP avoids. A
		 * header needs its second byte to tell. */
		if (len < 2)
			return RTC_PACKET_UNKNOWN;
		return data[1] >= 192 && data[1] <= 223 ? RTC_PACKET_RTCP : RTC_PACKET_RTP;
	}
	return RTC_PACKET_UNKNOWN;
}

const char *rtc_packet_kind_name(enum rtc_packet_kind kind)
{
	switch (kind) {
	case RTC_PACKET_UNKNOWN: return "unknown";
	case RTC_PACKET_STUN: return "stun";
	case RTC_PACKET_ZRTP: return "zrtp";
	case RTC_PACKET_DTLS: return "dtls";
	case RTC_PACKET_TURN_CHANNEL: return "turn-channel";
	case RTC_PACKET_RTP: return "rtp";
	case RTC_PACKET_RTCP: return "rtcp";
	}
	return "unknown";
}
