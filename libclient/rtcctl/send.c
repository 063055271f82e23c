/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl send: a file or standard input over a data channel, to an
 * `rtcctl receive` (the protocol is in transfer.h). Exits 0 only once the
 * receiver confirmed every byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transfer.h"

/* Payload of one data record. Larger records cost the daemon fewer wake-ups;
 * 64 KiB stays well inside every socket buffer (see data-channel-socket.c)
 * and under the messages any peer takes. */
#define CHUNK (64 * 1024)
/* How long the channel's close may take once the receiver confirmed. */
#define CLOSE_WAIT_MS 5000

static const char usage[] =
	"Usage: rtcctl send [OPTIONS]\n"
	"Sends a file over a new data channel to `rtcctl receive`, and exits 0 once the\n"
	"receiver confirmed every byte. The throughput goes to standard error.\n"
	"\n"
	"  --file PATH|-     what to send (default -, standard input)\n"
	"  --label LABEL     the data channel's label (default rtcctl)\n"
	"  --sdp-out PATH    where the offer goes (default standard output)\n"
	"  --sdp-in PATH     where the answer comes from (default standard input, which\n"
	"                    then cannot carry the data); FIFOs (mkfifo) work\n"
	"  --wait SECONDS    how long the channel may take to open (default 30)\n"
	"  --verbose         every event of the peer connection on standard error\n";

struct sender {
	struct transfer t;
	int input;
	const char *input_name;
	bool input_done;
	uint8_t record[1 + CHUNK];
	size_t record_size;        /* a record waiting for room in the socket; 0: none */
	uint64_t sent;             /* payload bytes the socket took */
	bool end_queued;
	bool confirmed;
	uint64_t start_ns;
};

static int open_input(struct sender *s, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		s->input = STDIN_FILENO;
		s->input_name = "standard input";
		return RTCCTL_OK;
	}
	s->input_name = path;
	s->input = open(path, O_RDONLY | O_CLOEXEC);
	if (s->input < 0 || fstat(s->input, &st) < 0) {
		fprintf(stderr, "rtcctl: %s: %s\n", path, strerror(errno));
		return RTCCTL_FAILED;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "rtcctl: %s: %s\n", path, strerror(EISDIR));
		return RTCCTL_FAILED;
	}
	return RTCCTL_OK;
}

/* Anything but the receipt on our socket is a protocol error. */
static void on_record(struct sender *s, bool binary, const uint8_t *data, size_t size)
{
	uint64_t bytes;

	if (binary || !rtcctl_transfer_parse_mark(data, size, TRANSFER_DONE, &bytes)) {
		rtcctl_transfer_fail(&s->t, "the receiver sent an unexpected %s message",
				     binary ? "binary" : "text");
		return;
	}
	if (!s->end_queued || s->record_size || bytes != s->sent) {
		rtcctl_transfer_fail(&s->t, "the receiver confirmed %" PRIu64 " bytes of %" PRIu64,
				     bytes, s->sent);
		return;
	}
	s->confirmed = true;
}

static void on_message(struct transfer *t, bool binary, const uint8_t *data, size_t size)
{
	on_record(t->userdata, binary, data, size);
}

static void read_input(struct sender *s)
{
	ssize_t n = read(s->input, s->record + 1, CHUNK);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			rtcctl_transfer_fail(&s->t, "%s: %s", s->input_name, strerror(errno));
		return;
	}
	if (n == 0) {
		s->input_done = true;
		return;
	}
	s->record[0] = TRANSFER_RECORD_BINARY;
	s->record_size = (size_t)n + 1;
}

static void read_socket(struct sender *s)
{
	uint8_t *buf = malloc(TRANSFER_RECORD_BUFFER);
	ssize_t n;

	if (!buf) {
		rtcctl_transfer_fail(&s->t, "out of memory");
		return;
	}
	while (!s->t.failure[0] && (n = rtcctl_transfer_recv_record(&s->t, buf)) != -1) {
		if (n == 0) {
			rtcctl_transfer_fail(&s->t, "the data channel closed before the receiver "
					     "confirmed the transfer");
			break;
		}
		if (n > 0)
			on_record(s, buf[0] == TRANSFER_RECORD_BINARY, buf + 1, (size_t)n - 1);
	}
	free(buf);
}

static void write_socket(struct sender *s)
{
	int r = rtcctl_transfer_send_record(&s->t, s->record, s->record_size);

	if (r <= 0)
		return;
	if (s->record[0] == TRANSFER_RECORD_BINARY)
		s->sent += s->record_size - 1;
	s->record_size = 0;
}

