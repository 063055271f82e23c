#!/bin/bash
# A shell to explore rtcd in, with nothing installed: starts a private
# dbus-daemon and rtcd on it, and leaves you in a shell where busctl --user,
# rtcctl and any D-Bus client talk to that rtcd (RTCD_BUS_ADDRESS and
# DBUS_SESSION_BUS_ADDRESS are the private bus; rtcctl is on PATH). When the
# shell ends, rtcd and the bus are stopped and their files removed.
#
#   tools/shell.sh                      an interactive shell
#   tools/shell.sh -c 'busctl --user tree org.rtcd.WebRTC1'
#                                       one command; its exit status
#   tools/shell.sh --verbose -c '...'   options before -c go to rtcd
#
# Builds rtcd in build/ first if needed (as tools/demo.sh does). With
# RTCD_BUILD_ROOT set, takes rtcd and rtcctl from that build and builds
# nothing. rtcd's log is $RTCD_LOG inside the shell.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

command=""
interactive=true
rtcd_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	-c)
		[ $# -ge 2 ] || { echo "tools/shell.sh: -c needs a command" >&2; exit 2; }
		command=$2
		interactive=false
		shift 2
		;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		rtcd_args+=("$1")
		shift
		;;
	esac
done

tmp=$(mktemp -d /tmp/rtcd-shell.XXXXXX)
pids=()
group=""
cleanup() {
	local status=$?
	# The command with whatever it started, then what is still running from
	# the shell (found by the RTCD_SHELL_DIR it inherited), rtcd, its bus.
	if [ -n "$group" ]; then
		kill -- "-$group" 2>/dev/null || true
		wait "$group" 2>/dev/null || true
	fi
	for env in /proc/[0-9]*/environ; do
		pid=${env#/proc/}
		pid=${pid%/environ}
		[ "$pid" != $$ ] && grep -qzx "RTCD_SHELL_DIR=$tmp" "$env" 2>/dev/null &&
			kill "$pid" 2>/dev/null
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${RTCD_BUILD_ROOT:-}" ]; then
	build=$RTCD_BUILD_ROOT
else
	build=$top/build
	printf 'building rtcd… ' >&2
	if ! { [ -f "$build/build.ninja" ] ||
		meson setup "$build" "$top" -Dwerror=true -Dbuildtype=debugoptimized; } \
		>"$tmp/build.log" 2>&1 ||
		! meson compile -C "$build" daemon/rtcd libclient/rtcctl >>"$tmp/build.log" 2>&1; then
		echo "failed" >&2
		tail -n 60 "$tmp/build.log" >&2
		exit 1
	fi
	echo "done" >&2
fi
rtcd=$build/daemon/rtcd
for f in "$rtcd" "$build/libclient/rtcctl"; do
	[ -x "$f" ] || { echo "tools/shell.sh: $f is not built" >&2; exit 1; }
done

dbus-daemon --config-file="$top/tests/integration/session-bus.conf" --nofork \
	--print-address=3 3>"$tmp/address" 2>"$tmp/dbus-daemon.log" </dev/null &
pids+=($!)
dbus_pid=$!
for _ in $(seq 200); do [ -s "$tmp/address" ] && break; sleep 0.05; done
address=$(head -n1 "$tmp/address")
[ -n "$address" ] || { echo "tools/shell.sh: dbus-daemon did not start" >&2; exit 1; }

"$rtcd" --address="$address" "${rtcd_args[@]}" 2>"$tmp/rtcd.log" </dev/null &
pids+=($!)
rtcd_pid=$!
up=false
for _ in $(seq 200); do
	if busctl --address="$address" status org.rtcd.WebRTC1 >/dev/null 2>&1; then
		up=true
		break
	fi
	kill -0 "$rtcd_pid" 2>/dev/null || break
	sleep 0.05
done
if ! $up; then
	echo "tools/shell.sh: rtcd did not come up:" >&2
	cat "$tmp/rtcd.log" >&2
	exit 1
fi

export RTCD_BUS_ADDRESS=$address
export DBUS_SESSION_BUS_ADDRESS=$address
export RTCD_LOG=$tmp/rtcd.log
export RTCD_PID=$rtcd_pid
export RTCD_DBUS_PID=$dbus_pid
export RTCD_SHELL_DIR=$tmp
export PATH=$build/libclient:$PATH

if $interactive; then
	cat >&2 <<EOF
== rtcd (pid $rtcd_pid) serves org.rtcd.WebRTC1 on a private bus; in this shell:
   busctl --user tree org.rtcd.WebRTC1
   rtcctl loopback --label chat; rtcctl list
   less \$RTCD_LOG           rtcd's log
   exit                     stops rtcd and the bus
EOF
	# In the foreground: the shell owns the terminal.
	status=0
	"${SHELL:-/bin/bash}" -i || status=$?
	exit "$status"
fi
# In the background, so that a signal to this script ends the command too
# (a trap waits for a foreground child), in a process group of its own, so
# that it ends with everything the command started.
setsid bash -c "$command" </dev/null &
group=$!
status=0
wait "$group" || status=$?
exit "$status"
