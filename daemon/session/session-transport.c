/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data-channel transport above ICE: DTLS (engine/dtls) on the selected
 * pair, SCTP (engine/sctp) inside DTLS, and the channels' messages in and
 * out. Starts once ICE has a pair and the answer settled the roles and the
 * peer's fingerprint; what it learns goes to the API layer's callbacks.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/dtls/cert.h"
#include "engine/dtls/dtls.h"
#include "engine/sctp/sctp.h"
#include "io/reactor.h"
#include "session/session-private.h"

/* DTLS records may come before we are ready for them: the peer's ICE can
 * connect (and its DTLS client start) before our answer is applied. */
#define EARLY_DATAGRAMS 8

struct rtc_session_transport {
	struct rtc_dtls *dtls;
	struct rtc_sctp *sctp;
	bool sctp_announced;
	bool more;              /* the last pump stopped with work left */
	struct {
		uint8_t *data;
		size_t len;
	} early[EARLY_DATAGRAMS];
	size_t n_early;
};

static uint64_t now_of(struct rtc_session *s)
{
	return rtc_reactor_now(s->reactor);
}

static struct rtc_session_transport *transport(struct rtc_session *s)
{
	if (!s->transport_state) {
		s->transport_state = calloc(1, sizeof(*s->transport_state));
		if (!s->transport_state)
			rtc_warn("session: out of memory for the transport");
	}
	return s->transport_state;
}

/* Sends on ICE's data pair, host socket or relay alike. */
static void send_selected(struct rtc_session *s, const uint8_t *data, size_t len)
{
	struct sockaddr_storage remote;
	uint32_t socket;

	if (!s->agent || !rtc_ice_agent_data_pair(s->agent, &socket, &remote))
		return;
	rtc_ice_agent_count_data(s->agent, now_of(s), len, 0);
	rtc_session_transmit(s, socket, &remote, data, len);
}

static void set_dtls_state(struct rtc_session *s, enum rtc_dtls_state state)
{
	if (state == s->dtls) {
		return;
	}
	s->dtls = state;
	if (s->cb->dtls_state)
		s->cb->dtls_state(s->userdata, state);
}

static void sctp_events(struct rtc_session *s, struct rtc_session_transport *t)
{
	struct rtc_sctp_event ev;

	while (t->sctp && rtc_sctp_poll_event(t->sctp, &ev)) {
		switch (ev.type) {
		case RTC_SCTP_EVENT_ASSOCIATION_UP:
			t->sctp_announced = true;
			s->cb->sctp_ready(s->userdata);
			break;
		case RTC_SCTP_EVENT_ASSOCIATION_DOWN:
			rtc_info("session: SCTP association down");
			break;
		case RTC_SCTP_EVENT_CHANNEL_OPENED:
			s->cb->channel_opened(s->userdata, ev.stream, &ev.params);
			break;
		case RTC_SCTP_EVENT_CHANNEL_ACKED:
			break;
		case RTC_SCTP_EVENT_MESSAGE:
			s->cb->channel_message(s->userdata, ev.stream, ev.binary, ev.data, ev.len);
			break;
		case RTC_SCTP_EVENT_CHANNEL_CLOSING:
			s->cb->channel_closing(s->userdata, ev.stream);
			break;
		case RTC_SCTP_EVENT_CHANNEL_CLOSED:
			s->cb->channel_closed(s->userdata, ev.stream);
			break;
		case RTC_SCTP_EVENT_BUFFERED_AMOUNT_LOW:
			s->cb->channel_buffered_low(s->userdata, ev.stream);
			break;
		case RTC_SCTP_EVENT_ERROR:
			rtc_info("session: SCTP: %s", ev.error.message);
			break;
		}
	}
}

/* usrsctp is one stack for the whole process: a call on another session's
 * association may leave work on ours. Pick it up at the next iteration. */
static void on_sctp_wake(void *user)
{
	struct rtc_session *s = user;

	if (!s->closed)
		rtc_timer_arm(s->timer, rtc_reactor_now(s->reactor));
}

static void start_sctp(struct rtc_session *s, struct rtc_session_transport *t)
{
	struct rtc_jsep_sctp_session sess;
	struct rtc_sctp_config config = { 0 };
	struct rtc_error err = { 0 };

	if (!rtc_jsep_sctp_session(s->jsep, &sess))
		return;
	config.dtls_client = sess.dtls_client;
	config.local_port = sess.local_port;
	config.remote_port = sess.remote_port;
	config.remote_max_message_size = sess.remote_max_message_size == UINT64_MAX
						 ? 0 : sess.remote_max_message_size;
	config.wake = on_sctp_wake;
	config.user = s;
	t->sctp = rtc_sctp_new(&config, now_of(s), &err);
	if (!t->sctp)
		rtc_warn("session: no SCTP association: %s", err.message);
}

