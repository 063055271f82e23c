/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICE server URLs come from any client over D-Bus: the parser must take any
 * bytes without crashing, and what it accepts must be a sane URL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ice/ice-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_ice_url url;
	struct rtc_error err = { 0 };
	char *s;

	/* D-Bus strings are NUL-free: so are the inputs the parser sees. */
	if (memchr(data, 0, size))
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (rtc_ice_url_parse(s, &url, &err) == 0) {
		if (url.host[0] == '\0' || url.port == 0 ||
		    strnlen(url.host, sizeof(url.host)) == sizeof(url.host))
			abort();
	} else if (err.kind != RTC_ERROR_SYNTAX || err.message[0] == '\0') {
		abort();
	}
	free(s);
	return 0;
}
