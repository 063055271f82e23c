/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the STUN parser, its getters and the TURN stream
 * reassembler. Whatever parses must go through every typed getter without
 * harm; a message that parses, rebuilt attribute by attribute, must parse
 * again to the same attributes. The same bytes are also
 * fed to the stream reassembler in two pieces, and to a TURN client.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stun/stun.h"
#include "engine/turn/turn.h"
#include "engine/turn/turn-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t address_types[] = {
	RTC_STUN_ATTR_MAPPED_ADDRESS, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS,
	RTC_STUN_ATTR_XOR_PEER_ADDRESS, RTC_STUN_ATTR_XOR_RELAYED_ADDRESS,
	RTC_STUN_ATTR_ALTERNATE_SERVER,
};
static const uint16_t string_types[] = {
	RTC_STUN_ATTR_USERNAME, RTC_STUN_ATTR_REALM, RTC_STUN_ATTR_NONCE,
	RTC_STUN_ATTR_SOFTWARE, RTC_STUN_ATTR_ALTERNATE_DOMAIN,
};

static void exercise_getters(const struct rtc_stun_msg *msg)
{
	struct sockaddr_storage ss;
	char text[800];
	uint16_t code, types[8];
	size_t count;
	uint32_t u32;
	uint64_t u64;
	struct rtc_stun_password_algorithms algs;
	struct rtc_stun_key key = { .len = 4, .bytes = "key!" };

	for (size_t i = 0; i < sizeof(address_types) / sizeof(address_types[0]); i++)
		rtc_stun_msg_get_address(msg, address_types[i], &ss, NULL);
	for (size_t i = 0; i < sizeof(string_types) / sizeof(string_types[0]); i++)
		rtc_stun_msg_get_string(msg, string_types[i], text, sizeof(text), NULL);
	rtc_stun_msg_get_error_code(msg, &code, text, sizeof(text), NULL);
	rtc_stun_msg_get_unknown_attributes(msg, types, 8, &count, NULL);
	rtc_stun_msg_get_u32(msg, RTC_STUN_ATTR_PRIORITY, &u32, NULL);
	rtc_stun_msg_get_u64(msg, RTC_STUN_ATTR_ICE_CONTROLLING, &u64, NULL);
	rtc_stun_msg_get_password_algorithms(msg, RTC_STUN_ATTR_PASSWORD_ALGORITHMS, &algs, NULL);
	rtc_stun_msg_get_password_algorithms(msg, RTC_STUN_ATTR_PASSWORD_ALGORITHM, &algs, NULL);
	rtc_stun_msg_check_integrity(msg, &key);
}

/* Rebuilding the indexed attributes gives a message that parses to the
 * same attributes (values may differ only in padding bytes). */
static void check_rebuild(const struct rtc_stun_msg *msg)
{
	static uint8_t out[70000];
	struct rtc_stun_builder b;
	size_t len = 0;

	rtc_stun_builder_init(&b, out, sizeof(out), msg->method, msg->cls, msg->tid);
	for (unsigned i = 0; i < msg->attr_count; i++) {
		const struct rtc_stun_attr *a = &msg->attrs[i];
		if (a->type == RTC_STUN_ATTR_FINGERPRINT)
			rtc_stun_builder_add_fingerprint(&b);
		else
			rtc_stun_builder_add_raw(&b, a->type, a->value, a->len);
	}
	if (rtc_stun_builder_finish(&b, &len) != RTC_STUN_OK)
		abort();
	struct rtc_stun_msg again;
	if (rtc_stun_parse(&again, out, len, NULL) != RTC_STUN_OK)
		abort();
	if (again.attr_count != msg->attr_count || again.method != msg->method ||
	    again.cls != msg->cls)
		abort();
	/* FINGERPRINT is computed afresh: it covered the original padding. */
	for (unsigned i = 0; i < msg->attr_count; i++)
		if (again.attrs[i].type != msg->attrs[i].type ||
		    again.attrs[i].len != msg->attrs[i].len ||
		    (msg->attrs[i].type != RTC_STUN_ATTR_FINGERPRINT &&
		     memcmp(again.attrs[i].value, msg->attrs[i].value, msg->attrs[i].len) != 0))
			abort();
}

static void feed_stream(const uint8_t *data, size_t size)
{
	struct rtc_turn_stream s;
	const uint8_t *frame;
	size_t len, split = size ? data[0] % (size + 1) : 0;

	rtc_turn_stream_init(&s);
	for (int part = 0; part < 2; part++) {
		const uint8_t *p = part ? data + split : data;
		size_t n = part ? size - split : split;
		if (rtc_turn_stream_push(&s, p, n, NULL) < 0)
			break;
		enum rtc_turn_stream_result r;
		while ((r = rtc_turn_stream_next(&s, &frame, &len, NULL)) == RTC_TURN_STREAM_FRAME)
			if (len < 4 || frame < s.buf || frame + len > s.buf + s.len)
				abort();
		if (r == RTC_TURN_STREAM_ERROR)
			break;
	}
	rtc_turn_stream_free(&s);
}

static void feed_turn_client(const uint8_t *data, size_t size)
{
	struct rtc_turn_client_config config = { .username = "u", .password = "p" };
	struct rtc_turn_client *c = rtc_turn_client_new(&config, NULL);
	struct rtc_turn_data in;
	struct rtc_turn_event ev;
	struct rtc_turn_transmit tx;

	if (!c)
		abort();
	rtc_turn_client_allocate(c, 0, NULL);
	/* Make the input answer the client's Allocate when it is a response. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (rtc_turn_client_poll_transmit(c, &tx) && size >= 20 && (copy[0] & 0xC0) == 0)
		memcpy(copy + 8, tx.data + 8, 12);
	if (rtc_turn_client_handle_receive(c, 1, copy, size, &in) == RTC_TURN_INPUT_PEER_DATA &&
	    (in.data < copy || in.data + in.len > copy + size))
		abort();
	while (rtc_turn_client_poll_event(c, &ev))
		;
	while (rtc_turn_client_poll_transmit(c, &tx))
		;
	free(copy);
	rtc_turn_client_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_stun_msg msg;

	rtc_stun_is_stun(data, size);
	if (rtc_stun_parse(&msg, data, size, NULL) == RTC_STUN_OK) {
		exercise_getters(&msg);
		check_rebuild(&msg);
	}
	feed_stream(data, size);
	feed_turn_client(data, size);
	return 0;
}
