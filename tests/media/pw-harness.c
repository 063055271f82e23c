/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the PipeWire output tests stand on: their own loop, context and
 * core, driven by hand; the graph as their registry sees it; child
 * processes (pw-test-sink, gst-launch, the fake permission store) whose
 * output lines are read on that loop; and the portal's one step.
 */
#include "pw-harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "media/pipewire/output-node.h"

struct pw_loop *loop;
struct pw_context *context;
struct pw_core *core;
struct pw_registry *registry;

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs the loop until cond(arg) holds or timeout_ms pass (a failure bound,
 * not a measurement). */
bool spin_until(bool (*cond)(void *), void *arg, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
	while (!cond(arg)) {
		if (now_ns() > deadline)
			return false;
		pw_loop_iterate(loop, 10);
	}
	return true;
}

static bool never(void *arg)
{
	return false;
}

void spin_for(int ms)
{
	spin_until(never, NULL, ms);
}

/* ---- the graph as our own registry sees it --------------------------- */


#define MAX_NODES 64
static struct seen_node nodes[MAX_NODES];
static int n_nodes;
static struct spa_hook registry_listener;

static void copy_prop(char *dst, size_t size, const struct spa_dict *props, const char *key)
{
	const char *v = props ? spa_dict_lookup(props, key) : NULL;
	snprintf(dst, size, "%s", v ? v : "");
}

static void on_node_info(void *data, const struct pw_node_info *info)
{
	struct seen_node *n = data;
	if (!(info->change_mask & PW_NODE_CHANGE_MASK_PROPS))
		return;
	copy_prop(n->media_class, sizeof(n->media_class), info->props, PW_KEY_MEDIA_CLASS);
	copy_prop(n->media_role, sizeof(n->media_role), info->props, PW_KEY_MEDIA_ROLE);
	copy_prop(n->remote_track, sizeof(n->remote_track), info->props, RTC_PW_REMOTE_TRACK_KEY);
	copy_prop(n->description, sizeof(n->description), info->props, PW_KEY_NODE_DESCRIPTION);
	n->have_info = true;
}

static const struct pw_node_events node_events = {
	PW_VERSION_NODE_EVENTS,
	.info = on_node_info,
};

/* Clients by process, to act on a child's connection as the portal would. */
#define MAX_CLIENTS 64
static struct { uint32_t id; int pid; } clients[MAX_CLIENTS];
static int n_clients;

static void on_global(void *data, uint32_t id, uint32_t permissions, const char *type,
		      uint32_t version, const struct spa_dict *props)
{
	const char *pid = props ? spa_dict_lookup(props, PW_KEY_SEC_PID) : NULL;
	if (strcmp(type, PW_TYPE_INTERFACE_Client) == 0 && pid && n_clients < MAX_CLIENTS) {
		clients[n_clients].id = id;
		clients[n_clients++].pid = atoi(pid);
		return;
	}
	const char *name = props ? spa_dict_lookup(props, PW_KEY_NODE_NAME) : NULL;
	if (strcmp(type, PW_TYPE_INTERFACE_Node) != 0 || !name || strncmp(name, "rtcd", 4) != 0 ||
	    n_nodes == MAX_NODES)
		return;
	struct seen_node *n = &nodes[n_nodes++];
	*n = (struct seen_node){ .id = id };
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->proxy = pw_registry_bind(registry, id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0);
	if (n->proxy)
		pw_proxy_add_object_listener(n->proxy, &n->listener, &node_events, n);
}

static void on_global_remove(void *data, uint32_t id)
{
	for (int i = 0; i < n_nodes; i++) {
		if (nodes[i].id == id && !nodes[i].removed) {
			nodes[i].removed = true;
			if (nodes[i].proxy) {
				spa_hook_remove(&nodes[i].listener);
				pw_proxy_destroy(nodes[i].proxy);
				nodes[i].proxy = NULL;
			}
		}
	}
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = on_global,
	.global_remove = on_global_remove,
};

struct seen_node *find_node(const char *name)
{
	for (int i = n_nodes - 1; i >= 0; i--)
		if (!nodes[i].removed && strcmp(nodes[i].name, name) == 0)
			return &nodes[i];
	return NULL;
}

