/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * librtc-client: a thin C client for rtcd, the desktop WebRTC daemon.
 *
 * Everything here maps one-to-one onto the D-Bus contract (org.rtcd.WebRTC1,
 * see dbus-api.md): a peer connection or data channel handle wraps the object
 * path of the daemon's object, a method is one D-Bus call, a signal is one
 * event. Nothing is cached: a getter asks the daemon.
 *
 * Conventions, kept for the life of the 0.x soname:
 *
 *  - Types are opaque and reference counted (rtc_*_ref / rtc_*_unref). A
 *    function that returns a handle gives the caller one reference; handles
 *    passed to an event callback are borrowed for the duration of the call.
 *  - Returned strings and arrays belong to the caller: free() a string,
 *    rtc_strv_free() a string array, *_free() anything else.
 *  - Functions that can fail take a trailing `rtc_error *error` (may be NULL)
 *    and return 0 / a non-NULL pointer on success, -1 / NULL on failure with
 *    the error's D-Bus name and message filled in.
 *  - Method calls block until the daemon answers or the client's timeout
 *    (rtc_client_set_timeout) runs out. Events are only delivered from
 *    rtc_client_dispatch(), never from inside a blocking call, so callbacks
 *    never re-enter the application's code unexpectedly.
 *  - No global state. A client and its handles may be used from any thread,
 *    one thread at a time (thread-compatible, not thread-safe).
 *  - Input structs (configuration, data channel init, offer options) begin
 *    with a `size` field that the RTC_*_INIT macros fill with the size the
 *    application was compiled against, so fields can be appended later
 *    without breaking programs built against an older header.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtc_client rtc_client;
typedef struct rtc_peer_connection rtc_peer_connection;
typedef struct rtc_data_channel rtc_data_channel;
typedef struct rtc_dict rtc_dict;
typedef struct rtc_stats_report rtc_stats_report;
typedef struct rtc_object_list rtc_object_list;
typedef struct rtc_transceiver rtc_transceiver;
typedef struct rtc_track rtc_track;

/* ---- Errors --------------------------------------------------------------- */

/*
 * A failed call's D-Bus error. Errors from the daemon keep their names
 * (RTC_ERROR_* below); errors found locally use the standard D-Bus names
 * (org.freedesktop.DBus.Error.InvalidArgs, .NoReply, .Disconnected, ...).
 * Initialise with RTC_ERROR_INIT, release with rtc_error_clear().
 */
typedef struct rtc_error {
	char *name;    /* NULL while no error is set */
	char *message;
} rtc_error;

#define RTC_ERROR_INIT { NULL, NULL }

#define RTC_ERROR_INVALID_STATE         "org.rtcd.WebRTC1.Error.InvalidStateError"
#define RTC_ERROR_INVALID_ACCESS        "org.rtcd.WebRTC1.Error.InvalidAccessError"
#define RTC_ERROR_INVALID_MODIFICATION  "org.rtcd.WebRTC1.Error.InvalidModificationError"
#define RTC_ERROR_OPERATION             "org.rtcd.WebRTC1.Error.OperationError"
#define RTC_ERROR_SYNTAX                "org.rtcd.WebRTC1.Error.SyntaxError"
#define RTC_ERROR_TYPE                  "org.rtcd.WebRTC1.Error.TypeError"
#define RTC_ERROR_NOT_FOUND             "org.rtcd.WebRTC1.Error.NotFoundError"
#define RTC_ERROR_NOT_ALLOWED           "org.rtcd.WebRTC1.Error.NotAllowedError"
#define RTC_ERROR_NOT_READABLE          "org.rtcd.WebRTC1.Error.NotReadableError"
#define RTC_ERROR_OVERCONSTRAINED       "org.rtcd.WebRTC1.Error.OverconstrainedError"
#define RTC_ERROR_NOT_SUPPORTED         "org.rtcd.WebRTC1.Error.NotSupportedError"

void rtc_error_clear(rtc_error *error);
bool rtc_error_is_set(const rtc_error *error);
/* True if the error is set and has exactly this name. */
bool rtc_error_has_name(const rtc_error *error, const char *name);

/* Frees a NULL-terminated string array; NULL is fine. */
void rtc_strv_free(char **strv);

/* ---- The client: one bus connection --------------------------------------- */

