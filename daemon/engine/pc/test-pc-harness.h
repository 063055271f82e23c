/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two peer connections (engine/pc) in one process, on an in-memory network
 * and one fake clock: the harness is the owner of both, as daemon/session
 * is of one (GATHER gets a host "socket", candidates trickle through a
 * signalling channel, poll_output is drained after every call), and the
 * network between them. Each pc has one host socket: 10.0.0.1:5000 and
 * 10.0.0.2:6000.
 *
 * The network delays each datagram by a seeded random time between
 * delay_min and delay_max (a spread reorders them) and loses a seeded
 * share of them; time jumps to the next delivery or deadline, so a minute
 * of retransmissions costs no wall time. OpenSSL's and usrsctp's own
 * timers read the same clock (tests/fake-wallclock.h). Same seed, same run:
 * `digest` sums up what happened, when (PCN_TRACE=1 in the environment
 * prints each step of it on stderr, to find where two runs part).
 *
 * For the tests of who may reach DTLS (RFC 8445 section 11), an attacker at
 * 10.0.0.66:7777 can send DTLS records of its own to both sockets, and the
 * STUN success responses one peer sends can be held back until its first
 * DTLS datagram has arrived at the other (so that datagram comes from an
 * address the receiver has not validated yet).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/pc/pc.h"

#define PCN_MS 1000000ull
#define PCN_S 1000000000ull

/* The program's clock, which OpenSSL and usrsctp read as the wall clock
 * too. usrsctp is one stack for the process: it only moves forward. */
extern uint64_t pcn_now;

struct pcn;

/* A data-channel message arrived at peer `to` (its bytes live until the
 * next call into that pc). */
typedef void (*pcn_message_fn)(struct pcn *net, int to, uint16_t stream, bool binary,
			       const uint8_t *data, size_t len);
/* A media frame arrived at peer `to` on its transceiver (data lives until
 * the next call into that pc; NULL: an audio gap to conceal). */
typedef void (*pcn_frame_fn)(struct pcn *net, int to, size_t transceiver,
			     const struct rtc_recv_frame *frame);

struct pcn_packet {
	uint64_t deliver_at;
	uint64_t seq;                   /* ties at one instant keep sending order */
	enum { PCN_DATAGRAM, PCN_CANDIDATE, PCN_ANSWER } kind;
	bool gated;                     /* waits for the gate to open */
	int to_peer;                    /* signalling */
	struct sockaddr_storage from, to;
	char mid[33];                   /* a candidate's */
	int mline_index;
	size_t len;
	uint8_t *data;                  /* datagram, or NUL-terminated text */
};

#define PCN_MAX_CHANNELS 8

struct pcn_peer {
	struct rtc_pc *pc;
	uint32_t socket;
	struct sockaddr_storage addr;
	bool woken;                     /* usrsctp left work for it (config.wake) */
	uint64_t deadline;

	/* What it reported, and what it sent. */
	enum rtc_ice_transport_state ice;
	enum rtc_dtls_state dtls;
	bool dtls_failed;
	bool gathering_complete;
	bool sctp_ready;
	uint64_t dtls_first_sent;       /* its first DTLS datagram (RTC_NEVER: none) */
	uint64_t dtls_connected_at;     /* RTC_NEVER: not yet */
	unsigned dtls_sent;             /* DTLS datagrams */
	unsigned client_hellos;         /* of them, ClientHello records */
	unsigned candidates;            /* LOCAL_CANDIDATE events, "" included */
	unsigned candidate_errors;
	unsigned signal_errors;         /* addIceCandidate or the answer failed */
	unsigned wrong_socket;          /* transmits on a socket it was not given */
	unsigned channels_closed;
	uint16_t opened[PCN_MAX_CHANNELS];      /* CHANNEL_OPENED: the peer's channels */
	char opened_label[PCN_MAX_CHANNELS][32];
	struct rtc_sctp_channel_params opened_params[PCN_MAX_CHANNELS];
	unsigned n_opened;
	/* DTLS that reached it from an address its ICE agent had not
	 * validated at that moment (the pc must hold or drop it). */
	unsigned dtls_in_unvalidated;

