/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/dtls/cert.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include "engine/base/rng.h"

#define CERT_VALID_BEFORE_NOW_SECONDS (24L * 60 * 60)
#define CERT_LIFETIME_DAYS 30

struct rtc_cert {
	EVP_PKEY *key;
	X509 *x509;
	uint8_t *der;
	size_t der_len;
	char fingerprint[RTC_CERT_FINGERPRINT_MAX];
};

/* Reports the failed step and the deepest OpenSSL reason, then empties
 * OpenSSL's per-thread error queue so that a later failure elsewhere does
 * not report our stale entries. */
static int openssl_error(struct rtc_error *err, const char *step)
{
	unsigned long code = ERR_peek_last_error();
	char reason[160] = "no OpenSSL error recorded";

	if (code)
		ERR_error_string_n(code, reason, sizeof(reason));
	ERR_clear_error();
	return rtc_error_set(err, RTC_ERROR_OPERATION, "certificate: %s failed: %s", step, reason);
}

static const EVP_MD *digest_by_sdp_name(const char *name)
{
	static const struct {
		const char *sdp_name;
		const char *openssl_name;
	} digests[] = {
		{ "sha-1", "SHA1" },
		{ "sha-224", "SHA224" },
		{ "sha-256", "SHA256" },
		{ "sha-384", "SHA384" },
		{ "sha-512", "SHA512" },
	};

	for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
		if (strcasecmp(name, digests[i].sdp_name) == 0)
			return EVP_get_digestbyname(digests[i].openssl_name);
	return NULL;
}

bool rtc_cert_fingerprint_algorithm_supported(const char *algorithm)
{
	return digest_by_sdp_name(algorithm) != NULL;
}

static void format_colon_hex(const uint8_t *bytes, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	char *p = out;

	for (size_t i = 0; i < len; i++) {
		if (i > 0)
			*p++ = ':';
		*p++ = hex[bytes[i] >> 4];
		*p++ = hex[bytes[i] & 0xf];
	}
	*p = '\0';
}

int rtc_cert_fingerprint_der(const char *algorithm, const uint8_t *der, size_t len,
			     char out[RTC_CERT_FINGERPRINT_MAX], struct rtc_error *err)
{
	const EVP_MD *md = digest_by_sdp_name(algorithm);
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;

	if (!md)
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "unsupported fingerprint hash function \"%s\"", algorithm);
	if (!EVP_Digest(der, len, digest, &digest_len, md, NULL))
		return openssl_error(err, "fingerprint digest");
	/* 64 bytes of SHA-512 take 3 * 64 - 1 characters plus NUL. */
	_Static_assert(EVP_MAX_MD_SIZE * 3 <= RTC_CERT_FINGERPRINT_MAX, "fingerprint buffer");
	format_colon_hex(digest, digest_len, out);
	return 0;
}

/* A random positive 64-bit serial: RFC 5280 wants serials unique per issuer,
 * and since every certificate is its own issuer, random is enough. The top
 * bit is cleared so the DER INTEGER stays within RFC 5280's 20 octets and
 * positive; zero is avoided as some parsers reject it. */
static int set_random_serial(X509 *x509, struct rtc_error *err)
{
	uint8_t bytes[8];
	BIGNUM *bn;
	int ok;

	do {
		if (rtc_rng_bytes(bytes, sizeof(bytes)) < 0)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "no random bytes for the serial");
		bytes[0] &= 0x7f;
	} while (!memcmp(bytes, (uint8_t[8]){ 0 }, sizeof(bytes)));

	bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
	if (!bn)
		return openssl_error(err, "BN_bin2bn");
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != NULL;
	BN_free(bn);
	return ok ? 0 : openssl_error(err, "setting the serial number");
}

static int build_certificate(struct rtc_cert *cert, const char *common_name,
			     struct rtc_error *err)
{
	X509_NAME *name;

	cert->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!cert->key)
		return openssl_error(err, "generating the P-256 key");

	cert->x509 = X509_new();
	if (!cert->x509)
		return openssl_error(err, "X509_new");
	if (!X509_set_version(cert->x509, X509_VERSION_3))
		return openssl_error(err, "X509_set_version");
	if (set_random_serial(cert->x509, err) < 0)
		return -1;
	if (!X509_gmtime_adj(X509_getm_notBefore(cert->x509), -CERT_VALID_BEFORE_NOW_SECONDS) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert->x509), CERT_LIFETIME_DAYS, 0, NULL))
		return openssl_error(err, "setting the validity period");

	name = X509_get_subject_name(cert->x509);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)common_name, -1, -1, 0))
		return openssl_error(err, "setting the common name");
	if (!X509_set_issuer_name(cert->x509, name))
		return openssl_error(err, "setting the issuer");
	if (!X509_set_pubkey(cert->x509, cert->key))
		return openssl_error(err, "setting the public key");
	if (!X509_sign(cert->x509, cert->key, EVP_sha256()))
		return openssl_error(err, "signing the certificate");
	return 0;
}

static int export_der(struct rtc_cert *cert, struct rtc_error *err)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert->x509, &der);

	if (len <= 0)
		return openssl_error(err, "DER encoding");
	/* Keep our own copy so rtc_cert_free() needs no OpenSSL allocator. */
	cert->der = malloc((size_t)len);
	if (!cert->der) {
		OPENSSL_free(der);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "certificate: out of memory");
	}
	memcpy(cert->der, der, (size_t)len);
	cert->der_len = (size_t)len;
	OPENSSL_free(der);
	return 0;
}

int rtc_cert_generate(const char *common_name, struct rtc_cert **out, struct rtc_error *err)
{
	struct rtc_cert *cert = calloc(1, sizeof(*cert));

	if (!cert)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "certificate: out of memory");
	if (build_certificate(cert, common_name, err) < 0 || export_der(cert, err) < 0 ||
	    rtc_cert_fingerprint_der("sha-256", cert->der, cert->der_len, cert->fingerprint,
				     err) < 0) {
		rtc_cert_free(cert);
		return -1;
	}
	*out = cert;
	return 0;
}

void rtc_cert_free(struct rtc_cert *cert)
{
	if (!cert)
		return;
	X509_free(cert->x509);
	EVP_PKEY_free(cert->key);
	free(cert->der);
	free(cert);
}

const char *rtc_cert_fingerprint_algorithm(const struct rtc_cert *cert)
{
	return "sha-256";
}

const char *rtc_cert_fingerprint(const struct rtc_cert *cert)
{
	return cert->fingerprint;
}

const uint8_t *rtc_cert_der(const struct rtc_cert *cert, size_t *len)
{
	*len = cert->der_len;
	return cert->der;
}

X509 *rtc_cert_x509(const struct rtc_cert *cert)
{
	return cert->x509;
}

EVP_PKEY *rtc_cert_private_key(const struct rtc_cert *cert)
{
	return cert->key;
}
