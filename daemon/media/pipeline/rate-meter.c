/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipeline/rate-meter.h"

#define SECOND_NS 1000000000ull

void rtc_rate_meter_add(struct rtc_rate_meter *m, uint64_t time_ns)
{
	m->times[m->next] = time_ns;
	m->next = (m->next + 1) % RTC_RATE_METER_SLOTS;
	if (m->count < RTC_RATE_METER_SLOTS)
		m->count++;
}

double rtc_rate_meter_fps(const struct rtc_rate_meter *m)
{
	unsigned n = 0, i;
	uint64_t newest;

	if (!m->count)
		return 0;
	newest = m->times[(m->next + RTC_RATE_METER_SLOTS - 1) % RTC_RATE_METER_SLOTS];
	/* Newest first, until one is a second old (or older). */
	for (i = 0; i < m->count; i++) {
		uint64_t t = m->times[(m->next + RTC_RATE_METER_SLOTS - 1 - i) % RTC_RATE_METER_SLOTS];

		if (t > newest || newest - t >= SECOND_NS)
			break;
		n++;
	}
	return n;
}
