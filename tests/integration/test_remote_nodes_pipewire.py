#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Remote tracks published as PipeWire nodes, and Play(), with a real
PipeWire and WirePlumber (run inside tests/media/run-with-pipewire.sh):
one peer connection sends rtcd's fake camera and microphone, the other's
remote tracks name their nodes in PipeWireNode; a separate PipeWire client
(tests/media/pw-test-sink) reads the fake pattern's frame counters from the
video node, in order with none missing, and hears the tone from the audio
node; Play() reaches a sink of the test's own; PipeWire killed and started
again mid-call takes the nodes away and brings them back; closing the
connection removes them from the registry. Without PipeWire (--no-pipewire,
also run as a plain integration test) PipeWireNode is "" and Play() is
NotReadableError."""
import os
import re
import signal
import subprocess
import sys
import threading
import time

import dbus
import rtcdtest
import tap
from rtcdtest import BUS_NAME
from test_ice import state
from test_media_send import connect, gum, p, stats_of, transceivers

TRACK = "org.rtcd.WebRTC1.MediaStreamTrack"
ERR = "org.rtcd.WebRTC1.Error."
BUILD = os.environ.get("RTCD_BUILD_ROOT", "build")
SINK = os.path.join(BUILD, "tests", "media", "pw-test-sink")
FRAME = re.compile(r"^frame (\d+) (\d+) (\d+) (-?\d+) (-?\d+) (ok|bad)$")
AUDIO = re.compile(r"^audio .* rms=([\d.]+) samples=(\d+)$")
# The fake microphone's tone peaks at 8192 (-12 dBFS): its RMS is ~5800
# before Opus; silence and noise are far below this.
TONE_RMS = 1000.0


def tp(bus, path, name):
    return rtcdtest.prop(bus, path, TRACK, name)


def track(bus, path):
    return dbus.Interface(bus.get_object(BUS_NAME, path), TRACK)


def set_enabled(bus, path, enabled):
    bus.get_object(BUS_NAME, path).Set(TRACK, "Enabled", dbus.Boolean(enabled),
                                       dbus_interface=rtcdtest.PROPS)


def error_of(fn):
    try:
        fn()
    except dbus.exceptions.DBusException as e:
        return e.get_dbus_name()
    raise AssertionError("no error")


def opts(**kw):
    return dbus.Dictionary(kw, signature="sv")


def registry_nodes():
    """node.name of every node PipeWire has now."""
    r = subprocess.run(["pw-cli", "ls", "Node"], capture_output=True, text=True, timeout=10)
    return set(re.findall(r'node\.name = "([^"]*)"', r.stdout))


class Consumer:
    """tests/media/pw-test-sink: a PipeWire client of the test's own; its
    lines are collected as they come."""

    def __init__(self, *args):
        self.lines = []
        self.proc = subprocess.Popen([SINK, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def frames(self, since=0):
        """(counter, width, height, seq, ok) of the frames read."""
        out = []
        for line in self.lines[since:]:
            m = FRAME.match(line)
            if m:
                out.append((int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[6] == "ok"))
        return out

    def loudest(self, since=0):
        """The highest RMS of the audio lines from `since` on (0 for none)."""
        return max([float(m[1]) for m in map(AUDIO.match, self.lines[since:]) if m],
                   default=0.0)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# 640x480 at 15 fps: one rtcd capturing, encoding, decoding and publishing
# keeps up with that under ASan on a busy machine (at 30 fps there the
# node's consumer is still on a frame when the next comes, and the newest
# replaces the one held back).
CAMERA = dbus.Dictionary({"width": dbus.UInt32(640), "height": dbus.UInt32(480),
                          "frame-rate": dbus.Double(15.0)}, signature="sv")


def call(d, d2=None):
    """A sends the fake camera and microphone to B: B's bus, pc, signals and
    remote tracks by kind."""
    d2 = d2 or d
    bus_a, bus_b = d.bus(), d2.bus()
    sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
    a, b = d.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
    for t in gum(d, bus_a, audio=True, video=CAMERA):
        a.AddTrack(t, dbus.Array(["cam"], signature="s"))
    assert connect(bus_a, a, sig_a, bus_b, b, sig_b), (
        state(bus_a, a, "ConnectionState"), state(bus_b, b, "ConnectionState"))
    remote = {}
    for tx in transceivers(bus_b, b):
        tr = str(p(bus_b, tx, "ReceiverTrack"))
        remote[str(tp(bus_b, tr, "Kind"))] = tr
    assert set(remote) == {"audio", "video"}, remote
    return bus_a, a, bus_b, b, sig_b, remote


def wait_node(bus, path, timeout=10):
    """The remote track's PipeWireNode, once it names one."""
    assert rtcdtest.pump(lambda: str(tp(bus, path, "PipeWireNode")) != "", timeout), \
        (path, "no PipeWireNode")
    return str(tp(bus, path, "PipeWireNode"))


