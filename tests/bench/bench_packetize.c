/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTP packetize and depacketize, nanoseconds per frame on one core (thread
 * CPU time), MTU 1200, through engine/packetize: an Opus 20 ms packet
 * (~160 bytes), and for VP8 and H.264 a delta frame of a 1.5 Mbit/s 30 fps
 * stream (~6 KB) and a key frame (~40 KB). Depacketizing includes putting
 * the frame back together in one buffer (H.264 writes Annex-B there; VP8's
 * pieces are copied), as a decoder needs it. Prints figures; fails only if
 * a frame does not come back byte for byte.
 *
 * BENCH_PACKETIZE_SECONDS (default 0.2) is the timed length of one
 * measurement; each is taken three times and the best kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/packetize/h264.h"
#include "engine/packetize/opus.h"
#include "engine/packetize/vp8.h"

#define MTU 1200
#define HEADROOM 12		/* the RTP header, written later by engine/rtp */
#define FRAME_MAX (64 * 1024)
#define SLOTS_MAX 128

enum codec { OPUS, VP8, H264 };

struct bench_case {
	const char *name;
	enum codec codec;
	bool key;
	size_t len;
};

static double seconds_per_run = 0.2;

static uint8_t frame[FRAME_MAX];
static size_t frame_len;
static uint8_t wire[FRAME_MAX + SLOTS_MAX * (HEADROOM + 16)];
static struct rtc_frame_payload slots[SLOTS_MAX];
static struct rtc_frame_payloads out = {
	.buf = wire, .cap = sizeof(wire), .slots = slots, .max_slots = SLOTS_MAX,
	.headroom = HEADROOM, .mtu = MTU,
};
static uint8_t assembled[FRAME_MAX + 1024];
static size_t assembled_len;

static struct rtc_vp8_packetizer vp8;
static struct rtc_h264_packetizer h264;
static struct rtc_h264_depacketizer h264_rx;

static _Noreturn void fail(const char *what, const char *why)
{
	fprintf(stderr, "bench-packetize: %s: %s\n", what, why);
	exit(1);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift: frame bytes that look like encoder output, the same every run. */
static uint32_t rng_state = 0x2545f491u;

static uint8_t next_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return (uint8_t)rng_state;
}

/* Encoded bytes never hold 00 00 0x (H.264 emulation prevention): keep
 * every byte non-zero, simplest for all three codecs. */
static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = next_byte();

		p[i] = b ? b : 0x5a;
	}
}

static size_t put_nal(uint8_t *p, uint8_t header, uint8_t first, size_t len)
{
	static const uint8_t start[4] = { 0, 0, 0, 1 };

	memcpy(p, start, 4);
	p[4] = header;
	fill(p + 5, len - 1);
	p[5] = first;
	return 4 + len;
}

static void make_frame(const struct bench_case *c)
{
	frame_len = c->len;
	switch (c->codec) {
	case OPUS:
		fill(frame, frame_len);
		/* TOC: config 31 (CELT FB 20 ms), mono, code 0: one frame. */
		frame[0] = 0xf8;
		break;
	case VP8:
		fill(frame, frame_len);
		/* VP8 payload header: P=0 key frame with its start code, or P=1. */
		if (c->key) {
			frame[0] = 0x10;
			memcpy(frame + 3, "\x9d\x01\x2a", 3);
		} else {
			frame[0] = 0x31;
		}
		break;
	case H264: {
		size_t n = 0;

		/* Slices start with first_mb_in_slice = 0 (ue(v) "1"): 0x88. */
		if (c->key) {
			n += put_nal(frame + n, 0x67, 0x42, 12);	/* SPS */
			n += put_nal(frame + n, 0x68, 0xce, 4);		/* PPS */
			n += put_nal(frame + n, 0x65, 0x88, frame_len - n - 4);
		} else {
			n += put_nal(frame + n, 0x41, 0x88, frame_len - 4);
		}
		frame_len = n;
		break;
	}
	}
}

static void packetize(enum codec codec)
{
	struct rtc_error err = { 0 };
	int r = -1;

	switch (codec) {
	case OPUS: r = rtc_opus_packetize(frame, frame_len, false, &out, &err); break;
	case VP8: r = rtc_vp8_packetize(&vp8, frame, frame_len, &out, &err); break;
	case H264: r = rtc_h264_packetize(&h264, frame, frame_len, &out, &err); break;
	}
	if (r < 0)
		fail("packetize", err.message);
}

/* All payloads of the frame in out back into assembled[]; 0 if the flags
 * (start, end, key frame) were not what the frame says. */
