/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The standard interfaces every object answers (Introspectable, Peer,
 * Properties) and ObjectManager on the objects that manage their subtree,
 * declared with the same tables as the API layer's interfaces so that
 * dispatch, access checks and introspection treat them alike. Their
 * handlers receive the struct rtc_bus_node being called.
 */
#include "bus/bus-private.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* ---- Introspectable ------------------------------------------------------ */

static void introspect(struct rtc_bus_call *call, void *data)
{
	const struct rtc_bus_node *node = data;
	char *xml = rtc_bus_introspect_node(call->bus, node);
	DBusMessage *reply = xml ? rtc_bus_reply_new(call) : NULL;

	if (reply && !dbus_message_append_args(reply, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID)) {
		dbus_message_unref(reply);
		reply = NULL;
	}
	free(xml);
	rtc_bus_reply(call, reply);
}

static const struct rtc_bus_arg introspect_out[] = { { "xml_data", "s" }, { NULL, NULL } };

const struct rtc_bus_interface rtc_bus_introspectable_interface = {
	.name = DBUS_INTERFACE_INTROSPECTABLE,
	.methods = (const struct rtc_bus_method[]){
		{ "Introspect", NULL, introspect_out, introspect, RTC_BUS_METHOD_INSPECT },
		{ NULL },
	},
};

/* ---- Peer ------------------------------------------------------------------ */

/* libdbus answers Peer calls that name the interface before they reach us;
 * these handle the ones that do not. */
static void ping(struct rtc_bus_call *call, void *data)
{
	rtc_bus_reply_empty(call);
}

static void get_machine_id(struct rtc_bus_call *call, void *data)
{
	DBusError e = DBUS_ERROR_INIT;
	char *id = dbus_try_get_local_machine_id(&e);
	DBusMessage *reply;

	if (!id) {
		rtc_bus_reply_error_name(call, DBUS_ERROR_FAILED, "No machine id: %s", e.message);
		dbus_error_free(&e);
		return;
	}
	reply = rtc_bus_reply_new(call);
	if (reply && !dbus_message_append_args(reply, DBUS_TYPE_STRING, &id, DBUS_TYPE_INVALID)) {
		dbus_message_unref(reply);
		reply = NULL;
	}
	dbus_free(id);
	rtc_bus_reply(call, reply);
}

static const struct rtc_bus_arg machine_id_out[] = { { "machine_uuid", "s" }, { NULL, NULL } };

const struct rtc_bus_interface rtc_bus_peer_interface = {
	.name = DBUS_INTERFACE_PEER,
	.methods = (const struct rtc_bus_method[]){
		{ "Ping", NULL, NULL, ping, RTC_BUS_METHOD_INSPECT },
		{ "GetMachineId", NULL, machine_id_out, get_machine_id, RTC_BUS_METHOD_INSPECT },
		{ NULL },
	},
};

/* ---- Properties ------------------------------------------------------------ */

static bool is_standard(const char *iface)
{
	return strcmp(iface, DBUS_INTERFACE_PEER) == 0 ||
	       strcmp(iface, DBUS_INTERFACE_INTROSPECTABLE) == 0 ||
	       strcmp(iface, DBUS_INTERFACE_PROPERTIES) == 0 ||
	       strcmp(iface, DBUS_INTERFACE_OBJECT_MANAGER) == 0;
}

static const struct rtc_bus_property *find_property(const struct rtc_bus_interface *iface,
						    const char *name)
{
	for (const struct rtc_bus_property *p = iface ? iface->properties : NULL; p && p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* Appends the value of one property as a variant. */
static bool append_value(struct rtc_bus_object *obj, const struct rtc_bus_property *p,
			 DBusMessageIter *iter)
{
	DBusMessageIter variant;

	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_VARIANT, p->signature, &variant))
		return false;
	if (!p->get(obj->data, &variant)) {
		dbus_message_iter_abandon_container(iter, &variant);
		return false;
	}
	return dbus_message_iter_close_container(iter, &variant);
}

