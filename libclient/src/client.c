/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client: one private bus connection, the fd an application polls, and
 * the blocking method calls every other module is built on.
 *
 * Main-loop integration without watch callbacks: the fd handed out is an
 * epoll instance holding the bus socket and an eventfd. libdbus may read
 * messages off the socket while a blocking call waits for its reply; those
 * sit in libdbus's queue where polling the socket would not see them, so the
 * dispatch-status callback raises the eventfd whenever the queue is not
 * empty. Either way the one fd turns readable.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_TIMEOUT_MS 25000

static void pending_raise(rtc_client *client)
{
	uint64_t one = 1;

	/* Can only fail with EAGAIN when the counter is already huge, which
	 * still leaves the fd readable: nothing to handle. */
	if (write(client->pending_fd, &one, sizeof(one)) < 0)
		return;
}

static void pending_clear(rtc_client *client)
{
	uint64_t value;

	while (read(client->pending_fd, &value, sizeof(value)) > 0)
		;
}

static void on_dispatch_status(DBusConnection *conn, DBusDispatchStatus status, void *data)
{
	if (status == DBUS_DISPATCH_DATA_REMAINS)
		pending_raise(data);
}

static DBusConnection *bus_open(enum rtc_bus bus, const char *address, rtc_error *error)
{
	DBusConnection *conn = NULL;
	DBusError dbus_error;

	dbus_error_init(&dbus_error);
	if (bus == RTC_BUS_DEFAULT) {
		const char *env = getenv("RTCD_BUS_ADDRESS");

		if (env && *env) {
			bus = RTC_BUS_ADDRESS;
			address = env;
		} else {
			bus = RTC_BUS_SESSION;
		}
	}

	switch (bus) {
	case RTC_BUS_SESSION:
		conn = dbus_bus_get_private(DBUS_BUS_SESSION, &dbus_error);
		break;
	case RTC_BUS_SYSTEM:
		conn = dbus_bus_get_private(DBUS_BUS_SYSTEM, &dbus_error);
		break;
	case RTC_BUS_ADDRESS:
		if (!address || !*address) {
			rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "No bus address given");
			return NULL;
		}
		conn = dbus_connection_open_private(address, &dbus_error);
		if (conn && !dbus_bus_register(conn, &dbus_error)) {
			dbus_connection_close(conn);
			dbus_connection_unref(conn);
			conn = NULL;
		}
		break;
	default:
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "Unknown bus type %d", (int)bus);
		return NULL;
	}
	if (!conn)
		rtc_error_take_dbus(error, &dbus_error);
	return conn;
}

