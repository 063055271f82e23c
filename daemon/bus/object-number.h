/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The numbers in object paths (/org/rtcd/WebRTC1/pc/<n>): unguessable, so
 * that an app cannot count other apps' objects from the gaps between its own,
 * and never reused while the daemon runs, as the contract promises.
 *
 * Both at once without remembering every number handed out: the n-th number
 * is a keyed permutation of n (a Feistel network with SipHash-2-4 rounds,
 * cycle-walked into 1 .. 2^63 - 1), so distinct counters give distinct
 * numbers, and without the key the sequence looks random.
 */
#pragma once

#include <stdint.h>

#define RTC_OBJECT_NUMBER_KEY_BYTES 16

struct rtc_object_numbering {
	uint64_t key[2];
	uint64_t counter;       /* numbers handed out so far */
};

/* A fresh random key from the kernel. Returns 0 or -errno. */
int rtc_object_numbering_init(struct rtc_object_numbering *n);
/* A given key (tests). */
void rtc_object_numbering_init_key(struct rtc_object_numbering *n,
				   const uint8_t key[RTC_OBJECT_NUMBER_KEY_BYTES]);
/* The next number: in 1 .. 2^63 - 1, never one handed out before. */
uint64_t rtc_object_numbering_next(struct rtc_object_numbering *n);
/* The permutation itself: 1 .. 2^63 - 1 onto itself. */
uint64_t rtc_object_number_permute(const struct rtc_object_numbering *n, uint64_t x);
/* SipHash-2-4 of the 8 little-endian bytes of m (exposed for its test). */
uint64_t rtc_siphash24_u64(const uint64_t key[2], uint64_t m);
