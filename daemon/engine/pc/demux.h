/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a datagram on a WebRTC transport is, from its first byte (RFC 7983,
 * with RFC 8656's TURN channel range), and RTP from RTCP on an rtcp-mux
 * transport (RFC 5761 section 4).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum rtc_packet_kind {
	RTC_PACKET_UNKNOWN,   /* drop it */
	RTC_PACKET_STUN,      /* 0..3 */
	RTC_PACKET_ZRTP,      /* 16..19: never negotiated by WebRTC, dropped */
	RTC_PACKET_DTLS,      /* 20..63 */
	RTC_PACKET_TURN_CHANNEL, /* 64..79 */
	RTC_PACKET_RTP,       /* 128..191, payload type not in 64..95 */
	RTC_PACKET_RTCP,      /* 128..191, packet type 192..223 */
};

enum rtc_packet_kind rtc_demux_classify(const uint8_t *data, size_t len);
const char *rtc_packet_kind_name(enum rtc_packet_kind kind);
