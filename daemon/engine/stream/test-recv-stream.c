/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The receive stream against the send stream: frames out as they went in
 * (VP8 and H.264, FU-A included), a lost packet NACKed and recovered
 * through RTX, an unrecoverable loss asking for a key frame (PLI, or FIR
 * where only FIR was negotiated), SRs mapping RTP time to the sender's
 * clock, audio through the playout buffer, and what it refuses.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "engine/rtcp/rtt.h"
#include "engine/rtp/rtp.h"
#include "engine/stream/recv-stream.h"
#include "engine/stream/send-stream.h"

#define MS 1000000ull
#define S 1000000000ull

struct pkt {
	uint8_t data[1500];
	size_t len;
};

static struct rtc_send_stream *sender(enum rtc_codec codec, int rtx_pt)
{
	struct rtc_send_stream_config c = {
		.codec = codec, .h264_packetization_mode = 1, .payload_type = 96,
		.rtx_payload_type = rtx_pt, .ssrc = 0x1000, .rtx_ssrc = 0x2000, .mtu = 1200,
		.nack = true, .first_seq = 100, .timestamp_offset = 7,
	};
	struct rtc_send_stream *s = NULL;
	struct rtc_error err;

	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), 0);
	return s;
}

static struct rtc_recv_stream *receiver(enum rtc_codec codec, int rtx_pt, bool pli)
{
	struct rtc_recv_stream_config c = {
		.audio = codec == RTC_CODEC_OPUS, .n_codecs = 1, .ssrc = 0x1000,
		.rtx_ssrc = rtx_pt >= 0 ? 0x2000 : 0, .local_ssrc = 0x3000, .nack = true,
		.pli = pli, .fir = true,
	};
	struct rtc_recv_stream *r = NULL;
	struct rtc_error err;

	c.codecs[0] = (struct rtc_recv_stream_codec){ .payload_type = 96, .codec = codec,
						      .rtx_payload_type = rtx_pt };
	CHECK_INTEQ(rtc_recv_stream_new(&c, &r, &err), 0);
	return r;
}

/* Everything the sender has, sent at now. */
static size_t drain(struct rtc_send_stream *s, uint64_t now, struct pkt *out, size_t max)
{
	struct rtc_send_packet p;
	size_t n = 0;

	while (rtc_send_stream_poll_packet(s, &p)) {
		CHECK(n < max);
		if (n >= max)
			continue;
		memcpy(out[n].data, p.data, p.len);
		out[n].len = p.len;
		rtc_send_stream_sent(s, now, out[n].data, p.len, p.retransmission, 0);
		n++;
	}
	return n;
}

static void deliver(struct rtc_recv_stream *r, uint64_t now, struct pkt *p)
{
	struct rtc_rtp_packet parsed;
	struct rtc_error err;

	CHECK_INTEQ(rtc_rtp_parse(p->data, p->len, &parsed, &err), 0);
	CHECK(rtc_recv_stream_accepts(r, parsed.h.ssrc, parsed.h.payload_type));
	CHECK_INTEQ(rtc_recv_stream_handle_rtp(r, now, p->data, p->len, &parsed, &err), 0);
}

static void fill(uint8_t *f, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed * 13 + i * 7) | 1;
}

