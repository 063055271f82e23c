/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/pc/pc-media.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/rtcp/rtcp.h"
#include "engine/rtcp/rtt.h"
#include "engine/rtp/rtp-ext.h"
#include "engine/rtp/rtp.h"

/* What SRTP, UDP and IP add to an RTP packet on the wire (IPv4, CM-80 or
 * GCM's 16): what the congestion controller counts as sent. */
#define WIRE_OVERHEAD (16 + 8 + 20)

/* DTLS keyed SRTP: both sessions, once. */
static void ensure_keys(struct rtc_pc *pc, uint64_t now)
{
	struct pc_media *m = pc->media;
	const struct rtc_dtls_srtp_keys *keys;
	struct rtc_error err;
	struct rtc_gcc *fresh;

	if (m->srtp_out || !pc->dtls || pc->dtls_state != RTC_DTLS_CONNECTED ||
	    !(keys = rtc_dtls_srtp_keys(pc->dtls)))
		return;
	if (rtc_srtp_new_dtls(keys, RTC_SRTP_OUTBOUND, &m->srtp_out, &err) < 0 ||
	    rtc_srtp_new_dtls(keys, RTC_SRTP_INBOUND, &m->srtp_in, &err) < 0) {
		rtc_warn("pc: SRTP: %s", err.message);
		rtc_srtp_free(m->srtp_out);
		m->srtp_out = NULL;
		return;
	}
	rtc_info("pc: SRTP keyed (%s)",
		 rtc_srtp_profile_info(rtc_srtp_profile(m->srtp_out))->name);
	/* The congestion controller starts with the media. One made at
	 * negotiation asked for its initial probes then, and they expired
	 * in the pacer while ICE and DTLS ran: the rate then crept up from
	 * the start rate at 8 % a second. Nothing was sent or fed back
	 * before SRTP, so nothing is lost by starting anew. */
	if ((fresh = rtc_gcc_new(NULL, now))) {
		rtc_gcc_free(m->gcc);
		m->gcc = fresh;
	}
}

/* ---- receiving ----------------------------------------------------------------- */

static struct pc_media_track *track_for_ssrc(struct pc_media *m, uint32_t ssrc, uint8_t pt)
{
	for (size_t i = 0; i < m->n_tracks; i++)
		if (m->tracks[i].recv && rtc_recv_stream_accepts(m->tracks[i].recv, ssrc, pt))
			return &m->tracks[i];
	return NULL;
}

/* A packet of an SSRC the peer did not signal: the track whose mid it
 * carries (RFC 8843 9.2), or the only one waiting that takes its payload
 * type. Its stream is made now. */
static struct pc_media_track *bind_unsignalled(struct pc_media *m,
					       const struct rtc_rtp_packet *p)
{
	struct pc_media_track *match = NULL;
	unsigned candidates = 0;
	struct rtc_error err;

	for (size_t i = 0; i < m->n_tracks; i++) {
		struct pc_media_track *mt = &m->tracks[i];
		struct rtc_rtp_ext e;
		const char *mid;
		size_t len;

		if (!mt->recv_pending)
			continue;
		if (mt->ext_mid && rtc_rtp_ext_find(p, mt->ext_mid, &e) &&
		    rtc_rtp_ext_get_mid(&e, &mid, &len, NULL) == 0) {
			if (len == strlen(mt->mid) && !memcmp(mid, mt->mid, len)) {
				match = mt;
				candidates = 1;
				break;
			}
			continue;
		}
		if (rtc_recv_stream_codec(&mt->recv_config, p->h.payload_type)) {
			match = mt;
			candidates++;
		}
	}
	/* Only a media payload type names the media SSRC (RTX waits). */
	if (candidates != 1 || !rtc_recv_stream_codec(&match->recv_config, p->h.payload_type))
		return NULL;
	match->recv_config.ssrc = p->h.ssrc;
	if (rtc_recv_stream_new(&match->recv_config, &match->recv, &err) < 0) {
		rtc_warn("pc: no receive stream for mid %s: %s", match->mid, err.message);
		return NULL;
	}
	match->recv_pending = false;
	return match;
}

