/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/stream/send-stream.h"

#include <stdlib.h>
#include <string.h>

#include "engine/packetize/frame.h"
#include "engine/packetize/opus.h"
#include "engine/rtcp/rtt.h"
#include "engine/rtp/rtp-ext.h"
#include "engine/rtp/rtp.h"

/* Payloads of one frame: a 40 KB key frame at MTU 1200 is 35. */
#define MAX_FRAME_PAYLOADS 1024
/* Packets waiting for the pacer; beyond, the oldest frames' are dropped
 * (an encoder that outruns the link loses frames, not memory). */
#define MAX_QUEUED 2048
/* RFC 4588: the original sequence number before the payload. */
#define RTX_OSN_SIZE 2
/* Packets kept for retransmission: a second of 1.5 Mbit/s video (150
 * packets) four times over, or of 20 ms audio. */
#define VIDEO_HISTORY 600
#define AUDIO_HISTORY 64
#define HISTORY_AGE 1000000000ull

struct queued {
	struct queued *next;
	bool retransmission;
	uint16_t seq;
	size_t len;
	uint8_t data[];
};

struct rtc_send_stream {
	struct rtc_send_stream_config config;
	uint32_t clock_rate;
	size_t header_size;             /* with every extension we write */

	struct rtc_vp8_packetizer vp8;
	struct rtc_h264_packetizer h264;
	uint8_t *scratch;               /* one frame's payloads */
	size_t scratch_cap;
	struct rtc_frame_payload *slots;

	uint16_t next_seq;
	bool audio_talkspurt;           /* the next Opus packet starts one */

	struct queued *head, **tail;
	size_t n_queued;
	struct queued *given;           /* what poll_packet returned last */

	struct rtc_rtx_cache *cache;    /* NULL: the peer does not NACK */
	struct rtc_rtx_stream rtx;

	bool sent_any;
	uint32_t last_rtp_ts;
	uint64_t packets, octets;       /* for SRs: first transmissions, payload bytes */
	bool have_fir_seq;
	uint8_t last_fir_seq;
	uint64_t rtt;

	/* Retransmissions spend from a bucket of at most a second of the
	 * limit (0: none), so NACKs never send more than the limit a second. */
	uint64_t rtx_limit_bps;
	double rtx_budget;              /* bytes */
	uint64_t rtx_budget_at;

	struct rtc_send_stream_stats stats;
};

static uint32_t rtp_ts_at(const struct rtc_send_stream *s, uint64_t ns)
{
	/* 128-bit-free: seconds and the remainder apart, so a month of
	 * uptime does not overflow. */
	uint64_t ticks = ns / 1000000000ull * s->clock_rate +
			 ns % 1000000000ull * s->clock_rate / 1000000000ull;

	return s->config.timestamp_offset + (uint32_t)ticks;
}

/* The extension elements of a packet of this stream; abs-send-time and
 * the transport-wide number are zeros here, stamped when it leaves.
 * Returns their count. */
static size_t build_extensions(const struct rtc_send_stream *s, int audio_level,
			       struct rtc_rtp_ext *e, uint8_t bufs[3][3])
{
	size_t n = 0;

	if (s->config.ext_mid && s->config.mid[0])
		rtc_rtp_ext_mid(s->config.ext_mid, s->config.mid, strlen(s->config.mid), &e[n++],
				NULL);
	if (s->config.ext_abs_send_time)
		e[n++] = rtc_rtp_ext_abs_send_time(s->config.ext_abs_send_time, 0, bufs[0]);
	if (s->config.ext_transport_cc)
		e[n++] = rtc_rtp_ext_transport_cc(s->config.ext_transport_cc, 0, bufs[1]);
	if (s->config.ext_audio_level && audio_level >= 0)
		e[n++] = rtc_rtp_ext_audio_level(s->config.ext_audio_level, audio_level < 127,
						 (uint8_t)(audio_level > 127 ? 127 : audio_level),
						 bufs[2]);
	return n;
}

