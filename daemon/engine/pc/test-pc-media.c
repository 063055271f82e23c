/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Media engine to engine: two peer connections on the in-memory network
 * of test-pc-harness, each sending 20 ms Opus packets and 30 fps video
 * (VP8 or H.264) to the other for 30 simulated seconds, through loss,
 * delay and reordering, a blackout, and a rate-limited link.
 *
 * The frames are synthetic but carry their own number and a pattern made
 * from it, so the receiver checks every byte of every frame it gets, and
 * that they come in order. What must hold:
 *   - 5 % loss, 48..52 ms delay (reordering): every video frame sent
 *     arrives, whole (NACK and RTX); audio frames arrive or are reported
 *     as gaps, never corrupt;
 *   - a 500 ms blackout: the receiver asks for a key frame, the sender's
 *     encoder is told, and frames flow again;
 *   - a 1 Mbit/s bottleneck: the target bitrate settles within 20 % of it
 *     by 15 s and stays there; when the link drops to 300 kbit/s the
 *     target follows it down (to between 0.73 and 1.2 x);
 *   - connected over a 600 ms round trip, the initial probes still go out
 *     once SRTP is keyed and lift the target well above its start;
 *   - RTT from RTCP matches the simulated 100 ms within 5 ms;
 *   - a video sender renegotiated recvonly and back pauses and resumes the
 *     same stream: nothing goes meanwhile, then its sequence numbers and
 *     counters go on, so the receiver's SRTP takes every packet again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/pc/test-pc-harness.h"
#include "engine/rtcp/rtt.h"

#define AUDIO_T 0
#define VIDEO_T 1
#define FRAME_INTERVAL (PCN_S / 30)
#define AUDIO_INTERVAL (20 * PCN_MS)
#define AUDIO_BPS 32000ull

struct side {
	/* sent */
	uint32_t video_sent, audio_sent, key_frames_sent;
	uint64_t next_video, next_audio;
	bool key_due;
	/* received (from the other side) */
	uint32_t video_got, video_bad, video_out_of_order, video_keys;
	bool got_frame[4096];           /* by frame number */
	int64_t last_video;
	uint32_t audio_got, audio_gaps, audio_bad;
	uint64_t last_video_at;         /* when the last video frame arrived */
	uint64_t video_epoch;           /* capture time of frame 0 */
	uint32_t synced, sync_errors;   /* frames with the sender's capture time; wrong ones */
};

struct run {
	enum rtc_codec codec;
	bool follow_target;
	uint64_t video_bps;             /* fixed rate unless following the target */
	uint64_t key_every;             /* ns between periodic key frames (0: never) */
	uint64_t negotiated_at;         /* pcn_now when offer and answer were applied */
	struct side side[2];
};

static struct run run;

static uint8_t pattern(uint32_t index, size_t i)
{
	return (uint8_t)(index * 31u + i * 7u + 1u);
}

/* A frame's number in 4 bytes of 7 bits, each with its top bit set: no
 * zero byte, so never an H.264 start code. */
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(0x80 | (v >> (7 * (3 - i)) & 0x7f));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 7 | (p[i] & 0x7f);
	return v;
}

/* A video frame of len bytes. VP8: the payload header's P bit says key or
 * not, then the number, then the pattern. H.264: (SPS and PPS and) one
 * slice, IDR or not, whose first_mb_in_slice is 0, then the same. */
static const uint8_t sps[] = { 0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f, 0x8c, 0x8d, 0x40 };
static const uint8_t pps[] = { 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80 };

static size_t make_video(uint8_t *f, size_t len, uint32_t index, bool key)
{
	size_t body = 0;

	if (run.codec == RTC_CODEC_VP8) {
		f[0] = key ? 0x10 : 0x11;
		body = 1;
	} else {
		if (key) {
			memcpy(f, sps, sizeof(sps));
			memcpy(f + sizeof(sps), pps, sizeof(pps));
			body = sizeof(sps) + sizeof(pps);
		}
		f[body++] = 0;
		f[body++] = 0;
		f[body++] = 0;
		f[body++] = 1;
		f[body++] = key ? 0x65 : 0x41;
		f[body++] = 0x88;       /* first_mb_in_slice 0: ue(v) "1" */
	}
	put32(f + body, index);
	for (size_t i = body + 4; i < len; i++)
		f[i] = pattern(index, i) | 0x01;  /* never 0: no start code emulation */
	return len;
}

