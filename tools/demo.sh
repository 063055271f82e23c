#!/bin/bash
# The main job, from nothing: installs what is missing, builds rtcd, starts a
# private dbus-daemon and rtcd on it, and runs `rtcctl loopback`: two peer
# connections negotiating a data-channel session through the daemon, with
# their states and SDP shown. Then two apps on that bus, `rtcctl send` and
# `rtcctl receive`, move 64 MiB of random data through rtcd over a data
# channel; the SHA-256 of both ends is compared and the throughput shown.
# Then a call: two apps, `rtcctl call` each, send each other rtcd's fake
# camera and microphone through rtcd; their live figures, the glass-to-glass
# latency measured from the test pattern's timestamps, and a PNG snapshot of
# the received video read from its PipeWire node (a PipeWire and WirePlumber
# of the demo's own run for that; without them the call still runs).
# Stops everything it started, and removes its files, on the way out; the
# snapshot stays ($RTCD_DEMO_SNAPSHOT, default /tmp/rtcd-demo-snapshot.png).
# With RTCD_BUILD_ROOT set it takes rtcd and rtcctl from that build.
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot=${RTCD_DEMO_SNAPSHOT:-/tmp/rtcd-demo-snapshot.png}
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
if [ -n "${RTCD_BUILD_ROOT:-}" ]; then
	build=$RTCD_BUILD_ROOT
else
	./tools/install-deps.sh build
	build=build
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
fi
rtcctl=$build/libclient/rtcctl

# A PipeWire of the demo's own, as tests/media/run-with-pipewire.sh starts
# it: its own runtime directory and session bus, no hardware. rtcd publishes
# remote tracks there and rtcctl reads them; nothing of the user's session
# is touched.
pw_note=""
start_pipewire() {
	local tool
	for tool in pipewire wireplumber pw-cli; do
		command -v "$tool" >/dev/null || { pw_note="$tool is not installed"; return 1; }
	done
	mkdir -m 700 "$tmp/pw-run" "$tmp/pw-config" "$tmp/pw-state"
	export XDG_RUNTIME_DIR=$tmp/pw-run XDG_CONFIG_HOME=$tmp/pw-config
	export XDG_STATE_HOME=$tmp/pw-state PIPEWIRE_LOG_SYSTEMD=false
	unset PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR
	DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/pw-run/bus dbus-daemon --session \
		--address="unix:path=$tmp/pw-run/bus" --nofork --nopidfile >"$tmp/pw-dbus.log" 2>&1 &
	pids+=($!)
	export DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/pw-run/bus
	pipewire >"$tmp/pipewire.log" 2>&1 &
	pids+=($!)
	wireplumber >"$tmp/wireplumber.log" 2>&1 &
	pids+=($!)
	# Up to 30 s, as run-with-pipewire.sh waits: a loaded machine is slow.
	for _ in $(seq 300); do
		pw-cli ls Client 2>/dev/null | grep -q "WirePlumber \\[export\\]" && return 0
		sleep 0.1
	done
	pw_note="PipeWire or WirePlumber did not come up in 30 s (pipewire: $(tail -n2 "$tmp/pipewire.log" 2>/dev/null | tr '\n' ' '); wireplumber: $(tail -n2 "$tmp/wireplumber.log" 2>/dev/null | tr '\n' ' '))"
	return 1
}
pipewire_args=()
if ! start_pipewire; then
	pipewire_args=(--no-pipewire)
	unset XDG_RUNTIME_DIR
fi

dbus-daemon --config-file=tests/integration/session-bus.conf --nofork \
	--print-address=3 3>"$tmp/address" 2>"$tmp/dbus-daemon.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/address" ] && break; sleep 0.05; done
address=$(head -n1 "$tmp/address")

# Both apps are on this host: loopback candidates let ICE connect even where
# loopback is the only interface (a bare container).
build_rtcd=$build/daemon/rtcd
"$build_rtcd" --address="$address" --loopback-candidates --fake-media-devices \
	"${pipewire_args[@]}" 2>"$tmp/rtcd.log" &
pids+=($!)
for _ in $(seq 100); do
	busctl --address="$address" status org.rtcd.WebRTC1 >/dev/null 2>&1 && break
	sleep 0.05
done

echo "== rtcd is serving org.rtcd.WebRTC1 on a private bus ($address)"
echo "== rtcctl loopback: two peer connections negotiate through the daemon"
"$rtcctl" --address="$address" loopback --label chat

echo
echo "== two apps on the bus: rtcctl send (app 1) -> rtcd -> rtcctl receive (app 2)"
head -c 64M /dev/urandom >"$tmp/data"
# The two apps exchange offer and answer through FIFOs; the data goes
# through each one's data channel socket (DataChannel.OpenSocket).
mkfifo "$tmp/offer" "$tmp/answer"
"$rtcctl" --address="$address" send --file "$tmp/data" --label file \
	--sdp-out "$tmp/offer" --sdp-in "$tmp/answer" &
sender=$!
pids+=("$sender")
"$rtcctl" --address="$address" receive --output "$tmp/received" \
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
echo "== a call: app 1 and app 2 (rtcctl call) send each other rtcd's fake camera"
echo "   (a test pattern with its frame counter and capture time in the pixels) and"
echo "   microphone (a tone), offer and answer through FIFOs; app 2's view:"
mkfifo "$tmp/call-offer" "$tmp/call-answer"
rm -f "$snapshot"
"$rtcctl" --address="$address" call --fake --duration 6 \
	--sdp-out "$tmp/call-offer" --sdp-in "$tmp/call-answer" >"$tmp/call-1.out" 2>&1 &
caller=$!
pids+=("$caller")
snapshot_args=()
[ -z "$pw_note" ] && snapshot_args=(--snapshot "$snapshot")
set +e
"$rtcctl" --address="$address" call --answer --fake --duration 6 \
	--sdp-in "$tmp/call-offer" --sdp-out "$tmp/call-answer" "${snapshot_args[@]}" \
	2>"$tmp/call-2.err" | tee "$tmp/call-2.out" | sed 's/^/   /'
answered=${PIPESTATUS[0]}
wait "$caller"
called=$?
set -e
# App 2 fails alone when it could not write the snapshot: said below.
if [ "$called" -ne 0 ] || ! grep -q "^connected$" "$tmp/call-2.out" ||
	{ [ "$answered" -ne 0 ] && ! grep -q "^rtcctl: no snapshot written" "$tmp/call-2.err"; }; then
	echo "== the call failed:" >&2
	cat "$tmp/call-1.out" "$tmp/call-2.err" >&2
	exit 1
fi
if [ -n "$pw_note" ]; then
	echo "== snapshot and glass-to-glass latency skipped: no PipeWire for the demo: $pw_note"
elif [ -s "$snapshot" ] && [ "$answered" -eq 0 ]; then
	echo "== a received frame, read from the remote track's PipeWire node: $snapshot"
else
	why=$(sed -n 's/^rtcctl: no snapshot written: //p' "$tmp/call-2.err" | head -n1)
	echo "== snapshot and glass-to-glass latency skipped: ${why:-app 2 exited $answered}"
fi
echo
echo "== rtcd's log"
cat "$tmp/rtcd.log"
