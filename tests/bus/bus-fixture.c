/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus-layer tests' fixture (see bus-fixture.h): the daemon side with its
 * test objects, libdbus clients driven by hand, and a private dbus-daemon.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus-fixture.h"

/* ---- the daemon side: test objects ----------------------------------------- */

struct bus_test_daemon d;

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

const struct rtc_bus_interface thing_interface = {
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

void pump(void)
{
	rtc_reactor_iterate(d.reactor, 1);
}

struct client *client_new(void)
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

void client_forget_signals(struct client *c)
{
	for (size_t i = 0; i < c->n_received; i++)
		dbus_message_unref(c->received[i]);
	c->n_received = 0;
}

void client_free(struct client *c)
{
	client_forget_signals(c);
	dbus_connection_close(c->conn);
	dbus_connection_unref(c->conn);
	free(c);
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sends msg (taking it) and runs the daemon until the answer comes. */
DBusMessage *call(struct client *c, DBusMessage *msg)
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

DBusMessage *method(const char *path, const char *iface, const char *member)
{
	return dbus_message_new_method_call(NAME, path, iface, member);
}

/* The error name of a reply, or "" for a method return. */
const char *error_of(DBusMessage *reply)
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
const char *call_error(struct client *c, DBusMessage *msg)
{
	DBusMessage *reply = call(c, msg);
	const char *e = error_of(reply);

	if (reply)
		dbus_message_unref(reply);
	return e;
}

/* Every signal the daemon sent c before it answers a call c makes now. */
void client_sync(struct client *c)
{
	DBusMessage *reply = call(c, method("/", "org.freedesktop.DBus.Peer", "Ping"));

	if (reply)
		dbus_message_unref(reply);
}

size_t count_signals(struct client *c, const char *iface, const char *member)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_received; i++)
		if (dbus_message_is_signal(c->received[i], iface, member))
			n++;
	return n;
}

/* Factory.Create({"label": label}); returns the new path in `path`. */
const char *create_thing(struct client *c, const char *label, char *path, size_t size)
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

char *introspect(struct client *c, const char *path)
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

DBusMessage *get_property_call(const char *path, const char *iface, const char *prop)
{
	DBusMessage *msg = method(path, "org.freedesktop.DBus.Properties", "Get");

	dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
				 DBUS_TYPE_INVALID);
	return msg;
}

DBusMessage *set_property_call(const char *path, const char *prop, int type,
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

const char *tool(const char *env)
{
	const char *p = getenv(env);

	return p && p[0] ? p : NULL;
}

struct client *A, *B, *C;
char thing_a[128];

const char thing_xml[] =
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

void bus_test_setup(void)
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
		exit(1);
	}
}

void bus_test_create_thing_a(void)
{
	if (create_thing(A, "one", thing_a, sizeof(thing_a))[0] != '\0') {
		printf("Bail out! A cannot create its Thing\n");
		exit(1);
	}
	client_forget_signals(A);
}

void bus_test_teardown(void)
{
	if (A)
		client_free(A);
	client_free(B);
	client_free(C);
	stop_daemon();
	stop_bus();
	dbus_shutdown();
}