/* The frame's number, if every byte is as sent. */
static bool check_video(const uint8_t *f, size_t len, uint32_t *index, bool *key)
{
	static uint8_t want[200000];
	size_t body;

	if (run.codec == RTC_CODEC_VP8) {
		if (len < 5)
			return false;
		*key = !(f[0] & 1);
		body = 1;
	} else {
		*key = len > sizeof(sps) && !memcmp(f, sps, sizeof(sps));
		body = (*key ? sizeof(sps) + sizeof(pps) : 0) + 6;
		if (len < body + 4)
			return false;
	}
	*index = get32(f + body);
	if (len > sizeof(want))
		return false;
	make_video(want, len, *index, *key);
	return !memcmp(want, f, len);
}

/* An Opus packet: TOC config 9 (SILK WB, 20 ms), one frame; the number
 * and the pattern follow. */
static size_t make_audio(uint8_t *f, uint32_t index)
{
	size_t len = 80;

	f[0] = 9 << 3;
	put32(f + 1, index);
	for (size_t i = 5; i < len; i++)
		f[i] = pattern(index, i);
	return len;
}

static void on_frame(struct pcn *net, int to, size_t transceiver,
		     const struct rtc_recv_frame *frame)
{
	struct side *s = &run.side[to];
	uint32_t index;
	bool key;

	(void)net;
	if (transceiver == AUDIO_T) {
		uint8_t want[128];

		if (!frame->data) {
			s->audio_gaps++;
			return;
		}
		if (frame->len != 80 ||
		    (index = get32(frame->data + 1), make_audio(want, index),
		     memcmp(want, frame->data, 80))) {
			s->audio_bad++;
			return;
		}
		s->audio_got++;
		return;
	}
	if (!check_video(frame->data, frame->len, &index, &key)) {
		s->video_bad++;
		return;
	}
	if ((int64_t)index <= s->last_video)
		s->video_out_of_order++;
	if (getenv("PCM_TRACE") && index < 3)
		printf("# peer %d: frame %u key %d len %zu at %.3f s\n", to, index, key, frame->len,
		       (double)pcn_now / PCN_S);
	if (getenv("PCM_TRACE") && (int64_t)index != s->last_video + 1)
		printf("# peer %d: frame %u after %lld at %.3f s\n", to, index,
		       (long long)s->last_video, (double)pcn_now / PCN_S);
	s->last_video = index;
	s->video_got++;
	if (frame->has_capture_ntp) {
		/* Lip sync: the sender's SRs map the frame's RTP time back to
		 * its capture time (one clock here, so it can be checked). */
		uint64_t want = run.side[!to].video_epoch + index * FRAME_INTERVAL;
		uint64_t got = rtc_rtcp_ntp_to_ns(frame->capture_ntp);

		s->synced++;
		if ((got > want ? got - want : want - got) > PCN_MS)
			s->sync_errors++;
	}
	if (index < 4096)
		s->got_frame[index] = true;
	s->video_keys += key;
	s->last_video_at = pcn_now;
}

static void add_tracks(struct rtc_jsep *jsep)
{
	const char *streams[] = { "s" };
	size_t index;
	struct rtc_error err;

	CHECK_INTEQ(rtc_jsep_add_track(jsep, RTC_JSEP_MEDIA_AUDIO, streams, 1, "mic", &index, &err),
		    0);
	CHECK_INTEQ(index, AUDIO_T);
	CHECK_INTEQ(rtc_jsep_add_track(jsep, RTC_JSEP_MEDIA_VIDEO, streams, 1, "cam", &index, &err),
		    0);
	CHECK_INTEQ(index, VIDEO_T);
}

static void offerer_tracks(struct pcn *net)
{
	add_tracks(rtc_pc_jsep_mut(net->peers[0].pc));
}

static void answerer_tracks(struct pcn *net)
{
	add_tracks(rtc_pc_jsep_mut(net->peers[1].pc));
}

static uint64_t video_rate(const struct pcn *net, int i)
{
	uint64_t target = net->peers[i].target_bps;

	if (!run.follow_target)
		return run.video_bps;
	/* The encoder takes what the audio leaves, 90 % of it. */
	return target > AUDIO_BPS + 50000 ? (target - AUDIO_BPS) * 9 / 10 : 45000;
}

