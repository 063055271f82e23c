/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/turn/tls-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/log.h"

/* TLS 1.2 suites: ECDHE or DHE for forward secrecy, AEAD first; the CBC
 * ones stay for TURN servers of a few years ago that offer nothing else.
 * The TLS 1.3 suites are all fine and stay OpenSSL's defaults. */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:ECDHE+AES:" \
		      "!aNULL:!eNULL:!PSK:!SRP:!DSS"

/* A server's Certificate message: real chains are a few KiB. Bounds what a
 * server can make us buffer before verification. */
#define MAX_CERT_LIST (64 * 1024)

/* Plaintext decrypted and not read yet: one full record and then some,
 * so a reader that drains it after every receive never stalls OpenSSL. */
#define PLAINTEXT_BUFFER (32 * 1024)

/* CONNECTED, then CLOSED or FAILED: never more than two events. */
#define MAX_EVENTS 2

/* RFC 1035 2.3.4, without the trailing dot. */
#define MAX_HOST_NAME 253
#define MAX_LABEL 63

struct rtc_tls_client_context {
	SSL_CTX *ssl_ctx;
};

struct rtc_tls_client {
	enum rtc_tls_client_state state;
	enum rtc_tls_client_failure failure;
	SSL *ssl;
	BIO *in;  /* ciphertext from the server, read by OpenSSL (owned by ssl) */
	BIO *out; /* ciphertext OpenSSL wrote for the server (owned by ssl) */
	/* The server's first byte, to tell "not TLS at all" (a plain TURN
	 * port behind a turns: URL, an HTTP server) from a broken handshake. */
	int first_byte;
	uint8_t plaintext[PLAINTEXT_BUFFER];
	size_t plaintext_start;
	size_t plaintext_len;
	struct rtc_tls_client_event events[MAX_EVENTS];
	unsigned events_head;
	unsigned events_count;
	char host[MAX_HOST_NAME + 3];
	char reason[320];
};

const char *rtc_tls_client_state_name(enum rtc_tls_client_state state)
{
	switch (state) {
	case RTC_TLS_CLIENT_NEW:
		return "new";
	case RTC_TLS_CLIENT_HANDSHAKING:
		return "handshaking";
	case RTC_TLS_CLIENT_CONNECTED:
		return "connected";
	case RTC_TLS_CLIENT_CLOSED:
		return "closed";
	case RTC_TLS_CLIENT_FAILED:
		return "failed";
	}
	return "unknown";
}

const char *rtc_tls_client_failure_name(enum rtc_tls_client_failure failure)
{
	switch (failure) {
	case RTC_TLS_CLIENT_FAILURE_NONE:
		return "none";
	case RTC_TLS_CLIENT_FAILURE_CERTIFICATE:
		return "certificate";
	case RTC_TLS_CLIENT_FAILURE_HOSTNAME:
		return "hostname";
	case RTC_TLS_CLIENT_FAILURE_PROTOCOL:
		return "protocol";
	}
	return "unknown";
}

/* ---- context ------------------------------------------------------------ */

/* Adds every certificate of a PEM file to the store. */
static int load_ca_file(X509_STORE *store, const char *path, struct rtc_error *err)
{
	FILE *f = fopen(path, "re");
	unsigned loaded = 0;
	X509 *cert;

	if (!f)
		return rtc_error_set(err, RTC_ERROR_NOT_FOUND, "CA file %s: %s", path,
				     strerror(errno));
	while ((cert = PEM_read_X509(f, NULL, NULL, NULL))) {
		int added = X509_STORE_add_cert(store, cert);

		X509_free(cert);
		if (!added) {
			fclose(f);
			ERR_clear_error();
			return rtc_error_set(err, RTC_ERROR_OPERATION,
					     "CA file %s: cannot add certificate %u", path,
					     loaded + 1);
		}
		loaded++;
	}
	/* The loop ends on "no start line" at the end of the file: expected. */
	ERR_clear_error();
	fclose(f);
	if (loaded == 0)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "CA file %s: no PEM certificate in it",
				     path);
	rtc_debug("tls: %u CA certificate%s from %s", loaded, loaded == 1 ? "" : "s", path);
	return 0;
}

int rtc_tls_client_context_new(const struct rtc_tls_client_context_config *config,
			       struct rtc_tls_client_context **out, struct rtc_error *err)
{
	struct rtc_tls_client_context *ctx;
	SSL_CTX *ssl_ctx;