enum rtc_bus {
	/* The address in $RTCD_BUS_ADDRESS if set, else the session bus. */
	RTC_BUS_DEFAULT = 0,
	RTC_BUS_SESSION,
	RTC_BUS_SYSTEM,
	/* The address passed to rtc_client_new(). */
	RTC_BUS_ADDRESS,
};

/*
 * Opens a private bus connection (never libdbus's shared one, so the client
 * does not disturb other D-Bus users in the process). `address` is read only
 * with RTC_BUS_ADDRESS.
 */
rtc_client *rtc_client_new(enum rtc_bus bus, const char *address, rtc_error *error);
rtc_client *rtc_client_ref(rtc_client *client);
/* The last reference closes the connection. Objects the client created in the
 * daemon are freed by the daemon when the connection is gone. */
void rtc_client_unref(rtc_client *client);

/* Timeout of each method call in milliseconds; default 25000. */
void rtc_client_set_timeout(rtc_client *client, int timeout_ms);
/* The unique bus name ("1.42") the daemon sees this client as. */
const char *rtc_client_get_unique_name(const rtc_client *client);

/*
 * Main-loop integration: poll the fd for POLLIN (it never needs POLLOUT) and
 * call rtc_client_dispatch() when it is readable. The fd stays readable while
 * events are pending, so a level-triggered loop (poll, epoll, GLib, sd-event)
 * needs nothing more. The fd belongs to the client: do not close or read it.
 */
int rtc_client_get_fd(const rtc_client *client);

/*
 * Reads what the bus has for this client and delivers every complete event
 * to the event callback. Never blocks. Returns 0, or -1 once the connection
 * is lost (an RTC_EVENT_DISCONNECTED event was or is delivered).
 */
int rtc_client_dispatch(rtc_client *client, rtc_error *error);

/*
 * Waits up to timeout_ms (-1: forever) for the fd to become readable, then
 * dispatches. A convenience for tools and tests that have no loop of their
 * own. Returns 1 if it dispatched, 0 on timeout, -1 on error.
 */
int rtc_client_wait(rtc_client *client, int timeout_ms, rtc_error *error);

enum rtc_event_type {
	/* Client: the bus connection was lost. */
	RTC_EVENT_DISCONNECTED = 1,
	/* Peer connection or data channel: one property changed. */
	RTC_EVENT_PROPERTY_CHANGED,
	/* Peer connection signals. */
	RTC_EVENT_NEGOTIATION_NEEDED,
	RTC_EVENT_ICE_CANDIDATE,
	RTC_EVENT_ICE_CANDIDATE_ERROR,
	RTC_EVENT_DATA_CHANNEL,
	RTC_EVENT_TRACK,
	/* Data channel signals. */
	RTC_EVENT_OPEN,
	RTC_EVENT_MESSAGE,
	RTC_EVENT_BUFFERED_AMOUNT_LOW,
	RTC_EVENT_CLOSING,
	RTC_EVENT_CLOSE,
	RTC_EVENT_ERROR,
	/* The daemon removed an object of this client (InterfacesRemoved):
	 * a closed peer connection, one of its channels or transceivers, or a
	 * track. */
	RTC_EVENT_OBJECT_REMOVED,
	/* Manager: a capture or output device came or went (DeviceChange).
	 * Delivered once the client called rtc_client_enumerate_devices() or
	 * rtc_client_get_user_media(). */
	RTC_EVENT_DEVICE_CHANGE,
	/* Track signals: no media for a while, media again, the source ended. */
	RTC_EVENT_MUTE,
	RTC_EVENT_UNMUTE,
	RTC_EVENT_ENDED,
};

/*
 * An event. Allocated by the library and valid only during the callback;
 * copy what you need. Fields not listed for a type are zero/NULL. New fields
 * are only ever appended.
 */
struct rtc_event {
	enum rtc_event_type type;
	/* Object path the event is about (NULL for DISCONNECTED). */
	const char *path;
	/* Peer connection events: the peer connection. DATA_CHANNEL: the peer
	 * connection that received the channel. Borrowed: rtc_*_ref() to keep. */
	rtc_peer_connection *peer_connection;
	/* Data channel events; DATA_CHANNEL: the new channel. Borrowed. */
	rtc_data_channel *data_channel;

	/* PROPERTY_CHANGED: D-Bus name ("SignalingState") and signature ("s")
	 * of the property, and its value: the string itself for "s", otherwise
	 * a readable rendering such as ("offer", "v=0...") or true. value is NULL
	 * when the daemon only invalidated the property. */
	const char *property;
	const char *signature;
	const char *value;

