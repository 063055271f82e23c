/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.RtpTransceiver: each function is one method call or one
 * property read.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define TX_PATH(tx) ((tx)->proxy.path)
#define TX_CLIENT(tx) ((tx)->proxy.client)

RTC_EXPORT rtc_transceiver *rtc_client_get_transceiver(rtc_client *client, const char *path,
						       rtc_error *error)
{
	if (!rtc_path_is_transceiver(path)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "\"%s\" is not a transceiver path", path ? path : "(null)");
		return NULL;
	}
	return (rtc_transceiver *)rtc_proxy_get(client, RTC_PROXY_TRANSCEIVER, path, error);
}

RTC_EXPORT rtc_transceiver *rtc_transceiver_ref(rtc_transceiver *tx)
{
	if (tx)
		rtc_proxy_ref(&tx->proxy);
	return tx;
}

RTC_EXPORT void rtc_transceiver_unref(rtc_transceiver *tx)
{
	if (tx)
		rtc_proxy_unref(&tx->proxy);
}

RTC_EXPORT const char *rtc_transceiver_get_path(const rtc_transceiver *tx)
{
	return TX_PATH(tx);
}

RTC_EXPORT rtc_client *rtc_transceiver_get_client(const rtc_transceiver *tx)
{
	return TX_CLIENT(tx);
}

RTC_EXPORT void rtc_transceiver_set_user_data(rtc_transceiver *tx, void *user_data)
{
	tx->proxy.user_data = user_data;
}

RTC_EXPORT void *rtc_transceiver_get_user_data(const rtc_transceiver *tx)
{
	return tx->proxy.user_data;
}

static char *get_string(rtc_transceiver *tx, const char *name, rtc_error *error)
{
	return rtc_client_get_string_property(TX_CLIENT(tx), TX_PATH(tx), RTCD_IFACE_TRANSCEIVER,
					      name, error);
}

RTC_EXPORT char *rtc_transceiver_get_mid(rtc_transceiver *tx, rtc_error *error)
{
	return get_string(tx, "Mid", error);
}

RTC_EXPORT char *rtc_transceiver_get_kind(rtc_transceiver *tx, rtc_error *error)
{
	return get_string(tx, "Kind", error);
}

RTC_EXPORT char *rtc_transceiver_get_direction(rtc_transceiver *tx, rtc_error *error)
{
	return get_string(tx, "Direction", error);
}

RTC_EXPORT char *rtc_transceiver_get_current_direction(rtc_transceiver *tx, rtc_error *error)
{
	return get_string(tx, "CurrentDirection", error);
}

/* A track property: "/" is none. */
static int get_track(rtc_transceiver *tx, const char *name, rtc_track **track,
		     rtc_error *error)
{
	DBusMessageIter variant;
	DBusMessage *reply;
	const char *path;

	*track = NULL;
	reply = rtc_client_get_property(TX_CLIENT(tx), TX_PATH(tx), RTCD_IFACE_TRANSCEIVER, name,
					"o", &variant, error);
	if (!reply)
		return -1;
	dbus_message_iter_get_basic(&variant, &path);
	if (strcmp(path, "/") != 0) {
		if (rtc_path_is_track(path))
			*track = (rtc_track *)rtc_proxy_get(TX_CLIENT(tx), RTC_PROXY_TRACK, path,
							    error);
		else
			rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
				       "%s is \"%s\", which is no track", name, path);
	}
	dbus_message_unref(reply);
	return strcmp(path, "/") == 0 || *track ? 0 : -1;
}

RTC_EXPORT int rtc_transceiver_get_sender_track(rtc_transceiver *tx, rtc_track **track,
						rtc_error *error)
{
	return get_track(tx, "SenderTrack", track, error);
}

RTC_EXPORT int rtc_transceiver_get_receiver_track(rtc_transceiver *tx, rtc_track **track,
						  rtc_error *error)
{
	return get_track(tx, "ReceiverTrack", track, error);
}

RTC_EXPORT void rtc_codecs_free(struct rtc_codec *codecs, size_t n_codecs)
{
	if (!codecs)
		return;
	for (size_t i = 0; i < n_codecs; i++) {
		free(codecs[i].mime_type);
		free(codecs[i].sdp_fmtp_line);
	}
	free(codecs);
}

/* One codec's a{sv}, through the dictionary decoder: unknown keys are
 * skipped, so the daemon may add some. */
