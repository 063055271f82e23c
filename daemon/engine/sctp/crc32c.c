/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/sctp/crc32c.h"

#include <stdbool.h>
#include <string.h>

/* The reflected polynomial 0x1EDC6F41. */
#define POLY 0x82f63b78u

static uint32_t table[256];

static void table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[i] = c;
	}
}

static uint32_t update_table(uint32_t crc, const uint8_t *p, size_t len)
{
	if (!table[1])
		table_init();
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t update_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t word;

		memcpy(&word, p, sizeof(word));   /* any alignment */
		c = __builtin_ia32_crc32di(c, word);
	}
	crc = (uint32_t)c;
	for (; len > 0; p++, len--)
		crc = __builtin_ia32_crc32qi(crc, *p);
	return crc;
}

static bool have_sse42(void)
{
	static int known = -1;

	if (known < 0)
		known = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	return known;
}
#endif

uint32_t rtc_crc32c(const void *data, size_t len)
{
	uint32_t crc = 0xffffffffu;

#if defined(__x86_64__)
	if (have_sse42())
		return ~update_sse42(crc, data, len);
#endif
	return ~update_table(crc, data, len);
}

void rtc_crc32c_sctp_fill(uint8_t *packet, size_t len)
{
	uint32_t crc;

	if (len < 12)
		return;
	memset(packet + 8, 0, 4);
	crc = rtc_crc32c(packet, len);
	packet[8] = (uint8_t)crc;
	packet[9] = (uint8_t)(crc >> 8);
	packet[10] = (uint8_t)(crc >> 16);
	packet[11] = (uint8_t)(crc >> 24);
}
