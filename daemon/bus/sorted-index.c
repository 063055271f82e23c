/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A sorted array of pointers, searched by binary search on a string key the
 * items carry. Object paths sort so that every subtree is one contiguous run
 * ('/' sorts before every other character a path may contain), which is what
 * Introspect and GetManagedObjects walk.
 */
#include "bus/bus-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool rtc_bus_index_find(const struct rtc_bus_index *idx, const char *key, size_t *pos)
{
	size_t lo = 0, hi = idx->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(idx->key_of(idx->items[mid]), key);

		if (c == 0) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

void *rtc_bus_index_get(const struct rtc_bus_index *idx, const char *key)
{
	size_t pos;

	return rtc_bus_index_find(idx, key, &pos) ? idx->items[pos] : NULL;
}

int rtc_bus_index_insert(struct rtc_bus_index *idx, size_t pos, void *item)
{
	if (idx->n == idx->cap) {
		size_t cap = idx->cap ? idx->cap * 2 : 16;
		void **items = reallocarray(idx->items, cap, sizeof(*items));

		if (!items)
			return -ENOMEM;
		idx->items = items;
		idx->cap = cap;
	}
	memmove(&idx->items[pos + 1], &idx->items[pos], (idx->n - pos) * sizeof(*idx->items));
	idx->items[pos] = item;
	idx->n++;
	return 0;
}

void rtc_bus_index_remove_at(struct rtc_bus_index *idx, size_t pos)
{
	memmove(&idx->items[pos], &idx->items[pos + 1], (idx->n - pos - 1) * sizeof(*idx->items));
	idx->n--;
}

void rtc_bus_index_free(struct rtc_bus_index *idx)
{
	free(idx->items);
	idx->items = NULL;
	idx->n = idx->cap = 0;
}