static int epoll_add(int epoll_fd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static void client_free(rtc_client *client)
{
	if (client->conn) {
		dbus_connection_remove_filter(client->conn, rtc_events_filter, client);
		dbus_connection_set_dispatch_status_function(client->conn, NULL, NULL, NULL);
		dbus_connection_close(client->conn);
		dbus_connection_unref(client->conn);
	}
	if (client->epoll_fd >= 0)
		close(client->epoll_fd);
	if (client->pending_fd >= 0)
		close(client->pending_fd);
	free(client->daemon_name);
	free(client);
}

RTC_EXPORT rtc_client *rtc_client_new(enum rtc_bus bus, const char *address, rtc_error *error)
{
	rtc_client *client;
	int socket_fd;

	client = calloc(1, sizeof(*client));
	if (!client) {
		rtc_error_set_oom(error);
		return NULL;
	}
	client->refs = 1;
	client->timeout_ms = DEFAULT_TIMEOUT_MS;
	client->epoll_fd = -1;
	client->pending_fd = -1;

	client->conn = bus_open(bus, address, error);
	if (!client->conn)
		goto fail;
	/* libdbus's default is to _exit() the process when the bus goes away;
	 * a library must never do that to its application. */
	dbus_connection_set_exit_on_disconnect(client->conn, FALSE);

	client->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	client->pending_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (client->epoll_fd < 0 || client->pending_fd < 0 ||
	    !dbus_connection_get_unix_fd(client->conn, &socket_fd) ||
	    epoll_add(client->epoll_fd, socket_fd) < 0 ||
	    epoll_add(client->epoll_fd, client->pending_fd) < 0) {
		rtc_error_setf(error, DBUS_ERROR_FAILED, "Cannot set up the client's fd: %s",
			       strerror(errno));
		goto fail;
	}

	if (!dbus_connection_add_filter(client->conn, rtc_events_filter, client, NULL)) {
		rtc_error_set_oom(error);
		goto fail;
	}
	dbus_connection_set_dispatch_status_function(client->conn, on_dispatch_status,
						     client, NULL);
	/* The daemon unicasts its signals to us, which needs no match rule. */
	if (dbus_connection_get_dispatch_status(client->conn) == DBUS_DISPATCH_DATA_REMAINS)
		pending_raise(client);
	return client;

fail:
	client_free(client);
	return NULL;
}

RTC_EXPORT rtc_client *rtc_client_ref(rtc_client *client)
{
	if (client)
		client->refs++;
	return client;
}

RTC_EXPORT void rtc_client_unref(rtc_client *client)
{
	if (client && --client->refs == 0)
		client_free(client);
}

RTC_EXPORT void rtc_client_set_timeout(rtc_client *client, int timeout_ms)
{
	client->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
}

RTC_EXPORT const char *rtc_client_get_unique_name(const rtc_client *client)
{
	return dbus_bus_get_unique_name(client->conn);
}

RTC_EXPORT int rtc_client_get_fd(const rtc_client *client)
{
	return client->epoll_fd;
}

RTC_EXPORT void rtc_client_set_event_callback(rtc_client *client, rtc_event_fn callback,
					      void *userdata)
{
	client->event_fn = callback;
	client->event_userdata = userdata;
}

RTC_EXPORT int rtc_client_dispatch(rtc_client *client, rtc_error *error)
{
	/* Called from an event callback: the outer call delivers the rest. */
	if (client->dispatching)
		return 0;
	/* Non-blocking: read what the socket has, flush what is queued. */
	dbus_connection_read_write(client->conn, 0);

	/* A callback may drop the application's last reference. */
	rtc_client_ref(client);
	client->dispatching = true;
	while (dbus_connection_dispatch(client->conn) == DBUS_DISPATCH_DATA_REMAINS)
		;
	client->dispatching = false;
	/* Reading may have raised the eventfd for messages dispatched since. */
	pending_clear(client);
	if (dbus_connection_get_dispatch_status(client->conn) == DBUS_DISPATCH_DATA_REMAINS)
		pending_raise(client);
	bool disconnected = client->disconnected;
	rtc_client_unref(client);

	if (disconnected) {
		rtc_error_setf(error, DBUS_ERROR_DISCONNECTED, "The bus connection is closed");
		return -1;
	}
	return 0;
}

RTC_EXPORT int rtc_client_wait(rtc_client *client, int timeout_ms, rtc_error *error)
{
	struct pollfd pfd = { .fd = client->epoll_fd, .events = POLLIN };
	int n;

	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rtc_error_setf(error, DBUS_ERROR_FAILED, "poll: %s", strerror(errno));
		return -1;
	}
	if (n == 0)
		return 0;
	return rtc_client_dispatch(client, error) < 0 ? -1 : 1;
}

DBusMessage *rtc_client_new_call(const char *path, const char *interface,
				 const char *method, rtc_error *error)
{
	DBusMessage *call;

	if (!path || !dbus_validate_path(path, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "Invalid object path");
		return NULL;
	}
	call = dbus_message_new_method_call(RTCD_SERVICE, path, interface, method);
	if (!call)
		rtc_error_set_oom(error);
	return call;
}

static void remember_daemon(rtc_client *client, DBusMessage *reply)
{
	const char *sender = dbus_message_get_sender(reply);

	if (!sender || (client->daemon_name && strcmp(client->daemon_name, sender) == 0))
		return;
	char *copy = strdup(sender);
	if (copy) {
		free(client->daemon_name);
		client->daemon_name = copy;
	}
}

DBusMessage *rtc_client_call(rtc_client *client, DBusMessage *call, rtc_error *error)
{
	DBusError dbus_error;
	DBusMessage *reply;

	if (!call)
		return NULL;
	dbus_error_init(&dbus_error);
	reply = dbus_connection_send_with_reply_and_block(client->conn, call,
							  client->timeout_ms, &dbus_error);
	dbus_message_unref(call);
	if (!reply) {
		rtc_error_take_dbus(error, &dbus_error);
		return NULL;
	}
	remember_daemon(client, reply);
	return reply;
}

