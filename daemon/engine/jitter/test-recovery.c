/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loss recovery end to end, on one fake clock: a VP8 sender (packetizer,
 * RTP, the RTX cache and responder, RFC 4588 wrapping) and a receiver
 * (sequence unwrapping, RTX unwrapping, the VP8 depacketizer, the NACK
 * generator, the video jitter buffer) over a link with 10 ms each way
 * that drops the packets a test names. A packet lost once comes back by
 * RTX and its frame is released whole; a packet lost for good ends in a
 * key frame request, answered, after which frames flow again.
 */
#include <string.h>

#include "check.h"
#include "engine/base/sansio.h"
#include "engine/jitter/nack.h"
#include "engine/jitter/rtx.h"
#include "engine/jitter/video-jitter.h"
#include "engine/packetize/vp8.h"
#include "engine/rtp/rtp.h"
#include "engine/rtp/rtp-seq.h"

#define MS 1000000ull
#define DELAY (10 * MS)
#define MEDIA_SSRC 0x11111111u
#define RTX_SSRC 0x22222222u
#define MEDIA_PT 96
#define RTX_PT 97
#define MAX_FLIGHT 256

struct flight {
	uint64_t at;
	size_t len;
	uint8_t data[1300];
};

static struct {
	/* sender */
	struct rtc_vp8_packetizer vp8;
	struct rtc_rtx_cache *cache;
	struct rtc_rtx_stream rtx;
	uint16_t seq;
	unsigned frames_sent;
	bool key_wanted;
	/* link: media and RTX to the receiver, NACKs and PLIs back */
	struct flight fwd[MAX_FLIGHT];
	size_t nfwd;
	struct { uint64_t at; uint16_t seqs[64]; size_t n; bool pli; } back[64];
	size_t nback;
	uint16_t drop_media[8];          /* media seqs dropped on their first sending */
	size_t ndrop;
	bool drop_retransmissions;       /* and RTX of them, every time */
	/* receiver */
	struct rtc_rtp_seq rseq;
	struct rtc_rtx_apt_map apt;
	struct rtc_nack nack;
	struct rtc_video_jitter *vj;
	unsigned frames_released, frames_mismatched, key_requests;
	uint64_t now;
} w;

/* Frame n's bytes: a VP8 payload header whose P bit says key or delta. */
static size_t frame_bytes(unsigned n, bool key, uint8_t *buf)
{
	size_t len = key ? 3000 : 1500 + n % 7;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(n * 29 + i * 7);
	buf[0] = key ? 0x10 : 0x11;
	buf[1] = (uint8_t)n;
	return len;
}

static bool dropped(uint16_t seq)
{
	for (size_t i = 0; i < w.ndrop; i++)
		if (w.drop_media[i] == seq)
			return true;
	return false;
}

static void send_fwd(const uint8_t *pkt, size_t len)
{
	struct flight *f;

	if (w.nfwd == MAX_FLIGHT)
		return;
	f = &w.fwd[w.nfwd++];
	f->at = w.now + DELAY;
	f->len = len;
	memcpy(f->data, pkt, len);
}

static void send_frame(uint32_t ts)
{
	static uint8_t frame[4000], buf[8000];
	static struct rtc_frame_payload slots[16];
	struct rtc_frame_payloads out = {
		.buf = buf, .cap = sizeof(buf), .slots = slots, .max_slots = 16,
		.headroom = RTC_RTP_HEADER_SIZE, .mtu = 1200,
	};
	bool key = w.frames_sent == 0 || w.key_wanted;
	size_t len = frame_bytes(w.frames_sent, key, frame);

	w.key_wanted = false;
	CHECK_INTEQ(rtc_vp8_packetize(&w.vp8, frame, len, &out, NULL), 0);
	for (size_t i = 0; i < out.count; i++) {
		struct rtc_rtp_header h = {
			.marker = slots[i].marker, .payload_type = MEDIA_PT, .seq = w.seq++,
			.timestamp = ts, .ssrc = MEDIA_SSRC,
		};
		uint8_t *pkt = buf + slots[i].offset - RTC_RTP_HEADER_SIZE;
		long hlen = rtc_rtp_write_header(&h, NULL, pkt, RTC_RTP_HEADER_SIZE, NULL);

		CHECK_INTEQ(hlen, RTC_RTP_HEADER_SIZE);
		len = RTC_RTP_HEADER_SIZE + slots[i].len;
		rtc_rtx_cache_put(w.cache, w.now, pkt, len, NULL);
		if (!dropped(h.seq))
			send_fwd(pkt, len);
	}
	w.frames_sent++;
}

