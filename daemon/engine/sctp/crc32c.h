/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CRC32c (Castagnoli), the SCTP checksum (RFC 9260 appendix A), with the
 * CPU's crc32 instruction where it has one.
 *
 * Why not usrsctp's: its table loop was 10-13% of a daemon's CPU in a
 * bulk transfer; the instruction does 8 bytes a cycle. usrsctp is told the
 * checksum is "offloaded" (sctp-stack.c) and this fills it in instead.
 */
#ifndef RTC_ENGINE_CRC32C_H
#define RTC_ENGINE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The finished CRC32c of data (initial value and final XOR applied): the
 * value RFC 9260's check gives, e.g. 0x8a9136aa for 32 zero bytes. */
uint32_t rtc_crc32c(const void *data, size_t len);

/* Fills in an SCTP packet's checksum field (bytes 8..11, the CRC's low
 * byte first as RFC 9260 appendix A stores it). Shorter packets are left
 * alone: they are no SCTP packet. */
void rtc_crc32c_sctp_fill(uint8_t *packet, size_t len);

#endif
