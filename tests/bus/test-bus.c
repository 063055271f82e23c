/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus layer against a real, private dbus-daemon. One process plays the
 * daemon (reactor + bus layer + a few test objects) and its clients: libdbus
 * connections driven by hand (send, then run the reactor until the answer
 * arrives) and busctl as a separate process, also as another user (setpriv)
 * and inside a fake Flatpak sandbox (bwrap with a /.flatpak-info).
 *
 * Environment (set by meson): RTCD_TEST_BUS_CONF, DBUS_DAEMON, BUSCTL, SETPRIV,
 * BWRAP; RTCD_IO picks the reactor backend.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus/bus.h"
#include "io/reactor.h"
#include "check.h"

#define NAME "org.rtcd.Test1"
#define ROOT "/org/rtcd/Test1"
#define FACTORY "org.rtcd.Test1.Factory"
#define THING "org.rtcd.Test1.Thing"
#define QUOTA_THINGS 3

/* ---- the daemon side: test objects ----------------------------------------- */

struct thing {
	struct thing *next;
	struct rtc_bus_object *obj;
	char owner[64];
	char label[64];
	uint32_t counter;
	uint64_t threshold;
};

static struct {
	struct rtc_reactor *reactor;
	struct rtc_bus *bus;
	struct rtc_bus_object *root;
	struct thing *things;
	unsigned next_id;
	unsigned gone_count;
	char gone_name[64];
	char address[256];
	char dir[64];
	pid_t dbus_pid;
} d;

static const struct rtc_bus_interface thing_interface;

static void thing_free(struct thing *t)
{
	struct thing **link;

	for (link = &d.things; *link != t; link = &(*link)->next)
		;
	*link = t->next;
	rtc_bus_object_remove(t->obj);
	rtc_bus_quota_release(d.bus, t->owner, RTC_QUOTA_PEER_CONNECTIONS, 1);
	free(t);
}

static void client_gone(void *userdata, const char *name)
{
	struct thing *t = d.things, *next;

	d.gone_count++;
	snprintf(d.gone_name, sizeof(d.gone_name), "%s", name);
	for (; t; t = next) {
		next = t->next;
		if (strcmp(t->owner, name) == 0)
			thing_free(t);
	}
}

struct create_options {
	char label[64];
	bool saw_mode;
};

static int mode_key(void *userdata, const char *key, DBusMessageIter *value, struct rtc_error *err)
{
	return 0;
}

static int create_key(void *userdata, const char *key, DBusMessageIter *value,
		      struct rtc_error *err)
{
	static const char *const mode_keys[] = { "level:y", NULL };
	struct create_options *o = userdata;
	const char *s;

	if (strcmp(key, "label") == 0) {
		dbus_message_iter_get_basic(value, &s);
		snprintf(o->label, sizeof(o->label), "%s", s);
	} else if (strcmp(key, "mode") == 0) {
		o->saw_mode = true;
		if (dbus_message_iter_get_arg_type(value) == DBUS_TYPE_ARRAY)
			return rtc_bus_dict_parse(value, mode_keys, mode_key, NULL, err);
	}
	return 0;
}

static void factory_create(struct rtc_bus_call *call, void *data)
{
	static const char *const keys[] = { "label:s", "count:u", "mode:b|a{sv}", NULL };
	struct create_options o = { .label = "unnamed" };
	const char *sender = rtc_bus_call_sender(call);
	struct rtc_error err = { 0 };
	DBusMessageIter args;
	DBusMessage *reply;
	struct thing *t;
	char path[128];
	const char *p = path;

	dbus_message_iter_init(rtc_bus_call_message(call), &args);
	if (rtc_bus_dict_parse(&args, keys, create_key, &o, &err) < 0) {
		rtc_bus_reply_error(call, &err);
		return;
	}
	if (rtc_bus_quota_take(d.bus, sender, RTC_QUOTA_PEER_CONNECTIONS, 1, &err) < 0) {
		rtc_bus_reply_limits_exceeded(call, &err);
		return;
	}
	t = calloc(1, sizeof(*t));
	snprintf(t->owner, sizeof(t->owner), "%s", sender);
	snprintf(t->label, sizeof(t->label), "%s", o.label);
	snprintf(path, sizeof(path), ROOT "/thing/%u", d.next_id++);
	t->next = d.things;
	d.things = t;
	t->obj = rtc_bus_object_add(d.bus, path, sender,
				    (const struct rtc_bus_interface *[]){ &thing_interface, NULL }, t);
	reply = rtc_bus_reply_new(call);
	dbus_message_append_args(reply, DBUS_TYPE_OBJECT_PATH, &p, DBUS_TYPE_INVALID);
	rtc_bus_reply(call, reply);
}