/* The two encoders of each side, on time. */
static void encode(struct pcn *net)
{
	static uint8_t frame[200000];
	struct rtc_error err;

	for (int i = 0; i < 2; i++) {
		struct side *s = &run.side[i];
		struct pcn_peer *p = &net->peers[i];

		while (s->next_audio <= pcn_now) {
			size_t len = make_audio(frame, s->audio_sent);

			if (rtc_pc_send_frame(p->pc, pcn_now, AUDIO_T, s->next_audio, frame, len, 40,
					      &err) == 0)
				s->audio_sent++;
			s->next_audio += AUDIO_INTERVAL;
		}
		while (s->next_video <= pcn_now) {
			bool key = s->video_sent == 0 || p->key_frame_due || s->key_due;
			size_t len = video_rate(net, i) / 8 / 30;

			if (key)
				len *= 4;
			if (len < 64)
				len = 64;
			if (len > sizeof(frame))   /* probes find high rates: a key frame at 12 Mbit/s */
				len = sizeof(frame);
			make_video(frame, len, s->video_sent, key);
			if (rtc_pc_send_frame(p->pc, pcn_now, VIDEO_T, s->next_video, frame, len, -1,
					      &err) == 0) {
				s->video_sent++;
				s->key_frames_sent += key;
				p->key_frame_due = false;
				s->key_due = false;
			} else {
				printf("# peer %d: send_frame: %s\n", i, err.message);
			}
			if (run.key_every && s->video_sent % (run.key_every / FRAME_INTERVAL) == 0)
				s->key_due = true;
			s->next_video += FRAME_INTERVAL;
		}
		pcn_pump(net, i);
	}
}

/* Runs the network with both encoders for duration. */
static void run_media(struct pcn *net, uint64_t duration)
{
	uint64_t end = pcn_now + duration;

	while (pcn_now < end) {
		uint64_t next = run.side[0].next_video;

		for (int i = 0; i < 2; i++) {
			if (run.side[i].next_video < next)
				next = run.side[i].next_video;
			if (run.side[i].next_audio < next)
				next = run.side[i].next_audio;
		}
		pcn_run_for(net, next > pcn_now ? next - pcn_now : 0);
		encode(net);
	}
}

/* Connected with SRTP keyed: a frame can be sent. */
static bool media_ready(struct pcn *net)
{
	return pcn_both_dtls_connected(net);
}

/* Connected over a path of `delay` each way (0: the harness's); returns
 * when media can flow. */
static int start_delayed(struct pcn *net, uint64_t seed, enum rtc_codec codec, uint64_t delay)
{
	memset(&run, 0, sizeof(run));
	run.codec = codec;
	run.video_bps = 1500000;
	for (int i = 0; i < 2; i++)
		run.side[i].last_video = -1;
	pcn_init(net, seed);
	net->on_frame = on_frame;
	net->before_offer = offerer_tracks;
	net->before_answer = answerer_tracks;
	net->video_codec = rtc_codec_name(codec);
	if (delay)
		net->delay_min = net->delay_max = delay;
	if (pcn_create(net) < 0 || pcn_negotiate(net) < 0)
		return -1;
	run.negotiated_at = pcn_now;
	if (!pcn_run_until(net, 10 * PCN_S, media_ready))
		return -1;
	for (int i = 0; i < 2; i++) {
		run.side[i].next_audio = pcn_now;
		run.side[i].next_video = pcn_now;
		run.side[i].video_epoch = pcn_now;
	}
	return 0;
}

static int start(struct pcn *net, uint64_t seed, enum rtc_codec codec)
{
	return start_delayed(net, seed, codec, 0);
}

static void test_negotiated(void)
{
	struct pcn net;
	struct rtc_pc_media_stats st;

	CHECK_INTEQ(start(&net, 1, RTC_CODEC_VP8), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_INTEQ(net.peers[i].tracks, 2);
		CHECK(rtc_pc_media_stats(net.peers[i].pc, VIDEO_T, &st));
		CHECK(st.sending);
		CHECK_INTEQ(st.send_codec, RTC_CODEC_VP8);
		CHECK(rtc_pc_media_stats(net.peers[i].pc, AUDIO_T, &st));
		CHECK_INTEQ(st.send_codec, RTC_CODEC_OPUS);
		CHECK_INTEQ(st.recv_codec, RTC_CODEC_OPUS);
	}
	CHECK(!rtc_pc_media_stats(net.peers[0].pc, 7, &st));
	pcn_free(&net);
}

