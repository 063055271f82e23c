/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Name resolution that never blocks the reactor: glibc's getaddrinfo_a
 * resolves on its own thread and wakes the reactor through an eventfd, so
 * the answer is delivered on the reactor's thread like everything else.
 * For STUN and TURN server names (RFC 7064/7065 URLs carry host names).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct rtc_reactor;
struct rtc_resolver;
struct rtc_resolve;

int rtc_resolver_new(struct rtc_reactor *reactor, struct rtc_resolver **out);
/* Cancels what is pending (no callback runs) and frees. */
void rtc_resolver_free(struct rtc_resolver *resolver);

#define RTC_RESOLVE_MAX_ADDRESSES 4

/* n addresses (with the port), or n = 0 and error a gai error text. */
typedef void (*rtc_resolve_fn)(void *userdata, const struct sockaddr_storage *addresses,
			       size_t n, const char *error);

/* Starts resolving host for UDP/TCP on port; family AF_UNSPEC, AF_INET or
 * AF_INET6. NULL (errno set) when it cannot start. */
struct rtc_resolve *rtc_resolve_start(struct rtc_resolver *resolver, const char *host,
				      uint16_t port, int family, rtc_resolve_fn fn,
				      void *userdata);
/* The callback will not run; safe until it has run. */
void rtc_resolve_cancel(struct rtc_resolve *request);
