#!/bin/bash
# Runs one command inside a PipeWire of its own: a private session bus,
# pipewire and wireplumber in a fresh XDG_RUNTIME_DIR, nothing from the
# user's session (recipes/pipewire-headless.md). Cleans up on exit.
#
#   tests/media/run-with-pipewire.sh COMMAND [ARGS...]
#
# The command sees XDG_RUNTIME_DIR, XDG_CONFIG_HOME and
# DBUS_SESSION_BUS_ADDRESS of that PipeWire, and RTCD_PIPEWIRE_PID (the
# pipewire process, for tests that kill it). Skipped (TAP `1..0 # SKIP`,
# exit 0, as tests/check.h: meson counts a TAP test's 77 as an error) when
# PipeWire or WirePlumber is not installed; otherwise the command's status.
set -u

for tool in pipewire wireplumber dbus-daemon pw-cli; do
	if ! command -v "$tool" >/dev/null; then
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done

T=$(mktemp -d /tmp/rtcd-pw.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -m 700 "$T/run" "$T/config" "$T/state"
export XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
export DBUS_SESSION_BUS_ADDRESS=unix:path=$T/run/bus
unset PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR
# No hardware, no ALSA/V4L2/Bluetooth monitors: only the nodes tests make.
export PIPEWIRE_LOG_SYSTEMD=false

dbus-daemon --session --address="$DBUS_SESSION_BUS_ADDRESS" --nofork --nopidfile \
	>"$T/dbus.log" 2>&1 &
pids+=($!)
pipewire >"$T/pipewire.log" 2>&1 &
pids+=($!)
export RTCD_PIPEWIRE_PID=$!
wireplumber >"$T/wireplumber.log" 2>&1 &
pids+=($!)

# Ready when the core answers and WirePlumber has joined as a client.
ready=0
for _ in $(seq 300); do   # 30 s: a loaded CI machine is slow to start them
	if pw-cli ls Client 2>/dev/null | grep -q "WirePlumber \\[export\\]"; then
		ready=1
		break
	fi
	sleep 0.1
done
if [ $ready -eq 0 ]; then
	echo "# PipeWire or WirePlumber did not come up:"
	sed 's/^/# /' "$T/pipewire.log" "$T/wireplumber.log" | tail -20
	echo "1..0 # SKIP no PipeWire here"
	exit 0
fi

"$@"
status=$?
if [ $status -ne 0 ] && [ $status -ne 77 ]; then
	echo "# pipewire log:"; tail -15 "$T/pipewire.log" | sed 's/^/# /'
	echo "# wireplumber log:"; tail -15 "$T/wireplumber.log" | sed 's/^/# /'
fi
exit $status
