/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of the bus layer share with each other, never with the rest
 * of the daemon. One file per job:
 *
 *   connection.c      connect, own the name, run libdbus on the reactor
 *   sorted-index.c    the sorted pointer arrays behind the object and client tables
 *   objects.c         the object table, signals about objects
 *   dispatch.c        route a method call to a table entry, with access checks
 *   call.c            the call object and every way of answering it
 *   standard.c        Introspectable, Peer, Properties, ObjectManager
 *   introspect.c      the introspection XML
 *   clients.c         per-connection state: credentials, queued calls, departure
 *   sandbox.c         recognizing a Flatpak sandbox from /proc
 *   quota.c           per-connection quotas
 *   dict.c            strict a{sv} parsing and building
 *   backlog.c         per-message size limit; bytes sent to each client and not read yet
 *   object-number.c   unguessable, never repeated numbers for object paths
 */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "bus/bus.h"
#include "bus/object-number.h"

#ifndef DBUS_INTERFACE_OBJECT_MANAGER   /* libdbus 1.14 does not name it */
#define DBUS_INTERFACE_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#endif

/* ---- sorted pointer arrays, keyed by a string inside each item ---------- */

struct rtc_bus_index {
	void **items;
	size_t n, cap;
	const char *(*key_of)(const void *item);
};

/* Binary search. Returns true if found; *pos is the match or the insertion point. */
bool rtc_bus_index_find(const struct rtc_bus_index *idx, const char *key, size_t *pos);
void *rtc_bus_index_get(const struct rtc_bus_index *idx, const char *key);
int rtc_bus_index_insert(struct rtc_bus_index *idx, size_t pos, void *item); /* 0 or -ENOMEM */
void rtc_bus_index_remove_at(struct rtc_bus_index *idx, size_t pos);
void rtc_bus_index_free(struct rtc_bus_index *idx);

/* ---- per-connection state (clients.c, quota.c) ------------------------ */

/* What we sent a client and what it has been seen to read (backlog.c). */
struct rtc_bus_backlog {
	uint64_t sent;               /* bytes of messages sent to it */
	uint64_t acked;              /* of which it has read (its answer to a Ping) */
	uint64_t ping_mark;          /* `sent` when the outstanding Ping left */
	DBusPendingCall *ping;       /* outstanding Ping, or NULL */
	struct rtc_timer *retry;     /* to ask again after a refused Ping */
	bool over;                   /* past RTC_BUS_CLIENT_BACKLOG_BYTES: held */
	uint64_t dropped;            /* signals dropped past RTC_BUS_CLIENT_BACKLOG_MAX */
	uint64_t unanswered_since;   /* when the oldest unanswered Ping left; 0: none */
	struct rtc_timer *silence;   /* fires when that is the unread timeout ago */
	bool silent;                 /* RTC_BUS_READER_SILENT */
};

struct rtc_bus_client {
	struct rtc_bus *bus;
	char *name;                  /* unique name, ":1.42" */

	/* Credentials come asynchronously from the bus driver; until they do,
	 * the client's method calls wait in `queue`, in order. */
	bool known;
	DBusPendingCall *asking;
	DBusMessage **queue;
	size_t n_queued;

	bool has_uid;
	uid_t uid;
	pid_t pid;                   /* 0 when the bus did not say */
	bool sandboxed;
	char *app_id;                /* Flatpak app id, when sandboxed */
	bool inspector;              /* may inspect objects it does not own */

	uint64_t quota_used[RTC_QUOTA_COUNT_];
	struct rtc_bus_backlog backlog;
	struct rtc_bus_identity *identity; /* set once known; shares quotas */
};

/* Who is behind a connection, for the quotas that count across connections:
 * the uid, and the app id of a sandboxed app. A sandboxed app whose id we
 * cannot read, and a client the bus would not describe, share one identity
 * per kind of doubt, so doubt never earns a fresh quota. */
struct rtc_bus_identity {
	char *key;                   /* "uid 1000", "uid 1000 app org.example.App" */
	size_t refs;                 /* clients of this identity on the bus */
	uint64_t quota_used[RTC_QUOTA_COUNT_];
};

