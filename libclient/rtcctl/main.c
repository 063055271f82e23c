/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl: look at and drive rtcd from the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rtcctl.h"

static const char usage[] =
	"Usage: rtcctl [--address ADDRESS | --system] COMMAND [ARGS...]\n"
	"\n"
	"Look at and drive rtcd, the desktop WebRTC daemon.\n"
	"\n"
	"Options:\n"
	"  --address ADDRESS  connect to this D-Bus address (default: $RTCD_BUS_ADDRESS,\n"
	"                     else the session bus)\n"
	"  --system           connect to the system bus\n"
	"  --timeout SECONDS  how long to wait for each reply (default 25)\n"
	"  -h, --help         show this help\n"
	"\n"
	"Commands:\n"
	"  list               the objects this client may see, with key properties\n"
	"  inspect PATH       every property of every interface of one object\n"
	"  stats PATH         a peer connection's statistics (GetStats)\n"
	"  loopback [--channels N] [--label LABEL] [--wait SECONDS]\n"
	"                     connect two peer connections to each other through the\n"
	"                     daemon, printing every step, and send a message each way\n"
	"                     on every channel; fails if that takes over --wait (10 s)\n"
	"  offer [--label LABEL] [--wait SECONDS]\n"
	"                     create a peer connection with a data channel, print the\n"
	"                     offer, read the answer on standard input, apply it\n"
	"  answer [--wait SECONDS]\n"
	"                     read an offer on standard input and print the answer\n"
	"  send [--file PATH|-] [--label LABEL] [--sdp-out PATH] [--sdp-in PATH]\n"
	"                     send a file or standard input over a new data channel to\n"
	"                     `rtcctl receive`: the offer goes to --sdp-out, the answer\n"
	"                     comes from --sdp-in (default: standard output and input)\n"
	"  receive [--output PATH|-] [--sdp-in PATH] [--sdp-out PATH]\n"
	"                     answer `rtcctl send` and write what it sends to a file or\n"
	"                     standard output\n"
	"  call [--answer] [--fake] [--sdp-out PATH] [--sdp-in PATH] [--duration S]\n"
	"       [--snapshot FILE.png] ...\n"
	"                     call a peer with a camera and microphone: remote tracks,\n"
	"                     live figures once a second; see `rtcctl call --help`\n"
	"  devices            the capture and output devices rtcd offers\n"
	"  snapshot NODE FILE.png\n"
	"                     write one frame of a PipeWire video node as a PNG\n"
	"\n"
	"An SDP printed by offer/answer ends at the first empty line. The daemon\n"
	"frees this client's objects when rtcctl exits; --wait keeps them alive.\n"
	"send and receive exchange SDP through files or FIFOs (mkfifo), print the\n"
	"throughput on standard error and exit 0 only when the receiver confirmed\n"
	"every byte; see `rtcctl send --help`.\n"
	"\n"
	"Exit status: 0 success, 1 failure (with the D-Bus error), 2 usage error.\n";

static const struct {
	const char *name;
	int (*run)(rtc_client *client, int argc, char **argv);
} commands[] = {
	{ "list", rtcctl_list },
	{ "inspect", rtcctl_inspect },
	{ "stats", rtcctl_stats },
	{ "loopback", rtcctl_loopback },
	{ "offer", rtcctl_offer },
	{ "answer", rtcctl_answer },
	{ "send", rtcctl_send },
	{ "receive", rtcctl_receive },
	{ "call", rtcctl_call },
	{ "snapshot", rtcctl_snapshot },
	{ "devices", rtcctl_devices },
};

/* A closed standard input, output or error would hand its number to the bus
 * socket or to a file rtcctl opens, and what is meant for it would go there:
 * /dev/null stands in (so `send --file -` then sends nothing). */
static bool open_stdio(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number: this one, the ones below are open. */
		int null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
		if (null != fd) {
			if (null >= 0)
				close(null);
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "system", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	enum rtc_bus bus = RTC_BUS_DEFAULT;
	const char *address = NULL;
	unsigned long timeout_s = 0;
	rtc_error error = RTC_ERROR_INIT;
	rtc_client *client;
	int opt, ret;

	if (!open_stdio())
		return RTCCTL_FAILED;
	/* '+': stop at the command, whose options are its own. */
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			bus = RTC_BUS_ADDRESS;
			address = optarg;
			break;
		case 's':
			bus = RTC_BUS_SYSTEM;
			break;
		case 't':
			if (!rtcctl_parse_uint(optarg, 3600, &timeout_s) || timeout_s == 0)
				return rtcctl_usage_error("--timeout needs 1..3600 seconds");
			break;
		case 'h':
			fputs(usage, stdout);
			return RTCCTL_OK;
		default:
			fputs("Try 'rtcctl --help'.\n", stderr);
			return RTCCTL_USAGE;
		}
	}
	if (optind >= argc)
		return rtcctl_usage_error("no command given");

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		int command_argc = argc - optind;
		char **command_argv = argv + optind;

		/* "rtcctl COMMAND --help" needs no bus: every command answers
		 * its first option --help before it touches the client. */
		if (command_argc > 1 && (strcmp(command_argv[1], "--help") == 0 ||
					 strcmp(command_argv[1], "-h") == 0)) {
			client = NULL;
		} else {
			client = rtc_client_new(bus, address, &error);
			if (!client) {
				ret = rtcctl_fail("cannot connect to the bus", &error);
				rtc_error_clear(&error);
				return ret;
			}
			if (timeout_s)
				rtc_client_set_timeout(client, (int)timeout_s * 1000);
		}

		/* Each command parses its own options; 0 makes glibc's getopt
		 * start over. */
		optind = 0;
		ret = commands[i].run(client, command_argc, command_argv);
		rtc_client_unref(client);
		rtcctl_forget_printed_events();
		return ret;
	}
	return rtcctl_usage_error("unknown command '%s'", argv[optind]);
}
