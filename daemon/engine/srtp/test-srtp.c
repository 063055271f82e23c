/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcd's SRTP module against the RFCs. libsrtp2 derives session keys from a
 * master key and offers no way in below that, while RFC 7714's examples are
 * given with session keys; so the test carries an independent transcription
 * of RFC 3711 and RFC 7714 on OpenSSL (the "oracle"), pins the oracle to the
 * RFCs' own vectors (B.2 keystream, B.3 key derivation, the section 16/17
 * packets), then requires the module's output to match it byte for byte.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <srtp2/srtp.h>

#include "check.h"
#include "engine/srtp/srtp.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (uint8_t)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

#define HEX(name, str) uint8_t name[256]; size_t name##_len = unhex(str, name, sizeof(name))

/* ---- the oracle: RFC 3711 / RFC 7714 on OpenSSL -------------------------- */

static void aes_ctr(const uint8_t *key, size_t key_len, const uint8_t iv[16], uint8_t *data,
		    size_t n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int out = 0;

	EVP_EncryptInit_ex(c, key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr(), NULL, key,
			   iv);
	EVP_EncryptUpdate(c, data, &out, data, (int)n);
	EVP_CIPHER_CTX_free(c);
}

/* RFC 3711 4.3.1 with kdr 0: x = (label << 48) XOR master_salt, the keystream
 * of AES-CM under the master key at IV x * 2^16. RFC 7714 section 11: a
 * 96-bit master salt counts as that salt followed by two zero octets. */
static void kdf(const uint8_t *mkey, size_t mkey_len, const uint8_t *msalt, size_t msalt_len,
		uint8_t label, uint8_t *out, size_t n)
{
	uint8_t iv[16] = { 0 };

	memcpy(iv, msalt, msalt_len);
	iv[7] ^= label;
	memset(out, 0, n);
	aes_ctr(mkey, mkey_len, iv, out, n);
}

