/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/dtls/dtls.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/log.h"
#include "engine/dtls/cert.h"
#include "engine/dtls/dtls-bio.h"
#include "engine/dtls/dtls-queue.h"

/* ECDHE only, AEAD first, with ECDSA and RSA authentication: what Chromium
 * and Firefox offer over DTLS 1.2. We present ECDSA; the RSA suites let an
 * RSA-certificate server (older stacks) be reached. */
#define DTLS_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:" \
	"ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA"
#define DTLS_GROUPS "X25519:P-256:P-384"

/* A WebRTC certificate is a few hundred bytes; this bounds what a peer can
 * make us buffer for its Certificate message. */
#define DTLS_MAX_CERT_LIST (16 * 1024)

#define DTLS_DEFAULT_INITIAL_RETRANSMIT_MS 100u
#define DTLS_MAX_RETRANSMIT_US (3u * 1000 * 1000)

/* Bounds on what waits for the caller: a handshake flight is a few KiB,
 * and a well-behaved caller drains after every call. */
#define DTLS_OUTPUT_MAX_BYTES (256 * 1024)
#define DTLS_EVENTS_MAX_BYTES (256 * 1024)

#define NS_PER_US 1000ull
#define NS_PER_S (1000ull * 1000 * 1000)

/* GCM first: authenticated encryption, and the fastest profiles with
 * libsrtp2 here (see recipes/media-facts.md). 256-bit before 128-bit:
 * OpenSSL 3.0 knows "SRTP_AEAD_AES_256_GCM", AES-256-GCM costs little more,
 * and libwebrtc offers it too; a peer without it gets 128-GCM. The DTLS
 * server's order decides, so these apply when we are the server. */
static const enum rtc_srtp_profile default_srtp_profiles[] = {
	RTC_SRTP_AEAD_AES_256_GCM,
	RTC_SRTP_AEAD_AES_128_GCM,
	RTC_SRTP_AES128_CM_HMAC_SHA1_80,
	RTC_SRTP_AES128_CM_HMAC_SHA1_32,
};

struct rtc_dtls {
	enum rtc_dtls_role role;
	enum rtc_dtls_state state;
	SSL *ssl;
	struct rtc_dtls_bio_io io;
	struct rtc_dtls_queue output;
	struct rtc_dtls_queue events;
	uint64_t deadline;
	uint32_t initial_retransmit_us;
	/* OpenSSL keeps its DTLS record buffers (about 34 KiB) for the
	 * connection's life, SSL_MODE_RELEASE_BUFFERS or not; an idle one
	 * gives them back after IDLE_RELEASE_NS without traffic. */
	uint64_t idle_check_ns;   /* RTC_DTLS_NO_TIMEOUT: not watching */
	bool active;              /* traffic since the last idle check */
	bool buffers_released;
	/* Set by the verify callback once the peer's certificate matched. */
	bool peer_verified;
	bool have_srtp_keys;
	struct rtc_dtls_srtp_keys srtp_keys;
	uint64_t events_dropped;
	char fingerprint_algorithm[16];
	char fingerprint[RTC_CERT_FINGERPRINT_MAX];
	char failure[256];
};

const char *rtc_dtls_state_name(enum rtc_dtls_state state)
{
	switch (state) {
	case RTC_DTLS_NEW:
		return "new";
	case RTC_DTLS_CONNECTING:
		return "connecting";
	case RTC_DTLS_CONNECTED:
		return "connected";
	case RTC_DTLS_CLOSED:
		return "closed";
	case RTC_DTLS_FAILED:
		return "failed";
	}
	return "unknown";
}

/* ---- events ------------------------------------------------------------ */

static void push_event(struct rtc_dtls *d, enum rtc_dtls_event_type type)
{
	if (rtc_dtls_queue_push(&d->events, type, NULL, 0) < 0)
		d->events_dropped++;
}

/* The first reason recorded wins: it is the cause, later ones are effects
 * (an alert we send after our own verification failed, say). */
