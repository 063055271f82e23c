/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-connection quotas: how much of the daemon one client may hold. The
 * counters live in the client's state, so they exist only while the client
 * is on the bus; taking quota for a name that is not (or no longer) there
 * fails, which also keeps a late answer from creating objects nobody frees.
 */
#include "bus/bus-private.h"

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

int rtc_bus_quota_take(struct rtc_bus *bus, const char *unique_name, enum rtc_quota q,
		       uint64_t amount, struct rtc_error *err)
{
	struct rtc_bus_client *c = rtc_bus_client_get(bus, unique_name);

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
	c->quota_used[q] += amount;
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
