/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A PipeWire connection on rtcd's reactor: the loop, connecting (default
 * remote or a caller's fd), noticing the connection's loss, and retrying
 * the daemon's own connection in the background.
 */
#include "media/pipewire/context-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

#define NS_PER_S 1000000000ull

static void notify_idle(void *userdata)
{
	struct rtc_pw_context *ctx = userdata;
	bool availability = ctx->notify_availability, devices = ctx->notify_devices;

	ctx->notify_availability = ctx->notify_devices = false;
	if (availability && ctx->cb.availability_changed)
		ctx->cb.availability_changed(ctx->userdata, ctx->available);
	if (devices && ctx->cb.devices_changed)
		ctx->cb.devices_changed(ctx->userdata);
}

void rtc_pw_context_notify(struct rtc_pw_context *ctx, bool availability, bool devices)
{
	ctx->notify_availability |= availability;
	ctx->notify_devices |= devices;
	rtc_idle_schedule(ctx->notify_idle);
}

/* PipeWire's loop fd is an epoll fd: readable when any of its sources is.
 * The loop was entered once at creation (see rtc_pw_context_new). */
static void on_loop_readable(void *userdata, int fd, uint32_t revents)
{
	struct rtc_pw_context *ctx = userdata;

	pw_loop_iterate(ctx->loop, 0);
}

static void set_available(struct rtc_pw_context *ctx, bool available)
{
	if (ctx->available == available)
		return;
	ctx->available = available;
	rtc_pw_context_notify(ctx, true, false);
}

static void on_core_done(void *userdata, uint32_t id, int seq)
{
	struct rtc_pw_context *ctx = userdata;

	if (id != PW_ID_CORE || seq != ctx->sync_seq || ctx->lost || ctx->available)
		return;
	/* The first round trip brought the globals, and the nodes were bound
	 * then; the second brings their properties. */
	if (!ctx->registry_read) {
		ctx->registry_read = true;
		ctx->sync_seq = pw_core_sync(ctx->core, PW_ID_CORE, ctx->sync_seq);
		return;
	}
	rtc_notice("pipewire: connected%s; %zu capture and output devices",
		   ctx->from_fd ? " on a caller's fd" : "", rtc_pw_devices_count_all(ctx));
	set_available(ctx, true);
	rtc_pw_context_notify(ctx, false, true);
}

/* EPIPE on the core means the connection is gone (PipeWire died, or the
 * caller's fd was closed); other errors are about single requests. Tearing
 * down from inside the core's own callback is not safe, so it waits for
 * the reactor's next idle. */
static void on_core_error(void *userdata, uint32_t id, int seq, int res, const char *message)
{
	struct rtc_pw_context *ctx = userdata;

	if (id != PW_ID_CORE || res != -EPIPE) {
		rtc_debug("pipewire: error on object %u: %s (%s)", id, message, strerror(-res));
		return;
	}
	if (ctx->lost)
		return;
	ctx->lost = true;
	snprintf(ctx->unavailable_reason, sizeof(ctx->unavailable_reason),
		 "the PipeWire connection was lost: %s", message ? message : strerror(-res));
	rtc_idle_schedule(ctx->teardown_idle);
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = on_core_done,
	.error = on_core_error,
};

/* fd < 0: the default remote. On failure unavailable_reason says why. */
static int connect_core(struct rtc_pw_context *ctx, int fd)
{
	struct pw_properties *props = pw_properties_new(PW_KEY_APP_NAME, "rtcd", NULL);

	if (!props) {
		if (fd >= 0)
			close(fd);
		snprintf(ctx->unavailable_reason, sizeof(ctx->unavailable_reason), "out of memory");
		return -ENOMEM;
	}
	ctx->core = fd >= 0 ? pw_context_connect_fd(ctx->context, fd, props, 0)
			    : pw_context_connect(ctx->context, props, 0);
	if (!ctx->core) {
		int e = errno ? errno : EIO;
		snprintf(ctx->unavailable_reason, sizeof(ctx->unavailable_reason),
			 "PipeWire is not reachable (%s)", strerror(e));
		return -e;
	}
	ctx->lost = false;
	ctx->registry_read = false;
	pw_core_add_listener(ctx->core, &ctx->core_listener, &core_events, ctx);
	if (rtc_pw_devices_start(ctx) < 0) {
		snprintf(ctx->unavailable_reason, sizeof(ctx->unavailable_reason),
			 "PipeWire's registry is not readable");
		spa_hook_remove(&ctx->core_listener);
		pw_core_disconnect(ctx->core);
		ctx->core = NULL;
		return -EIO;
	}
	/* Available once the registry's first batch of globals has come. */
	ctx->sync_seq = pw_core_sync(ctx->core, PW_ID_CORE, 0);
	snprintf(ctx->unavailable_reason, sizeof(ctx->unavailable_reason),
		 "the PipeWire connection is not ready yet");
	return 0;
}

static void arm_retry(struct rtc_pw_context *ctx)
{
	if (!ctx->from_fd)
		rtc_timer_arm(ctx->retry_timer,
			      rtc_reactor_now(ctx->reactor) + RTC_PW_RETRY_SECONDS * NS_PER_S);
}

static void disconnect_core(struct rtc_pw_context *ctx)
{
	if (!ctx->core)
		return;
	rtc_pw_devices_stop(ctx);
	spa_hook_remove(&ctx->core_listener);
	pw_core_disconnect(ctx->core);
	ctx->core = NULL;
}

