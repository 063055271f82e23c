/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opus over RTP (RFC 7587): one Opus packet (RFC 6716), which may hold up
 * to 120 ms of frames, is one RTP payload, never split and never
 * aggregated. The marker bit is set on the first packet of a talkspurt,
 * the first after a DTX silence (RFC 7587 section 4.1, RFC 3551).
 *
 * Both directions check the packet against RFC 6716 section 3.4 (R1-R7):
 * the TOC byte and the frame lengths it announces must fit the payload, so
 * a decoder is never handed a packet it would misread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/packetize/frame.h"

/* The RTP clock of Opus is always 48 kHz, whatever the audio's rate. */
#define RTC_OPUS_CLOCK_RATE 48000u

struct rtc_opus_packet {
	const uint8_t *data;    /* the Opus packet: the whole payload */
	size_t len;
	unsigned frames;        /* Opus frames in it, 1..48 */
	unsigned samples;       /* its duration in 48 kHz samples (RTP ticks) */
	bool talkspurt_start;   /* the marker bit */
};

/* Reads one RTP payload. Returns 0 with pkt pointing into payload, or -1
 * with a SyntaxError when it is no valid Opus packet. */
int rtc_opus_depacketize(const uint8_t *payload, size_t len, bool marker,
			 struct rtc_opus_packet *pkt, struct rtc_error *err);

/* Writes the one payload of an encoded Opus packet into out, its marker
 * set when the packet starts a talkspurt. Returns 0, or -1 with a
 * SyntaxError (not an Opus packet) or a RangeError (larger than the MTU,
 * or out is full). */
int rtc_opus_packetize(const uint8_t *packet, size_t len, bool talkspurt_start,
		       struct rtc_frame_payloads *out, struct rtc_error *err);

/* Checks an Opus packet (RFC 6716 section 3.4) and counts its frames and
 * samples; either pointer may be NULL. Returns 0 or -1 with a SyntaxError. */
int rtc_opus_packet_parse(const uint8_t *packet, size_t len, unsigned *frames,
			  unsigned *samples, struct rtc_error *err);
