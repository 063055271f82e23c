/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.DataChannel: each function is one method call or one
 * property access.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *dc_path(const rtc_data_channel *dc)
{
	return dc->proxy.path;
}

static rtc_client *dc_client(const rtc_data_channel *dc)
{
	return dc->proxy.client;
}

RTC_EXPORT rtc_data_channel *rtc_data_channel_ref(rtc_data_channel *dc)
{
	if (dc)
		rtc_proxy_ref(&dc->proxy);
	return dc;
}

RTC_EXPORT void rtc_data_channel_unref(rtc_data_channel *dc)
{
	if (dc)
		rtc_proxy_unref(&dc->proxy);
}

RTC_EXPORT const char *rtc_data_channel_get_path(const rtc_data_channel *dc)
{
	return dc_path(dc);
}

RTC_EXPORT rtc_client *rtc_data_channel_get_client(const rtc_data_channel *dc)
{
	return dc_client(dc);
}

RTC_EXPORT void rtc_data_channel_set_user_data(rtc_data_channel *dc, void *user_data)
{
	dc->proxy.user_data = user_data;
}

RTC_EXPORT void *rtc_data_channel_get_user_data(const rtc_data_channel *dc)
{
	return dc->proxy.user_data;
}

/* Send(v data) with a variant of signature "s" or "ay". */
static int send_variant(rtc_data_channel *dc, bool binary, const void *data, size_t size,
			rtc_error *error)
{
	DBusMessageIter iter, variant, array;
	DBusMessage *call, *reply;
	bool ok;

	if (size > INT32_MAX) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "A message of %zu bytes is too large for D-Bus", size);
		return -1;
	}
	call = rtc_client_new_call(dc_path(dc), RTCD_IFACE_DC, "Send", error);
	if (!call)
		return -1;
	dbus_message_iter_init_append(call, &iter);
	if (binary) {
		ok = dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, "ay", &variant) &&
		     dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "y", &array) &&
		     dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &data,
							  (int)size) &&
		     dbus_message_iter_close_container(&variant, &array);
	} else {
		ok = dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, "s", &variant) &&
		     dbus_message_iter_append_basic(&variant, DBUS_TYPE_STRING, &data);
	}
	ok = ok && dbus_message_iter_close_container(&iter, &variant);
	if (!ok) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return -1;
	}
	reply = rtc_client_call(dc_client(dc), call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

RTC_EXPORT int rtc_data_channel_send_text(rtc_data_channel *dc, const char *text,
					  rtc_error *error)
{
	if (!text || !dbus_validate_utf8(text, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "A text message must be UTF-8; send binary data with "
			       "rtc_data_channel_send_binary()");
		return -1;
	}
	return send_variant(dc, false, text, strlen(text), error);
}

RTC_EXPORT int rtc_data_channel_send_binary(rtc_data_channel *dc, const void *data,
					    size_t size, rtc_error *error)
{
	if (!data && size > 0) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "No data for %zu bytes", size);
		return -1;
	}
	return send_variant(dc, true, data ? data : "", size, error);
}

RTC_EXPORT int rtc_data_channel_close(rtc_data_channel *dc, rtc_error *error)
{
	return rtc_client_call_simple(dc_client(dc), dc_path(dc), RTCD_IFACE_DC, "Close",
				      error);
}

RTC_EXPORT int rtc_data_channel_open_socket(rtc_data_channel *dc, int *fd, rtc_error *error)
{
	DBusMessage *reply;
	int received;

	reply = rtc_client_call(dc_client(dc),
				rtc_client_new_call(dc_path(dc), RTCD_IFACE_DC, "OpenSocket",
						    error),
				error);
	if (!reply)
		return -1;
	/* libdbus hands us a duplicate that is ours to keep. */
	bool ok = rtc_reply_read(reply, DBUS_TYPE_UNIX_FD, &received, error);
	dbus_message_unref(reply);
	if (!ok)
		return -1;
	*fd = received;
	return 0;
}