static void factory_echo(struct rtc_bus_call *call, void *data)
{
	dbus_uint32_t n;
	DBusMessage *reply;

	dbus_message_get_args(rtc_bus_call_message(call), NULL, DBUS_TYPE_UINT32, &n,
			      DBUS_TYPE_INVALID);
	reply = rtc_bus_reply_new(call);
	dbus_message_append_args(reply, DBUS_TYPE_UINT32, &n, DBUS_TYPE_INVALID);
	rtc_bus_reply(call, reply);
}

static bool get_version(void *data, DBusMessageIter *iter)
{
	const char *v = "1.0";

	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &v);
}

static const struct rtc_bus_arg create_in[] = { { "options", "a{sv}" }, { NULL, NULL } };
static const struct rtc_bus_arg create_out[] = { { "thing", "o" }, { NULL, NULL } };
static const struct rtc_bus_arg echo_in[] = { { "n", "u" }, { NULL, NULL } };
static const struct rtc_bus_arg echo_out[] = { { "n", "u" }, { NULL, NULL } };

static const struct rtc_bus_interface factory_interface = {
	.name = FACTORY,
	.methods = (const struct rtc_bus_method[]){
		{ "Create", create_in, create_out, factory_create, 0 },
		{ "Echo", echo_in, echo_out, factory_echo, 0 },
		{ NULL },
	},
	.properties = (const struct rtc_bus_property[]){
		{ "Version", "s", get_version, NULL, RTC_BUS_PROPERTY_CONST },
		{ NULL },
	},
};

static void thing_poke(struct rtc_bus_call *call, void *data)
{
	struct thing *t = data;
	const char *text;
	DBusMessage *reply, *signal;

	dbus_message_get_args(rtc_bus_call_message(call), NULL, DBUS_TYPE_STRING, &text,
			      DBUS_TYPE_INVALID);
	t->counter++;
	rtc_bus_emit_properties_changed(t->obj, THING, (const char *const[]){ "Counter", NULL });
	signal = rtc_bus_signal_new(t->obj, THING, "Poked");
	dbus_message_append_args(signal, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	rtc_bus_signal_send(t->obj, signal);
	reply = rtc_bus_reply_new(call);
	dbus_message_append_args(reply, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	rtc_bus_reply(call, reply);
}

static void thing_stats(struct rtc_bus_call *call, void *data)
{
	struct thing *t = data;
	DBusMessage *reply = rtc_bus_reply_new(call);

	dbus_message_append_args(reply, DBUS_TYPE_UINT32, &t->counter, DBUS_TYPE_INVALID);
	rtc_bus_reply(call, reply);
}

static void thing_close(struct rtc_bus_call *call, void *data)
{
	thing_free(data);
	rtc_bus_reply_empty(call);
}

static bool get_label(void *data, DBusMessageIter *iter)
{
	const char *label = ((struct thing *)data)->label;

	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &label);
}

static bool get_counter(void *data, DBusMessageIter *iter)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &((struct thing *)data)->counter);
}

static bool get_threshold(void *data, DBusMessageIter *iter)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT64,
					      &((struct thing *)data)->threshold);
}

static int set_threshold(void *data, DBusMessageIter *value, struct rtc_error *err)
{
	dbus_uint64_t v;

	dbus_message_iter_get_basic(value, &v);
	if (v > 1000)
		return rtc_error_set(err, RTC_ERROR_RANGE, "threshold %llu is above 1000",
				     (unsigned long long)v);
	((struct thing *)data)->threshold = v;
	return 0;
}

