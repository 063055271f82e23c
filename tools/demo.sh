#!/bin/bash
# The main job, from nothing: installs what is missing, builds rtcd, starts a
# private dbus-daemon and rtcd on it, and runs `rtcctl loopback`: two peer
# connections negotiating a data-channel session through the daemon, with
# their states and SDP shown. Stops everything it started on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/install-deps.sh build
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null

tmp=$(mktemp -d /tmp/rtcd-demo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

dbus-daemon --config-file=tests/integration/session-bus.conf --nofork \
	--print-address=3 3>"$tmp/address" 2>"$tmp/dbus-daemon.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/address" ] && break; sleep 0.05; done
address=$(head -n1 "$tmp/address")

build/daemon/rtcd --address="$address" 2>"$tmp/rtcd.log" &
pids+=($!)
for _ in $(seq 100); do
	busctl --address="$address" status org.rtcd.WebRTC1 >/dev/null 2>&1 && break
	sleep 0.05
done

echo "== rtcd is serving org.rtcd.WebRTC1 on a private bus ($address)"
echo "== rtcctl loopback: two peer connections negotiate through the daemon"
build/libclient/rtcctl --address="$address" loopback --label chat
echo
echo "== rtcd's log"
cat "$tmp/rtcd.log"
