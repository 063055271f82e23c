/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The service manager notification protocol of sd_notify(3): one datagram
 * to $NOTIFY_SOCKET. systemd documents it as stable and meant to be
 * reimplemented, which saves rtcd a dependency on libsystemd.
 */
#pragma once

/* Sends `state` (e.g. "READY=1\nSTATUS=..."). Returns 1 if sent, 0 if not
 * run by a service manager, -errno on failure. */
int rtc_sd_notify(const char *state);
