/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The local addresses ICE may gather host candidates on: every address of
 * every interface that is up, minus what the configuration leaves out.
 * Loopback and link-local addresses are left out unless asked for, as
 * browsers do (a peer on another machine can reach neither).
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct rtc_local_address {
	char ifname[IF_NAMESIZE];
	unsigned ifindex;
	struct sockaddr_storage addr;   /* port 0 */
	socklen_t len;
	bool loopback;
	bool link_local;                /* 169.254/16, fe80::/10 */
};

struct rtc_interface_filter {
	bool allow_loopback;
	bool allow_link_local;
	bool disable_ipv4, disable_ipv6;
	/* Only these interfaces (NULL-terminated), or all when NULL. */
	const char *const *only;
};

/* Fills `out` with up to `max` addresses, in the order the kernel lists
 * them. Returns how many, or -errno. */
int rtc_local_addresses(const struct rtc_interface_filter *filter,
			struct rtc_local_address *out, size_t max);
