/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/fake/devices.h"

#include <string.h>

static const struct rtc_fake_device devices[] = {
	{ RTC_FAKE_CAMERA_ID, "videoinput", "rtcd fake camera (test pattern)", RTC_FAKE_GROUP_ID },
	{ RTC_FAKE_MICROPHONE_ID, "audioinput", "rtcd fake microphone (tone)",
	  RTC_FAKE_GROUP_ID },
};

const struct rtc_fake_device *rtc_fake_devices(size_t *count)
{
	*count = sizeof(devices) / sizeof(devices[0]);
	return devices;
}

const struct rtc_fake_device *rtc_fake_device_find(const char *device_id)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (device_id && strcmp(devices[i].device_id, device_id) == 0)
			return &devices[i];
	return NULL;
}
