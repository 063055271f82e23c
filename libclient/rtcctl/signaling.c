/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl offer / answer: manual signalling with a peer outside rtcd.
 *
 * Standard output carries what a script needs: the local SDP, ended by an
 * empty line, then "Property: value" lines once the remote SDP is applied.
 * Progress and events go to standard error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtcctl.h"

#define SETTLE_MS 100

struct session {
	rtc_peer_connection *pc;
	rtc_data_channel *channel;   /* ours (offer) or the remote's (answer) */
	bool gathered;
	bool open;
};

static void on_event(rtc_client *client, const struct rtc_event *event, void *userdata)
{
	struct session *s = userdata;

	rtcctl_print_event(stderr, event);
	if (event->type == RTC_EVENT_PROPERTY_CHANGED && event->value &&
	    strcmp(event->property, "IceGatheringState") == 0)
		s->gathered = strcmp(event->value, "complete") == 0;
	else if (event->type == RTC_EVENT_DATA_CHANNEL && !s->channel)
		s->channel = rtc_data_channel_ref(event->data_channel);
	else if (event->type == RTC_EVENT_OPEN)
		s->open = true;
}

static int fail(const char *what, rtc_error *error)
{
	int ret = rtcctl_fail(what, error);

	rtc_error_clear(error);
	return ret;
}

static void print_state(rtc_peer_connection *pc, const char *name,
			char *(*get)(rtc_peer_connection *, rtc_error *))
{
	rtc_error error = RTC_ERROR_INIT;
	char *value = get(pc, &error);

	if (value)
		printf("%s: %s\n", name, value);
	else
		rtcctl_fail(name, &error);
	free(value);
	rtc_error_clear(&error);
}

static void print_states(struct session *s)
{
	print_state(s->pc, "SignalingState", rtc_peer_connection_get_signaling_state);
	print_state(s->pc, "IceGatheringState", rtc_peer_connection_get_ice_gathering_state);
	print_state(s->pc, "IceConnectionState", rtc_peer_connection_get_ice_connection_state);
	print_state(s->pc, "ConnectionState", rtc_peer_connection_get_connection_state);
	if (s->channel) {
		rtc_error error = RTC_ERROR_INIT;
		char *state = rtc_data_channel_get_ready_state(s->channel, &error);

		if (state)
			printf("DataChannel: %s %s\n", rtc_data_channel_get_path(s->channel), state);
		else
			rtcctl_fail("ReadyState", &error);
		free(state);
		rtc_error_clear(&error);
	}
	fflush(stdout);
}

static int wait_open(rtc_client *client, struct session *s, unsigned long wait_s)
{
	if (wait_s == 0)
		return RTCCTL_OK;
	fprintf(stderr, "rtcctl: waiting up to %lu s for the data channel to open\n", wait_s);
	if (!rtcctl_wait_for(client, &s->open, (int)wait_s * 1000)) {
		fprintf(stderr, "rtcctl: the data channel did not open within %lu s\n", wait_s);
		return RTCCTL_FAILED;
	}
	print_states(s);
	return RTCCTL_OK;
}

static void session_clear(struct session *s)
{
	rtc_data_channel_unref(s->channel);
	rtc_peer_connection_unref(s->pc);
}

/* Options shared by offer and answer; returns -1 to go on, else an exit code. */
static int parse_options(int argc, char **argv, bool with_label, const char **label,
			 unsigned long *wait_s)
{
	static const struct option options[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "l:w:h", options, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (!with_label)
				return rtcctl_usage_error("answer takes no --label");
			*label = optarg;
			break;
		case 'w':
			if (!rtcctl_parse_uint(optarg, 3600, wait_s))
				return rtcctl_usage_error("--wait needs 0..3600 seconds");
			break;
		case 'h':
			puts(with_label ? "Usage: rtcctl offer [--label LABEL] [--wait SECONDS]"
					: "Usage: rtcctl answer [--wait SECONDS]");
			return RTCCTL_OK;
		default:
			fputs("Try 'rtcctl --help'.\n", stderr);
			return RTCCTL_USAGE;
		}
	}
	if (optind != argc)
		return rtcctl_usage_error("%s takes no arguments", argv[0]);
	return -1;
}

