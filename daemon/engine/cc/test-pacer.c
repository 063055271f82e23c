/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pacer: packets leave at the pacing rate in bursts of at most 5 ms
 * of budget, by priority, audio unpaced unless asked; a queue that would
 * take more than 2 s drains faster; a probe cluster goes at its own rate,
 * media first then padding, tagged; deadlines are exact.
 */
#include <string.h>

#include "check.h"
#include "engine/base/sansio.h"
#include "engine/cc/pacer.h"

#define MS 1000000ull
#define S 1000000000ull

/* Polls at every deadline until the queue is empty or `until`; returns
 * the time the last item went, counts items and bytes. */
static uint64_t drain(struct rtc_pacer *p, uint64_t now, uint64_t until, size_t *items,
		      uint64_t *bytes)
{
	struct rtc_pacer_item item;
	uint64_t last = now;

	*items = 0;
	*bytes = 0;
	while (now < until) {
		uint64_t d;

		while (rtc_pacer_poll(p, now, &item)) {
			(*items)++;
			*bytes += item.size;
			last = now;
		}
		d = rtc_pacer_deadline(p);
		if (d == RTC_NEVER)
			break;
		CHECK(d > now);   /* nothing more was due now */
		now = d;
	}
	return last;
}

static void test_paces_at_rate(void)
{
	struct rtc_pacer_config config = { .pacing_bps = 1000000 };
	struct rtc_pacer *p = rtc_pacer_new(&config);
	struct rtc_pacer_item item;
	uint64_t t0 = 10 * S, last, bytes;
	size_t items, burst = 0;

	CHECK_INTEQ(rtc_pacer_deadline(p), RTC_NEVER);
	for (unsigned i = 0; i < 100; i++)
		CHECK_INTEQ(rtc_pacer_enqueue(p, t0, i, 1250, RTC_PACER_VIDEO, NULL), 0);
	CHECK_INTEQ(rtc_pacer_queued_packets(p), 100);
	CHECK_INTEQ(rtc_pacer_queued_bytes(p), 125000);
	/* Budget starts empty: one packet goes at once, then one every 10 ms. */
	while (rtc_pacer_poll(p, t0, &item)) {
		CHECK_INTEQ(item.handle, burst);
		CHECK_INTEQ(item.kind, RTC_PACER_PACKET);
		CHECK_INTEQ(item.probe_cluster, RTC_CC_NO_CLUSTER);
		burst++;
	}
	CHECK_INTEQ(burst, 1);
	CHECK_INTEQ(rtc_pacer_deadline(p), t0 + 10 * MS);
	CHECK(!rtc_pacer_poll(p, t0 + 10 * MS - 1, &item));
	last = drain(p, t0 + 10 * MS - 1, 100 * S, &items, &bytes);
	CHECK_INTEQ(items, 99);
	CHECK_INTEQ(last, t0 + 990 * MS);   /* 125000 bytes at 1 Mbit/s */
	CHECK_INTEQ(rtc_pacer_oldest(p, last), 0);

	/* After a second idle, at most 5 ms of budget (625 bytes) is saved:
	 * two packets go at once, not eight. */
	for (unsigned i = 0; i < 8; i++)
		rtc_pacer_enqueue(p, last + 1 * S, i, 1250, RTC_PACER_VIDEO, NULL);
	burst = 0;
	while (rtc_pacer_poll(p, last + 1 * S, &item))
		burst++;
	CHECK_INTEQ(burst, 1);
	CHECK_INTEQ(rtc_pacer_oldest(p, last + 1 * S + 3 * MS), 3 * MS);
	rtc_pacer_free(p);
}

