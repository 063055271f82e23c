"""Media interop scenarios between rtcd and one third-party peer: a call
with audio, video and a data channel in one BUNDLE, each side sending
what it captures, rtcd offering and answering (`media_<codec>_{rtcd,
peer}_offers`).

rtcd runs with --fake-media-devices (interop.main's "media" group): its
camera is a 640x480 test pattern, its microphone a tone.  The peer sends
its own: Chromium's and Firefox's fake devices through getUserMedia,
aiortc's generated VideoStreamTrack (640x480) and AudioStreamTrack, Pion
VP8 or H.264 and Opus that this script encodes with PyAV
(peers/media_feed.py) when PyAV can, else nothing.  On a connection negotiated with trickle:

- the data channel carries a message each way;
- rtcd announced a `Track` for each kind the peer sends, and decodes its
  video (GetStats inbound-rtp framesDecoded) and receives its audio;
- the peer decodes rtcd's video at 640 wide and receives its audio:
  browsers by their getStats (inbound-rtp framesDecoded, frameWidth,
  packetsReceived), aiortc by the frames its tracks hand out (counted in
  peers/aiortc_peer.py), Pion by the RTP packets per SSRC and payload type
  (it has no decoder);
- the codec each side sends is the one asked for: VP8 (both sides'
  default), or H.264 where the peer has it, preferred by the peer
  (setCodecPreferences, before anything is negotiated) so that it leads
  the offer or the answer.

Figures seen over a few seconds (frames, fps, kbit/s each way) are
printed as TAP comments; they are not asserted.
"""

import sys
import time

import connectivity
import interop
from interop import check

DC_IFACE = "org.rtcd.WebRTC1.DataChannel"
TX_IFACE = "org.rtcd.WebRTC1.RtpTransceiver"
# Frames decoded before a side counts as decoding: a key frame and more.
MIN_FRAMES = 10
# Two cores shared with a browser encoding and decoding 640x480.
TIMEOUT = 40.0
# How long figures are measured over once media flows.
MEASURE_SECONDS = 3.0
STREAM_ID = "rtcd-cam"


def comment(text):
    for line in text.splitlines():
        print("# " + line)
    sys.stdout.flush()


# --- what the peer received ------------------------------------------------------
# Each returns {"video": {...}, "audio": {...}} with what is known of each
# kind: "frames" decoded, "width", "height", "packets", "bytes", "codec"
# (a mime type), "time" (seconds, for rates).

def browser_received(peer, ppc):
    stats = peer.call("get_stats", pc=ppc)
    out = {}
    for s in stats.values():
        if s.get("type") != "inbound-rtp" or s.get("kind") not in ("audio", "video"):
            continue
        codec = stats.get(s.get("codecId"), {}).get("mimeType", "")
        out[s["kind"]] = {"frames": s.get("framesDecoded", 0), "width": s.get("frameWidth", 0),
                          "height": s.get("frameHeight", 0),
                          "packets": s.get("packetsReceived", 0),
                          "bytes": s.get("bytesReceived", 0), "codec": codec,
                          "time": s.get("timestamp", 0) / 1000.0}
    return out


def aiortc_received(peer, ppc):
    out = {}
    for c in peer.call("media_counts", pc=ppc):
        entry = {"frames": c["frames"], "width": c["width"], "height": c["height"],
                 "time": c["last"] or 0}
        if c["kind"] == "audio":
            entry["packets"] = c["frames"]  # one Opus frame a packet
        out[c["kind"]] = entry
    return out


def pion_received(peer, ppc):
    out = {}
    for c in peer.call("media_counts", pc=ppc) or []:
        entry = out.setdefault(c["kind"], {"packets": 0, "bytes": 0, "codec": c["mime_type"],
                                           "by_ssrc": [], "time": time.monotonic()})
        entry["packets"] += c["packets"]
        entry["bytes"] += c["bytes"]
        entry["by_ssrc"].append((c["ssrc"], c["payload_type"], c["mime_type"], c["packets"]))
    return out


# --- how each peer takes part ------------------------------------------------------

