/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TLS client for turns: against an OpenSSL server in memory, with a PKI
 * made by the test (test-tls-server.c): handshakes with TLS 1.3
 * and 1.2, by name and by IP address, data both ways, close_notify both
 * ways, and each way the server can be refused.
 */
#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "engine/turn/tls-client.h"
#include "engine/turn/test-tls-server.h"

static struct tls_test_pki pki;
/* Trusts the test CA (and the system's CAs, which know nothing of it). */
static struct rtc_tls_client_context *trusting;
/* Trusts only the system's CAs. */
static struct rtc_tls_client_context *system_only;

static struct rtc_tls_client *client_for(struct rtc_tls_client_context *ctx, const char *host,
					 int64_t verification_time)
{
	struct rtc_tls_client_config config = {
		.context = ctx,
		.host = host,
		.verification_time = verification_time,
	};
	struct rtc_tls_client *c = NULL;
	struct rtc_error err = { 0 };

	if (rtc_tls_client_new(&config, &c, &err) < 0)
		printf("# rtc_tls_client_new(%s): %s\n", host, err.message);
	return c;
}

/* The events so far, as a string: "connected,closed", "failed:hostname". */
static const char *events(struct rtc_tls_client *c)
{
	static char out[128];
	struct rtc_tls_client_event ev;
	size_t len = 0;

	out[0] = '\0';
	while (rtc_tls_client_poll_event(c, &ev)) {
		const char *name = ev.type == RTC_TLS_CLIENT_EVENT_CONNECTED ? "connected" :
				   ev.type == RTC_TLS_CLIENT_EVENT_CLOSED    ? "closed" :
									       "failed";

		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? "," : "", name);
		if (ev.type == RTC_TLS_CLIENT_EVENT_FAILED) {
			len += (size_t)snprintf(out + len, sizeof(out) - len, ":%s",
						rtc_tls_client_failure_name(ev.failure));
			printf("# failed: %s\n", ev.reason);
			CHECK(ev.reason && ev.reason[0]);
		}
	}
	return out;
}

/* A client and a server with cert, handshake run; the events stay queued. */
static struct rtc_tls_client *handshake(struct tls_test_server *s, X509 *cert, const char *host,
					int max_version)
{
	struct rtc_tls_client *c = client_for(trusting, host, TLS_TEST_NOW);

	CHECK(c != NULL);
	CHECK(tls_test_server_init(s, &pki, cert, NULL, max_version));
	if (!c)
		return NULL;
	CHECK_INTEQ(rtc_tls_client_state(c), RTC_TLS_CLIENT_NEW);
	rtc_tls_client_start(c);
	CHECK_INTEQ(rtc_tls_client_state(c), RTC_TLS_CLIENT_HANDSHAKING);
	CHECK(rtc_tls_client_output_pending(c) > 0); /* the ClientHello */
	CHECK(tls_test_shuttle(c, s));
	return c;
}

static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

/* Reads everything the client has for us, shuttling as needed. */
static size_t read_all(struct rtc_tls_client *c, struct tls_test_server *s, uint8_t *buf,
		       size_t cap)
{
	size_t got = 0, n;

	do {
		CHECK(tls_test_shuttle(c, s));
		while ((n = rtc_tls_client_read(c, buf + got, cap - got)) > 0)
			got += n;
	} while (got < cap && (BIO_ctrl_pending(s->out) > 0 || n > 0));
	return got;
}

/* Everything the server can read of what the client sent. */
static size_t server_read_all(struct tls_test_server *s, uint8_t *buf, size_t cap)
{
	size_t got = 0, n = 0;

	while (got < cap && SSL_read_ex(s->ssl, buf + got, cap - got, &n) == 1)
		got += n;
	ERR_clear_error();
	return got;
}

static void test_handshake_tls13_by_name(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, 0);

	CHECK_INTEQ(rtc_tls_client_state(c), RTC_TLS_CLIENT_CONNECTED);
	CHECK_STREQ(events(c), "connected");
	CHECK_STREQ(rtc_tls_client_version(c), "TLSv1.3");
	CHECK(rtc_tls_client_cipher_name(c) != NULL);
	CHECK_STREQ(rtc_tls_client_reason(c), "");
	CHECK_INTEQ(rtc_tls_client_failure(c), RTC_TLS_CLIENT_FAILURE_NONE);
	/* SNI carried the name. */
	CHECK_STREQ(s.servername, TLS_TEST_HOST);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

