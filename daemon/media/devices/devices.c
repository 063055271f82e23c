/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One list of devices and one way to capture, over the fake devices and
 * PipeWire contexts (the daemon's own, and sandboxed callers' remotes).
 * A capture is "opened" at its first frame; frames of another size than
 * the constraints ask for are scaled here (resizeMode crop-and-scale).
 */
#include "media/devices/devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/list.h"
#include "common/log.h"
#include "io/reactor.h"
#include "media/fake/camera.h"
#include "media/fake/devices.h"
#include "media/fake/microphone.h"
#include "media/pipewire/capture.h"
#include "media/pipewire/context.h"
#include "media/pipewire/devices.h"
#include "media/raw/convert.h"

/* A device that gives no frame this long after its capture started is
 * not readable (a camera another program holds, a stalled node). */
#define OPEN_TIMEOUT_NS (5 * 1000000000ull)
/* How long a PipeWire connection may take to connect and list its devices. */
#define CONNECT_TIMEOUT_NS (5 * 1000000000ull)

#define MAX_DEVICES 256

struct rtc_media_devices {
	struct rtc_reactor *reactor;
	bool fake;
	struct rtc_pw_context *pw;      /* the daemon's own; NULL with pipewire off */
	void (*changed)(void *user);
	void *user;
	struct rtc_idle *notify;
	struct rtc_list captures;       /* rtc_media_capture.link */
	struct rtc_list waiting;        /* captures until the own context is ready */
	struct rtc_list pipewire_watches;  /* rtc_media_pipewire_watch.link */
	struct rtc_media_device list[MAX_DEVICES];
};

struct rtc_media_pipewire_watch {
	struct rtc_list link;
	void (*changed)(void *user, struct pw_core *core);
	void *user;
};

struct rtc_media_remote {
	size_t refs;
	struct rtc_media_devices *devices;
	struct rtc_pw_context *pw;
	struct rtc_list waiting;        /* captures until it is available */
};

enum capture_state { OPENING, LIVE, ENDED };

struct rtc_media_capture {
	struct rtc_list link;           /* devices->captures, or remote->waiting */
	struct rtc_media_devices *devices;
	const struct rtc_media_capture_events *events;
	void *user;
	enum capture_state state;
	struct rtc_media_constraints constraints;  /* device_id points into device_id */
	char device_id[RTC_MEDIA_MAX_ID];
	struct rtc_media_settings settings;

	struct rtc_media_remote *remote;           /* a reference, or NULL */
	bool waiting_for_context;       /* its PipeWire context is still connecting */
	struct rtc_pw_capture *pw;
	struct rtc_fake_camera *fake_camera;
	struct rtc_fake_microphone *fake_microphone;

	struct rtc_timer *timer;        /* open timeout; the fake devices' clock */
	struct rtc_idle *report;        /* `opened`/`ended` outside of any call in */
	bool report_opened, report_ended;
	struct rtc_error failure;       /* why it did not open, or ended */
	struct rtc_video_frame *scaled; /* frames scaled to the constraints */

	/* ApplyConstraints under way: `next` takes over once the device gave
	 * a frame in the new settings; until then frames keep the old ones. */
	bool applying, apply_awaits_frame, reverting, report_applied;
	struct rtc_media_constraints next;
	struct rtc_error apply_failure; /* kind NONE: applied */
	struct rtc_error revert_reason; /* told once `reverting` is done */
};

/* ---- the list ----------------------------------------------------------- */

static void notify_changed(void *data)
{
	struct rtc_media_devices *d = data;

	if (d->changed)
		d->changed(d->user);
}

static void pw_devices_changed(void *data)
{
	rtc_idle_schedule(((struct rtc_media_devices *)data)->notify);
}

static void open_waiting(struct rtc_list *waiting, struct rtc_list *captures,
			 struct rtc_pw_context *pw);

/* Every watcher, with the core (up) or NULL (going down). */
static void tell_watchers(struct rtc_media_devices *d, struct pw_core *core)
{
	struct rtc_list *pos, *tmp;

	rtc_list_for_each_safe(pos, tmp, &d->pipewire_watches) {
		struct rtc_media_pipewire_watch *w =
			rtc_container_of(pos, struct rtc_media_pipewire_watch, link);
		w->changed(w->user, core);
	}
}

