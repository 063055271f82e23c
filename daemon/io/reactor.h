/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcd's event loop. One reactor thread owns every object created here; no
 * function is thread-safe and none takes a lock.
 *
 * Two backends implement the same contract: io_uring (liburing) and epoll.
 * AUTO picks io_uring and falls back to epoll when the kernel refuses it
 * (ENOSYS, EPERM from kernel.io_uring_disabled or seccomp). The environment
 * variable RTCD_IO=uring|epoll overrides AUTO, so the test suite can run
 * everything on both.
 *
 * One iteration: run deferred idles, flush queued UDP sends, block for events
 * (bounded by the earliest timer), refresh the cached clock, dispatch fd and
 * socket events, then fire the timers that are due.
 *
 * Every callback may add or remove any watch, timer, idle or socket,
 * including the one it was called for.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/socket.h>

struct rtc_reactor;
struct rtc_watch;
struct rtc_timer;
struct rtc_idle;

enum rtc_reactor_backend { RTC_REACTOR_AUTO, RTC_REACTOR_URING, RTC_REACTOR_EPOLL };

/* Returns 0 or -errno. AUTO tries io_uring, falls back to epoll (logged). The env var
 * RTCD_IO=uring|epoll overrides AUTO (the test suite runs everything on both).
 * RTC_REACTOR_URING fails with the kernel's errno when io_uring is unavailable. */
int  rtc_reactor_new(enum rtc_reactor_backend backend, struct rtc_reactor **out);
/* Frees the reactor and everything still attached to it (watches, timers, idles,
 * sockets); pointers to those become invalid. Not from inside a callback. */
void rtc_reactor_free(struct rtc_reactor *r);
const char *rtc_reactor_backend_name(const struct rtc_reactor *r);   /* "io_uring" | "epoll" */
uint64_t rtc_reactor_now(const struct rtc_reactor *r);  /* CLOCK_MONOTONIC ns, cached per iteration */
int  rtc_reactor_run(struct rtc_reactor *r);            /* until quit; returns the quit code */
/* One iteration, for tests. timeout_ms < 0 blocks until an event or timer, 0 polls.
 * Returns 0, or -errno when waiting for events failed. */
int  rtc_reactor_iterate(struct rtc_reactor *r, int timeout_ms);
void rtc_reactor_quit(struct rtc_reactor *r, int code);  /* run returns after this iteration */

/* fd readiness watches (used for the D-Bus connection fd, later PipeWire's loop fd).
 * events/revents: POLLIN | POLLOUT (revents may add POLLERR | POLLHUP). events 0 = paused.
 * The callback may remove this or any other watch/timer.
 * Watches are level-triggered: a readable fd that is not drained is reported again
 * at the next iteration. The fd stays owned by the caller; remove the watch before
 * closing it. rtc_watch_add returns NULL with errno set on failure. */
typedef void (*rtc_watch_fn)(void *userdata, int fd, uint32_t revents);
struct rtc_watch *rtc_watch_add(struct rtc_reactor *r, int fd, uint32_t events,
                                rtc_watch_fn fn, void *userdata);
int  rtc_watch_update(struct rtc_watch *w, uint32_t events);  /* 0 or -errno */
void rtc_watch_remove(struct rtc_watch *w);

/* one-shot timers on absolute CLOCK_MONOTONIC deadlines (ns); re-arm to repeat.
 * Arming an armed timer moves its deadline. Timers due in the same iteration fire
 * in deadline order. rtc_timer_new returns NULL (errno ENOMEM) on failure. */
typedef void (*rtc_timer_fn)(void *userdata);
struct rtc_timer *rtc_timer_new(struct rtc_reactor *r, rtc_timer_fn fn, void *userdata);
void rtc_timer_arm(struct rtc_timer *t, uint64_t deadline_ns);
void rtc_timer_disarm(struct rtc_timer *t);
bool rtc_timer_is_armed(const struct rtc_timer *t);
void rtc_timer_free(struct rtc_timer *t);

/* deferred work: runs once at the next iteration, before blocking (libdbus dispatch
 * must not run inside its own callbacks). Scheduling twice before it runs = once.
 * An idle scheduled from inside an idle callback runs at the following iteration.
 * rtc_idle_new returns NULL (errno ENOMEM) on failure. */
typedef void (*rtc_idle_fn)(void *userdata);
struct rtc_idle *rtc_idle_new(struct rtc_reactor *r, rtc_idle_fn fn, void *userdata);
void rtc_idle_schedule(struct rtc_idle *i);
void rtc_idle_free(struct rtc_idle *i);

/* signals via signalfd (blocks the signal for the process). One handler per signal;
 * 0, -EEXIST when the signal already has one, or -errno. The handler lives as long
 * as the reactor. */
typedef void (*rtc_signal_fn)(void *userdata, int signo);
int rtc_reactor_add_signal(struct rtc_reactor *r, int signo, rtc_signal_fn fn, void *userdata);

