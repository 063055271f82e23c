/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "engine/dtls/srtp-keys.h"

static const struct rtc_srtp_profile_info profiles[] = {
	{ RTC_SRTP_AES128_CM_HMAC_SHA1_80, "SRTP_AES128_CM_SHA1_80", 16, 14, 10, 10 },
	/* RFC 5764 section 4.1.2: SRTCP keeps the 80-bit tag with this profile. */
	{ RTC_SRTP_AES128_CM_HMAC_SHA1_32, "SRTP_AES128_CM_SHA1_32", 16, 14, 4, 10 },
	/* RFC 7714 sections 12 and 14.2: 96-bit salt, 128-bit tag. */
	{ RTC_SRTP_AEAD_AES_128_GCM, "SRTP_AEAD_AES_128_GCM", 16, 12, 16, 16 },
	{ RTC_SRTP_AEAD_AES_256_GCM, "SRTP_AEAD_AES_256_GCM", 32, 12, 16, 16 },
};

const struct rtc_srtp_profile_info *rtc_srtp_profile_info(enum rtc_srtp_profile profile)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].profile == profile)
			return &profiles[i];
	return NULL;
}

const struct rtc_srtp_profile_info *rtc_srtp_profile_by_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

size_t rtc_srtp_keying_material_len(enum rtc_srtp_profile profile)
{
	const struct rtc_srtp_profile_info *info = rtc_srtp_profile_info(profile);

	return info ? 2u * (info->master_key_len + info->master_salt_len) : 0;
}

static void fill(struct rtc_srtp_master *m, const struct rtc_srtp_profile_info *info,
		 const uint8_t *key, const uint8_t *salt)
{
	memset(m, 0, sizeof(*m));
	m->profile = info->profile;
	m->key_len = info->master_key_len;
	m->salt_len = info->master_salt_len;
	memcpy(m->key, key, m->key_len);
	memcpy(m->salt, salt, m->salt_len);
}

int rtc_srtp_keys_from_dtls(enum rtc_srtp_profile profile, const uint8_t *material,
			    size_t len, int is_dtls_client,
			    struct rtc_srtp_master *local, struct rtc_srtp_master *remote)
{
	const struct rtc_srtp_profile_info *info = rtc_srtp_profile_info(profile);

	if (!info || !material || len != rtc_srtp_keying_material_len(profile))
		return -EINVAL;
	const uint8_t *client_key = material;
	const uint8_t *server_key = client_key + info->master_key_len;
	const uint8_t *client_salt = server_key + info->master_key_len;
	const uint8_t *server_salt = client_salt + info->master_salt_len;

	fill(local, info, is_dtls_client ? client_key : server_key,
	     is_dtls_client ? client_salt : server_salt);
	fill(remote, info, is_dtls_client ? server_key : client_key,
	     is_dtls_client ? server_salt : client_salt);
	return 0;
}