/* The longest run among the datagrams peer `from` put on the network from
 * index `first` on: back to back to one address, of one length but the
 * last (which may be shorter), as the reactor sends in one GSO send. */
static unsigned longest_run(const struct pcn *net, size_t first, int from)
{
	const struct sockaddr_storage *me = &net->peers[from].addr;
	const struct pcn_packet *head = NULL;   /* the run's first datagram */
	unsigned best = 0, n = 0;
	bool ended = false;                     /* a shorter one ended it */

	for (size_t i = first; i < net->n_packets; i++) {
		const struct pcn_packet *p = &net->packets[i];

		if (memcmp(&p->from, me, sizeof(*me)) != 0)
			continue;       /* the other peer's, on another socket */
		if (head && !ended && p->len <= head->len &&
		    memcmp(&p->to, &head->to, sizeof(p->to)) == 0) {
			n++;
			ended = p->len < head->len;
		} else {
			head = p;
			n = 1;
			ended = false;
		}
		if (n > best)
			best = n;
	}
	return best;
}

/* A frame of several packets leaves the pc at once when it is sent: the
 * pacer may run ahead of its schedule (PC_MEDIA_PACER_BURST), so the
 * session hands the reactor the whole frame in one drain and it goes out
 * as one GSO run (io/test-udp-gso.c checks that part). 3,600-byte frames:
 * three full packets and a short one; every one of ten such frames leaves
 * as one run of four, without the clock moving, and all arrive intact. */
static void test_frame_leaves_together(void)
{
	struct pcn net;

	CHECK_INTEQ(start(&net, 77, RTC_CODEC_VP8), 0);
	run.video_bps = 3600 * 8 * 30;
	run_media(&net, 3 * PCN_S);
	for (int k = 0; k < 10; k++) {
		size_t first;

		pcn_run_for(&net, run.side[0].next_video - pcn_now);
		first = net.n_packets;
		encode(&net);
		CHECK(longest_run(&net, first, 0) >= 4);
		CHECK(longest_run(&net, first, 1) >= 4);
	}
	run_media(&net, PCN_S);
	for (int i = 0; i < 2; i++) {
		CHECK_INTEQ(run.side[i].video_bad, 0);
		CHECK_INTEQ(run.side[i].video_out_of_order, 0);
		CHECK(run.side[i].video_got + 5 >= run.side[!i].video_sent);
	}
	pcn_free(&net);
}

