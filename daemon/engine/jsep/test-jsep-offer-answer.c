/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSEP offers and answers: what a new peer connection offers with and
 * without a data channel, the o= line's version, two jsep objects
 * negotiating and renegotiating from either side, ICE restarts, implicit
 * descriptions and an answer that rejects the data section.
 */
#include "engine/jsep/test-jsep.h"

/* ---- offers ---- */

static void test_new_peer_connection(void)
{
	struct rtc_jsep *jsep = new_jsep(false);
	struct rtc_jsep_sctp_session session;

	CHECK_INTEQ(rtc_jsep_signaling_state(jsep), RTC_SIGNALING_STABLE);
	CHECK(!rtc_jsep_local_description(jsep, NULL, NULL));
	CHECK(!rtc_jsep_remote_description(jsep, NULL, NULL));
	CHECK(!rtc_jsep_sctp_session(jsep, &session));
	CHECK(!rtc_jsep_take_negotiation_needed(jsep));
	CHECK_STREQ(rtc_jsep_fingerprint_algorithm(jsep), "sha-256");
	CHECK_INTEQ(strlen(rtc_jsep_fingerprint(jsep)), 95);
	CHECK(rtc_jsep_certificate(jsep) != NULL);
	rtc_jsep_free(jsep);
}

/* Before any data channel: a valid offer without m= lines, as browsers make. */
static void test_offer_without_data_channel(void)
{
	struct rtc_jsep *jsep = new_jsep(false);
	char *offer = create_offer(jsep, false);
	struct rtc_sdp_session *s = parse(offer);

	CHECK(s != NULL);
	if (s) {
		CHECK_INTEQ(s->n_media, 0);
		CHECK(rtc_sdp_group(s, "BUNDLE") == NULL);
		CHECK_STREQ(s->origin.username, "-");
		CHECK(strlen(s->origin.session_id) >= 1 && strlen(s->origin.session_id) <= 19);
		CHECK(strtoull(s->origin.session_id, NULL, 10) <= INT64_MAX);
		CHECK(rtc_sdp_has_ice_option(s, NULL, "trickle"));
		CHECK(rtc_sdp_session_attr(s, "msid-semantic", NULL) != NULL);
		CHECK_STREQ(s->name, "-");
		rtc_sdp_free(s);
	}
	CHECK(strncmp(offer, "v=0\r\no=- ", 9) == 0);
	OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_OFFER, offer, ERR));
	CHECK_INTEQ(rtc_jsep_signaling_state(jsep), RTC_SIGNALING_HAVE_LOCAL_OFFER);
	free(offer);
	rtc_jsep_free(jsep);
}

static void test_data_channel_offer(void)
{
	struct rtc_jsep *jsep = new_jsep(true);
	char *offer = create_offer(jsep, false);
	struct rtc_sdp_session *s = parse(offer);
	const struct rtc_sdp_media *m;
	const struct rtc_sdp_group *bundle;
	const struct rtc_sdp_fingerprint *fp;
	uint64_t size = 0;
	uint16_t port = 0;

	CHECK(s && s->n_media == 1);
	if (!s || s->n_media != 1)
		goto out;
	m = s->media[0];
	CHECK_STREQ(m->type, "application");
	CHECK_INTEQ(m->port, 9);
	CHECK_STREQ(m->proto, "UDP/DTLS/SCTP");
	CHECK(m->n_fmts == 1 && !strcmp(m->fmts[0], "webrtc-datachannel"));
	CHECK(m->n_connections == 1 && !strcmp(m->connections[0].addrtype, "IP4") &&
	      !strcmp(m->connections[0].address, "0.0.0.0"));
	CHECK_STREQ(rtc_sdp_media_mid(m), "0");
	CHECK_INTEQ(rtc_sdp_setup(s, m), RTC_SDP_SETUP_ACTPASS);
	CHECK(rtc_sdp_media_sctp_port(m, &port) && port == 5000);
	CHECK(rtc_sdp_media_max_message_size(m, &size) && size == 262144);
	CHECK_INTEQ(strlen(rtc_sdp_ice_ufrag(s, m)), 8);
	CHECK_INTEQ(strlen(rtc_sdp_ice_pwd(s, m)), 24);
	fp = rtc_sdp_fingerprint(s, m);
	CHECK(fp && !strcmp(fp->algorithm, "sha-256") &&
	      !strcmp(fp->hex, rtc_jsep_fingerprint(jsep)));
	CHECK(rtc_sdp_media_attr(m, "candidate", NULL) == NULL);
	bundle = rtc_sdp_group(s, "BUNDLE");
	CHECK(bundle && bundle->n_mids == 1 && !strcmp(bundle->mids[0], "0"));
	CHECK(rtc_sdp_has_ice_option(s, NULL, "trickle"));
out:
	rtc_sdp_free(s);
	free(offer);
	rtc_jsep_free(jsep);
}

