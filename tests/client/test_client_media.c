/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * librtc-client's media calls and events against the real rtcd with its
 * fake devices (run by tests/integration/run-with-daemon.sh with
 * RTCD_ARGS=--fake-media-devices): GetUserMedia, EnumerateDevices, the
 * track and transceiver objects, AddTrack / RemoveTrack / AddTransceiver,
 * and the events of a call between two peer connections of this client.
 *
 *   test-client-media                    everything but DeviceChange
 *   test-client-media --device-change PW_TEST_SOURCE
 *                                        DeviceChange only, inside
 *                                        run-with-pipewire.sh: a node of
 *                                        our own comes and goes
 */
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rtc/client.h>
#include "check.h"

#define FAKE_CAMERA "rtcd-fake-camera"
#define FAKE_MICROPHONE "rtcd-fake-microphone"
#define MAX_SEEN 512

extern char **environ;

/* What the callback saw: type, path, and the handle fields it checked. */
struct seen {
	enum rtc_event_type type;
	char *path;
	char *property, *value;
	char *track_path, *transceiver_path;
	bool handles_ok;    /* the event's handles are those of its kind */
};

static rtc_client *client;
static struct seen seen[MAX_SEEN];
static size_t n_seen;

static void on_event(rtc_client *c, const struct rtc_event *e, void *userdata)
{
	struct seen *s;
	bool ok = true;

	(void)c;
	(void)userdata;
	if (n_seen == MAX_SEEN)
		return;
	switch (e->type) {
	case RTC_EVENT_TRACK:
		ok = e->peer_connection && e->track && e->transceiver &&
		     strcmp(rtc_track_get_path(e->track), e->track_path) == 0 &&
		     strcmp(rtc_transceiver_get_path(e->transceiver), e->transceiver_path) == 0;
		break;
	case RTC_EVENT_MUTE:
	case RTC_EVENT_UNMUTE:
	case RTC_EVENT_ENDED:
		ok = e->track && strcmp(rtc_track_get_path(e->track), e->path) == 0 &&
		     !e->peer_connection;
		break;
	case RTC_EVENT_PROPERTY_CHANGED:
	case RTC_EVENT_OBJECT_REMOVED:
		if (strstr(e->path, "/transceiver/"))
			ok = e->transceiver && !e->track && !e->peer_connection;
		else if (strstr(e->path, "/track/"))
			ok = e->track && !e->transceiver && !e->peer_connection;
		break;
	default:
		break;
	}
	s = &seen[n_seen++];
	*s = (struct seen){
		.type = e->type, .path = strdup(e->path ? e->path : "-"),
		.property = e->property ? strdup(e->property) : NULL,
		.value = e->value ? strdup(e->value) : NULL,
		.track_path = e->track_path ? strdup(e->track_path) : NULL,
		.transceiver_path = e->transceiver_path ? strdup(e->transceiver_path) : NULL,
		.handles_ok = ok,
	};
}

static void seen_clear(void)
{
	for (size_t i = 0; i < n_seen; i++) {
		free(seen[i].path);
		free(seen[i].property);
		free(seen[i].value);
		free(seen[i].track_path);
		free(seen[i].transceiver_path);
	}
	n_seen = 0;
}

/* The first event of that type about that path (NULL: any). */
static const struct seen *find_seen(enum rtc_event_type type, const char *path)
{
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i].type == type && (!path || strcmp(seen[i].path, path) == 0))
			return &seen[i];
	return NULL;
}

static const struct seen *find_property(const char *path, const char *property,
					const char *value)
{
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i].type == RTC_EVENT_PROPERTY_CHANGED && strcmp(seen[i].path, path) == 0 &&
		    strcmp(seen[i].property, property) == 0 && seen[i].value &&
		    strcmp(seen[i].value, value) == 0)
			return &seen[i];
	return NULL;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Dispatches as an application would until the event came or ms passed. */
