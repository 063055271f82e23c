/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/heap-trim.h"

#include <malloc.h>
#include <stdlib.h>

#include "common/log.h"
#include "io/reactor-private.h"

/* After the last change; engine/dtls.c releases idle buffers after 2 s. */
#define QUIET_NS (5ull * 1000000000ull)
/* Below this much free heap, a trim is not worth its walk. */
#define WORTH_BYTES (256u * 1024u)

struct rtc_heap_trim {
	struct rtc_reactor *reactor;
	struct rtc_timer *timer;
};

static void on_timer(void *userdata)
{
	struct rtc_heap_trim *t = userdata;
	struct mallinfo2 info;

	/* The send packets kept from the last burst are the reactor's; with
	 * things quiet, the next burst can allocate its own. */
	rtc_udp_release_spares(t->reactor);
	info = mallinfo2();
	if (info.fordblks < WORTH_BYTES)
		return;
	malloc_trim(0);
	rtc_debug("heap: trimmed, %zu KiB were free in the heap", info.fordblks / 1024);
}

struct rtc_heap_trim *rtc_heap_trim_new(struct rtc_reactor *r)
{
	struct rtc_heap_trim *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->reactor = r;
	t->timer = rtc_timer_new(r, on_timer, t);
	if (!t->timer) {
		free(t);
		return NULL;
	}
	return t;
}

void rtc_heap_trim_free(struct rtc_heap_trim *t)
{
	if (!t)
		return;
	rtc_timer_free(t->timer);
	free(t);
}

void rtc_heap_trim_soon(struct rtc_heap_trim *t)
{
	if (t)
		rtc_timer_arm(t->timer, rtc_reactor_now(t->reactor) + QUIET_NS);
}
