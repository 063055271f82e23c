/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSEP signalling state machine: every operation in every state (the
 * W3C table), pranswers, glare resolved by explicit and implicit rollback,
 * rollback restoring every observable thing, negotiation-needed, close.
 */
#include "engine/jsep/test-jsep.h"

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
		CHECK_STREQ(rtc_sdp_type_name(type), types[i]);
	}
	CHECK_INTEQ(rtc_sdp_type_from_string("Offer", &type), -1);
	CHECK_INTEQ(rtc_sdp_type_from_string("", &type), -1);
	CHECK_INTEQ(rtc_sdp_type_from_string(NULL, &type), -1);
	for (int i = 0; i < 6; i++)
		CHECK_STREQ(rtc_signaling_state_name(i), states[i]);
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
					       op_names[op], rtc_signaling_state_name(state),
					       ret, rtc_error_kind_name(err.kind));
				CHECK_INTEQ(ret, -1);
				CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_STATE);
				CHECK(strstr(err.message, rtc_signaling_state_name(state)) ||
				      strstr(err.message, "closed"));
				CHECK_UNCHANGED(p.us, &before);
			} else {
				int next = expected == SAME ? state : expected;

				if (ret != 0 || (int)rtc_jsep_signaling_state(p.us) != next)
					printf("# %s in %s: got %d (%s) and state %s\n",
					       op_names[op], rtc_signaling_state_name(state),
					       ret, err.message,
					       rtc_signaling_state_name(
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

/* ---- pranswers, glare and rollback ---- */

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
	RUN(test_state_table);
	RUN(test_illegal_message);
	RUN(test_pranswer_then_answer);
	RUN(test_glare_explicit_rollback);
	RUN(test_glare_implicit_rollback);
	RUN(test_rollback_restores_exactly);
	RUN(test_negotiation_needed);
	RUN(test_close);
	return rtc_test_done();
}
