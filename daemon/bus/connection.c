/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus connection, run on the reactor: libdbus's watches become reactor
 * fd watches, its timeouts reactor timers, and dispatching happens from an
 * idle, never from inside a libdbus callback.
 */
#include "bus/bus-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "io/reactor.h"

/* Messages dispatched per idle before yielding to the other fds. */
#define DISPATCH_BATCH 64

/* ---- watches ----------------------------------------------------------- */

/* libdbus makes two DBusWatch for one socket (reading, writing); the reactor
 * wants one watch per fd, with the union of the enabled flags. */
struct rtc_bus_fd {
	struct rtc_bus_fd *next;
	struct rtc_bus *bus;
	int fd;
	struct rtc_watch *watch;
	uint32_t events;
};

static uint32_t poll_events(unsigned dbus_flags)
{
	return (dbus_flags & DBUS_WATCH_READABLE ? POLLIN : 0) |
	       (dbus_flags & DBUS_WATCH_WRITABLE ? POLLOUT : 0);
}

static unsigned dbus_flags_of(uint32_t revents)
{
	return (revents & POLLIN ? DBUS_WATCH_READABLE : 0) |
	       (revents & POLLOUT ? DBUS_WATCH_WRITABLE : 0) |
	       (revents & POLLERR ? DBUS_WATCH_ERROR : 0) |
	       (revents & POLLHUP ? DBUS_WATCH_HANGUP : 0);
}

static bool watch_is_registered(struct rtc_bus *bus, DBusWatch *w)
{
	for (size_t i = 0; i < bus->n_watches; i++)
		if (bus->watches[i] == w)
			return true;
	return false;
}

static void on_fd_ready(void *userdata, int fd, uint32_t revents)
{
	struct rtc_bus_fd *bfd = userdata;
	struct rtc_bus *bus = bfd->bus;
	DBusWatch *mine[8];
	size_t n = 0;

	/* Handling one watch may add or remove others (even free bfd), so work
	 * from a snapshot and check each is still there before handling it. */
	for (size_t i = 0; i < bus->n_watches && n < 8; i++)
		if (dbus_watch_get_unix_fd(bus->watches[i]) == fd)
			mine[n++] = bus->watches[i];

	for (size_t i = 0; i < n; i++) {
		unsigned flags;

		if (!watch_is_registered(bus, mine[i]) || !dbus_watch_get_enabled(mine[i]))
			continue;
		flags = dbus_flags_of(revents) &
			(dbus_watch_get_flags(mine[i]) | DBUS_WATCH_ERROR | DBUS_WATCH_HANGUP);
		if (flags)
			dbus_watch_handle(mine[i], flags);
	}
}

/* Brings the reactor watch of `fd` in line with the DBusWatches on it. */
static bool sync_fd(struct rtc_bus *bus, int fd)
{
	struct rtc_bus_fd **link, *bfd;
	uint32_t events = 0;
	bool used = false;

	for (size_t i = 0; i < bus->n_watches; i++) {
		if (dbus_watch_get_unix_fd(bus->watches[i]) != fd)
			continue;
		used = true;
		if (dbus_watch_get_enabled(bus->watches[i]))
			events |= poll_events(dbus_watch_get_flags(bus->watches[i]));
	}

	for (link = &bus->fds; *link && (*link)->fd != fd; link = &(*link)->next)
		;
	bfd = *link;

	if (!used) {
		if (bfd) {
			*link = bfd->next;
			rtc_watch_remove(bfd->watch);
			free(bfd);
		}
		return true;
	}
	if (!bfd) {
		bfd = calloc(1, sizeof(*bfd));
		if (!bfd)
			return false;
		bfd->bus = bus;
		bfd->fd = fd;
		bfd->events = events;
		bfd->watch = rtc_watch_add(bus->reactor, fd, events, on_fd_ready, bfd);
		if (!bfd->watch) {
			rtc_err("bus: cannot watch fd %d: %s", fd, strerror(errno));
			free(bfd);
			return false;
		}
		bfd->next = bus->fds;
		bus->fds = bfd;
		return true;
	}
	if (bfd->events != events) {
		int r = rtc_watch_update(bfd->watch, events);

		if (r < 0) {
			rtc_err("bus: cannot update the watch of fd %d: %s", fd, strerror(-r));
			return false;
		}
		bfd->events = events;
	}
	return true;
}

