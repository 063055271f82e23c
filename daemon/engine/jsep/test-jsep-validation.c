/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSEP refusing bad input: munged local descriptions, remote offers and
 * answers that break a rule of JSEP or its RFCs, each refused with the right
 * error kind and a message naming the problem, the object left as it was.
 */
#include "engine/jsep/test-jsep.h"

/* ---- munging ---- */

static void test_munged_sdp_rejected(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	struct rtc_error err = { 0 };
	struct snapshot before;
	char *offer, *munged, *answer;

	/* Nothing created yet: any SDP is a modification. */
	take_snapshot(a, &before);
	offer = create_offer(b, false);
	CHECK_INTEQ(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_MODIFICATION);
	CHECK_UNCHANGED(a, &before);
	free(offer);

	offer = create_offer(a, false);
	munged = replace(offer, "a=max-message-size:262144", "a=max-message-size:1024");
	CHECK_INTEQ(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, munged, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_MODIFICATION);
	CHECK(strstr(err.message, "createOffer") != NULL);
	CHECK_UNCHANGED(a, &before);
	free(munged);

	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	answer = create_answer(b);
	munged = replace(answer, "a=setup:active", "a=setup:passive");
	free_snapshot(&before);
	take_snapshot(b, &before);
	CHECK_INTEQ(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, munged, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_MODIFICATION);
	CHECK_UNCHANGED(b, &before);
	/* An answer is not an offer either. */
	CHECK_INTEQ(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_PRANSWER, offer, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_MODIFICATION);
	CHECK_UNCHANGED(b, &before);
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, answer, ERR));

	free_snapshot(&before);
	free(munged);
	free(offer);
	free(answer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* ---- bad remote descriptions ---- */

struct bad_offer {
	const char *what;
	const char *from, *to;          /* replace (to NULL: remove lines from) */
	enum rtc_error_kind kind;
	const char *message;            /* a part of the message */
};

static void test_invalid_remote_offers(void)
{
	static const struct bad_offer cases[] = {
		{ "no ufrag", "a=ice-ufrag", NULL, RTC_ERROR_INVALID_ACCESS, "ice-ufrag" },
		{ "no pwd", "a=ice-pwd", NULL, RTC_ERROR_INVALID_ACCESS, "ice-pwd" },
		{ "no fingerprint", "a=fingerprint", NULL, RTC_ERROR_INVALID_ACCESS,
		  "fingerprint" },
		{ "holdconn", "a=setup:actpass", "a=setup:holdconn", RTC_ERROR_INVALID_ACCESS,
		  "holdconn" },
		{ "no mid", "a=mid:0", NULL, RTC_ERROR_INVALID_ACCESS, "a=mid" },
		{ "bundle names an unknown mid", "a=group:BUNDLE 0", "a=group:BUNDLE 0 7",
		  RTC_ERROR_INVALID_ACCESS, "\"7\"" },
		{ "mid twice in BUNDLE", "a=group:BUNDLE 0", "a=group:BUNDLE 0 0",
		  RTC_ERROR_INVALID_ACCESS, "twice" },
		{ "bad fingerprint hash", "a=fingerprint:sha-256 ",
		  "a=fingerprint:md5 ", RTC_ERROR_INVALID_ACCESS, "md5" },
		{ "not SDP", "v=0", "v=1", RTC_ERROR_SYNTAX, "line 1" },
	};
	char *base = read_sample("chromium-offer-datachannel.sdp");

	CHECK(base != NULL);
	for (size_t i = 0; base && i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_offer *c = &cases[i];
		struct rtc_jsep *jsep = new_jsep(true);
		char *bad = c->to ? replace(base, c->from, c->to) : remove_lines(base, c->from);
		struct rtc_error err = { 0 };
		struct snapshot before;

		take_snapshot(jsep, &before);
		CHECK_INTEQ(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, bad, &err), -1);
		/* The parser may already refuse what JSEP would: then SyntaxError. */
		if (err.kind != c->kind && err.kind != RTC_ERROR_SYNTAX)
			printf("# %s: %s: %s\n", c->what, rtc_error_kind_name(err.kind),
			       err.message);
		CHECK(err.kind == c->kind || err.kind == RTC_ERROR_SYNTAX);
		if (!strstr(err.message, c->message))
			printf("# %s: message \"%s\" lacks \"%s\"\n", c->what, err.message,
			       c->message);
		CHECK(strstr(err.message, c->message) != NULL);
		CHECK_UNCHANGED(jsep, &before);
		free_snapshot(&before);
		free(bad);
		rtc_jsep_free(jsep);
	}
	free(base);
}

static void test_duplicate_mids_rejected(void)
{
	char *base = read_sample("chromium-offer-av-datachannel.sdp"), *bad;
	struct rtc_jsep *jsep = new_jsep(false);
	struct rtc_error err = { 0 };

	if (!base) {
		CHECK(false);
		rtc_jsep_free(jsep);
		return;
	}
	bad = replace(base, "a=mid:1", "a=mid:0");
	CHECK_INTEQ(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, bad, &err), -1);
	CHECK(err.kind == RTC_ERROR_INVALID_ACCESS || err.kind == RTC_ERROR_SYNTAX);
	CHECK(strstr(err.message, "\"0\"") != NULL);
	CHECK_INTEQ(rtc_jsep_signaling_state(jsep), RTC_SIGNALING_STABLE);
	CHECK(remote_sdp(jsep) == NULL);
	free(bad);
	free(base);
	rtc_jsep_free(jsep);
}

