/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SDP parser and serializer against the RFC examples, descriptions as
 * Chromium, Firefox, aiortc, Pion and libdatachannel write them (the .sdp
 * files in tests/data/sdp, found through $SDP_SAMPLES), the oddities of
 * real-world SDP that are read liberally, and a catalogue of broken input.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/sdp/sdp.h"
#include "sdp-samples.h"

static struct rtc_sdp_session *parse(const char *text)
{
	struct rtc_sdp_session *s = NULL;
	struct rtc_error err = { 0 };

	if (rtc_sdp_parse(text, strlen(text), &s, &err) < 0) {
		printf("# parse failed: %s\n", err.message);
		return NULL;
	}
	return s;
}

/* Serialize, re-parse, compare; the second serialization must be the same
 * text. When exact, the first one must also reproduce the input. */
static void check_round_trip(const struct rtc_sdp_session *s, const char *input, bool exact)
{
	struct rtc_sdp_session *again = NULL;
	struct rtc_error err = { 0 };
	char *text = rtc_sdp_to_string(s), *text2;

	CHECK(text != NULL);
	if (!text)
		return;
	if (exact)
		CHECK_STREQ(text, input);
	CHECK(rtc_sdp_parse(text, strlen(text), &again, &err) == 0);
	if (again) {
		CHECK(rtc_sdp_equal(s, again));
		text2 = rtc_sdp_to_string(again);
		CHECK_STREQ(text2, text);
		free(text2);
		rtc_sdp_free(again);
	} else {
		printf("# re-parse failed: %s\n", err.message);
	}
	free(text);
}

/* RFC 8866 section 5, typed in with CRLF. */
static const char rfc8866_example[] =
	"v=0\r\n"
	"o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n"
	"s=Call to John Smith\r\n"
	"i=SDP Offer #1\r\n"
	"u=http://www.jdoe.example.com/home.html\r\n"
	"e=Jane Doe <jane@jdoe.example.com>\r\n"
	"p=+1 617 555-6011\r\n"
	"c=IN IP4 198.51.100.1\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0\r\n"
	"m=audio 49180 RTP/AVP 0\r\n"
	"m=video 51372 RTP/AVP 99\r\n"
	"c=IN IP6 2001:db8::2\r\n"
	"a=rtpmap:99 h263-1998/90000\r\n";

static void test_rfc8866_example(void)
{
	struct rtc_sdp_session *s = parse(rfc8866_example);
	const struct rtc_sdp_rtpmap *map;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STREQ(s->origin.username, "jdoe");
	CHECK_STREQ(s->origin.session_id, "3724394400");
	CHECK_INTEQ(s->origin.session_version, 3724394405u);
	CHECK_STREQ(s->origin.addrtype, "IP4");
	CHECK_STREQ(s->origin.address, "198.51.100.1");
	CHECK_STREQ(s->name, "Call to John Smith");
	CHECK_STREQ(s->information, "SDP Offer #1");
	CHECK_STREQ(s->uri, "http://www.jdoe.example.com/home.html");
	CHECK_INTEQ(s->n_emails, 1);
	CHECK_STREQ(s->emails[0], "Jane Doe <jane@jdoe.example.com>");
	CHECK_STREQ(s->phones[0], "+1 617 555-6011");
	CHECK(s->connection && strcmp(s->connection->address, "198.51.100.1") == 0);
	CHECK_INTEQ(s->n_timings, 1);
	CHECK_INTEQ(s->n_media, 3);
	CHECK_INTEQ(s->media[0]->kind, RTC_SDP_MEDIA_AUDIO);
	CHECK_INTEQ(s->media[1]->port, 49180);
	CHECK_INTEQ(s->media[2]->kind, RTC_SDP_MEDIA_VIDEO);
	CHECK_STREQ(s->media[2]->proto, "RTP/AVP");
	CHECK_STREQ(s->media[2]->fmts[0], "99");
	CHECK_STREQ(s->media[2]->connections[0].addrtype, "IP6");
	CHECK_INTEQ(s->media[2]->line, 12);
	map = rtc_sdp_media_rtpmap(s->media[2], 99);
	CHECK(map && strcmp(map->encoding, "h263-1998") == 0 && map->clock_rate == 90000 &&
	      map->channels == 0);
	CHECK_INTEQ(s->media[2]->attrs[0].line, 14);
	check_round_trip(s, rfc8866_example, true);
	rtc_sdp_free(s);
}

/* The same with LF alone: accepted, and written back with CRLF. */
static void test_lf_line_endings(void)
{
	char lf[sizeof(rfc8866_example)];
	struct rtc_sdp_session *s;
	char *text;
	size_t j = 0;

	for (size_t i = 0; rfc8866_example[i]; i++)
		if (rfc8866_example[i] != '\r')
			lf[j++] = rfc8866_example[i];
	lf[j] = '\0';
	s = parse(lf);
	CHECK(s != NULL);
	if (!s)
		return;
	text = rtc_sdp_to_string(s);
	CHECK_STREQ(text, rfc8866_example);
	free(text);
	rtc_sdp_free(s);
}

/* RFC 8839 section 5.1 / appendix example, ICE at session level. */
static const char rfc8839_example[] =
	"v=0\r\n"
	"o=jdoe 2890844526 2890842807 IN IP4 203.0.113.141\r\n"
	"s=\r\n"
	"c=IN IP4 192.0.2.3\r\n"
	"t=0 0\r\n"
	"a=ice-options:ice2\r\n"
	"a=ice-pacing:50\r\n"
	"a=ice-pwd:asd88fgpdd777uzjYhagZg\r\n"
	"a=ice-ufrag:8hhY\r\n"
	"m=audio 45664 RTP/AVP 0\r\n"
	"b=RS:0\r\n"
	"b=RR:0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host\r\n"
	"a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998\r\n";

static void test_rfc8839_example(void)
{
	struct rtc_sdp_session *s = parse(rfc8839_example);
	const struct rtc_sdp_attr *a;
	const struct rtc_sdp_candidate *c;
	const struct rtc_sdp_media *m;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STREQ(s->name, "");
	m = s->media[0];
	CHECK_STREQ(rtc_sdp_ice_ufrag(s, m), "8hhY");
	CHECK_STREQ(rtc_sdp_ice_pwd(s, m), "asd88fgpdd777uzjYhagZg");
	CHECK(rtc_sdp_has_ice_option(s, m, "ice2"));
	CHECK(!rtc_sdp_has_ice_option(s, m, "trickle"));
	CHECK(!rtc_sdp_has_ice_option(s, m, "ice"));
	CHECK_STREQ(rtc_sdp_session_attr(s, "ice-pacing", NULL)->value, "50");
	CHECK_INTEQ(m->n_bandwidths, 2);
	CHECK_STREQ(m->bandwidths[1].type, "RR");

	a = rtc_sdp_media_attr(m, "candidate", NULL);
	CHECK(a && a->kind == RTC_SDP_ATTR_CANDIDATE);
	c = a ? a->candidate : NULL;
	CHECK(c && strcmp(c->foundation, "1") == 0 && c->component == 1 &&
	      c->transport_kind == RTC_SDP_TRANSPORT_UDP && c->priority == 2130706431u &&
	      c->address_kind == RTC_SDP_ADDRESS_IPV4 && c->port == 8998 &&
	      c->type == RTC_SDP_CANDIDATE_HOST && !c->related_address);
	a = a ? rtc_sdp_media_attr(m, "candidate", a) : NULL;
	c = a ? a->candidate : NULL;
	CHECK(c && c->type == RTC_SDP_CANDIDATE_SRFLX &&
	      strcmp(c->related_address, "203.0.113.141") == 0 && c->has_related_port &&
	      c->related_port == 8998 && c->n_extensions == 0);
	CHECK(a && !rtc_sdp_media_attr(m, "candidate", a));
	check_round_trip(s, rfc8839_example, true);
	rtc_sdp_free(s);
}

/* RFC 8841 section 10 (data channel over DTLS/SCTP) and RFC 8842 (setup,
 * fingerprint, tls-id) in one offer. */
