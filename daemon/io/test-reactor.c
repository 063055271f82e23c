/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reactor's contract, checked on whichever backend RTCD_IO selects
 * (meson runs this file once with RTCD_IO=uring and once with RTCD_IO=epoll).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/test-reactor-fixture.h"
#include "io/reactor.h"
#include "io/reactor-private.h"

#define MS 1000000ull

static const char *expected_backend(void)
{
	const char *io = getenv("RTCD_IO");

	return io && strcmp(io, "epoll") == 0 ? "epoll" : "io_uring";
}

static bool on_uring(void)
{
	return strcmp(expected_backend(), "io_uring") == 0;
}

/* Iterates until *done or the time limit; returns whether *done happened. */
static bool iterate_until(struct rtc_reactor *r, const bool *done, int limit_ms)
{
	uint64_t give_up = rtc_reactor_now(r) + (uint64_t)limit_ms * MS;

	while (!*done && rtc_reactor_now(r) < give_up)
		CHECK_INTEQ(rtc_reactor_iterate(r, 10), 0);
	return *done;
}

static void test_backend(void)
{
	struct rtc_reactor *r = new_reactor();
	struct rtc_reactor *forced = NULL;

	CHECK_STREQ(rtc_reactor_backend_name(r), expected_backend());
	CHECK(rtc_reactor_now(r) > 0);
	rtc_reactor_free(r);

	CHECK_INTEQ(rtc_reactor_new(RTC_REACTOR_EPOLL, &forced), 0);
	CHECK_STREQ(rtc_reactor_backend_name(forced), "epoll");
	rtc_reactor_free(forced);
}

/* Refuses io_uring_setup with `error`, the way seccomp sandboxes (and
 * kernel.io_uring_disabled=2, with EPERM) do. */
static bool refuse_io_uring(int error)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (uint32_t)error),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog program = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

static void test_fallback_when_io_uring_refused(void)
{
	static const int errors[] = { ENOSYS, EPERM };

	for (size_t i = 0; i < 2; i++) {
		pid_t child;
		int status = -1;

		fflush(stdout);
		child = fork();
		if (child == 0) {
			struct rtc_reactor *r = NULL;

			if (!refuse_io_uring(errors[i]))
				_exit(2);
			unsetenv("RTCD_IO");
			CHECK_INTEQ(rtc_reactor_new(RTC_REACTOR_URING, &r), -errors[i]);
			CHECK(r == NULL);
			CHECK_INTEQ(rtc_reactor_new(RTC_REACTOR_AUTO, &r), 0);
			CHECK(r && strcmp(rtc_reactor_backend_name(r), "epoll") == 0);
			rtc_reactor_free(r);
			/* RTCD_IO=uring turns AUTO into a demand. */
			setenv("RTCD_IO", "uring", 1);
			r = NULL;
			CHECK_INTEQ(rtc_reactor_new(RTC_REACTOR_AUTO, &r), -errors[i]);
			setenv("RTCD_IO", "bogus", 1);
			CHECK_INTEQ(rtc_reactor_new(RTC_REACTOR_AUTO, &r), -EINVAL);
			fflush(stdout);
			_exit(rtc_test_case_failed ? 1 : 0);
		}
		CHECK(child > 0);
		CHECK_INTEQ(waitpid(child, &status, 0), child);
		CHECK(WIFEXITED(status));
		CHECK_INTEQ(WEXITSTATUS(status), 0);
	}
}

/* ---- timers ------------------------------------------------------------ */

struct fired {
	int order[16];
	int count;
	uint64_t at[16];
	struct rtc_reactor *r;
};

struct timer_ctx {
	struct fired *log;
	int id;
	struct rtc_timer *self, *victim;
	int repeat;                    /* re-arm this many more times */
};

static void timer_fired(void *userdata)
{
	struct timer_ctx *c = userdata;

	if (c->log->count < 16) {
		c->log->at[c->log->count] = rtc_reactor_now(c->log->r);
		c->log->order[c->log->count] = c->id;
	}
	c->log->count++;
	if (c->victim) {
		rtc_timer_free(c->victim);
		c->victim = NULL;
	}
	if (c->repeat > 0) {
		c->repeat--;
		rtc_timer_arm(c->self, rtc_reactor_now(c->log->r) + 1 * MS);
	}
}

static void test_timers_fire_in_deadline_order(void)
{
	struct rtc_reactor *r = new_reactor();
	struct fired log = { .r = r };
	/* Two share deadline 3: the first armed fires first. */
	static const int offsets_ms[] = { 5, 1, 3, 2, 4, 3 };
	static const int expected[] = { 1, 3, 2, 5, 4, 0 };
	struct timer_ctx ctx[6];
	uint64_t start = rtc_reactor_now(r);
	bool all = false;

	for (int i = 0; i < 6; i++) {
		ctx[i] = (struct timer_ctx){ .log = &log, .id = i };
		ctx[i].self = rtc_timer_new(r, timer_fired, &ctx[i]);
		CHECK(ctx[i].self != NULL);
		CHECK(!rtc_timer_is_armed(ctx[i].self));
		rtc_timer_arm(ctx[i].self, start + (uint64_t)offsets_ms[i] * MS);
		CHECK(rtc_timer_is_armed(ctx[i].self));
	}
	while (!all && rtc_reactor_now(r) < start + 2000 * MS) {
		CHECK_INTEQ(rtc_reactor_iterate(r, -1), 0);
		all = log.count >= 6;
	}
	CHECK_INTEQ(log.count, 6);
	for (int i = 0; i < 6; i++) {
		CHECK_INTEQ(log.order[i], expected[i]);
		/* Never early: each fired at or after its deadline. */
		CHECK(log.at[i] >= start + (uint64_t)offsets_ms[log.order[i]] * MS);
		CHECK(!rtc_timer_is_armed(ctx[i].self));
	}
	for (int i = 0; i < 6; i++)
		rtc_timer_free(ctx[i].self);
	rtc_reactor_free(r);
}

