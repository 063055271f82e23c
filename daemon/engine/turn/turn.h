/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A TURN client (RFC 8656) for one allocation, sans-I/O: it produces the
 * bytes to send to the TURN server and consumes the bytes that come back;
 * the caller carries them over UDP, TCP or TLS (with turn-stream.h cutting
 * the TCP byte stream into messages) and feeds the time.
 *
 *     c = rtc_turn_client_new(&config, &err);
 *     rtc_turn_client_allocate(c, now);
 *     loop:
 *         bytes from the server:
 *             switch (rtc_turn_client_handle_receive(c, now, data, len, &in))
 *                 RTC_TURN_INPUT_PEER_DATA: in.peer sent in.data, in.len
 *         if (now >= rtc_turn_client_deadline(c)) rtc_turn_client_handle_timeout(c, now);
 *         data for a peer (once ALLOCATED):
 *             rtc_turn_client_send(c, now, peer, data, len, &err);
 *         while (rtc_turn_client_poll_transmit(c, &tx)) send tx.data to the server
 *         while (rtc_turn_client_poll_event(c, &ev)) act on ev
 *
 * The client answers the long-term credential challenge (401 with REALM
 * and NONCE, PASSWORD-ALGORITHMS when the server offers SHA-256), follows
 * a stale nonce (438), refreshes the allocation before it expires,
 * refreshes permissions every 4 minutes (they last 5) and channel bindings
 * every 9 (they last 10). rtc_turn_client_send asks for the permission
 * and a channel the first time it sees a peer and holds the peer's data
 * until the server confirms one of them: a server drops whatever arrives
 * for a peer without a permission (RFC 8656 9), and the sender would only
 * find out at its own retransmission (an ICE check: 500 ms). Peer data
 * goes out as ChannelData once a channel is bound to the peer, as a Send
 * indication before.
 *
 * Failures of the server come out as events carrying the STUN error code
 * and reason (the daemon turns them into RTCPeerConnectionIceErrorEvent):
 * e.g. 401 (wrong credentials, after the challenge was answered), 437
 * Allocation Mismatch, 441 Wrong Credentials, 486 Allocation Quota
 * Reached, 508 Insufficient Capacity, or 0 with "timeout" when the server
 * never answered.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/error.h"
#include "engine/stun/stun.h"

#define RTC_TURN_CHANNEL_MIN 0x4000
#define RTC_TURN_CHANNEL_MAX 0x4FFF
#define RTC_TURN_CHANNEL_HEADER_LEN 4
/* IANA protocol number in REQUESTED-TRANSPORT: WebRTC relays UDP. */
#define RTC_TURN_TRANSPORT_UDP 17

/* How the client reaches the server: decides retransmissions (none over
 * a reliable stream) and ChannelData padding (to 4 bytes on streams). */
enum rtc_turn_transport {
	RTC_TURN_OVER_UDP,
	RTC_TURN_OVER_TCP,
	RTC_TURN_OVER_TLS,
};

struct rtc_turn_client_config {
	const char *username;       /* long-term credentials (RFC 8489 9.2) */
	const char *password;
	enum rtc_turn_transport transport;
	uint32_t lifetime_s;        /* requested; 0 for the server's default (600) */
	const char *software;       /* SOFTWARE in requests; NULL for none */
	/* AF_INET (default when 0) or AF_INET6 for the relayed address
	 * (REQUESTED-ADDRESS-FAMILY, RFC 8656 7.1). */
	int address_family;
};

enum rtc_turn_state {
	RTC_TURN_IDLE,
	RTC_TURN_ALLOCATING,
	RTC_TURN_ALLOCATED,
	RTC_TURN_RELEASING,
	RTC_TURN_RELEASED,        /* after a release, or the allocation expired */
	RTC_TURN_FAILED,
};
const char *rtc_turn_state_name(enum rtc_turn_state state);

struct rtc_turn_client;

/* NULL with *err: TypeError for a missing or non-ASCII username/password
 * (or one SASLprep refuses), OperationError when out of memory. */
