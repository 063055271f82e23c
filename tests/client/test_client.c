/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * librtc-client against the real rtcd, run by
 * tests/integration/run-with-daemon.sh (which exports RTCD_BUS_ADDRESS).
 * Events are received the way an application would: poll() on
 * rtc_client_get_fd(), then rtc_client_dispatch().
 */
#include <dbus/dbus.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rtc/client.h>
#include "check.h"

#define MAX_EVENTS 256

/* What the event callback saw, flattened to strings we can search. */
struct recorder {
	char *lines[MAX_EVENTS];
	size_t count;
};

static rtc_client *client;
static struct recorder recorder;

static void record(rtc_client *c, const struct rtc_event *event, void *userdata)
{
	struct recorder *r = userdata;
	const char *path = event->path ? event->path : "-";
	char *line = NULL;
	int n;

	CHECK(c == client);
	if (r->count == MAX_EVENTS)
		return;
	switch (event->type) {
	case RTC_EVENT_PROPERTY_CHANGED:
		n = asprintf(&line, "%s %s=%s", path, event->property,
			     event->value ? event->value : "(invalidated)");
		CHECK(event->peer_connection || event->data_channel);
		break;
	case RTC_EVENT_NEGOTIATION_NEEDED:
		n = asprintf(&line, "%s negotiation-needed", path);
		CHECK(event->peer_connection != NULL);
		break;
	case RTC_EVENT_DATA_CHANNEL:
		n = asprintf(&line, "%s data-channel %s", path,
			     rtc_data_channel_get_path(event->data_channel));
		break;
	default:
		n = asprintf(&line, "%s event-%d", path, (int)event->type);
	}
	if (n >= 0)
		r->lines[r->count++] = line;
}

static void recorder_reset(void)
{
	for (size_t i = 0; i < recorder.count; i++)
		free(recorder.lines[i]);
	recorder.count = 0;
}

static bool recorded(const char *line)
{
	for (size_t i = 0; i < recorder.count; i++)
		if (strcmp(recorder.lines[i], line) == 0)
			return true;
	return false;
}

/* Index of the first recorded line equal to `line`, or -1. */
static long recorded_at(const char *line)
{
	for (size_t i = 0; i < recorder.count; i++)
		if (strcmp(recorder.lines[i], line) == 0)
			return (long)i;
	return -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The application's loop: poll the client's fd, dispatch, until `line` was
 * recorded or two seconds passed. */
static bool wait_for(const char *line)
{
	struct pollfd pfd = { .fd = rtc_client_get_fd(client), .events = POLLIN };
	long long deadline = now_ms() + 2000;

	while (!recorded(line)) {
		long long left = deadline - now_ms();

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) > 0)
			CHECK_INTEQ(rtc_client_dispatch(client, NULL), 0);
	}
	if (!recorded(line)) {
		printf("# no event \"%s\"; recorded:\n", line);
		for (size_t i = 0; i < recorder.count; i++)
			printf("#   %s\n", recorder.lines[i]);
	}
	return recorded(line);
}

/* Lets pending events in without waiting for any in particular. */
static void drain(int ms)
{
	while (rtc_client_wait(client, ms, NULL) > 0)
		;
}

static void test_connect(void)
{
	rtc_error error = RTC_ERROR_INIT;
	char *version = rtc_client_get_version(client, &error);

	CHECK(version != NULL);
	CHECK(version && *version);
	CHECK(!rtc_error_is_set(&error));
	CHECK(rtc_client_get_fd(client) >= 0);
	CHECK(rtc_client_get_unique_name(client) != NULL);
	free(version);
}

static void test_bad_bus_address(void)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_client *c = rtc_client_new(RTC_BUS_ADDRESS, "unix:path=/nonexistent/rtcd-test", &error);

	CHECK(c == NULL);
	CHECK(rtc_error_is_set(&error));
	CHECK(error.message != NULL);
	rtc_error_clear(&error);
	CHECK(!rtc_error_is_set(&error));

	c = rtc_client_new(RTC_BUS_ADDRESS, NULL, &error);
	CHECK(c == NULL);
	CHECK(rtc_error_has_name(&error, DBUS_ERROR_INVALID_ARGS));
	rtc_error_clear(&error);
}

