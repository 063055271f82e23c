/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UDP GSO on the reactor's send path, on whichever backend RTCD_IO selects
 * (meson runs it with RTCD_IO=uring and with RTCD_IO=epoll): runs of queued
 * datagrams leave as one send and arrive as the same datagrams in the same
 * order; runs break where the size or the destination changes; a socket
 * whose GSO send the kernel refuses sends everything one by one instead.
 *
 * The kernel refuses GSO on a socket with UDP checksums turned off
 * (SO_NO_CHECK: segments need them), which works on loopback without
 * privileges, so the fallback is tested against a real refusal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/test-reactor-fixture.h"
#include "io/reactor.h"

#define MS 1000000ull
#define MAX_ARRIVALS 256

struct arrival {
	uint32_t seq;
	size_t len;
};

/* What one receiving socket got, in order. */
struct receiver {
	struct rtc_udp_socket *socket;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct arrival got[MAX_ARRIVALS];
	int n;
	int corrupt;
};

static struct sockaddr_in loopback4(void)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

static struct sockaddr_in6 loopback6(void)
{
	return (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
}

/* Every datagram carries its sequence number in its first 4 bytes (the empty
 * one carries nothing) and a pattern of it after. */
static void fill(uint8_t *buf, size_t len, uint32_t seq)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 7 + i);
	if (len >= 4)
		memcpy(buf, &seq, 4);
}

static void on_datagram(void *userdata, struct rtc_udp_socket *s, const uint8_t *data,
                        size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	struct receiver *rx = userdata;
	uint8_t want[RTC_UDP_MAX_DATAGRAM];
	uint32_t seq = UINT32_MAX;

	if (len >= 4) {
		memcpy(&seq, data, 4);
		fill(want, len, seq);
		if (memcmp(want, data, len) != 0)
			rx->corrupt++;
	} else if (len != 0) {
		rx->corrupt++;
	}
	if (rx->n < MAX_ARRIVALS)
		rx->got[rx->n] = (struct arrival){ seq, len };
	rx->n++;
}

static void open_receiver_on(struct rtc_reactor *r, struct receiver *rx,
                             const struct sockaddr *addr, socklen_t len)
{
	memset(rx, 0, sizeof(*rx));
	CHECK_INTEQ(rtc_udp_open(r, addr, len, on_datagram, rx, &rx->socket), 0);
	if (!rx->socket) {
		printf("Bail out! cannot open a UDP socket\n");
		exit(1);
	}
	CHECK_INTEQ(rtc_udp_local_address(rx->socket, &rx->addr, &rx->addr_len), 0);
}

static void open_receiver(struct rtc_reactor *r, struct receiver *rx)
{
	struct sockaddr_in addr = loopback4();

	open_receiver_on(r, rx, (struct sockaddr *)&addr, sizeof(addr));
}

static void ignore(void *userdata, struct rtc_udp_socket *s, const uint8_t *data,
                   size_t len, const struct sockaddr *from, socklen_t fromlen)
{
}

static struct rtc_udp_socket *open_sender_on(struct rtc_reactor *r, const struct sockaddr *addr,
                                             socklen_t len)
{
	struct rtc_udp_socket *s = NULL;

	CHECK_INTEQ(rtc_udp_open(r, addr, len, ignore, NULL, &s), 0);
	if (!s) {
		printf("Bail out! cannot open a UDP socket\n");
		exit(1);
	}
	return s;
}

static struct rtc_udp_socket *open_sender(struct rtc_reactor *r)
{
	struct sockaddr_in addr = loopback4();

	return open_sender_on(r, (struct sockaddr *)&addr, sizeof(addr));
}

/* A socket the kernel refuses GSO sends on: UDP checksums off. */
static struct rtc_udp_socket *open_sender_without_checksums(struct rtc_reactor *r)
{
	struct sockaddr_in addr = loopback4();
	struct rtc_udp_socket *s = NULL;
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	CHECK(setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)) == 0);
	CHECK(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK_INTEQ(rtc_udp_adopt(r, fd, ignore, NULL, &s), 0);
	if (!s) {
		printf("Bail out! cannot adopt a UDP socket\n");
		exit(1);
	}
	return s;
}

