/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where each SRTP stream is protected: in the kernel (rtcd_srtp module) or
 * by libsrtp2 in rtcd, following --srtp-offload=auto|on|off.
 *
 *   off   never use the module.
 *   auto  use it when present, and for every stream it accepts; anything it
 *         refuses (module absent, old version, profile unknown to it such as
 *         AEAD_AES_256_GCM, a socket it cannot hook) stays with libsrtp2.
 *         rtcd always works without it.
 *   on    the module must take every stream: failures are errors.
 *
 * The kernel is reached through a backend (struct rtc_offload_backend), so
 * the decisions are unit-tested with a fake one.
 */
#pragma once

#include <stdint.h>

#include "offload/kernel.h"

enum rtc_offload_mode {
	RTC_OFFLOAD_OFF,
	RTC_OFFLOAD_AUTO,
	RTC_OFFLOAD_ON,
};

/* "auto", "on", "off" -> 0; anything else -> -EINVAL. */
int rtc_offload_mode_parse(const char *text, enum rtc_offload_mode *out);
const char *rtc_offload_mode_name(enum rtc_offload_mode mode);

struct rtc_offload_backend {
	void *ctx;
	int (*attach)(void *ctx, int fd, uint32_t mark);
	int (*detach)(void *ctx, int fd);
	int (*add_stream)(void *ctx, int fd, const struct rtc_offload_stream *stream);
	int (*del_stream)(void *ctx, int fd, uint32_t ssrc, enum rtc_offload_direction dir);
	void (*destroy)(void *ctx);	/* may be NULL */
};

/* Marks packets the kernel decrypted ("rtcd"); see rtc_offload_kernel_attach. */
#define RTC_OFFLOAD_MARK 0x72746364u

struct rtc_offload_policy;

/*
 * With the real kernel client. In auto mode a missing module is not an
 * error: the policy then places everything in userspace. In on mode it is
 * (-ENOENT, or what opening the family returned).
 */
int rtc_offload_policy_open(enum rtc_offload_mode mode, struct rtc_offload_policy **out);
/* With a given backend; NULL means the kernel side is unavailable for reason (-errno). */
int rtc_offload_policy_new(enum rtc_offload_mode mode, const struct rtc_offload_backend *backend,
			   int reason, struct rtc_offload_policy **out);
void rtc_offload_policy_free(struct rtc_offload_policy *p);

/* True when streams may go to the kernel at all. */
int rtc_offload_policy_active(const struct rtc_offload_policy *p);

enum rtc_srtp_engine {
	RTC_SRTP_IN_USERSPACE,
	RTC_SRTP_IN_KERNEL,
};

/*
 * Offer a stream on UDP socket fd to the kernel, attaching fd first if
 * needed. *where says who protects it; the caller keeps libsrtp2 for it when
 * RTC_SRTP_IN_USERSPACE. Returns 0, or (on mode only) the kernel's error;
 * a master rtc_offload_kernel_refuses is never sent (-EPROTONOSUPPORT in on
 * mode, userspace in auto).
 */
int rtc_offload_policy_place_stream(struct rtc_offload_policy *p, int fd,
				    const struct rtc_offload_stream *stream,
				    enum rtc_srtp_engine *where);
/* For a stream placed in the kernel. */
int rtc_offload_policy_remove_stream(struct rtc_offload_policy *p, int fd, uint32_t ssrc,
				     enum rtc_offload_direction direction);
/* Before closing fd: detach it if it was attached (closing alone also does). */
void rtc_offload_policy_release_socket(struct rtc_offload_policy *p, int fd);
