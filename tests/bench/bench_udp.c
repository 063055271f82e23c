/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UDP throughput through the reactor, per backend: one socket sends
 * 1200-byte datagrams to another on loopback as fast as the loop turns
 * (a batch per iteration), the other receives them; once with UDP GSO (the
 * batch leaves in one send) and once one datagram per send
 * (rtc_udp_disable_gso). Prints packets/s sent and received for each, the
 * GSO/one-by-one ratio per backend and the io_uring/epoll ratio. It
 * measures; it never fails on a figure (the host is shared and noisy).
 *
 *     bench-udp [seconds per backend, default 1]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/reactor.h"

#define PACKET_SIZE 1200
#define BATCH 32

struct bench {
	struct rtc_reactor *r;
	struct rtc_udp_socket *tx, *rx;
	struct sockaddr_storage to;
	socklen_t to_len;
	struct rtc_idle *pump;
	uint64_t stop_at;
	uint8_t payload[PACKET_SIZE];
};

struct result {
	bool ran;
	double sent_per_s, received_per_s;
	uint64_t send_errors, rearms;
};

static void on_receive(void *userdata, struct rtc_udp_socket *s, const uint8_t *data,
                       size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	/* Counting happens in the socket's stats; touching the data keeps the
	 * comparison honest (a real receiver reads what it gets). */
	volatile uint8_t first = data[0];

	(void)first;
}

/* An idle that re-schedules itself sends one batch per loop iteration. */
static void pump(void *userdata)
{
	struct bench *b = userdata;

	if (rtc_reactor_now(b->r) >= b->stop_at) {
		rtc_reactor_quit(b->r, 0);
		return;
	}
	for (int i = 0; i < BATCH; i++)
		(void)rtc_udp_send(b->tx, b->payload, sizeof(b->payload),
		                   (struct sockaddr *)&b->to, b->to_len);
	rtc_idle_schedule(b->pump);
}

static int run_backend(enum rtc_reactor_backend backend, bool gso, double seconds,
                       struct result *out)
{
	struct bench b = { 0 };
	struct sockaddr_in loopback = { .sin_family = AF_INET };
	struct rtc_udp_stats tx, rx;
	uint64_t start, elapsed;
	int ret;

	loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(b.payload, 0xa5, sizeof(b.payload));
	ret = rtc_reactor_new(backend, &b.r);
	if (ret < 0)
		return ret;
	ret = rtc_udp_open(b.r, (struct sockaddr *)&loopback, sizeof(loopback), on_receive, &b, &b.tx);
	if (ret == 0)
		ret = rtc_udp_open(b.r, (struct sockaddr *)&loopback, sizeof(loopback), on_receive, &b, &b.rx);
	if (ret == 0)
		ret = rtc_udp_local_address(b.rx, &b.to, &b.to_len);
	if (ret == 0 && !gso)
		rtc_udp_disable_gso(b.tx);
	b.pump = ret == 0 ? rtc_idle_new(b.r, pump, &b) : NULL;
	if (ret < 0 || !b.pump) {
		rtc_reactor_free(b.r);
		return ret < 0 ? ret : -ENOMEM;
	}

	start = rtc_reactor_now(b.r);
	b.stop_at = start + (uint64_t)(seconds * 1e9);
	rtc_idle_schedule(b.pump);
	ret = rtc_reactor_run(b.r);
	/* Let the last batch arrive before counting. */
	for (int i = 0; i < 10; i++)
		rtc_reactor_iterate(b.r, 1);
	elapsed = rtc_reactor_now(b.r) - start;

	rtc_udp_get_stats(b.tx, &tx);
	rtc_udp_get_stats(b.rx, &rx);
	out->ran = true;
	out->sent_per_s = (double)tx.packets_sent * 1e9 / (double)elapsed;
	out->received_per_s = (double)rx.packets_received * 1e9 / (double)elapsed;
	out->send_errors = tx.send_errors;
	out->rearms = rx.receive_rearms;
	rtc_reactor_free(b.r);
	return ret;
}

static void print_ratio(const char *what, const struct result *a, const struct result *b)
{
	if (a->ran && b->ran && b->sent_per_s > 0 && b->received_per_s > 0)
		printf("%-24s sent %.2fx  received %.2fx\n", what,
		       a->sent_per_s / b->sent_per_s, a->received_per_s / b->received_per_s);
}

int main(int argc, char **argv)
{
	static const struct {
		enum rtc_reactor_backend backend;
		const char *name;
	} backends[] = {
		{ RTC_REACTOR_URING, "io_uring" },
		{ RTC_REACTOR_EPOLL, "epoll" },
	};
	/* [backend][0: GSO, 1: one by one] */
	struct result results[2][2] = { 0 };
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;

	if (!(seconds > 0 && seconds <= 60))
		seconds = 1.0;
	printf("udp-reactor: %d-byte datagrams on 127.0.0.1, %d per iteration, %.1f s per run\n",
	       PACKET_SIZE, BATCH, seconds);
	for (size_t i = 0; i < 2; i++) {
		for (int mode = 0; mode < 2; mode++) {
			struct result *res = &results[i][mode];
			int ret = run_backend(backends[i].backend, mode == 0, seconds, res);
			const char *how = mode == 0 ? "GSO" : "one by one";

			if (ret < 0 || !res->ran) {
				printf("%-8s %-10s  unavailable: %s\n", backends[i].name, how, strerror(-ret));
				continue;
			}
			printf("%-8s %-10s  sent %10.0f pkt/s  received %10.0f pkt/s  (send errors %llu, receive re-arms %llu)\n",
			       backends[i].name, how, res->sent_per_s, res->received_per_s,
			       (unsigned long long)res->send_errors, (unsigned long long)res->rearms);
		}
	}
	print_ratio("io_uring GSO/one by one", &results[0][0], &results[0][1]);
	print_ratio("epoll GSO/one by one", &results[1][0], &results[1][1]);
	print_ratio("io_uring/epoll (GSO)", &results[0][0], &results[1][0]);
	print_ratio("io_uring/epoll (one)", &results[0][1], &results[1][1]);
	return 0;
}
