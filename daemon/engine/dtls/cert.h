/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The certificate a peer connection proves itself with in DTLS: an ECDSA
 * P-256 key and a self-signed X.509 certificate, identified to the peer by
 * the SHA-256 fingerprint carried in a=fingerprint (RFC 8122, RFC 8827).
 *
 * Browsers generate one per RTCPeerConnection unless the app passes one in;
 * so do we. The certificate is valid from one day ago (tolerates a peer whose
 * clock is behind) for 30 days, like the certificates browsers generate.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/error.h"

struct rtc_cert;

/* Room for "sha-512" colon hex (64 bytes * 3), the longest a=fingerprint. */
#define RTC_CERT_FINGERPRINT_MAX 200

/* Generates a fresh key and certificate with the given subject common name.
 * Reads the wall clock (validity dates are calendar time by nature).
 * Returns 0, or -1 with *err (OperationError naming the OpenSSL step). */
int rtc_cert_generate(const char *common_name, struct rtc_cert **out, struct rtc_error *err);
void rtc_cert_free(struct rtc_cert *cert);

/* "sha-256", the hash function name as a=fingerprint spells it. */
const char *rtc_cert_fingerprint_algorithm(const struct rtc_cert *cert);
/* Upper-case colon-separated hex of the certificate's DER, "AB:01:...". */
const char *rtc_cert_fingerprint(const struct rtc_cert *cert);

/* The certificate in DER (for the W3C "certificate" stats). Owned by cert. */
const uint8_t *rtc_cert_der(const struct rtc_cert *cert, size_t *len);

/* For the DTLS layer: borrowed references, valid while cert lives. */
X509 *rtc_cert_x509(const struct rtc_cert *cert);
EVP_PKEY *rtc_cert_private_key(const struct rtc_cert *cert);

/* Whether a=fingerprint's hash function is one rtc_cert_fingerprint_der()
 * computes. */
bool rtc_cert_fingerprint_algorithm_supported(const char *algorithm);

/* Computes the a=fingerprint value of a DER certificate with the hash named
 * as in SDP ("sha-1", "sha-224", "sha-256", "sha-384", "sha-512"; case
 * does not matter), into out (RTC_CERT_FINGERPRINT_MAX bytes). The DTLS
 * layer uses it to check the peer's certificate against its a=fingerprint.
 * Returns 0, or -1 with *err: NotSupportedError for an unknown hash. */
int rtc_cert_fingerprint_der(const char *algorithm, const uint8_t *der, size_t len,
			     char out[RTC_CERT_FINGERPRINT_MAX], struct rtc_error *err);
