/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GetStats' media objects (W3C webrtc-stats): for each transceiver, what
 * it sends (outbound-rtp, and remote-inbound-rtp from the peer's report
 * blocks), what it receives (inbound-rtp, and remote-outbound-rtp from the
 * peer's sender reports), and the codec of each. Formatting only: the
 * figures are the engine's (rtc_pc_media_stats).
 */
#include <stdio.h>

#include "api/api-private.h"
#include "engine/pc/pc.h"
#include "engine/rtcp/rtt.h"
#include "media/pipeline/receiver.h"

static void add_u64(DBusMessageIter *dict, const char *key, uint64_t v)
{
	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_UINT64, &v);
}

static void add_u32(DBusMessageIter *dict, const char *key, uint32_t v)
{
	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_UINT32, &v);
}

static void add_i64(DBusMessageIter *dict, const char *key, int64_t v)
{
	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_INT64, &v);
}

static void add_double(DBusMessageIter *dict, const char *key, double v)
{
	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_DOUBLE, &v);
}

/* The negotiated codec with this payload type, for its fmtp and channels. */
static const struct rtc_jsep_codec *find_codec(const struct rtc_jsep_transceiver *t, uint8_t pt)
{
	for (size_t i = 0; i < t->n_codecs; i++)
		if (t->codecs[i].payload_type == pt)
			return &t->codecs[i];
	return NULL;
}

static void codec_stats(DBusMessageIter *report, const char *id,
			const struct rtc_jsep_transceiver *t, enum rtc_codec codec, uint8_t pt,
			double now)
{
	const struct rtc_jsep_codec *c = find_codec(t, pt);
	DBusMessageIter entry, dict;

	rtc_api_stats_open(report, &entry, &dict, id, "codec", now);
	rtc_bus_dict_add_string(&dict, "transportId", "T01");
	add_u32(&dict, "payloadType", pt);
	rtc_bus_dict_add_string(&dict, "mimeType", rtc_codec_mime_type(codec));
	add_u32(&dict, "clockRate", rtc_codec_clock_rate(codec));
	if (c && c->channels)
		add_u32(&dict, "channels", c->channels);
	if (c && c->fmtp[0])
		rtc_bus_dict_add_string(&dict, "sdpFmtpLine", c->fmtp);
	rtc_api_stats_close(report, &entry, &dict);
}

/* W3C RTCAudioSourceStats / RTCVideoSourceStats: what the track gave the
 * sender, sent or not. */
static void media_source(DBusMessageIter *report, const char *id,
			 const struct rtc_jsep_transceiver *t,
			 const struct rtc_media_sender_stats *ss, double now)
{
	DBusMessageIter entry, dict;

	rtc_api_stats_open(report, &entry, &dict, id, "media-source", now);
	rtc_bus_dict_add_string(&dict, "kind", rtc_jsep_media_kind_name(t->kind));
	if (t->track_id[0])
		rtc_bus_dict_add_string(&dict, "trackIdentifier", t->track_id);
	if (t->kind == RTC_JSEP_MEDIA_VIDEO) {
		add_u32(&dict, "width", ss->source_width);
		add_u32(&dict, "height", ss->source_height);
		add_u32(&dict, "frames", (uint32_t)ss->source_frames);
		add_double(&dict, "framesPerSecond", ss->source_frames_per_second);
	} else {
		add_double(&dict, "audioLevel", ss->source_audio_level);
		add_double(&dict, "totalAudioEnergy", ss->total_audio_energy);
		add_double(&dict, "totalSamplesDuration", ss->total_samples_duration);
	}
	rtc_api_stats_close(report, &entry, &dict);
}

