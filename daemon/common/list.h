/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A circular doubly linked list with a sentinel head, embedded in the objects
 * it links. Unlinking is O(1) and needs no knowledge of which list an entry
 * is on, which is what lets callbacks remove any object at any time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct rtc_list {
	struct rtc_list *prev, *next;
};

#define rtc_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void rtc_list_init(struct rtc_list *l)
{
	l->prev = l->next = l;
}

static inline bool rtc_list_is_empty(const struct rtc_list *l)
{
	return l->next == l;
}

/* An entry that was initialised or unlinked is on no list. */
static inline bool rtc_list_is_linked(const struct rtc_list *e)
{
	return e->next != e;
}

static inline void rtc_list_append(struct rtc_list *head, struct rtc_list *e)
{
	e->prev = head->prev;
	e->next = head;
	head->prev->next = e;
	head->prev = e;
}

static inline void rtc_list_unlink(struct rtc_list *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	rtc_list_init(e);
}

/* Moves every entry of `from` to the end of `to`, leaving `from` empty. */
static inline void rtc_list_splice(struct rtc_list *to, struct rtc_list *from)
{
	if (rtc_list_is_empty(from))
		return;
	from->next->prev = to->prev;
	from->prev->next = to;
	to->prev->next = from->next;
	to->prev = from->prev;
	rtc_list_init(from);
}

static inline struct rtc_list *rtc_list_pop(struct rtc_list *head)
{
	struct rtc_list *e = head->next;

	if (e == head)
		return NULL;
	rtc_list_unlink(e);
	return e;
}

#define rtc_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Safe against unlinking `pos` inside the loop. */
#define rtc_list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)