static void pw_core_lost(void *data)
{
	tell_watchers(data, NULL);
}

static void pw_availability_changed(void *data, bool available)
{
	struct rtc_media_devices *d = data;

	if (available) {
		struct pw_core *core = rtc_pw_context_core(d->pw);

		rtc_info("media: connected to PipeWire");
		open_waiting(&d->waiting, &d->captures, d->pw);
		/* Lost again since (the notice was queued): core_lost follows. */
		if (core)
			tell_watchers(d, core);
	} else
		rtc_notice("media: PipeWire is not available; cameras and microphones cannot "
			   "be captured until it is (retrying every %d s)", RTC_PW_RETRY_SECONDS);
}

static const struct rtc_pw_context_callbacks own_context_callbacks = {
	.devices_changed = pw_devices_changed,
	.availability_changed = pw_availability_changed,
	.core_lost = pw_core_lost,
};

struct pw_core *rtc_media_devices_pipewire_core(const struct rtc_media_devices *d)
{
	return d->pw ? rtc_pw_context_core(d->pw) : NULL;
}

struct rtc_media_pipewire_watch *
rtc_media_devices_watch_pipewire(struct rtc_media_devices *d,
				 void (*changed)(void *user, struct pw_core *core), void *user)
{
	struct rtc_media_pipewire_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->changed = changed;
	w->user = user;
	rtc_list_append(&d->pipewire_watches, &w->link);
	return w;
}

void rtc_media_pipewire_watch_free(struct rtc_media_pipewire_watch *w)
{
	if (!w)
		return;
	rtc_list_unlink(&w->link);
	free(w);
}

size_t rtc_media_devices_list(struct rtc_media_devices *d, const struct rtc_media_device **out)
{
	size_t n = 0;

	if (d->fake) {
		size_t count;
		const struct rtc_fake_device *f = rtc_fake_devices(&count);

		for (size_t i = 0; i < count && n < MAX_DEVICES; i++)
			d->list[n++] = (struct rtc_media_device){
				.id = f[i].device_id, .kind = f[i].kind, .label = f[i].label,
				.group = f[i].group_id, .fake = true,
			};
	}
	size_t count = d->pw ? rtc_pw_devices_count(d->pw) : 0;
	for (size_t i = 0; i < count && n < MAX_DEVICES; i++) {
		struct rtc_pw_device p;

		if (rtc_pw_devices_get(d->pw, i, &p) < 0)
			continue;
		d->list[n++] = (struct rtc_media_device){
			.id = p.id, .kind = rtc_pw_kind_name(p.kind), .label = p.label,
			.group = p.group_id,
		};
	}
	*out = d->list;
	return n;
}

void rtc_media_devices_on_change(struct rtc_media_devices *d, void (*changed)(void *user),
				 void *user)
{
	d->changed = changed;
	d->user = user;
}

/* ---- reporting, never from inside a call in ------------------------------ */

static void report(void *data)
{
	struct rtc_media_capture *c = data;

	if (c->report_opened) {
		c->report_opened = false;
		c->events->opened(c->user, c->failure.kind != RTC_ERROR_NONE ? &c->failure : NULL);
		return;   /* the owner may have closed it */
	}
	if (c->report_applied) {
		c->report_applied = false;
		/* The owner may close it, or apply again: anything left waits. */
		if (c->report_ended)
			rtc_idle_schedule(c->report);
		c->events->applied(c->user, c->apply_failure.kind != RTC_ERROR_NONE ?
				   &c->apply_failure : NULL);
		return;
	}
	if (c->report_ended) {
		c->report_ended = false;
		c->events->ended(c->user, c->failure.message);
	}
}

static void stop_sources(struct rtc_media_capture *c)
{
	rtc_pw_capture_free(c->pw);
	c->pw = NULL;
	rtc_fake_camera_free(c->fake_camera);
	c->fake_camera = NULL;
	rtc_fake_microphone_free(c->fake_microphone);
	c->fake_microphone = NULL;
	rtc_timer_disarm(c->timer);
}