static size_t rtp_header_len(const uint8_t *p)
{
	size_t h = 12 + 4u * (p[0] & 0x0f);

	if (p[0] & 0x10)
		h += 4 + 4u * (size_t)(p[h + 2] << 8 | p[h + 3]);
	return h;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* AES-CM + HMAC-SHA1 SRTP (RFC 3711 4.1.1, 4.2) of an RTP packet, ROC 0;
 * returns the SRTP length. */
static size_t oracle_cm_rtp(const uint8_t ke[16], const uint8_t ka[20], const uint8_t ks[14],
			    size_t tag_len, const uint8_t *rtp, size_t len, uint8_t *out)
{
	uint8_t iv[16] = { 0 }, mac[20];
	size_t h = rtp_header_len(rtp);
	unsigned mac_len = 0;

	memcpy(out, rtp, len);
	memcpy(iv, ks, 14);
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= rtp[8 + i];	/* SSRC * 2^64 */
	iv[12] ^= rtp[2];		/* index (ROC 0 || SEQ) * 2^16 */
	iv[13] ^= rtp[3];
	aes_ctr(ke, 16, iv, out + h, len - h);

	/* authenticated: the packet, then the ROC (0) where the tag goes */
	memset(out + len, 0, 4);
	HMAC(EVP_sha1(), ka, 20, out, len + 4, mac, &mac_len);
	memcpy(out + len, mac, tag_len);
	return len + tag_len;
}

/* AES-CM + HMAC-SHA1-80 SRTCP (RFC 3711 3.4) with the given SRTCP index. */
static size_t oracle_cm_rtcp(const uint8_t ke[16], const uint8_t ka[20], const uint8_t ks[14],
			     uint32_t index, const uint8_t *rtcp, size_t len, uint8_t *out)
{
	uint8_t iv[16] = { 0 }, mac[20];
	unsigned mac_len = 0;

	memcpy(out, rtcp, len);
	memcpy(iv, ks, 14);
	for (int i = 0; i < 4; i++) {
		iv[4 + i] ^= rtcp[4 + i];
		iv[10 + i] ^= (uint8_t)(index >> (24 - 8 * i));
	}
	aes_ctr(ke, 16, iv, out + 8, len - 8);
	uint32_t ei = 0x80000000u | index;

	for (int i = 0; i < 4; i++)
		out[len + i] = (uint8_t)(ei >> (24 - 8 * i));

	HMAC(EVP_sha1(), ka, 20, out, len + 4, mac, &mac_len);
	memcpy(out + len + 4, mac, 10);
	return len + 14;
}

static void gcm(const uint8_t *key, size_t key_len, const uint8_t iv[12], const uint8_t *aad,
		size_t aad_len, const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0;

	EVP_EncryptInit_ex(c, key_len == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL, key,
			   iv);
	EVP_EncryptUpdate(c, NULL, &len, aad, (int)aad_len);
	EVP_EncryptUpdate(c, out, &len, in, (int)n);
	EVP_EncryptFinal_ex(c, out + len, &len);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(c);
}

/* RFC 7714 section 8: IV = salt XOR (0x0000 || SSRC || ROC || SEQ), AAD the
 * header, out = header || ciphertext || tag. ROC 0. */
static size_t oracle_gcm_rtp(const uint8_t *key, size_t key_len, const uint8_t salt[12],
			     const uint8_t *rtp, size_t len, uint8_t *out)
{
	uint8_t iv[12];
	size_t h = rtp_header_len(rtp);

	memcpy(iv, salt, 12);
	for (int i = 0; i < 4; i++)
		iv[2 + i] ^= rtp[8 + i];
	iv[10] ^= rtp[2];
	iv[11] ^= rtp[3];
	memcpy(out, rtp, h);
	gcm(key, key_len, iv, rtp, h, rtp + h, len - h, out + h, out + len);
	return len + 16;
}

/* RFC 7714 section 9: IV = salt XOR (0x0000 || SSRC || 0x0000 || index),
 * AAD = first 8 octets || E||index, out = header || ciphertext || tag ||
 * E||index. */
static size_t oracle_gcm_rtcp(const uint8_t *key, size_t key_len, const uint8_t salt[12],
			      uint32_t index, const uint8_t *rtcp, size_t len, uint8_t *out)
{
	uint8_t iv[12], aad[12];
	uint32_t ei = 0x80000000u | index;

	memcpy(iv, salt, 12);
	for (int i = 0; i < 4; i++) {
		iv[2 + i] ^= rtcp[4 + i];
		iv[8 + i] ^= (uint8_t)(index >> (24 - 8 * i));
	}
	memcpy(aad, rtcp, 8);
	for (int i = 0; i < 4; i++)
		aad[8 + i] = (uint8_t)(ei >> (24 - 8 * i));
	memcpy(out, rtcp, 8);
	gcm(key, key_len, iv, aad, 12, rtcp + 8, len - 8, out + 8, out + len);
	memcpy(out + len + 16, aad + 8, 4);
	return len + 20;
}

/* ---- the oracle against the RFCs ------------------------------------------ */

static void test_rfc3711_b2_keystream(void)
{
	/* B.2: session key, IV (salt * 2^16 with SSRC 0 and index 0), and the
	 * first three keystream blocks. */
	HEX(key, "2B7E151628AED2A6ABF7158809CF4F3C");
	HEX(iv, "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
	HEX(want, "E03EAD0935C95E80E166B16DD92B4EB4"
		  "D23513162B02D0F72A43A2FE4A5F97AB"
		  "41E95B3BB0A2E8DD477901E4FCA894C0");
	uint8_t ks[48] = { 0 };

	CHECK_INTEQ(key_len, 16);
	CHECK_INTEQ(iv_len, 16);
	aes_ctr(key, 16, iv, ks, sizeof(ks));
	CHECK_INTEQ(want_len, 48);
	CHECK(memcmp(ks, want, 48) == 0);
}

/* B.3's master key and salt, and the session keys it derives for SRTP. */
#define B3_MASTER_KEY  "E1F97A0D3E018BE0D64FA32C06DE4139"
#define B3_MASTER_SALT "0EC675AD498AFEEBB6960B3AABE6"
#define B3_CIPHER_KEY  "C61E7A93744F39EE10734AFE3FF7A087"
#define B3_CIPHER_SALT "30CBBC08863D8C85D49DB34A9AE1"
#define B3_AUTH_KEY    "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"

static void test_rfc3711_b3_kdf(void)
{
	HEX(mk, B3_MASTER_KEY);
	HEX(ms, B3_MASTER_SALT);
	HEX(ke, B3_CIPHER_KEY);
	HEX(ks, B3_CIPHER_SALT);
	HEX(ka, B3_AUTH_KEY);
	uint8_t k[20];

	CHECK_INTEQ(mk_len + ms_len, 30);
	kdf(mk, 16, ms, 14, 0, k, 16);
	CHECK(memcmp(k, ke, ke_len) == 0);
	kdf(mk, 16, ms, 14, 2, k, 14);
	CHECK(memcmp(k, ks, ks_len) == 0);
	kdf(mk, 16, ms, 14, 1, k, 20);
	CHECK(memcmp(k, ka, ka_len) == 0);
}

/* RFC 7714 sections 16 and 17: session key 00..0f (or 00..1f), salt
 * "Quid pro quo", and these two packets. */
#define R7714_SALT "517569642070726f2071756f"
#define R7714_RTP "8040f17b8041f8d35501a0b2" \
	"47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573"
#define R7714_RTCP "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61" \
	"deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"

static void test_rfc7714_vectors(void)
{
	HEX(key, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	HEX(salt, R7714_SALT);
	HEX(rtp, R7714_RTP);
	HEX(rtcp, R7714_RTCP);
	/* 16.1.1 and 16.2.1 (RTP), 17.1 and 17.2 (RTCP, SRTCP index 0x5d4). */
	HEX(srtp128, "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f"
		     "42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce");
	HEX(srtp256, "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3"
		     "b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13");
	HEX(srtcp128, "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1"
		      "730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4");
	HEX(srtcp256, "81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1"
		      "110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4");
	uint8_t out[256];

	CHECK_INTEQ(key_len, 32);
	CHECK_INTEQ(salt_len, 12);
	CHECK_INTEQ(oracle_gcm_rtp(key, 16, salt, rtp, rtp_len, out), srtp128_len);
	CHECK(memcmp(out, srtp128, srtp128_len) == 0);
	CHECK_INTEQ(oracle_gcm_rtp(key, 32, salt, rtp, rtp_len, out), srtp256_len);
	CHECK(memcmp(out, srtp256, srtp256_len) == 0);
	CHECK_INTEQ(oracle_gcm_rtcp(key, 16, salt, 0x5d4, rtcp, rtcp_len, out), srtcp128_len);
	CHECK(memcmp(out, srtcp128, srtcp128_len) == 0);
	CHECK_INTEQ(oracle_gcm_rtcp(key, 32, salt, 0x5d4, rtcp, rtcp_len, out), srtcp256_len);
	CHECK(memcmp(out, srtcp256, srtcp256_len) == 0);
}

/* ---- the module against the oracle ----------------------------------------- */

static struct rtc_srtp *session(enum rtc_srtp_profile profile, const uint8_t *key,
				const uint8_t *salt, enum rtc_srtp_direction dir)
{
	const struct rtc_srtp_profile_info *p = rtc_srtp_profile_info(profile);
	struct rtc_srtp_master m = { .profile = profile };
	struct rtc_srtp *s = NULL;
	struct rtc_error err = { 0 };

	if (!p)
		return NULL;
	m.key_len = p->master_key_len;
	m.salt_len = p->master_salt_len;
	memcpy(m.key, key, p->master_key_len);
	memcpy(m.salt, salt, p->master_salt_len);
	if (rtc_srtp_new(&m, dir, &s, &err) < 0)
		printf("# rtc_srtp_new: %s\n", err.message);
	return s;
}

/* B.3's master key through libsrtp2's KDF must give B.3's session keys: the
 * protected packet must be the one those session keys make. */
static void test_cm_protect_b3_master(void)
{
	HEX(mk, B3_MASTER_KEY);
	HEX(ms, B3_MASTER_SALT);
	HEX(ke, B3_CIPHER_KEY);
	HEX(ks, B3_CIPHER_SALT);
	HEX(ka, B3_AUTH_KEY);
	HEX(rtp, "800f1234decafbadcafebabe" "abababababababababababababababab");
	/* RTP with a CSRC and a one-byte header extension: the cipher starts
	 * after them. */
	HEX(rtpx, "9160beefdecafbadcafebabe11223344" "bede0001" "10aa0000" "0102030405060708");
	HEX(rtcp, "80c90001cafebabe" "0102030405060708");
	uint8_t out[512], want[512];
	size_t n = 0;

	(void)mk_len; (void)ms_len; (void)ke_len; (void)ks_len; (void)ka_len;
	for (int tag = 0; tag < 2; tag++) {
		enum rtc_srtp_profile prof = tag ? RTC_SRTP_AES128_CM_HMAC_SHA1_32
						 : RTC_SRTP_AES128_CM_HMAC_SHA1_80;
		size_t tag_len = tag ? 4 : 10;
		struct rtc_srtp *s = session(prof, mk, ms, RTC_SRTP_OUTBOUND);

		CHECK(s != NULL);
		if (!s)
			return;
		CHECK_INTEQ(rtc_srtp_protect_rtp(s, rtp, rtp_len, out, sizeof(out), &n), RTC_SRTP_OK);
		CHECK_INTEQ(n, oracle_cm_rtp(ke, ka, ks, tag_len, rtp, rtp_len, want));
		CHECK(memcmp(out, want, n) == 0);
		CHECK_INTEQ(rtc_srtp_protect_rtp(s, rtpx, rtpx_len, out, sizeof(out), &n),
			    RTC_SRTP_OK);
		CHECK_INTEQ(n, oracle_cm_rtp(ke, ka, ks, tag_len, rtpx, rtpx_len, want));
		CHECK(memcmp(out, want, n) == 0);

		/* SRTCP: labels 3, 4, 5; the 80-bit tag with either profile. */
		uint8_t cke[16], cka[20], cks[14];

		kdf(mk, 16, ms, 14, 3, cke, 16);
		kdf(mk, 16, ms, 14, 4, cka, 20);
		kdf(mk, 16, ms, 14, 5, cks, 14);
		CHECK_INTEQ(rtc_srtp_protect_rtcp(s, rtcp, rtcp_len, out, sizeof(out), &n),
			    RTC_SRTP_OK);
		CHECK_INTEQ(n, rtcp_len + 14);
		uint32_t ei = be32(out + rtcp_len);

		CHECK(ei & 0x80000000u);
		CHECK_INTEQ(n, oracle_cm_rtcp(cke, cka, cks, ei & 0x7fffffffu, rtcp, rtcp_len, want));
		CHECK(memcmp(out, want, n) == 0);
		CHECK_INTEQ(rtc_srtp_stats(s)->rtp_packets, 2);
		CHECK_INTEQ(rtc_srtp_stats(s)->rtcp_packets, 1);
		rtc_srtp_free(s);
	}
}

/* RFC 7714's packets protected by the module with the RFC's key and salt as
 * master key and salt: the output must be what the oracle (pinned to the RFC)
 * makes with the session keys RFC 7714 section 11's KDF derives from them. */
static void test_gcm_protect_rfc7714_packets(void)
{
	HEX(key, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	HEX(salt, R7714_SALT);
	HEX(rtp, R7714_RTP);
	HEX(rtcp, R7714_RTCP);
	uint8_t out[512], want[512];
	size_t n = 0;

	(void)key_len; (void)salt_len;
	for (int big = 0; big < 2; big++) {
		size_t kl = big ? 32 : 16;
		enum rtc_srtp_profile prof = big ? RTC_SRTP_AEAD_AES_256_GCM
						 : RTC_SRTP_AEAD_AES_128_GCM;
		struct rtc_srtp *s = session(prof, key, salt, RTC_SRTP_OUTBOUND);
		uint8_t ke[32], ks[12];

		CHECK(s != NULL);
		if (!s)
			return;
		kdf(key, kl, salt, 12, 0, ke, kl);
		kdf(key, kl, salt, 12, 2, ks, 12);
		CHECK_INTEQ(rtc_srtp_protect_rtp(s, rtp, rtp_len, out, sizeof(out), &n), RTC_SRTP_OK);
		CHECK_INTEQ(n, oracle_gcm_rtp(ke, kl, ks, rtp, rtp_len, want));
		CHECK(memcmp(out, want, n) == 0);

		kdf(key, kl, salt, 12, 3, ke, kl);
		kdf(key, kl, salt, 12, 5, ks, 12);
		CHECK_INTEQ(rtc_srtp_protect_rtcp(s, rtcp, rtcp_len, out, sizeof(out), &n),
			    RTC_SRTP_OK);
		CHECK_INTEQ(n, rtcp_len + 20);
		uint32_t ei = be32(out + n - 4);

		CHECK(ei & 0x80000000u);
		CHECK_INTEQ(n, oracle_gcm_rtcp(ke, kl, ks, ei & 0x7fffffffu, rtcp, rtcp_len, want));
		CHECK(memcmp(out, want, n) == 0);
		rtc_srtp_free(s);
	}
}

/* ---- behaviour --------------------------------------------------------------- */

static const enum rtc_srtp_profile all_profiles[] = {
	RTC_SRTP_AEAD_AES_256_GCM, RTC_SRTP_AEAD_AES_128_GCM,
	RTC_SRTP_AES128_CM_HMAC_SHA1_80, RTC_SRTP_AES128_CM_HMAC_SHA1_32,
};
#define N_PROFILES (sizeof(all_profiles) / sizeof(all_profiles[0]))

/* The four sessions of a DTLS association: client and server, each way. */
struct pair {
	struct rtc_srtp *client_out, *client_in, *server_out, *server_in;
};

static int pair_new(enum rtc_srtp_profile profile, struct pair *p)
{
	uint8_t material[2 * (RTC_SRTP_MASTER_KEY_MAX + RTC_SRTP_MASTER_SALT_MAX)];
	struct rtc_srtp_master cl, cr, sl, sr;
	struct rtc_error err = { 0 };
	size_t len = rtc_srtp_keying_material_len(profile);

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < len; i++)
		material[i] = (uint8_t)(i * 37 + profile);
	if (rtc_srtp_keys_from_dtls(profile, material, len, 1, &cl, &cr) < 0 ||
	    rtc_srtp_keys_from_dtls(profile, material, len, 0, &sl, &sr) < 0) {
		printf("# pair_new(0x%04x): no keys\n", profile);
		return -1;
	}
	if (rtc_srtp_new(&cl, RTC_SRTP_OUTBOUND, &p->client_out, &err) < 0 ||
	    rtc_srtp_new(&cr, RTC_SRTP_INBOUND, &p->client_in, &err) < 0 ||
	    rtc_srtp_new(&sl, RTC_SRTP_OUTBOUND, &p->server_out, &err) < 0 ||
	    rtc_srtp_new(&sr, RTC_SRTP_INBOUND, &p->server_in, &err) < 0) {
		printf("# pair_new(0x%04x): %s\n", profile, err.message);
		return -1;
	}
	return 0;
}

static void pair_free(struct pair *p)
{
	rtc_srtp_free(p->client_out);
	rtc_srtp_free(p->client_in);
	rtc_srtp_free(p->server_out);
	rtc_srtp_free(p->server_in);
}

static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t len)
{
	buf[0] = 0x80;
	buf[1] = 111;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	memset(buf + 4, 0x42, 4);
	buf[8] = (uint8_t)(ssrc >> 24);
	buf[9] = (uint8_t)(ssrc >> 16);
	buf[10] = (uint8_t)(ssrc >> 8);
	buf[11] = (uint8_t)ssrc;
	for (size_t i = 12; i < len; i++)
		buf[i] = (uint8_t)(i ^ seq);
	return len;
}

static size_t make_rtcp(uint8_t *buf, uint32_t ssrc)
{
	/* An RR without report blocks, then a PLI. */
	static const uint8_t t[] = { 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 0,
				     0x81, 0xce, 0x00, 0x02, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78 };

	memcpy(buf, t, sizeof(t));
	for (int i = 0; i < 4; i++)
		buf[4 + i] = buf[12 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	return sizeof(t);
}

static void test_round_trip_all_profiles(void)
{
	for (size_t i = 0; i < N_PROFILES; i++) {
		const struct rtc_srtp_profile_info *pp = rtc_srtp_profile_info(all_profiles[i]);
		struct pair p;
		uint8_t clear[1400], wire[1600];
		size_t n = 0, m = 0;

		CHECK(pp != NULL);
		if (!pp || pair_new(all_profiles[i], &p) < 0) {
			CHECK(0);
			continue;
		}
		CHECK_INTEQ(rtc_srtp_profile(p.client_out), all_profiles[i]);
		/* Both ways, two SSRCs each (the templates clone a stream per SSRC). */
		for (int dir = 0; dir < 2; dir++) {
			struct rtc_srtp *tx = dir ? p.server_out : p.client_out;
			struct rtc_srtp *rx = dir ? p.client_in : p.server_in;

			for (uint16_t seq = 65530; seq != 10; seq++) {
				uint32_t ssrc = 0x1000u + (seq & 1);
				size_t len = make_rtp(clear, seq, ssrc, 1200);

				CHECK_INTEQ(rtc_srtp_protect_rtp(tx, clear, len, wire, sizeof(wire), &n),
					    RTC_SRTP_OK);
				CHECK_INTEQ(n, len + pp->rtp_tag_len);
				CHECK(memcmp(wire + 12, clear + 12, 16) != 0);
				CHECK_INTEQ(rtc_srtp_unprotect_rtp(rx, wire, n, &m), RTC_SRTP_OK);
				CHECK_INTEQ(m, len);
				CHECK(memcmp(wire, clear, len) == 0);
			}
			size_t len = make_rtcp(clear, 0x1000);

			for (int k = 0; k < 3; k++) {
				CHECK_INTEQ(rtc_srtp_protect_rtcp(tx, clear, len, wire, sizeof(wire),
								  &n), RTC_SRTP_OK);
				CHECK_INTEQ(n, len + 4 + pp->rtcp_tag_len);
				CHECK_INTEQ(rtc_srtp_unprotect_rtcp(rx, wire, n, &m), RTC_SRTP_OK);
				CHECK_INTEQ(m, len);
				CHECK(memcmp(wire, clear, len) == 0);
			}
			CHECK_INTEQ(rtc_srtp_stats(rx)->rtp_packets, 16);
			CHECK_INTEQ(rtc_srtp_stats(rx)->rtcp_packets, 3);
			CHECK_INTEQ(rtc_srtp_stats(tx)->rtp_bytes, 16 * 1200);
		}
		pair_free(&p);
	}
}

/* Protecting in place (in == out) gives the same bytes as into another
 * buffer, and a retransmission of the same packet is allowed and identical. */
static void test_in_place_and_retransmission(void)
{
	for (size_t i = 0; i < N_PROFILES; i++) {
		struct pair p;
		uint8_t clear[1400], a[1600], b[1600];
		size_t na = 0, nb = 0, m = 0;

		if (pair_new(all_profiles[i], &p) < 0) {
			CHECK(0);
			continue;
		}
		size_t len = make_rtp(clear, 7, 0xabc, 300);

		CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, clear, len, a, sizeof(a), &na),
			    RTC_SRTP_OK);
		memcpy(b, clear, len);
		CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, b, len, b, sizeof(b), &nb),
			    RTC_SRTP_OK);
		CHECK_INTEQ(na, nb);
		CHECK(memcmp(a, b, na) == 0);
		/* The clear packet stays clear for an RTX cache. */
		CHECK(clear[12] == (uint8_t)(12 ^ 7));
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, a, na, &m), RTC_SRTP_OK);
		/* The receiver accepts it once only. */
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, b, nb, &m), RTC_SRTP_ERR_REPLAY);
		pair_free(&p);
	}
}

