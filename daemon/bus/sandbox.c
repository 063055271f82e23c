/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recognizing a Flatpak app: Flatpak puts a keyfile at /.flatpak-info in the
 * sandbox's root, [Application] name=<app id>, which we read through
 * /proc/<pid>/root, the way xdg-desktop-portal does. The pid comes from the
 * bus daemon; libdbus 1.14 has no pidfd to pin the process, so a client that
 * exits and whose pid is reused within the query could be misjudged. Every
 * doubt counts as sandboxed.
 */
#include "bus/bus-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLATPAK_INFO_MAX 16384

/* The value of name= in the [Application] group, or NULL. */
static char *parse_app_id(char *text)
{
	bool in_application = false;

	for (char *save, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (line[0] == '[') {
			in_application = strcmp(line, "[Application]") == 0;
			continue;
		}
		if (!in_application || strncmp(line, "name=", 5) != 0)
			continue;
		line += 5;
		if (!line[0])
			return NULL;
		for (const char *p = line; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return NULL;
		return strdup(line);
	}
	return NULL;
}

int rtc_bus_sandbox_detect(pid_t pid, char **app_id)
{
	char path[64], *text;
	struct stat st;
	ssize_t n;
	int root, fd;

	*app_id = NULL;
	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* O_NONBLOCK: a FIFO planted there must not hang the daemon. */
	fd = openat(root, ".flatpak-info", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	close(root);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 1;     /* something is there: a sandbox we cannot read */
	}
	text = malloc(FLATPAK_INFO_MAX + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, text, FLATPAK_INFO_MAX);
	close(fd);
	if (n > 0) {
		text[n] = '\0';
		*app_id = parse_app_id(text);
	}
	free(text);
	return 1;
}
