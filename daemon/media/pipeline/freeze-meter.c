/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipeline/freeze-meter.h"

#define MS_NS 1000000ull
#define SECOND_NS 1e9

/* The mean of the delays before this frame's. */
static uint64_t average_delay(const struct rtc_freeze_meter *m)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < m->count; i++)
		sum += m->delays[i];
	return sum / m->count;
}

void rtc_freeze_meter_frame(struct rtc_freeze_meter *m, uint64_t time_ns)
{
	uint64_t delay, avg;
	double seconds;

	if (!m->started || time_ns < m->last_ns) {
		/* The first frame, or a clock that went back: a new start. */
		m->started = true;
		m->last_ns = time_ns;
		m->count = m->next = 0;
		return;
	}
	delay = time_ns - m->last_ns;
	m->last_ns = time_ns;
	seconds = (double)delay / SECOND_NS;
	m->total_inter_frame_delay += seconds;
	m->total_squared_inter_frame_delay += seconds * seconds;
	if (m->count >= RTC_FREEZE_METER_MIN_SAMPLES) {
		avg = average_delay(m);
		if (delay >= 3 * avg && delay >= avg + 150 * MS_NS) {
			m->freeze_count++;
			m->total_freezes_duration += seconds;
		}
	}
	m->delays[m->next] = delay;
	m->next = (m->next + 1) % RTC_FREEZE_METER_WINDOW;
	if (m->count < RTC_FREEZE_METER_WINDOW)
		m->count++;
}
