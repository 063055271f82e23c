/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Introspection XML, generated from the interface tables in table order, laid
 * out like the files in dbus/ (gdbus style: two spaces per level, every method
 * and signal element closed explicitly), so those can be compared with what
 * the daemon answers. Child nodes list only what the
 * caller may see. Names and signatures in the tables are D-Bus identifiers
 * and type codes, none of which need XML escaping.
 */
#include "bus/bus-private.h"

#include <stdlib.h>
#include <string.h>

#define DOCTYPE "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n" \
		" \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n"

static void write_args(FILE *f, const struct rtc_bus_arg *args, const char *direction)
{
	for (const struct rtc_bus_arg *a = args; a && a->name; a++) {
		fprintf(f, "      <arg name=\"%s\" type=\"%s\"", a->name, a->signature);
		if (direction)
			fprintf(f, " direction=\"%s\"", direction);
		fputs("/>\n", f);
	}
}

static const char *emits_changed_signal(unsigned flags)
{
	if (flags & RTC_BUS_PROPERTY_CONST)
		return "const";
	if (flags & RTC_BUS_PROPERTY_NO_SIGNAL)
		return "false";
	if (flags & RTC_BUS_PROPERTY_INVALIDATES)
		return "invalidates";
	return NULL;   /* the default, "true" */
}

void rtc_bus_introspect_write_interface(FILE *f, const struct rtc_bus_interface *iface)
{
	fprintf(f, "  <interface name=\"%s\">\n", iface->name);
	for (const struct rtc_bus_method *m = iface->methods; m && m->name; m++) {
		fprintf(f, "    <method name=\"%s\">\n", m->name);
		write_args(f, m->in, "in");
		write_args(f, m->out, "out");
		fputs("    </method>\n", f);
	}
	for (const struct rtc_bus_signal *s = iface->signals; s && s->name; s++) {
		fprintf(f, "    <signal name=\"%s\">\n", s->name);
		write_args(f, s->args, NULL);
		fputs("    </signal>\n", f);
	}
	for (const struct rtc_bus_property *p = iface->properties; p && p->name; p++) {
		const char *emits = emits_changed_signal(p->flags);

		fprintf(f, "    <property name=\"%s\" type=\"%s\" access=\"%s\"", p->name,
			p->signature, p->set ? "readwrite" : "read");
		if (!emits) {
			fputs("/>\n", f);
			continue;
		}
		fprintf(f, ">\n      <annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\""
			" value=\"%s\"/>\n    </property>\n", emits);
	}
	fputs("  </interface>\n", f);
}

/* Closes the stream and hands over its buffer, or NULL if writing failed.
 * open_memstream() sets *buf only when the stream is flushed or closed. */
static char *finish(FILE *f, char **buf)
{
	bool failed = ferror(f);

	if (fclose(f) != 0 || failed) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* One <node name="..."/> per child the caller may see, in path order. */
static void write_children(FILE *f, struct rtc_bus *bus, const struct rtc_bus_node *node)
{
	size_t first, end, prefix = strcmp(node->path, "/") == 0 ? 1 : strlen(node->path) + 1;
	const char *last = NULL;
	size_t last_len = 0;

	rtc_bus_object_subtree(bus, node->path, &first, &end);
	for (size_t i = first; i < end; i++) {
		const struct rtc_bus_object *obj = rtc_bus_object_at(bus, i);
		const char *child = obj->path + prefix;
		size_t len = strcspn(child, "/");

		if (rtc_bus_object_access(obj, node->client) == RTC_BUS_ACCESS_NONE)
			continue;
		/* A subtree is contiguous in the table: repeats are adjacent. */
		if (last && len == last_len && strncmp(child, last, len) == 0)
			continue;
		fprintf(f, "  <node name=\"%.*s\"/>\n", (int)len, child);
		last = child;
		last_len = len;
	}
}

char *rtc_bus_introspect_node(struct rtc_bus *bus, const struct rtc_bus_node *node)
{
	char *buf = NULL;
	size_t size;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fputs(DOCTYPE "<node>\n", f);
	rtc_bus_introspect_write_interface(f, &rtc_bus_peer_interface);
	rtc_bus_introspect_write_interface(f, &rtc_bus_introspectable_interface);
	if (node->obj) {
		rtc_bus_introspect_write_interface(f, &rtc_bus_properties_interface);
		if (node->obj->object_manager)
			rtc_bus_introspect_write_interface(f, &rtc_bus_object_manager_interface);
		for (size_t i = 0; i < node->obj->n_ifaces; i++)
			rtc_bus_introspect_write_interface(f, node->obj->ifaces[i]);
	}
	write_children(f, bus, node);
	fputs("</node>\n", f);
	return finish(f, &buf);
}

char *rtc_bus_introspect_interfaces(const struct rtc_bus_interface *const *ifaces)
{
	char *buf = NULL;
	size_t size;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fputs(DOCTYPE "<node>\n", f);
	for (size_t i = 0; ifaces && ifaces[i]; i++)
		rtc_bus_introspect_write_interface(f, ifaces[i]);
	fputs("</node>\n", f);
	return finish(f, &buf);
}
