/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Handles on daemon objects (peer connections, data channels): a path, a
 * reference count and the application's user data. The client links the
 * live ones so that a signal finds the handle the application holds.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* "<prefix><decimal>" with no leading zeros, followed by `rest`. */
static const char *skip_numbered(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return NULL;
	s += n;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return NULL;
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

bool rtc_path_is_peer_connection(const char *path)
{
	const char *rest = path ? skip_numbered(path, RTCD_ROOT_PATH "/pc/") : NULL;

	return rest && *rest == '\0';
}

bool rtc_path_is_data_channel(const char *path)
{
	const char *rest = path ? skip_numbered(path, RTCD_ROOT_PATH "/pc/") : NULL;

	rest = rest ? skip_numbered(rest, "/dc/") : NULL;
	return rest && *rest == '\0';
}

bool rtc_path_is_transceiver(const char *path)
{
	const char *rest = path ? skip_numbered(path, RTCD_ROOT_PATH "/pc/") : NULL;

	rest = rest ? skip_numbered(rest, "/transceiver/") : NULL;
	return rest && *rest == '\0';
}

bool rtc_path_is_track(const char *path)
{
	const char *rest = path ? skip_numbered(path, RTCD_ROOT_PATH "/track/") : NULL;

	return rest && *rest == '\0';
}

struct rtc_proxy *rtc_proxy_for_path(rtc_client *client, const char *path, rtc_error *error)
{
	static const struct {
		bool (*matches)(const char *path);
		enum rtc_proxy_kind kind;
	} kinds[] = {
		{ rtc_path_is_peer_connection, RTC_PROXY_PEER_CONNECTION },
		{ rtc_path_is_data_channel, RTC_PROXY_DATA_CHANNEL },
		{ rtc_path_is_transceiver, RTC_PROXY_TRANSCEIVER },
		{ rtc_path_is_track, RTC_PROXY_TRACK },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].matches(path))
			return rtc_proxy_get(client, kinds[i].kind, path, error);
	rtc_error_setf(error, DBUS_ERROR_INVALID_SIGNATURE,
		       "The daemon sent \"%s\", which is no object path of the contract",
		       path ? path : "(null)");
	return NULL;
}

struct rtc_proxy *rtc_proxy_get(rtc_client *client, enum rtc_proxy_kind kind,
				const char *path, rtc_error *error)
{
	struct rtc_proxy *proxy;
	size_t size;

	for (proxy = client->proxies; proxy; proxy = proxy->next) {
		if (proxy->kind == kind && strcmp(proxy->path, path) == 0) {
			proxy->refs++;
			return proxy;
		}
	}

	/* Every handle type is a bare struct rtc_proxy. */
	size = sizeof(struct rtc_proxy);
	proxy = calloc(1, size);
	if (!proxy || !(proxy->path = strdup(path))) {
		free(proxy);
		rtc_error_set_oom(error);
		return NULL;
	}
	proxy->kind = kind;
	proxy->refs = 1;
	proxy->client = rtc_client_ref(client);
	proxy->next = client->proxies;
	if (proxy->next)
		proxy->next->prev = proxy;
	client->proxies = proxy;
	return proxy;
}

void rtc_proxy_ref(struct rtc_proxy *proxy)
{
	proxy->refs++;
}

void rtc_proxy_unref(struct rtc_proxy *proxy)
{
	rtc_client *client = proxy->client;

	if (--proxy->refs > 0)
		return;
	if (proxy->prev)
		proxy->prev->next = proxy->next;
	else
		client->proxies = proxy->next;
	if (proxy->next)
		proxy->next->prev = proxy->prev;
	free(proxy->path);
	free(proxy);
	rtc_client_unref(client);
}

RTC_EXPORT rtc_peer_connection *rtc_client_get_peer_connection(rtc_client *client,
							       const char *path,
							       rtc_error *error)
{
	if (!rtc_path_is_peer_connection(path)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "\"%s\" is not a peer connection path", path ? path : "(null)");
		return NULL;
	}
	return (rtc_peer_connection *)rtc_proxy_get(client, RTC_PROXY_PEER_CONNECTION, path,
						    error);
}

RTC_EXPORT rtc_data_channel *rtc_client_get_data_channel(rtc_client *client,
							 const char *path, rtc_error *error)
{
	if (!rtc_path_is_data_channel(path)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "\"%s\" is not a data channel path", path ? path : "(null)");
		return NULL;
	}
	return (rtc_data_channel *)rtc_proxy_get(client, RTC_PROXY_DATA_CHANNEL, path, error);
}