static void handle_rtp(struct rtc_pc *pc, uint64_t now, uint8_t *buf, size_t len)
{
	struct pc_media *m = pc->media;
	struct rtc_rtp_packet p;
	struct pc_media_track *mt;
	struct rtc_error err;

	if (rtc_rtp_parse(buf, len, &p, &err) < 0) {
		pc->stats.rtp_unknown_stream++;
		return;
	}
	mt = track_for_ssrc(m, p.h.ssrc, p.h.payload_type);
	if (!mt)
		mt = bind_unsignalled(m, &p);
	if (!mt) {
		pc->stats.rtp_unknown_stream++;
		return;
	}
	if (m->transport_cc && mt->ext_twcc) {
		struct rtc_rtp_ext e;
		uint16_t seq;

		if (rtc_rtp_ext_find(&p, mt->ext_twcc, &e) &&
		    rtc_rtp_ext_get_transport_cc(&e, &seq, NULL) == 0) {
			if (!m->twcc_recv_started) {
				rtc_twcc_receiver_init(m->twcc_recv,
						       rtc_recv_stream_config(mt->recv)->local_ssrc,
						       p.h.ssrc);
				m->twcc_recv_started = true;
			}
			/* Held datagrams replayed later keep no stamp: now. */
			rtc_twcc_receiver_handle_packet(m->twcc_recv,
							pc->arrival ? pc->arrival : now, seq);
		}
	}
	rtc_recv_stream_handle_rtp(mt->recv, now, buf, len, &p, NULL);
}

static struct pc_media_track *track_sending(struct pc_media *m, uint32_t ssrc)
{
	for (size_t i = 0; i < m->n_tracks; i++)
		if (m->tracks[i].send && rtc_send_stream_config(m->tracks[i].send)->ssrc == ssrc)
			return &m->tracks[i];
	return NULL;
}

static void key_frame_request(struct rtc_pc *pc, struct pc_media_track *mt)
{
	struct rtc_pc_event *ev = pc_event_push(pc, RTC_PC_EVENT_KEY_FRAME_REQUEST);

	if (ev)
		ev->media.transceiver = (size_t)(mt - pc->media->tracks);
}

static void handle_report_blocks(struct rtc_pc *pc, uint64_t now,
				 const struct rtc_rtcp_report_block *b, size_t n)
{
	struct pc_media *m = pc->media;

	for (size_t i = 0; i < n; i++) {
		struct pc_media_track *mt = track_sending(m, b[i].ssrc);
		uint64_t rtt;

		if (!mt)
			continue;
		rtc_send_stream_handle_report(mt->send, now, rtc_rtcp_ntp_from_ns(now), &b[i]);
		/* Without transport-cc, receiver reports are the loss signal. */
		if (mt->have_report && b[i].highest_seq - mt->report_highest < 0x8000)
			rtc_gcc_handle_loss_report(m->gcc, now, b[i].fraction_lost,
						   b[i].highest_seq - mt->report_highest);
		mt->have_report = true;
		mt->report_highest = b[i].highest_seq;
		if (!(rtt = rtc_send_stream_rtt(mt->send)))
			continue;
		/* The round trip is the transport's: every receiver paces its
		 * NACKs and waits by it. */
		rtc_gcc_handle_rtt(m->gcc, now, rtt);
		for (size_t t = 0; t < m->n_tracks; t++)
			if (m->tracks[t].recv)
				rtc_recv_stream_set_rtt(m->tracks[t].recv, rtt);
	}
}

static void handle_twcc(struct rtc_pc *pc, uint64_t now, const struct rtc_rtcp_twcc *fb)
{
	struct pc_media *m = pc->media;
	struct rtc_cc_packet_result *results;
	size_t n;

	if (!fb->status_count)
		return;
	results = malloc(fb->status_count * sizeof(*results));
	if (!results)
		return;
	if (rtc_twcc_sender_handle_feedback(m->twcc_send, fb, results, fb->status_count, &n,
					    NULL) == 0 && n)
		rtc_gcc_handle_feedback(m->gcc, now, results, n);
	free(results);
}

