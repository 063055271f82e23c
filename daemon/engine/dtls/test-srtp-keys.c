/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "engine/dtls/srtp-keys.h"

static const enum rtc_srtp_profile all_profiles[] = {
	RTC_SRTP_AES128_CM_HMAC_SHA1_80, RTC_SRTP_AES128_CM_HMAC_SHA1_32,
	RTC_SRTP_AEAD_AES_128_GCM, RTC_SRTP_AEAD_AES_256_GCM,
};

static void test_profile_table(void)
{
	const struct rtc_srtp_profile_info *p;

	p = rtc_srtp_profile_info(RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	CHECK(p && p->master_key_len == 16 && p->master_salt_len == 14);
	CHECK(p && p->rtp_tag_len == 10 && p->rtcp_tag_len == 10);
	p = rtc_srtp_profile_info(RTC_SRTP_AES128_CM_HMAC_SHA1_32);
	CHECK(p && p->rtp_tag_len == 4 && p->rtcp_tag_len == 10);
	p = rtc_srtp_profile_info(RTC_SRTP_AEAD_AES_128_GCM);
	CHECK(p && p->master_key_len == 16 && p->master_salt_len == 12 && p->rtp_tag_len == 16);
	/* RFC 7714 section 14.2: 256-bit key, 96-bit salt, 128-bit tags. */
	p = rtc_srtp_profile_info(RTC_SRTP_AEAD_AES_256_GCM);
	CHECK(p && p->master_key_len == 32 && p->master_salt_len == 12);
	CHECK(p && p->rtp_tag_len == 16 && p->rtcp_tag_len == 16);
	CHECK_STREQ(p ? p->name : "", "SRTP_AEAD_AES_256_GCM");
	CHECK_INTEQ(RTC_SRTP_AEAD_AES_256_GCM, 0x0008);
	CHECK(rtc_srtp_profile_info((enum rtc_srtp_profile)3) == NULL);
	CHECK(rtc_srtp_profile_by_name("SRTP_AEAD_AES_128_GCM") ==
	      rtc_srtp_profile_info(RTC_SRTP_AEAD_AES_128_GCM));
	CHECK(rtc_srtp_profile_by_name("SRTP_AEAD_AES_256_GCM") ==
	      rtc_srtp_profile_info(RTC_SRTP_AEAD_AES_256_GCM));
	CHECK(rtc_srtp_profile_by_name("SRTP_NULL") == NULL);
	CHECK(rtc_srtp_profile_by_name(NULL) == NULL);

	/* Every profile's master fits struct rtc_srtp_master. */
	for (size_t i = 0; i < sizeof(all_profiles) / sizeof(all_profiles[0]); i++) {
		p = rtc_srtp_profile_info(all_profiles[i]);
		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK(p->master_key_len <= RTC_SRTP_MASTER_KEY_MAX);
		CHECK(p->master_salt_len <= RTC_SRTP_MASTER_SALT_MAX);
		CHECK(rtc_srtp_profile_by_name(p->name) == p);
	}
}

static void test_split_dtls_material(void)
{
	uint8_t material[88];
	struct rtc_srtp_master local, remote;

	for (size_t i = 0; i < sizeof(material); i++)
		material[i] = (uint8_t)i;
	CHECK_INTEQ(rtc_srtp_keying_material_len(RTC_SRTP_AES128_CM_HMAC_SHA1_80), 60);
	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AES128_CM_HMAC_SHA1_80, material, 60,
					    1, &local, &remote), 0);
	/* client key 0..15, server key 16..31, client salt 32..45, server salt 46..59 */
	CHECK_INTEQ(local.key[0], 0);
	CHECK_INTEQ(remote.key[0], 16);
	CHECK_INTEQ(local.salt[0], 32);
	CHECK_INTEQ(remote.salt[13], 59);
	CHECK_INTEQ(local.salt_len, 14);
	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AES128_CM_HMAC_SHA1_80, material, 60,
					    0, &local, &remote), 0);
	CHECK_INTEQ(local.key[0], 16);
	CHECK_INTEQ(remote.salt[0], 32);

	CHECK_INTEQ(rtc_srtp_keying_material_len(RTC_SRTP_AES128_CM_HMAC_SHA1_32), 60);
	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AES128_CM_HMAC_SHA1_32, material, 60,
					    1, &local, &remote), 0);
	CHECK_INTEQ(local.profile, RTC_SRTP_AES128_CM_HMAC_SHA1_32);
	CHECK_INTEQ(local.key[15], 15);
	CHECK_INTEQ(remote.salt[0], 46);

	CHECK_INTEQ(rtc_srtp_keying_material_len(RTC_SRTP_AEAD_AES_128_GCM), 56);
	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AEAD_AES_128_GCM, material, 56, 0,
					    &local, &remote), 0);
	CHECK_INTEQ(local.key[0], 16);
	CHECK_INTEQ(local.salt[0], 32 + 12);
	CHECK_INTEQ(local.salt_len, 12);
}

