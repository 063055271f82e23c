/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * STUN client transaction timers (RFC 8489 6.2.1 over UDP, 6.2.2 over TCP).
 */
#include "engine/stun/stun-transaction.h"

#include <string.h>

const struct rtc_stun_rto_params rtc_stun_rto_default = {
	.rto_ns = 500 * RTC_STUN_NS_PER_MS,
	.rc = 7,
	.rm = 16,
	.reliable = false,
	.ti_ns = 39500 * RTC_STUN_NS_PER_MS,
};

/* now + d without wrapping past the "never" value. */
static uint64_t add_clamped(uint64_t now, uint64_t d)
{
	return d > UINT64_MAX - 1 - now ? UINT64_MAX - 1 : now + d;
}

void rtc_stun_transaction_start(struct rtc_stun_transaction *t,
				const uint8_t tid[RTC_STUN_TID_LEN], uint64_t now,
				const struct rtc_stun_rto_params *params)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->tid, tid, RTC_STUN_TID_LEN);
	t->params = params ? *params : rtc_stun_rto_default;
	if (t->params.rc == 0)
		t->params.rc = 1;    /* the first send always happens */
	t->state = RTC_STUN_TRANSACTION_PENDING;
	t->sent = 1;
	if (t->params.reliable) {
		t->interval_ns = t->params.ti_ns;
	} else if (t->sent == t->params.rc) {
		t->interval_ns = t->params.rto_ns * t->params.rm;
	} else {
		t->interval_ns = t->params.rto_ns;
	}
	t->deadline_ns = add_clamped(now, t->interval_ns);
}

enum rtc_stun_transaction_action rtc_stun_transaction_poll(struct rtc_stun_transaction *t,
							   uint64_t now)
{
	if (t->state != RTC_STUN_TRANSACTION_PENDING || now < t->deadline_ns)
		return RTC_STUN_TRANSACTION_WAIT;
	if (t->params.reliable || t->sent >= t->params.rc) {
		t->state = RTC_STUN_TRANSACTION_TIMED_OUT;
		return RTC_STUN_TRANSACTION_TIMEOUT;
	}
	t->sent++;
	/* After the last send the wait is Rm * RTO, not another doubling. */
	if (t->sent == t->params.rc)
		t->interval_ns = t->params.rto_ns * t->params.rm;
	else
		t->interval_ns = t->interval_ns > UINT64_MAX / 2 ? UINT64_MAX / 2
								  : t->interval_ns * 2;
	t->deadline_ns = add_clamped(now, t->interval_ns);
	return RTC_STUN_TRANSACTION_RETRANSMIT;
}

uint64_t rtc_stun_transaction_deadline(const struct rtc_stun_transaction *t)
{
	return t->state == RTC_STUN_TRANSACTION_PENDING ? t->deadline_ns : UINT64_MAX;
}

bool rtc_stun_transaction_matches(struct rtc_stun_transaction *t, const struct rtc_stun_msg *msg)
{
	if (t->state != RTC_STUN_TRANSACTION_PENDING)
		return false;
	if (msg->cls != RTC_STUN_SUCCESS && msg->cls != RTC_STUN_ERROR)
		return false;
	if (memcmp(t->tid, msg->tid, RTC_STUN_TID_LEN) != 0)
		return false;
	t->state = RTC_STUN_TRANSACTION_DONE;
	return true;
}

void rtc_stun_transaction_cancel(struct rtc_stun_transaction *t)
{
	if (t->state == RTC_STUN_TRANSACTION_PENDING)
		t->state = RTC_STUN_TRANSACTION_IDLE;
}
