/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the API layer's interface files; not used outside daemon/api. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "bus/bus.h"
#include "common/list.h"
#include "engine/sctp/datachannel.h"
#include "engine/ice/ice-config.h"
#include "engine/jsep/jsep.h"
#include "io/heap-trim.h"
#include "media/devices/devices.h"
#include "media/pipeline/sender.h"
#include "session/session.h"

#define RTC_API_ROOT_PATH "/org/rtcd/WebRTC1"
#define RTC_API_IFACE_MANAGER "org.rtcd.WebRTC1.Manager"
#define RTC_API_IFACE_PEER_CONNECTION "org.rtcd.WebRTC1.PeerConnection"
#define RTC_API_IFACE_DATA_CHANNEL "org.rtcd.WebRTC1.DataChannel"
#define RTC_API_IFACE_TRACK "org.rtcd.WebRTC1.MediaStreamTrack"
#define RTC_API_IFACE_TRANSCEIVER "org.rtcd.WebRTC1.RtpTransceiver"

struct rtc_worker_pool;
struct rtc_watch;
struct rtc_media_sender;
struct rtc_media_receiver;
struct rtc_api_remote_track;

struct rtc_api {
	struct rtc_bus *bus;
	struct rtc_reactor *reactor;
	const struct rtc_net_options *net;
	struct rtc_bus_object *manager;
	struct rtc_list peer_connections;
	size_t n_peer_connections;
	/* OpenSocket sockets of channels that are gone, still handing the
	 * app what arrived before the close (data-channel-socket.c). */
	struct rtc_list lingering_sockets;
	/* Looks again at sockets whose owner had its quota of bytes buffered
	 * for sending full (data-channel-socket.c); armed while one waits. */
	struct rtc_timer *socket_quota_timer;
	/* Connections made or closed change the heap: trim it afterwards. */
	struct rtc_heap_trim *heap_trim;

	struct rtc_media_devices *media;  /* the daemon's, borrowed */
	struct rtc_list tracks;           /* rtc_api_track.link */
	struct rtc_list user_media;       /* GetUserMedia calls waiting for devices */
	/* The codec worker pool of every sender, made with the first one;
	 * its results are drained on the reactor (transceiver-send.c). */
	struct rtc_worker_pool *pool;
	struct rtc_watch *pool_watch;
};

struct rtc_api_pc {
	struct rtc_list link;       /* in rtc_api.peer_connections */
	struct rtc_api *api;
	struct rtc_bus_object *object;
	char *owner;
	char path[64];
	uint64_t number;            /* rtc_bus_new_object_number(): never reused */

	struct rtc_session *session;
	struct rtc_jsep *jsep;          /* the session's, borrowed */
	struct rtc_ice_config ice;      /* the session reads it: lives as long */
	const char *connection_state;   /* last announced W3C RTCPeerConnectionState */
	enum rtc_bundle_policy bundle_policy;

	struct rtc_list data_channels;
	size_t n_data_channels;
	uint32_t data_channels_opened, data_channels_closed;
	unsigned receive_holds;         /* OpenSockets whose reader is behind */
	bool backlog_hold;              /* one of them: the owner is not reading its signals */
	bool owner_silent;              /* taken for not reading: messages by signal dropped */

	struct rtc_list transceivers;   /* rtc_api_transceiver.link, in JSEP's order */
	size_t transceivers_seen;       /* JSEP indices below this have had an object */
	uint64_t target_bitrate;        /* the congestion controller's, for all senders */
};

struct rtc_api_dc_socket;
struct rtc_api_user_media;

/* ---- MediaStreamTrack: one interface, two kinds (track-common.c) ---- */

struct rtc_api_track_base;

/* What differs between a capture device's track (track.c) and a remote
 * peer's (remote-track.c); the common table calls these. */
