/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The send stream: a frame becomes packets with the right headers and
 * extensions, the two stamped at sending, NACKs answered from the history
 * (RFC 4588 RTX or as sent), sender reports, report blocks giving the
 * round trip, and key frame requests.
 */
#include <string.h>

#include "check.h"
#include "engine/rtcp/rtt.h"
#include "engine/rtp/rtp-ext.h"
#include "engine/rtp/rtp.h"
#include "engine/stream/send-stream.h"

#define MS 1000000ull
#define S 1000000000ull

static struct rtc_send_stream_config video_config(void)
{
	struct rtc_send_stream_config c = {
		.codec = RTC_CODEC_VP8, .payload_type = 96, .rtx_payload_type = 97,
		.ssrc = 0x11111111, .rtx_ssrc = 0x22222222,
		.ext_mid = 1, .ext_abs_send_time = 2, .ext_transport_cc = 3,
		.mtu = 1200, .nack = true, .first_seq = 65530, .timestamp_offset = 1000,
	};
	strcpy(c.mid, "v0");
	return c;
}

struct sent {
	uint8_t data[1500];
	size_t len;
	bool retransmission;
};

/* Drains the stream as a pacer would, each packet sent at now. */
static size_t drain(struct rtc_send_stream *s, uint64_t now, struct sent *out, size_t max,
		    uint16_t *twcc)
{
	struct rtc_send_packet p;
	size_t n = 0;

	while (rtc_send_stream_poll_packet(s, &p)) {
		if (n < max) {
			memcpy(out[n].data, p.data, p.len);
			out[n].len = p.len;
			out[n].retransmission = p.retransmission;
			rtc_send_stream_sent(s, now, out[n].data, p.len, p.retransmission,
					     (*twcc)++);
		}
		n++;
	}
	return n;
}

static void vp8_frame(uint8_t *f, size_t len, bool key)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	f[0] = key ? 0x10 : 0x11;
}

static void test_frame_to_packets(void)
{
	struct rtc_send_stream_config c = video_config();
	struct rtc_send_stream *s;
	struct rtc_error err;
	static uint8_t frame[3000];
	static struct sent pk[8];
	uint16_t twcc = 0x1230;
	size_t n, total = 0;

	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), 0);
	vp8_frame(frame, sizeof(frame), true);
	CHECK_INTEQ(rtc_send_stream_frame(s, 2 * S, frame, sizeof(frame), -1, &err), 0);
	n = drain(s, 2 * S + 5 * MS, pk, 8, &twcc);
	CHECK_INTEQ(n, 3);
	for (size_t i = 0; i < n && i < 8; i++) {
		struct rtc_rtp_packet p;
		struct rtc_rtp_ext e;
		const char *mid;
		size_t mid_len;
		uint32_t ast;
		uint16_t tseq;

		CHECK(pk[i].len <= 1200);
		CHECK_INTEQ(rtc_rtp_parse(pk[i].data, pk[i].len, &p, &err), 0);
		CHECK_INTEQ(p.h.ssrc, 0x11111111);
		CHECK_INTEQ(p.h.payload_type, 96);
		/* 65530, 65531, 65532: the first sequence number as configured. */
		CHECK_INTEQ(p.h.seq, (uint16_t)(65530 + i));
		/* 2 s of the 90 kHz clock after the offset. */
		CHECK_INTEQ(p.h.timestamp, 1000 + 180000);
		CHECK_INTEQ(p.h.marker, i == n - 1);
		CHECK(rtc_rtp_ext_find(&p, 1, &e));
		CHECK_INTEQ(rtc_rtp_ext_get_mid(&e, &mid, &mid_len, &err), 0);
		CHECK_INTEQ(mid_len, 2);
		CHECK(!memcmp(mid, "v0", 2));
		CHECK(rtc_rtp_ext_find(&p, 2, &e));
		CHECK_INTEQ(rtc_rtp_ext_get_abs_send_time(&e, &ast, &err), 0);
		CHECK_INTEQ(ast, rtc_rtp_abs_send_time_from_ns(2 * S + 5 * MS));
		CHECK(rtc_rtp_ext_find(&p, 3, &e));
		CHECK_INTEQ(rtc_rtp_ext_get_transport_cc(&e, &tseq, &err), 0);
		CHECK_INTEQ(tseq, 0x1230 + i);
		total += p.payload_len - 4; /* VP8 descriptor: X, I and a 15-bit picture id */
	}
	CHECK_INTEQ(total, sizeof(frame));
	CHECK_INTEQ(rtc_send_stream_stats(s)->frames_encoded, 1);
	CHECK_INTEQ(rtc_send_stream_stats(s)->key_frames_encoded, 1);
	CHECK_INTEQ(rtc_send_stream_stats(s)->packets_sent, 3);
	rtc_send_stream_free(s);
}