static const char rfc8841_example[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 79.97.215.79\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"m=application 54111 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	"c=IN IP4 79.97.215.79\r\n"
	"a=sctp-port:5000\r\n"
	"a=max-message-size:100000\r\n"
	"a=setup:actpass\r\n"
	"a=tls-id:abc3de65cddef001be82\r\n"
	"a=fingerprint:SHA-256 12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:"
	"12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD\r\n";

static void test_rfc8841_example(void)
{
	struct rtc_sdp_session *s = parse(rfc8841_example);
	const struct rtc_sdp_fingerprint *fp;
	const struct rtc_sdp_media *m;
	uint16_t port = 0;
	uint64_t size = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	m = s->media[0];
	CHECK_INTEQ(m->kind, RTC_SDP_MEDIA_APPLICATION);
	CHECK_STREQ(m->proto, "UDP/DTLS/SCTP");
	CHECK_STREQ(m->fmts[0], "webrtc-datachannel");
	CHECK(rtc_sdp_media_sctp_port(m, &port) && port == 5000);
	CHECK(rtc_sdp_media_max_message_size(m, &size) && size == 100000);
	CHECK_INTEQ(rtc_sdp_setup(s, m), RTC_SDP_SETUP_ACTPASS);
	CHECK_INTEQ(rtc_sdp_direction(s, m), RTC_SDP_DIRECTION_SENDRECV);
	CHECK(rtc_sdp_media_sctpmap(m) == NULL);
	fp = rtc_sdp_fingerprint(s, m);
	CHECK(fp && strcmp(fp->algorithm, "sha-256") == 0 && fp->digest_len == 32 &&
	      fp->digest[0] == 0x12 && fp->digest[31] == 0xAD);
	CHECK_STREQ(rtc_sdp_media_attr(m, "tls-id", NULL)->value, "abc3de65cddef001be82");
	check_round_trip(s, rfc8841_example, true);
	rtc_sdp_free(s);
}

/* RFC 8843 section 18.1, the BUNDLE offer. */
static const char rfc8843_example[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP6 2001:db8::3\r\n"
	"s=\r\n"
	"c=IN IP6 2001:db8::3\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE foo bar\r\n"
	"m=audio 10000 RTP/AVP 0 8 97\r\n"
	"b=AS:200\r\n"
	"a=mid:foo\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:97 iLBC/8000\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"m=video 10002 RTP/AVP 31 32\r\n"
	"b=AS:1000\r\n"
	"a=mid:bar\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:31 H261/90000\r\n"
	"a=rtpmap:32 MPV/90000\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n";

static void test_rfc8843_bundle(void)
{
	struct rtc_sdp_session *s = parse(rfc8843_example);
	const struct rtc_sdp_group *group;
	const struct rtc_sdp_attr *a;

	CHECK(s != NULL);
	if (!s)
		return;
	group = rtc_sdp_group(s, "BUNDLE");
	CHECK(group && group->n_mids == 2 && strcmp(group->mids[0], "foo") == 0 &&
	      strcmp(group->mids[1], "bar") == 0);
	CHECK(rtc_sdp_group(s, "LS") == NULL);
	CHECK(rtc_sdp_media_by_mid(s, "bar") == s->media[1]);
	CHECK(rtc_sdp_media_by_mid(s, "baz") == NULL);
	CHECK_STREQ(rtc_sdp_media_mid(s->media[0]), "foo");
	CHECK(rtc_sdp_media_has(s->media[0], "rtcp-mux"));
	CHECK(!rtc_sdp_media_has(s->media[0], "rtcp-rsize"));
	CHECK_INTEQ(s->media[1]->bandwidths[0].value, 1000);
	a = rtc_sdp_media_attr(s->media[1], "extmap", NULL);
	CHECK(a && a->extmap->id == 1 && !a->extmap->has_direction &&
	      strcmp(a->extmap->uri, "urn:ietf:params:rtp-hdrext:sdes:mid") == 0 &&
	      !a->extmap->attributes);
	CHECK(rtc_sdp_media_rtpmap(s->media[0], 97) &&
	      strcmp(rtc_sdp_media_rtpmap(s->media[0], 97)->encoding, "iLBC") == 0);
	check_round_trip(s, rfc8843_example, true);
	rtc_sdp_free(s);
}

/* An offer as Chromium writes it (audio, video, data), shortened. */
static const char chrome_offer[] =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0 1 2\r\n"
	"a=extmap-allow-mixed\r\n"
	"a=msid-semantic: WMS stream\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=candidate:842163049 1 udp 1677729535 198.51.100.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-cost 999\r\n"
	"a=candidate:1467250027 1 udp 2122260223 3f2a4d7e-09b1-4f3c-8c1e-1d2b3c4d5e6f.local 56143 typ host generation 0 network-id 1\r\n"
	"a=candidate:1853887674 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active generation 0 network-id 1\r\n"
	"a=ice-ufrag:EsAw\r\n"
	"a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 D7:87:3E:7B:59:0C:58:98:2B:0C:7B:22:4D:2C:21:5A:A0:B2:1F:CD:A3:33:6C:11:74:E2:D1:A6:7F:5F:11:0A\r\n"
	"a=setup:actpass\r\n"
	"a=mid:0\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
	"a=extmap:4/recvonly urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=sendrecv\r\n"
	"a=msid:stream 5ef4d9e1-3c34-4f7c-a6a4-4a0a0d4d2e3a\r\n"
	"a=rtcp-mux\r\n"
	"a=rtcp-rsize\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=rtcp-fb:111 transport-cc\r\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	"a=rtpmap:63 red/48000/2\r\n"
	"a=fmtp:63 111/111\r\n"
	"a=ssrc:3735928559 cname:4TOk42mSjXCkVIa6\r\n"
	"a=ssrc:3735928559 msid:stream 5ef4d9e1-3c34-4f7c-a6a4-4a0a0d4d2e3a\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:EsAw\r\n"
	"a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 D7:87:3E:7B:59:0C:58:98:2B:0C:7B:22:4D:2C:21:5A:A0:B2:1F:CD:A3:33:6C:11:74:E2:D1:A6:7F:5F:11:0A\r\n"
	"a=setup:actpass\r\n"
	"a=mid:1\r\n"
	"a=recvonly\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtcp-fb:96 goog-remb \r\n"
	"a=rtcp-fb:96 nack pli\r\n"
	"a=rtpmap:97 rtx/90000\r\n"
	"a=fmtp:97 apt=96\r\n"
	"a=ssrc-group:FID 1111 2222\r\n"
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:EsAw\r\n"
	"a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 D7:87:3E:7B:59:0C:58:98:2B:0C:7B:22:4D:2C:21:5A:A0:B2:1F:CD:A3:33:6C:11:74:E2:D1:A6:7F:5F:11:0A\r\n"
	"a=setup:actpass\r\n"
	"a=mid:2\r\n"
	"a=sctp-port:5000\r\n"
	"a=max-message-size:262144\r\n";

static void test_chrome_style_offer(void)
{
	struct rtc_sdp_session *s = parse(chrome_offer);
	const struct rtc_sdp_media *audio, *video;
	const struct rtc_sdp_attr *a;
	const struct rtc_sdp_candidate *c;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STREQ(s->origin.session_id, "4611731400430051336");
	CHECK_INTEQ(s->n_media, 3);
	audio = s->media[0];
	video = s->media[1];
	CHECK_INTEQ(audio->n_fmts, 8);
	CHECK(rtc_sdp_has_ice_option(s, audio, "trickle"));
	CHECK_INTEQ(rtc_sdp_direction(s, video), RTC_SDP_DIRECTION_RECVONLY);

	a = rtc_sdp_media_attr(audio, "candidate", NULL);
	c = a->candidate;
	CHECK(c->n_extensions == 2 && strcmp(c->extensions[1].name, "network-cost") == 0 &&
	      strcmp(c->extensions[1].value, "999") == 0);
	a = rtc_sdp_media_attr(audio, "candidate", a);
	c = a->candidate;
	CHECK_INTEQ(c->address_kind, RTC_SDP_ADDRESS_FQDN);
	CHECK_STREQ(c->address, "3f2a4d7e-09b1-4f3c-8c1e-1d2b3c4d5e6f.local");
	a = rtc_sdp_media_attr(audio, "candidate", a);
	c = a->candidate;
	CHECK(c->transport_kind == RTC_SDP_TRANSPORT_TCP && c->tcptype == RTC_SDP_TCPTYPE_ACTIVE &&
	      c->port == 9 && c->n_extensions == 3);

	a = rtc_sdp_media_attr(audio, "extmap", rtc_sdp_media_attr(audio, "extmap", NULL));
	CHECK(a && a->extmap->id == 4 && a->extmap->has_direction &&
	      a->extmap->direction == RTC_SDP_DIRECTION_RECVONLY);
	a = rtc_sdp_media_attr(audio, "msid", NULL);
	CHECK(a && strcmp(a->msid->stream_id, "stream") == 0 &&
	      strcmp(a->msid->track_id, "5ef4d9e1-3c34-4f7c-a6a4-4a0a0d4d2e3a") == 0);
	a = rtc_sdp_media_attr(audio, "ssrc", rtc_sdp_media_attr(audio, "ssrc", NULL));
	CHECK(a && a->ssrc->ssrc == 3735928559u && strcmp(a->ssrc->attribute, "msid") == 0 &&
	      strcmp(a->ssrc->value, "stream 5ef4d9e1-3c34-4f7c-a6a4-4a0a0d4d2e3a") == 0);
	a = rtc_sdp_media_attr(audio, "fmtp", NULL);
	CHECK(a && strcmp(a->fmtp->format, "111") == 0 &&
	      strcmp(a->fmtp->parameters, "minptime=10;useinbandfec=1") == 0);
	CHECK(rtc_sdp_media_rtpmap(audio, 111)->channels == 2);
	a = rtc_sdp_media_attr(audio, "rtcp-fb", NULL);
	CHECK(a && strcmp(a->rtcp_fb->type, "transport-cc") == 0 && !a->rtcp_fb->parameter);
	a = rtc_sdp_media_attr(video, "rtcp-fb", rtc_sdp_media_attr(video, "rtcp-fb", NULL));
	CHECK(a && strcmp(a->rtcp_fb->type, "nack") == 0 &&
	      strcmp(a->rtcp_fb->parameter, "pli") == 0);
	a = rtc_sdp_media_attr(video, "rtcp-fb", NULL);
	CHECK(a && strcmp(a->value, "96 goog-remb ") == 0 && !a->rtcp_fb->parameter);
	a = rtc_sdp_media_attr(video, "ssrc-group", NULL);
	CHECK(a && a->ssrc_group->n_ssrcs == 2 && a->ssrc_group->ssrcs[1] == 2222);
	CHECK_STREQ(rtc_sdp_session_attr(s, "msid-semantic", NULL)->value, " WMS stream");
	check_round_trip(s, chrome_offer, true);
	rtc_sdp_free(s);
}

/* Firefox puts fingerprint and ice-options at session level, uses upper-case
 * transports and ends the candidates. The legacy data channel form (sctpmap,
 * DTLS/SCTP 5000) is what older peers send. */
static const char firefox_style_answer[] =
	"v=0\r\n"
	"o=mozilla...THIS_IS_SDPARTA-99.0 6190423227339223041 0 IN IP4 0.0.0.0\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=fingerprint:sha-256 61:D5:F9:3B:C3:D5:8E:33:50:0D:4E:1B:AC:60:20:B6:D6:CB:7E:51:48:86:DD:3D:D4:61:10:12:63:7F:A5:29\r\n"
	"a=group:BUNDLE 0\r\n"
	"a=ice-options:trickle\r\n"
	"a=msid-semantic:WMS *\r\n"
	"m=application 9 DTLS/SCTP 5000\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=candidate:0 1 UDP 2122252543 10.0.0.1 55519 typ host\r\n"
	"a=candidate:1 1 TCP 2105524479 10.0.0.1 9 typ host tcptype active\r\n"
	"a=candidate:2 1 UDP 8265727 203.0.113.5 3478 typ relay raddr 203.0.113.5 rport 3478\r\n"
	"a=sendrecv\r\n"
	"a=end-of-candidates\r\n"
	"a=ice-pwd:3a1e7c3f0c8e2e47a2b6f3a0c2ad8f7e\r\n"
	"a=ice-ufrag:5c2d1f3a\r\n"
	"a=mid:0\r\n"
	"a=setup:active\r\n"
	"a=sctpmap:5000 webrtc-datachannel 256\r\n"
	"a=max-message-size:1073741823\r\n";

static void test_firefox_style_answer(void)
{
	struct rtc_sdp_session *s = parse(firefox_style_answer);
	const struct rtc_sdp_sctpmap *map;
	const struct rtc_sdp_media *m;
	const struct rtc_sdp_attr *a;

	CHECK(s != NULL);
	if (!s)
		return;
	m = s->media[0];
	CHECK(rtc_sdp_fingerprint(s, m) && rtc_sdp_fingerprint(s, m)->digest_len == 32);
	CHECK(rtc_sdp_has_ice_option(s, m, "trickle"));
	CHECK_STREQ(rtc_sdp_ice_ufrag(s, m), "5c2d1f3a");
	CHECK_INTEQ(rtc_sdp_setup(s, m), RTC_SDP_SETUP_ACTIVE);
	CHECK(rtc_sdp_media_has(m, "end-of-candidates"));
	map = rtc_sdp_media_sctpmap(m);
	CHECK(map && map->number == 5000 && strcmp(map->app, "webrtc-datachannel") == 0 &&
	      map->streams == 256);
	CHECK_STREQ(m->proto, "DTLS/SCTP");
	CHECK_STREQ(m->fmts[0], "5000");
	a = rtc_sdp_media_attr(m, "candidate", NULL);
	a = rtc_sdp_media_attr(m, "candidate", rtc_sdp_media_attr(m, "candidate", a));
	CHECK(a && a->candidate->type == RTC_SDP_CANDIDATE_RELAY &&
	      strcmp(a->candidate->transport, "UDP") == 0);
	check_round_trip(s, firefox_style_answer, true);
	rtc_sdp_free(s);
}

/* ---- the captured samples ------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1))) {
		*len = fread(buf, 1, (size_t)size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* Facts every captured description has (each comes from a peer connection
 * with a data channel, after ICE gathering): ICE credentials, a fingerprint,
 * a mid and a setup role in every accepted section, all of them in the
 * BUNDLE group, one data channel section with an SCTP port, candidates, and
 * the DTLS role JSEP prescribes for an offer or an answer. */
static void check_webrtc_facts(const char *name, const struct rtc_sdp_session *s)
{
	const struct rtc_sdp_group *bundle = rtc_sdp_group(s, "BUNDLE");
	enum rtc_sdp_setup want_setup = strstr(name, "-offer-") ? RTC_SDP_SETUP_ACTPASS
								 : RTC_SDP_SETUP_ACTIVE;
	unsigned data_sections = 0, candidates = 0, fqdn_candidates = 0;

	CHECK(s->n_media >= 1);
	CHECK(bundle != NULL);
	for (size_t i = 0; i < s->n_media; i++) {
		const struct rtc_sdp_media *m = s->media[i];
		const struct rtc_sdp_attr *a;
		const char *mid = rtc_sdp_media_mid(m);
		bool bundled = false;
		uint16_t port;

		if (!rtc_sdp_ice_ufrag(s, m) || !rtc_sdp_ice_pwd(s, m) ||
		    !rtc_sdp_fingerprint(s, m) || !mid || rtc_sdp_setup(s, m) != want_setup) {
			printf("# %s: m-section %zu lacks ICE, DTLS, mid or the right setup\n",
			       name, i);
			CHECK(false);
		}
		for (size_t j = 0; bundle && mid && j < bundle->n_mids; j++)
			bundled |= strcmp(bundle->mids[j], mid) == 0;
		CHECK(bundled);
		if (m->kind == RTC_SDP_MEDIA_APPLICATION) {
			data_sections++;
			CHECK(rtc_sdp_media_sctp_port(m, &port) || rtc_sdp_media_sctpmap(m));
		}
		for (a = rtc_sdp_media_attr(m, "candidate", NULL); a;
		     a = rtc_sdp_media_attr(m, "candidate", a)) {
			candidates++;
			fqdn_candidates += a->candidate->address_kind == RTC_SDP_ADDRESS_FQDN;
		}
	}
	CHECK_INTEQ(data_sections, 1);
	CHECK(candidates > 0);
	if (strstr(name, "mdns"))
		CHECK(fqdn_candidates > 0);
}

static void test_samples(void)
{
	char dir[PATH_MAX];
	struct dirent *entry;
	unsigned count = 0;
	DIR *d;

	samples_dir(dir, sizeof(dir));
	d = opendir(dir);
	if (!d) {
		printf("# no samples directory %s: %s\n", dir, strerror(errno));
		CHECK(d != NULL);
		return;
	}
	while ((entry = readdir(d))) {
		char path[PATH_MAX];
		struct rtc_sdp_session *s = NULL;
		struct rtc_error err = { 0 };
		size_t len = strlen(entry->d_name), text_len = 0;
		char *text;

		if (len < 5 || strcmp(entry->d_name + len - 4, ".sdp") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >= (int)sizeof(path)) {
			CHECK(!"sample path too long");
			continue;
		}
		text = read_file(path, &text_len);
		CHECK(text != NULL);
		if (!text)
			continue;
		count++;
		if (rtc_sdp_parse(text, text_len, &s, &err) < 0) {
			printf("# %s: %s\n", entry->d_name, err.message);
			CHECK(false);
		} else {
			check_webrtc_facts(entry->d_name, s);
			/* Captures are CRLF as the browsers wrote them. */
			check_round_trip(s, text, strstr(text, "\r\n") != NULL);
			rtc_sdp_free(s);
		}
		free(text);
	}
	closedir(d);
	printf("# %u sample descriptions from %s\n", count, dir);
}

/* ---- broken input ------------------------------------------------------ */

#define HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define APP "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"

static const struct {
	const char *text;
	const char *error;              /* the start of the message */
} malformed[] = {
	{ "", "line 1: an SDP description starts with 'v=0'" },
	{ "o=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "line 1: an SDP description starts" },
	{ "v=1\r\n", "line 1: SDP version '1'" },
	{ "v=0\r\ns=-\r\n", "line 2: expected 'o=' after 'v='" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nt=0 0\r\n", "line 3: expected 's=' after 'o='" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n", "line 3: the description ends without 's='" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n", "line 4: the description ends without a 't='" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n" APP, "line 4: 'm=' before the 't=' line" },
	/* order */
	{ HEAD "o=- 1 1 IN IP4 127.0.0.1\r\n", "line 5: second 'o=' line" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\ni=a\r\ni=b\r\nt=0 0\r\n", "line 5: second 'i=' line" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nr=1 2\r\nt=0 0\r\n", "line 4: 'r=' must follow" },
	{ HEAD APP "t=0 0\r\n", "line 6: 't=' is not allowed in a media section" },
	/* Any order inside a part, but one of each single line, r= after t=. */
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\ni=a\r\nc=IN IP4 0.0.0.0\r\ni=b\r\nt=0 0\r\n", "line 6: second 'i=' line in the session part" },
	{ HEAD "c=IN IP4 0.0.0.0\r\na=x\r\nc=IN IP4 0.0.0.0\r\n", "line 7: second 'c=' line in the session part" },
	{ HEAD "a=x\r\nr=1 2\r\n", "line 6: 'r=' must follow a 't=' line" },
	{ HEAD "a=x\r\ns=again\r\n", "line 6: second 's=' line" },
	{ HEAD APP "a=mid:0\r\nk=x\r\nb=AS:1\r\nk=y\r\n", "line 9: second 'k=' line in a media section" },
	{ HEAD APP "a=mid:0\r\nv=0\r\n", "line 7: 'v=' is not allowed in a media section" },
	{ HEAD APP "o=- 1 1 IN IP4 127.0.0.1\r\n", "line 6: 'o=' is not allowed in a media section" },
	{ HEAD APP "i=x\r\ni=y\r\n", "line 7: second 'i=' line in a media section" },
	{ HEAD "x=1\r\n", "line 5: unknown line type 'x='" },
	/* line structure */
	{ HEAD "a\r\n", "line 5: expected '<letter>='" },
	{ HEAD "A=x\r\n", "line 5: expected '<letter>='" },
	{ HEAD "a=x\ry\r\n", "line 5: contains a carriage return" },
	{ "v=0\r\n\r\n \r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n", "line 6: the description ends without a 't='" },
	{ "\r\n\t\r\n", "line 1: an SDP description starts with 'v=0'" },
	{ "\r\nt=0 0\r\n", "line 2: an SDP description starts with 'v=0'" },
	{ HEAD "a =x\r\n", "line 5: expected '<letter>='" },
	{ HEAD " a=x\r\n", "line 5: expected '<letter>='" },
	/* fields */
	{ "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n", "line 2: o= needs 6 fields" },
	{ "v=0\r\no=- x 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "line 2: o= sess-id 'x'" },
	{ "v=0\r\no=- 123456789012345678901 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "line 2: o= sess-id" },
	{ "v=0\r\no=- 1 18446744073709551616 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "line 2: o= sess-version" },
	{ "v=0\r\no=- 1 1 ATM NSAP 47.0091\r\ns=-\r\nt=0 0\r\n", "line 2: o= nettype 'ATM' is not supported" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=ATM NSAP 47.0091\r\nt=0 0\r\n", "line 4: c= nettype 'ATM'" },
	{ "v=0\r\no=- 1 1 IN IP5 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "line 2: o= addrtype 'IP5'" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0\r\n", "line 4: t= needs" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nb=AS\r\nt=0 0\r\n", "line 4: b= needs" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nb=AS:x\r\nt=0 0\r\n", "line 4: b= bandwidth 'x'" },
	{ HEAD "m=audio\r\n", "line 5: m= needs" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1 x\r\ns=-\r\nt=0 0\r\n", "line 2: o= needs 6 fields" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0 0\r\n", "line 4: t= needs" },
	{ "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nb=AS:-2\r\nt=0 0\r\n", "line 4: b= bandwidth '-2'" },
	{ HEAD "m=audio  RTP/AVP 0\r\n", "line 5: m= port 'RTP'" },
	{ HEAD "m=application\t\r\n", "line 5: m= needs" },
	{ HEAD "m= 9 RTP/AVP 0\r\n", "line 5: m= port 'RTP'" },
	{ HEAD "m=audio 9 RTP/AVP\r\n", "line 5: m= needs" },
	{ HEAD "m=audio x RTP/AVP 0\r\n", "line 5: m= port 'x'" },
	{ HEAD "m=audio 65536 RTP/AVP 0\r\n", "line 5: m= port '65536'" },
	{ HEAD "m=audio -1 RTP/AVP 0\r\n", "line 5: m= port '-1'" },
	{ HEAD "m=audio 9/0 RTP/AVP 0\r\n", "line 5: m= number of ports '0'" },
	{ HEAD "m=audio 9 RTP//AVP 0\r\n", "line 5: m= proto" },
	{ HEAD "m=au:dio 9 RTP/AVP 0\r\n", "line 5: m= media type" },
	/* attributes */
	{ HEAD "a=\r\n", "line 5: 'a=' has no valid attribute name" },
	{ HEAD "a=:x\r\n", "line 5: 'a=' has no valid attribute name" },
	{ HEAD APP "a=fingerprint:sha-256 AB:CD\r\n", "line 6: a=fingerprint: a sha-256 digest has 32 bytes, not 2" },
	{ HEAD APP "a=fingerprint:sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF\r\n", "line 6: a=fingerprint: a sha-1 digest has 20 bytes, not 19" },
	{ HEAD APP "a=fingerprint:sha-256 AB:C\r\n", "line 6: a=fingerprint: 'AB:C' is not colon-separated hex" },
	{ HEAD APP "a=fingerprint:sha-256 ABCD\r\n", "line 6: a=fingerprint: 'ABCD' is not colon-separated hex" },
	{ HEAD APP "a=fingerprint:sha-256\r\n", "line 6: a=fingerprint: expected" },
	{ HEAD APP "a=setup:both\r\n", "line 6: a=setup: 'both'" },
	{ HEAD APP "a=sctp-port:70000\r\n", "line 6: a=sctp-port: '70000'" },
	{ HEAD APP "a=max-message-size:-1\r\n", "line 6: a=max-message-size: '-1'" },
	{ HEAD APP "a=ice-ufrag:abc\r\n", "line 6: a=ice-ufrag: must be 4 to 256" },
	{ HEAD APP "a=ice-pwd:short\r\n", "line 6: a=ice-pwd: must be 22 to 256" },
	{ HEAD APP "a=ice-ufrag:ab_cd\r\n", "line 6: a=ice-ufrag" },
	{ HEAD APP "a=rtcp-mux:yes\r\n", "line 6: a=rtcp-mux takes no value" },
	{ HEAD APP "a=mid\r\n", "line 6: a=mid needs a value" },
	{ HEAD APP "a=mid:\r\n", "line 6: a=mid: '' is not a token" },
	{ HEAD APP "a=mid:0123456789abcdef0123456789abcdef0\r\n", "line 6: a=mid:" },
	{ HEAD APP "a=rtpmap:128 opus/48000\r\n", "line 6: a=rtpmap: '128'" },
	{ HEAD APP "a=rtpmap:111 opus\r\n", "line 6: a=rtpmap: missing clock rate" },
	{ HEAD APP "a=rtpmap:111 opus/0\r\n", "line 6: a=rtpmap: bad clock rate" },
	{ HEAD APP "a=extmap:0 urn:x\r\n", "line 6: a=extmap: '0'" },
	{ HEAD APP "a=extmap:1/sideways urn:x\r\n", "line 6: a=extmap: bad direction" },
	{ HEAD APP "a=rtcp-fb:x nack\r\n", "line 6: a=rtcp-fb: 'x'" },
	{ HEAD APP "a=ssrc:4294967296 cname:x\r\n", "line 6: a=ssrc: '4294967296'" },
	{ HEAD APP "a=ssrc-group:FID 1 x\r\n", "line 6: a=ssrc-group: 'x'" },
	{ HEAD APP "a=sctpmap:5000\r\n", "line 6: a=sctpmap: missing application" },
	{ HEAD APP "a= \r\n", "line 6: 'a=' has no valid attribute name" },
	{ HEAD APP "a=ice-options:\r\n", "line 6: a=ice-options: no option" },
	{ HEAD APP "a=ice-options: , \r\n", "line 6: a=ice-options: no option" },
	{ HEAD APP "a=setup:active passive\r\n", "line 6: a=setup: 'active passive'" },
	{ HEAD APP "a=setup: \r\n", "line 6: a=setup: ''" },
	{ HEAD APP "a=mid:0 1\r\n", "line 6: a=mid: '0 1' is not a token" },
	{ HEAD APP "a=mid: \r\n", "line 6: a=mid: '' is not a token" },
	{ HEAD APP "a=ice-ufrag:ab cd\r\n", "line 6: a=ice-ufrag" },
	{ HEAD APP "a=sctp-port:5000 5001\r\n", "line 6: a=sctp-port: '5000 5001'" },
	{ HEAD APP "a=fingerprint:sha-256 AB:CD EF\r\n", "line 6: a=fingerprint: expected" },
	{ HEAD APP "a=fingerprint:sha-256 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\r\n", "line 6: a=fingerprint:" },
	{ HEAD APP "a=group: \r\n", "line 6: a=group: missing or bad semantics" },
	{ HEAD APP "a=rtcp-fb: \r\n", "line 6: a=rtcp-fb: '' is not a payload type" },
	{ HEAD APP "a=rtpmap: \r\n", "line 6: a=rtpmap: '' is not a payload type" },
	{ HEAD APP "a=extmap: \r\n", "line 6: a=extmap: '' is not an extension id" },
	{ HEAD APP "a=ssrc: \r\n", "line 6: a=ssrc: '' is not a 32-bit SSRC" },
	{ HEAD APP "a=msid: \r\n", "line 6: a=msid: bad stream id" },
	{ HEAD APP "a=sctpmap: \r\n", "line 6: a=sctpmap: '' is not a port number" },
	{ HEAD APP "a=fmtp: \r\n", "line 6: a=fmtp: missing format" },
	{ HEAD APP "a=ssrc-group: \r\n", "line 6: a=ssrc-group: missing semantics" },
	{ HEAD APP "a=candidate: \r\n", "line 6: candidate: foundation '' is not" },
	/* candidates */
	{ HEAD APP "a=candidate:1 1 udp x 192.0.2.1 9 typ host\r\n", "line 6: candidate: priority 'x'" },
	{ HEAD APP "a=candidate:1 1 udp 4294967296 192.0.2.1 9 typ host\r\n", "line 6: candidate: priority" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 65536 typ host\r\n", "line 6: candidate: port '65536'" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 port typ host\r\n", "line 6: candidate: port 'port'" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 9 typ local\r\n", "line 6: candidate: type 'local'" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 9 host\r\n", "line 6: candidate: expected 'typ'" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 9 typ\r\n", "line 6: candidate: type ''" },
	{ HEAD APP "a=candidate:1 0 udp 1 192.0.2.1 9 typ host\r\n", "line 6: candidate: component '0'" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.300 9 typ host\r\n", "line 6: candidate: '192.0.2.300'" },
	{ HEAD APP "a=candidate:1 1 udp 1 a..b 9 typ host\r\n", "line 6: candidate: 'a..b'" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 9 typ srflx raddr\r\n", "line 6: candidate: 'raddr' has no value" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 9 typ host tcptype sideways\r\n", "line 6: candidate: tcptype" },
	{ HEAD APP "a=candidate:0123456789abcdef0123456789abcdef0 1 udp 1 192.0.2.1 9 typ host\r\n", "line 6: candidate: foundation" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 9 TYP relay-ish\r\n", "line 6: candidate: type 'relay-ish'" },
	{ HEAD APP "a=candidate:1 1 udp 1 192.0.2.1 9 typ host tcptype active tcptype passive\r\n", "line 6: candidate: tcptype given twice" },
};

static void test_malformed(void)
{
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		struct rtc_sdp_session *s = NULL;
		struct rtc_error err = { 0 };
		int r = rtc_sdp_parse(malformed[i].text, strlen(malformed[i].text), &s, &err);

		if (r == 0 || err.kind != RTC_ERROR_SYNTAX ||
		    strncmp(err.message, malformed[i].error, strlen(malformed[i].error)) != 0) {
			printf("# case %zu: got %s \"%s\", want \"%s...\"\n", i,
			       r == 0 ? "success" : rtc_error_kind_name(err.kind), err.message,
			       malformed[i].error);
			CHECK(false);
		}
		rtc_sdp_free(s);
	}
}

static void expect_error(const char *text, size_t len, const char *want)
{
	struct rtc_sdp_session *s = NULL;
	struct rtc_error err = { 0 };

	CHECK(rtc_sdp_parse(text, len, &s, &err) < 0);
	CHECK(s == NULL);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	if (strncmp(err.message, want, strlen(want)) != 0) {
		printf("# got \"%s\", want \"%s...\"\n", err.message, want);
		CHECK(false);
	}
}

static void test_embedded_nul(void)
{
	static const char text[] = HEAD "a=mi\0d:0\r\n";

	expect_error(text, sizeof(text) - 1, "line 5: contains a NUL byte");
}

static void test_limits(void)
{
	size_t big = RTC_SDP_MAX_SIZE + 1, len;
	char *text = malloc(big + 1), *p;

	if (!text) {
		CHECK(text != NULL);
		return;
	}
	memset(text, 'x', big);
	text[big] = '\0';
	expect_error(text, big, "the description has 1048577 bytes");

	/* One line one byte too long. */
	len = (size_t)snprintf(text, big, HEAD "a=x:");
	memset(text + len, 'y', RTC_SDP_MAX_LINE - 4 + 1);
	len += RTC_SDP_MAX_LINE - 4 + 1;
	memcpy(text + len, "\r\n", 3);
	expect_error(text, len + 2, "line 5: longer than 65536 bytes");

	/* 1025 media sections. */
	p = text + snprintf(text, big, HEAD);
	for (int i = 0; i <= RTC_SDP_MAX_MEDIA; i++)
		p += snprintf(p, (size_t)(text + big - p), "m=audio 9 RTP/AVP 0\r\n");
	expect_error(text, (size_t)(p - text), "line 1029: more than 1024 media sections");

	/* Exactly 1024 are fine. */
	p = text + snprintf(text, big, HEAD);
	for (int i = 0; i < RTC_SDP_MAX_MEDIA; i++)
		p += snprintf(p, (size_t)(text + big - p), "m=audio 9 RTP/AVP 0\r\n");
	{
		struct rtc_sdp_session *s = NULL;

		CHECK(rtc_sdp_parse(text, (size_t)(p - text), &s, NULL) == 0);
		CHECK(s && s->n_media == RTC_SDP_MAX_MEDIA);
		rtc_sdp_free(s);
	}
	free(text);
}

/* Attribute arrays are sized from the lines ahead of them: a section with
 * none, one with many, one with one, and the session's; every line lands
 * in its part, in order, and lines added after parsing (as JSEP adds
 * trickled candidates) grow the arrays past their spare room. */
static void test_attribute_arrays(void)
{
	char text[8192], value[32], *p = text;
	struct rtc_sdp_session *s = NULL;
	struct rtc_error err = { 0 };

	p += sprintf(p, HEAD "a=ice-options:trickle\r\na=x-session:1\r\n");
	p += sprintf(p, APP);
	p += sprintf(p, APP);
	for (int i = 0; i < 40; i++)
		p += sprintf(p, "a=x-%d:%d\r\n", i, i);
	p += sprintf(p, APP "a=mid:2\r\n");
	CHECK(rtc_sdp_parse(text, (size_t)(p - text), &s, &err) == 0);
	if (!s) {
		printf("# %s\n", err.message);
		return;
	}
	CHECK_INTEQ(s->n_attrs, 2);
	CHECK_STREQ(s->attrs[1].name, "x-session");
	CHECK_INTEQ(s->n_media, 3);
	CHECK_INTEQ(s->media[0]->n_attrs, 0);
	CHECK_INTEQ(s->media[1]->n_attrs, 40);
	CHECK_INTEQ(s->media[2]->n_attrs, 1);
	for (size_t i = 0; i < s->media[1]->n_attrs; i++) {
		snprintf(value, sizeof(value), "%zu", i);
		CHECK_STREQ(s->media[1]->attrs[i].value, value);
		CHECK_INTEQ(s->media[1]->attrs[i].line, 9 + i);
	}
	CHECK_STREQ(s->media[2]->attrs[0].value, "2");

	for (int i = 0; i < 20; i++) {
		snprintf(value, sizeof(value), "%d", 100 + i);
		for (size_t m = 0; m < s->n_media; m++)
			CHECK(rtc_sdp_add_attr(s, s->media[m], "x-added", value, &err) == 0);
	}
	CHECK_INTEQ(s->media[0]->n_attrs, 20);
	CHECK_INTEQ(s->media[1]->n_attrs, 60);
	CHECK_INTEQ(s->media[2]->n_attrs, 21);
	CHECK_STREQ(s->media[1]->attrs[39].value, "39");
	CHECK_STREQ(s->media[1]->attrs[59].value, "119");
	CHECK_STREQ(s->media[2]->attrs[0].value, "2");
	check_round_trip(s, NULL, false);
	rtc_sdp_free(s);
}

/* The largest description allowed, made of long attribute lines: parsed
 * whole, whatever the first guess of its size. */
static void test_large_description(void)
{
	size_t size = RTC_SDP_MAX_SIZE, line = 60000;
	char *text = malloc(size), *p = text;
	struct rtc_sdp_session *s = NULL;
	size_t lines = 0;

	if (!text) {
		CHECK(text != NULL);
		return;
	}
	p += sprintf(p, HEAD APP);
	while ((size_t)(text + size - p) > line + 16) {
		p += sprintf(p, "a=x:");
		memset(p, 'v', line);
		p += line;
		p += sprintf(p, "\r\n");
		lines++;
	}
	while ((size_t)(text + size - p) > 16) {
		p += sprintf(p, "a=y\r\n");
		lines++;
	}
	CHECK(rtc_sdp_parse(text, (size_t)(p - text), &s, NULL) == 0);
	CHECK(s && s->n_media == 1 && s->media[0]->n_attrs == lines);
	CHECK(s && strlen(s->media[0]->attrs[0].value) == line);
	rtc_sdp_free(s);
	free(text);
}

/* ---- real-world SDP, read liberally ---------------------------------------
 *
 * Stacks write what the RFC grammar does not allow and still connect to
 * libwebrtc and Firefox. Each case: a description with the oddity parses and
 * its value is understood as the writer meant it; what cannot be understood
 * at all stays in the malformed table above. */

/* libdatachannel writes "a=ice-options:ice2,trickle" (commas). */
static void test_ice_options_separators(void)
{
	static const char text[] =
		HEAD
		"a=ice-options:ice2,trickle\r\n"
		APP
		"a=ice-options: trickle ,\tice-lite-x,,renomination \r\n";
	struct rtc_sdp_session *s = parse(text);
	const struct rtc_sdp_media *m;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(rtc_sdp_has_ice_option(s, NULL, "ice2"));
	CHECK(rtc_sdp_has_ice_option(s, NULL, "trickle"));
	CHECK(!rtc_sdp_has_ice_option(s, NULL, "ice2,trickle"));
	CHECK(!rtc_sdp_has_ice_option(s, NULL, "ice"));
	CHECK(!rtc_sdp_has_ice_option(s, NULL, ""));
	m = s->media[0];
	CHECK(rtc_sdp_has_ice_option(s, m, "trickle"));
	CHECK(rtc_sdp_has_ice_option(s, m, "ice-lite-x"));
	CHECK(rtc_sdp_has_ice_option(s, m, "renomination"));
	CHECK(!rtc_sdp_has_ice_option(s, m, "ice2"));     /* the media's own list wins */
	CHECK_STREQ(rtc_sdp_session_attr(s, "ice-options", NULL)->value, "ice2,trickle");
	check_round_trip(s, text, true);
	rtc_sdp_free(s);
}

/* Signalling code that trims the text loses the last line break. */
static void test_no_final_line_break(void)
{
	static const char text[] = HEAD APP "a=mid:0\r\na=sctp-port:5000";
	static const char lf[] = HEAD APP "a=mid:0\na=end-of-candidates\r";
	struct rtc_sdp_session *s = parse(text);
	uint16_t port = 0;
	char *out;

	CHECK(s != NULL);
	if (s) {
		CHECK(rtc_sdp_media_sctp_port(s->media[0], &port) && port == 5000);
		CHECK_INTEQ(s->media[0]->attrs[1].line, 7);
		out = rtc_sdp_to_string(s);
		CHECK(out && strlen(out) == strlen(text) + 2 &&
		      strncmp(out, text, strlen(text)) == 0);
		free(out);
		check_round_trip(s, NULL, false);
		rtc_sdp_free(s);
	}
	s = parse(lf);
	CHECK(s && rtc_sdp_media_has(s->media[0], "end-of-candidates"));
	rtc_sdp_free(s);
}

/* Blank lines (empty or white space only) are skipped wherever they are,
 * and still counted: errors and attributes name the lines as written. */
static void test_blank_lines(void)
{
	static const char text[] =
		"\r\n"
		"v=0\r\n"
		"o=- 1 1 IN IP4 127.0.0.1\r\n"
		"\n"
		"s=-\r\n"
		"t=0 0\r\n"
		" \t\r\n"
		APP
		"a=mid:0\r\n"
		"\r\n"
		"a=sctp-port:5000\r\n"
		"\r\n"
		"\r\n";
	struct rtc_sdp_session *s = parse(text);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STREQ(s->name, "-");
	CHECK_INTEQ(s->n_media, 1);
	CHECK_INTEQ(s->media[0]->line, 8);
	CHECK_INTEQ(s->media[0]->n_attrs, 2);
	CHECK_STREQ(rtc_sdp_media_mid(s->media[0]), "0");
	CHECK_INTEQ(s->media[0]->attrs[1].line, 11);
	check_round_trip(s, NULL, false);
	rtc_sdp_free(s);

	expect_error(HEAD "\r\n" APP "a=mid:0\r\n\r\na=setup:both\r\n",
		     strlen(HEAD "\r\n" APP "a=mid:0\r\n\r\na=setup:both\r\n"),
		     "line 9: a=setup:");
}

/* Runs of spaces and tabs between fields, and white space at the ends of
 * structured lines (Firefox reads fields the same way). */
static void test_whitespace_between_fields(void)
{
	static const char text[] =
		"v=0 \r\n"
		"o=-  4611731400430051336\t2 IN IP4 127.0.0.1 \r\n"
		"s=-\r\n"
		"c=IN  IP4 0.0.0.0\r\n"
		"b=AS: 30 \r\n"
		"t=0  0\r\n"
		"a=group:BUNDLE 0  1 \r\n"
		"a=fingerprint:SHA-256  D7:87:3E:7B:59:0C:58:98:2B:0C:7B:22:4D:2C:21:5A:A0:B2:1F:CD:A3:33:6C:11:74:E2:D1:A6:7F:5F:11:0A \r\n"
		"m=audio 9  UDP/TLS/RTP/SAVPF 111  0 \r\n"
		"a=mid:0\r\n"
		"a=rtpmap:111  opus/48000/2 \r\n"
		"a=fmtp:111 minptime=10;useinbandfec=1 \r\n"
		"a=rtcp-fb:111  nack  pli \r\n"
		"a=extmap:1  urn:ietf:params:rtp-hdrext:sdes:mid \r\n"
		"a=msid:stream  track \r\n"
		"a=ssrc:1  cname:x \r\n"
		"a=ssrc-group:FID 1  2 \r\n"
		"a=candidate: 1 1  udp 2122260223 192.0.2.1  9 typ  host  generation 0 \r\n"
		"m=application\t9 UDP/DTLS/SCTP\twebrtc-datachannel\r\n"
		"a=mid:1\r\n"
		"a=sctpmap:5000  webrtc-datachannel  1024 \r\n";
	struct rtc_sdp_session *s = parse(text);
	const struct rtc_sdp_media *m;
	const struct rtc_sdp_attr *a;
	const struct rtc_sdp_group *group;
	const struct rtc_sdp_candidate *c;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STREQ(s->origin.session_id, "4611731400430051336");
	CHECK_INTEQ(s->origin.session_version, 2);
	CHECK_STREQ(s->origin.address, "127.0.0.1");
	CHECK(s->connection && strcmp(s->connection->address, "0.0.0.0") == 0);
	CHECK(s->n_bandwidths == 1 && s->bandwidths[0].value == 30);
	CHECK(s->timings[0].start == 0 && s->timings[0].stop == 0);
	group = rtc_sdp_group(s, "BUNDLE");
	CHECK(group && group->n_mids == 2 && strcmp(group->mids[1], "1") == 0);
	CHECK(rtc_sdp_fingerprint(s, NULL) && rtc_sdp_fingerprint(s, NULL)->digest_len == 32);
	m = s->media[0];
	CHECK_STREQ(m->proto, "UDP/TLS/RTP/SAVPF");
	CHECK(m->n_fmts == 2 && strcmp(m->fmts[1], "0") == 0);
	CHECK(rtc_sdp_media_rtpmap(m, 111) && rtc_sdp_media_rtpmap(m, 111)->channels == 2);
	a = rtc_sdp_media_attr(m, "fmtp", NULL);
	CHECK(a && strcmp(a->fmtp->parameters, "minptime=10;useinbandfec=1") == 0);
	a = rtc_sdp_media_attr(m, "rtcp-fb", NULL);
	CHECK(a && strcmp(a->rtcp_fb->type, "nack") == 0 &&
	      strcmp(a->rtcp_fb->parameter, "pli") == 0);
	a = rtc_sdp_media_attr(m, "extmap", NULL);
	CHECK(a && a->extmap->id == 1 && !a->extmap->attributes);
	a = rtc_sdp_media_attr(m, "msid", NULL);
	CHECK(a && strcmp(a->msid->track_id, "track") == 0);
	a = rtc_sdp_media_attr(m, "ssrc", NULL);
	CHECK(a && strcmp(a->ssrc->attribute, "cname") == 0 && strcmp(a->ssrc->value, "x") == 0);
	a = rtc_sdp_media_attr(m, "ssrc-group", NULL);
	CHECK(a && a->ssrc_group->n_ssrcs == 2);
	a = rtc_sdp_media_attr(m, "candidate", NULL);
	c = a ? a->candidate : NULL;
	CHECK(c && strcmp(c->foundation, "1") == 0 && c->port == 9 &&
	      c->type == RTC_SDP_CANDIDATE_HOST && c->n_extensions == 1);
	m = s->media[1];
	CHECK(m->kind == RTC_SDP_MEDIA_APPLICATION && strcmp(m->fmts[0], "webrtc-datachannel") == 0);
	CHECK(rtc_sdp_media_sctpmap(m) && rtc_sdp_media_sctpmap(m)->streams == 1024);
	check_round_trip(s, NULL, false);
	rtc_sdp_free(s);
}

/* Values that are one word are read without the white space around them,
 * and a flag may be followed by white space. */
static void test_whitespace_around_single_values(void)
{
	static const char text[] =
		HEAD
		"a=group:BUNDLE 0\r\n"
		APP
		"a=mid: 0 \r\n"
		"a=ice-ufrag:EsAw \r\n"
		"a=ice-pwd:\tbP+XJMM09aR8AiX1jdukzR6Y\r\n"
		"a=setup:actpass \r\n"
		"a=sctp-port: 5000\r\n"
		"a=max-message-size:262144 \r\n"
		"a=rtcp-mux \r\n"
		"a=end-of-candidates\t\r\n";
	struct rtc_sdp_session *s = parse(text);
	const struct rtc_sdp_media *m;
	uint16_t port = 0;
	uint64_t size = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	m = s->media[0];
	CHECK_STREQ(rtc_sdp_media_mid(m), "0");
	CHECK(rtc_sdp_media_by_mid(s, "0") == m);
	CHECK_STREQ(rtc_sdp_ice_ufrag(s, m), "EsAw");
	CHECK_STREQ(rtc_sdp_ice_pwd(s, m), "bP+XJMM09aR8AiX1jdukzR6Y");
	CHECK_INTEQ(rtc_sdp_setup(s, m), RTC_SDP_SETUP_ACTPASS);
	CHECK(rtc_sdp_media_sctp_port(m, &port) && port == 5000);
	CHECK(rtc_sdp_media_max_message_size(m, &size) && size == 262144);
	CHECK(rtc_sdp_media_has(m, "rtcp-mux"));
	CHECK(rtc_sdp_media_has(m, "end-of-candidates"));
	CHECK_INTEQ(m->attrs[6].kind, RTC_SDP_ATTR_RTCP_MUX);
	check_round_trip(s, NULL, false);
	rtc_sdp_free(s);
}

/* libwebrtc and Firefox take the lines of a media section in any order
 * (SDP munging puts b=AS after a=mid), Firefox those of the session part
 * too; each line still lands where it belongs. */
static void test_line_order_in_parts(void)
{
	static const char text[] =
		"v=0\r\n"
		"o=- 1 1 IN IP4 127.0.0.1\r\n"
		"s=-\r\n"
		"a=group:BUNDLE 0\r\n"
		"t=0 0\r\n"
		"r=604800 3600 0 90000\r\n"
		"c=IN IP4 0.0.0.0\r\n"
		"b=AS:100\r\n"
		"a=ice-lite\r\n"
		"i=session\r\n"
		APP
		"a=mid:0\r\n"
		"b=AS:30\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"a=sctp-port:5000\r\n"
		"i=data\r\n";
	struct rtc_sdp_session *s = parse(text);
	const struct rtc_sdp_media *m;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(s->n_timings == 1 && s->timings[0].n_repeats == 1);
	CHECK(s->connection && strcmp(s->connection->address, "0.0.0.0") == 0);
	CHECK(s->n_bandwidths == 1 && s->bandwidths[0].value == 100);
	CHECK_STREQ(s->information, "session");
	CHECK(rtc_sdp_ice_lite(s) && rtc_sdp_group(s, "BUNDLE"));
	CHECK_INTEQ(s->n_attrs, 2);
	m = s->media[0];
	CHECK(m->n_bandwidths == 1 && m->bandwidths[0].value == 30);
	CHECK(m->n_connections == 1 && strcmp(m->connections[0].address, "192.0.2.1") == 0);
	CHECK_STREQ(m->information, "data");
	CHECK_INTEQ(m->n_attrs, 2);
	CHECK_INTEQ(m->attrs[1].line, 15);
	check_round_trip(s, NULL, false);
	rtc_sdp_free(s);
}

/* libwebrtc and Firefox compare the DTLS role without case. */
static void test_setup_case(void)
{
	static const char *const roles[] = { "ACTPASS", "Active", "passivE", "HOLDCONN" };
	static const enum rtc_sdp_setup want[] = {
		RTC_SDP_SETUP_ACTPASS, RTC_SDP_SETUP_ACTIVE, RTC_SDP_SETUP_PASSIVE,
		RTC_SDP_SETUP_HOLDCONN,
	};

	for (size_t i = 0; i < 4; i++) {
		char text[256];
		struct rtc_sdp_session *s;

		snprintf(text, sizeof(text), HEAD APP "a=setup:%s\r\n", roles[i]);
		s = parse(text);
		CHECK(s && rtc_sdp_setup(s, s->media[0]) == want[i]);
		if (s)
			check_round_trip(s, text, true);
		rtc_sdp_free(s);
	}
}

/* Candidate lines as the tolerant parsers read them: any foundation of up
 * to 32 visible characters, keywords in any case, unknown extensions kept,
 * a last extension name without a value skipped. */
static void test_candidate_liberal(void)
{
	static const char text[] =
		HEAD APP
		"a=candidate:host_1 1 UDP 2122260223 192.0.2.1 9 TYP HOST generation 0 network-id 1 network-cost 10 x-vendor y\r\n"
		"a=candidate:2 1 TCP 1518280447 192.0.2.1 9 typ Host TCPTYPE Active\r\n"
		"a=candidate:3 1 udp 1677729535 198.51.100.7 46154 typ srflx RADDR 192.0.2.1 RPORT 9 generation\r\n";
	static const char trickled[] =
		"candidate:4 1 udp 2122260223 192.0.2.1 9 typ host extra";
	struct rtc_sdp_session *s = parse(text);
	struct rtc_sdp_candidate *standalone = NULL;
	const struct rtc_sdp_attr *a;
	const struct rtc_sdp_candidate *c;
	struct rtc_error err = { 0 };
	char *out;

	CHECK(s != NULL);
	if (!s)
		return;
	a = rtc_sdp_media_attr(s->media[0], "candidate", NULL);
	c = a->candidate;
	CHECK_STREQ(c->foundation, "host_1");
	CHECK_INTEQ(c->type, RTC_SDP_CANDIDATE_HOST);
	CHECK_INTEQ(c->n_extensions, 4);
	CHECK_STREQ(c->extensions[3].name, "x-vendor");
	CHECK_STREQ(c->extensions[3].value, "y");
	a = rtc_sdp_media_attr(s->media[0], "candidate", a);
	c = a->candidate;
	CHECK(c->transport_kind == RTC_SDP_TRANSPORT_TCP && c->tcptype == RTC_SDP_TCPTYPE_ACTIVE);
	out = rtc_sdp_candidate_to_string(c);
	CHECK_STREQ(out, "candidate:2 1 TCP 1518280447 192.0.2.1 9 typ host TCPTYPE Active");
	free(out);
	a = rtc_sdp_media_attr(s->media[0], "candidate", a);
	c = a->candidate;
	CHECK(c->type == RTC_SDP_CANDIDATE_SRFLX && c->related_address &&
	      strcmp(c->related_address, "192.0.2.1") == 0 && c->has_related_port &&
	      c->related_port == 9 && c->n_extensions == 0);
	check_round_trip(s, text, true);
	rtc_sdp_free(s);

	CHECK(rtc_sdp_candidate_parse(trickled, strlen(trickled), &standalone, &err) == 0);
	CHECK(standalone && standalone->port == 9 && standalone->n_extensions == 0);
	rtc_sdp_candidate_free(standalone);
}

/* An a= line whose name is not a token is an attribute nobody knows, as
 * libwebrtc and Firefox take it: kept, never typed. */
static void test_unknown_attribute_names(void)
{
	static const char text[] =
		HEAD
		"a=x-vendor flag\r\n"
		APP
		"a=x(y):1 2\r\n"
		"a=mid:0\r\n";
	struct rtc_sdp_session *s = parse(text);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(s->n_attrs == 1 && strcmp(s->attrs[0].name, "x-vendor flag") == 0 &&
	      !s->attrs[0].value && s->attrs[0].kind == RTC_SDP_ATTR_OTHER);
	CHECK(s->media[0]->n_attrs == 2 && strcmp(s->media[0]->attrs[0].name, "x(y)") == 0 &&
	      strcmp(s->media[0]->attrs[0].value, "1 2") == 0);
	CHECK_STREQ(rtc_sdp_media_mid(s->media[0]), "0");
	check_round_trip(s, text, true);
	rtc_sdp_free(s);
}

/* "b=AS:-1", written by applications for "no limit": libwebrtc takes it so
 * and so does rtcd, leaving the line out; other numbers are as before. */
static void test_bandwidth_unlimited(void)
{
	static const char text[] =
		"v=0\r\n"
		"o=- 1 1 IN IP4 127.0.0.1\r\n"
		"s=-\r\n"
		"b=TIAS:-1\r\n"
		"b=CT:64\r\n"
		"t=0 0\r\n"
		APP
		"b=AS:-1\r\n";
	struct rtc_sdp_session *s = parse(text);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(s->n_bandwidths == 1 && strcmp(s->bandwidths[0].type, "CT") == 0 &&
	      s->bandwidths[0].value == 64);
	CHECK_INTEQ(s->media[0]->n_bandwidths, 0);
	check_round_trip(s, NULL, false);
	rtc_sdp_free(s);
}

/* Forms rtcd already read before (kept here so they stay read): the
 * variants of msid-semantic, BUNDLE with no mid, lower-case and mixed-case
 * fingerprints, the old sctpmap form beside sctp-port, max-message-size 0. */
static void test_real_world_variants(void)
{
	static const char text[] =
		HEAD
		"a=msid-semantic: WMS\r\n"
		"a=msid-semantic:WMS *\r\n"
		"a=msid-semantic: WMS stream1 stream2\r\n"
		"a=group:BUNDLE\r\n"
		"a=fingerprint:sha-256 d7:87:3e:7b:59:0c:58:98:2b:0c:7b:22:4d:2c:21:5a:a0:b2:1f:cd:a3:33:6c:11:74:e2:d1:a6:7f:5f:11:0a\r\n"
		"m=application 9 DTLS/SCTP 5000\r\n"
		"a=fingerprint:SHA-256 D7:87:3e:7B:59:0c:58:98:2B:0C:7B:22:4D:2C:21:5A:A0:B2:1F:CD:A3:33:6C:11:74:E2:D1:A6:7F:5F:11:0A\r\n"
		"a=sctpmap:5000 webrtc-datachannel 1024\r\n"
		"a=sctp-port:5000\r\n"
		"a=max-message-size:0\r\n";
	struct rtc_sdp_session *s = parse(text);
	const struct rtc_sdp_fingerprint *session_fp, *media_fp;
	uint64_t size = 1;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(rtc_sdp_group(s, "BUNDLE") && rtc_sdp_group(s, "BUNDLE")->n_mids == 0);
	session_fp = rtc_sdp_fingerprint(s, NULL);
	media_fp = rtc_sdp_fingerprint(s, s->media[0]);
	CHECK(session_fp && media_fp && session_fp != media_fp &&
	      memcmp(session_fp->digest, media_fp->digest, 32) == 0 &&
	      session_fp->digest[0] == 0xd7);
	CHECK(rtc_sdp_media_sctpmap(s->media[0]) != NULL);
	CHECK(rtc_sdp_media_max_message_size(s->media[0], &size) && size == 0);
	check_round_trip(s, text, true);
	rtc_sdp_free(s);
}

/* ---- trickled candidates ------------------------------------------------ */

static void test_candidate_standalone(void)
{
	static const char *const forms[] = {
		"candidate:842163049 1 udp 1677729535 198.51.100.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw network-cost 999",
		"a=candidate:842163049 1 udp 1677729535 198.51.100.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw network-cost 999\r\n",
	};
	struct rtc_sdp_candidate *c = NULL;
	struct rtc_error err = { 0 };
	char *text;

	for (size_t i = 0; i < 2; i++) {
		CHECK(rtc_sdp_candidate_parse(forms[i], strlen(forms[i]), &c, &err) == 0);
		if (!c)
			return;
		CHECK_STREQ(c->foundation, "842163049");
		CHECK_INTEQ(c->priority, 1677729535);
		CHECK_INTEQ(c->type, RTC_SDP_CANDIDATE_SRFLX);
		CHECK_STREQ(c->related_address, "0.0.0.0");
		CHECK(c->has_related_port && c->related_port == 0);
		CHECK_INTEQ(c->n_extensions, 3);
		CHECK_STREQ(c->extensions[1].name, "ufrag");
		CHECK_STREQ(c->extensions[1].value, "EsAw");
		text = rtc_sdp_candidate_to_string(c);
		CHECK_STREQ(text, forms[0]);
		free(text);
		rtc_sdp_candidate_free(c);
		c = NULL;
	}

	static const char v6[] = "candidate:3 2 UDP 2122187007 2001:db8::1 9 typ host tcptype passive";
	CHECK(rtc_sdp_candidate_parse(v6, strlen(v6), &c, &err) == 0);
	CHECK(c && c->component == 2 && c->address_kind == RTC_SDP_ADDRESS_IPV6 &&
	      c->tcptype == RTC_SDP_TCPTYPE_PASSIVE);
	rtc_sdp_candidate_free(c);

	static const char *const bad[] = {
		"", "candidate:", "a=candidate", "cand:1 1 udp 1 192.0.2.1 9 typ host",
		"candidate:1 1 udp 1 192.0.2.1 9 typ hst",
		"candidate:1 1 udp 1 192.0.2.1 9 typ host\r\na=x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = NULL;
		err.kind = RTC_ERROR_NONE;
		CHECK(rtc_sdp_candidate_parse(bad[i], strlen(bad[i]), &c, &err) < 0);
		CHECK(c == NULL);
		CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
		CHECK(strncmp(err.message, "candidate:", 10) == 0);
	}
}

/* The ICE agent fills the struct itself and asks for the text. */
static void test_candidate_to_string(void)
{
	struct rtc_sdp_candidate c = {
		.foundation = "4", .component = 1, .transport = "tcp",
		.transport_kind = RTC_SDP_TRANSPORT_TCP, .priority = 1518280447,
		.address = "192.0.2.10", .port = 9, .type = RTC_SDP_CANDIDATE_HOST,
		.tcptype = RTC_SDP_TCPTYPE_ACTIVE,
	};
	char *text = rtc_sdp_candidate_to_string(&c);

	CHECK_STREQ(text, "candidate:4 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active");
	free(text);
}

/* ---- builders ------------------------------------------------------------ */

static void test_build(void)
{
	static const char want[] =
		"v=0\r\n"
		"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
		"s=-\r\n"
		"t=0 0\r\n"
		"a=group:BUNDLE 0\r\n"
		"a=ice-lite\r\n"
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
		"c=IN IP4 0.0.0.0\r\n"
		"b=AS:30\r\n"
		"a=mid:0\r\n"
		"a=ice-ufrag:abcd\r\n"
		"a=ice-pwd:abcdefghijklmnopqrstuv\r\n"
		"a=ice-options:trickle\r\n"
		"a=fingerprint:sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F\r\n"
		"a=setup:actpass\r\n"
		"a=sctp-port:5000\r\n"
		"a=max-message-size:262144\r\n";
	struct rtc_sdp_session *s = rtc_sdp_new(), *again = NULL;
	struct rtc_error err = { 0 };
	struct rtc_sdp_media *m;
	char hex[32 * 3], *text;
	uint16_t port = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 3 * i, 4, "%02X%s", i, i < 31 ? ":" : "");
	CHECK(rtc_sdp_set_origin(s, "-", "4611731400430051336", 2, "IP4", "127.0.0.1", &err) == 0);
	CHECK(rtc_sdp_add_attr(s, NULL, "group", "BUNDLE 0", &err) == 0);
	CHECK(rtc_sdp_add_attr(s, NULL, "ice-lite", NULL, &err) == 0);
	m = rtc_sdp_add_media(s, "application", 9, "UDP/DTLS/SCTP", "webrtc-datachannel", &err);
	CHECK(m != NULL);
	if (!m) {
		rtc_sdp_free(s);
		return;
	}
	CHECK(rtc_sdp_set_connection(s, m, "IP4", "0.0.0.0", &err) == 0);
	CHECK(rtc_sdp_add_bandwidth(s, m, "AS", 30, &err) == 0);
	CHECK(rtc_sdp_add_attr(s, m, "mid", "0", &err) == 0);
	CHECK(rtc_sdp_add_attr(s, m, "ice-ufrag", "abcd", &err) == 0);
	CHECK(rtc_sdp_add_attr(s, m, "ice-pwd", "abcdefghijklmnopqrstuv", &err) == 0);
	CHECK(rtc_sdp_add_attr(s, m, "ice-options", "trickle", &err) == 0);
	CHECK(rtc_sdp_add_attrf(s, m, "fingerprint", &err, "sha-256 %s", hex) == 0);
	CHECK(rtc_sdp_add_attr(s, m, "setup", rtc_sdp_setup_name(RTC_SDP_SETUP_ACTPASS), &err) == 0);
	CHECK(rtc_sdp_add_attrf(s, m, "sctp-port", &err, "%u", 5000u) == 0);
	CHECK(rtc_sdp_add_attrf(s, m, "max-message-size", &err, "%u", 262144u) == 0);

	/* Typed at once, like parsed lines. */
	CHECK(rtc_sdp_media_sctp_port(m, &port) && port == 5000);
	CHECK(rtc_sdp_fingerprint(s, m) && rtc_sdp_fingerprint(s, m)->digest[31] == 0x1f);
	CHECK(rtc_sdp_ice_lite(s));

	/* Refused rather than written. */
	CHECK(rtc_sdp_add_attr(s, m, "setup", "sideways", &err) < 0);
	CHECK_INTEQ(err.kind, RTC_ERROR_SYNTAX);
	CHECK(rtc_sdp_add_attr(s, m, "x", "a\r\nb", &err) < 0);
	CHECK(rtc_sdp_add_attr(s, m, "bad name", NULL, &err) < 0);
	CHECK(rtc_sdp_add_media(s, "audio", 9, "RTP AVP", "0", &err) == NULL);
	CHECK(rtc_sdp_add_media(s, "audio", 9, "RTP/AVP", "0  8", &err) == NULL);
	CHECK(rtc_sdp_set_origin(s, "-", "12a", 0, "IP4", "127.0.0.1", &err) < 0);
	CHECK(rtc_sdp_set_connection(s, NULL, "IPX", "0.0.0.0", &err) < 0);
	CHECK(rtc_sdp_set_name(s, "a\nb", &err) < 0);
	CHECK_INTEQ(s->n_media, 1);
	CHECK_INTEQ(m->n_attrs, 8);

	text = rtc_sdp_to_string(s);
	CHECK_STREQ(text, want);
	CHECK(rtc_sdp_parse(text, strlen(text), &again, &err) == 0);
	CHECK(again && rtc_sdp_equal(s, again));
	free(text);
	rtc_sdp_free(again);
	rtc_sdp_free(s);
}

/* Equality notices every kind of difference. */
static void test_equal(void)
{
	struct rtc_sdp_session *a = parse(chrome_offer), *b = parse(chrome_offer);
	struct rtc_error err;

	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK(rtc_sdp_equal(a, b));
	b->media[1]->port = 0;
	CHECK(!rtc_sdp_equal(a, b));
	b->media[1]->port = a->media[1]->port;
	CHECK(rtc_sdp_add_attr(b, b->media[2], "end-of-candidates", NULL, &err) == 0);
	CHECK(!rtc_sdp_equal(a, b));
out:
	rtc_sdp_free(a);
	rtc_sdp_free(b);
}

int main(void)
{
	RUN(test_rfc8866_example);
	RUN(test_lf_line_endings);
	RUN(test_rfc8839_example);
	RUN(test_rfc8841_example);
	RUN(test_rfc8843_bundle);
	RUN(test_chrome_style_offer);
	RUN(test_firefox_style_answer);
	RUN(test_samples);
	RUN(test_malformed);
	RUN(test_ice_options_separators);
	RUN(test_no_final_line_break);
	RUN(test_blank_lines);
	RUN(test_whitespace_between_fields);
	RUN(test_whitespace_around_single_values);
	RUN(test_line_order_in_parts);
	RUN(test_setup_case);
	RUN(test_candidate_liberal);
	RUN(test_unknown_attribute_names);
	RUN(test_bandwidth_unlimited);
	RUN(test_real_world_variants);
	RUN(test_embedded_nul);
	RUN(test_limits);
	RUN(test_attribute_arrays);
	RUN(test_large_description);
	RUN(test_candidate_standalone);
	RUN(test_candidate_to_string);
	RUN(test_build);
	RUN(test_equal);
	return rtc_test_done();
}
