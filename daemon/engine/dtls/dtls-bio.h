/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BIO between OpenSSL's DTLS state machine and the sans-I/O endpoint.
 *
 * OpenSSL 3.0's BIO_s_mem() is a byte stream: records written in a row run
 * together and datagram boundaries are lost in both directions (the
 * datagram-preserving BIO_s_dgram_mem() only arrived in OpenSSL 3.2). This
 * one keeps them: each write is one datagram (during the handshake OpenSSL
 * itself packs records into MTU-sized writes through its buffering BIO), and
 * each read hands over the one datagram the endpoint is processing, whole.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/bio.h>

#include "engine/dtls/dtls-queue.h"

/* Tag of the datagrams in the output queue. */
#define RTC_DTLS_BIO_DATAGRAM 1u

struct rtc_dtls_bio_io {
	/* Where written datagrams go. */
	struct rtc_dtls_queue *out;
	/* The datagram to read next (borrowed from the caller for the duration
	 * of one call into OpenSSL); reading it clears it. */
	const uint8_t *in;
	size_t in_len;
	/* Datagrams lost because the output queue was full. */
	uint64_t out_dropped;
};

/* A BIO over io, which must outlive it. NULL when out of memory. */
BIO *rtc_dtls_bio_new(struct rtc_dtls_bio_io *io);
