# SPDX-License-Identifier: LGPL-2.1-or-later
"""Not a test: what the test_rtcd_media_*.py cases share. A call in the
lab from rtcd in host a, sending the fake camera (640x480 VP8) and
microphone (Opus), to rtcd in host b, which decodes them; and a sampler
that reads both sides' GetStats every 100 ms, so a test sees how the
figures moved: frames decoded (and the gaps between them), NACKs, RTX,
the bitrate a targets and the bitrate it puts on the wire.

    call = peers.call(config(...), prepare=send_camera_and_microphone)
    call.wait_connected(30)
    s = Sampler(call)
    s.run(20)                     # samples for 20 s
    s.max_decode_gap(after=t)     # seconds without a frame decoded
"""
import time

import dbus
import rtcdtest

# Fake devices and no PipeWire: the camera's test pattern and a tone.
DAEMON_ARGS = ["--fake-media-devices", "--no-pipewire"]
SAMPLE_INTERVAL = 0.1


def send_camera_and_microphone(end):
    """GetUserMedia on end's daemon, both tracks added: what a offers."""
    d, bus = end.host.daemon, end.host.bus
    tracks = d.manager(bus).GetUserMedia(
        dbus.Dictionary({"audio": True, "video": True}, signature="sv"), timeout=15)
    for t in tracks:
        end.pc.AddTrack(t, dbus.Array(["cam"], signature="s"))


def entry(stats, typ, kind=None):
    """The one stats entry of that type (and kind), or {}."""
    for v in stats.values():
        if v["type"] == typ and (kind is None or v.get("kind") == kind):
            return v
    return {}


def wire_bytes(stats):
    """What a puts into RTP packets, every outbound stream, RTX included."""
    return sum(int(v.get("bytesSent", 0)) + int(v.get("headerBytesSent", 0))
               for v in stats.values() if v["type"] == "outbound-rtp")


def available_outgoing(stats):
    """The congestion controller's estimate (the selected pair's)."""
    for v in stats.values():
        if v["type"] == "candidate-pair" and "availableOutgoingBitrate" in v:
            return float(v["availableOutgoingBitrate"])
    return 0.0


class Sample:
    """One reading of both sides at time t (monotonic seconds)."""

    def __init__(self, t, a, b):
        self.t = t
        self.video_in = entry(b, "inbound-rtp", "video")
        self.video_out = entry(a, "outbound-rtp", "video")
        self.decoded = int(self.video_in.get("framesDecoded", 0))
        self.target = float(self.video_out.get("targetBitrate", 0))
        self.available = available_outgoing(a)
        self.wire = wire_bytes(a)


class Sampler:
    def __init__(self, call):
        self.call = call
        self.samples = []

    def sample(self):
        a = self.call.a.stats()
        b = self.call.b.stats()
        s = Sample(time.monotonic(), a, b)
        self.samples.append(s)
        return s

    def run(self, seconds, until=None):
        """Samples every 100 ms for seconds, or until until(sample) is true
        (returns that sample; None when the time ran out)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            next_at = time.monotonic() + SAMPLE_INTERVAL
            s = self.sample()
            if until and until(s):
                return s
            rtcdtest.pump(timeout=max(0.0, next_at - time.monotonic()))
        return None

    def last(self):
        return self.samples[-1]

    def first_decoded(self):
        """When the first frame was seen decoded, or None."""
        for s in self.samples:
            if s.decoded > 0:
                return s.t
        return None

    def decode_gaps(self, after):
        """The intervals (start, seconds) in which framesDecoded did not grow,
        from time after on, between the samples around them: the decoder
        surely made no frame for that long (the gap is never longer than
        the decoder's, and at most two sample intervals, ~0.2 s, shorter)."""
        gaps = []
        prev = None
        for s in self.samples:
            if s.t < after:
                prev = s
                continue
            if prev is None:
                prev = s
                continue
            if s.decoded > prev.decoded:
                prev = s
                continue
            # Still no new frame: the gap runs from the last growth.
            if not gaps or gaps[-1][0] != prev.t:
                gaps.append([prev.t, 0.0])
            gaps[-1][1] = s.t - prev.t
        return [(start, length) for start, length in gaps]

    def max_decode_gap(self, after):
        gaps = self.decode_gaps(after)
        return max((length for _, length in gaps), default=0.0)

    def sent_bps(self, at, window=1.0):
        """Bits per second a put on the wire in the window before time at."""
        inside = [s for s in self.samples if at - window <= s.t <= at]
        if len(inside) < 2 or inside[-1].t <= inside[0].t:
            return 0.0
        return 8 * (inside[-1].wire - inside[0].wire) / (inside[-1].t - inside[0].t)

    def decoded_between(self, start, end):
        inside = [s for s in self.samples if start <= s.t <= end]
        return inside[-1].decoded - inside[0].decoded if len(inside) >= 2 else 0
