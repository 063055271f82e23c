/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcd: the WebRTC service. Parses the command line, builds the reactor,
 * the bus connection and the API objects, and runs until SIGTERM or SIGINT,
 * when every peer connection is closed (its owner told) before exit.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "api/api.h"
#include "bus/bus.h"
#include "common/log.h"
#include "common/sd-notify.h"
#include "engine/turn/tls-client.h"
#include "config.h"
#include "io/reactor.h"
#include "io/resolver.h"
#include "media/devices/devices.h"
#include "offload/policy.h"
#include "session/mdns-service.h"
#include "session/session.h"

#define MAX_INTERFACES 16

struct rtcd {
	struct rtc_reactor *reactor;
	struct rtc_bus *bus;
	struct rtc_api *api;
	struct rtc_net_options net;
	const char *interfaces[MAX_INTERFACES + 1];
	size_t n_interfaces;
	bool no_mdns;
	bool fake_media_devices, no_pipewire;
	struct rtc_media_devices *media;
	enum rtc_offload_mode srtp_offload;
	const char *turn_ca_files[MAX_INTERFACES];
	size_t n_turn_ca_files;
	struct rtc_offload_policy *offload;
	uint64_t max_pc_per_app;
};

/* What one peer connection may take in file descriptors, about: a UDP
 * socket per local address gathered on and TURN/TLS streams. Used to keep
 * one app's peer connections within a share of the fd limit. */
#define FDS_PER_PEER_CONNECTION 8u
/* Descriptors kept for the bus, the event loop, resolvers and mDNS. */
#define FDS_RESERVED 64u
/* No app's peer connections may need more than 1/APP_FD_SHARE of them. */
#define APP_FD_SHARE 4u

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: rtcd [OPTION]...\n"
		"The rtcd WebRTC service: owns %s on D-Bus.\n"
		"\n"
		"  --session              use the session bus (the default)\n"
		"  --system               use the system bus\n"
		"  --address=ADDRESS      use the bus at ADDRESS\n"
		"  --io=auto|uring|epoll  event loop backend (default auto: io_uring if usable)\n"
		"  --max-peer-connections=N  per client (default %llu)\n"
		"  --max-data-channels=N     per client (default %llu)\n"
		"  --max-tracks=N            per client (default %llu)\n"
		"  --max-queued-bytes=N      per client (default %llu)\n"
		"  --max-buffered-bytes=N    per client, Send and OpenSocket data not yet on the\n"
		"                         wire, over all its channels (default %llu)\n"
		"  --unread-timeout=SECONDS  how long a client with megabytes of messages\n"
		"                         unread may leave rtcd's Peer.Ping unanswered before\n"
		"                         it is taken for not reading: its channels are closed\n"
		"                         with an Error (default %llu)\n"
		"  --max-peer-connections-per-app=N  over all connections of one app (a uid, or\n"
		"                         a sandboxed app id; default %u x the per-client quota,\n"
		"                         less if the open file limit is low)\n"
		"  --port-range=MIN-MAX   UDP ports of host candidates (default: any)\n"
		"  --interface=NAME       gather on this interface only (repeatable)\n"
		"  --loopback-candidates  gather on loopback too (for tests on one host)\n"
		"  --link-local-candidates  gather on link-local addresses too\n"
		"  --no-mdns              do not resolve peers' .local candidates\n"
		"  --fake-media-devices   add a test-pattern camera and a tone microphone\n"
		"  --no-pipewire          capture nothing through PipeWire\n"
		"  --mdns-host-candidates  announce host candidates as .local names, as browsers do\n"
		"  --srtp-offload=auto|on|off  SRTP in the kernel module (default auto: when loaded)\n"
		"  --turn-ca-file=PATH    also trust these CAs for turns: servers (repeatable)\n"
		"  -v, --verbose          log debug messages\n"
		"  -h, --help             show this help\n"
		"      --version          show the version\n",
		RTCD_BUS_NAME,
		(unsigned long long)rtc_bus_quota_default(RTC_QUOTA_PEER_CONNECTIONS),
		(unsigned long long)rtc_bus_quota_default(RTC_QUOTA_DATA_CHANNELS),
		(unsigned long long)rtc_bus_quota_default(RTC_QUOTA_TRACKS),
		(unsigned long long)rtc_bus_quota_default(RTC_QUOTA_QUEUED_BYTES),
		(unsigned long long)rtc_bus_quota_default(RTC_QUOTA_BUFFERED_BYTES),
		(unsigned long long)(RTC_BUS_UNREAD_TIMEOUT_DEFAULT_NS / 1000000000u),
		RTC_BUS_IDENTITY_QUOTA_FACTOR);
}

