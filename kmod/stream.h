/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One SRTP stream: the SRTP and SRTCP keys, indexes, replay windows and
 * counters of one SSRC in one direction. Packets go through it in place.
 */
#ifndef RTCD_STREAM_H
#define RTCD_STREAM_H

#include <linux/hashtable.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "cipher.h"
#include "replay.h"
#include "rtp.h"

struct rtcd_stream_config {
	u32 ssrc;
	u8 direction;			/* enum rtcd_srtp_direction */
	const struct rtcd_profile *profile;
	const u8 *master_key;		/* RTCD_SRTP_KEY_LEN bytes */
	const u8 *master_salt;		/* profile->master_salt_len bytes */
	u32 roc;
	u16 replay_window;
	u32 srtcp_index;
	bool session_keys;
};

struct rtcd_stream_stats {
	u64 packets;
	u64 bytes;
	u64 auth_failures;
	u64 replays;
	u64 malformed;
};

struct rtcd_stream {
	struct hlist_node node;		/* in the socket's table, RCU */
	u32 ssrc;
	u8 direction;
	struct rtcd_session srtp;
	struct rtcd_session srtcp;

	spinlock_t lock;		/* the fields below */
	struct rtcd_replay rtp;		/* both directions: libsrtp2 refuses to reuse an index */
	struct rtcd_replay rtcp;	/* receive */
	u32 srtcp_index;		/* send: the last index used */
	struct rtcd_stream_stats stats;

	struct rcu_work free_work;
};

struct rtcd_stream *rtcd_stream_create(const struct rtcd_stream_config *cfg);
/* Once unlinked: freed after an RCU grace period, in process context. */
void rtcd_stream_release(struct rtcd_stream *st);
void rtcd_stream_get_stats(struct rtcd_stream *st, struct rtcd_stream_stats *out);

/*
 * pkt holds len bytes of a packet of that kind with room for
 * RTCD_SRTP_MAX_OVERHEAD more; returns the new length or a negative errno
 * (the packet is then garbage).
 */
int rtcd_stream_protect(struct rtcd_stream *st, u8 *pkt, size_t len,
			enum rtcd_packet_kind kind);
int rtcd_stream_unprotect(struct rtcd_stream *st, u8 *pkt, size_t len,
			  enum rtcd_packet_kind kind);

int rtcd_streams_init(void);
void rtcd_streams_exit(void);

#endif
