/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who may do what with an object on the bus, against a private
 * dbus-daemon: its owner, an inspector (read-only, also through busctl as
 * a separate process), another user (setpriv) and a fake Flatpak sandbox
 * (bwrap with a /.flatpak-info), which must not even see it; per-client
 * quotas; and a client that leaves taking its objects with it.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-fixture.h"
#include "check.h"
#include "io/test-reactor-fixture.h"

/* ---- busctl as another process ----------------------------------------------------- */

struct run_result {
	int status;           /* exit status, or -1 */
	char out[16384];      /* stdout and stderr */
};

/* Runs argv (NULL-terminated), keeping the daemon running meanwhile. */
static void run(struct run_result *res, char *const argv[])
{
	int pipefd[2];
	size_t len = 0;
	pid_t pid;
	int status;
	uint64_t deadline = now_ms() + 20000;

	res->status = -1;
	res->out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n;

		pump();
		while (len < sizeof(res->out) - 1 &&
		       (n = read(pipefd[0], res->out + len, sizeof(res->out) - 1 - len)) > 0)
			len += (size_t)n;
		res->out[len] = '\0';
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			printf("# %s timed out\n", argv[0]);
			break;
		}
	}
	while (len < sizeof(res->out) - 1 &&
	       read(pipefd[0], res->out + len, 1) == 1)
		len++;
	res->out[len] = '\0';
	close(pipefd[0]);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* [prefix...] busctl --address=... args... */
