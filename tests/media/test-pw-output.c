/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote tracks as PipeWire nodes, against a real PipeWire and WirePlumber
 * (run by tests/media/run-with-pipewire.sh): the test publishes nodes on a
 * loop and core of its own, pushes numbered frames and ramps at the pace a
 * remote track would, and a separate client process (pw-test-sink) says
 * what it received. gst-launch's pipewiresrc is tried as a consumer too,
 * and a sandboxed app's connection as the Camera portal makes it (with a
 * fake permission store) checks which nodes such an app may see.
 *
 *   test-pw-output PATH-TO-pw-test-sink PATH-TO-fake-permission-store [CASE]
 *
 * (CASE: run only the cases whose name contains it, for debugging.)
 *
 * "Once linked" means from the first frame the sink saw: from there on,
 * every frame the node delivered must arrive, in order, intact, and the
 * node drops one only while the consumer has not taken the last (counted).
 * Audio likewise: one unbroken ramp up to the last sample pushed, any gap
 * one the output counted. Waits are bounded (failure, not measurement);
 * figures are printed, never asserted.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/pipewire/output-audio.h"
#include "media/pipewire/output-video.h"
#include "media/pipewire/play.h"
#include "pw-harness.h"
#include "pw-test-pattern.h"

static const char *sink_path;
static const char *store_path;
static const char *only;

#define RUN_SELECTED(fn) do { \
	if (!only || strstr(#fn, only)) \
		RUN(fn); \
} while (0)

/* ---- pushing like a remote track --------------------------------------- */

struct video_pusher {
	struct rtc_pw_video_output *out;
	struct spa_source *timer;
	uint32_t width, height;
	uint32_t counter;                       /* the next frame's number */
	struct rtc_video_frame *frame;
	bool delivered[MAX_FRAMES];
	uint32_t pushed_width[MAX_FRAMES], pushed_height[MAX_FRAMES];
	uint64_t capture_ns[MAX_FRAMES];
	/* delivered pushes at 640x480: wall and pushing-thread CPU time */
	uint64_t push_ns[MAX_FRAMES], push_cpu_ns[MAX_FRAMES];
	uint32_t timed_pushes;
};

static void on_video_tick(void *data, uint64_t expirations)
{
	struct video_pusher *p = data;
	if (p->counter >= MAX_FRAMES)
		return;
	if (!p->frame || p->frame->width != p->width || p->frame->height != p->height) {
		rtc_video_frame_free(p->frame);
		p->frame = rtc_video_frame_new(p->width, p->height);
		if (!p->frame)
			return;
	}
	pwtest_video_fill(p->frame->plane, p->frame->stride, p->width, p->height, p->counter);
	p->frame->capture_ns = now_ns();
	struct rtc_error err = { 0 };
	uint64_t t0 = now_ns(), c0 = thread_cpu_ns();
	int r = rtc_pw_video_output_push(p->out, p->frame, &err);
	uint64_t t1 = now_ns(), c1 = thread_cpu_ns();
	if (r == 1 && p->width == 640 && p->height == 480) {
		p->push_ns[p->timed_pushes] = t1 - t0;
		p->push_cpu_ns[p->timed_pushes] = c1 - c0;
		p->timed_pushes++;
	}
	p->delivered[p->counter] = r == 1;
	p->pushed_width[p->counter] = p->width;
	p->pushed_height[p->counter] = p->height;
	p->capture_ns[p->counter] = p->frame->capture_ns;
	p->counter++;
}

static void video_pusher_start(struct video_pusher *p, struct rtc_pw_video_output *out,
			       uint32_t width, uint32_t height)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->width = width;
	p->height = height;
	p->timer = pw_loop_add_timer(loop, on_video_tick, p);
	struct timespec first = { 0, 1000000 }, every = { 0, 33333333 };
	pw_loop_update_timer(loop, p->timer, &first, &every, false);
}

static void video_pusher_stop(struct video_pusher *p)
{
	if (p->timer)
		pw_loop_destroy_source(loop, p->timer);
	p->timer = NULL;
	rtc_video_frame_free(p->frame);
	p->frame = NULL;
}

typedef int (*audio_push_fn)(void *target, const struct rtc_audio_frame *frame,
			     struct rtc_error *err);

struct audio_pusher {
	audio_push_fn push;
	void *target;
	struct spa_source *timer;
	struct rtc_audio_frame *frame;
	uint64_t position;                      /* the ramp's next sample */
};

static void on_audio_tick(void *data, uint64_t expirations)
{
	struct audio_pusher *p = data;
	/* A late timer pushes every 20 ms it missed: the remote side kept
	 * talking. */
	for (uint64_t k = 0; k < expirations && k < 50; k++) {
		for (uint32_t i = 0; i < p->frame->samples; i++)
			for (uint32_t ch = 0; ch < p->frame->channels; ch++) {
				int16_t v = pwtest_ramp(p->position + i);
				p->frame->pcm[i * p->frame->channels + ch] = (int16_t)(ch ? -v : v);
			}
		p->frame->capture_ns = now_ns();
		struct rtc_error err = { 0 };
		p->push(p->target, p->frame, &err);
		p->position += p->frame->samples;
	}
}