/* 30 s through 5 % loss with 40..60 ms of delay (which reorders). */
static void lossy(enum rtc_codec codec, uint64_t seed)
{
	struct pcn net;
	uint32_t first[2], window[2];

	CHECK_INTEQ(start(&net, seed, codec), 0);
	/* 50 ms, give or take 2: packets of one burst (a frame) pass
	 * each other. */
	net.delay_min = 48 * PCN_MS;
	net.delay_max = 52 * PCN_MS;
	/* The streams start on a clean network: a receiver cannot ask for
	 * packets from before the first it saw (that takes a key frame
	 * request, test_blackout's case). */
	run_media(&net, PCN_S);
	for (int i = 0; i < 2; i++)
		first[i] = run.side[i].video_sent;
	net.loss_permille = 50;
	for (int sec = 0; sec < 30; sec++) {
		run_media(&net, PCN_S);
		if (getenv("PCM_TRACE"))
			printf("# %d s: targets %llu %llu, last frames %lld %lld of %u %u\n", sec,
			       (unsigned long long)net.peers[0].target_bps,
			       (unsigned long long)net.peers[1].target_bps,
			       (long long)run.side[0].last_video, (long long)run.side[1].last_video,
			       run.side[1].video_sent, run.side[0].video_sent);
	}
	/* The frames go on, without loss, so a loss in the last ones shows
	 * (a hole is seen when the next packet comes) and is repaired. */
	for (int i = 0; i < 2; i++)
		window[i] = run.side[i].video_sent;
	net.loss_permille = 0;
	run_media(&net, 3 * PCN_S);
	for (int i = 0; i < 2; i++) {
		struct side *tx = &run.side[!i], *rx = &run.side[i];
		struct rtc_pc_media_stats st;
		uint32_t complete = 0;

		for (uint32_t f = first[!i]; f < window[!i] && f < 4096; f++)
			complete += rx->got_frame[f];
		printf("# peer %d got %u/%u video frames of the lossy 30 s (%u bad, %u out of order), "
		       "%u/%u audio (%u gaps, %u bad)\n", i, complete, window[!i] - first[!i],
		       rx->video_bad, rx->video_out_of_order, rx->audio_got, tx->audio_sent,
		       rx->audio_gaps, rx->audio_bad);
		CHECK(rtc_pc_media_stats(net.peers[i].pc, VIDEO_T, &st));
		printf("# peer %d: %llu frames dropped, %u PLIs, %u NACKs, %llu retransmitted\n", i,
		       (unsigned long long)st.inbound.frames_dropped, st.inbound.pli_count,
		       st.inbound.nack_count,
		       (unsigned long long)st.inbound.retransmitted_packets_received);
		{
			struct rtc_pc_stats ps;

			rtc_pc_stats(net.peers[i].pc, &ps);
			printf("# peer %d: %llu SRTP refused, %llu RTP of no stream\n", i,
			       (unsigned long long)ps.srtp_rejected,
			       (unsigned long long)ps.rtp_unknown_stream);
		}
		CHECK(window[!i] - first[!i] >= 29 * 30);
		CHECK_INTEQ(complete, window[!i] - first[!i]);
		CHECK(rtc_pc_media_stats(net.peers[!i].pc, VIDEO_T, &st));
		CHECK_INTEQ(st.send_codec, codec);
		CHECK_INTEQ(rx->video_bad, 0);
		CHECK_INTEQ(rx->video_out_of_order, 0);
		CHECK_INTEQ(rx->audio_bad, 0);
		/* Audio is not retransmitted: about 5 % are gaps. */
		CHECK(rx->audio_got >= tx->audio_sent * 90 / 100);
		CHECK(rx->audio_got + rx->audio_gaps >= tx->audio_sent * 98 / 100);
		CHECK(rtc_pc_media_stats(net.peers[i].pc, VIDEO_T, &st));
		CHECK(st.inbound.nack_count > 0);
		CHECK(st.inbound.retransmitted_packets_received > 0);
		CHECK(rtc_pc_media_stats(net.peers[!i].pc, VIDEO_T, &st));
		CHECK(st.outbound.retransmitted_packets_sent > 0);
	}
	pcn_free(&net);
}

static void test_loss_vp8(void)
{
	lossy(RTC_CODEC_VP8, 101);
}

static void test_loss_h264(void)
{
	lossy(RTC_CODEC_H264, 12);
}

/* 500 ms of total loss: too long for NACKs, a key frame repairs it. */
static void test_blackout(void)
{
	struct pcn net;
	uint64_t blackout_end;

	CHECK_INTEQ(start(&net, 21, RTC_CODEC_VP8), 0);
	net.delay_min = net.delay_max = 20 * PCN_MS;
	run_media(&net, 5 * PCN_S);
	net.blackout_from = pcn_now;
	net.blackout_until = blackout_end = pcn_now + 500 * PCN_MS;
	run_media(&net, 5 * PCN_S);
	for (int i = 0; i < 2; i++) {
		struct rtc_pc_media_stats st;

		printf("# peer %d: %u key frame requests, %u key frames received, "
		       "last video %.3f s after the blackout\n", i, net.peers[!i].key_frame_requests,
		       run.side[i].video_keys,
		       (double)(run.side[i].last_video_at - blackout_end) / PCN_S);
		CHECK(net.peers[!i].key_frame_requests >= 1);
		CHECK(run.side[i].video_keys >= 2);
		CHECK(run.side[i].last_video_at > blackout_end + 3 * PCN_S);
		CHECK_INTEQ(run.side[i].video_bad, 0);
		CHECK(rtc_pc_media_stats(net.peers[i].pc, VIDEO_T, &st));
		CHECK(st.inbound.pli_count >= 1);
		CHECK(rtc_pc_media_stats(net.peers[!i].pc, VIDEO_T, &st));
		CHECK(st.outbound.pli_count >= 1);
	}
	pcn_free(&net);
}

