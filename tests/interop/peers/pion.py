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
    def __init__(self, env=None):
        super().__init__("pion", [binary()], env=env)