static char *get_string(rtc_data_channel *dc, const char *name, rtc_error *error)
{
	return rtc_client_get_string_property(dc_client(dc), dc_path(dc), RTCD_IFACE_DC, name,
					      error);
}

RTC_EXPORT char *rtc_data_channel_get_label(rtc_data_channel *dc, rtc_error *error)
{
	return get_string(dc, "Label", error);
}

RTC_EXPORT char *rtc_data_channel_get_protocol(rtc_data_channel *dc, rtc_error *error)
{
	return get_string(dc, "Protocol", error);
}

RTC_EXPORT char *rtc_data_channel_get_ready_state(rtc_data_channel *dc, rtc_error *error)
{
	return get_string(dc, "ReadyState", error);
}

/* Reads a property of a fixed basic type into *value (sized for that type). */
static int get_basic(rtc_data_channel *dc, const char *name, const char *signature,
		     void *value, rtc_error *error)
{
	DBusMessageIter variant;
	DBusMessage *reply;

	reply = rtc_client_get_property(dc_client(dc), dc_path(dc), RTCD_IFACE_DC, name,
					signature, &variant, error);
	if (!reply)
		return -1;
	dbus_message_iter_get_basic(&variant, value);
	dbus_message_unref(reply);
	return 0;
}

static int get_bool(rtc_data_channel *dc, const char *name, bool *value, rtc_error *error)
{
	dbus_bool_t b;

	if (get_basic(dc, name, "b", &b, error) < 0)
		return -1;
	*value = b;
	return 0;
}

RTC_EXPORT int rtc_data_channel_get_id(rtc_data_channel *dc, uint16_t *id, rtc_error *error)
{
	return get_basic(dc, "Id", "q", id, error);
}

RTC_EXPORT int rtc_data_channel_get_ordered(rtc_data_channel *dc, bool *ordered,
					    rtc_error *error)
{
	return get_bool(dc, "Ordered", ordered, error);
}

RTC_EXPORT int rtc_data_channel_get_negotiated(rtc_data_channel *dc, bool *negotiated,
					       rtc_error *error)
{
	return get_bool(dc, "Negotiated", negotiated, error);
}

RTC_EXPORT int rtc_data_channel_get_max_packet_life_time(rtc_data_channel *dc, uint16_t *ms,
							 rtc_error *error)
{
	return get_basic(dc, "MaxPacketLifeTime", "q", ms, error);
}

RTC_EXPORT int rtc_data_channel_get_max_retransmits(rtc_data_channel *dc, uint16_t *count,
						    rtc_error *error)
{
	return get_basic(dc, "MaxRetransmits", "q", count, error);
}

RTC_EXPORT int rtc_data_channel_get_buffered_amount(rtc_data_channel *dc, uint64_t *bytes,
						    rtc_error *error)
{
	dbus_uint64_t value;

	if (get_basic(dc, "BufferedAmount", "t", &value, error) < 0)
		return -1;
	*bytes = value;
	return 0;
}

RTC_EXPORT int rtc_data_channel_set_buffered_amount_low_threshold(rtc_data_channel *dc,
								  uint64_t bytes,
								  rtc_error *error)
{
	const char *interface = RTCD_IFACE_DC, *name = "BufferedAmountLowThreshold";
	DBusMessageIter iter, variant;
	dbus_uint64_t value = bytes;
	DBusMessage *call, *reply;

	call = rtc_client_new_call(dc_path(dc), DBUS_INTERFACE_PROPERTIES, "Set", error);
	if (!call)
		return -1;
	dbus_message_iter_init_append(call, &iter);
	if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &interface) ||
	    !dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &name) ||
	    !dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, "t", &variant) ||
	    !dbus_message_iter_append_basic(&variant, DBUS_TYPE_UINT64, &value) ||
	    !dbus_message_iter_close_container(&iter, &variant)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return -1;
	}
	reply = rtc_client_call(dc_client(dc), call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}
