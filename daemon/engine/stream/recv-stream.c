/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/stream/recv-stream.h"

#include <stdlib.h>
#include <string.h>

#include "engine/base/sansio.h"
#include "engine/jitter/audio-playout.h"
#include "engine/jitter/nack.h"
#include "engine/jitter/rtx.h"
#include "engine/jitter/video-jitter.h"
#include "engine/packetize/h264.h"
#include "engine/packetize/opus.h"
#include "engine/packetize/vp8.h"
#include "engine/rtcp/rtt.h"
#include "engine/stream/reception.h"

/* H.264 payloads are held whole, each behind its length, and depacketized
 * in order when their frame is released (FU-A needs its start first). */
#define H264_LEN_PREFIX 2
#define MAX_NACK_SEQS 64

struct rtc_recv_stream {
	struct rtc_recv_stream_config config;
	struct rtc_reception reception;
	struct rtc_rtx_apt_map apt;
	struct rtc_nack nack;
	struct rtc_video_jitter *video;
	struct rtc_audio_playout *audio;
	uint64_t rtt;

	/* The codec of the video packets now arriving: a sender changes it
	 * only with a key frame, so a frame is of the codec its packets had. */
	enum rtc_codec video_codec;
	struct rtc_h264_depacketizer h264;
	uint8_t *frame;                 /* a released frame, depacketized */
	size_t frame_cap;
	uint8_t *scratch;               /* one payload, prefixed or peeked */
	size_t scratch_cap;

	/* Feedback waiting to go. */
	uint16_t nack_seqs[MAX_NACK_SEQS];
	bool key_frame_wanted;
	uint8_t fir_seq;
	struct rtc_rtcp_fir_entry fir_entry;

	/* The peer's RTP clock against its NTP clock (its SRs). */
	struct rtc_rtcp_sync sync;

	uint64_t retransmitted_packets, retransmitted_bytes;
	uint64_t malformed;
	uint32_t nacks_sent, plis_sent, firs_sent;
};

const struct rtc_recv_stream_codec *rtc_recv_stream_codec(const struct rtc_recv_stream_config *c,
							  uint8_t payload_type)
{
	for (size_t i = 0; i < c->n_codecs; i++)
		if (c->codecs[i].payload_type == payload_type)
			return &c->codecs[i];
	return NULL;
}

static const struct rtc_recv_stream_codec *codec_of(const struct rtc_recv_stream *s,
						    uint8_t pt)
{
	return rtc_recv_stream_codec(&s->config, pt);
}

static bool is_rtx_pt(const struct rtc_recv_stream *s, uint8_t pt)
{
	for (size_t i = 0; i < s->config.n_codecs; i++)
		if (s->config.codecs[i].rtx_payload_type == pt)
			return true;
	return false;
}

int rtc_recv_stream_new(const struct rtc_recv_stream_config *config,
			struct rtc_recv_stream **out, struct rtc_error *err)
{
	struct rtc_recv_stream *s;

	if (!config->n_codecs || config->n_codecs > RTC_RECV_STREAM_MAX_CODECS)
		return rtc_error_set(err, RTC_ERROR_TYPE, "receive stream: %zu codecs",
				     config->n_codecs);
	s = calloc(1, sizeof(*s));
	if (!s)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "receive stream: out of memory");
	s->config = *config;
	rtc_reception_init(&s->reception, config->ssrc,
			   rtc_codec_clock_rate(config->codecs[0].codec));
	rtc_rtcp_sync_init(&s->sync, rtc_codec_clock_rate(config->codecs[0].codec));
	rtc_rtx_apt_map_init(&s->apt);
	for (size_t i = 0; i < config->n_codecs; i++)
		if (config->codecs[i].rtx_payload_type >= 0 &&
		    rtc_rtx_apt_map_add(&s->apt, (uint8_t)config->codecs[i].rtx_payload_type,
					config->codecs[i].payload_type, err) < 0)
			goto fail;
	rtc_nack_init(&s->nack, NULL);
	rtc_h264_depacketizer_reset(&s->h264);
	if (config->audio) {
		s->audio = rtc_audio_playout_new(NULL, err);
		if (!s->audio)
			goto fail;
	} else {
		struct rtc_video_jitter_config vc;

		rtc_video_jitter_config_default(&vc);
		/* A lost packet may need a few NACKs: a frame waits for four
		 * rounds before it is given up (at most max_wait). */
		vc.nack_rounds = 4;
		s->video = rtc_video_jitter_new(&vc, err);
		if (!s->video)
			goto fail;
	}
	s->scratch_cap = RTC_RTX_MAX_PACKET + H264_LEN_PREFIX;
	s->scratch = malloc(s->scratch_cap);
	if (!s->scratch) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "receive stream: out of memory");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	rtc_recv_stream_free(s);
	return -1;
}

