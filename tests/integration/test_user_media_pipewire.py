#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GetUserMedia through a real PipeWire (run inside
tests/media/run-with-pipewire.sh): devices of the test's own source nodes
come and go with DeviceChange, tracks capture from them, a node that goes
away ends its track, MJPG cameras are decoded (a corrupt frame dropped and
counted), audio constraints apply to a live track, a device another program
holds exclusively is NotReadableError, a sandboxed app captures only
through the fd it passes, and PipeWire dying ends tracks without hurting
anything else.

    test_user_media_pipewire.py [TEST_NAME...]   (all by default)"""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time

import dbus
import rtcdtest
import tap
from rtcdtest import BUS_NAME, ROOT, MANAGER

TRACK = "org.rtcd.WebRTC1.MediaStreamTrack"
ERR = "org.rtcd.WebRTC1.Error."
SOURCE = os.path.join(os.environ.get("RTCD_BUILD_ROOT", "build"), "tests", "media",
                      "pw-test-source")


def manager(bus):
    return dbus.Interface(bus.get_object(BUS_NAME, ROOT), MANAGER)


def gum(bus, **constraints):
    c = dbus.Dictionary({}, signature="sv")
    for k, v in constraints.items():
        c[k.replace("_", "-")] = dbus.Dictionary(v, signature="sv") if isinstance(v, dict) \
            else v
    return [str(p) for p in manager(bus).GetUserMedia(c, timeout=20)]


def error_of(fn):
    try:
        fn()
    except dbus.exceptions.DBusException as e:
        return e.get_dbus_name(), e.get_dbus_message()
    raise AssertionError("no error")


def devices(bus):
    return {str(e[0]): tuple(str(x) for x in e[1:]) for e in manager(bus).EnumerateDevices()}


def track(bus, path):
    return dbus.Interface(bus.get_object(BUS_NAME, path), TRACK)


def delivered(bus, path):
    return int(track(bus, path).GetStats()["deliveredFrames"])


def stats(bus, path):
    return {str(k): int(v) for k, v in track(bus, path).GetStats().items()}


class Source:
    """A PipeWire source node of the test's own (tests/media/pw-test-source);
    what it says on stderr (the formats it negotiated, the frames it
    spoilt) is collected in lines."""

    def __init__(self, name, description, *flags):
        self.name = name
        self.lines = []
        self.proc = subprocess.Popen([SOURCE, *flags, name, description],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.strip())

    def said(self, prefix):
        return [ln for ln in self.lines if ln.startswith("pw-test-source: " + prefix)]

    def formats(self):
        """The video formats negotiated, in order: "640x480 YUY2", ..."""
        return [ln.split(": ", 1)[1] for ln in self.lines
                if ln.startswith("pw-test-source: ") and "x" in ln.split(": ", 1)[1][:6]
                and not ln.startswith("pw-test-source: corrupt")]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wait_device(bus, name, present=True, timeout=5.0):
    assert rtcdtest.pump(lambda: (name in devices(bus)) == present, timeout=timeout), \
        (name, present, devices(bus))


def test_devices_come_and_go(d):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    with Source("rtcd-test-camera", "Test Camera"):
        wait_device(bus, "rtcd-test-camera")
        kind, label, group = devices(bus)["rtcd-test-camera"]
        assert (kind, label) == ("videoinput", "Test Camera"), (kind, label)
        assert group, group
        assert rtcdtest.pump(lambda: "DeviceChange" in sig.members(ROOT))
        before = sig.members(ROOT).count("DeviceChange")
    wait_device(bus, "rtcd-test-camera", present=False)
    assert rtcdtest.pump(lambda: sig.members(ROOT).count("DeviceChange") > before)
    # rtcd's own nodes and PipeWire's drivers are no capture devices.
    assert all(k in ("audioinput", "videoinput", "audiooutput")
               for (k, _, _) in devices(bus).values())


def test_capture_video(d):
    bus = d.bus()
    with Source("rtcd-test-camera", "Test Camera") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video={"device-id": src.name})
        props = rtcdtest.props(bus, path, TRACK)
        assert props["PipeWireNode"] == src.name, props
        assert props["Label"] == "Test Camera" and props["ReadyState"] == "live", props
        s = track(bus, path).GetSettings()
        assert (s["width"], s["height"]) == (640, 480) and s["deviceId"] == src.name, s
        first = delivered(bus, path)
        time.sleep(1.0)
        n = delivered(bus, path) - first
        assert 10 <= n <= 60, n
        # A smaller size: the camera renegotiates or rtcd scales; either way
        # frames of that size reach the track.
        track(bus, path).ApplyConstraints(dbus.Dictionary(
            {"width": dbus.UInt32(320), "height": dbus.UInt32(240)}, signature="sv"))
        assert rtcdtest.pump(lambda: (track(bus, path).GetSettings()["width"],
                                      track(bus, path).GetSettings()["height"]) == (320, 240),
                             timeout=5), track(bus, path).GetSettings()
        # Unplugged: Ended once, ReadyState ended, the object stays until Stop.
        sig = rtcdtest.Signals(bus)
        src.stop()
        assert rtcdtest.pump(lambda: "Ended" in sig.members(path), timeout=5), sig.log
        assert rtcdtest.prop(bus, path, TRACK, "ReadyState") == "ended"
        name, _ = error_of(lambda: track(bus, path).ApplyConstraints(
            dbus.Dictionary({"width": dbus.UInt32(160)}, signature="sv")))
        assert name == ERR + "InvalidStateError", name
        track(bus, path).Stop()
    assert sig.members(path).count("Ended") == 1


def test_stalled_source_mutes(d):
    bus = d.bus()
    with Source("rtcd-test-camera", "Test Camera") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video={"device-id": src.name})
        sig = rtcdtest.Signals(bus)
        # A source that stops delivering (stopped, not gone): W3C muted.
        src.proc.send_signal(signal.SIGSTOP)
        try:
            assert rtcdtest.pump(lambda: "Mute" in sig.members(path), timeout=5), sig.log
            assert rtcdtest.prop(bus, path, TRACK, "Muted")
            assert rtcdtest.prop(bus, path, TRACK, "ReadyState") == "live"
        finally:
            src.proc.send_signal(signal.SIGCONT)
        assert rtcdtest.pump(lambda: "Unmute" in sig.members(path), timeout=5), sig.log
        assert not rtcdtest.prop(bus, path, TRACK, "Muted")


def test_capture_default_and_formats(d):
    bus = d.bus()
    for flag in ("--nv12", "--yuy2"):
        with Source("rtcd-test-" + flag[2:], "Camera " + flag[2:], flag) as src:
            wait_device(bus, src.name)
            (path,) = gum(bus, video={"device-id": src.name})
            assert rtcdtest.pump(lambda: delivered(bus, path) >= 5, timeout=5)
            s = track(bus, path).GetSettings()
            assert (s["width"], s["height"]) == (640, 480), (flag, s)
            track(bus, path).Stop()
    with Source("rtcd-test-only-camera", "Only Camera") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video=True)       # the default camera: the only one
        assert rtcdtest.prop(bus, path, TRACK, "PipeWireNode") == src.name


def test_capture_audio(d):
    bus = d.bus()
    with Source("rtcd-test-microphone", "Test Microphone", "--audio") as src:
        wait_device(bus, src.name)
        assert devices(bus)[src.name][0] == "audioinput"
        (path,) = gum(bus, audio={"device-id": src.name})
        s = track(bus, path).GetSettings()
        assert s["sampleRate"] == 48000 and s["channelCount"] >= 1, s
        assert rtcdtest.pump(lambda: delivered(bus, path) >= 10, timeout=5)


def test_first_call_waits_for_pipewire(d):
    # rtcd was not started yet: the node exists before rtcd connects, and
    # the first call comes while rtcd's PipeWire connection is still
    # reading the registry. It waits for it rather than failing.
    with Source("rtcd-test-camera", "Test Camera") as src:
        subprocess.run(["pw-cli", "ls", "Node"], capture_output=True, timeout=10)
        time.sleep(0.5)
        d.start()
        bus = d.bus()
        (path,) = gum(bus, video={"device-id": src.name})
        assert rtcdtest.prop(bus, path, TRACK, "PipeWireNode") == src.name


def test_errors(d):
    bus = d.bus()
    name, msg = error_of(lambda: gum(bus, video={"device-id": "no-such-node"}))
    assert name == ERR + "NotFoundError" and "no-such-node" in msg, (name, msg)
    with Source("rtcd-test-camera", "Test Camera") as src:
        wait_device(bus, src.name)
        # A camera is not a microphone.
        name, _ = error_of(lambda: gum(bus, audio={"device-id": src.name}))
        assert name == ERR + "NotFoundError", name
        name, msg = error_of(lambda: gum(bus, video={"device-id": src.name,
                                                     "width": dbus.UInt32(99999)}))
        assert name == ERR + "OverconstrainedError" and "width" in msg, (name, msg)
        assert len(gum(bus, video={"device-id": src.name})) == 1


def test_mjpg_camera(d):
    # A camera that gives MJPG only, 4:2:0 and 4:2:2 (webcams send both):
    # decoded to I420 at the size asked, every frame read.
    bus = d.bus()
    for flag, size, subsampling in (("--mjpg", (640, 480), "4:2:0"),
                                    ("--mjpg422", (1280, 720), "4:2:2")):
        with Source("rtcd-test-mjpg-" + subsampling[2], "MJPG Camera", flag) as src:
            wait_device(bus, src.name)
            (path,) = gum(bus, video={"device-id": src.name, "width": dbus.UInt32(size[0]),
                                      "height": dbus.UInt32(size[1])})
            assert rtcdtest.pump(lambda: delivered(bus, path) >= 15, timeout=5), \
                stats(bus, path)
            s = track(bus, path).GetSettings()
            assert (s["width"], s["height"]) == size and s["resizeMode"] == "none", (flag, s)
            assert src.formats()[-1] == "%dx%d MJPG %s" % (size + (subsampling,)), src.lines
            st = stats(bus, path)
            assert st["discardedFrames"] == 0 and st["totalFrames"] == st["deliveredFrames"], st
            if flag == "--mjpg":
                # A smaller size: the camera renegotiates its JPEGs (or
                # rtcd scales the decoded frames); frames of that size go on.
                apply(bus, path, width=320, height=240)
                assert rtcdtest.pump(lambda: (track(bus, path).GetSettings()["width"],
                                              track(bus, path).GetSettings()["height"])
                                     == (320, 240), timeout=5), track(bus, path).GetSettings()
                before = delivered(bus, path)
                assert rtcdtest.pump(lambda: delivered(bus, path) >= before + 10, timeout=5)
                print("# MJPG camera after ApplyConstraints: sends %s" % src.formats()[-1])
                assert stats(bus, path)["discardedFrames"] == 0
            track(bus, path).Stop()


def test_mjpg_corrupt_frame_dropped(d):
    # Every 10th frame undecodable (cut short, or its header wiped): dropped
    # and counted in discardedFrames; the track goes on, live and unmuted.
    bus = d.bus()
    with Source("rtcd-test-mjpg-bad", "Flaky MJPG Camera", "--mjpg",
                "--corrupt-every", "10") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video={"device-id": src.name})
        sig = rtcdtest.Signals(bus)
        assert rtcdtest.pump(lambda: stats(bus, path)["discardedFrames"] >= 4, timeout=8), \
            (stats(bus, path), src.lines[-5:])
        st = stats(bus, path)
        spoilt = len(src.said("corrupt frame"))
        # Only spoilt frames are discarded (rtcd reads the newest buffer
        # of a cycle, so it may not see every one).
        assert st["discardedFrames"] <= spoilt, (st, spoilt)
        assert st["totalFrames"] == st["deliveredFrames"] + st["discardedFrames"], st
        print("# corrupt MJPG: %d spoilt by the camera, %d discarded, %d delivered"
              % (spoilt, st["discardedFrames"], st["deliveredFrames"]))
        before = st["deliveredFrames"]
        assert rtcdtest.pump(lambda: delivered(bus, path) >= before + 20, timeout=5)
        assert rtcdtest.prop(bus, path, TRACK, "ReadyState") == "live"
        assert not rtcdtest.prop(bus, path, TRACK, "Muted")
        assert "Ended" not in sig.members(path) and "Mute" not in sig.members(path), sig.log
        s = track(bus, path).GetSettings()
        assert (s["width"], s["height"]) == (640, 480), s


def test_mjpg_or_raw(d):
    # A webcam offering YUY2 up to 640x480 and MJPG up to 1920x1080: rtcd
    # takes the raw format where it gives the size asked (no decoding),
    # MJPG only for a size raw does not reach.
    bus = d.bus()
    with Source("rtcd-test-webcam", "USB Webcam", "--mjpg-yuy2") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video={"device-id": src.name})
        assert rtcdtest.pump(lambda: delivered(bus, path) >= 10, timeout=5)
        assert src.formats()[-1] == "640x480 YUY2", src.lines
        track(bus, path).Stop()
    with Source("rtcd-test-webcam-hd", "USB Webcam", "--mjpg-yuy2") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video={"device-id": src.name, "width": dbus.UInt32(1280),
                                  "height": dbus.UInt32(720)})
        assert rtcdtest.pump(lambda: delivered(bus, path) >= 10, timeout=5)
        assert src.formats()[-1] == "1280x720 MJPG 4:2:2", src.lines
        assert "no raw format at that size" in d.log(), d.log()[-2000:]
        s = track(bus, path).GetSettings()
        assert (s["width"], s["height"]) == (1280, 720), s
        assert stats(bus, path)["discardedFrames"] == 0


def audio_settings(bus, path):
    s = track(bus, path).GetSettings()
    return int(s["sampleRate"]), int(s["channelCount"])


def apply(bus, path, **constraints):
    c = dbus.Dictionary({k.replace("_", "-"): dbus.UInt32(v) if isinstance(v, int) else v
                         for k, v in constraints.items()}, signature="sv")
    track(bus, path).ApplyConstraints(c)


def test_audio_apply_constraints(d):
    # A stereo 44.1 kHz microphone; PipeWire converts to what is asked.
    bus = d.bus()
    with Source("rtcd-test-stereo-mic", "Stereo Microphone", "--audio", "--rate", "44100",
                "--channels", "2") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, audio={"device-id": src.name})
        assert audio_settings(bus, path) == (48000, 1)
        assert rtcdtest.pump(lambda: delivered(bus, path) >= 10, timeout=5)
        # Supported: the settings change, frames follow.
        apply(bus, path, sample_rate=16000, channels=2)
        assert rtcdtest.pump(lambda: audio_settings(bus, path) == (16000, 2), timeout=5), \
            audio_settings(bus, path)
        before = delivered(bus, path)
        assert rtcdtest.pump(lambda: delivered(bus, path) >= before + 10, timeout=5)
        # The device's own rate and channels.
        apply(bus, path, sample_rate=44100)
        assert rtcdtest.pump(lambda: audio_settings(bus, path) == (44100, 2), timeout=5), \
            audio_settings(bus, path)
        # Impossible: OverconstrainedError naming the constraint, nothing changed.
        for constraints, key in (({"sample_rate": 4000}, "sample-rate"),
                                 ({"sample_rate": 500000}, "sample-rate"),
                                 ({"channels": 9}, "channels"),
                                 ({"device_id": "rtcd-test-other-mic"}, "device-id")):
            name, msg = error_of(lambda: apply(bus, path, **constraints))
            assert name == ERR + "OverconstrainedError" and key in msg, (constraints, name, msg)
            assert audio_settings(bus, path) == (44100, 2)
        before = delivered(bus, path)
        assert rtcdtest.pump(lambda: delivered(bus, path) >= before + 10, timeout=5)
        assert rtcdtest.prop(bus, path, TRACK, "ReadyState") == "live"
        # Wrong type: TypeError-like refusal, still nothing changed.
        name, _ = error_of(lambda: track(bus, path).ApplyConstraints(
            dbus.Dictionary({"sample-rate": "fast"}, signature="sv")))
        assert name.startswith(ERR), name
        assert audio_settings(bus, path) == (44100, 2)


def apply_async(bus, path, results, **constraints):
    """ApplyConstraints without waiting: ("ok" or (error name, message),
    constraints) is appended to results when it is answered."""
    c = dbus.Dictionary({k.replace("_", "-"): dbus.UInt32(v) if isinstance(v, int) else v
                         for k, v in constraints.items()}, signature="sv")
    t = bus.get_object(BUS_NAME, path, introspect=False)
    t.ApplyConstraints(c, dbus_interface=TRACK, timeout=30,
                       reply_handler=lambda: results.append(("ok", c)),
                       error_handler=lambda e: results.append(
                           ((e.get_dbus_name(), e.get_dbus_message()), c)))


def video_settings(bus, path):
    s = track(bus, path).GetSettings()
    return int(s["width"]), int(s["height"]), float(s["frameRate"])


def frames_flow(bus, path, n=10):
    before = delivered(bus, path)
    return rtcdtest.pump(lambda: delivered(bus, path) >= before + n, timeout=5)


def test_video_apply_constraints(d):
    # The test node offers 16x16 to 1920x1080 at 30 fps (640x480 by
    # default). ApplyConstraints answers once the device renegotiated and a
    # frame came in the new settings (GetSettings has them already), or
    # with OverconstrainedError naming the constraint once the previous
    # settings are back.
    bus = d.bus()
    with Source("rtcd-test-camera", "Test Camera") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video={"device-id": src.name})
        assert video_settings(bus, path) == (640, 480, 30.0)
        for constraints, key in (({"frame_rate": 60.0}, "frame-rate"),
                                 ({"width": 2560, "height": 1440}, "width")):
            t0 = time.monotonic()
            name, msg = error_of(lambda: apply(bus, path, **constraints))
            print("# %s: %s after %.2f s: %s" % (key, name, time.monotonic() - t0, msg))
            assert name == ERR + "OverconstrainedError" and key in msg, (name, msg)
            assert video_settings(bus, path) == (640, 480, 30.0), video_settings(bus, path)
            # Frames go on, at the size the track had (settings follow them).
            assert frames_flow(bus, path), (src.lines, d.log()[-3000:])
            assert video_settings(bus, path) == (640, 480, 30.0), video_settings(bus, path)
            assert rtcdtest.prop(bus, path, TRACK, "ReadyState") == "live"
        t0 = time.monotonic()
        apply(bus, path, width=1280, height=720)
        print("# 1280x720 applied after %.2f s" % (time.monotonic() - t0))
        assert video_settings(bus, path) == (1280, 720, 30.0), video_settings(bus, path)
        assert src.formats()[-1] == "1280x720 I420", src.lines
        assert frames_flow(bus, path)
        assert video_settings(bus, path) == (1280, 720, 30.0), video_settings(bus, path)
        # Calls made meanwhile wait their turn, each answered in order.
        results = []
        apply_async(bus, path, results, width=640, height=480)
        apply_async(bus, path, results, frame_rate=60.0)
        apply_async(bus, path, results, width=320, height=240)
        assert rtcdtest.pump(lambda: len(results) == 3, timeout=40), results
        outcomes = [r for (r, _) in results]
        assert [int(c.get("width", 0)) for (_, c) in results] == [640, 0, 320], results
        assert outcomes[0] == "ok" and outcomes[2] == "ok", (results, d.log()[-3000:])
        assert outcomes[1][0] == ERR + "OverconstrainedError" and "frame-rate" in \
            outcomes[1][1], results
        assert video_settings(bus, path) == (320, 240, 30.0), video_settings(bus, path)
        assert frames_flow(bus, path)
        # One side: the other follows the aspect ratio.
        apply(bus, path, width=640)
        assert video_settings(bus, path) == (640, 480, 30.0), video_settings(bus, path)
        assert frames_flow(bus, path)
        assert video_settings(bus, path) == (640, 480, 30.0), video_settings(bus, path)


def test_apply_constraints_device_goes(d):
    # The node goes while an apply is under way: the call is answered
    # (NotReadableError), the track ends, nothing is left behind.
    bus = d.bus()
    with Source("rtcd-test-camera", "Test Camera") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video={"device-id": src.name})
        sig = rtcdtest.Signals(bus)
        results = []
        apply_async(bus, path, results, width=1280, height=720)
        apply_async(bus, path, results, width=320, height=240)
        rtcdtest.pump(timeout=0.05)
        src.stop()
        assert rtcdtest.pump(lambda: len(results) == 2, timeout=15), results
        assert rtcdtest.pump(lambda: "Ended" in sig.members(path), timeout=5), sig.log
        print("# answers: %s" % [r for (r, _) in results])
        assert results[0][0][0] == ERR + "NotReadableError", results
        assert results[1][0][0] == ERR + "InvalidStateError", results
        track(bus, path).Stop()
    # The owner leaves with an apply under way: rtcd answers and frees.
    with Source("rtcd-test-camera", "Test Camera") as src:
        wait_device(bus, src.name)
        script = ("import dbus,sys\n"
                  "b=dbus.bus.BusConnection(sys.argv[1])\n"
                  "m=b.get_object('org.rtcd.WebRTC1','/org/rtcd/WebRTC1')\n"
                  "p=m.GetUserMedia({'video':dbus.Dictionary({'device-id':sys.argv[2]},"
                  "signature='sv')},"
                  "dbus_interface='org.rtcd.WebRTC1.Manager',signature='a{sv}')\n"
                  "t=b.get_object('org.rtcd.WebRTC1',p[0])\n"
                  "t.ApplyConstraints({'width':dbus.UInt32(1280)},signature='a{sv}',"
                  "dbus_interface='org.rtcd.WebRTC1.MediaStreamTrack',"
                  "reply_handler=lambda:0,error_handler=lambda e:0)\n"
                  "b.flush()\n"
                  "print('sent',flush=True)\n")
        out = subprocess.run(["/usr/bin/python3", "-c", script, d.address, src.name],
                             capture_output=True, text=True, timeout=30)
        assert out.stdout.strip() == "sent", out.stderr
        om = dbus.Interface(bus.get_object(BUS_NAME, ROOT), "org.freedesktop.DBus.ObjectManager")
        assert rtcdtest.pump(lambda: [p for p in om.GetManagedObjects() if "/track/" in p]
                             == [], timeout=5)
        assert rtcdtest.pump(lambda: rtcd_capture_nodes() == 0, timeout=5)
    assert d.rtcd.poll() is None


def rtcd_capture_nodes():
    out = subprocess.run(["pw-cli", "ls", "Node"], capture_output=True, text=True,
                         timeout=10).stdout
    return out.count('node.name = "rtcd-capture"')


def node_linked(name):
    """Whether some link has the node named `name` at one end."""
    out = subprocess.run(["pw-link", "-l"], capture_output=True, text=True, timeout=10).stdout
    return any(line.startswith(name + ":") for line in out.splitlines()) and "|->" in out


def test_device_held_exclusively(d):
    # Another program holds the camera (node.exclusive on its stream, as
    # PW_STREAM_FLAG_EXCLUSIVE sets): WirePlumber refuses rtcd's link, and
    # GetUserMedia says NotReadableError within its open timeout, leaving no
    # stream behind; another camera still opens, and once the holder quits,
    # the camera opens too.
    if not shutil.which("gst-launch-1.0"):
        raise AssertionError("gstreamer1.0-tools is not installed")
    bus = d.bus()
    with Source("rtcd-test-held", "Held Camera") as held, \
            Source("rtcd-test-free", "Free Camera") as free:
        wait_device(bus, held.name)
        wait_device(bus, free.name)
        holder = subprocess.Popen(
            ["gst-launch-1.0", "-q", "pipewiresrc", "target-object=" + held.name,
             "stream-properties=props,node.exclusive=true", "!", "videoconvert", "!",
             "fakesink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert rtcdtest.pump(lambda: node_linked(held.name), timeout=10), "holder not linked"
            t0 = time.monotonic()
            name, msg = error_of(lambda: gum(bus, video={"device-id": held.name}))
            took = time.monotonic() - t0
            print("# exclusive: %s after %.2f s: %s" % (name, took, msg))
            assert name == ERR + "NotReadableError" and "exclusively" in msg, (name, msg)
            assert rtcdtest.pump(lambda: rtcd_capture_nodes() == 0, timeout=5), \
                "rtcd's stream stayed"
            (path,) = gum(bus, video={"device-id": free.name})
            assert rtcdtest.pump(lambda: delivered(bus, path) >= 5, timeout=5)
            track(bus, path).Stop()
        finally:
            holder.terminate()
            holder.wait(timeout=10)
        assert rtcdtest.pump(lambda: not node_linked(held.name), timeout=10)
        (path,) = gum(bus, video={"device-id": held.name})
        assert rtcdtest.pump(lambda: delivered(bus, path) >= 5, timeout=5)
    assert d.rtcd.poll() is None


def test_microphone_held_exclusively(d):
    bus = d.bus()
    with Source("rtcd-test-held-mic", "Held Microphone", "--audio") as held, \
            Source("rtcd-test-camera", "Test Camera") as cam:
        wait_device(bus, held.name)
        wait_device(bus, cam.name)
        holder = subprocess.Popen(
            ["pw-record", "--target", held.name, "-P", "{ node.exclusive = true }", "-"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert rtcdtest.pump(lambda: node_linked(held.name), timeout=10), "holder not linked"
            t0 = time.monotonic()
            name, msg = error_of(lambda: gum(bus, audio={"device-id": held.name}))
            print("# exclusive microphone: %s after %.2f s: %s"
                  % (name, time.monotonic() - t0, msg))
            assert name == ERR + "NotReadableError" and "exclusively" in msg, (name, msg)
            assert rtcdtest.pump(lambda: rtcd_capture_nodes() == 0, timeout=5), \
                "rtcd's stream stayed"
            # Its other devices open.
            (path,) = gum(bus, video={"device-id": cam.name})
            assert rtcdtest.pump(lambda: delivered(bus, path) >= 5, timeout=5)
        finally:
            holder.terminate()
            holder.wait(timeout=10)


# A client in a Flatpak-like sandbox (bwrap + /.flatpak-info).
SANDBOXED = textwrap.dedent("""
    import json, os, socket, sys, dbus
    bus = dbus.bus.BusConnection(sys.argv[1])
    m = dbus.Interface(bus.get_object("org.rtcd.WebRTC1", "/org/rtcd/WebRTC1"),
                       "org.rtcd.WebRTC1.Manager")
    out = {"devices": [str(e[0]) for e in m.EnumerateDevices()]}
    video = dbus.Dictionary({"device-id": sys.argv[2]}, signature="sv")
    try:
        m.GetUserMedia(dbus.Dictionary({"video": video}, signature="sv"), timeout=20)
        out["without_fd"] = "ok"
    except dbus.exceptions.DBusException as e:
        out["without_fd"] = e.get_dbus_name()
    # What the Camera portal would hand over: a connection to PipeWire.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[3])
    c = dbus.Dictionary({"video": video, "pipewire-fd": dbus.types.UnixFd(s.fileno())},
                        signature="sv")
    s.close()
    try:
        tracks = m.GetUserMedia(c, timeout=20)
        t = dbus.Interface(bus.get_object("org.rtcd.WebRTC1", tracks[0]),
                           "org.freedesktop.DBus.Properties")
        out["with_fd"] = str(t.Get("org.rtcd.WebRTC1.MediaStreamTrack", "PipeWireNode"))
    except dbus.exceptions.DBusException as e:
        out["with_fd"] = e.get_dbus_name() + ": " + e.get_dbus_message()
    print(json.dumps(out))
