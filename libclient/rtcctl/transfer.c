/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session under rtcctl send / receive: signalling through files or
 * FIFOs, the channel's events, and its OpenSocket records.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "transfer.h"

int rtcctl_transfer_option(struct transfer_options *options, int opt, const char *arg)
{
	switch (opt) {
	case TRANSFER_OPT_SDP_IN:
		options->sdp_in = arg;
		return 0;
	case TRANSFER_OPT_SDP_OUT:
		options->sdp_out = arg;
		return 0;
	case TRANSFER_OPT_WAIT:
		if (!rtcctl_parse_uint(arg, 3600, &options->wait_s) || options->wait_s == 0)
			return rtcctl_usage_error("--wait needs 1..3600 seconds");
		return 0;
	case TRANSFER_OPT_VERBOSE:
		options->verbose = true;
		return 0;
	default:
		return -1;
	}
}

void rtcctl_transfer_fail(struct transfer *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->failure, sizeof(t->failure), fmt, ap);
	va_end(ap);
}

static bool is_our_channel(const struct transfer *t, const struct rtc_event *event)
{
	return t->channel && event->path &&
	       strcmp(event->path, rtc_data_channel_get_path(t->channel)) == 0;
}

static void on_event(rtc_client *client, const struct rtc_event *event, void *userdata)
{
	struct transfer *t = userdata;

	(void)client;
	if (t->verbose)
		rtcctl_print_event(stderr, event);
	switch (event->type) {
	case RTC_EVENT_DISCONNECTED:
		rtcctl_transfer_fail(t, "lost the bus: %s", event->error_message);
		break;
	case RTC_EVENT_PROPERTY_CHANGED:
		if (!event->value || event->data_channel)
			break;
		if (strcmp(event->property, "IceGatheringState") == 0)
			t->gathered = strcmp(event->value, "complete") == 0;
		else if (strcmp(event->property, "ConnectionState") == 0 &&
			 (strcmp(event->value, "failed") == 0 || strcmp(event->value, "closed") == 0))
			rtcctl_transfer_fail(t, "the peer connection %s", event->value);
		break;
	case RTC_EVENT_DATA_CHANNEL:
		/* The answerer's channel is the first the offerer opens. */
		if (!t->channel)
			t->channel = rtc_data_channel_ref(event->data_channel);
		break;
	case RTC_EVENT_OPEN:
		if (is_our_channel(t, event))
			t->open = true;
		break;
	case RTC_EVENT_MESSAGE:
		if (is_our_channel(t, event) && t->on_message)
			t->on_message(t, event->binary, event->data, event->size);
		break;
	case RTC_EVENT_CLOSING:
	case RTC_EVENT_CLOSE:
		if (is_our_channel(t, event)) {
			t->closing = true;
			t->closed = t->closed || event->type == RTC_EVENT_CLOSE;
		}
		break;
	case RTC_EVENT_ERROR:
		if (is_our_channel(t, event))
			rtcctl_transfer_fail(t, "the data channel reported %s: %s",
					     event->error_name, event->error_message);
		break;
	default:
		break;
	}
}