static void outbound(DBusMessageIter *report, const struct rtc_jsep_transceiver *t,
		     const struct rtc_pc_media_stats *st, struct rtc_media_sender *sender,
		     double now)
{
	struct rtc_media_sender_stats ss;
	char source_id[64];
	const struct rtc_send_stream_stats *o = &st->outbound;
	const char *kind = rtc_jsep_media_kind_name(t->kind);
	char id[64], codec_id[64], remote_id[64];
	DBusMessageIter entry, dict;

	snprintf(id, sizeof(id), "OT%s", t->mid);
	snprintf(codec_id, sizeof(codec_id), "COT%u", st->send_payload_type);
	snprintf(remote_id, sizeof(remote_id), "RI%s", t->mid);
	codec_stats(report, codec_id, t, st->send_codec, st->send_payload_type, now);
	snprintf(source_id, sizeof(source_id), "SO%s", t->mid);
	if (sender) {
		rtc_media_sender_stats(sender, &ss);
		media_source(report, source_id, t, &ss, now);
	}

	rtc_api_stats_open(report, &entry, &dict, id, "outbound-rtp", now);
	add_u32(&dict, "ssrc", st->ssrc);
	rtc_bus_dict_add_string(&dict, "kind", kind);
	rtc_bus_dict_add_string(&dict, "transportId", "T01");
	rtc_bus_dict_add_string(&dict, "codecId", codec_id);
	rtc_bus_dict_add_string(&dict, "mid", t->mid);
	add_u64(&dict, "packetsSent", o->packets_sent);
	add_u64(&dict, "bytesSent", o->bytes_sent);
	add_u64(&dict, "headerBytesSent", o->header_bytes_sent);
	add_u64(&dict, "retransmittedPacketsSent", o->retransmitted_packets_sent);
	add_u64(&dict, "retransmittedBytesSent", o->retransmitted_bytes_sent);
	add_u32(&dict, "nackCount", o->nack_count);
	if (t->kind == RTC_JSEP_MEDIA_VIDEO) {
		add_u32(&dict, "framesEncoded", (uint32_t)o->frames_encoded);
		add_u32(&dict, "keyFramesEncoded", (uint32_t)o->key_frames_encoded);
		add_u32(&dict, "pliCount", o->pli_count);
		add_u32(&dict, "firCount", o->fir_count);
	}
	/* What only the encoder knows. */
	if (sender) {
		rtc_bus_dict_add_string(&dict, "mediaSourceId", source_id);
		add_double(&dict, "totalEncodeTime", ss.total_encode_time);
		add_double(&dict, "targetBitrate", ss.target_bitrate);
		if (t->kind == RTC_JSEP_MEDIA_VIDEO) {
			add_u32(&dict, "frameWidth", ss.frame_width);
			add_u32(&dict, "frameHeight", ss.frame_height);
			add_double(&dict, "framesPerSecond", ss.frames_per_second);
		} else {
			add_u64(&dict, "totalSamplesSent", ss.total_samples_sent);
		}
	}
	if (o->has_remote_report)
		rtc_bus_dict_add_string(&dict, "remoteId", remote_id);
	rtc_api_stats_close(report, &entry, &dict);

	if (!o->has_remote_report)
		return;
	rtc_api_stats_open(report, &entry, &dict, remote_id, "remote-inbound-rtp", now);
	add_u32(&dict, "ssrc", st->ssrc);
	rtc_bus_dict_add_string(&dict, "kind", kind);
	rtc_bus_dict_add_string(&dict, "transportId", "T01");
	rtc_bus_dict_add_string(&dict, "codecId", codec_id);
	rtc_bus_dict_add_string(&dict, "localId", id);
	add_i64(&dict, "packetsLost", o->remote_packets_lost);
	add_double(&dict, "jitter", o->remote_jitter);
	add_double(&dict, "fractionLost", o->remote_fraction_lost);
	if (o->round_trip_time_measurements) {
		add_double(&dict, "roundTripTime", (double)o->round_trip_time / 1e9);
		add_double(&dict, "totalRoundTripTime", (double)o->total_round_trip_time / 1e9);
		add_u64(&dict, "roundTripTimeMeasurements", o->round_trip_time_measurements);
	}
	rtc_api_stats_close(report, &entry, &dict);
}