static const struct seen *wait_seen(enum rtc_event_type type, const char *path, int ms)
{
	long long deadline = now_ms() + ms;
	const struct seen *s;

	while (!(s = find_seen(type, path)) && now_ms() < deadline) {
		struct pollfd pfd = { .fd = rtc_client_get_fd(client), .events = POLLIN };

		if (poll(&pfd, 1, (int)(deadline - now_ms()) + 1) > 0)
			rtc_client_dispatch(client, NULL);
	}
	return s;
}

static void pump(int ms)
{
	wait_seen((enum rtc_event_type)-1, NULL, ms);
}

static rtc_track **fake_media(bool audio, bool video)
{
	struct rtc_media_constraints mc = RTC_MEDIA_CONSTRAINTS_INIT;
	rtc_error error = RTC_ERROR_INIT;
	rtc_track **tracks;

	mc.audio = audio;
	mc.video = video;
	tracks = rtc_client_get_user_media(client, &mc, &error);
	if (!tracks)
		printf("# GetUserMedia: %s: %s\n", error.name, error.message);
	rtc_error_clear(&error);
	return tracks;
}

static size_t count_tracks(rtc_track **tracks)
{
	size_t n = 0;

	while (tracks && tracks[n])
		n++;
	return n;
}

/* ---- Manager ------------------------------------------------------------ */

static void test_enumerate_devices(void)
{
	rtc_error error = RTC_ERROR_INIT;
	struct rtc_media_device *devices;
	bool camera = false, microphone = false;
	size_t n;

	devices = rtc_client_enumerate_devices(client, &n, &error);
	CHECK(devices != NULL);
	for (size_t i = 0; devices && i < n; i++) {
		if (strcmp(devices[i].device_id, FAKE_CAMERA) == 0) {
			camera = true;
			CHECK_STREQ(devices[i].kind, "videoinput");
			CHECK(*devices[i].label != '\0');
		}
		if (strcmp(devices[i].device_id, FAKE_MICROPHONE) == 0) {
			microphone = true;
			CHECK_STREQ(devices[i].kind, "audioinput");
		}
		CHECK(devices[i].group_id != NULL);
	}
	CHECK(camera && microphone);
	rtc_media_devices_free(devices, n);
}

static void test_get_user_media(void)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_track **tracks = fake_media(true, true);
	char *kind, *state, *node, *id, *label;
	bool b;

	CHECK_INTEQ(count_tracks(tracks), 2);
	if (count_tracks(tracks) != 2)
		goto out;
	/* W3C's order: audio first. */
	kind = rtc_track_get_kind(tracks[0], NULL);
	CHECK_STREQ(kind, "audio");
	free(kind);
	kind = rtc_track_get_kind(tracks[1], NULL);
	CHECK_STREQ(kind, "video");
	free(kind);
	state = rtc_track_get_ready_state(tracks[1], NULL);
	CHECK_STREQ(state, "live");
	free(state);
	/* Fake devices are no PipeWire nodes. */
	node = rtc_track_get_pipewire_node(tracks[1], NULL);
	CHECK_STREQ(node, "");
	free(node);
	id = rtc_track_get_id(tracks[1], NULL);
	CHECK(id && strlen(id) == 36);   /* a UUID */
	free(id);
	label = rtc_track_get_label(tracks[1], NULL);
	CHECK(label && *label);
	free(label);
	CHECK(rtc_track_get_remote(tracks[1], &b, NULL) == 0 && !b);
	CHECK(rtc_track_get_muted(tracks[1], &b, NULL) == 0 && !b);
	CHECK(rtc_track_get_enabled(tracks[1], &b, NULL) == 0 && b);
	CHECK(rtc_track_get_client(tracks[1]) == client);
	rtc_track_set_user_data(tracks[1], tracks);
	CHECK(rtc_track_get_user_data(tracks[1]) == tracks);

	/* The same handle for the same path. */
	rtc_track *again = rtc_client_get_track(client, rtc_track_get_path(tracks[1]), NULL);
	CHECK(again == tracks[1]);
	rtc_track_unref(again);
	CHECK(rtc_client_get_track(client, "/org/rtcd/WebRTC1/pc/1", &error) == NULL);
	CHECK(rtc_error_has_name(&error, "org.freedesktop.DBus.Error.InvalidArgs"));
	rtc_error_clear(&error);

	/* Enabled is writable, and says so with PropertiesChanged. */
	seen_clear();
	CHECK(rtc_track_set_enabled(tracks[1], false, NULL) == 0);
	CHECK(rtc_track_get_enabled(tracks[1], &b, NULL) == 0 && !b);
	pump(300);
	const struct seen *s = find_property(rtc_track_get_path(tracks[1]), "Enabled", "false");
	CHECK(s && s->handles_ok);
	CHECK(rtc_track_set_enabled(tracks[1], true, NULL) == 0);

	/* Stop releases the device; the object goes, and the client hears. */
	seen_clear();
	char *path = strdup(rtc_track_get_path(tracks[0]));
	CHECK(rtc_track_stop(tracks[0], NULL) == 0);
	s = wait_seen(RTC_EVENT_OBJECT_REMOVED, path, 2000);
	CHECK(s && s->handles_ok);
	state = rtc_track_get_ready_state(tracks[0], &error);
	CHECK(state == NULL);
	CHECK(rtc_error_has_name(&error, "org.freedesktop.DBus.Error.UnknownObject"));
	rtc_error_clear(&error);
	free(path);
	rtc_track_stop(tracks[1], NULL);