static void send_one(struct rtc_udp_socket *s, const struct receiver *to, size_t len, uint32_t seq)
{
	uint8_t buf[RTC_UDP_MAX_DATAGRAM];

	fill(buf, len, seq);
	CHECK_INTEQ(rtc_udp_send(s, buf, len, (const struct sockaddr *)&to->addr, to->addr_len), 0);
}

/* 100 datagrams of 1200 bytes and a last one of 300, sequence numbers from 0. */
static void send_burst(struct rtc_udp_socket *s, const struct receiver *to)
{
	for (uint32_t seq = 0; seq < 100; seq++)
		send_one(s, to, 1200, seq);
	send_one(s, to, 300, 100);
}

static bool all_arrived(const struct receiver *const *rxs, int n_rx, const int *expected)
{
	for (int i = 0; i < n_rx; i++)
		if (rxs[i]->n < expected[i])
			return false;
	return true;
}

/* Iterates until every receiver has its datagrams (or 5 s have passed),
 * then once more, so that the last send completions are in the stats. */
static void deliver(struct rtc_reactor *r, const struct receiver *const *rxs, int n_rx,
                    const int *expected)
{
	uint64_t give_up = rtc_reactor_now(r) + 5000 * MS;

	while (!all_arrived(rxs, n_rx, expected) && rtc_reactor_now(r) < give_up)
		CHECK_INTEQ(rtc_reactor_iterate(r, 10), 0);
	for (int i = 0; i < 3; i++)
		CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
}

static void check_burst_arrived_in_order(const struct receiver *rx)
{
	CHECK_INTEQ(rx->n, 101);
	CHECK_INTEQ(rx->corrupt, 0);
	for (int i = 0; i < rx->n && i < 101; i++) {
		CHECK_INTEQ(rx->got[i].seq, i);
		CHECK_INTEQ(rx->got[i].len, i < 100 ? 1200 : 300);
	}
}

static void check_burst_counted(const struct rtc_udp_socket *s)
{
	struct rtc_udp_stats st;

	rtc_udp_get_stats(s, &st);
	CHECK_INTEQ(st.packets_sent, 101);
	CHECK_INTEQ(st.bytes_sent, 100 * 1200 + 300);
	CHECK_INTEQ(st.send_errors, 0);
}

static bool on_uring(void)
{
	const char *io = getenv("RTCD_IO");

	return !(io && strcmp(io, "epoll") == 0);
}

/* The burst leaves in GSO sends and arrives as 101 datagrams. Runs hold at
 * most 54 datagrams of 1200 bytes (65,000 bytes). epoll: the 64th send
 * flushes a batch of 64 (54 + 10), the end of the iteration the other 37.
 * io_uring: the first GSO send (54) goes alone, the other 47 once it is
 * known to have worked. */
static void test_burst_leaves_in_gso_sends(void)
{
	struct rtc_reactor *r = new_reactor();
	struct receiver rx;
	struct rtc_udp_socket *tx = open_sender(r);
	const struct receiver *rxs[] = { &rx };
	const int expected[] = { 101 };
	struct rtc_udp_stats st;

	open_receiver(r, &rx);
	send_burst(tx, &rx);
	deliver(r, rxs, 1, expected);
	check_burst_arrived_in_order(&rx);
	check_burst_counted(tx);
	rtc_udp_get_stats(tx, &st);
	CHECK_INTEQ(st.gso_sends, on_uring() ? 2 : 3);
	CHECK_INTEQ(st.sends, on_uring() ? 2 : 3);     /* 101 datagrams, 2 or 3 sends */
	CHECK_INTEQ(st.gso_refusals, 0);
	rtc_reactor_free(r);
}

/* The same burst with RTCD_UDP_GSO=off, the reference path: one send per
 * datagram. The reactor's totals count both sockets, the sender closed
 * before they are read included. */
