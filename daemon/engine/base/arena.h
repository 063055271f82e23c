/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An allocation arena: a chain of chunks that only grows and is freed in
 * one call, for many small strings and arrays that share one lifetime (a
 * parsed SDP description is the first user).
 */
#pragma once

#include <stddef.h>

struct rtc_arena;

struct rtc_arena *rtc_arena_new(void);
/* For a caller that can tell how much it will allocate: the first chunk is
 * `expected` bytes, so a right guess is one allocation with little spare,
 * and what is added later comes in smaller chunks. */
struct rtc_arena *rtc_arena_new_sized(size_t expected);
void rtc_arena_free(struct rtc_arena *arena);

/* Zeroed memory aligned for any type, or NULL when out of memory (or when
 * size is absurd). */
void *rtc_arena_alloc(struct rtc_arena *arena, size_t size);

/* A NUL-terminated copy of the first len bytes of s. */
char *rtc_arena_strndup(struct rtc_arena *arena, const char *s, size_t len);
char *rtc_arena_strdup(struct rtc_arena *arena, const char *s);

/* Makes room for one more item in the array *items of *n used and *cap
 * allocated items of item_size bytes, doubling it when full (the old copy
 * stays in the arena until it is freed: at most as much again). Returns 0,
 * or -1 when out of memory. */
int rtc_arena_reserve(struct rtc_arena *arena, void *items, size_t *cap,
			  size_t n, size_t item_size);
