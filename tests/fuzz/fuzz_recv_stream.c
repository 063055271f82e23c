/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the peer sends, once SRTP has let it through, into a receive
 * stream: a script of RTP packets (each chunk made a packet of the
 * stream's SSRC or its RTX SSRC, its payload type one of the negotiated
 * ones, or left as it is) and clock steps, against a VP8, an H.264 and an
 * Opus stream. Every frame that comes out must lie in memory the stream
 * owns (ASan) and the buffers must stay bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "engine/rtp/rtp.h"
#include "engine/stream/recv-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const uint8_t *p, size_t len)
{
	volatile uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum ^= p[i];
	(void)sum;
}

static struct rtc_recv_stream *make(enum rtc_codec codec)
{
	struct rtc_recv_stream_config c = {
		.audio = codec == RTC_CODEC_OPUS, .n_codecs = 1, .ssrc = 0x1000,
		.rtx_ssrc = 0x2000, .local_ssrc = 1, .nack = true, .pli = true, .fir = true,
	};
	struct rtc_recv_stream *s = NULL;

	c.codecs[0] = (struct rtc_recv_stream_codec){ .payload_type = 96, .codec = codec,
						      .rtx_payload_type = 97 };
	if (rtc_recv_stream_new(&c, &s, NULL) < 0)
		abort();
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	enum rtc_codec codecs[] = { RTC_CODEC_VP8, RTC_CODEC_H264, RTC_CODEC_OPUS };
	uint8_t which = 0;
	struct rtc_recv_stream *s;
	uint64_t now = 1000000000ull;
	uint8_t op;

	fuzz_input_byte(&in, &which);
	s = make(codecs[which % 3]);
	while (fuzz_input_byte(&in, &op)) {
		uint8_t buf[1500];
		const uint8_t *chunk;
		size_t len;
		struct rtc_rtp_packet p;
		struct rtc_recv_frame f;
		struct rtc_rtcp_item item;
		struct rtc_rtcp_report_block b;

		switch (op & 3) {
		case 0:         /* time passes */
			now += (uint64_t)fuzz_input_u16(&in) * 100000ull;
			if (now >= rtc_recv_stream_deadline(s))
				rtc_recv_stream_handle_timeout(s, now);
			break;
		case 1:         /* a packet */
			if (!fuzz_input_chunk(&in, &chunk, &len) || len > sizeof(buf))
				break;
			memcpy(buf, chunk, len);
			if (len >= 12) {
				/* Mostly the stream's own, so the depths get reached. */
				buf[0] = (uint8_t)((buf[0] & 0x3f) | 0x80);
				if (op & 4) {
					buf[1] = (uint8_t)((buf[1] & 0x80) | (op & 8 ? 97 : 96));
					buf[8] = buf[9] = 0;
					buf[10] = op & 8 ? 0x20 : 0x10;
					buf[11] = 0;
				}
			}
			if (rtc_rtp_parse(buf, len, &p, NULL) == 0 &&
			    rtc_recv_stream_accepts(s, p.h.ssrc, p.h.payload_type))
				rtc_recv_stream_handle_rtp(s, now, buf, len, &p, NULL);
			break;
		case 2:
			rtc_recv_stream_set_rtt(s, (uint64_t)fuzz_input_u16(&in) * 100000ull);
			if (op & 4)
				rtc_recv_stream_request_key_frame(s);
			break;
		case 3:
			rtc_recv_stream_report(s, now, &b);
			break;
		}
		while (rtc_recv_stream_poll_frame(s, now, &f)) {
			if (f.data)
				touch(f.data, f.len);
			if (f.fec)      /* a gap's next packet, for FEC */
				touch(f.fec, f.fec_len);
		}
		while (rtc_recv_stream_poll_feedback(s, now, &item))
			if (item.type == RTC_RTCP_NACK && (!item.nack.seq_count || item.nack.seq_count > 64))
				abort();
	}
	rtc_recv_stream_free(s);
	return 0;
}
