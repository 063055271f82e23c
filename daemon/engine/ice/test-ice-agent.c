/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One ICE agent against hand-made packets: RFC 8445 arithmetic, pairing and
 * pruning, the check list state machine and its Ta pacing, the answers to
 * the peer's checks, role conflicts, relay-only filtering, gathering.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "engine/ice/ice-agent.h"
#include "engine/stun/stun.h"

#define MS 1000000ull
#define S 1000000000ull

static const struct rtc_ice_credentials local_creds = {"lufrag01", "localpasswordlocalpassw"};
static const char *remote_ufrag = "rufrag01";
static const char *remote_pwd = "remotepasswordremotepas";

static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &in6->sin6_addr);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, ip, &in->sin_addr);
	}
	return ss;
}

static struct rtc_ice_agent *agent_new(enum rtc_ice_role role, enum rtc_ice_transport_policy policy)
{
	struct rtc_ice_agent_config config = {
		.role = role, .tie_breaker = 100, .policy = policy, .random_seed = 5,
	};

	return rtc_ice_agent_new(&config, &local_creds, NULL);
}

static int add_host(struct rtc_ice_agent *agent, uint32_t socket, const char *ip, uint16_t port,
		    uint8_t rank)
{
	struct rtc_ice_local_candidate c = {
		.type = RTC_SDP_CANDIDATE_HOST, .socket = socket, .address = addr(ip, port),
		.interface_rank = rank,
	};

	return rtc_ice_agent_add_local_candidate(agent, &c, NULL);
}

static int add_remote(struct rtc_ice_agent *agent, const char *line, struct rtc_error *err)
{
	struct rtc_sdp_candidate *c;
	int r;

	if (rtc_sdp_candidate_parse(line, strlen(line), &c, err) < 0)
		return -2;
	r = rtc_ice_agent_add_remote_candidate(agent, c, err);
	rtc_sdp_candidate_free(c);
	return r;
}

static unsigned drain_transmits(struct rtc_ice_agent *agent)
{
	struct rtc_ice_transmit tx;
	unsigned n = 0;

	while (rtc_ice_agent_poll_transmit(agent, &tx))
		n++;
	return n;
}

static unsigned drain_events(struct rtc_ice_agent *agent, enum rtc_ice_event_type type)
{
	struct rtc_ice_event ev;
	unsigned n = 0;

	while (rtc_ice_agent_poll_event(agent, &ev))
		n += ev.type == type;
	return n;
}

static int pair_with_remote(struct rtc_ice_agent *agent, struct rtc_ice_pair_stats *out,
			    const char *remote_address)
{
	struct rtc_ice_candidate_stats cs;

	for (size_t k = 0; k < rtc_ice_agent_pair_count(agent); k++) {
		rtc_ice_agent_pair_stats(agent, k, out);
		for (size_t r = 0; r < rtc_ice_agent_remote_candidate_count(agent); r++) {
			rtc_ice_agent_remote_candidate_stats(agent, r, &cs);
			if (strcmp(cs.id, out->remote_id) == 0 &&
			    strcmp(cs.address, remote_address) == 0)
				return 0;
		}
	}
	return -1;
}

/* ---- arithmetic -------------------------------------------------------------- */

static void test_candidate_priorities(void)
{
	/* RFC 8445 5.1.2.2 type preferences with the top local preference. */
	CHECK_INTEQ(rtc_ice_candidate_priority(RTC_SDP_CANDIDATE_HOST, 65535, 1), 2130706431);
	CHECK_INTEQ(rtc_ice_candidate_priority(RTC_SDP_CANDIDATE_PRFLX, 65535, 1), 1862270975);
	CHECK_INTEQ(rtc_ice_candidate_priority(RTC_SDP_CANDIDATE_SRFLX, 65535, 1), 1694498815);
	CHECK_INTEQ(rtc_ice_candidate_priority(RTC_SDP_CANDIDATE_RELAY, 65535, 1), 16777215);
	/* (256 - component): RTCP's component 2 one below. */
	CHECK_INTEQ(rtc_ice_candidate_priority(RTC_SDP_CANDIDATE_HOST, 65535, 2), 2130706430);
	CHECK_INTEQ(rtc_ice_candidate_priority(RTC_SDP_CANDIDATE_HOST, 0, 1), 2113929471);
	CHECK_INTEQ(rtc_ice_type_preference(RTC_SDP_CANDIDATE_PRFLX), 110);
}

static void test_pair_priority(void)
{
	uint64_t g = 2130706431, d = 1694498815;

	/* 6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0). */
	CHECK(rtc_ice_pair_priority(g, d) == (d << 32) + 2 * g + 1);
	CHECK(rtc_ice_pair_priority(d, g) == (d << 32) + 2 * g);
	CHECK(rtc_ice_pair_priority(g, g) == (g << 32) + 2 * g);
	/* The largest pair priority fits: 2^63 - 2^32 + ... */
	CHECK(rtc_ice_pair_priority(0x7FFFFFFF, 0x7FFFFFFF) == 0x7FFFFFFF00000000ull + 0xFFFFFFFEull);
}

