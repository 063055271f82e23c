/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The video jitter buffer with hand-made packet sequences on a fake clock:
 * VP8-like multi-packet frames in order, reordered, duplicated and across
 * the 16-bit wrap; a lost packet that comes back as a retransmission; a
 * gap that never fills, which ends in dropped frames and a throttled key
 * frame request; a jump to a complete key frame; padding; overflow of the
 * window and of the byte budget; the W3C delay and assembly figures from
 * known arrival and release times.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "engine/base/sansio.h"
#include "engine/jitter/video-jitter.h"

#define MS 1000000ull

static struct rtc_video_jitter *vj;
static char payload[64];

/* A packet whose bytes name it: "<seq>;" */
static enum rtc_video_jitter_insert put(uint64_t now, uint64_t seq, uint32_t ts, bool start,
					bool marker, bool key, bool rtx)
{
	struct rtc_video_packet p = {
		.seq = seq, .timestamp = ts, .frame_start = start, .marker = marker,
		.key_frame = key, .retransmitted = rtx, .payload = (const uint8_t *)payload,
	};

	p.len = (size_t)snprintf(payload, sizeof(payload), "%llu;", (unsigned long long)seq);
	return rtc_video_jitter_handle_packet(vj, now, &p);
}

/* A whole frame of n packets from seq, in order. */
static void put_frame(uint64_t now, uint64_t seq, unsigned n, uint32_t ts, bool key)
{
	for (unsigned i = 0; i < n; i++)
		put(now, seq + i, ts, i == 0, i == n - 1, key, false);
}

static bool frame_is(const struct rtc_video_frame *f, const char *bytes)
{
	size_t n = strlen(bytes);

	if (f->len != n || memcmp(f->data, bytes, n) != 0) {
		printf("# frame \"%.*s\" != \"%s\"\n", (int)f->len, (const char *)f->data, bytes);
		return false;
	}
	return true;
}

static void fresh(const struct rtc_video_jitter_config *cfg)
{
	rtc_video_jitter_free(vj);
	vj = rtc_video_jitter_new(cfg, NULL);
	rtc_video_jitter_set_rtt(vj, 40 * MS);
}

static void test_in_order(void)
{
	struct rtc_video_frame f;

	fresh(NULL);
	put_frame(0, 100, 3, 9000, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 0, &f));
	CHECK(frame_is(&f, "100;101;102;"));
	CHECK(f.key_frame);
	CHECK_INTEQ(f.first_seq, 100);
	CHECK_INTEQ(f.last_seq, 102);
	CHECK_INTEQ(f.timestamp, 9000);
	CHECK_INTEQ(f.packets, 3);
	CHECK(!rtc_video_jitter_poll_frame(vj, 0, &f));
	put_frame(33 * MS, 103, 2, 12000, false);
	CHECK(rtc_video_jitter_poll_frame(vj, 33 * MS, &f));
	CHECK(frame_is(&f, "103;104;"));
	CHECK(!f.key_frame);
	CHECK_INTEQ(rtc_video_jitter_held_packets(vj), 0);
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), RTC_NEVER);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->frames_released, 2);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->key_frames_released, 1);
	/* A packet behind what was released is late. */
	CHECK_INTEQ(put(40 * MS, 101, 9000, false, false, true, true), RTC_VIDEO_JITTER_LATE);
}

static void test_reorder_duplicates_wrap(void)
{
	struct rtc_video_frame f;

	fresh(NULL);
	/* Key frame 65533..65535, delta 65536..65538 (0..2 on the wire),
	 * arriving shuffled and partly twice. */
	put(0, 65535, 1, false, true, true, false);
	put(1, 65537, 2, false, false, false, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 1, &f));
	put(2, 65533, 1, true, false, true, false);
	CHECK_INTEQ(put(2, 65533, 1, true, false, true, false), RTC_VIDEO_JITTER_DUPLICATE);
	put(3, 65538, 2, false, true, false, false);
	put(3, 65536, 2, true, false, false, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 3, &f));
	put(4, 65534, 1, false, false, true, false);
	CHECK(rtc_video_jitter_poll_frame(vj, 4, &f));
	CHECK(frame_is(&f, "65533;65534;65535;"));
	CHECK(rtc_video_jitter_poll_frame(vj, 4, &f));
	CHECK(frame_is(&f, "65536;65537;65538;"));
	CHECK(!rtc_video_jitter_poll_frame(vj, 4, &f));
	CHECK_INTEQ(put(5, 65538, 2, false, true, false, false), RTC_VIDEO_JITTER_LATE);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->packets_duplicate, 1);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->frames_dropped, 0);
}

