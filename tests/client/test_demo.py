#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tools/demo.sh, the README's one command, with the build meson made
(RTCD_BUILD_ROOT): it exits 0, the file arrives unchanged, the call prints
live figures with frames arriving and a glass-to-glass latency line, and the
snapshot it names is a 640x480 picture — or it says why that part was
skipped. Nothing it started is left running.

Output: TAP."""
import os
import re
import subprocess
import sys
import tempfile

import pngcheck
import tap

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(SRC, "tools", "demo.sh")
FIGURES = re.compile(r"^   \[ *\d+ s\] 640x480 ([\d.]+) fps \| in (\d+) kbit/s", re.M)


def demo_processes():
    """pids of processes whose environment points into a demo's directory."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if b"/tmp/rtcd-demo." in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_demo():
    before = set(demo_processes())
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, "snapshot.png")
        env = dict(os.environ, RTCD_DEMO_SNAPSHOT=png)
        for name in ("DBUS_SESSION_BUS_ADDRESS", "RTCD_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
            env.pop(name, None)
        r = subprocess.run([DEMO], env=env, capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        out = r.stdout
        assert r.returncode == 0, (r.returncode, out[-3000:], r.stderr[-3000:])
        assert "== the file arrived unchanged\n" in out, out[-3000:]
        moving = [f for f in FIGURES.findall(out) if float(f[0]) > 0 and int(f[1]) > 0]
        assert moving, out[-3000:]
        latency = re.search(r"^   glass-to-glass latency: (.*)$", out, re.M)
        assert latency, out[-3000:]
        skipped = re.search(r"^== snapshot and glass-to-glass latency skipped: (.*)$", out, re.M)
        left = set(demo_processes()) - before
        assert not left, "still running: %r" % sorted(left)
        if skipped:
            assert not os.path.exists(png), png
            raise tap.Skip("the demo skipped its snapshot: " + skipped.group(1))
        assert "== a received frame, read from the remote track's PipeWire node: %s\n" % png \
            in out, out[-3000:]
        w, h, channels, rows = pngcheck.read(png)
        assert (w, h) == (640, 480), (w, h)
        assert pngcheck.distinct_colours(rows, channels) > 16, "a blank picture"
        assert latency.group(1).startswith("median "), latency.group(0)
        tap.comment(latency.group(0).strip())


def main():
    t = tap.Tap()
    t.run(test_demo)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
