/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A probe cluster's rate (see gcc-parts.h), as libwebrtc's
 * probe_bitrate_estimator.cc: the rate it was sent at (without its last
 * packet, which ends the interval) and the rate it arrived at (without its
 * first, which starts it); the smaller, or a little below the received
 * rate when that is clearly lower: the link was saturated.
 */
#include "engine/cc/gcc-parts.h"

#include <string.h>

#define MIN_RECEIVED_RATIO 0.8
#define MAX_INTERVAL 1000000000      /* ns: longer is not a probe any more */
#define MAX_RATIO 2.0                /* received faster than sent: bogus */
#define SATURATED_RATIO 0.9
#define SATURATED_UTILISATION 0.95

void rtc_cc_probe_estimator_init(struct rtc_cc_probe_estimator *e)
{
	memset(e, 0, sizeof(*e));
}

void rtc_cc_probe_estimator_start(struct rtc_cc_probe_estimator *e, const struct rtc_cc_probe *p)
{
	struct rtc_cc_probe_cluster *c = &e->clusters[e->next];

	*c = (struct rtc_cc_probe_cluster){ .probe = *p, .used = true };
	e->next = (e->next + 1) % RTC_CC_PROBE_CLUSTERS;
}

static struct rtc_cc_probe_cluster *find(struct rtc_cc_probe_estimator *e, int32_t id)
{
	for (size_t i = 0; i < RTC_CC_PROBE_CLUSTERS; i++)
		if (e->clusters[i].used && e->clusters[i].probe.id == id)
			return &e->clusters[i];
	return NULL;
}

double rtc_cc_probe_estimator_update(struct rtc_cc_probe_estimator *e,
				     const struct rtc_cc_packet_result *r)
{
	struct rtc_cc_probe_cluster *c;
	int64_t send = (int64_t)r->send_time, send_interval, receive_interval;
	double send_rate, receive_rate;
	int32_t attempt;

	if (!r->received || r->probe_cluster == RTC_CC_NO_CLUSTER)
		return -1;
	c = find(e, r->probe_cluster % RTC_CC_PROBE_ATTEMPT);
	if (!c)
		return -1;
	attempt = r->probe_cluster / RTC_CC_PROBE_ATTEMPT;
	if (attempt < c->attempt)
		return -1;                /* of an attempt the pacer gave up */
	if (attempt > c->attempt) {
		struct rtc_cc_probe probe = c->probe;

		*c = (struct rtc_cc_probe_cluster){ .probe = probe, .used = true,
						    .attempt = attempt };
	}
	if (!c->packets || send < c->first_send)
		c->first_send = send;
	if (!c->packets || send > c->last_send) {
		c->last_send = send;
		c->last_send_size = r->size;
	}
	if (!c->packets || r->arrival < c->first_arrival) {
		c->first_arrival = r->arrival;
		c->first_arrival_size = r->size;
	}
	if (!c->packets || r->arrival > c->last_arrival)
		c->last_arrival = r->arrival;
	c->bytes += r->size;
	c->packets++;
	if (c->packets < MIN_RECEIVED_RATIO * c->probe.min_packets ||
	    c->bytes < MIN_RECEIVED_RATIO * c->probe.bytes)
		return -1;
	send_interval = c->last_send - c->first_send;
	receive_interval = c->last_arrival - c->first_arrival;
	if (send_interval <= 0 || send_interval > MAX_INTERVAL || receive_interval <= 0 ||
	    receive_interval > MAX_INTERVAL)
		return -1;
	send_rate = (double)(c->bytes - c->last_send_size) * 8e9 / (double)send_interval;
	receive_rate = (double)(c->bytes - c->first_arrival_size) * 8e9 / (double)receive_interval;
	if (receive_rate > MAX_RATIO * send_rate)
		return -1;
	if (receive_rate < SATURATED_RATIO * send_rate)
		return SATURATED_UTILISATION * receive_rate;
	return send_rate < receive_rate ? send_rate : receive_rate;
}
