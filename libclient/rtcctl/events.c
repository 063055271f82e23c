/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl's one line per daemon event, "[name] what: detail".
 *
 * A property change is printed only when what it shows moved since the last
 * line for that object and property: the daemon may announce a property
 * more than once for one change (a description is invalidated by the state
 * change and again by the candidate that follows), and a reader wants the
 * changes, not the announcements. Descriptions are only invalidated on the
 * bus (their value is a whole SDP), so they are fetched and summed up.
 */
#include <stdlib.h>
#include <string.h>

#include "rtcctl.h"

/* Past this a value is named, not shown (descriptions, long path lists). */
#define MAX_SHOWN_VALUE 100

/* The last text printed for one object's property. */
struct printed_property {
	struct printed_property *next;
	char *path;
	char *property;
	char *text;
};

static struct printed_property *printed;

static struct printed_property *find_printed(const char *path, const char *property)
{
	for (struct printed_property *p = printed; p; p = p->next)
		if (strcmp(p->path, path) == 0 && strcmp(p->property, property) == 0)
			return p;
	return NULL;
}

/* Whether `text` is news for this property; remembers it if so. Out of
 * memory it is news: printing twice beats printing nothing. */
static bool remember(const char *path, const char *property, const char *text)
{
	struct printed_property *p = find_printed(path, property);
	char *copy;

	if (p && strcmp(p->text, text) == 0)
		return false;
	copy = strdup(text);
	if (!copy)
		return true;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p || !(p->path = strdup(path)) || !(p->property = strdup(property))) {
			if (p)
				free(p->path);
			free(p);
			free(copy);
			return true;
		}
		p->next = printed;
		printed = p;
	}
	free(p->text);
	p->text = copy;
	return true;
}

void rtcctl_forget_printed_events(void)
{
	while (printed) {
		struct printed_property *next = printed->next;

		free(printed->path);
		free(printed->property);
		free(printed->text);
		free(printed);
		printed = next;
	}
}

static const char *event_name(const struct rtc_event *event)
{
	const char *name = NULL;

	if (event->type == RTC_EVENT_DATA_CHANNEL || !event->data_channel)
		name = event->peer_connection
			       ? rtc_peer_connection_get_user_data(event->peer_connection) : NULL;
	else
		name = rtc_data_channel_get_user_data(event->data_channel);
	return name ? name : event->path;
}

/* The summary of an invalidated description, fetched now; NULL if it is
 * not one or cannot be read (the object may be gone already). */
static const char *fetch_description(const struct rtc_event *event, char *buf, size_t size)
{
	int (*get)(rtc_peer_connection *, char **, char **, rtc_error *);
	char *type = NULL, *sdp = NULL;
	const char *text = NULL;

	if (!event->peer_connection || event->data_channel)
		return NULL;
	if (strcmp(event->property, "LocalDescription") == 0)
		get = rtc_peer_connection_get_local_description;
	else if (strcmp(event->property, "RemoteDescription") == 0)
		get = rtc_peer_connection_get_remote_description;
	else
		return NULL;
	if (get(event->peer_connection, &type, &sdp, NULL) == 0)
		text = rtcctl_describe_description(type, sdp, buf, size);
	free(type);
	free(sdp);
	return text;
}

static void print_property(FILE *out, const char *name, const struct rtc_event *event)
{
	char buf[128];
	const char *text = event->value;

	if (!text)
		text = fetch_description(event, buf, sizeof(buf));
	if (!text) {
		/* Invalidated and not fetchable: nothing to compare, say so. */
		fprintf(out, "[%s] %s changed\n", name, event->property);
		return;
	}
	if (event->data_channel &&
	    rtcctl_is_optional_number("org.rtcd.WebRTC1.DataChannel", event->property) &&
	    strcmp(text, "65535") == 0)
		text = RTCCTL_UNSET;
	if (!remember(event->path, event->property, text))
		return;
	if (strlen(text) > MAX_SHOWN_VALUE)
		fprintf(out, "[%s] %s changed\n", name, event->property);
	else
		fprintf(out, "[%s] %s: %s\n", name, event->property, text);
}

void rtcctl_print_event(FILE *out, const struct rtc_event *event)
{
	const char *name = event_name(event);

	switch (event->type) {
	case RTC_EVENT_DISCONNECTED:
		fprintf(out, "[bus] disconnected: %s\n", event->error_message);
		break;
	case RTC_EVENT_PROPERTY_CHANGED:
		print_property(out, name, event);
		break;
	case RTC_EVENT_NEGOTIATION_NEEDED:
		fprintf(out, "[%s] negotiation needed\n", name);
		break;
	case RTC_EVENT_ICE_CANDIDATE:
		if (*event->candidate)
			fprintf(out, "[%s] ICE candidate (mid %s): %s\n", name, event->sdp_mid,
			       event->candidate);
		else
			fprintf(out, "[%s] ICE gathering complete\n", name);
		break;
	case RTC_EVENT_ICE_CANDIDATE_ERROR:
		/* No URL: a host candidate's error (nothing to gather on). */
		fprintf(out, "[%s] ICE candidate error %u%s%s: %s\n", name,
			(unsigned)event->error_code, *event->url ? " from " : "", event->url,
			event->error_message);
		break;
	case RTC_EVENT_DATA_CHANNEL:
		fprintf(out, "[%s] remote data channel %s\n", name,
		       rtc_data_channel_get_path(event->data_channel));
		break;
	case RTC_EVENT_TRACK:
		fprintf(out, "[%s] remote track %s\n", name, event->track_path);
		break;
	case RTC_EVENT_OPEN:
		fprintf(out, "[%s] open\n", name);
		break;
	case RTC_EVENT_MESSAGE:
		if (event->binary)
			fprintf(out, "[%s] binary message, %zu bytes\n", name, event->size);
		else
			fprintf(out, "[%s] message: %s\n", name, (const char *)event->data);
		break;
	case RTC_EVENT_BUFFERED_AMOUNT_LOW:
		fprintf(out, "[%s] buffered amount low\n", name);
		break;
	case RTC_EVENT_CLOSING:
		fprintf(out, "[%s] closing\n", name);
		break;
	case RTC_EVENT_CLOSE:
		fprintf(out, "[%s] closed\n", name);
		break;
	case RTC_EVENT_ERROR:
		fprintf(out, "[%s] error %s: %s\n", name, event->error_name, event->error_message);
		break;
	case RTC_EVENT_OBJECT_REMOVED:
		fprintf(out, "[%s] removed\n", name);
		break;
	case RTC_EVENT_DEVICE_CHANGE:
		fprintf(out, "[devices] a device came or went\n");
		break;
	case RTC_EVENT_MUTE:
		fprintf(out, "[%s] muted\n", name);
		break;
	case RTC_EVENT_UNMUTE:
		fprintf(out, "[%s] unmuted\n", name);
		break;
	case RTC_EVENT_ENDED:
		fprintf(out, "[%s] ended\n", name);
		break;
	}
	fflush(out);
}
