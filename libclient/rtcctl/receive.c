/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl receive: answers an `rtcctl send`, writes what arrives on the data
 * channel to a file or standard output, and confirms it (the protocol is in
 * transfer.h). Exits 0 only when the sender's byte count matched.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transfer.h"

/* How long the sender may take to close the channel once it has our
 * receipt; the data is safe by then, so this only bounds the goodbye. */
#define CLOSE_WAIT_MS 10000
/* Records taken per wake-up before the bus gets its turn. */
#define RECORDS_PER_WAKEUP 64

static const char usage[] =
	"Usage: rtcctl receive [OPTIONS]\n"
	"Answers `rtcctl send`, writes what it sends to a file and confirms it; exits 0\n"
	"only when the sender's byte count matched. The throughput goes to standard error.\n"
	"\n"
	"  --output PATH|-   where the data goes (default -, standard output)\n"
	"  --sdp-in PATH     where the offer comes from (default standard input)\n"
	"  --sdp-out PATH    where the answer goes (default standard output, which then\n"
	"                    cannot carry the data); FIFOs (mkfifo) work\n"
	"  --wait SECONDS    how long the channel may take to open (default 30)\n"
	"  --verbose         every event of the peer connection on standard error\n";

struct receiver {
	struct transfer t;
	int output;
	const char *output_name;
	uint64_t received;         /* payload bytes written out */
	bool started;
	uint64_t start_ns, end_ns;
	bool ended;                /* the sender's end mark came, counts agree */
	bool eof;                  /* the daemon closed the socket: channel gone */
};

static int open_output(struct receiver *r, const char *path)
{
	if (strcmp(path, "-") == 0) {
		r->output = STDOUT_FILENO;
		r->output_name = "standard output";
		return RTCCTL_OK;
	}
	r->output_name = path;
	r->output = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (r->output < 0) {
		fprintf(stderr, "rtcctl: %s: %s\n", path, strerror(errno));
		return RTCCTL_FAILED;
	}
	return RTCCTL_OK;
}

static void write_output(struct receiver *r, const uint8_t *data, size_t size)
{
	while (size > 0) {
		ssize_t n = write(r->output, data, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rtcctl_transfer_fail(&r->t, "%s: %s", r->output_name, strerror(errno));
			return;
		}
		data += n;
		size -= (size_t)n;
	}
}

/* A file's close reports what its writes could not (NFS, quotas). */
static void close_output(struct receiver *r)
{
	if (r->output > STDOUT_FILENO && close(r->output) < 0)
		rtcctl_transfer_fail(&r->t, "%s: %s", r->output_name, strerror(errno));
	r->output = -1;
}

static void on_record(struct receiver *r, bool binary, const uint8_t *data, size_t size)
{
	uint64_t bytes;

	if (r->t.failure[0])
		return;
	if (!r->started) {
		r->started = true;
		r->start_ns = rtcctl_transfer_now();
	}
	if (r->ended) {
		rtcctl_transfer_fail(&r->t, "a message after the sender's end mark");
	} else if (binary) {
		write_output(r, data, size);
		r->received += size;
	} else if (!rtcctl_transfer_parse_mark(data, size, TRANSFER_END, &bytes)) {
		rtcctl_transfer_fail(&r->t, "an unexpected text message from the sender");
	} else if (bytes != r->received) {
		rtcctl_transfer_fail(&r->t, "the sender sent %" PRIu64 " bytes but %" PRIu64
				     " arrived: messages were lost on the way", bytes, r->received);
	} else {
		r->ended = true;
		r->end_ns = rtcctl_transfer_now();
	}
}

static void on_message(struct transfer *t, bool binary, const uint8_t *data, size_t size)
{
	on_record(t->userdata, binary, data, size);
}

static void read_socket(struct receiver *r, uint8_t *buf)
{
	for (int i = 0; i < RECORDS_PER_WAKEUP && !r->t.failure[0]; i++) {
		ssize_t n = rtcctl_transfer_recv_record(&r->t, buf);

		if (n == -1 || n == -2)
			return;
		if (n == 0) {
			r->eof = true;
			return;
		}
		on_record(r, buf[0] == TRANSFER_RECORD_BINARY, buf + 1, (size_t)n - 1);
	}
}