struct rtc_turn_client *rtc_turn_client_new(const struct rtc_turn_client_config *config,
					    struct rtc_error *err);
void rtc_turn_client_free(struct rtc_turn_client *c);

enum rtc_turn_state rtc_turn_client_state(const struct rtc_turn_client *c);

/* Starts the Allocate transaction. InvalidStateError unless IDLE. */
int rtc_turn_client_allocate(struct rtc_turn_client *c, uint64_t now, struct rtc_error *err);

/* Refresh with LIFETIME 0: the server frees the allocation. The client
 * reports RELEASED when the server confirms or after a timeout, and sends
 * nothing more. */
int rtc_turn_client_release(struct rtc_turn_client *c, uint64_t now, struct rtc_error *err);

/* Installs a permission for the peer's IP address (the port does not
 * matter, RFC 8656 9) and keeps it refreshed. Idempotent. Needs an
 * allocation (InvalidStateError otherwise). */
int rtc_turn_client_create_permission(struct rtc_turn_client *c, uint64_t now,
				      const struct sockaddr *peer, struct rtc_error *err);

/* Binds a channel to the peer's transport address (after a permission for
 * its IP, made here when missing) and keeps it bound; *channel (may be
 * NULL) gets the number. Idempotent per peer. OperationError when all
 * 4096 channel numbers are taken. */
int rtc_turn_client_bind_channel(struct rtc_turn_client *c, uint64_t now,
				 const struct sockaddr *peer, uint16_t *channel,
				 struct rtc_error *err);

/* At most this many datagrams wait for one peer's permission; a new one
 * pushes the oldest out (counted in dropped_overflow). The wait is one
 * round trip to the server: room for a connectivity check, a triggered
 * check and a DTLS flight; older ones would be stale. */
#define RTC_TURN_HELD_PER_PEER 4

/* Sends data to the peer (a transport address) through the relay: the one
 * call per datagram; what it produces comes out of poll_transmit, so
 * drain that after it. The first data for a peer asks the server for a
 * permission for its IP and a channel to its address (CreatePermission
 * and ChannelBind, each installing the permission) and holds the data, up
 * to RTC_TURN_HELD_PER_PEER datagrams per peer; the server's first success
 * releases them, in order, at the next poll_transmit (Send indications,
 * or ChannelData when the channel is the one confirmed). Once the
 * permission or channel exists, data is queued for poll_transmit at once,
 * also while either is being refreshed or retransmitted. When both fail
 * (error response or timeout) the held data is dropped (dropped_failed)
 * and the next send asks again. 0, or -1 with *err: InvalidStateError
 * unless ALLOCATED, TypeError (peer not IPv4/IPv6), RangeError (over
 * 65535 bytes), OperationError (out of memory). */
int rtc_turn_client_send(struct rtc_turn_client *c, uint64_t now, const struct sockaddr *peer,
			 const uint8_t *data, size_t len, struct rtc_error *err);

struct rtc_turn_client_stats {
	uint64_t held;              /* datagrams send() held for a permission */
	uint64_t released;          /* of those, sent once the server confirmed */
	uint64_t dropped_overflow;  /* pushed out by newer ones (RTC_TURN_HELD_PER_PEER) */
	uint64_t dropped_failed;    /* the permission and channel failed, or the
				     * allocation ended, before they could leave */
};
void rtc_turn_client_stats(const struct rtc_turn_client *c, struct rtc_turn_client_stats *out);

/* The framing alone, for a caller that manages permissions itself: wraps
 * data for the peer into out: ChannelData when a channel to the peer is
 * bound, else a Send indication. Needs a permission (or channel) the
 * server has confirmed: what is sent before, the server drops. *out_len
 * is the byte count to hand to the server. InvalidStateError (no
 * allocation, no confirmed permission) or RangeError (out too small, data
 * over 65535 bytes). */
int rtc_turn_client_wrap(struct rtc_turn_client *c, const struct sockaddr *peer,
			 const uint8_t *data, size_t len, uint8_t *out, size_t out_cap,
			 size_t *out_len, struct rtc_error *err);

