/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device list, kept from PipeWire's registry: nodes of the three media
 * classes (bound, because the registry shows only some properties and
 * rtcd's own output nodes are told apart by one it does not show), the
 * devices they belong to (for group-id) and the "default" metadata.
 */
#include "media/pipewire/context-private.h"

#include <stdlib.h>
#include <string.h>

#include <spa/utils/string.h>

#include "common/log.h"
#include "media/pipewire/devices-metadata.h"

static bool listed(const struct rtc_pw_node *n)
{
	return n->has_info && !n->excluded && n->name;
}

static bool media_class_kind(const char *media_class, enum rtc_pw_kind *kind)
{
	if (spa_streq(media_class, "Audio/Source"))
		*kind = RTC_PW_AUDIOINPUT;
	else if (spa_streq(media_class, "Video/Source"))
		*kind = RTC_PW_VIDEOINPUT;
	else if (spa_streq(media_class, "Audio/Sink"))
		*kind = RTC_PW_AUDIOOUTPUT;
	else
		return false;
	return true;
}

static void node_free(struct rtc_pw_node *n)
{
	spa_list_remove(&n->link);
	spa_hook_remove(&n->node_listener);
	pw_proxy_destroy(n->proxy);
	free(n->name);
	free(n->label);
	free(n);
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void on_node_info(void *userdata, const struct pw_node_info *info)
{
	struct rtc_pw_node *n = userdata;
	const struct spa_dict *props = info->props;
	bool was_listed = listed(n);

	if (info->change_mask & PW_NODE_CHANGE_MASK_STATE)
		n->state = info->state;
	if (!(info->change_mask & PW_NODE_CHANGE_MASK_PROPS) || !props)
		return;
	const char *name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
	const char *label = spa_dict_lookup(props, PW_KEY_NODE_DESCRIPTION);
	if (!label || !*label)
		label = spa_dict_lookup(props, PW_KEY_NODE_NICK);
	if (!label || !*label)
		label = name;
	free(n->name);
	free(n->label);
	n->name = dup_or_null(name);
	n->label = dup_or_null(label);
	n->excluded = spa_atob(spa_dict_lookup(props, RTC_PW_REMOTE_TRACK_KEY));
	n->has_info = true;
	if (was_listed || listed(n))
		rtc_pw_context_notify(n->ctx, false, true);
}

static const struct pw_node_events node_events = {
	PW_VERSION_NODE_EVENTS,
	.info = on_node_info,
};

static void add_node(struct rtc_pw_context *ctx, uint32_t id, enum rtc_pw_kind kind,
		     const struct spa_dict *props)
{
	struct rtc_pw_node *n = calloc(1, sizeof(*n));

	if (!n)
		return;
	n->ctx = ctx;
	n->id = id;
	n->kind = kind;
	n->device_id = SPA_ID_INVALID;
	const char *dev = spa_dict_lookup(props, PW_KEY_DEVICE_ID);
	if (dev && !spa_atou32(dev, &n->device_id, 10))
		n->device_id = SPA_ID_INVALID;
	n->proxy = pw_registry_bind(ctx->registry, id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0);
	if (!n->proxy) {
		free(n);
		return;
	}
	pw_node_add_listener((struct pw_node *)n->proxy, &n->node_listener, &node_events, n);
	spa_list_append(&ctx->nodes, &n->link);
}

static void add_group(struct rtc_pw_context *ctx, uint32_t id, const struct spa_dict *props)
{
	const char *name = spa_dict_lookup(props, PW_KEY_DEVICE_NAME);
	struct rtc_pw_group *g;

	if (!name || !*name)
		name = spa_dict_lookup(props, PW_KEY_OBJECT_SERIAL);
	if (!name || !*name || !(g = calloc(1, sizeof(*g))))
		return;
	g->id = id;
	g->name = strdup(name);
	if (!g->name) {
		free(g);
		return;
	}
	spa_list_append(&ctx->groups, &g->link);
	/* Nodes listed before their device now have another group-id. */
	rtc_pw_context_notify(ctx, false, true);
}

static int on_metadata_property(void *userdata, uint32_t subject, const char *key,
				const char *type, const char *value)
{
	struct rtc_pw_context *ctx = userdata;
	enum rtc_pw_kind kind;
	char name[256];

	if (subject != PW_ID_CORE)
		return 0;
	if (!key) {
		/* All keys cleared. */
		for (int k = 0; k < RTC_PW_KIND_COUNT; k++) {
			free(ctx->default_name[k]);
			ctx->default_name[k] = NULL;
		}
		return 0;
	}
	if (!rtc_pw_default_key_kind(key, &kind))
		return 0;
	free(ctx->default_name[kind]);
	ctx->default_name[kind] = NULL;
	if (value && rtc_pw_default_name_parse(value, strlen(value), name, sizeof(name)) == 0)
		ctx->default_name[kind] = strdup(name);
	return 0;
}

static const struct pw_metadata_events metadata_events = {
	PW_VERSION_METADATA_EVENTS,
	.property = on_metadata_property,
};

static void drop_metadata(struct rtc_pw_context *ctx)
{
	if (!ctx->metadata)
		return;
	spa_hook_remove(&ctx->metadata_listener);
	pw_proxy_destroy(ctx->metadata);
	ctx->metadata = NULL;
	ctx->metadata_id = SPA_ID_INVALID;
}

static void on_global(void *userdata, uint32_t id, uint32_t permissions, const char *type,
		      uint32_t version, const struct spa_dict *props)
{
	struct rtc_pw_context *ctx = userdata;
	enum rtc_pw_kind kind;

	if (!props)
		return;
	if (spa_streq(type, PW_TYPE_INTERFACE_Node)) {
		if (media_class_kind(spa_dict_lookup(props, PW_KEY_MEDIA_CLASS), &kind))
			add_node(ctx, id, kind, props);
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Device)) {
		add_group(ctx, id, props);
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Metadata) && !ctx->metadata &&
		   spa_streq(spa_dict_lookup(props, PW_KEY_METADATA_NAME), "default")) {
		ctx->metadata = pw_registry_bind(ctx->registry, id, PW_TYPE_INTERFACE_Metadata,
						 PW_VERSION_METADATA, 0);
		if (ctx->metadata) {
			ctx->metadata_id = id;
			pw_metadata_add_listener((struct pw_metadata *)ctx->metadata,
						 &ctx->metadata_listener, &metadata_events, ctx);
		}
	}
}