static void test_timer_disarm_rearm_and_free_in_callback(void)
{
	struct rtc_reactor *r = new_reactor();
	struct fired log = { .r = r };
	struct timer_ctx a = { .log = &log, .id = 1 }, b = { .log = &log, .id = 2 };
	struct timer_ctx killer = { .log = &log, .id = 3 }, victim = { .log = &log, .id = 4 };
	uint64_t now = rtc_reactor_now(r);

	a.self = rtc_timer_new(r, timer_fired, &a);
	b.self = rtc_timer_new(r, timer_fired, &b);
	killer.self = rtc_timer_new(r, timer_fired, &killer);
	victim.self = rtc_timer_new(r, timer_fired, &victim);

	/* Disarmed before it is due: never fires. */
	rtc_timer_arm(a.self, now + 1 * MS);
	rtc_timer_disarm(a.self);
	CHECK(!rtc_timer_is_armed(a.self));
	/* Re-armed later, then earlier: the last deadline counts. */
	rtc_timer_arm(b.self, now + 500 * MS);
	rtc_timer_arm(b.self, now + 2 * MS);
	b.repeat = 2;
	/* Both due in the same iteration: the first frees the second. */
	killer.victim = victim.self;
	rtc_timer_arm(killer.self, now + 3 * MS);
	rtc_timer_arm(victim.self, now + 3 * MS);

	while (rtc_reactor_now(r) < now + 300 * MS && (log.count < 4 || rtc_timer_is_armed(b.self)))
		CHECK_INTEQ(rtc_reactor_iterate(r, 50), 0);

	/* b three times (armed + 2 repeats), killer once, a and victim never. */
	CHECK_INTEQ(log.count, 4);
	int b_count = 0, killer_count = 0;
	for (int i = 0; i < log.count && i < 16; i++) {
		CHECK(log.order[i] == 2 || log.order[i] == 3);
		b_count += log.order[i] == 2;
		killer_count += log.order[i] == 3;
	}
	CHECK_INTEQ(b_count, 3);
	CHECK_INTEQ(killer_count, 1);
	CHECK(killer.victim == NULL);

	/* A timer armed in the past fires at the next iteration. */
	rtc_timer_arm(a.self, 0);
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(log.count, 5);

	rtc_timer_free(a.self);
	rtc_timer_free(b.self);
	rtc_timer_free(killer.self);
	rtc_reactor_free(r);
}

struct heap_ctx {
	struct rtc_reactor *r;
	uint64_t deadline;
	uint64_t *last_deadline;
	int *fired, *out_of_order;
};

static void heap_timer_fired(void *userdata)
{
	struct heap_ctx *c = userdata;

	if (c->deadline < *c->last_deadline || rtc_reactor_now(c->r) < c->deadline)
		(*c->out_of_order)++;
	*c->last_deadline = c->deadline;
	(*c->fired)++;
}

/* Many timers with scattered deadlines, some moved and some disarmed: the
 * heap must hand them out in deadline order, each exactly once. */
static void test_many_timers(void)
{
	enum { N = 1000 };
	struct rtc_reactor *r = new_reactor();
	static struct heap_ctx ctx[N];
	static struct rtc_timer *timers[N];
	uint64_t start = rtc_reactor_now(r), last = 0;
	int fired = 0, out_of_order = 0, expected = 0;
	uint32_t rng = 12345;

	for (int i = 0; i < N; i++) {
		rng = rng * 1103515245u + 12345u;
		ctx[i] = (struct heap_ctx){ .r = r, .last_deadline = &last, .fired = &fired,
		                            .out_of_order = &out_of_order };
		ctx[i].deadline = start + (rng >> 8) % (30 * MS);
		timers[i] = rtc_timer_new(r, heap_timer_fired, &ctx[i]);
		CHECK(timers[i] != NULL);
		rtc_timer_arm(timers[i], ctx[i].deadline);
	}
	for (int i = 0; i < N; i += 3) {
		rng = rng * 1103515245u + 12345u;
		if (i % 2) {
			rtc_timer_disarm(timers[i]);
		} else {
			ctx[i].deadline = start + (rng >> 8) % (30 * MS);
			rtc_timer_arm(timers[i], ctx[i].deadline);
		}
	}
	for (int i = 0; i < N; i++)
		expected += rtc_timer_is_armed(timers[i]);
	while (fired < expected && rtc_reactor_now(r) < start + 2000 * MS)
		CHECK_INTEQ(rtc_reactor_iterate(r, -1), 0);
	CHECK_INTEQ(fired, expected);
	CHECK_INTEQ(out_of_order, 0);
	for (int i = 0; i < N; i++)
		rtc_timer_free(timers[i]);
	rtc_reactor_free(r);
}

static void quit_with_seven(void *userdata)
{
	rtc_reactor_quit(userdata, 7);
}

static void test_run_returns_quit_code(void)
{
	struct rtc_reactor *r = new_reactor();
	struct rtc_timer *t = rtc_timer_new(r, quit_with_seven, r);

	rtc_timer_arm(t, rtc_reactor_now(r) + 2 * MS);
	CHECK_INTEQ(rtc_reactor_run(r), 7);
	CHECK(!rtc_timer_is_armed(t));
	/* run can be entered again after a quit */
	rtc_timer_arm(t, rtc_reactor_now(r) + 1 * MS);
	CHECK_INTEQ(rtc_reactor_run(r), 7);
	rtc_timer_free(t);
	rtc_reactor_free(r);
}

