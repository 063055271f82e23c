/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TURN over TLS against a real coturn on 127.0.0.1: the TLS client over a
 * TCP socket, the TURN client over the TLS client, frames cut by
 * turn-stream.h, as the daemon will wire them. coturn gets a certificate
 * from the test's own CA (test-tls-server.c) for 127.0.0.1 and
 * turn.example.test; the client trusts that CA only.
 *
 *   - by IP address: handshake, Allocate through the 401 challenge,
 *     Refresh 0, close_notify
 *   - by a name the certificate does not carry: hostname failure
 *   - with a client that trusts only the system's CAs: certificate failure
 *
 * The test starts turnserver itself and kills it at the end; without
 * turnserver it skips. No timing is asserted: waits only bound
 * how long a broken run takes.
 */
#include <arpa/inet.h>
#include <errno.h>
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

#include <openssl/pem.h>

#include "check.h"
#include "engine/turn/tls-client.h"
#include "engine/turn/turn-stream.h"
#include "engine/turn/turn.h"
#include "engine/turn/test-tls-server.h"

#define TURNSERVER "/usr/bin/turnserver"
#define WAIT_NS (10ull * 1000 * 1000 * 1000)

static struct tls_test_pki pki;
static char cert_file[64], key_file[64];
static pid_t server_pid = -1;
static uint16_t tls_port;
/* Trusts the test CA only; trusts the system's CAs only. */
static struct rtc_tls_client_context *trusting, *system_only;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A port nobody uses right now: bind, read it, let it go. */
static uint16_t free_port(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	uint16_t port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool write_pem(char *path, size_t size, bool key)
{
	FILE *f;
	int fd;
	bool ok;

	snprintf(path, size, "/tmp/rtcd-test-coturn-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return false;
	}
	ok = key ? PEM_write_PrivateKey(f, pki.server_key, NULL, NULL, 0, NULL, NULL) == 1
		 : PEM_write_X509(f, pki.server) == 1;
	return fclose(f) == 0 && ok;
}

static void start_server(void)
{
	char listening[32], tls_listening[32], cert[96], pkey[96], min_port[32], max_port[32];
	uint16_t relay = free_port(SOCK_DGRAM);

	if (relay == 0 || relay >= 60000)
		relay = 50000;
	tls_port = free_port(SOCK_STREAM);
	snprintf(listening, sizeof(listening), "--listening-port=%u", free_port(SOCK_STREAM));
	snprintf(tls_listening, sizeof(tls_listening), "--tls-listening-port=%u", tls_port);
	snprintf(cert, sizeof(cert), "--cert=%s", cert_file);
	snprintf(pkey, sizeof(pkey), "--pkey=%s", key_file);
	snprintf(min_port, sizeof(min_port), "--min-port=%u", relay);
	snprintf(max_port, sizeof(max_port), "--max-port=%u", relay + 100);
	server_pid = fork();
	if (server_pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* Dies with the test, even if the test crashes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		execl(TURNSERVER, "turnserver", "-n", "--listening-ip=127.0.0.1",
		      "--relay-ip=127.0.0.1", listening, tls_listening, cert, pkey, min_port,
		      max_port, "--lt-cred-mech", "--user=u:p", "--realm=r", "--fingerprint",
		      "--allow-loopback-peers", "--no-cli", "--no-dtls", "--no-udp",
		      "--no-tcp-relay", "--log-file=stdout", "--pidfile=/dev/null", (char *)NULL);
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

/* coturn takes a moment to listen: retry until it does (10 s at most). */
static int connect_to_server(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(tls_port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint64_t end = now_ns() + WAIT_NS;

	while (now_ns() < end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0)
			return fd;
		close(fd);
		usleep(50 * 1000);
	}
	return -1;
}

struct connection {
	int fd;
	struct rtc_tls_client *tls;
	struct rtc_turn_stream frames;
	struct rtc_turn_client *turn; /* NULL until the handshake is done */
	bool connected, failed, closed;
	enum rtc_tls_client_failure failure;
};

static void send_output(struct connection *conn)
{
	uint8_t buf[4096];
	size_t n;

	while ((n = rtc_tls_client_poll_transmit(conn->tls, buf, sizeof(buf))))
		if (send(conn->fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n)
			conn->closed = true;
}

static void handle_tls_events(struct connection *conn)
{
	struct rtc_tls_client_event ev;

	while (rtc_tls_client_poll_event(conn->tls, &ev)) {
		if (ev.type == RTC_TLS_CLIENT_EVENT_CONNECTED) {
			printf("# connected: %s %s\n", rtc_tls_client_version(conn->tls),
			       rtc_tls_client_cipher_name(conn->tls));
			conn->connected = true;
		} else if (ev.type == RTC_TLS_CLIENT_EVENT_CLOSED) {
			conn->closed = true;
		} else {
			printf("# failed (%s): %s\n", rtc_tls_client_failure_name(ev.failure),
			       ev.reason);
			conn->failed = true;
			conn->failure = ev.failure;
		}
	}
}

/* TURN frames out through TLS. */
static void send_turn(struct connection *conn)
{
	struct rtc_turn_transmit tx;
	struct rtc_error err = { 0 };

	while (conn->turn && rtc_turn_client_poll_transmit(conn->turn, &tx))
		if (rtc_tls_client_write(conn->tls, tx.data, tx.len, &err) < 0)
			printf("# write: %s\n", err.message);
	send_output(conn);
}

/* Plaintext from TLS, cut into frames, into the TURN client. */
static void receive_turn(struct connection *conn)
{
	uint8_t buf[4096];
	const uint8_t *frame;
	size_t n, frame_len;
	struct rtc_error err = { 0 };
	struct rtc_turn_data data;

	while ((n = rtc_tls_client_read(conn->tls, buf, sizeof(buf))) > 0) {
		CHECK_INTEQ(rtc_turn_stream_push(&conn->frames, buf, n, &err), 0);
		while (rtc_turn_stream_next(&conn->frames, &frame, &frame_len, &err) ==
		       RTC_TURN_STREAM_FRAME)
			if (conn->turn)
				rtc_turn_client_handle_receive(conn->turn, now_ns(), frame, frame_len,
							      &data);
	}
}

/* One round: what waits goes out, what comes within 50 ms comes in. */
static void step(struct connection *conn)
{
	struct pollfd p = { .fd = conn->fd, .events = POLLIN };
	uint8_t buf[16384];
	struct rtc_error err = { 0 };

	send_turn(conn);
	if (poll(&p, 1, 50) > 0) {
		ssize_t n = recv(conn->fd, buf, sizeof(buf), 0);

		if (n <= 0)
			conn->closed = true;
		else if (rtc_tls_client_handle_receive(conn->tls, buf, (size_t)n, &err) < 0)
			printf("# receive: %s\n", err.message);
	}
	handle_tls_events(conn);
	receive_turn(conn);
	handle_tls_events(conn);
	if (conn->turn && now_ns() >= rtc_turn_client_deadline(conn->turn))
		rtc_turn_client_handle_timeout(conn->turn, now_ns());
	send_turn(conn);
}

static bool open_connection(struct connection *conn, struct rtc_tls_client_context *ctx,
			    const char *host)
{
	struct rtc_tls_client_config config = {
		.context = ctx,
		.host = host,
		.verification_time = TLS_TEST_NOW,
	};
	struct rtc_error err = { 0 };
	uint64_t end = now_ns() + WAIT_NS;

	memset(conn, 0, sizeof(*conn));
	rtc_turn_stream_init(&conn->frames);
	conn->fd = connect_to_server();
	if (conn->fd < 0 || rtc_tls_client_new(&config, &conn->tls, &err) < 0) {
		printf("# cannot connect to coturn: %s\n", err.message);
		return false;
	}
	rtc_tls_client_start(conn->tls);
	while (!conn->connected && !conn->failed && !conn->closed && now_ns() < end)
		step(conn);
	return true;
}

static void close_connection(struct connection *conn)
{
	if (conn->tls) {
		rtc_tls_client_close(conn->tls);
		send_output(conn);
	}
	rtc_turn_client_free(conn->turn);
	rtc_tls_client_free(conn->tls);
	rtc_turn_stream_free(&conn->frames);
	if (conn->fd >= 0)
		close(conn->fd);
}

static bool wait_turn_event(struct connection *conn, enum rtc_turn_event_type type,
			    struct rtc_turn_event *ev)
{
	uint64_t end = now_ns() + WAIT_NS;

	while (now_ns() < end && !conn->failed && !conn->closed) {
		step(conn);
		while (rtc_turn_client_poll_event(conn->turn, ev)) {
			if (ev->type == type)
				return true;
			printf("# turn event %d: %u %s\n", ev->type, ev->error_code, ev->reason);
		}
	}
	return false;
}

static void test_allocate_over_tls(void)
{
	struct rtc_turn_client_config turn_config = {
		.username = "u",
		.password = "p",
		.transport = RTC_TURN_OVER_TLS,
		.software = "rtcd test",
	};
	struct rtc_error err = { 0 };
	struct rtc_turn_event ev;
	struct connection conn;

	CHECK(open_connection(&conn, trusting, TLS_TEST_IPV4));
	CHECK(conn.connected);
	conn.turn = rtc_turn_client_new(&turn_config, &err);
	CHECK(conn.turn != NULL);
	if (conn.connected && conn.turn) {
		CHECK_INTEQ(rtc_turn_client_allocate(conn.turn, now_ns(), &err), 0);
		CHECK(wait_turn_event(&conn, RTC_TURN_EVENT_ALLOCATED, &ev));
		CHECK(ev.relayed.ss_family == AF_INET);
		CHECK(ev.lifetime_s > 0);
		CHECK_INTEQ(rtc_turn_client_release(conn.turn, now_ns(), &err), 0);
		CHECK(wait_turn_event(&conn, RTC_TURN_EVENT_RELEASED, &ev));
		CHECK_INTEQ(ev.error_code, 0);
	}
	CHECK(!conn.failed);
	close_connection(&conn);
}

static void test_wrong_name(void)
{
	struct connection conn;

	CHECK(open_connection(&conn, trusting, "turn.example.org"));
	CHECK(conn.failed && !conn.connected);
	CHECK_INTEQ(conn.failure, RTC_TLS_CLIENT_FAILURE_HOSTNAME);
	close_connection(&conn);
}

static void test_untrusted(void)
{
	struct connection conn;

	CHECK(open_connection(&conn, system_only, TLS_TEST_IPV4));
	CHECK(conn.failed && !conn.connected);
	CHECK_INTEQ(conn.failure, RTC_TLS_CLIENT_FAILURE_CERTIFICATE);
	close_connection(&conn);
}

int main(void)
{
	struct rtc_tls_client_context_config config = { .n_ca_files = 1,
							  .skip_system_store = true };
	struct rtc_error err = { 0 };

	if (access(TURNSERVER, X_OK) != 0)
		RTC_TEST_SKIP_ALL(TURNSERVER " is not installed (coturn)");
	if (!tls_test_pki_make(&pki) || !write_pem(cert_file, sizeof(cert_file), false) ||
	    !write_pem(key_file, sizeof(key_file), true)) {
		printf("Bail out! no test PKI\n");
		return 1;
	}
	config.ca_files = (const char *const[]){ pki.ca_file };
	if (rtc_tls_client_context_new(&config, &trusting, &err) < 0 ||
	    rtc_tls_client_context_new(&(struct rtc_tls_client_context_config){ 0 },
				       &system_only, &err) < 0) {
		printf("Bail out! %s\n", err.message);
		return 1;
	}
	start_server();

	RUN(test_allocate_over_tls);
	RUN(test_wrong_name);
	RUN(test_untrusted);

	stop_server();
	unlink(cert_file);
	unlink(key_file);
	rtc_tls_client_context_free(trusting);
	rtc_tls_client_context_free(system_only);
	tls_test_pki_free(&pki);
	return rtc_test_done();
}
