#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GetUserMedia, EnumerateDevices and MediaStreamTrack objects with the fake
devices (rtcd --fake-media-devices, no PipeWire): what a track says of
itself, constraints and their errors, quotas, ownership and cleanup."""
import subprocess
import sys
import time

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, ROOT, MANAGER

TRACK = "org.rtcd.WebRTC1.MediaStreamTrack"
ERR = "org.rtcd.WebRTC1.Error."


def manager(bus):
    return dbus.Interface(bus.get_object(BUS_NAME, ROOT), MANAGER)


def gum(bus, **constraints):
    c = dbus.Dictionary({}, signature="sv")
    for k, v in constraints.items():
        k = k.replace("_", "-")
        if isinstance(v, dict):
            v = dbus.Dictionary(v, signature="sv")
        c[k] = v
    return [str(p) for p in manager(bus).GetUserMedia(c, timeout=15)]


def error_of(fn):
    try:
        fn()
    except dbus.exceptions.DBusException as e:
        return e.get_dbus_name(), e.get_dbus_message()
    raise AssertionError("no error")


def track(bus, path):
    return dbus.Interface(bus.get_object(BUS_NAME, path), TRACK)


def delivered(bus, path):
    return int(track(bus, path).GetStats()["deliveredFrames"])


def test_enumerate_lists_the_fake_devices(d):
    bus = d.bus()
    devices = [tuple(str(x) for x in e) for e in manager(bus).EnumerateDevices()]
    kinds = sorted(k for (_, k, _, _) in devices)
    assert kinds == ["audioinput", "videoinput"], devices
    for (device_id, kind, label, group) in devices:
        assert device_id and label and group, devices


def test_video_track(d):
    bus = d.bus()
    (path,) = gum(bus, video=True)
    assert path.startswith(ROOT + "/track/"), path
    props = rtcdtest.props(bus, path, TRACK)
    assert props["Kind"] == "video" and props["ReadyState"] == "live", props
    assert props["Enabled"] and not props["Muted"] and not props["Remote"], props
    assert len(props["Id"]) == 36 and props["Id"].count("-") == 4, props["Id"]
    assert props["Label"], props
    assert props["PipeWireNode"] == "", props      # no PipeWire behind a fake device
    s = track(bus, path).GetSettings()
    assert (s["width"], s["height"]) == (640, 480), s
    assert s["frameRate"] == 30.0, s
    devices = {str(e[1]): str(e[0]) for e in manager(bus).EnumerateDevices()}
    assert s["deviceId"] == devices["videoinput"], (s, devices)
    # Frames flow at about the rate announced (a wide band: not a timing test).
    first = delivered(bus, path)
    time.sleep(1.0)
    n = delivered(bus, path) - first
    assert 10 <= n <= 60, n


def test_audio_and_video_in_order(d):
    bus = d.bus()
    paths = gum(bus, video=True, audio=True)
    kinds = [rtcdtest.prop(bus, p, TRACK, "Kind") for p in paths]
    assert kinds == ["audio", "video"], kinds
    s = track(bus, paths[0]).GetSettings()
    assert s["sampleRate"] == 48000 and s["channelCount"] in (1, 2), s
    assert rtcdtest.pump(lambda: delivered(bus, paths[0]) >= 10, timeout=3)
    ids = {rtcdtest.prop(bus, p, TRACK, "Id") for p in paths}
    assert len(ids) == 2


def test_constraints(d):
    bus = d.bus()
    (path,) = gum(bus, video={"width": dbus.UInt32(320), "height": dbus.UInt32(240),
                              "frame-rate": 15.0})
    s = track(bus, path).GetSettings()
    assert (s["width"], s["height"], s["frameRate"]) == (320, 240, 15.0), s
    t = track(bus, path)
    t.ApplyConstraints(dbus.Dictionary({"width": dbus.UInt32(1280),
                                        "height": dbus.UInt32(720)}, signature="sv"))
    s = t.GetSettings()
    assert (s["width"], s["height"]) == (1280, 720), s
    # Out of what the device can give: the constraint is named, nothing changes.
    name, msg = error_of(lambda: t.ApplyConstraints(
        dbus.Dictionary({"width": dbus.UInt32(100000)}, signature="sv")))
    assert name == ERR + "OverconstrainedError" and "width" in msg, (name, msg)
    assert t.GetSettings()["width"] == 1280
    (audio,) = gum(bus, audio={"channels": dbus.UInt32(2)})
    assert track(bus, audio).GetSettings()["channelCount"] == 2


def apply_async(bus, path, results, **constraints):
    """ApplyConstraints without waiting: its outcome is appended to results,
    ("ok" or (error name, message), constraints), in the order the answers
    come."""
    c = dbus.Dictionary({k.replace("_", "-"): dbus.UInt32(v) if isinstance(v, int) else v
                         for k, v in constraints.items()}, signature="sv")
    t = bus.get_object(BUS_NAME, path, introspect=False)
    t.ApplyConstraints(c, dbus_interface=TRACK, reply_handler=lambda: results.append(("ok", c)),
                       error_handler=lambda e: results.append(
                           ((e.get_dbus_name(), e.get_dbus_message()), c)))


def test_apply_constraints_queued(d):
    # W3C queues applyConstraints: each answers in turn, a failure among
    # them changes nothing, and once the last succeeded its settings hold.
    bus = d.bus()
    (path,) = gum(bus, video=True)
    t = track(bus, path)
    results = []
    apply_async(bus, path, results, width=320, height=240)
    apply_async(bus, path, results, width=100000)
    apply_async(bus, path, results, width=800, height=600, frame_rate=15.0)
    assert rtcdtest.pump(lambda: len(results) == 3, timeout=10), results
    outcomes = [r for (r, _) in results]
    assert outcomes[0] == "ok" and outcomes[2] == "ok", results
    assert outcomes[1][0] == ERR + "OverconstrainedError" and "width" in outcomes[1][1], results
    assert [int(c.get("width", 0)) for (_, c) in results] == [320, 100000, 800], results
    s = t.GetSettings()
    assert (s["width"], s["height"], s["frameRate"]) == (800, 600, 15.0), s
    before = delivered(bus, path)
    assert rtcdtest.pump(lambda: delivered(bus, path) >= before + 5, timeout=5)
    # Stopped with calls still queued: every one is answered, none is lost.
    results = []
    for w in (320, 640, 320):
        apply_async(bus, path, results, width=w, height=w * 3 // 4)
    t.Stop()
    assert rtcdtest.pump(lambda: len(results) == 3, timeout=10), results
    assert all(r == "ok" or r[0] in (ERR + "InvalidStateError",) for (r, _) in results), \
        results


def test_errors_change_nothing(d):
    bus = d.bus()
    m = manager(bus)

    def call(c):
        return error_of(lambda: m.GetUserMedia(dbus.Dictionary(c, signature="sv")))
    assert call({})[0] == ERR + "TypeError"
    assert call({"audio": False, "video": False})[0] == ERR + "TypeError"
    assert call({"video": "yes"})[0] == ERR + "TypeError"
    assert call({"sound": True})[0] == ERR + "TypeError"
    assert call({"video": dbus.Dictionary({"width": "wide"}, signature="sv")})[0] == \
        ERR + "TypeError"
    assert call({"video": dbus.Dictionary({"color": True}, signature="sv")})[0] == \
        ERR + "TypeError"
    name, msg = call({"video": dbus.Dictionary({"device-id": "no-such-camera"},
                                               signature="sv")})
    assert name == ERR + "NotFoundError" and "no-such-camera" in msg, (name, msg)
    name, msg = call({"video": dbus.Dictionary({"height": dbus.UInt32(99999)},
                                               signature="sv")})
    assert name == ERR + "OverconstrainedError" and "height" in msg, (name, msg)
    name, msg = call({"audio": dbus.Dictionary({"channels": dbus.UInt32(9)},
                                               signature="sv")})
    assert name == ERR + "OverconstrainedError" and "channels" in msg, (name, msg)
    # A camera of the wrong kind is not a microphone.
    cam = [str(e[0]) for e in m.EnumerateDevices() if str(e[1]) == "videoinput"][0]
    assert call({"audio": dbus.Dictionary({"device-id": cam}, signature="sv")})[0] == \
        ERR + "NotFoundError"
    # Nothing was left behind by the failures.
    om = dbus.Interface(bus.get_object(BUS_NAME, ROOT), "org.freedesktop.DBus.ObjectManager")
    assert [p for p in om.GetManagedObjects() if "/track/" in p] == []
    assert len(gum(bus, video=True, audio=True)) == 2


def test_stop_and_quota(d):
    # rtcd runs with --max-tracks=2.
    bus = d.bus()
    paths = gum(bus, video=True, audio=True)
    name, _ = error_of(lambda: gum(bus, video=True))
    assert name == "org.freedesktop.DBus.Error.LimitsExceeded", name
    track(bus, paths[1]).Stop()
    name, _ = error_of(lambda: rtcdtest.prop(bus, paths[1], TRACK, "ReadyState"))
    assert name == "org.freedesktop.DBus.Error.UnknownObject", name
    (again,) = gum(bus, video=True)
    assert again not in paths        # never reused
    # Another connection of the user may look, not touch.
    other = d.bus()
    assert track(other, again).GetSettings()["width"] == 640
    name, _ = error_of(lambda: track(other, again).Stop())
    assert name == "org.freedesktop.DBus.Error.AccessDenied", name
    name, _ = error_of(lambda: other.get_object(BUS_NAME, again).Set(
        TRACK, "Enabled", False, dbus_interface=rtcdtest.PROPS))
    assert name == "org.freedesktop.DBus.Error.AccessDenied", name


def test_enabled_is_writable(d):
    bus = d.bus()
    (path,) = gum(bus, video=True)
    sig = rtcdtest.Signals(bus)
    bus.get_object(BUS_NAME, path).Set(TRACK, "Enabled", False,
                                       dbus_interface=rtcdtest.PROPS)
    assert not rtcdtest.prop(bus, path, TRACK, "Enabled")
    assert rtcdtest.pump(lambda: "PropertiesChanged" in sig.members(path))


def test_client_leaving_frees_tracks(d):
    script = ("import dbus,sys,time\n"
              "b=dbus.bus.BusConnection(sys.argv[1])\n"
              "m=b.get_object('org.rtcd.WebRTC1','/org/rtcd/WebRTC1')\n"
              "p=m.GetUserMedia({'video':True,'audio':True},"
              "dbus_interface='org.rtcd.WebRTC1.Manager',signature='a{sv}')\n"
              "print(len(p),flush=True)\n"
              "time.sleep(30)\n")
    proc = subprocess.Popen(["/usr/bin/python3", "-c", script, d.address],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "2"
        bus = d.bus()
        om = dbus.Interface(bus.get_object(BUS_NAME, ROOT),
                            "org.freedesktop.DBus.ObjectManager")
        # An inspector sees the two tracks; once their owner dies, they go.
        assert rtcdtest.pump(lambda: len([p for p in om.GetManagedObjects()
                                          if "/track/" in p]) == 2, timeout=3)
        proc.kill()
        proc.wait()
        assert rtcdtest.pump(lambda: [p for p in om.GetManagedObjects()
                                      if "/track/" in p] == [], timeout=5)
    finally:
        proc.kill()
        proc.wait()


def test_no_fake_devices_without_the_option(d):
    bus = d.bus()
    m = manager(bus)
    assert [e for e in m.EnumerateDevices() if "fake" in str(e[0])] == []
    name, _ = error_of(lambda: gum(bus, video=True))
    # No PipeWire here (--no-pipewire) and no fake camera: nothing to read.
    assert name in (ERR + "NotFoundError", ERR + "NotReadableError"), name


def main():
    tap = rtcdtest.Tap()
    for t in (test_enumerate_lists_the_fake_devices, test_video_track,
              test_audio_and_video_in_order, test_constraints, test_apply_constraints_queued,
              test_errors_change_nothing,
              test_enabled_is_writable, test_client_leaving_frees_tracks):
        with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d:
            tap.run(t, d)
    with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire", "--max-tracks=2"]) as d:
        tap.run(test_stop_and_quota, d)
    with rtcdtest.Daemon(["--no-pipewire"]) as d:
        tap.run(test_no_fake_devices_without_the_option, d)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