/* ---- watches ----------------------------------------------------------- */

struct watch_ctx {
	int calls;
	uint32_t last_revents;
	int last_fd;
	bool drain;
	struct rtc_watch **remove_on_call[2];
};

static void watch_called(void *userdata, int fd, uint32_t revents)
{
	struct watch_ctx *c = userdata;

	c->calls++;
	c->last_revents = revents;
	c->last_fd = fd;
	if (c->drain) {
		char buf[64];

		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (c->remove_on_call[i] && *c->remove_on_call[i]) {
			rtc_watch_remove(*c->remove_on_call[i]);
			*c->remove_on_call[i] = NULL;
		}
	}
}

static void test_watch_level_pause_resume(void)
{
	struct rtc_reactor *r = new_reactor();
	struct watch_ctx c = { 0 };
	struct rtc_watch *w;
	int fds[2];

	CHECK_INTEQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	w = rtc_watch_add(r, fds[0], POLLIN, watch_called, &c);
	CHECK(w != NULL);

	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	CHECK_INTEQ(c.calls, 0);

	CHECK_INTEQ(write(fds[1], "x", 1), 1);
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 1);
	CHECK_INTEQ(c.last_fd, fds[0]);
	CHECK(c.last_revents & POLLIN);

	/* Not drained: level triggered, it is reported again without new data. */
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 2);

	/* Paused: the pending byte is not reported. */
	CHECK_INTEQ(rtc_watch_update(w, 0), 0);
	CHECK_INTEQ(rtc_reactor_iterate(r, 20), 0);
	CHECK_INTEQ(rtc_reactor_iterate(r, 20), 0);
	CHECK_INTEQ(c.calls, 2);

	/* Resumed: reported again; drained: silence. */
	CHECK_INTEQ(rtc_watch_update(w, POLLIN), 0);
	c.drain = true;
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 3);
	CHECK_INTEQ(rtc_reactor_iterate(r, 20), 0);
	CHECK_INTEQ(rtc_reactor_iterate(r, 20), 0);
	CHECK_INTEQ(c.calls, 3);

	/* New data after silence wakes a blocking wait. */
	CHECK_INTEQ(write(fds[1], "y", 1), 1);
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 4);

	/* Switching the mask to POLLOUT on a read end: nothing to report. */
	CHECK_INTEQ(rtc_watch_update(w, POLLOUT), 0);
	CHECK_INTEQ(write(fds[1], "z", 1), 1);
	CHECK_INTEQ(rtc_reactor_iterate(r, 20), 0);
	CHECK_INTEQ(c.calls, 4);
	CHECK_INTEQ(rtc_watch_update(w, POLLIN | POLLOUT), 0);
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 5);

	CHECK_INTEQ(rtc_watch_update(w, 0x8000), -EINVAL);

	/* The writer goes away: POLLHUP. */
	close(fds[1]);
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 6);
	CHECK(c.last_revents & POLLHUP);

	rtc_watch_remove(w);
	CHECK_INTEQ(rtc_reactor_iterate(r, 20), 0);
	CHECK_INTEQ(c.calls, 6);
	close(fds[0]);
	rtc_reactor_free(r);
}

static void test_watch_pollout(void)
{
	struct rtc_reactor *r = new_reactor();
	struct watch_ctx c = { 0 };
	struct rtc_watch *w;
	int fds[2];

	CHECK_INTEQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	w = rtc_watch_add(r, fds[1], POLLOUT, watch_called, &c);
	CHECK(w != NULL);
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 1);
	CHECK(c.last_revents & POLLOUT);
	/* Still writable: reported at every iteration, as libdbus expects. */
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 2);
	rtc_watch_remove(w);
	close(fds[0]);
	close(fds[1]);
	rtc_reactor_free(r);
}

/* The way libdbus waits for a full socket to drain: a read watch gains
 * POLLOUT while the socket is not writable, so no re-check at update time can
 * see it; only the kernel's poll, with the new mask, reports it later. */
static void test_watch_gains_pollout_while_full(void)
{
	struct rtc_reactor *r = new_reactor();
	struct watch_ctx c = { 0 };
	struct rtc_watch *w;
	char buf[4096] = { 0 };
	int fds[2];

	CHECK_INTEQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
	w = rtc_watch_add(r, fds[0], POLLIN, watch_called, &c);
	CHECK(w != NULL);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	CHECK_INTEQ(c.calls, 0);

	while (write(fds[0], buf, sizeof(buf)) > 0)
		;
	CHECK_INTEQ(errno, EAGAIN);
	CHECK_INTEQ(rtc_watch_update(w, POLLIN | POLLOUT), 0);
	CHECK_INTEQ(rtc_reactor_iterate(r, 20), 0);
	CHECK_INTEQ(rtc_reactor_iterate(r, 20), 0);
	CHECK_INTEQ(c.calls, 0);

	/* The peer reads everything: writable again, and the wait must end. */
	while (read(fds[1], buf, sizeof(buf)) > 0)
		;
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(c.calls, 1);
	CHECK(c.last_revents & POLLOUT);

	rtc_watch_remove(w);
	close(fds[0]);
	close(fds[1]);
	rtc_reactor_free(r);
}

/* A watch whose mask changes while its fd is ready, again and again, then
 * removed and its fd closed: the peer must see end-of-file, i.e. no poll
 * of the watch still holds the file (io_uring once left one behind when a
 * re-arm raced a mask update, and OpenSocket's peers waited for ever). */
static void toggle_mask(void *userdata, int fd, uint32_t revents)
{
	struct rtc_watch **w = userdata;

	(void)fd;
	/* Writable, always: POLLOUT comes and goes with the mask. */
	rtc_watch_update(*w, revents & POLLOUT ? POLLIN : POLLIN | POLLOUT);
}

