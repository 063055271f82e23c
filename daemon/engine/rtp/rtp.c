/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RTP wire format (RFC 3550 section 5.1, RFC 8285):
 *
 *    0                   1                   2                   3
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   |                           timestamp                           |
 *   |                             SSRC                              |
 *   |                     CSRC list (CC words)                      |
 *   |    profile (0xBEDE / 0x100X)  |     length (32-bit words)     |
 *   |                  extension body (length words)                |
 *   |   payload ...                 | padding ...   | pad count     |
 *
 * One-byte elements: ID (4 bits) and length-1 (4 bits), then the data.
 * Two-byte elements: ID (8 bits), length (8 bits), then the data. In both
 * forms a zero byte between elements is padding.
 */
#include "engine/rtp/rtp.h"

#include "engine/base/bytes.h"

#include <string.h>

/* The next element of an extension body at *pos: 1 with *e, 0 at its end,
 * -1 (with err) if an element runs past the body. */
static int ext_next(const uint8_t *block, size_t len, bool two_byte, size_t *pos,
		    struct rtc_rtp_ext *e, struct rtc_error *err)
{
	while (*pos < len) {
		size_t at = *pos;
		uint8_t b = block[at];
		size_t n;

		if (b == 0) {
			(*pos)++;
			continue;
		}
		if (!two_byte) {
			uint8_t id = b >> 4;

			/* RFC 8285 section 4.2: ID 15 ends processing, its length ignored. */
			if (id == 15) {
				*pos = len;
				return 0;
			}
			if (id == 0)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "one-byte extension element with the padding ID 0 and length %u",
						     (b & 0x0f) + 1u);
			n = (b & 0x0fu) + 1;
			if (len - at - 1 < n)
				return rtc_error_set(err, RTC_ERROR_SYNTAX,
						     "one-byte extension element %u of %zu bytes runs past the extension",
						     id, n);
			e->id = id;
			e->len = (uint8_t)n;
			e->data = block + at + 1;
			*pos = at + 1 + n;
			return 1;
		}
		if (len - at < 2)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "two-byte extension element %u has no length byte", b);
		n = block[at + 1];
		if (len - at - 2 < n)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "two-byte extension element %u of %zu bytes runs past the extension",
					     b, n);
		e->id = b;
		e->len = (uint8_t)n;
		e->data = n ? block + at + 2 : NULL;
		*pos = at + 2 + n;
		return 1;
	}
	return 0;
}

static enum rtc_rtp_ext_form form_of_profile(uint16_t profile)
{
	if (profile == RTC_RTP_EXT_PROFILE_ONE_BYTE)
		return RTC_RTP_EXT_ONE_BYTE;
	if ((profile & RTC_RTP_EXT_PROFILE_TWO_BYTE_MASK) == RTC_RTP_EXT_PROFILE_TWO_BYTE)
		return RTC_RTP_EXT_TWO_BYTE;
	return RTC_RTP_EXT_RAW;
}

static int parse_extension(const uint8_t *buf, size_t len, size_t *off, struct rtc_rtp_packet *p,
			   struct rtc_error *err)
{
	size_t words, pos = 0;
	struct rtc_rtp_ext e;
	int r;

	if (len - *off < 4)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "RTP packet of %zu bytes ends inside its extension header", len);
	p->ext_profile = rtc_get_be16(buf + *off);
	words = rtc_get_be16(buf + *off + 2);
	*off += 4;
	if ((len - *off) / 4 < words)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "RTP header extension of %zu words runs past the %zu-byte packet",
				     words, len);
	p->ext = buf + *off;
	p->ext_len = words * 4;
	p->ext_form = form_of_profile(p->ext_profile);
	*off += p->ext_len;
	if (p->ext_form == RTC_RTP_EXT_RAW)
		return 0;
	/* Check every element now, so lookups later need not report errors. */
	while ((r = ext_next(p->ext, p->ext_len, p->ext_form == RTC_RTP_EXT_TWO_BYTE, &pos, &e,
			     err)) > 0)
		;
	return r;
}

