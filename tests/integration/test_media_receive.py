#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Remote tracks on D-Bus (rtcd --fake-media-devices, no PipeWire): one
peer connection sends the fake camera and microphone, the other gets a
Track signal for each, its transceivers' ReceiverTrack, the remote
tracks' properties and methods, and decodes what arrives (inbound-rtp
framesDecoded, 640x480; the jitter buffers' W3C figures, video's per
frame); closing the connection ends the remote tracks. In one daemon and
across two. A remote track mutes as soon as the description that takes
"recv" from its transceiver is applied, and unmutes when frames come again.
"""
import sys
import time

import dbus
import rtcdtest
from rtcdtest import BUS_NAME, PC
from test_ice import state
from test_introspection import check_object
from test_media_send import connect, error_of, gum, local, negotiate, p, stats_of, transceivers

TRACK = "org.rtcd.WebRTC1.MediaStreamTrack"
TX = "org.rtcd.WebRTC1.RtpTransceiver"
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
    # The jitter buffers, video's per frame (first packet's arrival to its
    # release to the decoder): the delay and the frames emitted grow.
    assert v["jitterBufferEmittedCount"] > 0 and v["jitterBufferDelay"] > 0, v
    assert v["jitterBufferTargetDelay"] == 0 and v["jitterBufferMinimumDelay"] == 0, v
    assert v["framesReceived"] >= v["jitterBufferEmittedCount"] > 0, v
    # A 640x480 key frame takes several packets.
    assert v["framesAssembledFromMultiplePackets"] >= 1 and v["totalAssemblyTime"] >= 0, v
    au = stats_of(b, "inbound-rtp", "audio")[0]
    assert (au["jitterBufferEmittedCount"] > 0 and au["jitterBufferDelay"] > 0 and
            au["jitterBufferTargetDelay"] > 0 and au["jitterBufferMinimumDelay"] > 0), au

    def grew():
        w = stats_of(b, "inbound-rtp", "video")[0]
        return (w["jitterBufferEmittedCount"] > v["jitterBufferEmittedCount"] + 5 and
                w["jitterBufferDelay"] > v["jitterBufferDelay"])
    assert rtcdtest.pump(grew, 10), (v, stats_of(b, "inbound-rtp", "video"))
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


def count(sig, path, member):
    return sum(1 for (q, _, m, _) in sig.log if q == path and m == member)


def mutes_at_once(bus, sig, tr, apply):
    """apply() applies the description that takes "recv" away: Mute within
    0.5 s of the call (the 1 s without frames would be too late), Muted,
    and no Unmute from frames still decoding."""
    rtcdtest.pump(None, 0.1)   # the signals so far, in the log
    assert not tp(bus, tr, "Muted")
    mutes, unmutes = count(sig, tr, "Mute"), count(sig, tr, "Unmute")
    start = time.monotonic()
    apply()
    assert rtcdtest.pump(lambda: count(sig, tr, "Mute") > mutes, 0.5), sig.log
    took = time.monotonic() - start
    assert took < 0.5, took
    assert tp(bus, tr, "Muted")
    rtcdtest.pump(None, 0.3)
    assert count(sig, tr, "Unmute") == unmutes and tp(bus, tr, "Muted"), \
        [x for x in sig.log if x[0] == tr]


def unmutes(bus, sig, tr):
    n = count(sig, tr, "Unmute")
    return rtcdtest.pump(lambda: count(sig, tr, "Unmute") > n and not tp(bus, tr, "Muted"), 20)


def test_mute_when_receiving_stops(d):
    """W3C: RemoveTrack on the sender, or SetDirection on the receiver,
    once negotiated, mutes the remote track when the answer is applied;
    frames after the direction comes back unmute it."""
    bus_a, bus_b = d.bus(), d.bus()
    sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
    a, b = d.create_peer_connection(bus_a), d.create_peer_connection(bus_b)
    (video,) = gum(d, bus_a, video=True)
    tx_a = str(a.AddTrack(video, dbus.Array([], signature="s")))
    assert connect(bus_a, a, sig_a, bus_b, b, sig_b)
    (tx_b,) = transceivers(bus_b, b)
    tr = str(p(bus_b, tx_b, "ReceiverTrack"))
    assert rtcdtest.pump(lambda: count(sig_b, tr, "Unmute") and not tp(bus_b, tr, "Muted"), 20)

    # The sender removes its track: B applies the answer with its own
    # SetLocalDescription, which leaves it "inactive".
    a.RemoveTrack(tx_a)
    a.SetLocalDescription("offer", "")
    b.SetRemoteDescription("offer", local(bus_a, a))
    mutes_at_once(bus_b, sig_b, tr, lambda: b.SetLocalDescription("answer", ""))
    a.SetRemoteDescription("answer", local(bus_b, b))
    assert str(p(bus_b, tx_b, "CurrentDirection")) == "inactive"
    # The track back on the sender: frames again, unmuted.
    tx = dbus.Interface(bus_a.get_object(BUS_NAME, tx_a), TX)
    tx.ReplaceTrack(video)
    tx.SetDirection("sendonly")
    negotiate(bus_a, a, bus_b, b)
    assert str(p(bus_b, tx_b, "CurrentDirection")) == "recvonly"
    assert unmutes(bus_b, sig_b, tr), sig_b.log

    # The receiver stops receiving: B offers, A answers, and B applies the
    # answer with SetRemoteDescription.
    dbus.Interface(bus_b.get_object(BUS_NAME, tx_b), TX).SetDirection("inactive")
    b.SetLocalDescription("offer", "")
    a.SetRemoteDescription("offer", local(bus_b, b))
    a.SetLocalDescription("answer", "")
    mutes_at_once(bus_b, sig_b, tr, lambda: b.SetRemoteDescription("answer", local(bus_a, a)))
    assert str(p(bus_b, tx_b, "CurrentDirection")) == "inactive"
    dbus.Interface(bus_b.get_object(BUS_NAME, tx_b), TX).SetDirection("recvonly")
    negotiate(bus_b, b, bus_a, a)
    assert str(p(bus_b, tx_b, "CurrentDirection")) == "recvonly"
    assert unmutes(bus_b, sig_b, tr), sig_b.log
    assert str(tp(bus_b, tr, "ReadyState")) == "live"


def main():
    runner = rtcdtest.Tap()
    for t in (test_remote_tracks, test_remote_tracks_two_daemons, test_client_leaving_frees,
              test_transceiver_stop_ends, test_mute_when_receiving_stops):
        with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d:
            runner.run(t, d)
    return runner.done()


if __name__ == "__main__":
    sys.exit(main())
