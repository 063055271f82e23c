/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl call: a camera and a microphone (or rtcd's fake devices) to a
 * peer, the SDP through files, FIFOs or standard input and output as for
 * send/receive. Prints the remote tracks with their PipeWire nodes, a line
 * of live figures from GetStats once a second, and, reading the remote
 * video's node, a PNG snapshot and the glass-to-glass latency that the
 * fake camera's pattern carries (its capture time, CLOCK_MONOTONIC, the
 * same clock here when both ends run on one machine).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call-figures.h"
#include "media/fake/pattern.h"
#include "node-reader.h"
#include "png-writer.h"
#include "rtcctl.h"

#define FAKE_CAMERA "rtcd-fake-camera"
#define FAKE_MICROPHONE "rtcd-fake-microphone"
#define MAX_REMOTE 16
/* A snapshot waits for a frame whose pattern reads (a whole picture) at
 * most this many frames; then any frame will do. */
#define SNAPSHOT_PATIENCE 60

static const char usage[] =
	"Usage: rtcctl call [OPTIONS]\n"
	"Calls a peer (another `rtcctl call --answer`, or any WebRTC app) with a camera and\n"
	"a microphone. Prints each remote track with its PipeWire node and, once a\n"
	"second, the call's figures: received video size and frame rate, bitrate in and\n"
	"out, packets lost, round-trip time, jitter-buffer delay.\n"
	"\n"
	"  --answer          answer an offer instead of making one\n"
	"  --sdp-out PATH    where our offer or answer goes (default standard output)\n"
	"  --sdp-in PATH     where the peer's comes from (default standard input);\n"
	"                    FIFOs (mkfifo) work\n"
	"  --fake            send rtcd's fake camera and microphone (rtcd\n"
	"                    --fake-media-devices): a test pattern and a tone\n"
	"  --video DEVICE    the camera's device id (rtcctl devices lists them)\n"
	"  --audio DEVICE    the microphone's device id\n"
	"  --no-video, --no-audio\n"
	"                    send no camera, no microphone\n"
	"  --duration SECONDS\n"
	"                    hang up after this long connected (default: at Ctrl-C)\n"
	"  --snapshot FILE.png\n"
	"                    write one received video frame as a PNG, read from the\n"
	"                    remote track's PipeWire node\n"
	"  --wait SECONDS    how long connecting may take (default 30)\n"
	"  --verbose         every event on standard error\n"
	"\n"
	"When the remote video is rtcd's fake camera on this machine, the frames read\n"
	"from its node also give the glass-to-glass latency (capture to here).\n";

struct remote_track {
	rtc_track *track;
	bool video;
	char *node;          /* PipeWireNode; "" for none */
	bool node_changed;   /* since it was printed */
};

struct call {
	rtc_client *client;
	rtc_peer_connection *pc;
	rtc_track **local;
	bool verbose;
	bool gathered;
	bool connected;
	bool ended;              /* the connection failed or closed after connecting */
	char failure[256];

	rtc_track *arrived[MAX_REMOTE];   /* Track events not looked at yet */
	size_t n_arrived;
	struct remote_track remote[MAX_REMOTE];
	size_t n_remote;

	struct node_reader *reader;
	bool reader_tried;       /* once: a node that goes ends the reading */
	char no_frames[320];     /* why no frames are read; "" while they may be */
	uint64_t frames_read;
	const char *snapshot_path;
	bool snapshot_written;
	char snapshot_error[320];
	struct latency latency, latency_second;
};

