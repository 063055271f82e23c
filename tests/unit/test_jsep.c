/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSEP: the signalling state machine over every state and operation, two
 * jsep objects negotiating with each other, answers to the real offers in
 * tests/data/sdp/ (found through $SDP_SAMPLES, else from this file's path),
 * implicit descriptions, munging, negotiation-needed, and that every
 * failing call leaves the object as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "engine/jsep.h"
#include "engine/sdp.h"

/* ---- helpers ---- */

static struct rtc_jsep *new_jsep(bool data_channel)
{
	struct rtc_jsep_config config = { .bundle_policy = RTC_BUNDLE_POLICY_MAX_BUNDLE };
	struct rtc_error err = { 0 };
	struct rtc_jsep *jsep = NULL;

	if (rtc_jsep_new(&config, &jsep, &err) < 0) {
		printf("# rtc_jsep_new: %s\n", err.message);
		abort();
	}
	if (data_channel) {
		rtc_jsep_add_data_channel(jsep);
		rtc_jsep_take_negotiation_needed(jsep);
	}
	return jsep;
}

/* Runs a call that must succeed; prints the error if it does not. */
#define OK(call) do { \
	struct rtc_error ok_err_ = { 0 }; \
	int ok_ret_ = (call); \
	if (ok_ret_ != 0) \
		printf("# %s:%d: %s: %s: %s\n", __FILE__, __LINE__, #call, \
		       rtc_error_kind_name(ok_err_.kind), ok_err_.message); \
	CHECK_INTEQ(ok_ret_, 0); \
} while (0)
#define ERR (&ok_err_)

static char *create_offer(struct rtc_jsep *jsep, bool ice_restart)
{
	struct rtc_offer_options options = { .ice_restart = ice_restart };
	char *sdp = NULL;

	OK(rtc_jsep_create_offer(jsep, &options, &sdp, ERR));
	return sdp;
}

static char *create_answer(struct rtc_jsep *jsep)
{
	char *sdp = NULL;

	OK(rtc_jsep_create_answer(jsep, &sdp, ERR));
	return sdp;
}

static const char *local_sdp(const struct rtc_jsep *jsep)
{
	const char *sdp = NULL;

	return rtc_jsep_local_description(jsep, NULL, &sdp) ? sdp : NULL;
}

static const char *remote_sdp(const struct rtc_jsep *jsep)
{
	const char *sdp = NULL;

	return rtc_jsep_remote_description(jsep, NULL, &sdp) ? sdp : NULL;
}

/* offerer's offer -> answerer -> answer back: both end stable. */
static void negotiate(struct rtc_jsep *offerer, struct rtc_jsep *answerer, bool ice_restart)
{
	char *offer = create_offer(offerer, ice_restart), *answer;

	OK(rtc_jsep_set_local_description(offerer, RTC_SDP_TYPE_OFFER, offer, ERR));
	OK(rtc_jsep_set_remote_description(answerer, RTC_SDP_TYPE_OFFER, offer, ERR));
	answer = create_answer(answerer);
	OK(rtc_jsep_set_local_description(answerer, RTC_SDP_TYPE_ANSWER, answer, ERR));
	OK(rtc_jsep_set_remote_description(offerer, RTC_SDP_TYPE_ANSWER, answer, ERR));
	CHECK_INTEQ(rtc_jsep_signaling_state(offerer), RTC_SIGNALING_STABLE);
	CHECK_INTEQ(rtc_jsep_signaling_state(answerer), RTC_SIGNALING_STABLE);
	free(offer);
	free(answer);
}

static struct rtc_sdp_session *parse(const char *text)
{
	struct rtc_sdp_session *s = NULL;
	struct rtc_error err = { 0 };

	if (!text || rtc_sdp_parse(text, strlen(text), &s, &err) < 0) {
		printf("# our SDP does not parse: %s\n", text ? err.message : "(none)");
		return NULL;
	}
	return s;
}

/* A copy of text with the first `from` replaced by `to`. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t len = strlen(text) - strlen(from) + strlen(to) + 1;
	char *out;

	if (!at) {
		printf("# \"%s\" not found\n", from);
		return strdup(text);
	}
	out = malloc(len);
	snprintf(out, len, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

/* A copy of text without the lines that start with prefix. */
static char *remove_lines(const char *text, const char *prefix)
{
	char *out = malloc(strlen(text) + 1), *p = out;

	while (*text) {
		const char *end = strchr(text, '\n');
		size_t len = end ? (size_t)(end - text + 1) : strlen(text);

		if (strncmp(text, prefix, strlen(prefix)) != 0) {
			memcpy(p, text, len);
			p += len;
		}
		text += len;
	}
	*p = '\0';
	return out;
}

/* Everything observable: a failing call must leave it exactly so. */
struct snapshot {
	enum rtc_signaling_state state;
	bool has_local, has_remote, has_session;
	enum rtc_sdp_type local_type, remote_type;
	char *local, *remote;
	struct rtc_jsep_sctp_session session;
};