__attribute__((format(printf, 2, 3)))
static void note_failure(struct rtc_dtls *d, const char *fmt, ...)
{
	va_list ap;

	if (d->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(d->failure, sizeof(d->failure), fmt, ap);
	va_end(ap);
}

static void fail(struct rtc_dtls *d, const char *step)
{
	unsigned long code = ERR_peek_last_error();
	char reason[160] = "no OpenSSL error recorded";

	if (code && ERR_GET_LIB(code) == ERR_LIB_SSL &&
	    ERR_GET_REASON(code) == SSL_R_READ_TIMEOUT_EXPIRED)
		note_failure(d, "handshake timed out: no answer from the peer");
	if (code)
		ERR_error_string_n(code, reason, sizeof(reason));
	note_failure(d, "%s failed: %s", step, reason);
	/* The error queue is per thread and shared with every other OpenSSL
	 * user on it: leave nothing behind. */
	ERR_clear_error();

	rtc_warn("dtls: %s", d->failure);
	d->state = RTC_DTLS_FAILED;
	d->deadline = RTC_DTLS_NO_TIMEOUT;
	d->idle_check_ns = RTC_DTLS_NO_TIMEOUT;
	push_event(d, RTC_DTLS_EVENT_FAILED);
}

/* ---- OpenSSL callbacks ------------------------------------------------- */

/* Replaces OpenSSL's chain verification: WebRTC certificates are self-signed
 * and authenticated by the fingerprint the signalling channel carried. */
static int verify_fingerprint(X509_STORE_CTX *store, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct rtc_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *peer = X509_STORE_CTX_get0_cert(store);
	char actual[RTC_CERT_FINGERPRINT_MAX];
	struct rtc_error err;
	unsigned char *der = NULL;
	int der_len;
	int matched;

	if (!d || !peer) {
		X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	der_len = i2d_X509(peer, &der);
	if (der_len <= 0) {
		note_failure(d, "cannot encode the peer's certificate");
		X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	matched = rtc_cert_fingerprint_der(d->fingerprint_algorithm, der, (size_t)der_len,
					   actual, &err) == 0 &&
		  strcasecmp(actual, d->fingerprint) == 0;
	OPENSSL_free(der);
	if (!matched) {
		note_failure(d, "the peer's certificate does not match a=fingerprint:%s",
			     d->fingerprint_algorithm);
		X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	d->peer_verified = true;
	return 1;
}

static void on_alert(const SSL *ssl, int where, int value)
{
	struct rtc_dtls *d = SSL_get_app_data(ssl);
	bool fatal = (value >> 8) == SSL3_AL_FATAL;

	if (!(where & SSL_CB_ALERT))
		return;
	if (where & SSL_CB_READ) {
		if (fatal)
			note_failure(d, "the peer sent a fatal alert: %s",
				     SSL_alert_desc_string_long(value));
		rtc_debug("dtls: received %s alert %s", SSL_alert_type_string_long(value),
			  SSL_alert_desc_string_long(value));
	} else {
		rtc_debug("dtls: sent %s alert %s", SSL_alert_type_string_long(value),
			  SSL_alert_desc_string_long(value));
	}
}

/* OpenSSL asks for the next retransmission timeout: timer_us is 0 when a
 * flight starts the timer afresh, else the previous timeout. The value
 * returned becomes OpenSSL's own (wall-clock) timer. */
static unsigned int retransmit_timeout(SSL *ssl, unsigned int timer_us)
{
	struct rtc_dtls *d = SSL_get_app_data(ssl);

	if (timer_us == 0)
		return d->initial_retransmit_us;
	if (timer_us >= DTLS_MAX_RETRANSMIT_US / 2)
		return DTLS_MAX_RETRANSMIT_US;
	return timer_us * 2;
}

/* ---- setup --------------------------------------------------------------- */

static int openssl_error(struct rtc_error *err, const char *step)
{
	unsigned long code = ERR_peek_last_error();
	char reason[160] = "no OpenSSL error recorded";

	if (code)
		ERR_error_string_n(code, reason, sizeof(reason));
	ERR_clear_error();
	return rtc_error_set(err, RTC_ERROR_OPERATION, "dtls: %s failed: %s", step, reason);
}

static int srtp_profile_list(const struct rtc_dtls_config *config, char *out, size_t size,
			     struct rtc_error *err)
{
	const enum rtc_srtp_profile *profiles = config->srtp_profiles;
	size_t n = config->n_srtp_profiles;
	size_t used = 0;

	if (!profiles) {
		profiles = default_srtp_profiles;
		n = sizeof(default_srtp_profiles) / sizeof(default_srtp_profiles[0]);
	}
	if (n == 0)
		return rtc_error_set(err, RTC_ERROR_TYPE, "dtls: empty SRTP profile list");
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct rtc_srtp_profile_info *info = rtc_srtp_profile_info(profiles[i]);
		int w;

		if (!info)
			return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
					     "dtls: unknown SRTP profile 0x%04x",
					     (unsigned)profiles[i]);
		w = snprintf(out + used, size - used, "%s%s", i ? ":" : "", info->name);
		if (w < 0 || (size_t)w >= size - used)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "dtls: SRTP profile list too long");
		used += (size_t)w;
	}
	return 0;
}

static int check_config(const struct rtc_dtls_config *config, struct rtc_error *err)
{
	if (!config->certificate || !config->private_key)
		return rtc_error_set(err, RTC_ERROR_TYPE, "dtls: no certificate or key");
	if (config->role != RTC_DTLS_CLIENT && config->role != RTC_DTLS_SERVER)
		return rtc_error_set(err, RTC_ERROR_TYPE, "dtls: invalid role %d", (int)config->role);
	if (!config->remote_fingerprint_algorithm || !config->remote_fingerprint ||
	    !config->remote_fingerprint[0])
		return rtc_error_set(err, RTC_ERROR_TYPE, "dtls: no remote fingerprint");
	if (!rtc_cert_fingerprint_algorithm_supported(config->remote_fingerprint_algorithm))
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "dtls: unsupported fingerprint hash function \"%.32s\"",
				     config->remote_fingerprint_algorithm);
	if (strlen(config->remote_fingerprint) >= RTC_CERT_FINGERPRINT_MAX)
		return rtc_error_set(err, RTC_ERROR_TYPE, "dtls: remote fingerprint too long");
	return 0;
}