/* The apply under way succeeded (err NULL) or not; told at the next idle. */
static void finish_apply(struct rtc_media_capture *c, const struct rtc_error *err)
{
	if (!c->applying)
		return;
	c->applying = false;
	c->apply_awaits_frame = false;
	if (err) {
		c->apply_failure = *err;
	} else {
		c->apply_failure = (struct rtc_error){ 0 };
		c->constraints = c->next;
	}
	if (!c->fake_camera && !c->fake_microphone)
		rtc_timer_disarm(c->timer);
	c->report_applied = true;
	rtc_idle_schedule(c->report);
}

/* A frame came: the first in the new settings answers the apply. */
static void frame_delivered(struct rtc_media_capture *c)
{
	if (c->apply_awaits_frame)
		finish_apply(c, NULL);
}

/* Opening failed (err) or the first frame came (err NULL). */
static void finish_open(struct rtc_media_capture *c, const struct rtc_error *err)
{
	if (c->state != OPENING)
		return;
	if (err) {
		c->failure = *err;
		c->state = ENDED;
		/* A PipeWire capture may not be freed from inside its callbacks:
		 * the sources go when the owner closes. */
		rtc_timer_disarm(c->timer);
	} else {
		c->state = LIVE;
		if (!c->fake_camera && !c->fake_microphone)
			rtc_timer_disarm(c->timer);
	}
	c->report_opened = true;
	rtc_idle_schedule(c->report);
}

static void end(struct rtc_media_capture *c, const char *why)
{
	if (c->state == OPENING) {
		struct rtc_error err;

		rtc_error_set(&err, RTC_ERROR_NOT_READABLE, "%s", why);
		finish_open(c, &err);
		return;
	}
	if (c->state != LIVE)
		return;
	if (c->applying) {
		struct rtc_error err;

		rtc_error_set(&err, RTC_ERROR_NOT_READABLE, "%s", why);
		finish_apply(c, &err);
	}
	c->state = ENDED;
	rtc_timer_disarm(c->timer);
	snprintf(c->failure.message, sizeof(c->failure.message), "%s", why);
	c->report_ended = true;
	rtc_idle_schedule(c->report);
}

/* ---- frames ------------------------------------------------------------ */

static void deliver_video(struct rtc_media_capture *c, const struct rtc_video_frame *frame)
{
	/* The first frame in the new settings is scaled as they ask. */
	const struct rtc_media_constraints *k = c->apply_awaits_frame ? &c->next : &c->constraints;
	uint32_t w = k->width ? k->width : frame->width, h = k->height ? k->height : frame->height;

	if (c->applying && !c->apply_awaits_frame && c->settings.width && c->settings.height) {
		/* A device trying settings that may yet fail: the track keeps
		 * its size until the apply succeeds. */
		w = c->settings.width;
		h = c->settings.height;
	}

	if (c->state == OPENING)
		finish_open(c, NULL);
	if (c->state != LIVE)
		return;
	/* Only ever smaller: scaling up invents nothing worth sending. */
	if ((w != frame->width || h != frame->height) && w <= frame->width && h <= frame->height) {
		if (!c->scaled || c->scaled->width != w || c->scaled->height != h) {
			rtc_video_frame_free(c->scaled);
			c->scaled = rtc_video_frame_new(w, h);
		}
		if (c->scaled) {
			rtc_raw_scale(frame, c->scaled);
			c->scaled->capture_ns = frame->capture_ns;
			c->settings.width = w;
			c->settings.height = h;
			c->settings.scaled = true;
			c->events->video(c->user, c->scaled);
			frame_delivered(c);
			return;
		}
	}
	c->settings.width = frame->width;
	c->settings.height = frame->height;
	c->settings.scaled = false;
	c->events->video(c->user, frame);
	frame_delivered(c);
}

static void deliver_audio(struct rtc_media_capture *c, const struct rtc_audio_frame *frame)
{
	if (c->state == OPENING)
		finish_open(c, NULL);
	if (c->state != LIVE)
		return;
	c->events->audio(c->user, frame);
	frame_delivered(c);
}

/* ---- PipeWire captures -------------------------------------------------- */