int rtcctl_offer(rtc_client *client, int argc, char **argv)
{
	rtc_error error = RTC_ERROR_INIT;
	struct session s = {};
	const char *label = "rtcctl";
	unsigned long wait_s = 0;
	char *sdp = NULL;
	int ret = parse_options(argc, argv, true, &label, &wait_s);

	if (ret >= 0)
		return ret;
	rtc_client_set_event_callback(client, on_event, &s);

	s.pc = rtc_client_create_peer_connection(client, NULL, &error);
	if (!s.pc) {
		ret = fail("CreatePeerConnection", &error);
		goto out;
	}
	rtc_peer_connection_set_user_data(s.pc, "local");
	s.channel = rtc_peer_connection_create_data_channel(s.pc, label, NULL, &error);
	if (!s.channel) {
		ret = fail("CreateDataChannel", &error);
		goto out;
	}
	rtc_data_channel_set_user_data(s.channel, (void *)label);
	if (rtc_peer_connection_create_offer(s.pc, NULL, &sdp, &error) < 0) {
		ret = fail("CreateOffer", &error);
		goto out;
	}
	if (rtc_peer_connection_set_local_description(s.pc, "offer", sdp, &error) < 0) {
		ret = fail("SetLocalDescription", &error);
		goto out;
	}
	free(sdp);
	sdp = NULL;
	ret = rtcctl_write_local_description(client, s.pc, &s.gathered, stdout);
	if (ret != RTCCTL_OK)
		goto out;

	fputs("rtcctl: paste the answer, then end it with Ctrl-D\n", stderr);
	sdp = rtcctl_read_sdp(stdin, "standard input");
	if (!sdp) {
		ret = RTCCTL_FAILED;
		goto out;
	}
	if (rtc_peer_connection_set_remote_description(s.pc, "answer", sdp, &error) < 0) {
		ret = fail("SetRemoteDescription", &error);
		goto out;
	}
	rtcctl_settle(client, SETTLE_MS);
	print_states(&s);
	ret = wait_open(client, &s, wait_s);
out:
	free(sdp);
	rtc_client_set_event_callback(client, NULL, NULL);
	session_clear(&s);
	return ret;
}

int rtcctl_answer(rtc_client *client, int argc, char **argv)
{
	rtc_error error = RTC_ERROR_INIT;
	struct session s = {};
	const char *label = NULL;
	unsigned long wait_s = 0;
	char *offer = NULL, *answer = NULL;
	int ret = parse_options(argc, argv, false, &label, &wait_s);

	if (ret >= 0)
		return ret;
	offer = rtcctl_read_sdp(stdin, "standard input");
	if (!offer)
		return RTCCTL_FAILED;
	rtc_client_set_event_callback(client, on_event, &s);

	s.pc = rtc_client_create_peer_connection(client, NULL, &error);
	if (!s.pc) {
		ret = fail("CreatePeerConnection", &error);
		goto out;
	}
	rtc_peer_connection_set_user_data(s.pc, "local");
	if (rtc_peer_connection_set_remote_description(s.pc, "offer", offer, &error) < 0) {
		ret = fail("SetRemoteDescription", &error);
		goto out;
	}
	if (rtc_peer_connection_create_answer(s.pc, &answer, &error) < 0) {
		ret = fail("CreateAnswer", &error);
		goto out;
	}
	if (rtc_peer_connection_set_local_description(s.pc, "answer", answer, &error) < 0) {
		ret = fail("SetLocalDescription", &error);
		goto out;
	}
	ret = rtcctl_write_local_description(client, s.pc, &s.gathered, stdout);
	if (ret != RTCCTL_OK)
		goto out;
	rtcctl_settle(client, SETTLE_MS);
	print_states(&s);
	ret = wait_open(client, &s, wait_s);
out:
	free(offer);
	free(answer);
	rtc_client_set_event_callback(client, NULL, NULL);
	session_clear(&s);
	return ret;
}
