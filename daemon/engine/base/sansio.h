/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sans-I/O contract every engine module keeps.
 *
 * A module is a state machine. It owns no socket, no timer, no thread and
 * reads no clock: the caller passes the time in, feeds it what arrived,
 * and takes out what it wants sent and what happened. So each module is
 * tested with a fake clock and fake packets, deterministically, and two
 * engines can talk to each other inside one test process.
 *
 * The verbs, the same in every module (rtc_<module>_<verb>):
 *
 *   handle_receive(m, now, data, len, ...)   bytes that arrived for it
 *   handle_timeout(m, now)                   its deadline has come
 *   poll_transmit(m, &out)                   next bytes to send, or false
 *   poll_event(m, &ev)                       next thing that happened, or false
 *   deadline(m)                              when handle_timeout is due next
 *                                            (RTC_NEVER: nothing to wait for)
 *   state_name(state)                        a state as W3C or the RFC spells it
 *
 * After any call that feeds a module (handle_receive, handle_timeout, or an
 * API call such as send), the caller drains poll_transmit and poll_event
 * until they return false, then asks deadline() again: a module never calls
 * back into its owner. The whole peer connection (engine/pc) keeps the same
 * contract one level up, with one output verb for all three:
 * rtc_pc_poll_output returns a datagram, an event, or the next deadline.
 *
 * Time is uint64_t nanoseconds of CLOCK_MONOTONIC, as the caller reads it.
 */
#pragma once

#include <stdint.h>

/* A deadline that never comes. */
#define RTC_NEVER UINT64_MAX
