/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The querier and the responder over real multicast sockets, in a network
 * namespace of the test's own: two "hosts" share the loopback link, each
 * with its own socket on port 5353 joined to the mDNS groups, as two
 * daemons on one LAN would be. A third socket asks as a plain DNS resolver
 * would (RFC 6762 6.7). The clock is real; no assertion is about time,
 * only a generous deadline so a broken run ends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "engine/mdns/mdns.h"

#define S 1000000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		printf("# %s: exit %d\n", cmd, rc);
	return rc;
}

/* A socket on port 5353 of one family, in the group, on lo, and hearing
 * its own multicast (the other "host" is on the same socket layer). */
static int mdns_socket(int family)
{
	int one = 1, fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	unsigned lo = if_nametoindex("lo");

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(RTC_MDNS_PORT) };
		struct ip_mreqn mreq = { .imr_ifindex = (int)lo };

		mreq.imr_multiaddr.s_addr = htonl(0xe00000fb);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0)
			goto fail;
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(RTC_MDNS_PORT) };
		struct ipv6_mreq mreq = { .ipv6mr_interface = lo };

		inet_pton(AF_INET6, "ff02::fb", &mreq.ipv6mr_multiaddr);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &lo, sizeof(lo)) < 0)
			goto fail;
	}
	return fd;
fail:
	printf("# mdns socket (%s): %s\n", family == AF_INET ? "IPv4" : "IPv6", strerror(errno));
	close(fd);
	return -1;
}

struct host {
	struct rtc_mdns *mdns;
	int fd[2];                   /* IPv4, IPv6 */
};

static int host_open(struct host *h)
{
	struct rtc_mdns_config c = { .ipv4 = true, .ipv6 = true };

	h->mdns = rtc_mdns_new(&c);
	h->fd[0] = mdns_socket(AF_INET);
	h->fd[1] = mdns_socket(AF_INET6);
	return h->mdns && h->fd[0] >= 0 && h->fd[1] >= 0 ? 0 : -1;
}

static void host_close(struct host *h)
{
	rtc_mdns_free(h->mdns);
	for (int i = 0; i < 2; i++)
		if (h->fd[i] >= 0)
			close(h->fd[i]);
}

/* What the daemon's reactor will do: send what the agent queued, on the
 * socket of the destination's family; scope ff02::fb to lo. */
static void host_flush(struct host *h)
{
	struct rtc_mdns_transmit tx;

	while (rtc_mdns_poll_transmit(h->mdns, &tx)) {
		int v6 = tx.to.ss_family == AF_INET6;
		socklen_t len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

		if (v6)
			((struct sockaddr_in6 *)&tx.to)->sin6_scope_id = if_nametoindex("lo");
		if (sendto(h->fd[v6], tx.data, tx.len, 0, (struct sockaddr *)&tx.to, len) < 0)
			printf("# sendto: %s\n", strerror(errno));
	}
}

/* Runs both hosts until `done` says so or ten seconds pass; a datagram
 * on extra_fd (if not -1) also wakes the loop to ask `done`. */
