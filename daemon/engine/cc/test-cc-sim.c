/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The congestion controller in a closed loop, in fake time: an ideal
 * encoder (30 frames a second of target/30 bytes, in packets of at most
 * 1200 bytes, optionally capped) -> pacer -> twcc-sender -> a bottleneck
 * link (a FIFO drained at the link rate, 25 ms propagation each way,
 * drop-tail at 200 ms of queue) -> twcc-receiver -> feedback as RTCP bytes
 * back over 25 ms -> twcc-sender -> gcc -> target and pacing rate.
 *
 * Deterministic: no randomness, time moves from one due event to the next
 * (at most 1 ms at a time). CC_SIM_TRACE=1 in the environment prints
 * the target every 100 ms.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/base/sansio.h"
#include "engine/cc/gcc.h"
#include "engine/cc/pacer.h"
#include "engine/cc/twcc-receiver.h"
#include "engine/cc/twcc-sender.h"
#include "engine/rtcp/rtcp.h"

#define MS 1000000ull
#define S 1000000000ull
#define PROPAGATION (25 * MS)
#define DROP_TAIL (200 * MS)
#define MAX_INFLIGHT 65536u
#define FEEDBACK_QUEUE 256u

struct flying {
	uint64_t arrive;
	uint16_t seq;
};

struct feedback {
	uint64_t arrive;
	size_t len;
	uint8_t bytes[1500];
};

struct sim {
	uint64_t now;
	/* sender */
	struct rtc_gcc *gcc;
	struct rtc_pacer *pacer;
	struct rtc_twcc_sender tx;
	uint64_t encoder_cap;           /* bps; 0: none */
	uint64_t next_frame;
	uint64_t next_handle;
	bool remb_only;
	bool video_follows;             /* (target - 32 kbit/s) x 0.9, at least 45 kbit/s */
	uint64_t audio_bps;             /* unpaced 20 ms packets; 0: none */
	uint64_t next_audio;
	/* link */
	uint64_t link_bps;
	uint64_t link_free;             /* when the link has sent all it holds */
	uint64_t drop_tail;             /* queue beyond which packets drop; 0: DROP_TAIL */
	uint64_t jitter;                /* up to this much extra delay a packet (in order) */
	uint32_t rng;
	uint64_t last_arrival;
	struct flying flying[MAX_INFLIGHT];
	size_t fly_head, fly_count;
	uint64_t dropped, sent;
	/* receiver */
	struct rtc_twcc_receiver rx;
	uint64_t next_remb;
	struct feedback *fb;
	size_t fb_head, fb_count;
	struct rtc_cc_packet_result results[RTC_TWCC_MAX_STATUSES];
};

static void sim_init(struct sim *s, uint64_t link_bps, const struct rtc_gcc_config *config)
{
	memset(s, 0, sizeof(*s));
	s->now = 1 * S;
	s->gcc = rtc_gcc_new(config, s->now);
	s->pacer = rtc_pacer_new(NULL);
	s->fb = calloc(FEEDBACK_QUEUE, sizeof(*s->fb));
	rtc_twcc_sender_init(&s->tx);
	rtc_twcc_receiver_init(&s->rx, 0x1111, 0x2222);
	s->link_bps = link_bps;
	s->next_frame = s->now;
	s->next_audio = s->now;
	s->next_remb = s->now + 500 * MS;
}

static void sim_free(struct sim *s)
{
	rtc_gcc_free(s->gcc);
	rtc_pacer_free(s->pacer);
	free(s->fb);
}

static void gcc_events(struct sim *s)
{
	struct rtc_gcc_event ev;

	while (rtc_gcc_poll_event(s->gcc, &ev)) {
		if (ev.type == RTC_GCC_TARGET)
			rtc_pacer_set_rate(s->pacer, s->now, ev.pacing_bps);
		else if (ev.type == RTC_GCC_PROBE)
			rtc_pacer_probe(s->pacer, s->now, &ev.probe);
	}
}

/* One packet onto the bottleneck: queued behind what it holds, or
 * dropped when that is more than DROP_TAIL of sending. */
