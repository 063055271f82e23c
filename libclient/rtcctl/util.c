/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by rtcctl's commands: errors, numbers, SDP in and out,
 * and short event loops. (Events are printed by events.c.)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtcctl.h"

/* Far above any real SDP; stops a runaway pipe from eating memory. */
#define MAX_SDP_SIZE (1024 * 1024)
/* ICE gathering normally finishes well within this; the SDP given then has
 * whatever candidates were found. */
#define GATHER_TIMEOUT_MS 5000

int rtcctl_fail(const char *what, const rtc_error *error)
{
	fprintf(stderr, "rtcctl: %s: %s (%s)\n", what,
		error && error->message ? error->message : "failed",
		error && error->name ? error->name : "unknown error");
	return RTCCTL_FAILED;
}

int rtcctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rtcctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'rtcctl --help'.\n", stderr);
	return RTCCTL_USAGE;
}

bool rtcctl_parse_uint(const char *s, unsigned long max, unsigned long *value)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*value = v;
	return true;
}

static bool is_utf8(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; ) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 :
			   (c & 0xf8) == 0xf0 ? 3 : 4;

		if (c == 0 || n == 4 || i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

char *rtcctl_read_sdp(FILE *in, const char *source)
{
	char *raw = malloc(MAX_SDP_SIZE + 1), *sdp, *out;
	size_t len = 0, n;

	if (!raw) {
		fputs("rtcctl: out of memory\n", stderr);
		return NULL;
	}
	while ((n = fread(raw + len, 1, MAX_SDP_SIZE + 1 - len, in)) > 0)
		len += n;
	if (ferror(in) || len > MAX_SDP_SIZE || len == 0 ||
	    !is_utf8((unsigned char *)raw, len)) {
		fprintf(stderr, "rtcctl: expected an SDP on %s (%s)\n", source,
			ferror(in) ? strerror(errno) : len == 0 ? "it was empty" :
			len > MAX_SDP_SIZE ? "more than 1 MiB" : "not UTF-8 text");
		free(raw);
		return NULL;
	}
	raw[len] = '\0';

	/* Pasted SDPs often lose their CRs: rebuild every line as "...\r\n",
	 * dropping blank lines and surrounding white space. */
	sdp = malloc(2 * len + 3);
	if (!sdp) {
		free(raw);
		fputs("rtcctl: out of memory\n", stderr);
		return NULL;
	}
	out = sdp;
	for (char *line = raw, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		size_t l = strlen(line);
		while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
			l--;
		if (l == 0)
			continue;
		memcpy(out, line, l);
		out += l;
		*out++ = '\r';
		*out++ = '\n';
	}
	*out = '\0';
	free(raw);
	return sdp;
}

void rtcctl_print_sdp(FILE *out, const char *indent, const char *sdp)
{
	for (const char *line = sdp; *line; ) {
		size_t l = strcspn(line, "\r\n");

		fprintf(out, "%s%.*s\n", indent, (int)l, line);
		line += l;
		if (*line == '\r')
			line++;
		if (*line == '\n')
			line++;
	}
}

int rtcctl_write_local_description(rtc_client *client, rtc_peer_connection *pc,
				   bool *gathered, FILE *out)
{
	rtc_error error = RTC_ERROR_INIT;
	char *type, *sdp, *state;
	bool gathering;
	int ret;

	state = rtc_peer_connection_get_ice_gathering_state(pc, &error);
	if (!state) {
		ret = rtcctl_fail("IceGatheringState", &error);
		rtc_error_clear(&error);
		return ret;
	}
	*gathered = strcmp(state, "complete") == 0;
	gathering = strcmp(state, "gathering") == 0;
	free(state);
	if (gathering && !rtcctl_wait_for(client, gathered, GATHER_TIMEOUT_MS))
		fprintf(stderr, "rtcctl: ICE gathering did not complete within %d s; "
			"giving the candidates found so far\n", GATHER_TIMEOUT_MS / 1000);

	if (rtc_peer_connection_get_local_description(pc, &type, &sdp, &error) < 0) {
		ret = rtcctl_fail("LocalDescription", &error);
		rtc_error_clear(&error);
		return ret;
	}
	rtcctl_print_sdp(out, "", sdp);
	fputc('\n', out);
	free(type);
	free(sdp);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "rtcctl: cannot write the SDP: %s\n", strerror(errno));
		return RTCCTL_FAILED;
	}
	return RTCCTL_OK;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rtcctl_settle(rtc_client *client, int quiet_ms)
{
	int r;

	while ((r = rtc_client_wait(client, quiet_ms, NULL)) > 0)
		;
	return r;
}

bool rtcctl_wait_for(rtc_client *client, const bool *done, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	/* Events already queued may settle it before any waiting. */
	rtc_client_dispatch(client, NULL);
	while (!*done) {
		long long left = deadline - now_ms();

		if (left <= 0 || rtc_client_wait(client, (int)left, NULL) < 0)
			break;
	}
	return *done;
}

void rtcctl_print_data_session(const char *indent, const char *sdp)
{
	static const char *const wanted[] = {
		"a=mid:", "a=sctp-port:", "a=max-message-size:", "a=setup:",
		"a=fingerprint:", "a=ice-ufrag:",
	};
	bool in_application = false;

	for (const char *line = sdp; *line; ) {
		size_t l = strcspn(line, "\r\n");

		if (strncmp(line, "m=", 2) == 0)
			in_application = strncmp(line, "m=application", 13) == 0;
		bool show = in_application && strncmp(line, "m=", 2) == 0;
		for (size_t i = 0; in_application && i < sizeof(wanted) / sizeof(wanted[0]); i++)
			show = show || strncmp(line, wanted[i], strlen(wanted[i])) == 0;
		if (show)
			printf("%s%.*s\n", indent, (int)l, line);
		line += l;
		line += strspn(line, "\r\n");
	}
}

int rtcctl_write_local_description_to(rtc_client *client, rtc_peer_connection *pc,
				      bool *gathered, const char *path)
{
	FILE *out = path ? fopen(path, "we") : stdout;
	int ret;

	if (!out) {
		fprintf(stderr, "rtcctl: %s: %s\n", path, strerror(errno));
		return RTCCTL_FAILED;
	}
	ret = rtcctl_write_local_description(client, pc, gathered, out);
	if (path && fclose(out) != 0 && ret == RTCCTL_OK) {
		fprintf(stderr, "rtcctl: %s: %s\n", path, strerror(errno));
		ret = RTCCTL_FAILED;
	}
	return ret;
}

char *rtcctl_read_sdp_from(const char *path)
{
	FILE *in = path ? fopen(path, "re") : stdin;
	char *sdp;

	if (!in) {
		fprintf(stderr, "rtcctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	sdp = rtcctl_read_sdp(in, path ? path : "standard input");
	if (path)
		fclose(in);
	return sdp;
}
