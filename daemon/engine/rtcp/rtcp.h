/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTCP packets (RFC 3550 section 6, RFC 4585, RFC 5104, RFC 5506), parsed
 * from a compound or reduced-size datagram into a list of items and
 * written back from such a list.
 *
 * Items: SR and RR with their report blocks, SDES (CNAME only: the one
 * item WebRTC uses), BYE, generic NACK (its PID/BLP pairs expanded to a
 * list of sequence numbers), PLI, FIR, REMB and transport-wide congestion
 * control feedback. Packets of other types (APP, XR, other feedback) are
 * skipped and counted, never an error: peers send them. A length that
 * does not fit, a wrong version or bad padding is an error.
 *
 * The bytes come from the peer (after SRTCP): every length is checked
 * before it is read. Parsed arrays and strings live in the caller's arena,
 * so the item list outlives the datagram.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/base/arena.h"

enum rtc_rtcp_packet_type {
	RTC_RTCP_PT_SR = 200,
	RTC_RTCP_PT_RR = 201,
	RTC_RTCP_PT_SDES = 202,
	RTC_RTCP_PT_BYE = 203,
	RTC_RTCP_PT_APP = 204,
	RTC_RTCP_PT_RTPFB = 205,   /* RFC 4585 transport-layer feedback */
	RTC_RTCP_PT_PSFB = 206,    /* RFC 4585 payload-specific feedback */
};

/* Feedback message types (the FMT field of RTPFB and PSFB). */
#define RTC_RTCP_FMT_NACK 1u    /* RTPFB, RFC 4585 6.2.1 */
#define RTC_RTCP_FMT_TWCC 15u   /* RTPFB, transport-wide-cc-extensions-01 */
#define RTC_RTCP_FMT_PLI 1u     /* PSFB, RFC 4585 6.3.1 */
#define RTC_RTCP_FMT_FIR 4u     /* PSFB, RFC 5104 4.3.1 */
#define RTC_RTCP_FMT_AFB 15u    /* PSFB application layer: REMB */

/* Report blocks, SDES chunks and BYE sources each have a 5-bit count. */
#define RTC_RTCP_MAX_COUNT 31u

enum rtc_rtcp_item_type {
	RTC_RTCP_SR = 1,
	RTC_RTCP_RR,
	RTC_RTCP_SDES,
	RTC_RTCP_BYE,
	RTC_RTCP_NACK,
	RTC_RTCP_PLI,
	RTC_RTCP_FIR,
	RTC_RTCP_REMB,
	RTC_RTCP_TWCC,
};

/* RFC 3550 6.4.1: one source's reception report. */
struct rtc_rtcp_report_block {
	uint32_t ssrc;
	uint8_t fraction_lost;        /* fixed point, /256 */
	int32_t cumulative_lost;      /* 24-bit signed: duplicates make it negative */
	uint32_t highest_seq;         /* extended highest sequence number received */
	uint32_t jitter;              /* RTP timestamp units */
	uint32_t lsr;                 /* middle 32 bits of the last SR's NTP time */
	uint32_t dlsr;                /* delay since that SR, 1/65536 s */
};

struct rtc_rtcp_sr {
	uint32_t ssrc;
	uint64_t ntp;                 /* NTP 32.32 fixed point */
	uint32_t rtp_ts;              /* the same instant in the RTP clock */
	uint32_t packet_count;
	uint32_t octet_count;
	size_t report_count;
	struct rtc_rtcp_report_block *reports;
};

struct rtc_rtcp_rr {
	uint32_t ssrc;
	size_t report_count;
	struct rtc_rtcp_report_block *reports;
};

/* One SDES chunk. cname is NULL when the chunk has none; parsed, it is
 * NUL-terminated (the wire allows any byte, so cname_len counts). */
struct rtc_rtcp_sdes_chunk {
	uint32_t ssrc;
	const char *cname;
	uint8_t cname_len;
};

struct rtc_rtcp_sdes {
	size_t chunk_count;
	struct rtc_rtcp_sdes_chunk *chunks;
};

struct rtc_rtcp_bye {
	size_t ssrc_count;
	uint32_t *ssrcs;
	const char *reason;           /* NULL without one; parsed, NUL-terminated */
	uint8_t reason_len;
};

/* Generic NACK: the lost sequence numbers, in the order the FCI gives
 * them; the writer packs runs within 16 of a PID into its BLP. */
struct rtc_rtcp_nack {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	size_t seq_count;
	uint16_t *seqs;
};

struct rtc_rtcp_pli {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
};

