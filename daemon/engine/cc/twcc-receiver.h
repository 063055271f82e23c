/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The receive side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): the arrival time
 * of every media packet with a transport-cc sequence number is recorded,
 * and reported back in feedback messages every RTC_TWCC_FEEDBACK_INTERVAL,
 * or at once when RTC_TWCC_FEEDBACK_PENDING packets wait.
 *
 * A message covers the sequence numbers from the first not yet reported
 * to the highest received; its reference time is the first reported
 * arrival, rounded down to 64 ms; deltas are rounded to 250 µs with the
 * rounding carried, so arrival times do not drift. A message ends early
 * when a delta would not fit 16 bits or it would grow past an MTU; the
 * rest goes in the next. A packet arriving after its number was reported
 * (lost, in an earlier message) is too late and only counted.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/rtcp/rtcp.h"

#define RTC_TWCC_FEEDBACK_INTERVAL 50000000ull   /* 50 ms */
#define RTC_TWCC_FEEDBACK_PENDING 100u
#define RTC_TWCC_RECEIVER_WINDOW 4096u            /* a power of two */
#define RTC_TWCC_MAX_STATUSES 1000u               /* per message: fits an MTU */
#define RTC_TWCC_MAX_RECEIVED 300u

struct rtc_twcc_receiver {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	bool started;
	uint64_t max_seq;          /* extended highest received */
	uint64_t next_seq;         /* extended first not yet reported */
	uint64_t pending;          /* received, not yet reported */
	uint64_t last_feedback;    /* when the last message went */
	bool feedback_due;         /* the interval ran out, or many pending */
	uint8_t fb_count;
	uint64_t late;             /* arrived after being reported */
	uint64_t duplicates;
	uint64_t forgotten;        /* fell out of the window unreported */
	int64_t arrival[RTC_TWCC_RECEIVER_WINDOW];   /* ns; -1: not received */
	struct rtc_rtcp_twcc_packet out[RTC_TWCC_MAX_RECEIVED];
};

void rtc_twcc_receiver_init(struct rtc_twcc_receiver *r, uint32_t sender_ssrc,
			    uint32_t media_ssrc);

/* A media packet with transport-wide sequence number seq arrived now. */
void rtc_twcc_receiver_handle_packet(struct rtc_twcc_receiver *r, uint64_t now, uint16_t seq);

/* deadline() is when the next message falls due (RTC_NEVER with nothing
 * to report); a time already past means one is due: poll it. */
void rtc_twcc_receiver_handle_timeout(struct rtc_twcc_receiver *r, uint64_t now);
uint64_t rtc_twcc_receiver_deadline(const struct rtc_twcc_receiver *r);

/* The next feedback message, as an RTCP item for rtc_rtcp_write (with
 * others in a compound, or alone); false when none is due. Its received
 * array is r's own and valid until the next call. */
bool rtc_twcc_receiver_poll_feedback(struct rtc_twcc_receiver *r, uint64_t now,
				     struct rtc_rtcp_item *item);