static void test_peer_connection_properties(void)
{
	rtc_error error = RTC_ERROR_INIT;
	struct rtc_configuration cfg = RTC_CONFIGURATION_INIT;
	rtc_peer_connection *pc;
	char *s, *type = NULL, *sdp = NULL;
	char **channels;
	bool trickle = false;

	cfg.bundle_policy = "max-bundle";
	pc = rtc_client_create_peer_connection(client, &cfg, &error);
	CHECK(pc != NULL);
	if (!pc) {
		printf("# %s: %s\n", error.name, error.message);
		rtc_error_clear(&error);
		return;
	}
	CHECK(strncmp(rtc_peer_connection_get_path(pc), "/org/rtcd/WebRTC1/pc/", 21) == 0);
	CHECK(rtc_peer_connection_get_client(pc) == client);

	s = rtc_peer_connection_get_signaling_state(pc, &error);
	CHECK_STREQ(s, "stable");
	free(s);
	s = rtc_peer_connection_get_ice_gathering_state(pc, &error);
	CHECK_STREQ(s, "new");
	free(s);
	s = rtc_peer_connection_get_ice_connection_state(pc, &error);
	CHECK_STREQ(s, "new");
	free(s);
	s = rtc_peer_connection_get_connection_state(pc, &error);
	CHECK_STREQ(s, "new");
	free(s);
	CHECK_INTEQ(rtc_peer_connection_get_can_trickle_ice_candidates(pc, &trickle, &error), 0);
	if (rtc_error_is_set(&error))
		printf("# %s: %s\n", error.name, error.message);
	CHECK_INTEQ(rtc_peer_connection_get_local_description(pc, &type, &sdp, &error), 0);
	CHECK_STREQ(type, "");
	CHECK_STREQ(sdp, "");
	free(type);
	free(sdp);
	channels = rtc_peer_connection_get_data_channel_paths(pc, &error);
	CHECK(channels != NULL);
	CHECK(channels && channels[0] == NULL);
	rtc_strv_free(channels);
	CHECK(!rtc_error_is_set(&error));
	rtc_error_clear(&error);

	/* A wrong option type is the daemon's TypeError. */
	cfg.bundle_policy = "no-such-policy";
	CHECK(rtc_client_create_peer_connection(client, &cfg, &error) == NULL);
	CHECK(rtc_error_is_set(&error));
	rtc_error_clear(&error);

	CHECK_INTEQ(rtc_peer_connection_close(pc, &error), 0);
	rtc_peer_connection_unref(pc);
}

