/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rtcd_srtp module, exercised from inside the test VM (TAP output on the
 * serial console): published vectors, random traffic cross-checked against
 * libsrtp2 on every send path, bad packets, the control plane's refusals,
 * detach and removal under traffic, network namespaces and other processes.
 * Needs root in the VM (it creates namespaces and drops to another user).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/udp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "kmod-util.h"

static int hex(const char *s, uint8_t *out)
{
	int n = 0;

	for (; *s; s++) {
		if (*s == ' ')
			continue;
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s++;
	}
	return n;
}

/* ---- published vectors ------------------------------------------------- */

/* RFC 3711 appendix B.3 master key and salt; packets from libsrtp2's own checks. */
static const char *const B3_KEY = "e1f97a0d3e018be0d64fa32c06de4139";
static const char *const B3_SALT = "0ec675ad498afeebb6960b3aabe6";
static const char *const CM_RTP_PLAIN = "800f1234decafbadcafebabe abababababababababababababababab";
static const char *const CM80_RTP = "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb";
static const char *const CM32_RTP = "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc";
static const char *const CM_RTCP_PLAIN = "81c8000bcafebabe abababababababababababababababab";
static const char *const CM80_RTCP = "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798";
/* RFC 7714 sections 16.1.1 and 17.1.1: session key and salt as given. */
static const char *const GCM_KEY = "000102030405060708090a0b0c0d0e0f";
static const char *const GCM_SALT = "517569642070726f2071756f";
static const char *const GCM_RTP_PLAIN = "8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e697320646976697361"
	"20696e207061727465732074726573";
static const char *const GCM_RTP = "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f"
	"42a5f47a51c7d19b36de3adf8833 899d7f27beb16a9152cf765ee4390cce";
static const char *const GCM_RTCP_PLAIN = "81c8000d4d617273 4e5450314e545032525450200000042a0000e9304c756e61"
	"deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
static const char *const GCM_RTCP = "81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1"
	"730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade 800005d4";

struct vector {
	const char *name;
	enum rtc_srtp_profile profile;
	const char *key, *salt, *plain, *protected;
	uint32_t ssrc, srtcp_index;
	bool session_keys;
};

static const struct vector vectors[] = {
	{ "AES_CM_128_HMAC_SHA1_80 RTP", RTC_SRTP_AES128_CM_HMAC_SHA1_80, B3_KEY, B3_SALT,
	  CM_RTP_PLAIN, CM80_RTP, 0xcafebabe, 0, false },
	{ "AES_CM_128_HMAC_SHA1_32 RTP", RTC_SRTP_AES128_CM_HMAC_SHA1_32, B3_KEY, B3_SALT,
	  CM_RTP_PLAIN, CM32_RTP, 0xcafebabe, 0, false },
	{ "AES_CM_128_HMAC_SHA1_80 RTCP", RTC_SRTP_AES128_CM_HMAC_SHA1_80, B3_KEY, B3_SALT,
	  CM_RTCP_PLAIN, CM80_RTCP, 0xcafebabe, 0, false },
	{ "AEAD_AES_128_GCM RTP (RFC 7714 16.1.1)", RTC_SRTP_AEAD_AES_128_GCM, GCM_KEY, GCM_SALT,
	  GCM_RTP_PLAIN, GCM_RTP, 0x5501a0b2, 0, true },
	{ "AEAD_AES_128_GCM RTCP (RFC 7714 17.1.1)", RTC_SRTP_AEAD_AES_128_GCM, GCM_KEY, GCM_SALT,
	  GCM_RTCP_PLAIN, GCM_RTCP, 0x4d617273, 0x5d3, true },
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		uint8_t key[16], salt[14], plain[256], prot[256], got[KT_MAX_PACKET];
		struct kt_keys k;
		bool marked;
		int a, b;

		hex(v->key, key);
		hex(v->salt, salt);
		int plain_len = hex(v->plain, plain), prot_len = hex(v->protected, prot);
		kt_fixed_keys(&k, v->profile, key, salt);
		kt_udp_pair(&a, &b);
		kt_attach(a);
		CHECK_INTEQ(kt_add_stream(a, &k, v->ssrc, RTC_OFFLOAD_SEND, 0, v->srtcp_index,
					  v->session_keys), 0);
		CHECK_INTEQ(kt_add_stream(a, &k, v->ssrc, RTC_OFFLOAD_RECEIVE, 0, 0,
					  v->session_keys), 0);

		/* Send: the plaintext leaves as the published packet. */
		CHECK_INTEQ(kt_send(KT_SENDMSG, a, plain, (size_t)plain_len), plain_len);
		ssize_t n = kt_recv(b, got, sizeof(got), &marked);
		CHECK_INTEQ(n, prot_len);
		CHECK(n == prot_len && memcmp(got, prot, (size_t)prot_len) == 0);
		if (n != prot_len || memcmp(got, prot, (size_t)prot_len))
			printf("# vector %s: send side differs\n", v->name);

		/* Receive: the published packet arrives as the plaintext, marked. */
		CHECK_INTEQ(send(b, prot, (size_t)prot_len, 0), prot_len);
		n = kt_recv(a, got, sizeof(got), &marked);
		CHECK_INTEQ(n, plain_len);
		CHECK(marked);
		CHECK(n == plain_len && memcmp(got, plain, (size_t)plain_len) == 0);
		printf("# vector %s checked\n", v->name);
		close(a);
		close(b);
	}
}

