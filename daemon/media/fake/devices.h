/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake devices as EnumerateDevices lists them (device-id, kind, label,
 * group-id), beside or instead of PipeWire's, when rtcd runs with
 * --fake-media-devices. One group: they are one virtual device.
 */
#pragma once

#include <stddef.h>

#define RTC_FAKE_CAMERA_ID "rtcd-fake-camera"
#define RTC_FAKE_MICROPHONE_ID "rtcd-fake-microphone"
#define RTC_FAKE_GROUP_ID "rtcd-fake-devices"

struct rtc_fake_device {
	const char *device_id;
	const char *kind;          /* "videoinput" | "audioinput" */
	const char *label;
	const char *group_id;
};

/* The camera and the microphone, in that order; *count set to 2. */
const struct rtc_fake_device *rtc_fake_devices(size_t *count);

/* The device of that id, or NULL. */
const struct rtc_fake_device *rtc_fake_device_find(const char *device_id);
