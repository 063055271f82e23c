/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the SCTP module: the association's state shared by sctp.c (life
 * cycle, packets, notifications), sctp-channel.c (channels, DCEP, the send
 * queue) and sctp-stack.c (usrsctp's process-wide state).
 */
#pragma once

#include <stdint.h>

#include "common/list.h"
#include "engine/sctp/sctp.h"

struct socket;

enum assoc_state {
	ASSOC_CONNECTING,
	ASSOC_UP,
	ASSOC_DOWN,
};

enum channel_state {
	CHANNEL_OPENING,   /* our DATA_CHANNEL_OPEN is out, no ACK yet */
	CHANNEL_OPEN,
	CHANNEL_CLOSING,   /* a stream reset is under way */
};

struct channel {
	uint16_t stream;
	enum channel_state state;
	bool ordered;
	enum rtc_dcep_reliability reliability;
	uint32_t reliability_param;
	bool reset_wanted;      /* reset our outgoing stream once its queue is empty */
	bool reset_requested;   /* the RE-CONFIG request is out */
	bool out_reset;         /* our outgoing stream is reset */
	bool in_reset;          /* the peer's outgoing stream is reset */
	unsigned queued;        /* messages of this stream in the send queue */
	uint64_t served;        /* bytes handed to usrsctp, on the fair clock */
	uint64_t buffered;
	uint64_t low_threshold;
};

/* A message waiting for room in usrsctp's send buffer. */
struct outgoing_message {
	struct rtc_list link;
	uint16_t stream;
	uint32_t ppid;
	size_t len;
	size_t sent;            /* bytes usrsctp took (explicit EOR: in pieces) */
	uint8_t data[];
};

/* Something usrsctp handed us during a call; handled after it returns so
 * that we never call usrsctp from inside its own callbacks. */
struct inbound_item {
	struct rtc_list link;
	bool notification;
	bool end_of_record;
	uint16_t stream;
	uint32_t ppid;
	size_t len;
	void *data;             /* malloc()ed by read_available, ours to free */
};

struct out_packet {
	struct rtc_list link;
	size_t len;
	uint8_t data[];
};

struct queued_event {
	struct rtc_list link;
	struct rtc_sctp_event event;
	void *owned;            /* message bytes or label+protocol */
};

struct rtc_sctp {
	uintptr_t id;           /* usrsctp's name for us: see sctp-stack.c */
	struct socket *sock;
	struct rtc_sctp_config config;
	enum assoc_state state;
	uint16_t streams_out;   /* negotiated once up */
	uint16_t streams_in;

	struct channel **channels;  /* indexed by stream id */
	uint32_t channels_len;

	struct rtc_list packets;    /* struct out_packet, for DTLS */
	struct rtc_list inbound;    /* struct inbound_item */
	struct rtc_list events;     /* struct queued_event */
	struct rtc_list send_queue; /* struct outgoing_message */
	uint16_t last_served;       /* the stream send_queue gave usrsctp last */
	uint64_t fair_clock;        /* `served` of the stream chosen last */
	struct out_packet *last_packet; /* handed out, freed on the next call */
	struct queued_event *last_event;

	/* The message being reassembled from partial deliveries. */
	struct {
		bool active;
		bool too_big;
		uint16_t stream;
		uint32_t ppid;
		uint8_t *buf;
		size_t len;
		size_t cap;
	} rx;

	uint64_t last_activity;   /* ns: when a packet last went in or out */
	struct rtc_list dirty_link; /* on the stack's list while it has work */
	bool in_call;             /* a public call on this association is running */
	bool receive_held;        /* leave data in usrsctp: a reader is behind */
};

/* sctp-stack.c: usrsctp's process-wide state. */
int rtc_sctp_stack_attach(struct rtc_sctp *sctp, struct rtc_error *err);
void rtc_sctp_stack_detach(struct rtc_sctp *sctp);
/* After usrsctp_close(): usrsctp may no longer name this association. */
void rtc_sctp_stack_forget(struct rtc_sctp *sctp);
void rtc_sctp_stack_advance(uint64_t now);
uint64_t rtc_sctp_stack_clock(void);
/* The association whose usrsctp-side name is id, or NULL if freed since. */
struct rtc_sctp *rtc_sctp_stack_lookup(uintptr_t id);
/* Marks an association as having work to finish after usrsctp returns. */
void rtc_sctp_stack_mark_dirty(struct rtc_sctp *sctp);
/* Finishes the work of every marked association; wakes those not in a call. */
void rtc_sctp_stack_settle(void);

/* sctp.c */
/* Around every public call: advance usrsctp's clock to now, and afterwards
 * finish what usrsctp left (inbound data, the send queue) everywhere. */
void rtc_sctp_enter(struct rtc_sctp *sctp, uint64_t now);
void rtc_sctp_leave(struct rtc_sctp *sctp);
void rtc_sctp_queue_packet(struct rtc_sctp *sctp, const void *data, size_t len);
int rtc_sctp_queue_inbound(struct rtc_sctp *sctp, void *data, size_t len, uint16_t stream,
		       uint32_t ppid, int flags);
void rtc_sctp_process(struct rtc_sctp *sctp);
struct queued_event *rtc_sctp_push_event(struct rtc_sctp *sctp, enum rtc_sctp_event_type type,
				   uint16_t stream);
void rtc_sctp_push_error(struct rtc_sctp *sctp, uint16_t stream, enum rtc_error_kind kind,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* sctp-channel.c */
struct channel *rtc_sctp_channel_get(const struct rtc_sctp *sctp, uint16_t stream);
void rtc_sctp_channel_message(struct rtc_sctp *sctp, uint16_t stream, uint32_t ppid,
			  uint8_t *data, size_t len);
void rtc_sctp_channel_stream_reset(struct rtc_sctp *sctp, uint16_t stream, bool incoming,
			       bool failed);
void rtc_sctp_channel_flush(struct rtc_sctp *sctp);
void rtc_sctp_channel_close_all(struct rtc_sctp *sctp);
void rtc_sctp_channel_free_all(struct rtc_sctp *sctp);

/* For tests and the fuzz target only: queues bytes with any PPID (DCEP,
 * deprecated or unknown ones) on a channel of this end, so that the other
 * end's handling of them can be exercised through a real association. */
int rtc_sctp_send_raw(struct rtc_sctp *sctp, uint64_t now, uint16_t stream, uint32_t ppid,
		      const uint8_t *data, size_t len, struct rtc_error *err);