/* The encoders follow the target through a 1 Mbit/s link, then 300 kbit/s. */
static void test_bottleneck(void)
{
	struct pcn net;
	uint64_t t;

	CHECK_INTEQ(start(&net, 31, RTC_CODEC_VP8), 0);
	run.follow_target = true;
	net.delay_min = net.delay_max = 25 * PCN_MS;
	net.links[0] = (struct pcn_link){ .bps = 1000000, .max_queue = 300 * PCN_MS };
	for (int s = 1; s <= 30; s++) {
		run_media(&net, PCN_S);
		t = net.peers[0].target_bps;
		printf("# %2d s: target %llu bit/s, %u dropped at the link\n", s,
		       (unsigned long long)t, net.links[0].dropped);
		/* The sawtooth: an overuse cuts to 0.85 x the acked rate, which
		 * lags a target near the link's capacity (once the initial probes
		 * measure the link, the AIMD knows it and creeps up to it):
		 * its lows come near 0.74 x the link. */
		if (s >= 15) {
			CHECK(t >= 700000);
			CHECK(t <= 1200000);
		}
	}
	net.links[0].bps = 300000;
	for (int s = 1; s <= 10; s++) {
		run_media(&net, PCN_S);
		t = net.peers[0].target_bps;
		printf("# %2d s at 300 kbit/s: target %llu bit/s\n", s, (unsigned long long)t);
	}
	CHECK(t <= 360000);
	/* An overuse cuts to 0.85 x the acked rate, and the encoders here send
	 * 90 % of their share: the low of the sawtooth is near 0.76 x the link
	 * (runs land at 228 or 244 kbit/s as a probe's timing goes; 215 since
	 * the probes measure: two cuts in a row). */
	CHECK(t >= 200000);
	CHECK_INTEQ(run.side[1].video_bad, 0);
	pcn_free(&net);
}

/* ICE and DTLS take seconds over a long path: the controller's initial
 * probes wait for SRTP instead of expiring in the pacer, so on a fast
 * link the target leaves the 300 kbit/s start within a few round trips
 * (at the 8 %/s of increase alone it would be near 380 kbit/s). */
static void test_probe_at_start(void)
{
	struct pcn net;

	CHECK_INTEQ(start_delayed(&net, 51, RTC_CODEC_VP8, 300 * PCN_MS), 0);
	printf("# media ready %.1f s after negotiation\n",
	       (double)(pcn_now - run.negotiated_at) / PCN_S);
	/* Longer than the pacer keeps a probe cluster waiting (1 s). */
	CHECK(pcn_now - run.negotiated_at > 3 * PCN_S / 2);
	run.follow_target = true;
	run_media(&net, 3 * PCN_S);
	printf("# target 3 s later: %llu bit/s\n", (unsigned long long)net.peers[0].target_bps);
	CHECK(net.peers[0].target_bps > 800000);
	CHECK_INTEQ(run.side[1].video_bad, 0);
	pcn_free(&net);
}

/* RTT from SR/RR against 50 ms each way. */
static void test_rtt(void)
{
	struct pcn net;
	struct rtc_pc_media_stats st;

	CHECK_INTEQ(start(&net, 41, RTC_CODEC_VP8), 0);
	net.delay_min = net.delay_max = 50 * PCN_MS;
	run.video_bps = 300000;
	run_media(&net, 10 * PCN_S);
	for (int i = 0; i < 2; i++) {
		printf("# peer %d: %u of %u frames carried the sender's capture time, %u wrong\n", i,
		       run.side[i].synced, run.side[i].video_got, run.side[i].sync_errors);
		CHECK(run.side[i].synced > run.side[i].video_got / 2);
		CHECK_INTEQ(run.side[i].sync_errors, 0);
	}
	/* The decoder of peer 1 asks for a key frame: peer 0's encoder hears
	 * of it a one-way trip later (a PLI). */
	{
		unsigned before = net.peers[0].key_frame_requests;
		uint64_t asked = pcn_now;

		rtc_pc_request_key_frame(net.peers[1].pc, pcn_now, VIDEO_T);
		pcn_pump(&net, 1);
		while (net.peers[0].key_frame_requests == before && pcn_now < asked + PCN_S)
			run_media(&net, PCN_MS);
		CHECK_INTEQ(net.peers[0].key_frame_requests, before + 1);
		CHECK(pcn_now <= asked + 60 * PCN_MS);
	}
	for (int i = 0; i < 2; i++)
		for (size_t t = 0; t < 2; t++) {
			CHECK(rtc_pc_media_stats(net.peers[i].pc, t, &st));
			printf("# peer %d transceiver %zu: RTT %.3f ms over %llu reports\n", i, t,
			       st.outbound.round_trip_time / 1e6,
			       (unsigned long long)st.outbound.round_trip_time_measurements);
			CHECK(st.outbound.round_trip_time_measurements >= 5);
			CHECK(st.outbound.round_trip_time >= 95 * PCN_MS);
			CHECK(st.outbound.round_trip_time <= 105 * PCN_MS);
		}
	pcn_free(&net);
}

