#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GetUserMedia through a real PipeWire (run inside
tests/media/run-with-pipewire.sh): devices of the test's own source nodes
come and go with DeviceChange, tracks capture from them, a node that goes
away ends its track, a sandboxed app captures only through the fd it
passes, and PipeWire dying ends tracks without hurting anything else."""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
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


class Source:
    """A PipeWire source node of the test's own (tests/media/pw-test-source)."""

    def __init__(self, name, description, *flags):
        self.name = name
        self.proc = subprocess.Popen([SOURCE, *flags, name, description],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)

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
    for t in (test_devices_come_and_go, test_capture_video, test_stalled_source_mutes,
              test_capture_default_and_formats, test_capture_audio, test_errors,
              test_first_call_waits_for_pipewire, test_sandboxed_caller, test_pipewire_dies):
        with rtcdtest.Daemon(start_rtcd=t is not test_first_call_waits_for_pipewire) as d:
            results.run(t, d)
    return results.done()


if __name__ == "__main__":
    sys.exit(main())