	/* ICE_CANDIDATE: candidate ("" = gathering complete), mid, m-line index
	 * (-1 = not given). ICE_CANDIDATE_ERROR: address, port, url, code. */
	const char *candidate;
	const char *sdp_mid;
	int32_t sdp_mline_index;
	const char *address;
	uint16_t port;
	const char *url;
	uint16_t error_code;

	/* ERROR: W3C error name and message. ICE_CANDIDATE_ERROR: error text.
	 * DISCONNECTED: why. */
	const char *error_name;
	const char *error_message;

	/* MESSAGE: payload; text messages are also NUL-terminated. */
	const void *data;
	size_t size;
	bool binary;

	/* TRACK: transceiver and track paths, NULL-terminated stream ids. */
	const char *transceiver_path;
	const char *track_path;
	const char *const *stream_ids;

	/* OBJECT_REMOVED: the interfaces the object had, NULL-terminated. */
	const char *const *interfaces;

	/* TRACK: the transceiver and the remote track. MUTE, UNMUTE, ENDED and
	 * a track's PROPERTY_CHANGED / OBJECT_REMOVED: the track; a
	 * transceiver's: the transceiver. Borrowed, as the handles above. */
	rtc_track *track;
	rtc_transceiver *transceiver;
};

typedef void (*rtc_event_fn)(rtc_client *client, const struct rtc_event *event,
			     void *userdata);

/* One callback for every event of this client; NULL to stop. */
void rtc_client_set_event_callback(rtc_client *client, rtc_event_fn callback,
				   void *userdata);

/* ---- Manager ---------------------------------------------------------------- */

/* The daemon's version (Manager.Version). */
char *rtc_client_get_version(rtc_client *client, rtc_error *error);

struct rtc_ice_server {
	const char *const *urls;   /* NULL-terminated: stun:, turn:, turns: */
	const char *username;      /* NULL = none */
	const char *credential;    /* NULL = none */
};

/* RTCConfiguration. NULL / -1 fields are left to the daemon's defaults. */
struct rtc_configuration {
	size_t size;
	const struct rtc_ice_server *ice_servers;
	size_t n_ice_servers;
	const char *ice_transport_policy;   /* "all" | "relay" */
	const char *bundle_policy;          /* "balanced" | "max-compat" | "max-bundle" */
	int ice_candidate_pool_size;        /* 0..255, -1 = not set */
};

#define RTC_CONFIGURATION_INIT \
	{ .size = sizeof(struct rtc_configuration), .ice_candidate_pool_size = -1 }

/* Manager.CreatePeerConnection. configuration may be NULL. */
rtc_peer_connection *rtc_client_create_peer_connection(
	rtc_client *client, const struct rtc_configuration *configuration,
	rtc_error *error);

/* A handle for an existing object, e.g. one listed by rtc_client_list_objects.
 * Only the path's syntax is checked; the daemon answers for the rest. */
rtc_peer_connection *rtc_client_get_peer_connection(rtc_client *client, const char *path,
						    rtc_error *error);
rtc_data_channel *rtc_client_get_data_channel(rtc_client *client, const char *path,
					      rtc_error *error);

/* ---- Peer connection ------------------------------------------------------ */

rtc_peer_connection *rtc_peer_connection_ref(rtc_peer_connection *pc);
/* Drops the handle only; the daemon's object stays until
 * rtc_peer_connection_close() or until the client disconnects. */
void rtc_peer_connection_unref(rtc_peer_connection *pc);
const char *rtc_peer_connection_get_path(const rtc_peer_connection *pc);
rtc_client *rtc_peer_connection_get_client(const rtc_peer_connection *pc);
void rtc_peer_connection_set_user_data(rtc_peer_connection *pc, void *user_data);
void *rtc_peer_connection_get_user_data(const rtc_peer_connection *pc);

struct rtc_offer_options {
	size_t size;
	bool ice_restart;
};

#define RTC_OFFER_OPTIONS_INIT { .size = sizeof(struct rtc_offer_options) }

/* options may be NULL. *sdp is the caller's to free(). */
int rtc_peer_connection_create_offer(rtc_peer_connection *pc,
				     const struct rtc_offer_options *options,
				     char **sdp, rtc_error *error);
int rtc_peer_connection_create_answer(rtc_peer_connection *pc, char **sdp,
				      rtc_error *error);
