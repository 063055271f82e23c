/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ChannelData messages (RFC 8656 12.4): a 4-byte header, channel number
 * and length, then the application data; padded to 4 bytes over TCP and
 * TLS (the padding is not counted in the length).
 */
#include "engine/turn/turn.h"
#include "engine/stun/stun-private.h"

#include <string.h>

size_t rtc_turn_channel_data_write(uint16_t channel, const uint8_t *data, size_t len,
				   bool pad, uint8_t *out, size_t out_cap)
{
	if (channel < RTC_TURN_CHANNEL_MIN || channel > RTC_TURN_CHANNEL_MAX || len > 0xFFFF)
		return 0;
	size_t total = RTC_TURN_CHANNEL_HEADER_LEN + (pad ? rtc_stun_pad4(len) : len);
	if (!out || out_cap < total)
		return 0;
	rtc_put_be16(out, channel);
	rtc_put_be16(out + 2, (uint16_t)len);
	if (len)
		memmove(out + RTC_TURN_CHANNEL_HEADER_LEN, data, len);
	memset(out + RTC_TURN_CHANNEL_HEADER_LEN + len, 0, total - RTC_TURN_CHANNEL_HEADER_LEN - len);
	return total;
}

bool rtc_turn_channel_data_parse(const uint8_t *packet, size_t len, uint16_t *channel,
				 const uint8_t **data, size_t *data_len)
{
	if (!packet || len < RTC_TURN_CHANNEL_HEADER_LEN)
		return false;
	uint16_t number = rtc_get_be16(packet);
	size_t body = rtc_get_be16(packet + 2);
	if (number < RTC_TURN_CHANNEL_MIN || number > RTC_TURN_CHANNEL_MAX)
		return false;
	/* Over UDP the datagram may carry the padding or not (12.5). */
	size_t available = len - RTC_TURN_CHANNEL_HEADER_LEN;
	if (body > available || available - body > 3)
		return false;
	*channel = number;
	*data = packet + RTC_TURN_CHANNEL_HEADER_LEN;
	*data_len = body;
	return true;
}
