/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kmod-util.h"

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

void kt_udp_pair(int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in sb = sa;
	socklen_t len = sizeof(sa);

	*a = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	*b = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*a < 0 || *b < 0)
		die("socket");
	if (bind(*a, (struct sockaddr *)&sa, sizeof(sa)) || bind(*b, (struct sockaddr *)&sb, sizeof(sb)))
		die("bind");
	if (getsockname(*a, (struct sockaddr *)&sa, &len))
		die("getsockname");
	len = sizeof(sb);
	if (getsockname(*b, (struct sockaddr *)&sb, &len))
		die("getsockname");
	if (connect(*a, (struct sockaddr *)&sb, sizeof(sb)) ||
	    connect(*b, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	int big = 4 << 20;
	setsockopt(*a, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(*b, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
}

const char *kt_send_path_name(enum kt_send_path path)
{
	static const char *const names[] = { "sendmsg", "sendmmsg", "io_uring send",
					     "io_uring send-zc" };
	return path < KT_SEND_PATHS ? names[path] : "?";
}

static struct io_uring *ring(void)
{
	static struct io_uring r;
	static bool ready;

	if (!ready) {
		int err = io_uring_queue_init(8, &r, 0);
		if (err) {
			errno = -err;
			die("io_uring_queue_init");
		}
		ready = true;
	}
	return &r;
}

static ssize_t uring_send(int fd, const void *buf, size_t len, bool zc)
{
	struct io_uring *r = ring();
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	struct io_uring_cqe *cqe;
	ssize_t result = -EIO;
	bool more;

	if (zc)
		io_uring_prep_send_zc(sqe, fd, buf, len, 0, 0);
	else
		io_uring_prep_send(sqe, fd, buf, len, 0);
	io_uring_submit(r);
	/* send-zc posts the result, then a notification once the buffer is free. */
	do {
		if (io_uring_wait_cqe(r, &cqe))
			die("io_uring_wait_cqe");
		more = cqe->flags & IORING_CQE_F_MORE;
		if (!(cqe->flags & IORING_CQE_F_NOTIF))
			result = cqe->res;
		io_uring_cqe_seen(r, cqe);
	} while (more);
	return result;
}

ssize_t kt_send(enum kt_send_path path, int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct mmsghdr mm = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };
	ssize_t n;

	switch (path) {
	case KT_SENDMSG:
		n = sendmsg(fd, &mm.msg_hdr, 0);
		return n < 0 ? -errno : n;
	case KT_SENDMMSG:
		n = sendmmsg(fd, &mm, 1, 0);
		if (n < 0)
			return -errno;
		return n == 1 ? (ssize_t)mm.msg_len : -EIO;
	case KT_URING_SEND:
		return uring_send(fd, buf, len, false);
	case KT_URING_SEND_ZC:
		return uring_send(fd, buf, len, true);
	default:
		return -EINVAL;
	}
}

static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, bool *marked, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	union {
		struct cmsghdr align;
		char bytes[CMSG_SPACE(sizeof(uint32_t)) * 2];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
			      .msg_controllen = sizeof(control) };

	*marked = false;
	int r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		uint32_t mark;
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_MARK) {
			memcpy(&mark, CMSG_DATA(c), sizeof(mark));
			*marked = mark == KT_MARK;
		}
	}
	return n;
}

ssize_t kt_recv(int fd, uint8_t *buf, size_t cap, bool *marked)
{
	return recv_within(fd, buf, cap, marked, 1000);
}

bool kt_recv_nothing(int fd)
{
	uint8_t buf[KT_MAX_PACKET];
	bool marked;

	return recv_within(fd, buf, sizeof(buf), &marked, 50) == -ETIMEDOUT;
}

void kt_random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0)
			die("getrandom");
		p += n;
		len -= (size_t)n;
	}
}

void kt_fixed_keys(struct kt_keys *k, enum rtc_srtp_profile profile, const uint8_t *key,
		   const uint8_t *salt)
{
	const struct rtc_srtp_profile_info *info = rtc_srtp_profile_info(profile);

	memset(k, 0, sizeof(*k));
	k->profile = profile;
	k->master.profile = profile;
	k->master.key_len = info->master_key_len;
	k->master.salt_len = info->master_salt_len;
	memcpy(k->master.key, key, info->master_key_len);
	memcpy(k->master.salt, salt, info->master_salt_len);
}

