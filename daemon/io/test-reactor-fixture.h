/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A reactor for a test, or the test bails out: nothing can run without one.
 * Tests of the io_uring backend (RTCD_IO=uring) skip where io_uring is
 * refused (Docker's default seccomp profile, kernel.io_uring_disabled). */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/reactor.h"

/* Call first in main: skips the whole test when it is meant for io_uring
 * and the kernel or a seccomp filter refuses io_uring_setup. */
static inline void skip_unless_backend_available(void)
{
	static char why[128];
	const char *io = getenv("RTCD_IO");
	struct rtc_reactor *r = NULL;
	int ret;

	if (!io || strcmp(io, "uring") != 0)
		return;
	ret = rtc_reactor_new(RTC_REACTOR_URING, &r);
	rtc_reactor_free(r);
	if (ret == -ENOSYS || ret == -EPERM) {
		snprintf(why, sizeof(why), "io_uring is refused here (%s): the epoll run covers it",
			 strerror(-ret));
		RTC_TEST_SKIP_ALL(why);
	}
}

static inline struct rtc_reactor *new_reactor(void)
{
	struct rtc_reactor *r = NULL;
	int ret = rtc_reactor_new(RTC_REACTOR_AUTO, &r);

	CHECK_INTEQ(ret, 0);
	if (!r) {
		printf("Bail out! cannot create a reactor: %s\n", strerror(-ret));
		exit(1);
	}
	return r;
}
