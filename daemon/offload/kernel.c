/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "offload/kernel.h"
#include "rtcd_srtp.h"

/* Two spellings of the same numbers (IANA profiles, directions): keep them equal. */
_Static_assert((int)RTCD_SRTP_AES128_CM_HMAC_SHA1_80 == (int)RTC_SRTP_AES128_CM_HMAC_SHA1_80 &&
	       (int)RTCD_SRTP_AES128_CM_HMAC_SHA1_32 == (int)RTC_SRTP_AES128_CM_HMAC_SHA1_32 &&
	       (int)RTCD_SRTP_AEAD_AES_128_GCM == (int)RTC_SRTP_AEAD_AES_128_GCM,
	       "engine and kernel number profiles alike");
_Static_assert((int)RTCD_SRTP_DIR_RECEIVE == (int)RTC_OFFLOAD_RECEIVE &&
	       (int)RTCD_SRTP_DIR_SEND == (int)RTC_OFFLOAD_SEND, "directions match");

/* RTCD_SRTP_A_MASTER_KEY is exactly this long (kmod/uapi/rtcd_srtp.h). */
#define UAPI_MASTER_KEY_LEN 16

#define MSG_CAPACITY 512
#define REPLY_CAPACITY 8192

struct rtc_offload_kernel {
	int fd;
	uint16_t family;
	uint32_t seq;
	char error[128];
};

/* A request under construction: header, then attributes appended. */
struct request {
	union {
		struct nlmsghdr nlh;
		uint8_t bytes[MSG_CAPACITY];
	};
};

static struct genlmsghdr *request_init(struct request *r, uint16_t type, uint8_t cmd,
				       uint8_t version)
{
	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	struct genlmsghdr *g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = version;
	return g;
}

static void put_attr(struct request *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(r->bytes + NLMSG_ALIGN(r->nlh.nlmsg_len));
	size_t total = NLA_HDRLEN + len;

	/* Requests are built from fixed attribute sets that always fit. */
	if (NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(total) > sizeof(r->bytes))
		abort();
	a->nla_type = type;
	a->nla_len = (uint16_t)total;
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(total);
}

static void put_u32(struct request *r, uint16_t type, uint32_t v) { put_attr(r, type, &v, 4); }
static void put_u16(struct request *r, uint16_t type, uint16_t v) { put_attr(r, type, &v, 2); }
static void put_u8(struct request *r, uint16_t type, uint8_t v) { put_attr(r, type, &v, 1); }

typedef void (*attr_fn)(const struct nlattr *a, void *ctx);

static void for_each_attr(const void *data, size_t len, attr_fn fn, void *ctx)
{
	const uint8_t *p = data;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return;
		fn(a, ctx);
		size_t step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			return;
		p += step;
		len -= step;
	}
}

static void save_extack(const struct nlattr *a, void *ctx)
{
	struct rtc_offload_kernel *k = ctx;

	if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
		size_t n = a->nla_len - NLA_HDRLEN;
		if (n >= sizeof(k->error))
			n = sizeof(k->error) - 1;
		memcpy(k->error, (const uint8_t *)a + NLA_HDRLEN, n);
		k->error[n] = '\0';
	}
}

/*
 * Send one request and read until its acknowledgement; on_reply sees the
 * attributes of each data message in between.
 */
static int transact(struct rtc_offload_kernel *k, struct request *r, attr_fn on_reply,
		    void *ctx)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t *buf;
	int err = -EPROTO;

	k->error[0] = '\0';
	r->nlh.nlmsg_seq = ++k->seq;
	if (sendto(k->fd, r, r->nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	buf = malloc(REPLY_CAPACITY);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = recv(k->fd, buf, REPLY_CAPACITY, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != k->seq)
				continue;	/* a late answer to an abandoned request */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					goto out;
				if (e->error && (h->nlmsg_flags & NLM_F_ACK_TLVS)) {
					size_t off = sizeof(*e);
					if (!(h->nlmsg_flags & NLM_F_CAPPED))
						off += e->msg.nlmsg_len - NLMSG_HDRLEN;
					if (NLMSG_LENGTH(off) <= h->nlmsg_len)
						for_each_attr((const uint8_t *)e + off,
							      h->nlmsg_len - NLMSG_LENGTH(off),
							      save_extack, k);
				}
				err = e->error;
				goto out;
			}
			if (h->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN) && on_reply)
				for_each_attr((uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN,
					      h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
					      on_reply, ctx);
		}
	}
