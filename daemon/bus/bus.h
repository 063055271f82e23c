/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus layer: rtcd's one D-Bus connection, run on the reactor.
 *
 * Objects are registered with declarative interface tables; the bus layer
 * dispatches method calls to them, answers Introspect (built from the same
 * tables), org.freedesktop.DBus.Properties and ObjectManager, enforces the
 * ownership and isolation rules of the contract (spec/dbus-api.md), keeps the
 * per-connection quotas and tells the API layer when a client leaves the bus.
 * It knows nothing about WebRTC.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct rtc_reactor;
struct rtc_bus;
struct rtc_bus_object;
struct rtc_bus_call;

/* ---- connection ------------------------------------------------------- */

enum rtc_bus_kind { RTC_BUS_SESSION, RTC_BUS_SYSTEM, RTC_BUS_ADDRESS };

enum rtc_quota {
	RTC_QUOTA_PEER_CONNECTIONS,
	RTC_QUOTA_DATA_CHANNELS,
	RTC_QUOTA_TRACKS,
	RTC_QUOTA_QUEUED_BYTES,
	RTC_QUOTA_BUFFERED_BYTES,   /* Send()s not yet on the wire (a limit, not taken) */
	RTC_QUOTA_COUNT_
};

struct rtc_bus_options {
	enum rtc_bus_kind kind;
	const char *address;             /* for RTC_BUS_ADDRESS */
	const char *name;                /* well-known name to own, e.g. "org.rtcd.WebRTC1" */
	uint64_t quota[RTC_QUOTA_COUNT_]; /* per client connection; 0 = the default */
	/* How long a client behind in reading may leave our Peer.Ping unanswered
	 * before it is taken for not reading at all (RTC_BUS_READER_SILENT);
	 * 0 = RTC_BUS_UNREAD_TIMEOUT_DEFAULT_NS. */
	uint64_t unread_timeout_ns;
};

#define RTC_BUS_UNREAD_TIMEOUT_DEFAULT_NS (60ull * 1000 * 1000 * 1000)

/* Called when a client connection (unique name) leaves the bus. The API layer
 * closes everything that client owned; after the callback returns, the bus
 * layer frees its bookkeeping for that name (quota counters, credentials). */
typedef void (*rtc_bus_client_gone_fn)(void *userdata, const char *unique_name);

/* Connects, owns opts->name (fails with -EEXIST if another process has it) and
 * runs the connection on the reactor. Returns 0 or -errno; *err_msg (static
 * or NULL) says what failed. */
int rtc_bus_open(struct rtc_reactor *r, const struct rtc_bus_options *opts,
		 rtc_bus_client_gone_fn client_gone, void *userdata,
		 struct rtc_bus **out, const char **err_msg);
/* Flushes queued messages, releases the name and frees every object. */
void rtc_bus_close(struct rtc_bus *bus);
DBusConnection *rtc_bus_connection(struct rtc_bus *bus);

/* How a client keeps up with reading what we send it (backlog.c). */
enum rtc_bus_reader {
	/* Reads: what it receives flows. */
	RTC_BUS_READER_KEEPING_UP,
	/* More bytes of our messages unread than it may: the API layer holds
	 * what produces them (its channels' receiving) until it reads down. */
	RTC_BUS_READER_BEHIND,
	/* Behind, and our Peer.Ping unanswered for the unread timeout: taken
	 * for not reading at all. The API layer closes what it held (with an
	 * Error, so the peers stop waiting); its signals are dropped and its
	 * calls refused (LimitsExceeded) until it answers a Ping again. */
	RTC_BUS_READER_SILENT,
};

/* Called when a client's reader state changes. */
typedef void (*rtc_bus_client_backlog_fn)(void *userdata, const char *unique_name,
					  enum rtc_bus_reader state);
void rtc_bus_set_backlog_fn(struct rtc_bus *bus, rtc_bus_client_backlog_fn fn, void *userdata);
enum rtc_bus_reader rtc_bus_client_reader(struct rtc_bus *bus, const char *unique_name);

/* Defaults used for quota slots left 0 in rtc_bus_options. */
uint64_t rtc_bus_quota_default(enum rtc_quota q);

/* Takes `amount` of a client's quota. Fails (returns -1, err->kind =
 * RTC_ERROR_NONE and the message filled) when it would exceed the limit;
 * the caller answers org.freedesktop.DBus.Error.LimitsExceeded
 * via rtc_bus_reply_limits_exceeded(). */
int rtc_bus_quota_take(struct rtc_bus *bus, const char *unique_name, enum rtc_quota q,
		       uint64_t amount, struct rtc_error *err);
void rtc_bus_quota_release(struct rtc_bus *bus, const char *unique_name, enum rtc_quota q,
			   uint64_t amount);
