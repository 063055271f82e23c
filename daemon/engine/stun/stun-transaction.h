/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A STUN client transaction (RFC 8489 section 6.2.1), sans-I/O: it owns no
 * bytes and no timer, it only says when the request must go out again and
 * when the transaction has failed. The caller keeps the request and feeds
 * `now`.
 *
 * Over UDP the request is sent at 0, RTO, 3 RTO, 7 RTO, ... (the interval
 * doubles) for Rc sends in all, then the transaction waits Rm * RTO after
 * the last one before giving up: with RTO 500 ms, Rc 7, Rm 16 the sends are
 * at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and the timeout at 39.5 s. Over
 * TCP or TLS nothing is retransmitted and the timeout is Ti (39.5 s).
 *
 *     rtc_stun_transaction_start(&t, tid, now, NULL);  send the request
 *     on the deadline: switch (rtc_stun_transaction_poll(&t, now))
 *         RETRANSMIT: send it again; TIMED_OUT: give up
 *     on a response: if (rtc_stun_transaction_matches(&t, &msg)) finish
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/stun/stun.h"

#define RTC_STUN_NS_PER_MS 1000000ull

struct rtc_stun_rto_params {
	uint64_t rto_ns;      /* initial RTO; RFC 8489 recommends 500 ms */
	unsigned rc;          /* sends in all, the first included; 7 */
	unsigned rm;          /* last wait, in RTOs; 16 */
	bool reliable;        /* TCP/TLS: no retransmissions, timeout ti_ns */
	uint64_t ti_ns;       /* 39.5 s */
};

/* The RFC 8489 defaults above. */
extern const struct rtc_stun_rto_params rtc_stun_rto_default;

enum rtc_stun_transaction_state {
	RTC_STUN_TRANSACTION_IDLE,
	RTC_STUN_TRANSACTION_PENDING,
	RTC_STUN_TRANSACTION_DONE,       /* a response matched */
	RTC_STUN_TRANSACTION_TIMED_OUT,
};

enum rtc_stun_transaction_action {
	RTC_STUN_TRANSACTION_WAIT,        /* nothing to do before the deadline */
	RTC_STUN_TRANSACTION_RETRANSMIT,  /* send the request again now */
	RTC_STUN_TRANSACTION_TIMEOUT,     /* the transaction just failed */
};

struct rtc_stun_transaction {
	uint8_t tid[RTC_STUN_TID_LEN];
	struct rtc_stun_rto_params params;
	enum rtc_stun_transaction_state state;
	unsigned sent;            /* sends so far */
	uint64_t interval_ns;     /* wait after the latest send */
	uint64_t deadline_ns;     /* next retransmission or the timeout */
};

/* Starts the transaction for a request that the caller sends right now.
 * params may be NULL for rtc_stun_rto_default. */
void rtc_stun_transaction_start(struct rtc_stun_transaction *t,
				const uint8_t tid[RTC_STUN_TID_LEN], uint64_t now,
				const struct rtc_stun_rto_params *params);

/* Advances to now. At most one action per call: if the caller was late by
 * several intervals it retransmits once and the schedule continues from
 * now. */
enum rtc_stun_transaction_action rtc_stun_transaction_poll(struct rtc_stun_transaction *t,
							   uint64_t now);

/* When poll must be called next; UINT64_MAX when not pending. */
uint64_t rtc_stun_transaction_deadline(const struct rtc_stun_transaction *t);

/* True if msg is a success or error response carrying this transaction's
 * id while it is pending; the transaction is then DONE. Authentication of
 * the response is the caller's business. */
bool rtc_stun_transaction_matches(struct rtc_stun_transaction *t, const struct rtc_stun_msg *msg);

/* Stops a pending transaction without a response (e.g. the caller gave up). */
void rtc_stun_transaction_cancel(struct rtc_stun_transaction *t);