static void test_missing_then_retransmitted(void)
{
	struct rtc_video_frame f;

	fresh(NULL);
	put_frame(0, 10, 3, 0, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 0, &f));
	/* Frame 13..15 loses 14; frame 16..18 is complete but depends on it. */
	put(33 * MS, 13, 2970, true, false, false, false);
	put(33 * MS, 15, 2970, false, true, false, false);
	put_frame(66 * MS, 16, 3, 5940, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 66 * MS, &f));
	/* 2.5 RTT (100 ms) and a frame's time (33 ms) from the first packet
	 * waiting. */
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), 166 * MS);
	rtc_video_jitter_handle_timeout(vj, 80 * MS);
	CHECK(!rtc_video_jitter_need_key_frame(vj, 80 * MS));
	/* The NACK's answer. */
	CHECK_INTEQ(put(85 * MS, 14, 2970, false, false, false, true), RTC_VIDEO_JITTER_INSERTED);
	CHECK(rtc_video_jitter_poll_frame(vj, 85 * MS, &f));
	CHECK(frame_is(&f, "13;14;15;"));
	CHECK(f.retransmitted);
	CHECK_INTEQ(f.first_arrival, 33 * MS);
	CHECK_INTEQ(f.complete_time, 85 * MS);
	CHECK(rtc_video_jitter_poll_frame(vj, 85 * MS, &f));
	CHECK(frame_is(&f, "16;17;18;"));
	CHECK(!f.retransmitted);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->frames_retransmitted, 1);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->frames_dropped, 0);
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), RTC_NEVER);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->jitter, 0);
}

static void test_unrecoverable_gap_asks_key_frame(void)
{
	const struct rtc_video_jitter_stats *st;
	struct rtc_video_frame f;

	fresh(NULL);
	st = rtc_video_jitter_stats(vj);
	put_frame(0, 1, 2, 0, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 0, &f));
	/* 3 is lost for good; frames 5..6 and 7..8 wait behind it, and two
	 * more come, 33 ms apart, before the wait is over. */
	put(33 * MS, 4, 2970, false, true, false, false);
	put_frame(66 * MS, 5, 2, 5940, false);
	put_frame(99 * MS, 7, 2, 8910, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 99 * MS, &f));
	/* 2.5 RTT + a frame's time from 4's arrival. */
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), (33 + 100 + 33) * MS);
	put_frame(132 * MS, 9, 2, 11880, false);
	put_frame(165 * MS, 11, 2, 14850, false);
	rtc_video_jitter_handle_timeout(vj, 165 * MS);
	CHECK_INTEQ(rtc_video_jitter_held_packets(vj), 9);
	rtc_video_jitter_handle_timeout(vj, 166 * MS);
	CHECK_INTEQ(rtc_video_jitter_held_packets(vj), 0);
	CHECK_INTEQ(st->frames_dropped, 5);
	CHECK_INTEQ(st->timeouts, 1);
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), 0);   /* the request is due */
	CHECK(rtc_video_jitter_need_key_frame(vj, 166 * MS));
	CHECK(!rtc_video_jitter_need_key_frame(vj, 166 * MS));
	CHECK_INTEQ(st->key_frame_requests, 1);
	/* Deltas keep coming and cannot be decoded: dropped again after the
	 * wait, but the next request waits out 300 ms from the last. */
	put_frame(198 * MS, 13, 2, 17820, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 198 * MS, &f));
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), (198 + 100 + 33) * MS);
	rtc_video_jitter_handle_timeout(vj, 331 * MS);
	CHECK_INTEQ(st->frames_dropped, 6);
	CHECK(!rtc_video_jitter_need_key_frame(vj, 331 * MS));
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), 466 * MS);
	CHECK(rtc_video_jitter_need_key_frame(vj, 466 * MS));
	/* That PLI was lost too: asked again 300 ms on, with nothing held. */
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), 766 * MS);
	CHECK(rtc_video_jitter_need_key_frame(vj, 766 * MS));
	CHECK_INTEQ(st->key_frame_requests, 3);
	/* Once a key frame begins to arrive, no more requests. */
	put(1066 * MS, 15, 95940, true, false, true, false);
	CHECK(!rtc_video_jitter_need_key_frame(vj, 1066 * MS));
	CHECK(rtc_video_jitter_deadline(vj) > 1166 * MS);   /* only its own wait */
	/* The key frame comes; what follows it decodes again. */
	put(1066 * MS, 16, 95940, false, false, true, false);
	put(1066 * MS, 17, 95940, false, true, true, false);
	put_frame(1099 * MS, 18, 1, 98910, false);
	CHECK(rtc_video_jitter_poll_frame(vj, 1099 * MS, &f));
	CHECK(f.key_frame && frame_is(&f, "15;16;17;"));
	CHECK(rtc_video_jitter_poll_frame(vj, 1099 * MS, &f));
	CHECK(frame_is(&f, "18;"));
	CHECK(!rtc_video_jitter_need_key_frame(vj, 2000 * MS));
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), RTC_NEVER);
}