static void test_invalid_remote_answers(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	char *offer = create_offer(a, false), *answer, *bad;
	struct rtc_error err = { 0 };
	struct snapshot before;

	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	answer = create_answer(b);
	take_snapshot(a, &before);

	bad = replace(answer, "a=setup:active", "a=setup:actpass");
	CHECK_INTEQ(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, bad, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK(strstr(err.message, "actpass") != NULL);
	CHECK_UNCHANGED(a, &before);
	free(bad);

	/* Another mid (consistently in BUNDLE too) than the offer's. */
	{
		char *group = replace(answer, "a=group:BUNDLE 0", "a=group:BUNDLE x");

		bad = replace(group, "a=mid:0", "a=mid:x");
		free(group);
	}
	CHECK_INTEQ(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, bad, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK(strstr(err.message, "mid") != NULL);
	CHECK_UNCHANGED(a, &before);
	free(bad);

	/* Two sections in the answer to a one-section offer. */
	{
		char *extra = replace(strstr(answer, "m=application"), "a=mid:0", "a=mid:1");
		size_t len = strlen(answer) + strlen(extra) + 1;

		bad = malloc(len);
		snprintf(bad, len, "%s%s", answer, extra);
		free(extra);
	}
	CHECK_INTEQ(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, bad, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	CHECK(strstr(err.message, "2 m-sections") != NULL);
	CHECK_UNCHANGED(a, &before);
	free(bad);

	/* An empty remote SDP is not a description. */
	CHECK_INTEQ(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, "", &err), -1);
	CHECK_UNCHANGED(a, &before);

	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, answer, ERR));
	free_snapshot(&before);
	free(offer);
	free(answer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* Issue 14: the remote description keeps at most
 * RTC_JSEP_MAX_REMOTE_CANDIDATES per section, set or trickled, and a
 * candidate it has already is not written again. */
static void test_remote_candidates_bounded(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(true);
	char *offer = create_offer(a, false), *big, line[128];
	size_t len = strlen(offer), cap = len + 128 * (RTC_JSEP_MAX_REMOTE_CANDIDATES + 2);
	struct rtc_error err = { 0 };
	struct snapshot before;
	const char *at;
	bool ignored;
	int n = 0;

	/* One candidate too many, after the section's a=ice-pwd. */
	big = calloc(1, cap);
	at = strstr(offer, "a=ice-pwd:");
	CHECK(big && at);
	if (!big || !at)
		return;
	at = strstr(at, "\r\n") + 2;
	memcpy(big, offer, (size_t)(at - offer));
	for (int k = 0; k <= RTC_JSEP_MAX_REMOTE_CANDIDATES; k++) {
		snprintf(line, sizeof(line), "a=candidate:%d 1 udp %d 10.0.%d.%d 5000 typ host\r\n",
			 k, 2000000000 - k, k >> 8, k & 255);
		strcat(big, line);
	}
	strcat(big, at);
	take_snapshot(b, &before);
	CHECK_INTEQ(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, big, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_OPERATION);
	CHECK(strstr(err.message, "at most 64") != NULL);
	CHECK_UNCHANGED(b, &before);
	free_snapshot(&before);

	/* Trickled: the 65th is refused, a repeated one is not recorded. */
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	for (const char *p = remote_sdp(b); (p = strstr(p, "a=candidate:")); p++)
		n++;
	for (int k = n; k < RTC_JSEP_MAX_REMOTE_CANDIDATES; k++) {
		snprintf(line, sizeof(line), "candidate:%d 1 udp %d 10.0.%d.%d 5000 typ host", k,
			 2000000000 - k, k >> 8, k & 255);
		OK(rtc_jsep_add_remote_candidate(b, line, "", 0, &ignored, ERR));
		CHECK(!ignored);
	}
	len = strlen(remote_sdp(b));
	OK(rtc_jsep_add_remote_candidate(b, line, "", 0, &ignored, ERR));
	CHECK(ignored);
	CHECK_INTEQ(strlen(remote_sdp(b)), len);
	CHECK_INTEQ(rtc_jsep_add_remote_candidate(b, "candidate:x 1 udp 1 10.9.9.9 5000 typ host",
						  "", 0, &ignored, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_OPERATION);
	CHECK_INTEQ(strlen(remote_sdp(b)), len);
	free(big);
	free(offer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

int main(void)
{
	RUN(test_munged_sdp_rejected);
	RUN(test_invalid_remote_offers);
	RUN(test_duplicate_mids_rejected);
	RUN(test_invalid_remote_answers);
	RUN(test_remote_candidates_bounded);
	return rtc_test_done();
}