/* One SSL_CTX for every connection in the process. A context costs about
 * 10 KiB in some 700 allocations (OpenSSL 3.0 fetches its cipher, group and
 * signature-algorithm tables for each one), and nothing in it differs
 * between connections: the certificate, the key and the SRTP profiles are
 * set on each SSL. Made on first use, kept for the life of the process. */
static pthread_mutex_t shared_context_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *shared_context;

static SSL_CTX *make_shared_context(struct rtc_error *err)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_method());

	if (!ctx) {
		openssl_error(err, "SSL_CTX_new");
		return NULL;
	}
	/* OpenSSL 3.0 has no DTLS 1.3, and DTLS 1.0 is deprecated (RFC 8996). */
	if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION)) {
		openssl_error(err, "restricting to DTLS 1.2");
		goto fail;
	}
	if (!SSL_CTX_set_cipher_list(ctx, DTLS_CIPHERS)) {
		openssl_error(err, "setting the cipher suites");
		goto fail;
	}
	if (!SSL_CTX_set1_groups_list(ctx, DTLS_GROUPS)) {
		openssl_error(err, "setting the ECDHE groups");
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* An idle connection gives its record buffers (about 34 KiB) back:
	 * most of a desktop's connections are idle most of the time. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_max_cert_list(ctx, DTLS_MAX_CERT_LIST);
	/* Both sides demand a certificate (RFC 8827 6.5), checked by fingerprint. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, verify_fingerprint, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static SSL_CTX *get_shared_context(struct rtc_error *err)
{
	SSL_CTX *ctx;

	pthread_mutex_lock(&shared_context_lock);
	if (!shared_context)
		shared_context = make_shared_context(err);
	ctx = shared_context;
	pthread_mutex_unlock(&shared_context_lock);
	return ctx;
}

/* What is this connection's own: its certificate and key, its SRTP profiles. */
static int create_connection(struct rtc_dtls *d, const struct rtc_dtls_config *config,
			     struct rtc_error *err)
{
	char srtp_profiles[128];
	SSL_CTX *ctx;
	BIO *bio;

	if (srtp_profile_list(config, srtp_profiles, sizeof(srtp_profiles), err) < 0)
		return -1;
	ctx = get_shared_context(err);
	if (!ctx)
		return -1;
	d->ssl = SSL_new(ctx);
	if (!d->ssl)
		return openssl_error(err, "SSL_new");
	SSL_set_app_data(d->ssl, d);
	if (!SSL_use_certificate(d->ssl, config->certificate) ||
	    !SSL_use_PrivateKey(d->ssl, config->private_key) ||
	    !SSL_check_private_key(d->ssl))
		return openssl_error(err, "using the certificate");
	/* Returns 0 on success, unlike its neighbours. */
	if (SSL_set_tlsext_use_srtp(d->ssl, srtp_profiles) != 0)
		return openssl_error(err, "enabling use_srtp");
	bio = rtc_dtls_bio_new(&d->io);
	if (!bio)
		return openssl_error(err, "creating the datagram BIO");
	/* One BIO for both directions: SSL_set_bio takes its one reference. */
	SSL_set_bio(d->ssl, bio, bio);
	if (!SSL_set_mtu(d->ssl, RTC_DTLS_MTU))
		return openssl_error(err, "setting the MTU");
	DTLS_set_timer_cb(d->ssl, retransmit_timeout);
	SSL_set_info_callback(d->ssl, on_alert);
	if (d->role == RTC_DTLS_CLIENT)
		SSL_set_connect_state(d->ssl);
	else
		SSL_set_accept_state(d->ssl);
	return 0;
}

int rtc_dtls_new(const struct rtc_dtls_config *config, struct rtc_dtls **out,
		 struct rtc_error *err)
{
	struct rtc_dtls *d;
	uint32_t initial_ms;

	if (check_config(config, err) < 0)
		return -1;
	d = calloc(1, sizeof(*d));
	if (!d)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "dtls: out of memory");
	d->role = config->role;
	d->state = RTC_DTLS_NEW;
	d->deadline = RTC_DTLS_NO_TIMEOUT;
	d->idle_check_ns = RTC_DTLS_NO_TIMEOUT;
	initial_ms = config->initial_retransmit_ms ? config->initial_retransmit_ms
						   : DTLS_DEFAULT_INITIAL_RETRANSMIT_MS;
	d->initial_retransmit_us = initial_ms >= DTLS_MAX_RETRANSMIT_US / 1000
					   ? DTLS_MAX_RETRANSMIT_US
					   : initial_ms * 1000;
	snprintf(d->fingerprint_algorithm, sizeof(d->fingerprint_algorithm), "%s",
		 config->remote_fingerprint_algorithm);
	snprintf(d->fingerprint, sizeof(d->fingerprint), "%s", config->remote_fingerprint);
	rtc_dtls_queue_init(&d->output, DTLS_OUTPUT_MAX_BYTES);
	rtc_dtls_queue_init(&d->events, DTLS_EVENTS_MAX_BYTES);
	d->io.out = &d->output;

	if (create_connection(d, config, err) < 0) {
		rtc_dtls_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void rtc_dtls_free(struct rtc_dtls *d)
{
	if (!d)
		return;
	SSL_free(d->ssl);
	rtc_dtls_queue_release(&d->output);
	rtc_dtls_queue_release(&d->events);
	free(d);
}

/* ---- running --------------------------------------------------------------- */

#define IDLE_RELEASE_NS (2 * NS_PER_S)

/* OpenSSL 3.0's DTLS write path does not set its buffer up again after
 * SSL_free_buffers (the TLS one does): every call that may write comes
 * through here first. */
static bool ensure_buffers(struct rtc_dtls *d)
{
	if (!d->buffers_released)
		return true;
	if (!SSL_alloc_buffers(d->ssl))
		return false;
	d->buffers_released = false;
	return true;
}

static void note_activity(struct rtc_dtls *d, uint64_t now)
{
	d->active = true;
	if (d->idle_check_ns == RTC_DTLS_NO_TIMEOUT)
		d->idle_check_ns = now + IDLE_RELEASE_NS;
}

static void release_if_idle(struct rtc_dtls *d, uint64_t now)
{
	if (d->idle_check_ns == RTC_DTLS_NO_TIMEOUT || now < d->idle_check_ns)
		return;
	if (d->active || d->state != RTC_DTLS_CONNECTED || !SSL_free_buffers(d->ssl)) {
		/* Busy, handshaking, or data pending: look again later. */
		d->active = false;
		d->idle_check_ns = now + IDLE_RELEASE_NS;
		return;
	}
	d->idle_check_ns = RTC_DTLS_NO_TIMEOUT;
	d->buffers_released = true;
	/* Our queues too, if drained: what was popped from them has been
	 * used long since (it is valid only until the next call). */
	if (rtc_dtls_queue_is_empty(&d->output))
		rtc_dtls_queue_release(&d->output);
	if (rtc_dtls_queue_is_empty(&d->events))
		rtc_dtls_queue_release(&d->events);
}

/* Mirrors OpenSSL's retransmission timer onto the caller's clock. */
static void update_deadline(struct rtc_dtls *d, uint64_t now)
{
	struct timeval left;

	if ((d->state != RTC_DTLS_CONNECTING && d->state != RTC_DTLS_CONNECTED) ||
	    DTLSv1_get_timeout(d->ssl, &left) != 1) {
		d->deadline = RTC_DTLS_NO_TIMEOUT;
		return;
	}
	d->deadline = now + (uint64_t)left.tv_sec * NS_PER_S + (uint64_t)left.tv_usec * NS_PER_US;
}

static int export_srtp_keys(struct rtc_dtls *d)
{
	const SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(d->ssl);
	uint8_t material[2 * (RTC_SRTP_MASTER_KEY_MAX + RTC_SRTP_MASTER_SALT_MAX)];
	static const char label[] = "EXTRACTOR-dtls_srtp";
	size_t len;
	int rc;

	if (!profile)
		return 0;
	len = rtc_srtp_keying_material_len(profile->id);
	if (len == 0 || len > sizeof(material)) {
		note_failure(d, "OpenSSL negotiated an unknown SRTP profile %s", profile->name);
		return -1;
	}
	/* RFC 5764 4.2: no context, and the exporter is TLS 1.2's PRF. */
	if (SSL_export_keying_material(d->ssl, material, len, label, sizeof(label) - 1, NULL,
				       0, 0) != 1) {
		note_failure(d, "exporting the DTLS-SRTP keys failed");
		return -1;
	}
	rc = rtc_srtp_keys_from_dtls(profile->id, material, len, d->role == RTC_DTLS_CLIENT,
				     &d->srtp_keys.local, &d->srtp_keys.remote);
	OPENSSL_cleanse(material, sizeof(material));
	if (rc < 0) {
		note_failure(d, "splitting the DTLS-SRTP keys failed");
		return -1;
	}
	d->have_srtp_keys = true;
	return 0;
}

static void on_handshake_done(struct rtc_dtls *d)
{
	/* Belt and braces: the verify callback runs for every peer certificate
	 * and SSL_VERIFY_FAIL_IF_NO_PEER_CERT demands one, but if OpenSSL ever
	 * finished without calling it, no data may pass. */
	if (!d->peer_verified || SSL_get_verify_result(d->ssl) != X509_V_OK) {
		note_failure(d, "handshake finished without a verified peer certificate");
		fail(d, "verifying the peer");
		return;
	}
	if (export_srtp_keys(d) < 0) {
		fail(d, "DTLS-SRTP");
		return;
	}
	d->state = RTC_DTLS_CONNECTED;
	rtc_debug("dtls: connected as %s with %s, SRTP %s",
		  d->role == RTC_DTLS_CLIENT ? "client" : "server",
		  SSL_get_cipher_name(d->ssl),
		  d->have_srtp_keys ? rtc_srtp_profile_info(d->srtp_keys.local.profile)->name
				    : "none");
	push_event(d, RTC_DTLS_EVENT_CONNECTED);
}

/* The peer's close_notify: answer with ours (RFC 5246 7.2.1) and stop. */
static void on_peer_closed(struct rtc_dtls *d)
{
	SSL_shutdown(d->ssl);
	ERR_clear_error();
	d->state = RTC_DTLS_CLOSED;
	d->deadline = RTC_DTLS_NO_TIMEOUT;
	d->idle_check_ns = RTC_DTLS_NO_TIMEOUT;
	push_event(d, RTC_DTLS_EVENT_CLOSED);
}

/* After SSL_do_handshake() or SSL_read() returned ret <= 0. */
static void handle_ssl_result(struct rtc_dtls *d, int ret, const char *step)
{
	switch (SSL_get_error(d->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		ERR_clear_error();
		break;
	case SSL_ERROR_ZERO_RETURN:
		on_peer_closed(d);
		break;
	default:
		fail(d, step);
		break;
	}
}

static void continue_handshake(struct rtc_dtls *d)
{
	int ret = SSL_do_handshake(d->ssl);

	if (ret == 1)
		on_handshake_done(d);
	else
		handle_ssl_result(d, ret, "DTLS handshake");
}

/* Application data straight into the event queue, one record per event. */
static void read_application_data(struct rtc_dtls *d)
{
	while (d->state == RTC_DTLS_CONNECTED) {
		uint8_t *room = rtc_dtls_queue_reserve(&d->events, RTC_DTLS_MAX_RECORD_PAYLOAD);
		uint8_t overflow[RTC_DTLS_MAX_RECORD_PAYLOAD];
		int ret = SSL_read(d->ssl, room ? room : overflow, RTC_DTLS_MAX_RECORD_PAYLOAD);

		if (ret <= 0) {
			handle_ssl_result(d, ret, "reading application data");
			return;
		}
		/* The caller stopped draining events: drop the record, as a full
		 * receive buffer would, rather than grow without bound. */
		if (!room || rtc_dtls_queue_commit(&d->events, RTC_DTLS_EVENT_DATA,
						   (size_t)ret) < 0)
			d->events_dropped++;
	}
}

static void run(struct rtc_dtls *d, uint64_t now)
{
	if (d->state == RTC_DTLS_CONNECTING)
		continue_handshake(d);
	if (d->state == RTC_DTLS_CONNECTED)
		read_application_data(d);
	update_deadline(d, now);
}

void rtc_dtls_start(struct rtc_dtls *d, uint64_t now)
{
	if (d->state != RTC_DTLS_NEW)
		return;
	d->state = RTC_DTLS_CONNECTING;
	run(d, now);
}

void rtc_dtls_handle_receive(struct rtc_dtls *d, uint64_t now, const uint8_t *data,
			      size_t len)
{
	if (d->state == RTC_DTLS_NEW)
		d->state = RTC_DTLS_CONNECTING;
	if (d->state != RTC_DTLS_CONNECTING && d->state != RTC_DTLS_CONNECTED)
		return;
	if (len == 0)
		return;
	if (!ensure_buffers(d)) {
		fail(d, "allocating record buffers");
		return;
	}
	d->io.in = data;
	d->io.in_len = len;
	note_activity(d, now);
	run(d, now);
	/* Whatever OpenSSL did not read belongs to this datagram only. */
	d->io.in = NULL;
	d->io.in_len = 0;
}

void rtc_dtls_handle_timeout(struct rtc_dtls *d, uint64_t now)
{
	release_if_idle(d, now);
	if (d->deadline == RTC_DTLS_NO_TIMEOUT || now < d->deadline)
		return;
	if (!ensure_buffers(d)) {
		fail(d, "allocating record buffers");
		return;
	}
	/* 0: OpenSSL's own timer has not run out yet (its wall clock lags
	 * ours), the deadline is recomputed below; -1: it gave up. */
	if (DTLSv1_handle_timeout(d->ssl) < 0) {
		fail(d, "retransmitting the handshake");
		return;
	}
	ERR_clear_error();
	/* A retransmission can be what completes a handshake stalled on a
	 * lost flight, so run as after any input. */
	run(d, now);
}

uint64_t rtc_dtls_deadline(const struct rtc_dtls *d)
{
	return d->idle_check_ns < d->deadline ? d->idle_check_ns : d->deadline;
}

int rtc_dtls_send(struct rtc_dtls *d, const uint8_t *data, size_t len,
		  struct rtc_error *err)
{
	int ret;

	if (d->state != RTC_DTLS_CONNECTED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "dtls: cannot send while %s", rtc_dtls_state_name(d->state));
	if (len == 0 || len > RTC_DTLS_MAX_RECORD_PAYLOAD)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "dtls: %zu bytes of application data (1..%u per record)",
				     len, RTC_DTLS_MAX_RECORD_PAYLOAD);
	/* No clock here: the next idle check is armed already (the handshake
	 * brought traffic), or it is armed by the next input or timeout. */
	d->active = true;
	if (!ensure_buffers(d))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "dtls: out of memory");
	ret = SSL_write(d->ssl, data, (int)len);
	if (ret != (int)len) {
		unsigned long code = ERR_peek_last_error();
		char reason[160] = "no OpenSSL error recorded";

		if (code)
			ERR_error_string_n(code, reason, sizeof(reason));
		ERR_clear_error();
		return rtc_error_set(err, RTC_ERROR_OPERATION, "dtls: SSL_write failed: %s",
				     reason);
	}
	return 0;
}

size_t rtc_dtls_max_datagram_payload(const struct rtc_dtls *d)
{
	return d->state == RTC_DTLS_CONNECTED ? DTLS_get_data_mtu(d->ssl) : 0;
}

void rtc_dtls_close(struct rtc_dtls *d)
{
	if (d->state == RTC_DTLS_CONNECTED && ensure_buffers(d)) {
		/* DTLS does not wait for the peer's close_notify: one call sends
		 * ours and returns. */
		SSL_shutdown(d->ssl);
		ERR_clear_error();
	}
	if (d->state != RTC_DTLS_FAILED)
		d->state = RTC_DTLS_CLOSED;
	d->deadline = RTC_DTLS_NO_TIMEOUT;
	d->idle_check_ns = RTC_DTLS_NO_TIMEOUT;
}

const uint8_t *rtc_dtls_poll_transmit(struct rtc_dtls *d, size_t *len)
{
	const uint8_t *data;
	uint32_t tag;

	if (!rtc_dtls_queue_pop(&d->output, &tag, &data, len))
		return NULL;
	return data;
}

bool rtc_dtls_poll_event(struct rtc_dtls *d, struct rtc_dtls_event *event)
{
	const uint8_t *data;
	uint32_t tag;
	size_t len;

	if (!rtc_dtls_queue_pop(&d->events, &tag, &data, &len))
		return false;
	*event = (struct rtc_dtls_event){
		.type = (enum rtc_dtls_event_type)tag,
		.data = tag == RTC_DTLS_EVENT_DATA ? data : NULL,
		.len = tag == RTC_DTLS_EVENT_DATA ? len : 0,
		.reason = tag == RTC_DTLS_EVENT_FAILED ? d->failure : NULL,
	};
	return true;
}

enum rtc_dtls_state rtc_dtls_state(const struct rtc_dtls *d)
{
	return d->state;
}

enum rtc_dtls_role rtc_dtls_role(const struct rtc_dtls *d)
{
	return d->role;
}

const struct rtc_dtls_srtp_keys *rtc_dtls_srtp_keys(const struct rtc_dtls *d)
{
	return d->state == RTC_DTLS_CONNECTED && d->have_srtp_keys ? &d->srtp_keys : NULL;
}

const char *rtc_dtls_cipher_name(const struct rtc_dtls *d)
{
	return d->state == RTC_DTLS_CONNECTED ? SSL_CIPHER_get_name(SSL_get_current_cipher(d->ssl))
					      : NULL;
}

uint64_t rtc_dtls_dropped_datagrams(const struct rtc_dtls *d)
{
	return d->io.out_dropped;
}

uint64_t rtc_dtls_dropped_events(const struct rtc_dtls *d)
{
	return d->events_dropped;
}
