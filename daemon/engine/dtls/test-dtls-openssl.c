/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The DTLS endpoint against a DTLS peer that is not us: OpenSSL's own
 * `openssl s_server -dtls1_2` and `openssl s_client -dtls1_2` on 127.0.0.1,
 * over a real UDP socket, with an RSA certificate on their side. Checks the
 * handshake, the SRTP keys against the keying material the tool prints
 * (RFC 5764 4.2 layout), data both ways and close_notify.
 *
 * Real time and real sockets, so suite 'integration'; the only waits are
 * bounded polls for events, never assertions on durations. Skipped when the
 * openssl tool is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "check.h"
#include "engine/dtls/cert.h"
#include "engine/dtls/dtls.h"

#define OPENSSL_TOOL "/usr/bin/openssl"
#define TIMEOUT_NS (20ull * 1000 * 1000 * 1000)

static char workdir[] = "/tmp/rtcd-dtls-openssl-XXXXXX";
static char cert_path[64], key_path[64];
static char peer_fingerprint[RTC_CERT_FINGERPRINT_MAX];
static struct rtc_cert *our_cert;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* An RSA certificate for the tool, as PEM files in workdir. */
static bool write_peer_identity(void)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *x509 = X509_new();
	unsigned char *der = NULL;
	X509_NAME *name;
	FILE *f;
	int len;
	bool ok = false;

	if (!key || !x509)
		goto out;
	X509_set_version(x509, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
	X509_gmtime_adj(X509_getm_notBefore(x509), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x509), 86400);
	name = X509_get_subject_name(x509);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"openssl-tool",
				   -1, -1, 0);
	X509_set_issuer_name(x509, name);
	X509_set_pubkey(x509, key);
	if (!X509_sign(x509, key, EVP_sha256()))
		goto out;
	len = i2d_X509(x509, &der);
	if (len <= 0 || rtc_cert_fingerprint_der("sha-256", der, (size_t)len, peer_fingerprint,
						 NULL) < 0)
		goto out;

	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", workdir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", workdir);
	f = fopen(cert_path, "w");
	if (!f)
		goto out;
	ok = PEM_write_X509(f, x509) == 1;
	fclose(f);
	f = fopen(key_path, "w");
	if (!f) {
		ok = false;
		goto out;
	}
	ok = ok && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
	fclose(f);
out:
	OPENSSL_free(der);
	X509_free(x509);
	EVP_PKEY_free(key);
	return ok;
}

/* ---- one run of the tool ----------------------------------------------------- */

struct session {
	pid_t pid;
	int tool_stdin, tool_stdout;
	char output[16384];
	size_t output_len;
	int udp;
	struct rtc_dtls *dtls;
	bool connected, closed, failed;
	char received[256];
	size_t received_len;
	uint64_t deadline;
};

