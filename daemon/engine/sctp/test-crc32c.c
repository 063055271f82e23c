/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CRC32c: the check values of RFC 3720 B.4 (iSCSI uses the same CRC), and
 * agreement with usrsctp's own on random SCTP packets of every length and
 * alignment, so a packet it checks still passes.
 */
#include <stdlib.h>
#include <string.h>

#include <usrsctp.h>

#include "check.h"
#include "engine/sctp/crc32c.h"

static void test_rfc3720_vectors(void)
{
	uint8_t buf[48];

	memset(buf, 0, 32);
	CHECK_INTEQ(rtc_crc32c(buf, 32), 0x8a9136aau);
	memset(buf, 0xff, 32);
	CHECK_INTEQ(rtc_crc32c(buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CHECK_INTEQ(rtc_crc32c(buf, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	CHECK_INTEQ(rtc_crc32c(buf, 32), 0x113fdb5cu);
	/* An iSCSI read command PDU (B.4's last example). */
	static const uint8_t pdu[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	CHECK_INTEQ(rtc_crc32c(pdu, sizeof(pdu)), 0xd9963a56u);
	CHECK_INTEQ(rtc_crc32c("", 0), 0u);
}

static void test_same_as_usrsctp(void)
{
	uint8_t buf[1300 + 8];
	uint32_t seed = 12345;

	for (size_t len = 12; len <= 1300; len += 7) {
		for (size_t offset = 0; offset < 8; offset += 3) {
			uint8_t *p = buf + offset;
			uint8_t ours[4];

			for (size_t i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				p[i] = (uint8_t)(seed >> 16);
			}
			rtc_crc32c_sctp_fill(p, len);
			memcpy(ours, p + 8, 4);
			memset(p + 8, 0, 4);
			uint32_t theirs = usrsctp_crc32c(p, len);
			CHECK(memcmp(ours, &theirs, 4) == 0);
		}
	}
	/* Too short to be SCTP: untouched. */
	memset(buf, 0x55, 11);
	rtc_crc32c_sctp_fill(buf, 11);
	CHECK(buf[8] == 0x55 && buf[10] == 0x55);
}

int main(void)
{
	RUN(test_rfc3720_vectors);
	RUN(test_same_as_usrsctp);
	return rtc_test_done();
}