struct rtc_api_track_ops {
	const char *(*label)(const struct rtc_api_track_base *base);
	/* node.name of the PipeWire node behind the track, "" for none. */
	const char *(*pipewire_node)(const struct rtc_api_track_base *base);
	/* Enabled was set (base->enabled is the new value). */
	void (*enabled_changed)(struct rtc_api_track_base *base);
	/* W3C stop(); may free the track. */
	void (*stop)(struct rtc_api_track_base *base);
	/* GetSettings' and GetStats' entries, into an open a{sv}. */
	void (*settings)(struct rtc_api_track_base *base, DBusMessageIter *dict);
	void (*stats)(struct rtc_api_track_base *base, DBusMessageIter *dict);
	/* ApplyConstraints: args at the a{sv}. */
	int (*apply_constraints)(struct rtc_api_track_base *base, DBusMessageIter *args,
				 struct rtc_error *err);
	/* Play(): target "" is the default output. NULL: NotSupportedError. */
	int (*play)(struct rtc_api_track_base *base, const char *target, struct rtc_error *err);
};

/* The state every track has. Spelled once and embedded in a track both as
 * `base` (for track-common.c) and as plain members (for code that knows
 * the kind: track->kind, track->path), so that the two stay one. */
#define RTC_API_TRACK_COMMON_MEMBERS \
	const struct rtc_api_track_ops *ops; \
	struct rtc_api *api; \
	struct rtc_bus_object *object;  /* NULL until published */ \
	char path[64]; \
	uint64_t number;                /* the path's: rtc_bus_new_object_number() */ \
	char id[RTC_JSEP_ID_MAX + 1];   /* W3C id: a UUID, or the sender's msid track id */ \
	enum rtc_media_kind kind; \
	bool remote, enabled, muted, ended; \
	uint64_t last_frame_ns; \
	struct rtc_timer *mute_timer;

struct rtc_api_track_base {
	RTC_API_TRACK_COMMON_MEMBERS
};

#define RTC_API_TRACK_BASE \
	union { \
		struct rtc_api_track_base base; \
		struct { RTC_API_TRACK_COMMON_MEMBERS }; \
	}

/* A track not yet on the bus: muted until its first frame when `muted`. */
int rtc_api_track_base_init(struct rtc_api_track_base *base, struct rtc_api *api,
			    const struct rtc_api_track_ops *ops, enum rtc_media_kind kind,
			    bool remote, bool muted);
/* On the bus for `owner` at a new /track/<n>; -1 with err. */
int rtc_api_track_base_publish(struct rtc_api_track_base *base, const char *owner,
			       struct rtc_error *err);
/* Off the bus; frees what init made. */
void rtc_api_track_base_fini(struct rtc_api_track_base *base);
/* A frame arrived: unmuted, and muted again once frames stop. */
void rtc_api_track_base_frame(struct rtc_api_track_base *base);
/* W3C `muted` set now (announced when it changes). */
void rtc_api_track_base_set_muted(struct rtc_api_track_base *base, bool muted);
/* readyState "ended" (announced); false if it had ended already. */
bool rtc_api_track_base_end(struct rtc_api_track_base *base);
/* The Ended signal. */
void rtc_api_track_base_emit_ended(struct rtc_api_track_base *base);
/* PipeWireNode changed: announced. */
void rtc_api_track_base_node_changed(struct rtc_api_track_base *base);

/* A MediaStreamTrack of a capture device (track.c). */
struct rtc_api_track {
	RTC_API_TRACK_BASE;
	struct rtc_list link;           /* in rtc_api.tracks */
	char *owner;
	struct rtc_media_capture *capture;  /* NULL once ended */
	struct rtc_media_settings settings;
	struct rtc_api_user_media *request; /* the GetUserMedia call, until answered */
	uint64_t frames;
	struct rtc_list senders;        /* rtc_api_transceiver.track_link: where it is sent */
};

/* An RtpTransceiver (transceiver.c): JSEP's transceiver `index` of its
 * peer connection on the bus, and the media half of its sender. */
struct rtc_api_transceiver {
	struct rtc_list link;           /* in rtc_api_pc.transceivers */
	struct rtc_api_pc *pc;
	struct rtc_bus_object *object;
	char path[128];
	size_t index;                   /* JSEP's: never renumbered */
	struct rtc_api_track *track;    /* the sender's track, NULL for none */
	struct rtc_list track_link;     /* in track->senders while track is set */
	/* Made once the transceiver sends (negotiated, DTLS up) and has a
	 * track; its codec is the first negotiated one. */
	struct rtc_media_sender *sender;
	bool send_failed;               /* the sender could not be made: not again */
	struct rtc_media_sender_parameters params;    /* SetParameters' */
	/* The receiver's track, made with the first Track event. */
	struct rtc_api_remote_track *remote;
	/* What the properties said last, to announce only changes. */
	char mid[33];
	int direction, current_direction;
	size_t n_codecs;
};

