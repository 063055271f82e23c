/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The other end for the TLS client's tests and fuzz target: a small PKI
 * made in memory (a CA, server certificates it signed, an impostor CA) and
 * an OpenSSL server over memory BIOs, wired to an rtc_tls_client.
 *
 * All dates are fixed, and tests pin the client's verification time to
 * TLS_TEST_NOW, so nothing depends on the machine's clock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "engine/turn/tls-client.h"

/* 2025-06-01 00:00:00 UTC; the good certificates run 2024-2034. */
#define TLS_TEST_NOW 1748736000
/* What the good and expired server certificates name. */
#define TLS_TEST_HOST "turn.example.test"
#define TLS_TEST_IPV4 "127.0.0.1"
#define TLS_TEST_IPV6 "::1"

struct tls_test_pki {
	EVP_PKEY *ca_key;
	X509 *ca;
	EVP_PKEY *server_key;
	X509 *server;     /* signed by ca, for the names above, 2024-2034 */
	X509 *expired;    /* signed by ca, same names, 2020-2021 */
	X509 *now;        /* signed by ca, same names, valid a day either side of time() */
	EVP_PKEY *impostor_key;
	X509 *impostor_ca;
	X509 *untrusted;  /* signed by impostor_ca, same names, 2024-2034 */
	char ca_file[64]; /* ca as PEM, until tls_test_pki_remove_ca_file() */
};

/* Returns false (after printing why) if OpenSSL fails. */
bool tls_test_pki_make(struct tls_test_pki *pki);
void tls_test_pki_remove_ca_file(struct tls_test_pki *pki);
void tls_test_pki_free(struct tls_test_pki *pki);

struct tls_test_server {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in;
	BIO *out;
	char servername[256]; /* the SNI the client sent, "" if none */
};

/* A server presenting cert (with the chain's CA if chain is set), speaking
 * up to max_version (0 for TLS 1.3). */
bool tls_test_server_init(struct tls_test_server *s, struct tls_test_pki *pki, X509 *cert,
			  X509 *chain, int max_version);
void tls_test_server_free(struct tls_test_server *s);

/* Moves bytes both ways until neither side has anything to say, running
 * the server's handshake as needed. Returns false if the client refused
 * bytes (receive() failed). */
bool tls_test_shuttle(struct rtc_tls_client *c, struct tls_test_server *s);

/* Server plaintext to the client (SSL_write everything). */
bool tls_test_server_write(struct tls_test_server *s, const uint8_t *data, size_t len);