/* RFC 8421: IPv6 first, per interface; every value distinct. */
static void test_local_preferences(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct rtc_ice_candidate_stats s[4];

	CHECK(add_host(agent, 1, "192.0.2.10", 5000, 0) == 0);
	CHECK(add_host(agent, 2, "2001:db8::10", 5001, 0) == 0);
	CHECK(add_host(agent, 3, "198.51.100.10", 5002, 1) == 0);
	CHECK(add_host(agent, 4, "fe80::10", 5003, 0) == 0);
	for (size_t i = 0; i < 4; i++)
		CHECK(rtc_ice_agent_local_candidate_stats(agent, i, &s[i]) == 0);
	CHECK(s[1].priority > s[0].priority);          /* IPv6 over IPv4 */
	CHECK(s[0].priority > s[3].priority);          /* routable over link-local */
	CHECK(s[3].priority > s[2].priority);          /* the preferred interface first */
	CHECK_INTEQ(s[1].priority, 2130706431);
	CHECK_STREQ(s[0].foundation, "0");
	CHECK(strcmp(s[0].foundation, s[2].foundation) != 0);
	CHECK(rtc_ice_agent_local_candidate_stats(agent, 4, &s[0]) == -1);
	/* Four host candidates trickled, as SDP lines. */
	CHECK_INTEQ(drain_events(agent, RTC_ICE_EVENT_LOCAL_CANDIDATE), 4);
	rtc_ice_agent_free(agent);
}

static void test_local_candidate_errors(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct rtc_ice_local_candidate c = {.type = RTC_SDP_CANDIDATE_SRFLX, .socket = 1,
					    .address = addr("192.0.2.1", 1)};
	struct rtc_error err = {0};

	CHECK(rtc_ice_agent_add_local_candidate(agent, &c, &err) < 0);
	CHECK_INTEQ(err.kind, RTC_ERROR_INVALID_ACCESS);
	c.type = RTC_SDP_CANDIDATE_HOST;
	c.address = addr("192.0.2.1", 0);
	CHECK(rtc_ice_agent_add_local_candidate(agent, &c, &err) < 0);
	c.address = addr("192.0.2.1", 1);
	CHECK(rtc_ice_agent_add_local_candidate(agent, &c, &err) == 0);
	CHECK(rtc_ice_agent_add_local_candidate(agent, &c, &err) == 0);  /* duplicate */
	c.address = addr("192.0.2.2", 1);
	CHECK(rtc_ice_agent_add_local_candidate(agent, &c, &err) < 0);   /* socket taken */
	CHECK_INTEQ(rtc_ice_agent_local_candidate_count(agent), 1);
	rtc_ice_agent_free(agent);
}

/* ---- pairing ------------------------------------------------------------------ */

static struct rtc_ice_agent *paired_agent(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct rtc_error err = {0};

	add_host(agent, 1, "192.0.2.10", 5000, 0);
	add_host(agent, 2, "2001:db8::10", 5002, 0);
	/* Two remote IPv4 candidates of one foundation, one IPv6. */
	CHECK(add_remote(agent, "candidate:1 1 udp 2130706431 192.0.2.20 6000 typ host", &err) == 0);
	CHECK(add_remote(agent, "candidate:1 1 udp 2130706175 192.0.2.21 6001 typ host", &err) == 0);
	CHECK(add_remote(agent, "candidate:2 1 udp 2130706430 2001:db8::20 6002 typ host", &err) == 0);
	/* Ignored: TCP, RTCP's component, link-local IPv6 against global. */
	CHECK(add_remote(agent, "candidate:3 1 tcp 1518280447 192.0.2.20 9 typ host tcptype active",
			 &err) == 0);
	CHECK(add_remote(agent, "candidate:1 2 udp 2130706430 192.0.2.20 6001 typ host", &err) == 0);
	CHECK(add_remote(agent, "candidate:4 1 udp 2130706000 fe80::20 6003 typ host", &err) == 0);
	return agent;
}

static void test_pairing_and_initial_states(void)
{
	struct rtc_ice_agent *agent = paired_agent();
	struct rtc_ice_pair_stats a, b, c;
	struct rtc_ice_candidate_stats l;

	CHECK_INTEQ(rtc_ice_agent_remote_candidate_count(agent), 4);
	CHECK_INTEQ(rtc_ice_agent_pair_count(agent), 3);
	CHECK(pair_with_remote(agent, &a, "192.0.2.20") == 0);
	CHECK(pair_with_remote(agent, &b, "192.0.2.21") == 0);
	CHECK(pair_with_remote(agent, &c, "2001:db8::20") == 0);
	CHECK(pair_with_remote(agent, &c, "fe80::20") < 0);
	CHECK(pair_with_remote(agent, &c, "2001:db8::20") == 0);
	/* One foundation: the first pair waits, the second is frozen (6.1.2.6). */
	CHECK_INTEQ(a.state, RTC_ICE_PAIR_WAITING);
	CHECK_INTEQ(b.state, RTC_ICE_PAIR_FROZEN);
	CHECK_INTEQ(c.state, RTC_ICE_PAIR_WAITING);
	rtc_ice_agent_local_candidate_stats(agent, 0, &l);
	CHECK_STREQ(a.local_id, l.id);
	/* We control: G is our candidate's priority. */
	CHECK(a.priority == rtc_ice_pair_priority(l.priority, 2130706431));
	/* A role change turns G and D around. */
	rtc_ice_agent_set_role(agent, RTC_ICE_ROLE_CONTROLLED);
	pair_with_remote(agent, &a, "192.0.2.20");
	CHECK(a.priority == rtc_ice_pair_priority(2130706431, l.priority));
	rtc_ice_agent_free(agent);
}

