/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unguessable, never repeated object numbers: see object-number.h. */
#include "bus/object-number.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* More than the four rounds a Feistel network needs to be a strong
 * pseudorandom permutation; each costs one short SipHash. */
#define FEISTEL_ROUNDS 8
#define DOMAIN_MASK (UINT64_MAX >> 1)    /* numbers below 2^63 */

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
	v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

uint64_t rtc_siphash24_u64(const uint64_t key[2], uint64_t m)
{
	/* SipHash-2-4 of the 8 little-endian bytes of m. */
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	const uint64_t last = 8ull << 56;   /* the length, in the final block */

	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
	v[3] ^= last;
	sip_round(v);
	sip_round(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t feistel(const uint64_t key[2], uint64_t x)
{
	uint32_t left = (uint32_t)(x >> 32), right = (uint32_t)x;

	for (uint64_t round = 0; round < FEISTEL_ROUNDS; round++) {
		uint32_t f = (uint32_t)rtc_siphash24_u64(key, round << 32 | right);
		uint32_t next = left ^ f;

		left = right;
		right = next;
	}
	return (uint64_t)left << 32 | right;
}

uint64_t rtc_object_number_permute(const struct rtc_object_numbering *n, uint64_t x)
{
	/* Cycle-walking: a permutation of all 64-bit values, applied again
	 * until the value is back in 1 .. 2^63 - 1, permutes that range (about
	 * two steps on average). */
	do
		x = feistel(n->key, x);
	while (x == 0 || x > DOMAIN_MASK);
	return x;
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void rtc_object_numbering_init_key(struct rtc_object_numbering *n,
				   const uint8_t key[RTC_OBJECT_NUMBER_KEY_BYTES])
{
	n->key[0] = load_le64(key);
	n->key[1] = load_le64(key + 8);
	n->counter = 0;
}

int rtc_object_numbering_init(struct rtc_object_numbering *n)
{
	uint8_t key[RTC_OBJECT_NUMBER_KEY_BYTES];
	size_t got = 0;

	while (got < sizeof(key)) {
		ssize_t r = getrandom(key + got, sizeof(key) - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += (size_t)r;
	}
	rtc_object_numbering_init_key(n, key);
	memset(key, 0, sizeof(key));
	return 0;
}

uint64_t rtc_object_numbering_next(struct rtc_object_numbering *n)
{
	/* The counter never reaches 2^63 (a number a nanosecond for three
	 * centuries), so it stays inside the permuted range. */
	return rtc_object_number_permute(n, ++n->counter);
}