	/* Media events. */
	unsigned tracks;                /* TRACK */
	unsigned key_frame_requests;    /* KEY_FRAME_REQUEST */
	bool key_frame_due;             /* one came since the test last looked */
	uint64_t target_bps;            /* the latest TARGET_BITRATE */
	unsigned target_events;
};

/* A link with a rate: packets queue behind each other (drop-tail beyond
 * max_queue of waiting), then take the network's delay. bps 0: no limit. */
struct pcn_link {
	uint64_t bps;
	uint64_t max_queue;
	uint64_t free_at;               /* when the last queued packet is out */
	unsigned dropped;
};

struct pcn {
	uint64_t rng;
	unsigned loss_permille;
	uint64_t delay_min, delay_max;
	/* Signalling: in order, never lost. answer_delay > 0 sends the
	 * answer through it too, instead of applying it at once. */
	uint64_t signal_delay, answer_delay;
	uint64_t last_signal[2];        /* FIFO: nothing overtakes */
	struct pcn_peer peers[2];
	uint64_t start;                 /* pcn_now at pcn_init */

	/* Held-back STUN success responses of peer gate_from. */
	bool gate;
	int gate_from;
	bool gate_open;
	uint64_t gate_opened_at;

	/* The attacker: every attack_every until attack_until, a fatal alert
	 * and a ClientHello to each peer's socket, from its port plus the
	 * number of the attack modulo attacker_ports (0 or 1: one port). */
	struct sockaddr_storage attacker;
	unsigned attacker_ports;
	uint64_t attack_every, attack_until, next_attack;
	unsigned attacks;

	struct pcn_packet *packets;
	size_t n_packets, cap_packets;
	uint64_t seq;

	unsigned sent, lost, delivered;
	unsigned to_nowhere;            /* addressed to no socket of either peer */
	unsigned to_attacker;           /* a pc answered the attacker: must stay 0 */
	uint64_t digest;

	pcn_message_fn on_message;
	pcn_frame_fn on_frame;
	void *user;

	/* Media: each direction's bottleneck (links[i]: what peer i sends),
	 * and a blackout when every datagram is lost. */
	struct pcn_link links[2];
	uint64_t blackout_from, blackout_until;
	unsigned blacked_out;
	/* Called before the offer on peer 0 and before the answer on peer 1
	 * (to add transceivers); no_data_channel leaves the channel out. */
	void (*before_offer)(struct pcn *net);
	void (*before_answer)(struct pcn *net);
	bool no_data_channel;
	const char *video_codec;        /* the pcs' config.video_codec */
};

struct sockaddr_storage pcn_addr(const char *ip, uint16_t port);

/* A network with this seed, the clock moved on past anything an earlier
 * run left in usrsctp; then set loss and delays, and create the pcs. */
void pcn_init(struct pcn *net, uint64_t seed);
int pcn_create(struct pcn *net);
void pcn_free(struct pcn *net);

/* Peer 0 adds a data channel and offers, peer 1 answers: both
 * descriptions applied. 0, or -1 (printed). */
int pcn_negotiate(struct pcn *net);
/* The peer that is DTLS client (from the answer), or -1. */
int pcn_dtls_client(const struct pcn *net);

/* Moves time to the next event and handles it; false when nothing is
 * left to happen. */
bool pcn_step(struct pcn *net);
/* Steps until cond holds (true) or `limit` of simulated time passed. */
bool pcn_run_until(struct pcn *net, uint64_t limit, bool (*cond)(struct pcn *net));
void pcn_run_for(struct pcn *net, uint64_t duration);
/* Drains a pc's output after a call into it from the test. */
void pcn_pump(struct pcn *net, int i);

bool pcn_both_dtls_connected(struct pcn *net);
bool pcn_both_sctp_ready(struct pcn *net);
