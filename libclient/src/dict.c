/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtc_dict: an a{sv} from the daemon, decoded once into entries the
 * application can read by index or key, each with a one-line rendering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void write_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\x%02x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* D-Bus bounds nesting (libdbus rejects deeper messages), so recursion is too. */
static void write_value(FILE *out, DBusMessageIter *iter)
{
	DBusMessageIter sub;
	DBusBasicValue v;
	int type = dbus_message_iter_get_arg_type(iter);
	const char *sep = "";

	switch (type) {
	case DBUS_TYPE_STRING:
	case DBUS_TYPE_OBJECT_PATH:
	case DBUS_TYPE_SIGNATURE:
		dbus_message_iter_get_basic(iter, &v);
		write_quoted(out, v.str);
		return;
	case DBUS_TYPE_BOOLEAN:
		dbus_message_iter_get_basic(iter, &v);
		fputs(v.bool_val ? "true" : "false", out);
		return;
	case DBUS_TYPE_BYTE:
		dbus_message_iter_get_basic(iter, &v);
		fprintf(out, "%u", (unsigned)v.byt);
		return;
	case DBUS_TYPE_INT16:
		dbus_message_iter_get_basic(iter, &v);
		fprintf(out, "%d", (int)v.i16);
		return;
	case DBUS_TYPE_UINT16:
		dbus_message_iter_get_basic(iter, &v);
		fprintf(out, "%u", (unsigned)v.u16);
		return;
	case DBUS_TYPE_INT32:
		dbus_message_iter_get_basic(iter, &v);
		fprintf(out, "%d", (int)v.i32);
		return;
	case DBUS_TYPE_UINT32:
		dbus_message_iter_get_basic(iter, &v);
		fprintf(out, "%u", (unsigned)v.u32);
		return;
	case DBUS_TYPE_INT64:
		dbus_message_iter_get_basic(iter, &v);
		fprintf(out, "%lld", (long long)v.i64);
		return;
	case DBUS_TYPE_UINT64:
		dbus_message_iter_get_basic(iter, &v);
		fprintf(out, "%llu", (unsigned long long)v.u64);
		return;
	case DBUS_TYPE_DOUBLE:
		dbus_message_iter_get_basic(iter, &v);
		fprintf(out, "%.17g", v.dbl);
		return;
	case DBUS_TYPE_UNIX_FD:
		fputs("<fd>", out);
		return;
	case DBUS_TYPE_VARIANT:
		dbus_message_iter_recurse(iter, &sub);
		write_value(out, &sub);
		return;
	case DBUS_TYPE_ARRAY: {
		bool is_dict = dbus_message_iter_get_element_type(iter) == DBUS_TYPE_DICT_ENTRY;

		fputc(is_dict ? '{' : '[', out);
		for (dbus_message_iter_recurse(iter, &sub);
		     dbus_message_iter_get_arg_type(&sub) != DBUS_TYPE_INVALID;
		     dbus_message_iter_next(&sub)) {
			fputs(sep, out);
			write_value(out, &sub);
			sep = ", ";
		}
		fputc(is_dict ? '}' : ']', out);
		return;
	}
	case DBUS_TYPE_DICT_ENTRY:
		dbus_message_iter_recurse(iter, &sub);
		write_value(out, &sub);
		fputs(": ", out);
		dbus_message_iter_next(&sub);
		write_value(out, &sub);
		return;
	case DBUS_TYPE_STRUCT:
		fputc('(', out);
		for (dbus_message_iter_recurse(iter, &sub);
		     dbus_message_iter_get_arg_type(&sub) != DBUS_TYPE_INVALID;
		     dbus_message_iter_next(&sub)) {
			fputs(sep, out);
			write_value(out, &sub);
			sep = ", ";
		}
		fputc(')', out);
		return;
	default:
		fprintf(out, "<type %c>", (char)type);
	}
}

char *rtc_value_to_text(DBusMessageIter *iter)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	write_value(out, iter);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void entry_clear(struct rtc_dict_entry *e)
{
	free(e->key);
	free(e->signature);
	free(e->text);
	free(e->string);
}

RTC_EXPORT void rtc_dict_free(rtc_dict *dict)
{
	if (!dict)
		return;
	for (size_t i = 0; i < dict->count; i++)
		entry_clear(&dict->entries[i]);
	free(dict->entries);
	free(dict);
}