int rtc_rtp_parse(const uint8_t *buf, size_t len, struct rtc_rtp_packet *p,
		  struct rtc_error *err)
{
	size_t off;
	unsigned version;

	memset(p, 0, sizeof(*p));
	if (len < RTC_RTP_HEADER_SIZE)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "RTP packet of %zu bytes is shorter than its 12-byte header", len);
	version = buf[0] >> 6;
	if (version != RTC_RTP_VERSION)
		return rtc_error_set(err, RTC_ERROR_SYNTAX, "RTP version %u, not 2", version);
	p->h.csrc_count = buf[0] & 0x0f;
	p->h.marker = buf[1] & 0x80;
	p->h.payload_type = buf[1] & 0x7f;
	p->h.seq = rtc_get_be16(buf + 2);
	p->h.timestamp = rtc_get_be32(buf + 4);
	p->h.ssrc = rtc_get_be32(buf + 8);
	off = RTC_RTP_HEADER_SIZE + 4u * p->h.csrc_count;
	if (len < off)
		return rtc_error_set(err, RTC_ERROR_SYNTAX,
				     "RTP packet of %zu bytes is shorter than its %u CSRCs", len,
				     p->h.csrc_count);
	for (unsigned i = 0; i < p->h.csrc_count; i++)
		p->h.csrc[i] = rtc_get_be32(buf + RTC_RTP_HEADER_SIZE + 4 * i);
	if ((buf[0] & 0x10) && parse_extension(buf, len, &off, p, err) < 0)
		return -1;
	p->header_len = off;
	if (buf[0] & 0x20) {
		/* RFC 3550 section 5.1: the last byte counts the padding, itself included. */
		if (len == off)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "RTP padding bit set but no byte after the header to count it");
		p->padding_len = buf[len - 1];
		if (p->padding_len == 0)
			return rtc_error_set(err, RTC_ERROR_SYNTAX, "RTP padding count of 0");
		if (p->padding_len > len - off)
			return rtc_error_set(err, RTC_ERROR_SYNTAX,
					     "RTP padding of %u bytes runs into the %zu-byte header",
					     p->padding_len, off);
	}
	p->payload = buf + off;
	p->payload_len = len - off - p->padding_len;
	return 0;
}

void rtc_rtp_ext_iter_init(struct rtc_rtp_ext_iter *it, const struct rtc_rtp_packet *p)
{
	bool known = p->ext_form == RTC_RTP_EXT_ONE_BYTE || p->ext_form == RTC_RTP_EXT_TWO_BYTE;

	it->block = p->ext;
	it->len = known ? p->ext_len : 0;
	it->pos = 0;
	it->two_byte = p->ext_form == RTC_RTP_EXT_TWO_BYTE;
}

bool rtc_rtp_ext_iter_next(struct rtc_rtp_ext_iter *it, struct rtc_rtp_ext *e)
{
	/* Safe on any block: a malformed element ends the walk. */
	return ext_next(it->block, it->len, it->two_byte, &it->pos, e, NULL) > 0;
}

bool rtc_rtp_ext_find(const struct rtc_rtp_packet *p, uint8_t id, struct rtc_rtp_ext *e)
{
	struct rtc_rtp_ext_iter it;

	if (id == 0)
		return false;
	rtc_rtp_ext_iter_init(&it, p);
	while (rtc_rtp_ext_iter_next(&it, e))
		if (e->id == id)
			return true;
	return false;
}

static bool fits_one_byte(const struct rtc_rtp_ext *e)
{
	return e->id >= 1 && e->id <= RTC_RTP_EXT_ONE_BYTE_MAX_ID && e->len >= 1 &&
	       e->len <= RTC_RTP_EXT_ONE_BYTE_MAX_LEN;
}

enum rtc_rtp_ext_form rtc_rtp_ext_choose_form(const struct rtc_rtp_ext *elems, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (!fits_one_byte(&elems[i]))
			return RTC_RTP_EXT_TWO_BYTE;
	return RTC_RTP_EXT_ONE_BYTE;
}

