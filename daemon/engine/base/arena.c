/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Most descriptions fit in one or two chunks; large allocations get a chunk
 * of their own. A data-only description takes a few KiB; each connection
 * keeps several, so small chunks (more come as needed) keep idle ones cheap. */
#define CHUNK_SIZE (4 * 1024)
/* After a first chunk of the expected size, what comes is a few lines
 * (trickled candidates added to a description) or a wrong guess: chunks
 * of a quarter of the first, and at least this. */
#define LATER_CHUNK_MIN 1024
#define ALIGNMENT alignof(max_align_t)

struct chunk {
	struct chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

struct rtc_arena {
	struct chunk *chunks;
	size_t first_chunk_size, chunk_size;
};

struct rtc_arena *rtc_arena_new(void)
{
	struct rtc_arena *arena = calloc(1, sizeof(*arena));

	if (arena)
		arena->first_chunk_size = arena->chunk_size = CHUNK_SIZE;
	return arena;
}

struct rtc_arena *rtc_arena_new_sized(size_t expected)
{
	struct rtc_arena *arena = calloc(1, sizeof(*arena));

	if (!arena)
		return NULL;
	if (expected > SIZE_MAX / 4)
		expected = CHUNK_SIZE;
	arena->first_chunk_size = (expected + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
	arena->chunk_size = expected / 4 > LATER_CHUNK_MIN ? expected / 4 : LATER_CHUNK_MIN;
	return arena;
}

void rtc_arena_free(struct rtc_arena *arena)
{
	struct chunk *c, *next;

	if (!arena)
		return;
	for (c = arena->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(arena);
}

/* size bytes at an offset that is a multiple of align (a power of two, at
 * most ALIGNMENT): in the current chunk if they fit, else in a new one. */
static void *take(struct rtc_arena *arena, size_t size, size_t align)
{
	struct chunk *c = arena->chunks;
	size_t offset, chunk_size, usual;

	if (size > SIZE_MAX / 2)
		return NULL;
	if (c) {
		offset = (c->used + align - 1) & ~(align - 1);
		if (offset <= c->size && c->size - offset >= size) {
			c->used = offset + size;
			return c->data + offset;
		}
	}
	usual = c ? arena->chunk_size : arena->first_chunk_size;
	chunk_size = size > usual ? size : usual;
	c = malloc(sizeof(*c) + chunk_size);
	if (!c)
		return NULL;
	c->used = size;
	c->size = chunk_size;
	/* A big private chunk goes behind the current one, so the space left
	 * in the current one is still used. */
	if (size > usual && arena->chunks) {
		c->next = arena->chunks->next;
		arena->chunks->next = c;
	} else {
		c->next = arena->chunks;
		arena->chunks = c;
	}
	return c->data;
}

void *rtc_arena_alloc(struct rtc_arena *arena, size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	p = take(arena, size, ALIGNMENT);
	if (p)
		memset(p, 0, size);
	return p;
}

char *rtc_arena_strndup(struct rtc_arena *arena, const char *s, size_t len)
{
	char *copy;

	if (len == SIZE_MAX)
		return NULL;
	/* Strings need no alignment: packed, they save a line's worth of
	 * padding every two lines. */
	copy = take(arena, len + 1, 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

char *rtc_arena_strdup(struct rtc_arena *arena, const char *s)
{
	return rtc_arena_strndup(arena, s, strlen(s));
}

int rtc_arena_reserve(struct rtc_arena *arena, void *items, size_t *cap,
			  size_t n, size_t item_size)
{
	void **array = items;
	size_t new_cap;
	void *grown;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 4;
	if (new_cap > SIZE_MAX / 2 / item_size)
		return -1;
	grown = rtc_arena_alloc(arena, new_cap * item_size);
	if (!grown)
		return -1;
	if (n)
		memcpy(grown, *array, n * item_size);
	*array = grown;
	*cap = new_cap;
	return 0;
}
