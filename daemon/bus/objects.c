/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The object table: every registered object by path, who owns it, and the
 * signals about it. Signals about an owned object go to its owner only.
 */
#include "bus/bus-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

enum rtc_bus_access rtc_bus_object_access(const struct rtc_bus_object *obj,
					  const struct rtc_bus_client *client)
{
	if (!obj->owner)
		return RTC_BUS_ACCESS_FULL;
	if (client && strcmp(obj->owner, client->name) == 0)
		return RTC_BUS_ACCESS_FULL;
	if (client && client->inspector)
		return RTC_BUS_ACCESS_INSPECT;
	return RTC_BUS_ACCESS_NONE;
}

struct rtc_bus_object *rtc_bus_object_find(struct rtc_bus *bus, const char *path)
{
	return rtc_bus_index_get(&bus->objects, path);
}

struct rtc_bus_object *rtc_bus_object_at(struct rtc_bus *bus, size_t i)
{
	return bus->objects.items[i];
}

void rtc_bus_object_subtree(struct rtc_bus *bus, const char *path, size_t *first, size_t *end)
{
	size_t len = strlen(path), i;
	bool root = strcmp(path, "/") == 0;

	/* Every path below `path` starts with "path/", and those sort together. */
	rtc_bus_index_find(&bus->objects, path, &i);
	if (i < bus->objects.n && strcmp(rtc_bus_object_at(bus, i)->path, path) == 0)
		i++;
	*first = i;
	for (; i < bus->objects.n; i++) {
		const char *p = rtc_bus_object_at(bus, i)->path;

		if (!root && (strncmp(p, path, len) != 0 || p[len] != '/'))
			break;
	}
	*end = i;
}

const struct rtc_bus_interface *rtc_bus_object_interface(const struct rtc_bus_object *obj,
							 const char *name)
{
	for (size_t i = 0; i < obj->n_ifaces; i++)
		if (strcmp(obj->ifaces[i]->name, name) == 0)
			return obj->ifaces[i];
	return NULL;
}

static void object_free(struct rtc_bus_object *obj)
{
	free(obj->ifaces);
	free(obj->owner);
	free(obj->path);
	free(obj);
}

struct rtc_bus_object *rtc_bus_object_add(struct rtc_bus *bus, const char *path,
					  const char *owner,
					  const struct rtc_bus_interface *const *ifaces,
					  void *object_data)
{
	struct rtc_bus_object *obj;
	size_t n = 0, pos;

	if (!path || !dbus_validate_path(path, NULL)) {
		rtc_err("bus: cannot register an object at the invalid path \"%s\"",
			path ? path : "(null)");
		errno = EINVAL;
		return NULL;
	}
	/* Owned objects are freed through client_gone when the owner leaves;
	 * an owner we do not know would never leave. */
	if (owner && !rtc_bus_client_get(bus, owner)) {
		rtc_warn("bus: not registering %s: its owner %s is not connected", path, owner);
		errno = ENOTCONN;
		return NULL;
	}
	if (rtc_bus_index_find(&bus->objects, path, &pos)) {
		errno = EEXIST;
		return NULL;
	}
	while (ifaces && ifaces[n])
		n++;

	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return NULL;
	obj->bus = bus;
	obj->data = object_data;
	obj->n_ifaces = n;
	obj->path = strdup(path);
	obj->owner = owner ? strdup(owner) : NULL;
	obj->ifaces = calloc(n ? n : 1, sizeof(*obj->ifaces));
	if (!obj->path || (owner && !obj->owner) || !obj->ifaces ||
	    rtc_bus_index_insert(&bus->objects, pos, obj) < 0) {
		object_free(obj);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(obj->ifaces, ifaces, n * sizeof(*obj->ifaces));
	rtc_bus_emit_interfaces_added(obj);
	return obj;
}

void rtc_bus_object_add_object_manager(struct rtc_bus_object *obj)
{
	obj->object_manager = true;
}

void rtc_bus_object_remove(struct rtc_bus_object *obj)
{
	struct rtc_bus *bus;
	size_t pos;

	if (!obj)
		return;
	bus = obj->bus;
	rtc_bus_emit_interfaces_removed(obj);
	if (rtc_bus_index_find(&bus->objects, obj->path, &pos))
		rtc_bus_index_remove_at(&bus->objects, pos);
	object_free(obj);
}

const char *rtc_bus_object_path(const struct rtc_bus_object *obj)
{
	return obj->path;
}

const char *rtc_bus_object_owner(const struct rtc_bus_object *obj)
{
	return obj->owner;
}

uint64_t rtc_bus_new_object_number(struct rtc_bus *bus)
{
	return rtc_object_numbering_next(&bus->numbering);
}

void rtc_bus_objects_free(struct rtc_bus *bus)
{
	for (size_t i = 0; i < bus->objects.n; i++)
		object_free(bus->objects.items[i]);
	rtc_bus_index_free(&bus->objects);
}

/* ---- signals ------------------------------------------------------------ */

static bool declares_signal(const struct rtc_bus_object *obj, const char *iface, const char *name)
{
	const struct rtc_bus_interface *i = rtc_bus_object_interface(obj, iface);

	if (strcmp(iface, DBUS_INTERFACE_PROPERTIES) == 0)
		return strcmp(name, "PropertiesChanged") == 0;
	for (const struct rtc_bus_signal *s = i ? i->signals : NULL; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return true;
	return false;
}

DBusMessage *rtc_bus_signal_new(struct rtc_bus_object *obj, const char *iface, const char *name)
{
	DBusMessage *msg;

	if (!declares_signal(obj, iface, name))
		rtc_warn("bus: %s emits %s.%s, which its interfaces do not declare",
			 obj->path, iface, name);
	msg = dbus_message_new_signal(obj->path, iface, name);
	if (msg && obj->owner && !dbus_message_set_destination(msg, obj->owner)) {
		dbus_message_unref(msg);
		return NULL;
	}
	return msg;
}

void rtc_bus_signal_send(struct rtc_bus_object *obj, DBusMessage *signal)
{
	if (!signal)
		return;
	rtc_bus_send(obj->bus, signal);
	dbus_message_unref(signal);
}