static pid_t spawn_tool(char *const argv[], int *in, int *out)
{
	int to_child[2], from_child[2];
	pid_t pid;

	if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(from_child, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		dup2(from_child[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	*in = to_child[1];
	*out = from_child[0];
	fcntl(*out, F_SETFL, O_NONBLOCK);
	return pid;
}

static void read_tool_output(struct session *s)
{
	ssize_t n;

	while (s->output_len < sizeof(s->output) - 1 &&
	       (n = read(s->tool_stdout, s->output + s->output_len,
			 sizeof(s->output) - 1 - s->output_len)) > 0)
		s->output_len += (size_t)n;
	s->output[s->output_len] = '\0';
}

static void flush_datagrams(struct session *s)
{
	const uint8_t *p;
	size_t len;

	while ((p = rtc_dtls_poll_transmit(s->dtls, &len)))
		if (send(s->udp, p, len, 0) < 0)
			printf("# send: %s\n", strerror(errno));
}

static void drain_events(struct session *s)
{
	struct rtc_dtls_event ev;

	while (rtc_dtls_poll_event(s->dtls, &ev)) {
		if (ev.type == RTC_DTLS_EVENT_CONNECTED)
			s->connected = true;
		if (ev.type == RTC_DTLS_EVENT_CLOSED)
			s->closed = true;
		if (ev.type == RTC_DTLS_EVENT_FAILED) {
			s->failed = true;
			printf("# failed: %s\n", ev.reason);
		}
		if (ev.type == RTC_DTLS_EVENT_DATA &&
		    ev.len < sizeof(s->received) - s->received_len) {
			memcpy(s->received + s->received_len, ev.data, ev.len);
			s->received_len += ev.len;
			s->received[s->received_len] = '\0';
		}
	}
}

/* One round of I/O: waits for a datagram, tool output or the DTLS timer. */
static void pump(struct session *s)
{
	struct pollfd fds[2] = {
		{ .fd = s->udp, .events = POLLIN },
		{ .fd = s->tool_stdout, .events = POLLIN },
	};
	uint64_t now = now_ns(), next = rtc_dtls_deadline(s->dtls);
	int timeout_ms = 50;
	uint8_t buf[65536];
	ssize_t n;

	if (next != RTC_DTLS_NO_TIMEOUT && next <= now)
		timeout_ms = 0;
	else if (next != RTC_DTLS_NO_TIMEOUT && (next - now) / 1000000 < 50)
		timeout_ms = (int)((next - now) / 1000000) + 1;
	poll(fds, 2, timeout_ms);

	now = now_ns();
	while ((n = recv(s->udp, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		rtc_dtls_handle_receive(s->dtls, now, buf, (size_t)n);
		drain_events(s);
		flush_datagrams(s);
	}
	rtc_dtls_handle_timeout(s->dtls, now);
	drain_events(s);
	flush_datagrams(s);
	read_tool_output(s);
}

static bool pump_until(struct session *s, bool (*done)(struct session *, const void *),
		       const void *arg)
{
	while (!done(s, arg)) {
		if (now_ns() > s->deadline || s->failed)
			return false;
		pump(s);
	}
	return true;
}

static bool is_connected(struct session *s, const void *arg)
{
	return s->connected;
}

static bool tool_printed(struct session *s, const void *text)
{
	return strstr(s->output, text) != NULL;
}

static bool we_received(struct session *s, const void *text)
{
	return strstr(s->received, text) != NULL;
}

static bool tool_exited(struct session *s, const void *arg)
{
	int status;

	read_tool_output(s);
	if (waitpid(s->pid, &status, WNOHANG) != s->pid)
		return false;
	s->pid = -1;
	return true;
}

/* The tool's "Keying material: <hex>" must be our keys in RFC 5764 order. */
static void check_keys_against_tool(struct session *s)
{
	const struct rtc_dtls_srtp_keys *keys = rtc_dtls_srtp_keys(s->dtls);
	const char *hex = strstr(s->output, "Keying material: ");
	const struct rtc_srtp_master *client, *server;
	uint8_t material[60];

	CHECK(keys != NULL);
	CHECK(hex != NULL);
	if (!keys || !hex)
		return;
	CHECK_INTEQ(keys->local.profile, RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	hex += strlen("Keying material: ");
	for (size_t i = 0; i < sizeof(material); i++) {
		unsigned byte;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
			CHECK(!"keying material too short");
			return;
		}
		material[i] = (uint8_t)byte;
	}
	client = rtc_dtls_role(s->dtls) == RTC_DTLS_CLIENT ? &keys->local : &keys->remote;
	server = rtc_dtls_role(s->dtls) == RTC_DTLS_CLIENT ? &keys->remote : &keys->local;
	CHECK(memcmp(client->key, material, 16) == 0);
	CHECK(memcmp(server->key, material + 16, 16) == 0);
	CHECK(memcmp(client->salt, material + 32, 14) == 0);
	CHECK(memcmp(server->salt, material + 46, 14) == 0);
}

static struct rtc_dtls *make_endpoint(enum rtc_dtls_role role)
{
	struct rtc_dtls_config config = {
		.role = role,
		.certificate = rtc_cert_x509(our_cert),
		.private_key = rtc_cert_private_key(our_cert),
		.remote_fingerprint_algorithm = "sha-256",
		.remote_fingerprint = peer_fingerprint,
	};
	struct rtc_dtls *d = NULL;
	struct rtc_error err;

	if (rtc_dtls_new(&config, &d, &err) < 0)
		printf("# rtc_dtls_new: %s\n", err.message);
	return d;
}

static void finish(struct session *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	if (s->tool_stdin >= 0)
		close(s->tool_stdin);
	if (s->tool_stdout >= 0)
		close(s->tool_stdout);
	if (s->udp >= 0)
		close(s->udp);
	rtc_dtls_free(s->dtls);
	if (rtc_test_case_failed) {
		/* As TAP comments, line by line. */
		printf("# tool output:\n");
		for (char *line = strtok(s->output, "\n"); line; line = strtok(NULL, "\n"))
			printf("#   %s\n", line);
	}
}

/* Data both ways, then our close_notify ends the tool's connection. */
static void converse(struct session *s)
{
	static const char to_tool[] = "ping from rtcd\n";
	static const char to_us[] = "pong from openssl\n";
	struct rtc_error err;

	CHECK(pump_until(s, is_connected, NULL));
	CHECK_INTEQ(rtc_dtls_state(s->dtls), RTC_DTLS_CONNECTED);
	/* The server's certificate decides the suite: the tool's is RSA, ours ECDSA. */
	CHECK_STREQ(rtc_dtls_cipher_name(s->dtls),
		    rtc_dtls_role(s->dtls) == RTC_DTLS_CLIENT ? "ECDHE-RSA-AES128-GCM-SHA256"
							      : "ECDHE-ECDSA-AES128-GCM-SHA256");
	/* The tool prints the keying material once its handshake is done. */
	CHECK(pump_until(s, tool_printed, "Keying material: "));
	check_keys_against_tool(s);

	CHECK_INTEQ(rtc_dtls_send(s->dtls, (const uint8_t *)to_tool, strlen(to_tool), &err), 0);
	flush_datagrams(s);
	CHECK(pump_until(s, tool_printed, "ping from rtcd"));
	CHECK(write(s->tool_stdin, to_us, strlen(to_us)) == (ssize_t)strlen(to_us));
	CHECK(pump_until(s, we_received, "pong from openssl"));

	rtc_dtls_close(s->dtls);
	flush_datagrams(s);
	CHECK(pump_until(s, tool_exited, NULL));
	CHECK(!s->failed);
}

/* s_server prints "ACCEPT 127.0.0.1:<port>" once it listens; 0 if not. */
static unsigned wait_for_listening_port(struct session *s)
{
	const char *accept = NULL;
	unsigned port = 0;

	while (s->pid > 0 && now_ns() < s->deadline &&
	       !(accept = strstr(s->output, "ACCEPT 127.0.0.1:"))) {
		struct pollfd pfd = { .fd = s->tool_stdout, .events = POLLIN };

		poll(&pfd, 1, 100);
		read_tool_output(s);
	}
	if (!accept || sscanf(accept, "ACCEPT 127.0.0.1:%u", &port) != 1)
		return 0;
	return port;
}

static void test_client_against_s_server(void)
{
	char *argv[] = { OPENSSL_TOOL, "s_server", "-dtls1_2", "-accept", "127.0.0.1:0",
			 "-cert", cert_path, "-key", key_path, "-naccept", "1",
			 "-use_srtp", "SRTP_AES128_CM_SHA1_80",
			 "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60",
			 "-Verify", "1", NULL };
	struct session s = { .tool_stdin = -1, .tool_stdout = -1, .udp = -1 };
	struct sockaddr_in addr = { .sin_family = AF_INET };
	unsigned port;

	s.deadline = now_ns() + TIMEOUT_NS;
	s.pid = spawn_tool(argv, &s.tool_stdin, &s.tool_stdout);
	CHECK(s.pid > 0);
	port = wait_for_listening_port(&s);
	CHECK(port > 0);
	if (!port) {
		finish(&s);
		return;
	}
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(s.udp >= 0 && connect(s.udp, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	s.dtls = make_endpoint(RTC_DTLS_CLIENT);
	CHECK(s.dtls != NULL);
	if (s.udp >= 0 && s.dtls) {
		rtc_dtls_start(s.dtls, now_ns());
		flush_datagrams(&s);
		converse(&s);
	}
	finish(&s);
}

static void test_server_against_s_client(void)
{
	char connect_arg[64];
	char *argv[] = { OPENSSL_TOOL, "s_client", "-dtls1_2", "-connect", connect_arg,
			 "-cert", cert_path, "-key", key_path,
			 "-use_srtp", "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80",
			 "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60",
			 NULL };
	static const enum rtc_srtp_profile cm80_only[] = { RTC_SRTP_AES128_CM_HMAC_SHA1_80 };
	struct session s = { .tool_stdin = -1, .tool_stdout = -1, .udp = -1 };
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct sockaddr_in from;
	socklen_t addr_len = sizeof(addr), from_len = sizeof(from);
	struct rtc_dtls_config config;
	uint8_t buf[2048];
	ssize_t n = -1;
	struct rtc_error err;

	s.deadline = now_ns() + TIMEOUT_NS;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(s.udp >= 0 && bind(s.udp, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	      getsockname(s.udp, (struct sockaddr *)&addr, &addr_len) == 0);
	snprintf(connect_arg, sizeof(connect_arg), "127.0.0.1:%u", ntohs(addr.sin_port));

	/* As server we pick the profile: AES_CM_80 only, so that the key
	 * layout check covers 14-byte salts. */
	config = (struct rtc_dtls_config){
		.role = RTC_DTLS_SERVER,
		.certificate = rtc_cert_x509(our_cert),
		.private_key = rtc_cert_private_key(our_cert),
		.remote_fingerprint_algorithm = "sha-256",
		.remote_fingerprint = peer_fingerprint,
		.srtp_profiles = cm80_only,
		.n_srtp_profiles = 1,
	};
	CHECK_INTEQ(rtc_dtls_new(&config, &s.dtls, &err), 0);
	s.pid = spawn_tool(argv, &s.tool_stdin, &s.tool_stdout);
	CHECK(s.pid > 0);

	/* The tool's ClientHello tells us where it is. */
	while (s.pid > 0 && s.dtls && now_ns() < s.deadline) {
		struct pollfd pfd = { .fd = s.udp, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0) {
			n = recvfrom(s.udp, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
			break;
		}
	}
	CHECK(n > 0);
	if (n > 0 && connect(s.udp, (struct sockaddr *)&from, from_len) == 0) {
		rtc_dtls_handle_receive(s.dtls, now_ns(), buf, (size_t)n);
		drain_events(&s);
		flush_datagrams(&s);
		converse(&s);
	}
	finish(&s);
}

int main(void)
{
	if (access(OPENSSL_TOOL, X_OK) != 0)
		RTC_TEST_SKIP_ALL(OPENSSL_TOOL " is not installed");
	/* A tool that exits early must not kill us on a write to its stdin. */
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(workdir) || rtc_cert_generate("rtcd", &our_cert, NULL) < 0 ||
	    !write_peer_identity()) {
		printf("Bail out! cannot set up %s\n", workdir);
		return 1;
	}

	RUN(test_client_against_s_server);
	RUN(test_server_against_s_client);

	unlink(cert_path);
	unlink(key_path);
	rmdir(workdir);
	rtc_cert_free(our_cert);
	return rtc_test_done();
}