void rtc_recv_stream_free(struct rtc_recv_stream *s)
{
	if (!s)
		return;
	rtc_video_jitter_free(s->video);
	rtc_audio_playout_free(s->audio);
	free(s->frame);
	free(s->scratch);
	free(s);
}

const struct rtc_recv_stream_config *rtc_recv_stream_config(const struct rtc_recv_stream *s)
{
	return &s->config;
}

bool rtc_recv_stream_accepts(const struct rtc_recv_stream *s, uint32_t ssrc,
			     uint8_t payload_type)
{
	if (ssrc == s->config.ssrc)
		return codec_of(s, payload_type) != NULL;
	if (s->config.rtx_ssrc && ssrc == s->config.rtx_ssrc)
		return is_rtx_pt(s, payload_type);
	return false;
}

/* The video payload as the jitter buffer holds it, with what the frame
 * assembler needs to know of it. */
static int video_packet(struct rtc_recv_stream *s, const struct rtc_recv_stream_codec *c,
			const struct rtc_rtp_packet *p, struct rtc_video_packet *v,
			struct rtc_error *err)
{
	if (c->codec == RTC_CODEC_VP8) {
		struct rtc_vp8_depacketized d;

		if (rtc_vp8_depacketize(p->payload, p->payload_len, p->h.marker, &d, err) < 0)
			return -1;
		v->frame_start = d.frame_start;
		v->key_frame = d.key_frame;
		v->payload = d.data;
		v->len = d.len;
		return 0;
	}
	if (c->codec == RTC_CODEC_H264) {
		/* A fresh depacketizer tells whether the payload starts an
		 * access unit and an IDR; an FU-A continuation does neither
		 * (and is refused without its start, which is fine here). */
		struct rtc_h264_depacketizer peek;
		struct rtc_h264_depacketized d = { 0 };
		struct rtc_error ignored;

		if (p->payload_len + H264_LEN_PREFIX > s->scratch_cap || !p->payload_len)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "H.264 payload of %zu bytes",
					     p->payload_len);
		rtc_h264_depacketizer_reset(&peek);
		if (rtc_h264_depacketize(&peek, p->payload, p->payload_len, p->h.marker,
					 s->scratch, s->scratch_cap, &d, &ignored) == 0) {
			v->frame_start = d.frame_start;
			/* SPS first: what begins a key frame (its IDR may
			 * follow in the next packet). */
			v->key_frame = d.key_frame || d.has_sps;
		}
		s->scratch[0] = (uint8_t)(p->payload_len >> 8);
		s->scratch[1] = (uint8_t)p->payload_len;
		memcpy(s->scratch + H264_LEN_PREFIX, p->payload, p->payload_len);
		v->payload = s->scratch;
		v->len = p->payload_len + H264_LEN_PREFIX;
		return 0;
	}
	return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED, "not a video codec");
}

int rtc_recv_stream_handle_rtp(struct rtc_recv_stream *s, uint64_t now, uint8_t *buf,
			       size_t len, const struct rtc_rtp_packet *parsed,
			       struct rtc_error *err)
{
	struct rtc_rtp_packet p = *parsed;
	const struct rtc_recv_stream_codec *c;
	enum rtc_rtp_seq_result res;
	bool retransmitted = false;
	uint64_t ext;

