/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the DTLS endpoint's input path. The first byte picks
 * a scenario, the rest is a list of datagrams, each a 2-byte big-endian
 * length and that many bytes (a short last one is taken as is):
 *
 *   0  a fresh server endpoint receives them (ClientHello parsing onwards)
 *   1  a client that has sent its ClientHello receives them
 *   2  both sides of a completed handshake receive them, between real
 *      application data
 *   3  a real handshake runs with the datagrams XORed into its traffic
 *
 * Beyond memory safety (ASan) it checks what must hold for any input: no
 * endpoint connects to a peer that cannot sign with the certificate its
 * fingerprint names, and only data the real peer sent is ever delivered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dtls/cert.h"
#include "engine/dtls/dtls.h"
#include "fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MESSAGE "fuzz-data"

static struct rtc_cert *certs[2];

static struct rtc_dtls *endpoint(int self, enum rtc_dtls_role role)
{
	struct rtc_dtls_config config = {
		.role = role,
		.certificate = rtc_cert_x509(certs[self]),
		.private_key = rtc_cert_private_key(certs[self]),
		.remote_fingerprint_algorithm = "sha-256",
		.remote_fingerprint = rtc_cert_fingerprint(certs[1 - self]),
	};
	struct rtc_dtls *d = NULL;

	if (rtc_dtls_new(&config, &d, NULL) < 0)
		abort();
	return d;
}

/* Drains events, enforcing the invariants; returns whether it connected. */
static bool drain_events(struct rtc_dtls *d, bool peer_is_real)
{
	struct rtc_dtls_event ev;
	bool connected = false;

	while (rtc_dtls_poll_event(d, &ev)) {
		if (ev.type == RTC_DTLS_EVENT_CONNECTED) {
			if (!peer_is_real)
				abort();
			connected = true;
		}
		if (ev.type == RTC_DTLS_EVENT_DATA &&
		    (!peer_is_real || ev.len != strlen(MESSAGE) || memcmp(ev.data, MESSAGE, ev.len)))
			abort();
		if (ev.type == RTC_DTLS_EVENT_FAILED && (!ev.reason || !ev.reason[0]))
			abort();
	}
	return connected;
}

static void discard_output(struct rtc_dtls *d)
{
	size_t len;

	while (rtc_dtls_poll_transmit(d, &len))
		if (len > 65535)
			abort();
}

/* Moves one side's datagrams to the other, XORing fuzz bytes in if asked. */
static bool forward(struct rtc_dtls *from, struct rtc_dtls *to, uint64_t now,
		    struct fuzz_input *mutate)
{
	const uint8_t *p;
	size_t len;
	bool moved = false;

	while ((p = rtc_dtls_poll_transmit(from, &len))) {
		uint8_t copy[2048];
		const uint8_t *flip;
		size_t flip_len;

		if (len > sizeof(copy))
			continue;
		memcpy(copy, p, len);
		if (mutate && fuzz_input_chunk(mutate, &flip, &flip_len))
			for (size_t i = 0; i < flip_len && i < len; i++)
				copy[i] ^= flip[i];
		rtc_dtls_handle_receive(to, now, copy, len);
		moved = true;
	}
	return moved;
}

/* Runs a handshake between a and b; returns whether both connected. */
static bool handshake(struct rtc_dtls *a, struct rtc_dtls *b, struct fuzz_input *mutate)
{
	bool a_connected = false, b_connected = false;
	bool peer_real = true;

	rtc_dtls_start(a, 0);
	for (int round = 0; round < 32; round++) {
		bool moved = forward(a, b, 0, mutate);

		moved |= forward(b, a, 0, mutate);
		a_connected |= drain_events(a, peer_real);
		b_connected |= drain_events(b, peer_real);
		if (!moved)
			break;
	}
	if (a_connected && b_connected) {
		const struct rtc_dtls_srtp_keys *ka = rtc_dtls_srtp_keys(a);
		const struct rtc_dtls_srtp_keys *kb = rtc_dtls_srtp_keys(b);

		if (!ka || !kb || memcmp(ka->local.key, kb->remote.key, ka->local.key_len) != 0)
			abort();
	}
	return a_connected && b_connected && rtc_dtls_state(a) == RTC_DTLS_CONNECTED &&
	       rtc_dtls_state(b) == RTC_DTLS_CONNECTED;
}

static void fuzz_lone_endpoint(enum rtc_dtls_role role, struct fuzz_input *in)
{
	struct rtc_dtls *d = endpoint(0, role);
	const uint8_t *datagram;
	size_t len;
	uint64_t now = 0;

	rtc_dtls_start(d, now);
	while (fuzz_input_chunk(in, &datagram, &len)) {
		rtc_dtls_handle_receive(d, now, datagram, len);
		drain_events(d, false);
		discard_output(d);
		now += 10 * 1000 * 1000;
		rtc_dtls_handle_timeout(d, now);
	}
	drain_events(d, false);
	rtc_dtls_free(d);
}

static void fuzz_connected_pair(struct fuzz_input *in)
{
	struct rtc_dtls *client = endpoint(0, RTC_DTLS_CLIENT);
	struct rtc_dtls *server = endpoint(1, RTC_DTLS_SERVER);
	const uint8_t *datagram;
	size_t len;
	bool to_server = true;

	if (!handshake(client, server, NULL))
		abort();
	while (fuzz_input_chunk(in, &datagram, &len)) {
		struct rtc_dtls *target = to_server ? server : client;
		struct rtc_dtls *other = to_server ? client : server;

		rtc_dtls_handle_receive(target, 0, datagram, len);
		if (rtc_dtls_state(other) == RTC_DTLS_CONNECTED &&
		    rtc_dtls_send(other, (const uint8_t *)MESSAGE, strlen(MESSAGE), NULL) == 0)
			forward(other, target, 0, NULL);
		forward(target, other, 0, NULL);
		drain_events(client, true);
		drain_events(server, true);
		to_server = !to_server;
	}
	rtc_dtls_close(client);
	forward(client, server, 0, NULL);
	drain_events(server, true);
	rtc_dtls_free(client);
	rtc_dtls_free(server);
}

static void fuzz_mutated_handshake(struct fuzz_input *in)
{
	struct rtc_dtls *client = endpoint(0, RTC_DTLS_CLIENT);
	struct rtc_dtls *server = endpoint(1, RTC_DTLS_SERVER);

	if (handshake(client, server, in) &&
	    rtc_dtls_send(client, (const uint8_t *)MESSAGE, strlen(MESSAGE), NULL) == 0) {
		forward(client, server, 0, NULL);
		drain_events(server, true);
	}
	rtc_dtls_free(client);
	rtc_dtls_free(server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t scenario;

	if (!fuzz_input_byte(&in, &scenario))
		return 0;
	if (!certs[0] && (rtc_cert_generate("fuzz-0", &certs[0], NULL) < 0 ||
			  rtc_cert_generate("fuzz-1", &certs[1], NULL) < 0))
		abort();
	switch (scenario % 4) {
	case 0:
		fuzz_lone_endpoint(RTC_DTLS_SERVER, &in);
		break;
	case 1:
		fuzz_lone_endpoint(RTC_DTLS_CLIENT, &in);
		break;
	case 2:
		fuzz_connected_pair(&in);
		break;
	case 3:
		fuzz_mutated_handshake(&in);
		break;
	}
	return 0;
}
