/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Objects on the bus as their owner sees them, against a private
 * dbus-daemon: the ObjectManager, introspection down the tree,
 * properties (Get, Set, their errors and PropertiesChanged) and signals
 * that reach the owner only.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bus-fixture.h"
#include "check.h"
#include "io/test-reactor-fixture.h"

/* ---- tests ------------------------------------------------------------------------- */

static void test_create_and_object_manager(void)
{
	DBusMessage *reply;
	DBusMessageIter iter, objects;
	bool found = false;

	CHECK_STREQ(create_thing(A, "one", thing_a, sizeof(thing_a)), "");
	CHECK(strncmp(thing_a, ROOT "/thing/", strlen(ROOT "/thing/")) == 0);
	client_sync(A);
	client_sync(C);
	/* InterfacesAdded went to the owner only. */
	CHECK_INTEQ(count_signals(A, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded"), 1);
	CHECK_INTEQ(count_signals(C, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded"), 0);

	reply = call(A, method(ROOT, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"));
	CHECK_STREQ(error_of(reply), "");
	if (reply && dbus_message_iter_init(reply, &iter)) {
		CHECK_STREQ(dbus_message_get_signature(reply), "a{oa{sa{sv}}}");
		dbus_message_iter_recurse(&iter, &objects);
		for (; dbus_message_iter_get_arg_type(&objects) == DBUS_TYPE_DICT_ENTRY;
		     dbus_message_iter_next(&objects)) {
			DBusMessageIter entry, ifaces, iface, props;
			const char *path, *name;
			int n_props = 0;

			dbus_message_iter_recurse(&objects, &entry);
			dbus_message_iter_get_basic(&entry, &path);
			if (strcmp(path, thing_a) != 0)
				continue;
			found = true;
			dbus_message_iter_next(&entry);
			dbus_message_iter_recurse(&entry, &ifaces);
			dbus_message_iter_recurse(&ifaces, &iface);
			dbus_message_iter_get_basic(&iface, &name);
			CHECK_STREQ(name, THING);
			dbus_message_iter_next(&iface);
			dbus_message_iter_recurse(&iface, &props);
			for (; dbus_message_iter_get_arg_type(&props) == DBUS_TYPE_DICT_ENTRY;
			     dbus_message_iter_next(&props))
				n_props++;
			CHECK_INTEQ(n_props, 3);
		}
		dbus_message_unref(reply);
	}
	CHECK(found);
}

static void test_introspection(void)
{
	char *xml = introspect(A, thing_a);
	const struct rtc_bus_interface *const only_thing[] = { &thing_interface, NULL };
	char *iface_xml = rtc_bus_introspect_interfaces(only_thing);

	CHECK_STREQ(xml, thing_xml);
	free(xml);
	/* The interface alone, as the files in dbus/ hold it, is part of it. */
	CHECK(iface_xml && strstr(thing_xml, strstr(iface_xml, "  <interface")) != NULL);
	free(iface_xml);

	xml = introspect(A, "/");
	CHECK(xml && strstr(xml, "  <node name=\"org\"/>\n</node>\n"));
	CHECK(xml && !strstr(xml, "org.freedesktop.DBus.Properties"));
	free(xml);
	xml = introspect(A, "/org/rtcd");
	CHECK(xml && strstr(xml, "<node name=\"Test1\"/>"));
	free(xml);
	xml = introspect(A, ROOT);
	CHECK(xml && strstr(xml, "<interface name=\"org.freedesktop.DBus.ObjectManager\">"));
	CHECK(xml && strstr(xml, "<interface name=\"" FACTORY "\">"));
	CHECK(xml && strstr(xml, "<node name=\"thing\"/>"));
	free(xml);
	xml = introspect(A, ROOT "/thing");
	CHECK(xml && strstr(xml, "<node name=\"") && !strstr(xml, "Properties"));
	free(xml);
}

static void test_properties(void)
{
	DBusMessage *reply;
	const char *label = NULL;
	dbus_uint64_t v = 7, big = 5000;
	const char *wrong = "seven";
	DBusMessageIter iter, variant;

	reply = call(A, get_property_call(thing_a, THING, "Label"));
	CHECK_STREQ(error_of(reply), "");
	if (reply && dbus_message_iter_init(reply, &iter)) {
		dbus_message_iter_recurse(&iter, &variant);
		if (dbus_message_iter_get_arg_type(&variant) == DBUS_TYPE_STRING)
			dbus_message_iter_get_basic(&variant, &label);
		CHECK_STREQ(label, "one");
		dbus_message_unref(reply);
	}

	client_forget_signals(A);
	client_forget_signals(C);
	CHECK_STREQ(call_error(A, set_property_call(thing_a, "Threshold", DBUS_TYPE_UINT64, &v)), "");
	client_sync(A);
	client_sync(C);
	CHECK_INTEQ(count_signals(A, "org.freedesktop.DBus.Properties", "PropertiesChanged"), 1);
	CHECK_INTEQ(count_signals(C, "org.freedesktop.DBus.Properties", "PropertiesChanged"), 0);
	CHECK(A->n_received == 0 || dbus_message_has_destination(A->received[0], A->name));

	CHECK_STREQ(call_error(A, set_property_call(thing_a, "Threshold", DBUS_TYPE_STRING, &wrong)),
		    "org.freedesktop.DBus.Error.InvalidArgs");
	CHECK_STREQ(call_error(A, set_property_call(thing_a, "Threshold", DBUS_TYPE_UINT64, &big)),
		    "org.rtcd.WebRTC1.Error.RangeError");
	CHECK_STREQ(call_error(A, set_property_call(thing_a, "Label", DBUS_TYPE_STRING, &wrong)),
		    "org.freedesktop.DBus.Error.PropertyReadOnly");
	CHECK_STREQ(call_error(A, set_property_call(thing_a, "Nope", DBUS_TYPE_STRING, &wrong)),
		    "org.freedesktop.DBus.Error.UnknownProperty");
	CHECK_STREQ(call_error(A, get_property_call(thing_a, "org.example.Nope", "Label")),
		    "org.freedesktop.DBus.Error.UnknownInterface");

	reply = call(A, get_property_call(thing_a, THING, "Threshold"));
	CHECK_STREQ(error_of(reply), "");
	if (reply && dbus_message_iter_init(reply, &iter)) {
		dbus_uint64_t got = 0;

		dbus_message_iter_recurse(&iter, &variant);
		if (dbus_message_iter_get_arg_type(&variant) == DBUS_TYPE_UINT64)
			dbus_message_iter_get_basic(&variant, &got);
		CHECK_INTEQ(got, 7);
		dbus_message_unref(reply);
	}
}

static void test_unicast_signals(void)
{
	DBusMessage *msg = method(thing_a, THING, "Poke");
	const char *text = "hello";

	client_forget_signals(A);
	client_forget_signals(C);
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	CHECK_STREQ(call_error(A, msg), "");
	client_sync(A);
	client_sync(C);
	CHECK_INTEQ(count_signals(A, THING, "Poked"), 1);
	CHECK_INTEQ(count_signals(A, "org.freedesktop.DBus.Properties", "PropertiesChanged"), 1);
	CHECK_INTEQ(count_signals(C, THING, "Poked"), 0);
	CHECK_INTEQ(count_signals(C, "org.freedesktop.DBus.Properties", "PropertiesChanged"), 0);
}

int main(void)
{
	skip_unless_backend_available();
	bus_test_setup();

	RUN(test_create_and_object_manager);
	RUN(test_introspection);
	RUN(test_properties);
	RUN(test_unicast_signals);

	bus_test_teardown();
	return rtc_test_done();
}