/* ---- random traffic against libsrtp2 ------------------------------------ */

#define RANDOM_PACKETS 10000
/* ROC goes 0 -> 1 half way through. */
#define FIRST_SEQ ((uint16_t)(65536 - RANDOM_PACKETS / 2))

static int random_round(enum rtc_srtp_profile profile)
{
	struct kt_keys k;
	uint32_t ssrc;
	int a, b, failures = 0;
	uint8_t plain[KT_MAX_PACKET], expect[KT_MAX_PACKET], got[KT_MAX_PACKET];
	bool marked;

	kt_random_keys(&k, profile);
	kt_random_bytes(&ssrc, sizeof(ssrc));
	kt_udp_pair(&a, &b);
	kt_attach(a);
	if (kt_add_stream(a, &k, ssrc, RTC_OFFLOAD_SEND, 0, 0, false) ||
	    kt_add_stream(a, &k, ssrc, RTC_OFFLOAD_RECEIVE, 0, 0, false))
		return -1;
	/* The peer side: libsrtp2 both ways. */
	srtp_t ref_out = kt_srtp_session(&k, ssrc, true, 0);
	srtp_t ref_in = kt_srtp_session(&k, ssrc, false, 0);
	srtp_t peer_out = kt_srtp_session(&k, ssrc, true, 0);

	for (int i = 0; i < RANDOM_PACKETS && failures < 5; i++) {
		bool rtcp = i % 16 == 15;
		uint16_t seq = (uint16_t)(FIRST_SEQ + i);
		uint16_t r;
		kt_random_bytes(&r, sizeof(r));
		size_t len = rtcp ? kt_rtcp_packet(plain, ssrc, 8 + 4 * (r % 64))
				  : kt_rtp_packet(plain, seq, ssrc, r % 1200);
		int elen = (int)len;
		enum kt_send_path path = (enum kt_send_path)(i % KT_SEND_PATHS);

		/* Kernel protects; libsrtp2's output for the same index must match. */
		memcpy(expect, plain, len);
		srtp_err_status_t st = rtcp ? srtp_protect_rtcp(ref_out, expect, &elen)
					    : srtp_protect(ref_out, expect, &elen);
		ssize_t sent = kt_send(path, a, plain, len);
		ssize_t n = kt_recv(b, got, sizeof(got), &marked);
		int glen = (int)n;
		bool ok = st == srtp_err_status_ok && sent == (ssize_t)len && n == elen &&
			  memcmp(got, expect, (size_t)elen) == 0;
		if (ok) {
			st = rtcp ? srtp_unprotect_rtcp(ref_in, got, &glen)
				  : srtp_unprotect(ref_in, got, &glen);
			ok = st == srtp_err_status_ok && glen == (int)len &&
			     memcmp(got, plain, len) == 0;
		}
		if (!ok) {
			printf("# %s packet %d (%s, %s): sent %zd, got %zd, expected %d\n",
			       rtc_srtp_profile_info(profile)->name, i, rtcp ? "RTCP" : "RTP",
			       kt_send_path_name(path), sent, n, elen);
			failures++;
			continue;
		}

		/* libsrtp2 protects; the kernel must hand over the plaintext. */
		memcpy(expect, plain, len);
		elen = (int)len;
		st = rtcp ? srtp_protect_rtcp(peer_out, expect, &elen)
			  : srtp_protect(peer_out, expect, &elen);
		send(b, expect, (size_t)elen, 0);
		n = kt_recv(a, got, sizeof(got), &marked);
		if (st != srtp_err_status_ok || n != (ssize_t)len || !marked ||
		    memcmp(got, plain, len) != 0) {
			printf("# %s packet %d (%s) not accepted: got %zd marked %d\n",
			       rtc_srtp_profile_info(profile)->name, i, rtcp ? "RTCP" : "RTP", n,
			       marked);
			failures++;
		}
	}
	struct rtc_offload_stats s;
	CHECK_INTEQ(rtc_offload_kernel_get_stats(kt_kernel(), a, ssrc, RTC_OFFLOAD_SEND, &s), 0);
	CHECK_INTEQ(s.packets, RANDOM_PACKETS);
	CHECK_INTEQ(rtc_offload_kernel_get_stats(kt_kernel(), a, ssrc, RTC_OFFLOAD_RECEIVE, &s), 0);
	CHECK_INTEQ(s.packets, RANDOM_PACKETS);
	CHECK_INTEQ(s.auth_failures + s.replays + s.malformed, 0);
	srtp_dealloc(ref_out);
	srtp_dealloc(ref_in);
	srtp_dealloc(peer_out);
	close(a);
	close(b);
	printf("# %s: %d packets each way, ROC wrapped, %d failures\n",
	       rtc_srtp_profile_info(profile)->name, RANDOM_PACKETS, failures);
	return failures;
}

