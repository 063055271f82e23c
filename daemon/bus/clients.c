/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-connection state: who a caller is (uid, pid, sandbox, from the bus
 * driver's GetConnectionCredentials), its quota counters, and its method calls
 * waiting for those credentials. The question is asked asynchronously, once
 * per unique name; until the answer comes, the caller's calls wait in order.
 * The state lives until NameOwnerChanged says the name left the bus.
 */
#include "bus/bus-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

struct rtc_bus_client *rtc_bus_client_get(struct rtc_bus *bus, const char *name)
{
	return name ? rtc_bus_index_get(&bus->clients, name) : NULL;
}

static void client_free(struct rtc_bus_client *c)
{
	rtc_bus_backlog_free(c);
	if (c->asking) {
		dbus_pending_call_cancel(c->asking);
		dbus_pending_call_unref(c->asking);
	}
	for (size_t i = 0; i < c->n_queued; i++)
		dbus_message_unref(c->queue[i]);
	if (c->identity) {
		/* What the client still holds stops counting for its app. */
		for (int q = 0; q < RTC_QUOTA_COUNT_; q++)
			c->identity->quota_used[q] -= c->quota_used[q] <= c->identity->quota_used[q]
							      ? c->quota_used[q]
							      : c->identity->quota_used[q];
		rtc_bus_identity_unref(c->bus, c->identity);
	}
	free(c->queue);
	free(c->app_id);
	free(c->name);
	free(c);
}

static struct rtc_bus_client *client_new(struct rtc_bus *bus, const char *name)
{
	struct rtc_bus_client *c;
	size_t pos;

	if (rtc_bus_index_find(&bus->clients, name, &pos))
		return bus->clients.items[pos];
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->bus = bus;
	c->name = strdup(name);
	c->queue = calloc(RTC_BUS_MAX_QUEUED_CALLS, sizeof(*c->queue));
	if (!c->name || !c->queue || rtc_bus_index_insert(&bus->clients, pos, c) < 0) {
		client_free(c);
		return NULL;
	}
	return c;
}

/* Reads UnixUserID and ProcessID from the driver's a{sv}; other keys are
 * ignored, as the driver may add more. */
static void parse_credentials(struct rtc_bus_client *c, DBusMessage *reply)
{
	DBusMessageIter args, dict;

	if (!dbus_message_iter_init(reply, &args) ||
	    dbus_message_iter_get_arg_type(&args) != DBUS_TYPE_ARRAY ||
	    dbus_message_iter_get_element_type(&args) != DBUS_TYPE_DICT_ENTRY)
		return;
	dbus_message_iter_recurse(&args, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&dict)) {
		DBusMessageIter entry, value;
		const char *key;
		dbus_uint32_t u;

		dbus_message_iter_recurse(&dict, &entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
			continue;
		dbus_message_iter_get_basic(&entry, &key);
		dbus_message_iter_next(&entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_VARIANT)
			continue;
		dbus_message_iter_recurse(&entry, &value);
		if (dbus_message_iter_get_arg_type(&value) != DBUS_TYPE_UINT32)
			continue;
		dbus_message_iter_get_basic(&value, &u);
		if (strcmp(key, "UnixUserID") == 0) {
			c->has_uid = true;
			c->uid = (uid_t)u;
		} else if (strcmp(key, "ProcessID") == 0) {
			c->pid = (pid_t)u;
		}
	}
}

/* Decides what the caller may see. Without a uid or a pid we cannot tell
 * whether it is sandboxed, so it sees only its own and public objects. */
static void judge_access(struct rtc_bus_client *c)
{
	struct rtc_bus *bus = c->bus;
	int r;

	c->known = true;
	if (!c->has_uid || c->pid <= 0) {
		c->sandboxed = true;
		rtc_debug("bus: %s: the bus gave no uid or pid; treated as untrusted", c->name);
		return;
	}
	r = rtc_bus_sandbox_detect(c->pid, &c->app_id);
	c->sandboxed = r != 0;
	if (r < 0)
		rtc_debug("bus: %s: cannot tell whether pid %d is sandboxed (%s); assuming it is",
			  c->name, (int)c->pid, strerror(-r));
	c->inspector = !c->sandboxed &&
		       (c->uid == bus->uid || (bus->kind == RTC_BUS_SYSTEM && c->uid == 0));
	rtc_debug("bus: %s is uid %u pid %d%s%s%s", c->name, (unsigned)c->uid, (int)c->pid,
		  c->sandboxed ? ", sandboxed " : "", c->app_id ? c->app_id : "",
		  c->inspector ? ", may inspect" : "");
}

static void judge(struct rtc_bus_client *c)
{
	judge_access(c);
	c->identity = rtc_bus_identity_ref(c->bus, c);
	if (!c->identity)
		rtc_warn("bus: no memory to count %s's quotas with its app's", c->name);
	else
		rtc_debug("bus: %s counts its quotas as %s (%zu connection(s))", c->name,
			  c->identity->key, c->identity->refs);
}

static void run_queue(struct rtc_bus_client *c)
{
	size_t n = c->n_queued;

	/* Nothing can arrive for this client while we dispatch (we are single
	 * threaded and do not read the connection here), so the queue is ours. */
	for (size_t i = 0; i < n; i++) {
		rtc_bus_dispatch(c->bus, c, c->queue[i]);
		dbus_message_unref(c->queue[i]);
	}
	c->n_queued = 0;
}

static void on_credentials(DBusPendingCall *pending, void *data)
{
	struct rtc_bus_client *c = data;
	DBusMessage *reply;

	if (c->asking != pending)
		return;
	c->asking = NULL;
	reply = dbus_pending_call_steal_reply(pending);
	dbus_pending_call_unref(pending);
	if (reply && dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_METHOD_RETURN)
		parse_credentials(c, reply);
	else
		rtc_debug("bus: no credentials for %s: %s", c->name,
			  reply ? dbus_message_get_error_name(reply) : "no reply");
	if (reply)
		dbus_message_unref(reply);
	judge(c);
	run_queue(c);
}

static void ask_credentials(struct rtc_bus_client *c)
{
	DBusConnection *conn = c->bus->conn;
	DBusPendingCall *pending = NULL;
	DBusMessage *msg;

	msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
					   "GetConnectionCredentials");
	if (msg && dbus_message_append_args(msg, DBUS_TYPE_STRING, &c->name, DBUS_TYPE_INVALID))
		dbus_connection_send_with_reply(conn, msg, &pending, DBUS_TIMEOUT_USE_DEFAULT);
	if (msg)
		dbus_message_unref(msg);
	if (!pending) {
		rtc_warn("bus: cannot ask the bus for the credentials of %s", c->name);
		judge(c);
		run_queue(c);
		return;
	}
	c->asking = pending;
	dbus_pending_call_set_notify(pending, on_credentials, c, NULL);
	/* Some libdbus versions complete a call on a dead connection at once. */
	if (c->asking == pending && dbus_pending_call_get_completed(pending))
		on_credentials(pending, c);
}