static void take_snapshot(const struct rtc_jsep *jsep, struct snapshot *s)
{
	const char *sdp = NULL;

	memset(s, 0, sizeof(*s));
	s->state = rtc_jsep_signaling_state(jsep);
	s->has_local = rtc_jsep_local_description(jsep, &s->local_type, &sdp);
	s->local = s->has_local ? strdup(sdp) : NULL;
	s->has_remote = rtc_jsep_remote_description(jsep, &s->remote_type, &sdp);
	s->remote = s->has_remote ? strdup(sdp) : NULL;
	s->has_session = rtc_jsep_sctp_session(jsep, &s->session);
}

static bool snapshot_equal(const struct snapshot *a, const struct snapshot *b)
{
	return a->state == b->state && a->has_local == b->has_local &&
	       a->has_remote == b->has_remote && a->has_session == b->has_session &&
	       (!a->has_local || (a->local_type == b->local_type && !strcmp(a->local, b->local))) &&
	       (!a->has_remote ||
		(a->remote_type == b->remote_type && !strcmp(a->remote, b->remote))) &&
	       (!a->has_session || !memcmp(&a->session, &b->session, sizeof(a->session)));
}

static void free_snapshot(struct snapshot *s)
{
	free(s->local);
	free(s->remote);
}

#define CHECK_UNCHANGED(jsep, before) do { \
	struct snapshot after_; \
	take_snapshot(jsep, &after_); \
	CHECK(snapshot_equal(before, &after_)); \
	free_snapshot(&after_); \
} while (0)

/* $SDP_SAMPLES, else tests/data/sdp found from this file's path, which
 * meson gives the compiler relative to the build directory tests run in. */
static void samples_dir(char *dir, size_t size)
{
	const char *env = getenv("SDP_SAMPLES");
	const char *unit = strstr(__FILE__, "unit/test_jsep.c");

	if (env)
		snprintf(dir, size, "%s", env);
	else if (unit)
		snprintf(dir, size, "%.*sdata/sdp", (int)(unit - __FILE__), __FILE__);
	else
		snprintf(dir, size, "tests/data/sdp");
}

static char *read_sample(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	samples_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		printf("# cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	text = malloc(RTC_SDP_MAX_SIZE + 1);
	len = fread(text, 1, RTC_SDP_MAX_SIZE, f);
	text[len] = '\0';
	fclose(f);
	return text;
}

/* The sample files whose names contain `kind` ("-offer-", "-answer-"). */
static size_t list_samples(const char *kind, char names[][128], size_t max)
{
	char dir[PATH_MAX];
	struct dirent *entry;
	size_t n = 0;
	DIR *d;

	samples_dir(dir, sizeof(dir));
	d = opendir(dir);
	if (!d) {
		printf("# no samples directory %s: %s\n", dir, strerror(errno));
		return 0;
	}
	while ((entry = readdir(d)) && n < max) {
		size_t len = strlen(entry->d_name);

		if (len > 4 && len < 128 && !strcmp(entry->d_name + len - 4, ".sdp") &&
		    strstr(entry->d_name, kind))
			snprintf(names[n++], 128, "%s", entry->d_name);
	}
	closedir(d);
	return n;
}

static const char *attr_value(const struct rtc_sdp_media *m, const char *name)
{
	const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, name, NULL);

	return a ? (a->value ? a->value : "") : NULL;
}

/* ---- strings ---- */

static void test_enum_strings(void)
{
	static const char *types[] = { "offer", "pranswer", "answer", "rollback" };
	static const char *states[] = { "stable", "have-local-offer", "have-remote-offer",
					"have-local-pranswer", "have-remote-pranswer", "closed" };
	enum rtc_sdp_type type;

	for (int i = 0; i < 4; i++) {
		CHECK_INTEQ(rtc_sdp_type_from_string(types[i], &type), 0);
		CHECK_INTEQ(type, i);
		CHECK_STREQ(rtc_sdp_type_to_string(type), types[i]);
	}
	CHECK_INTEQ(rtc_sdp_type_from_string("Offer", &type), -1);
	CHECK_INTEQ(rtc_sdp_type_from_string("", &type), -1);
	CHECK_INTEQ(rtc_sdp_type_from_string(NULL, &type), -1);
	for (int i = 0; i < 6; i++)
		CHECK_STREQ(rtc_signaling_state_to_string(i), states[i]);
}

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

/* ---- the state machine ---- */

enum op {
	OP_LOCAL_OFFER, OP_LOCAL_PRANSWER, OP_LOCAL_ANSWER, OP_LOCAL_ROLLBACK,
	OP_REMOTE_OFFER, OP_REMOTE_PRANSWER, OP_REMOTE_ANSWER, OP_REMOTE_ROLLBACK,
	OP_CREATE_OFFER, OP_CREATE_ANSWER,
	N_OPS
};