/* The form actually written (NONE for no extension) and its body's length
 * before padding, or -1 with err. */
static int ext_layout(const struct rtc_rtp_ext_block *ext, enum rtc_rtp_ext_form *form,
		      size_t *body, struct rtc_error *err)
{
	*form = ext ? ext->form : RTC_RTP_EXT_NONE;
	*body = 0;
	if (*form == RTC_RTP_EXT_AUTO)
		*form = ext->count ? rtc_rtp_ext_choose_form(ext->elems, ext->count)
				   : RTC_RTP_EXT_NONE;
	switch (*form) {
	case RTC_RTP_EXT_NONE:
		return 0;
	case RTC_RTP_EXT_RAW:
		if (ext->raw_len % 4)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "RTP extension body of %zu bytes is not whole 32-bit words",
					     ext->raw_len);
		if (ext->raw_len && !ext->raw)
			return rtc_error_set(err, RTC_ERROR_TYPE, "RTP extension length without bytes");
		*body = ext->raw_len;
		break;
	case RTC_RTP_EXT_ONE_BYTE:
	case RTC_RTP_EXT_TWO_BYTE:
		if (ext->appbits > 0x0f)
			return rtc_error_set(err, RTC_ERROR_TYPE,
					     "two-byte extension appbits 0x%x do not fit 4 bits",
					     ext->appbits);
		for (size_t i = 0; i < ext->count; i++) {
			const struct rtc_rtp_ext *e = &ext->elems[i];

			if (*form == RTC_RTP_EXT_ONE_BYTE && !fits_one_byte(e))
				return rtc_error_set(err, RTC_ERROR_TYPE,
						     "extension element %u of %u bytes does not fit the one-byte form",
						     e->id, e->len);
			if (e->id == 0)
				return rtc_error_set(err, RTC_ERROR_TYPE,
						     "extension element ID 0 is reserved for padding");
			if (e->len && !e->data)
				return rtc_error_set(err, RTC_ERROR_TYPE,
						     "extension element %u has a length but no bytes", e->id);
			for (size_t j = 0; j < i; j++)
				if (ext->elems[j].id == e->id)
					return rtc_error_set(err, RTC_ERROR_TYPE,
							     "extension element ID %u given twice", e->id);
			*body += (*form == RTC_RTP_EXT_ONE_BYTE ? 1u : 2u) + e->len;
		}
		break;
	default:
		return rtc_error_set(err, RTC_ERROR_TYPE, "unknown RTP extension form %d", (int)*form);
	}
	if ((*body + 3) / 4 > UINT16_MAX)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "RTP extension of %zu bytes exceeds its 16-bit length in words",
				     *body);
	return 0;
}

long rtc_rtp_header_size(const struct rtc_rtp_header *h, const struct rtc_rtp_ext_block *ext,
			 struct rtc_error *err)
{
	enum rtc_rtp_ext_form form;
	size_t body;

	if (h->csrc_count > RTC_RTP_MAX_CSRC)
		return rtc_error_set(err, RTC_ERROR_TYPE, "%u CSRCs, at most 15", h->csrc_count);
	if (h->payload_type > 127)
		return rtc_error_set(err, RTC_ERROR_TYPE, "payload type %u does not fit 7 bits",
				     h->payload_type);
	if (ext_layout(ext, &form, &body, err) < 0)
		return -1;
	return (long)(RTC_RTP_HEADER_SIZE + 4u * h->csrc_count +
		      (form == RTC_RTP_EXT_NONE ? 0 : 4 + (body + 3) / 4 * 4));
}