static const struct rtc_bus_arg poke_in[] = { { "text", "s" }, { NULL, NULL } };
static const struct rtc_bus_arg poke_out[] = { { "echo", "s" }, { NULL, NULL } };
static const struct rtc_bus_arg stats_out[] = { { "counter", "u" }, { NULL, NULL } };
static const struct rtc_bus_arg poked_args[] = { { "text", "s" }, { NULL, NULL } };

static const struct rtc_bus_interface thing_interface = {
	.name = THING,
	.methods = (const struct rtc_bus_method[]){
		{ "Poke", poke_in, poke_out, thing_poke, 0 },
		{ "Stats", NULL, stats_out, thing_stats, RTC_BUS_METHOD_INSPECT },
		{ "Close", NULL, NULL, thing_close, 0 },
		{ NULL },
	},
	.properties = (const struct rtc_bus_property[]){
		{ "Label", "s", get_label, NULL, RTC_BUS_PROPERTY_CONST },
		{ "Counter", "u", get_counter, NULL, 0 },
		{ "Threshold", "t", get_threshold, set_threshold, 0 },
		{ NULL },
	},
	.signals = (const struct rtc_bus_signal[]){
		{ "Poked", poked_args },
		{ NULL },
	},
};

/* ---- the client side ---------------------------------------------------------- */

#define MAX_RECEIVED 64

struct client {
	DBusConnection *conn;
	const char *name;
	DBusMessage *received[MAX_RECEIVED];   /* signals seen while waiting for replies */
	size_t n_received;
};

static void pump(void)
{
	rtc_reactor_iterate(d.reactor, 1);
}

static struct client *client_new(void)
{
	struct client *c = calloc(1, sizeof(*c));
	DBusError e = DBUS_ERROR_INIT;

	c->conn = dbus_connection_open_private(d.address, &e);
	if (!c->conn || !dbus_bus_register(c->conn, &e)) {
		printf("# cannot connect a client: %s\n", e.message);
		exit(1);
	}
	c->name = dbus_bus_get_unique_name(c->conn);
	return c;
}

static void client_forget_signals(struct client *c)
{
	for (size_t i = 0; i < c->n_received; i++)
		dbus_message_unref(c->received[i]);
	c->n_received = 0;
}

static void client_free(struct client *c)
{
	client_forget_signals(c);
	dbus_connection_close(c->conn);
	dbus_connection_unref(c->conn);
	free(c);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sends msg (taking it) and runs the daemon until the answer comes. */
static DBusMessage *call(struct client *c, DBusMessage *msg)
{
	dbus_uint32_t serial;
	uint64_t deadline = now_ms() + 10000;

	dbus_connection_send(c->conn, msg, &serial);
	dbus_message_unref(msg);
	while (now_ms() < deadline) {
		DBusMessage *in;

		pump();
		dbus_connection_read_write(c->conn, 0);
		while ((in = dbus_connection_pop_message(c->conn))) {
			if (dbus_message_get_reply_serial(in) == serial)
				return in;
			if (dbus_message_get_type(in) == DBUS_MESSAGE_TYPE_SIGNAL &&
			    c->n_received < MAX_RECEIVED)
				c->received[c->n_received++] = in;
			else
				dbus_message_unref(in);
		}
	}
	printf("# no answer within 10 s\n");
	return NULL;
}

static DBusMessage *method(const char *path, const char *iface, const char *member)
{
	return dbus_message_new_method_call(NAME, path, iface, member);
}

/* The error name of a reply, or "" for a method return. */
static const char *error_of(DBusMessage *reply)
{
	static char name[128];

	snprintf(name, sizeof(name), "%s", !reply ? "(no reply)" :
		 dbus_message_get_error_name(reply) ? dbus_message_get_error_name(reply) : "");
	if (reply && dbus_message_get_error_name(reply)) {
		const char *text = NULL;

		dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
		printf("#   %s: %s\n", name, text ? text : "");
	}
	return name;
}

/* Calls and returns only the error name ("" on success). */
static const char *call_error(struct client *c, DBusMessage *msg)
{
	DBusMessage *reply = call(c, msg);
	const char *e = error_of(reply);

	if (reply)
		dbus_message_unref(reply);
	return e;
}

/* Every signal the daemon sent c before it answers a call c makes now. */
static void client_sync(struct client *c)
{
	DBusMessage *reply = call(c, method("/", "org.freedesktop.DBus.Peer", "Ping"));

	if (reply)
		dbus_message_unref(reply);
}

static size_t count_signals(struct client *c, const char *iface, const char *member)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_received; i++)
		if (dbus_message_is_signal(c->received[i], iface, member))
			n++;
	return n;
}