static void handle_item(struct rtc_pc *pc, uint64_t now, const struct rtc_rtcp_item *it)
{
	struct pc_media *m = pc->media;
	struct pc_media_track *mt;

	switch (it->type) {
	case RTC_RTCP_SR:
		for (size_t i = 0; i < m->n_tracks; i++)
			if (m->tracks[i].recv &&
			    rtc_recv_stream_config(m->tracks[i].recv)->ssrc == it->sr.ssrc)
				rtc_recv_stream_handle_sr(m->tracks[i].recv, now, &it->sr);
		handle_report_blocks(pc, now, it->sr.reports, it->sr.report_count);
		break;
	case RTC_RTCP_RR:
		handle_report_blocks(pc, now, it->rr.reports, it->rr.report_count);
		break;
	case RTC_RTCP_NACK:
		if ((mt = track_sending(m, it->nack.media_ssrc))) {
			rtc_send_stream_handle_nack(mt->send, now, it->nack.seqs, it->nack.seq_count);
			pc_media_pace(pc, now, (size_t)(mt - m->tracks));
		}
		break;
	case RTC_RTCP_PLI:
		if ((mt = track_sending(m, it->pli.media_ssrc)) &&
		    rtc_send_stream_handle_pli(mt->send))
			key_frame_request(pc, mt);
		break;
	case RTC_RTCP_FIR:
		for (size_t i = 0; i < it->fir.entry_count; i++)
			if ((mt = track_sending(m, it->fir.entries[i].ssrc)) &&
			    rtc_send_stream_handle_fir(mt->send, it->fir.entries[i].seq_nr))
				key_frame_request(pc, mt);
		break;
	case RTC_RTCP_REMB:
		rtc_gcc_handle_remb(m->gcc, now, rtc_rtcp_remb_bitrate(&it->remb));
		break;
	case RTC_RTCP_TWCC:
		handle_twcc(pc, now, &it->twcc);
		break;
	case RTC_RTCP_SDES:
	case RTC_RTCP_BYE:
		break;
	}
}

static void handle_rtcp(struct rtc_pc *pc, uint64_t now, const uint8_t *buf, size_t len)
{
	struct rtc_arena *arena = rtc_arena_new_sized(2 * len + 256);
	struct rtc_rtcp_compound c;

	if (!arena)
		return;
	if (rtc_rtcp_parse(buf, len, arena, &c, NULL) == 0)
		for (size_t i = 0; i < c.count; i++)
			handle_item(pc, now, &c.items[i]);
	else
		pc->stats.srtp_rejected++;
	rtc_arena_free(arena);
}

void pc_media_receive(struct rtc_pc *pc, uint64_t now, const uint8_t *data, size_t len)
{
	struct pc_media *m = pc->media;
	size_t clear_len;

	if (!m || !m->srtp_in || len > sizeof(m->rx)) {
		pc->stats.srtp_rejected++;
		return;
	}
	memcpy(m->rx, data, len);
	if (rtc_rtcp_is_rtcp(m->rx, len)) {
		if (rtc_srtp_unprotect_rtcp(m->srtp_in, m->rx, len, &clear_len) != RTC_SRTP_OK) {
			pc->stats.srtp_rejected++;
			return;
		}
		handle_rtcp(pc, now, m->rx, clear_len);
		return;
	}
	if (rtc_srtp_unprotect_rtp(m->srtp_in, m->rx, len, &clear_len) != RTC_SRTP_OK) {
		pc->stats.srtp_rejected++;
		return;
	}
	handle_rtp(pc, now, m->rx, clear_len);
}

/* ---- sending ----------------------------------------------------------------- */

/* Protects RTCP items as one compound (or reduced-size) packet. */
static bool send_rtcp(struct rtc_pc *pc, uint64_t now, const struct rtc_rtcp_item *items,
		      size_t n, struct rtc_pc_transmit *out)
{
	struct pc_media *m = pc->media;
	struct rtc_error err;
	size_t len;
	long clear = rtc_rtcp_write(items, n, m->clear, sizeof(m->clear) - RTC_SRTP_RTCP_ROOM,
				    &err);

	if (clear < 0) {
		rtc_debug("pc: RTCP not written: %s", err.message);
		return false;
	}
	if (rtc_srtp_protect_rtcp(m->srtp_out, m->clear, (size_t)clear, m->tx, sizeof(m->tx),
				  &len) != RTC_SRTP_OK)
		return false;
	return pc_send_selected(pc, now, m->tx, len, out);
}

