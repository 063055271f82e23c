/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What context.c, devices.c and capture.c share about a context: its
 * PipeWire objects, the registry's view and the captures running on it.
 * Not for callers outside media/pipewire.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>

#include "media/pipewire/context.h"
#include "media/pipewire/devices.h"

struct rtc_pw_capture;

/* A registry node of one of the listed media classes. */
struct rtc_pw_node {
	struct spa_list link;
	struct rtc_pw_context *ctx;
	uint32_t id;
	uint32_t device_id;              /* SPA_ID_INVALID: none */
	enum rtc_pw_kind kind;
	struct pw_proxy *proxy;          /* bound to read its full properties */
	struct spa_hook node_listener;   /* its info: the full properties */
	bool has_info;                   /* properties arrived */
	enum pw_node_state state;        /* running: a format cannot change now */
	bool excluded;                   /* one of rtcd's own output nodes */
	char *name, *label;
};

/* A registry device: the group of the nodes that name it. */
struct rtc_pw_group {
	struct spa_list link;
	uint32_t id;
	char *name;                      /* device.name, else its object.serial */
};

struct rtc_pw_context {
	struct rtc_reactor *reactor;
	struct rtc_pw_context_callbacks cb;
	void *userdata;

	struct pw_loop *loop;
	struct rtc_watch *loop_watch;
	struct pw_context *context;

	/* The connection; NULL while unavailable. */
	struct pw_core *core;
	struct spa_hook core_listener;
	bool from_fd;                    /* a caller's fd: never reconnected */
	bool available;
	bool lost;                       /* core error seen: tear down at the next idle */
	int sync_seq;                    /* the round trips before available */
	bool registry_read;              /* the first is done */
	char unavailable_reason[160];
	struct rtc_timer *retry_timer;
	struct rtc_idle *teardown_idle;
	/* Callbacks to the owner wait for the reactor: never inside PipeWire's. */
	struct rtc_idle *notify_idle;
	bool notify_availability, notify_devices;

	/* registry (devices.c) */
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	struct spa_list nodes, groups;
	struct pw_proxy *metadata;       /* "default": the default devices */
	uint32_t metadata_id;
	struct spa_hook metadata_listener;
	char *default_name[RTC_PW_KIND_COUNT];

	/* captures (capture.c) */
	struct spa_list captures;
};

/* context.c: the owner's callbacks at the next idle (coalesced). */
void rtc_pw_context_notify(struct rtc_pw_context *ctx, bool availability, bool devices);

/* devices.c */
int  rtc_pw_devices_start(struct rtc_pw_context *ctx);   /* registry of ctx->core */
void rtc_pw_devices_stop(struct rtc_pw_context *ctx);    /* forget all, notify if any were listed */
size_t rtc_pw_devices_count_all(const struct rtc_pw_context *ctx); /* listed, even before available */
const struct rtc_pw_node *rtc_pw_devices_node(const struct rtc_pw_context *ctx,
					      enum rtc_pw_kind kind, const char *name);

/* capture.c: every capture of ctx ends with reason (PipeWire lost); and a
 * node left the registry. */
void rtc_pw_captures_end_all(struct rtc_pw_context *ctx, const char *reason);
void rtc_pw_captures_node_removed(struct rtc_pw_context *ctx, const char *name);
void rtc_pw_captures_free_all(struct rtc_pw_context *ctx);