out:
	rtc_track_array_free(tracks);
}

static void test_get_user_media_constraints(void)
{
	struct rtc_track_constraints video = RTC_TRACK_CONSTRAINTS_INIT;
	struct rtc_track_constraints audio = RTC_TRACK_CONSTRAINTS_INIT;
	struct rtc_media_constraints mc = RTC_MEDIA_CONSTRAINTS_INIT;
	rtc_error error = RTC_ERROR_INIT;
	rtc_track **tracks;
	rtc_dict *settings, *stats;
	const char *device;
	double v;

	video.device_id = FAKE_CAMERA;
	video.width = 320;
	video.height = 240;
	mc.video_constraints = &video;
	tracks = rtc_client_get_user_media(client, &mc, &error);
	CHECK_INTEQ(count_tracks(tracks), 1);
	if (!tracks || !tracks[0])
		goto out;
	settings = rtc_track_get_settings(tracks[0], &error);
	CHECK(settings != NULL);
	CHECK(rtc_dict_get_double(settings, "width", &v) && v == 320);
	CHECK(rtc_dict_get_double(settings, "height", &v) && v == 240);
	CHECK(rtc_dict_get_string(settings, "deviceId", &device) &&
	      strcmp(device, FAKE_CAMERA) == 0);
	rtc_dict_free(settings);

	/* ApplyConstraints: another size, the same device. */
	video = (struct rtc_track_constraints)RTC_TRACK_CONSTRAINTS_INIT;
	video.width = 640;
	video.height = 480;
	CHECK(rtc_track_apply_constraints(tracks[0], &video, &error) == 0);
	settings = rtc_track_get_settings(tracks[0], NULL);
	CHECK(settings && rtc_dict_get_double(settings, "width", &v) && v == 640);
	rtc_dict_free(settings);
	video.device_id = FAKE_MICROPHONE;
	CHECK(rtc_track_apply_constraints(tracks[0], &video, &error) < 0);
	CHECK(rtc_error_has_name(&error, RTC_ERROR_OVERCONSTRAINED));
	rtc_error_clear(&error);

	pump(300);
	stats = rtc_track_get_stats(tracks[0], &error);
	CHECK(stats && rtc_dict_get_double(stats, "deliveredFrames", &v) && v > 0);
	rtc_dict_free(stats);
	rtc_track_stop(tracks[0], NULL);
	rtc_track_array_free(tracks);
	tracks = NULL;

	/* The daemon's errors, and ours. */
	audio.device_id = "no-such-microphone";
	mc = (struct rtc_media_constraints)RTC_MEDIA_CONSTRAINTS_INIT;
	mc.audio_constraints = &audio;
	CHECK(rtc_client_get_user_media(client, &mc, &error) == NULL);
	CHECK(rtc_error_has_name(&error, RTC_ERROR_NOT_FOUND));
	rtc_error_clear(&error);
	mc = (struct rtc_media_constraints)RTC_MEDIA_CONSTRAINTS_INIT;
	CHECK(rtc_client_get_user_media(client, &mc, &error) == NULL);
	CHECK(rtc_error_has_name(&error, RTC_ERROR_TYPE));
	rtc_error_clear(&error);
	audio = (struct rtc_track_constraints)RTC_TRACK_CONSTRAINTS_INIT;
	audio.width = 640;
	mc.audio_constraints = &audio;
	CHECK(rtc_client_get_user_media(client, &mc, &error) == NULL);
	CHECK(rtc_error_has_name(&error, "org.freedesktop.DBus.Error.InvalidArgs"));
	rtc_error_clear(&error);
	mc.size = 4;
	CHECK(rtc_client_get_user_media(client, &mc, &error) == NULL);
	CHECK(rtc_error_has_name(&error, "org.freedesktop.DBus.Error.InvalidArgs"));
	rtc_error_clear(&error);
out:
	rtc_track_array_free(tracks);
}

