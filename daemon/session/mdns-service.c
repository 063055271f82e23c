/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session/mdns-service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/list.h"
#include "common/log.h"
#include "engine/mdns/mdns.h"
#include "io/interfaces.h"
#include "io/reactor.h"

struct rtc_mdns_lookup {
	struct rtc_list link;
	struct rtc_mdns_service *svc;
	char name[RTC_MDNS_NAME_MAX + 1];
	rtc_mdns_resolved_fn fn;
	void *userdata;
};

struct rtc_mdns_service {
	struct rtc_reactor *reactor;
	struct rtc_mdns *mdns;
	struct rtc_udp_socket *v4, *v6;
	struct rtc_timer *timer;
	struct rtc_list lookups;
};

static void pump(struct rtc_mdns_service *svc)
{
	struct rtc_mdns_transmit tx;
	struct rtc_mdns_event ev;
	uint64_t next;

	while (rtc_mdns_poll_transmit(svc->mdns, &tx)) {
		struct rtc_udp_socket *s = tx.to.ss_family == AF_INET ? svc->v4 : svc->v6;
		socklen_t len = tx.to.ss_family == AF_INET ? sizeof(struct sockaddr_in)
							   : sizeof(struct sockaddr_in6);
		if (s)
			rtc_udp_send(s, tx.data, tx.len, (struct sockaddr *)&tx.to, len);
	}
	while (rtc_mdns_poll_event(svc->mdns, &ev)) {
		struct rtc_list *pos, *tmp;
		size_t n = ev.type == RTC_MDNS_RESOLVED ? ev.n_addresses : 0;

		rtc_list_for_each_safe(pos, tmp, &svc->lookups) {
			struct rtc_mdns_lookup *l = rtc_container_of(pos, struct rtc_mdns_lookup, link);
			if (strcasecmp(l->name, ev.name) != 0)
				continue;
			rtc_list_unlink(&l->link);
			l->fn(l->userdata, l->name, ev.addresses, n);
			free(l);
		}
	}
	next = rtc_mdns_deadline(svc->mdns);
	if (next == UINT64_MAX)
		rtc_timer_disarm(svc->timer);
	else
		rtc_timer_arm(svc->timer, next);
}

static void on_timer(void *userdata)
{
	struct rtc_mdns_service *svc = userdata;

	rtc_mdns_handle_timeout(svc->mdns, rtc_reactor_now(svc->reactor));
	pump(svc);
}

static void on_packet(void *userdata, struct rtc_udp_socket *s, const uint8_t *data, size_t len,
		      const struct sockaddr *from, socklen_t fromlen)
{
	struct rtc_mdns_service *svc = userdata;
	struct rtc_error err = { 0 };

	if (rtc_mdns_handle_receive(svc->mdns, rtc_reactor_now(svc->reactor), data, len, from, &err) < 0)
		rtc_debug("mdns: dropped a malformed packet: %s", err.message);
	pump(svc);
}

/* A socket on port 5353 in the group, joined on every interface that has
 * an address of the family (RFC 6762 answers come back on the link). */
static int open_group_socket(int family, int *out)
{
	static const int one = 1, ttl = 255;
	/* Every interface that is up, loopback included: names we answer
	 * for may be looked up from this host too. */
	struct rtc_interface_filter filter = { .disable_ipv4 = family != AF_INET,
					       .disable_ipv6 = family != AF_INET6,
					       .allow_link_local = true, .allow_loopback = true };
	struct rtc_local_address locals[32];
	struct sockaddr_storage addr = { .ss_family = (sa_family_t)family };
	int fd, n, joined = 0;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (family == AF_INET) {
		((struct sockaddr_in *)&addr)->sin_port = htons(RTC_MDNS_PORT);
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	} else {
		((struct sockaddr_in6 *)&addr)->sin6_port = htons(RTC_MDNS_PORT);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl));
	}
	if (bind(fd, (struct sockaddr *)&addr,
		 family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0)
		goto fail;

	n = rtc_local_addresses(&filter, locals, 32);
	for (int i = 0; i < n; i++) {
		if (i > 0 && locals[i].ifindex == locals[i - 1].ifindex)
			continue;
		if (family == AF_INET) {
			struct ip_mreqn m = { .imr_ifindex = (int)locals[i].ifindex };
			inet_pton(AF_INET, "224.0.0.251", &m.imr_multiaddr);
			joined += setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) == 0;
		} else {
			struct ipv6_mreq m = { .ipv6mr_interface = locals[i].ifindex };
			inet_pton(AF_INET6, "ff02::fb", &m.ipv6mr_multiaddr);
			joined += setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, sizeof(m)) == 0;
		}
	}
	if (!joined) {
		errno = ENODEV;
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	n = -errno;
	close(fd);
	return n;
}

