#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Transceivers on D-Bus and local media sent (rtcd --fake-media-devices,
no PipeWire): AddTrack, AddTransceiver, RemoveTrack and the RtpTransceiver
object with their W3C errors; offers with audio and video; two peer
connections where one sends the fake camera and microphone, its GetStats
showing frames encoded and packets sent, the other's packets received; a
client that leaves takes its transceivers with it."""
import os
import subprocess
import sys
import time

import dbus
import rtcdtest
import tap
from rtcdtest import BUS_NAME, PC
from test_ice import Trickler, state
from test_introspection import check_object, xml_interface

TX = "org.rtcd.WebRTC1.RtpTransceiver"
TRACK = "org.rtcd.WebRTC1.MediaStreamTrack"
ERR = "org.rtcd.WebRTC1.Error."
E = dbus.Dictionary({}, signature="sv")


def gum(d, bus, **c):
    return [str(p) for p in d.manager(bus).GetUserMedia(
        dbus.Dictionary(c, signature="sv"), timeout=15)]


def tx(bus, path):
    return dbus.Interface(bus.get_object(BUS_NAME, path), TX)


def p(bus, path, name):
    return rtcdtest.prop(bus, path, TX, name)


def transceivers(bus, pc):
    return [str(x) for x in rtcdtest.prop(bus, pc.object_path, PC, "Transceivers")]


def error_of(fn):
    try:
        fn()
    except dbus.exceptions.DBusException as e:
        return e.get_dbus_name()
    raise AssertionError("no error")


def local(bus, pc):
    return str(rtcdtest.prop(bus, pc.object_path, PC, "LocalDescription")[1])


def negotiate(bus_a, a, bus_b, b):
    a.SetLocalDescription("offer", "")
    b.SetRemoteDescription("offer", local(bus_a, a))
    b.SetLocalDescription("answer", "")
    a.SetRemoteDescription("answer", local(bus_b, b))


def connect(bus_a, a, sig_a, bus_b, b, sig_b):
    ta = Trickler(sig_a, {a.object_path: b, b.object_path: a})
    tb = Trickler(sig_b, {a.object_path: b, b.object_path: a}) if sig_b is not sig_a else None
    negotiate(bus_a, a, bus_b, b)
    return rtcdtest.pump(lambda: ta() or (tb and tb()) or (
        state(bus_a, a, "ConnectionState") == "connected" and
        state(bus_b, b, "ConnectionState") == "connected"), 15)


def stats_of(pc, typ, kind=None):
    return [v for v in pc.GetStats().values()
            if v["type"] == typ and (kind is None or v.get("kind") == kind)]


def test_add_track_and_transceiver(d):
    bus = d.bus()
    sig = rtcdtest.Signals(bus)
    pc = d.create_peer_connection(bus)
    audio, video = sorted(gum(d, bus, audio=True, video=True),
                          key=lambda t: rtcdtest.prop(bus, t, TRACK, "Kind"))
    t = str(pc.AddTrack(video, dbus.Array(["s1"], signature="s")))
    assert t.startswith(pc.object_path + "/transceiver/"), t
    check_object(bus, t, TX)
    got = set(rtcdtest.props(bus, t, TX))
    assert got == {x.get("name") for x in xml_interface(TX).findall("property")}, got
    assert (str(p(bus, t, "Kind")), str(p(bus, t, "Direction")), str(p(bus, t, "Mid")),
            str(p(bus, t, "CurrentDirection")), str(p(bus, t, "SenderTrack")),
            list(p(bus, t, "Codecs"))) == ("video", "sendrecv", "", "", video, []), t
    assert transceivers(bus, pc) == [t]
    assert sig.wait_for("NegotiationNeeded", pc.object_path)
    assert rtcdtest.pump(lambda: any(
        m == "PropertiesChanged" and "Transceivers" in x[1]
        for (q, _, m, x) in sig.log if q == pc.object_path), 2)
    # The same track twice on one connection; not a track; a bad kind.
    assert error_of(lambda: pc.AddTrack(video, dbus.Array([], signature="s"))) == \
        ERR + "InvalidAccessError"
    assert error_of(lambda: pc.AddTrack(pc.object_path, dbus.Array([], signature="s"))) == \
        ERR + "TypeError"
    assert error_of(lambda: pc.AddTransceiver("data", E)) == ERR + "TypeError"
    assert error_of(lambda: pc.AddTransceiver(
        "audio", dbus.Dictionary({"direction": "up"}, signature="sv"))) == ERR + "TypeError"
    assert error_of(lambda: pc.AddTransceiver(
        "audio", dbus.Dictionary({"direction": "stopped"}, signature="sv"))) == ERR + "TypeError"
    assert error_of(lambda: pc.AddTransceiver(
        "audio", dbus.Dictionary({"speed": 1}, signature="sv"))) == ERR + "TypeError"
    # Another client's track is as absent as no track at all.
    other = d.bus()
    (theirs,) = gum(d, other, audio=True)
    assert error_of(lambda: pc.AddTrack(theirs, dbus.Array([], signature="s"))) == \
        ERR + "TypeError"
    # addTrack reuses a recvonly audio transceiver that never sent.
    r = str(pc.AddTransceiver("audio", dbus.Dictionary(
        {"direction": "recvonly", "stream-ids": dbus.Array(["s1"], signature="s")},
        signature="sv")))
    assert str(p(bus, r, "Direction")) == "recvonly" and str(p(bus, r, "SenderTrack")) == "/"
    assert str(pc.AddTrack(audio, dbus.Array(["s1"], signature="s"))) == r
    assert str(p(bus, r, "Direction")) == "sendrecv" and str(p(bus, r, "SenderTrack")) == audio
    assert transceivers(bus, pc) == [t, r]
    offer = pc.CreateOffer(E)
    assert "\r\nm=video " in offer and "\r\nm=audio " in offer, offer
    assert "a=msid:s1 " in offer, offer


def test_transceiver_methods(d):
    bus = d.bus()
    pc = d.create_peer_connection(bus)
    audio, video = sorted(gum(d, bus, audio=True, video=True),
                          key=lambda t: rtcdtest.prop(bus, t, TRACK, "Kind"))
    t = str(pc.AddTrack(video, dbus.Array([], signature="s")))
    x = tx(bus, t)
    x.SetDirection("sendonly")
    assert str(p(bus, t, "Direction")) == "sendonly"
    assert error_of(lambda: x.SetDirection("sideways")) == ERR + "TypeError"
    assert error_of(lambda: x.SetParameters(dbus.Dictionary(
        {"scale-resolution-down-by": 0.5}, signature="sv"))) == ERR + "RangeError"
    assert error_of(lambda: x.SetParameters(dbus.Dictionary(
        {"max-bitrate": "fast"}, signature="sv"))) == ERR + "TypeError"
    x.SetParameters(dbus.Dictionary({"max-bitrate": dbus.UInt32(300000),
                                     "max-framerate": 15.0, "scale-resolution-down-by": 2.0,
                                     "active": True}, signature="sv"))
    assert error_of(lambda: x.ReplaceTrack(audio)) == ERR + "TypeError"
    x.ReplaceTrack("/")
    assert str(p(bus, t, "SenderTrack")) == "/"
    x.ReplaceTrack(video)
    assert str(p(bus, t, "SenderTrack")) == video
    a = str(pc.AddTrack(audio, dbus.Array([], signature="s")))
    assert error_of(lambda: tx(bus, a).SetParameters(dbus.Dictionary(
        {"max-framerate": 10.0}, signature="sv"))) == ERR + "InvalidModificationError"
    # RemoveTrack: the direction loses send; a foreign transceiver is refused.
    pc.RemoveTrack(t)
    assert (str(p(bus, t, "Direction")), str(p(bus, t, "SenderTrack"))) == ("inactive", "/")
    other = d.create_peer_connection(bus)
    assert error_of(lambda: other.RemoveTrack(t)) == ERR + "InvalidAccessError"
    # Stop of one never in a description: stopped at once, its object gone.
    never = str(pc.AddTransceiver("video", E))
    assert never in transceivers(bus, pc)
    tx(bus, never).Stop()
    assert never not in transceivers(bus, pc)
    assert error_of(lambda: p(bus, never, "Kind")) == "org.freedesktop.DBus.Error.UnknownObject"
    # Once in an offer: stopping (W3C direction "stopped"), calls refused after.
    pc.SetLocalDescription("offer", "")
    assert str(p(bus, a, "Mid")) != ""
    tx(bus, a).Stop()
    assert str(p(bus, a, "Direction")) == "stopped"
    assert error_of(lambda: tx(bus, a).SetDirection("sendrecv")) == ERR + "InvalidStateError"
    assert error_of(lambda: tx(bus, a).ReplaceTrack(audio)) == ERR + "InvalidStateError"
    # A stopped track leaves the transceivers it was on.
    dbus.Interface(bus.get_object(BUS_NAME, video), TRACK).Stop()
    assert str(p(bus, t, "SenderTrack")) == "/"
    # The peer connection closes: its transceivers go with it.
    pc.Close()
    assert error_of(lambda: p(bus, t, "Kind")) == "org.freedesktop.DBus.Error.UnknownObject"


def test_quotas_unaffected(d):
    """rtcd --max-tracks=2: a track on transceivers of two connections is
    still one track, and a stopped one gives its quota back though
    transceivers sent it."""
    bus = d.bus()
    audio, video = sorted(gum(d, bus, audio=True, video=True),
                          key=lambda t: rtcdtest.prop(bus, t, TRACK, "Kind"))
    pcs = [d.create_peer_connection(bus) for _ in range(2)]
    sent = [str(pc.AddTrack(t, dbus.Array([], signature="s"))) for pc in pcs for t in (audio, video)]
    assert error_of(lambda: gum(d, bus, audio=True)) == "org.freedesktop.DBus.Error.LimitsExceeded"
    dbus.Interface(bus.get_object(BUS_NAME, video), TRACK).Stop()
    assert [str(p(bus, t, "SenderTrack")) for t in sent] == [audio, "/", audio, "/"]
    (again,) = gum(d, bus, video=True)
    # W3C: the stopped track is still the sender's (here "/", its object
    # gone), so addTrack does not reuse that transceiver.
    t = str(pcs[0].AddTrack(again, dbus.Array([], signature="s")))
    assert t not in sent and transceivers(bus, pcs[0]) == sent[:2] + [t], (t, sent)


def test_transceiver_bound(d):
    """At most 1024 transceivers a peer connection, stopped ones counted:
    past that LimitsExceeded, and the connection still works."""
    bus = d.bus()
    pc = d.create_peer_connection(bus)
    for _ in range(1024):
        tx(bus, str(pc.AddTransceiver("audio", E))).Stop()
    assert error_of(lambda: pc.AddTransceiver("video", E)) == \
        "org.freedesktop.DBus.Error.LimitsExceeded"
    assert transceivers(bus, pc) == []
    assert pc.CreateOffer(E).startswith("v=0")


def test_media_flows(d, d2=None):
    d2 = d2 or d
    bus_a, bus_b = d.bus(), d2.bus()
    sig_a, sig_b = rtcdtest.Signals(bus_a), rtcdtest.Signals(bus_b)
    a, b = d.create_peer_connection(bus_a), d2.create_peer_connection(bus_b)
    for track in gum(d, bus_a, audio=True, video=True):
        a.AddTrack(track, dbus.Array(["cam"], signature="s"))
    assert connect(bus_a, a, sig_a, bus_b, b, sig_b), (
        state(bus_a, a, "ConnectionState"), state(bus_b, b, "ConnectionState"))
    # The answerer's transceivers came from the offer: receive only.
    theirs = transceivers(bus_b, b)
    assert sorted(str(p(bus_b, t, "Kind")) for t in theirs) == ["audio", "video"], theirs
    assert all(str(p(bus_b, t, "CurrentDirection")) == "recvonly" for t in theirs)
    mine = transceivers(bus_a, a)
    assert all(str(p(bus_a, t, "CurrentDirection")) == "sendonly" for t in mine)
    assert all(str(p(bus_a, t, "Mid")) for t in mine)
    codecs = {str(p(bus_a, t, "Kind")): [dict(c) for c in p(bus_a, t, "Codecs")] for t in mine}
    assert str(codecs["audio"][0]["mime-type"]) == "audio/opus", codecs
    assert int(codecs["audio"][0]["clock-rate"]) == 48000 and int(codecs["audio"][0]["channels"]) == 2
    assert str(codecs["video"][0]["mime-type"]).startswith("video/"), codecs

    def flowing(n):
        out = stats_of(a, "outbound-rtp", "video")
        inb = stats_of(b, "inbound-rtp", "video")
        aout = stats_of(a, "outbound-rtp", "audio")
        ain = stats_of(b, "inbound-rtp", "audio")
        return (out and inb and aout and ain and out[0]["framesEncoded"] >= n and
                inb[0]["packetsReceived"] >= n and aout[0]["packetsSent"] >= n and
                ain[0]["packetsReceived"] >= n)
    assert rtcdtest.pump(lambda: flowing(10), 20), (stats_of(a, "outbound-rtp"),
                                                    stats_of(b, "inbound-rtp"))
    first = stats_of(b, "inbound-rtp", "video")[0]["packetsReceived"]
    out = stats_of(a, "outbound-rtp", "video")[0]
    assert out["keyFramesEncoded"] >= 1, out
    # Every frame encoded by now leaves in at least one packet (the pacer
    # may still hold the last ones at a low target: wait for them).
    encoded = out["framesEncoded"]
    assert rtcdtest.pump(lambda: stats_of(a, "outbound-rtp", "video")[0]["packetsSent"] >=
                         encoded, 10), stats_of(a, "outbound-rtp", "video")
    # What only the encoder and the track know (the fake camera: 640x480).
    assert rtcdtest.pump(lambda: stats_of(a, "outbound-rtp", "video")[0].get("frameWidth", 0) > 0, 5)
    out = stats_of(a, "outbound-rtp", "video")[0]
    assert (out["frameWidth"], out["frameHeight"]) == (640, 480), out
    assert out["framesPerSecond"] > 0 and out["totalEncodeTime"] > 0, out
    sources = {str(v["kind"]): v for v in stats_of(a, "media-source")}
    assert set(sources) == {"audio", "video"}, sources
    assert sources["video"]["frames"] > 0 and sources["video"]["width"] == 640, sources
    assert sources["audio"]["totalSamplesDuration"] > 0, sources
    assert out["mediaSourceId"] in a.GetStats()
    # Still growing: frames keep coming.
    assert rtcdtest.pump(lambda: stats_of(b, "inbound-rtp", "video")[0]["packetsReceived"] >
                         first + 10, 10)


def test_media_flows_two_daemons(d):
    """The same call between two daemons: one sends, the other receives."""
    with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d2:
        test_media_flows(d, d2)


def test_client_leaving_frees(d):
    bus = d.bus()
    watcher = d.bus()
    pc = d.create_peer_connection(bus)
    (video,) = gum(d, bus, video=True)
    t = str(pc.AddTrack(video, dbus.Array([], signature="s")))
    assert str(rtcdtest.prop(watcher, t, TX, "Kind")) == "video"
    bus.close()
    assert rtcdtest.pump(lambda: error_of(lambda: rtcdtest.prop(watcher, t, TX, "Kind")) ==
                         "org.freedesktop.DBus.Error.UnknownObject", 5)
    assert error_of(lambda: rtcdtest.prop(watcher, video, TRACK, "Kind")) == \
        "org.freedesktop.DBus.Error.UnknownObject"


AIORTC_PYTHON = "/usr/bin/python3"   # Debian's python3-aiortc


def test_aiortc_decodes(d):
    """aiortc answers rtcd's offer and decodes the fake camera's video."""
    if subprocess.run([AIORTC_PYTHON, "-c", "import aiortc"], capture_output=True).returncode:
        raise tap.Skip("python3-aiortc is not installed")
    bus = d.bus()
    pc = d.create_peer_connection(bus)
    for track in gum(d, bus, audio=True, video=True):
        pc.AddTrack(track, dbus.Array(["cam"], signature="s"))
    pc.SetLocalDescription("offer", "")
    assert rtcdtest.pump(lambda: state(bus, pc, "IceGatheringState") == "complete", 10)
    peer = subprocess.Popen(
        [AIORTC_PYTHON, os.path.join(os.path.dirname(__file__), "aiortc_receiver.py"),
         "10", "30"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        peer.stdin.write(local(bus, pc))
        peer.stdin.close()
        lines = []
        for line in peer.stdout:
            if line.strip() == "END":
                break
            lines.append(line.rstrip("\r\n"))
        answer = "\r\n".join(lines) + "\r\n"
        assert "m=video" in answer, answer
        pc.SetRemoteDescription("answer", answer)
        deadline = time.monotonic() + 40
        while peer.poll() is None and time.monotonic() < deadline:
            rtcdtest.pump(timeout=0.2)
        result = peer.stdout.read().split()
    finally:
        if peer.poll() is None:
            peer.kill()
        peer.wait()
    out = stats_of(pc, "outbound-rtp", "video")
    assert result[:1] == ["decoded"], (result, out)
    assert int(result[1]) >= 10 and result[2] == "640x480", (result, out)


def main():
    runner = rtcdtest.Tap()
    for t in (test_add_track_and_transceiver, test_transceiver_methods, test_transceiver_bound,
              test_media_flows, test_media_flows_two_daemons,
              test_client_leaving_frees):
        with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire"]) as d:
            runner.run(t, d)
    with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire", "--interface=lo",
                          "--loopback-candidates"]) as d:
        runner.run(test_aiortc_decodes, d)
    with rtcdtest.Daemon(["--fake-media-devices", "--no-pipewire", "--max-tracks=2"]) as d:
        runner.run(test_quotas_unaffected, d)
    return runner.done()


if __name__ == "__main__":
    sys.exit(main())
