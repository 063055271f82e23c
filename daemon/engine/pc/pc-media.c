/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/pc/pc-media.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/base/rng.h"

static bool sends(enum rtc_jsep_direction d)
{
	return d == RTC_JSEP_SENDRECV || d == RTC_JSEP_SENDONLY;
}

static bool receives(enum rtc_jsep_direction d)
{
	return d == RTC_JSEP_SENDRECV || d == RTC_JSEP_RECVONLY;
}

/* H.264's packetization-mode from its fmtp (RFC 6184 8.1: 0 if absent). */
static unsigned h264_mode(const char *fmtp)
{
	const char *p = strstr(fmtp, "packetization-mode=");

	return p && p[19] == '1' ? 1 : 0;
}

static struct pc_media *media_new(struct rtc_pc *pc, uint64_t now)
{
	struct pc_media *m = calloc(1, sizeof(*m));
	struct rtc_pacer_config pacer = { 0 };
	uint8_t seed[8];

	if (!m)
		return NULL;
	m->slots = calloc(PC_MEDIA_PACKET_SLOTS, sizeof(*m->slots));
	m->twcc_send = malloc(sizeof(*m->twcc_send));
	m->twcc_recv = malloc(sizeof(*m->twcc_recv));
	m->gcc = rtc_gcc_new(NULL, now);
	if (m->gcc) {
		pacer.pacing_bps = rtc_gcc_pacing_bps(m->gcc);
		pacer.burst = PC_MEDIA_PACER_BURST;
		m->pacer = rtc_pacer_new(&pacer);
	}
	if (!m->slots || !m->twcc_send || !m->twcc_recv || !m->gcc || !m->pacer ||
	    rtc_rng_bytes(seed, sizeof(seed)) < 0) {
		pc->media = m;
		pc_media_free(pc);
		return NULL;
	}
	rtc_twcc_sender_init(m->twcc_send);
	memcpy(&m->report_rng, seed, sizeof(seed));
	/* Engine-to-engine tests replay a run exactly. */
	if (pc->config.ice_random_seed)
		m->report_rng = pc->config.ice_random_seed * 0x9e3779b97f4a7c15ull;
	m->report_rng |= 1;
	m->next_report = now + PC_MEDIA_REPORT_INTERVAL / 2;
	return m;
}

static void free_track(struct pc_media_track *t)
{
	rtc_send_stream_free(t->send);
	rtc_recv_stream_free(t->recv);
	memset(t, 0, sizeof(*t));
}

void pc_media_free(struct rtc_pc *pc)
{
	struct pc_media *m = pc->media;

	if (!m)
		return;
	for (size_t i = 0; i < m->n_tracks; i++)
		free_track(&m->tracks[i]);
	free(m->tracks);
	if (m->slots)
		for (size_t i = 0; i < PC_MEDIA_PACKET_SLOTS; i++)
			free(m->slots[i]);
	free(m->slots);
	rtc_srtp_free(m->srtp_out);
	rtc_srtp_free(m->srtp_in);
	free(m->twcc_send);
	free(m->twcc_recv);
	rtc_gcc_free(m->gcc);
	rtc_pacer_free(m->pacer);
	free(m);
	pc->media = NULL;
}

/* The first negotiated codec we can packetize: what we send. */
static const struct rtc_jsep_codec *send_codec(const struct rtc_jsep_transceiver *t)
{
	for (size_t i = 0; i < t->n_codecs; i++)
		if (rtc_codec_from_name(t->codecs[i].name) != RTC_CODEC_NONE)
			return &t->codecs[i];
	return NULL;
}

static void update_send(struct pc_media_track *mt, const struct rtc_jsep_transceiver *t)
{
	const struct rtc_jsep_codec *c = send_codec(t);
	struct rtc_send_stream_config config = {
		.rtx_payload_type = -1, .mtu = PC_MEDIA_MTU,
	};
	const struct rtc_send_stream_config *now;
	uint8_t rnd[6];
	struct rtc_error err;

	mt->sending = c && sends(t->current_direction);
	if (!c || (!mt->sending && !mt->send)) {
		rtc_send_stream_free(mt->send);
		mt->send = NULL;
		return;
	}
	config.codec = rtc_codec_from_name(c->name);
	config.h264_packetization_mode = h264_mode(c->fmtp);
	config.payload_type = c->payload_type;
	config.rtx_payload_type = c->rtx_payload_type;
	config.ssrc = t->ssrc;
	config.rtx_ssrc = t->rtx_ssrc;
	config.ext_mid = (uint8_t)t->extensions.mid;
	config.ext_abs_send_time = (uint8_t)t->extensions.abs_send_time;
	config.ext_transport_cc = (uint8_t)t->extensions.transport_cc;
	config.ext_audio_level = (uint8_t)t->extensions.audio_level;
	snprintf(config.mid, sizeof(config.mid), "%s", t->mid);
	config.nack = c->nack;
	/* The same stream goes on when nothing it is made of changed: a
	 * renegotiation must not restart sequence numbers. */
	if (mt->send && (now = rtc_send_stream_config(mt->send)) &&
	    now->codec == config.codec && now->payload_type == config.payload_type &&
	    now->rtx_payload_type == config.rtx_payload_type && now->ssrc == config.ssrc &&
	    now->ext_mid == config.ext_mid && now->ext_transport_cc == config.ext_transport_cc &&
	    now->ext_abs_send_time == config.ext_abs_send_time &&
	    now->ext_audio_level == config.ext_audio_level && now->nack == config.nack)
		return;
	rtc_send_stream_free(mt->send);
	mt->send = NULL;
	if (!mt->sending || rtc_rng_bytes(rnd, sizeof(rnd)) < 0)
		return;
	config.first_seq = (uint16_t)(rnd[0] << 8 | rnd[1]) & 0x7fff;
	config.timestamp_offset = (uint32_t)rnd[2] << 24 | (uint32_t)rnd[3] << 16 |
				  (uint32_t)rnd[4] << 8 | rnd[5];
	if (rtc_send_stream_new(&config, &mt->send, &err) < 0)
		rtc_warn("pc: no send stream for mid %s: %s", t->mid, err.message);
}

