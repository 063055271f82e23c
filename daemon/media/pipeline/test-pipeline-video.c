/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Video through the whole media path in one process: the fake camera's
 * pattern → sender (VP8, H.264, on the worker pool) → the engine's send
 * stream → RTP → receive stream → receiver → decoded frames, whose pattern
 * gives back each frame's counter. Checked: order and completeness,
 * sizes, key frame requests (in the bitstream), the bitrate target, the
 * W3C encoding parameters, and a disabled track's black.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "media/fake/camera.h"
#include "media/fake/pattern.h"
#include "test-link.h"

struct seen {
	unsigned frames, unreadable, out_of_order;
	int64_t last_counter;
	uint32_t first_counter, width, height;
	double luma;                    /* the last frame's mean */
	unsigned black;                 /* frames with mean luma near 16 */
	struct kept *kept;              /* test_key_frame_needed's frames */
};

static double mean_luma(const struct rtc_video_frame *f)
{
	uint64_t sum = 0;

	for (uint32_t y = 0; y < f->height; y++)
		for (uint32_t x = 0; x < f->width; x++)
			sum += f->plane[0][(size_t)y * f->stride[0] + x];
	return (double)sum / ((double)f->width * f->height);
}

static void on_video(struct link *l, struct rtc_video_frame *f,
		     const struct rtc_media_frame_info *info)
{
	struct seen *s = l->test;
	uint32_t counter;
	uint64_t capture_ns;

	(void)info;
	s->frames++;
	s->width = f->width;
	s->height = f->height;
	s->luma = mean_luma(f);
	if (fabs(s->luma - 16) < 3)
		s->black++;
	if (!rtc_fake_pattern_read(f, &counter, &capture_ns)) {
		s->unreadable++;
		return;
	}
	if (s->last_counter < 0)
		s->first_counter = counter;
	else if ((int64_t)counter <= s->last_counter)
		s->out_of_order++;
	s->last_counter = counter;
}

/* Takes `frames` frames from the camera, each at its time on the
 * simulated clock and through the whole path before the next. */
static unsigned run(struct link *l, struct rtc_fake_camera *cam, unsigned frames)
{
	unsigned n = 0;
	struct rtc_error err;

	while (n < frames) {
		struct rtc_video_frame *f;

		l->now = rtc_fake_camera_deadline(cam);
		f = rtc_fake_camera_poll(cam, l->now);
		CHECK(f != NULL);
		if (!f)
			break;
		/* Both ways in: lent (copied) and given (taken as it is). */
		if (n % 2) {
			CHECK_INTEQ(rtc_media_sender_push_video(l->tx, f, &err), 0);
			rtc_video_frame_free(f);
		} else {
			CHECK_INTEQ(rtc_media_sender_give_video(l->tx, f, &err), 0);
		}
		n++;
		link_settle(l);
		link_poll_frames(l);
		link_settle(l);
	}
	return n;
}

static struct rtc_fake_camera *camera(struct link *l, uint32_t w, uint32_t h)
{
	struct rtc_error err;
	struct rtc_fake_camera *cam = rtc_fake_camera_new(
		&(struct rtc_fake_camera_config){ .width = w, .height = h, .frame_rate = 30 },
		l->now, &err);

	CHECK(cam != NULL);
	return cam;
}

/* Key frame by the bitstream: VP8's frame tag (RFC 6386 9.1: bit 0 of the
 * first byte is 0), H.264's IDR NAL unit (type 5) in the Annex-B stream. */
static bool bitstream_key_frame(enum rtc_codec codec, const uint8_t *d, size_t len)
{
	if (codec == RTC_CODEC_VP8)
		return len >= 3 && !(d[0] & 1);
	for (size_t i = 0; i + 3 < len; i++)
		if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1 && (d[i + 3] & 0x1f) == 5)
			return true;
	return false;
}