	*out = NULL;
	ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!ssl_ctx) {
		ERR_clear_error();
		return rtc_error_set(err, RTC_ERROR_OPERATION, "cannot create a TLS context");
	}
	/* SSL_OP_NO_RENEGOTIATION: a TLS 1.2 server's HelloRequest gets a
	 * no_renegotiation alert, never a second handshake. */
	SSL_CTX_set_options(ssl_ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* Idle TURN connections are the common case: give their record
	 * buffers back between records. */
	SSL_CTX_set_mode(ssl_ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_max_cert_list(ssl_ctx, MAX_CERT_LIST);
	SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
	if (!SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(ssl_ctx, TLS12_CIPHERS) ||
	    (!config->skip_system_store && !SSL_CTX_set_default_verify_paths(ssl_ctx))) {
		SSL_CTX_free(ssl_ctx);
		ERR_clear_error();
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "OpenSSL refused the TLS client settings");
	}
	for (size_t i = 0; i < config->n_ca_files; i++) {
		if (load_ca_file(SSL_CTX_get_cert_store(ssl_ctx), config->ca_files[i], err) < 0) {
			SSL_CTX_free(ssl_ctx);
			return -1;
		}
	}

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		SSL_CTX_free(ssl_ctx);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	ctx->ssl_ctx = ssl_ctx;
	*out = ctx;
	return 0;
}

void rtc_tls_client_context_free(struct rtc_tls_client_context *ctx)
{
	if (!ctx)
		return;
	/* Reference counted: SSL objects made from it hold their own. */
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

/* ---- events and failure ------------------------------------------------- */

static void push_event(struct rtc_tls_client *c, enum rtc_tls_client_event_type type)
{
	struct rtc_tls_client_event *ev;

	/* Each event happens once per client, so the queue never overflows. */
	if (c->events_count == MAX_EVENTS)
		return;
	ev = &c->events[(c->events_head + c->events_count++) % MAX_EVENTS];
	*ev = (struct rtc_tls_client_event){
		.type = type,
		.failure = type == RTC_TLS_CLIENT_EVENT_FAILED ? c->failure
							      : RTC_TLS_CLIENT_FAILURE_NONE,
		.reason = type == RTC_TLS_CLIENT_EVENT_FAILED ? c->reason : NULL,
	};
}

/* The first cause noted wins: what follows it (the alert we send, the
 * handshake error OpenSSL reports) is an effect. */
__attribute__((format(printf, 3, 4)))
static void note_failure(struct rtc_tls_client *c, enum rtc_tls_client_failure failure,
			 const char *fmt, ...)
{
	va_list ap;

	if (c->failure != RTC_TLS_CLIENT_FAILURE_NONE)
		return;
	c->failure = failure;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

static void fail(struct rtc_tls_client *c, const char *step)
{
	unsigned long code = ERR_peek_last_error();
	long verify = SSL_get_verify_result(c->ssl);

	/* A TLS server's first record is a handshake message or an alert. */
	if (c->first_byte >= 0 && c->first_byte != SSL3_RT_HANDSHAKE &&
	    c->first_byte != SSL3_RT_ALERT)
		note_failure(c, RTC_TLS_CLIENT_FAILURE_PROTOCOL,
			     "the server does not speak TLS (its first byte is 0x%02x)",
			     (unsigned)c->first_byte);
	if (verify != X509_V_OK)
		note_failure(c, RTC_TLS_CLIENT_FAILURE_CERTIFICATE, "certificate not accepted: %s",
			     X509_verify_cert_error_string(verify));
	if (code)
		note_failure(c, RTC_TLS_CLIENT_FAILURE_PROTOCOL, "%s failed: %s", step,
			     ERR_reason_error_string(code) ? ERR_reason_error_string(code)
							   : "unknown OpenSSL error");
	note_failure(c, RTC_TLS_CLIENT_FAILURE_PROTOCOL, "%s failed", step);
	/* The error queue is per thread, shared with every OpenSSL user on it. */
	ERR_clear_error();

	rtc_info("tls: %s: %s", c->host, c->reason);
	c->state = RTC_TLS_CLIENT_FAILED;
	/* Whatever is buffered came before the failure and was authenticated:
	 * it stays readable. The alert OpenSSL queued stays pullable. */
	push_event(c, RTC_TLS_CLIENT_EVENT_FAILED);
}

/* Sorts the outcome of an SSL call that did not succeed. */
static void handle_ssl_result(struct rtc_tls_client *c, int ret, const char *step)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		/* Needs more bytes from the server: the normal way to stop. */
		return;
	case SSL_ERROR_ZERO_RETURN:
		rtc_debug("tls: %s: close_notify received", c->host);
		c->state = RTC_TLS_CLIENT_CLOSED;
		push_event(c, RTC_TLS_CLIENT_EVENT_CLOSED);
		return;
	default:
		fail(c, step);
		return;
	}
}