static void test_vp8_nack_rtx(void)
{
	struct rtc_send_stream *s = sender(RTC_CODEC_VP8, 97);
	struct rtc_recv_stream *r = receiver(RTC_CODEC_VP8, 97, true);
	static uint8_t frame[3000];
	static struct pkt pk[8], re[8];
	struct rtc_recv_frame f;
	struct rtc_rtcp_item item;
	struct rtc_error err;
	uint64_t now = S;
	size_t n;

	fill(frame, sizeof(frame), 1);
	frame[0] = 0x10;        /* key */
	rtc_send_stream_frame(s, now, frame, sizeof(frame), -1, &err);
	n = drain(s, now, pk, 8);
	CHECK_INTEQ(n, 3);
	/* The middle packet is lost. */
	deliver(r, now + 10 * MS, &pk[0]);
	deliver(r, now + 11 * MS, &pk[2]);
	CHECK(!rtc_recv_stream_poll_frame(r, now + 11 * MS, &f));
	/* After the reorder wait, a NACK for it. */
	now += 30 * MS;
	rtc_recv_stream_handle_timeout(r, now);
	CHECK(rtc_recv_stream_poll_feedback(r, now, &item));
	CHECK_INTEQ(item.type, RTC_RTCP_NACK);
	CHECK_INTEQ(item.nack.media_ssrc, 0x1000);
	CHECK_INTEQ(item.nack.sender_ssrc, 0x3000);
	CHECK_INTEQ(item.nack.seq_count, 1);
	CHECK_INTEQ(item.nack.seqs[0], 101);
	rtc_send_stream_handle_nack(s, now, item.nack.seqs, item.nack.seq_count);
	CHECK_INTEQ(drain(s, now, re, 8), 1);
	deliver(r, now + 10 * MS, &re[0]);
	CHECK(rtc_recv_stream_poll_frame(r, now + 10 * MS, &f));
	CHECK_INTEQ(f.len, sizeof(frame));
	CHECK(!memcmp(f.data, frame, sizeof(frame)));
	CHECK(f.key_frame);
	CHECK_INTEQ(f.rtp_timestamp, 7 + 90000);
	CHECK(!f.has_capture_ntp);
	CHECK_INTEQ(f.first_arrival, S + 10 * MS);
	{
		struct rtc_recv_stream_stats st;

		rtc_recv_stream_stats(r, &st);
		CHECK_INTEQ(st.packets_received, 3);
		CHECK_INTEQ(st.packets_lost, 0);
		CHECK_INTEQ(st.retransmitted_packets_received, 1);
		CHECK_INTEQ(st.nack_count, 1);
		CHECK_INTEQ(st.frames_received, 1);
		CHECK_INTEQ(st.key_frames_decoded, 1);
		/* First packet at +10 ms, the retransmission and release at
		 * +40 ms: 30 ms in the buffer, 30 ms assembling. */
		CHECK_INTEQ(st.jitter_buffer_emitted_count, 1);
		CHECK(fabs(st.jitter_buffer_delay - 0.030) < 1e-9);
		CHECK(st.jitter_buffer_target_delay == 0);
		CHECK_INTEQ(st.frames_assembled_from_multiple_packets, 1);
		CHECK(fabs(st.total_assembly_time - 0.030) < 1e-9);
	}
	rtc_send_stream_free(s);
	rtc_recv_stream_free(r);
}

static void test_h264_frames(void)
{
	struct rtc_send_stream *s = sender(RTC_CODEC_H264, -1);
	struct rtc_recv_stream *r = receiver(RTC_CODEC_H264, -1, true);
	static uint8_t frame[4000];
	static struct pkt pk[16];
	struct rtc_recv_frame f;
	struct rtc_error err;
	static const uint8_t head[] = { 0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f,
					0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,
					0, 0, 0, 1, 0x65, 0x88 };
	size_t n;

	/* SPS, PPS (a STAP-A) and an IDR slice in FU-As. */
	fill(frame, sizeof(frame), 2);
	memcpy(frame, head, sizeof(head));
	CHECK_INTEQ(rtc_send_stream_frame(s, S, frame, sizeof(frame), -1, &err), 0);
	n = drain(s, S, pk, 16);
	CHECK(n >= 4);
	/* Reordered: the last first. */
	deliver(r, S + 1 * MS, &pk[n - 1]);
	for (size_t i = 0; i + 1 < n; i++)
		deliver(r, S + 2 * MS, &pk[i]);
	CHECK(rtc_recv_stream_poll_frame(r, S + 2 * MS, &f));
	CHECK_INTEQ(f.len, sizeof(frame));
	CHECK(!memcmp(f.data, frame, sizeof(frame)));
	CHECK(f.key_frame);
	rtc_send_stream_free(s);
	rtc_recv_stream_free(r);
}

static void test_key_frame_request(void)
{
	struct rtc_send_stream *s = sender(RTC_CODEC_VP8, -1);
	struct rtc_recv_stream *r = receiver(RTC_CODEC_VP8, -1, false);
	static uint8_t frame[3000];
	static struct pkt pk[8];
	struct rtc_recv_frame f;
	struct rtc_rtcp_item item;
	struct rtc_error err;
	uint64_t now = S;
	bool fir = false;

	fill(frame, sizeof(frame), 3);
	frame[0] = 0x10;
	rtc_send_stream_frame(s, now, frame, sizeof(frame), -1, &err);
	drain(s, now, pk, 8);
	/* The first packet never comes, nor its retransmissions. */
	deliver(r, now, &pk[1]);
	deliver(r, now, &pk[2]);
	for (int step = 0; step < 300 && !fir; step++) {
		now += 10 * MS;
		rtc_recv_stream_handle_timeout(r, now);
		while (rtc_recv_stream_poll_feedback(r, now, &item))
			if (item.type == RTC_RTCP_FIR) {
				fir = true;
				CHECK_INTEQ(item.fir.entry_count, 1);
				CHECK_INTEQ(item.fir.entries[0].ssrc, 0x1000);
			}
		CHECK(!rtc_recv_stream_poll_frame(r, now, &f));
	}
	/* Only FIR was negotiated: FIR it is. */
	CHECK(fir);
	rtc_send_stream_free(s);
	rtc_recv_stream_free(r);
}

