/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The --srtp-offload decisions, against a fake kernel. */
#include <errno.h>

#include "check.h"
#include "offload/policy.h"

struct fake_kernel {
	int attach_calls, detach_calls, add_calls, del_calls, destroyed;
	int attach_result, add_result;
	int last_fd;
	uint32_t last_mark;
};

static int fake_attach(void *ctx, int fd, uint32_t mark)
{
	struct fake_kernel *k = ctx;
	k->attach_calls++;
	k->last_fd = fd;
	k->last_mark = mark;
	return k->attach_result;
}

static int fake_detach(void *ctx, int fd)
{
	struct fake_kernel *k = ctx;
	k->detach_calls++;
	k->last_fd = fd;
	return 0;
}

static int fake_add(void *ctx, int fd, const struct rtc_offload_stream *s)
{
	struct fake_kernel *k = ctx;
	(void)s;
	k->add_calls++;
	k->last_fd = fd;
	return k->add_result;
}

static int fake_del(void *ctx, int fd, uint32_t ssrc, enum rtc_offload_direction d)
{
	struct fake_kernel *k = ctx;
	(void)ssrc;
	(void)d;
	k->del_calls++;
	k->last_fd = fd;
	return 0;
}

static void fake_destroy(void *ctx)
{
	((struct fake_kernel *)ctx)->destroyed++;
}

static struct rtc_offload_backend backend_for(struct fake_kernel *k)
{
	return (struct rtc_offload_backend){ .ctx = k, .attach = fake_attach, .detach = fake_detach,
		.add_stream = fake_add, .del_stream = fake_del, .destroy = fake_destroy };
}

static const struct rtc_srtp_master master = {
	.profile = RTC_SRTP_AES128_CM_HMAC_SHA1_80, .key_len = 16, .salt_len = 14,
};

static struct rtc_offload_stream stream(uint32_t ssrc)
{
	return (struct rtc_offload_stream){ .ssrc = ssrc, .direction = RTC_OFFLOAD_SEND,
		.master = &master };
}

static void test_mode_names(void)
{
	enum rtc_offload_mode m = RTC_OFFLOAD_OFF;

	CHECK_INTEQ(rtc_offload_mode_parse("auto", &m), 0);
	CHECK_INTEQ(m, RTC_OFFLOAD_AUTO);
	CHECK_INTEQ(rtc_offload_mode_parse("on", &m), 0);
	CHECK_INTEQ(m, RTC_OFFLOAD_ON);
	CHECK_INTEQ(rtc_offload_mode_parse("off", &m), 0);
	CHECK_INTEQ(m, RTC_OFFLOAD_OFF);
	CHECK_INTEQ(rtc_offload_mode_parse("yes", &m), -EINVAL);
	CHECK_INTEQ(rtc_offload_mode_parse("", &m), -EINVAL);
	CHECK_INTEQ(rtc_offload_mode_parse(NULL, &m), -EINVAL);
	CHECK_STREQ(rtc_offload_mode_name(RTC_OFFLOAD_AUTO), "auto");
}

static void test_off_never_asks_the_kernel(void)
{
	struct fake_kernel k = { 0 };
	struct rtc_offload_backend b = backend_for(&k);
	struct rtc_offload_policy *p;
	enum rtc_srtp_engine where = RTC_SRTP_IN_KERNEL;
	struct rtc_offload_stream s = stream(1);

	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_OFF, &b, 0, &p), 0);
	CHECK(!rtc_offload_policy_active(p));
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 5, &s, &where), 0);
	CHECK_INTEQ(where, RTC_SRTP_IN_USERSPACE);
	CHECK_INTEQ(k.attach_calls + k.add_calls, 0);
	CHECK_INTEQ(k.destroyed, 1);
	rtc_offload_policy_free(p);
}

static void test_auto_without_module_uses_libsrtp(void)
{
	struct rtc_offload_policy *p;
	enum rtc_srtp_engine where = RTC_SRTP_IN_KERNEL;
	struct rtc_offload_stream s = stream(1);

	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_AUTO, NULL, -ENOENT, &p), 0);
	CHECK(!rtc_offload_policy_active(p));
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 5, &s, &where), 0);
	CHECK_INTEQ(where, RTC_SRTP_IN_USERSPACE);
	CHECK_INTEQ(rtc_offload_policy_remove_stream(p, 5, 1, RTC_OFFLOAD_SEND), -ENOENT);
	rtc_offload_policy_release_socket(p, 5);
	rtc_offload_policy_free(p);
}

static void test_on_without_module_fails(void)
{
	struct rtc_offload_policy *p = NULL;

	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_ON, NULL, -ENOENT, &p), -ENOENT);
	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_ON, NULL, -EPROTO, &p), -EPROTO);
	CHECK(p == NULL);
}

static void test_auto_attaches_once_per_socket(void)
{
	struct fake_kernel k = { 0 };
	struct rtc_offload_backend b = backend_for(&k);
	struct rtc_offload_policy *p;
	enum rtc_srtp_engine where = RTC_SRTP_IN_USERSPACE;
	struct rtc_offload_stream s1 = stream(1), s2 = stream(2);

	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_AUTO, &b, 0, &p), 0);
	CHECK(rtc_offload_policy_active(p));
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 7, &s1, &where), 0);
	CHECK_INTEQ(where, RTC_SRTP_IN_KERNEL);
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 7, &s2, &where), 0);
	CHECK_INTEQ(where, RTC_SRTP_IN_KERNEL);
	CHECK_INTEQ(k.attach_calls, 1);
	CHECK_INTEQ(k.last_mark, RTC_OFFLOAD_MARK);
	CHECK_INTEQ(k.add_calls, 2);
	CHECK_INTEQ(rtc_offload_policy_remove_stream(p, 7, 1, RTC_OFFLOAD_SEND), 0);
	CHECK_INTEQ(k.del_calls, 1);
	rtc_offload_policy_release_socket(p, 7);
	rtc_offload_policy_release_socket(p, 7);
	CHECK_INTEQ(k.detach_calls, 1);
	/* Released: the next stream on a new socket with that number attaches again. */
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 7, &s1, &where), 0);
	CHECK_INTEQ(k.attach_calls, 2);
	rtc_offload_policy_free(p);
	CHECK_INTEQ(k.destroyed, 1);
}