static void test_remote_candidate_errors(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct rtc_error err = {0};

	CHECK(add_remote(agent, "candidate:1 1 udp 2130706431 4a1c8f2e-5b.local 6000 typ host",
			 &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_NOT_SUPPORTED);
	CHECK(add_remote(agent, "candidate:1 1 udp 0 192.0.2.20 6000 typ host", &err) == -1);
	CHECK_INTEQ(err.kind, RTC_ERROR_OPERATION);
	CHECK(add_remote(agent, "candidate:1 1 udp 4294967295 192.0.2.20 6000 typ host", &err) == -1);
	CHECK(add_remote(agent, "candidate:1 1 udp 100 192.0.2.20 0 typ host", &err) == -1);
	/* An older generation (another ufrag) is ignored once credentials are known. */
	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	CHECK(add_remote(agent, "candidate:1 1 udp 100 192.0.2.20 7 typ host ufrag old1", &err) == 0);
	CHECK(add_remote(agent, "candidate:1 1 udp 100 192.0.2.20 8 typ host ufrag rufrag01",
			 &err) == 0);
	CHECK_INTEQ(rtc_ice_agent_remote_candidate_count(agent), 1);
	rtc_ice_agent_free(agent);
}

/* Multicast, broadcast, unspecified and reserved addresses are refused:
 * no pair, no check ever goes there; unicast ones beside them still work. */
static void test_no_checks_to_groups(void)
{
	static const char *const refused[] = {
		"224.0.0.251", "239.255.255.250", "255.255.255.255", "240.0.0.1", "0.0.0.0",
		"0.1.2.3", "ff02::1", "ff0e::1", "::", "::ffff:224.0.0.1", "::ffff:255.255.255.255",
	};
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct rtc_ice_transmit tx;
	struct rtc_error err = {0};
	char line[160];
	unsigned sent = 0;

	CHECK(add_host(agent, 1, "192.0.2.10", 5000, 0) == 0);
	CHECK(add_host(agent, 2, "2001:db8::10", 5000, 0) == 0);
	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(line, sizeof(line), "candidate:%zu 1 udp 2130706431 %s 6000 typ host",
			 i + 1, refused[i]);
		err.kind = RTC_ERROR_NONE;
		CHECK(add_remote(agent, line, &err) == -1);
		CHECK_INTEQ(err.kind, RTC_ERROR_OPERATION);
		CHECK(strstr(err.message, "unicast") != NULL);
	}
	CHECK_INTEQ(rtc_ice_agent_remote_candidate_count(agent), 0);
	CHECK_INTEQ(rtc_ice_agent_pair_count(agent), 0);
	CHECK(add_remote(agent, "candidate:90 1 udp 2130706431 192.0.2.20 6000 typ host", &err) == 0);
	CHECK(add_remote(agent, "candidate:91 1 udp 2130706431 223.255.255.254 6000 typ host",
			 &err) == 0);
	CHECK(add_remote(agent, "candidate:92 1 udp 2130706431 2001:db8::20 6000 typ host",
			 &err) == 0);
	for (uint64_t t = 0; t < 2 * S; t += 10 * MS) {
		rtc_ice_agent_handle_timeout(agent, t);
		while (rtc_ice_agent_poll_transmit(agent, &tx)) {
			union {
				struct sockaddr_storage ss;
				struct sockaddr_in in;
				struct sockaddr_in6 in6;
			} to = { .ss = tx.to };

			sent++;
			if (to.ss.ss_family == AF_INET) {
				uint8_t first = (uint8_t)(ntohl(to.in.sin_addr.s_addr) >> 24);
				CHECK(first != 0 && first < 224);
			} else {
				CHECK(!IN6_IS_ADDR_MULTICAST(&to.in6.sin6_addr));
			}
		}
	}
	CHECK(sent >= 3);
	rtc_ice_agent_free(agent);
}

