#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls both ways between two daemons: each client sends a camera and a
microphone and decodes the other's (inbound-rtp framesDecoded grows at
640x480, audio totalSamplesReceived grows, a Track signal on each side).
Then the call is renegotiated while media flows: RemoveTrack, ReplaceTrack
to a 320x240 track (no renegotiation), SetDirection through sendonly,
recvonly, inactive and back to sendrecv, a second video transceiver; after
each step what the directions allow still flows, what they forbid stands
still, and ICE and DTLS never restart. Last, a client that leaves frees
its tracks and transceivers while another call of the same daemon goes on.

With the fake devices (rtcd --fake-media-devices); with --pipewire (run
inside tests/media/run-with-pipewire.sh) the capture sources are PipeWire
test nodes (tests/media/pw-test-source), and the capture stream of a
client that leaves is seen to go from PipeWire's graph."""
import json
import os
import re
import subprocess
import sys

import dbus
import rtcdtest
import tap
from rtcdtest import BUS_NAME, PC
from test_ice import Trickler, state
from test_media_send import error_of, local

TX = "org.rtcd.WebRTC1.RtpTransceiver"
TRACK = "org.rtcd.WebRTC1.MediaStreamTrack"
FAKE = ["--fake-media-devices", "--no-pipewire"]
SOURCE = os.path.join(os.environ.get("RTCD_BUILD_ROOT", "build"), "tests", "media",
                      "pw-test-source")


class Peer:
    """One client of one daemon with one peer connection."""

    def __init__(self, d, name):
        self.d, self.name = d, name
        self.bus = d.bus()
        self.sig = rtcdtest.Signals(self.bus)
        self.pc = d.create_peer_connection(self.bus)
        self.path = self.pc.object_path

    def gum(self, **c):
        c = {k.replace("_", "-"): (dbus.Dictionary(v, signature="sv") if isinstance(v, dict)
                                   else v) for k, v in c.items()}
        return {str(rtcdtest.prop(self.bus, t, TRACK, "Kind")): str(t) for t in
                self.d.manager(self.bus).GetUserMedia(dbus.Dictionary(c, signature="sv"),
                                                      timeout=20)}

    def transceivers(self):
        return [str(x) for x in rtcdtest.prop(self.bus, self.path, PC, "Transceivers")]

    def tp(self, t, name):
        return rtcdtest.prop(self.bus, t, TX, name)

    def tx(self, t):
        return dbus.Interface(self.bus.get_object(BUS_NAME, t), TX)

    def by_kind(self, kind):
        return [t for t in self.transceivers() if str(self.tp(t, "Kind")) == kind]

    def mid(self, t):
        return str(self.tp(t, "Mid"))

    def current(self, t):
        return str(self.tp(t, "CurrentDirection"))

    def stat(self, typ, mid, field):
        for v in self.pc.GetStats().values():
            if v["type"] == typ and str(v.get("mid", "")) == mid:
                return v.get(field, 0)
        return 0

    def tracks_signalled(self):
        return [(str(x[0]), str(x[1])) for (q, _, m, x) in self.sig.log
                if q == self.path and m == "Track"]

    def count(self, member, path=None):
        return sum(1 for (q, _, m, _) in self.sig.log
                   if q == (path or self.path) and m == member)

    def transport_changes(self):
        """PropertiesChanged of the connection's ICE and DTLS states."""
        return [dict(x[1]) for (q, _, m, x) in self.sig.log
                if q == self.path and m == "PropertiesChanged" and
                ({"ConnectionState", "IceConnectionState"} & set(str(k) for k in x[1]))]

    def credentials(self):
        sdp = local(self.bus, self.pc)
        # Every section the same (BUNDLE): a set, as sections are added.
        return (set(re.findall(r"a=ice-ufrag:(\S+)", sdp)),
                set(re.findall(r"a=fingerprint:([^\r\n]+)", sdp)))


