/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Client of the rtcd_srtp kernel module's generic netlink family
 * (kmod/uapi/rtcd_srtp.h): attach our UDP sockets, install and remove SRTP
 * streams, read their counters. Blocking request/acknowledge exchanges on a
 * netlink socket of its own, done only when keys change, never per packet.
 * Every call returns 0 or a negative errno.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine/dtls/srtp-keys.h"

struct rtc_offload_kernel;

enum rtc_offload_direction {
	RTC_OFFLOAD_RECEIVE = 1,
	RTC_OFFLOAD_SEND = 2,
};

/* -ENOENT if the family is not there (module absent), -EPROTO if its version is not ours. */
int rtc_offload_kernel_open(struct rtc_offload_kernel **out);
void rtc_offload_kernel_close(struct rtc_offload_kernel *k);
/* The kernel's explanation of the last failure, or "". */
const char *rtc_offload_kernel_error(const struct rtc_offload_kernel *k);

/*
 * mark: non-zero; decrypted packets carry it (read it with SO_RCVMARK as an
 * SO_MARK control message). This call enables SO_RCVMARK on fd.
 */
int rtc_offload_kernel_attach(struct rtc_offload_kernel *k, int fd, uint32_t mark);
int rtc_offload_kernel_detach(struct rtc_offload_kernel *k, int fd);

struct rtc_offload_stream {
	uint32_t ssrc;
	enum rtc_offload_direction direction;
	const struct rtc_srtp_master *master;
	uint32_t roc;
	uint16_t replay_window;		/* 0: the kernel's default (128) */
	uint32_t srtcp_index;		/* send: last index used, 0 for a new stream */
	bool session_keys;		/* GCM only: master is the session key (test vectors) */
};

/*
 * NULL if the module's UAPI can carry this master, or why not: the module
 * knows only the profiles with 16-byte master keys, so AEAD_AES_256_GCM
 * (32-byte key) stays with libsrtp2 rather than be cut to fit. Lengths
 * that merely do not match the profile are left for the kernel to refuse.
 */
const char *rtc_offload_kernel_refuses(const struct rtc_srtp_master *master);

/* -EINVAL without a master or with a profile srtp-keys does not know;
 * -EPROTONOSUPPORT, without asking the kernel, for one it refuses. */
int rtc_offload_kernel_add_stream(struct rtc_offload_kernel *k, int fd,
				  const struct rtc_offload_stream *stream);
int rtc_offload_kernel_del_stream(struct rtc_offload_kernel *k, int fd, uint32_t ssrc,
				  enum rtc_offload_direction direction);

struct rtc_offload_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t auth_failures;
	uint64_t replays;
	uint64_t malformed;
};

int rtc_offload_kernel_get_stats(struct rtc_offload_kernel *k, int fd, uint32_t ssrc,
				 enum rtc_offload_direction direction,
				 struct rtc_offload_stats *out);
