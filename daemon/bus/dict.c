/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * a{sv} dictionaries, the W3C dictionaries of the API. Parsing is strict, as
 * WebIDL is: every key must be known, have the declared type and appear once.
 * A key's declared type may list alternatives ("audio:b|a{sv}"); "v" takes
 * any value.
 */
#include "bus/bus-private.h"

#include <stdlib.h>
#include <string.h>

/* The declared entry for `key`, or -1. */
static int find_key(const char *const *keys, const char *key)
{
	size_t len = strlen(key);

	for (int i = 0; keys && keys[i]; i++)
		if (strncmp(keys[i], key, len) == 0 && keys[i][len] == ':')
			return i;
	return -1;
}

/* Is `type` one of the '|'-separated alternatives in `declared`? */
static bool type_matches(const char *declared, const char *type)
{
	size_t len = strlen(type);

	for (const char *alt = declared; *alt; ) {
		size_t alt_len = strcspn(alt, "|");

		if ((alt_len == 1 && alt[0] == 'v') ||
		    (alt_len == len && strncmp(alt, type, len) == 0))
			return true;
		alt += alt_len;
		if (*alt == '|')
			alt++;
	}
	return false;
}

static int parse_entry(DBusMessageIter *entry, const char *const *keys, bool *seen,
		       rtc_bus_dict_fn fn, void *userdata, struct rtc_error *err)
{
	DBusMessageIter value;
	const char *key, *declared;
	char *type;
	bool ok;
	int k;

	dbus_message_iter_get_basic(entry, &key);
	k = find_key(keys, key);
	if (k < 0)
		return rtc_error_set(err, RTC_ERROR_TYPE, "unknown key \"%s\"", key);
	if (seen[k])
		return rtc_error_set(err, RTC_ERROR_TYPE, "key \"%s\" given twice", key);
	seen[k] = true;

	dbus_message_iter_next(entry);
	dbus_message_iter_recurse(entry, &value);
	declared = strchr(keys[k], ':') + 1;
	type = dbus_message_iter_get_signature(&value);
	if (!type)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	ok = type_matches(declared, type);
	if (!ok)
		rtc_error_set(err, RTC_ERROR_TYPE, "key \"%s\" must be of type \"%s\", not \"%s\"",
			      key, declared, type);
	dbus_free(type);
	if (!ok)
		return -1;
	return fn ? fn(userdata, key, &value, err) : 0;
}

int rtc_bus_dict_parse(DBusMessageIter *iter, const char *const *keys,
		       rtc_bus_dict_fn fn, void *userdata, struct rtc_error *err)
{
	DBusMessageIter dict;
	size_t n_keys = 0;
	char *type;
	bool *seen, is_dict;
	int ret = 0;

	type = dbus_message_iter_get_signature(iter);
	if (!type)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	is_dict = strcmp(type, "a{sv}") == 0;
	if (!is_dict)
		rtc_error_set(err, RTC_ERROR_TYPE, "expected a dictionary (a{sv}), not \"%s\"",
			      type[0] ? type : "nothing");
	dbus_free(type);
	if (!is_dict)
		return -1;

	while (keys && keys[n_keys])
		n_keys++;
	seen = calloc(n_keys ? n_keys : 1, sizeof(*seen));
	if (!seen)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");

	dbus_message_iter_recurse(iter, &dict);
	for (; ret == 0 && dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&dict)) {
		DBusMessageIter entry;

		dbus_message_iter_recurse(&dict, &entry);
		ret = parse_entry(&entry, keys, seen, fn, userdata, err);
	}
	free(seen);
	return ret < 0 ? -1 : 0;
}

void rtc_bus_dict_open(DBusMessageIter *parent, DBusMessageIter *dict)
{
	dbus_message_iter_open_container(parent, DBUS_TYPE_ARRAY, "{sv}", dict);
}

void rtc_bus_dict_close(DBusMessageIter *parent, DBusMessageIter *dict)
{
	dbus_message_iter_close_container(parent, dict);
}

void rtc_bus_dict_add_basic(DBusMessageIter *dict, const char *key, int type, const void *value)
{
	const char signature[2] = { (char)type, '\0' };
	DBusMessageIter entry, variant;

	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, signature, &variant);
	dbus_message_iter_append_basic(&variant, type, value);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(dict, &entry);
}

void rtc_bus_dict_add_string(DBusMessageIter *dict, const char *key, const char *value)
{
	rtc_bus_dict_add_basic(dict, key, DBUS_TYPE_STRING, &value);
}
