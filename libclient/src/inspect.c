/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Read-only views of the daemon for tools: the object tree
 * (GetManagedObjects), one object's properties (Introspect + GetAll) and
 * GetStats reports. Everything is decoded into plain arrays up front, so the
 * caller reads it without touching D-Bus.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct rtc_stats_entry {
	char *id;
	rtc_dict *stats;
};

struct rtc_stats_report {
	struct rtc_stats_entry *entries;
	size_t count;
};

struct rtc_object_interface {
	char *name;
	rtc_dict *properties;
};

struct rtc_object {
	char *path;
	struct rtc_object_interface *interfaces;
	size_t n_interfaces;
};

struct rtc_object_list {
	struct rtc_object *objects;
	size_t count;
};

static bool is_rtcd_interface(const char *name)
{
	return strncmp(name, RTCD_IFACE_PREFIX, strlen(RTCD_IFACE_PREFIX)) == 0;
}

static bool iter_has_signature(DBusMessageIter *iter, const char *expected)
{
	char *signature = dbus_message_iter_get_signature(iter);
	bool match = signature && strcmp(signature, expected) == 0;

	dbus_free(signature);
	return match;
}

/* ---- stats ---- */

RTC_EXPORT void rtc_stats_report_free(rtc_stats_report *report)
{
	if (!report)
		return;
	for (size_t i = 0; i < report->count; i++) {
		free(report->entries[i].id);
		rtc_dict_free(report->entries[i].stats);
	}
	free(report->entries);
	free(report);
}

static int compare_stats(const void *a, const void *b)
{
	return strcmp(((const struct rtc_stats_entry *)a)->id,
		      ((const struct rtc_stats_entry *)b)->id);
}

RTC_EXPORT rtc_stats_report *rtc_peer_connection_get_stats(rtc_peer_connection *pc,
							   rtc_error *error)
{
	DBusMessageIter iter, array, entry;
	rtc_stats_report *report = NULL;
	DBusMessage *reply;
	size_t capacity;

	reply = rtc_client_call(pc->proxy.client,
				rtc_client_new_call(pc->proxy.path, RTCD_IFACE_PC, "GetStats",
						    error),
				error);
	if (!reply)
		return NULL;
	if (!dbus_message_iter_init(reply, &iter) || !iter_has_signature(&iter, "a{sa{sv}}")) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
			       "GetStats answered with the wrong signature");
		goto out;
	}
	capacity = (size_t)dbus_message_iter_get_element_count(&iter);
	report = calloc(1, sizeof(*report));
	if (!report || !(report->entries = calloc(capacity + 1, sizeof(*report->entries))))
		goto oom;
	for (dbus_message_iter_recurse(&iter, &array);
	     report->count < capacity &&
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&array)) {
		struct rtc_stats_entry *e = &report->entries[report->count];
		const char *id;

		dbus_message_iter_recurse(&array, &entry);
		dbus_message_iter_get_basic(&entry, &id);
		dbus_message_iter_next(&entry);
		if (!(e->id = strdup(id)))
			goto oom;
		report->count++;
		if (!(e->stats = rtc_dict_from_iter(&entry, error)))
			goto fail;
	}
	qsort(report->entries, report->count, sizeof(*report->entries), compare_stats);
	goto out;

oom:
	rtc_error_set_oom(error);
fail:
	rtc_stats_report_free(report);
	report = NULL;
out:
	dbus_message_unref(reply);
	return report;
}

RTC_EXPORT size_t rtc_stats_report_count(const rtc_stats_report *report)
{
	return report ? report->count : 0;
}

RTC_EXPORT const char *rtc_stats_report_id(const rtc_stats_report *report, size_t index)
{
	return report && index < report->count ? report->entries[index].id : NULL;
}

RTC_EXPORT const rtc_dict *rtc_stats_report_stats(const rtc_stats_report *report,
						  size_t index)
{
	return report && index < report->count ? report->entries[index].stats : NULL;
}

/* ---- object lists ---- */

static void object_clear(struct rtc_object *object)
{
	for (size_t i = 0; i < object->n_interfaces; i++) {
		free(object->interfaces[i].name);
		rtc_dict_free(object->interfaces[i].properties);
	}
	free(object->interfaces);
	free(object->path);
}

