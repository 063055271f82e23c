/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl list, inspect, stats: read-only views of the daemon.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtcctl.h"

#define ROOT_PATH "/org/rtcd/WebRTC1"

/* The properties `list` shows for each interface, in this order. */
static const struct {
	const char *interface;
	const char *properties[5];
} key_properties[] = {
	{ "org.rtcd.WebRTC1.PeerConnection",
	  { "SignalingState", "ConnectionState", "IceConnectionState", "IceGatheringState" } },
	{ "org.rtcd.WebRTC1.DataChannel", { "Label", "Id", "ReadyState" } },
	{ "org.rtcd.WebRTC1.RtpTransceiver", { "Mid", "Kind", "Direction" } },
	{ "org.rtcd.WebRTC1.MediaStreamTrack", { "Kind", "Label", "ReadyState" } },
};

/* Plain words print bare, anything else in the library's quoted form. */
static bool is_plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/-", *s))
			return false;
	return true;
}

/* The value's text: plain words bare, RTCCTL_UNSET for an optional number
 * that is not set, else the library's rendering. */
static const char *value_text(const char *interface, const rtc_dict *dict, size_t index)
{
	const char *key = rtc_dict_key(dict, index), *s;
	uint64_t number;

	if (rtc_dict_get_string(dict, key, &s) && is_plain_word(s))
		return s;
	if (rtcctl_is_optional_number(interface, key) &&
	    rtc_dict_get_uint64(dict, key, &number) && number == RTCCTL_UNSET_NUMBER)
		return RTCCTL_UNSET;
	return rtc_dict_text(dict, index);
}

static void print_key_properties(const char *interface, const rtc_dict *dict)
{
	for (size_t k = 0; k < sizeof(key_properties) / sizeof(key_properties[0]); k++) {
		if (strcmp(key_properties[k].interface, interface) != 0)
			continue;
		for (const char *const *name = key_properties[k].properties; *name; name++) {
			for (size_t i = 0; i < rtc_dict_count(dict); i++) {
				if (strcmp(rtc_dict_key(dict, i), *name) != 0)
					continue;
				printf(" %s=%s", *name, value_text(interface, dict, i));
			}
		}
	}
}

/* Depth below the root: pc/1 is 1, pc/1/dc/2 is 2. */
static int path_depth(const char *path)
{
	int slashes = 0;

	for (const char *p = path + strlen(ROOT_PATH); *p; p++)
		slashes += *p == '/';
	return (slashes + 1) / 2;
}

/* Commands that take no options still answer --help and reject the rest. */
static int parse_no_options(int argc, char **argv, const char *usage)
{
	static const struct option options[] = { { "help", no_argument, NULL, 'h' }, {} };
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h') {
			printf("Usage: rtcctl %s\n", usage);
			return RTCCTL_OK;
		}
		fputs("Try 'rtcctl --help'.\n", stderr);
		return RTCCTL_USAGE;
	}
	return -1;
}

int rtcctl_list(rtc_client *client, int argc, char **argv)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_object_list *list;
	char *version;
	int ret = parse_no_options(argc, argv, "list");

	if (ret >= 0)
		return ret;
	if (optind != argc)
		return rtcctl_usage_error("list takes no arguments");

	version = rtc_client_get_version(client, &error);
	if (!version) {
		ret = rtcctl_fail("cannot reach rtcd", &error);
		rtc_error_clear(&error);
		return ret;
	}
	list = rtc_client_list_objects(client, &error);
	if (!list) {
		free(version);
		ret = rtcctl_fail("GetManagedObjects", &error);
		rtc_error_clear(&error);
		return ret;
	}

	printf("%s Version=%s\n", ROOT_PATH, version);
	for (size_t i = 0; i < rtc_object_list_count(list); i++) {
		const char *path = rtc_object_list_path(list, i);

		printf("%*s%s", 2 * path_depth(path), "", path);
		for (size_t j = 0; j < rtc_object_list_interface_count(list, i); j++)
			print_key_properties(rtc_object_list_interface(list, i, j),
					     rtc_object_list_properties(list, i, j));
		putchar('\n');
	}
	rtc_object_list_free(list);
	free(version);
	return RTCCTL_OK;
}

int rtcctl_inspect(rtc_client *client, int argc, char **argv)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_object_list *list;
	int ret = parse_no_options(argc, argv, "inspect PATH");

	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return rtcctl_usage_error("inspect needs one object path");

	list = rtc_client_inspect_object(client, argv[optind], &error);
	if (!list) {
		ret = rtcctl_fail(argv[optind], &error);
		rtc_error_clear(&error);
		return ret;
	}
	printf("%s\n", rtc_object_list_path(list, 0));
	for (size_t j = 0; j < rtc_object_list_interface_count(list, 0); j++) {
		const rtc_dict *dict = rtc_object_list_properties(list, 0, j);

		printf("  %s\n", rtc_object_list_interface(list, 0, j));
		for (size_t i = 0; i < rtc_dict_count(dict); i++) {
			const char *key = rtc_dict_key(dict, i);
			uint64_t number;
			const char *text = rtc_dict_text(dict, i);

			/* Inspect keeps the wire form, but "not set" reads as such. */
			if (rtcctl_is_optional_number(rtc_object_list_interface(list, 0, j), key) &&
			    rtc_dict_get_uint64(dict, key, &number) &&
			    number == RTCCTL_UNSET_NUMBER)
				text = RTCCTL_UNSET;
			printf("    %s %s = %s\n", key, rtc_dict_signature(dict, i), text);
		}
	}
	rtc_object_list_free(list);
	return RTCCTL_OK;
}

static void print_stats_object(const char *id, const rtc_dict *stats)
{
	const char *type = "?";
	char time_text[48];
	double ms;

	rtc_dict_get_string(stats, "type", &type);
	printf("%s (%s)", id, type);
	if (rtc_dict_get_double(stats, "timestamp", &ms))
		printf(" at %s", rtcctl_format_timestamp(ms, time_text, sizeof(time_text)));
	putchar('\n');
	for (size_t i = 0; i < rtc_dict_count(stats); i++) {
		const char *key = rtc_dict_key(stats, i);

		if (strcmp(key, "type") == 0 || strcmp(key, "timestamp") == 0)
			continue;
		if (rtcctl_is_timestamp_key(key) && rtc_dict_get_double(stats, key, &ms))
			printf("  %s = %s\n", key,
			       rtcctl_format_timestamp(ms, time_text, sizeof(time_text)));
		else
			printf("  %s = %s\n", key, value_text(NULL, stats, i));
	}
}

int rtcctl_stats(rtc_client *client, int argc, char **argv)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_peer_connection *pc;
	rtc_stats_report *report;
	int ret = parse_no_options(argc, argv, "stats PATH");

	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return rtcctl_usage_error("stats needs one peer connection path");

	pc = rtc_client_get_peer_connection(client, argv[optind], &error);
	report = pc ? rtc_peer_connection_get_stats(pc, &error) : NULL;
	rtc_peer_connection_unref(pc);
	if (!report) {
		ret = rtcctl_fail(argv[optind], &error);
		rtc_error_clear(&error);
		return ret;
	}
	for (size_t i = 0; i < rtc_stats_report_count(report); i++) {
		if (i > 0)
			putchar('\n');
		print_stats_object(rtc_stats_report_id(report, i),
				   rtc_stats_report_stats(report, i));
	}
	rtc_stats_report_free(report);
	return RTCCTL_OK;
}
