/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the JSEP tests share: jsep objects with a data channel or without,
 * offers and answers that must succeed (OK), two peers negotiating, SDP
 * text surgery (replace, remove_lines), a snapshot of everything observable
 * (a failing call must leave the object exactly so: CHECK_UNCHANGED), the
 * real offers and answers in tests/data/sdp/ (found through $SDP_SAMPLES,
 * else from this file's path), and the check that two peers agree on their
 * data-channel session.
 *
 * Functions here are static inline, not in a .c of their own: they CHECK,
 * and check.h keeps its counters per translation unit, so a failure must be
 * counted in the test program that runs the case.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "engine/jsep/jsep.h"
#include "engine/sdp/sdp.h"
#include "sdp-samples.h"

/* ---- helpers ---- */

static inline struct rtc_jsep *new_jsep(bool data_channel)
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

static inline char *create_offer(struct rtc_jsep *jsep, bool ice_restart)
{
	struct rtc_offer_options options = { .ice_restart = ice_restart };
	char *sdp = NULL;

	OK(rtc_jsep_create_offer(jsep, &options, &sdp, ERR));
	return sdp;
}

static inline char *create_answer(struct rtc_jsep *jsep)
{
	char *sdp = NULL;

	OK(rtc_jsep_create_answer(jsep, &sdp, ERR));
	return sdp;
}

static inline const char *local_sdp(const struct rtc_jsep *jsep)
{
	const char *sdp = NULL;

	return rtc_jsep_local_description(jsep, NULL, &sdp) ? sdp : NULL;
}

static inline const char *remote_sdp(const struct rtc_jsep *jsep)
{
	const char *sdp = NULL;

	return rtc_jsep_remote_description(jsep, NULL, &sdp) ? sdp : NULL;
}

/* offerer's offer -> answerer -> answer back: both end stable. */
static inline void negotiate(struct rtc_jsep *offerer, struct rtc_jsep *answerer, bool ice_restart)
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

static inline struct rtc_sdp_session *parse(const char *text)
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
static inline char *replace(const char *text, const char *from, const char *to)
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
static inline char *remove_lines(const char *text, const char *prefix)
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

static inline void take_snapshot(const struct rtc_jsep *jsep, struct snapshot *s)
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

static inline bool snapshot_equal(const struct snapshot *a, const struct snapshot *b)
{
	return a->state == b->state && a->has_local == b->has_local &&
	       a->has_remote == b->has_remote && a->has_session == b->has_session &&
	       (!a->has_local || (a->local_type == b->local_type && !strcmp(a->local, b->local))) &&
	       (!a->has_remote ||
		(a->remote_type == b->remote_type && !strcmp(a->remote, b->remote))) &&
	       (!a->has_session || !memcmp(&a->session, &b->session, sizeof(a->session)));
}

static inline void free_snapshot(struct snapshot *s)
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

static inline char *read_sample(const char *name)
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
static inline size_t list_samples(const char *kind, char names[][128], size_t max)
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

/* ---- two peers ---- */

static inline void check_sessions_match(const struct rtc_jsep *a, const struct rtc_jsep *b)
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

static inline bool is_dtls_client(const struct rtc_jsep *jsep)
{
	struct rtc_jsep_sctp_session s = { 0 };

	return rtc_jsep_sctp_session(jsep, &s) && s.dtls_client;
}