int rtc_send_stream_new(const struct rtc_send_stream_config *config,
			struct rtc_send_stream **out, struct rtc_error *err)
{
	struct rtc_send_stream *s;
	struct rtc_rtp_ext e[4];
	uint8_t bufs[3][3];
	struct rtc_rtp_header h = { 0 };
	struct rtc_rtp_ext_block block = { .form = RTC_RTP_EXT_AUTO, .elems = e };
	long hlen;

	if (config->codec == RTC_CODEC_NONE)
		return rtc_error_set(err, RTC_ERROR_TYPE, "send stream: no codec");
	if (config->mid[0] && config->ext_mid &&
	    rtc_rtp_ext_mid(config->ext_mid, config->mid, strlen(config->mid), &e[0], err) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "send stream: out of memory");
	s->config = *config;
	s->clock_rate = rtc_codec_clock_rate(config->codec);
	block.count = build_extensions(s, 0, e, bufs);
	hlen = rtc_rtp_header_size(&h, &block, err);
	/* An RTX packet carries two bytes more before the payload. */
	if (hlen < 0 || config->mtu < (size_t)hlen + RTX_OSN_SIZE + 16) {
		free(s);
		if (hlen < 0)
			return -1;
		return rtc_error_set(err, RTC_ERROR_TYPE, "send stream: an MTU of %zu is too small",
				     config->mtu);
	}
	s->header_size = (size_t)hlen;
	s->scratch_cap = MAX_FRAME_PAYLOADS * (config->mtu - s->header_size);
	s->scratch = malloc(s->scratch_cap);
	s->slots = calloc(MAX_FRAME_PAYLOADS, sizeof(*s->slots));
	if (config->nack)
		s->cache = rtc_rtx_cache_new(rtc_codec_is_audio(config->codec) ? AUDIO_HISTORY
									 : VIDEO_HISTORY,
					     HISTORY_AGE, NULL);
	if (!s->scratch || !s->slots || (config->nack && !s->cache)) {
		free(s->scratch);
		free(s->slots);
		free(s);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "send stream: out of memory");
	}
	rtc_vp8_packetizer_init(&s->vp8, (uint16_t)(config->timestamp_offset & 0x7fff));
	rtc_h264_packetizer_init(&s->h264, config->h264_packetization_mode);
	s->next_seq = config->first_seq;
	s->rtx.ssrc = config->rtx_ssrc;
	s->rtx.payload_type = (uint8_t)(config->rtx_payload_type & 0x7f);
	s->rtx.next_seq = (uint16_t)(config->first_seq ^ 0x5a5a);
	s->audio_talkspurt = true;
	s->tail = &s->head;
	*out = s;
	return 0;
}

static void free_queue(struct rtc_send_stream *s)
{
	while (s->head) {
		struct queued *q = s->head;

		s->head = q->next;
		free(q);
	}
	s->tail = &s->head;
	s->n_queued = 0;
	free(s->given);
	s->given = NULL;
}

void rtc_send_stream_free(struct rtc_send_stream *s)
{
	if (!s)
		return;
	free_queue(s);
	rtc_rtx_cache_free(s->cache);
	free(s->scratch);
	free(s->slots);
	free(s);
}

const struct rtc_send_stream_config *rtc_send_stream_config(const struct rtc_send_stream *s)
{
	return &s->config;
}

static void enqueue(struct rtc_send_stream *s, struct queued *q, bool front)
{
	if (front) {
		q->next = s->head;
		s->head = q;
		if (s->tail == &s->head)
			s->tail = &q->next;
	} else {
		q->next = NULL;
		*s->tail = q;
		s->tail = &q->next;
	}
	s->n_queued++;
}

static int packetize(struct rtc_send_stream *s, const uint8_t *frame, size_t len,
		     struct rtc_frame_payloads *p, struct rtc_error *err)
{
	switch (s->config.codec) {
	case RTC_CODEC_OPUS:
		return rtc_opus_packetize(frame, len, s->audio_talkspurt, p, err);
	case RTC_CODEC_VP8:
		return rtc_vp8_packetize(&s->vp8, frame, len, p, err);
	case RTC_CODEC_H264:
		return rtc_h264_packetize(&s->h264, frame, len, p, err);
	case RTC_CODEC_NONE:
		break;
	}
	return rtc_error_set(err, RTC_ERROR_TYPE, "send stream: no codec");
}

