/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for JSEP with media: arbitrary SDP as a remote offer
 * into a fresh rtc_jsep. The first byte says what the app did before it
 * (addTrack audio/video, a data channel) and after (renegotiate, roll
 * back, change directions, stop). Whatever offer is accepted must be
 * answerable: createAnswer and setLocalDescription of that answer must
 * succeed, the transceivers must describe themselves within bounds, and a
 * re-offer must apply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsep/jsep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	ADD_AUDIO = 1 << 0,
	ADD_VIDEO = 1 << 1,
	ADD_DATA = 1 << 2,
	ROLLBACK = 1 << 3,
	REOFFER = 1 << 4,
	SEND_BACK = 1 << 5,     /* addTrack after the offer: reuse its transceiver */
	STOP_FIRST = 1 << 6,
	DIRECTIONS = 1 << 7,
};

static void check_transceivers(const struct rtc_jsep *jsep)
{
	for (size_t i = 0; i < rtc_jsep_transceiver_count(jsep); i++) {
		struct rtc_jsep_transceiver t;

		if (!rtc_jsep_transceiver_info(jsep, i, &t))
			abort();
		if (t.n_codecs > RTC_JSEP_MAX_CODECS || t.n_stream_ids > RTC_JSEP_MAX_STREAM_IDS ||
		    t.n_remote_stream_ids > RTC_JSEP_MAX_STREAM_IDS ||
		    strlen(t.mid) > 32 || (t.mid[0] && t.mline_index < 0))
			abort();
		if (t.negotiated && (t.n_codecs == 0 || t.stopped))
			abort();
		for (size_t c = 0; c < t.n_codecs; c++)
			if (t.codecs[c].payload_type > 127 || t.codecs[c].rtx_payload_type > 127)
				abort();
	}
}

static void drain(struct rtc_jsep *jsep)
{
	size_t index;

	while (rtc_jsep_take_track_event(jsep, &index))
		if (index >= rtc_jsep_transceiver_count(jsep))
			abort();
	rtc_jsep_take_negotiation_needed(jsep);
}

static void must(int ret)
{
	if (ret != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_jsep_config config = { .bundle_policy = RTC_BUNDLE_POLICY_MAX_BUNDLE };
	struct rtc_jsep_transport transport;
	struct rtc_jsep *jsep = NULL;
	struct rtc_error err;
	char *text, *answer = NULL, *offer = NULL;
	size_t index;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	config.opus_stereo = flags & DIRECTIONS;
	if (rtc_jsep_new(&config, &jsep, &err) < 0)
		abort();
	if (flags & ADD_AUDIO)
		must(rtc_jsep_add_track(jsep, RTC_JSEP_MEDIA_AUDIO, NULL, 0, "a", &index, &err));
	if (flags & ADD_VIDEO)
		must(rtc_jsep_add_transceiver(jsep, RTC_JSEP_MEDIA_VIDEO, RTC_JSEP_SENDONLY, NULL, 0,
					      "v", &index, &err));
	if (flags & ADD_DATA)
		rtc_jsep_add_data_channel(jsep);

	if (rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_OFFER, text, &err) < 0)
		goto out;
	check_transceivers(jsep);
	drain(jsep);
	if (flags & ROLLBACK) {
		must(rtc_jsep_set_remote_description(jsep, RTC_SDP_TYPE_ROLLBACK, NULL, &err));
		check_transceivers(jsep);
		goto out;
	}
	if (flags & SEND_BACK)
		rtc_jsep_add_track(jsep, RTC_JSEP_MEDIA_VIDEO, NULL, 0, "back", &index, &err);
	/* An offer we took is one we can answer. */
	must(rtc_jsep_create_answer(jsep, &answer, &err));
	must(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_ANSWER, answer, &err));
	check_transceivers(jsep);
	rtc_jsep_transport(jsep, &transport);
	drain(jsep);

	if (flags & STOP_FIRST && rtc_jsep_transceiver_count(jsep) > 0)
		must(rtc_jsep_stop_transceiver(jsep, 0, &err));
	if (flags & DIRECTIONS)
		for (size_t i = 0; i < rtc_jsep_transceiver_count(jsep); i++)
			rtc_jsep_set_direction(jsep, i, (enum rtc_jsep_direction)(i % 4), &err);
	if (flags & REOFFER) {
		must(rtc_jsep_create_offer(jsep, NULL, &offer, &err));
		must(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_OFFER, offer, &err));
		check_transceivers(jsep);
		must(rtc_jsep_set_local_description(jsep, RTC_SDP_TYPE_ROLLBACK, NULL, &err));
		check_transceivers(jsep);
	}
out:
	drain(jsep);
	free(offer);
	free(answer);
	free(text);
	rtc_jsep_free(jsep);
	return 0;
}
