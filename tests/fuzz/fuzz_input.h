/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fuzz input read as a script: single bytes, big-endian 16-bit numbers
 * and length-prefixed chunks, front to back. Reads never go past the end:
 * a read that finds too little says so (false, or 0 for a number), so a
 * harness can treat every byte string as a valid script and let libFuzzer
 * spend its mutations on what the bytes mean rather than on their framing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

static inline bool fuzz_input_byte(struct fuzz_input *in, uint8_t *out)
{
	if (in->size == 0)
		return false;
	*out = in->data[0];
	in->data++;
	in->size--;
	return true;
}

/* One byte; 0 once the input is used up. */
static inline uint8_t fuzz_input_u8(struct fuzz_input *in)
{
	uint8_t b = 0;

	fuzz_input_byte(in, &b);
	return b;
}

/* Two bytes, big-endian; 0 if fewer are left (and those are consumed). */
static inline uint16_t fuzz_input_u16(struct fuzz_input *in)
{
	uint8_t hi = 0, lo = 0;

	fuzz_input_byte(in, &hi);
	fuzz_input_byte(in, &lo);
	return (uint16_t)(hi << 8 | lo);
}

/* Up to `want` bytes, fewer if the input ends first: *len says how many. */
static inline const uint8_t *fuzz_input_bytes(struct fuzz_input *in, size_t want, size_t *len)
{
	const uint8_t *p = in->data;

	*len = want < in->size ? want : in->size;
	in->data += *len;
	in->size -= *len;
	return p;
}

/* A chunk: a 16-bit length, then that many bytes (a short last chunk is
 * taken as it is). False when not even the length is left. */
static inline bool fuzz_input_chunk(struct fuzz_input *in, const uint8_t **chunk, size_t *len)
{
	if (in->size < 2)
		return false;
	*chunk = fuzz_input_bytes(in, fuzz_input_u16(in), len);
	return true;
}
