/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io/interfaces.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static bool name_allowed(const struct rtc_interface_filter *f, const char *name)
{
	if (!f->only)
		return true;
	for (const char *const *n = f->only; *n; n++)
		if (strcmp(*n, name) == 0)
			return true;
	return false;
}

static bool is_link_local(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		return (a & 0xffff0000u) == 0xa9fe0000u;
	}
	return IN6_IS_ADDR_LINKLOCAL(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

int rtc_local_addresses(const struct rtc_interface_filter *filter,
			struct rtc_local_address *out, size_t max)
{
	static const struct rtc_interface_filter defaults;
	const struct rtc_interface_filter *f = filter ? filter : &defaults;
	struct ifaddrs *list, *ifa;
	size_t n = 0;

	if (getifaddrs(&list) < 0)
		return -errno;
	for (ifa = list; ifa && n < max; ifa = ifa->ifa_next) {
		const struct sockaddr *sa = ifa->ifa_addr;
		struct rtc_local_address *a = &out[n];
		bool loopback = ifa->ifa_flags & IFF_LOOPBACK;

		if (!sa || !(ifa->ifa_flags & IFF_UP))
			continue;
		if (sa->sa_family == AF_INET ? f->disable_ipv4 :
		    sa->sa_family == AF_INET6 ? f->disable_ipv6 : true)
			continue;
		if ((loopback && !f->allow_loopback) || !name_allowed(f, ifa->ifa_name))
			continue;
		if (is_link_local(sa) && !f->allow_link_local)
			continue;

		memset(a, 0, sizeof(*a));
		snprintf(a->ifname, sizeof(a->ifname), "%s", ifa->ifa_name);
		a->ifindex = if_nametoindex(ifa->ifa_name);
		a->len = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						  : sizeof(struct sockaddr_in6);
		memcpy(&a->addr, sa, a->len);
		/* Ports are the socket's business; scope ids stay for fe80::. */
		if (sa->sa_family == AF_INET)
			((struct sockaddr_in *)&a->addr)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&a->addr)->sin6_port = 0;
		a->loopback = loopback;
		a->link_local = is_link_local(sa);
		n++;
	}
	freeifaddrs(list);
	return (int)n;
}