void rtcctl_transfer_init(struct transfer *t, rtc_client *client,
			  const struct transfer_options *options)
{
	*t = (struct transfer){ .client = client, .socket = -1, .verbose = options->verbose };
	/* A reader that went away (of the data or of a FIFO) is an error to
	 * report, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	rtc_client_set_event_callback(client, on_event, t);
}

void rtcctl_transfer_clear(struct transfer *t)
{
	rtc_client_set_event_callback(t->client, NULL, NULL);
	if (t->socket >= 0)
		close(t->socket);
	t->socket = -1;
	rtc_data_channel_unref(t->channel);
	rtc_peer_connection_unref(t->pc);
	t->channel = NULL;
	t->pc = NULL;
}

static int fail_call(const char *what, rtc_error *error)
{
	int ret = rtcctl_fail(what, error);

	rtc_error_clear(error);
	return ret;
}

static int create_peer_connection(struct transfer *t)
{
	rtc_error error = RTC_ERROR_INIT;

	t->pc = rtc_client_create_peer_connection(t->client, NULL, &error);
	if (!t->pc)
		return fail_call("CreatePeerConnection", &error);
	rtc_peer_connection_set_user_data(t->pc, "local");
	return RTCCTL_OK;
}

int rtcctl_transfer_offer(struct transfer *t, const char *label,
			  const struct transfer_options *options)
{
	rtc_error error = RTC_ERROR_INIT;
	char *sdp = NULL;
	int ret = create_peer_connection(t);

	if (ret != RTCCTL_OK)
		return ret;
	t->channel = rtc_peer_connection_create_data_channel(t->pc, label, NULL, &error);
	if (!t->channel)
		return fail_call("CreateDataChannel", &error);
	if (rtc_peer_connection_create_offer(t->pc, NULL, &sdp, &error) < 0)
		return fail_call("CreateOffer", &error);
	if (rtc_peer_connection_set_local_description(t->pc, "offer", sdp, &error) < 0)
		ret = fail_call("SetLocalDescription", &error);
	free(sdp);
	if (ret != RTCCTL_OK)
		return ret;
	ret = rtcctl_write_local_description_to(t->client, t->pc, &t->gathered, options->sdp_out);
	if (ret != RTCCTL_OK)
		return ret;

	sdp = rtcctl_read_sdp_from(options->sdp_in);
	if (!sdp)
		return RTCCTL_FAILED;
	if (rtc_peer_connection_set_remote_description(t->pc, "answer", sdp, &error) < 0)
		ret = fail_call("SetRemoteDescription", &error);
	free(sdp);
	return ret;
}

int rtcctl_transfer_answer(struct transfer *t, const struct transfer_options *options)
{
	rtc_error error = RTC_ERROR_INIT;
	char *offer, *answer = NULL;
	int ret;

	offer = rtcctl_read_sdp_from(options->sdp_in);
	if (!offer)
		return RTCCTL_FAILED;
	ret = create_peer_connection(t);
	if (ret == RTCCTL_OK &&
	    rtc_peer_connection_set_remote_description(t->pc, "offer", offer, &error) < 0)
		ret = fail_call("SetRemoteDescription", &error);
	free(offer);
	if (ret != RTCCTL_OK)
		return ret;
	if (rtc_peer_connection_create_answer(t->pc, &answer, &error) < 0)
		return fail_call("CreateAnswer", &error);
	if (rtc_peer_connection_set_local_description(t->pc, "answer", answer, &error) < 0)
		ret = fail_call("SetLocalDescription", &error);
	free(answer);
	if (ret != RTCCTL_OK)
		return ret;
	return rtcctl_write_local_description_to(t->client, t->pc, &t->gathered, options->sdp_out);
}

int rtcctl_transfer_connect(struct transfer *t, unsigned long wait_s)
{
	rtc_error error = RTC_ERROR_INIT;
	uint64_t deadline = rtcctl_transfer_now() + wait_s * 1000000000ull;
	int flags;

	rtc_client_dispatch(t->client, NULL);
	while (!t->open && !t->closing && !t->failure[0]) {
		uint64_t now = rtcctl_transfer_now();

		if (now >= deadline) {
			rtcctl_transfer_fail(t, "the data channel did not open within %lu s", wait_s);
			break;
		}
		if (rtc_client_wait(t->client, (int)((deadline - now) / 1000000 + 1), &error) < 0)
			rtcctl_transfer_fail(t, "waiting for the data channel: %s", error.message);
		rtc_error_clear(&error);
	}
	if (!t->open && !t->failure[0])
		rtcctl_transfer_fail(t, "the data channel closed before it opened");
	if (t->failure[0])
		goto fail;

	if (rtc_data_channel_open_socket(t->channel, &t->socket, &error) < 0)
		return fail_call("OpenSocket", &error);
	/* The daemon made it non-blocking; the loops depend on that. */
	flags = fcntl(t->socket, F_GETFL);
	if (flags < 0 || fcntl(t->socket, F_SETFL, flags | O_NONBLOCK) < 0) {
		rtcctl_transfer_fail(t, "the data channel's socket: %s", strerror(errno));
		goto fail;
	}
	/* Messages sent to us before the socket existed came as signals,
	 * and the bus delivered them before OpenSocket's reply: they go
	 * first. */
	rtc_client_dispatch(t->client, NULL);
	if (!t->failure[0])
		return RTCCTL_OK;
fail:
	fprintf(stderr, "rtcctl: %s\n", t->failure);
	return RTCCTL_FAILED;
}

