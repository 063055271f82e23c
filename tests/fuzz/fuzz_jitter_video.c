/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The video jitter buffer fed an arbitrary sequence of operations: packets
 * (sequence numbers moving back and forth, jumping, with any flags),
 * padding, polls, time steps with timeouts, RTT changes. Every packet's
 * bytes are a function of its sequence number, so each released frame can
 * be checked byte for byte; frames come out in increasing order, a delta
 * frame only right after the frame before it; memory stays within the
 * configured window and budget; and after a timeout is handled and the
 * outputs drained, the next deadline lies in the future (no spinning).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "engine/base/sansio.h"
#include "engine/jitter/video-jitter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS 1000000ull

static size_t payload_len(uint64_t seq)
{
	return (size_t)(seq * 7 % 23);
}

static void make_payload(uint64_t seq, uint8_t *buf)
{
	for (size_t i = 0; i < payload_len(seq); i++)
		buf[i] = (uint8_t)(seq * 31 + i);
}

struct state {
	bool released_any;
	uint64_t last_seq;
	uint64_t padding[4096];   /* padding the buffer took */
	size_t padding_count;
	bool padding_untracked;   /* more than the list holds: not checked */
};

static bool was_padding(const struct state *st, uint64_t seq)
{
	for (size_t i = 0; i < st->padding_count; i++)
		if (st->padding[i] == seq)
			return true;
	return false;
}

/* A delta frame follows the last one released, but for padding between. */
static bool follows(const struct state *st, uint64_t first)
{
	if (!st->released_any || first <= st->last_seq)
		return false;
	if (st->padding_untracked)
		return true;
	if (first - st->last_seq - 1 > st->padding_count)
		return false;
	for (uint64_t q = st->last_seq + 1; q < first; q++)
		if (!was_padding(st, q))
			return false;
	return true;
}

static void check_frame(struct state *st, const struct rtc_video_frame *f)
{
	uint8_t want[32];
	size_t off = 0;

	if (f->last_seq < f->first_seq || f->packets != f->last_seq - f->first_seq + 1)
		abort();
	if (st->released_any && f->first_seq <= st->last_seq)
		abort();   /* out of decode order */
	if (!f->key_frame && !follows(st, f->first_seq))
		abort();   /* a delta frame without its predecessor */
	for (uint64_t q = f->first_seq; q <= f->last_seq; q++) {
		size_t n = payload_len(q);

		make_payload(q, want);
		if (off + n > f->len || (n && memcmp(f->data + off, want, n) != 0))
			abort();
		off += n;
	}
	if (off != f->len || f->complete_time < f->first_arrival)
		abort();
	st->released_any = true;
	st->last_seq = f->last_seq;
}

static void drain(struct rtc_video_jitter *vj, struct state *st, uint64_t now)
{
	struct rtc_video_frame f;
	unsigned n = 0;

	while (rtc_video_jitter_poll_frame(vj, now, &f)) {
		check_frame(st, &f);
		if (++n > 100000)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct rtc_video_jitter_config cfg;
	struct rtc_video_jitter *vj;
	static struct state st;
	uint8_t buf[32];
	uint64_t now = 0, seq = 1000;
	uint32_t ts = 0;
	uint8_t shape = fuzz_input_u8(&in);

	memset(&st, 0, sizeof(st));

	rtc_video_jitter_config_default(&cfg);
	cfg.max_packets = (size_t)8 << (shape & 7);       /* 8 .. 1024 */
	cfg.max_bytes = (size_t)16 << ((shape >> 3) & 15); /* 16 B .. 512 KiB */
	vj = rtc_video_jitter_new(&cfg, NULL);
	if (!vj)
		abort();
	while (in.size) {
		uint8_t op = fuzz_input_u8(&in);

		switch (op & 7) {
		case 0: case 1: case 2: case 3: {
			int8_t delta = (int8_t)fuzz_input_u8(&in);
			uint8_t flags = fuzz_input_u8(&in);
			struct rtc_video_packet p;

			if (delta == -128)
				seq += 40000;   /* a jump far ahead */
			else if (delta < 0 && (uint64_t)-delta > seq)
				seq = 0;
			else
				seq = (uint64_t)((int64_t)seq + delta);
			if (flags & 0x10)
				ts += 3000;
			make_payload(seq, buf);
			p = (struct rtc_video_packet){
				.seq = seq, .timestamp = ts, .frame_start = flags & 1,
				.marker = flags & 2, .key_frame = flags & 4,
				.retransmitted = flags & 8, .payload = buf,
				.len = payload_len(seq),
			};
			rtc_video_jitter_handle_packet(vj, now, &p);
			seq++;
			break;
		}
		case 4:
			drain(vj, &st, now);
			break;
		case 5:
			now += (uint64_t)fuzz_input_u8(&in) * MS;
			drain(vj, &st, now);
			rtc_video_jitter_handle_timeout(vj, now);
			drain(vj, &st, now);
			rtc_video_jitter_need_key_frame(vj, now);
			if (rtc_video_jitter_deadline(vj) <= now)
				abort();   /* the owner's timer would spin */
			break;
		case 6: {
			uint64_t pad = seq + (fuzz_input_u8(&in) & 7);

			if (rtc_video_jitter_handle_padding(vj, now, pad) != RTC_VIDEO_JITTER_INSERTED)
				break;
			if (st.padding_count < sizeof(st.padding) / sizeof(st.padding[0]))
				st.padding[st.padding_count++] = pad;
			else
				st.padding_untracked = true;
			break;
		}
		case 7:
			rtc_video_jitter_set_rtt(vj, (uint64_t)fuzz_input_u8(&in) * 4 * MS);
			break;
		}
		if (rtc_video_jitter_held_packets(vj) > cfg.max_packets ||
		    rtc_video_jitter_held_bytes(vj) > cfg.max_bytes)
			abort();
	}
	drain(vj, &st, now);
	rtc_video_jitter_free(vj);
	return 0;
}