static void test_gso_switched_off_by_environment(void)
{
	struct rtc_reactor *r = new_reactor();
	struct receiver rx;
	struct rtc_udp_socket *tx;
	const struct receiver *rxs[] = { &rx };
	const int expected[] = { 101 };
	struct rtc_udp_stats st;

	CHECK_INTEQ(setenv("RTCD_UDP_GSO", "off", 1), 0);
	tx = open_sender(r);
	CHECK_INTEQ(unsetenv("RTCD_UDP_GSO"), 0);
	open_receiver(r, &rx);
	send_burst(tx, &rx);
	deliver(r, rxs, 1, expected);
	check_burst_arrived_in_order(&rx);
	check_burst_counted(tx);
	rtc_udp_get_stats(tx, &st);
	CHECK_INTEQ(st.gso_sends, 0);
	CHECK_INTEQ(st.sends, 101);
	rtc_udp_close(tx);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	rtc_reactor_udp_stats(r, &st);
	CHECK_INTEQ(st.packets_sent, 101);
	CHECK_INTEQ(st.sends, 101);
	CHECK_INTEQ(st.packets_received, 101);
	rtc_reactor_free(r);
}

/* The same over IPv6 (skipped where ::1 is missing, as in some CI
 * containers): another header size under the segments. */
static void test_burst_over_ipv6(void)
{
	struct sockaddr_in6 addr = loopback6();
	int probe = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool have_ipv6 = probe >= 0 && bind(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	struct rtc_reactor *r;
	struct rtc_udp_socket *tx;
	struct receiver rx;
	const struct receiver *rxs[] = { &rx };
	const int expected[] = { 101 };
	struct rtc_udp_stats st;

	if (probe >= 0)
		close(probe);
	if (!have_ipv6)
		RTC_TEST_SKIP("no IPv6 loopback (::1) here");
	r = new_reactor();
	tx = open_sender_on(r, (struct sockaddr *)&addr, sizeof(addr));
	open_receiver_on(r, &rx, (struct sockaddr *)&addr, sizeof(addr));
	send_burst(tx, &rx);
	deliver(r, rxs, 1, expected);
	check_burst_arrived_in_order(&rx);
	check_burst_counted(tx);
	rtc_udp_get_stats(tx, &st);
	CHECK_INTEQ(st.gso_sends, on_uring() ? 2 : 3);
	rtc_reactor_free(r);
}

/* Runs end where the destination changes, where a datagram is larger than
 * the first of its run, after a shorter one, and at an empty datagram (it
 * would vanish inside a run). Each receiver gets its datagrams in order. */
static void test_runs_break_on_size_and_destination(void)
{
	static const struct {
		int to;          /* receiver 0 or 1 */
		size_t len;
		int count;
	} plan[] = {
		{ 0, 1000, 5 },  /* run of 5 */
		{ 1, 1000, 3 },  /* another destination: run of 3 */
		{ 0, 800, 4 },   /* run of 4 */
		{ 0, 1000, 1 },  /* larger than 800: a new run, with ... */
		{ 0, 500, 2 },   /* ... the first 500 ending it; the second alone */
		{ 0, 0, 1 },     /* empty: alone */
		{ 0, 700, 3 },   /* run of 3 */
	};
	struct rtc_reactor *r = new_reactor();
	struct receiver rx[2];
	struct rtc_udp_socket *tx = open_sender(r);
	const struct receiver *rxs[] = { &rx[0], &rx[1] };
	struct arrival want[2][32];
	int expected[2] = { 0, 0 };
	uint32_t seq = 0;
	uint64_t bytes = 0;
	struct rtc_udp_stats st;

	open_receiver(r, &rx[0]);
	open_receiver(r, &rx[1]);
	for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
		for (int k = 0; k < plan[i].count; k++, seq++) {
			int to = plan[i].to;

			send_one(tx, &rx[to], plan[i].len, seq);
			want[to][expected[to]++] = (struct arrival){
				plan[i].len >= 4 ? seq : UINT32_MAX, plan[i].len };
			bytes += plan[i].len;
		}
	}
	deliver(r, rxs, 2, expected);
	for (int to = 0; to < 2; to++) {
		CHECK_INTEQ(rx[to].n, expected[to]);
		CHECK_INTEQ(rx[to].corrupt, 0);
		for (int i = 0; i < rx[to].n && i < expected[to]; i++) {
			CHECK_INTEQ(rx[to].got[i].seq, want[to][i].seq);
			CHECK_INTEQ(rx[to].got[i].len, want[to][i].len);
		}
	}
	rtc_udp_get_stats(tx, &st);
	CHECK_INTEQ(st.packets_sent, seq);
	CHECK_INTEQ(st.bytes_sent, bytes);
	CHECK_INTEQ(st.send_errors, 0);
	CHECK_INTEQ(st.gso_sends, 5);
	rtc_reactor_free(r);
}

