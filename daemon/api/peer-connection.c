/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.PeerConnection: one RTCPeerConnection, owned by the
 * client that created it. Signalling is the engine's (engine/jsep); this file
 * turns D-Bus calls into engine calls and engine state into properties and
 * signals, in the order W3C fires the matching events.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api-private.h"
#include "common/log.h"

/* ---- properties ---------------------------------------------------------- */

static struct rtc_api_pc *pc_of(void *data)
{
	return data;
}

static bool append_string(DBusMessageIter *iter, const char *s)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool get_signaling_state(void *data, DBusMessageIter *iter)
{
	return append_string(iter, rtc_signaling_state_name(
					   rtc_jsep_signaling_state(pc_of(data)->jsep)));
}

static bool get_ice_gathering_state(void *data, DBusMessageIter *iter)
{
	return append_string(iter, rtc_ice_gathering_state_name(
					   rtc_session_gathering_state(pc_of(data)->session)));
}

static bool get_ice_connection_state(void *data, DBusMessageIter *iter)
{
	return append_string(iter, rtc_ice_transport_state_name(
					   rtc_session_ice_state(pc_of(data)->session)));
}

/* W3C RTCPeerConnectionState from the ICE and DTLS transports' states. */
static const char *connection_state(struct rtc_api_pc *pc)
{
	enum rtc_ice_transport_state ice = rtc_session_ice_state(pc->session);
	enum rtc_dtls_state dtls = rtc_session_dtls_state(pc->session);

	if (ice == RTC_ICE_TRANSPORT_CLOSED)
		return "closed";
	if (ice == RTC_ICE_TRANSPORT_FAILED || dtls == RTC_DTLS_FAILED)
		return "failed";
	if (ice == RTC_ICE_TRANSPORT_DISCONNECTED)
		return "disconnected";
	if (ice == RTC_ICE_TRANSPORT_NEW && dtls == RTC_DTLS_NEW)
		return "new";
	if ((ice == RTC_ICE_TRANSPORT_CONNECTED || ice == RTC_ICE_TRANSPORT_COMPLETED) &&
	    (dtls == RTC_DTLS_CONNECTED || dtls == RTC_DTLS_CLOSED))
		return "connected";
	return "connecting";
}

static bool get_connection_state(void *data, DBusMessageIter *iter)
{
	return append_string(iter, connection_state(pc_of(data)));
}

static bool append_description(DBusMessageIter *iter, bool have, enum rtc_sdp_type type,
			       const char *sdp)
{
	DBusMessageIter st;
	const char *type_str = have ? rtc_sdp_type_name(type) : "";

	if (!have)
		sdp = "";
	return dbus_message_iter_open_container(iter, DBUS_TYPE_STRUCT, NULL, &st) &&
	       append_string(&st, type_str) && append_string(&st, sdp) &&
	       dbus_message_iter_close_container(iter, &st);
}

static bool get_local_description(void *data, DBusMessageIter *iter)
{
	enum rtc_sdp_type type = RTC_SDP_TYPE_OFFER;
	const char *sdp = NULL;
	bool have = rtc_jsep_local_description(pc_of(data)->jsep, &type, &sdp);

	return append_description(iter, have, type, sdp);
}

static bool get_remote_description(void *data, DBusMessageIter *iter)
{
	enum rtc_sdp_type type = RTC_SDP_TYPE_OFFER;
	const char *sdp = NULL;
	bool have = rtc_jsep_remote_description(pc_of(data)->jsep, &type, &sdp);

	return append_description(iter, have, type, sdp);
}

static bool get_can_trickle(void *data, DBusMessageIter *iter)
{
	dbus_bool_t b = rtc_jsep_can_trickle_ice_candidates(pc_of(data)->jsep);

	return dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &b);
}

static bool get_data_channels(void *data, DBusMessageIter *iter)
{
	struct rtc_api_pc *pc = pc_of(data);
	DBusMessageIter array;
	struct rtc_list *pos;

	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "o", &array))
		return false;
	rtc_list_for_each(pos, &pc->data_channels) {
		struct rtc_api_dc *dc = rtc_container_of(pos, struct rtc_api_dc, link);
		const char *path = dc->path;
		if (!dbus_message_iter_append_basic(&array, DBUS_TYPE_OBJECT_PATH, &path))
			return false;
	}
	return dbus_message_iter_close_container(iter, &array);
}

/* ---- signalling ------------------------------------------------------- */

/* What a description change may have changed, to tell the owner exactly that. */
struct signaling_snapshot {
	enum rtc_signaling_state state;
	char *local, *remote; /* "type\nsdp", or NULL */
};

static char *describe(bool have, enum rtc_sdp_type type, const char *sdp)
{
	char *s = NULL;

	if (have && asprintf(&s, "%s\n%s", rtc_sdp_type_name(type), sdp) < 0)
		s = NULL;
	return s;
}

