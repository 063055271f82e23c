/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The DTLS certificate: key type, validity window, subject, serial, and the
 * fingerprint recomputed here straight from the DER with OpenSSL. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "check.h"
#include "engine/dtls/cert.h"

static struct rtc_cert *generate(void)
{
	struct rtc_error err = { 0 };
	struct rtc_cert *cert = NULL;

	CHECK_INTEQ(rtc_cert_generate("rtcd", &cert, &err), 0);
	if (!cert)
		printf("# rtc_cert_generate: %s\n", err.message);
	return cert;
}

static X509 *parse_der(const struct rtc_cert *cert)
{
	size_t len = 0;
	const uint8_t *der = rtc_cert_der(cert, &len);
	const unsigned char *p = der;

	CHECK(len > 100);
	return d2i_X509(NULL, &p, (long)len);
}

static void test_key_is_ecdsa_p256(void)
{
	struct rtc_cert *cert = generate();
	if (!cert)
		return;
	X509 *x509 = parse_der(cert);
	CHECK(x509 != NULL);
	EVP_PKEY *pub = X509_get0_pubkey(x509);
	char group[64] = "";
	size_t group_len = 0;

	CHECK(pub != NULL);
	CHECK(EVP_PKEY_is_a(pub, "EC"));
	CHECK(EVP_PKEY_get_group_name(pub, group, sizeof(group), &group_len) == 1);
	CHECK_STREQ(group, "prime256v1");
	/* The private key in rtc_cert matches the certificate's public key. */
	CHECK_INTEQ(EVP_PKEY_eq(pub, rtc_cert_private_key(cert)), 1);
	CHECK_INTEQ(X509_check_private_key(rtc_cert_x509(cert), rtc_cert_private_key(cert)), 1);
	X509_free(x509);
	rtc_cert_free(cert);
}

static void test_self_signed_with_common_name(void)
{
	struct rtc_cert *cert = generate();
	if (!cert)
		return;
	X509 *x509 = parse_der(cert);
	char cn[64] = "";

	CHECK(x509 != NULL);
	CHECK(X509_NAME_get_text_by_NID(X509_get_subject_name(x509), NID_commonName, cn,
					sizeof(cn)) > 0);
	CHECK_STREQ(cn, "rtcd");
	CHECK_INTEQ(X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)), 0);
	CHECK_INTEQ(X509_verify(x509, X509_get0_pubkey(x509)), 1);
	CHECK_INTEQ(X509_get_version(x509), X509_VERSION_3);
	CHECK_INTEQ(X509_get_signature_nid(x509), NID_ecdsa_with_SHA256);
	X509_free(x509);
	rtc_cert_free(cert);
}

static void test_validity_window(void)
{
	struct rtc_cert *cert = generate();
	if (!cert)
		return;
	X509 *x509 = parse_der(cert);
	int days = 0, seconds = 0;

	CHECK(x509 != NULL);
	/* notBefore is about a day before now... */
	CHECK(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(x509), NULL) == 1);
	CHECK(days * 86400L + seconds >= 86400L - 60 && days * 86400L + seconds <= 86400L + 60);
	/* ...and notAfter about 30 days after now. */
	CHECK(ASN1_TIME_diff(&days, &seconds, NULL, X509_get0_notAfter(x509)) == 1);
	CHECK(days * 86400L + seconds >= 30 * 86400L - 60 &&
	      days * 86400L + seconds <= 30 * 86400L + 60);
	CHECK(X509_cmp_current_time(X509_get0_notBefore(x509)) < 0);
	CHECK(X509_cmp_current_time(X509_get0_notAfter(x509)) > 0);
	X509_free(x509);
	rtc_cert_free(cert);
}