def sender_drops(a):
    """Frames the sender's camera gave that its encoder has not encoded
    (dropped when it was behind, skipped by rate control, or in its queue):
    never on the wire."""
    (src,) = [v for v in a.GetStats().values()
              if v["type"] == "media-source" and v.get("kind") == "video"]
    return int(src["frames"]) - int(stats_of(a, "outbound-rtp", "video")[0]["framesEncoded"])


def longest_run(frames):
    """The most frames in a row whose counters (the fake camera's) and seqs
    (the node's, one per frame pushed to it) both follow one another."""
    best = run = 1 if frames else 0
    for x, y in zip(frames, frames[1:]):
        run = run + 1 if (y[0], y[3]) == (x[0] + 1, x[3] + 1) else 1
        best = max(best, run)
    return best


def read_pattern(a, b, node, want=30, timeout=30):
    """Reads the remote video node until `want` frames in a row came, one
    counter after the other with none missing (the first frame after
    linking may be any): every frame readable and 640x480, counters and
    the node's seqs never going back, nothing lost on the way (loopback).
    A sender that falls behind on a loaded machine skips frames before they
    are encoded; those gaps are shown, and the run waited for."""
    before = sender_drops(a)
    with Consumer("pattern", node) as c:
        rtcdtest.pump(lambda: longest_run(c.frames()[1:]) >= want, timeout)
        frames = c.frames()
    not_encoded = sender_drops(a) - before
    bad = [f for f in frames[1:] if not f[4] or f[1:3] != (640, 480)]
    assert not bad, bad[:5]
    backwards = [(x, y) for x, y in zip(frames, frames[1:]) if y[0] <= x[0] or y[3] <= x[3]]
    assert not backwards, backwards[:5]
    gaps = [(x[0], y[0]) for x, y in zip(frames[1:], frames[2:]) if y[0] != x[0] + 1]
    seq_gaps = [(x[3], y[3]) for x, y in zip(frames[1:], frames[2:]) if y[3] != x[3] + 1]
    inbound = stats_of(b, "inbound-rtp", "video")[0]
    assert inbound["packetsLost"] == 0 and inbound.get("framesDropped", 0) == 0, inbound
    tap.comment("node %s: %d frames, counters %d..%d; gaps %s (the sender did not encode %d "
                "meanwhile), node seq gaps %s" % (node, len(frames), frames[0][0] if frames else -1,
                                                   frames[-1][0] if frames else -1, gaps[:5],
                                                   not_encoded, seq_gaps[:5]))
    assert longest_run(frames[1:]) >= want, (len(frames), gaps[:10], seq_gaps[:10])
    return frames