/* 6.1.2.4: server-reflexive candidates are checked from their base. */
static void test_srflx_pruned_to_base(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct sockaddr_storage server = addr("198.51.100.1", 3478), mapped = addr("203.0.113.5", 40000);
	struct rtc_ice_transmit tx;
	struct rtc_stun_msg msg;
	struct rtc_stun_builder b;
	struct rtc_ice_event ev;
	struct rtc_ice_candidate_stats cs;
	uint8_t buf[256];
	size_t len;
	bool srflx = false;

	rtc_ice_agent_add_stun_server(agent, (struct sockaddr *)&server, NULL);
	add_host(agent, 1, "10.0.0.2", 5000, 0);
	add_remote(agent, "candidate:1 1 udp 2130706431 192.0.2.20 6000 typ host", NULL);
	rtc_ice_agent_local_candidates_done(agent);
	CHECK_INTEQ(rtc_ice_agent_gathering_state(agent), RTC_ICE_GATHERING_GATHERING);
	rtc_ice_agent_handle_timeout(agent, 0);   /* no credentials yet: the STUN request goes */
	CHECK(rtc_ice_agent_poll_transmit(agent, &tx));
	CHECK_INTEQ(tx.socket, 1);
	CHECK(memcmp(&tx.to, &server, sizeof(server)) == 0);
	CHECK(rtc_stun_parse(&msg, tx.data, tx.len, NULL) == RTC_STUN_OK);
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING, RTC_STUN_SUCCESS, msg.tid);
	rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&mapped);
	CHECK(rtc_stun_builder_finish(&b, &len) == RTC_STUN_OK);
	/* A spoofed answer from elsewhere is ignored. */
	rtc_ice_agent_handle_receive(agent, 5 * MS, 1, (struct sockaddr *)&mapped, buf, len);
	CHECK_INTEQ(rtc_ice_agent_local_candidate_count(agent), 1);
	rtc_ice_agent_handle_receive(agent, 5 * MS, 1, (struct sockaddr *)&server, buf, len);
	CHECK_INTEQ(rtc_ice_agent_local_candidate_count(agent), 2);
	rtc_ice_agent_local_candidate_stats(agent, 1, &cs);
	CHECK_INTEQ(cs.type, RTC_SDP_CANDIDATE_SRFLX);
	CHECK_INTEQ(cs.priority, 1694498815 - 64 * 256);   /* IPv4 local preference */
	CHECK_STREQ(cs.related_address, "10.0.0.2");
	while (rtc_ice_agent_poll_event(agent, &ev))
		if (ev.type == RTC_ICE_EVENT_LOCAL_CANDIDATE && strstr(ev.candidate, "typ srflx"))
			srflx = strstr(ev.candidate, "203.0.113.5 40000 typ srflx raddr 10.0.0.2 rport 5000") != NULL;
	CHECK(srflx);
	CHECK_INTEQ(rtc_ice_agent_gathering_state(agent), RTC_ICE_GATHERING_COMPLETE);
	/* Still one pair: the srflx one is the host one. */
	CHECK_INTEQ(rtc_ice_agent_pair_count(agent), 1);
	rtc_ice_agent_free(agent);
}

static void test_stun_server_timeout(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct sockaddr_storage server = addr("198.51.100.1", 3478);
	struct rtc_ice_event ev;
	uint64_t now = 0;
	unsigned sends = 0, errors = 0;

	rtc_ice_agent_add_stun_server(agent, (struct sockaddr *)&server, NULL);
	add_host(agent, 1, "10.0.0.2", 5000, 0);
	rtc_ice_agent_local_candidates_done(agent);
	while (now < 10 * S && rtc_ice_agent_deadline(agent) != UINT64_MAX) {
		if (rtc_ice_agent_deadline(agent) > now)
			now = rtc_ice_agent_deadline(agent);
		rtc_ice_agent_handle_timeout(agent, now);
		sends += drain_transmits(agent);
	}
	while (rtc_ice_agent_poll_event(agent, &ev))
		if (ev.type == RTC_ICE_EVENT_CANDIDATE_ERROR) {
			errors++;
			CHECK_INTEQ(ev.candidate_error.code, 701);
		}
	CHECK_INTEQ(sends, 4);
	CHECK_INTEQ(errors, 1);
	CHECK_INTEQ(now, 5500 * MS);
	CHECK_INTEQ(rtc_ice_agent_gathering_state(agent), RTC_ICE_GATHERING_COMPLETE);
	rtc_ice_agent_free(agent);
}

/* Servers and their Binding requests are kept in arrays that grow: every
 * server of the limit (8) is asked from every host socket (two here: 16
 * requests, each sent four times), a ninth is refused, a repeated one is
 * ignored, and a host added last is asked about too. */
static void test_many_stun_servers(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct rtc_error err = {0};
	uint64_t now = 0;
	unsigned sends = 0;
	char ip[32];

	add_host(agent, 1, "10.0.0.2", 5000, 0);
	for (int i = 0; i < 8; i++) {
		struct sockaddr_storage server;

		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		server = addr(ip, 3478);
		CHECK_INTEQ(rtc_ice_agent_add_stun_server(agent, (struct sockaddr *)&server, NULL), 0);
	}
	{
		struct sockaddr_storage again = addr("198.51.100.1", 3478);
		struct sockaddr_storage ninth = addr("198.51.100.9", 3478);

		CHECK_INTEQ(rtc_ice_agent_add_stun_server(agent, (struct sockaddr *)&again, NULL), 0);
		CHECK_INTEQ(rtc_ice_agent_add_stun_server(agent, (struct sockaddr *)&ninth, &err), -1);
		CHECK(strstr(err.message, "too many STUN servers") != NULL);
	}
	add_host(agent, 2, "10.0.1.2", 5001, 1);
	rtc_ice_agent_local_candidates_done(agent);
	while (now < 60 * S && rtc_ice_agent_deadline(agent) != UINT64_MAX) {
		if (rtc_ice_agent_deadline(agent) > now)
			now = rtc_ice_agent_deadline(agent);
		rtc_ice_agent_handle_timeout(agent, now);
		sends += drain_transmits(agent);
	}
	CHECK_INTEQ(sends, 16 * 4);
	CHECK_INTEQ(drain_events(agent, RTC_ICE_EVENT_CANDIDATE_ERROR), 16);
	CHECK_INTEQ(rtc_ice_agent_gathering_state(agent), RTC_ICE_GATHERING_COMPLETE);
	rtc_ice_agent_free(agent);
}

/* ---- the check list ----------------------------------------------------------- */

