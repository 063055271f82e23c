/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SRTP and SRTCP (RFC 3711, RFC 7714) with libsrtp2, keyed by DTLS-SRTP
 * (RFC 5764). One session per direction: an outbound session protects what
 * we send with our DTLS role's write key, an inbound one unprotects what the
 * peer sends with its write key. Each accepts any SSRC (libsrtp clones a
 * stream per SSRC from the session's template), keeps a replay window of
 * RTC_SRTP_REPLAY_WINDOW packets, and lets the same RTP packet be protected
 * again so that NACK retransmissions work.
 *
 * Protecting copies the clear packet into a buffer the caller gives (the I/O
 * layer's own send buffer) and protects it there, so the clear packet stays
 * intact for an RTX cache; the two may be the same buffer. Unprotecting is
 * in place. A packet that is rejected (authentication, replay, malformed) is
 * counted by reason and its buffer wiped: it is never delivered.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/dtls/dtls.h"
#include "engine/dtls/srtp-keys.h"

/* Keys, and what each profile appends (rtp_tag_len to SRTP, rtcp_tag_len
 * plus the 4-byte E||index to SRTCP), come from srtp-keys.h's table: the
 * four profiles of the IANA registry that rtcd speaks. */

#define RTC_SRTP_REPLAY_WINDOW 1024

/* Tail room a protect needs after the packet: libsrtp2's documented contract
 * (SRTP_MAX_TRAILER_LEN, plus the 4-byte SRTCP index for RTCP), whatever the
 * profile actually appends. */
#define RTC_SRTP_RTP_ROOM  144
#define RTC_SRTP_RTCP_ROOM (RTC_SRTP_RTP_ROOM + 4)

enum rtc_srtp_direction {
	RTC_SRTP_OUTBOUND, /* protects: our write key */
	RTC_SRTP_INBOUND,  /* unprotects: the peer's write key */
};

/* What a protect or unprotect returns: 0, or one negative reason. */
enum rtc_srtp_status {
	RTC_SRTP_OK = 0,
	RTC_SRTP_ERR_AUTH = -1,      /* authentication tag did not verify */
	RTC_SRTP_ERR_REPLAY = -2,    /* already seen, or older than the window */
	RTC_SRTP_ERR_MALFORMED = -3, /* too short, bad version, bad length */
	RTC_SRTP_ERR_NO_SPACE = -4,  /* the out buffer lacks the tail room */
	RTC_SRTP_ERR_DIRECTION = -5, /* protect on inbound or the reverse */
	RTC_SRTP_ERR_CRYPTO = -6,    /* libsrtp2 failed otherwise */
};

/* "auth", "replay", ... for logs. */
const char *rtc_srtp_status_name(enum rtc_srtp_status status);

/* Counters of one session; rejected_* count packets refused for that reason. */
struct rtc_srtp_stats {
	uint64_t rtp_packets;   /* protected (outbound) or accepted (inbound) */
	uint64_t rtcp_packets;
	uint64_t rtp_bytes;     /* clear bytes, header included */
	uint64_t rtcp_bytes;
	uint64_t rejected_auth;
	uint64_t rejected_replay;
	uint64_t rejected_malformed;
	uint64_t rejected_no_space;
	uint64_t rejected_direction;
	uint64_t rejected_crypto;
};

struct rtc_srtp;

/* master: our write key for OUTBOUND, the peer's for INBOUND (as
 * rtc_srtp_keys_from_dtls splits them). Returns 0, or -1 with *err:
 * NotSupportedError for an unknown profile, TypeError for key or salt
 * lengths that do not fit it, OperationError if libsrtp2 refuses. */
int rtc_srtp_new(const struct rtc_srtp_master *master, enum rtc_srtp_direction dir,
		 struct rtc_srtp **out, struct rtc_error *err);
/* From what DTLS exported: keys->local for OUTBOUND, keys->remote for INBOUND. */
int rtc_srtp_new_dtls(const struct rtc_dtls_srtp_keys *keys, enum rtc_srtp_direction dir,
		      struct rtc_srtp **out, struct rtc_error *err);
void rtc_srtp_free(struct rtc_srtp *s);

enum rtc_srtp_profile rtc_srtp_profile(const struct rtc_srtp *s);
enum rtc_srtp_direction rtc_srtp_direction(const struct rtc_srtp *s);
const struct rtc_srtp_stats *rtc_srtp_stats(const struct rtc_srtp *s);

/*
 * Outbound: copies the clear packet in[0..len) to out (in may equal out, or
 * overlap it) and protects it there; *out_len is the SRTP/SRTCP length. cap
 * must be at least len + RTC_SRTP_RTP_ROOM (RTC_SRTP_RTCP_ROOM for RTCP);
 * nothing is written otherwise.
 */
enum rtc_srtp_status rtc_srtp_protect_rtp(struct rtc_srtp *s, const uint8_t *in, size_t len,
					  uint8_t *out, size_t cap, size_t *out_len);
enum rtc_srtp_status rtc_srtp_protect_rtcp(struct rtc_srtp *s, const uint8_t *in, size_t len,
					   uint8_t *out, size_t cap, size_t *out_len);

/* Inbound: unprotects buf[0..len) in place; *out_len is the clear length.
 * On any rejection buf[0..len) is zeroed. */
enum rtc_srtp_status rtc_srtp_unprotect_rtp(struct rtc_srtp *s, uint8_t *buf, size_t len,
					    size_t *out_len);
enum rtc_srtp_status rtc_srtp_unprotect_rtcp(struct rtc_srtp *s, uint8_t *buf, size_t len,
					     size_t *out_len);
