/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.DataChannel: one RTCDataChannel of a peer connection,
 * owned by the peer connection's owner.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	const char *s = rtc_dc_state_to_string(dc_of(data)->state);

	return append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool get_buffered_amount(void *data, DBusMessageIter *iter)
{
	return append_basic(iter, DBUS_TYPE_UINT64, &dc_of(data)->buffered_amount);
}

static bool get_buffered_amount_low_threshold(void *data, DBusMessageIter *iter)
{
	return append_basic(iter, DBUS_TYPE_UINT64, &dc_of(data)->buffered_amount_low_threshold);
}

static int set_buffered_amount_low_threshold(void *data, DBusMessageIter *value,
					     struct rtc_error *err)
{
	dbus_message_iter_get_basic(value, &dc_of(data)->buffered_amount_low_threshold);
	return 0;
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

static const struct rtc_bus_method dc_methods[] = {
	{ "Close", NULL, NULL, close_method, 0 },
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
	{ "Closing", NULL },
	{ "Close", NULL },
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
	snprintf(dc->path, sizeof(dc->path), "%s/dc/%" PRIu64, pc->path, pc->next_dc_number++);
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

	rtc_bus_object_remove(dc->object);
	rtc_list_unlink(&dc->link);
	pc->n_data_channels--;
	rtc_bus_quota_release(pc->api->bus, pc->owner, RTC_QUOTA_DATA_CHANNELS, 1);
	free(dc->label);
	free(dc->protocol);
	free(dc);
}

void rtc_api_dc_close(struct rtc_api_dc *dc)
{
	struct rtc_api_pc *pc = dc->pc;

	if (dc->state == RTC_DC_CLOSING || dc->state == RTC_DC_CLOSED)
		return;
	/* W3C dataChannelsClosed counts channels that were open. */
	if (dc->state == RTC_DC_OPEN)
		pc->data_channels_closed++;
	/* W3C close(): "closing" now; with no SCTP association yet there is
	 * no stream to reset, so the closing procedure completes at once. */
	set_state(dc, RTC_DC_CLOSING);
	emit(dc, "Closing");
	set_state(dc, RTC_DC_CLOSED);
	emit(dc, "Close");
	dc_destroy(dc);
	rtc_api_pc_data_channels_changed(pc);
}

void rtc_api_dc_free(struct rtc_api_dc *dc)
{
	dc->state = RTC_DC_CLOSED;
	dc_destroy(dc);
}
