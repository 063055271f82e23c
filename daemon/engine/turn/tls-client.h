/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A TLS client for TURN over TLS (turns: URLs, RFC 8656 3.1, RFC 7350),
 * sans-I/O, on OpenSSL memory BIOs.
 *
 * The caller owns the TCP connection. It hands the client what the server
 * sent, writes TURN frames in, and moves what comes out both ways:
 *
 *     rtc_tls_client_start(c);                       once TCP is connected
 *     on bytes from TCP: rtc_tls_client_handle_receive(c, data, len, &err);
 *                        while ((n = rtc_tls_client_read(c, buf, sizeof(buf))))
 *                                feed the TURN frame parser;
 *     to send a frame:   rtc_tls_client_write(c, frame, len, &err);
 *     after each call:   while (rtc_tls_client_poll_event(c, &ev)) ...;
 *                        while ((n = rtc_tls_client_poll_transmit(c, buf, sizeof(buf))))
 *                                send n bytes over TCP;
 *
 * The server is authenticated the way a browser does it: its chain must
 * lead to a trusted CA (the system store and any extra CA files of the
 * context), be within its validity dates, and name the host of the turns:
 * URL (a DNS name, also sent as SNI, or an IP address). TLS 1.2 is the
 * oldest version spoken; renegotiation is refused. No timers: TCP
 * retransmits, and the TURN transactions above time out on their own.
 *
 * Bounds: ciphertext waiting to be decrypted (RTC_TLS_CLIENT_MAX_INPUT),
 * plaintext waiting to be read (one internal buffer) and ciphertext waiting
 * to be pulled (RTC_TLS_CLIENT_MAX_OUTPUT) are all limited; a client fed
 * any bytes whatsoever fails cleanly with a reason.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Ciphertext the client holds before decrypting it: a caller that reads
 * all plaintext after each receive keeps less than one record here. */
#define RTC_TLS_CLIENT_MAX_INPUT (256u * 1024u)
/* Ciphertext waiting for the caller to pull it (as much as io/tcp queues). */
#define RTC_TLS_CLIENT_MAX_OUTPUT (1024u * 1024u)

/* What the clients of one daemon trust: made once (at start-up, where a bad
 * --turn-ca-file is reported), shared by every client. */
struct rtc_tls_client_context;
struct rtc_tls_client;

struct rtc_tls_client_context_config {
	/* PEM files with extra trusted CA certificates (one or more each), for
	 * tests and private deployments. Read during context_new. */
	const char *const *ca_files;
	size_t n_ca_files;
	/* Trust only ca_files, not the system's CA store. */
	bool skip_system_store;
};

/* Returns 0, or -1 with *err: NotFoundError when a CA file cannot be read,
 * SyntaxError when it holds no certificate, OperationError when OpenSSL
 * fails otherwise. */
int rtc_tls_client_context_new(const struct rtc_tls_client_context_config *config,
			       struct rtc_tls_client_context **out, struct rtc_error *err);
/* Clients made from the context keep it alive as long as they need it. */
void rtc_tls_client_context_free(struct rtc_tls_client_context *ctx);

struct rtc_tls_client_config {
	struct rtc_tls_client_context *context; /* borrowed */
	/* The host of the turns: URL the certificate must name: a DNS name
	 * ("turn.example.org", a trailing dot allowed) or an IP address
	 * ("192.0.2.1", "2001:db8::1" or "[2001:db8::1]"). Copied. */
	const char *host;
	/* Seconds since the Epoch at which the certificate dates are checked;
	 * 0 for the current time (OpenSSL reads the wall clock then: the
	 * engine's monotonic clock cannot tell a date). Tests pin it. */
	int64_t verification_time;
};

enum rtc_tls_client_state {
	RTC_TLS_CLIENT_NEW,        /* made, ClientHello not sent yet */
	RTC_TLS_CLIENT_HANDSHAKING,
	RTC_TLS_CLIENT_CONNECTED,  /* application data flows */
	RTC_TLS_CLIENT_CLOSED,     /* close_notify received, or close() called */
	RTC_TLS_CLIENT_FAILED,
};

