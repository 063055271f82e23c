/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One SCTP association over DTLS (RFC 8831) with its data channels (RFC 8832),
 * sans-I/O, built on usrsctp's AF_CONN sockets.
 *
 * Bytes in: rtc_sctp_handle_receive() with the application data DTLS decrypted.
 * Bytes out: rtc_sctp_poll_transmit() until false, each packet for DTLS.
 * Time: rtc_sctp_handle_timeout() when rtc_sctp_deadline() has passed.
 * What happened: rtc_sctp_poll_event() until false.
 * Drain packets and events after every call into this module.
 *
 * usrsctp is one stack per process, with one set of timers for all its
 * associations: whichever association is called with `now` advances them
 * all, so every association in a process must be fed the same clock
 * (CLOCK_MONOTONIC ns) and all calls must come from one thread. Work that
 * usrsctp does for association A during a call on B (a retransmission on
 * A's timer, say) is queued on A, and A's wake callback says so: its owner
 * then drains A. Nothing is ever called re-entrantly on the association a
 * call is about.
 *
 * Both ends connect at once, as browsers do (RFC 8831 section 5 leaves the
 * roles open; usrsctp resolves the INIT collision). Stream ids of channels
 * this end picks follow the DTLS role: even for the DTLS client, odd for the
 * server (RFC 8832 section 6).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/sctp/dcep.h"

#define RTC_SCTP_DEFAULT_PORT 5000u
/* The largest message we accept, our a=max-message-size (RFC 8841). */
#define RTC_SCTP_MAX_MESSAGE_SIZE (256u * 1024u)
/* Streams each way, so also the most channels (W3C maxChannels). usrsctp
 * allocates state for every stream when the association starts, about 100
 * bytes per stream pair: measured per idle association with one channel,
 * 256 streams cost 34 KiB of heap, 1024 cost 112 KiB (the whole budget of a
 * peer connection), 65535 would cost megabytes. */
#define RTC_SCTP_MAX_STREAMS 256u
/* rtc_sctp_open_channel: pick the lowest free id of our DTLS role's parity. */
#define RTC_SCTP_AUTO_STREAM 0xffffu

/* RFC 8831 section 8 payload protocol identifiers. */
enum rtc_sctp_ppid {
	RTC_SCTP_PPID_DCEP = 50,
	RTC_SCTP_PPID_STRING = 51,
	RTC_SCTP_PPID_BINARY = 53,
	RTC_SCTP_PPID_STRING_EMPTY = 56,
	RTC_SCTP_PPID_BINARY_EMPTY = 57,
};

struct rtc_sctp_config {
	bool dtls_client;        /* our DTLS role: picks even (client) or odd stream ids */
	uint16_t local_port;     /* our a=sctp-port; 0 means 5000 */
	uint16_t remote_port;    /* the peer's a=sctp-port; 0 means 5000 */
	/* The peer's a=max-message-size: 65536 when its SDP has none, 0 when
	 * it takes any size (RFC 8841). We never send above our own limit. */
	uint64_t remote_max_message_size;
	/* Optional: work arrived for this association during a call on another
	 * one (see above). Called from inside that call: only schedule a drain. */
	void (*wake)(void *user);
	void *user;
};

/* A channel's parameters, as DCEP carries them. */
struct rtc_sctp_channel_params {
	const char *label;       /* NUL-terminated UTF-8; NULL means "" */
	const char *protocol;    /* NUL-terminated UTF-8; NULL means "" */
	bool ordered;
	enum rtc_dcep_reliability reliability;
	uint32_t reliability_param; /* max retransmits, or lifetime in ms; 0 if reliable */
	uint16_t priority;       /* 0 means RTC_DCEP_PRIORITY_NORMAL */
	bool negotiated;         /* agreed out of band: no DCEP, open at once */
};

enum rtc_sctp_event_type {
	RTC_SCTP_EVENT_ASSOCIATION_UP,
	RTC_SCTP_EVENT_ASSOCIATION_DOWN,  /* lost, aborted or shut down; channels closed before */
	RTC_SCTP_EVENT_CHANNEL_OPENED,    /* the peer opened a channel: params, stream */
	RTC_SCTP_EVENT_CHANNEL_ACKED,     /* the peer acknowledged our open: stream */
	RTC_SCTP_EVENT_MESSAGE,           /* stream, binary, data, len */
	RTC_SCTP_EVENT_CHANNEL_CLOSING,   /* the peer reset its stream: stream */
	RTC_SCTP_EVENT_CHANNEL_CLOSED,    /* both directions reset, the id is free: stream */
	RTC_SCTP_EVENT_BUFFERED_AMOUNT_LOW, /* stream's buffered amount fell to its threshold */
	RTC_SCTP_EVENT_ERROR,             /* error (stream is RTC_SCTP_AUTO_STREAM if none) */
};

struct rtc_sctp_event {
	enum rtc_sctp_event_type type;
	uint16_t stream;
	/* CHANNEL_OPENED; the strings live as long as the event. */
	struct rtc_sctp_channel_params params;
	/* MESSAGE; the bytes live until the next rtc_sctp_poll_event() or
	 * rtc_sctp_free(). */
	bool binary;
	const uint8_t *data;
	size_t len;
	struct rtc_error error;   /* ERROR */
};

struct rtc_sctp;

/* Creates the association and starts connecting: the INIT is the first
 * packet out. Call once the DTLS handshake is done. NULL with an error if
 * usrsctp refuses (out of memory, say). */
struct rtc_sctp *rtc_sctp_new(const struct rtc_sctp_config *config, uint64_t now,
			      struct rtc_error *err);
/* Aborts the association (the ABORT is not sent: the caller is done with
 * the transport) and frees everything. NULL is fine. */
void rtc_sctp_free(struct rtc_sctp *sctp);

/* Ends the association at once with an ABORT (RFC 4960 9.1), which the
 * caller then takes with rtc_sctp_poll_transmit like any other packet;
 * every channel is closed (CHANNEL_CLOSED events, then ASSOCIATION_DOWN).
 * The peer learns it is over even when it ignores DTLS close_notify. */
void rtc_sctp_abort(struct rtc_sctp *sctp, const char *why);

/* One packet from DTLS application data. Malformed packets are dropped by
 * usrsctp (checksum, verification tag): nothing here trusts the bytes. */
void rtc_sctp_handle_receive(struct rtc_sctp *sctp, uint64_t now, const uint8_t *data, size_t len);
void rtc_sctp_handle_timeout(struct rtc_sctp *sctp, uint64_t now);
/* When rtc_sctp_handle_timeout() should run next; UINT64_MAX once closed.
 * usrsctp does not say when its next timer is due, so this is its own
 * 10 ms tick while anything is in flight or happened in the last second,
 * and a 1 s tick when idle (heartbeats can be a little late). */
uint64_t rtc_sctp_deadline(const struct rtc_sctp *sctp);

/* Holds (or releases) the reading of data: while held, what arrives
 * stays in usrsctp's receive buffer (1 MiB), the window advertised to the
 * peer closes, and the peer stops sending: on every channel of the
 * association, since SCTP has one window for all. For a reader that is
 * behind (OpenSocket), so that nothing is dropped and nothing piles up
 * here. Notifications behind held data wait too. */
void rtc_sctp_hold_receiving(struct rtc_sctp *sctp, uint64_t now, bool hold);
bool rtc_sctp_receiving_held(const struct rtc_sctp *sctp);

/* The next packet for DTLS, valid until the next rtc_sctp_poll_transmit() or
 * rtc_sctp_free(). False when there is none. */
bool rtc_sctp_poll_transmit(struct rtc_sctp *sctp, const uint8_t **data, size_t *len);
/* The next event; see struct rtc_sctp_event for lifetimes. */
bool rtc_sctp_poll_event(struct rtc_sctp *sctp, struct rtc_sctp_event *event);

bool rtc_sctp_is_up(const struct rtc_sctp *sctp);

/* Opens a channel on `stream`, or on a free stream of our parity with
 * RTC_SCTP_AUTO_STREAM. In-band channels send DATA_CHANNEL_OPEN (after the
 * association is up, if it is not yet) and may send at once; negotiated
 * channels are open at once. Returns the stream id, or -1 with an error
 * (the stream is in use, out of range, no free stream, bad parameters). */
int rtc_sctp_open_channel(struct rtc_sctp *sctp, uint64_t now, uint16_t stream,
			  const struct rtc_sctp_channel_params *params, struct rtc_error *err);

/* Queues one message. An empty message is sent as PPID 56/57. Fails with a
 * TypeError above the peer's max-message-size or ours, an
 * InvalidStateError if the channel is not open or closing. */
int rtc_sctp_send(struct rtc_sctp *sctp, uint64_t now, uint16_t stream, bool binary,
		  const uint8_t *data, size_t len, struct rtc_error *err);

/* Starts closing: messages already queued still go out, then the outgoing
 * stream is reset; the peer resets its own and CHANNEL_CLOSED follows. */
int rtc_sctp_close_channel(struct rtc_sctp *sctp, uint64_t now, uint16_t stream,
			   struct rtc_error *err);

/* Bytes accepted by rtc_sctp_send() and not yet handed to the SCTP stack,
 * and the threshold for BUFFERED_AMOUNT_LOW. 0 / -1 for unknown streams. */
uint64_t rtc_sctp_buffered_amount(const struct rtc_sctp *sctp, uint16_t stream);
int rtc_sctp_set_buffered_amount_low_threshold(struct rtc_sctp *sctp, uint16_t stream,
					       uint64_t threshold);
