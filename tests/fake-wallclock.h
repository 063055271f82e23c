/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The wall clock, faked for a test program: OpenSSL 3.0 times DTLS
 * retransmissions with gettimeofday(), and usrsctp reads it to decide which
 * chunks a retransmission timer may resend (those sent an RTO ago). In the
 * daemon both run with the engine's clock; a test that drives the engine on
 * a fake clock must give them the same one, or no timer would ever find
 * anything due. One use per program, at file scope:
 *
 *     static uint64_t now = 1000 * MS;      (ns, the program's clock)
 *     RTC_TEST_FAKE_WALLCLOCK(now)
 */
#ifndef RTC_TEST_FAKE_WALLCLOCK_H
#define RTC_TEST_FAKE_WALLCLOCK_H

#include <stdint.h>
#include <sys/time.h>

#define RTC_TEST_FAKE_WALLCLOCK(clock_ns)                                              \
	int gettimeofday(struct timeval *restrict tv, void *restrict tz)               \
	{                                                                              \
		(void)tz;                                                              \
		tv->tv_sec = (time_t)((clock_ns) / 1000000000ull);                     \
		tv->tv_usec = (suseconds_t)((clock_ns) % 1000000000ull / 1000);        \
		return 0;                                                              \
	}

#endif
