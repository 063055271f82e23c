#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`rtcctl call` against the real rtcd with its fake devices: two calls
exchange offer and answer through FIFOs, each prints its peer's tracks and
a line of figures a second with frames arriving; usage errors.

With --pipewire PW_TEST_SOURCE (inside tests/media/run-with-pipewire.sh):
`rtcctl snapshot` writes a frame of a node of the test's as a PNG, and a
call's --snapshot writes a received frame read from the remote track's
PipeWire node, with the glass-to-glass latency of the fake camera's frames.

Usage: test_rtcctl_call.py RTCCTL [--pipewire PW_TEST_SOURCE]      Output: TAP."""
import os
import re
import subprocess
import sys
import tempfile
import time

import pngcheck
import rtcdtest
import tap

RTCCTL = sys.argv[1]
PIPEWIRE = len(sys.argv) > 3 and sys.argv[2] == "--pipewire"
TEST_SOURCE = sys.argv[3] if PIPEWIRE else None
FIGURES = re.compile(r"^\[ *(\d+) s\] (\d+)x(\d+) ([\d.]+) fps \| in (\d+) kbit/s \| "
                     r"out (\d+) kbit/s \| lost (-?\d+) \| rtt ([\d.]+ ms|-) \| "
                     r"jitter buffer (\d+ ms|-)", re.M)
REMOTE = re.compile(r"^remote track: (audio|video) (/org/rtcd/WebRTC1/track/\d+) "
                    r"PipeWireNode (\S+)$", re.M)


def call_pair(d, tmp, offerer=(), answerer=(), duration=4):
    """Two `rtcctl call`s, offer and answer through FIFOs; their results."""
    offer, answer = os.path.join(tmp, "offer"), os.path.join(tmp, "answer")
    for fifo in (offer, answer):
        if os.path.exists(fifo):
            os.unlink(fifo)
        os.mkfifo(fifo)
    common = ["call", "--fake", "--duration", str(duration), "--wait", "20"]
    a = subprocess.Popen([RTCCTL] + common + ["--sdp-out", offer, "--sdp-in", answer] +
                         list(offerer), env=d.env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    b = subprocess.Popen([RTCCTL] + common + ["--answer", "--sdp-in", offer, "--sdp-out",
                                               answer] + list(answerer),
                         env=d.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, stdin=subprocess.DEVNULL)
    results = []
    for p in (a, b):
        out, err = p.communicate(timeout=duration + 60)
        results.append((p.returncode, out, err))
    return results


def check_call_output(rc, out, err):
    assert rc == 0, (rc, out, err)
    assert "connected\n" in out, out
    local = re.findall(r"^local track: (audio|video) ", out, re.M)
    assert local == ["audio", "video"], out
    # A node that comes later is announced again: one track per path.
    remote = list({path: (kind, path, node) for kind, path, node in REMOTE.findall(out)}.values())
    assert sorted(k for k, _, _ in remote) == ["audio", "video"], out
    lines = FIGURES.findall(out)
    assert len(lines) >= 2, out
    # Frames arrive: the fake camera's 640x480 at a frame rate above 0, and
    # bytes both ways.
    moving = [l for l in lines if (l[1], l[2]) == ("640", "480") and float(l[3]) > 0 and
              int(l[4]) > 0 and int(l[5]) > 0]
    assert moving, lines
    assert "glass-to-glass latency: " in out, out
    return remote


def test_call_both_ways(d):
    with tempfile.TemporaryDirectory() as tmp:
        for rc, out, err in call_pair(d, tmp):
            check_call_output(rc, out, err)


def test_call_audio_only_one_way(d):
    """One side sends no video: the other receives audio only and says the
    figures have no video."""
    with tempfile.TemporaryDirectory() as tmp:
        (ra, oa, ea), (rb, ob, eb) = call_pair(d, tmp, offerer=["--no-video"], duration=3)
        assert ra == 0 and rb == 0, (oa, ea, ob, eb)
        assert {k for k, _, _ in REMOTE.findall(ob)} == {"audio"}, ob
        assert re.search(r"^\[ *\d+ s\] no video - fps \| in \d+ kbit/s", ob, re.M), ob
        # The offerer still gets the answerer's video.
        assert {k for k, _, _ in REMOTE.findall(oa)} == {"audio", "video"}, oa


def rtcctl(d, *args, timeout=30):
    return subprocess.run([RTCCTL] + list(args), env=d.env(), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_call_usage(d):
    for args in (["--no-audio", "--no-video"], ["--duration", "0"], ["--duration", "x"],
                 ["--wait", "0"], ["--bogus"], ["extra"], ["--video", "cam", "--no-video"],
                 ["--snapshot", ""]):
        r = rtcctl(d, "call", "--fake", *args)
        assert r.returncode == 2, (args, r.returncode, r.stdout, r.stderr)
        assert r.stderr.startswith("rtcctl: ") or "Try 'rtcctl call --help'" in r.stderr, \
            (args, r.stderr)
    r = rtcctl(d, "call", "--help")
    assert r.returncode == 0 and "--snapshot FILE.png" in r.stdout, r


def test_call_fails_clearly(d):
    # No peer: an empty answer.
    r = rtcctl(d, "call", "--fake", "--sdp-out", "/dev/null", "--sdp-in", "/dev/null")
    assert r.returncode == 1 and "rtcctl: " in r.stderr, r
    # No such device: GetUserMedia's error, named.
    r = rtcctl(d, "call", "--video", "no-such-camera", "--no-audio", "--sdp-out", "/dev/null",
               "--sdp-in", "/dev/null")
    assert r.returncode == 1 and "NotFoundError" in r.stderr, r


def test_devices(d):
    r = rtcctl(d, "devices")
    assert r.returncode == 0, r
    assert re.search(r"^videoinput +rtcd-fake-camera ", r.stdout, re.M), r.stdout
    assert re.search(r"^audioinput +rtcd-fake-microphone ", r.stdout, re.M), r.stdout


# ---- inside run-with-pipewire.sh -------------------------------------------

def check_png(path, width=640, height=480):
    w, h, channels, rows = pngcheck.read(path)
    assert (w, h) == (width, height), (w, h)
    assert pngcheck.distinct_colours(rows, channels) > 16, "a blank picture"


def test_snapshot_of_a_node(d):
    with tempfile.TemporaryDirectory() as tmp:
        src = subprocess.Popen([TEST_SOURCE, "rtcctl-test-camera", "Test camera"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # The node first: a stream that asks for a node not there yet
            # is linked to nothing.
            for _ in range(100):
                ls = subprocess.run(["pw-cli", "ls", "Node"], capture_output=True, text=True)
                if "rtcctl-test-camera" in ls.stdout:
                    break
                time.sleep(0.1)
            png = os.path.join(tmp, "node.png")
            r = rtcctl(d, "snapshot", "rtcctl-test-camera", png)
            assert r.returncode == 0, (r.stdout, r.stderr)
            assert r.stdout == "snapshot: %s (640x480)\n" % png, r.stdout
            check_png(png)
        finally:
            src.terminate()
            src.wait()
        r = rtcctl(d, "snapshot", "--wait", "1", "no-such-node", os.path.join(tmp, "x.png"))
        assert r.returncode == 1 and "rtcctl: " in r.stderr, r
    assert rtcctl(d, "snapshot", "only-a-node").returncode == 2


def test_call_snapshot_and_latency(d):
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, "call.png")
        (ra, oa, ea), (rb, ob, eb) = call_pair(d, tmp, answerer=["--snapshot", png],
                                               duration=5)
        check_call_output(ra, oa, ea)
        nodes = [n for k, _, n in REMOTE.findall(ob) if k == "video"]
        if set(nodes) == {"none"}:
            assert rb == 1 and "no snapshot written" in eb, (rb, eb)
            raise tap.Skip("rtcd publishes no PipeWire node for remote tracks yet")
        check_call_output(rb, ob, eb)
        assert re.search(r"^snapshot: %s \(640x480" % re.escape(png), ob, re.M), ob
        check_png(png)
        m = re.search(r"^glass-to-glass latency: median ([\d.]+) ms, p95 ([\d.]+) ms over "
                      r"(\d+) frames$", ob, re.M)
        assert m and int(m.group(3)) > 0 and 0 < float(m.group(1)) <= float(m.group(2)), ob
        tap.comment("glass-to-glass: " + m.group(0))


def main():
    t = rtcdtest.Tap()
    if PIPEWIRE:
        with rtcdtest.Daemon(["--fake-media-devices"]) as d:
            for case in (test_snapshot_of_a_node, test_call_snapshot_and_latency):
                t.run(case, d)
    else:
        with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d:
            for case in (test_call_both_ways, test_call_audio_only_one_way, test_call_usage,
                         test_call_fails_clearly, test_devices):
                t.run(case, d)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