/* ---- transceivers ---------------------------------------------------------- */

static void check_string(char *value, const char *expected)
{
	CHECK_STREQ(value, expected);
	free(value);
}

static void test_transceivers(void)
{
	static const char *const streams[] = { "s1", NULL };
	struct rtc_transceiver_init init = RTC_TRANSCEIVER_INIT;
	struct rtc_rtp_parameters params = RTC_RTP_PARAMETERS_INIT;
	rtc_error error = RTC_ERROR_INIT;
	rtc_peer_connection *pc = rtc_client_create_peer_connection(client, NULL, NULL);
	rtc_track **tracks = fake_media(true, true);
	rtc_transceiver *video_tx = NULL, *audio_tx = NULL;
	rtc_track *track = NULL;
	char **paths;

	CHECK(pc != NULL);
	if (!pc || count_tracks(tracks) != 2)
		goto out;
	video_tx = rtc_peer_connection_add_track(pc, tracks[1], streams, &error);
	CHECK(video_tx != NULL);
	if (!video_tx)
		goto out;
	check_string(rtc_transceiver_get_kind(video_tx, NULL), "video");
	check_string(rtc_transceiver_get_direction(video_tx, NULL), "sendrecv");
	check_string(rtc_transceiver_get_mid(video_tx, NULL), "");
	check_string(rtc_transceiver_get_current_direction(video_tx, NULL), "");
	CHECK(rtc_transceiver_get_sender_track(video_tx, &track, NULL) == 0 && track == tracks[1]);
	rtc_track_unref(track);
	CHECK(rtc_transceiver_get_receiver_track(video_tx, &track, NULL) == 0 && !track);
	CHECK(rtc_transceiver_get_client(video_tx) == client);

	/* The same track twice. */
	CHECK(rtc_peer_connection_add_track(pc, tracks[1], NULL, &error) == NULL);
	CHECK(rtc_error_has_name(&error, RTC_ERROR_INVALID_ACCESS));
	rtc_error_clear(&error);

	init.direction = "recvonly";
	init.stream_ids = streams;
	audio_tx = rtc_peer_connection_add_transceiver(pc, "audio", &init, &error);
	CHECK(audio_tx != NULL);
	if (!audio_tx)
		goto out;
	check_string(rtc_transceiver_get_direction(audio_tx, NULL), "recvonly");
	CHECK(rtc_peer_connection_add_transceiver(pc, "text", NULL, &error) == NULL);
	CHECK(rtc_error_has_name(&error, RTC_ERROR_TYPE));
	rtc_error_clear(&error);

	paths = rtc_peer_connection_get_transceiver_paths(pc, &error);
	CHECK(paths && paths[0] && paths[1] && !paths[2]);
	CHECK(paths && strcmp(paths[0], rtc_transceiver_get_path(video_tx)) == 0);
	CHECK(paths && strcmp(paths[1], rtc_transceiver_get_path(audio_tx)) == 0);
	rtc_strv_free(paths);

	/* SetDirection, with its PropertiesChanged on the transceiver. */
	seen_clear();
	CHECK(rtc_transceiver_set_direction(audio_tx, "sendrecv", NULL) == 0);
	check_string(rtc_transceiver_get_direction(audio_tx, NULL), "sendrecv");
	pump(300);
	const struct seen *s = find_property(rtc_transceiver_get_path(audio_tx), "Direction",
					     "sendrecv");
	CHECK(s && s->handles_ok);
	CHECK(rtc_transceiver_set_direction(audio_tx, "upwards", &error) < 0);
	CHECK(rtc_error_has_name(&error, RTC_ERROR_TYPE));
	rtc_error_clear(&error);

	/* ReplaceTrack: another kind is TypeError; none is fine. */
	CHECK(rtc_transceiver_replace_track(audio_tx, tracks[1], &error) < 0);
	CHECK(rtc_error_has_name(&error, RTC_ERROR_TYPE));
	rtc_error_clear(&error);
	CHECK(rtc_transceiver_replace_track(audio_tx, tracks[0], NULL) == 0);
	CHECK(rtc_transceiver_get_sender_track(audio_tx, &track, NULL) == 0 && track == tracks[0]);
	rtc_track_unref(track);
	CHECK(rtc_transceiver_replace_track(audio_tx, NULL, NULL) == 0);
	CHECK(rtc_transceiver_get_sender_track(audio_tx, &track, NULL) == 0 && !track);

	/* SetParameters: fine values, then a RangeError and a video key on
	 * audio. */
	params.max_bitrate = 500000;
	params.max_framerate = 15;
	params.scale_resolution_down_by = 2;
	params.active = 1;
	CHECK(rtc_transceiver_set_parameters(video_tx, &params, &error) == 0);
	params = (struct rtc_rtp_parameters)RTC_RTP_PARAMETERS_INIT;
	params.scale_resolution_down_by = 0.5;
	CHECK(rtc_transceiver_set_parameters(video_tx, &params, &error) < 0);
	CHECK(rtc_error_has_name(&error, "org.rtcd.WebRTC1.Error.RangeError"));
	rtc_error_clear(&error);
	params.scale_resolution_down_by = 2;
	CHECK(rtc_transceiver_set_parameters(audio_tx, &params, &error) < 0);
	CHECK(rtc_error_has_name(&error, RTC_ERROR_INVALID_MODIFICATION));
	rtc_error_clear(&error);

	/* RemoveTrack: the transceiver stops sending. */
	CHECK(rtc_peer_connection_remove_track(pc, video_tx, NULL) == 0);
	check_string(rtc_transceiver_get_direction(video_tx, NULL), "recvonly");
	CHECK(rtc_transceiver_get_sender_track(video_tx, &track, NULL) == 0 && !track);

	/* Stop: before negotiation the transceiver is gone at once from
	 * Transceivers (W3C getTransceivers leaves stopped ones out). */
	CHECK(rtc_transceiver_stop(audio_tx, NULL) == 0);
	paths = rtc_peer_connection_get_transceiver_paths(pc, NULL);
	CHECK(paths && paths[0] && !paths[1]);
	rtc_strv_free(paths);
out:
	rtc_transceiver_unref(video_tx);
	rtc_transceiver_unref(audio_tx);
	for (size_t i = 0; tracks && tracks[i]; i++)
		rtc_track_stop(tracks[i], NULL);
	rtc_track_array_free(tracks);
	if (pc)
		rtc_peer_connection_close(pc, NULL);
	rtc_peer_connection_unref(pc);
}