static void test_sender_report_sync(void)
{
	struct rtc_send_stream *s = sender(RTC_CODEC_VP8, -1);
	struct rtc_recv_stream *r = receiver(RTC_CODEC_VP8, -1, true);
	static uint8_t frame[500];
	static struct pkt pk[4];
	struct rtc_recv_frame f;
	struct rtc_rtcp_sr sr;
	struct rtc_error err;

	fill(frame, sizeof(frame), 4);
	frame[0] = 0x10;
	rtc_send_stream_frame(s, 2 * S, frame, sizeof(frame), -1, &err);
	drain(s, 2 * S, pk, 4);
	CHECK(rtc_send_stream_sender_report(s, 3 * S, &sr));
	rtc_recv_stream_handle_sr(r, 3 * S + 20 * MS, &sr);
	deliver(r, 3 * S + 30 * MS, &pk[0]);
	CHECK(rtc_recv_stream_poll_frame(r, 3 * S + 30 * MS, &f));
	/* Captured at 2 s of the sender's clock, its SRs say. */
	CHECK(f.has_capture_ntp);
	CHECK(f.capture_ntp == rtc_rtcp_ntp_from_ns(2 * S) ||
	      rtc_rtcp_ntp_to_ns(f.capture_ntp) / 1000 == 2 * S / 1000);
	rtc_send_stream_free(s);
	rtc_recv_stream_free(r);
}

static void test_audio(void)
{
	struct rtc_send_stream_config sc = {
		.codec = RTC_CODEC_OPUS, .payload_type = 96, .rtx_payload_type = -1,
		.ssrc = 0x1000, .mtu = 1200,
	};
	struct rtc_send_stream *s;
	struct rtc_recv_stream *r = receiver(RTC_CODEC_OPUS, -1, false);
	uint8_t opus[60] = { 9 << 3 };
	static struct pkt pk[4];
	struct rtc_recv_frame f;
	struct rtc_error err;
	unsigned got = 0, gaps = 0;

	CHECK_INTEQ(rtc_send_stream_new(&sc, &s, &err), 0);
	for (unsigned i = 0; i < 50; i++) {
		uint64_t t = S + i * 20 * MS;

		opus[1] = (uint8_t)i;
		rtc_send_stream_frame(s, t, opus, sizeof(opus), -1, &err);
		CHECK_INTEQ(drain(s, t, pk, 4), 1);
		if (i != 20)    /* one lost */
			deliver(r, t + 30 * MS, &pk[0]);
		for (uint64_t at = t; at < t + 20 * MS; at += 5 * MS)
			while (rtc_recv_stream_poll_frame(r, at, &f)) {
				CHECK_INTEQ(f.codec, RTC_CODEC_OPUS);
				if (!f.data) {
					gaps++;
					continue;
				}
				CHECK_INTEQ(f.len, sizeof(opus));
				got++;
			}
	}
	for (uint64_t at = S + 1000 * MS; at < S + 1500 * MS; at += 5 * MS)
		while (rtc_recv_stream_poll_frame(r, at, &f))
			f.data ? got++ : gaps++;
	printf("# audio: %u frames, %u gaps\n", got, gaps);
	CHECK_INTEQ(got, 49);
	CHECK(gaps >= 1);
	rtc_send_stream_free(s);
	rtc_recv_stream_free(r);
}

/* A lost audio packet's gap says how long it is and carries the packet
 * after it (for Opus FEC); a gap with nothing after it carries nothing. */