/* DTLS in both directions, then SCTP inside it, until both are quiet or a
 * round limit is reached (then the rest is due at once: see
 * rtc_session_transport_deadline), so a flood cannot starve the reactor. */
void rtc_session_transport_pump(struct rtc_session *s)
{
	struct rtc_session_transport *t = s->transport_state;
	struct rtc_dtls_event ev;
	const uint8_t *data;
	size_t len;

	if (!t || !t->dtls)
		return;
	t->more = false;
	for (int round = 0; round < 64; round++) {
		bool busy = false;

		while (t->sctp && rtc_sctp_poll_transmit(t->sctp, &data, &len)) {
			struct rtc_error err = { 0 };
			if (rtc_dtls_send(t->dtls, data, len, &err) < 0)
				rtc_debug("session: SCTP packet not sent: %s", err.message);
			busy = true;
		}
		while ((data = rtc_dtls_poll_transmit(t->dtls, &len))) {
			send_selected(s, data, len);
			busy = true;
		}
		while (rtc_dtls_poll_event(t->dtls, &ev)) {
			busy = true;
			switch (ev.type) {
			case RTC_DTLS_EVENT_CONNECTED:
				rtc_info("session: DTLS connected (%s)", rtc_dtls_cipher_name(t->dtls));
				set_dtls_state(s, RTC_DTLS_CONNECTED);
				start_sctp(s, t);
				break;
			case RTC_DTLS_EVENT_DATA:
				if (t->sctp)
					rtc_sctp_handle_receive(t->sctp, now_of(s), ev.data, ev.len);
				break;
			case RTC_DTLS_EVENT_CLOSED:
				/* The peer's close_notify ends the association
				 * too: its channels close (W3C), and nothing
				 * could carry SCTP any more. */
				if (t->sctp)
					rtc_sctp_abort(t->sctp, "DTLS closed by the peer");
				set_dtls_state(s, RTC_DTLS_CLOSED);
				break;
			case RTC_DTLS_EVENT_FAILED:
				rtc_warn("session: DTLS failed: %s", ev.reason);
				set_dtls_state(s, RTC_DTLS_FAILED);
				break;
			}
		}
		if (t->sctp)
			sctp_events(s, t);
		if (!busy)
			return;
	}
	t->more = true;
}

uint64_t rtc_session_transport_deadline(const struct rtc_session *s)
{
	const struct rtc_session_transport *t = s->transport_state;
	uint64_t d = UINT64_MAX;

	if (!t || !t->dtls)
		return d;
	if (t->more)
		return 0;
	d = rtc_dtls_deadline(t->dtls);
	if (t->sctp && rtc_sctp_deadline(t->sctp) < d)
		d = rtc_sctp_deadline(t->sctp);
	return d;
}

void rtc_session_transport_timeouts(struct rtc_session *s)
{
	struct rtc_session_transport *t = s->transport_state;
	uint64_t now = now_of(s);

	if (!t || !t->dtls)
		return;
	if (now >= rtc_dtls_deadline(t->dtls))
		rtc_dtls_handle_timeout(t->dtls, now);
	if (t->sctp && now >= rtc_sctp_deadline(t->sctp))
		rtc_sctp_handle_timeout(t->sctp, now);
}

/* Starts DTLS once ICE has a pair and the answer said who is client and
 * which certificate the peer must present. */
void rtc_session_transport_maybe_start(struct rtc_session *s)
{
	struct rtc_jsep_sctp_session sess;
	struct rtc_session_transport *t;
	struct rtc_dtls_config config = { 0 };
	const struct rtc_cert *cert = rtc_jsep_certificate(s->jsep);
	struct rtc_error err = { 0 };
	uint32_t socket;
	struct sockaddr_storage remote;

	if (s->closed || !s->agent || (s->transport_state && s->transport_state->dtls) ||
	    !rtc_ice_agent_data_pair(s->agent, &socket, &remote) ||
	    !rtc_jsep_sctp_session(s->jsep, &sess) || !(t = transport(s)))
		return;
	config.role = sess.dtls_client ? RTC_DTLS_CLIENT : RTC_DTLS_SERVER;
	config.certificate = rtc_cert_x509(cert);
	config.private_key = rtc_cert_private_key(cert);
	config.remote_fingerprint_algorithm = sess.remote_fingerprint_algorithm;
	config.remote_fingerprint = sess.remote_fingerprint;
	if (rtc_dtls_new(&config, &t->dtls, &err) < 0) {
		rtc_warn("session: no DTLS: %s", err.message);
		set_dtls_state(s, RTC_DTLS_FAILED);
		return;
	}
	rtc_info("session: DTLS starts as %s", sess.dtls_client ? "client" : "server");
	set_dtls_state(s, RTC_DTLS_CONNECTING);
	rtc_dtls_start(t->dtls, now_of(s));
	for (size_t i = 0; i < t->n_early; i++) {
		rtc_dtls_handle_receive(t->dtls, now_of(s), t->early[i].data, t->early[i].len);
		free(t->early[i].data);
	}
	t->n_early = 0;
}

