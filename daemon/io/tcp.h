/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Outgoing TCP streams on the reactor, for TURN over TCP and TLS (RFC 8656).
 * Low volume by nature (media goes over UDP whenever it can), so they run
 * on readiness watches on both backends; what they carry is framed by the
 * engine (STUN and ChannelData delimit themselves).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct rtc_reactor;
struct rtc_tcp_stream;

struct rtc_tcp_callbacks {
	/* The connection is up (error 0) or could not be made (-errno; the
	 * stream is dead: close it). */
	void (*connected)(void *userdata, struct rtc_tcp_stream *s, int error);
	/* Bytes as they came; valid during the call only. */
	void (*data)(void *userdata, struct rtc_tcp_stream *s, const uint8_t *data, size_t len);
	/* The peer closed (error 0) or the connection broke (-errno). Close it. */
	void (*closed)(void *userdata, struct rtc_tcp_stream *s, int error);
};

/* At most this much may wait to be written before rtc_tcp_send says -ENOBUFS. */
#define RTC_TCP_SEND_QUEUE_MAX (1024u * 1024u)

/* Starts a non-blocking connect. bind_addr may be NULL. 0 or -errno. */
int rtc_tcp_connect(struct rtc_reactor *r, const struct sockaddr *to, socklen_t to_len,
		    const struct sockaddr *bind_addr, socklen_t bind_len,
		    const struct rtc_tcp_callbacks *callbacks, void *userdata,
		    struct rtc_tcp_stream **out);
/* Queues bytes (copied); may be called before the connection is up. */
int rtc_tcp_send(struct rtc_tcp_stream *s, const void *data, size_t len);
size_t rtc_tcp_queued(const struct rtc_tcp_stream *s);
int rtc_tcp_local_address(const struct rtc_tcp_stream *s, struct sockaddr_storage *addr,
			  socklen_t *len);
/* Closes and frees; safe from inside the stream's own callbacks. */
void rtc_tcp_close(struct rtc_tcp_stream *s);
