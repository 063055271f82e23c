/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcd's PipeWire context, device list and capture against a real PipeWire
 * and WirePlumber (run-with-pipewire.sh starts them) with test sources of
 * our own (pw-test-source) as camera and microphone.
 *
 *   test-pw-capture PW_TEST_SOURCE          inside run-with-pipewire.sh
 *   test-pw-capture --no-pipewire           with no PipeWire reachable
 *
 * Rates are checked in wide bands (they must not flake), frame counters
 * exactly (the path from the source is lossless for luma).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <spa/utils/string.h>

#include "check.h"
#include "common/log.h"
#include "media/pipewire/capture.h"
#include "media/pipewire/context.h"
#include "media/pipewire/devices.h"

static const char *source_program;
static const char *only_case;   /* argv[2]: run just this case */

#define RUN_CASE(fn) do { \
	if (!only_case || strcmp(only_case, #fn) == 0) \
		RUN(fn); \
} while (0)
static struct rtc_reactor *reactor;

/* ---- waiting on the reactor --------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs the reactor until cond holds or timeout_ms passed; cond's value. */
#define SPIN_UNTIL(cond, timeout_ms) ({ \
	uint64_t spin_end_ = now_ms() + (timeout_ms); \
	while (!(cond) && now_ms() < spin_end_) \
		rtc_reactor_iterate(reactor, 20); \
	(cond); \
})

static void spin_for(unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		rtc_reactor_iterate(reactor, 20);
}

/* ---- the test sources -------------------------------------------------- */

static pid_t start_source2(const char *flag, const char *flag2, const char *name,
			   const char *description)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* A test that crashes takes its sources with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		const char *argv[6];
		int n = 0;
		argv[n++] = source_program;
		if (flag)
			argv[n++] = flag;
		if (flag2)
			argv[n++] = flag2;
		argv[n++] = name;
		argv[n++] = description;
		argv[n] = NULL;
		execv(source_program, (char **)argv);
		_exit(127);
	}
	return pid;
}

static pid_t start_source(const char *flag, const char *name, const char *description)
{
	return start_source2(flag, NULL, name, description);
}

/* Sets WirePlumber's "default" metadata as a user's choice would. */
static void set_default(const char *key, const char *name)
{
	char json[256], cmd[512];

	snprintf(json, sizeof(json), "{ \"name\": \"%s\" }", name);
	snprintf(cmd, sizeof(cmd), "pw-metadata -n default 0 %s '%s' Spa:String:JSON >/dev/null",
		 key, json);
	if (system(cmd) != 0)
		printf("# %s failed\n", cmd);
}

