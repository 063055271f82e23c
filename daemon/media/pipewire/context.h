/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A connection to PipeWire, run on rtcd's reactor: PipeWire's loop fd is
 * one more fd watch, so PipeWire callbacks run on the reactor thread like
 * everything else (no thread loop, no locks).
 *
 * Two kinds: the daemon's own (the default remote, PIPEWIRE_REMOTE or
 * $XDG_RUNTIME_DIR/pipewire-0), which keeps retrying in the background
 * while PipeWire is not running or after it died; and a sandboxed caller's,
 * on the fd it passed from the Camera portal, which sees only what that
 * connection is allowed and is never retried (the fd is gone with it).
 *
 * A context is available once connected and its registry read through
 * once, so the device list (devices.h) is complete when it says so.
 * Losing PipeWire ends every capture of the context (their ended callback,
 * NotReadableError), empties the device list (devices_changed) and makes
 * the context unavailable.
 */
#pragma once

#include <stdbool.h>

#include "common/error.h"
#include "io/reactor.h"

struct rtc_pw_context;
struct pw_core;

struct rtc_pw_context_callbacks {
	/* Devices came, went or changed; coalesced: at most once per reactor
	 * iteration. Also when the list empties because PipeWire went away. */
	void (*devices_changed)(void *userdata);
	/* rtc_pw_context_available() changed. */
	void (*availability_changed)(void *userdata, bool available);
	/* The connection is about to be torn down (PipeWire died, the fd was
	 * closed): destroy every stream made on rtc_pw_context_core() now,
	 * while the core still exists. Called from the reactor, before
	 * availability_changed(false). */
	void (*core_lost)(void *userdata);
};

/* The daemon's own connection. Never fails for want of PipeWire: it then
 * logs once, stays unavailable and retries every few seconds. NULL only
 * without memory (err set). Callbacks may be NULL; they run from the reactor
 * (never from inside PipeWire's own callbacks), so they may free captures,
 * but not the context itself. */
struct rtc_pw_context *rtc_pw_context_new(struct rtc_reactor *reactor,
					  const struct rtc_pw_context_callbacks *cb,
					  void *userdata, struct rtc_error *err);

/* A sandboxed caller's connection on a PipeWire remote fd (Camera portal's
 * OpenPipeWireRemote). Takes the fd in every case (closed on failure and
 * when the context ends). Fails (NotReadableError) when the fd does not
 * connect; after a disconnect it stays unavailable for good. */
struct rtc_pw_context *rtc_pw_context_new_fd(struct rtc_reactor *reactor, int fd,
					     const struct rtc_pw_context_callbacks *cb,
					     void *userdata, struct rtc_error *err);

/* Frees the context and everything of it. Free its captures first: any
 * left are freed here without their ended callback, and the owner's
 * pointers to them become invalid. Not from inside a callback of it. */
void rtc_pw_context_free(struct rtc_pw_context *ctx);

bool rtc_pw_context_available(const struct rtc_pw_context *ctx);
/* The connection, for streams of the owner's own (remote tracks' output
 * nodes, Play); NULL while unavailable or once lost. Valid until core_lost
 * or rtc_pw_context_free. */
struct pw_core *rtc_pw_context_core(const struct rtc_pw_context *ctx);
/* Connected, its registry still being read: available in a moment
 * (availability_changed follows), unless the connection breaks. */
bool rtc_pw_context_connecting(const struct rtc_pw_context *ctx);

/* Fills err with NotReadableError saying why the context is unavailable
 * and returns -1; 0 when it is available. */
int rtc_pw_context_check(const struct rtc_pw_context *ctx, struct rtc_error *err);

/* Seconds between reconnection attempts of the daemon's own context. */
#define RTC_PW_RETRY_SECONDS 3
