/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Retransmission, the sender's side and RFC 4588's wrapping.
 *
 * The RTX cache keeps the last packets sent on one SSRC, in the clear (SRTP
 * protects in place, so the owner puts the packet here before protecting
 * it), in a ring of fixed MTU-sized slots allocated once: a packet's slot
 * is its sequence number modulo the capacity, so lookups are O(1) and a
 * newer packet simply takes an older one's place. Packets older than
 * max_age are not resent.
 *
 * The responder turns the sequence numbers of a received NACK into the
 * cached packets to send again, skipping one that was resent less than an
 * RTT ago (its retransmission may still be on its way).
 *
 * With RTX negotiated, each packet to resend is wrapped (RFC 4588 section
 * 4): the RTX stream's SSRC, payload type and its own sequence counter,
 * the original sequence number (OSN) before the original payload; the
 * receiver unwraps it back to the original. Without RTX the cached packet
 * is sent again as it is (same SSRC and sequence number).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define RTC_RTX_MAX_PACKET 1500u   /* largest packet the cache keeps */
#define RTC_RTX_NO_PT 0xffu

struct rtc_rtx_slot {
	uint64_t sent;            /* when the packet was first sent */
	uint64_t resent;          /* when last resent; valid if resend_count */
	uint32_t resend_count;
	uint16_t seq;
	uint16_t len;             /* 0: empty */
	uint8_t data[RTC_RTX_MAX_PACKET];
};

struct rtc_rtx_stats {
	uint64_t packets_cached;
	uint64_t packets_too_big;     /* not cached: larger than a slot */
	uint64_t packets_resent;      /* W3C retransmittedPacketsSent */
	uint64_t bytes_resent;        /* original packets' bytes, headers included */
	uint64_t nacked_missing;      /* NACKed but no longer (or never) cached */
	uint64_t nacked_too_soon;     /* NACKed again within an RTT of a resend */
};

struct rtc_rtx_cache {
	uint64_t max_age;
	size_t capacity;
	struct rtc_rtx_stats stats;
	struct rtc_rtx_slot *slots;
};

/* capacity packets (e.g. 600), kept at most max_age ns (e.g. 1 s). */
struct rtc_rtx_cache *rtc_rtx_cache_new(size_t capacity, uint64_t max_age, struct rtc_error *err);
void rtc_rtx_cache_free(struct rtc_rtx_cache *c);

/* Keeps a copy of a clear RTP packet just sent. Returns 0, or -1 with a
 * RangeError (too big: not cached) or SyntaxError (not RTP). */
int rtc_rtx_cache_put(struct rtc_rtx_cache *c, uint64_t now, const uint8_t *pkt, size_t len,
		      struct rtc_error *err);

/* The cached packet with this sequence number, NULL if it is gone or
 * older than max_age; valid until the next put. */
const uint8_t *rtc_rtx_cache_get(const struct rtc_rtx_cache *c, uint64_t now, uint16_t seq,
				 size_t *len);

/* One packet to send again. */
struct rtc_rtx_resend {
	uint16_t seq;
	const uint8_t *pkt;       /* the original, in the cache: valid until the next put */
	size_t len;
};

/* For the sequence numbers of a NACK: the cached packets to resend now, in
 * the NACK's order, at most max; each is marked as resent at now. A packet
 * resent less than max(rtt, 5 ms) ago is skipped. Returns how many. */
size_t rtc_rtx_respond(struct rtc_rtx_cache *c, uint64_t now, uint64_t rtt,
		       const uint16_t *seqs, size_t count, struct rtc_rtx_resend *out, size_t max);

/* The sending side of one RTX stream (RFC 4588 section 4). */
struct rtc_rtx_stream {
	uint32_t ssrc;
	uint8_t payload_type;
	uint16_t next_seq;        /* RTX's own counter, random at the start */
};

/* Wraps the original packet orig into out: the RTX header (the stream's
 * SSRC and payload type, its next sequence number, the original's marker,
 * timestamp and CSRCs), then the OSN and the original payload (padding
 * left out). ext is the header extension to write: NULL copies the
 * original's as it is; a block of form RTC_RTP_EXT_NONE writes none; or
 * the caller's own elements (a fresh transport-wide sequence number, say).
 * out must not overlap orig. Advances next_seq. Returns the length or -1
 * with an error. */
struct rtc_rtp_ext_block;
long rtc_rtx_wrap(struct rtc_rtx_stream *s, const uint8_t *orig, size_t len,
		  const struct rtc_rtp_ext_block *ext, uint8_t *out, size_t cap,
		  struct rtc_error *err);

/* The associated payload types (a=fmtp:<rtx> apt=<media>). */
struct rtc_rtx_apt_map {
	uint8_t apt[128];         /* RTX payload type -> media payload type, or RTC_RTX_NO_PT */
};

void rtc_rtx_apt_map_init(struct rtc_rtx_apt_map *m);
int rtc_rtx_apt_map_add(struct rtc_rtx_apt_map *m, uint8_t rtx_pt, uint8_t media_pt,
			struct rtc_error *err);

/* Unwraps an RTX packet into out (which may be rtx itself: works in
 * place): the header with the media SSRC, the OSN as sequence number and
 * the associated payload type, extensions as received, then the original
 * payload. A SyntaxError for a packet that is not RTP, an unknown RTX
 * payload type, or one without an OSN (RTX padding sent to probe
 * bandwidth: nothing to recover, drop it). Returns the length or -1. */
long rtc_rtx_unwrap(const struct rtc_rtx_apt_map *m, uint32_t media_ssrc, const uint8_t *rtx,
		    size_t len, uint8_t *out, size_t cap, struct rtc_error *err);