static void test_jitter_widens_wait(void)
{
	const struct rtc_video_jitter_stats *st;
	struct rtc_video_frame f;
	uint64_t s = 1, now = 0;

	fresh(NULL);
	st = rtc_video_jitter_stats(vj);
	/* One-packet frames every 33 ms, arriving 0 or 12 ms late by turns. */
	for (unsigned i = 0; i < 50; i++, s++) {
		now = i * 33 * MS + (i % 2 ? 12 * MS : 0);
		put(now, s, i * 2970, true, true, i == 0, false);
		CHECK(rtc_video_jitter_poll_frame(vj, now, &f));
	}
	CHECK(st->jitter > 10 * MS && st->jitter < 12 * MS);
	/* A frame of two whose second packet is missing waits longer. */
	now += 21 * MS;
	put(now, s + 1, 50 * 2970, true, false, false, false);
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), now + 100 * MS + 3 * st->jitter + 33 * MS);
}

static void test_h264_access_unit_starts_twice(void)
{
	struct rtc_video_frame f;

	fresh(NULL);
	/* SPS+PPS in a STAP-A, then the IDR's FU-A: both start, one timestamp. */
	put(0, 1, 0, true, false, true, false);
	put(0, 2, 0, true, false, true, false);
	put(0, 3, 0, false, true, true, false);
	CHECK(rtc_video_jitter_poll_frame(vj, 0, &f));
	CHECK(f.key_frame && frame_is(&f, "1;2;3;"));
	/* A frame whose marker never came ends where the next timestamp
	 * begins: it is not complete, and the next cannot follow it. */
	put(33 * MS, 4, 2970, true, false, false, false);
	put(33 * MS, 5, 2970, false, false, false, false);
	put(66 * MS, 6, 5940, true, true, false, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 66 * MS, &f));
	rtc_video_jitter_handle_timeout(vj, 200 * MS);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->frames_dropped, 2);
	CHECK(rtc_video_jitter_need_key_frame(vj, 200 * MS));
}

