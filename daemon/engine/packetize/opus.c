/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TOC byte (RFC 6716 section 3.1):
 *
 *    0 1 2 3 4 5 6 7
 *   | config  |s| c |   config: mode and frame duration; c: frame count code
 *
 *   c=0: one frame          c=1: two frames of equal size
 *   c=2: two frames, the first's length in 1 or 2 bytes
 *   c=3: a count byte |v|p|M(6)| (VBR, padding, M frames), padding lengths,
 *        and for VBR M-1 frame lengths
 */
#include "engine/packetize/opus.h"

#include <string.h>

#define OPUS_MAX_FRAME 1275u        /* R2 */
#define OPUS_MAX_SAMPLES 5760u      /* R5: 120 ms at 48 kHz */

/* Samples of one frame at 48 kHz, from the TOC's configuration. */
static unsigned frame_samples(uint8_t toc)
{
	static const unsigned silk[] = { 480, 960, 1920, 2880 };
	static const unsigned celt[] = { 120, 240, 480, 960 };
	unsigned config = toc >> 3;

	if (config < 12)
		return silk[config & 3];
	if (config < 16)
		return config & 1 ? 960 : 480;   /* hybrid: 10 or 20 ms */
	return celt[config & 3];
}

/* A frame length of 1 or 2 bytes (RFC 6716 section 3.2.1); 0 on truncation. */
static size_t read_length(const uint8_t *p, size_t avail, size_t *used)
{
	if (avail < 1)
		return (*used = 0);
	if (p[0] < 252) {
		*used = 1;
		return p[0];
	}
	if (avail < 2)
		return (*used = 0);
	*used = 2;
	return (size_t)p[1] * 4 + p[0];
}

int rtc_opus_packet_parse(const uint8_t *packet, size_t len, unsigned *frames,
			  unsigned *samples, struct rtc_error *err)
{
	unsigned n;
	size_t rest, used;

	if (len < 1)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "empty Opus packet (no TOC byte)");
	rest = len - 1;
	switch (packet[0] & 3) {
	case 0:
		n = 1;
		if (rest > OPUS_MAX_FRAME)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "Opus frame of %zu bytes exceeds %u", rest, OPUS_MAX_FRAME);
		break;
	case 1:
		n = 2;
		if (rest % 2)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "Opus code 1 packet has an odd %zu bytes for two equal frames",
					     rest);
		if (rest / 2 > OPUS_MAX_FRAME)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus frame exceeds %u bytes",
					     OPUS_MAX_FRAME);
		break;
	case 2: {
		size_t first = read_length(packet + 1, rest, &used);

		n = 2;
		if (!used)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "Opus code 2 packet lacks its frame length");
		rest -= used;
		if (first > rest)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "Opus code 2 frame of %zu bytes, only %zu left", first, rest);
		if (first > OPUS_MAX_FRAME || rest - first > OPUS_MAX_FRAME)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus frame exceeds %u bytes",
					     OPUS_MAX_FRAME);
		break;
	}
	default: {
		const uint8_t *p = packet + 2;
		bool vbr, padded;
		size_t pad = 0;

		if (rest < 1)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "Opus code 3 packet lacks its frame count byte");
		rest--;
		vbr = packet[1] & 0x80;
		padded = packet[1] & 0x40;
		n = packet[1] & 0x3f;
		if (n == 0)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "Opus code 3 packet with 0 frames");
		if (n * frame_samples(packet[0]) > OPUS_MAX_SAMPLES)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "Opus packet of %u frames lasts more than 120 ms", n);
		/* Padding length: each 255 means 254 bytes and another length byte. */
		while (padded) {
			if (rest < 1)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "Opus padding length is truncated");
			rest--;
			pad += *p == 255 ? 254 : *p;
			padded = *p++ == 255;
		}
		if (pad > rest)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "Opus padding of %zu bytes, only %zu left", pad, rest);
		rest -= pad;
		if (vbr) {
			for (unsigned i = 0; i + 1 < n; i++) {
				size_t flen = read_length(p, rest, &used);

				if (!used)
					return rtc_error_set(err, RTC_ERROR_SYNTAX,
							     "Opus frame length %u is truncated", i);
				p += used;
				rest -= used;
				if (flen > rest || flen > OPUS_MAX_FRAME)
					return rtc_error_set(err, RTC_ERROR_SYNTAX,
							     "Opus frame %u of %zu bytes does not fit",
							     i, flen);
				rest -= flen;
			}
			if (rest > OPUS_MAX_FRAME)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "Opus last frame exceeds %u bytes", OPUS_MAX_FRAME);
		} else if (rest % n || rest / n > OPUS_MAX_FRAME) {
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "Opus CBR packet: %zu bytes do not make %u frames", rest, n);
		}
		break;
	}
	}
	if (frames)
		*frames = n;
	if (samples)
		*samples = n * frame_samples(packet[0]);
	return 0;
}

int rtc_opus_depacketize(const uint8_t *payload, size_t len, bool marker,
			 struct rtc_opus_packet *pkt, struct rtc_error *err)
{
	memset(pkt, 0, sizeof(*pkt));
	if (rtc_opus_packet_parse(payload, len, &pkt->frames, &pkt->samples, err) < 0)
		return -1;
	pkt->data = payload;
	pkt->len = len;
	pkt->talkspurt_start = marker;
	return 0;
}

int rtc_opus_packetize(const uint8_t *packet, size_t len, bool talkspurt_start,
		       struct rtc_frame_payloads *out, struct rtc_error *err)
{
	uint8_t *p;

	rtc_frame_payloads_reset(out);
	if (rtc_opus_packet_parse(packet, len, NULL, NULL, err) < 0)
		return -1;
	p = rtc_frame_payloads_add(out, len, err);
	if (!p)
		return -1;
	memcpy(p, packet, len);
	out->slots[0].marker = talkspurt_start;
	return 0;
}
