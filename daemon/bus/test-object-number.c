/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Object numbers: in range, never repeated, and nothing like a counter. */
#include <stdint.h>
#include <stdlib.h>

#include "bus/object-number.h"
#include "check.h"

#define MANY 1000000

static const uint8_t key_a[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
static const uint8_t key_b[16] = { 1 };

static int compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_siphash_reference_vector(void)
{
	/* The SipHash paper's key 00..0f and the 8-byte message 00..07. */
	const uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

	CHECK(rtc_siphash24_u64(key, 0x0706050403020100ull) == 0x93f5f5799a932462ull);
}

static void test_in_range_and_never_repeated(void)
{
	struct rtc_object_numbering n;
	uint64_t *seen = malloc(MANY * sizeof(*seen));
	size_t repeats = 0, out_of_range = 0;

	CHECK(seen != NULL);
	if (!seen)
		return;
	rtc_object_numbering_init_key(&n, key_a);
	for (size_t i = 0; i < MANY; i++) {
		seen[i] = rtc_object_numbering_next(&n);
		out_of_range += seen[i] == 0 || seen[i] >> 63;
	}
	qsort(seen, MANY, sizeof(*seen), compare);
	for (size_t i = 1; i < MANY; i++)
		repeats += seen[i] == seen[i - 1];
	CHECK_INTEQ(out_of_range, 0);
	CHECK_INTEQ(repeats, 0);
	free(seen);
}

static void test_not_a_counter(void)
{
	struct rtc_object_numbering n;
	uint64_t prev, close_pairs = 0;
	unsigned bit_set[63] = { 0 };
	const unsigned samples = 100000;

	rtc_object_numbering_init_key(&n, key_a);
	prev = rtc_object_numbering_next(&n);
	for (unsigned i = 0; i < samples; i++) {
		uint64_t x = rtc_object_numbering_next(&n);
		uint64_t gap = x > prev ? x - prev : prev - x;

		/* Random 63-bit numbers this close: about one in 2^30. */
		close_pairs += gap < (1ull << 32);
		for (int b = 0; b < 63; b++)
			bit_set[b] += (x >> b) & 1;
		prev = x;
	}
	CHECK_INTEQ(close_pairs, 0);
	/* Every bit, the high ones too, is set about half the time. */
	for (int b = 0; b < 63; b++)
		CHECK(bit_set[b] > samples * 45 / 100 && bit_set[b] < samples * 55 / 100);
}

static void test_key_decides(void)
{
	struct rtc_object_numbering a, a2, b, r1, r2;
	int same_ab = 0, same_aa = 0;

	rtc_object_numbering_init_key(&a, key_a);
	rtc_object_numbering_init_key(&a2, key_a);
	rtc_object_numbering_init_key(&b, key_b);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rtc_object_numbering_next(&a);

		same_aa += x == rtc_object_numbering_next(&a2);
		same_ab += x == rtc_object_numbering_next(&b);
	}
	CHECK_INTEQ(same_aa, 1000);
	CHECK_INTEQ(same_ab, 0);
	/* Two daemons (two random keys) number differently. */
	CHECK_INTEQ(rtc_object_numbering_init(&r1), 0);
	CHECK_INTEQ(rtc_object_numbering_init(&r2), 0);
	CHECK(rtc_object_numbering_next(&r1) != rtc_object_numbering_next(&r2));
}

static void test_permutation_of_small_values(void)
{
	/* Inputs the counter never reaches still map inside the range, and
	 * the map is the same function whatever the counter. */
	struct rtc_object_numbering n;
	uint64_t top = (UINT64_MAX >> 1);

	rtc_object_numbering_init_key(&n, key_b);
	CHECK(rtc_object_number_permute(&n, top) >= 1 && rtc_object_number_permute(&n, top) <= top);
	CHECK(rtc_object_number_permute(&n, 1) != rtc_object_number_permute(&n, top));
	CHECK(rtc_object_numbering_next(&n) == rtc_object_number_permute(&n, 1));
	CHECK(rtc_object_numbering_next(&n) == rtc_object_number_permute(&n, 2));
}

int main(void)
{
	RUN(test_siphash_reference_vector);
	RUN(test_in_range_and_never_repeated);
	RUN(test_not_a_counter);
	RUN(test_key_decides);
	RUN(test_permutation_of_small_values);
	return rtc_test_done();
}