static void answer(struct rtc_ice_agent *agent, uint64_t now, const struct rtc_ice_transmit *tx,
		   const char *pwd, uint16_t error)
{
	struct rtc_stun_msg msg;
	struct rtc_stun_builder b;
	struct rtc_stun_key key;
	struct sockaddr_storage mapped = addr("192.0.2.10", 5000);
	uint8_t buf[256];
	size_t len;

	CHECK(rtc_stun_parse(&msg, tx->data, tx->len, NULL) == RTC_STUN_OK);
	rtc_stun_key_short_term(&key, pwd, NULL);
	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING,
			      error ? RTC_STUN_ERROR : RTC_STUN_SUCCESS, msg.tid);
	if (error)
		rtc_stun_builder_add_error_code(&b, error, "Role Conflict");
	else
		rtc_stun_builder_add_address(&b, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS,
					     (struct sockaddr *)&mapped);
	rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA1);
	rtc_stun_builder_add_fingerprint(&b);
	CHECK(rtc_stun_builder_finish(&b, &len) == RTC_STUN_OK);
	rtc_ice_agent_handle_receive(agent, now, tx->socket, (const struct sockaddr *)&tx->to, buf, len);
}

static void test_check_request_attributes(void)
{
	struct rtc_ice_agent *agent = paired_agent();
	struct rtc_ice_transmit tx;
	struct rtc_stun_msg msg;
	struct rtc_stun_key key;
	char username[64];
	uint32_t priority;
	uint64_t tie;
	struct rtc_ice_candidate_stats l;

	CHECK_INTEQ(rtc_ice_agent_deadline(agent), UINT64_MAX);   /* no credentials */
	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	CHECK_INTEQ(rtc_ice_agent_transport_state(agent), RTC_ICE_TRANSPORT_CHECKING);
	CHECK_INTEQ(rtc_ice_agent_deadline(agent), 0);
	rtc_ice_agent_handle_timeout(agent, 1 * S);
	CHECK(rtc_ice_agent_poll_transmit(agent, &tx));
	CHECK(!rtc_ice_agent_poll_transmit(agent, &tx) || true);
	CHECK(rtc_stun_parse(&msg, tx.data, tx.len, NULL) == RTC_STUN_OK);
	CHECK_INTEQ(msg.cls, RTC_STUN_REQUEST);
	CHECK(msg.fingerprint >= 0);
	CHECK(rtc_stun_msg_get_string(&msg, RTC_STUN_ATTR_USERNAME, username, sizeof(username),
				      NULL) == RTC_STUN_OK);
	CHECK_STREQ(username, "rufrag01:lufrag01");
	rtc_stun_key_short_term(&key, remote_pwd, NULL);
	CHECK(rtc_stun_msg_check_integrity(&msg, &key) == RTC_STUN_OK);
	CHECK(rtc_stun_msg_get_u64(&msg, RTC_STUN_ATTR_ICE_CONTROLLING, &tie, NULL) == RTC_STUN_OK);
	CHECK(tie == 100);
	CHECK(!rtc_stun_msg_has(&msg, RTC_STUN_ATTR_USE_CANDIDATE));
	CHECK(!rtc_stun_msg_has(&msg, RTC_STUN_ATTR_ICE_CONTROLLED));
	CHECK(rtc_stun_msg_get_u32(&msg, RTC_STUN_ATTR_PRIORITY, &priority, NULL) == RTC_STUN_OK);
	/* The highest pair goes first: IPv6, from socket 2. */
	CHECK_INTEQ(tx.socket, 2);
	rtc_ice_agent_local_candidate_stats(agent, 1, &l);
	CHECK_INTEQ(priority, (l.priority & 0x00FFFFFF) | (110u << 24));
	rtc_ice_agent_free(agent);
}

/* Ta pacing, Frozen until the foundation's first pair succeeds (7.2.5.3.3). */
static void test_pacing_and_unfreezing(void)
{
	struct rtc_ice_agent *agent = paired_agent();
	struct rtc_ice_transmit first, second, tx;
	struct rtc_ice_pair_stats a, b;

	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	rtc_ice_agent_handle_timeout(agent, 0);
	CHECK(rtc_ice_agent_poll_transmit(agent, &first));
	CHECK(!rtc_ice_agent_poll_transmit(agent, &tx));
	CHECK_INTEQ(rtc_ice_agent_deadline(agent), 50 * MS);
	rtc_ice_agent_handle_timeout(agent, 10 * MS);
	CHECK(!rtc_ice_agent_poll_transmit(agent, &tx));
	rtc_ice_agent_handle_timeout(agent, 50 * MS);
	CHECK(rtc_ice_agent_poll_transmit(agent, &second));
	CHECK_INTEQ(second.socket, 1);
	/* The frozen pair's foundation is in flight: nothing to send. */
	rtc_ice_agent_handle_timeout(agent, 100 * MS);
	CHECK(!rtc_ice_agent_poll_transmit(agent, &tx));
	CHECK(rtc_ice_agent_deadline(agent) == 500 * MS);   /* the first retransmission */
	pair_with_remote(agent, &b, "192.0.2.21");
	CHECK_INTEQ(b.state, RTC_ICE_PAIR_FROZEN);
	/* Success of the IPv4 check unfreezes its sibling. */
	answer(agent, 120 * MS, &second, remote_pwd, 0);
	pair_with_remote(agent, &a, "192.0.2.20");
	CHECK_INTEQ(a.state, RTC_ICE_PAIR_SUCCEEDED);
	CHECK_INTEQ(a.responses_received, 1);
	CHECK(a.current_round_trip_time > 0.069 && a.current_round_trip_time < 0.071);
	pair_with_remote(agent, &b, "192.0.2.21");
	CHECK_INTEQ(b.state, RTC_ICE_PAIR_WAITING);
	rtc_ice_agent_handle_timeout(agent, 150 * MS);
	CHECK(rtc_ice_agent_poll_transmit(agent, &tx));
	pair_with_remote(agent, &b, "192.0.2.21");
	CHECK_INTEQ(b.state, RTC_ICE_PAIR_IN_PROGRESS);
	/* An answer with the wrong password does nothing. */
	answer(agent, 160 * MS, &tx, "wrongpasswordwrongpassw", 0);
	pair_with_remote(agent, &b, "192.0.2.21");
	CHECK_INTEQ(b.state, RTC_ICE_PAIR_IN_PROGRESS);
	rtc_ice_agent_free(agent);
}