static void test_watch_removed_after_mask_churn_releases_fd(void)
{
	struct rtc_reactor *r = new_reactor();
	struct rtc_watch *w;
	char byte;
	int fds[2];

	CHECK_INTEQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
	w = rtc_watch_add(r, fds[0], POLLIN | POLLOUT, toggle_mask, &w);
	CHECK(w != NULL);
	for (int i = 0; i < 2000; i++) {
		CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
		if (i % 3 == 0)
			rtc_watch_update(w, POLLIN | POLLOUT);
	}
	rtc_watch_remove(w);
	close(fds[0]);
	for (int i = 0; i < 20; i++)
		CHECK_INTEQ(rtc_reactor_iterate(r, 5), 0);
	CHECK_INTEQ(recv(fds[1], &byte, 1, 0), 0);
	close(fds[1]);
	rtc_reactor_free(r);
}

static void test_watch_removal_from_callbacks(void)
{
	struct rtc_reactor *r = new_reactor();
	struct watch_ctx a = { 0 }, b = { 0 };
	struct rtc_watch *wa, *wb;
	int ea = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	int eb = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);

	/* Both ready in the same iteration; whichever runs first removes both. */
	wa = rtc_watch_add(r, ea, POLLIN, watch_called, &a);
	wb = rtc_watch_add(r, eb, POLLIN, watch_called, &b);
	a.remove_on_call[0] = &wa;
	a.remove_on_call[1] = &wb;
	b.remove_on_call[0] = &wb;
	b.remove_on_call[1] = &wa;
	CHECK(wa && wb);
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(a.calls + b.calls, 1);
	CHECK(wa == NULL && wb == NULL);
	for (int i = 0; i < 3; i++)
		CHECK_INTEQ(rtc_reactor_iterate(r, 10), 0);
	CHECK_INTEQ(a.calls + b.calls, 1);

	/* A bad fd fails at the call on both backends. */
	errno = 0;
	CHECK(rtc_watch_add(r, 1000000, POLLIN, watch_called, &a) == NULL);
	CHECK_INTEQ(errno, EBADF);
	CHECK(rtc_watch_add(r, ea, 0x8000, watch_called, &a) == NULL);

	/* Removed before the loop ever saw it, and an fd reused at once. */
	wa = rtc_watch_add(r, ea, POLLIN, watch_called, &a);
	rtc_watch_remove(wa);
	wa = rtc_watch_add(r, ea, POLLIN, watch_called, &a);
	a.remove_on_call[0] = a.remove_on_call[1] = NULL;
	CHECK_INTEQ(rtc_reactor_iterate(r, 1000), 0);
	CHECK_INTEQ(a.calls, b.calls ? 1 : 2);
	rtc_watch_remove(wa);

	close(ea);
	close(eb);
	rtc_reactor_free(r);
}

/* ---- idles ------------------------------------------------------------- */

struct idle_ctx {
	int calls;
	struct rtc_idle *self;
	bool reschedule;
	struct rtc_idle *to_free;
};

static void idle_called(void *userdata)
{
	struct idle_ctx *c = userdata;

	c->calls++;
	if (c->to_free) {
		rtc_idle_free(c->to_free);
		c->to_free = NULL;
	}
	if (c->reschedule) {
		c->reschedule = false;
		rtc_idle_schedule(c->self);
		rtc_idle_schedule(c->self);
	}
}

static void test_idles(void)
{
	struct rtc_reactor *r = new_reactor();
	struct idle_ctx a = { 0 }, b = { 0 };
	uint64_t before;

	a.self = rtc_idle_new(r, idle_called, &a);
	b.self = rtc_idle_new(r, idle_called, &b);
	CHECK(a.self && b.self);

	/* Twice before it runs = once. */
	rtc_idle_schedule(a.self);
	rtc_idle_schedule(a.self);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	CHECK_INTEQ(a.calls, 1);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	CHECK_INTEQ(a.calls, 1);

	/* Rescheduled from its own callback: runs at the next iteration, and
	 * the loop does not block in between. */
	a.reschedule = true;
	rtc_idle_schedule(a.self);
	before = rtc_reactor_now(r);
	CHECK_INTEQ(rtc_reactor_iterate(r, 5000), 0);
	CHECK_INTEQ(a.calls, 2);
	CHECK(rtc_reactor_now(r) - before < 1000 * MS);
	CHECK_INTEQ(rtc_reactor_iterate(r, 5000), 0);
	CHECK_INTEQ(a.calls, 3);

	/* Freed while scheduled, by another idle of the same iteration. */
	a.to_free = b.self;
	rtc_idle_schedule(a.self);
	rtc_idle_schedule(b.self);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	CHECK_INTEQ(a.calls, 4);
	CHECK_INTEQ(b.calls, 0);

	/* Freed while scheduled, from outside. */
	rtc_idle_schedule(a.self);
	rtc_idle_free(a.self);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	CHECK_INTEQ(a.calls, 4);
	rtc_reactor_free(r);
}

/* ---- signals ----------------------------------------------------------- */

struct signal_ctx {
	int calls;
	int signo;
};

static void signal_called(void *userdata, int signo)
{
	struct signal_ctx *c = userdata;

	c->calls++;
	c->signo = signo;
}