bool node_has_info(void *name)
{
	struct seen_node *n = find_node(name);
	return n && n->have_info;
}

bool node_present(void *name)
{
	return find_node(name) != NULL;
}

bool node_id_removed(void *id)
{
	for (int i = 0; i < n_nodes; i++)
		if (nodes[i].id == *(uint32_t *)id)
			return nodes[i].removed;
	return false;
}

/* ---- child processes: the sink and gst-launch ------------------------- */




static void child_line(struct child *c, const char *line)
{
	/* Kept for diagnostics, cut to the slot. */
	char *slot = c->tail[c->n_tail++ % 48];
	size_t len = strnlen(line, sizeof(c->tail[0]) - 1);
	memcpy(slot, line, len);
	slot[len] = 0;
	struct frame_seen f;
	char verdict[8];
	unsigned long long ok, runs, jumps, missing, bad;
	unsigned w, h;
	int last;
	if (sscanf(line, "frame %u %u %u %lld %lld %7s", &f.counter, &f.width, &f.height, &f.seq,
		   &f.pts, verdict) == 6) {
		f.ok = strcmp(verdict, "ok") == 0;
		if (c->n_frames < MAX_FRAMES)
			c->frames[c->n_frames++] = f;
	} else if (sscanf(line, "format video %u %u", &w, &h) == 2 && c->n_formats < 16) {
		snprintf(c->formats[c->n_formats++], sizeof(c->formats[0]), "%ux%u", w, h);
	} else if (sscanf(line, "audio ok=%llu silence_runs=%llu jumps=%llu missing=%llu bad=%llu "
			  "last=%d", &ok, &runs, &jumps, &missing, &bad, &last) == 6) {
		c->audio_last = last;
		c->audio_ok = ok;
		c->silence_runs = runs;
		c->jumps = jumps;
		c->missing = missing;
		c->bad = bad;
	} else if (strncmp(line, "node-removed ", 13) == 0) {
		c->node_removed = true;
	} else if (strncmp(line, "node ", 5) == 0) {
		c->node_seen = true;
	}
}

static void on_child_io(void *data, int fd, uint32_t mask)
{
	struct child *c = data;
	for (;;) {
		ssize_t r = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return;                 /* EAGAIN: more later */
		if (r == 0) {
			c->eof = true;
			pw_loop_destroy_source(loop, c->source);
			c->source = NULL;
			return;
		}
		c->len += (size_t)r;
		c->buf[c->len] = 0;
		char *start = c->buf, *nl;
		while ((nl = strchr(start, '\n'))) {
			*nl = 0;
			child_line(c, start);
			start = nl + 1;
		}
		c->len -= (size_t)(start - c->buf);
		memmove(c->buf, start, c->len);
		if (c->len == sizeof(c->buf) - 1)
			c->len = 0;             /* a line too long to matter */
	}
}

