/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.PeerConnection and Manager.CreatePeerConnection: each
 * function is one method call or one property read.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *pc_path(const rtc_peer_connection *pc)
{
	return pc->proxy.path;
}

static rtc_client *pc_client(const rtc_peer_connection *pc)
{
	return pc->proxy.client;
}

RTC_EXPORT rtc_peer_connection *rtc_client_create_peer_connection(
	rtc_client *client, const struct rtc_configuration *configuration, rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;
	const char *path;
	rtc_peer_connection *pc = NULL;

	call = rtc_client_new_call(RTCD_ROOT_PATH, RTCD_IFACE_MANAGER, "CreatePeerConnection",
				   error);
	if (!call)
		return NULL;
	dbus_message_iter_init_append(call, &iter);
	if (!rtc_encode_configuration(&iter, configuration, error)) {
		dbus_message_unref(call);
		return NULL;
	}
	reply = rtc_client_call(client, call, error);
	if (!reply)
		return NULL;
	if (rtc_reply_read(reply, DBUS_TYPE_OBJECT_PATH, &path, error))
		pc = (rtc_peer_connection *)rtc_proxy_get(client, RTC_PROXY_PEER_CONNECTION,
							  path, error);
	dbus_message_unref(reply);
	return pc;
}

RTC_EXPORT rtc_peer_connection *rtc_peer_connection_ref(rtc_peer_connection *pc)
{
	if (pc)
		rtc_proxy_ref(&pc->proxy);
	return pc;
}

RTC_EXPORT void rtc_peer_connection_unref(rtc_peer_connection *pc)
{
	if (pc)
		rtc_proxy_unref(&pc->proxy);
}

RTC_EXPORT const char *rtc_peer_connection_get_path(const rtc_peer_connection *pc)
{
	return pc_path(pc);
}

RTC_EXPORT rtc_client *rtc_peer_connection_get_client(const rtc_peer_connection *pc)
{
	return pc_client(pc);
}

RTC_EXPORT void rtc_peer_connection_set_user_data(rtc_peer_connection *pc, void *user_data)
{
	pc->proxy.user_data = user_data;
}

RTC_EXPORT void *rtc_peer_connection_get_user_data(const rtc_peer_connection *pc)
{
	return pc->proxy.user_data;
}

/* A call whose reply is one string the caller gets to own. */
static int call_returning_sdp(rtc_peer_connection *pc, DBusMessage *call, char **sdp,
			      rtc_error *error)
{
	DBusMessage *reply;
	const char *s;
	int ret = -1;

	reply = rtc_client_call(pc_client(pc), call, error);
	if (!reply)
		return -1;
	if (rtc_reply_read(reply, DBUS_TYPE_STRING, &s, error)) {
		*sdp = strdup(s);
		if (*sdp)
			ret = 0;
		else
			rtc_error_set_oom(error);
	}
	dbus_message_unref(reply);
	return ret;
}

RTC_EXPORT int rtc_peer_connection_create_offer(rtc_peer_connection *pc,
						const struct rtc_offer_options *options,
						char **sdp, rtc_error *error)
{
	DBusMessageIter iter;
	DBusMessage *call;

	call = rtc_client_new_call(pc_path(pc), RTCD_IFACE_PC, "CreateOffer", error);
	if (!call)
		return -1;
	dbus_message_iter_init_append(call, &iter);
	if (!rtc_encode_offer_options(&iter, options, error)) {
		dbus_message_unref(call);
		return -1;
	}
	return call_returning_sdp(pc, call, sdp, error);
}

RTC_EXPORT int rtc_peer_connection_create_answer(rtc_peer_connection *pc, char **sdp,
						 rtc_error *error)
{
	DBusMessageIter iter;
	DBusMessage *call;

	call = rtc_client_new_call(pc_path(pc), RTCD_IFACE_PC, "CreateAnswer", error);
	if (!call)
		return -1;
	dbus_message_iter_init_append(call, &iter);
	if (!rtc_encode_offer_options(&iter, NULL, error)) {
		dbus_message_unref(call);
		return -1;
	}
	return call_returning_sdp(pc, call, sdp, error);
}

