/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.DataChannel: one RTCDataChannel of a peer connection,
 * owned by the peer connection's owner.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api-private.h"
#include "common/log.h"

static struct rtc_api_dc *dc_of(void *data)
{
	return data;
}

static bool append_basic(DBusMessageIter *iter, int type, const void *value)
{
	return dbus_message_iter_append_basic(iter, type, value);
}

static bool get_label(void *data, DBusMessageIter *iter)
{
	return append_basic(iter, DBUS_TYPE_STRING, &dc_of(data)->label);
}

static bool get_protocol(void *data, DBusMessageIter *iter)
{
	return append_basic(iter, DBUS_TYPE_STRING, &dc_of(data)->protocol);
}

static bool get_id(void *data, DBusMessageIter *iter)
{
	return append_basic(iter, DBUS_TYPE_UINT16, &dc_of(data)->init.id);
}

static bool get_ordered(void *data, DBusMessageIter *iter)
{
	dbus_bool_t b = dc_of(data)->init.ordered;

	return append_basic(iter, DBUS_TYPE_BOOLEAN, &b);
}

static bool get_max_packet_life_time(void *data, DBusMessageIter *iter)
{
	return append_basic(iter, DBUS_TYPE_UINT16, &dc_of(data)->init.max_packet_life_time);
}

static bool get_max_retransmits(void *data, DBusMessageIter *iter)
{
	return append_basic(iter, DBUS_TYPE_UINT16, &dc_of(data)->init.max_retransmits);
}

static bool get_negotiated(void *data, DBusMessageIter *iter)
{
	dbus_bool_t b = dc_of(data)->init.negotiated;

	return append_basic(iter, DBUS_TYPE_BOOLEAN, &b);
}

static bool get_ready_state(void *data, DBusMessageIter *iter)
{
	const char *s = rtc_dc_state_name(dc_of(data)->state);

	return append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool get_buffered_amount(void *data, DBusMessageIter *iter)
{
	struct rtc_api_dc *dc = dc_of(data);
	uint64_t amount = dc->on_transport
		? rtc_session_channel_buffered_amount(dc->pc->session, dc->init.id) : 0;

	return append_basic(iter, DBUS_TYPE_UINT64, &amount);
}

static bool get_buffered_amount_low_threshold(void *data, DBusMessageIter *iter)
{
	return append_basic(iter, DBUS_TYPE_UINT64, &dc_of(data)->buffered_amount_low_threshold);
}

static int set_buffered_amount_low_threshold(void *data, DBusMessageIter *value,
					     struct rtc_error *err)
{
	struct rtc_api_dc *dc = dc_of(data);

	dbus_message_iter_get_basic(value, &dc->buffered_amount_low_threshold);
	if (dc->on_transport)
		rtc_session_channel_set_low_threshold(dc->pc->session, dc->init.id,
						      dc->buffered_amount_low_threshold);
	return 0;
}

void rtc_api_dc_emit_error(struct rtc_api_dc *dc, const struct rtc_error *err)
{
	DBusMessage *m = rtc_bus_signal_new(dc->object, RTC_API_IFACE_DATA_CHANNEL, "Error");
	const char *name = rtc_error_kind_name(err->kind), *msg = err->message;

	dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &msg,
				 DBUS_TYPE_INVALID);
	rtc_bus_signal_send(dc->object, m);
}

static void emit(struct rtc_api_dc *dc, const char *signal)
{
	rtc_bus_signal_send(dc->object,
			    rtc_bus_signal_new(dc->object, RTC_API_IFACE_DATA_CHANNEL, signal));
}

static void set_state(struct rtc_api_dc *dc, enum rtc_dc_state state)
{
	static const char *const names[] = { "ReadyState", NULL };

	dc->state = state;
	rtc_bus_emit_properties_changed(dc->object, RTC_API_IFACE_DATA_CHANNEL, names);
}

static void close_method(struct rtc_bus_call *call, void *data)
{
	rtc_api_dc_close(data);
	rtc_bus_reply_empty(call);
}

