/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What rtcctl send and rtcctl receive share: one peer connection with one
 * data channel, the SDP exchanged through files or FIFOs, and the channel's
 * OpenSocket data plane.
 *
 * The transfer protocol on the channel (ordered and reliable):
 *
 *   sender -> receiver   binary messages: the data, in order
 *   sender -> receiver   text "end N": that was all, N bytes
 *   receiver -> sender   text "done N": N bytes written out
 *   sender               closes the channel
 *
 * The receipt is what lets the sender exit 0 knowing nothing was lost; the
 * byte counts let both ends notice messages that went missing on the way.
 * The receiver's data is complete once "end N" matched what arrived, so a
 * sender that closes without waiting for the receipt does not fail it.
 */
#pragma once

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "rtcctl.h"

/* OpenSocket's record types: the first byte of every record. */
#define TRANSFER_RECORD_TEXT 0x01
#define TRANSFER_RECORD_BINARY 0x02
/* The largest message rtcd offers to take (its a=max-message-size). */
#define TRANSFER_MAX_MESSAGE (256 * 1024)
/* Room for one record and a byte more, to notice an oversized one. */
#define TRANSFER_RECORD_BUFFER (TRANSFER_MAX_MESSAGE + 2)

#define TRANSFER_END "end"
#define TRANSFER_DONE "done"

struct transfer_options {
	const char *sdp_in;    /* the peer's SDP; NULL: standard input */
	const char *sdp_out;   /* ours; NULL: standard output */
	unsigned long wait_s;  /* for the channel to open */
	bool verbose;          /* every event on stderr */
};

/* Options both commands take; 'getopt_long' values above any short option. */
enum {
	TRANSFER_OPT_SDP_IN = 0x100,
	TRANSFER_OPT_SDP_OUT,
	TRANSFER_OPT_WAIT,
	TRANSFER_OPT_VERBOSE,
};

#define TRANSFER_LONG_OPTIONS \
	{ "sdp-in", required_argument, NULL, TRANSFER_OPT_SDP_IN }, \
	{ "sdp-out", required_argument, NULL, TRANSFER_OPT_SDP_OUT }, \
	{ "wait", required_argument, NULL, TRANSFER_OPT_WAIT }, \
	{ "verbose", no_argument, NULL, TRANSFER_OPT_VERBOSE }

/* Takes one of the shared options: -1 if `opt` is not one, else 0 or
 * RTCCTL_USAGE. */
int rtcctl_transfer_option(struct transfer_options *options, int opt, const char *arg);

struct transfer {
	rtc_client *client;
	rtc_peer_connection *pc;
	rtc_data_channel *channel;
	int socket;                 /* OpenSocket's end; -1 before */
	bool verbose;
	bool gathered;              /* IceGatheringState "complete" */
	bool open;                  /* the channel's Open came */
	bool closing;               /* the channel's Closing or Close came */
	bool closed;                /* the channel's Close came */
	/* Why the transfer cannot go on (connection failed, channel error, bus
	 * lost); "" while all is well. Set once, by the event callback. */
	char failure[256];
	/* Messages that came as Message signals: those that arrived before
	 * OpenSocket took the channel over. */
	void (*on_message)(struct transfer *t, bool binary, const uint8_t *data, size_t size);
	void *userdata;
};

/* Sets up `t` and takes the client's events. */
void rtcctl_transfer_init(struct transfer *t, rtc_client *client,
			  const struct transfer_options *options);
/* Closes the socket, drops the handles, gives the client's events back. */
void rtcctl_transfer_clear(struct transfer *t);

/* The offering side: a peer connection with a channel labelled `label`,
 * the offer written to sdp_out, the answer read from sdp_in and applied. */
int rtcctl_transfer_offer(struct transfer *t, const char *label,
			  const struct transfer_options *options);
/* The answering side: the offer read from sdp_in, the answer written to
 * sdp_out. The channel is the first the offerer opens. */
int rtcctl_transfer_answer(struct transfer *t, const struct transfer_options *options);

/* Waits up to wait_s for the channel to open, then takes its data plane
 * (t->socket, non-blocking) and delivers the messages that came before it
 * to t->on_message. Says on stderr why it failed. */
int rtcctl_transfer_connect(struct transfer *t, unsigned long wait_s);

/* Polls fds[0..n) and dispatches the client's events; the caller leaves
 * fds[0] for the client (it is filled in here). Returns poll()'s count, or
 * -1 with t->failure set. */
int rtcctl_transfer_poll(struct transfer *t, struct pollfd *fds, nfds_t n, int timeout_ms);

/* Sends one record. 1 sent, 0 the socket is full (wait for POLLOUT), -1
 * failed with t->failure set. */
int rtcctl_transfer_send_record(struct transfer *t, const uint8_t *record, size_t size);
/* Receives one record into buf (TRANSFER_RECORD_BUFFER bytes). Its size,
 * 0 when the daemon closed the socket (the channel is gone), -1 when none
 * is ready (EAGAIN), -2 failed with t->failure set. */
ssize_t rtcctl_transfer_recv_record(struct transfer *t, uint8_t *buf);

/* A protocol mark as a text record: "<word> <bytes>". Returns its size. */
size_t rtcctl_transfer_format_mark(uint8_t *record, size_t size, const char *word,
				   uint64_t bytes);
/* Reads a mark's text (no type byte); false if it is not "<word> <bytes>". */
bool rtcctl_transfer_parse_mark(const uint8_t *text, size_t size, const char *word,
				uint64_t *bytes);

/* Sets t->failure if it is not set yet. */
__attribute__((format(printf, 2, 3)))
void rtcctl_transfer_fail(struct transfer *t, const char *fmt, ...);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t rtcctl_transfer_now(void);
/* "rtcctl: <verb> N bytes in S s (R MB/s)<detail>" on stderr. */
void rtcctl_transfer_report(const char *verb, uint64_t bytes, uint64_t start_ns,
			    uint64_t end_ns, const char *detail);