/* Unanswered checks fail after RFC 8489's 39.5 s; with end-of-candidates
 * and gathering done the transport fails. */
static void test_checks_time_out(void)
{
	struct rtc_ice_agent *agent = paired_agent();
	struct rtc_ice_pair_stats p;
	uint64_t now = 0;
	unsigned sends = 0;

	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	rtc_ice_agent_local_candidates_done(agent);
	rtc_ice_agent_remote_candidates_done(agent);
	while (rtc_ice_agent_deadline(agent) != UINT64_MAX && now < 100 * S) {
		if (rtc_ice_agent_deadline(agent) > now)
			now = rtc_ice_agent_deadline(agent);
		rtc_ice_agent_handle_timeout(agent, now);
		sends += drain_transmits(agent);
	}
	for (size_t k = 0; k < 3; k++) {
		rtc_ice_agent_pair_stats(agent, k, &p);
		CHECK_INTEQ(p.state, RTC_ICE_PAIR_FAILED);
		CHECK_INTEQ(p.requests_sent, 7);
	}
	CHECK_INTEQ(sends, 21);
	CHECK_INTEQ(rtc_ice_agent_transport_state(agent), RTC_ICE_TRANSPORT_FAILED);
	/* The frozen pair waited for its sibling to fail: 2 x 39.5 s. */
	CHECK(now > 79 * S && now < 80 * S);
	rtc_ice_agent_free(agent);
}

/* 7.2.5.1: a 487 answer switches the role and checks the pair again. */
static void test_role_conflict_answer(void)
{
	struct rtc_ice_agent *agent = paired_agent();
	struct rtc_ice_transmit tx;
	struct rtc_stun_msg msg;

	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	drain_events(agent, RTC_ICE_EVENT_ROLE_CHANGED);
	rtc_ice_agent_handle_timeout(agent, 0);
	CHECK(rtc_ice_agent_poll_transmit(agent, &tx));
	answer(agent, 20 * MS, &tx, remote_pwd, 487);
	CHECK_INTEQ(rtc_ice_agent_role(agent), RTC_ICE_ROLE_CONTROLLED);
	CHECK_INTEQ(drain_events(agent, RTC_ICE_EVENT_ROLE_CHANGED), 1);
	rtc_ice_agent_handle_timeout(agent, 50 * MS);
	CHECK(rtc_ice_agent_poll_transmit(agent, &tx));
	CHECK(rtc_stun_parse(&msg, tx.data, tx.len, NULL) == RTC_STUN_OK);
	CHECK(rtc_stun_msg_has(&msg, RTC_STUN_ATTR_ICE_CONTROLLED));
	CHECK_INTEQ(tx.socket, 2);   /* the triggered re-check comes first */
	rtc_ice_agent_free(agent);
}

/* ---- answering the peer's checks ------------------------------------------------ */

struct request {
	const char *username;
	const char *pwd;
	uint16_t role_attr;      /* 0: none */
	uint64_t tie_breaker;
	bool use_candidate;
	bool unknown_attr;
	bool no_priority;
};

static void send_request(struct rtc_ice_agent *agent, uint64_t now, const struct request *r,
			 const struct sockaddr_storage *from, struct rtc_stun_msg *reply,
			 struct rtc_ice_transmit *tx)
{
	struct rtc_stun_builder b;
	struct rtc_stun_key key;
	uint8_t buf[512];
	size_t len;

	rtc_stun_builder_init(&b, buf, sizeof(buf), RTC_STUN_BINDING, RTC_STUN_REQUEST, NULL);
	if (r->username)
		rtc_stun_builder_add_string(&b, RTC_STUN_ATTR_USERNAME, r->username);
	if (!r->no_priority)
		rtc_stun_builder_add_u32(&b, RTC_STUN_ATTR_PRIORITY, 1853824767);
	if (r->role_attr)
		rtc_stun_builder_add_u64(&b, r->role_attr, r->tie_breaker);
	if (r->use_candidate)
		rtc_stun_builder_add_flag(&b, RTC_STUN_ATTR_USE_CANDIDATE);
	if (r->unknown_attr)
		rtc_stun_builder_add_raw(&b, 0x7777, "abcd", 4);
	if (r->pwd) {
		rtc_stun_key_short_term(&key, r->pwd, NULL);
		rtc_stun_builder_add_integrity(&b, &key, RTC_STUN_INTEGRITY_SHA1);
	}
	rtc_stun_builder_add_fingerprint(&b);
	CHECK(rtc_stun_builder_finish(&b, &len) == RTC_STUN_OK);
	rtc_ice_agent_handle_receive(agent, now, 1, (const struct sockaddr *)from, buf, len);
	CHECK(rtc_ice_agent_poll_transmit(agent, tx));
	CHECK(rtc_stun_parse(reply, tx->data, tx->len, NULL) == RTC_STUN_OK);
}