struct call_options {
	bool answer;
	const char *sdp_in, *sdp_out;
	bool fake, no_audio, no_video;
	const char *video_device, *audio_device;
	unsigned long duration_s;
	unsigned long wait_s;
	const char *snapshot;
	bool verbose;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int signo)
{
	(void)signo;
	interrupted = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void set_failure(struct call *c, const char *what, const char *detail)
{
	if (!c->failure[0])
		snprintf(c->failure, sizeof(c->failure), "%s%s", what, detail);
}

static void on_event(rtc_client *client, const struct rtc_event *event, void *userdata)
{
	struct call *c = userdata;

	(void)client;
	if (c->verbose)
		rtcctl_print_event(stderr, event);
	switch (event->type) {
	case RTC_EVENT_DISCONNECTED:
		set_failure(c, "lost the bus: ", event->error_message);
		break;
	case RTC_EVENT_PROPERTY_CHANGED:
		/* A remote track's node comes with PipeWire, and goes with it. */
		if (event->track && event->value &&
		    strcmp(event->property, "PipeWireNode") == 0) {
			for (size_t i = 0; i < c->n_remote; i++) {
				if (c->remote[i].track != event->track ||
				    (c->remote[i].node &&
				     strcmp(c->remote[i].node, event->value) == 0))
					continue;
				free(c->remote[i].node);
				c->remote[i].node = strdup(event->value);
				c->remote[i].node_changed = true;
			}
			break;
		}
		if (!event->peer_connection || !event->value)
			break;
		if (strcmp(event->property, "IceGatheringState") == 0) {
			c->gathered = strcmp(event->value, "complete") == 0;
		} else if (strcmp(event->property, "ConnectionState") == 0) {
			bool over = strcmp(event->value, "failed") == 0 ||
				    strcmp(event->value, "closed") == 0;

			if (strcmp(event->value, "connected") == 0)
				c->connected = true;
			else if (over && c->connected)
				c->ended = true;
			else if (over)
				set_failure(c, "the peer connection ", event->value);
		}
		break;
	case RTC_EVENT_TRACK:
		/* Looked at after dispatch: method calls do not belong in here. */
		if (c->n_arrived < MAX_REMOTE && event->track)
			c->arrived[c->n_arrived++] = rtc_track_ref(event->track);
		break;
	case RTC_EVENT_ENDED:
		for (size_t i = 0; i < c->n_remote; i++)
			if (c->remote[i].track == event->track)
				printf("remote track ended: %s\n", event->path);
		break;
	default:
		break;
	}
}

static int fail_call(const char *what, rtc_error *error)
{
	int ret = rtcctl_fail(what, error);

	rtc_error_clear(error);
	return ret;
}

/* ---- options --------------------------------------------------------------- */

enum {
	OPT_SDP_IN = 0x100, OPT_SDP_OUT, OPT_FAKE, OPT_VIDEO, OPT_AUDIO, OPT_NO_VIDEO,
	OPT_NO_AUDIO, OPT_DURATION, OPT_SNAPSHOT, OPT_WAIT, OPT_VERBOSE, OPT_ANSWER,
};

/* -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct call_options *o)
{
	static const struct option options[] = {
		{ "answer", no_argument, NULL, OPT_ANSWER },
		{ "sdp-in", required_argument, NULL, OPT_SDP_IN },
		{ "sdp-out", required_argument, NULL, OPT_SDP_OUT },
		{ "fake", no_argument, NULL, OPT_FAKE },
		{ "video", required_argument, NULL, OPT_VIDEO },
		{ "audio", required_argument, NULL, OPT_AUDIO },
		{ "no-video", no_argument, NULL, OPT_NO_VIDEO },
		{ "no-audio", no_argument, NULL, OPT_NO_AUDIO },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_ANSWER: o->answer = true; break;
		case OPT_SDP_IN: o->sdp_in = optarg; break;
		case OPT_SDP_OUT: o->sdp_out = optarg; break;
		case OPT_FAKE: o->fake = true; break;
		case OPT_VIDEO: o->video_device = optarg; break;
		case OPT_AUDIO: o->audio_device = optarg; break;
		case OPT_NO_VIDEO: o->no_video = true; break;
		case OPT_NO_AUDIO: o->no_audio = true; break;
		case OPT_SNAPSHOT: o->snapshot = optarg; break;
		case OPT_VERBOSE: o->verbose = true; break;
		case OPT_DURATION:
			if (!rtcctl_parse_uint(optarg, 86400, &o->duration_s) || o->duration_s == 0)
				return rtcctl_usage_error("--duration needs 1..86400 seconds");
			break;
		case OPT_WAIT:
			if (!rtcctl_parse_uint(optarg, 3600, &o->wait_s) || o->wait_s == 0)
				return rtcctl_usage_error("--wait needs 1..3600 seconds");
			break;
		case 'h':
			fputs(usage, stdout);
			return RTCCTL_OK;
		default:
			fputs("Try 'rtcctl call --help'.\n", stderr);
			return RTCCTL_USAGE;
		}
	}
	if (optind != argc)
		return rtcctl_usage_error("call takes no arguments");
	if (o->no_video && o->no_audio)
		return rtcctl_usage_error("--no-video and --no-audio: nothing to send");
	if (o->no_video && o->video_device)
		return rtcctl_usage_error("--video and --no-video contradict each other");
	if (o->no_audio && o->audio_device)
		return rtcctl_usage_error("--audio and --no-audio contradict each other");
	if (o->snapshot && !*o->snapshot)
		return rtcctl_usage_error("--snapshot needs a file name");
	return -1;
}

/* ---- setting up ---------------------------------------------------------- */

static int get_user_media(struct call *c, const struct call_options *o)
{
	struct rtc_track_constraints audio = RTC_TRACK_CONSTRAINTS_INIT;
	struct rtc_track_constraints video = RTC_TRACK_CONSTRAINTS_INIT;
	struct rtc_media_constraints mc = RTC_MEDIA_CONSTRAINTS_INIT;
	rtc_error error = RTC_ERROR_INIT;

	audio.device_id = o->audio_device ? o->audio_device : o->fake ? FAKE_MICROPHONE : NULL;
	video.device_id = o->video_device ? o->video_device : o->fake ? FAKE_CAMERA : NULL;
	mc.audio = !o->no_audio;
	mc.video = !o->no_video;
	mc.audio_constraints = mc.audio && audio.device_id ? &audio : NULL;
	mc.video_constraints = mc.video && video.device_id ? &video : NULL;
	c->local = rtc_client_get_user_media(c->client, &mc, &error);
	if (!c->local)
		return fail_call("GetUserMedia", &error);
	for (rtc_track **t = c->local; *t; t++) {
		char *kind = rtc_track_get_kind(*t, NULL), *label = rtc_track_get_label(*t, NULL);

		printf("local track: %s %s (%s)\n", kind ? kind : "?", rtc_track_get_path(*t),
		       label ? label : "?");
		free(kind);
		free(label);
	}
	fflush(stdout);
	return RTCCTL_OK;
}

/* Our tracks; and an offer receives what it does not send too, so the
 * peer's camera comes even when ours stays off. */
static int add_tracks(struct call *c, const struct call_options *o)
{
	static const char *const stream_ids[] = { "rtcctl", NULL };
	struct rtc_transceiver_init recvonly = RTC_TRANSCEIVER_INIT;
	rtc_error error = RTC_ERROR_INIT;

	for (rtc_track **t = c->local; *t; t++) {
		rtc_transceiver *tx = rtc_peer_connection_add_track(c->pc, *t, stream_ids, &error);

		if (!tx)
			return fail_call("AddTrack", &error);
		rtc_transceiver_unref(tx);
	}
	recvonly.direction = "recvonly";
	for (int video = 0; video < 2 && !o->answer; video++) {
		rtc_transceiver *tx;

		if (!(video ? o->no_video : o->no_audio))
			continue;
		tx = rtc_peer_connection_add_transceiver(c->pc, video ? "video" : "audio",
							 &recvonly, &error);
		if (!tx)
			return fail_call("AddTransceiver", &error);
		rtc_transceiver_unref(tx);
	}
	return RTCCTL_OK;
}

static int negotiate(struct call *c, const struct call_options *o)
{
	rtc_error error = RTC_ERROR_INIT;
	const char *local_type = o->answer ? "answer" : "offer";
	char *remote = NULL, *local = NULL;
	int ret;

	if (o->answer) {
		if (!(remote = rtcctl_read_sdp_from(o->sdp_in)))
			return RTCCTL_FAILED;
		if (rtc_peer_connection_set_remote_description(c->pc, "offer", remote, &error) < 0) {
			ret = fail_call("SetRemoteDescription", &error);
			goto out;
		}
	}
	/* The answerer's tracks take the transceivers the offer made. */
	ret = add_tracks(c, o);
	if (ret != RTCCTL_OK)
		goto out;
	if ((o->answer ? rtc_peer_connection_create_answer(c->pc, &local, &error)
		       : rtc_peer_connection_create_offer(c->pc, NULL, &local, &error)) < 0) {
		ret = fail_call(o->answer ? "CreateAnswer" : "CreateOffer", &error);
		goto out;
	}
	if (rtc_peer_connection_set_local_description(c->pc, local_type, local, &error) < 0) {
		ret = fail_call("SetLocalDescription", &error);
		goto out;
	}
	ret = rtcctl_write_local_description_to(c->client, c->pc, &c->gathered, o->sdp_out);
	if (ret != RTCCTL_OK || o->answer)
		goto out;
	if (!(remote = rtcctl_read_sdp_from(o->sdp_in))) {
		ret = RTCCTL_FAILED;
		goto out;
	}
	if (rtc_peer_connection_set_remote_description(c->pc, "answer", remote, &error) < 0)
		ret = fail_call("SetRemoteDescription", &error);
out:
	free(remote);
	free(local);
	return ret;
}

/* ---- remote tracks and their frames -------------------------------------- */

static void on_frame(void *userdata, const struct node_reader_frame *frame)
{
	struct call *c = userdata;
	struct rtc_video_frame view = {
		.width = frame->width, .height = frame->height,
		.plane = { (uint8_t *)frame->plane[0], (uint8_t *)frame->plane[1],
			   (uint8_t *)frame->plane[2] },
		.stride = { frame->stride[0], frame->stride[1], frame->stride[2] },
	};
	uint64_t now = now_ns(), capture_ns;
	uint32_t counter;
	bool pattern = rtc_fake_pattern_fits(frame->width, frame->height) &&
		       rtc_fake_pattern_read(&view, &counter, &capture_ns);

	c->frames_read++;
	/* A capture time ahead of now is another machine's clock. */
	if (pattern && capture_ns <= now) {
		double ms = (double)(now - capture_ns) / 1e6;

		latency_add(&c->latency, ms);
		latency_add(&c->latency_second, ms);
	}
	if (!c->snapshot_path || c->snapshot_written || c->snapshot_error[0] ||
	    (!pattern && c->frames_read < SNAPSHOT_PATIENCE))
		return;
	if (png_write_i420(c->snapshot_path, frame, c->snapshot_error,
			   sizeof(c->snapshot_error))) {
		c->snapshot_written = true;
		if (pattern)
			printf("snapshot: %s (%ux%u, the fake camera's frame %u)\n", c->snapshot_path,
			       frame->width, frame->height, counter);
		else
			printf("snapshot: %s (%ux%u)\n", c->snapshot_path, frame->width,
			       frame->height);
		fflush(stdout);
	}
}

static void start_reading(struct call *c, const char *node)
{
	char why[256];

	c->reader = node_reader_new(node, on_frame, c, why, sizeof(why));
	if (!c->reader) {
		snprintf(c->no_frames, sizeof(c->no_frames), "%s", why);
		fprintf(stderr, "rtcctl: cannot read the remote video: %s\n", why);
		return;
	}
	c->reader_tried = true;
	fprintf(stderr, "rtcctl: reading the remote video from PipeWire node %s\n", node);
}

static void print_remote(const struct remote_track *r, const char *kind)
{
	printf("remote track: %s %s PipeWireNode %s\n", kind, rtc_track_get_path(r->track),
	       *r->node ? r->node : RTCCTL_UNSET);
	fflush(stdout);
}

/* Announces the tracks that arrived, and nodes that came or went; reads
 * the first remote video that has a node. */
static void look_at_remote_tracks(struct call *c)
{
	rtc_error error = RTC_ERROR_INIT;

	for (size_t i = 0; i < c->n_arrived; i++) {
		struct remote_track *r = c->n_remote < MAX_REMOTE ? &c->remote[c->n_remote] : NULL;
		char *kind = r ? rtc_track_get_kind(c->arrived[i], &error) : NULL;

		if (!kind) {
			if (r)
				fail_call("Kind", &error);
			rtc_track_unref(c->arrived[i]);
			continue;
		}
		c->n_remote++;
		r->track = c->arrived[i];
		r->video = strcmp(kind, "video") == 0;
		r->node = rtc_track_get_pipewire_node(r->track, &error);
		if (!r->node) {
			fail_call("PipeWireNode", &error);
			r->node = strdup("");
		}
		if (r->node)
			print_remote(r, kind);
		free(kind);
	}
	c->n_arrived = 0;

	for (size_t i = 0; i < c->n_remote; i++) {
		struct remote_track *r = &c->remote[i];

		if (!r->node)
			continue;
		if (r->node_changed) {
			r->node_changed = false;
			print_remote(r, r->video ? "video" : "audio");
		}
		if (r->video && *r->node && !c->reader && !c->reader_tried)
			start_reading(c, r->node);
	}
}

/* ---- the call --------------------------------------------------------------- */

/* since_ns 0: only takes the counters to count from. */
static void print_figures(struct call *c, struct call_counters *last, uint64_t since_ns)
{
	rtc_error error = RTC_ERROR_INIT;
	rtc_stats_report *report = rtc_peer_connection_get_stats(c->pc, &error);
	struct call_figures figures;
	char line[256];
	double median, p95;

	if (!report) {
		fail_call("GetStats", &error);
		return;
	}
	call_figures_read(report, now_ns(), last, &figures);
	rtc_stats_report_free(report);
	if (!since_ns)
		return;
	call_figures_format(&figures, line, sizeof(line));
	printf("[%3llu s] %s", (unsigned long long)((now_ns() - since_ns + 500000000) / 1000000000),
	       line);
	if (latency_summary(&c->latency_second, &median, &p95))
		printf(" | glass-to-glass %.0f ms", median);
	putchar('\n');
	fflush(stdout);
	latency_clear(&c->latency_second);
}

static bool wait_connected(struct call *c, unsigned long wait_s)
{
	uint64_t deadline = now_ns() + wait_s * 1000000000ull;

	rtc_client_dispatch(c->client, NULL);
	/* poll() of our own: rtc_client_wait() would sleep through Ctrl-C. */
	while (!c->connected && !c->failure[0] && !interrupted) {
		struct pollfd pfd = { .fd = rtc_client_get_fd(c->client), .events = POLLIN };
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000 + 1)) > 0 &&
		    rtc_client_dispatch(c->client, NULL) < 0)
			break;
	}
	return c->connected;
}

