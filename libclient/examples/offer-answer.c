/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Example: two peer connections negotiate a data channel through rtcd, with
 * events handled from the application's own poll() loop.
 *
 *   cc offer-answer.c $(pkg-config --cflags --libs rtc-client)
 *
 * Error handling is complete but brief: every failing call prints the
 * daemon's error name and message.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rtc/client.h>

static void on_event(rtc_client *client, const struct rtc_event *event, void *userdata)
{
	const char *who = event->peer_connection
				  ? rtc_peer_connection_get_user_data(event->peer_connection)
				  : NULL;

	if (event->type == RTC_EVENT_PROPERTY_CHANGED &&
	    strcmp(event->property, "SignalingState") == 0)
		printf("%s: signaling state is now %s\n", who ? who : event->path, event->value);
	else if (event->type == RTC_EVENT_NEGOTIATION_NEEDED)
		printf("%s: negotiation needed\n", who ? who : event->path);
	else if (event->type == RTC_EVENT_DATA_CHANNEL)
		printf("%s: the remote side opened %s\n", who ? who : event->path,
		       rtc_data_channel_get_path(event->data_channel));
}

/* Runs the application's loop until nothing happens for 100 ms. */
static void run_loop_briefly(rtc_client *client)
{
	struct pollfd pfd = { .fd = rtc_client_get_fd(client), .events = POLLIN };

	while (poll(&pfd, 1, 100) > 0)
		if (rtc_client_dispatch(client, NULL) < 0)
			break;
}

static int check(int ok, const char *what, rtc_error *error)
{
	if (!ok) {
		fprintf(stderr, "%s failed: %s (%s)\n", what, error->message, error->name);
		rtc_error_clear(error);
	}
	return ok;
}

int main(void)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_peer_connection *alice = NULL, *bob = NULL;
	rtc_data_channel *chat = NULL;
	char *offer = NULL, *answer = NULL;
	int status = EXIT_FAILURE;

	/* $RTCD_BUS_ADDRESS, else the session bus. */
	rtc_client *client = rtc_client_new(RTC_BUS_DEFAULT, NULL, &error);
	if (!check(client != NULL, "connecting", &error))
		return EXIT_FAILURE;
	rtc_client_set_event_callback(client, on_event, NULL);

	alice = rtc_client_create_peer_connection(client, NULL, &error);
	if (!check(alice != NULL, "CreatePeerConnection", &error))
		goto out;
	rtc_peer_connection_set_user_data(alice, "alice");
	bob = rtc_client_create_peer_connection(client, NULL, &error);
	if (!check(bob != NULL, "CreatePeerConnection", &error))
		goto out;
	rtc_peer_connection_set_user_data(bob, "bob");

	struct rtc_data_channel_init init = RTC_DATA_CHANNEL_INIT_DEFAULT;
	init.protocol = "chat";
	chat = rtc_peer_connection_create_data_channel(alice, "chat", &init, &error);
	if (!check(chat != NULL, "CreateDataChannel", &error))
		goto out;
	run_loop_briefly(client);

	if (!check(rtc_peer_connection_create_offer(alice, NULL, &offer, &error) == 0,
		   "CreateOffer", &error) ||
	    !check(rtc_peer_connection_set_local_description(alice, "offer", offer, &error) == 0,
		   "SetLocalDescription", &error) ||
	    !check(rtc_peer_connection_set_remote_description(bob, "offer", offer, &error) == 0,
		   "SetRemoteDescription", &error) ||
	    !check(rtc_peer_connection_create_answer(bob, &answer, &error) == 0,
		   "CreateAnswer", &error) ||
	    !check(rtc_peer_connection_set_local_description(bob, "answer", answer, &error) == 0,
		   "SetLocalDescription", &error) ||
	    !check(rtc_peer_connection_set_remote_description(alice, "answer", answer,
							      &error) == 0,
		   "SetRemoteDescription", &error))
		goto out;
	run_loop_briefly(client);
	printf("negotiated; alice's offer was %zu bytes, bob's answer %zu bytes\n",
	       strlen(offer), strlen(answer));
	status = EXIT_SUCCESS;
out:
	free(offer);
	free(answer);
	rtc_data_channel_unref(chat);
	rtc_peer_connection_unref(alice);
	rtc_peer_connection_unref(bob);
	/* The daemon frees our objects when the connection goes. */
	rtc_client_unref(client);
	return status;
}
