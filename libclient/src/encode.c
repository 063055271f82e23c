/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The application's option structs encoded as the contract's a{sv}
 * dictionaries. Only keys the application set are sent, so the daemon's
 * defaults apply to the rest.
 *
 * A struct's `size` says which fields the application was compiled with.
 * Every field of version 0.1 is required (a smaller size means the RTC_*_INIT
 * macro was not used); a field appended later must be read only when `size`
 * covers it, and treated as unset otherwise.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* Size of each struct as of 0.1: its last field's end. */
#define V1_SIZE(type, last_field) (offsetof(type, last_field) + sizeof(((type *)0)->last_field))

static bool check_size(const char *what, size_t size, size_t minimum, rtc_error *error)
{
	if (size < minimum) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "struct %s has size %zu, less than %zu: initialise it with its "
			       "RTC_*_INIT macro", what, size, minimum);
		return false;
	}
	return true;
}

bool rtc_encode_dict_entry(DBusMessageIter *dict, const char *key, int type,
			 const void *value)
{
	DBusMessageIter entry, variant;
	const char sig[2] = { (char)type, '\0' };

	return dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) &&
	       dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) &&
	       dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &variant) &&
	       dbus_message_iter_append_basic(&variant, type, value) &&
	       dbus_message_iter_close_container(&entry, &variant) &&
	       dbus_message_iter_close_container(dict, &entry);
}

static bool append_string(DBusMessageIter *dict, const char *key, const char *value)
{
	return rtc_encode_dict_entry(dict, key, DBUS_TYPE_STRING, &value);
}

static bool append_bool(DBusMessageIter *dict, const char *key, bool value)
{
	dbus_bool_t b = value;

	return rtc_encode_dict_entry(dict, key, DBUS_TYPE_BOOLEAN, &b);
}

static bool append_uint16(DBusMessageIter *dict, const char *key, uint16_t value)
{
	return rtc_encode_dict_entry(dict, key, DBUS_TYPE_UINT16, &value);
}

static bool open_dict(DBusMessageIter *iter, DBusMessageIter *dict)
{
	return dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", dict);
}

static bool check_utf8(const char *what, const char *s, rtc_error *error)
{
	if (s && !dbus_validate_utf8(s, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "%s is not valid UTF-8", what);
		return false;
	}
	return true;
}

static bool append_ice_server(DBusMessageIter *servers, const struct rtc_ice_server *server)
{
	DBusMessageIter dict, entry, variant, urls;
	const char *key = "urls";

	if (!dbus_message_iter_open_container(servers, DBUS_TYPE_ARRAY, "{sv}", &dict) ||
	    !dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) ||
	    !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) ||
	    !dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "as", &variant) ||
	    !dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "s", &urls))
		return false;
	for (const char *const *url = server->urls; url && *url; url++)
		if (!dbus_message_iter_append_basic(&urls, DBUS_TYPE_STRING, url))
			return false;
	if (!dbus_message_iter_close_container(&variant, &urls) ||
	    !dbus_message_iter_close_container(&entry, &variant) ||
	    !dbus_message_iter_close_container(&dict, &entry))
		return false;
	if (server->username && !append_string(&dict, "username", server->username))
		return false;
	if (server->credential && !append_string(&dict, "credential", server->credential))
		return false;
	return dbus_message_iter_close_container(servers, &dict);
}

static bool check_configuration(const struct rtc_configuration *cfg, rtc_error *error)
{
	if (!check_size("rtc_configuration", cfg->size,
			V1_SIZE(struct rtc_configuration, ice_candidate_pool_size), error))
		return false;
	if (cfg->n_ice_servers > 0 && !cfg->ice_servers) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "n_ice_servers set without ice_servers");
		return false;
	}
	for (size_t i = 0; i < cfg->n_ice_servers; i++) {
		const struct rtc_ice_server *server = &cfg->ice_servers[i];

		if (!server->urls || !server->urls[0]) {
			rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
				       "ICE server %zu has no URLs", i);
			return false;
		}
		for (const char *const *url = server->urls; *url; url++)
			if (!check_utf8("An ICE server URL", *url, error))
				return false;
		if (!check_utf8("An ICE server username", server->username, error) ||
		    !check_utf8("An ICE server credential", server->credential, error))
			return false;
	}
	if (cfg->ice_candidate_pool_size > 255) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "ice_candidate_pool_size %d is out of range 0..255",
			       cfg->ice_candidate_pool_size);
		return false;
	}
	return check_utf8("ice_transport_policy", cfg->ice_transport_policy, error) &&
	       check_utf8("bundle_policy", cfg->bundle_policy, error);
}