RTC_EXPORT void rtc_object_list_free(rtc_object_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		object_clear(&list->objects[i]);
	free(list->objects);
	free(list);
}

static rtc_object_list *object_list_new(size_t capacity)
{
	rtc_object_list *list = calloc(1, sizeof(*list));

	if (list && !(list->objects = calloc(capacity + 1, sizeof(*list->objects)))) {
		free(list);
		list = NULL;
	}
	return list;
}

/* Appends an interface; takes `properties`. False on OOM. */
static bool object_add_interface(struct rtc_object *object, const char *name,
				 rtc_dict *properties)
{
	struct rtc_object_interface *grown;
	char *copy = strdup(name);

	grown = copy ? realloc(object->interfaces,
			       (object->n_interfaces + 1) * sizeof(*object->interfaces)) : NULL;
	if (!grown) {
		free(copy);
		rtc_dict_free(properties);
		return false;
	}
	object->interfaces = grown;
	object->interfaces[object->n_interfaces++] =
		(struct rtc_object_interface){ .name = copy, .properties = properties };
	return true;
}

/* Decodes a{sa{sv}} at iter into the object's rtcd interfaces. */
static bool object_fill_interfaces(struct rtc_object *object, DBusMessageIter *iter,
				   rtc_error *error)
{
	DBusMessageIter array, entry;

	for (dbus_message_iter_recurse(iter, &array);
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&array)) {
		const char *name;
		rtc_dict *properties;

		dbus_message_iter_recurse(&array, &entry);
		dbus_message_iter_get_basic(&entry, &name);
		dbus_message_iter_next(&entry);
		if (!is_rtcd_interface(name))
			continue;
		properties = rtc_dict_from_iter(&entry, error);
		if (!properties)
			return false;
		if (!object_add_interface(object, name, properties)) {
			rtc_error_set_oom(error);
			return false;
		}
	}
	return true;
}

static int compare_objects(const void *a, const void *b)
{
	return strcmp(((const struct rtc_object *)a)->path, ((const struct rtc_object *)b)->path);
}

RTC_EXPORT rtc_object_list *rtc_client_list_objects(rtc_client *client, rtc_error *error)
{
	DBusMessageIter iter, array, entry;
	rtc_object_list *list = NULL;
	DBusMessage *reply;
	size_t capacity;

	reply = rtc_client_call(client,
				rtc_client_new_call(RTCD_ROOT_PATH,
						    "org.freedesktop.DBus.ObjectManager",
						    "GetManagedObjects", error),
				error);
	if (!reply)
		return NULL;
	if (!dbus_message_iter_init(reply, &iter) ||
	    !iter_has_signature(&iter, "a{oa{sa{sv}}}")) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
			       "GetManagedObjects answered with the wrong signature");
		goto out;
	}
	capacity = (size_t)dbus_message_iter_get_element_count(&iter);
	list = object_list_new(capacity);
	if (!list)
		goto oom;
	for (dbus_message_iter_recurse(&iter, &array);
	     list->count < capacity &&
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&array)) {
		struct rtc_object *object = &list->objects[list->count];
		const char *path;

		dbus_message_iter_recurse(&array, &entry);
		dbus_message_iter_get_basic(&entry, &path);
		dbus_message_iter_next(&entry);
		if (!(object->path = strdup(path)))
			goto oom;
		list->count++;
		if (!object_fill_interfaces(object, &entry, error))
			goto fail;
	}
	qsort(list->objects, list->count, sizeof(*list->objects), compare_objects);
	goto out;

oom:
	rtc_error_set_oom(error);
fail:
	rtc_object_list_free(list);
	list = NULL;
out:
	dbus_message_unref(reply);
	return list;
}

/*
 * The interface names in Introspect's XML, in order. The XML comes from the
 * daemon; scanning for the one attribute we need is enough and cannot read
 * past the string's end.
 */