static bool is_key_frame(const struct rtc_send_stream *s, const uint8_t *frame, size_t len)
{
	size_t pos = 0, nal_len;
	const uint8_t *nal;

	switch (s->config.codec) {
	case RTC_CODEC_VP8:
		return rtc_vp8_is_key_frame(frame, len);
	case RTC_CODEC_H264:
		while (rtc_h264_next_nal(frame, len, &pos, &nal, &nal_len))
			if ((nal[0] & 0x1f) == 5)
				return true;
		return false;
	default:
		return false;
	}
}

int rtc_send_stream_frame(struct rtc_send_stream *s, uint64_t capture_ns,
			  const uint8_t *frame, size_t len, int audio_level,
			  struct rtc_error *err)
{
	struct rtc_frame_payloads p = {
		.buf = s->scratch, .cap = s->scratch_cap, .slots = s->slots,
		.max_slots = MAX_FRAME_PAYLOADS, .headroom = 0,
		.mtu = s->config.mtu - s->header_size - RTX_OSN_SIZE,
	};
	struct rtc_rtp_ext e[4];
	uint8_t bufs[3][3];
	struct rtc_rtp_ext_block block = { .form = RTC_RTP_EXT_AUTO, .elems = e };
	struct rtc_rtp_header h = {
		.payload_type = s->config.payload_type,
		.ssrc = s->config.ssrc,
		.timestamp = rtp_ts_at(s, capture_ns),
	};

	if (packetize(s, frame, len, &p, err) < 0)
		return -1;
	block.count = build_extensions(s, audio_level, e, bufs);
	/* Room for the whole frame, or it is dropped whole: half a frame
	 * only wastes the link. */
	while (s->n_queued && s->n_queued + p.count > MAX_QUEUED) {
		struct queued *q = s->head;

		s->head = q->next;
		if (!s->head)
			s->tail = &s->head;
		s->n_queued--;
		free(q);
	}
	if (p.count > MAX_QUEUED)
		return rtc_error_set(err, RTC_ERROR_RANGE, "send stream: a frame of %zu packets",
				     p.count);
	for (size_t i = 0; i < p.count; i++) {
		size_t plen = p.slots[i].len;
		struct queued *q = malloc(sizeof(*q) + s->header_size + plen);
		long hlen;

		if (!q)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "send stream: out of memory");
		h.marker = p.slots[i].marker;
		h.seq = s->next_seq++;
		hlen = rtc_rtp_write_header(&h, &block, q->data, s->header_size, err);
		if (hlen < 0) {
			free(q);
			return -1;
		}
		memcpy(q->data + hlen, rtc_frame_payloads_data(&p, i), plen);
		q->len = (size_t)hlen + plen;
		q->seq = h.seq;
		q->retransmission = false;
		enqueue(s, q, false);
	}
	s->last_rtp_ts = h.timestamp;
	s->audio_talkspurt = false;
	s->stats.frames_encoded++;
	if (is_key_frame(s, frame, len))
		s->stats.key_frames_encoded++;
	return 0;
}

bool rtc_send_stream_poll_packet(struct rtc_send_stream *s, struct rtc_send_packet *out)
{
	struct queued *q = s->head;

	free(s->given);
	s->given = NULL;
	if (!q)
		return false;
	s->head = q->next;
	if (!s->head)
		s->tail = &s->head;
	s->n_queued--;
	s->given = q;
	*out = (struct rtc_send_packet){
		.data = q->data, .len = q->len, .retransmission = q->retransmission,
		.audio = rtc_codec_is_audio(s->config.codec), .seq = q->seq,
	};
	return true;
}

/* Writes a value into an extension element of a packet in place. */
static void stamp(uint8_t *buf, size_t len, uint8_t id, const uint8_t *value, size_t n)
{
	struct rtc_rtp_packet p;
	struct rtc_rtp_ext e;

	if (!id || rtc_rtp_parse(buf, len, &p, NULL) < 0 || !rtc_rtp_ext_find(&p, id, &e) ||
	    e.len != n)
		return;
	memcpy(buf + (e.data - buf), value, n);
}