static void snapshot_take(struct rtc_api_pc *pc, struct signaling_snapshot *snap)
{
	enum rtc_sdp_type type = RTC_SDP_TYPE_OFFER;
	const char *sdp = NULL;
	bool have;

	snap->state = rtc_jsep_signaling_state(pc->jsep);
	have = rtc_jsep_local_description(pc->jsep, &type, &sdp);
	snap->local = describe(have, type, sdp);
	have = rtc_jsep_remote_description(pc->jsep, &type, &sdp);
	snap->remote = describe(have, type, sdp);
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void snapshot_free(struct signaling_snapshot *snap)
{
	free(snap->local);
	free(snap->remote);
}

/* Emits PropertiesChanged for what moved since `before`, then, once the
 * connection is back in a state that allows it, NegotiationNeeded. */
static void signaling_changed(struct rtc_api_pc *pc, struct signaling_snapshot *before)
{
	struct signaling_snapshot after;
	const char *names[5];
	size_t n = 0;

	snapshot_take(pc, &after);
	if (after.state != before->state)
		names[n++] = "SignalingState";
	if (!same_text(after.local, before->local))
		names[n++] = "LocalDescription";
	if (!same_text(after.remote, before->remote)) {
		names[n++] = "RemoteDescription";
		names[n++] = "CanTrickleIceCandidates";
	}
	names[n] = NULL;
	if (n)
		rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION, names);
	snapshot_free(&after);
}

void rtc_api_pc_negotiation_needed(struct rtc_api_pc *pc)
{
	if (rtc_jsep_take_negotiation_needed(pc->jsep))
		rtc_bus_signal_send(pc->object,
				    rtc_bus_signal_new(pc->object, RTC_API_IFACE_PEER_CONNECTION,
						       "NegotiationNeeded"));
}

