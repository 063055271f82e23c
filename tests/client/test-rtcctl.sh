#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# rtcctl against the real rtcd (run by tests/integration/run-with-daemon.sh).
# Usage: test-rtcctl.sh PATH-TO-RTCCTL            Output: TAP.
set -u
rtcctl="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# ok NAME EXPECTED-STATUS CMD...: runs CMD, output in $tmp/out and $tmp/err.
ok() {
	name="$1" expected="$2"
	shift 2
	n=$((n + 1))
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
	if [ "$status" -eq "$expected" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $status, wanted $expected)"
		sed 's/^/# /' "$tmp/out" "$tmp/err"
		failed=1
	fi
}

# expect NAME FILE PATTERN: grep -E for PATTERN in the last command's FILE.
expect() {
	n=$((n + 1))
	if grep -Eq -- "$3" "$tmp/$2"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 (no /$3/ in $2)"
		sed 's/^/# /' "$tmp/$2"
		failed=1
	fi
}

ok "--help" 0 "$rtcctl" --help
expect "--help lists the commands" out '^  loopback'
ok "no command is a usage error" 2 "$rtcctl"
ok "unknown command is a usage error" 2 "$rtcctl" frobnicate
ok "loopback --channels 0 is a usage error" 2 "$rtcctl" loopback --channels 0
ok "loopback --wait 0 is a usage error" 2 "$rtcctl" loopback --wait 0

ok "list" 0 "$rtcctl" list
expect "list starts at the root with the version" out '^/org/rtcd/WebRTC1 Version=[^ ]+$'

ok "inspect the root" 0 "$rtcctl" inspect /org/rtcd/WebRTC1
expect "inspect shows the Manager" out '^  org\.rtcd\.WebRTC1\.Manager$'
expect "inspect shows the version" out '^    Version s = "'

ok "inspect a missing object" 1 "$rtcctl" inspect /org/rtcd/WebRTC1/pc/999999
expect "the error names the D-Bus error" err '^rtcctl: /org/rtcd/WebRTC1/pc/999999: .* \(org\.freedesktop\.DBus\.Error\.[A-Za-z]+\)$'

ok "stats on a bad path" 2 "$rtcctl" stats
ok "stats on a non-peer-connection path" 1 "$rtcctl" stats /org/rtcd/WebRTC1

ok "loopback" 0 "$rtcctl" loopback --channels 2 --label demo
expect "loopback creates the channels" out '^   demo-2 /org/rtcd/WebRTC1/pc/[0-9]+/dc/[0-9]+$'
expect "loopback prints the offer" out '^   m=application '
expect "offerer reaches have-local-offer" out '^\[offerer\] SignalingState: have-local-offer$'
expect "answerer reaches have-remote-offer" out '^\[answerer\] SignalingState: have-remote-offer$'
expect "answerer returns to stable" out '^\[answerer\] SignalingState: stable$'
expect "offerer returns to stable" out '^\[offerer\] SignalingState: stable$'
expect "loopback prints the session" out '^   a=sctp-port:'
expect "loopback trickles the offerer's candidates" out '^   offerer -> answerer: candidate:'
expect "loopback trickles the answerer's candidates" out '^   answerer -> offerer: candidate:'
expect "a message arrives on the answerer's end" out '^\[answerer/demo-2\] message: hello from the offerer on demo-2$'
expect "a message arrives on the offerer's end" out '^\[offerer/demo-2\] message: hello from the answerer on demo-2$'
expect "loopback ends connected" out '^== connected: every channel end is open, every message arrived$'
expect "loopback describes the open channels" out '^   channel .* label=demo-1 id=[0-9]+ ordered=true ready-state=open$'
ok "loopback --wait" 0 "$rtcctl" loopback --channels 2 --label waited --wait 30
expect "loopback --wait ends connected" out '^== connected: every channel end is open, every message arrived$'

# offer and answer signal through files, as two people would by copy and paste.
mkfifo "$tmp/answer-in"
"$rtcctl" offer --label manual <"$tmp/answer-in" >"$tmp/offer.out" 2>"$tmp/offer.err" &
offer_pid=$!
exec 3>"$tmp/answer-in"
for i in $(seq 150); do
	grep -q '^$' "$tmp/offer.out" 2>/dev/null && break
	sleep 0.1
done
sed '/^$/q' "$tmp/offer.out" >"$tmp/offer.sdp"
ok "answer reads an offer" 0 sh -c '"$1" answer <"$2"' sh "$rtcctl" "$tmp/offer.sdp"
expect "answer prints an answer SDP" out '^a=setup:(active|passive)'
expect "answer ends stable" out '^SignalingState: stable$'
sed '/^$/q' "$tmp/out" >&3
exec 3>&-
wait $offer_pid
offer_status=$?
n=$((n + 1))
if [ $offer_status -eq 0 ] && grep -q '^m=application ' "$tmp/offer.out" &&
   grep -q '^SignalingState: stable$' "$tmp/offer.out" &&
   grep -q '^DataChannel: /org/rtcd/WebRTC1/pc/[0-9]*/dc/[0-9]* ' "$tmp/offer.out"; then
	echo "ok $n - offer applies the answer"
else
	echo "not ok $n - offer applies the answer"
	sed 's/^/# /' "$tmp/offer.out" "$tmp/offer.err"
	failed=1
fi

ok "answer rejects an empty offer" 1 "$rtcctl" answer
ok "answer reports a bad offer" 1 sh -c 'echo garbage | "$1" answer' sh "$rtcctl"
expect "the error is the daemon's SyntaxError" err 'org\.rtcd\.WebRTC1\.Error\.SyntaxError'

echo "1..$n"
exit $failed