/* ---- OpenSSL callbacks -------------------------------------------------- */

/* Keeps OpenSSL's verdict, and remembers the first problem with the
 * certificate it concerns: "certificate has expired" alone does not say
 * which of the chain. */
static int on_verify(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct rtc_tls_client *c = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *cert = X509_STORE_CTX_get_current_cert(store);
	int error = X509_STORE_CTX_get_error(store);
	char subject[160] = "?";

	if (ok || !c)
		return ok;
	if (error == X509_V_ERR_HOSTNAME_MISMATCH || error == X509_V_ERR_IP_ADDRESS_MISMATCH) {
		note_failure(c, RTC_TLS_CLIENT_FAILURE_HOSTNAME,
			     "the server's certificate is not for %s", c->host);
		return ok;
	}
	if (cert)
		X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
	note_failure(c, RTC_TLS_CLIENT_FAILURE_CERTIFICATE,
		     "certificate not accepted: %s (depth %d, %s)",
		     X509_verify_cert_error_string(error), X509_STORE_CTX_get_error_depth(store),
		     subject);
	return ok;
}

static void on_info(const SSL *ssl, int where, int value)
{
	struct rtc_tls_client *c = SSL_get_app_data(ssl);

	if (!(where & SSL_CB_ALERT))
		return;
	if ((where & SSL_CB_READ) && (value >> 8) == SSL3_AL_FATAL)
		note_failure(c, RTC_TLS_CLIENT_FAILURE_PROTOCOL, "the server sent a fatal alert: %s",
			     SSL_alert_desc_string_long(value));
	rtc_debug("tls: %s: %s %s alert %s", c->host, (where & SSL_CB_READ) ? "received" : "sent",
		  SSL_alert_type_string_long(value), SSL_alert_desc_string_long(value));
}

/* ---- setup -------------------------------------------------------------- */

/* A DNS name as certificates and SNI carry it: dot-separated labels of
 * letters, digits, '-' and '_' (seen in private deployments). */
static bool is_host_name(const char *name)
{
	size_t label = 0;
	size_t len = strlen(name);

	if (len == 0 || len > MAX_HOST_NAME)
		return false;
	for (const char *p = name; *p; p++) {
		char ch = *p;

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
		if (++label > MAX_LABEL)
			return false;
	}
	return label > 0;
}

/* Sets what the certificate must name: an IP address (checked against the
 * iPAddress entries; no SNI, RFC 6066 3 forbids literals there) or a DNS
 * name (checked against dNSName entries, and sent as SNI). */
static int set_expected_host(struct rtc_tls_client *c, const char *host, struct rtc_error *err)
{
	X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
	size_t len = host ? strlen(host) : 0;
	unsigned char addr[sizeof(struct in6_addr)];

	if (len == 0 || len > MAX_HOST_NAME + 1)
		return rtc_error_set(err, RTC_ERROR_TYPE, "TLS: missing or overlong host");
	/* "[2001:db8::1]" as a URL writes it. */
	if (host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	memcpy(c->host, host, len);
	c->host[len] = '\0';

	if (inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1) {
		if (!X509_VERIFY_PARAM_set1_ip_asc(param, c->host))
			goto refused;
		return 0;
	}
	if (len > 1 && c->host[len - 1] == '.')
		c->host[len - 1] = '\0';
	if (!is_host_name(c->host))
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "TLS: \"%s\" is neither a host name nor an IP address", c->host);
	SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (!SSL_set1_host(c->ssl, c->host) || !SSL_set_tlsext_host_name(c->ssl, c->host))
		goto refused;
	return 0;
refused:
	ERR_clear_error();
	return rtc_error_set(err, RTC_ERROR_OPERATION, "TLS: OpenSSL refused the host %s",
			     c->host);
}

int rtc_tls_client_new(const struct rtc_tls_client_config *config,
		       struct rtc_tls_client **out, struct rtc_error *err)
{
	struct rtc_tls_client *c;