struct rtc_api_dc {
	struct rtc_list link;       /* in rtc_api_pc.data_channels */
	struct rtc_api_pc *pc;
	struct rtc_bus_object *object;
	char path[96];

	char *label;
	char *protocol;
	struct rtc_dc_init init;    /* init.protocol points at `protocol` */
	enum rtc_dc_state state;
	bool on_transport;          /* opened on the SCTP association: init.id is its stream */
	uint64_t buffered_amount_low_threshold;
	struct rtc_api_dc_socket *socket;  /* OpenSocket's data plane, NULL when none */
	/* W3C RTCDataChannelStats: payload bytes, either plane. */
	uint32_t messages_sent, messages_received;
	uint64_t bytes_sent, bytes_received;
};

/* The Error(name, message) signal of a channel, from a W3C error. */
void rtc_api_dc_emit_error(struct rtc_api_dc *dc, const struct rtc_error *err);
/* What the owner's channels hold unsent, over all its peer connections: the
 * quota --max-buffered-bytes bounds it, for Send and OpenSocket alike. */
uint64_t rtc_api_owner_buffered(struct rtc_api *api, const char *owner);
/* Whether `len` more bytes fit in the owner's quota when it holds `held`. */
bool rtc_api_send_fits(struct rtc_api *api, uint64_t held, size_t len);
/* Sends one message on an open channel, counted for GetStats. */
int rtc_api_dc_send(struct rtc_api_dc *dc, bool binary, const uint8_t *data, size_t len,
		    struct rtc_error *err);

/* data-channel-socket.c: OpenSocket. */
int rtc_api_dc_socket_open(struct rtc_api_dc *dc, int *app_fd, struct rtc_error *err);
void rtc_api_dc_socket_close(struct rtc_api_dc *dc);
/* The channel is going away: its socket stays until the app has every
 * record that arrived before, then the app reads end-of-file. */
void rtc_api_dc_socket_linger(struct rtc_api_dc *dc);
/* Daemon teardown: lingering sockets are closed, their records dropped. */
void rtc_api_sockets_free(struct rtc_api *api);
/* A message for the app: true when the socket took it (no signal then). */
bool rtc_api_dc_socket_deliver(struct rtc_api_dc *dc, bool binary, const uint8_t *data,
			       size_t len);
/* The SCTP send buffer drained: read the app's records again. */
void rtc_api_dc_socket_resume(struct rtc_api_dc *dc);

/* peer-connection.c */
int rtc_api_pc_create(struct rtc_api *api, const char *owner, const struct rtc_ice_config *ice,
		      enum rtc_bundle_policy bundle_policy, struct rtc_api_pc **out,
		      struct rtc_error *err);
/* Closes (W3C close(): every channel closed, state "closed"), tells the owner,
 * removes the objects and frees. */
void rtc_api_pc_close_and_free(struct rtc_api_pc *pc);
/* W3C: fires NegotiationNeeded when JSEP says so (after the call's reply). */
void rtc_api_pc_negotiation_needed(struct rtc_api_pc *pc);

/* data-channel.c */
int rtc_api_dc_create(struct rtc_api_pc *pc, const char *label, const struct rtc_dc_init *init,
		      struct rtc_api_dc **out, struct rtc_error *err);
/* W3C close() of one channel: closing, then closed; removes the object. */
void rtc_api_dc_close(struct rtc_api_dc *dc);
/* The peer connection closes: the channel is closed without events (W3C),
 * its object removed and freed. */
void rtc_api_dc_free(struct rtc_api_dc *dc);
/* The SCTP association is up: channels made before it open now. */
void rtc_api_pc_open_pending_channels(struct rtc_api_pc *pc);
/* Events of the SCTP association, by stream. */
void rtc_api_dc_remote_opened(struct rtc_api_pc *pc, uint16_t stream,
			      const struct rtc_sctp_channel_params *params);