static void test_tamper_counted_and_wiped(void)
{
	for (size_t i = 0; i < N_PROFILES; i++) {
		struct pair p;
		uint8_t clear[1400], wire[1600], copy[1600];
		size_t n = 0, m = 0;
		uint64_t fails = 0;

		if (pair_new(all_profiles[i], &p) < 0) {
			CHECK(0);
			continue;
		}
		/* One bit flipped in the header, the payload, and the tag. */
		size_t len = make_rtp(clear, 100, 0x77, 200);

		CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, clear, len, wire, sizeof(wire), &n),
			    RTC_SRTP_OK);
		size_t where[] = { 1, 40, n - 1 };

		for (size_t w = 0; w < 3; w++) {
			memcpy(copy, wire, n);
			copy[where[w]] ^= 0x04;
			CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, copy, n, &m),
				    RTC_SRTP_ERR_AUTH);
			CHECK_INTEQ(m, 0);
			for (size_t k = 0; k < n; k++)
				fails += copy[k] != 0;
			CHECK_INTEQ(rtc_srtp_stats(p.server_in)->rejected_auth, w + 1);
		}
		CHECK_INTEQ(fails, 0);
		/* The genuine packet still passes: a forgery does not move the window. */
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, wire, n, &m), RTC_SRTP_OK);
		CHECK_INTEQ(rtc_srtp_stats(p.server_in)->rtp_packets, 1);

		/* SRTCP: a bit in the body, and in the E||index word. */
		len = make_rtcp(clear, 0x77);
		CHECK_INTEQ(rtc_srtp_protect_rtcp(p.client_out, clear, len, wire, sizeof(wire), &n),
			    RTC_SRTP_OK);
		const struct rtc_srtp_profile_info *pp = rtc_srtp_profile_info(all_profiles[i]);
		/* E||index ends an AEAD packet and precedes the tag otherwise. */
		size_t idx = pp->rtcp_tag_len == 16 ? n - 1 : len + 3;
		size_t rwhere[] = { 10, idx };

		for (size_t w = 0; w < 2; w++) {
			memcpy(copy, wire, n);
			copy[rwhere[w]] ^= 0x01;
			CHECK_INTEQ(rtc_srtp_unprotect_rtcp(p.server_in, copy, n, &m),
				    RTC_SRTP_ERR_AUTH);
		}
		CHECK_INTEQ(rtc_srtp_stats(p.server_in)->rejected_auth, 5);
		CHECK_INTEQ(rtc_srtp_unprotect_rtcp(p.server_in, wire, n, &m), RTC_SRTP_OK);
		pair_free(&p);
	}
}

