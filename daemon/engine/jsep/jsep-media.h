/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Media in JSEP: the W3C RTCRtpTransceiver set of one peer connection, and
 * what offer and answer settled for each (codecs, header extensions,
 * SSRCs, directions). Included by jsep.h.
 *
 * Transceivers are numbered in the order they were made and never
 * renumbered: a stopped one (or one a rollback took back) keeps its index
 * with stopped set, so the pc can hold indices.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct rtc_jsep;

enum rtc_jsep_media_kind {
	RTC_JSEP_MEDIA_AUDIO,
	RTC_JSEP_MEDIA_VIDEO,
};

/* W3C RTCRtpTransceiverDirection. */
enum rtc_jsep_direction {
	RTC_JSEP_SENDRECV,
	RTC_JSEP_SENDONLY,
	RTC_JSEP_RECVONLY,
	RTC_JSEP_INACTIVE,
	RTC_JSEP_STOPPED,
};

/* "sendrecv", ... "stopped"; "audio" / "video". */
const char *rtc_jsep_direction_name(enum rtc_jsep_direction dir);
const char *rtc_jsep_media_kind_name(enum rtc_jsep_media_kind kind);

/* A stream or track id (RFC 8830 msid-id): 1 to 64 token characters. */
#define RTC_JSEP_ID_MAX 64
#define RTC_JSEP_MAX_STREAM_IDS 4
#define RTC_JSEP_MAX_CODECS 16

/* One negotiated codec. fmtp is the peer's for this payload type (what
 * our sender must respect), or ours when the peer sent none. */
struct rtc_jsep_codec {
	uint8_t payload_type;
	char name[16];                  /* "opus", "VP8", "H264" */
	uint32_t clock_rate;
	uint32_t channels;              /* 2 for opus, 0 for video */
	char fmtp[256];
	int rtx_payload_type;           /* -1: no RTX */
	bool nack, pli, fir, transport_cc, remb;
};

/* RFC 8285 ids both sides agreed on; 0 = not negotiated. */
struct rtc_jsep_extension_ids {
	uint16_t mid, abs_send_time, transport_cc, audio_level;
	uint16_t rtp_stream_id, repaired_rtp_stream_id;
};

#define RTC_JSEP_URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define RTC_JSEP_URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define RTC_JSEP_URI_TRANSPORT_CC \
	"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define RTC_JSEP_URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define RTC_JSEP_URI_RTP_STREAM_ID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define RTC_JSEP_URI_REPAIRED_RTP_STREAM_ID \
	"urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"

struct rtc_jsep_transceiver {
	enum rtc_jsep_media_kind kind;
	char mid[33];                   /* "" until a description gave it one */
	int mline_index;                /* -1 until then */
	enum rtc_jsep_direction direction;      /* W3C [[Direction]] */
	/* W3C [[CurrentDirection]], from our side; has_ false = null. */
	bool has_current_direction;
	enum rtc_jsep_direction current_direction;
	bool stopping, stopped;

	/* Ours: the sender's track ("" = none) and its streams. */
	char track_id[RTC_JSEP_ID_MAX + 1];
	char stream_ids[RTC_JSEP_MAX_STREAM_IDS][RTC_JSEP_ID_MAX + 1];
	size_t n_stream_ids;
	uint32_t ssrc, rtx_ssrc;        /* random, fixed for the transceiver */
	const char *cname;              /* the pc's, valid as long as jsep */

	/* The peer's, as its latest description signals them (0/"" if not). */
	char remote_track_id[RTC_JSEP_ID_MAX + 1];
	char remote_stream_ids[RTC_JSEP_MAX_STREAM_IDS][RTC_JSEP_ID_MAX + 1];
	size_t n_remote_stream_ids;
	uint32_t remote_ssrc, remote_rtx_ssrc;
	char remote_cname[256];

	/* Settled by the last applied answer or pranswer; negotiated false
	 * before that (or when it rejected the section). */
	bool negotiated;
	struct rtc_jsep_codec codecs[RTC_JSEP_MAX_CODECS];      /* preference order */
	size_t n_codecs;
	struct rtc_jsep_extension_ids extensions;
	bool rtcp_rsize;
};

/* W3C addTransceiver(kind, {direction, streams}) with a track (track_id
 * non-NULL) or without. Sets negotiation-needed. *index is the new
 * transceiver's. TypeError for a bad kind, direction (stopped) or id,
 * InvalidAccessError for a track already sent, InvalidStateError closed. */
int rtc_jsep_add_transceiver(struct rtc_jsep *jsep, enum rtc_jsep_media_kind kind,
			     enum rtc_jsep_direction direction,
			     const char *const *stream_ids, size_t n_stream_ids,
			     const char *track_id, size_t *index, struct rtc_error *err);
/* W3C addTrack(track, ...streams): reuses a transceiver of the kind that
 * has no track and never sent (recvonly becomes sendrecv, inactive
 * sendonly), else adds a sendrecv one. */
int rtc_jsep_add_track(struct rtc_jsep *jsep, enum rtc_jsep_media_kind kind,
		       const char *const *stream_ids, size_t n_stream_ids,
		       const char *track_id, size_t *index, struct rtc_error *err);
/* W3C transceiver.direction = dir (not stopped: TypeError). */
int rtc_jsep_set_direction(struct rtc_jsep *jsep, size_t index,
			   enum rtc_jsep_direction dir, struct rtc_error *err);
/* W3C removeTrack(sender): the track goes, the direction loses send. */
int rtc_jsep_remove_track(struct rtc_jsep *jsep, size_t index, struct rtc_error *err);
/* W3C transceiver.stop(): stopping now, stopped once negotiated. */
int rtc_jsep_stop_transceiver(struct rtc_jsep *jsep, size_t index, struct rtc_error *err);

size_t rtc_jsep_transceiver_count(const struct rtc_jsep *jsep);
/* False past the end. */
bool rtc_jsep_transceiver_info(const struct rtc_jsep *jsep, size_t index,
			       struct rtc_jsep_transceiver *out);

/* W3C "track" events: a transceiver whose receiver became receiving (the
 * peer's description says it sends to us) by an applied remote
 * description. Returns true and its index once per event, in order. */
bool rtc_jsep_take_track_event(struct rtc_jsep *jsep, size_t *index);

/* The one transport every section is bundled on, once an answer (or
 * pranswer) is applied: the BUNDLE group's tagged section of the answer,
 * audio, video or data. False before that or if the answer accepts
 * nothing. */
struct rtc_jsep_transport {
	char mid[33];
	int mline_index;
	bool dtls_client;
	char local_ice_ufrag[257], local_ice_pwd[257];
	char remote_ice_ufrag[257], remote_ice_pwd[257];
	char remote_fingerprint_algorithm[16];
	char remote_fingerprint[200];
};
bool rtc_jsep_transport(const struct rtc_jsep *jsep, struct rtc_jsep_transport *out);
