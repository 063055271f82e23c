/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TURN client against a real coturn on 127.0.0.1, over UDP: Allocate
 * through the 401 challenge, CreatePermission, a Send indication, then
 * ChannelBind and ChannelData both ways with a peer socket, and Refresh 0.
 * The test starts turnserver itself and kills it at the end; without
 * turnserver it skips.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "engine/turn/turn.h"

#define TURNSERVER "/usr/bin/turnserver"

static pid_t server_pid = -1;
static int client_fd = -1, peer_fd = -1;
static struct sockaddr_in server_addr;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int udp_socket(struct sockaddr_in *bound)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)bound, &len) < 0) {
		perror("udp socket");
		exit(1);
	}
	return fd;
}

/* A port nobody uses right now: bind, read it, let it go. */
static uint16_t free_port(void)
{
	struct sockaddr_in a;
	int fd = udp_socket(&a);
	close(fd);
	return ntohs(a.sin_port);
}

static void start_server(uint16_t port)
{
	char listening[32], min_port[32], max_port[32];
	uint16_t relay = free_port();
	snprintf(listening, sizeof(listening), "--listening-port=%u", port);
	snprintf(min_port, sizeof(min_port), "--min-port=%u", relay < 60000 ? relay : 50000);
	snprintf(max_port, sizeof(max_port), "--max-port=%u", relay < 60000 ? relay + 100 : 50100);
	server_pid = fork();
	if (server_pid == 0) {
		/* Dies with the test, even if the test crashes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		execl(TURNSERVER, "turnserver", "-n", "--listening-ip=127.0.0.1",
		      "--relay-ip=127.0.0.1", listening, min_port, max_port, "--lt-cred-mech",
		      "--user=u:p", "--realm=r", "--fingerprint", "--allow-loopback-peers",
		      "--no-cli", "--no-tls", "--no-dtls", "--no-tcp-relay",
		      "--log-file=stdout", "--pidfile=/dev/null", (char *)NULL);
		_exit(127);
	}
}

static void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
}

/* Sends what the client queued, reads what comes back for up to
 * `wait_ms`, runs the timers; returns the first peer data in *data. */
static bool step(struct rtc_turn_client *c, int wait_ms, uint8_t *buf, size_t cap,
		 struct rtc_turn_data *data)
{
	struct rtc_turn_transmit tx;
	while (rtc_turn_client_poll_transmit(c, &tx))
		sendto(client_fd, tx.data, tx.len, 0, (struct sockaddr *)&server_addr,
		       sizeof(server_addr));
	struct pollfd p = { .fd = client_fd, .events = POLLIN };
	bool got = false;
	if (poll(&p, 1, wait_ms) > 0) {
		ssize_t n = recv(client_fd, buf, cap, 0);
		if (n > 0 && rtc_turn_client_handle_receive(c, now_ns(), buf, (size_t)n, data) ==
			     RTC_TURN_INPUT_PEER_DATA)
			got = true;
	}
	if (now_ns() >= rtc_turn_client_deadline(c))
		rtc_turn_client_handle_timeout(c, now_ns());
	return got;
}

/* Steps until an event of that type (or a failure) arrives, 10 s at most. */
static bool wait_event(struct rtc_turn_client *c, enum rtc_turn_event_type type,
		       struct rtc_turn_event *ev)
{
	uint8_t buf[1500];
	struct rtc_turn_data data;
	uint64_t end = now_ns() + 10000000000ull;
	while (now_ns() < end) {
		step(c, 50, buf, sizeof(buf), &data);
		while (rtc_turn_client_poll_event(c, ev)) {
			if (ev->type == type)
				return true;
			printf("# event %d: %u %s\n", ev->type, ev->error_code, ev->reason);
		}
	}
	return false;
}

static void test_coturn(void)
{
	struct rtc_error err = { 0 };
	struct rtc_turn_client_config config = { .username = "u", .password = "p",
						 .software = "rtcd test" };
	struct rtc_turn_client *c = rtc_turn_client_new(&config, &err);
	struct rtc_turn_event ev;
	CHECK(c != NULL);
	if (!c)
		return;

	/* coturn takes a moment to listen: the UDP retransmissions cover it. */
	CHECK_INTEQ(rtc_turn_client_allocate(c, now_ns(), &err), 0);
	CHECK(wait_event(c, RTC_TURN_EVENT_ALLOCATED, &ev));
	const struct sockaddr_in *relayed = (const struct sockaddr_in *)&ev.relayed;
	CHECK(relayed->sin_family == AF_INET &&
	      relayed->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && relayed->sin_port != 0);
	CHECK(ev.mapped.ss_family == AF_INET);
	CHECK(ev.lifetime_s > 0);
	struct sockaddr_in relayed_addr = *relayed;

	struct sockaddr_in peer;
	peer_fd = udp_socket(&peer);
	CHECK_INTEQ(rtc_turn_client_create_permission(c, now_ns(), (struct sockaddr *)&peer, &err), 0);
	CHECK(wait_event(c, RTC_TURN_EVENT_PERMISSION_CREATED, &ev));

	/* Send indication out, straight datagram back as a Data indication. */
	uint8_t out[1500], buf[1500];
	size_t out_len = 0;
	CHECK_INTEQ(rtc_turn_client_wrap(c, (struct sockaddr *)&peer, (const uint8_t *)"ping", 4,
					 out, sizeof(out), &out_len, &err), 0);
	sendto(client_fd, out, out_len, 0, (struct sockaddr *)&server_addr, sizeof(server_addr));
	struct pollfd p = { .fd = peer_fd, .events = POLLIN };
	struct sockaddr_in from;
	socklen_t from_len = sizeof(from);
	CHECK(poll(&p, 1, 5000) == 1);
	ssize_t n = recvfrom(peer_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0);
	CHECK(from.sin_port == relayed_addr.sin_port);

	struct rtc_turn_data data = { 0 };
	bool got = false;
	sendto(peer_fd, "pong", 4, 0, (struct sockaddr *)&relayed_addr, sizeof(relayed_addr));
	for (int i = 0; i < 100 && !got; i++)
		got = step(c, 50, buf, sizeof(buf), &data);
	CHECK(got && data.len == 4 && memcmp(data.data, "pong", 4) == 0);

	/* Channel: ChannelData both ways. */
	uint16_t channel = 0;
	CHECK_INTEQ(rtc_turn_client_bind_channel(c, now_ns(), (struct sockaddr *)&peer, &channel,
						 &err), 0);
	CHECK(wait_event(c, RTC_TURN_EVENT_CHANNEL_BOUND, &ev));
	CHECK_INTEQ(ev.channel, channel);
	CHECK_INTEQ(rtc_turn_client_wrap(c, (struct sockaddr *)&peer, (const uint8_t *)"chan", 4,
					 out, sizeof(out), &out_len, &err), 0);
	CHECK_INTEQ(out[0] & 0xC0, 0x40);
	sendto(client_fd, out, out_len, 0, (struct sockaddr *)&server_addr, sizeof(server_addr));
	CHECK(poll(&p, 1, 5000) == 1);
	n = recv(peer_fd, buf, sizeof(buf), 0);
	CHECK(n == 4 && memcmp(buf, "chan", 4) == 0);
	sendto(peer_fd, "nahc", 4, 0, (struct sockaddr *)&relayed_addr, sizeof(relayed_addr));
	got = false;
	for (int i = 0; i < 100 && !got; i++)
		got = step(c, 50, buf, sizeof(buf), &data);
	CHECK(got && data.len == 4 && memcmp(data.data, "nahc", 4) == 0);
	CHECK(got && buf[0] == 0x40);   /* it came as ChannelData */

	/* rtc_turn_client_send to a peer without a permission: coturn drops
	 * data that comes before it, so the client holds the datagram until
	 * the permission is there. The first one arrives, once. */
	struct sockaddr_in peer2 = { .sin_family = AF_INET };
	socklen_t peer2_len = sizeof(peer2);
	int peer2_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Another IP than the first peer's: its permission would cover it. */
	inet_pton(AF_INET, "127.0.0.2", &peer2.sin_addr);
	CHECK(bind(peer2_fd, (struct sockaddr *)&peer2, sizeof(peer2)) == 0 &&
	      getsockname(peer2_fd, (struct sockaddr *)&peer2, &peer2_len) == 0);
	CHECK_INTEQ(rtc_turn_client_send(c, now_ns(), (struct sockaddr *)&peer2,
					 (const uint8_t *)"first", 5, &err), 0);
	struct pollfd p2 = { .fd = peer2_fd, .events = POLLIN };
	int arrived = 0;
	for (int i = 0; i < 20; i++) {
		step(c, 50, buf, sizeof(buf), &data);
		while (poll(&p2, 1, 0) == 1) {
			n = recv(peer2_fd, buf, sizeof(buf), 0);
			CHECK(n == 5 && memcmp(buf, "first", 5) == 0);
			arrived++;
		}
	}
	CHECK_INTEQ(arrived, 1);
	while (rtc_turn_client_poll_event(c, &ev))
		CHECK(ev.type == RTC_TURN_EVENT_PERMISSION_CREATED ||
		      ev.type == RTC_TURN_EVENT_CHANNEL_BOUND);
	struct rtc_turn_client_stats st;
	rtc_turn_client_stats(c, &st);
	CHECK_INTEQ(st.held, 1);
	CHECK_INTEQ(st.released, 1);
	close(peer2_fd);

	CHECK_INTEQ(rtc_turn_client_release(c, now_ns(), &err), 0);
	CHECK(wait_event(c, RTC_TURN_EVENT_RELEASED, &ev));
	CHECK_INTEQ(ev.error_code, 0);
	rtc_turn_client_free(c);
}

int main(void)
{
	if (access(TURNSERVER, X_OK) != 0)
		RTC_TEST_SKIP_ALL(TURNSERVER " is not installed (coturn)");
	struct sockaddr_in local;
	client_fd = udp_socket(&local);
	uint16_t port = free_port();
	server_addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
					    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	start_server(port);
	RUN(test_coturn);
	stop_server();
	close(client_fd);
	if (peer_fd >= 0)
		close(peer_fd);
	return rtc_test_done();
}