void rtc_send_stream_sent(struct rtc_send_stream *s, uint64_t now, uint8_t *buf, size_t len,
			  bool retransmission, uint16_t twcc_seq)
{
	uint32_t ast = rtc_rtp_abs_send_time_from_ns(now);
	uint8_t v[3] = { (uint8_t)(ast >> 16), (uint8_t)(ast >> 8), (uint8_t)ast };
	uint8_t t[2] = { (uint8_t)(twcc_seq >> 8), (uint8_t)twcc_seq };
	struct rtc_rtp_packet p;

	stamp(buf, len, s->config.ext_abs_send_time, v, 3);
	stamp(buf, len, s->config.ext_transport_cc, t, 2);
	if (rtc_rtp_parse(buf, len, &p, NULL) < 0)
		return;
	s->stats.packets_sent++;
	s->stats.header_bytes_sent += p.header_len;
	s->stats.bytes_sent += p.payload_len;
	if (retransmission) {
		s->stats.retransmitted_packets_sent++;
		s->stats.retransmitted_bytes_sent += p.payload_len;
		return;
	}
	s->sent_any = true;
	s->packets++;
	s->octets += p.payload_len;
	if (s->cache)
		rtc_rtx_cache_put(s->cache, now, buf, len, NULL);
}

size_t rtc_send_stream_padding(struct rtc_send_stream *s, uint64_t now, size_t size,
			       uint8_t *buf, size_t cap)
{
	struct rtc_rtp_ext e[4];
	uint8_t bufs[3][3];
	struct rtc_rtp_ext_block block = { .form = RTC_RTP_EXT_AUTO, .elems = e };
	bool rtx = s->config.rtx_payload_type >= 0;
	struct rtc_rtp_header h = {
		.payload_type = rtx ? (uint8_t)s->config.rtx_payload_type : s->config.payload_type,
		.ssrc = rtx ? s->config.rtx_ssrc : s->config.ssrc,
		.seq = rtx ? s->rtx.next_seq : s->next_seq,
		.timestamp = s->last_rtp_ts,
	};
	long n;
	unsigned pad;

	if (size > s->config.mtu)
		size = s->config.mtu;
	if (size < s->header_size + 1)
		size = s->header_size + 1;
	/* RFC 3550 5.1: at most 255 padding bytes a packet. */
	pad = (unsigned)(size - s->header_size > 255 ? 255 : size - s->header_size);
	block.count = build_extensions(s, -1, e, bufs);
	n = rtc_rtp_write(&h, &block, NULL, 0, pad, buf, cap, NULL);
	if (n < 0)
		return 0;
	if (rtx)
		s->rtx.next_seq++;
	else
		s->next_seq++;
	(void)now;
	return (size_t)n;
}

/* ---- RTCP ------------------------------------------------------------------ */

bool rtc_send_stream_sender_report(struct rtc_send_stream *s, uint64_t now,
				   struct rtc_rtcp_sr *out)
{
	if (!s->sent_any)
		return false;
	*out = (struct rtc_rtcp_sr){
		.ssrc = s->config.ssrc,
		.ntp = rtc_rtcp_ntp_from_ns(now),
		.rtp_ts = rtp_ts_at(s, now),
		.packet_count = (uint32_t)s->packets,
		.octet_count = (uint32_t)s->octets,
	};
	return true;
}

void rtc_send_stream_handle_report(struct rtc_send_stream *s, uint64_t now,
				   uint64_t ntp_now, const struct rtc_rtcp_report_block *b)
{
	uint64_t rtt;

	(void)now;
	s->stats.has_remote_report = true;
	s->stats.remote_packets_lost = b->cumulative_lost;
	s->stats.remote_fraction_lost = b->fraction_lost / 256.0;
	s->stats.remote_jitter = (double)b->jitter / s->clock_rate;
	if (rtc_rtcp_rtt(rtc_rtcp_ntp_short(ntp_now), b->lsr, b->dlsr, &rtt)) {
		s->rtt = rtt;
		s->stats.round_trip_time = rtt;
		s->stats.total_round_trip_time += rtt;
		s->stats.round_trip_time_measurements++;
	}
}

