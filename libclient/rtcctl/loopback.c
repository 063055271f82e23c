/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl loopback: the demo. Two peer connections in this one client,
 * offer/answer between them through the daemon, every step printed as the
 * daemon reports it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtcctl.h"

#define MAX_CHANNELS 64
/* How long a step's events may take to arrive before the next step. */
#define SETTLE_MS 100

struct loopback {
	rtc_peer_connection *offerer, *answerer;
	rtc_data_channel *channels[MAX_CHANNELS];
	char *labels[MAX_CHANNELS];
	unsigned long n_channels;
	unsigned long opened;     /* Open events, both sides */
	bool all_open;
};

static void on_event(rtc_client *client, const struct rtc_event *event, void *userdata)
{
	struct loopback *lb = userdata;

	rtcctl_print_event(stdout, event);
	if (event->type == RTC_EVENT_OPEN && ++lb->opened == 2 * lb->n_channels)
		lb->all_open = true;
}

static void step(const char *what)
{
	printf("== %s\n", what);
	fflush(stdout);
}

static int fail(const char *what, rtc_error *error)
{
	int ret = rtcctl_fail(what, error);

	rtc_error_clear(error);
	return ret;
}

/* Creates, prints and applies one side's description. */
static int describe(rtc_client *client, rtc_peer_connection *pc, const char *side,
		    const char *type, char **sdp, rtc_error *error)
{
	char title[64];
	int r;

	snprintf(title, sizeof(title), "%s: create %s", side, type);
	step(title);
	r = strcmp(type, "offer") == 0
		    ? rtc_peer_connection_create_offer(pc, NULL, sdp, error)
		    : rtc_peer_connection_create_answer(pc, sdp, error);
	if (r < 0)
		return fail(strcmp(type, "offer") == 0 ? "CreateOffer" : "CreateAnswer", error);
	rtcctl_print_sdp(stdout, "   ", *sdp);

	snprintf(title, sizeof(title), "%s: set local description (%s)", side, type);
	step(title);
	if (rtc_peer_connection_set_local_description(pc, type, *sdp, error) < 0)
		return fail("SetLocalDescription", error);
	rtcctl_settle(client, SETTLE_MS);
	return RTCCTL_OK;
}

static int apply_remote(rtc_client *client, rtc_peer_connection *pc, const char *side,
			const char *type, const char *sdp, rtc_error *error)
{
	char title[64];

	snprintf(title, sizeof(title), "%s: set remote description (%s)", side, type);
	step(title);
	if (rtc_peer_connection_set_remote_description(pc, type, sdp, error) < 0)
		return fail("SetRemoteDescription", error);
	rtcctl_settle(client, SETTLE_MS);
	return RTCCTL_OK;
}

static void print_channel(rtc_data_channel *dc)
{
	rtc_error error = RTC_ERROR_INIT;
	char *label = rtc_data_channel_get_label(dc, &error);
	char *state = label ? rtc_data_channel_get_ready_state(dc, &error) : NULL;
	uint16_t id = 0;
	bool ordered = false;

	if (!state || rtc_data_channel_get_id(dc, &id, &error) < 0 ||
	    rtc_data_channel_get_ordered(dc, &ordered, &error) < 0) {
		rtcctl_fail(rtc_data_channel_get_path(dc), &error);
	} else {
		char id_text[8] = "unset";   /* W3C: null until the DTLS role is known */

		if (id != 0xffff)
			snprintf(id_text, sizeof(id_text), "%u", (unsigned)id);
		printf("   channel %s label=%s id=%s ordered=%s ready-state=%s\n",
		       rtc_data_channel_get_path(dc), label, id_text,
		       ordered ? "true" : "false", state);
	}
	rtc_error_clear(&error);
	free(label);
	free(state);
}