/* Peer 0's video direction, with an offer and answer. */
static void redirect(struct pcn *net, enum rtc_jsep_direction dir)
{
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_jsep_set_direction(rtc_pc_jsep_mut(net->peers[0].pc), VIDEO_T, dir, &err),
		    0);
	net->before_offer = net->before_answer = NULL;
	net->no_data_channel = true;
	CHECK_INTEQ(pcn_negotiate(net), 0);
}

static void test_pause_resume(void)
{
	struct pcn net;
	struct rtc_pc_media_stats st;
	struct rtc_pc_stats ps;
	struct rtc_error err;
	uint8_t frame[64];
	uint64_t sent, rejected;
	uint32_t got;

	CHECK_INTEQ(start(&net, 51, RTC_CODEC_VP8), 0);
	net.delay_min = net.delay_max = 20 * PCN_MS;
	run_media(&net, 2 * PCN_S);
	redirect(&net, RTC_JSEP_RECVONLY);
	pcn_run_for(&net, 200 * PCN_MS);        /* what was in flight lands */
	CHECK(rtc_pc_media_stats(net.peers[0].pc, VIDEO_T, &st));
	CHECK(st.sending);                      /* W3C: its outbound-rtp stays */
	sent = st.outbound.packets_sent;
	got = run.side[1].video_got;
	CHECK(got > 30);
	/* Paused: frames are refused and nothing goes. */
	make_video(frame, sizeof(frame), run.side[0].video_sent, false);
	CHECK(rtc_pc_send_frame(net.peers[0].pc, pcn_now, VIDEO_T, pcn_now, frame, sizeof(frame),
				-1, &err) < 0);
	pcn_run_for(&net, PCN_S);
	CHECK(rtc_pc_media_stats(net.peers[0].pc, VIDEO_T, &st));
	CHECK_INTEQ(st.outbound.packets_sent, sent);
	CHECK_INTEQ(run.side[1].video_got, got);

	redirect(&net, RTC_JSEP_SENDRECV);
	for (int i = 0; i < 2; i++)
		run.side[i].next_audio = run.side[i].next_video = pcn_now;
	run.side[0].key_due = true;             /* as a new encoder would start */
	rtc_pc_stats(net.peers[1].pc, &ps);
	rejected = ps.srtp_rejected;
	run_media(&net, 2 * PCN_S);
	CHECK(rtc_pc_media_stats(net.peers[0].pc, VIDEO_T, &st));
	printf("# resumed: %llu packets sent (%llu before the pause), peer 1 got %u frames "
	       "(%u before)\n", (unsigned long long)st.outbound.packets_sent,
	       (unsigned long long)sent, run.side[1].video_got, got);
	CHECK(st.outbound.packets_sent > sent);
	CHECK(run.side[1].video_got >= got + 50);
	rtc_pc_stats(net.peers[1].pc, &ps);
	CHECK_INTEQ(ps.srtp_rejected, rejected);
	CHECK_INTEQ(run.side[1].video_bad, 0);
	CHECK_INTEQ(run.side[1].video_out_of_order, 0);
	pcn_free(&net);
}

int main(void)
{
	RUN(test_negotiated);
	RUN(test_frame_leaves_together);
	RUN(test_loss_vp8);
	RUN(test_loss_h264);
	RUN(test_blackout);
	RUN(test_bottleneck);
	RUN(test_probe_at_start);
	RUN(test_rtt);
	RUN(test_pause_resume);
	return rtc_test_done();
}