long rtc_rtp_write_header(const struct rtc_rtp_header *h, const struct rtc_rtp_ext_block *ext,
			  uint8_t *buf, size_t cap, struct rtc_error *err)
{
	enum rtc_rtp_ext_form form;
	size_t body, off, padded;
	long size = rtc_rtp_header_size(h, ext, err);

	if (size < 0)
		return -1;
	if ((size_t)size > cap)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "RTP header needs %ld bytes, the buffer has %zu", size, cap);
	ext_layout(ext, &form, &body, NULL);
	buf[0] = (uint8_t)(RTC_RTP_VERSION << 6 | (form != RTC_RTP_EXT_NONE) << 4 | h->csrc_count);
	buf[1] = (uint8_t)(h->marker << 7 | h->payload_type);
	rtc_put_be16(buf + 2, h->seq);
	rtc_put_be32(buf + 4, h->timestamp);
	rtc_put_be32(buf + 8, h->ssrc);
	off = RTC_RTP_HEADER_SIZE;
	for (unsigned i = 0; i < h->csrc_count; i++, off += 4)
		rtc_put_be32(buf + off, h->csrc[i]);
	if (form == RTC_RTP_EXT_NONE)
		return size;
	padded = (body + 3) / 4 * 4;
	rtc_put_be16(buf + off, form == RTC_RTP_EXT_ONE_BYTE ? RTC_RTP_EXT_PROFILE_ONE_BYTE :
				form == RTC_RTP_EXT_TWO_BYTE ?
				(uint16_t)(RTC_RTP_EXT_PROFILE_TWO_BYTE | ext->appbits) :
				ext->profile);
	rtc_put_be16(buf + off + 2, (uint16_t)(padded / 4));
	off += 4;
	if (form == RTC_RTP_EXT_RAW) {
		if (body)
			memcpy(buf + off, ext->raw, body);
		return size;
	}
	for (size_t i = 0; i < ext->count; i++) {
		const struct rtc_rtp_ext *e = &ext->elems[i];

		if (form == RTC_RTP_EXT_ONE_BYTE) {
			buf[off++] = (uint8_t)(e->id << 4 | (e->len - 1));
		} else {
			buf[off++] = e->id;
			buf[off++] = e->len;
		}
		if (e->len)
			memcpy(buf + off, e->data, e->len);
		off += e->len;
	}
	memset(buf + off, 0, padded - body);
	return size;
}

long rtc_rtp_write_padding(uint8_t *buf, size_t len, size_t cap, unsigned pad,
			   struct rtc_error *err)
{
	if (pad < 1 || pad > 255)
		return rtc_error_set(err, RTC_ERROR_TYPE, "RTP padding of %u bytes, not 1..255", pad);
	if (len < RTC_RTP_HEADER_SIZE)
		return rtc_error_set(err, RTC_ERROR_TYPE, "no RTP header to pad");
	if (cap < len || cap - len < pad)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "RTP padding needs %zu bytes, the buffer has %zu", len + pad, cap);
	memset(buf + len, 0, pad - 1);
	buf[len + pad - 1] = (uint8_t)pad;
	buf[0] |= 0x20;
	return (long)(len + pad);
}

long rtc_rtp_write(const struct rtc_rtp_header *h, const struct rtc_rtp_ext_block *ext,
		   const uint8_t *payload, size_t payload_len, unsigned pad,
		   uint8_t *buf, size_t cap, struct rtc_error *err)
{
	long hlen = rtc_rtp_header_size(h, ext, err);

	if (hlen < 0)
		return -1;
	if (cap < (size_t)hlen || cap - (size_t)hlen < payload_len)
		return rtc_error_set(err, RTC_ERROR_RANGE,
				     "RTP packet needs %zu bytes, the buffer has %zu",
				     (size_t)hlen + payload_len, cap);
	if (payload_len && !payload)
		return rtc_error_set(err, RTC_ERROR_TYPE, "RTP payload length without bytes");
	/* The payload first: it may sit in buf where the header goes. */
	if (payload_len)
		memmove(buf + hlen, payload, payload_len);
	if (rtc_rtp_write_header(h, ext, buf, cap, err) < 0)
		return -1;
	if (pad == 0)
		return hlen + (long)payload_len;
	return rtc_rtp_write_padding(buf, (size_t)hlen + payload_len, cap, pad, err);
}
