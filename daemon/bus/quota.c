/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Quotas: how much of the daemon one client may hold, counted twice: per
 * bus connection, and per identity (the uid, and the app id of a sandboxed
 * app) over all of that identity's connections, so that an app opening ten
 * connections gets no more than its share. The counters live in the
 * client's state and in its identity, so they exist only while the client
 * is on the bus; taking quota for a name that is not (or no longer) there
 * fails, which also keeps a late answer from creating objects nobody frees.
 */
#include "bus/bus-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static const struct {
	uint64_t limit;
	const char *what;
} quotas[RTC_QUOTA_COUNT_] = {
	[RTC_QUOTA_PEER_CONNECTIONS] = { 64, "peer connections" },
	[RTC_QUOTA_DATA_CHANNELS] = { 1024, "data channels" },
	[RTC_QUOTA_TRACKS] = { 64, "tracks" },
	[RTC_QUOTA_QUEUED_BYTES] = { 64u << 20, "queued bytes" },
	[RTC_QUOTA_BUFFERED_BYTES] = { 16u << 20, "bytes buffered for sending" },
};

uint64_t rtc_bus_quota_default(enum rtc_quota q)
{
	return (unsigned)q < RTC_QUOTA_COUNT_ ? quotas[q].limit : 0;
}

void rtc_bus_quota_set_per_identity(struct rtc_bus *bus, enum rtc_quota q, uint64_t limit)
{
	if ((unsigned)q < RTC_QUOTA_COUNT_)
		bus->quota_identity[q] = limit;
}

uint64_t rtc_bus_quota_per_identity(struct rtc_bus *bus, enum rtc_quota q)
{
	if ((unsigned)q >= RTC_QUOTA_COUNT_)
		return 0;
	if (bus->quota_identity[q])
		return bus->quota_identity[q];
	return bus->quota[q] > UINT64_MAX / RTC_BUS_IDENTITY_QUOTA_FACTOR
		       ? UINT64_MAX
		       : bus->quota[q] * RTC_BUS_IDENTITY_QUOTA_FACTOR;
}

/* ---- identities --------------------------------------------------------- */

static const char *identity_key(const void *item)
{
	return ((const struct rtc_bus_identity *)item)->key;
}

static char *identity_key_of(const struct rtc_bus_client *c)
{
	char *key = NULL;
	int r;

	if (!c->has_uid)
		r = asprintf(&key, "unknown");
	else if (!c->sandboxed)
		r = asprintf(&key, "uid %u", (unsigned)c->uid);
	else if (c->app_id)
		r = asprintf(&key, "uid %u app %s", (unsigned)c->uid, c->app_id);
	else
		r = asprintf(&key, "uid %u sandbox", (unsigned)c->uid);
	return r < 0 ? NULL : key;
}

struct rtc_bus_identity *rtc_bus_identity_ref(struct rtc_bus *bus,
					      const struct rtc_bus_client *c)
{
	struct rtc_bus_identity *id;
	char *key = identity_key_of(c);
	size_t pos;

	if (!key)
		return NULL;
	bus->identities.key_of = identity_key;
	if (rtc_bus_index_find(&bus->identities, key, &pos)) {
		free(key);
		id = bus->identities.items[pos];
		id->refs++;
		return id;
	}
	id = calloc(1, sizeof(*id));
	if (!id || rtc_bus_index_insert(&bus->identities, pos, id) < 0) {
		free(id);
		free(key);
		return NULL;
	}
	id->key = key;
	id->refs = 1;
	return id;
}

void rtc_bus_identity_unref(struct rtc_bus *bus, struct rtc_bus_identity *id)
{
	size_t pos;

	if (!id || --id->refs)
		return;
	if (rtc_bus_index_find(&bus->identities, id->key, &pos))
		rtc_bus_index_remove_at(&bus->identities, pos);
	free(id->key);
	free(id);
}

/* ---- taking and releasing -------------------------------------------------- */

int rtc_bus_quota_take(struct rtc_bus *bus, const char *unique_name, enum rtc_quota q,
		       uint64_t amount, struct rtc_error *err)
{
	struct rtc_bus_client *c = rtc_bus_client_get(bus, unique_name);
	uint64_t per_id;

	if ((unsigned)q >= RTC_QUOTA_COUNT_)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "unknown quota %d", (int)q);
	if (!c)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "%s is not connected",
				     unique_name ? unique_name : "(no name)");
	if (amount > bus->quota[q] || c->quota_used[q] > bus->quota[q] - amount) {
		rtc_error_set(err, RTC_ERROR_NONE,
			      "Quota exceeded: at most %llu %s per connection (%llu in use)",
			      (unsigned long long)bus->quota[q], quotas[q].what,
			      (unsigned long long)c->quota_used[q]);
		return -1;
	}
	per_id = rtc_bus_quota_per_identity(bus, q);
	if (c->identity &&
	    (amount > per_id || c->identity->quota_used[q] > per_id - amount)) {
		rtc_error_set(err, RTC_ERROR_NONE,
			      "Quota exceeded: at most %llu %s per app, over all its connections (%llu in use)",
			      (unsigned long long)per_id, quotas[q].what,
			      (unsigned long long)c->identity->quota_used[q]);
		return -1;
	}
	c->quota_used[q] += amount;
	if (c->identity)
		c->identity->quota_used[q] += amount;
	return 0;
}

void rtc_bus_quota_release(struct rtc_bus *bus, const char *unique_name, enum rtc_quota q,
			   uint64_t amount)
{
	struct rtc_bus_client *c = rtc_bus_client_get(bus, unique_name);

	if (!c || (unsigned)q >= RTC_QUOTA_COUNT_)
		return;
	if (amount > c->quota_used[q]) {
		rtc_warn("bus: %s releases %llu %s but holds %llu", unique_name,
			 (unsigned long long)amount, quotas[q].what,
			 (unsigned long long)c->quota_used[q]);
		amount = c->quota_used[q];
	}
	c->quota_used[q] -= amount;
	if (c->identity)
		c->identity->quota_used[q] -= amount <= c->identity->quota_used[q]
						      ? amount : c->identity->quota_used[q];
}

uint64_t rtc_bus_quota_used(struct rtc_bus *bus, const char *unique_name, enum rtc_quota q)
{
	struct rtc_bus_client *c = rtc_bus_client_get(bus, unique_name);

	return c && (unsigned)q < RTC_QUOTA_COUNT_ ? c->quota_used[q] : 0;
}

uint64_t rtc_bus_quota_limit(const struct rtc_bus *bus, enum rtc_quota q)
{
	return (unsigned)q < RTC_QUOTA_COUNT_ ? bus->quota[q] : 0;
}
