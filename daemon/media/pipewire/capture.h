/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One capture stream: a camera or microphone node of a PipeWire context,
 * read through a pw_stream, delivered as I420 video frames or S16
 * interleaved audio frames (media/raw/raw-frame.h) on the reactor thread.
 *
 * Video: the camera may give I420, NV12, YUY2 or MJPG (converted with
 * media/raw/convert.h). The constrained size and rate are offered exactly
 * first, then as preferred values of ranges. A camera that ends up larger
 * than asked (it runs for another consumer at that size, and PipeWire
 * cannot renegotiate a running node) is cropped to the asked aspect ratio
 * and scaled down; smaller than asked, or slower, is OverconstrainedError.
 * Frame-rate is a minimum: a faster camera is delivered as it is.
 * Audio: S16LE or F32LE (converted to S16), at the constrained rate and
 * channel count (48 kHz mono by default), which PipeWire's own converter
 * provides from whatever the device does.
 *
 * Life: rtc_pw_capture_new checks what it can at once (context available,
 * device known, constraints sane); then the stream negotiates, and exactly
 * one of these follows: `ready` (settings are what was negotiated, frames
 * start) or `ended` with OverconstrainedError (naming the constraint the
 * device could not meet) or NotReadableError. After ready, `ended` comes at
 * most once: the node went away (unplugged, its program quit), PipeWire
 * died, or the stream failed. After ended the capture delivers nothing more;
 * the owner still frees it. ready, applied and ended run from the reactor,
 * not inside PipeWire, so they may free the capture.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "media/pipewire/context.h"
#include "media/pipewire/devices.h"
#include "media/raw/raw-frame.h"

struct rtc_pw_capture;

/* 0 = no constraint (camera's preferred / 640x480@30, 48000 Hz, 1 channel). */
struct rtc_pw_constraints {
	uint32_t width, height;
	double frame_rate;
	uint32_t sample_rate;
	uint32_t channels;
};

/* What was negotiated (W3C MediaTrackSettings); video or audio fields. */
struct rtc_pw_settings {
	char device_id[256];
	uint32_t width, height;
	double frame_rate;
	uint32_t sample_rate;
	uint32_t channels;
	const char *format;      /* "I420", "NV12", "YUY2", "MJPG", "S16LE", "F32LE" */
};

struct rtc_pw_capture_callbacks {
	void (*ready)(void *userdata);
	/* The outcome of rtc_pw_capture_apply_constraints: NULL when the new
	 * settings are in force, else why not (OverconstrainedError naming the
	 * constraint), said only once the capture is back on its previous
	 * settings. */
	void (*applied)(void *userdata, const struct rtc_error *failure);
	/* A frame, the callee's to keep (free it with rtc_*_frame_free).
	 * capture_ns: CLOCK_MONOTONIC when it reached rtcd. Must not free
	 * the capture. Exactly one of the two for the capture's kind. */
	void (*video_frame)(void *userdata, struct rtc_video_frame *frame);
	void (*audio_frame)(void *userdata, struct rtc_audio_frame *frame);
	/* The capture ended; reason->kind says why (NotReadableError, or
	 * OverconstrainedError before ready). */
	void (*ended)(void *userdata, const struct rtc_error *reason);
};

/* kind: RTC_PW_AUDIOINPUT or RTC_PW_VIDEOINPUT. device_id: a node.name
 * from the device list, or NULL for the default device of that kind.
 * Errors: NotReadableError (context unavailable), NotFoundError (no such
 * device, or no device of that kind), OverconstrainedError (a value no
 * device can give: zero-sized, odd or over RTC_VIDEO_MAX_DIMENSION, a rate
 * outside 1..240 fps or 8000..192000 Hz, channels outside 1..8),
 * TypeError (wrong kind). */
struct rtc_pw_capture *rtc_pw_capture_new(struct rtc_pw_context *ctx, enum rtc_pw_kind kind,
					  const char *device_id,
					  const struct rtc_pw_constraints *constraints,
					  const struct rtc_pw_capture_callbacks *cb, void *userdata,
					  struct rtc_error *err);

/* Stops and frees; no callback after this. Not from its frame callback. */
void rtc_pw_capture_free(struct rtc_pw_capture *cap);

enum rtc_pw_kind rtc_pw_capture_kind(const struct rtc_pw_capture *cap);
/* true between ready and ended. */
bool rtc_pw_capture_running(const struct rtc_pw_capture *cap);
/* Frames the device delivered that could not be read (a corrupt MJPG, a
 * buffer too small for the format), dropped rather than delivered. */
uint64_t rtc_pw_capture_dropped(const struct rtc_pw_capture *cap);
/* The negotiated settings; device_id alone before ready. */
void rtc_pw_capture_settings(const struct rtc_pw_capture *cap, struct rtc_pw_settings *out);

/* New constraints for a running capture (W3C applyConstraints): checked as
 * in rtc_pw_capture_new, then the stream renegotiates and `applied` says
 * how it went (frames then have the new size). Fields left 0 keep their
 * current values. -1 with err (nothing changed) when the values are
 * invalid, the capture is not running or an apply is still under way. */
int rtc_pw_capture_apply_constraints(struct rtc_pw_capture *cap,
				     const struct rtc_pw_constraints *constraints,
				     struct rtc_error *err);
