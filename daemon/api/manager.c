/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rtcd.WebRTC1.Manager at /org/rtcd/WebRTC1: the factory of peer
 * connections. A public object: every client may call it, and what it
 * creates belongs to the caller.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-private.h"
#include "common/log.h"
#include "config.h"

/* ---- configuration dictionary ---------------------------------------- */

struct pc_config {
	struct rtc_ice_config ice;
	enum rtc_bundle_policy bundle_policy;
};

struct ice_server_entry {
	const char *urls[RTC_ICE_MAX_URLS];
	unsigned n_urls;
	const char *username, *credential;
};

static int ice_server_key(void *userdata, const char *key, DBusMessageIter *value,
			  struct rtc_error *err)
{
	struct ice_server_entry *entry = userdata;

	if (strcmp(key, "urls") == 0) {
		DBusMessageIter urls;
		dbus_message_iter_recurse(value, &urls);
		while (dbus_message_iter_get_arg_type(&urls) == DBUS_TYPE_STRING) {
			if (entry->n_urls == RTC_ICE_MAX_URLS)
				return rtc_error_set(err, RTC_ERROR_TYPE,
						     "ice-servers: more than %d urls in one server",
						     RTC_ICE_MAX_URLS);
			dbus_message_iter_get_basic(&urls, &entry->urls[entry->n_urls++]);
			dbus_message_iter_next(&urls);
		}
	} else if (strcmp(key, "username") == 0) {
		dbus_message_iter_get_basic(value, &entry->username);
	} else if (strcmp(key, "credential") == 0) {
		dbus_message_iter_get_basic(value, &entry->credential);
	}
	return 0;
}

static int parse_ice_servers(struct pc_config *config, DBusMessageIter *value,
			     struct rtc_error *err)
{
	static const char *const keys[] = { "urls:as", "username:s", "credential:s", NULL };
	DBusMessageIter servers;

	dbus_message_iter_recurse(value, &servers);
	while (dbus_message_iter_get_arg_type(&servers) == DBUS_TYPE_ARRAY) {
		struct ice_server_entry entry = { 0 };

		if (rtc_bus_dict_parse(&servers, keys, ice_server_key, &entry, err) < 0)
			return -1;
		if (rtc_ice_config_add_server(&config->ice, entry.urls, entry.n_urls,
					      entry.username, entry.credential, err) < 0)
			return -1;
		dbus_message_iter_next(&servers);
	}
	return 0;
}

static int pc_config_key(void *userdata, const char *key, DBusMessageIter *value,
			 struct rtc_error *err)
{
	struct pc_config *config = userdata;
	const char *s;

	if (strcmp(key, "ice-servers") == 0)
		return parse_ice_servers(config, value, err);
	if (strcmp(key, "ice-transport-policy") == 0) {
		dbus_message_iter_get_basic(value, &s);
		if (rtc_ice_transport_policy_from_string(s, &config->ice.transport_policy) < 0)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "ice-transport-policy must be \"all\" or \"relay\", not \"%.32s\"",
					     s);
		return 0;
	}
	if (strcmp(key, "bundle-policy") == 0) {
		dbus_message_iter_get_basic(value, &s);
		if (strcmp(s, "balanced") == 0)
			config->bundle_policy = RTC_BUNDLE_POLICY_BALANCED;
		else if (strcmp(s, "max-compat") == 0)
			config->bundle_policy = RTC_BUNDLE_POLICY_MAX_COMPAT;
		else if (strcmp(s, "max-bundle") == 0)
			config->bundle_policy = RTC_BUNDLE_POLICY_MAX_BUNDLE;
		else
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "bundle-policy must be \"balanced\", \"max-compat\" or \"max-bundle\", not \"%.32s\"",
					     s);
		return 0;
	}
	if (strcmp(key, "ice-candidate-pool-size") == 0) {
		dbus_message_iter_get_basic(value, &config->ice.candidate_pool_size);
		return 0;
	}
	return 0;
}

/* ---- methods ---------------------------------------------------------- */

static void create_peer_connection(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = {
		"ice-servers:aa{sv}", "ice-transport-policy:s", "bundle-policy:s",
		"ice-candidate-pool-size:y", NULL,
	};
	struct rtc_api *api = data;
	struct pc_config config = { .bundle_policy = RTC_BUNDLE_POLICY_MAX_BUNDLE };
	struct rtc_error err = { 0 };
	struct rtc_api_pc *pc;
	DBusMessageIter args;
	DBusMessage *reply;
	const char *path;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (rtc_bus_dict_parse(&args, keys, pc_config_key, &config, &err) < 0) {
		rtc_ice_config_clear(&config.ice);
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (rtc_api_pc_create(api, rtc_bus_call_sender(call), &config.ice,
			      config.bundle_policy, &pc, &err) < 0) {
		rtc_ice_config_clear(&config.ice);
		if (err.kind == RTC_ERROR_NONE)
			rtc_bus_reply_limits_exceeded(call, &err);
		else
			rtc_bus_reply_error(call, &err);
		return;
	}
	/* The peer connection took over the servers' strings. */
	reply = rtc_bus_reply_new(call);
	path = pc->path;
	dbus_message_append_args(reply, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID);
	rtc_bus_reply(call, reply);
}

static bool get_version(void *data, DBusMessageIter *iter)
{
	const char *version = RTCD_VERSION;

	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &version);
}