static void test_handshake_tls12(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, TLS1_2_VERSION);

	CHECK_STREQ(events(c), "connected");
	CHECK_STREQ(rtc_tls_client_version(c), "TLSv1.2");
	CHECK_STREQ(rtc_tls_client_cipher_name(c), "ECDHE-ECDSA-AES256-GCM-SHA384");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

/* A trailing dot is the same name; it is not sent as SNI (RFC 6066 3). */
static void test_handshake_fqdn_with_dot(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST ".", 0);

	CHECK_STREQ(events(c), "connected");
	CHECK_STREQ(s.servername, TLS_TEST_HOST);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

/* turns:127.0.0.1 and turns:[::1]: the iPAddress entries count, no SNI. */
static void test_handshake_by_address(void)
{
	const char *hosts[] = { TLS_TEST_IPV4, TLS_TEST_IPV6, "[" TLS_TEST_IPV6 "]" };

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct tls_test_server s;
		struct rtc_tls_client *c = handshake(&s, pki.server, hosts[i], 0);

		CHECK_STREQ(events(c), "connected");
		CHECK_STREQ(s.servername, "");
		rtc_tls_client_free(c);
		tls_test_server_free(&s);
	}
}

/* verification_time 0: OpenSSL's wall clock, against a certificate valid
 * a day either side of the test's start. */
static void test_handshake_at_current_time(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = client_for(trusting, TLS_TEST_HOST, 0);

	CHECK(tls_test_server_init(&s, &pki, pki.now, NULL, 0));
	rtc_tls_client_start(c);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_STREQ(events(c), "connected");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

static void test_data_both_ways(void)
{
	enum { BIG = 64 * 1024 };
	static uint8_t sent[BIG], got[BIG + 1];
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, 0);
	struct rtc_error err = { 0 };

	CHECK_STREQ(events(c), "connected");
	/* A small frame each way. */
	CHECK_INTEQ(rtc_tls_client_write(c, (const uint8_t *)"allocate", 8, &err), 0);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_INTEQ(server_read_all(&s, got, sizeof(got)), 8);
	CHECK(memcmp(got, "allocate", 8) == 0);
	CHECK(tls_test_server_write(&s, (const uint8_t *)"success", 7));
	CHECK_INTEQ(read_all(c, &s, got, sizeof(got)), 7);
	CHECK(memcmp(got, "success", 7) == 0);

	/* 64 KiB each way: several records, more than the plaintext buffer. */
	fill_pattern(sent, BIG, 1);
	CHECK_INTEQ(rtc_tls_client_write(c, sent, BIG, &err), 0);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_INTEQ(server_read_all(&s, got, sizeof(got)), BIG);
	CHECK(memcmp(got, sent, BIG) == 0);

	fill_pattern(sent, BIG, 2);
	CHECK(tls_test_server_write(&s, sent, BIG));
	CHECK_INTEQ(read_all(c, &s, got, sizeof(got)), BIG);
	CHECK(memcmp(got, sent, BIG) == 0);

	CHECK_STREQ(events(c), "");
	CHECK_INTEQ(rtc_tls_client_state(c), RTC_TLS_CLIENT_CONNECTED);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

/* The server's close_notify: data before it is still read, then CLOSED. */
static void test_close_from_server(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, 0);
	struct rtc_error err = { 0 };
	uint8_t buf[64];

	CHECK_STREQ(events(c), "connected");
	CHECK(tls_test_server_write(&s, (const uint8_t *)"last", 4));
	CHECK(SSL_shutdown(s.ssl) == 0);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_INTEQ(rtc_tls_client_read(c, buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "last", 4) == 0);
	CHECK_STREQ(events(c), "closed");
	CHECK_INTEQ(rtc_tls_client_state(c), RTC_TLS_CLIENT_CLOSED);
	CHECK_INTEQ(rtc_tls_client_write(c, buf, 4, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	/* Later bytes are ignored. */
	CHECK_INTEQ(rtc_tls_client_handle_receive(c, (const uint8_t *)"junk", 4, &err), 0);
	CHECK_STREQ(events(c), "");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

/* Our close(): the server reads close_notify; no event for us. */
static void test_close_from_client(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, 0);
	uint8_t buf[16];
	size_t n = 0;

	CHECK_STREQ(events(c), "connected");
	rtc_tls_client_close(c);
	CHECK_INTEQ(rtc_tls_client_state(c), RTC_TLS_CLIENT_CLOSED);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_INTEQ(SSL_read_ex(s.ssl, buf, sizeof(buf), &n), 0);
	CHECK_INTEQ(SSL_get_error(s.ssl, 0), SSL_ERROR_ZERO_RETURN);
	CHECK_STREQ(events(c), "");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

static void test_wrong_hostname(void)
{
	const char *hosts[] = { "other.example.test", "example.test", "127.0.0.2", "::2" };

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct tls_test_server s;
		struct rtc_tls_client *c = handshake(&s, pki.server, hosts[i], 0);

		CHECK_STREQ(events(c), "failed:hostname");
		CHECK_INTEQ(rtc_tls_client_state(c), RTC_TLS_CLIENT_FAILED);
		CHECK(strstr(rtc_tls_client_reason(c), hosts[i]) != NULL);
		/* The server learns why: a bad_certificate-class alert. */
		CHECK(SSL_get_state(s.ssl) != TLS_ST_OK);
		rtc_tls_client_free(c);
		tls_test_server_free(&s);
	}
}

static void test_untrusted_ca(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.untrusted, TLS_TEST_HOST, 0);

	CHECK_STREQ(events(c), "failed:certificate");
	CHECK(strstr(rtc_tls_client_reason(c), "local issuer") != NULL);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);

	/* The impostor sends its CA along: a self-signed root is no better. */
	c = client_for(trusting, TLS_TEST_HOST, TLS_TEST_NOW);
	CHECK(tls_test_server_init(&s, &pki, pki.untrusted, pki.impostor_ca, 0));
	rtc_tls_client_start(c);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_STREQ(events(c), "failed:certificate");
	CHECK(strstr(rtc_tls_client_reason(c), "self-signed") != NULL);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);

	/* The real server, for a client that trusts only the system's CAs. */
	c = client_for(system_only, TLS_TEST_HOST, TLS_TEST_NOW);
	CHECK(tls_test_server_init(&s, &pki, pki.server, NULL, 0));
	rtc_tls_client_start(c);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_STREQ(events(c), "failed:certificate");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

