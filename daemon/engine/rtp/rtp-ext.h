/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The payloads of the header extensions WebRTC negotiates (a=extmap by
 * URI): read from a parsed element, with its length checked, and built into
 * an element for rtc_rtp_write_header from a caller's small buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/rtp/rtp.h"

#define RTC_RTP_EXT_URI_ABS_SEND_TIME \
	"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define RTC_RTP_EXT_URI_TRANSPORT_CC \
	"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define RTC_RTP_EXT_URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define RTC_RTP_EXT_URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define RTC_RTP_EXT_URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define RTC_RTP_EXT_URI_REPAIRED_RID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"

/* abs-send-time: seconds in 6.18 fixed point, 24 bits, wrapping every 64 s. */
uint32_t rtc_rtp_abs_send_time_from_ns(uint64_t ns);
uint64_t rtc_rtp_abs_send_time_to_ns(uint32_t v);
int rtc_rtp_ext_get_abs_send_time(const struct rtc_rtp_ext *e, uint32_t *v,
				  struct rtc_error *err);
struct rtc_rtp_ext rtc_rtp_ext_abs_send_time(uint8_t id, uint32_t v, uint8_t buf[3]);

/* transport-wide-cc: the transport-wide sequence number, 16 bits. */
int rtc_rtp_ext_get_transport_cc(const struct rtc_rtp_ext *e, uint16_t *seq,
				 struct rtc_error *err);
struct rtc_rtp_ext rtc_rtp_ext_transport_cc(uint8_t id, uint16_t seq, uint8_t buf[2]);

/* ssrc-audio-level (RFC 6464): voice activity and the level in -dBov,
 * 0 (loudest) to 127 (silence). */
int rtc_rtp_ext_get_audio_level(const struct rtc_rtp_ext *e, bool *voice, uint8_t *level,
				struct rtc_error *err);
struct rtc_rtp_ext rtc_rtp_ext_audio_level(uint8_t id, bool voice, uint8_t level,
					   uint8_t buf[1]);

/* mid (RFC 8843, an SDP token) and rtp-stream-id / repaired-rtp-stream-id
 * (RFC 8852, alphanumerics, '-' and '_'). Trailing zero bytes, which some
 * senders pad with, are not part of the string; a string is never empty.
 * The string points into the element. */
int rtc_rtp_ext_get_mid(const struct rtc_rtp_ext *e, const char **s, size_t *len,
			struct rtc_error *err);
int rtc_rtp_ext_get_rid(const struct rtc_rtp_ext *e, const char **s, size_t *len,
			struct rtc_error *err);
/* An element carrying s (not copied); -1 if s is empty, longer than 255
 * bytes, or has a character its syntax excludes. */
int rtc_rtp_ext_mid(uint8_t id, const char *s, size_t len, struct rtc_rtp_ext *e,
		    struct rtc_error *err);
int rtc_rtp_ext_rid(uint8_t id, const char *s, size_t len, struct rtc_rtp_ext *e,
		    struct rtc_error *err);