bool rtc_encode_configuration(DBusMessageIter *iter, const struct rtc_configuration *cfg,
			      rtc_error *error)
{
	DBusMessageIter dict, entry, variant, servers;
	bool ok;

	if (cfg && !check_configuration(cfg, error))
		return false;
	if (!open_dict(iter, &dict))
		goto oom;
	if (cfg && cfg->n_ice_servers > 0) {
		const char *key = "ice-servers";

		ok = dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) &&
		     dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) &&
		     dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "aa{sv}",
						      &variant) &&
		     dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "a{sv}",
						      &servers);
		for (size_t i = 0; ok && i < cfg->n_ice_servers; i++)
			ok = append_ice_server(&servers, &cfg->ice_servers[i]);
		ok = ok && dbus_message_iter_close_container(&variant, &servers) &&
		     dbus_message_iter_close_container(&entry, &variant) &&
		     dbus_message_iter_close_container(&dict, &entry);
		if (!ok)
			goto oom;
	}
	if (cfg && cfg->ice_transport_policy &&
	    !append_string(&dict, "ice-transport-policy", cfg->ice_transport_policy))
		goto oom;
	if (cfg && cfg->bundle_policy &&
	    !append_string(&dict, "bundle-policy", cfg->bundle_policy))
		goto oom;
	if (cfg && cfg->ice_candidate_pool_size >= 0) {
		unsigned char size = (unsigned char)cfg->ice_candidate_pool_size;

		if (!rtc_encode_dict_entry(&dict, "ice-candidate-pool-size", DBUS_TYPE_BYTE, &size))
			goto oom;
	}
	if (!dbus_message_iter_close_container(iter, &dict))
		goto oom;
	return true;
oom:
	rtc_error_set_oom(error);
	return false;
}

static bool check_uint16(const char *what, int32_t value, rtc_error *error)
{
	/* 65535 is the contract's "not set" marker, so not a value. */
	if (value > 65534) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "%s %d is out of range 0..65534",
			       what, (int)value);
		return false;
	}
	return true;
}

bool rtc_encode_data_channel_init(DBusMessageIter *iter,
				  const struct rtc_data_channel_init *init, rtc_error *error)
{
	DBusMessageIter dict;

	if (init && (!check_size("rtc_data_channel_init", init->size,
				 V1_SIZE(struct rtc_data_channel_init, id), error) ||
		     !check_uint16("max_packet_life_time", init->max_packet_life_time, error) ||
		     !check_uint16("max_retransmits", init->max_retransmits, error) ||
		     !check_uint16("id", init->id, error) ||
		     !check_utf8("protocol", init->protocol, error)))
		return false;
	if (!open_dict(iter, &dict))
		goto oom;
	/* Only what differs from the W3C defaults is sent. */
	if (init && !init->ordered &&
	    !append_bool(&dict, "ordered", false))
		goto oom;
	if (init && init->max_packet_life_time >= 0 &&
	    !append_uint16(&dict, "max-packet-life-time", (uint16_t)init->max_packet_life_time))
		goto oom;
	if (init && init->max_retransmits >= 0 &&
	    !append_uint16(&dict, "max-retransmits", (uint16_t)init->max_retransmits))
		goto oom;
	if (init && init->protocol && *init->protocol &&
	    !append_string(&dict, "protocol", init->protocol))
		goto oom;
	if (init && init->negotiated &&
	    !append_bool(&dict, "negotiated", true))
		goto oom;
	if (init && init->id >= 0 &&
	    !append_uint16(&dict, "id", (uint16_t)init->id))
		goto oom;
	if (!dbus_message_iter_close_container(iter, &dict))
		goto oom;
	return true;
oom:
	rtc_error_set_oom(error);
	return false;
}

bool rtc_encode_offer_options(DBusMessageIter *iter, const struct rtc_offer_options *opts,
			      rtc_error *error)
{
	DBusMessageIter dict;

	if (opts && !check_size("rtc_offer_options", opts->size,
				V1_SIZE(struct rtc_offer_options, ice_restart), error))
		return false;
	if (!open_dict(iter, &dict))
		goto oom;
	if (opts && opts->ice_restart &&
	    !append_bool(&dict, "ice-restart", true))
		goto oom;
	if (!dbus_message_iter_close_container(iter, &dict))
		goto oom;
	return true;
oom:
	rtc_error_set_oom(error);
	return false;
}
