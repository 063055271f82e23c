"""Pion (Debian's golang-github-pion-webrtc.v3-dev) as a peer: the Go
program in pion/, driven through linepeer.  Meson builds it and passes its
path in RTCD_PION_PEER; run by hand, it is built into a cache directory."""

import os

from .build_pion import available, build_pion
from .linepeer import LinePeer

__all__ = ["available", "PionPeer"]


def binary():
    path = os.environ.get("RTCD_PION_PEER")
    if path:
        return path
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME", "/tmp"), "rtcd-interop-pion")
    path = os.path.join(cache, "pion-peer")
    build_pion(path, cache)  # go's own cache makes this quick after the first time
    return path


class PionPeer(LinePeer):
    # What this Pion (3.1.56) really moves, below what RFC 8841 lets rtcd
    # assume from its description (no a=max-message-size: 64 KiB):
    # - it reads each message into a buffer of math.MaxUint16 bytes
    #   (webrtc/datachannel.go, dataChannelBufferSize), so a message of
    #   65536 bytes fails its read loop with io.ErrShortBuffer ("short
    #   buffer") and closes the channel;
    # - it sends at most 65536 bytes whatever the remote advertises
    #   (sctptransport.go, updateMessageSize: "pion/webrtc#758").
    max_receive_message_size = 65535
    max_send_message_size = 65536

    def __init__(self, env=None):
        super().__init__("pion", [binary()], env=env)
