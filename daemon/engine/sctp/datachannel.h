/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTCDataChannelInit as W3C defines it, validated the way
 * RTCPeerConnection.createDataChannel() does, and the channel's readyState.
 * The protocol side (DCEP, SCTP streams) builds on these.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* "Not set" for id, maxPacketLifeTime and maxRetransmits on the bus (the
 * contract's 0xffff), since a D-Bus q cannot be null. */
#define RTC_DC_UNSET 0xffffu

/* W3C caps both strings at 65535 bytes (DCEP carries 16-bit lengths). */
#define RTC_DC_MAX_STRING 65535u

struct rtc_dc_init {
	bool ordered;                /* default true */
	uint16_t max_packet_life_time; /* RTC_DC_UNSET = not set */
	uint16_t max_retransmits;      /* RTC_DC_UNSET = not set */
	bool negotiated;
	uint16_t id;                   /* RTC_DC_UNSET = not set (chosen by DTLS role) */
	const char *protocol;          /* never NULL after rtc_dc_init_default */
};

enum rtc_dc_state {
	RTC_DC_CONNECTING,
	RTC_DC_OPEN,
	RTC_DC_CLOSING,
	RTC_DC_CLOSED,
};

void rtc_dc_init_default(struct rtc_dc_init *init);

/* The checks of createDataChannel(), in W3C order: label and protocol length
 * (TypeError), both maxPacketLifeTime and maxRetransmits (TypeError),
 * negotiated without id (TypeError), id 65535 (TypeError). Returns 0 or -1. */
int rtc_dc_init_validate(const char *label, const struct rtc_dc_init *init,
			 struct rtc_error *err);

/* "connecting" | "open" | "closing" | "closed" */
const char *rtc_dc_state_name(enum rtc_dc_state state);