static int set_description(rtc_peer_connection *pc, const char *method, const char *type,
			   const char *sdp, rtc_error *error)
{
	DBusMessage *call, *reply;

	if (!type || !dbus_validate_utf8(type, NULL) ||
	    (sdp && !dbus_validate_utf8(sdp, NULL))) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "%s: type and sdp must be UTF-8 strings", method);
		return -1;
	}
	if (!sdp)
		sdp = "";
	call = rtc_client_new_call(pc_path(pc), RTCD_IFACE_PC, method, error);
	if (!call)
		return -1;
	if (!dbus_message_append_args(call, DBUS_TYPE_STRING, &type, DBUS_TYPE_STRING, &sdp,
				      DBUS_TYPE_INVALID)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return -1;
	}
	reply = rtc_client_call(pc_client(pc), call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

RTC_EXPORT int rtc_peer_connection_set_local_description(rtc_peer_connection *pc,
							 const char *type, const char *sdp,
							 rtc_error *error)
{
	return set_description(pc, "SetLocalDescription", type, sdp, error);
}

RTC_EXPORT int rtc_peer_connection_set_remote_description(rtc_peer_connection *pc,
							  const char *type, const char *sdp,
							  rtc_error *error)
{
	return set_description(pc, "SetRemoteDescription", type, sdp, error);
}

RTC_EXPORT int rtc_peer_connection_add_ice_candidate(rtc_peer_connection *pc,
						     const char *candidate,
						     const char *sdp_mid,
						     int32_t sdp_mline_index, rtc_error *error)
{
	DBusMessage *call, *reply;
	dbus_int32_t index = sdp_mline_index;

	if (!candidate)
		candidate = "";
	if (!sdp_mid)
		sdp_mid = "";
	if (!dbus_validate_utf8(candidate, NULL) || !dbus_validate_utf8(sdp_mid, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "AddIceCandidate: candidate and mid must be UTF-8");
		return -1;
	}
	call = rtc_client_new_call(pc_path(pc), RTCD_IFACE_PC, "AddIceCandidate", error);
	if (!call)
		return -1;
	if (!dbus_message_append_args(call, DBUS_TYPE_STRING, &candidate, DBUS_TYPE_STRING,
				      &sdp_mid, DBUS_TYPE_INT32, &index, DBUS_TYPE_INVALID)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return -1;
	}
	reply = rtc_client_call(pc_client(pc), call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

RTC_EXPORT int rtc_peer_connection_restart_ice(rtc_peer_connection *pc, rtc_error *error)
{
	return rtc_client_call_simple(pc_client(pc), pc_path(pc), RTCD_IFACE_PC, "RestartIce",
				      error);
}

RTC_EXPORT int rtc_peer_connection_close(rtc_peer_connection *pc, rtc_error *error)
{
	return rtc_client_call_simple(pc_client(pc), pc_path(pc), RTCD_IFACE_PC, "Close",
				      error);
}

RTC_EXPORT rtc_data_channel *rtc_peer_connection_create_data_channel(
	rtc_peer_connection *pc, const char *label, const struct rtc_data_channel_init *init,
	rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;
	const char *path;
	rtc_data_channel *dc = NULL;

	if (!label || !dbus_validate_utf8(label, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "The label must be a UTF-8 string");
		return NULL;
	}
	call = rtc_client_new_call(pc_path(pc), RTCD_IFACE_PC, "CreateDataChannel", error);
	if (!call)
		return NULL;
	dbus_message_iter_init_append(call, &iter);
	if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &label)) {
		rtc_error_set_oom(error);
		dbus_message_unref(call);
		return NULL;
	}
	if (!rtc_encode_data_channel_init(&iter, init, error)) {
		dbus_message_unref(call);
		return NULL;
	}
	reply = rtc_client_call(pc_client(pc), call, error);
	if (!reply)
		return NULL;
	if (rtc_reply_read(reply, DBUS_TYPE_OBJECT_PATH, &path, error))
		dc = (rtc_data_channel *)rtc_proxy_get(pc_client(pc), RTC_PROXY_DATA_CHANNEL,
						       path, error);
	dbus_message_unref(reply);
	return dc;
}

static char *get_string(rtc_peer_connection *pc, const char *name, rtc_error *error)
{
	return rtc_client_get_string_property(pc_client(pc), pc_path(pc), RTCD_IFACE_PC, name,
					      error);
}

RTC_EXPORT char *rtc_peer_connection_get_signaling_state(rtc_peer_connection *pc,
							 rtc_error *error)
{
	return get_string(pc, "SignalingState", error);
}

RTC_EXPORT char *rtc_peer_connection_get_ice_gathering_state(rtc_peer_connection *pc,
							     rtc_error *error)
{
	return get_string(pc, "IceGatheringState", error);
}

RTC_EXPORT char *rtc_peer_connection_get_ice_connection_state(rtc_peer_connection *pc,
							      rtc_error *error)
{
	return get_string(pc, "IceConnectionState", error);
}

RTC_EXPORT char *rtc_peer_connection_get_connection_state(rtc_peer_connection *pc,
							  rtc_error *error)
{
	return get_string(pc, "ConnectionState", error);
}

RTC_EXPORT int rtc_peer_connection_get_can_trickle_ice_candidates(rtc_peer_connection *pc,
								  bool *value,
								  rtc_error *error)
{
	DBusMessageIter variant;
	DBusMessage *reply;
	dbus_bool_t b;

	reply = rtc_client_get_property(pc_client(pc), pc_path(pc), RTCD_IFACE_PC,
					"CanTrickleIceCandidates", "b", &variant, error);
	if (!reply)
		return -1;
	dbus_message_iter_get_basic(&variant, &b);
	*value = b;
	dbus_message_unref(reply);
	return 0;
}

static int get_description(rtc_peer_connection *pc, const char *name, char **type,
			   char **sdp, rtc_error *error)
{
	DBusMessageIter variant, fields;
	DBusMessage *reply;
	const char *t, *s;

	reply = rtc_client_get_property(pc_client(pc), pc_path(pc), RTCD_IFACE_PC, name, "(ss)",
					&variant, error);
	if (!reply)
		return -1;
	dbus_message_iter_recurse(&variant, &fields);
	dbus_message_iter_get_basic(&fields, &t);
	dbus_message_iter_next(&fields);
	dbus_message_iter_get_basic(&fields, &s);
	*type = strdup(t);
	*sdp = strdup(s);
	dbus_message_unref(reply);
	if (!*type || !*sdp) {
		free(*type);
		free(*sdp);
		*type = *sdp = NULL;
		rtc_error_set_oom(error);
		return -1;
	}
	return 0;
}

RTC_EXPORT int rtc_peer_connection_get_local_description(rtc_peer_connection *pc,
							 char **type, char **sdp,
							 rtc_error *error)
{
	return get_description(pc, "LocalDescription", type, sdp, error);
}

RTC_EXPORT int rtc_peer_connection_get_remote_description(rtc_peer_connection *pc,
							  char **type, char **sdp,
							  rtc_error *error)
{
	return get_description(pc, "RemoteDescription", type, sdp, error);
}

RTC_EXPORT char **rtc_peer_connection_get_data_channel_paths(rtc_peer_connection *pc,
							     rtc_error *error)
{
	DBusMessageIter variant, array;
	DBusMessage *reply;
	char **paths;
	size_t n = 0;

	reply = rtc_client_get_property(pc_client(pc), pc_path(pc), RTCD_IFACE_PC,
					"DataChannels", "ao", &variant, error);
	if (!reply)
		return NULL;
	dbus_message_iter_recurse(&variant, &array);
	paths = calloc((size_t)dbus_message_iter_get_element_count(&variant) + 1,
		       sizeof(*paths));
	for (; paths && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_OBJECT_PATH;
	     dbus_message_iter_next(&array)) {
		const char *path;

		dbus_message_iter_get_basic(&array, &path);
		if (!(paths[n++] = strdup(path))) {
			rtc_strv_free(paths);
			paths = NULL;
		}
	}
	dbus_message_unref(reply);
	if (!paths)
		rtc_error_set_oom(error);
	return paths;
}
