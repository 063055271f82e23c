// SPDX-License-Identifier: LGPL-2.1-or-later
#include "engine/jitter/rtx.h"

#include <stdlib.h>
#include <string.h>

#include "engine/base/bytes.h"
#include "engine/rtp/rtp.h"

#define MIN_RESEND_INTERVAL 5000000ull   /* 5 ms: an RTT below this is noise */

struct rtc_rtx_cache *rtc_rtx_cache_new(size_t capacity, uint64_t max_age, struct rtc_error *err)
{
	struct rtc_rtx_cache *c;

	if (capacity == 0 || capacity > 65536) {
		rtc_error_set(err, RTC_ERROR_RANGE, "RTX cache of %zu packets: 1..65536", capacity);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->slots = calloc(capacity, sizeof(*c->slots));
	if (!c || !c->slots) {
		free(c);
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory for the RTX cache");
		return NULL;
	}
	c->capacity = capacity;
	c->max_age = max_age;
	return c;
}

void rtc_rtx_cache_free(struct rtc_rtx_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

int rtc_rtx_cache_put(struct rtc_rtx_cache *c, uint64_t now, const uint8_t *pkt, size_t len,
		      struct rtc_error *err)
{
	struct rtc_rtx_slot *slot;
	uint16_t seq;

	if (len < RTC_RTP_HEADER_SIZE || pkt[0] >> 6 != RTC_RTP_VERSION)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "not an RTP packet (%zu bytes)", len);
	if (len > RTC_RTX_MAX_PACKET) {
		c->stats.packets_too_big++;
		return rtc_error_set(err, RTC_ERROR_RANGE, "RTP packet of %zu bytes exceeds the %u the RTX cache keeps",
				     len, RTC_RTX_MAX_PACKET);
	}
	seq = rtc_get_be16(pkt + 2);
	slot = &c->slots[seq % c->capacity];
	slot->sent = now;
	slot->resend_count = 0;
	slot->seq = seq;
	slot->len = (uint16_t)len;
	memcpy(slot->data, pkt, len);
	c->stats.packets_cached++;
	return 0;
}

static struct rtc_rtx_slot *lookup(const struct rtc_rtx_cache *c, uint64_t now, uint16_t seq)
{
	struct rtc_rtx_slot *slot = &c->slots[seq % c->capacity];

	if (slot->len == 0 || slot->seq != seq || now - slot->sent > c->max_age)
		return NULL;
	return slot;
}

const uint8_t *rtc_rtx_cache_get(const struct rtc_rtx_cache *c, uint64_t now, uint16_t seq,
				 size_t *len)
{
	struct rtc_rtx_slot *slot = lookup(c, now, seq);

	if (!slot)
		return NULL;
	*len = slot->len;
	return slot->data;
}

size_t rtc_rtx_respond(struct rtc_rtx_cache *c, uint64_t now, uint64_t rtt,
		       const uint16_t *seqs, size_t count, struct rtc_rtx_resend *out, size_t max)
{
	uint64_t interval = rtt > MIN_RESEND_INTERVAL ? rtt : MIN_RESEND_INTERVAL;
	size_t k = 0;

	for (size_t i = 0; i < count && k < max; i++) {
		struct rtc_rtx_slot *slot = lookup(c, now, seqs[i]);

		if (!slot) {
			c->stats.nacked_missing++;
			continue;
		}
		if (slot->resend_count && now - slot->resent < interval) {
			c->stats.nacked_too_soon++;
			continue;
		}
		slot->resent = now;
		slot->resend_count++;
		out[k++] = (struct rtc_rtx_resend){ .seq = slot->seq, .pkt = slot->data,
						    .len = slot->len };
		c->stats.packets_resent++;
		c->stats.bytes_resent += slot->len;
	}
	return k;
}

long rtc_rtx_wrap(struct rtc_rtx_stream *s, const uint8_t *orig, size_t len,
		  const struct rtc_rtp_ext_block *ext, uint8_t *out, size_t cap,
		  struct rtc_error *err)
{
	struct rtc_rtp_packet p;
	struct rtc_rtp_header h;
	struct rtc_rtp_ext_block same;
	long hlen;

	if (rtc_rtp_parse(orig, len, &p, err) < 0)
		return -1;
	if (s->payload_type > 127)
		return rtc_error_set(err, RTC_ERROR_TYPE, "RTX payload type %u", s->payload_type);
	if (!ext) {
		same = (struct rtc_rtp_ext_block){ .form = RTC_RTP_EXT_NONE };
		if (p.ext_form != RTC_RTP_EXT_NONE)
			same = (struct rtc_rtp_ext_block){ .form = RTC_RTP_EXT_RAW,
							   .profile = p.ext_profile,
							   .raw = p.ext, .raw_len = p.ext_len };
		ext = &same;
	}
	h = p.h;
	h.ssrc = s->ssrc;
	h.payload_type = s->payload_type;
	h.seq = s->next_seq;
	hlen = rtc_rtp_write_header(&h, ext, out, cap, err);
	if (hlen < 0)
		return -1;
	if (cap - (size_t)hlen < 2 + p.payload_len)
		return rtc_error_set(err, RTC_ERROR_RANGE, "RTX packet of %zu bytes exceeds %zu",
				     (size_t)hlen + 2 + p.payload_len, cap);
	rtc_put_be16(out + hlen, p.h.seq);
	if (p.payload_len)
		memcpy(out + hlen + 2, p.payload, p.payload_len);
	s->next_seq++;
	return hlen + 2 + (long)p.payload_len;
}

void rtc_rtx_apt_map_init(struct rtc_rtx_apt_map *m)
{
	memset(m->apt, RTC_RTX_NO_PT, sizeof(m->apt));
}

int rtc_rtx_apt_map_add(struct rtc_rtx_apt_map *m, uint8_t rtx_pt, uint8_t media_pt,
			struct rtc_error *err)
{
	if (rtx_pt > 127 || media_pt > 127 || rtx_pt == media_pt)
		return rtc_error_set(err, RTC_ERROR_TYPE, "RTX payload type %u apt=%u", rtx_pt,
				     media_pt);
	m->apt[rtx_pt] = media_pt;
	return 0;
}

long rtc_rtx_unwrap(const struct rtc_rtx_apt_map *m, uint32_t media_ssrc, const uint8_t *rtx,
		    size_t len, uint8_t *out, size_t cap, struct rtc_error *err)
{
	struct rtc_rtp_packet p;
	uint8_t apt;
	uint16_t osn;
	size_t total;

	if (rtc_rtp_parse(rtx, len, &p, err) < 0)
		return -1;
	apt = m->apt[p.h.payload_type];
	if (apt == RTC_RTX_NO_PT)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "payload type %u is not an RTX one",
				     p.h.payload_type);
	if (p.payload_len < 2)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "RTX packet without an original sequence number (padding only)");
	total = p.header_len + p.payload_len - 2;
	if (cap < total)
		return rtc_error_set(err, RTC_ERROR_RANGE, "unwrapped RTX packet of %zu bytes exceeds %zu",
				     total, cap);
	osn = rtc_get_be16(p.payload);
	/* The header keeps its length, the payload moves two bytes forward:
	 * memmove makes both safe in place. */
	memmove(out, rtx, p.header_len);
	memmove(out + p.header_len, p.payload + 2, p.payload_len - 2);
	out[0] &= (uint8_t)~0x20;   /* the padding stays behind */
	out[1] = (uint8_t)((p.h.marker ? 0x80 : 0) | apt);
	rtc_put_be16(out + 2, osn);
	rtc_put_be32(out + 8, media_ssrc);
	return (long)total;
}
