/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Local address enumeration, in a network namespace of the test's own with
 * known interfaces: loopback, a veth pair with IPv4, IPv6 and link-local
 * addresses, and one interface that is down.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "io/interfaces.h"

static int sh(const char *cmd)
{
	int r = system(cmd);

	if (r != 0)
		printf("# \"%s\" failed (%d)\n", cmd, r);
	return r;
}

static int count_family(const struct rtc_local_address *a, int n, int family)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += a[i].addr.ss_family == family;
	return c;
}

static bool has(const struct rtc_local_address *a, int n, const char *ip)
{
	char buf[INET6_ADDRSTRLEN];

	for (int i = 0; i < n; i++) {
		const void *src = a[i].addr.ss_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)&a[i].addr)->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)&a[i].addr)->sin6_addr;
		inet_ntop(a[i].addr.ss_family, src, buf, sizeof(buf));
		if (strcmp(buf, ip) == 0)
			return true;
	}
	return false;
}

static void test_filters(void)
{
	struct rtc_local_address a[32];
	struct rtc_interface_filter f = { 0 };
	int n;

	n = rtc_local_addresses(&f, a, 32);
	CHECK(has(a, n, "198.18.7.1") && has(a, n, "2001:db8:7::1"));
	CHECK(!has(a, n, "127.0.0.1") && !has(a, n, "::1"));
	CHECK(!has(a, n, "169.254.7.1"));
	CHECK(!has(a, n, "198.18.8.1"));         /* veth-down is down */
	for (int i = 0; i < n; i++) {
		CHECK(!a[i].loopback && !a[i].link_local);
		CHECK(((struct sockaddr_in *)&a[i].addr)->sin_port == 0);
		CHECK_STREQ(a[i].ifname, "rtcd-v0");
		CHECK(a[i].ifindex > 0);
	}

	f.allow_loopback = true;
	n = rtc_local_addresses(&f, a, 32);
	CHECK(has(a, n, "127.0.0.1") && has(a, n, "::1"));

	f.allow_link_local = true;
	n = rtc_local_addresses(&f, a, 32);
	CHECK(has(a, n, "169.254.7.1"));

	f = (struct rtc_interface_filter){ .allow_loopback = true, .disable_ipv6 = true };
	n = rtc_local_addresses(&f, a, 32);
	CHECK(n > 0 && count_family(a, n, AF_INET6) == 0);
	f = (struct rtc_interface_filter){ .disable_ipv4 = true };
	n = rtc_local_addresses(&f, a, 32);
	CHECK(n > 0 && count_family(a, n, AF_INET) == 0);

	f = (struct rtc_interface_filter){ .allow_loopback = true,
					    .only = (const char *const[]){ "lo", NULL } };
	n = rtc_local_addresses(&f, a, 32);
	CHECK(n == 2 && has(a, n, "127.0.0.1") && has(a, n, "::1"));

	/* A short array takes what fits. */
	f = (struct rtc_interface_filter){ .allow_loopback = true };
	CHECK_INTEQ(rtc_local_addresses(&f, a, 1), 1);
	CHECK_INTEQ(rtc_local_addresses(NULL, a, 0), 0);
}

int main(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		RTC_TEST_SKIP_ALL("needs root to make a network namespace");
	if (sh("ip link set lo up") || sh("ip link add rtcd-v0 type veth peer name rtcd-v1") ||
	    sh("ip addr add 198.18.7.1/24 dev rtcd-v0") ||
	    sh("ip addr add 169.254.7.1/16 dev rtcd-v0") ||
	    sh("ip -6 addr add 2001:db8:7::1/64 dev rtcd-v0 nodad") ||
	    sh("ip link set rtcd-v0 up") || sh("ip link set rtcd-v1 up") ||
	    sh("ip link add rtcd-down type veth peer name rtcd-down1") ||
	    sh("ip addr add 198.18.8.1/24 dev rtcd-down")) {
		printf("Bail out! cannot build the namespace\n");
		return 1;
	}
	RUN(test_filters);
	/* The namespace, and everything in it, goes with this process. */
	return rtc_test_done();
}