static void test_priorities(void)
{
	struct rtc_pacer_config config = { .pacing_bps = 1000000 };
	struct rtc_pacer *p = rtc_pacer_new(&config);
	struct rtc_pacer_item item;
	static const enum rtc_pacer_priority order[] = {
		RTC_PACER_PADDING_PRIORITY, RTC_PACER_VIDEO, RTC_PACER_RETRANSMISSION,
		RTC_PACER_AUDIO,
	};
	uint64_t now = 1 * S;
	struct rtc_error err = { 0 };

	for (unsigned i = 0; i < 4; i++)
		rtc_pacer_enqueue(p, now, i, 100, order[i], NULL);
	CHECK_INTEQ(rtc_pacer_enqueue(p, now, 9, 0, RTC_PACER_VIDEO, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK_INTEQ(rtc_pacer_enqueue(p, now, 9, 10, RTC_PACER_PRIORITIES, &err), -1);
	for (unsigned i = 0; i < 4; i++) {
		while (!rtc_pacer_poll(p, now, &item))
			now = rtc_pacer_deadline(p);
		CHECK_INTEQ(item.handle, 3 - i);
		CHECK_INTEQ(item.priority, order[3 - i]);
	}
	rtc_pacer_free(p);
}

/* Audio goes at once, whatever the budget; its bytes still count. With
 * pace_audio it waits like the rest. */
static void test_audio(void)
{
	struct rtc_pacer_config config = { .pacing_bps = 100000 };
	struct rtc_pacer *p = rtc_pacer_new(&config);
	struct rtc_pacer_item item;
	size_t n = 0;

	rtc_pacer_enqueue(p, 0, 1, 1200, RTC_PACER_VIDEO, NULL);
	CHECK(rtc_pacer_poll(p, 0, &item));   /* the budget is spent for 96 ms */
	for (unsigned i = 0; i < 5; i++)
		rtc_pacer_enqueue(p, 1 * MS, 10 + i, 100, RTC_PACER_AUDIO, NULL);
	rtc_pacer_enqueue(p, 1 * MS, 2, 1200, RTC_PACER_VIDEO, NULL);
	CHECK_INTEQ(rtc_pacer_deadline(p), 1 * MS);
	while (rtc_pacer_poll(p, 1 * MS, &item)) {
		CHECK_INTEQ(item.priority, RTC_PACER_AUDIO);
		n++;
	}
	CHECK_INTEQ(n, 5);
	/* 1200 + 500 bytes at 100 kbit/s: the video waits 136 ms. */
	CHECK_INTEQ(rtc_pacer_deadline(p), 136 * MS);
	rtc_pacer_free(p);

	config.pace_audio = true;
	p = rtc_pacer_new(&config);
	rtc_pacer_enqueue(p, 0, 1, 1200, RTC_PACER_VIDEO, NULL);
	CHECK(rtc_pacer_poll(p, 0, &item));
	rtc_pacer_enqueue(p, 1 * MS, 10, 100, RTC_PACER_AUDIO, NULL);
	CHECK(!rtc_pacer_poll(p, 1 * MS, &item));
	CHECK_INTEQ(rtc_pacer_deadline(p), 96 * MS);
	CHECK(rtc_pacer_poll(p, 96 * MS, &item));
	CHECK_INTEQ(item.handle, 10);
	rtc_pacer_free(p);
}

/* 4 s of queue at the pacing rate drains in about 2 s. */
static void test_queue_time_limit(void)
{
	struct rtc_pacer_config config = { .pacing_bps = 1000000 };
	struct rtc_pacer *p = rtc_pacer_new(&config);
	uint64_t last, bytes;
	size_t items;

	for (unsigned i = 0; i < 400; i++)
		rtc_pacer_enqueue(p, 0, i, 1250, RTC_PACER_VIDEO, NULL);
	last = drain(p, 0, 100 * S, &items, &bytes);
	printf("# 4 s of queue drained in %.2f s\n", (double)last / S);
	CHECK_INTEQ(items, 400);
	CHECK(last <= 2100 * MS);
	CHECK(last >= 1000 * MS);
	rtc_pacer_free(p);
}

/* A probe at 4 Mbit/s of 7500 bytes, 5 packets at least: media first,
 * then padding, all tagged, at the probe's rate; then pacing resumes. */
static void test_probe(void)
{
	struct rtc_pacer_config config = { .pacing_bps = 500000 };
	struct rtc_pacer *p = rtc_pacer_new(&config);
	struct rtc_cc_probe probe = { .id = 3, .bitrate = 4000000, .bytes = 7500, .min_packets = 5 };
	struct rtc_pacer_item item;
	uint64_t now = 1 * S, first = 0, last = 0, bytes = 0;
	unsigned items = 0, padding = 0;

	rtc_pacer_enqueue(p, now, 1, 1000, RTC_PACER_VIDEO, NULL);
	rtc_pacer_enqueue(p, now, 2, 1000, RTC_PACER_VIDEO, NULL);
	CHECK(rtc_pacer_probe(p, now, &probe));
	while (now < 2 * S) {
		while (rtc_pacer_poll(p, now, &item)) {
			if (item.probe_cluster != 3)
				goto done;
			if (!items)
				first = now;
			CHECK(items >= 2 || item.kind == RTC_PACER_PACKET);
			padding += item.kind == RTC_PACER_PADDING;
			CHECK(item.size <= RTC_PACER_MAX_PADDING);
			bytes += item.size;
			items++;
			last = now;
		}
		now = rtc_pacer_deadline(p);
		if (now == RTC_NEVER)
			break;
	}
done:
	printf("# probe: %u items (%u padding), %llu bytes over %.2f ms\n", items, padding,
	       (unsigned long long)bytes, (double)(last - first) / MS);
	CHECK(items >= 5);
	CHECK(bytes >= 7500);
	CHECK(padding >= 3);
	/* All but the last item's bytes went within their time at 4 Mbit/s. */
	CHECK(last - first <= (bytes - item.size) * 8 * S / 4000000 + 1);
	CHECK(last - first >= (bytes - 1200) * 8 * S / 4000000 / 2);
	CHECK_INTEQ(rtc_pacer_queued_packets(p), 0);
	rtc_pacer_free(p);

	/* A cluster that cannot start is dropped after its timeout. */
	p = rtc_pacer_new(&config);
	CHECK(rtc_pacer_probe(p, 0, &probe));
	CHECK(rtc_pacer_probe(p, 0, &probe));
	CHECK(rtc_pacer_probe(p, 0, &probe));
	CHECK(rtc_pacer_probe(p, 0, &probe));
	CHECK(!rtc_pacer_probe(p, 0, &probe));   /* four wait at most */
	CHECK_INTEQ(rtc_pacer_deadline(p), 0);
	CHECK(!rtc_pacer_poll(p, RTC_PACER_PROBE_TIMEOUT, &item));
	CHECK_INTEQ(rtc_pacer_deadline(p), RTC_NEVER);
	rtc_pacer_free(p);
}

/* A busy caller polls a probe late. A little late: the packets keep their
 * spacing from there (never two at one time). Late beyond
 * RTC_CC_PROBE_MAX_DELAY: the cluster starts over as its next attempt,
 * tagged so, and sends all its bytes again. */
static void test_probe_polled_late(void)
{
	struct rtc_pacer_config config = { .pacing_bps = 500000 };
	struct rtc_pacer *p = rtc_pacer_new(&config);
	/* 900 kbit/s, 1687 bytes in 5 packets of 338: one every 3 ms. */
	struct rtc_cc_probe probe = { .id = 7, .bitrate = 900000, .bytes = 1687, .min_packets = 5 };
	struct rtc_pacer_item item;
	uint64_t now = 1 * S, bytes = 0;
	unsigned sent = 0;

	CHECK(rtc_pacer_probe(p, now, &probe));
	CHECK(rtc_pacer_poll(p, now, &item));
	CHECK_INTEQ(item.probe_cluster, 7);
	/* 8 ms late (under the limit): one packet, the next 3 ms on. */
	now = rtc_pacer_deadline(p) + 8 * MS;
	CHECK(rtc_pacer_poll(p, now, &item));
	CHECK_INTEQ(item.probe_cluster, 7);
	CHECK(!rtc_pacer_poll(p, now, &item));
	CHECK(rtc_pacer_deadline(p) >= now + 2 * MS);
	/* 50 ms late: attempt 1 of cluster 7, all of its bytes, paced. */
	now = rtc_pacer_deadline(p) + 50 * MS;
	while (rtc_pacer_deadline(p) != RTC_NEVER && now < 2 * S) {
		unsigned at_once = 0;

		while (rtc_pacer_poll(p, now, &item)) {
			CHECK_INTEQ(item.probe_cluster, 7 + RTC_CC_PROBE_ATTEMPT);
			bytes += item.size;
			sent++;
			at_once++;
		}
		CHECK(at_once <= 1);
		now = rtc_pacer_deadline(p);
	}
	printf("# attempt 1: %u packets, %llu bytes\n", sent, (unsigned long long)bytes);
	CHECK(sent >= 5);
	CHECK(bytes >= 1687);
	rtc_pacer_free(p);
}

/* Padding that left smaller than asked (a padding-only RTP packet carries
 * at most 255 bytes of it) counts as what left: the cluster sends on until
 * its bytes are out. */
static void test_probe_padding_counts_what_left(void)
{
	struct rtc_pacer_config config = { .pacing_bps = 500000 };
	struct rtc_pacer *p = rtc_pacer_new(&config);
	struct rtc_cc_probe probe = { .id = 2, .bitrate = 1800000, .bytes = 3375, .min_packets = 5 };
	struct rtc_pacer_item item;
	uint64_t now = 1 * S, bytes = 0;
	unsigned sent = 0;

	CHECK(rtc_pacer_probe(p, now, &probe));
	while (now < 2 * S) {
		while (rtc_pacer_poll(p, now, &item)) {
			uint32_t left = item.size > 283 ? 283 : item.size;

			CHECK(item.kind == RTC_PACER_PADDING);
			rtc_pacer_padding_sent(p, item.size, left);
			bytes += left;
			sent++;
		}
		now = rtc_pacer_deadline(p);
		if (now == RTC_NEVER)
			break;
	}
	printf("# 1.8 Mbit/s cluster in 283-byte packets: %u of them, %llu bytes\n", sent,
	       (unsigned long long)bytes);
	CHECK(bytes >= 3375);
	CHECK(sent >= 12);

	/* Padding nothing could send counts as asked: the cluster ends. */
	now = 5 * S;
	CHECK(rtc_pacer_probe(p, now, &probe));
	sent = 0;
	while (now < 7 * S && sent < 100) {
		while (rtc_pacer_poll(p, now, &item) && sent < 100) {
			rtc_pacer_padding_sent(p, item.size, 0);
			sent++;
		}
		now = rtc_pacer_deadline(p);
		if (now == RTC_NEVER)
			break;
	}
	CHECK(sent >= 5 && sent < 100);
	CHECK_INTEQ(rtc_pacer_deadline(p), RTC_NEVER);
	rtc_pacer_free(p);
}

int main(void)
{
	RUN(test_paces_at_rate);
	RUN(test_priorities);
	RUN(test_audio);
	RUN(test_queue_time_limit);
	RUN(test_probe);
	RUN(test_probe_polled_late);
	RUN(test_probe_padding_counts_what_left);
	return rtc_test_done();
}