	if (is_rtx_pt(s, p.h.payload_type) &&
	    (p.h.ssrc == s->config.rtx_ssrc || !s->config.rtx_ssrc)) {
		long n = rtc_rtx_unwrap(&s->apt, s->config.ssrc, buf, len, buf, len, err);

		if (n < 0 || rtc_rtp_parse(buf, (size_t)n, &p, err) < 0) {
			/* RTX padding (a probe) carries nothing; not an error. */
			if (parsed->payload_len == 0)
				return 0;
			s->malformed++;
			return -1;
		}
		if (!s->config.rtx_ssrc)
			s->config.rtx_ssrc = parsed->h.ssrc;
		retransmitted = true;
		s->retransmitted_packets++;
		s->retransmitted_bytes += p.payload_len;
	}
	c = codec_of(s, p.h.payload_type);
	if (!c || p.h.ssrc != s->config.ssrc) {
		s->malformed++;
		return rtc_error_set(err, RTC_ERROR_NOT_FOUND,
				     "payload type %u / SSRC %08x is not this stream's",
				     p.h.payload_type, p.h.ssrc);
	}
	res = rtc_reception_packet(&s->reception, now, p.h.seq, p.h.timestamp, retransmitted,
				   p.header_len, p.payload_len, &ext);
	if (res != RTC_RTP_SEQ_NEW && res != RTC_RTP_SEQ_LATE && res != RTC_RTP_SEQ_RESTART)
		return 0;
	if (s->config.nack)
		rtc_nack_handle_packet(&s->nack, now, ext, retransmitted);

	if (s->audio) {
		struct rtc_opus_packet op;
		struct rtc_audio_packet a = {
			.seq = ext, .timestamp = p.h.timestamp, .retransmitted = retransmitted,
		};

		if (p.payload_len == 0)
			return 0;
		if (rtc_opus_depacketize(p.payload, p.payload_len, p.h.marker, &op, err) < 0) {
			s->malformed++;
			return -1;
		}
		a.payload = op.data;
		a.len = op.len;
		a.samples = op.samples;
		rtc_audio_playout_handle_packet(s->audio, now, &a);
		return 0;
	}

	if (p.payload_len == 0) {
		rtc_video_jitter_handle_padding(s->video, now, ext);
		return 0;
	}
	{
		struct rtc_video_packet v = {
			.seq = ext, .timestamp = p.h.timestamp, .marker = p.h.marker,
			.retransmitted = retransmitted,
		};

		if (video_packet(s, c, &p, &v, err) < 0) {
			s->malformed++;
			/* Its place stays empty: the frame waits, then is
			 * given up and a key frame asked for. */
			return -1;
		}
		s->video_codec = c->codec;
		rtc_video_jitter_handle_packet(s->video, now, &v);
	}
	return 0;
}

void rtc_recv_stream_handle_sr(struct rtc_recv_stream *s, uint64_t now,
			       const struct rtc_rtcp_sr *sr)
{
	rtc_reception_sender_report(&s->reception, now, sr);
	rtc_rtcp_sync_update(&s->sync, sr->ntp, sr->rtp_ts);
}

void rtc_recv_stream_set_rtt(struct rtc_recv_stream *s, uint64_t rtt)
{
	s->rtt = rtt;
	if (s->video)
		rtc_video_jitter_set_rtt(s->video, rtt);
}

static bool grow_frame(struct rtc_recv_stream *s, size_t need)
{
	uint8_t *p;

	if (need <= s->frame_cap)
		return true;
	p = realloc(s->frame, need);
	if (!p)
		return false;
	s->frame = p;
	s->frame_cap = need;
	return true;
}

/* The payloads of a released H.264 frame, each behind its length, into
 * Annex-B. False when one does not depacketize (the frame is dropped). */