static void test_signal_delivery(void)
{
	struct rtc_reactor *r = new_reactor();
	struct signal_ctx c = { 0 };

	CHECK_INTEQ(rtc_reactor_add_signal(r, SIGUSR1, signal_called, &c), 0);
	CHECK_INTEQ(rtc_reactor_add_signal(r, SIGUSR1, signal_called, &c), -EEXIST);
	CHECK_INTEQ(rtc_reactor_add_signal(r, SIGKILL, signal_called, &c), -EINVAL);
	CHECK_INTEQ(rtc_reactor_add_signal(r, 0, signal_called, &c), -EINVAL);
	CHECK_INTEQ(rtc_reactor_add_signal(r, SIGUSR2, signal_called, &c), 0);

	CHECK_INTEQ(raise(SIGUSR1), 0);
	for (int i = 0; i < 10 && c.calls == 0; i++)
		CHECK_INTEQ(rtc_reactor_iterate(r, 100), 0);
	CHECK_INTEQ(c.calls, 1);
	CHECK_INTEQ(c.signo, SIGUSR1);

	CHECK_INTEQ(raise(SIGUSR2), 0);
	for (int i = 0; i < 10 && c.calls == 1; i++)
		CHECK_INTEQ(rtc_reactor_iterate(r, 100), 0);
	CHECK_INTEQ(c.calls, 2);
	CHECK_INTEQ(c.signo, SIGUSR2);

	/* A signal still pending at teardown is swallowed, not fatal. */
	CHECK_INTEQ(raise(SIGUSR1), 0);
	rtc_reactor_free(r);
}

/* ---- UDP --------------------------------------------------------------- */

static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_addr = in6addr_loopback;
	return sizeof(*in6);
}

/* IPv6 may be disabled in a CI container; such runs skip the ::1 cases. */
static bool have_ipv6_loopback(void)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET6, &ss);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seq)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 31 + i);
	if (len >= 4)
		memcpy(buf, &seq, 4);
}

struct echo {
	struct rtc_udp_socket *socket;
	int echoed;
	int send_failures;
};

static void echo_back(void *userdata, struct rtc_udp_socket *s, const uint8_t *data,
                      size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	struct echo *e = userdata;

	if (rtc_udp_send(s, data, len, from, fromlen) == 0)
		e->echoed++;
	else
		e->send_failures++;
}

struct client {
	int replies;
	int corrupt;
	bool done;
	int expected;
	bool seen[2048];
};

static void client_reply(void *userdata, struct rtc_udp_socket *s, const uint8_t *data,
                         size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	struct client *c = userdata;
	uint8_t want[RTC_UDP_MAX_DATAGRAM];
	uint32_t seq;

	if (len < 4) {
		c->corrupt++;
		return;
	}
	memcpy(&seq, data, 4);
	fill_pattern(want, len, seq);
	if (seq >= 2048 || c->seen[seq] || len != 4 + seq % 1197 || memcmp(want, data, len) != 0) {
		c->corrupt++;
		return;
	}
	c->seen[seq] = true;
	c->replies++;
	c->done = c->replies >= c->expected;
}

static void udp_echo(int family)
{
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_storage bind_addr, server_addr, client_addr;
	socklen_t len = loopback(family, &bind_addr), server_len, client_len;
	struct echo server = { 0 };
	struct client client = { .expected = 1000 };
	struct rtc_udp_socket *cs = NULL;
	struct rtc_udp_stats ss, cst;
	uint8_t buf[RTC_UDP_MAX_DATAGRAM];

	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&bind_addr, len, echo_back, &server,
	                         &server.socket), 0);
	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&bind_addr, len, client_reply, &client, &cs), 0);
	if (!server.socket || !cs) {
		rtc_reactor_free(r);
		return;
	}
	CHECK_INTEQ(rtc_udp_local_address(server.socket, &server_addr, &server_len), 0);
	CHECK_INTEQ(rtc_udp_local_address(cs, &client_addr, &client_len), 0);
	CHECK_INTEQ(server_addr.ss_family, family);
	CHECK_INTEQ(server_len, len);
	if (family == AF_INET)
		CHECK(((struct sockaddr_in *)&server_addr)->sin_port != 0);
	else
		CHECK(((struct sockaddr_in6 *)&server_addr)->sin6_port != 0);

	/* Sent in bursts of 100 without iterating in between, sizes 4..1200. */
	for (uint32_t seq = 0; seq < 1000; seq++) {
		size_t n = 4 + seq % 1197;

		fill_pattern(buf, n, seq);
		CHECK_INTEQ(rtc_udp_send(cs, buf, n, (struct sockaddr *)&server_addr, server_len), 0);
		if (seq % 100 == 99)
			CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	}
	CHECK(iterate_until(r, &client.done, 5000));
	CHECK_INTEQ(client.replies, 1000);
	CHECK_INTEQ(client.corrupt, 0);
	CHECK_INTEQ(server.echoed, 1000);
	CHECK_INTEQ(server.send_failures, 0);
	/* Let the last echo sends complete. */
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);

	uint64_t bytes = 0;
	for (uint32_t seq = 0; seq < 1000; seq++)
		bytes += 4 + seq % 1197;
	rtc_udp_get_stats(server.socket, &ss);
	rtc_udp_get_stats(cs, &cst);
	CHECK_INTEQ(cst.packets_sent, 1000);
	CHECK_INTEQ(cst.bytes_sent, bytes);
	CHECK_INTEQ(ss.packets_received, 1000);
	CHECK_INTEQ(ss.bytes_received, bytes);
	CHECK_INTEQ(ss.packets_sent, 1000);
	CHECK_INTEQ(cst.packets_received, 1000);
	CHECK_INTEQ(cst.bytes_received, bytes);
	CHECK_INTEQ(cst.send_errors + ss.send_errors, 0);
	if (!on_uring())
		CHECK_INTEQ(ss.receive_rearms + cst.receive_rearms, 0);

	rtc_udp_close(cs);
	rtc_udp_close(server.socket);
	rtc_reactor_free(r);
}