static void reply_string(struct rtc_bus_call *call, const char *s)
{
	DBusMessage *reply = rtc_bus_reply_new(call);

	dbus_message_append_args(reply, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
	rtc_bus_reply(call, reply);
}

static int offer_option(void *userdata, const char *key, DBusMessageIter *value,
			struct rtc_error *err)
{
	struct rtc_offer_options *options = userdata;
	dbus_bool_t b;

	if (strcmp(key, "ice-restart") == 0) {
		dbus_message_iter_get_basic(value, &b);
		options->ice_restart = b;
	}
	return 0;
}

static void create_offer(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = { "ice-restart:b", NULL };
	struct rtc_api_pc *pc = data;
	struct rtc_offer_options options = { 0 };
	struct rtc_error err = { 0 };
	DBusMessageIter args;
	char *sdp = NULL;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (rtc_bus_dict_parse(&args, keys, offer_option, &options, &err) < 0 ||
	    rtc_jsep_create_offer(pc->jsep, &options, &sdp, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	reply_string(call, sdp);
	free(sdp);
}

static void create_answer(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = { NULL };
	struct rtc_api_pc *pc = data;
	struct rtc_error err = { 0 };
	DBusMessageIter args;
	char *sdp = NULL;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (rtc_bus_dict_parse(&args, keys, NULL, NULL, &err) < 0 ||
	    rtc_jsep_create_answer(pc->jsep, &sdp, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	reply_string(call, sdp);
	free(sdp);
}

typedef int (*set_description_fn)(struct rtc_session *session, enum rtc_sdp_type type,
				  const char *sdp, struct rtc_error *err);

static void set_description(struct rtc_bus_call *call, struct rtc_api_pc *pc,
			    set_description_fn set)
{
	const char *type_str = NULL, *sdp = NULL;
	struct signaling_snapshot before;
	struct rtc_error err = { 0 };
	enum rtc_sdp_type type;

	dbus_message_get_args(rtc_bus_call_message(call), NULL, DBUS_TYPE_STRING, &type_str,
			      DBUS_TYPE_STRING, &sdp, DBUS_TYPE_INVALID);
	if (rtc_sdp_type_from_string(type_str, &type) < 0) {
		rtc_error_set(&err, RTC_ERROR_TYPE,
			      "type must be \"offer\", \"answer\", \"pranswer\" or \"rollback\", not \"%.32s\"",
			      type_str);
		rtc_bus_reply_error(call, &err);
		return;
	}
	snapshot_take(pc, &before);
	if (set(pc->session, type, sdp, &err) < 0) {
		snapshot_free(&before);
		rtc_bus_reply_error(call, &err);
		return;
	}
	/* W3C: signalingstatechange fires before the promise resolves; the
	 * transceivers the description made or settled are there by then. */
	rtc_api_pc_sync_transceivers(pc);
	signaling_changed(pc, &before);
	snapshot_free(&before);
	rtc_bus_reply_empty(call);
	rtc_api_pc_negotiation_needed(pc);
}

static void set_local_description(struct rtc_bus_call *call, void *data)
{
	set_description(call, data, rtc_session_set_local_description);
}

static void set_remote_description(struct rtc_bus_call *call, void *data)
{
	set_description(call, data, rtc_session_set_remote_description);
}

/* ---- ICE --------------------------------------------------------------- */

static void add_ice_candidate(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_pc *pc = data;
	const char *candidate = NULL, *mid = NULL;
	dbus_int32_t index = -1;
	struct rtc_error err = { 0 };

	dbus_message_get_args(rtc_bus_call_message(call), NULL, DBUS_TYPE_STRING, &candidate,
			      DBUS_TYPE_STRING, &mid, DBUS_TYPE_INT32, &index, DBUS_TYPE_INVALID);
	if (index < -1) {
		rtc_error_set(&err, RTC_ERROR_TYPE, "sdp_mline_index must be -1 (not given) or an index");
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (rtc_session_add_ice_candidate(pc->session, candidate, mid, index, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	/* The remote description now lists the candidate. */
	{
		static const char *const names[] = { "RemoteDescription", NULL };
		rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION, names);
	}
	rtc_bus_reply_empty(call);
}

static void restart_ice(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_pc *pc = data;

	rtc_jsep_restart_ice(pc->jsep);
	rtc_bus_reply_empty(call);
	rtc_api_pc_negotiation_needed(pc);
}

/* ---- data channels ---------------------------------------------------- */

struct dc_init_parse {
	struct rtc_dc_init init;
};

static int dc_init_key(void *userdata, const char *key, DBusMessageIter *value,
		       struct rtc_error *err)
{
	struct rtc_dc_init *init = &((struct dc_init_parse *)userdata)->init;
	dbus_bool_t b;
	uint16_t q;

	if (strcmp(key, "ordered") == 0) {
		dbus_message_iter_get_basic(value, &b);
		init->ordered = b;
	} else if (strcmp(key, "negotiated") == 0) {
		dbus_message_iter_get_basic(value, &b);
		init->negotiated = b;
	} else if (strcmp(key, "protocol") == 0) {
		dbus_message_iter_get_basic(value, &init->protocol);
	} else {
		dbus_message_iter_get_basic(value, &q);
		/* 0xffff means "not set" on this interface (a q cannot be null);
		 * W3C also forbids id 65535. */
		if (q == RTC_DC_UNSET)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "%s: 65535 is reserved for \"not set\"", key);
		if (strcmp(key, "id") == 0)
			init->id = q;
		else if (strcmp(key, "max-retransmits") == 0)
			init->max_retransmits = q;
		else
			init->max_packet_life_time = q;
	}
	return 0;
}

static void create_data_channel(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = {
		"ordered:b", "max-packet-life-time:q", "max-retransmits:q", "protocol:s",
		"negotiated:b", "id:q", NULL,
	};
	struct rtc_api_pc *pc = data;
	struct dc_init_parse parse;
	struct rtc_error err = { 0 };
	struct rtc_api_dc *dc;
	DBusMessageIter args;
	DBusMessage *reply;
	const char *label, *path;

	rtc_dc_init_default(&parse.init);
	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	dbus_message_iter_get_basic(&args, &label);
	dbus_message_iter_next(&args);
	if (rtc_bus_dict_parse(&args, keys, dc_init_key, &parse, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (rtc_api_dc_create(pc, label, &parse.init, &dc, &err) < 0) {
		if (err.kind == RTC_ERROR_NONE)
			rtc_bus_reply_limits_exceeded(call, &err);
		else
			rtc_bus_reply_error(call, &err);
		return;
	}
	/* Negotiated channels need the SCTP transport too (W3C: "has created
	 * any RTCDataChannels"), so every channel counts. */
	rtc_jsep_add_data_channel(pc->jsep);

	reply = rtc_bus_reply_new(call);
	path = dc->path;
	dbus_message_append_args(reply, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID);
	rtc_bus_reply(call, reply);
	rtc_api_pc_negotiation_needed(pc);
	/* On a connection that is up already, the channel opens now (its
	 * Open signal after the reply, as W3C queues the event). */
	if (rtc_session_sctp_ready(pc->session))
		rtc_api_pc_open_pending_channels(pc);
}

/* ---- stats ------------------------------------------------------------ */

/* W3C stats timestamps are milliseconds on the wall clock (Performance
 * timeOrigin + now), so they compare across processes. */
static double stats_timestamp(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void rtc_api_stats_open(DBusMessageIter *report, DBusMessageIter *entry, DBusMessageIter *dict,
			const char *id, const char *type, double timestamp)
{
	dbus_message_iter_open_container(report, DBUS_TYPE_DICT_ENTRY, NULL, entry);
	dbus_message_iter_append_basic(entry, DBUS_TYPE_STRING, &id);
	rtc_bus_dict_open(entry, dict);
	rtc_bus_dict_add_string(dict, "type", type);
	rtc_bus_dict_add_string(dict, "id", id);
	rtc_bus_dict_add_basic(dict, "timestamp", DBUS_TYPE_DOUBLE, &timestamp);
}

void rtc_api_stats_close(DBusMessageIter *report, DBusMessageIter *entry, DBusMessageIter *dict)
{
	rtc_bus_dict_close(entry, dict);
	dbus_message_iter_close_container(report, entry);
}

static void candidate_stats(DBusMessageIter *report, const struct rtc_ice_candidate_stats *c,
			    double now)
{
	DBusMessageIter entry, dict;
	uint32_t port = c->port;

	rtc_api_stats_open(report, &entry, &dict, c->id, c->remote ? "remote-candidate" : "local-candidate",
		   now);
	rtc_bus_dict_add_string(&dict, "transportId", "T01");
	rtc_bus_dict_add_string(&dict, "address", c->address);
	rtc_bus_dict_add_basic(&dict, "port", DBUS_TYPE_UINT32, &port);
	rtc_bus_dict_add_string(&dict, "protocol", c->protocol);
	rtc_bus_dict_add_string(&dict, "candidateType", rtc_sdp_candidate_type_name(c->type));
	rtc_bus_dict_add_basic(&dict, "priority", DBUS_TYPE_UINT32, &c->priority);
	rtc_bus_dict_add_string(&dict, "foundation", c->foundation);
	if (c->related_address[0]) {
		uint32_t rport = c->related_port;
		rtc_bus_dict_add_string(&dict, "relatedAddress", c->related_address);
		rtc_bus_dict_add_basic(&dict, "relatedPort", DBUS_TYPE_UINT32, &rport);
	}
	rtc_api_stats_close(report, &entry, &dict);
}

/* W3C RTCTransportStats, RTCIceCandidateStats and RTCIceCandidatePairStats
 * of the one BUNDLE transport. */
static void ice_stats(struct rtc_api_pc *pc, DBusMessageIter *report, double now)
{
	const struct rtc_ice_agent *agent = rtc_session_ice_agent(pc->session);
	DBusMessageIter entry, dict;
	char selected[RTC_ICE_STATS_ID_MAX] = "";
	struct rtc_ice_candidate_stats c;
	struct rtc_ice_pair_stats p;
	uint64_t target;

	if (!agent)
		return;
	for (size_t i = 0; rtc_ice_agent_local_candidate_stats(agent, i, &c) == 0; i++)
		candidate_stats(report, &c, now);
	for (size_t i = 0; rtc_ice_agent_remote_candidate_stats(agent, i, &c) == 0; i++)
		candidate_stats(report, &c, now);
	for (size_t i = 0; rtc_ice_agent_pair_stats(agent, i, &p) == 0; i++) {
		dbus_bool_t nominated = p.nominated;

		if (p.selected)
			snprintf(selected, sizeof(selected), "%s", p.id);
		rtc_api_stats_open(report, &entry, &dict, p.id, "candidate-pair", now);
		rtc_bus_dict_add_string(&dict, "transportId", "T01");
		rtc_bus_dict_add_string(&dict, "localCandidateId", p.local_id);
		rtc_bus_dict_add_string(&dict, "remoteCandidateId", p.remote_id);
		rtc_bus_dict_add_string(&dict, "state", rtc_ice_pair_state_name(p.state));
		rtc_bus_dict_add_basic(&dict, "nominated", DBUS_TYPE_BOOLEAN, &nominated);
		rtc_bus_dict_add_basic(&dict, "priority", DBUS_TYPE_UINT64, &p.priority);
		rtc_bus_dict_add_basic(&dict, "requestsSent", DBUS_TYPE_UINT64, &p.requests_sent);
		rtc_bus_dict_add_basic(&dict, "requestsReceived", DBUS_TYPE_UINT64,
				       &p.requests_received);
		rtc_bus_dict_add_basic(&dict, "responsesSent", DBUS_TYPE_UINT64, &p.responses_sent);
		rtc_bus_dict_add_basic(&dict, "responsesReceived", DBUS_TYPE_UINT64,
				       &p.responses_received);
		rtc_bus_dict_add_basic(&dict, "consentRequestsSent", DBUS_TYPE_UINT64,
				       &p.consent_requests_sent);
		rtc_bus_dict_add_basic(&dict, "bytesSent", DBUS_TYPE_UINT64, &p.bytes_sent);
		rtc_bus_dict_add_basic(&dict, "bytesReceived", DBUS_TYPE_UINT64, &p.bytes_received);
		rtc_bus_dict_add_basic(&dict, "totalRoundTripTime", DBUS_TYPE_DOUBLE,
				       &p.total_round_trip_time);
		/* W3C leaves it out until a round trip was measured. */
		if (p.current_round_trip_time >= 0)
			rtc_bus_dict_add_basic(&dict, "currentRoundTripTime", DBUS_TYPE_DOUBLE,
					       &p.current_round_trip_time);
		/* And the congestion controller's estimate while media goes. */
		if (p.selected && (target = rtc_pc_target_bitrate(rtc_session_pc(pc->session)))) {
			double bps = (double)target;

			rtc_bus_dict_add_basic(&dict, "availableOutgoingBitrate", DBUS_TYPE_DOUBLE,
					       &bps);
		}
		rtc_api_stats_close(report, &entry, &dict);
	}

	rtc_api_stats_open(report, &entry, &dict, "T01", "transport", now);
	rtc_bus_dict_add_string(&dict, "iceState",
				rtc_ice_transport_state_name(rtc_session_ice_state(pc->session)));
	rtc_bus_dict_add_string(&dict, "iceRole", rtc_ice_role_name(rtc_ice_agent_role(agent)));
	{
		struct rtc_jsep_ice_section local;
		if (rtc_jsep_local_ice(pc->jsep, &local))
			rtc_bus_dict_add_string(&dict, "iceLocalUsernameFragment", local.ufrag);
	}
	rtc_bus_dict_add_string(&dict, "dtlsState",
				rtc_dtls_state_name(rtc_session_dtls_state(pc->session)));
	{
		/* Not W3C's: what the transport refused to take. */
		struct rtc_pc_stats st;
		rtc_session_stats(pc->session, &st);
		rtc_bus_dict_add_basic(&dict, "packetsDiscardedUnvalidated", DBUS_TYPE_UINT64,
				       &st.dropped_unvalidated);
		rtc_bus_dict_add_basic(&dict, "packetsDiscardedUnknown", DBUS_TYPE_UINT64,
				       &st.dropped_unknown);
	}
	if (selected[0])
		rtc_bus_dict_add_string(&dict, "selectedCandidatePairId", selected);
	rtc_api_stats_close(report, &entry, &dict);
}

static void get_stats(struct rtc_bus_call *call, void *data)
{
	struct rtc_api_pc *pc = data;
	DBusMessage *reply = rtc_bus_reply_new(call);
	DBusMessageIter iter, report, entry, dict;
	double now = stats_timestamp();
	struct rtc_list *pos;

	dbus_message_iter_init_append(reply, &iter);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sa{sv}}", &report);

	rtc_api_stats_open(&report, &entry, &dict, "P", "peer-connection", now);
	rtc_bus_dict_add_basic(&dict, "dataChannelsOpened", DBUS_TYPE_UINT32,
			       &pc->data_channels_opened);
	rtc_bus_dict_add_basic(&dict, "dataChannelsClosed", DBUS_TYPE_UINT32,
			       &pc->data_channels_closed);
	rtc_api_stats_close(&report, &entry, &dict);

	rtc_list_for_each(pos, &pc->data_channels) {
		struct rtc_api_dc *dc = rtc_container_of(pos, struct rtc_api_dc, link);
		const char *number = strrchr(dc->path, '/') + 1;
		char id[32];

		snprintf(id, sizeof(id), "D%s", number);
		rtc_api_stats_open(&report, &entry, &dict, id, "data-channel", now);
		rtc_bus_dict_add_string(&dict, "label", dc->label);
		rtc_bus_dict_add_string(&dict, "protocol", dc->protocol);
		/* W3C leaves dataChannelIdentifier out until the id is known. */
		if (dc->init.id != RTC_DC_UNSET)
			rtc_bus_dict_add_basic(&dict, "dataChannelIdentifier", DBUS_TYPE_UINT16,
					       &dc->init.id);
		rtc_bus_dict_add_string(&dict, "state", rtc_dc_state_name(dc->state));
		rtc_bus_dict_add_basic(&dict, "messagesSent", DBUS_TYPE_UINT32, &dc->messages_sent);
		rtc_bus_dict_add_basic(&dict, "bytesSent", DBUS_TYPE_UINT64, &dc->bytes_sent);
		rtc_bus_dict_add_basic(&dict, "messagesReceived", DBUS_TYPE_UINT32,
				       &dc->messages_received);
		rtc_bus_dict_add_basic(&dict, "bytesReceived", DBUS_TYPE_UINT64, &dc->bytes_received);
		rtc_api_stats_close(&report, &entry, &dict);
	}

	ice_stats(pc, &report, now);
	rtc_api_media_stats(pc, &report, now);
	dbus_message_iter_close_container(&iter, &report);
	rtc_bus_reply(call, reply);
}

static void close_method(struct rtc_bus_call *call, void *data)
{
	rtc_api_pc_close_and_free(data);
	rtc_bus_reply_empty(call);
}

/* ---- tables ------------------------------------------------------------ */

static const struct rtc_bus_arg options_in[] = { { "options", "a{sv}" }, { NULL, NULL } };
static const struct rtc_bus_arg sdp_out[] = { { "sdp", "s" }, { NULL, NULL } };
static const struct rtc_bus_arg description_in[] = {
	{ "type", "s" }, { "sdp", "s" }, { NULL, NULL },
};
static const struct rtc_bus_arg create_dc_in[] = {
	{ "label", "s" }, { "init", "a{sv}" }, { NULL, NULL },
};
static const struct rtc_bus_arg create_dc_out[] = { { "channel", "o" }, { NULL, NULL } };
static const struct rtc_bus_arg add_track_in[] = {
	{ "track", "o" }, { "stream_ids", "as" }, { NULL, NULL },
};
static const struct rtc_bus_arg add_transceiver_in[] = {
	{ "kind", "s" }, { "init", "a{sv}" }, { NULL, NULL },
};
static const struct rtc_bus_arg transceiver_in[] = { { "transceiver", "o" }, { NULL, NULL } };
static const struct rtc_bus_arg transceiver_out[] = { { "transceiver", "o" }, { NULL, NULL } };
static const struct rtc_bus_arg stats_out[] = { { "report", "a{sa{sv}}" }, { NULL, NULL } };
static const struct rtc_bus_arg channel_arg[] = { { "channel", "o" }, { NULL, NULL } };
static const struct rtc_bus_arg track_args[] = {
	{ "transceiver", "o" }, { "track", "o" }, { "stream_ids", "as" }, { NULL, NULL },
};
static const struct rtc_bus_arg candidate_in[] = {
	{ "candidate", "s" }, { "sdp_mid", "s" }, { "sdp_mline_index", "i" }, { NULL, NULL },
};
static const struct rtc_bus_arg candidate_error_args[] = {
	{ "address", "s" }, { "port", "q" }, { "url", "s" }, { "error_code", "q" },
	{ "error_text", "s" }, { NULL, NULL },
};

static const struct rtc_bus_method pc_methods[] = {
	{ "CreateOffer", options_in, sdp_out, create_offer, 0 },
	{ "CreateAnswer", options_in, sdp_out, create_answer, 0 },
	{ "SetLocalDescription", description_in, NULL, set_local_description, 0 },
	{ "SetRemoteDescription", description_in, NULL, set_remote_description, 0 },
	{ "AddIceCandidate", candidate_in, NULL, add_ice_candidate, 0 },
	{ "RestartIce", NULL, NULL, restart_ice, 0 },
	{ "CreateDataChannel", create_dc_in, create_dc_out, create_data_channel, 0 },
	{ "AddTrack", add_track_in, transceiver_out, rtc_api_pc_add_track, 0 },
	{ "RemoveTrack", transceiver_in, NULL, rtc_api_pc_remove_track, 0 },
	{ "AddTransceiver", add_transceiver_in, transceiver_out, rtc_api_pc_add_transceiver, 0 },
	{ "GetStats", NULL, stats_out, get_stats, RTC_BUS_METHOD_INSPECT },
	{ "Close", NULL, NULL, close_method, 0 },
	{ NULL },
};

static const struct rtc_bus_property pc_properties[] = {
	{ "SignalingState", "s", get_signaling_state, NULL },
	{ "IceGatheringState", "s", get_ice_gathering_state, NULL },
	{ "IceConnectionState", "s", get_ice_connection_state, NULL },
	{ "ConnectionState", "s", get_connection_state, NULL },
	/* Up to megabytes: PropertiesChanged only names them (issue 14). */
	{ "LocalDescription", "(ss)", get_local_description, NULL, RTC_BUS_PROPERTY_INVALIDATES },
	{ "RemoteDescription", "(ss)", get_remote_description, NULL,
	  RTC_BUS_PROPERTY_INVALIDATES },
	{ "CanTrickleIceCandidates", "b", get_can_trickle, NULL },
	{ "DataChannels", "ao", get_data_channels, NULL },
	{ "Transceivers", "ao", rtc_api_pc_get_transceivers, NULL },
	{ NULL },
};

static const struct rtc_bus_signal pc_signals[] = {
	{ "IceCandidate", candidate_in },
	{ "IceCandidateError", candidate_error_args },
	{ "NegotiationNeeded", NULL },
	{ "DataChannel", channel_arg },
	{ "Track", track_args },
	{ NULL },
};

static const struct rtc_bus_interface pc_interface = {
	.name = RTC_API_IFACE_PEER_CONNECTION,
	.methods = pc_methods,
	.properties = pc_properties,
	.signals = pc_signals,
};

static const struct rtc_bus_interface *const pc_interfaces[] = { &pc_interface, NULL };

/* ---- lifetime ---------------------------------------------------------- */

/* ---- what the session reports, as W3C orders the events ---------------- */

static void on_local_candidate(void *userdata, const char *candidate, const char *mid,
			       int mline_index)
{
	static const char *const names[] = { "LocalDescription", NULL };
	struct rtc_api_pc *pc = userdata;
	DBusMessage *m = rtc_bus_signal_new(pc->object, RTC_API_IFACE_PEER_CONNECTION,
					    "IceCandidate");
	dbus_int32_t index = mline_index;

	/* The description holds the candidate before the event announces it. */
	rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION, names);
	dbus_message_append_args(m, DBUS_TYPE_STRING, &candidate, DBUS_TYPE_STRING, &mid,
				 DBUS_TYPE_INT32, &index, DBUS_TYPE_INVALID);
	rtc_bus_signal_send(pc->object, m);
}

static void on_gathering_state(void *userdata, enum rtc_ice_gathering_state state)
{
	static const char *const names[] = { "IceGatheringState", NULL };
	struct rtc_api_pc *pc = userdata;

	rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION, names);
}

static void on_ice_state(void *userdata, enum rtc_ice_transport_state state)
{
	static const char *const ice[] = { "IceConnectionState", NULL };
	static const char *const both[] = { "IceConnectionState", "ConnectionState", NULL };
	struct rtc_api_pc *pc = userdata;
	const char *now = connection_state(pc);
	bool changed = strcmp(now, pc->connection_state) != 0;

	/* W3C: iceconnectionstatechange, then connectionstatechange. */
	pc->connection_state = now;
	rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION,
					changed ? both : ice);
}

static void on_candidate_error(void *userdata, const char *address, uint16_t port,
			       const char *url, uint16_t code, const char *text)
{
	struct rtc_api_pc *pc = userdata;
	DBusMessage *m = rtc_bus_signal_new(pc->object, RTC_API_IFACE_PEER_CONNECTION,
					    "IceCandidateError");

	dbus_message_append_args(m, DBUS_TYPE_STRING, &address, DBUS_TYPE_UINT16, &port,
				 DBUS_TYPE_STRING, &url, DBUS_TYPE_UINT16, &code,
				 DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	rtc_bus_signal_send(pc->object, m);
}

static void on_dtls_state(void *userdata, enum rtc_dtls_state state)
{
	static const char *const names[] = { "ConnectionState", NULL };
	struct rtc_api_pc *pc = userdata;
	const char *now = connection_state(pc);

	/* DTLS up: SRTP is keyed, negotiated senders start. */
	rtc_api_pc_sync_transceivers(pc);
	if (strcmp(now, pc->connection_state) == 0)
		return;
	pc->connection_state = now;
	rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION, names);
}

static void on_sctp_ready(void *userdata)
{
	rtc_api_pc_open_pending_channels(userdata);
}

static void on_channel_opened(void *userdata, uint16_t stream,
			      const struct rtc_sctp_channel_params *params)
{
	rtc_api_dc_remote_opened(userdata, stream, params);
}

static void on_channel_message(void *userdata, uint16_t stream, bool binary,
			       const uint8_t *data, size_t len)
{
	struct rtc_api_dc *dc = rtc_api_pc_dc_by_stream(userdata, stream);

	if (dc)
		rtc_api_dc_message(dc, binary, data, len);
}

static void on_channel_closing(void *userdata, uint16_t stream)
{
	struct rtc_api_dc *dc = rtc_api_pc_dc_by_stream(userdata, stream);

	if (dc)
		rtc_api_dc_closing(dc);
}

static void on_channel_closed(void *userdata, uint16_t stream)
{
	struct rtc_api_dc *dc = rtc_api_pc_dc_by_stream(userdata, stream);

	if (dc)
		rtc_api_dc_closed(dc);
}

static void on_channel_buffered_low(void *userdata, uint16_t stream)
{
	struct rtc_api_dc *dc = rtc_api_pc_dc_by_stream(userdata, stream);

	if (dc)
		rtc_api_dc_buffered_low(dc);
}

static void on_track(void *userdata, size_t transceiver)
{
	rtc_api_pc_track(userdata, transceiver);
}

static void on_media_frame(void *userdata, size_t transceiver, const struct rtc_recv_frame *frame)
{
	rtc_api_pc_media_frame(userdata, transceiver, frame);
}

static void on_key_frame_request(void *userdata, size_t transceiver)
{
	rtc_api_pc_key_frame_request(userdata, transceiver);
}

static void on_target_bitrate(void *userdata, uint64_t bps)
{
	rtc_api_pc_target_bitrate(userdata, bps);
}

static const struct rtc_session_callbacks session_callbacks = {
	.track = on_track,
	.media_frame = on_media_frame,
	.key_frame_request = on_key_frame_request,
	.target_bitrate = on_target_bitrate,
	.local_candidate = on_local_candidate,
	.gathering_state = on_gathering_state,
	.ice_state = on_ice_state,
	.candidate_error = on_candidate_error,
	.dtls_state = on_dtls_state,
	.sctp_ready = on_sctp_ready,
	.channel_opened = on_channel_opened,
	.channel_message = on_channel_message,
	.channel_closing = on_channel_closing,
	.channel_closed = on_channel_closed,
	.channel_buffered_low = on_channel_buffered_low,
};

/* ---- lifetime ---------------------------------------------------------- */

int rtc_api_pc_create(struct rtc_api *api, const char *owner, const struct rtc_ice_config *ice,
		      enum rtc_bundle_policy bundle_policy, struct rtc_api_pc **out,
		      struct rtc_error *err)
{
	struct rtc_api_pc *pc;

	if (rtc_bus_quota_take(api->bus, owner, RTC_QUOTA_PEER_CONNECTIONS, 1, err) < 0)
		return -1;
	pc = calloc(1, sizeof(*pc));
	if (!pc || !(pc->owner = strdup(owner))) {
		free(pc);
		rtc_bus_quota_release(api->bus, owner, RTC_QUOTA_PEER_CONNECTIONS, 1);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	/* The session reads the servers from here: they move in first. */
	pc->ice = *ice;
	if (rtc_session_new(api->reactor, api->net, &pc->ice, bundle_policy, &session_callbacks,
			    pc, &pc->session, err) < 0)
		goto fail;
	pc->jsep = rtc_session_jsep_mut(pc->session);
	pc->api = api;
	/* Unguessable: a sandboxed app must not count others' connections. */
	pc->number = rtc_bus_new_object_number(api->bus);
	pc->bundle_policy = bundle_policy;
	pc->connection_state = "new";
	rtc_list_init(&pc->data_channels);
	rtc_list_init(&pc->transceivers);
	snprintf(pc->path, sizeof(pc->path), RTC_API_ROOT_PATH "/pc/%" PRIu64, pc->number);
	pc->object = rtc_bus_object_add(api->bus, pc->path, owner, pc_interfaces, pc);
	if (!pc->object) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "cannot register %s", pc->path);
		goto fail;
	}
	rtc_list_append(&api->peer_connections, &pc->link);
	api->n_peer_connections++;
	rtc_heap_trim_soon(api->heap_trim);
	rtc_debug("%s created for %s", pc->path, owner);
	*out = pc;
	return 0;

fail:
	rtc_session_free(pc->session);
	/* The caller still owns the servers' strings. */
	rtc_bus_quota_release(api->bus, owner, RTC_QUOTA_PEER_CONNECTIONS, 1);
	free(pc->owner);
	free(pc);
	return -1;
}

void rtc_api_pc_close_and_free(struct rtc_api_pc *pc)
{
	static const char *const closed_props[] = {
		"SignalingState", "IceConnectionState", "ConnectionState", NULL,
	};
	struct rtc_list *pos, *tmp;

	/* W3C close(): every channel becomes "closed" without events, the
	 * states become "closed" (signalled), and — this being D-Bus — the
	 * objects then go away (InterfacesRemoved) since nothing can be done
	 * with a closed connection but forget it. */
	rtc_list_for_each_safe(pos, tmp, &pc->data_channels)
		rtc_api_dc_free(rtc_container_of(pos, struct rtc_api_dc, link));
	rtc_api_pc_free_transceivers(pc);
	rtc_session_close(pc->session);
	pc->connection_state = "closed";
	rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION, closed_props);
	rtc_bus_object_remove(pc->object);

	rtc_list_unlink(&pc->link);
	pc->api->n_peer_connections--;
	rtc_heap_trim_soon(pc->api->heap_trim);
	rtc_bus_quota_release(pc->api->bus, pc->owner, RTC_QUOTA_PEER_CONNECTIONS, 1);
	rtc_debug("%s closed", pc->path);
	rtc_session_free(pc->session);
	rtc_ice_config_clear(&pc->ice);
	free(pc->owner);
	free(pc);
}

bool rtc_api_pc_dc_id_in_use(const struct rtc_api_pc *pc, uint16_t id)
{
	struct rtc_list *pos;

	rtc_list_for_each(pos, &pc->data_channels) {
		struct rtc_api_dc *dc = rtc_container_of(pos, struct rtc_api_dc, link);
		if (dc->init.id == id)
			return true;
	}
	return false;
}

void rtc_api_pc_data_channels_changed(struct rtc_api_pc *pc)
{
	static const char *const names[] = { "DataChannels", NULL };

	rtc_bus_emit_properties_changed(pc->object, RTC_API_IFACE_PEER_CONNECTION, names);
}
