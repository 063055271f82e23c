/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How loud a frame of PCM is, the two ways WebRTC reports it: the RFC 6464
 * level that rides in each audio packet's header extension (-dBov, 0 the
 * loudest, 127 silence), and W3C's linear audioLevel (0..1, 1 = 0 dBov)
 * for media-source stats. Both come from the frame's RMS relative to full
 * scale, as RFC 6465 appendix A computes it: a full-scale sine is -3 dBov,
 * a sine peaking at -12 dBFS is -15 dBov.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* RMS of n samples (all channels interleaved alike), 0..1 of full scale. */
double rtc_audio_rms(const int16_t *pcm, size_t n);

/* The RFC 6464 level of that RMS: round(-20 log10 rms) in 0..127, 127 for
 * digital silence. */
int rtc_audio_level_from_rms(double rms);