static const char *op_names[N_OPS] = {
	"local offer", "local pranswer", "local answer", "local rollback",
	"remote offer", "remote pranswer", "remote answer", "remote rollback",
	"createOffer", "createAnswer",
};

#define N_STATES 6
#define ILLEGAL -1
#define SAME -2         /* create*: legal, state unchanged */

/* W3C: rows are states, columns operations, entries the next state. */
static const int transitions[N_STATES][N_OPS] = {
	[RTC_SIGNALING_STABLE] = {
		RTC_SIGNALING_HAVE_LOCAL_OFFER, ILLEGAL, ILLEGAL, ILLEGAL,
		RTC_SIGNALING_HAVE_REMOTE_OFFER, ILLEGAL, ILLEGAL, ILLEGAL,
		SAME, ILLEGAL },
	[RTC_SIGNALING_HAVE_LOCAL_OFFER] = {
		RTC_SIGNALING_HAVE_LOCAL_OFFER, ILLEGAL, ILLEGAL, RTC_SIGNALING_STABLE,
		/* a colliding remote offer rolls ours back first */
		RTC_SIGNALING_HAVE_REMOTE_OFFER, RTC_SIGNALING_HAVE_REMOTE_PRANSWER,
		RTC_SIGNALING_STABLE, RTC_SIGNALING_STABLE,
		SAME, ILLEGAL },
	[RTC_SIGNALING_HAVE_REMOTE_OFFER] = {
		ILLEGAL, RTC_SIGNALING_HAVE_LOCAL_PRANSWER, RTC_SIGNALING_STABLE,
		RTC_SIGNALING_STABLE,
		RTC_SIGNALING_HAVE_REMOTE_OFFER, ILLEGAL, ILLEGAL, RTC_SIGNALING_STABLE,
		ILLEGAL, SAME },
	[RTC_SIGNALING_HAVE_LOCAL_PRANSWER] = {
		ILLEGAL, RTC_SIGNALING_HAVE_LOCAL_PRANSWER, RTC_SIGNALING_STABLE, ILLEGAL,
		ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL,
		ILLEGAL, SAME },
	[RTC_SIGNALING_HAVE_REMOTE_PRANSWER] = {
		ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL,
		ILLEGAL, RTC_SIGNALING_HAVE_REMOTE_PRANSWER, RTC_SIGNALING_STABLE, ILLEGAL,
		ILLEGAL, ILLEGAL },
	[RTC_SIGNALING_CLOSED] = {
		ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL,
		ILLEGAL, ILLEGAL },
};

/* `us` in a given state, `peer` on the other side of it. */
struct pair {
	struct rtc_jsep *us, *peer;
	char *spare_offer, *spare_answer;       /* valid SDP from unrelated peers */
};

static void enter_state(struct pair *p, enum rtc_signaling_state state)
{
	struct rtc_jsep *x = new_jsep(true), *y = new_jsep(true);
	char *sdp = NULL;

	p->us = new_jsep(true);
	p->peer = new_jsep(true);
	/* An unrelated offer and the answer to it. */
	p->spare_offer = create_offer(x, false);
	OK(rtc_jsep_set_remote_description(y, RTC_SDP_TYPE_OFFER, p->spare_offer, ERR));
	p->spare_answer = create_answer(y);
	rtc_jsep_free(x);
	rtc_jsep_free(y);

	switch (state) {
	case RTC_SIGNALING_STABLE:
		break;
	case RTC_SIGNALING_HAVE_LOCAL_OFFER:
	case RTC_SIGNALING_HAVE_REMOTE_PRANSWER:
		sdp = create_offer(p->us, false);
		OK(rtc_jsep_set_local_description(p->us, RTC_SDP_TYPE_OFFER, sdp, ERR));
		OK(rtc_jsep_set_remote_description(p->peer, RTC_SDP_TYPE_OFFER, sdp, ERR));
		if (state == RTC_SIGNALING_HAVE_REMOTE_PRANSWER) {
			free(sdp);
			sdp = create_answer(p->peer);
			OK(rtc_jsep_set_local_description(p->peer, RTC_SDP_TYPE_PRANSWER, sdp, ERR));
			OK(rtc_jsep_set_remote_description(p->us, RTC_SDP_TYPE_PRANSWER, sdp, ERR));
		}
		break;
	case RTC_SIGNALING_HAVE_REMOTE_OFFER:
	case RTC_SIGNALING_HAVE_LOCAL_PRANSWER:
		sdp = create_offer(p->peer, false);
		OK(rtc_jsep_set_local_description(p->peer, RTC_SDP_TYPE_OFFER, sdp, ERR));
		OK(rtc_jsep_set_remote_description(p->us, RTC_SDP_TYPE_OFFER, sdp, ERR));
		if (state == RTC_SIGNALING_HAVE_LOCAL_PRANSWER)
			OK(rtc_jsep_set_local_description(p->us, RTC_SDP_TYPE_PRANSWER, NULL, ERR));
		break;
	case RTC_SIGNALING_CLOSED:
		rtc_jsep_close(p->us);
		break;
	}
	free(sdp);
	CHECK_INTEQ(rtc_jsep_signaling_state(p->us), state);
}

