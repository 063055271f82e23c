/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A reactor for a test, or the test bails out: nothing can run without one. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/reactor.h"

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
