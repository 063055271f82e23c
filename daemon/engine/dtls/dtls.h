/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A DTLS 1.2 endpoint for WebRTC (RFC 8827, RFC 8842), sans-I/O, on OpenSSL.
 *
 * The caller feeds it the datagrams the RFC 7983 demultiplexer classified as
 * DTLS, drains the datagrams it wants sent and the events it produced, and
 * calls rtc_dtls_handle_timeout() when rtc_dtls_deadline() is reached.
 * It never touches a socket or reads a clock itself. After every call that
 * takes `now`:
 *
 *     while (rtc_dtls_poll_event(d, &ev)) ...;
 *     while ((p = rtc_dtls_poll_transmit(d, &len))) send(p, len);
 *     rearm the timer at rtc_dtls_deadline(d);
 *
 * The peer's certificate is accepted only if it matches the a=fingerprint
 * of the remote description (RFC 8122): chain and dates are not checked, as
 * WebRTC certificates are self-signed. A mismatch fails the handshake with
 * a bad_certificate alert before any application data can pass.
 *
 * Handshake retransmission: OpenSSL 3.0 keeps the DTLS retransmission timer
 * itself, against gettimeofday() (the wall clock), with no way to pass it
 * another clock. The endpoint chooses the durations (a timer callback:
 * initial_retransmit_ms, doubled per retransmission, capped) and exposes
 * OpenSSL's remaining time as a deadline on the caller's monotonic clock;
 * handle_timeout asks OpenSSL to retransmit, which it does once its own
 * wall-clock timer has run out. The two clocks advance together, so the
 * deadlines agree; if the wall clock is stepped, OpenSSL's view wins and the
 * deadline is recomputed from it. Tests substitute gettimeofday() to drive
 * both from one fake clock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/error.h"
#include "engine/dtls/srtp-keys.h"

struct rtc_dtls;

/* From a=setup (RFC 8842 5.2): "active" is the client, "passive" the server. */
enum rtc_dtls_role {
	RTC_DTLS_CLIENT,
	RTC_DTLS_SERVER,
};

/* RTCDtlsTransportState. */
enum rtc_dtls_state {
	RTC_DTLS_NEW,
	RTC_DTLS_CONNECTING,
	RTC_DTLS_CONNECTED,
	RTC_DTLS_CLOSED,
	RTC_DTLS_FAILED,
};

/* The DTLS record MTU: every datagram the endpoint emits during the
 * handshake fits in it (the 1200 bytes WebRTC stacks assume are safe). */
#define RTC_DTLS_MTU 1200
/* The largest plaintext one record carries (RFC 6347 4.1, 2^14). */
#define RTC_DTLS_MAX_RECORD_PAYLOAD 16384
/* Nothing scheduled. */
#define RTC_DTLS_NO_TIMEOUT UINT64_MAX

struct rtc_dtls_config {
	enum rtc_dtls_role role;
	/* Our certificate and key: rtc_cert_x509() and rtc_cert_private_key()
	 * of the peer connection's certificate. Borrowed (the endpoint takes
	 * its own references). */
	X509 *certificate;
	EVP_PKEY *private_key;
	/* The remote description's a=fingerprint: hash function as SDP names
	 * it ("sha-256"; any rtc_cert_fingerprint_algorithm_supported() one)
	 * and the colon-separated hex, in either case. Copied. */
	const char *remote_fingerprint_algorithm;
	const char *remote_fingerprint;
	/* SRTP profiles for use_srtp, most preferred first; NULL for the
	 * default: AEAD_AES_128_GCM, AES128_CM_SHA1_80, AES128_CM_SHA1_32. As
	 * server our order decides; as client we offer it. */
	const enum rtc_srtp_profile *srtp_profiles;
	size_t n_srtp_profiles;
	/* First handshake retransmission timeout; 0 for 100 ms. Doubles on
	 * each retransmission up to 3 s; OpenSSL gives up after 12 in a row. */
	uint32_t initial_retransmit_ms;
};

enum rtc_dtls_event_type {
	RTC_DTLS_EVENT_CONNECTED, /* handshake done; SRTP keys available */
	RTC_DTLS_EVENT_DATA,      /* one record of application data */
	RTC_DTLS_EVENT_CLOSED,    /* the peer sent close_notify */
	RTC_DTLS_EVENT_FAILED,    /* handshake or connection failed: reason */
};

