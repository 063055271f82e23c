/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audio playout buffer driven by a small event loop on a fake clock:
 * packets arrive at the times a test gives, and the buffer is polled at
 * its own deadlines, as its owner would. A steady stream, a loss with the
 * next packet handed along for FEC, reordering within the delay, a packet
 * too late, a DTX pause, the 16-bit and 32-bit wraps, the target delay
 * growing quickly under jitter and shrinking slowly after it, and idling.
 */
#include <string.h>

#include "check.h"
#include "engine/base/sansio.h"
#include "engine/jitter/audio-playout.h"

#define MS 1000000ull
#define FRAME 960u   /* 20 ms at 48 kHz */

static struct rtc_audio_playout *ap;
static uint64_t now;

/* What came out, in order. */
static struct {
	uint64_t at;
	bool lost, expand;
	uint64_t seq;
	uint32_t timestamp;
	bool fec;
	uint8_t first_byte;
} out[4096];
static unsigned nout;

static void fresh(void)
{
	rtc_audio_playout_free(ap);
	ap = rtc_audio_playout_new(NULL, NULL);
	now = 0;
	nout = 0;
}

/* Polls at every deadline up to t. */
static void run_until(uint64_t t)
{
	struct rtc_audio_frame f;

	for (;;) {
		uint64_t d = rtc_audio_playout_deadline(ap);

		if (d > t)
			break;
		now = d > now ? d : now;
		if (!rtc_audio_playout_poll(ap, now, &f))
			continue;   /* went idle */
		if (nout < sizeof(out) / sizeof(out[0]))
			out[nout++] = (typeof(out[0])){
				.at = now, .lost = f.lost, .expand = f.expand, .seq = f.seq,
				.timestamp = f.timestamp, .fec = f.fec_payload != NULL,
				.first_byte = f.len ? f.payload[0] : 0,
			};
	}
	now = t;
}

static enum rtc_audio_playout_insert arrive(uint64_t t, uint64_t seq, uint32_t ts)
{
	uint8_t payload[3] = { (uint8_t)seq, 0xaa, 0xbb };
	struct rtc_audio_packet p = { .seq = seq, .timestamp = ts, .payload = payload,
				      .len = sizeof(payload) };

	run_until(t);
	return rtc_audio_playout_handle_packet(ap, t, &p);
}

/* Gaps concealed between frames played (not after the last one). */
static unsigned count_lost(unsigned from)
{
	unsigned n = 0, last = from;

	for (unsigned i = from; i < nout; i++)
		if (!out[i].lost)
			last = i;
	for (unsigned i = from; i < last; i++)
		n += out[i].lost && !out[i].expand;
	return n;
}

static void test_steady_stream(void)
{
	const struct rtc_audio_playout_stats *st;

	fresh();
	st = rtc_audio_playout_stats(ap);
	for (unsigned i = 0; i < 250; i++)   /* 5 s */
		arrive(i * 20 * MS, 1000 + i, 5000 + i * FRAME);
	run_until(5000 * MS);
	/* The first frame plays after the initial 60 ms. */
	CHECK_INTEQ(out[0].at, 60 * MS);
	CHECK(!out[0].lost);
	CHECK_INTEQ(out[0].seq, 1000);
	CHECK_INTEQ(out[0].timestamp, 5000);
	CHECK_INTEQ(out[0].first_byte, (uint8_t)1000);
	CHECK_INTEQ(count_lost(0), 0);
	/* No jitter: the target shrinks to the 20 ms floor, frames skipped
	 * on the way, and playout continues in order. */
	CHECK_INTEQ(st->target_delay, 20 * MS);
	CHECK(st->removed_samples_for_acceleration >= FRAME);
	CHECK_INTEQ(st->removed_samples_for_acceleration + st->samples_received +
		    rtc_audio_playout_held(ap) * FRAME, 250 * FRAME);
	for (unsigned i = 1; i < nout; i++)
		CHECK(out[i].lost || out[i].seq > out[i - 1].seq);
	CHECK_INTEQ(st->emitted_count, st->samples_received);
	CHECK(st->jitter_buffer_delay > 0);
	CHECK_INTEQ(st->concealed_samples, 0);
	CHECK_INTEQ(st->jitter, 0);
	/* Steady state: each packet plays 20..40 ms after it arrived. */
	CHECK(out[nout - 1].at - (out[nout - 1].seq - 1000) * 20 * MS <= 40 * MS);
}