static void audio_pusher_start(struct audio_pusher *p, audio_push_fn push, void *target,
			       uint32_t channels)
{
	*p = (struct audio_pusher){ .push = push, .target = target };
	p->frame = rtc_audio_frame_new(48000, channels, 960);
	p->timer = pw_loop_add_timer(loop, on_audio_tick, p);
	struct timespec first = { 0, 1000000 }, every = { 0, 20000000 };
	pw_loop_update_timer(loop, p->timer, &first, &every, false);
}

static void audio_pusher_stop(struct audio_pusher *p)
{
	if (p->timer)
		pw_loop_destroy_source(loop, p->timer);
	p->timer = NULL;
	rtc_audio_frame_free(p->frame);
	p->frame = NULL;
}

static int push_to_node(void *target, const struct rtc_audio_frame *f, struct rtc_error *err)
{
	return rtc_pw_audio_output_push(target, f, err);
}

static int push_to_play(void *target, const struct rtc_audio_frame *f, struct rtc_error *err)
{
	return rtc_pw_play_push(target, f, err);
}

/* ---- conditions ------------------------------------------------------- */

struct frames_wanted {
	struct child *c;
	uint32_t width, height;
	size_t count;
};

static bool enough_frames(void *arg)
{
	struct frames_wanted *w = arg;
	size_t n = 0;
	for (size_t i = 0; i < w->c->n_frames; i++)
		if (!w->width || (w->c->frames[i].width == w->width &&
				  w->c->frames[i].height == w->height))
			n++;
	return n >= w->count || w->c->eof;
}

struct last_wanted {
	struct child *c;
	uint32_t counter;
};

static bool saw_counter(void *arg)
{
	struct last_wanted *w = arg;
	return (w->c->n_frames && w->c->frames[w->c->n_frames - 1].counter >= w->counter) ||
	       w->c->eof;
}

static bool saw_node_removed(void *arg)
{
	return ((struct child *)arg)->node_removed || ((struct child *)arg)->eof;
}

struct audio_wanted {
	struct child *c;
	uint64_t ok;
};

static bool enough_audio(void *arg)
{
	struct audio_wanted *w = arg;
	return w->c->audio_ok >= w->ok || w->c->eof;
}

/* The last frame the node delivered, to wait for at the sink. */
static uint32_t last_delivered(const struct video_pusher *p)
{
	for (uint32_t c = p->counter; c > 0; c--)
		if (p->delivered[c - 1])
			return c - 1;
	return 0;
}

/* The invariant of a lossless path once linked: from the first frame the
 * sink saw, it saw exactly the frames the node delivered, in order, intact,
 * at the size they were pushed with, with seq following the push count. */
static void check_sink_frames(const struct child *sink, const struct video_pusher *p)
{
	CHECK(sink->n_frames > 0);
	if (!sink->n_frames)
		return;
	size_t bad = 0, wrong_size = 0, out_of_order = 0, seq_bad = 0, pts_bad = 0;
	uint32_t first = sink->frames[0].counter;
	long long seq_offset = sink->frames[0].seq - (long long)first;
	for (size_t i = 0; i < sink->n_frames; i++) {
		const struct frame_seen *f = &sink->frames[i];
		bad += !f->ok;
		if (f->counter < MAX_FRAMES && (f->width != p->pushed_width[f->counter] ||
						f->height != p->pushed_height[f->counter]))
			wrong_size++;
		if (i && f->counter <= sink->frames[i - 1].counter)
			out_of_order++;
		if (f->seq - (long long)f->counter != seq_offset)
			seq_bad++;
		if (f->counter < MAX_FRAMES && f->pts != (long long)p->capture_ns[f->counter])
			pts_bad++;
	}
	/* Delivered ⇔ seen, from the first seen on. */
	size_t missing = 0, phantom = 0, j = 0;
	for (uint32_t c = first; c < p->counter; c++) {
		bool seen = j < sink->n_frames && sink->frames[j].counter == c;
		if (seen)
			j++;
		if (p->delivered[c] && !seen)
			missing++;
		if (!p->delivered[c] && seen)
			phantom++;
	}
	printf("# sink saw %zu frames, counters %u..%u; bad %zu, wrong size %zu, out of order %zu, "
	       "missing %zu, not delivered but seen %zu, seq off %zu, pts off %zu\n", sink->n_frames,
	       first, sink->frames[sink->n_frames - 1].counter, bad, wrong_size, out_of_order,
	       missing, phantom, seq_bad, pts_bad);
	CHECK_INTEQ(bad, 0);
	CHECK_INTEQ(wrong_size, 0);
	CHECK_INTEQ(out_of_order, 0);
	CHECK_INTEQ(missing, 0);
	CHECK_INTEQ(phantom, 0);
	CHECK_INTEQ(seq_bad, 0);
	CHECK_INTEQ(pts_bad, 0);
}

