/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For the pipeline tests: one sender and one receiver joined by the
 * engine's own send and receive streams (packetizer, RTP, depacketizer,
 * jitter or playout buffer), on a simulated clock the test moves. Packets
 * can be lost on the way. The codec work runs on a real worker pool: the
 * test waits for it on the pool's fd with poll(), never by sleeping, and
 * asserts nothing about how long it took.
 */
#pragma once

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/rtp/rtp.h"
#include "engine/stream/recv-stream.h"
#include "engine/stream/send-stream.h"
#include "media/pipeline/receiver.h"
#include "media/pipeline/result-sink.h"
#include "media/pipeline/sender.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define LINK_MAX_LOSSES 8

struct link {
	struct rtc_worker_pool *pool;
	struct rtc_media_sender *tx;
	struct rtc_send_stream *ss;
	struct rtc_recv_stream *rs;
	struct rtc_media_receiver *rx;
	uint64_t now;
	/* What went over the wire. */
	unsigned packets_sent;          /* media packets, numbered from 0 */
	uint64_t losses[LINK_MAX_LOSSES];   /* packet numbers to lose */
	unsigned n_losses;
	/* What the sender made. */
	unsigned encoded;
	uint64_t encoded_bytes;
	bool last_key;                  /* as the sender said */
	uint8_t *last_frame;            /* a copy of the last frame */
	size_t last_len;
	int last_level;
	uint64_t last_capture_ns;
	/* The test's receiver callbacks. */
	void (*on_video)(struct link *l, struct rtc_video_frame *f,
			 const struct rtc_media_frame_info *info);
	void (*on_audio)(struct link *l, struct rtc_audio_frame *f,
			 const struct rtc_media_frame_info *info);
	/* When set, encoded frames go here instead of over the wire. */
	void (*on_encoded)(struct link *l, const uint8_t *data, size_t len, bool key_frame);
	unsigned key_frames_needed;
	void *test;                     /* the test's own state */
};

static bool link_loses(const struct link *l, unsigned n)
{
	for (unsigned i = 0; i < l->n_losses; i++)
		if (l->losses[i] == n)
			return true;
	return false;
}

/* The receive stream's frames due now, to the receiver. */
static void link_poll_frames(struct link *l)
{
	struct rtc_recv_frame f;
	struct rtc_error err;

	rtc_recv_stream_handle_timeout(l->rs, l->now);
	while (rtc_recv_stream_poll_frame(l->rs, l->now, &f))
		CHECK_INTEQ(rtc_media_receiver_push(l->rx, l->now, &f, &err), 0);
}

static void link_encoded(void *user, const uint8_t *data, size_t len, uint64_t capture_ns,
			 bool key_frame, int audio_level)
{
	struct link *l = user;
	struct rtc_send_packet p;
	struct rtc_error err;
	static uint8_t buf[1500];

	l->encoded++;
	l->encoded_bytes += len;
	l->last_key = key_frame;
	free(l->last_frame);
	l->last_frame = malloc(len);
	CHECK(l->last_frame != NULL);
	l->last_len = l->last_frame ? len : 0;
	if (l->last_frame)
		memcpy(l->last_frame, data, len);
	l->last_level = audio_level;
	l->last_capture_ns = capture_ns;
	if (l->on_encoded) {
		l->on_encoded(l, data, len, key_frame);
		return;
	}
	CHECK_INTEQ(rtc_send_stream_frame(l->ss, capture_ns, data, len, audio_level, &err), 0);
	while (rtc_send_stream_poll_packet(l->ss, &p)) {
		struct rtc_rtp_packet parsed;

		CHECK(p.len <= sizeof(buf));
		memcpy(buf, p.data, p.len);
		rtc_send_stream_sent(l->ss, l->now, buf, p.len, p.retransmission, 0);
		if (link_loses(l, l->packets_sent++))
			continue;
		CHECK_INTEQ(rtc_rtp_parse(buf, p.len, &parsed, &err), 0);
		CHECK_INTEQ(rtc_recv_stream_handle_rtp(l->rs, l->now, buf, p.len, &parsed, &err), 0);
	}
	link_poll_frames(l);
}

static void link_video(void *user, struct rtc_video_frame *f,
		       const struct rtc_media_frame_info *info)
{
	struct link *l = user;

	if (l->on_video)
		l->on_video(l, f, info);
	rtc_video_frame_free(f);
}

static void link_audio(void *user, struct rtc_audio_frame *f,
		       const struct rtc_media_frame_info *info)
{
	struct link *l = user;

	if (l->on_audio)
		l->on_audio(l, f, info);
	rtc_audio_frame_free(f);
}

static void link_key_frame_needed(void *user)
{
	struct link *l = user;

	l->key_frames_needed++;
}

/* Until both ends have nothing left on the pool, every result routed. */
static void link_settle(struct link *l)
{
	for (;;) {
		bool idle = !rtc_media_sender_pending(l->tx) && !rtc_media_receiver_pending(l->rx);
		struct rtc_worker_result res;
		unsigned n = 0;
		struct pollfd pfd = { .fd = rtc_worker_pool_fd(l->pool), .events = POLLIN };

		while (rtc_worker_pool_poll(l->pool, &res)) {
			rtc_media_result_dispatch(&res);
			n++;
		}
		if (idle && !n)
			return;
		/* A job that makes nothing (rate control, DTX) signals nothing:
		 * look again after a while. */
		if (!n)
			poll(&pfd, 1, 5);
	}
}

static bool link_open(struct link *l, enum rtc_codec codec, uint32_t bitrate)
{
	struct rtc_error err;
	struct rtc_send_stream_config sc = {
		.codec = codec, .h264_packetization_mode = 1, .payload_type = 96,
		.rtx_payload_type = -1, .ssrc = 0x1000, .mtu = 1200, .first_seq = 1,
	};
	struct rtc_recv_stream_config rc = {
		.audio = codec == RTC_CODEC_OPUS, .n_codecs = 1, .ssrc = 0x1000,
		.local_ssrc = 0x3000, .pli = true,
	};
	const struct rtc_media_sender_callbacks txcb = { .encoded = link_encoded };
	const struct rtc_media_receiver_callbacks rxcb = {
		.video = link_video, .audio = link_audio, .key_frame_needed = link_key_frame_needed,
	};

	rc.codecs[0] = (struct rtc_recv_stream_codec){ .payload_type = 96, .codec = codec,
						       .rtx_payload_type = -1 };
	l->now = 10 * SEC;
	l->pool = rtc_worker_pool_new(2, &err);
	if (!l->pool)
		return false;
	l->tx = rtc_media_sender_new(&(struct rtc_media_sender_config){ .codec = codec,
									.bitrate = bitrate },
				     l->pool, &txcb, l, &err);
	l->rx = rtc_media_receiver_new(&(struct rtc_media_receiver_config){ .codec = codec },
				       l->pool, &rxcb, l, &err);
	CHECK(l->tx && l->rx);
	CHECK_INTEQ(rtc_send_stream_new(&sc, &l->ss, &err), 0);
	CHECK_INTEQ(rtc_recv_stream_new(&rc, &l->rs, &err), 0);
	return l->tx && l->rx && l->ss && l->rs;
}

static void link_close(struct link *l)
{
	rtc_media_sender_free(l->tx);
	rtc_media_receiver_free(l->rx);
	rtc_send_stream_free(l->ss);
	rtc_recv_stream_free(l->rs);
	rtc_worker_pool_free(l->pool);
	free(l->last_frame);
}