static void test_data_channel(void)
{
	rtc_error error = RTC_ERROR_INIT;
	struct rtc_data_channel_init init = RTC_DATA_CHANNEL_INIT_DEFAULT;
	rtc_peer_connection *pc = rtc_client_create_peer_connection(client, NULL, &error);
	rtc_data_channel *dc, *again;
	char **channels, *s, line[256];
	bool ordered = true, negotiated = true;
	uint16_t retransmits = 0, lifetime = 0;
	uint64_t buffered = 1;

	CHECK(pc != NULL);
	if (!pc)
		return;
	recorder_reset();
	init.ordered = false;
	init.max_retransmits = 3;
	init.protocol = "chat/1";
	dc = rtc_peer_connection_create_data_channel(pc, "chat", &init, &error);
	CHECK(dc != NULL);
	if (!dc) {
		printf("# %s: %s\n", error.name, error.message);
		rtc_error_clear(&error);
		rtc_peer_connection_unref(pc);
		return;
	}
	CHECK(rtc_data_channel_get_client(dc) == client);

	s = rtc_data_channel_get_label(dc, &error);
	CHECK_STREQ(s, "chat");
	free(s);
	s = rtc_data_channel_get_protocol(dc, &error);
	CHECK_STREQ(s, "chat/1");
	free(s);
	s = rtc_data_channel_get_ready_state(dc, &error);
	CHECK_STREQ(s, "connecting");
	free(s);
	CHECK_INTEQ(rtc_data_channel_get_ordered(dc, &ordered, &error), 0);
	CHECK(!ordered);
	CHECK_INTEQ(rtc_data_channel_get_negotiated(dc, &negotiated, &error), 0);
	CHECK(!negotiated);
	CHECK_INTEQ(rtc_data_channel_get_max_retransmits(dc, &retransmits, &error), 0);
	CHECK_INTEQ(retransmits, 3);
	CHECK_INTEQ(rtc_data_channel_get_max_packet_life_time(dc, &lifetime, &error), 0);
	CHECK_INTEQ(lifetime, 0xffff);
	CHECK_INTEQ(rtc_data_channel_get_buffered_amount(dc, &buffered, &error), 0);
	CHECK_INTEQ(buffered, 0);
	CHECK(!rtc_error_is_set(&error));
	rtc_error_clear(&error);

	channels = rtc_peer_connection_get_data_channel_paths(pc, &error);
	CHECK(channels && channels[0] && !channels[1]);
	CHECK_STREQ(channels ? channels[0] : NULL, rtc_data_channel_get_path(dc));
	rtc_strv_free(channels);

	/* The same path gives the same handle, so events find its user data. */
	again = rtc_client_get_data_channel(client, rtc_data_channel_get_path(dc), &error);
	CHECK(again == dc);
	rtc_data_channel_unref(again);

	/* W3C: the first data channel makes negotiation needed. */
	snprintf(line, sizeof(line), "%s negotiation-needed", rtc_peer_connection_get_path(pc));
	CHECK(wait_for(line));

	/* Out-of-range init values are caught before the call. */
	init = (struct rtc_data_channel_init)RTC_DATA_CHANNEL_INIT_DEFAULT;
	init.id = 70000;
	CHECK(rtc_peer_connection_create_data_channel(pc, "x", &init, &error) == NULL);
	CHECK(rtc_error_has_name(&error, DBUS_ERROR_INVALID_ARGS));
	rtc_error_clear(&error);
	init.id = -1;
	init.size = 0;   /* not made with the INIT macro */
	CHECK(rtc_peer_connection_create_data_channel(pc, "x", &init, &error) == NULL);
	CHECK(rtc_error_has_name(&error, DBUS_ERROR_INVALID_ARGS));
	rtc_error_clear(&error);
	CHECK(rtc_peer_connection_create_data_channel(pc, "\xff", NULL, &error) == NULL);
	CHECK(rtc_error_has_name(&error, DBUS_ERROR_INVALID_ARGS));
	rtc_error_clear(&error);

	CHECK_INTEQ(rtc_data_channel_close(dc, &error), 0);
	rtc_error_clear(&error);
	rtc_data_channel_unref(dc);
	CHECK_INTEQ(rtc_peer_connection_close(pc, &error), 0);
	rtc_peer_connection_unref(pc);
}

static void expect_state_event(rtc_peer_connection *pc, const char *state)
{
	char line[256];

	snprintf(line, sizeof(line), "%s SignalingState=%s", rtc_peer_connection_get_path(pc),
		 state);
	CHECK(wait_for(line));
}

static void test_offer_answer(void)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_peer_connection *a = rtc_client_create_peer_connection(client, NULL, &error);
	rtc_peer_connection *b = rtc_client_create_peer_connection(client, NULL, &error);
	rtc_data_channel *dc = NULL;
	char *offer = NULL, *answer = NULL, *type = NULL, *sdp = NULL, *state;
	char first[256], second[256];

	CHECK(a && b);
	if (!a || !b)
		goto out;
	dc = rtc_peer_connection_create_data_channel(a, "loop", NULL, &error);
	CHECK(dc != NULL);
	drain(50);
	recorder_reset();

	CHECK_INTEQ(rtc_peer_connection_create_offer(a, NULL, &offer, &error), 0);
	CHECK(offer && strncmp(offer, "v=0\r\n", 5) == 0);
	CHECK(offer && strstr(offer, "m=application") != NULL);
	CHECK_INTEQ(rtc_peer_connection_set_local_description(a, "offer", offer, &error), 0);
	expect_state_event(a, "have-local-offer");

	CHECK_INTEQ(rtc_peer_connection_set_remote_description(b, "offer", offer, &error), 0);
	expect_state_event(b, "have-remote-offer");
	CHECK_INTEQ(rtc_peer_connection_create_answer(b, &answer, &error), 0);
	CHECK(answer && strstr(answer, "m=application") != NULL);
	CHECK_INTEQ(rtc_peer_connection_set_local_description(b, "answer", answer, &error), 0);
	expect_state_event(b, "stable");
	CHECK_INTEQ(rtc_peer_connection_set_remote_description(a, "answer", answer, &error), 0);
	expect_state_event(a, "stable");
	if (rtc_error_is_set(&error))
		printf("# %s: %s\n", error.name, error.message);
	rtc_error_clear(&error);

	/* The callbacks saw the states in the order they happened. */
	snprintf(first, sizeof(first), "%s SignalingState=have-local-offer",
		 rtc_peer_connection_get_path(a));
	snprintf(second, sizeof(second), "%s SignalingState=stable",
		 rtc_peer_connection_get_path(a));
	CHECK(recorded_at(first) >= 0 && recorded_at(first) < recorded_at(second));

	state = rtc_peer_connection_get_signaling_state(a, &error);
	CHECK_STREQ(state, "stable");
	free(state);
	CHECK_INTEQ(rtc_peer_connection_get_local_description(a, &type, &sdp, &error), 0);
	CHECK_STREQ(type, "offer");
	CHECK(sdp && strncmp(sdp, "v=0\r\n", 5) == 0);
	free(type);
	free(sdp);
	CHECK_INTEQ(rtc_peer_connection_get_remote_description(a, &type, &sdp, &error), 0);
	CHECK_STREQ(type, "answer");
	free(type);
	free(sdp);

	/* An answer in "stable" is out of order. */
	CHECK_INTEQ(rtc_peer_connection_set_remote_description(a, "answer", answer, &error), -1);
	CHECK_STREQ(error.name, RTC_ERROR_INVALID_STATE);
	CHECK(error.message && *error.message);
	rtc_error_clear(&error);
