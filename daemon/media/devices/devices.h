/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What GetUserMedia captures from, behind one interface: the user's
 * PipeWire (cameras, microphones, outputs), a PipeWire connection a
 * sandboxed caller hands in from the Camera portal, and the fake devices
 * (--fake-media-devices: a test-pattern camera and a tone microphone).
 *
 * Runs on the reactor thread. Opening a capture is asynchronous, as W3C's
 * getUserMedia is: `opened` comes once the device delivered its first
 * frame (or with the reason it could not); a capture that never started
 * cannot be handed to an app as a live track.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "media/raw/raw-frame.h"

struct rtc_reactor;
struct rtc_media_devices;
struct rtc_media_capture;
struct rtc_media_remote;
struct rtc_media_pipewire_watch;
struct pw_core;

enum rtc_media_kind { RTC_MEDIA_AUDIO, RTC_MEDIA_VIDEO };

/* One entry of EnumerateDevices. */
struct rtc_media_device {
	const char *id;         /* device-id: the node's node.name, or the fake's id */
	const char *kind;       /* "audioinput" | "videoinput" | "audiooutput" */
	const char *label;
	const char *group;      /* group-id: devices of one physical device share it */
	bool fake;              /* one of --fake-media-devices */
};

/* Longest device-id, label or node name kept, with its NUL. */
#define RTC_MEDIA_MAX_ID 128

struct rtc_media_devices_config {
	struct rtc_reactor *reactor;
	bool fake_devices;      /* list (and capture from) the fake devices */
	bool pipewire;          /* connect to the user's PipeWire */
};

int rtc_media_devices_new(const struct rtc_media_devices_config *config,
			  struct rtc_media_devices **out, struct rtc_error *err);
/* Ends every capture (their `ended` is not called) and frees. */
void rtc_media_devices_free(struct rtc_media_devices *devices);
/* changed(user) when a device came or went (DeviceChange); coalesced,
 * never from inside a call into devices. */
void rtc_media_devices_on_change(struct rtc_media_devices *devices,
				 void (*changed)(void *user), void *user);

/* The devices now, fake ones first; valid until the next return to the
 * reactor. */
size_t rtc_media_devices_list(struct rtc_media_devices *devices,
			      const struct rtc_media_device **out);

/* GetUserMedia's constraints for one kind; 0 (or NULL) = not constrained.
 * Video sizes and rates are met by the device or by scaling down; what
 * neither can do is OverconstrainedError naming the constraint. */
struct rtc_media_constraints {
	enum rtc_media_kind kind;
	const char *device_id;  /* NULL: the default device of the kind (copied) */
	uint32_t width, height;
	double frame_rate;
	uint32_t sample_rate, channels;
	/* A sandboxed caller: never the daemon's own PipeWire (only a remote
	 * of its own, or the fake devices); NotAllowedError otherwise. */
	bool sandboxed;
};

/* What a capture delivers (MediaTrackSettings). */
struct rtc_media_settings {
	enum rtc_media_kind kind;
	char device_id[RTC_MEDIA_MAX_ID];
	char group_id[RTC_MEDIA_MAX_ID];
	char label[RTC_MEDIA_MAX_ID];
	char node[RTC_MEDIA_MAX_ID];         /* the PipeWire node captured from; "" for fake devices */
	uint32_t width, height;
	double frame_rate;
	uint32_t sample_rate, channels;
	bool scaled;            /* frames are scaled from the device's size */
};

struct rtc_media_capture_events {
	/* Started (err NULL) or could not (err says why: NotFoundError,
	 * OverconstrainedError, NotReadableError, NotAllowedError). Called
	 * once, never from inside open; a failed capture delivers nothing
	 * more and waits for close. */
	void (*opened)(void *user, const struct rtc_error *err);
	/* A frame, lent for the call (copy what must outlive it). */
	void (*video)(void *user, const struct rtc_video_frame *frame);
	void (*audio)(void *user, const struct rtc_audio_frame *frame);
	/* The device went away (unplugged, PipeWire gone): no more frames.
	 * Called once; the capture stays until closed. */
	void (*ended)(void *user, const char *reason);
	/* The outcome of rtc_media_capture_apply, once per apply that returned
	 * 0: NULL when the device delivers the new settings (a frame in them
	 * came; the fake devices switch at once), else why not —
	 * OverconstrainedError naming the constraint the device could not
	 * meet, or did not renegotiate to within 5 s, and the capture went
	 * back to its previous settings; NotReadableError when it ended
	 * meanwhile (`ended` follows). Never from inside a call in. */
	void (*applied)(void *user, const struct rtc_error *err);
};

/* A sandboxed caller's PipeWire connection, from the Camera portal: the
 * fd is taken over in every case. Captures through it see only what that
 * connection allows, never the daemon's own devices. Each capture holds a
 * reference; NULL with err (NotReadableError) when it does not connect. */
struct rtc_media_remote *rtc_media_remote_new(struct rtc_media_devices *devices, int fd,
					      struct rtc_error *err);
void rtc_media_remote_unref(struct rtc_media_remote *remote);

/* Starts capturing, through `remote` (NULL: the daemon's own PipeWire and
 * the fake devices). -1 with err for what is wrong before any device is
 * asked (TypeError, NotFoundError for an id no device has,
 * NotReadableError with no PipeWire): no capture, no event. Otherwise
 * *out is the capture, which the caller closes whatever happens. */
int rtc_media_capture_open(struct rtc_media_devices *devices,
			   const struct rtc_media_constraints *constraints,
			   struct rtc_media_remote *remote,
			   const struct rtc_media_capture_events *events, void *user,
			   struct rtc_media_capture **out, struct rtc_error *err);
/* ApplyConstraints: new size, rate or channels (device_id must be the
 * same or NULL). -1 with err for what is wrong at once (nothing changed,
 * no event; InvalidStateError while another apply is under way); else
 * `applied` tells the outcome, and the settings stay the previous ones
 * until then. */
int rtc_media_capture_apply(struct rtc_media_capture *capture,
			    const struct rtc_media_constraints *constraints,
			    struct rtc_error *err);
void rtc_media_capture_settings(const struct rtc_media_capture *capture,
				struct rtc_media_settings *out);
/* Frames the device gave that could not be read (a corrupt MJPG): W3C
 * discardedFrames. */
uint64_t rtc_media_capture_discarded(const struct rtc_media_capture *capture);
/* Stops and frees; no event after. */
void rtc_media_capture_close(struct rtc_media_capture *capture);

/* ---- what rtcd publishes: remote tracks' nodes, Play ---------------------- */

/* The daemon's own PipeWire connection, to make streams on; NULL while
 * PipeWire is not there (or with pipewire off). */
struct pw_core *rtc_media_devices_pipewire_core(const struct rtc_media_devices *devices);

/* changed(user, core) when the daemon's own connection came up (core: make
 * your streams now) or is about to be torn down (core NULL: destroy every
 * stream made on the old core before returning; it is still alive then).
 * Never called from inside a call into devices; a callback may not free
 * watches. The connection is retried in the background, so "up" follows
 * "down" whenever PipeWire comes back. */
struct rtc_media_pipewire_watch *
rtc_media_devices_watch_pipewire(struct rtc_media_devices *devices,
				 void (*changed)(void *user, struct pw_core *core), void *user);
void rtc_media_pipewire_watch_free(struct rtc_media_pipewire_watch *watch);
