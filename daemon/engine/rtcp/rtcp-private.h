/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Between the compound parser/writer (rtcp.c) and the files of each packet
 * type. A parser gets one packet's body (after the 4-byte header, before
 * any padding) and its 5-bit count/FMT; a writer's size function checks
 * the item and says how long the body is, then its body writer fills
 * exactly that many bytes.
 */
#pragma once

#include "engine/rtcp/rtcp.h"

struct rtc_rtcp_view {
	uint8_t count;                /* RC, SC or FMT */
	uint8_t type;
	const uint8_t *body;
	size_t len;                   /* a multiple of 4 less any padding */
};

#define RTC_RTCP_REPORT_BLOCK_SIZE 24u

/* Most parsers fill *item and return 0 or -1; parse_feedback may return 1
 * for a feedback message it does not know (skipped, like an unknown type). */
int rtc_rtcp_parse_sr(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		      struct rtc_rtcp_item *item, struct rtc_error *err);
int rtc_rtcp_parse_rr(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		      struct rtc_rtcp_item *item, struct rtc_error *err);
int rtc_rtcp_parse_sdes(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
			struct rtc_rtcp_item *item, struct rtc_error *err);
int rtc_rtcp_parse_bye(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
		       struct rtc_rtcp_item *item, struct rtc_error *err);
int rtc_rtcp_parse_feedback(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
			    struct rtc_rtcp_item *item, struct rtc_error *err);
int rtc_rtcp_parse_twcc(const struct rtc_rtcp_view *v, struct rtc_arena *arena,
			struct rtc_rtcp_item *item, struct rtc_error *err);

/* Body size of an item, or -1 with a TypeError; and its count/FMT field. */
long rtc_rtcp_report_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err);
long rtc_rtcp_sdes_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err);
long rtc_rtcp_bye_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err);
long rtc_rtcp_feedback_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err);
long rtc_rtcp_twcc_body_size(const struct rtc_rtcp_item *item, struct rtc_error *err);

void rtc_rtcp_report_write_body(const struct rtc_rtcp_item *item, uint8_t *p);
void rtc_rtcp_sdes_write_body(const struct rtc_rtcp_item *item, uint8_t *p);
void rtc_rtcp_bye_write_body(const struct rtc_rtcp_item *item, uint8_t *p);
void rtc_rtcp_feedback_write_body(const struct rtc_rtcp_item *item, uint8_t *p);
void rtc_rtcp_twcc_write_body(const struct rtc_rtcp_item *item, uint8_t *p, size_t len);

/* Sets *out to a zeroed arena array of n items of size bytes (NULL for
 * n == 0). Returns 0, or -1 with an OperationError when out of memory. */
int rtc_rtcp_alloc(struct rtc_arena *arena, size_t n, size_t size, void *out,
		   struct rtc_error *err);