static int negotiate(rtc_client *client, struct loopback *lb, const char *label)
{
	rtc_error error = RTC_ERROR_INIT;
	char *offer = NULL, *answer = NULL;
	int ret;

	step("create peer connections");
	lb->offerer = rtc_client_create_peer_connection(client, NULL, &error);
	if (!lb->offerer)
		return fail("CreatePeerConnection", &error);
	rtc_peer_connection_set_user_data(lb->offerer, "offerer");
	lb->answerer = rtc_client_create_peer_connection(client, NULL, &error);
	if (!lb->answerer)
		return fail("CreatePeerConnection", &error);
	rtc_peer_connection_set_user_data(lb->answerer, "answerer");
	printf("   offerer  %s\n   answerer %s\n", rtc_peer_connection_get_path(lb->offerer),
	       rtc_peer_connection_get_path(lb->answerer));

	step("offerer: create data channels");
	for (unsigned long i = 0; i < lb->n_channels; i++) {
		if (lb->n_channels == 1)
			lb->labels[i] = strdup(label);
		else if (asprintf(&lb->labels[i], "%s-%lu", label, i + 1) < 0)
			lb->labels[i] = NULL;
		if (!lb->labels[i]) {
			fputs("rtcctl: out of memory\n", stderr);
			return RTCCTL_FAILED;
		}
		lb->channels[i] = rtc_peer_connection_create_data_channel(lb->offerer,
									  lb->labels[i], NULL,
									  &error);
		if (!lb->channels[i])
			return fail("CreateDataChannel", &error);
		rtc_data_channel_set_user_data(lb->channels[i], lb->labels[i]);
		printf("   %s %s\n", lb->labels[i], rtc_data_channel_get_path(lb->channels[i]));
	}
	rtcctl_settle(client, SETTLE_MS);

	ret = describe(client, lb->offerer, "offerer", "offer", &offer, &error);
	if (ret == RTCCTL_OK)
		ret = apply_remote(client, lb->answerer, "answerer", "offer", offer, &error);
	if (ret == RTCCTL_OK)
		ret = describe(client, lb->answerer, "answerer", "answer", &answer, &error);
	if (ret == RTCCTL_OK)
		ret = apply_remote(client, lb->offerer, "offerer", "answer", answer, &error);
	if (ret == RTCCTL_OK) {
		step("negotiated data channel session (from the answer)");
		rtcctl_print_data_session("   ", answer);
		for (unsigned long i = 0; i < lb->n_channels; i++)
			print_channel(lb->channels[i]);
	}
	free(offer);
	free(answer);
	return ret;
}

static void loopback_clear(struct loopback *lb)
{
	for (unsigned long i = 0; i < lb->n_channels; i++) {
		rtc_data_channel_unref(lb->channels[i]);
		free(lb->labels[i]);
	}
	/* Closing is polite; the daemon would free them when we leave anyway. */
	if (lb->offerer)
		rtc_peer_connection_close(lb->offerer, NULL);
	if (lb->answerer)
		rtc_peer_connection_close(lb->answerer, NULL);
	rtc_peer_connection_unref(lb->offerer);
	rtc_peer_connection_unref(lb->answerer);
}

int rtcctl_loopback(rtc_client *client, int argc, char **argv)
{
	static const struct option options[] = {
		{ "channels", required_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct loopback lb = { .n_channels = 1 };
	const char *label = "rtcctl";
	unsigned long wait_s = 0;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "n:l:w:h", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (!rtcctl_parse_uint(optarg, MAX_CHANNELS, &lb.n_channels) ||
			    lb.n_channels == 0)
				return rtcctl_usage_error("--channels needs 1..%d", MAX_CHANNELS);
			break;
		case 'l':
			label = optarg;
			break;
		case 'w':
			if (!rtcctl_parse_uint(optarg, 3600, &wait_s))
				return rtcctl_usage_error("--wait needs 0..3600 seconds");
			break;
		case 'h':
			puts("Usage: rtcctl loopback [--channels N] [--label LABEL] [--wait SECONDS]");
			return RTCCTL_OK;
		default:
			fputs("Try 'rtcctl --help'.\n", stderr);
			return RTCCTL_USAGE;
		}
	}
	if (optind != argc)
		return rtcctl_usage_error("loopback takes no arguments");

	rtc_client_set_event_callback(client, on_event, &lb);
	ret = negotiate(client, &lb, label);
	if (ret == RTCCTL_OK && wait_s > 0) {
		step("waiting for the channels to open");
		if (!rtcctl_wait_for(client, &lb.all_open, (int)wait_s * 1000)) {
			fprintf(stderr, "rtcctl: %lu of %lu channel ends opened within %lu s\n",
				lb.opened, 2 * lb.n_channels, wait_s);
			ret = RTCCTL_FAILED;
		}
	}
	rtc_client_set_event_callback(client, NULL, NULL);
	loopback_clear(&lb);
	return ret;
}