static const struct rtc_bus_arg create_pc_in[] = {
	{ "configuration", "a{sv}" }, { NULL, NULL },
};
static const struct rtc_bus_arg create_pc_out[] = {
	{ "peer_connection", "o" }, { NULL, NULL },
};

static const struct rtc_bus_arg get_user_media_in[] = {
	{ "constraints", "a{sv}" }, { NULL, NULL },
};
static const struct rtc_bus_arg get_user_media_out[] = {
	{ "tracks", "ao" }, { NULL, NULL },
};
static const struct rtc_bus_arg enumerate_devices_out[] = {
	{ "devices", "a(ssss)" }, { NULL, NULL },
};

static const struct rtc_bus_method manager_methods[] = {
	{ "CreatePeerConnection", create_pc_in, create_pc_out, create_peer_connection, 0 },
	{ "GetUserMedia", get_user_media_in, get_user_media_out, rtc_api_get_user_media, 0 },
	{ "EnumerateDevices", NULL, enumerate_devices_out, rtc_api_enumerate_devices, 0 },
	{ NULL },
};

static const struct rtc_bus_signal manager_signals[] = {
	{ "DeviceChange", NULL }, { NULL },
};

static const struct rtc_bus_property manager_properties[] = {
	{ "Version", "s", get_version, NULL },
	{ NULL },
};

static const struct rtc_bus_interface manager_interface = {
	.name = RTC_API_IFACE_MANAGER,
	.methods = manager_methods,
	.properties = manager_properties,
	.signals = manager_signals,
};

static const struct rtc_bus_interface *const manager_interfaces[] = {
	&manager_interface, NULL,
};

/* ---- lifetime --------------------------------------------------------- */

int rtc_api_new(struct rtc_reactor *reactor, struct rtc_bus *bus,
		const struct rtc_net_options *net, struct rtc_media_devices *media,
		struct rtc_api **out)
{
	struct rtc_api *api = calloc(1, sizeof(*api));

	if (!api)
		return -ENOMEM;
	api->bus = bus;
	api->reactor = reactor;
	api->net = net;
	api->media = media;
	rtc_list_init(&api->tracks);
	rtc_list_init(&api->user_media);
	rtc_list_init(&api->peer_connections);
	rtc_list_init(&api->lingering_sockets);
	api->heap_trim = rtc_heap_trim_new(reactor);
	api->manager = rtc_bus_object_add(bus, RTC_API_ROOT_PATH, NULL, manager_interfaces, api);
	if (!api->manager) {
		rtc_heap_trim_free(api->heap_trim);
		free(api);
		return -EEXIST;
	}
	rtc_bus_object_add_object_manager(api->manager);
	*out = api;
	return 0;
}

void rtc_api_free(struct rtc_api *api)
{
	struct rtc_list *pos, *tmp;

	if (!api)
		return;
	rtc_list_for_each_safe(pos, tmp, &api->peer_connections)
		rtc_api_pc_close_and_free(rtc_container_of(pos, struct rtc_api_pc, link));
	rtc_api_sockets_free(api);
	rtc_api_media_client_gone(api, NULL);
	rtc_api_media_pool_free(api);
	rtc_heap_trim_free(api->heap_trim);
	rtc_bus_object_remove(api->manager);
	free(api);
}

void rtc_api_client_gone(struct rtc_api *api, const char *unique_name)
{
	struct rtc_list *pos, *tmp;
	size_t closed = 0;

	rtc_api_media_client_gone(api, unique_name);
	rtc_list_for_each_safe(pos, tmp, &api->peer_connections) {
		struct rtc_api_pc *pc = rtc_container_of(pos, struct rtc_api_pc, link);
		if (strcmp(pc->owner, unique_name) == 0) {
			rtc_api_pc_close_and_free(pc);
			closed++;
		}
	}
	if (closed)
		rtc_info("client %s left: closed %zu peer connection(s)", unique_name, closed);
}

size_t rtc_api_peer_connection_count(const struct rtc_api *api)
{
	return api->n_peer_connections;
}