static void inbound(DBusMessageIter *report, const struct rtc_jsep_transceiver *t,
		    const struct rtc_pc_media_stats *st, const struct rtc_media_receiver *receiver,
		    double now)
{
	struct rtc_media_receiver_stats dec = { 0 };
	const struct rtc_recv_stream_stats *in = &st->inbound;
	const char *kind = rtc_jsep_media_kind_name(t->kind);
	char id[64], codec_id[64], remote_id[64];
	DBusMessageIter entry, dict;

	if (receiver)
		rtc_media_receiver_stats(receiver, &dec);
	snprintf(id, sizeof(id), "IT%s", t->mid);
	snprintf(codec_id, sizeof(codec_id), "CIT%u", st->recv_payload_type);
	snprintf(remote_id, sizeof(remote_id), "RO%s", t->mid);
	codec_stats(report, codec_id, t, st->recv_codec, st->recv_payload_type, now);

	rtc_api_stats_open(report, &entry, &dict, id, "inbound-rtp", now);
	add_u32(&dict, "ssrc", st->remote_ssrc);
	rtc_bus_dict_add_string(&dict, "kind", kind);
	rtc_bus_dict_add_string(&dict, "transportId", "T01");
	rtc_bus_dict_add_string(&dict, "codecId", codec_id);
	rtc_bus_dict_add_string(&dict, "mid", t->mid);
	if (t->remote_track_id[0])
		rtc_bus_dict_add_string(&dict, "trackIdentifier", t->remote_track_id);
	add_u64(&dict, "packetsReceived", in->packets_received);
	add_i64(&dict, "packetsLost", in->packets_lost);
	add_double(&dict, "jitter", in->jitter);
	add_u64(&dict, "bytesReceived", in->bytes_received);
	add_u64(&dict, "headerBytesReceived", in->header_bytes_received);
	add_u64(&dict, "packetsDiscarded", in->packets_discarded);
	add_u64(&dict, "retransmittedPacketsReceived", in->retransmitted_packets_received);
	add_u64(&dict, "retransmittedBytesReceived", in->retransmitted_bytes_received);
	add_u32(&dict, "nackCount", in->nack_count);
	if (t->kind == RTC_JSEP_MEDIA_VIDEO) {
		add_u32(&dict, "framesReceived", (uint32_t)in->frames_received);
		add_u32(&dict, "framesAssembledFromMultiplePackets",
			(uint32_t)in->frames_assembled_from_multiple_packets);
		add_double(&dict, "totalAssemblyTime", in->total_assembly_time);
		add_u32(&dict, "framesDropped",
			(uint32_t)(in->frames_dropped + dec.frames_dropped));
		add_u32(&dict, "pliCount", in->pli_count);
		if (receiver) {
			/* What only the decoder knows. */
			add_u32(&dict, "framesDecoded", (uint32_t)dec.frames_decoded);
			add_u32(&dict, "keyFramesDecoded", (uint32_t)dec.key_frames_decoded);
			add_double(&dict, "totalDecodeTime", dec.total_decode_time);
			if (dec.frame_width) {
				add_u32(&dict, "frameWidth", dec.frame_width);
				add_u32(&dict, "frameHeight", dec.frame_height);
			}
			add_double(&dict, "framesPerSecond", dec.frames_per_second);
			add_u32(&dict, "freezeCount", dec.freeze_count);
			add_double(&dict, "totalFreezesDuration", dec.total_freezes_duration);
			add_double(&dict, "totalInterFrameDelay", dec.total_inter_frame_delay);
			add_double(&dict, "totalSquaredInterFrameDelay",
				   dec.total_squared_inter_frame_delay);
		}
		add_u32(&dict, "firCount", in->fir_count);
	} else {
		/* The decoder counts what it made up for gaps (PLC, FEC). */
		add_u64(&dict, "totalSamplesReceived",
			receiver ? dec.total_samples_received : in->total_samples_received);
		add_u64(&dict, "concealedSamples",
			receiver ? dec.concealed_samples : in->concealed_samples);
		if (receiver)
			add_u64(&dict, "concealmentEvents", dec.concealment_events);
	}
	/* Per sample for audio, from arrival to playout. Per frame for video,
	 * from its first packet's arrival to the decoder taking it up: the
	 * receiver's, else (nothing decoded) to the frame's release. */
	if (t->kind == RTC_JSEP_MEDIA_VIDEO && receiver) {
		add_double(&dict, "jitterBufferDelay", dec.jitter_buffer_delay);
		add_u64(&dict, "jitterBufferEmittedCount", dec.jitter_buffer_emitted_count);
	} else {
		add_double(&dict, "jitterBufferDelay", in->jitter_buffer_delay);
		add_u64(&dict, "jitterBufferEmittedCount", in->jitter_buffer_emitted_count);
	}
	add_double(&dict, "jitterBufferTargetDelay", in->jitter_buffer_target_delay);
	add_double(&dict, "jitterBufferMinimumDelay", in->jitter_buffer_minimum_delay);
	if (in->remote_reports_sent)
		rtc_bus_dict_add_string(&dict, "remoteId", remote_id);
	rtc_api_stats_close(report, &entry, &dict);

	if (!in->remote_reports_sent)
		return;
	rtc_api_stats_open(report, &entry, &dict, remote_id, "remote-outbound-rtp", now);
	add_u32(&dict, "ssrc", st->remote_ssrc);
	rtc_bus_dict_add_string(&dict, "kind", kind);
	rtc_bus_dict_add_string(&dict, "transportId", "T01");
	rtc_bus_dict_add_string(&dict, "codecId", codec_id);
	rtc_bus_dict_add_string(&dict, "localId", id);
	add_u64(&dict, "packetsSent", in->remote_packets_sent);
	add_u64(&dict, "bytesSent", in->remote_bytes_sent);
	add_u64(&dict, "reportsSent", in->remote_reports_sent);
	/* The peer's NTP clock, in W3C's milliseconds since 1970. */
	add_double(&dict, "remoteTimestamp",
		   (double)rtc_rtcp_ntp_to_ns(in->remote_timestamp_ntp) / 1e6 -
		   (double)RTC_RTCP_NTP_UNIX_OFFSET * 1e3);
	rtc_api_stats_close(report, &entry, &dict);
}

void rtc_api_media_stats(struct rtc_api_pc *pc, DBusMessageIter *report, double now)
{
	const struct rtc_pc *engine = rtc_session_pc(pc->session);
	struct rtc_jsep_transceiver t;
	struct rtc_pc_media_stats st;

	for (size_t i = 0; rtc_jsep_transceiver_info(pc->jsep, i, &t); i++) {
		if (!rtc_pc_media_stats(engine, i, &st))
			break;
		if (st.sending)
			outbound(report, &t, &st, rtc_api_pc_sender(pc, i), now);
		if (st.receiving)
			inbound(report, &t, &st, rtc_api_pc_receiver(pc, i), now);
	}
}