static void on_global_remove(void *userdata, uint32_t id)
{
	struct rtc_pw_context *ctx = userdata;
	struct rtc_pw_node *n;
	struct rtc_pw_group *g;

	spa_list_for_each(n, &ctx->nodes, link) {
		if (n->id != id)
			continue;
		if (listed(n)) {
			rtc_pw_captures_node_removed(ctx, n->name);
			rtc_pw_context_notify(ctx, false, true);
		}
		node_free(n);
		return;
	}
	spa_list_for_each(g, &ctx->groups, link) {
		if (g->id != id)
			continue;
		spa_list_remove(&g->link);
		free(g->name);
		free(g);
		rtc_pw_context_notify(ctx, false, true);
		return;
	}
	if (id == ctx->metadata_id)
		drop_metadata(ctx);
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = on_global,
	.global_remove = on_global_remove,
};

int rtc_pw_devices_start(struct rtc_pw_context *ctx)
{
	ctx->metadata_id = SPA_ID_INVALID;
	ctx->registry = pw_core_get_registry(ctx->core, PW_VERSION_REGISTRY, 0);
	if (!ctx->registry)
		return -1;
	pw_registry_add_listener(ctx->registry, &ctx->registry_listener, &registry_events, ctx);
	return 0;
}

void rtc_pw_devices_stop(struct rtc_pw_context *ctx)
{
	struct rtc_pw_node *n, *nt;
	struct rtc_pw_group *g, *gt;
	bool any = false;

	spa_list_for_each_safe(n, nt, &ctx->nodes, link) {
		any |= listed(n);
		node_free(n);
	}
	spa_list_for_each_safe(g, gt, &ctx->groups, link) {
		spa_list_remove(&g->link);
		free(g->name);
		free(g);
	}
	drop_metadata(ctx);
	for (int k = 0; k < RTC_PW_KIND_COUNT; k++) {
		free(ctx->default_name[k]);
		ctx->default_name[k] = NULL;
	}
	if (ctx->registry) {
		spa_hook_remove(&ctx->registry_listener);
		pw_proxy_destroy((struct pw_proxy *)ctx->registry);
		ctx->registry = NULL;
	}
	if (any)
		rtc_pw_context_notify(ctx, false, true);
}