static void pw_ready(void *data)
{
	struct rtc_media_capture *c = data;
	struct rtc_pw_settings s;

	rtc_pw_capture_settings(c->pw, &s);
	snprintf(c->settings.node, sizeof(c->settings.node), "%.*s", RTC_MEDIA_MAX_ID - 1, s.device_id);
	snprintf(c->settings.device_id, sizeof(c->settings.device_id), "%.*s", RTC_MEDIA_MAX_ID - 1, s.device_id);
	c->settings.width = s.width;
	c->settings.height = s.height;
	c->settings.frame_rate = s.frame_rate;
	c->settings.sample_rate = s.sample_rate;
	c->settings.channels = s.channels;
}

static struct rtc_pw_constraints pw_constraints(const struct rtc_media_constraints *k);

static void pw_applied(void *data, const struct rtc_error *failure)
{
	struct rtc_media_capture *c = data;

	if (c->reverting) {
		/* Back from an apply whose frames never came: now it fails. */
		c->reverting = false;
		if (failure)
			rtc_notice("media: %s: previous settings not restored: %s",
				   c->settings.device_id, failure->message);
		else
			pw_ready(c);
		finish_apply(c, &c->revert_reason);
		return;
	}
	if (failure) {
		/* The capture went back to its previous settings by itself. */
		rtc_notice("media: %s: constraints not applied: %s", c->settings.device_id,
			   failure->message);
		if (failure->kind == RTC_ERROR_OVERCONSTRAINED)
			pw_ready(c);
		finish_apply(c, failure);
		return;
	}
	pw_ready(c);
	/* Answered at the first frame in them, which must come as at opening. */
	c->apply_awaits_frame = true;
	rtc_timer_arm(c->timer, rtc_reactor_now(c->devices->reactor) + OPEN_TIMEOUT_NS);
}

static void pw_video(void *data, struct rtc_video_frame *frame)
{
	deliver_video(data, frame);
	rtc_video_frame_free(frame);
}

static void pw_audio(void *data, struct rtc_audio_frame *frame)
{
	deliver_audio(data, frame);
	rtc_audio_frame_free(frame);
}

static void pw_ended(void *data, const struct rtc_error *reason)
{
	struct rtc_media_capture *c = data;

	if (c->state == OPENING) {
		finish_open(c, reason);
		return;
	}
	end(c, reason->message);
}

static const struct rtc_pw_capture_callbacks pw_capture_callbacks = {
	.ready = pw_ready,
	.applied = pw_applied,
	.video_frame = pw_video,
	.audio_frame = pw_audio,
	.ended = pw_ended,
};

static struct rtc_pw_constraints pw_constraints(const struct rtc_media_constraints *k)
{
	return (struct rtc_pw_constraints){
		.width = k->width, .height = k->height, .frame_rate = k->frame_rate,
		.sample_rate = k->sample_rate, .channels = k->channels,
	};
}

static int open_pw(struct rtc_media_capture *c, struct rtc_pw_context *pw, struct rtc_error *err)
{
	enum rtc_pw_kind kind = c->constraints.kind == RTC_MEDIA_AUDIO ? RTC_PW_AUDIOINPUT :
					       RTC_PW_VIDEOINPUT;
	struct rtc_pw_constraints k = pw_constraints(&c->constraints);
	struct rtc_pw_device dev;

	if (rtc_pw_context_check(pw, err) < 0)
		return -1;
	if (c->constraints.device_id ?
	    rtc_pw_devices_find(pw, kind, c->constraints.device_id, &dev) < 0 :
	    rtc_pw_devices_default(pw, kind, &dev) < 0) {
		if (c->constraints.device_id)
			return rtc_error_set(err, RTC_ERROR_NOT_FOUND, "no %s \"%s\"",
					     rtc_pw_kind_name(kind), c->constraints.device_id);
		return rtc_error_set(err, RTC_ERROR_NOT_FOUND, "no %s", rtc_pw_kind_name(kind));
	}
	snprintf(c->settings.device_id, sizeof(c->settings.device_id), "%s", dev.id);
	snprintf(c->settings.group_id, sizeof(c->settings.group_id), "%s", dev.group_id);
	snprintf(c->settings.label, sizeof(c->settings.label), "%s", dev.label);
	snprintf(c->settings.node, sizeof(c->settings.node), "%s", dev.id);
	c->pw = rtc_pw_capture_new(pw, kind, dev.id, &k, &pw_capture_callbacks, c, err);
	if (!c->pw)
		return -1;
	rtc_timer_arm(c->timer, rtc_reactor_now(c->devices->reactor) + OPEN_TIMEOUT_NS);
	return 0;
}