/* Data until the input ends, then the end mark, then the receipt. */
static int transfer(struct sender *s)
{
	struct transfer *t = &s->t;
	struct pollfd fds[3];

	s->start_ns = rtcctl_transfer_now();
	while (!s->confirmed && !t->failure[0]) {
		if (!s->record_size && s->input_done && !s->end_queued) {
			s->record_size = rtcctl_transfer_format_mark(s->record, sizeof(s->record),
								     TRANSFER_END, s->sent);
			s->end_queued = true;
		}
		fds[1] = (struct pollfd){ .fd = t->socket,
					  .events = POLLIN | (s->record_size ? POLLOUT : 0) };
		fds[2] = (struct pollfd){ .fd = s->record_size || s->input_done ? -1 : s->input,
					  .events = POLLIN };
		if (rtcctl_transfer_poll(t, fds, 3, -1) < 0)
			break;
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
			read_socket(s);
		if (t->closing && !s->confirmed)
			rtcctl_transfer_fail(t, "the data channel closed before the receiver "
					     "confirmed the transfer");
		if (!t->failure[0] && s->record_size && (fds[1].revents & POLLOUT))
			write_socket(s);
		/* POLLNVAL too: a closed standard input then fails in read(). */
		if (!t->failure[0] && !s->record_size &&
		    (fds[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
			read_input(s);
	}
	if (t->failure[0]) {
		fprintf(stderr, "rtcctl: %s (%" PRIu64 " bytes sent)\n", t->failure, s->sent);
		return RTCCTL_FAILED;
	}
	rtcctl_transfer_report("sent", s->sent, s->start_ns, rtcctl_transfer_now(),
			       ", all confirmed by the receiver");
	return RTCCTL_OK;
}

/* The receiver has everything: close the channel and see it closed, so
 * the receiver can stop too. */
static void close_channel(struct sender *s)
{
	rtc_error error = RTC_ERROR_INIT;
	uint64_t deadline = rtcctl_transfer_now() + CLOSE_WAIT_MS * 1000000ull;

	if (rtc_data_channel_close(s->t.channel, &error) < 0) {
		rtcctl_fail("Close", &error);
		rtc_error_clear(&error);
		return;
	}
	while (!s->t.closed) {
		uint64_t now = rtcctl_transfer_now();

		if (now >= deadline || rtc_client_wait(s->t.client,
						       (int)((deadline - now) / 1000000 + 1), NULL) < 0)
			break;
	}
	if (!s->t.closed)
		fprintf(stderr, "rtcctl: the data channel did not close within %d s\n",
			CLOSE_WAIT_MS / 1000);
}

int rtcctl_send(rtc_client *client, int argc, char **argv)
{
	static const struct option options[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		TRANSFER_LONG_OPTIONS,
		{}
	};
	struct transfer_options topts = { .wait_s = 30 };
	const char *path = "-", *label = "rtcctl";
	struct sender *s;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "f:l:h", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return RTCCTL_OK;
		default:
			ret = rtcctl_transfer_option(&topts, opt, optarg);
			if (ret < 0) {
				fputs("Try 'rtcctl send --help'.\n", stderr);
				return RTCCTL_USAGE;
			}
			if (ret != 0)
				return ret;
		}
	}
	if (optind != argc)
		return rtcctl_usage_error("send takes no arguments; the file is --file PATH");
	if (strcmp(path, "-") == 0 && !topts.sdp_in)
		return rtcctl_usage_error("standard input carries the data: "
					  "read the answer with --sdp-in PATH");

	s = calloc(1, sizeof(*s));
	if (!s) {
		fputs("rtcctl: out of memory\n", stderr);
		return RTCCTL_FAILED;
	}
	s->input = -1;
	ret = open_input(s, path);
	if (ret == RTCCTL_OK) {
		rtcctl_transfer_init(&s->t, client, &topts);
		s->t.on_message = on_message;
		s->t.userdata = s;
		ret = rtcctl_transfer_offer(&s->t, label, &topts);
		if (ret == RTCCTL_OK)
			ret = rtcctl_transfer_connect(&s->t, topts.wait_s);
		if (ret == RTCCTL_OK)
			ret = transfer(s);
		if (ret == RTCCTL_OK)
			close_channel(s);
		rtcctl_transfer_clear(&s->t);
	}
	if (s->input > STDIN_FILENO)
		close(s->input);
	free(s);
	return ret;
}
