// SPDX-License-Identifier: GPL-2.0
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cipher.h"
#include "rtp.h"
#include "uapi/rtcd_srtp.h"

#define SHA1_DIGEST_LEN		20
#define SRTCP_E_FLAG		0x80000000u
#define SRTCP_TRAILER_LEN	4
#define GCM_IV_LEN		12
#define GCM_SRTCP_AAD_LEN	(RTCD_RTCP_HEADER_LEN + SRTCP_TRAILER_LEN)

static const struct rtcd_profile profiles[] = {
	{ RTCD_SRTP_AES128_CM_HMAC_SHA1_80, 14, 14, 10, 10, false },
	/* RFC 5764 section 4.1.2: SRTCP keeps the 80-bit tag. */
	{ RTCD_SRTP_AES128_CM_HMAC_SHA1_32, 14, 14, 4, 10, false },
	{ RTCD_SRTP_AEAD_AES_128_GCM, 12, 12, 16, 16, true },
};

const struct rtcd_profile *rtcd_profile_find(u16 id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(profiles); i++)
		if (profiles[i].id == id)
			return &profiles[i];
	return NULL;
}

/* AES in counter mode over buf, in place; the IV is the initial counter. */
static int ctr_crypt(struct crypto_sync_skcipher *tfm, u8 iv[16], u8 *buf,
		     size_t len)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	int err;

	if (!len)
		return 0;
	sg_init_one(&sg, buf, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, iv);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	return err;
}

/* RFC 3711 section 4.3.1 and 4.3.3: the AES-CM PRF, key derivation rate 0. */
static int derive(struct crypto_sync_skcipher *prf, const u8 *master_salt,
		  size_t salt_len, u8 label, u8 *out, size_t out_len)
{
	u8 iv[16] = { 0 };

	memcpy(iv, master_salt, salt_len);
	iv[7] ^= label;
	memset(out, 0, out_len);
	return ctr_crypt(prf, iv, out, out_len);
}

struct session_material {
	u8 key[RTCD_SRTP_KEY_LEN];
	u8 auth[SHA1_DIGEST_LEN];
	u8 salt[14];
};

static int derive_all(struct session_material *m, const struct rtcd_profile *p,
		      const u8 *master_key, const u8 *master_salt, bool rtcp)
{
	struct crypto_sync_skcipher *prf;
	u8 label = rtcp ? 3 : 0;
	int err;

	prf = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(prf))
		return PTR_ERR(prf);
	err = crypto_sync_skcipher_setkey(prf, master_key, RTCD_SRTP_KEY_LEN);
	if (!err)
		err = derive(prf, master_salt, p->master_salt_len, label,
			     m->key, sizeof(m->key));
	if (!err && !p->aead)
		err = derive(prf, master_salt, p->master_salt_len, label + 1,
			     m->auth, sizeof(m->auth));
	if (!err)
		err = derive(prf, master_salt, p->master_salt_len, label + 2,
			     m->salt, p->session_salt_len);
	crypto_free_sync_skcipher(prf);
	return err;
}

static int session_set_keys(struct rtcd_session *s, const struct session_material *m)
{
	const struct rtcd_profile *p = s->profile;
	int err;

	memcpy(s->salt, m->salt, p->session_salt_len);
	if (p->aead) {
		/* Synchronous only: packets are transformed in softirq. */
		s->gcm = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
		if (IS_ERR(s->gcm)) {
			err = PTR_ERR(s->gcm);
			s->gcm = NULL;
			return err;
		}
		err = crypto_aead_setkey(s->gcm, m->key, sizeof(m->key));
		return err ?: crypto_aead_setauthsize(s->gcm, p->rtp_tag_len);
	}
	s->ctr = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(s->ctr)) {
		err = PTR_ERR(s->ctr);
		s->ctr = NULL;
		return err;
	}
	err = crypto_sync_skcipher_setkey(s->ctr, m->key, sizeof(m->key));
	if (err)
		return err;
	s->hmac = crypto_alloc_shash("hmac(sha1)", 0, 0);
	if (IS_ERR(s->hmac)) {
		err = PTR_ERR(s->hmac);
		s->hmac = NULL;
		return err;
	}
	return crypto_shash_setkey(s->hmac, m->auth, sizeof(m->auth));
}

int rtcd_session_init(struct rtcd_session *s, const struct rtcd_profile *p,
		      const u8 *master_key, const u8 *master_salt,
		      bool rtcp, bool session_keys)
{
	struct session_material *m;
	int err;

	memset(s, 0, sizeof(*s));
	s->profile = p;
	if (session_keys && !p->aead)
		return -EINVAL;
	/* Not on the stack: the PRF reads and writes it through a scatterlist. */
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	if (session_keys) {
		memcpy(m->key, master_key, sizeof(m->key));
		memcpy(m->salt, master_salt, p->session_salt_len);
		err = 0;
	} else {
		err = derive_all(m, p, master_key, master_salt, rtcp);
	}
	if (!err)
		err = session_set_keys(s, m);
	kfree_sensitive(m);
	if (err)
		rtcd_session_destroy(s);
	return err;
}