static void test_jump_to_key_frame(void)
{
	struct rtc_video_frame f;

	fresh(NULL);
	put_frame(0, 1, 1, 0, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 0, &f));
	put(33 * MS, 2, 2970, true, false, false, false);   /* 3 lost */
	put_frame(66 * MS, 4, 2, 5940, true);
	/* The key frame waits while 3 may still come... */
	CHECK(!rtc_video_jitter_poll_frame(vj, 66 * MS, &f));
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), (33 + 100 + 33) * MS);
	rtc_video_jitter_handle_timeout(vj, 166 * MS);
	/* ... and is released when it does not. */
	CHECK(rtc_video_jitter_poll_frame(vj, 166 * MS, &f));
	CHECK(f.key_frame && frame_is(&f, "4;5;"));
	CHECK_INTEQ(f.frames_dropped_before, 1);
	CHECK_INTEQ(rtc_video_jitter_held_packets(vj), 0);
	CHECK_INTEQ(rtc_video_jitter_deadline(vj), RTC_NEVER);
	/* A retransmission of 3 is too late now. */
	CHECK_INTEQ(put(170 * MS, 3, 2970, false, true, false, true), RTC_VIDEO_JITTER_LATE);
	CHECK(!rtc_video_jitter_need_key_frame(vj, 170 * MS));
	/* Had it come in time, both frames would have been released. */
	fresh(NULL);
	put_frame(0, 1, 1, 0, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 0, &f));
	put(33 * MS, 2, 2970, true, false, false, false);
	put_frame(66 * MS, 4, 2, 5940, true);
	CHECK(!rtc_video_jitter_poll_frame(vj, 66 * MS, &f));
	put(80 * MS, 3, 2970, false, true, false, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 80 * MS, &f));
	CHECK(frame_is(&f, "2;3;"));
	CHECK(rtc_video_jitter_poll_frame(vj, 80 * MS, &f));
	CHECK(f.key_frame && frame_is(&f, "4;5;"));
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->frames_dropped, 0);
}

static void test_start_needs_key_frame(void)
{
	struct rtc_video_frame f;

	fresh(NULL);
	/* Joined mid-stream: deltas first, then (reordered) a key frame. */
	put_frame(0, 50, 2, 0, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 0, &f));
	put(5 * MS, 53, 3000, false, true, true, false);
	put(6 * MS, 52, 3000, true, false, true, false);
	CHECK(rtc_video_jitter_poll_frame(vj, 6 * MS, &f));
	CHECK(f.key_frame && frame_is(&f, "52;53;"));
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->frames_dropped, 1);
	CHECK(!rtc_video_jitter_need_key_frame(vj, 6 * MS));
}

static void test_padding_fills_sequence(void)
{
	struct rtc_video_frame f;

	fresh(NULL);
	put_frame(0, 1, 1, 0, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 0, &f));
	CHECK_INTEQ(rtc_video_jitter_handle_padding(vj, 1 * MS, 3), RTC_VIDEO_JITTER_INSERTED);
	put_frame(2 * MS, 4, 1, 3000, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 2 * MS, &f));   /* 2 still missing */
	rtc_video_jitter_handle_padding(vj, 3 * MS, 2);
	CHECK(rtc_video_jitter_poll_frame(vj, 3 * MS, &f));
	CHECK(frame_is(&f, "4;"));
	CHECK_INTEQ(rtc_video_jitter_held_packets(vj), 0);
	CHECK_INTEQ(rtc_video_jitter_stats(vj)->frames_dropped, 0);
}

static void test_overflow_bounded(void)
{
	struct rtc_video_jitter_config cfg;
	struct rtc_video_frame f;

	rtc_video_jitter_config_default(&cfg);
	cfg.max_packets = 16;
	cfg.max_bytes = 100;
	fresh(&cfg);
	put_frame(0, 1, 1, 0, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 0, &f));
	/* 2 is lost; the deltas after it pile up until the window is full. */
	for (uint64_t s = 3; s < 200; s++) {
		put(s * MS, s, (uint32_t)s, true, true, false, false);
		CHECK(!rtc_video_jitter_poll_frame(vj, s * MS, &f));
		CHECK(rtc_video_jitter_held_packets(vj) <= 16);
		CHECK(rtc_video_jitter_held_bytes(vj) <= 100);
	}
	CHECK(rtc_video_jitter_stats(vj)->overflows > 0);
	CHECK(rtc_video_jitter_need_key_frame(vj, 200 * MS));
	/* A key frame ends it. */
	put_frame(210 * MS, 200, 2, 200, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 210 * MS, &f));
	CHECK(f.key_frame && frame_is(&f, "200;201;"));
	/* A key frame held when the budget overflows is jumped to. */
	put(220 * MS, 203, 203, true, true, false, false);   /* 202 lost */
	put(221 * MS, 204, 204, true, false, true, false);
	for (uint64_t s = 205; s < 240; s++)
		put(221 * MS, s, 204, false, false, true, false);
	CHECK(rtc_video_jitter_stats(vj)->packets_discarded > 0);
	CHECK(rtc_video_jitter_held_bytes(vj) <= 100);
	/* A packet above the whole budget is refused. */
	struct rtc_video_packet big = { .seq = 300, .len = 101, .payload = (const uint8_t *)"" };
	CHECK_INTEQ(rtc_video_jitter_handle_packet(vj, 230 * MS, &big), RTC_VIDEO_JITTER_TOO_BIG);
}

