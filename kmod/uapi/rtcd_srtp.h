/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * rtcd_srtp: in-kernel SRTP/SRTCP for a process's own UDP sockets.
 *
 * Generic netlink family RTCD_SRTP_GENL_NAME, version RTCD_SRTP_GENL_VERSION.
 * Every command names the socket by a file descriptor of the calling
 * process: the kernel resolves it in the caller's own descriptor table, so a
 * process can only ever act on sockets it holds. No privilege is needed.
 *
 * Once a UDP socket is attached:
 *  - receive: SRTP/SRTCP for an SSRC with a receive stream is authenticated,
 *    replay-checked and decrypted in place, then queued to the socket as
 *    plaintext RTP/RTCP carrying skb mark RTCD_SRTP_A_MARK. Enable SO_RCVMARK
 *    on the socket to read that mark as an SO_MARK control message: it is how
 *    a reader tells decrypted packets from everything else (STUN, DTLS,
 *    unknown SSRCs), which is queued untouched. A packet arriving with that
 *    mark already set (by a firewall rule) has it cleared, so the mark cannot
 *    be forged from outside. Packets that fail authentication or the replay
 *    check are dropped and counted.
 *  - send: plaintext RTP/RTCP written with sendmsg, sendmmsg or io_uring
 *    (send, sendmsg, send-zc) for an SSRC with a send stream leaves as
 *    SRTP/SRTCP; the call reports the plaintext length. Such a datagram must
 *    be sent whole: MSG_MORE, UDP_CORK and UDP_SEGMENT are refused with
 *    EOPNOTSUPP for it, and sendpage/splice on an attached socket too.
 *    Everything else is sent as written.
 *
 * An attached socket keeps the module loaded until the socket is closed
 * (like a TLS socket keeps tls.ko): the hooks it installed stay valid for
 * any thread still inside them.
 */
#ifndef _UAPI_RTCD_SRTP_H
#define _UAPI_RTCD_SRTP_H

#define RTCD_SRTP_GENL_NAME	"rtcd_srtp"
#define RTCD_SRTP_GENL_VERSION	1

/* Protection profiles, numbered as in the IANA DTLS-SRTP registry. */
enum rtcd_srtp_profile {
	RTCD_SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001,
	RTCD_SRTP_AES128_CM_HMAC_SHA1_32 = 0x0002,
	RTCD_SRTP_AEAD_AES_128_GCM       = 0x0007,
};

enum rtcd_srtp_direction {
	RTCD_SRTP_DIR_RECEIVE = 1,
	RTCD_SRTP_DIR_SEND    = 2,
};

enum rtcd_srtp_cmd {
	RTCD_SRTP_CMD_UNSPEC,
	/* FD, MARK: start processing a UDP socket. */
	RTCD_SRTP_CMD_ATTACH,
	/* FD: stop; removes all streams. Traffic continues unprocessed. */
	RTCD_SRTP_CMD_DETACH,
	/*
	 * FD, SSRC, DIRECTION, PROFILE, MASTER_KEY, MASTER_SALT; optional ROC,
	 * REPLAY_WINDOW (64..1024, default 128), SRTCP_INDEX (send: the last
	 * index used, the next packet gets +1; default 0 as libsrtp2).
	 * One stream covers both SRTP and SRTCP of that SSRC and direction.
	 */
	RTCD_SRTP_CMD_ADD_STREAM,
	/* FD, SSRC, DIRECTION. */
	RTCD_SRTP_CMD_DEL_STREAM,
	/* FD, SSRC, DIRECTION; the reply carries the STATS_* attributes. */
	RTCD_SRTP_CMD_GET_STREAM,
	__RTCD_SRTP_CMD_MAX
};
#define RTCD_SRTP_CMD_MAX (__RTCD_SRTP_CMD_MAX - 1)

enum rtcd_srtp_attr {
	RTCD_SRTP_A_UNSPEC,
	RTCD_SRTP_A_PAD,
	RTCD_SRTP_A_FD,			/* u32 */
	RTCD_SRTP_A_MARK,		/* u32, non-zero */
	RTCD_SRTP_A_SSRC,		/* u32 */
	RTCD_SRTP_A_DIRECTION,		/* u8, enum rtcd_srtp_direction */
	RTCD_SRTP_A_PROFILE,		/* u16, enum rtcd_srtp_profile */
	RTCD_SRTP_A_MASTER_KEY,		/* binary, 16 bytes */
	RTCD_SRTP_A_MASTER_SALT,	/* binary, 14 (AES-CM) or 12 (GCM) bytes */
	RTCD_SRTP_A_ROC,		/* u32 */
	RTCD_SRTP_A_REPLAY_WINDOW,	/* u16 */
	RTCD_SRTP_A_SRTCP_INDEX,	/* u32, < 2^31 */
	/*
	 * flag, AEAD_AES_128_GCM only: MASTER_KEY and MASTER_SALT are used as
	 * the session key and salt of SRTP and SRTCP as they are, with no key
	 * derivation. RFC 7714's test vectors are given that way.
	 */
	RTCD_SRTP_A_SESSION_KEYS,
	RTCD_SRTP_A_STATS_PACKETS,	/* u64: packets protected or unprotected */
	RTCD_SRTP_A_STATS_BYTES,	/* u64: their plaintext bytes */
	RTCD_SRTP_A_STATS_AUTH_FAILURES,/* u64 */
	RTCD_SRTP_A_STATS_REPLAYS,	/* u64: replayed or too old */
	RTCD_SRTP_A_STATS_MALFORMED,	/* u64: too short or badly formed */
	__RTCD_SRTP_A_MAX
};
#define RTCD_SRTP_A_MAX (__RTCD_SRTP_A_MAX - 1)

#define RTCD_SRTP_REPLAY_WINDOW_MIN	64
#define RTCD_SRTP_REPLAY_WINDOW_MAX	1024
#define RTCD_SRTP_REPLAY_WINDOW_DEFAULT	128
/* Streams per socket, each with its own crypto transforms. */
#define RTCD_SRTP_STREAMS_MAX		256

#endif /* _UAPI_RTCD_SRTP_H */