/* AEAD_AES_256_GCM: 88 bytes, client key 0..31, server key 32..63, client
 * salt 64..75, server salt 76..87. */
static void test_split_aes_256_gcm(void)
{
	uint8_t material[88];
	struct rtc_srtp_master local, remote;

	for (size_t i = 0; i < sizeof(material); i++)
		material[i] = (uint8_t)(0xa0 ^ i);
	CHECK_INTEQ(rtc_srtp_keying_material_len(RTC_SRTP_AEAD_AES_256_GCM), 88);

	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AEAD_AES_256_GCM, material, 88, 1,
					    &local, &remote), 0);
	CHECK_INTEQ(local.profile, RTC_SRTP_AEAD_AES_256_GCM);
	CHECK_INTEQ(remote.profile, RTC_SRTP_AEAD_AES_256_GCM);
	CHECK_INTEQ(local.key_len, 32);
	CHECK_INTEQ(local.salt_len, 12);
	CHECK(memcmp(local.key, material, 32) == 0);
	CHECK(memcmp(remote.key, material + 32, 32) == 0);
	CHECK(memcmp(local.salt, material + 64, 12) == 0);
	CHECK(memcmp(remote.salt, material + 76, 12) == 0);

	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AEAD_AES_256_GCM, material, 88, 0,
					    &local, &remote), 0);
	CHECK(memcmp(local.key, material + 32, 32) == 0);
	CHECK(memcmp(remote.key, material, 32) == 0);
	CHECK(memcmp(local.salt, material + 76, 12) == 0);
	CHECK(memcmp(remote.salt, material + 64, 12) == 0);
	/* Nothing past the salt: the rest of the buffer stays zero. */
	CHECK_INTEQ(local.salt[12], 0);

	/* A 128-GCM length for the 256-GCM profile, and one byte short. */
	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AEAD_AES_256_GCM, material, 56, 0,
					    &local, &remote), -EINVAL);
	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AEAD_AES_256_GCM, material, 87, 0,
					    &local, &remote), -EINVAL);
}

/* For every profile: the client's local master is the server's remote one
 * and the reverse, and the two directions differ. */
static void test_split_roles_mirror(void)
{
	uint8_t material[88];

	for (size_t i = 0; i < sizeof(material); i++)
		material[i] = (uint8_t)(i * 29 + 7);
	for (size_t i = 0; i < sizeof(all_profiles) / sizeof(all_profiles[0]); i++) {
		enum rtc_srtp_profile prof = all_profiles[i];
		size_t len = rtc_srtp_keying_material_len(prof);
		struct rtc_srtp_master cl, cr, sl, sr;

		CHECK(len > 0 && len <= sizeof(material));
		CHECK_INTEQ(rtc_srtp_keys_from_dtls(prof, material, len, 1, &cl, &cr), 0);
		CHECK_INTEQ(rtc_srtp_keys_from_dtls(prof, material, len, 0, &sl, &sr), 0);
		CHECK(memcmp(&cl, &sr, sizeof(cl)) == 0);
		CHECK(memcmp(&cr, &sl, sizeof(cr)) == 0);
		CHECK(memcmp(cl.key, cr.key, cl.key_len) != 0);
		CHECK_INTEQ(2u * (cl.key_len + cl.salt_len), len);
	}
}

static void test_split_refuses_bad_input(void)
{
	uint8_t material[60] = { 0 };
	struct rtc_srtp_master local, remote;

	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AEAD_AES_128_GCM, material, 60, 0,
					    &local, &remote), -EINVAL);
	CHECK_INTEQ(rtc_srtp_keys_from_dtls((enum rtc_srtp_profile)9, material, 60, 0,
					    &local, &remote), -EINVAL);
	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AES128_CM_HMAC_SHA1_80, NULL, 60, 0,
					    &local, &remote), -EINVAL);
	CHECK_INTEQ(rtc_srtp_keying_material_len((enum rtc_srtp_profile)9), 0);
}

int main(void)
{
	RUN(test_profile_table);
	RUN(test_split_dtls_material);
	RUN(test_split_aes_256_gcm);
	RUN(test_split_roles_mirror);
	RUN(test_split_refuses_bad_input);
	return rtc_test_done();
}