static bool h264_frame(struct rtc_recv_stream *s, const uint8_t *data, size_t len,
		       size_t *out_len)
{
	/* Annex-B adds at most a 4-byte start code per 3 bytes of STAP-A. */
	size_t used = 0, pos = 0;

	if (!grow_frame(s, len * 2 + 64))
		return false;
	rtc_h264_depacketizer_reset(&s->h264);
	while (pos + H264_LEN_PREFIX <= len) {
		size_t n = (size_t)data[pos] << 8 | data[pos + 1];
		struct rtc_h264_depacketized d;

		pos += H264_LEN_PREFIX;
		if (n > len - pos ||
		    rtc_h264_depacketize(&s->h264, data + pos, n, false, s->frame + used,
					 s->frame_cap - used, &d, NULL) < 0)
			return false;
		used += d.len;
		pos += n;
	}
	*out_len = used;
	return pos == len;
}

static bool poll_video(struct rtc_recv_stream *s, uint64_t now, struct rtc_recv_frame *out)
{
	struct rtc_video_frame f;

	while (rtc_video_jitter_poll_frame(s->video, now, &f)) {
		enum rtc_codec codec = s->video_codec;

		*out = (struct rtc_recv_frame){
			.codec = codec, .rtp_timestamp = f.timestamp, .key_frame = f.key_frame,
			.first_arrival = f.first_arrival,
		};
		if (f.key_frame && s->config.nack)
			rtc_nack_forget_before(&s->nack, f.first_seq);
		if (codec == RTC_CODEC_H264) {
			if (!h264_frame(s, f.data, f.len, &out->len)) {
				s->key_frame_wanted = true;
				continue;
			}
			out->data = s->frame;
		} else {
			if (!grow_frame(s, f.len))
				continue;
			memcpy(s->frame, f.data, f.len);
			out->data = s->frame;
			out->len = f.len;
		}
		out->has_capture_ntp = rtc_rtcp_sync_rtp_to_ntp(&s->sync, f.timestamp,
								&out->capture_ntp);
		return true;
	}
	return false;
}

bool rtc_recv_stream_poll_frame(struct rtc_recv_stream *s, uint64_t now,
				struct rtc_recv_frame *out)
{
	struct rtc_audio_frame a;

	if (s->video)
		return poll_video(s, now, out);
	if (!rtc_audio_playout_poll(s->audio, now, &a))
		return false;
	*out = (struct rtc_recv_frame){
		.codec = RTC_CODEC_OPUS, .rtp_timestamp = a.timestamp,
		.data = a.lost ? NULL : a.payload, .len = a.lost ? 0 : a.len,
		.samples = a.samples,
		/* A gap inserted only to deepen the buffer has nothing to recover. */
		.fec = a.lost && !a.expand ? a.fec_payload : NULL,
		.fec_len = a.lost && !a.expand && a.fec_payload ? a.fec_len : 0,
	};
	out->has_capture_ntp = rtc_rtcp_sync_rtp_to_ntp(&s->sync, a.timestamp,
							&out->capture_ntp);
	return true;
}

void rtc_recv_stream_request_key_frame(struct rtc_recv_stream *s)
{
	if (!s->audio)
		s->key_frame_wanted = true;
}

bool rtc_recv_stream_poll_feedback(struct rtc_recv_stream *s, uint64_t now,
				   struct rtc_rtcp_item *item)
{
	size_t n;

	if (s->config.nack &&
	    (n = rtc_nack_poll(&s->nack, now, s->rtt, s->nack_seqs, MAX_NACK_SEQS)) > 0) {
		*item = (struct rtc_rtcp_item){ .type = RTC_RTCP_NACK };
		item->nack.sender_ssrc = s->config.local_ssrc;
		item->nack.media_ssrc = s->config.ssrc;
		item->nack.seqs = s->nack_seqs;
		item->nack.seq_count = n;
		s->nacks_sent++;
		return true;
	}
	if (s->config.nack && rtc_nack_poll_key_frame_request(&s->nack))
		s->key_frame_wanted = true;
	if (s->video && rtc_video_jitter_need_key_frame(s->video, now))
		s->key_frame_wanted = true;
	if (!s->key_frame_wanted || !s->reception.seq.started)
		return false;
	s->key_frame_wanted = false;
	if (s->config.pli) {
		*item = (struct rtc_rtcp_item){ .type = RTC_RTCP_PLI };
		item->pli.sender_ssrc = s->config.local_ssrc;
		item->pli.media_ssrc = s->config.ssrc;
		s->plis_sent++;
		return true;
	}
	if (s->config.fir) {
		/* RFC 5104 4.3.1: a new request, a new command number. */
		s->fir_entry = (struct rtc_rtcp_fir_entry){ .ssrc = s->config.ssrc,
							   .seq_nr = s->fir_seq++ };
		*item = (struct rtc_rtcp_item){ .type = RTC_RTCP_FIR };
		item->fir.sender_ssrc = s->config.local_ssrc;
		item->fir.entry_count = 1;
		item->fir.entries = &s->fir_entry;
		s->firs_sent++;
		return true;
	}
	return false;
}