static dbus_bool_t add_watch(DBusWatch *w, void *data)
{
	struct rtc_bus *bus = data;
	DBusWatch **watches = reallocarray(bus->watches, bus->n_watches + 1, sizeof(*watches));

	if (!watches)
		return FALSE;
	bus->watches = watches;
	bus->watches[bus->n_watches++] = w;
	if (!sync_fd(bus, dbus_watch_get_unix_fd(w))) {
		bus->n_watches--;
		return FALSE;
	}
	return TRUE;
}

static void remove_watch(DBusWatch *w, void *data)
{
	struct rtc_bus *bus = data;

	for (size_t i = 0; i < bus->n_watches; i++) {
		if (bus->watches[i] != w)
			continue;
		bus->watches[i] = bus->watches[--bus->n_watches];
		sync_fd(bus, dbus_watch_get_unix_fd(w));
		return;
	}
}

static void toggle_watch(DBusWatch *w, void *data)
{
	sync_fd(data, dbus_watch_get_unix_fd(w));
}

/* ---- timeouts ------------------------------------------------------------ */

struct rtc_bus_timeout {
	struct rtc_bus *bus;
	DBusTimeout *timeout;
	struct rtc_timer *timer;
};

static void arm_timeout(struct rtc_bus_timeout *bt)
{
	uint64_t interval_ns = (uint64_t)dbus_timeout_get_interval(bt->timeout) * 1000000u;

	if (dbus_timeout_get_enabled(bt->timeout))
		rtc_timer_arm(bt->timer, rtc_reactor_now(bt->bus->reactor) + interval_ns);
	else
		rtc_timer_disarm(bt->timer);
}

static void on_timer(void *userdata)
{
	struct rtc_bus_timeout *bt = userdata;

	/* libdbus timeouts repeat until removed. Re-arm first: handling may
	 * remove the timeout, which frees bt. */
	arm_timeout(bt);
	dbus_timeout_handle(bt->timeout);
}

static dbus_bool_t add_timeout(DBusTimeout *t, void *data)
{
	struct rtc_bus *bus = data;
	struct rtc_bus_timeout *bt = calloc(1, sizeof(*bt));

	if (!bt)
		return FALSE;
	bt->bus = bus;
	bt->timeout = t;
	bt->timer = rtc_timer_new(bus->reactor, on_timer, bt);
	if (!bt->timer) {
		free(bt);
		return FALSE;
	}
	dbus_timeout_set_data(t, bt, NULL);
	arm_timeout(bt);
	return TRUE;
}

static void remove_timeout(DBusTimeout *t, void *data)
{
	struct rtc_bus_timeout *bt = dbus_timeout_get_data(t);

	if (!bt)
		return;
	dbus_timeout_set_data(t, NULL, NULL);
	rtc_timer_free(bt->timer);
	free(bt);
}

static void toggle_timeout(DBusTimeout *t, void *data)
{
	struct rtc_bus_timeout *bt = dbus_timeout_get_data(t);

	if (bt)
		arm_timeout(bt);
}

/* ---- dispatching ----------------------------------------------------------- */

static void on_dispatch_idle(void *userdata)
{
	struct rtc_bus *bus = userdata;
	DBusDispatchStatus status = DBUS_DISPATCH_DATA_REMAINS;

	for (int i = 0; i < DISPATCH_BATCH && status == DBUS_DISPATCH_DATA_REMAINS; i++)
		status = dbus_connection_dispatch(bus->conn);
	/* NEED_MEMORY: try again at the next iteration rather than spin here. */
	if (status != DBUS_DISPATCH_COMPLETE)
		rtc_idle_schedule(bus->dispatch_idle);
}

static void on_dispatch_status(DBusConnection *conn, DBusDispatchStatus status, void *data)
{
	struct rtc_bus *bus = data;

	if (status != DBUS_DISPATCH_COMPLETE)
		rtc_idle_schedule(bus->dispatch_idle);
}

/* Signals from the bus driver and libdbus itself; method calls go on to the
 * object path fallback. */
