/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SRTP protect and unprotect, packets per second on one core (thread CPU
 * time), 1200-byte RTP packets, each profile: through rtcd's module
 * (engine/srtp) and through a bare libsrtp2 loop with the same policy, in
 * the same run, and the ratio. Both loops copy the clear packet into the
 * send buffer before protecting it (the module does so by design; the bare
 * loop must, since libsrtp2 protects in place), so the ratio is the module's
 * own cost. Prints figures; fails only if a packet does not round-trip.
 *
 * BENCH_SRTP_SECONDS (default 0.3) is the timed length of one measurement;
 * each is taken three times, alternating module and bare, and the best kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#include "engine/srtp/srtp.h"

#define PKT_LEN 1200
#define BATCH 512
#define SLOT (PKT_LEN + RTC_SRTP_RTCP_ROOM)

static double seconds_per_run = 0.3;
static uint8_t clear[PKT_LEN];
static uint8_t wire[BATCH][SLOT];
static size_t wire_len[BATCH];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void set_seq(uint8_t *p, uint16_t seq)
{
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
}

static _Noreturn void fail(const char *what, int code)
{
	fprintf(stderr, "bench-srtp: %s failed (%d)\n", what, code);
	exit(1);
}

/* One direction pair, either rtcd's module or bare libsrtp2. */
struct side {
	int bare;
	struct rtc_srtp *out, *in;
	srtp_t bout, bin;
	uint16_t seq;
};

static void side_open(struct side *s, int bare, const struct rtc_srtp_master *k)
{
	struct rtc_error err = { 0 };

	memset(s, 0, sizeof(*s));
	s->bare = bare;
	if (!bare) {
		if (rtc_srtp_new(k, RTC_SRTP_OUTBOUND, &s->out, &err) < 0 ||
		    rtc_srtp_new(k, RTC_SRTP_INBOUND, &s->in, &err) < 0)
			fail(err.message, 0);
		return;
	}
	/* The policy the module uses, written out against libsrtp2 directly. */
	uint8_t master[RTC_SRTP_MASTER_KEY_MAX + RTC_SRTP_MASTER_SALT_MAX];
	srtp_policy_t pol;

	memcpy(master, k->key, k->key_len);
	memcpy(master + k->key_len, k->salt, k->salt_len);
	for (int dir = 0; dir < 2; dir++) {
		memset(&pol, 0, sizeof(pol));
		switch (k->profile) {
		case RTC_SRTP_AEAD_AES_256_GCM:
			srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol.rtp);
			srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol.rtcp);
			break;
		case RTC_SRTP_AEAD_AES_128_GCM:
			srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
			srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
			break;
		case RTC_SRTP_AES128_CM_HMAC_SHA1_80:
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
			break;
		case RTC_SRTP_AES128_CM_HMAC_SHA1_32:
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
			break;
		default:
			fail("unknown profile", k->profile);
		}
		pol.key = master;
		pol.ssrc.type = dir ? ssrc_any_inbound : ssrc_any_outbound;
		pol.window_size = RTC_SRTP_REPLAY_WINDOW;
		pol.allow_repeat_tx = 1;
		srtp_err_status_t st = srtp_create(dir ? &s->bin : &s->bout, &pol);

		if (st != srtp_err_status_ok)
			fail("srtp_create", st);
	}
}

static void side_close(struct side *s)
{
	if (s->bare) {
		srtp_dealloc(s->bout);
		srtp_dealloc(s->bin);
	} else {
		rtc_srtp_free(s->out);
		rtc_srtp_free(s->in);
	}
}

static void protect_one(struct side *s, int i)
{
	set_seq(clear, s->seq++);
	if (s->bare) {
		int n = PKT_LEN;

		memcpy(wire[i], clear, PKT_LEN);
		srtp_err_status_t st = srtp_protect(s->bout, wire[i], &n);

		if (st != srtp_err_status_ok)
			fail("srtp_protect", st);
		wire_len[i] = (size_t)n;
	} else {
		enum rtc_srtp_status st = rtc_srtp_protect_rtp(s->out, clear, PKT_LEN, wire[i],
							       SLOT, &wire_len[i]);

		if (st != RTC_SRTP_OK)
			fail("rtc_srtp_protect_rtp", st);
	}
}