static void test_nack_rtx(void)
{
	struct rtc_send_stream_config c = video_config();
	struct rtc_send_stream *s;
	struct rtc_error err;
	static uint8_t frame[3000];
	static struct sent pk[8], re[8];
	uint16_t twcc = 0, nack[2] = { 65531, 7 };
	struct rtc_rtp_packet orig, rtx;

	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), 0);
	vp8_frame(frame, sizeof(frame), false);
	rtc_send_stream_frame(s, 0, frame, sizeof(frame), -1, &err);
	CHECK_INTEQ(drain(s, 1 * MS, pk, 8, &twcc), 3);

	/* 65531 is in the history, 7 never was. */
	rtc_send_stream_handle_nack(s, 20 * MS, nack, 2);
	CHECK_INTEQ(drain(s, 21 * MS, re, 8, &twcc), 1);
	CHECK(re[0].retransmission);
	CHECK_INTEQ(rtc_rtp_parse(pk[1].data, pk[1].len, &orig, &err), 0);
	CHECK_INTEQ(rtc_rtp_parse(re[0].data, re[0].len, &rtx, &err), 0);
	CHECK_INTEQ(rtx.h.ssrc, 0x22222222);
	CHECK_INTEQ(rtx.h.payload_type, 97);
	CHECK_INTEQ(rtx.h.timestamp, orig.h.timestamp);
	/* RFC 4588: OSN, then the original payload. */
	CHECK_INTEQ(rtx.payload_len, orig.payload_len + 2);
	CHECK_INTEQ((rtx.payload[0] << 8) | rtx.payload[1], 65531);
	CHECK(!memcmp(rtx.payload + 2, orig.payload, orig.payload_len));
	CHECK_INTEQ(rtc_send_stream_stats(s)->retransmitted_packets_sent, 1);
	CHECK_INTEQ(rtc_send_stream_stats(s)->nack_count, 1);

	/* Asked again within the (default) round trip: not resent. */
	rtc_send_stream_handle_nack(s, 22 * MS, nack, 1);
	CHECK_INTEQ(drain(s, 22 * MS, re, 8, &twcc), 0);
	rtc_send_stream_free(s);

	/* Without RTX: the packet as it was. */
	c.rtx_payload_type = -1;
	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), 0);
	rtc_send_stream_frame(s, 0, frame, sizeof(frame), -1, &err);
	CHECK_INTEQ(drain(s, 1 * MS, pk, 8, &twcc), 3);
	rtc_send_stream_handle_nack(s, 20 * MS, nack, 1);
	CHECK_INTEQ(drain(s, 20 * MS, re, 8, &twcc), 1);
	CHECK_INTEQ(rtc_rtp_parse(re[0].data, re[0].len, &rtx, &err), 0);
	CHECK_INTEQ(rtx.h.ssrc, 0x11111111);
	CHECK_INTEQ(rtx.h.seq, 65531);
	CHECK_INTEQ(rtx.payload_len, orig.payload_len);
	rtc_send_stream_free(s);
}

/* With a limit, NACKs get at most a second's worth of it at once, then
 * what it refills: a storm of NACKs does not become a storm of resends. */