static void leave_state(struct pair *p)
{
	rtc_jsep_free(p->us);
	rtc_jsep_free(p->peer);
	free(p->spare_offer);
	free(p->spare_answer);
}

/* The SDP a remote answer operation uses: the peer's answer to our offer
 * when the peer has one to give, else a valid but unrelated answer. */
static char *remote_answer_for(struct pair *p)
{
	enum rtc_signaling_state peer = rtc_jsep_signaling_state(p->peer);
	char *sdp = NULL;

	if (peer == RTC_SIGNALING_HAVE_REMOTE_OFFER || peer == RTC_SIGNALING_HAVE_LOCAL_PRANSWER)
		OK(rtc_jsep_create_answer(p->peer, &sdp, ERR));
	return sdp ? sdp : strdup(p->spare_answer);
}

static int run_op(struct pair *p, enum op op, struct rtc_error *err)
{
	char *sdp = NULL;
	int ret;

	switch (op) {
	case OP_LOCAL_OFFER:
		return rtc_jsep_set_local_description(p->us, RTC_SDP_TYPE_OFFER, NULL, err);
	case OP_LOCAL_PRANSWER:
		return rtc_jsep_set_local_description(p->us, RTC_SDP_TYPE_PRANSWER, NULL, err);
	case OP_LOCAL_ANSWER:
		return rtc_jsep_set_local_description(p->us, RTC_SDP_TYPE_ANSWER, NULL, err);
	case OP_LOCAL_ROLLBACK:
		return rtc_jsep_set_local_description(p->us, RTC_SDP_TYPE_ROLLBACK, NULL, err);
	case OP_REMOTE_OFFER:
		return rtc_jsep_set_remote_description(p->us, RTC_SDP_TYPE_OFFER, p->spare_offer,
						       err);
	case OP_REMOTE_PRANSWER:
	case OP_REMOTE_ANSWER:
		sdp = remote_answer_for(p);
		ret = rtc_jsep_set_remote_description(
			p->us, op == OP_REMOTE_ANSWER ? RTC_SDP_TYPE_ANSWER : RTC_SDP_TYPE_PRANSWER,
			sdp, err);
		free(sdp);
		return ret;
	case OP_REMOTE_ROLLBACK:
		return rtc_jsep_set_remote_description(p->us, RTC_SDP_TYPE_ROLLBACK, NULL, err);
	case OP_CREATE_OFFER:
		ret = rtc_jsep_create_offer(p->us, NULL, &sdp, err);
		free(sdp);
		return ret;
	case OP_CREATE_ANSWER:
		ret = rtc_jsep_create_answer(p->us, &sdp, err);
		free(sdp);
		return ret;
	case N_OPS:
		break;
	}
	return -1;
}

static void test_state_table(void)
{
	for (int state = 0; state < N_STATES; state++) {
		for (int op = 0; op < N_OPS; op++) {
			int expected = transitions[state][op];
			struct rtc_error err = { 0 };
			struct snapshot before;
			struct pair p;
			int ret;

			enter_state(&p, state);
			take_snapshot(p.us, &before);
			ret = run_op(&p, op, &err);
			if (expected == ILLEGAL) {
				if (ret != -1 || err.kind != RTC_ERROR_INVALID_STATE)
					printf("# %s in %s: expected InvalidStateError, got %d %s\n",
					       op_names[op], rtc_signaling_state_to_string(state),
					       ret, rtc_error_kind_name(err.kind));
				CHECK_INTEQ(ret, -1);
				CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
				CHECK(strstr(err.message, rtc_signaling_state_to_string(state)) ||
				      strstr(err.message, "closed"));
				CHECK_UNCHANGED(p.us, &before);
			} else {
				int next = expected == SAME ? state : expected;

				if (ret != 0 || (int)rtc_jsep_signaling_state(p.us) != next)
					printf("# %s in %s: got %d (%s) and state %s\n",
					       op_names[op], rtc_signaling_state_to_string(state),
					       ret, err.message,
					       rtc_signaling_state_to_string(
						       rtc_jsep_signaling_state(p.us)));
				CHECK_INTEQ(ret, 0);
				CHECK_INTEQ(rtc_jsep_signaling_state(p.us), next);
			}
			free_snapshot(&before);
			leave_state(&p);
		}
	}
}

