/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The human forms rtcctl prints instead of wire values: one word for an
 * unset number, a readable time for a stats timestamp, a one-line summary
 * for a session description.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rtcctl.h"

#define DATA_CHANNEL_INTERFACE "org.rtcd.WebRTC1.DataChannel"

bool rtcctl_is_optional_number(const char *interface, const char *property)
{
	/* The contract's "0xffff = not set" properties, all on DataChannel:
	 * Id is null in W3C until the DTLS role is known. */
	static const char *const names[] = { "Id", "MaxPacketLifeTime", "MaxRetransmits" };

	if (!interface || strcmp(interface, DATA_CHANNEL_INTERFACE) != 0)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(property, names[i]) == 0)
			return true;
	return false;
}

const char *rtcctl_optional_number_text(uint16_t value, char buf[static 8])
{
	if (value == RTCCTL_UNSET_NUMBER)
		return RTCCTL_UNSET;
	snprintf(buf, 8, "%u", (unsigned)value);
	return buf;
}

bool rtcctl_is_timestamp_key(const char *key)
{
	static const char suffix[] = "Timestamp";
	size_t len = strlen(key), n = sizeof(suffix) - 1;

	/* "timestamp" and W3C's "...Timestamp" members (remoteTimestamp,
	 * lastPacketReceivedTimestamp): all milliseconds since 1970. */
	return strcmp(key, "timestamp") == 0 ||
	       (len > n && strcmp(key + len - n, suffix) == 0);
}

const char *rtcctl_format_timestamp(double ms, char *buf, size_t size)
{
	long long rounded;
	time_t seconds;
	struct tm tm;
	char date[32], zone[8];

	if (!isfinite(ms) || ms < 0 || ms > 253402300799999.0) {   /* past year 9999 */
		snprintf(buf, size, "%g ms", ms);
		return buf;
	}
	rounded = (long long)(ms + 0.5);
	seconds = (time_t)(rounded / 1000);
	if (!localtime_r(&seconds, &tm) ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5) {
		snprintf(buf, size, "%g ms", ms);
		return buf;
	}
	/* ISO 8601's extended form wants the offset as +hh:mm. */
	snprintf(buf, size, "%s.%03lld%.3s:%s", date, rounded % 1000, zone, zone + 3);
	return buf;
}

static size_t count_lines(const char *sdp, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	for (const char *line = sdp; *line; ) {
		n += strncmp(line, prefix, len) == 0;
		line += strcspn(line, "\r\n");
		line += strspn(line, "\r\n");
	}
	return n;
}

const char *rtcctl_describe_description(const char *type, const char *sdp, char *buf,
					size_t size)
{
	if (!type || !*type) {
		snprintf(buf, size, "%s", RTCCTL_UNSET);
		return buf;
	}
	size_t candidates = count_lines(sdp, "a=candidate:");
	bool ended = count_lines(sdp, "a=end-of-candidates") > 0;

	snprintf(buf, size, "%s, %zu candidate%s%s", type, candidates,
		 candidates == 1 ? "" : "s", ended ? ", end-of-candidates" : "");
	return buf;
}