/* type: "offer" | "answer" | "pranswer" | "rollback"; sdp "" or NULL = the
 * implicit description, as in W3C. */
int rtc_peer_connection_set_local_description(rtc_peer_connection *pc, const char *type,
					      const char *sdp, rtc_error *error);
int rtc_peer_connection_set_remote_description(rtc_peer_connection *pc, const char *type,
					       const char *sdp, rtc_error *error);
/* candidate "" = end of candidates; sdp_mline_index -1 = not given. */
int rtc_peer_connection_add_ice_candidate(rtc_peer_connection *pc, const char *candidate,
					  const char *sdp_mid, int32_t sdp_mline_index,
					  rtc_error *error);
int rtc_peer_connection_restart_ice(rtc_peer_connection *pc, rtc_error *error);
/* Closes the peer connection; the daemon removes its object and channels. */
int rtc_peer_connection_close(rtc_peer_connection *pc, rtc_error *error);

/* RTCDataChannelInit. Unset numbers are -1. */
struct rtc_data_channel_init {
	size_t size;
	bool ordered;                  /* default true */
	int32_t max_packet_life_time;  /* ms, 0..65534, -1 = not set */
	int32_t max_retransmits;       /* 0..65534, -1 = not set */
	const char *protocol;          /* NULL = "" */
	bool negotiated;
	int32_t id;                    /* 0..65534, -1 = not set */
};

#define RTC_DATA_CHANNEL_INIT_DEFAULT \
	{ .size = sizeof(struct rtc_data_channel_init), .ordered = true, \
	  .max_packet_life_time = -1, .max_retransmits = -1, .id = -1 }

/* init may be NULL for the defaults. */
rtc_data_channel *rtc_peer_connection_create_data_channel(
	rtc_peer_connection *pc, const char *label,
	const struct rtc_data_channel_init *init, rtc_error *error);

/* State properties: the W3C enum strings ("stable", "new", ...). */
char *rtc_peer_connection_get_signaling_state(rtc_peer_connection *pc, rtc_error *error);
char *rtc_peer_connection_get_ice_gathering_state(rtc_peer_connection *pc, rtc_error *error);
char *rtc_peer_connection_get_ice_connection_state(rtc_peer_connection *pc, rtc_error *error);
char *rtc_peer_connection_get_connection_state(rtc_peer_connection *pc, rtc_error *error);
int rtc_peer_connection_get_can_trickle_ice_candidates(rtc_peer_connection *pc, bool *value,
						       rtc_error *error);

/* LocalDescription / RemoteDescription; both strings "" when there is none.
 * The caller frees both strings. */
int rtc_peer_connection_get_local_description(rtc_peer_connection *pc, char **type,
					      char **sdp, rtc_error *error);
int rtc_peer_connection_get_remote_description(rtc_peer_connection *pc, char **type,
					       char **sdp, rtc_error *error);

/* Object paths of the connection's data channels (DataChannels property). */
char **rtc_peer_connection_get_data_channel_paths(rtc_peer_connection *pc,
						  rtc_error *error);

/* GetStats(): W3C webrtc-stats, one dictionary per stats object. */
rtc_stats_report *rtc_peer_connection_get_stats(rtc_peer_connection *pc, rtc_error *error);

/* ---- Data channel ----------------------------------------------------------- */

rtc_data_channel *rtc_data_channel_ref(rtc_data_channel *dc);
void rtc_data_channel_unref(rtc_data_channel *dc);
const char *rtc_data_channel_get_path(const rtc_data_channel *dc);
rtc_client *rtc_data_channel_get_client(const rtc_data_channel *dc);
void rtc_data_channel_set_user_data(rtc_data_channel *dc, void *user_data);
void *rtc_data_channel_get_user_data(const rtc_data_channel *dc);

int rtc_data_channel_send_text(rtc_data_channel *dc, const char *text, rtc_error *error);
int rtc_data_channel_send_binary(rtc_data_channel *dc, const void *data, size_t size,
				 rtc_error *error);
int rtc_data_channel_close(rtc_data_channel *dc, rtc_error *error);
/* OpenSocket(): a SOCK_SEQPACKET fd the caller owns (see dbus-api.md). */
int rtc_data_channel_open_socket(rtc_data_channel *dc, int *fd, rtc_error *error);

