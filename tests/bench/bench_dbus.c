/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * D-Bus figures for rtcd, measured against the bus daemon itself as the
 * baseline in the same run:
 *   - round trips per second of a trivial call: dbus-daemon's GetId (the
 *     cheapest answer there is on this bus) vs rtcd's Properties.Get(Version);
 *     one at a time, and pipelined (64 in flight);
 *   - 10,000 CreatePeerConnection -> CreateOffer -> Close cycles per second,
 *     with rtcd's RSS before and after.
 * Prints figures; never fails on a time. Run through
 * tests/integration/run-with-daemon.sh (meson: `meson test --benchmark`).
 */
#include <dbus/dbus.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RTCD "org.rtcd.WebRTC1"
#define ROOT "/org/rtcd/WebRTC1"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static DBusMessage *call(DBusConnection *c, DBusMessage *m)
{
	DBusError err;
	DBusMessage *reply;

	dbus_error_init(&err);
	reply = dbus_connection_send_with_reply_and_block(c, m, 10000, &err);
	dbus_message_unref(m);
	if (!reply) {
		fprintf(stderr, "bench: %s: %s\n", err.name, err.message);
		exit(1);
	}
	return reply;
}

static DBusMessage *get_id_msg(void)
{
	return dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
					    DBUS_INTERFACE_DBUS, "GetId");
}

static DBusMessage *get_version_msg(void)
{
	const char *iface = RTCD ".Manager", *prop = "Version";
	DBusMessage *m = dbus_message_new_method_call(RTCD, ROOT, DBUS_INTERFACE_PROPERTIES, "Get");

	dbus_message_append_args(m, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
				 DBUS_TYPE_INVALID);
	return m;
}

/* Calls per second, one round trip at a time. */
static double serial_rate(DBusConnection *c, DBusMessage *(*make)(void), int n)
{
	double t0 = now();

	for (int i = 0; i < n; i++)
		dbus_message_unref(call(c, make()));
	return n / (now() - t0);
}

/* Calls per second with `depth` calls in flight. */
static double pipelined_rate(DBusConnection *c, DBusMessage *(*make)(void), int n, int depth)
{
	DBusPendingCall **pending = calloc((size_t)depth, sizeof(*pending));
	double t0 = now();
	int sent = 0, done = 0;

	while (done < n) {
		for (int s = 0; s < depth && sent < n; s++) {
			if (pending[s])
				continue;
			DBusMessage *m = make();
			dbus_connection_send_with_reply(c, m, &pending[s], 10000);
			dbus_message_unref(m);
			sent++;
		}
		dbus_connection_flush(c);
		for (int s = 0; s < depth; s++) {
			if (!pending[s])
				continue;
			dbus_pending_call_block(pending[s]);
			DBusMessage *r = dbus_pending_call_steal_reply(pending[s]);
			if (dbus_message_get_type(r) == DBUS_MESSAGE_TYPE_ERROR) {
				fprintf(stderr, "bench: error reply %s\n", dbus_message_get_error_name(r));
				exit(1);
			}
			dbus_message_unref(r);
			dbus_pending_call_unref(pending[s]);
			pending[s] = NULL;
			done++;
		}
	}
	free(pending);
	return n / (now() - t0);
}

static long rss_kib(uint32_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static uint32_t rtcd_pid(DBusConnection *c)
{
	const char *name = RTCD;
	uint32_t pid = 0;
	DBusMessage *m = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
						      DBUS_INTERFACE_DBUS,
						      "GetConnectionUnixProcessID");
	DBusMessage *r;

	dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
	r = call(c, m);
	dbus_message_get_args(r, NULL, DBUS_TYPE_UINT32, &pid, DBUS_TYPE_INVALID);
	dbus_message_unref(r);
	return pid;
}

static void append_empty_dict(DBusMessage *m)
{
	DBusMessageIter it, dict;

	dbus_message_iter_init_append(m, &it);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	dbus_message_iter_close_container(&it, &dict);
}

static void pc_cycle(DBusConnection *c)
{
	DBusMessage *m, *r;
	const char *path;
	char pc[128];

	m = dbus_message_new_method_call(RTCD, ROOT, RTCD ".Manager", "CreatePeerConnection");
	append_empty_dict(m);
	r = call(c, m);
	dbus_message_get_args(r, NULL, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID);
	snprintf(pc, sizeof(pc), "%s", path);
	dbus_message_unref(r);

	m = dbus_message_new_method_call(RTCD, pc, RTCD ".PeerConnection", "CreateOffer");
	append_empty_dict(m);
	dbus_message_unref(call(c, m));

	m = dbus_message_new_method_call(RTCD, pc, RTCD ".PeerConnection", "Close");
	dbus_message_unref(call(c, m));
}

int main(void)
{
	const char *address = getenv("RTCD_BUS_ADDRESS");
	int n_calls = getenv("BENCH_CALLS") ? atoi(getenv("BENCH_CALLS")) : 20000;
	int n_cycles = getenv("BENCH_CYCLES") ? atoi(getenv("BENCH_CYCLES")) : 10000;
	DBusConnection *c;
	DBusError err;
	double base, get, base_p, get_p, t0, cycles;
	long rss0, rss_warm, rss1;
	uint32_t pid;

	dbus_error_init(&err);
	if (!address) {
		fprintf(stderr, "bench: RTCD_BUS_ADDRESS is not set (run via run-with-daemon.sh)\n");
		return 1;
	}
	c = dbus_connection_open_private(address, &err);
	if (!c || !dbus_bus_register(c, &err)) {
		fprintf(stderr, "bench: %s\n", err.message);
		return 1;
	}
	pid = rtcd_pid(c);

	/* Warm both paths up before timing. */
	serial_rate(c, get_id_msg, 500);
	serial_rate(c, get_version_msg, 500);

	base = serial_rate(c, get_id_msg, n_calls);
	get = serial_rate(c, get_version_msg, n_calls);
	base_p = pipelined_rate(c, get_id_msg, n_calls, 64);
	get_p = pipelined_rate(c, get_version_msg, n_calls, 64);
	printf("round trips, one at a time: dbus-daemon GetId %.0f/s, rtcd Properties.Get %.0f/s "
	       "(ratio %.2f)\n", base, get, get / base);
	printf("round trips, 64 in flight: dbus-daemon GetId %.0f/s, rtcd Properties.Get %.0f/s "
	       "(ratio %.2f)\n", base_p, get_p, get_p / base_p);

	rss0 = rss_kib(pid);
	for (int i = 0; i < 200; i++)
		pc_cycle(c);
	rss_warm = rss_kib(pid);
	t0 = now();
	for (int i = 0; i < n_cycles; i++)
		pc_cycle(c);
	cycles = n_cycles / (now() - t0);
	rss1 = rss_kib(pid);
	printf("CreatePeerConnection -> CreateOffer -> Close: %d cycles, %.0f cycles/s "
	       "(%.1f us each)\n", n_cycles, cycles, 1e6 / cycles);
	printf("rtcd RSS: %ld KiB at start, %ld KiB after 200 warm-up cycles, %ld KiB after "
	       "%d more (growth %+ld KiB)\n", rss0, rss_warm, rss1, n_cycles, rss1 - rss_warm);

	dbus_connection_close(c);
	dbus_connection_unref(c);
	return 0;
}