class Call:
    """Two peers, candidates forwarded between them whenever the test pumps."""

    def __init__(self, a, b):
        self.a, self.b = a, b
        pairs = {a.path: b.pc, b.path: a.pc}
        self.trickle = [Trickler(a.sig, pairs), Trickler(b.sig, pairs)]
        self.baseline = None

    def pump(self, cond=None, timeout=2.0):
        def step():
            for t in self.trickle:
                t()
            return cond() if cond else False
        if cond is None:
            rtcdtest.pump(step, timeout)
            return True
        return rtcdtest.pump(step, timeout)

    def negotiate(self, offerer, answerer, before_answer=None):
        offerer.pc.SetLocalDescription("offer", "")
        answerer.pc.SetRemoteDescription("offer", local(offerer.bus, offerer.pc))
        if before_answer:
            before_answer()
        answerer.pc.SetLocalDescription("answer", "")
        offerer.pc.SetRemoteDescription("answer", local(answerer.bus, answerer.pc))
        for p in (offerer, answerer):
            assert str(state(p.bus, p.pc, "SignalingState")) == "stable"

    def report(self, mid):
        """Both sides' packet counters of one mid, for failures."""
        return {p.name: (p.stat("outbound-rtp", mid, "packetsSent"),
                         p.stat("inbound-rtp", mid, "packetsReceived"),
                         p.stat("inbound-rtp", mid, "totalSamplesReceived"))
                for p in (self.a, self.b)}

    def connected(self):
        return all(state(p.bus, p.pc, "ConnectionState") == "connected" for p in (self.a, self.b))

    def mark_transport(self):
        """What ICE and DTLS are now: checked unchanged after each step."""
        self.baseline = [(len(p.transport_changes()), p.credentials()) for p in (self.a, self.b)]

    def check_transport(self):
        self.pump(timeout=0.2)
        now = [(len(p.transport_changes()), p.credentials()) for p in (self.a, self.b)]
        assert now == self.baseline, (now, self.baseline, self.a.transport_changes(),
                                      self.b.transport_changes())
        assert self.connected()


def grows(call, peer, typ, mid, field, by=5, timeout=10):
    start = peer.stat(typ, mid, field)
    return call.pump(lambda: peer.stat(typ, mid, field) >= start + by, timeout)


def stands_still(call, peer, typ, mid, field):
    """Nothing more counted over a second, once what was in flight landed."""
    call.pump(timeout=0.7)
    start = peer.stat(typ, mid, field)
    call.pump(timeout=1.0)
    return peer.stat(typ, mid, field) == start


def video_flows(call, receiver, mid):
    return grows(call, receiver, "inbound-rtp", mid, "framesDecoded", by=10)


def audio_flows(call, receiver, mid):
    return grows(call, receiver, "inbound-rtp", mid, "totalSamplesReceived", by=4800)


# ---- capture sources ---------------------------------------------------------

class FakeSources:
    """The fake test-pattern camera and tone microphone of each daemon."""
    flags = FAKE

    def gum(self, peer, **c):
        return peer.gum(**c)

    def close(self):
        pass