/* The kernel refuses the first GSO send: the socket stops using GSO and
 * sends the same datagrams one by one, in order, none lost; a second burst
 * goes straight out one by one. */
static void test_refused_gso_falls_back(void)
{
	struct rtc_reactor *r = new_reactor();
	struct receiver rx;
	struct rtc_udp_socket *tx = open_sender_without_checksums(r);
	const struct receiver *rxs[] = { &rx };
	const int expected[] = { 101 };
	struct rtc_udp_stats st;

	open_receiver(r, &rx);
	send_burst(tx, &rx);
	deliver(r, rxs, 1, expected);
	check_burst_arrived_in_order(&rx);
	check_burst_counted(tx);
	rtc_udp_get_stats(tx, &st);
	CHECK_INTEQ(st.gso_sends, 0);
	CHECK_INTEQ(st.gso_refusals, 1);

	rx.n = 0;
	send_burst(tx, &rx);
	deliver(r, rxs, 1, expected);
	check_burst_arrived_in_order(&rx);
	rtc_udp_get_stats(tx, &st);
	CHECK_INTEQ(st.packets_sent, 202);
	CHECK_INTEQ(st.gso_refusals, 1);
	rtc_reactor_free(r);
}

/* Brings the loopback of a fresh network namespace up with a small MTU:
 * 0, or -errno (not root: the caller skips). */