static void test_loss_fec_and_late(void)
{
	const struct rtc_audio_playout_stats *st;
	unsigned i;

	fresh();
	st = rtc_audio_playout_stats(ap);
	for (i = 0; i < 10; i++)
		if (i != 4)
			arrive(i * 20 * MS, i, i * FRAME);
	run_until(300 * MS);
	/* 4 never came: concealed, with 5 handed along for its FEC. */
	CHECK_INTEQ(count_lost(0), 1);
	for (i = 0; i < nout && out[i].seq != 9; i++)
		if (out[i].lost) {
			CHECK(out[i].fec);
			CHECK_INTEQ(out[i].timestamp, 4 * FRAME);
			CHECK_INTEQ(out[i + 1].seq, 5);
		}
	/* And after 9, the last, the stream ran dry. */
	CHECK_INTEQ(st->concealment_events, 2);
	/* It arrives after its playout time: discarded as late. */
	CHECK_INTEQ(arrive(300 * MS, 4, 4 * FRAME), RTC_AUDIO_PLAYOUT_LATE);
	CHECK_INTEQ(st->packets_late, 1);
	CHECK_INTEQ(st->packets_discarded, 1);
	/* A duplicate of one held. */
	arrive(301 * MS, 20, 20 * FRAME);
	CHECK_INTEQ(arrive(302 * MS, 20, 20 * FRAME), RTC_AUDIO_PLAYOUT_DUPLICATE);
}

static void test_reorder_within_delay(void)
{
	fresh();
	arrive(0, 1, 0);
	arrive(20 * MS, 2, FRAME);
	arrive(60 * MS, 4, 3 * FRAME);
	arrive(65 * MS, 3, 2 * FRAME);   /* overtaken by 4, 25 ms late */
	arrive(80 * MS, 5, 4 * FRAME);
	run_until(200 * MS);
	CHECK_INTEQ(count_lost(0), 0);
	CHECK(nout >= 5);
	for (unsigned i = 0; i < 5 && i < nout; i++)
		CHECK_INTEQ(out[i].seq, i + 1);
}

static void test_wrap_and_dtx(void)
{
	fresh();
	/* Sequence numbers over 65535 (extended) and timestamps over 2^32. */
	uint32_t ts = 0xffffffffu - 2 * FRAME;
	for (unsigned i = 0; i < 10; i++)
		arrive(i * 20 * MS, 65530 + i, ts + i * FRAME);
	/* DTX: 400 ms with no packets, then the next sequence number with a
	 * timestamp 400 ms on. */
	arrive(600 * MS, 65540, ts + 30 * FRAME);
	arrive(620 * MS, 65541, ts + 31 * FRAME);
	run_until(1000 * MS);
	CHECK_INTEQ(rtc_audio_playout_stats(ap)->packets_late, 0);
	CHECK_INTEQ(rtc_audio_playout_stats(ap)->resyncs, 0);
	bool seen40 = false, seen41 = false;
	for (unsigned i = 0; i < nout; i++) {
		seen40 |= !out[i].lost && out[i].seq == 65540;
		seen41 |= !out[i].lost && out[i].seq == 65541;
		if (!out[i].lost && out[i].seq == 65540)
			CHECK_INTEQ(out[i].timestamp, (uint32_t)(ts + 30 * FRAME));
	}
	CHECK(seen40 && seen41);
	CHECK(count_lost(0) >= 15);   /* the pause was concealed */
	/* A second of nothing: idle, no deadline, then a fresh start. */
	run_until(3000 * MS);
	CHECK_INTEQ(rtc_audio_playout_deadline(ap), RTC_NEVER);
	/* A straggler from before the pause is still late. */
	CHECK_INTEQ(arrive(3000 * MS, 65535, ts + 5 * FRAME), RTC_AUDIO_PLAYOUT_LATE);
	CHECK_INTEQ(rtc_audio_playout_deadline(ap), RTC_NEVER);
	arrive(3000 * MS, 65600, 12345);
	CHECK_INTEQ(rtc_audio_playout_deadline(ap), 3000 * MS + rtc_audio_playout_stats(ap)->target_delay);
}