void rtc_session_transport_receive(struct rtc_session *s, const uint8_t *data, size_t len)
{
	struct rtc_session_transport *t = transport(s);

	if (!t)
		return;
	rtc_ice_agent_count_data(s->agent, now_of(s), 0, len);
	if (t->dtls) {
		rtc_dtls_handle_receive(t->dtls, now_of(s), data, len);
		return;
	}
	if (t->n_early < EARLY_DATAGRAMS && (t->early[t->n_early].data = malloc(len))) {
		memcpy(t->early[t->n_early].data, data, len);
		t->early[t->n_early++].len = len;
	}
}

void rtc_session_transport_free(struct rtc_session *s)
{
	struct rtc_session_transport *t = s->transport_state;

	if (!t)
		return;
	if (t->dtls) {
		const uint8_t *data;
		size_t len;

		/* An SCTP ABORT, then close_notify, so the peer learns at once
		 * (W3C close()) whichever it listens to; no events any more:
		 * the owner is going away. */
		if (t->sctp && s->dtls == RTC_DTLS_CONNECTED) {
			struct rtc_error err = { 0 };

			rtc_sctp_abort(t->sctp, "closed");
			while (rtc_sctp_poll_transmit(t->sctp, &data, &len))
				if (rtc_dtls_send(t->dtls, data, len, &err) < 0)
					break;
		}
		rtc_dtls_close(t->dtls);
		while ((data = rtc_dtls_poll_transmit(t->dtls, &len)))
			send_selected(s, data, len);
	}
	rtc_sctp_free(t->sctp);
	rtc_dtls_free(t->dtls);
	for (size_t i = 0; i < t->n_early; i++)
		free(t->early[i].data);
	free(t);
	s->transport_state = NULL;
}

/* ---- channels ------------------------------------------------------------ */

bool rtc_session_sctp_ready(const struct rtc_session *s)
{
	return s->transport_state && s->transport_state->sctp &&
	       s->transport_state->sctp_announced;
}

int rtc_session_channel_open(struct rtc_session *s, uint16_t stream,
			     const struct rtc_sctp_channel_params *params, struct rtc_error *err)
{
	int r;

	if (!rtc_session_sctp_ready(s))
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the SCTP transport is not up");
	r = rtc_sctp_open_channel(s->transport_state->sctp, now_of(s), stream, params, err);
	rtc_session_pump(s);
	return r;
}

int rtc_session_channel_send(struct rtc_session *s, uint16_t stream, bool binary,
			     const uint8_t *data, size_t len, struct rtc_error *err)
{
	int r;

	if (!rtc_session_sctp_ready(s))
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the SCTP transport is not up");
	r = rtc_sctp_send(s->transport_state->sctp, now_of(s), stream, binary, data, len, err);
	rtc_session_pump(s);
	return r;
}

int rtc_session_channel_close(struct rtc_session *s, uint16_t stream, struct rtc_error *err)
{
	int r;

	if (!rtc_session_sctp_ready(s))
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the SCTP transport is not up");
	r = rtc_sctp_close_channel(s->transport_state->sctp, now_of(s), stream, err);
	rtc_session_pump(s);
	return r;
}

uint64_t rtc_session_channel_buffered_amount(const struct rtc_session *s, uint16_t stream)
{
	if (!rtc_session_sctp_ready(s))
		return 0;
	return rtc_sctp_buffered_amount(s->transport_state->sctp, stream);
}

void rtc_session_channel_set_low_threshold(struct rtc_session *s, uint16_t stream,
					   uint64_t threshold)
{
	if (rtc_session_sctp_ready(s))
		rtc_sctp_set_buffered_amount_low_threshold(s->transport_state->sctp, stream,
							   threshold);
}

void rtc_session_channel_hold_receiving(struct rtc_session *s, bool hold)
{
	if (!rtc_session_sctp_ready(s))
		return;
	rtc_sctp_hold_receiving(s->transport_state->sctp, now_of(s), hold);
	/* Called while a message is being delivered, too: what the release
	 * read (and the window update) goes out at the next iteration, not
	 * from inside this one. */
	on_sctp_wake(s);
}
