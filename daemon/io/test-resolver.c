/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names resolved off the reactor's thread and answered on it: names
 * /etc/hosts knows ("localhost"), literals, and one that fails, all in a
 * network namespace with no route anywhere.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include "check.h"
#include "io/reactor.h"
#include "io/resolver.h"

struct answer {
	bool done;
	size_t n;
	struct sockaddr_storage first;
	char error[128];
};

static void on_answer(void *userdata, const struct sockaddr_storage *a, size_t n,
		      const char *error)
{
	struct answer *ans = userdata;

	ans->done = true;
	ans->n = n;
	if (n)
		ans->first = a[0];
	snprintf(ans->error, sizeof(ans->error), "%s", error ? error : "");
}

static bool wait_for(struct rtc_reactor *r, const bool *done)
{
	for (int i = 0; i < 500 && !*done; i++)
		rtc_reactor_iterate(r, 10);
	return *done;
}

static void test_localhost(void)
{
	struct rtc_reactor *r;
	struct rtc_resolver *res;
	struct answer a = { 0 };

	CHECK(rtc_reactor_new(RTC_REACTOR_AUTO, &r) == 0);
	CHECK(rtc_resolver_new(r, &res) == 0);
	CHECK(rtc_resolve_start(res, "localhost", 3478, AF_INET, on_answer, &a) != NULL);
	CHECK(wait_for(r, &a.done));
	CHECK(a.n >= 1);
	CHECK(a.first.ss_family == AF_INET);
	CHECK(ntohs(((struct sockaddr_in *)&a.first)->sin_port) == 3478);
	CHECK(ntohl(((struct sockaddr_in *)&a.first)->sin_addr.s_addr) == INADDR_LOOPBACK);
	rtc_resolver_free(res);
	rtc_reactor_free(r);
}

static void test_literal_and_failure(void)
{
	struct rtc_reactor *r;
	struct rtc_resolver *res;
	struct answer a = { 0 }, b = { 0 };

	CHECK(rtc_reactor_new(RTC_REACTOR_AUTO, &r) == 0);
	CHECK(rtc_resolver_new(r, &res) == 0);
	CHECK(rtc_resolve_start(res, "::1", 5349, AF_UNSPEC, on_answer, &a) != NULL);
	/* ".invalid" never resolves (RFC 6761), and AI_ADDRCONFIG aside,
	 * nsswitch answers it from files or fails at once without network. */
	CHECK(rtc_resolve_start(res, "no-such-host.invalid", 3478, AF_UNSPEC, on_answer, &b) != NULL);
	CHECK(wait_for(r, &a.done));
	CHECK(wait_for(r, &b.done));
	CHECK(a.n == 1 && a.first.ss_family == AF_INET6);
	CHECK(b.n == 0 && b.error[0] != '\0');
	rtc_resolver_free(res);
	rtc_reactor_free(r);
}

static void test_cancel_and_free_pending(void)
{
	struct rtc_reactor *r;
	struct rtc_resolver *res;
	struct answer a = { 0 }, b = { 0 };
	struct rtc_resolve *q;

	CHECK(rtc_reactor_new(RTC_REACTOR_AUTO, &r) == 0);
	CHECK(rtc_resolver_new(r, &res) == 0);
	q = rtc_resolve_start(res, "localhost", 1, AF_INET, on_answer, &a);
	CHECK(q != NULL);
	rtc_resolve_cancel(q);
	for (int i = 0; i < 20; i++)
		rtc_reactor_iterate(r, 10);
	CHECK(!a.done);
	/* Freed with a request in flight: no callback, no leak (ASan). */
	CHECK(rtc_resolve_start(res, "localhost", 2, AF_INET, on_answer, &b) != NULL);
	rtc_resolver_free(res);
	CHECK(!b.done);
	rtc_reactor_free(r);
}

int main(void)
{
	/* A network namespace of our own: the one name meant to fail must
	 * not become a DNS query that leaves the machine. */
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		RTC_TEST_SKIP_ALL("needs root for a network namespace");
	RUN(test_localhost);
	RUN(test_literal_and_failure);
	RUN(test_cancel_and_free_pending);
	return rtc_test_done();
}