static bool same_codecs(const struct rtc_recv_stream_config *a,
			const struct rtc_recv_stream_config *b)
{
	if (a->n_codecs != b->n_codecs)
		return false;
	for (size_t i = 0; i < a->n_codecs; i++)
		if (a->codecs[i].payload_type != b->codecs[i].payload_type ||
		    a->codecs[i].codec != b->codecs[i].codec ||
		    a->codecs[i].rtx_payload_type != b->codecs[i].rtx_payload_type)
			return false;
	return true;
}

static void update_recv(struct pc_media_track *mt, const struct rtc_jsep_transceiver *t)
{
	struct rtc_recv_stream_config config = { .audio = mt->audio, .local_ssrc = t->ssrc };
	const struct rtc_recv_stream_config *now;
	struct rtc_error err;

	for (size_t i = 0; i < t->n_codecs && config.n_codecs < RTC_RECV_STREAM_MAX_CODECS; i++) {
		const struct rtc_jsep_codec *c = &t->codecs[i];
		enum rtc_codec codec = rtc_codec_from_name(c->name);

		if (codec == RTC_CODEC_NONE || rtc_codec_is_audio(codec) != mt->audio)
			continue;
		config.codecs[config.n_codecs++] = (struct rtc_recv_stream_codec){
			.payload_type = c->payload_type, .codec = codec,
			.rtx_payload_type = c->rtx_payload_type,
		};
		config.nack |= c->nack;
		config.pli |= c->pli;
		config.fir |= c->fir;
	}
	if (!config.n_codecs || !receives(t->current_direction)) {
		rtc_recv_stream_free(mt->recv);
		mt->recv = NULL;
		mt->recv_pending = false;
		return;
	}
	config.ssrc = t->remote_ssrc;
	config.rtx_ssrc = t->remote_rtx_ssrc;
	mt->recv_config = config;
	if (mt->recv && (now = rtc_recv_stream_config(mt->recv)) &&
	    (!config.ssrc || now->ssrc == config.ssrc) && same_codecs(now, &config))
		return;
	rtc_recv_stream_free(mt->recv);
	mt->recv = NULL;
	mt->recv_pending = !config.ssrc;
	if (config.ssrc && rtc_recv_stream_new(&config, &mt->recv, &err) < 0)
		rtc_warn("pc: no receive stream for mid %s: %s", t->mid, err.message);
}

void pc_media_update(struct rtc_pc *pc, uint64_t now)
{
	size_t n = rtc_jsep_transceiver_count(pc->jsep), track;
	struct pc_media *m = pc->media;
	struct rtc_jsep_transceiver t;
	bool any = false;

	for (size_t i = 0; i < n && !any; i++)
		any = rtc_jsep_transceiver_info(pc->jsep, i, &t) && t.negotiated && !t.stopped;
	if (!m && !any)
		goto tracks;
	if (!m && !(m = pc->media = media_new(pc, now))) {
		rtc_warn("pc: out of memory for media");
		return;
	}
	if (n > m->n_tracks) {
		struct pc_media_track *p = realloc(m->tracks, n * sizeof(*p));

		if (!p) {
			rtc_warn("pc: out of memory for media");
			return;
		}
		memset(p + m->n_tracks, 0, (n - m->n_tracks) * sizeof(*p));
		m->tracks = p;
		m->n_tracks = n;
	}
	for (size_t i = 0; i < n; i++) {
		struct pc_media_track *mt = &m->tracks[i];

		if (!rtc_jsep_transceiver_info(pc->jsep, i, &t) || !t.negotiated || t.stopped) {
			free_track(mt);
			continue;
		}
		if (t.cname && !m->cname[0])
			snprintf(m->cname, sizeof(m->cname), "%s", t.cname);
		mt->in_use = true;
		mt->audio = t.kind == RTC_JSEP_MEDIA_AUDIO;
		snprintf(mt->mid, sizeof(mt->mid), "%s", t.mid);
		mt->ext_mid = (uint8_t)t.extensions.mid;
		mt->ext_twcc = (uint8_t)t.extensions.transport_cc;
		mt->rtcp_rsize = t.rtcp_rsize;
		if (t.extensions.transport_cc)
			for (size_t c = 0; c < t.n_codecs; c++)
				m->transport_cc |= t.codecs[c].transport_cc;
		update_send(mt, &t);
		/* Retransmissions stay within a share of the controller's target. */
		if (mt->send && m->target_bps)
			rtc_send_stream_set_retransmission_limit(mt->send, now,
								 pc_media_rtx_limit(m->target_bps));
		update_recv(mt, &t);
	}
tracks:
	/* W3C: the track events of what this description made receiving. */
	while (rtc_jsep_take_track_event(pc->jsep, &track)) {
		struct rtc_pc_event *ev = pc_event_push(pc, RTC_PC_EVENT_TRACK);

		if (ev)
			ev->media.transceiver = track;
	}
}

