/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote candidates on their way to the ICE agent. Browsers hide their host
 * addresses behind "<uuid>.local" names (draft-ietf-mmusic-mdns-ice-
 * candidates): those wait here for the daemon's mDNS service to resolve them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/mdns/mdns.h"
#include "session/mdns-service.h"
#include "session/session-private.h"

struct rtc_session_lookup {
	struct rtc_session_lookup *next;
	struct rtc_session *session;
	struct rtc_mdns_lookup *lookup;
	struct rtc_sdp_candidate *candidate;   /* owned copy, address still the name */
};

static void to_agent(struct rtc_session *s, const struct rtc_sdp_candidate *c)
{
	struct rtc_error err = { 0 };

	if (rtc_ice_agent_add_remote_candidate(s->agent, c, &err) < 0)
		rtc_debug("session: remote candidate refused: %s", err.message);
}

static void unlink_lookup(struct rtc_session *s, struct rtc_session_lookup *l)
{
	for (struct rtc_session_lookup **p = &s->lookups; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			return;
		}
}

static void on_resolved(void *userdata, const char *name,
			const struct sockaddr_storage *addresses, size_t n)
{
	struct rtc_session_lookup *l = userdata;
	struct rtc_session *s = l->session;

	unlink_lookup(s, l);
	if (n == 0)
		rtc_info("session: could not resolve remote candidate %s", name);
	for (size_t i = 0; i < n && s->agent; i++) {
		struct rtc_sdp_candidate c = *l->candidate;
		char text[INET6_ADDRSTRLEN];
		const void *src = addresses[i].ss_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)&addresses[i])->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)&addresses[i])->sin6_addr;

		inet_ntop(addresses[i].ss_family, src, text, sizeof(text));
		c.address = text;
		c.address_kind = addresses[i].ss_family == AF_INET ? RTC_SDP_ADDRESS_IPV4
								   : RTC_SDP_ADDRESS_IPV6;
		to_agent(s, &c);
	}
	rtc_sdp_candidate_free(l->candidate);
	free(l);
	/* The peer's end-of-candidates waited for its last name. */
	if (s->remote_done_pending && !s->lookups && s->agent) {
		s->remote_done_pending = false;
		rtc_ice_agent_remote_candidates_done(s->agent);
	}
	rtc_session_pump(s);
}

void rtc_session_remote_candidates_done(struct rtc_session *s)
{
	/* While .local names are being resolved, candidates are still to
	 * come: the agent must not conclude (and look "failed") before. */
	if (s->lookups) {
		s->remote_done_pending = true;
		return;
	}
	rtc_ice_agent_remote_candidates_done(s->agent);
}

void rtc_session_add_remote(struct rtc_session *s, const struct rtc_sdp_candidate *c)
{
	struct rtc_session_lookup *l;
	char *line;

	if (c->address_kind != RTC_SDP_ADDRESS_FQDN) {
		to_agent(s, c);
		return;
	}
	if (!rtc_mdns_is_local_name(c->address) || !s->net->mdns) {
		/* W3C leaves other names to the implementation: no DNS here. */
		rtc_debug("session: remote candidate %s dropped: not an mDNS name we can resolve",
			  c->address);
		return;
	}
	l = calloc(1, sizeof(*l));
	line = rtc_sdp_candidate_to_string(c);
	if (!l || !line || rtc_sdp_candidate_parse(line, strlen(line), &l->candidate, NULL) < 0) {
		free(line);
		free(l);
		return;
	}
	free(line);
	l->session = s;
	l->lookup = rtc_mdns_service_resolve(s->net->mdns, c->address, on_resolved, l);
	if (!l->lookup) {
		rtc_sdp_candidate_free(l->candidate);
		free(l);
		return;
	}
	l->next = s->lookups;
	s->lookups = l;
}

void rtc_session_mdns_cancel(struct rtc_session *s)
{
	while (s->lookups) {
		struct rtc_session_lookup *l = s->lookups;
		s->lookups = l->next;
		rtc_mdns_lookup_cancel(l->lookup);
		rtc_sdp_candidate_free(l->candidate);
		free(l);
	}
}

/* ---- our own host addresses behind mDNS names ----------------------------- */

static bool numeric_address(const char *text, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, &((struct sockaddr_in *)out)->sin_addr) == 1) {
		out->ss_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)out)->sin6_addr) == 1) {
		out->ss_family = AF_INET6;
		return true;
	}
	return false;
}

static void remember_name(struct rtc_session *s, const char *name)
{
	char (*names)[64];

	for (size_t i = 0; i < s->n_mdns_names; i++)
		if (strcmp(s->mdns_names[i], name) == 0) {
			/* One reference per session and address is enough. */
			rtc_mdns_service_unregister(s->net->mdns, name);
			return;
		}
	names = realloc(s->mdns_names, (s->n_mdns_names + 1) * sizeof(*names));
	if (!names)
		return;
	s->mdns_names = names;
	snprintf(s->mdns_names[s->n_mdns_names++], sizeof(names[0]), "%s", name);
}

bool rtc_session_mdns_hide(struct rtc_session *s, const char *line, char *out, size_t size)
{
	struct rtc_sdp_candidate *c, copy;
	struct sockaddr_storage addr;
	char name[RTC_MDNS_NAME_MAX + 1];
	char *text;
	bool done = false;

	if (!s->net->mdns_host_candidates || !s->net->mdns ||
	    rtc_sdp_candidate_parse(line, strlen(line), &c, NULL) < 0)
		return false;
	copy = *c;
	if (c->type == RTC_SDP_CANDIDATE_HOST) {
		if (!numeric_address(c->address, &addr) ||
		    rtc_mdns_service_register(s->net->mdns, (struct sockaddr *)&addr, name) < 0 ||
		    strlen(name) >= sizeof(s->mdns_names[0])) {
			rtc_sdp_candidate_free(c);
			return false;
		}
		remember_name(s, name);
		copy.address = name;
		copy.address_kind = RTC_SDP_ADDRESS_FQDN;
	} else if (c->related_address) {
		/* The draft, 3.1.2: the base of srflx and relay candidates would
		 * give the host address away. */
		copy.related_address = "0.0.0.0";
		copy.has_related_port = true;
		copy.related_port = 0;
	}
	text = rtc_sdp_candidate_to_string(&copy);
	if (text && strlen(text) < size) {
		memcpy(out, text, strlen(text) + 1);
		done = true;
	}
	free(text);
	rtc_sdp_candidate_free(c);
	return done;
}

void rtc_session_mdns_unregister_all(struct rtc_session *s)
{
	for (size_t i = 0; i < s->n_mdns_names; i++)
		rtc_mdns_service_unregister(s->net->mdns, s->mdns_names[i]);
	free(s->mdns_names);
	s->mdns_names = NULL;
	s->n_mdns_names = 0;
}