static uint64_t version_of(const char *sdp)
{
	struct rtc_sdp_session *s = parse(sdp);
	uint64_t version = s ? s->origin.session_version : 0;

	rtc_sdp_free(s);
	return version;
}

static char *session_id_of(const char *sdp)
{
	struct rtc_sdp_session *s = parse(sdp);
	char *id = strdup(s ? s->origin.session_id : "");

	rtc_sdp_free(s);
	return id;
}

/* The o= version goes up exactly when the description changes; the
 * sess-id never changes. */
static void test_session_version(void)
{
	struct rtc_jsep *a = new_jsep(false), *b = new_jsep(false);
	char *first = create_offer(a, false), *again = create_offer(a, false), *next, *id;
	uint64_t v1 = version_of(first);

	CHECK_STREQ(first, again);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, first, ERR));
	free(again);
	again = create_offer(a, false);
	CHECK_STREQ(again, first);              /* nothing changed: same version */

	rtc_jsep_add_data_channel(a);
	next = create_offer(a, false);
	CHECK_INTEQ(version_of(next), v1 + 1);
	id = session_id_of(first);
	{
		char *id2 = session_id_of(next);
		CHECK_STREQ(id, id2);
		free(id2);
	}
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, next, ERR));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, next, ERR));
	free(again);
	again = create_answer(b);
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, again, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, again, ERR));
	free(again);

	/* A re-offer with nothing new keeps the version of the last offer. */
	again = create_offer(a, false);
	CHECK_INTEQ(version_of(again), v1 + 1);
	free(again);
	/* An ICE restart changes the credentials, hence the version. */
	again = create_offer(a, true);
	CHECK_INTEQ(version_of(again), v1 + 2);
	free(again);

	free(id);
	free(first);
	free(next);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* ---- two peers ---- */

