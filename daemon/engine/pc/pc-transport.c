/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What arrives besides STUN, and the data-channel transport above ICE:
 * DTLS (engine/dtls) on ICE's data pair, SCTP (engine/sctp) inside DTLS.
 *
 * RFC 8445 section 11 and RFC 7675: only an address that proved it holds
 * the ICE credentials may send us anything else. A DTLS datagram from a
 * source no connectivity check validated is held (the peer's handshake may
 * start the moment its own check succeeded, before ours did), per source
 * and bounded, and replayed once that source validates; anything else is
 * dropped and counted.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/dtls/cert.h"
#include "engine/pc/demux.h"
#include "engine/pc/pc-media.h"
#include "engine/pc/pc-private.h"

/* Held datagrams: a handshake's first flight fits in a few, and a flood
 * from one source must not push out another's. */
#define HELD_MAX 16
#define HELD_PER_SOURCE 4
/* A held datagram older than this is stale: a live peer has retransmitted
 * its flight by then (DTLS: after 1 s), and a stranger's should not sit
 * uncounted for the life of the connection. */
#define HELD_MAX_AGE_NS (3ull * 1000000000ull)

static bool same_source(const struct pc_held *h, uint32_t socket, const struct sockaddr *from)
{
	return h->socket == socket && pc_same_address(&h->from, from);
}

/* Drops (and counts) what was held too long. */
static void expire_held(struct rtc_pc *pc, uint64_t now)
{
	struct pc_held **pp = &pc->held;

	while (*pp) {
		struct pc_held *h = *pp;

		if (now - h->at < HELD_MAX_AGE_NS) {
			pp = &h->next;
			continue;
		}
		*pp = h->next;
		free(h);
		pc->n_held--;
		pc->stats.dropped_unvalidated++;
	}
}

static void hold(struct rtc_pc *pc, uint64_t now, uint32_t socket, const struct sockaddr *from,
		 const uint8_t *data, size_t len)
{
	struct pc_held *h, **tail = &pc->held;
	size_t from_source = 0;

	expire_held(pc, now);
	for (h = pc->held; h; h = h->next) {
		from_source += same_source(h, socket, from);
		tail = &h->next;
	}
	if (from_source >= HELD_PER_SOURCE || (from->sa_family != AF_INET &&
					       from->sa_family != AF_INET6)) {
		pc->stats.dropped_unvalidated++;
		return;
	}
	if (pc->n_held >= HELD_MAX) {
		/* The oldest goes: a live peer retransmits its flight. */
		h = pc->held;
		pc->held = h->next;
		if (tail == &h->next)
			tail = &pc->held;
		free(h);
		pc->n_held--;
		pc->stats.dropped_unvalidated++;
	}
	h = malloc(sizeof(*h) + len);
	if (!h) {
		pc->stats.dropped_unvalidated++;
		return;
	}
	h->next = NULL;
	h->at = now;
	h->socket = socket;
	memset(&h->from, 0, sizeof(h->from));
	memcpy(&h->from, from, from->sa_family == AF_INET ? sizeof(struct sockaddr_in)
							  : sizeof(struct sockaddr_in6));
	h->len = len;
	memcpy(h->data, data, len);
	*tail = h;
	pc->n_held++;
}

/* Replays what validated sources sent, once DTLS is there to take it. */
static void replay_held(struct rtc_pc *pc, uint64_t now)
{
	struct pc_held **pp = &pc->held;

	pc->recheck_held = false;
	expire_held(pc, now);
	while (*pp) {
		struct pc_held *h = *pp;

		if (!rtc_ice_agent_validated(pc->agent, h->socket, (struct sockaddr *)&h->from)) {
			pp = &h->next;
			continue;
		}
		*pp = h->next;
		pc->n_held--;
		rtc_ice_agent_count_data(pc->agent, now, 0, h->len);
		rtc_dtls_handle_receive(pc->dtls, now, h->data, h->len);
		free(h);
	}
}

static void free_held(struct rtc_pc *pc, bool count)
{
	while (pc->held) {
		struct pc_held *h = pc->held;
		pc->held = h->next;
		free(h);
		if (count)
			pc->stats.dropped_unvalidated++;
	}
	pc->n_held = 0;
}

