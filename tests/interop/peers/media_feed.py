"""Real VP8 or H.264 video and Opus audio for a peer that has no encoder
(Pion's driver sends whatever bytes it is given as samples): encoded here
once with PyAV (python3-av, which aiortc needs anyway: libvpx, libx264,
libopus) and fed to the peer's tracks in real time with its write_sample
command, in a loop.

Video: 640x480 at 30 fps, a gradient that moves a little each frame, a
key frame every GOP frames (H.264: with SPS and PPS before each, Annex B
as Pion's payloader wants), and the loop as long as a whole number of
GOPs so that it starts over on a key frame.  Audio: a 440 Hz tone,
20 ms Opus frames.
"""

import base64
import fractions
import math
import struct
import time

WIDTH, HEIGHT, FPS, GOP = 640, 480, 30, 30
VIDEO_FRAMES = 2 * GOP
AUDIO_RATE, AUDIO_FRAME = 48000, 960   # 20 ms
AUDIO_FRAMES = 50

_encoded = {}  # video codec -> (video packets, audio packets), made once a process
ENCODERS = {"VP8": "libvpx", "H264": "libx264"}


def unavailable(codec="VP8"):
    """Why `codec` video and Opus cannot be encoded here, or None."""
    try:
        import av
        av.codec.Codec(ENCODERS[codec], "w")
        av.codec.Codec("libopus", "w")
    except Exception as e:  # noqa: BLE001 -- ImportError or a codec missing
        return "PyAV cannot encode %s and Opus here (%s)" % (codec, e)
    return None


def _video(codec):
    import av
    ctx = av.CodecContext.create(ENCODERS[codec], "w")
    ctx.width, ctx.height, ctx.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    ctx.time_base = fractions.Fraction(1, FPS)
    ctx.framerate = FPS
    ctx.bit_rate = 600000
    ctx.gop_size = GOP
    # One packet a frame, at once: what a real-time sender does.
    if codec == "VP8":
        ctx.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0",
                       "auto-alt-ref": "0", "kf-max-dist": str(GOP), "kf-min-dist": str(GOP)}
    else:
        # Constrained Baseline (what rtcd and browsers take), no B frames.
        ctx.options = {"profile": "baseline", "preset": "ultrafast", "tune": "zerolatency",
                       "x264-params": "keyint=%d:min-keyint=%d:scenecut=0:repeat-headers=1"
                       % (GOP, GOP)}
    packets = []
    for i in range(VIDEO_FRAMES):
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        for n, plane in enumerate(frame.planes):
            w = plane.width
            if n == 0:
                row = bytes((x + 4 * i) & 0xff for x in range(w))
            else:
                row = bytes([(64 + 2 * i) & 0xff if n == 1 else 128]) * w
            plane.update((row + bytes(plane.line_size - w)) * plane.height)
        frame.pts = i
        if i % GOP == 0:
            frame.pict_type = av.video.frame.PictureType.I
        packets += [bytes(p) for p in ctx.encode(frame)]
    packets += [bytes(p) for p in ctx.encode(None)]
    if len(packets) != VIDEO_FRAMES:
        raise RuntimeError("libvpx gave %d packets for %d frames" % (len(packets), VIDEO_FRAMES))
    return packets


def _audio():
    import av
    ctx = av.CodecContext.create("libopus", "w")
    ctx.sample_rate = AUDIO_RATE
    ctx.layout = "stereo"
    ctx.format = "s16"
    ctx.bit_rate = 32000
    packets = []
    for i in range(AUDIO_FRAMES):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=AUDIO_FRAME)
        pcm = b"".join(struct.pack("<hh", v, v) for v in (
            int(8000 * math.sin(2 * math.pi * 440 * (i * AUDIO_FRAME + k) / AUDIO_RATE))
            for k in range(AUDIO_FRAME)))
        frame.planes[0].update(pcm)
        frame.sample_rate = AUDIO_RATE
        frame.pts = i * AUDIO_FRAME
        packets += [bytes(p) for p in ctx.encode(frame)]
    return packets


def encoded(codec):
    if codec not in _encoded:
        _encoded[codec] = (_video(codec), _audio())
    return _encoded[codec]


class Feed:
    """Sends the encoded loop to a peer's two tracks, paced by the clock:
    call pump() often (every 50 ms or so)."""

    def __init__(self, codec="VP8"):
        self.video, self.audio = encoded(codec)
        self.peer = None

    def start(self, peer, ppc, audio_track, video_track):
        self.peer, self.ppc = peer, ppc
        self.tracks = {"audio": audio_track, "video": video_track}
        self.t0 = time.monotonic()
        self.sent = {"audio": 0, "video": 0}

    def pump(self):
        if self.peer is None:
            return
        now = time.monotonic() - self.t0
        for kind, packets, period in (("video", self.video, 1.0 / FPS),
                                      ("audio", self.audio, AUDIO_FRAME / AUDIO_RATE)):
            while self.sent[kind] * period <= now:
                data = packets[self.sent[kind] % len(packets)]
                self.peer.call("write_sample", pc=self.ppc, track=self.tracks[kind],
                               binary=base64.b64encode(data).decode(),
                               duration_ms=round(period * 1000))
                self.sent[kind] += 1