static void test_retransmission_limit(void)
{
	struct rtc_send_stream_config c = video_config();
	struct rtc_send_stream *s;
	struct rtc_error err;
	static uint8_t frame[1100];
	static struct sent pk[4], re[64];
	uint16_t twcc = 0, seqs[40];
	size_t n, bytes = 0;

	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), 0);
	vp8_frame(frame, sizeof(frame), false);
	for (int i = 0; i < 40; i++) {
		rtc_send_stream_frame(s, (uint64_t)i * 10 * MS, frame, sizeof(frame), -1, &err);
		CHECK_INTEQ(drain(s, (uint64_t)i * 10 * MS, pk, 4, &twcc), 1);
		seqs[i] = (uint16_t)(c.first_seq + i);
	}
	/* 80 kbit/s: 10000 bytes a second, about 8 of these 1100-byte packets. */
	rtc_send_stream_set_retransmission_limit(s, 400 * MS, 80000);
	rtc_send_stream_handle_nack(s, 400 * MS, seqs, 40);
	n = drain(s, 400 * MS, re, 64, &twcc);
	for (size_t i = 0; i < n && i < 64; i++)
		bytes += re[i].len;
	printf("# 40 asked for, %zu resent (%zu bytes) at 80 kbit/s\n", n, bytes);
	CHECK(n >= 7 && n <= 9);
	CHECK(bytes <= 10000 + 100);
	CHECK_INTEQ(rtc_send_stream_stats(s)->retransmissions_over_limit, 40 - n);
	/* Half a second later half the budget is back: four or five more. */
	rtc_send_stream_handle_nack(s, 900 * MS, seqs, 40 - n);
	n = drain(s, 900 * MS, re, 64, &twcc);
	CHECK(n >= 4 && n <= 5);
	/* No limit: everything still in the history (a second). */
	rtc_send_stream_set_retransmission_limit(s, 1000 * MS, 0);
	rtc_send_stream_handle_nack(s, 1000 * MS, seqs, 40);
	CHECK_INTEQ(drain(s, 1000 * MS, re, 64, &twcc), 40);
	rtc_send_stream_free(s);
}

static void test_sender_report_and_rtt(void)
{
	struct rtc_send_stream_config c = video_config();
	struct rtc_send_stream *s;
	struct rtc_error err;
	static uint8_t frame[500];
	static struct sent pk[4];
	uint16_t twcc = 0;
	struct rtc_rtcp_sr sr;
	struct rtc_rtcp_report_block b = { .ssrc = 0x11111111, .fraction_lost = 64,
					   .cumulative_lost = 3, .jitter = 900 };
	const struct rtc_send_stream_stats *st;

	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), 0);
	CHECK(!rtc_send_stream_sender_report(s, S, &sr));
	vp8_frame(frame, sizeof(frame), true);
	rtc_send_stream_frame(s, S, frame, sizeof(frame), -1, &err);
	CHECK_INTEQ(drain(s, S, pk, 4, &twcc), 1);
	CHECK(rtc_send_stream_sender_report(s, 3 * S, &sr));
	CHECK_INTEQ(sr.ssrc, 0x11111111);
	CHECK_INTEQ(sr.packet_count, 1);
	CHECK_INTEQ(sr.octet_count, 500 + 4);
	CHECK_INTEQ(sr.rtp_ts, 1000 + 3 * 90000);
	CHECK_INTEQ(sr.ntp, rtc_rtcp_ntp_from_ns(3 * S));

	/* The peer held our SR 50 ms; its report arrives 150 ms after the
	 * SR left: a 100 ms round trip. */
	b.lsr = rtc_rtcp_ntp_short(sr.ntp);
	b.dlsr = rtc_rtcp_short_from_ns(50 * MS);
	rtc_send_stream_handle_report(s, 3 * S + 150 * MS, rtc_rtcp_ntp_from_ns(3 * S + 150 * MS),
				      &b);
	st = rtc_send_stream_stats(s);
	CHECK(st->has_remote_report);
	CHECK(rtc_send_stream_rtt(s) > 99 * MS && rtc_send_stream_rtt(s) < 101 * MS);
	CHECK_INTEQ(st->round_trip_time_measurements, 1);
	CHECK_INTEQ(st->remote_packets_lost, 3);
	CHECK(st->remote_fraction_lost == 0.25);
	CHECK(st->remote_jitter > 0.0099 && st->remote_jitter < 0.0101);
	rtc_send_stream_free(s);
}