static int parse_count(const char *arg, const char *option, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v == 0) {
		fprintf(stderr, "rtcd: %s needs a positive number, not \"%s\"\n", option, arg);
		return -1;
	}
	*out = v;
	return 0;
}

enum {
	OPT_SESSION = 256, OPT_SYSTEM, OPT_ADDRESS, OPT_IO, OPT_VERSION,
	OPT_MAX_PC, OPT_MAX_PC_PER_APP, OPT_MAX_DC, OPT_MAX_TRACKS, OPT_MAX_QUEUED, OPT_MAX_BUFFERED,
	OPT_PORT_RANGE, OPT_INTERFACE, OPT_LOOPBACK, OPT_LINK_LOCAL, OPT_NO_MDNS,
	OPT_FAKE_MEDIA, OPT_NO_PIPEWIRE,
	OPT_SRTP_OFFLOAD, OPT_TURN_CA_FILE, OPT_MDNS_HOST_CANDIDATES, OPT_UNREAD_TIMEOUT,
};

static int parse_port_range(const char *arg, struct rtc_net_options *net)
{
	unsigned lo, hi;
	char end;

	if (sscanf(arg, "%u-%u%c", &lo, &hi, &end) != 2 || lo == 0 || hi > 65535 || lo > hi) {
		fprintf(stderr, "rtcd: --port-range needs MIN-MAX within 1-65535, not \"%s\"\n",
			arg);
		return -1;
	}
	net->port_min = (uint16_t)lo;
	net->port_max = (uint16_t)hi;
	return 0;
}