static void link_send(struct sim *s, uint32_t size, uint16_t seq)
{
	uint64_t start = s->link_free > s->now ? s->link_free : s->now, arrive;

	s->sent++;
	if (start - s->now > (s->drop_tail ? s->drop_tail : DROP_TAIL) || s->fly_count == MAX_INFLIGHT) {
		s->dropped++;
		return;
	}
	s->link_free = start + (uint64_t)size * 8 * S / s->link_bps;
	arrive = s->link_free + PROPAGATION;
	if (s->jitter) {
		s->rng = s->rng * 1664525u + 1013904223u;
		arrive += (s->rng >> 8) % s->jitter;
		if (arrive < s->last_arrival)
			arrive = s->last_arrival;   /* jitter, not reordering */
	}
	s->last_arrival = arrive;
	s->flying[(s->fly_head + s->fly_count++) % MAX_INFLIGHT] = (struct flying){
		.arrive = arrive,
		.seq = seq,
	};
}

static void encode(struct sim *s)
{
	uint64_t rate = rtc_gcc_target_bps(s->gcc);
	uint64_t bytes;

	if (s->video_follows)
		rate = rate > 32000 + 50000 ? (rate - 32000) * 9 / 10 : 45000;
	if (s->encoder_cap && rate > s->encoder_cap)
		rate = s->encoder_cap;
	bytes = rate / 8 / 30;
	while (bytes) {
		uint32_t size = bytes > 1200 ? 1200 : (uint32_t)bytes;

		CHECK_INTEQ(rtc_pacer_enqueue(s->pacer, s->now, s->next_handle++, size,
					      RTC_PACER_VIDEO, NULL), 0);
		bytes -= size;
	}
	s->next_frame += S / 30;
}

/* Audio is not paced: straight onto the link, as the peer connection
 * sends it. */
static void audio(struct sim *s)
{
	uint32_t size = (uint32_t)(s->audio_bps / 8 / 50);
	uint16_t seq = rtc_twcc_sender_on_send(&s->tx, s->now, size, RTC_CC_NO_CLUSTER, false);

	rtc_gcc_on_packet_sent(s->gcc, s->now, size);
	link_send(s, size, seq);
	s->next_audio += 20 * MS;
}

static void pace(struct sim *s)
{
	struct rtc_pacer_item item;

	while (rtc_pacer_poll(s->pacer, s->now, &item)) {
		uint16_t seq = rtc_twcc_sender_on_send(&s->tx, s->now, item.size, item.probe_cluster,
						       false);

		rtc_gcc_on_packet_sent(s->gcc, s->now, item.size);
		link_send(s, item.size, seq);
	}
}

static void receive(struct sim *s)
{
	while (s->fly_count && s->flying[s->fly_head].arrive <= s->now) {
		struct flying *f = &s->flying[s->fly_head];

		if (!s->remb_only)   /* no transport-cc negotiated */
			rtc_twcc_receiver_handle_packet(&s->rx, f->arrive, f->seq);
		s->fly_head = (s->fly_head + 1) % MAX_INFLIGHT;
		s->fly_count--;
	}
	rtc_twcc_receiver_handle_timeout(&s->rx, s->now);
	if (!s->remb_only) {
		struct rtc_rtcp_item item;

		while (rtc_twcc_receiver_poll_feedback(&s->rx, s->now, &item)) {
			struct feedback *f;
			long len;

			if (s->fb_count == FEEDBACK_QUEUE)
				break;
			f = &s->fb[(s->fb_head + s->fb_count++) % FEEDBACK_QUEUE];
			len = rtc_rtcp_write(&item, 1, f->bytes, sizeof(f->bytes), NULL);
			CHECK(len > 0);
			f->len = len > 0 ? (size_t)len : 0;
			f->arrive = s->now + PROPAGATION;
		}
	}
}