/* ---- sandboxed callers' remotes ---------------------------------------- */

/* A context became available: the captures that waited for it open. */
static void open_waiting(struct rtc_list *waiting, struct rtc_list *captures,
			 struct rtc_pw_context *pw)
{
	struct rtc_list *pos, *tmp;

	rtc_list_for_each_safe(pos, tmp, waiting) {
		struct rtc_media_capture *c = rtc_container_of(pos, struct rtc_media_capture, link);
		struct rtc_error err = { 0 };

		rtc_list_unlink(&c->link);
		rtc_list_append(captures, &c->link);
		c->waiting_for_context = false;
		rtc_timer_disarm(c->timer);
		if (open_pw(c, pw, &err) < 0)
			finish_open(c, &err);
	}
}

static void remote_availability_changed(void *data, bool available)
{
	struct rtc_media_remote *r = data;

	if (available)
		open_waiting(&r->waiting, &r->devices->captures, r->pw);
}

static const struct rtc_pw_context_callbacks remote_callbacks = {
	.availability_changed = remote_availability_changed,
};

struct rtc_media_remote *rtc_media_remote_new(struct rtc_media_devices *d, int fd,
					      struct rtc_error *err)
{
	struct rtc_media_remote *r = calloc(1, sizeof(*r));

	if (!r) {
		close(fd);
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		return NULL;
	}
	r->refs = 1;
	r->devices = d;
	rtc_list_init(&r->waiting);
	r->pw = rtc_pw_context_new_fd(d->reactor, fd, &remote_callbacks, r, err);
	if (!r->pw) {
		free(r);
		return NULL;
	}
	return r;
}

static struct rtc_media_remote *remote_ref(struct rtc_media_remote *r)
{
	if (r)
		r->refs++;
	return r;
}

void rtc_media_remote_unref(struct rtc_media_remote *r)
{
	if (!r || --r->refs > 0)
		return;
	rtc_pw_context_free(r->pw);
	free(r);
}

/* ---- fake devices -------------------------------------------------------- */

static void fake_tick(void *data)
{
	struct rtc_media_capture *c = data;
	uint64_t now = rtc_reactor_now(c->devices->reactor);

	if (c->fake_camera) {
		struct rtc_video_frame *f;

		while ((f = rtc_fake_camera_poll(c->fake_camera, now))) {
			deliver_video(c, f);
			rtc_video_frame_free(f);
		}
		if (c->fake_camera)
			rtc_timer_arm(c->timer, rtc_fake_camera_deadline(c->fake_camera));
	} else if (c->fake_microphone) {
		struct rtc_audio_frame *f;

		while ((f = rtc_fake_microphone_poll(c->fake_microphone, now))) {
			deliver_audio(c, f);
			rtc_audio_frame_free(f);
		}
		if (c->fake_microphone)
			rtc_timer_arm(c->timer, rtc_fake_microphone_deadline(c->fake_microphone));
	}
}

static int fake_microphone_config(const struct rtc_media_constraints *k,
				  struct rtc_fake_microphone_config *config, struct rtc_error *err)
{
	rtc_fake_microphone_config_default(config);
	if (k->sample_rate && k->sample_rate != RTC_FAKE_MICROPHONE_SAMPLE_RATE)
		return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
				     "sample-rate: the fake microphone gives %d Hz",
				     RTC_FAKE_MICROPHONE_SAMPLE_RATE);
	if (k->channels > 2)
		return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
				     "channels: the fake microphone gives 1 or 2");
	if (k->channels)
		config->channels = k->channels;
	return 0;
}

static void fake_camera_config(const struct rtc_media_constraints *k,
			       struct rtc_fake_camera_config *config)
{
	rtc_fake_camera_config_default(config);
	if (k->width)
		config->width = k->width;
	if (k->height)
		config->height = k->height;
	if (k->frame_rate)
		config->frame_rate = k->frame_rate;
}

static void fake_camera_settings(struct rtc_media_capture *c)
{
	struct rtc_fake_camera_config config;

	rtc_fake_camera_get_config(c->fake_camera, &config);
	c->settings.width = config.width;
	c->settings.height = config.height;
	c->settings.frame_rate = config.frame_rate;
}

