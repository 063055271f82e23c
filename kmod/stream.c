// SPDX-License-Identifier: GPL-2.0
#include <linux/slab.h>

#include "stream.h"
#include "uapi/rtcd_srtp.h"

#define SRTCP_INDEX_MAX 0x7fffffffu

/* Freeing crypto transforms may sleep: never in the RCU callback itself. */
static struct workqueue_struct *free_wq;

struct rtcd_stream *rtcd_stream_create(const struct rtcd_stream_config *cfg)
{
	struct rtcd_stream *st;
	int err;

	st = kzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	if (!st)
		return ERR_PTR(-ENOMEM);
	st->ssrc = cfg->ssrc;
	st->direction = cfg->direction;
	spin_lock_init(&st->lock);
	rtcd_replay_init(&st->rtp, (u64)cfg->roc << 16, cfg->replay_window);
	rtcd_replay_init(&st->rtcp, 0, cfg->replay_window);
	st->srtcp_index = cfg->srtcp_index;

	err = rtcd_session_init(&st->srtp, cfg->profile, cfg->master_key,
				cfg->master_salt, false, cfg->session_keys);
	if (err) {
		kfree(st);
		return ERR_PTR(err);
	}
	err = rtcd_session_init(&st->srtcp, cfg->profile, cfg->master_key,
				cfg->master_salt, true, cfg->session_keys);
	if (err) {
		rtcd_session_destroy(&st->srtp);
		kfree(st);
		return ERR_PTR(err);
	}
	return st;
}

static void stream_free(struct work_struct *work)
{
	struct rtcd_stream *st = container_of(to_rcu_work(work),
					      struct rtcd_stream, free_work);

	rtcd_session_destroy(&st->srtp);
	rtcd_session_destroy(&st->srtcp);
	kfree_sensitive(st);
}

void rtcd_stream_release(struct rtcd_stream *st)
{
	INIT_RCU_WORK(&st->free_work, stream_free);
	queue_rcu_work(free_wq, &st->free_work);
}

void rtcd_stream_get_stats(struct rtcd_stream *st, struct rtcd_stream_stats *out)
{
	spin_lock_bh(&st->lock);
	*out = st->stats;
	spin_unlock_bh(&st->lock);
}

static void count(struct rtcd_stream *st, u64 *counter)
{
	spin_lock_bh(&st->lock);
	(*counter)++;
	spin_unlock_bh(&st->lock);
}

static void count_result(struct rtcd_stream *st, int err, size_t plain_len)
{
	spin_lock_bh(&st->lock);
	if (err >= 0) {
		st->stats.packets++;
		st->stats.bytes += plain_len;
	} else if (err == -EBADMSG) {
		st->stats.auth_failures++;
	} else {
		st->stats.malformed++;
	}
	spin_unlock_bh(&st->lock);
}

static int protect_rtp(struct rtcd_stream *st, u8 *pkt, size_t len)
{
	size_t hlen = rtcd_rtp_header_len(pkt, len);
	enum rtcd_replay_verdict verdict;
	s64 delta;
	u64 index;

	if (!hlen)
		return -EINVAL;
	spin_lock_bh(&st->lock);
	index = rtcd_replay_estimate(&st->rtp, rtcd_rtp_seq(pkt), &delta);
	verdict = rtcd_replay_check(&st->rtp, delta);
	if (verdict == RTCD_REPLAY_OK)
		rtcd_replay_accept(&st->rtp, delta);
	spin_unlock_bh(&st->lock);
	/* An index used twice would reuse key stream. */
	if (verdict != RTCD_REPLAY_OK)
		return -EALREADY;
	return rtcd_srtp_protect(&st->srtp, pkt, len, hlen, index);
}

static int protect_rtcp(struct rtcd_stream *st, u8 *pkt, size_t len)
{
	u32 index;

	spin_lock_bh(&st->lock);
	index = st->srtcp_index < SRTCP_INDEX_MAX ? ++st->srtcp_index : 0;
	spin_unlock_bh(&st->lock);
	/* The 31-bit index is spent: the keys must be renewed. */
	if (!index)
		return -EOVERFLOW;
	return rtcd_srtcp_protect(&st->srtcp, pkt, len, index);
}

int rtcd_stream_protect(struct rtcd_stream *st, u8 *pkt, size_t len,
			enum rtcd_packet_kind kind)
{
	int n = kind == RTCD_PACKET_RTP ? protect_rtp(st, pkt, len)
					: protect_rtcp(st, pkt, len);

	count_result(st, n, len);
	return n;
}

/* Check the index, run the transform, then record the index as seen. */
static int unprotect_rtp(struct rtcd_stream *st, u8 *pkt, size_t len)
{
	size_t hlen = rtcd_rtp_header_len(pkt, len);
	s64 delta;
	u64 index;
	int n;

	if (!hlen || len < hlen + st->srtp.profile->rtp_tag_len)
		return -EINVAL;
	spin_lock_bh(&st->lock);
	index = rtcd_replay_estimate(&st->rtp, rtcd_rtp_seq(pkt), &delta);
	n = rtcd_replay_check(&st->rtp, delta) == RTCD_REPLAY_OK ? 0 : -EALREADY;
	spin_unlock_bh(&st->lock);
	if (n)
		return n;

	n = rtcd_srtp_unprotect(&st->srtp, pkt, len, hlen, index);
	if (n < 0)
		return n;

	/* Another CPU may have moved the window meanwhile. */
	spin_lock_bh(&st->lock);
	delta = (s64)index - (s64)st->rtp.highest;
	if (rtcd_replay_check(&st->rtp, delta) == RTCD_REPLAY_OK)
		rtcd_replay_accept(&st->rtp, delta);
	else
		n = -EALREADY;
	spin_unlock_bh(&st->lock);
	return n;
}

static int unprotect_rtcp(struct rtcd_stream *st, u8 *pkt, size_t len)
{
	s64 delta;
	u32 index;
	int n;

	if (rtcd_srtcp_index(&st->srtcp, pkt, len, &index))
		return -EINVAL;
	spin_lock_bh(&st->lock);
	delta = (s64)index - (s64)st->rtcp.highest;
	n = rtcd_replay_check(&st->rtcp, delta) == RTCD_REPLAY_OK ? 0 : -EALREADY;
	spin_unlock_bh(&st->lock);
	if (n)
		return n;

	n = rtcd_srtcp_unprotect(&st->srtcp, pkt, len);
	if (n < 0)
		return n;

	spin_lock_bh(&st->lock);
	delta = (s64)index - (s64)st->rtcp.highest;
	if (rtcd_replay_check(&st->rtcp, delta) == RTCD_REPLAY_OK)
		rtcd_replay_accept(&st->rtcp, delta);
	else
		n = -EALREADY;
	spin_unlock_bh(&st->lock);
	return n;
}

int rtcd_stream_unprotect(struct rtcd_stream *st, u8 *pkt, size_t len,
			  enum rtcd_packet_kind kind)
{
	int n = kind == RTCD_PACKET_RTP ? unprotect_rtp(st, pkt, len)
					: unprotect_rtcp(st, pkt, len);

	if (n == -EALREADY)
		count(st, &st->stats.replays);
	else
		count_result(st, n, n > 0 ? n : 0);
	return n;
}

int rtcd_streams_init(void)
{
	free_wq = alloc_workqueue("rtcd_srtp_free", 0, 0);
	return free_wq ? 0 : -ENOMEM;
}

void rtcd_streams_exit(void)
{
	/* Let queued RCU callbacks queue their work, then drain it. */
	rcu_barrier();
	destroy_workqueue(free_wq);
}
