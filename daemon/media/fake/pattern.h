/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake camera's picture: a band of black and white cells that carries
 * the frame counter and the capture time, readable by whoever receives the
 * video — after lossy VP8/H.264 coding (every frame reads at 100 kbit/s,
 * 640x480) and after scaling — above soft gradients with two boxes moving
 * across them (motion for the encoder, yet cheap: a busy background would
 * leave a low bitrate no room for the band).
 *
 * The band: 20 columns × 6 rows of square cells, each W/20 pixels (32 at
 * 640 wide: two macroblocks, so every macroblock of the band is flat and
 * cheap to code), at the top of the frame. Its 120 bits, MSB first, row by
 * row: 8 sync bits (10110010), the counter (32), capture_ns (64), and a
 * CRC-16/CCITT of the counter and capture_ns (16). The layout is relative
 * to the width, so a scaled frame reads the same.
 *
 * A reader samples the middle half of each cell, takes black and white
 * levels from the sync cells, refuses a cell that is neither clearly
 * black nor clearly white, and then checks the sync bits and the CRC: a
 * misread frame (or any other picture) is refused, never trusted.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "media/raw/raw-frame.h"

#define RTC_FAKE_PATTERN_COLUMNS 20
#define RTC_FAKE_PATTERN_ROWS 6
/* Luma of a 0 and a 1 cell (BT.601 video range black and white). */
#define RTC_FAKE_PATTERN_BLACK 16
#define RTC_FAKE_PATTERN_WHITE 235

/* Whether a frame of that size has room for the band (height at least
 * 6/20 of the width) and cells of at least 8 pixels (width ≥ 160). Cells
 * survive a codec at 300 kbit/s when they are 16 pixels or more. */
bool rtc_fake_pattern_fits(uint32_t width, uint32_t height);

/* Draws the whole picture into frame (which must fit): the moving part at
 * step `motion` (one step per frame slot), the band with counter and
 * capture_ns. Sets frame->capture_ns. */
void rtc_fake_pattern_draw(struct rtc_video_frame *frame, uint64_t motion, uint32_t counter,
			   uint64_t capture_ns);

/* Reads the band back; true only if every cell is clearly black or white,
 * the sync bits match and the CRC checks. */
bool rtc_fake_pattern_read(const struct rtc_video_frame *frame, uint32_t *counter,
			   uint64_t *capture_ns);