/* An SSRC of ours to send RTCP from: a sending stream's, or any local
 * one of a receiving track (JSEP gives every transceiver one). */
static uint32_t local_ssrc(const struct pc_media *m)
{
	for (size_t i = 0; i < m->n_tracks; i++) {
		if (m->tracks[i].send)
			return rtc_send_stream_config(m->tracks[i].send)->ssrc;
		if (m->tracks[i].recv)
			return rtc_recv_stream_config(m->tracks[i].recv)->local_ssrc;
	}
	return 0;
}

/* NACK, PLI, FIR of the receivers, round robin; RFC 4585 wants them in a
 * compound behind an RR unless reduced-size was negotiated (RFC 5506). */
static bool poll_feedback(struct rtc_pc *pc, uint64_t now, struct rtc_pc_transmit *out)
{
	struct pc_media *m = pc->media;
	struct rtc_rtcp_item items[2];

	for (size_t k = 0; k < m->n_tracks; k++) {
		size_t i = (m->feedback_track + k) % m->n_tracks;
		struct pc_media_track *mt = &m->tracks[i];
		size_t n = 0;

		if (!mt->recv)
			continue;
		if (!mt->rtcp_rsize) {
			items[n] = (struct rtc_rtcp_item){ .type = RTC_RTCP_RR };
			items[n++].rr.ssrc = rtc_recv_stream_config(mt->recv)->local_ssrc;
		}
		if (!rtc_recv_stream_poll_feedback(mt->recv, now, &items[n]))
			continue;
		m->feedback_track = i + 1;
		if (send_rtcp(pc, now, items, n + 1, out))
			return true;
	}
	if (m->twcc_recv_started && rtc_twcc_receiver_poll_feedback(m->twcc_recv, now, &items[1])) {
		items[0] = (struct rtc_rtcp_item){ .type = RTC_RTCP_RR };
		items[0].rr.ssrc = items[1].twcc.sender_ssrc;
		if (send_rtcp(pc, now, items, 2, out))
			return true;
	}
	return false;
}

/* RFC 3550 6.2: reports at a randomised interval, 0.5 to 1.5 times. */
static uint64_t next_report_interval(struct pc_media *m)
{
	m->report_rng ^= m->report_rng << 13;
	m->report_rng ^= m->report_rng >> 7;
	m->report_rng ^= m->report_rng << 17;
	return PC_MEDIA_REPORT_INTERVAL / 2 + m->report_rng % PC_MEDIA_REPORT_INTERVAL;
}

/* Our SRs (one per sending stream, the first with every reception report)
 * or an RR, and the SDES CNAME. */
static bool poll_reports(struct rtc_pc *pc, uint64_t now, struct rtc_pc_transmit *out)
{
	struct pc_media *m = pc->media;
	struct rtc_rtcp_report_block blocks[RTC_RTCP_MAX_COUNT];
	struct rtc_rtcp_item items[10];
	struct rtc_rtcp_sdes_chunk chunk;
	size_t n_blocks = 0, n = 0;

	if (now < m->next_report)
		return false;
	m->next_report = now + next_report_interval(m);
	for (size_t i = 0; i < m->n_tracks && n_blocks < RTC_RTCP_MAX_COUNT; i++)
		if (m->tracks[i].recv &&
		    rtc_recv_stream_report(m->tracks[i].recv, now, &blocks[n_blocks]))
			n_blocks++;
	for (size_t i = 0; i < m->n_tracks && n < 8; i++) {
		if (!m->tracks[i].send || !m->tracks[i].sending)
			continue;
		items[n].type = RTC_RTCP_SR;
		if (!rtc_send_stream_sender_report(m->tracks[i].send, now, &items[n].sr))
			continue;
		if (n == 0) {
			items[n].sr.reports = blocks;
			items[n].sr.report_count = n_blocks;
		}
		n++;
	}
	if (n == 0) {
		if (!n_blocks)
			return false;
		items[n] = (struct rtc_rtcp_item){ .type = RTC_RTCP_RR };
		items[n].rr.ssrc = local_ssrc(m);
		items[n].rr.reports = blocks;
		items[n++].rr.report_count = n_blocks;
	}
	chunk = (struct rtc_rtcp_sdes_chunk){
		.ssrc = items[0].type == RTC_RTCP_SR ? items[0].sr.ssrc : items[0].rr.ssrc,
		.cname = m->cname, .cname_len = (uint8_t)strlen(m->cname),
	};
	if (chunk.cname_len) {
		items[n] = (struct rtc_rtcp_item){ .type = RTC_RTCP_SDES };
		items[n].sdes.chunks = &chunk;
		items[n++].sdes.chunk_count = 1;
	}
	return send_rtcp(pc, now, items, n, out);
}

