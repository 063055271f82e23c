/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Gives the heap's free pages back to the kernel a while after the daemon's
 * memory picture changed (peer connections made or closed).
 *
 * glibc's free() returns memory only from the top of the heap; what a
 * closed connection or an idle one (DTLS buffers given back, engine/dtls.c)
 * leaves in the middle stays resident until malloc_trim(3), which also
 * releases whole free pages inside the heap. One trim per burst of changes,
 * and none at all while nothing changes: an idle daemon stays asleep.
 * The reactor's spare send packets go first (io/udp.c).
 */
#ifndef RTC_IO_HEAP_TRIM_H
#define RTC_IO_HEAP_TRIM_H

#include <stdint.h>

#include "io/reactor.h"

struct rtc_heap_trim;

/* NULL when out of memory (trimming is then simply not done). */
struct rtc_heap_trim *rtc_heap_trim_new(struct rtc_reactor *r);
void rtc_heap_trim_free(struct rtc_heap_trim *t);

/* Something changed: trim once things have been quiet for a few seconds
 * (long enough for idle DTLS connections to have given their buffers back). */
void rtc_heap_trim_soon(struct rtc_heap_trim *t);

#endif