uint64_t rtc_bus_quota_used(struct rtc_bus *bus, const char *unique_name, enum rtc_quota q);
/* Quotas also count per client identity: the uid, and the app id of a
 * sandboxed app, over all of its connections, so that one app opening many
 * connections cannot take what others need. `limit` 0 restores the default,
 * RTC_BUS_IDENTITY_QUOTA_FACTOR times the per-connection quota. */
#define RTC_BUS_IDENTITY_QUOTA_FACTOR 4u
void rtc_bus_quota_set_per_identity(struct rtc_bus *bus, enum rtc_quota q, uint64_t limit);
uint64_t rtc_bus_quota_per_identity(struct rtc_bus *bus, enum rtc_quota q);
/* The configured limit of a quota (for limits checked by their user). */
uint64_t rtc_bus_quota_limit(const struct rtc_bus *bus, enum rtc_quota q);

/* ---- declarative interfaces --------------------------------------------- */

struct rtc_bus_arg {
	const char *name;
	const char *signature;
};

/* Method flags. By default only the owner of an object may call a method;
 * RTC_BUS_METHOD_INSPECT marks a read-only method that inspectors (same user,
 * not sandboxed; root on the system bus) may call too (GetStats). */
enum { RTC_BUS_METHOD_INSPECT = 1 << 0 };

/* The bus layer has checked the argument signature against `in` before the
 * call (mismatch: org.freedesktop.DBus.Error.InvalidArgs) and the caller's
 * right to call it. The handler must answer exactly once, now or later, with
 * rtc_bus_reply()/rtc_bus_reply_error()/... ; the call object stays valid
 * until it has been answered. */
typedef void (*rtc_bus_method_fn)(struct rtc_bus_call *call, void *object_data);

struct rtc_bus_method {
	const char *name;
	const struct rtc_bus_arg *in;   /* terminated by {NULL, NULL}; NULL = none */
	const struct rtc_bus_arg *out;  /* likewise */
	rtc_bus_method_fn fn;
	unsigned flags;
};

/* get: append the bare value (of `signature`, no variant) to `iter`.
 * set: read the new value from `value` (positioned inside the variant, type
 *      already checked against `signature`); returns 0, or -1 with *err filled
 *      (answered as org.rtcd.WebRTC1.Error.<kind> or InvalidArgs for TYPE).
 *      NULL set = read-only (Set answers PropertyReadOnly). Only the owner may Set.
 *      After a successful set the bus layer emits PropertiesChanged for it
 *      (unless the property is CONST or NO_SIGNAL). */
struct rtc_bus_property {
	const char *name;
	const char *signature;
	bool (*get)(void *object_data, DBusMessageIter *iter);
	int (*set)(void *object_data, DBusMessageIter *value, struct rtc_error *err);
	unsigned flags;                 /* RTC_BUS_PROPERTY_*; 0 = PropertiesChanged on change */
};

/* Property flags, shown as org.freedesktop.DBus.Property.EmitsChangedSignal.
 * By default a property announces its changes with PropertiesChanged (the
 * API layer calls rtc_bus_emit_properties_changed(); after a successful Set
 * the bus layer does). CONST: never changes while the object exists (Label,
 * Id, ...). NO_SIGNAL: changes too often to announce (BufferedAmount).
 * INVALIDATES: large (descriptions): PropertiesChanged names it among the
 * invalidated properties, without its value; clients Get it when they need it. */
enum {
	RTC_BUS_PROPERTY_CONST = 1 << 0,
	RTC_BUS_PROPERTY_NO_SIGNAL = 1 << 1,
	RTC_BUS_PROPERTY_INVALIDATES = 1 << 2,
};

struct rtc_bus_signal {
	const char *name;
	const struct rtc_bus_arg *args; /* terminated by {NULL, NULL}; NULL = none */
};

struct rtc_bus_interface {
	const char *name;
	const struct rtc_bus_method *methods;       /* terminated by {NULL}; may be NULL */
	const struct rtc_bus_property *properties;  /* likewise */
	const struct rtc_bus_signal *signals;       /* likewise */
};

/* The introspection document of these interfaces alone (NULL-terminated; no
 * standard interfaces, no child nodes), formatted exactly as Introspect
 * formats them: what the files in dbus/ hold. malloc'd; NULL when out of memory. */
char *rtc_bus_introspect_interfaces(const struct rtc_bus_interface *const *ifaces);

/* ---- objects ---------------------------------------------------------- */

/* Registers an object. `owner` is the unique name of the connection that owns
 * it, or NULL for a public object (the Manager) that anyone may call.
 * `ifaces` is NULL-terminated; the standard interfaces (Introspectable,
 * Properties, Peer) are added by the bus layer, ObjectManager only where
 * rtc_bus_object_add_object_manager() says. Emits InterfacesAdded to the owner.
 * Returns NULL if the path is taken. */
