/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PipeWire output tests' harness (pw-harness.c): a loop, context and
 * core of the test's own, driven by spin_until; the nodes the registry
 * sees; child processes and the lines they print.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <pipewire/pipewire.h>

extern struct pw_loop *loop;
extern struct pw_context *context;
extern struct pw_core *core;
extern struct pw_registry *registry;

/* -1: no PipeWire to connect to. */
int harness_init(void);
void harness_fini(void);

uint64_t now_ns(void);
uint64_t thread_cpu_ns(void);
/* Runs the loop until cond(arg) holds or timeout_ms pass (a failure bound,
 * not a measurement). */
bool spin_until(bool (*cond)(void *), void *arg, int timeout_ms);
void spin_for(int ms);
/* A round trip to the server: what we sent has been handled. */
bool roundtrip(void);

/* Nodes whose node.name starts with "rtcd", with their full properties. */
struct seen_node {
	uint32_t id;
	char name[128];
	bool removed, have_info;
	struct pw_proxy *proxy;
	struct spa_hook listener;
	char media_class[64], media_role[64], remote_track[16], description[128];
};

struct seen_node *find_node(const char *name);     /* the live one of that name */
bool node_has_info(void *name);
bool node_present(void *name);
bool node_id_removed(void *id);                     /* uint32_t * */

/* What xdg-desktop-portal does to the connection it opens for a sandboxed
 * app before handing it over (core usable, nothing else until the session
 * manager grants it), to the connection of the child process pid. */
bool restrict_like_portal(int pid);

#define MAX_FRAMES 8192

struct frame_seen {
	uint32_t counter, width, height;
	long long seq, pts;
	bool ok;
};

/* What a pw-test-sink (or any child) said. */
struct child {
	pid_t pid;
	int fd;
	struct spa_source *source;
	char buf[8192];
	size_t len;
	bool eof, reaped;
	int status;
	char tail[48][256];             /* last lines, shown when a check fails */
	int n_tail;
	/* parsed */
	struct frame_seen *frames;
	size_t n_frames;
	char formats[16][32];
	int n_formats;
	bool node_seen, node_removed;
	uint64_t audio_ok, silence_runs, jumps, missing, bad;
	int audio_last;
};

bool child_start(struct child *c, char *const argv[]);
/* Reaped (exited) yet; block: wait for it. */
bool child_reap(struct child *c, bool block);
bool child_reaped(void *child);
void child_show_tail(const struct child *c);
/* Stops it (SIGTERM unless it already exited) and returns its exit code,
 * or -1 if it did not exit normally. */
int child_stop(struct child *c);
/* Whether the child printed a line starting with prefix (among its last
 * lines, enough for the short outputs this is used on). */
bool child_said(const struct child *c, const char *prefix);

/* For spin_until: the child said it (or exited). */
struct said_wanted {
	struct child *c;
	const char *prefix;
};
bool said(void *said_wanted);