static bool append_entry(struct rtc_bus_object *obj, const struct rtc_bus_property *p,
			 DBusMessageIter *dict)
{
	DBusMessageIter entry;

	if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry))
		return false;
	if (!dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &p->name) ||
	    !append_value(obj, p, &entry)) {
		dbus_message_iter_abandon_container(dict, &entry);
		return false;
	}
	return dbus_message_iter_close_container(dict, &entry);
}

static bool named(const char *const *names, const struct rtc_bus_property *p)
{
	for (size_t i = 0; names && names[i]; i++)
		if (strcmp(names[i], p->name) == 0)
			return true;
	return false;
}

/* Appends a{sv} of the properties of one interface; names NULL = all.
 * Named ones that only invalidate (PropertiesChanged) are left out. */
static bool append_properties(struct rtc_bus_object *obj, const struct rtc_bus_interface *iface,
			      const char *const *names, DBusMessageIter *iter)
{
	DBusMessageIter dict;

	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
		return false;
	for (const struct rtc_bus_property *p = iface->properties; p && p->name; p++) {
		bool wanted = !names || (named(names, p) &&
					 !(p->flags & RTC_BUS_PROPERTY_INVALIDATES));

		if (wanted && !append_entry(obj, p, &dict)) {
			rtc_err("bus: cannot read %s.%s of %s", iface->name, p->name, obj->path);
			dbus_message_iter_abandon_container(iter, &dict);
			return false;
		}
	}
	return dbus_message_iter_close_container(iter, &dict);
}

/* Looks up the interface a Properties call names. *iface is NULL for a
 * standard interface, which has no properties; false after answering
 * UnknownInterface. */
static bool properties_interface(struct rtc_bus_call *call, const struct rtc_bus_node *node,
				 const char *name, const struct rtc_bus_interface **iface)
{
	*iface = rtc_bus_object_interface(node->obj, name);
	if (*iface)
		return true;
	if (is_standard(name) &&
	    (strcmp(name, DBUS_INTERFACE_OBJECT_MANAGER) != 0 || node->obj->object_manager))
		return true;
	rtc_bus_reply_error_name(call, DBUS_ERROR_UNKNOWN_INTERFACE,
				 "Object %s has no interface %s", node->path, name);
	return false;
}

