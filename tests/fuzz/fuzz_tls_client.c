/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the TLS client (turns:): arbitrary bytes as what the
 * server sends. The first byte picks a scenario, the rest is a list of
 * chunks, each a 2-byte big-endian length and that many bytes (a short
 * last one is taken as is):
 *
 *   0  a client that sent its ClientHello receives the chunks
 *   1  a real handshake (TLS 1.3) runs, then the chunks arrive between
 *      the server's application data
 *   2  the same over TLS 1.2
 *   3  a real handshake runs with the chunks XORed into the server's bytes
 *
 * Beyond memory safety (ASan) it checks what must hold for any input: the
 * client never connects to a server that cannot sign for a certificate the
 * test CA issued, only plaintext the real server sent is ever read, and
 * every failure says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "engine/turn/tls-client.h"
#include "fuzz/fuzz_input.h"
#include "engine/turn/test-tls-server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MESSAGE "fuzz-data:"
#define MESSAGE_LEN (sizeof(MESSAGE) - 1)

static struct tls_test_pki pki;
static struct rtc_tls_client_context *context;

static void setup(void)
{
	struct rtc_tls_client_context_config config = {
		.n_ca_files = 1,
		.skip_system_store = true,
	};

	if (!tls_test_pki_make(&pki))
		abort();
	config.ca_files = (const char *const[]){ pki.ca_file };
	if (rtc_tls_client_context_new(&config, &context, NULL) < 0)
		abort();
	/* Read into the context: no file left behind by the fuzzer. */
	tls_test_pki_remove_ca_file(&pki);
}

static struct rtc_tls_client *new_client(void)
{
	struct rtc_tls_client_config config = {
		.context = context,
		.host = TLS_TEST_HOST,
		.verification_time = TLS_TEST_NOW,
	};
	struct rtc_tls_client *c = NULL;

	if (rtc_tls_client_new(&config, &c, NULL) < 0)
		abort();
	return c;
}

/* Drains events, enforcing the invariants; returns whether it connected. */
static bool drain_events(struct rtc_tls_client *c, bool server_is_real)
{
	struct rtc_tls_client_event ev;
	bool connected = false;

	while (rtc_tls_client_poll_event(c, &ev)) {
		if (ev.type == RTC_TLS_CLIENT_EVENT_CONNECTED) {
			if (!server_is_real)
				abort();
			connected = true;
		}
		if (ev.type == RTC_TLS_CLIENT_EVENT_FAILED &&
		    (!ev.reason || !ev.reason[0] || ev.failure == RTC_TLS_CLIENT_FAILURE_NONE))
			abort();
	}
	return connected;
}

/* Reads the plaintext: a run of MESSAGEs from the real server, nothing
 * else. offset is where in MESSAGE the stream stands. */
static void read_plaintext(struct rtc_tls_client *c, bool server_is_real, size_t *offset)
{
	uint8_t buf[4096];
	size_t n;

	while ((n = rtc_tls_client_read(c, buf, sizeof(buf))) > 0) {
		if (!server_is_real)
			abort();
		for (size_t i = 0; i < n; i++, *offset = (*offset + 1) % MESSAGE_LEN)
			if (buf[i] != (uint8_t)MESSAGE[*offset])
				abort();
	}
}

static void discard_output(struct rtc_tls_client *c)
{
	uint8_t buf[4096];

	while (rtc_tls_client_poll_transmit(c, buf, sizeof(buf)))
		;
}

static void fuzz_fake_server(struct fuzz_input *in)
{
	struct rtc_tls_client *c = new_client();
	const uint8_t *chunk;
	size_t len, offset = 0;

	rtc_tls_client_start(c);
	discard_output(c);
	while (fuzz_input_chunk(in, &chunk, &len)) {
		rtc_tls_client_handle_receive(c, chunk, len, NULL);
		drain_events(c, false);
		read_plaintext(c, false, &offset);
		discard_output(c);
	}
	rtc_tls_client_free(c);
}

/* Moves the server's bytes to the client, XORing chunks into them. */
static void server_to_client(struct tls_test_server *s, struct rtc_tls_client *c,
			     struct fuzz_input *mutate)
{
	uint8_t buf[4096];
	int got;

	while ((got = BIO_read(s->out, buf, sizeof(buf))) > 0) {
		const uint8_t *flip;
		size_t flip_len;

		if (mutate && fuzz_input_chunk(mutate, &flip, &flip_len))
			for (size_t i = 0; i < flip_len && i < (size_t)got; i++)
				buf[i] ^= flip[i];
		rtc_tls_client_handle_receive(c, buf, (size_t)got, NULL);
	}
}

static void client_to_server(struct rtc_tls_client *c, struct tls_test_server *s)
{
	uint8_t buf[4096];
	size_t n;

	while ((n = rtc_tls_client_poll_transmit(c, buf, sizeof(buf))))
		BIO_write(s->in, buf, (int)n);
}

static bool handshake(struct rtc_tls_client *c, struct tls_test_server *s,
		      struct fuzz_input *mutate)
{
	bool connected = false;

	rtc_tls_client_start(c);
	for (int round = 0; round < 8; round++) {
		client_to_server(c, s);
		if (!SSL_is_init_finished(s->ssl))
			SSL_do_handshake(s->ssl);
		ERR_clear_error();
		server_to_client(s, c, mutate);
		connected |= drain_events(c, true);
	}
	return connected;
}

static void fuzz_between_records(struct fuzz_input *in, int max_version)
{
	struct rtc_tls_client *c = new_client();
	struct tls_test_server s;
	const uint8_t *chunk;
	size_t len, offset = 0;

	if (!tls_test_server_init(&s, &pki, pki.server, NULL, max_version) ||
	    !handshake(c, &s, NULL))
		abort();
	while (fuzz_input_chunk(in, &chunk, &len)) {
		if (rtc_tls_client_state(c) == RTC_TLS_CLIENT_CONNECTED &&
		    tls_test_server_write(&s, (const uint8_t *)MESSAGE, MESSAGE_LEN))
			server_to_client(&s, c, NULL);
		rtc_tls_client_handle_receive(c, chunk, len, NULL);
		drain_events(c, true);
		read_plaintext(c, true, &offset);
		client_to_server(c, &s);
		ERR_clear_error();
	}
	rtc_tls_client_close(c);
	client_to_server(c, &s);
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

static void fuzz_mutated_handshake(struct fuzz_input *in)
{
	struct rtc_tls_client *c = new_client();
	struct tls_test_server s;
	size_t offset = 0;

	if (!tls_test_server_init(&s, &pki, pki.server, NULL, 0))
		abort();
	if (handshake(c, &s, in) && rtc_tls_client_state(c) == RTC_TLS_CLIENT_CONNECTED &&
	    tls_test_server_write(&s, (const uint8_t *)MESSAGE, MESSAGE_LEN)) {
		server_to_client(&s, c, NULL);
		drain_events(c, true);
		read_plaintext(c, true, &offset);
	}
	ERR_clear_error();
	rtc_tls_client_free(c);
	tls_test_server_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t scenario;

	if (!fuzz_input_byte(&in, &scenario))
		return 0;
	if (!context)
		setup();
	switch (scenario % 4) {
	case 0:
		fuzz_fake_server(&in);
		break;
	case 1:
		fuzz_between_records(&in, 0);
		break;
	case 2:
		fuzz_between_records(&in, TLS1_2_VERSION);
		break;
	case 3:
		fuzz_mutated_handshake(&in);
		break;
	}
	return 0;
}
