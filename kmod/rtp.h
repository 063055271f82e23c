/* SPDX-License-Identifier: GPL-2.0 */
/* Just enough of RTP (RFC 3550) and RFC 5761/7983 demultiplexing. */
#ifndef RTCD_RTP_H
#define RTCD_RTP_H

#include <linux/types.h>
#include <asm/unaligned.h>

enum rtcd_packet_kind {
	RTCD_PACKET_OTHER,	/* STUN, DTLS, anything not RTP version 2 */
	RTCD_PACKET_RTP,
	RTCD_PACKET_RTCP,
};

#define RTCD_RTP_HEADER_MIN	12
#define RTCD_RTCP_HEADER_LEN	8

/*
 * RFC 7983: first byte 128..191 is RTP or RTCP; RFC 5761: payload types
 * 64..95 (with the marker bit) are RTCP packet types 192..223.
 */
static inline enum rtcd_packet_kind rtcd_packet_classify(const u8 *p, size_t len)
{
	if (len < RTCD_RTCP_HEADER_LEN || (p[0] & 0xc0) != 0x80)
		return RTCD_PACKET_OTHER;
	if (p[1] >= 192 && p[1] <= 223)
		return RTCD_PACKET_RTCP;
	return len >= RTCD_RTP_HEADER_MIN ? RTCD_PACKET_RTP : RTCD_PACKET_OTHER;
}

/* Both RTP and RTCP carry the (sender) SSRC at octet 4 when classified. */
static inline u32 rtcd_packet_ssrc(const u8 *p, enum rtcd_packet_kind kind)
{
	return get_unaligned_be32(p + (kind == RTCD_PACKET_RTP ? 8 : 4));
}

static inline u16 rtcd_rtp_seq(const u8 *p)
{
	return get_unaligned_be16(p + 2);
}

/*
 * Length of the RTP header with CSRCs and the extension, which SRTP leaves
 * in clear; 0 if it does not fit in len.
 */
static inline size_t rtcd_rtp_header_len(const u8 *p, size_t len)
{
	size_t hlen = RTCD_RTP_HEADER_MIN + 4 * (p[0] & 0x0f);

	if (hlen > len)
		return 0;
	if (p[0] & 0x10) {
		if (hlen + 4 > len)
			return 0;
		hlen += 4 + 4 * (size_t)get_unaligned_be16(p + hlen + 2);
		if (hlen > len)
			return 0;
	}
	return hlen;
}

#endif