void pc_transport_deliver(struct rtc_pc *pc, uint64_t now, uint32_t socket,
			  const struct sockaddr *from, const uint8_t *data, size_t len)
{
	switch (rtc_demux_classify(data, len)) {
	case RTC_PACKET_STUN:
		rtc_ice_agent_handle_receive(pc->agent, now, socket, from, data, len);
		/* A check may have succeeded: held datagrams may go in. */
		if (pc->held)
			pc->recheck_held = true;
		break;
	case RTC_PACKET_DTLS:
		if (!rtc_ice_agent_validated(pc->agent, socket, from)) {
			hold(pc, now, socket, from, data, len);
			break;
		}
		if (!pc->dtls) {
			/* Validated, but the answer that starts DTLS is not
			 * applied yet: the peer's ICE can connect first. */
			hold(pc, now, socket, from, data, len);
			break;
		}
		rtc_ice_agent_count_data(pc->agent, now, 0, len);
		rtc_dtls_handle_receive(pc->dtls, now, data, len);
		break;
	case RTC_PACKET_RTP:
	case RTC_PACKET_RTCP:
		/* Media only from where ICE validated: SRTP would reject a
		 * stranger's anyway, but not before paying for it. */
		if (!rtc_ice_agent_validated(pc->agent, socket, from)) {
			pc->stats.dropped_unvalidated++;
			break;
		}
		rtc_ice_agent_count_data(pc->agent, now, 0, len);
		pc_media_receive(pc, now, data, len);
		break;
	default:
		pc->stats.dropped_unknown++;
		break;
	}
}

static void set_dtls_state(struct rtc_pc *pc, enum rtc_dtls_state state)
{
	struct rtc_pc_event *ev;

	if (state == pc->dtls_state)
		return;
	pc->dtls_state = state;
	if ((ev = pc_event_push(pc, RTC_PC_EVENT_DTLS_STATE)))
		ev->dtls = state;
}

static void on_sctp_wake(void *user)
{
	struct rtc_pc *pc = user;

	if (!pc->closed && pc->config.wake)
		pc->config.wake(pc->config.user);
}

static void start_sctp(struct rtc_pc *pc, uint64_t now)
{
	struct rtc_jsep_sctp_session sess;
	struct rtc_sctp_config config = { 0 };
	struct rtc_error err = { 0 };

	if (!rtc_jsep_sctp_session(pc->jsep, &sess))
		return;
	config.dtls_client = sess.dtls_client;
	config.local_port = sess.local_port;
	config.remote_port = sess.remote_port;
	config.remote_max_message_size = sess.remote_max_message_size == UINT64_MAX
						 ? 0 : sess.remote_max_message_size;
	config.wake = on_sctp_wake;
	config.user = pc;
	pc->sctp = rtc_sctp_new(&config, now, &err);
	if (!pc->sctp)
		rtc_warn("pc: no SCTP association: %s", err.message);
}

/* Starts DTLS once ICE has a pair and the answer said who is client and
 * which certificate the peer must present. */
void pc_transport_maybe_start(struct rtc_pc *pc, uint64_t now)
{
	struct rtc_jsep_transport sess;
	struct rtc_dtls_config config = { 0 };
	const struct rtc_cert *cert = rtc_jsep_certificate(pc->jsep);
	struct rtc_error err = { 0 };

	if (pc->closed || !pc->agent || pc->dtls || pc->dtls_state == RTC_DTLS_FAILED ||
	    !rtc_ice_agent_data_pair(pc->agent, NULL, NULL) ||
	    !rtc_jsep_transport(pc->jsep, &sess))
		return;
	config.role = sess.dtls_client ? RTC_DTLS_CLIENT : RTC_DTLS_SERVER;
	config.certificate = rtc_cert_x509(cert);
	config.private_key = rtc_cert_private_key(cert);
	config.remote_fingerprint_algorithm = sess.remote_fingerprint_algorithm;
	config.remote_fingerprint = sess.remote_fingerprint;
	if (rtc_dtls_new(&config, &pc->dtls, &err) < 0) {
		rtc_warn("pc: no DTLS: %s", err.message);
		set_dtls_state(pc, RTC_DTLS_FAILED);
		return;
	}
	rtc_info("pc: DTLS starts as %s", sess.dtls_client ? "client" : "server");
	set_dtls_state(pc, RTC_DTLS_CONNECTING);
	rtc_dtls_start(pc->dtls, now);
	replay_held(pc, now);
}

bool pc_send_selected(struct rtc_pc *pc, uint64_t now, const uint8_t *data, size_t len,
		      struct rtc_pc_transmit *out)
{
	struct sockaddr_storage remote;
	uint32_t socket;

	if (!pc->agent || !rtc_ice_agent_data_pair(pc->agent, &socket, &remote))
		return false;
	rtc_ice_agent_count_data(pc->agent, now, len, 0);
	return pc_route(pc, now, socket, &remote, data, len, out);
}

