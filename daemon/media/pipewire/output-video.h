/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A remote video track published as a PipeWire Video/Source node, I420 at
 * the track's current size, so any PipeWire client (gst-launch pipewiresrc,
 * OBS, a browser through the Camera portal) can show or record it.
 *
 * The node is tagged media.role=Camera: WirePlumber 0.4's access-portal.lua
 * grants camera-permitted sandboxed apps exactly the nodes with
 * media.role=Camera and media.class=Video/Source. It also carries
 * `rtcd.remote-track = "true"` (output-node.h) so rtcd never lists it as a
 * capture device.
 *
 * The node drives its graph (PipeWire's video-src model): each push copies
 * the frame into a free PipeWire buffer and runs one cycle, so consumers
 * get frames at the remote track's pace. It waits for consumers: with none
 * linked, pushes are dropped and counted. It never blocks and never holds
 * more than one frame: while the consumers have not yet taken the last
 * frame (the cycle has not completed), a new one is dropped and counted as
 * busy — newer frames are not queued behind a slow consumer, and none is
 * lost unseen in the graph. When the remote resolution changes, the node
 * announces the new size and consumers renegotiate; frames in between are
 * dropped (counted).
 *
 * Buffer layout (one data block): the Y plane, then U, then V, with the
 * strides GStreamer assumes for I420 (Y: width rounded up to 4, U/V: width/2
 * rounded up to 4); the block's chunk stride is Y's. Each buffer's
 * spa_meta_header carries pts = the frame's capture_ns (CLOCK_MONOTONIC, the
 * graph's clock) and seq = the number of the push (gaps show drops).
 *
 * The caller runs the pw_core's loop; destroy the output before the core.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "media/raw/raw-frame.h"

struct pw_core;
struct rtc_pw_video_output;

struct rtc_pw_video_output_config {
	const char *node_name;          /* unique in the graph, e.g. "rtcd.track.<id>" */
	const char *description;        /* the track's label */
	uint32_t width, height;         /* first size offered; even, 2..4096 */
};

struct rtc_pw_video_stats {
	uint64_t frames_pushed;
	uint64_t frames_delivered;      /* copied into a buffer and queued */
	uint64_t dropped_unlinked;      /* nobody consuming */
	uint64_t dropped_busy;          /* consumers still on the last frame, or hold every buffer */
	uint64_t dropped_resizing;      /* new size announced, not negotiated yet */
	uint64_t renegotiations;        /* sizes announced after the first */
};

struct rtc_pw_video_output *rtc_pw_video_output_new(struct pw_core *core,
						    const struct rtc_pw_video_output_config *config,
						    struct rtc_error *err);
/* Any time, consumers linked or not: the node leaves the graph. */
void rtc_pw_video_output_destroy(struct rtc_pw_video_output *out);

/* 1: delivered; 0: dropped (counted in the stats); -1: not a frame this
 * node can take (odd or out-of-range size, missing planes). */
int rtc_pw_video_output_push(struct rtc_pw_video_output *out, const struct rtc_video_frame *frame,
			     struct rtc_error *err);

bool rtc_pw_video_output_is_linked(const struct rtc_pw_video_output *out);
/* Whether a push now would be dropped as busy: the consumers have not yet
 * taken the last frame. A caller whose frames come in bursts (a decoder
 * that fell behind hands over two at once) holds the newest back and
 * pushes it on ready, rather than losing every second one. */
bool rtc_pw_video_output_busy(const struct rtc_pw_video_output *out);
/* ready(user) when the consumers took the last frame (or the node started
 * streaming): a push would not be busy now. Called from the pw_core's loop,
 * never from inside a push; NULL to stop. */
void rtc_pw_video_output_on_ready(struct rtc_pw_video_output *out, void (*ready)(void *user),
				  void *user);
/* PipeWire's id of the node, SPA_ID_INVALID until the server made it. */
uint32_t rtc_pw_video_output_node_id(const struct rtc_pw_video_output *out);
void rtc_pw_video_output_get_stats(const struct rtc_pw_video_output *out,
				   struct rtc_pw_video_stats *stats);

/* The buffer layout above for a width × height frame (both even). */
struct rtc_pw_i420_layout {
	uint32_t stride[3];
	uint32_t offset[3];
	uint32_t size;
};
void rtc_pw_i420_layout(uint32_t width, uint32_t height, struct rtc_pw_i420_layout *layout);
