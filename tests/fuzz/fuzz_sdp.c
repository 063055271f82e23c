/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the SDP parser: whatever parses must serialize, parse
 * again and compare equal, and serialize to the same text the second time.
 * The same input also goes through the standalone candidate parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sdp/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_candidate(const char *text, size_t len)
{
	struct rtc_sdp_candidate *c = NULL, *again = NULL;
	char *out;

	if (rtc_sdp_candidate_parse(text, len, &c, NULL) < 0)
		return;
	out = rtc_sdp_candidate_to_string(c);
	if (!out)
		abort();
	if (rtc_sdp_candidate_parse(out, strlen(out), &again, NULL) < 0)
		abort();
	if (again->priority != c->priority || again->port != c->port ||
	    again->type != c->type || again->n_extensions != c->n_extensions ||
	    strcmp(again->address, c->address) != 0)
		abort();
	free(out);
	rtc_sdp_candidate_free(again);
	rtc_sdp_candidate_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct rtc_sdp_session *s = NULL, *again = NULL;
	struct rtc_error err;
	char *out, *out2;

	check_candidate(text, size);
	if (rtc_sdp_parse(text, size, &s, &err) < 0) {
		/* Every rejection names a line, or the size limit. */
		if (err.kind != RTC_ERROR_SYNTAX ||
		    (strncmp(err.message, "line ", 5) != 0 &&
		     strncmp(err.message, "the description has", 19) != 0))
			abort();
		return 0;
	}
	out = rtc_sdp_to_string(s);
	if (!out)
		abort();
	if (rtc_sdp_parse(out, strlen(out), &again, &err) < 0)
		abort();
	if (!rtc_sdp_equal(s, again))
		abort();
	out2 = rtc_sdp_to_string(again);
	if (!out2 || strcmp(out, out2) != 0)
		abort();
	free(out2);
	free(out);
	rtc_sdp_free(again);
	rtc_sdp_free(s);
	return 0;
}