struct rtc_bus_object *rtc_bus_object_add(struct rtc_bus *bus, const char *path,
					  const char *owner,
					  const struct rtc_bus_interface *const *ifaces,
					  void *object_data);
/* Makes this object the ObjectManager of its subtree (the root object). */
void rtc_bus_object_add_object_manager(struct rtc_bus_object *obj);
/* Emits InterfacesRemoved to the owner and unregisters; pending calls on it
 * stay answerable. */
void rtc_bus_object_remove(struct rtc_bus_object *obj);
const char *rtc_bus_object_path(const struct rtc_bus_object *obj);
const char *rtc_bus_object_owner(const struct rtc_bus_object *obj); /* NULL if public */
/* A number for a new object's path (.../pc/<n>): in 1 .. 2^63 - 1, written
 * in decimal; unguessable (a keyed permutation of a counter, so an app cannot
 * count others' objects) and never returned twice while the daemon runs. */
uint64_t rtc_bus_new_object_number(struct rtc_bus *bus);

/* Emits PropertiesChanged for the named properties (NULL-terminated) of one
 * interface, values read through their getters, unicast to the owner. */
void rtc_bus_emit_properties_changed(struct rtc_bus_object *obj, const char *iface,
				     const char *const *names);

/* A signal message of this object (destination = the owner), to append
 * arguments to and pass to rtc_bus_signal_send(), which sends and unrefs it. */
DBusMessage *rtc_bus_signal_new(struct rtc_bus_object *obj, const char *iface,
				const char *name);
void rtc_bus_signal_send(struct rtc_bus_object *obj, DBusMessage *signal);

/* ---- method calls ------------------------------------------------------- */

DBusMessage *rtc_bus_call_message(struct rtc_bus_call *call);
const char *rtc_bus_call_sender(struct rtc_bus_call *call);
struct rtc_bus *rtc_bus_call_bus(struct rtc_bus_call *call);
/* Is the caller in a sandbox (Flatpak)? True too when it cannot be told:
 * doubt never earns the rights of an unconfined app. */
bool rtc_bus_call_sandboxed(struct rtc_bus_call *call);

/* A method return for the call, to append the out arguments to. */
DBusMessage *rtc_bus_reply_new(struct rtc_bus_call *call);
/* Sends `reply` (taking the reference) and frees the call. */
void rtc_bus_reply(struct rtc_bus_call *call, DBusMessage *reply);
/* An empty method return. */
void rtc_bus_reply_empty(struct rtc_bus_call *call);
/* Answers with a W3C error: org.rtcd.WebRTC1.Error.<kind name>, except
 * RTC_ERROR_TYPE for wrong argument types/unknown keys, which is
 * org.rtcd.WebRTC1.Error.TypeError too (the contract lists it). */
void rtc_bus_reply_error(struct rtc_bus_call *call, const struct rtc_error *err);
/* Any D-Bus error name. */
__attribute__((format(printf, 3, 4)))
void rtc_bus_reply_error_name(struct rtc_bus_call *call, const char *name,
			      const char *fmt, ...);
void rtc_bus_reply_limits_exceeded(struct rtc_bus_call *call, const struct rtc_error *err);

/* ---- a{sv} dictionaries ----------------------------------------------- */

/* Walks an a{sv} argument with strict checking: every key must be in `keys`
 * (NULL-terminated; each "name:signature", e.g. "ordered:b", "ice-servers:aa{sv}";
 * the signature may list alternatives, "audio:b|a{sv}", and "v" accepts any type),
 * the variant's type must match, and no key may repeat. For each entry calls
 * fn(userdata, key, value_iter_inside_variant). Returns 0, or -1 with
 * err->kind = RTC_ERROR_TYPE and a message naming the key. fn may fail by
 * returning -1 with *err filled. `iter` must point at the a{sv}. */
typedef int (*rtc_bus_dict_fn)(void *userdata, const char *key, DBusMessageIter *value,
			       struct rtc_error *err);
int rtc_bus_dict_parse(DBusMessageIter *iter, const char *const *keys,
		       rtc_bus_dict_fn fn, void *userdata, struct rtc_error *err);

/* Helpers to build a{sv}: open the dict, then add entries. */
void rtc_bus_dict_open(DBusMessageIter *parent, DBusMessageIter *dict);
void rtc_bus_dict_close(DBusMessageIter *parent, DBusMessageIter *dict);
void rtc_bus_dict_add_basic(DBusMessageIter *dict, const char *key, int type,
			    const void *value);
void rtc_bus_dict_add_string(DBusMessageIter *dict, const char *key, const char *value);
