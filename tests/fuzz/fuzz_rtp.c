/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTP packets come from the peer. Whatever the parser accepts must lie
 * within the input, and written back (header, elements, payload, padding)
 * must parse again to the same packet. The same bytes, read as a run of
 * sequence numbers and timestamps, drive the unwrappers, whose extended
 * numbers must keep the low bits they were given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/bytes.h"
#include "engine/rtp/rtp.h"
#include "engine/rtp/rtp-ext.h"
#include "engine/rtp/rtp-seq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ELEMS 4096

static bool within(const uint8_t *p, size_t n, const uint8_t *buf, size_t size)
{
	return n == 0 || (p >= buf && p <= buf + size && n <= (size_t)(buf + size - p));
}

static void exercise_payloads(const struct rtc_rtp_ext *e)
{
	uint32_t u32;
	uint16_t u16;
	uint8_t level;
	bool voice;
	const char *s;
	size_t len;

	if (rtc_rtp_ext_get_abs_send_time(e, &u32, NULL) == 0 && u32 > 0xffffff)
		abort();
	rtc_rtp_ext_get_transport_cc(e, &u16, NULL);
	if (rtc_rtp_ext_get_audio_level(e, &voice, &level, NULL) == 0 && level > 127)
		abort();
	if (rtc_rtp_ext_get_mid(e, &s, &len, NULL) == 0 &&
	    (len == 0 || len > e->len || s != (const char *)e->data))
		abort();
	if (rtc_rtp_ext_get_rid(e, &s, &len, NULL) == 0 && (len == 0 || len > e->len))
		abort();
}

static void round_trip(const struct rtc_rtp_packet *p, const struct rtc_rtp_ext *elems,
		       size_t count)
{
	struct rtc_rtp_ext_block block = {
		.form = p->ext_form, .elems = elems, .count = count,
		.appbits = p->ext_profile & 0x0f,
		.profile = p->ext_profile, .raw = p->ext, .raw_len = p->ext_len,
	};
	size_t cap = p->header_len + p->payload_len + p->padding_len;
	uint8_t *out = malloc(cap ? cap : 1);
	struct rtc_rtp_packet again;
	struct rtc_rtp_ext_iter it;
	struct rtc_rtp_ext e;
	struct rtc_error err = { 0 };
	size_t i = 0;
	long len;

	if (!out)
		return;
	/* Compacting the elements can only shrink the extension. */
	len = rtc_rtp_write(&p->h, &block, p->payload, p->payload_len, p->padding_len, out, cap,
			    &err);
	if (len < 0 || (size_t)len > cap)
		abort();
	if (rtc_rtp_parse(out, (size_t)len, &again, &err) < 0)
		abort();
	if (memcmp(&again.h, &p->h, sizeof(p->h)) != 0 || again.ext_form != p->ext_form ||
	    again.payload_len != p->payload_len || again.padding_len != p->padding_len ||
	    (p->payload_len && memcmp(again.payload, p->payload, p->payload_len) != 0))
		abort();
	if (p->ext_form == RTC_RTP_EXT_RAW &&
	    (again.ext_profile != p->ext_profile || again.ext_len != p->ext_len ||
	     (p->ext_len && memcmp(again.ext, p->ext, p->ext_len) != 0)))
		abort();
	if (p->ext_form == RTC_RTP_EXT_TWO_BYTE && again.ext_profile != p->ext_profile)
		abort();
	rtc_rtp_ext_iter_init(&it, &again);
	while (rtc_rtp_ext_iter_next(&it, &e)) {
		if (i >= count || e.id != elems[i].id || e.len != elems[i].len ||
		    (e.len && memcmp(e.data, elems[i].data, e.len) != 0))
			abort();
		i++;
	}
	if (i != count)
		abort();
	free(out);
}

static void check_packet(const uint8_t *data, size_t size)
{
	static struct rtc_rtp_ext elems[MAX_ELEMS];
	struct rtc_rtp_packet p;
	struct rtc_rtp_ext_iter it;
	struct rtc_error err = { 0 };
	bool seen[256] = { false }, duplicate = false;
	size_t count = 0;
	struct rtc_rtp_ext e;

	if (rtc_rtp_parse(data, size, &p, &err) < 0) {
		if (err.message[0] == '\0' || err.kind != RTC_ERROR_SYNTAX)
			abort();   /* every refusal says why */
		return;
	}
	if (p.header_len + p.payload_len + p.padding_len != size ||
	    p.payload != data + p.header_len || !within(p.ext, p.ext_len, data, size) ||
	    p.h.csrc_count > RTC_RTP_MAX_CSRC || p.h.payload_type > 127)
		abort();
	rtc_rtp_ext_iter_init(&it, &p);
	while (rtc_rtp_ext_iter_next(&it, &e)) {
		if (e.id == 0 || !within(e.data, e.len, p.ext, p.ext_len))
			abort();
		if (p.ext_form == RTC_RTP_EXT_ONE_BYTE && (e.id > 14 || e.len < 1 || e.len > 16))
			abort();
		exercise_payloads(&e);
		if (seen[e.id])
			duplicate = true;
		seen[e.id] = true;
		if (count < MAX_ELEMS)
			elems[count] = e;
		count++;
	}
	for (unsigned id = 1; id < 256; id++) {
		bool found = rtc_rtp_ext_find(&p, (uint8_t)id, &e);

		if (found != seen[id] || (found && e.id != id))
			abort();
	}
	/* The writer refuses duplicate IDs, which the parser lets through. */
	if (!duplicate && count <= MAX_ELEMS)
		round_trip(&p, elems, count);
}

static void check_unwrappers(const uint8_t *data, size_t size)
{
	struct rtc_rtp_seq s;
	struct rtc_rtp_ts_unwrap ts;
	uint64_t ext, prev_max = 0;

	rtc_rtp_seq_init(&s, size ? data[0] % 4 : 0);
	rtc_rtp_ts_unwrap_init(&ts);
	for (size_t i = 0; i + 2 <= size; i += 2) {
		uint16_t seq = rtc_get_be16(data + i);
		enum rtc_rtp_seq_result r = rtc_rtp_seq_update(&s, seq, &ext);

		if ((r == RTC_RTP_SEQ_NEW || r == RTC_RTP_SEQ_LATE || r == RTC_RTP_SEQ_RESTART) &&
		    ((uint16_t)ext != seq || ext > s.max_ext))
			abort();
		if (s.started && s.max_ext < prev_max)
			abort();   /* extended numbers never go back */
		if (s.started)
			prev_max = s.max_ext;
		if (s.started && rtc_rtp_seq_expected(&s) == 0)
			abort();
	}
	for (size_t i = 0; i + 8 <= size; i += 8) {
		uint32_t roc = rtc_get_be32(data + i), v;
		uint16_t s_l = rtc_get_be16(data + i + 4), seq = rtc_get_be16(data + i + 6);
		uint64_t index, cur = (uint64_t)roc << 16 | s_l;

		if (rtc_rtp_srtp_index_guess(roc, s_l, seq, &index)) {
			/* The guess is the index nearest the highest one. */
			uint64_t d = index > cur ? index - cur : cur - index;
			if ((uint16_t)index != seq || d > 32768 ||
			    !rtc_rtp_roc_guess(roc, s_l, seq, &v) || v != index >> 16)
				abort();
		}
	}
	for (size_t i = 0; i + 4 <= size; i += 4) {
		uint32_t t = rtc_get_be32(data + i);

		if ((uint32_t)rtc_rtp_ts_unwrap(&ts, t) != t)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_packet(data, size);
	check_unwrappers(data, size);
	return 0;
}
