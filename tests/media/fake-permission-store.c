/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xdg-desktop-portal's permission store, as much of it as WirePlumber's
 * access-portal.lua asks: Lookup("devices", "camera") answers that the
 * apps named on the command line may use the camera ("yes"); every other
 * lookup is empty. On the test's private session bus, so the Camera
 * portal's rules can be checked against rtcd's nodes without a desktop.
 *
 *   fake-permission-store APP_ID...
 *
 * Prints "ready" once it owns the name, "lookup TABLE ID" per call.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <dbus/dbus.h>

#define STORE_NAME "org.freedesktop.impl.portal.PermissionStore"
#define STORE_PATH "/org/freedesktop/impl/portal/PermissionStore"

static void reply_lookup(DBusConnection *bus, DBusMessage *call, int n_apps, char **apps)
{
	const char *table = "", *id = "";
	dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &table, DBUS_TYPE_STRING, &id,
			      DBUS_TYPE_INVALID);
	printf("lookup %s %s\n", table, id);
	bool camera = strcmp(table, "devices") == 0 && strcmp(id, "camera") == 0;

	DBusMessage *reply = dbus_message_new_method_return(call);
	DBusMessageIter it, dict, entry, perms, variant;
	dbus_message_iter_init_append(reply, &it);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sas}", &dict);
	for (int i = 0; camera && i < n_apps; i++) {
		const char *yes = "yes";
		dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &apps[i]);
		dbus_message_iter_open_container(&entry, DBUS_TYPE_ARRAY, "s", &perms);
		dbus_message_iter_append_basic(&perms, DBUS_TYPE_STRING, &yes);
		dbus_message_iter_close_container(&entry, &perms);
		dbus_message_iter_close_container(&dict, &entry);
	}
	dbus_message_iter_close_container(&it, &dict);
	const char *no_data = "";
	dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "s", &variant);
	dbus_message_iter_append_basic(&variant, DBUS_TYPE_STRING, &no_data);
	dbus_message_iter_close_container(&it, &variant);
	dbus_connection_send(bus, reply, NULL);
	dbus_message_unref(reply);
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	DBusError error;
	dbus_error_init(&error);
	DBusConnection *bus = dbus_bus_get(DBUS_BUS_SESSION, &error);
	if (!bus) {
		fprintf(stderr, "fake-permission-store: %s\n", error.message);
		return 1;
	}
	if (dbus_bus_request_name(bus, STORE_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &error) !=
	    DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		fprintf(stderr, "fake-permission-store: cannot own %s\n", STORE_NAME);
		return 1;
	}
	printf("ready\n");
	while (dbus_connection_read_write(bus, -1)) {
		DBusMessage *m;
		while ((m = dbus_connection_pop_message(bus))) {
			if (dbus_message_is_method_call(m, STORE_NAME, "Lookup") &&
			    strcmp(dbus_message_get_path(m) ? dbus_message_get_path(m) : "", STORE_PATH) == 0) {
				reply_lookup(bus, m, argc - 1, argv + 1);
			} else if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_METHOD_CALL) {
				DBusMessage *e = dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_METHOD,
									"not in this fake");
				dbus_connection_send(bus, e, NULL);
				dbus_message_unref(e);
			}
			dbus_message_unref(m);
		}
	}
	return 0;
}