static void test_replay_counted(void)
{
	for (size_t i = 0; i < N_PROFILES; i++) {
		struct pair p;
		uint8_t clear[1400], wire[1600], copy[1600], first[1600], late[1600];
		size_t n = 0, m = 0, nfirst = 0;

		if (pair_new(all_profiles[i], &p) < 0) {
			CHECK(0);
			continue;
		}
		size_t len = make_rtp(clear, 1, 0x99, 100);

		CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, clear, len, first, sizeof(first),
						 &nfirst), RTC_SRTP_OK);
		memcpy(copy, first, nfirst);
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, copy, nfirst, &m), RTC_SRTP_OK);
		memcpy(copy, first, nfirst);
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, copy, nfirst, &m),
			    RTC_SRTP_ERR_REPLAY);
		CHECK_INTEQ(rtc_srtp_stats(p.server_in)->rejected_replay, 1);
		/* Reordering inside the window is fine; older than the window is not. */
		uint16_t seq = 2;

		for (; seq < 2 + RTC_SRTP_REPLAY_WINDOW + 10; seq++) {
			make_rtp(clear, seq, 0x99, 100);
			CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, clear, len, wire,
							 sizeof(wire), &n), RTC_SRTP_OK);
			/* #5 arrives 15 packets late, #6 only after the window moved on */
			if (seq == 5 || seq == 6) {
				memcpy(seq == 5 ? first : late, wire, n);
				continue;
			}
			CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, wire, n, &m), RTC_SRTP_OK);
			if (seq == 20)
				CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, first, n, &m),
					    RTC_SRTP_OK);
		}
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, late, n, &m), RTC_SRTP_ERR_REPLAY);
		CHECK_INTEQ(rtc_srtp_stats(p.server_in)->rejected_replay, 2);
		CHECK_INTEQ(rtc_srtp_stats(p.server_in)->rtp_packets, RTC_SRTP_REPLAY_WINDOW + 10);

		/* SRTCP replay. */
		len = make_rtcp(clear, 0x99);
		CHECK_INTEQ(rtc_srtp_protect_rtcp(p.client_out, clear, len, wire, sizeof(wire), &n),
			    RTC_SRTP_OK);
		memcpy(copy, wire, n);
		CHECK_INTEQ(rtc_srtp_unprotect_rtcp(p.server_in, copy, n, &m), RTC_SRTP_OK);
		CHECK_INTEQ(rtc_srtp_unprotect_rtcp(p.server_in, wire, n, &m), RTC_SRTP_ERR_REPLAY);
		CHECK_INTEQ(rtc_srtp_stats(p.server_in)->rejected_replay, 3);
		pair_free(&p);
	}
}

