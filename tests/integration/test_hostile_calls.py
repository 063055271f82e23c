#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls a hostile app may make that must cost only that app (issue 14):
Send toward a peer that does not read, AddIceCandidate without end, a
description with a flood of candidates. Each test prints rtcd's RSS and a
bystander client's worst call latency during the attack."""
import os
import signal
import subprocess
import sys
import time

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, DC, MANAGER, PC, PROPS, ROOT
from test_datachannel import connect_pair, dc, remote_channels

E = dbus.Dictionary({}, signature="sv")
MIB = 1 << 20


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


BYSTANDER = r"""
import sys, time, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
obj = bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1")
worst = 0.0
sys.stdout.write("ready\n"); sys.stdout.flush()
while True:
    t = time.monotonic()
    obj.Get("org.rtcd.WebRTC1.Manager", "Version", dbus_interface="org.freedesktop.DBus.Properties",
            timeout=60)
    worst = max(worst, time.monotonic() - t)
    sys.stdout.write("%f\n" % worst); sys.stdout.flush()
    time.sleep(0.005)
"""


class Bystander:
    """Another client calling rtcd all along, in its own process: its worst
    call latency while an attack runs."""

    def __init__(self, d):
        self.proc = subprocess.Popen([sys.executable, "-c", BYSTANDER, d.address],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def worst(self):
        self.proc.terminate()
        out = self.proc.communicate()[0].split()
        return float(out[-1]) if out else float("inf")


def report(what, d, before_kib, bystander):
    print("# %s: rtcd RSS %d -> %d KiB, bystander's worst call %.1f ms" % (
        what, before_kib, rss_kib(d.rtcd.pid), bystander.worst() * 1000))


def test_send_past_quota(d):
    """Send toward a peer that does not read (its rtcd is stopped): W3C
    send() throws once the buffer would overflow. rtcd refuses past the
    owner's quota (--max-buffered-bytes, 4 MiB here) with LimitsExceeded,
    instead of buffering all of it; once the peer reads again, Send works."""
    with rtcdtest.Daemon() as d2:
        bus_a, bus_b, sig_a, sig_b, a, b, ch = connect_pair(d, d2)
        assert rtcdtest.pump(lambda: "Open" in sig_a.members(ch), 5)
        before = rss_kib(d.rtcd.pid)
        by = Bystander(d)
        d2.rtcd.send_signal(signal.SIGSTOP)
        refused = None
        sent = 0
        try:
            chunk = dbus.ByteArray(bytes(256 * 1024))
            while sent < 64 * MIB:
                try:
                    dc(bus_a, ch).Send(chunk, signature="v")
                    sent += len(chunk)
                except dbus.exceptions.DBusException as e:
                    refused = e
                    break
            buffered = rtcdtest.prop(bus_a, ch, DC, "BufferedAmount")
        finally:
            d2.rtcd.send_signal(signal.SIGCONT)
        report("Send to a stopped peer", d, before, by)
        assert refused is not None, "%d MiB accepted" % (sent // MIB)
        assert rtcdtest.error_name(refused) == "org.freedesktop.DBus.Error.LimitsExceeded", refused
        assert "buffered" in str(refused), refused
        assert buffered <= 4 * MIB, buffered
        assert sent >= 2 * MIB, sent       # what fits is taken
        # The peer runs again: the buffer drains and Send is taken again.
        assert rtcdtest.pump(lambda: rtcdtest.prop(bus_a, ch, DC, "BufferedAmount") < MIB, 30)
        dc(bus_a, ch).Send("after", signature="v")


def main():
    tap = rtcdtest.Tap()
    with rtcdtest.Daemon(["--max-buffered-bytes=%d" % (4 * MIB)]) as d:
        tap.run(test_send_past_quota, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
