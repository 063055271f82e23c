/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "engine/srtp/srtp.h"

_Static_assert(RTC_SRTP_RTP_ROOM == SRTP_MAX_TRAILER_LEN,
	       "RTC_SRTP_RTP_ROOM follows libsrtp2's SRTP_MAX_TRAILER_LEN");
_Static_assert(RTC_SRTP_MASTER_KEY_MAX + RTC_SRTP_MASTER_SALT_MAX <= SRTP_MAX_KEY_LEN,
	       "key and salt fit libsrtp2's key buffer");

struct rtc_srtp {
	srtp_t ctx;
	enum rtc_srtp_profile profile;
	enum rtc_srtp_direction dir;
	struct rtc_srtp_stats stats;
};

/* srtp_init registers libsrtp2's ciphers once per process; never undone, as
 * any thread's session may still be using them. Another user of libsrtp2 in
 * the process may have called it first: a second call fails with bad_param
 * (2.5.0 refuses to load its debug module twice) while the ciphers are there,
 * so that counts as initialised. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_fail;

static void init_libsrtp(void)
{
	init_status = srtp_init();
	if (init_status == srtp_err_status_bad_param)
		init_status = srtp_err_status_ok;
}

static int set_policy(srtp_policy_t *policy, enum rtc_srtp_profile profile)
{
	switch (profile) {
	case RTC_SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtcp);
		return 0;
	case RTC_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtcp);
		return 0;
	case RTC_SRTP_AES128_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtcp);
		return 0;
	case RTC_SRTP_AES128_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtcp);
		return 0;
	}
	return -1;
}

int rtc_srtp_new(const struct rtc_srtp_master *master, enum rtc_srtp_direction dir,
		 struct rtc_srtp **out, struct rtc_error *err)
{
	const struct rtc_srtp_profile_info *p = rtc_srtp_profile_info(master->profile);

	*out = NULL;
	if (!p)
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED,
				     "SRTP profile 0x%04x is not supported",
				     (unsigned)master->profile);
	if (master->key_len != p->master_key_len || master->salt_len != p->master_salt_len)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%s: key %u/%u bytes, want %u/%u",
				     p->name, master->key_len, master->salt_len,
				     p->master_key_len, p->master_salt_len);
	if (dir != RTC_SRTP_OUTBOUND && dir != RTC_SRTP_INBOUND)
		return rtc_error_set(err, RTC_ERROR_TYPE, "unknown SRTP direction %d", (int)dir);
	pthread_once(&init_once, init_libsrtp);
	if (init_status != srtp_err_status_ok)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "srtp_init failed (%d)",
				     (int)init_status);

	/* libsrtp2 takes key || salt in one buffer and copies it at srtp_create. */
	uint8_t key[RTC_SRTP_MASTER_KEY_MAX + RTC_SRTP_MASTER_SALT_MAX];
	srtp_policy_t policy;

	memset(&policy, 0, sizeof(policy));
	if (set_policy(&policy, p->profile) < 0)
		return rtc_error_set(err, RTC_ERROR_NOT_SUPPORTED, "%s has no libsrtp2 policy",
				     p->name);
	memcpy(key, master->key, p->master_key_len);
	memcpy(key + p->master_key_len, master->salt, p->master_salt_len);
	policy.key = key;
	policy.ssrc.type = dir == RTC_SRTP_OUTBOUND ? ssrc_any_outbound : ssrc_any_inbound;
	policy.window_size = RTC_SRTP_REPLAY_WINDOW;
	/* NACK retransmissions protect the same index again (RFC 4588 without RTX). */
	policy.allow_repeat_tx = 1;
	policy.next = NULL;

	struct rtc_srtp *s = calloc(1, sizeof(*s));

	if (!s) {
		OPENSSL_cleanse(key, sizeof(key));
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	srtp_err_status_t st = srtp_create(&s->ctx, &policy);

	OPENSSL_cleanse(key, sizeof(key));
	if (st != srtp_err_status_ok) {
		free(s);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "srtp_create(%s) failed (%d)",
				     p->name, (int)st);
	}
	s->profile = p->profile;
	s->dir = dir;
	*out = s;
	return 0;
}

int rtc_srtp_new_dtls(const struct rtc_dtls_srtp_keys *keys, enum rtc_srtp_direction dir,
		      struct rtc_srtp **out, struct rtc_error *err)
{
	*out = NULL;
	if (!keys)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "no DTLS-SRTP keys");
	return rtc_srtp_new(dir == RTC_SRTP_OUTBOUND ? &keys->local : &keys->remote, dir, out, err);
}

void rtc_srtp_free(struct rtc_srtp *s)
{
	if (!s)
		return;
	srtp_dealloc(s->ctx);
	free(s);
}

enum rtc_srtp_profile rtc_srtp_profile(const struct rtc_srtp *s)
{
	return s->profile;
}

enum rtc_srtp_direction rtc_srtp_direction(const struct rtc_srtp *s)
{
	return s->dir;
}

const struct rtc_srtp_stats *rtc_srtp_stats(const struct rtc_srtp *s)
{
	return &s->stats;
}