/* A packet leaves: its transport-wide number and send time are stamped,
 * the controller counts it, SRTP protects it into the send buffer. */
static bool send_rtp(struct rtc_pc *pc, uint64_t now, struct pc_media_track *mt, uint8_t *clear,
		     size_t len, bool retransmission, int32_t cluster, struct rtc_pc_transmit *out)
{
	struct pc_media *m = pc->media;
	uint16_t tseq = rtc_twcc_sender_on_send(m->twcc_send, now, (uint32_t)(len + WIRE_OVERHEAD),
						cluster, retransmission);
	size_t wire;

	rtc_send_stream_sent(mt->send, now, clear, len, retransmission, tseq);
	rtc_gcc_on_packet_sent(m->gcc, now, (uint32_t)(len + WIRE_OVERHEAD));
	if (rtc_srtp_protect_rtp(m->srtp_out, clear, len, m->tx, sizeof(m->tx), &wire) !=
	    RTC_SRTP_OK)
		return false;
	return pc_send_selected(pc, now, m->tx, wire, out);
}

/* Padding for a probe: on a video stream, RTX when it has it. */
static bool send_padding_packet(struct rtc_pc *pc, uint64_t now, uint32_t size, int32_t cluster,
				struct rtc_pc_transmit *out, size_t *len)
{
	struct pc_media *m = pc->media;
	struct pc_media_track *best = NULL;

	for (size_t i = 0; i < m->n_tracks; i++) {
		struct pc_media_track *mt = &m->tracks[i];

		if (!mt->send || !mt->sending || mt->audio)
			continue;
		if (!best || rtc_send_stream_config(mt->send)->rtx_payload_type >= 0)
			best = mt;
	}
	if (!best)
		return false;
	*len = rtc_send_stream_padding(best->send, now, size, m->clear,
				       sizeof(m->clear) - RTC_SRTP_RTP_ROOM);
	if (!*len)
		return false;
	return send_rtp(pc, now, best, m->clear, *len, true, cluster, out);
}

/* The pacer learns how much of it left: a padding-only packet carries at
 * most 255 bytes of padding, whatever was asked. */
static bool send_padding(struct rtc_pc *pc, uint64_t now, uint32_t size, int32_t cluster,
			 struct rtc_pc_transmit *out)
{
	size_t len = 0;
	bool sent = send_padding_packet(pc, now, size, cluster, out, &len);

	rtc_pacer_padding_sent(pc->media->pacer, size, sent ? (uint32_t)len : 0);
	return sent;
}

static bool poll_pacer(struct rtc_pc *pc, uint64_t now, struct rtc_pc_transmit *out)
{
	struct pc_media *m = pc->media;
	struct rtc_pacer_item item;

	while (rtc_pacer_poll(m->pacer, now, &item)) {
		struct pc_media_packet **slot, *pkt;
		bool sent;

		if (item.kind == RTC_PACER_PADDING) {
			if (send_padding(pc, now, item.size, item.probe_cluster, out))
				return true;
			continue;
		}
		slot = &m->slots[item.handle % PC_MEDIA_PACKET_SLOTS];
		pkt = *slot;
		if (!pkt || pkt->handle != item.handle)
			continue;
		*slot = NULL;
		sent = pkt->track < m->n_tracks && m->tracks[pkt->track].send &&
		       pkt->len <= sizeof(m->clear) - RTC_SRTP_RTP_ROOM;
		if (sent) {
			memcpy(m->clear, pkt->data, pkt->len);
			sent = send_rtp(pc, now, &m->tracks[pkt->track], m->clear, pkt->len,
					pkt->retransmission, item.probe_cluster, out);
		}
		free(pkt);
		if (sent)
			return true;
	}
	return false;
}