/* Records until the sender's end mark (or until the channel is gone). */
static void receive_data(struct receiver *r, uint8_t *buf)
{
	struct pollfd fds[2];

	while (!r->ended && !r->eof && !r->t.failure[0]) {
		fds[1] = (struct pollfd){ .fd = r->t.socket, .events = POLLIN };
		if (rtcctl_transfer_poll(&r->t, fds, 2, -1) < 0)
			break;
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
			read_socket(r, buf);
	}
}

/* The receipt, then the sender's close. The data is safe by now: what goes
 * wrong here is said, but changes nothing. */
static void confirm(struct receiver *r, uint8_t *buf)
{
	struct transfer *t = &r->t;
	uint64_t deadline = rtcctl_transfer_now() + CLOSE_WAIT_MS * 1000000ull;
	uint8_t receipt[64];
	size_t size = rtcctl_transfer_format_mark(receipt, sizeof(receipt), TRANSFER_DONE,
						  r->received);
	bool sent = false;
	struct pollfd fds[2];

	while (!r->eof && !t->failure[0]) {
		uint64_t now = rtcctl_transfer_now();
		int ready;

		if (!sent && (ready = rtcctl_transfer_send_record(t, receipt, size)) != 0) {
			if (ready < 0)
				break;
			sent = true;
		}
		if (now >= deadline) {
			rtcctl_transfer_fail(t, "the sender did not close the channel within %d s",
					     CLOSE_WAIT_MS / 1000);
			break;
		}
		fds[1] = (struct pollfd){ .fd = t->socket, .events = POLLIN | (sent ? 0 : POLLOUT) };
		if (rtcctl_transfer_poll(t, fds, 2, (int)((deadline - now) / 1000000 + 1)) < 0)
			break;
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
			read_socket(r, buf);
	}
	if (!sent)
		fprintf(stderr, "rtcctl: could not confirm the transfer to the sender: %s\n",
			t->failure[0] ? t->failure : "the channel closed first");
	else if (t->failure[0])
		fprintf(stderr, "rtcctl: %s\n", t->failure);
}

static int transfer(struct receiver *r, uint8_t *buf)
{
	struct transfer *t = &r->t;

	receive_data(r, buf);
	if (r->ended)
		close_output(r);
	if (!r->ended || t->failure[0]) {
		if (!t->failure[0])
			rtcctl_transfer_fail(t, "the data channel closed before the sender's end "
					     "mark: the data is incomplete");
		fprintf(stderr, "rtcctl: %s (%" PRIu64 " bytes received)\n", t->failure,
			r->received);
		return RTCCTL_FAILED;
	}
	rtcctl_transfer_report("received", r->received, r->start_ns, r->end_ns, "");
	confirm(r, buf);
	return RTCCTL_OK;
}

int rtcctl_receive(rtc_client *client, int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		TRANSFER_LONG_OPTIONS,
		{}
	};
	struct transfer_options topts = { .wait_s = 30 };
	const char *path = "-";
	struct receiver r = { .output = -1 };
	uint8_t *buf;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return RTCCTL_OK;
		default:
			ret = rtcctl_transfer_option(&topts, opt, optarg);
			if (ret < 0) {
				fputs("Try 'rtcctl receive --help'.\n", stderr);
				return RTCCTL_USAGE;
			}
			if (ret != 0)
				return ret;
		}
	}
	if (optind != argc)
		return rtcctl_usage_error("receive takes no arguments; the file is --output PATH");
	if (strcmp(path, "-") == 0 && !topts.sdp_out)
		return rtcctl_usage_error("standard output carries the data: "
					  "write the answer with --sdp-out PATH");

	buf = malloc(TRANSFER_RECORD_BUFFER);
	if (!buf) {
		fputs("rtcctl: out of memory\n", stderr);
		return RTCCTL_FAILED;
	}
	ret = open_output(&r, path);
	if (ret == RTCCTL_OK) {
		rtcctl_transfer_init(&r.t, client, &topts);
		r.t.on_message = on_message;
		r.t.userdata = &r;
		ret = rtcctl_transfer_answer(&r.t, &topts);
		if (ret == RTCCTL_OK)
			ret = rtcctl_transfer_connect(&r.t, topts.wait_s);
		if (ret == RTCCTL_OK)
			ret = transfer(&r, buf);
		rtcctl_transfer_clear(&r.t);
	}
	close_output(&r);
	free(buf);
	return ret;
}