enum rtc_turn_input {
	RTC_TURN_INPUT_HANDLED,     /* a response or control message; look at events */
	RTC_TURN_INPUT_PEER_DATA,   /* data relayed from a peer: see struct rtc_turn_data */
	RTC_TURN_INPUT_IGNORED,     /* not for us (unknown transaction, unknown channel,
				     * failed integrity): dropped, as RFC 8656 says */
	RTC_TURN_INPUT_MALFORMED,   /* neither STUN nor ChannelData, or broken */
};

struct rtc_turn_data {
	struct sockaddr_storage peer;
	const uint8_t *data;        /* points into the packet handed in */
	size_t len;
};

/* One whole datagram, or one frame cut by the stream reassembler. */
enum rtc_turn_input rtc_turn_client_handle_receive(struct rtc_turn_client *c, uint64_t now,
						  const uint8_t *packet, size_t len,
						  struct rtc_turn_data *data);

/* When handle_timeout is due next; UINT64_MAX when nothing is scheduled. */
uint64_t rtc_turn_client_deadline(const struct rtc_turn_client *c);
void rtc_turn_client_handle_timeout(struct rtc_turn_client *c, uint64_t now);

/* The next message for the server: requests first, then peer data from
 * rtc_turn_client_send in the order it was sent (a peer still waiting for
 * its permission does not hold up the others). data stays valid until the
 * next call into the client. False when nothing is queued. */
struct rtc_turn_transmit {
	const uint8_t *data;
	size_t len;
};
bool rtc_turn_client_poll_transmit(struct rtc_turn_client *c, struct rtc_turn_transmit *tx);

enum rtc_turn_event_type {
	RTC_TURN_EVENT_ALLOCATED,          /* relayed, mapped, lifetime_s */
	RTC_TURN_EVENT_ALLOCATION_FAILED,  /* error_code, reason; state FAILED */
	RTC_TURN_EVENT_REFRESH_FAILED,     /* the allocation is lost; state FAILED */
	RTC_TURN_EVENT_RELEASED,           /* after rtc_turn_client_release or expiry */
	RTC_TURN_EVENT_PERMISSION_CREATED, /* peer (first success only) */
	RTC_TURN_EVENT_PERMISSION_FAILED,  /* peer, error_code, reason */
	RTC_TURN_EVENT_CHANNEL_BOUND,      /* peer, channel (first success only) */
	RTC_TURN_EVENT_CHANNEL_FAILED,     /* peer, channel, error_code, reason */
};

struct rtc_turn_event {
	enum rtc_turn_event_type type;
	struct sockaddr_storage relayed;   /* XOR-RELAYED-ADDRESS */
	struct sockaddr_storage mapped;    /* XOR-MAPPED-ADDRESS; AF_UNSPEC if absent */
	uint32_t lifetime_s;
	struct sockaddr_storage peer;
	uint16_t channel;
	uint16_t error_code;               /* STUN error code; 0 for a timeout */
	char reason[128];
};
bool rtc_turn_client_poll_event(struct rtc_turn_client *c, struct rtc_turn_event *ev);

/* The relayed address once ALLOCATED (false before). */
bool rtc_turn_client_relayed_address(const struct rtc_turn_client *c,
				     struct sockaddr_storage *out);

/* ---- ChannelData framing (RFC 8656 12.4), also used by servers and tests */

/* Writes the 4-byte header and data into out; pads to 4 bytes when
 * `pad` (stream transports). Returns the bytes written or 0 when out is
 * too small or the channel/length is invalid. */
size_t rtc_turn_channel_data_write(uint16_t channel, const uint8_t *data, size_t len,
				   bool pad, uint8_t *out, size_t out_cap);
/* Parses one ChannelData message of exactly len bytes (padding allowed,
 * up to 3 bytes). False when it is not one. */
bool rtc_turn_channel_data_parse(const uint8_t *packet, size_t len, uint16_t *channel,
				 const uint8_t **data, size_t *data_len);