/* Finds or makes the identity of a judged client and takes a reference. */
struct rtc_bus_identity *rtc_bus_identity_ref(struct rtc_bus *bus,
					       const struct rtc_bus_client *c);
void rtc_bus_identity_unref(struct rtc_bus *bus, struct rtc_bus_identity *id);

/* Most calls a client may have waiting for its credentials. */
#define RTC_BUS_MAX_QUEUED_CALLS 256

struct rtc_bus_client *rtc_bus_client_get(struct rtc_bus *bus, const char *name);
/* Handles one method call from the bus: queues it behind the client's pending
 * credentials or dispatches it. */
void rtc_bus_client_receive(struct rtc_bus *bus, DBusMessage *msg);
/* NameOwnerChanged said `name` left: tells the API layer, frees the state. */
void rtc_bus_client_vanished(struct rtc_bus *bus, const char *name);
void rtc_bus_clients_free(struct rtc_bus *bus);

/* Is `pid` in a Flatpak sandbox? 1 yes (*app_id = its app id, malloc'd, or
 * NULL if the file does not name one), 0 no, -errno when it cannot be told
 * (the process is gone, /proc refuses us): callers must then assume it is. */
int rtc_bus_sandbox_detect(pid_t pid, char **app_id);

/* ---- objects (objects.c) ---------------------------------------------- */

struct rtc_bus_object {
	struct rtc_bus *bus;
	char *path;
	char *owner;                               /* NULL = public */
	const struct rtc_bus_interface **ifaces;   /* own copy of the array */
	size_t n_ifaces;
	void *data;
	bool object_manager;
};

enum rtc_bus_access {
	RTC_BUS_ACCESS_NONE,     /* may not even see the object */
	RTC_BUS_ACCESS_INSPECT,  /* read-only: Introspect, Get, GetAll, INSPECT methods */
	RTC_BUS_ACCESS_FULL,     /* the owner, or anyone on a public object */
};

enum rtc_bus_access rtc_bus_object_access(const struct rtc_bus_object *obj,
					  const struct rtc_bus_client *client);
struct rtc_bus_object *rtc_bus_object_find(struct rtc_bus *bus, const char *path);
/* The objects strictly below `path` are items [*first, *end) of the table. */
void rtc_bus_object_subtree(struct rtc_bus *bus, const char *path, size_t *first, size_t *end);
struct rtc_bus_object *rtc_bus_object_at(struct rtc_bus *bus, size_t i);
const struct rtc_bus_interface *rtc_bus_object_interface(const struct rtc_bus_object *obj,
							 const char *name);
void rtc_bus_objects_free(struct rtc_bus *bus);
/* Sends a message about an object, unicast to its owner or broadcast when public. */
void rtc_bus_send(struct rtc_bus *bus, DBusMessage *msg);

/* ---- calls and dispatch (call.c, dispatch.c) --------------------------- */

struct rtc_bus_call {
	struct rtc_bus *bus;
	DBusMessage *message;
	struct rtc_bus_call *prev, *next;   /* the bus's list of unanswered calls */
};

/* What a call addresses: an object, or a path that only has objects below it
 * (obj NULL), as seen by `client`. Valid during the dispatch of one call;
 * it is the object_data of the standard interfaces' handlers. */
struct rtc_bus_node {
	const char *path;
	struct rtc_bus_object *obj;
	struct rtc_bus_client *client;
};

struct rtc_bus_call *rtc_bus_call_new(struct rtc_bus *bus, DBusMessage *msg);
void rtc_bus_dispatch(struct rtc_bus *bus, struct rtc_bus_client *client, DBusMessage *msg);
/* Answers a message that never became a call (refused before dispatch). */
__attribute__((format(printf, 4, 5)))
void rtc_bus_refuse(struct rtc_bus *bus, DBusMessage *msg, const char *error_name,
		    const char *fmt, ...);
void rtc_bus_calls_abandon(struct rtc_bus *bus);

