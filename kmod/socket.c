// SPDX-License-Identifier: GPL-2.0
#include <linux/hashtable.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "socket.h"
#include "uapi/rtcd_srtp.h"

/* Any non-zero value makes the UDP layer call encap_rcv. */
#define RTCD_ENCAP_TYPE 1
/* Largest datagram we protect: IPv4's maximum UDP payload. */
#define RTCD_SEND_MAX (65507 - RTCD_SRTP_MAX_OVERHEAD)

struct rtcd_socket {
	u32 mark;
	unsigned int nstreams;
	DECLARE_HASHTABLE(streams, 6);	/* RCU readers, writers under config_lock */
	struct rcu_head rcu;
};

/*
 * Serialises every change of attachments and streams, including the one a
 * closing socket makes, so that the netlink side and socket teardown never
 * race.
 */
static DEFINE_MUTEX(config_lock);

enum { FAMILY_INET, FAMILY_INET6, FAMILY_COUNT };

/*
 * An attached socket runs on a copy of its family's UDP struct proto with a
 * few methods wrapped, as kTLS does for TCP. It keeps that copy, and a
 * reference on this module, until it is destroyed: a thread may still be
 * inside a wrapper after a detach.
 */
static const struct proto *base_prot[FAMILY_COUNT];
static struct proto hooked_prot[FAMILY_COUNT];

static struct rtcd_socket *attachment(struct sock *sk)
{
	return rcu_dereference_protected(sk->sk_user_data,
					 lockdep_is_held(&config_lock));
}

static struct rtcd_stream *find_stream(struct rtcd_socket *att, u32 ssrc, u8 dir)
{
	struct rtcd_stream *st;

	hash_for_each_possible_rcu(att->streams, st, node, ssrc)
		if (st->ssrc == ssrc && st->direction == dir)
			return st;
	return NULL;
}

/* ---- receive ---------------------------------------------------------- */

static int rtcd_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	unsigned int off = skb_transport_offset(skb) + sizeof(struct udphdr);
	struct rtcd_socket *att = rcu_dereference_sk_user_data(sk);
	u8 head[RTCD_RTP_HEADER_MIN];
	enum rtcd_packet_kind kind;
	struct rtcd_stream *st;
	const u8 *p;
	size_t len;
	int n;

	if (!att || skb->len < off)
		return 1;
	/* Only this hook marks packets: a mark set elsewhere must not pose as ours. */
	if (skb->mark == att->mark)
		skb->mark = 0;
	len = skb->len - off;
	p = skb_header_pointer(skb, off, min_t(size_t, len, sizeof(head)), head);
	if (!p)
		return 1;
	kind = rtcd_packet_classify(p, len);
	if (kind == RTCD_PACKET_OTHER)
		return 1;
	st = find_stream(att, rtcd_packet_ssrc(p, kind), RTCD_SRTP_DIR_RECEIVE);
	if (!st)
		return 1;

	if (skb_ensure_writable(skb, skb->len))
		goto drop;
	n = rtcd_stream_unprotect(st, skb->data + off, len, kind);
	if (n < 0 || pskb_trim(skb, off + n))
		goto drop;
	udp_hdr(skb)->len = htons(sizeof(struct udphdr) + n);
	/* The checksum was verified before this hook; the payload changed since. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = 0;
	skb->mark = att->mark;
	return 1;
drop:
	kfree_skb(skb);
	return 0;
}

/* ---- send ------------------------------------------------------------- */

static bool has_udp_segment(const struct msghdr *msg)
{
	struct cmsghdr *cmsg;

	if (!msg->msg_controllen)
		return false;
	if (msg->msg_control_is_user)
		return true;	/* cannot look: assume the worst */
	for_each_cmsghdr(cmsg, (struct msghdr *)msg) {
		if (!CMSG_OK(msg, cmsg))
			break;
		if (cmsg->cmsg_level == SOL_UDP && cmsg->cmsg_type == UDP_SEGMENT)
			return true;
	}
	return false;
}

/*
 * Protect the plaintext in msg into a kernel buffer and send that instead.
 * Returns 1 if msg is not ours to protect (send it as it is).
 */