static void print_video_stats(const struct rtc_pw_video_output *out)
{
	struct rtc_pw_video_stats st;
	rtc_pw_video_output_get_stats(out, &st);
	printf("# node: pushed %llu, delivered %llu, dropped unlinked %llu, busy %llu, "
	       "resizing %llu; renegotiations %llu\n",
	       (unsigned long long)st.frames_pushed, (unsigned long long)st.frames_delivered,
	       (unsigned long long)st.dropped_unlinked, (unsigned long long)st.dropped_busy,
	       (unsigned long long)st.dropped_resizing, (unsigned long long)st.renegotiations);
}

static void print_audio_stats(const char *what, const struct rtc_pw_audio_stats *st)
{
	printf("# %s: pushed %llu frames, unlinked %llu, read %llu, dropped %llu (cut %llu in %llu), "
	       "silence %llu, underruns %llu\n", what,
	       (unsigned long long)st->frames_pushed, (unsigned long long)st->frames_unlinked,
	       (unsigned long long)st->ring.frames_read, (unsigned long long)st->ring.frames_dropped,
	       (unsigned long long)st->ring.frames_cut, (unsigned long long)st->ring.cuts,
	       (unsigned long long)st->ring.frames_silence, (unsigned long long)st->ring.underruns);
}

static void audio_node_stats(void *out, struct rtc_pw_audio_stats *st)
{
	rtc_pw_audio_output_get_stats(out, st);
}

static void play_stats(void *play, struct rtc_pw_audio_stats *st)
{
	rtc_pw_play_get_stats(play, st);
}

/* After the pushes stopped and the ring ran dry. Once linked — from the
 * first sample the sink saw — it got every sample, as one unbroken ramp,
 * up to the very last one pushed. Silence inside only where the ring ran
 * dry (the pushing side late), and even then no sample lost. Every pushed
 * sample is accounted for: dropped while nobody consumed, dropped as the
 * oldest (the latency cap while the graph starts), or handed to PipeWire;
 * of those, the first the graph took before the consumer ran are not seen. */
static void check_audio_delivery(const char *what, struct child *sink,
				 struct rtc_pw_audio_stats *st, void *output,
				 void (*get_stats)(void *, struct rtc_pw_audio_stats *),
				 uint64_t pushed, uint64_t pushed_before)
{
	spin_for(500);
	get_stats(output, st);
	print_audio_stats(what, st);
	printf("# sink: ok %llu, silence runs %llu, jumps %llu (missing %llu), bad %llu, last %d; "
	       "handed out before the consumer ran: %lld\n",
	       (unsigned long long)sink->audio_ok, (unsigned long long)sink->silence_runs,
	       (unsigned long long)sink->jumps, (unsigned long long)sink->missing,
	       (unsigned long long)sink->bad, sink->audio_last,
	       (long long)st->ring.frames_read - (long long)sink->audio_ok);
	CHECK(sink->audio_ok >= 3 * 48000);
	/* A gap only where the ring cut (the graph stopped pulling for over
	 * 100 ms: a starved machine), and no more than it cut. Play's rate
	 * matching interpolates when the level strays (the same starved
	 * machine): those samples are off the ramp, none other. */
	uint64_t resampled = st->ring.frames_resampled;
	printf("# interpolated by rate matching: %llu, correction %lld ppm\n",
	       (unsigned long long)resampled, (long long)st->ring.correction_ppm);
	/* A starved graph may also lose a buffer PipeWire took from the ring
	 * (an xrun between the node and the sink, outside rtcd): such samples
	 * were read from the ring and never seen, each loss at least one
	 * quantum (PipeWire's smallest is 32 frames). Anything else the sink
	 * misses was lost inside rtcd. */
	uint64_t unseen = st->ring.frames_read > sink->audio_ok ?
			  st->ring.frames_read - sink->audio_ok : 0;
	CHECK(sink->jumps <= st->ring.cuts + resampled + unseen / 32);
	/* (An interpolated sample that repeats its neighbour reads as a jump
	 * back: a whole ramp period missing.) */
	CHECK(resampled || sink->missing <= st->ring.frames_cut + unseen);
	CHECK(sink->bad <= resampled);
	CHECK_INTEQ(sink->audio_last, (int)((pushed - 1) % PWTEST_RAMP_PERIOD));
	CHECK_INTEQ(st->frames_pushed, pushed_before + pushed);
	CHECK_INTEQ(st->frames_unlinked + st->ring.frames_dropped + st->ring.frames_read,
		    pushed_before + pushed);
	CHECK(sink->audio_ok <= st->ring.frames_read + resampled);
	/* Silence only where the ring ran dry, or where the starved graph
	 * lost a buffer (above): it gave the sink silence in its place. */
	CHECK(sink->silence_runs <= st->ring.underruns + unseen / 32);
	/* Running dry once the pushes stopped. */
	CHECK(st->ring.underruns >= 1);
}