static void properties_get(struct rtc_bus_call *call, void *data)
{
	const struct rtc_bus_node *node = data;
	const struct rtc_bus_interface *iface;
	const struct rtc_bus_property *p;
	const char *iface_name, *name;
	DBusMessageIter iter;
	DBusMessage *reply;

	dbus_message_get_args(call->message, NULL, DBUS_TYPE_STRING, &iface_name,
			      DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
	if (!properties_interface(call, node, iface_name, &iface))
		return;
	p = find_property(iface, name);
	if (!p) {
		rtc_bus_reply_error_name(call, DBUS_ERROR_UNKNOWN_PROPERTY,
					 "Interface %s has no property %s", iface_name, name);
		return;
	}
	reply = rtc_bus_reply_new(call);
	if (reply) {
		dbus_message_iter_init_append(reply, &iter);
		if (!append_value(node->obj, p, &iter)) {
			dbus_message_unref(reply);
			rtc_bus_reply_error_name(call, DBUS_ERROR_FAILED,
						 "Cannot read property %s", name);
			return;
		}
	}
	rtc_bus_reply(call, reply);
}

static void properties_get_all(struct rtc_bus_call *call, void *data)
{
	static const struct rtc_bus_interface no_properties = { .name = "" };
	const struct rtc_bus_node *node = data;
	const struct rtc_bus_interface *iface;
	const char *iface_name;
	DBusMessageIter iter;
	DBusMessage *reply;

	dbus_message_get_args(call->message, NULL, DBUS_TYPE_STRING, &iface_name,
			      DBUS_TYPE_INVALID);
	if (!properties_interface(call, node, iface_name, &iface))
		return;
	reply = rtc_bus_reply_new(call);
	if (reply) {
		dbus_message_iter_init_append(reply, &iter);
		if (!append_properties(node->obj, iface ? iface : &no_properties, NULL, &iter)) {
			dbus_message_unref(reply);
			rtc_bus_reply_error_name(call, DBUS_ERROR_FAILED,
						 "Cannot read the properties of %s", iface_name);
			return;
		}
	}
	rtc_bus_reply(call, reply);
}

static bool announces_changes(const struct rtc_bus_property *p)
{
	return !(p->flags & (RTC_BUS_PROPERTY_CONST | RTC_BUS_PROPERTY_NO_SIGNAL));
}

static void properties_set(struct rtc_bus_call *call, void *data)
{
	const struct rtc_bus_node *node = data;
	struct rtc_bus_object *obj = node->obj;
	const struct rtc_bus_interface *iface;
	const struct rtc_bus_property *p;
	const char *iface_name, *name;
	DBusMessageIter args, value;
	struct rtc_error err = { 0 };
	char *type;
	bool type_ok;

	dbus_message_iter_init(call->message, &args);
	dbus_message_iter_get_basic(&args, &iface_name);
	dbus_message_iter_next(&args);
	dbus_message_iter_get_basic(&args, &name);
	dbus_message_iter_next(&args);
	dbus_message_iter_recurse(&args, &value);

	if (!properties_interface(call, node, iface_name, &iface))
		return;
	p = find_property(iface, name);
	if (!p) {
		rtc_bus_reply_error_name(call, DBUS_ERROR_UNKNOWN_PROPERTY,
					 "Interface %s has no property %s", iface_name, name);
		return;
	}
	if (!p->set) {
		rtc_bus_reply_error_name(call, DBUS_ERROR_PROPERTY_READ_ONLY,
					 "Property %s.%s is read-only", iface_name, name);
		return;
	}
	type = dbus_message_iter_get_signature(&value);
	if (!type) {
		rtc_bus_reply_error_name(call, DBUS_ERROR_NO_MEMORY, "Out of memory");
		return;
	}
	type_ok = strcmp(type, p->signature) == 0;
	if (!type_ok)
		rtc_bus_reply_error_name(call, DBUS_ERROR_INVALID_ARGS,
					 "Property %s is of type \"%s\", not \"%s\"",
					 name, p->signature, type);
	dbus_free(type);
	if (!type_ok)
		return;

	if (p->set(obj->data, &value, &err) < 0) {
		if (err.kind == RTC_ERROR_TYPE)
			rtc_bus_reply_error_name(call, DBUS_ERROR_INVALID_ARGS, "%s", err.message);
		else
			rtc_bus_reply_error(call, &err);
		return;
	}
	rtc_bus_reply_empty(call);
	if (announces_changes(p))
		rtc_bus_emit_properties_changed(obj, iface->name, (const char *const[]){ p->name, NULL });
}

static const struct rtc_bus_arg get_in[] = {
	{ "interface_name", "s" }, { "property_name", "s" }, { NULL, NULL } };
static const struct rtc_bus_arg get_out[] = { { "value", "v" }, { NULL, NULL } };
static const struct rtc_bus_arg get_all_in[] = { { "interface_name", "s" }, { NULL, NULL } };
static const struct rtc_bus_arg get_all_out[] = { { "props", "a{sv}" }, { NULL, NULL } };
static const struct rtc_bus_arg set_in[] = {
	{ "interface_name", "s" }, { "property_name", "s" }, { "value", "v" }, { NULL, NULL } };
static const struct rtc_bus_arg properties_changed_args[] = {
	{ "interface_name", "s" }, { "changed_properties", "a{sv}" },
	{ "invalidated_properties", "as" }, { NULL, NULL } };

const struct rtc_bus_interface rtc_bus_properties_interface = {
	.name = DBUS_INTERFACE_PROPERTIES,
	.methods = (const struct rtc_bus_method[]){
		{ "Get", get_in, get_out, properties_get, RTC_BUS_METHOD_INSPECT },
		{ "GetAll", get_all_in, get_all_out, properties_get_all, RTC_BUS_METHOD_INSPECT },
		{ "Set", set_in, NULL, properties_set, 0 },
		{ NULL },
	},
	.signals = (const struct rtc_bus_signal[]){
		{ "PropertiesChanged", properties_changed_args },
		{ NULL },
	},
};

void rtc_bus_emit_properties_changed(struct rtc_bus_object *obj, const char *iface_name,
				     const char *const *names)
{
	const struct rtc_bus_interface *iface = rtc_bus_object_interface(obj, iface_name);
	DBusMessageIter iter, invalidated;
	DBusMessage *msg;

	if (!iface) {
		rtc_warn("bus: %s has no interface %s to announce changes of", obj->path, iface_name);
		return;
	}
	for (size_t i = 0; names && names[i]; i++)
		if (!find_property(iface, names[i]))
			rtc_warn("bus: %s has no property %s", iface_name, names[i]);

	msg = rtc_bus_signal_new(obj, DBUS_INTERFACE_PROPERTIES, "PropertiesChanged");
	if (!msg)
		goto oom;
	dbus_message_iter_init_append(msg, &iter);
	if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface->name) ||
	    !append_properties(obj, iface, names, &iter) ||
	    !dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &invalidated)) {
		dbus_message_unref(msg);
		goto oom;
	}
	for (const struct rtc_bus_property *p = iface->properties; p && p->name; p++)
		if ((p->flags & RTC_BUS_PROPERTY_INVALIDATES) && named(names, p) &&
		    !dbus_message_iter_append_basic(&invalidated, DBUS_TYPE_STRING, &p->name)) {
			dbus_message_iter_abandon_container(&iter, &invalidated);
			dbus_message_unref(msg);
			goto oom;
		}
	if (!dbus_message_iter_close_container(&iter, &invalidated)) {
		dbus_message_unref(msg);
		goto oom;
	}
	rtc_bus_signal_send(obj, msg);
	return;
