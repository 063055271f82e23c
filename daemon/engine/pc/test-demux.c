/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "check.h"
#include "engine/pc/demux.h"

static enum rtc_packet_kind first(uint8_t b0, uint8_t b1)
{
	uint8_t p[2] = { b0, b1 };

	return rtc_demux_classify(p, 2);
}

/* The boundaries of RFC 7983 section 7's figure (unchanged by RFC 9443 for
 * a receiver without QUIC): [0..3] STUN, [16..19] ZRTP, [20..63] DTLS,
 * [64..79] TURN Channel, [128..191] RTP/RTCP; any other first byte is
 * dropped. Each value is written out from the RFC, not computed. */
static void test_rfc7983_ranges(void)
{
	static const struct {
		uint8_t first_byte;
		enum rtc_packet_kind kind;
	} rfc[] = {
		{ 0, RTC_PACKET_STUN },
		{ 3, RTC_PACKET_STUN },
		{ 4, RTC_PACKET_UNKNOWN },
		{ 15, RTC_PACKET_UNKNOWN },
		{ 16, RTC_PACKET_ZRTP },
		{ 19, RTC_PACKET_ZRTP },
		{ 20, RTC_PACKET_DTLS },
		{ 63, RTC_PACKET_DTLS },
		{ 64, RTC_PACKET_TURN_CHANNEL },
		{ 79, RTC_PACKET_TURN_CHANNEL },
		{ 80, RTC_PACKET_UNKNOWN },
		{ 127, RTC_PACKET_UNKNOWN },
		{ 128, RTC_PACKET_RTP },
		{ 191, RTC_PACKET_RTP },
		{ 192, RTC_PACKET_UNKNOWN },
		{ 255, RTC_PACKET_UNKNOWN },
	};

	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		if (first(rfc[i].first_byte, 96) != rfc[i].kind)
			printf("# first byte %u\n", rfc[i].first_byte);
		CHECK_INTEQ(first(rfc[i].first_byte, 96), rfc[i].kind);
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