static int loopback_with_mtu(int mtu)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, ret = 0;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ifr.ifr_mtu = mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr) < 0)
		ret = -errno;
	ifr.ifr_flags = IFF_UP;
	if (ret == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The refusal a small MTU makes (a VPN, a tunnel): 1400-byte segments on a
 * 1280-byte path. Sent alone, each datagram is fragmented and reassembled;
 * as a GSO send the kernel refuses them (EMSGSIZE on Linux 6.1, which must
 * count as a refusal or the whole run is lost). In a child process of its
 * own network namespace, which goes away with it. */
static void test_refused_on_small_mtu(void)
{
	pid_t child;
	int status = 0;

	fflush(stdout);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		struct rtc_reactor *r;
		struct rtc_udp_socket *tx;
		struct receiver rx;
		const struct receiver *rxs[] = { &rx };
		const int expected[] = { 20 };
		struct rtc_udp_stats st;
		int ret = loopback_with_mtu(1280);

		if (ret < 0) {
			printf("# no network namespace with a small MTU: %s\n", strerror(-ret));
			fflush(stdout);
			_exit(77);
		}
		r = new_reactor();
		tx = open_sender(r);
		open_receiver(r, &rx);
		for (uint32_t seq = 0; seq < 20; seq++)
			send_one(tx, &rx, 1400, seq);
		deliver(r, rxs, 1, expected);
		CHECK_INTEQ(rx.n, 20);
		CHECK_INTEQ(rx.corrupt, 0);
		for (int i = 0; i < rx.n && i < 20; i++)
			CHECK_INTEQ(rx.got[i].seq, i);
		rtc_udp_get_stats(tx, &st);
		CHECK_INTEQ(st.packets_sent, 20);
		CHECK_INTEQ(st.gso_refusals, 1);
		CHECK_INTEQ(st.gso_sends, 0);
		rtc_reactor_free(r);
		fflush(stdout);
		_exit(rtc_test_case_failed);
	}
	CHECK(waitpid(child, &status, 0) == child);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		RTC_TEST_SKIP("needs root for a network namespace with a small MTU");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Closing right after a burst sends all of it, also while a first GSO send
 * is in flight (io_uring) and when the kernel refuses it after the close:
 * the closed socket sends the refused datagrams one by one. Order is only
 * kept in the first case (the refused run goes out behind the rest). */
static void close_after_burst(bool refused)
{
	struct rtc_reactor *r = new_reactor();
	struct receiver rx;
	struct rtc_udp_socket *tx = refused ? open_sender_without_checksums(r) : open_sender(r);
	const struct receiver *rxs[] = { &rx };
	const int expected[] = { 101 };
	bool seen[101] = { false };
	int distinct = 0;

	open_receiver(r, &rx);
	send_burst(tx, &rx);
	rtc_udp_close(tx);
	deliver(r, rxs, 1, expected);
	CHECK_INTEQ(rx.n, 101);
	CHECK_INTEQ(rx.corrupt, 0);
	for (int i = 0; i < rx.n && i < 101; i++) {
		if (rx.got[i].seq < 101 && !seen[rx.got[i].seq]) {
			seen[rx.got[i].seq] = true;
			distinct++;
		}
	}
	CHECK_INTEQ(distinct, 101);
	if (!refused)
		check_burst_arrived_in_order(&rx);
	rtc_reactor_free(r);
}

static void test_close_sends_whole_burst(void)
{
	close_after_burst(false);
}

static void test_close_sends_whole_refused_burst(void)
{
	close_after_burst(true);
}

/* rtc_udp_disable_gso: one datagram per send, same datagrams. */
static void test_gso_disabled(void)
{
	struct rtc_reactor *r = new_reactor();
	struct receiver rx;
	struct rtc_udp_socket *tx = open_sender(r);
	const struct receiver *rxs[] = { &rx };
	const int expected[] = { 101 };
	struct rtc_udp_stats st;

	open_receiver(r, &rx);
	rtc_udp_disable_gso(tx);
	send_burst(tx, &rx);
	deliver(r, rxs, 1, expected);
	check_burst_arrived_in_order(&rx);
	check_burst_counted(tx);
	rtc_udp_get_stats(tx, &st);
	CHECK_INTEQ(st.gso_sends, 0);
	CHECK_INTEQ(st.sends, 101);
	CHECK_INTEQ(st.gso_refusals, 0);
	rtc_reactor_free(r);
}

/* 200 datagrams queued before the loop turns, to two destinations in
 * alternating blocks of 20: each block is at least one GSO send (epoll
 * splits those that straddle its batches of 64), and every datagram
 * arrives in order at its receiver. */
static void test_long_queue_in_blocks(void)
{
	struct rtc_reactor *r = new_reactor();
	struct receiver rx[2];
	struct rtc_udp_socket *tx = open_sender(r);
	const struct receiver *rxs[] = { &rx[0], &rx[1] };
	const int expected[] = { 100, 100 };
	struct rtc_udp_stats st;
	uint32_t next[2] = { 0, 0 };
	bool in_order = true;

	open_receiver(r, &rx[0]);
	open_receiver(r, &rx[1]);
	for (uint32_t seq = 0; seq < 200; seq++)
		send_one(tx, &rx[(seq / 20) % 2], 1100, seq);
	deliver(r, rxs, 2, expected);
	for (int to = 0; to < 2; to++) {
		CHECK_INTEQ(rx[to].n, 100);
		CHECK_INTEQ(rx[to].corrupt, 0);
		for (int i = 0; i < rx[to].n && i < 100; i++) {
			/* Receiver `to` gets blocks to, to + 2, ... of 20. */
			while (next[to] < 200 && (next[to] / 20) % 2 != (uint32_t)to)
				next[to]++;
			in_order = in_order && rx[to].got[i].seq == next[to];
			next[to]++;
		}
	}
	CHECK(in_order);
	rtc_udp_get_stats(tx, &st);
	CHECK_INTEQ(st.packets_sent, 200);
	CHECK(st.gso_sends >= 10);
	rtc_reactor_free(r);
}

int main(void)
{
	skip_unless_backend_available();
	RUN(test_burst_leaves_in_gso_sends);
	RUN(test_gso_switched_off_by_environment);
	RUN(test_burst_over_ipv6);
	RUN(test_runs_break_on_size_and_destination);
	RUN(test_refused_gso_falls_back);
	RUN(test_refused_on_small_mtu);
	RUN(test_close_sends_whole_burst);
	RUN(test_close_sends_whole_refused_burst);
	RUN(test_gso_disabled);
	RUN(test_long_queue_in_blocks);
	return rtc_test_done();
}