oom:
	rtc_err("bus: cannot build PropertiesChanged for %s", obj->path);
}

/* ---- ObjectManager --------------------------------------------------------- */

bool rtc_bus_append_interfaces_and_properties(struct rtc_bus_object *obj, DBusMessageIter *iter)
{
	DBusMessageIter ifaces, entry;

	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sa{sv}}", &ifaces))
		return false;
	for (size_t i = 0; i < obj->n_ifaces; i++) {
		if (!dbus_message_iter_open_container(&ifaces, DBUS_TYPE_DICT_ENTRY, NULL, &entry))
			goto fail;
		if (!dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &obj->ifaces[i]->name) ||
		    !append_properties(obj, obj->ifaces[i], NULL, &entry)) {
			dbus_message_iter_abandon_container(&ifaces, &entry);
			goto fail;
		}
		if (!dbus_message_iter_close_container(&ifaces, &entry))
			goto fail;
	}
	return dbus_message_iter_close_container(iter, &ifaces);
fail:
	dbus_message_iter_abandon_container(iter, &ifaces);
	return false;
}

static bool append_managed_object(struct rtc_bus_object *obj, DBusMessageIter *dict)
{
	DBusMessageIter entry;

	if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry))
		return false;
	if (!dbus_message_iter_append_basic(&entry, DBUS_TYPE_OBJECT_PATH, &obj->path) ||
	    !rtc_bus_append_interfaces_and_properties(obj, &entry)) {
		dbus_message_iter_abandon_container(dict, &entry);
		return false;
	}
	return dbus_message_iter_close_container(dict, &entry);
}

static void get_managed_objects(struct rtc_bus_call *call, void *data)
{
	const struct rtc_bus_node *node = data;
	DBusMessage *reply = rtc_bus_reply_new(call);
	DBusMessageIter iter, dict;
	size_t first, end;
	bool ok;

	if (!reply) {
		rtc_bus_reply(call, NULL);
		return;
	}
	dbus_message_iter_init_append(reply, &iter);
	ok = dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{oa{sa{sv}}}", &dict);
	rtc_bus_object_subtree(call->bus, node->path, &first, &end);
	for (size_t i = first; ok && i < end; i++) {
		struct rtc_bus_object *obj = rtc_bus_object_at(call->bus, i);

		if (rtc_bus_object_access(obj, node->client) != RTC_BUS_ACCESS_NONE)
			ok = append_managed_object(obj, &dict);
	}
	if (ok)
		ok = dbus_message_iter_close_container(&iter, &dict);
	else
		dbus_message_iter_abandon_container_if_open(&iter, &dict);
	if (!ok) {
		dbus_message_unref(reply);
		rtc_bus_reply_error_name(call, DBUS_ERROR_FAILED, "Cannot list the objects");
		return;
	}
	rtc_bus_reply(call, reply);
}