static void on_teardown(void *userdata)
{
	struct rtc_pw_context *ctx = userdata;

	if (!ctx->core)
		return;
	rtc_warn("pipewire: %s; captures end, devices are gone%s", ctx->unavailable_reason,
		 ctx->from_fd ? "" : "; reconnecting in the background");
	/* The owner's streams go while their core still exists. */
	if (ctx->cb.core_lost)
		ctx->cb.core_lost(ctx->userdata);
	rtc_pw_captures_end_all(ctx, ctx->unavailable_reason);
	disconnect_core(ctx);
	set_available(ctx, false);
	arm_retry(ctx);
}

static void on_retry(void *userdata)
{
	struct rtc_pw_context *ctx = userdata;

	if (ctx->core)
		return;
	if (connect_core(ctx, -1) < 0) {
		rtc_debug("pipewire: still unavailable (%s)", ctx->unavailable_reason);
		arm_retry(ctx);
	}
}

static struct rtc_pw_context *context_new(struct rtc_reactor *reactor,
					  const struct rtc_pw_context_callbacks *cb,
					  void *userdata, struct rtc_error *err)
{
	struct rtc_pw_context *ctx = calloc(1, sizeof(*ctx));

	if (!ctx) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		return NULL;
	}
	pw_init(NULL, NULL);
	ctx->reactor = reactor;
	if (cb)
		ctx->cb = *cb;
	ctx->userdata = userdata;
	spa_list_init(&ctx->nodes);
	spa_list_init(&ctx->groups);
	spa_list_init(&ctx->captures);
	snprintf(ctx->unavailable_reason, sizeof(ctx->unavailable_reason), "not connected");

	ctx->loop = pw_loop_new(NULL);
	if (!ctx->loop)
		goto fail;
	/* Entered for good: PipeWire's data thread hands stream events to this
	 * loop with pw_loop_invoke, which runs them on the spot when the loop
	 * has no owner thread — that would be the data thread. Entered, they
	 * are queued and run here, on the reactor, in pw_loop_iterate. */
	pw_loop_enter(ctx->loop);
	ctx->context = pw_context_new(ctx->loop, NULL, 0);
	ctx->loop_watch = rtc_watch_add(reactor, pw_loop_get_fd(ctx->loop), POLLIN,
					on_loop_readable, ctx);
	ctx->retry_timer = rtc_timer_new(reactor, on_retry, ctx);
	ctx->teardown_idle = rtc_idle_new(reactor, on_teardown, ctx);
	ctx->notify_idle = rtc_idle_new(reactor, notify_idle, ctx);
	if (!ctx->context || !ctx->loop_watch || !ctx->retry_timer || !ctx->teardown_idle ||
	    !ctx->notify_idle)
		goto fail;
	return ctx;
fail:
	rtc_error_set(err, RTC_ERROR_NOT_READABLE, "PipeWire: cannot set up a client context");
	rtc_pw_context_free(ctx);
	return NULL;
}

struct rtc_pw_context *rtc_pw_context_new(struct rtc_reactor *reactor,
					  const struct rtc_pw_context_callbacks *cb,
					  void *userdata, struct rtc_error *err)
{
	struct rtc_pw_context *ctx = context_new(reactor, cb, userdata, err);

	if (!ctx)
		return NULL;
	if (connect_core(ctx, -1) < 0) {
		rtc_notice("pipewire: %s; cameras and microphones are unavailable, "
			   "retrying every %d s in the background",
			   ctx->unavailable_reason, RTC_PW_RETRY_SECONDS);
		arm_retry(ctx);
	}
	return ctx;
}

struct rtc_pw_context *rtc_pw_context_new_fd(struct rtc_reactor *reactor, int fd,
					     const struct rtc_pw_context_callbacks *cb,
					     void *userdata, struct rtc_error *err)
{
	struct rtc_pw_context *ctx = context_new(reactor, cb, userdata, err);

	if (!ctx) {
		close(fd);
		return NULL;
	}
	ctx->from_fd = true;
	if (connect_core(ctx, fd) < 0) {
		rtc_error_set(err, RTC_ERROR_NOT_READABLE, "the caller's PipeWire fd: %s",
			      ctx->unavailable_reason);
		rtc_pw_context_free(ctx);
		return NULL;
	}
	return ctx;
}

void rtc_pw_context_free(struct rtc_pw_context *ctx)
{
	if (!ctx)
		return;
	rtc_pw_captures_free_all(ctx);
	disconnect_core(ctx);
	rtc_idle_free(ctx->notify_idle);
	rtc_idle_free(ctx->teardown_idle);
	rtc_timer_free(ctx->retry_timer);
	rtc_watch_remove(ctx->loop_watch);
	if (ctx->context)
		pw_context_destroy(ctx->context);
	if (ctx->loop) {
		pw_loop_leave(ctx->loop);
		pw_loop_destroy(ctx->loop);
	}
	for (int k = 0; k < RTC_PW_KIND_COUNT; k++)
		free(ctx->default_name[k]);
	free(ctx);
	pw_deinit();
}

bool rtc_pw_context_available(const struct rtc_pw_context *ctx)
{
	return ctx->available;
}

struct pw_core *rtc_pw_context_core(const struct rtc_pw_context *ctx)
{
	return ctx->available && !ctx->lost ? ctx->core : NULL;
}

bool rtc_pw_context_connecting(const struct rtc_pw_context *ctx)
{
	return ctx->core && !ctx->available && !ctx->lost;
}

int rtc_pw_context_check(const struct rtc_pw_context *ctx, struct rtc_error *err)
{
	if (ctx->available)
		return 0;
	return rtc_error_set(err, RTC_ERROR_NOT_READABLE, "%s", ctx->unavailable_reason);
}
