/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipeline/result-sink.h"

void rtc_media_result_dispatch(struct rtc_worker_result *res)
{
	struct rtc_media_result_sink *sink = res->user;

	if (!sink) {
		rtc_worker_result_release(res);
		return;
	}
	sink->handle(sink, res);
}