static void test_serials_are_random_and_positive(void)
{
	struct rtc_cert *a = generate(), *b = generate();
	if (!a || !b) {
		rtc_cert_free(a);
		rtc_cert_free(b);
		return;
	}
	const ASN1_INTEGER *sa = X509_get0_serialNumber(rtc_cert_x509(a));
	const ASN1_INTEGER *sb = X509_get0_serialNumber(rtc_cert_x509(b));
	BIGNUM *bn = ASN1_INTEGER_to_BN(sa, NULL);

	CHECK(bn != NULL);
	CHECK(!BN_is_negative(bn) && !BN_is_zero(bn));
	CHECK(ASN1_INTEGER_cmp(sa, sb) != 0);
	BN_free(bn);
	/* Two certificates never share a key either. */
	CHECK(EVP_PKEY_eq(rtc_cert_private_key(a), rtc_cert_private_key(b)) != 1);
	CHECK(strcmp(rtc_cert_fingerprint(a), rtc_cert_fingerprint(b)) != 0);
	rtc_cert_free(a);
	rtc_cert_free(b);
}

/* The expected value is built here independently: SHA-256 of the DER, then
 * upper-case hex pairs joined by ':'. */
static void test_fingerprint_matches_der(void)
{
	struct rtc_cert *cert = generate();
	if (!cert)
		return;
	size_t len = 0;
	const uint8_t *der = rtc_cert_der(cert, &len);
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	char expected[RTC_CERT_FINGERPRINT_MAX] = "";

	CHECK(EVP_Digest(der, len, digest, &digest_len, EVP_sha256(), NULL) == 1);
	CHECK_INTEQ(digest_len, 32);
	for (unsigned int i = 0; i < digest_len; i++)
		snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected),
			 i ? ":%02X" : "%02X", digest[i]);
	CHECK_STREQ(rtc_cert_fingerprint_algorithm(cert), "sha-256");
	CHECK_STREQ(rtc_cert_fingerprint(cert), expected);
	CHECK_INTEQ(strlen(rtc_cert_fingerprint(cert)), 32 * 3 - 1);
	for (const char *p = rtc_cert_fingerprint(cert); *p; p++)
		CHECK(*p == ':' || isdigit((unsigned char)*p) || (*p >= 'A' && *p <= 'F'));

	/* The DER really is the certificate rtc_cert_x509() hands to DTLS. */
	unsigned char *x509_der = NULL;
	int x509_len = i2d_X509(rtc_cert_x509(cert), &x509_der);
	CHECK_INTEQ(x509_len, len);
	CHECK(x509_der && memcmp(x509_der, der, len) == 0);
	OPENSSL_free(x509_der);
	rtc_cert_free(cert);
}

static void test_fingerprint_of_der_other_hashes(void)
{
	static const uint8_t abc[] = { 'a', 'b', 'c' };
	char out[RTC_CERT_FINGERPRINT_MAX];
	struct rtc_error err = { 0 };

	/* FIPS 180 test vectors for "abc". */
	CHECK_INTEQ(rtc_cert_fingerprint_der("sha-1", abc, sizeof(abc), out, &err), 0);
	CHECK_STREQ(out, "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D");
	CHECK_INTEQ(rtc_cert_fingerprint_der("SHA-256", abc, sizeof(abc), out, &err), 0);
	CHECK_STREQ(out, "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:"
			 "B4:10:FF:61:F2:00:15:AD");
	CHECK_INTEQ(rtc_cert_fingerprint_der("sha-512", abc, sizeof(abc), out, &err), 0);
	CHECK_INTEQ(strlen(out), 64 * 3 - 1);
	CHECK(strncmp(out, "DD:AF:35:A1", 11) == 0);

	CHECK_INTEQ(rtc_cert_fingerprint_der("md5", abc, sizeof(abc), out, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_SUPPORTED);
	CHECK(strstr(err.message, "md5") != NULL);
	CHECK(rtc_cert_fingerprint_algorithm_supported("sha-384"));
	CHECK(!rtc_cert_fingerprint_algorithm_supported("md5"));
	CHECK(!rtc_cert_fingerprint_algorithm_supported(""));
}

int main(void)
{
	RUN(test_key_is_ecdsa_p256);
	RUN(test_self_signed_with_common_name);
	RUN(test_validity_window);
	RUN(test_serials_are_random_and_positive);
	RUN(test_fingerprint_matches_der);
	RUN(test_fingerprint_of_der_other_hashes);
	return rtc_test_done();
}