static void test_expired_certificate(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.expired, TLS_TEST_HOST, 0);

	CHECK_STREQ(events(c), "failed:certificate");
	CHECK(strstr(rtc_tls_client_reason(c), "expired") != NULL);
	CHECK(strstr(rtc_tls_client_reason(c), TLS_TEST_HOST) != NULL);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);

	/* The good certificate, checked before its time. */
	c = client_for(trusting, TLS_TEST_HOST, 1600000000); /* 2020-09 */
	CHECK(tls_test_server_init(&s, &pki, pki.server, NULL, 0));
	rtc_tls_client_start(c);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_STREQ(events(c), "failed:certificate");
	CHECK(strstr(rtc_tls_client_reason(c), "not yet valid") != NULL);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

static void test_old_protocol_refused(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, TLS1_1_VERSION);

	CHECK_STREQ(events(c), "failed:protocol");
	CHECK(strstr(rtc_tls_client_reason(c), "protocol version") != NULL);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

/* A TLS 1.2 server asks to renegotiate: the client says no_renegotiation,
 * which OpenSSL's server takes as fatal. */
static void test_renegotiation_refused(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, TLS1_2_VERSION);
	uint8_t buf[16];
	size_t n = 0;

	CHECK_STREQ(events(c), "connected");
	CHECK(SSL_renegotiate(s.ssl) == 1);
	SSL_do_handshake(s.ssl); /* sends HelloRequest */
	ERR_clear_error();
	CHECK(tls_test_shuttle(c, &s));
	CHECK_INTEQ(SSL_read_ex(s.ssl, buf, sizeof(buf), &n), 0);
	CHECK_INTEQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_RENEGOTIATION);
	ERR_clear_error();
	CHECK(tls_test_shuttle(c, &s));
	/* Refusing was our side's doing; the server's answer ends it. */
	CHECK_STREQ(events(c), "failed:protocol");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

