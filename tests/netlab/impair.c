/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * impair: a delay line for the network lab's routers.
 *
 * The lab (netlab.py) redirects every IPv4 packet arriving on a router's
 * ports into a TUN device with a tc ingress filter. This program reads the
 * packets from that TUN device, holds each one for delay ± jitter, and writes
 * it back into the same device, where the kernel receives it as if it came in
 * on the TUN port: routing, NAT and the firewall then run once, as for any
 * packet. Because the copy sits below the IP stack, addresses, ports and NAT
 * mappings are untouched, and UDP, TCP and TLS traffic are all delayed alike.
 *
 * Each packet draws its own delay from a seeded PRNG (uniform in
 * [delay - jitter, delay + jitter], never below zero), in arrival order, so a
 * run with the same seed assigns the same delays to the same packets. Packets
 * leave in order of their due time, which reorders them whenever the jitter
 * exceeds their spacing: the reordering is a consequence, not a separate knob.
 *
 *     impair --dev=imp0 --delay-us=50000 --jitter-us=10000 --seed=1
 *
 * Prints "ready" on stdout once attached to the device; on SIGTERM or SIGINT
 * prints its counters on stderr and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Larger than any packet a TUN device with a sane MTU hands us. */
#define MAX_PACKET 65536
/* Packets read per wakeup, so a flood cannot starve the timer. */
#define READ_BATCH 256

struct held_packet {
	uint64_t due_ns;
	uint64_t seq;		/* arrival number: equal due times keep their order */
	size_t len;
	uint8_t *data;
};

/* A binary min-heap of held packets ordered by (due_ns, seq). */
struct delay_queue {
	struct held_packet *items;
	size_t count;
	size_t capacity;
};

struct impair_config {
	const char *dev;
	uint64_t delay_ns;
	uint64_t jitter_ns;
	uint64_t seed;
	size_t limit;
};

struct impair_counters {
	uint64_t received;
	uint64_t forwarded;
	uint64_t dropped_full;
	uint64_t dropped_not_ip;
	uint64_t write_errors;
};

/* splitmix64: tiny, fast, and fully determined by its seed. */
static uint64_t prng_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t draw_delay(const struct impair_config *cfg, uint64_t *prng)
{
	if (cfg->jitter_ns == 0)
		return cfg->delay_ns;
	/* Uniform offset in [0, 2 * jitter]; the modulo bias is below 2^-40. */
	uint64_t offset = prng_next(prng) % (2 * cfg->jitter_ns + 1);
	if (cfg->delay_ns + offset < cfg->jitter_ns)
		return 0;
	return cfg->delay_ns + offset - cfg->jitter_ns;
}

static bool held_before(const struct held_packet *a, const struct held_packet *b)
{
	return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void swap_held(struct held_packet *a, struct held_packet *b)
{
	struct held_packet t = *a;
	*a = *b;
	*b = t;
}

static void queue_push(struct delay_queue *q, struct held_packet p)
{
	size_t i = q->count++;
	q->items[i] = p;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!held_before(&q->items[i], &q->items[parent]))
			break;
		swap_held(&q->items[i], &q->items[parent]);
		i = parent;
	}
}

static struct held_packet queue_pop(struct delay_queue *q)
{
	struct held_packet top = q->items[0];
	q->items[0] = q->items[--q->count];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->count && held_before(&q->items[l], &q->items[m]))
			m = l;
		if (r < q->count && held_before(&q->items[r], &q->items[m]))
			m = r;
		if (m == i)
			break;
		swap_held(&q->items[i], &q->items[m]);
		i = m;
	}
	return top;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int arm_timer(int tfd, const struct delay_queue *q)
{
	struct itimerspec its = { 0 };	/* all zero disarms */
	if (q->count > 0) {
		uint64_t due = q->items[0].due_ns;
		/* Zero would disarm: a packet due at time 0 is due now anyway. */
		if (due == 0)
			due = 1;
		its.it_value.tv_sec = (time_t)(due / 1000000000u);
		its.it_value.tv_nsec = (long)(due % 1000000000u);
	}
	return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int open_tun(const char *dev)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "impair: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	struct ifreq ifr = { 0 };
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "impair: attaching to %s: %s\n", dev, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool is_ip_packet(const uint8_t *p, size_t len)
{
	return len >= 20 && ((p[0] >> 4) == 4 || (p[0] >> 4) == 6);
}

/* Reads what the device has queued (up to a batch) into the delay queue. */
static int take_packets(int tun, const struct impair_config *cfg, struct delay_queue *q,
			uint64_t *prng, struct impair_counters *c, uint8_t *buf)
{
	for (int n = 0; n < READ_BATCH; n++) {
		ssize_t len = read(tun, buf, MAX_PACKET);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, "impair: read: %s\n", strerror(errno));
			return -1;
		}
		c->received++;
		if (!is_ip_packet(buf, (size_t)len)) {
			c->dropped_not_ip++;
			continue;
		}
		if (q->count == q->capacity) {
			c->dropped_full++;
			continue;
		}
		uint8_t *copy = malloc((size_t)len);
		if (!copy) {
			c->dropped_full++;
			continue;
		}
		memcpy(copy, buf, (size_t)len);
		queue_push(q, (struct held_packet){
			.due_ns = now_ns() + draw_delay(cfg, prng),
			.seq = c->received,
			.len = (size_t)len,
			.data = copy,
		});
	}
	return 0;
}

