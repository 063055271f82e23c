/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The API layer: the D-Bus objects of the contract (Manager, PeerConnection,
 * DataChannel, MediaStreamTrack). One file per interface; each decodes arguments, calls the
 * engine and encodes results and errors. No protocol logic lives here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct rtc_bus;
struct rtc_api;
struct rtc_reactor;
struct rtc_net_options;
struct rtc_media_devices;

/* Registers the Manager object at the root path. `net` (the daemon's network
 * policy) and `media` (its devices) must outlive the API. Returns 0 or
 * -ENOMEM/-EEXIST. */
int rtc_api_new(struct rtc_reactor *reactor, struct rtc_bus *bus,
		const struct rtc_net_options *net, struct rtc_media_devices *media,
		struct rtc_api **out);
/* The callback for rtc_media_devices_config.changed (DeviceChange). */
void rtc_api_devices_changed(void *api);
/* Closes every peer connection (their owners are told) and frees everything. */
void rtc_api_free(struct rtc_api *api);
/* A client left the bus: close and free everything it owned. */
void rtc_api_client_gone(struct rtc_api *api, const char *unique_name);
size_t rtc_api_peer_connection_count(const struct rtc_api *api);
/* A client is behind in reading its signals (over), or has caught up: its
 * peer connections stop (restart) taking data channel messages from SCTP. */
void rtc_api_client_backlog(struct rtc_api *api, const char *unique_name, bool over);
/* A client is taken for not reading at all (RTC_BUS_READER_SILENT): its
 * channels that deliver by signal get an Error and are closed, and what
 * they held is released. */
void rtc_api_client_silent(struct rtc_api *api, const char *unique_name);
