/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every node rtcd publishes for a remote track carries, so the
 * device side (the registry watcher) can tell them from real devices and
 * never offer a remote track back as a camera or microphone.
 */
#pragma once

#define RTC_PW_REMOTE_TRACK_KEY "rtcd.remote-track"