bool rtc_recv_stream_report(struct rtc_recv_stream *s, uint64_t now,
			    struct rtc_rtcp_report_block *out)
{
	return rtc_reception_report(&s->reception, now, out);
}

void rtc_recv_stream_handle_timeout(struct rtc_recv_stream *s, uint64_t now)
{
	if (s->video)
		rtc_video_jitter_handle_timeout(s->video, now);
}

uint64_t rtc_recv_stream_deadline(const struct rtc_recv_stream *s)
{
	uint64_t d = s->config.nack ? rtc_nack_deadline(&s->nack, s->rtt) : RTC_NEVER;
	uint64_t m = s->video ? rtc_video_jitter_deadline(s->video)
			      : rtc_audio_playout_deadline(s->audio);

	/* A key frame request goes as soon as there is a sender to ask. */
	if (s->key_frame_wanted && s->reception.seq.started)
		return 0;
	return m < d ? m : d;
}

void rtc_recv_stream_stats(const struct rtc_recv_stream *s, struct rtc_recv_stream_stats *out)
{
	const struct rtc_reception *r = &s->reception;

	*out = (struct rtc_recv_stream_stats){
		.packets_received = r->packets_received,
		.packets_lost = rtc_reception_lost(r),
		.bytes_received = r->bytes_received,
		.header_bytes_received = r->header_bytes_received,
		.jitter = rtc_reception_jitter_seconds(r),
		.retransmitted_packets_received = s->retransmitted_packets,
		.retransmitted_bytes_received = s->retransmitted_bytes,
		.nack_count = s->nacks_sent,
		.pli_count = s->plis_sent,
		.fir_count = s->firs_sent,
		.remote_packets_sent = r->sr_packets_sent,
		.remote_bytes_sent = r->sr_bytes_sent,
		.remote_reports_sent = r->reports_received,
		.remote_timestamp_ntp = r->last_sr_ntp,
	};
	if (s->video) {
		const struct rtc_video_jitter_stats *v = rtc_video_jitter_stats(s->video);

		out->frames_received = v->frames_released;
		out->key_frames_decoded = v->key_frames_released;
		out->frames_dropped = v->frames_dropped;
		out->packets_discarded = v->packets_discarded + v->packets_late;
		/* Released frames are what the jitter buffer emits; it aims
		 * at no delay, so target and minimum stay 0. */
		out->jitter_buffer_delay = (double)v->jitter_buffer_delay / 1e9;
		out->jitter_buffer_emitted_count = v->frames_released;
		out->frames_assembled_from_multiple_packets = v->frames_multi_packet;
		out->total_assembly_time = (double)v->frames_assembly_time / 1e9;
	} else {
		const struct rtc_audio_playout_stats *a = rtc_audio_playout_stats(s->audio);

		out->total_samples_received = a->samples_received;
		out->concealed_samples = a->concealed_samples;
		out->packets_discarded = a->packets_discarded;
		out->jitter_buffer_delay = a->jitter_buffer_delay;
		out->jitter_buffer_target_delay = a->jitter_buffer_target_delay;
		/* Nothing outside the buffer (a playout delay hint, lip sync)
		 * moves its target: the minimum is the target. */
		out->jitter_buffer_minimum_delay = a->jitter_buffer_target_delay;
		out->jitter_buffer_emitted_count = a->emitted_count;
	}
}
