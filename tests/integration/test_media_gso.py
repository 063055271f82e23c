#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fast send path in a real call: two daemons with the fake devices send
audio and video both ways; the packets of a frame leave each daemon as GSO
sends (fewer kernel sends than datagrams, counted by the reactor and logged
at exit with RTCD_UDP_STATS=1) and arrive intact (SRTP authenticates every
one, and the other side decodes the video). With RTCD_UDP_GSO=off, the
reference path, every datagram is a send of its own and the call is the
same."""
import os
import sys

import dbus
import rtcdtest
import tap
from test_media_send import connect, gum, stats_of

ARGS = ["--fake-media-devices", "--no-pipewire"]
FRAMES = 60


def udp_totals(log):
    """The numbers of the daemon's 'udp totals' line, or None."""
    for row in log.splitlines():
        if "udp totals:" in row:
            n = [int(w) for w in row.replace("(", " ").split() if w.isdigit()]
            return {"datagrams": n[0], "sends": n[1], "gso_sends": n[2], "refusals": n[3]}
    return None


def call(gso):
    """A call both ways until each side decoded FRAMES video frames; the
    two daemons' UDP totals."""
    env = dict(os.environ)
    os.environ["RTCD_UDP_STATS"] = "1"
    if not gso:
        os.environ["RTCD_UDP_GSO"] = "off"
    try:
        with rtcdtest.Daemon(ARGS) as d1, rtcdtest.Daemon(ARGS) as d2:
            bus_a, bus_b = d1.bus(), d2.bus()
            sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
            a, b = d1.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
            for d, bus, pc in ((d1, bus_a, a), (d2, bus_b, b)):
                for track in gum(d, bus, audio=True, video=True):
                    pc.AddTrack(track, dbus.Array(["s"], signature="s"))
            assert connect(bus_a, a, sig_a, bus_b, b, sig_b)

            def decoded():
                return [int(v.get("framesDecoded", 0))
                        for pc in (a, b) for v in stats_of(pc, "inbound-rtp", "video")]
            assert rtcdtest.pump(lambda: len(decoded()) == 2 and min(decoded()) >= FRAMES, 40), \
                decoded()
            sent = [sum(int(v["packetsSent"]) for v in stats_of(pc, "outbound-rtp"))
                    for pc in (a, b)]
            assert d1.stop_rtcd() == 0 and d2.stop_rtcd() == 0
            totals = [udp_totals(d.log()) for d in (d1, d2)]
            assert all(totals), (d1.log()[-2000:], d2.log()[-2000:])
            for t, n in zip(totals, sent):
                # Every RTP packet the stats count went out as a datagram.
                assert t["datagrams"] >= n, (t, n)
            return totals
    finally:
        os.environ.clear()
        os.environ.update(env)


def test_frames_leave_in_gso_sends():
    totals = call(gso=True)
    tap.comment("udp totals: %s" % totals)
    if any(t["refusals"] for t in totals):
        raise tap.Skip("the kernel refuses UDP GSO on loopback here: %s" % totals)
    for t in totals:
        assert t["gso_sends"] > 0 and t["sends"] < t["datagrams"], totals


def test_reference_path_without_gso():
    totals = call(gso=False)
    for t in totals:
        assert t["gso_sends"] == 0 and t["sends"] == t["datagrams"], totals


def main():
    runner = rtcdtest.Tap()
    runner.run(test_frames_leave_in_gso_sends)
    runner.run(test_reference_path_without_gso)
    return runner.done()


if __name__ == "__main__":
    sys.exit(main())
