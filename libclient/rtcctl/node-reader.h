/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl's window on a PipeWire video node: connects to the user's
 * PipeWire (the one rtcd uses: $XDG_RUNTIME_DIR, $PIPEWIRE_REMOTE), links
 * an I420 stream to the node named, and hands each frame to a callback.
 * Runs on a pw_loop whose fd the caller polls next to its others.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One frame, valid only during the callback. */
struct node_reader_frame {
	uint32_t width, height;
	const uint8_t *plane[3];   /* Y, U, V */
	uint32_t stride[3];
};

typedef void (*node_reader_frame_fn)(void *userdata, const struct node_reader_frame *frame);

struct node_reader;

/* NULL with the reason in why when PipeWire cannot be reached. */
struct node_reader *node_reader_new(const char *node_name, node_reader_frame_fn on_frame,
				    void *userdata, char *why, size_t why_size);
/* Poll for POLLIN, then node_reader_dispatch(). */
int node_reader_fd(const struct node_reader *reader);
/* Runs what PipeWire has for us; false once the stream failed or lost the
 * node (node_reader_error says why). */
bool node_reader_dispatch(struct node_reader *reader);
const char *node_reader_error(const struct node_reader *reader);
void node_reader_free(struct node_reader *reader);