/* jitterBufferDelay: first packet's arrival to release; totalAssemblyTime:
 * first to last packet's arrival, over frames of several packets only. */
static void test_delay_and_assembly_sums(void)
{
	const struct rtc_video_jitter_stats *st;
	struct rtc_video_frame f;

	fresh(NULL);
	/* A key frame whose packets arrive at 10, 12 and 15 ms, polled at 20. */
	put(10 * MS, 100, 9000, true, false, true, false);
	put(12 * MS, 101, 9000, false, false, true, false);
	put(15 * MS, 102, 9000, false, true, true, false);
	CHECK(rtc_video_jitter_poll_frame(vj, 20 * MS, &f));
	CHECK_INTEQ(f.first_arrival, 10 * MS);
	CHECK_INTEQ(f.complete_time, 15 * MS);
	CHECK_INTEQ(f.release_time, 20 * MS);
	/* One packet, released as it arrives: no delay, no assembly. */
	put_frame(50 * MS, 103, 1, 12000, false);
	CHECK(rtc_video_jitter_poll_frame(vj, 50 * MS, &f));
	/* Its first packet lost at 80 ms, retransmitted at 130 ms; the
	 * second packet came at 81 ms. Released at 131 ms. */
	put(81 * MS, 105, 15000, false, true, false, false);
	CHECK(!rtc_video_jitter_poll_frame(vj, 81 * MS, &f));
	put(130 * MS, 104, 15000, true, false, false, true);
	CHECK(rtc_video_jitter_poll_frame(vj, 131 * MS, &f));
	CHECK(f.retransmitted);
	CHECK(!rtc_video_jitter_poll_frame(vj, 131 * MS, &f));

	st = rtc_video_jitter_stats(vj);
	CHECK_INTEQ(st->frames_released, 3);
	CHECK_INTEQ(st->frames_multi_packet, 2);
	/* (15 - 10) + (130 - 81) */
	CHECK_INTEQ(st->frames_assembly_time, 54 * MS);
	/* (20 - 10) + (50 - 50) + (131 - 81) */
	CHECK_INTEQ(st->jitter_buffer_delay, 60 * MS);

	/* A frame given up adds nothing: only released frames count. */
	put(200 * MS, 107, 18000, false, true, false, false);
	rtc_video_jitter_handle_timeout(vj, 2000 * MS);
	CHECK(!rtc_video_jitter_poll_frame(vj, 2000 * MS, &f));
	CHECK_INTEQ(st->frames_released, 3);
	CHECK_INTEQ(st->jitter_buffer_delay, 60 * MS);
}

int main(void)
{
	RUN(test_in_order);
	RUN(test_reorder_duplicates_wrap);
	RUN(test_missing_then_retransmitted);
	RUN(test_unrecoverable_gap_asks_key_frame);
	RUN(test_jitter_widens_wait);
	RUN(test_h264_access_unit_starts_twice);
	RUN(test_jump_to_key_frame);
	RUN(test_start_needs_key_frame);
	RUN(test_padding_fills_sequence);
	RUN(test_overflow_bounded);
	RUN(test_delay_and_assembly_sums);
	rtc_video_jitter_free(vj);
	return rtc_test_done();
}