/* Writes every packet whose time has come back into the device. */
static void release_due(int tun, struct delay_queue *q, struct impair_counters *c)
{
	uint64_t now = now_ns();
	while (q->count > 0 && q->items[0].due_ns <= now) {
		struct held_packet p = queue_pop(q);
		if (write(tun, p.data, p.len) == (ssize_t)p.len)
			c->forwarded++;
		else
			c->write_errors++;
		free(p.data);
	}
}

static int parse_u64(const char *name, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "impair: --%s=%s: expected an integer from 0 to %" PRIu64 "\n",
			name, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: impair --dev=TUN [--delay-us=N] [--jitter-us=N] [--seed=N] [--limit=PACKETS]\n"
		   "Holds every packet read from TUN for delay ± jitter, then writes it back.\n");
}

static int parse_args(int argc, char **argv, struct impair_config *cfg)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "delay-us", required_argument, NULL, 'D' },
		{ "jitter-us", required_argument, NULL, 'J' },
		{ "seed", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* An hour of delay is more than any test wants and keeps ns math far from overflow. */
	const uint64_t max_us = UINT64_C(3600) * 1000000u;
	uint64_t v;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (!optarg[0] || strlen(optarg) >= IFNAMSIZ) {
				fprintf(stderr, "impair: --dev: an interface name of 1 to %d bytes\n",
					IFNAMSIZ - 1);
				return -1;
			}
			cfg->dev = optarg;
			break;
		case 'D':
			if (parse_u64("delay-us", optarg, max_us, &v) < 0)
				return -1;
			cfg->delay_ns = v * 1000u;
			break;
		case 'J':
			if (parse_u64("jitter-us", optarg, max_us, &v) < 0)
				return -1;
			cfg->jitter_ns = v * 1000u;
			break;
		case 's':
			if (parse_u64("seed", optarg, UINT64_MAX, &cfg->seed) < 0)
				return -1;
			break;
		case 'l':
			if (parse_u64("limit", optarg, 1000000, &v) < 0 || v == 0) {
				fprintf(stderr, "impair: --limit: 1 to 1000000 packets\n");
				return -1;
			}
			cfg->limit = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !cfg->dev) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int run(int tun, int tfd, int sfd, const struct impair_config *cfg,
	       struct delay_queue *q, struct impair_counters *c, uint8_t *buf)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	int fds[] = { tun, tfd, sfd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) {
			close(ep);
			return -1;
		}
	}
	uint64_t prng = cfg->seed;
	int rc = 0;
	for (bool running = true; running;) {
		struct epoll_event evs[3];
		int n = epoll_wait(ep, evs, 3, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				running = false;
			} else if (evs[i].data.fd == tun) {
				if (take_packets(tun, cfg, q, &prng, c, buf) < 0) {
					rc = -1;
					running = false;
				}
			} else {
				uint64_t expirations;
				/* Only clears readiness; the heap says what is due. */
				(void)!read(tfd, &expirations, sizeof(expirations));
			}
		}
		release_due(tun, q, c);
		if (arm_timer(tfd, q) < 0) {
			rc = -1;
			break;
		}
	}
	close(ep);
	return rc;
}

int main(int argc, char **argv)
{
	struct impair_config cfg = { .limit = 10000 };
	if (parse_args(argc, argv, &cfg) < 0)
		return 2;

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct delay_queue q = { .items = calloc(cfg.limit, sizeof(*q.items)),
				 .capacity = cfg.limit };
	uint8_t *buf = malloc(MAX_PACKET);
	if (sfd < 0 || tfd < 0 || !q.items || !buf) {
		fprintf(stderr, "impair: setup: %s\n", strerror(errno));
		return 1;
	}
	int tun = open_tun(cfg.dev);
	if (tun < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);

	struct impair_counters c = { 0 };
	int rc = run(tun, tfd, sfd, &cfg, &q, &c, buf);
	if (rc < 0)
		fprintf(stderr, "impair: %s\n", strerror(errno));
	fprintf(stderr, "impair: %" PRIu64 " received, %" PRIu64 " forwarded, %" PRIu64
		" dropped (queue full), %" PRIu64 " dropped (not IP), %" PRIu64
		" write errors, %zu still held\n", c.received, c.forwarded, c.dropped_full,
		c.dropped_not_ip, c.write_errors, q.count);
	while (q.count > 0)
		free(queue_pop(&q).data);
	free(q.items);
	free(buf);
	close(tun);
	close(tfd);
	close(sfd);
	return rc < 0 ? 1 : 0;
}