static char **introspect_interfaces(rtc_client *client, const char *path, rtc_error *error)
{
	static const char tag[] = "<interface name=\"";
	DBusMessage *reply;
	const char *xml, *p;
	char **names = NULL;
	size_t n = 0;

	reply = rtc_client_call(client,
				rtc_client_new_call(path, DBUS_INTERFACE_INTROSPECTABLE,
						    "Introspect", error),
				error);
	if (!reply)
		return NULL;
	if (!rtc_reply_read(reply, DBUS_TYPE_STRING, &xml, error))
		goto out;
	names = calloc(1, sizeof(*names));
	for (p = xml; names && (p = strstr(p, tag)); ) {
		const char *start = p + strlen(tag), *end = strchr(start, '"');
		char **grown;

		if (!end)
			break;
		p = end;
		grown = realloc(names, (n + 2) * sizeof(*names));
		if (!grown) {
			rtc_strv_free(names);
			names = NULL;
			break;
		}
		names = grown;
		names[n + 1] = NULL;
		names[n] = strndup(start, (size_t)(end - start));
		if (!names[n]) {
			rtc_strv_free(names);
			names = NULL;
			break;
		}
		n++;
	}
	if (!names)
		rtc_error_set_oom(error);
out:
	dbus_message_unref(reply);
	return names;
}

static rtc_dict *get_all_properties(rtc_client *client, const char *path,
				    const char *interface, rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;
	rtc_dict *dict = NULL;

	call = rtc_client_new_call(path, DBUS_INTERFACE_PROPERTIES, "GetAll", error);
	if (!call)
		return NULL;
	if (!dbus_message_append_args(call, DBUS_TYPE_STRING, &interface, DBUS_TYPE_INVALID)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return NULL;
	}
	reply = rtc_client_call(client, call, error);
	if (!reply)
		return NULL;
	if (dbus_message_iter_init(reply, &iter))
		dict = rtc_dict_from_iter(&iter, error);
	else
		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE, "GetAll returned nothing");
	dbus_message_unref(reply);
	return dict;
}

RTC_EXPORT rtc_object_list *rtc_client_inspect_object(rtc_client *client, const char *path,
						      rtc_error *error)
{
	rtc_object_list *list;
	struct rtc_object *object;
	char **interfaces;

	if (!path || !dbus_validate_path(path, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "\"%s\" is not an object path",
			       path ? path : "(null)");
		return NULL;
	}
	interfaces = introspect_interfaces(client, path, error);
	if (!interfaces)
		return NULL;
	list = object_list_new(1);
	if (!list || !(list->objects[0].path = strdup(path)))
		goto oom;
	list->count = 1;
	object = &list->objects[0];
	for (char **name = interfaces; *name; name++) {
		rtc_dict *properties;

		if (!is_rtcd_interface(*name))
			continue;
		properties = get_all_properties(client, path, *name, error);
		if (!properties)
			goto fail;
		if (!object_add_interface(object, *name, properties))
			goto oom;
	}
	if (object->n_interfaces == 0) {
		rtc_error_setf(error, DBUS_ERROR_UNKNOWN_OBJECT, "No rtcd object at %s", path);
		goto fail;
	}
	rtc_strv_free(interfaces);
	return list;

oom:
	rtc_error_set_oom(error);
fail:
	rtc_object_list_free(list);
	rtc_strv_free(interfaces);
	return NULL;
}

RTC_EXPORT size_t rtc_object_list_count(const rtc_object_list *list)
{
	return list ? list->count : 0;
}

static const struct rtc_object *object_at(const rtc_object_list *list, size_t index)
{
	return list && index < list->count ? &list->objects[index] : NULL;
}

RTC_EXPORT const char *rtc_object_list_path(const rtc_object_list *list, size_t index)
{
	const struct rtc_object *object = object_at(list, index);

	return object ? object->path : NULL;
}

RTC_EXPORT size_t rtc_object_list_interface_count(const rtc_object_list *list, size_t index)
{
	const struct rtc_object *object = object_at(list, index);

	return object ? object->n_interfaces : 0;
}

RTC_EXPORT const char *rtc_object_list_interface(const rtc_object_list *list, size_t index,
						 size_t interface_index)
{
	const struct rtc_object *object = object_at(list, index);

	return object && interface_index < object->n_interfaces
		       ? object->interfaces[interface_index].name : NULL;
}

RTC_EXPORT const rtc_dict *rtc_object_list_properties(const rtc_object_list *list,
						      size_t index, size_t interface_index)
{
	const struct rtc_object *object = object_at(list, index);

	return object && interface_index < object->n_interfaces
		       ? object->interfaces[interface_index].properties : NULL;
}
