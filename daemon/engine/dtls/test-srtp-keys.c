/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "check.h"
#include "engine/dtls/srtp-keys.h"

static void test_profile_table(void)
{
	const struct rtc_srtp_profile_info *p;

	p = rtc_srtp_profile_info(RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	CHECK(p && p->master_key_len == 16 && p->master_salt_len == 14);
	CHECK(p && p->rtp_tag_len == 10 && p->rtcp_tag_len == 10);
	p = rtc_srtp_profile_info(RTC_SRTP_AES128_CM_HMAC_SHA1_32);
	CHECK(p && p->rtp_tag_len == 4 && p->rtcp_tag_len == 10);
	p = rtc_srtp_profile_info(RTC_SRTP_AEAD_AES_128_GCM);
	CHECK(p && p->master_salt_len == 12 && p->rtp_tag_len == 16);
	CHECK(rtc_srtp_profile_info((enum rtc_srtp_profile)3) == NULL);
	CHECK(rtc_srtp_profile_by_name("SRTP_AEAD_AES_128_GCM") ==
	      rtc_srtp_profile_info(RTC_SRTP_AEAD_AES_128_GCM));
	CHECK(rtc_srtp_profile_by_name("SRTP_NULL") == NULL);
	CHECK(rtc_srtp_profile_by_name(NULL) == NULL);
}

static void test_split_dtls_material(void)
{
	uint8_t material[60];
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

	CHECK_INTEQ(rtc_srtp_keying_material_len(RTC_SRTP_AEAD_AES_128_GCM), 56);
	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AEAD_AES_128_GCM, material, 56, 0,
					    &local, &remote), 0);
	CHECK_INTEQ(local.key[0], 16);
	CHECK_INTEQ(local.salt[0], 32 + 12);
	CHECK_INTEQ(local.salt_len, 12);
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
}

int main(void)
{
	RUN(test_profile_table);
	RUN(test_split_dtls_material);
	RUN(test_split_refuses_bad_input);
	return rtc_test_done();
}
