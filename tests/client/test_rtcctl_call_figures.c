/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl call's figure line and glass-to-glass summary (call-figures.c):
 * what people and the tests' regular expressions read.
 */
#include <string.h>

#include "call-figures.h"
#include "check.h"

static void test_format_known(void)
{
	struct call_figures f = { .width = 640, .height = 480, .fps = 29.96, .kbps_in = 351.4,
				  .kbps_out = 340.6, .packets_lost = 3, .rtt_ms = 0.25,
				  .jitter_buffer_ms = 40.4 };
	char line[256];

	call_figures_format(&f, line, sizeof(line));
	CHECK_STREQ(line, "640x480 30.0 fps | in 351 kbit/s | out 341 kbit/s | lost 3 | "
			  "rtt 0.2 ms | jitter buffer 40 ms");
}

static void test_format_unknown(void)
{
	struct call_figures f = { .fps = -1, .kbps_in = -1, .kbps_out = -1, .rtt_ms = -1,
				  .jitter_buffer_ms = -1, .packets_lost = -2 };
	char line[256];

	call_figures_format(&f, line, sizeof(line));
	CHECK_STREQ(line, "no video - fps | in - | out - | lost -2 | rtt - | jitter buffer -");
	/* Cut, never overrun. */
	char small[12];
	call_figures_format(&f, small, sizeof(small));
	CHECK_STREQ(small, "no video - ");
}

static void test_latency(void)
{
	struct latency l = { 0 };
	double median, p95;

	CHECK(!latency_summary(&l, &median, &p95));
	CHECK(latency_add(&l, 50));
	CHECK(latency_summary(&l, &median, &p95) && median == 50 && p95 == 50);
	/* 1..100 ms in a shuffled order: median 50.5, p95 the 95th. */
	latency_clear(&l);
	for (int i = 0; i < 100; i++)
		CHECK(latency_add(&l, (double)((i * 37) % 100 + 1)));
	CHECK(latency_summary(&l, &median, &p95));
	CHECK(median == 50.5);
	CHECK(p95 == 95);
	CHECK_INTEQ(l.count, 100);
	latency_clear(&l);
	CHECK(l.count == 0 && l.ms == NULL);
}

int main(void)
{
	RUN(test_format_known);
	RUN(test_format_unknown);
	RUN(test_latency);
	return rtc_test_done();
}