static uint16_t error_code(const struct rtc_stun_msg *msg)
{
	uint16_t code = 0;

	if (msg->cls == RTC_STUN_ERROR)
		rtc_stun_msg_get_error_code(msg, &code, NULL, 0, NULL);
	return code;
}

static void test_answers_requests(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLED, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct sockaddr_storage from = addr("203.0.113.7", 7000), mapped;
	struct rtc_stun_msg reply;
	struct rtc_ice_transmit tx;
	struct rtc_stun_key key;
	struct rtc_ice_candidate_stats cs;
	struct request r = {.username = "lufrag01:rufrag01", .pwd = local_creds.pwd,
			    .role_attr = RTC_STUN_ATTR_ICE_CONTROLLING, .tie_breaker = 7};

	add_host(agent, 1, "192.0.2.10", 5000, 0);
	rtc_stun_key_short_term(&key, local_creds.pwd, NULL);

	/* Before the answer with our credentials even arrived: answered. */
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(reply.cls, RTC_STUN_SUCCESS);
	CHECK(rtc_stun_msg_check_integrity(&reply, &key) == RTC_STUN_OK);
	CHECK(reply.fingerprint >= 0);
	CHECK(rtc_stun_msg_get_address(&reply, RTC_STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped, NULL) ==
	      RTC_STUN_OK);
	CHECK(memcmp(&mapped, &from, sizeof(struct sockaddr_in)) == 0);
	CHECK_INTEQ(tx.socket, 1);
	CHECK(memcmp(&tx.to, &from, sizeof(struct sockaddr_in)) == 0);
	/* The unknown source became a peer-reflexive candidate, paired. */
	CHECK_INTEQ(rtc_ice_agent_remote_candidate_count(agent), 1);
	rtc_ice_agent_remote_candidate_stats(agent, 0, &cs);
	CHECK_INTEQ(cs.type, RTC_SDP_CANDIDATE_PRFLX);
	CHECK_INTEQ(cs.priority, 1853824767);
	CHECK_INTEQ(rtc_ice_agent_pair_count(agent), 1);

	r.pwd = "wrongpasswordwrongpassw";
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(error_code(&reply), 401);
	r.pwd = local_creds.pwd;
	r.username = "someoneelse:rufrag01";
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(error_code(&reply), 401);
	r.username = NULL;
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(error_code(&reply), 400);
	r.username = "lufrag01:rufrag01";
	r.unknown_attr = true;
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(error_code(&reply), 420);
	CHECK(rtc_stun_msg_has(&reply, RTC_STUN_ATTR_UNKNOWN_ATTRIBUTES));
	r.unknown_attr = false;
	r.no_priority = true;
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(error_code(&reply), 400);
	r.no_priority = false;

	/* Once we have the peer's password, the triggered check goes first. */
	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	rtc_ice_agent_handle_timeout(agent, 10 * MS);
	CHECK(rtc_ice_agent_poll_transmit(agent, &tx));
	CHECK(memcmp(&tx.to, &from, sizeof(struct sockaddr_in)) == 0);
	rtc_ice_agent_free(agent);
}

/* 7.3.1.1 both ways, decided by the tie-breakers (ours is 100). */
static void test_role_conflict_requests(void)
{
	struct sockaddr_storage from = addr("192.0.2.20", 6000);
	struct rtc_stun_msg reply;
	struct rtc_ice_transmit tx;
	struct request r = {.username = "lufrag01:rufrag01", .pwd = local_creds.pwd,
			    .role_attr = RTC_STUN_ATTR_ICE_CONTROLLING};
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);

	add_host(agent, 1, "192.0.2.10", 5000, 0);
	r.tie_breaker = 50;        /* ours is larger: we stay, they get 487 */
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(error_code(&reply), 487);
	CHECK_INTEQ(rtc_ice_agent_role(agent), RTC_ICE_ROLE_CONTROLLING);
	r.tie_breaker = 500;       /* theirs is larger: we switch and answer */
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(reply.cls, RTC_STUN_SUCCESS);
	CHECK_INTEQ(rtc_ice_agent_role(agent), RTC_ICE_ROLE_CONTROLLED);

	/* Both controlled now. */
	r.role_attr = RTC_STUN_ATTR_ICE_CONTROLLED;
	r.tie_breaker = 500;       /* theirs is larger: they must switch */
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(error_code(&reply), 487);
	CHECK_INTEQ(rtc_ice_agent_role(agent), RTC_ICE_ROLE_CONTROLLED);
	r.tie_breaker = 50;        /* ours is larger: we take control */
	send_request(agent, 0, &r, &from, &reply, &tx);
	CHECK_INTEQ(reply.cls, RTC_STUN_SUCCESS);
	CHECK_INTEQ(rtc_ice_agent_role(agent), RTC_ICE_ROLE_CONTROLLING);
	rtc_ice_agent_free(agent);
}

/* ---- policy, states, garbage --------------------------------------------------- */