static void run(struct host *hosts, int n, int extra_fd, bool (*done)(void *), void *arg)
{
	uint64_t end = now_ns() + 10 * S;

	while (now_ns() < end) {
		struct pollfd pfd[5];
		uint64_t next = end;
		int timeout;

		for (int i = 0; i < n; i++) {
			uint64_t t;

			rtc_mdns_handle_timeout(hosts[i].mdns, now_ns());
			host_flush(&hosts[i]);
			t = rtc_mdns_deadline(hosts[i].mdns);
			if (t < next)
				next = t;
			for (int f = 0; f < 2; f++)
				pfd[2 * i + f] = (struct pollfd){ .fd = hosts[i].fd[f], .events = POLLIN };
		}
		if (done(arg))
			break;
		pfd[2 * n] = (struct pollfd){ .fd = extra_fd, .events = POLLIN };
		timeout = next <= now_ns() ? 0 : (int)((next - now_ns()) / 1000000 + 1);
		if (poll(pfd, (nfds_t)(2 * n + 1), timeout) < 0)
			break;
		for (int i = 0; i < 2 * n; i++) {
			struct sockaddr_storage from;
			socklen_t from_len = sizeof(from);
			uint8_t buf[RTC_MDNS_MESSAGE_MAX];
			struct rtc_error err = { 0 };
			ssize_t got;

			if (!(pfd[i].revents & POLLIN))
				continue;
			got = recvfrom(pfd[i].fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
			if (got >= 0 &&
			    rtc_mdns_handle_receive(hosts[i / 2].mdns, now_ns(), buf, (size_t)got,
					     (struct sockaddr *)&from, &err) < 0)
				printf("# receive: %s\n", err.message);
		}
	}
}

struct wait_event {
	struct rtc_mdns *mdns;
	struct rtc_mdns_event ev;
	bool got;
};

static bool event_arrived(void *arg)
{
	struct wait_event *w = arg;

	if (!w->got)
		w->got = rtc_mdns_poll_event(w->mdns, &w->ev);
	return w->got;
}

static const char *ip_of(const struct sockaddr_storage *ss)
{
	static char buf[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, sizeof(buf));
	return buf;
}

static struct host hosts[2] = { { .fd = { -1, -1 } }, { .fd = { -1, -1 } } };
static char names[2][RTC_MDNS_NAME_MAX + 1];

/* The responder host hides an IPv4 and an IPv6 address; the querier host
 * resolves both names, as an ICE agent does with a browser's candidates. */
static void test_resolve_over_multicast(void)
{
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	const char *want[2] = { "198.18.5.1", "2001:db8:5::1" };
	struct rtc_error err = { 0 };

	inet_pton(AF_INET, want[0], &v4.sin_addr);
	inet_pton(AF_INET6, want[1], &v6.sin6_addr);
	CHECK_INTEQ(rtc_mdns_register(hosts[1].mdns, now_ns(), (struct sockaddr *)&v4, names[0], &err), 0);
	CHECK_INTEQ(rtc_mdns_register(hosts[1].mdns, now_ns(), (struct sockaddr *)&v6, names[1], &err), 0);
	/* The peer learns the names through signalling, after the
	 * announcements: let them pass first. */
	host_flush(&hosts[1]);
	for (int i = 0; i < 2; i++) {
		struct wait_event w = { .mdns = hosts[0].mdns };

		CHECK_INTEQ(rtc_mdns_resolve(hosts[0].mdns, now_ns(), names[i], &err), 0);
		run(hosts, 2, -1, event_arrived, &w);
		CHECK(w.got);
		CHECK(w.ev.type == RTC_MDNS_RESOLVED);
		CHECK_STREQ(w.ev.name, names[i]);
		CHECK(w.ev.n_addresses >= 1);
		CHECK_STREQ(ip_of(&w.ev.addresses[0]), want[i]);
	}
}

/* A name nobody answers for fails, after the querier's retransmissions. */
static void test_unknown_name_fails(void)
{
	struct wait_event w = { .mdns = hosts[0].mdns };
	struct rtc_error err = { 0 };

	CHECK_INTEQ(rtc_mdns_resolve(hosts[0].mdns, now_ns(),
				     "00000000-0000-4000-8000-000000000000.local", &err), 0);
	run(hosts, 2, -1, event_arrived, &w);
	CHECK(w.got && w.ev.type == RTC_MDNS_RESOLVE_FAILED);
}

struct legacy {
	int fd;
	uint8_t reply[512];
	ssize_t len;
};

static bool legacy_reply(void *arg)
{
	struct legacy *l = arg;

	if (l->len <= 0)
		l->len = recv(l->fd, l->reply, sizeof(l->reply), MSG_DONTWAIT);
	return l->len > 0;
}

/* A plain DNS query from an ephemeral port, sent to the group, gets a
 * plain DNS reply back to that port. */
static void test_legacy_unicast(void)
{
	static struct rtc_dns_message msg;
	struct sockaddr_in group = { .sin_family = AF_INET, .sin_port = htons(RTC_MDNS_PORT),
				     .sin_addr.s_addr = htonl(0xe00000fb) };
	struct rtc_dns_question q = { .type = RTC_DNS_TYPE_A, .qclass = RTC_DNS_CLASS_IN };
	struct legacy l = { .fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) };
	struct rtc_error err = { 0 };
	struct rtc_dns_writer w;
	uint8_t buf[512];
	int len;

	CHECK(l.fd >= 0);
	rtc_dns_name_from_text(names[0], &q.name, &err);
	rtc_dns_writer_init(&w, buf, sizeof(buf), 0x5151, 0);
	rtc_dns_writer_add_question(&w, &q);
	len = rtc_dns_writer_finish(&w);
	CHECK(sendto(l.fd, buf, (size_t)len, 0, (struct sockaddr *)&group, sizeof(group)) == len);
	run(hosts, 2, l.fd, legacy_reply, &l);
	CHECK(l.len > 0);
	CHECK_INTEQ(rtc_dns_message_parse(l.reply, (size_t)l.len, &msg, &err), 0);
	CHECK(msg.id == 0x5151 && msg.n_questions == 1 && msg.n_records >= 1);
	CHECK(msg.records[0].type == RTC_DNS_TYPE_A && msg.records[0].ttl == RTC_MDNS_LEGACY_TTL);
	close(l.fd);
}

int main(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		RTC_TEST_SKIP_ALL("needs root to make a network namespace");
	/* Multicast on loopback needs the flag and a route for the groups. */
	if (sh("ip link set lo up multicast on") ||
	    sh("ip route add 224.0.0.0/4 dev lo") ||
	    sh("ip -6 route add ff02::/16 dev lo table local") ||
	    host_open(&hosts[0]) < 0 || host_open(&hosts[1]) < 0) {
		printf("Bail out! cannot set up multicast in the namespace\n");
		return 1;
	}
	RUN(test_resolve_over_multicast);
	RUN(test_legacy_unicast);
	RUN(test_unknown_name_fails);
	host_close(&hosts[0]);
	host_close(&hosts[1]);
	/* The namespace goes with this process. */
	return rtc_test_done();
}