static bool read_codec(DBusMessageIter *iter, struct rtc_codec *codec, rtc_error *error)
{
	rtc_dict *dict = rtc_dict_from_iter(iter, error);
	const char *mime = "", *fmtp = "";
	uint64_t clock_rate = 0, channels = 0, pt = 0;

	if (!dict)
		return false;
	rtc_dict_get_string(dict, "mime-type", &mime);
	rtc_dict_get_string(dict, "sdp-fmtp-line", &fmtp);
	rtc_dict_get_uint64(dict, "clock-rate", &clock_rate);
	rtc_dict_get_uint64(dict, "channels", &channels);
	rtc_dict_get_uint64(dict, "payload-type", &pt);
	codec->mime_type = strdup(mime);
	codec->sdp_fmtp_line = strdup(fmtp);
	codec->clock_rate = (uint32_t)clock_rate;
	codec->channels = (uint8_t)channels;
	codec->payload_type = (uint8_t)pt;
	rtc_dict_free(dict);
	if (!codec->mime_type || !codec->sdp_fmtp_line) {
		rtc_error_set_oom(error);
		return false;
	}
	return true;
}

RTC_EXPORT struct rtc_codec *rtc_transceiver_get_codecs(rtc_transceiver *tx,
							size_t *n_codecs, rtc_error *error)
{
	DBusMessageIter variant, array;
	struct rtc_codec *codecs;
	DBusMessage *reply;
	size_t n = 0;

	*n_codecs = 0;
	reply = rtc_client_get_property(TX_CLIENT(tx), TX_PATH(tx), RTCD_IFACE_TRANSCEIVER,
					"Codecs", "aa{sv}", &variant, error);
	if (!reply)
		return NULL;
	codecs = calloc((size_t)dbus_message_iter_get_element_count(&variant) + 1,
			sizeof(*codecs));
	if (!codecs) {
		rtc_error_set_oom(error);
		dbus_message_unref(reply);
		return NULL;
	}
	for (dbus_message_iter_recurse(&variant, &array);
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_ARRAY;
	     dbus_message_iter_next(&array)) {
		if (!read_codec(&array, &codecs[n++], error)) {
			rtc_codecs_free(codecs, n);
			dbus_message_unref(reply);
			return NULL;
		}
	}
	dbus_message_unref(reply);
	*n_codecs = n;
	return codecs;
}

static int call_with_string(rtc_transceiver *tx, const char *method, int type,
			    const char *value, rtc_error *error)
{
	DBusMessage *call, *reply;

	call = rtc_client_new_call(TX_PATH(tx), RTCD_IFACE_TRANSCEIVER, method, error);
	if (!call)
		return -1;
	if (!dbus_message_append_args(call, type, &value, DBUS_TYPE_INVALID)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return -1;
	}
	reply = rtc_client_call(TX_CLIENT(tx), call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

RTC_EXPORT int rtc_transceiver_set_direction(rtc_transceiver *tx, const char *direction,
					     rtc_error *error)
{
	if (!direction || !dbus_validate_utf8(direction, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "The direction must be a UTF-8 string");
		return -1;
	}
	return call_with_string(tx, "SetDirection", DBUS_TYPE_STRING, direction, error);
}

RTC_EXPORT int rtc_transceiver_replace_track(rtc_transceiver *tx, rtc_track *track,
					     rtc_error *error)
{
	return call_with_string(tx, "ReplaceTrack", DBUS_TYPE_OBJECT_PATH,
				track ? track->proxy.path : "/", error);
}

RTC_EXPORT int rtc_transceiver_set_parameters(rtc_transceiver *tx,
					      const struct rtc_rtp_parameters *parameters,
					      rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;

	call = rtc_client_new_call(TX_PATH(tx), RTCD_IFACE_TRANSCEIVER, "SetParameters", error);
	if (!call)
		return -1;
	dbus_message_iter_init_append(call, &iter);
	if (!rtc_encode_rtp_parameters(&iter, parameters, error)) {
		dbus_message_unref(call);
		return -1;
	}
	reply = rtc_client_call(TX_CLIENT(tx), call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

RTC_EXPORT int rtc_transceiver_stop(rtc_transceiver *tx, rtc_error *error)
{
	return rtc_client_call_simple(TX_CLIENT(tx), TX_PATH(tx), RTCD_IFACE_TRANSCEIVER, "Stop",
				      error);
}
