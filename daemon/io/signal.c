/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signals as ordinary reactor events: the signals are blocked and read from
 * one signalfd, so handlers run on the reactor thread like any callback and
 * may do anything (quit the loop, log, touch engine state).
 *
 * The mask is changed with pthread_sigmask on the calling thread, so add
 * signals before starting other threads: they inherit it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/log.h"
#include "io/reactor-private.h"

struct rtc_signal_handler {
	rtc_signal_fn fn;
	void *userdata;
};

struct rtc_signals {
	int fd;
	struct rtc_watch *watch;
	sigset_t handled;
	sigset_t blocked_by_us;        /* to unblock on teardown */
	struct rtc_signal_handler handlers[_NSIG];
};

static void signals_readable(void *userdata, int fd, uint32_t revents)
{
	struct rtc_signals *s = userdata;
	struct signalfd_siginfo info[8];

	for (;;) {
		ssize_t n = read(fd, info, sizeof(info));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				rtc_warn("reading the signalfd failed: %m");
			return;
		}
		if (n == 0 || (size_t)n % sizeof(info[0]) != 0)
			return;
		for (size_t i = 0; i < (size_t)n / sizeof(info[0]); i++) {
			uint32_t signo = info[i].ssi_signo;

			if (signo > 0 && signo < _NSIG && s->handlers[signo].fn)
				s->handlers[signo].fn(s->handlers[signo].userdata, (int)signo);
		}
		if ((size_t)n < sizeof(info))
			return;
	}
}

static int signals_new(struct rtc_reactor *r)
{
	struct rtc_signals *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	sigemptyset(&s->handled);
	sigemptyset(&s->blocked_by_us);
	s->fd = signalfd(-1, &s->handled, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0) {
		ret = -errno;
		free(s);
		return ret;
	}
	s->watch = rtc_watch_add(r, s->fd, POLLIN, signals_readable, s);
	if (!s->watch) {
		ret = -errno;
		close(s->fd);
		free(s);
		return ret;
	}
	r->signals = s;
	return 0;
}

int rtc_reactor_add_signal(struct rtc_reactor *r, int signo, rtc_signal_fn fn, void *userdata)
{
	struct rtc_signals *s;
	sigset_t one, previous;
	int ret;

	if (signo <= 0 || signo >= _NSIG || signo == SIGKILL || signo == SIGSTOP || !fn)
		return -EINVAL;
	if (!r->signals) {
		ret = signals_new(r);
		if (ret < 0)
			return ret;
	}
	s = r->signals;
	if (s->handlers[signo].fn)
		return -EEXIST;

	sigemptyset(&one);
	sigaddset(&one, signo);
	ret = pthread_sigmask(SIG_BLOCK, &one, &previous);
	if (ret != 0)
		return -ret;
	if (!sigismember(&previous, signo))
		sigaddset(&s->blocked_by_us, signo);

	sigaddset(&s->handled, signo);
	if (signalfd(s->fd, &s->handled, 0) < 0) {
		ret = -errno;
		sigdelset(&s->handled, signo);
		if (sigismember(&s->blocked_by_us, signo)) {
			sigdelset(&s->blocked_by_us, signo);
			pthread_sigmask(SIG_UNBLOCK, &one, NULL);
		}
		return ret;
	}
	s->handlers[signo].fn = fn;
	s->handlers[signo].userdata = userdata;
	return 0;
}

void rtc_signals_free(struct rtc_reactor *r)
{
	struct rtc_signals *s = r->signals;
	struct signalfd_siginfo info;

	if (!s)
		return;
	rtc_watch_remove(s->watch);
	/* Swallow what is pending: unblocking it would run the default action,
	 * which for most signals ends the process. */
	while (read(s->fd, &info, sizeof(info)) > 0)
		;
	close(s->fd);
	pthread_sigmask(SIG_UNBLOCK, &s->blocked_by_us, NULL);
	free(s);
	r->signals = NULL;
}