static void unprotect_one(struct side *s, int i)
{
	if (s->bare) {
		int n = (int)wire_len[i];
		srtp_err_status_t st = srtp_unprotect(s->bin, wire[i], &n);

		if (st != srtp_err_status_ok || n != PKT_LEN)
			fail("srtp_unprotect", st);
	} else {
		size_t n = 0;
		enum rtc_srtp_status st = rtc_srtp_unprotect_rtp(s->in, wire[i], wire_len[i], &n);

		if (st != RTC_SRTP_OK || n != PKT_LEN)
			fail("rtc_srtp_unprotect_rtp", st);
	}
}

/* Packets per CPU second: protect batches timed; or protect batches untimed,
 * then their unprotect timed. */
static double measure(struct side *s, int unprotect)
{
	double spent = 0;
	long packets = 0;

	while (spent < seconds_per_run) {
		double t0 = unprotect ? 0 : now();

		for (int i = 0; i < BATCH; i++)
			protect_one(s, i);
		if (unprotect) {
			t0 = now();
			for (int i = 0; i < BATCH; i++)
				unprotect_one(s, i);
		}
		spent += now() - t0;
		packets += BATCH;
	}
	return (double)packets / spent;
}

int main(void)
{
	static const enum rtc_srtp_profile profiles[] = {
		RTC_SRTP_AEAD_AES_256_GCM, RTC_SRTP_AEAD_AES_128_GCM,
		RTC_SRTP_AES128_CM_HMAC_SHA1_80, RTC_SRTP_AES128_CM_HMAC_SHA1_32,
	};
	const char *env = getenv("BENCH_SRTP_SECONDS");

	if (env && atof(env) > 0)
		seconds_per_run = atof(env);
	if (srtp_init() != srtp_err_status_ok)
		fail("srtp_init", 0);
	clear[0] = 0x80;
	clear[1] = 96;
	memcpy(clear + 4, "\x00\x01\x02\x03\xca\xfe\xba\xbe", 8);
	for (int i = 12; i < PKT_LEN; i++)
		clear[i] = (uint8_t)i;

	printf("SRTP, %d-byte RTP packets, one core (thread CPU time), best of 3 x %.2f s, %s\n",
	       PKT_LEN, seconds_per_run, srtp_get_version_string());
	printf("%-24s %-9s %12s %8s %14s %8s %6s\n", "profile", "op", "rtcd pkt/s", "rtcd us",
	       "libsrtp2 pkt/s", "bare us", "ratio");
	for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
		const struct rtc_srtp_profile_info *info = rtc_srtp_profile_info(profiles[p]);
		struct rtc_srtp_master k = { .profile = profiles[p] };

		if (!info)
			fail("rtc_srtp_profile_info", profiles[p]);
		k.key_len = info->master_key_len;
		k.salt_len = info->master_salt_len;
		for (int i = 0; i < RTC_SRTP_MASTER_KEY_MAX; i++)
			k.key[i] = (uint8_t)(i * 7 + 1);
		for (int i = 0; i < RTC_SRTP_MASTER_SALT_MAX; i++)
			k.salt[i] = (uint8_t)(i * 13 + 5);
		for (int op = 0; op < 2; op++) {
			double best[2] = { 0, 0 };

			for (int round = 0; round < 3; round++) {
				for (int bare = 0; bare < 2; bare++) {
					struct side s;

					side_open(&s, bare, &k);
					double r = measure(&s, op);

					if (r > best[bare])
						best[bare] = r;
					side_close(&s);
				}
			}
			printf("%-24s %-9s %12.0f %8.2f %14.0f %8.2f %6.3f\n", info->name,
			       op ? "unprotect" : "protect", best[0], 1e6 / best[0], best[1],
			       1e6 / best[1], best[0] / best[1]);
			fflush(stdout);
		}
	}
	printf("ratio: rtcd / bare libsrtp2 (1.000: the module adds nothing); us: per packet\n");
	return 0;
}