char *rtc_data_channel_get_label(rtc_data_channel *dc, rtc_error *error);
char *rtc_data_channel_get_protocol(rtc_data_channel *dc, rtc_error *error);
char *rtc_data_channel_get_ready_state(rtc_data_channel *dc, rtc_error *error);
int rtc_data_channel_get_id(rtc_data_channel *dc, uint16_t *id, rtc_error *error);
int rtc_data_channel_get_ordered(rtc_data_channel *dc, bool *ordered, rtc_error *error);
int rtc_data_channel_get_negotiated(rtc_data_channel *dc, bool *negotiated,
				    rtc_error *error);
/* 0xffff = not set. */
int rtc_data_channel_get_max_packet_life_time(rtc_data_channel *dc, uint16_t *ms,
					      rtc_error *error);
int rtc_data_channel_get_max_retransmits(rtc_data_channel *dc, uint16_t *count,
					 rtc_error *error);
int rtc_data_channel_get_buffered_amount(rtc_data_channel *dc, uint64_t *bytes,
					 rtc_error *error);
int rtc_data_channel_set_buffered_amount_low_threshold(rtc_data_channel *dc,
						       uint64_t bytes, rtc_error *error);

/* ---- Media: devices and GetUserMedia -------------------------------------- */

/*
 * The constraints of one kind of track (GetUserMedia's "audio" or "video"
 * dictionary, ApplyConstraints). Unset fields are NULL / 0; only set ones
 * are sent. Video: device_id, width, height, frame_rate; audio: device_id,
 * sample_rate, channels.
 */
struct rtc_track_constraints {
	size_t size;
	const char *device_id;   /* the PipeWire node.name; NULL = any */
	uint32_t width, height;
	double frame_rate;
	uint32_t sample_rate;
	uint32_t channels;
};

#define RTC_TRACK_CONSTRAINTS_INIT { .size = sizeof(struct rtc_track_constraints) }

/* GetUserMedia's argument: audio and video as booleans, or with
 * constraints (which imply true). */
struct rtc_media_constraints {
	size_t size;
	bool audio;
	bool video;
	const struct rtc_track_constraints *audio_constraints;   /* NULL: none */
	const struct rtc_track_constraints *video_constraints;   /* NULL: none */
	/* A PipeWire remote from the Camera portal (sandboxed apps), -1 = none;
	 * it stays the caller's (D-Bus passes a duplicate). */
	int pipewire_fd;
};

#define RTC_MEDIA_CONSTRAINTS_INIT \
	{ .size = sizeof(struct rtc_media_constraints), .pipewire_fd = -1 }

/*
 * Manager.GetUserMedia: returns a NULL-terminated array of new tracks,
 * audio first, once every device delivered its first frame. Free it with
 * rtc_track_array_free() (which drops the handles, not the tracks: stop
 * them with rtc_track_stop()).
 */
rtc_track **rtc_client_get_user_media(rtc_client *client,
				      const struct rtc_media_constraints *constraints,
				      rtc_error *error);
/* Unrefs each track and frees the array; NULL is fine. */
void rtc_track_array_free(rtc_track **tracks);

/* One device of Manager.EnumerateDevices (W3C MediaDeviceInfo). */
struct rtc_media_device {
	char *device_id;
	char *kind;       /* "audioinput" | "videoinput" | "audiooutput" */
	char *label;
	char *group_id;
};

/* The devices, *n_devices of them; free with rtc_media_devices_free(). */
struct rtc_media_device *rtc_client_enumerate_devices(rtc_client *client, size_t *n_devices,
						      rtc_error *error);
void rtc_media_devices_free(struct rtc_media_device *devices, size_t n_devices);

/* ---- Peer connection: tracks and transceivers ------------------------------ */

/* AddTrack: stream_ids NULL-terminated, NULL = none. A new handle on the
 * transceiver that sends the track. */
rtc_transceiver *rtc_peer_connection_add_track(rtc_peer_connection *pc, rtc_track *track,
					       const char *const *stream_ids,
					       rtc_error *error);
/* RemoveTrack(sender): the transceiver stops sending. */
int rtc_peer_connection_remove_track(rtc_peer_connection *pc, rtc_transceiver *transceiver,
				     rtc_error *error);

/* RTCRtpTransceiverInit; NULL fields are left to the daemon (W3C defaults). */
struct rtc_transceiver_init {
	size_t size;
	const char *direction;               /* "sendrecv" ... */
	const char *const *stream_ids;       /* NULL-terminated */
};

#define RTC_TRANSCEIVER_INIT { .size = sizeof(struct rtc_transceiver_init) }