static int protect_and_send(const struct proto *base, struct sock *sk,
			    struct msghdr *msg, size_t len)
{
	struct iov_iter probe = msg->msg_iter;
	struct iov_iter saved_iter;
	struct ubuf_info *saved_ubuf;
	u8 head[RTCD_RTP_HEADER_MIN];
	enum rtcd_packet_kind kind;
	struct rtcd_socket *att;
	struct rtcd_stream *st;
	int saved_flags, n;
	struct kvec kv;
	u32 ssrc;
	u8 *buf;

	if (len < RTCD_RTCP_HEADER_LEN || len > RTCD_SEND_MAX)
		return 1;
	if (!copy_from_iter_full(head, min_t(size_t, len, sizeof(head)), &probe))
		return -EFAULT;
	kind = rtcd_packet_classify(head, len);
	if (kind == RTCD_PACKET_OTHER)
		return 1;
	ssrc = rtcd_packet_ssrc(head, kind);
	rcu_read_lock();
	att = rcu_dereference_sk_user_data(sk);
	st = att ? find_stream(att, ssrc, RTCD_SRTP_DIR_SEND) : NULL;
	rcu_read_unlock();
	if (!st)
		return 1;

	/* An SRTP packet is one whole datagram; it cannot be assembled or split. */
	if ((msg->msg_flags & MSG_MORE) || udp_test_bit(CORK, sk) ||
	    READ_ONCE(udp_sk(sk)->pending) || READ_ONCE(udp_sk(sk)->gso_size) ||
	    has_udp_segment(msg))
		return -EOPNOTSUPP;

	buf = kmalloc(len + RTCD_SRTP_MAX_OVERHEAD, GFP_KERNEL);
	if (!buf)
		return -ENOBUFS;
	probe = msg->msg_iter;
	if (!copy_from_iter_full(buf, len, &probe)) {
		kfree_sensitive(buf);
		return -EFAULT;
	}
	rcu_read_lock();
	att = rcu_dereference_sk_user_data(sk);
	st = att ? find_stream(att, ssrc, RTCD_SRTP_DIR_SEND) : NULL;
	/* Removed meanwhile: the packet goes as written, as if it came later. */
	n = st ? rtcd_stream_protect(st, buf, len, kind) : 0;
	rcu_read_unlock();
	if (n <= 0) {
		kfree_sensitive(buf);
		return n ?: 1;
	}

	/*
	 * Zero-copy (MSG_ZEROCOPY, io_uring send-zc) cannot apply to a buffer
	 * made here: send it as a copy; io_uring still posts its notification.
	 */
	saved_iter = msg->msg_iter;
	saved_ubuf = msg->msg_ubuf;
	saved_flags = msg->msg_flags;
	kv.iov_base = buf;
	kv.iov_len = n;
	iov_iter_kvec(&msg->msg_iter, ITER_SOURCE, &kv, 1, n);
	msg->msg_ubuf = NULL;
	msg->msg_flags &= ~MSG_ZEROCOPY;
	n = base->sendmsg(sk, msg, n);
	msg->msg_iter = saved_iter;
	msg->msg_ubuf = saved_ubuf;
	msg->msg_flags = saved_flags;
	kfree_sensitive(buf);
	if (n < 0)
		return n;
	iov_iter_advance(&msg->msg_iter, len);
	return 0;
}

static int hooked_sendmsg(int family, struct sock *sk, struct msghdr *msg, size_t len)
{
	const struct proto *base = base_prot[family];
	int ret;

	if (!rcu_access_pointer(sk->sk_user_data))
		return base->sendmsg(sk, msg, len);
	ret = protect_and_send(base, sk, msg, len);
	if (ret == 1)
		return base->sendmsg(sk, msg, len);
	/* Report the plaintext length, as if written as it was. */
	return ret ?: (int)len;
}

static int hooked_sendpage(int family, struct sock *sk, struct page *page,
			   int offset, size_t size, int flags)
{
	const struct proto *base = base_prot[family];

	/* Page data cannot be looked at here without mapping it: refuse. */
	if (rcu_access_pointer(sk->sk_user_data) || !base->sendpage)
		return -EOPNOTSUPP;
	return base->sendpage(sk, page, offset, size, flags);
}

