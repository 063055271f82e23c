/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The default devices as the session manager announces them: WirePlumber
 * writes the "default" metadata's default.audio.source, default.video.source
 * and default.audio.sink keys with JSON values like { "name": "<node.name>" }.
 * Any PipeWire client may write metadata, so the value is untrusted.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "media/pipewire/devices.h"

/* The kind a metadata key is the default of; false for other keys. */
bool rtc_pw_default_key_kind(const char *key, enum rtc_pw_kind *kind);

/* Longer default names are refused (node names are far shorter). */
#define RTC_PW_DEFAULT_NAME_MAX 1024

/* The "name" string of the JSON object in value's len bytes, into out
 * (NUL-terminated, at most size - 1 bytes). 0, or -1 when value is not such
 * an object, has no complete string "name", or the name is empty or does
 * not fit. */
int rtc_pw_default_name_parse(const char *value, size_t len, char *out, size_t size);
