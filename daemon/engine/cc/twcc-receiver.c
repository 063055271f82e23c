/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Receive-side transport-wide feedback: see twcc-receiver.h.
 */
#include "engine/cc/twcc-receiver.h"

#include "engine/base/sansio.h"

#include <string.h>

#define REF_UNIT_NS INT64_C(64000000)
#define DELTA_UNIT_NS INT64_C(250000)
/* Extended numbers start here, so a packet reordered before the first
 * one received still has a number. */
#define FIRST_EXT (UINT64_C(1) << 32)

void rtc_twcc_receiver_init(struct rtc_twcc_receiver *r, uint32_t sender_ssrc,
			    uint32_t media_ssrc)
{
	memset(r, 0, sizeof(*r));
	r->sender_ssrc = sender_ssrc;
	r->media_ssrc = media_ssrc;
	for (size_t i = 0; i < RTC_TWCC_RECEIVER_WINDOW; i++)
		r->arrival[i] = -1;
}

static int64_t *slot(struct rtc_twcc_receiver *r, uint64_t seq)
{
	return &r->arrival[seq & (RTC_TWCC_RECEIVER_WINDOW - 1)];
}

/* The window moves up to end at seq: what falls out unreported is
 * forgotten, the slots taken over are cleared. */
static void advance(struct rtc_twcc_receiver *r, uint64_t seq)
{
	uint64_t from, floor = seq - RTC_TWCC_RECEIVER_WINDOW + 1;

	if (r->next_seq < floor) {
		from = floor - r->next_seq > RTC_TWCC_RECEIVER_WINDOW ? floor - RTC_TWCC_RECEIVER_WINDOW
								      : r->next_seq;
		for (uint64_t s = from; s < floor; s++) {
			if (*slot(r, s) >= 0) {
				r->pending--;
				r->forgotten++;
			}
		}
		r->next_seq = floor;
	}
	from = seq - r->max_seq > RTC_TWCC_RECEIVER_WINDOW ? seq - RTC_TWCC_RECEIVER_WINDOW + 1
							    : r->max_seq + 1;
	for (uint64_t s = from; s <= seq; s++)
		*slot(r, s) = -1;
	r->max_seq = seq;
}

void rtc_twcc_receiver_handle_packet(struct rtc_twcc_receiver *r, uint64_t now, uint16_t seq)
{
	uint64_t ext;

	if (!r->started) {
		r->started = true;
		ext = FIRST_EXT + seq;
		r->max_seq = ext;
		r->next_seq = ext;
		r->last_feedback = now;
	} else {
		ext = r->max_seq + (uint64_t)(int64_t)(int16_t)(seq - (uint16_t)r->max_seq);
	}
	if (ext < r->next_seq) {
		r->late++;
		return;
	}
	if (ext > r->max_seq)
		advance(r, ext);
	if (*slot(r, ext) >= 0) {
		r->duplicates++;
		return;
	}
	*slot(r, ext) = (int64_t)now;
	r->pending++;
	if (r->pending >= RTC_TWCC_FEEDBACK_PENDING)
		r->feedback_due = true;
}

void rtc_twcc_receiver_handle_timeout(struct rtc_twcc_receiver *r, uint64_t now)
{
	if (r->pending && now >= r->last_feedback + RTC_TWCC_FEEDBACK_INTERVAL)
		r->feedback_due = true;
}

uint64_t rtc_twcc_receiver_deadline(const struct rtc_twcc_receiver *r)
{
	if (!r->pending)
		return RTC_NEVER;
	if (r->feedback_due)
		return r->last_feedback;   /* already due */
	return r->last_feedback + RTC_TWCC_FEEDBACK_INTERVAL;
}

/* ns to 250 µs ticks, rounded to nearest (halves away from zero). */
static int64_t to_ticks(int64_t ns)
{
	return ns >= 0 ? (ns + DELTA_UNIT_NS / 2) / DELTA_UNIT_NS
		       : -((-ns + DELTA_UNIT_NS / 2) / DELTA_UNIT_NS);
}

bool rtc_twcc_receiver_poll_feedback(struct rtc_twcc_receiver *r, uint64_t now,
				     struct rtc_rtcp_item *item)
{
	struct rtc_rtcp_twcc *fb = &item->twcc;
	uint64_t seq = r->next_seq;
	int64_t ref = -1, last = 0;
	size_t received = 0;

	if (!r->feedback_due || !r->pending)
		return false;
	memset(item, 0, sizeof(*item));
	item->type = RTC_RTCP_TWCC;
	for (; seq <= r->max_seq && seq - r->next_seq < RTC_TWCC_MAX_STATUSES &&
	       received < RTC_TWCC_MAX_RECEIVED; seq++) {
		int64_t at = *slot(r, seq), ticks;

		if (at < 0)
			continue;
		if (ref < 0) {
			ref = at / REF_UNIT_NS;
			last = ref * REF_UNIT_NS;
		}
		ticks = to_ticks(at - last);
		if (ticks < INT16_MIN || ticks > INT16_MAX)
			break;   /* the rest in the next message */
		last += ticks * DELTA_UNIT_NS;
		r->out[received++] = (struct rtc_rtcp_twcc_packet){
			.seq = (uint16_t)seq,
			.delta = (int32_t)ticks,
		};
	}
	if (ref < 0)
		ref = (int64_t)(now / REF_UNIT_NS);
	fb->sender_ssrc = r->sender_ssrc;
	fb->media_ssrc = r->media_ssrc;
	fb->base_seq = (uint16_t)r->next_seq;
	fb->status_count = (uint16_t)(seq - r->next_seq);
	/* 24 bits, as the signed field the writer takes. */
	fb->reference_time = (int32_t)(((uint32_t)ref & 0xffffffu) ^ 0x800000u) - 0x800000;
	fb->fb_count = r->fb_count++;
	fb->received_count = received;
	fb->received = r->out;
	r->next_seq = seq;
	r->pending -= received;
	if (!r->pending) {
		r->feedback_due = false;
		r->last_feedback = now;
	}
	return true;
}