class PipeWireSources:
    """A test video source and an audio source node per client, in the
    PipeWire of run-with-pipewire.sh; GetUserMedia asks for them by id."""
    flags = []

    def __init__(self):
        self.procs = {}

    def start(self, name, *flags):
        self.procs[name] = subprocess.Popen([SOURCE, *flags, name, name],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def gum(self, peer, audio=False, video=False):
        c = {}
        for kind, want in (("audio", audio), ("video", video)):
            if not want:
                continue
            name = "rtcd-call-%s-%s" % (peer.name, "mic" if kind == "audio" else "camera")
            if name not in self.procs:
                self.start(name, *(["--audio"] if kind == "audio" else []))
            assert rtcdtest.pump(lambda: name in {str(e[0]) for e in peer.d.manager(
                peer.bus).EnumerateDevices()}, 10), name
            c[kind] = dict(want, **{"device-id": name}) if isinstance(want, dict) \
                else {"device-id": name}
        tracks = peer.gum(**c)
        for kind, t in tracks.items():
            node = str(rtcdtest.prop(peer.bus, t, TRACK, "PipeWireNode"))
            assert node.startswith("rtcd-call-"), (kind, node)
        return tracks

    def links_from(self, name):
        """How many PipeWire links leave the node `name` (its consumers)."""
        objs = json.loads(subprocess.run(["pw-dump"], capture_output=True, text=True,
                                         timeout=20).stdout or "[]")
        ids = {o["id"] for o in objs if o.get("type") == "PipeWire:Interface:Node" and
               (o.get("info") or {}).get("props", {}).get("node.name") == name}
        return sum(1 for o in objs if o.get("type") == "PipeWire:Interface:Link" and
                   (o.get("info") or {}).get("output-node-id") in ids)

    def close(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
            p.wait(timeout=10)


# ---- the steps of one call ------------------------------------------------

class State:
    """What the steps share: the call, its sources, which mids carry what."""


def test_call_both_ways(s):
    a, b = s.a, s.b
    s.tracks_a = s.sources.gum(a, audio=True, video=True)
    s.tracks_b = s.sources.gum(b, audio=True, video=True)
    for t in s.tracks_a.values():
        a.pc.AddTrack(t, dbus.Array(["from-a"], signature="s"))

    # The callee answers with its own tracks: addTrack after the offer
    # takes the transceivers the offer made (W3C), so they send too.
    def answer_with_tracks():
        for t in s.tracks_b.values():
            b.pc.AddTrack(t, dbus.Array(["from-b"], signature="s"))
    s.call.negotiate(a, b, before_answer=answer_with_tracks)
    assert s.call.pump(s.call.connected, 20), (state(a.bus, a.pc, "ConnectionState"),
                                               state(b.bus, b.pc, "ConnectionState"))
    assert len(a.transceivers()) == len(b.transceivers()) == 2, (a.transceivers(),
                                                                b.transceivers())
    for p in (a, b):
        assert [p.current(t) for t in p.transceivers()] == ["sendrecv"] * 2, p.name
    s.mid = {k: a.mid(a.by_kind(k)[0]) for k in ("audio", "video")}
    s.tx_a = {k: a.by_kind(k)[0] for k in ("audio", "video")}
    s.tx_b = {k: b.by_kind(k)[0] for k in ("audio", "video")}
    assert {k: b.mid(t) for k, t in s.tx_b.items()} == s.mid
    assert {k: str(b.tp(t, "SenderTrack")) for k, t in s.tx_b.items()} == s.tracks_b

    # W3C "track" on both sides, one per receiving transceiver.
    assert s.call.pump(lambda: len(a.tracks_signalled()) == 2 and
                       len(b.tracks_signalled()) == 2, 5), (a.sig.log, b.sig.log)
    for p in (a, b):
        for (t, tr) in p.tracks_signalled():
            assert t in p.transceivers() and str(p.tp(t, "ReceiverTrack")) == tr
    s.remote_b = {k: str(b.tp(t, "ReceiverTrack")) for k, t in s.tx_b.items()}

    for (sender, receiver) in ((a, b), (b, a)):
        assert video_flows(s.call, receiver, s.mid["video"]), (
            receiver.name, receiver.pc.GetStats())
        assert audio_flows(s.call, receiver, s.mid["audio"]), receiver.name
        width = receiver.stat("inbound-rtp", s.mid["video"], "frameWidth")
        height = receiver.stat("inbound-rtp", s.mid["video"], "frameHeight")
        assert (width, height) == (640, 480), (receiver.name, width, height)
    s.call.mark_transport()


def test_remove_track(s):
    """A stops sending its video: B's remote video mutes (W3C: a track the
    peer stops sending is muted, not ended); the rest goes on."""
    a, b = s.a, s.b
    a.pc.RemoveTrack(s.tx_a["video"])
    assert str(a.tp(s.tx_a["video"], "Direction")) == "recvonly"
    s.call.negotiate(a, b)
    assert a.current(s.tx_a["video"]) == "recvonly" and b.current(s.tx_b["video"]) == "sendonly"
    remote = s.remote_b["video"]
    # Muted, and the Mute signal that said so.
    assert s.call.pump(lambda: rtcdtest.prop(b.bus, remote, TRACK, "Muted") and
                       b.count("Mute", remote) >= 1, 5)
    assert str(rtcdtest.prop(b.bus, remote, TRACK, "ReadyState")) == "live"
    assert stands_still(s.call, b, "inbound-rtp", s.mid["video"], "framesDecoded")
    assert stands_still(s.call, a, "outbound-rtp", s.mid["video"], "packetsSent")
    assert video_flows(s.call, a, s.mid["video"])
    assert audio_flows(s.call, a, s.mid["audio"]) and audio_flows(s.call, b, s.mid["audio"])
    s.call.check_transport()


def test_replace_track(s):
    """B sends a 320x240 track instead on the same sender, with no
    renegotiation; A decodes it at its new size."""
    a, b = s.a, s.b
    small = s.sources.gum(b, video={"width": dbus.UInt32(320), "height": dbus.UInt32(240)})
    small = small["video"]
    needed = b.count("NegotiationNeeded")
    b.tx(s.tx_b["video"]).ReplaceTrack(small)
    assert str(b.tp(s.tx_b["video"], "SenderTrack")) == small
    mid = s.mid["video"]
    assert s.call.pump(lambda: a.stat("inbound-rtp", mid, "frameWidth") == 320, 10), \
        a.pc.GetStats()
    assert a.stat("inbound-rtp", mid, "frameHeight") == 240
    assert video_flows(s.call, a, mid)
    assert b.count("NegotiationNeeded") == needed
    assert str(state(b.bus, b.pc, "SignalingState")) == "stable"
    # The track it replaced is still the client's, live, and sent nowhere.
    assert str(rtcdtest.prop(b.bus, s.tracks_b["video"], TRACK, "ReadyState")) == "live"
    s.tracks_b["small"] = small
    assert audio_flows(s.call, a, s.mid["audio"]) and audio_flows(s.call, b, s.mid["audio"])
    s.call.check_transport()


def test_set_direction(s):
    """A's audio transceiver through every direction, an offer and answer
    each time: CurrentDirection on both sides, and audio flows exactly
    where the direction lets it."""
    a, b = s.a, s.b
    ta, tb, mid = s.tx_a["audio"], s.tx_b["audio"], s.mid["audio"]
    answer = {"sendrecv": "sendrecv", "sendonly": "recvonly", "recvonly": "sendonly",
              "inactive": "inactive"}
    for direction in ("sendonly", "recvonly", "inactive", "sendrecv"):
        tracks_a, tracks_b = len(a.tracks_signalled()), len(b.tracks_signalled())
        a.tx(ta).SetDirection(direction)
        assert str(a.tp(ta, "Direction")) == direction
        s.call.negotiate(a, b)
        assert (a.current(ta), b.current(tb)) == (direction, answer[direction]), direction
        a_sends = direction in ("sendrecv", "sendonly")
        b_sends = direction in ("sendrecv", "recvonly")
        for (receiver, flows) in ((b, a_sends), (a, b_sends)):
            if flows:
                assert audio_flows(s.call, receiver, mid), (direction, receiver.name,
                                                            s.call.report(mid))
            else:
                assert stands_still(s.call, receiver, "inbound-rtp", mid, "packetsReceived"), \
                    (direction, receiver.name)
        # W3C "track" again where receiving starts anew.
        if direction == "recvonly":
            assert len(a.tracks_signalled()) == tracks_a + 1, a.tracks_signalled()
        if direction == "sendrecv":
            assert len(b.tracks_signalled()) == tracks_b + 1, b.tracks_signalled()
            assert len(a.tracks_signalled()) == tracks_a + 1, a.tracks_signalled()
        # Video, untouched, goes on (B to A: A removed its own).
        assert video_flows(s.call, a, s.mid["video"]), direction
    s.call.check_transport()


def test_second_video(s):
    """A adds another camera mid-call: a new transceiver, one more Track
    on B, decoded there; the first video (B to A) goes on."""
    a, b = s.a, s.b
    second = s.sources.gum(a, video=True)["video"]
    before = set(a.transceivers())
    t = str(a.pc.AddTrack(second, dbus.Array(["from-a"], signature="s")))
    assert t not in before and str(a.tp(t, "Kind")) == "video"
    assert s.call.pump(lambda: a.count("NegotiationNeeded") > 0, 2)
    tracks_b = len(b.tracks_signalled())
    s.call.negotiate(a, b)
    mid = a.mid(t)
    assert mid and mid not in s.mid.values(), mid
    (tb,) = [x for x in b.transceivers() if b.mid(x) == mid]
    # B has nothing to send on it: it answers recvonly.
    assert (a.current(t), b.current(tb)) == ("sendonly", "recvonly")
    assert s.call.pump(lambda: len(b.tracks_signalled()) == tracks_b + 1, 5), \
        b.tracks_signalled()
    assert b.tracks_signalled()[-1][0] == tb
    assert video_flows(s.call, b, mid), b.pc.GetStats()
    assert b.stat("inbound-rtp", mid, "frameWidth") == 640
    assert video_flows(s.call, a, s.mid["video"])
    assert audio_flows(s.call, a, s.mid["audio"]) and audio_flows(s.call, b, s.mid["audio"])
    s.mid["second"], s.tx_b["second"], s.second = mid, tb, second
    s.call.check_transport()


def test_client_leaves(s):
    """A's client leaves its bus: its tracks, transceivers and connection
    go (with the capture streams); B's remote tracks of A's media mute,
    and another call of A's daemon goes on."""
    a, b = s.a, s.b
    # The other call, on the same two daemons: C (A's daemon) sends to D.
    c, d = Peer(a.d, "c"), Peer(b.d, "d")
    other = Call(c, d)
    (cam,) = s.sources.gum(c, video=True).values()
    c.pc.AddTrack(cam, dbus.Array([], signature="s"))
    other.negotiate(c, d)
    assert other.pump(other.connected, 20)
    (dt,) = d.transceivers()
    assert video_flows(other, d, d.mid(dt))

    watcher = a.d.bus()
    tracks = list(s.tracks_a.values()) + ([s.second] if hasattr(s, "second") else [])
    transceivers = a.transceivers()
    remote_a = [str(a.tp(t, "ReceiverTrack")) for t in transceivers]
    pipewire = isinstance(s.sources, PipeWireSources)
    if pipewire:
        for name in ("rtcd-call-a-camera", "rtcd-call-a-mic"):
            assert s.sources.links_from(name) >= 1, name
    a.bus.close()
    unknown = "org.freedesktop.DBus.Error.UnknownObject"
    assert rtcdtest.pump(lambda: error_of(lambda: rtcdtest.prop(
        watcher, a.path, PC, "SignalingState")) == unknown, 5)
    for path, iface in ([(t, TRACK) for t in tracks + remote_a if t != "/"] +
                        [(t, TX) for t in transceivers]):
        assert error_of(lambda: rtcdtest.prop(watcher, path, iface, "Kind")) == unknown, path
    if pipewire:
        # Its capture streams left PipeWire's graph: nothing reads its nodes.
        for name in ("rtcd-call-a-camera", "rtcd-call-a-mic"):
            assert rtcdtest.pump(lambda: s.sources.links_from(name) == 0, 10), name
        assert s.sources.links_from("rtcd-call-b-camera") >= 1
    # B: what came from A stops, its remote tracks mute (W3C: not ended).
    remote = s.remote_b["audio"]
    assert other.pump(lambda: rtcdtest.prop(b.bus, remote, TRACK, "Muted"), 5)
    assert stands_still(other, b, "inbound-rtp", s.mid["audio"], "packetsReceived")
    # The other call is unaffected.
    assert video_flows(other, d, d.mid(dt))
    assert str(state(c.bus, c.pc, "ConnectionState")) == "connected"
    assert a.d.rtcd.poll() is None and b.d.rtcd.poll() is None


STEPS = (test_call_both_ways, test_remove_track, test_replace_track, test_set_direction,
         test_second_video, test_client_leaves)


def main():
    pipewire = "--pipewire" in sys.argv[1:]
    if pipewire:
        if not os.path.exists(os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"),
                                           "pipewire-0")):
            tap.skip_all("not run inside tests/media/run-with-pipewire.sh")
        sources = PipeWireSources()
    else:
        sources = FakeSources()
    runner = rtcdtest.Tap()
    try:
        with rtcdtest.Daemon(sources.flags) as d1, rtcdtest.Daemon(sources.flags) as d2:
            s = State()
            s.sources = sources
            s.a, s.b = Peer(d1, "a"), Peer(d2, "b")
            s.call = Call(s.a, s.b)
            for step in STEPS:
                runner.run(step, s)
    finally:
        sources.close()
    return runner.done()


if __name__ == "__main__":
    sys.exit(main())
