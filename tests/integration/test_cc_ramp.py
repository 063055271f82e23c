#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 13 item 2: the encoder's bitrate follows the congestion
controller's target, and on loopback that target ramps up in both
directions. Two daemons (fake camera and microphone, 640x480 at 30 fps),
one call both ways; each direction's video target (outbound-rtp
targetBitrate) is printed once a second, and both must pass 1 Mbit/s
within RAMP_LIMIT_S (15) seconds of the call connecting — a generous bound:
Chromium gets there in a few seconds. Once, on main before the arrival
times were the kernel's, one direction stayed at 65 kbit/s for good.

RAMP_LIMIT_S, RAMP_PRINT_S (how long to go on printing, default the
limit) and RAMP_LOG_DIR (where to leave both daemons' logs) are read from
the environment."""
import os
import sys
import time

import dbus
import rtcdtest
import tap
from test_ice import Trickler, state
from test_media_send import negotiate

FAKE = ["--fake-media-devices", "--no-pipewire"]
VIDEO = {"width": dbus.UInt32(640), "height": dbus.UInt32(480), "frame-rate": 30.0}
LIMIT = float(os.environ.get("RAMP_LIMIT_S", "15"))
PRINT = float(os.environ.get("RAMP_PRINT_S", str(LIMIT)))
GOAL = 1000000


def target(pc):
    for v in pc.GetStats().values():
        if v["type"] == "outbound-rtp" and v.get("kind") == "video":
            return int(v.get("targetBitrate", 0))
    return 0


def both_directions_ramp_up():
    with rtcdtest.Daemon(FAKE) as d1, rtcdtest.Daemon(FAKE) as d2:
        bus_a, bus_b = d1.bus(), d2.bus()
        sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
        a, b = d1.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
        for d, bus, pc in ((d1, bus_a, a), (d2, bus_b, b)):
            for t in d.manager(bus).GetUserMedia(dbus.Dictionary(
                    {"audio": True, "video": dbus.Dictionary(VIDEO, signature="sv")},
                    signature="sv"), timeout=20):
                pc.AddTrack(t, dbus.Array(["s"], signature="s"))
        peers = {a.object_path: b, b.object_path: a}
        ta, tb = Trickler(sig_a, peers), Trickler(sig_b, peers)
        negotiate(bus_a, a, bus_b, b)
        assert rtcdtest.pump(lambda: ta() or tb() or (
            state(bus_a, a, "ConnectionState") == "connected" and
            state(bus_b, b, "ConnectionState") == "connected"), 30), "the call did not connect"
        t0 = time.monotonic()
        reached = [None, None]
        while time.monotonic() - t0 < max(LIMIT, PRINT):
            rtcdtest.pump(timeout=1.0)
            now = time.monotonic() - t0
            targets = [target(a), target(b)]
            tap.comment("t=%4.1f s  target a->b %5d kbit/s  b->a %5d kbit/s" % (
                now, targets[0] // 1000, targets[1] // 1000))
            for i, t in enumerate(targets):
                if reached[i] is None and t > GOAL:
                    reached[i] = now
            if None not in reached and now >= PRINT:
                break
        if os.environ.get("RAMP_LOG_DIR"):     # the daemons' logs, to study the ramp
            for name, d in (("a", d1), ("b", d2)):
                with open(os.path.join(os.environ["RAMP_LOG_DIR"], "rtcd-%s.log" % name), "w") as f:
                    f.write(d.log())
        tap.comment("above %d kbit/s after: a->b %s, b->a %s" % (GOAL // 1000, *(
            "%.1f s" % r if r is not None else "never" for r in reached)))
        late = [d for d, r in zip(("a->b", "b->a"), reached) if r is None or r > LIMIT]
        assert not late, "video target not above %d kbit/s within %.0f s: %s" % (
            GOAL // 1000, LIMIT, ", ".join(late))


def main():
    t = tap.Tap()
    t.run(both_directions_ramp_up)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
