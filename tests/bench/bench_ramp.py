#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ramp benchmark (issue 13 item 2: the encoder's bitrate follows the
congestion controller's target). Two daemons (fake camera and microphone,
640x480 at 30 fps), one call both ways on loopback; each direction's video
target (outbound-rtp targetBitrate) is printed once a second, then when
each passed 1 Mbit/s (Chromium: in a few seconds). A figure, not a test:
on a loaded 2-core machine, or under AddressSanitizer, the daemons' own
CPU (VP8 encodes) shows up as queueing delay and holds the target down
(seen: 410 kbit/s after 15 s under ASan while the suites ran). Exits 1
only when the call could not be set up.

Environment: RAMP_LIMIT_S (15: how long to watch for 1 Mbit/s),
RAMP_PRINT_S (how long to go on printing; the limit), RAMP_LOG_DIR (where
to leave both daemons' logs).
Run: meson test -C build --benchmark ramp -v"""
import os
import sys
import time

import dbus
import rtcdtest
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
            print("t=%4.1f s  target a->b %5d kbit/s  b->a %5d kbit/s" % (
                now, targets[0] // 1000, targets[1] // 1000), flush=True)
            for i, t in enumerate(targets):
                if reached[i] is None and t > GOAL:
                    reached[i] = now
            if None not in reached and now >= PRINT:
                break
        if os.environ.get("RAMP_LOG_DIR"):     # the daemons' logs, to study the ramp
            for name, d in (("a", d1), ("b", d2)):
                with open(os.path.join(os.environ["RAMP_LOG_DIR"], "rtcd-%s.log" % name), "w") as f:
                    f.write(d.log())
        print("above %d kbit/s after: a->b %s, b->a %s (limit of the run %.0f s)" % (
            GOAL // 1000, *("%.1f s" % r if r is not None else "never" for r in reached),
            LIMIT), flush=True)


def main():
    load = open("/proc/loadavg").read().split()[:3]
    print("ramp benchmark: 640x480 30 fps VP8 + Opus both ways on loopback; load average %s"
          % " ".join(load), flush=True)
    try:
        both_directions_ramp_up()
    except (AssertionError, dbus.exceptions.DBusException, RuntimeError) as e:
        print("FAILED: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
