/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the library's modules share and applications never see.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>

#include "rtc/client.h"

#define RTC_EXPORT __attribute__((visibility("default")))

#define RTCD_SERVICE       "org.rtcd.WebRTC1"
#define RTCD_ROOT_PATH     "/org/rtcd/WebRTC1"
#define RTCD_IFACE_MANAGER "org.rtcd.WebRTC1.Manager"
#define RTCD_IFACE_PC      "org.rtcd.WebRTC1.PeerConnection"
#define RTCD_IFACE_DC      "org.rtcd.WebRTC1.DataChannel"
#define RTCD_IFACE_TRANSCEIVER "org.rtcd.WebRTC1.RtpTransceiver"
#define RTCD_IFACE_TRACK   "org.rtcd.WebRTC1.MediaStreamTrack"
#define RTCD_IFACE_PREFIX  "org.rtcd.WebRTC1."

/* ---- errors (error.c) ---- */

__attribute__((format(printf, 3, 4)))
void rtc_error_setf(rtc_error *error, const char *name, const char *fmt, ...);
/* Moves a libdbus error into ours and frees it. */
void rtc_error_take_dbus(rtc_error *error, DBusError *dbus_error);
void rtc_error_set_oom(rtc_error *error);

/* ---- handles (proxy.c) ---- */

enum rtc_proxy_kind {
	RTC_PROXY_PEER_CONNECTION,
	RTC_PROXY_DATA_CHANNEL,
	RTC_PROXY_TRANSCEIVER,
	RTC_PROXY_TRACK,
};

/*
 * A handle on one daemon object. The client keeps a list of live proxies,
 * without owning them, so an incoming signal reaches the handle the
 * application holds (and its user data).
 */
struct rtc_proxy {
	enum rtc_proxy_kind kind;
	unsigned refs;
	rtc_client *client;   /* holds a reference */
	char *path;
	void *user_data;
	struct rtc_proxy *prev, *next;
};

struct rtc_peer_connection { struct rtc_proxy proxy; };
struct rtc_data_channel { struct rtc_proxy proxy; };
struct rtc_transceiver { struct rtc_proxy proxy; };
struct rtc_track { struct rtc_proxy proxy; };

/* Finds the live proxy for path and kind or makes a new one; +1 reference. */
struct rtc_proxy *rtc_proxy_get(rtc_client *client, enum rtc_proxy_kind kind,
				const char *path, rtc_error *error);
void rtc_proxy_ref(struct rtc_proxy *proxy);
void rtc_proxy_unref(struct rtc_proxy *proxy);

/* Path syntax checks for the contract's object paths. */
bool rtc_path_is_peer_connection(const char *path);
bool rtc_path_is_data_channel(const char *path);
bool rtc_path_is_transceiver(const char *path);
bool rtc_path_is_track(const char *path);
/* A handle for a path the daemon sent, of the kind its syntax says; NULL
 * (error set) for a path of no known kind. */
struct rtc_proxy *rtc_proxy_for_path(rtc_client *client, const char *path, rtc_error *error);

/* ---- the client (client.c) ---- */

struct rtc_client {
	unsigned refs;
	DBusConnection *conn;
	int epoll_fd;
	/* Readable while libdbus holds parsed messages not yet dispatched. */
	int pending_fd;
	int timeout_ms;
	bool disconnected;
	/* Inside dbus_connection_dispatch(), which must not recurse. */
	bool dispatching;
	/* Unique name of the daemon that answered last; signals from anyone
	 * else are ignored, as any peer may send us a unicast signal. */
	char *daemon_name;
	rtc_event_fn event_fn;
	void *event_userdata;
	struct rtc_proxy *proxies;
	/* The DeviceChange match rule is on the bus. */
	bool watching_devices;
};

/* Sends a method call to the daemon and waits for its reply. Consumes
 * `call`. Returns the reply, or NULL with error set. */
DBusMessage *rtc_client_call(rtc_client *client, DBusMessage *call, rtc_error *error);
DBusMessage *rtc_client_new_call(const char *path, const char *interface,
				 const char *method, rtc_error *error);
