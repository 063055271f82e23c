/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One outgoing RTP stream (RFC 3550): the encoded frames of one track, in
 * packets of one SSRC, and what RTCP says about it both ways.
 *
 * A frame goes in (rtc_send_stream_frame): it is packetized for the codec,
 * and each payload gets its RTP header with the stream's negotiated
 * extensions (mid, audio level, and zeroed room for abs-send-time and the
 * transport-wide sequence number, which only the moment of sending knows).
 * The packets then come out one by one (rtc_send_stream_poll_packet) for
 * the pacer. When one really leaves, rtc_send_stream_sent stamps those two
 * extensions in place and keeps the clear packet for retransmission.
 *
 * From the peer: NACKs (the packets are found in the history and come out
 * again, RFC 4588 RTX when negotiated, as they were otherwise), PLI and FIR
 * (a key frame request for the encoder), report blocks (loss, jitter and
 * the round trip, W3C remote-inbound-rtp). To the peer: sender reports
 * with the NTP <-> RTP mapping that lets it synchronise audio and video.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/jitter/rtx.h"
#include "engine/packetize/h264.h"
#include "engine/packetize/vp8.h"
#include "engine/rtcp/rtcp.h"
#include "engine/stream/codec.h"

struct rtc_send_stream_config {
	enum rtc_codec codec;
	unsigned h264_packetization_mode;   /* 0 or 1 */
	uint8_t payload_type;
	int rtx_payload_type;               /* -1: NACKed packets go again as they were */
	uint32_t ssrc, rtx_ssrc;
	/* Negotiated extension ids, 0 for the ones that are not. */
	uint8_t ext_mid, ext_abs_send_time, ext_transport_cc, ext_audio_level;
	char mid[33];
	size_t mtu;                         /* the largest RTP packet, before SRTP */
	/* The peer may NACK: keep the sent packets (engine/jitter's history). */
	bool nack;
	/* Random starting points (RFC 3550 5.1), the caller's choice so that
	 * engine tests can pin them. */
	uint16_t first_seq;
	uint32_t timestamp_offset;
};

/* A packet for the pacer. data stays valid until the next call on the stream. */
struct rtc_send_packet {
	const uint8_t *data;
	size_t len;
	bool retransmission;                /* answers a NACK (RTX or as it was) */
	bool audio;
	uint16_t seq;                       /* its RTP sequence number */
};

/* W3C outbound-rtp and remote-inbound-rtp. */
struct rtc_send_stream_stats {
	uint64_t packets_sent;              /* first transmissions and retransmissions */
	uint64_t bytes_sent;                /* payload bytes */
	uint64_t header_bytes_sent;
	uint64_t retransmitted_packets_sent;
	uint64_t retransmitted_bytes_sent;
	uint64_t frames_encoded;            /* frames handed in */
	uint64_t key_frames_encoded;
	uint32_t nack_count;                /* NACK messages received */
	uint64_t retransmissions_over_limit;   /* asked for, not resent: over the limit */
	uint32_t pli_count;
	uint32_t fir_count;
	/* From the latest report block about this SSRC. */
	bool has_remote_report;
	int64_t remote_packets_lost;
	double remote_fraction_lost;        /* 0..1 */
	double remote_jitter;               /* seconds */
	uint64_t round_trip_time;           /* ns, the latest */
	uint64_t total_round_trip_time;     /* ns, summed */
	uint64_t round_trip_time_measurements;
};

struct rtc_send_stream;

/* Returns 0, or -1 with a TypeError for a configuration that cannot work
 * (no codec, an MTU too small for a header and a byte). */
int rtc_send_stream_new(const struct rtc_send_stream_config *config,
			struct rtc_send_stream **out, struct rtc_error *err);
void rtc_send_stream_free(struct rtc_send_stream *s);

const struct rtc_send_stream_config *rtc_send_stream_config(const struct rtc_send_stream *s);

/* One encoded frame captured at capture_ns (the engine's clock: its RTP
 * timestamp follows from it). audio_level (0 loudest..127 silence, -1 none)
 * goes into ssrc-audio-level when negotiated. Packets already waiting are
 * kept. Returns 0, or -1 with the packetizer's error (nothing queued). */
int rtc_send_stream_frame(struct rtc_send_stream *s, uint64_t capture_ns,
			  const uint8_t *frame, size_t len, int audio_level,
			  struct rtc_error *err);

/* The next packet waiting to go (new media first in order, retransmissions
 * as NACKs ask); false when none is. The packet is the pacer's now. */
bool rtc_send_stream_poll_packet(struct rtc_send_stream *s, struct rtc_send_packet *out);

/* The packet in buf (one poll_packet gave, now copied out of the stream)
 * leaves now: abs-send-time and the transport-wide sequence number
 * (twcc_seq) are written into it, a first transmission is kept for
 * retransmission, and it is counted. */
void rtc_send_stream_sent(struct rtc_send_stream *s, uint64_t now, uint8_t *buf, size_t len,
			  bool retransmission, uint16_t twcc_seq);

/* A padding-only packet of size bytes (at most the MTU) into buf, for a
 * bandwidth probe: on the RTX stream when there is one (the receiver
 * finds no original in it), else on the media stream with the next
 * sequence number. Returns its length, or 0 if cap is too small. */
size_t rtc_send_stream_padding(struct rtc_send_stream *s, uint64_t now, size_t size,
			       uint8_t *buf, size_t cap);

/* ---- RTCP ------------------------------------------------------------------ */

/* An SR for now, when anything was sent; false before the first packet. */
bool rtc_send_stream_sender_report(struct rtc_send_stream *s, uint64_t now,
				   struct rtc_rtcp_sr *out);
/* A report block about our SSRC arrived at now (ntp_now: the NTP time of
 * now in the clock our SRs use). */
void rtc_send_stream_handle_report(struct rtc_send_stream *s, uint64_t now,
				   uint64_t ntp_now, const struct rtc_rtcp_report_block *b);
/* The peer lost these packets: those still in the history come out again
 * (at most once per round trip). */
void rtc_send_stream_handle_nack(struct rtc_send_stream *s, uint64_t now,
				 const uint16_t *seqs, size_t n);
/* At most bps of retransmissions (answers to NACKs) a second, with a
 * second's worth to burst; 0 (the default) is no limit. libwebrtc bounds
 * them by the congestion controller's target: a lossy path must not make
 * the sender exceed what the controller allows, which would only lose more. */
void rtc_send_stream_set_retransmission_limit(struct rtc_send_stream *s, uint64_t now,
					      uint64_t bps);
/* PLI or FIR: true when this asks the encoder for a key frame. A FIR whose
 * command sequence number repeats the last one is a retransmission of the
 * same request (RFC 5104 4.3.1.2) and asks for nothing new. */
bool rtc_send_stream_handle_pli(struct rtc_send_stream *s);
bool rtc_send_stream_handle_fir(struct rtc_send_stream *s, uint8_t seq_nr);

/* The round trip, 0 until a report gave one. */
uint64_t rtc_send_stream_rtt(const struct rtc_send_stream *s);
const struct rtc_send_stream_stats *rtc_send_stream_stats(const struct rtc_send_stream *s);
