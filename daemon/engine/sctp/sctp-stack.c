/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usrsctp's process-wide state, in one place: the library is initialised
 * once, without threads of its own; its timers run on the caller's clock;
 * and its callbacks name associations by a number rather than a pointer.
 *
 * Why numbers: usrsctp may still emit a packet for an association after
 * usrsctp_close() (an ABORT, a last timer), and its callbacks carry whatever
 * we registered. A number that is looked up, and never reused, turns such a
 * late call into a dropped packet instead of a use after free.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <usrsctp.h>

#include "engine/sctp/sctp-private.h"

#define NS_PER_MS 1000000ull
/* The low bits of an id pick its slot, the high bits make it unique. */
#define SLOT_BITS 20u
#define SLOT_MASK ((1u << SLOT_BITS) - 1u)

static struct {
	bool initialized;
	bool clock_started;
	uint64_t clock;         /* ns: the time usrsctp's timers have reached */
	struct rtc_sctp **slots;
	uint32_t slots_len;
	uintptr_t generation;
	struct rtc_list dirty;  /* associations with work after usrsctp returns */
} stack;

static int conn_output(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df)
{
	struct rtc_sctp *sctp = rtc_sctp_stack_lookup((uintptr_t)addr);

	(void)tos;
	(void)set_df;
	if (sctp)
		rtc_sctp_queue_packet(sctp, buffer, length);
	return 0;
}

/* Settings shared by every association, the way WebRTC stacks built on
 * usrsctp (Chromium, libdatachannel) tune it. */
static void configure_stack(void)
{
	/* Off: ECN and ASCONF/AUTH mean nothing over DTLS, and the INIT
	 * parameters they add are refused by some peers. */
	usrsctp_sysctl_set_sctp_ecn_enable(0);
	usrsctp_sysctl_set_sctp_asconf_enable(0);
	usrsctp_sysctl_set_sctp_auth_enable(0);
	/* On: partial reliability and RE-CONFIG (stream reset) are required. */
	usrsctp_sysctl_set_sctp_pr_enable(1);
	usrsctp_sysctl_set_sctp_reconfig_enable(1);
	/* RFC 8831 section 5 wants the peer's stream count as is; cap ours. */
	usrsctp_sysctl_set_sctp_nr_outgoing_streams_default(RTC_SCTP_MAX_STREAMS);
	usrsctp_sysctl_set_sctp_rto_initial_default(1000);
	usrsctp_sysctl_set_sctp_rto_min_default(200);
	usrsctp_sysctl_set_sctp_rto_max_default(10000);
	usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
	usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
	/* ICE consent (RFC 7675) already checks the path every 5 s; SCTP's
	 * own heartbeat at usrsctp's and dcSCTP's 30 s keeps idle connections
	 * quiet (and their DTLS buffers released, engine/dtls.c). */
	usrsctp_sysctl_set_sctp_heartbeat_interval_default(30000);
	/* usrsctp's default of 512 chunks would cap the send buffer near
	 * 600 KB of 1200-byte packets. */
	usrsctp_sysctl_set_sctp_max_chunks_on_queue(10 * 1024);
	usrsctp_sysctl_set_sctp_initial_cwnd(10);   /* RFC 6928 */
	/* Each socket hashes its associations into a table of this many
	 * buckets (256 by default: 2 KiB per socket). Ours have exactly one
	 * association each, so one bucket is all a lookup ever walks.
	 * usrsctp reads it when a socket is created, so setting it after
	 * usrsctp_init (which resets the tunables to their defaults) holds. */
	usrsctp_tunable_set_sctp_pcbtblsize(1);
}