class PeerMedia:
    """What differs between peers: how they send, what they report."""
    decodes = True        # reports decoded video frames
    source = None         # add_track's source ("device": getUserMedia)

    def __init__(self, peer):
        self.peer = peer
        self.stream_ids = {}  # kind -> the msid stream its track went in, if known

    def has_codec(self, mime_type):
        codecs = self.peer.call("codecs", kind="video")
        return any(c.split(" ")[0].lower() == mime_type.lower() for c in codecs["receive"]) and \
            any(c.split(" ")[0].lower() == mime_type.lower() for c in codecs["send"])

    def lacks(self, codec):
        return "%s has no %s to send and receive" % (self.peer.name, codec)

    def add_tracks(self, ppc, codec="VP8"):
        for kind in ("audio", "video"):
            args = {"source": self.source} if self.source else {}
            added = self.peer.call("add_track", pc=ppc, kind=kind, **args)
            if added.get("stream_id"):
                self.stream_ids[kind] = added["stream_id"]

    def prefer(self, ppc, mime_type):
        self.peer.call("set_codec_preferences", pc=ppc, kind="video", mime_type=mime_type)

    def sends(self):
        return True

    def poll(self, ppc):
        """Called while waiting: a peer fed by the script sends here."""

    def received(self, ppc):
        raise NotImplementedError

    def close(self):
        pass


class BrowserMedia(PeerMedia):
    source = "device"

    def received(self, ppc):
        return browser_received(self.peer, ppc)


class AiortcMedia(PeerMedia):
    def received(self, ppc):
        return aiortc_received(self.peer, ppc)


class PionMedia(PeerMedia):
    """Pion has no encoder or decoder: it counts RTP, and sends VP8 or
    H.264 and Opus encoded here (media_feed) when PyAV can."""
    decodes = False

    def __init__(self, peer):
        super().__init__(peer)
        self.feed = None
        self.feed_error = None

    def has_codec(self, mime_type):
        from peers import media_feed
        return media_feed.unavailable(mime_type.split("/")[1].upper()) is None

    def lacks(self, codec):
        from peers import media_feed
        return "nothing here encodes %s for Pion to send: %s" % (
            codec, media_feed.unavailable(codec))

    def sends(self):
        return self.feed is not None

    def add_tracks(self, ppc, codec="VP8"):
        from peers import media_feed
        self.feed_error = media_feed.unavailable(codec)
        self.feed = None if self.feed_error else media_feed.Feed(codec)
        # Tracks 0 (audio) and 1 (video): write_sample's numbers.
        for kind in ("audio", "video"):
            self.peer.call("add_track", pc=ppc, kind=kind, stream_id="pion-stream",
                           mime_type="video/" + codec if kind == "video" else "")
            self.stream_ids[kind] = "pion-stream"
        if self.feed:
            self.feed.start(self.peer, ppc, audio_track=0, video_track=1)

    def poll(self, ppc):
        if self.feed:
            self.feed.pump()

    def received(self, ppc):
        return pion_received(self.peer, ppc)


def peer_media(peer):
    return {"chromium": BrowserMedia, "firefox": BrowserMedia, "aiortc": AiortcMedia,
            "pion": PionMedia}[peer.name.split(" ")[0]](peer)


# --- rtcd's side ------------------------------------------------------------------

def rtcd_received(pc):
    """rtcd's inbound-rtp by kind, in the same shape as the peers'."""
    stats = pc.GetStats()
    out = {}
    for s in stats.values():
        if str(s["type"]) != "inbound-rtp":
            continue
        codec = stats.get(s.get("codecId", ""), {}).get("mimeType", "")
        out[str(s["kind"])] = {
            "frames": int(s.get("framesDecoded", 0)), "width": int(s.get("frameWidth", 0)),
            "height": int(s.get("frameHeight", 0)), "packets": int(s.get("packetsReceived", 0)),
            "bytes": int(s.get("bytesReceived", 0)), "codec": str(codec),
            "time": float(s.get("timestamp", 0)) / 1000.0}
    return out