/* Why a client failed. */
enum rtc_tls_client_failure {
	RTC_TLS_CLIENT_FAILURE_NONE,
	/* The chain does not lead to a trusted CA, a certificate is expired or
	 * not yet valid, a signature is wrong... */
	RTC_TLS_CLIENT_FAILURE_CERTIFICATE,
	/* A valid certificate, for another host. */
	RTC_TLS_CLIENT_FAILURE_HOSTNAME,
	/* Not TLS, a malformed or unexpected message, no common version or
	 * cipher suite, a fatal alert from the server. */
	RTC_TLS_CLIENT_FAILURE_PROTOCOL,
};

enum rtc_tls_client_event_type {
	RTC_TLS_CLIENT_EVENT_CONNECTED, /* handshake done: write() may be called */
	RTC_TLS_CLIENT_EVENT_CLOSED,    /* the server sent close_notify */
	RTC_TLS_CLIENT_EVENT_FAILED,    /* see failure and reason */
};

struct rtc_tls_client_event {
	enum rtc_tls_client_event_type type;
	enum rtc_tls_client_failure failure; /* FAILED */
	const char *reason;                  /* FAILED: valid while the client lives */
};

/* Returns 0, or -1 with *err: TypeError for a missing context or a host
 * that is neither a DNS name nor an IP address, OperationError when
 * OpenSSL refuses the configuration. */
int rtc_tls_client_new(const struct rtc_tls_client_config *config,
		       struct rtc_tls_client **out, struct rtc_error *err);
void rtc_tls_client_free(struct rtc_tls_client *c);

/* Queues the ClientHello. Once only; later calls do nothing. */
void rtc_tls_client_start(struct rtc_tls_client *c);

/* Ciphertext from the server, any bytes, taken whole (copied): the
 * handshake advances and application data is decrypted as far as the
 * plaintext buffer allows. Returns 0, or -1 with *err and nothing taken:
 * InvalidStateError before start() (the server speaks second) and
 * RangeError when more than RTC_TLS_CLIENT_MAX_INPUT would wait to be
 * decrypted (read the plaintext first, or drop the connection). After a
 * failure or close the bytes are ignored. */
int rtc_tls_client_handle_receive(struct rtc_tls_client *c, const uint8_t *data, size_t len,
			   struct rtc_error *err);

/* Copies up to cap bytes of plaintext from the server into buf; returns how
 * many (0: none yet). Reading makes room to decrypt more of what was
 * received, which may bring the CLOSED or FAILED event. */
size_t rtc_tls_client_read(struct rtc_tls_client *c, uint8_t *buf, size_t cap);

/* Encrypts len bytes of plaintext for the server (any length; split into
 * records). Returns 0, or -1 with *err: InvalidStateError unless connected,
 * RangeError when more than RTC_TLS_CLIENT_MAX_OUTPUT bytes of plaintext
 * would wait to be pulled (pull first; record overhead aside), OperationError when OpenSSL fails (the client fails too). */
int rtc_tls_client_write(struct rtc_tls_client *c, const uint8_t *data, size_t len,
			 struct rtc_error *err);

/* Sends close_notify if connected (a handshake under way is just dropped)
 * and stops: later input is ignored and no event is reported for a close
 * the caller asked for. Pull the output, then close the TCP connection. */
void rtc_tls_client_close(struct rtc_tls_client *c);

/* Moves up to cap bytes of ciphertext for the server into buf; returns how
 * many (0: nothing to send). */
size_t rtc_tls_client_poll_transmit(struct rtc_tls_client *c, uint8_t *buf, size_t cap);
/* Ciphertext waiting to be pulled. */
size_t rtc_tls_client_output_pending(const struct rtc_tls_client *c);

/* The next event, false if none. */
bool rtc_tls_client_poll_event(struct rtc_tls_client *c, struct rtc_tls_client_event *event);

enum rtc_tls_client_state rtc_tls_client_state(const struct rtc_tls_client *c);
enum rtc_tls_client_failure rtc_tls_client_failure(const struct rtc_tls_client *c);
/* Why the client failed, "" otherwise. */
const char *rtc_tls_client_reason(const struct rtc_tls_client *c);
/* "TLSv1.3" and "TLS_AES_256_GCM_SHA384" (OpenSSL's names) once
 * connected, else NULL: for logs and stats. */
const char *rtc_tls_client_version(const struct rtc_tls_client *c);
const char *rtc_tls_client_cipher_name(const struct rtc_tls_client *c);

const char *rtc_tls_client_state_name(enum rtc_tls_client_state state);
const char *rtc_tls_client_failure_name(enum rtc_tls_client_failure failure);