static void test_relay_only_filtering(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_RELAY);
	struct sockaddr_storage server = addr("198.51.100.1", 3478);
	struct rtc_ice_local_candidate relay = {
		.type = RTC_SDP_CANDIDATE_RELAY, .socket = 9, .address = addr("198.51.100.9", 50000),
		.related = addr("203.0.113.5", 40000),
	};
	struct rtc_ice_event ev;
	unsigned announced = 0;
	struct rtc_ice_transmit tx;

	rtc_ice_agent_add_stun_server(agent, (struct sockaddr *)&server, NULL);
	add_host(agent, 1, "192.0.2.10", 5000, 0);
	CHECK(rtc_ice_agent_add_local_candidate(agent, &relay, NULL) == 0);
	add_remote(agent, "candidate:1 1 udp 2130706431 192.0.2.20 6000 typ host", NULL);
	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	while (rtc_ice_agent_poll_event(agent, &ev))
		if (ev.type == RTC_ICE_EVENT_LOCAL_CANDIDATE) {
			announced++;
			CHECK(strstr(ev.candidate, "198.51.100.9 50000 typ relay raddr 203.0.113.5 rport 40000") != NULL);
		}
	CHECK_INTEQ(announced, 1);
	CHECK_INTEQ(rtc_ice_agent_pair_count(agent), 1);
	/* No srflx gathering; the one check goes through the relay. */
	rtc_ice_agent_handle_timeout(agent, 0);
	CHECK(rtc_ice_agent_poll_transmit(agent, &tx));
	CHECK_INTEQ(tx.socket, 9);
	rtc_ice_agent_handle_timeout(agent, 50 * MS);
	CHECK(!rtc_ice_agent_poll_transmit(agent, &tx));
	rtc_ice_agent_free(agent);
}

static void test_gathering_with_nothing(void)
{
	struct rtc_ice_agent *agent = agent_new(RTC_ICE_ROLE_CONTROLLING, RTC_ICE_TRANSPORT_POLICY_ALL);
	struct rtc_ice_event ev;

	CHECK_INTEQ(rtc_ice_agent_gathering_state(agent), RTC_ICE_GATHERING_NEW);
	rtc_ice_agent_local_candidates_done(agent);
	CHECK(rtc_ice_agent_poll_event(agent, &ev));
	CHECK(ev.type == RTC_ICE_EVENT_GATHERING_STATE && ev.gathering == RTC_ICE_GATHERING_GATHERING);
	CHECK(rtc_ice_agent_poll_event(agent, &ev));
	CHECK(ev.type == RTC_ICE_EVENT_GATHERING_STATE && ev.gathering == RTC_ICE_GATHERING_COMPLETE);
	CHECK(!rtc_ice_agent_poll_event(agent, &ev));
	rtc_ice_agent_close(agent);
	CHECK_INTEQ(rtc_ice_agent_transport_state(agent), RTC_ICE_TRANSPORT_CLOSED);
	CHECK_INTEQ(rtc_ice_agent_deadline(agent), UINT64_MAX);
	CHECK_STREQ(rtc_ice_transport_state_name(RTC_ICE_TRANSPORT_CLOSED), "closed");
	CHECK_STREQ(rtc_ice_pair_state_name(RTC_ICE_PAIR_IN_PROGRESS), "in-progress");
	rtc_ice_agent_free(agent);
}

static void test_garbage_is_dropped(void)
{
	struct rtc_ice_agent *agent = paired_agent();
	struct sockaddr_storage from = addr("192.0.2.20", 6000);
	struct sockaddr bad = {.sa_family = AF_UNIX};
	uint8_t buf[600];
	uint64_t x = 88172645463325252ull;

	rtc_ice_agent_set_remote_credentials(agent, remote_ufrag, remote_pwd, NULL);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(round % 600);

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		if (len >= 20 && round % 2) {
			/* A plausible header so the parser gets further. */
			buf[0] = 0x00, buf[1] = 0x01;
			buf[2] = (uint8_t)((len - 20) >> 8), buf[3] = (uint8_t)(len - 20);
			buf[4] = 0x21, buf[5] = 0x12, buf[6] = 0xA4, buf[7] = 0x42;
		}
		rtc_ice_agent_handle_receive(agent, 0, 1, (struct sockaddr *)&from, buf, len);
	}
	rtc_ice_agent_handle_receive(agent, 0, 1, &bad, buf, 20);
	rtc_ice_agent_handle_receive(agent, 0, 77, (struct sockaddr *)&from, buf, 20);
	CHECK_INTEQ(rtc_ice_agent_remote_candidate_count(agent), 4);
	rtc_ice_agent_free(agent);
}

int main(void)
{
	RUN(test_candidate_priorities);
	RUN(test_pair_priority);
	RUN(test_local_preferences);
	RUN(test_local_candidate_errors);
	RUN(test_pairing_and_initial_states);
	RUN(test_remote_candidate_errors);
	RUN(test_no_checks_to_groups);
	RUN(test_srflx_pruned_to_base);
	RUN(test_stun_server_timeout);
	RUN(test_many_stun_servers);
	RUN(test_check_request_attributes);
	RUN(test_pacing_and_unfreezing);
	RUN(test_checks_time_out);
	RUN(test_role_conflict_answer);
	RUN(test_answers_requests);
	RUN(test_role_conflict_requests);
	RUN(test_relay_only_filtering);
	RUN(test_gathering_with_nothing);
	RUN(test_garbage_is_dropped);
	return rtc_test_done();
}