def test_video_node(d, d2=None):
    bus_a, a, bus_b, b, sig_b, remote = call(d, d2)
    video = remote["video"]
    name = wait_node(bus_b, video)
    assert name.startswith("rtcd.track."), name
    assert any(q == video and m == "PropertiesChanged" and "PipeWireNode" in x[1]
               for (q, _, m, x) in sig_b.log), "PipeWireNode changed without a signal"
    assert name in registry_nodes(), (name, registry_nodes())
    read_pattern(a, b, name)

    # Enabled false: nothing reaches the node; true: frames again.
    with Consumer("pattern", name) as c:
        assert rtcdtest.pump(lambda: len(c.frames()) > 5, 10), c.lines[-5:]
        set_enabled(bus_b, video, False)
        rtcdtest.pump(None, 0.5)
        held = len(c.frames())
        rtcdtest.pump(None, 1.0)
        assert len(c.frames()) <= held + 1, (held, len(c.frames()))
        # Decoding goes on meanwhile.
        assert track(bus_b, video).GetStats()["deliveredFrames"] > 0
        set_enabled(bus_b, video, True)
        assert rtcdtest.pump(lambda: len(c.frames()) > held + 10, 10), c.lines[-5:]

    # The connection closes: the nodes leave PipeWire's registry.
    audio_name = wait_node(bus_b, remote["audio"])
    b.Close()
    assert rtcdtest.pump(lambda: not {name, audio_name} & registry_nodes(), 5), \
        registry_nodes()


def test_video_node_two_daemons(d):
    with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as sender:
        test_video_node(sender, d)


def test_audio_node(d):
    bus_a, a, bus_b, b, sig_b, remote = call(d)
    name = wait_node(bus_b, remote["audio"])
    assert name.startswith("rtcd.track.") and name in registry_nodes(), name
    with Consumer("capture", name, "2") as c:
        assert rtcdtest.pump(lambda: c.loudest() > TONE_RMS, 10), c.lines[-5:]
        tap.comment("audio node %s: RMS %.0f" % (name, c.loudest()))
    b.Close()


def test_play(d):
    bus_a, a, bus_b, b, sig_b, remote = call(d)
    audio, video = remote["audio"], remote["video"]
    wait_node(bus_b, audio)
    # W3C has no play() on a track: remote audio only.
    assert error_of(lambda: track(bus_b, video).Play(opts())) == ERR + "NotSupportedError"
    (local,) = gum(d, bus_a, audio=True)
    assert error_of(lambda: track(bus_a, local).Play(opts())) == ERR + "NotSupportedError"
    assert error_of(lambda: track(bus_b, audio).Play(opts(target="no-such-sink"))) == \
        ERR + "NotFoundError"
    assert error_of(lambda: track(bus_b, audio).Play(opts(volume=1))) == ERR + "TypeError"
    devices = lambda: {str(e[0]) for e in d.manager(bus_b).EnumerateDevices()}  # noqa: E731
    with Consumer("sink", "rtcd-test-sink", "2") as one, \
            Consumer("sink", "rtcd-test-sink-2", "2") as two:
        assert rtcdtest.pump(lambda: {"rtcd-test-sink", "rtcd-test-sink-2"} <= devices(), 10)
        track(bus_b, audio).Play(opts(target="rtcd-test-sink"))
        assert rtcdtest.pump(lambda: one.loudest() > TONE_RMS, 10), one.lines[-5:]
        tap.comment("played to rtcd-test-sink: RMS %.0f" % one.loudest())
        # Again: retargeted; the first sink hears it no more.
        track(bus_b, audio).Play(opts(target="rtcd-test-sink-2"))
        assert rtcdtest.pump(lambda: two.loudest() > TONE_RMS, 10), two.lines[-5:]
        rtcdtest.pump(None, 0.5)
        mark = len(one.lines)
        rtcdtest.pump(None, 1.0)
        assert one.loudest(mark) < TONE_RMS / 10, one.lines[mark:]
        # Stop(): the track ends and its playback with it.
        track(bus_b, audio).Stop()
        rtcdtest.pump(None, 0.5)
        mark = len(two.lines)
        rtcdtest.pump(None, 1.0)
        assert two.loudest(mark) < TONE_RMS / 10, two.lines[mark:]
        assert str(tp(bus_b, audio, "PipeWireNode")) == ""
        assert error_of(lambda: track(bus_b, audio).Play(opts())) == ERR + "InvalidStateError"
    b.Close()