/* Factory.Create({"label": label}); returns the new path in `path`. */
static const char *create_thing(struct client *c, const char *label, char *path, size_t size)
{
	DBusMessage *msg = method(ROOT, FACTORY, "Create"), *reply;
	DBusMessageIter iter, dict;
	const char *p = NULL;
	const char *e;

	dbus_message_iter_init_append(msg, &iter);
	rtc_bus_dict_open(&iter, &dict);
	rtc_bus_dict_add_string(&dict, "label", label);
	rtc_bus_dict_close(&iter, &dict);
	reply = call(c, msg);
	e = error_of(reply);
	if (!e[0] && dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &p, DBUS_TYPE_INVALID))
		snprintf(path, size, "%s", p);
	else
		path[0] = '\0';
	if (reply)
		dbus_message_unref(reply);
	return e;
}

static char *introspect(struct client *c, const char *path)
{
	DBusMessage *reply = call(c, method(path, "org.freedesktop.DBus.Introspectable",
					    "Introspect"));
	const char *xml = NULL;
	char *copy = NULL;

	if (reply && dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID))
		copy = strdup(xml);
	if (reply)
		dbus_message_unref(reply);
	return copy;
}

static DBusMessage *get_property_call(const char *path, const char *iface, const char *prop)
{
	DBusMessage *msg = method(path, "org.freedesktop.DBus.Properties", "Get");

	dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
				 DBUS_TYPE_INVALID);
	return msg;
}

static DBusMessage *set_property_call(const char *path, const char *prop, int type,
				      const void *value)
{
	DBusMessage *msg = method(path, "org.freedesktop.DBus.Properties", "Set");
	const char *iface = THING, signature[2] = { (char)type, 0 };
	DBusMessageIter iter, variant;

	dbus_message_iter_init_append(msg, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &prop);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, signature, &variant);
	dbus_message_iter_append_basic(&variant, type, value);
	dbus_message_iter_close_container(&iter, &variant);
	return msg;
}

/* ---- busctl as another process ----------------------------------------------------- */

struct run_result {
	int status;           /* exit status, or -1 */
	char out[16384];      /* stdout and stderr */
};

/* Runs argv (NULL-terminated), keeping the daemon running meanwhile. */
static void run(struct run_result *res, char *const argv[])
{
	int pipefd[2];
	size_t len = 0;
	pid_t pid;
	int status;
	uint64_t deadline = now_ms() + 20000;

	res->status = -1;
	res->out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n;

		pump();
		while (len < sizeof(res->out) - 1 &&
		       (n = read(pipefd[0], res->out + len, sizeof(res->out) - 1 - len)) > 0)
			len += (size_t)n;
		res->out[len] = '\0';
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			printf("# %s timed out\n", argv[0]);
			break;
		}
	}
	while (len < sizeof(res->out) - 1 &&
	       read(pipefd[0], res->out + len, 1) == 1)
		len++;
	res->out[len] = '\0';
	close(pipefd[0]);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *tool(const char *env)
{
	const char *p = getenv(env);

	return p && p[0] ? p : NULL;
}

