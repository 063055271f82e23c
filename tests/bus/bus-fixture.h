/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the bus-layer tests share (bus-fixture.c): a private dbus-daemon,
 * one process playing rtcd on it (reactor + bus layer + a Factory at ROOT
 * that makes Things owned by their caller, with a quota of QUOTA_THINGS
 * each), and libdbus clients driven by hand: send, then run the daemon
 * side until the answer arrives.
 *
 * Each test program runs its cases in one process against one bus, in
 * order, as the users of a real rtcd would:
 *
 *     bus_test_setup();
 *     bus_test_create_thing_a();      (if its cases need A's object)
 *     RUN(...);
 *     bus_test_teardown();
 *
 * Environment (set by meson): RTCD_TEST_BUS_CONF, DBUS_DAEMON, BUSCTL, SETPRIV,
 * BWRAP; RTCD_IO picks the reactor backend.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bus/bus.h"
#include "io/reactor.h"

#define NAME "org.rtcd.Test1"
#define ROOT "/org/rtcd/Test1"
#define FACTORY "org.rtcd.Test1.Factory"
#define THING "org.rtcd.Test1.Thing"
#define QUOTA_THINGS 3

/* ---- the daemon side ---------------------------------------------------------- */

struct thing {
	struct thing *next;
	struct rtc_bus_object *obj;
	char owner[64];
	char label[64];
	uint32_t counter;
	uint64_t threshold;
};

/* The daemon side's state, `d` for short: the tests look into it (quota
 * used, Things alive, clients the bus layer saw leave). */
struct bus_test_daemon {
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
};

extern struct bus_test_daemon d;

/* org.rtcd.Test1.Thing: Poke, Stats (inspectable), Close; Label, Counter,
 * Threshold (writable, at most 1000); the Poked signal. */
extern const struct rtc_bus_interface thing_interface;

/* ---- the client side ---------------------------------------------------------- */

#define MAX_RECEIVED 64

struct client {
	DBusConnection *conn;
	const char *name;
	DBusMessage *received[MAX_RECEIVED];   /* signals seen while waiting for replies */
	size_t n_received;
};

/* The daemon side's clients, made by bus_test_setup: A owns objects, B
 * inspects them, C observes every signal it may receive. A test that
 * disconnects A sets it to NULL. */
extern struct client *A, *B, *C;

/* A's Thing, labelled "one", once bus_test_create_thing_a() or a test made it. */
extern char thing_a[128];

/* What Introspect answers for a Thing. */
extern const char thing_xml[];

/* Runs the daemon side once (waits at most 1 ms). */
void pump(void);
uint64_t now_ms(void);

struct client *client_new(void);
void client_forget_signals(struct client *c);
void client_free(struct client *c);

/* Sends msg (taking it) and runs the daemon until the answer comes; NULL
 * after 10 s. Signals that come first are kept in c->received. */
DBusMessage *call(struct client *c, DBusMessage *msg);
DBusMessage *method(const char *path, const char *iface, const char *member);
/* The error name of a reply, or "" for a method return. */
const char *error_of(DBusMessage *reply);
/* Calls and returns only the error name ("" on success). */
const char *call_error(struct client *c, DBusMessage *msg);
/* Every signal the daemon sent c before it answers a call c makes now. */
void client_sync(struct client *c);
size_t count_signals(struct client *c, const char *iface, const char *member);

/* Factory.Create({"label": label}); returns the new path in `path`. */
const char *create_thing(struct client *c, const char *label, char *path, size_t size);
char *introspect(struct client *c, const char *path);
DBusMessage *get_property_call(const char *path, const char *iface, const char *prop);
DBusMessage *set_property_call(const char *path, const char *prop, int type, const void *value);

/* The path of a tool from the environment, or NULL when it is not there. */
const char *tool(const char *env);

/* ---- setup ---------------------------------------------------------------------- */

/* Starts dbus-daemon and the daemon side, connects A, B and C; bails out
 * (TAP "Bail out!") when any of it fails. */
void bus_test_setup(void);
/* A creates thing_a ("one"), for the cases that start from an object. */
void bus_test_create_thing_a(void);
/* Disconnects the clients, stops the daemon side and dbus-daemon, removes
 * the temporary directory. */
void bus_test_teardown(void);
