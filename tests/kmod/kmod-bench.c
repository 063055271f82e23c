/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Packets per second with the module and with libsrtp2 in userspace, each
 * on loopback, 1200-byte payloads. Measured, not asserted: it prints.
 *   protect+send:        one send per packet (module: plaintext in, SRTP
 *                        out; userspace: srtp_protect, then send)
 *   receive+unprotect:   one send of SRTP and one receive per packet (module:
 *                        decrypted in softirq; userspace: srtp_unprotect
 *                        after the receive)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kmod-util.h"

#define BENCH_PACKETS 20000
#define PAYLOAD 1200
#define SSRC 0x5eed5eedu

struct rate {
	double module, user;
};

static void drain(int fd)
{
	uint8_t buf[KT_MAX_PACKET];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static struct rate bench_send(const struct kt_keys *k)
{
	uint8_t pkt[KT_MAX_PACKET], prot[KT_MAX_PACKET];
	struct rate r;
	int a, b, c, d;

	kt_udp_pair(&a, &b);
	kt_udp_pair(&c, &d);
	kt_attach(a);
	kt_add_stream(a, k, SSRC, RTC_OFFLOAD_SEND, 0, 0, false);
	srtp_t out = kt_srtp_session(k, SSRC, true, 0);
	size_t len = kt_rtp_packet(pkt, 0, SSRC, PAYLOAD);

	double t0 = kt_now();
	for (int i = 0; i < BENCH_PACKETS; i++) {
		pkt[2] = (uint8_t)(i >> 8);
		pkt[3] = (uint8_t)i;
		send(a, pkt, len, 0);
		if (i % 256 == 255)
			drain(b);
	}
	r.module = BENCH_PACKETS / (kt_now() - t0);

	t0 = kt_now();
	for (int i = 0; i < BENCH_PACKETS; i++) {
		int plen = (int)len;
		pkt[2] = (uint8_t)(i >> 8);
		pkt[3] = (uint8_t)i;
		memcpy(prot, pkt, len);
		srtp_protect(out, prot, &plen);
		send(c, prot, (size_t)plen, 0);
		if (i % 256 == 255)
			drain(d);
	}
	r.user = BENCH_PACKETS / (kt_now() - t0);
	srtp_dealloc(out);
	close(a);
	close(b);
	close(c);
	close(d);
	return r;
}

static struct rate bench_receive(const struct kt_keys *k)
{
	uint8_t (*wire)[KT_MAX_PACKET] = malloc(BENCH_PACKETS * sizeof(*wire));
	int *wire_len = malloc(BENCH_PACKETS * sizeof(*wire_len));
	uint8_t buf[KT_MAX_PACKET];
	struct rate r;
	int a, b, c, d;

	if (!wire || !wire_len)
		abort();
	srtp_t peer = kt_srtp_session(k, SSRC, true, 0);
	for (int i = 0; i < BENCH_PACKETS; i++) {
		wire_len[i] = (int)kt_rtp_packet(wire[i], (uint16_t)i, SSRC, PAYLOAD);
		srtp_protect(peer, wire[i], &wire_len[i]);
	}
	kt_udp_pair(&a, &b);
	kt_udp_pair(&c, &d);
	kt_attach(a);
	kt_add_stream(a, k, SSRC, RTC_OFFLOAD_RECEIVE, 0, 0, false);
	srtp_t in = kt_srtp_session(k, SSRC, false, 0);

	double t0 = kt_now();
	for (int i = 0; i < BENCH_PACKETS; i++) {
		send(b, wire[i], (size_t)wire_len[i], 0);
		recv(a, buf, sizeof(buf), 0);
	}
	r.module = BENCH_PACKETS / (kt_now() - t0);

	t0 = kt_now();
	for (int i = 0; i < BENCH_PACKETS; i++) {
		send(d, wire[i], (size_t)wire_len[i], 0);
		int n = (int)recv(c, buf, sizeof(buf), 0);
		srtp_unprotect(in, buf, &n);
	}
	r.user = BENCH_PACKETS / (kt_now() - t0);

	srtp_dealloc(peer);
	srtp_dealloc(in);
	free(wire);
	free(wire_len);
	close(a);
	close(b);
	close(c);
	close(d);
	return r;
}

int kt_bench(void);

int kt_bench(void)
{
	static const enum rtc_srtp_profile profiles[] = { RTC_SRTP_AES128_CM_HMAC_SHA1_80,
							  RTC_SRTP_AEAD_AES_128_GCM };

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		struct kt_keys k;
		kt_random_keys(&k, profiles[i]);
		const char *name = rtc_srtp_profile_info(profiles[i])->name;
		struct rate s = bench_send(&k), r = bench_receive(&k);
		printf("bench: %s protect+send module %.0f pkt/s libsrtp2 %.0f pkt/s ratio %.2f\n",
		       name, s.module, s.user, s.module / s.user);
		printf("bench: %s receive+unprotect module %.0f pkt/s libsrtp2 %.0f pkt/s ratio %.2f\n",
		       name, r.module, r.user, r.module / r.user);
	}
	return 0;
}