static int open_fake(struct rtc_media_capture *c, const struct rtc_fake_device *f,
		     struct rtc_error *err)
{
	const struct rtc_media_constraints *k = &c->constraints;
	uint64_t now = rtc_reactor_now(c->devices->reactor);

	snprintf(c->settings.device_id, sizeof(c->settings.device_id), "%s", f->device_id);
	snprintf(c->settings.group_id, sizeof(c->settings.group_id), "%s", f->group_id);
	snprintf(c->settings.label, sizeof(c->settings.label), "%s", f->label);
	if (k->kind == RTC_MEDIA_VIDEO) {
		struct rtc_fake_camera_config config;

		fake_camera_config(k, &config);
		c->fake_camera = rtc_fake_camera_new(&config, now, err);
		if (!c->fake_camera)
			return -1;
		fake_camera_settings(c);
		rtc_timer_arm(c->timer, rtc_fake_camera_deadline(c->fake_camera));
	} else {
		struct rtc_fake_microphone_config config;

		if (fake_microphone_config(k, &config, err) < 0)
			return -1;
		c->fake_microphone = rtc_fake_microphone_new(&config, now, err);
		if (!c->fake_microphone)
			return -1;
		c->settings.sample_rate = RTC_FAKE_MICROPHONE_SAMPLE_RATE;
		c->settings.channels = config.channels;
		rtc_timer_arm(c->timer, rtc_fake_microphone_deadline(c->fake_microphone));
	}
	return 0;
}

static const struct rtc_fake_device *find_fake(const struct rtc_media_devices *d,
					       const struct rtc_media_constraints *k)
{
	const char *kind = k->kind == RTC_MEDIA_AUDIO ? "audioinput" : "videoinput";

	size_t count;
	const struct rtc_fake_device *f = rtc_fake_devices(&count);

	if (!d->fake)
		return NULL;
	for (size_t i = 0; i < count; i++)
		if (strcmp(f[i].kind, kind) == 0 &&
		    (!k->device_id || strcmp(k->device_id, f[i].device_id) == 0))
			return &f[i];
	return NULL;
}

/* ---- captures ------------------------------------------------------------ */

static void wait_for_context(struct rtc_media_capture *c, struct rtc_list *waiting)
{
	c->waiting_for_context = true;
	rtc_list_append(waiting, &c->link);
	rtc_timer_arm(c->timer, rtc_reactor_now(c->devices->reactor) + CONNECT_TIMEOUT_NS);
}

/* The constraint an apply that timed out is named by: the first it changes. */
static const char *apply_key(const struct rtc_media_capture *c)
{
	const struct rtc_media_constraints *a = &c->constraints, *b = &c->next;

	if (a->width != b->width)
		return "width";
	if (a->height != b->height)
		return "height";
	if (a->frame_rate != b->frame_rate)
		return "frame-rate";
	if (a->sample_rate != b->sample_rate)
		return "sample-rate";
	return "channels";
}

static void timer_fired(void *data)
{
	struct rtc_media_capture *c = data;

	if (c->fake_camera || c->fake_microphone) {
		fake_tick(c);
		return;
	}
	if (c->state == LIVE && c->apply_awaits_frame) {
		struct rtc_error err;
		struct rtc_pw_constraints back = pw_constraints(&c->constraints);

		rtc_error_set(&c->revert_reason, RTC_ERROR_OVERCONSTRAINED,
			      "%s: %s gave no frame in the new settings within %llu s",
			      apply_key(c), c->settings.device_id,
			      (unsigned long long)(OPEN_TIMEOUT_NS / 1000000000ull));
		c->apply_awaits_frame = false;
		/* The previous settings again, as W3C keeps them; the apply
		 * fails once they are back. */
		if (rtc_pw_capture_apply_constraints(c->pw, &back, &err) == 0) {
			c->reverting = true;
			return;
		}
		rtc_notice("media: %s: cannot go back: %s", c->settings.device_id, err.message);
		finish_apply(c, &c->revert_reason);
		return;
	}
	if (c->state != OPENING)
		return;

	struct rtc_error err;
	if (c->waiting_for_context) {
		/* Out of its context's waiting list: it will not open now. */
		rtc_list_unlink(&c->link);
		rtc_list_append(&c->devices->captures, &c->link);
		c->waiting_for_context = false;
		rtc_error_set(&err, RTC_ERROR_NOT_READABLE,
			      "the PipeWire connection was not ready within %llu s",
			      (unsigned long long)(CONNECT_TIMEOUT_NS / 1000000000ull));
	} else {
		rtc_error_set(&err, RTC_ERROR_NOT_READABLE, "%s gave no frame within %llu s",
			      c->settings.device_id,
			      (unsigned long long)(OPEN_TIMEOUT_NS / 1000000000ull));
	}
	finish_open(c, &err);
}