/* A call with no arguments that returns nothing worth keeping. */
int rtc_client_call_simple(rtc_client *client, const char *path, const char *interface,
			   const char *method, rtc_error *error);
/* Properties.Get; returns the reply, with *value at the variant's contents. */
DBusMessage *rtc_client_get_property(rtc_client *client, const char *path,
				     const char *interface, const char *name,
				     const char *expected_signature,
				     DBusMessageIter *value, rtc_error *error);
char *rtc_client_get_string_property(rtc_client *client, const char *path,
				     const char *interface, const char *name,
				     rtc_error *error);
/* Properties.Get of a "ao" property as a NULL-terminated string array. */
char **rtc_client_get_paths_property(rtc_client *client, const char *path,
				     const char *interface, const char *name,
				     rtc_error *error);
/* Properties.Get of a "b" property. */
int rtc_client_get_bool_property(rtc_client *client, const char *path,
				 const char *interface, const char *name, bool *value,
				 rtc_error *error);
/* Properties.Set of a "b" property. */
int rtc_client_set_bool_property(rtc_client *client, const char *path,
				 const char *interface, const char *name, bool value,
				 rtc_error *error);
/* Asks the bus for the daemon's broadcast DeviceChange (once). */
void rtc_client_watch_devices(rtc_client *client);
/* Reads the single out-argument of the given D-Bus type from a reply. */
bool rtc_reply_read(DBusMessage *reply, int type, void *value, rtc_error *error);

/* ---- signals to events (events.c) ---- */

DBusHandlerResult rtc_events_filter(DBusConnection *conn, DBusMessage *msg, void *data);

/* ---- dictionaries (dict.c) ---- */

struct rtc_dict_entry {
	char *key;
	char *signature;
	char *text;
	int type;          /* D-Bus type code of the value */
	union {
		uint64_t u;
		int64_t i;
		double d;
		bool b;
	} number;
	char *string;      /* for s, o, g */
};

struct rtc_dict {
	struct rtc_dict_entry *entries;
	size_t count;
};

/* Decodes an a{sv} at iter. */
rtc_dict *rtc_dict_from_iter(DBusMessageIter *iter, rtc_error *error);
/* Renders any value at iter as one line of text; NULL on OOM. */
char *rtc_value_to_text(DBusMessageIter *iter);
void rtc_dict_free(rtc_dict *dict);

/* ---- a{sv} encoding (encode.c) ---- */

/* One "key": variant(value) entry of an open a{sv}; type a basic type. */
bool rtc_encode_dict_entry(DBusMessageIter *dict, const char *key, int type,
			   const void *value);

bool rtc_encode_configuration(DBusMessageIter *iter, const struct rtc_configuration *cfg,
			      rtc_error *error);
bool rtc_encode_data_channel_init(DBusMessageIter *iter,
				  const struct rtc_data_channel_init *init, rtc_error *error);
bool rtc_encode_offer_options(DBusMessageIter *iter, const struct rtc_offer_options *opts,
			      rtc_error *error);

/* ---- media a{sv} encoding (encode-media.c) ---- */

bool rtc_encode_media_constraints(DBusMessageIter *iter,
				  const struct rtc_media_constraints *constraints,
				  rtc_error *error);
/* kind: "audio", "video", or NULL for ApplyConstraints (every set key). */
bool rtc_encode_track_constraints(DBusMessageIter *iter, const char *kind,
				  const struct rtc_track_constraints *constraints,
				  rtc_error *error);
bool rtc_encode_transceiver_init(DBusMessageIter *iter,
				 const struct rtc_transceiver_init *init, rtc_error *error);
bool rtc_encode_rtp_parameters(DBusMessageIter *iter,
			       const struct rtc_rtp_parameters *parameters, rtc_error *error);
/* Appends a NULL-terminated string array (NULL = empty) as "as". */
bool rtc_encode_strv(DBusMessageIter *iter, const char *const *strv, rtc_error *error);