void rtc_bus_client_receive(struct rtc_bus *bus, DBusMessage *msg)
{
	const char *sender = dbus_message_get_sender(msg);
	struct rtc_bus_client *c;

	if (!sender || sender[0] != ':') {
		rtc_bus_refuse(bus, msg, DBUS_ERROR_ACCESS_DENIED,
			       "Calls must come from a connection with a unique name");
		return;
	}
	c = client_new(bus, sender);
	if (!c) {
		rtc_bus_refuse(bus, msg, DBUS_ERROR_NO_MEMORY, "Out of memory");
		return;
	}
	if (c->known && c->n_queued == 0) {
		rtc_bus_dispatch(bus, c, msg);
		return;
	}
	if (c->n_queued == RTC_BUS_MAX_QUEUED_CALLS) {
		rtc_bus_refuse(bus, msg, DBUS_ERROR_LIMITS_EXCEEDED,
			       "Too many calls waiting for the bus to tell who %s is", sender);
		return;
	}
	c->queue[c->n_queued++] = dbus_message_ref(msg);
	if (!c->asking && !c->known)
		ask_credentials(c);
}

static size_t count_owned_objects(struct rtc_bus *bus, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < bus->objects.n; i++) {
		const struct rtc_bus_object *obj = bus->objects.items[i];

		if (obj->owner && strcmp(obj->owner, name) == 0)
			n++;
	}
	return n;
}

void rtc_bus_client_vanished(struct rtc_bus *bus, const char *name)
{
	size_t pos, left;

	if (!rtc_bus_index_find(&bus->clients, name, &pos))
		return;
	if (bus->client_gone)
		bus->client_gone(bus->userdata, name);
	left = count_owned_objects(bus, name);
	if (left)
		rtc_warn("bus: %s left the bus, %zu of its objects remain registered", name, left);
	/* The callback may have touched the table; look again. */
	if (rtc_bus_index_find(&bus->clients, name, &pos)) {
		struct rtc_bus_client *c = bus->clients.items[pos];

		rtc_bus_index_remove_at(&bus->clients, pos);
		client_free(c);
	}
}

void rtc_bus_clients_free(struct rtc_bus *bus)
{
	for (size_t i = 0; i < bus->clients.n; i++)
		client_free(bus->clients.items[i]);
	rtc_bus_index_free(&bus->clients);
	/* Each client held a reference to its identity: none is left. */
	rtc_bus_index_free(&bus->identities);
}