static int parse_args(int argc, char **argv, struct rtcd *d, struct rtc_bus_options *bus,
		      enum rtc_reactor_backend *backend)
{
	static const struct option options[] = {
		{ "session", no_argument, NULL, OPT_SESSION },
		{ "system", no_argument, NULL, OPT_SYSTEM },
		{ "address", required_argument, NULL, OPT_ADDRESS },
		{ "io", required_argument, NULL, OPT_IO },
		{ "max-peer-connections", required_argument, NULL, OPT_MAX_PC },
		{ "max-peer-connections-per-app", required_argument, NULL, OPT_MAX_PC_PER_APP },
		{ "max-data-channels", required_argument, NULL, OPT_MAX_DC },
		{ "max-tracks", required_argument, NULL, OPT_MAX_TRACKS },
		{ "max-queued-bytes", required_argument, NULL, OPT_MAX_QUEUED },
		{ "max-buffered-bytes", required_argument, NULL, OPT_MAX_BUFFERED },
		{ "unread-timeout", required_argument, NULL, OPT_UNREAD_TIMEOUT },
		{ "port-range", required_argument, NULL, OPT_PORT_RANGE },
		{ "interface", required_argument, NULL, OPT_INTERFACE },
		{ "loopback-candidates", no_argument, NULL, OPT_LOOPBACK },
		{ "link-local-candidates", no_argument, NULL, OPT_LINK_LOCAL },
		{ "no-mdns", no_argument, NULL, OPT_NO_MDNS },
		{ "fake-media-devices", no_argument, NULL, OPT_FAKE_MEDIA },
		{ "no-pipewire", no_argument, NULL, OPT_NO_PIPEWIRE },
		{ "mdns-host-candidates", no_argument, NULL, OPT_MDNS_HOST_CANDIDATES },
		{ "srtp-offload", required_argument, NULL, OPT_SRTP_OFFLOAD },
		{ "turn-ca-file", required_argument, NULL, OPT_TURN_CA_FILE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		switch (c) {
		case OPT_SESSION:
			bus->kind = RTC_BUS_SESSION;
			break;
		case OPT_SYSTEM:
			bus->kind = RTC_BUS_SYSTEM;
			break;
		case OPT_ADDRESS:
			bus->kind = RTC_BUS_ADDRESS;
			bus->address = optarg;
			break;
		case OPT_IO:
			if (strcmp(optarg, "auto") == 0)
				*backend = RTC_REACTOR_AUTO;
			else if (strcmp(optarg, "uring") == 0)
				*backend = RTC_REACTOR_URING;
			else if (strcmp(optarg, "epoll") == 0)
				*backend = RTC_REACTOR_EPOLL;
			else {
				fprintf(stderr, "rtcd: --io must be auto, uring or epoll\n");
				return 2;
			}
			break;
		case OPT_MAX_PC:
			if (parse_count(optarg, "--max-peer-connections",
					&bus->quota[RTC_QUOTA_PEER_CONNECTIONS]) < 0)
				return 2;
			break;
		case OPT_MAX_PC_PER_APP:
			if (parse_count(optarg, "--max-peer-connections-per-app",
					&d->max_pc_per_app) < 0)
				return 2;
			break;
		case OPT_MAX_DC:
			if (parse_count(optarg, "--max-data-channels",
					&bus->quota[RTC_QUOTA_DATA_CHANNELS]) < 0)
				return 2;
			break;
		case OPT_MAX_TRACKS:
			if (parse_count(optarg, "--max-tracks", &bus->quota[RTC_QUOTA_TRACKS]) < 0)
				return 2;
			break;
		case OPT_MAX_QUEUED:
			if (parse_count(optarg, "--max-queued-bytes",
					&bus->quota[RTC_QUOTA_QUEUED_BYTES]) < 0)
				return 2;
			break;
		case OPT_MAX_BUFFERED:
			if (parse_count(optarg, "--max-buffered-bytes",
					&bus->quota[RTC_QUOTA_BUFFERED_BYTES]) < 0)
				return 2;
			break;
		case OPT_UNREAD_TIMEOUT: {
			uint64_t secs;

			if (parse_count(optarg, "--unread-timeout", &secs) < 0)
				return 2;
			if (secs > 24 * 3600) {
				fprintf(stderr, "rtcd: --unread-timeout is at most a day\n");
				return 2;
			}
			bus->unread_timeout_ns = secs * 1000000000u;
			break;
		}
		case OPT_PORT_RANGE:
			if (parse_port_range(optarg, &d->net) < 0)
				return 2;
			break;
		case OPT_INTERFACE:
			if (d->n_interfaces == MAX_INTERFACES) {
				fprintf(stderr, "rtcd: at most %d --interface options\n", MAX_INTERFACES);
				return 2;
			}
			d->interfaces[d->n_interfaces++] = optarg;
			d->net.interfaces.only = d->interfaces;
			break;
		case OPT_LOOPBACK:
			d->net.interfaces.allow_loopback = true;
			break;
		case OPT_LINK_LOCAL:
			d->net.interfaces.allow_link_local = true;
			break;
		case OPT_FAKE_MEDIA:
			d->fake_media_devices = true;
			break;
		case OPT_NO_PIPEWIRE:
			d->no_pipewire = true;
			break;
		case OPT_NO_MDNS:
			d->no_mdns = true;
			break;
		case OPT_MDNS_HOST_CANDIDATES:
			d->net.mdns_host_candidates = true;
			break;
		case OPT_TURN_CA_FILE:
			if (d->n_turn_ca_files == MAX_INTERFACES) {
				fprintf(stderr, "rtcd: at most %d --turn-ca-file options\n",
					MAX_INTERFACES);
				return 2;
			}
			d->turn_ca_files[d->n_turn_ca_files++] = optarg;
			break;
		case OPT_SRTP_OFFLOAD:
			if (rtc_offload_mode_parse(optarg, &d->srtp_offload) < 0) {
				fprintf(stderr, "rtcd: --srtp-offload must be auto, on or off\n");
				return 2;
			}
			break;
		case 'v':
			rtc_log_set_verbose(true);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("rtcd %s\n", RTCD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rtcd: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	return -1;
}

/* As systemd does for its services: the soft limit on open files up to the
 * hard one. Every peer connection costs descriptors; 1024 is soon spent. */
static rlim_t raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			rtc_notice("cannot raise the open file limit from %llu to %llu: %s",
				   (unsigned long long)was, (unsigned long long)rl.rlim_max,
				   strerror(errno));
			rl.rlim_cur = was;
		}
	}
	return rl.rlim_cur;
}

/* One app's peer connections stay within a share of the fd limit, so that
 * others still get their sockets: the default per-app quota shrinks to fit;
 * an explicit one is taken as given. */
static void set_app_quotas(struct rtcd *d, rlim_t nofile)
{
	uint64_t fit, limit = rtc_bus_quota_per_identity(d->bus, RTC_QUOTA_PEER_CONNECTIONS);

	if (d->max_pc_per_app) {
		rtc_bus_quota_set_per_identity(d->bus, RTC_QUOTA_PEER_CONNECTIONS, d->max_pc_per_app);
		return;
	}
	fit = nofile > FDS_RESERVED ? (uint64_t)(nofile - FDS_RESERVED) / APP_FD_SHARE /
					      FDS_PER_PEER_CONNECTION
				    : 0;
	if (fit < 1)
		fit = 1;
	if (fit < limit) {
		rtc_notice("open file limit %llu: at most %llu peer connections per app",
			   (unsigned long long)nofile, (unsigned long long)fit);
		rtc_bus_quota_set_per_identity(d->bus, RTC_QUOTA_PEER_CONNECTIONS, fit);
	}
}

/* A client not reading its signals: its own channels wait, nobody else;
 * one that does not read at all loses them. */
static void on_client_backlog(void *userdata, const char *unique_name,
			      enum rtc_bus_reader state)
{
	struct rtcd *d = userdata;