struct rtc_api_dc *rtc_api_pc_dc_by_stream(struct rtc_api_pc *pc, uint16_t stream);
void rtc_api_dc_message(struct rtc_api_dc *dc, bool binary, const uint8_t *data, size_t len);
void rtc_api_dc_closing(struct rtc_api_dc *dc);
void rtc_api_dc_closed(struct rtc_api_dc *dc);
void rtc_api_dc_buffered_low(struct rtc_api_dc *dc);

/* W3C: an id already used by another channel of the same connection. */
bool rtc_api_pc_dc_id_in_use(const struct rtc_api_pc *pc, uint16_t id);
void rtc_api_pc_data_channels_changed(struct rtc_api_pc *pc);

/* ---- media (user-media.c, track.c) ---- */

/* Manager.GetUserMedia and EnumerateDevices; DeviceChange. */
void rtc_api_get_user_media(struct rtc_bus_call *call, void *api);
void rtc_api_enumerate_devices(struct rtc_bus_call *call, void *api);
void rtc_api_devices_changed(void *api);
/* The caller left (owner NULL: the daemon stops): its pending GetUserMedia
 * calls end, its tracks and their captures too. */
void rtc_api_media_client_gone(struct rtc_api *api, const char *owner);
/* A capture of a pending GetUserMedia opened (err NULL) or failed. */
void rtc_api_user_media_opened(struct rtc_api_track *track, const struct rtc_error *err);
/* One key of a constraints dictionary (rtc_bus_dict_fn; user: the
 * struct rtc_media_constraints to fill). */
int rtc_api_constraint_key(void *user, const char *key, DBusMessageIter *value,
			   struct rtc_error *err);

/* A track whose capture is opening (not on the bus yet), for `owner`:
 * takes a tracks quota. -1 with err (kind NONE: the quota). */
int rtc_api_track_open(struct rtc_api *api, const char *owner,
		       const struct rtc_media_constraints *constraints,
		       struct rtc_media_remote *remote, struct rtc_api_track **out,
		       struct rtc_error *err);
/* Its device opened: the object appears. */
int rtc_api_track_publish(struct rtc_api_track *track, struct rtc_error *err);
/* Stops the capture, removes the object, releases the quota. */
void rtc_api_track_free(struct rtc_api_track *track);
const char *rtc_api_track_path(const struct rtc_api_track *track);

/* ---- transceivers (transceiver.c, transceiver-send.c, peer-connection-media.c) ---- */

/* transceiver.c: shared by the three. */
int rtc_api_parse_direction(const char *s, enum rtc_jsep_direction *out, struct rtc_error *err);
enum rtc_jsep_media_kind rtc_api_track_jsep_kind(const struct rtc_api_track *track);
/* JSEP's view of it; false once JSEP has no such transceiver. */
bool rtc_api_transceiver_info(const struct rtc_api_transceiver *t,
			      struct rtc_jsep_transceiver *info);
struct rtc_api_transceiver *rtc_api_transceiver_by_index(struct rtc_api_pc *pc, size_t index);
/* A track of the pc's owner (TypeError for any other path). */
struct rtc_api_track *rtc_api_find_own_track(struct rtc_api_pc *pc, const char *path,
					     struct rtc_error *err);
/* transceiver-send.c: the sender's track becomes `track` (NULL: none). */
void rtc_api_transceiver_set_track(struct rtc_api_transceiver *t, struct rtc_api_track *track);
/* Makes or frees the sender to match what is negotiated. */
void rtc_api_transceiver_update_sender(struct rtc_api_transceiver *t);
void rtc_api_transceiver_free_sender(struct rtc_api_transceiver *t);

/* peer-connection-media.c: PeerConnection.AddTrack, RemoveTrack, AddTransceiver. */
void rtc_api_pc_add_track(struct rtc_bus_call *call, void *pc);
void rtc_api_pc_remove_track(struct rtc_bus_call *call, void *pc);
void rtc_api_pc_add_transceiver(struct rtc_bus_call *call, void *pc);
/* The Transceivers property's value. */
bool rtc_api_pc_get_transceivers(void *pc, DBusMessageIter *iter);
/* JSEP's transceivers may have changed (a description, a call): objects
 * appear for new ones and go for stopped ones, properties are announced,
 * senders are made or freed to match what is negotiated. */