const char *rtc_srtp_status_name(enum rtc_srtp_status status)
{
	switch (status) {
	case RTC_SRTP_OK: return "ok";
	case RTC_SRTP_ERR_AUTH: return "auth";
	case RTC_SRTP_ERR_REPLAY: return "replay";
	case RTC_SRTP_ERR_MALFORMED: return "malformed";
	case RTC_SRTP_ERR_NO_SPACE: return "no-space";
	case RTC_SRTP_ERR_DIRECTION: return "direction";
	case RTC_SRTP_ERR_CRYPTO: return "crypto";
	}
	return "unknown";
}

static enum rtc_srtp_status reject(struct rtc_srtp *s, enum rtc_srtp_status st)
{
	switch (st) {
	case RTC_SRTP_ERR_AUTH: s->stats.rejected_auth++; break;
	case RTC_SRTP_ERR_REPLAY: s->stats.rejected_replay++; break;
	case RTC_SRTP_ERR_MALFORMED: s->stats.rejected_malformed++; break;
	case RTC_SRTP_ERR_NO_SPACE: s->stats.rejected_no_space++; break;
	case RTC_SRTP_ERR_DIRECTION: s->stats.rejected_direction++; break;
	case RTC_SRTP_ERR_CRYPTO: s->stats.rejected_crypto++; break;
	case RTC_SRTP_OK: break;
	}
	return st;
}

static enum rtc_srtp_status from_libsrtp(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok: return RTC_SRTP_OK;
	case srtp_err_status_auth_fail: return RTC_SRTP_ERR_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old: return RTC_SRTP_ERR_REPLAY;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err: return RTC_SRTP_ERR_MALFORMED;
	default: return RTC_SRTP_ERR_CRYPTO;
	}
}

/* What libsrtp2 would otherwise read past or misparse: version 2, a fixed
 * header, and a length its int can hold. */
static int plausible(const uint8_t *p, size_t len, size_t min)
{
	return len >= min && len <= INT_MAX - RTC_SRTP_RTCP_ROOM && (p[0] >> 6) == 2;
}

static enum rtc_srtp_status protect(struct rtc_srtp *s, int rtcp, const uint8_t *in,
				    size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t room = rtcp ? RTC_SRTP_RTCP_ROOM : RTC_SRTP_RTP_ROOM;

	*out_len = 0;
	if (s->dir != RTC_SRTP_OUTBOUND)
		return reject(s, RTC_SRTP_ERR_DIRECTION);
	if (!plausible(in, len, rtcp ? 8 : 12))
		return reject(s, RTC_SRTP_ERR_MALFORMED);
	if (cap < len || cap - len < room)
		return reject(s, RTC_SRTP_ERR_NO_SPACE);
	if (out != in)
		memmove(out, in, len);
	int n = (int)len;
	srtp_err_status_t st = rtcp ? srtp_protect_rtcp(s->ctx, out, &n)
				    : srtp_protect(s->ctx, out, &n);
	enum rtc_srtp_status r = from_libsrtp(st);

	if (r != RTC_SRTP_OK)
		return reject(s, r);
	*out_len = (size_t)n;
	if (rtcp) {
		s->stats.rtcp_packets++;
		s->stats.rtcp_bytes += len;
	} else {
		s->stats.rtp_packets++;
		s->stats.rtp_bytes += len;
	}
	return RTC_SRTP_OK;
}

enum rtc_srtp_status rtc_srtp_protect_rtp(struct rtc_srtp *s, const uint8_t *in, size_t len,
					  uint8_t *out, size_t cap, size_t *out_len)
{
	return protect(s, 0, in, len, out, cap, out_len);
}

enum rtc_srtp_status rtc_srtp_protect_rtcp(struct rtc_srtp *s, const uint8_t *in, size_t len,
					   uint8_t *out, size_t cap, size_t *out_len)
{
	return protect(s, 1, in, len, out, cap, out_len);
}

static enum rtc_srtp_status unprotect(struct rtc_srtp *s, int rtcp, uint8_t *buf, size_t len,
				      size_t *out_len)
{
	enum rtc_srtp_status r;

	*out_len = 0;
	if (s->dir != RTC_SRTP_INBOUND) {
		r = RTC_SRTP_ERR_DIRECTION;
	} else if (!plausible(buf, len, rtcp ? 8 : 12)) {
		r = RTC_SRTP_ERR_MALFORMED;
	} else {
		int n = (int)len;

		r = from_libsrtp(rtcp ? srtp_unprotect_rtcp(s->ctx, buf, &n)
				      : srtp_unprotect(s->ctx, buf, &n));
		if (r == RTC_SRTP_OK) {
			*out_len = (size_t)n;
			if (rtcp) {
				s->stats.rtcp_packets++;
				s->stats.rtcp_bytes += (size_t)n;
			} else {
				s->stats.rtp_packets++;
				s->stats.rtp_bytes += (size_t)n;
			}
			return RTC_SRTP_OK;
		}
	}
	/* An AEAD failure may leave unauthenticated plaintext behind: wipe it so
	 * a caller ignoring the status cannot deliver it. */
	memset(buf, 0, len);
	return reject(s, r);
}

enum rtc_srtp_status rtc_srtp_unprotect_rtp(struct rtc_srtp *s, uint8_t *buf, size_t len,
					    size_t *out_len)
{
	return unprotect(s, 0, buf, len, out_len);
}

enum rtc_srtp_status rtc_srtp_unprotect_rtcp(struct rtc_srtp *s, uint8_t *buf, size_t len,
					     size_t *out_len)
{
	return unprotect(s, 1, buf, len, out_len);
}
