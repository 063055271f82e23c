/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Any PipeWire client may write the "default" metadata, so the values rtcd
 * reads for its default devices are untrusted JSON. Whatever the bytes, the
 * parser either fills a NUL-terminated name that fits or refuses.
 * Input: one byte for the output size, then the value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/pipewire/devices-metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t out_size = data[0];
	/* A copy of its own size, so ASan sees any read past the value. */
	char *value = malloc(size - 1 ? size - 1 : 1);
	char *out = malloc(out_size ? out_size : 1);

	if (!value || !out)
		abort();
	memcpy(value, data + 1, size - 1);
	if (rtc_pw_default_name_parse(value, size - 1, out, out_size) == 0) {
		size_t len = strnlen(out, out_size);
		if (len == 0 || len >= out_size)
			abort();
	}
	free(value);
	free(out);
	return 0;
}