static void stop_source(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* ---- a context and what its callbacks saw ------------------------------ */

struct watcher {
	struct rtc_pw_context *ctx;
	unsigned devices_changed, availability_changed;
};

static void on_devices_changed(void *userdata)
{
	((struct watcher *)userdata)->devices_changed++;
}

static void on_availability_changed(void *userdata, bool available)
{
	((struct watcher *)userdata)->availability_changed++;
}

static const struct rtc_pw_context_callbacks watcher_callbacks = {
	.devices_changed = on_devices_changed,
	.availability_changed = on_availability_changed,
};

static bool has_device(struct rtc_pw_context *ctx, enum rtc_pw_kind kind, const char *id)
{
	struct rtc_pw_device dev;

	return rtc_pw_devices_find(ctx, kind, id, &dev) == 0;
}

/* ---- a capture and what it delivered ----------------------------------- */

struct sink {
	struct rtc_pw_capture *cap;
	unsigned ready, applied, ended;
	struct rtc_error applied_error, end_reason;
	bool applied_failed;
	/* video */
	unsigned frames, bad_marks, backwards;
	uint32_t width, height, last_counter;
	bool have_counter, wrong_size;
	uint32_t expect_width, expect_height;
	uint64_t convert_ns;            /* capture_ns to the callback, summed */
	bool scaled;                    /* the marks do not survive scaling */
	bool beside_scaled;             /* shares the reactor with a scaled capture */
	/* audio */
	uint64_t samples;
	uint32_t sample_rate, channels;
	int peak;
};

static void on_ready(void *userdata)
{
	((struct sink *)userdata)->ready++;
}

static void on_applied(void *userdata, const struct rtc_error *failure)
{
	struct sink *s = userdata;

	s->applied++;
	s->applied_failed = failure != NULL;
	if (failure)
		s->applied_error = *failure;
}

static void on_ended(void *userdata, const struct rtc_error *reason)
{
	struct sink *s = userdata;

	s->ended++;
	s->end_reason = *reason;
}

static void on_video_frame(void *userdata, struct rtc_video_frame *f)
{
	struct sink *s = userdata;
	const uint8_t *y = f->plane[0];
	uint32_t counter = 0;
	bool mark_ok = true;

	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->convert_ns += (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec - f->capture_ns;
	s->frames++;
	s->width = f->width;
	s->height = f->height;
	if (s->expect_width && (f->width != s->expect_width || f->height != s->expect_height))
		s->wrong_size = true;
	for (int i = 0; i < 4; i++) {
		counter |= (uint32_t)y[i] << (8 * i);
		if ((y[i] ^ y[4 + i]) != 0xff)
			mark_ok = false;
	}
	if (!mark_ok) {
		s->bad_marks++;
	} else {
		if (s->have_counter && counter <= s->last_counter)
			s->backwards++;
		s->last_counter = counter;
		s->have_counter = true;
	}
	rtc_video_frame_free(f);
}

static void on_audio_frame(void *userdata, struct rtc_audio_frame *f)
{
	struct sink *s = userdata;

	s->samples += f->samples;
	s->sample_rate = f->sample_rate;
	s->channels = f->channels;
	for (uint32_t i = 0; i < f->samples * f->channels; i++) {
		int v = abs(f->pcm[i]);
		if (v > s->peak)
			s->peak = v;
	}
	rtc_audio_frame_free(f);
}

static const struct rtc_pw_capture_callbacks sink_callbacks = {
	.ready = on_ready,
	.applied = on_applied,
	.ended = on_ended,
	.video_frame = on_video_frame,
	.audio_frame = on_audio_frame,
};

static struct rtc_pw_context *new_context(struct watcher *w)
{
	struct rtc_error err = { 0 };

	*w = (struct watcher){ 0 };
	w->ctx = rtc_pw_context_new(reactor, &watcher_callbacks, w, &err);
	if (w->ctx)
		SPIN_UNTIL(rtc_pw_context_available(w->ctx), 5000);
	return w->ctx;
}

/* ---- the cases ---------------------------------------------------------- */

static void test_device_appears_and_leaves(void)
{
	struct watcher w;
	struct rtc_pw_device dev;

	CHECK(new_context(&w));
	if (!w.ctx)
		return;
	CHECK(rtc_pw_context_available(w.ctx));
	CHECK(!has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"));
	unsigned before = w.devices_changed;

	pid_t pid = start_source(NULL, "rtcd-test-cam", "Test Camera");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"), 5000));
	spin_for(50);
	CHECK(w.devices_changed > before);
	CHECK_INTEQ(rtc_pw_devices_find(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam", &dev), 0);
	CHECK_STREQ(dev.label, "Test Camera");
	CHECK_STREQ(rtc_pw_kind_name(dev.kind), "videoinput");
	CHECK(dev.group_id && dev.group_id[0]);
	/* Not listed as another kind, and it is the default camera. */
	CHECK(!has_device(w.ctx, RTC_PW_AUDIOINPUT, "rtcd-test-cam"));
	CHECK_INTEQ(rtc_pw_devices_default(w.ctx, RTC_PW_VIDEOINPUT, &dev), 0);
	CHECK_STREQ(dev.id, "rtcd-test-cam");

	before = w.devices_changed;
	stop_source(pid);
	CHECK(SPIN_UNTIL(!has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"), 5000));
	spin_for(50);
	CHECK(w.devices_changed > before);
	rtc_pw_context_free(w.ctx);
}

/* rtcd's own output nodes (marked rtcd.remote-track) are no devices; the
 * default camera follows the "default" metadata. */
static void test_exclusion_and_default(void)
{
	struct watcher w;
	struct rtc_pw_device dev;

	if (!new_context(&w)) {
		CHECK(0);
		return;
	}
	pid_t own = start_source2("--remote-track", NULL, "rtcd-test-remote", "A remote track");
	pid_t own_mic = start_source2("--audio", "--remote-track", "rtcd-test-remote-mic",
				      "A remote audio track");
	pid_t first = start_source(NULL, "rtcd-test-cam-1", "First Camera");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam-1"), 5000));
	pid_t second = start_source(NULL, "rtcd-test-cam-2", "Second Camera");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam-2"), 5000));
	spin_for(300);
	CHECK(!has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-remote"));
	CHECK(!has_device(w.ctx, RTC_PW_AUDIOINPUT, "rtcd-test-remote-mic"));
	CHECK_INTEQ(rtc_pw_devices_count(w.ctx), 2);

	set_default("default.video.source", "rtcd-test-cam-2");
	CHECK(SPIN_UNTIL(rtc_pw_devices_default(w.ctx, RTC_PW_VIDEOINPUT, &dev) == 0 &&
			 strcmp(dev.id, "rtcd-test-cam-2") == 0, 10000));
	set_default("default.video.source", "rtcd-test-cam-1");
	CHECK(SPIN_UNTIL(rtc_pw_devices_default(w.ctx, RTC_PW_VIDEOINPUT, &dev) == 0 &&
			 strcmp(dev.id, "rtcd-test-cam-1") == 0, 10000));
	/* A default that names no listed device: the first listed instead. */
	set_default("default.video.source", "rtcd-test-remote");
	spin_for(300);
	CHECK_INTEQ(rtc_pw_devices_default(w.ctx, RTC_PW_VIDEOINPUT, &dev), 0);
	CHECK(strcmp(dev.id, "rtcd-test-remote") != 0);
	stop_source(own);
	stop_source(own_mic);
	stop_source(first);
	stop_source(second);
	rtc_pw_context_free(w.ctx);
}

/* Frames for 2 s: a rate in a band, counters strictly increasing. */
static void check_video_flow(struct sink *s, uint32_t width, uint32_t height)
{
	s->frames = s->bad_marks = s->backwards = 0;
	s->convert_ns = 0;
	s->have_counter = s->wrong_size = false;
	s->expect_width = width;
	s->expect_height = height;
	spin_for(2000);
	printf("# %u frames of %ux%u in 2 s; buffer to I420 frame: %.0f us on average\n",
	       s->frames, s->width, s->height,
	       s->frames ? (double)s->convert_ns / s->frames / 1000 : 0.0);
	/* Scaling costs tens of ms a frame under ASan, on the reactor thread
	 * all captures share: there only flow counts. */
	if (s->scaled || s->beside_scaled)
		CHECK(s->frames >= 10 && s->frames <= 80);
	else
		CHECK(s->frames >= 40 && s->frames <= 80);
	CHECK(!s->wrong_size);
	if (!s->scaled) {
		CHECK_INTEQ(s->bad_marks, 0);
		CHECK_INTEQ(s->backwards, 0);
	}
}

/* Two captures of one camera at two sizes: the camera runs at the first's
 * size, so the second's frames are scaled down to what it asked. */
static void test_two_sizes_one_camera(void)
{
	struct watcher w;
	struct sink a = { .beside_scaled = true }, b = { .scaled = true };
	struct rtc_error err = { 0 };
	struct rtc_pw_settings set;

	if (!new_context(&w)) {
		CHECK(0);
		return;
	}
	pid_t pid = start_source(NULL, "rtcd-test-cam", "Test Camera");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"), 5000));
	a.cap = rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam", NULL,
				   &sink_callbacks, &a, &err);
	CHECK(a.cap && SPIN_UNTIL(a.frames >= 5, 5000));
	b.cap = rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam",
				   &(struct rtc_pw_constraints){ .width = 320, .height = 180 },
				   &sink_callbacks, &b, &err);
	CHECK(b.cap);
	if (a.cap && b.cap) {
		CHECK(SPIN_UNTIL(b.ready || b.ended, 5000));
		CHECK_INTEQ(b.ready, 1);
		rtc_pw_capture_settings(b.cap, &set);
		CHECK_INTEQ(set.width, 320);
		CHECK_INTEQ(set.height, 180);
		check_video_flow(&b, 320, 180);
		check_video_flow(&a, 640, 480);
	}
	rtc_pw_capture_free(b.cap);
	rtc_pw_capture_free(a.cap);
	stop_source(pid);
	rtc_pw_context_free(w.ctx);
}

static void test_capture_apply_unplug(void)
{
	struct watcher w;
	struct sink s = { 0 };
	struct rtc_error err = { 0 };
	struct rtc_pw_settings set;

	if (!new_context(&w)) {
		CHECK(0);
		return;
	}
	pid_t pid = start_source(NULL, "rtcd-test-cam", "Test Camera");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"), 5000));

	s.cap = rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam",
				   &(struct rtc_pw_constraints){ .width = 640, .height = 480,
								 .frame_rate = 30 },
				   &sink_callbacks, &s, &err);
	CHECK(s.cap);
	if (!s.cap)
		goto out;
	CHECK(SPIN_UNTIL(s.ready || s.ended, 5000));
	CHECK_INTEQ(s.ready, 1);
	CHECK_INTEQ(s.ended, 0);
	rtc_pw_capture_settings(s.cap, &set);
	CHECK_INTEQ(set.width, 640);
	CHECK_INTEQ(set.height, 480);
	CHECK(set.frame_rate > 29.9 && set.frame_rate < 30.1);
	CHECK_STREQ(set.format, "I420");
	CHECK_STREQ(set.device_id, "rtcd-test-cam");
	check_video_flow(&s, 640, 480);

	/* ApplyConstraints to another size: frames then come at that size. */
	CHECK_INTEQ(rtc_pw_capture_apply_constraints(s.cap,
		&(struct rtc_pw_constraints){ .width = 320, .height = 240 }, &err), 0);
	CHECK(SPIN_UNTIL(s.applied == 1, 5000));
	CHECK(!s.applied_failed);
	rtc_pw_capture_settings(s.cap, &set);
	CHECK_INTEQ(set.width, 320);
	CHECK_INTEQ(set.height, 240);
	check_video_flow(&s, 320, 240);

	/* Larger than the source can: OverconstrainedError naming width, and
	 * the capture goes on as before. */
	CHECK_INTEQ(rtc_pw_capture_apply_constraints(s.cap,
		&(struct rtc_pw_constraints){ .width = 2560, .height = 1440 }, &err), 0);
	CHECK(SPIN_UNTIL(s.applied == 2, 5000));
	CHECK(s.applied_failed);
	CHECK_INTEQ(s.applied_error.kind, RTC_ERROR_OVERCONSTRAINED);
	CHECK(strncmp(s.applied_error.message, "width", 5) == 0);
	printf("# %s\n", s.applied_error.message);
	spin_for(300);
	/* Back at 320x240; the camera may still run at the size the failed
	 * attempt got (it had not idled yet), and then the frames are scaled
	 * down to 320x240, which the counters do not survive. */
	struct rtc_pw_settings after;
	rtc_pw_capture_settings(s.cap, &after);
	CHECK_INTEQ(after.width, 320);
	CHECK_INTEQ(after.height, 240);
	s.scaled = true;
	check_video_flow(&s, 320, 240);
	s.scaled = false;
	CHECK_INTEQ(s.ended, 0);

	/* Invalid values are refused at once. */
	CHECK_INTEQ(rtc_pw_capture_apply_constraints(s.cap,
		&(struct rtc_pw_constraints){ .width = 321 }, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_OVERCONSTRAINED);

	/* Unplugged: ended once, the device leaves the list. */
	stop_source(pid);
	pid = 0;
	CHECK(SPIN_UNTIL(s.ended, 5000));
	spin_for(200);
	CHECK_INTEQ(s.ended, 1);
	CHECK_INTEQ(s.end_reason.kind, RTC_ERROR_NOT_READABLE);
	printf("# ended: %s\n", s.end_reason.message);
	CHECK(!rtc_pw_capture_running(s.cap));
	CHECK(SPIN_UNTIL(!has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"), 5000));
	rtc_pw_capture_free(s.cap);
out:
	stop_source(pid);
	rtc_pw_context_free(w.ctx);
}

/* A camera that cannot give the size asked for: OverconstrainedError
 * before any frame. */
static void test_overconstrained_start(void)
{
	struct watcher w;
	struct sink s = { 0 };
	struct rtc_error err = { 0 };

	if (!new_context(&w)) {
		CHECK(0);
		return;
	}
	pid_t pid = start_source(NULL, "rtcd-test-cam", "Test Camera");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"), 5000));
	s.cap = rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, NULL,
				   &(struct rtc_pw_constraints){ .width = 3840, .height = 2160 },
				   &sink_callbacks, &s, &err);
	CHECK(s.cap);
	if (s.cap) {
		CHECK(SPIN_UNTIL(s.ready || s.ended, 6000));
		CHECK_INTEQ(s.ready, 0);
		CHECK_INTEQ(s.ended, 1);
		CHECK_INTEQ(s.end_reason.kind, RTC_ERROR_OVERCONSTRAINED);
		printf("# %s\n", s.end_reason.message);
		rtc_pw_capture_free(s.cap);
	}
	/* Values no camera can give are refused at once. */
	CHECK(!rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, NULL,
				  &(struct rtc_pw_constraints){ .frame_rate = 1000 },
				  &sink_callbacks, &s, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_OVERCONSTRAINED);
	CHECK(strncmp(err.message, "frame-rate", 10) == 0);
	stop_source(pid);
	rtc_pw_context_free(w.ctx);
}

static void capture_format(const char *flag, const char *format)
{
	struct watcher w;
	struct sink s = { 0 };
	struct rtc_error err = { 0 };
	struct rtc_pw_settings set;

	if (!new_context(&w)) {
		CHECK(0);
		return;
	}
	pid_t pid = start_source(flag, "rtcd-test-cam-fmt", "Test Camera (format)");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam-fmt"), 5000));
	s.cap = rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam-fmt", NULL,
				   &sink_callbacks, &s, &err);
	CHECK(s.cap);
	if (s.cap) {
		CHECK(SPIN_UNTIL(s.ready || s.ended, 5000));
		CHECK_INTEQ(s.ready, 1);
		rtc_pw_capture_settings(s.cap, &set);
		CHECK_STREQ(set.format, format);
		check_video_flow(&s, 640, 480);
		rtc_pw_capture_free(s.cap);
	}
	stop_source(pid);
	rtc_pw_context_free(w.ctx);
}

static void test_capture_nv12(void)
{
	capture_format("--nv12", "NV12");
}

static void test_capture_yuy2(void)
{
	capture_format("--yuy2", "YUY2");
}

static void test_capture_audio(void)
{
	struct watcher w;
	struct sink s = { 0 };
	struct rtc_error err = { 0 };
	struct rtc_pw_settings set;
	struct rtc_pw_device dev;

	if (!new_context(&w)) {
		CHECK(0);
		return;
	}
	pid_t pid = start_source("--audio", "rtcd-test-mic", "Test Microphone");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_AUDIOINPUT, "rtcd-test-mic"), 5000));
	CHECK_INTEQ(rtc_pw_devices_find(w.ctx, RTC_PW_AUDIOINPUT, "rtcd-test-mic", &dev), 0);
	CHECK_STREQ(dev.label, "Test Microphone");
	CHECK(!has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-mic"));
	s.cap = rtc_pw_capture_new(w.ctx, RTC_PW_AUDIOINPUT, "rtcd-test-mic",
				   &(struct rtc_pw_constraints){ .sample_rate = 48000, .channels = 1 },
				   &sink_callbacks, &s, &err);
	CHECK(s.cap);
	if (s.cap) {
		CHECK(SPIN_UNTIL(s.ready || s.ended, 5000));
		CHECK_INTEQ(s.ready, 1);
		rtc_pw_capture_settings(s.cap, &set);
		CHECK_INTEQ(set.sample_rate, 48000);
		CHECK_INTEQ(set.channels, 1);
		s.samples = 0;
		spin_for(2000);
		printf("# %llu samples in 2 s, peak %d\n", (unsigned long long)s.samples, s.peak);
		/* 96000 expected; a wide band. */
		CHECK(s.samples >= 60000 && s.samples <= 130000);
		CHECK_INTEQ(s.sample_rate, 48000);
		CHECK_INTEQ(s.channels, 1);
		/* The tone's amplitude is 8000. */
		CHECK(s.peak > 6000 && s.peak < 10000);
		rtc_pw_capture_free(s.cap);
	}
	stop_source(pid);
	rtc_pw_context_free(w.ctx);
}

static void test_not_found(void)
{
	struct watcher w;
	struct sink s = { 0 };
	struct rtc_error err = { 0 };

	if (!new_context(&w)) {
		CHECK(0);
		return;
	}
	CHECK(!rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "no-such-camera", NULL,
				  &sink_callbacks, &s, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_FOUND);
	/* No camera at all: the default is not found either. */
	CHECK(!rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, NULL, NULL, &sink_callbacks, &s, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_FOUND);
	CHECK(!rtc_pw_capture_new(w.ctx, RTC_PW_AUDIOOUTPUT, NULL, NULL, &sink_callbacks, &s, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	rtc_pw_context_free(w.ctx);
}

static int connect_pipewire_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *dir = getenv("XDG_RUNTIME_DIR");
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || !dir)
		return -1;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/pipewire-0", dir);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A caller's fd, as the portal would pass one (here unrestricted). */
static void test_context_from_fd(void)
{
	struct watcher w = { 0 };
	struct sink s = { 0 };
	struct rtc_error err = { 0 };

	pid_t pid = start_source(NULL, "rtcd-test-cam", "Test Camera");
	int fd = connect_pipewire_socket();
	CHECK(fd >= 0);
	w.ctx = rtc_pw_context_new_fd(reactor, fd, &watcher_callbacks, &w, &err);
	CHECK(w.ctx);
	if (w.ctx) {
		CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"), 5000));
		s.cap = rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam", NULL,
					   &sink_callbacks, &s, &err);
		CHECK(s.cap);
		if (s.cap) {
			CHECK(SPIN_UNTIL(s.frames >= 5 || s.ended, 5000));
			CHECK(s.frames >= 5);
			rtc_pw_capture_free(s.cap);
		}
		rtc_pw_context_free(w.ctx);
	}
	stop_source(pid);

	/* An fd that is no PipeWire connection: refused, fd taken. */
	int pair[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
	close(pair[1]);
	w.ctx = rtc_pw_context_new_fd(reactor, pair[0], &watcher_callbacks, &w, &err);
	if (w.ctx) {
		/* Connecting may only fail once the peer's hangup is read. */
		SPIN_UNTIL(rtc_pw_context_available(w.ctx) || w.availability_changed, 1000);
		CHECK(!rtc_pw_context_available(w.ctx));
		CHECK_INTEQ(rtc_pw_context_check(w.ctx, &err), -1);
		CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
		rtc_pw_context_free(w.ctx);
	} else {
		CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	}
}

/* ---- a restricted connection, made the way the Camera portal does ------ */

/* The test plays portal and session manager: a connection that declares an
 * access level no WirePlumber rule grants (so it sees nothing until told),
 * granted the core and one camera by the test's own unrestricted
 * connection, then its fd handed to rtcd. */
struct manager {
	struct pw_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	uint32_t client_id, allowed_node_id, client_node_factory_id;
	const char *allowed_name;
};

static void on_manager_global(void *userdata, uint32_t id, uint32_t permissions,
			      const char *type, uint32_t version, const struct spa_dict *props)
{
	struct manager *m = userdata;

	if (!props)
		return;
	if (strcmp(type, PW_TYPE_INTERFACE_Client) == 0 &&
	    spa_streq(spa_dict_lookup(props, PW_KEY_APP_NAME), "rtcd-test-restricted"))
		m->client_id = id;
	if (strcmp(type, PW_TYPE_INTERFACE_Node) == 0 &&
	    spa_streq(spa_dict_lookup(props, PW_KEY_NODE_NAME), m->allowed_name))
		m->allowed_node_id = id;
	/* Streams are client-nodes: capturing needs that factory. */
	if (strcmp(type, PW_TYPE_INTERFACE_Factory) == 0 &&
	    spa_streq(spa_dict_lookup(props, PW_KEY_FACTORY_NAME), "client-node"))
		m->client_node_factory_id = id;
}

static const struct pw_registry_events manager_registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = on_manager_global,
};

static void manager_spin(struct manager *m, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		pw_loop_iterate(m->loop, 10);
}

static void test_restricted_fd(void)
{
	struct manager m = { .client_id = SPA_ID_INVALID, .allowed_node_id = SPA_ID_INVALID,
			     .client_node_factory_id = SPA_ID_INVALID,
			     .allowed_name = "rtcd-test-allowed" };
	struct sink s = { 0 };
	struct watcher w = { 0 };
	struct rtc_error err = { 0 };

	pid_t allowed = start_source(NULL, "rtcd-test-allowed", "Allowed Camera");
	pid_t hidden = start_source(NULL, "rtcd-test-hidden", "Hidden Camera");
	pid_t mic = start_source("--audio", "rtcd-test-hidden-mic", "Hidden Microphone");

	pw_init(NULL, NULL);
	m.loop = pw_loop_new(NULL);
	pw_loop_enter(m.loop);
	m.context = pw_context_new(m.loop, NULL, 0);
	m.core = pw_context_connect(m.context, NULL, 0);
	CHECK(m.core);
	if (!m.core)
		goto out;
	m.registry = pw_core_get_registry(m.core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(m.registry, &m.registry_listener, &manager_registry_events, &m);

	struct pw_core *restricted = pw_context_connect(m.context, pw_properties_new(
		PW_KEY_APP_NAME, "rtcd-test-restricted",
		PW_KEY_CLIENT_ACCESS, "rtcd-test", NULL), 0);
	CHECK(restricted);
	uint64_t end = now_ms() + 5000;
	while ((m.client_id == SPA_ID_INVALID || m.allowed_node_id == SPA_ID_INVALID) &&
	       now_ms() < end)
		pw_loop_iterate(m.loop, 10);
	CHECK(m.client_id != SPA_ID_INVALID);
	CHECK(m.allowed_node_id != SPA_ID_INVALID);
	if (!restricted || m.client_id == SPA_ID_INVALID || m.allowed_node_id == SPA_ID_INVALID)
		goto out;
	/* Wait for the other sources too, so that hiding them means something. */
	manager_spin(&m, 300);

	struct pw_client *client = pw_registry_bind(m.registry, m.client_id,
						    PW_TYPE_INTERFACE_Client, PW_VERSION_CLIENT, 0);
	struct pw_permission perms[] = {
		PW_PERMISSION_INIT(PW_ID_CORE, PW_PERM_R | PW_PERM_X),
		PW_PERMISSION_INIT(m.allowed_node_id, PW_PERM_R | PW_PERM_X),
		PW_PERMISSION_INIT(m.client_node_factory_id, PW_PERM_R | PW_PERM_X),
	};
	CHECK(m.client_node_factory_id != SPA_ID_INVALID);
	pw_client_update_permissions(client, 3, perms);
	manager_spin(&m, 200);
	pw_proxy_destroy((struct pw_proxy *)client);

	int fd = pw_core_steal_fd(restricted);
	CHECK(fd >= 0);
	pw_core_disconnect(restricted);
	if (fd < 0)
		goto out;

	w.ctx = rtc_pw_context_new_fd(reactor, fd, &watcher_callbacks, &w, &err);
	CHECK(w.ctx);
	if (!w.ctx)
		goto out;
	CHECK(SPIN_UNTIL(rtc_pw_context_available(w.ctx), 5000));
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-allowed"), 10000));
	spin_for(300);
	/* Only what the connection was granted. */
	CHECK(!has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-hidden"));
	CHECK(!has_device(w.ctx, RTC_PW_AUDIOINPUT, "rtcd-test-hidden-mic"));
	CHECK_INTEQ(rtc_pw_devices_count(w.ctx), 1);
	struct rtc_pw_device dev;
	for (size_t i = 0; rtc_pw_devices_get(w.ctx, i, &dev) == 0; i++)
		printf("# restricted sees %s %s\n", rtc_pw_kind_name(dev.kind), dev.id);

	/* While the daemon's own connection sees all three. */
	struct watcher own;
	if (new_context(&own)) {
		CHECK(SPIN_UNTIL(has_device(own.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-hidden") &&
				 has_device(own.ctx, RTC_PW_AUDIOINPUT, "rtcd-test-hidden-mic"), 10000));
		rtc_pw_context_free(own.ctx);
	}
	/* The allowed camera captures through it. */
	s.cap = rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-allowed", NULL,
				   &sink_callbacks, &s, &err);
	CHECK(s.cap);
	if (s.cap) {
		CHECK(SPIN_UNTIL(s.frames >= 10 || s.ended, 5000));
		CHECK(s.frames >= 10);
		CHECK_INTEQ(s.bad_marks, 0);
		rtc_pw_capture_free(s.cap);
	}
	/* Capturing a hidden camera through it: not found. */
	CHECK(!rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-hidden", NULL,
				  &sink_callbacks, NULL, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_FOUND);
	rtc_pw_context_free(w.ctx);
out:
	if (m.registry) {
		spa_hook_remove(&m.registry_listener);
		pw_proxy_destroy((struct pw_proxy *)m.registry);
	}
	if (m.core)
		pw_core_disconnect(m.core);
	pw_context_destroy(m.context);
	pw_loop_leave(m.loop);
	pw_loop_destroy(m.loop);
	pw_deinit();
	stop_source(allowed);
	stop_source(hidden);
	stop_source(mic);
}

/* PipeWire killed mid-capture: the capture ends, the context becomes
 * unavailable and empty, nothing crashes. Last: PipeWire stays dead. */
static void test_pipewire_dies(void)
{
	struct watcher w;
	struct sink s = { 0 };
	struct rtc_error err = { 0 };
	const char *pw_pid = getenv("RTCD_PIPEWIRE_PID");

	if (!pw_pid) {
		printf("# RTCD_PIPEWIRE_PID not set\n");
		CHECK(0);
		return;
	}
	if (!new_context(&w)) {
		CHECK(0);
		return;
	}
	pid_t pid = start_source(NULL, "rtcd-test-cam", "Test Camera");
	CHECK(SPIN_UNTIL(has_device(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam"), 5000));
	s.cap = rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, "rtcd-test-cam", NULL,
				   &sink_callbacks, &s, &err);
	CHECK(s.cap);
	if (s.cap)
		CHECK(SPIN_UNTIL(s.frames >= 5, 5000));
	unsigned availability_before = w.availability_changed;

	kill((pid_t)atoi(pw_pid), SIGKILL);
	CHECK(SPIN_UNTIL(!rtc_pw_context_available(w.ctx), 5000));
	spin_for(100);
	CHECK(w.availability_changed > availability_before);
	CHECK_INTEQ(rtc_pw_devices_count(w.ctx), 0);
	if (s.cap) {
		CHECK_INTEQ(s.ended, 1);
		CHECK_INTEQ(s.end_reason.kind, RTC_ERROR_NOT_READABLE);
		printf("# ended: %s\n", s.end_reason.message);
		rtc_pw_capture_free(s.cap);
	}
	CHECK_INTEQ(rtc_pw_context_check(w.ctx, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	CHECK(!rtc_pw_capture_new(w.ctx, RTC_PW_VIDEOINPUT, NULL, NULL, &sink_callbacks, &s, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	/* A retry in the background finds nothing and harms nothing. */
	spin_for((RTC_PW_RETRY_SECONDS + 1) * 1000);
	CHECK(!rtc_pw_context_available(w.ctx));
	stop_source(pid);
	rtc_pw_context_free(w.ctx);
}

/* ---- no PipeWire at all ------------------------------------------------ */

static void test_no_pipewire(void)
{
	struct watcher w = { 0 };
	struct rtc_error err = { 0 };

	w.ctx = rtc_pw_context_new(reactor, &watcher_callbacks, &w, &err);
	CHECK(w.ctx);
	if (!w.ctx)
		return;
	spin_for(200);
	CHECK(!rtc_pw_context_available(w.ctx));
	CHECK_INTEQ(rtc_pw_devices_count(w.ctx), 0);
	CHECK_INTEQ(rtc_pw_context_check(w.ctx, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	printf("# %s\n", err.message);
	CHECK(!rtc_pw_capture_new(w.ctx, RTC_PW_AUDIOINPUT, NULL, NULL, &sink_callbacks, NULL, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_READABLE);
	rtc_pw_context_free(w.ctx);
}

/* A PipeWire that starts after rtcd is picked up by the background retry. */
static void test_pipewire_started_later(void)
{
	char dir[] = "/tmp/rtcd-pw-late.XXXXXX";
	struct watcher w = { 0 };
	struct rtc_error err = { 0 };

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	w.ctx = rtc_pw_context_new(reactor, &watcher_callbacks, &w, &err);
	CHECK(w.ctx && !rtc_pw_context_available(w.ctx));
	pid_t pw = fork();
	if (pw == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execlp("pipewire", "pipewire", (char *)NULL);
		_exit(127);
	}
	bool up = SPIN_UNTIL(rtc_pw_context_available(w.ctx), (RTC_PW_RETRY_SECONDS + 5) * 1000);
	CHECK(up);
	spin_for(50);
	CHECK(w.availability_changed >= 1);
	rtc_pw_context_free(w.ctx);
	kill(pw, SIGTERM);
	waitpid(pw, NULL, 0);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PW_TEST_SOURCE | --no-pipewire\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (rtc_reactor_new(RTC_REACTOR_AUTO, &reactor) < 0) {
		printf("1..0 # SKIP no reactor\n");
		return 77;
	}
	if (strcmp(argv[1], "--no-pipewire") == 0) {
		/* An empty runtime dir: no socket to connect to. */
		char dir[] = "/tmp/rtcd-no-pw.XXXXXX";
		if (!mkdtemp(dir))
			return 1;
		setenv("XDG_RUNTIME_DIR", dir, 1);
		unsetenv("PIPEWIRE_REMOTE");
		unsetenv("PIPEWIRE_RUNTIME_DIR");
		RUN(test_no_pipewire);
		if (access("/usr/bin/pipewire", X_OK) == 0)
			RUN(test_pipewire_started_later);
		rmdir(dir);
	} else {
		source_program = argv[1];
		only_case = argc > 2 ? argv[2] : NULL;
		RUN_CASE(test_device_appears_and_leaves);
		RUN_CASE(test_not_found);
		RUN_CASE(test_exclusion_and_default);
		RUN_CASE(test_capture_apply_unplug);
		RUN_CASE(test_overconstrained_start);
		RUN_CASE(test_two_sizes_one_camera);
		RUN_CASE(test_capture_nv12);
		RUN_CASE(test_capture_yuy2);
		RUN_CASE(test_capture_audio);
		RUN_CASE(test_context_from_fd);
		RUN_CASE(test_restricted_fd);
		RUN_CASE(test_pipewire_dies);
	}
	rtc_reactor_free(reactor);
	return rtc_test_done();
}