static void test_random_cm80(void) { CHECK_INTEQ(random_round(RTC_SRTP_AES128_CM_HMAC_SHA1_80), 0); }
static void test_random_cm32(void) { CHECK_INTEQ(random_round(RTC_SRTP_AES128_CM_HMAC_SHA1_32), 0); }
static void test_random_gcm(void) { CHECK_INTEQ(random_round(RTC_SRTP_AEAD_AES_128_GCM), 0); }

/* ---- bad packets ----------------------------------------------------------- */

static void test_bad_packets(void)
{
	const uint32_t ssrc = 0x11223344;
	uint8_t plain[200], prot[256], bad[256], got[KT_MAX_PACKET];
	struct rtc_offload_stats s;
	struct kt_keys k;
	bool marked;
	int a, b, len;

	kt_random_keys(&k, RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	kt_udp_pair(&a, &b);
	kt_attach(a);
	CHECK_INTEQ(kt_add_stream(a, &k, ssrc, RTC_OFFLOAD_RECEIVE, 0, 0, false), 0);
	srtp_t peer = kt_srtp_session(&k, ssrc, true, 0);

	size_t plen = kt_rtp_packet(plain, 1, ssrc, 100);
	memcpy(prot, plain, plen);
	len = (int)plen;
	CHECK(srtp_protect(peer, prot, &len) == srtp_err_status_ok);

	send(b, prot, (size_t)len, 0);
	CHECK_INTEQ(kt_recv(a, got, sizeof(got), &marked), (ssize_t)plen);
	CHECK(marked);
	send(b, prot, (size_t)len, 0);			/* replayed */
	CHECK(kt_recv_nothing(a));
	memcpy(bad, prot, (size_t)len);
	bad[2] = 0;
	bad[3] = 2;					/* new index, old tag: tampered */
	send(b, bad, (size_t)len, 0);
	memcpy(bad, prot, (size_t)len);
	bad[3] = 3;
	bad[40] ^= 1;					/* payload bit flipped */
	send(b, bad, (size_t)len, 0);
	memcpy(bad, prot, (size_t)len);
	bad[3] = 5;
	send(b, bad, 12 + 5, 0);			/* truncated below the tag */
	kt_random_bytes(bad + 12, 100);			/* garbage after a valid header */
	memcpy(bad, prot, 12);
	bad[3] = 4;
	send(b, bad, 112, 0);
	CHECK(kt_recv_nothing(a));

	CHECK_INTEQ(rtc_offload_kernel_get_stats(kt_kernel(), a, ssrc, RTC_OFFLOAD_RECEIVE, &s), 0);
	CHECK_INTEQ(s.packets, 1);
	CHECK_INTEQ(s.replays, 1);
	CHECK_INTEQ(s.auth_failures, 3);
	CHECK_INTEQ(s.malformed, 1);

	/* Not ours: unknown SSRC, STUN, short junk pass untouched and unmarked. */
	uint8_t other[64];
	size_t olen = kt_rtp_packet(other, 9, ssrc + 1, 30);
	send(b, other, olen, 0);
	CHECK_INTEQ(kt_recv(a, got, sizeof(got), &marked), (ssize_t)olen);
	CHECK(!marked && memcmp(got, other, olen) == 0);
	uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
	send(b, stun, sizeof(stun), 0);
	CHECK_INTEQ(kt_recv(a, got, sizeof(got), &marked), (ssize_t)sizeof(stun));
	CHECK(!marked);
	send(b, "\x80", 1, 0);
	CHECK_INTEQ(kt_recv(a, got, sizeof(got), &marked), 1);
	CHECK(!marked);
	/* A packet that already carries our mark loses it. */
	int mark = (int)KT_MARK;
	CHECK_INTEQ(setsockopt(b, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)), 0);
	send(b, other, olen, 0);
	CHECK_INTEQ(kt_recv(a, got, sizeof(got), &marked), (ssize_t)olen);
	CHECK(!marked);
	srtp_dealloc(peer);
	close(a);
	close(b);
}