static bool any_sending(const struct pc_media *m)
{
	for (size_t i = 0; i < m->n_tracks; i++)
		if (m->tracks[i].send && m->tracks[i].sending)
			return true;
	return false;
}

enum rtc_pc_output_type pc_media_poll(struct rtc_pc *pc, uint64_t now,
				      struct rtc_pc_output *out)
{
	struct pc_media *m = pc->media;
	struct rtc_gcc_event gev;

	if (!m)
		return RTC_PC_OUTPUT_TIMEOUT;
	ensure_keys(pc, now);
	/* Probes and targets once packets can leave (ensure_keys). */
	while (m->srtp_out && rtc_gcc_poll_event(m->gcc, &gev)) {
		if (gev.type == RTC_GCC_PROBE) {
			rtc_pacer_probe(m->pacer, now, &gev.probe);
			continue;
		}
		rtc_pacer_set_rate(m->pacer, now, gev.pacing_bps);
		m->target_bps = gev.target_bps;
		for (size_t i = 0; i < m->n_tracks; i++)
			if (m->tracks[i].send)
				rtc_send_stream_set_retransmission_limit(m->tracks[i].send, now,
									 pc_media_rtx_limit(m->target_bps));
		if (!any_sending(m))
			continue;
		out->type = RTC_PC_OUTPUT_EVENT;
		out->event = (struct rtc_pc_event){ .type = RTC_PC_EVENT_TARGET_BITRATE };
		out->event.media.bitrate = gev.target_bps;
		return out->type;
	}
	for (size_t i = 0; i < m->n_tracks; i++) {
		if (!m->tracks[i].recv ||
		    !rtc_recv_stream_poll_frame(m->tracks[i].recv, now, &out->event.media.frame))
			continue;
		out->type = RTC_PC_OUTPUT_EVENT;
		out->event.type = RTC_PC_EVENT_MEDIA_FRAME;
		out->event.media.transceiver = i;
		return out->type;
	}
	if (!m->srtp_out)
		return RTC_PC_OUTPUT_TIMEOUT;
	if (poll_feedback(pc, now, &out->transmit) || poll_reports(pc, now, &out->transmit) ||
	    poll_pacer(pc, now, &out->transmit))
		return out->type = RTC_PC_OUTPUT_TRANSMIT;
	return RTC_PC_OUTPUT_TIMEOUT;
}

void pc_media_timeouts(struct rtc_pc *pc, uint64_t now)
{
	struct pc_media *m = pc->media;

	if (!m)
		return;
	if (now >= rtc_gcc_deadline(m->gcc))
		rtc_gcc_handle_timeout(m->gcc, now);
	if (m->twcc_recv_started && now >= rtc_twcc_receiver_deadline(m->twcc_recv))
		rtc_twcc_receiver_handle_timeout(m->twcc_recv, now);
	for (size_t i = 0; i < m->n_tracks; i++)
		if (m->tracks[i].recv && now >= rtc_recv_stream_deadline(m->tracks[i].recv))
			rtc_recv_stream_handle_timeout(m->tracks[i].recv, now);
}

uint64_t pc_media_deadline(const struct rtc_pc *pc)
{
	const struct pc_media *m = pc->media;
	uint64_t d, t;

	if (!m)
		return RTC_NEVER;
	d = rtc_gcc_deadline(m->gcc);
	if (m->srtp_out) {
		if (m->next_report < d)
			d = m->next_report;
		if ((t = rtc_pacer_deadline(m->pacer)) < d)
			d = t;
	}
	if (m->twcc_recv_started && (t = rtc_twcc_receiver_deadline(m->twcc_recv)) < d)
		d = t;
	for (size_t i = 0; i < m->n_tracks; i++)
		if (m->tracks[i].recv && (t = rtc_recv_stream_deadline(m->tracks[i].recv)) < d)
			d = t;
	return d;
}