void rtcd_session_destroy(struct rtcd_session *s)
{
	crypto_free_aead(s->gcm);
	crypto_free_sync_skcipher(s->ctr);
	crypto_free_shash(s->hmac);
	memzero_explicit(s->salt, sizeof(s->salt));
	s->gcm = NULL;
	s->ctr = NULL;
	s->hmac = NULL;
}

/* HMAC-SHA1 over data, then the ROC for SRTP (RFC 3711 section 4.2). */
static int hmac_tag(const struct rtcd_session *s, const u8 *data, size_t len,
		    const __be32 *roc, u8 digest[SHA1_DIGEST_LEN])
{
	SHASH_DESC_ON_STACK(desc, s->hmac);
	int err;

	desc->tfm = s->hmac;
	err = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, data, len) ?:
	      (roc ? crypto_shash_update(desc, (const u8 *)roc, sizeof(*roc)) : 0) ?:
	      crypto_shash_final(desc, digest);
	shash_desc_zero(desc);
	return err;
}

static void xor_be(u8 *dst, u64 value, int bytes)
{
	while (bytes--) {
		dst[bytes] ^= value & 0xff;
		value >>= 8;
	}
}

/* RFC 3711 section 4.1.1: salt * 2^16 ^ SSRC * 2^64 ^ index * 2^16. */
static void cm_iv(const struct rtcd_session *s, u8 iv[16], u32 ssrc, u64 index)
{
	memcpy(iv, s->salt, 14);
	iv[14] = 0;
	iv[15] = 0;
	xor_be(iv + 4, ssrc, 4);
	xor_be(iv + 8, index, 6);
}

/* RFC 7714 sections 8.1 and 9.1. */
static void gcm_iv(const struct rtcd_session *s, u8 iv[GCM_IV_LEN], u32 ssrc,
		   u64 index, bool rtcp)
{
	memcpy(iv, s->salt, GCM_IV_LEN);
	xor_be(iv + 2, ssrc, 4);
	if (rtcp)
		xor_be(iv + 8, index, 4);
	else
		xor_be(iv + 6, index, 6);
}

static int gcm_crypt(const struct rtcd_session *s, const u8 iv[GCM_IV_LEN],
		     struct scatterlist *sg, unsigned int assoclen,
		     unsigned int cryptlen, bool encrypt)
{
	struct aead_request *req;
	u8 iv_copy[GCM_IV_LEN];
	int err;

	req = aead_request_alloc(s->gcm, GFP_ATOMIC);
	if (!req)
		return -ENOMEM;
	memcpy(iv_copy, iv, sizeof(iv_copy));
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_crypt(req, sg, sg, cryptlen, iv_copy);
	aead_request_set_ad(req, assoclen);
	err = encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	aead_request_free(req);
	return err;
}

int rtcd_srtp_protect(const struct rtcd_session *s, u8 *pkt, size_t len,
		      size_t hlen, u64 index)
{
	const struct rtcd_profile *p = s->profile;
	u32 ssrc = get_unaligned_be32(pkt + 8);
	struct scatterlist sg;
	u8 iv[16];
	int err;

	if (p->aead) {
		gcm_iv(s, iv, ssrc, index, false);
		sg_init_one(&sg, pkt, len + p->rtp_tag_len);
		err = gcm_crypt(s, iv, &sg, hlen, len - hlen, true);
	} else {
		__be32 roc = cpu_to_be32(index >> 16);
		u8 digest[SHA1_DIGEST_LEN];

		cm_iv(s, iv, ssrc, index);
		err = ctr_crypt(s->ctr, iv, pkt + hlen, len - hlen) ?:
		      hmac_tag(s, pkt, len, &roc, digest);
		memcpy(pkt + len, digest, p->rtp_tag_len);
		memzero_explicit(digest, sizeof(digest));
	}
	return err ?: (int)(len + p->rtp_tag_len);
}

int rtcd_srtp_unprotect(const struct rtcd_session *s, u8 *pkt, size_t len,
			size_t hlen, u64 index)
{
	const struct rtcd_profile *p = s->profile;
	u32 ssrc = get_unaligned_be32(pkt + 8);
	size_t plain_len;
	u8 iv[16];
	int err;

	if (len < hlen + p->rtp_tag_len)
		return -EINVAL;
	plain_len = len - p->rtp_tag_len;
	if (p->aead) {
		struct scatterlist sg;

		gcm_iv(s, iv, ssrc, index, false);
		sg_init_one(&sg, pkt, len);
		err = gcm_crypt(s, iv, &sg, hlen, len - hlen, false);
	} else {
		__be32 roc = cpu_to_be32(index >> 16);
		u8 digest[SHA1_DIGEST_LEN];

		err = hmac_tag(s, pkt, plain_len, &roc, digest);
		if (!err && crypto_memneq(digest, pkt + plain_len, p->rtp_tag_len))
			err = -EBADMSG;
		if (!err) {
			cm_iv(s, iv, ssrc, index);
			err = ctr_crypt(s->ctr, iv, pkt + hlen, plain_len - hlen);
		}
	}
	return err ?: (int)plain_len;
}

