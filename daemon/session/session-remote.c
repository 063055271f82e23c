/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's mDNS service on behalf of one peer connection: the peer's
 * ".local" host candidates resolved when the pc asks, and our own host
 * addresses registered behind names for the pc to announce
 * (draft-ietf-mmusic-mdns-ice-candidates). What the names mean to ICE is
 * the pc's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "engine/mdns/mdns.h"
#include "io/reactor.h"
#include "session/mdns-service.h"
#include "session/session-private.h"

struct rtc_session_lookup {
	struct rtc_session_lookup *next;
	struct rtc_session *session;
	struct rtc_mdns_lookup *lookup;
};

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
	free(l);
	rtc_pc_name_resolved(s->pc, rtc_reactor_now(s->reactor), name, addresses, n);
	rtc_session_pump(s);
}

void rtc_session_resolve_name(struct rtc_session *s, const char *name)
{
	struct rtc_session_lookup *l = calloc(1, sizeof(*l));

	if (l && s->net->mdns) {
		l->session = s;
		l->lookup = rtc_mdns_service_resolve(s->net->mdns, name, on_resolved, l);
		if (l->lookup) {
			l->next = s->lookups;
			s->lookups = l;
			return;
		}
	}
	free(l);
	/* The pc must not wait for ever. */
	rtc_pc_name_resolved(s->pc, rtc_reactor_now(s->reactor), name, NULL, 0);
	rtc_session_schedule(s);
}

void rtc_session_mdns_cancel(struct rtc_session *s)
{
	while (s->lookups) {
		struct rtc_session_lookup *l = s->lookups;
		s->lookups = l->next;
		rtc_mdns_lookup_cancel(l->lookup);
		free(l);
	}
}

bool rtc_session_mdns_register(struct rtc_session *s, const struct sockaddr_storage *address,
			       char *out)
{
	char name[RTC_MDNS_NAME_MAX + 1];
	char (*names)[64];

	if (!s->net->mdns_host_candidates || !s->net->mdns ||
	    rtc_mdns_service_register(s->net->mdns, (const struct sockaddr *)address, name) < 0)
		return false;
	if (strlen(name) >= sizeof(s->mdns_names[0])) {
		rtc_mdns_service_unregister(s->net->mdns, name);
		return false;
	}
	for (size_t i = 0; i < s->n_mdns_names; i++)
		if (strcmp(s->mdns_names[i], name) == 0) {
			/* One reference per session and address is enough. */
			rtc_mdns_service_unregister(s->net->mdns, name);
			memcpy(out, name, strlen(name) + 1);
			return true;
		}
	names = realloc(s->mdns_names, (s->n_mdns_names + 1) * sizeof(*names));
	if (!names) {
		rtc_mdns_service_unregister(s->net->mdns, name);
		return false;
	}
	s->mdns_names = names;
	snprintf(s->mdns_names[s->n_mdns_names++], sizeof(names[0]), "%s", name);
	memcpy(out, name, strlen(name) + 1);
	return true;
}

void rtc_session_mdns_unregister_all(struct rtc_session *s)
{
	for (size_t i = 0; i < s->n_mdns_names; i++)
		rtc_mdns_service_unregister(s->net->mdns, s->mdns_names[i]);
	free(s->mdns_names);
	s->mdns_names = NULL;
	s->n_mdns_names = 0;
}
