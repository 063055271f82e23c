/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of the programs that run inside the test VM: loopback UDP pairs,
 * the four send paths, receiving with the SO_MARK control message, and
 * libsrtp2 sessions as the reference implementation.
 */
#pragma once

#include <srtp2/srtp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offload/kernel.h"

#define KT_MARK 0x72746364u
#define KT_MAX_PACKET 1500

/* Two UDP sockets on 127.0.0.1 connected to each other. */
void kt_udp_pair(int *a, int *b);

enum kt_send_path {
	KT_SENDMSG,
	KT_SENDMMSG,
	KT_URING_SEND,
	KT_URING_SEND_ZC,
	KT_SEND_PATHS
};
const char *kt_send_path_name(enum kt_send_path path);
/* Bytes the call reported, or -errno. */
ssize_t kt_send(enum kt_send_path path, int fd, const void *buf, size_t len);

/*
 * Next datagram within a second; *marked tells whether it carried our mark.
 * Returns its length, or -ETIMEDOUT / -errno.
 */
ssize_t kt_recv(int fd, uint8_t *buf, size_t cap, bool *marked);
/* True if nothing arrives within a short while. */
bool kt_recv_nothing(int fd);

struct kt_keys {
	enum rtc_srtp_profile profile;
	struct rtc_srtp_master master;
};
void kt_random_keys(struct kt_keys *k, enum rtc_srtp_profile profile);
void kt_fixed_keys(struct kt_keys *k, enum rtc_srtp_profile profile, const uint8_t *key,
		   const uint8_t *salt);

/* A libsrtp2 session for one SSRC; outbound protects, inbound unprotects. */
srtp_t kt_srtp_session(const struct kt_keys *k, uint32_t ssrc, bool outbound, uint32_t roc);

struct rtc_offload_kernel *kt_kernel(void);
/* Attach fd and give it one stream; aborts the program on failure. */
void kt_attach(int fd);
int kt_add_stream(int fd, const struct kt_keys *k, uint32_t ssrc,
		  enum rtc_offload_direction dir, uint32_t roc, uint32_t srtcp_index,
		  bool session_keys);

/* An RTP packet: V=2, payload type 96, given seq/ssrc, payload_len random bytes. */
size_t kt_rtp_packet(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload_len);
/* An RTCP receiver report of given length (multiple of 4, >= 8). */
size_t kt_rtcp_packet(uint8_t *buf, uint32_t ssrc, size_t len);
void kt_random_bytes(void *buf, size_t len);
double kt_now(void);