static const char *group_of(const struct rtc_pw_context *ctx, const struct rtc_pw_node *n)
{
	const struct rtc_pw_group *g;

	spa_list_for_each(g, &ctx->groups, link)
		if (g->id == n->device_id)
			return g->name;
	return n->name;
}

static void fill(const struct rtc_pw_context *ctx, const struct rtc_pw_node *n,
		 struct rtc_pw_device *out)
{
	*out = (struct rtc_pw_device){
		.kind = n->kind, .id = n->name, .label = n->label ? n->label : n->name,
		.group_id = group_of(ctx, n),
	};
}

const char *rtc_pw_kind_name(enum rtc_pw_kind kind)
{
	switch (kind) {
	case RTC_PW_AUDIOINPUT: return "audioinput";
	case RTC_PW_VIDEOINPUT: return "videoinput";
	case RTC_PW_AUDIOOUTPUT: return "audiooutput";
	}
	return "unknown";
}

size_t rtc_pw_devices_count_all(const struct rtc_pw_context *ctx)
{
	const struct rtc_pw_node *n;
	size_t count = 0;

	spa_list_for_each(n, &ctx->nodes, link)
		count += listed(n);
	return count;
}

size_t rtc_pw_devices_count(const struct rtc_pw_context *ctx)
{
	return ctx->available ? rtc_pw_devices_count_all(ctx) : 0;
}

int rtc_pw_devices_get(const struct rtc_pw_context *ctx, size_t i, struct rtc_pw_device *out)
{
	const struct rtc_pw_node *n;

	if (!ctx->available)
		return -1;
	spa_list_for_each(n, &ctx->nodes, link) {
		if (!listed(n))
			continue;
		if (i-- == 0) {
			fill(ctx, n, out);
			return 0;
		}
	}
	return -1;
}

const struct rtc_pw_node *rtc_pw_devices_node(const struct rtc_pw_context *ctx,
					      enum rtc_pw_kind kind, const char *name)
{
	const struct rtc_pw_node *n;

	if (!ctx->available)
		return NULL;
	spa_list_for_each(n, &ctx->nodes, link) {
		if (listed(n) && n->kind == kind && (!name || strcmp(n->name, name) == 0))
			return n;
	}
	return NULL;
}

int rtc_pw_devices_find(const struct rtc_pw_context *ctx, enum rtc_pw_kind kind,
			const char *id, struct rtc_pw_device *out)
{
	const struct rtc_pw_node *n = id ? rtc_pw_devices_node(ctx, kind, id) : NULL;

	if (!n)
		return -1;
	fill(ctx, n, out);
	return 0;
}

int rtc_pw_devices_default(const struct rtc_pw_context *ctx, enum rtc_pw_kind kind,
			   struct rtc_pw_device *out)
{
	const struct rtc_pw_node *n = NULL;

	if (ctx->default_name[kind])
		n = rtc_pw_devices_node(ctx, kind, ctx->default_name[kind]);
	if (!n)
		n = rtc_pw_devices_node(ctx, kind, NULL);
	if (!n)
		return -1;
	fill(ctx, n, out);
	return 0;
}