static void adopt(struct rtc_mdns_service *svc, int family, struct rtc_udp_socket **out)
{
	int fd, r = open_group_socket(family, &fd);

	if (r == 0 && (r = rtc_udp_adopt(svc->reactor, fd, on_packet, svc, out)) < 0)
		close(fd);
	if (r < 0)
		rtc_info("mdns: no %s socket: %s", family == AF_INET ? "IPv4" : "IPv6",
			 strerror(-r));
}

int rtc_mdns_service_new(struct rtc_reactor *reactor, struct rtc_mdns_service **out)
{
	struct rtc_mdns_service *svc = calloc(1, sizeof(*svc));
	struct rtc_mdns_config config = { 0 };

	if (!svc)
		return -ENOMEM;
	svc->reactor = reactor;
	rtc_list_init(&svc->lookups);
	adopt(svc, AF_INET, &svc->v4);
	adopt(svc, AF_INET6, &svc->v6);
	config.ipv4 = svc->v4 != NULL;
	config.ipv6 = svc->v6 != NULL;
	if (!config.ipv4 && !config.ipv6) {
		free(svc);
		return -ENODEV;
	}
	svc->mdns = rtc_mdns_new(&config);
	svc->timer = rtc_timer_new(reactor, on_timer, svc);
	if (!svc->mdns || !svc->timer) {
		rtc_mdns_service_free(svc);
		return -ENOMEM;
	}
	*out = svc;
	return 0;
}

void rtc_mdns_service_free(struct rtc_mdns_service *svc)
{
	struct rtc_list *pos, *tmp;

	if (!svc)
		return;
	rtc_list_for_each_safe(pos, tmp, &svc->lookups)
		free(rtc_container_of(pos, struct rtc_mdns_lookup, link));
	if (svc->v4)
		rtc_udp_close(svc->v4);
	if (svc->v6)
		rtc_udp_close(svc->v6);
	if (svc->timer)
		rtc_timer_free(svc->timer);
	rtc_mdns_free(svc->mdns);
	free(svc);
}

struct rtc_mdns_lookup *rtc_mdns_service_resolve(struct rtc_mdns_service *svc, const char *name,
						 rtc_mdns_resolved_fn fn, void *userdata)
{
	struct rtc_mdns_lookup *l;
	struct rtc_error err = { 0 };

	if (strlen(name) > RTC_MDNS_NAME_MAX || !rtc_mdns_is_local_name(name))
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	if (rtc_mdns_resolve(svc->mdns, rtc_reactor_now(svc->reactor), name, &err) < 0) {
		rtc_debug("mdns: cannot resolve %s: %s", name, err.message);
		free(l);
		return NULL;
	}
	l->svc = svc;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->fn = fn;
	l->userdata = userdata;
	rtc_list_append(&svc->lookups, &l->link);
	/* A cached answer comes out of the next poll: run it from the timer,
	 * never inside the caller's own call. */
	rtc_timer_arm(svc->timer, rtc_reactor_now(svc->reactor));
	return l;
}

void rtc_mdns_lookup_cancel(struct rtc_mdns_lookup *lookup)
{
	if (!lookup)
		return;
	rtc_list_unlink(&lookup->link);
	free(lookup);
}

int rtc_mdns_service_register(struct rtc_mdns_service *svc, const struct sockaddr *address,
			      char *name_out)
{
	struct rtc_error err = { 0 };

	if (rtc_mdns_register(svc->mdns, rtc_reactor_now(svc->reactor), address, name_out,
			      &err) < 0) {
		rtc_debug("mdns: cannot register a name: %s", err.message);
		return -1;
	}
	/* The announcements go out from the timer, not inside the caller. */
	rtc_timer_arm(svc->timer, rtc_reactor_now(svc->reactor));
	return 0;
}

void rtc_mdns_service_unregister(struct rtc_mdns_service *svc, const char *name)
{
	if (rtc_mdns_unregister(svc->mdns, rtc_reactor_now(svc->reactor), name) == 0)
		rtc_timer_arm(svc->timer, rtc_reactor_now(svc->reactor));
}
