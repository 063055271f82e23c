/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TCP streams on the reactor, against an echo server in a child process:
 * connect, a megabyte each way through the send queue, refusal, the peer
 * closing, and closing from inside a callback. Runs on both backends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/reactor.h"
#include "io/test-reactor-fixture.h"
#include "io/tcp.h"

struct peer {
	int connected;          /* 1 ok, <0 error, 0 not yet */
	size_t received;
	uint8_t expect_seed;
	bool corrupt, closed, close_in_data;
	int closed_error;
};

static void on_connected(void *ud, struct rtc_tcp_stream *s, int error)
{
	struct peer *p = ud;

	p->connected = error ? error : 1;
}

static void on_data(void *ud, struct rtc_tcp_stream *s, const uint8_t *data, size_t len)
{
	struct peer *p = ud;

	for (size_t i = 0; i < len; i++)
		if (data[i] != (uint8_t)(p->received + i + p->expect_seed))
			p->corrupt = true;
	p->received += len;
	if (p->close_in_data) {
		rtc_tcp_close(s);
		p->closed = true;
	}
}

static void on_closed(void *ud, struct rtc_tcp_stream *s, int error)
{
	struct peer *p = ud;

	p->closed = true;
	p->closed_error = error;
}

static const struct rtc_tcp_callbacks callbacks = { on_connected, on_data, on_closed };

/* An echo server for one connection; closes after `limit` bytes. */
static pid_t echo_server(struct sockaddr_in *addr, size_t limit)
{
	socklen_t len = sizeof(*addr);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	*addr = (struct sockaddr_in){ .sin_family = AF_INET,
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bind(l, (struct sockaddr *)addr, sizeof(*addr));
	listen(l, 1);
	getsockname(l, (struct sockaddr *)addr, &len);
	pid = fork();
	if (pid == 0) {
		int c = accept(l, NULL, NULL);
		char buf[65536];
		size_t total = 0;
		ssize_t n;

		while (total < limit && (n = read(c, buf, sizeof(buf))) > 0) {
			if (write(c, buf, (size_t)n) != n)
				_exit(1);
			total += (size_t)n;
		}
		_exit(0);
	}
	close(l);
	return pid;
}

static bool run_until(struct rtc_reactor *r, bool (*cond)(const struct peer *),
		      const struct peer *p)
{
	for (int i = 0; i < 5000 && !cond(p); i++)
		rtc_reactor_iterate(r, 10);
	return cond(p);
}

static bool got_mib(const struct peer *p) { return p->received >= 1024 * 1024; }
static bool is_closed(const struct peer *p) { return p->closed; }
static bool is_connected(const struct peer *p) { return p->connected != 0; }

static void test_echo_megabyte(void)
{
	struct rtc_reactor *r;
	struct sockaddr_in addr;
	pid_t pid = echo_server(&addr, 1024 * 1024);
	struct rtc_tcp_stream *s;
	struct peer p = { 0 };
	static uint8_t chunk[65536];

	CHECK(rtc_reactor_new(RTC_REACTOR_AUTO, &r) == 0);
	CHECK(rtc_tcp_connect(r, (struct sockaddr *)&addr, sizeof(addr), NULL, 0, &callbacks,
			      &p, &s) == 0);
	/* Queued before the connection is up: delivered once it is. */
	for (size_t off = 0; off < 1024 * 1024; off += sizeof(chunk)) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)(off + i);
		CHECK(rtc_tcp_send(s, chunk, sizeof(chunk)) == 0);
	}
	CHECK(rtc_tcp_send(s, chunk, 1) == -ENOBUFS);
	CHECK(run_until(r, got_mib, &p));
	CHECK_INTEQ(p.connected, 1);
	CHECK(!p.corrupt);
	CHECK_INTEQ(p.received, 1024 * 1024);
	/* The server closes after a megabyte: an orderly close. */
	CHECK(run_until(r, is_closed, &p));
	CHECK_INTEQ(p.closed_error, 0);
	CHECK_INTEQ(rtc_tcp_queued(s), 0);
	rtc_tcp_close(s);
	waitpid(pid, NULL, 0);
	rtc_reactor_free(r);
}

static void test_refused(void)
{
	struct rtc_reactor *r;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	struct rtc_tcp_stream *s;
	struct peer p = { 0 };
	int l = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was just free: nobody listens there. */
	bind(l, (struct sockaddr *)&addr, sizeof(addr));
	getsockname(l, (struct sockaddr *)&addr, &len);
	close(l);
	CHECK(rtc_reactor_new(RTC_REACTOR_AUTO, &r) == 0);
	CHECK(rtc_tcp_connect(r, (struct sockaddr *)&addr, sizeof(addr), NULL, 0, &callbacks,
			      &p, &s) == 0);
	CHECK(run_until(r, is_connected, &p));
	CHECK_INTEQ(p.connected, -ECONNREFUSED);
	rtc_tcp_close(s);
	CHECK(rtc_tcp_connect(r, NULL, 0, NULL, 0, &callbacks, &p, &s) == -EINVAL);
	rtc_reactor_free(r);
}

static void test_close_inside_callback(void)
{
	struct rtc_reactor *r;
	struct sockaddr_in addr;
	pid_t pid = echo_server(&addr, 1 << 30);
	struct rtc_tcp_stream *s;
	struct peer p = { .close_in_data = true };

	CHECK(rtc_reactor_new(RTC_REACTOR_AUTO, &r) == 0);
	CHECK(rtc_tcp_connect(r, (struct sockaddr *)&addr, sizeof(addr), NULL, 0, &callbacks,
			      &p, &s) == 0);
	CHECK(rtc_tcp_send(s, "hello", 5) == 0);
	CHECK(run_until(r, is_closed, &p));
	/* Nothing more arrives for a stream closed in its own callback. */
	for (int i = 0; i < 10; i++)
		rtc_reactor_iterate(r, 1);
	CHECK(p.received > 0 && p.received <= 5);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	rtc_reactor_free(r);
}

int main(void)
{
	skip_unless_backend_available();
	RUN(test_echo_megabyte);
	RUN(test_refused);
	RUN(test_close_inside_callback);
	return rtc_test_done();
}