static void test_udp_echo_ipv4(void)
{
	udp_echo(AF_INET);
}

static void test_udp_echo_ipv6(void)
{
	if (!have_ipv6_loopback())
		RTC_TEST_SKIP("no IPv6 loopback (::1) here");
	udp_echo(AF_INET6);
}

struct counter {
	int packets;
	size_t bytes;
	bool done;
	int expected;
	struct rtc_udp_socket *close_after_first;
};

static void count_packet(void *userdata, struct rtc_udp_socket *s, const uint8_t *data,
                         size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	struct counter *c = userdata;

	c->packets++;
	c->bytes += len;
	c->done = c->packets >= c->expected;
	if (c->close_after_first) {
		CHECK(c->close_after_first == s);
		rtc_udp_close(c->close_after_first);
		c->close_after_first = NULL;
	}
}

/* Floods a socket from outside the reactor so that more datagrams wait than
 * its io_uring buffer ring holds: the multishot receive runs dry, ends, and
 * must be re-armed for the rest to arrive. */
static void test_udp_ring_exhaustion_rearms(void)
{
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_storage addr, local;
	socklen_t len = loopback(AF_INET, &addr), local_len;
	struct counter c = { .expected = 4 * 200 };
	struct rtc_udp_socket *s = NULL;
	struct rtc_udp_stats stats;
	int sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char payload[32] = "ring";

	/* Fewer buffers than the kernel's receive batch (32 on recent kernels),
	 * so that a burst always empties the ring. */
	CHECK_INTEQ(rtc_reactor_set_udp_receive_buffers(r, 0), -EINVAL);
	CHECK_INTEQ(rtc_reactor_set_udp_receive_buffers(r, 24), -EINVAL);
	CHECK_INTEQ(rtc_reactor_set_udp_receive_buffers(r, 16), 0);
	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &c, &s), 0);
	CHECK_INTEQ(rtc_udp_local_address(s, &local, &local_len), 0);
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 200; i++)
			CHECK_INTEQ(sendto(sender, payload, sizeof(payload), 0,
			                   (struct sockaddr *)&local, local_len), (ssize_t)sizeof(payload));
		c.expected = (round + 1) * 200;
		c.done = false;
		CHECK(iterate_until(r, &c.done, 5000));
	}
	CHECK_INTEQ(c.packets, 800);
	rtc_udp_get_stats(s, &stats);
	CHECK_INTEQ(stats.packets_received, 800);
	CHECK_INTEQ(stats.bytes_received, 800 * sizeof(payload));
	printf("# receive re-arms: %llu\n", (unsigned long long)stats.receive_rearms);
	if (on_uring())
		CHECK(stats.receive_rearms >= 4);
	else
		CHECK_INTEQ(stats.receive_rearms, 0);
	close(sender);
	rtc_udp_close(s);
	rtc_reactor_free(r);
}

/* Closing with receives in flight: from inside the callback while more
 * completions for the socket are already queued, and from outside with a
 * multishot receive armed. Nothing more is delivered, nothing leaks (ASan). */
static void test_udp_close_with_receives_in_flight(void)
{
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_storage addr, local;
	socklen_t len = loopback(AF_INET, &addr), local_len;
	struct counter c = { .expected = 1 };
	struct counter idle = { .expected = 1 };
	struct rtc_udp_socket *s = NULL, *quiet = NULL;
	int sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &c, &s), 0);
	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &idle, &quiet), 0);
	CHECK_INTEQ(rtc_udp_local_address(s, &local, &local_len), 0);
	c.close_after_first = s;
	for (int i = 0; i < 50; i++)
		CHECK_INTEQ(sendto(sender, "abc", 3, 0, (struct sockaddr *)&local, local_len), 3);
	CHECK(iterate_until(r, &c.done, 5000));
	for (int i = 0; i < 5; i++)
		CHECK_INTEQ(rtc_reactor_iterate(r, 5), 0);
	CHECK_INTEQ(c.packets, 1);
	CHECK(c.close_after_first == NULL);

	/* Armed, nothing received, closed from outside; then freed with the
	 * reactor's loop still turning. */
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	rtc_udp_close(quiet);
	for (int i = 0; i < 3; i++)
		CHECK_INTEQ(rtc_reactor_iterate(r, 5), 0);
	CHECK_INTEQ(idle.packets, 0);
	close(sender);
	rtc_reactor_free(r);
}

/* Larger than RTC_UDP_MAX_DATAGRAM: dropped whole, never delivered cut short. */
static void test_udp_oversized_datagram_dropped(void)
{
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_storage addr, local;
	socklen_t len = loopback(AF_INET, &addr), local_len;
	struct counter c = { .expected = 2 };
	struct rtc_udp_socket *s = NULL;
	int sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	static uint8_t big[RTC_UDP_MAX_DATAGRAM + 100];

	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &c, &s), 0);
	CHECK_INTEQ(rtc_udp_local_address(s, &local, &local_len), 0);
	CHECK_INTEQ(sendto(sender, big, sizeof(big), 0, (struct sockaddr *)&local, local_len),
	            (ssize_t)sizeof(big));
	CHECK_INTEQ(sendto(sender, big, RTC_UDP_MAX_DATAGRAM, 0, (struct sockaddr *)&local, local_len),
	            (ssize_t)RTC_UDP_MAX_DATAGRAM);
	CHECK_INTEQ(sendto(sender, "", 0, 0, (struct sockaddr *)&local, local_len), 0);
	CHECK(iterate_until(r, &c.done, 2000));
	for (int i = 0; i < 3; i++)
		CHECK_INTEQ(rtc_reactor_iterate(r, 5), 0);
	CHECK_INTEQ(c.packets, 2);
	CHECK_INTEQ(c.bytes, RTC_UDP_MAX_DATAGRAM);
	close(sender);
	rtc_udp_close(s);
	rtc_reactor_free(r);
}

