/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SRTP protection profiles and their key material (RFC 3711, RFC 5764,
 * RFC 7714): one table every SRTP user agrees on, libsrtp2 or the kernel.
 * The kernel module takes only the profiles with 16-byte master keys
 * (daemon/offload keeps AEAD_AES_256_GCM in userspace).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Numbered as in the IANA DTLS-SRTP protection profile registry. */
enum rtc_srtp_profile {
	RTC_SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001,
	RTC_SRTP_AES128_CM_HMAC_SHA1_32 = 0x0002,
	RTC_SRTP_AEAD_AES_128_GCM       = 0x0007,
	RTC_SRTP_AEAD_AES_256_GCM       = 0x0008,
};

#define RTC_SRTP_MASTER_KEY_MAX  32
#define RTC_SRTP_MASTER_SALT_MAX 14

struct rtc_srtp_profile_info {
	enum rtc_srtp_profile profile;
	const char *name;		/* as OpenSSL and RFC 5764 spell it */
	uint8_t master_key_len;
	uint8_t master_salt_len;
	uint8_t rtp_tag_len;		/* bytes SRTP adds */
	uint8_t rtcp_tag_len;		/* tag only; SRTCP adds 4 more */
};

/* NULL for a profile this table does not know. */
const struct rtc_srtp_profile_info *rtc_srtp_profile_info(enum rtc_srtp_profile profile);
const struct rtc_srtp_profile_info *rtc_srtp_profile_by_name(const char *name);

/* One side's master key and salt. */
struct rtc_srtp_master {
	enum rtc_srtp_profile profile;
	uint8_t key[RTC_SRTP_MASTER_KEY_MAX];
	uint8_t salt[RTC_SRTP_MASTER_SALT_MAX];
	uint8_t key_len;
	uint8_t salt_len;
};

/* Bytes to ask the DTLS exporter for ("EXTRACTOR-dtls_srtp"): both sides' keys. */
size_t rtc_srtp_keying_material_len(enum rtc_srtp_profile profile);

/*
 * RFC 5764 section 4.2: the exported material is client key, server key,
 * client salt, server salt. Splits it into the local (send) and remote
 * (receive) masters for our DTLS role. Returns 0, or -EINVAL if the profile
 * is unknown or len is not rtc_srtp_keying_material_len(profile).
 */
int rtc_srtp_keys_from_dtls(enum rtc_srtp_profile profile, const uint8_t *material,
			    size_t len, int is_dtls_client,
			    struct rtc_srtp_master *local, struct rtc_srtp_master *remote);
