/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common/sd-notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int rtc_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t path_len;
	socklen_t addr_len;
	ssize_t n;
	int fd, saved;

	if (!path || !*path)
		return 0;
	/* An absolute path, or "@name" for the abstract namespace. */
	path_len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || path_len >= sizeof(addr.sun_path))
		return -EINVAL;
	memcpy(addr.sun_path, path, path_len);
	if (addr.sun_path[0] == '@')
		addr.sun_path[0] = '\0';
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len);
	saved = errno;
	close(fd);
	return n < 0 ? -saved : 1;
}