/* Arrival times are the kernel's receive timestamps on the reactor's clock:
 * each lies between the moments before and after its sendto (loopback
 * stamps in the sender's syscall), so datagrams that waited in the socket
 * while the reactor was busy keep their own, earlier times instead of all
 * getting the time of the read. */
static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct stamps {
	struct rtc_reactor *r;
	int packets;
	bool done;
	uint64_t arrival[3], read_at[3];
};

static void stamp_packet(void *userdata, struct rtc_udp_socket *s, const uint8_t *data,
                         size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	struct stamps *st = userdata;

	(void)data; (void)len; (void)from; (void)fromlen;
	if (st->packets < 3) {
		st->arrival[st->packets] = rtc_udp_arrival_time(s);
		st->read_at[st->packets] = rtc_reactor_now(st->r);
	}
	st->done = ++st->packets >= 3;
}

static void test_udp_arrival_is_kernel_time(void)
{
	/* Slack for converting CLOCK_REALTIME stamps to CLOCK_MONOTONIC. */
	const uint64_t slack = 1000000;
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_storage addr, local;
	socklen_t len = loopback(AF_INET, &addr), local_len;
	struct stamps st = { .r = r };
	struct rtc_udp_socket *s = NULL;
	int sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t before[3], after[3];

	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, stamp_packet, &st, &s), 0);
	CHECK_INTEQ(rtc_udp_local_address(s, &local, &local_len), 0);
	/* The reactor is "busy": nothing reads while the three are sent. */
	for (int i = 0; i < 3; i++) {
		struct timespec pause = { 0, 20000000 };

		before[i] = monotonic_ns();
		CHECK_INTEQ(sendto(sender, "x", 1, 0, (struct sockaddr *)&local, local_len), 1);
		after[i] = monotonic_ns();
		nanosleep(&pause, NULL);
	}
	CHECK(iterate_until(r, &st.done, 2000));
	CHECK_INTEQ(st.packets, 3);
	for (int i = 0; i < 3; i++) {
		CHECK(st.arrival[i] + slack >= before[i]);
		CHECK(st.arrival[i] <= after[i] + slack);
		CHECK(st.arrival[i] <= st.read_at[i]);
		/* Read after the last send; the earlier ones arrived before it. */
		if (i < 2)
			CHECK(st.arrival[i] < st.read_at[i] - (after[2] - after[i]) / 2);
	}
	CHECK(st.arrival[0] <= st.arrival[1] && st.arrival[1] <= st.arrival[2]);
	close(sender);
	rtc_udp_close(s);
	rtc_reactor_free(r);
}

static void test_udp_send_errors_and_validation(void)
{
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_storage addr, v6, nowhere;
	socklen_t len = loopback(AF_INET, &addr), v6_len = loopback(AF_INET6, &v6);
	socklen_t nowhere_len = loopback(AF_INET, &nowhere);   /* port 0: EINVAL */
	struct counter c = { 0 };
	struct rtc_udp_socket *s = NULL;
	struct rtc_udp_stats stats;
	uint8_t big[RTC_UDP_MAX_DATAGRAM + 1] = { 0 };

	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, 4, count_packet, &c, &s), -EINVAL);
	CHECK(s == NULL);
	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &c, &s), 0);
	CHECK_INTEQ(rtc_udp_send(s, big, sizeof(big), (struct sockaddr *)&addr, len), -EMSGSIZE);
	CHECK_INTEQ(rtc_udp_send(s, big, 10, (struct sockaddr *)&v6, v6_len), -EAFNOSUPPORT);
	CHECK_INTEQ(rtc_udp_send(s, big, 10, (struct sockaddr *)&addr, 3), -EINVAL);
	CHECK_INTEQ(rtc_udp_send(s, big, 10, NULL, len), -EINVAL);

	/* A send the kernel refuses is counted, and the socket carries on. */
	CHECK_INTEQ(rtc_udp_send(s, big, 10, (struct sockaddr *)&nowhere, nowhere_len), 0);
	rtc_udp_flush(s);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	rtc_udp_get_stats(s, &stats);
	CHECK_INTEQ(stats.send_errors, 1);
	CHECK_INTEQ(stats.packets_sent, 0);
	/* The queue is bounded. */
	int accepted = 0, refused = 0;
	struct sockaddr_storage self;
	socklen_t self_len;
	CHECK_INTEQ(rtc_udp_local_address(s, &self, &self_len), 0);
	for (int i = 0; i < 3000; i++) {
		int ret = rtc_udp_send(s, big, 1, (struct sockaddr *)&self, self_len);

		accepted += ret == 0;
		refused += ret == -ENOBUFS;
	}
	CHECK_INTEQ(accepted + refused, 3000);
	if (on_uring())
		CHECK(refused > 0);   /* completions are only reaped by the loop */
	rtc_udp_close(s);
	rtc_reactor_free(r);
}

/* Teardown with everything still attached: watches, timers, idles, sockets
 * with receives and sends in flight. ASan reports anything left behind. */
/* A socket the caller configured itself (here SO_REUSEADDR, as an mDNS
 * socket on 5353 needs) runs on the reactor like one it opened. */
static void send_burst(struct rtc_udp_socket *s, const struct sockaddr_storage *to,
                       socklen_t len, int count)
{
	uint8_t buf[100] = { 0 };

	for (int i = 0; i < count; i++)
		CHECK_INTEQ(rtc_udp_send(s, buf, sizeof(buf), (const struct sockaddr *)to, len), 0);
}

