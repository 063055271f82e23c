/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "check.h"
#include "engine/sctp/datachannel.h"

static void test_defaults_valid(void)
{
	struct rtc_dc_init init;
	struct rtc_error err = { 0 };

	rtc_dc_init_default(&init);
	CHECK(init.ordered);
	CHECK_INTEQ(init.id, RTC_DC_UNSET);
	CHECK(rtc_dc_init_validate("chat", &init, &err) == 0);
	CHECK(rtc_dc_init_validate("", &init, &err) == 0);
}

static void test_w3c_type_errors(void)
{
	struct rtc_dc_init init;
	struct rtc_error err = { 0 };
	static char long_label[RTC_DC_MAX_STRING + 2];

	rtc_dc_init_default(&init);
	init.max_retransmits = 0;
	init.max_packet_life_time = 100;
	CHECK(rtc_dc_init_validate("x", &init, &err) < 0);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);

	rtc_dc_init_default(&init);
	init.negotiated = true;
	CHECK(rtc_dc_init_validate("x", &init, &err) < 0);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	init.id = 0;
	CHECK(rtc_dc_init_validate("x", &init, &err) == 0);

	memset(long_label, 'a', RTC_DC_MAX_STRING);
	rtc_dc_init_default(&init);
	CHECK(rtc_dc_init_validate(long_label, &init, &err) == 0);
	long_label[RTC_DC_MAX_STRING] = 'a';
	CHECK(rtc_dc_init_validate(long_label, &init, &err) < 0);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	init.protocol = long_label;
	CHECK(rtc_dc_init_validate("x", &init, &err) < 0);
}

static void test_state_names(void)
{
	CHECK_STREQ(rtc_dc_state_name(RTC_DC_CONNECTING), "connecting");
	CHECK_STREQ(rtc_dc_state_name(RTC_DC_OPEN), "open");
	CHECK_STREQ(rtc_dc_state_name(RTC_DC_CLOSING), "closing");
	CHECK_STREQ(rtc_dc_state_name(RTC_DC_CLOSED), "closed");
}

int main(void)
{
	RUN(test_defaults_valid);
	RUN(test_w3c_type_errors);
	RUN(test_state_names);
	return rtc_test_done();
}
