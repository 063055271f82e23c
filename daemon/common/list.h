/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An intrusive doubly linked list, in the style of the kernel's list_head:
 * the link lives inside the element, so insertion and removal never allocate.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct rtc_list {
	struct rtc_list *prev, *next;
};

static inline void rtc_list_init(struct rtc_list *head)
{
	head->prev = head->next = head;
}

static inline bool rtc_list_empty(const struct rtc_list *head)
{
	return head->next == head;
}

static inline void rtc_list_insert_tail(struct rtc_list *head, struct rtc_list *item)
{
	item->prev = head->prev;
	item->next = head;
	head->prev->next = item;
	head->prev = item;
}

static inline void rtc_list_remove(struct rtc_list *item)
{
	item->prev->next = item->next;
	item->next->prev = item->prev;
	item->prev = item->next = item;
}

#define rtc_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define rtc_list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

#define rtc_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