static void test_audio_gap_fec(void)
{
	struct rtc_send_stream_config sc = {
		.codec = RTC_CODEC_OPUS, .payload_type = 96, .rtx_payload_type = -1,
		.ssrc = 0x1000, .mtu = 1200,
	};
	struct rtc_send_stream *s;
	struct rtc_recv_stream *r = receiver(RTC_CODEC_OPUS, -1, false);
	uint8_t opus[40] = { 9 << 3 };          /* SILK 20 ms: 960 samples */
	static struct pkt pk[4];
	struct rtc_recv_frame f;
	struct rtc_error err;
	unsigned frames = 0, gaps = 0, gaps_with_fec = 0, last_gap_samples = 0;

	CHECK_INTEQ(rtc_send_stream_new(&sc, &s, &err), 0);
	for (unsigned i = 0; i < 40; i++) {
		uint64_t t = S + i * 20 * MS;

		opus[1] = (uint8_t)i;
		rtc_send_stream_frame(s, t, opus, sizeof(opus), -1, &err);
		CHECK_INTEQ(drain(s, t, pk, 4), 1);
		if (i != 20)
			deliver(r, t + 30 * MS, &pk[0]);
		for (uint64_t at = t; at < t + 20 * MS; at += 5 * MS)
			while (rtc_recv_stream_poll_frame(r, at, &f)) {
				CHECK_INTEQ(f.samples, 960);
				if (f.data) {
					frames++;
					CHECK(!f.fec);
					CHECK_INTEQ(f.fec_len, 0);
					continue;
				}
				gaps++;
				last_gap_samples = f.samples;
				if (!f.fec)
					continue;
				/* Only the lost packet's gap has one: the next packet. */
				gaps_with_fec++;
				CHECK_INTEQ(f.fec_len, sizeof(opus));
				CHECK_INTEQ(f.fec[1], 21);
			}
	}
	CHECK_INTEQ(gaps_with_fec, 1);
	CHECK(gaps >= 1);
	CHECK_INTEQ(last_gap_samples, 960);
	CHECK(frames >= 30);
	rtc_send_stream_free(s);
	rtc_recv_stream_free(r);
}

static void test_refused(void)
{
	struct rtc_recv_stream *r = receiver(RTC_CODEC_VP8, 97, true);
	struct rtc_recv_stream_config none = { .n_codecs = 0 };
	struct rtc_recv_stream *x = NULL;
	/* PT 96, SSRC 1: not this stream's. */
	uint8_t stranger[] = { 0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x10, 0x00 };
	/* Ours, but its VP8 descriptor says X and ends there. */
	uint8_t truncated[] = { 0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0x10, 0x00, 0x80 };
	struct rtc_recv_stream_stats st;
	struct rtc_rtp_packet parsed;
	struct rtc_error err;

	CHECK_INTEQ(rtc_recv_stream_new(&none, &x, &err), -1);
	CHECK(!rtc_recv_stream_accepts(r, 0x1000, 98));
	CHECK(!rtc_recv_stream_accepts(r, 0x9999, 96));
	CHECK(rtc_recv_stream_accepts(r, 0x2000, 97));
	CHECK_INTEQ(rtc_rtp_parse(stranger, sizeof(stranger), &parsed, &err), 0);
	CHECK_INTEQ(rtc_recv_stream_handle_rtp(r, S, stranger, sizeof(stranger), &parsed, &err),
		    -1);
	CHECK_INTEQ(rtc_rtp_parse(truncated, sizeof(truncated), &parsed, &err), 0);
	CHECK_INTEQ(rtc_recv_stream_handle_rtp(r, S, truncated, sizeof(truncated), &parsed, &err),
		    -1);
	rtc_recv_stream_stats(r, &st);
	CHECK_INTEQ(st.frames_received, 0);
	rtc_recv_stream_free(r);
}

/* The decoder asks for a key frame before anything arrived: nothing to
 * send yet, and no timer due now over and over (a busy loop); the PLI
 * goes once the sender is known. */
static void test_key_frame_request_before_packets(void)
{
	struct rtc_send_stream *s = sender(RTC_CODEC_VP8, -1);
	struct rtc_recv_stream *r = receiver(RTC_CODEC_VP8, -1, true);
	static uint8_t frame[500];
	static struct pkt pk[4];
	struct rtc_rtcp_item item;
	struct rtc_error err;

	rtc_recv_stream_request_key_frame(r);
	CHECK(rtc_recv_stream_deadline(r) > S);
	CHECK(!rtc_recv_stream_poll_feedback(r, S, &item));
	fill(frame, sizeof(frame), 5);
	frame[0] = 0x11;
	rtc_send_stream_frame(s, S, frame, sizeof(frame), -1, &err);
	drain(s, S, pk, 4);
	deliver(r, S, &pk[0]);
	CHECK(rtc_recv_stream_poll_feedback(r, S, &item));
	CHECK_INTEQ(item.type, RTC_RTCP_PLI);
	rtc_send_stream_free(s);
	rtc_recv_stream_free(r);
}

int main(void)
{
	RUN(test_vp8_nack_rtx);
	RUN(test_h264_frames);
	RUN(test_key_frame_request);
	RUN(test_sender_report_sync);
	RUN(test_audio);
	RUN(test_audio_gap_fec);
	RUN(test_refused);
	RUN(test_key_frame_request_before_packets);
	return rtc_test_done();
}