/* AddTransceiver: kind "audio" | "video"; init may be NULL. */
rtc_transceiver *rtc_peer_connection_add_transceiver(rtc_peer_connection *pc,
						     const char *kind,
						     const struct rtc_transceiver_init *init,
						     rtc_error *error);
/* Object paths of the Transceivers property (stopped ones left out). */
char **rtc_peer_connection_get_transceiver_paths(rtc_peer_connection *pc, rtc_error *error);

/* ---- Transceiver ------------------------------------------------------------ */

rtc_transceiver *rtc_client_get_transceiver(rtc_client *client, const char *path,
					    rtc_error *error);
rtc_transceiver *rtc_transceiver_ref(rtc_transceiver *transceiver);
void rtc_transceiver_unref(rtc_transceiver *transceiver);
const char *rtc_transceiver_get_path(const rtc_transceiver *transceiver);
rtc_client *rtc_transceiver_get_client(const rtc_transceiver *transceiver);
void rtc_transceiver_set_user_data(rtc_transceiver *transceiver, void *user_data);
void *rtc_transceiver_get_user_data(const rtc_transceiver *transceiver);

/* Mid ("" until negotiated), Kind, Direction, CurrentDirection ("" until
 * negotiated: W3C null). */
char *rtc_transceiver_get_mid(rtc_transceiver *transceiver, rtc_error *error);
char *rtc_transceiver_get_kind(rtc_transceiver *transceiver, rtc_error *error);
char *rtc_transceiver_get_direction(rtc_transceiver *transceiver, rtc_error *error);
char *rtc_transceiver_get_current_direction(rtc_transceiver *transceiver, rtc_error *error);
/* SenderTrack / ReceiverTrack: *track is a new handle, or NULL when there
 * is none ("/" on the bus). */
int rtc_transceiver_get_sender_track(rtc_transceiver *transceiver, rtc_track **track,
				     rtc_error *error);
int rtc_transceiver_get_receiver_track(rtc_transceiver *transceiver, rtc_track **track,
				       rtc_error *error);

/* One negotiated codec (Codecs property). */
struct rtc_codec {
	char *mime_type;        /* "video/VP8" */
	uint32_t clock_rate;
	uint8_t channels;       /* 0 for video */
	char *sdp_fmtp_line;    /* "" = none */
	uint8_t payload_type;
};

struct rtc_codec *rtc_transceiver_get_codecs(rtc_transceiver *transceiver, size_t *n_codecs,
					     rtc_error *error);
void rtc_codecs_free(struct rtc_codec *codecs, size_t n_codecs);

int rtc_transceiver_set_direction(rtc_transceiver *transceiver, const char *direction,
				  rtc_error *error);
/* track NULL = send nothing; no renegotiation. */
int rtc_transceiver_replace_track(rtc_transceiver *transceiver, rtc_track *track,
				  rtc_error *error);

/* RTCRtpEncodingParameters; a negative value (active: -1) = leave as is. */
struct rtc_rtp_parameters {
	size_t size;
	int64_t max_bitrate;                 /* bits/s */
	double max_framerate;
	double scale_resolution_down_by;     /* ≥ 1 */
	int active;                          /* 0 false, 1 true */
};

#define RTC_RTP_PARAMETERS_INIT \
	{ .size = sizeof(struct rtc_rtp_parameters), .max_bitrate = -1, .max_framerate = -1, \
	  .scale_resolution_down_by = -1, .active = -1 }

int rtc_transceiver_set_parameters(rtc_transceiver *transceiver,
				   const struct rtc_rtp_parameters *parameters,
				   rtc_error *error);
int rtc_transceiver_stop(rtc_transceiver *transceiver, rtc_error *error);

/* ---- Track (MediaStreamTrack) ----------------------------------------------- */

rtc_track *rtc_client_get_track(rtc_client *client, const char *path, rtc_error *error);
rtc_track *rtc_track_ref(rtc_track *track);
/* Drops the handle only; rtc_track_stop() releases the device. */
void rtc_track_unref(rtc_track *track);
const char *rtc_track_get_path(const rtc_track *track);
rtc_client *rtc_track_get_client(const rtc_track *track);
void rtc_track_set_user_data(rtc_track *track, void *user_data);
void *rtc_track_get_user_data(const rtc_track *track);