static DBusHandlerResult filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct rtc_bus *bus = data;
	const char *name, *old_owner, *new_owner;

	if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected") &&
	    dbus_message_has_path(msg, DBUS_PATH_LOCAL)) {
		rtc_err("bus: disconnected from the bus; stopping");
		rtc_reactor_quit(bus->reactor, EXIT_FAILURE);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_SIGNAL ||
	    !dbus_message_has_sender(msg, DBUS_SERVICE_DBUS) ||
	    !dbus_message_has_path(msg, DBUS_PATH_DBUS))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING,
				  &old_owner, DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID) &&
	    name[0] == ':' && new_owner[0] == '\0')
		rtc_bus_client_vanished(bus, name);
	else if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameLost") &&
		 dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID) &&
		 strcmp(name, bus->name) == 0)
		rtc_err("bus: lost the name %s", name);
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static DBusHandlerResult on_message(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct rtc_bus *bus = data;
	const char *why;
	uint64_t size;

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	size = rtc_bus_message_size(msg, RTC_BUS_MAX_MESSAGE_BYTES);
	if (size > RTC_BUS_MAX_MESSAGE_BYTES) {
		rtc_info("bus: refused a call of %s from %s: over %u bytes",
			 dbus_message_get_member(msg) ?: "?", dbus_message_get_sender(msg) ?: "?",
			 RTC_BUS_MAX_MESSAGE_BYTES);
		rtc_bus_refuse(bus, msg, DBUS_ERROR_LIMITS_EXCEEDED,
			       "Message too large: rtcd takes at most %u bytes in one call",
			       RTC_BUS_MAX_MESSAGE_BYTES);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if ((why = rtc_bus_backlog_refuses(bus, dbus_message_get_sender(msg)))) {
		rtc_bus_refuse(bus, msg, DBUS_ERROR_LIMITS_EXCEEDED, "%s", why);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	rtc_bus_client_receive(bus, msg);
	return DBUS_HANDLER_RESULT_HANDLED;
}

static const DBusObjectPathVTable fallback_vtable = { .message_function = on_message };

/* ---- open / close ----------------------------------------------------------- */

static const char *const kind_names[] = {
	[RTC_BUS_SESSION] = "session bus",
	[RTC_BUS_SYSTEM] = "system bus",
	[RTC_BUS_ADDRESS] = "bus",
};

static DBusConnection *connect_bus(const struct rtc_bus_options *opts, DBusError *e)
{
	DBusConnection *conn;

	switch (opts->kind) {
	case RTC_BUS_SESSION:
		return dbus_bus_get_private(DBUS_BUS_SESSION, e);
	case RTC_BUS_SYSTEM:
		return dbus_bus_get_private(DBUS_BUS_SYSTEM, e);
	case RTC_BUS_ADDRESS:
		if (!opts->address) {
			dbus_set_error_const(e, DBUS_ERROR_BAD_ADDRESS, "no bus address given");
			return NULL;
		}
		conn = dbus_connection_open_private(opts->address, e);
		if (!conn)
			return NULL;
		if (!dbus_bus_register(conn, e)) {
			dbus_connection_close(conn);
			dbus_connection_unref(conn);
			return NULL;
		}
		return conn;
	}
	dbus_set_error_const(e, DBUS_ERROR_INVALID_ARGS, "unknown bus kind");
	return NULL;
}

static int own_name(struct rtc_bus *bus, const char **err_msg)
{
	DBusError e = DBUS_ERROR_INIT;
	int r = dbus_bus_request_name(bus->conn, bus->name, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e);

	if (r == DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER || r == DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER)
		return 0;
	if (r == -1) {
		rtc_err("bus: cannot own %s: %s", bus->name, e.message);
		dbus_error_free(&e);
		*err_msg = "the bus refused to give us the well-known name";
		return -EACCES;
	}
	rtc_err("bus: %s is already owned by another connection", bus->name);
	*err_msg = "the well-known name is already owned by another process";
	return -EEXIST;
}

static void set_limits(DBusConnection *conn)
{
	/* A message over libdbus's limit is a corrupt stream to it: it would
	 * drop our connection, everyone's rtcd. So it takes whatever the bus
	 * may deliver, and RTC_BUS_MAX_MESSAGE_BYTES is ours to apply. */
	dbus_connection_set_max_message_size(conn, DBUS_MAXIMUM_MESSAGE_LENGTH);
	/* Unprocessed incoming bytes before libdbus stops reading the socket. */
	dbus_connection_set_max_received_size(conn, 4 * RTC_BUS_MAX_MESSAGE_BYTES);
	dbus_connection_set_max_message_unix_fds(conn, RTC_BUS_MAX_MESSAGE_FDS);
	dbus_connection_set_max_received_unix_fds(conn, 64 * RTC_BUS_MAX_MESSAGE_FDS);
}

/* Departures of unique names, to free their state and their objects. */
#define NAME_GONE_MATCH "type='signal',sender='" DBUS_SERVICE_DBUS "',path='" DBUS_PATH_DBUS \
	"',interface='" DBUS_INTERFACE_DBUS "',member='NameOwnerChanged',arg2=''"

static const char *object_key(const void *item)
{
	return ((const struct rtc_bus_object *)item)->path;
}

static const char *client_key(const void *item)
{
	return ((const struct rtc_bus_client *)item)->name;
}

int rtc_bus_open(struct rtc_reactor *r, const struct rtc_bus_options *opts,
		 rtc_bus_client_gone_fn client_gone, void *userdata,
		 struct rtc_bus **out, const char **err_msg)
{
	static const char *ignored;
	DBusError e = DBUS_ERROR_INIT;
	struct rtc_bus *bus;
	int ret;

	if (!err_msg)
		err_msg = &ignored;
	*err_msg = NULL;
	*out = NULL;
	if (!opts->name || !dbus_validate_bus_name(opts->name, NULL) || opts->name[0] == ':' ||
	    (unsigned)opts->kind > RTC_BUS_ADDRESS) {
		*err_msg = "invalid bus options";
		return -EINVAL;
	}

	bus = calloc(1, sizeof(*bus));
	if (!bus || !(bus->name = strdup(opts->name))) {
		free(bus);
		*err_msg = "out of memory";
		return -ENOMEM;
	}
	bus->reactor = r;
	bus->kind = opts->kind;
	bus->uid = geteuid();
	bus->client_gone = client_gone;
	bus->userdata = userdata;
	bus->objects.key_of = object_key;
	bus->clients.key_of = client_key;
	for (int q = 0; q < RTC_QUOTA_COUNT_; q++)
		bus->quota[q] = opts->quota[q] ? opts->quota[q] : rtc_bus_quota_default(q);
	bus->unread_timeout_ns = opts->unread_timeout_ns ? opts->unread_timeout_ns
							 : RTC_BUS_UNREAD_TIMEOUT_DEFAULT_NS;
	ret = rtc_object_numbering_init(&bus->numbering);
	if (ret < 0) {
		rtc_err("bus: no random key for object numbers: %s", strerror(-ret));
		*err_msg = "cannot read random bytes";
		goto fail;
	}

	bus->conn = connect_bus(opts, &e);
	if (!bus->conn) {
		rtc_err("bus: cannot connect to the %s: %s", kind_names[opts->kind], e.message);
		dbus_error_free(&e);
		*err_msg = "cannot connect to the bus";
		ret = -ECONNREFUSED;
		goto fail;
	}
	dbus_connection_set_exit_on_disconnect(bus->conn, FALSE);
	set_limits(bus->conn);

	/* Watch departures before owning the name: no client can have called
	 * us before that, so none can leave unnoticed. */
	dbus_bus_add_match(bus->conn, NAME_GONE_MATCH, &e);
	if (dbus_error_is_set(&e)) {
		rtc_err("bus: cannot watch NameOwnerChanged: %s", e.message);
		dbus_error_free(&e);
		*err_msg = "cannot subscribe to NameOwnerChanged";
		ret = -EIO;
		goto fail;
	}
	ret = -ENOMEM;
	*err_msg = "out of memory";
	bus->dispatch_idle = rtc_idle_new(r, on_dispatch_idle, bus);
	if (!bus->dispatch_idle ||
	    !dbus_connection_add_filter(bus->conn, filter, bus, NULL))
		goto fail;
	if (!dbus_connection_register_fallback(bus->conn, "/", &fallback_vtable, bus)) {
		dbus_connection_remove_filter(bus->conn, filter, bus);
		goto fail;
	}
	ret = own_name(bus, err_msg);
	if (ret < 0)
		goto fail_handlers;

	*err_msg = "cannot run the bus connection on the reactor";
	ret = -ENOMEM;
	dbus_connection_set_dispatch_status_function(bus->conn, on_dispatch_status, bus, NULL);
	if (!dbus_connection_set_watch_functions(bus->conn, add_watch, remove_watch,
						 toggle_watch, bus, NULL) ||
	    !dbus_connection_set_timeout_functions(bus->conn, add_timeout, remove_timeout,
						   toggle_timeout, bus, NULL))
		goto fail_loop;
	if (dbus_connection_get_dispatch_status(bus->conn) != DBUS_DISPATCH_COMPLETE)
		rtc_idle_schedule(bus->dispatch_idle);

	rtc_debug("bus: %s on the %s as %s", bus->name, kind_names[opts->kind],
		  dbus_bus_get_unique_name(bus->conn));
	*err_msg = NULL;
	*out = bus;
	return 0;

fail_loop:
	dbus_connection_set_watch_functions(bus->conn, NULL, NULL, NULL, NULL, NULL);
	dbus_connection_set_timeout_functions(bus->conn, NULL, NULL, NULL, NULL, NULL);
	dbus_connection_set_dispatch_status_function(bus->conn, NULL, NULL, NULL);
fail_handlers:
	dbus_connection_unregister_object_path(bus->conn, "/");
	dbus_connection_remove_filter(bus->conn, filter, bus);
fail:
	if (bus->conn) {
		dbus_connection_close(bus->conn);
		dbus_connection_unref(bus->conn);
	}
	if (bus->dispatch_idle)
		rtc_idle_free(bus->dispatch_idle);
	free(bus->name);
	free(bus);
	return ret;
}

void rtc_bus_close(struct rtc_bus *bus)
{
	if (!bus)
		return;
	rtc_bus_calls_abandon(bus);
	rtc_bus_objects_free(bus);
	rtc_bus_clients_free(bus);

	/* Our last answers go out; closing the connection releases the name. */
	dbus_connection_flush(bus->conn);
	dbus_connection_unregister_object_path(bus->conn, "/");
	dbus_connection_remove_filter(bus->conn, filter, bus);
	dbus_connection_set_dispatch_status_function(bus->conn, NULL, NULL, NULL);
	dbus_connection_set_watch_functions(bus->conn, NULL, NULL, NULL, NULL, NULL);
	dbus_connection_set_timeout_functions(bus->conn, NULL, NULL, NULL, NULL, NULL);
	dbus_connection_close(bus->conn);
	dbus_connection_unref(bus->conn);

	rtc_idle_free(bus->dispatch_idle);
	while (bus->fds) {
		struct rtc_bus_fd *next = bus->fds->next;

		rtc_watch_remove(bus->fds->watch);
		free(bus->fds);
		bus->fds = next;
	}
	free(bus->watches);
	free(bus->name);
	free(bus);
}

DBusConnection *rtc_bus_connection(struct rtc_bus *bus)
{
	return bus->conn;
}

void rtc_bus_send(struct rtc_bus *bus, DBusMessage *msg)
{
	/* A signal nobody can take is better dropped than queued without bound:
	 * the bus daemon has stopped reading from us. */
	if (dbus_message_get_type(msg) == DBUS_MESSAGE_TYPE_SIGNAL &&
	    dbus_connection_get_outgoing_size(bus->conn) > (long)RTC_BUS_MAX_OUTGOING_BYTES) {
		if (bus->dropped_signals++ % 1000 == 0)
			rtc_warn("bus: outgoing queue full, dropping signals (%llu so far)",
				 (unsigned long long)bus->dropped_signals);
		return;
	}
	/* A client that does not read costs itself only. */
	if (!rtc_bus_backlog_send(bus, msg))
		return;
	if (!dbus_connection_send(bus->conn, msg, NULL))
		rtc_err("bus: out of memory sending %s", dbus_message_get_member(msg) ?: "a reply");
}