/* The next SCTP event: a message is returned in out as it is (its data
 * lives in SCTP until its next call, so it is never queued); others join
 * the pc's queue. False when SCTP has none. */
static bool sctp_event(struct rtc_pc *pc, struct rtc_pc_output *out)
{
	struct rtc_sctp_event ev;
	struct rtc_pc_event *e;

	while (pc->sctp && rtc_sctp_poll_event(pc->sctp, &ev)) {
		enum rtc_pc_event_type type;

		switch (ev.type) {
		case RTC_SCTP_EVENT_MESSAGE:
			out->type = RTC_PC_OUTPUT_EVENT;
			out->event.type = RTC_PC_EVENT_CHANNEL_MESSAGE;
			out->event.channel.stream = ev.stream;
			out->event.channel.binary = ev.binary;
			out->event.channel.data = ev.data;
			out->event.channel.len = ev.len;
			return true;
		case RTC_SCTP_EVENT_ASSOCIATION_UP:
			pc->sctp_announced = true;
			pc_event_push(pc, RTC_PC_EVENT_SCTP_READY);
			out->type = RTC_PC_OUTPUT_TIMEOUT;
			return true;
		case RTC_SCTP_EVENT_ASSOCIATION_DOWN:
			rtc_info("pc: SCTP association down");
			continue;
		case RTC_SCTP_EVENT_CHANNEL_ACKED:
			continue;
		case RTC_SCTP_EVENT_ERROR:
			rtc_info("pc: SCTP: %s", ev.error.message);
			continue;
		case RTC_SCTP_EVENT_CHANNEL_OPENED:
			type = RTC_PC_EVENT_CHANNEL_OPENED;
			break;
		case RTC_SCTP_EVENT_CHANNEL_CLOSING:
			type = RTC_PC_EVENT_CHANNEL_CLOSING;
			break;
		case RTC_SCTP_EVENT_CHANNEL_CLOSED:
			type = RTC_PC_EVENT_CHANNEL_CLOSED;
			break;
		default:
			type = RTC_PC_EVENT_CHANNEL_BUFFERED_LOW;
			break;
		}
		if ((e = pc_event_push(pc, type))) {
			e->channel.stream = ev.stream;
			e->channel.params = ev.params;
		}
		out->type = RTC_PC_OUTPUT_TIMEOUT;
		return true;
	}
	return false;
}

static void dtls_event(struct rtc_pc *pc, uint64_t now, const struct rtc_dtls_event *ev)
{
	switch (ev->type) {
	case RTC_DTLS_EVENT_CONNECTED:
		rtc_info("pc: DTLS connected (%s)", rtc_dtls_cipher_name(pc->dtls));
		set_dtls_state(pc, RTC_DTLS_CONNECTED);
		/* What is still held came from sources that never validated
		 * during the handshake: nothing to replay it into now. */
		free_held(pc, true);
		start_sctp(pc, now);
		break;
	case RTC_DTLS_EVENT_DATA:
		if (pc->sctp)
			rtc_sctp_handle_receive(pc->sctp, now, ev->data, ev->len);
		break;
	case RTC_DTLS_EVENT_CLOSED:
		/* The peer's close_notify ends the association too: its
		 * channels close (W3C), and nothing could carry SCTP any more. */
		if (pc->sctp)
			rtc_sctp_abort(pc->sctp, "DTLS closed by the peer");
		set_dtls_state(pc, RTC_DTLS_CLOSED);
		break;
	case RTC_DTLS_EVENT_FAILED:
		rtc_warn("pc: DTLS failed: %s", ev->reason);
		set_dtls_state(pc, RTC_DTLS_FAILED);
		break;
	}
}

enum rtc_pc_output_type pc_transport_poll(struct rtc_pc *pc, uint64_t now,
					  struct rtc_pc_output *out)
{
	struct rtc_dtls_event ev;
	const uint8_t *data;
	size_t len;

	if (!pc->dtls)
		return RTC_PC_OUTPUT_TIMEOUT;
	if (pc->recheck_held && pc->held)
		replay_held(pc, now);
	for (;;) {
		bool busy = false;

		/* SCTP's packets into DTLS records, then DTLS onto the wire. */
		while (pc->sctp && rtc_sctp_poll_transmit(pc->sctp, &data, &len)) {
			struct rtc_error err = { 0 };
			if (rtc_dtls_send(pc->dtls, data, len, &err) < 0)
				rtc_debug("pc: SCTP packet not sent: %s", err.message);
		}
		while ((data = rtc_dtls_poll_transmit(pc->dtls, &len)))
			if (pc_send_selected(pc, now, data, len, &out->transmit))
				return out->type = RTC_PC_OUTPUT_TRANSMIT;
		while (rtc_dtls_poll_event(pc->dtls, &ev)) {
			dtls_event(pc, now, &ev);
			busy = true;
		}
		/* Events wait for the caller, who pops the queue first: a
		 * message goes out only behind what was queued before it. */
		if (pc->events)
			return RTC_PC_OUTPUT_TIMEOUT;
		if (sctp_event(pc, out))
			return out->type;
		if (!busy)
			return RTC_PC_OUTPUT_TIMEOUT;
	}
}

