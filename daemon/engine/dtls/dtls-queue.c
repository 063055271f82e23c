/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/dtls/dtls-queue.h"

#include <stdlib.h>
#include <string.h>

#define QUEUE_MIN_BYTES 2048
#define QUEUE_MIN_ENTRIES 8
/* A drained queue keeps at most this much: a burst (a handshake flight, a
 * bulk transfer) does not pin its peak on every idle connection. */
#define QUEUE_KEEP_BYTES 4096

void rtc_dtls_queue_init(struct rtc_dtls_queue *q, size_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	q->max_bytes = max_bytes;
}

void rtc_dtls_queue_release(struct rtc_dtls_queue *q)
{
	free(q->bytes);
	free(q->entries);
	rtc_dtls_queue_init(q, q->max_bytes);
}

bool rtc_dtls_queue_is_empty(const struct rtc_dtls_queue *q)
{
	return q->head == q->count;
}

/* Everything was popped: start again at the beginning of the buffer. Only
 * done when adding, so that popped data stays valid until then. */
static void rewind_if_drained(struct rtc_dtls_queue *q)
{
	if (q->head != q->count)
		return;
	if (q->capacity > QUEUE_KEEP_BYTES)
		rtc_dtls_queue_release(q);
	q->used = q->head = q->count = 0;
}

static int grow_bytes(struct rtc_dtls_queue *q, size_t needed)
{
	size_t capacity = q->capacity ? q->capacity : QUEUE_MIN_BYTES;
	uint8_t *bytes;

	/* Allocated even for a first empty entry, so reserve never hands out NULL. */
	if (needed <= q->capacity && q->bytes)
		return 0;
	while (capacity < needed)
		capacity *= 2;
	if (capacity > q->max_bytes)
		capacity = q->max_bytes;
	bytes = realloc(q->bytes, capacity);
	if (!bytes)
		return -1;
	q->bytes = bytes;
	q->capacity = capacity;
	return 0;
}

static int grow_entries(struct rtc_dtls_queue *q)
{
	size_t capacity;
	struct rtc_dtls_queue_entry *entries;

	if (q->count < q->entries_capacity)
		return 0;
	capacity = q->entries_capacity ? q->entries_capacity * 2 : QUEUE_MIN_ENTRIES;
	entries = realloc(q->entries, capacity * sizeof(*entries));
	if (!entries)
		return -1;
	q->entries = entries;
	q->entries_capacity = capacity;
	return 0;
}

uint8_t *rtc_dtls_queue_reserve(struct rtc_dtls_queue *q, size_t max_len)
{
	rewind_if_drained(q);
	if (max_len > q->max_bytes - q->used)
		return NULL;
	if (grow_bytes(q, q->used + max_len) < 0)
		return NULL;
	return q->bytes + q->used;
}

int rtc_dtls_queue_commit(struct rtc_dtls_queue *q, uint32_t tag, size_t len)
{
	if (len > q->capacity - q->used || grow_entries(q) < 0)
		return -1;
	q->entries[q->count++] = (struct rtc_dtls_queue_entry){
		.tag = tag,
		.offset = q->used,
		.len = len,
	};
	q->used += len;
	return 0;
}

int rtc_dtls_queue_push(struct rtc_dtls_queue *q, uint32_t tag, const void *data, size_t len)
{
	uint8_t *room = rtc_dtls_queue_reserve(q, len);

	if (!room)
		return -1;
	if (len > 0)
		memcpy(room, data, len);
	return rtc_dtls_queue_commit(q, tag, len);
}

bool rtc_dtls_queue_pop(struct rtc_dtls_queue *q, uint32_t *tag, const uint8_t **data,
			size_t *len)
{
	const struct rtc_dtls_queue_entry *e;

	if (q->head == q->count)
		return false;
	e = &q->entries[q->head++];
	*tag = e->tag;
	*data = q->bytes ? q->bytes + e->offset : NULL;
	*len = e->len;
	return true;
}