/* Until --duration, Ctrl-C, or the connection ends. */
static void run(struct call *c, unsigned long duration_s)
{
	uint64_t start = now_ns(), end = duration_s ? start + duration_s * 1000000000ull : 0;
	uint64_t next_tick = start + 1000000000ull;
	struct call_counters last = { 0 };

	print_figures(c, &last, 0);
	while (!interrupted && !c->ended && !c->failure[0]) {
		struct pollfd fds[2] = {
			{ .fd = rtc_client_get_fd(c->client), .events = POLLIN },
			{ .fd = c->reader ? node_reader_fd(c->reader) : -1, .events = POLLIN },
		};
		uint64_t now = now_ns(), wake = end && end < next_tick ? end : next_tick;

		look_at_remote_tracks(c);
		if (now >= next_tick) {
			print_figures(c, &last, start);
			next_tick += 1000000000ull;
			continue;
		}
		if (end && now >= end)
			break;
		if (poll(fds, 2, (int)((wake - now) / 1000000 + 1)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents && rtc_client_dispatch(c->client, NULL) < 0)
			set_failure(c, "lost the bus", "");
		if (c->reader && fds[1].revents && !node_reader_dispatch(c->reader)) {
			snprintf(c->no_frames, sizeof(c->no_frames), "%s",
				 node_reader_error(c->reader));
			fprintf(stderr, "rtcctl: stopped reading the remote video: %s\n",
				c->no_frames);
			node_reader_free(c->reader);
			c->reader = NULL;
		}
	}
	if (c->ended)
		fprintf(stderr, "rtcctl: the peer hung up\n");
}

static const char *why_no_frames(const struct call *c)
{
	bool video = false;

	if (c->no_frames[0])
		return c->no_frames;
	if (c->reader_tried)
		return "no remote video frame was read";
	for (size_t i = 0; i < c->n_remote; i++)
		video = video || c->remote[i].video;
	return video ? "the remote video track has no PipeWire node (rtcd publishes remote "
		       "tracks as nodes only while it is connected to PipeWire)"
		     : "no remote video track";
}

/* The end: glass-to-glass latency and the snapshot's fate. */
static int report(struct call *c)
{
	double median, p95;
	int ret = RTCCTL_OK;

	if (latency_summary(&c->latency, &median, &p95))
		printf("glass-to-glass latency: median %.1f ms, p95 %.1f ms over %zu frames\n",
		       median, p95, c->latency.count);
	else if (c->frames_read > 0)
		printf("glass-to-glass latency: not measured: %llu frames read, none carried "
		       "the fake camera's pattern\n", (unsigned long long)c->frames_read);
	else
		printf("glass-to-glass latency: not measured: %s\n", why_no_frames(c));
	if (c->snapshot_path && !c->snapshot_written) {
		fprintf(stderr, "rtcctl: no snapshot written: %s\n",
			c->snapshot_error[0] ? c->snapshot_error : why_no_frames(c));
		ret = RTCCTL_FAILED;
	}
	fflush(stdout);
	return ret;
}

static void hang_up(struct call *c)
{
	if (c->pc)
		rtc_peer_connection_close(c->pc, NULL);
	for (rtc_track **t = c->local; t && *t; t++)
		rtc_track_stop(*t, NULL);
}

static void call_clear(struct call *c)
{
	rtc_client_set_event_callback(c->client, NULL, NULL);
	node_reader_free(c->reader);
	for (size_t i = 0; i < c->n_arrived; i++)
		rtc_track_unref(c->arrived[i]);
	for (size_t i = 0; i < c->n_remote; i++) {
		rtc_track_unref(c->remote[i].track);
		free(c->remote[i].node);
	}
	rtc_track_array_free(c->local);
	rtc_peer_connection_unref(c->pc);
	latency_clear(&c->latency);
	latency_clear(&c->latency_second);
}

int rtcctl_call(rtc_client *client, int argc, char **argv)
{
	struct call_options o = { .wait_s = 30 };
	struct call c = { .client = client };
	struct sigaction sa = { .sa_handler = on_signal };
	rtc_error error = RTC_ERROR_INIT;
	int ret = parse_options(argc, argv, &o);

	if (ret >= 0)
		return ret;
	c.verbose = o.verbose;
	c.snapshot_path = o.snapshot;
	/* No SA_RESTART: Ctrl-C interrupts the poll and hangs up cleanly. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rtc_client_set_event_callback(client, on_event, &c);

	ret = get_user_media(&c, &o);
	if (ret != RTCCTL_OK)
		goto out;
	c.pc = rtc_client_create_peer_connection(client, NULL, &error);
	if (!c.pc) {
		ret = fail_call("CreatePeerConnection", &error);
		goto out;
	}
	rtc_peer_connection_set_user_data(c.pc, "call");
	ret = negotiate(&c, &o);
	if (ret != RTCCTL_OK)
		goto out;
	fprintf(stderr, "rtcctl: connecting (up to %lu s)\n", o.wait_s);
	if (!wait_connected(&c, o.wait_s)) {
		fprintf(stderr, "rtcctl: the call did not connect%s%s\n",
			c.failure[0] ? ": " : interrupted ? ": interrupted" : " in time",
			c.failure);
		ret = RTCCTL_FAILED;
		goto out;
	}
	printf("connected\n");
	fflush(stdout);
	run(&c, o.duration_s);
	if (c.failure[0]) {
		fprintf(stderr, "rtcctl: %s\n", c.failure);
		ret = RTCCTL_FAILED;
	}
	if (report(&c) != RTCCTL_OK)
		ret = RTCCTL_FAILED;
out:
	hang_up(&c);
	call_clear(&c);
	return ret;
}