""")


def test_sandboxed_caller(d):
    if not shutil.which("bwrap"):
        raise AssertionError("bubblewrap is not installed")
    import json
    info = os.path.join(d.tmp.name, "flatpak-info")
    with open(info, "w") as f:
        f.write("[Application]\nname=org.example.Camera\n")
    pw_socket = os.path.join(os.environ["XDG_RUNTIME_DIR"], "pipewire-0")
    bus_socket = d.address.split("path=", 1)[1].split(",", 1)[0]
    prefix = ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
              "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
              "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
              "--ro-bind", info, "/.flatpak-info", "--unshare-pid",
              "--bind", bus_socket, bus_socket, "--bind", pw_socket, pw_socket]
    with Source("rtcd-test-camera", "Test Camera") as src:
        wait_device(d.bus(), src.name)
        r = subprocess.run(prefix + ["/usr/bin/python3", "-c", SANDBOXED, d.address,
                                     src.name, pw_socket],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
    # The host's devices are not listed to it, nor captured through
    # rtcd's own connection; through its own fd it reaches what that
    # connection shows.
    assert src.name not in out["devices"], out
    assert out["without_fd"] == ERR + "NotAllowedError", out
    assert out["with_fd"] == src.name, out


def test_pipewire_dies(d):
    bus = d.bus()
    with Source("rtcd-test-camera", "Test Camera") as src:
        wait_device(bus, src.name)
        (path,) = gum(bus, video={"device-id": src.name})
        sig = rtcdtest.Signals(bus)
        os.kill(int(os.environ["RTCD_PIPEWIRE_PID"]), signal.SIGKILL)
        assert rtcdtest.pump(lambda: "Ended" in sig.members(path), timeout=10), sig.log
        assert rtcdtest.prop(bus, path, TRACK, "ReadyState") == "ended"
        assert rtcdtest.pump(lambda: src.name not in devices(bus), timeout=5)
    # rtcd goes on for everyone: new calls answer, clearly.
    pc = d.create_peer_connection(d.bus())
    assert pc.CreateOffer(dbus.Dictionary({}, signature="sv")).startswith("v=0")
    name, _ = error_of(lambda: gum(bus, video=True))
    assert name in (ERR + "NotReadableError", ERR + "NotFoundError"), name
    assert d.rtcd.poll() is None


def main():
    if not os.path.exists(os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"),
                                       "pipewire-0")):
        tap.skip_all("not run inside tests/media/run-with-pipewire.sh")
    results = rtcdtest.Tap()
    # test_pipewire_dies kills PipeWire: it comes last.
    tests = (test_devices_come_and_go, test_capture_video, test_stalled_source_mutes,
             test_capture_default_and_formats, test_capture_audio, test_errors,
             test_mjpg_camera, test_mjpg_corrupt_frame_dropped, test_mjpg_or_raw,
             test_audio_apply_constraints, test_video_apply_constraints,
             test_apply_constraints_device_goes, test_device_held_exclusively,
             test_microphone_held_exclusively,
             test_first_call_waits_for_pipewire, test_sandboxed_caller, test_pipewire_dies)
    wanted = sys.argv[1:]
    for t in tests:
        if wanted and t.__name__ not in wanted:
            continue
        with rtcdtest.Daemon(start_rtcd=t is not test_first_call_waits_for_pipewire) as d:
            results.run(t, d)
    return results.done()


if __name__ == "__main__":
    sys.exit(main())
