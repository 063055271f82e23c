/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Any host on the link can send anything to port 5353. The codec must take
 * any bytes; what it accepts must survive being written out and read back;
 * and the querier and responder, fed the same bytes as a query and as a
 * response, must only ever produce messages that parse.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mdns/mdns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct rtc_dns_message *msg)
{
	static struct rtc_dns_message again;
	static uint8_t buf[RTC_MDNS_MESSAGE_MAX * 2];
	struct rtc_dns_writer w;
	int len;

	/* Questions and the record types the writer knows, in order. */
	rtc_dns_writer_init(&w, buf, sizeof(buf), msg->id, msg->flags);
	for (size_t i = 0; i < msg->n_questions; i++)
		rtc_dns_writer_add_question(&w, &msg->questions[i]);
	for (size_t i = 0; i < msg->n_records; i++) {
		const struct rtc_dns_record *rec = &msg->records[i];

		if (rec->type == RTC_DNS_TYPE_A || rec->type == RTC_DNS_TYPE_AAAA ||
		    rec->type == RTC_DNS_TYPE_NSEC)
			rtc_dns_writer_add_record(&w, rec);
	}
	len = rtc_dns_writer_finish(&w);
	if (len < 0)
		abort();
	if (rtc_dns_message_parse(buf, (size_t)len, &again, NULL) < 0 ||
	    again.n_questions != msg->n_questions)
		abort();
	for (size_t i = 0; i < msg->n_questions; i++)
		if (!rtc_dns_name_equal(&again.questions[i].name, &msg->questions[i].name))
			abort();
}

static void drain(struct rtc_mdns *m)
{
	static struct rtc_dns_message msg;
	struct rtc_mdns_transmit tx;
	struct rtc_mdns_event ev;

	while (rtc_mdns_poll_transmit(m, &tx))
		if (rtc_dns_message_parse(tx.data, tx.len, &msg, NULL) < 0)
			abort();
	while (rtc_mdns_poll_event(m, &ev))
		if (ev.n_addresses > RTC_MDNS_MAX_ADDRESSES || !memchr(ev.name, 0, sizeof(ev.name)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rtc_dns_message msg;
	struct rtc_mdns_config config = { .ipv4 = true, .ipv6 = true };
	struct sockaddr_in ours = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0xc6120001) };
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(5353),
				    .sin_addr.s_addr = htonl(0xc6120009) };
	struct rtc_error err = { 0 };
	struct rtc_mdns *m;

	if (rtc_dns_message_parse(data, size, &msg, &err) == 0)
		check_roundtrip(&msg);
	else if (err.kind != RTC_ERROR_SYNTAX || err.message[0] == '\0')
		abort();

	/* The names of the seed corpus, so their answers and queries match. */
	m = rtc_mdns_new(&config);
	if (!m)
		return 0;
	rtc_mdns_register_name(m, 0, "0f4e8c1a-2b3d-4c5e-8f70-a1b2c3d4e5f6.local",
			       (struct sockaddr *)&ours, NULL);
	rtc_mdns_resolve(m, 0, "0f4e8c1a-2b3d-4c5e-8f70-a1b2c3d4e5f6.local", NULL);
	rtc_mdns_resolve(m, 0, "peer.local", NULL);
	drain(m);
	rtc_mdns_handle_receive(m, 2000000000ull, data, size, (struct sockaddr *)&from, NULL);
	drain(m);
	from.sin_port = htons(40000);
	rtc_mdns_handle_receive(m, 4000000000ull, data, size, (struct sockaddr *)&from, NULL);
	drain(m);
	rtc_mdns_handle_timeout(m, 10000000000ull);
	drain(m);
	rtc_mdns_free(m);
	return 0;
}