struct rtc_rtcp_fir_entry {
	uint32_t ssrc;
	uint8_t seq_nr;               /* command sequence number: same = repeat */
};

struct rtc_rtcp_fir {
	uint32_t sender_ssrc;
	size_t entry_count;
	struct rtc_rtcp_fir_entry *entries;
};

/* REMB: bitrate = mantissa << exp bits per second (bitrate() saturates). */
struct rtc_rtcp_remb {
	uint32_t sender_ssrc;
	uint8_t exp;                  /* 6 bits */
	uint32_t mantissa;            /* 18 bits */
	size_t ssrc_count;
	uint32_t *ssrcs;
};

/* A packet the feedback reports received. Its delta is in 250 µs ticks
 * since the previous received packet, or since the reference time for
 * the first; a small delta (0..255) takes one byte on the wire, any other
 * (-32768..32767) two. */
struct rtc_rtcp_twcc_packet {
	uint16_t seq;
	int32_t delta;
};

/* Transport-wide feedback. The status_count packets from base_seq on are
 * reported; those not in `received` were not received. */
struct rtc_rtcp_twcc {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	uint16_t base_seq;
	uint16_t status_count;
	int32_t reference_time;       /* 24-bit signed, multiples of 64 ms */
	uint8_t fb_count;             /* feedback packet count, wraps */
	size_t received_count;
	struct rtc_rtcp_twcc_packet *received;   /* ascending from base_seq */
};

struct rtc_rtcp_item {
	enum rtc_rtcp_item_type type;
	union {
		struct rtc_rtcp_sr sr;
		struct rtc_rtcp_rr rr;
		struct rtc_rtcp_sdes sdes;
		struct rtc_rtcp_bye bye;
		struct rtc_rtcp_nack nack;
		struct rtc_rtcp_pli pli;
		struct rtc_rtcp_fir fir;
		struct rtc_rtcp_remb remb;
		struct rtc_rtcp_twcc twcc;
	};
};

struct rtc_rtcp_compound {
	size_t count;
	struct rtc_rtcp_item *items;
	size_t skipped;               /* packets of a type not understood */
	bool reduced_size;            /* RFC 5506: did not begin with SR or RR */
};

/* RFC 5761 section 4: with RTP and RTCP on one port, RTCP has packet
 * type 192..223 in its second byte (RTP there has marker + payload type). */
bool rtc_rtcp_is_rtcp(const uint8_t *buf, size_t len);

/* Parses a whole (compound or reduced-size) RTCP datagram. Arrays and
 * strings of the items are allocated in arena. Returns 0, or -1 with a
 * SyntaxError (RTC_ERROR_OPERATION when the arena is out of memory). */
int rtc_rtcp_parse(const uint8_t *buf, size_t len, struct rtc_arena *arena,
		   struct rtc_rtcp_compound *out, struct rtc_error *err);

/* Bytes rtc_rtcp_write needs for one item as one RTCP packet, or -1 with
 * an error if it cannot be written (a count above 31, a CNAME of more than
 * 255 bytes, a TWCC delta out of range, a NACK without sequence numbers). */
long rtc_rtcp_item_size(const struct rtc_rtcp_item *item, struct rtc_error *err);

/* Writes the items as consecutive RTCP packets (a compound packet when the
 * first is an SR or RR). Returns the length, or -1 with an error: a
 * TypeError for an item that cannot be written, RangeError when it does
 * not fit in cap. */
long rtc_rtcp_write(const struct rtc_rtcp_item *items, size_t count, uint8_t *buf, size_t cap,
		    struct rtc_error *err);

/* Generic NACK helpers: the FCI words for seqs (packed as the writer
 * packs them), and the sequence numbers one FCI word stands for. */
size_t rtc_rtcp_nack_fci_count(const uint16_t *seqs, size_t count);
size_t rtc_rtcp_nack_expand(uint16_t pid, uint16_t blp, uint16_t out[17]);

/* REMB's bitrate in bits per second, UINT64_MAX when it does not fit;
 * and the exponent and mantissa for a bitrate (rounded down). */
uint64_t rtc_rtcp_remb_bitrate(const struct rtc_rtcp_remb *remb);
void rtc_rtcp_remb_set_bitrate(struct rtc_rtcp_remb *remb, uint64_t bps);

/* Arrival time of each received packet of a TWCC feedback in µs of the
 * sender's time base (reference time plus the running sum of deltas). */
void rtc_rtcp_twcc_arrivals_us(const struct rtc_rtcp_twcc *fb, int64_t *out);