	if (!d->api)
		return;
	if (state == RTC_BUS_READER_SILENT)
		rtc_api_client_silent(d->api, unique_name);
	else
		rtc_api_client_backlog(d->api, unique_name, state == RTC_BUS_READER_BEHIND);
}

static void on_client_gone(void *userdata, const char *unique_name)
{
	struct rtcd *d = userdata;

	if (d->api)
		rtc_api_client_gone(d->api, unique_name);
}

static void on_quit_signal(void *userdata, int signo)
{
	struct rtcd *d = userdata;

	rtc_notice("%s: shutting down", strsignal(signo));
	rtc_reactor_quit(d->reactor, 0);
}

int main(int argc, char **argv)
{
	struct rtc_bus_options bus_options = { .kind = RTC_BUS_SESSION, .name = RTCD_BUS_NAME };
	enum rtc_reactor_backend backend = RTC_REACTOR_AUTO;
	struct rtcd d = { .srtp_offload = RTC_OFFLOAD_AUTO };
	struct rtc_error tls_err = { 0 };
	const char *why = NULL;
	rlim_t nofile;
	int r, exit_code;

	r = parse_args(argc, argv, &d, &bus_options, &backend);
	if (r >= 0)
		return r;
	/* A client that vanishes mid-write must not kill the service. */
	signal(SIGPIPE, SIG_IGN);
	nofile = raise_fd_limit();

	/* The kernel module assists when it is there; "on" insists on it. */
	r = rtc_offload_policy_open(d.srtp_offload, &d.offload);
	if (r < 0) {
		rtc_err("--srtp-offload=on, but the rtcd_srtp kernel module is not usable: %s",
			strerror(-r));
		return 1;
	}
	rtc_info("SRTP: %s", rtc_offload_policy_active(d.offload)
				   ? "the kernel module assists (libsrtp2 for what it refuses)"
				   : "libsrtp2 in userspace");
	exit_code = 1;
	if (rtc_tls_client_context_new(&(struct rtc_tls_client_context_config){
					       .ca_files = d.turn_ca_files,
					       .n_ca_files = d.n_turn_ca_files },
				       &d.net.tls, &tls_err) < 0) {
		rtc_err("TLS for turns: servers: %s", tls_err.message);
		goto out;
	}

	r = rtc_reactor_new(backend, &d.reactor);
	if (r < 0) {
		rtc_err("cannot create the event loop: %s", strerror(-r));
		goto out;
	}
	if (rtc_reactor_add_signal(d.reactor, SIGTERM, on_quit_signal, &d) < 0 ||
	    rtc_reactor_add_signal(d.reactor, SIGINT, on_quit_signal, &d) < 0) {
		rtc_err("cannot watch SIGTERM/SIGINT");
		goto out;
	}

	r = rtc_bus_open(d.reactor, &bus_options, on_client_gone, &d, &d.bus, &why);
	if (r < 0) {
		rtc_err("cannot serve %s: %s%s%s", RTCD_BUS_NAME, why ? why : "",
			why ? ": " : "", strerror(-r));
		goto out;
	}
	set_app_quotas(&d, nofile);
	/* Without mDNS, peers' .local candidates cannot be reached; that is
	 * all that is lost, so a host without multicast still runs. */
	if (!d.no_mdns && (r = rtc_mdns_service_new(d.reactor, &d.net.mdns)) < 0)
		rtc_notice("mDNS unavailable (%s): .local candidates will be dropped", strerror(-r));
	if ((r = rtc_resolver_new(d.reactor, &d.net.resolver)) < 0)
		rtc_notice("no name resolution (%s): STUN/TURN servers need addresses",
			   strerror(-r));
	struct rtc_media_devices_config media_config = {
		.reactor = d.reactor,
		.fake_devices = d.fake_media_devices,
		.pipewire = !d.no_pipewire,
	};
	struct rtc_error err = { 0 };
	if (rtc_media_devices_new(&media_config, &d.media, &err) < 0) {
		rtc_err("media devices: %s", err.message);
		goto out;
	}
	r = rtc_api_new(d.reactor, d.bus, &d.net, d.media, &d.api);
	if (r < 0) {
		rtc_err("cannot register the Manager object: %s", strerror(-r));
		goto out;
	}
	rtc_media_devices_on_change(d.media, rtc_api_devices_changed, d.api);
	rtc_bus_set_backlog_fn(d.bus, on_client_backlog, &d);

	rtc_notice("rtcd %s serving %s (event loop: %s)", RTCD_VERSION, RTCD_BUS_NAME,
		   rtc_reactor_backend_name(d.reactor));
	rtc_sd_notify("READY=1\nSTATUS=Serving " RTCD_BUS_NAME);

	exit_code = rtc_reactor_run(d.reactor);
	rtc_sd_notify("STOPPING=1");

out:
	/* Owners learn that their connections closed before the name goes. */
	rtc_api_free(d.api);
	rtc_media_devices_free(d.media);
	rtc_mdns_service_free(d.net.mdns);
	rtc_resolver_free(d.net.resolver);
	if (d.bus)
		rtc_bus_close(d.bus);
	if (d.reactor)
		rtc_reactor_free(d.reactor);
	rtc_tls_client_context_free(d.net.tls);
	rtc_offload_policy_free(d.offload);
	return exit_code;
}
