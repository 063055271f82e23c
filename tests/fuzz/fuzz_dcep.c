/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DCEP messages come straight from the peer. Whatever the decoder accepts
 * must lie within the input and re-encode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sctp/dcep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_dcep_message msg;
	struct rtc_error err = { 0 };
	uint8_t *again;
	long len;

	if (rtc_dcep_decode(data, size, &msg, &err) < 0) {
		if (err.message[0] == '\0')
			abort();   /* every refusal says why */
		return 0;
	}
	if (msg.type != RTC_DCEP_OPEN)
		return 0;
	if (!rtc_dcep_string_is_valid(msg.open.label, msg.open.label_len) ||
	    !rtc_dcep_string_is_valid(msg.open.protocol, msg.open.protocol_len))
		abort();
	if (msg.open.reliability == RTC_DCEP_RELIABLE)
		return 0;   /* its parameter was ignored: bytes 4..7 need not survive */
	again = malloc(size);
	if (!again)
		return 0;
	len = rtc_dcep_encode_open(&msg.open, again, size, &err);
	if (len != (long)size || memcmp(again, data, size) != 0)
		abort();
	free(again);
	return 0;
}