static void test_offer_answer(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	char *offer = create_offer(a, false), *answer;
	enum rtc_sdp_type type;
	const char *sdp;
	struct rtc_jsep_sctp_session s;

	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	CHECK(rtc_jsep_local_description(a, &type, &sdp) && type == RTC_SDP_TYPE_OFFER);
	CHECK_STREQ(sdp, offer);
	CHECK(!rtc_jsep_sctp_session(a, &s));   /* offers alone agree on nothing */

	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	CHECK(rtc_jsep_remote_description(b, &type, &sdp) && type == RTC_SDP_TYPE_OFFER);
	CHECK_STREQ(sdp, offer);
	answer = create_answer(b);
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, answer, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, answer, ERR));

	CHECK(rtc_jsep_local_description(a, &type, NULL) && type == RTC_SDP_TYPE_OFFER);
	CHECK(rtc_jsep_remote_description(a, &type, &sdp) && type == RTC_SDP_TYPE_ANSWER);
	CHECK_STREQ(sdp, answer);
	CHECK(rtc_jsep_local_description(b, &type, &sdp) && type == RTC_SDP_TYPE_ANSWER);
	CHECK_STREQ(sdp, answer);
	CHECK(strstr(answer, "a=setup:active\r\n") != NULL);
	check_sessions_match(a, b);
	CHECK(is_dtls_client(b));               /* the answerer to actpass */
	CHECK_STREQ(remote_sdp(b), offer);
	free(offer);
	free(answer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* Re-offers from both sides keep the mid, the section and the DTLS roles. */
static void test_reoffers_both_directions(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	struct rtc_jsep_sctp_session before, after;
	struct rtc_sdp_session *s;

	negotiate(a, b, false);
	CHECK(rtc_jsep_sctp_session(a, &before));
	negotiate(a, b, false);
	negotiate(b, a, false);
	negotiate(b, a, false);
	check_sessions_match(a, b);
	CHECK(rtc_jsep_sctp_session(a, &after));
	CHECK(!memcmp(&before, &after, sizeof(before)));
	CHECK(is_dtls_client(b));
	/* a answered b's actpass re-offer as passive, to keep its role. */
	CHECK(strstr(local_sdp(a), "a=setup:passive\r\n") != NULL);
	s = parse(local_sdp(a));
	CHECK(s && s->n_media == 1 && !strcmp(rtc_sdp_media_mid(s->media[0]), "0"));
	rtc_sdp_free(s);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

static void test_ice_restart(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	struct rtc_jsep_sctp_session sa1, sb1, sa2, sb2;

	negotiate(a, b, false);
	CHECK(rtc_jsep_sctp_session(a, &sa1) && rtc_jsep_sctp_session(b, &sb1));
	negotiate(a, b, true);
	CHECK(rtc_jsep_sctp_session(a, &sa2) && rtc_jsep_sctp_session(b, &sb2));
	/* Both sides have new credentials, and each knows the other's. */
	CHECK(strcmp(sa1.local_ice_ufrag, sa2.local_ice_ufrag) != 0);
	CHECK(strcmp(sa1.local_ice_pwd, sa2.local_ice_pwd) != 0);
	CHECK(strcmp(sb1.local_ice_ufrag, sb2.local_ice_ufrag) != 0);
	check_sessions_match(a, b);
	/* Without a restart they stay. */
	negotiate(b, a, false);
	CHECK(rtc_jsep_sctp_session(a, &sa1));
	CHECK_STREQ(sa1.local_ice_ufrag, sa2.local_ice_ufrag);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* ---- implicit descriptions ---- */

static void test_implicit_descriptions(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	char *created = create_offer(a, false);
	enum rtc_sdp_type type;

	CHECK_INTEQ(rtc_jsep_implicit_type(a), RTC_SDP_TYPE_OFFER);
	/* Empty SDP applies the offer just created... */
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, "", ERR));
	CHECK(rtc_jsep_local_description(a, &type, NULL) && type == RTC_SDP_TYPE_OFFER);
	CHECK_STREQ(local_sdp(a), created);
	CHECK_INTEQ(rtc_jsep_implicit_type(a), RTC_SDP_TYPE_OFFER);

	/* ...and when none was created, one is made. */
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, created, ERR));
	CHECK_INTEQ(rtc_jsep_implicit_type(b), RTC_SDP_TYPE_ANSWER);
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, NULL, ERR));
	CHECK_INTEQ(rtc_jsep_signaling_state(b), RTC_SIGNALING_STABLE);
	CHECK(rtc_jsep_local_description(b, &type, NULL) && type == RTC_SDP_TYPE_ANSWER);
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, local_sdp(b), ERR));
	check_sessions_match(a, b);

	/* A created offer that no longer describes the state is not reused:
	 * after a rollback and a new data channel the implicit offer is new. */
	{
		struct rtc_jsep *c = new_jsep(false);
		char *empty = create_offer(c, false);
		struct rtc_sdp_session *s;

		rtc_jsep_add_data_channel(c);
		OK(rtc_jsep_set_local_description(c, RTC_SDP_TYPE_OFFER, NULL, ERR));
		s = parse(local_sdp(c));
		CHECK(s && s->n_media == 1);
		rtc_sdp_free(s);
		free(empty);
		rtc_jsep_free(c);
	}
	free(created);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* ---- answers ---- */

/* The answerer may reject the data section: then there is no session. */
static void test_rejected_data_section(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	char *offer = create_offer(a, false), *answer, *rejected;
	struct rtc_jsep_sctp_session s;

	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	answer = create_answer(b);
	rejected = replace(answer, "m=application 9 ", "m=application 0 ");
	{
		char *no_group = remove_lines(rejected, "a=group:");
		free(rejected);
		rejected = no_group;
	}
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, rejected, ERR));
	CHECK(!rtc_jsep_sctp_session(a, &s));
	/* The section keeps its place and mid in the next offer. */
	free(offer);
	offer = create_offer(a, false);
	CHECK(strstr(offer, "a=mid:0\r\n") != NULL);
	free(offer);
	free(answer);
	free(rejected);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

int main(void)
{
	RUN(test_new_peer_connection);
	RUN(test_offer_without_data_channel);
	RUN(test_data_channel_offer);
	RUN(test_session_version);
	RUN(test_offer_answer);
	RUN(test_reoffers_both_directions);
	RUN(test_ice_restart);
	RUN(test_implicit_descriptions);
	RUN(test_rejected_data_section);
	return rtc_test_done();
}