void kt_random_keys(struct kt_keys *k, enum rtc_srtp_profile profile)
{
	uint8_t key[RTC_SRTP_MASTER_KEY_MAX], salt[RTC_SRTP_MASTER_SALT_MAX];

	kt_random_bytes(key, sizeof(key));
	kt_random_bytes(salt, sizeof(salt));
	kt_fixed_keys(k, profile, key, salt);
}

srtp_t kt_srtp_session(const struct kt_keys *k, uint32_t ssrc, bool outbound, uint32_t roc)
{
	static bool initialised;
	uint8_t material[RTC_SRTP_MASTER_KEY_MAX + RTC_SRTP_MASTER_SALT_MAX];
	srtp_policy_t policy;
	srtp_t session;

	if (!initialised) {
		if (srtp_init() != srtp_err_status_ok) {
			errno = EIO;
			die("srtp_init");
		}
		initialised = true;
	}
	memset(&policy, 0, sizeof(policy));
	switch (k->profile) {
	case RTC_SRTP_AES128_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_rtp_default(&policy.rtp);
		srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
		break;
	case RTC_SRTP_AES128_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
		srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
		break;
	case RTC_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
		break;
	case RTC_SRTP_AEAD_AES_256_GCM:	/* the reference only: the module refuses it */
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
		break;
	}
	memcpy(material, k->master.key, k->master.key_len);
	memcpy(material + k->master.key_len, k->master.salt, k->master.salt_len);
	policy.ssrc.type = ssrc_specific;
	policy.ssrc.value = ssrc;
	policy.key = material;
	policy.window_size = 128;
	(void)outbound;
	if (srtp_create(&session, &policy) != srtp_err_status_ok) {
		errno = EINVAL;
		die("srtp_create");
	}
	if (roc && srtp_set_stream_roc(session, ssrc, roc) != srtp_err_status_ok) {
		errno = EINVAL;
		die("srtp_set_stream_roc");
	}
	return session;
}

struct rtc_offload_kernel *kt_kernel(void)
{
	static struct rtc_offload_kernel *k;

	if (!k) {
		int err = rtc_offload_kernel_open(&k);
		if (err) {
			errno = -err;
			die("rtc_offload_kernel_open");
		}
	}
	return k;
}

void kt_attach(int fd)
{
	int err = rtc_offload_kernel_attach(kt_kernel(), fd, KT_MARK);

	if (err) {
		errno = -err;
		die("attach");
	}
}

int kt_add_stream(int fd, const struct kt_keys *k, uint32_t ssrc,
		  enum rtc_offload_direction dir, uint32_t roc, uint32_t srtcp_index,
		  bool session_keys)
{
	struct rtc_offload_stream s = {
		.ssrc = ssrc, .direction = dir, .master = &k->master, .roc = roc,
		.srtcp_index = srtcp_index, .session_keys = session_keys,
	};
	return rtc_offload_kernel_add_stream(kt_kernel(), fd, &s);
}

size_t kt_rtp_packet(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload_len)
{
	buf[0] = 0x80;
	buf[1] = 96;
	buf[2] = seq >> 8;
	buf[3] = seq & 0xff;
	uint32_t ts = htonl(seq * 960u), s = htonl(ssrc);
	memcpy(buf + 4, &ts, 4);
	memcpy(buf + 8, &s, 4);
	kt_random_bytes(buf + 12, payload_len);
	return 12 + payload_len;
}

size_t kt_rtcp_packet(uint8_t *buf, uint32_t ssrc, size_t len)
{
	uint32_t s = htonl(ssrc);

	buf[0] = 0x81;
	buf[1] = 201;	/* receiver report */
	buf[2] = (uint8_t)((len / 4 - 1) >> 8);
	buf[3] = (uint8_t)((len / 4 - 1) & 0xff);
	memcpy(buf + 4, &s, 4);
	kt_random_bytes(buf + 8, len - 8);
	return len;
}

double kt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