static void test_illegal_message(void)
{
	struct pair p;
	struct rtc_error err = { 0 };

	enter_state(&p, RTC_SIGNALING_STABLE);
	CHECK_INTEQ(run_op(&p, OP_REMOTE_ANSWER, &err), -1);
	CHECK_STREQ(err.message, "cannot set remote answer in state stable");
	CHECK_INTEQ(run_op(&p, OP_LOCAL_PRANSWER, &err), -1);
	CHECK_STREQ(err.message, "cannot set local pranswer in state stable");
	CHECK_INTEQ(run_op(&p, OP_LOCAL_ROLLBACK, &err), -1);
	CHECK(strstr(err.message, "cannot roll back in state stable") != NULL);
	leave_state(&p);
}

/* ---- two peers ---- */

static void check_sessions_match(const struct rtc_jsep *a, const struct rtc_jsep *b)
{
	struct rtc_jsep_sctp_session sa, sb;

	CHECK(rtc_jsep_sctp_session(a, &sa));
	CHECK(rtc_jsep_sctp_session(b, &sb));
	CHECK_STREQ(sa.mid, sb.mid);
	CHECK(sa.dtls_client != sb.dtls_client);
	CHECK_INTEQ(sa.local_port, 5000);
	CHECK_INTEQ(sa.remote_port, sb.local_port);
	CHECK_INTEQ(sb.remote_port, sa.local_port);
	CHECK_INTEQ(sa.remote_max_message_size, RTC_JSEP_MAX_MESSAGE_SIZE);
	CHECK_INTEQ(sb.remote_max_message_size, RTC_JSEP_MAX_MESSAGE_SIZE);
	CHECK_STREQ(sa.remote_ice_ufrag, sb.local_ice_ufrag);
	CHECK_STREQ(sa.remote_ice_pwd, sb.local_ice_pwd);
	CHECK_STREQ(sb.remote_ice_ufrag, sa.local_ice_ufrag);
	CHECK_STREQ(sb.remote_ice_pwd, sa.local_ice_pwd);
	CHECK_STREQ(sa.remote_fingerprint_algorithm, "sha-256");
	CHECK_STREQ(sa.remote_fingerprint, rtc_jsep_fingerprint(b));
	CHECK_STREQ(sb.remote_fingerprint, rtc_jsep_fingerprint(a));
}

static bool is_dtls_client(const struct rtc_jsep *jsep)
{
	struct rtc_jsep_sctp_session s = { 0 };

	return rtc_jsep_sctp_session(jsep, &s) && s.dtls_client;
}

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

static void test_pranswer_then_answer(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	char *offer = create_offer(a, false), *answer;
	enum rtc_sdp_type type;

	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer, ERR));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer, ERR));
	answer = create_answer(b);
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_PRANSWER, answer, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_PRANSWER, answer, ERR));
	CHECK_INTEQ(rtc_jsep_signaling_state(a), RTC_SIGNALING_HAVE_REMOTE_PRANSWER);
	CHECK_INTEQ(rtc_jsep_signaling_state(b), RTC_SIGNALING_HAVE_LOCAL_PRANSWER);
	CHECK(rtc_jsep_remote_description(a, &type, NULL) && type == RTC_SDP_TYPE_PRANSWER);
	CHECK(rtc_jsep_local_description(b, &type, NULL) && type == RTC_SDP_TYPE_PRANSWER);
	/* A pranswer already settles the data-channel session. */
	check_sessions_match(a, b);

	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, answer, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, answer, ERR));
	CHECK_INTEQ(rtc_jsep_signaling_state(a), RTC_SIGNALING_STABLE);
	CHECK_INTEQ(rtc_jsep_signaling_state(b), RTC_SIGNALING_STABLE);
	CHECK(rtc_jsep_remote_description(a, &type, NULL) && type == RTC_SDP_TYPE_ANSWER);
	check_sessions_match(a, b);
	free(offer);
	free(answer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* Both offer at once. The polite peer rolls back, explicitly or by
 * applying the other's offer (W3C implicit rollback). */
static void glare(bool implicit)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(true);
	char *offer_a = create_offer(a, false), *offer_b = create_offer(b, false), *answer;

	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, offer_a, ERR));
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_OFFER, offer_b, ERR));
	if (!implicit) {
		OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ROLLBACK, NULL, ERR));
		CHECK_INTEQ(rtc_jsep_signaling_state(b), RTC_SIGNALING_STABLE);
		CHECK(local_sdp(b) == NULL);
	}
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, offer_a, ERR));
	CHECK_INTEQ(rtc_jsep_signaling_state(b), RTC_SIGNALING_HAVE_REMOTE_OFFER);
	CHECK(local_sdp(b) == NULL);            /* b's own offer is gone */
	answer = create_answer(b);
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, answer, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, answer, ERR));
	check_sessions_match(a, b);
	/* b's data channel is negotiated by a's offer: nothing more needed. */
	CHECK(!rtc_jsep_take_negotiation_needed(b));
	free(offer_a);
	free(offer_b);
	free(answer);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