/* UDP. Receive: multishot recvmsg into a provided buffer ring (io_uring) or recvmmsg
 * batches (epoll); `data` is valid only during the callback (the buffer goes back to
 * the ring afterwards). Send: queued and batched per iteration (io_uring SENDMSG SQEs
 * submitted together, or sendmmsg on epoll), flushed before the reactor blocks;
 * rtc_udp_flush forces it. Errors of a send are counted, not fatal.
 * Datagrams larger than RTC_UDP_MAX_DATAGRAM are rejected by rtc_udp_send (-EMSGSIZE)
 * and dropped whole on receive. rtc_udp_send says -ENOBUFS while RTC_UDP_SEND_QUEUE_MAX
 * (1024) packets of the socket are queued or not yet completed (on io_uring,
 * completions are reaped by the loop: send more at the next iteration).
 * Sockets are bound to the given address, IPv6 ones with IPV6_V6ONLY.
 * The receive callback may close the socket; rtc_udp_close also frees it. */
#define RTC_UDP_MAX_DATAGRAM 2048u

struct rtc_udp_socket;
typedef void (*rtc_udp_recv_fn)(void *userdata, struct rtc_udp_socket *s,
                                const uint8_t *data, size_t len,
                                const struct sockaddr *from, socklen_t fromlen);
int  rtc_udp_open(struct rtc_reactor *r, const struct sockaddr *bind_addr, socklen_t len,
                  rtc_udp_recv_fn fn, void *userdata, struct rtc_udp_socket **out);
/* Runs a datagram socket the caller set up itself (bound, options such as
 * multicast membership or SO_REUSEADDR already applied) on the reactor, which
 * owns it from now on (made non-blocking; closed by rtc_udp_close). 0 or -errno;
 * on failure the fd is still the caller's. */
int  rtc_udp_adopt(struct rtc_reactor *r, int fd, rtc_udp_recv_fn fn, void *userdata,
                   struct rtc_udp_socket **out);
int  rtc_udp_local_address(const struct rtc_udp_socket *s, struct sockaddr_storage *addr,
                           socklen_t *len);
int  rtc_udp_send(struct rtc_udp_socket *s, const void *data, size_t len,
                  const struct sockaddr *to, socklen_t tolen);   /* copies data; 0 or -errno */
void rtc_udp_flush(struct rtc_udp_socket *s);
/* During the receive callback: when the datagram arrived, on the reactor's
 * clock (CLOCK_MONOTONIC ns) — the kernel's receive timestamp, earlier than
 * rtc_reactor_now when the reactor was busy; rtc_reactor_now where the
 * kernel gave none. */
uint64_t rtc_udp_arrival_time(const struct rtc_udp_socket *s);
/* Queued datagrams to one destination, of one size but the last (which may be
 * shorter), leave in one sendmsg with UDP GSO (UDP_SEGMENT) when the kernel
 * takes it: up to 64 of them and 65,000 bytes. On the wire they are the same
 * datagrams in the same order. A socket whose GSO send is refused (route MTU,
 * no checksum offload, IPsec) sends those datagrams again one by one and stops
 * using GSO; none is lost. rtc_udp_disable_gso makes a socket send one
 * datagram per sendmsg from now on (for measurements and comparisons). */
void rtc_udp_disable_gso(struct rtc_udp_socket *s);
/* packets_sent and bytes_sent count datagrams on the wire, whatever the sends
 * that carried them; sends counts the send operations the kernel completed
 * (an io_uring SENDMSG, a message of an epoll sendmmsg: each one trip through
 * its UDP send path), one per datagram or per GSO run; gso_sends counts the
 * sends that carried more than one, gso_refusals the times the kernel
 * refused GSO (at most one: GSO stops). */
struct rtc_udp_stats { uint64_t packets_received, bytes_received, packets_sent,
                       bytes_sent, send_errors, receive_rearms,
                       gso_sends, gso_refusals, sends; };
void rtc_udp_get_stats(const struct rtc_udp_socket *s, struct rtc_udp_stats *out);
/* The same, summed over every UDP socket the reactor has had, open or closed. */
void rtc_reactor_udp_stats(const struct rtc_reactor *r, struct rtc_udp_stats *out);
/* The environment variable RTCD_UDP_GSO=off makes every socket opened from
 * then on send one datagram per send (rtc_udp_disable_gso): the reference
 * path, for measurements against GSO. RTCD_UDP_STATS=1 has the reactor log
 * its sockets' totals (rtc_reactor_udp_stats) when it is freed, at notice
 * priority (info otherwise: seen with --verbose). */
void rtc_udp_close(struct rtc_udp_socket *s);

/* Tuning: how many receive buffers (of RTC_UDP_MAX_DATAGRAM bytes) the io_uring
 * provided-buffer ring that all UDP sockets share holds; a power of two from 1 to
 * 32768, default RTC_UDP_RECEIVE_BUFFERS_DEFAULT. Takes effect when the first socket
 * opens; the epoll backend ignores it. Returns 0 or -EINVAL. */
#define RTC_UDP_RECEIVE_BUFFERS_DEFAULT 256u
int rtc_reactor_set_udp_receive_buffers(struct rtc_reactor *r, unsigned count);