/* ---- a call between two peer connections -------------------------------- */

static char *gathered_description(rtc_peer_connection *pc)
{
	char *type = NULL, *sdp = NULL, *state;

	for (int i = 0; i < 100; i++) {
		state = rtc_peer_connection_get_ice_gathering_state(pc, NULL);
		bool complete = state && strcmp(state, "complete") == 0;

		free(state);
		if (complete)
			break;
		pump(50);
	}
	rtc_peer_connection_get_local_description(pc, &type, &sdp, NULL);
	free(type);
	return sdp;
}

static bool exchange(rtc_peer_connection *offerer, rtc_peer_connection *answerer)
{
	char *offer = NULL, *answer = NULL;
	bool ok = rtc_peer_connection_set_local_description(offerer, "offer", NULL, NULL) == 0 &&
		  (offer = gathered_description(offerer)) &&
		  rtc_peer_connection_set_remote_description(answerer, "offer", offer, NULL) == 0 &&
		  rtc_peer_connection_set_local_description(answerer, "answer", NULL, NULL) == 0 &&
		  (answer = gathered_description(answerer)) &&
		  rtc_peer_connection_set_remote_description(offerer, "answer", answer, NULL) == 0;

	free(offer);
	free(answer);
	return ok;
}

static void test_call_events(void)
{
	rtc_peer_connection *a = rtc_client_create_peer_connection(client, NULL, NULL);
	rtc_peer_connection *b = rtc_client_create_peer_connection(client, NULL, NULL);
	rtc_track **tracks = fake_media(true, true);
	rtc_error error = RTC_ERROR_INIT;
	const struct seen *s;
	size_t n_codecs = 0;
	bool b_remote;

	CHECK(a && b && count_tracks(tracks) == 2);
	if (!a || !b || count_tracks(tracks) != 2)
		goto out;
	for (size_t i = 0; i < 2; i++)
		rtc_transceiver_unref(rtc_peer_connection_add_track(a, tracks[i], NULL, NULL));
	seen_clear();
	CHECK(exchange(a, b));

	/* The Track event: one per kind, with handles on both objects. */
	s = wait_seen(RTC_EVENT_TRACK, rtc_peer_connection_get_path(b), 5000);
	CHECK(s && s->handles_ok);
	if (!s)
		goto out;
	rtc_transceiver *tx = rtc_client_get_transceiver(client, s->transceiver_path, NULL);
	rtc_track *remote = rtc_client_get_track(client, s->track_path, NULL), *track = NULL;
	CHECK(tx && remote);
	if (!tx || !remote) {
		rtc_transceiver_unref(tx);
		rtc_track_unref(remote);
		goto out;
	}
	CHECK(rtc_transceiver_get_receiver_track(tx, &track, NULL) == 0 && track == remote);
	rtc_track_unref(track);
	CHECK(rtc_track_get_remote(remote, &b_remote, NULL) == 0 && b_remote);
	check_string(rtc_transceiver_get_current_direction(tx, NULL), "recvonly");
	struct rtc_codec *codecs = rtc_transceiver_get_codecs(tx, &n_codecs, &error);
	CHECK(codecs && n_codecs > 0);
	for (size_t i = 0; codecs && i < n_codecs; i++) {
		CHECK(strncmp(codecs[i].mime_type, "audio/", 6) == 0 ||
		      strncmp(codecs[i].mime_type, "video/", 6) == 0);
		CHECK(codecs[i].clock_rate > 0 && codecs[i].payload_type >= 96);
	}
	rtc_codecs_free(codecs, n_codecs);
	char *mid = rtc_transceiver_get_mid(tx, NULL);
	CHECK(mid && *mid);
	free(mid);

	/* Media arrives: the remote track unmutes (W3C: muted until then). */
	s = wait_seen(RTC_EVENT_UNMUTE, rtc_track_get_path(remote), 10000);
	CHECK(s && s->handles_ok);
	/* Play reaches rtcd and its answer comes back: this rtcd has no
	 * PipeWire (NotReadableError for audio), and video does not play. */
	char *remote_kind = rtc_track_get_kind(remote, NULL);
	CHECK(remote_kind != NULL);
	CHECK(rtc_track_play(remote, NULL, &error) < 0);
	if (remote_kind && strcmp(remote_kind, "video") == 0)
		CHECK(rtc_error_has_name(&error, RTC_ERROR_NOT_SUPPORTED));
	else
		CHECK(rtc_error_has_name(&error, RTC_ERROR_NOT_READABLE));
	free(remote_kind);
	rtc_error_clear(&error);

	/* The receiving connection closes: its remote tracks end. */
	CHECK(rtc_peer_connection_close(b, NULL) == 0);
	s = wait_seen(RTC_EVENT_ENDED, rtc_track_get_path(remote), 5000);
	CHECK(s && s->handles_ok);
	s = wait_seen(RTC_EVENT_OBJECT_REMOVED, rtc_transceiver_get_path(tx), 5000);
	CHECK(s && s->handles_ok);
	rtc_transceiver_unref(tx);
	rtc_track_unref(remote);
out:
	for (size_t i = 0; tracks && tracks[i]; i++)
		rtc_track_stop(tracks[i], NULL);
	rtc_track_array_free(tracks);
	if (a)
		rtc_peer_connection_close(a, NULL);
	rtc_peer_connection_unref(a);
	rtc_peer_connection_unref(b);
}