static int depacketize(const struct bench_case *c)
{
	struct rtc_error err = { 0 };
	bool key = false;
	int ok = 1;

	assembled_len = 0;
	for (size_t i = 0; i < out.count; i++) {
		const uint8_t *payload = rtc_frame_payloads_data(&out, i);
		size_t len = out.slots[i].len;
		bool marker = out.slots[i].marker, first = i == 0, last = i + 1 == out.count;

		switch (c->codec) {
		case OPUS: {
			struct rtc_opus_packet pkt;

			if (rtc_opus_depacketize(payload, len, marker, &pkt, &err) < 0)
				fail("rtc_opus_depacketize", err.message);
			memcpy(assembled + assembled_len, pkt.data, pkt.len);
			assembled_len += pkt.len;
			ok &= pkt.samples == 960;
			break;
		}
		case VP8: {
			struct rtc_vp8_depacketized d;

			if (rtc_vp8_depacketize(payload, len, marker, &d, &err) < 0)
				fail("rtc_vp8_depacketize", err.message);
			memcpy(assembled + assembled_len, d.data, d.len);
			assembled_len += d.len;
			ok &= d.frame_start == first && d.frame_end == last;
			if (first)
				ok &= d.key_frame == c->key;
			break;
		}
		case H264: {
			struct rtc_h264_depacketized d;

			if (rtc_h264_depacketize(&h264_rx, payload, len, marker,
						 assembled + assembled_len,
						 sizeof(assembled) - assembled_len, &d, &err) < 0)
				fail("rtc_h264_depacketize", err.message);
			assembled_len += d.len;
			ok &= d.frame_end == last;
			if (first)
				ok &= d.frame_start;
			/* SPS and PPS may come first, the IDR in a later payload. */
			key |= d.key_frame;
			break;
		}
		}
	}
	if (c->codec == H264)
		ok &= key == c->key;
	return ok;
}

static void check_round_trip(const struct bench_case *c)
{
	packetize(c->codec);
	if (!depacketize(c))
		fail(c->name, "start, end or key-frame flags lost");
	if (assembled_len != frame_len || memcmp(assembled, frame, frame_len) != 0)
		fail(c->name, "the frame did not come back byte for byte");
	for (size_t i = 0; i < out.count; i++)
		if (out.slots[i].len > MTU)
			fail(c->name, "a payload is above the MTU");
}

/* Nanoseconds of CPU per frame, best of three runs. */
static double measure(const struct bench_case *c, int depack)
{
	double best = 0;

	for (int round = 0; round < 3; round++) {
		double spent = 0;
		long frames = 0;

		while (spent < seconds_per_run) {
			double t0 = cpu_now();

			for (int i = 0; i < 64; i++) {
				if (depack)
					depacketize(c);
				else
					packetize(c->codec);
			}
			spent += cpu_now() - t0;
			frames += 64;
		}
		double ns = spent * 1e9 / (double)frames;

		if (best == 0 || ns < best)
			best = ns;
	}
	return best;
}

int main(void)
{
	static const struct bench_case cases[] = {
		{ "Opus 20 ms", OPUS, false, 160 },
		{ "VP8 delta", VP8, false, 6250 },
		{ "VP8 key", VP8, true, 40000 },
		{ "H.264 delta", H264, false, 6250 },
		{ "H.264 key", H264, true, 40000 },
	};
	const char *env = getenv("BENCH_PACKETIZE_SECONDS");

	if (env && atof(env) > 0)
		seconds_per_run = atof(env);
	rtc_vp8_packetizer_init(&vp8, 0x1234);
	rtc_h264_packetizer_init(&h264, 1);
	rtc_h264_depacketizer_reset(&h264_rx);

	printf("RTP payloads, MTU %d, one core (thread CPU time), best of 3 x %.2f s\n", MTU,
	       seconds_per_run);
	printf("%-12s %7s %8s %15s %17s %12s\n", "frame", "bytes", "payloads",
	       "packetize ns", "depacketize ns", "pack MB/s");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bench_case *c = &cases[i];

		make_frame(c);
		check_round_trip(c);
		size_t payloads = out.count;
		double pack = measure(c, 0);

		/* The payloads of the last packetize, depacketized over and over. */
		check_round_trip(c);
		double depack = measure(c, 1);

		if (assembled_len != frame_len || memcmp(assembled, frame, frame_len) != 0)
			fail(c->name, "the frame did not come back byte for byte");
		printf("%-12s %7zu %8zu %15.0f %17.0f %12.0f\n", c->name, frame_len, payloads,
		       pack, depack, (double)frame_len / pack * 1e3);
		fflush(stdout);
	}
	printf("ns: per frame, all its payloads; depacketize includes reassembling the frame\n");
	return 0;
}