	*out = NULL;
	if (!config->context)
		return rtc_error_set(err, RTC_ERROR_TYPE, "TLS: no client context");
	c = calloc(1, sizeof(*c));
	if (!c)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	c->ssl = SSL_new(config->context->ssl_ctx);
	c->in = BIO_new(BIO_s_mem());
	c->out = BIO_new(BIO_s_mem());
	if (!c->ssl || !c->in || !c->out) {
		BIO_free(c->in);
		BIO_free(c->out);
		SSL_free(c->ssl);
		free(c);
		ERR_clear_error();
		return rtc_error_set(err, RTC_ERROR_OPERATION, "cannot create a TLS connection");
	}
	/* An empty memory BIO means "nothing yet", not end of file: TCP's end
	 * is the caller's to see. */
	BIO_set_mem_eof_return(c->in, -1);
	BIO_set_mem_eof_return(c->out, -1);
	SSL_set_bio(c->ssl, c->in, c->out);
	SSL_set_app_data(c->ssl, c);
	SSL_set_connect_state(c->ssl);
	SSL_set_verify(c->ssl, SSL_VERIFY_PEER, on_verify);
	SSL_set_info_callback(c->ssl, on_info);
	if (config->verification_time)
		X509_VERIFY_PARAM_set_time(SSL_get0_param(c->ssl),
					   (time_t)config->verification_time);
	if (set_expected_host(c, config->host, err) < 0) {
		rtc_tls_client_free(c);
		return -1;
	}
	c->state = RTC_TLS_CLIENT_NEW;
	c->first_byte = -1;
	*out = c;
	return 0;
}

void rtc_tls_client_free(struct rtc_tls_client *c)
{
	if (!c)
		return;
	SSL_free(c->ssl); /* and both BIOs */
	free(c);
}

/* ---- the connection ----------------------------------------------------- */

/* Decrypts what was received into the plaintext buffer, as far as it has
 * room: the rest waits in the input BIO for read() to make room. */
static void decrypt(struct rtc_tls_client *c)
{
	if (c->plaintext_len == 0)
		c->plaintext_start = 0;
	if (c->plaintext_start > 0 && c->plaintext_start + c->plaintext_len == PLAINTEXT_BUFFER) {
		memmove(c->plaintext, c->plaintext + c->plaintext_start, c->plaintext_len);
		c->plaintext_start = 0;
	}
	while (c->state == RTC_TLS_CLIENT_CONNECTED) {
		size_t end = c->plaintext_start + c->plaintext_len;
		size_t n = 0;
		int ret;

		if (end == PLAINTEXT_BUFFER)
			return;
		ERR_clear_error();
		ret = SSL_read_ex(c->ssl, c->plaintext + end, PLAINTEXT_BUFFER - end, &n);
		if (ret <= 0) {
			handle_ssl_result(c, ret, "reading");
			return;
		}
		c->plaintext_len += n;
	}
}

/* Runs the handshake as far as the bytes received allow, then decrypts. */
static void advance(struct rtc_tls_client *c)
{
	if (c->state == RTC_TLS_CLIENT_HANDSHAKING) {
		int ret;

		ERR_clear_error();
		ret = SSL_do_handshake(c->ssl);
		if (ret != 1) {
			handle_ssl_result(c, ret, "TLS handshake");
			return;
		}
		c->state = RTC_TLS_CLIENT_CONNECTED;
		rtc_debug("tls: %s: connected, %s %s", c->host, SSL_get_version(c->ssl),
			  SSL_get_cipher_name(c->ssl));
		push_event(c, RTC_TLS_CLIENT_EVENT_CONNECTED);
	}
	decrypt(c);
}

void rtc_tls_client_start(struct rtc_tls_client *c)
{
	if (c->state != RTC_TLS_CLIENT_NEW)
		return;
	c->state = RTC_TLS_CLIENT_HANDSHAKING;
	advance(c);
}

int rtc_tls_client_handle_receive(struct rtc_tls_client *c, const uint8_t *data, size_t len,
			   struct rtc_error *err)
{
	size_t waiting;