void pc_media_pace(struct rtc_pc *pc, uint64_t now, size_t track)
{
	struct pc_media *m = pc->media;
	struct pc_media_track *mt = &m->tracks[track];
	struct rtc_send_packet p;

	while (mt->send && rtc_send_stream_poll_packet(mt->send, &p)) {
		uint64_t handle = m->next_handle++;
		struct pc_media_packet **slot = &m->slots[handle % PC_MEDIA_PACKET_SLOTS];
		struct pc_media_packet *pkt;
		enum rtc_pacer_priority prio = p.retransmission ? RTC_PACER_RETRANSMISSION
					       : p.audio ? RTC_PACER_AUDIO : RTC_PACER_VIDEO;

		/* The pacer holds at most as many as there are slots: one
		 * still here was dropped by it, and is forgotten now. */
		free(*slot);
		*slot = NULL;
		pkt = malloc(sizeof(*pkt) + p.len);
		if (!pkt)
			continue;
		pkt->handle = handle;
		pkt->track = track;
		pkt->retransmission = p.retransmission;
		pkt->len = p.len;
		memcpy(pkt->data, p.data, p.len);
		if (rtc_pacer_enqueue(m->pacer, now, handle, (uint32_t)p.len, prio, NULL) < 0) {
			free(pkt);
			continue;
		}
		*slot = pkt;
	}
}

/* ---- the API ------------------------------------------------------------------ */

static struct pc_media_track *track_of(const struct rtc_pc *pc, size_t transceiver)
{
	if (!pc->media || transceiver >= pc->media->n_tracks ||
	    !pc->media->tracks[transceiver].in_use)
		return NULL;
	return &pc->media->tracks[transceiver];
}

int rtc_pc_send_frame(struct rtc_pc *pc, uint64_t now, size_t transceiver,
		      uint64_t capture_ns, const uint8_t *frame, size_t len, int audio_level,
		      struct rtc_error *err)
{
	struct pc_media_track *mt = track_of(pc, transceiver);

	if (pc->closed)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the connection is closed");
	if (!mt || !mt->send || !mt->sending)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "transceiver %zu does not send (not negotiated, or its "
				     "direction has no send)", transceiver);
	if (!pc->media->srtp_out)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "DTLS has not keyed SRTP yet");
	if (rtc_send_stream_frame(mt->send, capture_ns, frame, len, audio_level, err) < 0)
		return -1;
	pc_media_pace(pc, now, transceiver);
	return 0;
}

void rtc_pc_request_key_frame(struct rtc_pc *pc, uint64_t now, size_t transceiver)
{
	struct pc_media_track *mt = track_of(pc, transceiver);

	(void)now;
	if (mt && mt->recv)
		rtc_recv_stream_request_key_frame(mt->recv);
}

bool rtc_pc_media_stats(const struct rtc_pc *pc, size_t transceiver,
			struct rtc_pc_media_stats *out)
{
	const struct pc_media_track *mt = track_of(pc, transceiver);

	memset(out, 0, sizeof(*out));
	if (transceiver >= rtc_jsep_transceiver_count(pc->jsep))
		return false;
	if (!mt)
		return true;
	if (mt->send) {
		const struct rtc_send_stream_config *c = rtc_send_stream_config(mt->send);

		out->sending = true;
		out->send_codec = c->codec;
		out->send_payload_type = c->payload_type;
		out->ssrc = c->ssrc;
		out->outbound = *rtc_send_stream_stats(mt->send);
	}
	if (mt->recv) {
		const struct rtc_recv_stream_config *c = rtc_recv_stream_config(mt->recv);

		out->receiving = true;
		out->recv_codec = c->codecs[0].codec;
		out->recv_payload_type = c->codecs[0].payload_type;
		out->remote_ssrc = c->ssrc;
		rtc_recv_stream_stats(mt->recv, &out->inbound);
	}
	return true;
}

uint64_t rtc_pc_target_bitrate(const struct rtc_pc *pc)
{
	return pc->media ? pc->media->target_bps : 0;
}