/* The sender gets a NACK or a PLI. */
static void sender_feedback(const uint16_t *seqs, size_t n, bool pli)
{
	struct rtc_rtx_resend resend[64];
	uint8_t pkt[1400];
	size_t k;

	if (pli) {
		w.key_wanted = true;
		return;
	}
	k = rtc_rtx_respond(w.cache, w.now, 2 * DELAY, seqs, n, resend, 64);
	for (size_t i = 0; i < k; i++) {
		long len = rtc_rtx_wrap(&w.rtx, resend[i].pkt, resend[i].len, NULL, pkt,
					sizeof(pkt), NULL);

		CHECK(len > 0);
		if (len > 0 && !w.drop_retransmissions)
			send_fwd(pkt, (size_t)len);
	}
}

static void receive(uint8_t *pkt, size_t len)
{
	struct rtc_rtp_packet p;
	struct rtc_vp8_depacketized d;
	bool rtx = false;
	uint64_t ext;

	CHECK_INTEQ(rtc_rtp_parse(pkt, len, &p, NULL), 0);
	if (p.h.payload_type == RTX_PT) {
		long n = rtc_rtx_unwrap(&w.apt, MEDIA_SSRC, pkt, len, pkt, len, NULL);

		CHECK(n > 0);
		CHECK_INTEQ(rtc_rtp_parse(pkt, (size_t)n, &p, NULL), 0);
		rtx = true;
	}
	enum rtc_rtp_seq_result r = rtc_rtp_seq_update(&w.rseq, p.h.seq, &ext);
	CHECK(r == RTC_RTP_SEQ_NEW || r == RTC_RTP_SEQ_LATE);
	rtc_nack_handle_packet(&w.nack, w.now, ext, rtx);
	CHECK_INTEQ(rtc_vp8_depacketize(p.payload, p.payload_len, p.h.marker, &d, NULL), 0);
	struct rtc_video_packet v = {
		.seq = ext, .timestamp = p.h.timestamp, .marker = d.frame_end,
		.frame_start = d.frame_start, .key_frame = d.key_frame, .retransmitted = rtx,
		.payload = d.data, .len = d.len,
	};
	rtc_video_jitter_handle_packet(w.vj, w.now, &v);
}

static void receiver_outputs(void)
{
	struct rtc_video_frame f;
	uint8_t want[4000];
	uint16_t seqs[64];
	size_t n;

	while (rtc_video_jitter_poll_frame(w.vj, w.now, &f)) {
		unsigned idx = f.len > 1 ? f.data[1] : 0;
		size_t len = frame_bytes(idx, f.key_frame, want);

		/* Frame idx (its second byte, as sent) exactly as it was sent. */
		if (f.len != len || memcmp(f.data, want, len) != 0)
			w.frames_mismatched++;
		w.frames_released++;
		if (f.key_frame)
			rtc_nack_forget_before(&w.nack, f.first_seq);
	}
	while ((n = rtc_nack_poll(&w.nack, w.now, 2 * DELAY, seqs, 64)) > 0 && w.nback < 64) {
		w.back[w.nback].at = w.now + DELAY;
		memcpy(w.back[w.nback].seqs, seqs, n * sizeof(seqs[0]));
		w.back[w.nback++].n = n;
	}
	if ((rtc_video_jitter_need_key_frame(w.vj, w.now) || rtc_nack_poll_key_frame_request(&w.nack)) &&
	    w.nback < 64) {
		w.key_requests++;
		w.back[w.nback++] = (typeof(w.back[0])){ .at = w.now + DELAY, .pli = true };
	}
}

