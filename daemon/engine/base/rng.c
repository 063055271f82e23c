/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/base/rng.h"

#include <limits.h>
#include <openssl/rand.h>

int rtc_rng_bytes(void *buf, size_t len)
{
	if (len > INT_MAX)
		return -1;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}