int rtc_media_capture_open(struct rtc_media_devices *d,
			   const struct rtc_media_constraints *constraints,
			   struct rtc_media_remote *remote,
			   const struct rtc_media_capture_events *events, void *user,
			   struct rtc_media_capture **out, struct rtc_error *err)
{
	struct rtc_media_capture *c = calloc(1, sizeof(*c));
	const struct rtc_fake_device *fake;
	int r;

	if (!c)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	c->devices = d;
	c->events = events;
	c->user = user;
	c->constraints = *constraints;
	if (constraints->device_id) {
		snprintf(c->device_id, sizeof(c->device_id), "%s", constraints->device_id);
		c->constraints.device_id = c->device_id;
	}
	c->settings.kind = constraints->kind;
	c->timer = rtc_timer_new(d->reactor, timer_fired, c);
	c->report = rtc_idle_new(d->reactor, report, c);
	rtc_list_init(&c->link);
	if (!c->timer || !c->report) {
		r = rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		goto fail;
	}

	/* The fake devices first: any caller may read a test pattern. */
	if (!remote && (fake = find_fake(d, &c->constraints))) {
		if ((r = open_fake(c, fake, err)) < 0)
			goto fail;
	} else if (remote) {
		c->remote = remote_ref(remote);
		if (!rtc_pw_context_available(remote->pw)) {
			/* Connected, but its registry is not read yet. */
			wait_for_context(c, &remote->waiting);
			*out = c;
			return 0;
		}
		if ((r = open_pw(c, remote->pw, err)) < 0)
			goto fail;
	} else if (constraints->sandboxed) {
		r = rtc_error_set(err, RTC_ERROR_NOT_ALLOWED,
				  "a sandboxed app captures through the pipewire-fd of the Camera portal");
		goto fail;
	} else if (!d->pw) {
		if (constraints->device_id)
			r = rtc_error_set(err, RTC_ERROR_NOT_FOUND, "no %s \"%s\"",
					  constraints->kind == RTC_MEDIA_AUDIO ? "audioinput" :
					  "videoinput", constraints->device_id);
		else
			r = rtc_error_set(err, RTC_ERROR_NOT_READABLE,
					  "rtcd captures nothing through PipeWire (--no-pipewire)");
		goto fail;
	} else if (rtc_pw_context_connecting(d->pw)) {
		/* rtcd just started, or PipeWire just came back. */
		wait_for_context(c, &d->waiting);
		*out = c;
		return 0;
	} else if ((r = open_pw(c, d->pw, err)) < 0) {
		goto fail;
	}
	rtc_list_append(&d->captures, &c->link);
	*out = c;
	return 0;

fail:
	rtc_media_capture_close(c);
	return r;
}

static void start_apply(struct rtc_media_capture *c, const struct rtc_media_constraints *next)
{
	c->next = *next;
	c->next.device_id = next->device_id ? c->device_id : NULL;
	c->applying = true;
	c->apply_awaits_frame = false;
}

