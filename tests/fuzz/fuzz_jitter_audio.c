/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audio playout buffer and the NACK generator fed arbitrary packet
 * sequences (sequence numbers and timestamps moving any way, any payload
 * sizes and durations, arrivals at any time) and polled at arbitrary
 * times. The buffer never holds more than its capacity, every frame it
 * gives is the payload of the packet it names, played in increasing
 * sequence order, each poll that gives something moves its deadline on
 * (no spinning), and the target delay stays within its bounds. The NACK
 * list stays within its bound and asks only for numbers it saw missing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "engine/base/sansio.h"
#include "engine/jitter/audio-playout.h"
#include "engine/jitter/nack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS 1000000ull

static size_t payload_len(uint64_t seq)
{
	return (size_t)(seq * 13 % 41);
}

static void make_payload(uint64_t seq, uint8_t *buf)
{
	for (size_t i = 0; i < payload_len(seq); i++)
		buf[i] = (uint8_t)(seq * 17 + i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct rtc_audio_playout_config cfg;
	struct rtc_audio_playout *ap;
	static struct rtc_nack nack;
	struct rtc_audio_frame f;
	uint8_t buf[64], want[64];
	uint64_t now = 0, seq = 70000, last_played = 0, highest = 0;
	bool played = false, nack_started = false;
	uint32_t ts = 0xfffff000u;
	uint16_t seqs[32];

	rtc_audio_playout_config_default(&cfg);
	cfg.capacity = 2 + fuzz_input_u8(&in) % 64;
	cfg.window = 1 + fuzz_input_u8(&in) % 128;
	ap = rtc_audio_playout_new(&cfg, NULL);
	if (!ap)
		abort();
	rtc_nack_init(&nack, NULL);
	while (in.size) {
		uint8_t op = fuzz_input_u8(&in);

		if (op & 1) {
			int8_t dseq = (int8_t)fuzz_input_u8(&in);
			int8_t dts = (int8_t)fuzz_input_u8(&in);
			struct rtc_audio_packet p;

			seq = dseq < 0 && (uint64_t)-dseq > seq ? 0 : (uint64_t)((int64_t)seq + dseq);
			ts += (uint32_t)(dts * 480);
			make_payload(seq, buf);
			p = (struct rtc_audio_packet){
				.seq = seq, .timestamp = ts, .samples = op & 2 ? (op >> 2) * 120u : 0,
				.retransmitted = op & 0x80, .payload = buf, .len = payload_len(seq),
			};
			rtc_audio_playout_handle_packet(ap, now, &p);
			rtc_nack_handle_packet(&nack, now, seq, p.retransmitted);
			if (!nack_started || seq > highest)
				highest = seq;
			nack_started = true;
			seq++;
			ts += 960;
		} else {
			unsigned polls = 0;

			now += (uint64_t)(op >> 1) * MS * (op & 0x80 ? 50 : 1);
			uint64_t before = rtc_audio_playout_deadline(ap);

			while (rtc_audio_playout_poll(ap, now, &f)) {
				uint64_t after = rtc_audio_playout_deadline(ap);

				if (++polls > 1000000 || after <= before)
					abort();   /* a frame given without moving on */
				before = after;
				if (!f.lost) {
					make_payload(f.seq, want);
					if (f.len != payload_len(f.seq) ||
					    (f.len && memcmp(f.payload, want, f.len) != 0))
						abort();
					if (played && f.seq <= last_played)
						abort();
					played = true;
					last_played = f.seq;
				}
				if (f.samples == 0)
					abort();
			}
			size_t k = rtc_nack_poll(&nack, now, (uint64_t)op * MS, seqs, 32);

			for (size_t i = 0; i < k; i++)
				if (seqs[i] == (uint16_t)highest && nack_started)
					abort();   /* the highest seen is never missing */
			if (rtc_nack_deadline(&nack, (uint64_t)op * MS) < now &&
			    rtc_nack_poll(&nack, now, (uint64_t)op * MS, seqs, 32) == 0)
				abort();   /* a deadline in the past with nothing due */
		}
		if (rtc_audio_playout_held(ap) > cfg.capacity ||
		    rtc_audio_playout_stats(ap)->target_delay > cfg.max_delay ||
		    rtc_audio_playout_stats(ap)->target_delay < cfg.min_delay ||
		    rtc_nack_pending(&nack) > RTC_NACK_MAX_LIST)
			abort();
	}
	rtc_audio_playout_free(ap);
	return 0;
}
