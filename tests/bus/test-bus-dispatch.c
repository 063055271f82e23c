/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus layer dispatching calls, against a private dbus-daemon: the
 * D-Bus errors for unknown objects, interfaces, methods and bad arguments,
 * a{sv} option dictionaries refused with TypeError, replies in the order
 * of the calls, and a second daemon refused the well-known name.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "bus-fixture.h"
#include "check.h"
#include "io/test-reactor-fixture.h"

/* ---- tests ------------------------------------------------------------------------- */

static void test_errors(void)
{
	DBusMessage *msg;
	dbus_uint32_t n = 1;

	CHECK_STREQ(call_error(A, method("/nope", "org.example.X", "Y")),
		    "org.freedesktop.DBus.Error.UnknownObject");
	CHECK_STREQ(call_error(A, method(thing_a, "org.example.X", "Y")),
		    "org.freedesktop.DBus.Error.UnknownInterface");
	CHECK_STREQ(call_error(A, method(thing_a, THING, "Nope")),
		    "org.freedesktop.DBus.Error.UnknownMethod");
	CHECK_STREQ(call_error(A, method(thing_a, NULL, "Nope")),
		    "org.freedesktop.DBus.Error.UnknownMethod");
	CHECK_STREQ(call_error(A, method(ROOT "/thing", FACTORY, "Echo")),
		    "org.freedesktop.DBus.Error.UnknownInterface");
	msg = method(thing_a, THING, "Poke");
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &n, DBUS_TYPE_INVALID);
	CHECK_STREQ(call_error(A, msg), "org.freedesktop.DBus.Error.InvalidArgs");
	CHECK_STREQ(call_error(A, method(thing_a, THING, "Poke")),
		    "org.freedesktop.DBus.Error.InvalidArgs");
	/* Without an interface, the method is looked up in all of them. */
	CHECK_STREQ(call_error(A, method(thing_a, NULL, "Stats")), "");
}

static void test_dict_errors(void)
{
	const struct { const char *key; int type; const void *value; const char *error; } cases[] = {
		{ "colour", DBUS_TYPE_STRING, &(const char *){ "red" }, "org.rtcd.WebRTC1.Error.TypeError" },
		{ "label", DBUS_TYPE_UINT32, &(dbus_uint32_t){ 3 }, "org.rtcd.WebRTC1.Error.TypeError" },
		{ "mode", DBUS_TYPE_STRING, &(const char *){ "x" }, "org.rtcd.WebRTC1.Error.TypeError" },
	};
	DBusMessageIter iter, dict, entry, variant, inner;
	const char *key = "label", *mode = "mode", *level = "level", *bad = "bad";
	unsigned char y = 2;
	DBusMessage *msg;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg = method(ROOT, FACTORY, "Create");
		dbus_message_iter_init_append(msg, &iter);
		rtc_bus_dict_open(&iter, &dict);
		rtc_bus_dict_add_basic(&dict, cases[i].key, cases[i].type, cases[i].value);
		rtc_bus_dict_close(&iter, &dict);
		CHECK_STREQ(call_error(A, msg), cases[i].error);
	}

	/* a repeated key */
	msg = method(ROOT, FACTORY, "Create");
	dbus_message_iter_init_append(msg, &iter);
	rtc_bus_dict_open(&iter, &dict);
	rtc_bus_dict_add_string(&dict, key, "a");
	rtc_bus_dict_add_string(&dict, key, "b");
	rtc_bus_dict_close(&iter, &dict);
	CHECK_STREQ(call_error(A, msg), "org.rtcd.WebRTC1.Error.TypeError");

	/* "mode" as a nested a{sv} with an unknown key inside */
	msg = method(ROOT, FACTORY, "Create");
	dbus_message_iter_init_append(msg, &iter);
	rtc_bus_dict_open(&iter, &dict);
	dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &mode);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "a{sv}", &variant);
	rtc_bus_dict_open(&variant, &inner);
	rtc_bus_dict_add_basic(&inner, level, DBUS_TYPE_BYTE, &y);
	rtc_bus_dict_add_basic(&inner, bad, DBUS_TYPE_BYTE, &y);
	rtc_bus_dict_close(&variant, &inner);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(&dict, &entry);
	rtc_bus_dict_close(&iter, &dict);
	CHECK_STREQ(call_error(A, msg), "org.rtcd.WebRTC1.Error.TypeError");

	/* not a dictionary at all, but a{ss}: InvalidArgs before the handler */
	msg = method(ROOT, FACTORY, "Create");
	dbus_message_iter_init_append(msg, &iter);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{ss}", &dict);
	dbus_message_iter_close_container(&iter, &dict);
	CHECK_STREQ(call_error(A, msg), "org.freedesktop.DBus.Error.InvalidArgs");
}