static void test_delay_grows_under_jitter_then_shrinks(void)
{
	const struct rtc_audio_playout_stats *st;
	unsigned i, lost_late;
	uint64_t seq = 0;

	fresh();
	st = rtc_audio_playout_stats(ap);
	for (i = 0; i < 150; i++, seq++)   /* 3 s steady: the floor */
		arrive(i * 20 * MS, seq, (uint32_t)(seq * FRAME));
	run_until(3000 * MS);
	CHECK_INTEQ(st->target_delay, 20 * MS);
	/* 2 s of jitter: every third packet 100 ms late, arriving after the
	 * five that follow it. */
	uint64_t first = seq, at[100], sq[100];
	for (i = 0; i < 100; i++) {
		unsigned k = i;

		sq[i] = first + i;
		at[i] = sq[i] * 20 * MS + (i % 3 == 2 && i < 95 ? 100 * MS : 0);
		for (; k > 0 && at[k - 1] > at[k]; k--) {   /* by arrival */
			uint64_t x = at[k], y = sq[k];
			at[k] = at[k - 1], sq[k] = sq[k - 1];
			at[k - 1] = x, sq[k - 1] = y;
		}
	}
	for (i = 0; i < 100; i++) {
		arrive(at[i], sq[i], (uint32_t)(sq[i] * FRAME));
		if (i == 12)   /* up at once, after the first late one */
			CHECK(st->target_delay >= 95 * MS);
	}
	seq = first + 100;
	run_until(seq * 20 * MS);
	CHECK(st->target_delay >= 95 * MS && st->target_delay <= 110 * MS);
	CHECK(st->inserted_samples_for_deceleration >= 4 * FRAME);
	lost_late = (unsigned)st->packets_late;
	/* The late ones were concealed only while the buffer grew. */
	CHECK(lost_late <= 3);
	/* Steady again: the window remembers 2 s, then 20 ms per second. */
	uint64_t calm = seq;
	for (i = 0; i < 400; i++, seq++) {
		arrive(seq * 20 * MS, seq, (uint32_t)(seq * FRAME));
		if (seq == calm + 50)   /* 1 s later */
			CHECK(st->target_delay >= 95 * MS);
		if (seq == calm + 150)  /* 3 s later: shrinking, slowly */
			CHECK(st->target_delay < 95 * MS && st->target_delay > 60 * MS);
	}
	run_until(seq * 20 * MS);
	CHECK_INTEQ(st->target_delay, 20 * MS);
	CHECK(st->removed_samples_for_acceleration >= 3 * FRAME);
	CHECK_INTEQ(st->packets_late, lost_late);
}

static void test_resync_and_limits(void)
{
	struct rtc_audio_playout_config cfg;
	uint8_t big[RTC_AUDIO_PLAYOUT_MAX_PAYLOAD + 1] = { 0 };
	struct rtc_audio_packet p = { .seq = 1, .payload = big, .len = sizeof(big) };

	fresh();
	CHECK_INTEQ(rtc_audio_playout_handle_packet(ap, 0, &p), RTC_AUDIO_PLAYOUT_TOO_BIG);
	arrive(0, 1, 0);
	arrive(20 * MS, 2, FRAME);
	/* The sender's clock jumps by an hour: a new timeline. */
	arrive(40 * MS, 3, FRAME + 48000u * 3600);
	CHECK_INTEQ(rtc_audio_playout_stats(ap)->resyncs, 1);
	run_until(200 * MS);
	CHECK_INTEQ(out[nout - 1].lost, true);   /* 3 played, then nothing */
	bool seen3 = false;
	for (unsigned i = 0; i < nout; i++)
		seen3 |= !out[i].lost && out[i].seq == 3;
	CHECK(seen3);
	rtc_audio_playout_config_default(&cfg);
	cfg.capacity = 1;
	CHECK(rtc_audio_playout_new(&cfg, NULL) == NULL);
}

int main(void)
{
	RUN(test_steady_stream);
	RUN(test_loss_fec_and_late);
	RUN(test_reorder_within_delay);
	RUN(test_wrap_and_dtx);
	RUN(test_delay_grows_under_jitter_then_shrinks);
	RUN(test_resync_and_limits);
	rtc_audio_playout_free(ap);
	return rtc_test_done();
}