static void feedback(struct sim *s)
{
	while (s->fb_count && s->fb[s->fb_head].arrive <= s->now) {
		struct feedback *f = &s->fb[s->fb_head];
		struct rtc_arena *arena = rtc_arena_new();
		struct rtc_rtcp_compound c;
		struct rtc_error err = { 0 };

		CHECK_INTEQ(rtc_rtcp_parse(f->bytes, f->len, arena, &c, &err), 0);
		for (size_t i = 0; i < c.count; i++) {
			size_t n;

			if (c.items[i].type != RTC_RTCP_TWCC)
				continue;
			CHECK_INTEQ(rtc_twcc_sender_handle_feedback(&s->tx, &c.items[i].twcc,
								    s->results,
								    RTC_TWCC_MAX_STATUSES, &n, &err),
				    0);
			rtc_gcc_handle_feedback(s->gcc, s->now, s->results, n);
		}
		rtc_arena_free(arena);
		s->fb_head = (s->fb_head + 1) % FEEDBACK_QUEUE;
		s->fb_count--;
	}
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Runs until `until`; calls check(s) at every whole 100 ms. */
static void sim_run(struct sim *s, uint64_t until, uint64_t remb_bps)
{
	uint64_t next_report = s->now - s->now % (100 * MS) + 100 * MS;

	while (s->now < until) {
		uint64_t next;

		gcc_events(s);
		if (s->now >= s->next_frame)
			encode(s);
		if (s->audio_bps && s->now >= s->next_audio)
			audio(s);
		pace(s);
		receive(s);
		feedback(s);
		if (s->remb_only && s->now >= s->next_remb) {
			rtc_gcc_handle_remb(s->gcc, s->now, remb_bps);
			s->next_remb += 1 * S;
		}
		rtc_gcc_handle_timeout(s->gcc, s->now);
		gcc_events(s);
		pace(s);
		if (getenv("CC_SIM_TRACE") && s->now >= next_report) {
			printf("# t=%.1f target=%llu acked=%llu alr=%d queue=%zu dropped=%llu\n",
			       (double)s->now / S, (unsigned long long)rtc_gcc_target_bps(s->gcc),
			       (unsigned long long)rtc_gcc_acked_bps(s->gcc),
			       rtc_gcc_in_alr(s->gcc), rtc_pacer_queued_packets(s->pacer),
			       (unsigned long long)s->dropped);
			next_report += 100 * MS;
		}
		next = min_u64(s->now + 1 * MS, s->next_frame);
		if (s->audio_bps)
			next = min_u64(next, s->next_audio);
		next = min_u64(next, rtc_pacer_deadline(s->pacer));
		next = min_u64(next, rtc_twcc_receiver_deadline(&s->rx));
		next = min_u64(next, rtc_gcc_deadline(s->gcc));
		if (s->fly_count)
			next = min_u64(next, s->flying[s->fly_head].arrive);
		if (s->fb_count)
			next = min_u64(next, s->fb[s->fb_head].arrive);
		s->now = next > s->now ? next : s->now + 1;
	}
}

static bool within(uint64_t v, uint64_t want, double tolerance)
{
	return (double)v >= (double)want * (1 - tolerance) &&
	       (double)v <= (double)want * (1 + tolerance);
}

/* Samples the target every 100 ms from `from` to `until`: all within
 * tolerance of want, reports the worst. */
static void expect_settled(struct sim *s, uint64_t until, uint64_t want, double tolerance)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	while (s->now < until) {
		uint64_t t;

		sim_run(s, s->now + 100 * MS, 0);
		t = rtc_gcc_target_bps(s->gcc);
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	printf("# target in [%llu, %llu] (want %llu +- %.0f%%), dropped %llu of %llu\n",
	       (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)want,
	       tolerance * 100, (unsigned long long)s->dropped, (unsigned long long)s->sent);
	CHECK(within(lo, want, tolerance));
	CHECK(within(hi, want, tolerance));
}

static void test_settles_at_link_rate(void)
{
	struct sim *s = malloc(sizeof(*s));

	sim_init(s, 1000000, NULL);
	sim_run(s, 16 * S, 0);
	expect_settled(s, 31 * S, 1000000, 0.2);
	sim_free(s);
	free(s);
}

static void test_backs_off_when_link_drops(void)
{
	struct sim *s = malloc(sizeof(*s));
	uint64_t t;

	sim_init(s, 1000000, NULL);
	sim_run(s, 16 * S, 0);
	t = rtc_gcc_target_bps(s->gcc);
	CHECK(within(t, 1000000, 0.2));
	s->link_bps = 300000;
	sim_run(s, 19 * S, 0);
	t = rtc_gcc_target_bps(s->gcc);
	printf("# 3 s after the drop: %llu\n", (unsigned long long)t);
	CHECK(within(t, 300000, 0.2));
	expect_settled(s, 36 * S, 300000, 0.25);
	sim_free(s);
	free(s);
}

/* The max of the target over [now, until). */
static uint64_t max_target(struct sim *s, uint64_t until)
{
	uint64_t hi = 0;

	while (s->now < until) {
		uint64_t t;

		sim_run(s, s->now + 100 * MS, 0);
		t = rtc_gcc_target_bps(s->gcc);
		hi = t > hi ? t : hi;
	}
	return hi;
}

/* An encoder that never sends more than 200 kbit/s on a 5 Mbit/s link,
 * without probes: the target grows to 1.5 x what is acked + 10 kbit/s and
 * no further, however long it waits (libwebrtc's bound). */
static void test_application_limited_without_probes(void)
{
	struct sim *s = malloc(sizeof(*s));
	struct rtc_gcc_config config;
	uint64_t hi;

	rtc_gcc_config_default(&config);
	config.initial_probe = false;
	config.probe_on_alr_exit = false;
	sim_init(s, 5000000, &config);
	s->encoder_cap = 200000;
	sim_run(s, 6 * S, 0);
	CHECK(rtc_gcc_target_bps(s->gcc) >= 200000);
	hi = max_target(s, 31 * S);
	printf("# application-limited at 200 kbit/s: target at most %llu, acked %llu, alr %d\n",
	       (unsigned long long)hi, (unsigned long long)rtc_gcc_acked_bps(s->gcc),
	       rtc_gcc_in_alr(s->gcc));
	/* 10 %: the acked rate of 150 ms windows of 30 fps frames wobbles. */
	CHECK(hi <= 1.5 * 200000 * 1.1 + 10000);
	CHECK(hi < 2 * 200000);
	CHECK(rtc_gcc_target_bps(s->gcc) >= 200000);
	sim_free(s);
	free(s);
}

/* The same with the initial probes: they show the link's capacity and
 * the target may go there, but not beyond it and not growing after. */
static void test_application_limited_with_probes(void)
{
	struct sim *s = malloc(sizeof(*s));
	uint64_t at5, hi;

	sim_init(s, 5000000, NULL);
	s->encoder_cap = 200000;
	sim_run(s, 5 * S, 0);
	at5 = rtc_gcc_target_bps(s->gcc);
	CHECK(rtc_gcc_in_alr(s->gcc));
	hi = max_target(s, 31 * S);
	printf("# application-limited, probed: target %llu at 5 s, at most %llu after\n",
	       (unsigned long long)at5, (unsigned long long)hi);
	CHECK(at5 > 1000000);       /* the probes measured well above 200 kbit/s */
	CHECK(at5 <= 5000000);
	CHECK(hi <= at5);           /* and nothing grew while application-limited */
	sim_free(s);
	free(s);
}

/* A peer that sends REMB and no transport-wide feedback: the target is
 * its REMB, also when that moves. */
static void test_remb_only(void)
{
	struct sim *s = malloc(sizeof(*s));

	sim_init(s, 5000000, NULL);
	s->remb_only = true;
	sim_run(s, 3 * S, 700000);
	CHECK_INTEQ(rtc_gcc_target_bps(s->gcc), 700000);
	sim_run(s, 6 * S, 400000);
	CHECK_INTEQ(rtc_gcc_target_bps(s->gcc), 400000);
	sim_run(s, 9 * S, 2000000);
	CHECK_INTEQ(rtc_gcc_target_bps(s->gcc), 2000000);
	CHECK_INTEQ(s->tx.feedbacks, 0);
	sim_free(s);
	free(s);
}

/* The link widens from 300 kbit/s to 2 Mbit/s: the target finds it
 * (8 %/s once past the old capacity), without probes to help. */
static void test_follows_link_up(void)
{
	struct sim *s = malloc(sizeof(*s));
	uint64_t when = 0;

	sim_init(s, 300000, NULL);
	sim_run(s, 16 * S, 0);
	CHECK(within(rtc_gcc_target_bps(s->gcc), 300000, 0.25));
	s->link_bps = 2000000;
	while (s->now < 60 * S && !when) {
		sim_run(s, s->now + 100 * MS, 0);
		if (rtc_gcc_target_bps(s->gcc) >= 1600000)
			when = s->now;
	}
	printf("# 80 %% of the wider link after %.1f s\n", when ? (double)(when - 16 * S) / S : -1.0);
	CHECK(when && when - 16 * S <= 30 * S);
	expect_settled(s, s->now + 10 * S, 2000000, 0.25);
	sim_free(s);
	free(s);
}

/* The application sends 200 kbit/s for 10 s (no initial probes), then
 * all it may: leaving ALR, a probe at twice the target and the
 * exponential probes after it find the 5 Mbit/s in a second or two,
 * where 8 %/s would take half a minute. */
static void test_probe_on_alr_exit(void)
{
	struct sim *s = malloc(sizeof(*s));
	struct rtc_gcc_config config;
	uint64_t when = 0;

	rtc_gcc_config_default(&config);
	config.initial_probe = false;
	sim_init(s, 5000000, &config);
	s->encoder_cap = 200000;
	sim_run(s, 11 * S, 0);
	CHECK(rtc_gcc_in_alr(s->gcc));
	CHECK(rtc_gcc_target_bps(s->gcc) < 400000);
	s->encoder_cap = 0;
	while (s->now < 21 * S && !when) {
		sim_run(s, s->now + 100 * MS, 0);
		if (rtc_gcc_target_bps(s->gcc) >= 3000000)
			when = s->now;
	}
	printf("# 3 Mbit/s %.1f s after leaving ALR\n", when ? (double)(when - 11 * S) / S : -1.0);
	CHECK(when && when - 11 * S <= 3 * S);
	CHECK(!rtc_gcc_in_alr(s->gcc));
	CHECK(rtc_gcc_target_bps(s->gcc) <= 5000000);
	sim_free(s);
	free(s);
}

/* Up to 20 ms of random (seeded) delay on every packet over the 1 Mbit/s
 * link: noise, not congestion; the target stays within 25 % of the link
 * rate (its lowest is 20 % under). */
static void test_jitter(void)
{
	struct sim *s = malloc(sizeof(*s));

	sim_init(s, 1000000, NULL);
	s->jitter = 20 * MS;
	s->rng = 7;
	sim_run(s, 16 * S, 0);
	expect_settled(s, 31 * S, 1000000, 0.25);
	sim_free(s);
	free(s);
}

/* The peer connection's case: unpaced audio (50 kbit/s with headers)
 * beside video that takes what the target leaves ((target - 32 kbit/s) x
 * 0.9, at least 45 kbit/s), a drop-tail queue of 300 ms, 1 Mbit/s and
 * then 300 kbit/s, the feedback path unlimited. The queue overflows at the
 * drop and loses a burst; the target comes down to the link, not below
 * 200 kbit/s (it went to 163 kbit/s when the loss-based limit cut once
 * per feedback, and in the peer connection to the minimum), is within
 * 20 % of the link 10 s after the drop and stays within 25 % (the AIMD
 * sawtooth's floor is 0.85 x the acked rate) for the 10 s after. */
static void test_audio_video_link_drop(void)
{
	struct sim *s = malloc(sizeof(*s));
	uint64_t lo = UINT64_MAX, at10 = 0, settled_lo = UINT64_MAX, settled_hi = 0;

	sim_init(s, 1000000, NULL);
	s->video_follows = true;
	s->audio_bps = 50000;
	s->drop_tail = 300 * MS;
	sim_run(s, 16 * S, 0);
	CHECK(within(rtc_gcc_target_bps(s->gcc), 1000000, 0.2));
	s->link_bps = 300000;
	while (s->now < 36 * S) {
		uint64_t t;

		sim_run(s, s->now + 100 * MS, 0);
		t = rtc_gcc_target_bps(s->gcc);
		if (getenv("CC_SIM_TRACE"))
			printf("# t=%.1f target=%llu acked=%llu dropped=%llu\n", (double)s->now / S,
			       (unsigned long long)t, (unsigned long long)rtc_gcc_acked_bps(s->gcc),
			       (unsigned long long)s->dropped);
		lo = t < lo ? t : lo;
		if (s->now == 26 * S)
			at10 = t;
		if (s->now >= 26 * S) {
			settled_lo = t < settled_lo ? t : settled_lo;
			settled_hi = t > settled_hi ? t : settled_hi;
		}
	}
	printf("# after the drop: lowest %llu, %llu at 10 s, then in [%llu, %llu], "
	       "dropped %llu of %llu\n",
	       (unsigned long long)lo, (unsigned long long)at10, (unsigned long long)settled_lo,
	       (unsigned long long)settled_hi, (unsigned long long)s->dropped,
	       (unsigned long long)s->sent);
	CHECK(lo >= 200000);
	CHECK(within(at10, 300000, 0.2));
	CHECK(within(settled_lo, 300000, 0.25));
	CHECK(within(settled_hi, 300000, 0.25));
	sim_free(s);
	free(s);
}

int main(void)
{
	RUN(test_settles_at_link_rate);
	RUN(test_backs_off_when_link_drops);
	RUN(test_follows_link_up);
	RUN(test_jitter);
	RUN(test_application_limited_without_probes);
	RUN(test_application_limited_with_probes);
	RUN(test_probe_on_alr_exit);
	RUN(test_remb_only);
	RUN(test_audio_video_link_drop);
	return rtc_test_done();
}