bool child_start(struct child *c, char *const argv[])
{
	*c = (struct child){ .pid = -1, .fd = -1 };
	c->frames = calloc(MAX_FRAMES, sizeof(*c->frames));
	int p[2];
	if (!c->frames || pipe2(p, O_CLOEXEC) < 0)
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(p[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	c->pid = pid;
	c->fd = p[0];
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	c->source = pw_loop_add_io(loop, c->fd, SPA_IO_IN | SPA_IO_HUP, false, on_child_io, c);
	return c->source != NULL;
}

static bool child_eof(void *arg)
{
	return ((struct child *)arg)->eof;
}

bool child_reap(struct child *c, bool block)
{
	if (c->reaped || c->pid < 0)
		return true;
	pid_t r = waitpid(c->pid, &c->status, block ? 0 : WNOHANG);
	if (r == c->pid)
		c->reaped = true;
	return c->reaped;
}

bool child_reaped(void *arg)
{
	return child_reap(arg, false);
}

void child_show_tail(const struct child *c)
{
	int first = c->n_tail > 48 ? c->n_tail - 48 : 0;
	for (int i = first; i < c->n_tail; i++)
		printf("#   child: %s\n", c->tail[i % 48]);
}

/* Stops it (SIGTERM unless it already exited) and returns its exit code,
 * or -1 if it did not exit normally. */
int child_stop(struct child *c)
{
	if (c->pid > 0 && !child_reap(c, false))
		kill(c->pid, SIGTERM);
	if (c->source)
		spin_until(child_eof, c, 5000);
	if (!spin_until(child_reaped, c, 5000)) {
		kill(c->pid, SIGKILL);
		child_reap(c, true);
	}
	if (c->source)
		pw_loop_destroy_source(loop, c->source);
	c->source = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->frames);
	c->frames = NULL;
	if (!c->reaped || !WIFEXITED(c->status))
		return -1;
	return WEXITSTATUS(c->status);
}

static int sync_seq = -1;
static bool synced;
static struct spa_hook core_listener;

static void on_core_done(void *data, uint32_t id, int seq)
{
	if (id == PW_ID_CORE && seq == sync_seq)
		synced = true;
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = on_core_done,
};

static bool is_synced(void *arg)
{
	return synced;
}

/* A round trip to the server: what we sent has been handled. */
bool roundtrip(void)
{
	synced = false;
	sync_seq = pw_core_sync(core, PW_ID_CORE, 0);
	return spin_until(is_synced, NULL, 5000);
}

static bool client_known(void *pid)
{
	for (int i = 0; i < n_clients; i++)
		if (clients[i].pid == *(int *)pid)
			return true;
	return false;
}

/* What xdg-desktop-portal does to the connection it opens for a sandboxed
 * app before handing it over: the core usable (read, execute), nothing
 * else until the session manager grants it. */
bool restrict_like_portal(int pid)
{
	if (!spin_until(client_known, &pid, 5000))
		return false;
	uint32_t id = SPA_ID_INVALID;
	for (int i = 0; i < n_clients; i++)
		if (clients[i].pid == pid)
			id = clients[i].id;
	struct pw_client *client = pw_registry_bind(registry, id, PW_TYPE_INTERFACE_Client,
						    PW_VERSION_CLIENT, 0);
	if (!client)
		return false;
	struct pw_permission perms[1] = { PW_PERMISSION_INIT(PW_ID_CORE, PW_PERM_R | PW_PERM_X) };
	pw_client_update_permissions(client, 1, perms);
	bool ok = roundtrip();
	pw_proxy_destroy((struct pw_proxy *)client);
	return ok;
}

/* Whether the child printed a line starting with prefix (among its last
 * lines, enough for the short outputs this is used on). */
bool child_said(const struct child *c, const char *prefix)
{
	int first = c->n_tail > 48 ? c->n_tail - 48 : 0;
	for (int i = first; i < c->n_tail; i++)
		if (strncmp(c->tail[i % 48], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}


bool said(void *arg)
{
	struct said_wanted *w = arg;
	return child_said(w->c, w->prefix) || w->c->eof;
}

int harness_init(void)
{
	pw_init(NULL, NULL);
	loop = pw_loop_new(NULL);
	pw_loop_enter(loop);
	context = pw_context_new(loop, NULL, 0);
	core = context ? pw_context_connect(context, NULL, 0) : NULL;
	if (!core) {
		if (context)
			pw_context_destroy(context);
		pw_loop_leave(loop);
		pw_loop_destroy(loop);
		pw_deinit();
		return -1;
	}
	pw_core_add_listener(core, &core_listener, &core_events, NULL);
	registry = pw_core_get_registry(core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(registry, &registry_listener, &registry_events, NULL);
	return 0;
}

void harness_fini(void)
{
	for (int i = 0; i < n_nodes; i++)
		if (nodes[i].proxy) {
			spa_hook_remove(&nodes[i].listener);
			pw_proxy_destroy(nodes[i].proxy);
		}
	spa_hook_remove(&registry_listener);
	spa_hook_remove(&core_listener);
	pw_proxy_destroy((struct pw_proxy *)registry);
	pw_core_disconnect(core);
	pw_context_destroy(context);
	pw_loop_leave(loop);
	pw_loop_destroy(loop);
	pw_deinit();
}
