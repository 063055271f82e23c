/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * H.264 over RTP (RFC 6184), packetization-mode 0 and 1.
 *
 * The packetizer takes an access unit in Annex-B form (NAL units after
 * 00 00 01 or 00 00 00 01 start codes) and makes:
 *   mode 0: one payload per NAL unit (a NAL larger than the MTU is an error:
 *           mode 0 has no way to split it);
 *   mode 1: single NAL payloads, STAP-A (type 24) gathering consecutive
 *           NALs that fit together (SPS+PPS+a small slice), and FU-A
 *           (type 28) fragments for a NAL larger than the MTU.
 * The marker bit goes on the access unit's last payload.
 *
 * SPS and PPS before key frames: the packetizer keeps the last SPS and the
 * last PPS it saw (up to RTC_H264_PARAM_SET_MAX bytes each). When a frame
 * holds an IDR slice but no SPS (or no PPS), the kept one is sent just
 * before the first IDR, so a receiver joining at any key frame (or after
 * asking for one with PLI) can decode it, whatever the encoder repeats.
 * With no SPS/PPS seen yet nothing is inserted.
 *
 * The depacketizer turns each payload back into Annex-B (4-byte start
 * codes) in the caller's buffer. It follows FU-A fragments across calls to
 * reject a continuation whose start it did not see; assembling frames
 * across loss is the jitter buffer's work, which calls reset after a gap.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/packetize/frame.h"

#define RTC_H264_CLOCK_RATE 90000u
#define RTC_H264_PARAM_SET_MAX 256u

enum rtc_h264_nal_type {
	RTC_H264_NAL_SLICE = 1,
	RTC_H264_NAL_IDR = 5,
	RTC_H264_NAL_SEI = 6,
	RTC_H264_NAL_SPS = 7,
	RTC_H264_NAL_PPS = 8,
	RTC_H264_NAL_AUD = 9,
	RTC_H264_NAL_STAP_A = 24,
	RTC_H264_NAL_FU_A = 28,
};

/* The next NAL unit of an Annex-B buffer from *pos (0 at first): its bytes
 * without start code, empty NALs skipped. False at the end. Bytes before the
 * first start code are skipped; rtc_h264_packetize refuses any but zeros. */
bool rtc_h264_next_nal(const uint8_t *buf, size_t len, size_t *pos,
		       const uint8_t **nal, size_t *nal_len);

struct rtc_h264_packetizer {
	unsigned mode;          /* packetization-mode: 0 or 1 */
	uint8_t sps[RTC_H264_PARAM_SET_MAX];
	size_t sps_len;         /* 0: none seen */
	uint8_t pps[RTC_H264_PARAM_SET_MAX];
	size_t pps_len;
};

/* mode is the negotiated packetization-mode: 0, or anything else for 1
 * (mode 2, interleaved, is not offered by rtcd). */
void rtc_h264_packetizer_init(struct rtc_h264_packetizer *p, unsigned mode);

/* Packetizes one access unit into out, the marker on the last payload.
 * Returns 0, or -1 with a SyntaxError (no start code, bytes other than
 * zeros before it, no NAL, a NAL type RTP reserves: 0, 24..31) or a
 * RangeError (mode 0 and a NAL above the MTU, an MTU below 3 in mode 1,
 * out full). */
int rtc_h264_packetize(struct rtc_h264_packetizer *p, const uint8_t *frame, size_t len,
		       struct rtc_frame_payloads *out, struct rtc_error *err);

struct rtc_h264_depacketizer {
	bool fu_open;           /* inside an FU-A, its end not yet seen */
	uint8_t fu_type;        /* the fragmented NAL's type */
};

struct rtc_h264_depacketized {
	size_t len;             /* Annex-B bytes written to the caller's buffer */
	bool frame_start;       /* the payload begins an access unit: its first NAL
				 * is an AUD, SPS, PPS or SEI, or a slice whose
				 * first_mb_in_slice is 0 (H.264 7.4.1.2.3) */
	bool frame_end;         /* the marker bit */
	bool key_frame;         /* an IDR NAL starts in this payload */
	bool has_sps;
	bool has_pps;
};

void rtc_h264_depacketizer_reset(struct rtc_h264_depacketizer *d);

/* Reads one RTP payload and writes its NAL units, or the piece of one an
 * FU-A carries, as Annex-B into buf. Returns 0, or -1 with a SyntaxError
 * (malformed STAP-A lengths, FU-A without its start, undefined types), a
 * NotSupportedError (STAP-B, MTAP, FU-B: interleaved mode) or a
 * RangeError (buf too small). */
int rtc_h264_depacketize(struct rtc_h264_depacketizer *d, const uint8_t *payload, size_t len,
			 bool marker, uint8_t *buf, size_t cap,
			 struct rtc_h264_depacketized *out, struct rtc_error *err);