static void test_key_frame_requests(void)
{
	struct rtc_send_stream_config c = video_config();
	struct rtc_send_stream *s;
	struct rtc_error err;

	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), 0);
	CHECK(rtc_send_stream_handle_pli(s));
	CHECK(rtc_send_stream_handle_fir(s, 4));
	/* The same FIR again: a repeat, not a new request. */
	CHECK(!rtc_send_stream_handle_fir(s, 4));
	CHECK(rtc_send_stream_handle_fir(s, 5));
	CHECK_INTEQ(rtc_send_stream_stats(s)->pli_count, 1);
	CHECK_INTEQ(rtc_send_stream_stats(s)->fir_count, 2);
	rtc_send_stream_free(s);
}

/* An Opus packet: TOC config 9 (SILK WB 20 ms), code 0, one frame. */
static void test_opus(void)
{
	struct rtc_send_stream_config c = {
		.codec = RTC_CODEC_OPUS, .payload_type = 111, .rtx_payload_type = -1,
		.ssrc = 5, .ext_audio_level = 4, .mtu = 1200, .timestamp_offset = 0,
	};
	struct rtc_send_stream *s;
	struct rtc_error err;
	uint8_t pkt[80] = { 9 << 3 };
	static struct sent pk[4];
	uint16_t twcc = 0;
	struct rtc_rtp_packet p;
	struct rtc_rtp_ext e;
	bool voice;
	uint8_t level;

	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), 0);
	CHECK_INTEQ(rtc_send_stream_frame(s, 20 * MS, pkt, sizeof(pkt), 30, &err), 0);
	CHECK_INTEQ(rtc_send_stream_frame(s, 40 * MS, pkt, sizeof(pkt), 127, &err), 0);
	CHECK_INTEQ(drain(s, 40 * MS, pk, 4, &twcc), 2);
	CHECK_INTEQ(rtc_rtp_parse(pk[0].data, pk[0].len, &p, &err), 0);
	CHECK(p.h.marker);              /* the talkspurt starts */
	CHECK_INTEQ(p.h.timestamp, 960);
	CHECK(rtc_rtp_ext_find(&p, 4, &e));
	CHECK_INTEQ(rtc_rtp_ext_get_audio_level(&e, &voice, &level, &err), 0);
	CHECK(voice);
	CHECK_INTEQ(level, 30);
	CHECK_INTEQ(rtc_rtp_parse(pk[1].data, pk[1].len, &p, &err), 0);
	CHECK(!p.h.marker);
	CHECK_INTEQ(p.h.timestamp, 1920);
	CHECK(rtc_rtp_ext_find(&p, 4, &e));
	CHECK_INTEQ(rtc_rtp_ext_get_audio_level(&e, &voice, &level, &err), 0);
	CHECK(!voice);
	CHECK(!rtc_send_stream_handle_pli(s));
	/* Not Opus: refused, nothing queued. */
	CHECK_INTEQ(rtc_send_stream_frame(s, 60 * MS, (const uint8_t *)"", 0, -1, &err), -1);
	CHECK_INTEQ(drain(s, 60 * MS, pk, 4, &twcc), 0);
	rtc_send_stream_free(s);
}

static void test_bad_config(void)
{
	struct rtc_send_stream_config c = video_config();
	struct rtc_send_stream *s = NULL;
	struct rtc_error err;

	c.mtu = 30;
	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	c = video_config();
	c.codec = RTC_CODEC_NONE;
	CHECK_INTEQ(rtc_send_stream_new(&c, &s, &err), -1);
}

int main(void)
{
	RUN(test_frame_to_packets);
	RUN(test_nack_rtx);
	RUN(test_retransmission_limit);
	RUN(test_sender_report_and_rtt);
	RUN(test_key_frame_requests);
	RUN(test_opus);
	RUN(test_bad_config);
	return rtc_test_done();
}