static void test_glare_explicit_rollback(void)
{
	glare(false);
}

static void test_glare_implicit_rollback(void)
{
	glare(true);
}

/* Rolling back an offer, ours or theirs, restores every observable thing,
 * including the credentials the next offer uses. */
static void test_rollback_restores_exactly(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(true);
	struct snapshot before;
	char *reoffer, *restart, *theirs, *after;

	negotiate(a, b, false);
	reoffer = create_offer(a, false);
	take_snapshot(a, &before);

	restart = create_offer(a, true);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, restart, ERR));
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_ROLLBACK, NULL, ERR));
	CHECK_UNCHANGED(a, &before);
	after = create_offer(a, false);
	CHECK_STREQ(after, reoffer);
	free(after);

	theirs = create_offer(b, true);
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_OFFER, theirs, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ROLLBACK, NULL, ERR));
	CHECK_UNCHANGED(a, &before);
	/* Rollback from the other side's call works as well (W3C). */
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_OFFER, theirs, ERR));
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_ROLLBACK, NULL, ERR));
	CHECK_UNCHANGED(a, &before);
	after = create_offer(a, false);
	CHECK_STREQ(after, reoffer);
	free(after);

	free_snapshot(&before);
	free(reoffer);
	free(restart);
	free(theirs);
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

/* ---- implicit descriptions and munging ---- */

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

/* ---- the real samples ---- */

/* Our answer to a browser's or library's offer: the data section accepted
 * with its mid, everything else rejected, the session as the offer says. */
static void answer_sample(const char *name)
{
	struct rtc_jsep *jsep = new_jsep(false);
	struct rtc_sdp_session *offer = NULL, *answer = NULL;
	const struct rtc_sdp_media *odata = NULL;
	struct rtc_jsep_sctp_session session;
	const struct rtc_sdp_group *bundle;
	char *text = read_sample(name), *ours = NULL;
	uint64_t size;

	if (!text || !(offer = parse(text))) {
		CHECK(false);
		goto out;
	}
	OK(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, text, ERR));
	ours = create_answer(jsep);
	OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_ANSWER, ours, ERR));
	answer = parse(ours);
	if (!answer) {
		CHECK(false);
		goto out;
	}
	CHECK_INTEQ(answer->n_media, offer->n_media);
	for (size_t i = 0; i < offer->n_media && i < answer->n_media; i++) {
		const struct rtc_sdp_media *o = offer->media[i], *a = answer->media[i];

		CHECK_STREQ(rtc_sdp_media_mid(a), rtc_sdp_media_mid(o));
		CHECK_STREQ(a->type, o->type);
		CHECK_STREQ(a->proto, o->proto);
		if (o->kind == RTC_SDP_MEDIA_APPLICATION && !odata) {
			odata = o;
			CHECK_INTEQ(a->port, 9);
			CHECK_INTEQ(rtc_sdp_setup(answer, a), RTC_SDP_SETUP_ACTIVE);
			CHECK(rtc_sdp_media_max_message_size(a, &size) && size == 262144);
			CHECK_STREQ(rtc_sdp_fingerprint(answer, a)->hex, rtc_jsep_fingerprint(jsep));
			if (strcmp(o->proto, "DTLS/SCTP") == 0) {
				CHECK(rtc_sdp_media_sctpmap(a) &&
				      rtc_sdp_media_sctpmap(a)->number == 5000);
				CHECK(a->n_fmts == 1 && !strcmp(a->fmts[0], "5000"));
			} else {
				CHECK_STREQ(attr_value(a, "sctp-port"), "5000");
			}
			continue;
		}
		/* Rejected: port 0, formats echoed with their rtpmaps, the mid,
		 * our transport lines, and nothing about media. */
		CHECK_INTEQ(a->port, 0);
		CHECK_INTEQ(a->n_fmts, o->n_fmts);
		for (size_t f = 0; f < a->n_fmts && f < o->n_fmts; f++)
			CHECK_STREQ(a->fmts[f], o->fmts[f]);
		CHECK_STREQ(rtc_sdp_media_mid(a), rtc_sdp_media_mid(o));
		CHECK(attr_value(a, "ice-ufrag") && attr_value(a, "ice-pwd"));
		CHECK(rtc_sdp_fingerprint(answer, a) != NULL);
		for (size_t k = 0; k < a->n_attrs; k++) {
			const char *n = a->attrs[k].name;
			bool allowed = !strcmp(n, "mid") || !strcmp(n, "ice-ufrag") ||
				       !strcmp(n, "ice-pwd") || !strcmp(n, "fingerprint") ||
				       !strcmp(n, "setup") || !strcmp(n, "rtpmap") ||
				       !strcmp(n, "rtcp-mux");
			if (!allowed)
				printf("# unexpected a=%s in a rejected section\n", n);
			CHECK(allowed);
		}
		{
			size_t n_rtpmap_o = 0, n_rtpmap_a = 0;
			for (size_t k = 0; k < o->n_attrs; k++)
				n_rtpmap_o += !strcmp(o->attrs[k].name, "rtpmap");
			for (size_t k = 0; k < a->n_attrs; k++)
				n_rtpmap_a += !strcmp(a->attrs[k].name, "rtpmap");
			CHECK_INTEQ(n_rtpmap_a, n_rtpmap_o);
		}
	}
	CHECK(odata != NULL);
	bundle = rtc_sdp_group(answer, "BUNDLE");
	CHECK(bundle && bundle->n_mids == 1 && odata &&
	      !strcmp(bundle->mids[0], rtc_sdp_media_mid(odata)));

	CHECK(rtc_jsep_sctp_session(jsep, &session));
	if (odata) {
		const struct rtc_sdp_media *t = odata;

		CHECK_STREQ(session.mid, rtc_sdp_media_mid(odata));
		CHECK(session.dtls_client);
		CHECK_INTEQ(session.local_port, 5000);
		CHECK_INTEQ(session.remote_port, 5000);
		if (!rtc_sdp_media_max_message_size(odata, &size))
			size = 65536;
		CHECK_INTEQ(session.remote_max_message_size, size);
		CHECK_STREQ(session.remote_ice_ufrag, rtc_sdp_ice_ufrag(offer, t));
		CHECK_STREQ(session.remote_ice_pwd, rtc_sdp_ice_pwd(offer, t));
		CHECK_STREQ(session.remote_fingerprint, rtc_sdp_fingerprint(offer, t)->hex);
	}