/* Fills e from the variant's contents at value. False on OOM. */
static bool entry_fill(struct rtc_dict_entry *e, const char *key, DBusMessageIter *value)
{
	DBusBasicValue v;

	e->type = dbus_message_iter_get_arg_type(value);
	e->key = strdup(key);
	e->signature = dbus_message_iter_get_signature(value);
	e->text = rtc_value_to_text(value);
	if (!e->key || !e->signature || !e->text)
		return false;
	/* dbus_message_iter_get_signature's string is libdbus's to free. */
	char *signature = strdup(e->signature);
	dbus_free(e->signature);
	e->signature = signature;
	if (!signature)
		return false;

	if (!dbus_type_is_basic(e->type) || e->type == DBUS_TYPE_UNIX_FD)
		return true;
	dbus_message_iter_get_basic(value, &v);
	switch (e->type) {
	case DBUS_TYPE_STRING:
	case DBUS_TYPE_OBJECT_PATH:
	case DBUS_TYPE_SIGNATURE:
		e->string = strdup(v.str);
		return e->string != NULL;
	case DBUS_TYPE_BOOLEAN: e->number.b = v.bool_val; break;
	case DBUS_TYPE_BYTE:    e->number.u = v.byt; break;
	case DBUS_TYPE_UINT16:  e->number.u = v.u16; break;
	case DBUS_TYPE_UINT32:  e->number.u = v.u32; break;
	case DBUS_TYPE_UINT64:  e->number.u = v.u64; break;
	case DBUS_TYPE_INT16:   e->number.i = v.i16; break;
	case DBUS_TYPE_INT32:   e->number.i = v.i32; break;
	case DBUS_TYPE_INT64:   e->number.i = v.i64; break;
	case DBUS_TYPE_DOUBLE:  e->number.d = v.dbl; break;
	default: break;
	}
	return true;
}

rtc_dict *rtc_dict_from_iter(DBusMessageIter *iter, rtc_error *error)
{
	DBusMessageIter array, entry, variant;
	char *signature = dbus_message_iter_get_signature(iter);
	bool is_asv = signature && strcmp(signature, "a{sv}") == 0;
	rtc_dict *dict;
	size_t capacity;

	dbus_free(signature);
	if (!is_asv) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
			       "Expected a dictionary a{sv} from the daemon");
		return NULL;
	}
	capacity = (size_t)dbus_message_iter_get_element_count(iter);
	dict = calloc(1, sizeof(*dict));
	if (!dict || !(dict->entries = calloc(capacity ? capacity : 1, sizeof(*dict->entries))))
		goto oom;

	for (dbus_message_iter_recurse(iter, &array);
	     dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&array)) {
		const char *key;

		dbus_message_iter_recurse(&array, &entry);
		dbus_message_iter_get_basic(&entry, &key);
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &variant);
		if (dict->count == capacity)
			break;
		if (!entry_fill(&dict->entries[dict->count++], key, &variant))
			goto oom;
	}
	return dict;
oom:
	rtc_dict_free(dict);
	rtc_error_set_oom(error);
	return NULL;
}

RTC_EXPORT size_t rtc_dict_count(const rtc_dict *dict)
{
	return dict ? dict->count : 0;
}

static const struct rtc_dict_entry *entry_at(const rtc_dict *dict, size_t index)
{
	return dict && index < dict->count ? &dict->entries[index] : NULL;
}

static const struct rtc_dict_entry *entry_by_key(const rtc_dict *dict, const char *key)
{
	for (size_t i = 0; dict && key && i < dict->count; i++)
		if (strcmp(dict->entries[i].key, key) == 0)
			return &dict->entries[i];
	return NULL;
}

RTC_EXPORT const char *rtc_dict_key(const rtc_dict *dict, size_t index)
{
	const struct rtc_dict_entry *e = entry_at(dict, index);

	return e ? e->key : NULL;
}

RTC_EXPORT const char *rtc_dict_signature(const rtc_dict *dict, size_t index)
{
	const struct rtc_dict_entry *e = entry_at(dict, index);

	return e ? e->signature : NULL;
}

RTC_EXPORT const char *rtc_dict_text(const rtc_dict *dict, size_t index)
{
	const struct rtc_dict_entry *e = entry_at(dict, index);

	return e ? e->text : NULL;
}

RTC_EXPORT bool rtc_dict_get_string(const rtc_dict *dict, const char *key, const char **value)
{
	const struct rtc_dict_entry *e = entry_by_key(dict, key);

	if (!e || !e->string)
		return false;
	*value = e->string;
	return true;
}

RTC_EXPORT bool rtc_dict_get_bool(const rtc_dict *dict, const char *key, bool *value)
{
	const struct rtc_dict_entry *e = entry_by_key(dict, key);

	if (!e || e->type != DBUS_TYPE_BOOLEAN)
		return false;
	*value = e->number.b;
	return true;
}

static bool type_is_unsigned(int type)
{
	return type == DBUS_TYPE_BYTE || type == DBUS_TYPE_UINT16 ||
	       type == DBUS_TYPE_UINT32 || type == DBUS_TYPE_UINT64;
}

static bool type_is_signed(int type)
{
	return type == DBUS_TYPE_INT16 || type == DBUS_TYPE_INT32 || type == DBUS_TYPE_INT64;
}

RTC_EXPORT bool rtc_dict_get_uint64(const rtc_dict *dict, const char *key, uint64_t *value)
{
	const struct rtc_dict_entry *e = entry_by_key(dict, key);

	if (!e || !type_is_unsigned(e->type))
		return false;
	*value = e->number.u;
	return true;
}

RTC_EXPORT bool rtc_dict_get_double(const rtc_dict *dict, const char *key, double *value)
{
	const struct rtc_dict_entry *e = entry_by_key(dict, key);

	if (!e)
		return false;
	if (e->type == DBUS_TYPE_DOUBLE)
		*value = e->number.d;
	else if (type_is_unsigned(e->type))
		*value = (double)e->number.u;
	else if (type_is_signed(e->type))
		*value = (double)e->number.i;
	else
		return false;
	return true;
}
