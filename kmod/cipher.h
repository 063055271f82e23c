/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SRTP and SRTCP transforms (RFC 3711 AES-CM with HMAC-SHA1, RFC 7714
 * AES-GCM) on a linear buffer, through the kernel crypto API. Nothing here
 * sleeps once the keys are set, so protect and unprotect run in softirq.
 */
#ifndef RTCD_CIPHER_H
#define RTCD_CIPHER_H

#include <linux/types.h>

struct crypto_sync_skcipher;
struct crypto_shash;
struct crypto_aead;

struct rtcd_profile {
	u16 id;			/* enum rtcd_srtp_profile */
	u8 master_salt_len;
	u8 session_salt_len;
	u8 rtp_tag_len;
	u8 rtcp_tag_len;
	bool aead;
};

/* Most a packet grows when protected: the tag and the SRTCP trailer. */
#define RTCD_SRTP_MAX_OVERHEAD	(16 + 4)
#define RTCD_SRTP_KEY_LEN	16

const struct rtcd_profile *rtcd_profile_find(u16 id);

/* The session keys of one packet kind (SRTP or SRTCP) of one stream. */
struct rtcd_session {
	const struct rtcd_profile *profile;
	struct crypto_sync_skcipher *ctr;	/* AES-CM profiles */
	struct crypto_shash *hmac;
	struct crypto_aead *gcm;		/* AEAD profile */
	u8 salt[14];
};

/*
 * Derive (RFC 3711 section 4.3, key derivation rate 0) or, with
 * session_keys, take as they are the keys for SRTP (rtcp false) or SRTCP.
 */
int rtcd_session_init(struct rtcd_session *s, const struct rtcd_profile *p,
		      const u8 *master_key, const u8 *master_salt,
		      bool rtcp, bool session_keys);
void rtcd_session_destroy(struct rtcd_session *s);

/*
 * RTP: pkt holds len bytes of plaintext (hlen of them header) with room for
 * the tag after; returns the protected length or a negative errno.
 */
int rtcd_srtp_protect(const struct rtcd_session *s, u8 *pkt, size_t len,
		      size_t hlen, u64 index);
/* Returns the plaintext length, -EBADMSG if authentication fails. */
int rtcd_srtp_unprotect(const struct rtcd_session *s, u8 *pkt, size_t len,
			size_t hlen, u64 index);
/* RTCP: the E flag and 31-bit index go in the trailer. */
int rtcd_srtcp_protect(const struct rtcd_session *s, u8 *pkt, size_t len,
		       u32 index);
/* The index of a protected SRTCP packet, or -EINVAL if too short. */
int rtcd_srtcp_index(const struct rtcd_session *s, const u8 *pkt, size_t len,
		     u32 *index);
int rtcd_srtcp_unprotect(const struct rtcd_session *s, u8 *pkt, size_t len);

#endif