/* The AAD of SRTCP with GCM is its header and trailer, apart in the packet. */
static int gcm_srtcp(const struct rtcd_session *s, u8 *pkt, u32 trailer,
		     size_t cryptlen, bool encrypt)
{
	struct scatterlist sg[2];
	u8 iv[GCM_IV_LEN];
	u8 *aad;
	int err;

	aad = kmalloc(GCM_SRTCP_AAD_LEN, GFP_ATOMIC);
	if (!aad)
		return -ENOMEM;
	memcpy(aad, pkt, RTCD_RTCP_HEADER_LEN);
	put_unaligned_be32(trailer, aad + RTCD_RTCP_HEADER_LEN);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], aad, GCM_SRTCP_AAD_LEN);
	sg_set_buf(&sg[1], pkt + RTCD_RTCP_HEADER_LEN,
		   cryptlen + (encrypt ? s->profile->rtcp_tag_len : 0));
	gcm_iv(s, iv, get_unaligned_be32(pkt + 4), trailer & ~SRTCP_E_FLAG, true);
	err = gcm_crypt(s, iv, sg, GCM_SRTCP_AAD_LEN, cryptlen, encrypt);
	kfree(aad);
	return err;
}

int rtcd_srtcp_protect(const struct rtcd_session *s, u8 *pkt, size_t len,
		       u32 index)
{
	const struct rtcd_profile *p = s->profile;
	u32 trailer = SRTCP_E_FLAG | index;
	size_t body = len - RTCD_RTCP_HEADER_LEN;
	int err;

	if (p->aead) {
		err = gcm_srtcp(s, pkt, trailer, body, true);
		put_unaligned_be32(trailer, pkt + len + p->rtcp_tag_len);
	} else {
		u8 digest[SHA1_DIGEST_LEN];
		u8 iv[16];

		cm_iv(s, iv, get_unaligned_be32(pkt + 4), index);
		put_unaligned_be32(trailer, pkt + len);
		err = ctr_crypt(s->ctr, iv, pkt + RTCD_RTCP_HEADER_LEN, body) ?:
		      hmac_tag(s, pkt, len + SRTCP_TRAILER_LEN, NULL, digest);
		memcpy(pkt + len + SRTCP_TRAILER_LEN, digest, p->rtcp_tag_len);
		memzero_explicit(digest, sizeof(digest));
	}
	return err ?: (int)(len + SRTCP_TRAILER_LEN + p->rtcp_tag_len);
}

/* Where the trailer is: after the tag with GCM, before it with AES-CM. */
static const u8 *srtcp_trailer(const struct rtcd_session *s, const u8 *pkt,
			       size_t len)
{
	size_t overhead = SRTCP_TRAILER_LEN + s->profile->rtcp_tag_len;

	if (len < RTCD_RTCP_HEADER_LEN + overhead)
		return NULL;
	if (s->profile->aead)
		return pkt + len - SRTCP_TRAILER_LEN;
	return pkt + len - overhead;
}

int rtcd_srtcp_index(const struct rtcd_session *s, const u8 *pkt, size_t len,
		     u32 *index)
{
	const u8 *trailer = srtcp_trailer(s, pkt, len);

	if (!trailer)
		return -EINVAL;
	*index = get_unaligned_be32(trailer) & ~SRTCP_E_FLAG;
	return 0;
}

int rtcd_srtcp_unprotect(const struct rtcd_session *s, u8 *pkt, size_t len)
{
	const struct rtcd_profile *p = s->profile;
	const u8 *at = srtcp_trailer(s, pkt, len);
	size_t plain_len = len - SRTCP_TRAILER_LEN - p->rtcp_tag_len;
	u32 trailer;
	int err;

	if (!at)
		return -EINVAL;
	trailer = get_unaligned_be32(at);
	if (p->aead) {
		/*
		 * RFC 7714 section 9.3 allows unencrypted SRTCP with the whole
		 * packet as AAD; nothing negotiates it in WebRTC, so it is not
		 * accepted here.
		 */
		if (!(trailer & SRTCP_E_FLAG))
			return -EINVAL;
		err = gcm_srtcp(s, pkt, trailer,
				plain_len - RTCD_RTCP_HEADER_LEN + p->rtcp_tag_len, false);
	} else {
		size_t auth_len = plain_len + SRTCP_TRAILER_LEN;
		u8 digest[SHA1_DIGEST_LEN];
		u8 iv[16];

		err = hmac_tag(s, pkt, auth_len, NULL, digest);
		if (!err && crypto_memneq(digest, pkt + auth_len, p->rtcp_tag_len))
			err = -EBADMSG;
		/* Without the E flag the sender authenticated but did not encrypt. */
		if (!err && (trailer & SRTCP_E_FLAG)) {
			cm_iv(s, iv, get_unaligned_be32(pkt + 4), trailer & ~SRTCP_E_FLAG);
			err = ctr_crypt(s->ctr, iv, pkt + RTCD_RTCP_HEADER_LEN,
					plain_len - RTCD_RTCP_HEADER_LEN);
		}
	}
	return err ?: (int)plain_len;
}