void pc_transport_timeouts(struct rtc_pc *pc, uint64_t now)
{
	if (!pc->dtls)
		return;
	if (now >= rtc_dtls_deadline(pc->dtls))
		rtc_dtls_handle_timeout(pc->dtls, now);
	if (pc->sctp && now >= rtc_sctp_deadline(pc->sctp))
		rtc_sctp_handle_timeout(pc->sctp, now);
}

uint64_t pc_transport_deadline(const struct rtc_pc *pc)
{
	uint64_t d;

	if (!pc->dtls)
		return RTC_NEVER;
	d = rtc_dtls_deadline(pc->dtls);
	if (pc->sctp && rtc_sctp_deadline(pc->sctp) < d)
		d = rtc_sctp_deadline(pc->sctp);
	return d;
}

void pc_transport_close(struct rtc_pc *pc, uint64_t now)
{
	struct rtc_pc_transmit out;
	const uint8_t *data;
	size_t len;

	free_held(pc, true);
	if (!pc->dtls)
		return;
	/* An SCTP ABORT, then close_notify, so the peer learns at once (W3C
	 * close()) whichever it listens to; no events any more: the owner is
	 * going away. */
	if (pc->sctp && pc->dtls_state == RTC_DTLS_CONNECTED) {
		struct rtc_error err = { 0 };

		rtc_sctp_abort(pc->sctp, "closed");
		while (rtc_sctp_poll_transmit(pc->sctp, &data, &len))
			if (rtc_dtls_send(pc->dtls, data, len, &err) < 0)
				break;
	}
	rtc_dtls_close(pc->dtls);
	while ((data = rtc_dtls_poll_transmit(pc->dtls, &len)))
		if (pc_send_selected(pc, now, data, len, &out))
			pc_farewell(pc, &out);
	pc_transport_free(pc);
}

void pc_transport_free(struct rtc_pc *pc)
{
	rtc_sctp_free(pc->sctp);
	pc->sctp = NULL;
	rtc_dtls_free(pc->dtls);
	pc->dtls = NULL;
	free_held(pc, false);
}

/* ---- channels ------------------------------------------------------------ */

bool rtc_pc_sctp_ready(const struct rtc_pc *pc)
{
	return pc->sctp && pc->sctp_announced;
}

int rtc_pc_channel_open(struct rtc_pc *pc, uint64_t now, uint16_t stream,
			const struct rtc_sctp_channel_params *params, struct rtc_error *err)
{
	if (!rtc_pc_sctp_ready(pc))
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the SCTP transport is not up");
	return rtc_sctp_open_channel(pc->sctp, now, stream, params, err);
}

int rtc_pc_channel_send(struct rtc_pc *pc, uint64_t now, uint16_t stream, bool binary,
			const uint8_t *data, size_t len, struct rtc_error *err)
{
	if (!rtc_pc_sctp_ready(pc))
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the SCTP transport is not up");
	return rtc_sctp_send(pc->sctp, now, stream, binary, data, len, err);
}

int rtc_pc_channel_close(struct rtc_pc *pc, uint64_t now, uint16_t stream,
			 struct rtc_error *err)
{
	if (!rtc_pc_sctp_ready(pc))
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the SCTP transport is not up");
	return rtc_sctp_close_channel(pc->sctp, now, stream, err);
}

uint64_t rtc_pc_channel_buffered_amount(const struct rtc_pc *pc, uint16_t stream)
{
	return rtc_pc_sctp_ready(pc) ? rtc_sctp_buffered_amount(pc->sctp, stream) : 0;
}

void rtc_pc_channel_set_low_threshold(struct rtc_pc *pc, uint16_t stream, uint64_t threshold)
{
	if (rtc_pc_sctp_ready(pc))
		rtc_sctp_set_buffered_amount_low_threshold(pc->sctp, stream, threshold);
}

void rtc_pc_channel_hold_receiving(struct rtc_pc *pc, uint64_t now, bool hold_it)
{
	if (rtc_pc_sctp_ready(pc))
		rtc_sctp_hold_receiving(pc->sctp, now, hold_it);
}