/* ---- control plane ---------------------------------------------------------- */

static void test_control_refusals(void)
{
	struct rtc_offload_kernel *kk = kt_kernel();
	struct kt_keys k;
	int a, b;
	uint8_t pkt[64], got[KT_MAX_PACKET];

	kt_random_keys(&k, RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	kt_udp_pair(&a, &b);
	CHECK_INTEQ(kt_add_stream(a, &k, 1, RTC_OFFLOAD_SEND, 0, 0, false), -ENOENT);
	CHECK_INTEQ(rtc_offload_kernel_detach(kk, a), -ENOENT);
	kt_attach(a);
	CHECK_INTEQ(rtc_offload_kernel_attach(kk, a, KT_MARK), -EEXIST);
	CHECK_INTEQ(rtc_offload_kernel_attach(kk, a, 0), -EINVAL);
	CHECK_INTEQ(kt_add_stream(a, &k, 1, RTC_OFFLOAD_SEND, 0, 0, false), 0);
	CHECK_INTEQ(kt_add_stream(a, &k, 1, RTC_OFFLOAD_SEND, 0, 0, false), -EEXIST);
	CHECK_INTEQ(kt_add_stream(a, &k, 1, RTC_OFFLOAD_SEND, 0, 0, true), -EINVAL);
	struct kt_keys gcm = k;
	gcm.master.salt_len = 14;	/* GCM takes 12 */
	gcm.master.profile = gcm.profile = RTC_SRTP_AEAD_AES_128_GCM;
	CHECK_INTEQ(kt_add_stream(a, &gcm, 2, RTC_OFFLOAD_SEND, 0, 0, false), -EINVAL);
	printf("# kernel says: %s\n", rtc_offload_kernel_error(kk));
	CHECK(strlen(rtc_offload_kernel_error(kk)) > 0);
	CHECK_INTEQ(rtc_offload_kernel_del_stream(kk, a, 7, RTC_OFFLOAD_SEND), -ENOENT);

	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_INTEQ(rtc_offload_kernel_attach(kk, tcp, KT_MARK), -EPROTONOSUPPORT);
	close(tcp);
	CHECK_INTEQ(rtc_offload_kernel_attach(kk, 1000, KT_MARK), -EBADF);

	/* A protected packet is one whole datagram. */
	size_t len = kt_rtp_packet(pkt, 1, 1, 20);
	CHECK_INTEQ(send(a, pkt, len, MSG_MORE), -1);
	CHECK_INTEQ(errno, EOPNOTSUPP);
	int one = 1;
	CHECK_INTEQ(setsockopt(a, IPPROTO_UDP, UDP_CORK, &one, sizeof(one)), 0);
	CHECK_INTEQ(send(a, pkt, len, 0), -1);
	CHECK_INTEQ(errno, EOPNOTSUPP);
	one = 0;
	CHECK_INTEQ(setsockopt(a, IPPROTO_UDP, UDP_CORK, &one, sizeof(one)), 0);
	union {
		struct cmsghdr align;
		char bytes[CMSG_SPACE(sizeof(uint16_t))];
	} control = { 0 };
	struct iovec iov = { .iov_base = pkt, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	uint16_t gso = 100;
	memcpy(CMSG_DATA(c), &gso, sizeof(gso));
	CHECK_INTEQ(sendmsg(a, &msg, 0), -1);
	CHECK_INTEQ(errno, EOPNOTSUPP);
	int encap = 2;	/* UDP_ENCAP_ESPINUDP would take over the receive hook */
	CHECK_INTEQ(setsockopt(a, IPPROTO_UDP, UDP_ENCAP, &encap, sizeof(encap)), -1);
	CHECK_INTEQ(errno, EBUSY);

	/* libsrtp2 refuses to reuse an index; so does the kernel. */
	bool marked;
	CHECK_INTEQ(send(a, pkt, len, 0), (ssize_t)len);
	CHECK(kt_recv(b, got, sizeof(got), &marked) > (ssize_t)len);
	CHECK_INTEQ(send(a, pkt, len, 0), -1);
	CHECK_INTEQ(errno, EALREADY);
	close(a);
	close(b);
}

/* ---- detach and removal under traffic -------------------------------------- */

static pid_t flood(int fd, uint32_t ssrc)
{
	pid_t pid = fork();

	if (pid == 0) {
		uint8_t pkt[300];
		for (uint32_t i = 0;; i++) {
			size_t len = kt_rtp_packet(pkt, (uint16_t)i, ssrc, 200);
			send(fd, pkt, len, MSG_DONTWAIT);
		}
	}
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_churn_under_traffic(void)
{
	struct rtc_offload_kernel *kk = kt_kernel();
	const uint32_t ssrc = 0xabcdef01;
	struct kt_keys k;
	int a, b, errors = 0;

	kt_random_keys(&k, RTC_SRTP_AEAD_AES_128_GCM);
	kt_udp_pair(&a, &b);
	/* Traffic both ways: a sends plaintext to protect, b sends junk SRTP to a. */
	pid_t tx = flood(a, ssrc), rx = flood(b, ssrc);
	double end = kt_now() + 3;
	int rounds = 0;
	while (kt_now() < end) {
		errors += rtc_offload_kernel_attach(kk, a, KT_MARK) != 0;
		errors += kt_add_stream(a, &k, ssrc, RTC_OFFLOAD_SEND, 0, 0, false) != 0;
		errors += kt_add_stream(a, &k, ssrc, RTC_OFFLOAD_RECEIVE, 0, 0, false) != 0;
		errors += rtc_offload_kernel_del_stream(kk, a, ssrc, RTC_OFFLOAD_SEND) != 0;
		errors += kt_add_stream(a, &k, ssrc, RTC_OFFLOAD_SEND, 0, 0, false) != 0;
		errors += rtc_offload_kernel_detach(kk, a) != 0;
		rounds++;
	}
	/* Close an attached socket while its traffic flows. */
	kt_attach(a);
	CHECK_INTEQ(kt_add_stream(a, &k, ssrc, RTC_OFFLOAD_RECEIVE, 0, 0, false), 0);
	close(a);
	usleep(100000);
	stop(tx);
	stop(rx);
	close(b);
	printf("# %d attach/add/remove/detach rounds under traffic, %d errors\n", rounds, errors);
	CHECK(rounds > 0);
	CHECK_INTEQ(errors, 0);
}

/* ---- network namespaces and other processes ---------------------------------- */

static void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	strcpy(ifr.ifr_name, "lo");
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
}

/* In a child: returns its exit status (0 when every check there passed). */
static int in_child(int (*fn)(void *), void *arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* One round trip of a vector-free check: protect in the kernel, unprotect in libsrtp2. */
static int round_trip(int a, int b, uint32_t ssrc, const struct kt_keys *k)
{
	uint8_t pkt[200], got[KT_MAX_PACKET];
	bool marked;
	size_t len = kt_rtp_packet(pkt, 5, ssrc, 100);
	srtp_t in = kt_srtp_session(k, ssrc, false, 0);
	int glen;

	if (kt_send(KT_SENDMSG, a, pkt, len) != (ssize_t)len)
		return 1;
	glen = (int)kt_recv(b, got, sizeof(got), &marked);
	int ok = glen > 0 && srtp_unprotect(in, got, &glen) == srtp_err_status_ok &&
		 glen == (int)len && memcmp(got, pkt, len) == 0;
	srtp_dealloc(in);
	return ok ? 0 : 1;
}

static int foreign_netns_child(void *arg)
{
	int outer = *(int *)arg;
	struct rtc_offload_kernel *kk;
	struct kt_keys k;
	int a, b;

	if (unshare(CLONE_NEWNET))
		return 2;
	loopback_up();
	/* The family exists in the new namespace too. */
	if (rtc_offload_kernel_open(&kk))
		return 3;
	/* A socket from the first namespace is not this one's to configure. */
	if (rtc_offload_kernel_attach(kk, outer, KT_MARK) != -EXDEV)
		return 4;
	kt_udp_pair(&a, &b);
	kt_random_keys(&k, RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	if (rtc_offload_kernel_attach(kk, a, KT_MARK))
		return 5;
	struct rtc_offload_stream s = { .ssrc = 42, .direction = RTC_OFFLOAD_SEND, .master = &k.master };
	if (rtc_offload_kernel_add_stream(kk, a, &s))
		return 6;
	return round_trip(a, b, 42, &k) ? 7 : 0;
}

static void test_two_namespaces(void)
{
	struct kt_keys k;
	int a, b;

	kt_random_keys(&k, RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	kt_udp_pair(&a, &b);
	kt_attach(a);
	CHECK_INTEQ(kt_add_stream(a, &k, 42, RTC_OFFLOAD_SEND, 0, 0, false), 0);
	CHECK_INTEQ(in_child(foreign_netns_child, &b), 0);
	/* Same SSRC, other namespace, other keys: ours is untouched. */
	CHECK_INTEQ(round_trip(a, b, 42, &k), 0);
	close(a);
	close(b);
}

static int other_user_child(void *arg)
{
	int victim = *(int *)arg;
	struct rtc_offload_kernel *kk;
	struct rtc_offload_stats s;

	/* Another process, another user, without the descriptor. */
	if (setgid(65534) || setuid(65534))
		return 2;
	if (rtc_offload_kernel_open(&kk))
		return 3;
	close(victim);
	if (rtc_offload_kernel_get_stats(kk, victim, 42, RTC_OFFLOAD_SEND, &s) != -EBADF)
		return 4;
	if (rtc_offload_kernel_detach(kk, victim) != -EBADF)
		return 5;
	/* Nor can it take the descriptor from the owner. */
	int pidfd = (int)syscall(SYS_pidfd_open, getppid(), 0);
	if (pidfd >= 0 && syscall(SYS_pidfd_getfd, pidfd, victim, 0) >= 0)
		return 6;
	/* Its own socket it may attach, unprivileged. */
	int a, b;
	struct kt_keys k;
	kt_udp_pair(&a, &b);
	kt_random_keys(&k, RTC_SRTP_AEAD_AES_128_GCM);
	if (rtc_offload_kernel_attach(kk, a, KT_MARK))
		return 7;
	struct rtc_offload_stream st = { .ssrc = 42, .direction = RTC_OFFLOAD_SEND, .master = &k.master };
	if (rtc_offload_kernel_add_stream(kk, a, &st))
		return 8;
	return round_trip(a, b, 42, &k) ? 9 : 0;
}

static void test_other_process(void)
{
	struct kt_keys k;
	int a, b;

	kt_random_keys(&k, RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	kt_udp_pair(&a, &b);
	kt_attach(a);
	CHECK_INTEQ(kt_add_stream(a, &k, 42, RTC_OFFLOAD_SEND, 0, 0, false), 0);
	CHECK_INTEQ(in_child(other_user_child, &a), 0);
	struct rtc_offload_stats s;
	CHECK_INTEQ(rtc_offload_kernel_get_stats(kt_kernel(), a, 42, RTC_OFFLOAD_SEND, &s), 0);
	CHECK_INTEQ(s.packets, 0);
	CHECK_INTEQ(round_trip(a, b, 42, &k), 0);
	close(a);
	close(b);
}

/* ---- module removal ----------------------------------------------------------- */

static void test_rmmod_under_traffic(void)
{
	struct kt_keys k;
	int a, b, c, d;

	kt_random_keys(&k, RTC_SRTP_AES128_CM_HMAC_SHA1_80);
	/* The plain flood must not hold a copy of the attached socket. */
	kt_udp_pair(&c, &d);
	pid_t plain = flood(c, 7);
	kt_udp_pair(&a, &b);
	kt_attach(a);
	CHECK_INTEQ(kt_add_stream(a, &k, 7, RTC_OFFLOAD_SEND, 0, 0, false), 0);
	pid_t attached = flood(a, 7);
	usleep(200000);
	/* An attached socket keeps the module: removal is refused, traffic goes on. */
	CHECK_INTEQ(syscall(SYS_delete_module, "rtcd_srtp", O_NONBLOCK), -1);
	CHECK_INTEQ(errno, EWOULDBLOCK);
	stop(attached);
	close(a);
	close(b);
	usleep(100000);
	/* Closed: the module goes, while other UDP traffic flows. */
	CHECK_INTEQ(syscall(SYS_delete_module, "rtcd_srtp", O_NONBLOCK), 0);
	stop(plain);
	close(c);
	close(d);
	struct rtc_offload_kernel *gone;
	CHECK_INTEQ(rtc_offload_kernel_open(&gone), -ENOENT);
}

int kt_bench(void);

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "bench") == 0)
		return kt_bench();
	RUN(test_vectors);
	RUN(test_random_cm80);
	RUN(test_random_cm32);
	RUN(test_random_gcm);
	RUN(test_bad_packets);
	RUN(test_control_refusals);
	RUN(test_churn_under_traffic);
	RUN(test_two_namespaces);
	RUN(test_other_process);
	RUN(test_rmmod_under_traffic);
	return rtc_test_done();
}
