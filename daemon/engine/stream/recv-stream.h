/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One incoming RTP stream: the packets of the peer's SSRC for one
 * transceiver (and of its RTX SSRC), made into frames again.
 *
 * Each packet (already authenticated by SRTP and parsed) is counted
 * (RFC 3550 reception statistics), RTX is unwrapped (RFC 4588), holes are
 * NACKed (engine/jitter's generator), and the payload is depacketized into
 * the video jitter buffer or the audio playout buffer, which release whole
 * frames in decode order (video) or one frame per playout slot (audio, or
 * a gap to conceal). What cannot be repaired asks for a key frame (PLI,
 * or FIR where only that was negotiated).
 *
 *     rtc_recv_stream_handle_rtp(s, now, buf, len, &parsed);
 *     while (rtc_recv_stream_poll_frame(s, now, &frame)) decode;
 *     while (rtc_recv_stream_poll_feedback(s, now, &item)) send RTCP;
 *     timer at rtc_recv_stream_deadline(s) -> rtc_recv_stream_handle_timeout
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/rtcp/rtcp.h"
#include "engine/rtp/rtp.h"
#include "engine/stream/codec.h"

#define RTC_RECV_STREAM_MAX_CODECS 8

struct rtc_recv_stream_codec {
	uint8_t payload_type;
	enum rtc_codec codec;
	int rtx_payload_type;           /* -1: none */
};

struct rtc_recv_stream_config {
	bool audio;
	struct rtc_recv_stream_codec codecs[RTC_RECV_STREAM_MAX_CODECS];
	size_t n_codecs;
	uint32_t ssrc;                  /* the peer's media SSRC */
	uint32_t rtx_ssrc;              /* its RTX SSRC, 0 if unknown */
	uint32_t local_ssrc;            /* ours, the sender of our feedback */
	bool nack, pli, fir;            /* feedback the peer understands */
};

/* A frame to decode, or (audio only) a gap to conceal: data NULL, with its
 * length and, when there, the next packet for FEC. */
struct rtc_recv_frame {
	enum rtc_codec codec;
	const uint8_t *data;            /* valid until the next call on the stream */
	size_t len;
	uint32_t rtp_timestamp;
	bool key_frame;
	/* Video: its first packet's arrival (ns, the `now` given with it);
	 * 0 unknown. The owner measures W3C jitterBufferDelay to the decoder
	 * from it. */
	uint64_t first_arrival;
	/* The sender's capture time (NTP 32.32 of its clock), once an SR
	 * mapped its RTP clock: lip sync across its streams. */
	bool has_capture_ntp;
	uint64_t capture_ntp;
	/* Audio: the duration in RTP clock ticks (48 kHz samples for Opus),
	 * of the frame or of the gap. A gap also carries the packet after it
	 * when the playout buffer holds it, for the decoder's in-band FEC
	 * (Opus LBRR); NULL: conceal (PLC). Valid like data. */
	unsigned samples;
	const uint8_t *fec;
	size_t fec_len;
};

/* W3C inbound-rtp (and remote-outbound-rtp from SRs). */
struct rtc_recv_stream_stats {
	uint64_t packets_received;
	int64_t packets_lost;
	uint64_t bytes_received;
	uint64_t header_bytes_received;
	double jitter;                  /* seconds */
	uint64_t packets_discarded;     /* arrived too late or were dropped unplayed */
	uint64_t retransmitted_packets_received;
	uint64_t retransmitted_bytes_received;
	uint64_t frames_received;       /* video: frames assembled */
	uint64_t key_frames_decoded;    /* video: key frames released */
	uint64_t frames_dropped;
	uint32_t nack_count;            /* NACK messages sent */
	uint32_t pli_count;
	uint32_t fir_count;
	uint64_t total_samples_received;   /* audio */
	uint64_t concealed_samples;
	/* Seconds summed over emitted frames (video) or samples (audio). */
	double jitter_buffer_delay;
	double jitter_buffer_target_delay;
	double jitter_buffer_minimum_delay;
	uint64_t jitter_buffer_emitted_count;
	/* Video: frames of several packets, first to last packet (seconds). */
	uint64_t frames_assembled_from_multiple_packets;
	double total_assembly_time;
	uint64_t last_packet_received;  /* ns of our clock; 0 none */
	/* remote-outbound-rtp: what the peer's SRs said. */
	uint64_t remote_packets_sent;
	uint64_t remote_bytes_sent;
	uint64_t remote_reports_sent;
	uint64_t remote_timestamp_ntp;
};

struct rtc_recv_stream;

int rtc_recv_stream_new(const struct rtc_recv_stream_config *config,
			struct rtc_recv_stream **out, struct rtc_error *err);
void rtc_recv_stream_free(struct rtc_recv_stream *s);

const struct rtc_recv_stream_config *rtc_recv_stream_config(const struct rtc_recv_stream *s);

/* The configuration's codec of a media payload type, NULL if none. */
const struct rtc_recv_stream_codec *rtc_recv_stream_codec(const struct rtc_recv_stream_config *c,
							  uint8_t payload_type);

/* Whether a packet of this SSRC and payload type belongs here. */
bool rtc_recv_stream_accepts(const struct rtc_recv_stream *s, uint32_t ssrc,
			     uint8_t payload_type);

/* A packet of the stream (media or RTX) arrived at now; buf may be
 * rewritten (RTX is unwrapped in place). p is buf parsed. Returns 0, or -1
 * with an error for a packet dropped as malformed (counted). */
int rtc_recv_stream_handle_rtp(struct rtc_recv_stream *s, uint64_t now, uint8_t *buf,
			       size_t len, const struct rtc_rtp_packet *p, struct rtc_error *err);

/* The peer's SR for our media SSRC arrived. */
void rtc_recv_stream_handle_sr(struct rtc_recv_stream *s, uint64_t now,
			       const struct rtc_rtcp_sr *sr);
/* The round trip (ns) as our SRs measure it: paces NACKs and waits. */
void rtc_recv_stream_set_rtt(struct rtc_recv_stream *s, uint64_t rtt);

bool rtc_recv_stream_poll_frame(struct rtc_recv_stream *s, uint64_t now,
				struct rtc_recv_frame *frame);

/* A NACK, PLI or FIR to send now; its arrays are the stream's, valid until
 * the next call. */
bool rtc_recv_stream_poll_feedback(struct rtc_recv_stream *s, uint64_t now,
				   struct rtc_rtcp_item *item);
/* The decoder cannot go on (W3C: it asks the sender for a key frame). */
void rtc_recv_stream_request_key_frame(struct rtc_recv_stream *s);

/* A reception report block for our next SR or RR; false before the first
 * packet. */
bool rtc_recv_stream_report(struct rtc_recv_stream *s, uint64_t now,
			    struct rtc_rtcp_report_block *out);

void rtc_recv_stream_handle_timeout(struct rtc_recv_stream *s, uint64_t now);
uint64_t rtc_recv_stream_deadline(const struct rtc_recv_stream *s);

void rtc_recv_stream_stats(const struct rtc_recv_stream *s, struct rtc_recv_stream_stats *out);