out:
	if (rtc_test_case_failed)
		printf("# ... in %s\n", name);
	rtc_sdp_free(offer);
	rtc_sdp_free(answer);
	free(text);
	free(ours);
	rtc_jsep_free(jsep);
}

static void test_answers_to_sample_offers(void)
{
	char names[32][128];
	size_t n = list_samples("-offer-", names, 32);

	/* Chromium (two), Firefox, aiortc and Pion, each with and without media. */
	CHECK(n >= 8);
	for (size_t i = 0; i < n; i++)
		answer_sample(names[i]);
}

/* The samples' answers fit our data-only offer (one section, mid 0). */
static void test_sample_answers_as_remote(void)
{
	char names[32][128];
	size_t n = list_samples("-answer-", names, 32);

	CHECK(n >= 4);
	for (size_t i = 0; i < n; i++) {
		struct rtc_jsep *jsep = new_jsep(true);
		struct rtc_sdp_session *s;
		struct rtc_jsep_sctp_session session;
		char *text = read_sample(names[i]);
		uint64_t size;

		OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_OFFER, NULL, ERR));
		OK(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_ANSWER, text, ERR));
		s = text ? parse(text) : NULL;
		CHECK(s && rtc_jsep_sctp_session(jsep, &session));
		if (s && s->n_media == 1 && rtc_jsep_sctp_session(jsep, &session)) {
			const struct rtc_sdp_media *m = s->media[0];

			CHECK_INTEQ(session.dtls_client,
				    rtc_sdp_setup(s, m) == RTC_SDP_SETUP_PASSIVE);
			CHECK_STREQ(session.remote_ice_ufrag, rtc_sdp_ice_ufrag(s, m));
			CHECK_STREQ(session.remote_fingerprint, rtc_sdp_fingerprint(s, m)->hex);
			if (!rtc_sdp_media_max_message_size(m, &size))
				size = 65536;
			CHECK_INTEQ(session.remote_max_message_size, size);
		}
		if (rtc_test_case_failed)
			printf("# ... in %s\n", names[i]);
		rtc_sdp_free(s);
		free(text);
		rtc_jsep_free(jsep);
	}
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

/* Media sections from a remote offer stay rejected, in place, in our own
 * re-offers; the data section keeps its mid "2". */
static void test_reoffer_after_media_offer(void)
{
	char *text = read_sample("chromium-offer-av-datachannel.sdp"), *offer;
	struct rtc_jsep *jsep = new_jsep(false);
	struct rtc_sdp_session *s;

	if (!text) {
		CHECK(false);
		rtc_jsep_free(jsep);
		return;
	}
	OK(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, text, ERR));
	OK(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_ANSWER, NULL, ERR));
	offer = create_offer(jsep, false);
	s = parse(offer);
	CHECK(s && s->n_media == 3);
	if (s && s->n_media == 3) {
		CHECK(s->media[0]->port == 0 && !strcmp(rtc_sdp_media_mid(s->media[0]), "0"));
		CHECK(s->media[1]->port == 0 && !strcmp(rtc_sdp_media_mid(s->media[1]), "1"));
		CHECK(s->media[2]->port == 9 && !strcmp(rtc_sdp_media_mid(s->media[2]), "2"));
		CHECK(rtc_sdp_group(s, "BUNDLE") && rtc_sdp_group(s, "BUNDLE")->n_mids == 1);
		CHECK_INTEQ(rtc_sdp_setup(s, s->media[2]), RTC_SDP_SETUP_ACTPASS);
	}
	rtc_sdp_free(s);
	free(offer);
	free(text);
	rtc_jsep_free(jsep);
}