/* A packet the client protects only opens with the client's write key: the
 * client's own inbound session (the server's key) and a session built with
 * the roles swapped refuse it. */
static void test_wrong_direction_keys(void)
{
	for (size_t i = 0; i < N_PROFILES; i++) {
		struct pair p;
		uint8_t clear[1400], wire[1600], copy[1600];
		size_t n = 0, m = 0;

		if (pair_new(all_profiles[i], &p) < 0) {
			CHECK(0);
			continue;
		}
		size_t len = make_rtp(clear, 1, 0x55, 160);

		CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, clear, len, wire, sizeof(wire), &n),
			    RTC_SRTP_OK);
		memcpy(copy, wire, n);
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.client_in, copy, n, &m), RTC_SRTP_ERR_AUTH);
		CHECK_INTEQ(rtc_srtp_stats(p.client_in)->rejected_auth, 1);
		memcpy(copy, wire, n);
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, copy, n, &m), RTC_SRTP_OK);

		/* Misuse of a session's direction is refused and counted. */
		CHECK_INTEQ(rtc_srtp_protect_rtp(p.server_in, clear, len, wire, sizeof(wire), &n),
			    RTC_SRTP_ERR_DIRECTION);
		memcpy(copy, wire, n);
		CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.client_out, copy, 200, &m),
			    RTC_SRTP_ERR_DIRECTION);
		CHECK_INTEQ(rtc_srtp_stats(p.server_in)->rejected_direction, 1);
		CHECK_INTEQ(rtc_srtp_stats(p.client_out)->rejected_direction, 1);
		pair_free(&p);
	}
}