/* rtc_bus_dict_parse() on its own, with every way a dictionary can be wrong. */
static int count_key(void *userdata, const char *key, DBusMessageIter *value, struct rtc_error *err)
{
	(*(int *)userdata)++;
	return 0;
}

static void test_dict_parse(void)
{
	static const char *const keys[] = { "ordered:b", "id:q", "any:v", "either:s|u", NULL };
	DBusMessage *msg = dbus_message_new_method_call("a.b", "/", "a.b", "c");
	DBusMessageIter iter, dict;
	struct rtc_error err = { 0 };
	dbus_bool_t yes = TRUE;
	dbus_uint16_t id = 3;
	dbus_uint32_t u = 9;
	int n = 0;

	dbus_message_iter_init_append(msg, &iter);
	rtc_bus_dict_open(&iter, &dict);
	rtc_bus_dict_add_basic(&dict, "ordered", DBUS_TYPE_BOOLEAN, &yes);
	rtc_bus_dict_add_basic(&dict, "id", DBUS_TYPE_UINT16, &id);
	rtc_bus_dict_add_basic(&dict, "any", DBUS_TYPE_UINT32, &u);
	rtc_bus_dict_add_basic(&dict, "either", DBUS_TYPE_UINT32, &u);
	rtc_bus_dict_close(&iter, &dict);
	dbus_message_iter_init(msg, &iter);
	CHECK_INTEQ(rtc_bus_dict_parse(&iter, keys, count_key, &n, &err), 0);
	CHECK_INTEQ(n, 4);
	dbus_message_unref(msg);

	msg = dbus_message_new_method_call("a.b", "/", "a.b", "c");
	dbus_message_iter_init_append(msg, &iter);
	rtc_bus_dict_open(&iter, &dict);
	rtc_bus_dict_add_basic(&dict, "id", DBUS_TYPE_UINT32, &u);
	rtc_bus_dict_close(&iter, &dict);
	dbus_message_iter_init(msg, &iter);
	CHECK_INTEQ(rtc_bus_dict_parse(&iter, keys, NULL, NULL, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	CHECK(strstr(err.message, "\"id\"") && strstr(err.message, "\"q\""));
	dbus_message_unref(msg);

	msg = dbus_message_new_method_call("a.b", "/", "a.b", "c");
	dbus_message_append_args(msg, DBUS_TYPE_UINT32, &u, DBUS_TYPE_INVALID);
	dbus_message_iter_init(msg, &iter);
	CHECK_INTEQ(rtc_bus_dict_parse(&iter, keys, NULL, NULL, &err), -1);
	CHECK(strstr(err.message, "a{sv}") != NULL);
	dbus_message_unref(msg);
}

static void test_call_order(void)
{
	struct client *e = client_new();   /* new: its credentials are not known yet */
	dbus_uint32_t serials[40];
	size_t got = 0;
	uint64_t deadline = now_ms() + 10000;
	bool in_order = true;

	for (dbus_uint32_t i = 0; i < 40; i++) {
		DBusMessage *msg = method(ROOT, FACTORY, "Echo");

		dbus_message_append_args(msg, DBUS_TYPE_UINT32, &i, DBUS_TYPE_INVALID);
		dbus_connection_send(e->conn, msg, &serials[i]);
		dbus_message_unref(msg);
	}
	while (got < 40 && now_ms() < deadline) {
		DBusMessage *in;

		pump();
		dbus_connection_read_write(e->conn, 0);
		while ((in = dbus_connection_pop_message(e->conn))) {
			dbus_uint32_t n = 99;

			if (dbus_message_get_type(in) == DBUS_MESSAGE_TYPE_METHOD_RETURN) {
				dbus_message_get_args(in, NULL, DBUS_TYPE_UINT32, &n, DBUS_TYPE_INVALID);
				in_order &= n == got &&
					    dbus_message_get_reply_serial(in) == serials[got];
				got++;
			}
			dbus_message_unref(in);
		}
	}
	CHECK_INTEQ(got, 40);
	CHECK(in_order);
	client_free(e);
}

static void test_name_taken(void)
{
	struct rtc_bus_options opts = { .kind = RTC_BUS_ADDRESS, .address = d.address, .name = NAME };
	struct rtc_bus *second = NULL;
	const char *why = NULL;

	CHECK_INTEQ(rtc_bus_open(d.reactor, &opts, NULL, NULL, &second, &why), -EEXIST);
	CHECK(second == NULL);
	CHECK(why != NULL);
}

int main(void)
{
	skip_unless_backend_available();
	bus_test_setup();
	bus_test_create_thing_a();

	RUN(test_dict_parse);
	RUN(test_errors);
	RUN(test_dict_errors);
	RUN(test_call_order);
	RUN(test_name_taken);

	bus_test_teardown();
	return rtc_test_done();
}
