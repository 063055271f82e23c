// SPDX-License-Identifier: GPL-2.0
#include <linux/file.h>
#include <linux/net.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "netlink.h"
#include "socket.h"
#include "uapi/rtcd_srtp.h"

/* SRTCP indexes are 31 bits. */
static struct netlink_range_validation srtcp_index_range = {
	.max = 0x7fffffff,
};

static const struct nla_policy policy[RTCD_SRTP_A_MAX + 1] = {
	[RTCD_SRTP_A_FD]		= { .type = NLA_U32 },
	[RTCD_SRTP_A_MARK]		= NLA_POLICY_MIN(NLA_U32, 1),
	[RTCD_SRTP_A_SSRC]		= { .type = NLA_U32 },
	[RTCD_SRTP_A_DIRECTION]		= NLA_POLICY_RANGE(NLA_U8, RTCD_SRTP_DIR_RECEIVE,
							   RTCD_SRTP_DIR_SEND),
	[RTCD_SRTP_A_PROFILE]		= { .type = NLA_U16 },
	[RTCD_SRTP_A_MASTER_KEY]	= NLA_POLICY_EXACT_LEN(RTCD_SRTP_KEY_LEN),
	[RTCD_SRTP_A_MASTER_SALT]	= { .type = NLA_BINARY, .len = 14 },
	[RTCD_SRTP_A_ROC]		= { .type = NLA_U32 },
	[RTCD_SRTP_A_REPLAY_WINDOW]	= NLA_POLICY_RANGE(NLA_U16, RTCD_SRTP_REPLAY_WINDOW_MIN,
							   RTCD_SRTP_REPLAY_WINDOW_MAX),
	[RTCD_SRTP_A_SRTCP_INDEX]	= NLA_POLICY_FULL_RANGE(NLA_U32, &srtcp_index_range),
	[RTCD_SRTP_A_SESSION_KEYS]	= { .type = NLA_FLAG },
};

static struct genl_family family;

/*
 * The descriptor is looked up in the calling process's own table (doit runs
 * in its context), so a process reaches only sockets it holds. The socket
 * must also live in the namespace the request was made in.
 */
static struct socket *lookup_socket(struct genl_info *info, int *err)
{
	struct socket *sock;

	if (GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_FD)) {
		*err = -EINVAL;
		return NULL;
	}
	sock = sockfd_lookup(nla_get_u32(info->attrs[RTCD_SRTP_A_FD]), err);
	if (!sock)
		return NULL;
	if (!net_eq(sock_net(sock->sk), genl_info_net(info))) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RTCD_SRTP_A_FD],
				    "socket belongs to another network namespace");
		sockfd_put(sock);
		*err = -EXDEV;
		return NULL;
	}
	return sock;
}

static int cmd_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct socket *sock;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_MARK))
		return -EINVAL;
	sock = lookup_socket(info, &err);
	if (!sock)
		return err;
	err = rtcd_socket_attach(sock, nla_get_u32(info->attrs[RTCD_SRTP_A_MARK]));
	if (err == -EPROTONOSUPPORT)
		NL_SET_ERR_MSG(info->extack, "not a UDP socket");
	else if (err == -EBUSY)
		NL_SET_ERR_MSG(info->extack, "socket already used by another encapsulation");
	sockfd_put(sock);
	return err;
}

static int cmd_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct socket *sock;
	int err;

	sock = lookup_socket(info, &err);
	if (!sock)
		return err;
	err = rtcd_socket_detach(sock);
	sockfd_put(sock);
	return err;
}

static int cmd_add_stream(struct sk_buff *skb, struct genl_info *info)
{
	struct rtcd_stream_config cfg = {
		.replay_window = RTCD_SRTP_REPLAY_WINDOW_DEFAULT,
	};
	struct nlattr **a = info->attrs;
	struct socket *sock;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_SSRC) ||
	    GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_DIRECTION) ||
	    GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_PROFILE) ||
	    GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_MASTER_KEY) ||
	    GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_MASTER_SALT))
		return -EINVAL;
	cfg.profile = rtcd_profile_find(nla_get_u16(a[RTCD_SRTP_A_PROFILE]));
	if (!cfg.profile) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RTCD_SRTP_A_PROFILE],
				    "unsupported protection profile");
		return -EPROTONOSUPPORT;
	}
	if (nla_len(a[RTCD_SRTP_A_MASTER_SALT]) != cfg.profile->master_salt_len) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RTCD_SRTP_A_MASTER_SALT],
				    "wrong salt length for the profile");
		return -EINVAL;
	}
	cfg.session_keys = nla_get_flag(a[RTCD_SRTP_A_SESSION_KEYS]);
	if (cfg.session_keys && !cfg.profile->aead) {
		NL_SET_ERR_MSG(info->extack, "session keys are only taken for AEAD profiles");
		return -EINVAL;
	}
	cfg.ssrc = nla_get_u32(a[RTCD_SRTP_A_SSRC]);
	cfg.direction = nla_get_u8(a[RTCD_SRTP_A_DIRECTION]);
	cfg.master_key = nla_data(a[RTCD_SRTP_A_MASTER_KEY]);
	cfg.master_salt = nla_data(a[RTCD_SRTP_A_MASTER_SALT]);
	if (a[RTCD_SRTP_A_ROC])
		cfg.roc = nla_get_u32(a[RTCD_SRTP_A_ROC]);
	if (a[RTCD_SRTP_A_REPLAY_WINDOW])
		cfg.replay_window = nla_get_u16(a[RTCD_SRTP_A_REPLAY_WINDOW]);
	if (a[RTCD_SRTP_A_SRTCP_INDEX])
		cfg.srtcp_index = nla_get_u32(a[RTCD_SRTP_A_SRTCP_INDEX]);

	sock = lookup_socket(info, &err);
	if (!sock)
		return err;
	err = rtcd_socket_add_stream(sock, &cfg);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "socket is not attached");
	sockfd_put(sock);
	return err;
}

