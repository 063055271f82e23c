/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The capture and output devices a PipeWire context sees, as
 * EnumerateDevices lists them: Audio/Source nodes are audioinput,
 * Video/Source videoinput, Audio/Sink audiooutput.
 *
 * device-id is the node's node.name (what PW_KEY_TARGET_OBJECT takes),
 * label its node.description (else node.nick, else node.name), group-id
 * the name of the device the node belongs to (device.name, else the
 * device's object.serial; a node without a device is its own group).
 * Nodes rtcd publishes itself for remote tracks carry
 * RTC_PW_REMOTE_TRACK_KEY = "true" and are never listed.
 *
 * The list is read from the registry: a node is listed once its full
 * properties arrived. Pointers returned stay valid until the next reactor
 * iteration that runs PipeWire's loop (copy what you keep).
 */
#pragma once

#include <stddef.h>

struct rtc_pw_context;

/* Set to "true" on nodes rtcd publishes for remote tracks (output nodes). */
#define RTC_PW_REMOTE_TRACK_KEY "rtcd.remote-track"

enum rtc_pw_kind {
	RTC_PW_AUDIOINPUT,
	RTC_PW_VIDEOINPUT,
	RTC_PW_AUDIOOUTPUT,
};
#define RTC_PW_KIND_COUNT 3

struct rtc_pw_device {
	enum rtc_pw_kind kind;
	const char *id;          /* node.name */
	const char *label;
	const char *group_id;
};

/* "audioinput", "videoinput", "audiooutput". */
const char *rtc_pw_kind_name(enum rtc_pw_kind kind);

/* The listed devices, in the order they appeared; 0 while unavailable. */
size_t rtc_pw_devices_count(const struct rtc_pw_context *ctx);
/* The i-th device (i < count), filled into *out; 0, or -1 out of range. */
int rtc_pw_devices_get(const struct rtc_pw_context *ctx, size_t i, struct rtc_pw_device *out);
/* The device of that kind and id; 0, or -1 when there is none. */
int rtc_pw_devices_find(const struct rtc_pw_context *ctx, enum rtc_pw_kind kind,
			const char *id, struct rtc_pw_device *out);
/* The default device of a kind: the one WirePlumber's "default" metadata
 * names (default.audio.source, default.video.source, default.audio.sink)
 * when listed, else the first listed of that kind; -1 when there is none. */
int rtc_pw_devices_default(const struct rtc_pw_context *ctx, enum rtc_pw_kind kind,
			   struct rtc_pw_device *out);