/* ---- standard interfaces (standard.c) --------------------------------- */

extern const struct rtc_bus_interface rtc_bus_introspectable_interface;
extern const struct rtc_bus_interface rtc_bus_peer_interface;
extern const struct rtc_bus_interface rtc_bus_properties_interface;
extern const struct rtc_bus_interface rtc_bus_object_manager_interface;

/* Appends {interface: {property: value}} of every interface of obj. */
bool rtc_bus_append_interfaces_and_properties(struct rtc_bus_object *obj, DBusMessageIter *iter);
/* InterfacesAdded/InterfacesRemoved from the nearest ObjectManager above obj. */
void rtc_bus_emit_interfaces_added(struct rtc_bus_object *obj);
void rtc_bus_emit_interfaces_removed(struct rtc_bus_object *obj);

/* ---- introspection XML (introspect.c) --------------------------------- */

void rtc_bus_introspect_write_interface(FILE *f, const struct rtc_bus_interface *iface);
/* The whole document for a node; malloc'd, NULL on allocation failure. */
char *rtc_bus_introspect_node(struct rtc_bus *bus, const struct rtc_bus_node *node);

/* ---- the connection (connection.c) ------------------------------------ */

struct rtc_bus_fd;

struct rtc_bus {
	struct rtc_reactor *reactor;
	DBusConnection *conn;
	enum rtc_bus_kind kind;
	char *name;
	uid_t uid;                   /* the daemon's own user */
	uint64_t quota[RTC_QUOTA_COUNT_];
	rtc_bus_client_gone_fn client_gone;
	void *userdata;

	struct rtc_idle *dispatch_idle;
	DBusWatch **watches;         /* libdbus makes a read and a write watch per fd */
	size_t n_watches;
	struct rtc_bus_fd *fds;      /* one reactor watch per fd */

	struct rtc_bus_index objects;   /* by path */
	struct rtc_bus_index clients;   /* by unique name */
	struct rtc_bus_index identities; /* by key (quota.c) */
	uint64_t quota_identity[RTC_QUOTA_COUNT_]; /* 0 = RTC_BUS_IDENTITY_QUOTA_FACTOR x quota (bus.h) */
	struct rtc_bus_call *calls;     /* unanswered */
	struct rtc_object_numbering numbering;
	uint64_t dropped_signals;
	rtc_bus_client_backlog_fn backlog_fn;
	void *backlog_data;
	uint64_t unread_timeout_ns;
};

/* ---- sizes and backlogs (backlog.c) ------------------------------------ */

/* Unread bytes to one client past which the API layer holds what produces
 * its messages; and past which it gets no more signals, its calls a refusal. */
#define RTC_BUS_CLIENT_BACKLOG_BYTES (4u << 20)
#define RTC_BUS_CLIENT_BACKLOG_MAX (32u << 20)

/* Roughly the marshalled size of a message (what its arguments hold); stops
 * counting once past stop_above. */
uint64_t rtc_bus_message_size(DBusMessage *msg, uint64_t stop_above);
/* Counts a message to a client; false: drop it (a signal to a client far
 * behind). */
bool rtc_bus_backlog_send(struct rtc_bus *bus, DBusMessage *msg);
/* Why the client's calls are refused (so far behind, or silent); NULL when
 * they are not. */
const char *rtc_bus_backlog_refuses(struct rtc_bus *bus, const char *name);
void rtc_bus_backlog_free(struct rtc_bus_client *c);

/* Outgoing bytes queued towards the bus beyond which signals are dropped
 * (replies are always sent): the bus daemon is not reading from us. */
#define RTC_BUS_MAX_OUTGOING_BYTES (128u << 20)
/* Largest method call accepted from a client: a bigger one is answered
 * LimitsExceeded (backlog.c). libdbus itself takes up to the protocol's
 * maximum: past its limit it would drop our connection to the bus. */
#define RTC_BUS_MAX_MESSAGE_BYTES (16u << 20)
#define RTC_BUS_MAX_MESSAGE_FDS 16u