/* ---- DeviceChange, with a PipeWire node of our own -------------------------- */

static bool device_listed(const char *id)
{
	struct rtc_media_device *devices;
	bool found = false;
	size_t n;

	devices = rtc_client_enumerate_devices(client, &n, NULL);
	for (size_t i = 0; devices && i < n; i++)
		found = found || strcmp(devices[i].device_id, id) == 0;
	rtc_media_devices_free(devices, n);
	return found;
}

static const char *test_source;

static void test_device_change(void)
{
	char *argv[] = { (char *)test_source, "rtcctl-test-camera", "Client test camera", NULL };
	pid_t pid;

	/* Enumerating asks for DeviceChange. */
	CHECK(!device_listed("rtcctl-test-camera"));
	seen_clear();
	CHECK(posix_spawn(&pid, test_source, NULL, NULL, argv, environ) == 0);
	CHECK(wait_seen(RTC_EVENT_DEVICE_CHANGE, "/org/rtcd/WebRTC1", 10000) != NULL);
	for (int i = 0; i < 50 && !device_listed("rtcctl-test-camera"); i++)
		pump(100);
	CHECK(device_listed("rtcctl-test-camera"));
	seen_clear();
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	CHECK(wait_seen(RTC_EVENT_DEVICE_CHANGE, "/org/rtcd/WebRTC1", 10000) != NULL);
}

int main(int argc, char **argv)
{
	rtc_error error = RTC_ERROR_INIT;

	client = rtc_client_new(RTC_BUS_DEFAULT, NULL, &error);
	if (!client) {
		printf("Bail out! no bus: %s\n", error.message);
		return 1;
	}
	rtc_client_set_event_callback(client, on_event, NULL);
	if (argc == 3 && strcmp(argv[1], "--device-change") == 0) {
		test_source = argv[2];
		RUN(test_device_change);
	} else {
		RUN(test_enumerate_devices);
		RUN(test_get_user_media);
		RUN(test_get_user_media_constraints);
		RUN(test_transceivers);
		RUN(test_call_events);
	}
	seen_clear();
	rtc_client_unref(client);
	return rtc_test_done();
}