static int hooked_setsockopt(int family, struct sock *sk, int level, int optname,
			     sockptr_t optval, unsigned int optlen)
{
	/*
	 * Another encapsulation would replace our receive hook, and
	 * IPV6_ADDRFORM would swap in the plain IPv4 proto: both would leak
	 * plaintext silently.
	 */
	if ((level == SOL_UDP && optname == UDP_ENCAP) ||
	    (level == SOL_IPV6 && optname == IPV6_ADDRFORM))
		return -EBUSY;
	return base_prot[family]->setsockopt(sk, level, optname, optval, optlen);
}

static void forget_socket(struct sock *sk);

static void hooked_destroy(int family, struct sock *sk)
{
	forget_socket(sk);
	base_prot[family]->destroy(sk);
	module_put(THIS_MODULE);
}

#define DEFINE_HOOKS(fam, name)						\
static int name##_sendmsg(struct sock *sk, struct msghdr *msg, size_t len) \
{ return hooked_sendmsg(fam, sk, msg, len); }				\
static int name##_sendpage(struct sock *sk, struct page *page, int offset, \
			   size_t size, int flags)			\
{ return hooked_sendpage(fam, sk, page, offset, size, flags); }		\
static int name##_setsockopt(struct sock *sk, int level, int optname,	\
			     sockptr_t optval, unsigned int optlen)	\
{ return hooked_setsockopt(fam, sk, level, optname, optval, optlen); }	\
static void name##_destroy(struct sock *sk)				\
{ hooked_destroy(fam, sk); }

DEFINE_HOOKS(FAMILY_INET, hooked4)
DEFINE_HOOKS(FAMILY_INET6, hooked6)

static void build_hooked_prot(int family, const struct proto *base)
{
	struct proto *p = &hooked_prot[family];

	*p = *base;
	if (family == FAMILY_INET) {
		p->sendmsg = hooked4_sendmsg;
		p->sendpage = hooked4_sendpage;
		p->setsockopt = hooked4_setsockopt;
		p->destroy = hooked4_destroy;
	} else {
		p->sendmsg = hooked6_sendmsg;
		p->sendpage = hooked6_sendpage;
		p->setsockopt = hooked6_setsockopt;
		p->destroy = hooked6_destroy;
	}
	base_prot[family] = base;
}

/*
 * The socket's proto must be the plain UDP one of its family (not one that
 * BPF sockmap or another module installed): that is what we wrap.
 */
static int check_base_prot(int family, const struct proto *prot)
{
	if (prot == &hooked_prot[family])
		return 0;
	if (base_prot[family])
		return prot == base_prot[family] ? 0 : -EBUSY;
	/* udpv6_prot is not exported: the first IPv6 UDP socket shows it. */
	if (family == FAMILY_INET ? prot != &udp_prot : strcmp(prot->name, "UDPv6"))
		return -EBUSY;
	build_hooked_prot(family, prot);
	return 0;
}

/* ---- control ---------------------------------------------------------- */

static void drop_attachment(struct sock *sk, struct rtcd_socket *att)
{
	struct rtcd_stream *st;
	struct hlist_node *tmp;
	int bkt;

	WRITE_ONCE(udp_sk(sk)->encap_rcv, NULL);
	rcu_assign_sk_user_data(sk, NULL);
	hash_for_each_safe(att->streams, bkt, tmp, st, node) {
		hash_del_rcu(&st->node);
		rtcd_stream_release(st);
	}
	kfree_rcu(att, rcu);
}

static void forget_socket(struct sock *sk)
{
	struct rtcd_socket *att;

	mutex_lock(&config_lock);
	att = attachment(sk);
	if (att)
		drop_attachment(sk, att);
	mutex_unlock(&config_lock);
}

