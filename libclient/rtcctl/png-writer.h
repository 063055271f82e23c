/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One I420 picture (BT.601, video range, as decoders give it) written as
 * an 8-bit RGB PNG with libpng.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "node-reader.h"

/* False with the reason in why (errno's text, libpng's message). */
bool png_write_i420(const char *path, const struct node_reader_frame *frame, char *why,
		    size_t why_size);