/* 1 ms steps: a frame every 33 ms, links delivered, timers fired. */
static void run(uint64_t until)
{
	for (; w.now <= until; w.now += MS) {
		if (w.now % (33 * MS) == 0)
			send_frame((uint32_t)(w.now / MS * 90));
		for (size_t i = 0; i < w.nfwd;) {
			if (w.fwd[i].at <= w.now) {
				receive(w.fwd[i].data, w.fwd[i].len);
				w.fwd[i] = w.fwd[--w.nfwd];
			} else {
				i++;
			}
		}
		for (size_t i = 0; i < w.nback;) {
			if (w.back[i].at <= w.now) {
				sender_feedback(w.back[i].seqs, w.back[i].n, w.back[i].pli);
				w.back[i] = w.back[--w.nback];
			} else {
				i++;
			}
		}
		if (rtc_video_jitter_deadline(w.vj) <= w.now)
			rtc_video_jitter_handle_timeout(w.vj, w.now);
		rtc_video_jitter_set_rtt(w.vj, 2 * DELAY);
		receiver_outputs();
	}
}

static void setup(void)
{
	rtc_rtx_cache_free(w.cache);
	rtc_video_jitter_free(w.vj);
	memset(&w, 0, sizeof(w));
	rtc_vp8_packetizer_init(&w.vp8, 1234);
	w.cache = rtc_rtx_cache_new(600, 1000 * MS, NULL);
	w.rtx = (struct rtc_rtx_stream){ .ssrc = RTX_SSRC, .payload_type = RTX_PT, .next_seq = 500 };
	w.seq = 65530;   /* the wrap comes early */
	rtc_rtp_seq_init(&w.rseq, 0);
	rtc_rtx_apt_map_init(&w.apt);
	rtc_rtx_apt_map_add(&w.apt, RTX_PT, MEDIA_PT, NULL);
	rtc_nack_init(&w.nack, NULL);
	w.vj = rtc_video_jitter_new(NULL, NULL);
}

static void test_lost_packet_recovered_by_rtx(void)
{
	setup();
	/* The key frame is 3 packets (65530..65532), deltas 2 each: 65535 is
	 * the second packet of frame 2, and 65536 + 2 that of frame 3. */
	w.drop_media[w.ndrop++] = 65535;
	w.drop_media[w.ndrop++] = 2;
	run(500 * MS);
	CHECK_INTEQ(w.frames_mismatched, 0);
	CHECK_INTEQ(w.frames_released, 15);   /* frames 0..14 in by 472 ms, all out */
	CHECK_INTEQ(rtc_video_jitter_stats(w.vj)->frames_retransmitted, 2);
	CHECK_INTEQ(rtc_video_jitter_stats(w.vj)->frames_dropped, 0);
	CHECK_INTEQ(w.key_requests, 0);
	CHECK_INTEQ(w.nack.stats.nack_count, 2);
	CHECK_INTEQ(w.nack.stats.packets_recovered, 2);
	CHECK_INTEQ(w.cache->stats.packets_resent, 2);
}

static void test_lost_for_good_asks_key_frame(void)
{
	setup();
	w.drop_media[w.ndrop++] = 65535;
	w.drop_retransmissions = true;
	run(1000 * MS);
	CHECK_INTEQ(w.frames_mismatched, 0);
	CHECK_INTEQ(w.key_requests, 1);
	CHECK(rtc_video_jitter_stats(w.vj)->frames_dropped >= 2);
	CHECK(w.nack.stats.packets_requested >= 2);   /* asked again after an RTT */
	CHECK_INTEQ(rtc_video_jitter_stats(w.vj)->key_frames_released, 2);
	/* After the new key frame every frame sent came out. */
	CHECK_INTEQ(w.frames_released + rtc_video_jitter_stats(w.vj)->frames_dropped, 31);
	CHECK_INTEQ(rtc_video_jitter_held_packets(w.vj), 0);
}

int main(void)
{
	RUN(test_lost_packet_recovered_by_rtx);
	RUN(test_lost_for_good_asks_key_frame);
	rtc_rtx_cache_free(w.cache);
	rtc_video_jitter_free(w.vj);
	return rtc_test_done();
}