static void counters_in_order(enum rtc_codec codec)
{
	struct link l = { 0 };
	struct seen s = { .last_counter = -1 };
	struct rtc_fake_camera *cam;
	struct rtc_media_sender_stats ts;
	struct rtc_media_receiver_stats rs;
	unsigned pushed;

	l.test = &s;
	l.on_video = on_video;
	if (!link_open(&l, codec, 1000000))
		goto out;
	cam = camera(&l, 640, 480);
	pushed = run(&l, cam, 45);
	rtc_media_sender_stats(l.tx, &ts);
	rtc_media_receiver_stats(l.rx, &rs);
	printf("# %s: %u pushed, %u encoded (%u skipped), %u decoded, %u unreadable, "
	       "%.0f kbit/s, encode %.2f ms/frame, decode %.2f ms/frame\n",
	       rtc_codec_name(codec), pushed, l.encoded, (unsigned)ts.frames_skipped, s.frames,
	       s.unreadable, l.encoded_bytes * 8 / 1.5 / 1000,
	       ts.total_encode_time * 1000 / (ts.frames_encoded ? ts.frames_encoded : 1),
	       rs.total_decode_time * 1000 / (rs.frames_decoded ? rs.frames_decoded : 1));
	CHECK_INTEQ(pushed, 45);
	/* Lossless: every frame the camera gave comes out, in order. */
	CHECK_INTEQ(s.frames, pushed);
	CHECK_INTEQ(s.unreadable, 0);
	CHECK_INTEQ(s.out_of_order, 0);
	CHECK_INTEQ(s.first_counter, 0);
	CHECK_INTEQ(s.last_counter, pushed - 1);
	CHECK_INTEQ(s.width, 640);
	CHECK_INTEQ(s.height, 480);
	/* The counters both ends keep. */
	CHECK_INTEQ(ts.source_frames, pushed);
	CHECK_INTEQ(ts.frames_encoded, pushed);
	CHECK(ts.key_frames_encoded >= 1);
	CHECK_INTEQ(ts.frame_width, 640);
	CHECK_INTEQ(ts.frame_height, 480);
	CHECK(fabs(ts.frames_per_second - 30) <= 1);
	CHECK(fabs(ts.source_frames_per_second - 30) <= 1);
	CHECK(ts.total_encode_time > 0);
	CHECK_INTEQ(rs.frames_decoded, pushed);
	CHECK(rs.key_frames_decoded >= 1);
	CHECK_INTEQ(rs.frame_width, 640);
	CHECK_INTEQ(rs.frame_height, 480);
	CHECK(fabs(rs.frames_per_second - 30) <= 1);
	CHECK(rs.total_decode_time > 0);
	CHECK_INTEQ(rs.frames_dropped, 0);
	CHECK_INTEQ(l.key_frames_needed, 0);
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

static void test_vp8_counters(void)
{
	counters_in_order(RTC_CODEC_VP8);
}

static void test_h264_counters(void)
{
	counters_in_order(RTC_CODEC_H264);
}

static void key_frame_request(enum rtc_codec codec)
{
	struct link l = { 0 };
	struct seen s = { .last_counter = -1 };
	struct rtc_fake_camera *cam;
	unsigned keys = 0;

	l.test = &s;
	l.on_video = on_video;
	if (!link_open(&l, codec, 500000))
		goto out;
	cam = camera(&l, 320, 240);
	run(&l, cam, 1);
	CHECK_INTEQ(l.encoded, 1);
	CHECK(l.last_key);
	CHECK(bitstream_key_frame(codec, l.last_frame, l.last_len));
	/* Delta frames follow... */
	for (int i = 0; i < 8; i++) {
		run(&l, cam, 1);
		keys += bitstream_key_frame(codec, l.last_frame, l.last_len);
	}
	CHECK_INTEQ(keys, 0);
	/* ...until the peer asks. */
	rtc_media_sender_request_key_frame(l.tx);
	run(&l, cam, 1);
	CHECK_INTEQ(l.encoded, 10);
	CHECK(bitstream_key_frame(codec, l.last_frame, l.last_len));
	CHECK(l.last_key);
	run(&l, cam, 1);
	CHECK(!bitstream_key_frame(codec, l.last_frame, l.last_len));
	{
		struct rtc_media_sender_stats ts;

		rtc_media_sender_stats(l.tx, &ts);
		CHECK_INTEQ(ts.key_frames_encoded, 2);
	}
	CHECK_INTEQ(s.frames, 11);
	CHECK_INTEQ(s.out_of_order, 0);
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

static void test_vp8_key_frame_request(void)
{
	key_frame_request(RTC_CODEC_VP8);
}

static void test_h264_key_frame_request(void)
{
	key_frame_request(RTC_CODEC_H264);
}

/* The congestion controller's target reaches the encoder. */
static void test_target_bitrate(void)
{
	struct link l = { 0 };
	struct seen s = { .last_counter = -1 };
	struct rtc_fake_camera *cam;
	uint64_t high, low, before;
	struct rtc_media_sender_stats ts;

	l.test = &s;
	l.on_video = on_video;
	if (!link_open(&l, RTC_CODEC_VP8, 1500000))
		goto out;
	cam = camera(&l, 640, 480);
	run(&l, cam, 30);              /* settle at 1.5 Mbit/s */
	before = l.encoded_bytes;
	run(&l, cam, 30);
	high = l.encoded_bytes - before;
	rtc_media_sender_set_target_bitrate(l.tx, 300000);
	rtc_media_sender_stats(l.tx, &ts);
	CHECK_INTEQ(ts.target_bitrate, 300000);
	run(&l, cam, 30);
	before = l.encoded_bytes;
	run(&l, cam, 30);
	low = l.encoded_bytes - before;
	printf("# VP8 640x480: %.0f kbit/s at a 1500 kbit/s target, %.0f kbit/s at 300\n",
	       high * 8 / 1000.0, low * 8 / 1000.0);
	/* The pattern is simple: at 1.5 Mbit/s VP8 reaches its best quality
	 * well below the target, so the drop is less than fivefold; at
	 * 300 kbit/s the target binds. */
	CHECK(low * 4 < high * 3);
	CHECK(low * 8 < 300000 * 1.3);
	CHECK(high * 8 > 300000 * 1.3);
	/* max-bitrate caps the target. */
	{
		struct rtc_media_sender_parameters p;
		struct rtc_error err;

		rtc_media_sender_get_parameters(l.tx, &p);
		p.max_bitrate = 200000;
		CHECK_INTEQ(rtc_media_sender_set_parameters(l.tx, &p, &err), 0);
		rtc_media_sender_stats(l.tx, &ts);
		CHECK_INTEQ(ts.target_bitrate, 200000);
	}
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

static void test_scale_down(void)
{
	struct link l = { 0 };
	struct seen s = { .last_counter = -1 };
	struct rtc_fake_camera *cam;
	struct rtc_media_sender_parameters p;
	struct rtc_media_sender_stats ts;
	struct rtc_error err;
	unsigned before;

	l.test = &s;
	l.on_video = on_video;
	if (!link_open(&l, RTC_CODEC_VP8, 1000000))
		goto out;
	cam = camera(&l, 640, 480);
	run(&l, cam, 6);
	CHECK_INTEQ(s.width, 640);
	rtc_media_sender_get_parameters(l.tx, &p);
	p.scale_resolution_down_by = 2;
	CHECK_INTEQ(rtc_media_sender_set_parameters(l.tx, &p, &err), 0);
	before = s.frames;
	run(&l, cam, 15);
	CHECK_INTEQ(s.width, 320);
	CHECK_INTEQ(s.height, 240);
	CHECK_INTEQ(s.frames - before, 15);
	CHECK_INTEQ(s.unreadable, 0);      /* the band scales with the picture */
	CHECK_INTEQ(s.out_of_order, 0);
	rtc_media_sender_stats(l.tx, &ts);
	CHECK_INTEQ(ts.frame_width, 320);
	CHECK_INTEQ(ts.source_width, 640);
	p.scale_resolution_down_by = 0.5;
	CHECK_INTEQ(rtc_media_sender_set_parameters(l.tx, &p, &err), -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_RANGE);
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

static void test_max_framerate(void)
{
	struct link l = { 0 };
	struct seen s = { .last_counter = -1 };
	struct rtc_fake_camera *cam;
	struct rtc_media_sender_parameters p;
	struct rtc_media_sender_stats ts;
	struct rtc_media_receiver_stats rs;
	struct rtc_error err;
	unsigned pushed;

	l.test = &s;
	l.on_video = on_video;
	if (!link_open(&l, RTC_CODEC_VP8, 1000000))
		goto out;
	rtc_media_sender_get_parameters(l.tx, &p);
	p.max_framerate = 10;
	CHECK_INTEQ(rtc_media_sender_set_parameters(l.tx, &p, &err), 0);
	cam = camera(&l, 320, 240);
	pushed = run(&l, cam, 90);
	rtc_media_sender_stats(l.tx, &ts);
	rtc_media_receiver_stats(l.rx, &rs);
	printf("# max-framerate 10: %u of %u frames, %.0f fps encoded, %.0f decoded\n", s.frames,
	       pushed, ts.frames_per_second, rs.frames_per_second);
	CHECK_INTEQ(pushed, 90);
	CHECK(s.frames >= 29 && s.frames <= 31);
	CHECK(fabs(ts.frames_per_second - 10) <= 1);
	CHECK(fabs(rs.frames_per_second - 10) <= 1);
	CHECK(fabs(ts.source_frames_per_second - 30) <= 1);
	CHECK_INTEQ(ts.frames_dropped_framerate, pushed - s.frames);
	CHECK_INTEQ(s.out_of_order, 0);
	CHECK_INTEQ(s.unreadable, 0);
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

static void test_inactive(void)
{
	struct link l = { 0 };
	struct seen s = { .last_counter = -1 };
	struct rtc_fake_camera *cam;
	struct rtc_media_sender_parameters p;
	struct rtc_media_sender_stats ts;
	struct rtc_error err;

	l.test = &s;
	l.on_video = on_video;
	if (!link_open(&l, RTC_CODEC_VP8, 1000000))
		goto out;
	rtc_media_sender_get_parameters(l.tx, &p);
	p.active = false;
	CHECK_INTEQ(rtc_media_sender_set_parameters(l.tx, &p, &err), 0);
	cam = camera(&l, 320, 240);
	run(&l, cam, 15);
	rtc_media_sender_stats(l.tx, &ts);
	CHECK_INTEQ(l.encoded, 0);
	CHECK_INTEQ(l.packets_sent, 0);
	CHECK_INTEQ(s.frames, 0);
	CHECK_INTEQ(ts.frames_encoded, 0);
	CHECK_INTEQ(ts.source_frames, 15);
	/* Active again: frames flow, starting with a key frame. */
	p.active = true;
	CHECK_INTEQ(rtc_media_sender_set_parameters(l.tx, &p, &err), 0);
	run(&l, cam, 6);
	CHECK_INTEQ(s.frames, 6);
	CHECK_INTEQ(s.first_counter, 15);
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

/* W3C: a disabled track's sender sends black frames. */
static void test_disabled_black(void)
{
	struct link l = { 0 };
	struct seen s = { .last_counter = -1 };
	struct rtc_fake_camera *cam;
	unsigned before, unreadable_before;

	l.test = &s;
	l.on_video = on_video;
	if (!link_open(&l, RTC_CODEC_VP8, 500000))
		goto out;
	cam = camera(&l, 320, 240);
	run(&l, cam, 9);
	CHECK_INTEQ(s.frames, 9);
	CHECK_INTEQ(s.black, 0);
	rtc_media_sender_set_enabled(l.tx, false);
	before = s.frames;
	unreadable_before = s.unreadable;
	run(&l, cam, 90);
	printf("# disabled: %u frames in 3 s, mean luma %.1f\n", s.frames - before, s.luma);
	/* One a second, black, and no pattern in them. */
	CHECK(s.frames - before >= 3 && s.frames - before <= 4);
	CHECK_INTEQ(s.black, s.frames - before);
	CHECK_INTEQ(s.unreadable - unreadable_before, s.frames - before);
	CHECK(fabs(s.luma - 16) < 2);
	rtc_media_sender_set_enabled(l.tx, true);
	before = s.frames;
	run(&l, cam, 9);
	CHECK_INTEQ(s.frames - before, 9);
	CHECK(fabs(s.luma - 16) > 10);
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

struct kept {
	uint8_t *data[8];
	size_t len[8];
	bool key[8];
	unsigned n;
};

static void keep(struct link *l, const uint8_t *data, size_t len, bool key_frame)
{
	struct kept *k = ((struct seen *)l->test)->kept;

	if (k->n == 8)
		return;
	k->data[k->n] = malloc(len);
	if (k->data[k->n])
		memcpy(k->data[k->n], data, len);
	k->len[k->n] = len;
	k->key[k->n++] = key_frame;
}

static void push_kept_arrived(struct link *l, struct kept *k, unsigned i, uint64_t first_arrival)
{
	struct rtc_recv_frame f = {
		.codec = RTC_CODEC_VP8, .data = k->data[i], .len = k->len[i],
		.rtp_timestamp = i * 3000, .key_frame = k->key[i], .first_arrival = first_arrival,
	};
	struct rtc_error err;

	CHECK_INTEQ(rtc_media_receiver_push(l->rx, l->now, &f, &err), 0);
	link_settle(l);
}

static void push_kept(struct link *l, struct kept *k, unsigned i)
{
	push_kept_arrived(l, k, i, 0);
}

/* Delta frames without their key frame: the decoder refuses them, the
 * receiver asks for a key frame (once while they keep coming, again after
 * its interval), and decodes again from the key frame on. */
static void test_key_frame_needed(void)
{
	struct link l = { 0 };
	struct kept k = { 0 };
	struct seen s = { .last_counter = -1, .kept = &k };
	struct rtc_fake_camera *cam;
	struct rtc_media_receiver_stats rs;

	l.test = &s;
	l.on_video = on_video;
	l.on_encoded = keep;
	if (!link_open(&l, RTC_CODEC_VP8, 500000))
		goto out;
	cam = camera(&l, 320, 240);
	run(&l, cam, 8);
	CHECK_INTEQ(k.n, 8);
	CHECK(k.key[0] && !k.key[1]);
	for (unsigned i = 1; i <= 5; i++) {
		l.now += 33 * MS;
		push_kept(&l, &k, i);
	}
	rtc_media_receiver_stats(l.rx, &rs);
	CHECK_INTEQ(rs.frames_decoded, 0);
	CHECK_INTEQ(rs.frames_dropped, 5);
	CHECK_INTEQ(l.key_frames_needed, 1);        /* 165 ms: one request */
	l.now += RTC_MEDIA_RECEIVER_KEY_FRAME_INTERVAL;
	push_kept(&l, &k, 6);
	CHECK_INTEQ(l.key_frames_needed, 2);        /* still none: asked again */
	for (unsigned i = 0; i < 3; i++)
		push_kept(&l, &k, i);
	rtc_media_receiver_stats(l.rx, &rs);
	CHECK_INTEQ(rs.frames_decoded, 3);
	CHECK_INTEQ(rs.key_frames_decoded, 1);
	CHECK_INTEQ(s.frames, 3);
	CHECK_INTEQ(s.first_counter, 0);
	CHECK_INTEQ(s.last_counter, 2);
	CHECK_INTEQ(l.key_frames_needed, 2);
	for (unsigned i = 0; i < k.n; i++)
		free(k.data[i]);
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* W3C jitterBufferDelay for video: from the first packet's arrival to the
 * decoder taking the frame up, over frames whose arrival is known. Frames
 * that arrived 20 ms before they were pushed add at least that each. */
static void test_jitter_buffer_delay(void)
{
	struct link l = { 0 };
	struct kept k = { 0 };
	struct seen s = { .last_counter = -1, .kept = &k };
	struct rtc_fake_camera *cam;
	struct rtc_media_receiver_stats rs;

	l.test = &s;
	l.on_video = on_video;
	l.on_encoded = keep;
	if (!link_open(&l, RTC_CODEC_VP8, 500000))
		goto out;
	cam = camera(&l, 320, 240);
	run(&l, cam, 4);
	CHECK_INTEQ(k.n, 4);
	/* What the link pushed had no arrival: not counted. */
	rtc_media_receiver_stats(l.rx, &rs);
	CHECK_INTEQ(rs.jitter_buffer_emitted_count, 0);
	CHECK(rs.jitter_buffer_delay == 0);
	for (unsigned i = 0; i < 3; i++)
		push_kept_arrived(&l, &k, i, monotonic_ns() - 20 * MS);
	push_kept(&l, &k, 3);
	rtc_media_receiver_stats(l.rx, &rs);
	CHECK_INTEQ(rs.jitter_buffer_emitted_count, 3);
	CHECK(rs.jitter_buffer_delay >= 0.060);
	/* Not the clock's age: both ends are CLOCK_MONOTONIC. */
	CHECK(rs.jitter_buffer_delay < 60.0);
	for (unsigned i = 0; i < k.n; i++)
		free(k.data[i]);
	rtc_fake_camera_free(cam);
out:
	link_close(&l);
}

int main(void)
{
	RUN(test_vp8_counters);
	RUN(test_h264_counters);
	RUN(test_vp8_key_frame_request);
	RUN(test_h264_key_frame_request);
	RUN(test_target_bitrate);
	RUN(test_scale_down);
	RUN(test_max_framerate);
	RUN(test_inactive);
	RUN(test_disabled_black);
	RUN(test_key_frame_needed);
	RUN(test_jitter_buffer_delay);
	return rtc_test_done();
}