/* ---- the cases -------------------------------------------------------- */

static void test_video_node_properties(void)
{
	struct rtc_error err = { 0 };
	CHECK(!rtc_pw_video_output_new(core, &(struct rtc_pw_video_output_config){
		"rtcd.track.odd", "odd", 641, 480 }, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);

	struct rtc_pw_video_output *out = rtc_pw_video_output_new(core,
		&(struct rtc_pw_video_output_config){ "rtcd.track.props", "Remote camera", 640, 480 },
		&err);
	CHECK(out);
	if (!out)
		return;
	CHECK(spin_until(node_has_info, "rtcd.track.props", 5000));
	struct seen_node *n = find_node("rtcd.track.props");
	CHECK(n != NULL);
	if (!n)
		goto out;
	CHECK_STREQ(n->media_class, "Video/Source");
	CHECK_STREQ(n->media_role, "Camera");
	CHECK_STREQ(n->remote_track, "true");
	CHECK_STREQ(n->description, "Remote camera");
	CHECK_INTEQ(rtc_pw_video_output_node_id(out), n->id);
	CHECK(!rtc_pw_video_output_is_linked(out));

	/* Nobody linked: dropped and counted, never queued. */
	struct rtc_video_frame *f = rtc_video_frame_new(640, 480);
	pwtest_video_fill(f->plane, f->stride, 640, 480, 0);
	CHECK_INTEQ(rtc_pw_video_output_push(out, f, &err), 0);
	CHECK_INTEQ(rtc_pw_video_output_push(out, f, &err), 0);
	struct rtc_pw_video_stats st;
	rtc_pw_video_output_get_stats(out, &st);
	CHECK_INTEQ(st.dropped_unlinked, 2);
	CHECK_INTEQ(st.frames_delivered, 0);
	/* Not a frame: refused, not counted. */
	f->width = 641;
	err = (struct rtc_error){ 0 };
	CHECK_INTEQ(rtc_pw_video_output_push(out, f, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_TYPE);
	rtc_video_frame_free(f);

	uint32_t id = n->id;
	rtc_pw_video_output_destroy(out);
	out = NULL;
	CHECK(spin_until(node_id_removed, &id, 5000));
out:
	rtc_pw_video_output_destroy(out);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_us(const uint64_t *ns, uint32_t n)
{
	uint64_t *sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return 0;
	memcpy(sorted, ns, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	double m = (double)sorted[n / 2] / 1000.0;
	free(sorted);
	return m;
}

static double max_us(const uint64_t *ns, uint32_t n)
{
	uint64_t m = 0;
	for (uint32_t i = 0; i < n; i++)
		m = ns[i] > m ? ns[i] : m;
	return (double)m / 1000.0;
}

/* The same copy into plain memory, for comparison with a push. */
static double bare_copy_us(uint32_t width, uint32_t height, int rounds)
{
	struct rtc_video_frame *f = rtc_video_frame_new(width, height);
	struct rtc_pw_i420_layout layout;
	rtc_pw_i420_layout(width, height, &layout);
	uint8_t *dst = malloc(layout.size);
	if (!f || !dst) {
		free(dst);
		rtc_video_frame_free(f);
		return 0;
	}
	pwtest_video_fill(f->plane, f->stride, width, height, 1);
	memset(dst, 0, layout.size);
	uint64_t t0 = now_ns();
	for (int r = 0; r < rounds; r++) {
		for (int p = 0; p < 3; p++) {
			uint32_t w = p ? width / 2 : width, h = p ? height / 2 : height;
			for (uint32_t y = 0; y < h; y++)
				memcpy(dst + layout.offset[p] + (size_t)y * layout.stride[p],
				       f->plane[p] + (size_t)y * f->stride[p], w);
		}
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	uint64_t t1 = now_ns();
	free(dst);
	rtc_video_frame_free(f);
	return (double)(t1 - t0) / rounds / 1000.0;
}

static void test_video_frames_in_order(void)
{
	struct rtc_error err = { 0 };
	struct rtc_pw_video_output *out = rtc_pw_video_output_new(core,
		&(struct rtc_pw_video_output_config){ "rtcd.track.order", "order", 640, 480 }, &err);
	CHECK(out);
	if (!out)
		return;
	static struct video_pusher pusher;
	video_pusher_start(&pusher, out, 640, 480);
	struct child sink;
	CHECK(child_start(&sink, (char *[]){ (char *)sink_path, "video", "rtcd.track.order", NULL }));
	/* Three seconds of 30 fps once the first frame arrived. */
	CHECK(spin_until(enough_frames, &(struct frames_wanted){ &sink, 0, 0, 90 }, 30000));
	video_pusher_stop(&pusher);
	CHECK(spin_until(saw_counter, &(struct last_wanted){ &sink, last_delivered(&pusher) }, 5000));
	CHECK(rtc_pw_video_output_is_linked(out));

	check_sink_frames(&sink, &pusher);
	/* Once linked, the node drops a frame only while the consumer has not
	 * yet taken the previous one (a starved consumer: counted as busy,
	 * never lost in the graph); a consumer that keeps up loses nothing.
	 * Before the link there are only unlinked drops. */
	size_t dropped = 0;
	for (uint32_t c = sink.n_frames ? sink.frames[0].counter : pusher.counter; c < pusher.counter; c++)
		dropped += !pusher.delivered[c];
	struct rtc_pw_video_stats st;
	rtc_pw_video_output_get_stats(out, &st);
	printf("# dropped once linked: %zu (consumer had not taken the previous frame)\n", dropped);
	CHECK_INTEQ(dropped, st.dropped_busy);
	CHECK_INTEQ(st.dropped_resizing, 0);
	CHECK(sink.n_formats >= 1 && strcmp(sink.formats[0], "640x480") == 0);
	print_video_stats(out);
	if (pusher.timed_pushes)
		printf("# push of a 640x480 I420 frame (copy into the PipeWire buffer, queue, "
		       "trigger a cycle), median of %u: %.1f us wall, %.1f us CPU of the pushing "
		       "thread (the first use of each buffer faults its pages in: max %.1f us)\n",
		       pusher.timed_pushes,
		       median_us(pusher.push_ns, pusher.timed_pushes),
		       median_us(pusher.push_cpu_ns, pusher.timed_pushes),
		       max_us(pusher.push_cpu_ns, pusher.timed_pushes));
	printf("# the same copy into plain memory: %.1f us\n", bare_copy_us(640, 480, 90));
	if (rtc_test_case_failed)
		child_show_tail(&sink);
	CHECK_INTEQ(child_stop(&sink), 0);
	rtc_pw_video_output_destroy(out);
}

static void test_video_resolution_change(void)
{
	struct rtc_error err = { 0 };
	struct rtc_pw_video_output *out = rtc_pw_video_output_new(core,
		&(struct rtc_pw_video_output_config){ "rtcd.track.resize", "resize", 640, 480 }, &err);
	CHECK(out);
	if (!out)
		return;
	static struct video_pusher pusher;
	video_pusher_start(&pusher, out, 640, 480);
	struct child sink;
	CHECK(child_start(&sink, (char *[]){ (char *)sink_path, "video", "rtcd.track.resize", NULL }));
	CHECK(spin_until(enough_frames, &(struct frames_wanted){ &sink, 640, 480, 15 }, 30000));
	pusher.width = 320;
	pusher.height = 240;
	CHECK(spin_until(enough_frames, &(struct frames_wanted){ &sink, 320, 240, 15 }, 15000));
	pusher.width = 1280;
	pusher.height = 720;
	CHECK(spin_until(enough_frames, &(struct frames_wanted){ &sink, 1280, 720, 15 }, 15000));
	video_pusher_stop(&pusher);
	CHECK(spin_until(saw_counter, &(struct last_wanted){ &sink, last_delivered(&pusher) }, 5000));

	check_sink_frames(&sink, &pusher);
	bool small = false, large = false;
	for (int i = 0; i < sink.n_formats; i++) {
		small |= strcmp(sink.formats[i], "320x240") == 0;
		large |= strcmp(sink.formats[i], "1280x720") == 0;
	}
	CHECK(small);
	CHECK(large);
	struct rtc_pw_video_stats st;
	rtc_pw_video_output_get_stats(out, &st);
	CHECK_INTEQ(st.renegotiations, 2);
	print_video_stats(out);
	if (rtc_test_case_failed)
		child_show_tail(&sink);
	CHECK_INTEQ(child_stop(&sink), 0);
	rtc_pw_video_output_destroy(out);
}

static void test_video_destroy_while_linked(void)
{
	struct rtc_error err = { 0 };
	struct rtc_pw_video_output *out = rtc_pw_video_output_new(core,
		&(struct rtc_pw_video_output_config){ "rtcd.track.gone", "gone", 320, 240 }, &err);
	CHECK(out);
	if (!out)
		return;
	static struct video_pusher pusher;
	video_pusher_start(&pusher, out, 320, 240);
	struct child sink;
	CHECK(child_start(&sink, (char *[]){ (char *)sink_path, "video", "rtcd.track.gone", NULL }));
	CHECK(spin_until(enough_frames, &(struct frames_wanted){ &sink, 0, 0, 10 }, 30000));
	CHECK(rtc_pw_video_output_is_linked(out));
	/* Destroyed mid-stream, between two pushes, consumer linked. */
	video_pusher_stop(&pusher);
	rtc_pw_video_output_destroy(out);
	CHECK(spin_until(saw_node_removed, &sink, 5000));
	CHECK(sink.node_removed);
	/* The consumer lives on, and leaves cleanly. */
	spin_for(200);
	CHECK(!child_reap(&sink, false));
	if (rtc_test_case_failed)
		child_show_tail(&sink);
	CHECK_INTEQ(child_stop(&sink), 0);
}

static bool have_program(const char *name)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static void test_video_gstreamer(void)
{
	struct rtc_error err = { 0 };
	struct rtc_pw_video_output *out = rtc_pw_video_output_new(core,
		&(struct rtc_pw_video_output_config){ "rtcd.track.gst", "gst", 640, 480 }, &err);
	CHECK(out);
	if (!out)
		return;
	static struct video_pusher pusher;
	video_pusher_start(&pusher, out, 640, 480);
	struct child gst;
	CHECK(child_start(&gst, (char *[]){ "gst-launch-1.0", "-q", "pipewiresrc",
		"target-object=rtcd.track.gst", "num-buffers=10", "!", "videoconvert", "!",
		"fakesink", NULL }));
	bool done = spin_until(child_reaped, &gst, 30000);
	CHECK(done);
	video_pusher_stop(&pusher);
	print_video_stats(out);
	int status = child_stop(&gst);
	if (status != 0)
		child_show_tail(&gst);
	CHECK_INTEQ(status, 0);
	rtc_pw_video_output_destroy(out);
}

static void test_audio_node(void)
{
	struct rtc_error err = { 0 };
	CHECK(!rtc_pw_audio_output_new(core, &(struct rtc_pw_audio_output_config){
		"rtcd.track.5ch", "five", 5 }, &err));
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_SUPPORTED);
	struct rtc_pw_audio_output *out = rtc_pw_audio_output_new(core,
		&(struct rtc_pw_audio_output_config){ "rtcd.track.audio", "Remote microphone", 2 },
		&err);
	CHECK(out);
	if (!out)
		return;
	CHECK(spin_until(node_has_info, "rtcd.track.audio", 5000));
	struct seen_node *n = find_node("rtcd.track.audio");
	if (n) {
		CHECK_STREQ(n->media_class, "Audio/Source");
		CHECK_STREQ(n->remote_track, "true");
		CHECK_STREQ(n->description, "Remote microphone");
		CHECK_INTEQ(rtc_pw_audio_output_node_id(out), n->id);
	}
	/* Frames it cannot take; a mono frame it can (made stereo). */
	struct rtc_audio_frame *f = rtc_audio_frame_new(44100, 2, 441);
	CHECK_INTEQ(rtc_pw_audio_output_push(out, f, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_SUPPORTED);
	rtc_audio_frame_free(f);
	f = rtc_audio_frame_new(48000, 3, 960);
	CHECK_INTEQ(rtc_pw_audio_output_push(out, f, &err), -1);
	rtc_audio_frame_free(f);
	f = rtc_audio_frame_new(48000, 1, 960);
	CHECK_INTEQ(rtc_pw_audio_output_push(out, f, &err), 0);     /* nobody linked yet */
	rtc_audio_frame_free(f);

	struct audio_pusher pusher;
	audio_pusher_start(&pusher, push_to_node, out, 2);
	struct child sink;
	CHECK(child_start(&sink, (char *[]){ (char *)sink_path, "capture", "rtcd.track.audio", "2",
					     NULL }));
	/* Three seconds of continuous ramp at the consumer's 1024 quantum. */
	CHECK(spin_until(enough_audio, &(struct audio_wanted){ &sink, 3 * 48000 }, 30000));
	CHECK(rtc_pw_audio_output_is_linked(out));
	audio_pusher_stop(&pusher);
	struct rtc_pw_audio_stats st;
	check_audio_delivery("audio node", &sink, &st, out, audio_node_stats, pusher.position, 960);

	/* Destroyed while consumed. */
	rtc_pw_audio_output_destroy(out);
	CHECK(spin_until(saw_node_removed, &sink, 5000));
	if (rtc_test_case_failed)
		child_show_tail(&sink);
	CHECK_INTEQ(child_stop(&sink), 0);
}

/* WirePlumber made this sink the default (its metadata says so). */
static bool is_default_sink(void *name)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "timeout 5 pw-metadata -n default 0 default.audio.sink 2>/dev/null "
		 "| grep -q '\"name\":\"%s\"'", (const char *)name);
	if (system(cmd) == 0)
		return true;
	spin_for(100);
	return false;
}

static void play_into(const char *sink_name, const char *target, const char *play_name)
{
	struct child sink;
	CHECK(child_start(&sink, (char *[]){ (char *)sink_path, "sink", (char *)sink_name, "2",
					     NULL }));
	/* The sink node first, so the player has somewhere to go. */
	CHECK(spin_until(node_present, (void *)sink_name, 5000));
	/* For the default: once it is one, or the player would be linked
	 * (and moved) while WirePlumber is still choosing. */
	if (!target)
		CHECK(spin_until(is_default_sink, (void *)sink_name, 10000));
	struct rtc_error err = { 0 };
	struct rtc_pw_play *play = rtc_pw_play_new(core, &(struct rtc_pw_play_config){
		play_name, "Remote voice", target, 2 }, &err);
	CHECK(play);
	if (!play) {
		child_stop(&sink);
		return;
	}
	struct audio_pusher pusher;
	audio_pusher_start(&pusher, push_to_play, play, 2);
	CHECK(spin_until(enough_audio, &(struct audio_wanted){ &sink, 3 * 48000 }, 30000));
	CHECK(rtc_pw_play_is_linked(play));
	struct seen_node *n = find_node(play_name);
	CHECK(n && n->have_info);
	if (n && n->have_info)
		CHECK_STREQ(n->media_class, "Stream/Output/Audio");
	audio_pusher_stop(&pusher);
	struct rtc_pw_audio_stats st;
	check_audio_delivery("play", &sink, &st, play, play_stats, pusher.position, 0);

	/* Stop playing: the stream leaves the graph; the sink stays. */
	uint32_t id = rtc_pw_play_node_id(play);
	rtc_pw_play_destroy(play);
	CHECK(spin_until(node_id_removed, &id, 5000));
	CHECK(!child_reap(&sink, false));
	if (rtc_test_case_failed)
		child_show_tail(&sink);
	CHECK_INTEQ(child_stop(&sink), 0);
}

static void test_play_to_named_sink(void)
{
	play_into("rtcd.test-sink.named", "rtcd.test-sink.named", "rtcd.play.named");
}

static void test_play_to_default_sink(void)
{
	/* The test's sink is the only one, so WirePlumber makes it the default. */
	play_into("rtcd.test-sink.default", NULL, "rtcd.play.default");
}


/* The Camera portal's rules as WirePlumber 0.4 applies them
 * (access-portal.lua): a sandboxed app whose camera permission is "yes" is
 * granted the nodes with media.role=Camera and media.class=Video/Source —
 * a remote video track among them — and nothing else; an app without the
 * permission sees none of them. */
static void test_camera_portal_sees_remote_video(void)
{
	struct child store, allowed, denied;
	CHECK(child_start(&store, (char *[]){ (char *)store_path, "org.rtcd.Allowed", NULL }));
	CHECK(spin_until(said, &(struct said_wanted){ &store, "ready" }, 5000));
	CHECK(child_said(&store, "ready"));
	struct rtc_error err = { 0 };
	struct rtc_pw_video_output *video = rtc_pw_video_output_new(core,
		&(struct rtc_pw_video_output_config){ "rtcd.track.portal-v", "v", 320, 240 }, &err);
	struct rtc_pw_audio_output *audio = rtc_pw_audio_output_new(core,
		&(struct rtc_pw_audio_output_config){ "rtcd.track.portal-a", "a", 1 }, &err);
	CHECK(video && audio);
	CHECK(spin_until(node_present, "rtcd.track.portal-v", 5000));
	CHECK(spin_until(node_present, "rtcd.track.portal-a", 5000));

	CHECK(child_start(&allowed, (char *[]){ (char *)sink_path, "portal", "org.rtcd.Allowed",
						NULL }));
	CHECK(child_start(&denied, (char *[]){ (char *)sink_path, "portal", "org.rtcd.Denied",
					       NULL }));
	CHECK(spin_until(said, &(struct said_wanted){ &allowed, "connected" }, 5000));
	CHECK(spin_until(said, &(struct said_wanted){ &denied, "connected" }, 5000));
	CHECK(restrict_like_portal(allowed.pid));
	CHECK(restrict_like_portal(denied.pid));
	kill(allowed.pid, SIGUSR1);
	kill(denied.pid, SIGUSR1);
	CHECK(spin_until(said, &(struct said_wanted){ &allowed, "node rtcd.track.portal-v " },
			 10000));
	CHECK(child_said(&allowed, "node rtcd.track.portal-v "));
	/* Time for anything else to show up that should not. */
	spin_for(1000);
	CHECK(!child_said(&allowed, "node rtcd.track.portal-a "));
	CHECK(!child_said(&denied, "node rtcd.track.portal-v "));
	CHECK(!child_said(&denied, "node rtcd.track.portal-a "));
	CHECK(child_said(&store, "lookup devices camera"));
	if (rtc_test_case_failed) {
		child_show_tail(&store);
		child_show_tail(&allowed);
		child_show_tail(&denied);
	}
	CHECK_INTEQ(child_stop(&allowed), 0);
	CHECK_INTEQ(child_stop(&denied), 0);
	child_stop(&store);
	rtc_pw_video_output_destroy(video);
	rtc_pw_audio_output_destroy(audio);
}

static bool play_linked(void *play)
{
	return rtc_pw_play_is_linked(play);
}

/* The core goes before the outputs (PipeWire died, the connection was
 * dropped) — one of them playing at that moment: they notice, drop what
 * is pushed, and are still safe to free. */
static void test_core_goes_first(void)
{
	struct child sink;
	CHECK(child_start(&sink, (char *[]){ (char *)sink_path, "sink", "rtcd.test-sink.orphan", "1",
					     NULL }));
	CHECK(spin_until(node_present, "rtcd.test-sink.orphan", 5000));
	struct pw_core *own = pw_context_connect(context, NULL, 0);
	CHECK(own);
	if (!own) {
		child_stop(&sink);
		return;
	}
	struct rtc_error err = { 0 };
	struct rtc_pw_video_output *video = rtc_pw_video_output_new(own,
		&(struct rtc_pw_video_output_config){ "rtcd.track.orphan-v", "v", 320, 240 }, &err);
	struct rtc_pw_audio_output *audio = rtc_pw_audio_output_new(own,
		&(struct rtc_pw_audio_output_config){ "rtcd.track.orphan-a", "a", 1 }, &err);
	struct rtc_pw_play *play = rtc_pw_play_new(own, &(struct rtc_pw_play_config){
		"rtcd.play.orphan", "p", "rtcd.test-sink.orphan", 1 }, &err);
	CHECK(video && audio && play);
	if (!video || !audio || !play) {
		pw_core_disconnect(own);
		child_stop(&sink);
		return;
	}
	CHECK(spin_until(node_present, "rtcd.track.orphan-v", 5000));
	CHECK(spin_until(node_present, "rtcd.track.orphan-a", 5000));
	struct audio_pusher pusher;
	audio_pusher_start(&pusher, push_to_play, play, 1);
	CHECK(spin_until(play_linked, play, 10000));
	spin_for(200);                          /* PipeWire's data thread busy with it */
	struct seen_node *v = find_node("rtcd.track.orphan-v");
	uint32_t id = v ? v->id : SPA_ID_INVALID;
	pw_core_disconnect(own);
	spin_for(100);                          /* a push or two into the void */
	audio_pusher_stop(&pusher);

	CHECK_INTEQ(rtc_pw_video_output_node_id(video), SPA_ID_INVALID);
	CHECK(!rtc_pw_video_output_is_linked(video));
	CHECK(!rtc_pw_play_is_linked(play));
	struct rtc_video_frame *vf = rtc_video_frame_new(320, 240);
	pwtest_video_fill(vf->plane, vf->stride, 320, 240, 0);
	CHECK_INTEQ(rtc_pw_video_output_push(video, vf, &err), 0);
	vf->width = vf->height = 0;
	CHECK_INTEQ(rtc_pw_video_output_push(video, vf, &err), -1);
	rtc_video_frame_free(vf);
	struct rtc_audio_frame *af = rtc_audio_frame_new(48000, 1, 960);
	CHECK_INTEQ(rtc_pw_audio_output_push(audio, af, &err), 0);
	CHECK_INTEQ(rtc_pw_play_push(play, af, &err), 0);
	rtc_audio_frame_free(af);
	CHECK_INTEQ(rtc_pw_audio_output_node_id(audio), SPA_ID_INVALID);
	CHECK_INTEQ(rtc_pw_play_node_id(play), SPA_ID_INVALID);
	struct rtc_pw_video_stats vst;
	rtc_pw_video_output_get_stats(video, &vst);
	CHECK_INTEQ(vst.dropped_unlinked, 1);
	rtc_pw_video_output_destroy(video);
	rtc_pw_audio_output_destroy(audio);
	rtc_pw_play_destroy(play);
	/* The server removes the nodes of the gone connection; the sink
	 * that was being played to lives on. */
	CHECK(spin_until(node_id_removed, &id, 5000));
	CHECK(!child_reap(&sink, false));
	CHECK_INTEQ(child_stop(&sink), 0);
}

int main(int argc, char *argv[])
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PATH-TO-pw-test-sink PATH-TO-fake-permission-store [CASE]\n",
			argv[0]);
		return 2;
	}
	sink_path = argv[1];
	store_path = argv[2];
	only = argc > 3 ? argv[3] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (harness_init() < 0) {
		printf("1..0 # SKIP no PipeWire to connect to (run under tests/media/run-with-pipewire.sh)\n");
		return 77;
	}

	RUN_SELECTED(test_video_node_properties);
	RUN_SELECTED(test_video_frames_in_order);
	RUN_SELECTED(test_video_resolution_change);
	RUN_SELECTED(test_video_destroy_while_linked);
	RUN_SELECTED(test_camera_portal_sees_remote_video);
	if (have_program("gst-launch-1.0") && have_program("gst-inspect-1.0") &&
	    system("gst-inspect-1.0 pipewiresrc >/dev/null 2>&1") == 0) {
		RUN_SELECTED(test_video_gstreamer);
	} else {
		printf("ok %d - test_video_gstreamer # SKIP gst-launch-1.0 or its pipewiresrc is missing\n",
		       ++rtc_test_number);
	}
	RUN_SELECTED(test_audio_node);
	RUN_SELECTED(test_play_to_named_sink);
	RUN_SELECTED(test_play_to_default_sink);
	RUN_SELECTED(test_core_goes_first);

	harness_fini();
	return rtc_test_done();
}