static const struct rtc_bus_arg managed_out[] = {
	{ "object_paths_interfaces_and_properties", "a{oa{sa{sv}}}" }, { NULL, NULL } };
static const struct rtc_bus_arg interfaces_added_args[] = {
	{ "object_path", "o" }, { "interfaces_and_properties", "a{sa{sv}}" }, { NULL, NULL } };
static const struct rtc_bus_arg interfaces_removed_args[] = {
	{ "object_path", "o" }, { "interfaces", "as" }, { NULL, NULL } };

const struct rtc_bus_interface rtc_bus_object_manager_interface = {
	.name = DBUS_INTERFACE_OBJECT_MANAGER,
	.methods = (const struct rtc_bus_method[]){
		{ "GetManagedObjects", NULL, managed_out, get_managed_objects,
		  RTC_BUS_METHOD_INSPECT },
		{ NULL },
	},
	.signals = (const struct rtc_bus_signal[]){
		{ "InterfacesAdded", interfaces_added_args },
		{ "InterfacesRemoved", interfaces_removed_args },
		{ NULL },
	},
};

/* The nearest object above obj that manages its subtree. */
static struct rtc_bus_object *manager_of(struct rtc_bus_object *obj)
{
	char *path = strdup(obj->path), *slash;
	struct rtc_bus_object *manager = NULL;

	while (path && !manager && (slash = strrchr(path, '/')) && strcmp(path, "/") != 0) {
		slash[slash == path ? 1 : 0] = '\0';
		manager = rtc_bus_object_find(obj->bus, path);
		if (manager && !manager->object_manager)
			manager = NULL;
	}
	free(path);
	return manager;
}

/* A signal of the manager about obj, addressed like obj's own signals. */
static DBusMessage *manager_signal(struct rtc_bus_object *obj, const char *member,
				   DBusMessageIter *iter)
{
	struct rtc_bus_object *manager = manager_of(obj);
	DBusMessage *msg;

	if (!manager)
		return NULL;
	msg = dbus_message_new_signal(manager->path, DBUS_INTERFACE_OBJECT_MANAGER, member);
	if (!msg)
		goto oom;
	if (obj->owner && !dbus_message_set_destination(msg, obj->owner)) {
		dbus_message_unref(msg);
		goto oom;
	}
	dbus_message_iter_init_append(msg, iter);
	if (!dbus_message_iter_append_basic(iter, DBUS_TYPE_OBJECT_PATH, &obj->path)) {
		dbus_message_unref(msg);
		goto oom;
	}
	return msg;
oom:
	rtc_err("bus: cannot build %s for %s", member, obj->path);
	return NULL;
}

void rtc_bus_emit_interfaces_added(struct rtc_bus_object *obj)
{
	DBusMessageIter iter;
	DBusMessage *msg = manager_signal(obj, "InterfacesAdded", &iter);

	if (!msg)
		return;
	if (rtc_bus_append_interfaces_and_properties(obj, &iter))
		rtc_bus_send(obj->bus, msg);
	else
		rtc_err("bus: cannot build InterfacesAdded for %s", obj->path);
	dbus_message_unref(msg);
}

void rtc_bus_emit_interfaces_removed(struct rtc_bus_object *obj)
{
	DBusMessageIter iter, names;
	DBusMessage *msg = manager_signal(obj, "InterfacesRemoved", &iter);
	bool ok;

	if (!msg)
		return;
	ok = dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &names);
	for (size_t i = 0; ok && i < obj->n_ifaces; i++)
		ok = dbus_message_iter_append_basic(&names, DBUS_TYPE_STRING, &obj->ifaces[i]->name);
	if (ok)
		ok = dbus_message_iter_close_container(&iter, &names);
	else
		dbus_message_iter_abandon_container_if_open(&iter, &names);
	if (ok)
		rtc_bus_send(obj->bus, msg);
	else
		rtc_err("bus: cannot build InterfacesRemoved for %s", obj->path);
	dbus_message_unref(msg);
}
