/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's one mDNS endpoint (engine/mdns on the reactor): sockets on
 * 224.0.0.251:5353 and [ff02::fb]:5353 shared with any other responder on
 * the host (SO_REUSEADDR/SO_REUSEPORT, as RFC 6762 expects), lookups of
 * the ".local" names browsers put in their host candidates.
 */
#pragma once

#include <stddef.h>
#include <sys/socket.h>

struct rtc_reactor;
struct rtc_mdns_service;
struct rtc_mdns_lookup;

/* 0 or -errno when no mDNS socket could be opened at all. */
int rtc_mdns_service_new(struct rtc_reactor *reactor, struct rtc_mdns_service **out);
void rtc_mdns_service_free(struct rtc_mdns_service *svc);

/* Called once per lookup: n addresses (port 0), or n = 0 when the name
 * could not be resolved. The lookup is gone after the call. */
typedef void (*rtc_mdns_resolved_fn)(void *userdata, const char *name,
				     const struct sockaddr_storage *addresses, size_t n);
/* NULL when the name is not a .local host name or too many are pending
 * (fn is then never called). */
struct rtc_mdns_lookup *rtc_mdns_service_resolve(struct rtc_mdns_service *svc, const char *name,
						 rtc_mdns_resolved_fn fn, void *userdata);
void rtc_mdns_lookup_cancel(struct rtc_mdns_lookup *lookup);

/* Hides a host address behind a "<uuid>.local" name that this daemon
 * answers for (as browsers do): name_out gets it (RTC_MDNS_NAME_MAX + 1
 * bytes). One name per address, reference counted. 0 or -1. */
int rtc_mdns_service_register(struct rtc_mdns_service *svc, const struct sockaddr *address,
			      char *name_out);
void rtc_mdns_service_unregister(struct rtc_mdns_service *svc, const char *name);