/* A copy of a sent packet, as RTX (RFC 4588 section 4: the RTX SSRC,
 * payload type and sequence, the original sequence number before the
 * payload) or as it was. */
static struct queued *make_retransmission(struct rtc_send_stream *s, const uint8_t *pkt,
					    size_t len)
{
	struct rtc_rtp_packet p;
	struct queued *q;
	long wrapped;

	if (rtc_rtp_parse(pkt, len, &p, NULL) < 0)
		return NULL;
	q = malloc(sizeof(*q) + len + RTX_OSN_SIZE);
	if (!q)
		return NULL;
	q->retransmission = true;
	q->seq = p.h.seq;
	if (s->config.rtx_payload_type < 0) {
		memcpy(q->data, pkt, len);
		q->len = len;
		return q;
	}
	wrapped = rtc_rtx_wrap(&s->rtx, pkt, len, NULL, q->data, len + RTX_OSN_SIZE, NULL);
	if (wrapped < 0) {
		free(q);
		return NULL;
	}
	q->len = (size_t)wrapped;
	return q;
}

void rtc_send_stream_set_retransmission_limit(struct rtc_send_stream *s, uint64_t now,
					      uint64_t bps)
{
	if (!s->rtx_limit_bps) {
		/* A full bucket to start with: a second's worth. */
		s->rtx_budget = (double)bps / 8;
		s->rtx_budget_at = now;
	}
	s->rtx_limit_bps = bps;
}

/* Takes len bytes from the retransmission budget, if it has them. */
static bool spend_rtx_budget(struct rtc_send_stream *s, uint64_t now, size_t len)
{
	double cap = (double)s->rtx_limit_bps / 8;

	if (!s->rtx_limit_bps)
		return true;
	if (now > s->rtx_budget_at)
		s->rtx_budget += (double)(now - s->rtx_budget_at) * (double)s->rtx_limit_bps / 8e9;
	s->rtx_budget_at = now > s->rtx_budget_at ? now : s->rtx_budget_at;
	if (s->rtx_budget > cap)
		s->rtx_budget = cap;
	if (s->rtx_budget < (double)len)
		return false;
	s->rtx_budget -= (double)len;
	return true;
}

void rtc_send_stream_handle_nack(struct rtc_send_stream *s, uint64_t now,
				 const uint16_t *seqs, size_t n)
{
	struct rtc_rtx_resend resend[64];

	s->stats.nack_count++;
	if (!s->cache)
		return;
	while (n) {
		size_t take = n < 64 ? n : 64;
		/* Not again while the last retransmission may still be on
		 * its way (the NACK crossed it). A receiver asks again one
		 * round trip after it asked, so its second NACK arrives
		 * about one round trip after the first: with jitter, a bit
		 * less. Three quarters of it tell the two apart. */
		size_t k = rtc_rtx_respond(s->cache, now, s->rtt * 3 / 4, seqs, take, resend, 64);

		/* Last first, each to the front: they leave before new
		 * media, in the order asked. */
		for (size_t i = k; i-- > 0;) {
			struct queued *q;

			/* Over the budget: skipped; the receiver asks again. */
			if (!spend_rtx_budget(s, now, resend[i].len)) {
				s->stats.retransmissions_over_limit++;
				continue;
			}
			q = make_retransmission(s, resend[i].pkt, resend[i].len);
			if (q)
				enqueue(s, q, true);
		}
		seqs += take;
		n -= take;
	}
}

bool rtc_send_stream_handle_pli(struct rtc_send_stream *s)
{
	s->stats.pli_count++;
	return !rtc_codec_is_audio(s->config.codec);
}

bool rtc_send_stream_handle_fir(struct rtc_send_stream *s, uint8_t seq_nr)
{
	if (s->have_fir_seq && s->last_fir_seq == seq_nr)
		return false;
	s->have_fir_seq = true;
	s->last_fir_seq = seq_nr;
	s->stats.fir_count++;
	return !rtc_codec_is_audio(s->config.codec);
}

uint64_t rtc_send_stream_rtt(const struct rtc_send_stream *s)
{
	return s->rtt;
}

const struct rtc_send_stream_stats *rtc_send_stream_stats(const struct rtc_send_stream *s)
{
	return &s->stats;
}
