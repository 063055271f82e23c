/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/turn/test-tls-server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define DAY (24 * 60 * 60)
#define Y2020 1577836800
#define Y2021 1609459200
#define Y2024 1704067200
#define Y2034 2019686400

#define SERVER_NAMES "DNS:" TLS_TEST_HOST ",IP:" TLS_TEST_IPV4 ",IP:" TLS_TEST_IPV6

static bool add_extension(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return false;
	ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* A CA (issuer NULL: self-signed) or a server certificate for SERVER_NAMES. */
static X509 *make_cert(const char *common_name, EVP_PKEY *key, X509 *issuer,
		       EVP_PKEY *issuer_key, int64_t not_before, int64_t not_after)
{
	static long serial = 1;
	X509 *cert = X509_new();
	X509_NAME *name;
	bool ok;

	if (!cert)
		return NULL;
	name = X509_get_subject_name(cert);
	ok = X509_set_version(cert, X509_VERSION_3) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) &&
	     ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)not_before) &&
	     ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)not_after) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)common_name, -1, -1, 0) &&
	     X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) &&
	     X509_set_pubkey(cert, key) &&
	     add_extension(cert, NULL, NID_subject_key_identifier, "hash");
	if (ok && issuer)
		ok = add_extension(cert, issuer, NID_authority_key_identifier, "keyid:always") &&
		     add_extension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
		     add_extension(cert, issuer, NID_ext_key_usage, "serverAuth") &&
		     add_extension(cert, issuer, NID_subject_alt_name, SERVER_NAMES);
	else if (ok)
		ok = add_extension(cert, NULL, NID_basic_constraints, "critical,CA:TRUE") &&
		     add_extension(cert, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (ok)
		ok = X509_sign(cert, issuer ? issuer_key : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

static bool write_ca_file(struct tls_test_pki *pki)
{
	FILE *f;
	int fd;
	bool ok;

	snprintf(pki->ca_file, sizeof(pki->ca_file), "/tmp/rtcd-test-ca-XXXXXX");
	fd = mkstemp(pki->ca_file);
	if (fd < 0)
		return false;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return false;
	}
	ok = PEM_write_X509(f, pki->ca) == 1;
	return fclose(f) == 0 && ok;
}

bool tls_test_pki_make(struct tls_test_pki *pki)
{
	int64_t now = (int64_t)time(NULL);

	memset(pki, 0, sizeof(*pki));
	pki->ca_key = EVP_EC_gen("P-256");
	pki->server_key = EVP_EC_gen("P-256");
	pki->impostor_key = EVP_EC_gen("P-256");
	if (!pki->ca_key || !pki->server_key || !pki->impostor_key)
		goto fail;
	pki->ca = make_cert("rtcd test CA", pki->ca_key, NULL, NULL, Y2020 - DAY, Y2034 + DAY);
	pki->impostor_ca = make_cert("rtcd test CA", pki->impostor_key, NULL, NULL, Y2020,
				     Y2034);
	if (!pki->ca || !pki->impostor_ca)
		goto fail;
	pki->server = make_cert(TLS_TEST_HOST, pki->server_key, pki->ca, pki->ca_key, Y2024,
				Y2034);
	pki->expired = make_cert(TLS_TEST_HOST, pki->server_key, pki->ca, pki->ca_key, Y2020,
				 Y2021);
	pki->now = make_cert(TLS_TEST_HOST, pki->server_key, pki->ca, pki->ca_key, now - DAY,
			     now + DAY);
	pki->untrusted = make_cert(TLS_TEST_HOST, pki->server_key, pki->impostor_ca,
				   pki->impostor_key, Y2024, Y2034);
	if (!pki->server || !pki->expired || !pki->now || !pki->untrusted ||
	    !write_ca_file(pki))
		goto fail;
	return true;
fail:
	printf("# cannot make the test PKI\n");
	ERR_print_errors_fp(stdout);
	tls_test_pki_free(pki);
	return false;
}

void tls_test_pki_remove_ca_file(struct tls_test_pki *pki)
{
	if (pki->ca_file[0])
		unlink(pki->ca_file);
	pki->ca_file[0] = '\0';
}

void tls_test_pki_free(struct tls_test_pki *pki)
{
	tls_test_pki_remove_ca_file(pki);
	X509_free(pki->ca);
	X509_free(pki->server);
	X509_free(pki->expired);
	X509_free(pki->now);
	X509_free(pki->impostor_ca);
	X509_free(pki->untrusted);
	EVP_PKEY_free(pki->ca_key);
	EVP_PKEY_free(pki->server_key);
	EVP_PKEY_free(pki->impostor_key);
	memset(pki, 0, sizeof(*pki));
}

static int on_servername(SSL *ssl, int *alert, void *arg)
{
	struct tls_test_server *s = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)alert;
	snprintf(s->servername, sizeof(s->servername), "%s", name ? name : "");
	return SSL_TLSEXT_ERR_OK;
}

bool tls_test_server_init(struct tls_test_server *s, struct tls_test_pki *pki, X509 *cert,
			  X509 *chain, int max_version)
{
	memset(s, 0, sizeof(*s));
	s->ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ctx)
		return false;
	if (max_version && max_version < TLS1_2_VERSION) {
		/* Debian's default security level refuses TLS 1.1 even to
		 * servers; this one must offer it to be refused by the client. */
		SSL_CTX_set_security_level(s->ctx, 0);
		SSL_CTX_set_min_proto_version(s->ctx, TLS1_VERSION);
	}
	if ((max_version && !SSL_CTX_set_max_proto_version(s->ctx, max_version)) ||
	    SSL_CTX_use_certificate(s->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(s->ctx, pki->server_key) != 1 ||
	    (chain && SSL_CTX_add1_chain_cert(s->ctx, chain) != 1))
		return false;
	SSL_CTX_set_tlsext_servername_callback(s->ctx, on_servername);
	SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
	s->ssl = SSL_new(s->ctx);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	if (!s->ssl || !s->in || !s->out)
		return false;
	BIO_set_mem_eof_return(s->in, -1);
	BIO_set_mem_eof_return(s->out, -1);
	SSL_set_bio(s->ssl, s->in, s->out);
	SSL_set_accept_state(s->ssl);
	return true;
}

void tls_test_server_free(struct tls_test_server *s)
{
	if (s->ssl) {
		SSL_free(s->ssl);
	} else {
		BIO_free(s->in);
		BIO_free(s->out);
	}
	SSL_CTX_free(s->ctx);
	memset(s, 0, sizeof(*s));
	ERR_clear_error();
}

bool tls_test_shuttle(struct rtc_tls_client *c, struct tls_test_server *s)
{
	uint8_t buf[4096];

	for (;;) {
		bool moved = false;
		size_t n;
		int got;

		while ((n = rtc_tls_client_poll_transmit(c, buf, sizeof(buf)))) {
			BIO_write(s->in, buf, (int)n);
			moved = true;
		}
		if (!SSL_is_init_finished(s->ssl)) {
			SSL_do_handshake(s->ssl);
			ERR_clear_error();
		}
		while ((got = BIO_read(s->out, buf, sizeof(buf))) > 0) {
			if (rtc_tls_client_handle_receive(c, buf, (size_t)got, NULL) < 0)
				return false;
			moved = true;
		}
		if (!moved)
			return true;
	}
}

bool tls_test_server_write(struct tls_test_server *s, const uint8_t *data, size_t len)
{
	size_t written = 0;

	return SSL_write_ex(s->ssl, data, len, &written) == 1 && written == len;
}