static void open_socket(struct rtc_bus_call *call, void *data)
{
	struct rtc_error err = { 0 };
	DBusMessage *reply;
	int fd;

	if (rtc_api_dc_socket_open(data, &fd, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	reply = rtc_bus_reply_new(call);
	/* libdbus sends a duplicate: ours is closed right after. */
	dbus_message_append_args(reply, DBUS_TYPE_UNIX_FD, &fd, DBUS_TYPE_INVALID);
	close(fd);
	rtc_bus_reply(call, reply);
}

uint64_t rtc_api_owner_buffered(struct rtc_api *api, const char *owner)
{
	uint64_t held = 0;
	struct rtc_list *p, *c;

	rtc_list_for_each(p, &api->peer_connections) {
		struct rtc_api_pc *pc = rtc_container_of(p, struct rtc_api_pc, link);

		if (strcmp(pc->owner, owner) != 0 || !pc->session)
			continue;
		rtc_list_for_each(c, &pc->data_channels) {
			struct rtc_api_dc *dc = rtc_container_of(c, struct rtc_api_dc, link);

			if (dc->on_transport)
				held += rtc_session_channel_buffered_amount(pc->session,
									    dc->init.id);
		}
	}
	return held;
}

bool rtc_api_send_fits(struct rtc_api *api, uint64_t held, size_t len)
{
	uint64_t limit = rtc_bus_quota_limit(api->bus, RTC_QUOTA_BUFFERED_BYTES);

	return len <= limit && held <= limit - len;
}

/* W3C send() throws when the buffer would overflow: what the owner's
 * channels hold unsent, all of them, is bounded by its quota
 * (--max-buffered-bytes), so a peer that does not read costs its app only. */
static bool over_send_quota(struct rtc_api_dc *dc, size_t len, struct rtc_error *err)
{
	struct rtc_api *api = dc->pc->api;
	uint64_t held = rtc_api_owner_buffered(api, dc->pc->owner);

	if (rtc_api_send_fits(api, held, len))
		return false;
	rtc_error_set(err, RTC_ERROR_NONE,
		      "Quota exceeded: at most %llu bytes buffered for sending per connection "
		      "(%llu buffered); wait for BufferedAmountLow",
		      (unsigned long long)rtc_bus_quota_limit(api->bus, RTC_QUOTA_BUFFERED_BYTES),
		      (unsigned long long)held);
	return true;
}

static void send_method(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_dc *dc = data;
	struct rtc_error err = { 0 };
	DBusMessageIter args, v, bytes;
	const uint8_t *payload = NULL;
	const char *text = NULL;
	int n = 0;
	bool binary;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	dbus_message_iter_recurse(&args, &v);
	if (dbus_message_iter_get_arg_type(&v) == DBUS_TYPE_STRING) {
		dbus_message_iter_get_basic(&v, &text);
		payload = (const uint8_t *)text;
		n = (int)strlen(text);
		binary = false;
	} else if (dbus_message_iter_get_arg_type(&v) == DBUS_TYPE_ARRAY &&
		   dbus_message_iter_get_element_type(&v) == DBUS_TYPE_BYTE) {
		dbus_message_iter_recurse(&v, &bytes);
		dbus_message_iter_get_fixed_array(&bytes, &payload, &n);
		binary = true;
	} else {
		rtc_error_set(&err, RTC_ERROR_TYPE, "data must be a string (s) or bytes (ay)");
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (dc->state != RTC_DC_OPEN) {
		rtc_error_set(&err, RTC_ERROR_INVALID_STATE, "the channel is %s, not open",
			      rtc_dc_state_name(dc->state));
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (over_send_quota(dc, (size_t)n, &err)) {
		rtc_bus_reply_limits_exceeded(call, &err);
		return;
	}
	if (rtc_api_dc_send(dc, binary, payload, (size_t)n, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_bus_reply_empty(call);
}

int rtc_api_dc_send(struct rtc_api_dc *dc, bool binary, const uint8_t *data, size_t len,
		    struct rtc_error *err)
{
	if (rtc_session_channel_send(dc->pc->session, dc->init.id, binary, data, len, err) < 0)
		return -1;
	dc->messages_sent++;
	dc->bytes_sent += len;
	return 0;
}

static const struct rtc_bus_arg send_in[] = { { "data", "v" }, { NULL, NULL } };
static const struct rtc_bus_arg socket_out[] = { { "socket", "h" }, { NULL, NULL } };
static const struct rtc_bus_arg message_args[] = { { "data", "v" }, { NULL, NULL } };
static const struct rtc_bus_arg error_args[] = {
	{ "name", "s" }, { "message", "s" }, { NULL, NULL },
};

static const struct rtc_bus_method dc_methods[] = {
	{ "Send", send_in, NULL, send_method, 0 },
	{ "Close", NULL, NULL, close_method, 0 },
	{ "OpenSocket", NULL, socket_out, open_socket, 0 },
	{ NULL },
};

static const struct rtc_bus_property dc_properties[] = {
	{ "Label", "s", get_label, NULL },
	{ "Protocol", "s", get_protocol, NULL },
	{ "Id", "q", get_id, NULL },
	{ "Ordered", "b", get_ordered, NULL },
	{ "MaxPacketLifeTime", "q", get_max_packet_life_time, NULL },
	{ "MaxRetransmits", "q", get_max_retransmits, NULL },
	{ "Negotiated", "b", get_negotiated, NULL },
	{ "ReadyState", "s", get_ready_state, NULL },
	{ "BufferedAmount", "t", get_buffered_amount, NULL },
	{ "BufferedAmountLowThreshold", "t", get_buffered_amount_low_threshold,
	  set_buffered_amount_low_threshold },
	{ NULL },
};

static const struct rtc_bus_signal dc_signals[] = {
	{ "Open", NULL },
	{ "Message", message_args },
	{ "BufferedAmountLow", NULL },
	{ "Closing", NULL },
	{ "Close", NULL },
	{ "Error", error_args },
	{ NULL },
};

static const struct rtc_bus_interface dc_interface = {
	.name = RTC_API_IFACE_DATA_CHANNEL,
	.methods = dc_methods,
	.properties = dc_properties,
	.signals = dc_signals,
};

static const struct rtc_bus_interface *const dc_interfaces[] = { &dc_interface, NULL };

int rtc_api_dc_create(struct rtc_api_pc *pc, const char *label, const struct rtc_dc_init *init,
		      struct rtc_api_dc **out, struct rtc_error *err)
{
	struct rtc_bus *bus = pc->api->bus;
	struct rtc_api_dc *dc;

	if (rtc_jsep_signaling_state(pc->jsep) == RTC_SIGNALING_CLOSED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the peer connection is closed");
	if (rtc_dc_init_validate(label, init, err) < 0)
		return -1;
	if (init->id != RTC_DC_UNSET && rtc_api_pc_dc_id_in_use(pc, init->id))
		return rtc_error_set(err, RTC_ERROR_OPERATION, "data channel id %u is in use",
				     init->id);
	if (rtc_bus_quota_take(bus, pc->owner, RTC_QUOTA_DATA_CHANNELS, 1, err) < 0)
		return -1;

	dc = calloc(1, sizeof(*dc));
	if (!dc || !(dc->label = strdup(label)) || !(dc->protocol = strdup(init->protocol)))
		goto oom;
	dc->pc = pc;
	dc->init = *init;
	dc->init.protocol = dc->protocol;
	dc->state = RTC_DC_CONNECTING;
	snprintf(dc->path, sizeof(dc->path), "%s/dc/%" PRIu64, pc->path,
		 rtc_bus_new_object_number(bus));
	dc->object = rtc_bus_object_add(bus, dc->path, pc->owner, dc_interfaces, dc);
	if (!dc->object)
		goto oom;
	rtc_list_append(&pc->data_channels, &dc->link);
	pc->n_data_channels++;
	rtc_api_pc_data_channels_changed(pc);
	*out = dc;
	return 0;

oom:
	if (dc) {
		free(dc->label);
		free(dc->protocol);
		free(dc);
	}
	rtc_bus_quota_release(bus, pc->owner, RTC_QUOTA_DATA_CHANNELS, 1);
	return rtc_error_set(err, RTC_ERROR_OPERATION, "cannot create data channel");
}

static void dc_destroy(struct rtc_api_dc *dc)
{
	struct rtc_api_pc *pc = dc->pc;

	rtc_api_dc_socket_linger(dc);
	rtc_bus_object_remove(dc->object);
	rtc_list_unlink(&dc->link);
	pc->n_data_channels--;
	rtc_bus_quota_release(pc->api->bus, pc->owner, RTC_QUOTA_DATA_CHANNELS, 1);
	free(dc->label);
	free(dc->protocol);
	free(dc);
}

/* The channel's stream is reset (or never was open): "closed", Close, gone. */
static void finish_close(struct rtc_api_dc *dc)
{
	struct rtc_api_pc *pc = dc->pc;

	if (dc->state == RTC_DC_CLOSED)
		return;
	if (dc->state != RTC_DC_CLOSING) {
		set_state(dc, RTC_DC_CLOSING);
		emit(dc, "Closing");
	}
	set_state(dc, RTC_DC_CLOSED);
	emit(dc, "Close");
	dc_destroy(dc);
	rtc_api_pc_data_channels_changed(pc);
}

void rtc_api_dc_close(struct rtc_api_dc *dc)
{
	struct rtc_api_pc *pc = dc->pc;
	struct rtc_error err = { 0 };

	if (dc->state == RTC_DC_CLOSING || dc->state == RTC_DC_CLOSED)
		return;
	/* W3C dataChannelsClosed counts channels that were open. */
	if (dc->state == RTC_DC_OPEN)
		pc->data_channels_closed++;
	/* W3C close(): "closing" now; the closing procedure ends when SCTP
	 * has reset the stream both ways (rtc_api_dc_closed). A channel that
	 * never reached the transport has nothing to reset. */
	if (dc->on_transport &&
	    rtc_session_channel_close(pc->session, dc->init.id, &err) == 0) {
		set_state(dc, RTC_DC_CLOSING);
		emit(dc, "Closing");
		return;
	}
	finish_close(dc);
}

void rtc_api_dc_free(struct rtc_api_dc *dc)
{
	dc->state = RTC_DC_CLOSED;
	dc_destroy(dc);
}

/* ---- the transport's events ---------------------------------------------- */

/* W3C "announce the channel as open". */
static void announce_open(struct rtc_api_dc *dc)
{
	static const char *const names[] = { "ReadyState", "Id", NULL };

	dc->state = RTC_DC_OPEN;
	dc->pc->data_channels_opened++;
	rtc_bus_emit_properties_changed(dc->object, RTC_API_IFACE_DATA_CHANNEL, names);
	emit(dc, "Open");
}

void rtc_api_pc_open_pending_channels(struct rtc_api_pc *pc)
{
	struct rtc_list *pos, *tmp;

	rtc_list_for_each_safe(pos, tmp, &pc->data_channels) {
		struct rtc_api_dc *dc = rtc_container_of(pos, struct rtc_api_dc, link);
		struct rtc_sctp_channel_params params = {
			.label = dc->label,
			.protocol = dc->protocol,
			.ordered = dc->init.ordered,
			.negotiated = dc->init.negotiated,
		};
		struct rtc_error err = { 0 };
		int stream;

		if (dc->on_transport || dc->state != RTC_DC_CONNECTING)
			continue;
		if (dc->init.max_retransmits != RTC_DC_UNSET) {
			params.reliability = RTC_DCEP_PARTIAL_RELIABLE_REXMIT;
			params.reliability_param = dc->init.max_retransmits;
		} else if (dc->init.max_packet_life_time != RTC_DC_UNSET) {
			params.reliability = RTC_DCEP_PARTIAL_RELIABLE_TIMED;
			params.reliability_param = dc->init.max_packet_life_time;
		}
		stream = rtc_session_channel_open(pc->session,
						  dc->init.id == RTC_DC_UNSET ? RTC_SCTP_AUTO_STREAM
									      : dc->init.id,
						  &params, &err);
		if (stream < 0) {
			/* W3C: an id the transport cannot take closes the channel
			 * with an OperationError. */
			rtc_api_dc_emit_error(dc, &err);
			finish_close(dc);
			continue;
		}
		dc->init.id = (uint16_t)stream;
		dc->on_transport = true;
		if (dc->buffered_amount_low_threshold)
			rtc_session_channel_set_low_threshold(pc->session, dc->init.id,
							      dc->buffered_amount_low_threshold);
		announce_open(dc);
	}
}

struct rtc_api_dc *rtc_api_pc_dc_by_stream(struct rtc_api_pc *pc, uint16_t stream)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &pc->data_channels) {
		struct rtc_api_dc *dc = rtc_container_of(pos, struct rtc_api_dc, link);
		if (dc->on_transport && dc->init.id == stream)
			return dc;
	}
	return NULL;
}

void rtc_api_dc_remote_opened(struct rtc_api_pc *pc, uint16_t stream,
			      const struct rtc_sctp_channel_params *params)
{
	struct rtc_dc_init init;
	struct rtc_error err = { 0 };
	struct rtc_api_dc *dc;
	DBusMessage *m;
	const char *path;

	rtc_dc_init_default(&init);
	init.ordered = params->ordered;
	init.protocol = params->protocol ? params->protocol : "";
	init.id = stream;
	if (params->reliability == RTC_DCEP_PARTIAL_RELIABLE_REXMIT)
		init.max_retransmits = (uint16_t)(params->reliability_param < RTC_DC_UNSET
						  ? params->reliability_param : RTC_DC_UNSET - 1);
	else if (params->reliability == RTC_DCEP_PARTIAL_RELIABLE_TIMED)
		init.max_packet_life_time = (uint16_t)(params->reliability_param < RTC_DC_UNSET
						       ? params->reliability_param : RTC_DC_UNSET - 1);
	/* Over quota, not representable, or for an app taken for not reading
	 * (its channels were closed): the peer's channel is reset. */
	if (rtc_bus_client_reader(pc->api->bus, pc->owner) == RTC_BUS_READER_SILENT)
		rtc_error_set(&err, RTC_ERROR_OPERATION, "the app does not read its messages");
	if (err.kind != RTC_ERROR_NONE ||
	    rtc_api_dc_create(pc, params->label ? params->label : "", &init, &dc, &err) < 0) {
		rtc_info("%s: refused the peer's channel on stream %u: %s", pc->path, stream,
			 err.message);
		rtc_session_channel_close(pc->session, stream, &err);
		return;
	}
	dc->on_transport = true;
	/* W3C: the datachannel event, then "announce the channel as open". */
	m = rtc_bus_signal_new(pc->object, RTC_API_IFACE_PEER_CONNECTION, "DataChannel");
	path = dc->path;
	dbus_message_append_args(m, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID);
	rtc_bus_signal_send(pc->object, m);
	announce_open(dc);
}

/* The owner's signals wait unread in the bus: its channels' peers are made
 * to wait (SCTP flow control) instead of everyone's calls behind them. */
static void backlog_hold(struct rtc_api_pc *pc, bool hold)
{
	if (pc->backlog_hold == hold || !pc->session)
		return;
	pc->backlog_hold = hold;
	if (hold ? pc->receive_holds++ == 0 : --pc->receive_holds == 0)
		rtc_session_channel_hold_receiving(pc->session, hold);
}

void rtc_api_client_backlog(struct rtc_api *api, const char *unique_name, bool over)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &api->peer_connections) {
		struct rtc_api_pc *pc = rtc_container_of(pos, struct rtc_api_pc, link);

		if (strcmp(pc->owner, unique_name) == 0) {
			pc->owner_silent = false;
			backlog_hold(pc, over);
		}
	}
}

void rtc_api_client_silent(struct rtc_api *api, const char *unique_name)
{
	struct rtc_error err = { 0 };
	struct rtc_list *pos, *c, *tmp;

	rtc_error_set(&err, RTC_ERROR_OPERATION,
		      "closed because the app does not read its messages: rtcd's "
		      "org.freedesktop.DBus.Peer.Ping went unanswered while they piled up");
	rtc_list_for_each(pos, &api->peer_connections) {
		struct rtc_api_pc *pc = rtc_container_of(pos, struct rtc_api_pc, link);

		if (strcmp(pc->owner, unique_name) != 0)
			continue;
		/* The channels whose messages go by signal: W3C's error, then
		 * close, so that their peers stop waiting for this app. */
		rtc_list_for_each_safe(c, tmp, &pc->data_channels) {
			struct rtc_api_dc *dc = rtc_container_of(c, struct rtc_api_dc, link);

			if (dc->state != RTC_DC_OPEN || dc->socket)
				continue;
			rtc_info("%s: %s", dc->path, err.message);
			rtc_api_dc_emit_error(dc, &err);
			rtc_api_dc_close(dc);
		}
		/* The association reads again, so the closes complete; what
		 * arrives meanwhile is dropped, as the Error said. */
		pc->owner_silent = true;
		backlog_hold(pc, false);
	}
}

void rtc_api_dc_message(struct rtc_api_dc *dc, bool binary, const uint8_t *data, size_t len)
{
	DBusMessage *m = rtc_bus_signal_new(dc->object, RTC_API_IFACE_DATA_CHANNEL, "Message");
	DBusMessageIter it, v, a;

	if (dc->state == RTC_DC_OPEN || dc->state == RTC_DC_CLOSING) {
		dc->messages_received++;
		dc->bytes_received += len;
	}
	if ((dc->state != RTC_DC_OPEN && dc->state != RTC_DC_CLOSING) ||
	    rtc_api_dc_socket_deliver(dc, binary, data, len) || dc->pc->owner_silent) {
		dbus_message_unref(m);
		return;
	}
	dbus_message_iter_init_append(m, &it);
	if (binary) {
		dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "ay", &v);
		dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "y", &a);
		dbus_message_iter_append_fixed_array(&a, DBUS_TYPE_BYTE, &data, (int)len);
		dbus_message_iter_close_container(&v, &a);
	} else {
		char *text = strndup((const char *)data, len);

		/* D-Bus strings are UTF-8 without NUL; a peer's broken text is
		 * reported, not passed on (libdbus would refuse the message). */
		if (!text || strlen(text) != len || !dbus_validate_utf8(text, NULL)) {
			struct rtc_error err = { 0 };

			free(text);
			dbus_message_unref(m);
			rtc_error_set(&err, RTC_ERROR_OPERATION, "a text message was not valid UTF-8");
			rtc_api_dc_emit_error(dc, &err);
			return;
		}
		dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "s", &v);
		dbus_message_iter_append_basic(&v, DBUS_TYPE_STRING, &text);
		free(text);
	}
	dbus_message_iter_close_container(&it, &v);
	rtc_bus_signal_send(dc->object, m);
	/* A connection made while its owner was already behind. */
	if (!dc->pc->backlog_hold &&
	    rtc_bus_client_reader(dc->pc->api->bus, dc->pc->owner) == RTC_BUS_READER_BEHIND)
		backlog_hold(dc->pc, true);
}

void rtc_api_dc_closing(struct rtc_api_dc *dc)
{
	if (dc->state == RTC_DC_CLOSING || dc->state == RTC_DC_CLOSED)
		return;
	if (dc->state == RTC_DC_OPEN)
		dc->pc->data_channels_closed++;
	set_state(dc, RTC_DC_CLOSING);
	emit(dc, "Closing");
}

void rtc_api_dc_closed(struct rtc_api_dc *dc)
{
	if (dc->state == RTC_DC_OPEN)
		dc->pc->data_channels_closed++;
	finish_close(dc);
}

void rtc_api_dc_buffered_low(struct rtc_api_dc *dc)
{
	rtc_api_dc_socket_resume(dc);
	emit(dc, "BufferedAmountLow");
}
