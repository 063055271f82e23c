/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Results from the shared codec worker pool back to the sender or receiver
 * that submitted the job. Each of them gives the pool a pointer to its
 * sink as the worker stream's user pointer, so the owner of the pool (the
 * reactor) routes every result without knowing who made it:
 *
 *     on rtc_worker_pool_fd readable:
 *             while (rtc_worker_pool_poll(pool, &res)) rtc_media_result_dispatch(&res);
 *
 * A pool shared with other kinds of users must tell its own results apart
 * by res.user before calling this.
 */
#pragma once

#include "media/codec/worker-pool.h"

struct rtc_media_result_sink {
	/* Takes the result (releases it). */
	void (*handle)(struct rtc_media_result_sink *sink, struct rtc_worker_result *res);
};

/* Hands res to the sink its user pointer names (res is released then). */
void rtc_media_result_dispatch(struct rtc_worker_result *res);