def start_pipewire():
    """pipewire and wireplumber again, as run-with-pipewire.sh started them."""
    procs = [subprocess.Popen(["pipewire"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    # WirePlumber goes with the PipeWire it served; wait for the socket first.
    sock = os.path.join(os.environ["XDG_RUNTIME_DIR"], "pipewire-0")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = subprocess.run(["pw-cli", "info", "0"], capture_output=True, timeout=10)
        if r.returncode == 0 and os.path.exists(sock):
            break
        time.sleep(0.1)
    procs.append(subprocess.Popen(["wireplumber"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        r = subprocess.run(["pw-cli", "ls", "Client"], capture_output=True, text=True,
                           timeout=10)
        if "WirePlumber [export]" in r.stdout:
            return procs
        time.sleep(0.1)
    raise AssertionError("PipeWire did not come back")


def test_pipewire_restarts(d):
    bus_a, a, bus_b, b, sig_b, remote = call(d)
    video = remote["video"]
    name = wait_node(bus_b, video)
    os.kill(int(os.environ["RTCD_PIPEWIRE_PID"]), signal.SIGKILL)
    assert rtcdtest.pump(lambda: str(tp(bus_b, video, "PipeWireNode")) == "", 10)
    assert str(tp(bus_b, remote["audio"], "PipeWireNode")) == ""
    # The call and decoding go on without PipeWire.
    first = stats_of(b, "inbound-rtp", "video")[0]["framesDecoded"]
    assert rtcdtest.pump(lambda: stats_of(b, "inbound-rtp", "video")[0]["framesDecoded"] >
                         first + 10, 10)
    assert error_of(lambda: track(bus_b, remote["audio"]).Play(opts())) == \
        ERR + "NotReadableError"
    procs = start_pipewire()
    try:
        # rtcd reconnects (every 3 s) and publishes the nodes again.
        again = wait_node(bus_b, video, timeout=15)
        assert again == name, (again, name)
        assert wait_node(bus_b, remote["audio"]) != ""
        assert rtcdtest.pump(lambda: name in registry_nodes(), 5), registry_nodes()
        read_pattern(a, b, name, want=10)
        assert str(state(bus_b, b, "ConnectionState")) == "connected"
        b.Close()
        assert rtcdtest.pump(lambda: name not in registry_nodes(), 5), registry_nodes()
        assert d.rtcd.poll() is None
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=10)


def test_without_pipewire(d):
    bus_a, a, bus_b, b, sig_b, remote = call(d)
    assert rtcdtest.pump(lambda: stats_of(b, "inbound-rtp", "video") and
                         stats_of(b, "inbound-rtp", "video")[0].get("framesDecoded", 0) > 5, 20)
    for path in remote.values():
        assert str(tp(bus_b, path, "PipeWireNode")) == ""
    assert error_of(lambda: track(bus_b, remote["audio"]).Play(opts())) == \
        ERR + "NotReadableError"
    assert error_of(lambda: track(bus_b, remote["video"]).Play(opts())) == \
        ERR + "NotSupportedError"
    b.Close()


def main():
    runner = rtcdtest.Tap()
    with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d:
        runner.run(test_without_pipewire, d)
    # PipeWire's own, started by tests/media/run-with-pipewire.sh (it kills
    # and restarts it): never the user's.
    cases = (test_video_node, test_video_node_two_daemons, test_audio_node, test_play,
             test_pipewire_restarts)
    if "RTCD_PIPEWIRE_PID" not in os.environ:
        for t in cases:
            runner.skip(t.__name__, "not run inside tests/media/run-with-pipewire.sh")
        return runner.done()
    # test_pipewire_restarts replaces PipeWire: it comes last.
    for t in cases:
        with rtcdtest.Daemon(["--fake-media-devices"]) as d:
            runner.run(t, d)
    return runner.done()


if __name__ == "__main__":
    sys.exit(main())