/* [prefix...] busctl --address=... args... */
static void busctl(struct run_result *res, const char *const *prefix, const char *const *args)
{
	char address_arg[300];
	const char *argv[64];
	size_t n = 0;

	snprintf(address_arg, sizeof(address_arg), "--address=%s", d.address);
	for (; prefix && *prefix && n < 40; prefix++)
		argv[n++] = *prefix;
	argv[n++] = tool("BUSCTL");
	argv[n++] = address_arg;
	argv[n++] = "--no-pager";
	for (; *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	run(res, (char *const *)argv);
}

/* Tests that need root or a tool set this instead of checking anything. */
static const char *skip_reason;

#define RUN_SKIPPABLE(fn) do { \
	skip_reason = NULL; \
	rtc_test_case_failed = 0; \
	fn(); \
	rtc_test_number++; \
	if (skip_reason) { \
		printf("ok %d - %s # SKIP %s\n", rtc_test_number, #fn, skip_reason); \
	} else { \
		rtc_test_failed_cases += rtc_test_case_failed; \
		printf("%s %d - %s\n", rtc_test_case_failed ? "not ok" : "ok", \
		       rtc_test_number, #fn); \
	} \
	fflush(stdout); \
} while (0)

/* ---- tests ------------------------------------------------------------------------- */

static struct client *A, *B, *C;   /* owner, inspector, observer */
static char thing_a[128];

static const char thing_xml[] =
	"<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
	" \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n"
	"<node>\n"
	"  <interface name=\"org.freedesktop.DBus.Peer\">\n"
	"    <method name=\"Ping\">\n"
	"    </method>\n"
	"    <method name=\"GetMachineId\">\n"
	"      <arg name=\"machine_uuid\" type=\"s\" direction=\"out\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"  <interface name=\"org.freedesktop.DBus.Introspectable\">\n"
	"    <method name=\"Introspect\">\n"
	"      <arg name=\"xml_data\" type=\"s\" direction=\"out\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"  <interface name=\"org.freedesktop.DBus.Properties\">\n"
	"    <method name=\"Get\">\n"
	"      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"property_name\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"value\" type=\"v\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"GetAll\">\n"
	"      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"props\" type=\"a{sv}\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"Set\">\n"
	"      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"property_name\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"value\" type=\"v\" direction=\"in\"/>\n"
	"    </method>\n"
	"    <signal name=\"PropertiesChanged\">\n"
	"      <arg name=\"interface_name\" type=\"s\"/>\n"
	"      <arg name=\"changed_properties\" type=\"a{sv}\"/>\n"
	"      <arg name=\"invalidated_properties\" type=\"as\"/>\n"
	"    </signal>\n"
	"  </interface>\n"
	"  <interface name=\"org.rtcd.Test1.Thing\">\n"
	"    <method name=\"Poke\">\n"
	"      <arg name=\"text\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"echo\" type=\"s\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"Stats\">\n"
	"      <arg name=\"counter\" type=\"u\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"Close\">\n"
	"    </method>\n"
	"    <signal name=\"Poked\">\n"
	"      <arg name=\"text\" type=\"s\"/>\n"
	"    </signal>\n"
	"    <property name=\"Label\" type=\"s\" access=\"read\">\n"
	"      <annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"const\"/>\n"
	"    </property>\n"
	"    <property name=\"Counter\" type=\"u\" access=\"read\"/>\n"
	"    <property name=\"Threshold\" type=\"t\" access=\"readwrite\"/>\n"
	"  </interface>\n"
	"</node>\n";

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

static void test_inspector(void)
{
	DBusMessage *msg = method(thing_a, THING, "Poke");
	const char *text = "intruder";
	dbus_uint64_t v = 1;
	char *xml;

	dbus_message_append_args(msg, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	CHECK_STREQ(call_error(B, msg), "org.freedesktop.DBus.Error.AccessDenied");
	CHECK_STREQ(call_error(B, method(thing_a, THING, "Close")),
		    "org.freedesktop.DBus.Error.AccessDenied");
	CHECK_STREQ(call_error(B, set_property_call(thing_a, "Threshold", DBUS_TYPE_UINT64, &v)),
		    "org.freedesktop.DBus.Error.AccessDenied");
	CHECK_STREQ(call_error(B, method(thing_a, THING, "Stats")), "");
	CHECK_STREQ(call_error(B, get_property_call(thing_a, THING, "Counter")), "");
	xml = introspect(B, thing_a);
	CHECK_STREQ(xml, thing_xml);
	free(xml);
	xml = introspect(B, ROOT "/thing");
	CHECK(xml && strstr(xml, strrchr(thing_a, '/') + 1));
	free(xml);
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

static void test_quota(void)
{
	char path[128];
	size_t before = rtc_bus_quota_used(d.bus, A->name, RTC_QUOTA_PEER_CONNECTIONS);

	CHECK_INTEQ(before, 1);
	CHECK_STREQ(create_thing(A, "two", path, sizeof(path)), "");
	CHECK_STREQ(create_thing(A, "three", path, sizeof(path)), "");
	CHECK_STREQ(create_thing(A, "four", path, sizeof(path)),
		    "org.freedesktop.DBus.Error.LimitsExceeded");
	CHECK_INTEQ(rtc_bus_quota_used(d.bus, A->name, RTC_QUOTA_PEER_CONNECTIONS), QUOTA_THINGS);
	/* Another connection has a quota of its own. */
	CHECK_STREQ(create_thing(C, "c's", path, sizeof(path)), "");
	/* Closing one gives it back, and tells the owner. */
	client_forget_signals(C);
	CHECK_STREQ(call_error(C, method(path, THING, "Close")), "");
	client_sync(C);
	CHECK_INTEQ(count_signals(C, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved"), 1);
	CHECK_INTEQ(rtc_bus_quota_used(d.bus, C->name, RTC_QUOTA_PEER_CONNECTIONS), 0);
	/* A removed object is gone for every caller. */
	CHECK_STREQ(call_error(C, method(path, THING, "Stats")),
		    "org.freedesktop.DBus.Error.UnknownObject");
	/* Nobody can take quota for a name that is not on the bus. */
	CHECK_INTEQ(rtc_bus_quota_take(d.bus, ":1.99999", RTC_QUOTA_TRACKS, 1, NULL), -1);
	CHECK_INTEQ(rtc_bus_quota_default(RTC_QUOTA_DATA_CHANNELS), 1024);
	CHECK_INTEQ(rtc_bus_quota_default(RTC_QUOTA_QUEUED_BYTES), 64u << 20);
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

static void test_busctl_inspector(void)
{
	struct run_result *res = malloc(sizeof(*res));

	if (!tool("BUSCTL")) {
		skip_reason = "no busctl";
		free(res);
		return;
	}
	busctl(res, NULL, (const char *[]){ "tree", NAME, NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, thing_a) != NULL);
	if (!strstr(res->out, thing_a))
		printf("# %s\n", res->out);

	busctl(res, NULL, (const char *[]){ "introspect", NAME, thing_a, NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, ".Poke") && strstr(res->out, ".Threshold"));

	busctl(res, NULL, (const char *[]){ "get-property", NAME, thing_a, THING, "Label", NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, "s \"one\"") != NULL);

	busctl(res, NULL, (const char *[]){ "call", NAME, thing_a, THING, "Poke", "s", "x", NULL });
	CHECK(res->status != 0);
	CHECK(strstr(res->out, "ccess denied") || strstr(res->out, "AccessDenied"));
	if (res->status == 0)
		printf("# %s\n", res->out);

	busctl(res, NULL, (const char *[]){ "call", NAME, ROOT, FACTORY, "Echo", "u", "5", NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, "u 5") != NULL);
	free(res);
}

/* Someone who must not see A's objects: they are absent and closed to it. */
static void check_outsider(const char *const *prefix)
{
	struct run_result *res = malloc(sizeof(*res));
	unsigned gone_before = d.gone_count;

	busctl(res, prefix, (const char *[]){ "tree", NAME, NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, ROOT) != NULL);
	CHECK(strstr(res->out, thing_a) == NULL);
	/* Multi-line output: every line a TAP comment. */
	for (const char *line = res->out; *line;) {
		size_t len = strcspn(line, "\n");
		printf("# %.*s\n", (int)len, line);
		line += len + (line[len] == '\n');
	}

	busctl(res, prefix, (const char *[]){ "introspect", NAME, thing_a, NULL });
	CHECK(res->status != 0);
	CHECK(strstr(res->out, "ccess denied") != NULL);

	busctl(res, prefix, (const char *[]){ "get-property", NAME, thing_a, THING, "Label", NULL });
	CHECK(res->status != 0);
	CHECK(strstr(res->out, "ccess denied") != NULL);

	busctl(res, prefix, (const char *[]){ "call", NAME, ROOT, "org.freedesktop.DBus.ObjectManager",
					      "GetManagedObjects", NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, thing_a) == NULL);

	/* The public object is everybody's; what it makes is the caller's. */
	busctl(res, prefix, (const char *[]){ "call", NAME, ROOT, FACTORY, "Create", "a{sv}", "0", NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, "o \"" ROOT "/thing/") != NULL);
	if (res->status != 0)
		printf("# %s\n", res->out);
	/* and when that client leaves, client_gone frees it */
	for (uint64_t deadline = now_ms() + 5000; d.gone_count == gone_before && now_ms() < deadline; )
		pump();
	CHECK(d.gone_count > gone_before);
	free(res);
}

static void test_other_user(void)
{
	if (!tool("BUSCTL") || !tool("SETPRIV") || geteuid() != 0) {
		skip_reason = "needs root, setpriv and busctl";
		return;
	}
	check_outsider((const char *[]){ tool("SETPRIV"), "--reuid=65534", "--regid=65534",
					 "--clear-groups", NULL });
}

static void test_sandboxed(void)
{
	char info[128], info_arg[160];

	if (!tool("BUSCTL") || !tool("BWRAP") || geteuid() != 0) {
		skip_reason = "needs root, bwrap and busctl";
		return;
	}
	snprintf(info, sizeof(info), "%s/flatpak-info", d.dir);
	FILE *f = fopen(info, "w");
	fputs("[Application]\nname=org.example.Sandboxed\n", f);
	fclose(f);
	snprintf(info_arg, sizeof(info_arg), "%s", info);
	/* A root of its own, as Flatpak gives: binding the host's / would
	 * create /.flatpak-info on the host. */
	check_outsider((const char *[]){ tool("BWRAP"), "--ro-bind", "/usr", "/usr",
					 "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
					 "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev",
					 "--bind", d.dir, d.dir, "--ro-bind", info_arg, "/.flatpak-info", NULL });
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

static void test_client_gone(void)
{
	char name[64];
	uint64_t deadline = now_ms() + 5000;
	unsigned before = d.gone_count;

	snprintf(name, sizeof(name), "%s", A->name);
	client_forget_signals(C);
	client_free(A);
	A = NULL;
	while (now_ms() < deadline && d.gone_count == before)
		pump();
	CHECK_INTEQ(d.gone_count, before + 1);
	CHECK_STREQ(d.gone_name, name);
	CHECK_INTEQ(rtc_bus_quota_used(d.bus, name, RTC_QUOTA_PEER_CONNECTIONS), 0);
	CHECK_STREQ(call_error(B, method(thing_a, THING, "Stats")),
		    "org.freedesktop.DBus.Error.UnknownObject");
	for (struct thing *t = d.things; t; t = t->next)
		CHECK(strcmp(t->owner, name) != 0);
	/* The removals were addressed to the owner that left, not broadcast. */
	client_sync(C);
	CHECK_INTEQ(count_signals(C, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved"), 0);
}

/* ---- setup ----------------------------------------------------------------------- */

static void start_bus(void)
{
	const char *conf = getenv("RTCD_TEST_BUS_CONF");
	const char *daemon = tool("DBUS_DAEMON") ? tool("DBUS_DAEMON") : "dbus-daemon";
	char listen[128], fd_arg[32];
	int pipefd[2];
	ssize_t n;

	snprintf(d.dir, sizeof(d.dir), "/tmp/rtcd-bus-test-XXXXXX");
	if (!conf || !mkdtemp(d.dir) || pipe(pipefd) < 0) {
		printf("Bail out! no RTCD_TEST_BUS_CONF or no temporary directory\n");
		exit(1);
	}
	chmod(d.dir, 0755);    /* the other user's client needs the socket */
	snprintf(listen, sizeof(listen), "--address=unix:path=%s/bus", d.dir);
	snprintf(fd_arg, sizeof(fd_arg), "--print-address=%d", pipefd[1]);
	d.dbus_pid = fork();
	if (d.dbus_pid == 0) {
		char conf_arg[512];

		close(pipefd[0]);
		snprintf(conf_arg, sizeof(conf_arg), "--config-file=%s", conf);
		execlp(daemon, daemon, conf_arg, listen, fd_arg, "--nofork", "--nopidfile",
		       (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], d.address, sizeof(d.address) - 1);
	close(pipefd[0]);
	if (n <= 0) {
		printf("Bail out! dbus-daemon did not start\n");
		exit(1);
	}
	d.address[n] = '\0';
	d.address[strcspn(d.address, "\n")] = '\0';
}

static void stop_bus(void)
{
	char path[128];

	kill(d.dbus_pid, SIGTERM);
	waitpid(d.dbus_pid, NULL, 0);
	snprintf(path, sizeof(path), "%s/bus", d.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/flatpak-info", d.dir);
	unlink(path);
	rmdir(d.dir);
}

static void start_daemon(void)
{
	struct rtc_bus_options opts = { .kind = RTC_BUS_ADDRESS, .address = d.address, .name = NAME };
	const char *why = NULL;
	int r;

	opts.quota[RTC_QUOTA_PEER_CONNECTIONS] = QUOTA_THINGS;
	r = rtc_reactor_new(RTC_REACTOR_AUTO, &d.reactor);
	if (r < 0) {
		printf("Bail out! no reactor: %s\n", strerror(-r));
		exit(1);
	}
	printf("# reactor backend: %s\n", rtc_reactor_backend_name(d.reactor));
	r = rtc_bus_open(d.reactor, &opts, client_gone, NULL, &d.bus, &why);
	if (r < 0) {
		printf("Bail out! rtc_bus_open: %s (%s)\n", strerror(-r), why ? why : "");
		exit(1);
	}
	d.root = rtc_bus_object_add(d.bus, ROOT, NULL,
				    (const struct rtc_bus_interface *[]){ &factory_interface, NULL },
				    NULL);
	rtc_bus_object_add_object_manager(d.root);
}

static void stop_daemon(void)
{
	while (d.things)
		thing_free(d.things);
	rtc_bus_object_remove(d.root);
	rtc_bus_close(d.bus);
	rtc_reactor_free(d.reactor);
}

int main(void)
{
	DBusError e = DBUS_ERROR_INIT;

	signal(SIGPIPE, SIG_IGN);
	start_bus();
	start_daemon();
	A = client_new();
	B = client_new();
	C = client_new();
	/* C listens to every signal it may receive, without eavesdropping. */
	dbus_bus_add_match(C->conn, "type='signal'", &e);
	if (dbus_error_is_set(&e)) {
		printf("Bail out! AddMatch: %s\n", e.message);
		return 1;
	}

	RUN(test_dict_parse);
	RUN(test_create_and_object_manager);
	RUN(test_introspection);
	RUN(test_properties);
	RUN(test_errors);
	RUN(test_unicast_signals);
	RUN(test_inspector);
	RUN(test_dict_errors);
	RUN(test_quota);
	RUN(test_call_order);
	RUN(test_name_taken);
	RUN_SKIPPABLE(test_busctl_inspector);
	RUN_SKIPPABLE(test_other_user);
	RUN_SKIPPABLE(test_sandboxed);
	RUN(test_client_gone);

	client_free(B);
	client_free(C);
	stop_daemon();
	stop_bus();
	dbus_shutdown();
	return rtc_test_done();
}