out:
	free(offer);
	free(answer);
	rtc_data_channel_unref(dc);
	if (a)
		rtc_peer_connection_close(a, NULL);
	if (b)
		rtc_peer_connection_close(b, NULL);
	rtc_peer_connection_unref(a);
	rtc_peer_connection_unref(b);
}

static void test_errors(void)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_peer_connection *pc = rtc_client_create_peer_connection(client, NULL, &error);

	CHECK(pc != NULL);
	if (!pc)
		return;
	CHECK_INTEQ(rtc_peer_connection_set_remote_description(pc, "offer", "this is not sdp",
							       &error), -1);
	CHECK_STREQ(error.name, RTC_ERROR_SYNTAX);
	CHECK(error.message && *error.message);
	rtc_error_clear(&error);

	CHECK_INTEQ(rtc_peer_connection_set_remote_description(pc, "offer", "v=0\xc3", &error),
		    -1);
	CHECK(rtc_error_has_name(&error, DBUS_ERROR_INVALID_ARGS));
	rtc_error_clear(&error);

	CHECK(rtc_client_get_peer_connection(client, "/org/rtcd/WebRTC1/pc/01", &error) == NULL);
	CHECK(rtc_error_has_name(&error, DBUS_ERROR_INVALID_ARGS));
	rtc_error_clear(&error);
	CHECK(rtc_client_get_data_channel(client, "/org/rtcd/WebRTC1/pc/1", &error) == NULL);
	CHECK(rtc_error_has_name(&error, DBUS_ERROR_INVALID_ARGS));
	rtc_error_clear(&error);

	/* Closing removes the object: calls on it fail from then on. */
	CHECK_INTEQ(rtc_peer_connection_close(pc, &error), 0);
	char *state = rtc_peer_connection_get_signaling_state(pc, &error);
	CHECK(state == NULL);
	CHECK(rtc_error_is_set(&error));
	free(state);
	rtc_error_clear(&error);
	rtc_peer_connection_unref(pc);
}

static bool list_has(const rtc_object_list *list, const char *path, const char *interface)
{
	for (size_t i = 0; i < rtc_object_list_count(list); i++) {
		if (strcmp(rtc_object_list_path(list, i), path) != 0)
			continue;
		for (size_t j = 0; j < rtc_object_list_interface_count(list, i); j++)
			if (strcmp(rtc_object_list_interface(list, i, j), interface) == 0)
				return true;
	}
	return false;
}

