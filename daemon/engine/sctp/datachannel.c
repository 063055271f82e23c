/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/sctp/datachannel.h"

#include <string.h>

void rtc_dc_init_default(struct rtc_dc_init *init)
{
	*init = (struct rtc_dc_init){
		.ordered = true,
		.max_packet_life_time = RTC_DC_UNSET,
		.max_retransmits = RTC_DC_UNSET,
		.negotiated = false,
		.id = RTC_DC_UNSET,
		.protocol = "",
	};
}

int rtc_dc_init_validate(const char *label, const struct rtc_dc_init *init,
			 struct rtc_error *err)
{
	if (strlen(label) > RTC_DC_MAX_STRING)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "label is longer than %u bytes", RTC_DC_MAX_STRING);
	if (strlen(init->protocol) > RTC_DC_MAX_STRING)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "protocol is longer than %u bytes", RTC_DC_MAX_STRING);
	if (init->max_packet_life_time != RTC_DC_UNSET && init->max_retransmits != RTC_DC_UNSET)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "max-packet-life-time and max-retransmits are exclusive");
	if (init->negotiated && init->id == RTC_DC_UNSET)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "a negotiated channel needs an id");
	return 0;
}

const char *rtc_dc_state_name(enum rtc_dc_state state)
{
	switch (state) {
	case RTC_DC_CONNECTING: return "connecting";
	case RTC_DC_OPEN: return "open";
	case RTC_DC_CLOSING: return "closing";
	case RTC_DC_CLOSED: return "closed";
	}
	return "closed";
}
