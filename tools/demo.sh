#!/bin/bash
# The main job, from nothing: installs what is missing, builds rtcd, starts a
# private dbus-daemon and rtcd on it, and runs `rtcctl loopback`: two peer
# connections negotiating a data-channel session through the daemon, with
# their states and SDP shown. Then two apps on that bus, `rtcctl send` and
# `rtcctl receive`, move 64 MiB of random data through rtcd over a data
# channel; the SHA-256 of both ends is compared and the throughput shown.
# Stops everything it started, and removes its files, on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/install-deps.sh build

tmp=$(mktemp -d /tmp/rtcd-demo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# One line while it builds; the compiler's own words if it fails. build/ is
# set up as tools/test.sh sets it up (warnings are errors, as in CI), so the
# two share one build; test.sh puts back CI's options whatever is there.
printf 'building rtcd… '
if ! { [ -f build/build.ninja ] ||
	meson setup build -Dwerror=true -Dbuildtype=debugoptimized; } >"$tmp/build.log" 2>&1 ||
	! meson compile -C build daemon/rtcd libclient/rtcctl >>"$tmp/build.log" 2>&1; then
	echo "failed"
	echo "== the build failed; the end of its log:" >&2
	tail -n 60 "$tmp/build.log" >&2
	exit 1
fi
echo "done"

dbus-daemon --config-file=tests/integration/session-bus.conf --nofork \
	--print-address=3 3>"$tmp/address" 2>"$tmp/dbus-daemon.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/address" ] && break; sleep 0.05; done
address=$(head -n1 "$tmp/address")

# Both apps are on this host: loopback candidates let ICE connect even where
# loopback is the only interface (a bare container).
build/daemon/rtcd --address="$address" --loopback-candidates 2>"$tmp/rtcd.log" &
pids+=($!)
for _ in $(seq 100); do
	busctl --address="$address" status org.rtcd.WebRTC1 >/dev/null 2>&1 && break
	sleep 0.05
done

echo "== rtcd is serving org.rtcd.WebRTC1 on a private bus ($address)"
echo "== rtcctl loopback: two peer connections negotiate through the daemon"
build/libclient/rtcctl --address="$address" loopback --label chat

echo
echo "== two apps on the bus: rtcctl send (app 1) -> rtcd -> rtcctl receive (app 2)"
head -c 64M /dev/urandom >"$tmp/data"
# The two apps exchange offer and answer through FIFOs; the data goes
# through each one's data channel socket (DataChannel.OpenSocket).
mkfifo "$tmp/offer" "$tmp/answer"
build/libclient/rtcctl --address="$address" send --file "$tmp/data" --label file \
	--sdp-out "$tmp/offer" --sdp-in "$tmp/answer" &
sender=$!
pids+=("$sender")
build/libclient/rtcctl --address="$address" receive --output "$tmp/received" \
	--sdp-in "$tmp/offer" --sdp-out "$tmp/answer"
wait "$sender"
sent=$(sha256sum <"$tmp/data" | cut -d' ' -f1)
received=$(sha256sum <"$tmp/received" | cut -d' ' -f1)
echo "   SHA-256 sent     $sent"
echo "   SHA-256 received $received"
if [ "$sent" != "$received" ]; then
	echo "== the file arrived changed" >&2
	exit 1
fi
echo "== the file arrived unchanged"
echo
echo "== rtcd's log"
cat "$tmp/rtcd.log"