static void test_small_buffer_and_malformed(void)
{
	struct pair p;
	uint8_t clear[1400], wire[1600], junk[64];
	size_t n = 99, m = 99;

	if (pair_new(RTC_SRTP_AEAD_AES_128_GCM, &p) < 0) {
		CHECK(0);
		return;
	}
	size_t len = make_rtp(clear, 1, 1, 1200);

	memset(wire, 0xee, sizeof(wire));
	CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, clear, len, wire,
					 len + RTC_SRTP_RTP_ROOM - 1, &n), RTC_SRTP_ERR_NO_SPACE);
	CHECK_INTEQ(n, 0);
	CHECK(wire[0] == 0xee && wire[len - 1] == 0xee);	/* nothing written */
	CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, clear, len, wire, 100, &n),
		    RTC_SRTP_ERR_NO_SPACE);
	len = make_rtcp(clear, 1);
	CHECK_INTEQ(rtc_srtp_protect_rtcp(p.client_out, clear, len, wire,
					  len + RTC_SRTP_RTCP_ROOM - 1, &n), RTC_SRTP_ERR_NO_SPACE);
	CHECK_INTEQ(rtc_srtp_stats(p.client_out)->rejected_no_space, 3);
	CHECK_INTEQ(rtc_srtp_protect_rtcp(p.client_out, clear, len, wire,
					  len + RTC_SRTP_RTCP_ROOM, &n), RTC_SRTP_OK);

	/* Too short for a header, not version 2, shorter than header + tag. */
	CHECK_INTEQ(rtc_srtp_protect_rtp(p.client_out, clear, 11, wire, sizeof(wire), &n),
		    RTC_SRTP_ERR_MALFORMED);
	memset(junk, 0, sizeof(junk));
	junk[0] = 0x80;
	CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, junk, 11, &m), RTC_SRTP_ERR_MALFORMED);
	junk[0] = 0x40;
	CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, junk, 40, &m), RTC_SRTP_ERR_MALFORMED);
	junk[0] = 0x80;
	CHECK_INTEQ(rtc_srtp_unprotect_rtp(p.server_in, junk, 20, &m), RTC_SRTP_ERR_MALFORMED);
	junk[0] = 0x80;
	junk[1] = 0xc9;
	CHECK_INTEQ(rtc_srtp_unprotect_rtcp(p.server_in, junk, 7, &m), RTC_SRTP_ERR_MALFORMED);
	CHECK_INTEQ(rtc_srtp_unprotect_rtcp(p.server_in, junk, 12, &m), RTC_SRTP_ERR_MALFORMED);
	const struct rtc_srtp_stats *st = rtc_srtp_stats(p.server_in);

	CHECK_INTEQ(st->rejected_malformed, 5);
	CHECK_INTEQ(st->rtp_packets + st->rtcp_packets, 0);
	CHECK_STREQ(rtc_srtp_status_name(RTC_SRTP_ERR_REPLAY), "replay");
	pair_free(&p);
}