static int stream_key(struct genl_info *info, u32 *ssrc, u8 *direction)
{
	if (GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_SSRC) ||
	    GENL_REQ_ATTR_CHECK(info, RTCD_SRTP_A_DIRECTION))
		return -EINVAL;
	*ssrc = nla_get_u32(info->attrs[RTCD_SRTP_A_SSRC]);
	*direction = nla_get_u8(info->attrs[RTCD_SRTP_A_DIRECTION]);
	return 0;
}

static int cmd_del_stream(struct sk_buff *skb, struct genl_info *info)
{
	struct socket *sock;
	u8 direction;
	u32 ssrc;
	int err;

	err = stream_key(info, &ssrc, &direction);
	if (err)
		return err;
	sock = lookup_socket(info, &err);
	if (!sock)
		return err;
	err = rtcd_socket_del_stream(sock, ssrc, direction);
	sockfd_put(sock);
	return err;
}

static int put_stats(struct sk_buff *msg, const struct rtcd_stream_stats *s)
{
	return nla_put_u64_64bit(msg, RTCD_SRTP_A_STATS_PACKETS, s->packets, RTCD_SRTP_A_PAD) ?:
	       nla_put_u64_64bit(msg, RTCD_SRTP_A_STATS_BYTES, s->bytes, RTCD_SRTP_A_PAD) ?:
	       nla_put_u64_64bit(msg, RTCD_SRTP_A_STATS_AUTH_FAILURES, s->auth_failures,
				 RTCD_SRTP_A_PAD) ?:
	       nla_put_u64_64bit(msg, RTCD_SRTP_A_STATS_REPLAYS, s->replays, RTCD_SRTP_A_PAD) ?:
	       nla_put_u64_64bit(msg, RTCD_SRTP_A_STATS_MALFORMED, s->malformed,
				 RTCD_SRTP_A_PAD);
}

static int cmd_get_stream(struct sk_buff *skb, struct genl_info *info)
{
	struct rtcd_stream_stats stats;
	struct socket *sock;
	struct sk_buff *msg;
	u8 direction;
	void *hdr;
	u32 ssrc;
	int err;

	err = stream_key(info, &ssrc, &direction);
	if (err)
		return err;
	sock = lookup_socket(info, &err);
	if (!sock)
		return err;
	err = rtcd_socket_get_stats(sock, ssrc, direction, &stats);
	sockfd_put(sock);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &family, 0, RTCD_SRTP_CMD_GET_STREAM);
	if (!hdr || nla_put_u32(msg, RTCD_SRTP_A_SSRC, ssrc) ||
	    nla_put_u8(msg, RTCD_SRTP_A_DIRECTION, direction) || put_stats(msg, &stats)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* No GENL_ADMIN_PERM: unprivileged processes configure their own sockets. */
static const struct genl_small_ops ops[] = {
	{ .cmd = RTCD_SRTP_CMD_ATTACH, .doit = cmd_attach },
	{ .cmd = RTCD_SRTP_CMD_DETACH, .doit = cmd_detach },
	{ .cmd = RTCD_SRTP_CMD_ADD_STREAM, .doit = cmd_add_stream },
	{ .cmd = RTCD_SRTP_CMD_DEL_STREAM, .doit = cmd_del_stream },
	{ .cmd = RTCD_SRTP_CMD_GET_STREAM, .doit = cmd_get_stream },
};

static struct genl_family family __ro_after_init = {
	.name = RTCD_SRTP_GENL_NAME,
	.version = RTCD_SRTP_GENL_VERSION,
	.maxattr = RTCD_SRTP_A_MAX,
	.policy = policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = ops,
	.n_small_ops = ARRAY_SIZE(ops),
	.resv_start_op = RTCD_SRTP_CMD_GET_STREAM + 1,
};

int __init rtcd_netlink_init(void)
{
	return genl_register_family(&family);
}

void __exit rtcd_netlink_exit(void)
{
	genl_unregister_family(&family);
}