out:
	free(buf);
	return err;
}

struct family_reply {
	uint16_t id;
	uint32_t version;
};

static void read_family(const struct nlattr *a, void *ctx)
{
	struct family_reply *f = ctx;
	const void *data = (const uint8_t *)a + NLA_HDRLEN;

	if (a->nla_type == CTRL_ATTR_FAMILY_ID && a->nla_len >= NLA_HDRLEN + 2)
		memcpy(&f->id, data, 2);
	else if (a->nla_type == CTRL_ATTR_VERSION && a->nla_len >= NLA_HDRLEN + 4)
		memcpy(&f->version, data, 4);
}

int rtc_offload_kernel_open(struct rtc_offload_kernel **out)
{
	struct rtc_offload_kernel *k = calloc(1, sizeof(*k));
	struct family_reply family = { 0 };
	struct request r;
	int one = 1, err;

	if (!k)
		return -ENOMEM;
	k->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (k->fd < 0) {
		err = -errno;
		free(k);
		return err;
	}
	/* Best effort: without it errors just come without the kernel's words. */
	(void)setsockopt(k->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(k->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	request_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, RTCD_SRTP_GENL_NAME, sizeof(RTCD_SRTP_GENL_NAME));
	err = transact(k, &r, read_family, &family);
	if (!err && !family.id)
		err = -ENOENT;
	if (!err && family.version != RTCD_SRTP_GENL_VERSION)
		err = -EPROTO;
	if (err) {
		close(k->fd);
		free(k);
		return err;
	}
	k->family = family.id;
	*out = k;
	return 0;
}

void rtc_offload_kernel_close(struct rtc_offload_kernel *k)
{
	if (!k)
		return;
	close(k->fd);
	free(k);
}

const char *rtc_offload_kernel_error(const struct rtc_offload_kernel *k)
{
	return k->error;
}

static void request_for(struct rtc_offload_kernel *k, struct request *r, uint8_t cmd, int fd)
{
	request_init(r, k->family, cmd, RTCD_SRTP_GENL_VERSION);
	put_u32(r, RTCD_SRTP_A_FD, (uint32_t)fd);
}

int rtc_offload_kernel_attach(struct rtc_offload_kernel *k, int fd, uint32_t mark)
{
	struct request r;
	int one = 1;

	if (!mark)
		return -EINVAL;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVMARK, &one, sizeof(one)) < 0)
		return -errno;
	request_for(k, &r, RTCD_SRTP_CMD_ATTACH, fd);
	put_u32(&r, RTCD_SRTP_A_MARK, mark);
	return transact(k, &r, NULL, NULL);
}

int rtc_offload_kernel_detach(struct rtc_offload_kernel *k, int fd)
{
	struct request r;

	request_for(k, &r, RTCD_SRTP_CMD_DETACH, fd);
	return transact(k, &r, NULL, NULL);
}

const char *rtc_offload_kernel_refuses(const struct rtc_srtp_master *m)
{
	if (!m || !rtc_srtp_profile_info(m->profile))
		return "no master key, or an unknown SRTP profile";
	switch ((int)m->profile) {
	case RTCD_SRTP_AES128_CM_HMAC_SHA1_80:
	case RTCD_SRTP_AES128_CM_HMAC_SHA1_32:
	case RTCD_SRTP_AEAD_AES_128_GCM:
		break;
	default:
		return "the kernel module does not know this SRTP profile";
	}
	/* Other lengths that do not fit the profile are the kernel's to refuse. */
	if (m->key_len > UAPI_MASTER_KEY_LEN)
		return "the kernel module takes 16-byte master keys only";
	return NULL;
}

