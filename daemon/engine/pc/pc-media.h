/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer connection's media, shared by pc-media.c (streams from JSEP,
 * the API, stats) and pc-media-rtp.c (SRTP, RTP and RTCP both ways, the
 * pacer and the congestion controller). Not for use outside engine/pc.
 */
#pragma once

#include "engine/base/arena.h"
#include "engine/cc/gcc.h"
#include "engine/cc/pacer.h"
#include "engine/cc/twcc-receiver.h"
#include "engine/cc/twcc-sender.h"
#include "engine/pc/pc-private.h"
#include "engine/srtp/srtp.h"

/* The largest datagram we send or take: an MTU-sized RTP packet and the
 * SRTP trailer. */
#define PC_MEDIA_MTU 1200
#define PC_MEDIA_DATAGRAM 2048
/* Our RTCP reports: every second, RFC 3550's randomised 0.5..1.5 x. */
#define PC_MEDIA_REPORT_INTERVAL 1000000000ull

struct pc_media_track {
	bool in_use;
	char mid[33];
	bool audio;
	struct rtc_send_stream *send;
	/* The direction has send now. A stream whose direction lost send is
	 * kept, paused, so that sending again goes on with its sequence
	 * numbers (the peer's SRTP replay window would drop a restart) and
	 * its stats (W3C: outbound-rtp lives as long as the SSRC). */
	bool sending;
	struct rtc_recv_stream *recv;
	/* Receiving but the peer signalled no SSRC: the stream is made when
	 * the first packet names this mid (or, with one such track, by its
	 * payload type). */
	bool recv_pending;
	struct rtc_recv_stream_config recv_config;
	uint8_t ext_mid;                /* the mid extension's id, to match packets */
	uint8_t ext_twcc;               /* transport-cc's id on this section */
	/* The peer's last report block about what we send: the packets
	 * between two are what its fraction lost is of. */
	bool have_report;
	uint32_t report_highest;
	bool rtcp_rsize;
};

/* A packet the pacer holds (by handle). */
struct pc_media_packet {
	uint64_t handle;
	size_t track;
	bool retransmission;
	size_t len;
	uint8_t data[];
};

#define PC_MEDIA_PACKET_SLOTS RTC_PACER_MAX_PACKETS
/* How far ahead of its schedule the pacer may send (libwebrtc's send burst
 * interval, 40 ms since 2023): a frame's packets leave in one go when the
 * pacing rate has room for them, so the reactor sends them as one GSO run
 * (io/reactor.h). Still paced: beyond that budget they wait their turn. */
#define PC_MEDIA_PACER_BURST (40 * 1000000ull)

/* Retransmissions of a stream may take a quarter of the controller's
 * target, on top of the media the encoders make of the whole target: a
 * lossy bottleneck then carries at most 1.25 x the target. (A stream's
 * budget was the whole target: media plus repairs reached twice the
 * bottleneck and its queue never drained.) Never 0, which means no limit. */
static inline uint64_t pc_media_rtx_limit(uint64_t target_bps)
{
	return target_bps / 4 ? target_bps / 4 : 1;
}

struct pc_media {
	struct pc_media_track *tracks;  /* by JSEP transceiver index */
	size_t n_tracks;
	char cname[64];

	struct rtc_srtp *srtp_out, *srtp_in;
	bool transport_cc;              /* negotiated on some section */
	struct rtc_twcc_sender *twcc_send;
	struct rtc_twcc_receiver *twcc_recv;
	bool twcc_recv_started;         /* a packet with the extension came */
	struct rtc_gcc *gcc;
	struct rtc_pacer *pacer;
	uint64_t target_bps;

	struct pc_media_packet **slots; /* PC_MEDIA_PACKET_SLOTS, by handle */
	uint64_t next_handle;

	uint64_t next_report;
	uint64_t report_rng;            /* xorshift for the report interval */
	size_t feedback_track;          /* round robin over the tracks' feedback */

	uint8_t rx[PC_MEDIA_DATAGRAM];
	uint8_t tx[PC_MEDIA_DATAGRAM];
	uint8_t clear[PC_MEDIA_DATAGRAM];
};

/* pc-media.c */
/* A description was applied: streams follow JSEP's transceivers. */
void pc_media_update(struct rtc_pc *pc, uint64_t now);
/* The track's packets waiting in its send stream go to the pacer. */
void pc_media_pace(struct rtc_pc *pc, uint64_t now, size_t track);
void pc_media_free(struct rtc_pc *pc);

/* pc-media-rtp.c */
/* An RTP or RTCP datagram from a validated address. */
void pc_media_receive(struct rtc_pc *pc, uint64_t now, const uint8_t *data, size_t len);
/* One transmit or event of media, or TIMEOUT when there is none now. */
enum rtc_pc_output_type pc_media_poll(struct rtc_pc *pc, uint64_t now,
				      struct rtc_pc_output *out);
void pc_media_timeouts(struct rtc_pc *pc, uint64_t now);
uint64_t pc_media_deadline(const struct rtc_pc *pc);
