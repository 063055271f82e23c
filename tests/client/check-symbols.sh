#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails if librtc-client exports anything but rtc_* symbols (everything
# exported is ABI), or if it exports nothing at all.
set -eu
lib="$1"
symbols=$(nm -D --defined-only "$lib" | awk '{ print $3 }' | sed 's/@.*//')
[ -n "$symbols" ] || { echo "no exported symbols in $lib" >&2; exit 1; }
echo "$symbols" | grep -qx 'rtc_client_new' || { echo "rtc_client_new not exported" >&2; exit 1; }
stray=$(echo "$symbols" | grep -v '^rtc_' | grep -v '^RTC_CLIENT_' || true)
if [ -n "$stray" ]; then
	echo "symbols outside the rtc_ namespace:" >&2
	echo "$stray" >&2
	exit 1
fi
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "librtc-client.so.0" ] || { echo "unexpected soname '$soname'" >&2; exit 1; }