int rtc_offload_kernel_add_stream(struct rtc_offload_kernel *k, int fd,
				  const struct rtc_offload_stream *s)
{
	struct request r;

	if (!s->master || !rtc_srtp_profile_info(s->master->profile))
		return -EINVAL;
	const char *refused = rtc_offload_kernel_refuses(s->master);

	if (refused) {
		snprintf(k->error, sizeof(k->error), "%s", refused);
		return -EPROTONOSUPPORT;
	}
	request_for(k, &r, RTCD_SRTP_CMD_ADD_STREAM, fd);
	put_u32(&r, RTCD_SRTP_A_SSRC, s->ssrc);
	put_u8(&r, RTCD_SRTP_A_DIRECTION, (uint8_t)s->direction);
	put_u16(&r, RTCD_SRTP_A_PROFILE, (uint16_t)s->master->profile);
	put_attr(&r, RTCD_SRTP_A_MASTER_KEY, s->master->key, s->master->key_len);
	put_attr(&r, RTCD_SRTP_A_MASTER_SALT, s->master->salt, s->master->salt_len);
	put_u32(&r, RTCD_SRTP_A_ROC, s->roc);
	if (s->replay_window)
		put_u16(&r, RTCD_SRTP_A_REPLAY_WINDOW, s->replay_window);
	put_u32(&r, RTCD_SRTP_A_SRTCP_INDEX, s->srtcp_index);
	if (s->session_keys)
		put_attr(&r, RTCD_SRTP_A_SESSION_KEYS, NULL, 0);
	int err = transact(k, &r, NULL, NULL);
	/* The request held key material: leave none of it in memory. */
	explicit_bzero(&r, sizeof(r));
	return err;
}

static void stream_key(struct rtc_offload_kernel *k, struct request *r, uint8_t cmd,
		       int fd, uint32_t ssrc, enum rtc_offload_direction direction)
{
	request_for(k, r, cmd, fd);
	put_u32(r, RTCD_SRTP_A_SSRC, ssrc);
	put_u8(r, RTCD_SRTP_A_DIRECTION, (uint8_t)direction);
}

int rtc_offload_kernel_del_stream(struct rtc_offload_kernel *k, int fd, uint32_t ssrc,
				  enum rtc_offload_direction direction)
{
	struct request r;

	stream_key(k, &r, RTCD_SRTP_CMD_DEL_STREAM, fd, ssrc, direction);
	return transact(k, &r, NULL, NULL);
}

static void read_stats(const struct nlattr *a, void *ctx)
{
	struct rtc_offload_stats *s = ctx;
	uint64_t v;

	if (a->nla_len < NLA_HDRLEN + sizeof(v))
		return;
	memcpy(&v, (const uint8_t *)a + NLA_HDRLEN, sizeof(v));
	switch (a->nla_type) {
	case RTCD_SRTP_A_STATS_PACKETS: s->packets = v; break;
	case RTCD_SRTP_A_STATS_BYTES: s->bytes = v; break;
	case RTCD_SRTP_A_STATS_AUTH_FAILURES: s->auth_failures = v; break;
	case RTCD_SRTP_A_STATS_REPLAYS: s->replays = v; break;
	case RTCD_SRTP_A_STATS_MALFORMED: s->malformed = v; break;
	default: break;
	}
}

int rtc_offload_kernel_get_stats(struct rtc_offload_kernel *k, int fd, uint32_t ssrc,
				 enum rtc_offload_direction direction,
				 struct rtc_offload_stats *out)
{
	struct request r;

	memset(out, 0, sizeof(*out));
	stream_key(k, &r, RTCD_SRTP_CMD_GET_STREAM, fd, ssrc, direction);
	return transact(k, &r, read_stats, out);
}