/* Send packets come back to one pool of the reactor's, at most a batch of
 * them, which any socket reuses and a quiet moment empties (io/heap-trim.c);
 * sending goes on after, and a pool left at teardown is freed (ASan). */
static void test_udp_send_packets_pooled(void)
{
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_storage addr, to;
	socklen_t len = loopback(AF_INET, &addr), to_len;
	struct counter c = { .expected = 300 };
	struct rtc_udp_socket *a = NULL, *b = NULL, *sink = NULL;
	unsigned pooled;

	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &c, &sink), 0);
	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &c, &a), 0);
	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &c, &b), 0);
	if (!sink || !a || !b) {
		rtc_reactor_free(r);
		return;
	}
	CHECK_INTEQ(rtc_udp_local_address(sink, &to, &to_len), 0);
	CHECK_INTEQ(r->n_spare_packets, 0);

	send_burst(a, &to, to_len, 300);
	CHECK(iterate_until(r, &c.done, 5000));
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);   /* the last sends complete */
	/* All 300 came back (loopback delivered them after sending them);
	 * the pool kept one batch. */
	pooled = r->n_spare_packets;
	CHECK_INTEQ(pooled, RTC_UDP_SPARE_MAX);

	/* Another socket takes the first socket's packets. */
	rtc_udp_close(a);
	send_burst(b, &to, to_len, 10);
	CHECK_INTEQ(r->n_spare_packets, pooled - 10);

	c.done = false;
	c.expected = 310;
	CHECK(iterate_until(r, &c.done, 5000));
	rtc_udp_release_spares(r);
	CHECK_INTEQ(r->n_spare_packets, 0);
	CHECK(r->spare_packets == NULL);

	c.done = false;
	c.expected = 320;
	send_burst(b, &to, to_len, 10);
	CHECK(iterate_until(r, &c.done, 5000));
	CHECK_INTEQ(c.packets, 320);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	CHECK(r->n_spare_packets > 0);
	rtc_reactor_free(r);
}

static void test_udp_adopt(void)
{
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_storage local;
	socklen_t local_len;
	struct counter c = { .expected = 3 };
	struct rtc_udp_socket *s = NULL;
	int one = 1, fd, tcp, sender;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	CHECK(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK(rtc_udp_adopt(r, fd, count_packet, &c, &s) == 0);
	CHECK(s != NULL && (fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK(rtc_udp_local_address(s, &local, &local_len) == 0);

	sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (int i = 0; i < 3; i++)
		CHECK(sendto(sender, "abc", 3, 0, (struct sockaddr *)&local, local_len) == 3);
	CHECK(iterate_until(r, &c.done, 2000));
	CHECK_INTEQ(c.bytes, 9);
	close(sender);

	/* A stream socket is refused and stays the caller's. */
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(rtc_udp_adopt(r, tcp, count_packet, &c, &s) == -ENOTSOCK);
	CHECK(fcntl(tcp, F_GETFD) >= 0);
	close(tcp);
	rtc_reactor_free(r);
}

static void test_free_with_everything_attached(void)
{
	struct rtc_reactor *r = new_reactor();
	struct sockaddr_storage addr, local;
	socklen_t len = loopback(AF_INET, &addr), local_len;
	struct counter c = { 0 };
	struct watch_ctx wc = { 0 };
	struct rtc_udp_socket *s = NULL;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct fired log = { .r = r };
	struct timer_ctx t = { .log = &log };

	CHECK(rtc_watch_add(r, efd, POLLIN, watch_called, &wc) != NULL);
	t.self = rtc_timer_new(r, timer_fired, &t);
	rtc_timer_arm(t.self, rtc_reactor_now(r) + 10000 * MS);
	struct idle_ctx ic = { 0 };
	rtc_idle_schedule(rtc_idle_new(r, idle_called, &ic));
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	CHECK_INTEQ(ic.calls, 1);
	rtc_idle_schedule(rtc_idle_new(r, idle_called, &ic));
	CHECK_INTEQ(rtc_udp_open(r, (struct sockaddr *)&addr, len, count_packet, &c, &s), 0);
	CHECK_INTEQ(rtc_udp_local_address(s, &local, &local_len), 0);
	CHECK_INTEQ(rtc_reactor_iterate(r, 0), 0);
	for (int i = 0; i < 10; i++)
		CHECK_INTEQ(rtc_udp_send(s, "x", 1, (struct sockaddr *)&local, local_len), 0);
	rtc_reactor_free(r);
	close(efd);
}

int main(void)
{
	skip_unless_backend_available();
	RUN(test_backend);
	RUN(test_fallback_when_io_uring_refused);
	RUN(test_timers_fire_in_deadline_order);
	RUN(test_timer_disarm_rearm_and_free_in_callback);
	RUN(test_many_timers);
	RUN(test_run_returns_quit_code);
	RUN(test_watch_level_pause_resume);
	RUN(test_watch_pollout);
	RUN(test_watch_gains_pollout_while_full);
	RUN(test_watch_removed_after_mask_churn_releases_fd);
	RUN(test_watch_removal_from_callbacks);
	RUN(test_idles);
	RUN(test_signal_delivery);
	RUN(test_udp_echo_ipv4);
	RUN(test_udp_echo_ipv6);
	RUN(test_udp_ring_exhaustion_rearms);
	RUN(test_udp_close_with_receives_in_flight);
	RUN(test_udp_oversized_datagram_dropped);
	RUN(test_udp_arrival_is_kernel_time);
	RUN(test_udp_send_errors_and_validation);
	RUN(test_udp_send_packets_pooled);
	RUN(test_udp_adopt);
	RUN(test_free_with_everything_attached);
	return rtc_test_done();
}