static int socket_family(struct sock *sk)
{
	if (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	if (sk->sk_family == AF_INET)
		return FAMILY_INET;
	if (sk->sk_family == AF_INET6)
		return FAMILY_INET6;
	return -EPROTONOSUPPORT;
}

int rtcd_socket_attach(struct socket *sock, u32 mark)
{
	struct sock *sk = sock->sk;
	struct rtcd_socket *att;
	struct udp_sock *up;
	int family, err;

	family = socket_family(sk);
	if (family < 0)
		return family;
	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (!att)
		return -ENOMEM;
	att->mark = mark;
	hash_init(att->streams);

	mutex_lock(&config_lock);
	lock_sock(sk);
	up = udp_sk(sk);
	if (rcu_access_pointer(sk->sk_user_data))
		err = sk->sk_prot == &hooked_prot[family] ? -EEXIST : -EBUSY;
	else if (sk->sk_prot != &hooked_prot[family] &&
		 (up->encap_type || up->encap_rcv))
		err = -EBUSY;	/* someone else's encapsulation */
	else
		err = check_base_prot(family, sk->sk_prot);
	if (!err) {
		if (sk->sk_prot != &hooked_prot[family]) {
			/* Dropped by hooked_destroy when the socket goes. */
			__module_get(THIS_MODULE);
			up->encap_type = RTCD_ENCAP_TYPE;
			udp_tunnel_encap_enable(sk);
			WRITE_ONCE(sk->sk_prot, &hooked_prot[family]);
		}
		rcu_assign_sk_user_data(sk, att);
		WRITE_ONCE(up->encap_rcv, rtcd_encap_rcv);
	}
	release_sock(sk);
	mutex_unlock(&config_lock);
	if (err)
		kfree(att);
	return err;
}

/* Only for sockets we hooked: sk_user_data is ours there. */
static struct rtcd_socket *locked_attachment(struct socket *sock)
{
	int family = socket_family(sock->sk);

	if (family < 0 || READ_ONCE(sock->sk->sk_prot) != &hooked_prot[family])
		return NULL;
	return attachment(sock->sk);
}

int rtcd_socket_detach(struct socket *sock)
{
	struct rtcd_socket *att;
	int err = 0;

	mutex_lock(&config_lock);
	lock_sock(sock->sk);
	att = locked_attachment(sock);
	if (att)
		drop_attachment(sock->sk, att);
	else
		err = -ENOENT;
	release_sock(sock->sk);
	mutex_unlock(&config_lock);
	return err;
}

int rtcd_socket_add_stream(struct socket *sock, const struct rtcd_stream_config *cfg)
{
	struct rtcd_socket *att;
	struct rtcd_stream *st;
	int err = 0;

	/* Key setup allocates crypto transforms: do it before taking the lock. */
	st = rtcd_stream_create(cfg);
	if (IS_ERR(st))
		return PTR_ERR(st);
	mutex_lock(&config_lock);
	att = locked_attachment(sock);
	if (!att)
		err = -ENOENT;
	else if (find_stream(att, cfg->ssrc, cfg->direction))
		err = -EEXIST;
	else if (att->nstreams >= RTCD_SRTP_STREAMS_MAX)
		err = -ENOSPC;
	if (!err) {
		hash_add_rcu(att->streams, &st->node, cfg->ssrc);
		att->nstreams++;
	}
	mutex_unlock(&config_lock);
	if (err)
		rtcd_stream_release(st);
	return err;
}

int rtcd_socket_del_stream(struct socket *sock, u32 ssrc, u8 direction)
{
	struct rtcd_socket *att;
	struct rtcd_stream *st = NULL;

	mutex_lock(&config_lock);
	att = locked_attachment(sock);
	if (att)
		st = find_stream(att, ssrc, direction);
	if (st) {
		hash_del_rcu(&st->node);
		att->nstreams--;
		rtcd_stream_release(st);
	}
	mutex_unlock(&config_lock);
	return st ? 0 : -ENOENT;
}

int rtcd_socket_get_stats(struct socket *sock, u32 ssrc, u8 direction,
			  struct rtcd_stream_stats *out)
{
	struct rtcd_socket *att;
	struct rtcd_stream *st = NULL;

	mutex_lock(&config_lock);
	att = locked_attachment(sock);
	if (att)
		st = find_stream(att, ssrc, direction);
	if (st)
		rtcd_stream_get_stats(st, out);
	mutex_unlock(&config_lock);
	return st ? 0 : -ENOENT;
}