int rtc_client_call_simple(rtc_client *client, const char *path, const char *interface,
			   const char *method, rtc_error *error)
{
	DBusMessage *reply;

	reply = rtc_client_call(client, rtc_client_new_call(path, interface, method, error),
				error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

bool rtc_reply_read(DBusMessage *reply, int type, void *value, rtc_error *error)
{
	DBusMessageIter iter;

	if (!dbus_message_iter_init(reply, &iter) ||
	    dbus_message_iter_get_arg_type(&iter) != type) {
		const char *sig = dbus_message_get_signature(reply);

		rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
			       "Unexpected reply signature \"%s\" from the daemon (wanted \"%c\")",
			       sig ? sig : "", (char)type);
		return false;
	}
	dbus_message_iter_get_basic(&iter, value);
	return true;
}

DBusMessage *rtc_client_get_property(rtc_client *client, const char *path,
				     const char *interface, const char *name,
				     const char *expected_signature,
				     DBusMessageIter *value, rtc_error *error)
{
	DBusMessage *call, *reply;
	DBusMessageIter iter;

	call = rtc_client_new_call(path, DBUS_INTERFACE_PROPERTIES, "Get", error);
	if (!call)
		return NULL;
	if (!dbus_message_append_args(call, DBUS_TYPE_STRING, &interface,
				      DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return NULL;
	}
	reply = rtc_client_call(client, call, error);
	if (!reply)
		return NULL;

	if (!dbus_message_iter_init(reply, &iter) ||
	    dbus_message_iter_get_arg_type(&iter) != DBUS_TYPE_VARIANT)
		goto bad;
	dbus_message_iter_recurse(&iter, value);
	char *sig = dbus_message_iter_get_signature(value);
	bool match = sig && strcmp(sig, expected_signature) == 0;
	dbus_free(sig);
	if (!match)
		goto bad;
	return reply;

bad:
	rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
		       "Property %s.%s is not of type \"%s\"", interface, name,
		       expected_signature);
	dbus_message_unref(reply);
	return NULL;
}

char *rtc_client_get_string_property(rtc_client *client, const char *path,
				     const char *interface, const char *name,
				     rtc_error *error)
{
	DBusMessageIter value;
	DBusMessage *reply;
	const char *s;
	char *copy;

	reply = rtc_client_get_property(client, path, interface, name, "s", &value, error);
	if (!reply)
		return NULL;
	dbus_message_iter_get_basic(&value, &s);
	copy = strdup(s);
	dbus_message_unref(reply);
	if (!copy)
		rtc_error_set_oom(error);
	return copy;
}

RTC_EXPORT char *rtc_client_get_version(rtc_client *client, rtc_error *error)
{
	return rtc_client_get_string_property(client, RTCD_ROOT_PATH, RTCD_IFACE_MANAGER,
					      "Version", error);
}

char **rtc_client_get_paths_property(rtc_client *client, const char *path,
				     const char *interface, const char *name,
				     rtc_error *error)
{
	DBusMessageIter variant, array;
	DBusMessage *reply;
	char **paths;
	size_t n = 0;

	reply = rtc_client_get_property(client, path, interface, name, "ao", &variant, error);
	if (!reply)
		return NULL;
	paths = calloc((size_t)dbus_message_iter_get_element_count(&variant) + 1,
		       sizeof(*paths));
	for (dbus_message_iter_recurse(&variant, &array);
	     paths && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_OBJECT_PATH;
	     dbus_message_iter_next(&array)) {
		const char *element;

		dbus_message_iter_get_basic(&array, &element);
		if (!(paths[n++] = strdup(element))) {
			rtc_strv_free(paths);
			paths = NULL;
		}
	}
	dbus_message_unref(reply);
	if (!paths)
		rtc_error_set_oom(error);
	return paths;
}

int rtc_client_get_bool_property(rtc_client *client, const char *path,
				 const char *interface, const char *name, bool *value,
				 rtc_error *error)
{
	DBusMessageIter variant;
	DBusMessage *reply;
	dbus_bool_t b;

	reply = rtc_client_get_property(client, path, interface, name, "b", &variant, error);
	if (!reply)
		return -1;
	dbus_message_iter_get_basic(&variant, &b);
	*value = b;
	dbus_message_unref(reply);
	return 0;
}

int rtc_client_set_bool_property(rtc_client *client, const char *path,
				 const char *interface, const char *name, bool value,
				 rtc_error *error)
{
	DBusMessageIter iter, variant;
	dbus_bool_t b = value;
	DBusMessage *call, *reply;

	call = rtc_client_new_call(path, DBUS_INTERFACE_PROPERTIES, "Set", error);
	if (!call)
		return -1;
	dbus_message_iter_init_append(call, &iter);
	if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &interface) ||
	    !dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &name) ||
	    !dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, "b", &variant) ||
	    !dbus_message_iter_append_basic(&variant, DBUS_TYPE_BOOLEAN, &b) ||
	    !dbus_message_iter_close_container(&iter, &variant)) {
		dbus_message_unref(call);
		rtc_error_set_oom(error);
		return -1;
	}
	reply = rtc_client_call(client, call, error);
	if (!reply)
		return -1;
	dbus_message_unref(reply);
	return 0;
}

void rtc_client_watch_devices(rtc_client *client)
{
	/* DeviceChange is the one signal the daemon broadcasts. No error
	 * pointer: the rule is sent without waiting for the bus's reply. */
	if (client->watching_devices)
		return;
	dbus_bus_add_match(client->conn,
			   "type='signal',sender='" RTCD_SERVICE "',interface='"
			   RTCD_IFACE_MANAGER "',member='DeviceChange',path='" RTCD_ROOT_PATH "'",
			   NULL);
	client->watching_devices = true;
}