/* Sessions keyed straight from srtp-keys' split: for every profile the
 * client's outbound session talks to the server's inbound one and not to
 * its own inbound one; rtc_srtp_new_dtls picks local for outbound, remote
 * for inbound; masters that do not fit their profile are refused. */
static void test_dtls_keys(void)
{
	uint8_t material[2 * (RTC_SRTP_MASTER_KEY_MAX + RTC_SRTP_MASTER_SALT_MAX)];
	struct rtc_error err = { 0 };

	for (size_t i = 0; i < sizeof(material); i++)
		material[i] = (uint8_t)(i * 11 + 3);
	for (size_t i = 0; i < N_PROFILES; i++) {
		enum rtc_srtp_profile prof = all_profiles[i];
		size_t len = rtc_srtp_keying_material_len(prof);
		struct rtc_dtls_srtp_keys ck, sk;
		struct rtc_srtp *cout = NULL, *sin = NULL, *cin = NULL;
		uint8_t clear[300], wire[600], copy[600];
		size_t n = 0, m = 0;

		CHECK_INTEQ(rtc_srtp_keys_from_dtls(prof, material, len, 1, &ck.local, &ck.remote),
			    0);
		CHECK_INTEQ(rtc_srtp_keys_from_dtls(prof, material, len, 0, &sk.local, &sk.remote),
			    0);
		CHECK_INTEQ(rtc_srtp_new_dtls(&ck, RTC_SRTP_OUTBOUND, &cout, &err), 0);
		CHECK_INTEQ(rtc_srtp_new_dtls(&sk, RTC_SRTP_INBOUND, &sin, &err), 0);
		CHECK_INTEQ(rtc_srtp_new_dtls(&ck, RTC_SRTP_INBOUND, &cin, &err), 0);
		if (!cout || !sin || !cin) {
			CHECK(0);
		} else {
			size_t clen = make_rtp(clear, 9, 9, 100);

			CHECK_INTEQ(rtc_srtp_profile(cout), prof);
			CHECK_INTEQ(rtc_srtp_direction(cin), RTC_SRTP_INBOUND);
			CHECK_INTEQ(rtc_srtp_protect_rtp(cout, clear, clen, wire, sizeof(wire), &n),
				    RTC_SRTP_OK);
			memcpy(copy, wire, n);
			CHECK_INTEQ(rtc_srtp_unprotect_rtp(cin, copy, n, &m), RTC_SRTP_ERR_AUTH);
			CHECK_INTEQ(rtc_srtp_unprotect_rtp(sin, wire, n, &m), RTC_SRTP_OK);
			CHECK(m == clen && memcmp(wire, clear, clen) == 0);
		}
		rtc_srtp_free(cout);
		rtc_srtp_free(sin);
		rtc_srtp_free(cin);
	}

	struct rtc_srtp *none = (struct rtc_srtp *)&err;

	CHECK_INTEQ(rtc_srtp_new_dtls(NULL, RTC_SRTP_INBOUND, &none, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	CHECK(none == NULL);

	/* Masters that do not fit their profile, and a profile nobody knows. */
	struct rtc_srtp_master local, remote;
	struct rtc_srtp *s = NULL;

	CHECK_INTEQ(rtc_srtp_keys_from_dtls(RTC_SRTP_AEAD_AES_256_GCM, material, 88, 1, &local,
					    &remote), 0);
	local.key_len = 16;
	CHECK_INTEQ(rtc_srtp_new(&local, RTC_SRTP_OUTBOUND, &s, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	local.profile = RTC_SRTP_AEAD_AES_128_GCM;
	local.salt_len = 14;
	CHECK_INTEQ(rtc_srtp_new(&local, RTC_SRTP_OUTBOUND, &s, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	local.salt_len = 12;
	CHECK_INTEQ(rtc_srtp_new(&local, (enum rtc_srtp_direction)7, &s, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	local.profile = (enum rtc_srtp_profile)0x0003;
	CHECK_INTEQ(rtc_srtp_new(&local, RTC_SRTP_OUTBOUND, &s, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_SUPPORTED);
	CHECK(s == NULL);
	/* The fitting one opens. */
	local.profile = RTC_SRTP_AEAD_AES_128_GCM;
	CHECK_INTEQ(rtc_srtp_new(&local, RTC_SRTP_OUTBOUND, &s, &err), 0);
	rtc_srtp_free(s);
}

int main(void)
{
	/* Another libsrtp2 user in the process got there first (daemon/offload
	 * may): the module's own srtp_init must still let sessions open. */
	if (srtp_init() != srtp_err_status_ok)
		printf("# srtp_init failed\n");
	RUN(test_rfc3711_b2_keystream);
	RUN(test_rfc3711_b3_kdf);
	RUN(test_rfc7714_vectors);
	RUN(test_cm_protect_b3_master);
	RUN(test_gcm_protect_rfc7714_packets);
	RUN(test_round_trip_all_profiles);
	RUN(test_in_place_and_retransmission);
	RUN(test_tamper_counted_and_wiped);
	RUN(test_replay_counted);
	RUN(test_wrong_direction_keys);
	RUN(test_small_buffer_and_malformed);
	RUN(test_dtls_keys);
	return rtc_test_done();
}
