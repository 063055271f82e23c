/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the captured SDP samples (tests/data/sdp) are, for the tests that
 * read them. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $SDP_SAMPLES, else tests/data/sdp found from this file's path, which
 * meson gives the compiler relative to the build directory tests run in. */
static inline void samples_dir(char *dir, size_t size)
{
	const char *env = getenv("SDP_SAMPLES");
	const char *unit = strstr(__FILE__, "unit/sdp-samples.h");

	if (env)
		snprintf(dir, size, "%s", env);
	else if (unit)
		snprintf(dir, size, "%.*sdata/sdp", (int)(unit - __FILE__), __FILE__);
	else
		snprintf(dir, size, "tests/data/sdp");
}