char *rtc_track_get_id(rtc_track *track, rtc_error *error);
char *rtc_track_get_kind(rtc_track *track, rtc_error *error);
char *rtc_track_get_label(rtc_track *track, rtc_error *error);
char *rtc_track_get_ready_state(rtc_track *track, rtc_error *error);   /* "live" | "ended" */
/* The PipeWire node's node.name: captured from (local), published as
 * (remote); "" when there is none (fake devices). */
char *rtc_track_get_pipewire_node(rtc_track *track, rtc_error *error);
int rtc_track_get_enabled(rtc_track *track, bool *enabled, rtc_error *error);
/* false: consumers get black frames or silence (W3C). */
int rtc_track_set_enabled(rtc_track *track, bool enabled, rtc_error *error);
int rtc_track_get_muted(rtc_track *track, bool *muted, rtc_error *error);
int rtc_track_get_remote(rtc_track *track, bool *remote, rtc_error *error);

/* A local track: ends it and releases its device; the object goes. A
 * remote one: ends it (nothing more is decoded). */
int rtc_track_stop(rtc_track *track, rtc_error *error);
/* GetSettings (W3C MediaTrackSettings) and GetStats (deliveredFrames, ...):
 * dictionaries the caller frees with rtc_dict_free(). */
rtc_dict *rtc_track_get_settings(rtc_track *track, rtc_error *error);
rtc_dict *rtc_track_get_stats(rtc_track *track, rtc_error *error);
int rtc_track_apply_constraints(rtc_track *track,
				const struct rtc_track_constraints *constraints,
				rtc_error *error);
/* Play (remote audio): to the default output, or to the PipeWire node
 * named target (NULL = default). */
int rtc_track_play(rtc_track *track, const char *target, rtc_error *error);

/* ---- Dictionaries: decoded a{sv} values, read-only ------------------------ */

size_t rtc_dict_count(const rtc_dict *dict);
const char *rtc_dict_key(const rtc_dict *dict, size_t index);
/* D-Bus signature of the value ("s", "t", "(ss)", ...). */
const char *rtc_dict_signature(const rtc_dict *dict, size_t index);
/* A one-line rendering of the value: strings quoted and escaped, numbers in
 * decimal, containers in brackets. */
const char *rtc_dict_text(const rtc_dict *dict, size_t index);
/* Typed look-ups by key: false if the key is absent or of another type.
 * get_double accepts every numeric type; get_uint64 every unsigned one. */
bool rtc_dict_get_string(const rtc_dict *dict, const char *key, const char **value);
bool rtc_dict_get_bool(const rtc_dict *dict, const char *key, bool *value);
bool rtc_dict_get_uint64(const rtc_dict *dict, const char *key, uint64_t *value);
bool rtc_dict_get_double(const rtc_dict *dict, const char *key, double *value);
/* Only for the dictionaries the caller owns (rtc_track_get_settings, ...). */
void rtc_dict_free(rtc_dict *dict);

/* ---- Stats reports ------------------------------------------------------- */

size_t rtc_stats_report_count(const rtc_stats_report *report);
/* Stats object ids, sorted. */
const char *rtc_stats_report_id(const rtc_stats_report *report, size_t index);
/* The stats object's members: "type", "timestamp" (ms) and the W3C fields. */
const rtc_dict *rtc_stats_report_stats(const rtc_stats_report *report, size_t index);
void rtc_stats_report_free(rtc_stats_report *report);

/* ---- Inspection (read-only, for tools like rtcctl) ------------------------ */

/*
 * The daemon's objects visible to this client (ObjectManager.
 * GetManagedObjects on the root), sorted by path, each with its interfaces
 * and their properties.
 */
rtc_object_list *rtc_client_list_objects(rtc_client *client, rtc_error *error);
/* One object: all properties of all its rtcd interfaces (via Introspect and
 * Properties.GetAll). Works for the root object too. */
rtc_object_list *rtc_client_inspect_object(rtc_client *client, const char *path,
					   rtc_error *error);
size_t rtc_object_list_count(const rtc_object_list *list);
const char *rtc_object_list_path(const rtc_object_list *list, size_t index);
size_t rtc_object_list_interface_count(const rtc_object_list *list, size_t index);
const char *rtc_object_list_interface(const rtc_object_list *list, size_t index,
				      size_t interface_index);
const rtc_dict *rtc_object_list_properties(const rtc_object_list *list, size_t index,
					   size_t interface_index);
void rtc_object_list_free(rtc_object_list *list);

#ifdef __cplusplus
}
#endif
