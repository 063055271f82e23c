#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Remote tracks on D-Bus (rtcd --fake-media-devices, no PipeWire): one
peer connection sends the fake camera and microphone, the other gets a
Track signal for each, its transceivers' ReceiverTrack, the remote
tracks' properties and methods, and decodes what arrives (inbound-rtp
framesDecoded, 640x480); closing the connection ends the remote tracks.
In one daemon and across two."""
import sys

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, PC
from test_ice import state
from test_introspection import check_object
from test_media_send import connect, error_of, gum, negotiate, p, stats_of, transceivers

TRACK = "org.rtcd.WebRTC1.MediaStreamTrack"
ERR = "org.rtcd.WebRTC1.Error."


def tp(bus, path, name):
    return rtcdtest.prop(bus, path, TRACK, name)


def track(bus, path):
    return dbus.Interface(bus.get_object(BUS_NAME, path), TRACK)


def test_remote_tracks(d, d2=None):
    d2 = d2 or d
    bus_a, bus_b = d.bus(), d2.bus()
    sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
    a, b = d.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
    local_ids = {}
    for t in gum(d, bus_a, audio=True, video=True):
        a.AddTrack(t, dbus.Array(["cam"], signature="s"))
        local_ids[str(tp(bus_a, t, "Kind"))] = str(tp(bus_a, t, "Id"))
    assert connect(bus_a, a, sig_a, bus_b, b, sig_b), (
        state(bus_a, a, "ConnectionState"), state(bus_b, b, "ConnectionState"))

    # W3C "track" on setRemoteDescription: one per receiving transceiver.
    events = [x for (q, _, m, x) in sig_b.log if q == b.object_path and m == "Track"]
    assert len(events) == 2, sig_b.log
    theirs = transceivers(bus_b, b)
    remote = {}
    for (tx, tr, ids) in events:
        assert str(tx) in theirs and [str(i) for i in ids] == ["cam"], events
        assert str(p(bus_b, str(tx), "ReceiverTrack")) == str(tr)
        check_object(bus_b, str(tr), TRACK)
        remote[str(tp(bus_b, str(tr), "Kind"))] = str(tr)
    assert set(remote) == {"audio", "video"}, remote
    # The sender's transceivers receive nothing: no remote track there.
    assert all(str(p(bus_a, t, "ReceiverTrack")) == "/" for t in transceivers(bus_a, a))
    assert not [m for (q, _, m, _) in sig_a.log if q == a.object_path and m == "Track"]
    for kind, path in remote.items():
        props = rtcdtest.props(bus_b, path, TRACK)
        assert (bool(props["Remote"]), str(props["Label"]), str(props["ReadyState"]),
                bool(props["Enabled"]), str(props["PipeWireNode"])) == (
                    True, "remote " + kind, "live", True, ""), props
        # The sender's msid track id.
        assert str(props["Id"]) == local_ids[kind], (props, local_ids)
    # The pc's owner owns them: another client may only look.
    other = d2.bus()
    assert str(tp(other, remote["video"], "Kind")) == "video"
    assert error_of(lambda: track(other, remote["video"]).Stop()) == \
        "org.freedesktop.DBus.Error.AccessDenied"

    # Decoded: inbound-rtp's decoder figures, the fake camera's 640x480.
    def decoded():
        v = stats_of(b, "inbound-rtp", "video")
        au = stats_of(b, "inbound-rtp", "audio")
        return (v and au and v[0].get("framesDecoded", 0) >= 10 and
                v[0].get("frameWidth", 0) > 0 and au[0].get("totalSamplesReceived", 0) > 0)
    assert rtcdtest.pump(decoded, 20), stats_of(b, "inbound-rtp")
    v = stats_of(b, "inbound-rtp", "video")[0]
    assert (v["frameWidth"], v["frameHeight"]) == (640, 480), v
    assert v["keyFramesDecoded"] >= 1 and v["totalDecodeTime"] > 0, v
    # Media arrived: unmuted (W3C: muted until then), and Unmute said so.
    assert rtcdtest.pump(lambda: not tp(bus_b, remote["video"], "Muted"), 5)
    assert any(q == remote["video"] and m == "Unmute" for (q, _, m, _) in sig_b.log)
    st = track(bus_b, remote["video"]).GetStats()
    assert st["deliveredFrames"] >= 10, st
    settings = track(bus_b, remote["video"]).GetSettings()
    assert (settings["width"], settings["height"]) == (640, 480), settings
    assert track(bus_b, remote["audio"]).GetStats()["deliveredFrames"] > 0
    assert int(track(bus_b, remote["audio"]).GetSettings()["sampleRate"]) == 48000
    # W3C: a remote source satisfies no constraint; none at all is fine.
    assert error_of(lambda: track(bus_b, remote["video"]).ApplyConstraints(
        dbus.Dictionary({"width": dbus.UInt32(320)}, signature="sv"))) == \
        ERR + "OverconstrainedError"
    track(bus_b, remote["video"]).ApplyConstraints(dbus.Dictionary({}, signature="sv"))

    # Stop(): ended, nothing more decoded; the other track goes on.
    track(bus_b, remote["audio"]).Stop()
    assert str(tp(bus_b, remote["audio"], "ReadyState")) == "ended"
    assert track(bus_b, remote["audio"]).GetStats()["deliveredFrames"] > 0
    first = stats_of(b, "inbound-rtp", "video")[0]["framesDecoded"]
    assert rtcdtest.pump(lambda: stats_of(b, "inbound-rtp", "video")[0]["framesDecoded"] >
                         first + 5, 10)

    # The connection closes: the live remote track ends (Ended), the
    # objects go with it.
    b.Close()
    assert rtcdtest.pump(lambda: any(q == remote["video"] and m == "Ended"
                                     for (q, _, m, _) in sig_b.log), 5), sig_b.log
    assert not any(q == remote["audio"] and m == "Ended" for (q, _, m, _) in sig_b.log)
    assert error_of(lambda: tp(bus_b, remote["video"], "Kind")) == \
        "org.freedesktop.DBus.Error.UnknownObject"
    assert str(state(bus_a, a, "ConnectionState")) in ("connected", "disconnected", "failed",
                                                        "closed")


def test_remote_tracks_two_daemons(d):
    with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d2:
        test_remote_tracks(d, d2)


def test_client_leaving_frees(d):
    """The receiving client leaves: its connection and remote tracks go."""
    bus_a, bus_b = d.bus(), d.bus()
    sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
    a, b = d.create_peer_connection(bus_a), d.create_peer_connection(bus_b)
    for t in gum(d, bus_a, video=True):
        a.AddTrack(t, dbus.Array([], signature="s"))
    assert connect(bus_a, a, sig_a, bus_b, b, sig_b)
    (tx,) = transceivers(bus_b, b)
    tr = str(p(bus_b, tx, "ReceiverTrack"))
    assert tr.startswith("/org/rtcd/WebRTC1/track/"), tr
    assert rtcdtest.pump(lambda: stats_of(b, "inbound-rtp", "video") and
                         stats_of(b, "inbound-rtp", "video")[0].get("framesDecoded", 0) > 0, 20)
    bus_b.close()
    watcher = d.bus()
    assert rtcdtest.pump(lambda: error_of(lambda: rtcdtest.prop(watcher, b.object_path, PC,
                                                                "SignalingState")) ==
                         "org.freedesktop.DBus.Error.UnknownObject", 5)
    assert error_of(lambda: tp(watcher, tr, "Kind")) == "org.freedesktop.DBus.Error.UnknownObject"


def test_transceiver_stop_ends(d):
    """The receiving transceiver stops (negotiated): its remote track ends
    with Ended and goes with it."""
    bus_a, bus_b = d.bus(), d.bus()
    sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
    a, b = d.create_peer_connection(bus_a), d.create_peer_connection(bus_b)
    for t in gum(d, bus_a, video=True):
        a.AddTrack(t, dbus.Array([], signature="s"))
    assert connect(bus_a, a, sig_a, bus_b, b, sig_b)
    (tx,) = transceivers(bus_b, b)
    tr = str(p(bus_b, tx, "ReceiverTrack"))
    dbus.Interface(bus_b.get_object(BUS_NAME, tx), "org.rtcd.WebRTC1.RtpTransceiver").Stop()
    assert str(tp(bus_b, tr, "ReadyState")) == "live"
    negotiate(bus_b, b, bus_a, a)
    assert rtcdtest.pump(lambda: any(q == tr and m == "Ended" for (q, _, m, _) in sig_b.log), 5)
    assert transceivers(bus_b, b) == []
    assert error_of(lambda: tp(bus_b, tr, "Kind")) == "org.freedesktop.DBus.Error.UnknownObject"


def main():
    runner = rtcdtest.Tap()
    for t in (test_remote_tracks, test_remote_tracks_two_daemons, test_client_leaving_frees,
              test_transceiver_stop_ends):
        with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d:
            runner.run(t, d)
    return runner.done()


if __name__ == "__main__":
    sys.exit(main())
