/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routing one method call: which node it addresses (as the caller may see
 * the tree), which table entry it names, whether the caller may call it and
 * whether the arguments have the declared types. Only then does a handler run.
 */
#include "bus/bus-private.h"

#include <string.h>

/* The interfaces a node answers, in introspection order. */
struct node_interfaces {
	const struct rtc_bus_interface *list[4];
	size_t n_standard;
	const struct rtc_bus_object *obj;
};

static void node_interfaces_init(struct node_interfaces *ni, const struct rtc_bus_node *node)
{
	size_t n = 0;

	ni->list[n++] = &rtc_bus_peer_interface;
	ni->list[n++] = &rtc_bus_introspectable_interface;
	if (node->obj) {
		ni->list[n++] = &rtc_bus_properties_interface;
		if (node->obj->object_manager)
			ni->list[n++] = &rtc_bus_object_manager_interface;
	}
	ni->n_standard = n;
	ni->obj = node->obj;
}

static size_t node_interfaces_count(const struct node_interfaces *ni)
{
	return ni->n_standard + (ni->obj ? ni->obj->n_ifaces : 0);
}

static const struct rtc_bus_interface *node_interface(const struct node_interfaces *ni, size_t i)
{
	return i < ni->n_standard ? ni->list[i] : ni->obj->ifaces[i - ni->n_standard];
}

static const struct rtc_bus_method *find_method(const struct rtc_bus_interface *iface,
						const char *member)
{
	for (const struct rtc_bus_method *m = iface->methods; m && m->name; m++)
		if (strcmp(m->name, member) == 0)
			return m;
	return NULL;
}

static bool has_visible_descendant(struct rtc_bus *bus, const char *path,
				   const struct rtc_bus_client *client)
{
	size_t first, end;

	rtc_bus_object_subtree(bus, path, &first, &end);
	for (size_t i = first; i < end; i++)
		if (rtc_bus_object_access(rtc_bus_object_at(bus, i), client) != RTC_BUS_ACCESS_NONE)
			return true;
	return false;
}

/* The in-signature a method declares; false if it cannot be a message's. */
static bool declared_signature(const struct rtc_bus_method *m, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (const struct rtc_bus_arg *a = m->in; a && a->name; a++) {
		size_t n = strlen(a->signature);

		if (len + n >= size)
			return false;
		memcpy(buf + len, a->signature, n + 1);
		len += n;
	}
	return true;
}

void rtc_bus_dispatch(struct rtc_bus *bus, struct rtc_bus_client *client, DBusMessage *msg)
{
	const char *path = dbus_message_get_path(msg);
	const char *iface_name = dbus_message_get_interface(msg);
	const char *member = dbus_message_get_member(msg);
	const char *signature = dbus_message_get_signature(msg);
	struct rtc_bus_object *obj = rtc_bus_object_find(bus, path);
	enum rtc_bus_access access = obj ? rtc_bus_object_access(obj, client) : RTC_BUS_ACCESS_NONE;
	struct rtc_bus_node node = { .path = path, .client = client };
	const struct rtc_bus_interface *iface = NULL;
	const struct rtc_bus_method *method = NULL;
	struct node_interfaces ni;
	struct rtc_bus_call *call;
	char expected[256];
	bool standard = false;

	/* An object the caller may not see answers exactly as if absent (a
	 * sandboxed app must not learn that others' objects exist), unless it
	 * is only in the way: then it is a plain node above visible objects. */
	if (obj && access != RTC_BUS_ACCESS_NONE) {
		node.obj = obj;
	} else if (strcmp(path, "/") != 0 && !has_visible_descendant(bus, path, client)) {
		rtc_bus_refuse(bus, msg, DBUS_ERROR_UNKNOWN_OBJECT, "No object at path %s", path);
		return;
	}

	node_interfaces_init(&ni, &node);
	for (size_t i = 0; i < node_interfaces_count(&ni) && !method; i++) {
		const struct rtc_bus_interface *candidate = node_interface(&ni, i);

		if (iface_name && strcmp(candidate->name, iface_name) != 0)
			continue;
		iface = candidate;
		method = find_method(candidate, member);
		standard = i < ni.n_standard;
	}
	if (!method) {
		if (!iface_name)
			rtc_bus_refuse(bus, msg, DBUS_ERROR_UNKNOWN_METHOD,
				       "Object %s has no method %s", path, member);
		else if (!iface)
			rtc_bus_refuse(bus, msg, DBUS_ERROR_UNKNOWN_INTERFACE,
				       "Object %s has no interface %s", path, iface_name);
		else
			rtc_bus_refuse(bus, msg, DBUS_ERROR_UNKNOWN_METHOD,
				       "Interface %s has no method %s", iface_name, member);
		return;
	}

	if (node.obj && access != RTC_BUS_ACCESS_FULL && !(method->flags & RTC_BUS_METHOD_INSPECT)) {
		rtc_bus_refuse(bus, msg, DBUS_ERROR_ACCESS_DENIED,
			       "Only the owner of %s may call %s.%s", path, iface->name, member);
		return;
	}

	if (!declared_signature(method, expected, sizeof(expected)) ||
	    strcmp(expected, signature) != 0) {
		rtc_bus_refuse(bus, msg, DBUS_ERROR_INVALID_ARGS,
			       "%s.%s takes arguments of type \"%s\", not \"%s\"",
			       iface->name, member, expected, signature);
		return;
	}

	call = rtc_bus_call_new(bus, msg);
	if (!call) {
		rtc_bus_refuse(bus, msg, DBUS_ERROR_NO_MEMORY, "Out of memory");
		return;
	}
	/* The standard interfaces work on the node; the others on the object
	 * the API layer registered. The handler may remove the object. */
	method->fn(call, standard ? (void *)&node : obj->data);
}