static void busctl(struct run_result *res, const char *const *prefix, const char *const *args)
{
	char address_arg[300];
	const char *argv[64];
	size_t n = 0;

	snprintf(address_arg, sizeof(address_arg), "--address=%s", d.address);
	for (; prefix && *prefix && n < 40; prefix++)
		argv[n++] = *prefix;
	argv[n++] = tool("BUSCTL");
	argv[n++] = address_arg;
	argv[n++] = "--no-pager";
	for (; *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	run(res, (char *const *)argv);
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_inspector(void)
{
	DBusMessage *msg = method(thing_a, THING, "Poke");
	const char *text = "intruder";
	dbus_uint64_t v = 1;
	char *xml;

	dbus_message_append_args(msg, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	CHECK_STREQ(call_error(B, msg), "org.freedesktop.DBus.Error.AccessDenied");
	CHECK_STREQ(call_error(B, method(thing_a, THING, "Close")),
		    "org.freedesktop.DBus.Error.AccessDenied");
	CHECK_STREQ(call_error(B, set_property_call(thing_a, "Threshold", DBUS_TYPE_UINT64, &v)),
		    "org.freedesktop.DBus.Error.AccessDenied");
	CHECK_STREQ(call_error(B, method(thing_a, THING, "Stats")), "");
	CHECK_STREQ(call_error(B, get_property_call(thing_a, THING, "Counter")), "");
	xml = introspect(B, thing_a);
	CHECK_STREQ(xml, thing_xml);
	free(xml);
	xml = introspect(B, ROOT "/thing");
	CHECK(xml && strstr(xml, strrchr(thing_a, '/') + 1));
	free(xml);
}

static void test_quota(void)
{
	char path[128];
	size_t before = rtc_bus_quota_used(d.bus, A->name, RTC_QUOTA_PEER_CONNECTIONS);

	CHECK_INTEQ(before, 1);
	CHECK_STREQ(create_thing(A, "two", path, sizeof(path)), "");
	CHECK_STREQ(create_thing(A, "three", path, sizeof(path)), "");
	CHECK_STREQ(create_thing(A, "four", path, sizeof(path)),
		    "org.freedesktop.DBus.Error.LimitsExceeded");
	CHECK_INTEQ(rtc_bus_quota_used(d.bus, A->name, RTC_QUOTA_PEER_CONNECTIONS), QUOTA_THINGS);
	/* Another connection has a quota of its own. */
	CHECK_STREQ(create_thing(C, "c's", path, sizeof(path)), "");
	/* Closing one gives it back, and tells the owner. */
	client_forget_signals(C);
	CHECK_STREQ(call_error(C, method(path, THING, "Close")), "");
	client_sync(C);
	CHECK_INTEQ(count_signals(C, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved"), 1);
	CHECK_INTEQ(rtc_bus_quota_used(d.bus, C->name, RTC_QUOTA_PEER_CONNECTIONS), 0);
	/* A removed object is gone for every caller. */
	CHECK_STREQ(call_error(C, method(path, THING, "Stats")),
		    "org.freedesktop.DBus.Error.UnknownObject");
	/* Nobody can take quota for a name that is not on the bus. */
	CHECK_INTEQ(rtc_bus_quota_take(d.bus, ":1.99999", RTC_QUOTA_TRACKS, 1, NULL), -1);
	CHECK_INTEQ(rtc_bus_quota_default(RTC_QUOTA_DATA_CHANNELS), 1024);
	CHECK_INTEQ(rtc_bus_quota_default(RTC_QUOTA_QUEUED_BYTES), 64u << 20);
}

static void test_busctl_inspector(void)
{
	struct run_result *res = malloc(sizeof(*res));

	if (!tool("BUSCTL")) {
		free(res);
		RTC_TEST_SKIP("no busctl");
	}
	busctl(res, NULL, (const char *[]){ "tree", NAME, NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, thing_a) != NULL);
	if (!strstr(res->out, thing_a))
		printf("# %s\n", res->out);

	busctl(res, NULL, (const char *[]){ "introspect", NAME, thing_a, NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, ".Poke") && strstr(res->out, ".Threshold"));

	busctl(res, NULL, (const char *[]){ "get-property", NAME, thing_a, THING, "Label", NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, "s \"one\"") != NULL);

	busctl(res, NULL, (const char *[]){ "call", NAME, thing_a, THING, "Poke", "s", "x", NULL });
	CHECK(res->status != 0);
	CHECK(strstr(res->out, "ccess denied") || strstr(res->out, "AccessDenied"));
	if (res->status == 0)
		printf("# %s\n", res->out);

	busctl(res, NULL, (const char *[]){ "call", NAME, ROOT, FACTORY, "Echo", "u", "5", NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, "u 5") != NULL);
	free(res);
}

/* Someone who must not see A's objects: to it they are absent. */
static void check_outsider(const char *const *prefix)
{
	struct run_result *res = malloc(sizeof(*res));
	unsigned gone_before = d.gone_count;

	busctl(res, prefix, (const char *[]){ "tree", NAME, NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, ROOT) != NULL);
	CHECK(strstr(res->out, thing_a) == NULL);
	/* Multi-line output: every line a TAP comment. */
	for (const char *line = res->out; *line;) {
		size_t len = strcspn(line, "\n");
		printf("# %.*s\n", (int)len, line);
		line += len + (line[len] == '\n');
	}

	/* Answered as for a path where nothing is: its existence is not told. */
	busctl(res, prefix, (const char *[]){ "introspect", NAME, thing_a, NULL });
	CHECK(res->status != 0);
	CHECK(strstr(res->out, "No object at path") != NULL);

	busctl(res, prefix, (const char *[]){ "get-property", NAME, thing_a, THING, "Label", NULL });
	CHECK(res->status != 0);
	CHECK(strstr(res->out, "No object at path") != NULL);

	busctl(res, prefix, (const char *[]){ "call", NAME, ROOT, "org.freedesktop.DBus.ObjectManager",
					      "GetManagedObjects", NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, thing_a) == NULL);

	/* The public object is everybody's; what it makes is the caller's. */
	busctl(res, prefix, (const char *[]){ "call", NAME, ROOT, FACTORY, "Create", "a{sv}", "0", NULL });
	CHECK_INTEQ(res->status, 0);
	CHECK(strstr(res->out, "o \"" ROOT "/thing/") != NULL);
	if (res->status != 0)
		printf("# %s\n", res->out);
	/* and when that client leaves, client_gone frees it */
	for (uint64_t deadline = now_ms() + 5000; d.gone_count == gone_before && now_ms() < deadline; )
		pump();
	CHECK(d.gone_count > gone_before);
	free(res);
}

static void test_other_user(void)
{
	if (!tool("BUSCTL") || !tool("SETPRIV") || geteuid() != 0)
		RTC_TEST_SKIP("needs root, setpriv and busctl");
	check_outsider((const char *[]){ tool("SETPRIV"), "--reuid=65534", "--regid=65534",
					 "--clear-groups", NULL });
}

static void test_sandboxed(void)
{
	char info[128], info_arg[160];

	if (!tool("BUSCTL") || !tool("BWRAP") || geteuid() != 0)
		RTC_TEST_SKIP("needs root, bwrap and busctl");
	snprintf(info, sizeof(info), "%s/flatpak-info", d.dir);
	FILE *f = fopen(info, "w");
	fputs("[Application]\nname=org.example.Sandboxed\n", f);
	fclose(f);
	snprintf(info_arg, sizeof(info_arg), "%s", info);
	/* A root of its own, as Flatpak gives: binding the host's / would
	 * create /.flatpak-info on the host. */
	check_outsider((const char *[]){ tool("BWRAP"), "--ro-bind", "/usr", "/usr",
					 "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
					 "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev",
					 "--bind", d.dir, d.dir, "--ro-bind", info_arg, "/.flatpak-info", NULL });
}

/* Everything the client owned is gone: its things and its quota. */
static bool owner_gone(const char *name)
{
	for (struct thing *t = d.things; t; t = t->next)
		if (strcmp(t->owner, name) == 0)
			return false;
	return rtc_bus_quota_used(d.bus, name, RTC_QUOTA_PEER_CONNECTIONS) == 0;
}

static void test_client_gone(void)
{
	char name[64];
	uint64_t deadline = now_ms() + 5000;
	unsigned before = d.gone_count;

	snprintf(name, sizeof(name), "%s", A->name);
	client_forget_signals(C);
	client_free(A);
	A = NULL;
	/* Waits for A itself: the earlier tests' busctl connections may still
	 * be leaving (each is a client of its own), so "someone left" is not
	 * enough — it once ended the wait on :1.18 instead of A. */
	while (now_ms() < deadline && !owner_gone(name))
		pump();
	CHECK(d.gone_count > before);
	CHECK(owner_gone(name));
	CHECK_STREQ(call_error(B, method(thing_a, THING, "Stats")),
		    "org.freedesktop.DBus.Error.UnknownObject");
	for (struct thing *t = d.things; t; t = t->next)
		CHECK(strcmp(t->owner, name) != 0);
	/* The removals were addressed to the owner that left, not broadcast. */
	client_sync(C);
	CHECK_INTEQ(count_signals(C, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved"), 0);
}

int main(void)
{
	skip_unless_backend_available();
	bus_test_setup();
	bus_test_create_thing_a();

	RUN(test_inspector);
	RUN(test_quota);
	RUN(test_busctl_inspector);
	RUN(test_other_user);
	RUN(test_sandboxed);
	RUN(test_client_gone);

	bus_test_teardown();
	return rtc_test_done();
}