int rtcctl_transfer_poll(struct transfer *t, struct pollfd *fds, nfds_t n, int timeout_ms)
{
	rtc_error error = RTC_ERROR_INIT;
	int ready;

	fds[0] = (struct pollfd){ .fd = rtc_client_get_fd(t->client), .events = POLLIN };
	do
		ready = poll(fds, n, timeout_ms);
	while (ready < 0 && errno == EINTR);
	if (ready < 0) {
		rtcctl_transfer_fail(t, "poll: %s", strerror(errno));
		return -1;
	}
	if ((fds[0].revents & POLLIN) && rtc_client_dispatch(t->client, &error) < 0) {
		rtcctl_transfer_fail(t, "lost the bus: %s", error.message);
		rtc_error_clear(&error);
		return -1;
	}
	return ready;
}

int rtcctl_transfer_send_record(struct transfer *t, const uint8_t *record, size_t size)
{
	ssize_t n = send(t->socket, record, size, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n >= 0)
		return 1;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR)
		return 0;
	/* EPIPE: the daemon closed its end, the channel is gone. */
	rtcctl_transfer_fail(t, "sending on the data channel: %s", strerror(errno));
	return -1;
}

ssize_t rtcctl_transfer_recv_record(struct transfer *t, uint8_t *buf)
{
	ssize_t n = recv(t->socket, buf, TRANSFER_RECORD_BUFFER, MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -1;
		rtcctl_transfer_fail(t, "receiving on the data channel: %s", strerror(errno));
		return -2;
	}
	if (n == 0)
		return 0;
	/* The daemon never sends these; a broken record is not data. */
	if (n >= TRANSFER_RECORD_BUFFER ||
	    (buf[0] != TRANSFER_RECORD_TEXT && buf[0] != TRANSFER_RECORD_BINARY)) {
		rtcctl_transfer_fail(t, "a malformed record (%zd bytes, type 0x%02x) on the "
				     "data channel's socket", n, buf[0]);
		return -2;
	}
	return n;
}

size_t rtcctl_transfer_format_mark(uint8_t *record, size_t size, const char *word,
				   uint64_t bytes)
{
	int n = snprintf((char *)record + 1, size - 1, "%s %" PRIu64, word, bytes);

	record[0] = TRANSFER_RECORD_TEXT;
	return (size_t)n + 1;
}

bool rtcctl_transfer_parse_mark(const uint8_t *text, size_t size, const char *word,
				uint64_t *bytes)
{
	size_t len = strlen(word);
	uint64_t value = 0;

	/* "<word> <digits>", nothing else; at most 20 digits (2^64 - 1). */
	if (size < len + 2 || size > len + 21 || memcmp(text, word, len) != 0 || text[len] != ' ')
		return false;
	for (size_t i = len + 1; i < size; i++) {
		unsigned digit = (unsigned)text[i] - '0';

		if (digit > 9 || value > (UINT64_MAX - digit) / 10)
			return false;
		value = value * 10 + digit;
	}
	*bytes = value;
	return true;
}

uint64_t rtcctl_transfer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void rtcctl_transfer_report(const char *verb, uint64_t bytes, uint64_t start_ns,
			    uint64_t end_ns, const char *detail)
{
	double seconds = (double)(end_ns - start_ns) / 1e9;

	fprintf(stderr, "rtcctl: %s %" PRIu64 " bytes in %.3f s", verb, bytes, seconds);
	if (seconds > 0)
		fprintf(stderr, " (%.1f MB/s)", (double)bytes / 1e6 / seconds);
	fprintf(stderr, "%s\n", detail);
}