/* ---- negotiation-needed ---- */

static void test_negotiation_needed(void)
{
	struct rtc_jsep *a = new_jsep(false), *b = new_jsep(false);
	char *empty;

	CHECK(!rtc_jsep_take_negotiation_needed(a));
	rtc_jsep_add_data_channel(a);
	CHECK(rtc_jsep_take_negotiation_needed(a));
	CHECK(!rtc_jsep_take_negotiation_needed(a));    /* once per event */
	rtc_jsep_add_data_channel(a);                   /* flag already set */
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	negotiate(a, b, false);
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	rtc_jsep_add_data_channel(a);                   /* already negotiated */
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	rtc_jsep_free(a);
	rtc_jsep_free(b);

	/* A channel made during an offer/answer exchange: the event comes
	 * when the state returns to stable. */
	a = new_jsep(false);
	b = new_jsep(false);
	empty = create_offer(a, false);
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, empty, ERR));
	rtc_jsep_add_data_channel(a);
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	OK(rtc_jsep_set_remote_description(b, RTC_SDP_TYPE_OFFER, empty, ERR));
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_ANSWER, NULL, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_ANSWER, local_sdp(b), ERR));
	CHECK(rtc_jsep_take_negotiation_needed(a));
	free(empty);

	/* Still needed after a negotiation that did not include it: the
	 * event comes again (W3C: true before and after the return to
	 * stable). */
	empty = create_offer(b, false);
	OK(rtc_jsep_set_local_description(b, RTC_SDP_TYPE_OFFER, empty, ERR));
	OK(rtc_jsep_set_remote_description(a, RTC_SDP_TYPE_OFFER, empty, ERR));
	CHECK(!rtc_jsep_take_negotiation_needed(a));    /* not stable */
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_ANSWER, NULL, ERR));
	CHECK(rtc_jsep_take_negotiation_needed(a));
	free(empty);

	/* After a rollback too. */
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_OFFER, NULL, ERR));
	OK(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_ROLLBACK, NULL, ERR));
	CHECK(rtc_jsep_take_negotiation_needed(a));

	/* Closed: never. */
	rtc_jsep_close(a);
	rtc_jsep_add_data_channel(a);
	CHECK(!rtc_jsep_take_negotiation_needed(a));
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

static void test_close(void)
{
	struct rtc_jsep *a = new_jsep(true), *b = new_jsep(false);
	struct rtc_jsep_sctp_session s;
	struct rtc_error err = { 0 };
	char *sdp = NULL;

	negotiate(a, b, false);
	rtc_jsep_close(a);
	CHECK_INTEQ(rtc_jsep_signaling_state(a), RTC_SIGNALING_CLOSED);
	CHECK_INTEQ(rtc_jsep_create_offer(a, NULL, &sdp, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	CHECK(strstr(err.message, "closed") != NULL);
	CHECK(sdp == NULL);
	CHECK_INTEQ(rtc_jsep_set_local_description(a, RTC_SDP_TYPE_ROLLBACK, NULL, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
	/* What was negotiated stays readable, as the descriptions do in W3C. */
	CHECK(local_sdp(a) != NULL && remote_sdp(a) != NULL);
	CHECK(rtc_jsep_sctp_session(a, &s));
	rtc_jsep_free(a);
	rtc_jsep_free(b);
}

int main(void)
{
	RUN(test_enum_strings);
	RUN(test_new_peer_connection);
	RUN(test_offer_without_data_channel);
	RUN(test_data_channel_offer);
	RUN(test_session_version);
	RUN(test_state_table);
	RUN(test_illegal_message);
	RUN(test_offer_answer);
	RUN(test_reoffers_both_directions);
	RUN(test_ice_restart);
	RUN(test_pranswer_then_answer);
	RUN(test_glare_explicit_rollback);
	RUN(test_glare_implicit_rollback);
	RUN(test_rollback_restores_exactly);
	RUN(test_implicit_descriptions);
	RUN(test_munged_sdp_rejected);
	RUN(test_answers_to_sample_offers);
	RUN(test_sample_answers_as_remote);
	RUN(test_invalid_remote_offers);
	RUN(test_duplicate_mids_rejected);
	RUN(test_invalid_remote_answers);
	RUN(test_rejected_data_section);
	RUN(test_reoffer_after_media_offer);
	RUN(test_negotiation_needed);
	RUN(test_close);
	return rtc_test_done();
}