void rtc_api_pc_sync_transceivers(struct rtc_api_pc *pc);
/* The peer connection closes: every transceiver's object and sender go. */
void rtc_api_pc_free_transceivers(struct rtc_api_pc *pc);
/* Session media events. */
void rtc_api_pc_key_frame_request(struct rtc_api_pc *pc, size_t index);
void rtc_api_pc_target_bitrate(struct rtc_api_pc *pc, uint64_t bps);
/* The sender of transceiver `index`, if it has one (for GetStats). */
struct rtc_media_sender *rtc_api_pc_sender(struct rtc_api_pc *pc, size_t index);
/* A track's frames, to every sender it feeds. */
void rtc_api_track_feed_video(struct rtc_api_track *track, const struct rtc_video_frame *frame);
void rtc_api_track_feed_audio(struct rtc_api_track *track, const struct rtc_audio_frame *frame);
/* The track's Enabled changed. */
void rtc_api_track_enabled_changed(struct rtc_api_track *track);
/* The track goes away: the transceivers that send it send nothing now. */
void rtc_api_track_detach_senders(struct rtc_api_track *track);
/* Daemon teardown, after every peer connection closed. */
void rtc_api_media_pool_free(struct rtc_api *api);
/* The daemon's codec worker pool, made on first use (NULL with err). */
struct rtc_worker_pool *rtc_api_media_pool(struct rtc_api *api, struct rtc_error *err);
/* Session media events of the receiving side: W3C "track" (the Track
 * signal), and a frame the peer sent. */
void rtc_api_pc_track(struct rtc_api_pc *pc, size_t index);
void rtc_api_pc_media_frame(struct rtc_api_pc *pc, size_t index, const struct rtc_recv_frame *frame);
/* The decoder of transceiver `index`, if it has one (for GetStats). */
const struct rtc_media_receiver *rtc_api_pc_receiver(struct rtc_api_pc *pc, size_t index);

/* ---- remote tracks (remote-track.c) ---- */

/* The track of a transceiver's receiver, on the bus for the pc's owner;
 * id: the sender's msid track id ("" or NULL: a UUID). NULL when out of memory. */
struct rtc_api_remote_track *rtc_api_remote_track_new(struct rtc_api_transceiver *t,
						      enum rtc_media_kind kind, const char *id);
/* Ends it (Ended, unless stopped before) and removes the object. */
void rtc_api_remote_track_free(struct rtc_api_remote_track *rt);
/* A frame of the peer's, to decode. */
void rtc_api_remote_track_frame(struct rtc_api_remote_track *rt, const struct rtc_recv_frame *frame);
const struct rtc_media_receiver *rtc_api_remote_track_receiver(const struct rtc_api_remote_track *rt);
const char *rtc_api_remote_track_path(const struct rtc_api_remote_track *rt);
/* The transceiver's CurrentDirection gained or lost "recv": muted at once
 * when lost (W3C), and frames unmute it only once it receives again. */
void rtc_api_remote_track_set_receiving(struct rtc_api_remote_track *rt, bool receiving);
/* track.c: a version 4 UUID, as browsers make track ids. */
void rtc_api_make_uuid(char out[37]);

/* ---- stats (peer-connection.c, media-stats.c) ---- */

/* One W3C stats object of the GetStats report: its id, type, timestamp,
 * then the caller's fields, then close. */
void rtc_api_stats_open(DBusMessageIter *report, DBusMessageIter *entry, DBusMessageIter *dict,
			const char *id, const char *type, double timestamp);
void rtc_api_stats_close(DBusMessageIter *report, DBusMessageIter *entry, DBusMessageIter *dict);
/* inbound-rtp, outbound-rtp, remote-inbound-rtp, remote-outbound-rtp and
 * codec objects of every transceiver that sends or receives. */
void rtc_api_media_stats(struct rtc_api_pc *pc, DBusMessageIter *report, double now);
