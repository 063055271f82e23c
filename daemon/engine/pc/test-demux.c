/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "check.h"
#include "engine/pc/demux.h"

static enum rtc_packet_kind first(uint8_t b0, uint8_t b1)
{
	uint8_t p[2] = { b0, b1 };

	return rtc_demux_classify(p, 2);
}

/* Every first byte, against the ranges of RFC 7983 section 7 and RFC 8656. */
static void test_rfc7983_ranges(void)
{
	for (int b = 0; b < 256; b++) {
		enum rtc_packet_kind want =
			b <= 3 ? RTC_PACKET_STUN :
			b >= 16 && b <= 19 ? RTC_PACKET_ZRTP :
			b >= 20 && b <= 63 ? RTC_PACKET_DTLS :
			b >= 64 && b <= 79 ? RTC_PACKET_TURN_CHANNEL :
			b >= 128 && b <= 191 ? RTC_PACKET_RTP : RTC_PACKET_UNKNOWN;
		CHECK_INTEQ(first((uint8_t)b, 96), want);
	}
}

static void test_rtp_rtcp_mux(void)
{
	/* RFC 5761 section 4: RTCP SR=200, RR=201, SDES=202, BYE=203, APP=204,
	 * RTPFB=205, PSFB=206, XR=207 — and the whole 192..223 block. */
	for (int pt = 192; pt <= 223; pt++)
		CHECK_INTEQ(first(0x80, (uint8_t)pt), RTC_PACKET_RTCP);
	/* RTP with and without the marker bit. */
	CHECK_INTEQ(first(0x80, 111), RTC_PACKET_RTP);
	CHECK_INTEQ(first(0x80, 0x80 | 96), RTC_PACKET_RTP);
	CHECK_INTEQ(first(0x90, 0), RTC_PACKET_RTP);
	CHECK_INTEQ(first(0x80, 191), RTC_PACKET_RTP);
	CHECK_INTEQ(first(0x80, 224), RTC_PACKET_RTP);
}

static void test_short_input(void)
{
	uint8_t b = 0x80;

	CHECK_INTEQ(rtc_demux_classify(NULL, 0), RTC_PACKET_UNKNOWN);
	CHECK_INTEQ(rtc_demux_classify(&b, 1), RTC_PACKET_UNKNOWN);
	b = 0x16; /* a DTLS handshake record's content type, 22 */
	CHECK_INTEQ(rtc_demux_classify(&b, 1), RTC_PACKET_DTLS);
	CHECK_STREQ(rtc_packet_kind_name(RTC_PACKET_TURN_CHANNEL), "turn-channel");
}

int main(void)
{
	RUN(test_rfc7983_ranges);
	RUN(test_rtp_rtcp_mux);
	RUN(test_short_input);
	return rtc_test_done();
}
