/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bounded FIFO of tagged byte strings in one buffer: the DTLS endpoint's
 * outgoing datagrams and its events (application data, state changes).
 *
 * Popped entries stay readable until the next push: the buffer is only
 * rewound once the queue has been drained, so a caller can pop several
 * datagrams and send them as one batch. The byte limit bounds memory when
 * the caller stops draining; a push past it fails, like a full socket
 * buffer drops a datagram.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtc_dtls_queue_entry {
	uint32_t tag;
	size_t offset;
	size_t len;
};

struct rtc_dtls_queue {
	uint8_t *bytes;
	size_t used;        /* bytes of entries not yet rewound */
	size_t capacity;    /* allocated bytes */
	size_t max_bytes;   /* the bound */
	struct rtc_dtls_queue_entry *entries;
	size_t head;        /* next entry to pop */
	size_t count;       /* entries pushed since the last rewind */
	size_t entries_capacity;
};

void rtc_dtls_queue_init(struct rtc_dtls_queue *q, size_t max_bytes);
void rtc_dtls_queue_release(struct rtc_dtls_queue *q);

bool rtc_dtls_queue_is_empty(const struct rtc_dtls_queue *q);

/* Appends a copy of data. Returns 0, or -1 if the bound or memory would be
 * exceeded (nothing is queued then). */
int rtc_dtls_queue_push(struct rtc_dtls_queue *q, uint32_t tag, const void *data, size_t len);

/* Room for an entry of up to max_len bytes written in place (no copy), to
 * be committed with rtc_dtls_queue_commit(). NULL past the bound. */
uint8_t *rtc_dtls_queue_reserve(struct rtc_dtls_queue *q, size_t max_len);
/* Queues the len (<= the reserved max_len) bytes written at the pointer the
 * last rtc_dtls_queue_reserve() returned. Returns 0 or -1 (out of memory). */
int rtc_dtls_queue_commit(struct rtc_dtls_queue *q, uint32_t tag, size_t len);

/* The oldest entry: false if none. *data stays valid until the next push,
 * reserve or release. */
bool rtc_dtls_queue_pop(struct rtc_dtls_queue *q, uint32_t *tag, const uint8_t **data,
			size_t *len);