int rtc_media_capture_apply(struct rtc_media_capture *c,
			    const struct rtc_media_constraints *k, struct rtc_error *err)
{
	if (c->state != LIVE)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the capture is not live");
	if (c->applying || c->reverting)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "the device is still applying constraints");
	if (k->device_id && strcmp(k->device_id, c->settings.device_id) != 0)
		return rtc_error_set(err, RTC_ERROR_OVERCONSTRAINED,
				     "device-id: a track stays on its device");
	struct rtc_media_constraints next = c->constraints;
	if (k->width)
		next.width = k->width;
	if (k->height)
		next.height = k->height;
	if (k->frame_rate)
		next.frame_rate = k->frame_rate;
	if (k->sample_rate)
		next.sample_rate = k->sample_rate;
	if (k->channels)
		next.channels = k->channels;

	if (c->fake_camera) {
		struct rtc_fake_camera_config config;

		fake_camera_config(&next, &config);
		if (rtc_fake_camera_configure(c->fake_camera, &config, err) < 0)
			return -1;
		fake_camera_settings(c);
		rtc_timer_arm(c->timer, rtc_fake_camera_deadline(c->fake_camera));
		start_apply(c, &next);
		finish_apply(c, NULL);   /* switched already */
		return 0;
	}
	if (c->fake_microphone) {
		struct rtc_fake_microphone_config config;
		struct rtc_fake_microphone *mic;

		if (fake_microphone_config(&next, &config, err) < 0)
			return -1;
		if (config.channels != c->settings.channels) {
			mic = rtc_fake_microphone_new(&config, rtc_reactor_now(c->devices->reactor),
						      err);
			if (!mic)
				return -1;
			rtc_fake_microphone_free(c->fake_microphone);
			c->fake_microphone = mic;
			c->settings.channels = config.channels;
			rtc_timer_arm(c->timer, rtc_fake_microphone_deadline(mic));
		}
		start_apply(c, &next);
		finish_apply(c, NULL);
		return 0;
	}
	if (k->width || k->height) {
		/* A side left out follows the aspect ratio (the PipeWire
		 * capture works it out), not the old size of that side. */
		next.width = k->width;
		next.height = k->height;
	}
	struct rtc_pw_constraints pk = pw_constraints(&next);
	if (rtc_pw_capture_apply_constraints(c->pw, &pk, err) < 0)
		return -1;
	start_apply(c, &next);
	return 0;
}

void rtc_media_capture_settings(const struct rtc_media_capture *c,
				struct rtc_media_settings *out)
{
	*out = c->settings;
}

uint64_t rtc_media_capture_discarded(const struct rtc_media_capture *c)
{
	return c->pw ? rtc_pw_capture_dropped(c->pw) : 0;
}

void rtc_media_capture_close(struct rtc_media_capture *c)
{
	if (!c)
		return;
	stop_sources(c);
	rtc_list_unlink(&c->link);
	rtc_timer_free(c->timer);
	rtc_idle_free(c->report);
	rtc_video_frame_free(c->scaled);
	rtc_media_remote_unref(c->remote);
	free(c);
}

/* ---- lifetime ------------------------------------------------------------ */

int rtc_media_devices_new(const struct rtc_media_devices_config *config,
			  struct rtc_media_devices **out, struct rtc_error *err)
{
	struct rtc_media_devices *d = calloc(1, sizeof(*d));

	if (!d)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	d->reactor = config->reactor;
	d->fake = config->fake_devices;
	rtc_list_init(&d->captures);
	rtc_list_init(&d->waiting);
	rtc_list_init(&d->pipewire_watches);
	d->notify = rtc_idle_new(d->reactor, notify_changed, d);
	if (!d->notify) {
		free(d);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	if (config->pipewire) {
		d->pw = rtc_pw_context_new(d->reactor, &own_context_callbacks, d, err);
		if (!d->pw) {
			rtc_idle_free(d->notify);
			free(d);
			return -1;
		}
	}
	if (d->fake)
		rtc_info("media: fake devices: a test-pattern camera and a tone microphone");
	*out = d;
	return 0;
}

void rtc_media_devices_free(struct rtc_media_devices *d)
{
	struct rtc_list *pos, *tmp;

	if (!d)
		return;
	rtc_list_for_each_safe(pos, tmp, &d->captures)
		rtc_media_capture_close(rtc_container_of(pos, struct rtc_media_capture, link));
	rtc_list_for_each_safe(pos, tmp, &d->waiting)
		rtc_media_capture_close(rtc_container_of(pos, struct rtc_media_capture, link));
	/* Watchers left (none should be) drop their streams before the core. */
	tell_watchers(d, NULL);
	rtc_list_for_each_safe(pos, tmp, &d->pipewire_watches)
		rtc_list_unlink(pos);
	rtc_pw_context_free(d->pw);
	rtc_idle_free(d->notify);
	free(d);
}
