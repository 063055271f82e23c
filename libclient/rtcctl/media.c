/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl devices: what rtcd can capture (EnumerateDevices).
 * rtcctl snapshot: one frame of a PipeWire video node as a PNG — a remote
 * track's node (PipeWireNode), or any Video/Source.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node-reader.h"
#include "png-writer.h"
#include "rtcctl.h"

int rtcctl_devices(rtc_client *client, int argc, char **argv)
{
	rtc_error error = RTC_ERROR_INIT;
	struct rtc_media_device *devices;
	size_t n;
	int ret;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("Usage: rtcctl devices\n"
		     "Lists the capture and output devices rtcd offers: device id, kind, label.");
		return RTCCTL_OK;
	}
	if (argc != 1)
		return rtcctl_usage_error("devices takes no arguments");
	devices = rtc_client_enumerate_devices(client, &n, &error);
	if (!devices) {
		ret = rtcctl_fail("EnumerateDevices", &error);
		rtc_error_clear(&error);
		return ret;
	}
	for (size_t i = 0; i < n; i++)
		printf("%-12s %s  %s\n", devices[i].kind, devices[i].device_id, devices[i].label);
	if (n == 0)
		puts("no devices");
	rtc_media_devices_free(devices, n);
	return RTCCTL_OK;
}

struct snapshot {
	const char *path;
	bool done;
	char error[320];
	uint32_t width, height;
};

static void on_frame(void *userdata, const struct node_reader_frame *frame)
{
	struct snapshot *s = userdata;

	if (s->done || s->error[0])
		return;
	if (png_write_i420(s->path, frame, s->error, sizeof(s->error))) {
		s->done = true;
		s->width = frame->width;
		s->height = frame->height;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int rtcctl_snapshot(rtc_client *client, int argc, char **argv)
{
	static const struct option options[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct snapshot s = { 0 };
	struct node_reader *reader;
	unsigned long wait_s = 10;
	char why[256];
	int opt;

	(void)client;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'w':
			if (!rtcctl_parse_uint(optarg, 3600, &wait_s) || wait_s == 0)
				return rtcctl_usage_error("--wait needs 1..3600 seconds");
			break;
		case 'h':
			puts("Usage: rtcctl snapshot [--wait SECONDS] NODE FILE.png\n"
			     "Writes one frame of the PipeWire video node NODE (its node.name, as a\n"
			     "remote track's PipeWireNode) as a PNG; waits up to --wait (10 s).");
			return RTCCTL_OK;
		default:
			fputs("Try 'rtcctl snapshot --help'.\n", stderr);
			return RTCCTL_USAGE;
		}
	}
	if (argc - optind != 2 || !*argv[optind] || !*argv[optind + 1])
		return rtcctl_usage_error("snapshot needs a node name and a file name");
	s.path = argv[optind + 1];
	reader = node_reader_new(argv[optind], on_frame, &s, why, sizeof(why));
	if (!reader) {
		fprintf(stderr, "rtcctl: %s\n", why);
		return RTCCTL_FAILED;
	}
	uint64_t deadline = now_ms() + wait_s * 1000;
	while (!s.done && !s.error[0]) {
		struct pollfd pfd = { .fd = node_reader_fd(reader), .events = POLLIN };
		uint64_t now = now_ms();

		if (now >= deadline) {
			snprintf(s.error, sizeof(s.error), "no frame from %s within %lu s",
				 argv[optind], wait_s);
			break;
		}
		if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR)
			break;
		if (!node_reader_dispatch(reader))
			snprintf(s.error, sizeof(s.error), "%s", node_reader_error(reader));
	}
	node_reader_free(reader);
	if (!s.done) {
		fprintf(stderr, "rtcctl: %s\n", s.error[0] ? s.error : "interrupted");
		return RTCCTL_FAILED;
	}
	printf("snapshot: %s (%ux%u)\n", s.path, s.width, s.height);
	return RTCCTL_OK;
}