def rtcd_sent(pc):
    stats = pc.GetStats()
    return {str(s["kind"]): {str(k): (str(v) if isinstance(v, str) else float(v))
                             for k, v in s.items()
                             if k in ("framesEncoded", "packetsSent", "bytesSent", "frameWidth",
                                      "frameHeight", "framesPerSecond")}
            for s in stats.values() if str(s["type"]) == "outbound-rtp"}


# --- the call ------------------------------------------------------------------------

class Call:
    """rtcd and the peer in a call: audio, video and a data channel, both
    sending, negotiated with trickle, ICE and DTLS connected."""

    def __init__(self, daemon, peer, rtcd_offers, codec):
        import dbus
        import rtcdtest  # only once in the namespace, as interop.main does
        self.dbus = dbus
        self.rtcdtest = rtcdtest
        self.peer = peer
        self.media = peer_media(peer)
        self.bus = daemon.bus()
        self.signals = rtcdtest.Signals(self.bus)
        self.link = connectivity.Link(daemon, self.bus, peer, trickle=True)
        self.pc = self.link.rtcd.pc
        self.path = self.link.rtcd.path
        self.ppc = self.link.ppc
        try:
            self._negotiate(daemon, rtcd_offers, codec)
        except BaseException:
            self.close()
            raise

    def _negotiate(self, daemon, rtcd_offers, codec):
        dbus = self.dbus
        tracks = daemon.manager(self.bus).GetUserMedia(
            dbus.Dictionary({"audio": True, "video": True}, signature="sv"), timeout=15)
        # The peer's tracks (and codec preference) come first in both
        # roles: an answerer's addTrack transceivers are the ones its
        # setRemoteDescription takes (JSEP 5.10), preferences and all.
        self.media.add_tracks(self.ppc, codec)
        if codec != "VP8":
            self.media.prefer(self.ppc, "video/" + codec)
        if rtcd_offers:
            for t in tracks:
                self.pc.AddTrack(t, dbus.Array([STREAM_ID], signature="s"))
            self.rtcd_dc = str(self.pc.CreateDataChannel("media", dbus.Dictionary(
                {}, signature="sv")))
            self.pc.SetLocalDescription("offer", "")
            self.link.to_peer("offer", self.link.rtcd_description())
            self.peer.set_local_description(self.ppc, "answer")
            self.link.to_rtcd("answer", self.link.peer_description())
            self.peer_dc = None  # from its data_channel event
        else:
            self.peer_dc = self.peer.create_data_channel(self.ppc, "media")["dc"]
            self.peer.set_local_description(self.ppc, "offer")
            self.link.to_rtcd("offer", self.link.peer_description())
            # W3C addTrack takes the transceivers the offer made.
            for t in tracks:
                self.pc.AddTrack(t, dbus.Array([STREAM_ID], signature="s"))
            self.pc.SetLocalDescription("answer", "")
            self.link.to_peer("answer", self.link.rtcd_description())
            self.rtcd_dc = None  # from its DataChannel signal
        self.link.wait_connected()

    def close(self):
        self.media.close()
        self.link.close()
        self.bus.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def poll(self):
        self.link.forward()
        self.media.poll(self.ppc)

    def wait(self, cond, what, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            result = cond()
            if result:
                return result
            if time.monotonic() > deadline:
                raise interop.Failure("%s: not within %.0f s\n%s" % (what, timeout, self.report()))
            time.sleep(0.05)

    def report(self):
        out = [self.link.report()]
        try:
            out.append("%s received: %r" % (self.peer.name, self.media.received(self.ppc)))
        except Exception as e:  # noqa: BLE001 -- a report must not hide the failure
            out.append("%s received: %s" % (self.peer.name, e))
        out.append("rtcd's signals: %r" % [(p, m) for p, _, m, _ in self.signals.log][-40:])
        return "\n".join(out)

    # --- rtcd's side ---------------------------------------------------------------
    def rtcd_track_signals(self):
        """The Track signals: {kind: (transceiver, track, stream ids)}."""
        out = {}
        for path, _, member, args in self.signals.log:
            if path == self.path and member == "Track":
                kind = str(self.rtcdtest.prop(self.bus, str(args[1]),
                                              "org.rtcd.WebRTC1.MediaStreamTrack", "Kind"))
                out[kind] = (str(args[0]), str(args[1]), [str(i) for i in args[2]])
        return out

    def rtcd_video_codec(self):
        """The mime type rtcd sends video with: its video transceiver's
        first negotiated codec."""
        for t in self.rtcdtest.prop(self.bus, self.path, interop.PC_IFACE, "Transceivers"):
            if str(self.rtcdtest.prop(self.bus, str(t), TX_IFACE, "Kind")) == "video":
                codecs = self.rtcdtest.prop(self.bus, str(t), TX_IFACE, "Codecs")
                return str(codecs[0]["mime-type"]) if codecs else ""
        return ""

    def rtcd_messages(self, path):
        return [str(args[0]) for p, _, m, args in self.signals.log if p == path and m == "Message"]

    def rtcd_channel(self, path):
        return self.dbus.Interface(self.bus.get_object(interop.BUS_NAME, path, introspect=False),
                                   DC_IFACE)

    def peer_events(self, event, **match):
        return [ev for ev in self.link.peer_events
                if ev.get("event") == event and all(ev.get(k) == v for k, v in match.items())]


def check_data_channel(call):
    """A message each way on the call's channel."""
    if call.rtcd_dc is None:
        def remote():
            for p, _, m, args in call.signals.log:
                if p == call.path and m == "DataChannel":
                    return str(args[0])
            return None
        call.rtcd_dc = call.wait(remote, "rtcd: DataChannel signal for the peer's channel")
    if call.peer_dc is None:
        call.peer_dc = call.wait(lambda: call.peer_events("data_channel", label="media"),
                                 "%s: data_channel event" % call.peer.name)[0]["dc"]
    call.wait(lambda: str(call.rtcdtest.prop(call.bus, call.rtcd_dc, DC_IFACE,
                                             "ReadyState")) == "open" and
              (call.peer_events("dc_open", dc=call.peer_dc) or
               call.peer.call("dc_state", dc=call.peer_dc)["ready_state"] == "open"),
              "the data channel open at both ends")
    call.rtcd_channel(call.rtcd_dc).Send(call.dbus.String("from rtcd"), signature="v")
    call.peer.send_text(call.peer_dc, "from %s" % call.peer.name)
    call.wait(lambda: [ev for ev in call.peer_events("dc_message", dc=call.peer_dc)
                       if ev.get("text") == "from rtcd"],
              "%s: rtcd's message on the data channel" % call.peer.name)
    call.wait(lambda: "from %s" % call.peer.name in call.rtcd_messages(call.rtcd_dc),
              "rtcd: %s's message on the data channel" % call.peer.name)


def rate(a, b, key, scale=1.0):
    dt = b.get("time", 0) - a.get("time", 0)
    if dt <= 0:
        return 0.0
    return (b.get(key, 0) - a.get(key, 0)) * scale / dt


def figures(who, first, last):
    """One line of what `who` received of each kind between two samples."""
    parts = []
    for kind in ("video", "audio"):
        a, b = first.get(kind, {}), last.get(kind, {})
        if not b:
            continue
        part = "%s %s:" % (kind, b.get("codec") or "")
        if "frames" in b and kind == "video":
            part += " %d frames decoded, %.1f fps, %dx%d" % (
                b["frames"], rate(a, b, "frames"), b.get("width", 0), b.get("height", 0))
        if "packets" in b:
            part += " %d packets" % b["packets"]
        if b.get("bytes"):
            part += ", %.0f kbit/s" % rate(a, b, "bytes", 8 / 1000.0)
        parts.append(part)
    return "%s received: %s" % (who, "; ".join(parts) or "nothing")


def check_media(call, codec):
    media, peer = call.media, call.peer
    want = "video/" + codec

    # rtcd: a Track signal for each kind, with the peer's stream ids.
    call.wait(lambda: set(call.rtcd_track_signals()) == {"audio", "video"},
              "rtcd: Track signals for audio and video")
    for kind, (_, _, stream_ids) in call.rtcd_track_signals().items():
        if kind in media.stream_ids:
            check(stream_ids == [media.stream_ids[kind]],
                  "rtcd's Track signal for %s has stream ids %r, %s sent %r"
                  % (kind, stream_ids, peer.name, media.stream_ids[kind]))

    def peer_decodes():
        got = media.received(call.ppc)
        v, a = got.get("video", {}), got.get("audio", {})
        if not media.decodes:
            return v.get("packets", 0) >= MIN_FRAMES and a.get("packets", 0) > 0
        return v.get("frames", 0) >= MIN_FRAMES and v.get("width") == 640 and \
            a.get("packets", 0) > 0
    call.wait(peer_decodes, "%s: decoding rtcd's video (%d frames, 640 wide) and audio"
              % (peer.name, MIN_FRAMES))

    if media.sends():
        def rtcd_decodes():
            got = rtcd_received(call.pc)
            v, a = got.get("video", {}), got.get("audio", {})
            return v.get("frames", 0) >= MIN_FRAMES and v.get("width", 0) > 0 and \
                a.get("packets", 0) > 0
        call.wait(rtcd_decodes, "rtcd: decoding %s's video (%d frames) and audio"
                  % (peer.name, MIN_FRAMES))
    else:
        comment("%s sends nothing here: %s" % (peer.name, media.feed_error))

    # Figures over a few seconds, then the codecs each way.
    peer_first, rtcd_first = media.received(call.ppc), rtcd_received(call.pc)
    deadline = time.monotonic() + MEASURE_SECONDS
    while time.monotonic() < deadline:
        call.poll()
        time.sleep(0.05)
    peer_last, rtcd_last = media.received(call.ppc), rtcd_received(call.pc)
    comment(figures(peer.name, peer_first, peer_last))
    comment(figures("rtcd", rtcd_first, rtcd_last))
    comment("rtcd sent: %r" % rtcd_sent(call.pc))
    for kind in ("video", "audio"):
        by_ssrc = peer_last.get(kind, {}).get("by_ssrc")
        if by_ssrc is not None:
            comment("%s %s RTP (ssrc, payload type, codec, packets): %r"
                    % (peer.name, kind, by_ssrc))
            check(by_ssrc and all(n > 0 for *_, n in by_ssrc),
                  "%s: no %s RTP counted per SSRC: %r" % (peer.name, kind, by_ssrc))

    sent = call.rtcd_video_codec()
    check(sent.lower() == want.lower(), "rtcd sends video as %r, not %s" % (sent, want))
    theirs = peer_last.get("video", {}).get("codec")
    if theirs:
        check(theirs.lower() == want.lower(),
              "%s receives video as %r, not %s" % (peer.name, theirs, want))
    if media.sends():
        got = rtcd_last.get("video", {}).get("codec")
        if got:
            check(got.lower() == want.lower(), "rtcd receives video as %r, not %s" % (got, want))
    # Still flowing at the end: the peer's decoded frames grew.
    key = "frames" if media.decodes else "packets"
    check(peer_last["video"].get(key, 0) > peer_first["video"].get(key, 0),
          "%s: no video %s over %.0f s" % (peer.name, key, MEASURE_SECONDS))
    if media.sends():
        check(rtcd_last["video"]["frames"] > rtcd_first["video"]["frames"],
              "rtcd: no video frames decoded over %.0f s" % MEASURE_SECONDS)


def scenario(codec, rtcd_offers):
    def run(daemon, _bus, peer):
        media = peer_media(peer)
        if codec != "VP8" and not media.has_codec("video/" + codec):
            raise interop.Skip(media.lacks(codec))
        with Call(daemon, peer, rtcd_offers, codec) as call:
            check_data_channel(call)
            check_media(call, codec)
    run.__name__ = "media_%s_%s" % (codec.lower(), "rtcd_offers" if rtcd_offers else "peer_offers")
    run.__doc__ = "rtcd and the peer send audio and %s video both ways, data too" % codec
    return run


def scenarios(codecs=("VP8", "H264")):
    return [scenario(c, o) for c in codecs for o in (True, False)]
