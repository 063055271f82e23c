/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTX packets come from the peer. Whatever rtc_rtx_unwrap accepts must
 * come out as the RTP packet RFC 4588 describes (the OSN as sequence
 * number, the associated payload type, the media SSRC, the payload after
 * the OSN), the same in place as into another buffer, and wrapped again
 * with the RTX stream's own fields it must give the input back (without
 * its padding). The same bytes go through the RTX cache and responder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/bytes.h"
#include "engine/jitter/rtx.h"
#include "engine/rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEDIA_SSRC 0x01020304u

static void check_unwrap(const uint8_t *data, size_t size)
{
	struct rtc_rtx_apt_map map;
	struct rtc_rtp_packet in, out;
	struct rtc_error err = { 0 };
	uint8_t *a = malloc(size + 1), *b = malloc(size + 1), *again = malloc(size + 1);
	long n, m, w;

	if (!a || !b || !again)
		abort();
	rtc_rtx_apt_map_init(&map);
	/* Every odd payload type is the RTX of the even one below it. */
	for (uint8_t pt = 1; pt < 128; pt += 2)
		rtc_rtx_apt_map_add(&map, pt, pt - 1, &err);
	n = rtc_rtx_unwrap(&map, MEDIA_SSRC, data, size, a, size, &err);
	memcpy(b, data, size);
	m = rtc_rtx_unwrap(&map, MEDIA_SSRC, b, size, b, size, &err);
	if (n != m || (n >= 0 && memcmp(a, b, (size_t)n) != 0))
		abort();   /* in place differs */
	if (n < 0) {
		if (err.message[0] == '\0')
			abort();
		goto out;
	}
	if (rtc_rtp_parse(data, size, &in, &err) < 0 || rtc_rtp_parse(a, (size_t)n, &out, &err) < 0)
		abort();
	if (out.h.seq != rtc_get_be16(in.payload) || out.h.payload_type != in.h.payload_type - 1 ||
	    out.h.ssrc != MEDIA_SSRC || out.h.timestamp != in.h.timestamp ||
	    out.h.marker != in.h.marker || out.padding_len != 0 ||
	    out.payload_len != in.payload_len - 2 ||
	    (out.payload_len && memcmp(out.payload, in.payload + 2, out.payload_len) != 0))
		abort();
	/* Wrapped again: the input, but for its padding. */
	struct rtc_rtx_stream s = { .ssrc = in.h.ssrc, .payload_type = in.h.payload_type,
				    .next_seq = in.h.seq };
	w = rtc_rtx_wrap(&s, a, (size_t)n, NULL, again, size + 1, &err);
	if (w < 0 || (size_t)w != size - in.padding_len || s.next_seq != (uint16_t)(in.h.seq + 1))
		abort();
	if (memcmp(again + 1, data + 1, (size_t)w - 1) != 0 || (again[0] ^ data[0]) & ~0x20)
		abort();
out:
	free(a);
	free(b);
	free(again);
}

static void check_cache(const uint8_t *data, size_t size)
{
	struct rtc_rtx_cache *c = rtc_rtx_cache_new(8, 1000, NULL);
	struct rtc_rtx_resend out[4];
	uint16_t seqs[4];
	size_t len, k;
	const uint8_t *got;

	if (!c)
		abort();
	if (rtc_rtx_cache_put(c, 0, data, size, NULL) == 0) {
		uint16_t seq = rtc_get_be16(data + 2);

		got = rtc_rtx_cache_get(c, 10, seq, &len);
		if (!got || len != size || memcmp(got, data, size) != 0)
			abort();
		for (k = 0; k < 4; k++)
			seqs[k] = (uint16_t)(seq + k % 2);
		k = rtc_rtx_respond(c, 10, 0, seqs, 4, out, 4);
		if (k != 1 || out[0].seq != seq || out[0].len != size)
			abort();   /* once, not again within the RTT */
		if (rtc_rtx_cache_get(c, 1001, seq, &len) != NULL)
			abort();   /* too old */
	}
	rtc_rtx_cache_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_unwrap(data, size);
	check_cache(data, size);
	return 0;
}