/* What DTLS-SRTP (RFC 5764) hands the SRTP layer: the negotiated profile
 * (in both) and the exported master keys, split by our DTLS role. */
struct rtc_dtls_srtp_keys {
	struct rtc_srtp_master local;  /* protects what we send */
	struct rtc_srtp_master remote; /* unprotects what we receive */
};

struct rtc_dtls_event {
	enum rtc_dtls_event_type type;
	const uint8_t *data; /* DATA: valid until the next call on the endpoint */
	size_t len;
	const char *reason;  /* FAILED: human-readable, valid while d lives */
};

/* Returns 0, or -1 with *err: TypeError for a missing certificate, key or
 * fingerprint, NotSupportedError for an unknown fingerprint hash or SRTP
 * profile, OperationError when OpenSSL refuses the configuration. */
int rtc_dtls_new(const struct rtc_dtls_config *config, struct rtc_dtls **out,
		 struct rtc_error *err);
void rtc_dtls_free(struct rtc_dtls *d);

/* Begins the handshake: a client sends its ClientHello, a server waits for
 * one. A datagram received while still new starts the endpoint too. */
void rtc_dtls_start(struct rtc_dtls *d, uint64_t now);

/* One datagram from the peer (RFC 7983: first byte 20..63). Any bytes are
 * safe: what is not valid DTLS is dropped, as RFC 6347 4.1.2.7 asks. The
 * data is not kept after the call returns. */
void rtc_dtls_handle_receive(struct rtc_dtls *d, uint64_t now, const uint8_t *data,
			      size_t len);

/* When now has reached rtc_dtls_deadline(): retransmits the last
 * handshake flight, or fails the handshake once OpenSSL gives up. Calling
 * it early does nothing. */
void rtc_dtls_handle_timeout(struct rtc_dtls *d, uint64_t now);
uint64_t rtc_dtls_deadline(const struct rtc_dtls *d);

/* Sends one record of application data (1 .. RTC_DTLS_MAX_RECORD_PAYLOAD
 * bytes; above rtc_dtls_max_datagram_payload() the datagram exceeds the
 * MTU). Returns 0, or -1 with *err: InvalidStateError unless connected,
 * RangeError for the length, OperationError if OpenSSL fails. */
int rtc_dtls_send(struct rtc_dtls *d, const uint8_t *data, size_t len,
		  struct rtc_error *err);

/* The most application data one datagram of RTC_DTLS_MTU bytes carries
 * with the negotiated cipher suite (for sizing SCTP packets); 0 unless
 * connected. */
size_t rtc_dtls_max_datagram_payload(const struct rtc_dtls *d);

/* Sends close_notify if connected and stops: later input is ignored. No
 * event is reported for a close the caller asked for. */
void rtc_dtls_close(struct rtc_dtls *d);

/* The next datagram to send, or NULL. Valid until the next call that feeds
 * the endpoint (handle_datagram, handle_timeout, send, start, close). */
const uint8_t *rtc_dtls_poll_transmit(struct rtc_dtls *d, size_t *len);
/* The next event, false if none. */
bool rtc_dtls_poll_event(struct rtc_dtls *d, struct rtc_dtls_event *event);

enum rtc_dtls_state rtc_dtls_state(const struct rtc_dtls *d);
enum rtc_dtls_role rtc_dtls_role(const struct rtc_dtls *d);
/* The negotiated SRTP profile and keys once connected; NULL before, and if
 * the peer did not negotiate use_srtp (a data-channel-only peer may not). */
const struct rtc_dtls_srtp_keys *rtc_dtls_srtp_keys(const struct rtc_dtls *d);
/* "ECDHE-ECDSA-AES128-GCM-SHA256" (OpenSSL's name) once connected, else NULL. */
const char *rtc_dtls_cipher_name(const struct rtc_dtls *d);
/* Datagrams dropped because the caller did not drain the output queue. */
uint64_t rtc_dtls_dropped_datagrams(const struct rtc_dtls *d);
/* Events (application data records, mostly) dropped because the caller did
 * not drain the event queue. */
uint64_t rtc_dtls_dropped_events(const struct rtc_dtls *d);

const char *rtc_dtls_state_name(enum rtc_dtls_state state);