static void test_inspection(void)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_peer_connection *pc = rtc_client_create_peer_connection(client, NULL, &error);
	rtc_data_channel *dc = pc ? rtc_peer_connection_create_data_channel(pc, "i", NULL, &error)
				  : NULL;
	rtc_object_list *list;
	rtc_stats_report *report;
	const char *s = NULL;

	CHECK(pc && dc);
	if (!pc || !dc)
		goto out;

	list = rtc_client_list_objects(client, &error);
	CHECK(list != NULL);
	CHECK(list_has(list, rtc_peer_connection_get_path(pc), "org.rtcd.WebRTC1.PeerConnection"));
	CHECK(list_has(list, rtc_data_channel_get_path(dc), "org.rtcd.WebRTC1.DataChannel"));
	rtc_object_list_free(list);

	list = rtc_client_inspect_object(client, "/org/rtcd/WebRTC1", &error);
	CHECK(list != NULL);
	CHECK(list_has(list, "/org/rtcd/WebRTC1", "org.rtcd.WebRTC1.Manager"));
	CHECK(rtc_dict_get_string(rtc_object_list_properties(list, 0, 0), "Version", &s));
	rtc_object_list_free(list);

	list = rtc_client_inspect_object(client, rtc_peer_connection_get_path(pc), &error);
	CHECK(list != NULL);
	CHECK_INTEQ(rtc_object_list_interface_count(list, 0), 1);
	s = NULL;
	CHECK(rtc_dict_get_string(rtc_object_list_properties(list, 0, 0), "SignalingState", &s));
	CHECK_STREQ(s, "stable");
	rtc_object_list_free(list);

	report = rtc_peer_connection_get_stats(pc, &error);
	CHECK(report != NULL);
	CHECK(rtc_stats_report_count(report) >= 1);
	for (size_t i = 0; i < rtc_stats_report_count(report); i++) {
		double timestamp;

		CHECK(rtc_dict_get_string(rtc_stats_report_stats(report, i), "type", &s));
		CHECK(rtc_dict_get_double(rtc_stats_report_stats(report, i), "timestamp",
					  &timestamp));
	}
	rtc_stats_report_free(report);

	/* The closed connection leaves the tree with its channel. */
	CHECK_INTEQ(rtc_peer_connection_close(pc, &error), 0);
	list = rtc_client_list_objects(client, &error);
	CHECK(list != NULL);
	CHECK(!list_has(list, rtc_peer_connection_get_path(pc), "org.rtcd.WebRTC1.PeerConnection"));
	CHECK(!list_has(list, rtc_data_channel_get_path(dc), "org.rtcd.WebRTC1.DataChannel"));
	rtc_object_list_free(list);
out:
	if (rtc_error_is_set(&error))
		printf("# %s: %s\n", error.name, error.message);
	rtc_error_clear(&error);
	rtc_data_channel_unref(dc);
	rtc_peer_connection_unref(pc);
}

/* Anyone on the bus can send us a unicast signal; only the daemon's count. */
static void test_forged_signal_ignored(void)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_peer_connection *pc = rtc_client_create_peer_connection(client, NULL, &error);
	DBusConnection *stranger;
	DBusMessage *signal;
	char line[256];

	CHECK(pc != NULL);
	if (!pc)
		return;
	stranger = dbus_connection_open_private(getenv("RTCD_BUS_ADDRESS"), NULL);
	CHECK(stranger && dbus_bus_register(stranger, NULL));
	if (!stranger)
		goto out;
	signal = dbus_message_new_signal(rtc_peer_connection_get_path(pc),
					 "org.rtcd.WebRTC1.PeerConnection", "NegotiationNeeded");
	dbus_message_set_destination(signal, rtc_client_get_unique_name(client));
	dbus_connection_send(stranger, signal, NULL);
	dbus_connection_flush(stranger);
	dbus_message_unref(signal);

	recorder_reset();
	drain(200);
	snprintf(line, sizeof(line), "%s negotiation-needed", rtc_peer_connection_get_path(pc));
	CHECK(!recorded(line));
	dbus_connection_close(stranger);
	dbus_connection_unref(stranger);
out:
	rtc_peer_connection_close(pc, NULL);
	rtc_peer_connection_unref(pc);
}

int main(void)
{
	rtc_error error = RTC_ERROR_INIT;

	client = rtc_client_new(RTC_BUS_DEFAULT, NULL, &error);
	if (!client) {
		printf("Bail out! cannot connect: %s (%s)\n", error.message, error.name);
		return 1;
	}
	rtc_client_set_timeout(client, 10000);
	rtc_client_set_event_callback(client, record, &recorder);

	RUN(test_connect);
	RUN(test_bad_bus_address);
	RUN(test_peer_connection_properties);
	RUN(test_data_channel);
	RUN(test_offer_answer);
	RUN(test_errors);
	RUN(test_inspection);
	RUN(test_forged_signal_ignored);

	recorder_reset();
	rtc_client_unref(client);
	return rtc_test_done();
}