static void test_garbage_during_handshake(void)
{
	static const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	struct rtc_tls_client *c = client_for(trusting, TLS_TEST_HOST, TLS_TEST_NOW);
	struct rtc_error err = { 0 };
	uint8_t buf[64];

	/* Bytes before the ClientHello make no sense: the server speaks second. */
	CHECK_INTEQ(rtc_tls_client_handle_receive(c, (const uint8_t *)reply, 4, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	rtc_tls_client_start(c);
	while (rtc_tls_client_poll_transmit(c, buf, sizeof(buf)))
		;
	CHECK_INTEQ(rtc_tls_client_handle_receive(c, (const uint8_t *)reply, sizeof(reply) - 1, &err), 0);
	CHECK_STREQ(events(c), "failed:protocol");
	CHECK(strstr(rtc_tls_client_reason(c), "does not speak TLS (its first byte is 0x48)"));
	CHECK_INTEQ(rtc_tls_client_read(c, buf, sizeof(buf)), 0);
	CHECK_INTEQ(rtc_tls_client_write(c, buf, 1, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	rtc_tls_client_free(c);
}

/* Random bytes where records should be: what came before is still read. */
static void test_garbage_when_connected(void)
{
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, 0);
	struct rtc_error err = { 0 };
	uint8_t garbage[300], buf[64];

	CHECK_STREQ(events(c), "connected");
	CHECK(tls_test_server_write(&s, (const uint8_t *)"fine", 4));
	CHECK(tls_test_shuttle(c, &s));
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)(i * 131 + 17);
	garbage[0] = 23; /* application_data, TLS 1.2 record version, then junk */
	garbage[1] = 3;
	garbage[2] = 3;
	CHECK_INTEQ(rtc_tls_client_handle_receive(c, garbage, sizeof(garbage), &err), 0);
	CHECK_STREQ(events(c), "failed:protocol");
	CHECK_INTEQ(rtc_tls_client_read(c, buf, sizeof(buf)), 4);
	/* Our alert is there to pull, so the server learns why. */
	CHECK(rtc_tls_client_output_pending(c) > 0);
	CHECK_INTEQ(rtc_tls_client_handle_receive(c, garbage, sizeof(garbage), &err), 0);
	CHECK_STREQ(events(c), "");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

/* Input, plaintext and output are bounded; nothing is lost at the bounds. */
static void test_bounded_buffers(void)
{
	enum { TOTAL = 400 * 1024 };
	static uint8_t sent[TOTAL], got[TOTAL], wire[TOTAL + 16384];
	struct tls_test_server s;
	struct rtc_tls_client *c = handshake(&s, pki.server, TLS_TEST_HOST, 0);
	struct rtc_error err = { 0 };
	size_t wire_len, offset = 0, got_len = 0, n;
	bool refused = false;

	CHECK_STREQ(events(c), "connected");
	fill_pattern(sent, TOTAL, 3);
	CHECK(tls_test_server_write(&s, sent, TOTAL));
	wire_len = (size_t)BIO_read(s.out, wire, sizeof(wire));
	CHECK(wire_len > TOTAL && wire_len < sizeof(wire));
	/* Fed without reading: refused once the bound is reached. */
	while (offset < wire_len && !refused) {
		size_t chunk = wire_len - offset < 8192 ? wire_len - offset : 8192;

		if (rtc_tls_client_handle_receive(c, wire + offset, chunk, &err) < 0) {
			CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
			refused = true;
		} else {
			offset += chunk;
		}
	}
	CHECK(refused);
	CHECK(offset >= RTC_TLS_CLIENT_MAX_INPUT);
	CHECK(offset <= RTC_TLS_CLIENT_MAX_INPUT + 64 * 1024);
	/* Reading makes room; the stream goes on where it stopped. */
	while (offset < wire_len || got_len < TOTAL) {
		while ((n = rtc_tls_client_read(c, got + got_len, TOTAL - got_len)) > 0)
			got_len += n;
		if (offset < wire_len) {
			size_t chunk = wire_len - offset < 8192 ? wire_len - offset : 8192;

			CHECK_INTEQ(rtc_tls_client_handle_receive(c, wire + offset, chunk, &err), 0);
			offset += chunk;
		} else if (got_len < TOTAL) {
			break; /* all fed, all read, and still short: lost bytes */
		}
	}
	CHECK_INTEQ(got_len, TOTAL);
	CHECK(memcmp(got, sent, TOTAL) == 0);

	/* Output: one write may not exceed the bound, nor pile up past it. */
	CHECK_INTEQ(rtc_tls_client_write(c, sent, RTC_TLS_CLIENT_MAX_OUTPUT + 1, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK_INTEQ(rtc_tls_client_write(c, sent, TOTAL, &err), 0);
	CHECK_INTEQ(rtc_tls_client_write(c, sent, TOTAL, &err), 0);
	CHECK_INTEQ(rtc_tls_client_write(c, sent, TOTAL, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	CHECK(rtc_tls_client_output_pending(c) <= RTC_TLS_CLIENT_MAX_OUTPUT);
	CHECK_INTEQ(rtc_tls_client_state(c), RTC_TLS_CLIENT_CONNECTED);
	CHECK_STREQ(events(c), "");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

static void test_bad_configuration(void)
{
	struct rtc_tls_client_context_config config = { .skip_system_store = true };
	struct rtc_tls_client_config client = { .context = trusting };
	struct rtc_tls_client_context *ctx = NULL;
	struct rtc_tls_client *c = NULL;
	struct rtc_error err = { 0 };
	const char *missing = "/nonexistent/rtcd-ca.pem";
	char empty[] = "/tmp/rtcd-test-empty-XXXXXX";
	const char *bad_hosts[] = { "", "bad host", "a..b", ".", "[::1", "x/y", "[]" };
	int fd;

	config.ca_files = &missing;
	config.n_ca_files = 1;
	CHECK_INTEQ(rtc_tls_client_context_new(&config, &ctx, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_FOUND);
	CHECK(ctx == NULL);

	fd = mkstemp(empty);
	CHECK(fd >= 0);
	CHECK(write(fd, "not a certificate\n", 18) == 18);
	close(fd);
	config.ca_files = (const char *const[]){ empty };
	CHECK_INTEQ(rtc_tls_client_context_new(&config, &ctx, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	unlink(empty);

	for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		client.host = bad_hosts[i];
		CHECK_INTEQ(rtc_tls_client_new(&client, &c, &err), -1);
		CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
		CHECK(c == NULL);
	}
	client.host = NULL;
	CHECK_INTEQ(rtc_tls_client_new(&client, &c, &err), -1);
	client.host = TLS_TEST_HOST;
	client.context = NULL;
	CHECK_INTEQ(rtc_tls_client_new(&client, &c, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
}

/* Freeing the context first is fine: clients hold their own reference. */
static void test_context_outlived(void)
{
	struct rtc_tls_client_context_config config = {
		.ca_files = (const char *const[]){ pki.ca_file },
		.n_ca_files = 1,
		.skip_system_store = true,
	};
	struct rtc_tls_client_context *ctx = NULL;
	struct rtc_tls_client *c;
	struct tls_test_server s;

	CHECK_INTEQ(rtc_tls_client_context_new(&config, &ctx, NULL), 0);
	c = client_for(ctx, TLS_TEST_HOST, TLS_TEST_NOW);
	rtc_tls_client_context_free(ctx);
	CHECK(tls_test_server_init(&s, &pki, pki.server, NULL, 0));
	rtc_tls_client_start(c);
	CHECK(tls_test_shuttle(c, &s));
	CHECK_STREQ(events(c), "connected");
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

int main(void)
{
	struct rtc_tls_client_context_config config = { 0 };
	struct rtc_error err = { 0 };

	if (!tls_test_pki_make(&pki)) {
		printf("Bail out! no test PKI\n");
		return 1;
	}
	config.ca_files = (const char *const[]){ pki.ca_file };
	config.n_ca_files = 1;
	if (rtc_tls_client_context_new(&config, &trusting, &err) < 0 ||
	    rtc_tls_client_context_new(&(struct rtc_tls_client_context_config){ 0 },
				       &system_only, &err) < 0) {
		printf("Bail out! %s\n", err.message);
		return 1;
	}

	RUN(test_handshake_tls13_by_name);
	RUN(test_handshake_tls12);
	RUN(test_handshake_fqdn_with_dot);
	RUN(test_handshake_by_address);
	RUN(test_handshake_at_current_time);
	RUN(test_data_both_ways);
	RUN(test_close_from_server);
	RUN(test_close_from_client);
	RUN(test_wrong_hostname);
	RUN(test_untrusted_ca);
	RUN(test_expired_certificate);
	RUN(test_old_protocol_refused);
	RUN(test_renegotiation_refused);
	RUN(test_garbage_during_handshake);
	RUN(test_garbage_when_connected);
	RUN(test_bounded_buffers);
	RUN(test_bad_configuration);
	RUN(test_context_outlived);

	rtc_tls_client_context_free(trusting);
	rtc_tls_client_context_free(system_only);
	tls_test_pki_free(&pki);
	return rtc_test_done();
}