	if (c->state == RTC_TLS_CLIENT_NEW)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "TLS: bytes from the server before the ClientHello");
	if (c->state != RTC_TLS_CLIENT_HANDSHAKING && c->state != RTC_TLS_CLIENT_CONNECTED)
		return 0;
	if (len == 0)
		return 0;
	if (c->first_byte < 0)
		c->first_byte = data[0];
	waiting = BIO_ctrl_pending(c->in);
	if (len > RTC_TLS_CLIENT_MAX_INPUT || waiting > RTC_TLS_CLIENT_MAX_INPUT - len)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "TLS: %zu bytes received while %zu wait to be decrypted",
				     len, waiting);
	if (BIO_write(c->in, data, (int)len) != (int)len) {
		ERR_clear_error();
		return rtc_error_set(err, RTC_ERROR_OPERATION, "TLS: out of memory");
	}
	advance(c);
	return 0;
}

size_t rtc_tls_client_read(struct rtc_tls_client *c, uint8_t *buf, size_t cap)
{
	size_t n = c->plaintext_len < cap ? c->plaintext_len : cap;

	if (n == 0)
		return 0;
	memcpy(buf, c->plaintext + c->plaintext_start, n);
	c->plaintext_start += n;
	c->plaintext_len -= n;
	/* There is room now for what waits in the input BIO. */
	decrypt(c);
	return n;
}

int rtc_tls_client_write(struct rtc_tls_client *c, const uint8_t *data, size_t len,
			 struct rtc_error *err)
{
	size_t waiting = BIO_ctrl_pending(c->out);
	size_t written = 0;
	int ret;

	if (c->state != RTC_TLS_CLIENT_CONNECTED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "TLS: not connected (%s)",
				     rtc_tls_client_state_name(c->state));
	if (len == 0)
		return 0;
	if (len > RTC_TLS_CLIENT_MAX_OUTPUT || waiting > RTC_TLS_CLIENT_MAX_OUTPUT - len)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "TLS: %zu bytes to send while %zu wait to be pulled", len,
				     waiting);
	/* A memory BIO never blocks, so SSL_write_ex takes everything at once
	 * (partial writes are off), split into records. */
	ERR_clear_error();
	ret = SSL_write_ex(c->ssl, data, len, &written);
	if (ret <= 0 || written != len) {
		handle_ssl_result(c, ret, "sending");
		return rtc_error_set(err, RTC_ERROR_OPERATION, "TLS: cannot send: %s",
				     c->reason[0] ? c->reason : "the connection is busy");
	}
	return 0;
}

void rtc_tls_client_close(struct rtc_tls_client *c)
{
	if (c->state == RTC_TLS_CLIENT_CONNECTED) {
		/* Sends close_notify; 0 means the server's has not come, which
		 * we do not wait for (RFC 8446 6.1 allows it). */
		ERR_clear_error();
		if (SSL_shutdown(c->ssl) < 0)
			rtc_debug("tls: %s: close_notify not sent", c->host);
		ERR_clear_error();
	}
	if (c->state != RTC_TLS_CLIENT_FAILED)
		c->state = RTC_TLS_CLIENT_CLOSED;
}

size_t rtc_tls_client_poll_transmit(struct rtc_tls_client *c, uint8_t *buf, size_t cap)
{
	int n;

	if (cap == 0)
		return 0;
	n = BIO_read(c->out, buf, cap > INT_MAX ? INT_MAX : (int)cap);
	return n > 0 ? (size_t)n : 0;
}

size_t rtc_tls_client_output_pending(const struct rtc_tls_client *c)
{
	return BIO_ctrl_pending(c->out);
}

bool rtc_tls_client_poll_event(struct rtc_tls_client *c, struct rtc_tls_client_event *event)
{
	if (c->events_count == 0)
		return false;
	*event = c->events[c->events_head];
	c->events_head = (c->events_head + 1) % MAX_EVENTS;
	c->events_count--;
	return true;
}

enum rtc_tls_client_state rtc_tls_client_state(const struct rtc_tls_client *c)
{
	return c->state;
}

enum rtc_tls_client_failure rtc_tls_client_failure(const struct rtc_tls_client *c)
{
	return c->failure;
}

const char *rtc_tls_client_reason(const struct rtc_tls_client *c)
{
	return c->state == RTC_TLS_CLIENT_FAILED ? c->reason : "";
}

const char *rtc_tls_client_version(const struct rtc_tls_client *c)
{
	return c->state == RTC_TLS_CLIENT_CONNECTED ? SSL_get_version(c->ssl) : NULL;
}

const char *rtc_tls_client_cipher_name(const struct rtc_tls_client *c)
{
	return c->state == RTC_TLS_CLIENT_CONNECTED ? SSL_get_cipher_name(c->ssl) : NULL;
}