static void test_auto_falls_back_on_refusal(void)
{
	struct fake_kernel k = { .add_result = -EPROTONOSUPPORT };
	struct rtc_offload_backend b = backend_for(&k);
	struct rtc_offload_policy *p;
	enum rtc_srtp_engine where = RTC_SRTP_IN_KERNEL;
	struct rtc_offload_stream s = stream(3);

	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_AUTO, &b, 0, &p), 0);
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 4, &s, &where), 0);
	CHECK_INTEQ(where, RTC_SRTP_IN_USERSPACE);

	k.add_result = 0;
	k.attach_result = -EBUSY;	/* a socket the module cannot hook */
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 9, &s, &where), 0);
	CHECK_INTEQ(where, RTC_SRTP_IN_USERSPACE);
	rtc_offload_policy_release_socket(p, 9);
	CHECK_INTEQ(k.detach_calls, 0);
	rtc_offload_policy_free(p);
}

static void test_on_reports_refusal(void)
{
	struct fake_kernel k = { .add_result = -EPROTONOSUPPORT };
	struct rtc_offload_backend b = backend_for(&k);
	struct rtc_offload_policy *p;
	enum rtc_srtp_engine where = RTC_SRTP_IN_KERNEL;
	struct rtc_offload_stream s = stream(3);

	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_ON, &b, 0, &p), 0);
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 4, &s, &where), -EPROTONOSUPPORT);
	CHECK_INTEQ(where, RTC_SRTP_IN_USERSPACE);
	rtc_offload_policy_free(p);
}

/* AEAD_AES_256_GCM's 32-byte master does not fit the UAPI's 16-byte
 * attribute: refused before the kernel is asked, in either mode. */
static const struct rtc_srtp_master master_256 = {
	.profile = RTC_SRTP_AEAD_AES_256_GCM, .key_len = 32, .salt_len = 12,
};

static void test_masters_the_kernel_takes(void)
{
	static const struct rtc_srtp_master ok[] = {
		{ .profile = RTC_SRTP_AES128_CM_HMAC_SHA1_80, .key_len = 16, .salt_len = 14 },
		{ .profile = RTC_SRTP_AES128_CM_HMAC_SHA1_32, .key_len = 16, .salt_len = 14 },
		{ .profile = RTC_SRTP_AEAD_AES_128_GCM, .key_len = 16, .salt_len = 12 },
	};
	struct rtc_srtp_master bad = ok[2];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(rtc_offload_kernel_refuses(&ok[i]) == NULL);
	CHECK(rtc_offload_kernel_refuses(&master_256) != NULL);
	CHECK(rtc_offload_kernel_refuses(NULL) != NULL);
	/* A salt that does not fit the profile is the kernel's to refuse. */
	bad.salt_len = 14;
	CHECK(rtc_offload_kernel_refuses(&bad) == NULL);
	bad = ok[0];
	bad.key_len = 32;
	CHECK(rtc_offload_kernel_refuses(&bad) != NULL);
	bad.profile = (enum rtc_srtp_profile)0x0003;
	CHECK(rtc_offload_kernel_refuses(&bad) != NULL);
}

static void test_aes_256_gcm_stays_in_userspace(void)
{
	struct fake_kernel k = { 0 };
	struct rtc_offload_backend b = backend_for(&k);
	struct rtc_offload_policy *p;
	enum rtc_srtp_engine where = RTC_SRTP_IN_KERNEL;
	struct rtc_offload_stream s = stream(5);

	s.master = &master_256;
	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_AUTO, &b, 0, &p), 0);
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 4, &s, &where), 0);
	CHECK_INTEQ(where, RTC_SRTP_IN_USERSPACE);
	CHECK_INTEQ(k.attach_calls + k.add_calls, 0);
	/* The next stream, one the kernel takes, still goes there. */
	s = stream(6);
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 4, &s, &where), 0);
	CHECK_INTEQ(where, RTC_SRTP_IN_KERNEL);
	CHECK_INTEQ(k.add_calls, 1);
	rtc_offload_policy_free(p);

	struct fake_kernel k2 = { 0 };

	b = backend_for(&k2);
	s.master = &master_256;
	where = RTC_SRTP_IN_KERNEL;
	CHECK_INTEQ(rtc_offload_policy_new(RTC_OFFLOAD_ON, &b, 0, &p), 0);
	CHECK_INTEQ(rtc_offload_policy_place_stream(p, 4, &s, &where), -EPROTONOSUPPORT);
	CHECK_INTEQ(where, RTC_SRTP_IN_USERSPACE);
	CHECK_INTEQ(k2.attach_calls + k2.add_calls, 0);
	rtc_offload_policy_free(p);
}

int main(void)
{
	RUN(test_mode_names);
	RUN(test_off_never_asks_the_kernel);
	RUN(test_auto_without_module_uses_libsrtp);
	RUN(test_on_without_module_fails);
	RUN(test_auto_attaches_once_per_socket);
	RUN(test_auto_falls_back_on_refusal);
	RUN(test_on_reports_refusal);
	RUN(test_masters_the_kernel_takes);
	RUN(test_aes_256_gcm_stays_in_userspace);
	return rtc_test_done();
}
