/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SRTP and SRTCP come from the peer. The first byte picks the profile (bits
 * 0-1) and RTP or RTCP (bit 2); the rest is the packet. Unprotecting it must
 * either succeed within the input, or fail with the buffer wiped. The same
 * bytes taken as a clear packet and protected must unprotect, with the
 * peer's session, to exactly those bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/srtp/srtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PACKET_MAX 2048

static const enum rtc_srtp_profile profiles[] = {
	RTC_SRTP_AEAD_AES_256_GCM, RTC_SRTP_AEAD_AES_128_GCM,
	RTC_SRTP_AES128_CM_HMAC_SHA1_80, RTC_SRTP_AES128_CM_HMAC_SHA1_32,
};

/* Both ends' keys from one fixed DTLS export: the corpus seeds are protected
 * with the client's write key (material[i] = i * 31 + 7). */
static void keys(enum rtc_srtp_profile profile, struct rtc_dtls_srtp_keys *client,
		 struct rtc_dtls_srtp_keys *server)
{
	uint8_t material[2 * (RTC_SRTP_MASTER_KEY_MAX + RTC_SRTP_MASTER_SALT_MAX)];
	size_t len = rtc_srtp_keying_material_len(profile);

	for (size_t i = 0; i < sizeof(material); i++)
		material[i] = (uint8_t)(i * 31 + 7);
	if (rtc_srtp_keys_from_dtls(profile, material, len, 1, &client->local,
				    &client->remote) < 0 ||
	    rtc_srtp_keys_from_dtls(profile, material, len, 0, &server->local,
				    &server->remote) < 0)
		abort();
}

static void unprotect_peer_packet(struct rtc_srtp *in, int rtcp, const uint8_t *pkt,
				  size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	size_t n = 0;
	enum rtc_srtp_status st;

	memcpy(buf, pkt, len);
	st = rtcp ? rtc_srtp_unprotect_rtcp(in, buf, len, &n)
		  : rtc_srtp_unprotect_rtp(in, buf, len, &n);
	if (st == RTC_SRTP_OK) {
		if (n > len || n < (rtcp ? 8u : 12u))
			abort();
	} else {
		if (n != 0)
			abort();
		for (size_t i = 0; i < len; i++)
			if (buf[i])
				abort();
	}
	free(buf);
}

static void protect_round_trip(struct rtc_srtp *out, struct rtc_srtp *in, int rtcp,
			       const uint8_t *pkt, size_t len)
{
	static uint8_t wire[PACKET_MAX + RTC_SRTP_RTCP_ROOM];
	size_t n = 0, m = 0;
	enum rtc_srtp_status st;

	if (len > PACKET_MAX)
		return;
	st = rtcp ? rtc_srtp_protect_rtcp(out, pkt, len, wire, sizeof(wire), &n)
		  : rtc_srtp_protect_rtp(out, pkt, len, wire, sizeof(wire), &n);
	if (st != RTC_SRTP_OK)
		return;
	if (n <= len || n > len + RTC_SRTP_RTCP_ROOM)
		abort();
	st = rtcp ? rtc_srtp_unprotect_rtcp(in, wire, n, &m)
		  : rtc_srtp_unprotect_rtp(in, wire, n, &m);
	/* libsrtp2 may read an RTP header differently on the way back only if
	 * it was not one: a protected packet must always come back. */
	if (st != RTC_SRTP_OK || m != len || memcmp(wire, pkt, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_dtls_srtp_keys client, server;
	struct rtc_srtp *server_in = NULL, *client_out = NULL, *peer_in = NULL;
	struct rtc_error err = { 0 };

	if (size < 1)
		return 0;
	enum rtc_srtp_profile profile = profiles[data[0] & 3];
	int rtcp = (data[0] >> 2) & 1;

	keys(profile, &client, &server);
	/* Fresh sessions per input: replay state must not depend on the order
	 * inputs come in. */
	if (rtc_srtp_new_dtls(&server, RTC_SRTP_INBOUND, &server_in, &err) < 0 ||
	    rtc_srtp_new_dtls(&client, RTC_SRTP_OUTBOUND, &client_out, &err) < 0 ||
	    rtc_srtp_new_dtls(&server, RTC_SRTP_INBOUND, &peer_in, &err) < 0)
		abort();
	unprotect_peer_packet(server_in, rtcp, data + 1, size - 1);
	protect_round_trip(client_out, peer_in, rtcp, data + 1, size - 1);
	rtc_srtp_free(server_in);
	rtc_srtp_free(client_out);
	rtc_srtp_free(peer_in);
	return 0;
}
