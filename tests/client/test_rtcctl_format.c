/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl's human forms (libclient/rtcctl/format.c): "none" for an unset
 * number, ISO 8601 local time for stats timestamps, the description summary.
 */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "rtcctl.h"

static void test_unset_numbers(void)
{
	char buf[8];

	CHECK(rtcctl_is_optional_number("org.rtcd.WebRTC1.DataChannel", "Id"));
	CHECK(rtcctl_is_optional_number("org.rtcd.WebRTC1.DataChannel", "MaxRetransmits"));
	CHECK(rtcctl_is_optional_number("org.rtcd.WebRTC1.DataChannel", "MaxPacketLifeTime"));
	/* Other 'q' properties and other interfaces keep their numbers. */
	CHECK(!rtcctl_is_optional_number("org.rtcd.WebRTC1.DataChannel", "Label"));
	CHECK(!rtcctl_is_optional_number("org.rtcd.WebRTC1.PeerConnection", "Id"));
	CHECK(!rtcctl_is_optional_number(NULL, "Id"));
	CHECK_STREQ(rtcctl_optional_number_text(0xffff, buf), "none");
	CHECK_STREQ(rtcctl_optional_number_text(0, buf), "0");
	CHECK_STREQ(rtcctl_optional_number_text(65534, buf), "65534");
}

static void test_timestamp_keys(void)
{
	CHECK(rtcctl_is_timestamp_key("timestamp"));
	CHECK(rtcctl_is_timestamp_key("remoteTimestamp"));
	CHECK(rtcctl_is_timestamp_key("lastPacketReceivedTimestamp"));
	CHECK(!rtcctl_is_timestamp_key("Timestamp"));
	CHECK(!rtcctl_is_timestamp_key("bytesSent"));
}

static void test_timestamps(void)
{
	char buf[48];

	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_STREQ(rtcctl_format_timestamp(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000+00:00");
	/* The example, 1796597232850.816 ms. */
	CHECK_STREQ(rtcctl_format_timestamp(1796597232850.816, buf, sizeof(buf)),
		    "2026-12-06T22:47:12.851+00:00");
	/* Rounding into the next second carries. */
	CHECK_STREQ(rtcctl_format_timestamp(1999.6, buf, sizeof(buf)),
		    "1970-01-01T00:00:02.000+00:00");

	/* Local time, with a half-hour offset written as ISO 8601 wants. */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	CHECK_STREQ(rtcctl_format_timestamp(1796597232850.816, buf, sizeof(buf)),
		    "2026-12-07T04:17:12.851+05:30");
	setenv("TZ", "EST5", 1);
	tzset();
	CHECK_STREQ(rtcctl_format_timestamp(1796597232850.816, buf, sizeof(buf)),
		    "2026-12-06T17:47:12.851-05:00");

	/* Not a time: the number stays, with its unit. */
	CHECK_STREQ(rtcctl_format_timestamp(-1, buf, sizeof(buf)), "-1 ms");
	CHECK_STREQ(rtcctl_format_timestamp(1e300, buf, sizeof(buf)), "1e+300 ms");
}

static void test_descriptions(void)
{
	char buf[96];

	CHECK_STREQ(rtcctl_describe_description("", "", buf, sizeof(buf)), "none");
	CHECK_STREQ(rtcctl_describe_description("offer", "v=0\r\nm=application 9\r\n", buf,
						sizeof(buf)), "offer, 0 candidates");
	CHECK_STREQ(rtcctl_describe_description(
			    "answer", "v=0\r\na=candidate:0 1 udp 1 127.0.0.1 9 typ host\r\n",
			    buf, sizeof(buf)), "answer, 1 candidate");
	CHECK_STREQ(rtcctl_describe_description(
			    "offer", "v=0\r\na=candidate:0 1 udp 1 127.0.0.1 9 typ host\r\n"
			    "a=candidate:1 1 udp 1 ::1 9 typ host\r\na=end-of-candidates\r\n",
			    buf, sizeof(buf)), "offer, 2 candidates, end-of-candidates");
}

int main(void)
{
	RUN(test_unset_numbers);
	RUN(test_timestamp_keys);
	RUN(test_timestamps);
	RUN(test_descriptions);
	return rtc_test_done();
}