static int stack_init(struct rtc_error *err)
{
	if (stack.initialized)
		return 0;
	/* Port 0: no UDP encapsulation socket. NULL: no debug printer. */
	usrsctp_init_nothreads(0, conn_output, NULL);
	/* The checksum: computed on output by rtc_crc32c (the CPU's crc32
	 * instruction, not usrsctp's table loop), and not checked on input,
	 * where DTLS has authenticated every byte already (as dcSCTP may). */
	usrsctp_enable_crc32c_offload();
	configure_stack();
	rtc_list_init(&stack.dirty);
	stack.initialized = true;
	(void)err;
	return 0;
}

int rtc_sctp_stack_attach(struct rtc_sctp *sctp, struct rtc_error *err)
{
	uint32_t slot;

	if (stack_init(err) < 0)
		return -1;
	for (slot = 0; slot < stack.slots_len; slot++)
		if (!stack.slots[slot])
			break;
	if (slot == stack.slots_len) {
		uint32_t len = stack.slots_len ? stack.slots_len * 2 : 16;
		struct rtc_sctp **slots;

		if (len > SLOT_MASK + 1)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "too many SCTP associations");
		slots = realloc(stack.slots, len * sizeof(*slots));
		if (!slots)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		memset(slots + stack.slots_len, 0, (len - stack.slots_len) * sizeof(*slots));
		stack.slots = slots;
		stack.slots_len = len;
	}
	stack.generation++;
	sctp->id = stack.generation << SLOT_BITS | slot;
	stack.slots[slot] = sctp;
	rtc_list_init(&sctp->dirty_link);
	usrsctp_register_address((void *)sctp->id);
	return 0;
}

void rtc_sctp_stack_detach(struct rtc_sctp *sctp)
{
	uint32_t slot = (uint32_t)(sctp->id & SLOT_MASK);

	if (slot < stack.slots_len && stack.slots[slot] == sctp)
		stack.slots[slot] = NULL;
	rtc_list_unlink(&sctp->dirty_link);
}

void rtc_sctp_stack_forget(struct rtc_sctp *sctp)
{
	usrsctp_deregister_address((void *)sctp->id);
}

struct rtc_sctp *rtc_sctp_stack_lookup(uintptr_t id)
{
	uint32_t slot = (uint32_t)(id & SLOT_MASK);
	struct rtc_sctp *sctp;

	if (slot >= stack.slots_len)
		return NULL;
	sctp = stack.slots[slot];
	return sctp && sctp->id == id ? sctp : NULL;
}

void rtc_sctp_stack_advance(uint64_t now)
{
	uint64_t ms;

	if (!stack.clock_started) {
		stack.clock_started = true;
		stack.clock = now;
		return;
	}
	/* An older `now` comes from a caller that read the clock before
	 * another one ran: usrsctp is already past it. */
	if (now <= stack.clock)
		return;
	ms = (now - stack.clock) / NS_PER_MS;
	if (ms == 0)
		return;
	if (ms > UINT32_MAX)
		ms = UINT32_MAX;
	/* Keep the sub-millisecond rest for the next call. */
	stack.clock += ms * NS_PER_MS;
	usrsctp_handle_timers((uint32_t)ms);
}

uint64_t rtc_sctp_stack_clock(void)
{
	return stack.clock;
}

void rtc_sctp_stack_mark_dirty(struct rtc_sctp *sctp)
{
	if (!rtc_list_is_linked(&sctp->dirty_link))
		rtc_list_append(&stack.dirty, &sctp->dirty_link);
}

void rtc_sctp_stack_settle(void)
{
	while (!rtc_list_is_empty(&stack.dirty)) {
		struct rtc_sctp *sctp = rtc_container_of(stack.dirty.next, struct rtc_sctp,
							   dirty_link);

		rtc_list_unlink(&sctp->dirty_link);
		/* May call usrsctp again, and mark this or others dirty. */
		rtc_sctp_process(sctp);
		if (!sctp->in_call && sctp->config.wake &&
		    (!rtc_list_is_empty(&sctp->packets) || !rtc_list_is_empty(&sctp->events)))
			sctp->config.wake(sctp->config.user);
	}
}
