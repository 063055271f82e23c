#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtcctl against the real rtcd on a private bus: `loopback` connects (ICE
candidates trickled both ways, every channel end open, one message each way
per channel, as sent), with and without --wait, and fails clearly when it
cannot; rtcctl's human forms: "none" for an unset number in every command,
stats times in ISO 8601, a property change printed once and only when it
changed.

Usage: test_rtcctl_loopback.py PATH-TO-RTCCTL      Output: TAP."""
import datetime
import os
import re
import subprocess
import sys

import dbus
import rtcdtest
from rtcdtest import DC

RTCCTL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("RTCD_BUILD_ROOT", os.path.join(rtcdtest.SRC, "build")), "libclient", "rtcctl")
TIMEOUT = 60
ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"


def rtcctl(d, *args):
    return subprocess.run([RTCCTL] + list(args), env=d.env(), capture_output=True, text=True,
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def labels(label, n):
    return [label] if n == 1 else ["%s-%d" % (label, i) for i in range(1, n + 1)]


def check_connected(r, label, n):
    """Everything a connected loopback of n channels prints, and exit 0."""
    out = r.stdout
    assert r.returncode == 0, (r.returncode, out, r.stderr)
    # Trickle, both ways: candidates passed on, each side told the end.
    for a, b in (("offerer", "answerer"), ("answerer", "offerer")):
        assert re.search(r"^   %s -> %s: candidate:" % (a, b), out, re.M), out
        assert re.search(r"^   %s -> %s: end of candidates$" % (a, b), out, re.M), out
        assert re.search(r"^\[%s\] ConnectionState: connected$" % a, out, re.M), out
    for name in labels(label, n):
        for side, peer in (("offerer", "answerer"), ("answerer", "offerer")):
            end = "%s/%s" % (side, name)
            assert "[%s] open\n" % end in out, (end, out)
            # What the peer sent, received as sent.
            assert "[%s] message: hello from the %s on %s\n" % (end, peer, name) in out, out
    assert "== connected: every channel end is open, every message arrived\n" in out, out
    # The final channel list: 2n ends, open, with the id the DTLS role gave.
    ends = re.findall(r"^   channel /org/rtcd/WebRTC1/pc/\d+/dc/\d+ label=(\S+) id=(\d+) "
                      r"ordered=true ready-state=open$", out, re.M)
    assert sorted(l for l, _ in ends) == sorted(labels(label, n) * 2), (ends, out)


def test_loopback_connects_without_wait(d):
    # The demo's command: no --wait, the default wait applies.
    check_connected(rtcctl(d, "loopback", "--label", "chat"), "chat", 1)


def test_loopback_wait_with_channels(d):
    check_connected(rtcctl(d, "loopback", "--channels", "3", "--label", "demo", "--wait", "30"),
                    "demo", 3)


def test_loopback_usage(d):
    for args in (["--wait", "0"], ["--wait", "3601"], ["--wait", "x"], ["--channels", "65"]):
        r = rtcctl(d, "loopback", *args)
        assert r.returncode == 2 and r.stderr.startswith("rtcctl: "), (args, r)
    r = rtcctl(d, "loopback", "--help")
    assert r.returncode == 0 and "--wait SECONDS" in r.stdout, r


def test_loopback_fails_clearly_without_candidates():
    # rtcd gathering on lo without --loopback-candidates has no candidate
    # to give: the session cannot connect, and rtcctl must say why.
    with rtcdtest.Daemon(extra_args=["--interface=lo"]) as d:
        r = rtcctl(d, "loopback", "--channels", "2", "--wait", "5")
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert "== connected" not in r.stdout, r.stdout
        assert re.search(r"^rtcctl: (the (offerer|answerer)'s connection failed|"
                         r"not connected within 5 s: \d of 4 channel ends open)",
                         r.stderr, re.M), r.stderr
        assert "the offerer gathered no ICE candidate" in r.stderr, r.stderr
        assert "--loopback-candidates" in r.stderr, r.stderr


def test_property_changes_printed_once(d):
    r = rtcctl(d, "loopback", "--channels", "2", "--label", "once")
    assert r.returncode == 0, r
    last = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^\[([^]]+)\] ([A-Z][A-Za-z]+)(: (.*)| changed)$", line)
        if not m:
            continue
        key, value = (m.group(1), m.group(2)), m.group(3)
        assert last.get(key) != value, "printed twice: " + line
        last[key] = value
    # Descriptions are summed up, not named: each side's, once per change.
    for side, kind in (("offerer", "offer"), ("answerer", "answer")):
        lines = re.findall(r"^\[%s\] LocalDescription: (.*)$" % side, r.stdout, re.M)
        assert lines and all(l.startswith(kind + ", ") for l in lines), lines
        assert len(lines) == len(set(lines)), lines
    assert "(invalidated)" not in r.stdout and "65535" not in r.stdout, r.stdout


def channel_with_unset_numbers(d):
    """A peer connection and channels of another connection of this user:
    rtcctl may inspect them. Returns (pc path, unset channel, set channel)."""
    bus = d.bus()
    pc = d.create_peer_connection(bus)
    unset = pc.CreateDataChannel("unset", dbus.Dictionary({}, signature="sv"))
    given = pc.CreateDataChannel("given", dbus.Dictionary(
        {"max-retransmits": dbus.UInt16(3)}, signature="sv"))
    return str(pc.object_path), str(unset), str(given)


def test_unset_numbers_read_none(d):
    _, unset, given = channel_with_unset_numbers(d)
    # The daemon's form is 0xffff; rtcctl's is "none", in every command.
    assert int(rtcdtest.prop(d.bus(), unset, DC, "Id")) == 0xffff
    r = rtcctl(d, "list")
    assert r.returncode == 0, r
    assert re.search(r"^    %s Label=unset Id=none ReadyState=connecting$" % re.escape(unset),
                     r.stdout, re.M), r.stdout
    r = rtcctl(d, "inspect", unset)
    assert r.returncode == 0, r
    for name in ("Id", "MaxPacketLifeTime", "MaxRetransmits"):
        assert "    %s q = none\n" % name in r.stdout, (name, r.stdout)
    r2 = rtcctl(d, "inspect", given)
    assert "    MaxRetransmits q = 3\n" in r2.stdout, r2.stdout
    assert "    MaxPacketLifeTime q = none\n" in r2.stdout, r2.stdout
    for out in (r.stdout, r2.stdout):
        assert "65535" not in out, out


def test_stats_times_readable(d):
    pc, _, _ = channel_with_unset_numbers(d)
    r = rtcctl(d, "stats", pc)
    assert r.returncode == 0, r
    heads = re.findall(r"^\S+ \(([a-z-]+)\) at (.*)$", r.stdout, re.M)
    assert heads, r.stdout
    now = datetime.datetime.now(datetime.timezone.utc)
    for kind, when in heads:
        assert re.fullmatch(ISO_TIME, when), (kind, when)
        # A sanity check of the conversion (a wrong unit is years off).
        t = datetime.datetime.fromisoformat(when)
        assert abs((t - now).total_seconds()) < 24 * 3600, (when, now)
    assert not re.search(r"\d ms$", r.stdout, re.M), r.stdout


def main():
    tap = rtcdtest.Tap()
    with rtcdtest.Daemon() as d:
        for t in (test_loopback_connects_without_wait, test_loopback_wait_with_channels,
                  test_loopback_usage, test_property_changes_printed_once,
                  test_unset_numbers_read_none, test_stats_times_readable):
            tap.run(t, d)
    tap.run(test_loopback_fails_clearly_without_candidates)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
