/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unpredictable bytes for the engine: ICE credentials and tie-breakers, STUN
 * transaction ids, session ids, certificate serials, mDNS names. One place,
 * so every module draws from the same CSPRNG (OpenSSL's) and fails the same
 * way when it cannot.
 */
#pragma once

#include <stddef.h>

/* Fills buf with len random bytes. Returns 0, or -1 when the generator
 * failed (buf is then not to be used). */
int rtc_rng_bytes(void *buf, size_t len);
